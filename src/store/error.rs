//! The store's error type, and the mapping from SQLite's codes to messages a user can act on.

use rusqlite::ErrorCode;

use crate::ids::IgUserId;

/// Why a store operation failed. Every message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database at {path} is locked by another socialdesk; close it and try again")]
    Locked { path: String },

    #[error(
        "the database at {path} is corrupt; move it away and restart: your accounts will need reconnecting"
    )]
    Corrupt { path: String },

    #[error(
        "the database at {path} was written by a newer socialdesk (schema {found}, this build knows up to {known}); update socialdesk or move the file away"
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },

    #[error(
        "could not create the folder for the database at {path}: {source}; check it is writable"
    )]
    CreateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "could not create the database file {path} (mode 0600): {source}; check that its folder is writable and the file is yours"
    )]
    Permissions {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("no account {0} in the store; connect it first")]
    UnknownAccount(IgUserId),

    #[error(
        "a stored {what} could not be read ({reason}); remove the account and connect it again"
    )]
    BadRow { what: &'static str, reason: String },

    #[error("database error at {path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
}

impl StoreError {
    /// Turns a SQLite error into the variant that tells the user what to do.
    pub(crate) fn from_sqlite(path: &str, source: rusqlite::Error) -> Self {
        let path = path.to_owned();
        match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Self::Locked { path },
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Self::Corrupt { path },
            _ => Self::Sqlite { path, source },
        }
    }
}
