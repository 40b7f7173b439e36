//! Log setup: daily files in the logs directory (the last week kept) plus warnings on stderr.
//!
//! Rotation is `tracing-appender`'s (`socialdesk.YYYY-MM-DD.log`, UTC days, older files
//! deleted), so the log cannot grow without end. The files name accounts, media and the people
//! the user talks to, so they are created 0600 like every user-data file: the appender opens
//! its files with default permissions, so [`PrivateDailyLog`] creates each day's file 0600
//! before the appender opens it (and the logs folder is made 0700 in case one slips through a
//! rotation at midnight). Nothing in socialdesk puts a token or secret into a log field; the
//! tests check the log output of a whole login and sync for them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};

use chrono::{Datelike, NaiveDate, Utc};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

use crate::store::private_files;

/// Log files are `socialdesk.<day>.log`.
const FILE_PREFIX: &str = "socialdesk";
const FILE_SUFFIX: &str = "log";
/// Days of logs kept (one file a day).
const KEEP_FILES: usize = 7;

/// Installs the global subscriber. `RUST_LOG` overrides the default level (info for the
/// file, warn for stderr). Returns today's log file path on success.
pub fn init(logs_dir: &Path) -> Option<PathBuf> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,wgpu=warn,eframe=warn,egui_wgpu=warn,naga=warn"));
    let stderr = std::io::stderr.with_max_level(tracing::Level::WARN);
    let result = match PrivateDailyLog::open(logs_dir) {
        Ok(file) => {
            let path = path_for(logs_dir, Utc::now().date_naive());
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(false)
                .with_writer(file.and(stderr))
                .try_init()
                .map(|()| Some(path))
        }
        // No log file (a read-only or full disk): warnings still reach stderr.
        Err(_) => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(stderr)
            .try_init()
            .map(|()| None),
    };
    result.ok().flatten()
}

/// A daily-rotated log whose files are created 0600.
pub struct PrivateDailyLog {
    dir: PathBuf,
    appender: RollingFileAppender,
    /// Today's date (UTC, as the appender counts days).
    today: fn() -> NaiveDate,
    /// The day whose file was last made private (days from the common era), so the check
    /// runs once a day rather than once a line.
    ensured: AtomicI32,
}

impl PrivateDailyLog {
    /// Creates the folder (0700) and today's file (0600), then the appender over them.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        Self::open_with_clock(dir, || Utc::now().date_naive())
    }

    fn open_with_clock(dir: &Path, today: fn() -> NaiveDate) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        restrict_dir(dir);
        // Today's file must exist 0600 before the appender opens it.
        let day = today();
        ensure_private(dir, day)?;
        let appender = RollingFileAppender::builder()
            .rotation(Rotation::DAILY)
            .filename_prefix(FILE_PREFIX)
            .filename_suffix(FILE_SUFFIX)
            .max_log_files(KEEP_FILES)
            .build(dir)
            .map_err(std::io::Error::other)?;
        Ok(Self {
            dir: dir.to_owned(),
            appender,
            today,
            ensured: AtomicI32::new(day.num_days_from_ce()),
        })
    }
}

/// The file the appender writes on `day`.
pub fn path_for(dir: &Path, day: NaiveDate) -> PathBuf {
    dir.join(format!(
        "{FILE_PREFIX}.{}.{FILE_SUFFIX}",
        day.format("%Y-%m-%d")
    ))
}

/// Creates `day`'s file 0600, or makes it 0600 if the appender got there first.
fn ensure_private(dir: &Path, day: NaiveDate) -> std::io::Result<()> {
    let path = path_for(dir, day);
    private_files::private_options()
        .create(true)
        .append(true)
        .open(&path)?;
    private_files::restrict(&path)
}

impl<'a> MakeWriter<'a> for PrivateDailyLog {
    type Writer = <RollingFileAppender as MakeWriter<'a>>::Writer;

    fn make_writer(&'a self) -> Self::Writer {
        let day = (self.today)();
        let key = day.num_days_from_ce();
        if self.ensured.swap(key, Ordering::Relaxed) != key {
            // Best effort: a failure must not cost the log line; the appender still writes.
            let _ = ensure_private(&self.dir, day);
        }
        self.appender.make_writer()
    }
}

/// Makes the logs folder 0700 (best effort: logging has not started, so no one to tell).
fn restrict_dir(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(all(test, unix))]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::store::private_files::mode_of;

    fn tomorrow() -> NaiveDate {
        Utc::now().date_naive() + chrono::Days::new(1)
    }

    /// Today for the first call (opening the log), tomorrow after: a rotation at midnight.
    fn midnight_passes() -> NaiveDate {
        static CALLS: AtomicI32 = AtomicI32::new(0);
        if CALLS.fetch_add(1, Ordering::Relaxed) == 0 {
            Utc::now().date_naive()
        } else {
            tomorrow()
        }
    }

    #[test]
    fn the_log_files_are_private_and_named_by_day() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = PrivateDailyLog::open(dir.path()).expect("opened");
        log.make_writer().write_all(b"a line\n").expect("written");
        // The appender wrote where `path_for` says: had the names differed, it would have
        // created its own file with default permissions.
        let today = path_for(dir.path(), Utc::now().date_naive());
        assert!(
            std::fs::read_to_string(&today)
                .expect("today's file")
                .contains("a line")
        );
        for entry in std::fs::read_dir(dir.path()).expect("list") {
            let path = entry.expect("entry").path();
            assert_eq!(mode_of(&path), 0o600, "{}", path.display());
        }
        assert_eq!(mode_of(dir.path()), 0o700);
    }

    #[test]
    fn the_next_days_file_is_created_private_before_the_appender_rotates_to_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = PrivateDailyLog::open_with_clock(dir.path(), midnight_passes).expect("opened");
        let rotated = path_for(dir.path(), tomorrow());
        assert!(!rotated.exists(), "not before the day changes");
        drop(log.make_writer());
        assert!(rotated.exists(), "{}", rotated.display());
        assert_eq!(mode_of(&rotated), 0o600);
    }
}
