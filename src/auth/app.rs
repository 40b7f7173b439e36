//! The user's own Meta app (id and secret), which both logins are made with.
//!
//! Defined in `auth` rather than the engine's protocol so the login code depends only
//! downwards; `engine::protocol` re-exports it for `Command::SaveApp`.

use secrecy::SecretString;

use crate::model::LoginKind;

/// The user's own Meta app, entered once in Accounts.
#[derive(Clone, Debug)]
pub struct AppCredentials {
    pub kind: LoginKind,
    pub app_id: String,
    /// Never logged: `Debug` prints it redacted.
    pub app_secret: SecretString,
}
