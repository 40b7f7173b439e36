//! Pure calculations over fetched insights: period-over-period change, the weekday × hour
//! heat map of online followers, and the best times to post.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc, Weekday};

/// Change of `now` against `before` in percent (None when there is nothing to compare).
pub fn change_percent(now: u64, before: u64) -> Option<f64> {
    (before > 0).then(|| (now as f64 - before as f64) / before as f64 * 100.0)
}

/// Average online followers per weekday (Monday first) and hour (0–23).
pub fn online_heatmap(days: &[(NaiveDate, [u64; 24])]) -> [[f64; 24]; 7] {
    let mut sum = [[0f64; 24]; 7];
    let mut count = [0u32; 7];
    for (day, hours) in days {
        let w = day.weekday().num_days_from_monday() as usize;
        count[w] += 1;
        for (h, n) in hours.iter().enumerate() {
            sum[w][h] += *n as f64;
        }
    }
    for (w, row) in sum.iter_mut().enumerate() {
        if count[w] > 0 {
            for v in row.iter_mut() {
                *v /= f64::from(count[w]);
            }
        }
    }
    sum
}

/// A suggested time to post.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot {
    pub weekday: Weekday,
    pub hour: u32,
    /// 0–100: how good the slot is relative to the best one.
    pub score: f64,
}

/// The `n` best weekday/hour slots: mostly when followers are online, nudged by how well
/// past posts published in that slot did (their total interactions).
///
/// Without online-follower data (small accounts) only past performance counts.
pub fn best_slots(
    heatmap: Option<&[[f64; 24]; 7]>,
    posts: &[(DateTime<Utc>, u64)],
    n: usize,
) -> Vec<Slot> {
    let mut perf = [[0f64; 24]; 7];
    let mut perf_n = [[0u32; 24]; 7];
    for (t, interactions) in posts {
        let w = t.weekday().num_days_from_monday() as usize;
        let h = t.hour() as usize;
        perf[w][h] += *interactions as f64;
        perf_n[w][h] += 1;
    }
    let avg_perf = |w: usize, h: usize| {
        if perf_n[w][h] == 0 {
            0.0
        } else {
            perf[w][h] / f64::from(perf_n[w][h])
        }
    };
    let max_online = heatmap.map_or(0.0, |m| m.iter().flatten().copied().fold(0.0, f64::max));
    let max_perf = (0..7)
        .flat_map(|w| (0..24).map(move |h| (w, h)))
        .map(|(w, h)| avg_perf(w, h))
        .fold(0.0, f64::max);
    let mut scored = Vec::with_capacity(7 * 24);
    for w in 0..7 {
        for h in 0..24 {
            let online = match heatmap {
                Some(m) if max_online > 0.0 => m[w][h] / max_online,
                _ => 0.0,
            };
            let past = if max_perf > 0.0 {
                avg_perf(w, h) / max_perf
            } else {
                0.0
            };
            let score = if max_online > 0.0 {
                0.75 * online + 0.25 * past
            } else {
                past
            };
            scored.push((w, h, score));
        }
    }
    scored.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let best = scored.first().map_or(0.0, |s| s.2);
    scored
        .into_iter()
        .filter(|s| s.2 > 0.0)
        .take(n)
        .map(|(w, h, s)| Slot {
            weekday: Weekday::try_from(w as u8).unwrap_or(Weekday::Mon),
            hour: h as u32,
            score: if best > 0.0 { s / best * 100.0 } else { 0.0 },
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // values compared are exact: stored and read back, or literals
mod tests {
    use super::*;

    #[test]
    fn change_is_relative_to_the_previous_period() {
        assert_eq!(change_percent(150, 100), Some(50.0));
        assert_eq!(change_percent(50, 100), Some(-50.0));
        assert_eq!(change_percent(5, 0), None);
    }

    #[test]
    fn best_slots_follow_the_online_peak() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 16).expect("date");
        let mut hours = [10u64; 24];
        hours[19] = 500;
        hours[8] = 300;
        let heat = online_heatmap(&[(monday, hours)]);
        assert_eq!(heat[0][19], 500.0);
        let slots = best_slots(Some(&heat), &[], 2);
        assert_eq!(slots[0].weekday, Weekday::Mon);
        assert_eq!(slots[0].hour, 19);
        assert_eq!(slots[1].hour, 8);
        assert!((slots[0].score - 100.0).abs() < 1e-9);
    }
}
