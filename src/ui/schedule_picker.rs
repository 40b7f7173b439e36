//! Picking a time to publish with the mouse: a calendar for the day and steppers for the
//! hour and minute, in the user's time zone, writing the same `YYYY-MM-DD HH:MM` text the
//! field beside it takes from the keyboard (so typing and clicking never disagree).

use chrono::{Datelike, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike};

use crate::schedule::SCHEDULE_FORMAT;

/// The date picker and hour/minute steppers for `text`; returns true when they changed it.
/// Unreadable or empty text starts from tomorrow at 09:00 local time.
pub fn schedule_picker_ui(ui: &mut egui::Ui, text: &mut String, id_salt: &str) -> bool {
    let current = NaiveDateTime::parse_from_str(text.trim(), SCHEDULE_FORMAT)
        .unwrap_or_else(|_| tomorrow_at_nine(Local::now().naive_local()));
    let mut day = to_jiff(current.date());
    let (mut hour, mut minute) = (current.hour(), current.minute());
    let mut changed = ui
        .add(egui_extras::DatePickerButton::new(&mut day).id_salt(id_salt))
        .on_hover_text("Pick the day")
        .changed();
    changed |= ui
        .add(egui::DragValue::new(&mut hour).range(0..=23).suffix(" h"))
        .on_hover_text("Hour (your time zone)")
        .changed();
    changed |= ui
        .add(
            egui::DragValue::new(&mut minute)
                .range(0..=59)
                .speed(0.2)
                .suffix(" min"),
        )
        .on_hover_text("Minute")
        .changed();
    if changed {
        let picked = from_jiff(day)
            .and_then(|d| NaiveTime::from_hms_opt(hour, minute, 0).map(|t| d.and_time(t)));
        if let Some(picked) = picked {
            *text = picked.format(SCHEDULE_FORMAT).to_string();
        }
    }
    changed
}

/// The next day at 09:00 after `now` (local): a sensible first pick for a post.
fn tomorrow_at_nine(now: NaiveDateTime) -> NaiveDateTime {
    let day = now.date().succ_opt().unwrap_or(now.date());
    day.and_time(NaiveTime::MIN) + chrono::Duration::hours(9)
}

fn to_jiff(date: NaiveDate) -> jiff::civil::Date {
    // chrono's years fit jiff's range for any date a post is scheduled on; clamp otherwise.
    let year = i16::try_from(date.year()).unwrap_or(9999).clamp(1, 9999);
    jiff::civil::Date::new(year, date.month() as i8, date.day() as i8)
        .unwrap_or_else(|_| jiff::civil::date(2000, 1, 1))
}

fn from_jiff(date: jiff::civil::Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        i32::from(date.year()),
        u32::try_from(date.month()).ok()?,
        u32::try_from(date.day()).ok()?,
    )
}

/// The user's UTC offset now, for the label beside the picker (e.g. "UTC+01:00").
pub fn local_offset_label() -> String {
    let offset = Local
        .offset_from_utc_datetime(&chrono::Utc::now().naive_utc())
        .to_string();
    format!("your time, UTC{offset}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_cross_between_chrono_and_jiff_unchanged() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 31).expect("date");
        assert_eq!(from_jiff(to_jiff(day)), Some(day));
        let leap = NaiveDate::from_ymd_opt(2028, 2, 29).expect("date");
        assert_eq!(from_jiff(to_jiff(leap)), Some(leap));
    }

    #[test]
    fn an_empty_field_starts_from_tomorrow_at_nine() {
        let now = NaiveDate::from_ymd_opt(2026, 12, 3)
            .and_then(|d| d.and_hms_opt(22, 15, 0))
            .expect("time");
        assert_eq!(
            tomorrow_at_nine(now).format(SCHEDULE_FORMAT).to_string(),
            "2026-12-04 09:00"
        );
    }
}
