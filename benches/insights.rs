//! Insights performance: CPU time per frame of the account overview showing two years of
//! daily data (p50/p99). Run with `cargo bench --bench insights`.
//!
//! The UI is driven headless (layout and tessellation, no GPU), playing the engine: the
//! overview the tab asks for is answered with 730 days of two series.

use std::time::{Duration, Instant};

use chrono::Utc;
use egui::{Pos2, RawInput, Rect, vec2};
use socialdesk::engine::insights::{
    DailySeries, DateRange, Demographics, InsightsCommand, InsightsEvent, Kpi, Overview,
};
use socialdesk::engine::{self, Command, Event};
use socialdesk::ids::IgUserId;
use socialdesk::model::{Account, AccountStatus, LoginKind};
use socialdesk::ui::{App, Tab, UiPrefs};

const DAYS: i64 = 730;
const FRAMES: usize = 300;

fn main() {
    let account = account();
    let (handle, mut side) = engine::channel();
    let mut app = App::new(handle).with_prefs(UiPrefs {
        tab: Tab::Insights,
        ..UiPrefs::default()
    });
    side.events.try_send(Event::Accounts {
        accounts: vec![account.clone()],
        active: Some(account.id.clone()),
    });
    let ctx = egui::Context::default();
    let mut answered = false;
    let mut times = Vec::with_capacity(FRAMES);
    let mut vertices = 0;
    for frame in 0..FRAMES + 20 {
        let start = Instant::now();
        let mut output = ctx.run_ui(raw_input(), |ui| app.ui(ui));
        // No GPU here: font atlas uploads are dropped on purpose.
        output.textures_delta.clear();
        let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
        if frame >= 20 {
            times.push(start.elapsed());
            vertices = primitives
                .iter()
                .map(|p| match &p.primitive {
                    egui::epaint::Primitive::Mesh(mesh) => mesh.vertices.len(),
                    egui::epaint::Primitive::Callback(_) => 0,
                })
                .sum();
        }
        while let Ok(command) = side.commands.try_recv() {
            if let Command::Insights(InsightsCommand::LoadOverview { range, .. }) = command {
                let overview = overview(&account.id, range);
                side.events
                    .try_send(Event::Insights(InsightsEvent::Overview(Box::new(overview))));
                answered = true;
            }
        }
    }
    assert!(answered, "the Insights tab never asked for its overview");
    // Two 730-point lines alone tessellate to thousands of vertices: the charts were drawn.
    assert!(
        vertices > 5_000,
        "only {vertices} vertices: the overview was not drawn"
    );
    times.sort();
    println!(
        "insights overview with {DAYS} days × 2 series: p50 {:.2} ms, p99 {:.2} ms ({FRAMES} frames, {vertices} vertices)",
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.99)),
    );
}

/// Two years of days ending where the tab's requested range ends.
fn overview(account: &IgUserId, requested: DateRange) -> Overview {
    let until = requested.until;
    let since = until - chrono::Duration::days(DAYS);
    let series = |metric: &str, scale: u64| DailySeries {
        metric: metric.into(),
        label: metric.into(),
        points: (0..DAYS)
            .map(|i| {
                (
                    since + chrono::Duration::days(i),
                    scale + (i as u64 * 7919) % scale,
                )
            })
            .collect(),
    };
    Overview {
        account: account.clone(),
        // The tab shows what it asked for; the series hold two years of days before its end.
        range: requested,
        kpis: vec![Kpi {
            metric: "reach".into(),
            label: "Reach".into(),
            value: Some(123_456),
            previous: Some(100_000),
            gone: false,
        }],
        series: vec![series("reach", 2000), series("follower_count", 15)],
        by_media_type: vec![("FEED".into(), 10), ("REELS".into(), 20)],
        demographics: Demographics {
            age: vec![("18-24".into(), 40), ("25-34".into(), 60)],
            gender: vec![("F".into(), 55), ("M".into(), 45)],
            top_countries: vec![("US".into(), 70)],
            top_cities: vec![("Seattle, Washington".into(), 30)],
        },
        online: Some([[10.0; 24]; 7]),
        audience_note: None,
        gone: Vec::new(),
        fetched_at: Utc::now(),
        from_cache: false,
    }
}

fn account() -> Account {
    Account {
        id: IgUserId::from("17841400000000001"),
        username: "bench.insights".into(),
        name: None,
        account_type: Some("Business".into()),
        profile_picture_url: None,
        followers_count: Some(12_400),
        media_count: None,
        login: LoginKind::Instagram,
        page_id: None,
        status: AccountStatus::Connected,
        sandbox: false,
        token_issued_at: None,
        token_expires_at: None,
    }
}

fn raw_input() -> RawInput {
    RawInput {
        screen_rect: Some(Rect::from_min_size(Pos2::ZERO, vec2(1280.0, 800.0))),
        ..Default::default()
    }
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
