//! A faithful local emulator of Meta's Instagram APIs (the "sandbox").
//!
//! One HTTP root serves Business Login for Instagram and graph.instagram.com at their
//! documented paths, graph.facebook.com and the Facebook Login dialog under `/facebook`,
//! demo images under `/cdn`, and test controls under `/__sandbox`. It deliberately shares no
//! types with the client (`model`, `graph`, `auth`, `ids`), so a misunderstanding of Meta's
//! API cannot hide in both.
//!
//! HTTP surface (every Graph path also answers with any `vNN.N` prefix or none, and under
//! `/facebook/` with Facebook-Login tokens and scopes):
//! - login: `GET|POST /oauth/authorize`, `POST /oauth/access_token`, `GET /access_token`,
//!   `GET /refresh_access_token`; `GET|POST /facebook/dialog/oauth`,
//!   `GET|POST /facebook/v24.0/oauth/access_token`, `GET /facebook/v24.0/debug_token`
//! - reads: `/me`, `/{ig-id}` with edges `media`, `stories`, `live_media`, `insights` (with
//!   `breakdown`), `conversations`,
//!   `tags`, `content_publishing_limit`, fields `mentioned_comment.comment_id(X){…}` and
//!   `mentioned_media.media_id(X){…}` (+ on Facebook `available_catalogs`,
//!   `catalog_product_search`, `product_appeal`); `/{media-id}` with `children`, `comments`,
//!   `insights` (+ `product_tags`, `collaborators`), field `copyright_check_information`; `/{comment-id}` with `replies`;
//!   `ig_id` on media; `/{container-id}` (`status_code`, `status`, `copyright_check_status`); `/{conversation-id}` with `messages`; `/{message-id}`;
//!   Facebook: `/me` (user), `/me/accounts`, `/{page-id}`, `/{page-id}/conversations`,
//!   `/pages/search?q=` (places for `location_id`), `/ig_hashtag_search?user_id=&q=`,
//!   `/{hashtag-id}` with `top_media`, `recent_media`, `/{ig-id}/recently_searched_hashtags`,
//!   field `business_discovery.username(X){…}` on `/{ig-id}`
//! - writes: `POST /{ig-id}/media`, `/media_publish`, `/messages`, `/mentions`;
//!   `POST /{media}/comments`,
//!   `POST /{comment}/replies`, `POST /{comment}?hide=`, `POST /{media}?comment_enabled=`,
//!   `DELETE /{comment}`; Facebook: `POST|DELETE /{media}/product_tags`,
//!   `POST /{ig-id}/product_appeal`
//! - files: `GET /cdn/<media-id>/full.jpg|thumb.jpg|video.mp4` (a demo video: `videos.rs`), `/cdn/<ig-id>/profile.jpg`,
//!   `/cdn/products/<id>.jpg`, `/cdn/uploads/<key>/<name>`; resumable video upload:
//!   `POST|GET /rupload/ig-api-upload[/vNN.N]/<container-id>` (rupload.facebook.com)
//! - controls: `GET /__sandbox/state`, `POST /__sandbox/clock?advance_secs=`,
//!   `/latency?ms=`, `/faults?fail_rate=` or `?fail_next_writes=N&kind=transient|throttled`, `/usage?percent=&code=`, `/revoke`,
//!   `/live?action=start[&username=][&comment_every_secs=]|end`, `/containers?fail=<subcode>|none`, `/copyright?matches=true|false`, `/rupload?cut_after=N&times=K|none`, `/activity`, `/uploads?filename=` (raw body → URL),
//!   `GET|DELETE /__sandbox/requests` (the last 1,000, secrets shown as `[redacted]`)
//!
//! Module map: `state` (clock, switches, tokens), `demo` (generated accounts and media),
//! `server` (request recording and routing), `request_log` (the bounded, redacted log), `oauth` (login pages and token endpoints),
//! `graph` (Graph reads), `access` (token checks, permissions, usage headers), `paging`
//! (cursors and limits), `params` (list-valued parameters), `fields` (`fields=` parser),
//! `errors` (error shapes), `images` (`/cdn` JPEGs), `writes` (POST/DELETE routing),
//! `publishing` (containers), `moderation` (comments), `insights` (account and media
//! insights), `dms` (Instagram Direct on both logins: conversations, Send API, windows,
//! private replies, limits, incoming messages over time), `shopping` (catalog and product
//! tags), `hashtags` (Hashtag Search and its budget), `discovery` (Business Discovery),
//! `control` ([`SandboxControl`] and `/__sandbox`), `persist` (the optional state
//! folder that keeps the world across restarts), `insights_breakdowns` (media breakdowns),
//! `live` (live broadcasts), `videos` (the demo MP4).

mod access;
mod comments;
mod control;
mod copyright;
mod covers;
mod demo;
mod discovery;
mod dms;
mod errors;
mod fetch;
mod fields;
mod graph;
mod hashtags;
mod images;
mod insights;
mod insights_breakdowns;
mod live;
mod locations;
mod mentions;
mod moderation;
mod oauth;
mod paging;
mod params;
mod persist;
mod publishing;
mod request_log;
mod rupload;
mod server;
mod shopping;
mod state;
mod videos;
mod writes;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

pub use comments::{MediaThreads, SandboxComment};
pub use control::SandboxControl;
pub use state::WriteFault;

/// Username of the demo business account (account_type `Business`).
pub const DEMO_BUSINESS_USERNAME: &str = demo::BUSINESS_USERNAME;
/// Username of the demo creator account (account_type `Media_Creator`).
pub const DEMO_CREATOR_USERNAME: &str = demo::CREATOR_USERNAME;

/// Username of the small demo account (under 100 followers: no demographic insights).
pub const DEMO_SMALL_USERNAME: &str = insights::SMALL_USERNAME;

/// Graph version used in URLs the sandbox builds itself (any `vNN.N` is accepted).
const API_VERSION: &str = "v24.0";

/// How to start a sandbox. `Debug` leaves the app secret out.
#[derive(Clone)]
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
    /// Keep the world in this folder across restarts (`None`: in memory only).
    pub state_dir: Option<std::path::PathBuf>,
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
            state_dir: None,
        }
    }
}

/// One request as the sandbox received it (unredacted, for tests; the body cut at 8 KiB).
/// `Debug` and `GET /__sandbox/requests` mask tokens, secrets and codes so a logged or
/// listed request leaks nothing.
#[derive(Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for SandboxOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxOptions")
            .field("port", &self.port)
            .field("seed", &self.seed)
            .field("latency_ms", &self.latency_ms)
            .field("fail_rate", &self.fail_rate)
            .field("app_id", &self.app_id)
            .field(
                "app_secret",
                &self.app_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("wrapped_token_response", &self.wrapped_token_response)
            .finish_non_exhaustive()
    }
}

/// Parameter names whose values never appear in `Debug` output.
const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "client_secret",
    "code",
    "fb_exchange_token",
    "input_token",
    "appsecret_proof",
];

fn redact_params(raw: &str) -> String {
    url::form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| {
            if SECRET_PARAMS.contains(&k.as_ref()) {
                format!("{k}=<redacted>")
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl std::fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                if k.eq_ignore_ascii_case("authorization") {
                    (k.as_str(), "<redacted>")
                } else {
                    (k.as_str(), v.as_str())
                }
            })
            .collect();
        let body = if self.body.trim_start().starts_with('{') {
            format!("<{} bytes of JSON>", self.body.len())
        } else {
            redact_params(&self.body)
        };
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &redact_params(&self.query))
            .field("body", &body)
            .field("headers", &headers)
            .finish()
    }
}

/// A running sandbox. Drop or [`Sandbox::shutdown`] stops it.
pub struct Sandbox {
    url: Url,
    inner: Arc<state::Inner>,
    state_dir: Option<std::path::PathBuf>,
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
        if let Some(dir) = &options.state_dir {
            persist::start_saver(&inner, dir.clone());
        }
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
            state_dir: options.state_dir.clone(),
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

    /// Writes the world to the state folder now (a no-op without one).
    pub fn save(&self) {
        if let Some(dir) = &self.state_dir
            && let Err(e) = persist::save(&self.inner, dir)
        {
            tracing::warn!("{e}");
        }
    }

    /// Stops accepting connections and waits for the server task to finish.
    pub async fn shutdown(mut self) {
        self.inner
            .stopped
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.save();
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
        self.inner
            .stopped
            .store(true, std::sync::atomic::Ordering::Relaxed);
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
    // New comments and DMs keep arriving so the inbox can be watched live.
    sandbox
        .control()
        .start_activity(std::time::Duration::from_secs(30));
    sandbox
        .control()
        .set_dm_activity(Some(std::time::Duration::from_secs(30)));
    println!("  new comments and messages arrive every 30 s");
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_cross_threads() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>() {}
        send_sync::<SandboxControl>();
        send::<Sandbox>();
    }

    #[test]
    fn debug_output_hides_secrets() {
        let options = SandboxOptions {
            app_secret: Some("topsecret".into()),
            ..Default::default()
        };
        assert!(!format!("{options:?}").contains("topsecret"));
        let request = RecordedRequest {
            method: "POST".into(),
            path: "/oauth/access_token".into(),
            query: "access_token=IGAAsecret&fields=id".into(),
            body: "client_secret=s3cret&code=AQcode&grant_type=authorization_code".into(),
            headers: vec![("authorization".into(), "Bearer IGAAsecret".into())],
        };
        let text = format!("{request:?}");
        for secret in ["IGAAsecret", "s3cret", "AQcode"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("fields=id") && text.contains("grant_type=authorization_code"));
    }
}
