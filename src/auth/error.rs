//! Why a login or a token operation failed, worded for the person at the keyboard.

use std::time::Duration;

use thiserror::Error;

use crate::graph::GraphError;

/// A failed login, token exchange or refresh. Messages name the cause and the fix and never
/// contain a token, a code or an app secret.
#[derive(Debug, Error)]
pub enum AuthError {
    #[error(
        "You chose Deny in the {window} window, nothing was connected; try again and choose Allow"
    )]
    Denied { window: &'static str },
    #[error(
        "this response was not for this login (its state does not match): start the login again from Accounts"
    )]
    StateMismatch,
    #[error(
        "the redirect has no authorization code: copy the full address the browser shows after choosing Allow"
    )]
    MissingCode,
    #[error(
        "{provider} refused the login ({error}: {description}); check the app settings in the Meta App Dashboard and try again"
    )]
    Provider {
        provider: &'static str,
        error: String,
        description: String,
    },
    #[error(
        "that is not a redirect URL ({reason}): paste the complete address from the browser's address bar"
    )]
    InvalidRedirect { reason: String },
    #[error("no answer from the browser within {} minutes: start the login again", .0.as_secs().div_ceil(60))]
    TimedOut(Duration),
    #[error(
        "could not listen on 127.0.0.1:{port} for the login redirect ({source}): choose another port, or 0 for any free port"
    )]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("could not set up https for the login redirect ({0}): use http instead")]
    Tls(String),
    #[error("the login listener stopped unexpectedly: start the login again")]
    ListenerClosed,
    #[error(
        "the app secret is empty: enter the app secret from the Meta App Dashboard in Accounts"
    )]
    MissingAppSecret,
    #[error("the login link could not be built ({0}): check the app id and the endpoints")]
    AuthorizeUrl(String),
    #[error(
        "none of your Facebook Pages has a linked Instagram professional account: link one in the Page's settings (Linked accounts), then connect again"
    )]
    NoLinkedInstagram,
    #[error(
        "Facebook Login tokens are renewed with the app secret (enter it in Accounts) or by logging in again: reconnect the account before its token expires"
    )]
    RefreshUnsupported,
    #[error("could not open the browser ({0}): copy the login link and open it yourself")]
    Browser(String),
    #[error(transparent)]
    Graph(#[from] GraphError),
}

impl AuthError {
    /// True when the account must be connected again (Meta answered 190 or the token expired).
    pub fn is_reconnect_needed(&self) -> bool {
        matches!(self, Self::Graph(e) if e.is_reconnect_needed())
    }
}
