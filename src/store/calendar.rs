//! What the content calendar reads and changes: published media inside a time range (from
//! the feed cache) and the schedule of drafts.
//!
//! Rescheduling is guarded in SQL, not only in the engine: a draft the scheduler has already
//! claimed (`publishing`) or finished (`published`) never moves, even if the calendar was
//! showing an older state when the user dragged it.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::feed::RawMedia;
use super::{Store, StoreError, to_millis};
use crate::ids::IgUserId;
use crate::model::Media;

/// Why a draft could not be moved.
#[derive(Debug, thiserror::Error)]
pub enum RescheduleError {
    #[error(
        "that post is already being published or was published; only scheduled posts and drafts can move"
    )]
    NotMovable,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// An account's cached media published in `[from, to)`, oldest first.
    #[tracing::instrument(skip_all)]
    pub fn media_between(
        &self,
        account: &IgUserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Media>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, media_type, media_product_type, caption, media_url, thumbnail_url,
                     permalink, shortcode, timestamp, username, like_count, comments_count,
                     alt_text, children_json
                 FROM media WHERE account_id = ?1 AND timestamp >= ?2 AND timestamp < ?3
                 ORDER BY timestamp, id",
            )?;
            let rows = stmt.query_map(
                params![account.as_str(), to_millis(from), to_millis(to)],
                RawMedia::from_row,
            )?;
            let mut media = Vec::new();
            for raw in rows {
                media.push(raw?.into_media()?);
            }
            Ok(media)
        })
    }

    /// Moves a draft of `account` to `at` and marks it scheduled. Only drafts that are
    /// saved or scheduled move.
    #[tracing::instrument(skip_all)]
    pub fn reschedule_draft(
        &self,
        account: &IgUserId,
        id: i64,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), RescheduleError> {
        let changed = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE drafts SET scheduled_at = ?3, state = 'scheduled', error = NULL,
                     updated_at = ?4
                 WHERE id = ?1 AND account_id = ?2 AND state IN ('draft', 'scheduled')",
                params![id, account.as_str(), to_millis(at), to_millis(now)],
            )?)
        })?;
        if changed == 1 {
            Ok(())
        } else {
            Err(RescheduleError::NotMovable)
        }
    }

    /// Takes a scheduled draft off the calendar (it stays a saved draft).
    #[tracing::instrument(skip_all)]
    pub fn unschedule_draft(
        &self,
        account: &IgUserId,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), RescheduleError> {
        let changed = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE drafts SET scheduled_at = NULL, state = 'draft', updated_at = ?3
                 WHERE id = ?1 AND account_id = ?2 AND state = 'scheduled'",
                params![id, account.as_str(), to_millis(now)],
            )?)
        })?;
        if changed == 1 {
            Ok(())
        } else {
            Err(RescheduleError::NotMovable)
        }
    }
}
