//! Who a Graph call is made as: the login kind (which host), the token, and the app secret
//! when the user's own app is known (for `appsecret_proof`).

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::model::LoginKind;

/// The credentials of one account for Graph calls.
///
/// The token and the secret are [`SecretString`]s: `Debug` never prints them, and their
/// memory is wiped when the session is dropped.
#[derive(Clone, Debug)]
pub struct Session {
    pub login: LoginKind,
    pub access_token: SecretString,
    /// The app secret, when the account was connected through the user's own app. A token
    /// pasted from the App Dashboard works without one.
    pub app_secret: Option<SecretString>,
}

impl Session {
    /// A session without an app secret (no `appsecret_proof` is sent).
    pub fn new(login: LoginKind, access_token: impl Into<String>) -> Self {
        Self {
            login,
            access_token: SecretString::from(access_token.into()),
            app_secret: None,
        }
    }

    /// Adds the app secret so every call carries `appsecret_proof`.
    pub fn with_app_secret(mut self, secret: impl Into<String>) -> Self {
        self.app_secret = Some(SecretString::from(secret.into()));
        self
    }

    /// The token, for the `Authorization` header only.
    pub fn token(&self) -> &str {
        self.access_token.expose_secret()
    }

    /// `appsecret_proof`: HMAC-SHA256 of the token keyed by the app secret, lowercase hex.
    /// Proves to Meta that the caller knows the secret without sending it.
    pub fn appsecret_proof(&self) -> Option<String> {
        let secret = self.app_secret.as_ref()?;
        appsecret_proof(secret.expose_secret(), self.token())
    }
}

/// HMAC-SHA256 of `token` keyed by `secret`, as lowercase hex.
pub fn appsecret_proof(secret: &str, token: &str) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(token.as_bytes());
    Some(hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_is_hmac_sha256_hex() {
        // RFC 4231-style check computed independently: HMAC-SHA256(key="key", msg="The quick brown fox jumps over the lazy dog").
        let proof =
            appsecret_proof("key", "The quick brown fox jumps over the lazy dog").expect("proof");
        assert_eq!(
            proof,
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
        let s = Session::new(LoginKind::Instagram, "tok");
        assert_eq!(s.appsecret_proof(), None);
        assert!(s.with_app_secret("sec").appsecret_proof().is_some());
    }

    #[test]
    fn debug_hides_token_and_secret() {
        let s =
            Session::new(LoginKind::Facebook, "EAAsecret-token").with_app_secret("app-secret-xyz");
        let dbg = format!("{s:?}");
        assert!(
            !dbg.contains("EAAsecret-token") && !dbg.contains("app-secret-xyz"),
            "{dbg}"
        );
    }
}
