//! `socialdesk publish --location/--collab` and `publish locations` as a user runs them: the
//! real binary against the embedded sandbox, whose account is connected with Instagram
//! Login, so every one of them is refused with the cause and the fix, before any upload.

use std::process::{Command, Output};

fn socialdesk(data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_socialdesk"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("SOCIALDESK_SANDBOX")
        .env_remove("SOCIALDESK_GRAPH_URL")
        .env_remove("SOCIALDESK_META_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run socialdesk")
}

fn refused(out: &Output, needle: &str) {
    assert!(!out.status.success(), "the command must fail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(needle), "{stderr}");
    assert!(out.stdout.is_empty(), "no media id is printed");
}

#[test]
fn location_and_collaborator_flags_are_checked_with_the_cause() {
    let dir = tempfile::tempdir().expect("temp dir");
    let photo = dir.path().join("photo.jpg");
    image::RgbImage::from_pixel(1080, 1080, image::Rgb([120, 90, 60]))
        .save(&photo)
        .expect("jpeg");
    let photo = photo.to_str().expect("utf-8");

    let out = socialdesk(
        dir.path(),
        &[
            "publish",
            "--sandbox",
            "--image",
            photo,
            "--location",
            "110000000000002",
        ],
    );
    refused(&out, "which has no location tags");

    let out = socialdesk(
        dir.path(),
        &[
            "publish",
            "--sandbox",
            "--image",
            photo,
            "--collab",
            "a",
            "--collab",
            "b",
            "--collab",
            "c",
            "--collab",
            "d",
        ],
    );
    refused(&out, "at most 3 per post");

    let out = socialdesk(
        dir.path(),
        &[
            "publish",
            "--sandbox",
            "--image",
            photo,
            "--location",
            "harbour",
        ],
    );
    refused(&out, "publish locations --query");

    let out = socialdesk(
        dir.path(),
        &["publish", "locations", "--sandbox", "--query", "coffee"],
    );
    refused(&out, "needs an account connected with Facebook Login");
}
