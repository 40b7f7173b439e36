//! Resumable video upload, as rupload.facebook.com does it for Facebook Login
//! (facebook-login.md §7.10, seed 003 lines 2637-2802).
//!
//! A container created with `upload_type=resumable` has no video: it stays `IN_PROGRESS`
//! until its bytes arrive here, then is checked like a fetched `video_url` and goes
//! `IN_PROGRESS` → `FINISHED` on the sandbox clock (or `ERROR` for a file that is not MP4).
//!
//! - `POST {root}/rupload/ig-api-upload/{api-version}/{container-id}` with
//!   `Authorization: OAuth <token>`, headers `offset` and `file_size`, and the raw bytes; or
//!   with a `file_url` header, which the sandbox fetches like Meta's crawler. The seeds
//!   disagree on the path (contradiction C13: line 2649 lists `/ig-api-upload/{container-id}`
//!   without a version, lines 2770/2780 include it), so both forms are accepted.
//! - Success: `{"success":true,"message":"Upload successful."}`. Failure:
//!   `{"debug_info":{"retriable":…,"type":"ProcessingFailedError","message":"<JSON string>"}}`
//!   whose embedded string is `{"success":false,"error":{"message":"…"}}` (the documented
//!   shape; the HTTP statuses are the sandbox's choice: 400, 401 for a bad token, 503 for
//!   an interrupted transfer).
//! - Resuming: the seeds name the `offset` header ("the first byte being sent") but do not
//!   describe resuming. The sandbox keeps the bytes received so far; a POST whose `offset`
//!   equals that count continues the file, any other offset is refused with the count to
//!   resume from. **Sandbox assumption:** `GET` on the same URL answers
//!   `{"id","offset","file_size","upload_status"}` with `offset` = bytes received so far
//!   (`upload_status` is `not_started`, `in_progress` or `complete`).
//! - Only Facebook Login tokens are accepted (C5: the Instagram Login column does not list
//!   rupload, and the endpoint is described as "Only for apps that have implemented Facebook
//!   Login for Business"); an Instagram token gets the documented "unauthorized user
//!   request" failure.
//! - Test switch: [`SandboxControl::cut_uploads`] (`POST /__sandbox/rupload?cut_after=N&times=K`)
//!   keeps only the first N bytes of the next K uploads and answers a retriable failure, as
//!   a dropped connection would.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::SandboxControl;
use super::access::{token_string, visible_ig_ids};
use super::demo::Processing;
use super::server::{Req, is_version, json as json_response};
use super::state::{Inner, Login};

/// Largest resumable upload Meta documents (1 GB on rupload; beyond-seeds.md).
const MAX_FILE_SIZE: u64 = 1024 * 1024 * 1024;

/// The bytes received so far for one resumable container.
///
/// A persisted world (`--state-dir`) keeps whether an upload completed but not the bytes of
/// one in progress: after a sandbox restart it reports offset 0 and the client starts over.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Upload {
    pub file_size: Option<u64>,
    #[serde(skip)]
    pub received: Vec<u8>,
    pub complete: bool,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("file_size", &self.file_size)
            .field("received", &self.received.len())
            .field("complete", &self.complete)
            .finish()
    }
}

/// Every resumable upload (by container id) and the interruption switch.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Uploads {
    pub by_container: HashMap<String, Upload>,
    /// Keep only this many bytes of the next uploads, then fail as if cut.
    #[serde(skip)]
    cut_after: Option<u64>,
    #[serde(skip)]
    cut_times: u32,
}

impl Uploads {
    /// Registers a container created with `upload_type=resumable`.
    pub fn open(&mut self, container_id: &str) {
        self.by_container
            .insert(container_id.to_owned(), Upload::default());
    }
}

impl SandboxControl {
    /// Interrupts the next `times` rupload POSTs after `after_bytes` bytes of their body
    /// (the bytes before the cut are kept, as a server would); `None` turns it off.
    pub fn cut_uploads(&self, after_bytes: Option<u64>, times: u32) {
        let mut demo = self.inner.demo_mut();
        demo.rupload.cut_after = after_bytes;
        demo.rupload.cut_times = if after_bytes.is_some() { times } else { 0 };
    }
}

/// `POST /__sandbox/rupload?cut_after=N&times=K` (`cut_after=none` turns it off).
pub fn control(inner: &Arc<Inner>, req: &Req) -> Result<(), String> {
    let control = SandboxControl {
        inner: inner.clone(),
    };
    match req.param("cut_after") {
        Some("none" | "") | None => {
            control.cut_uploads(None, 0);
            Ok(())
        }
        Some(n) => {
            let bytes = n
                .trim()
                .parse()
                .map_err(|_| "cut_after must be a byte count or none".to_owned())?;
            let times = match req.param("times") {
                None => 1,
                Some(t) => t
                    .trim()
                    .parse()
                    .map_err(|_| "times must be a whole number".to_owned())?,
            };
            control.cut_uploads(Some(bytes), times);
            Ok(())
        }
    }
}

/// A documented rupload failure body.
fn failure(status: StatusCode, retriable: bool, message: &str) -> Response {
    let inner = json!({"success": false, "error": {"message": message}});
    json_response(
        status,
        &json!({"debug_info": {
            "retriable": retriable,
            "type": "ProcessingFailedError",
            "message": inner.to_string(),
        }}),
    )
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Serves `/rupload/…`.
pub async fn handle(inner: &Arc<Inner>, req: &Req, rest: &[&str]) -> Response {
    let container_id = match rest {
        ["ig-api-upload", version, id] if is_version(version) => *id,
        ["ig-api-upload", id] => *id,
        _ => {
            return failure(
                StatusCode::NOT_FOUND,
                false,
                "unknown rupload path: use /ig-api-upload/{api-version}/{container-id}",
            );
        }
    };
    if let Err((status, message)) = authorize(inner, req, container_id) {
        return failure(status, false, &message);
    }
    match req.method {
        Method::GET => status(inner, container_id),
        Method::POST => upload(inner, req, container_id).await,
        _ => failure(
            StatusCode::METHOD_NOT_ALLOWED,
            false,
            "rupload takes POST (upload) or GET (progress)",
        ),
    }
}

/// Why a request is refused before it reaches the upload (status and message).
type Refusal = (StatusCode, String);

/// The token must be a live Facebook Login token for the container's account.
fn authorize(inner: &Arc<Inner>, req: &Req, container_id: &str) -> Result<(), Refusal> {
    let unauthorized = || {
        (
            StatusCode::UNAUTHORIZED,
            "unauthorized user request".to_owned(),
        )
    };
    let value = token_string(req).ok_or_else(unauthorized)?;
    let now = inner.now();
    let token = inner
        .lock()
        .tokens
        .get(&value)
        .cloned()
        .filter(|t| t.login == Login::Facebook && !t.revoked && t.expires_at > now)
        .ok_or_else(unauthorized)?;
    let demo = inner.demo();
    let container = demo.container_by_id(container_id).ok_or_else(|| {
        (
            StatusCode::BAD_REQUEST,
            format!("{container_id} is not a media container; create one with POST /{{ig-user-id}}/media and upload_type=resumable"),
        )
    })?;
    if !visible_ig_ids(&demo, &token).contains(&container.owner) {
        return Err(unauthorized());
    }
    if !demo.rupload.by_container.contains_key(container_id) {
        return Err((
            StatusCode::BAD_REQUEST,
            format!(
                "container {container_id} was not created with upload_type=resumable; it takes its media from video_url"
            ),
        ));
    }
    Ok(())
}

fn status(inner: &Arc<Inner>, container_id: &str) -> Response {
    let demo = inner.demo();
    let Some(up) = demo.rupload.by_container.get(container_id) else {
        return failure(StatusCode::BAD_REQUEST, false, "no such resumable upload");
    };
    let state = if up.complete {
        "complete"
    } else if up.received.is_empty() {
        "not_started"
    } else {
        "in_progress"
    };
    json_response(
        StatusCode::OK,
        &json!({
            "id": container_id,
            // A complete upload's bytes moved to the upload store.
            "offset": if up.complete { up.file_size.unwrap_or_default() } else { up.received.len() as u64 },
            "file_size": up.file_size,
            "upload_status": state,
        }),
    )
}

async fn upload(inner: &Arc<Inner>, req: &Req, container_id: &str) -> Response {
    if let Some(file_url) = header(&req.headers, "file_url") {
        return upload_from_url(inner, container_id, file_url).await;
    }
    let Some(file_size) = header(&req.headers, "file_size").and_then(|v| v.parse::<u64>().ok())
    else {
        return failure(
            StatusCode::BAD_REQUEST,
            false,
            "the file_size header (the whole file's size in bytes) is required with a raw body; or send a file_url header",
        );
    };
    if file_size == 0 || file_size > MAX_FILE_SIZE {
        return failure(
            StatusCode::BAD_REQUEST,
            false,
            &format!("file_size {file_size} is outside 1 byte to 1 GB"),
        );
    }
    let offset = match header(&req.headers, "offset").map(str::parse::<u64>) {
        None => 0,
        Some(Ok(o)) => o,
        Some(Err(_)) => {
            return failure(
                StatusCode::BAD_REQUEST,
                false,
                "the offset header must be a byte position",
            );
        }
    };
    let completed = {
        let mut demo = inner.demo_mut();
        let uploads = &mut demo.rupload;
        let cut = uploads.cut_after.filter(|_| uploads.cut_times > 0);
        if cut.is_some() {
            uploads.cut_times -= 1;
        }
        let Some(up) = uploads.by_container.get_mut(container_id) else {
            return failure(StatusCode::BAD_REQUEST, false, "no such resumable upload");
        };
        if up.complete {
            return failure(
                StatusCode::BAD_REQUEST,
                false,
                &format!("the video of container {container_id} was already uploaded"),
            );
        }
        if up.file_size.is_some_and(|f| f != file_size) {
            return failure(
                StatusCode::BAD_REQUEST,
                false,
                &format!(
                    "file_size {file_size} differs from the {} given when this upload started",
                    up.file_size.unwrap_or_default()
                ),
            );
        }
        let have = up.received.len() as u64;
        if offset != have {
            return failure(
                StatusCode::BAD_REQUEST,
                false,
                &format!(
                    "offset {offset} does not match the {have} bytes received so far; resume with offset {have}"
                ),
            );
        }
        if have + req.body.len() as u64 > file_size {
            return failure(
                StatusCode::BAD_REQUEST,
                false,
                &format!(
                    "{} bytes from offset {offset} run past file_size {file_size}",
                    req.body.len()
                ),
            );
        }
        up.file_size = Some(file_size);
        if let Some(keep) = cut {
            let keep = usize::try_from(keep)
                .unwrap_or(usize::MAX)
                .min(req.body.len());
            up.received.extend_from_slice(&req.body[..keep]);
            return failure(
                StatusCode::SERVICE_UNAVAILABLE,
                true,
                "the connection was interrupted during the upload (sandbox cut switch); resume from the received offset",
            );
        }
        up.received.extend_from_slice(&req.body);
        if up.received.len() as u64 == file_size {
            up.complete = true;
            Some(std::mem::take(&mut up.received))
        } else {
            None
        }
    };
    if let Some(bytes) = completed {
        finish(inner, container_id, bytes);
    }
    success()
}

fn success() -> Response {
    json_response(
        StatusCode::OK,
        &json!({"success": true, "message": "Upload successful."}),
    )
}

async fn upload_from_url(inner: &Arc<Inner>, container_id: &str, file_url: &str) -> Response {
    let Some(url) = url::Url::parse(file_url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
    else {
        return failure(
            StatusCode::BAD_REQUEST,
            false,
            &format!("file_url must be an absolute http(s) URL, got '{file_url}'"),
        );
    };
    let fetched = async {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_mins(1))
            .build()
            .map_err(|e| e.to_string())?;
        let resp = client.get(url).send().await.map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("HTTP {}", resp.status()));
        }
        resp.bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|e| e.to_string())
    }
    .await;
    match fetched {
        Ok(bytes) => {
            let already = {
                let mut demo = inner.demo_mut();
                match demo.rupload.by_container.get_mut(container_id) {
                    Some(up) if up.complete => true,
                    Some(up) => {
                        up.complete = true;
                        up.file_size = Some(bytes.len() as u64);
                        false
                    }
                    None => false,
                }
            };
            if already {
                return failure(
                    StatusCode::BAD_REQUEST,
                    false,
                    &format!("the video of container {container_id} was already uploaded"),
                );
            }
            finish(inner, container_id, bytes);
            success()
        }
        Err(why) => failure(
            StatusCode::BAD_REQUEST,
            false,
            &format!("the file could not be fetched from {file_url}: {why}"),
        ),
    }
}

/// The whole file is here: check it like a fetched video_url and start processing.
fn finish(inner: &Arc<Inner>, container_id: &str, bytes: Vec<u8>) {
    let outcome = super::publishing::check_video(inner, bytes);
    let injected = inner.lock().container_failure;
    let mut demo = inner.demo_mut();
    if let Some(c) = demo.containers.iter_mut().find(|c| c.id == container_id) {
        match (outcome, injected) {
            (Ok(_), Some(subcode)) => {
                c.processing = Processing::Failed {
                    subcode,
                    message: format!(
                        "Media upload has failed with error code {subcode} (sandbox container-failure switch)"
                    ),
                }
            }
            (Ok((processing, key)), None) => {
                c.processing = processing;
                c.upload = Some(key);
            }
            (Err((subcode, message)), _) => c.processing = Processing::Failed { subcode, message },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[tokio::test]
    async fn the_failure_body_nests_a_json_string() {
        let response = failure(StatusCode::UNAUTHORIZED, false, "unauthorized user request");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("body");
        let body: Value = serde_json::from_slice(&bytes).expect("json");
        let nested: Value = serde_json::from_str(
            body["debug_info"]["message"]
                .as_str()
                .expect("message is a string"),
        )
        .expect("nested JSON");
        assert_eq!(nested["error"]["message"], "unauthorized user request");
        assert_eq!(body["debug_info"]["type"], "ProcessingFailedError");
    }

    #[test]
    fn upload_debug_hides_the_bytes() {
        let up = Upload {
            file_size: Some(3),
            received: vec![1, 2, 3],
            complete: true,
        };
        assert!(!format!("{up:?}").contains("[1, 2, 3]"));
    }
}
