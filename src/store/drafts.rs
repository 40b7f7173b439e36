//! Composer drafts, the schedule and the publish journal.
//!
//! A draft holds the prepared files themselves (the exact JPEG bytes that get hosted), so a
//! publish can resume after a restart without the source files. The publishing pipeline
//! writes each step's result (hosted URL, container ids, "media_publish sent", the new media
//! id) here before taking the next step: that journal is what makes publishing resumable and
//! never-twice.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::accounts::require_account;
use super::{Failure, Store, StoreError, from_millis, opt_from_millis, to_millis};
use crate::ids::{ContainerId, IgUserId, MediaId};

/// What a draft will be published as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PostKind {
    /// One picture in the feed.
    Image,
    /// 2–10 pictures or videos swiped through.
    Carousel,
    /// A vertical video (media_type=REELS).
    Reel,
    /// A 24-hour story (business accounts only).
    Story,
}

impl PostKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Carousel => "carousel",
            Self::Reel => "reel",
            Self::Story => "story",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "image" => Self::Image,
            "carousel" => Self::Carousel,
            "reel" => Self::Reel,
            "story" => Self::Story,
            _ => return None,
        })
    }
}

/// Where a draft stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DraftState {
    /// Saved, not being published.
    Draft,
    /// Waiting for `scheduled_at`.
    Scheduled,
    /// The pipeline is running (or was interrupted and must resume).
    Publishing,
    /// `media_id` is the post.
    Published,
    /// The last attempt failed with `error`; publishing again resumes from the journal.
    Failed,
}

impl DraftState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Publishing => "publishing",
            Self::Published => "published",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "draft" => Self::Draft,
            "scheduled" => Self::Scheduled,
            "publishing" => Self::Publishing,
            "published" => Self::Published,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// A person tagged on a picture, at fractions (0.0–1.0) of the image as published.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserTag {
    pub username: String,
    pub x: f64,
    pub y: f64,
}

/// A product tagged on an item (Facebook Login accounts with a shop). `x`/`y` are fractions of
/// the image as published; videos (reels) take no coordinates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductTag {
    pub product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<f64>,
}

/// Per-item options beyond the original columns (stored as `extras_json`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemExtras {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub product_tags: Vec<ProductTag>,
    /// Videos: the cover frame, in milliseconds from the start (`thumb_offset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_offset_ms: Option<u64>,
    /// Reels: a public image URL used as the cover (`cover_url`), instead of a frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_url: Option<String>,
    /// The original file on disk and how it was framed, so the draft reopens for editing
    /// on the original pixels (the stored file is the prepared, cropped one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
}

/// Where a draft item's original is and how the user framed it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceRef {
    pub path: String,
    /// The frame's shape (width ÷ height); `None`: the picture's own.
    #[serde(default)]
    pub ratio: Option<f64>,
    pub zoom: f64,
    pub cx: f64,
    pub cy: f64,
}

/// A reel's cover picture from the user's disk, prepared (9:16 JPEG) when the draft is saved.
#[derive(Clone, PartialEq)]
pub struct DraftCover {
    pub file_name: String,
    pub content: Vec<u8>,
}

impl std::fmt::Debug for DraftCover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DraftCover")
            .field("file_name", &self.file_name)
            .field("bytes", &self.content.len())
            .finish()
    }
}

/// A stored item's cover picture: its name and hosting journal (the bytes are read with
/// [`Store::cover_file`] when they are uploaded).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredCover {
    pub file_name: String,
    /// Where Meta fetches it from, sent as `cover_url` (set once uploaded).
    pub hosted_url: Option<String>,
}

/// One prepared file of a new draft.
#[derive(Clone, PartialEq)]
pub struct NewDraftItem {
    pub is_video: bool,
    pub file_name: String,
    pub content: Vec<u8>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub alt_text: Option<String>,
    pub user_tags: Vec<UserTag>,
    pub extras: ItemExtras,
    /// Reels: a cover picture to host and send as `cover_url`.
    pub cover: Option<DraftCover>,
}

impl std::fmt::Debug for NewDraftItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewDraftItem")
            .field("file_name", &self.file_name)
            .field("bytes", &self.content.len())
            .field("user_tags", &self.user_tags)
            .finish_non_exhaustive()
    }
}

/// A draft to save.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDraft {
    pub account: IgUserId,
    pub kind: PostKind,
    pub caption: String,
    pub share_to_feed: bool,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub items: Vec<NewDraftItem>,
    /// SHA-256 of the kind, caption and prepared files: the same post has the same one.
    pub fingerprint: Option<String>,
}

/// One stored item with its journal columns. Its file stays in the database until it is
/// uploaded ([`Store::item_file`]): a reel can be hundreds of MB, and the publish pipeline
/// reads the draft again after every step.
#[derive(Clone, Debug, PartialEq)]
pub struct DraftItem {
    pub position: usize,
    pub is_video: bool,
    pub file_name: String,
    /// Size of the stored file.
    pub bytes: usize,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub alt_text: Option<String>,
    pub user_tags: Vec<UserTag>,
    pub extras: ItemExtras,
    /// Where Meta fetches the file from (set once uploaded).
    pub hosted_url: Option<String>,
    /// The item's container (set once created).
    pub container_id: Option<ContainerId>,
    /// Reels: a cover picture from disk, with its own hosting journal.
    pub cover: Option<StoredCover>,
}

/// A stored draft and its journal.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub id: i64,
    pub account: IgUserId,
    pub kind: PostKind,
    pub caption: String,
    pub share_to_feed: bool,
    pub state: DraftState,
    pub scheduled_at: Option<DateTime<Utc>>,
    /// The container media_publish is sent for: the carousel container, or the single
    /// item's container.
    pub parent_container_id: Option<ContainerId>,
    /// When media_publish was (about to be) sent; a retry must check before resending.
    pub publish_sent_at: Option<DateTime<Utc>>,
    pub media_id: Option<MediaId>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub items: Vec<DraftItem>,
    /// When the user was shown a copyright match in its video; publishing again goes ahead.
    pub copyright_warned_at: Option<DateTime<Utc>>,
}

/// A draft without its files, for lists.
#[derive(Clone, Debug, PartialEq)]
pub struct DraftSummary {
    pub id: i64,
    pub account: IgUserId,
    pub kind: PostKind,
    pub caption: String,
    pub state: DraftState,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub media_id: Option<MediaId>,
    pub error: Option<String>,
    pub items: usize,
    pub updated_at: DateTime<Utc>,
}

fn bad(what: &'static str, reason: impl Into<String>) -> Failure {
    Failure::Store(StoreError::BadRow {
        what,
        reason: reason.into(),
    })
}

const DRAFT_COLUMNS: &str = "id, account_id, kind, caption, share_to_feed, state, scheduled_at,
     parent_container_id, publish_sent_at, media_id, error, created_at, updated_at,
     copyright_warned_at";

fn draft_from_row(row: &Row<'_>) -> Result<Draft, Failure> {
    let kind: String = row.get(2)?;
    let state: String = row.get(5)?;
    Ok(Draft {
        id: row.get(0)?,
        account: IgUserId(row.get(1)?),
        kind: PostKind::parse(&kind).ok_or_else(|| bad("draft", format!("kind `{kind}`")))?,
        caption: row.get(3)?,
        share_to_feed: row.get(4)?,
        state: DraftState::parse(&state).ok_or_else(|| bad("draft", format!("state `{state}`")))?,
        scheduled_at: opt_from_millis(row.get(6)?, "draft schedule")?,
        parent_container_id: row.get::<_, Option<String>>(7)?.map(ContainerId),
        publish_sent_at: opt_from_millis(row.get(8)?, "publish time")?,
        media_id: row.get::<_, Option<String>>(9)?.map(MediaId),
        error: row.get(10)?,
        created_at: from_millis(row.get(11)?, "draft time")?,
        updated_at: from_millis(row.get(12)?, "draft time")?,
        items: Vec::new(),
        copyright_warned_at: opt_from_millis(row.get(13)?, "copyright warning time")?,
    })
}

fn item_from_row(row: &Row<'_>) -> Result<DraftItem, Failure> {
    let tags: String = row.get(7)?;
    let extras: String = row.get(10)?;
    let position: i64 = row.get(0)?;
    Ok(DraftItem {
        position: usize::try_from(position).map_err(|e| bad("draft item", e.to_string()))?,
        is_video: row.get(1)?,
        file_name: row.get(2)?,
        bytes: usize::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
        width: row.get(4)?,
        height: row.get(5)?,
        alt_text: row.get(6)?,
        user_tags: serde_json::from_str(&tags).map_err(|e| bad("user tags", e.to_string()))?,
        hosted_url: row.get(8)?,
        container_id: row.get::<_, Option<String>>(9)?.map(ContainerId),
        extras: serde_json::from_str(&extras).map_err(|e| bad("item extras", e.to_string()))?,
        cover: row
            .get::<_, Option<String>>(11)?
            .map(|file_name| -> Result<StoredCover, Failure> {
                Ok(StoredCover {
                    file_name,
                    hosted_url: row.get(12)?,
                })
            })
            .transpose()?,
    })
}

impl Store {
    /// Saves a new draft with its prepared files; returns its id.
    #[tracing::instrument(skip_all)]
    pub fn insert_draft(&self, draft: &NewDraft, now: DateTime<Utc>) -> Result<i64, StoreError> {
        self.write(|tx| insert_draft_tx(tx, draft, now))
    }

    /// One draft with its files and journal.
    #[tracing::instrument(skip_all)]
    pub fn draft(&self, id: i64) -> Result<Option<Draft>, StoreError> {
        self.read(|conn| {
            let draft = conn
                .query_row(
                    &format!("SELECT {DRAFT_COLUMNS} FROM drafts WHERE id = ?1"),
                    [id],
                    |row| Ok(draft_from_row(row)),
                )
                .optional()?
                .transpose()?;
            let Some(mut draft) = draft else {
                return Ok(None);
            };
            let mut stmt = conn.prepare_cached(
                "SELECT position, is_video, file_name, length(content), width, height, alt_text,
                        user_tags_json, hosted_url, container_id, extras_json,
                        cover_file_name, cover_hosted_url
                 FROM draft_items WHERE draft_id = ?1 ORDER BY position",
            )?;
            let rows = stmt.query_map([id], |row| Ok(item_from_row(row)))?;
            for row in rows {
                draft.items.push(row??);
            }
            Ok(Some(draft))
        })
    }

    /// An account's drafts (files left out), newest first.
    #[tracing::instrument(skip_all)]
    pub fn drafts(&self, account: &IgUserId) -> Result<Vec<DraftSummary>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {DRAFT_COLUMNS},
                     (SELECT COUNT(*) FROM draft_items i WHERE i.draft_id = drafts.id)
                 FROM drafts WHERE account_id = ?1 ORDER BY updated_at DESC, id DESC"
            ))?;
            let rows = stmt.query_map([account.as_str()], |row| {
                let items: i64 = row.get(14)?;
                Ok(draft_from_row(row).map(|d| (d, items)))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (d, items) = row??;
                out.push(DraftSummary {
                    id: d.id,
                    account: d.account,
                    kind: d.kind,
                    caption: d.caption,
                    state: d.state,
                    scheduled_at: d.scheduled_at,
                    media_id: d.media_id,
                    error: d.error,
                    items: usize::try_from(items).unwrap_or(0),
                    updated_at: d.updated_at,
                });
            }
            Ok(out)
        })
    }

    /// Ids of drafts that must be resumed (`publishing`) or are due (`scheduled` at or
    /// before `now`), oldest first.
    #[tracing::instrument(skip_all)]
    pub fn drafts_to_run(&self, now: DateTime<Utc>) -> Result<Vec<i64>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id FROM drafts
                 WHERE state = 'publishing'
                    OR (state = 'scheduled' AND scheduled_at <= ?1)
                 ORDER BY id",
            )?;
            let ids = stmt
                .query_map([to_millis(now)], |row| row.get::<_, i64>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ids)
        })
    }

    /// Moves a draft to `state`, recording `error` (cleared when `None`).
    #[tracing::instrument(skip_all)]
    pub fn set_draft_state(
        &self,
        id: i64,
        state: DraftState,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.update_draft(
            "UPDATE drafts SET state = ?2, error = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, state.as_str(), error, to_millis(now)],
        )
    }

    /// Journals where an item's file is hosted.
    pub fn set_item_hosted(
        &self,
        id: i64,
        position: usize,
        url: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.set_item_journal("hosted_url", id, position, url, now)
    }

    /// The stored file of item `position`, read when it is uploaded.
    pub fn item_file(&self, id: i64, position: usize) -> Result<Vec<u8>, StoreError> {
        self.blob("content", id, position)
    }

    /// The cover picture of item `position`, read when it is uploaded.
    pub fn cover_file(&self, id: i64, position: usize) -> Result<Vec<u8>, StoreError> {
        self.blob("cover_content", id, position)
    }

    /// One blob `column` (a fixed name, never user input) of an item.
    fn blob(&self, column: &'static str, id: i64, position: usize) -> Result<Vec<u8>, StoreError> {
        self.read(|conn| {
            let found: Option<Option<Vec<u8>>> = conn
                .query_row(
                    &format!(
                        "SELECT {column} FROM draft_items WHERE draft_id = ?1 AND position = ?2"
                    ),
                    params![id, position as i64],
                    |row| row.get(0),
                )
                .optional()?;
            found.flatten().ok_or_else(|| {
                bad(
                    "draft item",
                    format!("draft {id} has no {column} for item {}", position + 1),
                )
            })
        })
    }

    /// Journals where an item's cover picture is hosted.
    pub fn set_cover_hosted(
        &self,
        id: i64,
        position: usize,
        url: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.set_item_journal("cover_hosted_url", id, position, url, now)
    }

    /// Journals an item's container.
    pub fn set_item_container(
        &self,
        id: i64,
        position: usize,
        container: &ContainerId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.set_item_journal("container_id", id, position, container.as_str(), now)
    }

    /// Sets one journal `column` (a fixed name, never user input) of an item and touches
    /// the draft.
    fn set_item_journal(
        &self,
        column: &'static str,
        id: i64,
        position: usize,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                &format!(
                    "UPDATE draft_items SET {column} = ?3 WHERE draft_id = ?1 AND position = ?2"
                ),
                params![id, position as i64, value],
            )?;
            touch(tx, id, now)
        })
    }

    /// Journals the container media_publish will be sent for.
    pub fn set_parent_container(
        &self,
        id: i64,
        container: &ContainerId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.update_draft(
            "UPDATE drafts SET parent_container_id = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, container.as_str(), to_millis(now)],
        )
    }

    /// Journals that media_publish is about to be sent: any later attempt checks the
    /// container and the account's media before sending it again.
    pub fn mark_publish_sent(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.update_draft(
            "UPDATE drafts SET publish_sent_at = COALESCE(publish_sent_at, ?2), updated_at = ?2
             WHERE id = ?1",
            params![id, to_millis(now)],
        )
    }

    /// Journals the published media: the draft is done.
    pub fn set_published(
        &self,
        id: i64,
        media: &MediaId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.update_draft(
            "UPDATE drafts SET state = 'published', media_id = ?2, error = NULL, updated_at = ?3,
                    claim_owner = NULL, claim_until = NULL
             WHERE id = ?1",
            params![id, media.as_str(), to_millis(now)],
        )
    }

    /// Forgets every container (after they expired or failed) so the next attempt creates
    /// fresh ones. Hosted URLs are kept.
    pub fn reset_containers(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE draft_items SET container_id = NULL WHERE draft_id = ?1",
                [id],
            )?;
            tx.execute(
                "UPDATE drafts SET parent_container_id = NULL, publish_sent_at = NULL,
                     updated_at = ?2 WHERE id = ?1",
                params![id, to_millis(now)],
            )?;
            Ok(())
        })
    }

    /// Journals that the user was shown a copyright match in the draft's video.
    pub fn set_copyright_warned(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.update_draft(
            "UPDATE drafts SET copyright_warned_at = ?2, updated_at = ?2 WHERE id = ?1",
            params![id, to_millis(now)],
        )
    }

    /// Forgets where the draft's files and covers are hosted, so they are uploaded again.
    pub fn forget_hosted(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE draft_items SET hosted_url = NULL, cover_hosted_url = NULL
                 WHERE draft_id = ?1",
                [id],
            )?;
            touch(tx, id, now)
        })
    }

    /// Deletes a draft and its files.
    pub fn delete_draft(&self, id: i64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM drafts WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    fn update_draft(&self, sql: &str, params: impl rusqlite::Params) -> Result<(), StoreError> {
        self.write(|tx| {
            let n = tx.execute(sql, params)?;
            if n == 0 {
                return Err(bad("draft", "it was deleted meanwhile"));
            }
            Ok(())
        })
    }
}

fn touch(tx: &rusqlite::Transaction<'_>, id: i64, now: DateTime<Utc>) -> Result<(), Failure> {
    tx.execute(
        "UPDATE drafts SET updated_at = ?2 WHERE id = ?1",
        params![id, to_millis(now)],
    )?;
    Ok(())
}

/// Inserts a draft and its items inside `tx`; returns its id. Shared by the stores that save
/// a draft together with more rows in one transaction.
pub(super) fn insert_draft_tx(
    tx: &rusqlite::Transaction<'_>,
    draft: &NewDraft,
    now: DateTime<Utc>,
) -> Result<i64, Failure> {
    require_account(tx, &draft.account)?;
    let state = if draft.scheduled_at.is_some() {
        DraftState::Scheduled
    } else {
        DraftState::Draft
    };
    tx.execute(
        "INSERT INTO drafts (account_id, kind, caption, share_to_feed, state,
                 scheduled_at, created_at, updated_at, fingerprint)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
        params![
            draft.account.as_str(),
            draft.kind.as_str(),
            draft.caption,
            draft.share_to_feed,
            state.as_str(),
            draft.scheduled_at.map(to_millis),
            to_millis(now),
            draft.fingerprint,
        ],
    )?;
    let id = tx.last_insert_rowid();
    insert_items_tx(tx, id, &draft.items)?;
    Ok(id)
}

/// Replaces draft `id` with `draft` inside `tx` (content, schedule and a fresh journal):
/// only a draft nobody is publishing and that was never sent to Meta can change. Returns
/// `false` when it cannot.
pub(super) fn replace_draft_tx(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    draft: &NewDraft,
    now: DateTime<Utc>,
) -> Result<bool, Failure> {
    require_account(tx, &draft.account)?;
    let state = if draft.scheduled_at.is_some() {
        DraftState::Scheduled
    } else {
        DraftState::Draft
    };
    let changed = tx.execute(
        "UPDATE drafts SET account_id = ?2, kind = ?3, caption = ?4, share_to_feed = ?5,
                state = ?6, scheduled_at = ?7, fingerprint = ?8, updated_at = ?9,
                parent_container_id = NULL, publish_sent_at = NULL, media_id = NULL,
                error = NULL, copyright_warned_at = NULL
          WHERE id = ?1 AND state IN ('draft', 'scheduled', 'failed')
            AND publish_sent_at IS NULL
            AND (claim_owner IS NULL OR claim_until <= ?10)",
        params![
            id,
            draft.account.as_str(),
            draft.kind.as_str(),
            draft.caption,
            draft.share_to_feed,
            state.as_str(),
            draft.scheduled_at.map(to_millis),
            draft.fingerprint,
            to_millis(now),
            Utc::now().timestamp_millis(),
        ],
    )?;
    if changed == 0 {
        return Ok(false);
    }
    tx.execute("DELETE FROM draft_items WHERE draft_id = ?1", [id])?;
    tx.execute("DELETE FROM draft_uploads WHERE draft_id = ?1", [id])?;
    insert_items_tx(tx, id, &draft.items)?;
    Ok(true)
}

fn insert_items_tx(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    items: &[NewDraftItem],
) -> Result<(), Failure> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO draft_items (draft_id, position, is_video, file_name, content,
                 width, height, alt_text, user_tags_json, extras_json,
                 cover_file_name, cover_content)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for (position, item) in items.iter().enumerate() {
        let tags =
            serde_json::to_string(&item.user_tags).map_err(|e| bad("user tags", e.to_string()))?;
        let extras =
            serde_json::to_string(&item.extras).map_err(|e| bad("item extras", e.to_string()))?;
        stmt.execute(params![
            id,
            position as i64,
            item.is_video,
            item.file_name,
            item.content,
            item.width,
            item.height,
            item.alt_text,
            tags,
            extras,
            item.cover.as_ref().map(|c| &c.file_name),
            item.cover.as_ref().map(|c| &c.content),
        ])?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // values compared are exact: stored and read back, or literals
mod tests {
    use super::*;
    use crate::model::{Account, AccountStatus, LoginKind};

    fn store_with_account() -> (Store, IgUserId) {
        let store = Store::in_memory().expect("store");
        let account = Account {
            id: IgUserId::from("17841400000000001"),
            username: "northwind".into(),
            name: None,
            account_type: Some("Business".into()),
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
        (store, account.id)
    }

    fn new_draft(account: &IgUserId, items: usize) -> NewDraft {
        NewDraft {
            account: account.clone(),
            kind: if items > 1 {
                PostKind::Carousel
            } else {
                PostKind::Image
            },
            caption: "Morning #coffee".into(),
            share_to_feed: true,
            scheduled_at: None,
            items: (0..items)
                .map(|i| NewDraftItem {
                    is_video: false,
                    file_name: format!("{i}.jpg"),
                    content: vec![0xFF, 0xD8, 0xFF, i as u8],
                    width: Some(1080),
                    height: Some(1350),
                    alt_text: Some(format!("item {i}")),
                    user_tags: vec![UserTag {
                        username: "mira".into(),
                        x: 0.25,
                        y: 0.75,
                    }],
                    extras: ItemExtras {
                        product_tags: vec![ProductTag {
                            product_id: "42".into(),
                            x: Some(0.5),
                            y: Some(0.5),
                        }],
                        thumb_offset_ms: None,
                        cover_url: None,
                        source: None,
                    },
                    cover: None,
                })
                .collect(),
            fingerprint: None,
        }
    }

    #[test]
    fn a_cover_picture_round_trips_and_its_upload_is_journaled() {
        let (store, account) = store_with_account();
        let now = Utc::now();
        let mut draft = new_draft(&account, 1);
        draft.kind = PostKind::Reel;
        draft.items[0].cover = Some(DraftCover {
            file_name: "cover.jpg".into(),
            content: vec![0xFF, 0xD8, 0xFF, 9],
        });
        let id = store.insert_draft(&draft, now).expect("insert");
        let saved = store.draft(id).expect("read").expect("exists");
        let cover = saved.items[0].cover.clone().expect("cover kept");
        assert_eq!(cover.file_name, "cover.jpg");
        assert_eq!(cover.hosted_url, None);
        let bytes = store.cover_file(id, 0).expect("cover bytes");
        assert_eq!(bytes, vec![0xFF, 0xD8, 0xFF, 9]);
        store
            .set_cover_hosted(id, 0, "http://host/cover.jpg", now)
            .expect("journal");
        store.reset_containers(id, now).expect("reset");
        let after = store.draft(id).expect("read").expect("exists");
        let hosted = after.items[0]
            .cover
            .as_ref()
            .and_then(|c| c.hosted_url.clone());
        assert_eq!(hosted.as_deref(), Some("http://host/cover.jpg"));
        assert_eq!(
            after.items[0].hosted_url, None,
            "the item's own URL is separate"
        );
        let plain = store
            .insert_draft(&new_draft(&account, 1), now)
            .expect("insert");
        let plain_draft = store.draft(plain).expect("read").expect("exists");
        assert!(plain_draft.items[0].cover.is_none());
        assert!(store.cover_file(plain, 0).is_err(), "no cover stored");
    }

    #[test]
    fn a_draft_round_trips_with_files_and_tags() {
        let (store, account) = store_with_account();
        let now = Utc::now();
        let id = store
            .insert_draft(&new_draft(&account, 3), now)
            .expect("insert");
        let draft = store.draft(id).expect("read").expect("exists");
        assert_eq!(draft.kind, PostKind::Carousel);
        assert_eq!(draft.state, DraftState::Draft);
        assert_eq!(draft.items.len(), 3);
        assert_eq!(draft.items[2].bytes, 4);
        let file = store.item_file(id, 2).expect("file");
        assert_eq!(file, vec![0xFF, 0xD8, 0xFF, 2]);
        assert!(store.item_file(id, 7).is_err(), "no such item");
        assert_eq!(draft.items[1].user_tags[0].x, 0.25);
        let list = store.drafts(&account).expect("list");
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].items, 3);
    }

    #[test]
    fn the_journal_records_each_step_and_resets_containers() {
        let (store, account) = store_with_account();
        let now = Utc::now();
        let id = store
            .insert_draft(&new_draft(&account, 2), now)
            .expect("insert");
        store
            .set_draft_state(id, DraftState::Publishing, None, now)
            .expect("state");
        store
            .set_item_hosted(id, 0, "http://host/0.jpg", now)
            .expect("hosted");
        store
            .set_item_container(id, 0, &ContainerId::from("c0"), now)
            .expect("container");
        store
            .set_parent_container(id, &ContainerId::from("carousel"), now)
            .expect("parent");
        store.mark_publish_sent(id, now).expect("sent");
        let later = now + chrono::Duration::seconds(5);
        store.mark_publish_sent(id, later).expect("sent again");
        let d = store.draft(id).expect("read").expect("exists");
        assert_eq!(
            d.publish_sent_at.map(|t| t.timestamp_millis()),
            Some(now.timestamp_millis()),
            "the first send time is kept"
        );
        assert_eq!(d.items[0].container_id, Some(ContainerId::from("c0")));
        assert_eq!(store.drafts_to_run(now).expect("to run"), vec![id]);

        store.reset_containers(id, now).expect("reset");
        let d = store.draft(id).expect("read").expect("exists");
        assert_eq!(d.items[0].container_id, None);
        assert_eq!(d.items[0].hosted_url.as_deref(), Some("http://host/0.jpg"));
        assert_eq!(d.parent_container_id, None);
        assert_eq!(d.publish_sent_at, None);

        store
            .set_published(id, &MediaId::from("m1"), now)
            .expect("published");
        assert!(store.drafts_to_run(now).expect("to run").is_empty());
    }

    #[test]
    fn scheduled_drafts_run_when_due() {
        let (store, account) = store_with_account();
        let now = Utc::now();
        let mut draft = new_draft(&account, 1);
        draft.scheduled_at = Some(now + chrono::Duration::hours(1));
        let id = store.insert_draft(&draft, now).expect("insert");
        assert!(store.drafts_to_run(now).expect("now").is_empty());
        let due = now + chrono::Duration::hours(2);
        assert_eq!(store.drafts_to_run(due).expect("due"), vec![id]);
    }

    #[test]
    fn one_claim_wins_and_an_expired_one_is_taken_over() {
        use crate::store::{ClaimOutcome, ClaimScope};
        use std::time::Duration;
        let (store, account) = store_with_account();
        let now = Utc::now();
        let id = store
            .insert_draft(&new_draft(&account, 1), now)
            .expect("insert");
        let lease = Duration::from_mins(1);
        let claim =
            |owner: &str, wall| store.claim_draft(id, owner, ClaimScope::Now, now, wall, lease);
        assert_eq!(claim("a", now).expect("a"), ClaimOutcome::Claimed);
        assert!(matches!(
            claim("b", now).expect("b"),
            ClaimOutcome::Busy { .. }
        ));
        // Only the owner may journal the send.
        assert!(
            !store
                .mark_publish_sent_claimed(id, "b", now, now, lease)
                .expect("b sends")
        );
        assert!(
            store
                .mark_publish_sent_claimed(id, "a", now, now, lease)
                .expect("a sends")
        );
        // Past the lease, b takes over and a's renewal finds the claim gone.
        let later = now + chrono::Duration::seconds(61);
        assert_eq!(claim("b", later).expect("b later"), ClaimOutcome::Claimed);
        assert!(!store.renew_claim(id, "a", later, lease).expect("renew"));
        // a's failure is not recorded over b's attempt.
        store
            .release_failed(id, "a", "stalled", later)
            .expect("release");
        assert_eq!(
            store.draft(id).expect("read").expect("draft").state,
            DraftState::Publishing
        );
        store
            .set_published(id, &MediaId::from("1"), later)
            .expect("published");
        assert_eq!(claim("c", later).expect("c"), ClaimOutcome::Published);
        assert_eq!(store.draft_claim(id).expect("claim"), None);
    }

    #[test]
    fn the_scheduler_claims_only_due_drafts() {
        use crate::store::{ClaimOutcome, ClaimScope};
        let (store, account) = store_with_account();
        let now = Utc::now();
        let mut draft = new_draft(&account, 1);
        draft.scheduled_at = Some(now + chrono::Duration::hours(1));
        let id = store.insert_draft(&draft, now).expect("insert");
        let lease = std::time::Duration::from_mins(1);
        let due = |at| ClaimScope::Due { due: at };
        assert_eq!(
            store
                .claim_draft(id, "s", due(now), now, now, lease)
                .expect("early"),
            ClaimOutcome::NotDue
        );
        let later = now + chrono::Duration::hours(2);
        assert_eq!(
            store
                .claim_draft(id, "s", due(later), later, now, lease)
                .expect("due"),
            ClaimOutcome::Claimed
        );
        assert!(matches!(
            store
                .claim_draft(id, "t", due(later), later, now, lease)
                .expect("again"),
            ClaimOutcome::Busy { .. }
        ));
    }

    #[test]
    fn drafts_need_a_known_account() {
        let store = Store::in_memory().expect("store");
        let err = store
            .insert_draft(&new_draft(&IgUserId::from("nobody"), 1), Utc::now())
            .expect_err("unknown account");
        assert!(matches!(err, StoreError::UnknownAccount(_)), "{err}");
    }
}
