//! `socialdesk server` as its users meet it, on SQLite and on PostgreSQL: the real binary
//! started with `--listen 127.0.0.1:0`, Meta's side played with real signed HTTP requests,
//! desktops paired with codes from `socialdesk server invite`, and the database and logs
//! searched afterwards for every secret the run used.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::cli;
use crate::support::postgres::Postgres;

/// Where the server under test keeps its data.
pub(crate) enum Backend {
    Sqlite,
    Postgres { pg: Postgres, url: String },
}

impl Backend {
    /// `--database URL` for PostgreSQL, nothing for SQLite.
    pub(crate) fn args(&self) -> Vec<String> {
        match self {
            Self::Sqlite => Vec::new(),
            Self::Postgres { url, .. } => vec!["--database".into(), url.clone()],
        }
    }
}

/// A `socialdesk server` process; SIGTERM and a clean exit are checked by [`Self::stop`].
pub(crate) struct Server {
    child: Child,
    /// Kept open so the server never writes to a closed pipe.
    _stdout: BufReader<ChildStdout>,
    pub(crate) base: String,
    stderr_path: PathBuf,
}

pub(crate) const VERIFY_TOKEN: &str = "verify-token-5b1f0c";
pub(crate) const APP_SECRET: &str = "app-secret-9d2e77a4c3";

impl Server {
    fn start(data: &Path, backend: &Backend) -> Self {
        Self::start_with(data, backend, &[])
    }

    /// [`Self::start`] with more arguments (`--meta-url`, `--lease-secs`, …).
    pub(crate) fn start_with(data: &Path, backend: &Backend, extra: &[String]) -> Self {
        let stderr_path = data.join("server.stderr");
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&stderr_path)
            .expect("stderr file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_socialdesk"))
            .args(["server", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .args(backend.args())
            .args(extra)
            .env("SOCIALDESK_VERIFY_TOKEN", VERIFY_TOKEN)
            .env("SOCIALDESK_APP_SECRET", APP_SECRET)
            .env_remove("SOCIALDESK_DATABASE_URL")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn socialdesk server");
        let stdout = child.stdout.take().expect("stdout piped");
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("read the server's first line");
        let base = line
            .trim()
            .strip_prefix("socialdesk server listening on ")
            .unwrap_or_else(|| {
                let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                panic!("unexpected first line {line:?}; stderr: {err}")
            })
            .trim_end_matches('/')
            .to_owned();
        Self {
            child,
            _stdout: stdout,
            base,
            stderr_path,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: the process dies at once, mid-step, its claims left to expire.
    pub(crate) fn kill(mut self) {
        self.child.kill().expect("SIGKILL the server");
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit status must be success (a graceful shutdown); returns stderr.
    pub(crate) fn stop(mut self) -> String {
        let term = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(term.success(), "kill -TERM failed");
        let status = self.child.wait().expect("wait for the server");
        let stderr = std::fs::read_to_string(&self.stderr_path).unwrap_or_default();
        assert!(status.success(), "server exited with {status}: {stderr}");
        stderr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // After `stop` this finds the process gone; on a failed assertion it ends it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `X-Hub-Signature-256` for `body` under `secret`, as Meta computes it.
fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A Facebook Login comments notification (`changes[]`), sent at `time`.
fn comment_notification(comment_id: &str, time: i64) -> Vec<u8> {
    json!([{"object": "instagram", "entry": [{"id": "17841405309211844", "time": time,
        "changes": [{"field": "comments", "value": {
            "from": {"id": "232323232", "username": "a_fan"}, "comment_id": comment_id,
            "text": "Love this!", "media": {"id": "17918195224117851", "media_product_type": "FEED"}}}]}]}])
    .to_string()
    .into_bytes()
}

/// An Instagram Login comments notification (`field`/`value` on the entry).
fn instagram_login_comment(comment_id: &str) -> Vec<u8> {
    json!([{"object": "instagram", "entry": [{"id": "17841405309211844", "time": 1_700_000_100,
        "field": "comments", "value": {"id": comment_id, "from": {"id": "1", "username": "b"},
        "text": "Where is this?", "media": {"id": "17918195224117851", "media_product_type": "REELS"}}}]}])
    .to_string()
    .into_bytes()
}

async fn post_webhook(
    server: &Server,
    body: Vec<u8>,
    signature: Option<String>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(server.url("/webhooks"))
        .header("content-type", "application/json")
        .body(body);
    if let Some(signature) = signature {
        request = request.header("x-hub-signature-256", signature);
    }
    request.send().await.expect("POST /webhooks")
}

/// `socialdesk server invite --role ROLE`: the code it printed.
pub(crate) fn invite(data: &Path, backend: &Backend, role: &str) -> String {
    let mut args = vec![
        "server".to_owned(),
        "invite".into(),
        "--role".into(),
        role.into(),
    ];
    args.extend(backend.args());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = cli::socialdesk(data, &args);
    assert!(out.status.success(), "invite: {}", cli::stderr(&out));
    let code = cli::stdout(&out).trim().to_owned();
    assert!(!code.is_empty(), "no code printed");
    code
}

async fn pair(server: &Server, code: &str, name: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(server.url("/pair"))
        .json(&json!({"code": code, "device_name": name}))
        .send()
        .await
        .expect("POST /pair")
}

/// Pairs a device and returns its (id, token).
pub(crate) async fn paired(server: &Server, code: &str, name: &str) -> (i64, String) {
    let response = pair(server, code, name).await;
    assert_eq!(response.status(), StatusCode::CREATED, "pairing {name}");
    let body: Value = response.json().await.expect("json");
    (
        body["device_id"].as_i64().expect("device_id"),
        body["token"].as_str().expect("token").to_owned(),
    )
}

pub(crate) async fn call(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new().request(method, server.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request")
}

pub(crate) async fn get_json(server: &Server, path: &str, token: &str) -> Value {
    let response = call(server, reqwest::Method::GET, path, Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.expect("json")
}

/// How long a stream step may take before the test calls it hung (not a performance bound).
const HANG_GUARD: std::time::Duration = std::time::Duration::from_mins(1);

/// A desktop's view of `GET /events/stream`.
struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    async fn open(server: &Server, token: &str, last_event_id: Option<i64>) -> Self {
        let mut request = reqwest::Client::new()
            .get(server.url("/events/stream"))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.send().await.expect("GET /events/stream");
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/event-stream")
        );
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event's id and data, or `None` once the server closed the stream.
    async fn next(&mut self) -> Option<(i64, Value)> {
        tokio::time::timeout(HANG_GUARD, self.next_unguarded())
            .await
            .expect("the event stream hung")
    }

    async fn next_unguarded(&mut self) -> Option<(i64, Value)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut id = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().parse::<i64>().expect("numeric id"));
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                // A block without an id is a keep-alive comment.
                if let Some(id) = id {
                    return Some((id, serde_json::from_str(&data).expect("JSON data")));
                }
                continue;
            }
            match self.response.chunk().await {
                Ok(Some(bytes)) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(None) | Err(_) => return None,
            }
        }
    }
}

/// The whole journey on one backend; each step says what it checks.
async fn server_journey(backend: Backend) {
    let data = tempfile::tempdir().expect("temp dir");
    let server = Server::start(data.path(), &backend);
    let http = reqwest::Client::new();

    // Health needs no token.
    let health = http
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), StatusCode::OK);

    // Meta's verification handshake: the challenge back as text, 403 on a wrong token.
    let handshake = http
        .get(server.url("/webhooks"))
        .query(&[
            ("hub.mode", "subscribe"),
            ("hub.challenge", "1158201444"),
            ("hub.verify_token", VERIFY_TOKEN),
        ])
        .send()
        .await
        .expect("handshake");
    assert_eq!(handshake.status(), StatusCode::OK);
    assert!(
        handshake.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/plain")
    );
    assert_eq!(handshake.text().await.expect("text"), "1158201444");
    for (mode, token) in [
        ("subscribe", "not-the-token"),
        ("unsubscribe", VERIFY_TOKEN),
    ] {
        let refused = http
            .get(server.url("/webhooks"))
            .query(&[
                ("hub.mode", mode),
                ("hub.challenge", "1"),
                ("hub.verify_token", token),
            ])
            .send()
            .await
            .expect("handshake");
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{mode} {token}");
    }

    // Notifications: unsigned and wrongly signed ones are refused, a signed one is stored.
    let body = comment_notification("17865799348089039", 1_700_000_000);
    assert_eq!(
        post_webhook(&server, body.clone(), None).await.status(),
        StatusCode::FORBIDDEN
    );
    let forged = signature("some-other-secret", &body);
    assert_eq!(
        post_webhook(&server, body.clone(), Some(forged))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let stored = post_webhook(&server, body.clone(), Some(signature(APP_SECRET, &body))).await;
    assert_eq!(stored.status(), StatusCode::OK);
    assert_eq!(stored.json::<Value>().await.expect("json")["new"], 1);

    // Meta retries: the same event again, and again sent later, is stored once.
    let again = post_webhook(&server, body.clone(), Some(signature(APP_SECRET, &body))).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Value>().await.expect("json")["new"], 0);
    let later = comment_notification("17865799348089039", 1_700_000_900);
    let retried = post_webhook(&server, later.clone(), Some(signature(APP_SECRET, &later))).await;
    assert_eq!(retried.json::<Value>().await.expect("json")["new"], 0);
    let ig = instagram_login_comment("17999999999999999");
    let ig_stored = post_webhook(&server, ig.clone(), Some(signature(APP_SECRET, &ig))).await;
    assert_eq!(ig_stored.json::<Value>().await.expect("json")["new"], 1);

    // A body over the limit is refused before it is read in full, signed or not.
    let huge = vec![b' '; 1024 * 1024 + 1];
    let too_large = post_webhook(&server, huge.clone(), Some(signature(APP_SECRET, &huge))).await;
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Without a device token, or with a wrong one: 401 and a JSON error, on every path.
    for path in ["/events", "/devices", "/audit", "/no-such-path"] {
        let anonymous = call(&server, reqwest::Method::GET, path, None).await;
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{path}");
        let error: Value = anonymous.json().await.expect("json error");
        assert_eq!(error["error"]["code"], "unauthorized", "{path}");
        let wrong = call(&server, reqwest::Method::GET, path, Some("sdt_not-a-token")).await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "{path}");
    }

    // Pairing: a code works once.
    let admin_code = invite(data.path(), &backend, "admin");
    let (_, admin) = paired(&server, &admin_code, "office iMac").await;
    assert_eq!(
        pair(&server, &admin_code, "second try").await.status(),
        StatusCode::FORBIDDEN
    );
    let editor_code = invite(data.path(), &backend, "editor");
    let (_, editor) = paired(&server, &editor_code, "Sam's laptop").await;
    let viewer_code = invite(data.path(), &backend, "viewer");
    let (viewer_id, viewer) = paired(&server, &viewer_code, "intern").await;

    // Any role reads the stored events, in order and resumable.
    let events = get_json(&server, "/events?after=0", &viewer).await;
    let list = events["data"].as_array().expect("data");
    assert_eq!(list.len(), 2, "{events}");
    assert_eq!(list[0]["value"]["comment_id"], "17865799348089039");
    assert_eq!(list[1]["value"]["id"], "17999999999999999");
    let first = list[0]["id"].as_i64().expect("id");
    let rest = get_json(&server, &format!("/events?after={first}"), &viewer).await;
    assert_eq!(rest["data"].as_array().expect("data").len(), 1);
    let second = list[1]["id"].as_i64().expect("id");

    // Live: a desktop resuming after the first event gets the second, then a new one as it
    // arrives; one that starts from scratch gets all of them in order.
    let mut viewer_stream = EventStream::open(&server, &viewer, Some(first)).await;
    let (id, _) = viewer_stream.next().await.expect("the missed event");
    assert_eq!(id, second);
    let live = comment_notification("17800000000000003", 1_700_000_200);
    let stored_live = post_webhook(&server, live.clone(), Some(signature(APP_SECRET, &live))).await;
    assert_eq!(stored_live.status(), StatusCode::OK);
    let (live_id, value) = viewer_stream.next().await.expect("the live event");
    assert!(live_id > second);
    assert_eq!(value["value"]["comment_id"], "17800000000000003");
    let mut admin_stream = EventStream::open(&server, &admin, None).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(admin_stream.next().await.expect("an event").0);
    }
    assert_eq!(ids, [first, second, live_id]);

    // Roles: a viewer may not write, an editor may; only an admin manages devices.
    let handled = format!("/events/{first}/handled");
    let refused = call(&server, reqwest::Method::POST, &handled, Some(&viewer)).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let done = call(&server, reqwest::Method::POST, &handled, Some(&editor)).await;
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    for token in [&viewer, &editor] {
        let devices = call(&server, reqwest::Method::GET, "/devices", Some(token)).await;
        assert_eq!(devices.status(), StatusCode::FORBIDDEN);
    }
    let devices = get_json(&server, "/devices", &admin).await;
    assert_eq!(
        devices["data"].as_array().expect("data").len(),
        3,
        "{devices}"
    );

    // A revoked device is refused from its next request on.
    let revoke = call(
        &server,
        reqwest::Method::DELETE,
        &format!("/devices/{viewer_id}"),
        Some(&admin),
    )
    .await;
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    let cut_off = call(&server, reqwest::Method::GET, "/events", Some(&viewer)).await;
    assert_eq!(cut_off.status(), StatusCode::UNAUTHORIZED);
    assert!(
        viewer_stream.next().await.is_none(),
        "a revoked device's stream closes"
    );

    // The audit log says who did what.
    let audit = get_json(&server, "/audit", &admin).await;
    let actions: Vec<(String, Option<String>)> = audit["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|row| {
            (
                row["action"].as_str().unwrap_or_default().to_owned(),
                row["device_name"].as_str().map(str::to_owned),
            )
        })
        .collect();
    for expected in [
        ("device.revoked", Some("office iMac")),
        ("event.handled", Some("Sam's laptop")),
        ("device.paired", Some("intern")),
        ("invite.created", None),
    ] {
        assert!(
            actions
                .iter()
                .any(|(a, d)| a == expected.0 && d.as_deref() == expected.1),
            "{expected:?} not in {actions:?}"
        );
    }

    // No secret of this run is in the database, its dump, the log or stderr. The admin's
    // stream is still open: a graceful stop closes it.
    let stderr = server.stop();
    assert!(
        admin_stream.next().await.is_none(),
        "the stream ends with the server"
    );
    // The day's file of the daily-rotated log (`socialdesk.YYYY-MM-DD.log`).
    let log: String = std::fs::read_dir(data.path().join("logs"))
        .expect("logs folder")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("socialdesk"))
        .map(|e| std::fs::read_to_string(e.path()).expect("server log"))
        .collect();
    assert!(
        log.contains("refused a webhook notification"),
        "refusals are logged: {log}"
    );
    let stored = match &backend {
        Backend::Sqlite => {
            let db = data.path().join("server.sqlite3");
            let mode = std::fs::metadata(&db)
                .expect("database file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the database is private");
            let mut bytes = std::fs::read(&db).expect("database file");
            bytes.extend(std::fs::read(data.path().join("server.sqlite3-wal")).unwrap_or_default());
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Backend::Postgres { pg, .. } => pg.dump("socialdesk"),
    };
    assert!(
        stored.contains("17865799348089039"),
        "the search must see the stored data"
    );
    let secrets = [
        APP_SECRET,
        VERIFY_TOKEN,
        admin.as_str(),
        editor.as_str(),
        viewer.as_str(),
        admin_code.as_str(),
        editor_code.as_str(),
        viewer_code.as_str(),
    ];
    for (name, text) in [("database", &stored), ("log", &log), ("stderr", &stderr)] {
        for secret in secrets {
            let bare = secret.trim_start_matches("sdt_").replace('-', "");
            assert!(
                !text.contains(secret) && !text.contains(&bare),
                "the {name} holds a secret"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn server_journey_on_sqlite() {
    server_journey(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn server_journey_on_postgres() {
    let Some(pg) = Postgres::start("server_journey_on_postgres") else {
        return;
    };
    pg.create_database("socialdesk");
    let url = pg.url("socialdesk");
    server_journey(Backend::Postgres { pg, url }).await;
}

#[test]
fn the_server_refuses_to_start_without_its_webhook_secrets() {
    let data = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_socialdesk"))
        .args(["server", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .env_remove("SOCIALDESK_APP_SECRET")
        .env("SOCIALDESK_VERIFY_TOKEN", VERIFY_TOKEN)
        .output()
        .expect("run socialdesk server");
    cli::assert_fails_with(&out, "SOCIALDESK_APP_SECRET");
}
