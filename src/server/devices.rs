//! Desktops pair with a one-time code and are known by their device token from then on.
//!
//! `socialdesk server invite` makes a code (shown once, stored as its SHA-256, expiring);
//! `POST /pair` exchanges it for a device token (32 random bytes, returned once, stored as
//! its SHA-256), so a database dump holds neither. Admins list and revoke devices.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use serde::Deserialize;
use serde_json::json;

use super::auth::{Caller, Role, secret_digest};
use super::db::{Db, DbError};
use super::error::ApiError;
use super::routes::AppState;

/// How long an invite code can be used.
pub const INVITE_LIFETIME_SECS: i64 = 24 * 60 * 60;

/// Letters of an invite code: no 0/O, 1/I/L, so it can be read out and typed.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a code (≈ 74 bits), shown in groups of five.
const CODE_CHARS: usize = 15;
/// The longest device name kept.
const DEVICE_NAME_MAX_CHARS: usize = 100;

/// A fresh invite code, e.g. `K7QM-2XWP-…`.
pub fn new_invite_code() -> String {
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..CODE_CHARS)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect();
    chars
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The form a typed code is stored under: upper case, dashes and spaces ignored.
fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A fresh device token: 32 random bytes, URL-safe base64 with a `sdt_` prefix so a leaked
/// one is easy to recognise.
fn new_device_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("sdt_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Records a new invite for `role` and returns its code, to show once.
pub async fn invite(db: &Db, role: Role) -> Result<String, DbError> {
    let code = new_invite_code();
    let now = super::now();
    db.create_invite(
        secret_digest(&normalize_code(&code)),
        role,
        now + INVITE_LIFETIME_SECS,
        now,
    )
    .await?;
    Ok(code)
}

#[derive(Debug, Deserialize)]
pub struct PairRequest {
    code: String,
    device_name: String,
}

/// `POST /pair {code, device_name}` → 201 `{device_id, role, token}`; the token is shown
/// this once.
pub async fn pair(
    State(state): State<AppState>,
    Json(request): Json<PairRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let name = request.device_name.trim();
    if name.is_empty() || name.chars().count() > DEVICE_NAME_MAX_CHARS {
        return Err(ApiError::bad_request(format!(
            "device_name must be 1 to {DEVICE_NAME_MAX_CHARS} characters, e.g. the computer's name"
        )));
    }
    let token = new_device_token();
    let device = state
        .db
        .pair(
            secret_digest(&normalize_code(&request.code)),
            name.to_owned(),
            secret_digest(&token),
            super::now(),
        )
        .await?
        .ok_or_else(|| {
            tracing::warn!("refused a pairing: unknown, used or expired code");
            ApiError::forbidden(
                "this code is unknown, already used or expired: ask an admin for a new one (`socialdesk server invite`)",
            )
        })?;
    tracing::info!(
        device = device.id,
        role = device.role.name(),
        "paired a device"
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({ "device_id": device.id, "role": device.role, "token": token })),
    ))
}

/// `GET /devices` (admin): every paired device, revoked ones with their time.
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require(Role::Admin)?;
    Ok(Json(json!({ "data": state.db.devices().await? })))
}

/// `DELETE /devices/{id}` (admin): its token is refused from the next request on.
pub async fn revoke(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Admin)?;
    if state.db.revoke(id, caller.device_id, super::now()).await? {
        tracing::info!(device = id, by = caller.device_id, "revoked a device");
        state.notifier.device_revoked();
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "there is no device {id} (see GET /devices)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_typable_and_typed_forms_match() {
        let code = new_invite_code();
        assert_eq!(code.len(), CODE_CHARS + 2);
        assert_eq!(
            normalize_code(&code.to_lowercase().replace('-', " ")),
            normalize_code(&code)
        );
        assert_ne!(new_invite_code(), code);
    }

    #[test]
    fn tokens_are_32_random_bytes() {
        let token = new_device_token();
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim_start_matches("sdt_"))
            .expect("base64");
        assert_eq!(bytes.len(), 32);
        assert_ne!(new_device_token(), token);
    }
}
