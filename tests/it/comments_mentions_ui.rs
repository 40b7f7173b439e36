//! The Comments tab's Mentions view headless: the test plays the engine, opens the view,
//! sees the load request, pushes mentions and finds each listed with its author, text and
//! likes; replies to a comment mention with Ctrl+Enter and sees it confirmed; a failure
//! keeps the draft; tag-only media have no Reply button; a webhook id lookup is sent.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use socialdesk::engine::comments::{CommentsCommand, CommentsEvent};
use socialdesk::engine::{Command, EngineSide, Event};
use socialdesk::ids::{CommentId, IgUserId, MediaId};
use socialdesk::model::{MediaType, ProductType};
use socialdesk::store::{Mention, MentionKind, MentionReply};
use socialdesk::ui::App;

use crate::support::ui::comments_tab;
use crate::support::{ACCOUNT_ID as ACCOUNT, drain};

fn mention(
    kind: MentionKind,
    media: &str,
    comment: Option<&str>,
    username: &str,
    text: &str,
    hour: u32,
) -> Mention {
    Mention {
        kind,
        media_id: MediaId::from(media),
        comment_id: comment.map(|c| CommentId::from(c.to_owned())),
        from_tags: comment.is_none(),
        username: username.to_owned(),
        text: text.to_owned(),
        timestamp: Utc
            .with_ymd_and_hms(2026, 1, 1, hour, 0, 0)
            .single()
            .expect("time"),
        media_type: Some(MediaType::Image),
        product_type: Some(ProductType::Feed),
        permalink: Some(format!("https://www.instagram.com/p/{media}/")),
        preview_url: None,
        like_count: Some(hour.into()),
        reply: None,
    }
}

fn demo_mentions() -> Vec<Mention> {
    vec![
        mention(
            MentionKind::Comment,
            "t1",
            Some("c9"),
            "baristaben",
            "@studio do you ship this abroad?",
            14,
        ),
        mention(
            MentionKind::Caption,
            "t1",
            None,
            "harbour.bakery",
            "Best flat white, thanks @studio!",
            12,
        ),
        mention(
            MentionKind::Tag,
            "t2",
            None,
            "lena.loves.latte",
            "Gift arrived today",
            9,
        ),
    ]
}

fn open_mentions() -> (Harness<'static, App>, EngineSide) {
    let (mut harness, mut side) = comments_tab(800.0);
    drain(&mut side);
    harness.get_by_label("Mentions").click();
    harness.run_steps(6);
    (harness, side)
}

fn push(side: &mut EngineSide, event: CommentsEvent) {
    assert!(side.events.try_send(Event::Comments(event)));
}

#[test]
fn mentions_view_loads_once_lists_cached_mentions_and_opens_posts() {
    let (mut harness, mut side) = open_mentions();
    let asked = drain(&mut side).into_iter().filter(|c| {
        matches!(c, Command::Comments(CommentsCommand::LoadMentions(a)) if a.as_str() == ACCOUNT)
    });
    assert_eq!(asked.count(), 1, "opening the view loads the mentions once");

    push(
        &mut side,
        CommentsEvent::Mentions {
            account: IgUserId::from(ACCOUNT),
            mentions: Arc::new(demo_mentions()),
            from_cache: true,
        },
    );
    harness.run_steps(6);
    harness.get_by_label("3 mention(s)");
    harness.get_by_label("Showing saved mentions, checking Instagram…");
    harness.get_by_label("@baristaben");
    harness.get_by_label("@harbour.bakery");
    harness.get_by_label("@studio do you ship this abroad?");
    harness.get_by_label("Best flat white, thanks @studio!");
    harness.get_by_label("14");
    // Tag-only media get no Reply button, and say why.
    assert_eq!(harness.get_all_by_label("Reply").count(), 2);
    harness.get_by_label("Tagged only: Instagram's API does not allow commenting here");

    let buttons: Vec<_> = harness.get_all_by_label("Open on Instagram").collect();
    assert_eq!(buttons.len(), 3);
    buttons[2].click();
    harness.run_steps(4);
    let opened: Vec<String> = drain(&mut side)
        .into_iter()
        .filter_map(|c| match c {
            Command::OpenUrl(u) => Some(u),
            _ => None,
        })
        .collect();
    assert_eq!(opened, vec!["https://www.instagram.com/p/t2/".to_owned()]);

    // A push for another account is ignored.
    push(
        &mut side,
        CommentsEvent::Mentions {
            account: IgUserId::from("999"),
            mentions: Arc::new(Vec::new()),
            from_cache: false,
        },
    );
    harness.run_steps(4);
    harness.get_by_label("3 mention(s)");
}

#[test]
fn reply_to_a_comment_mention_is_sent_and_confirmed() {
    let (mut harness, mut side) = open_mentions();
    push(
        &mut side,
        CommentsEvent::Mentions {
            account: IgUserId::from(ACCOUNT),
            mentions: Arc::new(demo_mentions()),
            from_cache: false,
        },
    );
    harness.run_steps(6);
    drain(&mut side);

    harness
        .get_all_by_label("Reply")
        .next()
        .expect("a Reply button")
        .click();
    harness.run_steps(6);
    harness.get_by_label("Replying to @baristaben: @studio do you ship this abroad?");
    harness
        .get_by_label("Mention reply")
        .type_text("Yes, worldwide!");
    harness.run_steps(4);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    harness.run_steps(6);
    let sent: Vec<_> = drain(&mut side)
        .into_iter()
        .filter_map(|c| match c {
            Command::Comments(CommentsCommand::ReplyToMention {
                account,
                media,
                comment,
                text,
            }) => Some((account, media, comment, text)),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        vec![(
            IgUserId::from(ACCOUNT),
            MediaId::from("t1"),
            Some(CommentId::from("c9".to_owned())),
            "Yes, worldwide!".to_owned()
        )]
    );
    harness.get_by_label("Sending…");

    // A failure keeps the draft and shows why.
    push(
        &mut side,
        CommentsEvent::MentionReplyFailed {
            account: IgUserId::from(ACCOUNT),
            media: MediaId::from("t1"),
            comment: Some(CommentId::from("c9".to_owned())),
            message: "the network is down: check the connection and send again".into(),
        },
    );
    harness.run_steps(6);
    harness.get_by_label("the network is down: check the connection and send again");
    harness.get_by_label("Send mention reply").click();
    harness.run_steps(6);
    assert_eq!(drain(&mut side).len(), 1, "sent again with the kept text");

    let mut done = demo_mentions().remove(0);
    done.reply = Some(MentionReply {
        id: CommentId::from("r1".to_owned()),
        text: "Yes, worldwide!".into(),
        at: done.timestamp,
    });
    push(
        &mut side,
        CommentsEvent::MentionReplied {
            account: IgUserId::from(ACCOUNT),
            mention: done,
        },
    );
    harness.run_steps(6);
    harness.get_by_label("Reply posted to @baristaben");
    harness.get_by_label("Replied: Yes, worldwide!");
    assert!(
        harness.query_by_label("Mention reply").is_none(),
        "the reply box closed"
    );
    assert_eq!(harness.get_all_by_label("Reply").count(), 1);
}

#[test]
fn lookup_by_webhook_ids_asks_the_engine() {
    let (mut harness, mut side) = open_mentions();
    drain(&mut side);
    harness.get_by_label("Comment id").focus();
    harness.run_steps(4);
    harness
        .get_by_label("Comment id")
        .type_text(" 17894227972186120 ");
    harness.run_steps(4);
    harness.get_by_label("Look up").click();
    harness.run_steps(4);
    let asked: Vec<_> = drain(&mut side)
        .into_iter()
        .filter_map(|c| match c {
            Command::Comments(CommentsCommand::LookupMention { comment, media, .. }) => {
                Some((comment, media))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        asked,
        vec![(Some(CommentId::from("17894227972186120".to_owned())), None)]
    );
}
