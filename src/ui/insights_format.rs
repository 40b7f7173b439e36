//! How the Insights tab words and colours its numbers: weekday rows of the online-followers
//! heat map (Monday at the top), its one sequential palette, the best times to post in the
//! user's local time like every other time in the app, and period-over-period changes that
//! never read "-0.0 %" (nor red for no change). Pure functions, tested here; the tab draws.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc, Weekday};
use egui::Color32;

/// Weekdays from Monday, as the heat map's rows are kept (`calc::online_heatmap`).
const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// "Mon" … "Sun".
pub fn weekday_short(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Mon",
        Weekday::Tue => "Tue",
        Weekday::Wed => "Wed",
        Weekday::Thu => "Thu",
        Weekday::Fri => "Fri",
        Weekday::Sat => "Sat",
        Weekday::Sun => "Sun",
    }
}

/// "Monday" … "Sunday".
pub fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// The heat map's values in the plot's order. A plot's y grows upwards and its first row
/// is drawn at the bottom, so Sunday goes first for Monday to be read at the top.
pub fn heatmap_values(heat: &[[f64; 24]; 7]) -> Vec<f64> {
    heat.iter().rev().flatten().copied().collect()
}

/// The weekday of the heat-map row around plot height `y` (rows span 0–7, Monday on top),
/// or `None` outside the rows.
pub fn heatmap_row_label(y: f64) -> Option<&'static str> {
    if !(0.0..7.0).contains(&y) {
        return None;
    }
    let from_top = 6 - y.floor() as usize;
    WEEKDAYS.get(from_top).map(|w| weekday_short(*w))
}

/// The heat map's tick heights: the middle of each row.
pub fn heatmap_row_ticks() -> impl DoubleEndedIterator<Item = f64> {
    (0..7).map(|row| f64::from(row) + 0.5)
}

/// One sequential palette, few followers to many: dark blue (close to the dark background)
/// to light blue, so "more" always reads as "brighter" (a rainbow has no order).
pub const HEAT_PALETTE: [Color32; 4] = [
    Color32::from_rgb(16, 32, 58),
    Color32::from_rgb(24, 82, 140),
    Color32::from_rgb(66, 146, 198),
    Color32::from_rgb(198, 226, 246),
];

/// The heat map's palette for the theme: [`HEAT_PALETTE`] on dark panels; reversed on light
/// ones, so "more" reads as "stands out from the background" in both (darker on light).
pub fn heat_palette(dark_mode: bool) -> [Color32; 4] {
    let mut palette = HEAT_PALETTE;
    if !dark_mode {
        palette.reverse();
    }
    palette
}

/// Relative luminance (0–1) of an sRGB colour, to check the palette's order.
pub fn luminance(c: Color32) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.040_45 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
}

/// A best-time slot (weekday and hour in UTC, as `calc::best_slots` scores them) in the
/// time zone `tz`, in the week of `now` (so the offset in force now, summer time included).
pub fn slot_in<Tz: TimeZone>(
    tz: &Tz,
    now: DateTime<Utc>,
    weekday: Weekday,
    hour_utc: u32,
) -> (Weekday, u32) {
    let today = now.date_naive();
    let monday: NaiveDate =
        today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let day = monday + Duration::days(i64::from(weekday.num_days_from_monday()));
    match day.and_hms_opt(hour_utc, 0, 0) {
        Some(at) => {
            let local = at.and_utc().with_timezone(tz);
            (local.weekday(), local.hour())
        }
        None => (weekday, hour_utc),
    }
}

/// Whether a change went up, down or (at the precision shown) nowhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trend {
    Up,
    Down,
    Flat,
}

/// A change in percent as shown, to one decimal: "+12.5%", "-3.0%", or "0.0%" when it
/// rounds to nothing (never "-0.0%" or "+0.0%"), with its trend for the colour.
pub fn change_text(percent: f64) -> (String, Trend) {
    let tenths = (percent * 10.0).round();
    if tenths == 0.0 || !tenths.is_finite() {
        return ("0.0%".to_owned(), Trend::Flat);
    }
    let shown = tenths.abs() / 10.0;
    if tenths > 0.0 {
        (format!("+{shown:.1}%"), Trend::Up)
    } else {
        (format!("-{shown:.1}%"), Trend::Down)
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // values compared are exact: stored and read back, or literals
mod tests {
    use super::*;

    #[test]
    fn heatmap_rows_read_monday_to_sunday_from_the_top() {
        // Row heights as the plot draws them: Sunday's row is 0–1, Monday's 6–7.
        let labels: Vec<&str> = heatmap_row_ticks()
            .rev()
            .filter_map(heatmap_row_label)
            .collect();
        assert_eq!(labels, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]);
        assert_eq!(heatmap_row_label(7.0), None);
        assert_eq!(heatmap_row_label(-0.5), None);

        let mut heat = [[0.0; 24]; 7];
        heat[0][9] = 5.0; // Monday 09 h
        let values = heatmap_values(&heat);
        // The plot's last row (the top) is Monday.
        assert_eq!(values[6 * 24 + 9], 5.0);
        assert_eq!(values.iter().filter(|v| **v > 0.0).count(), 1);
    }

    #[test]
    fn the_palette_is_one_ramp_from_dark_to_light() {
        let l: Vec<f64> = HEAT_PALETTE.iter().map(|c| luminance(*c)).collect();
        assert!(l.windows(2).all(|w| w[0] < w[1]), "{l:?}");
        // One hue family: blue dominates every step.
        assert!(
            HEAT_PALETTE
                .iter()
                .all(|c| c.b() >= c.r() && c.b() >= c.g())
        );
    }

    #[test]
    fn best_times_move_to_local_time() {
        let now = Utc
            .with_ymd_and_hms(2026, 12, 3, 12, 0, 0)
            .single()
            .expect("now");
        let berlin = chrono::FixedOffset::east_opt(3600).expect("offset");
        assert_eq!(slot_in(&berlin, now, Weekday::Mon, 19), (Weekday::Mon, 20));
        assert_eq!(slot_in(&berlin, now, Weekday::Sun, 23), (Weekday::Mon, 0));
        let new_york = chrono::FixedOffset::west_opt(5 * 3600).expect("offset");
        assert_eq!(slot_in(&new_york, now, Weekday::Mon, 2), (Weekday::Sun, 21));
        assert_eq!(slot_in(&Utc, now, Weekday::Wed, 8), (Weekday::Wed, 8));
    }

    #[test]
    fn changes_never_read_minus_zero() {
        assert_eq!(change_text(-0.0), ("0.0%".to_owned(), Trend::Flat));
        assert_eq!(change_text(-0.04), ("0.0%".to_owned(), Trend::Flat));
        assert_eq!(change_text(0.04), ("0.0%".to_owned(), Trend::Flat));
        assert_eq!(change_text(12.46), ("+12.5%".to_owned(), Trend::Up));
        assert_eq!(change_text(-3.0), ("-3.0%".to_owned(), Trend::Down));
        assert_eq!(change_text(-0.07), ("-0.1%".to_owned(), Trend::Down));
    }
}
