//! The engine over real HTTP against the sandbox: reconnect-needed on a refused token, and
//! an offline start that shows the cached feed at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use socialdesk::config::{DataDirs, Endpoints};
use socialdesk::engine::protocol::{AppCredentials, LoginRequest, LoginState};
use socialdesk::engine::{self, Command, Core, EngineConfig, Event, Mode};
use socialdesk::model::{AccountStatus, LoginKind};
use socialdesk::sandbox::{Sandbox, SandboxOptions};
use socialdesk::store::secrets::{MemorySecrets, SecretStore};

use crate::support::{config, login, world};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_marks_the_account_reconnect_needed_and_stops_calling() {
    let w = world().await;
    let (sandbox, core, account) = (&w.sandbox, &w.core, w.account().clone());
    core.fetch_feed_page(&account, None).await.expect("feed");

    sandbox.control().revoke_all_tokens();
    let error = core
        .fetch_feed_page(&account, None)
        .await
        .expect_err("a revoked token is refused");
    assert!(
        error.to_string().contains("log in again") || error.to_string().contains("reconnect"),
        "{error}"
    );
    let account = core
        .find_account(account.id.as_str())
        .await
        .expect("account");
    assert!(
        matches!(account.status, AccountStatus::ReconnectNeeded { .. }),
        "{:?}",
        account.status
    );

    sandbox.control().clear_requests();
    let error = core
        .fetch_feed_page(&account, None)
        .await
        .expect_err("still refused");
    assert!(error.to_string().contains("reconnect"), "{error}");
    assert!(
        sandbox.control().requests().is_empty(),
        "nothing is sent for an account that needs reconnecting"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_start_shows_the_cached_feed_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dirs = DataDirs::under(dir.path());
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecrets::default());
    let synced = {
        let sandbox = Sandbox::start(SandboxOptions::default())
            .await
            .expect("sandbox");
        let core = Core::start(config(&dirs, &sandbox.url(), secrets.clone()))
            .await
            .expect("core");
        let account = login(&core).await;
        let page = core.fetch_feed_page(&account, None).await.expect("feed");
        sandbox.shutdown().await;
        page.media
    };

    // Nothing listens on port 9: the network is gone.
    let offline = url::Url::parse("http://127.0.0.1:9/").expect("url");
    let (mut handle, side) = engine::channel();
    tokio::spawn(engine::run::run(config(&dirs, &offline, secrets), side));
    assert!(handle.send(Command::Start));

    let mut cached = None;
    let mut failed = None;
    let start = Instant::now();
    while failed.is_none() && start.elapsed() < Duration::from_secs(30) {
        match handle.try_recv() {
            Some(Event::Feed {
                media, from_cache, ..
            }) if cached.is_none() => {
                assert!(from_cache, "the first feed comes from the cache");
                cached = Some(media);
            }
            Some(Event::FeedFailed { message, .. }) => failed = Some(message),
            Some(_) => {}
            None => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    let cached = cached.expect("the cached feed was shown");
    assert_eq!(
        cached.iter().map(|m| &m.id).collect::<Vec<_>>(),
        synced.iter().map(|m| &m.id).collect::<Vec<_>>()
    );
    let failed = failed.expect("the refresh failed plainly");
    assert!(!failed.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_a_real_account_leaves_the_default_sandbox() {
    // A second, standalone sandbox plays Meta's live hosts.
    let meta = Sandbox::start(SandboxOptions {
        seed: 7,
        ..SandboxOptions::default()
    })
    .await
    .expect("meta stand-in");
    let token = meta
        .control()
        .mint_token("instagram", "mira.makes", &["instagram_business_basic"])
        .expect("token");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = EngineConfig::new(
        DataDirs::under(dir.path()),
        Mode::EmbeddedSandbox(SandboxOptions::default()),
    );
    config.live_fallback = Some(Endpoints::sandbox(&meta.url()));
    let (mut handle, side) = engine::channel();
    tokio::spawn(engine::run::run(config, side));
    assert!(handle.send(Command::Start));

    let mut sandbox_mode = false;
    let mut demo_accounts = 0;
    let start = Instant::now();
    while demo_accounts < 2 && start.elapsed() < Duration::from_secs(30) {
        match handle.try_recv() {
            Some(Event::SandboxMode { .. }) => sandbox_mode = true,
            Some(Event::Accounts { accounts, .. }) => demo_accounts = accounts.len(),
            Some(_) => {}
            None => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    assert!(sandbox_mode, "a newcomer starts in the sandbox");
    assert_eq!(demo_accounts, 2, "with both demo accounts");

    assert!(handle.send(Command::AddToken {
        kind: LoginKind::Instagram,
        token,
    }));
    let mut live = false;
    let mut accounts_after = None;
    let start = Instant::now();
    while accounts_after.is_none() && start.elapsed() < Duration::from_secs(30) {
        match handle.try_recv() {
            Some(Event::LiveMode) => live = true,
            Some(Event::Accounts { accounts, .. }) if live => accounts_after = Some(accounts),
            Some(Event::Login(socialdesk::engine::protocol::LoginState::Failed { message })) => {
                panic!("login failed: {message}")
            }
            Some(_) => {}
            None => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    let accounts = accounts_after.expect("the live account list");
    assert_eq!(accounts.len(), 1, "only the real account, no demo accounts");
    assert_eq!(accounts[0].username, "mira.makes");
    assert!(!accounts[0].sandbox);
}

/// Plays the user's browser against the sandbox and keeps every URL it was asked to open.
struct RecordingBrowser {
    inner: socialdesk::auth::SandboxBrowser,
    opened: Arc<std::sync::Mutex<Vec<url::Url>>>,
}

impl socialdesk::auth::Browser for RecordingBrowser {
    fn open(&self, url: &url::Url) -> Result<(), String> {
        if let Ok(mut opened) = self.opened.lock() {
            opened.push(url.clone());
        }
        self.inner.open(url)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_login_opens_the_app_id_just_entered() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = config(
        &DataDirs::under(dir.path()),
        &sandbox.url(),
        Arc::new(MemorySecrets::default()),
    );
    let opened = Arc::new(std::sync::Mutex::new(Vec::new()));
    config.browser = Some(Arc::new(RecordingBrowser {
        inner: socialdesk::auth::SandboxBrowser::new(
            &socialdesk::graph::HttpClients::new().expect("http clients"),
        )
        .expect("browser")
        .with_username(socialdesk::sandbox::DEMO_BUSINESS_USERNAME),
        opened: opened.clone(),
    }));
    let (mut handle, side) = engine::channel();
    tokio::spawn(engine::run::run(config, side));

    // What "Log in with the browser" sends on a fresh setup: the app, then the login.
    assert!(handle.send(Command::SaveApp(AppCredentials {
        kind: LoginKind::Instagram,
        app_id: "1234567890".into(),
        app_secret: "s3cret".into(),
    })));
    assert!(handle.send(Command::StartLogin(LoginRequest {
        kind: LoginKind::Instagram,
        port: 0,
        https: false,
    })));

    let mut connected = None;
    let start = Instant::now();
    while connected.is_none() && start.elapsed() < Duration::from_mins(1) {
        match handle.try_recv() {
            Some(Event::Login(LoginState::Connected { username })) => connected = Some(username),
            Some(Event::Login(LoginState::Failed { message })) => panic!("login failed: {message}"),
            Some(_) => {}
            None => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    let opened = opened.lock().map(|o| o.clone()).unwrap_or_default();
    let [url] = opened.as_slice() else {
        panic!("one login page opened, got {opened:?}");
    };
    let client_id = url
        .query_pairs()
        .find(|(k, _)| k == "client_id")
        .map(|(_, v)| v.into_owned());
    assert_eq!(client_id.as_deref(), Some("1234567890"), "{url}");
    assert!(connected.is_some(), "the login went through");
}
