//! The desktop's side of a server, as the command line uses it: pairing (the device token
//! goes to the secret store, the server's URL to `<data>/server-link.json`), handing an
//! account's token over (admins), scheduling a post with prepared JPEGs, and reading the
//! shared calendar.
//!
//! It lives beside the server (the server's own API types, one HTTP client) rather than in
//! the engine because only the CLI uses it so far; the Calendar UI would move it down to the
//! engine, which the UI may use.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::store::SecretStore;
use crate::store::private_files;

/// The secret-store key of this desktop's device token.
pub const DEVICE_TOKEN_KEY: &str = "server.device_token";
/// The file (in the data folder) naming the paired server.
pub const LINK_FILE: &str = "server-link.json";

/// Why talking to the server failed, worded for the person at the desktop.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "this desktop is not paired with a server: ask an admin for a code (`socialdesk server invite`) and run `socialdesk server pair URL CODE`"
    )]
    NotPaired,
    #[error("could not reach the server at {url}: {reason} (is it running, and the URL right?)")]
    Unreachable { url: String, reason: String },
    #[error("the server refused: {message} (HTTP {status})")]
    Refused { status: u16, message: String },
    #[error("the server's answer was not what this version expects: {0}")]
    Answer(String),
    #[error("could not {action} {path}: {source}")]
    File {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Secret(#[from] crate::store::secrets::SecretError),
}

/// What `server-link.json` holds (no secret: the token is in the secret store).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Link {
    pub url: String,
    pub device_id: i64,
    pub role: String,
}

/// A paired server: its URL and this desktop's device token.
pub struct ServerClient {
    http: reqwest::Client,
    url: String,
    token: SecretString,
}

impl ServerClient {
    /// Pairs with the server at `url` using an invite `code`, keeps the token in `secrets`
    /// and the link in `data_dir`.
    pub async fn pair(
        http: reqwest::Client,
        url: &str,
        code: &str,
        device_name: &str,
        secrets: &dyn SecretStore,
        data_dir: &Path,
    ) -> Result<Link, ClientError> {
        let url = url.trim_end_matches('/').to_owned();
        let response = http
            .post(format!("{url}/pair"))
            .json(&json!({"code": code, "device_name": device_name}))
            .send()
            .await
            .map_err(|e| unreachable(&url, e))?;
        let body = answer(response).await?;
        let token = body["token"]
            .as_str()
            .ok_or_else(|| ClientError::Answer("no token in the pairing answer".into()))?;
        secrets.set(DEVICE_TOKEN_KEY, &token.into())?;
        let link = Link {
            url,
            device_id: body["device_id"].as_i64().unwrap_or_default(),
            role: body["role"].as_str().unwrap_or("viewer").to_owned(),
        };
        let path = data_dir.join(LINK_FILE);
        let text =
            serde_json::to_string_pretty(&link).map_err(|e| ClientError::Answer(e.to_string()))?;
        std::fs::create_dir_all(data_dir).map_err(|source| ClientError::File {
            action: "create",
            path: data_dir.to_owned(),
            source,
        })?;
        write_private(&path, text.as_bytes())?;
        Ok(link)
    }

    /// The paired server of `data_dir`, or [`ClientError::NotPaired`].
    pub fn open(
        http: reqwest::Client,
        secrets: &dyn SecretStore,
        data_dir: &Path,
    ) -> Result<Self, ClientError> {
        let path = data_dir.join(LINK_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ClientError::NotPaired);
            }
            Err(source) => {
                return Err(ClientError::File {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        let link: Link = serde_json::from_str(&text)
            .map_err(|e| ClientError::Answer(format!("{}: {e}", path.display())))?;
        let token = secrets
            .get(DEVICE_TOKEN_KEY)?
            .ok_or(ClientError::NotPaired)?;
        Ok(Self {
            http,
            url: link.url,
            token,
        })
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ClientError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(self.token.expose_secret());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| unreachable(&self.url, e))?;
        answer(response).await
    }

    /// `PUT /accounts/{ig_user_id}` (admin): hands the account's token to the server.
    pub async fn share_account(
        &self,
        ig_user_id: &str,
        login: &str,
        token: &SecretString,
    ) -> Result<(), ClientError> {
        self.send(
            reqwest::Method::PUT,
            &format!("/accounts/{ig_user_id}"),
            Some(json!({"login": login, "access_token": token.expose_secret()})),
        )
        .await
        .map(|_| ())
    }

    /// `POST /posts`: schedules prepared JPEGs (`jpegs`) and hosted pictures (`urls`).
    pub async fn schedule(
        &self,
        ig_user_id: &str,
        caption: &str,
        at: i64,
        jpegs: &[Vec<u8>],
        urls: &[String],
    ) -> Result<Value, ClientError> {
        let images: Vec<Value> = jpegs
            .iter()
            .map(|bytes| json!({"jpeg_base64": STANDARD.encode(bytes)}))
            .chain(urls.iter().map(|url| json!({"image_url": url})))
            .collect();
        self.send(
            reqwest::Method::POST,
            "/posts",
            Some(
                json!({"account_id": ig_user_id, "caption": caption, "scheduled_at": at,
                        "images": images}),
            ),
        )
        .await
    }

    /// `GET /posts`: the shared calendar.
    pub async fn posts(&self) -> Result<Vec<Value>, ClientError> {
        let body = self.send(reqwest::Method::GET, "/posts", None).await?;
        Ok(body["data"].as_array().cloned().unwrap_or_default())
    }
}

/// The JSON body of a successful answer, or the server's error message.
async fn answer(response: reqwest::Response) -> Result<Value, ClientError> {
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| ClientError::Answer(e.without_url().to_string()))?;
    let body: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).map_err(|e| ClientError::Answer(e.to_string()))?
    };
    if status.is_success() {
        Ok(body)
    } else {
        Err(ClientError::Refused {
            status: status.as_u16(),
            message: body["error"]["message"]
                .as_str()
                .unwrap_or("no reason given")
                .to_owned(),
        })
    }
}

fn unreachable(url: &str, e: reqwest::Error) -> ClientError {
    ClientError::Unreachable {
        url: url.to_owned(),
        reason: e.without_url().to_string(),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ClientError> {
    use std::io::Write as _;
    let error = |source| ClientError::File {
        action: "write",
        path: path.to_owned(),
        source,
    };
    let mut file = private_files::private_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(error)?;
    file.write_all(bytes).map_err(error)?;
    private_files::restrict(path).map_err(error)
}
