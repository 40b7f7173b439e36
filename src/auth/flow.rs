//! A login from start to connected accounts.
//!
//! [`PendingLogin::start`] binds the loopback listener and builds the authorize URL (oauth2
//! crate: client id, redirect URI, scopes, random `state`). The caller opens that URL with a
//! [`super::Browser`], then awaits [`PendingLogin::complete`], which takes the first redirect
//! from the listener or from a pasted URL and exchanges the code:
//! - Instagram: code → short-lived token → long-lived (`ig_exchange_token`) → `/me`;
//! - Facebook: code → user token → long-lived (`fb_exchange_token`) → `/me/accounts` → the
//!   Pages' linked Instagram accounts.
//!
//! Dropping the future or the `PendingLogin` cancels the login and closes the listener.

use std::time::Duration;

use chrono::Utc;
use oauth2::basic::BasicClient;
use oauth2::{AuthUrl, ClientId, CsrfToken, RedirectUrl, Scope};
use secrecy::ExposeSecret;
use tokio::sync::mpsc;
use url::Url;

use super::AppCredentials;
use super::AuthError;
use super::loopback::{LoopbackListener, LoopbackOptions};
use super::redirect::code_from_redirect;
use super::token::{AccessToken, ConnectedAccount};
use crate::graph::{GraphClient, Session, TokenGrant};
use crate::ids::IgUserId;
use crate::model::LoginKind;

/// How long a login waits for the browser.
pub const LOGIN_TIMEOUT: Duration = Duration::from_mins(5);

/// Scopes for Business Login for Instagram.
pub const INSTAGRAM_SCOPES: &[&str] = &[
    "instagram_business_basic",
    "instagram_business_manage_messages",
    "instagram_business_manage_comments",
    "instagram_business_content_publish",
    "instagram_business_manage_insights",
];

/// Scopes for Facebook Login for Business.
pub const FACEBOOK_SCOPES: &[&str] = &[
    "instagram_basic",
    "pages_show_list",
    "pages_read_engagement",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_insights",
    "instagram_manage_messages",
    "business_management",
    // Product tags on posts (Instagram Shopping, facebook-login.md §8).
    "instagram_shopping_tag_products",
    "catalog_management",
];

/// The scopes socialdesk asks for with a login kind.
pub fn default_scopes(kind: LoginKind) -> &'static [&'static str] {
    match kind {
        LoginKind::Instagram => INSTAGRAM_SCOPES,
        LoginKind::Facebook => FACEBOOK_SCOPES,
    }
}

/// A login waiting for the browser's redirect.
pub struct PendingLogin {
    /// Open this in the browser.
    pub authorize_url: Url,
    /// Where the login window redirects to; must be registered in the Meta app.
    pub redirect_uri: Url,
    client: GraphClient,
    app: AppCredentials,
    state: CsrfToken,
    listener: LoopbackListener,
    timeout: Duration,
}

impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingLogin")
            .field("kind", &self.app.kind)
            .field("redirect_uri", &self.redirect_uri.as_str())
            .finish_non_exhaustive()
    }
}

impl PendingLogin {
    /// Starts the loopback listener and builds the authorize URL for `app.kind`.
    pub async fn start(
        client: &GraphClient,
        kind: LoginKind,
        app: &AppCredentials,
        options: LoopbackOptions,
        scopes: &[&str],
    ) -> Result<Self, AuthError> {
        if app.app_secret.expose_secret().trim().is_empty() {
            return Err(AuthError::MissingAppSecret);
        }
        let mut app = app.clone();
        app.kind = kind;
        let state = CsrfToken::new_random();
        let listener = LoopbackListener::start(options, state.secret().clone(), kind).await?;
        let authorize_base = match kind {
            LoginKind::Instagram => client.endpoints().instagram_authorize.clone(),
            LoginKind::Facebook => client.endpoints().facebook_dialog.clone(),
        };
        let oauth = BasicClient::new(ClientId::new(app.app_id.clone()))
            .set_auth_uri(AuthUrl::from_url(authorize_base))
            .set_redirect_uri(RedirectUrl::from_url(listener.redirect_uri.clone()));
        let expected = state.clone();
        // Meta documents scopes comma-separated.
        let (authorize_url, _) = oauth
            .authorize_url(move || expected)
            .add_scope(Scope::new(scopes.join(",")))
            .url();
        Ok(Self {
            authorize_url,
            redirect_uri: listener.redirect_uri.clone(),
            client: client.clone(),
            app,
            state,
            listener,
            timeout: LOGIN_TIMEOUT,
        })
    }

    /// Waits this long for the browser instead of 5 minutes.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn kind(&self) -> LoginKind {
        self.app.kind
    }

    /// The loopback's self-signed certificate (DER) when it serves https.
    pub fn certificate_der(&self) -> Option<&[u8]> {
        self.listener.cert.as_ref().map(|c| c.cert_der.as_slice())
    }

    /// Waits for the redirect (loopback or a URL pasted into `pasted`), then exchanges the
    /// code and returns every account the login gives access to.
    ///
    /// The first redirect for this login decides: a denial or a missing code ends it. The
    /// loopback listener answers and ignores a wrong state (anyone on the machine can reach
    /// it); a pasted URL with a wrong state ends the login, since the user chose to paste it.
    /// A closed `pasted` channel just means nobody will paste.
    pub async fn complete(
        mut self,
        mut pasted: mpsc::Receiver<String>,
    ) -> Result<Vec<ConnectedAccount>, AuthError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let state = self.state.secret().clone();
        let kind = self.app.kind;
        let mut paste_open = true;
        let code = loop {
            tokio::select! {
                outcome = self.listener.outcomes.recv() => {
                    break outcome.ok_or(AuthError::ListenerClosed)?;
                }
                raw = pasted.recv(), if paste_open => match raw {
                    Some(raw) => break code_from_redirect(&raw, &state, kind),
                    None => paste_open = false,
                },
                () = tokio::time::sleep_until(deadline) => return Err(AuthError::TimedOut(self.timeout)),
            }
        };
        let Self {
            client,
            app,
            listener,
            redirect_uri,
            ..
        } = self;
        listener.finish();
        let code = code?;
        tracing::info!(
            login = kind.as_str(),
            "login redirect received; exchanging the code"
        );
        match kind {
            LoginKind::Instagram => {
                finish_instagram(&client, &app, redirect_uri.as_str(), &code).await
            }
            LoginKind::Facebook => {
                finish_facebook(&client, &app, redirect_uri.as_str(), &code).await
            }
        }
    }
}

async fn finish_instagram(
    client: &GraphClient,
    app: &AppCredentials,
    redirect_uri: &str,
    code: &str,
) -> Result<Vec<ConnectedAccount>, AuthError> {
    let tokens = client.tokens();
    let short = tokens
        .instagram_code_exchange(
            &app.app_id,
            app.app_secret.expose_secret(),
            redirect_uri,
            code,
        )
        .await?;
    let long = tokens
        .instagram_long_lived(
            app.app_secret.expose_secret(),
            short.access_token.expose_secret(),
        )
        .await?;
    instagram_account(client, &long, Some(app.app_secret.expose_secret()))
        .await
        .map(|a| vec![a])
}

async fn finish_facebook(
    client: &GraphClient,
    app: &AppCredentials,
    redirect_uri: &str,
    code: &str,
) -> Result<Vec<ConnectedAccount>, AuthError> {
    let tokens = client.tokens();
    let user = tokens
        .facebook_code_exchange(
            &app.app_id,
            app.app_secret.expose_secret(),
            redirect_uri,
            code,
        )
        .await?;
    let long = tokens
        .facebook_long_lived(
            &app.app_id,
            app.app_secret.expose_secret(),
            user.access_token.expose_secret(),
        )
        .await?;
    facebook_accounts(client, &long, Some(app.app_secret.expose_secret())).await
}

/// The Instagram account a token belongs to (`/me`).
async fn instagram_account(
    client: &GraphClient,
    grant: &TokenGrant,
    app_secret: Option<&str>,
) -> Result<ConnectedAccount, AuthError> {
    let token = AccessToken::from_grant(grant, LoginKind::Instagram, None, Utc::now());
    let session = token.session(app_secret);
    let profile = client.users(&session).me().await?;
    let mut account = profile.into_account(LoginKind::Instagram, None, false);
    account.token_issued_at = Some(token.issued_at);
    account.token_expires_at = token.expires_at;
    Ok(ConnectedAccount { account, token })
}

/// Every Instagram account linked to the user's Pages.
async fn facebook_accounts(
    client: &GraphClient,
    grant: &TokenGrant,
    app_secret: Option<&str>,
) -> Result<Vec<ConnectedAccount>, AuthError> {
    let user_token = AccessToken::from_grant(grant, LoginKind::Facebook, None, Utc::now());
    let session: Session = user_token.session(app_secret);
    let pages = client.pages(&session).accounts().await?;
    let mut seen: Vec<IgUserId> = Vec::new();
    let mut out = Vec::new();
    for page in pages {
        let Some(ig_id) = page.instagram_business_account else {
            continue;
        };
        if seen.contains(&ig_id) {
            continue;
        }
        seen.push(ig_id.clone());
        let profile = client.users(&session).user(&ig_id).await?;
        let token = AccessToken {
            page_id: Some(page.id.clone()),
            ..user_token.clone()
        };
        let mut account = profile.into_account(LoginKind::Facebook, Some(page.id), false);
        account.token_issued_at = Some(token.issued_at);
        account.token_expires_at = token.expires_at;
        out.push(ConnectedAccount { account, token });
    }
    if out.is_empty() {
        return Err(AuthError::NoLinkedInstagram);
    }
    Ok(out)
}

/// Connects with a long-lived token pasted from the App Dashboard (no app secret needed).
/// Its expiry is unknown until the first refresh.
pub async fn connect_with_token(
    client: &GraphClient,
    kind: LoginKind,
    token: &str,
) -> Result<Vec<ConnectedAccount>, AuthError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthError::Graph(crate::graph::GraphError::new(
            crate::graph::ErrorKind::InvalidParameter,
            "the token is empty: paste the long-lived token from the App Dashboard",
        )));
    }
    let grant = TokenGrant {
        access_token: token.into(),
        token_type: None,
        expires_in: None,
        user_id: None,
        permissions: Vec::new(),
    };
    match kind {
        LoginKind::Instagram => instagram_account(client, &grant, None)
            .await
            .map(|a| vec![a]),
        LoginKind::Facebook => facebook_accounts(client, &grant, None).await,
    }
}
