//! The command line, run as a user would: the real binary, against the sandbox.

use std::process::{Command, Output};

use socialdesk::sandbox::{DEMO_BUSINESS_USERNAME, Sandbox, SandboxOptions};

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

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn feed_in_sandbox_mode_prints_json_media() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = socialdesk(
        dir.path(),
        &["feed", "--sandbox", "--json", "--limit", "40"],
    );
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    let media: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let media = media.as_array().expect("a list");
    assert_eq!(media.len(), 40, "40 posts across more than one page");
    assert!(
        media
            .iter()
            .all(|m| m["id"].is_string() && m["timestamp"].is_string())
    );
}

#[test]
fn accounts_list_in_sandbox_mode_shows_both_demo_accounts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = socialdesk(dir.path(), &["accounts", "list", "--sandbox"]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("@northwind.coffee"), "{text}");
    assert!(text.contains("@mira.makes"), "{text}");
}

#[test]
fn unknown_account_fails_with_a_one_line_cause() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = socialdesk(dir.path(), &["feed", "--sandbox", "--account", "@nobody"]);
    assert!(!output.status.success());
    let err = stderr(&output);
    let last = err.lines().last().unwrap_or_default();
    assert!(last.starts_with("socialdesk: "), "{err}");
    assert!(last.contains("@nobody") || last.contains("nobody"), "{err}");
}

#[test]
fn bad_sandbox_switch_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = socialdesk(dir.path(), &["sandbox", "--fail-rate", "2"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("--fail-rate"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pasted_token_connects_an_account_against_a_standalone_sandbox() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let token = sandbox
        .control()
        .mint_token(
            "instagram",
            DEMO_BUSINESS_USERNAME,
            &["instagram_business_basic"],
        )
        .expect("token");
    let dir = tempfile::tempdir().expect("temp dir");
    let meta_url = sandbox.url().to_string();
    let data = dir.path().to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_socialdesk"))
            .args([
                "accounts",
                "add",
                "--login",
                "instagram",
                "--meta-url",
                &meta_url,
            ])
            .arg("--data-dir")
            .arg(&data)
            .env("SOCIALDESK_TOKEN", &token)
            .env("RUST_LOG", "warn")
            // No Secret Service in tests: the 0600 file is used, with a warning.
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
            .output()
    })
    .await
    .expect("join")
    .expect("run");
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    assert!(
        stdout(&output).contains("@northwind.coffee"),
        "{}",
        stdout(&output)
    );

    let meta_url = sandbox.url().to_string();
    let data = dir.path().to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_socialdesk"))
            .args(["feed", "--limit", "3", "--meta-url", &meta_url])
            .arg("--data-dir")
            .arg(&data)
            .env("RUST_LOG", "warn")
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
            .output()
    })
    .await
    .expect("join")
    .expect("run");
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 3, "{}", stdout(&output));
}

#[test]
fn run_scheduler_with_nothing_due_exits_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = socialdesk(dir.path(), &["run-scheduler", "--sandbox"]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    assert!(stdout(&output).trim().is_empty(), "nothing was published");
}
