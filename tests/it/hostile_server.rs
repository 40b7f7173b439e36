//! The CLI against a hostile Graph host: repeated cursors, empty pages that point further,
//! wrong JSON types, 10 MB bodies, 500s and answers trickled a byte at a time. Every
//! command (`feed`, `comments list`, `insights account`, `dm list`) must end with one
//! `socialdesk: …` line, no panic, in well under a minute.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use socialdesk::sandbox::{Sandbox, SandboxOptions};
use tokio::net::TcpListener;
use url::Url;

use crate::support::cli::{connected_data_dir, socialdesk_on_meta_url, stderr};

/// How the hostile host misbehaves.
#[derive(Clone, Copy, Debug)]
enum Hostility {
    /// Every page has one item and points to the same `after` cursor.
    RepeatedCursor,
    /// Every page is empty and still has a `next` link to a new cursor.
    EmptyPagesThatGoOn,
    /// Numbers where strings belong, strings where lists belong.
    WrongTypes,
    /// A 10 MB answer.
    HugeBody,
    /// HTTP 500 with a body that is not Meta's envelope.
    ServerErrors,
    /// Headers at once, then one byte every 200 ms, forever ([`trickling_host`]).
    Trickle,
}

#[derive(Clone)]
struct Host {
    root: Url,
    hostility: Hostility,
}

/// Starts the hostile host; it serves until the test's runtime ends.
async fn hostile_host(hostility: Hostility) -> Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let root =
        Url::parse(&format!("http://{}/", listener.local_addr().expect("addr"))).expect("root url");
    let app = axum::Router::new().fallback(answer).with_state(Host {
        root: root.clone(),
        hostility,
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    root
}

async fn answer(State(host): State<Host>, uri: axum::http::Uri) -> Response {
    let root = &host.root;
    let path = uri.path().to_owned();
    match host.hostility {
        Hostility::RepeatedCursor => json_response(json!({
            "data": [item(&path)],
            "paging": {
                "cursors": {"before": "SAME", "after": "SAME"},
                "next": format!("{root}{}?after=SAME", path.trim_start_matches('/')),
            }
        })),
        Hostility::EmptyPagesThatGoOn => {
            let n: u64 = uri
                .query()
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("after=")))
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            json_response(json!({
                "data": [],
                "paging": {
                    "cursors": {"before": n.to_string(), "after": (n + 1).to_string()},
                    "next": format!("{root}{}?after={}", path.trim_start_matches('/'), n + 1),
                }
            }))
        }
        Hostility::WrongTypes => json_response(json!({
            "id": 17,
            "username": ["not", "a", "name"],
            "data": "not a list",
            "paging": 5,
        })),
        Hostility::HugeBody => {
            let mut body = String::from("{\"data\":[{\"id\":\"1\",\"caption\":\"");
            body.push_str(&"x".repeat(10 * 1024 * 1024));
            body.push_str("\"}]}");
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Hostility::ServerErrors => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"error\":\"upstream exploded\"}",
        )
            .into_response(),
        Hostility::Trickle => unreachable!("served by trickling_host"),
    }
}

/// A host that reads a request, sends headers promising a long body, then `{"data":[` and
/// one space every 200 ms, forever (raw TCP: the answer is never finished).
async fn trickling_host() -> Url {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let root =
        Url::parse(&format!("http://{}/", listener.local_addr().expect("addr"))).expect("root url");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 8192];
                let _ = socket.read(&mut request).await;
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                            Content-Length: 10000000\r\n\r\n{\"data\":[";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                loop {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    if socket.write_all(b" ").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    root
}

fn json_response(value: serde_json::Value) -> Response {
    axum::Json(value).into_response()
}

/// One plausible item for whatever edge `path` is (media, comment, conversation).
fn item(path: &str) -> serde_json::Value {
    json!({
        "id": "17900000000000001",
        "media_type": "IMAGE",
        "media_url": "https://example.invalid/x.jpg",
        "permalink": "https://www.instagram.com/p/loop/",
        "caption": "the same post again",
        "timestamp": "2024-01-01T00:00:00+0000",
        "updated_time": "2024-01-01T00:00:00+0000",
        "text": format!("seen at {path}"),
        "like_count": 1,
        "comments_count": 1,
        "is_comment_enabled": true,
    })
}

const COMMANDS: [&[&str]; 4] = [
    &["feed", "--limit", "100000"],
    &["comments", "list"],
    &["insights", "account"],
    &["dm", "list"],
];

/// Runs every command against a host with `hostility`, all at once, and checks each one.
async fn every_command_ends_cleanly(hostility: Hostility) {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let dir = connected_data_dir(&sandbox).await;
    let host = match hostility {
        Hostility::Trickle => trickling_host().await,
        _ => hostile_host(hostility).await,
    };
    let runs = COMMANDS.iter().map(|args| {
        let mut args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        args.extend(["--graph-url".to_owned(), host.to_string()]);
        let (meta, data) = (sandbox.url(), dir.path().to_owned());
        async move {
            let started = Instant::now();
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = socialdesk_on_meta_url(&argv, &meta, &data, None).await;
            (args, started.elapsed(), out)
        }
    });
    let mut tasks = Vec::new();
    for run in runs {
        tasks.push(tokio::spawn(run));
    }
    for task in tasks {
        let (args, took, out) = task.await.expect("join");
        let err = stderr(&out);
        assert!(
            took < Duration::from_mins(1),
            "{hostility:?} {args:?} took {took:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{hostility:?} {args:?}: {err}");
        let errors: Vec<&str> = err
            .lines()
            .filter(|l| l.starts_with("socialdesk: "))
            .collect();
        if out.status.success() {
            // Ending early on a pager the host will not end is fine, said in a warning.
            continue;
        }
        assert_eq!(
            errors.len(),
            1,
            "{hostility:?} {args:?}: one error line: {err}"
        );
        assert!(
            errors[0].len() < 600,
            "{hostility:?} {args:?}: the error is short: {}",
            errors[0]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_cursors() {
    every_command_ends_cleanly(Hostility::RepeatedCursor).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_pages_that_go_on() {
    every_command_ends_cleanly(Hostility::EmptyPagesThatGoOn).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_types() {
    every_command_ends_cleanly(Hostility::WrongTypes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_megabyte_bodies() {
    every_command_ends_cleanly(Hostility::HugeBody).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors() {
    every_command_ends_cleanly(Hostility::ServerErrors).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trickled_answers() {
    every_command_ends_cleanly(Hostility::Trickle).await;
}
