//! The insights edges of the emulated Graph API: `GET /{ig-id}/insights` (account metrics)
//! and `GET /{media-id}/insights` (per-media metrics).
//!
//! Every number is a pure function of the seed, the account (or media) and the day, so two
//! sandboxes with the same seed agree and a test can recompute what it expects. Daily
//! account series reach two years back with a weekly rhythm, slow growth and spikes on the
//! days media was published. Requests are validated the way Meta does: `period`,
//! `metric_type`, `breakdown`, `timeframe`, the 30-day `since`/`until` span, the 30-day
//! window of `follower_count`, deprecated metrics, and the 100-follower rule for
//! demographics and online followers.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Map, Value, json};
use url::Url;

use super::demo::{Account, Demo, Media, Product};
use super::errors::GraphError;
use super::server::Req;

/// Account metrics with a daily `time_series`.
const TIME_SERIES_METRICS: &[&str] = &["reach", "follower_count"];
/// Account metrics answered as `metric_type=total_value` over a range.
const TOTAL_VALUE_METRICS: &[&str] = &[
    "reach",
    "views",
    "accounts_engaged",
    "total_interactions",
    "likes",
    "comments",
    "shares",
    "saves",
    "replies",
    "profile_links_taps",
    "follows_and_unfollows",
];
/// Lifetime account metrics with `timeframe` and a demographic `breakdown`.
const DEMOGRAPHIC_METRICS: &[&str] = &[
    "follower_demographics",
    "engaged_audience_demographics",
    "reached_audience_demographics",
];
/// Account metrics Meta removed, with the version that removed them.
const DEPRECATED_ACCOUNT_METRICS: &[(&str, &str)] = &[
    ("impressions", "v22.0"),
    ("profile_views", "v21.0"),
    ("email_contacts", "v21.0"),
    ("get_directions_clicks", "v21.0"),
    ("text_message_clicks", "v21.0"),
    ("website_clicks", "v21.0"),
    ("phone_call_clicks", "v21.0"),
    ("audience_gender_age", "v18.0"),
    ("audience_locale", "v18.0"),
    ("audience_country", "v18.0"),
    ("audience_city", "v18.0"),
];
/// Media metrics Meta removed, with the version that removed them.
const DEPRECATED_MEDIA_METRICS: &[(&str, &str)] = &[
    ("impressions", "v22.0"),
    ("plays", "v22.0"),
    ("clips_replays_count", "v22.0"),
    ("ig_reels_aggregated_all_plays_count", "v22.0"),
    ("video_views", "v21.0"),
    ("carousel_album_impressions", "v18.0"),
    ("carousel_album_reach", "v18.0"),
    ("carousel_album_engagement", "v18.0"),
    ("carousel_album_saved", "v18.0"),
    ("carousel_album_video_views", "v18.0"),
    ("taps_forward", "v18.0"),
    ("taps_back", "v18.0"),
    ("exits", "v18.0"),
    ("engagement", "v18.0"),
];
const FEED_MEDIA_METRICS: &[&str] = &[
    "comments",
    "follows",
    "likes",
    "profile_activity",
    "profile_visits",
    "reach",
    "saved",
    "shares",
    "total_interactions",
    "views",
];
const REELS_MEDIA_METRICS: &[&str] = &[
    "comments",
    "likes",
    "reach",
    "saved",
    "shares",
    "total_interactions",
    "views",
    "ig_reels_avg_watch_time",
    "ig_reels_video_view_total_time",
];
const STORY_MEDIA_METRICS: &[&str] = &[
    "follows",
    "navigation",
    "profile_activity",
    "profile_visits",
    "reach",
    "replies",
    "shares",
    "total_interactions",
    "views",
];

/// The longest `until - since` Meta accepts: 30 days.
const MAX_RANGE_SECS: i64 = 30 * 86_400;
/// How far back daily account data reaches.
const HISTORY_DAYS: i64 = 730;
/// `follower_count` only answers for the last 30 days.
const FOLLOWER_COUNT_DAYS: i64 = 30;
/// Below this many followers, demographics and online followers are not provided.
pub const MIN_FOLLOWERS: u64 = 100;

/// Username of the small demo account (under 100 followers).
pub const SMALL_USERNAME: &str = "tiny.kiln";

/// A third demo account with too few followers for demographic insights.
pub fn small_account() -> Account {
    Account {
        ig_id: "17841400000000003".into(),
        app_scoped_id: "27100000000000003".into(),
        username: SMALL_USERNAME.into(),
        name: "Tiny Kiln Pottery".into(),
        account_type: "Business".into(),
        followers: 64,
        follows: 120,
        biography: "Hand-thrown mugs, one kiln at a time.".into(),
        website: "https://tinykiln.example.com/".into(),
    }
}

/// SplitMix64: a small, good-enough hash for deterministic noise.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn id_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A deterministic number in `0.0..1.0` for (seed, key, n, salt).
pub(super) fn unit(seed: u64, key: &str, n: i64, salt: u64) -> f64 {
    let h = mix(seed ^ id_hash(key) ^ mix(n as u64 ^ salt.rotate_left(17)));
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// One account-day of activity.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Day {
    pub reach: u64,
    pub views: u64,
    pub accounts_engaged: u64,
    pub likes: u64,
    pub comments: u64,
    pub shares: u64,
    pub saves: u64,
    pub replies: u64,
    pub profile_links_taps: u64,
    pub follows: u64,
    pub unfollows: u64,
    /// Interactions by surface: (POST, REEL, STORY, CAROUSEL_CONTAINER).
    pub by_product: [u64; 4],
}

impl Day {
    pub fn total_interactions(&self) -> u64 {
        self.likes + self.comments + self.shares + self.saves + self.replies
    }
    fn metric(&self, name: &str) -> u64 {
        match name {
            "reach" => self.reach,
            "views" => self.views,
            "accounts_engaged" => self.accounts_engaged,
            "total_interactions" => self.total_interactions(),
            "likes" => self.likes,
            "comments" => self.comments,
            "shares" => self.shares,
            "saves" => self.saves,
            "replies" => self.replies,
            "profile_links_taps" => self.profile_links_taps,
            "follows_and_unfollows" => self.follows + self.unfollows,
            "follower_count" => self.follows,
            _ => 0,
        }
    }
}

/// Days on which the account published (real demo media, else a deterministic pattern for
/// days older than the demo media).
struct PostDays {
    days: HashSet<NaiveDate>,
    oldest_real: Option<NaiveDate>,
}

impl PostDays {
    fn of(demo: &Demo, ig_id: &str) -> Self {
        let days: HashSet<NaiveDate> = demo
            .media
            .iter()
            .filter(|m| m.owner == ig_id && m.parent.is_none())
            .map(|m| m.timestamp.date_naive())
            .collect();
        let oldest_real = days.iter().min().copied();
        Self { days, oldest_real }
    }
    fn posted(&self, seed: u64, ig_id: &str, day: NaiveDate) -> bool {
        match self.oldest_real {
            Some(oldest) if day >= oldest => self.days.contains(&day),
            _ => unit(seed, ig_id, day.num_days_from_ce().into(), 7) < 0.7,
        }
    }
}

/// The activity of `account` on `day`, `today` being the sandbox's current date.
fn day_values(
    seed: u64,
    account: &Account,
    posts: &PostDays,
    day: NaiveDate,
    today: NaiveDate,
) -> Day {
    let n: i64 = day.num_days_from_ce().into();
    let age = (today - day).num_days().clamp(0, HISTORY_DAYS) as f64;
    // Growth: two years ago the account reached ~55 % of what it reaches today.
    let growth = 1.0 - 0.45 * age / HISTORY_DAYS as f64;
    // Weekly rhythm, Monday first: weekends are busiest.
    const WEEK: [f64; 7] = [0.92, 0.95, 0.97, 1.0, 1.08, 1.22, 1.15];
    let weekly = WEEK[day.weekday().num_days_from_monday() as usize];
    let noise = 0.85 + 0.3 * unit(seed, &account.ig_id, n, 1);
    let id = &account.ig_id;
    let spike = if posts.posted(seed, id, day) {
        1.45
    } else if posts.posted(seed, id, day - Duration::days(1)) {
        1.15
    } else {
        1.0
    };
    let base = account.followers as f64 * 0.16 + 12.0;
    let reach = base * growth * weekly * noise * spike;
    let r = |f: f64, salt: u64| -> u64 {
        (reach * f * (0.9 + 0.2 * unit(seed, id, n, salt))).round() as u64
    };
    let likes = r(0.075, 2);
    let comments = r(0.006, 3);
    let shares = r(0.004, 4);
    let saves = r(0.009, 5);
    let replies = r(0.002, 6);
    let total = likes + comments + shares + saves + replies;
    let reel_share = 0.35 + 0.1 * unit(seed, id, n, 8);
    let reel = (total as f64 * reel_share).round() as u64;
    let story = replies + (total as f64 * 0.05).round() as u64;
    let carousel = (total as f64 * 0.2).round() as u64;
    let post = total.saturating_sub(reel + story + carousel);
    Day {
        reach: reach.round() as u64,
        views: r(2.6, 9),
        accounts_engaged: r(0.085, 10),
        likes,
        comments,
        shares,
        saves,
        replies,
        profile_links_taps: r(0.004, 11),
        follows: r(0.0045, 12),
        unfollows: r(0.0015, 13),
        by_product: [post, reel, story, carousel],
    }
}

/// Graph's `end_time` of a daily value: the next day at 07:00 UTC (midnight Pacific).
fn end_time(day: NaiveDate) -> String {
    let next = day + Duration::days(1);
    let t = Utc.from_utc_datetime(&next.and_hms_opt(7, 0, 0).unwrap_or_default());
    super::graph::format_time(t)
}

fn param_time(req: &Req, name: &str) -> Result<Option<DateTime<Utc>>, GraphError> {
    match req.param(name) {
        None => Ok(None),
        Some(raw) => {
            let raw = raw.trim();
            let parsed = raw
                .parse::<i64>()
                .ok()
                .and_then(|s| DateTime::from_timestamp(s, 0))
                .or_else(|| {
                    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                        .map(|t| t.and_utc())
                });
            parsed.map(Some).ok_or_else(|| {
                GraphError::invalid_parameter(format!(
                    "(#100) The parameter {name} must be a unix timestamp or a date (YYYY-MM-DD), got '{raw}'"
                ))
            })
        }
    }
}

fn list(req: &Req, name: &str) -> Vec<String> {
    req.param(name)
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

fn deprecated_error(metric: &str, version: &str) -> GraphError {
    let alternative = match metric {
        "impressions"
        | "plays"
        | "video_views"
        | "ig_reels_aggregated_all_plays_count"
        | "carousel_album_impressions"
        | "carousel_album_video_views" => "views",
        "profile_views" => "profile_links_taps",
        m if m.starts_with("audience_") => "follower_demographics",
        _ => "total_interactions",
    };
    GraphError::invalid_parameter(format!(
        "(#100) Starting from version {version} and above, the {metric} metric is no longer supported. Please use {alternative} instead."
    ))
}

fn title(metric: &str) -> String {
    let mut s = metric.replace('_', " ");
    if let Some(first) = s.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    s
}

/// What account insights need from the request.
pub struct AccountQuery<'a> {
    pub req: &'a Req,
    /// The sandbox root, for `paging` links.
    pub root: &'a Url,
    /// The request's token, repeated in `paging` links as Meta does.
    pub token: &'a str,
    pub seed: u64,
    pub demo: &'a Demo,
    pub account: &'a Account,
    pub now: DateTime<Utc>,
}

/// `paging.previous` / `paging.next` of a time series: the same request one span earlier
/// or later.
fn paging(q: &AccountQuery, since: DateTime<Utc>, until: DateTime<Utc>) -> Value {
    let span = until - since;
    let link = |from: DateTime<Utc>, to: DateTime<Utc>| {
        let mut url = q.root.clone();
        url.set_path(&q.req.path);
        {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &q.req.query_params {
                if k != "since" && k != "until" {
                    pairs.append_pair(k, v);
                }
            }
            if !q.req.query_params.iter().any(|(k, _)| k == "access_token") {
                pairs.append_pair("access_token", q.token);
            }
            pairs.append_pair("since", &from.timestamp().to_string());
            pairs.append_pair("until", &to.timestamp().to_string());
        }
        url.to_string()
    };
    json!({"previous": link(since - span, since), "next": link(until, until + span)})
}

/// `GET /{ig-id}/insights`.
pub fn account_insights(q: &AccountQuery) -> Result<Value, GraphError> {
    let (seed, demo, account, req, now) = (q.seed, q.demo, q.account, q.req, q.now);
    let metrics = list(req, "metric");
    if metrics.is_empty() {
        return Err(GraphError::invalid_parameter(
            "(#100) The parameter metric is required",
        ));
    }
    for m in &metrics {
        if let Some((_, v)) = DEPRECATED_ACCOUNT_METRICS.iter().find(|(d, _)| d == m) {
            return Err(deprecated_error(m, v));
        }
        let known = TIME_SERIES_METRICS.contains(&m.as_str())
            || TOTAL_VALUE_METRICS.contains(&m.as_str())
            || DEMOGRAPHIC_METRICS.contains(&m.as_str())
            || m == "online_followers";
        if !known {
            let mut all: Vec<&str> = TOTAL_VALUE_METRICS.to_vec();
            all.extend(["follower_count", "online_followers"]);
            all.extend(DEMOGRAPHIC_METRICS);
            return Err(GraphError::invalid_parameter(format!(
                "(#100) metric[{}] must be one of the following values: {}",
                metrics.iter().position(|x| x == m).unwrap_or(0),
                all.join(", ")
            )));
        }
    }
    let period = req.param("period").map_or("", str::trim);
    if period.is_empty() {
        return Err(GraphError::invalid_parameter(
            "(#100) The parameter period is required",
        ));
    }
    if !["day", "week", "days_28", "month", "lifetime"].contains(&period) {
        return Err(GraphError::invalid_parameter(format!(
            "(#100) period must be one of the following values: day, week, days_28, month, lifetime (got '{period}')"
        )));
    }
    let metric_type = req.param("metric_type").map_or("time_series", str::trim);
    if !["time_series", "total_value"].contains(&metric_type) {
        return Err(GraphError::invalid_parameter(format!(
            "(#100) Param metric_type must be one of {{time_series, total_value}} - '{metric_type}' is not a valid value"
        )));
    }
    let lifetime: Vec<&String> = metrics
        .iter()
        .filter(|m| DEMOGRAPHIC_METRICS.contains(&m.as_str()) || *m == "online_followers")
        .collect();
    if !lifetime.is_empty() {
        if lifetime.len() != metrics.len() {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) The metrics ({}) must be requested on their own, with period=lifetime",
                lifetime
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if period != "lifetime" {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) The following metrics ({}) should be specified with parameter period=lifetime",
                lifetime[0]
            )));
        }
        if account.followers < MIN_FOLLOWERS {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) Insights for {} are not available for accounts with fewer than {MIN_FOLLOWERS} followers",
                lifetime[0]
            )));
        }
        if metrics[0] == "online_followers" {
            return online_followers(seed, account, req, now);
        }
        return demographics(seed, account, &metrics, req, metric_type);
    }
    if period != "day" {
        return Err(GraphError::invalid_parameter(format!(
            "(#100) The following metrics ({}) should be specified with parameter period=day",
            metrics[0]
        )));
    }

    let today = now.date_naive();
    let until = param_time(req, "until")?.unwrap_or(now);
    let since = param_time(req, "since")?.unwrap_or(until - Duration::days(2));
    if since >= until {
        return Err(GraphError::invalid_parameter(
            "(#100) The since timestamp must be before the until timestamp",
        ));
    }
    if (until - since).num_seconds() > MAX_RANGE_SECS {
        return Err(GraphError::invalid_parameter(format!(
            "(#100) There cannot be more than 30 days ({MAX_RANGE_SECS} s) between since and until"
        )));
    }
    if since < now - Duration::days(HISTORY_DAYS) {
        return Err(GraphError::invalid_parameter(
            "(#100) The since parameter must be within the last 2 years",
        ));
    }
    if metrics.iter().any(|m| m == "follower_count")
        && since < now - Duration::days(FOLLOWER_COUNT_DAYS + 1)
    {
        return Err(GraphError::invalid_parameter(
            "(#100) follower_count metric only supports querying data for the last 30 days excluding the current day",
        ));
    }
    // Days (UTC) that overlap [since, until); today's data is not final yet. Ranges cut at
    // midnight therefore never share a day.
    let mut days = Vec::new();
    let mut d = since.date_naive();
    while d < today && d.and_hms_opt(0, 0, 0).is_some_and(|t| t.and_utc() < until) {
        days.push(d);
        d += Duration::days(1);
    }
    let posts = PostDays::of(demo, &account.ig_id);
    let values: Vec<(NaiveDate, Day)> = days
        .iter()
        .map(|d| (*d, day_values(seed, account, &posts, *d, today)))
        .collect();

    let breakdowns = list(req, "breakdown");
    let mut data = Vec::new();
    match metric_type {
        "time_series" => {
            if !breakdowns.is_empty() {
                return Err(GraphError::invalid_parameter(
                    "(#100) breakdown is only supported with metric_type=total_value",
                ));
            }
            for m in &metrics {
                if !TIME_SERIES_METRICS.contains(&m.as_str()) {
                    return Err(GraphError::invalid_parameter(format!(
                        "(#100) The following metrics ({m}) should be specified with parameter metric_type=total_value"
                    )));
                }
                let vals: Vec<Value> = values
                    .iter()
                    .map(|(d, v)| json!({"value": v.metric(m), "end_time": end_time(*d)}))
                    .collect();
                data.push(json!({
                    "name": m, "period": "day", "values": vals, "title": title(m),
                    "description": format!("Daily {} of the account.", m.replace('_', " ")),
                    "id": format!("{}/insights/{m}/day", account.ig_id),
                }));
            }
        }
        _ => {
            for m in &metrics {
                if !TOTAL_VALUE_METRICS.contains(&m.as_str()) {
                    return Err(GraphError::invalid_parameter(format!(
                        "(#100) The following metrics ({m}) should be specified with parameter metric_type=time_series"
                    )));
                }
                let total: u64 = values.iter().map(|(_, v)| v.metric(m)).sum();
                // Reach and engaged accounts are unique people: repeat visitors count once.
                let total = match m.as_str() {
                    "reach" | "accounts_engaged" if values.len() > 1 => {
                        (total as f64 * 0.62).round() as u64
                    }
                    _ => total,
                };
                let mut tv = Map::new();
                tv.insert("value".into(), json!(total));
                let mut bds = Vec::new();
                for b in &breakdowns {
                    bds.push(total_breakdown(m, b, total, &values)?);
                }
                if !bds.is_empty() {
                    tv.insert("breakdowns".into(), Value::Array(bds));
                }
                data.push(json!({
                    "name": m, "period": "day", "total_value": Value::Object(tv), "title": title(m),
                    "description": format!("Total {} over the range.", m.replace('_', " ")),
                    "id": format!("{}/insights/{m}/day", account.ig_id),
                }));
            }
        }
    }
    let mut out = json!({ "data": data });
    if metric_type == "time_series" {
        out["paging"] = paging(q, since, until);
    }
    Ok(out)
}

/// Splits `total` by `weights` so the parts add up to exactly `total`.
fn split_total(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u64 = weights.iter().sum();
    if sum == 0 {
        return weights.iter().map(|_| 0).collect();
    }
    let mut parts: Vec<u64> = weights
        .iter()
        .map(|w| (u128::from(total) * u128::from(*w) / u128::from(sum)) as u64)
        .collect();
    let rest = total - parts.iter().sum::<u64>();
    if let Some(first) = parts.first_mut() {
        *first += rest;
    }
    parts
}

fn total_breakdown(
    metric: &str,
    breakdown: &str,
    total: u64,
    values: &[(NaiveDate, Day)],
) -> Result<Value, GraphError> {
    let results: Vec<Value> = match (breakdown, metric) {
        (
            "media_product_type",
            "reach" | "views" | "total_interactions" | "likes" | "comments" | "shares" | "saves"
            | "replies",
        ) => {
            let mut weights = [0u64; 4];
            for (_, d) in values {
                for (i, part) in d.by_product.iter().enumerate() {
                    weights[i] += part;
                }
            }
            ["POST", "REEL", "STORY", "CAROUSEL_CONTAINER"]
                .iter()
                .zip(split_total(total, &weights))
                .map(|(k, v)| json!({"dimension_values": [k], "value": v}))
                .collect()
        }
        ("follow_type", "follows_and_unfollows") => {
            let follows: u64 = values.iter().map(|(_, d)| d.follows).sum();
            let unfollows: u64 = values.iter().map(|(_, d)| d.unfollows).sum();
            vec![
                json!({"dimension_values": ["FOLLOWER"], "value": follows}),
                json!({"dimension_values": ["NON_FOLLOWER"], "value": unfollows}),
            ]
        }
        ("follow_type", "reach" | "views") => {
            let followers = total * 58 / 100;
            vec![
                json!({"dimension_values": ["FOLLOWER"], "value": followers}),
                json!({"dimension_values": ["NON_FOLLOWER"], "value": total - followers}),
            ]
        }
        ("contact_button_type", "profile_links_taps") => {
            super::insights_breakdowns::contact_buttons(total, values.len() as u64)
        }
        ("media_product_type" | "follow_type" | "contact_button_type", _) => {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) The breakdown {breakdown} is not supported for the metric {metric}"
            )));
        }
        _ => {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) Param breakdown must be one of {{media_product_type, follow_type, contact_button_type}} for total_value metrics - '{breakdown}' is not a valid value"
            )));
        }
    };
    Ok(json!({"dimension_keys": [breakdown], "results": results}))
}

/// Lifetime demographics (`follower_demographics` etc.) with `timeframe` and one breakdown.
fn demographics(
    seed: u64,
    account: &Account,
    metrics: &[String],
    req: &Req,
    metric_type: &str,
) -> Result<Value, GraphError> {
    if metric_type != "total_value" {
        return Err(GraphError::invalid_parameter(format!(
            "(#100) The following metrics ({}) should be specified with parameter metric_type=total_value",
            metrics[0]
        )));
    }
    let timeframe = req.param("timeframe").map_or("", str::trim);
    match timeframe {
        "this_week" | "this_month" => {}
        "last_14_days" | "last_30_days" | "last_90_days" | "prev_month" => {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) Starting from version v20.0 and above, the timeframe {timeframe} is no longer supported. Use this_week or this_month."
            )));
        }
        "" => {
            return Err(GraphError::invalid_parameter(
                "(#100) The parameter timeframe is required for demographic metrics: use this_week or this_month",
            ));
        }
        other => {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) Param timeframe must be one of {{this_week, this_month}} - '{other}' is not a valid value"
            )));
        }
    }
    let breakdowns = list(req, "breakdown");
    let pair_ok = match breakdowns.as_slice() {
        [_] => true,
        [a, b] => a != b,
        _ => false,
    };
    if !pair_ok {
        return Err(GraphError::invalid_parameter(
            "(#100) Demographic metrics need one breakdown (age, city, country or gender) or two different ones, e.g. breakdown=age,gender",
        ));
    }
    let mut dims: Vec<Vec<(&str, f64)>> = Vec::new();
    for breakdown in &breakdowns {
        dims.push(demographic_shares(breakdown)?);
    }
    let week = if timeframe == "this_week" { 0.3 } else { 1.0 };
    let mut data = Vec::new();
    for m in metrics {
        let audience = match m.as_str() {
            "follower_demographics" => account.followers as f64,
            "engaged_audience_demographics" => account.followers as f64 * 0.14 * week,
            _ => account.followers as f64 * 0.55 * week,
        };
        // Every combination of the asked dimensions (one dimension: its values).
        let mut combos: Vec<(Vec<&str>, f64, i64)> = vec![(Vec::new(), 1.0, 0)];
        for dim in &dims {
            let mut next = Vec::new();
            for (keys, share, n) in &combos {
                for (i, (k, s)) in dim.iter().enumerate() {
                    let mut keys = keys.clone();
                    keys.push(*k);
                    next.push((keys, share * s, n * 31 + i as i64));
                }
            }
            combos = next;
        }
        let salt = breakdowns.iter().fold(id_hash(m), |h, b| h ^ id_hash(b));
        let results: Vec<Value> = combos
            .iter()
            .map(|(keys, share, n)| {
                let wobble = 0.85 + 0.3 * unit(seed, &account.ig_id, *n, salt);
                json!({"dimension_values": keys, "value": (audience * share * wobble).round() as u64})
            })
            .collect();
        data.push(json!({
            "name": m, "period": "lifetime", "title": title(m),
            "description": "The demographic characteristics of the audience.",
            "total_value": {"breakdowns": [{"dimension_keys": breakdowns, "results": results}]},
            "id": format!("{}/insights/{m}/lifetime", account.ig_id),
        }));
    }
    Ok(json!({ "data": data }))
}

/// The values of one demographic breakdown with their share of the audience.
fn demographic_shares(breakdown: &str) -> Result<Vec<(&'static str, f64)>, GraphError> {
    let keys: &[&str] = match breakdown {
        "age" => &["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"],
        "gender" => &["F", "M", "U"],
        "country" => &["US", "GB", "DE", "CA", "AU", "NL", "FR", "BR", "IN", "JP"],
        "city" => &[
            "Seattle, Washington",
            "Portland, Oregon",
            "London, England",
            "Berlin, Berlin",
            "Vancouver, British Columbia",
            "San Francisco, California",
            "New York, New York",
            "Amsterdam, North Holland",
        ],
        other => {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) Param breakdown must be one of {{age, city, country, gender}} - '{other}' is not a valid value"
            )));
        }
    };
    let shape: &[f64] = match breakdown {
        "age" => &[0.03, 0.22, 0.38, 0.2, 0.1, 0.05, 0.02],
        "gender" => &[0.56, 0.41, 0.03],
        _ => &[],
    };
    // Countries: a long tail from the largest; cities: each a smaller slice.
    let tail = if breakdown == "city" { 0.12 } else { 0.34 };
    Ok(keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let share = shape
                .get(i)
                .copied()
                .unwrap_or(tail / (i as f64 + 1.0).powf(1.1));
            (*k, share)
        })
        .collect())
}

/// `online_followers`: per day, followers online in each hour (0–23, UTC here).
fn online_followers(
    seed: u64,
    account: &Account,
    req: &Req,
    now: DateTime<Utc>,
) -> Result<Value, GraphError> {
    let until = param_time(req, "until")?.unwrap_or(now);
    let since = param_time(req, "since")?.unwrap_or(until - Duration::days(1));
    if (until - since).num_seconds() > MAX_RANGE_SECS {
        return Err(GraphError::invalid_parameter(format!(
            "(#100) There cannot be more than 30 days ({MAX_RANGE_SECS} s) between since and until"
        )));
    }
    let today = now.date_naive();
    let mut values = Vec::new();
    let mut d = since.date_naive();
    while d < today && d.and_hms_opt(0, 0, 0).is_some_and(|t| t.and_utc() < until) {
        let mut hours = Map::new();
        for h in 0..24i64 {
            // Two peaks: the morning commute and the evening.
            let hf = h as f64;
            let curve = 0.08
                + 0.25 * (-((hf - 8.0).powi(2)) / 6.0).exp()
                + 0.4 * (-((hf - 19.0).powi(2)) / 8.0).exp();
            let wobble = 0.9
                + 0.2
                    * unit(
                        seed,
                        &account.ig_id,
                        i64::from(d.num_days_from_ce()) * 24 + h,
                        21,
                    );
            hours.insert(
                h.to_string(),
                json!((account.followers as f64 * curve * wobble).round() as u64),
            );
        }
        values.push(json!({"value": Value::Object(hours), "end_time": end_time(d)}));
        d += Duration::days(1);
    }
    Ok(json!({"data": [{
        "name": "online_followers", "period": "lifetime", "values": values,
        "title": "Online followers",
        "description": "Total number of this profile's followers that were online during the specified range.",
        "id": format!("{}/insights/online_followers/lifetime", account.ig_id),
    }]}))
}

/// Lifetime value of one media metric (None: not available for this product type).
fn media_metric(seed: u64, m: &Media, metric: &str) -> Option<u64> {
    let allowed = match m.product {
        Product::Feed => FEED_MEDIA_METRICS,
        Product::Reels => REELS_MEDIA_METRICS,
        Product::Story => STORY_MEDIA_METRICS,
        Product::Live => &[],
    };
    if !allowed.contains(&metric) {
        return None;
    }
    let n = 0;
    let u = |salt: u64| unit(seed, &m.id, n, salt);
    let likes = m.like_count;
    let reach = (likes as f64 * (7.5 + 4.0 * u(1))).round() as u64 + 40;
    let views_factor = match m.product {
        Product::Reels => 3.4,
        Product::Story => 1.3,
        Product::Feed | Product::Live => 1.8,
    };
    let views = (reach as f64 * views_factor).round() as u64;
    let shares = (likes as f64 * (0.03 + 0.04 * u(2))).round() as u64;
    let saved = (likes as f64 * (0.05 + 0.06 * u(3))).round() as u64;
    let avg_watch_ms = 5_000 + (u(4) * 9_000.0) as u64;
    let replies = (reach as f64 * 0.01).round() as u64;
    Some(match metric {
        "reach" => reach,
        "views" => views,
        "likes" => likes,
        "comments" => m.comments_count,
        "shares" => shares,
        "saved" => saved,
        "replies" => replies,
        "total_interactions" => {
            if m.product == Product::Story {
                shares + replies
            } else {
                likes + m.comments_count + shares + saved
            }
        }
        "profile_visits" => reach / 60,
        "profile_activity" => reach / 90,
        "follows" => reach / 300,
        "navigation" => views + reach / 3,
        "ig_reels_avg_watch_time" => avg_watch_ms,
        "ig_reels_video_view_total_time" => views * avg_watch_ms,
        _ => 0,
    })
}

/// `GET /{media-id}/insights`.
pub fn media_insights(
    seed: u64,
    media: &Media,
    req: &Req,
    now: DateTime<Utc>,
) -> Result<Value, GraphError> {
    let metrics = list(req, "metric");
    if metrics.is_empty() {
        return Err(GraphError::invalid_parameter(
            "(#100) The parameter metric is required",
        ));
    }
    if media.parent.is_some() {
        return Err(GraphError::invalid_parameter(
            "(#100) Insights are not available for media inside an album: request the album itself",
        ));
    }
    for m in &metrics {
        if let Some((_, v)) = DEPRECATED_MEDIA_METRICS.iter().find(|(d, _)| d == m) {
            return Err(deprecated_error(m, v));
        }
    }
    let breakdowns = list(req, "breakdown");
    for b in &breakdowns {
        if !super::insights_breakdowns::MEDIA_BREAKDOWNS.contains(&b.as_str()) {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) Param breakdown must be one of {{{}}} - '{b}' is not a valid value",
                super::insights_breakdowns::MEDIA_BREAKDOWNS.join(", ")
            )));
        }
    }
    // Story insights live 24 hours; after that the data set is empty.
    if media.product == Product::Story && now - media.timestamp > Duration::hours(24) {
        return Ok(json!({"data": []}));
    }
    let mut data = Vec::new();
    for m in &metrics {
        let Some(value) = media_metric(seed, media, m) else {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) The Media Insights API does not support the {m} metric for this media product type ({}).",
                media.product.as_str()
            )));
        };
        let mut item = json!({
            "name": m, "period": "lifetime", "values": [{"value": value}], "title": title(m),
            "description": format!("Lifetime {} of the media.", m.replace('_', " ")),
            "id": format!("{}/insights/{m}/lifetime", media.id),
        });
        if !breakdowns.is_empty() {
            item["total_value"] = super::insights_breakdowns::media_total_value(
                seed,
                &media.id,
                m,
                value,
                &breakdowns,
            )?;
        }
        data.push(item);
    }
    Ok(json!({ "data": data }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        super::super::demo::generate(7, Utc::now()).accounts[0].clone()
    }

    #[test]
    fn daily_values_are_deterministic_and_weekly() {
        let a = account();
        let posts = PostDays {
            days: HashSet::new(),
            oldest_real: Some(NaiveDate::MIN),
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
        let day = NaiveDate::from_ymd_opt(2026, 11, 14).expect("date");
        assert_eq!(
            day_values(1, &a, &posts, day, today),
            day_values(1, &a, &posts, day, today)
        );
        // Over many weeks Saturdays reach more than Mondays.
        let (mut sat, mut mon) = (0, 0);
        for w in 0..20 {
            sat += day_values(1, &a, &posts, day - Duration::weeks(w), today).reach;
            mon += day_values(
                1,
                &a,
                &posts,
                day - Duration::weeks(w) - Duration::days(5),
                today,
            )
            .reach;
        }
        assert!(sat > mon, "{sat} vs {mon}");
        // Growth: two years ago was quieter.
        let old = day_values(1, &a, &posts, day - Duration::days(700), today);
        let new = day_values(1, &a, &posts, day, today);
        assert!(old.reach < new.reach);
    }

    #[test]
    fn reels_only_metrics_are_refused_on_feed_posts() {
        let demo = super::super::demo::generate(7, Utc::now());
        let feed = demo
            .media
            .iter()
            .find(|m| m.product == Product::Feed && m.parent.is_none())
            .expect("a post");
        assert!(media_metric(7, feed, "ig_reels_avg_watch_time").is_none());
        assert!(media_metric(7, feed, "reach").is_some());
    }
}
