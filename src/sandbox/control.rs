//! Test and demo controls: the [`SandboxControl`] handle for in-process callers and the
//! same switches over HTTP under `/__sandbox/` for the CLI and manual poking.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use chrono::Duration;
use rand::Rng;
use serde_json::json;

use super::RecordedRequest;
use super::server::{Req, json};
use super::state::{Inner, WriteFault};

/// The largest clock jump one `POST /__sandbox/clock` makes: 100 years, far past every
/// token, code and story lifetime the sandbox tracks, and far below what `chrono` can add.
const MAX_CLOCK_ADVANCE_SECS: f64 = 100.0 * 365.0 * 86_400.0;

/// Throttling codes `set_usage` accepts.
const THROTTLE_CODES: [i64; 5] = [4, 17, 32, 613, 80002];

/// Handle on a running sandbox's switches. Cheap to clone; usable from any thread.
#[derive(Clone)]
pub struct SandboxControl {
    pub(crate) inner: Arc<Inner>,
}

impl SandboxControl {
    /// Moves the sandbox clock forward (token and code lifetimes, story expiry).
    pub fn advance_clock(&self, by: std::time::Duration) {
        let by = Duration::from_std(by).unwrap_or(Duration::MAX);
        let mut st = self.inner.lock();
        st.clock_offset = st.clock_offset.checked_add(&by).unwrap_or(st.clock_offset);
    }

    /// The sandbox clock: real time plus every advance.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.now()
    }

    /// Delay added before every answer (except the `/__sandbox` controls).
    pub fn set_latency_ms(&self, ms: u64) {
        self.inner.lock().latency_ms = ms;
    }

    /// Share (0.0..=1.0) of Graph calls answered with a transient error (code 1 or 2, HTTP 500).
    pub fn set_fail_rate(&self, rate: f64) {
        self.inner.lock().fail_rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
    }

    /// Refuses the next `count` Graph writes (POSTs: container creation, media_publish,
    /// sends) with `fault`, before anything is done; reads are answered as usual.
    pub fn fail_next_writes(&self, count: u32, fault: WriteFault) {
        self.inner.lock().failing_writes = (count > 0).then_some((count, fault));
    }

    /// Usage figure reported in the usage headers; at >= 100 Graph calls are refused with
    /// `throttle_code` (4, 17, 32, 613 or 80002; anything else is treated as 80002).
    pub fn set_usage(&self, percent: u32, throttle_code: i64) {
        let mut st = self.inner.lock();
        st.usage_percent = percent;
        st.throttle_code = if THROTTLE_CODES.contains(&throttle_code) {
            throttle_code
        } else {
            80002
        };
    }

    /// Makes every container created from now on end in `ERROR` with `subcode`
    /// (e.g. 2207026 unsupported video, 2207001 server error); `None` turns it off.
    pub fn set_container_failure(&self, subcode: Option<i64>) {
        self.inner.lock().container_failure = subcode;
    }

    /// Makes the videos of containers created from now on match a copyrighted recording
    /// (`copyright_check_status.matches_found`), or not.
    pub fn set_copyright_match(&self, on: bool) {
        self.inner.lock().copyright_match = on;
    }

    /// Invalidates every token issued so far; later calls get 190 / 460.
    pub fn revoke_all_tokens(&self) {
        for token in self.inner.lock().tokens.values_mut() {
            token.revoked = true;
        }
    }

    /// Mints a 60-day token as the App Dashboard would. `login` is `"instagram"` (username
    /// of a demo IG account) or `"facebook"` (the demo Facebook user's name or id, or a
    /// Page-linked IG username). `None` when the login or user is unknown.
    pub fn mint_token(&self, login: &str, username: &str, scopes: &[&str]) -> Option<String> {
        super::oauth::mint_dashboard_token(&self.inner, login, username, scopes)
    }

    /// Makes one new comment (on each account's newest post, when comments are on) and one
    /// new inbound DM arrive now, as if people were active.
    pub fn simulate_activity(&self) {
        let now = self.inner.now();
        let picks: Vec<(usize, usize)> = {
            let mut st = self.inner.lock();
            let people = super::demo::COMMENTERS.len() - 1;
            let texts = super::demo::COMMENT_TEXTS.len();
            (0..self.inner.demo().accounts.len())
                .map(|_| {
                    (
                        st.rng.random_range(0..people),
                        st.rng.random_range(0..texts),
                    )
                })
                .collect()
        };
        let mut demo = self.inner.demo_mut();
        let accounts: Vec<String> = demo.accounts.iter().map(|a| a.ig_id.clone()).collect();
        for (ig_id, (person, text)) in accounts.iter().zip(picks) {
            let newest = demo
                .feed_of(ig_id)
                .first()
                .filter(|m| m.comments_enabled)
                .map(|m| m.id.clone());
            if let Some(media_id) = newest {
                let (username, igsid) = super::demo::COMMENTERS[person];
                let id = demo.take_comment_id();
                demo.comments.push(super::demo::Comment {
                    id,
                    media_id,
                    parent_id: None,
                    text: super::demo::COMMENT_TEXTS[text].to_owned(),
                    username: username.to_owned(),
                    from_id: igsid.to_owned(),
                    timestamp: now,
                    like_count: 0,
                    hidden: false,
                });
            }
        }
        demo.dms.receive(now);
    }

    /// Runs [`Self::simulate_activity`] every `every` (real time) until the sandbox stops.
    /// Must be called from within a tokio runtime.
    pub fn start_activity(&self, every: std::time::Duration) {
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every.max(std::time::Duration::from_millis(100)));
            tick.tick().await;
            loop {
                tick.tick().await;
                match weak.upgrade() {
                    Some(inner) if !inner.stopped.load(std::sync::atomic::Ordering::Relaxed) => {
                        SandboxControl { inner }.simulate_activity();
                    }
                    _ => break,
                }
            }
        });
    }

    /// Starts a live broadcast on `username`'s account (ending one on air), with a viewer's
    /// comment every `comment_every`. Returns the live media id; `None` for an unknown user.
    pub fn start_live(&self, username: &str, comment_every: std::time::Duration) -> Option<String> {
        let account = self.inner.demo().account_by_username(username)?.clone();
        let every = chrono::Duration::from_std(comment_every)
            .unwrap_or(chrono::Duration::seconds(super::live::DEFAULT_EVERY_SECS))
            .max(chrono::Duration::milliseconds(100));
        Some(super::live::start(&self.inner, &account, every))
    }

    /// Ends the live broadcast on air; returns its media id.
    pub fn end_live(&self) -> Option<String> {
        super::live::end(&self.inner)
    }

    /// The last requests received (except `/__sandbox/...`), oldest first, secrets included:
    /// at most `request_log::MAX_RECORDED_REQUESTS`, bodies cut at 8 KiB.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.lock().requests.to_vec()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.inner.lock().requests.clear();
    }
}

/// `/__sandbox/...` over HTTP.
pub fn handle(inner: &Arc<Inner>, req: &Req, rest: &[&str]) -> Response {
    let control = SandboxControl {
        inner: inner.clone(),
    };
    let bad = |m: String| json(StatusCode::BAD_REQUEST, &json!({"error": m}));
    let num = |name: &str| req.param(name).map(|v| v.trim().parse::<f64>());
    let ok = || json(StatusCode::OK, &json!({"success": true}));
    match (&req.method, rest) {
        (&Method::GET, ["state"]) => json(StatusCode::OK, &state_json(inner)),
        (&Method::POST, ["live"]) => live_control(&control, req),
        (&Method::POST, ["clock"]) => match clock_advance(req.param("advance_secs")) {
            Ok(by) => {
                control.advance_clock(by);
                json(
                    StatusCode::OK,
                    &json!({"now": super::graph::format_time(control.now())}),
                )
            }
            Err(why) => bad(why),
        },
        (&Method::POST, ["latency"]) => match num("ms") {
            Some(Ok(ms)) if ms >= 0.0 => {
                control.set_latency_ms(ms as u64);
                ok()
            }
            _ => bad("ms must be a non-negative number".into()),
        },
        (&Method::POST, ["faults"]) if req.param("fail_next_writes").is_some() => {
            let fault = match req.param("kind") {
                None | Some("transient") => WriteFault::Transient,
                Some("throttled") => WriteFault::Throttled,
                Some(_) => return bad("kind must be transient or throttled".into()),
            };
            match num("fail_next_writes") {
                Some(Ok(n)) if (0.0..=1000.0).contains(&n) => {
                    control.fail_next_writes(n as u32, fault);
                    ok()
                }
                _ => bad("fail_next_writes must be a number from 0 to 1000".into()),
            }
        }
        (&Method::POST, ["faults"]) => match num("fail_rate") {
            Some(Ok(r)) if (0.0..=1.0).contains(&r) => {
                control.set_fail_rate(r);
                ok()
            }
            _ => bad("fail_rate must be a number from 0.0 to 1.0".into()),
        },
        (&Method::POST, ["usage"]) => {
            let percent = match num("percent") {
                Some(Ok(p)) if p >= 0.0 => p as u32,
                _ => return bad("percent must be a non-negative number".into()),
            };
            let code = match num("code") {
                None => 80002,
                Some(Ok(c)) if THROTTLE_CODES.contains(&(c as i64)) => c as i64,
                _ => return bad(format!("code must be one of {THROTTLE_CODES:?}")),
            };
            control.set_usage(percent, code);
            ok()
        }
        (&Method::POST, ["containers"]) => match req.param("fail") {
            Some("none" | "") => {
                control.set_container_failure(None);
                ok()
            }
            Some(code) => match code.trim().parse::<i64>() {
                Ok(subcode) => {
                    control.set_container_failure(Some(subcode));
                    ok()
                }
                Err(_) => bad("fail must be an error subcode such as 2207026, or none".into()),
            },
            None => bad("pass fail=<subcode> or fail=none".into()),
        },
        (&Method::POST, ["copyright"]) => match req.param("matches") {
            Some("true") => {
                control.set_copyright_match(true);
                ok()
            }
            Some("false") => {
                control.set_copyright_match(false);
                ok()
            }
            _ => bad("pass matches=true or matches=false".into()),
        },
        (&Method::POST, ["rupload"]) => match super::rupload::control(inner, req) {
            Ok(()) => ok(),
            Err(e) => bad(e),
        },
        // `every_secs=N` runs the comment activity generator every N seconds (0 = off);
        // without it, one round of activity (comments and messages) happens now.
        (&Method::POST, ["activity"]) if req.param("every_secs").is_some() => {
            match num("every_secs") {
                Some(Ok(s)) if s >= 0.0 => {
                    super::comments::control_activity(&control, s);
                    ok()
                }
                _ => bad("every_secs must be a non-negative number of seconds (0 = off)".into()),
            }
        }
        (&Method::POST, ["activity"]) => {
            control.simulate_activity();
            ok()
        }
        (&Method::POST, ["revoke"]) => {
            control.revoke_all_tokens();
            ok()
        }
        (&Method::POST, ["uploads"]) => {
            if req.body.is_empty() {
                return bad("POST the file's bytes as the request body".into());
            }
            let name = req.param("filename").unwrap_or("upload.jpg");
            let name: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let content_type = req
                .headers
                .get(axum::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty() && *v != "application/octet-stream")
                .map_or_else(|| guess_content_type(&name).to_owned(), str::to_owned);
            let key = inner.store_upload(req.body.to_vec(), &content_type);
            let url = inner
                .root
                .join(&format!("cdn/uploads/{key}/{name}"))
                .map(|u| u.to_string());
            match url {
                Ok(url) => json(
                    StatusCode::OK,
                    &json!({"url": url, "content_type": content_type, "bytes": req.body.len()}),
                ),
                Err(e) => bad(format!("could not build the upload URL: {e}")),
            }
        }
        (&Method::GET, ["requests"]) => {
            let list: Vec<_> = control
                .requests()
                .iter()
                .map(super::request_log::redacted_json)
                .collect();
            json(StatusCode::OK, &json!(list))
        }
        (&Method::DELETE, ["requests"]) => {
            control.clear_requests();
            ok()
        }
        _ => json(
            StatusCode::NOT_FOUND,
            &json!({"error": format!("unknown control {} /__sandbox/{}", req.method, rest.join("/"))}),
        ),
    }
}

/// Reads `advance_secs`: a finite number of seconds from 0 to [`MAX_CLOCK_ADVANCE_SECS`].
///
/// `inf`, `NaN`, `1e300` and negatives are refused here because
/// `Duration::from_secs_f64` panics on them, which would kill the sandbox.
/// `POST /__sandbox/live?action=start[&username=…][&comment_every_secs=N]` or `?action=end`.
fn live_control(control: &SandboxControl, req: &Req) -> Response {
    let bad = |m: &str| json(StatusCode::BAD_REQUEST, &json!({ "error": m }));
    match req.param("action") {
        Some("start") => {
            let username = req
                .param("username")
                .unwrap_or(super::demo::BUSINESS_USERNAME);
            let every = match req
                .param("comment_every_secs")
                .map(|v| v.trim().parse::<f64>())
            {
                None => super::live::DEFAULT_EVERY_SECS as f64,
                Some(Ok(s)) if (0.1..=3600.0).contains(&s) => s,
                Some(_) => return bad("comment_every_secs must be a number from 0.1 to 3600"),
            };
            match control.start_live(username, std::time::Duration::from_secs_f64(every)) {
                Some(id) => json(StatusCode::OK, &json!({ "live_media_id": id })),
                None => bad("username must be a demo account's username"),
            }
        }
        Some("end") => json(StatusCode::OK, &json!({ "ended": control.end_live() })),
        _ => bad("action must be start or end"),
    }
}

fn clock_advance(raw: Option<&str>) -> Result<std::time::Duration, String> {
    let Some(raw) = raw else {
        return Err("pass advance_secs=<seconds>, e.g. advance_secs=3600".into());
    };
    let secs: f64 = raw
        .trim()
        .parse()
        .map_err(|_| format!("advance_secs must be a number of seconds, got {raw:?}"))?;
    if !secs.is_finite() || !(0.0..=MAX_CLOCK_ADVANCE_SECS).contains(&secs) {
        return Err(format!(
            "advance_secs must be a finite number of seconds from 0 to {MAX_CLOCK_ADVANCE_SECS} (100 years), got {raw:?}"
        ));
    }
    std::time::Duration::try_from_secs_f64(secs)
        .map_err(|e| format!("advance_secs {raw:?} is not a usable duration: {e}"))
}

fn guess_content_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
        "image/jpeg"
    } else if lower.ends_with(".png") {
        "image/png"
    } else if lower.ends_with(".mp4") {
        "video/mp4"
    } else if lower.ends_with(".mov") {
        "video/quicktime"
    } else {
        "application/octet-stream"
    }
}

fn state_json(inner: &Inner) -> serde_json::Value {
    let now = inner.now();
    let demo = inner.demo();
    let st = inner.lock();
    let live = st
        .tokens
        .values()
        .filter(|t| !t.revoked && t.expires_at > now)
        .count();
    json!({
        "now": super::graph::format_time(now),
        "started": super::graph::format_time(inner.started),
        "clock_offset_secs": st.clock_offset.num_seconds(),
        "latency_ms": st.latency_ms,
        "fail_rate": st.fail_rate,
        "usage_percent": st.usage_percent,
        "throttle_code": st.throttle_code,
        "container_failure": st.container_failure,
        "copyright_match": st.copyright_match,
        "tokens": st.tokens.len(),
        "live_tokens": live,
        "codes": st.codes.len(),
        "requests": st.requests.len(),
        "graph_calls": st.graph_calls,
        "seed": inner.seed,
        "accounts": demo.accounts.iter().map(|a| json!({
            "ig_id": a.ig_id, "username": a.username, "account_type": a.account_type,
            "media": demo.feed_of(&a.ig_id).len(),
        })).collect::<Vec<_>>(),
        "facebook_user": {"id": demo.fb_user.id, "name": demo.fb_user.name},
        "pages": demo.pages.iter().map(|p| json!({
            "id": p.id, "name": p.name, "instagram_business_account": p.instagram_business_account,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::clock_advance;

    #[test]
    fn clock_advance_refuses_what_duration_cannot_hold() {
        assert_eq!(
            clock_advance(Some("3600")),
            Ok(std::time::Duration::from_hours(1))
        );
        assert_eq!(clock_advance(Some(" 0.5 ")).map(|d| d.as_millis()), Ok(500));
        for bad in ["inf", "-inf", "NaN", "1e300", "-1", "abc", ""] {
            let err = clock_advance(Some(bad)).expect_err(bad);
            assert!(err.contains("advance_secs"), "{bad}: {err}");
        }
        assert!(clock_advance(None).is_err());
    }
}
