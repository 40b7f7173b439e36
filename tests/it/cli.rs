//! The command line, run as a user would: the real binary, against the sandbox.

use socialdesk::sandbox::{Sandbox, SandboxOptions};

use crate::support::basic_token;
use crate::support::cli::{socialdesk, socialdesk_on_meta_url, stderr, stdout};

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
    let token = basic_token(&sandbox);
    let dir = tempfile::tempdir().expect("temp dir");
    let output = socialdesk_on_meta_url(
        &["accounts", "add", "--login", "instagram"],
        &sandbox.url(),
        dir.path(),
        Some(token),
    )
    .await;
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    assert!(
        stdout(&output).contains("@northwind.coffee"),
        "{}",
        stdout(&output)
    );

    let output =
        socialdesk_on_meta_url(&["feed", "--limit", "3"], &sandbox.url(), dir.path(), None).await;
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
