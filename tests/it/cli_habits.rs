//! What a user of the command line counts on from every command, run as they run it (the
//! real binary, one process per command): `--sandbox` keeps one world per data folder, a
//! fresh machine says how to add an account, `--json` prints one document, long lists stop
//! at `--limit` and say how many more there are, enums read as words, warnings come once.

use std::process::Output;

use socialdesk::sandbox::{Sandbox, SandboxOptions};

use crate::support::cli::{
    assert_prints_media_id, error_line, publish_file, socialdesk, socialdesk_in_sandbox,
    socialdesk_on_meta_url, stderr, stdout, write_jpeg,
};

/// The whole of stdout as one JSON document (fails the test when it is not).
fn json_of(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "stderr: {}", stderr(out));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", stdout(out)))
}

#[test]
fn a_sandbox_post_is_in_the_next_sandbox_feed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let photo = dir.path().join("photo.jpg");
    write_jpeg(&photo, 1080, 1080);
    let out = publish_file(
        dir.path(),
        "--image",
        &photo,
        &["--caption", "Still here tomorrow"],
    );
    assert_prints_media_id(&out);
    let media_id = stdout(&out).trim().to_owned();

    // A second process on the same data folder: the same sandbox world.
    let feed = json_of(&socialdesk_in_sandbox(
        dir.path(),
        &["feed", "--json", "--limit", "5"],
    ));
    let ids: Vec<&str> = feed
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert!(
        ids.contains(&media_id.as_str()),
        "{media_id} not in {ids:?}"
    );
    assert!(
        dir.path()
            .join("sandbox")
            .join("world")
            .join("world.json")
            .exists(),
        "the world is kept where the app's embedded sandbox keeps it"
    );
}

#[test]
fn with_no_account_commands_say_how_to_add_one_or_use_the_sandbox() {
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        &["feed"][..],
        &["comments", "list"],
        &["dm", "list"],
        &["insights", "account"],
        &["publish", "drafts"],
    ] {
        let out = socialdesk(dir.path(), args);
        assert!(!out.status.success(), "{args:?} must fail");
        let line = error_line(&out);
        assert!(line.contains("socialdesk accounts add"), "{args:?}: {line}");
        assert!(line.contains("--sandbox"), "{args:?}: {line}");
        // One line says it (a keyring warning may come before it).
        assert_eq!(
            stderr(&out)
                .lines()
                .filter(|l| l.starts_with("socialdesk: "))
                .count(),
            1,
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn json_is_one_document_on_dm_show_publish_drafts_and_insights() {
    let dir = tempfile::tempdir().expect("temp dir");
    let shown = json_of(&socialdesk_in_sandbox(
        dir.path(),
        &["dm", "show", "@harbour.bakery", "--json"],
    ));
    assert_eq!(
        shown["conversation"]["person"]["username"],
        "harbour.bakery"
    );
    let messages = shown["messages"].as_array().expect("messages");
    assert!(
        messages
            .iter()
            .any(|m| m["readable"] == true && m["text"].is_string())
    );
    assert!(shown["window_description"].is_string());

    let photo = dir.path().join("photo.jpg");
    write_jpeg(&photo, 1080, 1080);
    let published = json_of(&publish_file(
        dir.path(),
        "--image",
        &photo,
        &["--caption", "JSON please", "--json"],
    ));
    let media_id = published["media_id"].as_str().expect("media_id").to_owned();
    let draft = published["draft"].as_i64().expect("draft");

    let drafts = json_of(&socialdesk_in_sandbox(
        dir.path(),
        &["publish", "drafts", "--json"],
    ));
    let row = drafts
        .as_array()
        .expect("a list")
        .iter()
        .find(|d| d["id"] == draft)
        .unwrap_or_else(|| panic!("draft {draft} in {drafts}"))
        .clone();
    assert_eq!(row["state"], "published");
    assert_eq!(row["media_id"], media_id.as_str());
    assert_eq!(row["caption"], "JSON please");

    let insights = json_of(&socialdesk_in_sandbox(
        dir.path(),
        &["insights", "account", "--metric", "reach,views", "--json"],
    ));
    assert!(insights["totals"]["views"].is_u64(), "{insights}");
    let daily = insights["daily"].as_array().expect("daily rows");
    assert!(!daily.is_empty(), "{insights}");
    assert!(
        daily
            .iter()
            .all(|d| d["date"].is_string() && d["reach"].is_u64() && d["views"].is_u64()),
        "every day has every metric asked for: {insights}"
    );
}

#[test]
fn a_long_list_stops_at_the_limit_and_says_how_many_more() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = socialdesk_in_sandbox(dir.path(), &["comments", "list", "--limit", "3"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "three comments and the last line: {text}");
    let last = lines[3];
    assert!(
        last.starts_with("… ") && last.contains("more comments") && last.contains("--limit"),
        "{last}"
    );

    // The default stops too, well before a thousand lines.
    let out = socialdesk_in_sandbox(dir.path(), &["comments", "list", "--offline"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 51, "{text}");
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.contains("more comments"))
    );

    // With --json the list stays one document; the count of the rest goes to stderr.
    let out = socialdesk_in_sandbox(
        dir.path(),
        &["comments", "list", "--offline", "--json", "--limit", "2"],
    );
    let list = json_of(&out);
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    assert!(stderr(&out).contains("more comments"), "{}", stderr(&out));
}

#[test]
fn accounts_list_reads_as_words() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = socialdesk_in_sandbox(dir.path(), &["accounts", "list"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    let creator = text
        .lines()
        .find(|l| l.starts_with("@mira.makes"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(creator.contains("Creator"), "{creator}");
    assert!(creator.contains("Instagram Login"), "{creator}");
    assert!(!text.contains("Media_Creator"), "{text}");
    assert!(!text.contains("instagram "), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_keyring_is_warned_about_once() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = socialdesk_on_meta_url(&["accounts", "list"], &sandbox.url(), dir.path(), None).await;
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.matches("No system keyring found").count(), 1, "{err}");
}
