//! The content calendar: what was published and what is scheduled, day by day, and moving a
//! scheduled post to another time.
//!
//! Everything comes from SQLite (the feed cache and the drafts journal), so the calendar
//! opens instantly and offline; the Feed's sync keeps the published side fresh. Meta's API
//! has no scheduling: socialdesk's own scheduler publishes drafts when their time comes, so
//! rescheduling is a local change that the scheduler sees on its next tick.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::core::Core;
use super::handle::EventSender;
use super::protocol::Event;
use crate::ids::IgUserId;
use crate::model::Media;
use crate::store::{DraftState, DraftSummary, RescheduleError};

/// What the Calendar tab asks the engine to do.
#[derive(Clone, Debug)]
pub enum CalendarCommand {
    /// Published media and drafts of `account` inside `[from, to)`.
    Load {
        account: IgUserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// Move a saved or scheduled draft to `at` (must be in the future).
    Reschedule {
        account: IgUserId,
        draft: i64,
        at: DateTime<Utc>,
    },
    /// Take a scheduled draft off the calendar; it stays a saved draft.
    Unschedule { account: IgUserId, draft: i64 },
}

/// What the engine tells the Calendar tab.
#[derive(Clone, Debug)]
pub enum CalendarEvent {
    /// The range asked for. `scheduled` holds drafts with a time inside it; `unscheduled`
    /// the account's saved drafts with no time (to drop onto a day).
    Range {
        account: IgUserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        published: Vec<Media>,
        scheduled: Vec<DraftSummary>,
        unscheduled: Vec<DraftSummary>,
    },
    /// A draft moved (or, with `at: None`, left the calendar).
    Rescheduled {
        draft: i64,
        at: Option<DateTime<Utc>>,
    },
    /// A load or a move failed; `message` names the cause and the fix.
    Failed { message: String },
}

/// Runs one command in the background.
pub(crate) fn handle(core: Arc<Core>, events: EventSender, command: CalendarCommand) {
    tokio::spawn(async move {
        let event = match command {
            CalendarCommand::Load { account, from, to } => {
                core.calendar_range(account, from, to).await
            }
            CalendarCommand::Reschedule { account, draft, at } => {
                core.move_draft(account, draft, Some(at)).await
            }
            CalendarCommand::Unschedule { account, draft } => {
                core.move_draft(account, draft, None).await
            }
        };
        events.send(Event::Calendar(event)).await;
    });
}

impl Core {
    /// What the calendar shows for `[from, to)`.
    pub async fn calendar_range(
        &self,
        account: IgUserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> CalendarEvent {
        let id = account.clone();
        let result = self
            .with_store(move |s| Ok((s.media_between(&id, from, to)?, s.drafts(&id)?)))
            .await;
        match result {
            Ok((published, drafts)) => {
                let (mut scheduled, unscheduled): (Vec<_>, Vec<_>) = drafts
                    .into_iter()
                    .filter(|d| d.state != DraftState::Published)
                    .partition(|d| d.scheduled_at.is_some());
                scheduled.retain(|d| d.scheduled_at.is_some_and(|t| t >= from && t < to));
                scheduled.sort_by_key(|d| d.scheduled_at);
                let unscheduled = unscheduled
                    .into_iter()
                    .filter(|d| d.state == DraftState::Draft)
                    .collect();
                CalendarEvent::Range {
                    account,
                    from,
                    to,
                    published,
                    scheduled,
                    unscheduled,
                }
            }
            Err(e) => CalendarEvent::Failed {
                message: format!("could not read the calendar: {e}"),
            },
        }
    }

    /// Moves a draft to `at`, or off the calendar with `None`.
    pub async fn move_draft(
        &self,
        account: IgUserId,
        draft: i64,
        at: Option<DateTime<Utc>>,
    ) -> CalendarEvent {
        let now = self.now();
        if let Some(at) = at
            && at <= now + chrono::Duration::minutes(1)
        {
            return CalendarEvent::Failed {
                message: format!(
                    "{} is in the past (or less than a minute away); pick a later time",
                    at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M")
                ),
            };
        }
        let result = self
            .with_store(move |s| {
                Ok(match at {
                    Some(at) => s.reschedule_draft(&account, draft, at, now),
                    None => s.unschedule_draft(&account, draft, now),
                })
            })
            .await;
        match result {
            Ok(Ok(())) => CalendarEvent::Rescheduled { draft, at },
            Ok(Err(RescheduleError::NotMovable)) => CalendarEvent::Failed {
                message: RescheduleError::NotMovable.to_string(),
            },
            Ok(Err(e)) => CalendarEvent::Failed {
                message: format!("could not move the post: {e}"),
            },
            Err(e) => CalendarEvent::Failed {
                message: format!("could not move the post: {e}"),
            },
        }
    }
}
