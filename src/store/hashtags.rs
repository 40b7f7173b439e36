//! Hashtag research in SQLite: the hashtags each account queried (the local copy of Meta's
//! 30-unique-per-7-days budget, so the 31st is refused before Meta is called) and the
//! user's saved hashtag sets.

use chrono::{DateTime, Duration, Utc};

use super::{Store, StoreError, from_millis};
use crate::ids::IgUserId;

/// A hashtag counted against an account's budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchedHashtag {
    pub name: String,
    pub hashtag_id: String,
    pub first_searched_at: DateTime<Utc>,
}

/// A named list of hashtags kept for captions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashtagSet {
    pub name: String,
    /// Without '#', in the user's order.
    pub tags: Vec<String>,
}

impl HashtagSet {
    /// The set as caption text: `#a #b #c`.
    pub fn caption_text(&self) -> String {
        self.tags
            .iter()
            .map(|t| format!("#{t}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Store {
    /// The hashtags `account` first queried after `since`, oldest first.
    #[tracing::instrument(skip_all)]
    pub fn searched_hashtags(
        &self,
        account: &IgUserId,
        since: DateTime<Utc>,
    ) -> Result<Vec<SearchedHashtag>, StoreError> {
        let account = account.to_string();
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT name, hashtag_id, first_searched_at FROM hashtag_searches
                 WHERE account_id = ?1 AND first_searched_at > ?2
                 ORDER BY first_searched_at, name",
            )?;
            let rows = stmt.query_map(
                rusqlite::params![account, since.timestamp_millis()],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)?,
                    ))
                },
            )?;
            let mut out = Vec::new();
            for row in rows {
                let (name, hashtag_id, at) = row?;
                let first_searched_at = from_millis(at, "hashtag search time")?;
                out.push(SearchedHashtag {
                    name,
                    hashtag_id,
                    first_searched_at,
                });
            }
            Ok(out)
        })
    }

    /// Counts `name` for `account` at `at` unless it is already counted in the window that
    /// starts at `at - window` (a re-query is free and keeps its first time). Returns true
    /// when it was newly counted.
    #[tracing::instrument(skip_all)]
    pub fn record_hashtag_search(
        &self,
        account: &IgUserId,
        name: &str,
        hashtag_id: &str,
        at: DateTime<Utc>,
        window: Duration,
    ) -> Result<bool, StoreError> {
        let account = account.to_string();
        let since = (at - window).timestamp_millis();
        let name = name.to_owned();
        let hashtag_id = hashtag_id.to_owned();
        self.write(|tx| {
            let counted: i64 = tx.query_row(
                "SELECT COUNT(*) FROM hashtag_searches
                 WHERE account_id = ?1 AND name = ?2 AND first_searched_at > ?3",
                rusqlite::params![account, name, since],
                |row| row.get(0),
            )?;
            if counted > 0 {
                return Ok(false);
            }
            tx.execute(
                "INSERT OR IGNORE INTO hashtag_searches (account_id, name, hashtag_id, first_searched_at)
                 VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![account, name, hashtag_id, at.timestamp_millis()],
            )?;
            Ok(true)
        })
    }

    /// Every saved hashtag set, by name.
    #[tracing::instrument(skip_all)]
    pub fn hashtag_sets(&self) -> Result<Vec<HashtagSet>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare("SELECT name, tags FROM hashtag_sets ORDER BY name")?;
            let rows = stmt.query_map([], |row| {
                Ok(HashtagSet {
                    name: row.get(0)?,
                    tags: row
                        .get::<_, String>(1)?
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect(),
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Saves (or replaces) a hashtag set.
    #[tracing::instrument(skip_all)]
    pub fn save_hashtag_set(&self, set: &HashtagSet, at: DateTime<Utc>) -> Result<(), StoreError> {
        let name = set.name.clone();
        let tags = set.tags.join(" ");
        self.write(|tx| {
            tx.execute(
                "INSERT INTO hashtag_sets (name, tags, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET tags = excluded.tags, updated_at = excluded.updated_at",
                rusqlite::params![name, tags, at.timestamp_millis()],
            )?;
            Ok(())
        })
    }

    /// Deletes a hashtag set; deleting a missing one is not an error.
    #[tracing::instrument(skip_all)]
    pub fn delete_hashtag_set(&self, name: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM hashtag_sets WHERE name = ?1", [name])?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashtag_counts_once_per_window_and_sets_round_trip() {
        let store = Store::in_memory().expect("store");
        let account = IgUserId::from("17841400000000001");
        let week = Duration::days(7);
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        assert!(
            store
                .record_hashtag_search(&account, "coffee", "1", t0, week)
                .expect("1")
        );
        let later = t0 + Duration::days(3);
        assert!(
            !store
                .record_hashtag_search(&account, "coffee", "1", later, week)
                .expect("2"),
            "re-searching is free and keeps the first time"
        );
        let counted = store
            .searched_hashtags(&account, later - week)
            .expect("read");
        assert_eq!(counted.len(), 1);
        assert_eq!(counted[0].first_searched_at, t0);
        let after = t0 + Duration::days(7) + Duration::seconds(1);
        assert!(
            store
                .searched_hashtags(&account, after - week)
                .expect("read")
                .is_empty()
        );
        assert!(
            store
                .record_hashtag_search(&account, "coffee", "1", after, week)
                .expect("3")
        );

        let set = HashtagSet {
            name: "Cafe".into(),
            tags: vec!["coffee".into(), "latteart".into()],
        };
        store.save_hashtag_set(&set, t0).expect("save");
        assert_eq!(store.hashtag_sets().expect("sets"), vec![set.clone()]);
        assert_eq!(set.caption_text(), "#coffee #latteart");
        store.delete_hashtag_set("Cafe").expect("delete");
        assert!(store.hashtag_sets().expect("sets").is_empty());
    }
}
