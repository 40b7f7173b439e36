//! Competitors over time (issue 14): a competitor snapshotted over 10 simulated days charts
//! as 10 points (the engine on the sandbox clock, one snapshot per local day, a failing
//! competitor reported by name without stopping the others); `socialdesk competitors` as a
//! user runs it; and Track in the Research tab's lookup.

use std::time::Duration;

use egui_kittest::kittest::Queryable;
use serde_json::Value;
use socialdesk::engine::competitors::CompetitorBoard;
use socialdesk::engine::research::{ResearchCommand, ResearchEvent};
use socialdesk::engine::{Command, Event};
use socialdesk::graph::discovery::DiscoveredAccount;
use socialdesk::ids::IgUserId;
use socialdesk::model::LoginKind;
use socialdesk::sandbox::{Sandbox, SandboxOptions};
use socialdesk::store::{CompetitorSnapshot, TrackedCompetitor};
use socialdesk::ui::research_competitors::{
    ChartMetric, TRACKED_HEADING, follower_points, metric_points,
};
use socialdesk::ui::research_discovery::{TRACK_LABEL, USERNAME_LABEL};

use crate::support::cli::{error_line, socialdesk_on_meta_url, stderr, stdout};
use crate::support::ui::{app_harness, connect, type_into};
use crate::support::{ACCOUNT_ID, WorldSetup, account, drain, push};

const DAY: Duration = Duration::from_hours(24);

#[tokio::test]
async fn a_competitor_snapshotted_over_ten_days_charts_as_ten_points() {
    let world = WorldSetup {
        sandbox_clock: true,
        ..WorldSetup::default()
    }
    .start()
    .await;
    let me = world.connect_demo_business(LoginKind::Facebook, &[]).await;
    let core = &world.core;

    // Tracking looks the account up and keeps that as day 1.
    let first = core
        .add_competitor(&me, "@Harbour.Bakery")
        .await
        .expect("tracked");
    assert_eq!(first.username, "harbour.bakery");
    assert_eq!(first.day, core.local_today());
    let refused = core
        .add_competitor(&me, "jamie.weekends")
        .await
        .expect_err("a personal account cannot be tracked");
    assert!(
        refused.to_string().contains("cannot be looked up"),
        "{refused}"
    );

    // A competitor that stopped being discoverable (tracked before it turned personal).
    let id = me.id.clone();
    core.with_store(move |s| s.add_competitor(&id, "jamie.weekends", chrono::Utc::now()))
        .await
        .expect("stored");

    for day in 1..10 {
        world.sandbox.control().advance_clock(DAY);
        assert!(
            core.competitor_snapshot_due(&me).await.expect("due"),
            "day {day}: a new day needs a snapshot"
        );
        let failures = core
            .snapshot_competitors_if_due(&me)
            .await
            .expect("snapshot");
        assert_eq!(failures.len(), 1, "day {day}: {failures:?}");
        assert_eq!(failures[0].username, "jamie.weekends");
        assert!(failures[0].message.contains("cannot be looked up"));
        // The failing one keeps the day due; a retry reads only it.
        assert!(core.competitor_snapshot_due(&me).await.expect("due"));
        let again = core.snapshot_competitors_if_due(&me).await.expect("retry");
        assert_eq!(again.len(), 1, "{again:?}");
        // Taking them all again the same day replaces the day's snapshot.
        core.snapshot_competitors(&me).await.expect("again");
    }

    let board: CompetitorBoard = core.competitor_board(&me).await.expect("board");
    let harbour = board
        .tracked
        .iter()
        .find(|t| t.username == "harbour.bakery")
        .expect("harbour tracked");
    assert_eq!(harbour.history.len(), 10, "one snapshot per day");
    for pair in harbour.history.windows(2) {
        assert_eq!(pair[1].day - pair[0].day, chrono::Duration::days(1));
        assert!(pair[1].followers_count >= pair[0].followers_count);
    }
    assert!(
        harbour.history[9].followers_count > harbour.history[0].followers_count,
        "the sandbox competitor gains followers as days pass"
    );
    assert!(harbour.history.iter().all(|s| s.posts_last_7_days > 0));
    assert!(
        harbour
            .history
            .iter()
            .all(|s| s.engagement_per_post.is_some())
    );
    assert_eq!(
        follower_points(&harbour.history).len(),
        10,
        "10 chart points"
    );
    for metric in ChartMetric::ALL {
        assert_eq!(
            metric_points(&harbour.history, metric).len(),
            10,
            "{metric:?}"
        );
    }

    let own = board.own.expect("the account's own figures");
    assert_eq!(own.day, core.local_today());
    assert_eq!(own.username, me.username.to_lowercase());

    let jamie = board
        .tracked
        .iter()
        .find(|t| t.username == "jamie.weekends")
        .expect("still tracked");
    assert!(jamie.history.is_empty());

    core.remove_competitor(&me.id, "jamie.weekends")
        .await
        .expect("untracked");
    assert!(!core.competitor_snapshot_due(&me).await.expect("due"));
    assert!(
        core.snapshot_competitors_if_due(&me)
            .await
            .expect("nothing due")
            .is_empty()
    );

    // A refused token fails every lookup alike: it is reported once, not per competitor.
    world.sandbox.control().advance_clock(DAY);
    world.sandbox.control().revoke_all_tokens();
    let failures = core
        .snapshot_competitors_if_due(&me)
        .await
        .expect("failures are reported, not raised");
    assert_eq!(failures.len(), 1, "{failures:?}");
    let history = core
        .competitor_history(&me.id, "harbour.bakery")
        .await
        .expect("history");
    assert_eq!(history.len(), 10, "a failed day adds nothing");
}

#[tokio::test]
async fn competitors_cli_adds_snapshots_lists_and_prints_history() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let token = sandbox
        .control()
        .mint_token(
            "facebook",
            "Alex Rivera",
            &["instagram_basic", "pages_show_list"],
        )
        .expect("token");
    let dir = tempfile::tempdir().expect("temp dir");
    let meta_url = sandbox.url();
    let run = |args: &'static [&'static str]| {
        socialdesk_on_meta_url(args, &meta_url, dir.path(), Some(token.clone()))
    };
    let out = run(&["accounts", "add", "--login", "facebook"]).await;
    assert!(out.status.success(), "{}", stderr(&out));

    let out = run(&["competitors", "list"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("no competitors tracked"),
        "{}",
        stdout(&out)
    );

    let out = run(&["competitors", "add", "@harbour.bakery"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("tracking @harbour.bakery"),
        "{}",
        stdout(&out)
    );

    // Adding snapshots the competitor only; the scheduler takes the missing rest (your
    // own figures) and reports nothing when all goes well.
    let own_json = |out: &std::process::Output| -> Value {
        assert!(out.status.success(), "{}", stderr(out));
        let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
        v["own"].clone()
    };
    assert!(own_json(&run(&["competitors", "list", "--json"]).await).is_null());
    let out = run(&["run-scheduler"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("competitor snapshot"),
        "{}",
        stderr(&out)
    );
    assert!(own_json(&run(&["competitors", "list", "--json"]).await)["followers_count"].is_u64());

    let out = run(&["competitors", "add", "jamie.weekends"]).await;
    assert!(!out.status.success());
    assert!(
        error_line(&out).contains("cannot be looked up"),
        "{}",
        stderr(&out)
    );

    let out = run(&["competitors", "snapshot"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 of 1 competitors snapshotted"),
        "{}",
        stdout(&out)
    );

    let out = run(&["competitors", "list"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("(you)"), "{text}");
    let row = text
        .lines()
        .find(|l| l.starts_with("@harbour.bakery"))
        .unwrap_or_else(|| panic!("no competitor row in {text}"));
    assert!(!row.contains("no snapshot yet"), "{row}");

    let out = run(&["competitors", "list", "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(v["tracked"][0]["username"], "harbour.bakery");
    assert!(v["own"]["followers_count"].is_u64(), "{v}");

    let out = run(&["competitors", "history", "harbour.bakery", "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let days = v.as_array().expect("array");
    assert_eq!(
        days.len(),
        1,
        "add and snapshot the same day are one snapshot: {v}"
    );
    assert!(days[0]["posts_last_7_days"].is_u64());

    let out = run(&["competitors", "history", "harbour.bakery"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2, "{}", stdout(&out));

    let out = run(&["competitors", "remove", "harbour.bakery"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["competitors", "history", "harbour.bakery"]).await;
    assert!(!out.status.success());
    assert!(
        error_line(&out).contains("is not tracked"),
        "{}",
        stderr(&out)
    );

    // A snapshot the scheduler cannot take is reported and never fails the run.
    let other = tempfile::tempdir().expect("temp dir");
    let run_other = |args: &'static [&'static str]| {
        socialdesk_on_meta_url(args, &meta_url, other.path(), Some(token.clone()))
    };
    let out = run_other(&["accounts", "add", "--login", "facebook"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run_other(&["competitors", "add", "harbour.bakery"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    sandbox.control().revoke_all_tokens();
    let out = run_other(&["run-scheduler"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.lines()
            .any(|l| l.starts_with("competitor snapshot: @") && l.contains("reconnect")),
        "{err}"
    );
}

fn snapshot(day: u32, followers: u64) -> CompetitorSnapshot {
    CompetitorSnapshot {
        username: "harbour.bakery".into(),
        day: chrono::NaiveDate::from_ymd_opt(2026, 12, day).expect("day"),
        followers_count: Some(followers),
        media_count: Some(431),
        posts_last_7_days: 6,
        engagement_per_post: Some(274.0),
        taken_at: chrono::Utc::now(),
    }
}

#[test]
fn track_a_looked_up_account_and_see_it_in_the_tracked_list() {
    let (mut harness, mut side) = app_harness(1400.0);
    harness.run_steps(6);
    connect(&side, account("northwind", LoginKind::Facebook));
    harness.run_steps(6);
    harness.get_by_label("Research").click();
    harness.run();
    let sent = drain(&mut side);
    assert!(
        sent.iter()
            .any(|c| matches!(c, Command::Research(ResearchCommand::Load { .. }))),
        "opening the tab loads (and snapshots when due): {sent:?}"
    );
    let id = IgUserId::from(ACCOUNT_ID);
    push(
        &mut harness,
        &side,
        Event::Research(ResearchEvent::Competitors {
            account: id.clone(),
            board: Box::default(),
            failures: Vec::new(),
        }),
    );
    harness.get_by_label(TRACKED_HEADING);

    type_into(&mut harness, USERNAME_LABEL, "harbour.bakery");
    harness.get_by_label("Look up").click();
    harness.run_steps(4);
    drain(&mut side);
    push(
        &mut harness,
        &side,
        Event::Research(ResearchEvent::Discovered {
            account: id.clone(),
            found: Box::new(DiscoveredAccount {
                id: "17841400000000901".into(),
                username: "harbour.bakery".into(),
                name: Some("Harbour Bakery".into()),
                biography: None,
                website: None,
                profile_picture_url: None,
                followers_count: Some(8420),
                follows_count: Some(512),
                media_count: Some(431),
                media: Vec::new(),
            }),
        }),
    );
    harness.get_by_label(TRACK_LABEL).click();
    harness.run_steps(4);
    let sent = drain(&mut side);
    assert!(
        sent.iter().any(|c| matches!(c,
            Command::Research(ResearchCommand::Track { username, account })
                if username == "harbour.bakery" && account.as_str() == ACCOUNT_ID)),
        "{sent:?}"
    );
    let mut own = snapshot(3, 1234);
    own.username = "northwind".into();
    own.engagement_per_post = Some(88.5);
    push(
        &mut harness,
        &side,
        Event::Research(ResearchEvent::Competitors {
            account: id,
            board: Box::new(CompetitorBoard {
                own: Some(own),
                tracked: vec![TrackedCompetitor {
                    username: "harbour.bakery".into(),
                    added_at: chrono::Utc::now(),
                    history: vec![snapshot(1, 8420), snapshot(2, 8441), snapshot(3, 8462)],
                }],
            }),
            failures: Vec::new(),
        }),
    );
    harness.get_by_label("@harbour.bakery");
    harness.get_by_label("@northwind (you)");
    harness.get_by_label("8,462");
    harness.get_by_label("274.0");
    harness.get_by_label("88.5");
    harness.get_by_label("@harbour.bakery followers");
    harness.get_by_label("posts per week").click();
    harness.run();
    harness.get_by_label("@harbour.bakery posts per week");
    assert!(
        harness.query_by_label(TRACK_LABEL).is_none(),
        "a tracked account has no Track button"
    );
    harness.get_by_label("Tracked");

    // Opening the tab again asks for today's snapshots (the app may run for days).
    harness.get_by_label("Composer").click();
    harness.run();
    harness.get_by_label("Research").click();
    harness.run();
    let sent = drain(&mut side);
    assert!(
        sent.iter().any(|c| matches!(c,
            Command::Research(ResearchCommand::Competitors { account }) if account.as_str() == ACCOUNT_ID)),
        "{sent:?}"
    );

    harness.get_by_label("Untrack").click();
    harness.run_steps(4);
    let sent = drain(&mut side);
    assert!(
        sent.iter().any(|c| matches!(c,
            Command::Research(ResearchCommand::Untrack { username, .. }) if username == "harbour.bakery")),
        "{sent:?}"
    );
}
