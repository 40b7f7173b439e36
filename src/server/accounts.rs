//! The accounts the server publishes to: an admin hands over an account's Meta token and IG
//! user id (`PUT /accounts/{ig_user_id}`); the token is sealed with the key file before it
//! reaches the database and is never logged or shown again. Any role lists the accounts
//! (`GET /accounts`), without tokens.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::auth::{Caller, Role};
use super::error::ApiError;
use super::routes::AppState;

/// `PUT /accounts/{id}` body. No `Debug`: it holds the token until it is sealed.
#[derive(Deserialize)]
pub struct AccountRequest {
    /// `instagram` (Business Login for Instagram) or `facebook` (Facebook Login).
    login: String,
    access_token: String,
}

/// `PUT /accounts/{ig_user_id}` (admin) → 204.
pub async fn put(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(ig_user_id): Path<String>,
    Json(request): Json<AccountRequest>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Admin)?;
    let token = SecretString::from(request.access_token);
    if ig_user_id.is_empty() || !ig_user_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::bad_request(
            "the account id is the Instagram user id (digits), e.g. 17841400000000001",
        ));
    }
    let login = match request.login.as_str() {
        "instagram" => "instagram",
        "facebook" => "facebook",
        _ => {
            return Err(ApiError::bad_request(
                "login must be instagram or facebook (the login the token comes from)",
            ));
        }
    };
    if token.expose_secret().trim().is_empty() {
        return Err(ApiError::bad_request(
            "access_token is empty: send the account's long-lived token",
        ));
    }
    let sealed = state.key.seal(&ig_user_id, &token).map_err(|e| {
        tracing::error!("sealing an account token: {e}");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "sealing", e.to_string())
    })?;
    state
        .db
        .put_account(
            ig_user_id.clone(),
            login,
            sealed,
            caller.device_id,
            super::now(),
        )
        .await?;
    tracing::info!(account = %ig_user_id, by = caller.device_id, "an account was handed to the server");
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /accounts` (viewer) → `{"data": [{ig_user_id, login, updated_at, updated_by}]}`.
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(
        serde_json::json!({ "data": state.db.accounts().await? }),
    ))
}
