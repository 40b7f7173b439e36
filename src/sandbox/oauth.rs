//! The login side of both products: the authorization pages (HTML with Allow / Deny),
//! the decision POST that redirects with a code, the code exchanges, Instagram's
//! long-lived exchange and refresh, and Facebook's `fb_exchange_token`.
//!
//! Lifetimes follow the docs: codes are single-use and live 1 h; Instagram short-lived
//! tokens 1 h, Facebook short-lived user tokens 2 h, long-lived tokens 60 days; a long-lived
//! Instagram token can be refreshed once it is 24 h old.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use chrono::Duration;
use serde_json::{Value, json};

use super::access::authenticate;
use super::errors::{GraphError, flat_oauth_error};
use super::server::{Req, html, json, redirect};
use super::state::{AuthCode, Inner, Login, Subject, Token, TokenKind};

/// Permissions Business Login for Instagram knows (both spellings of the publish scope
/// appear in Meta's docs, so both are accepted).
pub const INSTAGRAM_SCOPES: &[&str] = &[
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_content_publishing",
    "instagram_business_manage_comments",
    "instagram_business_manage_messages",
    "instagram_business_manage_insights",
];

/// Permissions the Facebook Login dialog accepts here.
pub const FACEBOOK_SCOPES: &[&str] = &[
    "public_profile",
    "email",
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_insights",
    "instagram_manage_messages",
    "pages_show_list",
    "pages_read_engagement",
    "pages_manage_metadata",
    "business_management",
    "ads_management",
    "ads_read",
    "instagram_shopping_tag_products",
    "catalog_management",
];

const CODE_LIFETIME_H: i64 = 1;
const IG_SHORT_LIFETIME_H: i64 = 1;
const FB_SHORT_LIFETIME_H: i64 = 2;
const LONG_LIFETIME_DAYS: i64 = 60;
/// `expires_in` of Instagram's long-lived exchange and refresh (60 days).
const IG_LONG_EXPIRES_IN: i64 = 5_184_000;
/// `expires_in` Facebook prints for long-lived user tokens.
const FB_LONG_EXPIRES_IN: i64 = 5_183_944;

/// The validated parameters of an authorization request.
struct AuthRequest {
    client_id: String,
    redirect_uri: url::Url,
    scopes: Vec<String>,
    state: Option<String>,
}

fn split_scopes(raw: &str) -> Vec<String> {
    raw.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Checks an authorization request the way the real dialogs do before showing anything.
fn validate_authorize(inner: &Inner, req: &Req, login: Login) -> Result<AuthRequest, String> {
    let client_id = req
        .param("client_id")
        .filter(|s| !s.is_empty())
        .ok_or("Invalid Request: Request parameters are invalid: Missing client_id. Pass your app's id as client_id.")?;
    if let Some(expected) = &inner.app_id
        && expected != client_id
    {
        return Err(format!(
            "Invalid platform app: client_id {client_id} is not the app this sandbox was started with ({expected})."
        ));
    }
    let raw_redirect = req
        .param("redirect_uri")
        .filter(|s| !s.is_empty())
        .ok_or("Invalid Request: Request parameters are invalid: Missing redirect_uri.")?;
    let redirect_uri = url::Url::parse(raw_redirect)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| {
            format!("Invalid redirect_uri '{raw_redirect}': it must be an absolute http(s) URL.")
        })?;
    let response_type = req.param("response_type");
    match (login, response_type) {
        (_, Some("code")) | (Login::Facebook, None) => {}
        (_, other) => {
            return Err(format!(
                "Invalid response_type '{}': only response_type=code is supported.",
                other.unwrap_or("")
            ));
        }
    }
    let scopes = split_scopes(req.param("scope").unwrap_or(""));
    let known = match login {
        Login::Instagram => INSTAGRAM_SCOPES,
        Login::Facebook => FACEBOOK_SCOPES,
    };
    if login == Login::Instagram && scopes.is_empty() {
        return Err("Invalid Request: Request parameters are invalid: Missing scope. Ask for at least instagram_business_basic.".into());
    }
    if let Some(bad) = scopes.iter().find(|s| !known.contains(&s.as_str())) {
        return Err(format!(
            "Invalid Scopes: {bad}. Valid scopes here: {}.",
            known.join(", ")
        ));
    }
    Ok(AuthRequest {
        client_id: client_id.to_owned(),
        redirect_uri,
        scopes,
        state: req.param("state").map(str::to_owned),
    })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn error_page(message: &str) -> Response {
    html(
        StatusCode::BAD_REQUEST,
        &format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>socialdesk sandbox — error</title></head>\
             <body><h1>socialdesk sandbox — this login request cannot be shown</h1><p class=\"error\">{}</p></body></html>",
            esc(message)
        ),
    )
}

/// `GET /oauth/authorize` and `GET /facebook/dialog/oauth`: the consent page.
pub fn authorize_page(inner: &Arc<Inner>, req: &Req, login: Login) -> Response {
    let auth = match validate_authorize(inner, req, login) {
        Ok(a) => a,
        Err(message) => return error_page(&message),
    };
    let hidden: String = req
        .query_params
        .iter()
        .filter(|(k, _)| k != "username" && k != "decision")
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                esc(k),
                esc(v)
            )
        })
        .collect();
    let app = format!("app {}", auth.client_id);
    let scopes: String = auth
        .scopes
        .iter()
        .map(|s| format!("<li>{}</li>", esc(s)))
        .collect();
    let demo = inner.demo();
    let (title, chooser) = match login {
        Login::Instagram => {
            let first = demo.accounts.first().map_or("", |a| a.username.as_str());
            let options: String = demo
                .accounts
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    format!(
                        "<label><input type=\"radio\" name=\"username\" value=\"{u}\"{c}> @{u} ({t}, {f} followers)</label><br>",
                        u = esc(&a.username),
                        c = if i == 0 { " checked" } else { "" },
                        t = a.account_type,
                        f = a.followers
                    )
                })
                .collect();
            (
                format!(
                    "socialdesk sandbox — Allow {} to access @{}?",
                    esc(&app),
                    esc(first)
                ),
                format!("<fieldset><legend>Log in as</legend>{options}</fieldset>"),
            )
        }
        Login::Facebook => {
            let pages: String = demo
                .pages
                .iter()
                .map(|p| format!("<li>{}</li>", esc(&p.name)))
                .collect();
            (
                format!(
                    "socialdesk sandbox — Allow {} to access {}'s Pages and Instagram accounts?",
                    esc(&app),
                    esc(&demo.fb_user.name)
                ),
                format!("<p>Pages this app will see:</p><ul>{pages}</ul>"),
            )
        }
    };
    html(
        StatusCode::OK,
        &format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
             <h1>{title}</h1><form method=\"post\" action=\"{action}\">{hidden}{chooser}\
             <p>Permissions requested:</p><ul>{scopes}</ul>\
             <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button> \
             <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form></body></html>",
            action = esc(&req.path),
        ),
    )
}

/// `POST /oauth/authorize` and `POST /facebook/dialog/oauth`: Allow or Deny → 302.
pub fn authorize_decision(inner: &Arc<Inner>, req: &Req, login: Login) -> Response {
    let auth = match validate_authorize(inner, req, login) {
        Ok(a) => a,
        Err(message) => return error_page(&message),
    };
    let mut target = auth.redirect_uri.clone();
    match req.param("decision") {
        Some("deny") => {
            {
                let mut q = target.query_pairs_mut();
                q.append_pair("error", "access_denied");
                if login == Login::Facebook {
                    q.append_pair("error_code", "200");
                    q.append_pair("error_description", "Permissions error");
                    q.append_pair("error_reason", "user_denied");
                } else {
                    q.append_pair("error_reason", "user_denied");
                    q.append_pair("error_description", "The user denied your request");
                }
                if let Some(state) = &auth.state {
                    q.append_pair("state", state);
                }
            }
            redirect(target.as_str())
        }
        Some("allow") => {
            let subject = match login {
                Login::Instagram => {
                    let username = req
                        .param("username")
                        .filter(|u| !u.is_empty())
                        .unwrap_or(super::DEMO_BUSINESS_USERNAME);
                    match inner.demo().account_by_username(username) {
                        Some(a) => Subject::IgAccount(a.ig_id.clone()),
                        None => {
                            return error_page(&format!(
                                "Unknown account @{username}: choose one of the demo accounts."
                            ));
                        }
                    }
                }
                Login::Facebook => Subject::FbUser(inner.demo().fb_user.id.clone()),
            };
            let now = inner.now();
            let code = {
                let mut st = inner.lock();
                let code = st.random_string("AQ", 150);
                st.codes.insert(
                    code.clone(),
                    AuthCode {
                        login,
                        client_id: auth.client_id.clone(),
                        redirect_uri: auth.redirect_uri.to_string(),
                        subject,
                        scopes: auth.scopes.clone(),
                        issued_at: now,
                        used: false,
                    },
                );
                code
            };
            {
                let mut q = target.query_pairs_mut();
                q.append_pair("code", &code);
                if let Some(state) = &auth.state {
                    q.append_pair("state", state);
                }
            }
            target.set_fragment(Some(match login {
                Login::Instagram => "_",
                Login::Facebook => "_=_",
            }));
            redirect(target.as_str())
        }
        _ => error_page("Missing decision: post decision=allow or decision=deny."),
    }
}

/// Why a code could not be redeemed.
enum CodeProblem {
    NotFound,
    Used,
    Expired,
    RedirectMismatch,
}

/// Looks a code up and, on success, marks it used and returns it.
fn redeem(
    inner: &Inner,
    login: Login,
    client_id: &str,
    code: &str,
    redirect_uri: &str,
) -> Result<AuthCode, CodeProblem> {
    let code = code.trim_end_matches("#_=_").trim_end_matches("#_");
    let now = inner.now();
    let mut st = inner.lock();
    let entry = st
        .codes
        .get_mut(code)
        .filter(|c| c.login == login && c.client_id == client_id);
    let Some(entry) = entry else {
        return Err(CodeProblem::NotFound);
    };
    if entry.used {
        return Err(CodeProblem::Used);
    }
    if now - entry.issued_at > Duration::hours(CODE_LIFETIME_H) {
        return Err(CodeProblem::Expired);
    }
    if !same_redirect(&entry.redirect_uri, redirect_uri) {
        return Err(CodeProblem::RedirectMismatch);
    }
    entry.used = true;
    Ok(entry.clone())
}

/// Exact comparison after URL normalisation (so `http://h:1` equals `http://h:1/`).
fn same_redirect(issued: &str, given: &str) -> bool {
    match url::Url::parse(given) {
        Ok(u) => u.as_str() == issued,
        Err(_) => false,
    }
}

fn check_secret(inner: &Inner, secret: &str) -> bool {
    inner
        .app_secret
        .as_deref()
        .is_none_or(|expected| expected == secret)
}

fn check_client(inner: &Inner, client_id: &str) -> bool {
    inner
        .app_id
        .as_deref()
        .is_none_or(|expected| expected == client_id)
}

/// `POST /oauth/access_token` (api.instagram.com): code → short-lived token, flat errors.
pub fn instagram_code_exchange(inner: &Arc<Inner>, req: &Req) -> Response {
    let fail = |m: &str| json(StatusCode::BAD_REQUEST, &flat_oauth_error(m));
    if req.method != axum::http::Method::POST {
        return fail("Unsupported method: the code exchange is POST with form fields.");
    }
    let field = |name: &str| {
        req.body_params
            .iter()
            .chain(req.query_params.iter())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let basic_auth = req
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("basic "));
    let Some(client_id) = field("client_id") else {
        return fail(if basic_auth {
            "You must provide a client_id (send client_id and client_secret as form fields; HTTP Basic authentication is not read)"
        } else {
            "You must provide a client_id"
        });
    };
    if !check_client(inner, client_id) {
        return fail("Invalid platform app");
    }
    let Some(secret) = field("client_secret") else {
        return fail("You must provide a client_secret");
    };
    if !check_secret(inner, secret) {
        return fail("Error validating client secret.");
    }
    match field("grant_type") {
        Some("authorization_code") => {}
        Some(_) => return fail("Invalid grant_type: only authorization_code is supported here"),
        None => return fail("You must provide a grant_type"),
    }
    let Some(redirect_uri) = field("redirect_uri") else {
        return fail("You must provide a redirect_uri");
    };
    let Some(code) = field("code") else {
        return fail("You must provide a code");
    };
    let entry = match redeem(inner, Login::Instagram, client_id, code, redirect_uri) {
        Ok(e) => e,
        Err(CodeProblem::RedirectMismatch) => {
            return fail(
                "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
            );
        }
        Err(_) => return fail("Matching code was not found or was already used"),
    };
    let Subject::IgAccount(ig_id) = entry.subject.clone() else {
        return fail("Matching code was not found or was already used");
    };
    let now = inner.now();
    let token = inner.lock().mint(Token {
        login: Login::Instagram,
        kind: TokenKind::ShortLived,
        subject: entry.subject,
        scopes: entry.scopes.clone(),
        issued_at: now,
        expires_at: now + Duration::hours(IG_SHORT_LIFETIME_H),
        revoked: false,
    });
    let body = if inner.wrapped_token_response {
        json!({"data": [{
            "access_token": token,
            "user_id": ig_id,
            "permissions": entry.scopes.join(","),
        }]})
    } else {
        json!({
            "access_token": token,
            "user_id": ig_id.parse::<u64>().unwrap_or(0),
            "permissions": entry.scopes,
        })
    };
    json(StatusCode::OK, &body)
}

fn long_lived_from(inner: &Inner, token: &Token) -> String {
    let now = inner.now();
    inner.lock().mint(Token {
        login: token.login,
        kind: TokenKind::LongLived,
        subject: token.subject.clone(),
        scopes: token.scopes.clone(),
        issued_at: now,
        expires_at: now + Duration::days(LONG_LIFETIME_DAYS),
        revoked: false,
    })
}

/// `GET /access_token?grant_type=ig_exchange_token`: short-lived → long-lived (60 days).
pub fn instagram_long_lived(inner: &Arc<Inner>, req: &Req) -> Result<Value, GraphError> {
    if req.param("grant_type") != Some("ig_exchange_token") {
        return Err(GraphError::invalid_parameter(
            "(#100) Unsupported grant_type: use grant_type=ig_exchange_token",
        ));
    }
    let secret = req
        .param("client_secret")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            GraphError::invalid_parameter(
                "(#100) Missing client_secret parameter: pass your Instagram app secret",
            )
        })?;
    if !check_secret(inner, secret) {
        return Err(GraphError::invalid_parameter(
            "Error validating client secret.",
        ));
    }
    let (_, token) = authenticate(inner, req, Login::Instagram)?;
    if token.kind != TokenKind::ShortLived {
        return Err(GraphError::invalid_parameter(
            "(#100) ig_exchange_token needs a short-lived token; this one is already long-lived (renew it with /refresh_access_token)",
        ));
    }
    let value = long_lived_from(inner, &token);
    Ok(json!({"access_token": value, "token_type": "bearer", "expires_in": IG_LONG_EXPIRES_IN}))
}

/// `GET /refresh_access_token?grant_type=ig_refresh_token`: a fresh 60-day token.
pub fn instagram_refresh(inner: &Arc<Inner>, req: &Req) -> Result<Value, GraphError> {
    if req.param("grant_type") != Some("ig_refresh_token") {
        return Err(GraphError::invalid_parameter(
            "(#100) Unsupported grant_type: use grant_type=ig_refresh_token",
        ));
    }
    let (_, token) = authenticate(inner, req, Login::Instagram)?;
    if token.kind != TokenKind::LongLived {
        return Err(GraphError::invalid_parameter(
            "(#100) Only long-lived tokens can be refreshed; exchange this short-lived token with /access_token first",
        ));
    }
    if !token.has_scope("instagram_business_basic") {
        return Err(GraphError::missing_permission("instagram_business_basic"));
    }
    let now = inner.now();
    if now - token.issued_at < Duration::hours(24) {
        return Err(GraphError::invalid_parameter(format!(
            "(#100) A long-lived token can be refreshed once it is at least 24 hours old; this one was issued at {}",
            super::graph::format_time(token.issued_at)
        )));
    }
    let value = long_lived_from(inner, &token);
    Ok(json!({"access_token": value, "token_type": "bearer", "expires_in": IG_LONG_EXPIRES_IN}))
}

/// `GET|POST /facebook/vNN/oauth/access_token`: code exchange or `fb_exchange_token`.
pub fn facebook_token(inner: &Arc<Inner>, req: &Req) -> Result<Value, GraphError> {
    let need = |name: &str| {
        req.param(name)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| GraphError::invalid_parameter(format!("Missing {name} parameter.")))
    };
    let client_id = need("client_id")?;
    if !check_client(inner, client_id) {
        return Err(GraphError::invalid_parameter(format!(
            "Error validating application. Invalid application ID {client_id}."
        )));
    }
    let secret = need("client_secret")?;
    if !check_secret(inner, secret) {
        return Err(GraphError::invalid_parameter(
            "Error validating client secret.",
        ));
    }
    let now = inner.now();
    if req.param("grant_type") == Some("fb_exchange_token") {
        let short = need("fb_exchange_token")?;
        let token = inner
            .lock()
            .tokens
            .get(short)
            .cloned()
            .filter(|t| t.login == Login::Facebook && matches!(t.subject, Subject::FbUser(_)))
            .ok_or_else(GraphError::unparsable_token)?;
        if token.revoked {
            return Err(GraphError::revoked_token());
        }
        if token.expires_at <= now {
            return Err(GraphError::expired_token(token.expires_at, now));
        }
        let value = long_lived_from(inner, &token);
        return Ok(
            json!({"access_token": value, "token_type": "bearer", "expires_in": FB_LONG_EXPIRES_IN}),
        );
    }
    let redirect_uri = need("redirect_uri")?;
    let code = need("code")?;
    let entry = redeem(inner, Login::Facebook, client_id, code, redirect_uri).map_err(|p| {
        let (sub, msg) = match p {
            CodeProblem::NotFound => (None, "Invalid verification code format."),
            CodeProblem::Used => (Some(36009), "This authorization code has been used."),
            CodeProblem::Expired => (Some(36007), "This authorization code has expired."),
            CodeProblem::RedirectMismatch => (
                Some(36008),
                "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
            ),
        };
        let mut e = GraphError::invalid_parameter(msg);
        e.subcode = sub;
        e
    })?;
    let value = inner.lock().mint(Token {
        login: Login::Facebook,
        kind: TokenKind::ShortLived,
        subject: entry.subject,
        scopes: entry.scopes,
        issued_at: now,
        expires_at: now + Duration::hours(FB_SHORT_LIFETIME_H),
        revoked: false,
    });
    Ok(
        json!({"access_token": value, "token_type": "bearer", "expires_in": FB_SHORT_LIFETIME_H * 3600}),
    )
}

/// `GET /facebook/vNN/debug_token?input_token=..`: what a token is and whether it works.
/// The caller authenticates with an app token (`<app-id>|<app-secret>`) or any live
/// Facebook token.
pub fn facebook_debug_token(inner: &Arc<Inner>, req: &Req) -> Result<Value, GraphError> {
    let caller = super::access::token_string(req).ok_or_else(GraphError::missing_token)?;
    match caller.split_once('|') {
        Some((app, secret)) => {
            if !check_client(inner, app) || !check_secret(inner, secret) {
                return Err(GraphError::unparsable_token());
            }
        }
        None => {
            authenticate(inner, req, Login::Facebook)?;
        }
    }
    let input = req
        .param("input_token")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            GraphError::invalid_parameter("(#100) The parameter input_token is required")
        })?;
    let now = inner.now();
    let token = inner
        .lock()
        .tokens
        .get(input)
        .cloned()
        .filter(|t| t.login == Login::Facebook);
    let Some(token) = token else {
        return Ok(json!({"data": {
            "error": {"code": 190, "message": "Invalid OAuth access token - Cannot parse access token"},
            "is_valid": false,
            "scopes": [],
        }}));
    };
    let demo = inner.demo();
    let (kind, profile) = match &token.subject {
        Subject::Page(p) => ("PAGE", Some(p.clone())),
        _ => ("USER", None),
    };
    let mut data = json!({
        "app_id": inner.app_id.clone().unwrap_or_else(|| "0".into()),
        "type": kind,
        "application": "socialdesk sandbox",
        "data_access_expires_at": (token.issued_at + Duration::days(90)).timestamp(),
        "expires_at": token.expires_at.timestamp(),
        "issued_at": token.issued_at.timestamp(),
        "is_valid": !token.revoked && token.expires_at > now,
        "scopes": token.scopes,
        "granular_scopes": token.scopes.iter().map(|s| json!({"scope": s})).collect::<Vec<_>>(),
        "user_id": demo.fb_user.id,
    });
    if let Some(page) = profile {
        data["profile_id"] = json!(page);
    }
    Ok(json!({ "data": data }))
}

/// A long-lived token as the App Dashboard's "Generate token" would mint it.
pub fn mint_dashboard_token(
    inner: &Inner,
    login: &str,
    username: &str,
    scopes: &[&str],
) -> Option<String> {
    let demo = inner.demo();
    let username = username.trim_start_matches('@');
    let (login, subject) = match login {
        "instagram" => (
            Login::Instagram,
            Subject::IgAccount(demo.account_by_username(username)?.ig_id.clone()),
        ),
        "facebook" => {
            let linked = demo.account_by_username(username).is_some_and(|a| {
                demo.pages
                    .iter()
                    .any(|p| p.instagram_business_account.as_deref() == Some(&a.ig_id))
            });
            let is_user = username == demo.fb_user.name || username == demo.fb_user.id;
            if !(linked || is_user) {
                return None;
            }
            (Login::Facebook, Subject::FbUser(demo.fb_user.id.clone()))
        }
        _ => return None,
    };
    let now = inner.now();
    Some(inner.lock().mint(Token {
        login,
        kind: TokenKind::LongLived,
        subject,
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        issued_at: now,
        expires_at: now + Duration::days(LONG_LIFETIME_DAYS),
        revoked: false,
    }))
}
