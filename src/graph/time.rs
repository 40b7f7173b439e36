//! Graph timestamps: `2019-04-05T07:56:32+0000` (no colon in the offset, which RFC 3339 needs).

use chrono::{DateTime, Utc};

/// Parses a Graph timestamp; also accepts RFC 3339 (`Z` or `+00:00`) and Unix seconds.
pub fn parse_graph_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z") {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    s.parse::<i64>()
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn parses_graph_rfc3339_and_unix_forms() {
        let want = Utc
            .with_ymd_and_hms(2019, 4, 5, 7, 56, 32)
            .single()
            .expect("valid date");
        assert_eq!(parse_graph_time("2019-04-05T07:56:32+0000"), Some(want));
        assert_eq!(parse_graph_time("2019-04-05T09:56:32+0200"), Some(want));
        assert_eq!(parse_graph_time("2019-04-05T07:56:32Z"), Some(want));
        assert_eq!(parse_graph_time("1554450992"), Some(want));
        assert_eq!(parse_graph_time("yesterday"), None);
        assert_eq!(parse_graph_time(""), None);
    }
}
