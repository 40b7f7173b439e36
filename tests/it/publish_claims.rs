//! "Never twice" across processes: several real `socialdesk` processes (schedulers and
//! resumes) on one data folder, against a slow and faulty standalone sandbox, some killed
//! with SIGKILL mid-way; the rest finished as a user would. Every draft is then counted
//! through the Graph API: exactly one post each.

use std::collections::HashMap;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;
use socialdesk::sandbox::{Sandbox, SandboxOptions};

use crate::support::cli::{OnSandbox, stderr, stdout, write_jpeg};
use crate::support::raw::get_json;

/// A short lease so a killed owner's drafts are taken over within the test.
const LEASE_SECS: &str = "2";

/// `socialdesk ARGS` on the shared data folder, with the short lease.
fn command(cli: &OnSandbox<'_>, args: &[&str]) -> Command {
    let mut command = cli.command(args);
    command.env(socialdesk::engine::composer::claim::LEASE_ENV, LEASE_SECS);
    command
}

async fn run(cli: &OnSandbox<'_>, args: &[&str]) -> Output {
    let mut command = command(cli, args);
    tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("run socialdesk")
}

fn spawn(cli: &OnSandbox<'_>, args: &[&str]) -> Child {
    command(cli, args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn socialdesk")
}

/// How many posts of the account carry each caption, read page by page from the sandbox.
async fn posts_by_caption(sandbox: &Sandbox, token: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    let mut url = format!("{}v24.0/me/media?fields=caption&limit=100", sandbox.url());
    for _ in 0..50 {
        let page = get_json(url.as_str(), token).await;
        for m in page["data"].as_array().expect("data") {
            if let Some(c) = m["caption"].as_str() {
                *counts.entry(c.to_owned()).or_insert(0) += 1;
            }
        }
        match page["paging"]["next"].as_str() {
            Some(next) => next.clone_into(&mut url),
            None => break,
        }
    }
    counts
}

/// Drafts by state, from `publish drafts` (id, kind, state, …).
async fn draft_states(cli: &OnSandbox<'_>) -> Vec<(i64, String)> {
    let out = run(cli, &["publish", "drafts"]).await;
    assert!(out.status.success(), "drafts: {}", stderr(&out));
    stdout(&out)
        .lines()
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let id = cols.next()?.parse().ok()?;
            let state = cols.nth(1)?.to_owned();
            Some((id, state))
        })
        .collect()
}

/// A temporary folder whose `data` holds the demo business, connected to `sandbox`.
async fn connected(sandbox: &Sandbox) -> (tempfile::TempDir, OnSandbox<'_>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let cli = OnSandbox::connect(sandbox, &dir.path().join("data")).await;
    (dir, cli)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedulers_and_resumes_killed_at_random_publish_every_draft_exactly_once() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let (dir, cli) = connected(&sandbox).await;

    // Eight posts scheduled for the same moment, a few seconds ahead.
    let picture = dir.path().join("p.jpg");
    write_jpeg(&picture, 640, 640);
    let due = chrono::Utc::now() + chrono::Duration::seconds(6);
    let when = due.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let captions: Vec<String> = (1..=8).map(|i| format!("claim test {i}")).collect();
    let mut scheduling = Vec::new();
    for caption in &captions {
        let picture = picture.to_str().expect("utf-8");
        let args = [
            "publish",
            "--image",
            picture,
            "--caption",
            caption,
            "--schedule",
            &when,
        ];
        let mut command = command(&cli, &args);
        scheduling.push(tokio::task::spawn_blocking(move || {
            command.output().expect("run")
        }));
    }
    for s in scheduling {
        let out = s.await.expect("join");
        assert!(out.status.success(), "schedule: {}", stderr(&out));
    }
    let drafts = draft_states(&cli).await;
    assert_eq!(drafts.len(), 8, "{drafts:?}");
    assert!(drafts.iter().all(|(_, s)| s == "scheduled"), "{drafts:?}");
    let wait = (due - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(300)).await;

    // A slow, faulty Meta; four schedulers and two resumes at once; two of them killed.
    sandbox.control().set_latency_ms(150);
    sandbox.control().set_fail_rate(0.05);
    let (first, second) = (drafts[0].0.to_string(), drafts[1].0.to_string());
    let mut children: Vec<Child> = (0..4).map(|_| spawn(&cli, &["run-scheduler"])).collect();
    children.push(spawn(&cli, &["publish", "resume", &first]));
    children.push(spawn(&cli, &["publish", "resume", &second]));
    let mut rng = rand::rng();
    for victim in [0usize, 4] {
        tokio::time::sleep(Duration::from_millis(rng.random_range(300..2500))).await;
        children[victim].kill().expect("SIGKILL");
    }
    for mut child in children {
        tokio::task::spawn_blocking(move || child.wait())
            .await
            .expect("join")
            .expect("wait");
    }

    // The user finishes the rest: the scheduler takes over expired claims, failed drafts
    // are published again.
    sandbox.control().set_fail_rate(0.0);
    let deadline = Instant::now() + Duration::from_mins(2);
    loop {
        let states = draft_states(&cli).await;
        if states.iter().all(|(_, s)| s == "published") {
            break;
        }
        assert!(Instant::now() < deadline, "drafts left: {states:?}");
        tokio::time::sleep(Duration::from_secs(2)).await;
        let _ = run(&cli, &["run-scheduler"]).await;
        for (id, state) in draft_states(&cli).await {
            if state == "failed" {
                let _ = run(&cli, &["publish", "resume", &id.to_string()]).await;
            }
        }
    }

    let counts = posts_by_caption(&sandbox, cli.token()).await;
    for caption in &captions {
        assert_eq!(
            counts.get(caption).copied().unwrap_or(0),
            1,
            "{caption} must be posted exactly once: {counts:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_post_twice_within_a_day_asks_first() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let (dir, cli) = connected(&sandbox).await;
    let picture = dir.path().join("p.jpg");
    write_jpeg(&picture, 800, 800);
    let picture = picture.to_str().expect("utf-8");
    let args = ["publish", "--image", picture, "--caption", "Once is enough"];
    let first = run(&cli, &args).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let again = run(&cli, &args).await;
    assert!(
        !again.status.success(),
        "the second identical post is held back"
    );
    let message = stderr(&again);
    assert!(
        message.contains("the same pictures and caption were published")
            && message.contains("--allow-duplicate"),
        "{message}"
    );
    let counts = posts_by_caption(&sandbox, cli.token()).await;
    assert_eq!(counts.get("Once is enough"), Some(&1));
    // Another caption is another post; the flag posts the same one deliberately.
    let other = run(&cli, &["publish", "--image", picture, "--caption", "Twice"]).await;
    assert!(other.status.success(), "{}", stderr(&other));
    let mut forced = args.to_vec();
    forced.push("--allow-duplicate");
    let out = run(&cli, &forced).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let counts = posts_by_caption(&sandbox, cli.token()).await;
    assert_eq!(counts.get("Once is enough"), Some(&2));
}
