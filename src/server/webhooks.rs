//! Meta's callback URL, `/webhooks`: the verification handshake (`GET`) and signed event
//! notifications (`POST`).
//!
//! A POST is trusted only if `X-Hub-Signature-256` is the HMAC-SHA256 of the raw body under
//! the app secret, compared in constant time; anything else is refused 403 and logged without
//! the secret or the signature. Events are committed before the 200, so a crash between the
//! two only makes Meta retry, and the retry is de-duplicated (see `payload`).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::payload;
use super::routes::AppState;

/// The largest notification body accepted (413 beyond). Meta batches at most 1,000 updates,
/// a few hundred bytes each.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// The longest `hub.challenge` echoed back (Meta sends an integer).
const CHALLENGE_MAX_CHARS: usize = 256;

/// The two secrets Meta's App Dashboard shares with this server.
pub struct WebhookSecrets {
    /// The Verify Token typed into the dashboard's Webhooks settings.
    pub verify_token: SecretString,
    /// The App Secret the notifications are signed with.
    pub app_secret: SecretString,
}

/// `GET /webhooks`: answers the subscription handshake with the challenge, or 403.
pub async fn verify(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> axum::response::Response {
    let mode = query.get("hub.mode").map(String::as_str);
    let token = query.get("hub.verify_token").map(String::as_str);
    let challenge = query.get("hub.challenge").map(String::as_str);
    let token_matches =
        token.is_some_and(|t| same_secret(t, state.webhooks.verify_token.expose_secret()));
    match (mode, token_matches, challenge) {
        (Some("subscribe"), true, Some(challenge)) if is_plain_challenge(challenge) => {
            tracing::info!("answered Meta's webhook verification handshake");
            (
                [(CONTENT_TYPE, "text/plain; charset=utf-8")],
                challenge.to_owned(),
            )
                .into_response()
        }
        (Some("subscribe"), true, _) => ApiError::bad_request(
            "hub.challenge is missing or not a plain token; Meta sends an integer",
        )
        .into_response(),
        _ => {
            tracing::warn!(
                mode = mode.unwrap_or("(none)"),
                "refused a webhook verification: hub.mode is not subscribe or hub.verify_token does not match this server's verify token"
            );
            ApiError::forbidden(
                "hub.verify_token does not match: use the same Verify Token in Meta's App Dashboard and in `socialdesk server --verify-token`",
            )
            .into_response()
        }
    }
}

/// `POST /webhooks`: checks the signature, stores each change once, then answers 200.
pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if let Err(reason) = check_signature(
        state.webhooks.app_secret.expose_secret().as_bytes(),
        signature,
        &body,
    ) {
        tracing::warn!(
            body_bytes = body.len(),
            "refused a webhook notification: {reason}"
        );
        return Err(ApiError::forbidden(format!(
            "{reason}; the server must be started with the App Secret of the Meta app that sends these webhooks"
        )));
    }
    let events = payload::events(&body).map_err(|e| {
        tracing::warn!("refused a signed webhook notification: {e}");
        ApiError::bad_request(e.to_string())
    })?;
    let received = events.len();
    let new = state.db.insert_events(events, super::now()).await?;
    tracing::info!(received, new, "stored webhook events");
    if new > 0 {
        state.notifier.events_stored();
    }
    Ok((
        StatusCode::OK,
        Json(json!({ "received": received, "new": new })),
    ))
}

/// Why a signature is refused, without the secret or the signature itself.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum SignatureError {
    #[error("no X-Hub-Signature-256 header")]
    Missing,
    #[error("X-Hub-Signature-256 is not `sha256=` and a hex digest")]
    Malformed,
    #[error("X-Hub-Signature-256 does not match the body")]
    Mismatch,
}

/// Checks `sha256=<hex>` against HMAC-SHA256(secret, body), in constant time.
pub fn check_signature(
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex_digest = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed)?;
    let expected = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// Compares two secrets without leaking where they differ: their SHA-256 digests are
/// compared in full (the digest also hides the length).
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// A challenge safe to echo as text: short, letters, digits, `-` and `_`.
fn is_plain_challenge(challenge: &str) -> bool {
    !challenge.is_empty()
        && challenge.len() <= CHALLENGE_MAX_CHARS
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &[u8], body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn signatures() {
        let body = br#"{"object":"instagram","entry":[]}"#;
        let good = sign(b"s3cret", body);
        assert_eq!(check_signature(b"s3cret", Some(&good), body), Ok(()));
        assert_eq!(
            check_signature(b"other", Some(&good), body),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check_signature(b"s3cret", Some(&good), b"{}"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check_signature(b"s3cret", None, body),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            check_signature(b"s3cret", Some("sha1=abc"), body),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            check_signature(b"s3cret", Some("sha256=zz"), body),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn secrets_and_challenges() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(is_plain_challenge("1158201444"));
        assert!(!is_plain_challenge("<script>"));
        assert!(!is_plain_challenge(""));
    }
}
