//! Mentions end to end over real HTTP against the sandbox: the refresh caches tagged media
//! (caption mentions answerable, tag-only ones not), a comment mention is looked up by id,
//! replies reach `POST /{ig-id}/mentions` with the right fields, a lost answer never
//! duplicates a reply, and the Mentions view opens from the cache when the sandbox is down.

use std::time::{Duration, Instant};

use socialdesk::engine::comments::{CommentsCommand, CommentsEvent};
use socialdesk::engine::comments_ops::CommentsError;
use socialdesk::engine::{self, Command, Event};
use socialdesk::ids::{CommentId, MediaId};
use socialdesk::model::ProductType;
use socialdesk::sandbox::DEMO_BUSINESS_USERNAME;
use socialdesk::store::{Mention, MentionKind};

use crate::support::{World, config, world};

fn mention_posts(w: &World) -> Vec<String> {
    w.sandbox
        .control()
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/mentions"))
        .map(|r| r.body.clone())
        .collect()
}

/// Refreshes and returns the first caption mention and the comment @mentioning the
/// account on that media (looked up by id, as a webhook relay would give it).
async fn caption_and_comment(w: &World) -> (Mention, Mention) {
    let all = w.core.refresh_mentions(w.account()).await.expect("refresh");
    let caption = all
        .iter()
        .find(|m| m.kind == MentionKind::Caption)
        .expect("a caption mention")
        .clone();
    let on_media = w
        .sandbox
        .control()
        .comments_of_media(caption.media_id.as_str())
        .into_iter()
        .find(|c| c.text.contains(&format!("@{DEMO_BUSINESS_USERNAME}")))
        .expect("a comment mentioning the account");
    let comment = w
        .core
        .lookup_mention(w.account(), Some(&CommentId::from(on_media.id)), None)
        .await
        .expect("lookup");
    (caption, comment)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_caches_tagged_media_and_a_looked_up_comment_mention() {
    let w = world().await;
    let all = w.core.refresh_mentions(w.account()).await.expect("refresh");
    assert_eq!(
        all.len(),
        7,
        "the demo tags the business account in 7 media"
    );
    assert!(all.windows(2).all(|p| p[0].timestamp >= p[1].timestamp));
    assert!(all.iter().all(|m| m.from_tags && m.comment_id.is_none()));
    let tag_only: Vec<_> = all.iter().filter(|m| m.kind == MentionKind::Tag).collect();
    assert_eq!(tag_only.len(), 1, "one caption tags without an @mention");
    assert!(!tag_only[0].text.contains('@'));
    assert!(all.iter().all(|m| m.permalink.is_some()
        && m.preview_url.is_some()
        && m.username != DEMO_BUSINESS_USERNAME
        && m.product_type == Some(ProductType::Feed)));

    let (_, comment) = caption_and_comment(&w).await;
    assert_eq!(comment.kind, MentionKind::Comment);
    assert!(comment.text.contains(&format!("@{DEMO_BUSINESS_USERNAME}")));
    assert!(!comment.media_id.as_str().is_empty(), "the media is known");
    assert_eq!(comment.like_count, Some(0));
    let cached = w.core.cached_mentions(w.account()).await.expect("cache");
    assert_eq!(cached.len(), 8);

    // A second refresh keeps the looked-up comment (re-read by id) and adds nothing twice.
    let again = w.core.refresh_mentions(w.account()).await.expect("refresh");
    assert_eq!(again.len(), 8);
    assert!(again.iter().any(|m| m.comment_id == comment.comment_id));

    // An id that mentions nobody is refused by Meta with code 100, named in the message.
    let err = w
        .core
        .lookup_mention(w.account(), Some(&CommentId::from("424242")), None)
        .await
        .expect_err("not a mention");
    assert!(err.to_string().contains("424242"), "{err}");
    let err = w
        .core
        .lookup_mention(w.account(), None, None)
        .await
        .expect_err("no id");
    assert!(matches!(err, CommentsError::MentionLookupNeedsId), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_reach_the_mentions_edge_with_the_right_fields() {
    let w = world().await;
    let (caption, comment) = caption_and_comment(&w).await;
    w.sandbox.control().clear_requests();

    // A comment mention: comment_id and media_id; the reply threads under the comment.
    let done = w
        .core
        .reply_to_mention(
            w.account(),
            &comment.media_id,
            comment.comment_id.as_ref(),
            "  Yes, we ship worldwide!  ",
        )
        .await
        .expect("reply to comment mention");
    let reply = done.reply.expect("reply recorded");
    assert_eq!(reply.text, "Yes, we ship worldwide!");
    let posts = mention_posts(&w);
    assert_eq!(posts.len(), 1);
    let cid = comment.comment_id.clone().expect("comment id");
    assert!(
        posts[0].contains(&format!("comment_id={cid}")),
        "{}",
        posts[0]
    );
    assert!(
        posts[0].contains(&format!("media_id={}", comment.media_id)),
        "{}",
        posts[0]
    );
    let thread = w
        .sandbox
        .control()
        .comments_of_media(comment.media_id.as_str());
    let posted = thread
        .iter()
        .find(|c| c.id == reply.id.as_str())
        .expect("in the sandbox");
    assert_eq!(posted.parent_id.as_deref(), Some(cid.as_str()));
    assert_eq!(posted.username, DEMO_BUSINESS_USERNAME);

    // A caption mention: media_id only; the reply is a top-level comment on the media.
    w.sandbox.control().clear_requests();
    let done = w
        .core
        .reply_to_mention(w.account(), &caption.media_id, None, "Thank you!")
        .await
        .expect("reply to caption mention");
    let posts = mention_posts(&w);
    assert_eq!(posts.len(), 1);
    assert!(!posts[0].contains("comment_id"), "{}", posts[0]);
    assert!(posts[0].contains(&format!("media_id={}", caption.media_id)));
    let reply_id = done.reply.expect("recorded").id;
    let posted = w
        .sandbox
        .control()
        .comments_of_media(caption.media_id.as_str())
        .into_iter()
        .find(|c| c.id == reply_id.as_str())
        .expect("in the sandbox");
    assert_eq!(posted.parent_id, None);
    assert_eq!(posted.text, "Thank you!");

    // The cache remembers both replies (the view shows them after a restart).
    let cached = w.core.cached_mentions(w.account()).await.expect("cache");
    assert_eq!(cached.iter().filter(|m| m.reply.is_some()).count(), 2);

    // Refused before any call: tag-only media, stories, unknown mentions, empty text.
    w.sandbox.control().clear_requests();
    let tag = cached
        .iter()
        .find(|m| m.kind == MentionKind::Tag)
        .expect("a tag-only mention");
    let err = w
        .core
        .reply_to_mention(w.account(), &tag.media_id, None, "Hello")
        .await
        .expect_err("tag only");
    assert!(matches!(err, CommentsError::TaggedOnly(_)), "{err}");
    assert!(
        err.to_string().contains("Open the post on Instagram"),
        "{err}"
    );
    let mut story = caption.clone();
    story.media_id = MediaId::from("story-1");
    story.product_type = Some(ProductType::Story);
    let (id, s) = (w.account().id.clone(), story.clone());
    w.core
        .with_store(move |st| st.store_mention(&id, &s))
        .await
        .expect("store");
    let err = w
        .core
        .reply_to_mention(w.account(), &story.media_id, None, "Hello")
        .await
        .expect_err("story");
    assert!(matches!(err, CommentsError::StoryMention), "{err}");
    let err = w
        .core
        .reply_to_mention(w.account(), &MediaId::from("nope"), None, "Hello")
        .await
        .expect_err("unknown");
    assert!(matches!(err, CommentsError::UnknownMention), "{err}");
    let err = w
        .core
        .reply_to_mention(w.account(), &caption.media_id, None, "   ")
        .await
        .expect_err("empty");
    assert!(matches!(err, CommentsError::EmptyReply), "{err}");
    assert!(mention_posts(&w).is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_reply_whose_answer_is_lost_is_never_posted_twice() {
    let w = world().await;
    let (caption, comment) = caption_and_comment(&w).await;
    let copies = |media: &MediaId, text: &str| {
        w.sandbox
            .control()
            .comments_of_media(media.as_str())
            .into_iter()
            .filter(|c| c.text == text)
            .count()
    };

    // The answer is lost: the thread check finds the reply, so it is confirmed, not re-sent.
    for (m, text) in [
        (&comment, "Yes we do, DM us!"),
        (&caption, "So glad you liked it"),
    ] {
        w.sandbox.control().clear_requests();
        w.sandbox.control().lose_next_write_responses(1);
        let done = w
            .core
            .reply_to_mention(w.account(), &m.media_id, m.comment_id.as_ref(), text)
            .await
            .expect("found after the lost answer");
        assert_eq!(mention_posts(&w).len(), 1, "sent once");
        assert_eq!(copies(&m.media_id, text), 1);
        assert_eq!(done.reply.expect("recorded").text, text);
    }

    // An attempt that reached Meta before the app stopped: pressing send again checks the
    // media's comments instead of posting.
    let text = "Thanks for the shout-out";
    // A reply to the caption is keyed by its media.
    w.record_pending_reply(&CommentId::from(caption.media_id.to_string()), text)
        .await;
    let session = w.core.session(w.account()).await.expect("session");
    w.core
        .client()
        .comments(&session)
        .reply_to_mention(
            &w.account().id,
            &socialdesk::graph::comments::MentionTarget::Caption {
                media: caption.media_id.clone(),
            },
            text,
        )
        .await
        .expect("the earlier attempt");
    w.sandbox.control().clear_requests();
    w.core
        .reply_to_mention(w.account(), &caption.media_id, None, text)
        .await
        .expect("found, not re-sent");
    assert!(mention_posts(&w).is_empty());
    assert_eq!(copies(&caption.media_id, text), 1);

    // Nothing reached Meta and the answer is lost again: unconfirmed, plainly.
    w.sandbox.control().set_fail_rate(1.0);
    let err = w
        .core
        .reply_to_mention(
            w.account(),
            &comment.media_id,
            comment.comment_id.as_ref(),
            "another one",
        )
        .await
        .expect_err("unconfirmed");
    assert!(matches!(err, CommentsError::ReplyUnconfirmed), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mentions_come_from_the_cache_when_the_sandbox_is_down() {
    let w = world().await;
    let (_, comment) = caption_and_comment(&w).await;
    let cached = w.core.cached_mentions(w.account()).await.expect("cache");
    assert_eq!(cached.len(), 8);
    let secrets = w.secrets();
    let World {
        sandbox,
        account,
        dirs,
        ..
    } = w;
    let account = account.expect("logged in");
    sandbox.shutdown().await;

    // Nothing listens on port 9: the network is gone.
    let offline = url::Url::parse("http://127.0.0.1:9/").expect("url");
    let (mut handle, side) = engine::channel();
    tokio::spawn(engine::run::run(config(&dirs, &offline, secrets), side));
    assert!(handle.send(Command::Start));
    assert!(handle.send(Command::Comments(CommentsCommand::LoadMentions(
        account.id.clone()
    ))));
    let mut shown = None;
    let mut failed = None;
    let start = Instant::now();
    while failed.is_none() && start.elapsed() < Duration::from_secs(30) {
        match handle.try_recv() {
            Some(Event::Comments(CommentsEvent::Mentions {
                mentions,
                from_cache,
                ..
            })) => {
                assert!(from_cache, "only the cache can answer");
                shown = Some(mentions);
            }
            Some(Event::Comments(CommentsEvent::Failed { message, .. })) if shown.is_some() => {
                failed = Some(message);
            }
            Some(_) => {}
            None => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    let shown = shown.expect("the cached mentions were shown");
    assert_eq!(
        shown
            .iter()
            .map(|m| (&m.media_id, &m.comment_id))
            .collect::<Vec<_>>(),
        cached
            .iter()
            .map(|m| (&m.media_id, &m.comment_id))
            .collect::<Vec<_>>()
    );
    assert!(shown.iter().any(|m| m.comment_id == comment.comment_id));
    assert!(!failed.expect("the refresh failed plainly").is_empty());
}
