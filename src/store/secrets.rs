//! Where tokens and app secrets live: the OS keyring, or a file only the user can read.
//!
//! [`open_secret_store`] picks the system keyring (Secret Service, Keychain, Credential
//! Manager) when it works, and otherwise a JSON file created with mode 0600 in the data
//! directory, with a warning for the UI. Secret values never appear in errors, logs or
//! `Debug` output: only key names do.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use secrecy::{ExposeSecret, SecretString};

use crate::ids::IgUserId;
use crate::model::LoginKind;

/// The keyring service name every socialdesk entry is filed under.
const KEYRING_SERVICE: &str = "socialdesk";

/// The entry [`KeyringSecrets::probe`] writes and deletes to prove the keyring works.
const PROBE_KEY: &str = "socialdesk-probe";

/// The fallback file's name inside the data directory.
pub const SECRETS_FILE_NAME: &str = "secrets.json";

/// The key under which an account's access token is kept.
pub fn token_key(id: &IgUserId) -> String {
    format!("token.{id}")
}

/// The key under which the user's Meta app secret for one login kind is kept.
pub fn app_secret_key(login: LoginKind) -> String {
    format!("app_secret.{}", login.as_str())
}

/// Why a secret could not be read, written or deleted. Never contains a secret value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "the system keyring could not {action} {key}: {reason}; unlock your keyring (or restart socialdesk to use the file store)"
    )]
    Keyring {
        action: &'static str,
        key: String,
        /// The keyring error's text only: its `Debug` form can carry secret bytes.
        reason: String,
    },

    #[error("could not {action} the secrets file {path}: {source}; check the folder is writable")]
    FileIo {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "the secrets file {path} can be read by other users (mode {mode:o}); run `chmod 600 {path}` and consider reconnecting your accounts"
    )]
    InsecurePermissions { path: PathBuf, mode: u32 },

    #[error(
        "the secrets file {path} is damaged ({reason}); move it away and restart: your accounts will need reconnecting"
    )]
    FileCorrupt { path: PathBuf, reason: String },
}

/// A place to keep secrets by key. Implementations are shared across engine tasks.
pub trait SecretStore: Send + Sync {
    /// The secret under `key`, or `None` if there is none. A [`SecretString`], so no
    /// `Debug`, log line or error can show it by accident.
    fn get(&self, key: &str) -> Result<Option<SecretString>, SecretError>;
    /// Stores `value` under `key`, replacing any previous one.
    fn set(&self, key: &str, value: &SecretString) -> Result<(), SecretError>;
    /// Removes `key`; removing a missing key is not an error.
    fn delete(&self, key: &str) -> Result<(), SecretError>;
    /// Where secrets are kept, for the settings screen ("system keyring", "file").
    fn describe(&self) -> &'static str;
}

/// Picks where secrets live. With `prefer_keyring`, the system keyring is probed and used
/// when it works; otherwise (or when it fails) the 0600 file in `data_dir` is used and a
/// warning for the user is returned alongside. Blocks on the keyring: call it off the UI thread.
#[tracing::instrument(skip_all)]
pub fn open_secret_store(
    data_dir: &Path,
    prefer_keyring: bool,
) -> (Arc<dyn SecretStore>, Option<String>) {
    let file = FileSecrets::new(data_dir.join(SECRETS_FILE_NAME));
    let permission_problem = file.check_permissions().err().map(|e| e.to_string());
    if !prefer_keyring {
        return (Arc::new(file), permission_problem);
    }
    match KeyringSecrets::probe() {
        Ok(keyring) => {
            // Secrets saved while no keyring was available would otherwise be invisible now.
            let warning = match file.move_into(&keyring) {
                Ok(0) => None,
                Ok(moved) => {
                    tracing::info!(moved, "moved secrets from the file into the system keyring");
                    None
                }
                Err(e) => Some(format!(
                    "Tokens saved earlier in {} could not be moved to the system keyring: {e}",
                    file.path().display()
                )),
            };
            (Arc::new(keyring), warning)
        }
        Err(probe_error) => {
            // The caller shows the returned warning (the app's notice, the CLI's stderr):
            // at warn level here it would reach stderr a second time.
            tracing::info!(error = %probe_error, "system keyring unavailable; using the secrets file");
            let mut warning = format!(
                "No system keyring found (is a Secret Service like gnome-keyring running?): \
                 tokens are kept in {} readable only by you.",
                file.path().display()
            );
            if let Some(problem) = permission_problem {
                warning.push(' ');
                warning.push_str(&problem);
            }
            (Arc::new(file), Some(warning))
        }
    }
}

/// Secrets in the OS keyring, one entry per key under the service `socialdesk`.
#[derive(Debug)]
pub struct KeyringSecrets {
    _private: (),
}

impl KeyringSecrets {
    /// Returns a keyring store only after a test entry was written, read back and deleted,
    /// so a locked or missing Secret Service is found at startup, not at the first login.
    ///
    /// The keyring calls block (D-Bus on Linux): call this from a blocking context such as
    /// `spawn_blocking` or before the UI starts, never on the UI thread.
    #[tracing::instrument(skip_all)]
    pub fn probe() -> Result<Self, SecretError> {
        if let Err(e) = keyring::Entry::store_status() {
            return Err(SecretError::Keyring {
                action: "open",
                key: PROBE_KEY.to_owned(),
                reason: e.to_string(),
            });
        }
        let store = Self { _private: () };
        let probe_value = "probe";
        store.set(PROBE_KEY, &SecretString::from(probe_value))?;
        let read = store.get(PROBE_KEY)?;
        store.delete(PROBE_KEY)?;
        if read.as_ref().map(ExposeSecret::expose_secret) != Some(probe_value) {
            return Err(SecretError::Keyring {
                action: "read back",
                key: PROBE_KEY.to_owned(),
                reason: "the value read differs from the value written".to_owned(),
            });
        }
        Ok(store)
    }

    fn entry(key: &str, action: &'static str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(KEYRING_SERVICE, key).map_err(|e| keyring_error(action, key, &e))
    }
}

fn keyring_error(action: &'static str, key: &str, e: &keyring::Error) -> SecretError {
    SecretError::Keyring {
        action,
        key: key.to_owned(),
        reason: e.to_string(),
    }
}

impl SecretStore for KeyringSecrets {
    #[tracing::instrument(skip_all)]
    fn get(&self, key: &str) -> Result<Option<SecretString>, SecretError> {
        match Self::entry(key, "read")?.get_password() {
            Ok(value) => Ok(Some(SecretString::from(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error("read", key, &e)),
        }
    }

    #[tracing::instrument(skip_all)]
    fn set(&self, key: &str, value: &SecretString) -> Result<(), SecretError> {
        Self::entry(key, "store")?
            .set_password(value.expose_secret())
            .map_err(|e| keyring_error("store", key, &e))
    }

    #[tracing::instrument(skip_all)]
    fn delete(&self, key: &str) -> Result<(), SecretError> {
        match Self::entry(key, "delete")?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error("delete", key, &e)),
        }
    }

    fn describe(&self) -> &'static str {
        "system keyring"
    }
}

/// Secrets in a JSON map on disk, readable only by the user (mode 0600 on unix).
///
/// Every change rewrites the whole file through a temporary file and a rename, so a crash
/// leaves either the old or the new map, never half of one. The file is re-read on each
/// access, so edits by another socialdesk process are seen.
pub struct FileSecrets {
    path: PathBuf,
    /// Serialises read-modify-write cycles within this process.
    lock: Mutex<()>,
}

impl std::fmt::Debug for FileSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSecrets")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl FileSecrets {
    /// A store backed by the file at `path`; the file is created on the first `set`.
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            lock: Mutex::new(()),
        }
    }

    /// The file secrets are kept in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fails if the file exists and other users could read or write it.
    pub fn check_permissions(&self) -> Result<(), SecretError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            match fs::metadata(&self.path) {
                Ok(meta) => {
                    let mode = meta.permissions().mode() & 0o777;
                    if mode & 0o077 != 0 {
                        return Err(SecretError::InsecurePermissions {
                            path: self.path.clone(),
                            mode,
                        });
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(SecretError::FileIo {
                        action: "inspect",
                        path: self.path.clone(),
                        source,
                    });
                }
            }
        }
        Ok(())
    }

    /// Copies every secret in the file into `target`, then deletes the file. Returns how
    /// many were moved; a missing file moves nothing. On error the file is left in place,
    /// so nothing is lost.
    pub fn move_into(&self, target: &dyn SecretStore) -> Result<usize, SecretError> {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        let map = self.load()?;
        if map.is_empty() && !self.path.exists() {
            return Ok(0);
        }
        for (key, value) in &map {
            target.set(key, &SecretString::from(value.as_str()))?;
        }
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(map.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(map.len()),
            Err(source) => Err(SecretError::FileIo {
                action: "delete",
                path: self.path.clone(),
                source,
            }),
        }
    }

    fn load(&self) -> Result<BTreeMap<String, String>, SecretError> {
        self.check_permissions()?;
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(source) => {
                return Err(SecretError::FileIo {
                    action: "read",
                    path: self.path.clone(),
                    source,
                });
            }
        };
        // serde_json's messages give a line and column, never the text around it.
        serde_json::from_str(&text).map_err(|e| SecretError::FileCorrupt {
            path: self.path.clone(),
            reason: e.to_string(),
        })
    }

    fn save(&self, map: &BTreeMap<String, String>) -> Result<(), SecretError> {
        let io_err = |action| {
            move |source| SecretError::FileIo {
                action,
                path: self.path.clone(),
                source,
            }
        };
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(io_err("create the folder of"))?;
        let json = serde_json::to_vec_pretty(map).map_err(|e| SecretError::FileCorrupt {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        let tmp = dir.join(format!(
            ".{SECRETS_FILE_NAME}.{}.{}.tmp",
            std::process::id(),
            rand::random::<u32>()
        ));
        let write = || -> std::io::Result<()> {
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                // Created private: there is no moment at which the file is world-readable.
                options.mode(0o600);
            }
            let mut file = options.open(&tmp)?;
            file.write_all(&json)?;
            file.sync_all()?;
            fs::rename(&tmp, &self.path)
        };
        write().map_err(|source| {
            // Best effort: a leftover temp file holds secrets, so try not to leave it.
            let _ = fs::remove_file(&tmp);
            io_err("write")(source)
        })
    }
}

impl SecretStore for FileSecrets {
    #[tracing::instrument(skip_all)]
    fn get(&self, key: &str) -> Result<Option<SecretString>, SecretError> {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(self.load()?.remove(key).map(SecretString::from))
    }

    #[tracing::instrument(skip_all)]
    fn set(&self, key: &str, value: &SecretString) -> Result<(), SecretError> {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        let mut map = self.load()?;
        map.insert(key.to_owned(), value.expose_secret().to_owned());
        self.save(&map)
    }

    #[tracing::instrument(skip_all)]
    fn delete(&self, key: &str) -> Result<(), SecretError> {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        let mut map = self.load()?;
        if map.remove(key).is_some() {
            self.save(&map)?;
        }
        Ok(())
    }

    fn describe(&self) -> &'static str {
        "file readable only by you"
    }
}

/// Secrets in memory only, for tests and `--ephemeral` runs. Each value is a
/// [`SecretString`]: `Debug` shows the keys only, and values are wiped when dropped.
#[derive(Debug, Default)]
pub struct MemorySecrets {
    map: Mutex<BTreeMap<String, SecretString>>,
}

impl MemorySecrets {
    pub fn new() -> Self {
        Self::default()
    }
}

impl SecretStore for MemorySecrets {
    #[tracing::instrument(skip_all)]
    fn get(&self, key: &str) -> Result<Option<SecretString>, SecretError> {
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(map.get(key).cloned())
    }

    #[tracing::instrument(skip_all)]
    fn set(&self, key: &str, value: &SecretString) -> Result<(), SecretError> {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        map.insert(key.to_owned(), value.clone());
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    fn delete(&self, key: &str) -> Result<(), SecretError> {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        map.remove(key);
        Ok(())
    }

    fn describe(&self) -> &'static str {
        "memory (not saved)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The secret under `key`, exposed for comparing.
    fn read(store: &dyn SecretStore, key: &str) -> Option<String> {
        store
            .get(key)
            .expect("get")
            .map(|s| s.expose_secret().to_owned())
    }

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn file_secrets_round_trip_and_delete() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested").join(SECRETS_FILE_NAME);
        let store = FileSecrets::new(path.clone());
        assert_eq!(read(&store, "token.1"), None);

        store.set("token.1", &"IGAA-first".into()).expect("set");
        store.set("token.2", &"IGAA-second".into()).expect("set");
        store
            .set("token.1", &"IGAA-replaced".into())
            .expect("overwrite");
        assert_eq!(read(&store, "token.1").as_deref(), Some("IGAA-replaced"));

        // A fresh instance reads what the first wrote.
        let again = FileSecrets::new(path.clone());
        assert_eq!(read(&again, "token.2").as_deref(), Some("IGAA-second"));

        again.delete("token.1").expect("delete");
        again.delete("token.1").expect("deleting twice is fine");
        assert_eq!(read(&store, "token.1"), None);
        assert_eq!(read(&store, "token.2").as_deref(), Some("IGAA-second"));

        // No temp files are left behind.
        let names: Vec<_> = fs::read_dir(path.parent().expect("parent"))
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(SECRETS_FILE_NAME)]);
    }

    #[cfg(unix)]
    #[test]
    fn file_secrets_are_created_0600_and_refused_when_wider() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(SECRETS_FILE_NAME);
        let store = FileSecrets::new(path.clone());
        store
            .set(&app_secret_key(LoginKind::Instagram), &"s3cret".into())
            .expect("set");
        assert_eq!(mode_of(&path), 0o600);
        store.set("other", &"x".into()).expect("rewrite");
        assert_eq!(mode_of(&path), 0o600, "replacement keeps 0600");

        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = store
            .get("other")
            .expect_err("world-readable file is refused");
        assert!(matches!(
            err,
            SecretError::InsecurePermissions { mode: 0o644, .. }
        ));
        assert!(err.to_string().contains("chmod 600"), "{err}");

        let (_store, warning) = open_secret_store(dir.path(), false);
        assert!(warning.expect("warning").contains("chmod 600"));
    }

    #[test]
    fn corrupt_file_is_reported_without_its_contents() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(SECRETS_FILE_NAME);
        let store = FileSecrets::new(path.clone());
        store.set("k", &"v".into()).expect("set");
        fs::write(&path, b"{\"k\": \"IGAA-leaky").expect("truncate");
        let err = store.get("k").expect_err("corrupt");
        let text = err.to_string();
        assert!(text.contains("move it away"), "{text}");
        assert!(!text.contains("IGAA-leaky"), "{text}");
    }

    #[test]
    fn memory_secrets_round_trip_and_redacted_debug() {
        let store = MemorySecrets::new();
        store.set("token.9", &"IGAA-hidden".into()).expect("set");
        assert_eq!(read(&store, "token.9").as_deref(), Some("IGAA-hidden"));
        let debug = format!("{store:?}");
        assert!(
            debug.contains("token.9") && !debug.contains("IGAA-hidden"),
            "{debug}"
        );
        store.delete("token.9").expect("delete");
        assert_eq!(read(&store, "token.9"), None);
        assert_eq!(store.describe(), "memory (not saved)");
    }

    #[test]
    fn file_store_is_used_when_keyring_not_preferred() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, warning) = open_secret_store(dir.path(), false);
        assert!(warning.is_none());
        assert_eq!(store.describe(), "file readable only by you");
        store
            .set(&token_key(&IgUserId::from("178")), &"tok".into())
            .expect("set");
        assert!(dir.path().join(SECRETS_FILE_NAME).exists());
    }

    #[test]
    fn file_secrets_move_into_another_store_and_file_is_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = FileSecrets::new(dir.path().join(SECRETS_FILE_NAME));
        let target = MemorySecrets::new();
        assert_eq!(file.move_into(&target).expect("nothing to move"), 0);

        file.set("token.1", &"a".into()).expect("set");
        file.set("app_secret.instagram", &"b".into()).expect("set");
        assert_eq!(file.move_into(&target).expect("move"), 2);
        assert_eq!(read(&target, "token.1").as_deref(), Some("a"));
        assert_eq!(read(&target, "app_secret.instagram").as_deref(), Some("b"));
        assert!(!file.path().exists(), "the plaintext copy is gone");
        assert_eq!(read(&file, "token.1"), None);
    }

    #[test]
    fn keys_are_distinct_per_account_and_login() {
        assert_eq!(token_key(&IgUserId::from("42")), "token.42");
        assert_ne!(
            app_secret_key(LoginKind::Instagram),
            app_secret_key(LoginKind::Facebook)
        );
    }
}
