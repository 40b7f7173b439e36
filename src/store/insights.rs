//! The insights cache: daily account values with the time they were fetched, and JSON
//! snapshots of whole answers (totals, demographics, the media table).
//!
//! Daily values are upserted, never pruned, so history reaches further back than Meta's
//! own windows (30 days of `follower_count`). Snapshots let the tab open instantly with
//! what was last seen while the engine refreshes in the background.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::accounts::require_account;
use super::{Failure, Store, StoreError, from_millis, to_millis};
use crate::ids::IgUserId;

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn parse_day(text: &str) -> Result<NaiveDate, Failure> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| {
        Failure::Store(StoreError::BadRow {
            what: "insights day",
            reason: format!("`{text}`: {e}"),
        })
    })
}

impl Store {
    /// Stores daily values of one metric (replacing values already stored for those days).
    #[tracing::instrument(skip_all)]
    pub fn upsert_insight_days(
        &self,
        account: &IgUserId,
        metric: &str,
        values: &BTreeMap<NaiveDate, u64>,
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            require_account(tx, account)?;
            let mut stmt = tx.prepare_cached(
                "INSERT INTO insights_daily (account_id, metric, day, value, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (account_id, metric, day) DO UPDATE SET
                     value = excluded.value, fetched_at = excluded.fetched_at",
            )?;
            for (day, value) in values {
                stmt.execute(params![
                    account.as_str(),
                    metric,
                    day_text(*day),
                    i64::try_from(*value).unwrap_or(i64::MAX),
                    to_millis(fetched_at),
                ])?;
            }
            Ok(())
        })
    }

    /// Stored daily values of a metric for days in `since..until` (half-open), by day.
    #[tracing::instrument(skip_all)]
    pub fn insight_days(
        &self,
        account: &IgUserId,
        metric: &str,
        since: NaiveDate,
        until: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, u64>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT day, value FROM insights_daily
                 WHERE account_id = ?1 AND metric = ?2 AND day >= ?3 AND day < ?4
                 ORDER BY day",
            )?;
            let rows = stmt.query_map(
                params![account.as_str(), metric, day_text(since), day_text(until)],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
            )?;
            let mut out = BTreeMap::new();
            for row in rows {
                let (day, value) = row?;
                out.insert(parse_day(&day)?, u64::try_from(value).unwrap_or(0));
            }
            Ok(out)
        })
    }

    /// The oldest fetch time among a metric's values in `since..until` (None: nothing stored).
    #[tracing::instrument(skip_all)]
    pub fn insight_days_fetched_at(
        &self,
        account: &IgUserId,
        metric: &str,
        since: NaiveDate,
        until: NaiveDate,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.read(|conn| {
            let ms: Option<i64> = conn.query_row(
                "SELECT MIN(fetched_at) FROM insights_daily
                 WHERE account_id = ?1 AND metric = ?2 AND day >= ?3 AND day < ?4",
                params![account.as_str(), metric, day_text(since), day_text(until)],
                |r| r.get(0),
            )?;
            ms.map(|ms| from_millis(ms, "insights fetch time"))
                .transpose()
        })
    }

    /// Saves a JSON snapshot under `key` (replacing the previous one).
    #[tracing::instrument(skip_all)]
    pub fn put_insights_snapshot(
        &self,
        account: &IgUserId,
        key: &str,
        json: &str,
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            require_account(tx, account)?;
            tx.execute(
                "INSERT INTO insights_snapshots (account_id, key, json, fetched_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account_id, key) DO UPDATE SET
                     json = excluded.json, fetched_at = excluded.fetched_at",
                params![account.as_str(), key, json, to_millis(fetched_at)],
            )?;
            Ok(())
        })
    }

    /// A JSON snapshot and when it was fetched.
    #[tracing::instrument(skip_all)]
    pub fn insights_snapshot(
        &self,
        account: &IgUserId,
        key: &str,
    ) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        self.read(|conn| {
            let row = conn
                .query_row(
                    "SELECT json, fetched_at FROM insights_snapshots
                     WHERE account_id = ?1 AND key = ?2",
                    params![account.as_str(), key],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()?;
            row.map(|(json, ms)| Ok((json, from_millis(ms, "insights fetch time")?)))
                .transpose()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, AccountStatus, LoginKind};

    fn store_with_account() -> (Store, IgUserId) {
        let store = Store::in_memory().expect("store");
        let id = IgUserId::from("1784");
        let account = Account {
            id: id.clone(),
            username: "a".into(),
            name: None,
            account_type: None,
            profile_picture_url: None,
            followers_count: None,
            media_count: None,
            login: LoginKind::Instagram,
            page_id: None,
            status: AccountStatus::Connected,
            sandbox: true,
            token_issued_at: None,
            token_expires_at: None,
        };
        store.upsert_account(&account).expect("account");
        (store, id)
    }

    #[test]
    fn daily_values_accumulate_beyond_one_fetch_and_upsert_by_day() {
        let (store, id) = store_with_account();
        let d = |n: u32| NaiveDate::from_ymd_opt(2026, 1, n).expect("date");
        let t = Utc::now();
        let first: BTreeMap<_, _> = [(d(1), 5), (d(2), 6)].into();
        let second: BTreeMap<_, _> = [(d(2), 7), (d(3), 8)].into();
        store
            .upsert_insight_days(&id, "follower_count", &first, t)
            .expect("first");
        store
            .upsert_insight_days(&id, "follower_count", &second, t)
            .expect("second");
        let all = store
            .insight_days(&id, "follower_count", d(1), d(10))
            .expect("read");
        assert_eq!(all, [(d(1), 5), (d(2), 7), (d(3), 8)].into());
        assert!(
            store
                .insight_days(&id, "reach", d(1), d(10))
                .expect("read")
                .is_empty()
        );
        store
            .put_insights_snapshot(&id, "media", "[]", t)
            .expect("snapshot");
        let (json, _) = store
            .insights_snapshot(&id, "media")
            .expect("read")
            .expect("some");
        assert_eq!(json, "[]");
    }
}
