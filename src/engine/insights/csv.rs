//! CSV text of the Insights tables and series, shared by the Insights tab's export and
//! `insights --csv` on the command line; it lives below the UI so the CLI never uses UI code.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{DailySeries, MediaRow};

/// Quotes a CSV field when it holds a comma, quote or line break (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Daily series side by side: `date,<metric>,…`, one row per day any series has; a day a
/// series lacks is left empty (never 0: Meta sends nothing when there is no data).
pub fn series_csv(series: &[DailySeries]) -> String {
    let mut days: BTreeMap<NaiveDate, Vec<Option<u64>>> = BTreeMap::new();
    for (i, s) in series.iter().enumerate() {
        for (day, value) in &s.points {
            days.entry(*day).or_insert_with(|| vec![None; series.len()])[i] = Some(*value);
        }
    }
    let mut out = String::from("date");
    for s in series {
        out.push(',');
        out.push_str(&csv_field(&s.metric));
    }
    out.push('\n');
    for (day, values) in days {
        out.push_str(&day.to_string());
        for v in values {
            out.push(',');
            if let Some(v) = v {
                out.push_str(&v.to_string());
            }
        }
        out.push('\n');
    }
    out
}

/// A two-column table (a breakdown): `header_key,header_value` then one row per entry.
pub fn pairs_csv(key: &str, value: &str, rows: &[(String, u64)]) -> String {
    let mut out = format!("{},{}\n", csv_field(key), csv_field(value));
    for (k, v) in rows {
        out.push_str(&format!("{},{v}\n", csv_field(k)));
    }
    out
}

/// The per-post table as shown (empty cells where Meta gives no value).
pub fn media_csv(rows: &[MediaRow]) -> String {
    let mut out = String::from(
        "id,timestamp,product_type,caption,permalink,reach,views,likes,comments,shares,saves,total_interactions,reels_watch_time_ms\n",
    );
    let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in rows {
        let m = &r.media;
        let product = m
            .media_product_type
            .as_ref()
            .map(|p| format!("{p:?}").to_ascii_uppercase())
            .unwrap_or_default();
        let i = &r.insights;
        let fields = [
            csv_field(m.id.as_str()),
            m.timestamp.to_rfc3339(),
            product,
            csv_field(m.caption.as_deref().unwrap_or("")),
            csv_field(m.permalink.as_deref().unwrap_or("")),
            n(i.reach),
            n(i.views),
            n(i.likes),
            n(i.comments),
            n(i.shares),
            n(i.saved),
            n(i.total_interactions),
            n(i.reels_watch_time_ms),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_and_newlines_are_quoted() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\"\nnow"), "\"say \"\"hi\"\"\nnow\"");
    }

    #[test]
    fn series_are_joined_by_day_with_blanks_for_missing_values() {
        let d = |n: u32| NaiveDate::from_ymd_opt(2026, 3, n).expect("date");
        let series = vec![
            DailySeries {
                metric: "reach".into(),
                label: "Reach".into(),
                points: vec![(d(1), 10), (d(2), 12)],
            },
            DailySeries {
                metric: "follower_count".into(),
                label: "New followers".into(),
                points: vec![(d(2), 3)],
            },
        ];
        assert_eq!(
            series_csv(&series),
            "date,reach,follower_count\n2026-03-01,10,\n2026-03-02,12,3\n"
        );
        assert_eq!(
            pairs_csv("age", "followers", &[("18-24".into(), 5)]),
            "age,followers\n18-24,5\n"
        );
    }
}
