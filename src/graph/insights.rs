//! Account and media insights: `GET /<IG_ID>/insights` and `GET /<MEDIA_ID>/insights`.
//!
//! Meta caps a daily range at 30 days per request, so [`windows`] splits any range into
//! ≤ 30-day windows and the handler joins the answers by day (a `BTreeMap`, so neither gaps
//! from the split nor duplicates from overlapping answers can appear). The handler asks for
//! exactly the metrics it is given; callers leave out the ones they know are retired
//! ([`DEPRECATED_METRICS`], [`is_deprecated`]). When Meta answers that a metric is "no longer
//! supported", that metric is reported as gone and the rest are asked again, so one retired
//! metric never hides the others.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::time::parse_graph_time;
use super::{ErrorKind, GraphClient, GraphError, Session};
use crate::ids::{IgUserId, MediaId};
use crate::model::ProductType;

/// The longest range one request may cover.
pub const MAX_WINDOW_DAYS: i64 = 30;

/// `follower_count` answers only for the last 30 days (the cache keeps older days).
pub const FOLLOWER_COUNT_DAYS: i64 = 30;

/// Metrics Meta retired (v18–v22): never requested; shown as "no longer provided".
pub const DEPRECATED_METRICS: &[&str] = &[
    "impressions",
    "plays",
    "clips_replays_count",
    "ig_reels_aggregated_all_plays_count",
    "video_views",
    "profile_views",
    "email_contacts",
    "get_directions_clicks",
    "text_message_clicks",
    "website_clicks",
    "phone_call_clicks",
    "carousel_album_impressions",
    "carousel_album_reach",
    "carousel_album_engagement",
    "carousel_album_saved",
    "carousel_album_video_views",
    "taps_forward",
    "taps_back",
    "exits",
    "engagement",
    "audience_gender_age",
    "audience_locale",
    "audience_country",
    "audience_city",
];

/// True for a metric Meta no longer provides.
pub fn is_deprecated(metric: &str) -> bool {
    DEPRECATED_METRICS.contains(&metric.to_ascii_lowercase().as_str())
}

/// Splits the days `since..until` (half-open) into consecutive windows of at most 30 days.
pub fn windows(since: NaiveDate, until: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = since;
    while start < until {
        let end = (start + Duration::days(MAX_WINDOW_DAYS)).min(until);
        out.push((start, end));
        start = end;
    }
    out
}

/// Unix seconds of a day's midnight UTC, as `since`/`until` want them.
fn midnight(day: NaiveDate) -> String {
    day.and_time(NaiveTime::MIN)
        .and_utc()
        .timestamp()
        .to_string()
}

/// Daily series by metric name, joined over windows, plus metrics Meta said are gone.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesSet {
    pub series: BTreeMap<String, BTreeMap<NaiveDate, u64>>,
    pub gone: Vec<String>,
}

/// One `total_value` metric over a range, with its breakdown results (if asked).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Total {
    pub metric: String,
    pub value: u64,
    /// (dimension value, value), in Meta's order.
    pub breakdown: Vec<(String, u64)>,
}

/// Totals over a range plus metrics Meta said are gone.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TotalSet {
    pub totals: Vec<Total>,
    pub gone: Vec<String>,
}

impl TotalSet {
    /// The total of `metric` (0 when Meta sent none: Meta omits empty data).
    pub fn value(&self, metric: &str) -> Option<u64> {
        self.totals
            .iter()
            .find(|t| t.metric == metric)
            .map(|t| t.value)
    }
    /// The breakdown of `metric`.
    pub fn breakdown(&self, metric: &str) -> &[(String, u64)] {
        self.totals
            .iter()
            .find(|t| t.metric == metric)
            .map_or(&[], |t| t.breakdown.as_slice())
    }
}

/// One media's lifetime insights. `None` means Meta provides no value for this media
/// (the metric does not apply to its product type, or the data set was empty).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaInsights {
    pub reach: Option<u64>,
    pub views: Option<u64>,
    pub likes: Option<u64>,
    pub comments: Option<u64>,
    pub shares: Option<u64>,
    pub saved: Option<u64>,
    pub total_interactions: Option<u64>,
    /// Reels: total watch time in milliseconds (replays included).
    pub reels_watch_time_ms: Option<u64>,
    /// Reels: average watch time in milliseconds.
    pub reels_avg_watch_ms: Option<u64>,
}

/// The media metrics asked for each product type (Meta refuses the others).
pub fn media_metrics(product: Option<&ProductType>) -> &'static [&'static str] {
    match product {
        Some(ProductType::Reels) => &[
            "reach",
            "views",
            "likes",
            "comments",
            "shares",
            "saved",
            "total_interactions",
            "ig_reels_video_view_total_time",
            "ig_reels_avg_watch_time",
        ],
        Some(ProductType::Story) => &["reach", "views", "shares", "total_interactions"],
        _ => &[
            "reach",
            "views",
            "likes",
            "comments",
            "shares",
            "saved",
            "total_interactions",
        ],
    }
}

/// The metric names a "no longer supported" answer names, among `asked`.
fn gone_in(err: &GraphError, asked: &[String]) -> Vec<String> {
    let msg = err.message.to_ascii_lowercase();
    if err.kind != ErrorKind::InvalidParameter
        || !(msg.contains("no longer supported") || msg.contains("deprecated"))
    {
        return Vec::new();
    }
    // Meta names the retired metric as "the X metric" or "(X)"; a suggested replacement
    // ("use views instead") is not a retired metric.
    asked
        .iter()
        .filter(|n| {
            let n = n.to_ascii_lowercase();
            msg.contains(&format!(" {n} metric")) || msg.contains(&format!("({n})"))
        })
        .cloned()
        .collect()
}

fn decode_err(path: &str, what: &str) -> GraphError {
    GraphError::decode(path, what)
}

/// The `data` list of an insights answer.
fn data_of(v: &Value) -> Result<&Vec<Value>, GraphError> {
    v.get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| decode_err("data", "missing or not a list"))
}

fn name_of(item: &Value, i: usize) -> Result<String, GraphError> {
    item.get("name")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| decode_err(&format!("data[{i}].name"), "missing"))
}

/// Reads `total_value.breakdowns[0].results` as (first dimension value, value).
fn breakdown_results(tv: &Value, path: &str) -> Result<Vec<(String, u64)>, GraphError> {
    let Some(results) = tv
        .get("breakdowns")
        .and_then(Value::as_array)
        .and_then(|b| b.first())
        .and_then(|b| b.get("results"))
        .and_then(Value::as_array)
    else {
        return Ok(Vec::new());
    };
    results
        .iter()
        .enumerate()
        .map(|(j, r)| {
            let key = r
                .get("dimension_values")
                .and_then(Value::as_array)
                .map(|d| {
                    d.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" / ")
                })
                .ok_or_else(|| {
                    decode_err(&format!("{path}.results[{j}].dimension_values"), "missing")
                })?;
            let value = r
                .get("value")
                .and_then(Value::as_u64)
                .ok_or_else(|| decode_err(&format!("{path}.results[{j}].value"), "not a count"))?;
            Ok((key, value))
        })
        .collect()
}

/// `client.insights(&session)`.
pub struct InsightsHandler<'a> {
    client: &'a GraphClient,
    session: &'a Session,
}

impl GraphClient {
    /// Account and media insights.
    pub fn insights<'a>(&'a self, session: &'a Session) -> InsightsHandler<'a> {
        InsightsHandler {
            client: self,
            session,
        }
    }
}

impl InsightsHandler<'_> {
    /// One GET on this session (for `breakdowns.rs`).
    pub(super) async fn get(
        &self,
        path: &str,
        params: &[(&'static str, String)],
    ) -> Result<Value, GraphError> {
        self.client.get_json(self.session, path, params).await
    }

    /// Sends one insights request, dropping metrics Meta says are gone and retrying the rest.
    /// Returns the answer (None when every metric was gone) and the gone metrics.
    async fn get_dropping_gone(
        &self,
        path: &str,
        metrics: &[String],
        extra: &[(&'static str, String)],
    ) -> Result<(Option<Value>, Vec<String>), GraphError> {
        let mut asked: Vec<String> = metrics.to_vec();
        let mut gone = Vec::new();
        loop {
            if asked.is_empty() {
                return Ok((None, gone));
            }
            let mut params = vec![("metric", asked.join(","))];
            params.extend(extra.iter().cloned());
            match self.client.get_json(self.session, path, &params).await {
                Ok(v) => return Ok((Some(v), gone)),
                Err(e) => {
                    let now_gone = gone_in(&e, &asked);
                    if now_gone.is_empty() {
                        return Err(e);
                    }
                    tracing::info!(metrics = ?now_gone, "Meta no longer provides these metrics");
                    asked.retain(|m| !now_gone.contains(m));
                    gone.extend(now_gone);
                }
            }
        }
    }

    /// Daily `time_series` of account metrics over `since..until` (half-open, in days),
    /// one request per ≤ 30-day window, joined by day.
    pub async fn account_series(
        &self,
        ig_id: &IgUserId,
        metrics: &[&str],
        since: NaiveDate,
        until: NaiveDate,
    ) -> Result<SeriesSet, GraphError> {
        let path = format!("{ig_id}/insights");
        let mut set = SeriesSet::default();
        let mut asked: Vec<String> = metrics.iter().map(|m| (*m).to_owned()).collect();
        for (start, end) in windows(since, until) {
            let extra = [
                ("period", "day".to_owned()),
                ("metric_type", "time_series".to_owned()),
                ("since", midnight(start)),
                ("until", midnight(end)),
            ];
            let (answer, gone) = self.get_dropping_gone(&path, &asked, &extra).await?;
            asked.retain(|m| !gone.contains(m));
            set.gone.extend(gone);
            let Some(v) = answer else { break };
            for (i, item) in data_of(&v)?.iter().enumerate() {
                let name = name_of(item, i)?;
                let entry = set.series.entry(name).or_default();
                let values = item
                    .get("values")
                    .and_then(Value::as_array)
                    .ok_or_else(|| decode_err(&format!("data[{i}].values"), "missing"))?;
                for (j, val) in values.iter().enumerate() {
                    let path = format!("data[{i}].values[{j}]");
                    let value = val
                        .get("value")
                        .and_then(Value::as_u64)
                        .ok_or_else(|| decode_err(&format!("{path}.value"), "not a count"))?;
                    let end_time = val
                        .get("end_time")
                        .and_then(Value::as_str)
                        .and_then(parse_graph_time)
                        .ok_or_else(|| decode_err(&format!("{path}.end_time"), "not a date"))?;
                    // `end_time` closes the day: the value belongs to the day before.
                    let day = (end_time - Duration::days(1)).date_naive();
                    if day >= start && day < end {
                        entry.insert(day, value);
                    }
                }
            }
        }
        for m in &asked {
            set.series.entry(m.clone()).or_default();
        }
        Ok(set)
    }

    /// `total_value` account metrics over `since..until`, summed over ≤ 30-day windows,
    /// optionally with one `breakdown` (e.g. `media_product_type`).
    pub async fn account_totals(
        &self,
        ig_id: &IgUserId,
        metrics: &[&str],
        since: NaiveDate,
        until: NaiveDate,
        breakdown: Option<&str>,
    ) -> Result<TotalSet, GraphError> {
        let path = format!("{ig_id}/insights");
        let mut set = TotalSet::default();
        let mut asked: Vec<String> = metrics.iter().map(|m| (*m).to_owned()).collect();
        let mut sums: BTreeMap<String, (u64, Vec<(String, u64)>)> = BTreeMap::new();
        for (start, end) in windows(since, until) {
            let mut extra = vec![
                ("period", "day".to_owned()),
                ("metric_type", "total_value".to_owned()),
                ("since", midnight(start)),
                ("until", midnight(end)),
            ];
            if let Some(b) = breakdown {
                extra.push(("breakdown", b.to_owned()));
            }
            let (answer, gone) = self.get_dropping_gone(&path, &asked, &extra).await?;
            asked.retain(|m| !gone.contains(m));
            set.gone.extend(gone);
            let Some(v) = answer else { break };
            for (i, item) in data_of(&v)?.iter().enumerate() {
                let name = name_of(item, i)?;
                let tv = item
                    .get("total_value")
                    .ok_or_else(|| decode_err(&format!("data[{i}].total_value"), "missing"))?;
                let value = tv.get("value").and_then(Value::as_u64).unwrap_or(0);
                let parts = breakdown_results(tv, &format!("data[{i}].total_value"))?;
                let entry = sums.entry(name).or_default();
                entry.0 += value;
                for (k, n) in parts {
                    match entry.1.iter_mut().find(|(key, _)| *key == k) {
                        Some(slot) => slot.1 += n,
                        None => entry.1.push((k, n)),
                    }
                }
            }
        }
        set.totals = asked
            .iter()
            .filter_map(|m| {
                sums.remove(m).map(|(value, breakdown)| Total {
                    metric: m.clone(),
                    value,
                    breakdown,
                })
            })
            .collect();
        Ok(set)
    }

    /// A lifetime demographic metric (`follower_demographics`, …) by `age`, `gender`,
    /// `country` or `city`, for `timeframe` `this_week` or `this_month`.
    pub async fn demographics(
        &self,
        ig_id: &IgUserId,
        metric: &str,
        breakdown: &str,
        timeframe: &str,
    ) -> Result<Vec<(String, u64)>, GraphError> {
        let params = [
            ("metric", metric.to_owned()),
            ("period", "lifetime".to_owned()),
            ("metric_type", "total_value".to_owned()),
            ("timeframe", timeframe.to_owned()),
            ("breakdown", breakdown.to_owned()),
        ];
        let v = self
            .client
            .get_json(self.session, &format!("{ig_id}/insights"), &params)
            .await?;
        match data_of(&v)?.first() {
            Some(item) => match item.get("total_value") {
                Some(tv) => breakdown_results(tv, "data[0].total_value"),
                None => Ok(Vec::new()),
            },
            None => Ok(Vec::new()),
        }
    }

    /// `online_followers` per hour (0–23), averaged over the days `since..until`.
    pub async fn online_followers(
        &self,
        ig_id: &IgUserId,
        since: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<(NaiveDate, [u64; 24])>, GraphError> {
        let params = [
            ("metric", "online_followers".to_owned()),
            ("period", "lifetime".to_owned()),
            ("since", midnight(since)),
            ("until", midnight(until)),
        ];
        let v = self
            .client
            .get_json(self.session, &format!("{ig_id}/insights"), &params)
            .await?;
        let mut out = Vec::new();
        let Some(item) = data_of(&v)?.first() else {
            return Ok(out);
        };
        let values = item
            .get("values")
            .and_then(Value::as_array)
            .ok_or_else(|| decode_err("data[0].values", "missing"))?;
        for (j, val) in values.iter().enumerate() {
            let path = format!("data[0].values[{j}]");
            let day = val
                .get("end_time")
                .and_then(Value::as_str)
                .and_then(parse_graph_time)
                .map(|t| (t - Duration::days(1)).date_naive())
                .ok_or_else(|| decode_err(&format!("{path}.end_time"), "not a date"))?;
            let mut hours = [0u64; 24];
            if let Some(map) = val.get("value").and_then(Value::as_object) {
                for (h, n) in map {
                    if let (Ok(h), Some(n)) = (h.parse::<usize>(), n.as_u64())
                        && h < 24
                    {
                        hours[h] = n;
                    }
                }
            }
            out.push((day, hours));
        }
        Ok(out)
    }

    /// One media's lifetime insights, asking only the metrics its product type supports.
    pub async fn media(
        &self,
        id: &MediaId,
        product: Option<&ProductType>,
    ) -> Result<(MediaInsights, Vec<String>), GraphError> {
        let asked: Vec<String> = media_metrics(product)
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let (answer, gone) = self
            .get_dropping_gone(&format!("{id}/insights"), &asked, &[])
            .await?;
        let mut out = MediaInsights::default();
        let Some(v) = answer else {
            return Ok((out, gone));
        };
        for (i, item) in data_of(&v)?.iter().enumerate() {
            let name = name_of(item, i)?;
            let value = item
                .get("values")
                .and_then(Value::as_array)
                .and_then(|vals| vals.first())
                .and_then(|x| x.get("value"))
                .and_then(Value::as_u64)
                .or_else(|| {
                    item.get("total_value")
                        .and_then(|t| t.get("value"))
                        .and_then(Value::as_u64)
                });
            let slot = match name.as_str() {
                "reach" => &mut out.reach,
                "views" => &mut out.views,
                "likes" => &mut out.likes,
                "comments" => &mut out.comments,
                "shares" => &mut out.shares,
                "saved" => &mut out.saved,
                "total_interactions" => &mut out.total_interactions,
                "ig_reels_video_view_total_time" => &mut out.reels_watch_time_ms,
                "ig_reels_avg_watch_time" => &mut out.reels_avg_watch_ms,
                _ => continue,
            };
            *slot = value;
        }
        Ok((out, gone))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn ninety_days_are_three_windows_without_gaps_or_overlap() {
        let since = d(2026, 8, 1);
        let until = since + Duration::days(90);
        let w = windows(since, until);
        assert_eq!(w.len(), 3);
        assert_eq!(w[0].0, since);
        assert_eq!(w[2].1, until);
        for pair in w.windows(2) {
            assert_eq!(pair[0].1, pair[1].0);
        }
        assert!(w.iter().all(|(a, b)| (*b - *a).num_days() <= 30));
        assert_eq!(windows(since, since + Duration::days(7)).len(), 1);
        assert_eq!(windows(since, since + Duration::days(31)).len(), 2);
        assert!(windows(since, since).is_empty());
    }

    #[test]
    fn gone_metrics_are_read_from_meta_wording() {
        let err = GraphError::from_response(
            400,
            r#"{"error":{"message":"(#100) Starting from version v22.0 and above, the impressions metric is no longer supported. Please use views instead.","type":"OAuthException","code":100}}"#,
        );
        let asked = vec![
            "reach".to_owned(),
            "views".to_owned(),
            "impressions".to_owned(),
        ];
        assert_eq!(gone_in(&err, &asked), vec!["impressions".to_owned()]);
        let other = GraphError::from_response(
            400,
            r#"{"error":{"message":"(#100) metric[0] must be one of the following values: reach","code":100}}"#,
        );
        assert!(gone_in(&other, &asked).is_empty());
    }
}
