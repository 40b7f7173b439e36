//! Resumable video upload to rupload.facebook.com (Facebook Login only;
//! facebook-login.md §7.10).
//!
//! After `POST /<IG_ID>/media` with `upload_type=resumable`, the video's bytes go to
//! `POST https://rupload.facebook.com/ig-api-upload/<API_VERSION>/<CONTAINER_ID>` with
//! `Authorization: OAuth <token>`, `offset` (the first byte sent) and `file_size` headers and
//! the raw bytes as body. Meta then processes the container like one made from `video_url`.
//!
//! rupload is not a Graph host: its failures are `{"debug_info":{"retriable","type",
//! "message"}}` where `message` is itself a JSON string `{"success":false,"error":{…}}`. They
//! are mapped onto [`GraphError`] here (`retriable` → [`ErrorKind::Transient`]) so the
//! pipeline handles one error type. Uploads go through the `uploads` client of
//! [`super::HttpClients`], without the API client's 30-second timeout: a large video over a
//! slow link takes minutes.

use serde_json::Value;
use url::Url;

use super::{ErrorKind, GraphClient, GraphError, Session};
use crate::ids::ContainerId;
use crate::model::LoginKind;

/// What the upload host reports about a resumable upload (see [`RuploadHandler::progress`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadProgress {
    /// Bytes received so far: the `offset` to resume from.
    pub offset: u64,
    pub complete: bool,
}

/// `client.rupload(&session)`.
pub struct RuploadHandler<'a> {
    client: &'a GraphClient,
    session: &'a Session,
}

impl GraphClient {
    /// Resumable video upload for containers created with `upload_type=resumable`.
    pub fn rupload<'a>(&'a self, session: &'a Session) -> RuploadHandler<'a> {
        RuploadHandler {
            client: self,
            session,
        }
    }
}

impl RuploadHandler<'_> {
    /// `{rupload}/ig-api-upload/{version}/{container}`.
    pub fn url(&self, container: &ContainerId) -> Result<Url, GraphError> {
        let endpoints = self.client.endpoints();
        endpoints
            .rupload
            .join(&format!(
                "ig-api-upload/{}/{}",
                endpoints.api_version,
                container.as_str()
            ))
            .map_err(|e| {
                GraphError::new(
                    ErrorKind::InvalidParameter,
                    format!("bad rupload URL for container {container}: {e}"),
                )
            })
    }

    fn check_login(&self) -> Result<(), GraphError> {
        if self.session.login == LoginKind::Facebook {
            Ok(())
        } else {
            Err(GraphError::new(
                ErrorKind::InvalidParameter,
                "resumable upload (rupload) is only available to accounts connected with Facebook Login; host the video instead",
            ))
        }
    }

    /// Sends `bytes[offset..]` of a `bytes.len()`-byte file. Not retried here: the caller
    /// asks [`Self::progress`] where to resume after a failure.
    pub async fn upload(
        &self,
        container: &ContainerId,
        bytes: &bytes::Bytes,
        offset: u64,
    ) -> Result<(), GraphError> {
        self.check_login()?;
        let start = usize::try_from(offset)
            .ok()
            .filter(|o| *o <= bytes.len())
            .ok_or_else(|| {
                GraphError::new(
                    ErrorKind::InvalidParameter,
                    format!(
                        "resume offset {offset} is past the end of the {}-byte file",
                        bytes.len()
                    ),
                )
            })?;
        let url = self.url(container)?;
        tracing::info!(path = %url.path(), offset, size = bytes.len(), "uploading video bytes");
        let resp = self
            .client
            .http()
            .uploads
            .post(url)
            .header(
                reqwest::header::AUTHORIZATION,
                format!("OAuth {}", self.session.token()),
            )
            .header("offset", offset.to_string())
            .header("file_size", bytes.len().to_string())
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            // A view of the file from `start`: a resumed upload copies nothing.
            .body(bytes.slice(start..))
            .send()
            .await
            .map_err(GraphError::from_transport)?;
        let status = resp.status().as_u16();
        let body = resp.text().await.map_err(GraphError::from_transport)?;
        let v: Option<Value> = serde_json::from_str(&body).ok();
        match v {
            Some(v) if v["success"] == Value::Bool(true) => Ok(()),
            _ => Err(upload_error(status, &body)),
        }
    }

    /// How many bytes the upload host holds for `container` (the offset to resume from).
    ///
    /// Meta's documents do not describe this call; the sandbox answers `GET` on the upload
    /// URL with `{"offset","upload_status"}`. Against a host that does not, this fails and
    /// the caller restarts the upload from offset 0.
    pub async fn progress(&self, container: &ContainerId) -> Result<UploadProgress, GraphError> {
        self.check_login()?;
        let url = self.url(container)?;
        let resp = self
            .client
            .http()
            .uploads
            .get(url)
            .header(
                reqwest::header::AUTHORIZATION,
                format!("OAuth {}", self.session.token()),
            )
            .send()
            .await
            .map_err(GraphError::from_transport)?;
        let status = resp.status().as_u16();
        let body = resp.text().await.map_err(GraphError::from_transport)?;
        if !(200..300).contains(&status) {
            return Err(upload_error(status, &body));
        }
        let v: Value = serde_json::from_str(&body).map_err(|e| GraphError::decode("$", e))?;
        let offset = v["offset"]
            .as_u64()
            .ok_or_else(|| GraphError::decode("$.offset", "missing"))?;
        Ok(UploadProgress {
            offset,
            complete: v["upload_status"].as_str() == Some("complete"),
        })
    }
}

/// Maps a rupload failure (`debug_info`, a Graph envelope, or anything else).
fn upload_error(status: u16, body: &str) -> GraphError {
    let v: Option<Value> = serde_json::from_str(body).ok();
    let Some(info) = v.as_ref().and_then(|v| v.get("debug_info")) else {
        let mut e = GraphError::from_response(status, body);
        if e.message.is_empty() {
            e.message = format!("the upload host answered HTTP {status}");
        }
        return e;
    };
    let raw = info["message"].as_str().unwrap_or_default();
    // The message is a JSON string carrying the real reason.
    let reason = serde_json::from_str::<Value>(raw)
        .ok()
        .and_then(|m| m["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| raw.to_owned());
    let retriable = info["retriable"].as_bool().unwrap_or(status >= 500);
    let kind = if retriable {
        ErrorKind::Transient
    } else if reason.contains("unauthorized") {
        ErrorKind::PermissionMissing { permission: None }
    } else {
        ErrorKind::InvalidParameter
    };
    let mut e = GraphError::new(kind, format!("video upload refused: {reason}"));
    e.http_status = Some(status);
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Endpoints;

    #[test]
    fn documented_failures_map_to_kinds() {
        let body = serde_json::json!({"debug_info": {
            "retriable": false, "type": "ProcessingFailedError",
            "message": "{\"success\":false,\"error\":{\"message\":\"unauthorized user request\"}}"
        }})
        .to_string();
        let e = upload_error(401, &body);
        assert_eq!(e.kind, ErrorKind::PermissionMissing { permission: None });
        assert!(e.message.contains("unauthorized user request"), "{e}");

        let body = serde_json::json!({"debug_info": {
            "retriable": true, "type": "ProcessingFailedError",
            "message": "{\"success\":false,\"error\":{\"message\":\"cut\"}}"
        }})
        .to_string();
        assert!(upload_error(503, &body).is_retryable());
        assert!(upload_error(502, "<html>bad gateway</html>").is_retryable());
    }

    #[test]
    fn the_upload_url_carries_the_version_and_container() {
        let root = Url::parse("http://127.0.0.1:9/").expect("url");
        let client = GraphClient::new(Endpoints::sandbox(&root)).expect("client");
        let s = Session::new(LoginKind::Facebook, "tok");
        let url = client
            .rupload(&s)
            .url(&ContainerId::from("1790"))
            .expect("url");
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/rupload/ig-api-upload/v24.0/1790"
        );
        let live = GraphClient::new(Endpoints::meta()).expect("client");
        assert_eq!(
            live.rupload(&s)
                .url(&ContainerId::from("1790"))
                .expect("url")
                .as_str(),
            "https://rupload.facebook.com/ig-api-upload/v24.0/1790"
        );
    }
}
