//! CSV text of the Insights tables and series, shared by the Insights tab's export and
//! `insights --csv` on the command line; it lives below the UI so the CLI never uses UI code.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{DailySeries, MediaRow};

/// Quotes a CSV field when it holds a comma, quote or line break (RFC 4180), as the `csv`
/// crate's writer does for every field of these tables.
pub fn csv_field(s: &str) -> String {
    table([[s]]).trim_end_matches('\n').to_owned()
}

/// Writes `rows` (the header first) with the `csv` crate: quoting, escaping and line ends
/// are its business, not ours.
fn table<R, F>(rows: impl IntoIterator<Item = R>) -> String
where
    R: IntoIterator<Item = F>,
    F: AsRef<[u8]>,
{
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for row in rows {
        // Writing into memory only fails if the csv crate has a bug: keep what was written.
        if let Err(e) = writer.write_record(row) {
            tracing::error!("could not write a CSV row: {e}");
            break;
        }
    }
    let bytes = match writer.into_inner() {
        Ok(bytes) => bytes,
        Err(e) => e.into_inner().get_ref().clone(),
    };
    // Every field was a `&str`, so the bytes are UTF-8.
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Daily series side by side: `date,<metric>,…`, one row per day any series has; a day a
/// series lacks is left empty (never 0: Meta sends nothing when there is no data). Every
/// series given is a column, whatever its days: one table, never a second one appended.
pub fn series_csv(series: &[DailySeries]) -> String {
    let mut days: BTreeMap<NaiveDate, Vec<Option<u64>>> = BTreeMap::new();
    for (i, s) in series.iter().enumerate() {
        for (day, value) in &s.points {
            days.entry(*day).or_insert_with(|| vec![None; series.len()])[i] = Some(*value);
        }
    }
    let header = std::iter::once("date".to_owned()).chain(series.iter().map(|s| s.metric.clone()));
    let rows = days.into_iter().map(|(day, values)| {
        std::iter::once(day.to_string())
            .chain(
                values
                    .into_iter()
                    .map(|v| v.map(|v| v.to_string()).unwrap_or_default()),
            )
            .collect::<Vec<_>>()
    });
    table(std::iter::once(header.collect::<Vec<_>>()).chain(rows))
}

/// A two-column table (a breakdown): `header_key,header_value` then one row per entry.
pub fn pairs_csv(key: &str, value: &str, rows: &[(String, u64)]) -> String {
    let header = vec![key.to_owned(), value.to_owned()];
    let body = rows.iter().map(|(k, v)| vec![k.clone(), v.to_string()]);
    table(std::iter::once(header).chain(body))
}

/// One breakdown: a column per dimension (`age,gender`), then `value`.
pub fn breakdown_csv(b: &crate::graph::breakdowns::Breakdown) -> String {
    let mut header = b.dimension_keys.clone();
    if header.is_empty() {
        header.push("dimension".to_owned());
    }
    header.push(b.metric.clone());
    let body = b.rows.iter().map(|r| {
        let mut row = r.values.clone();
        row.push(r.value.to_string());
        row
    });
    table(std::iter::once(header).chain(body))
}

/// The Insights tab's Breakdowns section as one table: `section,dimension,value`.
pub fn breakdown_set_csv(set: &super::breakdowns::BreakdownSet) -> String {
    let header = ["section", "dimension", "value"]
        .map(str::to_owned)
        .to_vec();
    let mut body: Vec<Vec<String>> = Vec::new();
    let mut add = |section: &str, rows: &[(String, u64)]| {
        for (k, v) in rows {
            body.push(vec![section.to_owned(), k.clone(), v.to_string()]);
        }
    };
    add("profile_activity by action_type", &set.profile_actions);
    add(
        "navigation by story_navigation_action_type",
        &set.story_navigation,
    );
    add(
        "profile_links_taps by contact_button_type",
        &set.contact_buttons,
    );
    let age_gender: Vec<(String, u64)> = set
        .age_gender
        .iter()
        .map(|(a, g, v)| (format!("{a} / {g}"), *v))
        .collect();
    add("follower_demographics by age,gender", &age_gender);
    add("engaged_audience_demographics by city", &set.engaged_cities);
    add(
        "engaged_audience_demographics by country",
        &set.engaged_countries,
    );
    table(std::iter::once(header).chain(body))
}

/// The per-post table as shown (empty cells where Meta gives no value).
pub fn media_csv(rows: &[MediaRow]) -> String {
    let header = [
        "id",
        "timestamp",
        "product_type",
        "caption",
        "permalink",
        "reach",
        "views",
        "likes",
        "comments",
        "shares",
        "saves",
        "total_interactions",
        "reels_watch_time_ms",
    ]
    .map(str::to_owned)
    .to_vec();
    let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    let body = rows.iter().map(|r| {
        let m = &r.media;
        let product = m
            .media_product_type
            .as_ref()
            .map(|p| format!("{p:?}").to_ascii_uppercase())
            .unwrap_or_default();
        let i = &r.insights;
        vec![
            m.id.as_str().to_owned(),
            m.timestamp.to_rfc3339(),
            product,
            m.caption.clone().unwrap_or_default(),
            m.permalink.clone().unwrap_or_default(),
            n(i.reach),
            n(i.views),
            n(i.likes),
            n(i.comments),
            n(i.shares),
            n(i.saved),
            n(i.total_interactions),
            n(i.reels_watch_time_ms),
        ]
    });
    table(std::iter::once(header).chain(body))
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
