//! `GET /events/stream` (any role): stored webhook events pushed to a desktop as server-sent
//! events, each with its id, so a desktop that lost the connection reconnects with
//! `Last-Event-ID` (or `?after=N`) and gets exactly what it missed, once.
//!
//! The stream reads from the database, never from memory, so it shows what was committed and
//! nothing else; a [`Notifier`] only wakes it. It closes when its device is revoked and when
//! the server shuts down (a graceful shutdown waits for open connections, and a stream never
//! ends by itself).

use std::collections::VecDeque;
use std::convert::Infallible;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::watch;

use super::auth::{Caller, Role};
use super::db::{Db, StoredEvent};
use super::error::ApiError;
use super::routes::AppState;

/// Events read from the database at a time.
const PAGE: i64 = 500;

/// Wakes open streams: new events stored, a device revoked, the server stopping.
pub struct Notifier {
    events: watch::Sender<u64>,
    revocations: watch::Sender<u64>,
    stopping: watch::Sender<bool>,
}

impl Default for Notifier {
    fn default() -> Self {
        Self {
            events: watch::Sender::new(0),
            revocations: watch::Sender::new(0),
            stopping: watch::Sender::new(false),
        }
    }
}

impl Notifier {
    /// New events were committed.
    pub fn events_stored(&self) {
        self.events.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A device was revoked: each stream checks whether it was its own.
    pub fn device_revoked(&self) {
        self.revocations.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// The server is shutting down: every stream ends.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }
}

#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    /// Where to start when there is no `Last-Event-ID` header (0: from the first event).
    after: Option<i64>,
}

/// `GET /events/stream[?after=N]`, resumable with `Last-Event-ID`.
pub async fn stream(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    caller.require(Role::Viewer)?;
    let after = match headers.get("last-event-id") {
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .ok_or_else(|| {
                ApiError::bad_request("Last-Event-ID must be the id of an event this server sent")
            })?,
        None => query.after.unwrap_or(0),
    };
    let cursor = Cursor {
        db: state.db.clone(),
        device: caller.device_id,
        after: after.max(0),
        pending: VecDeque::new(),
        events: state.notifier.events.subscribe(),
        revocations: state.notifier.revocations.subscribe(),
        stopping: state.notifier.stopping.subscribe(),
    };
    let events = futures_util::stream::unfold(cursor, |mut cursor| async move {
        let event = cursor.next().await?;
        Some((Ok(event), cursor))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// One stream's place in the event log.
struct Cursor {
    db: Db,
    device: i64,
    after: i64,
    pending: VecDeque<StoredEvent>,
    events: watch::Receiver<u64>,
    revocations: watch::Receiver<u64>,
    stopping: watch::Receiver<bool>,
}

impl Cursor {
    /// The next event to send, waiting for one; `None` ends the stream.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if *self.stopping.borrow() {
                return None;
            }
            if let Some(event) = self.pending.pop_front() {
                return sse_event(&event);
            }
            // Marked seen before reading, so an event committed after the read wakes us.
            self.events.borrow_and_update();
            match self.db.events_after(self.after, PAGE).await {
                Ok(events) if !events.is_empty() => {
                    self.after = events.last().map_or(self.after, |e| e.id);
                    self.pending.extend(events);
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    // The desktop reconnects with its Last-Event-ID and loses nothing.
                    tracing::error!("event stream ended: {e}");
                    return None;
                }
            }
            tokio::select! {
                changed = self.events.changed() => changed.ok()?,
                changed = self.stopping.changed() => changed.ok()?,
                changed = self.revocations.changed() => {
                    changed.ok()?;
                    if !self.still_paired().await {
                        return None;
                    }
                }
            }
        }
    }

    async fn still_paired(&self) -> bool {
        match self.db.device_active(self.device).await {
            Ok(active) => active,
            Err(e) => {
                tracing::error!("event stream ended: {e}");
                false
            }
        }
    }
}

/// An event as SSE: `id` for resuming, `event: webhook`, the stored event as JSON data.
fn sse_event(event: &StoredEvent) -> Option<Event> {
    match Event::default()
        .id(event.id.to_string())
        .event("webhook")
        .json_data(event)
    {
        Ok(sse) => Some(sse),
        Err(e) => {
            tracing::error!("could not encode event {}: {e}", event.id);
            None
        }
    }
}
