//! The schedule field: a date and time typed in the user's local time (or RFC 3339),
//! checked as they type, shown back in local time and UTC, and stored as UTC.
//!
//! The parsing lives in [`crate::schedule`], below the engine, so `socialdesk publish
//! --schedule` takes exactly what this field takes; the UI reaches it through here.

pub use crate::schedule::{
    SCHEDULE_FORMAT, SCHEDULE_HINT, ScheduleError, describe, parse_in, parse_local,
};
