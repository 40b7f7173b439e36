//! The server's HTTP surface, in one place:
//!
//! | path | who | what |
//! |---|---|---|
//! | `GET /healthz` | anyone | 200 `ok` |
//! | `GET /webhooks` | Meta | verification handshake |
//! | `POST /webhooks` | Meta (signed) | event notifications, ≤ 1 MiB |
//! | `POST /pair` | a desktop with a code | `{code, device_name}` → device token |
//! | `GET /events?after=N` | viewer | stored webhook events in order |
//! | `GET /events/stream` | viewer | the same as server-sent events, live, `Last-Event-ID` resumes |
//! | `POST /events/{id}/handled` | editor | mark an event dealt with |
//! | `GET /devices`, `DELETE /devices/{id}` | admin | list, revoke devices |
//! | `GET /audit` | admin | who did what |
//! | `GET /media/{key}.jpg` | anyone with the URL (Meta's crawler) | an uploaded JPEG until its post is published |
//! | `PUT /accounts/{ig_user_id}` | admin | hand over an account's Meta token (sealed at rest) |
//! | `GET /accounts` | viewer | the accounts the server publishes to (no tokens) |
//! | `POST /posts` | editor | schedule a post (hosted URLs or uploaded JPEGs), ≤ 112 MiB |
//! | `GET /posts?from=&to=`, `GET /posts/{id}` | viewer | the shared calendar, with who scheduled each |
//! | `PATCH /posts/{id}`, `DELETE /posts/{id}` | editor | move, edit, delete until publishing starts (409 after) |
//!
//! Every path but the first three and `/media` needs a device token ([`auth::require_device`]); an
//! unknown path answers 401 to a caller without one, so the surface is not discoverable.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{delete, get, post, put};

use super::db::Db;
use super::error::ApiError;
use super::sealing::TokenKey;
use super::stream::{self, Notifier};
use super::webhooks::{self, WebhookSecrets};
use super::{accounts, auth, devices, events, posts};
use crate::graph::GraphClient;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub webhooks: Arc<WebhookSecrets>,
    pub notifier: Arc<Notifier>,
    /// Meta's Graph API (checking a handed-over token; the publisher has its own clone).
    pub graph: GraphClient,
    /// Seals and opens the Meta tokens of handed-over accounts.
    pub key: Arc<TokenKey>,
    /// The server's address as Meta's crawler reaches it (uploaded JPEGs are served there).
    pub public_url: url::Url,
}

/// The whole router.
pub fn router(state: AppState) -> Router {
    let public = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/webhooks",
            get(webhooks::verify)
                .post(webhooks::receive)
                .layer(DefaultBodyLimit::max(webhooks::BODY_LIMIT_BYTES)),
        )
        .route("/pair", post(devices::pair))
        .route("/media/{key}", get(posts::media));
    let private = Router::new()
        .route("/events", get(events::list))
        .route("/events/stream", get(stream::stream))
        .route("/events/{id}/handled", post(events::mark_handled))
        .route("/devices", get(devices::list))
        .route("/devices/{id}", delete(devices::revoke))
        .route("/audit", get(events::audit))
        .route("/accounts", get(accounts::list))
        .route("/accounts/{ig_user_id}", put(accounts::put))
        .route(
            "/posts",
            get(posts::list)
                .post(posts::create)
                .layer(DefaultBodyLimit::max(posts::BODY_LIMIT_BYTES)),
        )
        .route(
            "/posts/{id}",
            get(posts::get).patch(posts::edit).delete(posts::delete),
        )
        .fallback(|| async { ApiError::not_found("no such path on this server") })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_device,
        ));
    public.merge(private).with_state(state)
}
