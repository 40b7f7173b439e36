//! Optional persistence of the sandbox world (`SandboxOptions::state_dir`).
//!
//! Without it the sandbox forgets everything when it stops: a post published against the
//! app's embedded sandbox would vanish on the next start while the app's cache still shows
//! it. With a state folder the world (accounts, media, comments, containers, DMs, catalog)
//! is written as `world.json`, and uploaded files beside it under `uploads/`, whenever it
//! changes, and read back at the next start. Tokens are not kept: like Meta after a
//! password change, a restarted sandbox asks the app to log in again.
//!
//! A file that cannot be read (corrupt, or from an incompatible version) is moved aside as
//! `world.json.unreadable` and a fresh world is generated: the sandbox always starts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::demo::Demo;
use super::state::{Inner, Upload};

/// Bumped whenever the world's shape changes incompatibly.
const FORMAT_VERSION: u32 = 1;
const WORLD_FILE: &str = "world.json";
const UPLOADS_DIR: &str = "uploads";
/// How often a changed world is written.
pub const SAVE_EVERY: Duration = Duration::from_secs(2);

/// Why the state folder could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("could not read or write the sandbox state in {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the sandbox state in {path} is unreadable ({reason}); it was moved aside")]
    Unreadable { path: String, reason: String },
}

#[derive(Serialize, Deserialize)]
struct Snapshot {
    version: u32,
    /// The request serial, so upload keys and ids minted later never collide with saved ones.
    serial: u64,
    /// Content type of each saved upload; the bytes are files named by key.
    uploads: HashMap<String, String>,
    world: Demo,
}

/// What a state folder held.
pub struct Restored {
    pub world: Demo,
    pub serial: u64,
    pub uploads: HashMap<String, Upload>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PersistError + '_ {
    move |source| PersistError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Reads the world saved in `dir`; `Ok(None)` when there is none yet.
pub fn load(dir: &Path) -> Result<Option<Restored>, PersistError> {
    let file = dir.join(WORLD_FILE);
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(&file)(e)),
    };
    let snapshot: Snapshot = match serde_json::from_str::<Snapshot>(&text) {
        Ok(s) if s.version == FORMAT_VERSION => s,
        Ok(s) => return Err(set_aside(&file, format!("format version {}", s.version))),
        Err(e) => return Err(set_aside(&file, e.to_string())),
    };
    let mut uploads = HashMap::new();
    for (key, content_type) in snapshot.uploads {
        let path = dir.join(UPLOADS_DIR).join(safe_name(&key));
        match std::fs::read(&path) {
            Ok(bytes) => {
                uploads.insert(
                    key,
                    Upload {
                        bytes: Arc::new(bytes),
                        content_type,
                    },
                );
            }
            // A lost upload only loses that picture: the CDN answers 404 for it.
            Err(e) => tracing::warn!(path = %path.display(), "sandbox upload missing: {e}"),
        }
    }
    Ok(Some(Restored {
        world: snapshot.world,
        serial: snapshot.serial,
        uploads,
    }))
}

fn set_aside(file: &Path, reason: String) -> PersistError {
    let aside = file.with_extension("json.unreadable");
    if let Err(e) = std::fs::rename(file, &aside) {
        tracing::warn!("could not move the unreadable sandbox state aside: {e}");
    }
    PersistError::Unreadable {
        path: file.display().to_string(),
        reason,
    }
}

/// Keys are minted by the sandbox (`u123`), but a file name is never trusted blindly.
fn safe_name(key: &str) -> String {
    key.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Writes the world and the uploads not on disk yet (uploads are write-once files).
pub fn save(inner: &Inner, dir: &Path) -> Result<(), PersistError> {
    let uploads: Vec<(String, Upload)> = inner
        .uploads
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let json = {
        let world = inner.demo();
        let snapshot = SnapshotRef {
            version: FORMAT_VERSION,
            serial: inner.lock().serial,
            uploads: uploads
                .iter()
                .map(|(k, u)| (k.as_str(), u.content_type.as_str()))
                .collect(),
            world: &world,
        };
        serde_json::to_string(&snapshot).map_err(|e| PersistError::Io {
            path: dir.display().to_string(),
            source: std::io::Error::other(e),
        })?
    };
    let upload_dir = dir.join(UPLOADS_DIR);
    std::fs::create_dir_all(&upload_dir).map_err(io(&upload_dir))?;
    for (key, upload) in &uploads {
        let path = upload_dir.join(safe_name(key));
        if !path.exists() {
            write_atomically(&path, &upload.bytes)?;
        }
    }
    write_atomically(&dir.join(WORLD_FILE), json.as_bytes())
}

/// The same shape as [`Snapshot`], borrowing the world instead of cloning it.
#[derive(Serialize)]
struct SnapshotRef<'a> {
    version: u32,
    serial: u64,
    uploads: HashMap<&'a str, &'a str>,
    world: &'a Demo,
}

/// Write to a temporary file, then rename: a crash mid-write never leaves half a world.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), PersistError> {
    let tmp: PathBuf = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Saves every [`SAVE_EVERY`] while the sandbox runs, when the world changed since the last
/// save (must be called inside a tokio runtime).
pub fn start_saver(inner: &Arc<Inner>, dir: PathBuf) {
    let weak = Arc::downgrade(inner);
    tokio::spawn(async move {
        let mut saved: Option<u64> = None;
        let mut tick = tokio::time::interval(SAVE_EVERY);
        loop {
            tick.tick().await;
            let Some(inner) = weak.upgrade() else { break };
            let stopped = inner.stopped.load(Ordering::Relaxed);
            // Read before serializing: changes made meanwhile bump it again and are saved
            // at the next tick.
            let generation = inner.generation.load(Ordering::Acquire);
            if saved == Some(generation) {
                if stopped {
                    break;
                }
                continue;
            }
            let dir = dir.clone();
            let result = tokio::task::spawn_blocking(move || save(&inner, &dir)).await;
            match result {
                Ok(Ok(())) => saved = Some(generation),
                Ok(Err(e)) => tracing::warn!("{e}"),
                Err(e) => tracing::warn!("the sandbox saver stopped: {e}"),
            }
            if stopped {
                break;
            }
        }
    });
}
