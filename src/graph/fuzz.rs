//! Property tests: whatever a server answers (any status, any body, any JSON shape, any
//! usage header), the client's decoders return a value or a `GraphError`, never a panic.
//! They run in `cargo test` in a second or two.

use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Map, Value, json};

use super::comments::MediaThreads;
use super::error::GraphError;
use super::messages::{Conversation, DmMessage};
use super::page::{FromGraph, Page, unwrap_data_list};
use super::time::parse_graph_time;
use super::usage::{MAX_REGAIN_ACCESS_MINUTES, parse_usage_headers};
use crate::model::Media;

/// Any JSON value, a few levels deep, with the keys Graph answers use so decoders get past
/// their first checks (`data`, `paging`, `id`, `timestamp`, …) and meet wrong types there.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("data".to_owned()),
        Just("paging".to_owned()),
        Just("cursors".to_owned()),
        Just("after".to_owned()),
        Just("next".to_owned()),
        Just("id".to_owned()),
        Just("timestamp".to_owned()),
        Just("media_type".to_owned()),
        Just("children".to_owned()),
        Just("replies".to_owned()),
        Just("error".to_owned()),
        Just("code".to_owned()),
        Just("error_subcode".to_owned()),
        Just("message".to_owned()),
        Just("fbtrace_id".to_owned()),
        Just("call_count".to_owned()),
        Just("estimated_time_to_regain_access".to_owned()),
        "[a-z_]{1,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,24}".prop_map(Value::from),
        Just(Value::from("2026-12-03T09:00:00+0000")),
        Just(Value::from("IMAGE")),
        Just(Value::from("CAROUSEL_ALBUM")),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Decodes `value` as a page of `T` and as one `T`; only panics matter here.
fn decode_all<T: FromGraph>(value: &Value) {
    let _ = Page::<T>::from_json(value.clone());
    let _ = T::from_graph(value.clone(), "$");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn graph_json_decoders_never_panic(value in json_value()) {
        decode_all::<Media>(&value);
        decode_all::<MediaThreads>(&value);
        decode_all::<Conversation>(&value);
        decode_all::<DmMessage>(&value);
        let _ = unwrap_data_list(value.clone());
        // The same value as a page's items.
        decode_all::<Media>(&json!({ "data": [value], "paging": { "cursors": { "after": "x" } } }));
    }

    #[test]
    fn any_error_answer_becomes_an_error_with_a_message(
        status in 100u16..600,
        body in prop_oneof![
            "\\PC{0,300}",
            json_value().prop_map(|v| v.to_string()),
            json_value().prop_map(|v| json!({ "error": v }).to_string()),
        ],
    ) {
        let err = GraphError::from_response(status, &body);
        prop_assert!(!err.to_string().trim().is_empty());
        // The message quotes at most a snippet of a body that is not Meta's envelope.
        prop_assert!(err.to_string().chars().count() < 2_000);
    }

    #[test]
    fn usage_headers_are_read_or_ignored_and_always_clamped(
        value in prop_oneof![
            "\\PC{0,200}",
            json_value().prop_map(|v| v.to_string()),
        ],
    ) {
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert("x-app-usage", v.clone());
            headers.insert("x-business-use-case-usage", v);
        }
        if let Some(usage) = parse_usage_headers(&headers) {
            prop_assert!(usage.max_percent <= 100);
            prop_assert!(usage.regain_access_minutes <= MAX_REGAIN_ACCESS_MINUTES);
        }
    }

    #[test]
    fn any_timestamp_text_parses_or_is_refused(text in "\\PC{0,40}") {
        let _ = parse_graph_time(&text);
    }
}
