//! `socialdesk server`: the self-hosted component a team (or one person's home server) runs
//! so that Meta's webhooks have somewhere to arrive and desktops have something to share.
//!
//! This first part receives and stores webhooks (`webhooks`, `payload`), pairs desktops as
//! devices with roles (`devices`, `auth`), serves stored events and the audit log (`events`)
//! and streams new events live (`stream`), keeps the accounts an admin hands over with their
//! Meta tokens sealed (`accounts`, `sealing`), the team's scheduled posts (`posts`) and
//! publishes them when due (`publisher`, in every replica),
//! over SQLite or PostgreSQL (`db`). The HTTP surface is listed in `routes`. It sits beside
//! the CLI: it may use the engine and below, never the UI, and nothing of the sandbox.

mod accounts;
mod auth;
pub mod client;
mod config;
mod db;
mod devices;
mod error;
mod events;
mod payload;
mod posts;
mod publisher;
mod routes;
mod sealing;
mod stream;
mod webhooks;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

pub use auth::Role;
pub use config::{ServeArgs, ServerArgs, ServerCommand};
pub use db::DbError;

use crate::config::Endpoints;
use crate::graph::GraphClient;

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
    #[error(transparent)]
    Key(#[from] sealing::SealError),
    #[error("could not set up the Graph API client: {0}")]
    Graph(#[from] crate::graph::GraphError),
    #[error("this `server` subcommand runs on a desktop, through the command line's server client")]
    ClientCommand,
    #[error("the public URL {0} cannot be used: {1}")]
    PublicUrl(String, url::ParseError),
}

/// Runs `socialdesk server [invite]` with `data_dir` as the data folder, publishing to
/// `endpoints` (Meta's hosts, or a sandbox's).
pub async fn run(
    args: ServerArgs,
    data_dir: &Path,
    endpoints: Option<Endpoints>,
) -> Result<(), ServerError> {
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
        Some(_) => Err(ServerError::ClientCommand),
        None => {
            let endpoints = endpoints.ok_or(config::ConfigError::NoEndpoints)?;
            serve(&args.serve, &location, data_dir, endpoints).await
        }
    }
}

/// Migrates the database, listens, prints the address and serves until SIGTERM or Ctrl-C
/// (requests in flight are finished first).
async fn serve(
    args: &ServeArgs,
    location: &db::DatabaseLocation,
    data_dir: &Path,
    endpoints: Endpoints,
) -> Result<(), ServerError> {
    let secrets = args.webhook_secrets()?;
    let key_file = args
        .key_file
        .clone()
        .unwrap_or_else(|| data_dir.join(config::KEY_FILE));
    let key = Arc::new(sealing::TokenKey::load_or_create(&key_file)?);
    let graph = GraphClient::new(endpoints)?;
    let db = db::Db::open(location).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|source| ServerError::Bind {
            addr: args.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(ServerError::Serve)?;
    let public_url = match &args.public_url {
        Some(url) => url.clone(),
        None => {
            let text = format!("http://{addr}/");
            url::Url::parse(&text).map_err(|e| ServerError::PublicUrl(text, e))?
        }
    };
    let notifier = Arc::new(stream::Notifier::default());
    let app = routes::router(routes::AppState {
        db: db.clone(),
        webhooks: Arc::new(secrets),
        notifier: Arc::clone(&notifier),
        key: Arc::clone(&key),
        graph: graph.clone(),
        public_url: public_url.clone(),
    });
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    let publisher = tokio::spawn(publisher::run(
        db,
        key,
        graph,
        publisher::PublisherConfig {
            owner: publisher::owner_name(),
            lease_secs: args.lease_secs,
            poll: std::time::Duration::from_millis(args.poll_ms),
            workers: usize::try_from(args.publish_workers).unwrap_or(8),
            public_url,
        },
        async move {
            let mut stopped = stopped;
            let _ = stopped.wait_for(|s| *s).await;
        },
    ));
    tracing::info!(%addr, "socialdesk server started");
    println!("socialdesk server listening on http://{addr}/");
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            let _ = stopping.send(true);
            // Open event streams never end by themselves; the shutdown waits for them.
            notifier.stop();
        })
        .await
        .map_err(ServerError::Serve)?;
    let _ = publisher.await;
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
