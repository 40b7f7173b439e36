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
    // One table: a row per day with every live metric asked for, views included.
    assert_eq!(lines[0], "date,reach,views");
    assert_eq!(lines.len(), 46, "the header and 45 days: {out}");
    assert_eq!(lines[1].split(',').next(), Some(since.to_string().as_str()));
    assert!(
        lines[1..].iter().all(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            cells.len() == 3 && cells[1..].iter().all(|c| c.parse::<u64>().is_ok())
        }),
        "{out}"
    );
    assert!(!out.contains("metric,value"), "no second table: {out}");
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
