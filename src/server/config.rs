//! The `socialdesk server` command line and what it resolves to.
//!
//! The verify token, the app secret and a PostgreSQL URL (which may hold a password) are
//! read into `secrecy` types straight from the arguments or the environment, so `Debug`
//! output and logs show `[REDACTED]`; prefer the environment variables, which stay out of
//! the process list and shell history.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use secrecy::{ExposeSecret, SecretString};

use super::auth::Role;
use super::db::DatabaseLocation;
use super::webhooks::WebhookSecrets;

/// The SQLite file in the data folder when no `--database` is given.
pub const SQLITE_FILE: &str = "server.sqlite3";

/// `socialdesk server …`
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServerArgs {
    #[command(subcommand)]
    pub command: Option<ServerCommand>,
    #[command(flatten)]
    pub serve: ServeArgs,
    /// PostgreSQL URL (postgres://user:password@host/db) for a team's server; without it
    /// the server keeps its data in SQLite in the data folder.
    #[arg(long, global = true, env = "SOCIALDESK_DATABASE_URL", hide_env_values = true,
          value_parser = secret, value_name = "URL")]
    pub database: Option<SecretString>,
}

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Print a one-time code (valid 24 h) a desktop pairs with, as admin, editor or viewer.
    Invite {
        #[arg(long, value_enum)]
        role: Role,
    },
    /// On a desktop: pair with the server at URL using a code from `server invite`.
    Pair {
        /// The server's URL, e.g. https://social.example.com
        url: String,
        /// The one-time code an admin printed.
        code: String,
        /// How the server lists this desktop (default: the host name).
        #[arg(long)]
        device_name: Option<String>,
    },
    /// On an admin's desktop: hand an account's Meta token to the paired server, which keeps
    /// it sealed and publishes with it.
    ShareAccount {
        /// @username or id (default: the active account).
        #[arg(long)]
        account: Option<String>,
    },
    /// On a desktop: schedule a post on the paired server; it publishes even while this
    /// computer sleeps. Pictures are prepared here (cropped to the feed's shapes, JPEG).
    Schedule {
        /// @username or id (default: the active account).
        #[arg(long)]
        account: Option<String>,
        /// A picture file (repeat for a carousel).
        #[arg(long = "image", value_name = "FILE")]
        images: Vec<PathBuf>,
        /// A picture already on the web (repeat for a carousel).
        #[arg(long = "image-url", value_name = "URL")]
        image_urls: Vec<String>,
        #[arg(long, default_value = "")]
        caption: String,
        /// When: `YYYY-MM-DD HH:MM` (local time) or RFC 3339.
        #[arg(long, value_name = "TIME")]
        at: String,
    },
    /// On a desktop: the posts scheduled on the paired server, with who scheduled each.
    Posts {
        #[arg(long)]
        json: bool,
    },
}

impl ServerCommand {
    /// Whether the command runs on a desktop against a paired server (and so needs the
    /// desktop's accounts and secret store) rather than on the server's machine.
    pub fn is_client(&self) -> bool {
        !matches!(self, Self::Invite { .. })
    }
}

/// Options of the server itself.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free one. Put a TLS terminator in front of it:
    /// Meta only calls HTTPS URLs with a valid certificate.
    #[arg(long, default_value = "127.0.0.1:8788", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// The Verify Token typed into the Meta App Dashboard's Webhooks settings.
    #[arg(long, env = "SOCIALDESK_VERIFY_TOKEN", hide_env_values = true, value_parser = secret,
          value_name = "T")]
    pub verify_token: Option<SecretString>,
    /// The Meta app's App Secret (App settings › Basic), which signs every webhook.
    #[arg(long, env = "SOCIALDESK_APP_SECRET", hide_env_values = true, value_parser = secret,
          value_name = "S")]
    pub app_secret: Option<SecretString>,
    /// The key that seals handed-over Meta tokens (created 0600 with a new key when missing;
    /// default `<data-dir>/server.key`). Keep a copy apart from database backups, and give
    /// every replica the same file.
    #[arg(long, env = "SOCIALDESK_KEY_FILE", value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// The server's URL as Meta's crawler reaches it (https://your.host/), where uploaded
    /// JPEGs are served for publishing; default the listening address (fine only for tests).
    #[arg(long, env = "SOCIALDESK_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<url::Url>,
    /// Seconds a replica's claim on a post lasts without renewal: a replica that dies
    /// mid-publish is taken over this long after its last step.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(i64).range(2..=3600),
          value_name = "SECS")]
    pub lease_secs: i64,
    /// How often each replica looks for due posts, in milliseconds.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(100..=60_000),
          value_name = "MS")]
    pub poll_ms: u64,
    /// Posts one replica publishes side by side.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=64),
          value_name = "N")]
    pub publish_workers: u64,
}

/// clap's value parsers return a `Result`, even when nothing can fail.
#[allow(clippy::unnecessary_wraps)]
fn secret(value: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(value))
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no verify token: pass --verify-token or set SOCIALDESK_VERIFY_TOKEN to the Verify Token in Meta's App Dashboard (Webhooks)"
    )]
    MissingVerifyToken,
    #[error(
        "no app secret: pass --app-secret or set SOCIALDESK_APP_SECRET to the App Secret in Meta's App Dashboard (App settings › Basic)"
    )]
    MissingAppSecret,
    #[error(
        "--database takes a postgres:// or postgresql:// URL; leave it out to keep the data in SQLite in the data folder"
    )]
    NotPostgres,
    #[error(
        "the server publishes to Meta's hosts, or to a sandbox given with --meta-url; --sandbox is not supported here"
    )]
    NoEndpoints,
}

/// The key file of the server in `data_dir` when no `--key-file` is given.
pub const KEY_FILE: &str = "server.key";

/// The database the options choose: PostgreSQL with `--database`, else SQLite in `data_dir`.
pub fn database(
    url: Option<&SecretString>,
    data_dir: &Path,
) -> Result<DatabaseLocation, ConfigError> {
    match url {
        Some(url) => {
            let text = url.expose_secret();
            if text.starts_with("postgres://") || text.starts_with("postgresql://") {
                Ok(DatabaseLocation::Postgres(url.clone()))
            } else {
                Err(ConfigError::NotPostgres)
            }
        }
        None => Ok(DatabaseLocation::Sqlite(data_dir.join(SQLITE_FILE))),
    }
}

impl ServeArgs {
    /// Both webhook secrets, or which one is missing; an empty value counts as missing.
    pub fn webhook_secrets(&self) -> Result<WebhookSecrets, ConfigError> {
        let present = |s: &Option<SecretString>| {
            s.as_ref()
                .filter(|s| !s.expose_secret().is_empty())
                .cloned()
        };
        Ok(WebhookSecrets {
            verify_token: present(&self.verify_token).ok_or(ConfigError::MissingVerifyToken)?,
            app_secret: present(&self.app_secret).ok_or(ConfigError::MissingAppSecret)?,
        })
    }
}
