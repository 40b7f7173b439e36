//! `socialdesk comments …`: comment moderation from the command line.

use std::sync::Arc;

use anyhow::Result;
use clap::Subcommand;

use crate::engine::Core;
use crate::engine::comments_ops::unanswered;
use crate::graph::comments::SyncLimits;
use crate::ids::{CommentId, MediaId};
use crate::store::{Mention, MentionKind};

use super::output::{DEFAULT_LIMIT, cut, print_json, print_more};
use super::pick_account;

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
        /// Print JSON (one list) instead of a table.
        #[arg(long)]
        json: bool,
        /// Show the cache without syncing (offline).
        #[arg(long)]
        offline: bool,
        /// At most this many comments (newest first).
        #[arg(long, default_value_t = DEFAULT_LIMIT)]
        limit: usize,
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
    /// List mentions (media that tag or @mention the account, comments that @mention it),
    /// newest first; `reply` and `lookup` act on one.
    #[command(args_conflicts_with_subcommands = true)]
    Mentions {
        #[command(subcommand)]
        action: Option<MentionsAction>,
        #[arg(long)]
        account: Option<String>,
        /// Print JSON (one list) instead of a table.
        #[arg(long)]
        json: bool,
        /// Show the cache without reading Instagram (offline).
        #[arg(long)]
        offline: bool,
        /// At most this many mentions (newest first).
        #[arg(long, default_value_t = DEFAULT_LIMIT)]
        limit: usize,
    },
    /// Delete a comment and its replies.
    Delete {
        id: String,
        #[arg(long)]
        account: Option<String>,
    },
}

/// `comments mentions …` subcommands.
#[derive(Debug, Subcommand)]
pub enum MentionsAction {
    /// Reply to a mention: in the thread of the comment that mentioned the account
    /// (`--comment`), or as a comment on a media whose caption mentioned it (`--media` only).
    /// Ids come from `comments mentions` or a `mentions` webhook. Never posts twice.
    Reply {
        /// The comment that @mentioned the account.
        #[arg(long, required_unless_present = "media")]
        comment: Option<String>,
        /// The media whose caption @mentioned the account (or that the comment is on).
        #[arg(long)]
        media: Option<String>,
        text: String,
        #[arg(long)]
        account: Option<String>,
    },
    /// Look a mention up by the ids a `mentions` webhook carries and keep it in the list.
    Lookup {
        #[arg(long, required_unless_present = "media")]
        comment: Option<String>,
        #[arg(long)]
        media: Option<String>,
        #[arg(long)]
        account: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

fn print_mention(m: &Mention, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(m)?);
    } else {
        let kind = match m.kind {
            MentionKind::Comment => "comment",
            MentionKind::Caption => "caption",
            MentionKind::Tag => "tagged",
        };
        let reply = m
            .reply
            .as_ref()
            .map(|r| format!("  [replied: {}]", r.text))
            .unwrap_or_default();
        println!(
            "{}{}  {kind}  {}  @{}{}: {}{reply}  {}",
            m.media_id,
            m.comment_id
                .as_ref()
                .map(|c| format!(" / {c}"))
                .unwrap_or_default(),
            m.timestamp.format("%Y-%m-%d %H:%M"),
            m.username,
            m.like_count.map(|n| format!(" ♥{n}")).unwrap_or_default(),
            m.text.replace('\n', " "),
            m.permalink.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

async fn run_mentions(core: &Core, action: MentionsAction) -> Result<()> {
    match action {
        MentionsAction::Reply {
            comment,
            media,
            text,
            account,
        } => {
            let account = pick_account(core, account.as_deref()).await?;
            let comment = comment.map(CommentId::from);
            let media = media.map(MediaId::from);
            // Use the cached mention when there is one; otherwise read it by id first.
            let cached = match (&comment, &media) {
                (Some(c), _) => core.cached_comment_mention(&account, c).await?,
                (None, Some(m)) => core
                    .cached_mentions(&account)
                    .await?
                    .into_iter()
                    .find(|x| &x.media_id == m && x.comment_id.is_none()),
                (None, None) => None,
            };
            let mention = match cached {
                Some(m) => m,
                None => {
                    core.lookup_mention(&account, comment.as_ref(), media.as_ref())
                        .await?
                }
            };
            let done = core
                .reply_to_mention(
                    &account,
                    &mention.media_id,
                    mention.comment_id.as_ref(),
                    &text,
                )
                .await?;
            match done.reply {
                Some(r) => println!("replied: {}", r.id),
                None => println!("replied"),
            }
            Ok(())
        }
        MentionsAction::Lookup {
            comment,
            media,
            account,
            json,
        } => {
            let account = pick_account(core, account.as_deref()).await?;
            let m = core
                .lookup_mention(
                    &account,
                    comment.map(CommentId::from).as_ref(),
                    media.map(MediaId::from).as_ref(),
                )
                .await?;
            print_mention(&m, json)
        }
    }
}

/// Runs one subcommand against the engine core.
pub async fn run(core: Arc<Core>, command: CommentsCommand) -> Result<()> {
    match command {
        CommentsCommand::List {
            account,
            unanswered: only_unanswered,
            json,
            offline,
            limit,
        } => {
            let account = pick_account(&core, account.as_deref()).await?;
            if !offline {
                core.sync_comments(&account, SyncLimits::default()).await?;
            }
            let (comments, _, _) = core.cached_inbox(&account).await?;
            let open = unanswered(&comments, &account.username);
            let mut shown: Vec<_> = comments
                .iter()
                .filter(|c| {
                    !only_unanswered
                        || (c.comment.parent_id.is_none()
                            && c.comment.username != account.username
                            && open.get(&c.comment.id).copied().unwrap_or(false))
                })
                .collect();
            let total = shown.len();
            let left_out = cut(&mut shown, limit);
            if json {
                print_json(&shown)?;
            } else {
                for c in &shown {
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
            print_more(left_out, "comments", total, json);
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
        CommentsCommand::Mentions {
            action: Some(action),
            ..
        } => run_mentions(&core, action).await,
        CommentsCommand::Mentions {
            action: None,
            account,
            json,
            offline,
            limit,
        } => {
            let account = pick_account(&core, account.as_deref()).await?;
            let mut mentions = if offline {
                core.cached_mentions(&account).await?
            } else {
                core.refresh_mentions(&account).await?
            };
            let total = mentions.len();
            let left_out = cut(&mut mentions, limit);
            if json {
                print_json(&mentions)?;
            } else {
                for m in &mentions {
                    print_mention(m, false)?;
                }
            }
            print_more(left_out, "mentions", total, json);
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
