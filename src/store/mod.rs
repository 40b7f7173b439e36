//! The local store: what socialdesk remembers between runs, in one SQLite file.
//!
//! It owns the connected accounts, app settings and the cached media feed (so the grid
//! shows instantly and works offline). It never holds tokens or app secrets: there is no
//! column for them; those live in [`secrets`]. Thumbnail bytes live on disk in [`thumbs`].
//!
//! The API is synchronous (the engine calls it from `spawn_blocking`); a [`Store`] is
//! `Send + Sync` and can be shared in an `Arc`. Every write runs in one transaction, and
//! every public method is traced by name only, never with its values.

mod accounts;
mod calendar;
mod claims;
mod comments;
mod competitors;
mod dms;
mod draft_place;
mod drafts;
mod error;
mod feed;
mod hashtags;
mod insights;
mod migrations;
pub(crate) mod private_files;
pub mod secrets;
mod settings;
pub mod thumbs;

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction, TransactionBehavior};

pub use calendar::RescheduleError;
pub use claims::{ClaimOutcome, ClaimScope};
pub use comments::{
    CommentRule, InboxComment, Mention, MentionKind, MentionReply, RuleAction, RuleKind,
    RuleLogEntry, SavedReply, SyncedThread,
};
pub use competitors::{CompetitorSnapshot, TrackedCompetitor};
pub use dms::{CachedConversation, PrivateReplyRecord};
pub use draft_place::{DraftLocation, DraftPlace, MAX_COLLABORATORS, RuploadJournal};
pub use drafts::{
    Draft, DraftCover, DraftItem, DraftState, DraftSummary, ItemExtras, NewDraft, NewDraftItem,
    PostKind, ProductTag, SourceRef, StoredCover, UserTag,
};
pub use error::StoreError;
pub use hashtags::{HashtagSet, SearchedHashtag};
pub use secrets::{
    FileSecrets, KeyringSecrets, MemorySecrets, SecretError, SecretStore, app_secret_key,
    open_secret_store, token_key,
};
pub use settings::{ACTIVE_ACCOUNT_KEY, app_id_key};
pub use thumbs::{DEFAULT_BUDGET_BYTES, PruneReport, ThumbError, ThumbnailCache};

/// How long a statement waits for another connection's lock before reporting
/// [`StoreError::Locked`]. Long enough to ride out a checkpoint, short enough that a second
/// running socialdesk is reported rather than hanging the UI.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite store. Cheap to share: wrap it in an `Arc`.
pub struct Store {
    conn: Mutex<Connection>,
    /// Shown in error messages so the user knows which file is meant.
    path: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Creates the database file 0600 before SQLite opens it (SQLite would create it with the
/// umask's mode, usually 0644), or sets an existing one to 0600.
fn make_private(path: &Path, shown: &str) -> Result<(), StoreError> {
    let created = private_options_create_new().open(path);
    match created {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            restrict_or_warn(path);
            Ok(())
        }
        Err(source) => Err(StoreError::Permissions {
            path: shown.to_owned(),
            source,
        }),
    }
}

/// Options that create a new, empty 0600 file (an empty file is an empty SQLite database).
fn private_options_create_new() -> std::fs::OpenOptions {
    let mut options = private_files::private_options();
    options.write(true).create_new(true);
    options
}

/// [`private_files::restrict`], warning instead of failing: on a file system without unix
/// permissions (a FAT drive, some network shares) the database must still open.
fn restrict_or_warn(path: &Path) {
    if let Err(e) = private_files::restrict(path) {
        tracing::warn!(
            path = %path.display(),
            error = %e,
            "could not make this file private (mode 0600); check who can read it"
        );
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    #[tracing::instrument(skip_all)]
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with_timeout(path, BUSY_TIMEOUT)
    }

    /// [`Self::open`] with a chosen lock wait, so tests of a locked file finish quickly.
    pub(crate) fn open_with_timeout(
        path: &Path,
        busy_timeout: Duration,
    ) -> Result<Self, StoreError> {
        let shown = path.display().to_string();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
                path: shown.clone(),
                source,
            })?;
        }
        make_private(path, &shown)?;
        let conn = Connection::open(path).map_err(|e| StoreError::from_sqlite(&shown, e))?;
        let store = Self::init(conn, shown, busy_timeout, true)?;
        // SQLite gives its -wal and -shm files the database's mode; set them anyway, in case
        // an older build left them readable.
        for suffix in ["-wal", "-shm"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            restrict_or_warn(Path::new(&side));
        }
        Ok(store)
    }

    /// A private, empty store that lives only as long as this value (tests, `--ephemeral`).
    #[tracing::instrument(skip_all)]
    pub fn in_memory() -> Result<Self, StoreError> {
        let shown = ":memory:".to_owned();
        let conn = Connection::open_in_memory().map_err(|e| StoreError::from_sqlite(&shown, e))?;
        Self::init(conn, shown, BUSY_TIMEOUT, false)
    }

    fn init(
        mut conn: Connection,
        path: String,
        busy_timeout: Duration,
        wal: bool,
    ) -> Result<Self, StoreError> {
        let setup = |conn: &mut Connection| -> rusqlite::Result<()> {
            conn.busy_timeout(busy_timeout)?;
            conn.pragma_update(None, "foreign_keys", true)?;
            if wal {
                // WAL lets the UI's reads proceed while the engine writes a sync page.
                let _mode: String =
                    conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
                conn.pragma_update(None, "synchronous", "NORMAL")?;
            }
            Ok(())
        };
        setup(&mut conn).map_err(|e| StoreError::from_sqlite(&path, e))?;
        migrations::run(&mut conn, &path)?;
        Ok(Self {
            conn: Mutex::new(conn),
            path,
        })
    }

    /// The database file as shown in messages (`:memory:` for an in-memory store).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The schema version the file is at (the number of migrations applied).
    #[tracing::instrument(skip_all)]
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.read(|conn| Ok(migrations::current_version(conn)?))
    }

    /// Runs `f` inside an immediate transaction and commits it; any error rolls it back.
    fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, Failure>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let run = |conn: &mut Connection| -> Result<T, Failure> {
            // Immediate: take the write lock up front, so a busy database fails here
            // instead of deadlocking on a read-to-write upgrade.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        };
        run(&mut conn).map_err(|failure| failure.into_store_error(&self.path))
    }

    /// Runs a read-only `f` on the connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Failure>) -> Result<T, StoreError> {
        let conn = self.lock();
        f(&conn).map_err(|failure| failure.into_store_error(&self.path))
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic mid-transaction rolled that transaction back when it unwound, so the
        // connection itself is still sound.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An error inside a store operation, before it knows the file path to name.
#[derive(Debug)]
enum Failure {
    Sql(rusqlite::Error),
    Store(StoreError),
}

impl Failure {
    fn into_store_error(self, path: &str) -> StoreError {
        match self {
            Self::Sql(e) => StoreError::from_sqlite(path, e),
            Self::Store(e) => e,
        }
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sql(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// Times are stored as Unix milliseconds (UTC), which sort correctly as integers.
fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_millis(ms: i64, what: &'static str) -> Result<DateTime<Utc>, Failure> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| {
        Failure::Store(StoreError::BadRow {
            what,
            reason: format!("time {ms} ms is out of range"),
        })
    })
}

fn opt_from_millis(ms: Option<i64>, what: &'static str) -> Result<Option<DateTime<Utc>>, Failure> {
    ms.map(|ms| from_millis(ms, what)).transpose()
}

/// Counts are `u64` in the model and `INTEGER` (i64) in SQLite; Graph counts fit easily.
fn count_to_sql(n: Option<u64>) -> Option<i64> {
    n.map(|n| i64::try_from(n).unwrap_or(i64::MAX))
}

fn count_from_sql(n: Option<i64>) -> Option<u64> {
    n.map(|n| u64::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests;
