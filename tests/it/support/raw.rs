//! Raw HTTP calls to the sandbox that bypass the app's client and its types, so a test can
//! compare what the app shows with what the sandbox serves.

use chrono::{Duration, NaiveDate};
use serde_json::Value;
use socialdesk::engine::insights::DateRange;
use socialdesk::ids::IgUserId;
use socialdesk::sandbox::Sandbox;

/// `GET url` with `token` as the bearer: the JSON body, whatever the status (Graph errors
/// are JSON too).
pub async fn get_json(url: impl reqwest::IntoUrl, token: &str) -> Value {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json")
}

/// The total of `metric` for account `ig` over `range`, asked 30 days at a time (Meta's
/// longest window) with `metric_type=total_value`.
pub async fn insights_total(
    sandbox: &Sandbox,
    token: &str,
    ig: &IgUserId,
    metric: &str,
    range: DateRange,
) -> u64 {
    let ts = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("t").and_utc().timestamp();
    let mut sum = 0;
    let mut start = range.since;
    while start < range.until {
        let end = (start + Duration::days(30)).min(range.until);
        let url = format!(
            "{}v24.0/{ig}/insights?metric={metric}&period=day&metric_type=total_value&since={}&until={}",
            sandbox.url(),
            ts(start),
            ts(end),
        );
        let v = get_json(url, token).await;
        sum += v["data"][0]["total_value"]["value"]
            .as_u64()
            .unwrap_or_else(|| panic!("no total in {v}"));
        start = end;
    }
    sum
}
