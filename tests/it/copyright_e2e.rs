//! Copyright detection over real HTTP against the sandbox: a reel whose video matches a
//! copyrighted recording stops once before `media_publish` with who owns it and where it
//! would be blocked or muted; publishing the draft again posts it; the sandbox reports the
//! check on the container and on the published media in the guide's shapes.

use std::sync::Arc;

use socialdesk::engine::composer::{PostSpec, PublishError};
use socialdesk::store::PostKind;

use crate::support::{World, media};

use crate::support::hosted_world as world;

fn reel(w: &World, caption: &str) -> PostSpec {
    let video = media::item("clip.mp4", Arc::new(media::mp4(6)));
    media::post(w.account(), PostKind::Reel, caption, vec![video])
}

fn publishes_sent(w: &World) -> usize {
    w.sandbox
        .control()
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/media_publish"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copyright_match_stops_once_before_publishing_and_a_second_publish_posts_it() {
    let w = world().await;
    w.sandbox.control().set_copyright_match(true);
    let draft = w
        .core
        .save_post(reel(&w, "With the café's playlist #reels"), |_, _| {})
        .await
        .expect("saved");
    let err = w.publish(draft).await.expect_err("stopped by the match");
    assert!(
        matches!(err, PublishError::CopyrightMatch { item: 1, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("“Midnight Espresso” by The Night Baristas")
            && msg.contains("blocked in Canada, Germany")
            && msg.contains("publish this draft again"),
        "{msg}"
    );
    assert_eq!(publishes_sent(&w), 0, "nothing was published");

    let media = w.publish(draft).await.expect("published when asked again");
    assert_eq!(publishes_sent(&w), 1);
    let containers = w
        .sandbox
        .control()
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/media"))
        .count();
    assert_eq!(containers, 1, "the finished container was reused");

    // The published reel carries the match in the guide's shape.
    let token = crate::support::basic_token(&w.sandbox);
    let url = w
        .sandbox
        .url()
        .join(&format!(
            "v24.0/{}?fields=copyright_check_information",
            media.id.as_str()
        ))
        .expect("url");
    let info = crate::support::raw::get_json(url, &token).await;
    let check = &info["copyright_check_information"];
    assert_eq!(check["status"]["status"], "completed", "{info}");
    assert_eq!(check["status"]["matches_found"], true);
    let policy = &check["copyright_matches"][0]["owner_copyright_policy"];
    assert_eq!(policy["actions"][1]["action"], "MUTE");
    assert_eq!(policy["actions"][0]["territories"], "2");

    // What the Feed's detail panel reads.
    let check = w
        .core
        .media_copyright(w.account(), &media.id)
        .await
        .expect("copyright check");
    assert!(check.is_done() && check.matches_found, "{check:?}");
    assert!(
        check
            .summary()
            .starts_with("“Midnight Espresso” by The Night Baristas (Northwind Records): blocked in Canada, Germany; muted in"),
        "{}",
        check.summary()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_video_is_checked_and_published_without_a_stop() {
    let w = world().await;
    let draft = w
        .core
        .save_post(reel(&w, "Our own music #reels"), |_, _| {})
        .await
        .expect("saved");
    w.publish(draft).await.expect("published at once");
    let asked = w
        .sandbox
        .control()
        .requests()
        .iter()
        .any(|r| r.method == "GET" && r.query.contains("copyright_check_status"));
    assert!(asked, "the container's copyright check was read");
    assert_eq!(publishes_sent(&w), 1);
}
