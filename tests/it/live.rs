//! Live broadcasts end to end: the sandbox's `live_media` edge and live comments over raw
//! HTTP (started and ended through the control API, comments arriving as the sandbox clock
//! moves), the engine reading and moderating them, `socialdesk live` as a process on the
//! data folder's demo world, and the Feed's live banner and moderation view clicked as a
//! person does.

use std::time::Duration;

use egui_kittest::kittest::Queryable;
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;
use socialdesk::engine::live::{LiveCommand, LiveEvent};
use socialdesk::engine::{Command, Event};
use socialdesk::sandbox::{DEMO_BUSINESS_USERNAME, Sandbox, SandboxOptions};
use socialdesk::ui::Tab;

use crate::support::cli::{socialdesk, stderr, stdout};
use crate::support::ui::{app_harness_on, connect};
use crate::support::{drain, push};

const SCOPES: &[&str] = &[
    "instagram_business_basic",
    "instagram_business_manage_comments",
];

async fn call(
    sb: &Sandbox,
    method: Method,
    path: &str,
    token: &str,
    q: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut url = sb.url().join(path).expect("path");
    url.query_pairs_mut()
        .append_pair("access_token", token)
        .extend_pairs(q);
    let resp = Client::new()
        .request(method, url)
        .send()
        .await
        .expect("sent");
    let status = resp.status();
    (status, resp.json().await.expect("json"))
}

async fn control(sb: &Sandbox, query: &str) -> Value {
    let url = sb
        .url()
        .join(&format!("__sandbox/live?{query}"))
        .expect("url");
    let resp = Client::new().post(url).send().await.expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.expect("json")
}

#[tokio::test]
async fn live_media_and_its_comments_exist_only_while_on_air() {
    let sb = Sandbox::start(SandboxOptions::default())
        .await
        .expect("starts");
    let t = sb
        .control()
        .mint_token("instagram", DEMO_BUSINESS_USERNAME, SCOPES)
        .expect("token");
    let fields = [(
        "fields",
        "id,media_type,media_product_type,username,timestamp,comments_count",
    )];
    let (status, none) = call(&sb, Method::GET, "v24.0/me/live_media", &t, &fields).await;
    assert_eq!(status, StatusCode::OK, "{none}");
    assert_eq!(none["data"], serde_json::json!([]));

    let started = control(&sb, "action=start&comment_every_secs=5").await;
    let id = started["live_media_id"].as_str().expect("id").to_owned();
    let (_, list) = call(&sb, Method::GET, "v24.0/me/live_media", &t, &fields).await;
    let live = &list["data"][0];
    assert_eq!(live["id"], id.as_str(), "{list}");
    assert_eq!(live["media_type"], "BROADCAST");
    assert_eq!(live["media_product_type"], "LIVE");
    assert_eq!(live["username"], DEMO_BUSINESS_USERNAME);
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    // The broadcast is not a post of the feed.
    let (_, feed) = call(&sb, Method::GET, "v24.0/me/media", &t, &[("limit", "100")]).await;
    assert!(
        !feed["data"]
            .as_array()
            .expect("feed")
            .iter()
            .any(|m| m["id"] == id.as_str())
    );

    // Comments arrive as the sandbox clock moves: 2 at the start, one per 5 s after.
    let comments_path = format!("v24.0/{id}/comments");
    let q = [("fields", "id,text,username,hidden,media")];
    let (_, first) = call(&sb, Method::GET, &comments_path, &t, &q).await;
    assert_eq!(first["data"].as_array().map(Vec::len), Some(2), "{first}");
    assert_eq!(
        first["data"][0]["media"],
        serde_json::json!({"id": id, "media_product_type": "LIVE"})
    );
    sb.control().advance_clock(Duration::from_secs(11));
    let (_, later) = call(&sb, Method::GET, &comments_path, &t, &q).await;
    let later = later["data"].as_array().expect("data").clone();
    assert_eq!(later.len(), 4);

    // Moderation as for any comment: hide, reply, delete.
    let c0 = later[0]["id"].as_str().expect("id").to_owned();
    let c1 = later[1]["id"].as_str().expect("id").to_owned();
    let (status, hidden) = call(
        &sb,
        Method::POST,
        &format!("v24.0/{c0}"),
        &t,
        &[("hide", "true")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{hidden}");
    let (_, c0_now) = call(
        &sb,
        Method::GET,
        &format!("v24.0/{c0}"),
        &t,
        &[("fields", "hidden")],
    )
    .await;
    assert_eq!(c0_now["hidden"], true);
    let (status, reply) = call(
        &sb,
        Method::POST,
        &format!("v24.0/{c0}/replies"),
        &t,
        &[("message", "Thanks for watching!")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert!(reply["id"].is_string());
    let (status, deleted) = call(&sb, Method::DELETE, &format!("v24.0/{c1}"), &t, &[]).await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    let (_, after) = call(&sb, Method::GET, &comments_path, &t, &q).await;
    assert!(
        !after["data"]
            .as_array()
            .expect("data")
            .iter()
            .any(|c| c["id"] == c1.as_str())
    );

    // Ended: the edge is empty and the media and its comments cannot be read any more.
    let ended = control(&sb, "action=end").await;
    assert_eq!(ended["ended"], id.as_str());
    let (_, list) = call(&sb, Method::GET, "v24.0/me/live_media", &t, &fields).await;
    assert_eq!(list["data"], serde_json::json!([]));
    let (status, gone) = call(&sb, Method::GET, &format!("v24.0/{id}"), &t, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{gone}");
    assert_eq!(gone["error"]["code"], 100);
    let (_, gone) = call(&sb, Method::GET, &format!("v24.0/{c0}"), &t, &[]).await;
    assert_eq!(gone["error"]["code"], 100, "{gone}");
    // …nor moderated: Meta's live comments exist for the broadcast only.
    let (_, refused) = call(
        &sb,
        Method::POST,
        &format!("v24.0/{c0}"),
        &t,
        &[("hide", "false")],
    )
    .await;
    assert_refused(&refused);
    let (_, refused) = call(&sb, Method::DELETE, &format!("v24.0/{c0}"), &t, &[]).await;
    assert_refused(&refused);
    let (_, refused) = call(
        &sb,
        Method::POST,
        &format!("v24.0/{c0}/replies"),
        &t,
        &[("message", "late")],
    )
    .await;
    assert_refused(&refused);
    // A bad control request says what is wrong.
    let url = sb.url().join("__sandbox/live?action=pause").expect("url");
    let resp = Client::new().post(url).send().await.expect("sent");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_engine_reads_and_moderates_a_broadcast() {
    let w = crate::support::world_without_login().await;
    let (account, _) = w.connect_instagram(DEMO_BUSINESS_USERNAME, SCOPES).await;
    assert!(
        w.core
            .current_live(&account)
            .await
            .expect("reads")
            .is_none()
    );

    let id = w
        .sandbox
        .control()
        .start_live(DEMO_BUSINESS_USERNAME, Duration::from_secs(2))
        .expect("started");
    w.sandbox.control().advance_clock(Duration::from_secs(5));
    let live = w
        .core
        .current_live(&account)
        .await
        .expect("reads")
        .expect("on air");
    assert_eq!(live.media.id.as_str(), id);
    assert_eq!(live.comments.len(), 4);
    assert!(
        live.comments
            .windows(2)
            .all(|p| p[0].timestamp <= p[1].timestamp)
    );

    let first = live.comments[0].id.clone();
    w.core
        .set_live_comment_hidden(&account, &first, true)
        .await
        .expect("hidden");
    let reply = w
        .core
        .reply_live_comment(&account, &first, "Glaze takes a day")
        .await
        .expect("replied");
    let second = live.comments[1].id.clone();
    w.core
        .delete_live_comment(&account, &second)
        .await
        .expect("deleted");
    let now = w
        .core
        .current_live(&account)
        .await
        .expect("reads")
        .expect("on air");
    let c = now
        .comments
        .iter()
        .find(|c| c.id == first)
        .expect("still there");
    assert!(c.hidden);
    assert!(
        now.comments
            .iter()
            .any(|c| c.id == reply && c.parent_id.as_ref() == Some(&first))
    );
    assert!(!now.comments.iter().any(|c| c.id == second));
    let empty = w.core.reply_live_comment(&account, &first, "   ").await;
    assert!(empty.is_err_and(|e| e.to_string().contains("type something")));

    w.sandbox.control().end_live();
    assert!(
        w.core
            .current_live(&account)
            .await
            .expect("reads")
            .is_none()
    );
}

#[test]
fn cli_shows_the_demo_worlds_broadcast_across_processes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = socialdesk(dir.path(), &["live", "--sandbox"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("nothing on air"), "{}", stdout(&out));

    let out = socialdesk(dir.path(), &["live", "--sandbox", "--demo-start", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let id = v["live"]["media"]["id"]
        .as_str()
        .expect("media id")
        .to_owned();
    assert!(
        v["live"]["comments"]
            .as_array()
            .is_some_and(|c| c.len() >= 2),
        "{v}"
    );

    // Another process on the same data folder sees the same broadcast, as a table.
    let out = socialdesk(dir.path(), &["live", "--sandbox", "--limit", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(&format!("is LIVE (media {id}")), "{text}");
    assert!(text.contains("pass --limit"), "{text}");

    let out = socialdesk(dir.path(), &["live", "--sandbox", "--demo-end", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(v["live"].is_null(), "{v}");

    // Outside the demo world the demo switches are refused with the fix.
    let out = socialdesk(dir.path(), &["live", "--demo-start"]);
    assert!(!out.status.success());
}

#[test]
fn journey_a_broadcast_shows_a_banner_opens_and_a_comment_is_hidden() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (w, account) = rt.block_on(async {
        let w = crate::support::world_without_login().await;
        let (account, _) = w.connect_instagram(DEMO_BUSINESS_USERNAME, SCOPES).await;
        (w, account)
    });
    let (mut h, mut side) = app_harness_on(Tab::Feed);
    connect(&side, account.clone());
    h.run_steps(2);
    // The Feed has its (empty) first page, so nothing spins.
    push(
        &mut h,
        &side,
        Event::Feed {
            account: account.id.clone(),
            media: Vec::new(),
            replace: true,
            has_more: false,
            from_cache: false,
        },
    );
    // With the Feed open the engine is asked to watch the account.
    let watch = drain(&mut side)
        .into_iter()
        .any(|c| matches!(c, Command::Live(LiveCommand::Watch(Some(ref id))) if *id == account.id));
    assert!(watch, "the Feed asks the engine to watch for a broadcast");

    // A broadcast starts (through the sandbox control); the engine's poll finds it.
    w.sandbox
        .control()
        .start_live(DEMO_BUSINESS_USERNAME, Duration::from_mins(1))
        .expect("started");
    let status = |live: Option<socialdesk::engine::live::LiveBroadcast>| {
        Event::Live(LiveEvent::Status {
            account: account.id.clone(),
            live: live.map(Box::new),
        })
    };
    let live = rt.block_on(w.core.current_live(&account)).expect("reads");
    push(&mut h, &side, status(live.clone()));
    let live = live.expect("on air");
    assert_eq!(live.media.comments_count, Some(live.comments.len() as u64));
    let banner = socialdesk::ui::live::banner_text(live.comments.len());
    assert_eq!(banner, "🔴 LIVE now — 2 comments");
    h.get_by_label(&banner).click();
    h.run();

    // The moderation view lists the comments with their actions.
    let target = live.comments[0].clone();
    assert!(
        h.query_by_label(&target.text).is_some(),
        "{} is shown",
        target.text
    );
    h.get_by_label(&format!("Hide comment by @{}", target.username))
        .click();
    h.run();
    let hide = drain(&mut side).into_iter().find_map(|c| match c {
        Command::Live(LiveCommand::Hide {
            comment, hidden, ..
        }) => Some((comment, hidden)),
        _ => None,
    });
    assert_eq!(hide, Some((target.id.clone(), true)));
    assert!(
        h.query_by_label("(hidden)").is_some(),
        "shown hidden at once"
    );
    // Play the engine: hide on Instagram, then the next poll confirms it.
    rt.block_on(w.core.set_live_comment_hidden(&account, &target.id, true))
        .expect("hidden");
    let live = rt.block_on(w.core.current_live(&account)).expect("reads");
    assert!(live.as_ref().is_some_and(|l| l.comments[0].hidden));
    push(&mut h, &side, status(live));
    assert!(h.query_by_label("(hidden)").is_some());
    assert!(
        h.query_by_label(&format!("Unhide comment by @{}", target.username))
            .is_some()
    );

    // The broadcast ends: the view closes and the banner goes.
    w.sandbox.control().end_live();
    let live = rt.block_on(w.core.current_live(&account)).expect("reads");
    assert!(live.is_none());
    push(&mut h, &side, status(None));
    assert!(h.query_by_label(&banner).is_none());
    assert!(h.query_by_label("Back to the Feed").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_watches_while_asked_and_streams_new_comments() {
    use socialdesk::config::DataDirs;
    use socialdesk::engine::{self, Core};
    use socialdesk::store::secrets::{MemorySecrets, SecretStore};
    use std::sync::Arc;

    let dir = tempfile::tempdir().expect("temp dir");
    let dirs = DataDirs::under(dir.path());
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecrets::default());
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let account = {
        let core = Core::start(crate::support::config(
            &dirs,
            &sandbox.url(),
            secrets.clone(),
        ))
        .await
        .expect("core");
        crate::support::login(&core).await
    };
    sandbox
        .control()
        .start_live(DEMO_BUSINESS_USERNAME, Duration::from_millis(500))
        .expect("started");
    let (mut handle, side) = engine::channel();
    tokio::spawn(engine::run::run(
        crate::support::config(&dirs, &sandbox.url(), secrets),
        side,
    ));
    assert!(handle.send(Command::Live(LiveCommand::Watch(Some(account.id.clone())))));

    // Statuses arrive, each with more comments than the one before: the stream.
    let mut counts = Vec::new();
    let start = std::time::Instant::now();
    while counts.len() < 2 && start.elapsed() < Duration::from_secs(30) {
        match handle.try_recv() {
            Some(Event::Live(LiveEvent::Status { account: a, live })) => {
                assert_eq!(a, account.id);
                counts.push(live.expect("on air").comments.len());
            }
            Some(_) => {}
            None => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    assert_eq!(counts.len(), 2, "two statuses within 30 s");
    assert!(counts[1] > counts[0], "{counts:?}");

    // Stopped: no more statuses however many comments arrive.
    assert!(handle.send(Command::Live(LiveCommand::Watch(None))));
    tokio::time::sleep(Duration::from_millis(200)).await;
    while handle.try_recv().is_some() {}
    tokio::time::sleep(socialdesk::engine::live::LIVE_POLL + Duration::from_secs(1)).await;
    let late = std::iter::from_fn(|| handle.try_recv())
        .filter(|e| matches!(e, Event::Live(_)))
        .count();
    assert_eq!(late, 0, "nothing polled once the Feed is closed");
}

/// Meta's refusal of an action on a comment of an ended broadcast: "does not exist" (100) or
/// "unsupported request" (803).
fn assert_refused(answer: &serde_json::Value) {
    assert!(
        [100, 803].contains(&answer["error"]["code"].as_i64().unwrap_or(0)),
        "{answer}"
    );
}
