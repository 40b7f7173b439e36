//! Meta's rate-limit headers and the client's reaction to them.
//!
//! Every Graph answer may carry `X-App-Usage` (`{"call_count":28,"total_cputime":25,
//! "total_time":25}`, percent of the app's limit), `X-Page-Usage` (same shape) and
//! `X-Business-Use-Case-Usage` (`{"<id>":[{"type":"instagram","call_count":12,...,
//! "estimated_time_to_regain_access":0}]}`). The client keeps the highest percentage so it can
//! slow down before Meta throttles it, and shows the figure in the status bar.

use std::time::Duration;

use http::HeaderMap;
use serde_json::Value;

use crate::model::RateUsage;

/// The headers that carry usage figures.
const USAGE_HEADERS: [&str; 3] = ["x-app-usage", "x-page-usage", "x-business-use-case-usage"];

/// The percentages inside the usage headers.
const PERCENT_FIELDS: [&str; 3] = ["call_count", "total_cputime", "total_time"];

/// The longest `estimated_time_to_regain_access` believed, in minutes. Meta's real waits are
/// minutes to an hour; a larger figure is a broken or hostile header and would otherwise
/// tell the user to wait for years.
pub const MAX_REGAIN_ACCESS_MINUTES: u32 = 60;

/// Reads the usage headers of one answer; `None` when it carried none.
pub fn parse_usage_headers(headers: &HeaderMap) -> Option<RateUsage> {
    let mut seen = false;
    let mut usage = RateUsage::default();
    for name in USAGE_HEADERS {
        let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<Value>(value) else {
            tracing::debug!(header = name, "unreadable usage header ignored");
            continue;
        };
        seen = true;
        accumulate(&json, &mut usage);
    }
    seen.then_some(usage)
}

/// Folds every figure found anywhere in `json` into `usage` (max of percents and of waits).
fn accumulate(json: &Value, usage: &mut RateUsage) {
    match json {
        Value::Object(map) => {
            for field in PERCENT_FIELDS {
                if let Some(p) = map.get(field).and_then(number) {
                    let p = p.clamp(0.0, 100.0).round() as u8;
                    usage.max_percent = usage.max_percent.max(p);
                }
            }
            if let Some(m) = map.get("estimated_time_to_regain_access").and_then(number) {
                let m = m.clamp(0.0, f64::from(MAX_REGAIN_ACCESS_MINUTES)) as u32;
                usage.regain_access_minutes = usage.regain_access_minutes.max(m);
            }
            // Business-use-case usage nests the figures under account ids.
            for v in map.values().filter(|v| v.is_object() || v.is_array()) {
                accumulate(v, usage);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| accumulate(v, usage)),
        _ => {}
    }
}

/// A figure as a finite, non-negative number; `NaN`, infinities ("inf" as a string) and
/// negatives are ignored rather than read as 0 % or as the maximum.
fn number(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        .filter(|n| n.is_finite() && *n >= 0.0)
}

/// How the client slows down as usage nears Meta's limits.
#[derive(Clone, Debug, PartialEq)]
pub struct ThrottlePolicy {
    /// Usage (percent) from which requests are delayed.
    pub start_percent: u8,
    /// The delay before each request at 100 %; it grows linearly from `start_percent`.
    pub max_delay: Duration,
    /// The longest wait for `estimated_time_to_regain_access`; longer waits are returned to the
    /// caller as a [`super::ErrorKind::RateLimited`] error instead of blocking.
    pub max_regain_wait: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            start_percent: 80,
            max_delay: Duration::from_secs(10),
            max_regain_wait: Duration::from_mins(1),
        }
    }
}

impl ThrottlePolicy {
    /// The pause before the next request given the latest usage.
    pub fn delay_for(&self, usage: &RateUsage) -> Duration {
        if usage.max_percent < self.start_percent {
            return Duration::ZERO;
        }
        let span = f64::from(100u8.saturating_sub(self.start_percent).max(1));
        let over = f64::from(usage.max_percent.min(100) - self.start_percent);
        // At exactly `start_percent` there is already a small pause, so "≥ 80 %" always slows.
        let fraction = ((over + 1.0) / (span + 1.0)).min(1.0);
        self.max_delay.mul_f64(fraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header value"));
        }
        h
    }

    #[test]
    fn keeps_the_highest_figure_across_headers() {
        let h = headers(&[
            (
                "x-app-usage",
                r#"{"call_count":28,"total_cputime":25,"total_time":25}"#,
            ),
            (
                "x-business-use-case-usage",
                r#"{"178414":[{"type":"instagram","call_count":12,"total_cputime":91,"total_time":5,"estimated_time_to_regain_access":7}]}"#,
            ),
        ]);
        let u = parse_usage_headers(&h).expect("usage");
        assert_eq!(u.max_percent, 91);
        assert_eq!(u.regain_access_minutes, 7);
    }

    #[test]
    fn no_headers_means_no_reading_and_garbage_is_ignored() {
        assert_eq!(parse_usage_headers(&HeaderMap::new()), None);
        let h = headers(&[("x-app-usage", "not json")]);
        assert_eq!(parse_usage_headers(&h), None);
        let h = headers(&[("x-app-usage", r#"{"call_count":250}"#)]);
        assert_eq!(parse_usage_headers(&h).map(|u| u.max_percent), Some(100));
    }

    #[test]
    fn absurd_figures_are_clamped_or_ignored() {
        let h = headers(&[(
            "x-business-use-case-usage",
            r#"{"1":[{"call_count":"NaN","total_cputime":-40,"total_time":"inf","estimated_time_to_regain_access":1e300}]}"#,
        )]);
        let u = parse_usage_headers(&h).expect("usage");
        assert_eq!(
            u.max_percent, 0,
            "NaN, negative and infinite percents are ignored"
        );
        assert_eq!(
            u.regain_access_minutes, MAX_REGAIN_ACCESS_MINUTES,
            "at most an hour"
        );
        let h = headers(&[(
            "x-app-usage",
            r#"{"call_count":55,"estimated_time_to_regain_access":-3}"#,
        )]);
        let u = parse_usage_headers(&h).expect("usage");
        assert_eq!((u.max_percent, u.regain_access_minutes), (55, 0));
        let h = headers(&[(
            "x-business-use-case-usage",
            r#"{"1":[{"estimated_time_to_regain_access":"NaN"}],"2":[{"estimated_time_to_regain_access":"-inf"}]}"#,
        )]);
        assert_eq!(
            parse_usage_headers(&h).map(|u| u.regain_access_minutes),
            Some(0)
        );
    }

    #[test]
    fn delays_grow_from_eighty_percent() {
        let p = ThrottlePolicy {
            max_delay: Duration::from_secs(1),
            ..ThrottlePolicy::default()
        };
        let at = |pct| {
            p.delay_for(&RateUsage {
                max_percent: pct,
                regain_access_minutes: 0,
            })
        };
        assert_eq!(at(79), Duration::ZERO);
        assert!(at(80) > Duration::ZERO);
        assert!(at(90) > at(80));
        assert_eq!(at(100), Duration::from_secs(1));
    }
}
