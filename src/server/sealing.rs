//! Meta tokens at rest: sealed with ChaCha20-Poly1305 (ring's AEAD) under a 256-bit key
//! kept in a file the admin holds (`--key-file`, created 0600 when missing).
//!
//! Why a key file and not the database: a database dump or backup then holds only
//! ciphertext, and the key can be kept on the server's disk, in a secrets mount or an HSM
//! export, apart from the data. Why an authenticated cipher: a tampered or swapped sealed
//! token is refused instead of being sent to Meta; the account id is the associated data, so
//! a token sealed for one account cannot be moved to another row. Replicas share the key
//! file (all of them must be given the same one).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use secrecy::{ExposeSecret, SecretString};

use crate::store::private_files;

/// Bytes in a key (ChaCha20-Poly1305 takes 256 bits).
const KEY_LEN: usize = 32;
/// Prefix of a sealed value, naming the scheme so a later one can be told apart.
const SCHEME: &str = "c20p1305:";

/// Why the key could not be loaded or a token not opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error(
        "could not read or create the key file {path}: {source} (check the folder exists and is writable, or pass another --key-file)"
    )]
    KeyFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the key file {0} does not hold a key (64 hex characters): restore it from your backup, or move it away to start with a new key and hand every account to the server again"
    )]
    BadKey(PathBuf),
    #[error(
        "a stored account token cannot be opened with this key file (another key, or tampered data): an admin must hand the account to the server again (PUT /accounts/{{ig_user_id}})"
    )]
    Open,
    #[error("the system's random generator failed while sealing a token")]
    Random,
}

/// The loaded key. `Debug` shows nothing of it.
pub struct TokenKey {
    key: LessSafeKey,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey([REDACTED])")
    }
}

impl TokenKey {
    /// Reads the key at `path`, or creates the file (0600, a fresh random key) when it is
    /// missing. Two replicas creating it at once both end up with the one that won.
    pub fn load_or_create(path: &Path) -> Result<Self, SealError> {
        let io_error = |source| SealError::KeyFile {
            path: path.to_owned(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                warn_if_shared(path);
                return Self::parse(&text).ok_or_else(|| SealError::BadKey(path.into()));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(e)),
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io_error)?;
        }
        let bytes: [u8; KEY_LEN] = rand::random();
        match private_files::private_options()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(mut file) => {
                writeln!(file, "{}", hex::encode(bytes)).map_err(io_error)?;
                file.sync_all().map_err(io_error)?;
                tracing::info!(path = %path.display(), "created a new key file for account tokens");
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Self::load_or_create(path);
            }
            Err(e) => return Err(io_error(e)),
        }
        Self::from_bytes(&bytes).ok_or_else(|| SealError::BadKey(path.into()))
    }

    fn parse(text: &str) -> Option<Self> {
        let bytes = hex::decode(text.trim()).ok()?;
        (bytes.len() == KEY_LEN)
            .then(|| Self::from_bytes(&bytes))
            .flatten()
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, bytes).ok()?;
        Some(Self {
            key: LessSafeKey::new(unbound),
        })
    }

    /// Seals `token` for the account `ig_user_id`: `c20p1305:` + base64(nonce ‖ ciphertext ‖
    /// tag), with a fresh random nonce.
    pub fn seal(&self, ig_user_id: &str, token: &SecretString) -> Result<String, SealError> {
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let nonce = Nonce::assume_unique_for_key(nonce_bytes);
        let mut buffer = token.expose_secret().as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(nonce, aad(ig_user_id), &mut buffer)
            .map_err(|_| SealError::Random)?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&buffer);
        Ok(format!("{SCHEME}{}", STANDARD.encode(out)))
    }

    /// Opens what [`Self::seal`] made for the same account.
    pub fn open(&self, ig_user_id: &str, sealed: &str) -> Result<SecretString, SealError> {
        let bytes = sealed
            .strip_prefix(SCHEME)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or(SealError::Open)?;
        let (nonce_bytes, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce_bytes).map_err(|_| SealError::Open)?;
        let mut buffer = ciphertext.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, aad(ig_user_id), &mut buffer)
            .map_err(|_| SealError::Open)?;
        let text = String::from_utf8(plain.to_vec()).map_err(|_| SealError::Open)?;
        Ok(SecretString::from(text))
    }
}

/// Warns when others than the owner may read the key file (a copy made without care).
fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                "the key file can be read by other users: run `chmod 600` on it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn aad(ig_user_id: &str) -> Aad<Vec<u8>> {
    Aad::from(format!("socialdesk-account-token:{ig_user_id}").into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_only_for_its_account_and_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("keys/server.key");
        let key = TokenKey::load_or_create(&path).expect("created");
        assert_eq!(private_files::mode_of(&path) & 0o777, 0o600);
        let token = SecretString::from("IGAAT-secret-token".to_owned());
        let sealed = key.seal("1784", &token).expect("sealed");
        assert!(!sealed.contains("IGAAT"), "{sealed}");
        assert_ne!(
            key.seal("1784", &token).expect("sealed"),
            sealed,
            "fresh nonce"
        );
        let again = TokenKey::load_or_create(&path).expect("read back");
        assert_eq!(
            again.open("1784", &sealed).expect("opens").expose_secret(),
            "IGAAT-secret-token"
        );
        assert!(matches!(again.open("1785", &sealed), Err(SealError::Open)));
        let mut tampered = sealed.clone();
        tampered.replace_range(tampered.len() - 3.., "AAA");
        assert!(matches!(
            again.open("1784", &tampered),
            Err(SealError::Open)
        ));
        let other = TokenKey::load_or_create(&dir.path().join("other.key")).expect("created");
        assert!(matches!(other.open("1784", &sealed), Err(SealError::Open)));
        assert!(!format!("{again:?}").contains(&std::fs::read_to_string(&path).expect("key")));
        std::fs::write(&path, "not a key").expect("write");
        assert!(matches!(
            TokenKey::load_or_create(&path),
            Err(SealError::BadKey(_))
        ));
    }
}
