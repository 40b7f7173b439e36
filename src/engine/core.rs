//! The engine's working parts, shared by the UI's command loop and the CLI.
//!
//! `Core` owns the HTTP clients (one set, built once), the Graph client, the store, the
//! secrets and the image cache. Its methods
//! are async and do all IO off the caller's thread; SQLite calls run in `spawn_blocking`.

use std::sync::Arc;

use chrono::Utc;
use thiserror::Error;
use tracing::{info, warn};

use crate::auth::{self, AccessToken, Browser, ConnectedAccount};
use crate::config::{DataDirs, Endpoints};
use crate::graph::{ErrorKind, GraphClient, GraphError, HttpClients, Session};
use crate::ids::IgUserId;
use crate::model::{Account, AccountStatus, LoginKind, Media};
use crate::sandbox::Sandbox;
use crate::store::secrets::{self, SecretStore};
use crate::store::thumbs::ThumbnailCache;
use crate::store::{ACTIVE_ACCOUNT_KEY, Store, StoreError};

use super::config::{Clock, EngineConfig, Mode};
use super::protocol::{AppCredentials, LoginRequest, LoginState};

/// What can go wrong in an engine job, worded for the user.
#[derive(Debug, Error)]
pub enum EngineError {
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Auth(#[from] auth::AuthError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not read the saved login: {0}")]
    Secrets(#[from] secrets::SecretError),
    #[error("no account @{0} or with that id is connected: run `socialdesk accounts list`")]
    UnknownAccount(String),
    #[error("@{username} needs to be reconnected ({reason}): open Accounts and log in again")]
    ReconnectNeeded { username: String, reason: String },
    #[error("the saved login for @{0} is missing from the keyring: log in again in Accounts")]
    MissingToken(String),
    #[error("could not start the sandbox: {0}")]
    Sandbox(std::io::Error),
    #[error("could not create the data folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("could not download the image: {0}")]
    Download(String),
    #[error(transparent)]
    Decode(#[from] crate::media::MediaError),
    #[error("an engine task stopped unexpectedly: {0}")]
    Task(String),
}

/// One page of an account's feed.
#[derive(Debug, Clone)]
pub struct FeedPage {
    pub media: Vec<Media>,
    pub after: Option<String>,
}

/// The engine's shared state.
pub struct Core {
    client: GraphClient,
    store: Arc<Store>,
    secrets: Arc<dyn SecretStore>,
    thumbs: ThumbnailCache,
    http: HttpClients,
    browser: Arc<dyn Browser>,
    sandbox: Option<Sandbox>,
    /// A warning about where secrets are kept, shown once to the user.
    pub secrets_warning: Option<String>,
    pub feed_page_size: u32,
    clock: Clock,
    /// Set when the engine switched to another core; background loops then stop.
    retired: std::sync::atomic::AtomicBool,
    notifications: Arc<super::notify::Notifications>,
}

impl Core {
    /// Opens the store and secrets, and starts the sandbox in sandbox mode. Must run inside
    /// the engine's tokio runtime.
    pub async fn start(config: EngineConfig) -> Result<Self, EngineError> {
        let dirs = match &config.mode {
            Mode::Live(_) => config.dirs.clone(),
            // Sandbox data never mixes with real accounts.
            Mode::EmbeddedSandbox(_) => DataDirs::under(&config.dirs.data.join("sandbox")),
        };
        dirs.create().map_err(|source| EngineError::DataDir {
            path: dirs.data.display().to_string(),
            source,
        })?;
        let (endpoints, sandbox) = match &config.mode {
            Mode::Live(endpoints) => (endpoints.as_ref().clone(), None),
            Mode::EmbeddedSandbox(options) => {
                let sandbox = match Sandbox::start(options.clone()).await {
                    Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && options.port != 0 => {
                        warn!(port = options.port, "sandbox port taken; using another");
                        let any_port = crate::sandbox::SandboxOptions {
                            port: 0,
                            ..options.clone()
                        };
                        Sandbox::start(any_port).await
                    }
                    other => other,
                }
                .map_err(EngineError::Sandbox)?;
                (Endpoints::sandbox(&sandbox.url()), Some(sandbox))
            }
        };
        // The one set of HTTP clients of this engine (see `graph::http`).
        let http = HttpClients::new()?;
        let client = GraphClient::with_http(endpoints, http.clone());
        let db_path = dirs.database();
        let store = tokio::task::spawn_blocking(move || Store::open(&db_path))
            .await
            .map_err(|e| EngineError::Task(e.to_string()))??;
        let (secrets, secrets_warning) = match (&config.secrets, &sandbox) {
            (Some(secrets), _) => (secrets.clone(), None),
            // Sandbox tokens die with the sandbox: keep them in memory only.
            (None, Some(_)) => (
                Arc::new(secrets::MemorySecrets::default()) as Arc<dyn SecretStore>,
                None,
            ),
            (None, None) => {
                // Probing the keyring goes over D-Bus and blocks.
                let data = dirs.data.clone();
                tokio::task::spawn_blocking(move || secrets::open_secret_store(&data, true))
                    .await
                    .map_err(|e| EngineError::Task(e.to_string()))?
            }
        };
        let browser: Arc<dyn Browser> = match (&config.browser, &sandbox) {
            (Some(browser), _) => browser.clone(),
            (None, Some(_)) => Arc::new(auth::SandboxBrowser::new(&http)?),
            (None, None) => Arc::new(auth::SystemBrowser),
        };
        let clock: Clock = match (&config.clock, &sandbox) {
            (Some(clock), _) => clock.clone(),
            (None, Some(sandbox)) => {
                let control = sandbox.control();
                Arc::new(move || control.now())
            }
            (None, None) => Arc::new(Utc::now),
        };
        Ok(Self {
            retired: std::sync::atomic::AtomicBool::new(false),
            clock,
            client,
            store: Arc::new(store),
            secrets,
            thumbs: ThumbnailCache::new(dirs.cache.join("thumbnails")),
            http,
            browser,
            sandbox,
            secrets_warning,
            feed_page_size: config.feed_page_size,
            notifications: config.notifications.clone(),
        })
    }

    /// Desktop notifications (the engine's pollers and scheduler report to them).
    pub fn notifications(&self) -> &super::notify::Notifications {
        &self.notifications
    }

    /// Tells background loops (pollers, the scheduler) of this core to stop: the engine
    /// switched to another core (left the sandbox).
    pub fn retire(&self) {
        self.retired
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// True once [`Self::retire`] was called.
    pub fn is_retired(&self) -> bool {
        self.retired.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The engine's current time (see [`Clock`]).
    pub fn now(&self) -> chrono::DateTime<Utc> {
        (self.clock)()
    }

    /// The Graph client (for its usage figures and endpoints).
    pub fn client(&self) -> &GraphClient {
        &self.client
    }

    /// The engine's HTTP clients (uploads to file hosting go through their `uploads`).
    pub fn http(&self) -> &HttpClients {
        &self.http
    }

    /// The embedded sandbox, in sandbox mode.
    pub fn sandbox(&self) -> Option<&Sandbox> {
        self.sandbox.as_ref()
    }

    /// Where tokens and app secrets are kept.
    pub fn secrets(&self) -> &dyn SecretStore {
        self.secrets.as_ref()
    }

    /// The browser that opens login pages.
    pub fn browser(&self) -> Arc<dyn Browser> {
        self.browser.clone()
    }

    /// The store itself, for background work that outlives one call (the publish claim's
    /// renewals).
    pub(crate) fn store_handle(&self) -> Arc<Store> {
        self.store.clone()
    }

    /// Runs a store call on the blocking pool.
    pub async fn with_store<T, F>(&self, f: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store).map_err(EngineError::from))
            .await
            .map_err(|e| EngineError::Task(e.to_string()))?
    }

    /// The connected accounts, from the store.
    pub async fn accounts(&self) -> Result<Vec<Account>, EngineError> {
        self.with_store(super::super::store::Store::accounts).await
    }

    /// The account the user last selected, else the first one.
    pub async fn active_account(&self) -> Result<Option<IgUserId>, EngineError> {
        let accounts = self.accounts().await?;
        let saved = self.with_store(|s| s.setting(ACTIVE_ACCOUNT_KEY)).await?;
        Ok(saved
            .map(IgUserId::from)
            .filter(|id| accounts.iter().any(|a| &a.id == id))
            .or_else(|| accounts.first().map(|a| a.id.clone())))
    }

    /// Remembers the selected account.
    pub async fn set_active_account(&self, id: &IgUserId) -> Result<(), EngineError> {
        let id = id.to_string();
        self.with_store(move |s| s.set_setting(ACTIVE_ACCOUNT_KEY, &id))
            .await
    }

    /// Finds an account by id or @username.
    pub async fn find_account(&self, key: &str) -> Result<Account, EngineError> {
        let key = key.trim_start_matches('@');
        self.accounts()
            .await?
            .into_iter()
            .find(|a| a.id.as_str() == key || a.username.eq_ignore_ascii_case(key))
            .ok_or_else(|| EngineError::UnknownAccount(key.to_owned()))
    }

    /// Saves newly connected accounts: tokens to the secret store, the rest to SQLite.
    pub async fn save_connected(
        &self,
        connected: Vec<ConnectedAccount>,
    ) -> Result<Vec<Account>, EngineError> {
        let mut saved = Vec::new();
        for ConnectedAccount { mut account, token } in connected {
            account.sandbox = self.sandbox.is_some();
            account.status = AccountStatus::Connected;
            account.token_issued_at = Some(token.issued_at);
            account.token_expires_at = token.expires_at;
            self.secrets
                .set(&secrets::token_key(&account.id), &token.secret)?;
            let to_store = account.clone();
            self.with_store(move |s| s.upsert_account(&to_store))
                .await?;
            info!(account = %account.id, login = account.login.as_str(), "account connected");
            saved.push(account);
        }
        Ok(saved)
    }

    /// Connects with a long-lived token pasted from the App Dashboard.
    pub async fn add_token(
        &self,
        kind: LoginKind,
        token: &str,
    ) -> Result<Vec<Account>, EngineError> {
        let connected = auth::connect_with_token(&self.client, kind, token.trim()).await?;
        self.save_connected(connected).await
    }

    /// A browser login: loopback listener, browser, code (or a pasted redirect URL), token
    /// exchange. `on_state` hears when the browser is waiting.
    pub async fn browser_login(
        &self,
        request: LoginRequest,
        app: &AppCredentials,
        browser: Arc<dyn Browser>,
        pasted: tokio::sync::mpsc::Receiver<String>,
        on_state: impl FnOnce(LoginState) + Send,
    ) -> Result<Vec<ConnectedAccount>, EngineError> {
        let pending = auth::PendingLogin::start(
            &self.client,
            request.kind,
            app,
            auth::LoopbackOptions {
                port: request.port,
                https: request.https,
            },
            auth::default_scopes(request.kind),
        )
        .await?;
        on_state(LoginState::WaitingForBrowser {
            authorize_url: pending.authorize_url.to_string(),
            redirect_uri: pending.redirect_uri.to_string(),
        });
        let url = pending.authorize_url.clone();
        // Starting the system browser may block briefly (xdg-open).
        tokio::task::spawn_blocking(move || {
            if let Err(e) = browser.open(&url) {
                warn!(error = %e, "could not open the login page");
            }
        });
        Ok(pending.complete(pasted).await?)
    }

    /// Logs in to a sandbox (embedded or standalone, wherever the endpoints point) as one of
    /// its accounts, through the real OAuth code path: authorize page, loopback redirect,
    /// `state` check, code exchange, long-lived token. The sandbox browser clicks Allow.
    pub async fn login_to_sandbox(&self, username: &str) -> Result<Vec<Account>, EngineError> {
        let browser = Arc::new(auth::SandboxBrowser::new(&self.http)?.with_username(username));
        let app = AppCredentials {
            kind: LoginKind::Instagram,
            app_id: "sandbox-app".into(),
            app_secret: "sandbox-secret".into(),
        };
        let request = LoginRequest {
            kind: LoginKind::Instagram,
            port: 0,
            https: false,
        };
        let (_paste_tx, paste_rx) = tokio::sync::mpsc::channel(1);
        let connected = self
            .browser_login(request, &app, browser, paste_rx, |_| {})
            .await?;
        self.save_connected(connected).await
    }

    /// Forgets an account: its token, its cache and its row.
    pub async fn remove_account(&self, id: &IgUserId) -> Result<(), EngineError> {
        self.secrets.delete(&secrets::token_key(id))?;
        let id = id.clone();
        self.with_store(move |s| s.remove_account(&id)).await
    }

    /// A session for calling the API as `account`, refreshing its token first when due.
    pub async fn session(&self, account: &Account) -> Result<Session, EngineError> {
        if let AccountStatus::ReconnectNeeded { reason } = &account.status {
            return Err(EngineError::ReconnectNeeded {
                username: account.username.clone(),
                reason: reason.clone(),
            });
        }
        let secret = self
            .secrets
            .get(&secrets::token_key(&account.id))?
            .ok_or_else(|| EngineError::MissingToken(account.username.clone()))?;
        let mut token = AccessToken {
            secret,
            issued_at: account.token_issued_at.unwrap_or_else(|| self.now()),
            expires_at: account.token_expires_at,
            login: account.login,
            page_id: account.page_id.clone(),
        };
        if account.login == LoginKind::Instagram
            && auth::needs_refresh(token.issued_at, token.expires_at, self.now())
        {
            match auth::refresh(&self.client, &token).await {
                Ok(fresh) => {
                    self.secrets
                        .set(&secrets::token_key(&account.id), &fresh.secret)?;
                    let (id, issued, expires) =
                        (account.id.clone(), fresh.issued_at, fresh.expires_at);
                    self.with_store(move |s| s.set_token_times(&id, Some(issued), expires))
                        .await?;
                    info!(account = %account.id, "token refreshed");
                    token = fresh;
                }
                Err(e) => warn!(account = %account.id, error = %e, "token refresh failed"),
            }
        }
        Ok(Session {
            login: token.login,
            access_token: token.secret,
            app_secret: None,
        })
    }

    /// Marks an account "reconnect needed" when Meta refused its token (code 190).
    pub async fn note_error(&self, account: &Account, error: &EngineError) {
        if let EngineError::Graph(g) = error
            && g.kind == ErrorKind::TokenInvalid
        {
            let status = AccountStatus::ReconnectNeeded {
                reason: g.message.clone(),
            };
            let id = account.id.clone();
            if let Err(e) = self
                .with_store(move |s| s.set_account_status(&id, &status))
                .await
            {
                warn!(error = %e, "could not record reconnect-needed");
            }
        }
    }

    /// The cached feed of an account, newest first.
    pub async fn cached_feed(
        &self,
        id: &IgUserId,
        limit: usize,
    ) -> Result<(Vec<Media>, Option<String>), EngineError> {
        let id = id.clone();
        self.with_store(move |s| Ok((s.cached_media(&id, limit, 0)?, s.feed_cursor(&id)?)))
            .await
    }

    /// Fetches one page of the feed (first page when `after` is None) and caches it.
    pub async fn fetch_feed_page(
        &self,
        account: &Account,
        after: Option<String>,
    ) -> Result<FeedPage, EngineError> {
        let result = self.fetch_feed_page_inner(account, after).await;
        if let Err(e) = &result {
            self.note_error(account, e).await;
        }
        result
    }

    async fn fetch_feed_page_inner(
        &self,
        account: &Account,
        after: Option<String>,
    ) -> Result<FeedPage, EngineError> {
        let session = self.session(account).await?;
        let mut request = self
            .client
            .media(&session)
            .list(&account.id)
            .limit(self.feed_page_size);
        if let Some(cursor) = &after {
            request = request.after(cursor.clone());
        }
        let page = request.send().await?;
        let (id, media, cursor) = (account.id.clone(), page.items.clone(), page.after.clone());
        let first = after.is_none();
        let now = self.now();
        self.with_store(move |s| {
            s.upsert_media(&id, &media)?;
            // The stored cursor marks how far the cache reaches; a refresh of the first page
            // only moves it when nothing older had been fetched yet.
            if !first || s.feed_cursor(&id)?.is_none() {
                s.set_feed_cursor(&id, cursor.as_deref())?;
            }
            s.set_synced_at(&id, now)
        })
        .await?;
        Ok(FeedPage {
            media: page.items,
            after: page.after,
        })
    }

    /// Reads one media again from the network (fresh counts and children).
    pub async fn media_detail(
        &self,
        account: &Account,
        media: &crate::ids::MediaId,
    ) -> Result<Media, EngineError> {
        let session = self.session(account).await?;
        Ok(self.client.media(&session).get(media).await?)
    }

    /// Meta's copyright check of a published video.
    pub async fn media_copyright(
        &self,
        account: &Account,
        media: &crate::ids::MediaId,
    ) -> Result<crate::model::CopyrightCheck, EngineError> {
        let session = self.session(account).await?;
        Ok(self.client.media(&session).copyright(media).await?)
    }

    /// Image bytes for `url`: from the disk cache, else downloaded and cached.
    pub async fn image_bytes(&self, url: &str) -> Result<Vec<u8>, EngineError> {
        let cache = self.thumbs.clone();
        let key = url.to_owned();
        let cached = tokio::task::spawn_blocking(move || cache.get(&key))
            .await
            .map_err(|e| EngineError::Task(e.to_string()))?;
        if let Some(bytes) = cached {
            return Ok(bytes);
        }
        let response = self
            .http
            .downloads
            .get(url)
            .send()
            .await
            .map_err(|e| EngineError::Download(describe_reqwest(&e)))?;
        if !response.status().is_success() {
            return Err(EngineError::Download(format!(
                "the server answered {}",
                response.status()
            )));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| EngineError::Download(describe_reqwest(&e)))?
            .to_vec();
        let cache = self.thumbs.clone();
        let (key, to_cache) = (url.to_owned(), bytes.clone());
        let stored = tokio::task::spawn_blocking(move || cache.put(&key, &to_cache))
            .await
            .map_err(|e| EngineError::Task(e.to_string()))?;
        if let Err(e) = stored {
            // A full disk only costs a re-download next time.
            warn!(error = %e, "could not cache an image");
        }
        Ok(bytes)
    }

    /// Downloads (or reads from cache) and decodes an image to at most `max_side_px`.
    pub async fn decoded_image(
        &self,
        url: &str,
        max_side_px: u32,
    ) -> Result<egui::ColorImage, EngineError> {
        let bytes = self.image_bytes(url).await?;
        tokio::task::spawn_blocking(move || crate::media::decode_for_display(&bytes, max_side_px))
            .await
            .map_err(|e| EngineError::Task(e.to_string()))?
            .map_err(EngineError::from)
    }
}

/// A reqwest error in words, without its URL (which may carry a signature or token).
fn describe_reqwest(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the image server did not answer in time: check your connection".into()
    } else if e.is_connect() {
        "could not reach the image server: check your connection".into()
    } else {
        let text = e.to_string();
        match e.url() {
            Some(url) => text.replace(url.as_str(), "<url>"),
            None => text,
        }
    }
}
