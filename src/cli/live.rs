//! `socialdesk live`: the broadcast on air and its latest comments.
//!
//! Meta serves a live media only while it is broadcast, so this prints "nothing on air"
//! most of the time. In the demo world (`--sandbox`) `--demo-start` and `--demo-end` start
//! and end a broadcast of the demo account, so the command can be tried; the broadcast is
//! kept with the data folder's sandbox world, and viewers' comments keep arriving on it.

use std::sync::Arc;

use anyhow::{Result, bail};
use clap::Args;

use crate::engine::Core;

use super::output::{cut, print_json, print_more};
use super::pick_account;

/// `socialdesk live` options.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// @username or id (default: the active account).
    #[arg(long)]
    pub account: Option<String>,
    /// Print JSON: `{"live": null}` or `{"live": {media, comments}}`.
    #[arg(long)]
    pub json: bool,
    /// At most this many of the latest comments.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Demo world only (`--sandbox`): start a broadcast on the account first.
    #[arg(long, conflicts_with = "demo_end")]
    pub demo_start: bool,
    /// Demo world only (`--sandbox`): end the broadcast on air first.
    #[arg(long)]
    pub demo_end: bool,
}

/// Runs `socialdesk live`.
pub async fn run(core: Arc<Core>, args: LiveArgs) -> Result<()> {
    let account = pick_account(&core, args.account.as_deref()).await?;
    if args.demo_start || args.demo_end {
        let Some(sandbox) = core.sandbox() else {
            bail!(
                "--demo-start and --demo-end work only in the demo world: add --sandbox (Instagram starts real broadcasts in its app)"
            );
        };
        let control = sandbox.control();
        if args.demo_start {
            let every = std::time::Duration::from_secs(3);
            if control.start_live(&account.username, every).is_none() {
                bail!("@{} is not a demo account", account.username);
            }
        } else {
            control.end_live();
        }
    }
    let live = core.current_live(&account).await?;
    let Some(mut live) = live else {
        if args.json {
            print_json(&serde_json::json!({ "account": account.username, "live": null }))?;
        } else {
            println!("@{}: nothing on air", account.username);
        }
        return Ok(());
    };
    let total = live.comments.len();
    // The latest comments: cut from the front, keep oldest-first order.
    live.comments.reverse();
    let left_out = cut(&mut live.comments, args.limit);
    live.comments.reverse();
    if args.json {
        print_json(&serde_json::json!({ "account": account.username, "live": live }))?;
    } else {
        println!(
            "@{} is LIVE (media {}, since {}) — {total} comments",
            account.username,
            live.media.id,
            live.media.timestamp.format("%Y-%m-%d %H:%M UTC")
        );
        for c in &live.comments {
            let hidden = if c.hidden { " (hidden)" } else { "" };
            println!(
                "{}  {}  @{}: {}{hidden}",
                c.timestamp.format("%H:%M:%S"),
                c.id,
                c.username,
                c.text
            );
        }
    }
    print_more(left_out, "comments", total, args.json);
    Ok(())
}
