//! The sandbox's mutable state: clock, switches, tokens, authorization codes and the
//! request log, behind one `std::sync::Mutex`.
//!
//! Handlers lock, read or change what they need and drop the guard before any `.await`;
//! nothing here is async. The demo data itself is immutable and lives beside the mutex.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use url::Url;

use super::demo::Demo;

/// Which of Meta's two login products issued a token (and so which host accepts it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Login {
    /// Business Login for Instagram: graph.instagram.com (the sandbox root).
    Instagram,
    /// Facebook Login for Business: graph.facebook.com (the `/facebook` prefix).
    Facebook,
}

impl Login {
    pub fn basic_scope(self) -> &'static str {
        match self {
            Login::Instagram => "instagram_business_basic",
            Login::Facebook => "instagram_basic",
        }
    }
}

/// How long a token lives and what it may be exchanged for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    ShortLived,
    LongLived,
    /// A Facebook Page token from `/me/accounts`.
    Page,
}

/// Whom a token acts for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// An Instagram-Login user token for this IG id.
    IgAccount(String),
    /// A Facebook user token.
    FbUser(String),
    /// A Facebook Page token for this page id.
    Page(String),
}

/// One issued token. The token string is the map key and never stored in here, so this
/// struct's `Debug` output carries no secret.
#[derive(Clone, Debug)]
pub struct Token {
    pub login: Login,
    pub kind: TokenKind,
    pub subject: Subject,
    pub scopes: Vec<String>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}

impl Token {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// One authorization code from an Allow click.
#[derive(Clone, Debug)]
pub struct AuthCode {
    pub login: Login,
    pub client_id: String,
    pub redirect_uri: String,
    pub subject: Subject,
    pub scopes: Vec<String>,
    pub issued_at: DateTime<Utc>,
    pub used: bool,
}

/// A stored file (a hosting upload or media fetched for publishing).
#[derive(Clone, Debug)]
pub struct Upload {
    pub bytes: std::sync::Arc<Vec<u8>>,
    pub content_type: String,
}

/// Everything that changes while the sandbox runs.
/// How `SandboxControl::fail_next_writes` refuses a write: nothing is done either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteFault {
    /// Code 2, HTTP 500, `is_transient`.
    Transient,
    /// The account's rate limit (code 80002), as at 100 % usage.
    Throttled,
}

pub struct State {
    /// Added to the real clock: the sandbox clock runs in real time from its start and
    /// jumps forward by `advance_clock`.
    pub clock_offset: Duration,
    pub latency_ms: u64,
    pub fail_rate: f64,
    /// The next Graph writes (POSTs) to refuse, and how (see `SandboxControl::fail_next_writes`).
    pub failing_writes: Option<(u32, WriteFault)>,
    pub usage_percent: u32,
    pub throttle_code: i64,
    pub rng: StdRng,
    pub tokens: HashMap<String, Token>,
    pub codes: HashMap<String, AuthCode>,
    /// (user token, page id) → page token, so `/me/accounts` answers the same token twice.
    pub page_tokens: HashMap<(String, String), String>,
    /// The last requests received (bounded; see `request_log`).
    pub requests: super::request_log::RequestLog,
    pub graph_calls: u64,
    pub serial: u64,
    pub comments: super::comments::CommentSwitches,
    /// When set, new publishing containers end in `ERROR` with this subcode.
    pub container_failure: Option<i64>,
    /// When set, the videos of new containers match a copyrighted recording.
    pub copyright_match: bool,
}

/// What every handler shares: immutable configuration and demo data plus the locked state.
pub struct Inner {
    pub root: Url,
    pub seed: u64,
    pub app_id: Option<String>,
    pub app_secret: Option<String>,
    pub wrapped_token_response: bool,
    pub started: DateTime<Utc>,
    /// The demo world; grows as media is published and comments are written. Lock order:
    /// `world` before `state`, never the other way round.
    pub world: RwLock<Demo>,
    pub state: Mutex<State>,
    /// Generated CDN images by path.
    pub images: Mutex<HashMap<String, std::sync::Arc<Vec<u8>>>>,
    /// Set when the sandbox shuts down, so background tasks end.
    pub stopped: std::sync::atomic::AtomicBool,
    /// Bytes stored through `/__sandbox/uploads` or fetched for publishing, by key.
    pub uploads: Mutex<HashMap<String, Upload>>,
    /// Bumped by every change to what a state folder keeps (the world, the uploads), so the
    /// saver serializes the world only after something changed.
    pub generation: AtomicU64,
}

impl Inner {
    pub fn new(root: Url, options: &super::SandboxOptions) -> Self {
        let started = Utc::now();
        let restored = match options.state_dir.as_deref().map(super::persist::load) {
            Some(Ok(restored)) => restored,
            Some(Err(e)) => {
                tracing::warn!("{e}; starting a fresh sandbox world");
                None
            }
            None => None,
        };
        let (world, serial, uploads) = match restored {
            Some(r) => (r.world, r.serial, r.uploads),
            None => (
                super::demo::generate(options.seed, started),
                0,
                HashMap::new(),
            ),
        };
        Self {
            root,
            seed: options.seed,
            app_id: options.app_id.clone(),
            app_secret: options.app_secret.clone(),
            wrapped_token_response: options.wrapped_token_response,
            started,
            world: RwLock::new(world),
            state: Mutex::new(State {
                clock_offset: Duration::zero(),
                latency_ms: options.latency_ms,
                fail_rate: options.fail_rate.clamp(0.0, 1.0),
                failing_writes: None,
                usage_percent: 3,
                throttle_code: 80002,
                rng: StdRng::seed_from_u64(options.seed ^ 0x5eed_fa11),
                tokens: HashMap::new(),
                codes: HashMap::new(),
                page_tokens: HashMap::new(),
                requests: Default::default(),
                graph_calls: 0,
                serial,
                comments: Default::default(),
                container_failure: None,
                copyright_match: false,
            }),
            images: Mutex::new(HashMap::new()),
            uploads: Mutex::new(uploads),
            stopped: std::sync::atomic::AtomicBool::new(false),
            generation: AtomicU64::new(0),
        }
    }

    /// Locks the state. A poisoned lock (a handler panicked) still holds consistent data
    /// for an emulator, so it is recovered instead of propagating the panic.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reads the demo world.
    pub fn demo(&self) -> RwLockReadGuard<'_, Demo> {
        self.world
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Changes the demo world (publishing, comments). Never call `demo()` while holding this.
    pub fn demo_mut(&self) -> RwLockWriteGuard<'_, Demo> {
        let guard = self
            .world
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Bumped while the lock is held: a saver that reads the generation and then the
        // world sees at least that generation's changes.
        self.generation.fetch_add(1, Ordering::AcqRel);
        guard
    }

    /// Stores bytes and returns their key.
    pub fn store_upload(&self, bytes: Vec<u8>, content_type: &str) -> String {
        let key = {
            let mut st = self.lock();
            st.serial += 1;
            format!("u{}", st.serial)
        };
        self.uploads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(
                key.clone(),
                Upload {
                    bytes: std::sync::Arc::new(bytes),
                    content_type: content_type.to_owned(),
                },
            );
        self.generation.fetch_add(1, Ordering::AcqRel);
        key
    }

    /// A stored upload.
    pub fn upload(&self, key: &str) -> Option<Upload> {
        self.uploads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    /// The sandbox clock.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = self.lock().clock_offset;
        Utc::now() + offset
    }
}

impl State {
    /// A fresh random string of `len` characters from `[A-Za-z0-9]`, after `prefix`.
    pub fn random_string(&mut self, prefix: &str, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        self.serial += 1;
        let mut s = String::with_capacity(prefix.len() + len);
        s.push_str(prefix);
        for _ in 0..len {
            s.push(ALPHABET[self.rng.random_range(0..ALPHABET.len())] as char);
        }
        s
    }

    /// Issues a token and returns its string.
    pub fn mint(&mut self, token: Token) -> String {
        let prefix = match token.login {
            Login::Instagram => "IGAA",
            Login::Facebook => "EAAB",
        };
        let value = self.random_string(prefix, 120);
        self.tokens.insert(value.clone(), token);
        value
    }

    /// A trace id like the real `fbtrace_id`.
    pub fn trace_id(&mut self) -> String {
        self.random_string("A", 22)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_bump_the_generation_the_saver_watches_and_reads_do_not() {
        let root = Url::parse("http://127.0.0.1:1/").expect("url");
        let inner = Inner::new(root, &super::super::SandboxOptions::default());
        let at = |i: &Inner| i.generation.load(Ordering::Acquire);
        let start = at(&inner);
        drop(inner.demo());
        assert_eq!(at(&inner), start, "a read changes nothing");
        drop(inner.demo_mut());
        assert_eq!(at(&inner), start + 1);
        inner.store_upload(vec![1, 2, 3], "image/jpeg");
        assert_eq!(at(&inner), start + 2);
    }
}
