//! `socialdesk hashtag` and `socialdesk discover` as a user runs them: the real binary
//! against a standalone sandbox, with the demo business connected through Facebook Login
//! (a pasted token), and through the embedded sandbox's Instagram Login account.

use serde_json::Value;
use socialdesk::sandbox::{Sandbox, SandboxOptions};

use crate::support::cli::{
    error_line, socialdesk_in_sandbox, socialdesk_on_meta_url, stderr, stdout,
};

/// A data folder with the demo business connected with Facebook Login against `sandbox`.
async fn facebook_data_dir(sandbox: &Sandbox) -> (tempfile::TempDir, String) {
    let token = sandbox
        .control()
        .mint_token(
            "facebook",
            "Alex Rivera",
            &["instagram_basic", "pages_show_list"],
        )
        .expect("token");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = socialdesk_on_meta_url(
        &["accounts", "add", "--login", "facebook"],
        &sandbox.url(),
        dir.path(),
        Some(token.clone()),
    )
    .await;
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    (dir, token)
}

#[tokio::test]
async fn hashtag_and_discover_print_tables_json_and_one_line_errors() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let (dir, token) = facebook_data_dir(&sandbox).await;
    let meta_url = sandbox.url();
    let run = |args: &'static [&'static str]| {
        socialdesk_on_meta_url(args, &meta_url, dir.path(), Some(token.clone()))
    };

    let out = run(&["hashtag", "#coffee", "--limit", "5"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("#coffee — top media"), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.contains(" likes ")).count(),
        5,
        "{text}"
    );
    assert!(text.contains("more posts"), "a cut list says so: {text}");
    assert!(
        text.trim_end().ends_with("1 of 30 hashtags used this week")
            || text.contains("1 of 30 hashtags used this week; next slot frees"),
        "{text}"
    );

    let out = run(&["hashtag", "latte", "--recent", "--json", "--limit", "3"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(v["hashtag"]["name"], "latte");
    assert_eq!(v["edge"], "recent_media");
    assert_eq!(v["media"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["budget"]["used"], 2);
    assert!(v["media"][0]["like_count"].is_u64());

    let out = run(&["hashtag", "two words"]).await;
    assert!(!out.status.success());
    assert!(
        error_line(&out).contains("is not a hashtag"),
        "{}",
        stderr(&out)
    );

    let out = run(&["discover", "@harbour.bakery", "--limit", "4"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("@harbour.bakery — Harbour Bakery"),
        "{text}"
    );
    assert!(text.contains(" followers · "), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.contains(" likes ")).count(),
        4,
        "{text}"
    );

    let out = run(&["discover", "kenji.makes", "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(v["username"], "kenji.makes");
    assert!(v["media"].as_array().is_some_and(|m| !m.is_empty()));

    for name in ["jamie.weekends", "no.such.shop"] {
        let args: &'static [&'static str] = if name == "jamie.weekends" {
            &["discover", "jamie.weekends"]
        } else {
            &["discover", "no.such.shop"]
        };
        let out = run(args).await;
        assert!(!out.status.success());
        let line = error_line(&out);
        assert!(
            line.contains(&format!("@{name} cannot be looked up")) && line.contains("personal"),
            "{line}"
        );
    }

    // Meta's own refusal of a 31st hashtag (searched elsewhere) is worded too.
    let c = reqwest::Client::new();
    for i in 0..28 {
        let url = sandbox
            .url()
            .join(&format!(
                "facebook/v24.0/ig_hashtag_search?user_id=17841400000000001&q=other{i}&access_token={token}"
            ))
            .expect("url");
        assert!(c.get(url).send().await.expect("sent").status().is_success());
    }
    let out = run(&["hashtag", "onemore"]).await;
    assert!(!out.status.success());
    assert!(
        error_line(&out).contains("30 unique hashtags"),
        "{}",
        stderr(&out)
    );
    // That refusal taught the local budget Meta's list: the next one is refused locally.
    sandbox.control().clear_requests();
    let out = run(&["hashtag", "yetanother"]).await;
    assert!(!out.status.success());
    assert!(
        error_line(&out).contains("the next slot frees up"),
        "{}",
        stderr(&out)
    );
    assert!(
        !sandbox
            .control()
            .requests()
            .iter()
            .any(|r| r.path.contains("ig_hashtag_search")),
        "refused without asking Meta"
    );
}

/// 30 hashtags already counted this week in the data folder: the 31st is refused with the
/// day a slot frees up, and Meta is not asked.
#[tokio::test]
async fn the_thirty_first_hashtag_is_refused_before_meta_is_called() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let (dir, token) = facebook_data_dir(&sandbox).await;
    let db = socialdesk::config::DataDirs::under(dir.path()).database();
    let store = socialdesk::store::Store::open(&db).expect("the CLI's database");
    let account = socialdesk::ids::IgUserId::from("17841400000000001");
    let first = chrono::Utc::now() - chrono::Duration::days(2);
    for i in 0..30 {
        store
            .record_hashtag_search(
                &account,
                &format!("tag{i}"),
                &format!("17843{i:012}"),
                first + chrono::Duration::minutes(i),
                chrono::Duration::days(7),
            )
            .expect("counted");
    }
    drop(store);
    sandbox.control().clear_requests();
    let out = socialdesk_on_meta_url(
        &["hashtag", "onemore"],
        &sandbox.url(),
        dir.path(),
        Some(token.clone()),
    )
    .await;
    assert!(!out.status.success());
    let line = error_line(&out);
    assert!(
        line.contains("has used all 30 hashtag searches")
            && line.contains("the next slot frees up")
            && line.contains(
                &(first + chrono::Duration::days(7))
                    .format("%Y-%m-%d")
                    .to_string()
            ),
        "{line}"
    );
    assert!(
        !sandbox
            .control()
            .requests()
            .iter()
            .any(|r| r.path.contains("ig_hashtag_search")),
        "Meta was not asked"
    );
    // A hashtag counted this week is still free.
    let out = socialdesk_on_meta_url(
        &["hashtag", "tag7", "--limit", "1"],
        &sandbox.url(),
        dir.path(),
        Some(token),
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("30 of 30 hashtags used this week"));
}

#[test]
fn an_instagram_login_account_is_told_to_use_facebook_login() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = socialdesk_in_sandbox(dir.path(), &["hashtag", "coffee"]);
    assert!(!out.status.success());
    assert!(
        error_line(&out).contains("only available to accounts connected with Facebook Login"),
        "{}",
        stderr(&out)
    );
    let out = socialdesk_in_sandbox(dir.path(), &["discover", "harbour.bakery"]);
    assert!(!out.status.success());
    assert!(
        error_line(&out).contains("Facebook Login"),
        "{}",
        stderr(&out)
    );
}
