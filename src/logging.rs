//! Log setup: a file in the logs directory plus warnings on stderr.
//!
//! Nothing in socialdesk puts a token or secret into a log field; the tests check the log
//! output of a whole login and sync for them.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Installs the global subscriber. `RUST_LOG` overrides the default level (info for the
/// file, warn for stderr). Returns the log file path on success.
pub fn init(logs_dir: &Path) -> Option<std::path::PathBuf> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,wgpu=warn,eframe=warn,egui_wgpu=warn,naga=warn"));
    let path = logs_dir.join("socialdesk.log");
    let file = std::fs::create_dir_all(logs_dir)
        .and_then(|()| OpenOptions::new().create(true).append(true).open(&path))
        .ok();
    let stderr = std::io::stderr.with_max_level(tracing::Level::WARN);
    let result = match file {
        Some(file) => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(Mutex::new(file).and(stderr))
            .try_init(),
        None => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(stderr)
            .try_init(),
    };
    result.ok().map(|()| path)
}
