//! Scheduling on the server and its publisher, as a team meets them: real `socialdesk
//! server` processes (three replicas on one PostgreSQL, or one on SQLite), a slow and faulty
//! sandbox standing in for Meta, a replica SIGKILLed mid-run, and the posts counted
//! afterwards through the sandbox's Graph API — each exactly once.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use socialdesk::sandbox::{
    DEMO_BUSINESS_USERNAME, DEMO_CREATOR_USERNAME, DEMO_SMALL_USERNAME, Sandbox, SandboxOptions,
};

use crate::server::{APP_SECRET, Backend, Server, call, get_json, invite, paired};
use crate::support::postgres::Postgres;
use crate::support::raw;
use crate::support::wait::wait_until;

/// The lease replicas run with here: a killed replica's posts are taken over this soon.
const LEASE_SECS: &str = "4";
/// The deadline for a whole run to publish everything (a guard against hangs only).
const RUN_GUARD: Duration = Duration::from_secs(110);

/// A demo account the sandbox lets the server publish to.
struct Account {
    ig_id: String,
    token: String,
}

/// A sandbox with latency and a share of transient failures, and publishing tokens for its
/// three demo accounts.
async fn faulty_sandbox(latency_ms: u64, fail_rate: f64) -> (Sandbox, Vec<Account>) {
    let sandbox = Sandbox::start(SandboxOptions {
        latency_ms,
        fail_rate,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox");
    let mut accounts = Vec::new();
    for username in [
        DEMO_BUSINESS_USERNAME,
        DEMO_SMALL_USERNAME,
        DEMO_CREATOR_USERNAME,
    ] {
        let token = sandbox
            .control()
            .mint_token(
                "instagram",
                username,
                &[
                    "instagram_business_basic",
                    "instagram_business_content_publish",
                ],
            )
            .expect("token");
        // Reads are retried here: the sandbox fails some of them on purpose.
        let mut me = Value::Null;
        for _ in 0..20 {
            me = raw::get_json(format!("{}v24.0/me?fields=user_id", sandbox.url()), &token).await;
            if me["user_id"].is_string() {
                break;
            }
        }
        // The Instagram user id (`user_id`), not the app-scoped `id` of Instagram Login.
        let ig_id = me["user_id"].as_str().expect("ig user id").to_owned();
        accounts.push(Account { ig_id, token });
    }
    (sandbox, accounts)
}

/// A JPEG of `width`x`height` (a feed shape the sandbox accepts), as bytes.
fn jpeg(width: u32, height: u32, shade: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::RgbImage::from_pixel(width, height, image::Rgb([shade, 90, 60]))
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Jpeg,
        )
        .expect("jpeg");
    bytes
}

/// A picture hosted on the sandbox's upload endpoint (as a desktop's hosting would).
async fn hosted_picture(sandbox: &Sandbox) -> String {
    let response = reqwest::Client::new()
        .post(format!(
            "{}__sandbox/uploads?filename=pic.jpg",
            sandbox.url()
        ))
        .header("content-type", "image/jpeg")
        .body(jpeg(1080, 1080, 120))
        .send()
        .await
        .expect("upload");
    let body: Value = response.json().await.expect("json");
    body["url"].as_str().expect("url").to_owned()
}

/// The arguments every publishing server here gets.
fn publisher_args(sandbox: &Sandbox, key_file: &Path) -> Vec<String> {
    vec![
        "--meta-url".into(),
        sandbox.url().to_string(),
        "--key-file".into(),
        key_file.display().to_string(),
        "--lease-secs".into(),
        LEASE_SECS.into(),
        "--poll-ms".into(),
        "300".into(),
        "--publish-workers".into(),
        "8".into(),
    ]
}

async fn send_json(
    server: &Server,
    method: Method,
    path: &str,
    token: &str,
    body: &Value,
) -> reqwest::Response {
    reqwest::Client::new()
        .request(method, server.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("request")
}

/// Hands every account's token to the server as `admin`.
async fn hand_over(server: &Server, admin: &str, accounts: &[Account]) {
    for account in accounts {
        let response = send_json(
            server,
            Method::PUT,
            &format!("/accounts/{}", account.ig_id),
            admin,
            &json!({"login": "instagram", "access_token": account.token}),
        )
        .await;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }
}

/// Every post the server holds, by id.
async fn server_posts(server: &Server, token: &str) -> Vec<Value> {
    get_json(server, "/posts", token).await["data"]
        .as_array()
        .expect("data")
        .clone()
}

async fn count_in_state(server: &Server, token: &str, state: &str) -> usize {
    server_posts(server, token)
        .await
        .iter()
        .filter(|p| p["state"] == state)
        .count()
}

/// How many times each caption starting with `prefix` was posted on `account`, read
/// through the sandbox's Graph API (every page of the media edge).
async fn posted_captions(
    sandbox: &Sandbox,
    account: &Account,
    prefix: &str,
    into: &mut HashMap<String, usize>,
) {
    let mut url = format!(
        "{}v24.0/{}/media?fields=caption&limit=100",
        sandbox.url(),
        account.ig_id
    );
    loop {
        let mut page = Value::Null;
        // The sandbox fails some reads on purpose: ask again.
        for _ in 0..20 {
            page = raw::get_json(&url, &account.token).await;
            if page["data"].is_array() {
                break;
            }
        }
        for media in page["data"].as_array().expect("media page") {
            if let Some(caption) = media["caption"].as_str().filter(|c| c.starts_with(prefix)) {
                *into.entry(caption.to_owned()).or_default() += 1;
            }
        }
        match page["paging"]["next"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
}

/// Asserts each of `expected` captions is on Instagram exactly once.
async fn assert_each_posted_once(
    sandbox: &Sandbox,
    accounts: &[Account],
    prefix: &str,
    expected: &[String],
) {
    let mut seen = HashMap::new();
    for account in accounts {
        posted_captions(sandbox, account, prefix, &mut seen).await;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "posted more than once: {twice:?}");
    let missing: Vec<_> = expected.iter().filter(|c| !seen.contains_key(*c)).collect();
    assert!(missing.is_empty(), "never posted: {missing:?}");
    assert_eq!(seen.values().sum::<usize>(), expected.len());
}

/// Three replicas on one PostgreSQL, 200 posts due in the same minute, a slow and faulty
/// sandbox, one replica SIGKILLed mid-run: exactly 200 posts on Instagram.
#[tokio::test(flavor = "multi_thread")]
async fn three_replicas_publish_200_posts_exactly_once_when_one_is_killed() {
    let Some(pg) = Postgres::start("three_replicas_publish_200_posts_exactly_once") else {
        return;
    };
    pg.create_database("socialdesk");
    let url = pg.url("socialdesk");
    let backend = Backend::Postgres { pg, url };
    let (sandbox, accounts) = faulty_sandbox(40, 0.05).await;
    let picture = hosted_picture(&sandbox).await;
    let keys = tempfile::tempdir().expect("temp dir");
    let key_file = keys.path().join("server.key");
    let dirs: Vec<_> = (0..3)
        .map(|_| tempfile::tempdir().expect("temp dir"))
        .collect();
    let args = publisher_args(&sandbox, &key_file);
    let mut replicas: Vec<Server> = dirs
        .iter()
        .map(|d| Server::start_with(d.path(), &backend, &args))
        .collect();
    let first = &replicas[0];
    let (_, admin) = paired(first, &invite(dirs[0].path(), &backend, "admin"), "admin").await;
    let (_, editor) = paired(first, &invite(dirs[0].path(), &backend, "editor"), "editor").await;
    hand_over(first, &admin, &accounts).await;

    // 200 posts due in the same minute, handed to the three replicas in turn; the sandbox's
    // daily quota (100 for a business, 50 for a creator) is respected per account.
    let due = chrono::Utc::now().timestamp() + 8;
    let shares = [80, 80, 40];
    let mut captions = Vec::new();
    let mut n = 0;
    for (account, share) in accounts.iter().zip(shares) {
        for _ in 0..share {
            let caption = format!("replica post {n:03}");
            let replica = &replicas[n % 3];
            let response = send_json(
                replica,
                Method::POST,
                "/posts",
                &editor,
                &json!({"account_id": account.ig_id, "caption": caption,
                        "scheduled_at": due + (n as i64 % 30),
                        "images": [{"image_url": picture}]}),
            )
            .await;
            assert_eq!(response.status(), StatusCode::CREATED, "post {n}");
            captions.push(caption);
            n += 1;
        }
    }
    assert_eq!(server_posts(&replicas[0], &editor).await.len(), 200);
    let victim = replicas.pop().expect("replica");
    let survivor = &replicas[0];

    // Mid-run: some published, most not. Replica 2 dies with posts claimed and under way.
    wait_until("the first published posts", RUN_GUARD, || async {
        count_in_state(survivor, &editor, "published").await >= 15
    })
    .await;
    let published_at_kill = count_in_state(survivor, &editor, "published").await;
    assert!(published_at_kill < 200, "the kill must come mid-run");
    victim.kill();

    wait_until("every post published", RUN_GUARD, || async {
        let posts = server_posts(survivor, &editor).await;
        posts
            .iter()
            .all(|p| p["state"] == "published" || p["state"] == "failed")
    })
    .await;
    let posts = server_posts(survivor, &editor).await;
    let failed: Vec<_> = posts.iter().filter(|p| p["state"] == "failed").collect();
    assert!(failed.is_empty(), "failed posts: {failed:?}");
    assert_each_posted_once(&sandbox, &accounts, "replica post ", &captions).await;

    // The audit log has one "published" row per post, and the token is nowhere in the
    // database or the logs.
    let audit = get_json(survivor, "/audit?limit=1000", &admin).await;
    let published_rows = audit["data"]
        .as_array()
        .expect("audit")
        .iter()
        .filter(|row| row["action"] == "post.published")
        .count();
    assert_eq!(published_rows, 200);
    let mut logs = String::new();
    for server in replicas {
        logs.push_str(&server.stop());
    }
    for dir in &dirs {
        logs.push_str(&read_logs(dir.path()));
    }
    let Backend::Postgres { pg, .. } = &backend else {
        unreachable!()
    };
    let dump = pg.dump("socialdesk");
    assert!(dump.contains("replica post 000"), "the dump has the posts");
    for account in &accounts {
        assert!(!dump.contains(&account.token), "a token in the database");
        assert!(!logs.contains(&account.token), "a token in the logs");
    }
    assert!(!logs.contains(APP_SECRET));
}

/// Everything the server wrote to its daily logs in `data`.
fn read_logs(data: &Path) -> String {
    std::fs::read_dir(data.join("logs"))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}

/// One server on SQLite: the scheduling API (roles, moves, edits, deletes, refusals once
/// publishing started, the audit trail), uploaded JPEGs served to Meta's crawler, and the
/// server SIGKILLed mid-run and started again: every post once.
#[tokio::test(flavor = "multi_thread")]
async fn a_sqlite_server_killed_and_restarted_publishes_every_post_once() {
    let backend = Backend::Sqlite;
    let (sandbox, accounts) = faulty_sandbox(40, 0.05).await;
    let accounts: Vec<Account> = accounts.into_iter().take(1).collect();
    let account = &accounts[0];
    let picture = hosted_picture(&sandbox).await;
    let data = tempfile::tempdir().expect("temp dir");
    let key_file = data.path().join("keys/server.key");
    let args = publisher_args(&sandbox, &key_file);
    let server = Server::start_with(data.path(), &backend, &args);
    let (_, admin) = paired(&server, &invite(data.path(), &backend, "admin"), "admin").await;
    let (_, editor) = paired(&server, &invite(data.path(), &backend, "editor"), "Sam").await;
    let (_, viewer) = paired(&server, &invite(data.path(), &backend, "viewer"), "intern").await;

    // Only an admin hands over accounts; the key file is created 0600; the token is sealed.
    let refused = send_json(
        &server,
        Method::PUT,
        &format!("/accounts/{}", account.ig_id),
        &editor,
        &json!({"login": "instagram", "access_token": account.token}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // Meta is asked first: a token of another account, or one Meta refuses, is not kept.
    for (id, token) in [
        ("17841400000000999", account.token.as_str()),
        (account.ig_id.as_str(), "IGAA-not-a-token"),
    ] {
        let wrong = send_json(
            &server,
            Method::PUT,
            &format!("/accounts/{id}"),
            &admin,
            &json!({"login": "instagram", "access_token": token}),
        )
        .await;
        assert_eq!(wrong.status(), StatusCode::BAD_REQUEST, "{id}");
    }
    let post_body = |caption: &str, at: i64| {
        json!({"account_id": account.ig_id, "caption": caption, "scheduled_at": at,
               "images": [{"image_url": picture}]})
    };
    let later = chrono::Utc::now().timestamp() + 3600;
    let unknown = send_json(
        &server,
        Method::POST,
        "/posts",
        &editor,
        &post_body("x", later),
    )
    .await;
    assert_eq!(
        unknown.status(),
        StatusCode::BAD_REQUEST,
        "account not handed over"
    );
    hand_over(&server, &admin, &accounts).await;
    assert_eq!(
        std::fs::metadata(&key_file)
            .expect("key file")
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    let listed = get_json(&server, "/accounts", &viewer).await;
    assert_eq!(listed["data"][0]["ig_user_id"], account.ig_id.as_str());
    assert!(!listed.to_string().contains(&account.token));

    // A viewer reads the calendar but may not schedule, move or delete.
    let by_viewer = send_json(
        &server,
        Method::POST,
        "/posts",
        &viewer,
        &post_body("v", later),
    )
    .await;
    assert_eq!(by_viewer.status(), StatusCode::FORBIDDEN);
    let created = send_json(
        &server,
        Method::POST,
        "/posts",
        &editor,
        &post_body("draft", later),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let held: Value = created.json().await.expect("json");
    let held_id = held["id"].as_i64().expect("id");
    assert_eq!(held["created_by_name"], "Sam");
    assert_eq!(held["state"], "scheduled");
    let path = format!("/posts/{held_id}");
    let moved = send_json(
        &server,
        Method::PATCH,
        &path,
        &viewer,
        &json!({"scheduled_at": later + 60}),
    )
    .await;
    assert_eq!(moved.status(), StatusCode::FORBIDDEN);
    let moved = send_json(
        &server,
        Method::PATCH,
        &path,
        &editor,
        &json!({"scheduled_at": later + 60, "caption": "edited"}),
    )
    .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let moved: Value = moved.json().await.expect("json");
    assert_eq!(moved["scheduled_at"], later + 60);
    assert_eq!(moved["caption"], "edited");
    let range = get_json(
        &server,
        &format!("/posts?from={}&to={}", later, later + 61),
        &viewer,
    )
    .await;
    assert_eq!(range["data"][0]["id"], held_id, "{range}");
    let empty = get_json(&server, &format!("/posts?from={}", later + 61), &viewer).await;
    assert_eq!(empty["data"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        call(&server, Method::DELETE, &path, Some(&editor))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&server, Method::GET, &path, Some(&viewer))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let not_jpeg = send_json(
        &server,
        Method::POST,
        "/posts",
        &editor,
        &json!({"account_id": account.ig_id, "scheduled_at": later,
                "images": [{"jpeg_base64": base64::engine::general_purpose::STANDARD.encode(b"GIF89a")}]}),
    )
    .await;
    assert_eq!(not_jpeg.status(), StatusCode::BAD_REQUEST);

    // 30 posts due now: every third an uploaded JPEG the server hosts, every fifth a
    // carousel. The server dies mid-run and is started again.
    let due = chrono::Utc::now().timestamp() + 3;
    let upload = base64::engine::general_purpose::STANDARD.encode(jpeg(1080, 1350, 30));
    let mut captions = Vec::new();
    for n in 0..30 {
        let caption = format!("sqlite post {n:02}");
        let images = if n % 5 == 0 {
            json!([{"image_url": picture}, {"jpeg_base64": upload}])
        } else if n % 3 == 0 {
            json!([{"jpeg_base64": upload}])
        } else {
            json!([{"image_url": picture}])
        };
        let response = send_json(
            &server,
            Method::POST,
            "/posts",
            &editor,
            &json!({"account_id": account.ig_id, "caption": caption, "scheduled_at": due,
                    "images": images}),
        )
        .await;
        assert_eq!(response.status(), StatusCode::CREATED, "post {n}");
        captions.push(caption);
    }
    // The uploaded picture is served without a token, at its unguessable URL only.
    let first = server_posts(&server, &viewer).await;
    let uploaded_url = first
        .iter()
        .flat_map(|p| p["images"].as_array().cloned().unwrap_or_default())
        .find_map(|i| {
            i["image_url"]
                .as_str()
                .filter(|u| u.contains("/media/"))
                .map(str::to_owned)
        })
        .expect("an uploaded picture's URL");
    let served = reqwest::get(&uploaded_url).await.expect("GET the picture");
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert_eq!(
        reqwest::get(server.url("/media/not-a-key.jpg"))
            .await
            .expect("GET")
            .status(),
        StatusCode::NOT_FOUND
    );

    wait_until("the first published posts", RUN_GUARD, || async {
        count_in_state(&server, &viewer, "published").await >= 3
    })
    .await;
    let journaled = server_posts(&server, &viewer).await;
    let under_way = journaled
        .iter()
        .find(|p| p["state"] == "published" || p["state"] == "publishing")
        .expect("a post under way");
    let locked = send_json(
        &server,
        Method::PATCH,
        &format!("/posts/{}", under_way["id"]),
        &editor,
        &json!({"caption": "too late"}),
    )
    .await;
    assert_eq!(locked.status(), StatusCode::CONFLICT);
    server.kill();
    let server = Server::start_with(data.path(), &backend, &args);
    wait_until(
        "every post published after the restart",
        RUN_GUARD,
        || async {
            server_posts(&server, &viewer)
                .await
                .iter()
                .all(|p| p["state"] == "published" || p["state"] == "failed")
        },
    )
    .await;
    let posts = server_posts(&server, &viewer).await;
    let failed: Vec<_> = posts.iter().filter(|p| p["state"] == "failed").collect();
    assert!(failed.is_empty(), "failed posts: {failed:?}");
    assert_each_posted_once(&sandbox, &accounts, "sqlite post ", &captions).await;
    // Published posts' uploads are no longer served (the restarted server has a new port).
    let media_path = &uploaded_url[uploaded_url.find("/media/").expect("media path")..];
    assert_eq!(
        reqwest::get(server.url(media_path))
            .await
            .expect("GET")
            .status(),
        StatusCode::NOT_FOUND
    );

    // Who did what.
    let audit = get_json(&server, "/audit?limit=1000", &admin).await;
    let actions: Vec<(String, Option<String>)> = audit["data"]
        .as_array()
        .expect("audit")
        .iter()
        .map(|row| {
            (
                row["action"].as_str().unwrap_or_default().to_owned(),
                row["device_name"].as_str().map(str::to_owned),
            )
        })
        .collect();
    for expected in [
        ("account.connected", Some("admin")),
        ("post.scheduled", Some("Sam")),
        ("post.edited", Some("Sam")),
        ("post.deleted", Some("Sam")),
        ("post.published", None),
    ] {
        assert!(
            actions
                .iter()
                .any(|(a, d)| a == expected.0 && d.as_deref() == expected.1),
            "{expected:?} not in the audit log"
        );
    }
    let stderr = server.stop();
    let mut stored = std::fs::read(data.path().join("server.sqlite3")).expect("database");
    stored.extend(std::fs::read(data.path().join("server.sqlite3-wal")).unwrap_or_default());
    let stored = String::from_utf8_lossy(&stored);
    assert!(stored.contains("sqlite post 00"));
    let logs = read_logs(data.path()) + &stderr;
    assert!(
        !stored.contains(&account.token),
        "the token is sealed at rest"
    );
    assert!(!logs.contains(&account.token), "the token is never logged");
}

/// The desktop's path, as processes: an admin's desktop pairs and hands its account over,
/// an editor's desktop schedules a post with a picture prepared on the desktop, a viewer's
/// desktop sees it with who scheduled it and is refused when it tries to schedule; the server
/// publishes it once.
#[tokio::test(flavor = "multi_thread")]
async fn desktops_pair_share_an_account_and_schedule_on_the_server() {
    let backend = Backend::Sqlite;
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let server_data = tempfile::tempdir().expect("temp dir");
    let key_file = server_data.path().join("server.key");
    let server = Server::start_with(
        server_data.path(),
        &backend,
        &publisher_args(&sandbox, &key_file),
    );
    let desks: Vec<_> = (0..3)
        .map(|_| tempfile::tempdir().expect("temp dir"))
        .collect();
    let mut desktops = Vec::new();
    for desk in &desks {
        desktops.push(crate::support::cli::OnSandbox::connect(&sandbox, desk.path()).await);
    }
    for (desktop, (role, name)) in desktops.iter().zip([
        ("admin", "admin-desk"),
        ("editor", "Sam's laptop"),
        ("viewer", "intern"),
    ]) {
        let code = invite(server_data.path(), &backend, role);
        let out = desktop
            .run(&["server", "pair", &server.base, &code, "--device-name", name])
            .await;
        assert!(
            out.status.success(),
            "pair: {}",
            crate::support::cli::stderr(&out)
        );
        assert!(crate::support::cli::stdout(&out).contains(role));
    }
    let (admin, editor, viewer) = (&desktops[0], &desktops[1], &desktops[2]);
    // The device token is in the desktop's secret store, not in the link file.
    let link = std::fs::read_to_string(desks[1].path().join("server-link.json")).expect("link");
    assert!(!link.contains("sdt_"), "{link}");

    // Before the account is handed over, scheduling is refused with what to do.
    let picture = desks[1].path().join("photo.jpg");
    crate::support::cli::write_jpeg(&picture, 1600, 1200);
    let schedule_at = |at: &str| {
        [
            "server",
            "schedule",
            "--image",
            picture.to_str().expect("utf-8"),
            "--caption",
            "from the desktop, while it sleeps",
            "--at",
            at,
        ]
        .map(str::to_owned)
    };
    let in_an_hour = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let later = schedule_at(&in_an_hour);
    let later: Vec<&str> = later.iter().map(String::as_str).collect();
    let early = editor.run(&later).await;
    crate::support::cli::assert_fails_with(&early, "share-account");
    let refused = editor.run(&["server", "share-account"]).await;
    crate::support::cli::assert_fails_with(&refused, "admin");
    let shared = admin.run(&["server", "share-account"]).await;
    assert!(
        shared.status.success(),
        "{}",
        crate::support::cli::stderr(&shared)
    );

    let soon = (chrono::Utc::now() + chrono::Duration::seconds(5)).to_rfc3339();
    let soon = schedule_at(&soon);
    let soon: Vec<&str> = soon.iter().map(String::as_str).collect();
    let out = editor.run(&soon).await;
    assert!(
        out.status.success(),
        "{}",
        crate::support::cli::stderr(&out)
    );
    let by_viewer = viewer.run(&later).await;
    crate::support::cli::assert_fails_with(&by_viewer, "viewer");
    let listed = viewer.run(&["server", "posts"]).await;
    assert!(listed.status.success());
    let listed = crate::support::cli::stdout(&listed);
    assert!(
        listed.contains("by Sam's laptop") && listed.contains("from the desktop"),
        "{listed}"
    );

    // The server publishes it, once.
    wait_until("the desktop's post published", RUN_GUARD, || async {
        let out = viewer.run(&["server", "posts", "--json"]).await;
        let posts: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        posts[0]["state"] == "published"
    })
    .await;
    let account = Account {
        ig_id: raw::get_json(
            format!("{}v24.0/me?fields=user_id", sandbox.url()),
            editor.token(),
        )
        .await["user_id"]
            .as_str()
            .expect("id")
            .to_owned(),
        token: editor.token().to_owned(),
    };
    assert_each_posted_once(
        &sandbox,
        &[account],
        "from the desktop",
        &["from the desktop, while it sleeps".to_owned()],
    )
    .await;
    server.stop();
}

/// `POST {sandbox}/v24.0/{path}` with a form, as the account: the JSON answer.
async fn graph_post(
    sandbox: &Sandbox,
    account: &Account,
    path: &str,
    form: &[(&str, &str)],
) -> Value {
    reqwest::Client::new()
        .post(format!("{}v24.0/{path}", sandbox.url()))
        .bearer_auth(&account.token)
        .form(form)
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("json")
}

/// A container of `caption` on the account, waited for until `FINISHED`.
async fn finished_container(
    sandbox: &Sandbox,
    account: &Account,
    picture: &str,
    caption: &str,
) -> String {
    let created = graph_post(
        sandbox,
        account,
        &format!("{}/media", account.ig_id),
        &[("image_url", picture), ("caption", caption)],
    )
    .await;
    let id = created["id"].as_str().expect("container id").to_owned();
    let url = format!("{}v24.0/{id}?fields=status_code", sandbox.url());
    wait_until("the container to finish", RUN_GUARD, || async {
        raw::get_json(&url, &account.token).await["status_code"] == "FINISHED"
    })
    .await;
    id
}

/// The takeover rule made deterministic: a "dead replica" left two posts with journaled
/// containers and "media_publish sent", one of which Meta did publish. The server taking
/// them over asks each container first: the published one is recorded without another
/// post, the other is published once, from the same container.
#[tokio::test(flavor = "multi_thread")]
async fn a_takeover_asks_the_journaled_container_before_publishing() {
    let backend = Backend::Sqlite;
    let (sandbox, accounts) = faulty_sandbox(0, 0.0).await;
    let accounts: Vec<Account> = accounts.into_iter().take(1).collect();
    let account = &accounts[0];
    let picture = hosted_picture(&sandbox).await;
    let data = tempfile::tempdir().expect("temp dir");
    let args = publisher_args(&sandbox, &data.path().join("server.key"));
    let server = Server::start_with(data.path(), &backend, &args);
    let (_, admin) = paired(&server, &invite(data.path(), &backend, "admin"), "admin").await;
    hand_over(&server, &admin, &accounts).await;
    let later = chrono::Utc::now().timestamp() + 3600;
    let mut ids = Vec::new();
    for caption in ["takeover: went out", "takeover: never sent"] {
        let created = send_json(
            &server,
            Method::POST,
            "/posts",
            &admin,
            &json!({"account_id": account.ig_id, "caption": caption, "scheduled_at": later,
                    "images": [{"image_url": picture}]}),
        )
        .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        ids.push(
            created.json::<Value>().await.expect("json")["id"]
                .as_i64()
                .expect("id"),
        );
    }
    server.stop();

    // What the dead replica did: both containers made, one of them published.
    let published = finished_container(&sandbox, account, &picture, "takeover: went out").await;
    let media = graph_post(
        &sandbox,
        account,
        &format!("{}/media_publish", account.ig_id),
        &[("creation_id", published.as_str())],
    )
    .await;
    let media_id = media["id"].as_str().expect("media id").to_owned();
    let unsent = finished_container(&sandbox, account, &picture, "takeover: never sent").await;
    let now = chrono::Utc::now().timestamp();
    let db = rusqlite::Connection::open(data.path().join("server.sqlite3")).expect("database");
    for (id, container) in ids.iter().zip([&published, &unsent]) {
        let changed = db
            .execute(
                "UPDATE scheduled_posts SET container_id = ?1, publish_sent_at = ?2,
                     claim_owner = 'a-dead-replica', claim_until = ?3, scheduled_at = ?2
                 WHERE id = ?4",
                rusqlite::params![container, now - 10, now - 1, id],
            )
            .expect("journal");
        assert_eq!(changed, 1);
    }
    drop(db);

    let server = Server::start_with(data.path(), &backend, &args);
    wait_until("both posts settled", RUN_GUARD, || async {
        server_posts(&server, &admin)
            .await
            .iter()
            .all(|p| p["state"] == "published" || p["state"] == "failed")
    })
    .await;
    let posts = server_posts(&server, &admin).await;
    assert!(posts.iter().all(|p| p["state"] == "published"), "{posts:?}");
    assert_eq!(
        posts[0]["media_id"],
        media_id.as_str(),
        "the post Meta already had"
    );
    assert_each_posted_once(
        &sandbox,
        &accounts,
        "takeover: ",
        &[
            "takeover: went out".to_owned(),
            "takeover: never sent".to_owned(),
        ],
    )
    .await;
    // No container beyond the two journaled ones was made.
    let made = sandbox
        .control()
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/media"))
        .count();
    assert_eq!(made, 2, "the taker made a container of its own");
    server.stop();
}

/// A server stopped with SIGTERM mid-run releases its claims, so a restart (or another
/// replica) resumes at once instead of waiting out a long lease; still every post once.
#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_server_releases_its_claims_at_once() {
    let backend = Backend::Sqlite;
    let (sandbox, accounts) = faulty_sandbox(200, 0.0).await;
    let accounts: Vec<Account> = accounts.into_iter().take(1).collect();
    let picture = hosted_picture(&sandbox).await;
    let data = tempfile::tempdir().expect("temp dir");
    let mut args = publisher_args(&sandbox, &data.path().join("server.key"));
    let lease = args
        .iter()
        .position(|a| a == "--lease-secs")
        .expect("lease")
        + 1;
    // Far longer than the deadline below: only a released claim can be resumed in time.
    args[lease] = "600".into();
    let server = Server::start_with(data.path(), &backend, &args);
    let (_, admin) = paired(&server, &invite(data.path(), &backend, "admin"), "admin").await;
    hand_over(&server, &admin, &accounts).await;
    let due = chrono::Utc::now().timestamp();
    let captions: Vec<String> = (0..4).map(|n| format!("released post {n}")).collect();
    for caption in &captions {
        let created = send_json(
            &server,
            Method::POST,
            "/posts",
            &admin,
            &json!({"account_id": accounts[0].ig_id, "caption": caption, "scheduled_at": due,
                    "images": [{"image_url": picture}]}),
        )
        .await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    wait_until("posts under way", RUN_GUARD, || async {
        count_in_state(&server, &admin, "publishing").await > 0
    })
    .await;
    server.stop();
    let server = Server::start_with(data.path(), &backend, &args);
    wait_until(
        "every post published after the restart",
        Duration::from_mins(1),
        || async { count_in_state(&server, &admin, "published").await == captions.len() },
    )
    .await;
    assert_each_posted_once(&sandbox, &accounts, "released post ", &captions).await;
    server.stop();
}
