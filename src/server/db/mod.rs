//! The server's storage, one API over two engines: SQLite for one person's server (the
//! default, a file in the data folder) and PostgreSQL for teams (`--database postgres://…`).
//!
//! An enum rather than a trait object: there are exactly two engines, the match in each
//! method is the whole dispatch, and async methods need no boxing. Every change that a
//! person makes is written in the same transaction as its audit row, so the log cannot miss
//! a change that happened. Secrets never reach a table in clear: invite codes and device
//! tokens arrive here already hashed (see `devices`), account tokens already sealed (see
//! `sealing`).

mod postgres;
mod postgres_posts;
mod posts;
mod sqlite;
mod sqlite_posts;

use std::path::PathBuf;

use serde::Serialize;

use super::auth::Role;

pub use postgres::PostgresDb;
pub use posts::{
    Change, Finish, JournalStep, NewImage, NewPost, PostEdit, PostKind, PostRow, PublishJob,
};
pub use sqlite::SqliteDb;

/// Where the server keeps its data.
#[derive(Debug, Clone)]
pub enum DatabaseLocation {
    /// A SQLite file, created 0600.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL; it may hold a password, so it is kept out of logs.
    Postgres(secrecy::SecretString),
}

/// What went wrong with the database, worded for the person running the server.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "could not open the server database {path}: {source} (check the folder's permissions and free space)"
    )]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the SQLite server database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "could not connect to PostgreSQL: {0} (check the --database URL, that the server is running and accepts this user; TLS is not supported yet, use sslmode=disable on a private network)"
    )]
    Connect(#[source] tokio_postgres::Error),
    #[error("PostgreSQL failed: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("a database task stopped unexpectedly: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error(
        "the database holds {what} this version does not know ({value:?}); was it written by a newer socialdesk?"
    )]
    Unknown { what: &'static str, value: String },
}

/// One webhook change, ready to store. `key` identifies it across Meta's retries.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub key: String,
    pub object: String,
    pub account_id: String,
    pub field: String,
    pub sent_at: i64,
    /// The change's `value` as JSON text (`null` when Meta sent only the field name).
    pub value: String,
}

/// A stored webhook event, in arrival order (`id` grows).
#[derive(Debug, Clone, Serialize)]
pub struct StoredEvent {
    pub id: i64,
    pub object: String,
    pub account_id: String,
    pub field: String,
    pub sent_at: i64,
    pub received_at: i64,
    pub value: serde_json::Value,
    pub handled_by: Option<i64>,
    pub handled_at: Option<i64>,
}

/// A paired device (a desktop).
#[derive(Debug, Clone, Serialize)]
pub struct Device {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub paired_at: i64,
    pub revoked_at: Option<i64>,
}

/// One row of the audit log: who (`device_id`; none for the `server invite` command on the
/// server's own machine) did what, when.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub device_id: Option<i64>,
    pub device_name: Option<String>,
    pub action: String,
    pub detail: String,
}

/// The server's database, opened and migrated.
#[derive(Clone)]
pub enum Db {
    Sqlite(SqliteDb),
    Postgres(PostgresDb),
}

impl Db {
    /// Opens (creating if needed) and migrates the database at `location`.
    pub async fn open(location: &DatabaseLocation) -> Result<Self, DbError> {
        Ok(match location {
            DatabaseLocation::Sqlite(path) => Self::Sqlite(SqliteDb::open(path.clone()).await?),
            DatabaseLocation::Postgres(url) => Self::Postgres(PostgresDb::connect(url).await?),
        })
    }

    /// Stores each event unless one with the same key is already there; returns how many
    /// were new. All or nothing: the caller answers Meta 200 only after this returns.
    pub async fn insert_events(&self, events: Vec<NewEvent>, now: i64) -> Result<u64, DbError> {
        match self {
            Self::Sqlite(db) => db.insert_events(events, now).await,
            Self::Postgres(db) => db.insert_events(&events, now).await,
        }
    }

    /// Up to `limit` events with an id above `after`, oldest first.
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<StoredEvent>, DbError> {
        match self {
            Self::Sqlite(db) => db.events_after(after, limit).await,
            Self::Postgres(db) => db.events_after(after, limit).await,
        }
    }

    /// Marks an event handled by `device`; false if there is no such event.
    pub async fn mark_handled(
        &self,
        event_id: i64,
        device: i64,
        now: i64,
    ) -> Result<bool, DbError> {
        match self {
            Self::Sqlite(db) => db.mark_handled(event_id, device, now).await,
            Self::Postgres(db) => db.mark_handled(event_id, device, now).await,
        }
    }

    /// Records a one-time invite (its code already hashed).
    pub async fn create_invite(
        &self,
        code_sha256: String,
        role: Role,
        expires_at: i64,
        now: i64,
    ) -> Result<(), DbError> {
        match self {
            Self::Sqlite(db) => db.create_invite(code_sha256, role, expires_at, now).await,
            Self::Postgres(db) => db.create_invite(&code_sha256, role, expires_at, now).await,
        }
    }

    /// Uses up the invite and pairs a device with its role, in one transaction; `None` when
    /// the code is unknown, already used or expired.
    pub async fn pair(
        &self,
        code_sha256: String,
        device_name: String,
        token_sha256: String,
        now: i64,
    ) -> Result<Option<Device>, DbError> {
        match self {
            Self::Sqlite(db) => db.pair(code_sha256, device_name, token_sha256, now).await,
            Self::Postgres(db) => {
                db.pair(&code_sha256, &device_name, &token_sha256, now)
                    .await
            }
        }
    }

    /// The device holding this token, unless it was revoked.
    pub async fn device_by_token(&self, token_sha256: String) -> Result<Option<Device>, DbError> {
        match self {
            Self::Sqlite(db) => db.device_by_token(token_sha256).await,
            Self::Postgres(db) => db.device_by_token(&token_sha256).await,
        }
    }

    /// Whether device `id` exists and is not revoked.
    pub async fn device_active(&self, id: i64) -> Result<bool, DbError> {
        match self {
            Self::Sqlite(db) => db.device_active(id).await,
            Self::Postgres(db) => db.device_active(id).await,
        }
    }

    /// Every device ever paired, revoked ones included.
    pub async fn devices(&self) -> Result<Vec<Device>, DbError> {
        match self {
            Self::Sqlite(db) => db.devices().await,
            Self::Postgres(db) => db.devices().await,
        }
    }

    /// Revokes device `id` on behalf of device `by`; false if there is no such device.
    pub async fn revoke(&self, id: i64, by: i64, now: i64) -> Result<bool, DbError> {
        match self {
            Self::Sqlite(db) => db.revoke(id, by, now).await,
            Self::Postgres(db) => db.revoke(id, by, now).await,
        }
    }

    /// The newest `limit` audit rows, newest first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
        match self {
            Self::Sqlite(db) => db.audit_log(limit).await,
            Self::Postgres(db) => db.audit_log(limit).await,
        }
    }
}

/// Reads a role as stored (the tables' CHECK constraints allow only these).
fn parse_role(value: String) -> Result<Role, DbError> {
    Role::from_name(&value).ok_or(DbError::Unknown {
        what: "a device role",
        value,
    })
}

/// Reads a stored event's value; text that is not JSON (it always is) is kept as a string.
fn parse_value(text: String) -> serde_json::Value {
    serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
}
