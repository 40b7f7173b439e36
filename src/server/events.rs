//! Reading stored webhook events (`GET /events?after=N`, any role) and marking one handled
//! (`POST /events/{id}/handled`, editors: a comment answered, a DM dealt with). The live
//! stream to desktops will build on the same ordered ids.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;

use super::auth::{Caller, Role};
use super::error::ApiError;
use super::routes::AppState;

/// The most events one page returns.
const PAGE_MAX: i64 = 1000;

#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    /// Events with an id above this one (0: from the start).
    #[serde(default)]
    after: i64,
    /// At most this many (default and maximum 1,000).
    limit: Option<i64>,
}

/// `GET /events?after=N&limit=L` → `{"data": [...], "last_id": N}`, oldest first; ask again
/// with `after=last_id` until `data` is empty.
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<EventsQuery>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require(Role::Viewer)?;
    let limit = query.limit.unwrap_or(PAGE_MAX).clamp(1, PAGE_MAX);
    let events = state.db.events_after(query.after.max(0), limit).await?;
    let last_id = events.last().map_or(query.after, |e| e.id);
    Ok(Json(json!({ "data": events, "last_id": last_id })))
}

/// `POST /events/{id}/handled` (editor): records who dealt with the event.
pub async fn mark_handled(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Editor)?;
    if state
        .db
        .mark_handled(id, caller.device_id, super::now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "there is no event {id} (see GET /events)"
        )))
    }
}

/// `GET /audit?limit=L` (admin) → `{"data": [...]}`, newest first.
pub async fn audit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<EventsQuery>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require(Role::Admin)?;
    let limit = query.limit.unwrap_or(PAGE_MAX).clamp(1, PAGE_MAX);
    Ok(Json(json!({ "data": state.db.audit_log(limit).await? })))
}
