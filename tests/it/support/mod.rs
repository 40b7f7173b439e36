//! Fixtures shared by the integration tests: an account for UI tests, the engine channel
//! helpers, and an engine core on a fresh sandbox (logged in or not, on the sandbox clock or
//! the real one) with the ways tests connect accounts to it.
//!
//! Narrower fixtures live in the submodules: [`cli`] (the real binary), [`ui`] (the app in
//! a headless harness), [`media`] (pictures, videos and post specs), [`requests`] (what the
//! sandbox recorded), [`raw`] (raw HTTP to the sandbox) and [`wait`] (polling for a condition
//! instead of sleeping). Test modules reach them as
//! `crate::support`.

pub mod cli;
pub mod media;
pub mod postgres;
pub mod raw;
pub mod requests;
pub mod ui;
pub mod wait;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui_kittest::Harness;
use socialdesk::auth::SandboxBrowser;
use socialdesk::config::{DataDirs, Endpoints};
use socialdesk::engine::composer::{PublishError, SANDBOX_HOSTING_KEY};
use socialdesk::engine::{Command, Core, EngineConfig, EngineSide, Event, Mode};
use socialdesk::ids::{CommentId, IgUserId, PageId};
use socialdesk::model::{Account, AccountStatus, LoginKind, Media};
use socialdesk::sandbox::{DEMO_BUSINESS_USERNAME, Sandbox, SandboxOptions};
use socialdesk::store::secrets::{MemorySecrets, SecretStore};
use socialdesk::ui::App;

/// The IG id UI tests give their account.
pub const ACCOUNT_ID: &str = "17841400000000001";
/// The demo business account's Facebook Page.
pub const PAGE_ID: &str = "104000000000001";

/// A connected business account as the UI sees it (a Facebook Login one has its Page).
pub fn account(username: &str, login: LoginKind) -> Account {
    Account {
        id: IgUserId::from(ACCOUNT_ID),
        username: username.into(),
        name: None,
        account_type: Some("Business".into()),
        profile_picture_url: None,
        followers_count: None,
        media_count: None,
        login,
        page_id: (login == LoginKind::Facebook).then(|| PageId::from(PAGE_ID)),
        status: AccountStatus::Connected,
        sandbox: true,
        token_issued_at: None,
        token_expires_at: None,
    }
}

/// A file dropped on the window, read from disk if egui asks for its bytes.
#[derive(Debug)]
pub struct DroppedPath(pub PathBuf);

impl egui::DroppedFile for DroppedPath {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// Every command the UI queued since the last call.
pub fn drain(side: &mut EngineSide) -> Vec<Command> {
    std::iter::from_fn(|| side.commands.try_recv().ok()).collect()
}

/// Plays the engine: hands the UI an event and runs the frames it causes.
pub fn push(harness: &mut Harness<'_, App>, side: &EngineSide, event: Event) {
    assert!(
        side.events.try_send(event),
        "the UI inbox accepts the event"
    );
    harness.run();
}

/// An engine config on the sandbox at `root`, whose "browser" logs in as the demo business.
pub fn config(dirs: &DataDirs, root: &url::Url, secrets: Arc<dyn SecretStore>) -> EngineConfig {
    let mut config =
        EngineConfig::new(dirs.clone(), Mode::Live(Box::new(Endpoints::sandbox(root))));
    config.secrets = Some(secrets);
    config.browser = Some(Arc::new(
        SandboxBrowser::new(&socialdesk::graph::HttpClients::new().expect("http clients"))
            .expect("browser")
            .with_username(DEMO_BUSINESS_USERNAME),
    ));
    config
}

/// [`config`] whose engine reads the sandbox's clock, so a test can move time forward for
/// both (the DM windows, comment rules on the next sync).
pub fn config_on_sandbox_clock(
    dirs: &DataDirs,
    sandbox: &Sandbox,
    secrets: Arc<dyn SecretStore>,
) -> EngineConfig {
    let mut config = config(dirs, &sandbox.url(), secrets);
    let control = sandbox.control();
    config.clock = Some(Arc::new(move || control.now()));
    config
}

/// How a test's world differs from the plain one: the engine's clock and its secret store.
pub struct WorldSetup {
    /// The engine reads the sandbox clock ([`config_on_sandbox_clock`]).
    pub sandbox_clock: bool,
    /// Where the engine keeps tokens; a fresh [`MemorySecrets`] by default.
    pub secrets: Arc<dyn SecretStore>,
}

impl Default for WorldSetup {
    fn default() -> Self {
        WorldSetup {
            sandbox_clock: false,
            secrets: Arc::new(MemorySecrets::default()),
        }
    }
}

impl WorldSetup {
    /// The engine config of this setup on `sandbox` and `dirs`.
    fn config(&self, dirs: &DataDirs, sandbox: &Sandbox) -> EngineConfig {
        if self.sandbox_clock {
            config_on_sandbox_clock(dirs, sandbox, self.secrets.clone())
        } else {
            config(dirs, &sandbox.url(), self.secrets.clone())
        }
    }

    /// A fresh sandbox and a core with no account yet.
    pub async fn start(self) -> World {
        let sandbox = Sandbox::start(SandboxOptions::default())
            .await
            .expect("sandbox");
        let dir = tempfile::tempdir().expect("temp dir");
        let dirs = DataDirs::under(dir.path());
        let core = Core::start(self.config(&dirs, &sandbox))
            .await
            .expect("core");
        World {
            sandbox,
            core: Arc::new(core),
            account: None,
            dirs,
            setup: self,
            dir,
        }
    }
}

/// The demo business logged in on `core` through the real OAuth path (the sandbox's
/// authorize page and the loopback listener).
pub async fn login(core: &Core) -> Account {
    core.login_to_sandbox(DEMO_BUSINESS_USERNAME)
        .await
        .expect("login")
        .into_iter()
        .next()
        .expect("one account")
}

/// A token of the demo business with only `instagram_business_basic`, minted by the sandbox
/// (no OAuth pages): enough to read the profile and the feed.
pub fn basic_token(sandbox: &Sandbox) -> String {
    sandbox
        .control()
        .mint_token(
            "instagram",
            DEMO_BUSINESS_USERNAME,
            &["instagram_business_basic"],
        )
        .expect("minted")
}

/// A sandbox, an engine core on it and their data folder. `account` is the demo business
/// after [`World::logged_in`] (`None` from [`world_without_login`]).
pub struct World {
    pub sandbox: Sandbox,
    pub core: Arc<Core>,
    pub account: Option<Account>,
    pub dirs: DataDirs,
    setup: WorldSetup,
    dir: tempfile::TempDir,
}

impl World {
    /// The logged-in account (panics in a world without login: a test bug).
    pub fn account(&self) -> &Account {
        self.account
            .as_ref()
            .expect("this world logged in to the sandbox")
    }

    /// The world with the demo business logged in (see [`login`]).
    pub async fn logged_in(mut self) -> World {
        self.account = Some(login(&self.core).await);
        self
    }

    /// A folder of the test's own, removed with the world (the data folder is under it).
    pub fn temp_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The demo business connected with `kind` through a token the sandbox minted (the
    /// pasted-token path) for that login's default scopes and `extra_scopes`. With Facebook
    /// Login it is the IG account linked to the Page.
    pub async fn connect_demo_business(&self, kind: LoginKind, extra_scopes: &[&str]) -> Account {
        let mut scopes = socialdesk::auth::default_scopes(kind).to_vec();
        scopes.extend_from_slice(extra_scopes);
        let provider = match kind {
            LoginKind::Instagram => "instagram",
            LoginKind::Facebook => "facebook",
        };
        let token = self
            .sandbox
            .control()
            .mint_token(provider, DEMO_BUSINESS_USERNAME, &scopes)
            .expect("minted");
        let accounts = self
            .core
            .add_token(kind, &token)
            .await
            .unwrap_or_else(|e| panic!("connected with {provider} login: {e}"));
        match kind {
            LoginKind::Instagram => accounts.into_iter().next().expect("one account"),
            LoginKind::Facebook => accounts
                .into_iter()
                .find(|a| a.username == DEMO_BUSINESS_USERNAME && a.page_id.is_some())
                .expect("the Page-linked IG account"),
        }
    }

    /// `username` connected with Instagram Login through a token the sandbox minted for
    /// `scopes`: the account and the token (for raw HTTP calls that bypass the client).
    pub async fn connect_instagram(&self, username: &str, scopes: &[&str]) -> (Account, String) {
        let token = self
            .sandbox
            .control()
            .mint_token("instagram", username, scopes)
            .expect("token");
        let account = self
            .core
            .add_token(LoginKind::Instagram, &token)
            .await
            .expect("connected")
            .into_iter()
            .next()
            .expect("one account");
        (account, token)
    }

    /// Makes the sandbox the engine's file hosting, where pictures and videos go for Meta
    /// to fetch (without it, only rupload can carry a video).
    pub async fn host_files_on_sandbox(&self) {
        let url = self.sandbox.url().to_string();
        self.core
            .with_store(move |s| s.set_setting(SANDBOX_HOSTING_KEY, &url))
            .await
            .expect("hosting");
    }

    /// Publishes (or resumes) `draft` while the sandbox clock runs, so processing finishes
    /// in a moment.
    pub async fn publish(&self, draft: i64) -> Result<Media, PublishError> {
        let _clock = requests::ClockPusher::start(&self.sandbox);
        self.core.publish_draft(draft, &|_| {}).await
    }

    /// Records a reply to `parent` as pending, as the engine does just before it sends one:
    /// a test then plays an app that stopped before Meta's answer arrived.
    pub async fn record_pending_reply(&self, parent: &CommentId, text: &str) {
        let (id, parent, text) = (self.account().id.clone(), parent.clone(), text.to_owned());
        let now = self.core.now();
        self.core
            .with_store(move |s| s.begin_pending_reply(&id, &parent, &text, now).map(|_| ()))
            .await
            .expect("pending");
    }

    /// The secret store the core keeps its tokens in.
    pub fn secrets(&self) -> Arc<dyn SecretStore> {
        self.setup.secrets.clone()
    }

    /// A config for another engine on this world's data folder, secrets and clock.
    pub fn config(&self) -> EngineConfig {
        self.setup.config(&self.dirs, &self.sandbox)
    }

    /// A second core on the same data folder and secrets, as after a restart.
    pub async fn restart_core(&self) -> Core {
        Core::start(self.config()).await.expect("core restarts")
    }
}

/// A fresh sandbox and a core with no account yet.
pub async fn world_without_login() -> World {
    WorldSetup::default().start().await
}

/// A fresh sandbox and a core logged in (through the real OAuth path) as the demo business.
pub async fn world() -> World {
    world_without_login().await.logged_in().await
}

/// [`world`] with the sandbox as the engine's file hosting, as publishing tests need.
pub async fn hosted_world() -> World {
    let w = world().await;
    w.host_files_on_sandbox().await;
    w
}
