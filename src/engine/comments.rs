//! Comments inbox: sync, moderation, rules, saved replies, mentions.
//!
//! The engine side of the Comments tab: commands from the UI run here as background jobs and
//! answer with [`CommentsEvent`]s. The work itself lives in [`super::comments_ops`] (shared
//! with the CLI). A poller syncs every connected account while the app is open (webhooks
//! cannot reach a desktop).

use std::sync::Arc;
use std::time::Duration;

use super::Event;
use super::comments_ops::{CommentsError, SyncReport};
use super::core::Core;
use super::handle::EventSender;
use crate::graph::comments::{Comment, SyncLimits};
use crate::ids::{CommentId, IgUserId, MediaId};
use crate::model::{AccountStatus, Media};
use crate::store::{CommentRule, InboxComment, Mention, RuleLogEntry, SavedReply};

/// How often the inbox syncs while the app is open.
pub const POLL_INTERVAL: Duration = Duration::from_mins(1);
/// In the embedded sandbox, a new comment arrives this often (so the inbox visibly fills).
const SANDBOX_ACTIVITY: Duration = Duration::from_secs(20);

/// What the Comments tab asks the engine to do.
#[derive(Clone, Debug)]
pub enum CommentsCommand {
    /// Send the cached inbox at once, then sync.
    Open(IgUserId),
    /// Sync now (Refresh was clicked).
    Refresh(IgUserId),
    Reply {
        account: IgUserId,
        to: CommentId,
        text: String,
    },
    SetHidden {
        account: IgUserId,
        comment: CommentId,
        hidden: bool,
    },
    /// Sent by the UI only after its undo window has passed.
    Delete {
        account: IgUserId,
        comment: CommentId,
    },
    SetCommentsEnabled {
        account: IgUserId,
        media: MediaId,
        enabled: bool,
    },
    AddRule {
        account: IgUserId,
        rule: CommentRule,
    },
    DeleteRule {
        account: IgUserId,
        id: i64,
    },
    UndoRuleAction {
        account: IgUserId,
        log_id: i64,
    },
    AddSavedReply {
        name: String,
        body: String,
    },
    DeleteSavedReply(i64),
    /// Send the cached mentions at once, then read them again (the Mentions view).
    LoadMentions(IgUserId),
    /// Reply to a cached mention: in the mentioning comment's thread (`comment` set) or as a
    /// comment on the media whose caption mentioned the account.
    ReplyToMention {
        account: IgUserId,
        media: MediaId,
        comment: Option<CommentId>,
        text: String,
    },
    /// Look a mention up by the ids a `mentions` webhook carries, and cache it.
    LookupMention {
        account: IgUserId,
        comment: Option<CommentId>,
        media: Option<MediaId>,
    },
}

/// What the engine tells the Comments tab.
#[derive(Clone, Debug)]
pub enum CommentsEvent {
    /// The whole inbox of an account (newest first) and its posts.
    Inbox {
        account: IgUserId,
        comments: Arc<Vec<InboxComment>>,
        media: Arc<Vec<Media>>,
        comments_off: Vec<MediaId>,
        from_cache: bool,
    },
    Syncing {
        account: IgUserId,
    },
    Synced {
        account: IgUserId,
        report: SyncReport,
    },
    /// A reply was posted (or found already posted).
    Replied {
        account: IgUserId,
        reply: Comment,
    },
    Changed {
        account: IgUserId,
        comment: InboxComment,
    },
    Removed {
        account: IgUserId,
        comment: CommentId,
    },
    CommentsEnabled {
        account: IgUserId,
        media: MediaId,
        enabled: bool,
    },
    Rules {
        account: IgUserId,
        rules: Vec<CommentRule>,
        log: Vec<RuleLogEntry>,
    },
    SavedReplies(Vec<SavedReply>),
    /// Every cached mention, newest first; `from_cache` until a refresh has answered.
    Mentions {
        account: IgUserId,
        mentions: Arc<Vec<Mention>>,
        from_cache: bool,
    },
    /// A reply to a mention was posted (or found already posted); `mention.reply` is set.
    MentionReplied {
        account: IgUserId,
        mention: Mention,
    },
    /// A reply to a mention failed; `message` names the cause and the fix.
    MentionReplyFailed {
        account: IgUserId,
        media: MediaId,
        comment: Option<CommentId>,
        message: String,
    },
    /// An action or sync failed; `message` names the cause and the fix.
    Failed {
        account: Option<IgUserId>,
        message: String,
    },
}

/// Called once when the engine starts: the poller, and sandbox activity in sandbox mode.
pub(crate) fn on_start(core: Arc<Core>, events: EventSender) {
    if let Some(sandbox) = core.sandbox() {
        sandbox
            .control()
            .set_comment_activity(Some(SANDBOX_ACTIVITY));
    }
    tokio::spawn(async move {
        send_saved_replies(&core, &events).await;
        let mut tick = tokio::time::interval(POLL_INTERVAL);
        tick.tick().await;
        loop {
            tick.tick().await;
            if core.is_retired() {
                break;
            }
            let Ok(accounts) = core.accounts().await else {
                continue;
            };
            for account in accounts
                .into_iter()
                .filter(|a| a.status == AccountStatus::Connected)
            {
                sync_and_send(&core, &events, &account.id).await;
            }
        }
    });
}

async fn send(events: &EventSender, event: CommentsEvent) {
    events.send(Event::Comments(event)).await;
}

async fn fail(events: &EventSender, account: Option<&IgUserId>, e: impl std::fmt::Display) {
    send(
        events,
        CommentsEvent::Failed {
            account: account.cloned(),
            message: e.to_string(),
        },
    )
    .await;
}

/// Sends the account's cached inbox; returns it with the account's username (for the
/// notifications after a sync).
async fn send_inbox(
    core: &Core,
    events: &EventSender,
    account: &IgUserId,
    from_cache: bool,
) -> Option<(Arc<Vec<InboxComment>>, String)> {
    let result = async {
        let a = core.find_account(account.as_str()).await?;
        core.cached_inbox(&a).await.map(|inbox| (a.username, inbox))
    }
    .await;
    match result {
        Ok((username, (comments, media, comments_off))) => {
            let comments = Arc::new(comments);
            send(
                events,
                CommentsEvent::Inbox {
                    account: account.clone(),
                    comments: comments.clone(),
                    media: Arc::new(media),
                    comments_off,
                    from_cache,
                },
            )
            .await;
            Some((comments, username))
        }
        Err(e) => {
            fail(events, Some(account), e).await;
            None
        }
    }
}

/// Tells the notifications which comments wait for a reply after a sync.
fn notify_waiting(core: &Core, account: &IgUserId, username: &str, comments: &[InboxComment]) {
    let waiting: Vec<crate::engine::notify::CommentSeen> =
        super::comments_ops::waiting_for_reply(comments, username)
            .into_iter()
            .map(|c| crate::engine::notify::CommentSeen {
                id: c.comment.id.to_string(),
                from: c.comment.username.clone(),
                text: c.comment.text.clone(),
            })
            .collect();
    core.notifications().comments(account, username, &waiting);
}

async fn send_rules(core: &Core, events: &EventSender, account: &IgUserId) {
    let id = account.clone();
    match core
        .with_store(move |s| Ok((s.comment_rules(&id)?, s.rule_log(&id, 200)?)))
        .await
    {
        Ok((rules, log)) => {
            send(
                events,
                CommentsEvent::Rules {
                    account: account.clone(),
                    rules,
                    log,
                },
            )
            .await;
        }
        Err(e) => fail(events, Some(account), e).await,
    }
}

async fn send_saved_replies(core: &Core, events: &EventSender) {
    match core
        .with_store(super::super::store::Store::saved_replies)
        .await
    {
        Ok(list) => send(events, CommentsEvent::SavedReplies(list)).await,
        Err(e) => fail(events, None, e).await,
    }
}

async fn sync_and_send(core: &Arc<Core>, events: &EventSender, account: &IgUserId) {
    send(
        events,
        CommentsEvent::Syncing {
            account: account.clone(),
        },
    )
    .await;
    let result = async {
        let a = core.find_account(account.as_str()).await?;
        core.sync_comments(&a, SyncLimits::default()).await
    }
    .await;
    match result {
        Ok(report) => {
            if let Some((comments, username)) = send_inbox(core, events, account, false).await {
                notify_waiting(core, account, &username, &comments);
            }
            if report.rule_actions > 0 {
                send_rules(core, events, account).await;
            }
            send(
                events,
                CommentsEvent::Synced {
                    account: account.clone(),
                    report,
                },
            )
            .await;
        }
        Err(e) => fail(events, Some(account), e).await,
    }
}

async fn send_mentions(
    events: &EventSender,
    account: &IgUserId,
    mentions: Vec<Mention>,
    from_cache: bool,
) {
    send(
        events,
        CommentsEvent::Mentions {
            account: account.clone(),
            mentions: Arc::new(mentions),
            from_cache,
        },
    )
    .await;
}

/// Runs one command in the background.
pub(crate) fn handle(core: Arc<Core>, events: EventSender, command: CommentsCommand) {
    tokio::spawn(async move { run(core, events, command).await });
}

async fn run(core: Arc<Core>, events: EventSender, command: CommentsCommand) {
    use CommentsCommand as C;
    let account_of = |c: &C| match c {
        C::Open(a) | C::Refresh(a) | C::LoadMentions(a) => Some(a.clone()),
        C::Reply { account, .. }
        | C::ReplyToMention { account, .. }
        | C::LookupMention { account, .. }
        | C::SetHidden { account, .. }
        | C::Delete { account, .. }
        | C::SetCommentsEnabled { account, .. }
        | C::AddRule { account, .. }
        | C::DeleteRule { account, .. }
        | C::UndoRuleAction { account, .. } => Some(account.clone()),
        C::AddSavedReply { .. } | C::DeleteSavedReply(_) => None,
    };
    let id = account_of(&command);
    let result: Result<(), CommentsError> = async {
        let account = match &id {
            Some(id) => Some(core.find_account(id.as_str()).await?),
            None => None,
        };
        match (command, account) {
            (C::Open(id), _) => {
                send_inbox(&core, &events, &id, true).await;
                send_rules(&core, &events, &id).await;
                sync_and_send(&core, &events, &id).await;
            }
            (C::Refresh(id), _) => sync_and_send(&core, &events, &id).await,
            (C::Reply { to, text, .. }, Some(a)) => {
                let reply = core.reply_to_comment(&a, &to, &text).await?;
                send(
                    &events,
                    CommentsEvent::Replied {
                        account: a.id,
                        reply,
                    },
                )
                .await;
            }
            (
                C::SetHidden {
                    comment, hidden, ..
                },
                Some(a),
            ) => {
                let comment = core.set_comment_hidden(&a, &comment, hidden).await?;
                send(
                    &events,
                    CommentsEvent::Changed {
                        account: a.id,
                        comment,
                    },
                )
                .await;
            }
            (C::Delete { comment, .. }, Some(a)) => {
                core.delete_comment(&a, &comment).await?;
                send(
                    &events,
                    CommentsEvent::Removed {
                        account: a.id,
                        comment,
                    },
                )
                .await;
            }
            (C::SetCommentsEnabled { media, enabled, .. }, Some(a)) => {
                core.set_comments_enabled(&a, &media, enabled).await?;
                send(
                    &events,
                    CommentsEvent::CommentsEnabled {
                        account: a.id,
                        media,
                        enabled,
                    },
                )
                .await;
            }
            (C::AddRule { rule, .. }, Some(a)) => {
                super::comment_rules::validate(&rule)?;
                let id = a.id.clone();
                core.with_store(move |s| s.add_comment_rule(&id, &rule))
                    .await?;
                send_rules(&core, &events, &a.id).await;
            }
            (C::DeleteRule { id: rule, .. }, Some(a)) => {
                let id = a.id.clone();
                core.with_store(move |s| s.delete_comment_rule(&id, rule))
                    .await?;
                send_rules(&core, &events, &a.id).await;
            }
            (C::UndoRuleAction { log_id, .. }, Some(a)) => {
                if let Some(comment) = core.undo_rule_action(&a, log_id).await? {
                    send(
                        &events,
                        CommentsEvent::Changed {
                            account: a.id.clone(),
                            comment,
                        },
                    )
                    .await;
                }
                send_rules(&core, &events, &a.id).await;
            }
            (C::AddSavedReply { name, body }, _) => {
                core.with_store(move |s| s.add_saved_reply(&name, &body))
                    .await?;
                send_saved_replies(&core, &events).await;
            }
            (C::DeleteSavedReply(id), _) => {
                core.with_store(move |s| s.delete_saved_reply(id)).await?;
                send_saved_replies(&core, &events).await;
            }
            (C::LoadMentions(_), Some(a)) => {
                let cached = core.cached_mentions(&a).await?;
                send_mentions(&events, &a.id, cached, true).await;
                let fresh = core.refresh_mentions(&a).await?;
                send_mentions(&events, &a.id, fresh, false).await;
            }
            (
                C::ReplyToMention {
                    media,
                    comment,
                    text,
                    ..
                },
                Some(a),
            ) => match core
                .reply_to_mention(&a, &media, comment.as_ref(), &text)
                .await
            {
                Ok(mention) => {
                    send(
                        &events,
                        CommentsEvent::MentionReplied {
                            account: a.id,
                            mention,
                        },
                    )
                    .await;
                }
                Err(e) => {
                    send(
                        &events,
                        CommentsEvent::MentionReplyFailed {
                            account: a.id,
                            media,
                            comment,
                            message: e.to_string(),
                        },
                    )
                    .await;
                }
            },
            (C::LookupMention { comment, media, .. }, Some(a)) => {
                core.lookup_mention(&a, comment.as_ref(), media.as_ref())
                    .await?;
                let all = core.cached_mentions(&a).await?;
                send_mentions(&events, &a.id, all, false).await;
            }
            (_, None) => {}
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        fail(&events, id.as_ref(), e).await;
    }
}
