//! The one error type of the Graph client.
//!
//! Meta answers failures in two shapes: the Graph envelope
//! (`{"error":{"message","type","code","error_subcode","is_transient","fbtrace_id"}}`) on both
//! Graph hosts, and a flat OAuth shape (`{"error_type","code","error_message"}`) on
//! api.instagram.com's code exchange. Both are mapped here onto an [`ErrorKind`] that says what
//! the app should do (reconnect, grant a permission, wait, retry, fix the input), so callers
//! never match on raw codes. Messages never carry a token or an app secret.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// What went wrong, in terms of what the app should do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Code 190: the token expired or was revoked. The account must be reconnected; never retried.
    TokenInvalid,
    /// Code 10 or 200–299: the token lacks a permission. `permission` names it when Meta does.
    PermissionMissing { permission: Option<String> },
    /// Codes 4, 17, 32, 613, 80002: a rate limit. `retry_after` is Meta's estimate when known.
    RateLimited { retry_after: Option<Duration> },
    /// Codes 1, 2, `is_transient`, HTTP 5xx, connection failures and timeouts.
    Transient,
    /// Code 100: a parameter was refused. Never retried.
    InvalidParameter,
    /// Code 803 (or HTTP 404): the object does not exist or is not visible to this token.
    NotFound,
    /// Code 9007 / subcode 2207027: a publishing container is not finished yet.
    MediaNotReady,
    /// A 2207xxx publishing subcode other than "not ready".
    Publishing,
    /// The answer was not the JSON the client expected; `path` is where decoding failed.
    Decode { path: String },
    /// An answer no Meta host sends: an HTTP redirect (3xx), or pages that never end (a
    /// repeated cursor, too many pages). Usually the Graph URL points somewhere else; never
    /// retried, since the same request gets the same answer.
    UnexpectedAnswer,
    /// Code 110 / subcode 2207013 from Business Discovery: no Business or Creator account by
    /// that name (unknown, personal or age-gated: Meta does not say which). Never retried.
    AccountNotDiscoverable,
    /// Code 24 from Hashtag Search: 30 unique hashtags were queried in the last 7 days.
    HashtagLimit,
    /// Anything else Meta refused.
    Other,
}

/// A failed Graph (or OAuth) call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphError {
    pub kind: ErrorKind,
    /// Meta's own message (or the client's description of a local failure).
    pub message: String,
    pub code: Option<i64>,
    pub subcode: Option<i64>,
    pub http_status: Option<u16>,
    /// Meta's trace id, to quote to Meta support.
    pub fbtrace_id: Option<String>,
}

/// Rate-limit error codes: application (4), user (17), page (32), custom (613) and Instagram
/// business use case (80002).
const RATE_LIMIT_CODES: [i64; 5] = [4, 17, 32, 613, 80002];

impl GraphError {
    /// A local error that never reached Meta or could not be read.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            code: None,
            subcode: None,
            http_status: None,
            fbtrace_id: None,
        }
    }

    /// A JSON answer that did not have the expected shape at `path`.
    pub fn decode(path: impl Into<String>, detail: impl fmt::Display) -> Self {
        let path = path.into();
        Self::new(
            ErrorKind::Decode { path: path.clone() },
            format!("unexpected answer at `{path}`: {detail}"),
        )
    }

    /// True when repeating the same request later may succeed (5xx, transient codes, rate limits).
    /// Never true for 190 (reconnect) or 100 (bad parameter).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Transient | ErrorKind::RateLimited { .. }
        )
    }

    /// True when the user has to log in again (code 190).
    pub fn is_reconnect_needed(&self) -> bool {
        self.kind == ErrorKind::TokenInvalid
    }

    /// Maps a transport failure (connection refused, timeout, body cut short).
    ///
    /// The URL is dropped first: token endpoints carry the token in the query string.
    pub fn from_transport(err: reqwest::Error) -> Self {
        let err = err.without_url();
        let what = if err.is_timeout() {
            "the request timed out"
        } else if err.is_connect() {
            "could not connect"
        } else {
            "the connection failed"
        };
        let mut source = String::new();
        let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(&err);
        while let Some(e) = cur {
            source.push_str(": ");
            source.push_str(&e.to_string());
            cur = e.source();
        }
        Self::new(ErrorKind::Transient, format!("{what}{source}"))
    }

    /// Builds the error from an HTTP status and body that Meta sent with a failure.
    ///
    /// Accepts the Graph envelope, the flat OAuth shape of api.instagram.com, the RFC 6749
    /// shape (`{"error":"invalid_request","error_description":..}`) and non-JSON bodies.
    pub fn from_response(http_status: u16, body: &str) -> Self {
        let parsed: Option<Value> = serde_json::from_str(body).ok();
        let mut err = match parsed.as_ref() {
            Some(v) if v.get("error").is_some_and(Value::is_object) => {
                Self::from_envelope(&v["error"])
            }
            Some(v) if v.get("error_type").is_some() || v.get("error_message").is_some() => {
                Self::from_flat_oauth(v)
            }
            Some(v) if v.get("error").is_some_and(Value::is_string) => {
                let code = v["error"].as_str().unwrap_or_default();
                let desc = v
                    .get("error_description")
                    .and_then(Value::as_str)
                    .unwrap_or(code);
                let kind = if code == "invalid_token" {
                    ErrorKind::TokenInvalid
                } else {
                    ErrorKind::InvalidParameter
                };
                Self::new(kind, desc)
            }
            _ => {
                let snippet: String = body.chars().take(200).collect();
                Self::new(ErrorKind::Other, format!("HTTP {http_status}: {snippet}"))
            }
        };
        err.http_status = Some(http_status);
        // A status alone decides when Meta's body did not: a body without Meta's envelope
        // (a proxy's 502 page, `{"error":"..."}` on a 500) says nothing about the cause.
        let envelope = err.code.is_some() || err.fbtrace_id.is_some();
        if (!envelope || matches!(err.kind, ErrorKind::Other))
            && let Some(kind) = kind_from_status(http_status)
        {
            err.kind = kind;
        }
        err
    }

    fn from_envelope(e: &Value) -> Self {
        let message = e
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("Meta gave no message")
            .to_owned();
        let code = e.get("code").and_then(as_i64);
        let subcode = e.get("error_subcode").and_then(as_i64);
        let transient = e
            .get("is_transient")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let kind = classify(code, subcode, transient, &message);
        Self {
            kind,
            message,
            code,
            subcode,
            http_status: None,
            fbtrace_id: e
                .get("fbtrace_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }

    fn from_flat_oauth(v: &Value) -> Self {
        let message = v
            .get("error_message")
            .and_then(Value::as_str)
            .unwrap_or("Meta gave no message")
            .to_owned();
        let code = v.get("code").and_then(as_i64);
        // The flat shape's `code` is an HTTP-like status (400), not a Graph code; a real Graph
        // code (190, 4, ...) is classified as usual.
        let kind = match code {
            Some(400) | None => ErrorKind::InvalidParameter,
            other => classify(other, None, false, &message),
        };
        Self {
            kind,
            message,
            code,
            subcode: None,
            http_status: None,
            fbtrace_id: None,
        }
    }

    /// The fix a user should try, in a few words.
    fn fix(&self) -> String {
        match &self.kind {
            ErrorKind::TokenInvalid => {
                "reconnect needed: log in to this account again in Accounts".to_owned()
            }
            ErrorKind::PermissionMissing { permission: Some(p) } => {
                format!("reconnect the account and grant the `{p}` permission")
            }
            ErrorKind::PermissionMissing { permission: None } => {
                "reconnect the account and grant every permission socialdesk asks for".to_owned()
            }
            ErrorKind::RateLimited { retry_after: Some(d) } => format!(
                "Meta's rate limit was reached: wait about {} min before trying again",
                d.as_secs().div_ceil(60).max(1)
            ),
            ErrorKind::RateLimited { retry_after: None } => {
                "Meta's rate limit was reached: wait a few minutes before trying again".to_owned()
            }
            ErrorKind::Transient => {
                "a temporary problem: check the network connection and try again".to_owned()
            }
            ErrorKind::InvalidParameter => "check the values sent; retrying will not help".to_owned(),
            ErrorKind::NotFound => {
                "it may have been deleted, or this account cannot see it: refresh".to_owned()
            }
            ErrorKind::MediaNotReady => "Instagram is still processing the media: wait and check again".to_owned(),
            ErrorKind::Publishing => publishing_fix(self.subcode).to_owned(),
            ErrorKind::Decode { .. } => {
                "the server's answer was not understood: check that the Graph URL points at Meta or the sandbox".to_owned()
            }
            ErrorKind::UnexpectedAnswer => {
                "the server did not answer as Meta does: check that the Graph URL points at Meta or the sandbox".to_owned()
            }
            ErrorKind::AccountNotDiscoverable => {
                "check the spelling; only Business and Creator accounts can be looked up".to_owned()
            }
            ErrorKind::HashtagLimit => {
                "Instagram allows 30 unique hashtags per account in 7 days: re-search a hashtag already used this week, or wait for a slot".to_owned()
            }
            ErrorKind::Other if self.fbtrace_id.is_some() => {
                "try again later; if it persists, quote the trace id to Meta support".to_owned()
            }
            ErrorKind::Other => "try again later; if it persists, check Meta's status page".to_owned(),
        }
    }
}

/// What a bare HTTP status says when the body is not Meta's envelope; `None` leaves the kind
/// read from the body (a plain 400 or 401 from an OAuth endpoint).
fn kind_from_status(http_status: u16) -> Option<ErrorKind> {
    match http_status {
        500..=599 => Some(ErrorKind::Transient),
        429 => Some(ErrorKind::RateLimited { retry_after: None }),
        300..=399 => Some(ErrorKind::UnexpectedAnswer),
        404 => Some(ErrorKind::NotFound),
        _ => None,
    }
}

/// Maps Graph code/subcode onto a kind (the table in beyond-seeds.md).
fn classify(code: Option<i64>, subcode: Option<i64>, transient: bool, message: &str) -> ErrorKind {
    if code == Some(110) && subcode == Some(2_207_013) {
        return ErrorKind::AccountNotDiscoverable;
    }
    if code == Some(24) {
        return ErrorKind::HashtagLimit;
    }
    if subcode == Some(2_207_027) || code == Some(9007) {
        return ErrorKind::MediaNotReady;
    }
    if subcode.is_some_and(|s| (2_207_000..2_208_000).contains(&s)) {
        return ErrorKind::Publishing;
    }
    match code {
        Some(190) => ErrorKind::TokenInvalid,
        Some(c) if RATE_LIMIT_CODES.contains(&c) => ErrorKind::RateLimited { retry_after: None },
        Some(10 | 200..=299) => ErrorKind::PermissionMissing {
            permission: permission_in(message),
        },
        Some(1 | 2) => ErrorKind::Transient,
        _ if transient => ErrorKind::Transient,
        Some(100) => ErrorKind::InvalidParameter,
        Some(803) => ErrorKind::NotFound,
        _ => ErrorKind::Other,
    }
}

/// Finds a permission name (`instagram_business_content_publish`, `pages_show_list`, ...) in
/// Meta's message, so the user is told exactly what to grant.
fn permission_in(message: &str) -> Option<String> {
    message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|w| {
            (w.starts_with("instagram_") || w.starts_with("pages_") || *w == "business_management")
                && w.len() > "pages_".len()
        })
        .map(str::to_owned)
}

fn publishing_fix(subcode: Option<i64>) -> &'static str {
    match subcode {
        Some(2_207_052) => "the media URL could not be fetched: it must be publicly reachable",
        Some(2_207_009) => "the aspect ratio is not supported: crop to between 4:5 and 1.91:1",
        Some(2_207_026) => "the video format is not supported: re-encode as H.264/AAC MP4",
        Some(2_207_042) => {
            "the daily publishing limit is reached: reschedule after the 24 h window"
        }
        Some(2_207_050) => {
            "the Instagram account is restricted or inactive: check it in the Instagram app"
        }
        Some(2_207_018) => "a tagged user is invalid or private: remove that tag",
        _ => "check the post against Instagram's publishing rules and try again",
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        match (self.code, self.subcode) {
            (Some(c), Some(s)) => write!(f, " (code {c}/{s})")?,
            (Some(c), None) => write!(f, " (code {c})")?,
            _ => {}
        }
        write!(f, " — {}", self.fix())?;
        if let Some(t) = &self.fbtrace_id {
            write!(f, " [trace {t}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for GraphError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(code: i64, subcode: Option<i64>, msg: &str) -> String {
        let mut e = serde_json::json!({"message": msg, "type": "OAuthException", "code": code, "fbtrace_id": "AbC"});
        if let Some(s) = subcode {
            e["error_subcode"] = s.into();
        }
        serde_json::json!({ "error": e }).to_string()
    }

    #[test]
    fn maps_research_refusals_to_their_own_kinds_and_never_retries() {
        let e = GraphError::from_response(400, &envelope(110, Some(2_207_013), "Invalid user id"));
        assert_eq!(
            e.kind,
            ErrorKind::AccountNotDiscoverable,
            "not a publishing error"
        );
        assert!(!e.is_retryable());
        let e = GraphError::from_response(400, &envelope(24, None, "(#24) 30 unique hashtags"));
        assert_eq!(e.kind, ErrorKind::HashtagLimit);
        assert!(!e.is_retryable());
        assert!(
            e.to_string()
                .contains("30 unique hashtags per account in 7 days"),
            "{e}"
        );
    }

    #[test]
    fn maps_expired_token_to_reconnect_and_never_retries() {
        let e = GraphError::from_response(400, &envelope(190, Some(463), "Session has expired"));
        assert_eq!(e.kind, ErrorKind::TokenInvalid);
        assert_eq!(e.subcode, Some(463));
        assert_eq!(e.fbtrace_id.as_deref(), Some("AbC"));
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("reconnect needed"), "{e}");
    }

    #[test]
    fn names_the_missing_permission() {
        let e = GraphError::from_response(
            403,
            &envelope(
                10,
                None,
                "(#10) Application does not have permission: requires instagram_business_content_publish.",
            ),
        );
        assert_eq!(
            e.kind,
            ErrorKind::PermissionMissing {
                permission: Some("instagram_business_content_publish".into())
            }
        );
        assert!(
            e.to_string()
                .contains("grant the `instagram_business_content_publish`")
        );
        let e = GraphError::from_response(400, &envelope(200, None, "Permissions error"));
        assert_eq!(e.kind, ErrorKind::PermissionMissing { permission: None });
    }

    #[test]
    fn maps_rate_limits_transient_and_parameters() {
        for code in [4, 17, 32, 613, 80002] {
            let e = GraphError::from_response(400, &envelope(code, None, "limit"));
            assert!(matches!(e.kind, ErrorKind::RateLimited { .. }), "{code}");
            assert!(e.is_retryable());
        }
        let e =
            GraphError::from_response(500, &envelope(2, None, "Service temporarily unavailable"));
        assert_eq!(e.kind, ErrorKind::Transient);
        let e = GraphError::from_response(400, &envelope(100, None, "Invalid parameter"));
        assert_eq!(e.kind, ErrorKind::InvalidParameter);
        assert!(!e.is_retryable());
        let e = GraphError::from_response(404, &envelope(803, None, "Some aliases do not exist"));
        assert_eq!(e.kind, ErrorKind::NotFound);
        let body = r#"{"error":{"message":"x","code":99,"is_transient":true}}"#;
        assert_eq!(
            GraphError::from_response(400, body).kind,
            ErrorKind::Transient
        );
    }

    #[test]
    fn maps_publishing_subcodes() {
        let e = GraphError::from_response(
            400,
            &envelope(9007, Some(2_207_027), "Media ID is not available"),
        );
        assert_eq!(e.kind, ErrorKind::MediaNotReady);
        let e = GraphError::from_response(400, &envelope(36003, Some(2_207_009), "aspect ratio"));
        assert_eq!(e.kind, ErrorKind::Publishing);
        assert!(e.to_string().contains("4:5"));
    }

    #[test]
    fn maps_flat_oauth_shape_and_bare_statuses() {
        let body = r#"{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}"#;
        let e = GraphError::from_response(400, body);
        assert_eq!(e.kind, ErrorKind::InvalidParameter);
        assert_eq!(e.message, "Matching code was not found or was already used");
        assert_eq!(
            GraphError::from_response(502, "<html>Bad gateway</html>").kind,
            ErrorKind::Transient
        );
        assert_eq!(GraphError::from_response(404, "").kind, ErrorKind::NotFound);
        let e = GraphError::from_response(
            400,
            r#"{"error":"invalid_token","error_description":"bad"}"#,
        );
        assert_eq!(e.kind, ErrorKind::TokenInvalid);
    }

    #[test]
    fn a_status_decides_when_the_body_is_not_metas_envelope() {
        let e = GraphError::from_response(500, r#"{"error":"string"}"#);
        assert_eq!(e.kind, ErrorKind::Transient);
        assert!(e.is_retryable());
        let e = GraphError::from_response(503, r#"{"error":"invalid_token"}"#);
        assert_eq!(e.kind, ErrorKind::Transient, "a 5xx is never a reconnect");
        let e = GraphError::from_response(429, r#"{"error":"slow down"}"#);
        assert_eq!(e.kind, ErrorKind::RateLimited { retry_after: None });
        assert!(e.is_retryable());
        for status in [301, 302, 307] {
            let e = GraphError::from_response(status, "");
            assert_eq!(e.kind, ErrorKind::UnexpectedAnswer, "{status}");
            assert!(!e.is_retryable());
            assert!(e.to_string().contains("Graph URL"), "{e}");
        }
        // Meta's own envelope keeps its code's meaning whatever the status.
        let e = GraphError::from_response(500, &envelope(190, None, "expired"));
        assert_eq!(e.kind, ErrorKind::TokenInvalid);
    }

    #[test]
    fn no_trace_id_is_mentioned_when_there_is_none() {
        for (status, body) in [
            (418, "teapot"),
            (400, r#"{"error":{"message":"odd","code":99}}"#),
        ] {
            let e = GraphError::from_response(status, body);
            assert_eq!(e.kind, ErrorKind::Other, "{status}");
            let text = e.to_string();
            assert!(!text.contains("trace"), "{text}");
        }
        let e = GraphError::from_response(400, &envelope(99, None, "odd"));
        let text = e.to_string();
        assert!(
            text.contains("quote the trace id") && text.contains("[trace AbC]"),
            "{text}"
        );
    }
}
