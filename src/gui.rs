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
    let (engine, _engine_thread) = crate::engine::spawn(EngineConfig::new(dirs, mode))
        .context("could not start the engine")?;
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("socialdesk")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([800.0, 500.0]),
        ..Default::default()
    };
    eframe::run_native(
        "socialdesk",
        options,
        Box::new(move |_cc| Ok(Box::new(crate::ui::App::new(engine)))),
    )
    .map_err(|e| anyhow::anyhow!("could not open the window: {e}"))
}

/// True when the live store already holds an account (a quick read before the window opens).
fn has_live_accounts(dirs: &crate::config::DataDirs) -> bool {
    let path = dirs.database();
    path.exists()
        && Store::open(&path)
            .and_then(|store| store.accounts())
            .map(|accounts| !accounts.is_empty())
            .unwrap_or(false)
}
