//! The on-disk thumbnail cache: downloaded image bytes keyed by URL, pruned to a byte budget.
//!
//! Files are named by the SHA-256 of the URL without its query string or fragment, because
//! Instagram's CDN URLs carry expiring signatures in the query: the same picture comes back
//! under a new query every day, and should still hit the cache. Reads refresh a file's mtime,
//! so pruning by oldest mtime drops the least recently used thumbnails first.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

/// A sensible default for [`ThumbnailCache::prune`]: about 4,000 grid thumbnails.
pub const DEFAULT_BUDGET_BYTES: u64 = 256 * 1024 * 1024;

/// Extension of finished cache entries; anything else in the folder (temp files) is skipped.
const ENTRY_EXTENSION: &str = "img";

/// Why the cache could not be written or cleaned. Reads never fail: a miss is a miss.
#[derive(Debug, thiserror::Error)]
pub enum ThumbError {
    #[error(
        "could not {action} the thumbnail cache at {path}: {source}; check the folder is writable (it is safe to delete)"
    )]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What a prune removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub files_removed: u64,
    pub bytes_removed: u64,
    pub bytes_kept: u64,
}

/// A folder of cached images. Cheap to clone; every method works on the folder directly,
/// so several engines may share one.
#[derive(Clone, Debug)]
pub struct ThumbnailCache {
    dir: PathBuf,
}

impl ThumbnailCache {
    /// A cache in `dir`; the folder is created on the first [`Self::put`].
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The folder the cache lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cache file for `url` (whether or not it exists).
    pub fn path_for(&self, url: &str) -> PathBuf {
        self.dir
            .join(format!("{}.{ENTRY_EXTENSION}", cache_key(url)))
    }

    /// The cached bytes for `url`, if any. Marks the entry as recently used.
    #[tracing::instrument(skip_all)]
    pub fn get(&self, url: &str) -> Option<Vec<u8>> {
        let path = self.path_for(url);
        let bytes = fs::read(&path).ok()?;
        // Best effort: a failed touch only makes this entry look older to the pruner.
        if let Ok(file) = File::options().write(true).open(&path) {
            let _ = file.set_modified(SystemTime::now());
        }
        Some(bytes)
    }

    /// Stores `bytes` for `url`, replacing any previous entry atomically (temp file + rename),
    /// so a reader never sees half an image.
    #[tracing::instrument(skip_all)]
    pub fn put(&self, url: &str, bytes: &[u8]) -> Result<(), ThumbError> {
        let io_err = |action, path: &Path| {
            let path = path.to_path_buf();
            move |source| ThumbError::Io {
                action,
                path,
                source,
            }
        };
        fs::create_dir_all(&self.dir).map_err(io_err("create", &self.dir))?;
        let target = self.path_for(url);
        let tmp = self.dir.join(format!(
            ".{}.{}.{}.tmp",
            cache_key(url),
            std::process::id(),
            rand::random::<u32>()
        ));
        let write = || -> std::io::Result<()> {
            // 0600: the pictures are the user's own media and DMs.
            let mut file = super::private_files::private_options()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            file.write_all(bytes)?;
            fs::rename(&tmp, &target)
        };
        write().map_err(|source| {
            let _ = fs::remove_file(&tmp);
            io_err("write", &target)(source)
        })
    }

    /// Total size of the cached entries in bytes (0 when the folder does not exist yet).
    #[tracing::instrument(skip_all)]
    pub fn size_bytes(&self) -> u64 {
        self.entries().iter().map(|e| e.size_bytes).sum()
    }

    /// Deletes every cached entry (and stray temp files).
    #[tracing::instrument(skip_all)]
    pub fn clear(&self) -> Result<(), ThumbError> {
        let read = match fs::read_dir(&self.dir) {
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => {
                return Err(ThumbError::Io {
                    action: "list",
                    path: self.dir.clone(),
                    source,
                });
            }
        };
        for entry in read.flatten() {
            let path = entry.path();
            if path.is_file() {
                fs::remove_file(&path).map_err(|source| ThumbError::Io {
                    action: "delete",
                    path,
                    source,
                })?;
            }
        }
        Ok(())
    }

    /// Deletes the least recently used entries until the cache fits in `budget_bytes`.
    #[tracing::instrument(skip_all)]
    pub fn prune(&self, budget_bytes: u64) -> Result<PruneReport, ThumbError> {
        let mut entries = self.entries();
        let mut total: u64 = entries.iter().map(|e| e.size_bytes).sum();
        // Oldest first; the path breaks ties so the order is deterministic.
        entries.sort_by(|a, b| {
            a.modified
                .cmp(&b.modified)
                .then_with(|| a.path.cmp(&b.path))
        });
        let mut report = PruneReport::default();
        for entry in entries {
            if total <= budget_bytes {
                break;
            }
            match fs::remove_file(&entry.path) {
                Ok(()) => {}
                // Another process pruned it first: it is gone either way.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(ThumbError::Io {
                        action: "prune",
                        path: entry.path,
                        source,
                    });
                }
            }
            total -= entry.size_bytes;
            report.files_removed += 1;
            report.bytes_removed += entry.size_bytes;
        }
        report.bytes_kept = total;
        Ok(report)
    }

    fn entries(&self) -> Vec<Entry> {
        let Ok(read) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        read.flatten()
            .filter_map(|entry| {
                let path = entry.path();
                if path.extension().and_then(|e| e.to_str()) != Some(ENTRY_EXTENSION) {
                    return None;
                }
                let meta = entry.metadata().ok().filter(fs::Metadata::is_file)?;
                Some(Entry {
                    size_bytes: meta.len(),
                    modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                    path,
                })
            })
            .collect()
    }
}

struct Entry {
    path: PathBuf,
    size_bytes: u64,
    modified: SystemTime,
}

/// SHA-256 hex of `url` with its query string and fragment removed.
pub fn cache_key(url: &str) -> String {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    hex::encode(Sha256::digest(&url.as_bytes()[..end]))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn set_age(path: &Path, secs_ago: u64) {
        let file = File::options().write(true).open(path).expect("open");
        file.set_modified(SystemTime::now() - Duration::from_secs(secs_ago))
            .expect("set mtime");
    }

    #[test]
    fn key_ignores_query_and_fragment() {
        let a = cache_key("https://cdn.example/p/1.jpg?sig=abc&oe=1");
        let b = cache_key("https://cdn.example/p/1.jpg?sig=xyz");
        let c = cache_key("https://cdn.example/p/1.jpg#frag");
        let d = cache_key("https://cdn.example/p/2.jpg?sig=abc");
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_ne!(a, d);
        assert_eq!(a.len(), 64);
        assert_eq!(
            cache_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[cfg(unix)]
    #[test]
    fn cached_files_are_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = ThumbnailCache::new(dir.path().join("thumbs"));
        cache.put("https://x/a.jpg", b"jpeg").expect("put");
        assert_eq!(
            crate::store::private_files::mode_of(&cache.path_for("https://x/a.jpg")),
            0o600
        );
    }

    #[test]
    fn put_get_size_and_clear() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = ThumbnailCache::new(dir.path().join("thumbs"));
        assert_eq!(cache.get("https://x/a.jpg"), None);
        assert_eq!(cache.size_bytes(), 0);
        cache.clear().expect("clearing a missing folder is fine");

        cache.put("https://x/a.jpg?sig=1", b"first").expect("put");
        assert_eq!(
            cache.get("https://x/a.jpg?sig=2").as_deref(),
            Some(&b"first"[..])
        );
        cache
            .put("https://x/a.jpg?sig=3", b"second!")
            .expect("replace");
        cache.put("https://x/b.jpg", b"bb").expect("put");
        assert_eq!(
            cache.get("https://x/a.jpg").as_deref(),
            Some(&b"second!"[..])
        );
        assert_eq!(cache.size_bytes(), 7 + 2);

        cache.clear().expect("clear");
        assert_eq!(cache.size_bytes(), 0);
        assert_eq!(cache.get("https://x/b.jpg"), None);
    }

    #[test]
    fn prune_drops_least_recently_used_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = ThumbnailCache::new(dir.path().to_path_buf());
        for (name, age) in [("old", 300), ("mid", 200), ("new", 100)] {
            let url = format!("https://x/{name}.jpg");
            cache.put(&url, &[0u8; 100]).expect("put");
            set_age(&cache.path_for(&url), age);
        }
        // Reading "old" makes it the most recently used.
        assert!(cache.get("https://x/old.jpg").is_some());

        let report = cache.prune(250).expect("prune");
        assert_eq!(report.files_removed, 1);
        assert_eq!(report.bytes_removed, 100);
        assert_eq!(report.bytes_kept, 200);
        assert!(
            cache.get("https://x/mid.jpg").is_none(),
            "mid was least recently used"
        );
        assert!(cache.get("https://x/old.jpg").is_some());
        assert!(cache.get("https://x/new.jpg").is_some());

        let report = cache.prune(0).expect("prune all");
        assert_eq!(report.files_removed, 2);
        assert_eq!(cache.size_bytes(), 0);
    }

    #[test]
    fn stray_temp_files_are_not_counted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = ThumbnailCache::new(dir.path().to_path_buf());
        fs::write(dir.path().join(".abc.1.2.tmp"), [0u8; 50]).expect("write");
        cache.put("https://x/a.jpg", &[0u8; 10]).expect("put");
        assert_eq!(cache.size_bytes(), 10);
        cache.clear().expect("clear");
        assert_eq!(fs::read_dir(dir.path()).expect("read_dir").count(), 0);
    }
}
