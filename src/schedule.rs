//! Reading and showing the time a post is scheduled for, one way for the Composer's field,
//! the calendar and `socialdesk publish --schedule`.
//!
//! People type `YYYY-MM-DD HH:MM` in their own time zone; scripts pass RFC 3339
//! (`2030-01-31T09:30:00Z`). Both are taken everywhere, so a time that works in the app
//! works on the command line. socialdesk publishes scheduled drafts itself (Meta's API has
//! no scheduling), so the only rules are a readable time that is in the future: a past
//! time would be published by the next scheduler run, at once, which is never what was
//! meant. Nothing here draws or does IO; the clock is passed in.

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};

/// The local format the field takes (and shows in its hint).
pub const SCHEDULE_FORMAT: &str = "%Y-%m-%d %H:%M";
/// The field's hint text.
pub const SCHEDULE_HINT: &str = "YYYY-MM-DD HH:MM";

/// Why a typed time cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "type the time as {SCHEDULE_HINT} (24-hour, your local time) or RFC 3339, e.g. 2030-01-31 09:30 or 2030-01-31T09:30:00Z"
    )]
    Unreadable,
    #[error("{0} does not exist in your time zone (a daylight-saving jump); pick another time")]
    Skipped(String),
    #[error(
        "{text} is in the past (it is now {} local, {} UTC); pick a time in the future",
        .now.with_timezone(&Local).format(SCHEDULE_FORMAT),
        .now.format(SCHEDULE_FORMAT)
    )]
    Past { text: String, now: DateTime<Utc> },
}

/// Parses `text` as RFC 3339 or as a `YYYY-MM-DD HH:MM` time in `tz`, and checks it is
/// after `now`.
pub fn parse_in<Tz: TimeZone>(
    text: &str,
    tz: &Tz,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ScheduleError> {
    let text = text.trim();
    let at = match DateTime::parse_from_rfc3339(text) {
        Ok(at) => at.with_timezone(&Utc),
        Err(_) => parse_wall_clock(text, tz)?,
    };
    if at <= now {
        return Err(ScheduleError::Past {
            text: text.to_owned(),
            now,
        });
    }
    Ok(at)
}

/// A `YYYY-MM-DD HH:MM` wall-clock time in `tz`. An ambiguous time (the repeated hour
/// when clocks go back) takes the earlier instant.
fn parse_wall_clock<Tz: TimeZone>(text: &str, tz: &Tz) -> Result<DateTime<Utc>, ScheduleError> {
    let naive = NaiveDateTime::parse_from_str(text, SCHEDULE_FORMAT)
        .map_err(|_| ScheduleError::Unreadable)?;
    let local = tz
        .from_local_datetime(&naive)
        .earliest()
        .ok_or_else(|| ScheduleError::Skipped(text.to_owned()))?;
    Ok(local.with_timezone(&Utc))
}

/// Parses `text` in the machine's local time zone.
pub fn parse_local(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, ScheduleError> {
    parse_in(text, &Local, now)
}

/// "2030-01-31 09:30 local (08:30 UTC)": what the field, the drafts list and the CLI show.
pub fn describe(at: DateTime<Utc>) -> String {
    format!(
        "{} local ({} UTC)",
        at.with_timezone(&Local).format(SCHEDULE_FORMAT),
        at.format("%H:%M")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn local_time_is_stored_as_utc() {
        let paris_summer = FixedOffset::east_opt(2 * 3600).expect("offset");
        let at = parse_in("2026-06-02 09:30", &paris_summer, now()).expect("ok");
        assert_eq!(
            at,
            Utc.with_ymd_and_hms(2026, 6, 2, 7, 30, 0)
                .single()
                .expect("t")
        );
    }

    #[test]
    fn rfc_3339_is_taken_in_any_zone() {
        let paris_summer = FixedOffset::east_opt(2 * 3600).expect("offset");
        let expected = Utc
            .with_ymd_and_hms(2026, 6, 2, 7, 30, 0)
            .single()
            .expect("t");
        for text in ["2026-06-02T07:30:00Z", "2026-06-02T09:30:00+02:00"] {
            assert_eq!(parse_in(text, &paris_summer, now()), Ok(expected), "{text}");
        }
    }

    #[test]
    fn bad_and_past_times_say_what_to_do() {
        let utc = Utc;
        assert_eq!(
            parse_in("tomorrow", &utc, now()),
            Err(ScheduleError::Unreadable)
        );
        let unreadable = ScheduleError::Unreadable.to_string();
        assert!(unreadable.contains("YYYY-MM-DD HH:MM"), "{unreadable}");
        assert!(unreadable.contains("RFC 3339"), "{unreadable}");
        let err = parse_in("2026-06-01 11:59", &utc, now()).expect_err("past");
        assert!(err.to_string().contains("in the past"), "{err}");
        assert!(parse_in(" 2026-06-01 12:01 ", &utc, now()).is_ok());
    }

    #[test]
    fn a_past_time_is_refused_with_the_current_time() {
        let err = parse_in("2020-01-01T09:00:00Z", &Utc, now()).expect_err("past");
        assert!(matches!(err, ScheduleError::Past { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.starts_with("2020-01-01T09:00:00Z is in the past"),
            "{message}"
        );
        assert!(message.contains("2026-06-01 12:00 UTC"), "{message}");
    }
}
