//! The loopback listener that receives the login redirect (RFC 8252 §7.3).
//!
//! It binds 127.0.0.1 only, serves `GET /callback` over http or https (self-signed), checks
//! the redirect (state, denial, code), shows the browser a short page, and reports the first
//! callback's outcome. After that one callback it stops accepting connections; dropping it
//! stops it at once.

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

/// Where and how to listen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoopbackOptions {
    /// Must match the redirect URI registered in the Meta app; 0 = any free port.
    pub port: u16,
    /// Serve https with a certificate generated now.
    pub https: bool,
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
        let task = tokio::spawn(serve(listener, acceptor, shared, stop_rx));
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
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                if !peer.ip().is_loopback() {
                    continue;
                }
                let (shared, acceptor) = (shared.clone(), acceptor.clone());
                connections.spawn(async move {
                    match acceptor {
                        Some(acceptor) => match acceptor.accept(stream).await {
                            Ok(tls) => serve_connection(TokioIo::new(tls), shared).await,
                            Err(e) => tracing::debug!(error = %e, "TLS handshake failed (browser warning page?)"),
                        },
                        None => serve_connection(TokioIo::new(stream), shared).await,
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

async fn serve_connection<I>(io: I, shared: Arc<Shared>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let shared = shared.clone();
        async move { Ok::<_, Infallible>(handle(req, &shared).await) }
    });
    let result = hyper::server::conn::http1::Builder::new()
        .keep_alive(false)
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
