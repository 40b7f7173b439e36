//! Comments inbox performance: CPU time per frame of the Comments tab with 50,000 comments
//! (p50/p99, scrolling and moving the cursor), and the wall time of a full sync of
//! 1,000 media / 50,000 comments against the sandbox at 50 ms latency per request.
//! Run with `cargo bench --bench comments` (`cargo test --bench comments` checks it works).
//!
//! Frames are laid out by egui without a GPU (tessellation included): the CPU cost the app
//! pays on the UI thread. The test plays the engine with `engine::channel()`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use egui::{Event as InputEvent, Key, Modifiers, MouseWheelUnit, Pos2, RawInput, Rect, vec2};
use socialdesk::auth::SandboxBrowser;
use socialdesk::config::{DataDirs, Endpoints};
use socialdesk::engine::comments::{CommentsCommand, CommentsEvent};
use socialdesk::engine::{self, Command, Core, EngineConfig, Event, Mode};
use socialdesk::graph::comments::{Comment, SyncLimits};
use socialdesk::ids::{CommentId, IgUserId, MediaId};
use socialdesk::model::{Account, AccountStatus, LoginKind, Media, MediaType, ProductType};
use socialdesk::sandbox::{DEMO_BUSINESS_USERNAME, Sandbox, SandboxOptions};
use socialdesk::store::InboxComment;
use socialdesk::store::secrets::MemorySecrets;
use socialdesk::ui::{App, Tab, UiPrefs};

const COMMENTS: usize = 50_000;
const MEDIA: usize = 1_000;
const FRAMES: usize = 300;
const WARMUP: usize = 20;
const LATENCY_MS: u64 = 50;

fn main() {
    frame_times();
    sync_wall_time();
}

fn frame_times() {
    let account = bench_account();
    let (media, comments) = synthetic_inbox(&account);
    let (handle, mut side) = engine::channel();
    let mut app = App::new(handle).with_prefs(UiPrefs {
        tab: Tab::Comments,
        ..UiPrefs::default()
    });
    let ctx = egui::Context::default();
    let run = |app: &mut App, input: RawInput| {
        let mut output = ctx.run_ui(input, |ui| app.ui(ui));
        // No GPU here: font atlas uploads are dropped on purpose.
        output.textures_delta.clear();
        let _ = ctx.tessellate(output.shapes, output.pixels_per_point);
    };
    side.events
        .try_send(Event::Accounts {
            accounts: vec![account.clone()],
            active: Some(account.id.clone()),
        })
        .then_some(())
        .expect("accounts event queued");
    run(&mut app, raw_input());
    run(&mut app, raw_input());
    let opened = std::iter::from_fn(|| side.commands.try_recv().ok())
        .any(|c| matches!(c, Command::Comments(CommentsCommand::Open(_))));
    assert!(opened, "the Comments tab did not open");
    side.events
        .try_send(Event::Comments(CommentsEvent::Inbox {
            account: account.id.clone(),
            comments: Arc::new(comments),
            media: Arc::new(media),
            comments_off: Vec::new(),
            from_cache: true,
        }))
        .then_some(())
        .expect("inbox event queued");

    let mut times = Vec::with_capacity(FRAMES);
    let mut thumbnails = 0usize;
    for frame in 0..FRAMES + WARMUP {
        let mut input = raw_input();
        if frame > WARMUP {
            // Alternate wheel scrolling with j (cursor down), as a moderator does.
            if frame % 2 == 0 {
                input.events.push(InputEvent::MouseWheel {
                    unit: MouseWheelUnit::Point,
                    delta: vec2(0.0, -120.0),
                    modifiers: Modifiers::default(),
                    phase: egui::TouchPhase::Move,
                    source: egui::MouseWheelSource::Wheel,
                });
            } else {
                input.events.push(key(Key::J, true));
                input.events.push(key(Key::J, false));
            }
        }
        let start = Instant::now();
        run(&mut app, input);
        if frame >= WARMUP {
            times.push(start.elapsed());
        }
        while let Ok(command) = side.commands.try_recv() {
            if matches!(command, Command::LoadThumbnail { .. }) {
                thumbnails += 1;
            }
        }
    }
    // The list really was drawn: its visible rows asked for their posts' thumbnails.
    assert!(
        thumbnails > 0,
        "the inbox list was not drawn; the figures would be meaningless"
    );
    times.sort();
    println!(
        "comments inbox frame with {COMMENTS} comments: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({FRAMES} frames, scrolling and j)",
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.99)),
        ms(times.last().copied().unwrap_or_default()),
    );
}

fn key(key: Key, pressed: bool) -> InputEvent {
    InputEvent::Key {
        key,
        physical_key: None,
        pressed,
        repeat: false,
        modifiers: Modifiers::default(),
    }
}

fn sync_wall_time() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let sandbox = Sandbox::start(SandboxOptions::default())
            .await
            .expect("sandbox");
        let dir = tempfile::tempdir().expect("temp dir");
        let dirs = DataDirs::under(dir.path());
        let mut config = EngineConfig::new(
            dirs,
            Mode::Live(Box::new(Endpoints::sandbox(&sandbox.url()))),
        );
        config.secrets = Some(Arc::new(MemorySecrets::default()));
        config.browser = Some(Arc::new(
            SandboxBrowser::new(&socialdesk::graph::HttpClients::new().expect("http clients"))
                .expect("browser")
                .with_username(DEMO_BUSINESS_USERNAME),
        ));
        let core = Arc::new(Core::start(config).await.expect("core"));
        let account = core
            .login_to_sandbox(DEMO_BUSINESS_USERNAME)
            .await
            .expect("login")
            .into_iter()
            .next()
            .expect("one account");
        assert!(
            sandbox
                .control()
                .add_comment_load(DEMO_BUSINESS_USERNAME, MEDIA, COMMENTS, 7)
        );
        sandbox.control().set_latency_ms(LATENCY_MS);
        sandbox.control().clear_requests();
        let started = Instant::now();
        let report = core
            .sync_comments(&account, SyncLimits::default())
            .await
            .expect("sync");
        let elapsed = started.elapsed();
        let requests = sandbox.control().requests().len();
        let (inbox, _, _) = core.cached_inbox(&account).await.expect("inbox");
        assert!(inbox.len() >= COMMENTS, "{} comments cached", inbox.len());
        println!(
            "comments full sync of {} media / {} comments at {LATENCY_MS} ms latency: {:.2} s wall, {requests} requests",
            report.media_seen,
            inbox.len(),
            elapsed.as_secs_f64(),
        );
        sandbox.control().set_latency_ms(0);
        let started = Instant::now();
        let report = core
            .sync_comments(&account, SyncLimits::default())
            .await
            .expect("incremental sync");
        assert!(!report.full);
        println!(
            "comments incremental sync with nothing new (no added latency): {:.1} ms",
            ms(started.elapsed())
        );
    });
}

fn raw_input() -> RawInput {
    RawInput {
        screen_rect: Some(Rect::from_min_size(Pos2::ZERO, vec2(1280.0, 800.0))),
        ..Default::default()
    }
}

fn bench_account() -> Account {
    Account {
        id: IgUserId::from("17841400000000001"),
        username: "bench.account".into(),
        name: Some("Bench".into()),
        account_type: Some("BUSINESS".into()),
        profile_picture_url: None,
        followers_count: Some(1000),
        media_count: Some(MEDIA as u64),
        login: LoginKind::Instagram,
        page_id: None,
        status: AccountStatus::Connected,
        sandbox: false,
        token_issued_at: None,
        token_expires_at: None,
    }
}

/// 1,000 posts and 50,000 comments, newest first, a fifth of them replies.
fn synthetic_inbox(account: &Account) -> (Vec<Media>, Vec<InboxComment>) {
    let start = Utc
        .with_ymd_and_hms(2026, 11, 1, 12, 0, 0)
        .single()
        .expect("date");
    let media: Vec<Media> = (0..MEDIA)
        .map(|i| Media {
            id: MediaId::from(format!("179{i:014}")),
            caption: Some(format!("Post number {i} #coffee")),
            media_type: MediaType::Image,
            media_product_type: Some(ProductType::Feed),
            media_url: Some(format!("http://127.0.0.1:9/cdn/{i}.jpg")),
            thumbnail_url: None,
            permalink: None,
            shortcode: None,
            timestamp: start - chrono::Duration::hours(i as i64),
            username: Some(account.username.clone()),
            like_count: Some(3),
            comments_count: Some((COMMENTS / MEDIA) as u64),
            alt_text: None,
            children: Vec::new(),
        })
        .collect();
    let comments = (0..COMMENTS)
        .map(|i| {
            let reply = i % 5 == 4;
            InboxComment {
                comment: Comment {
                    id: CommentId::from(format!("180{i:014}")),
                    media_id: media[i % MEDIA].id.clone(),
                    parent_id: reply.then(|| CommentId::from(format!("180{:014}", i + 1))),
                    text: format!("Comment {i}: do you ship to Canada? Love it"),
                    username: if reply {
                        account.username.clone()
                    } else {
                        format!("fan{}", i % 997)
                    },
                    from_id: None,
                    timestamp: start - chrono::Duration::seconds(i as i64 * 30),
                    like_count: Some((i % 17) as u64),
                    hidden: i % 41 == 0,
                },
                flagged: false,
            }
        })
        .collect();
    (media, comments)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
