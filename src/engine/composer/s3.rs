//! Hosting on the user's own S3-compatible bucket (AWS S3, Cloudflare R2, Backblaze B2,
//! MinIO…): the prepared file is uploaded with a presigned `PUT`, and Meta is handed a
//! presigned `GET` URL, so the bucket can stay private.
//!
//! Signing is local (SigV4 via `rusty-s3`); no SDK and no relay. The endpoint, bucket,
//! region and access key id are settings in SQLite; the secret access key lives only in the
//! secret store (keyring or 0600 file) and is never logged, stored in SQLite or shown in
//! `Debug` output.

use std::time::Duration;

use rand::Rng;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use url::Url;

use super::hosting::HostingError;
use crate::store::Store;

/// Settings keys (SQLite).
pub const S3_ENDPOINT_KEY: &str = "composer.hosting.s3.endpoint";
pub const S3_BUCKET_KEY: &str = "composer.hosting.s3.bucket";
pub const S3_REGION_KEY: &str = "composer.hosting.s3.region";
pub const S3_ACCESS_KEY_ID_KEY: &str = "composer.hosting.s3.access_key_id";
/// `path` (endpoint/bucket/key, MinIO and most self-hosted servers) or `virtual`
/// (bucket.endpoint/key, AWS and R2).
pub const S3_URL_STYLE_KEY: &str = "composer.hosting.s3.url_style";
/// Secret-store key of the secret access key.
pub const S3_SECRET_KEY: &str = "composer.hosting.s3.secret_access_key";

/// How long the upload URL is valid: the upload starts at once.
pub const PUT_VALIDITY: Duration = Duration::from_mins(15);
/// How long Meta may fetch the file: the S3 maximum (7 days), so that a draft resumed after
/// a container expired (24 h) can still be re-created from the same hosted URL.
pub const GET_VALIDITY: Duration = Duration::from_hours(168);

/// The non-secret part of the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Settings {
    pub endpoint: Url,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    /// Path-style URLs (`endpoint/bucket/key`) instead of virtual-host style.
    pub path_style: bool,
}

impl S3Settings {
    /// Reads the settings; `None` when S3 hosting is not configured.
    pub fn load(store: &Store) -> Result<Option<S3Settings>, crate::store::StoreError> {
        let get = |k| store.setting(k);
        let (Some(endpoint), Some(bucket), Some(access_key_id)) = (
            get(S3_ENDPOINT_KEY)?,
            get(S3_BUCKET_KEY)?,
            get(S3_ACCESS_KEY_ID_KEY)?,
        ) else {
            return Ok(None);
        };
        let Ok(endpoint) = Url::parse(&endpoint) else {
            return Ok(None);
        };
        Ok(Some(S3Settings {
            endpoint,
            bucket,
            region: get(S3_REGION_KEY)?.unwrap_or_else(|| "us-east-1".into()),
            access_key_id,
            path_style: get(S3_URL_STYLE_KEY)?.as_deref() != Some("virtual"),
        }))
    }

    /// Writes the settings (not the secret).
    pub fn save(&self, store: &Store) -> Result<(), crate::store::StoreError> {
        store.set_setting(S3_ENDPOINT_KEY, self.endpoint.as_str())?;
        store.set_setting(S3_BUCKET_KEY, &self.bucket)?;
        store.set_setting(S3_REGION_KEY, &self.region)?;
        store.set_setting(S3_ACCESS_KEY_ID_KEY, &self.access_key_id)?;
        store.set_setting(
            S3_URL_STYLE_KEY,
            if self.path_style { "path" } else { "virtual" },
        )
    }
}

/// A configured bucket with its credentials.
#[derive(Clone)]
pub struct S3Hosting {
    bucket: Bucket,
    credentials: Credentials,
}

impl std::fmt::Debug for S3Hosting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Hosting")
            .field("bucket", &self.bucket.name())
            .field("endpoint", &self.bucket.base_url().as_str())
            .finish_non_exhaustive()
    }
}

impl S3Hosting {
    /// A bucket from its settings and secret access key.
    pub fn new(settings: &S3Settings, secret_access_key: &str) -> Result<Self, HostingError> {
        let config = |reason: String| HostingError::S3Config { reason };
        if settings.bucket.trim().is_empty() {
            return Err(config("the bucket name is empty".into()));
        }
        if settings.access_key_id.trim().is_empty() || secret_access_key.trim().is_empty() {
            return Err(config(
                "the access key id or secret access key is empty".into(),
            ));
        }
        let style = if settings.path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let bucket = Bucket::new(
            settings.endpoint.clone(),
            style,
            settings.bucket.trim().to_owned(),
            settings.region.trim().to_owned(),
        )
        .map_err(|e| {
            config(format!(
                "the endpoint {} is not usable: {e:?}",
                settings.endpoint
            ))
        })?;
        Ok(Self {
            bucket,
            credentials: Credentials::new(settings.access_key_id.trim(), secret_access_key.trim()),
        })
    }

    /// A fresh object key: a date folder and an unguessable prefix before the file name.
    pub fn object_key(file_name: &str, now: chrono::DateTime<chrono::Utc>) -> String {
        let mut rng = rand::rng();
        let nonce: u64 = rng.random();
        let safe: String = file_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("socialdesk/{}/{nonce:016x}-{safe}", now.format("%Y-%m-%d"))
    }

    /// The presigned `PUT` URL for `key`.
    pub fn presign_put(&self, key: &str) -> Url {
        self.bucket
            .put_object(Some(&self.credentials), key)
            .sign(PUT_VALIDITY)
    }

    /// The presigned `GET` URL Meta fetches.
    pub fn presign_get(&self, key: &str) -> Url {
        self.bucket
            .get_object(Some(&self.credentials), key)
            .sign(GET_VALIDITY)
    }

    /// Uploads `bytes` over `http` (the engine's upload client) and returns the presigned GET
    /// URL for Meta.
    pub async fn upload(
        &self,
        http: &reqwest::Client,
        file_name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<String, HostingError> {
        let key = Self::object_key(file_name, chrono::Utc::now());
        let host = format!(
            "bucket {} at {}",
            self.bucket.name(),
            self.bucket.base_url()
        );
        let fail = |reason: String| HostingError::Upload {
            file: file_name.to_owned(),
            host: host.clone(),
            reason,
        };
        let resp = http
            .put(self.presign_put(&key))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(bytes)
            .send()
            .await
            // The URL carries a signature: keep it out of messages and logs.
            .map_err(|e| fail(e.without_url().to_string()))?;
        let status = resp.status();
        if !status.is_success() {
            let body = resp.text().await.unwrap_or_default();
            let code = body
                .split("<Code>")
                .nth(1)
                .and_then(|r| r.split("</Code>").next())
                .unwrap_or("no error code");
            return Err(fail(format!(
                "HTTP {status} ({code}); check the bucket name, region and that the access key may write to it"
            )));
        }
        Ok(self.presign_get(&key).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> S3Settings {
        S3Settings {
            endpoint: Url::parse("http://127.0.0.1:9000").expect("url"),
            bucket: "posts".into(),
            region: "eu-central-1".into(),
            access_key_id: "AKIDEXAMPLE".into(),
            path_style: true,
        }
    }

    fn query(url: &Url, name: &str) -> Option<String> {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    #[test]
    fn presigned_urls_are_signed_for_the_bucket_and_never_carry_the_secret() {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        let s3 = S3Hosting::new(&settings(), secret).expect("config");
        let put = s3.presign_put("socialdesk/2026-01-01/abc-photo.jpg");
        let get = s3.presign_get("socialdesk/2026-01-01/abc-photo.jpg");
        for url in [&put, &get] {
            assert_eq!(url.path(), "/posts/socialdesk/2026-01-01/abc-photo.jpg");
            assert_eq!(
                query(url, "X-Amz-Algorithm").as_deref(),
                Some("AWS4-HMAC-SHA256")
            );
            let credential = query(url, "X-Amz-Credential").expect("credential");
            assert!(
                credential.starts_with("AKIDEXAMPLE/")
                    && credential.ends_with("/eu-central-1/s3/aws4_request"),
                "{credential}"
            );
            let signature = query(url, "X-Amz-Signature").expect("signature");
            assert_eq!(signature.len(), 64);
            assert!(signature.chars().all(|c| c.is_ascii_hexdigit()));
            assert!(
                !url.as_str().contains("wJalrXUtnFEMI"),
                "no secret in {url}"
            );
        }
        assert_eq!(query(&put, "X-Amz-Expires").as_deref(), Some("900"));
        assert_eq!(
            query(&get, "X-Amz-Expires").as_deref(),
            Some("604800"),
            "Meta gets a week to fetch"
        );
        assert_ne!(
            query(&put, "X-Amz-Signature"),
            query(&get, "X-Amz-Signature"),
            "PUT and GET are signed separately"
        );
        // A different secret gives a different signature (the secret is really used).
        let other = S3Hosting::new(&settings(), "another-secret").expect("config");
        let get2 = other.presign_get("socialdesk/2026-01-01/abc-photo.jpg");
        if query(&get, "X-Amz-Date") == query(&get2, "X-Amz-Date") {
            assert_ne!(
                query(&get, "X-Amz-Signature"),
                query(&get2, "X-Amz-Signature")
            );
        }
    }

    #[test]
    fn virtual_host_style_puts_the_bucket_in_the_host() {
        let mut s = settings();
        s.endpoint = Url::parse("https://s3.eu-central-1.amazonaws.com").expect("url");
        s.path_style = false;
        let url = S3Hosting::new(&s, "secret")
            .expect("config")
            .presign_get("k.jpg");
        assert_eq!(url.host_str(), Some("posts.s3.eu-central-1.amazonaws.com"));
        assert_eq!(url.path(), "/k.jpg");
    }

    #[test]
    fn bad_configuration_names_the_fix_and_debug_hides_the_secret() {
        let mut s = settings();
        s.bucket = " ".into();
        let err = S3Hosting::new(&s, "secret").expect_err("no bucket");
        assert!(err.to_string().contains("bucket name is empty"), "{err}");
        let err = S3Hosting::new(&settings(), "").expect_err("no secret");
        assert!(err.to_string().contains("secret access key"), "{err}");
        let mut s = settings();
        s.endpoint = Url::parse("ftp://example.com").expect("url");
        assert!(S3Hosting::new(&s, "secret").is_err());

        let debug = format!(
            "{:?}",
            S3Hosting::new(&settings(), "topsecret").expect("ok")
        );
        assert!(
            !debug.contains("topsecret") && !debug.contains("AKIDEXAMPLE"),
            "{debug}"
        );
        let debug = format!("{:?}", secrecy::SecretString::from("topsecret"));
        assert!(!debug.contains("topsecret"), "{debug}");
    }

    #[test]
    fn object_keys_are_unguessable_and_url_safe() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-03-04T05:06:07Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        let a = S3Hosting::object_key("my photo (1).jpg", now);
        let b = S3Hosting::object_key("my photo (1).jpg", now);
        assert!(a.starts_with("socialdesk/2026-03-04/"), "{a}");
        assert!(a.ends_with("-my_photo__1_.jpg"), "{a}");
        assert_ne!(a, b);
    }
}
