//! `socialdesk competitors …`: competitors tracked over time (Facebook Login accounts).
//!
//! `add` looks the account up through Business Discovery before tracking it (so a typo or a
//! personal account is refused with Meta's reason) and keeps that lookup as today's
//! snapshot; `snapshot` takes today's snapshot of every tracked competitor and of the
//! account itself, naming each one that failed; `list` compares the latest figures;
//! `history` prints one competitor's days. `--json` prints one document, as everywhere.

use std::sync::Arc;

use anyhow::{Result, bail};
use clap::Subcommand;
use serde_json::json;

use crate::engine::Core;
use crate::store::CompetitorSnapshot;

use super::output::{print_json, thousands};
use super::pick_account;

#[derive(Debug, Subcommand)]
pub enum CompetitorsCommand {
    /// Track an account (looks it up and takes its first snapshot).
    Add {
        /// The competitor's username, with or without '@'.
        username: String,
        /// Account id or @username to track it for (default: the active account).
        #[arg(long)]
        account: Option<String>,
    },
    /// Stop tracking an account and forget its snapshots.
    Remove {
        username: String,
        #[arg(long)]
        account: Option<String>,
    },
    /// The tracked accounts' latest figures beside your own.
    List {
        #[arg(long)]
        account: Option<String>,
        /// Print JSON: your own latest snapshot and every competitor with its history.
        #[arg(long)]
        json: bool,
    },
    /// Take today's snapshot of every tracked account (one per day; again replaces it).
    Snapshot {
        #[arg(long)]
        account: Option<String>,
    },
    /// One tracked account's snapshots, oldest day first.
    History {
        username: String,
        #[arg(long)]
        account: Option<String>,
        /// Print JSON: the snapshots as an array.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `socialdesk competitors`.
pub async fn run(core: Arc<Core>, command: CompetitorsCommand) -> Result<()> {
    match command {
        CompetitorsCommand::Add { username, account } => {
            let account = pick_account(&core, account.as_deref()).await?;
            let s = core.add_competitor(&account, &username).await?;
            println!("tracking @{}", s.username);
            println!("{}", header());
            println!("{}", row(&s.username, Some(&s)));
        }
        CompetitorsCommand::Remove { username, account } => {
            let account = pick_account(&core, account.as_deref()).await?;
            core.remove_competitor(&account.id, &username).await?;
            println!(
                "stopped tracking @{}",
                username.trim().trim_start_matches('@')
            );
        }
        CompetitorsCommand::List { account, json } => {
            let account = pick_account(&core, account.as_deref()).await?;
            let board = core.competitor_board(&account).await?;
            if json {
                return print_json(&board);
            }
            if board.tracked.is_empty() {
                println!(
                    "no competitors tracked: add one with `socialdesk competitors add USERNAME`"
                );
                return Ok(());
            }
            println!("{}", header());
            println!(
                "{}",
                row(&format!("{} (you)", account.username), board.own.as_ref())
            );
            for t in &board.tracked {
                println!("{}", row(&t.username, t.latest()));
            }
        }
        CompetitorsCommand::Snapshot { account } => {
            let account = pick_account(&core, account.as_deref()).await?;
            let failures = core.snapshot_competitors(&account).await?;
            let board = core.competitor_board(&account).await?;
            let today = core.local_today();
            let taken = board
                .tracked
                .iter()
                .filter(|t| t.latest().is_some_and(|s| s.day == today))
                .count();
            println!(
                "{taken} of {} competitors snapshotted for {today}",
                board.tracked.len()
            );
            for f in &failures {
                eprintln!("{f}");
            }
            if !failures.is_empty() {
                bail!("{} snapshot(s) could not be taken", failures.len());
            }
        }
        CompetitorsCommand::History {
            username,
            account,
            json,
        } => {
            let account = pick_account(&core, account.as_deref()).await?;
            let history = core.competitor_history(&account.id, &username).await?;
            if json {
                return print_json(&json!(history));
            }
            println!(
                "{:<12} {:>10} {:>7} {:>9} {:>12}",
                "day", "followers", "posts", "per week", "eng./post"
            );
            for s in &history {
                println!(
                    "{:<12} {:>10} {:>7} {:>9} {:>12}",
                    s.day.to_string(),
                    count(s.followers_count),
                    count(s.media_count),
                    s.posts_last_7_days,
                    engagement(s.engagement_per_post)
                );
            }
        }
    }
    Ok(())
}

fn count(n: Option<u64>) -> String {
    n.map_or("-".to_owned(), |n| {
        thousands(usize::try_from(n).unwrap_or(usize::MAX))
    })
}

fn engagement(e: Option<f64>) -> String {
    e.map_or("-".to_owned(), |e| format!("{e:.1}"))
}

fn header() -> String {
    format!(
        "{:<32} {:>10} {:>7} {:>9} {:>12}  {}",
        "account", "followers", "posts", "per week", "eng./post", "as of"
    )
}

fn row(name: &str, s: Option<&CompetitorSnapshot>) -> String {
    match s {
        Some(s) => format!(
            "{:<32} {:>10} {:>7} {:>9} {:>12}  {}",
            format!("@{name}"),
            count(s.followers_count),
            count(s.media_count),
            s.posts_last_7_days,
            engagement(s.engagement_per_post),
            s.day
        ),
        None => format!("{:<32} no snapshot yet", format!("@{name}")),
    }
}
