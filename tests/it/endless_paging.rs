//! Pagers end on a server that never stops paging: the CLI's `feed` and `comments list`
//! against a hostile Graph host whose every page points to the same `after` cursor.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use socialdesk::sandbox::{Sandbox, SandboxOptions};
use tokio::net::TcpListener;
use url::Url;

use crate::support::cli::{connected_data_dir, socialdesk_on_meta_url, stderr};

/// A Graph host that answers every request with one post and a `next` page that is always
/// the same cursor. Returns its root URL; it serves until the test's runtime ends.
async fn looping_graph_host() -> Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let root =
        Url::parse(&format!("http://{}/", listener.local_addr().expect("addr"))).expect("root url");
    let app = axum::Router::new()
        .fallback(same_page_forever)
        .with_state(root.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    root
}

async fn same_page_forever(State(root): State<Url>) -> Json<Value> {
    Json(json!({
        "data": [{
            "id": "17900000000000001",
            "media_type": "IMAGE",
            "media_url": format!("{root}cdn/loop.jpg"),
            "permalink": "https://www.instagram.com/p/loop/",
            "caption": "the same post again",
            "timestamp": "2024-01-01T00:00:00+0000",
            "like_count": 1,
            "comments_count": 0,
            "is_comment_enabled": true,
        }],
        "paging": {
            "cursors": {"before": "SAME", "after": "SAME"},
            "next": format!("{root}v24.0/17841400000000001/media?after=SAME"),
        }
    }))
}

/// Runs `args` with the Graph host replaced by the looping one and checks the command
/// fails quickly with one line naming the repeated cursor.
async fn assert_stops_on_the_loop(args: &[&str]) {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let dir = connected_data_dir(&sandbox).await;
    let looping = looping_graph_host().await;
    let mut args = args.to_vec();
    args.extend(["--graph-url", looping.as_str()]);
    let started = Instant::now();
    let out = socialdesk_on_meta_url(&args, &sandbox.url(), dir.path(), None).await;
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert!(!out.status.success(), "{args:?} must fail");
    let err = stderr(&out);
    let last = err.lines().last().unwrap_or_default();
    assert!(last.starts_with("socialdesk: "), "{err}");
    assert!(last.contains("same next-page link twice"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_stops_when_the_server_repeats_its_cursor() {
    assert_stops_on_the_loop(&["feed", "--limit", "100000"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comments_list_stops_when_the_server_repeats_its_cursor() {
    assert_stops_on_the_loop(&["comments", "list"]).await;
}
