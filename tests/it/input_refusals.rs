//! Inputs socialdesk refuses, as a user meets them: a picture that is cut off (in `publish`
//! and in the Composer's preview), a schedule in the past, a draft that does not exist. Each
//! refusal names the cause and the fix once and leaves nothing posted or saved.

use std::sync::Arc;

use socialdesk::engine::composer::{ComposerCommand, ComposerEvent, MediaSource};
use socialdesk::engine::{self, Command, Event};
use socialdesk::sandbox::{Sandbox, SandboxOptions};

use crate::support::cli::{
    OnSandbox, assert_fails_with, error_line, publish_file, socialdesk, socialdesk_in_sandbox,
    stdout, write_jpeg,
};

/// A 1080x1080 JPEG of noise: well over 20,000 bytes, so it can be cut where the issue cut
/// it, and a shape Instagram takes whole.
fn noisy_jpeg() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(1080, 1080, |x, y| {
        let v = x
            .wrapping_mul(2_654_435_761)
            .wrapping_add(y.wrapping_mul(40_503));
        image::Rgb([(v >> 24) as u8, (v >> 16) as u8, (v >> 8) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode");
    out.into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_off_picture_is_refused_and_nothing_is_posted_or_saved() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let cli = OnSandbox::connect(&sandbox, dir.path()).await;
    let whole = noisy_jpeg();
    assert!(whole.len() > 20_000, "{} bytes", whole.len());
    let cut = dir.path().join("t.jpg");
    let cut_arg = cut.to_str().expect("utf-8");
    for keep in [20_000, 2_000, 700] {
        std::fs::write(&cut, &whole[..keep]).expect("write");
        let out = cli
            .run(&["publish", "--image", cut_arg, "--caption", "x"])
            .await;
        assert!(!out.status.success(), "cut at {keep} must fail");
        assert!(stdout(&out).is_empty(), "no media id: {}", stdout(&out));
        let line = error_line(&out);
        assert!(line.contains("cut off or damaged"), "{line}");
        assert_eq!(line.matches("t.jpg").count(), 1, "{line}");
        assert_eq!(
            line.matches("export or download it again").count(),
            1,
            "{line}"
        );
    }
    assert_eq!(cli.quota_usage().await, 0, "nothing was posted");
    let drafts = cli.run(&["publish", "drafts"]).await;
    assert!(drafts.status.success(), "{}", error_line(&drafts));
    assert_eq!(stdout(&drafts).trim(), "", "no draft was saved");

    // The whole picture goes out, so the counts above would have seen a post.
    let photo = dir.path().join("photo.jpg");
    std::fs::write(&photo, &whole).expect("write");
    let out = cli
        .run(&[
            "publish",
            "--image",
            photo.to_str().expect("utf-8"),
            "--caption",
            "x",
        ])
        .await;
    assert!(out.status.success(), "{}", error_line(&out));
    assert_eq!(cli.quota_usage().await, 1);
}

#[test]
fn a_schedule_in_the_past_is_refused_with_the_current_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let photo = dir.path().join("photo.jpg");
    write_jpeg(&photo, 1080, 1080);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let out = publish_file(
        dir.path(),
        "--image",
        &photo,
        &["--schedule", "2020-01-01T09:00:00Z"],
    );
    let line = error_line(&out);
    assert!(!out.status.success());
    assert!(
        line.contains("2020-01-01T09:00:00Z is in the past"),
        "{line}"
    );
    let after = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert!(
        line.contains(&format!("{today} ")) || line.contains(&format!("{after} ")),
        "the current time is named: {line}"
    );
    assert!(line.contains("UTC"), "{line}");
    let drafts = socialdesk_in_sandbox(dir.path(), &["publish", "drafts"]);
    assert_eq!(stdout(&drafts).trim(), "", "no draft was scheduled");

    let out = publish_file(dir.path(), "--image", &photo, &["--schedule", "tomorrow"]);
    assert_fails_with(&out, "YYYY-MM-DD HH:MM");
}

#[test]
fn the_app_s_local_format_and_rfc_3339_both_schedule() {
    let dir = tempfile::tempdir().expect("temp dir");
    let photo = dir.path().join("photo.jpg");
    write_jpeg(&photo, 1080, 1080);
    for when in ["2099-01-31 09:30", "2099-02-01T09:30:00Z"] {
        // Each its own caption: the same post twice within 24 h would ask first.
        let caption = format!("Planned for {when}");
        let out = publish_file(
            dir.path(),
            "--image",
            &photo,
            &["--schedule", when, "--caption", &caption],
        );
        assert!(out.status.success(), "{when}: {}", error_line(&out));
        assert!(
            stdout(&out).starts_with("scheduled draft "),
            "{}",
            stdout(&out)
        );
    }
    let drafts = socialdesk_in_sandbox(dir.path(), &["publish", "drafts"]);
    assert_eq!(stdout(&drafts).lines().count(), 2, "{}", stdout(&drafts));
}

#[test]
fn resuming_a_draft_that_does_not_exist_says_how_to_list_drafts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = socialdesk(dir.path(), &["publish", "resume", "999999", "--sandbox"]);
    assert!(!out.status.success());
    let line = error_line(&out);
    assert_eq!(
        line,
        "socialdesk: there is no draft 999999; list drafts with `socialdesk publish drafts`"
    );
}

/// A draft Meta failed to process can be published again, and only then is
/// `publish resume N` suggested; resuming it posts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_draft_that_can_resume_suggests_publish_resume() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let cli = OnSandbox::connect(&sandbox, dir.path()).await;
    let photo = dir.path().join("photo.jpg");
    write_jpeg(&photo, 1080, 1080);
    sandbox.control().set_container_failure(Some(2207001));
    let out = cli
        .run(&["publish", "--image", photo.to_str().expect("utf-8")])
        .await;
    assert!(!out.status.success());
    let line = error_line(&out);
    let draft = line
        .strip_prefix("socialdesk: draft ")
        .and_then(|rest| rest.split_once(' '))
        .map_or_else(
            || panic!("names the draft: {line}"),
            |(id, _)| id.to_owned(),
        );
    assert!(
        line.contains(&format!("retry with `socialdesk publish resume {draft}`")),
        "{line}"
    );

    sandbox.control().set_container_failure(None);
    let out = cli.run(&["publish", "resume", &draft]).await;
    assert!(out.status.success(), "{}", error_line(&out));
    assert_eq!(cli.quota_usage().await, 1);
}

/// The Composer's preview of a cut-off picture fails with the same cause and fix as
/// publishing it, instead of showing a picture greyed out below the cut.
#[tokio::test]
async fn the_composer_preview_of_a_cut_off_picture_says_so() {
    let w = crate::support::world_without_login().await;
    let (mut handle, side) = engine::channel();
    tokio::spawn(engine::run::run(w.config(), side));
    let cut = noisy_jpeg()[..20_000].to_vec();
    assert!(handle.send(Command::Composer(ComposerCommand::LoadPreview(
        MediaSource::Bytes {
            name: "t.jpg".into(),
            bytes: Arc::new(cut),
        }
    ))));
    let start = std::time::Instant::now();
    let message = loop {
        match handle.try_recv() {
            Some(Event::Composer(ComposerEvent::PreviewFailed { source, message })) => {
                assert_eq!(source, "t.jpg");
                break message;
            }
            Some(Event::Composer(ComposerEvent::Preview { .. })) => {
                panic!("a cut-off picture was shown as if whole")
            }
            Some(_) => {}
            None if start.elapsed() > std::time::Duration::from_secs(20) => {
                panic!("no answer about the picture")
            }
            None => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    };
    assert!(message.contains("cut off or damaged"), "{message}");
    assert_eq!(
        message.matches("export or download it again").count(),
        1,
        "{message}"
    );
}
