//! The request log behind `GET /__sandbox/requests` and [`super::SandboxControl::requests`].
//!
//! A sandbox can run for days under the GUI's embedded mode or a demo, so the log keeps only
//! the last [`MAX_RECORDED_REQUESTS`] requests with bodies cut at [`MAX_RECORDED_BODY_BYTES`]:
//! memory stays bounded whatever the traffic. In-process callers (tests) read requests as
//! received, secrets included, because they check which token went where; the HTTP view
//! redacts tokens, secrets and codes because anything on the machine can read it.

use std::collections::VecDeque;

use serde_json::{Value, json};

use super::{RecordedRequest, SECRET_PARAMS};

/// How many requests the log keeps; older ones are dropped first.
pub const MAX_RECORDED_REQUESTS: usize = 1_000;
/// How much of a body the log keeps (a caption or a form fits; uploads do not).
pub const MAX_RECORDED_BODY_BYTES: usize = 8 * 1024;
/// What a secret's value becomes in the HTTP view.
pub const REDACTED: &str = "[redacted]";

/// The last [`MAX_RECORDED_REQUESTS`] requests, oldest first.
#[derive(Default)]
pub struct RequestLog {
    entries: VecDeque<RecordedRequest>,
}

impl RequestLog {
    /// Records `request` (its body already cut by [`body_excerpt`]), dropping the oldest
    /// entry when full.
    pub fn push(&mut self, request: RecordedRequest) {
        if self.entries.len() >= MAX_RECORDED_REQUESTS {
            self.entries.pop_front();
        }
        self.entries.push_back(request);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// A copy of the entries, oldest first.
    pub fn to_vec(&self) -> Vec<RecordedRequest> {
        self.entries.iter().cloned().collect()
    }
}

/// A copy of the first [`MAX_RECORDED_BODY_BYTES`] of `body` (on a character boundary) that
/// says how much was cut; only that much is copied, however large the body.
pub fn body_excerpt(body: &str) -> String {
    if body.len() <= MAX_RECORDED_BODY_BYTES {
        return body.to_owned();
    }
    let mut end = MAX_RECORDED_BODY_BYTES;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[truncated: {} bytes in all]", &body[..end], body.len())
}

/// One request as `GET /__sandbox/requests` shows it: Authorization values and secret
/// parameters (query, form or JSON body) replaced by [`REDACTED`].
pub fn redacted_json(r: &RecordedRequest) -> Value {
    let headers: Vec<Value> = r
        .headers
        .iter()
        .map(|(k, v)| {
            if is_secret_header(k) {
                json!([k, REDACTED])
            } else {
                json!([k, v])
            }
        })
        .collect();
    json!({
        "method": r.method,
        "path": r.path,
        "query": redact_form(&r.query),
        "body": redact_body(&r.body),
        "headers": headers,
    })
}

fn is_secret_header(name: &str) -> bool {
    ["authorization", "proxy-authorization", "cookie"]
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h))
}

fn is_secret_param(name: &str) -> bool {
    SECRET_PARAMS.contains(&name)
}

/// A urlencoded string with secret values replaced; returned unchanged when it holds none,
/// so bodies that are not forms are never mangled.
fn redact_form(raw: &str) -> String {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect();
    if !pairs.iter().any(|(k, _)| is_secret_param(k)) {
        return raw.to_owned();
    }
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        out.append_pair(k, if is_secret_param(k) { REDACTED } else { v });
    }
    out.finish()
}

/// A body with secrets replaced: top-level members of a JSON object, else form fields.
fn redact_body(body: &str) -> String {
    if body.trim_start().starts_with('{')
        && let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(body)
    {
        for (k, v) in &mut map {
            if is_secret_param(k) {
                *v = Value::String(REDACTED.to_owned());
            }
        }
        return Value::Object(map).to_string();
    }
    redact_form(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str, body: &str) -> RecordedRequest {
        RecordedRequest {
            method: "POST".into(),
            path: "/v24.0/me".into(),
            query: query.into(),
            body: body.into(),
            headers: vec![
                ("authorization".into(), "Bearer IGQsecret".into()),
                ("content-type".into(), "text/plain".into()),
            ],
        }
    }

    #[test]
    fn the_log_keeps_the_newest_requests_only() {
        let mut log = RequestLog::default();
        for i in 0..MAX_RECORDED_REQUESTS + 5 {
            log.push(request(&format!("n={i}"), ""));
        }
        assert_eq!(log.len(), MAX_RECORDED_REQUESTS);
        let all = log.to_vec();
        assert_eq!(all[0].query, "n=5");
        assert_eq!(
            all[MAX_RECORDED_REQUESTS - 1].query,
            format!("n={}", MAX_RECORDED_REQUESTS + 4)
        );
    }

    #[test]
    fn long_bodies_are_cut_on_a_character_boundary() {
        let body = &body_excerpt(&"é".repeat(MAX_RECORDED_BODY_BYTES));
        assert!(body.len() < MAX_RECORDED_BODY_BYTES + 64, "{}", body.len());
        assert!(body.ends_with(&format!(
            "[truncated: {} bytes in all]",
            2 * MAX_RECORDED_BODY_BYTES
        )));
    }

    #[test]
    fn the_http_view_redacts_secrets_and_keeps_the_rest() {
        let r = request(
            "fields=id&access_token=tok1&code=c0de",
            "caption=hello+world&client_secret=s3&fb_exchange_token=tok2",
        );
        let v = redacted_json(&r);
        let text = v.to_string();
        for secret in ["IGQsecret", "tok1", "c0de", "s3", "tok2"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert_eq!(
            v["query"],
            "fields=id&access_token=%5Bredacted%5D&code=%5Bredacted%5D"
        );
        assert!(
            v["body"]
                .as_str()
                .is_some_and(|b| b.starts_with("caption=hello+world&"))
        );
        assert_eq!(v["headers"][0][1], REDACTED);
        assert_eq!(v["headers"][1][1], "text/plain");
        let json_body = redacted_json(&request("", r#"{"access_token":"tok3","message":"hi"}"#));
        assert_eq!(
            json_body["body"],
            r#"{"access_token":"[redacted]","message":"hi"}"#
        );
        // Without a secret, a body is shown exactly as received.
        let plain = redacted_json(&request("", "a=1&b=%20x"));
        assert_eq!(plain["body"], "a=1&b=%20x");
    }
}
