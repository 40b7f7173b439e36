//! Instagram Direct end to end over real HTTP against the sandbox: inbox sync and the
//! 20-message rule, sends within and outside the windows, the HUMAN_AGENT tag, the 7-day
//! block, private replies (one per comment), and a lost send answer that must not be re-sent.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use socialdesk::engine::dms::{
    self, DmError, PrivateReplyRequest, SendWindow, send_message, send_private_reply, sync_account,
};
use socialdesk::engine::dms::{DmsCommand, DmsEvent};
use socialdesk::engine::{Command, Event};
use socialdesk::graph::messages::{ConversationId, OutgoingMessage, Recipient};
use socialdesk::ids::CommentId;
use socialdesk::sandbox::{DEMO_BUSINESS_USERNAME, WriteFault};
use socialdesk::store::secrets::MemorySecrets;
use socialdesk::store::secrets::SecretStore;

use crate::support::{World, WorldSetup};

async fn world() -> World {
    world_with(Arc::new(MemorySecrets::default())).await
}

/// The demo business logged in on an engine that keeps its tokens in `secrets` and reads
/// the sandbox clock.
async fn world_with(secrets: Arc<dyn SecretStore>) -> World {
    let w = WorldSetup {
        sandbox_clock: true,
        secrets,
    }
    .start()
    .await;
    // No generated messages: they would reopen the windows under test.
    w.sandbox.control().set_dm_activity(None);
    w.logged_in().await
}

fn quiet(_: String) {}

/// Syncs the logged-in account's inbox: the conversations that changed.
async fn sync(w: &World) -> Vec<ConversationId> {
    sync_account(&w.core, w.account(), &quiet)
        .await
        .expect("sync")
}

/// A text message.
fn text_message(t: &str) -> OutgoingMessage {
    OutgoingMessage {
        text: Some(t.into()),
        ..Default::default()
    }
}

/// An image message: the picture at the public `url`.
fn image_message(url: &str) -> OutgoingMessage {
    OutgoingMessage {
        image_url: Some(url.to_owned()),
        ..Default::default()
    }
}

/// Sends `message` as the logged-in account into `conversation`.
async fn send(
    w: &World,
    conversation: &ConversationId,
    message: OutgoingMessage,
) -> Result<dms::SendOutcome, DmError> {
    send_message(&w.core, w.account(), conversation, message, &quiet).await
}

/// The conversation with `username`, from the cache.
async fn conversation_with(w: &World, username: &str) -> dms::DmSummary {
    dms::inbox(&w.core, &w.account().id)
        .await
        .expect("inbox")
        .into_iter()
        .find(|s| {
            s.conversation
                .person
                .as_ref()
                .and_then(|p| p.username.as_deref())
                == Some(username)
        })
        .unwrap_or_else(|| panic!("a conversation with {username}"))
}

fn posts_to_messages(w: &World) -> usize {
    w.sandbox
        .control()
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_reads_the_inbox_keeps_old_messages_honest_and_refetches_only_changes() {
    let w = world().await;
    let started = std::time::Instant::now();
    let changed = sync(&w).await;
    let inbox = dms::inbox(&w.core, &w.account().id).await.expect("inbox");
    assert_eq!(changed.len(), inbox.len(), "a first sync reads everything");
    // 1 list + 1 read per conversation, paced at Meta's 2 reads per second.
    let reads = 1 + inbox.len();
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(500 * (reads as u64 - 2)),
        "{reads} reads took only {:?}",
        started.elapsed()
    );
    assert!(inbox.len() >= 5, "{inbox:?}");
    assert!(
        inbox
            .windows(2)
            .all(|p| { p[0].conversation.updated_time >= p[1].conversation.updated_time })
    );
    assert!(inbox.iter().all(|s| s.unread), "new messages start unread");

    // 30 messages: all listed, only the 20 most recent readable; none lost, none an error.
    let long = conversation_with(&w, "harbour.bakery").await;
    let id = (w.account().id.clone(), long.conversation.id.clone());
    let messages = w
        .core
        .with_store(move |s| s.dm_messages(&id.0, &id.1))
        .await
        .expect("messages");
    assert_eq!(messages.len(), 30);
    assert_eq!(messages.iter().filter(|m| m.readable).count(), 20);
    assert!(
        messages[..10]
            .iter()
            .all(|m| !m.readable && m.text.is_none())
    );
    assert!(
        messages[10..]
            .iter()
            .all(|m| m.readable && m.text.is_some())
    );

    // Nothing changed: one list call, no conversation re-read.
    w.sandbox.control().clear_requests();
    let changed = sync(&w).await;
    assert!(changed.is_empty(), "{changed:?}");
    assert_eq!(w.sandbox.control().requests().len(), 1);

    // A new message re-reads exactly its conversation.
    let conv = w
        .sandbox
        .control()
        .deliver_dm(
            DEMO_BUSINESS_USERNAME,
            "kenji.makes",
            "Any news on the cups?",
        )
        .expect("delivered");
    let changed = sync(&w).await;
    assert_eq!(changed, vec![ConversationId(conv)]);
    let kenji = conversation_with(&w, "kenji.makes").await;
    assert_eq!(
        kenji.conversation.last_text.as_deref(),
        Some("Any news on the cups?")
    );
    assert!(matches!(kenji.window, SendWindow::Standard { .. }));
}

/// A send refused by Meta's rate limit sent nothing, so it is queued and tried again under
/// the one retry policy (three attempts in all), telling the user it waits; a third refusal
/// is reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_refused_by_the_rate_limit_is_queued_and_tried_again() {
    let w = world().await;
    sync(&w).await;
    let lena = conversation_with(&w, "lena.loves.latte").await;
    let control = w.sandbox.control();
    let notes = std::sync::Mutex::new(Vec::new());
    let note = |n: String| notes.lock().expect("notes").push(n);

    control.fail_next_writes(2, WriteFault::Throttled);
    let text = "Queued, then sent";
    let outcome = send_message(
        &w.core,
        w.account(),
        &lena.conversation.id,
        text_message(text),
        &note,
    )
    .await
    .expect("sent on the third attempt");
    assert_eq!(
        outcome.messages.last().and_then(|m| m.text.as_deref()),
        Some(text)
    );
    let queued = notes
        .lock()
        .expect("notes")
        .iter()
        .filter(|n| n.contains("send limit was reached"))
        .count();
    assert_eq!(queued, 2, "the user was told each time");
    let sent = control.dm_texts(&lena.conversation.id.0);
    assert_eq!(sent.iter().filter(|t| *t == text).count(), 1, "sent once");

    control.fail_next_writes(3, WriteFault::Throttled);
    let err = send(&w, &lena.conversation.id, text_message("Never sent"))
        .await
        .expect_err("three refusals");
    assert!(err.to_string().to_lowercase().contains("limit"), "{err}");
    assert!(
        !control
            .dm_texts(&lena.conversation.id.0)
            .contains(&"Never sent".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_within_the_window_and_with_the_human_agent_tag_after_24_hours() {
    let w = world().await;
    sync(&w).await;

    let lena = conversation_with(&w, "lena.loves.latte").await;
    assert!(matches!(lena.window, SendWindow::Standard { .. }));
    let outcome = send(
        &w,
        &lena.conversation.id,
        text_message("Yes, ready from 2 pm!"),
    )
    .await
    .expect("sent within 24 h");
    assert_eq!(
        outcome.messages.last().and_then(|m| m.text.as_deref()),
        Some("Yes, ready from 2 pm!")
    );
    assert!(
        w.sandbox
            .control()
            .dm_texts(&lena.conversation.id.0)
            .contains(&"Yes, ready from 2 pm!".to_owned())
    );

    // An image goes as an attachment and comes back as one.
    let image_url = format!("{}cdn/demo/dm.jpg", w.sandbox.url());
    let outcome = send(&w, &lena.conversation.id, image_message(&image_url))
        .await
        .expect("image sent");
    let last = outcome.messages.last().expect("a message");
    assert_eq!(
        last.attachments,
        vec![socialdesk::graph::messages::DmAttachment::Image { url: image_url }]
    );

    // A local file is hosted first (as the Composer does) and sent by its public URL.
    w.host_files_on_sandbox().await;
    let file = w.temp_dir().join("latte.png");
    image::RgbImage::from_pixel(4, 4, image::Rgb([200, 150, 90]))
        .save(&file)
        .expect("png");
    let hosted = dms::host_image_file(&w.core, &file).await.expect("hosted");
    assert!(hosted.starts_with(w.sandbox.url().as_str()), "{hosted}");
    let outcome = send(&w, &lena.conversation.id, image_message(&hosted))
        .await
        .expect("hosted image sent");
    assert_eq!(
        outcome.messages.last().map(|m| m.attachments.clone()),
        Some(vec![socialdesk::graph::messages::DmAttachment::Image {
            url: hosted
        }])
    );
    let gif = w.temp_dir().join("anim.gif");
    std::fs::write(&gif, b"GIF89a").expect("gif");
    let err = dms::host_image_file(&w.core, &gif)
        .await
        .expect_err("not JPEG or PNG");
    assert!(err.to_string().contains("JPEG or PNG"), "{err}");

    // Three days after the person's last message: refused without the tag, with a clear message.
    let tom = conversation_with(&w, "tom_on_tour").await;
    assert!(matches!(tom.window, SendWindow::HumanAgent { .. }));
    let err = send(
        &w,
        &tom.conversation.id,
        text_message("We do ship to Canada"),
    )
    .await
    .expect_err("outside the 24 h window");
    assert!(matches!(err, DmError::OutsideWindow { .. }), "{err:?}");
    let shown = err.to_string();
    assert!(
        shown.contains("24-hour") && shown.contains("Human agent") && shown.contains("HUMAN_AGENT"),
        "{shown}"
    );
    let tagged = OutgoingMessage {
        human_agent: true,
        ..text_message("We do ship to Canada")
    };
    send(&w, &tom.conversation.id, tagged)
        .await
        .expect("sent with the HUMAN_AGENT tag");
    let sent = w
        .sandbox
        .control()
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST")
        .expect("a POST");
    assert!(
        sent.body.contains("HUMAN_AGENT") && sent.body.contains("MESSAGE_TAG"),
        "{}",
        sent.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_7_days_sending_is_blocked_before_any_call() {
    let w = world().await;
    sync(&w).await;
    let ana = conversation_with(&w, "ana.pereira").await;
    assert!(ana.window.is_closed());
    w.sandbox.control().clear_requests();
    let err = send(
        &w,
        &ana.conversation.id,
        OutgoingMessage {
            text: Some("Hello again".into()),
            human_agent: true,
            ..Default::default()
        },
    )
    .await
    .expect_err("blocked");
    assert!(matches!(err, DmError::WindowClosed { .. }), "{err:?}");
    assert!(err.to_string().contains("7 days"), "{err}");
    assert!(w.sandbox.control().requests().is_empty());

    // The clock moves on: Lena's conversation (12 minutes old) closes after 7 days as well.
    w.sandbox
        .control()
        .advance_clock(std::time::Duration::from_hours(192));
    let lena = conversation_with(&w, "lena.loves.latte").await;
    assert!(lena.window.is_closed(), "{:?}", lena.window);
}

/// A recent comment by someone else on the business account's media: (id, time, author id).
async fn a_recent_comment(w: &World) -> (CommentId, DateTime<Utc>, String) {
    let token = w
        .sandbox
        .control()
        .mint_token(
            "instagram",
            DEMO_BUSINESS_USERNAME,
            &[
                "instagram_business_basic",
                "instagram_business_manage_comments",
            ],
        )
        .expect("token");
    let http = reqwest::Client::new();
    let feed = w
        .core
        .fetch_feed_page(w.account(), None)
        .await
        .expect("feed");
    let now = w.sandbox.control().now();
    for media in feed.media {
        let url = format!(
            "{}v24.0/{}/comments?fields=id,timestamp,from&access_token={token}",
            w.sandbox.url(),
            media.id
        );
        let v: serde_json::Value = http
            .get(&url)
            .send()
            .await
            .expect("comments")
            .json()
            .await
            .expect("json");
        for c in v["data"].as_array().into_iter().flatten() {
            let time = c["timestamp"]
                .as_str()
                .and_then(socialdesk::graph::parse_graph_time)
                .expect("time");
            let from = c["from"]["id"].as_str().unwrap_or_default().to_owned();
            // People who already wrote to the account in DM are skipped: a private reply to
            // them joins their open conversation.
            let in_dms = [
                "6120000000000001",
                "6120000000000003",
                "6120000000000004",
                "6120000000000006",
                "6120000000000007",
            ];
            if now - time < chrono::Duration::days(6)
                && from != w.account().id.as_str()
                && !in_dms.contains(&from.as_str())
            {
                return (CommentId::from(c["id"].as_str().expect("id")), time, from);
            }
        }
    }
    panic!("no recent comment in the demo data");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_reply_goes_once_per_comment_and_links_the_conversation() {
    let w = world().await;
    let (comment, time, from) = a_recent_comment(&w).await;
    let request = PrivateReplyRequest {
        comment: comment.clone(),
        comment_time: time,
        commenter_id: Some(from.clone()),
        commenter_username: None,
        text: "Thanks! Here is the link to order.".into(),
    };
    let outcome = send_private_reply(&w.core, w.account(), request.clone(), &quiet)
        .await
        .expect("first private reply");
    assert_eq!(outcome.recipient_id.as_deref(), Some(from.as_str()));
    let conversation = outcome.conversation.expect("linked conversation");
    let linked = dms::inbox(&w.core, &w.account().id)
        .await
        .expect("inbox")
        .into_iter()
        .find(|s| s.conversation.id == conversation)
        .expect("the new conversation is cached");
    assert_eq!(
        linked.conversation.last_text.as_deref(),
        Some("Thanks! Here is the link to order.")
    );
    // No answer from the person yet: nothing more may be sent.
    assert!(linked.window.is_closed());

    let posts = posts_to_messages(&w);
    let err = send_private_reply(&w.core, w.account(), request, &quiet)
        .await
        .expect_err("second private reply");
    assert!(
        matches!(err, DmError::PrivateReplyAlreadySent { .. }),
        "{err:?}"
    );
    assert_eq!(posts_to_messages(&w), posts, "refused before any call");

    // The sandbox enforces the rule too, for clients that do not check.
    let session = w.core.session(w.account()).await.expect("session");
    let refused = w
        .core
        .client()
        .messages(&session)
        .send(
            &w.account().id,
            &Recipient::Comment(comment),
            &text_message("again"),
        )
        .await
        .expect_err("the sandbox refuses a second private reply");
    assert_eq!(refused.code, Some(10));

    // A comment older than 7 days is refused before any call.
    let old = PrivateReplyRequest {
        comment: CommentId::from("17850000000000999"),
        comment_time: w.sandbox.control().now() - chrono::Duration::days(8),
        commenter_id: None,
        commenter_username: None,
        text: "hi".into(),
    };
    let err = send_private_reply(&w.core, w.account(), old, &quiet)
        .await
        .expect_err("too late");
    assert!(
        matches!(err, DmError::PrivateReplyTooLate { .. }),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_send_answer_is_checked_in_the_conversation_not_resent() {
    let w = world().await;
    sync(&w).await;
    let lena = conversation_with(&w, "lena.loves.latte").await;
    let text = "See you at 2!";
    w.sandbox.control().lose_next_dm_response();
    let posts = posts_to_messages(&w);
    let outcome = send(&w, &lena.conversation.id, text_message(text))
        .await
        .expect("confirmed from the conversation");
    assert!(outcome.confirmed_after_lost_answer);
    assert_eq!(posts_to_messages(&w), posts + 1, "sent once, never again");
    let texts = w.sandbox.control().dm_texts(&lena.conversation.id.0);
    assert_eq!(texts.iter().filter(|t| *t == text).count(), 1);

    // The send really failed and the check cannot confirm it: told so, not re-sent.
    w.sandbox.control().set_fail_rate(1.0);
    let posts = posts_to_messages(&w);
    let err = send(&w, &lena.conversation.id, text_message("Another one"))
        .await
        .expect_err("not confirmed");
    assert!(matches!(err, DmError::SendUnconfirmed(_)), "{err:?}");
    assert!(err.to_string().contains("before sending again"), "{err}");
    assert_eq!(posts_to_messages(&w), posts + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_loop_answers_dm_commands_with_events() {
    let w = world().await;
    let account = w.account().clone();
    let config = w.config();
    drop(w.core);
    let (mut handle, side) = socialdesk::engine::channel();
    tokio::spawn(socialdesk::engine::run::run(config, side));
    assert!(handle.send(Command::Start));
    assert!(handle.send(Command::Dms(DmsCommand::Refresh(account.id.clone()))));

    let next = |handle: &mut socialdesk::engine::EngineHandle| handle.try_recv();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut lena = None;
    while lena.is_none() && std::time::Instant::now() < deadline {
        match next(&mut handle) {
            Some(Event::Dms(DmsEvent::Conversations {
                conversations,
                from_cache: false,
                ..
            })) => {
                lena = conversations
                    .into_iter()
                    .find(|s| {
                        s.conversation
                            .person
                            .as_ref()
                            .and_then(|p| p.username.as_deref())
                            == Some("lena.loves.latte")
                    })
                    .map(|s| s.conversation.id);
            }
            Some(_) => {}
            None => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    }
    let lena = lena.expect("the synced inbox arrived");
    assert!(handle.send(Command::Dms(DmsCommand::Send {
        account: account.id.clone(),
        conversation: lena.clone(),
        text: "On my way".into(),
        image_url: None,
        human_agent: false,
    })));
    let (mut sent, mut thread_has_it) = (false, false);
    while !(sent && thread_has_it) && std::time::Instant::now() < deadline {
        match next(&mut handle) {
            Some(Event::Dms(DmsEvent::Sent { conversation, .. })) => sent = conversation == lena,
            Some(Event::Dms(DmsEvent::Thread {
                conversation,
                messages,
                ..
            })) if conversation == lena => {
                thread_has_it |= messages
                    .iter()
                    .any(|m| m.text.as_deref() == Some("On my way"));
            }
            Some(Event::Dms(DmsEvent::SendFailed { message, .. })) => panic!("{message}"),
            Some(_) => {}
            None => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    }
    assert!(
        sent && thread_has_it,
        "sent {sent}, in thread {thread_has_it}"
    );
}
