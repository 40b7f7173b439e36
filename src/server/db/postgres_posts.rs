//! Scheduling on PostgreSQL. Replicas claim with `FOR UPDATE SKIP LOCKED`: each picks due
//! rows no other replica is claiming at that moment, so they never wait on one another and
//! never claim the same row; a row locked by a racer is re-checked against the due condition
//! after the lock (READ COMMITTED re-evaluates it), so a row claimed meanwhile is skipped.

use tokio_postgres::Row;

use super::DbError;
use super::postgres::{PostgresDb, audit};
use super::posts::{
    AccountRow, Change, Finish, JournalStep, NewImage, NewPost, PostEdit, PostRow, PublishJob,
    StoredImage, parse_kind, shown_state,
};
use super::sqlite_posts::{assemble, describe_edit};

/// The columns [`post_row`] reads, in order.
const POST_COLUMNS: &str = "p.id, p.account_id, p.media_type, p.caption, p.scheduled_at,
    p.state, p.created_by, d.name, p.created_at, p.updated_at, p.media_id, p.published_at,
    p.error, p.claim_owner IS NOT NULL, p.container_id IS NOT NULL";

/// The condition under which a post is still the team's to edit or delete.
const EDITABLE: &str = "state = 'scheduled' AND claim_owner IS NULL AND container_id IS NULL
    AND publish_sent_at IS NULL";

fn post_row(r: &Row) -> (PostRow, String) {
    let state: String = r.get(5);
    (
        PostRow {
            id: r.get(0),
            account_id: r.get(1),
            media_type: super::PostKind::Image,
            caption: r.get(3),
            scheduled_at: r.get(4),
            state: shown_state(&state, r.get(13), r.get(14)),
            created_by: r.get(6),
            created_by_name: r.get(7),
            created_at: r.get(8),
            updated_at: r.get(9),
            media_id: r.get(10),
            published_at: r.get(11),
            error: r.get(12),
            images: Vec::new(),
        },
        r.get(2),
    )
}

impl PostgresDb {
    pub async fn put_account(
        &self,
        ig_user_id: &str,
        login: &'static str,
        token_sealed: &str,
        by: i64,
        now: i64,
    ) -> Result<(), DbError> {
        let mut client = self.client.lock().await;
        let tx = client.transaction().await?;
        tx.execute(
            "INSERT INTO accounts (ig_user_id, login, token_sealed, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (ig_user_id) DO UPDATE SET login = excluded.login,
                 token_sealed = excluded.token_sealed, updated_at = excluded.updated_at,
                 updated_by = excluded.updated_by",
            &[&ig_user_id, &login, &token_sealed, &now, &by],
        )
        .await?;
        let detail = format!("{ig_user_id} ({login} login)");
        audit(&tx, now, Some(by), "account.connected", &detail).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn accounts(&self) -> Result<Vec<AccountRow>, DbError> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "SELECT ig_user_id, login, updated_at, updated_by FROM accounts
                 ORDER BY ig_user_id",
                &[],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| AccountRow {
                ig_user_id: r.get(0),
                login: r.get(1),
                updated_at: r.get(2),
                updated_by: r.get(3),
            })
            .collect())
    }

    pub async fn create_post(&self, post: &NewPost, now: i64) -> Result<Option<i64>, DbError> {
        let mut client = self.client.lock().await;
        let tx = client.transaction().await?;
        if tx
            .query_opt(
                "SELECT 1 FROM accounts WHERE ig_user_id = $1",
                &[&post.account_id],
            )
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO scheduled_posts (account_id, media_type, caption, scheduled_at,
                     created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                &[
                    &post.account_id,
                    &post.kind.name(),
                    &post.caption,
                    &post.scheduled_at,
                    &post.created_by,
                    &now,
                ],
            )
            .await?
            .get(0);
        for (position, image) in post.images.iter().enumerate() {
            let (url, key, bytes): (Option<&str>, Option<&str>, Option<&[u8]>) = match image {
                NewImage::Url(url) => (Some(url), None, None),
                NewImage::Jpeg { public_key, bytes } => (None, Some(public_key), Some(bytes)),
            };
            tx.execute(
                "INSERT INTO post_media (post_id, position, image_url, public_key, jpeg)
                 VALUES ($1, $2, $3, $4, $5)",
                &[&id, &(position as i64), &url, &key, &bytes],
            )
            .await?;
        }
        let detail = format!("post {id} on {} at {}", post.account_id, post.scheduled_at);
        audit(&tx, now, Some(post.created_by), "post.scheduled", &detail).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    pub async fn posts(
        &self,
        from: i64,
        to: i64,
        only: Option<i64>,
    ) -> Result<Vec<PostRow>, DbError> {
        let client = self.client.lock().await;
        let filter = "p.scheduled_at >= $1 AND p.scheduled_at < $2
            AND ($3::BIGINT IS NULL OR p.id = $3)";
        let rows = client
            .query(
                &format!(
                    "SELECT {POST_COLUMNS} FROM scheduled_posts p
                     LEFT JOIN devices d ON d.id = p.created_by
                     WHERE {filter} ORDER BY p.scheduled_at, p.id"
                ),
                &[&from, &to, &only],
            )
            .await?;
        let images = client
            .query(
                &format!(
                    "SELECT m.post_id, m.image_url, m.public_key FROM post_media m
                     JOIN scheduled_posts p ON p.id = m.post_id
                     WHERE {filter} ORDER BY m.post_id, m.position"
                ),
                &[&from, &to, &only],
            )
            .await?;
        let images = images
            .into_iter()
            .map(|r| {
                (
                    r.get(0),
                    StoredImage {
                        image_url: r.get(1),
                        public_key: r.get(2),
                    },
                )
            })
            .collect();
        assemble(rows.iter().map(post_row).collect(), images)
    }

    pub async fn edit_post(
        &self,
        id: i64,
        edit: &PostEdit,
        by: i64,
        now: i64,
    ) -> Result<Change, DbError> {
        let mut client = self.client.lock().await;
        let tx = client.transaction().await?;
        let changed = tx
            .execute(
                &format!(
                    "UPDATE scheduled_posts SET caption = COALESCE($1, caption),
                         scheduled_at = COALESCE($2, scheduled_at), claim_until = NULL,
                         updated_at = $3
                     WHERE id = $4 AND {EDITABLE}"
                ),
                &[&edit.caption, &edit.scheduled_at, &now, &id],
            )
            .await?;
        let outcome = change_outcome(&tx, id, changed).await?;
        if outcome == Change::Done {
            audit(&tx, now, Some(by), "post.edited", &describe_edit(id, edit)).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    pub async fn delete_post(&self, id: i64, by: i64, now: i64) -> Result<Change, DbError> {
        let mut client = self.client.lock().await;
        let tx = client.transaction().await?;
        let changed = tx
            .execute(
                &format!("DELETE FROM scheduled_posts WHERE id = $1 AND {EDITABLE}"),
                &[&id],
            )
            .await?;
        let outcome = change_outcome(&tx, id, changed).await?;
        if outcome == Change::Done {
            audit(&tx, now, Some(by), "post.deleted", &format!("post {id}")).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    pub async fn uploaded_jpeg(&self, public_key: &str) -> Result<Option<Vec<u8>>, DbError> {
        let client = self.client.lock().await;
        let row = client
            .query_opt(
                "SELECT jpeg FROM post_media WHERE public_key = $1 AND jpeg IS NOT NULL",
                &[&public_key],
            )
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    pub async fn claim_due(
        &self,
        owner: &str,
        now: i64,
        until: i64,
        limit: i64,
    ) -> Result<Vec<i64>, DbError> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "UPDATE scheduled_posts
                 SET claim_owner = $1, claim_until = $2, attempts = attempts + 1
                 WHERE id IN (
                     SELECT id FROM scheduled_posts
                     WHERE state = 'scheduled' AND scheduled_at <= $3
                       AND (claim_until IS NULL OR claim_until < $3)
                     ORDER BY scheduled_at, id
                     FOR UPDATE SKIP LOCKED
                     LIMIT $4)
                 RETURNING id",
                &[&owner, &until, &now, &limit],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }

    pub async fn publish_job(&self, id: i64, owner: &str) -> Result<Option<PublishJob>, DbError> {
        let client = self.client.lock().await;
        let Some(row) = client
            .query_opt(
                "SELECT p.account_id, a.login, a.token_sealed, p.media_type, p.caption,
                        p.container_id, p.publish_sent_at, p.attempts
                 FROM scheduled_posts p JOIN accounts a ON a.ig_user_id = p.account_id
                 WHERE p.id = $1 AND p.claim_owner = $2 AND p.state = 'scheduled'",
                &[&id, &owner],
            )
            .await?
        else {
            return Ok(None);
        };
        let images = client
            .query(
                "SELECT image_url, public_key FROM post_media WHERE post_id = $1
                 ORDER BY position",
                &[&id],
            )
            .await?
            .into_iter()
            .map(|r| StoredImage {
                image_url: r.get(0),
                public_key: r.get(1),
            })
            .collect();
        Ok(Some(PublishJob {
            id,
            account_id: row.get(0),
            login: row.get(1),
            token_sealed: row.get(2),
            kind: parse_kind(row.get(3))?,
            caption: row.get(4),
            images,
            container_id: row.get(5),
            publish_sent_at: row.get(6),
            attempts: row.get(7),
        }))
    }

    pub async fn journal(
        &self,
        id: i64,
        owner: &str,
        until: i64,
        step: &JournalStep,
    ) -> Result<bool, DbError> {
        let client = self.client.lock().await;
        let held = "WHERE id = $1 AND claim_owner = $2 AND state = 'scheduled'";
        let changed = match step {
            JournalStep::Renew => {
                client
                    .execute(
                        &format!("UPDATE scheduled_posts SET claim_until = $3 {held}"),
                        &[&id, &owner, &until],
                    )
                    .await?
            }
            JournalStep::Container(container) => {
                client
                    .execute(
                        &format!(
                            "UPDATE scheduled_posts SET claim_until = $3, container_id = $4,
                                 publish_sent_at = NULL {held}"
                        ),
                        &[&id, &owner, &until, container],
                    )
                    .await?
            }
            JournalStep::Sent(at) => {
                client
                    .execute(
                        &format!(
                            "UPDATE scheduled_posts SET claim_until = $3,
                                 publish_sent_at = COALESCE(publish_sent_at, $4) {held}"
                        ),
                        &[&id, &owner, &until, at],
                    )
                    .await?
            }
            JournalStep::Release { retry_at, error } => {
                client
                    .execute(
                        &format!(
                            "UPDATE scheduled_posts SET claim_owner = NULL, claim_until = $3,
                                 error = $4 {held}"
                        ),
                        &[&id, &owner, retry_at, error],
                    )
                    .await?
            }
        };
        Ok(changed > 0)
    }

    pub async fn release_claims(&self, owner: &str) -> Result<u64, DbError> {
        let client = self.client.lock().await;
        Ok(client
            .execute(
                "UPDATE scheduled_posts SET claim_owner = NULL, claim_until = NULL
                 WHERE claim_owner = $1 AND state = 'scheduled'",
                &[&owner],
            )
            .await?)
    }

    pub async fn finish_post(&self, id: i64, outcome: &Finish, now: i64) -> Result<bool, DbError> {
        let mut client = self.client.lock().await;
        let tx = client.transaction().await?;
        let (changed, action, detail) = match outcome {
            Finish::Published { media_id } => (
                tx.execute(
                    "UPDATE scheduled_posts SET state = 'published', media_id = $2,
                         published_at = $3, updated_at = $3, claim_owner = NULL,
                         claim_until = NULL, error = NULL
                     WHERE id = $1 AND state = 'scheduled'",
                    &[&id, media_id, &now],
                )
                .await?,
                "post.published",
                format!("post {id} as media {}", media_id.as_deref().unwrap_or("?")),
            ),
            Finish::Failed { owner, error } => (
                tx.execute(
                    "UPDATE scheduled_posts SET state = 'failed', error = $3, updated_at = $4,
                         claim_owner = NULL, claim_until = NULL
                     WHERE id = $1 AND claim_owner = $2 AND state = 'scheduled'",
                    &[&id, owner, error, &now],
                )
                .await?,
                "post.failed",
                format!("post {id}: {error}"),
            ),
        };
        if changed > 0 {
            tx.execute(
                "UPDATE post_media SET jpeg = NULL WHERE post_id = $1",
                &[&id],
            )
            .await?;
            audit(&tx, now, None, action, &detail).await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }
}

async fn change_outcome(
    tx: &tokio_postgres::Transaction<'_>,
    id: i64,
    changed: u64,
) -> Result<Change, DbError> {
    if changed > 0 {
        return Ok(Change::Done);
    }
    let exists = tx
        .query_opt("SELECT 1 FROM scheduled_posts WHERE id = $1", &[&id])
        .await?
        .is_some();
    Ok(if exists {
        Change::Locked
    } else {
        Change::NotFound
    })
}
