//! Competitors over time in SQLite: which accounts each connected account tracks, and one
//! snapshot of each per local day (followers, posts, posting rhythm, engagement). A day is
//! the user's local date, so "today's snapshot" means what the user sees as today; a second
//! snapshot the same day replaces the first.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{Failure, Store, StoreError, from_millis};
use crate::ids::IgUserId;

/// One day's figures of one account.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompetitorSnapshot {
    pub username: String,
    /// The user's local date the snapshot belongs to.
    pub day: NaiveDate,
    pub followers_count: Option<u64>,
    pub media_count: Option<u64>,
    /// Posts published in the 7 days before the snapshot.
    pub posts_last_7_days: u32,
    /// Average likes + comments per recent post (`None` without recent posts).
    pub engagement_per_post: Option<f64>,
    pub taken_at: DateTime<Utc>,
}

/// A tracked account and its snapshots, oldest day first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrackedCompetitor {
    pub username: String,
    pub added_at: DateTime<Utc>,
    pub history: Vec<CompetitorSnapshot>,
}

impl TrackedCompetitor {
    /// The newest snapshot, if any was taken.
    pub fn latest(&self) -> Option<&CompetitorSnapshot> {
        self.history.last()
    }
}

fn to_i64(n: Option<u64>) -> Option<i64> {
    n.map(|n| i64::try_from(n).unwrap_or(i64::MAX))
}

fn bad_row(reason: String) -> Failure {
    Failure::Store(StoreError::BadRow {
        what: "competitor snapshot",
        reason,
    })
}

type SnapshotRow = (
    String,
    String,
    Option<i64>,
    Option<i64>,
    i64,
    Option<f64>,
    i64,
);

fn snapshot_from(row: SnapshotRow) -> Result<CompetitorSnapshot, Failure> {
    let (username, day, followers, media, posts, engagement, taken) = row;
    let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
        .map_err(|e| bad_row(format!("day '{day}': {e}")))?;
    Ok(CompetitorSnapshot {
        username,
        day,
        followers_count: followers.and_then(|n| u64::try_from(n).ok()),
        media_count: media.and_then(|n| u64::try_from(n).ok()),
        posts_last_7_days: u32::try_from(posts).unwrap_or(0),
        engagement_per_post: engagement,
        taken_at: from_millis(taken, "competitor snapshot time")?,
    })
}

impl Store {
    /// Starts tracking `username` for `account`; returns false when it already was tracked.
    #[tracing::instrument(skip_all)]
    pub fn add_competitor(
        &self,
        account: &IgUserId,
        username: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (account, username) = (account.to_string(), username.to_owned());
        self.write(|tx| {
            let n = tx.execute(
                "INSERT OR IGNORE INTO competitors (account_id, username, added_at) VALUES (?1, ?2, ?3)",
                rusqlite::params![account, username, at.timestamp_millis()],
            )?;
            Ok(n > 0)
        })
    }

    /// Stops tracking `username` and forgets its snapshots; returns false when it was not
    /// tracked.
    #[tracing::instrument(skip_all)]
    pub fn remove_competitor(
        &self,
        account: &IgUserId,
        username: &str,
    ) -> Result<bool, StoreError> {
        let (account, username) = (account.to_string(), username.to_owned());
        self.write(|tx| {
            let n = tx.execute(
                "DELETE FROM competitors WHERE account_id = ?1 AND username = ?2",
                rusqlite::params![account, username],
            )?;
            tx.execute(
                "DELETE FROM competitor_snapshots WHERE account_id = ?1 AND username = ?2",
                rusqlite::params![account, username],
            )?;
            Ok(n > 0)
        })
    }

    /// The accounts `account` tracks, by username, each with its snapshots.
    #[tracing::instrument(skip_all)]
    pub fn competitors(&self, account: &IgUserId) -> Result<Vec<TrackedCompetitor>, StoreError> {
        let id = account.to_string();
        let tracked = self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT username, added_at FROM competitors WHERE account_id = ?1 ORDER BY username",
            )?;
            let rows = stmt.query_map([&id], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (username, at) = row?;
                out.push((username, from_millis(at, "competitor added time")?));
            }
            Ok(out)
        })?;
        tracked
            .into_iter()
            .map(|(username, added_at)| {
                let history = self.competitor_snapshots(account, &username)?;
                Ok(TrackedCompetitor {
                    username,
                    added_at,
                    history,
                })
            })
            .collect()
    }

    /// Every snapshot of `username` kept for `account`, oldest day first.
    #[tracing::instrument(skip_all)]
    pub fn competitor_snapshots(
        &self,
        account: &IgUserId,
        username: &str,
    ) -> Result<Vec<CompetitorSnapshot>, StoreError> {
        let (account, username) = (account.to_string(), username.to_owned());
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT username, day, followers_count, media_count, posts_last_7_days,
                        engagement_per_post, taken_at
                 FROM competitor_snapshots WHERE account_id = ?1 AND username = ?2 ORDER BY day",
            )?;
            let rows = stmt.query_map(rusqlite::params![account, username], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                    row.get(6)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                out.push(snapshot_from(row?)?);
            }
            Ok(out)
        })
    }

    /// Stores `snapshot` for `account`, replacing one taken earlier the same day.
    #[tracing::instrument(skip_all)]
    pub fn save_competitor_snapshot(
        &self,
        account: &IgUserId,
        snapshot: &CompetitorSnapshot,
    ) -> Result<(), StoreError> {
        let account = account.to_string();
        let s = snapshot.clone();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO competitor_snapshots (account_id, username, day, followers_count,
                     media_count, posts_last_7_days, engagement_per_post, taken_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (account_id, username, day) DO UPDATE SET
                     followers_count = excluded.followers_count,
                     media_count = excluded.media_count,
                     posts_last_7_days = excluded.posts_last_7_days,
                     engagement_per_post = excluded.engagement_per_post,
                     taken_at = excluded.taken_at",
                rusqlite::params![
                    account,
                    s.username,
                    s.day.format("%Y-%m-%d").to_string(),
                    to_i64(s.followers_count),
                    to_i64(s.media_count),
                    i64::from(s.posts_last_7_days),
                    s.engagement_per_post,
                    s.taken_at.timestamp_millis()
                ],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, AccountStatus, LoginKind};

    fn snapshot(day: u32, followers: u64) -> CompetitorSnapshot {
        CompetitorSnapshot {
            username: "harbour.bakery".into(),
            day: NaiveDate::from_ymd_opt(2026, 12, day).expect("day"),
            followers_count: Some(followers),
            media_count: Some(40),
            posts_last_7_days: 5,
            engagement_per_post: Some(281.5),
            taken_at: DateTime::from_timestamp(1_800_000_000, 0).expect("time"),
        }
    }

    #[test]
    fn one_snapshot_per_day_and_removal_forgets_the_history() {
        let store = Store::in_memory().expect("store");
        let account = Account {
            id: IgUserId::from("17841400000000001"),
            username: "northwind".into(),
            name: None,
            account_type: Some("BUSINESS".into()),
            profile_picture_url: None,
            followers_count: Some(1234),
            media_count: Some(56),
            login: LoginKind::Facebook,
            page_id: None,
            status: AccountStatus::Connected,
            sandbox: true,
            token_issued_at: None,
            token_expires_at: None,
        };
        store.upsert_account(&account).expect("account");
        let at = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        assert!(
            store
                .add_competitor(&account.id, "harbour.bakery", at)
                .expect("add")
        );
        assert!(
            !store
                .add_competitor(&account.id, "harbour.bakery", at)
                .expect("again")
        );

        store
            .save_competitor_snapshot(&account.id, &snapshot(1, 100))
            .expect("1");
        store
            .save_competitor_snapshot(&account.id, &snapshot(2, 110))
            .expect("2");
        store
            .save_competitor_snapshot(&account.id, &snapshot(2, 120))
            .expect("2 again");
        let tracked = store.competitors(&account.id).expect("list");
        assert_eq!(tracked.len(), 1);
        assert_eq!(tracked[0].history.len(), 2, "the same day is replaced");
        assert_eq!(
            tracked[0].latest().and_then(|s| s.followers_count),
            Some(120)
        );
        assert_eq!(tracked[0].history[0], snapshot(1, 100));

        assert!(
            store
                .remove_competitor(&account.id, "harbour.bakery")
                .expect("remove")
        );
        assert!(
            !store
                .remove_competitor(&account.id, "harbour.bakery")
                .expect("twice")
        );
        assert!(store.competitors(&account.id).expect("list").is_empty());
        assert!(
            store
                .competitor_snapshots(&account.id, "harbour.bakery")
                .expect("history")
                .is_empty()
        );
    }
}
