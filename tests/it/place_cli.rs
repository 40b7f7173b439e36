//! `socialdesk publish --location/--collab` and `publish locations` as a user runs them: the
//! real binary against the embedded sandbox, whose account is connected with Instagram
//! Login, so every one of them is refused with the cause and the fix, before any upload.

use std::process::Output;

use crate::support::cli::{assert_fails_with, publish_file, socialdesk, write_jpeg};

/// The command failed with `needle` in its cause, before printing any media id.
fn refused(out: &Output, needle: &str) {
    assert_fails_with(out, needle);
    assert!(out.stdout.is_empty(), "no media id is printed");
}

#[test]
fn location_and_collaborator_flags_are_checked_with_the_cause() {
    let dir = tempfile::tempdir().expect("temp dir");
    let photo = dir.path().join("photo.jpg");
    write_jpeg(&photo, 1080, 1080);

    let out = publish_file(
        dir.path(),
        "--image",
        &photo,
        &["--location", "110000000000002"],
    );
    refused(&out, "which has no location tags");

    let out = publish_file(
        dir.path(),
        "--image",
        &photo,
        &[
            "--collab", "a", "--collab", "b", "--collab", "c", "--collab", "d",
        ],
    );
    refused(&out, "at most 3 per post");

    let out = publish_file(dir.path(), "--image", &photo, &["--location", "harbour"]);
    refused(&out, "publish locations --query");

    let out = socialdesk(
        dir.path(),
        &["publish", "locations", "--sandbox", "--query", "coffee"],
    );
    refused(&out, "needs an account connected with Facebook Login");
}
