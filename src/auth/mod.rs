//! Connecting Instagram accounts: OAuth login through a loopback listener (RFC 8252), the
//! code and token exchanges for both logins, pasting a redirect URL or a token by hand, and
//! the token refresh policy.
//!
//! The engine calls [`PendingLogin::start`], opens [`PendingLogin::authorize_url`] with a
//! [`Browser`], then awaits [`PendingLogin::complete`] for the [`ConnectedAccount`]s.

mod app;
mod browser;
mod error;
mod flow;
mod loopback;
mod redirect;
mod tls;
mod token;

pub use app::AppCredentials;
pub use browser::{Browser, SandboxBrowser, SandboxDecision, SystemBrowser};
pub use error::AuthError;
pub use flow::{
    FACEBOOK_SCOPES, INSTAGRAM_SCOPES, LOGIN_TIMEOUT, PendingLogin, connect_with_token,
    default_scopes,
};
pub use loopback::{CALLBACK_PATH, LoopbackOptions};
pub use redirect::{code_from_redirect, strip_fragment};
pub use tls::LoopbackCert;
pub use token::{
    AccessToken, ConnectedAccount, MIN_AGE_FOR_REFRESH, REFRESH_BEFORE_EXPIRY, needs_refresh,
    refresh, refresh_at, refresh_facebook,
};
