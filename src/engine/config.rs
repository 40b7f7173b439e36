//! How an engine is set up: where its files live and which API it talks to.

use std::sync::Arc;

use crate::auth::Browser;
use crate::config::{DataDirs, Endpoints};
use crate::sandbox::SandboxOptions;
use crate::store::secrets::SecretStore;

/// Which Graph API the engine talks to.
#[derive(Clone, Debug)]
pub enum Mode {
    /// Meta's hosts, or whatever `endpoints` points at (`--graph-url`).
    Live(Box<Endpoints>),
    /// An in-process sandbox started with the engine; data is kept apart from live accounts.
    EmbeddedSandbox(SandboxOptions),
}

/// The embedded sandbox's preferred port: stable, so cached image URLs stay valid across
/// runs. Another free port is used when it is taken.
pub const EMBEDDED_SANDBOX_PORT: u16 = 47800;

/// The embedded sandbox of a data folder: one persistent world in `<data>/sandbox/world`,
/// shared by the app and `--sandbox` commands, so what one publishes the other lists.
pub fn embedded_sandbox(dirs: &DataDirs) -> SandboxOptions {
    SandboxOptions {
        port: EMBEDDED_SANDBOX_PORT,
        state_dir: Some(dirs.data.join("sandbox").join("world")),
        ..SandboxOptions::default()
    }
}

/// The engine's idea of "now". Tests and the embedded sandbox share a controllable clock so
/// token age and expiry can be tested without waiting days.
pub type Clock = Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>;

/// Everything an engine needs to start.
#[derive(Clone)]
pub struct EngineConfig {
    pub dirs: DataDirs,
    pub mode: Mode,
    /// Secret storage; `None` picks the OS keyring, else a 0600 file (with a warning).
    pub secrets: Option<Arc<dyn SecretStore>>,
    /// How login pages are opened; `None` picks the system browser (live) or the
    /// auto-approving sandbox browser (sandbox).
    pub browser: Option<Arc<dyn Browser>>,
    /// Parallel image downloads and decodes.
    pub image_jobs: usize,
    /// Items per feed page requested from the API.
    pub feed_page_size: u32,
    /// In sandbox mode chosen by default (not forced), the live API to use as soon as the
    /// user connects a real account; the engine then leaves the sandbox.
    pub live_fallback: Option<Endpoints>,
    /// `None` is the system clock, or the embedded sandbox's clock in sandbox mode.
    pub clock: Option<Clock>,
    /// Desktop notifications and what they announced; shared by every core of this run (a
    /// real login replacing the sandbox keeps the settings and the baseline).
    pub notifications: Arc<super::notify::Notifications>,
}

impl EngineConfig {
    /// Defaults for the given files and API.
    pub fn new(dirs: DataDirs, mode: Mode) -> Self {
        Self {
            dirs,
            mode,
            secrets: None,
            browser: None,
            image_jobs: 6,
            feed_page_size: 30,
            clock: None,
            live_fallback: None,
            notifications: Arc::default(),
        }
    }

    /// True when the engine runs against its own sandbox.
    pub fn is_sandbox(&self) -> bool {
        matches!(self.mode, Mode::EmbeddedSandbox(_))
    }
}
