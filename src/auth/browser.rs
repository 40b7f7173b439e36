//! Opening the login window: the system browser for real logins, and [`SandboxBrowser`],
//! which plays the user against the sandbox's authorize page so the app (and tests) log in
//! through the real OAuth code path with nobody clicking.

use std::sync::{Arc, Mutex};

use crate::graph::{GraphError, HttpClients};
use tokio::runtime::Handle;
use url::Url;

/// Something that shows the user a login URL.
pub trait Browser: Send + Sync {
    /// Opens `url`; returns quickly (the login completes through the redirect).
    fn open(&self, url: &Url) -> Result<(), String>;
}

/// The user's default browser.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemBrowser;

impl Browser for SystemBrowser {
    fn open(&self, url: &Url) -> Result<(), String> {
        webbrowser::open(url.as_str()).map_err(|e| e.to_string())
    }
}

/// What the simulated user clicks on the sandbox's authorize page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SandboxDecision {
    Allow,
    Deny,
}

impl SandboxDecision {
    fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
        }
    }
}

/// Auto-answers the sandbox's authorize page: POSTs the authorize parameters as a form with
/// `decision=allow|deny` (and a `username` to log in as), then delivers the 302's `Location`
/// to the loopback listener with a GET, as a browser would.
///
/// It only delivers to loopback addresses, and accepts the loopback's self-signed certificate
/// there only.
#[derive(Clone)]
pub struct SandboxBrowser {
    http: reqwest::Client,
    loopback: reqwest::Client,
    decision: SandboxDecision,
    username: Option<String>,
    tamper_state: bool,
    runtime: Option<Handle>,
    last_error: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for SandboxBrowser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxBrowser")
            .field("decision", &self.decision)
            .field("username", &self.username)
            .field("tamper_state", &self.tamper_state)
            .finish_non_exhaustive()
    }
}

impl SandboxBrowser {
    /// A browser that clicks Allow, reaching the sandbox's pages over `http.api` (which
    /// follows no redirect: the browser reads them itself); `open` runs on the current tokio
    /// runtime if there is one.
    pub fn new(http: &HttpClients) -> Result<Self, GraphError> {
        Ok(Self {
            http: http.api.clone(),
            loopback: HttpClients::loopback_browser()?,
            decision: SandboxDecision::Allow,
            username: None,
            tamper_state: false,
            runtime: Handle::try_current().ok(),
            last_error: Arc::new(Mutex::new(None)),
        })
    }

    /// Clicks `decision` instead of Allow.
    pub fn with_decision(mut self, decision: SandboxDecision) -> Self {
        self.decision = decision;
        self
    }

    /// Logs in to the sandbox as this username (its demo account otherwise).
    pub fn with_username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Replaces `state` in the redirect, as a forged response would (tests).
    pub fn tampering_state(mut self) -> Self {
        self.tamper_state = true;
        self
    }

    /// Runs `open`'s work on this runtime.
    pub fn on_runtime(mut self, handle: Handle) -> Self {
        self.runtime = Some(handle);
        self
    }

    /// The last failure of a background `open`, if any.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    /// Answers the authorize page and returns where the sandbox redirects to (the redirect
    /// URL with `code` or `error`, fragment included), without delivering it.
    pub async fn authorize(&self, authorize_url: &Url) -> Result<Url, String> {
        let mut form: Vec<(String, String)> = authorize_url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        form.push(("decision".into(), self.decision.as_str().into()));
        if let Some(u) = &self.username {
            form.push(("username".into(), u.clone()));
        }
        let mut target = authorize_url.clone();
        target.set_query(None);
        let resp = self
            .http
            .post(target)
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "the sandbox authorize page did not answer: {}",
                    e.without_url()
                )
            })?;
        let status = resp.status();
        let location = resp
            .headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let Some(location) = location.filter(|_| status.is_redirection()) else {
            let body: String = resp
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect();
            return Err(format!(
                "the sandbox authorize page answered {status} without a redirect: {body}"
            ));
        };
        let mut url =
            Url::parse(&location).map_err(|e| format!("bad redirect from the sandbox: {e}"))?;
        if self.tamper_state {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k == "state" {
                        "forged-state".to_owned()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        Ok(url)
    }

    /// Delivers a redirect to the loopback listener, as the browser's address bar would.
    pub async fn deliver(&self, redirect: &Url) -> Result<(), String> {
        let loopback_host = match redirect.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        if !loopback_host {
            return Err(format!(
                "the redirect goes to {}, not to this computer: the sandbox browser only delivers to the loopback listener",
                redirect.host_str().unwrap_or("?")
            ));
        }
        let mut target = redirect.clone();
        target.set_fragment(None);
        // The listener binds 127.0.0.1; do not let `localhost` resolve to ::1 first.
        if target.host_str() == Some("localhost") {
            let _ = target.set_host(Some("127.0.0.1"));
        }
        self.loopback
            .get(target)
            .send()
            .await
            .map_err(|e| format!("the login listener did not answer: {}", e.without_url()))?;
        Ok(())
    }

    /// `authorize` then `deliver`.
    pub async fn run(&self, authorize_url: &Url) -> Result<(), String> {
        let redirect = self.authorize(authorize_url).await?;
        self.deliver(&redirect).await
    }
}

impl Browser for SandboxBrowser {
    fn open(&self, url: &Url) -> Result<(), String> {
        let handle = match &self.runtime {
            Some(h) => h.clone(),
            None => Handle::try_current()
                .map_err(|_| "no async runtime to run the sandbox login on".to_owned())?,
        };
        let (me, url) = (self.clone(), url.clone());
        handle.spawn(async move {
            if let Err(e) = me.run(&url).await {
                tracing::warn!(error = %e, "sandbox login failed");
                if let Ok(mut slot) = me.last_error.lock() {
                    *slot = Some(e);
                }
            }
        });
        Ok(())
    }
}
