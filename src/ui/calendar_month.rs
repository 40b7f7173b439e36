//! Month arithmetic for the calendar, in a given time zone: the six-week grid of a month
//! (Monday first), the instants it spans, and moving a time to another day keeping its
//! time of day. Pure functions, tested with fixed offsets so they hold in any zone.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

/// Days shown: six full weeks, so the grid never changes height between months.
pub const GRID_DAYS: usize = 42;

/// A calendar month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

impl Month {
    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// "November 2026".
    pub fn title(self) -> String {
        self.first_day().format("%B %Y").to_string()
    }

    /// The first day of the grid: the Monday on or before the 1st.
    pub fn grid_start(self) -> NaiveDate {
        let first = self.first_day();
        first - Duration::days(i64::from(first.weekday().num_days_from_monday()))
    }

    /// The grid's days, Monday of the first week first.
    pub fn grid_days(self) -> Vec<NaiveDate> {
        let start = self.grid_start();
        (0..GRID_DAYS as i64)
            .map(|i| start + Duration::days(i))
            .collect()
    }

    /// The instants the grid spans in `tz`: `[start of its first day, start of the day after
    /// its last)`.
    pub fn grid_range<Tz: TimeZone>(self, tz: &Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self.grid_start();
        (
            start_of_day(start, tz),
            start_of_day(start + Duration::days(GRID_DAYS as i64), tz),
        )
    }
}

/// Local midnight of `day` as an instant (the first valid instant when midnight is skipped
/// by a daylight-saving change).
pub fn start_of_day<Tz: TimeZone>(day: NaiveDate, tz: &Tz) -> DateTime<Utc> {
    for hour in 0..3 {
        let naive = day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN));
        if let Some(t) = tz.from_local_datetime(&naive).earliest() {
            return t.with_timezone(&Utc);
        }
    }
    day.and_time(NaiveTime::MIN).and_utc()
}

/// The local day an instant falls on.
pub fn local_day<Tz: TimeZone>(at: DateTime<Utc>, tz: &Tz) -> NaiveDate {
    at.with_timezone(tz).date_naive()
}

/// `at` moved to `day`, keeping its local time of day.
pub fn move_to_day<Tz: TimeZone>(at: DateTime<Utc>, day: NaiveDate, tz: &Tz) -> DateTime<Utc> {
    let time = at.with_timezone(tz).time();
    at_local(day, time, tz)
}

/// `day` at local `time` (the earliest instant when the time is ambiguous; an hour later
/// when it falls into a daylight-saving gap).
pub fn at_local<Tz: TimeZone>(day: NaiveDate, time: NaiveTime, tz: &Tz) -> DateTime<Utc> {
    let naive = day.and_time(time);
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(naive + Duration::hours(1)))
                .earliest()
        })
        .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn the_grid_starts_on_the_monday_before_the_first_and_spans_six_weeks() {
        // 1 November 2026 is a Sunday.
        let m = Month {
            year: 2026,
            month: 11,
        };
        assert_eq!(m.grid_start(), day(2026, 10, 26));
        let days = m.grid_days();
        assert_eq!(days.len(), GRID_DAYS);
        assert_eq!(days[6], day(2026, 11, 1));
        assert_eq!(days[41], day(2026, 12, 6));
        // A month starting on a Monday starts on its own first.
        let june = Month {
            year: 2026,
            month: 6,
        };
        assert_eq!(june.grid_start(), day(2026, 6, 1));
    }

    #[test]
    fn months_wrap_around_the_year() {
        let dec = Month {
            year: 2026,
            month: 12,
        };
        assert_eq!(
            dec.next(),
            Month {
                year: 2027,
                month: 1
            }
        );
        assert_eq!(dec.next().previous(), dec);
        assert_eq!(dec.title(), "December 2026");
    }

    #[test]
    fn the_range_is_in_local_time() {
        let tz = FixedOffset::east_opt(2 * 3600).expect("offset");
        let (from, to) = Month {
            year: 2026,
            month: 11,
        }
        .grid_range(&tz);
        assert_eq!(from.to_rfc3339(), "2026-10-25T22:00:00+00:00");
        assert_eq!(to - from, Duration::days(42));
    }

    #[test]
    fn moving_keeps_the_local_time_of_day() {
        let tz = FixedOffset::west_opt(5 * 3600).expect("offset");
        // 09:30 local on the 3rd = 14:30 UTC.
        let at = at_local(
            day(2026, 12, 3),
            NaiveTime::from_hms_opt(9, 30, 0).expect("t"),
            &tz,
        );
        assert_eq!(at.to_rfc3339(), "2026-12-03T14:30:00+00:00");
        let moved = move_to_day(at, day(2026, 12, 10), &tz);
        assert_eq!(moved.to_rfc3339(), "2026-12-10T14:30:00+00:00");
        assert_eq!(local_day(moved, &tz), day(2026, 12, 10));
        // 23:30 local is already the next day in UTC, and still the 10th locally.
        let late = at_local(
            day(2026, 12, 10),
            NaiveTime::from_hms_opt(23, 30, 0).expect("t"),
            &tz,
        );
        assert_eq!(local_day(late, &tz), day(2026, 12, 10));
    }
}
