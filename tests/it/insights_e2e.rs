//! Insights over real HTTP against the sandbox: ≤ 30-day windows joined without gaps or
//! duplicates, retired metrics reported as gone, the overview's KPIs equal to what the
//! sandbox answers, the 100-follower rule, the cache, and CSV export of a series.

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use socialdesk::config::{DataDirs, Endpoints};
use socialdesk::engine::insights::DateRange;
use socialdesk::engine::{Core, EngineConfig, Mode};
use socialdesk::model::{Account, LoginKind};
use socialdesk::sandbox::{DEMO_BUSINESS_USERNAME, DEMO_SMALL_USERNAME, Sandbox, SandboxOptions};
use socialdesk::store::secrets::MemorySecrets;
use socialdesk::ui::insights_export;

use crate::support;
use crate::support::raw::get_json;

const SCOPES: &[&str] = &[
    "instagram_business_basic",
    "instagram_business_manage_insights",
];

/// A fresh sandbox with `username` connected by an Instagram Login token that reads
/// insights; derefs to the shared world.
struct World {
    base: support::World,
    account: Account,
    token: String,
}

impl std::ops::Deref for World {
    type Target = support::World;

    fn deref(&self) -> &support::World {
        &self.base
    }
}

async fn world(username: &str) -> World {
    let base = support::world_without_login().await;
    let (account, token) = base.connect_instagram(username, SCOPES).await;
    World {
        base,
        account,
        token,
    }
}

/// Asks the sandbox directly (no client types) for a total over `range`.
async fn raw_total(w: &World, metric: &str, range: DateRange) -> u64 {
    support::raw::insights_total(&w.sandbox, &w.token, &w.account.id, metric, range).await
}

fn insights_requests(w: &World, needle: &str) -> Vec<String> {
    w.sandbox
        .control()
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/insights") && r.query.contains(needle))
        .map(|r| r.query)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ninety_days_are_three_requests_joined_without_gaps_or_duplicates() {
    let w = world(DEMO_BUSINESS_USERNAME).await;
    let today = w.core.now().date_naive();
    let range = DateRange::last_days(today, 90);
    let session = w.core.session(&w.account).await.expect("session");
    w.sandbox.control().clear_requests();
    let set = w
        .core
        .client()
        .insights(&session)
        .account_series(&w.account.id, &["reach"], range.since, range.until)
        .await
        .expect("series");

    let sent = insights_requests(&w, "metric_type=time_series");
    assert_eq!(sent.len(), 3, "{sent:?}");
    let reach = &set.series["reach"];
    assert_eq!(reach.len(), 90, "one value per day");
    let days: Vec<NaiveDate> = reach.keys().copied().collect();
    assert_eq!(days[0], range.since);
    assert_eq!(*days.last().expect("last"), range.until - Duration::days(1));
    for pair in days.windows(2) {
        assert_eq!(pair[1] - pair[0], Duration::days(1), "no gap, no duplicate");
    }
    assert!(reach.values().all(|v| *v > 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retired_metric_is_reported_gone_and_the_rest_still_arrives() {
    let w = world(DEMO_BUSINESS_USERNAME).await;
    let today = w.core.now().date_naive();
    let session = w.core.session(&w.account).await.expect("session");
    let insights = w.core.client().insights(&session);

    // Meta refuses the retired metric: it is reported gone and the rest asked again.
    w.sandbox.control().clear_requests();
    let set = insights
        .account_totals(
            &w.account.id,
            &["impressions", "views"],
            today - Duration::days(7),
            today,
            None,
        )
        .await
        .expect("totals");
    assert_eq!(set.gone, vec!["impressions".to_owned()]);
    assert!(set.value("views").is_some_and(|v| v > 0));
    let sent = insights_requests(&w, "total_value");
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].contains("impressions") && !sent[1].contains("impressions"));

    // The same in a daily series split over windows: asked once, then left out.
    w.sandbox.control().clear_requests();
    let series = insights
        .account_series(
            &w.account.id,
            &["reach", "impressions"],
            today - Duration::days(45),
            today,
        )
        .await
        .expect("series");
    assert_eq!(series.gone, vec!["impressions".to_owned()]);
    assert_eq!(series.series["reach"].len(), 45);
    assert!(!series.series.contains_key("impressions"));
    assert_eq!(insights_requests(&w, "impressions").len(), 1);

    // The engine never asks for what it knows is retired.
    assert!(socialdesk::graph::insights::is_deprecated("video_views"));

    // A media's product-type metrics come back; Reels-only metrics are not asked of posts.
    let feed = w
        .core
        .fetch_feed_page(&w.account, None)
        .await
        .expect("feed");
    let post = feed
        .media
        .iter()
        .find(|m| m.media_product_type == Some(socialdesk::model::ProductType::Feed))
        .expect("a post");
    let (mi, gone) = w
        .core
        .media_insights(&w.account, post)
        .await
        .expect("media insights");
    assert!(gone.is_empty());
    assert_eq!(mi.likes, post.like_count);
    assert!(mi.reach.is_some() && mi.reels_watch_time_ms.is_none());

    // The sandbox itself refuses a retired metric with Meta's wording.
    let url = format!(
        "{}v24.0/{}/insights?metric=video_views",
        w.sandbox.url(),
        post.id
    );
    let v = get_json(url, &w.token).await;
    assert_eq!(v["error"]["code"], 100);
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no longer supported")),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_kpis_match_the_sandbox_and_are_cached() {
    let w = world(DEMO_BUSINESS_USERNAME).await;
    let today = w.core.now().date_naive();
    let range = DateRange::last_days(today, 30);
    let overview = w
        .core
        .fetch_overview(&w.account, range)
        .await
        .expect("overview");
    let kpi = |m: &str| {
        overview
            .kpis
            .iter()
            .find(|k| k.metric == m)
            .unwrap_or_else(|| panic!("kpi {m}"))
            .clone()
    };
    let prev = range.previous();
    assert_eq!(
        kpi("views").value,
        Some(raw_total(&w, "views", range).await)
    );
    assert_eq!(
        kpi("views").previous,
        Some(raw_total(&w, "views", prev).await)
    );
    assert_eq!(
        kpi("total_interactions").value,
        Some(raw_total(&w, "total_interactions", range).await)
    );
    assert_eq!(overview.series.len(), 2);
    assert_eq!(overview.series[0].points.len(), 30);
    assert_eq!(overview.by_media_type.len(), 4);
    assert!(!overview.demographics.age.is_empty());
    assert!(overview.online.is_some());
    assert!(overview.audience_note.is_none());

    let cached = w
        .core
        .cached_overview(&w.account, range)
        .await
        .expect("cache")
        .expect("cached overview");
    assert!(cached.from_cache);
    assert_eq!(cached.kpis, overview.kpis);
    assert_eq!(cached.series, overview.series);

    // CSV export of a series holds exactly the charted values.
    let csv = insights_export::series_csv(&overview.series);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "date,reach,follower_count");
    assert_eq!(lines.len(), 31);
    let (day, value) = overview.series[0].points[5];
    let row = lines
        .iter()
        .find(|l| l.starts_with(&day.to_string()))
        .expect("row");
    assert_eq!(row.split(',').nth(1), Some(value.to_string().as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_account_gets_the_100_follower_note_not_an_error() {
    let w = world(DEMO_SMALL_USERNAME).await;
    let today = w.core.now().date_naive();
    let overview = w
        .core
        .fetch_overview(&w.account, DateRange::last_days(today, 7))
        .await
        .expect("overview");
    assert!(
        overview
            .audience_note
            .as_deref()
            .is_some_and(|n| n.contains("100 followers")),
        "{:?}",
        overview.audience_note
    );
    assert!(overview.demographics.age.is_empty());
    assert!(overview.kpis.iter().any(|k| k.value.is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_media_table_has_insights_per_post() {
    let w = world(DEMO_BUSINESS_USERNAME).await;
    let rows = w
        .core
        .fetch_media_table(&w.account)
        .await
        .expect("media table");
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.insights.reach.is_some()));
    let reel = rows
        .iter()
        .find(|r| r.media.media_product_type == Some(socialdesk::model::ProductType::Reels));
    if let Some(reel) = reel {
        assert!(reel.insights.reels_watch_time_ms.is_some());
    }
    let cached = w
        .core
        .cached_media_table(&w.account)
        .await
        .expect("cache")
        .expect("cached");
    assert_eq!(cached, rows);
}

/// GET `{sandbox}v24.0/{path}` with the world's token; returns the JSON body.
async fn raw_get(w: &World, path: &str) -> serde_json::Value {
    get_json(format!("{}v24.0/{path}", w.sandbox.url()), &w.token).await
}

fn refused_with(v: &serde_json::Value, needle: &str) {
    assert_eq!(v["error"]["code"], 100, "{v}");
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(needle), "`{needle}` not in {message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_validates_insights_requests_like_meta() {
    let w = world(DEMO_BUSINESS_USERNAME).await;
    let ig = w.account.id.clone();
    let now = w.core.now().timestamp();
    let day = 86_400;
    let ins = |q: String| format!("{ig}/insights?{q}");

    let v = raw_get(
        &w,
        &ins(format!(
            "metric=reach&period=day&since={}&until={now}",
            now - 31 * day
        )),
    )
    .await;
    refused_with(&v, "more than 30 days");
    let v = raw_get(&w, &ins("metric=views&period=day".into())).await;
    refused_with(&v, "metric_type=total_value");
    let v = raw_get(&w, &ins("metric=reach".into())).await;
    refused_with(&v, "period is required");
    let v = raw_get(&w, &ins("metric=reach&period=day&metric_type=sum".into())).await;
    refused_with(&v, "metric_type");
    let v = raw_get(
        &w,
        &ins(format!(
            "metric=follower_count&period=day&since={}&until={}",
            now - 60 * day,
            now - 40 * day
        )),
    )
    .await;
    refused_with(&v, "last 30 days");
    let v = raw_get(&w, &ins("metric=follower_demographics&period=lifetime&metric_type=total_value&timeframe=last_30_days&breakdown=age".into())).await;
    refused_with(&v, "no longer supported");
    let v = raw_get(&w, &ins("metric=follower_demographics&period=day&metric_type=total_value&timeframe=this_month&breakdown=age".into())).await;
    refused_with(&v, "period=lifetime");
    let v = raw_get(
        &w,
        &ins("metric=total_interactions&period=day&metric_type=total_value&breakdown=age".into()),
    )
    .await;
    refused_with(&v, "breakdown");

    // Totals carry Meta's breakdown shape.
    let v = raw_get(
        &w,
        &ins("metric=likes&period=day&metric_type=total_value&breakdown=media_product_type".into()),
    )
    .await;
    let results = &v["data"][0]["total_value"]["breakdowns"][0];
    assert_eq!(results["dimension_keys"][0], "media_product_type");
    assert_eq!(results["results"].as_array().map(Vec::len), Some(4));

    // Media: metrics depend on the product type.
    let feed = w
        .core
        .fetch_feed_page(&w.account, None)
        .await
        .expect("feed");
    let post = feed
        .media
        .iter()
        .find(|m| m.media_product_type == Some(socialdesk::model::ProductType::Feed))
        .expect("a post");
    let v = raw_get(
        &w,
        &format!("{}/insights?metric=ig_reels_avg_watch_time", post.id),
    )
    .await;
    refused_with(&v, "does not support");
    let v = raw_get(&w, &format!("{}/insights?metric=reach,likes", post.id)).await;
    assert_eq!(v["data"][1]["values"][0]["value"].as_u64(), post.like_count);
    assert_eq!(v["data"][0]["period"], "lifetime");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_refuses_audience_data_below_100_followers() {
    let w = world(DEMO_SMALL_USERNAME).await;
    let v = raw_get(
        &w,
        &format!(
            "{}/insights?metric=online_followers&period=lifetime",
            w.account.id
        ),
    )
    .await;
    refused_with(&v, "fewer than 100 followers");
    let big = world(DEMO_BUSINESS_USERNAME).await;
    let v = raw_get(
        &big,
        &format!(
            "{}/insights?metric=online_followers&period=lifetime",
            big.account.id
        ),
    )
    .await;
    let hours = v["data"][0]["values"][0]["value"]
        .as_object()
        .expect("hour map");
    assert_eq!(hours.len(), 24);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_history_outlives_the_30_day_follower_count_window() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = EngineConfig::new(
        DataDirs::under(dir.path()),
        Mode::Live(Box::new(Endpoints::sandbox(&sandbox.url()))),
    );
    config.secrets = Some(Arc::new(MemorySecrets::default()));
    let control = sandbox.control();
    config.clock = Some(Arc::new(move || control.now()));
    let core = Core::start(config).await.expect("core");
    let token = sandbox
        .control()
        .mint_token("instagram", DEMO_BUSINESS_USERNAME, SCOPES)
        .expect("token");
    let account = core
        .add_token(LoginKind::Instagram, &token)
        .await
        .expect("connected")
        .remove(0);

    let t0 = core.now().date_naive();
    let first = core
        .fetch_overview(&account, DateRange::last_days(t0, 30))
        .await
        .expect("first overview");
    let early = &first.series[1];
    assert_eq!(early.metric, "follower_count");
    assert_eq!(early.points.len(), 30);

    // Forty days later Meta serves follower_count for the last 30 days only…
    sandbox
        .control()
        .advance_clock(std::time::Duration::from_hours(960));
    let t1 = core.now().date_naive();
    assert_eq!(t1 - t0, Duration::days(40));
    let later = core
        .fetch_overview(&account, DateRange::last_days(t1, 90))
        .await
        .expect("later overview");
    let followers = &later.series[1];
    // …but the chart keeps the 30 days fetched earlier, beyond Meta's window.
    assert_eq!(followers.points.len(), 60, "30 cached + 30 fresh days");
    for point in &early.points {
        assert!(followers.points.contains(point), "{point:?} kept");
    }
    assert!(
        followers
            .points
            .iter()
            .any(|(d, _)| *d < t1 - Duration::days(31)),
        "history older than what Meta still serves"
    );
    // Reach is served for the whole range: 90 days, none missing.
    assert_eq!(later.series[0].points.len(), 90);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story_insights_last_24_hours() {
    let w = world(DEMO_BUSINESS_USERNAME).await;
    let stories = raw_get(&w, &format!("{}/stories?fields=id,timestamp", w.account.id)).await;
    let id = stories["data"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a live story in {stories}"))
        .to_owned();
    let fresh = raw_get(&w, &format!("{id}/insights?metric=reach,views")).await;
    assert_eq!(fresh["data"].as_array().map(Vec::len), Some(2), "{fresh}");
    // A reels-only metric is refused for a story.
    let v = raw_get(&w, &format!("{id}/insights?metric=likes")).await;
    refused_with(&v, "does not support");

    w.sandbox
        .control()
        .advance_clock(std::time::Duration::from_hours(25));
    let gone = raw_get(&w, &format!("{id}/insights?metric=reach,views")).await;
    assert_eq!(
        gone["data"].as_array().map(Vec::len),
        Some(0),
        "an empty data set after 24 h, not an error: {gone}"
    );
}
