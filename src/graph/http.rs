//! The HTTP clients of the client side, built in one place.
//!
//! Like octocrab's one client, the app builds its `reqwest` clients once (`Core` owns the
//! set) and hands them to whoever talks HTTP — the Graph client, rupload, file hosting,
//! image downloads — so every request carries the same user agent, timeouts and redirect
//! policy, and shares one connection pool per purpose. The purposes differ only where they
//! must: uploads may take minutes, and image downloads (which carry no credentials) may follow
//! a CDN's redirects, while anything that carries a token or a signature never follows one to
//! another host. The sandbox builds its own: it shares nothing with the client side.

use std::time::Duration;

use super::{ErrorKind, GraphError};

/// The user agent of every request: `socialdesk/<version>`.
pub const USER_AGENT: &str = concat!("socialdesk/", env!("CARGO_PKG_VERSION"));
/// The longest wait for a TCP/TLS connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest time one API exchange may take.
const API_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest gap between two reads of an answer (a stalled link ends instead of hanging).
/// Not for uploads: while a large body goes out, the server rightly sends nothing.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one upload may take in total (1 GB at ~2 MB/s).
const UPLOAD_TIMEOUT: Duration = Duration::from_mins(10);
/// Redirects an image download follows (CDNs redirect; no credentials go along).
const DOWNLOAD_REDIRECTS: usize = 5;

/// The clients, one per purpose. Cheap to clone: clones share the connection pools.
#[derive(Clone, Debug)]
pub struct HttpClients {
    /// Graph API calls and the sandbox's login pages: 30 s per exchange, no redirects (one
    /// could carry the bearer token to another host).
    pub api: reqwest::Client,
    /// File bodies: rupload, S3 presigned PUTs, the sandbox's upload endpoint. Ten minutes per
    /// request, no redirects (the URL or headers carry a token or a signature).
    pub uploads: reqwest::Client,
    /// Pictures from Meta's CDN: 30 s, up to 5 redirects.
    pub downloads: reqwest::Client,
}

impl HttpClients {
    /// Builds the set; fails only when the TLS stack cannot be set up.
    pub fn new() -> Result<Self, GraphError> {
        Ok(Self {
            api: build(
                base().timeout(API_TIMEOUT).read_timeout(READ_TIMEOUT),
                "Graph API calls",
            )?,
            uploads: build(base().timeout(UPLOAD_TIMEOUT), "uploads")?,
            downloads: build(
                base()
                    .timeout(API_TIMEOUT)
                    .read_timeout(READ_TIMEOUT)
                    .redirect(reqwest::redirect::Policy::limited(DOWNLOAD_REDIRECTS)),
                "image downloads",
            )?,
        })
    }

    /// A client for the sandbox's emulated browser to reach the app's own login listener on
    /// 127.0.0.1, whose HTTPS certificate is generated per login and so cannot be verified.
    /// Never used for anything but that loopback address.
    pub fn loopback_browser() -> Result<reqwest::Client, GraphError> {
        build(
            base()
                .timeout(API_TIMEOUT)
                .danger_accept_invalid_certs(true),
            "the sandbox browser",
        )
    }
}

/// What every client shares: rustls, the user agent, the connect timeout, no redirects.
fn base() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .use_rustls_tls()
        .user_agent(USER_AGENT)
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
}

fn build(builder: reqwest::ClientBuilder, purpose: &str) -> Result<reqwest::Client, GraphError> {
    builder.build().map_err(|e| {
        GraphError::new(
            ErrorKind::Other,
            format!(
                "could not set up HTTPS for {purpose}: {}; check the system's TLS settings",
                e.without_url()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_agent_names_the_app_and_its_version() {
        assert_eq!(
            USER_AGENT,
            format!("socialdesk/{}", env!("CARGO_PKG_VERSION"))
        );
        HttpClients::new().expect("clients build");
    }
}
