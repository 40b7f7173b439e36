//! Getting a prepared file to a public URL that Meta can fetch (the desktop problem).
//!
//! Meta's publishing API does not take uploads of pictures: it fetches `image_url` from a
//! public server. A desktop app has none, so the user's file goes to a host they control:
//! in sandbox mode the sandbox's own upload endpoint (`POST /__sandbox/uploads`); otherwise
//! the user's S3-compatible bucket (see [`super::s3`]), with a presigned GET URL for Meta.
//! No relay of ours ever sees the user's files.

use secrecy::ExposeSecret;
use url::Url;

use super::super::core::Core;
use super::s3::S3Hosting;

/// The settings key holding the root URL of a sandbox whose upload endpoint hosts files
/// (for a CLI or app pointed at a separately running `socialdesk sandbox`).
pub const SANDBOX_HOSTING_KEY: &str = "composer.hosting.sandbox_url";

/// Why a file could not be hosted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HostingError {
    #[error(
        "no file hosting is set up: Meta fetches pictures from a public URL, so socialdesk needs somewhere to put them; configure your S3-compatible bucket with `socialdesk publish hosting --s3-endpoint URL --s3-bucket NAME --s3-region REGION --s3-access-key-id ID` (secret in SOCIALDESK_S3_SECRET_ACCESS_KEY), or run against the sandbox"
    )]
    NotConfigured,
    #[error(
        "the S3 hosting settings are not usable: {reason}; fix them with `socialdesk publish hosting --s3-…`"
    )]
    S3Config { reason: String },
    #[error(
        "S3 hosting is configured but its secret access key is not in the secret store; set it again with `socialdesk publish hosting` (SOCIALDESK_S3_SECRET_ACCESS_KEY)"
    )]
    S3SecretMissing,
    #[error("uploading {file} to {host} failed: {reason}; check the host is running and reachable")]
    Upload {
        file: String,
        host: String,
        reason: String,
    },
}

/// Where prepared files go, with the engine's upload client to send them.
#[derive(Clone, Debug)]
pub enum Hosting {
    /// The sandbox's upload endpoint under this root.
    Sandbox { root: Url, http: reqwest::Client },
    /// The user's S3-compatible bucket.
    S3 {
        bucket: Box<S3Hosting>,
        http: reqwest::Client,
    },
}

impl Hosting {
    /// The hosting for this engine: the embedded sandbox, else the user's S3 bucket, else a
    /// separately running sandbox's upload endpoint.
    pub async fn for_core(core: &Core) -> Result<Hosting, super::PublishError> {
        let http = core.http().uploads.clone();
        if let Some(sandbox) = core.sandbox() {
            return Ok(Hosting::Sandbox {
                root: sandbox.url(),
                http,
            });
        }
        let settings = core.with_store(super::s3::S3Settings::load).await?;
        if let Some(settings) = settings {
            let secret = core
                .secrets()
                .get(super::s3::S3_SECRET_KEY)
                .map_err(|e| HostingError::S3Config {
                    reason: format!("the secret access key could not be read: {e}"),
                })?
                .ok_or(HostingError::S3SecretMissing)?;
            return Ok(Hosting::S3 {
                bucket: Box::new(S3Hosting::new(&settings, secret.expose_secret())?),
                http,
            });
        }
        let saved = core.with_store(|s| s.setting(SANDBOX_HOSTING_KEY)).await?;
        match saved.and_then(|u| Url::parse(&u).ok()) {
            Some(root) => Ok(Hosting::Sandbox { root, http }),
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
            Hosting::S3 { bucket, http } => {
                bucket.upload(http, file_name, content_type, bytes).await
            }
            Hosting::Sandbox { root, http } => {
                let fail = |reason: String| HostingError::Upload {
                    file: file_name.to_owned(),
                    host: root.to_string(),
                    reason,
                };
                let mut url = root
                    .join("__sandbox/uploads")
                    .map_err(|e| fail(e.to_string()))?;
                url.query_pairs_mut().append_pair("filename", file_name);
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
