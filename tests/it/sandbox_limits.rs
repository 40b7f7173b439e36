//! The sandbox stays up and bounded under hostile input: deep `fields=` nesting, absurd
//! clock jumps, and a request log that neither grows forever nor shows secrets.

use reqwest::{Client, StatusCode};
use serde_json::Value;
use socialdesk::sandbox::{DEMO_CREATOR_USERNAME, Sandbox, SandboxOptions};

const BASIC: &str = "instagram_business_basic";

async fn start() -> Sandbox {
    Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox starts")
}

fn token(sb: &Sandbox) -> String {
    sb.control()
        .mint_token("instagram", DEMO_CREATOR_USERNAME, &[BASIC])
        .expect("token")
}

/// `GET v24.0/me?fields=…` with the token in the Authorization header: (status, body).
async fn me(c: &Client, sb: &Sandbox, token: &str, fields: &str) -> (StatusCode, Value) {
    let mut url = sb.url().join("v24.0/me").expect("url");
    url.query_pairs_mut().append_pair("fields", fields);
    let resp = c.get(url).bearer_auth(token).send().await.expect("sent");
    let status = resp.status();
    (status, resp.json().await.expect("json"))
}

async fn post_clock(c: &Client, sb: &Sandbox, secs: &str) -> (StatusCode, Value) {
    let mut url = sb.url().join("__sandbox/clock").expect("url");
    url.query_pairs_mut().append_pair("advance_secs", secs);
    let resp = c.post(url).send().await.expect("sent");
    let status = resp.status();
    (status, resp.json().await.expect("json"))
}

#[tokio::test]
async fn deeply_nested_fields_get_a_400_and_the_sandbox_lives_on() {
    let sb = start().await;
    let c = Client::new();
    let token = token(&sb);
    let deep = format!("{}id{}", "media{".repeat(5_000), "}".repeat(5_000));
    let (status, body) = me(&c, &sb, &token, &deep).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], 100, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("32 levels"), "{message}");
    let (status, body) = me(&c, &sb, &token, "id,username").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["username"], DEMO_CREATOR_USERNAME);
    sb.shutdown().await;
}

#[tokio::test]
async fn absurd_clock_advances_get_a_400_and_the_sandbox_lives_on() {
    let sb = start().await;
    let c = Client::new();
    for bad in ["inf", "1e300", "NaN", "-5", "-inf"] {
        let (status, body) = post_clock(&c, &sb, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.contains("advance_secs"), "{bad}: {error}");
    }
    let (status, body) = post_clock(&c, &sb, "60").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    sb.shutdown().await;
}

#[tokio::test]
async fn the_request_log_is_capped_and_never_shows_a_token() {
    let sb = start().await;
    let c = Client::new();
    let token = token(&sb);
    let cap = 1_000;
    for _ in 0..cap + 20 {
        let resp = c.get(sb.url()).send().await.expect("index");
        assert!(resp.status().is_success());
    }
    assert_eq!(sb.control().requests().len(), cap, "the log is a ring");
    let (status, _) = me(&c, &sb, &token, "id").await;
    assert_eq!(status, StatusCode::OK);
    let mut url = sb.url().join("v24.0/me").expect("url");
    url.query_pairs_mut()
        .append_pair("fields", "id")
        .append_pair("access_token", &token);
    assert!(c.get(url).send().await.expect("sent").status().is_success());

    let listed = c
        .get(sb.url().join("__sandbox/requests").expect("url"))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("text");
    assert!(
        !listed.contains(&token),
        "a token leaked into /__sandbox/requests"
    );
    let list: Value = serde_json::from_str(&listed).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(cap));
    assert!(
        listed.contains("[redacted]"),
        "secrets are marked, not dropped"
    );
    assert!(
        listed.contains("fields=id"),
        "the rest of the query stays readable"
    );
    sb.shutdown().await;
}

/// Resident memory of process `pid`, in MiB (Linux).
fn rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmRSS")
        / 1024
}

/// `socialdesk sandbox` as its own process, on a free port; killed on drop.
struct SandboxProcess {
    child: std::process::Child,
    url: String,
}

impl SandboxProcess {
    fn start() -> SandboxProcess {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_socialdesk"))
            .args(["sandbox", "--port", "0"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("sandbox starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut first = String::new();
        let mut lines = std::io::BufReader::new(stdout);
        lines.read_line(&mut first).expect("first line");
        // The rest of the banner (and anything later) is read and dropped, so the sandbox
        // never writes to a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
        let url = first
            .trim()
            .rsplit(' ')
            .next()
            .expect("a URL at the end of the first line")
            .to_owned();
        SandboxProcess { child, url }
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_stays_bounded_under_200_mb_of_uploads() {
    let sandbox = SandboxProcess::start();
    let c = Client::new();
    // Warm up: the demo world and its first pictures are in memory.
    let state = c
        .get(format!("{}__sandbox/state", sandbox.url))
        .send()
        .await
        .expect("state");
    assert!(state.status().is_success());
    let before = rss_mib(sandbox.child.id());
    // Eight 25 MB bodies at Graph paths: each is refused after its first megabyte. The
    // sandbox may answer and close while the client is still sending, which the client
    // then reports as a broken pipe instead of the 413: both are a refusal.
    let body = vec![b'x'; 25 * 1024 * 1024];
    for i in 0..8 {
        let sent = Client::new()
            .post(format!("{}v24.0/me/media?caption=big{i}", sandbox.url))
            .header("Authorization", "Bearer not-a-real-token")
            .header("Connection", "close")
            .body(body.clone())
            .send()
            .await;
        let answer = match sent {
            Ok(answer) => answer,
            Err(e) => {
                assert!(e.is_request() || e.is_body(), "not a refusal: {e:?}");
                continue;
            }
        };
        assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let refusal: Value = answer.json().await.expect("Meta's error envelope");
        assert!(
            refusal["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("larger than 1024 KB")),
            "{refusal}"
        );
    }
    // A body just over the limit is small enough to be answered every time.
    let answer = c
        .post(format!("{}v24.0/me/media?caption=just-over", sandbox.url))
        .header("Authorization", "Bearer not-a-real-token")
        .body(vec![b'x'; 1024 * 1024 + 1])
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let after = rss_mib(sandbox.child.id());
    assert!(
        after < before + 120,
        "200 MB of uploads raised RSS from {before} MiB to {after} MiB"
    );
    // And it keeps serving.
    let state = c
        .get(format!("{}__sandbox/state", sandbox.url))
        .send()
        .await
        .expect("still serving");
    assert!(state.status().is_success());
}
