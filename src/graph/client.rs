//! The HTTP core shared by every resource handler: base URLs, authentication, usage
//! tracking and throttling, retries, error mapping, and following `paging.next` links.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use tracing::Instrument;
use url::Url;

use super::http::HttpClients;
use super::page::{FromGraph, Page, PageGuard};
use super::retry::RetryPolicy;
use super::session::Session;
use super::usage::{ThrottlePolicy, parse_usage_headers};
use super::{ErrorKind, GraphError};
use crate::config::Endpoints;
use crate::model::{LoginKind, RateUsage};

/// A client for both Graph hosts. Cheap to clone: clones share the HTTP connection pool and
/// the latest usage reading.
#[derive(Clone)]
pub struct GraphClient {
    http: HttpClients,
    endpoints: Arc<Endpoints>,
    retry: RetryPolicy,
    throttle: ThrottlePolicy,
    usage: Arc<Mutex<RateUsage>>,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient")
            .field("endpoints", &self.endpoints)
            .field("retry", &self.retry)
            .field("throttle", &self.throttle)
            .finish_non_exhaustive()
    }
}

/// One HTTP call to make. Parameters that carry secrets are never logged (no query string is).
pub(crate) struct GraphRequest<'a> {
    pub method: Method,
    pub url: Url,
    pub query: Vec<(&'static str, String)>,
    pub form: Option<Vec<(&'static str, String)>>,
    /// Adds `Authorization: Bearer` and `appsecret_proof`.
    pub session: Option<&'a Session>,
    /// Safe to send twice; only these are retried.
    pub idempotent: bool,
}

impl<'a> GraphRequest<'a> {
    pub fn get(url: Url, session: Option<&'a Session>) -> Self {
        Self {
            method: Method::GET,
            url,
            query: Vec::new(),
            form: None,
            session,
            idempotent: true,
        }
    }

    pub fn param(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }
}

impl GraphClient {
    /// A client for `endpoints` with its own HTTP clients and default retry and throttle
    /// policies (tests and tools; the app shares its set through [`Self::with_http`]).
    pub fn new(endpoints: Endpoints) -> Result<Self, GraphError> {
        Ok(Self::with_http(endpoints, HttpClients::new()?))
    }

    /// A client for `endpoints` over `http` (the set `Core` owns).
    pub fn with_http(endpoints: Endpoints, http: HttpClients) -> Self {
        Self {
            http,
            endpoints: Arc::new(endpoints),
            retry: RetryPolicy::default(),
            throttle: ThrottlePolicy::default(),
            usage: Arc::new(Mutex::new(RateUsage::default())),
        }
    }

    /// Replaces the retry policy (tests use millisecond delays).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Replaces the throttling policy.
    pub fn with_throttle(mut self, throttle: ThrottlePolicy) -> Self {
        self.throttle = throttle;
        self
    }

    /// The HTTP clients this client sends through (rupload uses their `uploads`).
    pub fn http(&self) -> &HttpClients {
        &self.http
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The latest usage Meta reported (for the status bar).
    pub fn usage(&self) -> RateUsage {
        self.usage.lock().map(|u| *u).unwrap_or_default()
    }

    /// The unversioned Graph root for a login kind.
    pub fn graph_root(&self, login: LoginKind) -> &Url {
        match login {
            LoginKind::Instagram => &self.endpoints.instagram_graph,
            LoginKind::Facebook => &self.endpoints.facebook_graph,
        }
    }

    /// `{graph root}{api_version}/{path}`, e.g. `https://graph.instagram.com/v24.0/me`.
    pub fn versioned_url(&self, login: LoginKind, path: &str) -> Result<Url, GraphError> {
        let joined = format!(
            "{}/{}",
            self.endpoints.api_version,
            path.trim_start_matches('/')
        );
        self.graph_root(login).join(&joined).map_err(|e| {
            GraphError::new(
                ErrorKind::InvalidParameter,
                format!("bad Graph path `{path}`: {e}"),
            )
        })
    }

    /// An unversioned URL on a Graph root (`/access_token`, `/refresh_access_token`).
    pub(crate) fn root_url(&self, login: LoginKind, path: &str) -> Result<Url, GraphError> {
        self.graph_root(login)
            .join(path.trim_start_matches('/'))
            .map_err(|e| {
                GraphError::new(
                    ErrorKind::InvalidParameter,
                    format!("bad Graph path `{path}`: {e}"),
                )
            })
    }

    /// GET a versioned path with parameters and return the JSON.
    pub(crate) async fn get_json(
        &self,
        session: &Session,
        path: &str,
        params: &[(&'static str, String)],
    ) -> Result<Value, GraphError> {
        let url = self.versioned_url(session.login, path)?;
        let mut req = GraphRequest::get(url, Some(session));
        req.query.extend(params.iter().cloned());
        self.execute(req).await
    }

    /// Reads the page a `paging.next` URL points at.
    ///
    /// The URL must be on the session's Graph host: the bearer token is never sent elsewhere.
    /// Any `access_token` or `appsecret_proof` in it is replaced by the session's own.
    pub async fn get_page<T: FromGraph>(
        &self,
        session: &Session,
        next: &str,
    ) -> Result<Page<T>, GraphError> {
        let url = self.checked_next_url(session.login, next)?;
        let v = self.execute(GraphRequest::get(url, Some(session))).await?;
        Page::from_json(v)
    }

    /// Follows `paging.next` from `first` until the edge ends or `max_items` are collected;
    /// a [`PageGuard`] ends it early on an empty page and fails it on a repeated link.
    pub async fn all_pages<T: FromGraph>(
        &self,
        session: &Session,
        first: Page<T>,
        max_items: usize,
    ) -> Result<Vec<T>, GraphError> {
        let mut guard = PageGuard::new("an edge");
        let mut next = guard.follow(first.items.len(), first.next)?;
        let mut items = first.items;
        while items.len() < max_items {
            let Some(url) = next.take() else { break };
            let page: Page<T> = self.get_page(session, &url).await?;
            next = guard.follow(page.items.len(), page.next)?;
            items.extend(page.items);
        }
        items.truncate(max_items);
        Ok(items)
    }

    fn checked_next_url(&self, login: LoginKind, next: &str) -> Result<Url, GraphError> {
        let url = Url::parse(next).map_err(|e| GraphError::decode("paging.next", e))?;
        let root = self.graph_root(login);
        if url.origin() != root.origin() || !url.path().starts_with(root.path()) {
            return Err(GraphError::new(
                ErrorKind::InvalidParameter,
                format!(
                    "refusing to follow a paging link to {} (not the Graph host {}): the server's answer looks wrong",
                    url.origin().ascii_serialization(),
                    root.origin().ascii_serialization()
                ),
            ));
        }
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "access_token" && k != "appsecret_proof")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut clean = url.clone();
        clean.set_query(None);
        if !kept.is_empty() {
            clean.query_pairs_mut().extend_pairs(kept);
        }
        Ok(clean)
    }

    /// Sends a request with throttling and bounded retries; returns the JSON body.
    pub(crate) async fn execute(&self, req: GraphRequest<'_>) -> Result<Value, GraphError> {
        let span = tracing::info_span!("graph", method = %req.method, path = %req.url.path());
        // Only idempotent requests are safe to send twice.
        let policy = if req.idempotent {
            self.retry.clone()
        } else {
            RetryPolicy::none()
        };
        policy
            .run(
                |_| async {
                    let pause = self.throttle.delay_for(&self.usage());
                    if !pause.is_zero() {
                        tracing::debug!(
                            pause_ms = pause.as_millis() as u64,
                            "usage is high: slowing down"
                        );
                        tokio::time::sleep(pause).await;
                    }
                    self.send_once(&req).await
                },
                |err, retry| self.pause_after(err, retry),
            )
            .instrument(span)
            .await
    }

    /// The retry policy's pause, except that a rate limit is waited out for as long as Meta
    /// says access returns within the throttle policy's longest wait.
    fn pause_after(&self, err: &GraphError, retry: u32) -> Option<Duration> {
        match err.kind {
            ErrorKind::RateLimited {
                retry_after: Some(d),
            } if d > self.throttle.max_regain_wait => None,
            ErrorKind::RateLimited {
                retry_after: Some(d),
            } if !d.is_zero() => Some(d),
            _ => self.retry.pause_for(err, retry),
        }
    }

    async fn send_once(&self, req: &GraphRequest<'_>) -> Result<Value, GraphError> {
        let mut query = req.query.clone();
        let mut builder = self.http.api.request(req.method.clone(), req.url.clone());
        if let Some(session) = req.session {
            builder = builder.bearer_auth(session.token());
            if let Some(proof) = session.appsecret_proof() {
                query.push(("appsecret_proof", proof));
            }
        }
        if !query.is_empty() {
            builder = builder.query(&query);
        }
        if let Some(form) = &req.form {
            builder = builder.form(form);
        }
        let resp = builder.send().await.map_err(GraphError::from_transport)?;
        let status = resp.status();
        let reading = parse_usage_headers(resp.headers());
        if let Some(u) = reading
            && let Ok(mut guard) = self.usage.lock()
        {
            *guard = u;
        }
        let body = resp.text().await.map_err(GraphError::from_transport)?;
        tracing::debug!(status = status.as_u16(), bytes = body.len(), "answer");
        if !status.is_success() {
            let mut err = GraphError::from_response(status.as_u16(), &body);
            if let ErrorKind::RateLimited { retry_after } = &mut err.kind
                && let Some(u) = reading
                && u.regain_access_minutes > 0
            {
                *retry_after = Some(Duration::from_secs(u64::from(u.regain_access_minutes) * 60));
            }
            return Err(err);
        }
        let v: Value = serde_json::from_str(&body).map_err(|e| GraphError::decode("$", e))?;
        if v.get("error").is_some_and(Value::is_object) {
            return Err(GraphError::from_response(status.as_u16(), &body));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> GraphClient {
        let root = Url::parse("http://127.0.0.1:9/").expect("url");
        GraphClient::new(Endpoints::sandbox(&root)).expect("client")
    }

    #[test]
    fn builds_versioned_urls_per_host() {
        let c = client();
        assert_eq!(
            c.versioned_url(LoginKind::Instagram, "/me")
                .expect("url")
                .as_str(),
            "http://127.0.0.1:9/v24.0/me"
        );
        assert_eq!(
            c.versioned_url(LoginKind::Facebook, "me/accounts")
                .expect("url")
                .as_str(),
            "http://127.0.0.1:9/facebook/v24.0/me/accounts"
        );
    }

    #[test]
    fn next_links_stay_on_the_graph_host_and_drop_tokens() {
        let c = client();
        let u = c
            .checked_next_url(
                LoginKind::Instagram,
                "http://127.0.0.1:9/v24.0/1/media?fields=id&access_token=SECRET&limit=5&after=A&appsecret_proof=p",
            )
            .expect("same host");
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:9/v24.0/1/media?fields=id&limit=5&after=A"
        );
        let err = c
            .checked_next_url(
                LoginKind::Instagram,
                "http://evil.example/v24.0/1/media?after=A",
            )
            .expect_err("other host");
        assert!(!err.message.contains("SECRET"));
        c.checked_next_url(LoginKind::Facebook, "http://127.0.0.1:9/v24.0/1/media")
            .expect_err("Facebook pages live under /facebook/");
    }

    #[tokio::test]
    async fn connection_failures_are_transient_and_retried_a_bounded_number_of_times() {
        let c = client().with_retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            ..RetryPolicy::default()
        });
        let s = Session::new(LoginKind::Instagram, "tok");
        let err = c
            .get_json(&s, "me", &[])
            .await
            .expect_err("port 9 is closed");
        assert_eq!(err.kind, ErrorKind::Transient);
        assert!(!err.to_string().contains("tok"));
    }
}
