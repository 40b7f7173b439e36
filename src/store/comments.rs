//! Store methods for the comments inbox: the comment cache (so the inbox opens instantly and
//! offline), per-media sync state (so a sync reads only changed threads), moderation rules
//! and their log, saved replies, pending replies (so a reply whose answer was lost is
//! never sent twice), and the Mentions cache (so the Mentions view opens offline).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::accounts::require_account;
use super::{Failure, Store, StoreError, count_from_sql, count_to_sql, from_millis, to_millis};
use crate::graph::comments::Comment;
use crate::ids::{CommentId, IgUserId, MediaId};
use crate::model::{MediaType, ProductType};

/// A cached comment with what the inbox adds to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxComment {
    pub comment: Comment,
    /// A rule with the "flag" action matched it.
    pub flagged: bool,
}

/// What the last sync saw of one media's thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncedThread {
    pub comments_count: Option<u64>,
    /// When the thread itself was last read (like counts are as of then).
    pub read_at: DateTime<Utc>,
}

/// What a rule looks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RuleKind {
    /// Any of the comma-separated words or phrases, ignoring case.
    Keyword,
    /// A regular expression (`regex` crate syntax), ignoring case, found anywhere in the
    /// text. Stored as `regex` (databases before migration 0007 said `pattern`; it renames
    /// them).
    Regex,
    /// Only emoji (and spaces).
    EmojiOnly,
    /// Contains a link (`http://`, `https://`, `www.` or a bare domain).
    Link,
}

impl RuleKind {
    /// The name stored in the database.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Keyword => "keyword",
            Self::Regex => "regex",
            Self::EmojiOnly => "emoji_only",
            Self::Link => "link",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "keyword" => Self::Keyword,
            "regex" => Self::Regex,
            "emoji_only" => Self::EmojiOnly,
            "link" => Self::Link,
            _ => return None,
        })
    }
}

/// What a rule does to a matching new comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RuleAction {
    Hide,
    Flag,
}

impl RuleAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hide => "hide",
            Self::Flag => "flag",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        match s {
            "hide" => Some(Self::Hide),
            "flag" => Some(Self::Flag),
            _ => None,
        }
    }
}

/// A moderation rule applied to new comments on sync.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommentRule {
    /// 0 until stored.
    pub id: i64,
    pub name: String,
    pub kind: RuleKind,
    pub pattern: String,
    pub action: RuleAction,
    pub enabled: bool,
}

/// One thing a rule did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleLogEntry {
    pub id: i64,
    pub rule_name: String,
    pub comment_id: CommentId,
    pub excerpt: String,
    pub action: RuleAction,
    pub at: DateTime<Utc>,
    pub undone: bool,
}

/// A reply template; `{username}` is replaced by the commenter's username.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedReply {
    pub id: i64,
    pub name: String,
    pub body: String,
}

fn bad(what: &'static str, reason: impl Into<String>) -> Failure {
    Failure::Store(StoreError::BadRow {
        what,
        reason: reason.into(),
    })
}

fn comment_from_row(row: &Row<'_>) -> rusqlite::Result<(Comment, i64, bool)> {
    Ok((
        Comment {
            id: CommentId::from(row.get::<_, String>(0)?),
            media_id: MediaId::from(row.get::<_, String>(1)?),
            parent_id: row.get::<_, Option<String>>(2)?.map(CommentId::from),
            text: row.get(3)?,
            username: row.get(4)?,
            from_id: row.get(5)?,
            timestamp: DateTime::<Utc>::MIN_UTC,
            like_count: count_from_sql(row.get(7)?),
            hidden: row.get(8)?,
        },
        row.get(6)?,
        row.get(9)?,
    ))
}

const COMMENT_COLUMNS: &str =
    "id, media_id, parent_id, text, username, from_id, timestamp, like_count, hidden, flagged";

impl Store {
    /// Replaces the cached thread of one media with what a sync read (comments deleted on
    /// Instagram disappear) and records its count. Returns the comments that were not cached
    /// before (what rules look at). `complete` is false when only part of the thread was
    /// read: then nothing is removed.
    #[tracing::instrument(skip_all)]
    #[allow(clippy::too_many_arguments)] // one thread's sync result, stored in one transaction
    pub fn store_media_comments(
        &self,
        account: &IgUserId,
        media: &MediaId,
        comments: &[Comment],
        comments_count: Option<u64>,
        comments_enabled: Option<bool>,
        complete: bool,
        at: DateTime<Utc>,
    ) -> Result<Vec<Comment>, StoreError> {
        self.write(|tx| {
            require_account(tx, account)?;
            let known: HashSet<String> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT id FROM comments WHERE account_id = ?1 AND media_id = ?2",
                )?;
                let rows = stmt.query_map([account.as_str(), media.as_str()], |r| r.get(0))?;
                rows.collect::<Result<_, _>>()?
            };
            if complete {
                let keep: HashSet<&str> = comments.iter().map(|c| c.id.as_str()).collect();
                let mut del =
                    tx.prepare_cached("DELETE FROM comments WHERE account_id = ?1 AND id = ?2")?;
                for gone in known.iter().filter(|id| !keep.contains(id.as_str())) {
                    del.execute([account.as_str(), gone.as_str()])?;
                }
            }
            let mut up = tx.prepare_cached(
                "INSERT INTO comments (account_id, id, media_id, parent_id, text, username,
                     from_id, timestamp, like_count, hidden)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (account_id, id) DO UPDATE SET
                     text = excluded.text, like_count = excluded.like_count,
                     hidden = excluded.hidden, parent_id = excluded.parent_id",
            )?;
            let mut fresh = Vec::new();
            for c in comments {
                up.execute(params![
                    account.as_str(),
                    c.id.as_str(),
                    media.as_str(),
                    c.parent_id.as_ref().map(CommentId::as_str),
                    c.text,
                    c.username,
                    c.from_id,
                    to_millis(c.timestamp),
                    count_to_sql(c.like_count),
                    c.hidden,
                ])?;
                if !known.contains(c.id.as_str()) {
                    fresh.push(c.clone());
                }
            }
            tx.execute(
                "INSERT INTO comment_media (account_id, media_id, comments_count, comments_enabled, synced_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (account_id, media_id) DO UPDATE SET
                     comments_count = excluded.comments_count,
                     comments_enabled = COALESCE(excluded.comments_enabled, comments_enabled),
                     synced_at = excluded.synced_at",
                params![
                    account.as_str(),
                    media.as_str(),
                    count_to_sql(comments_count),
                    comments_enabled,
                    to_millis(at)
                ],
            )?;
            Ok(fresh)
        })
    }

    /// `comments_count` of each media as last synced, and when its thread was last read.
    #[tracing::instrument(skip_all)]
    pub fn synced_comment_counts(
        &self,
        account: &IgUserId,
    ) -> Result<HashMap<MediaId, SyncedThread>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT media_id, comments_count, synced_at FROM comment_media WHERE account_id = ?1",
            )?;
            let mut rows = stmt.query([account.as_str()])?;
            let mut out = HashMap::new();
            while let Some(r) = rows.next()? {
                out.insert(
                    MediaId::from(r.get::<_, String>(0)?),
                    SyncedThread {
                        comments_count: count_from_sql(r.get(1)?),
                        read_at: from_millis(r.get(2)?, "comment sync time")?,
                    },
                );
            }
            Ok(out)
        })
    }

    /// Which media have comments turned off (as last synced or set).
    #[tracing::instrument(skip_all)]
    pub fn comments_disabled_media(&self, account: &IgUserId) -> Result<Vec<MediaId>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT media_id FROM comment_media WHERE account_id = ?1 AND comments_enabled = 0",
            )?;
            let rows = stmt.query_map([account.as_str()], |r| {
                Ok(MediaId::from(r.get::<_, String>(0)?))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Every cached comment and reply of the account, newest first.
    #[tracing::instrument(skip_all)]
    pub fn inbox_comments(&self, account: &IgUserId) -> Result<Vec<InboxComment>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COMMENT_COLUMNS} FROM comments WHERE account_id = ?1
                 ORDER BY timestamp DESC, id DESC"
            ))?;
            let rows = stmt.query_map([account.as_str()], comment_from_row)?;
            let mut out = Vec::new();
            for row in rows {
                let (mut comment, ms, flagged) = row?;
                comment.timestamp = from_millis(ms, "comment")?;
                out.push(InboxComment { comment, flagged });
            }
            Ok(out)
        })
    }

    /// One cached comment.
    #[tracing::instrument(skip_all)]
    pub fn cached_comment(
        &self,
        account: &IgUserId,
        id: &CommentId,
    ) -> Result<Option<InboxComment>, StoreError> {
        self.read(|conn| {
            let row = conn
                .query_row(
                    &format!(
                        "SELECT {COMMENT_COLUMNS} FROM comments WHERE account_id = ?1 AND id = ?2"
                    ),
                    [account.as_str(), id.as_str()],
                    comment_from_row,
                )
                .optional()?;
            match row {
                None => Ok(None),
                Some((mut comment, ms, flagged)) => {
                    comment.timestamp = from_millis(ms, "comment")?;
                    Ok(Some(InboxComment { comment, flagged }))
                }
            }
        })
    }

    /// Adds one comment (a reply the user just sent).
    #[tracing::instrument(skip_all)]
    pub fn insert_comment(&self, account: &IgUserId, c: &Comment) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO comments (account_id, id, media_id, parent_id, text,
                     username, from_id, timestamp, like_count, hidden)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    account.as_str(),
                    c.id.as_str(),
                    c.media_id.as_str(),
                    c.parent_id.as_ref().map(CommentId::as_str),
                    c.text,
                    c.username,
                    c.from_id,
                    to_millis(c.timestamp),
                    count_to_sql(c.like_count),
                    c.hidden
                ],
            )?;
            Ok(())
        })
    }

    /// Records a hide / unhide.
    #[tracing::instrument(skip_all)]
    pub fn set_comment_hidden(
        &self,
        account: &IgUserId,
        id: &CommentId,
        hidden: bool,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE comments SET hidden = ?3 WHERE account_id = ?1 AND id = ?2",
                params![account.as_str(), id.as_str(), hidden],
            )?;
            Ok(())
        })
    }

    /// Marks or clears the rule flag.
    #[tracing::instrument(skip_all)]
    pub fn set_comment_flagged(
        &self,
        account: &IgUserId,
        id: &CommentId,
        flagged: bool,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE comments SET flagged = ?3 WHERE account_id = ?1 AND id = ?2",
                params![account.as_str(), id.as_str(), flagged],
            )?;
            Ok(())
        })
    }

    /// Drops a deleted comment and its replies.
    #[tracing::instrument(skip_all)]
    pub fn remove_comment(&self, account: &IgUserId, id: &CommentId) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM comments WHERE account_id = ?1 AND (id = ?2 OR parent_id = ?2)",
                [account.as_str(), id.as_str()],
            )?;
            Ok(())
        })
    }

    /// Records that comments were turned on or off for a media.
    #[tracing::instrument(skip_all)]
    pub fn set_media_comments_enabled(
        &self,
        account: &IgUserId,
        media: &MediaId,
        enabled: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO comment_media (account_id, media_id, comments_enabled, synced_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account_id, media_id) DO UPDATE SET comments_enabled = excluded.comments_enabled",
                params![account.as_str(), media.as_str(), enabled, to_millis(at)],
            )?;
            Ok(())
        })
    }

    /// The account's rules, in creation order.
    #[tracing::instrument(skip_all)]
    pub fn comment_rules(&self, account: &IgUserId) -> Result<Vec<CommentRule>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, name, kind, pattern, action, enabled FROM comment_rules
                 WHERE account_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([account.as_str()], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, bool>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, name, kind, pattern, action, enabled) = row?;
                out.push(CommentRule {
                    id,
                    name,
                    kind: RuleKind::parse(&kind).ok_or_else(|| bad("rule", kind.clone()))?,
                    pattern,
                    action: RuleAction::parse(&action)
                        .ok_or_else(|| bad("rule", action.clone()))?,
                    enabled,
                });
            }
            Ok(out)
        })
    }

    /// Stores a new rule and returns its id.
    #[tracing::instrument(skip_all)]
    pub fn add_comment_rule(
        &self,
        account: &IgUserId,
        rule: &CommentRule,
    ) -> Result<i64, StoreError> {
        self.write(|tx| {
            require_account(tx, account)?;
            tx.execute(
                "INSERT INTO comment_rules (account_id, name, kind, pattern, action, enabled)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    account.as_str(),
                    rule.name,
                    rule.kind.as_str(),
                    rule.pattern,
                    rule.action.as_str(),
                    rule.enabled
                ],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Deletes a rule (its log entries stay).
    #[tracing::instrument(skip_all)]
    pub fn delete_comment_rule(&self, account: &IgUserId, id: i64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM comment_rules WHERE account_id = ?1 AND id = ?2",
                params![account.as_str(), id],
            )?;
            Ok(())
        })
    }

    /// Records what a rule did.
    #[tracing::instrument(skip_all)]
    pub fn log_rule_action(
        &self,
        account: &IgUserId,
        rule: &CommentRule,
        comment: &Comment,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let excerpt: String = comment.text.chars().take(80).collect();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO comment_rule_log (account_id, rule_id, rule_name, comment_id, excerpt, action, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    account.as_str(),
                    rule.id,
                    rule.name,
                    comment.id.as_str(),
                    excerpt,
                    rule.action.as_str(),
                    to_millis(at)
                ],
            )?;
            Ok(())
        })
    }

    /// The newest `limit` rule actions.
    #[tracing::instrument(skip_all)]
    pub fn rule_log(
        &self,
        account: &IgUserId,
        limit: usize,
    ) -> Result<Vec<RuleLogEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, rule_name, comment_id, excerpt, action, at, undone FROM comment_rule_log
                 WHERE account_id = ?1 ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![account.as_str(), limit], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, bool>(6)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, rule_name, comment_id, excerpt, action, at, undone) = row?;
                out.push(RuleLogEntry {
                    id,
                    rule_name,
                    comment_id: CommentId::from(comment_id),
                    excerpt,
                    action: RuleAction::parse(&action)
                        .ok_or_else(|| bad("rule log", action.clone()))?,
                    at: from_millis(at, "rule log")?,
                    undone,
                });
            }
            Ok(out)
        })
    }

    /// Marks a log entry undone.
    #[tracing::instrument(skip_all)]
    pub fn mark_rule_log_undone(&self, account: &IgUserId, id: i64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE comment_rule_log SET undone = 1 WHERE account_id = ?1 AND id = ?2",
                params![account.as_str(), id],
            )?;
            Ok(())
        })
    }

    /// The reply templates, by name.
    #[tracing::instrument(skip_all)]
    pub fn saved_replies(&self) -> Result<Vec<SavedReply>, StoreError> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached("SELECT id, name, body FROM saved_replies ORDER BY name, id")?;
            let rows = stmt.query_map([], |r| {
                Ok(SavedReply {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    body: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Stores a reply template and returns its id.
    #[tracing::instrument(skip_all)]
    pub fn add_saved_reply(&self, name: &str, body: &str) -> Result<i64, StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO saved_replies (name, body) VALUES (?1, ?2)",
                [name, body],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Deletes a reply template.
    #[tracing::instrument(skip_all)]
    pub fn delete_saved_reply(&self, id: i64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM saved_replies WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    /// Records a reply about to be sent; returns when an identical reply was started before
    /// and never confirmed (its answer was lost).
    #[tracing::instrument(skip_all)]
    pub fn begin_pending_reply(
        &self,
        account: &IgUserId,
        parent: &CommentId,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.write(|tx| {
            let earlier: Option<i64> = tx
                .query_row(
                    "SELECT started_at FROM pending_replies
                     WHERE account_id = ?1 AND parent_id = ?2 AND text = ?3",
                    params![account.as_str(), parent.as_str(), text],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(ms) = earlier {
                return Ok(Some(from_millis(ms, "pending reply")?));
            }
            tx.execute(
                "INSERT INTO pending_replies (account_id, parent_id, text, started_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![account.as_str(), parent.as_str(), text, to_millis(at)],
            )?;
            Ok(None)
        })
    }

    /// Forgets a pending reply (confirmed, or refused by Meta so it surely does not exist).
    #[tracing::instrument(skip_all)]
    pub fn finish_pending_reply(
        &self,
        account: &IgUserId,
        parent: &CommentId,
        text: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM pending_replies WHERE account_id = ?1 AND parent_id = ?2 AND text = ?3",
                params![account.as_str(), parent.as_str(), text],
            )?;
            Ok(())
        })
    }
}

/// How the account was mentioned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MentionKind {
    /// Tagged in someone's media, without an @mention in the caption. Meta does not let an
    /// app comment on those ("Commenting on photos in which you were tagged is not
    /// supported"), so they cannot be answered from here.
    Tag,
    /// @mentioned in the caption of someone's media: a reply is a comment on that media.
    Caption,
    /// @mentioned in a comment: a reply lands in that comment's thread.
    Comment,
}

impl MentionKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tag => "tag",
            Self::Caption => "caption",
            Self::Comment => "comment",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        match s {
            "tag" => Some(Self::Tag),
            "caption" => Some(Self::Caption),
            "comment" => Some(Self::Comment),
            _ => None,
        }
    }
}

/// The account's reply to a mention, as confirmed by Meta.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MentionReply {
    pub id: CommentId,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// A media or comment where the account was tagged or @mentioned, as last read from Meta.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    pub kind: MentionKind,
    pub media_id: MediaId,
    /// Set for [`MentionKind::Comment`]: the comment that @mentioned the account.
    pub comment_id: Option<CommentId>,
    /// Read from the `tags` edge (a refresh drops those it no longer lists).
    pub from_tags: bool,
    /// Who wrote the caption or the comment.
    pub username: String,
    /// The caption or the comment's text.
    pub text: String,
    pub timestamp: DateTime<Utc>,
    pub media_type: Option<MediaType>,
    pub product_type: Option<ProductType>,
    pub permalink: Option<String>,
    pub preview_url: Option<String>,
    /// Likes of the comment (comment mentions) or of the media (others); Meta leaves it out
    /// when the owner hides like counts.
    pub like_count: Option<u64>,
    pub reply: Option<MentionReply>,
}

impl Mention {
    /// The id this mention is stored under beside its media: the comment's, or `""`.
    fn comment_key(&self) -> &str {
        self.comment_id.as_ref().map_or("", CommentId::as_str)
    }
}

const MENTION_COLUMNS: &str = "kind, media_id, comment_id, from_tags, username, text, timestamp,
    media_type, product_type, permalink, preview_url, like_count, reply_id, reply_text, replied_at";

/// A stored enum as its serde name (`"IMAGE"`, `"STORY"`), the way the Graph API spells it.
fn enum_to_sql<T: Serialize>(v: Option<&T>) -> Option<String> {
    v.as_ref()
        .and_then(|v| serde_json::to_value(v).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
}

fn enum_from_sql<T: serde::de::DeserializeOwned>(v: Option<String>) -> Option<T> {
    v.and_then(|s| serde_json::from_value(serde_json::Value::String(s)).ok())
}

fn mention_from_row(row: &Row<'_>) -> Result<Mention, Failure> {
    let kind: String = row.get(0)?;
    let comment: String = row.get(2)?;
    let reply = match (
        row.get::<_, Option<String>>(12)?,
        row.get::<_, Option<String>>(13)?,
        row.get::<_, Option<i64>>(14)?,
    ) {
        (Some(id), Some(text), Some(at)) => Some(MentionReply {
            id: CommentId::from(id),
            text,
            at: from_millis(at, "mention reply")?,
        }),
        _ => None,
    };
    Ok(Mention {
        kind: MentionKind::parse(&kind).ok_or_else(|| bad("mention", kind.clone()))?,
        media_id: MediaId::from(row.get::<_, String>(1)?),
        comment_id: (!comment.is_empty()).then(|| CommentId::from(comment)),
        from_tags: row.get(3)?,
        username: row.get(4)?,
        text: row.get(5)?,
        timestamp: from_millis(row.get(6)?, "mention")?,
        media_type: enum_from_sql(row.get(7)?),
        product_type: enum_from_sql(row.get(8)?),
        permalink: row.get(9)?,
        preview_url: row.get(10)?,
        like_count: count_from_sql(row.get(11)?),
        reply,
    })
}

fn upsert_mention(
    tx: &rusqlite::Transaction<'_>,
    account: &IgUserId,
    m: &Mention,
) -> Result<(), Failure> {
    // A refresh never forgets a reply already sent.
    tx.prepare_cached(
        "INSERT INTO mentions (account_id, kind, media_id, comment_id, from_tags, username, text,
             timestamp, media_type, product_type, permalink, preview_url, like_count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (account_id, media_id, comment_id) DO UPDATE SET
             kind = excluded.kind, from_tags = MAX(from_tags, excluded.from_tags),
             username = excluded.username, text = excluded.text, timestamp = excluded.timestamp,
             media_type = COALESCE(excluded.media_type, media_type),
             product_type = COALESCE(excluded.product_type, product_type),
             permalink = COALESCE(excluded.permalink, permalink),
             preview_url = COALESCE(excluded.preview_url, preview_url),
             like_count = excluded.like_count",
    )?
    .execute(params![
        account.as_str(),
        m.kind.as_str(),
        m.media_id.as_str(),
        m.comment_key(),
        m.from_tags,
        m.username,
        m.text,
        to_millis(m.timestamp),
        enum_to_sql(m.media_type.as_ref()),
        enum_to_sql(m.product_type.as_ref()),
        m.permalink,
        m.preview_url,
        count_to_sql(m.like_count),
    ])?;
    Ok(())
}

impl Store {
    /// Stores what the `tags` edge listed (media-level mentions, `from_tags` set), dropping
    /// media-level mentions from an earlier read that the edge no longer lists. Replies
    /// already sent are kept.
    #[tracing::instrument(skip_all)]
    pub fn replace_tagged_mentions(
        &self,
        account: &IgUserId,
        tagged: &[Mention],
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            require_account(tx, account)?;
            let keep: HashSet<&str> = tagged.iter().map(|m| m.media_id.as_str()).collect();
            let listed: Vec<String> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT media_id FROM mentions
                     WHERE account_id = ?1 AND comment_id = '' AND from_tags = 1",
                )?;
                let rows = stmt.query_map([account.as_str()], |r| r.get(0))?;
                rows.collect::<Result<_, _>>()?
            };
            for gone in listed.iter().filter(|id| !keep.contains(id.as_str())) {
                tx.execute(
                    "DELETE FROM mentions
                     WHERE account_id = ?1 AND media_id = ?2 AND comment_id = '' AND from_tags = 1",
                    params![account.as_str(), gone],
                )?;
            }
            for m in tagged {
                upsert_mention(tx, account, m)?;
            }
            Ok(())
        })
    }

    /// Stores one mention read by id (a mentioned comment or media).
    #[tracing::instrument(skip_all)]
    pub fn store_mention(&self, account: &IgUserId, mention: &Mention) -> Result<(), StoreError> {
        self.write(|tx| {
            require_account(tx, account)?;
            upsert_mention(tx, account, mention)
        })
    }

    /// Every cached mention of the account, newest first.
    #[tracing::instrument(skip_all)]
    pub fn mentions(&self, account: &IgUserId) -> Result<Vec<Mention>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {MENTION_COLUMNS} FROM mentions WHERE account_id = ?1
                 ORDER BY timestamp DESC, media_id DESC, comment_id DESC"
            ))?;
            let mut rows = stmt.query([account.as_str()])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(mention_from_row(row)?);
            }
            Ok(out)
        })
    }

    /// One cached mention: the comment mention `comment` on `media`, or the media-level one.
    #[tracing::instrument(skip_all)]
    pub fn mention(
        &self,
        account: &IgUserId,
        media: &MediaId,
        comment: Option<&CommentId>,
    ) -> Result<Option<Mention>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {MENTION_COLUMNS} FROM mentions
                 WHERE account_id = ?1 AND media_id = ?2 AND comment_id = ?3"
            ))?;
            let mut rows = stmt.query(params![
                account.as_str(),
                media.as_str(),
                comment.map_or("", CommentId::as_str)
            ])?;
            match rows.next()? {
                Some(row) => Ok(Some(mention_from_row(row)?)),
                None => Ok(None),
            }
        })
    }

    /// The cached comment mention with this comment id, whatever media it is on.
    #[tracing::instrument(skip_all)]
    pub fn mention_by_comment(
        &self,
        account: &IgUserId,
        comment: &CommentId,
    ) -> Result<Option<Mention>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {MENTION_COLUMNS} FROM mentions WHERE account_id = ?1 AND comment_id = ?2"
            ))?;
            let mut rows = stmt.query(params![account.as_str(), comment.as_str()])?;
            match rows.next()? {
                Some(row) => Ok(Some(mention_from_row(row)?)),
                None => Ok(None),
            }
        })
    }

    /// Records the account's confirmed reply to a mention.
    #[tracing::instrument(skip_all)]
    pub fn record_mention_reply(
        &self,
        account: &IgUserId,
        media: &MediaId,
        comment: Option<&CommentId>,
        reply: &MentionReply,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE mentions SET reply_id = ?4, reply_text = ?5, replied_at = ?6
                 WHERE account_id = ?1 AND media_id = ?2 AND comment_id = ?3",
                params![
                    account.as_str(),
                    media.as_str(),
                    comment.map_or("", CommentId::as_str),
                    reply.id.as_str(),
                    reply.text,
                    to_millis(reply.at)
                ],
            )?;
            Ok(())
        })
    }
}
