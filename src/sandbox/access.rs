//! Who may call the Graph API and how much: token lookup (query parameter or
//! `Authorization` header), liveness (revoked / expired), `appsecret_proof`, the objects a
//! token may read, the permissions each area needs, and the usage headers on every answer.

use axum::http::HeaderValue;
use axum::response::Response;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::demo::Demo;
use super::errors::GraphError;
use super::server::{Req, json as json_response};
use super::state::{Inner, Login, Subject, Token};

/// Renders a Graph result (value or error envelope) with `X-App-Usage` and
/// `X-Business-Use-Case-Usage` headers. `usage_key` is the IG (or Page) id the call was about.
pub fn with_headers(
    inner: &Inner,
    usage_key: Option<String>,
    result: Result<Value, GraphError>,
) -> Response {
    let (usage, trace) = {
        let mut st = inner.lock();
        st.graph_calls += 1;
        (st.usage_percent, st.trace_id())
    };
    let mut resp = match result {
        Ok(value) => json_response(axum::http::StatusCode::OK, &value),
        Err(e) => json_response(e.status, &e.body(&trace)),
    };
    let app_usage = json!({
        "call_count": usage,
        "total_cputime": usage * 2 / 3,
        "total_time": usage * 3 / 4,
    });
    let key = usage_key
        .or_else(|| inner.app_id.clone())
        .unwrap_or_else(|| "0".to_owned());
    let regain = if usage >= 100 { 15 } else { 0 };
    let buc = json!({ key: [{
        "type": "instagram",
        "call_count": usage,
        "total_cputime": usage * 2 / 3,
        "total_time": usage * 3 / 4,
        "estimated_time_to_regain_access": regain,
    }]});
    let headers = resp.headers_mut();
    for (name, value) in [
        ("x-app-usage", app_usage.to_string()),
        ("x-business-use-case-usage", buc.to_string()),
        ("x-fb-trace-id", trace),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    resp
}

/// The token string of a request: `access_token` parameter or `Authorization: Bearer|OAuth`.
pub fn token_string(req: &Req) -> Option<String> {
    if let Some(t) = req.param("access_token").filter(|t| !t.is_empty()) {
        return Some(t.to_owned());
    }
    let auth = req
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, value) = auth.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
        .then(|| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Looks the request's token up and checks it is alive, for `login`'s host.
pub fn authenticate(inner: &Inner, req: &Req, login: Login) -> Result<(String, Token), GraphError> {
    let value = token_string(req).ok_or_else(GraphError::missing_token)?;
    let now = inner.now();
    let token = inner
        .lock()
        .tokens
        .get(&value)
        .cloned()
        .filter(|t| t.login == login)
        .ok_or_else(GraphError::unparsable_token)?;
    if token.revoked {
        return Err(GraphError::revoked_token());
    }
    if token.expires_at <= now {
        return Err(GraphError::expired_token(token.expires_at, now));
    }
    if let (Some(secret), Some(proof)) = (&inner.app_secret, req.param("appsecret_proof"))
        && !proof.eq_ignore_ascii_case(&appsecret_proof(secret, &value))
    {
        return Err(GraphError::invalid_parameter(
            "Invalid appsecret_proof provided in the API argument",
        ));
    }
    Ok((value, token))
}

/// Hex HMAC-SHA256 of the token keyed by the app secret.
pub fn appsecret_proof(secret: &str, token: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(token.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// The IG ids a token may read.
pub fn visible_ig_ids(demo: &Demo, token: &Token) -> Vec<String> {
    match &token.subject {
        Subject::IgAccount(id) => vec![id.clone()],
        Subject::FbUser(_) => demo
            .pages
            .iter()
            .filter_map(|p| p.instagram_business_account.clone())
            .collect(),
        Subject::Page(page) => demo
            .page_by_id(page)
            .and_then(|p| p.instagram_business_account.clone())
            .into_iter()
            .collect(),
    }
}

/// The key of `X-Business-Use-Case-Usage`: the IG account (or Page) the token acts for.
pub fn usage_key(demo: &Demo, token: &Token) -> String {
    match &token.subject {
        Subject::Page(p) => demo
            .page_by_id(p)
            .and_then(|p| p.instagram_business_account.clone())
            .unwrap_or_else(|| p.clone()),
        _ => visible_ig_ids(demo, token)
            .into_iter()
            .next()
            .unwrap_or_else(|| demo.fb_user.id.clone()),
    }
}

/// The permission comment reads and moderation need on each login.
pub fn comments_scope(login: Login) -> &'static str {
    match login {
        Login::Instagram => "instagram_business_manage_comments",
        Login::Facebook => "instagram_manage_comments",
    }
}

/// The permission DMs need on each login.
pub fn messages_scope(login: Login) -> &'static str {
    match login {
        Login::Instagram => "instagram_business_manage_messages",
        Login::Facebook => "instagram_manage_messages",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_is_hex_hmac() {
        // Reference value computed with `openssl dgst -sha256 -hmac key`.
        let p = appsecret_proof("key", "The quick brown fox jumps over the lazy dog");
        assert_eq!(
            p,
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }
}
