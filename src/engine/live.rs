//! Live broadcasts: watching for one while the Feed is open, streaming its comments, and
//! moderating them (hide, delete, reply).
//!
//! Meta offers no "broadcast started" signal to poll cheaply other than
//! `GET /<IG_ID>/live_media` (webhooks for live comments are out of scope here), so while
//! the UI says the Feed is open ([`LiveCommand::Watch`]) one task per engine asks it every
//! [`IDLE_POLL`]; while a broadcast is on air it reads the broadcast's comments every
//! [`LIVE_POLL`] instead. Comments on a live media can be read only during the broadcast,
//! so they are not cached: the view shows what Meta answers now.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use super::core::{Core, EngineError};
use super::handle::EventSender;
use super::protocol::Event;
use crate::graph::comments::Comment;
use crate::ids::{CommentId, IgUserId};
use crate::model::{Account, Media};

/// How often `live_media` is asked while nothing is on air.
pub const IDLE_POLL: Duration = Duration::from_secs(15);
/// How often the comments of a broadcast on air are read.
pub const LIVE_POLL: Duration = Duration::from_secs(3);
/// After a failed read, wait this long before asking again.
const ERROR_BACKOFF: Duration = Duration::from_secs(30);

/// What the UI asks about live video.
#[derive(Clone, Debug)]
pub enum LiveCommand {
    /// Watch this account for a broadcast (the Feed or the live view is open); `None` stops.
    Watch(Option<IgUserId>),
    /// Hides or unhides a comment on the broadcast.
    Hide {
        account: IgUserId,
        comment: CommentId,
        hidden: bool,
    },
    /// Deletes a comment on the broadcast.
    Delete {
        account: IgUserId,
        comment: CommentId,
    },
    /// Replies to a comment on the broadcast.
    Reply {
        account: IgUserId,
        to: CommentId,
        text: String,
    },
}

/// The broadcast on air and its latest comments (oldest first).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LiveBroadcast {
    pub media: Media,
    pub comments: Vec<Comment>,
}

/// What the engine tells the UI about live video.
#[derive(Clone, Debug)]
pub enum LiveEvent {
    /// The account's broadcast now (`None`: nothing on air).
    Status {
        account: IgUserId,
        live: Option<Box<LiveBroadcast>>,
    },
    /// A moderation action finished; `error` says why it did not, and what to do.
    Done {
        account: IgUserId,
        what: String,
        error: Option<String>,
    },
}

impl Core {
    /// The account's broadcast on air with its latest comments, if any.
    pub async fn current_live(
        &self,
        account: &Account,
    ) -> Result<Option<LiveBroadcast>, EngineError> {
        let session = self.session(account).await?;
        let result: Result<_, crate::graph::GraphError> = async {
            let Some(media) = self.client().live_media(&session, &account.id).await? else {
                return Ok(None);
            };
            let comments = self.client().live_comments(&session, &media).await?;
            Ok(Some(LiveBroadcast { media, comments }))
        }
        .await;
        if let Err(e) = &result {
            let e = EngineError::Graph(e.clone());
            self.note_error(account, &e).await;
        }
        Ok(result?)
    }

    /// Hides or unhides a comment of the broadcast.
    pub async fn set_live_comment_hidden(
        &self,
        account: &Account,
        comment: &CommentId,
        hidden: bool,
    ) -> Result<(), EngineError> {
        let session = self.session(account).await?;
        self.client()
            .comments(&session)
            .hide(comment, hidden)
            .await?;
        Ok(())
    }

    /// Deletes a comment of the broadcast.
    pub async fn delete_live_comment(
        &self,
        account: &Account,
        comment: &CommentId,
    ) -> Result<(), EngineError> {
        let session = self.session(account).await?;
        self.client().comments(&session).delete(comment).await?;
        Ok(())
    }

    /// Replies to a comment of the broadcast; returns the reply's id.
    pub async fn reply_live_comment(
        &self,
        account: &Account,
        to: &CommentId,
        text: &str,
    ) -> Result<CommentId, EngineError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(EngineError::Graph(crate::graph::GraphError::new(
                crate::graph::ErrorKind::InvalidParameter,
                "the reply is empty: type something first",
            )));
        }
        let session = self.session(account).await?;
        Ok(self.client().comments(&session).reply(to, text).await?)
    }
}

/// The engine's one live watcher (at most one account is watched at a time).
#[derive(Default)]
pub struct LiveWatch {
    task: Mutex<Option<(IgUserId, tokio::task::JoinHandle<()>)>>,
}

impl LiveWatch {
    /// Runs one command in the background.
    pub(crate) fn handle(&self, core: Arc<Core>, events: EventSender, command: LiveCommand) {
        match command {
            LiveCommand::Watch(account) => self.watch(core, events, account),
            LiveCommand::Hide {
                account,
                comment,
                hidden,
            } => {
                let what = if hidden {
                    "Comment hidden"
                } else {
                    "Comment shown"
                };
                act(core, events, account, what, move |core, a| async move {
                    core.set_live_comment_hidden(&a, &comment, hidden).await
                });
            }
            LiveCommand::Delete { account, comment } => {
                act(
                    core,
                    events,
                    account,
                    "Comment deleted",
                    move |core, a| async move { core.delete_live_comment(&a, &comment).await },
                );
            }
            LiveCommand::Reply { account, to, text } => {
                act(
                    core,
                    events,
                    account,
                    "Reply sent",
                    move |core, a| async move {
                        core.reply_live_comment(&a, &to, &text).await.map(|_| ())
                    },
                );
            }
        }
    }

    fn watch(&self, core: Arc<Core>, events: EventSender, account: Option<IgUserId>) {
        let mut task = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let (Some((watched, handle)), Some(wanted)) = (task.as_ref(), account.as_ref())
            && watched == wanted
            && !handle.is_finished()
        {
            return;
        }
        if let Some((_, handle)) = task.take() {
            handle.abort();
        }
        let Some(id) = account else { return };
        tracing::info!(account = %id, "watching for a live broadcast");
        let handle = tokio::spawn(poll(core, events, id.clone()));
        *task = Some((id, handle));
    }
}

impl Drop for LiveWatch {
    fn drop(&mut self) {
        if let Some((_, handle)) = self.task.get_mut().ok().and_then(Option::take) {
            handle.abort();
        }
    }
}

/// Asks for the broadcast until aborted: every [`LIVE_POLL`] while on air, else every
/// [`IDLE_POLL`]. Sends a status only when it changed.
async fn poll(core: Arc<Core>, events: EventSender, id: IgUserId) {
    let mut last: Option<Option<LiveBroadcast>> = None;
    while !core.is_retired() {
        let account = match core.find_account(id.as_str()).await {
            Ok(a) => a,
            Err(e) => {
                tracing::info!(error = %e, "live watch: no such account");
                return;
            }
        };
        let wait = match core.current_live(&account).await {
            Ok(now) => {
                tracing::debug!(account = %id, on_air = now.is_some(), "live_media read");
                let wait = if now.is_some() { LIVE_POLL } else { IDLE_POLL };
                if last.as_ref() != Some(&now) {
                    events
                        .send(Event::Live(LiveEvent::Status {
                            account: id.clone(),
                            live: now.clone().map(Box::new),
                        }))
                        .await;
                    last = Some(now);
                }
                wait
            }
            Err(e) => {
                tracing::info!(account = %id, error = %e, "live watch failed");
                ERROR_BACKOFF
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// Runs a moderation action and reports it.
fn act<F, Fut>(core: Arc<Core>, events: EventSender, id: IgUserId, what: &'static str, f: F)
where
    F: FnOnce(Arc<Core>, Account) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), EngineError>> + Send,
{
    tokio::spawn(async move {
        let result = match core.find_account(id.as_str()).await {
            Ok(account) => f(core.clone(), account).await,
            Err(e) => Err(e),
        };
        let error = result.err().map(|e| {
            format!("{what} failed: {e}. The broadcast may have ended; refresh the Feed.")
        });
        events
            .send(Event::Live(LiveEvent::Done {
                account: id,
                what: what.to_owned(),
                error,
            }))
            .await;
    });
}
