//! Starting the desktop window: picks live or sandbox mode, spawns the engine, runs eframe.

use anyhow::{Context, Result};

use crate::cli::GlobalArgs;
use crate::engine::{EngineConfig, Mode};
use crate::store::Store;

pub use crate::engine::config::EMBEDDED_SANDBOX_PORT;

/// Opens the main window and blocks until it is closed.
pub fn run(global: &GlobalArgs) -> Result<()> {
    let dirs = global.dirs()?;
    let mode = match global.live_endpoints() {
        // With no account configured, a newcomer gets a working app against the sandbox.
        Some(endpoints)
            if global.graph_url.is_some()
                || global.meta_url.is_some()
                || has_live_accounts(&dirs) =>
        {
            Mode::Live(Box::new(endpoints))
        }
        // What the newcomer publishes or answers is still there next time.
        _ => Mode::EmbeddedSandbox(crate::engine::config::embedded_sandbox(&dirs)),
    };
    let window_state = dirs.data.join("window.ron");
    make_private(&window_state);
    let (engine, engine_thread) = crate::engine::spawn(EngineConfig::new(dirs, mode))
        .context("could not start the engine")?;
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("socialdesk")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([800.0, 500.0]),
        // Window geometry, the last tab and filters, beside the user's other data.
        persistence_path: Some(window_state),
        ..Default::default()
    };
    let shown = eframe::run_native(
        "socialdesk",
        options,
        Box::new(move |cc| Ok(Box::new(crate::ui::App::restored(engine, cc.storage)))),
    )
    .map_err(|e| anyhow::anyhow!("could not open the window: {e}"));
    // The app (and with it the engine's handle) is gone: let the engine finish writing
    // what the user made before the process ends.
    if !crate::engine::run::wait_for_shutdown(engine_thread) {
        tracing::warn!("the engine did not stop in time; exiting anyway");
    }
    shown
}

/// True when the live store already holds an account (a quick read before the window opens).
fn has_live_accounts(dirs: &crate::config::DataDirs) -> bool {
    let path = dirs.database();
    path.exists()
        && Store::open(&path)
            .and_then(|store| store.accounts())
            .is_ok_and(|accounts| !accounts.is_empty())
}

/// eframe writes its state file with `File::create`, which keeps an existing file's mode:
/// creating it 0600 first keeps what it holds (filters the user typed) private.
fn make_private(path: &std::path::Path) {
    use crate::store::private_files::{private_options, restrict};
    let made = private_options()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|_| restrict(path));
    if let Err(e) = made {
        tracing::warn!(error = %e, path = %path.display(), "could not make the window state private");
    }
}
