//! A throwaway PostgreSQL 15 cluster for one test: `initdb` in a temporary folder, started on
//! a free port on 127.0.0.1 with its socket in that folder, stopped and deleted on drop.
//!
//! PostgreSQL refuses to run as root, so as root (CI, these machines) every command runs as
//! the `postgres` user through `runuser`, and the folder is handed to that user. Debian's
//! `postgresql` package provides both (`.ci/run` installs it). Without `initdb` the caller
//! prints `SKIPPED: …` and returns; any other failure to start fails the test.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where Debian's `postgresql` package puts PostgreSQL 15's programs.
const BIN_DIR: &str = "/usr/lib/postgresql/15/bin";

/// A running cluster; dropping it stops the server and deletes its files.
pub struct Postgres {
    dir: tempfile::TempDir,
    port: u16,
    as_root: bool,
}

impl Postgres {
    /// Starts a cluster, or `None` (with a printed `SKIPPED:` line naming `test`) when
    /// PostgreSQL 15 is not installed. Panics if it is installed but cannot start.
    pub fn start(test: &str) -> Option<Self> {
        let initdb = Path::new(BIN_DIR).join("initdb");
        if !initdb.exists() {
            println!(
                "SKIPPED: {test}: {} is absent (apt-get install postgresql)",
                initdb.display()
            );
            return None;
        }
        let as_root = std::fs::metadata("/proc/self").map(|m| m.uid()).ok() == Some(0);
        let dir = tempfile::tempdir().expect("temp dir");
        if as_root {
            let chown = Command::new("chown")
                .arg("postgres:postgres")
                .arg(dir.path())
                .output()
                .expect("run chown");
            assert_ok("chown the cluster folder to postgres", &chown);
        }
        let port = free_port();
        let pg = Self { dir, port, as_root };
        let data = pg.data_dir();
        let init = pg.run(
            "initdb",
            &[
                "-D",
                path_str(&data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        assert_ok("initdb", &init);
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            path_str(pg.dir.path())
        );
        let log = pg.dir.path().join("postgres.log");
        let start = pg.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&data),
                "-o",
                &options,
                "-l",
                path_str(&log),
                "-w",
                "start",
            ],
        );
        if !start.status.success() {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            panic!(
                "PostgreSQL did not start: {}\n{log}",
                String::from_utf8_lossy(&start.stderr)
            );
        }
        Some(pg)
    }

    /// A URL for `database` as the superuser `postgres` (no password: trust on loopback).
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates an empty database.
    pub fn create_database(&self, name: &str) {
        let out = self.run(
            "createdb",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                name,
            ],
        );
        assert_ok("createdb", &out);
    }

    /// A plain-SQL dump of `database`, as a backup would hold it.
    pub fn dump(&self, database: &str) -> String {
        let out = self.run(
            "pg_dump",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                database,
            ],
        );
        assert_ok("pg_dump", &out);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs one of PostgreSQL's programs, as `postgres` when we are root.
    fn run(&self, program: &str, args: &[&str]) -> Output {
        let program = Path::new(BIN_DIR).join(program);
        let mut command = if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run a PostgreSQL program")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data_dir();
        // Best effort: the folder is deleted next either way.
        let _ = self.run(
            "pg_ctl",
            &["-D", path_str(&data), "-m", "immediate", "stop"],
        );
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

fn assert_ok(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
