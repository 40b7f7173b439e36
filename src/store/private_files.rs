//! Files that hold user data (the database, logs, cached pictures) are private to the user:
//! created 0600 from the start, and brought back to 0600 when an older build left them
//! readable by others. Elsewhere than on unix these are plain file operations.

use std::fs::OpenOptions;
use std::io;
use std::path::Path;

/// The mode of every file socialdesk writes user data to.
#[cfg(unix)]
pub const PRIVATE_MODE: u32 = 0o600;

/// `OpenOptions` that create a file 0600, so there is no moment at which it is readable by
/// other users (the umask can only remove bits).
pub fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(PRIVATE_MODE);
    }
    options
}

/// Sets `path` to 0600 if it exists and others may read or write it (a file created by an
/// older build, or by SQLite). A missing file is fine.
pub fn restrict(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match std::fs::metadata(path) {
            Ok(meta) => meta.permissions().mode(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if mode.trailing_zeros() >= 6 {
            return Ok(());
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(PRIVATE_MODE))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// The permission bits of `path` (tests).
#[cfg(all(test, unix))]
pub fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).map_or_else(
        |e| panic!("{}: {e}", path.display()),
        |m| m.permissions().mode() & 0o777,
    )
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn files_are_created_private_and_old_ones_made_private() {
        let dir = tempfile::tempdir().expect("temp dir");
        let new = dir.path().join("new");
        private_options()
            .write(true)
            .create_new(true)
            .open(&new)
            .expect("create");
        assert_eq!(mode_of(&new), 0o600);
        let old = dir.path().join("old");
        std::fs::write(&old, b"x").expect("write");
        std::fs::set_permissions(&old, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .expect("chmod");
        restrict(&old).expect("restrict");
        assert_eq!(mode_of(&old), 0o600);
        restrict(&dir.path().join("missing")).expect("a missing file is fine");
    }
}
