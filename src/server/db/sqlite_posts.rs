//! Scheduling on SQLite: accounts, posts, and the claim as one conditional UPDATE (SQLite
//! has one writer at a time, so of two racers exactly one sees the row unclaimed).

use rusqlite::{OptionalExtension, params};

use super::DbError;
use super::posts::{
    AccountRow, Change, Finish, JournalStep, NewImage, NewPost, PostEdit, PostRow, PublishJob,
    StoredImage, parse_kind, shown_state,
};
use super::sqlite::{SqliteDb, audit};

/// The columns [`post_row`] reads, in order.
const POST_COLUMNS: &str = "p.id, p.account_id, p.media_type, p.caption, p.scheduled_at,
    p.state, p.created_by, d.name, p.created_at, p.updated_at, p.media_id, p.published_at,
    p.error, p.claim_owner IS NOT NULL, p.container_id IS NOT NULL";

/// A post row before its media type is read.
type RawPost = (PostRow, String);

fn post_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawPost> {
    let state: String = r.get(5)?;
    let claimed: bool = r.get(13)?;
    let journaled: bool = r.get(14)?;
    Ok((
        PostRow {
            id: r.get(0)?,
            account_id: r.get(1)?,
            media_type: super::PostKind::Image,
            caption: r.get(3)?,
            scheduled_at: r.get(4)?,
            state: shown_state(&state, claimed, journaled),
            created_by: r.get(6)?,
            created_by_name: r.get(7)?,
            created_at: r.get(8)?,
            updated_at: r.get(9)?,
            media_id: r.get(10)?,
            published_at: r.get(11)?,
            error: r.get(12)?,
            images: Vec::new(),
        },
        r.get(2)?,
    ))
}

/// The condition under which a post is still the team's to edit or delete.
const EDITABLE: &str = "state = 'scheduled' AND claim_owner IS NULL AND container_id IS NULL
    AND publish_sent_at IS NULL";

impl SqliteDb {
    pub async fn put_account(
        &self,
        ig_user_id: String,
        login: &'static str,
        token_sealed: String,
        by: i64,
        now: i64,
    ) -> Result<(), DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO accounts (ig_user_id, login, token_sealed, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (ig_user_id) DO UPDATE SET login = excluded.login,
                     token_sealed = excluded.token_sealed, updated_at = excluded.updated_at,
                     updated_by = excluded.updated_by",
                params![ig_user_id, login, token_sealed, now, by],
            )?;
            audit(
                &tx,
                now,
                Some(by),
                "account.connected",
                &format!("{ig_user_id} ({login} login)"),
            )?;
            tx.commit()
        })
        .await
    }

    pub async fn accounts(&self) -> Result<Vec<AccountRow>, DbError> {
        self.call(|conn| {
            let mut stmt = conn.prepare(
                "SELECT ig_user_id, login, updated_at, updated_by FROM accounts
                 ORDER BY ig_user_id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(AccountRow {
                    ig_user_id: r.get(0)?,
                    login: r.get(1)?,
                    updated_at: r.get(2)?,
                    updated_by: r.get(3)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    pub async fn create_post(&self, post: NewPost, now: i64) -> Result<Option<i64>, DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let known = tx
                .query_row(
                    "SELECT 1 FROM accounts WHERE ig_user_id = ?1",
                    params![post.account_id],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if !known {
                return Ok(None);
            }
            let id: i64 = tx.query_row(
                "INSERT INTO scheduled_posts (account_id, media_type, caption, scheduled_at,
                     created_by, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING id",
                params![
                    post.account_id,
                    post.kind.name(),
                    post.caption,
                    post.scheduled_at,
                    post.created_by,
                    now
                ],
                |r| r.get(0),
            )?;
            for (position, image) in post.images.iter().enumerate() {
                let (url, key, bytes) = match image {
                    NewImage::Url(url) => (Some(url.as_str()), None, None),
                    NewImage::Jpeg { public_key, bytes } => {
                        (None, Some(public_key.as_str()), Some(bytes.as_slice()))
                    }
                };
                tx.execute(
                    "INSERT INTO post_media (post_id, position, image_url, public_key, jpeg)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, position as i64, url, key, bytes],
                )?;
            }
            audit(
                &tx,
                now,
                Some(post.created_by),
                "post.scheduled",
                &format!("post {id} on {} at {}", post.account_id, post.scheduled_at),
            )?;
            tx.commit()?;
            Ok(Some(id))
        })
        .await
    }

    pub async fn posts(
        &self,
        from: i64,
        to: i64,
        only: Option<i64>,
    ) -> Result<Vec<PostRow>, DbError> {
        let (rows, images) = self
            .call(move |conn| {
                let filter = "p.scheduled_at >= ?1 AND p.scheduled_at < ?2
                    AND (?3 IS NULL OR p.id = ?3)";
                let mut stmt = conn.prepare(&format!(
                    "SELECT {POST_COLUMNS} FROM scheduled_posts p
                     LEFT JOIN devices d ON d.id = p.created_by
                     WHERE {filter} ORDER BY p.scheduled_at, p.id"
                ))?;
                let rows = stmt
                    .query_map(params![from, to, only], post_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let mut stmt = conn.prepare(&format!(
                    "SELECT m.post_id, m.image_url, m.public_key FROM post_media m
                     JOIN scheduled_posts p ON p.id = m.post_id
                     WHERE {filter} ORDER BY m.post_id, m.position"
                ))?;
                let images = stmt
                    .query_map(params![from, to, only], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            StoredImage {
                                image_url: r.get(1)?,
                                public_key: r.get(2)?,
                            },
                        ))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok((rows, images))
            })
            .await?;
        assemble(rows, images)
    }

    pub async fn edit_post(
        &self,
        id: i64,
        edit: PostEdit,
        by: i64,
        now: i64,
    ) -> Result<Change, DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let changed = tx.execute(
                &format!(
                    "UPDATE scheduled_posts SET caption = COALESCE(?1, caption),
                         scheduled_at = COALESCE(?2, scheduled_at), claim_until = NULL,
                         updated_at = ?3
                     WHERE id = ?4 AND {EDITABLE}"
                ),
                params![edit.caption, edit.scheduled_at, now, id],
            )?;
            let outcome = change_outcome(&tx, id, changed)?;
            if outcome == Change::Done {
                let detail = describe_edit(id, &edit);
                audit(&tx, now, Some(by), "post.edited", &detail)?;
            }
            tx.commit()?;
            Ok(outcome)
        })
        .await
    }

    pub async fn delete_post(&self, id: i64, by: i64, now: i64) -> Result<Change, DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let changed = tx.execute(
                &format!("DELETE FROM scheduled_posts WHERE id = ?1 AND {EDITABLE}"),
                params![id],
            )?;
            let outcome = change_outcome(&tx, id, changed)?;
            if outcome == Change::Done {
                audit(&tx, now, Some(by), "post.deleted", &format!("post {id}"))?;
            }
            tx.commit()?;
            Ok(outcome)
        })
        .await
    }

    pub async fn uploaded_jpeg(&self, public_key: String) -> Result<Option<Vec<u8>>, DbError> {
        self.call(move |conn| {
            conn.query_row(
                "SELECT jpeg FROM post_media WHERE public_key = ?1 AND jpeg IS NOT NULL",
                params![public_key],
                |r| r.get(0),
            )
            .optional()
        })
        .await
    }

    pub async fn claim_due(
        &self,
        owner: String,
        now: i64,
        until: i64,
        limit: i64,
    ) -> Result<Vec<i64>, DbError> {
        self.call(move |conn| {
            let mut stmt = conn.prepare(
                "UPDATE scheduled_posts
                 SET claim_owner = ?1, claim_until = ?2, attempts = attempts + 1
                 WHERE id IN (
                     SELECT id FROM scheduled_posts
                     WHERE state = 'scheduled' AND scheduled_at <= ?3
                       AND (claim_until IS NULL OR claim_until < ?3)
                     ORDER BY scheduled_at, id LIMIT ?4)
                 RETURNING id",
            )?;
            let ids = stmt.query_map(params![owner, until, now, limit], |r| r.get(0))?;
            ids.collect()
        })
        .await
    }

    pub async fn publish_job(&self, id: i64, owner: String) -> Result<Option<PublishJob>, DbError> {
        let found = self
            .call(move |conn| {
                let row = conn
                    .query_row(
                        "SELECT p.account_id, a.login, a.token_sealed, p.media_type, p.caption,
                                p.container_id, p.publish_sent_at, p.attempts
                         FROM scheduled_posts p JOIN accounts a ON a.ig_user_id = p.account_id
                         WHERE p.id = ?1 AND p.claim_owner = ?2 AND p.state = 'scheduled'",
                        params![id, owner],
                        |r| {
                            Ok((
                                r.get::<_, String>(0)?,
                                r.get::<_, String>(1)?,
                                r.get::<_, String>(2)?,
                                r.get::<_, String>(3)?,
                                r.get::<_, String>(4)?,
                                r.get::<_, Option<String>>(5)?,
                                r.get::<_, Option<i64>>(6)?,
                                r.get::<_, i64>(7)?,
                            ))
                        },
                    )
                    .optional()?;
                let Some(row) = row else { return Ok(None) };
                let mut stmt = conn.prepare(
                    "SELECT image_url, public_key FROM post_media WHERE post_id = ?1
                     ORDER BY position",
                )?;
                let images = stmt
                    .query_map(params![id], |r| {
                        Ok(StoredImage {
                            image_url: r.get(0)?,
                            public_key: r.get(1)?,
                        })
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(Some((row, images)))
            })
            .await?;
        let Some((row, images)) = found else {
            return Ok(None);
        };
        let (account_id, login, token_sealed, kind, caption, container_id, sent, attempts) = row;
        Ok(Some(PublishJob {
            id,
            account_id,
            login,
            token_sealed,
            kind: parse_kind(kind)?,
            caption,
            images,
            container_id,
            publish_sent_at: sent,
            attempts,
        }))
    }

    pub async fn journal(
        &self,
        id: i64,
        owner: String,
        until: i64,
        step: JournalStep,
    ) -> Result<bool, DbError> {
        self.call(move |conn| {
            let held = "WHERE id = ?1 AND claim_owner = ?2 AND state = 'scheduled'";
            let changed = match step {
                JournalStep::Renew => conn.execute(
                    &format!("UPDATE scheduled_posts SET claim_until = ?3 {held}"),
                    params![id, owner, until],
                )?,
                JournalStep::Container(container) => conn.execute(
                    &format!(
                        "UPDATE scheduled_posts SET claim_until = ?3, container_id = ?4,
                             publish_sent_at = NULL {held}"
                    ),
                    params![id, owner, until, container],
                )?,
                JournalStep::Sent(at) => conn.execute(
                    &format!(
                        "UPDATE scheduled_posts SET claim_until = ?3,
                             publish_sent_at = COALESCE(publish_sent_at, ?4) {held}"
                    ),
                    params![id, owner, until, at],
                )?,
                JournalStep::Release { retry_at, error } => conn.execute(
                    &format!(
                        "UPDATE scheduled_posts SET claim_owner = NULL, claim_until = ?3,
                             error = ?4 {held}"
                    ),
                    params![id, owner, retry_at, error],
                )?,
            };
            Ok(changed > 0)
        })
        .await
    }

    pub async fn release_claims(&self, owner: String) -> Result<u64, DbError> {
        self.call(move |conn| {
            conn.execute(
                "UPDATE scheduled_posts SET claim_owner = NULL, claim_until = NULL
                 WHERE claim_owner = ?1 AND state = 'scheduled'",
                params![owner],
            )
            .map(|n| n as u64)
        })
        .await
    }

    pub async fn finish_post(&self, id: i64, outcome: Finish, now: i64) -> Result<bool, DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let (changed, action, detail) = match &outcome {
                Finish::Published { media_id } => (
                    tx.execute(
                        "UPDATE scheduled_posts SET state = 'published', media_id = ?2,
                             published_at = ?3, updated_at = ?3, claim_owner = NULL,
                             claim_until = NULL, error = NULL
                         WHERE id = ?1 AND state = 'scheduled'",
                        params![id, media_id, now],
                    )?,
                    "post.published",
                    format!("post {id} as media {}", media_id.as_deref().unwrap_or("?")),
                ),
                Finish::Failed { owner, error } => (
                    tx.execute(
                        "UPDATE scheduled_posts SET state = 'failed', error = ?3, updated_at = ?4,
                             claim_owner = NULL, claim_until = NULL
                         WHERE id = ?1 AND claim_owner = ?2 AND state = 'scheduled'",
                        params![id, owner, error, now],
                    )?,
                    "post.failed",
                    format!("post {id}: {error}"),
                ),
            };
            if changed > 0 {
                tx.execute(
                    "UPDATE post_media SET jpeg = NULL WHERE post_id = ?1",
                    params![id],
                )?;
                audit(&tx, now, None, action, &detail)?;
            }
            tx.commit()?;
            Ok(changed > 0)
        })
        .await
    }
}

/// Done, or why not: the post is missing or no longer editable.
fn change_outcome(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    changed: usize,
) -> rusqlite::Result<Change> {
    if changed > 0 {
        return Ok(Change::Done);
    }
    let exists = tx
        .query_row(
            "SELECT 1 FROM scheduled_posts WHERE id = ?1",
            params![id],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    Ok(if exists {
        Change::Locked
    } else {
        Change::NotFound
    })
}

/// The audit detail of an edit: which post, what changed.
pub(super) fn describe_edit(id: i64, edit: &PostEdit) -> String {
    let mut parts = vec![format!("post {id}")];
    if let Some(at) = edit.scheduled_at {
        parts.push(format!("moved to {at}"));
    }
    if edit.caption.is_some() {
        parts.push("caption edited".into());
    }
    parts.join(", ")
}

/// Posts with their media types read and their pictures attached.
pub(super) fn assemble(
    rows: Vec<RawPost>,
    images: Vec<(i64, StoredImage)>,
) -> Result<Vec<PostRow>, DbError> {
    let mut posts = Vec::with_capacity(rows.len());
    for (mut post, kind) in rows {
        post.media_type = parse_kind(kind)?;
        posts.push(post);
    }
    for (post_id, image) in images {
        if let Some(post) = posts.iter_mut().find(|p| p.id == post_id) {
            post.images.push(image);
        }
    }
    Ok(posts)
}
