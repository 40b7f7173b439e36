//! Meta's webhook payloads, split into one stored event per change.
//!
//! The shapes differ by login and by product (see `shared/api/facebook-login.md` §15.5 and
//! `instagram-login.md` §11.5, and the seeds they cite): a JSON array of notifications or a
//! bare object; entries with `changes[]` (Facebook Login, "Include Values" on), with `field`
//! and `value` on the entry itself (the Instagram Login comments sample), with `messaging[]`
//! (messages, reactions, reads…), or with `changed_fields[]` ("Include Values" off). Anything
//! else in an entry is kept whole, so nothing Meta sends is lost.
//!
//! Meta retries a delivery for up to 36 h, and `entry.time` is when a notification was *sent*,
//! so a retry may carry a new time. The event key therefore hashes the object, the entry id,
//! the field and the value (which holds the comment, message or media id), and the time only
//! when there is no value to tell two changes apart.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::db::NewEvent;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PayloadError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("the body is not a webhook notification (no \"object\" and \"entry\" list)")]
    NotANotification,
}

/// Every change in a signed webhook body, in the order Meta listed them.
pub fn events(body: &[u8]) -> Result<Vec<NewEvent>, PayloadError> {
    let json: Value =
        serde_json::from_slice(body).map_err(|e| PayloadError::NotJson(e.to_string()))?;
    let notifications = match json {
        Value::Array(items) => items,
        other => vec![other],
    };
    let mut out = Vec::new();
    for notification in &notifications {
        let object = notification
            .get("object")
            .and_then(Value::as_str)
            .ok_or(PayloadError::NotANotification)?;
        let entries = notification
            .get("entry")
            .and_then(Value::as_array)
            .ok_or(PayloadError::NotANotification)?;
        for entry in entries {
            out.extend(entry_events(object, entry));
        }
    }
    Ok(out)
}

/// The changes of one entry.
fn entry_events(object: &str, entry: &Value) -> Vec<NewEvent> {
    let account_id = id_text(entry.get("id"));
    let sent_at = entry.get("time").and_then(Value::as_i64).unwrap_or(0);
    let event = |field: &str, value: &Value| {
        let value_text = value.to_string();
        let mut hasher = Sha256::new();
        for part in [object, &account_id, field, &value_text] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        if value.is_null() {
            hasher.update(sent_at.to_string().as_bytes());
        }
        NewEvent {
            key: hex::encode(hasher.finalize()),
            object: object.to_owned(),
            account_id: account_id.clone(),
            field: field.to_owned(),
            sent_at,
            value: value_text,
        }
    };
    if let Some(changes) = entry.get("changes").and_then(Value::as_array) {
        changes
            .iter()
            .map(|c| {
                let field = c.get("field").and_then(Value::as_str).unwrap_or("unknown");
                event(field, c.get("value").unwrap_or(&Value::Null))
            })
            .collect()
    } else if let Some(field) = entry.get("field").and_then(Value::as_str) {
        vec![event(field, entry.get("value").unwrap_or(&Value::Null))]
    } else if let Some(messaging) = entry.get("messaging").and_then(Value::as_array) {
        messaging
            .iter()
            .map(|m| event(messaging_field(m), m))
            .collect()
    } else if let Some(fields) = entry.get("changed_fields").and_then(Value::as_array) {
        fields
            .iter()
            .filter_map(Value::as_str)
            .map(|field| event(field, &Value::Null))
            .collect()
    } else {
        vec![event("entry", entry)]
    }
}

/// The webhook field a `messaging[]` item belongs to, by the key it carries.
fn messaging_field(item: &Value) -> &'static str {
    const FIELDS: &[(&str, &str)] = &[
        ("message_edit", "message_edit"),
        ("reaction", "message_reactions"),
        ("read", "messaging_seen"),
        ("postback", "messaging_postbacks"),
        ("referral", "messaging_referral"),
        ("optin", "messaging_optins"),
        ("message", "messages"),
    ];
    FIELDS
        .iter()
        .find(|(key, _)| item.get(key).is_some())
        .map_or("messaging", |(_, field)| field)
}

/// An id as text, whether Meta sent it as a string or a number.
fn id_text(id: Option<&Value>) -> String {
    match id {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facebook_login_comments_use_changes() {
        let body = br#"[{"object":"instagram","entry":[{"id":"17841405309211844","time":1547687043,
            "changes":[{"field":"comments","value":{"from":{"id":"1","username":"a"},"comment_id":"9","text":"hi","media":{"id":"5"}}},
                       {"field":"mentions","value":{"media_id":"6"}}]}]}]"#;
        let events = events(body).expect("parsed");
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].field, "comments");
        assert_eq!(events[0].account_id, "17841405309211844");
        assert_eq!(events[0].sent_at, 1547687043);
        assert_eq!(events[1].field, "mentions");
        assert_ne!(events[0].key, events[1].key);
    }

    #[test]
    fn instagram_login_comments_sit_on_the_entry() {
        let body = br#"[{"object":"instagram","entry":[{"id":"1","time":2,"field":"comments","value":{"id":"9","text":"hi"}}]}]"#;
        let events = events(body).expect("parsed");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].field, "comments");
        assert!(events[0].value.contains("\"9\""));
    }

    #[test]
    fn messaging_items_and_bare_objects() {
        let body = br#"{"object":"instagram","entry":[{"id":1,"time":2,"messaging":[
            {"sender":{"id":"a"},"message":{"mid":"m1","text":"hi"}},
            {"sender":{"id":"a"},"reaction":{"mid":"m1","reaction":"love"}}]}]}"#;
        let fields: Vec<_> = events(body)
            .expect("parsed")
            .into_iter()
            .map(|e| (e.account_id, e.field))
            .collect();
        assert_eq!(
            fields,
            [
                ("1".to_owned(), "messages".to_owned()),
                ("1".to_owned(), "message_reactions".to_owned())
            ]
        );
    }

    #[test]
    fn a_retry_sent_later_has_the_same_key_but_a_new_field_change_does_not() {
        let first = br#"{"object":"instagram","entry":[{"id":"1","time":100,"changes":[{"field":"comments","value":{"id":"9"}}]}]}"#;
        let retry = br#"{"object":"instagram","entry":[{"id":"1","time":160,"changes":[{"field":"comments","value":{"id":"9"}}]}]}"#;
        let key = |b: &[u8]| events(b).expect("parsed")[0].key.clone();
        assert_eq!(key(first), key(retry));
        // Without values, only the time tells two changes apart.
        let a = br#"{"object":"instagram","entry":[{"id":"1","time":100,"changed_fields":["comments"]}]}"#;
        let b = br#"{"object":"instagram","entry":[{"id":"1","time":160,"changed_fields":["comments"]}]}"#;
        assert_ne!(key(a), key(b));
    }

    #[test]
    fn refuses_what_is_not_a_notification() {
        assert!(matches!(events(b"nope"), Err(PayloadError::NotJson(_))));
        assert_eq!(
            events(br#"{"hello":1}"#),
            Err(PayloadError::NotANotification)
        );
    }
}
