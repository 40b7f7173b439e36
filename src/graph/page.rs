//! Cursor pages (`{"data":[..],"paging":{"cursors":{"after"},"next"}}`) and JSON decoding
//! that names the path that failed.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::GraphError;

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
