//! Log setup: a file in the logs directory plus warnings on stderr.
//!
//! Nothing in socialdesk puts a token or secret into a log field; the tests check the log
//! output of a whole login and sync for them.

use std::fs::File;
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
        .and_then(|()| open_private_log(&path))
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

/// Opens the log for appending, created 0600 (or made 0600 if an older build left it
/// readable): it names accounts, media and people the user talks to.
fn open_private_log(path: &Path) -> std::io::Result<File> {
    let file = crate::store::private_files::private_options()
        .create(true)
        .append(true)
        .open(path)?;
    // Best effort: logging starts after this, so there is no one to tell; a file system
    // without unix permissions must not cost the log.
    let _ = crate::store::private_files::restrict(path);
    Ok(file)
}

#[cfg(all(test, unix))]
mod tests {
    use super::open_private_log;
    use crate::store::private_files::mode_of;

    #[test]
    fn the_log_file_is_private() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("socialdesk.log");
        drop(open_private_log(&path).expect("created"));
        assert_eq!(mode_of(&path), 0o600);
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .expect("chmod");
        drop(open_private_log(&path).expect("reopened"));
        assert_eq!(mode_of(&path), 0o600, "an old readable log is made private");
    }
}
