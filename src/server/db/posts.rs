//! What the database keeps for scheduling on the server: accounts handed over by an admin
//! (the Meta token sealed, see `sealing`), scheduled posts with their pictures, and the
//! publish claim and journal each server process works under.
//!
//! The claim rule is the desktop's (ARCHITECTURE.md, "The publish claim"): a post is owned
//! by one publisher at a time through `claim_owner` + `claim_until`; every write that could
//! lead to a post (journaling the container, "media_publish sent") is conditional on still
//! owning the claim and renews it in the same statement. A claim whose owner died is taken
//! over once `claim_until` has passed; a post released for a retry has no owner and
//! `claim_until` = when to try again, so one condition covers both.

use serde::Serialize;

use super::{Db, DbError};

/// What a scheduled post becomes on Instagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PostKind {
    /// One picture.
    Image,
    /// 2 to 10 pictures.
    Carousel,
}

impl PostKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Image => "IMAGE",
            Self::Carousel => "CAROUSEL",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "IMAGE" => Some(Self::Image),
            "CAROUSEL" => Some(Self::Carousel),
            _ => None,
        }
    }
}

/// A picture of a new post: a URL Meta can fetch already, or an uploaded JPEG the server
/// serves itself under an unguessable key.
#[derive(Debug, Clone)]
pub enum NewImage {
    Url(String),
    Jpeg { public_key: String, bytes: Vec<u8> },
}

/// A post to schedule, checked by the API.
#[derive(Debug, Clone)]
pub struct NewPost {
    pub account_id: String,
    pub kind: PostKind,
    pub caption: String,
    pub scheduled_at: i64,
    pub created_by: i64,
    pub images: Vec<NewImage>,
}

/// A stored picture: its hosted URL, or the key of the uploaded JPEG.
#[derive(Debug, Clone, Serialize)]
pub struct StoredImage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(skip)]
    pub public_key: Option<String>,
}

/// A scheduled post as the API shows it (times in UNIX seconds).
#[derive(Debug, Clone, Serialize)]
pub struct PostRow {
    pub id: i64,
    pub account_id: String,
    pub media_type: PostKind,
    pub caption: String,
    pub scheduled_at: i64,
    /// `scheduled`, `publishing` (claimed or under way), `published` or `failed`.
    pub state: String,
    pub created_by: i64,
    pub created_by_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub media_id: Option<String>,
    pub published_at: Option<i64>,
    pub error: Option<String>,
    pub images: Vec<StoredImage>,
}

/// An edit of a post that has not started publishing.
#[derive(Debug, Clone, Default)]
pub struct PostEdit {
    pub caption: Option<String>,
    pub scheduled_at: Option<i64>,
}

/// What became of an edit or a deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Done,
    NotFound,
    /// Claimed, under way, published or failed: no longer the team's to change.
    Locked,
}

/// An account handed to the server (never with its token).
#[derive(Debug, Clone, Serialize)]
pub struct AccountRow {
    pub ig_user_id: String,
    pub login: String,
    pub updated_at: i64,
    pub updated_by: Option<i64>,
}

/// Everything a publisher needs for one claimed post.
#[derive(Debug, Clone)]
pub struct PublishJob {
    pub id: i64,
    pub account_id: String,
    pub login: String,
    pub token_sealed: String,
    pub kind: PostKind,
    pub caption: String,
    pub images: Vec<StoredImage>,
    /// The journaled (parent) container: reused on every attempt once created.
    pub container_id: Option<String>,
    /// When media_publish was (about to be) sent; the container must be asked first.
    pub publish_sent_at: Option<i64>,
    pub attempts: i64,
}

/// The state word the API shows: a scheduled row that is claimed or has a container is
/// already publishing.
pub(super) fn shown_state(state: &str, claimed: bool, journaled: bool) -> String {
    if state == "scheduled" && (claimed || journaled) {
        "publishing".into()
    } else {
        state.into()
    }
}

pub(super) fn parse_kind(value: String) -> Result<PostKind, DbError> {
    PostKind::from_name(&value).ok_or(DbError::Unknown {
        what: "a post media type",
        value,
    })
}

impl Db {
    /// Stores (or replaces) an account's sealed token on behalf of admin device `by`.
    pub async fn put_account(
        &self,
        ig_user_id: String,
        login: &'static str,
        token_sealed: String,
        by: i64,
        now: i64,
    ) -> Result<(), DbError> {
        match self {
            Self::Sqlite(db) => {
                db.put_account(ig_user_id, login, token_sealed, by, now)
                    .await
            }
            Self::Postgres(db) => {
                db.put_account(&ig_user_id, login, &token_sealed, by, now)
                    .await
            }
        }
    }

    /// The accounts the server can publish to.
    pub async fn accounts(&self) -> Result<Vec<AccountRow>, DbError> {
        match self {
            Self::Sqlite(db) => db.accounts().await,
            Self::Postgres(db) => db.accounts().await,
        }
    }

    /// Stores a post and its pictures with the audit row; `None` when the account was never
    /// handed to the server.
    pub async fn create_post(&self, post: NewPost, now: i64) -> Result<Option<i64>, DbError> {
        match self {
            Self::Sqlite(db) => db.create_post(post, now).await,
            Self::Postgres(db) => db.create_post(&post, now).await,
        }
    }

    /// Posts scheduled in `[from, to)`, by time.
    pub async fn posts(&self, from: i64, to: i64) -> Result<Vec<PostRow>, DbError> {
        match self {
            Self::Sqlite(db) => db.posts(from, to, None).await,
            Self::Postgres(db) => db.posts(from, to, None).await,
        }
    }

    /// One post.
    pub async fn post(&self, id: i64) -> Result<Option<PostRow>, DbError> {
        let rows = match self {
            Self::Sqlite(db) => db.posts(i64::MIN, i64::MAX, Some(id)).await?,
            Self::Postgres(db) => db.posts(i64::MIN, i64::MAX, Some(id)).await?,
        };
        Ok(rows.into_iter().next())
    }

    /// Edits a post nobody has started publishing, with the audit row.
    pub async fn edit_post(
        &self,
        id: i64,
        edit: PostEdit,
        by: i64,
        now: i64,
    ) -> Result<Change, DbError> {
        match self {
            Self::Sqlite(db) => db.edit_post(id, edit, by, now).await,
            Self::Postgres(db) => db.edit_post(id, &edit, by, now).await,
        }
    }

    /// Deletes a post nobody has started publishing, with the audit row.
    pub async fn delete_post(&self, id: i64, by: i64, now: i64) -> Result<Change, DbError> {
        match self {
            Self::Sqlite(db) => db.delete_post(id, by, now).await,
            Self::Postgres(db) => db.delete_post(id, by, now).await,
        }
    }

    /// The uploaded JPEG served under `public_key`, while its post is not yet published.
    pub async fn uploaded_jpeg(&self, public_key: String) -> Result<Option<Vec<u8>>, DbError> {
        match self {
            Self::Sqlite(db) => db.uploaded_jpeg(public_key).await,
            Self::Postgres(db) => db.uploaded_jpeg(&public_key).await,
        }
    }

    /// Claims up to `limit` due posts for `owner` until `until`: unclaimed ones, ones whose
    /// retry time came, and ones whose owner's lease expired. Returns their ids.
    pub async fn claim_due(
        &self,
        owner: String,
        now: i64,
        until: i64,
        limit: i64,
    ) -> Result<Vec<i64>, DbError> {
        match self {
            Self::Sqlite(db) => db.claim_due(owner, now, until, limit).await,
            Self::Postgres(db) => db.claim_due(&owner, now, until, limit).await,
        }
    }

    /// The claimed post `id` with its account's sealed token, if `owner` still holds it.
    pub async fn publish_job(&self, id: i64, owner: String) -> Result<Option<PublishJob>, DbError> {
        match self {
            Self::Sqlite(db) => db.publish_job(id, owner).await,
            Self::Postgres(db) => db.publish_job(id, &owner).await,
        }
    }

    /// One conditional write of the journal, renewing the lease: `false` when `owner` no
    /// longer holds the claim (the caller stops at once). `step` says what to record.
    pub async fn journal(
        &self,
        id: i64,
        owner: String,
        until: i64,
        step: JournalStep,
    ) -> Result<bool, DbError> {
        match self {
            Self::Sqlite(db) => db.journal(id, owner, until, step).await,
            Self::Postgres(db) => db.journal(id, &owner, until, &step).await,
        }
    }

    /// Gives up every claim `owner` holds (a replica stopping): the posts are free to be
    /// taken at once, and resumed from their journal like any takeover.
    pub async fn release_claims(&self, owner: String) -> Result<u64, DbError> {
        match self {
            Self::Sqlite(db) => db.release_claims(owner).await,
            Self::Postgres(db) => db.release_claims(&owner).await,
        }
    }

    /// Records the end of a post's publishing (published, or failed for good) with the audit
    /// row, and drops its uploaded JPEGs (Meta has fetched them).
    pub async fn finish_post(&self, id: i64, outcome: Finish, now: i64) -> Result<bool, DbError> {
        match self {
            Self::Sqlite(db) => db.finish_post(id, outcome, now).await,
            Self::Postgres(db) => db.finish_post(id, &outcome, now).await,
        }
    }
}

/// One write of the publish journal, each conditional on the claim.
#[derive(Debug, Clone)]
pub enum JournalStep {
    /// Only renew the lease.
    Renew,
    /// The (parent) container to publish, or `None` to forget it (expired or failed).
    Container(Option<String>),
    /// media_publish is about to be sent (at this time).
    Sent(i64),
    /// Give the post up for now: no owner, try again at `retry_at`, keep the journal.
    Release { retry_at: i64, error: String },
}

/// How a post's publishing ended.
#[derive(Debug, Clone)]
pub enum Finish {
    /// Published; the media id when Meta's answer (or a look-up) gave it.
    Published { media_id: Option<String> },
    /// Failed for good, by `owner` (only the claim's owner records a failure).
    Failed { owner: String, error: String },
}
