//! The schedule field: a date and time typed in the user's local time, checked as they type,
//! shown back in local time and UTC, and stored as UTC.
//!
//! socialdesk publishes scheduled drafts itself (Meta's API has no scheduling), so the only
//! rules are a readable time that is in the future.

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};

/// The format the field takes (and shows in its hint).
pub const SCHEDULE_FORMAT: &str = "%Y-%m-%d %H:%M";
/// The field's hint text.
pub const SCHEDULE_HINT: &str = "YYYY-MM-DD HH:MM";

/// Why a typed time cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    #[error("type the time as {SCHEDULE_HINT} (24-hour, your local time), e.g. 2030-01-31 09:30")]
    Unreadable,
    #[error("{0} does not exist in your time zone (a daylight-saving jump); pick another time")]
    Skipped(String),
    #[error("{0} is in the past; pick a time in the future")]
    Past(String),
}

/// Parses `text` as a local time in `tz` and checks it is after `now`.
pub fn parse_in<Tz: TimeZone>(
    text: &str,
    tz: &Tz,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ScheduleError> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), SCHEDULE_FORMAT)
        .map_err(|_| ScheduleError::Unreadable)?;
    // An ambiguous time (the repeated hour when clocks go back) takes the earlier instant.
    let local = tz
        .from_local_datetime(&naive)
        .earliest()
        .ok_or_else(|| ScheduleError::Skipped(text.trim().to_owned()))?;
    let utc = local.with_timezone(&Utc);
    if utc <= now {
        return Err(ScheduleError::Past(text.trim().to_owned()));
    }
    Ok(utc)
}

/// Parses `text` in the machine's local time zone.
pub fn parse_local(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, ScheduleError> {
    parse_in(text, &Local, now)
}

/// "2030-01-31 09:30 local (08:30 UTC)": what the field and the drafts list show.
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
    fn bad_and_past_times_say_what_to_do() {
        let utc = Utc;
        assert_eq!(
            parse_in("tomorrow", &utc, now()),
            Err(ScheduleError::Unreadable)
        );
        assert!(
            ScheduleError::Unreadable
                .to_string()
                .contains("YYYY-MM-DD HH:MM")
        );
        let err = parse_in("2026-06-01 11:59", &utc, now()).expect_err("past");
        assert!(err.to_string().contains("in the past"), "{err}");
        assert!(parse_in(" 2026-06-01 12:01 ", &utc, now()).is_ok());
    }
}
