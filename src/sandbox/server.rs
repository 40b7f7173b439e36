//! The HTTP front door: one axum fallback handler that records each request, applies the
//! latency switch and routes by path to the host being emulated.
//!
//! Routing by hand (rather than with axum path patterns) keeps Meta's path rules in one
//! place: an optional `vNN.N` version segment, the `/facebook` prefix for graph.facebook.com,
//! and ids in any position.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::access::with_headers;
use super::state::{Inner, Login};
use super::{RecordedRequest, control, graph, images, oauth};

/// A parsed request, detached from axum so handlers stay plain functions.
pub struct Req {
    pub method: Method,
    pub path: String,
    pub query_params: Vec<(String, String)>,
    /// Form fields (urlencoded) or top-level members of a JSON body.
    pub body_params: Vec<(String, String)>,
    pub headers: HeaderMap,
    /// The raw body (uploads are binary).
    pub body: axum::body::Bytes,
}

impl Req {
    /// A parameter from the query string, else from the body.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query_params
            .iter()
            .chain(self.body_params.iter())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The largest body of a Graph call or an OAuth form: they carry parameters (a caption is
/// at most 2,200 characters; pictures and videos go by URL or through rupload), so a larger
/// one is refused before it is read into memory.
const MAX_GRAPH_BODY: usize = 1024 * 1024;
/// The largest body on the test controls (`/__sandbox/uploads` takes whole pictures).
const MAX_BODY: usize = 64 * 1024 * 1024;
/// The largest rupload body (Meta's documented limit for resumable video uploads).
const MAX_RUPLOAD_BODY: usize = 1024 * 1024 * 1024;

/// A body over `limit` (or cut off) gets Meta's error envelope with HTTP 413, or 400 when
/// it could not be read at all; nothing of it is kept.
fn body_refused(limit: usize, e: &axum::Error) -> Response {
    // http-body-util's `LengthLimitError`, wrapped by axum: only its wording is public here.
    let too_large = e.to_string().contains("length limit");
    let (status, message) = if too_large {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "(#100) The request body is larger than {} KB; send pictures and videos by URL or through rupload",
                limit / 1024
            ),
        )
    } else {
        (
            StatusCode::BAD_REQUEST,
            format!("(#100) The request body could not be read: {e}"),
        )
    };
    let mut error = super::errors::GraphError::invalid_parameter(message);
    error.status = status;
    (status, axum::Json(error.body("sandbox-body-limit"))).into_response()
}

/// Entry point for every request.
pub async fn handle(State(inner): State<Arc<Inner>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Meta takes videos up to 1 GB on rupload; everything else is a form or a picture.
    let limit = if parts.uri.path().starts_with("/rupload/") {
        MAX_RUPLOAD_BODY
    } else if parts.uri.path().starts_with("/__sandbox") {
        MAX_BODY
    } else {
        MAX_GRAPH_BODY
    };
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(e) => return body_refused(limit, &e),
    };
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or("").to_owned();
    // Raw video bytes are never form text: do not copy them into a string.
    let body_text = if path.starts_with("/rupload/") {
        String::new()
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let is_control = path.starts_with("/__sandbox");

    let latency = if is_control {
        0
    } else {
        let mut st = inner.lock();
        st.requests.push(RecordedRequest {
            method: parts.method.to_string(),
            path: path.clone(),
            query: query.clone(),
            // Video bytes for rupload are not kept in the log (they can be hundreds of MB).
            body: if path.starts_with("/rupload/") {
                format!("<{} bytes>", bytes.len())
            } else {
                super::request_log::body_excerpt(&body_text)
            },
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
        });
        st.latency_ms
    };
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }

    let req = Req {
        method: parts.method,
        query_params: url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect(),
        body_params: body_params(&parts.headers, &body_text),
        path,
        headers: parts.headers,
        body: bytes,
    };
    route(&inner, &req).await
}

fn body_params(headers: &HeaderMap, body: &str) -> Vec<(String, String)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/json") {
        match serde_json::from_str::<Value>(body) {
            Ok(Value::Object(map)) => map
                .into_iter()
                .map(|(k, v)| {
                    let s = match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, s)
                })
                .collect(),
            _ => Vec::new(),
        }
    } else {
        url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect()
    }
}

/// True for a Graph version segment such as `v24.0`.
pub fn is_version(segment: &str) -> bool {
    segment
        .strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major.chars().all(|c| c.is_ascii_digit())
                && minor.chars().all(|c| c.is_ascii_digit())
        })
}

async fn route(inner: &Arc<Inner>, req: &Req) -> Response {
    let segments: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["__sandbox", rest @ ..] => return control::handle(inner, req, rest),
        ["cdn", rest @ ..] => return images::handle(inner, rest).await,
        ["rupload", rest @ ..] => return super::rupload::handle(inner, req, rest).await,
        [] => return index(inner),
        _ => {}
    }
    let (login, mut rest) = match segments.as_slice() {
        ["facebook", rest @ ..] => (Login::Facebook, rest),
        rest => (Login::Instagram, rest),
    };
    if let [first, tail @ ..] = rest
        && is_version(first)
    {
        rest = tail;
    }
    let m = &req.method;
    match (login, rest) {
        (Login::Instagram, ["oauth", "authorize"]) if m == Method::GET => {
            oauth::authorize_page(inner, req, Login::Instagram)
        }
        (Login::Instagram, ["oauth", "authorize"]) if m == Method::POST => {
            oauth::authorize_decision(inner, req, Login::Instagram)
        }
        (Login::Facebook, ["dialog", "oauth"]) if m == Method::GET => {
            oauth::authorize_page(inner, req, Login::Facebook)
        }
        (Login::Facebook, ["dialog", "oauth"]) if m == Method::POST => {
            oauth::authorize_decision(inner, req, Login::Facebook)
        }
        (Login::Instagram, ["oauth", "access_token"]) => oauth::instagram_code_exchange(inner, req),
        (Login::Instagram, ["access_token"]) => {
            with_headers(inner, None, oauth::instagram_long_lived(inner, req))
        }
        (Login::Instagram, ["refresh_access_token"]) => {
            with_headers(inner, None, oauth::instagram_refresh(inner, req))
        }
        (Login::Facebook, ["debug_token"]) => {
            with_headers(inner, None, oauth::facebook_debug_token(inner, req))
        }
        (Login::Facebook, ["oauth", "access_token"]) => {
            with_headers(inner, None, oauth::facebook_token(inner, req))
        }
        (login, path) => graph::handle(inner, req, login, path),
    }
}

fn index(inner: &Inner) -> Response {
    let accounts: Vec<String> = inner
        .demo()
        .accounts
        .iter()
        .map(|a| {
            format!(
                "<li>@{} (IG id {}, {})</li>",
                a.username, a.ig_id, a.account_type
            )
        })
        .collect();
    html(
        StatusCode::OK,
        &format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>socialdesk sandbox</title></head><body>\
             <h1>socialdesk sandbox</h1><p>A local emulator of Meta's Instagram APIs.</p>\
             <ul>{}</ul><p>State: <a href=\"/__sandbox/state\">/__sandbox/state</a></p></body></html>",
            accounts.join("")
        ),
    )
}

/// A JSON response.
pub fn json(status: StatusCode, value: &Value) -> Response {
    let mut resp = (status, value.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    resp
}

/// An HTML response.
pub fn html(status: StatusCode, body: &str) -> Response {
    let mut resp = (status, body.to_owned()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}

/// A 302 to `location`.
pub fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut resp = Response::new(Body::empty());
            *resp.status_mut() = StatusCode::FOUND;
            resp.headers_mut().insert(header::LOCATION, value);
            resp
        }
        Err(_) => html(
            StatusCode::BAD_REQUEST,
            "redirect_uri contains characters not allowed in a URL",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::is_version;

    #[test]
    fn version_segments() {
        assert!(is_version("v24.0"));
        assert!(is_version("v3.2"));
        assert!(!is_version("v24"));
        assert!(!is_version("me"));
        assert!(!is_version("vx.0"));
        assert!(!is_version("17841400000000001"));
    }
}
