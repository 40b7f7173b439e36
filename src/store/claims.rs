//! The publish claim: which process is publishing a draft, and until when.
//!
//! Several processes share one data folder: the app (and its scheduler), `publish`,
//! `publish resume`, `run-scheduler` from cron. An in-process lock cannot see the others, so
//! publishing a draft starts with one conditional `UPDATE` that only one of them can win:
//! it names the owner and a lease (`claim_until`, wall-clock Unix ms). The owner renews the
//! lease while it works; a claim whose owner died (kill -9, a closed laptop) is taken over
//! only after its lease expired, and the taker resumes from the journal (the containers and
//! the "media_publish sent" mark), so a takeover never creates a second post.
//!
//! Leases use the wall clock, not the engine's clock: they are about whether a process is
//! alive, and the sandbox clock may be pushed forward by hours in tests and demos.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, from_millis, to_millis};
use crate::ids::ContainerId;

/// Which drafts a claim may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimScope {
    /// The user asked to publish this draft now: any state but published.
    Now,
    /// The scheduler: only a scheduled draft that is due at `due` (engine time), or one an
    /// earlier run left `publishing` (interrupted).
    Due { due: DateTime<Utc> },
}

/// What a claim attempt found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The caller owns the draft until the lease ends (renew it while working).
    Claimed,
    /// Another owner holds a live claim until `until`.
    Busy { until: DateTime<Utc> },
    /// The draft is already published.
    Published,
    /// The scheduler's claim found the draft not due (edited, moved or failed meanwhile).
    NotDue,
    /// There is no such draft.
    Missing,
}

impl Store {
    /// Claims draft `id` for `owner` until `wall + lease`, atomically: at most one of any
    /// number of processes racing for the same draft gets [`ClaimOutcome::Claimed`].
    /// `now` (engine time) stamps `updated_at`.
    #[tracing::instrument(skip_all, fields(draft = id))]
    pub fn claim_draft(
        &self,
        id: i64,
        owner: &str,
        scope: ClaimScope,
        now: DateTime<Utc>,
        wall: DateTime<Utc>,
        lease: std::time::Duration,
    ) -> Result<ClaimOutcome, StoreError> {
        let until = lease_end(wall, lease);
        let due = match scope {
            ClaimScope::Now => None,
            ClaimScope::Due { due } => Some(to_millis(due)),
        };
        self.write(|tx| {
            let claimed = tx.execute(
                "UPDATE drafts
                    SET state = 'publishing', claim_owner = ?2, claim_until = ?3, error = NULL,
                        updated_at = ?4
                  WHERE id = ?1
                    AND state <> 'published'
                    AND (claim_owner IS NULL OR claim_owner = ?2 OR claim_until <= ?5)
                    AND (?6 IS NULL
                         OR state = 'publishing'
                         OR (state = 'scheduled' AND scheduled_at <= ?6))",
                params![id, owner, until, to_millis(now), to_millis(wall), due],
            )?;
            if claimed == 1 {
                return Ok(ClaimOutcome::Claimed);
            }
            let row: Option<(String, Option<String>, Option<i64>)> = tx
                .query_row(
                    "SELECT state, claim_owner, claim_until FROM drafts WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            Ok(match row {
                None => ClaimOutcome::Missing,
                Some((state, _, _)) if state == "published" => ClaimOutcome::Published,
                Some((_, Some(_), Some(until))) if until > to_millis(wall) => ClaimOutcome::Busy {
                    until: from_millis(until, "claim_until")?,
                },
                Some(_) => ClaimOutcome::NotDue,
            })
        })
    }

    /// Extends `owner`'s claim on draft `id` to `wall + lease`. `false`: the claim is gone
    /// (it expired and another process took it over, or the draft was deleted).
    pub fn renew_claim(
        &self,
        id: i64,
        owner: &str,
        wall: DateTime<Utc>,
        lease: std::time::Duration,
    ) -> Result<bool, StoreError> {
        self.update_if_owner(
            "UPDATE drafts SET claim_until = ?3 WHERE id = ?1 AND claim_owner = ?2",
            params![id, owner, lease_end(wall, lease)],
        )
    }

    /// Lets go of `owner`'s claim without an outcome (the attempt was cancelled): the draft
    /// stays `publishing`, so the next attempt or the scheduler resumes it at once instead
    /// of waiting for the lease to run out.
    pub fn release_claim(&self, id: i64, owner: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE drafts SET claim_owner = NULL, claim_until = NULL
                  WHERE id = ?1 AND claim_owner = ?2",
                params![id, owner],
            )?;
            Ok(())
        })
    }

    /// Marks a publish the user cancelled as failed, so neither scheduler resumes it on its
    /// own; publishing it again resumes from the journal. Only an unclaimed, unpublished
    /// draft changes (the cancelled attempt released its claim as it stopped).
    pub fn mark_cancelled(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE drafts SET state = 'failed',
                        error = 'Cancelled; publish it again to finish (it resumes, it will not post twice)',
                        updated_at = ?2
                  WHERE id = ?1 AND state = 'publishing' AND claim_owner IS NULL",
                params![id, to_millis(now)],
            )?;
            Ok(())
        })
    }

    /// Ends `owner`'s claim on a draft that failed, recording why. Does nothing when the
    /// claim was taken over meanwhile: the new owner's outcome is the one that counts.
    pub fn release_failed(
        &self,
        id: i64,
        owner: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE drafts SET state = 'failed', error = ?3, claim_owner = NULL,
                        claim_until = NULL, updated_at = ?4
                  WHERE id = ?1 AND claim_owner = ?2 AND state <> 'published'",
                params![id, owner, error, to_millis(now)],
            )?;
            Ok(())
        })
    }

    /// Journals the container to publish, only while `owner` holds the claim (and renews
    /// it). `false`: the claim was lost, and the caller must stop.
    pub fn set_parent_container_claimed(
        &self,
        id: i64,
        owner: &str,
        container: &ContainerId,
        now: DateTime<Utc>,
        wall: DateTime<Utc>,
        lease: std::time::Duration,
    ) -> Result<bool, StoreError> {
        self.update_if_owner(
            "UPDATE drafts SET parent_container_id = ?3, claim_until = ?5, updated_at = ?4
              WHERE id = ?1 AND claim_owner = ?2",
            params![
                id,
                owner,
                container.as_str(),
                to_millis(now),
                lease_end(wall, lease)
            ],
        )
    }

    /// Journals that media_publish is about to be sent, only while `owner` holds the claim,
    /// and renews the lease in the same statement so the send fits inside it. `false`: the
    /// claim was lost and nothing may be sent.
    pub fn mark_publish_sent_claimed(
        &self,
        id: i64,
        owner: &str,
        now: DateTime<Utc>,
        wall: DateTime<Utc>,
        lease: std::time::Duration,
    ) -> Result<bool, StoreError> {
        self.update_if_owner(
            "UPDATE drafts SET publish_sent_at = COALESCE(publish_sent_at, ?3),
                        claim_until = ?4, updated_at = ?3
                  WHERE id = ?1 AND claim_owner = ?2",
            params![id, owner, to_millis(now), lease_end(wall, lease)],
        )
    }

    /// A draft of `account` other than `except` with this fingerprint that was published,
    /// is being published or is scheduled, touched at or after `since`: the same post
    /// going out twice. Returns its id, state and when it was last touched.
    pub fn find_duplicate(
        &self,
        account: &crate::ids::IgUserId,
        fingerprint: &str,
        except: Option<i64>,
        since: DateTime<Utc>,
    ) -> Result<Option<(i64, String, DateTime<Utc>)>, StoreError> {
        self.read(|conn| {
            let row: Option<(i64, String, i64)> = conn
                .query_row(
                    "SELECT id, state, COALESCE(scheduled_at, updated_at) FROM drafts
                      WHERE account_id = ?1 AND fingerprint = ?2 AND id IS NOT ?3
                        AND state IN ('published', 'publishing', 'scheduled')
                        AND updated_at >= ?4
                      ORDER BY updated_at DESC LIMIT 1",
                    params![account.as_str(), fingerprint, except, to_millis(since)],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            row.map(|(id, state, at)| Ok((id, state, from_millis(at, "updated_at")?)))
                .transpose()
        })
    }

    /// Runs one `… WHERE claim_owner = ?` update; `true` when the owner still held the claim.
    fn update_if_owner(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<bool, StoreError> {
        self.write(|tx| Ok(tx.execute(sql, params)? == 1))
    }

    /// Who holds a claim on draft `id` and until when (for tests and diagnostics).
    pub fn draft_claim(&self, id: i64) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        self.read(|conn| {
            let row: Option<(Option<String>, Option<i64>)> = conn
                .query_row(
                    "SELECT claim_owner, claim_until FROM drafts WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            Ok(match row {
                Some((Some(owner), Some(until))) => {
                    Some((owner, from_millis(until, "claim_until")?))
                }
                _ => None,
            })
        })
    }
}

/// When a lease taken at `wall` runs out, in Unix ms.
fn lease_end(wall: DateTime<Utc>, lease: std::time::Duration) -> i64 {
    to_millis(wall).saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2))
}
