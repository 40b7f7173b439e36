//! The cached media feed of each account, its paging cursor and when it was last synced.
//!
//! The grid reads from here first, so it shows at once and offline; the engine then fetches
//! newer pages and upserts them. Carousel children are kept as a JSON column because they are
//! only ever read together with their parent.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::accounts::{require_account, require_changed};
use super::{
    Failure, Store, StoreError, count_from_sql, count_to_sql, from_millis, opt_from_millis,
    to_millis,
};
use crate::ids::{IgUserId, MediaId};
use crate::model::{Media, MediaChild};

impl Store {
    /// Adds or refreshes media of an account (children included), in one transaction.
    #[tracing::instrument(skip_all)]
    pub fn upsert_media(&self, account: &IgUserId, media: &[Media]) -> Result<(), StoreError> {
        self.write(|tx| {
            require_account(tx, account)?;
            let mut stmt = tx.prepare_cached(
                "INSERT INTO media (account_id, id, media_type, media_product_type, caption,
                     media_url, thumbnail_url, permalink, shortcode, timestamp, username,
                     like_count, comments_count, alt_text, children_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
                 ON CONFLICT (account_id, id) DO UPDATE SET
                     media_type = excluded.media_type,
                     media_product_type = excluded.media_product_type,
                     caption = excluded.caption,
                     media_url = excluded.media_url,
                     thumbnail_url = excluded.thumbnail_url,
                     permalink = excluded.permalink,
                     shortcode = excluded.shortcode,
                     timestamp = excluded.timestamp,
                     username = excluded.username,
                     like_count = excluded.like_count,
                     comments_count = excluded.comments_count,
                     alt_text = excluded.alt_text,
                     children_json = excluded.children_json",
            )?;
            for item in media {
                let children =
                    serde_json::to_string(&item.children).map_err(|e| StoreError::BadRow {
                        what: "carousel",
                        reason: e.to_string(),
                    })?;
                stmt.execute(params![
                    account.as_str(),
                    item.id.as_str(),
                    enum_to_text(&item.media_type),
                    item.media_product_type.as_ref().map(enum_to_text),
                    item.caption,
                    item.media_url,
                    item.thumbnail_url,
                    item.permalink,
                    item.shortcode,
                    to_millis(item.timestamp),
                    item.username,
                    count_to_sql(item.like_count),
                    count_to_sql(item.comments_count),
                    item.alt_text,
                    children,
                ])?;
            }
            Ok(())
        })
    }

    /// A page of an account's cached media, newest first (`limit` items after skipping
    /// `offset`). An unknown account simply has no cached media.
    #[tracing::instrument(skip_all)]
    pub fn cached_media(
        &self,
        account: &IgUserId,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<Media>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, media_type, media_product_type, caption, media_url, thumbnail_url,
                     permalink, shortcode, timestamp, username, like_count, comments_count,
                     alt_text, children_json
                 FROM media WHERE account_id = ?1
                 ORDER BY timestamp DESC, id DESC
                 LIMIT ?2 OFFSET ?3",
            )?;
            let rows =
                stmt.query_map(params![account.as_str(), limit, offset], RawMedia::from_row)?;
            let mut media = Vec::new();
            for raw in rows {
                media.push(raw?.into_media()?);
            }
            Ok(media)
        })
    }

    /// How many media of the account are cached.
    #[tracing::instrument(skip_all)]
    pub fn cached_media_count(&self, account: &IgUserId) -> Result<u64, StoreError> {
        self.read(|conn| {
            let n: i64 = conn.query_row(
                "SELECT COUNT(*) FROM media WHERE account_id = ?1",
                [account.as_str()],
                |row| row.get(0),
            )?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    /// Drops one cached media (deleted on Instagram); an unknown id does nothing.
    #[tracing::instrument(skip_all)]
    pub fn remove_media(&self, account: &IgUserId, media: &MediaId) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM media WHERE account_id = ?1 AND id = ?2",
                [account.as_str(), media.as_str()],
            )?;
            Ok(())
        })
    }

    /// Drops an account's whole cached feed, its cursor and sync time, for a full resync.
    #[tracing::instrument(skip_all)]
    pub fn clear_media(&self, account: &IgUserId) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM media WHERE account_id = ?1",
                [account.as_str()],
            )?;
            let changed = tx.execute(
                "UPDATE accounts SET feed_cursor = NULL, synced_at = NULL WHERE id = ?1",
                [account.as_str()],
            )?;
            require_changed(changed, account)
        })
    }

    /// Remembers the `after` cursor of the next feed page (`None`: the feed is complete).
    #[tracing::instrument(skip_all)]
    pub fn set_feed_cursor(
        &self,
        account: &IgUserId,
        cursor: Option<&str>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE accounts SET feed_cursor = ?2 WHERE id = ?1",
                params![account.as_str(), cursor],
            )?;
            require_changed(changed, account)
        })
    }

    /// The `after` cursor of the next feed page to fetch, if any.
    #[tracing::instrument(skip_all)]
    pub fn feed_cursor(&self, account: &IgUserId) -> Result<Option<String>, StoreError> {
        self.read(|conn| {
            conn.query_row(
                "SELECT feed_cursor FROM accounts WHERE id = ?1",
                [account.as_str()],
                |row| row.get::<_, Option<String>>(0),
            )
            .optional()?
            .ok_or_else(|| Failure::Store(StoreError::UnknownAccount(account.clone())))
        })
    }

    /// Records when the account's feed was last fetched from the API.
    #[tracing::instrument(skip_all)]
    pub fn set_synced_at(&self, account: &IgUserId, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE accounts SET synced_at = ?2 WHERE id = ?1",
                params![account.as_str(), to_millis(at)],
            )?;
            require_changed(changed, account)
        })
    }

    /// When the account's feed was last fetched, if ever.
    #[tracing::instrument(skip_all)]
    pub fn synced_at(&self, account: &IgUserId) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.read(|conn| {
            let ms = conn
                .query_row(
                    "SELECT synced_at FROM accounts WHERE id = ?1",
                    [account.as_str()],
                    |row| row.get::<_, Option<i64>>(0),
                )
                .optional()?
                .ok_or_else(|| Failure::Store(StoreError::UnknownAccount(account.clone())))?;
            opt_from_millis(ms, "sync time")
        })
    }
}

/// The Graph API spelling of an enum (`CAROUSEL_ALBUM`), as serde writes it.
fn enum_to_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "OTHER".to_owned(),
    }
}

fn enum_from_text<T: DeserializeOwned>(text: String, what: &'static str) -> Result<T, Failure> {
    serde_json::from_value(serde_json::Value::String(text)).map_err(|e| {
        Failure::Store(StoreError::BadRow {
            what,
            reason: e.to_string(),
        })
    })
}

/// A media row as SQLite returns it, before enums, time and children are decoded.
pub(super) struct RawMedia {
    id: String,
    media_type: String,
    media_product_type: Option<String>,
    caption: Option<String>,
    media_url: Option<String>,
    thumbnail_url: Option<String>,
    permalink: Option<String>,
    shortcode: Option<String>,
    timestamp: i64,
    username: Option<String>,
    like_count: Option<i64>,
    comments_count: Option<i64>,
    alt_text: Option<String>,
    children_json: String,
}

impl RawMedia {
    pub(super) fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            media_type: row.get(1)?,
            media_product_type: row.get(2)?,
            caption: row.get(3)?,
            media_url: row.get(4)?,
            thumbnail_url: row.get(5)?,
            permalink: row.get(6)?,
            shortcode: row.get(7)?,
            timestamp: row.get(8)?,
            username: row.get(9)?,
            like_count: row.get(10)?,
            comments_count: row.get(11)?,
            alt_text: row.get(12)?,
            children_json: row.get(13)?,
        })
    }

    pub(super) fn into_media(self) -> Result<Media, Failure> {
        let children: Vec<MediaChild> = serde_json::from_str(&self.children_json).map_err(|e| {
            Failure::Store(StoreError::BadRow {
                what: "carousel",
                reason: e.to_string(),
            })
        })?;
        Ok(Media {
            id: MediaId(self.id),
            caption: self.caption,
            media_type: enum_from_text(self.media_type, "media type")?,
            media_product_type: self
                .media_product_type
                .map(|t| enum_from_text(t, "media product type"))
                .transpose()?,
            media_url: self.media_url,
            thumbnail_url: self.thumbnail_url,
            permalink: self.permalink,
            shortcode: self.shortcode,
            timestamp: from_millis(self.timestamp, "media time")?,
            username: self.username,
            like_count: count_from_sql(self.like_count),
            comments_count: count_from_sql(self.comments_count),
            alt_text: self.alt_text,
            children,
        })
    }
}
