//! Mentions over real HTTP against the sandbox: the `tags` edge pages with cursors through
//! every media that tags the account, and `POST /{ig-id}/mentions` replies in the thread of
//! a comment that @mentioned the account (an unknown comment is refused with code 100).

use socialdesk::graph::comments::MentionTarget;
use socialdesk::ids::CommentId;
use socialdesk::model::Media;
use socialdesk::sandbox::{DEMO_BUSINESS_USERNAME, SandboxComment};

use crate::support::cli::socialdesk_in_sandbox;
use crate::support::{World, world};

/// The newest media of other people that tags the demo business (first of the `tags` edge).
async fn newest_tagged_media(w: &World) -> Media {
    let session = w.core.session(w.account()).await.expect("session");
    w.core
        .client()
        .comments(&session)
        .tagged_media(&w.account().id, 1, None)
        .await
        .expect("tags page")
        .items
        .into_iter()
        .next()
        .expect("a tagged media")
}

/// The comment on `media` that @mentions the demo business, as the sandbox holds it.
fn mentioning_comment(w: &World, media: &Media) -> SandboxComment {
    w.sandbox
        .control()
        .comments_of_media(media.id.as_str())
        .into_iter()
        .find(|c| c.text.contains(&format!("@{DEMO_BUSINESS_USERNAME}")))
        .expect("a comment mentioning the account")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_edge_pages_through_every_tagged_media() {
    let w = world().await;
    let session = w.core.session(w.account()).await.expect("session");
    let handler = w.core.client().comments(&session);
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = handler
            .tagged_media(&w.account().id, 3, after.as_deref())
            .await
            .expect("tags page");
        pages += 1;
        assert!(page.items.len() <= 3, "limit is respected");
        seen.extend(page.items);
        match page.after.filter(|_| page.next.is_some()) {
            Some(a) => after = Some(a),
            None => break,
        }
        assert!(pages < 10, "paging must end");
    }
    assert_eq!(
        seen.len(),
        7,
        "the demo tags the business account in 7 media"
    );
    assert_eq!(pages, 3);
    let mut ids: Vec<_> = seen.iter().map(|m| m.id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 7, "no media twice across pages");
    assert!(
        seen.windows(2).all(|p| p[0].timestamp >= p[1].timestamp),
        "newest first"
    );
    for m in &seen {
        let owner = m.username.as_deref().expect("username");
        assert_ne!(
            owner, DEMO_BUSINESS_USERNAME,
            "tagged media are other people's"
        );
        assert!(m.permalink.is_some() && m.media_url.is_some());
        assert_eq!(m.comments_count, Some(1));
    }
    let with_mention = seen
        .iter()
        .filter(|m| {
            m.caption
                .as_deref()
                .is_some_and(|c| c.contains(&format!("@{DEMO_BUSINESS_USERNAME}")))
        })
        .count();
    assert_eq!(with_mention, 6, "one demo post tags without an @mention");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_to_mention_lands_in_the_thread_and_unknown_comment_is_refused() {
    let w = world().await;
    let session = w.core.session(w.account()).await.expect("session");
    let handler = w.core.client().comments(&session);
    let media = newest_tagged_media(&w).await;
    let mention = mentioning_comment(&w, &media);
    let mention_id = CommentId::from(mention.id.clone());
    let reply = handler
        .reply_to_mention(
            &w.account().id,
            &MentionTarget::Comment {
                comment: mention_id.clone(),
                media: Some(media.id.clone()),
            },
            "Yes, we ship worldwide!",
        )
        .await
        .expect("reply to mention");
    let thread = w.sandbox.control().comments_of_media(media.id.as_str());
    let posted = thread
        .iter()
        .find(|c| c.id == reply.as_str())
        .expect("the reply is in the sandbox");
    assert_eq!(posted.parent_id.as_deref(), Some(mention.id.as_str()));
    assert_eq!(posted.text, "Yes, we ship worldwide!");
    assert_eq!(posted.username, DEMO_BUSINESS_USERNAME);

    let err = handler
        .reply_to_mention(
            &w.account().id,
            &MentionTarget::Comment {
                comment: CommentId::from("999999999".to_owned()),
                media: None,
            },
            "hello",
        )
        .await
        .expect_err("unknown comment");
    assert_eq!(err.code, Some(100), "{err:?}");
}

fn json_list(output: &std::process::Output) -> Vec<serde_json::Value> {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON list")
}

#[test]
fn cli_lists_mentions_and_replies_to_a_caption_mention() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lines = json_list(&socialdesk_in_sandbox(
        dir.path(),
        &["comments", "mentions", "--json"],
    ));
    assert_eq!(lines.len(), 7);
    assert!(lines.iter().all(|m| m["media_id"].is_string()
        && m["permalink"].is_string()
        && m["username"].as_str() != Some(DEMO_BUSINESS_USERNAME)));
    let caption = lines
        .iter()
        .find(|m| m["kind"] == "Caption")
        .and_then(|m| m["media_id"].as_str())
        .expect("a caption mention")
        .to_owned();
    let tag = lines
        .iter()
        .find(|m| m["kind"] == "Tag")
        .and_then(|m| m["media_id"].as_str())
        .expect("a tag-only mention")
        .to_owned();

    let out = socialdesk_in_sandbox(
        dir.path(),
        &[
            "comments",
            "mentions",
            "reply",
            "--media",
            &caption,
            "Thanks for the love!",
        ],
    );
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("replied: "));

    // The cache remembers the reply; listing offline needs no network.
    let lines = json_list(&socialdesk_in_sandbox(
        dir.path(),
        &["comments", "mentions", "--offline", "--json"],
    ));
    let replied = lines
        .iter()
        .find(|m| m["media_id"] == caption.as_str())
        .expect("still listed");
    assert_eq!(replied["reply"]["text"], "Thanks for the love!");

    // Tag-only media cannot be answered through the API: refused with the reason.
    let out = socialdesk_in_sandbox(
        dir.path(),
        &["comments", "mentions", "reply", "--media", &tag, "Hello"],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not allow commenting"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_replies_to_a_comment_mention_named_by_webhook_ids() {
    // The embedded sandbox of the CLI builds the same deterministic demo as this one, so the
    // ids a webhook would carry can be read here.
    let w = world().await;
    let media = newest_tagged_media(&w).await;
    let mention = mentioning_comment(&w, &media);

    let dir = tempfile::tempdir().expect("temp dir");
    let out = tokio::task::spawn_blocking({
        let (dir, comment, media) = (
            dir.path().to_owned(),
            mention.id.clone(),
            media.id.to_string(),
        );
        move || {
            socialdesk_in_sandbox(
                &dir,
                &[
                    "comments",
                    "mentions",
                    "reply",
                    "--comment",
                    &comment,
                    "--media",
                    &media,
                    "We ship to 30 countries!",
                ],
            )
        }
    })
    .await
    .expect("cli");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("replied: "));
    let dir_path = dir.path().to_owned();
    let listed = tokio::task::spawn_blocking(move || {
        json_list(&socialdesk_in_sandbox(
            &dir_path,
            &["comments", "mentions", "--offline", "--json"],
        ))
    })
    .await
    .expect("cli");
    let looked_up = listed
        .iter()
        .find(|m| m["comment_id"] == mention.id.as_str())
        .expect("the looked-up comment mention is cached");
    assert_eq!(looked_up["kind"], "Comment");
    assert_eq!(looked_up["media_id"], media.id.as_str());
    assert_eq!(looked_up["reply"]["text"], "We ship to 30 countries!");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mentioned_comment_field_modifier_reads_the_mentioning_comment() {
    let w = world().await;
    let session = w.core.session(w.account()).await.expect("session");
    let client = w.core.client();
    let media = newest_tagged_media(&w).await;
    let mention = w
        .sandbox
        .control()
        .comments_of_media(media.id.as_str())
        .into_iter()
        .next()
        .expect("the mentioning comment");
    let get = |fields: String| {
        let url = client
            .versioned_url(session.login, w.account().id.as_str())
            .expect("url");
        let token = session.token().to_owned();
        async move {
            reqwest::Client::new()
                .get(url)
                .query(&[("fields", fields), ("access_token", token)])
                .send()
                .await
                .expect("send")
                .json::<serde_json::Value>()
                .await
                .expect("json")
        }
    };
    let v = get(format!(
        "mentioned_comment.comment_id({}){{text,timestamp,username}}",
        mention.id
    ))
    .await;
    assert_eq!(v["mentioned_comment"]["id"], mention.id.as_str(), "{v}");
    assert_eq!(v["mentioned_comment"]["text"], mention.text.as_str());
    assert_eq!(
        v["mentioned_comment"]["username"],
        mention.username.as_str()
    );
    assert!(v["mentioned_comment"]["timestamp"].is_string());
    assert!(v["id"].is_string());

    let v = get(format!(
        "mentioned_media.media_id({}){{caption,media_type}}",
        media.id
    ))
    .await;
    assert_eq!(v["mentioned_media"]["id"], media.id.as_str(), "{v}");
    assert_eq!(v["mentioned_media"]["media_type"], "IMAGE");

    let v = get("mentioned_comment.comment_id(424242){text}".to_owned()).await;
    assert_eq!(v["error"]["code"], 100, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_a_story_is_refused_as_meta_does_not_support_mentions_on_stories() {
    let w = world().await;
    let session = w.core.session(w.account()).await.expect("session");
    let client = w.core.client();
    let url = client
        .versioned_url(session.login, &format!("{}/stories", w.account().id))
        .expect("url");
    let stories: serde_json::Value = reqwest::Client::new()
        .get(url)
        .query(&[("fields", "id"), ("access_token", session.token())])
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let story = stories["data"][0]["id"]
        .as_str()
        .expect("the demo account has a live story")
        .to_owned();
    let err = client
        .comments(&session)
        .reply_to_mention(
            &w.account().id,
            &MentionTarget::Caption {
                media: socialdesk::ids::MediaId::from(story.as_str()),
            },
            "hello",
        )
        .await
        .expect_err("stories are refused");
    assert_eq!(err.code, Some(100), "{err:?}");
    assert!(err.to_string().contains("stories"), "{err}");
}
