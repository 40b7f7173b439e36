//! Desktop notifications for what happens while the user looks elsewhere: a scheduled post
//! went out or failed (while the window is not focused), a new DM, a new comment that waits
//! for a reply.
//!
//! The engine decides (here); the desktop shows them through a [`Notifier`] — the
//! freedesktop notification service over D-Bus (`notify-rust` with its pure-Rust zbus
//! backend, no system package) in the app, a recording fake in tests. Each event is shown
//! once: [`Notifications`] remembers what it announced, and the first inbox it sees of an
//! account after start only sets the baseline (what was there before is not news). A desktop
//! without a notification daemon costs one debug line, never an error.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::ids::IgUserId;

/// What a notification is about (the setting can grow one switch per kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotificationKind {
    Published,
    PublishFailed,
    NewMessage,
    NewComment,
}

/// What the user can switch on or off one by one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum NotifyTopic {
    /// A scheduled post published or failed.
    Posts,
    /// A new DM.
    Messages,
    /// A new comment waiting for a reply.
    Comments,
}

impl NotifyTopic {
    pub const ALL: [NotifyTopic; 3] = [Self::Posts, Self::Messages, Self::Comments];

    /// The switch's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Posts => "Scheduled posts",
            Self::Messages => "New DMs",
            Self::Comments => "Comments waiting",
        }
    }
}

/// One desktop notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
}

/// Why a notification could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(
        "no desktop notification service answered ({0}); a notification daemon (dunst, mako, your desktop's own) shows them"
    )]
    Unavailable(String),
}

/// Shows notifications on the desktop. Implementations must not block for long: the engine
/// calls them from its tasks.
pub trait Notifier: Send + Sync {
    fn show(&self, notification: &Notification) -> Result<(), NotifyError>;
}

/// The desktop's notification service (freedesktop D-Bus on Linux). Each notification is
/// sent from its own short-lived thread, since a D-Bus round trip to a missing or slow
/// daemon may take seconds; a failure is logged once at debug level.
#[derive(Default)]
pub struct DesktopNotifier {
    failed_once: std::sync::Arc<AtomicBool>,
}

impl Notifier for DesktopNotifier {
    fn show(&self, notification: &Notification) -> Result<(), NotifyError> {
        let (title, body) = (notification.title.clone(), notification.body.clone());
        let failed_once = self.failed_once.clone();
        let spawned = std::thread::Builder::new()
            .name("notify".into())
            .spawn(move || {
                let shown = notify_rust::Notification::new()
                    .appname("socialdesk")
                    .summary(&title)
                    .body(&body)
                    .show();
                if let Err(e) = shown
                    && !failed_once.swap(true, Ordering::Relaxed)
                {
                    tracing::debug!(error = %NotifyError::Unavailable(e.to_string()), "desktop notification not shown");
                }
            });
        spawned
            .map(|_| ())
            .map_err(|e| NotifyError::Unavailable(e.to_string()))
    }
}

/// Settings the UI sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotifyCommand {
    /// The user's switch: notifications on or off.
    Enabled(bool),
    /// The user's switch for one topic (kept apart from the main one, so turning every
    /// notification off and on again keeps the per-topic choices).
    Topic(NotifyTopic, bool),
    /// The window gained (true) or lost focus.
    Focused(bool),
}

/// A DM conversation as the notifier sees it.
#[derive(Clone, Debug)]
pub struct MessageSeen {
    pub conversation: String,
    /// Identifies the person's newest message (its time).
    pub last_inbound: String,
    pub from: String,
    pub text: Option<String>,
    pub unread: bool,
}

/// A comment waiting for the account's reply.
#[derive(Clone, Debug)]
pub struct CommentSeen {
    pub id: String,
    pub from: String,
    pub text: String,
}

/// At most this many comments get a notification each per sync; more are summed up in one.
const COMMENTS_ONE_BY_ONE: usize = 3;

struct State {
    disabled: bool,
    /// The window is focused (scheduled-post notifications wait for it not to be); the app
    /// starts in front, and the UI says when that changes.
    focused: bool,
    /// Topics the user switched off.
    muted: HashSet<NotifyTopic>,
    /// Keys of events already announced or part of a baseline.
    seen: HashSet<String>,
    /// `(account, "dm" | "comments")` whose baseline is set.
    baselines: HashSet<(IgUserId, &'static str)>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            disabled: false,
            focused: true,
            muted: HashSet::new(),
            seen: HashSet::new(),
            baselines: HashSet::new(),
        }
    }
}

/// What was announced, and the user's settings; shared by every engine core of a run.
pub struct Notifications {
    notifier: Box<dyn Notifier>,
    state: Mutex<State>,
}

impl Default for Notifications {
    fn default() -> Self {
        Self::new(Box::new(DesktopNotifier::default()))
    }
}

impl std::fmt::Debug for Notifications {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifications").finish_non_exhaustive()
    }
}

impl Notifications {
    /// Notifications shown through `notifier`.
    pub fn new(notifier: Box<dyn Notifier>) -> Self {
        Self {
            notifier,
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies a setting from the UI.
    pub fn apply(&self, command: NotifyCommand) {
        let mut state = self.lock();
        match command {
            NotifyCommand::Enabled(on) => state.disabled = !on,
            NotifyCommand::Focused(focused) => state.focused = focused,
            NotifyCommand::Topic(topic, true) => {
                state.muted.remove(&topic);
            }
            NotifyCommand::Topic(topic, false) => {
                state.muted.insert(topic);
            }
        }
    }

    fn show(&self, notification: Notification) {
        if let Err(e) = self.notifier.show(&notification) {
            tracing::debug!(error = %e, "desktop notification not shown");
        }
    }

    /// A scheduled post went out (`Ok`: a line about it) or failed (`Err`: why). Shown only
    /// while the window is not focused (in front, the Composer already says it), once per
    /// draft and outcome.
    pub fn scheduled_post(&self, account: &str, draft: i64, outcome: Result<&str, &str>) {
        let key = format!("post:{draft}:{}", outcome.is_ok());
        {
            let mut state = self.lock();
            let muted = state.disabled || state.muted.contains(&NotifyTopic::Posts);
            if muted || state.focused || !state.seen.insert(key) {
                return;
            }
        }
        self.show(match outcome {
            Ok(what) => Notification {
                kind: NotificationKind::Published,
                title: format!("Published on @{account}"),
                body: what.to_owned(),
            },
            Err(why) => Notification {
                kind: NotificationKind::PublishFailed,
                title: format!("A scheduled post for @{account} failed"),
                body: format!("{why} Open socialdesk's Composer to retry (draft {draft})."),
            },
        });
    }

    /// The account's DM inbox after a sync: a notification for each unread conversation
    /// whose person wrote something not announced before.
    pub fn messages(&self, account: &IgUserId, username: &str, inbox: &[MessageSeen]) {
        let fresh: Vec<&MessageSeen> = {
            let mut state = self.lock();
            let baseline = state.baselines.insert((account.clone(), "dm"));
            let fresh: Vec<&MessageSeen> = inbox
                .iter()
                .filter(|m| m.unread)
                .filter(|m| {
                    state.seen.insert(format!(
                        "dm:{account}:{}:{}",
                        m.conversation, m.last_inbound
                    ))
                })
                .collect();
            if baseline || state.disabled || state.muted.contains(&NotifyTopic::Messages) {
                return;
            }
            fresh
        };
        for m in fresh {
            self.show(Notification {
                kind: NotificationKind::NewMessage,
                title: format!("New message from @{} to @{username}", m.from),
                body: m.text.clone().unwrap_or_else(|| "(an attachment)".into()),
            });
        }
    }

    /// The comments of the account waiting for a reply after a sync: one notification for
    /// each that was not waiting before (a few one by one, then one that sums up the rest).
    pub fn comments(&self, account: &IgUserId, username: &str, waiting: &[CommentSeen]) {
        let fresh: Vec<&CommentSeen> = {
            let mut state = self.lock();
            let baseline = state.baselines.insert((account.clone(), "comments"));
            let fresh: Vec<&CommentSeen> = waiting
                .iter()
                .filter(|c| state.seen.insert(format!("comment:{account}:{}", c.id)))
                .collect();
            if baseline || state.disabled || state.muted.contains(&NotifyTopic::Comments) {
                return;
            }
            fresh
        };
        for c in fresh.iter().take(COMMENTS_ONE_BY_ONE) {
            self.show(Notification {
                kind: NotificationKind::NewComment,
                title: format!("@{} commented on @{username}", c.from),
                body: c.text.clone(),
            });
        }
        if fresh.len() > COMMENTS_ONE_BY_ONE {
            self.show(Notification {
                kind: NotificationKind::NewComment,
                title: format!(
                    "{} more comments wait for a reply on @{username}",
                    fresh.len() - COMMENTS_ONE_BY_ONE
                ),
                body: "Open socialdesk's Comments to answer them.".into(),
            });
        }
    }
}

/// A notifier that keeps what it was asked to show (tests).
#[derive(Clone, Default)]
pub struct RecordingNotifier {
    pub shown: std::sync::Arc<Mutex<Vec<Notification>>>,
}

impl RecordingNotifier {
    /// Everything shown so far.
    pub fn taken(&self) -> Vec<Notification> {
        std::mem::take(
            &mut *self
                .shown
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

impl Notifier for RecordingNotifier {
    fn show(&self, notification: &Notification) -> Result<(), NotifyError> {
        self.shown
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(notification.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Notifications, RecordingNotifier) {
        let recorder = RecordingNotifier::default();
        (Notifications::new(Box::new(recorder.clone())), recorder)
    }

    fn message(conversation: &str, at: &str, unread: bool) -> MessageSeen {
        MessageSeen {
            conversation: conversation.into(),
            last_inbound: at.into(),
            from: "ana".into(),
            text: Some("hi".into()),
            unread,
        }
    }

    fn comment(id: &str) -> CommentSeen {
        CommentSeen {
            id: id.into(),
            from: "bo".into(),
            text: "price?".into(),
        }
    }

    #[test]
    fn the_first_inbox_is_the_baseline_and_each_new_message_is_announced_once() {
        let (n, shown) = setup();
        let me = IgUserId::from("1");
        n.messages(&me, "shop", &[message("c1", "t1", true)]);
        assert!(
            shown.taken().is_empty(),
            "what was there at start is not news"
        );
        n.messages(
            &me,
            "shop",
            &[message("c1", "t1", true), message("c2", "t2", true)],
        );
        let got = shown.taken();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].kind, NotificationKind::NewMessage);
        n.messages(
            &me,
            "shop",
            &[message("c1", "t1", true), message("c2", "t2", true)],
        );
        assert!(shown.taken().is_empty(), "seen before");
        // The same conversation with a newer message, and a read one, which is not news.
        n.messages(
            &me,
            "shop",
            &[message("c1", "t3", true), message("c3", "t4", false)],
        );
        assert_eq!(shown.taken().len(), 1);
    }

    #[test]
    fn many_new_comments_are_summed_up_and_none_shows_twice() {
        let (n, shown) = setup();
        let me = IgUserId::from("1");
        n.comments(&me, "shop", &[comment("a")]);
        assert!(shown.taken().is_empty());
        let batch: Vec<CommentSeen> = ["a", "b", "c", "d", "e", "f"]
            .into_iter()
            .map(comment)
            .collect();
        n.comments(&me, "shop", &batch);
        let got = shown.taken();
        assert_eq!(got.len(), COMMENTS_ONE_BY_ONE + 1, "{got:?}");
        assert!(got[COMMENTS_ONE_BY_ONE].title.starts_with("2 more"));
        n.comments(&me, "shop", &batch);
        assert!(shown.taken().is_empty());
    }

    #[test]
    fn scheduled_posts_are_announced_only_while_the_window_is_unfocused() {
        let (n, shown) = setup();
        n.scheduled_post("shop", 1, Ok("Caption"));
        assert!(shown.taken().is_empty());
        n.apply(NotifyCommand::Focused(false));
        n.scheduled_post("shop", 2, Err("Meta refused the picture."));
        n.scheduled_post("shop", 2, Err("Meta refused the picture."));
        let got = shown.taken();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].kind, NotificationKind::PublishFailed);
    }

    #[test]
    fn a_topic_switched_off_is_silent_and_the_others_still_speak() {
        let (n, shown) = setup();
        let me = IgUserId::from("1");
        n.comments(&me, "shop", &[]);
        n.messages(&me, "shop", &[]);
        n.apply(NotifyCommand::Topic(NotifyTopic::Comments, false));
        n.comments(&me, "shop", &[comment("a")]);
        n.messages(&me, "shop", &[message("c1", "t1", true)]);
        let got = shown.taken();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].kind, NotificationKind::NewMessage);
        // Back on: only what is new from now on.
        n.apply(NotifyCommand::Topic(NotifyTopic::Comments, true));
        n.comments(&me, "shop", &[comment("a"), comment("b")]);
        let got = shown.taken();
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].title.contains("commented"), "{got:?}");
    }

    #[test]
    fn the_switch_turns_every_kind_off() {
        let (n, shown) = setup();
        let me = IgUserId::from("1");
        n.comments(&me, "shop", &[]);
        n.apply(NotifyCommand::Enabled(false));
        n.apply(NotifyCommand::Focused(false));
        n.comments(&me, "shop", &[comment("x")]);
        n.scheduled_post("shop", 3, Ok("Caption"));
        assert!(shown.taken().is_empty());
        // Turned back on, what happened meanwhile is not announced late.
        n.apply(NotifyCommand::Enabled(true));
        n.comments(&me, "shop", &[comment("x")]);
        assert!(shown.taken().is_empty());
    }
}
