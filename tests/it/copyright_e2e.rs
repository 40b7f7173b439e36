//! Copyright detection over real HTTP against the sandbox: a reel whose video matches a
//! copyrighted recording stops once before `media_publish` with who owns it and where it
//! would be blocked or muted; publishing the draft again posts it; the sandbox reports the
//! check on the container and on the published media in the guide's shapes.

use std::sync::Arc;
use std::time::Duration;

use socialdesk::engine::composer::{ItemSpec, MediaSource, PostSpec, PublishError};
use socialdesk::store::{DraftPlace, PostKind};

use crate::support::World;

async fn world() -> World {
    let w = crate::support::world().await;
    let url = w.sandbox.url().to_string();
    w.core
        .with_store(move |s| s.set_setting(socialdesk::engine::composer::SANDBOX_HOSTING_KEY, &url))
        .await
        .expect("hosting");
    w
}

fn reel(w: &World, caption: &str) -> PostSpec {
    let video = socialdesk::media::video::synthetic_mp4(
        1080,
        1920,
        6,
        socialdesk::media::video::VideoCodec::H264,
        true,
    )
    .expect("mp4");
    PostSpec {
        account: w.account().id.clone(),
        kind: PostKind::Reel,
        caption: caption.into(),
        share_to_feed: true,
        scheduled_at: None,
        items: vec![ItemSpec::new(MediaSource::Bytes {
            name: "clip.mp4".into(),
            bytes: Arc::new(video),
        })],
        place: DraftPlace::default(),
    }
}

/// Keeps the sandbox clock moving so processing finishes while the pipeline polls.
fn push_clock(w: &World) -> tokio::task::JoinHandle<()> {
    let control = w.sandbox.control();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            control.advance_clock(Duration::from_secs(5));
        }
    })
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
    let clock = push_clock(&w);
    let err = w
        .core
        .publish_draft(draft, &|_| {})
        .await
        .expect_err("stopped by the match");
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

    let media = w
        .core
        .publish_draft(draft, &|_| {})
        .await
        .expect("published when asked again");
    clock.abort();
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
    let token = w
        .sandbox
        .control()
        .mint_token(
            "instagram",
            socialdesk::sandbox::DEMO_BUSINESS_USERNAME,
            &["instagram_business_basic"],
        )
        .expect("token");
    let info: serde_json::Value = reqwest::Client::new()
        .get(
            w.sandbox
                .url()
                .join(&format!("v24.0/{}", media.id.as_str()))
                .expect("url"),
        )
        .query(&[
            ("fields", "copyright_check_information"),
            ("access_token", &token),
        ])
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let check = &info["copyright_check_information"];
    assert_eq!(check["status"]["status"], "completed", "{info}");
    assert_eq!(check["status"]["matches_found"], true);
    let policy = &check["copyright_matches"][0]["owner_copyright_policy"];
    assert_eq!(policy["actions"][1]["action"], "MUTE");
    assert_eq!(policy["actions"][0]["territories"], "2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_video_is_checked_and_published_without_a_stop() {
    let w = world().await;
    let draft = w
        .core
        .save_post(reel(&w, "Our own music #reels"), |_, _| {})
        .await
        .expect("saved");
    let clock = push_clock(&w);
    w.core
        .publish_draft(draft, &|_| {})
        .await
        .expect("published at once");
    clock.abort();
    let asked = w
        .sandbox
        .control()
        .requests()
        .iter()
        .any(|r| r.method == "GET" && r.query.contains("copyright_check_status"));
    assert!(asked, "the container's copyright check was read");
    assert_eq!(publishes_sent(&w), 1);
}
