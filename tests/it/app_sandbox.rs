//! The whole app as a newcomer sees it: real engine, embedded sandbox, real OAuth code path,
//! egui driven by kittest (headless wgpu) and found by accessibility labels.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use socialdesk::config::DataDirs;
use socialdesk::engine::{self, EngineConfig, Mode};
use socialdesk::sandbox::{Sandbox, SandboxOptions};
use socialdesk::ui::App;

use crate::support::basic_token;
use crate::support::raw::get_json;

/// The newest post of the demo business account, read straight from a sandbox with the same
/// seed over raw HTTP (not through the app's client).
fn newest_demo_caption() -> String {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let sandbox = Sandbox::start(SandboxOptions::default())
            .await
            .expect("sandbox");
        let token = basic_token(&sandbox);
        let me = get_json(
            sandbox.url().join("v24.0/me?fields=user_id").expect("url"),
            &token,
        )
        .await;
        let ig_id = me["user_id"].as_str().expect("user_id").to_owned();
        let media = get_json(
            sandbox
                .url()
                .join(&format!("v24.0/{ig_id}/media?fields=caption&limit=1"))
                .expect("url"),
            &token,
        )
        .await;
        media["data"][0]["caption"]
            .as_str()
            .expect("the newest post has a caption")
            .to_owned()
    })
}

/// Steps the UI until `done` holds, or fails after `timeout`.
fn step_until(
    harness: &mut Harness<'_, App>,
    timeout: Duration,
    mut done: impl FnMut(&Harness<'_, App>) -> bool,
) {
    let start = Instant::now();
    while !done(harness) {
        assert!(
            start.elapsed() < timeout,
            "the UI did not reach the expected state in {timeout:?}"
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(30));
    }
}

#[test]
fn newcomer_sees_the_demo_feed_and_opens_a_post() {
    let caption = newest_demo_caption();
    let first_line = caption.lines().next().unwrap_or_default().to_owned();

    let dir = tempfile::tempdir().expect("temp dir");
    let config = EngineConfig::new(
        DataDirs::under(dir.path()),
        Mode::EmbeddedSandbox(SandboxOptions::default()),
    );
    let (handle, _engine) = engine::spawn(config).expect("engine");
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), App::new(handle));

    // Logged in through the sandbox's authorize page and the loopback listener, then synced.
    step_until(&mut harness, Duration::from_mins(1), |h| {
        h.query_all_by_label_contains(&first_line).next().is_some()
    });
    assert!(
        harness.query_by_label_contains("SANDBOX").is_some(),
        "the sandbox badge is shown"
    );
    assert!(
        harness
            .query_all_by_label_contains("northwind.coffee")
            .next()
            .is_some()
    );

    assert!(
        harness.query_by_label("Open on Instagram").is_none(),
        "no detail is open before a click"
    );
    let tiles_before = harness.query_all_by_label_contains(&first_line).count();
    harness
        .query_all_by_label_contains(&first_line)
        .next()
        .expect("the tile")
        .click();
    step_until(&mut harness, Duration::from_secs(10), |h| {
        h.query_by_label("Open on Instagram").is_some()
    });
    // The detail panel shows the whole caption: one more node with its first line, and the
    // rest of it too.
    assert!(harness.query_all_by_label_contains(&first_line).count() > tiles_before);
    let last_line = caption.lines().last().unwrap_or_default();
    assert!(
        harness
            .query_all_by_label_contains(last_line)
            .next()
            .is_some(),
        "the detail shows the caption"
    );
}
