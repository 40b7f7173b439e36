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
use crate::graph::Session;
use crate::ids::IgUserId;
use crate::model::LoginKind;

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
    check_with_meta(&state, &ig_user_id, login, &token).await?;
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

/// Asks Meta whether the token works and is the account's, so a wrong or expired token is
/// refused now rather than when a post is due.
async fn check_with_meta(
    state: &AppState,
    ig_user_id: &str,
    login: &str,
    token: &SecretString,
) -> Result<(), ApiError> {
    let session = Session {
        login: if login == "facebook" {
            LoginKind::Facebook
        } else {
            LoginKind::Instagram
        },
        access_token: token.clone(),
        app_secret: None,
    };
    let users = state.graph.users(&session);
    let profile = match session.login {
        LoginKind::Instagram => users.me().await,
        LoginKind::Facebook => users.user(&IgUserId::from(ig_user_id)).await,
    };
    match profile {
        Ok(p) if p.id.as_str() == ig_user_id => Ok(()),
        Ok(p) => Err(ApiError::bad_request(format!(
            "this token is @{}'s (account {}), not account {ig_user_id}'s",
            p.username, p.id
        ))),
        Err(e) if e.is_retryable() => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "meta_unavailable",
            format!("could not check the token with Meta ({e}); try again in a moment"),
        )),
        Err(e) if e.is_reconnect_needed() => Err(ApiError::bad_request(
            "Meta refused this token (expired or revoked): reconnect the account on the desktop and hand it over again",
        )),
        Err(e) => Err(ApiError::bad_request(format!(
            "Meta refused this token for account {ig_user_id}: {e}"
        ))),
    }
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
