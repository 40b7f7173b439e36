//! No token or secret may reach the SQLite file or the logs, through a whole login, sync
//! and token refresh. This test binary installs a global TRACE subscriber that captures
//! every log line of the engine, the client and the auth code.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use socialdesk::config::{DataDirs, Endpoints};
use socialdesk::engine::protocol::{AppCredentials, LoginRequest};
use socialdesk::engine::{Core, EngineConfig, Mode};
use socialdesk::model::LoginKind;
use socialdesk::sandbox::{DEMO_BUSINESS_USERNAME, Sandbox, SandboxOptions};
use socialdesk::store::secrets::{self, MemorySecrets, SecretStore};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_secrets_stay_out_of_sqlite_and_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    const APP_SECRET: &str = "app-secret-3f9a7c1e5b";
    let sandbox = Sandbox::start(SandboxOptions {
        app_secret: Some(APP_SECRET.into()),
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let dirs = DataDirs::under(dir.path());
    let secrets_store = Arc::new(MemorySecrets::default());
    let mut config = EngineConfig::new(
        dirs.clone(),
        Mode::Live(Box::new(Endpoints::sandbox(&sandbox.url()))),
    );
    config.secrets = Some(secrets_store.clone());
    config.browser = Some(Arc::new(
        socialdesk::auth::SandboxBrowser::new(
            &socialdesk::graph::HttpClients::new().expect("http clients"),
        )
        .expect("browser")
        .with_username(DEMO_BUSINESS_USERNAME),
    ));
    let control = sandbox.control();
    config.clock = Some(Arc::new(move || control.now()));
    let core = Core::start(config).await.expect("core");

    let app = AppCredentials {
        kind: LoginKind::Instagram,
        app_id: "1234567890".into(),
        app_secret: APP_SECRET.into(),
    };
    secrets_store
        .set(
            &secrets::app_secret_key(LoginKind::Instagram),
            &APP_SECRET.into(),
        )
        .expect("secret");
    let (_tx, rx) = tokio::sync::mpsc::channel(1);
    let connected = core
        .browser_login(
            LoginRequest {
                kind: LoginKind::Instagram,
                port: 0,
                https: false,
            },
            &app,
            core.browser(),
            rx,
            |_| {},
        )
        .await
        .expect("login");
    let accounts = core.save_connected(connected).await.expect("save");
    let account = accounts.first().expect("an account").clone();
    core.fetch_feed_page(&account, None).await.expect("feed");

    // Two days later the token is refreshed on use: a second token to keep out of sight.
    sandbox.control().advance_clock(Duration::from_hours(1200));
    let account = core
        .find_account(account.id.as_str())
        .await
        .expect("account");
    core.fetch_feed_page(&account, None)
        .await
        .expect("feed after refresh");
    drop(core);

    // Every token the sandbox ever saw, from its request log.
    let mut tokens: Vec<String> = secrets_store
        .get(&secrets::token_key(&account.id))
        .expect("read")
        .into_iter()
        .map(|s| secrecy::ExposeSecret::expose_secret(&s).to_owned())
        .collect();
    for request in sandbox.control().requests() {
        let query = url::form_urlencoded::parse(request.query.as_bytes());
        let body = url::form_urlencoded::parse(request.body.as_bytes());
        for (key, value) in query.chain(body) {
            if key == "access_token" && value.len() > 8 {
                tokens.push(value.into_owned());
            }
        }
        for (name, value) in &request.headers {
            if name.eq_ignore_ascii_case("authorization")
                && let Some(token) = value.split_whitespace().nth(1)
            {
                tokens.push(token.to_owned());
            }
        }
    }
    assert!(
        sandbox
            .control()
            .requests()
            .iter()
            .any(|r| r.path.ends_with("/refresh_access_token")),
        "the aged token was refreshed"
    );
    tokens.sort();
    tokens.dedup();
    assert!(
        tokens.len() >= 2,
        "expected the short-lived, long-lived and refreshed tokens, got {}",
        tokens.len()
    );

    let mut database = Vec::new();
    for entry in std::fs::read_dir(&dirs.data).expect("data dir") {
        let path = entry.expect("entry").path();
        if path.to_string_lossy().contains("socialdesk.sqlite3") {
            database.extend(std::fs::read(&path).expect("read db"));
        }
    }
    assert!(!database.is_empty(), "the SQLite file was written");
    let logs = captured.0.lock().expect("logs").clone();
    assert!(!logs.is_empty(), "the engine logged something");
    for secret in tokens.iter().map(String::as_str).chain([APP_SECRET]) {
        assert!(
            !contains(&database, secret),
            "a secret is in the SQLite file"
        );
        assert!(!contains(&logs, secret), "a secret is in the log output");
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}
