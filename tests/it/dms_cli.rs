//! `socialdesk dm …` run as a user would: the real binary in sandbox mode.

use std::process::{Command, Output};

fn socialdesk(data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_socialdesk"))
        .args(args)
        .arg("--sandbox")
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("SOCIALDESK_GRAPH_URL")
        .env_remove("SOCIALDESK_META_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run socialdesk")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn dm_list_show_and_send_in_sandbox_mode() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = socialdesk(dir.path(), &["dm", "list", "--json"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let list = list.as_array().expect("a list");
    assert!(list.len() >= 5, "{list:?}");
    assert!(
        list.iter()
            .any(|c| c["person"]["username"] == "lena.loves.latte")
    );

    let out = socialdesk(dir.path(), &["dm", "show", "@harbour.bakery"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("10 older messages"), "{shown}");

    let out = socialdesk(
        dir.path(),
        &["dm", "send", "@lena.loves.latte", "Ready at 2!"],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("sent "),
        "{}",
        text(&out.stdout)
    );

    let out = socialdesk(dir.path(), &["dm", "send", "@ana.pereira", "Hello again"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("more than 7 days ago"),
        "{}",
        text(&out.stderr)
    );

    let out = socialdesk(dir.path(), &["dm", "send", "@nobody.here", "hi"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no conversation with @nobody.here"),
        "{}",
        text(&out.stderr)
    );
}
