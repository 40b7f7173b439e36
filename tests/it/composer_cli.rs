//! `socialdesk publish` as a user runs it: the real binary against the embedded sandbox.

use crate::support::cli::{
    assert_fails_with, assert_prints_media_id, publish_file, socialdesk, write_jpeg,
};
use crate::support::media::mp4;

#[test]
fn publish_prints_the_new_media_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let photo = dir.path().join("photo.jpg");
    write_jpeg(&photo, 1600, 1000);
    let out = publish_file(
        dir.path(),
        "--image",
        &photo,
        &[
            "--crop",
            "4:5",
            "--caption",
            "From the CLI #test",
            "--tag",
            "mira.makes@0.3,0.6",
        ],
    );
    assert_prints_media_id(&out);
}

#[test]
fn a_three_to_one_picture_fails_with_the_cause() {
    let dir = tempfile::tempdir().expect("temp dir");
    let photo = dir.path().join("banner.jpg");
    write_jpeg(&photo, 1500, 500);
    let out = publish_file(dir.path(), "--image", &photo, &[]);
    assert_fails_with(&out, "crop it");
}

#[test]
fn a_reel_with_a_cover_frame_is_published_and_a_too_short_one_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let reel = dir.path().join("reel.mp4");
    std::fs::write(&reel, mp4(5)).expect("write");
    let out = publish_file(
        dir.path(),
        "--reel",
        &reel,
        &["--thumb-offset", "1200", "--caption", "CLI reel"],
    );
    assert_prints_media_id(&out);

    let short = dir.path().join("short.mov");
    std::fs::write(&short, mp4(1)).expect("write");
    let out = publish_file(dir.path(), "--reel", &short, &[]);
    assert_fails_with(&out, "reels must be at least 3 s");
}

#[test]
fn product_tags_on_an_instagram_login_account_say_to_use_facebook_login() {
    let dir = tempfile::tempdir().expect("temp dir");
    let photo = dir.path().join("photo.jpg");
    write_jpeg(&photo, 1080, 1080);
    let out = publish_file(dir.path(), "--image", &photo, &["--product", "123@0.5,0.5"]);
    assert_fails_with(&out, "reconnect it with Facebook Login");

    let out = socialdesk(dir.path(), &["publish", "products", "--sandbox"]);
    assert_fails_with(&out, "Facebook Login");
}
