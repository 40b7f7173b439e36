//! Sending: ordinary messages within the windows, and private replies to commenters.
//!
//! Checks that need no call happen first (7-day block, one private reply per comment, 7 days
//! after the comment). Sends are paced at Meta's limits and never retried blindly: when the
//! answer is lost (timeout, 5xx) the conversation is read again, and the message counts as
//! sent only if it is there.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::graph::messages::{
    self as wire, ConversationId, DmMessage, MessageId, OutgoingMessage, Recipient,
};
use crate::graph::{ErrorKind, GraphError, RetryPolicy, Session};
use crate::ids::CommentId;
use crate::model::Account;
use crate::store::PrivateReplyRecord;

use super::super::core::Core;
use super::limiter::{self, Limit};
use super::sync::{limit_key, sync_conversation};
use super::window::{PRIVATE_REPLY_WINDOW, SendWindow};
use super::{DmError, sync};

/// A send refused by Meta's rate limit is queued and tried again: 3 attempts, waiting what
/// Meta announced (at most a minute) or the backoff from 1 s.
const RATE_LIMIT_RETRY: RetryPolicy =
    RetryPolicy::new(3, Duration::from_secs(1), Duration::from_mins(1));

/// The result of a send that went through.
#[derive(Clone, Debug, PartialEq)]
pub struct SendOutcome {
    pub conversation: ConversationId,
    pub message_id: Option<MessageId>,
    /// The conversation as re-read after the send, oldest first.
    pub messages: Vec<DmMessage>,
    /// True when the answer was lost and the message was found in the conversation.
    pub confirmed_after_lost_answer: bool,
}

/// A private reply to ask for (from the Comments tab or a post's detail).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateReplyRequest {
    pub comment: CommentId,
    /// When the comment was written: private replies are allowed for 7 days.
    pub comment_time: DateTime<Utc>,
    /// The commenter's IGSID when known (used to find the new conversation).
    pub commenter_id: Option<String>,
    pub commenter_username: Option<String>,
    pub text: String,
}

/// The result of a private reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateReplyOutcome {
    pub recipient_id: Option<String>,
    pub message_id: Option<MessageId>,
    /// The conversation the reply started (or joined), when it could be found.
    pub conversation: Option<ConversationId>,
}

fn is_lost_answer(e: &GraphError) -> bool {
    matches!(e.kind, ErrorKind::Transient | ErrorKind::Decode { .. })
}

/// Sends with pacing; a rate-limit refusal (nothing was sent) is queued and tried again.
async fn paced_send(
    core: &Core,
    account: &Account,
    session: &Session,
    to: &Recipient,
    message: &OutgoingMessage,
    limit: Limit,
    queued: &(dyn Fn(String) + Sync),
) -> Result<wire::Sent, GraphError> {
    let key = limit_key(core, account);
    RATE_LIMIT_RETRY
        .run(
            |_| async {
                limiter::acquire(&key, limit, |wait| {
                    queued(format!(
                        "Message queued for {:.1} s: Instagram allows {}",
                        wait.as_secs_f64(),
                        limit.describe()
                    ));
                })
                .await;
                core.client()
                    .messages(session)
                    .send(&account.id, to, message)
                    .await
            },
            // Only a rate-limit refusal is sure to have sent nothing; anything else is
            // checked against the conversation by the caller, never resent blindly.
            |e, retry| {
                let ErrorKind::RateLimited { retry_after } = e.kind else {
                    return None;
                };
                let wait = retry_after
                    .unwrap_or_else(|| RATE_LIMIT_RETRY.backoff(retry))
                    .min(RATE_LIMIT_RETRY.max_delay);
                queued(format!(
                    "Instagram's send limit was reached; the message is queued and goes out in {} s",
                    wait.as_secs().max(1)
                ));
                Some(wait)
            },
        )
        .await
}

fn matches_sent(m: &DmMessage, account: &Account, message: &OutgoingMessage) -> bool {
    let from_us = m.from.as_ref().is_some_and(|f| {
        f.id == account.id.as_str() || f.username.as_deref() == Some(&account.username)
    });
    let same_body = match (&message.image_url, &message.text) {
        (Some(url), _) => m.attachments.iter().any(|a| a.url() == url),
        (None, Some(text)) => m.text.as_deref() == Some(text.as_str()),
        (None, None) => false,
    };
    from_us && same_body
}

/// Sends `message` in a cached conversation.
pub async fn send_message(
    core: &Core,
    account: &Account,
    conversation: &ConversationId,
    message: OutgoingMessage,
    queued: &(dyn Fn(String) + Sync),
) -> Result<SendOutcome, DmError> {
    super::require_instagram_login(account)?;
    if message.text.as_deref().is_none_or(|t| t.trim().is_empty()) && message.image_url.is_none() {
        return Err(DmError::EmptyMessage);
    }
    let (id, conv) = (account.id.clone(), conversation.clone());
    let (cached, known): (_, Vec<DmMessage>) = core
        .with_store(move |s| Ok((s.dm_conversation(&id, &conv)?, s.dm_messages(&id, &conv)?)))
        .await?;
    let cached = cached.ok_or_else(|| DmError::UnknownConversation(conversation.0.clone()))?;
    let person = cached
        .person
        .clone()
        .ok_or_else(|| DmError::UnknownConversation(conversation.0.clone()))?;
    let who = person.username.clone().unwrap_or_else(|| person.id.clone());
    let window = SendWindow::at(cached.last_inbound_time, core.now());
    if let SendWindow::Closed { last_inbound } = window {
        return Err(DmError::WindowClosed {
            person: who,
            last_inbound,
        });
    }
    let session = core.session(account).await?;
    let to = Recipient::User(person.id.clone());
    let result = paced_send(core, account, &session, &to, &message, Limit::Send, queued).await;
    match result {
        Ok(sent) => {
            let messages = sync_conversation(core, account, &session, conversation, queued).await?;
            Ok(SendOutcome {
                conversation: conversation.clone(),
                message_id: Some(sent.message_id),
                messages,
                confirmed_after_lost_answer: false,
            })
        }
        Err(e) if wire::is_outside_window(&e) => Err(DmError::OutsideWindow {
            person: who,
            window,
            meta: e.message,
        }),
        Err(e) if is_lost_answer(&e) => {
            // The message may have gone out: look before anyone sends it again.
            let before: HashSet<MessageId> = known.into_iter().map(|m| m.id).collect();
            let messages = sync_conversation(core, account, &session, conversation, queued)
                .await
                .map_err(|_| DmError::SendUnconfirmed(e.message.clone()))?;
            let found = messages
                .iter()
                .find(|m| !before.contains(&m.id) && matches_sent(m, account, &message));
            match found {
                Some(m) => Ok(SendOutcome {
                    conversation: conversation.clone(),
                    message_id: Some(m.id.clone()),
                    messages: messages.clone(),
                    confirmed_after_lost_answer: true,
                }),
                None => Err(DmError::SendUnconfirmed(e.message)),
            }
        }
        Err(e) => {
            let e = super::super::core::EngineError::Graph(e);
            core.note_error(account, &e).await;
            Err(e.into())
        }
    }
}

/// Sends one private reply to the author of a comment (`recipient.comment_id`), at most one
/// per comment and within 7 days of it, then finds and caches the conversation it started.
pub async fn send_private_reply(
    core: &Core,
    account: &Account,
    request: PrivateReplyRequest,
    queued: &(dyn Fn(String) + Sync),
) -> Result<PrivateReplyOutcome, DmError> {
    super::require_instagram_login(account)?;
    if request.text.trim().is_empty() {
        return Err(DmError::EmptyMessage);
    }
    let (id, comment) = (account.id.clone(), request.comment.clone());
    if let Some(done) = core
        .with_store(move |s| s.dm_private_reply(&id, &comment))
        .await?
    {
        return Err(DmError::PrivateReplyAlreadySent { at: done.sent_at });
    }
    let now = core.now();
    if now - request.comment_time > PRIVATE_REPLY_WINDOW {
        return Err(DmError::PrivateReplyTooLate {
            comment_time: request.comment_time,
        });
    }
    let session = core.session(account).await?;
    let message = OutgoingMessage {
        text: Some(request.text.clone()),
        ..OutgoingMessage::default()
    };
    let to = Recipient::Comment(request.comment.clone());
    let result = paced_send(
        core,
        account,
        &session,
        &to,
        &message,
        Limit::PrivateReply,
        queued,
    )
    .await;
    let mut record = PrivateReplyRecord {
        comment_id: request.comment.clone(),
        recipient_id: None,
        message_id: None,
        conversation_id: None,
        sent_at: now,
    };
    let sent = match result {
        Ok(sent) => sent,
        Err(e) if is_lost_answer(&e) => {
            // It may have gone out; a second one could break the one-reply rule, so the
            // comment counts as answered and the user is told to check the inbox.
            let (id, r) = (account.id.clone(), record.clone());
            core.with_store(move |s| s.record_dm_private_reply(&id, &r))
                .await?;
            return Err(DmError::SendUnconfirmed(e.message));
        }
        Err(e) if wire::is_outside_window(&e) => {
            return Err(DmError::PrivateReplyTooLate {
                comment_time: request.comment_time,
            });
        }
        Err(e) if e.code == Some(10) && e.subcode == Some(2534023) => {
            let (id, r) = (account.id.clone(), record.clone());
            core.with_store(move |s| s.record_dm_private_reply(&id, &r))
                .await?;
            return Err(DmError::PrivateReplyAlreadySent { at: now });
        }
        Err(e) => return Err(e.into()),
    };
    record.recipient_id = Some(sent.recipient_id.clone());
    record.message_id = Some(sent.message_id.0.clone());
    let (id, r) = (account.id.clone(), record.clone());
    core.with_store(move |s| s.record_dm_private_reply(&id, &r))
        .await?;
    // Link the conversation: find it by the commenter's IGSID and cache it.
    sync::paced_read(core, account, queued).await;
    let conversation = core
        .client()
        .messages(&session)
        .conversation_with(&sent.recipient_id)
        .await
        .ok()
        .flatten();
    if let Some(c) = &conversation {
        let (id, username, list) = (
            account.id.clone(),
            account.username.clone(),
            vec![c.clone()],
        );
        core.with_store(move |s| s.upsert_dm_conversations(&id, &username, &list))
            .await?;
        sync_conversation(core, account, &session, &c.id, queued).await?;
        record.conversation_id = Some(c.id.0.clone());
        let (id, r) = (account.id.clone(), record.clone());
        core.with_store(move |s| s.record_dm_private_reply(&id, &r))
            .await?;
    }
    Ok(PrivateReplyOutcome {
        recipient_id: Some(sent.recipient_id),
        message_id: Some(sent.message_id),
        conversation: conversation.map(|c| c.id),
    })
}
