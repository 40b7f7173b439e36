//! `socialdesk insights …` run as a user would: the real binary, in sandbox mode.

use crate::support::cli::{socialdesk, stderr, stdout};

#[test]
fn account_csv_over_45_days_with_a_retired_metric() {
    let dir = tempfile::tempdir().expect("temp dir");
    let until = chrono::Utc::now().date_naive();
    let since = until - chrono::Duration::days(45);
    let output = socialdesk(
        dir.path(),
        &[
            "insights",
            "account",
            "--sandbox",
            "--since",
            &since.to_string(),
            "--until",
            &until.to_string(),
            "--metric",
            "reach,impressions,views",
            "--csv",
        ],
    );
    let (out, err) = (stdout(&output), stderr(&output));
    assert!(output.status.success(), "stderr: {err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "date,reach");
    assert_eq!(lines[1].split(',').next(), Some(since.to_string().as_str()));
    // 45 days, then a blank line, then the totals table.
    assert_eq!(lines[46], "");
    assert_eq!(lines[47], "metric,value");
    assert!(lines[48].starts_with("views,"), "{out}");
    assert!(
        err.contains("impressions: no longer provided by Instagram"),
        "{err}"
    );
}

#[test]
fn media_json_has_the_post_insights() {
    let dir = tempfile::tempdir().expect("temp dir");
    let feed = socialdesk(dir.path(), &["feed", "--sandbox", "--json", "--limit", "1"]);
    assert!(feed.status.success(), "{}", stderr(&feed));
    let media: serde_json::Value = serde_json::from_slice(&feed.stdout).expect("JSON");
    let id = media[0]["id"].as_str().expect("id").to_owned();
    let output = socialdesk(
        dir.path(),
        &["insights", "media", &id, "--sandbox", "--json"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(v["id"], id.as_str());
    assert!(v["insights"]["reach"].as_u64().is_some_and(|r| r > 0));
    assert_eq!(v["insights"]["likes"], media[0]["like_count"]);
}
