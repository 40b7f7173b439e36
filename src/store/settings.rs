//! App settings: small key/value pairs such as the active account and the app id per login.
//!
//! App secrets are never settings; they go to the secret store.

use rusqlite::OptionalExtension;

use super::{Store, StoreError};
use crate::model::LoginKind;

/// The setting holding the id of the account the UI shows; cleared when that account is removed.
pub const ACTIVE_ACCOUNT_KEY: &str = "active_account";

/// The setting holding the user's Meta app id for one login kind (the secret is in the keyring).
pub fn app_id_key(login: LoginKind) -> String {
    format!("app_id.{}", login.as_str())
}

impl Store {
    /// The value of setting `key`, if set.
    #[tracing::instrument(skip_all)]
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read(|conn| {
            Ok(conn
                .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                    row.get(0)
                })
                .optional()?)
        })
    }

    /// Sets setting `key` to `value`, replacing any previous value.
    #[tracing::instrument(skip_all)]
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )?;
            Ok(())
        })
    }

    /// Removes setting `key`; removing an unset key is not an error.
    #[tracing::instrument(skip_all)]
    pub fn remove_setting(&self, key: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM settings WHERE key = ?1", [key])?;
            Ok(())
        })
    }
}
