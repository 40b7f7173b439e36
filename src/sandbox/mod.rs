//! A faithful local emulator of Meta's Instagram APIs (the "sandbox").
//!
//! One HTTP root serves Business Login for Instagram and graph.instagram.com at their
//! documented paths, graph.facebook.com and the Facebook Login dialog under `/facebook`,
//! demo images under `/cdn`, and test controls under `/__sandbox`. It deliberately shares no
//! types with the client (`model`, `graph`, `auth`, `ids`), so a misunderstanding of Meta's
//! API cannot hide in both.
//!
//! Module map: `state` (clock, switches, tokens), `demo` (generated accounts and media),
//! `server` (request recording and routing), `oauth` (login pages and token endpoints),
//! `graph` (Graph reads), `fields` (`fields=` parser), `errors` (error shapes),
//! `images` (`/cdn` JPEGs), `control` ([`SandboxControl`] and `/__sandbox`).

mod comments;
mod control;
mod demo;
mod dms;
mod errors;
mod fields;
mod graph;
mod images;
mod oauth;
mod server;
mod state;
mod writes;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

pub use comments::{MediaThreads, SandboxComment};
pub use control::SandboxControl;

/// Username of the demo business account (account_type `Business`).
pub const DEMO_BUSINESS_USERNAME: &str = demo::BUSINESS_USERNAME;
/// Username of the demo creator account (account_type `Media_Creator`).
pub const DEMO_CREATOR_USERNAME: &str = demo::CREATOR_USERNAME;

/// Graph version used in URLs the sandbox builds itself (any `vNN.N` is accepted).
const API_VERSION: &str = "v24.0";

/// How to start a sandbox.
#[derive(Clone, Debug)]
pub struct SandboxOptions {
    /// 0 = any free port; the sandbox always binds 127.0.0.1.
    pub port: u16,
    /// Demo data is deterministic from this (default 42).
    pub seed: u64,
    /// Added to every response.
    pub latency_ms: u64,
    /// 0.0..=1.0: share of Graph calls answered with a transient error.
    pub fail_rate: f64,
    /// `None` = accept any client_id.
    pub app_id: Option<String>,
    /// `None` = accept any client_secret (and skip `appsecret_proof` checks).
    pub app_secret: Option<String>,
    /// Answer the Instagram code exchange as `{"data":[{...}]}` (as documented) instead of
    /// flat (as the live API does).
    pub wrapped_token_response: bool,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            port: 0,
            seed: 42,
            latency_ms: 0,
            fail_rate: 0.0,
            app_id: None,
            app_secret: None,
            wrapped_token_response: false,
        }
    }
}

/// One request as the sandbox received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

/// A running sandbox. Drop or [`Sandbox::shutdown`] stops it.
pub struct Sandbox {
    url: Url,
    inner: Arc<state::Inner>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Binds 127.0.0.1:`port` and serves on the current tokio runtime.
    pub async fn start(options: SandboxOptions) -> std::io::Result<Sandbox> {
        let listener =
            TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, options.port))).await?;
        let addr = listener.local_addr()?;
        let url = Url::parse(&format!("http://{addr}/")).map_err(|e| {
            std::io::Error::other(format!("sandbox address {addr} is not a URL: {e}"))
        })?;
        let inner = Arc::new(state::Inner::new(url.clone(), &options));
        let app = axum::Router::new()
            .fallback(server::handle)
            .with_state(inner.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!("sandbox server stopped with an error: {e}");
            }
        });
        tracing::info!("sandbox listening on {url}");
        Ok(Sandbox {
            url,
            inner,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Root URL, e.g. `http://127.0.0.1:41234/`. Pass it to `Endpoints::sandbox`.
    pub fn url(&self) -> Url {
        self.url.clone()
    }

    /// The switches of this sandbox.
    pub fn control(&self) -> SandboxControl {
        SandboxControl {
            inner: self.inner.clone(),
        }
    }

    /// Stops accepting connections and waits for the server task to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Runs until Ctrl-C; prints the root URL and the demo accounts (for `socialdesk sandbox`).
pub async fn run(options: SandboxOptions) -> std::io::Result<()> {
    let sandbox = Sandbox::start(options).await?;
    {
        let inner = &sandbox.inner;
        let demo = inner.demo();
        println!("socialdesk sandbox listening on {}", sandbox.url());
        println!(
            "  Instagram Login authorize: {}oauth/authorize",
            sandbox.url()
        );
        println!(
            "  Facebook Login dialog:     {}facebook/dialog/oauth",
            sandbox.url()
        );
        println!(
            "  controls:                  {}__sandbox/state",
            sandbox.url()
        );
        for a in &demo.accounts {
            println!(
                "  @{} ({}, IG id {}, {} followers, {} media)",
                a.username,
                a.account_type,
                a.ig_id,
                a.followers,
                demo.feed_of(&a.ig_id).len()
            );
        }
        println!(
            "  Facebook user {} ({}) manages: {}",
            demo.fb_user.name,
            demo.fb_user.id,
            demo.pages
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(())
}
