//! `socialdesk comments …`: comment moderation from the command line.

use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Subcommand;

use crate::engine::Core;
use crate::engine::comments_ops::unanswered;
use crate::graph::comments::SyncLimits;
use crate::ids::CommentId;

/// `comments mentions` lists at most this many tagged media.
const MAX_MENTIONS: usize = 500;

/// The `comments` subcommands.
#[derive(Debug, Subcommand)]
pub enum CommentsCommand {
    /// Sync, then list the inbox (newest first).
    List {
        /// Account username or id (default: the active account).
        #[arg(long)]
        account: Option<String>,
        /// Only top-level comments the account has not replied to.
        #[arg(long)]
        unanswered: bool,
        /// Print JSON lines instead of a table.
        #[arg(long)]
        json: bool,
        /// Show the cache without syncing (offline).
        #[arg(long)]
        offline: bool,
    },
    /// Reply in a comment's thread.
    Reply {
        id: String,
        text: String,
        #[arg(long)]
        account: Option<String>,
    },
    /// Hide a comment (`--undo` unhides it).
    Hide {
        id: String,
        #[arg(long)]
        undo: bool,
        #[arg(long)]
        account: Option<String>,
    },
    /// List media where the account is tagged (other people's posts), newest first.
    Mentions {
        #[arg(long)]
        account: Option<String>,
        /// Print JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Delete a comment and its replies.
    Delete {
        id: String,
        #[arg(long)]
        account: Option<String>,
    },
}

async fn pick_account(core: &Core, key: Option<&str>) -> Result<crate::model::Account> {
    if let Some(key) = key {
        return Ok(core.find_account(key).await?);
    }
    let active = core.active_account().await?;
    let accounts = core.accounts().await?;
    active
        .and_then(|id| accounts.iter().find(|a| a.id == id).cloned())
        .or_else(|| accounts.into_iter().next())
        .context("no account is connected: run `socialdesk accounts add` first")
}

/// Runs one subcommand against the engine core.
pub async fn run(core: Arc<Core>, command: CommentsCommand) -> Result<()> {
    match command {
        CommentsCommand::List {
            account,
            unanswered: only_unanswered,
            json,
            offline,
        } => {
            let account = pick_account(&core, account.as_deref()).await?;
            if !offline {
                core.sync_comments(&account, SyncLimits::default()).await?;
            }
            let (comments, _, _) = core.cached_inbox(&account).await?;
            let open = unanswered(&comments, &account.username);
            for c in comments.iter().filter(|c| {
                !only_unanswered
                    || (c.comment.parent_id.is_none()
                        && c.comment.username != account.username
                        && open.get(&c.comment.id).copied().unwrap_or(false))
            }) {
                if json {
                    println!("{}", serde_json::to_string(c)?);
                } else {
                    println!(
                        "{}  {}  @{}{}{}: {}",
                        c.comment.id,
                        c.comment.timestamp.format("%Y-%m-%d %H:%M"),
                        c.comment.username,
                        if c.comment.hidden { " [hidden]" } else { "" },
                        if c.comment.parent_id.is_some() {
                            " [reply]"
                        } else {
                            ""
                        },
                        c.comment.text.replace('\n', " ")
                    );
                }
            }
            Ok(())
        }
        CommentsCommand::Reply { id, text, account } => {
            let account = pick_account(&core, account.as_deref()).await?;
            let reply = core
                .reply_to_comment(&account, &CommentId::from(id), &text)
                .await?;
            println!("replied: {}", reply.id);
            Ok(())
        }
        CommentsCommand::Hide { id, undo, account } => {
            let account = pick_account(&core, account.as_deref()).await?;
            core.set_comment_hidden(&account, &CommentId::from(id.clone()), !undo)
                .await?;
            println!("{} {id}", if undo { "unhid" } else { "hid" });
            Ok(())
        }
        CommentsCommand::Mentions { account, json } => {
            let account = pick_account(&core, account.as_deref()).await?;
            let media = core.tagged_media(&account, MAX_MENTIONS).await?;
            for m in &media {
                if json {
                    let line = serde_json::json!({
                        "id": m.id,
                        "username": m.username,
                        "caption": m.caption,
                        "timestamp": m.timestamp,
                        "permalink": m.permalink,
                        "media_url": m.media_url,
                        "comments_count": m.comments_count,
                        "like_count": m.like_count,
                    });
                    println!("{line}");
                } else {
                    println!(
                        "{}  {}  @{}: {}  {}",
                        m.id,
                        m.timestamp.format("%Y-%m-%d %H:%M"),
                        m.username.as_deref().unwrap_or("unknown"),
                        m.caption.as_deref().unwrap_or("").replace('\n', " "),
                        m.permalink.as_deref().unwrap_or("")
                    );
                }
            }
            Ok(())
        }
        CommentsCommand::Delete { id, account } => {
            let account = pick_account(&core, account.as_deref()).await?;
            core.delete_comment(&account, &CommentId::from(id.clone()))
                .await?;
            println!("deleted {id}");
            Ok(())
        }
    }
}
