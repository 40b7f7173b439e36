//! The command loop: turns UI commands into concurrent jobs and their results into events.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::ids::{IgUserId, MediaId};
use crate::model::{Account, CopyrightCheck, LoginKind, MediaType};
use crate::sandbox::{DEMO_BUSINESS_USERNAME, DEMO_CREATOR_USERNAME};
use crate::store::{app_id_key, secrets};

use super::config::EngineConfig;
use super::core::{Core, EngineError, FeedPage};
use super::handle::{EngineHandle, EngineSide, EventSender, channel};
use super::protocol::{AppCredentials, Command, Event, LoginRequest, LoginState, SyncStatus};

/// Longest side of a grid thumbnail, in pixels.
pub const THUMBNAIL_SIDE_PX: u32 = crate::media::THUMBNAIL_MAX_SIDE_PX;
/// Longest side of the detail image, in pixels (Instagram's largest width).
pub const DETAIL_SIDE_PX: u32 = crate::media::DETAIL_MAX_SIDE_PX;
/// Cached posts sent at start before the network answers.
const CACHED_FEED_LIMIT: usize = 2000;

/// How long a closing app waits for the engine to finish writing what the user made
/// (the Composer's kept form, a draft being saved) before it exits anyway.
pub const SHUTDOWN_FLUSH: std::time::Duration = std::time::Duration::from_secs(3);

/// Starts the engine on its own background thread with its own tokio runtime.
/// The UI keeps the handle; dropping it stops the engine once the user's writes are done
/// (see [`wait_for_shutdown`]).
pub fn spawn(config: EngineConfig) -> std::io::Result<(EngineHandle, std::thread::JoinHandle<()>)> {
    let (handle, side) = channel();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("engine")
        .enable_all()
        .build()?;
    let thread = std::thread::Builder::new()
        .name("engine".into())
        .spawn(move || runtime.block_on(run(config, side)))?;
    Ok((handle, thread))
}

/// Runs the engine until the UI hangs up.
pub async fn run(config: EngineConfig, side: EngineSide) {
    let EngineSide {
        mut commands,
        events,
    } = side;
    let image_jobs = config.image_jobs.max(1);
    let live = config.live_fallback.clone().map(|endpoints| EngineConfig {
        mode: super::config::Mode::Live(Box::new(endpoints)),
        live_fallback: None,
        browser: None,
        secrets: None,
        clock: None,
        ..config.clone()
    });
    let core = match Core::start(config).await {
        Ok(core) => Arc::new(core),
        Err(e) => {
            events
                .send(Event::Notice {
                    message: e.to_string(),
                    is_error: true,
                })
                .await;
            return;
        }
    };
    let engine = Arc::new(Engine {
        core: std::sync::RwLock::new(core),
        live,
        events,
        images: Arc::new(Semaphore::new(image_jobs)),
        images_in_flight: Mutex::default(),
        cursors: Mutex::default(),
        login: Mutex::default(),
        durable: Arc::default(),
        entered_apps: Mutex::default(),
        live_watch: Default::default(),
    });
    while let Some(command) = commands.recv().await {
        engine.clone().handle(command);
    }
    // The window closed. Writes of what the user made must land before the runtime (and
    // with it every task) is dropped; anything else (a sync, a download) may stop here.
    if tokio::time::timeout(SHUTDOWN_FLUSH, engine.durable.write())
        .await
        .is_ok()
    {
        info!("engine stopped: the UI is gone");
    } else {
        warn!("engine stopped with a write still running: the UI is gone");
    }
}

/// Waits (at most about [`SHUTDOWN_FLUSH`]) for the engine thread to stop after its handle
/// was dropped, so the process does not exit in the middle of saving the user's work.
/// Returns false when it had to give up.
pub fn wait_for_shutdown(thread: std::thread::JoinHandle<()>) -> bool {
    let (done, finished) = std::sync::mpsc::channel();
    let waiter = std::thread::Builder::new()
        .name("engine-shutdown".into())
        .spawn(move || {
            let _ = thread.join();
            let _ = done.send(());
        });
    if waiter.is_err() {
        return false;
    }
    finished
        .recv_timeout(SHUTDOWN_FLUSH + std::time::Duration::from_secs(2))
        .is_ok()
}

/// A login in progress: its task, and where pasted redirect URLs go.
/// The cursor "load more" continues from after reading `page` with `sent`. The grid asks
/// for more as long as its end is visible, so a server that answers the cursor it was given,
/// or an empty page that still points further, would make it load the same nothing
/// forever: both end the feed here (logged) instead.
fn next_feed_cursor(sent: Option<&str>, page: &FeedPage) -> Option<String> {
    let next = page.after.as_deref()?;
    if page.media.is_empty() || sent == Some(next) {
        warn!(
            empty = page.media.is_empty(),
            "the feed's next page repeats or is empty: no more pages are loaded"
        );
        return None;
    }
    Some(next.to_owned())
}

struct LoginJob {
    task: JoinHandle<()>,
    pasted: mpsc::Sender<String>,
}

struct Engine {
    /// The core in use: the sandbox's, or the live one once a real account is connected.
    core: std::sync::RwLock<Arc<Core>>,
    /// How to start a live core from sandbox mode, when the sandbox was only the default.
    live: Option<EngineConfig>,
    events: EventSender,
    images: Arc<Semaphore>,
    images_in_flight: Mutex<HashSet<String>>,
    /// The next-page cursor of each account's feed as far as the UI has loaded it.
    cursors: Mutex<HashMap<IgUserId, Option<String>>>,
    login: Mutex<Option<LoginJob>>,
    /// Held (read) by every job that writes what the user made; taken (write) at shutdown
    /// to wait for them.
    durable: Arc<tokio::sync::RwLock<()>>,
    /// The app last entered with `SaveApp`, per login kind, taken when the command arrives:
    /// a login started right after reads it from here, not from the store the save may not
    /// have reached yet (the first login once opened `client_id=` empty).
    entered_apps: Mutex<HashMap<LoginKind, AppCredentials>>,
    /// The live-broadcast watcher (one account at a time).
    live_watch: super::live::LiveWatch,
}

impl Engine {
    /// The core in use right now.
    fn core(&self) -> Arc<Core> {
        self.core
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The core a login should use: in default sandbox mode a real login needs the live
    /// API, so a live core is started (and only adopted once an account is connected).
    async fn login_core(&self) -> Result<Arc<Core>, EngineError> {
        match &self.live {
            Some(config) if self.core().sandbox().is_some() => {
                Ok(Arc::new(Core::start(config.clone()).await?))
            }
            _ => Ok(self.core()),
        }
    }

    /// Makes `core` the one in use if it is not already (leaving the default sandbox).
    async fn adopt(&self, core: &Arc<Core>) {
        let old = {
            let mut current = self
                .core
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if Arc::ptr_eq(&current, core) {
                None
            } else {
                Some(std::mem::replace(&mut *current, core.clone()))
            }
        };
        if let Some(old) = old {
            info!("left the sandbox: a real account is connected");
            old.retire();
            self.start_background();
            self.events.send(Event::LiveMode).await;
        }
    }

    /// Starts the current core's background loops: the scheduler and the pollers.
    fn start_background(&self) {
        let (core, events) = (self.core(), &self.events);
        super::composer::on_start(core.clone(), events.clone());
        super::comments::on_start(core.clone(), events.clone());
        super::dms::on_start(core.clone(), events.clone());
        super::insights::on_start(core, events.clone());
    }

    fn handle(self: Arc<Self>, command: Command) {
        match command {
            Command::Start => {
                tokio::spawn(async move { self.start().await });
            }
            Command::SelectAccount(id) => {
                tokio::spawn(async move { self.select(id).await });
            }
            Command::RefreshFeed(id) => {
                tokio::spawn(async move { self.feed(id, true).await });
            }
            Command::LoadMoreFeed(id) => {
                tokio::spawn(async move { self.feed(id, false).await });
            }
            Command::LoadMediaDetail { account, media } => {
                tokio::spawn(async move { self.media_detail(account, media).await });
            }
            Command::LoadThumbnail { url } => self.image(url, THUMBNAIL_SIDE_PX, true),
            Command::LoadImage { url } => self.image(url, DETAIL_SIDE_PX, false),
            Command::OpenUrl(url) => {
                tokio::task::spawn_blocking(move || {
                    if let Err(e) = webbrowser::open(&url) {
                        warn!(error = %e, "could not open the browser");
                    }
                });
            }
            Command::SaveApp(app) => {
                let entered = AppCredentials {
                    kind: app.kind,
                    app_id: app.app_id.trim().to_owned(),
                    app_secret: app.app_secret.expose_secret().trim().into(),
                };
                self.lock_entered_apps().insert(app.kind, entered);
                tokio::spawn(async move {
                    if let Err(e) = self.save_app(&app).await {
                        self.notice_error(&e).await;
                    }
                });
            }
            Command::StartLogin(request) => self.start_login(request),
            Command::PasteRedirectUrl(url) => {
                let sender = self.lock_login().as_ref().map(|job| job.pasted.clone());
                tokio::spawn(async move {
                    match sender {
                        Some(tx) if tx.send(url).await.is_ok() => {}
                        _ => {
                            self.notice(
                                "No login is waiting for a redirect URL: start one with \"Log in with the browser\" first.",
                                true,
                            )
                            .await;
                        }
                    }
                });
            }
            Command::CancelLogin => {
                if let Some(job) = self.lock_login().take() {
                    job.task.abort();
                }
                tokio::spawn(async move {
                    self.events.send(Event::Login(LoginState::Cancelled)).await;
                });
            }
            Command::AddToken { kind, token } => {
                tokio::spawn(async move {
                    self.events.send(Event::Login(LoginState::Exchanging)).await;
                    let result = match self.login_core().await {
                        Ok(core) => core.add_token(kind, &token).await.map(|a| (core, a)),
                        Err(e) => Err(e),
                    };
                    match result {
                        Ok((core, accounts)) => {
                            self.adopt(&core).await;
                            self.connected(accounts).await;
                        }
                        Err(e) => self.login_failed(&e).await,
                    }
                });
            }
            Command::Composer(command) => {
                // Taken before the job starts, so a shutdown right after the command
                // arrived still waits for it.
                let durable = command
                    .writes_user_work()
                    .then(|| self.durable.clone().try_read_owned().ok())
                    .flatten();
                let job = super::composer::handle(self.core(), self.events.clone(), command);
                if let Some(guard) = durable {
                    tokio::spawn(async move {
                        let _ = job.await;
                        drop(guard);
                    });
                }
            }
            Command::Comments(command) => {
                super::comments::handle(self.core(), self.events.clone(), command);
            }
            Command::Dms(command) => super::dms::handle(self.core(), self.events.clone(), command),
            Command::Insights(command) => {
                super::insights::handle(self.core(), self.events.clone(), command);
            }
            Command::Notifications(command) => self.core().notifications().apply(command),
            Command::Calendar(command) => {
                super::calendar::handle(self.core(), self.events.clone(), command);
            }
            Command::Research(command) => {
                super::research::handle(self.core(), self.events.clone(), command);
            }
            Command::Live(command) => {
                self.live_watch
                    .handle(self.core(), self.events.clone(), command);
            }
            Command::RemoveAccount(id) => {
                tokio::spawn(async move {
                    if let Err(e) = self.core().remove_account(&id).await {
                        self.notice_error(&e).await;
                    }
                    self.send_accounts().await;
                });
            }
        }
    }

    fn lock_login(&self) -> std::sync::MutexGuard<'_, Option<LoginJob>> {
        self.login
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_entered_apps(&self) -> std::sync::MutexGuard<'_, HashMap<LoginKind, AppCredentials>> {
        self.entered_apps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Cached state first, then the network.
    async fn start(self: &Arc<Self>) {
        if let Some(sandbox) = self.core().sandbox() {
            self.events
                .send(Event::SandboxMode {
                    url: sandbox.url().to_string(),
                })
                .await;
        }
        if let Some(warning) = &self.core().secrets_warning {
            self.notice(warning, false).await;
        }
        let active = self.send_accounts().await;
        if let Some(id) = &active {
            self.send_cached_feed(id).await;
        }
        if self.core().sandbox().is_some() {
            self.sandbox_login().await;
        }
        let active = self.send_accounts().await;
        self.start_background();
        if let Some(id) = active {
            self.feed(id, true).await;
        } else {
            self.sync_text("No account yet: add one in Accounts", false)
                .await;
        }
    }

    /// Logs in to the embedded sandbox's demo accounts (see [`sandbox_login_headless`]).
    async fn sandbox_login(self: &Arc<Self>) {
        self.sync_text("Logging in to the sandbox…", true).await;
        if let Err(e) = sandbox_login_headless(&self.core()).await {
            self.notice_error(&e).await;
        }
    }

    async fn select(self: &Arc<Self>, id: IgUserId) {
        if let Err(e) = self.core().set_active_account(&id).await {
            self.notice_error(&e).await;
        }
        self.send_accounts().await;
        self.send_cached_feed(&id).await;
        self.feed(id, true).await;
    }

    /// Sends the account list; returns the active account.
    async fn send_accounts(&self) -> Option<IgUserId> {
        let accounts = match self.core().accounts().await {
            Ok(accounts) => accounts,
            Err(e) => {
                self.notice_error(&e).await;
                return None;
            }
        };
        let active = self.core().active_account().await.ok().flatten();
        self.events
            .send(Event::Accounts {
                accounts,
                active: active.clone(),
            })
            .await;
        active
    }

    async fn send_cached_feed(&self, id: &IgUserId) {
        match self.core().cached_feed(id, CACHED_FEED_LIMIT).await {
            Ok((media, cursor)) if !media.is_empty() => {
                self.set_cursor(id, cursor.clone());
                self.events
                    .send(Event::Feed {
                        account: id.clone(),
                        media,
                        replace: true,
                        has_more: cursor.is_some(),
                        from_cache: true,
                    })
                    .await;
            }
            Ok(_) => {}
            Err(e) => self.notice_error(&e).await,
        }
    }

    fn set_cursor(&self, id: &IgUserId, cursor: Option<String>) {
        self.cursors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.clone(), cursor);
    }

    /// `None`: never synced; `Some(None)`: synced to the end (no next page).
    #[allow(clippy::option_option)]
    fn cursor(&self, id: &IgUserId) -> Option<Option<String>> {
        self.cursors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    /// Reads one media again for the detail panel and, for a video, Meta's copyright check.
    /// Failures are logged only: the panel keeps what the feed had.
    async fn media_detail(self: &Arc<Self>, account: IgUserId, media: MediaId) {
        let core = self.core();
        let read = async {
            let account = core.find_account(account.as_str()).await?;
            let detail = core.media_detail(&account, &media).await?;
            Ok::<_, EngineError>((account, detail))
        };
        let (account, detail) = match read.await {
            Ok(read) => read,
            Err(e) => {
                warn!(error = %e, "could not refresh a post's details");
                return;
            }
        };
        let video = detail.media_type == MediaType::Video;
        if !self.events.send(Event::MediaDetail(Box::new(detail))).await || !video {
            return;
        }
        let check = match core.media_copyright(&account, &media).await {
            Ok(check) => check,
            Err(e) => {
                // The panel says so instead of "loading…" forever.
                warn!(error = %e, "could not read the video's copyright check");
                CopyrightCheck::unavailable()
            }
        };
        self.events.send(Event::Copyright { media, check }).await;
    }

    /// Fetches the first page (`first`) or the next one, and sends it.
    async fn feed(self: &Arc<Self>, id: IgUserId, first: bool) {
        let account = match self.core().find_account(id.as_str()).await {
            Ok(account) => account,
            Err(e) => return self.notice_error(&e).await,
        };
        let after = if first {
            None
        } else {
            match self.cursor(&id) {
                Some(Some(cursor)) => Some(cursor),
                // Nothing more to load.
                _ => return,
            }
        };
        self.sync_text(&format!("Syncing @{}…", account.username), true)
            .await;
        match self.core().fetch_feed_page(&account, after.clone()).await {
            Ok(page) => {
                let next = next_feed_cursor(after.as_deref(), &page);
                self.set_cursor(&id, next.clone());
                self.events
                    .send(Event::Feed {
                        account: id,
                        media: page.media,
                        replace: first,
                        has_more: next.is_some(),
                        from_cache: false,
                    })
                    .await;
                let time = chrono::Local::now().format("%H:%M");
                self.sync_text(&format!("Up to date · {time}"), false).await;
            }
            Err(e) => {
                let offline = matches!(&e, EngineError::Graph(g) if g.kind == crate::graph::ErrorKind::Transient);
                self.events
                    .send(Event::FeedFailed {
                        account: id,
                        message: e.to_string(),
                    })
                    .await;
                if matches!(&e, EngineError::Graph(g) if g.kind == crate::graph::ErrorKind::TokenInvalid)
                {
                    self.send_accounts().await;
                }
                let text = if offline {
                    "Offline · showing saved posts"
                } else {
                    "Sync failed"
                };
                self.sync_text(text, false).await;
            }
        }
    }

    /// Loads an image once per URL at a time, with bounded parallelism.
    fn image(self: Arc<Self>, url: String, max_side_px: u32, thumbnail: bool) {
        let key = format!("{max_side_px}:{url}");
        {
            let mut in_flight = self
                .images_in_flight
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if !in_flight.insert(key.clone()) {
                return;
            }
        }
        tokio::spawn(async move {
            let result = match self.images.clone().acquire_owned().await {
                Ok(_permit) => self.core().decoded_image(&url, max_side_px).await,
                Err(_) => return,
            };
            self.images_in_flight
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(&key);
            let event = match result {
                Ok(image) => {
                    let decoded = super::protocol::DecodedImage {
                        url,
                        image: Arc::new(image),
                    };
                    if thumbnail {
                        Event::Thumbnail(decoded)
                    } else {
                        Event::Image(decoded)
                    }
                }
                Err(e) => Event::ImageFailed {
                    url,
                    message: e.to_string(),
                },
            };
            self.events.send(event).await;
        });
    }

    async fn save_app(&self, app: &AppCredentials) -> Result<(), EngineError> {
        let core = self.login_core().await?;
        let kind = app.kind;
        let app_id = app.app_id.trim().to_owned();
        let secret = app.app_secret.expose_secret().trim();
        if !secret.is_empty() {
            core.secrets()
                .set(&secrets::app_secret_key(kind), &secret.into())?;
        }
        core.with_store(move |s| s.set_setting(&app_id_key(kind), &app_id))
            .await
    }

    /// The saved app of a login kind (id from the store, secret from the keyring).
    async fn saved_app(core: &Core, kind: LoginKind) -> Result<AppCredentials, EngineError> {
        let app_id = core
            .with_store(move |s| s.setting(&app_id_key(kind)))
            .await?
            .unwrap_or_default();
        let app_secret = core
            .secrets()
            .get(&secrets::app_secret_key(kind))?
            .unwrap_or_else(|| SecretString::from(""));
        Ok(AppCredentials {
            kind,
            app_id,
            app_secret,
        })
    }

    /// Starts a browser login with the app entered before it in this session (the commands'
    /// order, read here before any task runs), else the app saved in an earlier session.
    fn start_login(self: Arc<Self>, request: LoginRequest) {
        let (tx, rx) = mpsc::channel(4);
        let entered = self.lock_entered_apps().get(&request.kind).cloned();
        let engine = self.clone();
        let task = tokio::spawn(async move {
            let core = match engine.login_core().await {
                Ok(core) => core,
                Err(e) => return engine.login_failed(&e).await,
            };
            let app = match entered {
                // An app id entered without its secret keeps the saved secret, as the save does.
                Some(app) if app.app_secret.expose_secret().is_empty() => {
                    Self::saved_app(&core, request.kind)
                        .await
                        .map(|saved| AppCredentials {
                            app_secret: saved.app_secret,
                            ..app
                        })
                }
                Some(app) => Ok(app),
                None => Self::saved_app(&core, request.kind).await,
            };
            let result = match app {
                Ok(app) => {
                    let events = engine.events.clone();
                    core.browser_login(request, &app, core.browser(), rx, move |state| {
                        events.try_send(Event::Login(state));
                    })
                    .await
                }
                Err(e) => Err(e),
            };
            match result {
                Ok(accounts) => match core.save_connected(accounts).await {
                    Ok(saved) => {
                        engine.adopt(&core).await;
                        engine.connected(saved).await;
                    }
                    Err(e) => engine.login_failed(&e).await,
                },
                Err(e) => engine.login_failed(&e).await,
            }
        });
        if let Some(old) = self.lock_login().replace(LoginJob { task, pasted: tx }) {
            old.task.abort();
        }
    }

    async fn connected(&self, accounts: Vec<Account>) {
        let username = accounts
            .iter()
            .map(|a| format!("@{}", a.username))
            .collect::<Vec<_>>()
            .join(", ");
        self.lock_login().take();
        self.events
            .send(Event::Login(LoginState::Connected { username }))
            .await;
        if let Some(first) = accounts.first()
            && let Err(e) = self.core().set_active_account(&first.id).await
        {
            self.notice_error(&e).await;
        }
        let active = self.send_accounts().await;
        if let Some(id) = active {
            self.send_cached_feed(&id).await;
        }
    }

    async fn login_failed(&self, error: &EngineError) {
        self.lock_login().take();
        self.events
            .send(Event::Login(LoginState::Failed {
                message: error.to_string(),
            }))
            .await;
    }

    async fn sync_text(&self, text: &str, busy: bool) {
        self.events
            .send(Event::Sync(SyncStatus {
                text: text.to_owned(),
                busy,
                usage: self.core().client().usage(),
            }))
            .await;
    }

    async fn notice(&self, message: &str, is_error: bool) {
        self.events
            .send(Event::Notice {
                message: message.to_owned(),
                is_error,
            })
            .await;
    }

    async fn notice_error(&self, error: &EngineError) {
        self.notice(&error.to_string(), true).await;
    }
}

/// Logs in to the embedded sandbox's demo accounts through the real OAuth code path.
/// Sandbox tokens live in memory only, so this runs at every start.
pub async fn sandbox_login_headless(core: &Arc<Core>) -> Result<Vec<Account>, EngineError> {
    let mut connected = Vec::new();
    for username in [DEMO_BUSINESS_USERNAME, DEMO_CREATOR_USERNAME] {
        connected.extend(core.login_to_sandbox(username).await?);
    }
    Ok(connected)
}

#[cfg(test)]
mod tests {
    use super::{FeedPage, next_feed_cursor};
    use crate::ids::MediaId;
    use crate::model::{Media, MediaType};

    fn page(items: usize, after: Option<&str>) -> FeedPage {
        let media = Media {
            id: MediaId::from("1"),
            caption: None,
            media_type: MediaType::Image,
            media_product_type: None,
            media_url: None,
            thumbnail_url: None,
            permalink: None,
            shortcode: None,
            timestamp: chrono::DateTime::UNIX_EPOCH,
            username: None,
            like_count: None,
            comments_count: None,
            alt_text: None,
            children: Vec::new(),
        };
        FeedPage {
            media: vec![media; items],
            after: after.map(str::to_owned),
        }
    }

    #[test]
    fn load_more_stops_on_a_repeated_cursor_or_an_empty_page() {
        assert_eq!(
            next_feed_cursor(None, &page(2, Some("A"))).as_deref(),
            Some("A")
        );
        assert_eq!(
            next_feed_cursor(Some("A"), &page(2, Some("B"))).as_deref(),
            Some("B")
        );
        assert_eq!(
            next_feed_cursor(Some("A"), &page(2, Some("A"))),
            None,
            "repeated"
        );
        assert_eq!(
            next_feed_cursor(Some("A"), &page(0, Some("B"))),
            None,
            "empty"
        );
        assert_eq!(
            next_feed_cursor(Some("A"), &page(2, None)),
            None,
            "last page"
        );
    }
}
