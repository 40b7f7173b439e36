//! "Never twice" across processes: several real `socialdesk` processes (schedulers and
//! resumes) on one data folder, against a slow and faulty standalone sandbox, some killed
//! with SIGKILL mid-way; the rest finished as a user would. Every draft is then counted
//! through the Graph API: exactly one post each.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;
use socialdesk::sandbox::{Sandbox, SandboxOptions};

use crate::support::cli::{stderr, stdout, write_jpeg};
use crate::support::raw::get_json;

/// A short lease so a killed owner's drafts are taken over within the test.
const LEASE_SECS: &str = "2";

fn command(args: &[&str], meta_url: &url::Url, data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_socialdesk"));
    command
        .args(args)
        .args(["--meta-url", meta_url.as_str()])
        .arg("--data-dir")
        .arg(data)
        .env_remove("SOCIALDESK_SANDBOX")
        .env_remove("SOCIALDESK_GRAPH_URL")
        .env("RUST_LOG", "warn")
        .env("SOCIALDESK_PUBLISH_LEASE_SECS", LEASE_SECS)
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
    command
}

async fn run(args: &[&str], meta_url: &url::Url, data: &Path, token: Option<&str>) -> Output {
    let mut command = command(args, meta_url, data);
    if let Some(token) = token {
        command.env("SOCIALDESK_TOKEN", token);
    }
    tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("run socialdesk")
}

fn spawn(args: &[&str], meta_url: &url::Url, data: &Path) -> Child {
    command(args, meta_url, data)
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
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    counts
}

/// Drafts by state, from `publish drafts` (id, kind, state, …).
async fn draft_states(meta_url: &url::Url, data: &Path) -> Vec<(i64, String)> {
    let out = run(&["publish", "drafts"], meta_url, data, None).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedulers_and_resumes_killed_at_random_publish_every_draft_exactly_once() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let token = sandbox
        .control()
        .mint_token(
            "instagram",
            "northwind.coffee",
            &[
                "instagram_business_basic",
                "instagram_business_content_publish",
            ],
        )
        .expect("token");
    let meta = sandbox.url();
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let out = run(
        &["accounts", "add", "--login", "instagram"],
        &meta,
        &data,
        Some(&token),
    )
    .await;
    assert!(out.status.success(), "accounts add: {}", stderr(&out));
    let hosting = meta.to_string();
    let out = run(
        &["publish", "hosting", "--sandbox-url", &hosting],
        &meta,
        &data,
        None,
    )
    .await;
    assert!(out.status.success(), "hosting: {}", stderr(&out));

    // Eight posts scheduled for the same moment, a few seconds ahead.
    let picture = dir.path().join("p.jpg");
    write_jpeg(&picture, 640, 640);
    let due = chrono::Utc::now() + chrono::Duration::seconds(6);
    let when = due.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let captions: Vec<String> = (1..=8).map(|i| format!("claim test {i}")).collect();
    let mut scheduling = Vec::new();
    for caption in &captions {
        let (meta, data, picture, caption, when) = (
            meta.clone(),
            data.clone(),
            picture.clone(),
            caption.clone(),
            when.clone(),
        );
        scheduling.push(tokio::task::spawn_blocking(move || {
            command(
                &[
                    "publish",
                    "--image",
                    picture.to_str().expect("utf-8"),
                    "--caption",
                    &caption,
                    "--schedule",
                    &when,
                ],
                &meta,
                &data,
            )
            .output()
            .expect("run")
        }));
    }
    for s in scheduling {
        let out = s.await.expect("join");
        assert!(out.status.success(), "schedule: {}", stderr(&out));
    }
    let drafts = draft_states(&meta, &data).await;
    assert_eq!(drafts.len(), 8, "{drafts:?}");
    assert!(drafts.iter().all(|(_, s)| s == "scheduled"), "{drafts:?}");
    let wait = (due - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(300)).await;

    // A slow, faulty Meta; four schedulers and two resumes at once; two of them killed.
    sandbox.control().set_latency_ms(150);
    sandbox.control().set_fail_rate(0.05);
    let (first, second) = (drafts[0].0.to_string(), drafts[1].0.to_string());
    let mut children: Vec<Child> = (0..4)
        .map(|_| spawn(&["run-scheduler"], &meta, &data))
        .collect();
    children.push(spawn(&["publish", "resume", &first], &meta, &data));
    children.push(spawn(&["publish", "resume", &second], &meta, &data));
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
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let states = draft_states(&meta, &data).await;
        if states.iter().all(|(_, s)| s == "published") {
            break;
        }
        assert!(Instant::now() < deadline, "drafts left: {states:?}");
        tokio::time::sleep(Duration::from_secs(2)).await;
        let _ = run(&["run-scheduler"], &meta, &data, None).await;
        for (id, state) in draft_states(&meta, &data).await {
            if state == "failed" {
                let _ = run(&["publish", "resume", &id.to_string()], &meta, &data, None).await;
            }
        }
    }

    let counts = posts_by_caption(&sandbox, &token).await;
    for caption in &captions {
        assert_eq!(
            counts.get(caption).copied().unwrap_or(0),
            1,
            "{caption} must be posted exactly once: {counts:?}"
        );
    }
}
