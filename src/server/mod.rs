//! `socialdesk server`: the self-hosted component a team (or one person's home server) runs
//! so that Meta's webhooks have somewhere to arrive and desktops have something to share.
//!
//! This first part receives and stores webhooks (`webhooks`, `payload`), pairs desktops as
//! devices with roles (`devices`, `auth`), serves stored events and the audit log (`events`)
//! and streams new events live (`stream`),
//! over SQLite or PostgreSQL (`db`). The HTTP surface is listed in `routes`. It sits beside
//! the CLI: it may use the engine and below, never the UI, and nothing of the sandbox.

mod auth;
mod config;
mod db;
mod devices;
mod error;
mod events;
mod payload;
mod routes;
mod stream;
mod webhooks;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

pub use auth::Role;
pub use config::{ServeArgs, ServerArgs, ServerCommand};
pub use db::DbError;

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("could not listen on {addr}: {source} (is the port in use? try another --listen)")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the server stopped with an error: {0}")]
    Serve(std::io::Error),
}

/// Runs `socialdesk server [invite]` with `data_dir` as the data folder.
pub async fn run(args: ServerArgs, data_dir: &Path) -> Result<(), ServerError> {
    let location = config::database(args.database.as_ref(), data_dir)?;
    match args.command {
        Some(ServerCommand::Invite { role }) => {
            let db = db::Db::open(&location).await?;
            let code = devices::invite(&db, role).await?;
            println!("{code}");
            let article = if role.name().starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            eprintln!(
                "One-time code for {article} {} device, valid for 24 h: pair the desktop with it.",
                role.name()
            );
            Ok(())
        }
        None => serve(&args.serve, &location).await,
    }
}

/// Migrates the database, listens, prints the address and serves until SIGTERM or Ctrl-C
/// (requests in flight are finished first).
async fn serve(args: &ServeArgs, location: &db::DatabaseLocation) -> Result<(), ServerError> {
    let secrets = args.webhook_secrets()?;
    let db = db::Db::open(location).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|source| ServerError::Bind {
            addr: args.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(ServerError::Serve)?;
    let notifier = Arc::new(stream::Notifier::default());
    let app = routes::router(routes::AppState {
        db,
        webhooks: Arc::new(secrets),
        notifier: Arc::clone(&notifier),
    });
    tracing::info!(%addr, "socialdesk server started");
    println!("socialdesk server listening on http://{addr}/");
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // Open event streams never end by themselves; the shutdown waits for them.
            notifier.stop();
        })
        .await
        .map_err(ServerError::Serve)?;
    tracing::info!("socialdesk server stopped");
    Ok(())
}

/// Resolves on SIGTERM (systemd, containers) or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM ({e}); stop the server with Ctrl-C");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Now, in UNIX seconds (the database's time unit).
fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
