//! `socialdesk dm …` run as a user would: the real binary in sandbox mode.

use crate::support::cli::{assert_fails_with, socialdesk_in_sandbox, stderr, stdout};

#[test]
fn dm_list_show_and_send_in_sandbox_mode() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = socialdesk_in_sandbox(dir.path(), &["dm", "list", "--json"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let list = list.as_array().expect("a list");
    assert!(list.len() >= 5, "{list:?}");
    assert!(
        list.iter()
            .any(|c| c["person"]["username"] == "lena.loves.latte")
    );

    let out = socialdesk_in_sandbox(dir.path(), &["dm", "show", "@harbour.bakery"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let shown = stdout(&out);
    assert!(shown.contains("10 older messages"), "{shown}");

    let out = socialdesk_in_sandbox(
        dir.path(),
        &["dm", "send", "@lena.loves.latte", "Ready at 2!"],
    );
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert!(stdout(&out).starts_with("sent "), "{}", stdout(&out));

    let out = socialdesk_in_sandbox(dir.path(), &["dm", "send", "@ana.pereira", "Hello again"]);
    assert_fails_with(&out, "more than 7 days ago");

    let out = socialdesk_in_sandbox(dir.path(), &["dm", "send", "@nobody.here", "hi"]);
    assert_fails_with(&out, "no conversation with @nobody.here");
}
