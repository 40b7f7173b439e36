//! `socialdesk hashtag NAME` and `socialdesk discover USERNAME`: Hashtag Search and Business
//! Discovery from the command line (Facebook Login accounts only).
//!
//! `hashtag` checks the local copy of Meta's 30-hashtags-per-7-days budget before calling
//! Meta, prints the top (or `--recent`) media as a table and the budget as the last line;
//! `discover` prints another account's profile and its newest posts. Both follow the usual
//! output rules (`--json` one document, `--limit` with a "… more" line).

use std::sync::Arc;

use anyhow::Result;
use clap::Args;
use serde_json::json;

use crate::engine::Core;
use crate::engine::research::HASHTAG_MEDIA_LIMIT;
use crate::graph::hashtags::{HashtagEdge, MEDIA_PAGE_MAX};

use super::output::{DEFAULT_LIMIT, cut, print_json, print_more, thousands};
use super::pick_account;

/// `socialdesk hashtag NAME`.
#[derive(Debug, Args)]
pub struct HashtagArgs {
    /// The hashtag, with or without '#'.
    pub name: String,
    /// The media of the last 24 hours, newest first (default: the most popular).
    #[arg(long)]
    pub recent: bool,
    /// Account id or @username to search as (default: the active account).
    #[arg(long)]
    pub account: Option<String>,
    /// Print JSON: the hashtag, its media and the budget.
    #[arg(long)]
    pub json: bool,
    /// Media to print (at most 50 are read from Meta).
    #[arg(long, default_value_t = HASHTAG_MEDIA_LIMIT)]
    pub limit: usize,
}

/// `socialdesk discover USERNAME`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// The other account's username, with or without '@'.
    pub username: String,
    /// Account id or @username to look up as (default: the active account).
    #[arg(long)]
    pub account: Option<String>,
    /// Print JSON: the profile and its recent media.
    #[arg(long)]
    pub json: bool,
    /// Recent posts to print.
    #[arg(long, default_value_t = DEFAULT_LIMIT)]
    pub limit: usize,
}

/// Runs `socialdesk hashtag`.
pub async fn hashtag(core: Arc<Core>, args: HashtagArgs) -> Result<()> {
    let account = pick_account(&core, args.account.as_deref()).await?;
    let edge = if args.recent {
        HashtagEdge::Recent
    } else {
        HashtagEdge::Top
    };
    // Read at least the default page, so a small --limit still says how many more there are.
    let read = args.limit.clamp(HASHTAG_MEDIA_LIMIT, MEDIA_PAGE_MAX);
    let mut result = core
        .search_hashtag(&account, &args.name, edge, read)
        .await?;
    let total = result.media.len();
    let left_out = cut(&mut result.media, args.limit.max(1));
    if args.json {
        print_json(&json!({
            "hashtag": { "id": result.hashtag.id, "name": result.name },
            "edge": if args.recent { "recent_media" } else { "top_media" },
            "media": result.media,
            "budget": {
                "used": result.budget.used(),
                "limit": crate::engine::research::BUDGET_LIMIT,
                "next_slot_frees_at": result.budget.next_free.map(|t| t.to_rfc3339()),
                "hashtags": result.budget.counted.iter().map(|s| &s.name).collect::<Vec<_>>(),
            },
        }))?;
        print_more(left_out, "posts", total, true);
        return Ok(());
    }
    println!(
        "#{} — {} media (id {})",
        result.name,
        if args.recent {
            "recent (last 24 h)"
        } else {
            "top"
        },
        result.hashtag.id
    );
    if result.media.is_empty() {
        println!("no posts");
    }
    for m in &result.media {
        println!(
            "{:<20} {:>7} likes {:>5} comments  {}  {}",
            m.timestamp.as_deref().unwrap_or("-"),
            m.like_count
                .map_or("hidden".to_owned(), |n| thousands(n as usize)),
            m.comments_count
                .map_or("-".to_owned(), |n| thousands(n as usize)),
            m.permalink.as_deref().unwrap_or("-"),
            one_line(m.caption.as_deref().unwrap_or(""), 60),
        );
    }
    print_more(left_out, "posts", total, false);
    println!("{}", result.budget.summary());
    Ok(())
}

/// Runs `socialdesk discover`.
pub async fn discover(core: Arc<Core>, args: DiscoverArgs) -> Result<()> {
    let account = pick_account(&core, args.account.as_deref()).await?;
    let mut found = core.discover_account(&account, &args.username).await?;
    let total = found.media.len();
    let left_out = cut(&mut found.media, args.limit.max(1));
    if args.json {
        print_json(&found)?;
        print_more(left_out, "posts", total, true);
        return Ok(());
    }
    let count = |n: Option<u64>| n.map_or("-".to_owned(), |n| thousands(n as usize));
    println!(
        "@{} — {}",
        found.username,
        found.name.as_deref().unwrap_or("")
    );
    println!(
        "{} followers · {} following · {} posts",
        count(found.followers_count),
        count(found.follows_count),
        count(found.media_count)
    );
    if let Some(bio) = found.biography.as_deref().filter(|b| !b.is_empty()) {
        println!("{}", one_line(bio, 100));
    }
    if let Some(site) = found.website.as_deref().filter(|w| !w.is_empty()) {
        println!("{site}");
    }
    for m in &found.media {
        println!(
            "{:<20} {:>7} likes {:>5} comments  {:<14} {}",
            m.timestamp.as_deref().unwrap_or("-"),
            m.like_count
                .map_or("hidden".to_owned(), |n| thousands(n as usize)),
            count(m.comments_count),
            m.media_type.as_deref().unwrap_or("-"),
            one_line(m.caption.as_deref().unwrap_or(""), 60),
        );
    }
    print_more(left_out, "posts", total, false);
    Ok(())
}

/// `text` on one line, cut at `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        format!("{}…", flat.chars().take(max).collect::<String>())
    }
}
