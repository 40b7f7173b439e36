//! The Insights tab headless (egui_kittest): the test plays the engine against a real
//! sandbox, answering the tab's commands with `Core` calls. Open the tab, switch range, and
//! the chart's series count and the KPI values match what the sandbox serves; retired
//! metrics read as gone; CSV export goes through the (fake) save dialog and holds the data;
//! and a frame with two years of daily data stays cheap (the benchmark).

use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use socialdesk::engine::Command;
use socialdesk::engine::insights::png::png_of_region;
use socialdesk::engine::insights::{
    DailySeries, DateRange, Demographics, InsightsCommand, InsightsEvent, Kpi, MediaRow, Overview,
};
use socialdesk::graph::insights::MediaInsights;
use socialdesk::ids::{IgUserId, MediaId};
use socialdesk::model::{Account, LoginKind, Media, MediaType, ProductType};
use socialdesk::sandbox::DEMO_BUSINESS_USERNAME;
use socialdesk::ui::TabContext;
use socialdesk::ui::insights::{InsightsTab, format_count};
use socialdesk::ui::insights_export::{SaveDialog, series_csv};
use socialdesk::ui::pending::Pending;
use socialdesk::ui::textures::Textures;

use crate::support::World;
use crate::support::raw::insights_total;

struct State {
    tab: InsightsTab,
    textures: Textures,
    account: Account,
    commands: Vec<Command>,
}

fn harness(account: Account, tab: InsightsTab) -> Harness<'static, State> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 1400.0))
        .with_max_steps(16)
        .build_ui_state(
            |ui, s: &mut State| {
                egui::CentralPanel::default().show(ui, |ui| {
                    let mut cx = TabContext {
                        account: Some(&s.account),
                        textures: &mut s.textures,
                    };
                    s.tab.tab_ui(ui, &mut cx, &mut s.commands);
                });
            },
            State {
                tab,
                textures: Textures::default(),
                account,
                commands: Vec::new(),
            },
        )
}

/// A save dialog that answers a fixed path and never opens a window.
struct FakeDialog(PathBuf);

impl SaveDialog for FakeDialog {
    fn save_path(
        &self,
        _ctx: &egui::Context,
        _suggested_name: &str,
        _extension: &str,
    ) -> Pending<Option<PathBuf>> {
        Pending::ready(Some(self.0.clone()))
    }
}

fn take_overview_request(h: &mut Harness<'_, State>) -> DateRange {
    let commands = std::mem::take(&mut h.state_mut().commands);
    // The latest request is the one the tab waits for.
    commands
        .into_iter()
        .rev()
        .find_map(|c| match c {
            Command::Insights(InsightsCommand::LoadOverview { range, .. }) => Some(range),
            _ => None,
        })
        .expect("the tab asked for an overview")
}

/// A fresh sandbox with the demo business connected by an Instagram Login token that reads
/// insights: the world, the account and the token.
async fn insights_world() -> (World, Account, String) {
    let w = crate::support::world_without_login().await;
    let (account, token) = w
        .connect_instagram(
            DEMO_BUSINESS_USERNAME,
            &[
                "instagram_business_basic",
                "instagram_business_manage_insights",
            ],
        )
        .await;
    (w, account, token)
}

#[test]
fn open_switch_range_and_the_chart_and_kpis_match_the_sandbox() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (w, account, token) = rt.block_on(insights_world());
    let core = &w.core;

    let mut h = harness(account.clone(), InsightsTab::default());
    h.run_steps(4);
    // Opening the tab asks for the default 30 days.
    let range = take_overview_request(&mut h);
    assert_eq!(range.days(), 30);

    let answer = |h: &mut Harness<'_, State>, range: DateRange| {
        let overview = rt
            .block_on(core.fetch_overview(&account, range))
            .expect("overview");
        h.state_mut()
            .tab
            .on_event(InsightsEvent::Overview(Box::new(overview)));
        h.run_steps(4);
    };
    answer(&mut h, range);
    let views = rt.block_on(insights_total(
        &w.sandbox,
        &token,
        &account.id,
        "views",
        range,
    ));
    assert!(
        h.query_all_by_label(&format_count(views)).count() >= 1,
        "the Views card shows {views}"
    );
    assert_eq!(h.state().tab.drawn_series(), 2);

    // Switch to 90 days.
    h.get_by_label("90 days").click();
    h.run_steps(4);
    let range = take_overview_request(&mut h);
    assert_eq!(range.days(), 90);
    answer(&mut h, range);
    assert_eq!(h.state().tab.drawn_series(), 2, "reach and new followers");
    let overview = h.state().tab.overview().expect("overview").clone();
    assert_eq!(overview.range, range);
    assert_eq!(overview.series[0].points.len(), 90);
    for metric in ["views", "total_interactions", "profile_links_taps"] {
        let want = rt.block_on(insights_total(
            &w.sandbox,
            &token,
            &account.id,
            metric,
            range,
        ));
        let kpi = overview
            .kpis
            .iter()
            .find(|k| k.metric == metric)
            .expect("kpi");
        assert_eq!(kpi.value, Some(want), "{metric}");
        assert!(
            h.query_all_by_label(&format_count(want)).count() >= 1,
            "the {metric} card shows {want}"
        );
    }
    let prev = rt.block_on(insights_total(
        &w.sandbox,
        &token,
        &account.id,
        "views",
        range.previous(),
    ));
    let shown = overview
        .kpis
        .iter()
        .find(|k| k.metric == "views")
        .expect("kpi");
    assert_eq!(shown.previous, Some(prev));
}

/// Answers the tab's overview request for `range` as the engine would, with a synthetic
/// overview of `days` days of data; returns its series.
fn answer_overview(
    h: &mut Harness<'_, State>,
    account: &IgUserId,
    range: DateRange,
    days: i64,
) -> Vec<DailySeries> {
    let mut overview = synthetic_overview(account, days);
    overview.range = range;
    let series = overview.series.clone();
    h.state_mut()
        .tab
        .on_event(InsightsEvent::Overview(Box::new(overview)));
    h.run_steps(4);
    series
}

fn synthetic_overview(account: &IgUserId, days: i64) -> Overview {
    let until = Utc::now().date_naive();
    let since = until - chrono::Duration::days(days);
    let series = |metric: &str, scale: u64| DailySeries {
        metric: metric.into(),
        label: metric.into(),
        points: (0..days)
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
        range: DateRange { since, until },
        kpis: vec![
            Kpi {
                metric: "reach".into(),
                label: "Reach".into(),
                value: Some(123_456),
                previous: Some(100_000),
                gone: false,
            },
            Kpi {
                metric: "impressions".into(),
                label: "Impressions".into(),
                value: None,
                previous: None,
                gone: true,
            },
        ],
        series: vec![series("reach", 2000), series("follower_count", 15)],
        by_media_type: vec![("POST".into(), 10), ("REEL".into(), 20)],
        demographics: Demographics {
            age: vec![("18-24".into(), 40), ("25-34".into(), 60)],
            gender: vec![("F".into(), 55), ("M".into(), 45)],
            top_countries: vec![("US".into(), 70)],
            top_cities: vec![("Seattle, Washington".into(), 30)],
        },
        online: Some([[10.0; 24]; 7]),
        audience_note: None,
        gone: vec!["impressions".into()],
        fetched_at: Utc::now(),
        from_cache: false,
    }
}

/// @northwind.coffee with 12,400 followers and no account type, for tabs fed by the test.
fn offline_account() -> Account {
    Account {
        account_type: None,
        followers_count: Some(12_400),
        ..crate::support::account("northwind.coffee", LoginKind::Instagram)
    }
}

#[test]
fn retired_metrics_read_as_gone_and_csv_export_holds_the_data() {
    let account = offline_account();
    let path = PathBuf::from("/tmp/insights-test-export.csv");
    let mut h = harness(
        account.clone(),
        InsightsTab::with_dialog(Box::new(FakeDialog(path.clone()))),
    );
    h.run_steps(4);
    let range = take_overview_request(&mut h);
    let series = answer_overview(&mut h, &account.id, range, range.days());
    assert!(
        h.query_all_by_label("impressions: no longer provided by Instagram")
            .count()
            == 1
    );
    assert!(
        h.query_all_by_label("no longer provided by Instagram")
            .count()
            >= 1,
        "the retired KPI card says so"
    );

    h.query_all_by_label("CSV")
        .next()
        .expect("a CSV button")
        .click();
    h.run_steps(4);
    let written = std::mem::take(&mut h.state_mut().commands)
        .into_iter()
        .find_map(|c| match c {
            Command::Insights(InsightsCommand::WriteFile { path, bytes }) => Some((path, bytes)),
            _ => None,
        })
        .expect("an export was asked of the engine");
    assert_eq!(written.0, path);
    let text = String::from_utf8(written.1).expect("utf-8");
    assert_eq!(text, series_csv(&series));
    assert_eq!(text.lines().count(), 1 + range.days() as usize);
}

#[test]
fn two_years_of_daily_data_draw_every_series() {
    // Frame time with this much data is measured by `cargo bench --bench insights`.
    let account = offline_account();
    let mut h = harness(account.clone(), InsightsTab::default());
    h.run_steps(4);
    let requested = take_overview_request(&mut h);
    answer_overview(&mut h, &account.id, requested, 730);
    assert_eq!(h.state().tab.drawn_series(), 2);
}

#[test]
fn png_export_is_a_picture_of_the_chart() {
    let account = offline_account();
    let path = PathBuf::from("/tmp/insights-test-export.png");
    let mut h = harness(
        account.clone(),
        InsightsTab::with_dialog(Box::new(FakeDialog(path.clone()))),
    );
    h.run_steps(4);
    let range = take_overview_request(&mut h);
    answer_overview(&mut h, &account.id, range, range.days());

    h.query_all_by_label("PNG")
        .next()
        .expect("a PNG button")
        .click();
    h.run_steps(6);
    let (written, bytes) = std::mem::take(&mut h.state_mut().commands)
        .into_iter()
        .find_map(|c| match c {
            Command::Insights(InsightsCommand::WriteChartPng {
                path,
                shot,
                region,
                pixels_per_point,
            }) => Some((path, png_of_region(&shot, region, pixels_per_point))),
            _ => None,
        })
        .expect("the chart screenshot was handed to the engine");
    let bytes = bytes.expect("the chart's region is on the screenshot");
    assert_eq!(written, path);
    let picture = image::load_from_memory(&bytes).expect("a PNG");
    // The daily charts (axes included) are 2 × 150 points high and spans the panel's width.
    let ppp = h.ctx.pixels_per_point();
    assert!(
        (picture.height() as f32 - 306.0 * ppp).abs() <= 8.0 * ppp,
        "{}",
        picture.height()
    );
    assert!(picture.width() as f32 > 600.0 * ppp);
    // Not blank: the lines and axes give more than one colour.
    let rgba = picture.to_rgba8();
    let first = rgba.get_pixel(0, 0);
    assert!(rgba.pixels().any(|p| p != first));
}

fn row(id: &str, caption: &str, reach: u64, day: u32) -> MediaRow {
    MediaRow {
        media: Media {
            id: MediaId::from(id),
            caption: Some(caption.into()),
            media_type: MediaType::Image,
            media_product_type: Some(ProductType::Feed),
            media_url: None,
            thumbnail_url: None,
            permalink: Some(format!("https://www.instagram.com/p/{id}/")),
            shortcode: None,
            timestamp: Utc
                .with_ymd_and_hms(2026, 10, day, 12, 0, 0)
                .single()
                .expect("time"),
            username: None,
            like_count: Some(reach / 10),
            comments_count: Some(1),
            alt_text: None,
            children: Vec::new(),
        },
        insights: MediaInsights {
            reach: Some(reach),
            likes: Some(reach / 10),
            ..Default::default()
        },
        note: None,
    }
}

#[test]
fn posts_sort_by_column_and_click_through_to_the_post() {
    let account = offline_account();
    let mut h = harness(account.clone(), InsightsTab::default());
    h.run_steps(4);
    let commands = std::mem::take(&mut h.state_mut().commands);
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::Insights(InsightsCommand::LoadMediaTable { .. }))),
        "opening the tab loads the post table"
    );
    h.state_mut().tab.on_event(InsightsEvent::MediaTable {
        account: account.id.clone(),
        rows: vec![
            row("1", "small", 100, 3),
            row("2", "big", 900, 1),
            row("3", "mid", 500, 2),
        ],
        from_cache: false,
    });
    h.get_by_label("Posts").click();
    h.run_steps(4);
    let order = |h: &Harness<'_, State>| {
        h.state()
            .tab
            .rows()
            .iter()
            .map(|r| r.media.id.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(order(&h), ["1", "3", "2"], "newest first by default");
    h.get_by_label("Reach").click();
    h.run_steps(4);
    assert_eq!(order(&h), ["2", "3", "1"], "largest reach first");
    h.get_by_label_contains("Reach").click();
    h.run_steps(4);
    assert_eq!(order(&h), ["1", "3", "2"], "a second click reverses");

    h.get_by_label("big").click();
    h.run_steps(4);
    let commands = std::mem::take(&mut h.state_mut().commands);
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::OpenUrl(u) if u == "https://www.instagram.com/p/2/")),
        "{commands:?}"
    );
}

#[test]
fn a_custom_range_is_validated_then_requested() {
    let account = offline_account();
    let mut h = harness(account, InsightsTab::default());
    h.run_steps(4);
    let _ = take_overview_request(&mut h);
    h.get_by_label("Custom").click();
    h.run_steps(4);
    let since_field = "(since)";
    h.get_by_label(since_field).focus();
    h.run_steps(2);
    h.get_by_label(since_field).type_text("x");
    h.run_steps(2);
    h.get_by_label("Apply").click();
    h.run_steps(4);
    assert!(
        h.query_all_by_label_contains("YYYY-MM-DD").count() >= 1,
        "a bad date is explained"
    );
    assert!(h.state().commands.is_empty());

    // Replace the text with a valid range.
    let today = Utc::now().date_naive();
    let since = today - chrono::Duration::days(45);
    h.get_by_label(since_field).focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label(since_field).type_text(&since.to_string());
    h.run_steps(2);
    h.get_by_label("Apply").click();
    h.run_steps(4);
    let range = take_overview_request(&mut h);
    assert_eq!(range.since, since);
    assert_eq!(range.days(), 45);
}

/// Renders the overview with real sandbox data to /tmp/insights.png, to look at it.
/// Run with `cargo test --test insights_ui -- --ignored render_insights`.
#[test]
#[ignore = "writes a picture for a human to look at"]
fn render_insights_screenshot() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (w, account, _) = rt.block_on(insights_world());
    let core = &w.core;
    let mut h = harness(account.clone(), InsightsTab::default());
    // Demo captions carry emoji the test font lacks; the app draws a box for them too.
    h.ctx
        .set_missing_glyph_policy(egui::MissingGlyphPolicy::Tofu);
    h.run_steps(4);
    h.get_by_label("90 days").click();
    h.run_steps(4);
    let range = take_overview_request(&mut h);
    let overview = rt
        .block_on(core.fetch_overview(&account, range))
        .expect("overview");
    let rows = rt.block_on(core.fetch_media_table(&account)).expect("rows");
    h.state_mut()
        .tab
        .on_event(InsightsEvent::Overview(Box::new(overview)));
    h.state_mut().tab.on_event(InsightsEvent::MediaTable {
        account: account.id.clone(),
        rows,
        from_cache: false,
    });
    h.run_steps(4);
    let image = h.render().expect("render the UI");
    image
        .save("/tmp/insights.png")
        .expect("write /tmp/insights.png");
    h.get_by_label("Posts").click();
    h.run_steps(4);
    let image = h.render().expect("render the UI");
    image.save("/tmp/insights_posts.png").expect("write");
}
