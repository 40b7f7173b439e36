//! `socialdesk dm …`: Instagram Direct messages from the command line — list the inbox,
//! show a conversation, send a message (text or image URL, optionally as a human agent).

use std::fmt::Write as _;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use crate::engine::Core;
use crate::engine::dms::{self, DmSummary, SendWindow};
use crate::graph::messages::{DmAttachment, DmMessage, OutgoingMessage};
use crate::model::Account;

use super::output::{DEFAULT_LIMIT, cut, print_json, print_more};

/// The `dm` subcommands.
#[derive(Debug, Subcommand)]
pub enum DmCommand {
    /// List conversations, most recent first (syncs first).
    List(ListArgs),
    /// Print the messages of a conversation (by id or the person's @username).
    Show(ShowArgs),
    /// Send a message to a person (@username or IGSID) or a conversation id.
    Send(SendArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// @username or id of the account (default: the active account).
    #[arg(long)]
    pub account: Option<String>,
    /// Print JSON instead of lines.
    #[arg(long)]
    pub json: bool,
    /// At most this many conversations (most recent first).
    #[arg(long, default_value_t = DEFAULT_LIMIT)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Conversation id, or the person's @username.
    pub conversation: String,
    #[arg(long)]
    pub account: Option<String>,
    /// Print JSON (the conversation, its messaging window and its messages).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The person's @username or IGSID, or a conversation id.
    pub to: String,
    /// The text to send.
    pub text: Option<String>,
    /// A picture to send: a public URL, or a JPEG/PNG file (hosted like the Composer's).
    #[arg(long)]
    pub image: Option<String>,
    /// Send as a human agent (HUMAN_AGENT tag): a reply a person wrote, 24 h – 7 days after
    /// the person's last message.
    #[arg(long)]
    pub human_agent: bool,
    #[arg(long)]
    pub account: Option<String>,
}

/// Runs one subcommand against the engine core.
pub async fn run(core: Arc<Core>, command: DmCommand) -> Result<()> {
    match command {
        DmCommand::List(args) => {
            let (account, mut inbox) = synced(&core, args.account.as_deref()).await?;
            let total = inbox.len();
            let left_out = cut(&mut inbox, args.limit);
            if args.json {
                let rows: Vec<serde_json::Value> = inbox.iter().map(summary_json).collect();
                print_json(&rows)?;
            } else if inbox.is_empty() {
                println!("@{} has no conversations.", account.username);
            } else {
                for s in &inbox {
                    println!("{}", summary_line(s));
                }
            }
            print_more(left_out, "conversations", total, args.json);
        }
        DmCommand::Show(args) => {
            let (account, inbox) = synced(&core, args.account.as_deref()).await?;
            let summary = find(&inbox, &args.conversation)?;
            let (id, conv) = (account.id.clone(), summary.conversation.id.clone());
            let messages = core.with_store(move |s| s.dm_messages(&id, &conv)).await?;
            if args.json {
                let messages: Vec<serde_json::Value> = messages.iter().map(message_json).collect();
                return print_json(&serde_json::json!({
                    "conversation": summary_json(summary),
                    "window_description": summary.window.describe(),
                    "messages": messages,
                }));
            }
            println!("{}", summary_line(summary));
            println!("{}", summary.window.describe());
            let unreadable = messages.iter().filter(|m| !m.readable).count();
            if unreadable > 0 {
                println!(
                    "({unreadable} older messages are listed by Instagram but cannot be read: only the 20 most recent are)"
                );
            }
            for m in messages.iter().filter(|m| m.readable) {
                let who = m
                    .from
                    .as_ref()
                    .map(|f| f.username.clone().unwrap_or_else(|| f.id.clone()))
                    .unwrap_or_default();
                let time = m
                    .created_time
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default();
                let mut body = m.text.clone().unwrap_or_default();
                for a in &m.attachments {
                    let (kind, url) = match a {
                        DmAttachment::Image { url } => ("image", url),
                        DmAttachment::Video { url } => ("video", url),
                        DmAttachment::Share { url } => ("share", url),
                    };
                    let _ = write!(body, " [{kind}: {url}]");
                }
                println!("{time}  @{who}: {body}");
            }
        }
        DmCommand::Send(args) => {
            if args.text.is_none() && args.image.is_none() {
                bail!("nothing to send: give the text, or --image URL");
            }
            let (account, inbox) = synced(&core, args.account.as_deref()).await?;
            let summary = find(&inbox, &args.to)?;
            let queued = |m: String| eprintln!("{m}");
            let mut parts = Vec::new();
            if let Some(text) = args.text {
                parts.push(OutgoingMessage {
                    text: Some(text),
                    image_url: None,
                    human_agent: args.human_agent,
                });
            }
            if let Some(source) = args.image {
                let url = if dms::is_local_file(&source) {
                    dms::host_image_file(&core, std::path::Path::new(&source)).await?
                } else {
                    source
                };
                parts.push(OutgoingMessage {
                    text: None,
                    image_url: Some(url),
                    human_agent: args.human_agent,
                });
            }
            for part in parts {
                let outcome =
                    dms::send_message(&core, &account, &summary.conversation.id, part, &queued)
                        .await?;
                let id = outcome.message_id.map(|m| m.0).unwrap_or_default();
                if outcome.confirmed_after_lost_answer {
                    println!("sent (confirmed in the conversation after a lost answer) {id}");
                } else {
                    println!("sent {id}");
                }
            }
        }
    }
    Ok(())
}

async fn account_for(core: &Core, key: Option<&str>) -> Result<Account> {
    super::pick_account(core, key).await
}

/// Syncs the inbox and returns it.
async fn synced(core: &Core, key: Option<&str>) -> Result<(Account, Vec<DmSummary>)> {
    let account = account_for(core, key).await?;
    let queued = |m: String| eprintln!("{m}");
    dms::sync_account(core, &account, &queued)
        .await
        .context("could not sync the inbox")?;
    let inbox = dms::inbox(core, &account.id).await?;
    Ok((account, inbox))
}

/// A conversation by id, @username or IGSID.
fn find<'a>(inbox: &'a [DmSummary], key: &str) -> Result<&'a DmSummary> {
    let name = key.trim_start_matches('@');
    inbox
        .iter()
        .find(|s| {
            let c = &s.conversation;
            c.id.0 == key
                || c.person.as_ref().is_some_and(|p| {
                    p.id == name || p.username.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(name))
                })
        })
        .with_context(|| {
            format!(
                "no conversation with {key}: Instagram lets a business write only to people who wrote first; see `socialdesk dm list`"
            )
        })
}

fn window_word(w: &SendWindow) -> String {
    match w {
        SendWindow::Standard { closes_at } => {
            format!("open until {}", closes_at.format("%Y-%m-%d %H:%M UTC"))
        }
        SendWindow::HumanAgent { closes_at } => format!(
            "human agent only until {}",
            closes_at.format("%Y-%m-%d %H:%M UTC")
        ),
        SendWindow::Closed { .. } => "closed".to_owned(),
    }
}

fn summary_line(s: &DmSummary) -> String {
    let c = &s.conversation;
    let who = c.person.as_ref().map_or_else(
        || "?".into(),
        |p| p.username.clone().unwrap_or_else(|| p.id.clone()),
    );
    format!(
        "{} @{:<20} {} {:<16} [{}] {}",
        if s.unread { "●" } else { " " },
        who,
        c.last_time
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default(),
        c.id.0,
        window_word(&s.window),
        c.last_text.clone().unwrap_or_default()
    )
}

/// One message for `dm show --json`; an unreadable one has only its id and time.
fn message_json(m: &DmMessage) -> serde_json::Value {
    serde_json::json!({
        "id": m.id.0,
        "created_time": m.created_time,
        "from": m.from,
        "text": m.text,
        "attachments": m.attachments,
        "readable": m.readable,
    })
}

fn summary_json(s: &DmSummary) -> serde_json::Value {
    let c = &s.conversation;
    serde_json::json!({
        "id": c.id.0,
        "person": c.person,
        "updated_time": c.updated_time,
        "last_text": c.last_text,
        "unread": s.unread,
        "window": window_word(&s.window),
    })
}
