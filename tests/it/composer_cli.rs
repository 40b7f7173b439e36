//! `socialdesk publish` as a user runs it: the real binary against the embedded sandbox.

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

fn write_jpeg(path: &std::path::Path, width: u32, height: u32) {
    image::RgbImage::from_pixel(width, height, image::Rgb([120, 90, 60]))
        .save(path)
        .expect("jpeg");
}

#[test]
fn publish_prints_the_new_media_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let photo = dir.path().join("photo.jpg");
    write_jpeg(&photo, 1600, 1000);
    let out = socialdesk(
        dir.path(),
        &[
            "publish",
            "--sandbox",
            "--image",
            photo.to_str().expect("utf-8"),
            "--crop",
            "4:5",
            "--caption",
            "From the CLI #test",
            "--tag",
            "mira.makes@0.3,0.6",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = stdout.trim();
    assert!(
        !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()),
        "{stdout}"
    );
}

#[test]
fn a_three_to_one_picture_fails_with_the_cause() {
    let dir = tempfile::tempdir().expect("temp dir");
    let photo = dir.path().join("banner.jpg");
    write_jpeg(&photo, 1500, 500);
    let out = socialdesk(
        dir.path(),
        &[
            "publish",
            "--sandbox",
            "--image",
            photo.to_str().expect("utf-8"),
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("crop it"), "{stderr}");
}

#[test]
fn a_reel_with_a_cover_frame_is_published_and_a_too_short_one_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let reel = dir.path().join("reel.mp4");
    std::fs::write(
        &reel,
        socialdesk::media::video::synthetic_mp4(
            1080,
            1920,
            5,
            socialdesk::media::video::VideoCodec::H264,
            true,
        )
        .expect("mp4"),
    )
    .expect("write");
    let out = socialdesk(
        dir.path(),
        &[
            "publish",
            "--sandbox",
            "--reel",
            reel.to_str().expect("utf-8"),
            "--thumb-offset",
            "1200",
            "--caption",
            "CLI reel",
        ],
    );
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.trim().chars().all(|c| c.is_ascii_digit()),
        "{stdout}"
    );

    let short = dir.path().join("short.mov");
    std::fs::write(
        &short,
        socialdesk::media::video::synthetic_mp4(
            1080,
            1920,
            1,
            socialdesk::media::video::VideoCodec::H264,
            true,
        )
        .expect("mp4"),
    )
    .expect("write");
    let out = socialdesk(
        dir.path(),
        &[
            "publish",
            "--sandbox",
            "--reel",
            short.to_str().expect("utf-8"),
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("reels must be at least 3 s"), "{stderr}");
}

#[test]
fn product_tags_on_an_instagram_login_account_say_to_use_facebook_login() {
    let dir = tempfile::tempdir().expect("temp dir");
    let photo = dir.path().join("photo.jpg");
    write_jpeg(&photo, 1080, 1080);
    let out = socialdesk(
        dir.path(),
        &[
            "publish",
            "--sandbox",
            "--image",
            photo.to_str().expect("utf-8"),
            "--product",
            "123@0.5,0.5",
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("reconnect it with Facebook Login"),
        "{stderr}"
    );

    let out = socialdesk(dir.path(), &["publish", "products", "--sandbox"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Facebook Login"), "{stderr}");
}
