//! Feed performance: CPU time per frame with 10,000 cached media (p50/p99), and cold start
//! from the cache to the first drawn frame. Run with `cargo bench --bench feed`.
//!
//! Frames are laid out by egui without a GPU (tessellation included), which is the CPU cost
//! the app pays on the UI thread; rendering itself happens on the GPU driver.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use egui::{Event as InputEvent, MouseWheelUnit, Pos2, RawInput, Rect, vec2};
use socialdesk::config::{DataDirs, Endpoints};
use socialdesk::engine::{self, Core, EngineConfig, Event, Mode};
use socialdesk::ids::{IgUserId, MediaId};
use socialdesk::model::{Account, AccountStatus, LoginKind, Media, MediaType, ProductType};
use socialdesk::store::secrets::MemorySecrets;
use socialdesk::ui::App;

const MEDIA_COUNT: usize = 10_000;
const FRAMES: usize = 600;

fn main() {
    let account = demo_account();
    let media = synthetic_media(MEDIA_COUNT);
    frame_times(&account, &media);
    cold_start(&account, &media);
}

fn frame_times(account: &Account, media: &[Media]) {
    let (handle, mut side) = engine::channel();
    let mut app = App::new(handle);
    send_feed(&side, account, media.to_vec());
    let ctx = egui::Context::default();
    let mut times = Vec::with_capacity(FRAMES);
    let mut thumbnails_requested = 0;
    for frame in 0..FRAMES + 20 {
        let mut input = raw_input();
        // Scroll steadily through the grid, as a user flicking the wheel would.
        if frame > 20 {
            input.events.push(InputEvent::MouseWheel {
                unit: MouseWheelUnit::Point,
                delta: vec2(0.0, -120.0),
                modifiers: Default::default(),
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Wheel,
            });
        }
        let start = Instant::now();
        let mut output = ctx.run_ui(input, |ui| app.ui(ui));
        // No GPU here: font atlas uploads are dropped on purpose.
        output.textures_delta.clear();
        let _ = ctx.tessellate(output.shapes, output.pixels_per_point);
        if frame >= 20 {
            times.push(start.elapsed());
        }
        // Play the engine's receiving end so the command queue never fills.
        while let Ok(command) = side.commands.try_recv() {
            if matches!(command, engine::Command::LoadThumbnail { .. }) {
                thumbnails_requested += 1;
            }
        }
    }
    times.sort();
    // The grid really was drawn: its visible rows asked for their thumbnails.
    assert!(
        thumbnails_requested > 0,
        "the feed grid was not drawn; the figures would be meaningless"
    );
    println!(
        "feed frame with {MEDIA_COUNT} media: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({FRAMES} frames, scrolling)",
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.99)),
        ms(times.last().copied().unwrap_or_default()),
    );
}

fn cold_start(account: &Account, media: &[Media]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let dirs = DataDirs::under(dir.path());
    dirs.create().expect("dirs");
    {
        let store = socialdesk::store::Store::open(&dirs.database()).expect("store");
        store.upsert_account(account).expect("account");
        store.upsert_media(&account.id, media).expect("media");
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let start = Instant::now();
    // Live mode against an address nothing listens on: only the cache can answer.
    let endpoints = Endpoints::sandbox(&url::Url::parse("http://127.0.0.1:9/").expect("url"));
    let mut config = EngineConfig::new(dirs, Mode::Live(Box::new(endpoints)));
    config.secrets = Some(std::sync::Arc::new(MemorySecrets::default()));
    let core = runtime.block_on(Core::start(config)).expect("core");
    let (cached, _) = runtime
        .block_on(core.cached_feed(&account.id, 2000))
        .expect("cached feed");
    let (handle, side) = engine::channel();
    let mut app = App::new(handle);
    send_feed(&side, account, cached);
    let ctx = egui::Context::default();
    let mut output = ctx.run_ui(raw_input(), |ui| app.ui(ui));
    output.textures_delta.clear();
    let _ = ctx.tessellate(output.shapes, output.pixels_per_point);
    println!(
        "cold start from cache ({MEDIA_COUNT} media stored) to first feed frame: {:.1} ms",
        ms(start.elapsed())
    );
}

fn send_feed(side: &engine::EngineSide, account: &Account, media: Vec<Media>) {
    side.events.try_send(Event::Accounts {
        accounts: vec![account.clone()],
        active: Some(account.id.clone()),
    });
    side.events.try_send(Event::Feed {
        account: account.id.clone(),
        media,
        replace: true,
        has_more: false,
        from_cache: true,
    });
}

fn raw_input() -> RawInput {
    RawInput {
        screen_rect: Some(Rect::from_min_size(Pos2::ZERO, vec2(1280.0, 800.0))),
        ..Default::default()
    }
}

fn demo_account() -> Account {
    Account {
        id: IgUserId::from("17841400000000001"),
        username: "bench.account".into(),
        name: Some("Bench".into()),
        account_type: Some("Business".into()),
        profile_picture_url: None,
        followers_count: Some(1000),
        media_count: Some(MEDIA_COUNT as u64),
        login: LoginKind::Instagram,
        page_id: None,
        status: AccountStatus::Connected,
        sandbox: false,
        token_issued_at: None,
        token_expires_at: None,
    }
}

fn synthetic_media(count: usize) -> Vec<Media> {
    let start = Utc
        .with_ymd_and_hms(2026, 11, 1, 12, 0, 0)
        .single()
        .expect("date");
    (0..count)
        .map(|i| Media {
            id: MediaId::from(format!("179{i:014}")),
            caption: Some(format!("Post number {i} #coffee #morning")),
            media_type: if i % 7 == 0 {
                MediaType::CarouselAlbum
            } else {
                MediaType::Image
            },
            media_product_type: Some(ProductType::Feed),
            media_url: Some(format!("http://127.0.0.1:9/cdn/{i}.jpg")),
            thumbnail_url: None,
            permalink: Some(format!("https://www.instagram.com/p/{i}/")),
            shortcode: None,
            timestamp: start - chrono::Duration::hours(i as i64),
            username: Some("bench.account".into()),
            like_count: Some(i as u64 % 500),
            comments_count: Some(i as u64 % 40),
            alt_text: None,
            children: Vec::new(),
        })
        .collect()
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
