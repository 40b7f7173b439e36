//! Insights: `GET /{ig-id}/insights` (time series, totals with breakdowns, demographics,
//! online followers) and `GET /{media-id}/insights` (lifetime metrics per product type).
//!
//! Values are deterministic functions of the seed, metric and day, shaped to look like a
//! small account (weekly rhythm, slow follower growth). Deprecated metrics are refused the
//! way v22+ refuses them, time series are limited to 30 days per request and 90 days back.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde_json::{Value, json};
use url::Url;

use super::demo::{Account, Demo, Media, Product};
use super::errors::GraphError;
use super::graph::format_time;
use super::server::Req;

/// Metrics with `period=day` time series.
const TIME_SERIES: &[&str] = &["reach", "follower_count"];
/// Metrics answered with `metric_type=total_value`.
const TOTALS: &[&str] = &[
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
const DEMOGRAPHICS: &[&str] = &[
    "follower_demographics",
    "engaged_audience_demographics",
    "reached_audience_demographics",
];
/// Account metrics Meta removed; asking for them is an error.
const DEPRECATED_ACCOUNT: &[&str] = &[
    "impressions",
    "profile_views",
    "email_contacts",
    "get_direction_clicks",
    "text_message_clicks",
    "website_clicks",
    "phone_call_clicks",
    "audience_gender_age",
    "audience_locale",
    "audience_country",
    "audience_city",
];
const DEPRECATED_MEDIA: &[&str] = &[
    "impressions",
    "plays",
    "clips_replays_count",
    "ig_reels_aggregated_all_plays_count",
    "video_views",
    "carousel_album_impressions",
    "carousel_album_reach",
    "carousel_album_engagement",
    "carousel_album_saved",
    "carousel_album_video_views",
    "taps_forward",
    "taps_back",
    "exits",
    "engagement",
];
const MAX_RANGE_DAYS: i64 = 30;
const RETENTION_DAYS: i64 = 90;

/// SplitMix64: a stateless, deterministic hash for metric values.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// A value in `base * (0.7..1.3)`, fixed for (seed, key, n).
fn jitter(seed: u64, key: &str, n: i64, base: f64) -> u64 {
    let r = mix(seed ^ hash_str(key) ^ (n as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let f = 0.7 + (r % 600) as f64 / 1000.0;
    (base * f).round().max(0.0) as u64
}

fn metric_error(name: &str, allowed: &[&str]) -> GraphError {
    GraphError::invalid_parameter(format!(
        "(#100) metric[0] must be one of the following values: {} (got {name})",
        allowed.join(", ")
    ))
}

fn deprecated(name: &str) -> GraphError {
    GraphError::invalid_parameter(format!(
        "(#100) Starting from version v22.0 and above, the {name} metric is no longer supported. Please use views or reach instead."
    ))
}

fn title(name: &str) -> String {
    let mut t = name.replace('_', " ");
    if let Some(first) = t.get(0..1) {
        t.replace_range(0..1, &first.to_uppercase());
    }
    t
}

fn split(raw: &str) -> Vec<&str> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn parse_when(raw: &str) -> Option<DateTime<Utc>> {
    if let Ok(secs) = raw.trim().parse::<i64>() {
        return DateTime::from_timestamp(secs, 0);
    }
    chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
}

/// End of the reporting day that contains `t` (Meta reports days ending 07:00 UTC).
fn day_end(t: DateTime<Utc>) -> DateTime<Utc> {
    let seven = NaiveTime::from_hms_opt(7, 0, 0).unwrap_or(NaiveTime::MIN);
    let candidate = t.date_naive().and_time(seven).and_utc();
    if candidate <= t {
        candidate + Duration::days(1)
    } else {
        candidate
    }
}

/// What account insights need from the request.
pub struct AccountQuery<'a> {
    pub req: &'a Req,
    pub root: &'a Url,
    pub token: &'a str,
    pub seed: u64,
    pub account: &'a Account,
    pub now: DateTime<Utc>,
}

/// `GET /{ig-id}/insights`.
pub fn account(q: &AccountQuery) -> Result<Value, GraphError> {
    let metrics = split(q.req.param("metric").unwrap_or(""));
    if metrics.is_empty() {
        return Err(GraphError::invalid_parameter(
            "(#100) The parameter metric is required, e.g. metric=reach,follower_count",
        ));
    }
    let metric_type = q.req.param("metric_type").unwrap_or("time_series");
    let period = q.req.param("period").unwrap_or("day");
    let mut data = Vec::new();
    let mut paging = None;
    for name in &metrics {
        let name = *name;
        if DEPRECATED_ACCOUNT.contains(&name) {
            return Err(deprecated(name));
        }
        if name == "online_followers" {
            data.push(online_followers(q)?);
        } else if DEMOGRAPHICS.contains(&name) {
            data.push(demographics(q, name)?);
        } else if metric_type == "total_value" {
            if !TOTALS.contains(&name) {
                return Err(metric_error(name, TOTALS));
            }
            data.push(total_value(q, name, period)?);
        } else {
            if !TIME_SERIES.contains(&name) {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) The metric {name} only supports metric_type=total_value; time series exist for {}",
                    TIME_SERIES.join(", ")
                )));
            }
            if period != "day" {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) period={period} is not supported for {name}; use period=day"
                )));
            }
            let (item, page) = time_series(q, name)?;
            data.push(item);
            paging = Some(page);
        }
    }
    let mut out = json!({ "data": data });
    if let Some(p) = paging {
        out["paging"] = p;
    }
    Ok(out)
}

/// The `since`..`until` window (default: the last two days), at most 30 days.
fn window(q: &AccountQuery) -> Result<(DateTime<Utc>, DateTime<Utc>), GraphError> {
    let parse = |name: &str| -> Result<Option<DateTime<Utc>>, GraphError> {
        match q.req.param(name) {
            None => Ok(None),
            Some(raw) => parse_when(raw).map(Some).ok_or_else(|| {
                GraphError::invalid_parameter(format!(
                    "(#100) The parameter {name} must be a unix timestamp or a date such as 2026-11-01, got '{raw}'"
                ))
            }),
        }
    };
    let until = parse("until")?.unwrap_or(q.now).min(q.now);
    let since = parse("since")?.unwrap_or(until - Duration::days(2));
    if since >= until {
        return Err(GraphError::invalid_parameter(
            "(#100) since must be earlier than until",
        ));
    }
    if until - since > Duration::days(MAX_RANGE_DAYS) {
        return Err(GraphError::invalid_parameter(
            "(#100) There cannot be more than 30 days (2592000 s) between since and until",
        ));
    }
    Ok((since, until))
}

fn day_value(q: &AccountQuery, name: &str, end: DateTime<Utc>) -> u64 {
    let day = end.timestamp().div_euclid(86_400);
    let followers = q.account.followers as f64;
    match name {
        "follower_count" => jitter(
            q.seed,
            &format!("{}:fc", q.account.ig_id),
            day,
            followers / 400.0 + 3.0,
        ),
        _ => {
            // Weekend bump on reach.
            let weekday = (day + 4).rem_euclid(7);
            let bump = if weekday >= 5 { 1.3 } else { 1.0 };
            jitter(
                q.seed,
                &format!("{}:{name}", q.account.ig_id),
                day,
                followers * 0.18 * bump,
            )
        }
    }
}

fn time_series(q: &AccountQuery, name: &str) -> Result<(Value, Value), GraphError> {
    let (since, until) = window(q)?;
    let oldest = q.now - Duration::days(RETENTION_DAYS);
    let mut values = Vec::new();
    let mut end = day_end(since);
    while end <= day_end(until) {
        // Nothing older than the retention window; data lags up to 48 h.
        if end > oldest && end - Duration::days(1) < q.now {
            values.push(json!({"value": day_value(q, name, end), "end_time": format_time(end)}));
        }
        end += Duration::days(1);
    }
    let span = until - since;
    let item = json!({
        "name": name,
        "period": "day",
        "values": values,
        "title": title(name),
        "description": match name {
            "follower_count" => "Total number of unique accounts following this profile",
            _ => "The number of unique accounts that have seen your content, at least once",
        },
        "id": format!("{}/insights/{name}/day", q.account.ig_id),
    });
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
    let paging = json!({
        "previous": link(since - span, since),
        "next": link(until, until + span),
    });
    Ok((item, paging))
}

fn total_value(q: &AccountQuery, name: &str, period: &str) -> Result<Value, GraphError> {
    let (since, until) = window(q)?;
    let days = ((until - since).num_hours() as f64 / 24.0).max(1.0);
    let daily = match name {
        "reach" => 0.18,
        "views" => 0.6,
        "accounts_engaged" => 0.03,
        "total_interactions" => 0.05,
        "likes" => 0.04,
        "comments" => 0.004,
        "shares" => 0.003,
        "saves" => 0.004,
        "replies" => 0.001,
        "profile_links_taps" => 0.002,
        _ => 0.0015,
    };
    let base = q.account.followers as f64 * daily * days;
    let value = jitter(
        q.seed,
        &format!("{}:{name}:total", q.account.ig_id),
        since.timestamp() / 86_400,
        base,
    );
    let mut total = json!({ "value": value });
    if let Some(breakdown) = q.req.param("breakdown") {
        let dims: &[&str] = match breakdown {
            "media_product_type" => &["POST", "REEL", "STORY", "CAROUSEL_CONTAINER"],
            "follow_type" => &["FOLLOWER", "NON_FOLLOWER"],
            "contact_button_type" if name == "profile_links_taps" => {
                &["BOOK_NOW", "CALL", "DIRECTION", "EMAIL", "TEXT"]
            }
            _ => {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) Incompatible breakdown {breakdown} for metric {name}; use media_product_type or follow_type"
                )));
            }
        };
        total["breakdowns"] = json!([{
            "dimension_keys": [breakdown],
            "results": shares(q.seed, &format!("{name}:{breakdown}"), value, dims),
        }]);
    }
    Ok(json!({
        "name": name,
        "period": period,
        "title": title(name),
        "description": format!("Total {} over the selected range", name.replace('_', " ")),
        "total_value": total,
        "id": format!("{}/insights/{name}/{period}", q.account.ig_id),
    }))
}

/// Splits `total` over `dims` deterministically (the parts add up to `total`).
fn shares(seed: u64, key: &str, total: u64, dims: &[&str]) -> Vec<Value> {
    let weights: Vec<u64> = dims
        .iter()
        .enumerate()
        .map(|(i, d)| 1 + mix(seed ^ hash_str(key) ^ hash_str(d) ^ i as u64) % 100)
        .collect();
    let sum: u64 = weights.iter().sum();
    let mut left = total;
    dims.iter()
        .zip(&weights)
        .enumerate()
        .map(|(i, (d, w))| {
            let v = if i + 1 == dims.len() {
                left
            } else {
                (total * w / sum.max(1)).min(left)
            };
            left -= v;
            json!({"dimension_values": [d], "value": v})
        })
        .collect()
}

fn demographics(q: &AccountQuery, name: &str) -> Result<Value, GraphError> {
    if q.req.param("period").is_some_and(|p| p != "lifetime") {
        return Err(GraphError::invalid_parameter(format!(
            "(#100) {name} only supports period=lifetime"
        )));
    }
    let timeframe = q.req.param("timeframe");
    if name != "follower_demographics" || timeframe.is_some() {
        match timeframe {
            Some("this_week" | "this_month") => {}
            Some(other) => {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) timeframe {other} is no longer supported; use this_week or this_month"
                )));
            }
            None => {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) {name} needs timeframe=this_week or timeframe=this_month"
                )));
            }
        }
    }
    let breakdown = q.req.param("breakdown").ok_or_else(|| {
        GraphError::invalid_parameter(format!(
            "(#100) {name} needs breakdown=age, city, country or gender"
        ))
    })?;
    let dims: &[&str] = match breakdown {
        "age" => &["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"],
        "gender" => &["F", "M", "U"],
        "country" => &["US", "CA", "GB", "DE", "BR", "IN", "AU"],
        "city" => &[
            "Seattle, Washington",
            "Portland, Oregon",
            "Vancouver, British Columbia",
            "San Francisco, California",
            "London, England",
            "Berlin, Berlin",
        ],
        other => {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) breakdown {other} is not supported; use age, city, country or gender"
            )));
        }
    };
    let total = match name {
        "follower_demographics" => q.account.followers,
        _ => q.account.followers / 4,
    };
    Ok(json!({
        "name": name,
        "period": "lifetime",
        "title": title(name),
        "description": "The demographic characteristics of the audience",
        "total_value": {"breakdowns": [{
            "dimension_keys": [breakdown],
            "results": shares(q.seed, &format!("{}:{name}", q.account.ig_id), total, dims),
        }]},
        "id": format!("{}/insights/{name}/lifetime", q.account.ig_id),
    }))
}

fn online_followers(q: &AccountQuery) -> Result<Value, GraphError> {
    let (since, until) = window(q)?;
    let mut values = Vec::new();
    let mut end = day_end(since);
    while end <= day_end(until) {
        let day = end.timestamp().div_euclid(86_400);
        let hours: serde_json::Map<String, Value> = (0..24)
            .map(|h| {
                // Busiest around 08:00 and 18:00 local.
                let shape = 0.25
                    + 0.5 * (-((h as f64 - 8.0) / 3.0).powi(2)).exp()
                    + 0.6 * (-((h as f64 - 18.0) / 3.0).powi(2)).exp();
                let v = jitter(
                    q.seed,
                    &format!("{}:online:{h}", q.account.ig_id),
                    day,
                    q.account.followers as f64 * 0.3 * shape,
                );
                (h.to_string(), json!(v))
            })
            .collect();
        values.push(json!({"value": hours, "end_time": format_time(end)}));
        end += Duration::days(1);
    }
    Ok(json!({
        "name": "online_followers",
        "period": "lifetime",
        "values": values,
        "title": "Online followers",
        "description": "Total number of this profile's followers that were online, by hour",
        "id": format!("{}/insights/online_followers/lifetime", q.account.ig_id),
    }))
}

/// `GET /{media-id}/insights`: lifetime metrics for one post, reel or story.
pub fn media(req: &Req, demo: &Demo, m: &Media, seed: u64) -> Result<Value, GraphError> {
    if m.parent.is_some() {
        return Err(GraphError::invalid_parameter(
            "(#100) Media inside a carousel album has no insights; ask for the album's insights",
        ));
    }
    let metrics = split(req.param("metric").unwrap_or(""));
    if metrics.is_empty() {
        return Err(GraphError::invalid_parameter(
            "(#100) The parameter metric is required, e.g. metric=reach,likes,comments,saved,shares",
        ));
    }
    let allowed: &[&str] = match m.product {
        Product::Feed => &[
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
        ],
        Product::Reels => &[
            "comments",
            "likes",
            "reach",
            "saved",
            "shares",
            "total_interactions",
            "views",
            "ig_reels_avg_watch_time",
            "ig_reels_video_view_total_time",
        ],
        Product::Story => &[
            "follows",
            "navigation",
            "profile_activity",
            "profile_visits",
            "reach",
            "replies",
            "shares",
            "total_interactions",
            "views",
        ],
    };
    let likes = m.like_count;
    let comments = demo.comment_count(&m.id) as u64;
    let key = |metric: &str| format!("{}:{metric}", m.id);
    let n = 0;
    let reach = jitter(seed, &key("reach"), n, (likes as f64 * 9.0).max(40.0));
    let saved = jitter(seed, &key("saved"), n, likes as f64 * 0.08);
    let shares_count = jitter(seed, &key("shares"), n, likes as f64 * 0.05);
    let mut data = Vec::new();
    for name in metrics {
        if DEPRECATED_MEDIA.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(deprecated(name));
        }
        if !allowed.contains(&name) {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) The Media Insights API does not support the {name} metric for this media product type ({})",
                m.product.as_str()
            )));
        }
        let value = match name {
            "likes" => likes,
            "comments" => comments,
            "reach" => reach,
            "saved" => saved,
            "shares" => shares_count,
            "views" => jitter(seed, &key("views"), n, reach as f64 * 1.6),
            "total_interactions" => likes + comments + saved + shares_count,
            "ig_reels_avg_watch_time" => jitter(seed, &key("watch"), n, 6500.0),
            "ig_reels_video_view_total_time" => {
                jitter(seed, &key("watch_total"), n, reach as f64 * 7000.0)
            }
            _ => jitter(seed, &key(name), n, reach as f64 * 0.02 + 1.0),
        };
        let mut item = json!({
            "name": name,
            "period": "lifetime",
            "values": [{"value": value}],
            "title": title(name),
            "description": format!("{} of this media", title(name)),
            "id": format!("{}/insights/{name}/lifetime", m.id),
        });
        if let Some(breakdown) = req.param("breakdown") {
            let dims: &[&str] = match (name, breakdown) {
                ("navigation", "story_navigation_action_type") => {
                    &["tap_forward", "tap_back", "tap_exit", "swipe_forward"]
                }
                ("profile_activity", "action_type") => &[
                    "bio_link_clicked",
                    "call",
                    "direction",
                    "email",
                    "other",
                    "text",
                ],
                _ => {
                    let mut e = GraphError::oauth(1, "An unknown error has occurred.");
                    e.status = axum::http::StatusCode::BAD_REQUEST;
                    return Err(e);
                }
            };
            item["total_value"] = json!({"value": value, "breakdowns": [{
                "dimension_keys": [breakdown],
                "results": shares(seed, &key(breakdown), value, dims),
            }]});
        }
        data.push(item);
    }
    Ok(json!({ "data": data }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up() {
        let parts = shares(42, "k", 1000, &["a", "b", "c"]);
        let sum: u64 = parts.iter().map(|p| p["value"].as_u64().unwrap_or(0)).sum();
        assert_eq!(sum, 1000);
    }

    #[test]
    fn day_end_is_next_seven_utc() {
        let t = DateTime::parse_from_rfc3339("2026-11-01T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        let end = t.map(day_end).map(format_time);
        assert_eq!(end.as_deref(), Some("2026-11-02T07:00:00+0000"));
    }

    #[test]
    fn jitter_is_stable() {
        assert_eq!(jitter(1, "a", 3, 100.0), jitter(1, "a", 3, 100.0));
        assert_ne!(jitter(1, "a", 3, 1000.0), jitter(1, "a", 4, 1000.0));
    }
}
