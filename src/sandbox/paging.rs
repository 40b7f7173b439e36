//! Cursor paging shared by every edge: `limit` (default 25, at most 100), opaque
//! `before` / `after` cursors, and the `since` / `until` time formats Graph accepts.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use super::errors::GraphError;

/// Default and maximum page sizes of every edge.
pub const DEFAULT_LIMIT: usize = 25;
pub const MAX_LIMIT: usize = 100;

/// `limit`: default 25, clamped to 100; anything but a positive integer is code 100.
pub fn parse_limit(raw: Option<&str>) -> Result<usize, GraphError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(s) => match s.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n.min(MAX_LIMIT)),
            _ => Err(GraphError::invalid_parameter(format!(
                "(#100) The parameter limit must be a positive integer, got '{s}'"
            ))),
        },
    }
}

/// Unix seconds, `YYYY-MM-DD`, or an RFC 3339 / Graph timestamp.
pub fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(secs) = raw.parse::<i64>() {
        return DateTime::from_timestamp(secs, 0);
    }
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%z")
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Opaque cursor for an item id.
fn encode_cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("sbx:{id}"))
}

fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim_end_matches('=')).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("sbx:")
        .map(str::to_owned)
}

/// Something listed on an edge; its key is what the cursor points at.
pub trait Keyed {
    fn key(&self) -> String;
}

/// One page of an edge.
pub struct PageOf<'n, T> {
    pub items: &'n [T],
    pub before_cursor: String,
    pub after_cursor: String,
    pub has_next: bool,
    pub has_previous: bool,
}

impl<T> PageOf<'_, T> {
    /// `{"before","after"}`, or `None` for an empty page (Graph then omits `paging`).
    pub fn cursors(&self) -> Option<Value> {
        (!self.items.is_empty())
            .then(|| json!({ "before": self.before_cursor, "after": self.after_cursor }))
    }
}

/// Cuts the page `after` / `before` a cursor (or the first page) out of `items`.
pub fn paginate<'n, T: Keyed>(
    items: &'n [T],
    limit: usize,
    after: Option<&str>,
    before: Option<&str>,
) -> Result<PageOf<'n, T>, GraphError> {
    let position = |cursor: &str| -> Result<usize, GraphError> {
        let id = decode_cursor(cursor).ok_or_else(|| {
            GraphError::invalid_parameter(format!(
                "(#100) The cursor '{cursor}' is not valid; use the cursors from the previous response's paging"
            ))
        })?;
        items.iter().position(|n| n.key() == id).ok_or_else(|| {
            GraphError::invalid_parameter(format!(
                "(#100) The cursor '{cursor}' points at an item that no longer exists"
            ))
        })
    };
    let (start, end) = match (
        after.filter(|s| !s.is_empty()),
        before.filter(|s| !s.is_empty()),
    ) {
        (Some(a), _) => {
            let start = position(a)? + 1;
            (start, (start + limit).min(items.len()))
        }
        (None, Some(b)) => {
            let end = position(b)?;
            (end.saturating_sub(limit), end)
        }
        (None, None) => (0, limit.min(items.len())),
    };
    let slice = &items[start.min(end)..end];
    Ok(PageOf {
        before_cursor: slice
            .first()
            .map(|n| encode_cursor(&n.key()))
            .unwrap_or_default(),
        after_cursor: slice
            .last()
            .map(|n| encode_cursor(&n.key()))
            .unwrap_or_default(),
        has_next: end < items.len(),
        has_previous: start > 0,
        items: slice,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Item(u32);
    impl Keyed for Item {
        fn key(&self) -> String {
            self.0.to_string()
        }
    }

    #[test]
    fn cursor_round_trip() {
        let c = encode_cursor("17900000000000042");
        assert_eq!(decode_cursor(&c).as_deref(), Some("17900000000000042"));
        assert_eq!(decode_cursor("garbage!"), None);
    }

    #[test]
    fn pages_walk_forward_and_back() {
        let items: Vec<Item> = (0..7).map(Item).collect();
        let first = paginate(&items, 3, None, None).expect("first page");
        assert_eq!(first.items.len(), 3);
        assert!(first.has_next && !first.has_previous);
        let second = paginate(&items, 3, Some(&first.after_cursor), None).expect("second");
        assert_eq!(second.items[0].0, 3);
        let last = paginate(&items, 3, Some(&second.after_cursor), None).expect("last");
        assert_eq!(last.items.len(), 1);
        assert!(!last.has_next && last.has_previous);
        let back = paginate(&items, 3, None, Some(&last.before_cursor)).expect("back");
        assert_eq!(
            back.items.iter().map(|i| i.0).collect::<Vec<_>>(),
            [3, 4, 5]
        );
        assert!(paginate(&items, 3, Some("bogus"), None).is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(parse_limit(None).expect("default"), 25);
        assert_eq!(parse_limit(Some("500")).expect("clamped"), 100);
        assert!(parse_limit(Some("0")).is_err());
        assert!(parse_limit(Some("ten")).is_err());
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("0").map(|t| t.timestamp()), Some(0));
        assert_eq!(
            parse_time("2026-11-01").map(|t| t.timestamp()),
            Some(1_793_491_200)
        );
        assert!(parse_time("2026-11-01T08:00:00+0000").is_some());
        assert!(parse_time("yesterday").is_none());
    }
}

/// Property tests: cursors and paging parameters from a client are read or refused, never
/// trusted blindly or allowed to panic.
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1_000))]

        #[test]
        fn any_cursor_decodes_or_is_refused(cursor in "\\PC{0,120}") {
            let _ = decode_cursor(&cursor);
        }

        #[test]
        fn cursors_round_trip(id in "\\PC{0,60}") {
            prop_assert_eq!(decode_cursor(&encode_cursor(&id)), Some(id));
        }

        #[test]
        fn any_limit_or_time_is_read_or_refused(raw in "\\PC{0,40}") {
            if let Ok(limit) = parse_limit(Some(&raw)) {
                prop_assert!(limit > 0);
            }
            let _ = parse_time(&raw);
        }
    }
}
