//! Cursor pages (`{"data":[..],"paging":{"cursors":{"after"},"next"}}`), the guard every
//! pager uses so a server that never stops paging cannot keep it busy forever, and JSON
//! decoding that names the path that failed.

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde_json::Value;
use thiserror::Error;

use super::{ErrorKind, GraphError};

/// The most pages one listing reads. Real edges end long before (1,000 pages of 100 is far
/// past anything an account has); a server still paging after that is broken.
pub const MAX_PAGES: usize = 1_000;

/// Why a pager stopped before the server said the listing ended.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum PagingError {
    #[error(
        "the server sent the same next-page link twice while listing {what}; stopped, as the listing would never end"
    )]
    RepeatedCursor { what: &'static str },
    #[error(
        "the server was still sending pages of {what} after {max_pages} pages; stopped, as the listing looks endless"
    )]
    TooManyPages {
        what: &'static str,
        max_pages: usize,
    },
}

impl From<PagingError> for GraphError {
    fn from(e: PagingError) -> Self {
        GraphError::new(ErrorKind::UnexpectedAnswer, e.to_string())
    }
}

/// Decides, page after page, whether a pager follows the next cursor or link.
///
/// It stops on a cursor seen before (the server loops), ends cleanly on an empty page that
/// still points further (nothing more to show; following it could loop), and gives up after
/// [`MAX_PAGES`] pages.
#[derive(Debug)]
pub struct PageGuard {
    what: &'static str,
    seen: HashSet<String>,
    pages: usize,
    max_pages: usize,
}

impl PageGuard {
    /// A guard for a listing of `what` ("media", "comments", ...), named in its errors.
    pub fn new(what: &'static str) -> Self {
        Self::with_max_pages(what, MAX_PAGES)
    }

    /// A guard that gives up after `max_pages` pages.
    pub fn with_max_pages(what: &'static str, max_pages: usize) -> Self {
        Self {
            what,
            seen: HashSet::new(),
            pages: 0,
            max_pages,
        }
    }

    /// Called once per page read, with how many items it had and the cursor or link to the
    /// next page: `Ok(Some(cursor))` to read on, `Ok(None)` when the listing is over.
    pub fn follow(
        &mut self,
        items_on_page: usize,
        next: Option<String>,
    ) -> Result<Option<String>, PagingError> {
        self.pages += 1;
        let Some(next) = next else { return Ok(None) };
        if items_on_page == 0 {
            tracing::debug!(
                what = self.what,
                "an empty page still points further: stopping"
            );
            return Ok(None);
        }
        if self.pages >= self.max_pages {
            return Err(PagingError::TooManyPages {
                what: self.what,
                max_pages: self.max_pages,
            });
        }
        if !self.seen.insert(next.clone()) {
            return Err(PagingError::RepeatedCursor { what: self.what });
        }
        Ok(Some(next))
    }
}

/// One page of an edge.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// `paging.cursors.after`: pass to `.after(..)` to read the next page.
    pub after: Option<String>,
    /// `paging.next`: the complete URL of the next page; absent on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// True when Meta announced another page.
    pub fn has_more(&self) -> bool {
        self.next.is_some()
    }
}

impl<T: FromGraph> Page<T> {
    /// Decodes an edge answer, item by item, so a bad item names its index.
    pub fn from_json(mut v: Value) -> Result<Self, GraphError> {
        let data = match v.get_mut("data").map(Value::take) {
            Some(Value::Array(items)) => items,
            Some(_) => return Err(GraphError::decode("data", "expected a list")),
            None => return Err(GraphError::decode("data", "missing")),
        };
        let items = data
            .into_iter()
            .enumerate()
            .map(|(i, item)| T::from_graph(item, &format!("data[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let paging = v.get("paging");
        let text = |p: &str| {
            paging
                .and_then(|pg| pg.pointer(p))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Ok(Self {
            items,
            after: text("/cursors/after"),
            next: text("/next"),
        })
    }
}

/// A type the client builds from one Graph JSON object.
pub trait FromGraph: Sized {
    /// Decodes `value`, found at `path` in the answer (used in error messages).
    fn from_graph(value: Value, path: &str) -> Result<Self, GraphError>;
}

/// Deserializes `value` into `T`, reporting `path` and serde's reason on failure.
pub fn decode_as<T: DeserializeOwned>(value: Value, path: &str) -> Result<T, GraphError> {
    serde_json::from_value(value).map_err(|e| GraphError::decode(path, e))
}

/// Answers that are either a flat object or wrapped as `{"data":[obj]}` (Meta prints `/me`
/// and the code exchange both ways): returns the object and its path.
pub fn unwrap_data_list(v: Value) -> Result<(Value, &'static str), GraphError> {
    match v {
        Value::Object(mut map)
            if map.len() <= 2 && map.get("data").is_some_and(Value::is_array) =>
        {
            match map.remove("data") {
                Some(Value::Array(mut items)) if !items.is_empty() => {
                    Ok((items.swap_remove(0), "data[0]"))
                }
                _ => Err(GraphError::decode("data", "the list is empty")),
            }
        }
        v @ Value::Object(_) => Ok((v, "$")),
        _ => Err(GraphError::decode("$", "expected a JSON object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::ErrorKind;

    #[derive(Debug, PartialEq)]
    struct Id(String);
    impl FromGraph for Id {
        fn from_graph(value: Value, path: &str) -> Result<Self, GraphError> {
            #[derive(serde::Deserialize)]
            struct W {
                id: String,
            }
            decode_as::<W>(value, path).map(|w| Id(w.id))
        }
    }

    #[test]
    fn reads_items_cursor_and_next() {
        let v = serde_json::json!({"data":[{"id":"1"},{"id":"2"}],
            "paging":{"cursors":{"before":"B","after":"A"},"next":"http://x/v24.0/1/media?after=A"}});
        let p = Page::<Id>::from_json(v).expect("page");
        assert_eq!(p.items, vec![Id("1".into()), Id("2".into())]);
        assert_eq!(p.after.as_deref(), Some("A"));
        assert!(p.has_more());
        let last = Page::<Id>::from_json(
            serde_json::json!({"data":[],"paging":{"cursors":{"after":"Z"}}}),
        )
        .expect("page");
        assert!(!last.has_more());
    }

    #[test]
    fn the_guard_stops_on_a_repeated_cursor() {
        let mut g = PageGuard::new("media");
        assert_eq!(g.follow(2, Some("A".into())), Ok(Some("A".into())));
        assert_eq!(g.follow(2, Some("B".into())), Ok(Some("B".into())));
        let err = g.follow(2, Some("A".into())).expect_err("a loop");
        assert_eq!(err, PagingError::RepeatedCursor { what: "media" });
        let err = GraphError::from(err);
        assert_eq!(err.kind, ErrorKind::UnexpectedAnswer);
        assert!(!err.is_retryable());
        assert!(
            err.message.contains("same next-page link"),
            "{}",
            err.message
        );
    }

    #[test]
    fn the_guard_ends_on_an_empty_page_or_the_last_one() {
        let mut g = PageGuard::new("comments");
        assert_eq!(g.follow(0, Some("A".into())), Ok(None));
        let mut g = PageGuard::new("comments");
        assert_eq!(g.follow(3, None), Ok(None));
    }

    #[test]
    fn the_guard_gives_up_after_max_pages() {
        let mut g = PageGuard::with_max_pages("media", 3);
        assert!(g.follow(1, Some("1".into())).is_ok());
        assert!(g.follow(1, Some("2".into())).is_ok());
        assert_eq!(
            g.follow(1, Some("3".into())),
            Err(PagingError::TooManyPages {
                what: "media",
                max_pages: 3
            })
        );
        let mut g = PageGuard::new("media");
        for i in 1..MAX_PAGES {
            assert!(g.follow(1, Some(i.to_string())).is_ok(), "page {i}");
        }
        assert!(g.follow(1, Some("last".into())).is_err());
    }

    #[test]
    fn a_bad_item_names_its_path() {
        let v = serde_json::json!({"data":[{"id":"1"},{"name":"no id"}]});
        let err = Page::<Id>::from_json(v).expect_err("must fail");
        assert_eq!(
            err.kind,
            ErrorKind::Decode {
                path: "data[1]".into()
            }
        );
        assert!(err.message.contains("id"), "{}", err.message);
        let err = Page::<Id>::from_json(serde_json::json!({"id":"1"})).expect_err("no data");
        assert_eq!(
            err.kind,
            ErrorKind::Decode {
                path: "data".into()
            }
        );
    }

    #[test]
    fn unwraps_flat_or_data_wrapped_objects() {
        let (v, path) =
            unwrap_data_list(serde_json::json!({"data":[{"user_id":"1"}]})).expect("wrapped");
        assert_eq!((v["user_id"].as_str(), path), (Some("1"), "data[0]"));
        let (v, path) =
            unwrap_data_list(serde_json::json!({"user_id":"1","username":"a"})).expect("flat");
        assert_eq!((v["username"].as_str(), path), (Some("a"), "$"));
    }
}
