//! Instagram Direct: conversations, messages, send windows, private replies.
//!
//! The engine side of the DMs tab: commands from the UI run here as background jobs and
//! answer with [`DmsEvent`]s. A poller re-syncs the inbox of every Instagram-Login account
//! while the app is open (only changed conversations are re-read). Other features call
//! [`send_private_reply`] (or send [`DmsCommand::PrivateReply`]) to answer a commenter in DM.
//!
//! Submodules: `sync` (inbox sync and cache), `send` (sends, lost answers, private replies),
//! `image` (hosting a picture file before sending it),
//! `window` (24 h / 7 day rules), `limiter` (Meta's per-account call limits).

mod image;
mod limiter;
mod send;
mod sync;
mod window;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use thiserror::Error;

pub use image::{host_image_file, is_local_file};
pub use limiter::Limit;
pub use send::{
    PrivateReplyOutcome, PrivateReplyRequest, SendOutcome, send_message, send_private_reply,
};
pub use sync::sync_account;
pub use window::SendWindow;

use super::core::{Core, EngineError};
use super::handle::EventSender;
use super::protocol::Event;
use crate::graph::messages::{ConversationId, DmMessage, OutgoingMessage};
use crate::ids::{CommentId, IgUserId};
use crate::model::{Account, AccountStatus, LoginKind};
use crate::store::CachedConversation;

/// How often the inbox is re-synced while the app is open.
const POLL_EVERY: Duration = Duration::from_secs(30);

/// What the DMs tab asks the engine to do.
#[derive(Clone, Debug)]
pub enum DmsCommand {
    /// Show the cached inbox at once, then sync it.
    Refresh(IgUserId),
    /// Show a conversation (cache first, then re-read) and mark it read.
    Open {
        account: IgUserId,
        conversation: ConversationId,
    },
    /// Send a message in a conversation.
    Send {
        account: IgUserId,
        conversation: ConversationId,
        text: String,
        /// A public image URL, or a local JPEG/PNG file (hosted first), sent as an attachment.
        image_url: Option<String>,
        /// Tag as `HUMAN_AGENT` (a person's reply between 24 h and 7 days).
        human_agent: bool,
    },
    /// Answer a commenter in DM (from Comments or a post's detail).
    PrivateReply {
        account: IgUserId,
        request: PrivateReplyRequest,
    },
}

/// One row of the conversation list.
#[derive(Clone, Debug, PartialEq)]
pub struct DmSummary {
    pub conversation: CachedConversation,
    pub window: SendWindow,
    pub unread: bool,
}

/// What the engine tells the DMs tab.
#[derive(Clone, Debug)]
pub enum DmsEvent {
    /// The inbox of an account, most recent first.
    Conversations {
        account: IgUserId,
        conversations: Vec<DmSummary>,
        from_cache: bool,
    },
    /// The messages of a conversation, oldest first.
    Thread {
        account: IgUserId,
        conversation: ConversationId,
        messages: Vec<DmMessage>,
        window: SendWindow,
    },
    /// A message went out (the thread follows as a `Thread` event).
    Sent {
        account: IgUserId,
        conversation: ConversationId,
        /// True when the answer was lost but the message was found in the conversation.
        confirmed_after_lost_answer: bool,
    },
    /// A message was not sent; `message` names the cause and the fix.
    SendFailed {
        account: IgUserId,
        conversation: ConversationId,
        text: String,
        message: String,
    },
    /// A call waits for Meta's rate limit; shown instead of failing.
    Queued { account: IgUserId, message: String },
    PrivateReplySent {
        account: IgUserId,
        comment: CommentId,
        conversation: Option<ConversationId>,
    },
    PrivateReplyFailed {
        account: IgUserId,
        comment: CommentId,
        message: String,
    },
    /// A sync or read failed; what is shown stays shown.
    Failed { account: IgUserId, message: String },
}

/// Why a DM action did not happen, worded for the user.
#[derive(Debug, Error)]
pub enum DmError {
    #[error(transparent)]
    Engine(Box<EngineError>),
    #[error(
        "@{0} is connected with Facebook Login; DMs here need Instagram Login: connect the account again with Instagram Login in Accounts"
    )]
    NotInstagramLogin(String),
    #[error("the message is empty: type some text or choose an image")]
    EmptyMessage,
    #[error(
        "conversation {0} is not in the inbox: refresh the DMs tab (or run `socialdesk dm list`)"
    )]
    UnknownConversation(String),
    #[error("{}", window_closed(person, last_inbound.as_ref()))]
    WindowClosed {
        person: String,
        last_inbound: Option<DateTime<Utc>>,
    },
    #[error("{}", outside_window(person, window, meta))]
    OutsideWindow {
        person: String,
        window: SendWindow,
        meta: String,
    },
    #[error(
        "a private reply to this comment was already sent ({}); Instagram allows one per comment, and more only after the person answers",
        at.format("%Y-%m-%d %H:%M UTC")
    )]
    PrivateReplyAlreadySent { at: DateTime<Utc> },
    #[error(
        "the comment is from {}, more than 7 days ago: Instagram allows private replies only within 7 days of the comment",
        comment_time.format("%Y-%m-%d %H:%M UTC")
    )]
    PrivateReplyTooLate { comment_time: DateTime<Utc> },
    #[error("could not read the picture {path}: {reason}")]
    ImageFile { path: String, reason: String },
    #[error("could not host the picture for sending: {0}")]
    Hosting(String),
    #[error(
        "the answer to the send was lost ({0}) and the message could not be confirmed in the conversation: check the conversation before sending again"
    )]
    SendUnconfirmed(String),
}

impl From<EngineError> for DmError {
    fn from(e: EngineError) -> Self {
        Self::Engine(Box::new(e))
    }
}

impl From<crate::graph::GraphError> for DmError {
    fn from(e: crate::graph::GraphError) -> Self {
        EngineError::Graph(e).into()
    }
}

impl From<crate::store::StoreError> for DmError {
    fn from(e: crate::store::StoreError) -> Self {
        EngineError::Store(e).into()
    }
}

fn window_closed(person: &str, last: Option<&DateTime<Utc>>) -> String {
    match last {
        Some(t) => format!(
            "not sent: @{person} last wrote on {}, more than 7 days ago, so Instagram allows no reply (not even with the Human Agent tag); wait until they write again",
            t.format("%Y-%m-%d %H:%M UTC")
        ),
        None => format!(
            "not sent: @{person} has not written to you; after a private reply Instagram allows another message only once they answer"
        ),
    }
}

fn outside_window(person: &str, window: &SendWindow, meta: &str) -> String {
    let hint = match window {
        SendWindow::HumanAgent { closes_at } => format!(
            "If a person (not automation) wrote this reply, tick \"Human agent\" to send it with the HUMAN_AGENT tag (allowed until {}).",
            closes_at.format("%Y-%m-%d %H:%M UTC")
        ),
        _ => "Refresh the conversation: the window may have changed.".to_owned(),
    };
    format!(
        "not sent: Instagram refused the message to @{person} because the 24-hour reply window is closed. {hint} (Meta: {meta})"
    )
}

pub(crate) fn require_instagram_login(account: &Account) -> Result<(), DmError> {
    match account.login {
        LoginKind::Instagram => Ok(()),
        LoginKind::Facebook => Err(DmError::NotInstagramLogin(account.username.clone())),
    }
}

/// The cached inbox with windows and unread marks at the engine's clock.
pub async fn inbox(core: &Core, account: &IgUserId) -> Result<Vec<DmSummary>, DmError> {
    let id = account.clone();
    let cached = core.with_store(move |s| s.dm_conversations(&id)).await?;
    let now = core.now();
    Ok(cached
        .into_iter()
        .map(|c| DmSummary {
            window: SendWindow::at(c.last_inbound_time, now),
            unread: c.unread(),
            conversation: c,
        })
        .collect())
}

/// Called once when the engine starts: shows cached inboxes and polls while the app runs.
/// How often a demo person writes to the embedded sandbox's accounts.
const SANDBOX_DM_ACTIVITY: std::time::Duration = std::time::Duration::from_secs(90);

pub(crate) fn on_start(core: Arc<Core>, events: EventSender) {
    if let Some(sandbox) = core.sandbox() {
        // The demo's people keep writing, so a newcomer sees the inbox fill up.
        sandbox.control().set_dm_activity(Some(SANDBOX_DM_ACTIVITY));
    }
    tokio::spawn(async move {
        while !core.is_retired() {
            if let Ok(accounts) = core.accounts().await {
                // Accounts that need reconnecting are skipped: their calls would only fail.
                for account in accounts.iter().filter(|a| {
                    a.login == LoginKind::Instagram && a.status == AccountStatus::Connected
                }) {
                    refresh(&core, &events, account, true).await;
                }
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    });
}

fn queued_notice(events: &EventSender, account: &IgUserId) -> impl Fn(String) + Sync + use<> {
    let (events, account) = (events.clone(), account.clone());
    move |message| {
        events.try_send(Event::Dms(DmsEvent::Queued {
            account: account.clone(),
            message,
        }));
    }
}

async fn send_inbox(events: &EventSender, core: &Core, account: &IgUserId, from_cache: bool) {
    match inbox(core, account).await {
        Ok(conversations) => {
            events
                .send(Event::Dms(DmsEvent::Conversations {
                    account: account.clone(),
                    conversations,
                    from_cache,
                }))
                .await;
        }
        Err(e) => fail(events, account, e).await,
    }
}

async fn fail(events: &EventSender, account: &IgUserId, e: DmError) {
    events
        .send(Event::Dms(DmsEvent::Failed {
            account: account.clone(),
            message: e.to_string(),
        }))
        .await;
}

async fn refresh(core: &Core, events: &EventSender, account: &Account, quiet_cache: bool) {
    if !quiet_cache {
        send_inbox(events, core, &account.id, true).await;
    }
    let queued = queued_notice(events, &account.id);
    let before = if quiet_cache {
        inbox(core, &account.id).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    match sync_account(core, account, &queued).await {
        Ok(changed) => {
            // Desktop notifications for what is new (the first sync sets their baseline),
            // decided before the inbox goes out so its event means they were.
            if let Ok(current) = inbox(core, &account.id).await {
                notify_messages(core, account, &current);
            }
            if !quiet_cache || !changed.is_empty() {
                send_inbox(events, core, &account.id, false).await;
            }
            if quiet_cache && !changed.is_empty() {
                // The poller found new messages: tell the user wherever they are in the app.
                let after = inbox(core, &account.id).await.unwrap_or_default();
                for line in new_message_notices(&before, &after) {
                    events
                        .send(Event::Notice {
                            message: format!("@{}: {line}", account.username),
                            is_error: false,
                        })
                        .await;
                }
            }
        }
        Err(e) => {
            if let DmError::Engine(inner) = &e {
                core.note_error(account, inner).await;
            }
            fail(events, &account.id, e).await;
        }
    }
}

/// Tells the desktop notifications about the account's inbox after a poll.
fn notify_messages(core: &Core, account: &Account, inbox: &[DmSummary]) {
    let seen: Vec<crate::engine::notify::MessageSeen> = inbox
        .iter()
        .filter_map(|s| {
            let c = &s.conversation;
            Some(crate::engine::notify::MessageSeen {
                conversation: c.id.to_string(),
                last_inbound: c.last_inbound_time?.to_rfc3339(),
                from: c
                    .person
                    .as_ref().map_or_else(|| "someone".to_owned(), |p| p.username.clone().unwrap_or_else(|| p.id.clone())),
                text: c.last_text.clone(),
                unread: s.unread,
            })
        })
        .collect();
    core.notifications()
        .messages(&account.id, &account.username, &seen);
}

/// "New message from @x: text" for each conversation whose person wrote since `before`
/// or appeared since; nothing on the first load (empty `before`) or for conversations whose
/// messages were never read before.
fn new_message_notices(before: &[DmSummary], after: &[DmSummary]) -> Vec<String> {
    after
        .iter()
        .filter_map(|a| {
            let previous = match before
                .iter()
                .find(|b| b.conversation.id == a.conversation.id)
            {
                Some(b) => {
                    b.conversation.synced_time?;
                    b.conversation.last_inbound_time
                }
                // A conversation that appeared since a loaded inbox is a new message too.
                None if !before.is_empty() => None,
                None => return None,
            };
            (a.conversation.last_inbound_time > previous).then(|| {
                let who = a.conversation.person.as_ref().map_or_else(
                    || "someone".to_owned(),
                    |p| p.username.clone().unwrap_or_else(|| p.id.clone()),
                );
                match &a.conversation.last_text {
                    Some(text) => format!("new message from @{who}: {text}"),
                    None => format!("new message from @{who}"),
                }
            })
        })
        .collect()
}

async fn send_thread(
    core: &Core,
    events: &EventSender,
    account: &IgUserId,
    conversation: &ConversationId,
    messages: Vec<DmMessage>,
) {
    let (id, conv) = (account.clone(), conversation.clone());
    let last_inbound = core
        .with_store(move |s| s.dm_conversation(&id, &conv))
        .await
        .ok()
        .flatten()
        .and_then(|c| c.last_inbound_time);
    events
        .send(Event::Dms(DmsEvent::Thread {
            account: account.clone(),
            conversation: conversation.clone(),
            messages,
            window: SendWindow::at(last_inbound, core.now()),
        }))
        .await;
}

async fn open(core: &Core, events: &EventSender, account: &Account, conversation: &ConversationId) {
    let (id, conv) = (account.id.clone(), conversation.clone());
    if let Ok(cached) = core.with_store(move |s| s.dm_messages(&id, &conv)).await {
        send_thread(core, events, &account.id, conversation, cached).await;
    }
    let queued = queued_notice(events, &account.id);
    let fresh = async {
        let session = core.session(account).await?;
        sync::sync_conversation(core, account, &session, conversation, &queued).await
    };
    match fresh.await {
        Ok(messages) => {
            let newest = messages.iter().filter_map(|m| m.created_time).max();
            if let Some(t) = newest {
                let (id, conv) = (account.id.clone(), conversation.clone());
                let _ = core
                    .with_store(move |s| s.mark_dm_read(&id, &conv, t))
                    .await;
            }
            send_thread(core, events, &account.id, conversation, messages).await;
            send_inbox(events, core, &account.id, false).await;
        }
        Err(e) => fail(events, &account.id, e).await,
    }
}

/// Runs one command in the background.
pub(crate) fn handle(core: Arc<Core>, events: EventSender, command: DmsCommand) {
    tokio::spawn(async move {
        let account_id = match &command {
            DmsCommand::Refresh(a) => a.clone(),
            DmsCommand::Open { account, .. }
            | DmsCommand::Send { account, .. }
            | DmsCommand::PrivateReply { account, .. } => account.clone(),
        };
        let account = match core.find_account(account_id.as_str()).await {
            Ok(a) => a,
            Err(e) => return fail(&events, &account_id, e.into()).await,
        };
        let queued = queued_notice(&events, &account.id);
        match command {
            DmsCommand::Refresh(_) => refresh(&core, &events, &account, false).await,
            DmsCommand::Open { conversation, .. } => {
                open(&core, &events, &account, &conversation).await;
            }
            DmsCommand::Send {
                conversation,
                text,
                image_url,
                human_agent,
                ..
            } => {
                let text_part = Some(text.clone()).filter(|t| !t.trim().is_empty());
                // Text and image go as two messages (an attachment carries no text).
                let mut parts = Vec::new();
                if let Some(t) = text_part {
                    parts.push(OutgoingMessage {
                        text: Some(t),
                        image_url: None,
                        human_agent,
                    });
                }
                if let Some(url) = image_url {
                    // A local file is hosted first, as the Composer does for posts.
                    let url = if is_local_file(&url) {
                        match host_image_file(&core, std::path::Path::new(&url)).await {
                            Ok(hosted) => hosted,
                            Err(e) => {
                                events
                                    .send(Event::Dms(DmsEvent::SendFailed {
                                        account: account.id.clone(),
                                        conversation,
                                        text,
                                        message: e.to_string(),
                                    }))
                                    .await;
                                return;
                            }
                        }
                    } else {
                        url
                    };
                    parts.push(OutgoingMessage {
                        text: None,
                        image_url: Some(url),
                        human_agent,
                    });
                }
                let mut result = Err(DmError::EmptyMessage);
                for part in parts {
                    result = send_message(&core, &account, &conversation, part, &queued).await;
                    if result.is_err() {
                        break;
                    }
                }
                match result {
                    Ok(outcome) => {
                        events
                            .send(Event::Dms(DmsEvent::Sent {
                                account: account.id.clone(),
                                conversation: conversation.clone(),
                                confirmed_after_lost_answer: outcome.confirmed_after_lost_answer,
                            }))
                            .await;
                        send_thread(&core, &events, &account.id, &conversation, outcome.messages)
                            .await;
                        send_inbox(&events, &core, &account.id, false).await;
                    }
                    Err(e) => {
                        events
                            .send(Event::Dms(DmsEvent::SendFailed {
                                account: account.id.clone(),
                                conversation,
                                text,
                                message: e.to_string(),
                            }))
                            .await;
                    }
                }
            }
            DmsCommand::PrivateReply { request, .. } => {
                let comment = request.comment.clone();
                match send_private_reply(&core, &account, request, &queued).await {
                    Ok(outcome) => {
                        events
                            .send(Event::Dms(DmsEvent::PrivateReplySent {
                                account: account.id.clone(),
                                comment,
                                conversation: outcome.conversation,
                            }))
                            .await;
                        send_inbox(&events, &core, &account.id, false).await;
                    }
                    Err(e) => {
                        events
                            .send(Event::Dms(DmsEvent::PrivateReplyFailed {
                                account: account.id.clone(),
                                comment,
                                message: e.to_string(),
                            }))
                            .await;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::messages::Participant;

    fn summary(id: &str, synced: Option<i64>, inbound: Option<i64>) -> DmSummary {
        let t = |s: i64| DateTime::from_timestamp(s, 0).expect("time");
        DmSummary {
            conversation: CachedConversation {
                id: ConversationId(id.into()),
                person: Some(Participant {
                    id: "61".into(),
                    username: Some("ana".into()),
                }),
                updated_time: None,
                synced_time: synced.map(t),
                read_time: None,
                last_text: Some("hi".into()),
                last_time: inbound.map(t),
                last_inbound_time: inbound.map(t),
            },
            window: SendWindow::Closed { last_inbound: None },
            unread: true,
        }
    }

    #[test]
    fn only_new_inbound_messages_in_known_conversations_are_announced() {
        let before = vec![
            summary("a", Some(10), Some(10)),
            summary("b", None, None),
            summary("c", Some(10), Some(10)),
        ];
        let after = vec![
            summary("a", Some(20), Some(20)),
            summary("b", Some(20), Some(20)),
            summary("c", Some(20), Some(10)),
            summary("d", Some(20), Some(20)),
        ];
        assert_eq!(
            new_message_notices(&before, &after),
            vec!["new message from @ana: hi".to_owned(); 2],
            "a (newer inbound) and d (new conversation)"
        );
        assert!(new_message_notices(&[], &after).is_empty(), "first load");
    }
}
