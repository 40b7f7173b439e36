//! The loopback listener that receives the login redirect (RFC 8252 §7.3).
//!
//! It binds 127.0.0.1 only, serves `GET /callback` over http or https (self-signed), checks
//! the redirect (state, denial, code), shows the browser a short page, and reports the first
//! callback for this login (its `state` matches). Requests that are not that callback (a
//! stray path, a wrong `state`, no parameters) get an error page and the listener keeps
//! waiting, so another local program cannot end or spoil the login; the login flow's own
//! deadline bounds the wait. Each connection has [`CONNECTION_TIMEOUT`] to finish and at most
//! [`MAX_CONNECTIONS`] are served at once, so idle sockets cannot pin it. After the callback
//! it stops accepting connections; dropping it stops it at once.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use url::Url;

use super::AuthError;
use super::redirect::code_from_redirect;
use super::tls::LoopbackCert;
use crate::model::LoginKind;

/// The path of the redirect URI.
pub const CALLBACK_PATH: &str = "/callback";

/// How long open connections may take to finish after the callback was answered.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one connection may take from accept to answer (TLS handshake included): a
/// browser sends its request at once; a socket that sends nothing is dropped.
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);

/// How many connections are served at once; more wait in the kernel's backlog until one
/// ends, so a flood of idle sockets cannot exhaust memory or file descriptors.
pub const MAX_CONNECTIONS: usize = 32;

/// Where and how to listen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoopbackOptions {
    /// Must match the redirect URI registered in the Meta app; 0 = any free port.
    pub port: u16,
    /// Serve https with a certificate generated now.
    pub https: bool,
}

/// The per-connection bounds: [`CONNECTION_TIMEOUT`] and [`MAX_CONNECTIONS`] unless a test
/// shortens them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ConnectionLimits {
    pub timeout: Duration,
    pub max_open: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            timeout: CONNECTION_TIMEOUT,
            max_open: MAX_CONNECTIONS,
        }
    }
}

/// The outcome of the callback: the authorization code or why there is none.
pub(crate) type CallbackOutcome = Result<String, AuthError>;

/// A running listener. Dropping it stops it.
pub(crate) struct LoopbackListener {
    pub redirect_uri: Url,
    pub cert: Option<LoopbackCert>,
    pub outcomes: mpsc::Receiver<CallbackOutcome>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl LoopbackListener {
    /// Binds 127.0.0.1:`port` and starts serving.
    pub async fn start(
        options: LoopbackOptions,
        state: String,
        kind: LoginKind,
    ) -> Result<Self, AuthError> {
        Self::start_with_limits(options, state, kind, ConnectionLimits::default()).await
    }

    /// [`Self::start`] with other connection bounds.
    pub(crate) async fn start_with_limits(
        options: LoopbackOptions,
        state: String,
        kind: LoginKind,
        limits: ConnectionLimits,
    ) -> Result<Self, AuthError> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, options.port));
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| AuthError::Bind {
                port: options.port,
                source,
            })?;
        let port = listener
            .local_addr()
            .map_err(|source| AuthError::Bind {
                port: options.port,
                source,
            })?
            .port();
        let cert = if options.https {
            Some(LoopbackCert::generate()?)
        } else {
            None
        };
        let scheme = if options.https { "https" } else { "http" };
        // Meta's dashboards register `localhost`; the listener itself is bound to 127.0.0.1 only.
        let redirect_uri = Url::parse(&format!("{scheme}://localhost:{port}{CALLBACK_PATH}"))
            .map_err(|e| AuthError::AuthorizeUrl(e.to_string()))?;
        let (tx, outcomes) = mpsc::channel(1);
        let (stop, stop_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            state,
            kind,
            redirect_uri: redirect_uri.clone(),
            done: AtomicBool::new(false),
            outcome_tx: tx,
            stop: stop.clone(),
        });
        let acceptor = cert.as_ref().map(|c| c.acceptor.clone());
        let task = tokio::spawn(serve(listener, acceptor, shared, stop_rx, limits));
        tracing::info!(port, https = options.https, "login listener started");
        Ok(Self {
            redirect_uri,
            cert,
            outcomes,
            stop,
            task: Some(task),
        })
    }

    /// Stops accepting but lets the pages already requested finish (the browser still gets
    /// its "you can close this tab" page).
    pub fn finish(mut self) {
        let _ = self.stop.send(true);
        // Detach: the task ends on its own after draining.
        self.task.take();
    }
}

impl Drop for LoopbackListener {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

struct Shared {
    state: String,
    kind: LoginKind,
    redirect_uri: Url,
    /// Set once the one valid callback was handled.
    done: AtomicBool,
    outcome_tx: mpsc::Sender<CallbackOutcome>,
    stop: watch::Sender<bool>,
}

async fn serve(
    listener: TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
    limits: ConnectionLimits,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            // Not polled while `max_open` are open: the next one waits in the backlog.
            accepted = listener.accept(), if connections.len() < limits.max_open => {
                let Ok((stream, peer)) = accepted else { continue };
                if !peer.ip().is_loopback() {
                    continue;
                }
                let (shared, acceptor) = (shared.clone(), acceptor.clone());
                connections.spawn(async move {
                    let served = tokio::time::timeout(
                        limits.timeout,
                        accept_and_serve(stream, acceptor, shared),
                    );
                    if served.await.is_err() {
                        tracing::debug!("login listener connection timed out");
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    tracing::debug!("login listener closed");
}

/// The TLS handshake (when https) and the HTTP exchange of one connection.
async fn accept_and_serve(
    stream: tokio::net::TcpStream,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
) {
    match acceptor {
        Some(acceptor) => match acceptor.accept(stream).await {
            Ok(tls) => serve_connection(TokioIo::new(tls), shared).await,
            Err(e) => tracing::debug!(error = %e, "TLS handshake failed (browser warning page?)"),
        },
        None => serve_connection(TokioIo::new(stream), shared).await,
    }
}

async fn serve_connection<I>(io: I, shared: Arc<Shared>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let shared = shared.clone();
        async move { Ok::<_, Infallible>(handle(req, &shared).await) }
    });
    // `half_close`: a client that shuts its write side right after the request (curl
    // scripts, some proxies) still gets the answer instead of a dropped connection.
    let result = hyper::server::conn::http1::Builder::new()
        .keep_alive(false)
        .half_close(true)
        .serve_connection(io, service)
        .await;
    if let Err(e) = result {
        tracing::debug!(error = %e, "login listener connection ended with an error");
    }
}

async fn handle(req: Request<Incoming>, shared: &Shared) -> Response<String> {
    if req.method() != Method::GET || req.uri().path() != CALLBACK_PATH {
        return page(
            StatusCode::NOT_FOUND,
            "Not found",
            "This address is not part of the login.",
        );
    }
    if shared.done.load(Ordering::SeqCst) {
        return page(
            StatusCode::GONE,
            "Already done",
            "This login has already finished. You can close this tab and return to socialdesk.",
        );
    }
    let mut full = shared.redirect_uri.clone();
    full.set_query(req.uri().query());
    let outcome = code_from_redirect(full.as_str(), &shared.state, shared.kind);
    // Only a callback for this login ends it; a stray request without any login parameters
    // (a browser prefetch, a bookmark) is answered and ignored.
    if let Err(AuthError::InvalidRedirect { .. }) = outcome {
        return page(
            StatusCode::BAD_REQUEST,
            "Not a login answer",
            "This page expects the redirect from the login window. Return to socialdesk.",
        );
    }
    // A wrong state is not this login's answer (an old tab, or another program guessing):
    // ending the login on it would let anyone on the machine cancel it, so it is refused
    // and the listener keeps waiting for the real one.
    if let Err(AuthError::StateMismatch) = outcome {
        tracing::warn!("login callback with a wrong state ignored");
        return page(
            StatusCode::BAD_REQUEST,
            "Not this login",
            "This answer does not belong to the login in progress. Finish the login in the window socialdesk opened.",
        );
    }
    if shared.done.swap(true, Ordering::SeqCst) {
        return page(
            StatusCode::GONE,
            "Already done",
            "This login has already finished.",
        );
    }
    let response = match &outcome {
        Ok(_) => page(
            StatusCode::OK,
            "Login received",
            "You can close this tab and return to socialdesk.",
        ),
        Err(e) => page(
            StatusCode::BAD_REQUEST,
            "Nothing was connected",
            &e.to_string(),
        ),
    };
    let _ = shared.outcome_tx.send(outcome).await;
    let _ = shared.stop.send(true);
    response
}

/// A small self-contained HTML page for the browser tab.
fn page(status: StatusCode, title: &str, text: &str) -> Response<String> {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>socialdesk — {t}</title></head>\
         <body style=\"font-family:sans-serif;max-width:32em;margin:4em auto\"><h1>{t}</h1><p>{x}</p></body></html>",
        t = html_escape(title),
        x = html_escape(text)
    );
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    resp
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(url: &str) -> (u16, String) {
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .expect("client");
        let r = client.get(url).send().await.expect("request");
        (r.status().as_u16(), r.text().await.expect("body"))
    }

    #[tokio::test]
    async fn serves_one_valid_callback_then_closes() {
        let mut l = LoopbackListener::start(
            LoopbackOptions::default(),
            "S1".into(),
            LoginKind::Instagram,
        )
        .await
        .expect("listener");
        let base = l.redirect_uri.as_str().replace("localhost", "127.0.0.1");
        assert_eq!(get(&base.replace("/callback", "/favicon.ico")).await.0, 404);
        assert_eq!(get(&base).await.0, 400, "no parameters: ignored");
        let (status, body) = get(&format!("{base}?code=abc&state=S1")).await;
        assert_eq!(status, 200);
        assert!(body.contains("You can close this tab and return to socialdesk"));
        assert_eq!(
            l.outcomes.recv().await.expect("outcome").expect("code"),
            "abc"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        let client = reqwest::Client::new();
        assert!(
            client
                .get(format!("{base}?code=x&state=S1"))
                .send()
                .await
                .is_err(),
            "listener closed"
        );
    }

    /// Sends `request` on a raw socket, optionally shuts the write side at once, and reads
    /// the whole answer.
    async fn raw_exchange(port: u16, request: &str, half_close: bool) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .await
            .expect("connect");
        s.write_all(request.as_bytes()).await.expect("write");
        if half_close {
            s.shutdown().await.expect("half-close");
        }
        let mut answer = Vec::new();
        // A reset after a dropped connection ends the answer like a close would.
        let _ = s.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).into_owned()
    }

    fn callback_request(query: &str) -> String {
        format!("GET /callback?{query} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    }

    async fn listener(state: &str, limits: ConnectionLimits) -> (LoopbackListener, u16) {
        let l = LoopbackListener::start_with_limits(
            LoopbackOptions::default(),
            state.into(),
            LoginKind::Instagram,
            limits,
        )
        .await
        .expect("listener");
        let port = l.redirect_uri.port().expect("port");
        (l, port)
    }

    #[tokio::test]
    async fn a_wrong_state_is_refused_and_the_login_goes_on() {
        let (mut l, port) = listener("S3", ConnectionLimits::default()).await;
        let base = format!("http://127.0.0.1:{port}/callback");
        let (status, body) = get(&format!("{base}?code=evil&state=WRONG")).await;
        assert_eq!(status, 400);
        assert!(body.contains("Not this login"), "{body}");
        assert_eq!(get(&format!("http://127.0.0.1:{port}/other")).await.0, 404);
        assert!(l.outcomes.try_recv().is_err(), "nothing ended the login");
        let (status, _) = get(&format!("{base}?code=good&state=S3")).await;
        assert_eq!(status, 200);
        assert_eq!(
            l.outcomes.recv().await.expect("outcome").expect("code"),
            "good"
        );
    }

    #[tokio::test]
    async fn a_client_that_half_closes_still_gets_its_answer() {
        let (mut l, port) = listener("S4", ConnectionLimits::default()).await;
        let answer = raw_exchange(port, &callback_request("code=hc&state=S4"), true).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains("You can close this tab"), "{answer}");
        assert_eq!(
            l.outcomes.recv().await.expect("outcome").expect("code"),
            "hc"
        );
    }

    #[tokio::test]
    async fn an_idle_connection_is_dropped_after_the_timeout() {
        let limits = ConnectionLimits {
            timeout: Duration::from_millis(200),
            ..ConnectionLimits::default()
        };
        let (_l, port) = listener("S5", limits).await;
        let started = std::time::Instant::now();
        // Half a request line and then silence.
        let answer = tokio::time::timeout(
            Duration::from_secs(5),
            raw_exchange(port, "GET /callback?code=", false),
        )
        .await
        .expect("the listener closed the idle connection");
        assert!(answer.is_empty(), "{answer}");
        assert!(started.elapsed() >= Duration::from_millis(200));
    }

    #[tokio::test]
    async fn connections_beyond_the_cap_wait_for_a_free_slot() {
        let limits = ConnectionLimits {
            max_open: 2,
            ..ConnectionLimits::default()
        };
        let (mut l, port) = listener("S6", limits).await;
        let connect = || tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port));
        let idle = [
            connect().await.expect("idle 1"),
            connect().await.expect("idle 2"),
        ];
        tokio::time::sleep(Duration::from_millis(100)).await;
        // A stray path: when it is served late, after the client gave up, it ends nothing.
        let stray = "GET /stray HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        let blocked =
            tokio::time::timeout(Duration::from_millis(300), raw_exchange(port, stray, false))
                .await;
        assert!(
            blocked.is_err(),
            "a third connection is not served while two are open"
        );
        drop(idle);
        let request = callback_request("code=late&state=S6");
        let answer =
            tokio::time::timeout(Duration::from_secs(5), raw_exchange(port, &request, false))
                .await
                .expect("served once a slot is free");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert_eq!(
            l.outcomes.recv().await.expect("outcome").expect("code"),
            "late"
        );
    }

    #[tokio::test]
    async fn https_serves_the_generated_certificate() {
        let opts = LoopbackOptions {
            port: 0,
            https: true,
        };
        let mut l = LoopbackListener::start(opts, "S2".into(), LoginKind::Facebook)
            .await
            .expect("listener");
        let cert = l.cert.as_ref().expect("cert");
        let trusted = reqwest::Certificate::from_der(&cert.cert_der).expect("der");
        let client = reqwest::Client::builder()
            .add_root_certificate(trusted)
            .resolve("localhost", SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .build()
            .expect("client");
        assert!(l.redirect_uri.as_str().starts_with("https://localhost:"));
        let r = client
            .get(format!("{}?error=access_denied&state=S2", l.redirect_uri))
            .send()
            .await
            .expect("verified https");
        assert_eq!(r.status().as_u16(), 400);
        assert!(
            r.text()
                .await
                .expect("body")
                .contains("Deny in the Facebook window")
        );
        assert!(matches!(
            l.outcomes.recv().await,
            Some(Err(AuthError::Denied { .. }))
        ));
    }
}
