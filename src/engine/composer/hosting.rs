//! Getting a prepared file to a public URL that Meta can fetch (the desktop problem).
//!
//! Meta's publishing API does not take uploads of pictures: it fetches `image_url` from a
//! public server. A desktop app has none, so the user's file goes to a host they control:
//! in sandbox mode the sandbox's own upload endpoint (`POST /__sandbox/uploads`). No relay
//! of ours ever sees the user's files.

use std::time::Duration;

use url::Url;

use super::super::core::Core;

/// The settings key holding the root URL of a sandbox whose upload endpoint hosts files
/// (for a CLI or app pointed at a separately running `socialdesk sandbox`).
pub const SANDBOX_HOSTING_KEY: &str = "composer.hosting.sandbox_url";

/// Why a file could not be hosted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HostingError {
    #[error(
        "no file hosting is set up: Meta fetches pictures from a public URL, so socialdesk needs somewhere to put them; run against the sandbox, or set a hosting URL with `socialdesk publish hosting --sandbox-url URL`"
    )]
    NotConfigured,
    #[error("uploading {file} to {host} failed: {reason}; check the host is running and reachable")]
    Upload {
        file: String,
        host: String,
        reason: String,
    },
}

/// Where prepared files go.
#[derive(Clone, Debug)]
pub enum Hosting {
    /// The sandbox's upload endpoint under this root.
    Sandbox { root: Url },
}

impl Hosting {
    /// The hosting for this engine: the embedded sandbox, else the configured one.
    pub async fn for_core(core: &Core) -> Result<Hosting, super::PublishError> {
        if let Some(sandbox) = core.sandbox() {
            return Ok(Hosting::Sandbox {
                root: sandbox.url(),
            });
        }
        let saved = core.with_store(|s| s.setting(SANDBOX_HOSTING_KEY)).await?;
        match saved.and_then(|u| Url::parse(&u).ok()) {
            Some(root) => Ok(Hosting::Sandbox { root }),
            None => Err(HostingError::NotConfigured.into()),
        }
    }

    /// Uploads `bytes` and returns the public URL Meta will fetch.
    pub async fn upload(
        &self,
        file_name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<String, HostingError> {
        match self {
            Hosting::Sandbox { root } => {
                let fail = |reason: String| HostingError::Upload {
                    file: file_name.to_owned(),
                    host: root.to_string(),
                    reason,
                };
                let mut url = root
                    .join("__sandbox/uploads")
                    .map_err(|e| fail(e.to_string()))?;
                url.query_pairs_mut().append_pair("filename", file_name);
                let http = reqwest::Client::builder()
                    .timeout(Duration::from_secs(60))
                    .build()
                    .map_err(|e| fail(e.to_string()))?;
                let resp = http
                    .post(url)
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .body(bytes)
                    .send()
                    .await
                    .map_err(|e| fail(e.without_url().to_string()))?;
                let status = resp.status();
                let body: serde_json::Value = resp
                    .json()
                    .await
                    .map_err(|e| fail(e.without_url().to_string()))?;
                if !status.is_success() {
                    return Err(fail(format!("HTTP {status}: {}", body["error"])));
                }
                body["url"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| fail("the answer had no url".into()))
            }
        }
    }
}
