//! End-to-end checks of the sandbox over real HTTP, with raw reqwest and serde_json only
//! (never the socialdesk client), so the emulator is checked against Meta's documented
//! behaviour rather than against the client's reading of it.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use socialdesk::sandbox::{DEMO_BUSINESS_USERNAME, DEMO_CREATOR_USERNAME, Sandbox, SandboxOptions};
use url::Url;

const BUSINESS_IG_ID: &str = "17841400000000001";
const REDIRECT: &str = "http://localhost:8765/callback";
const BASIC: &str = "instagram_business_basic";
const PUBLISH: &str = "instagram_business_content_publish";

fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

async fn start() -> Sandbox {
    Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox starts")
}

fn at(sb: &Sandbox, path: &str) -> Url {
    sb.url().join(path).expect("valid path")
}

async fn get(c: &Client, url: impl reqwest::IntoUrl) -> (StatusCode, HeaderMap, Value) {
    let resp = c.get(url).send().await.expect("request sent");
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, value)
}

/// Clicks Allow on the Instagram authorize page and returns the redirect Location.
async fn allow_instagram(c: &Client, sb: &Sandbox, username: &str, scope: &str) -> Url {
    let resp = c
        .post(at(sb, "oauth/authorize"))
        .form(&[
            ("client_id", "1234567890"),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", scope),
            ("state", "st4te"),
            ("username", username),
            ("decision", "allow"),
        ])
        .send()
        .await
        .expect("decision posted");
    assert_eq!(resp.status(), StatusCode::FOUND);
    let loc = resp.headers()[LOCATION].to_str().expect("ascii location");
    Url::parse(loc).expect("location is a URL")
}

fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn exchange_code(
    c: &Client,
    sb: &Sandbox,
    code: &str,
    redirect: &str,
) -> (StatusCode, Value) {
    let resp = c
        .post(at(sb, "oauth/access_token"))
        .form(&[
            ("client_id", "1234567890"),
            ("client_secret", "s3cret"),
            ("grant_type", "authorization_code"),
            ("redirect_uri", redirect),
            ("code", code),
        ])
        .send()
        .await
        .expect("exchange sent");
    let status = resp.status();
    (status, resp.json().await.expect("json body"))
}

/// Full Instagram Login: returns a short-lived token.
async fn instagram_token(c: &Client, sb: &Sandbox, username: &str, scope: &str) -> String {
    let loc = allow_instagram(c, sb, username, scope).await;
    let code = query_param(&loc, "code").expect("code in redirect");
    let (status, body) = exchange_code(c, sb, &code, REDIRECT).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().expect("token").to_owned()
}

fn graph(sb: &Sandbox, path: &str, token: &str, extra: &[(&str, &str)]) -> Url {
    let mut url = at(sb, path);
    url.query_pairs_mut()
        .append_pair("access_token", token)
        .extend_pairs(extra);
    url
}

/// A token the sandbox mints for `username` with `scopes`, without the OAuth pages.
/// `provider` is "instagram" or "facebook" (the login whose host the token is for).
fn mint(sb: &Sandbox, provider: &str, username: &str, scopes: &[&str]) -> String {
    sb.control()
        .mint_token(provider, username, scopes)
        .expect("token")
}

/// The first of the account's media (`GET /me/media` with `fields`, at most `limit`)
/// for which `matches` holds; `what` names it if there is none.
async fn first_media(
    c: &Client,
    sb: &Sandbox,
    token: &str,
    fields: &str,
    limit: &str,
    what: &str,
    matches: impl Fn(&&Value) -> bool,
) -> Value {
    let (_, _, list) = get(
        c,
        graph(
            sb,
            "v24.0/me/media",
            token,
            &[("fields", fields), ("limit", limit)],
        ),
    )
    .await;
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(matches)
        .unwrap_or_else(|| panic!("{what} in {list}"))
        .clone()
}

fn error_code(v: &Value) -> i64 {
    v["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("not a Graph error: {v}"))
}

#[tokio::test]
async fn authorize_page_validates_and_decision_redirects() {
    let sb = start().await;
    let c = client();
    let ok = "oauth/authorize?client_id=1234567890&redirect_uri=http%3A%2F%2Flocalhost%3A8765%2Fcallback&response_type=code&scope=instagram_business_basic,instagram_business_manage_comments&state=xyz";
    let resp = c.get(at(&sb, ok)).send().await.expect("page");
    assert_eq!(resp.status(), StatusCode::OK);
    let page = resp.text().await.expect("html");
    assert!(
        page.contains("Allow app 1234567890 to access @northwind.coffee?"),
        "{page}"
    );
    assert!(page.contains("<form method=\"post\" action=\"/oauth/authorize\">"));
    assert!(page.contains("name=\"state\" value=\"xyz\""));
    assert!(page.contains("value=\"mira.makes\""));
    assert!(page.contains("value=\"deny\""));

    for bad in [
        "oauth/authorize?redirect_uri=http%3A%2F%2Fx%2F&response_type=code&scope=instagram_business_basic",
        "oauth/authorize?client_id=1&redirect_uri=http%3A%2F%2Fx%2F&response_type=token&scope=instagram_business_basic",
        "oauth/authorize?client_id=1&redirect_uri=http%3A%2F%2Fx%2F&response_type=code&scope=business_basic",
    ] {
        let resp = c.get(at(&sb, bad)).send().await.expect("page");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(resp.text().await.expect("html").contains("<html"));
    }

    let loc = allow_instagram(&c, &sb, DEMO_BUSINESS_USERNAME, BASIC).await;
    assert!(loc.as_str().starts_with(REDIRECT));
    assert_eq!(loc.fragment(), Some("_"));
    assert_eq!(query_param(&loc, "state").as_deref(), Some("st4te"));
    assert!(query_param(&loc, "code").is_some_and(|c| c.len() > 20));

    let resp = c
        .post(at(&sb, "oauth/authorize"))
        .form(&[
            ("client_id", "1"),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", BASIC),
            ("state", "s"),
            ("decision", "deny"),
        ])
        .send()
        .await
        .expect("deny");
    assert_eq!(resp.status(), StatusCode::FOUND);
    let loc = resp.headers()[LOCATION].to_str().expect("ascii").to_owned();
    assert!(
        loc.ends_with("?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request&state=s"),
        "{loc}"
    );
}

#[tokio::test]
async fn code_exchange_is_flat_single_use_and_checks_redirect() {
    let sb = start().await;
    let c = client();
    let loc = allow_instagram(
        &c,
        &sb,
        DEMO_BUSINESS_USERNAME,
        "instagram_business_basic,instagram_business_manage_comments",
    )
    .await;
    let code = query_param(&loc, "code").expect("code");
    let (status, body) = exchange_code(&c, &sb, &format!("{code}#_"), REDIRECT).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(body["user_id"].as_u64(), Some(17841400000000001));
    assert_eq!(
        body["permissions"],
        serde_json::json!([
            "instagram_business_basic",
            "instagram_business_manage_comments"
        ])
    );

    let (status, body) = exchange_code(&c, &sb, &code, REDIRECT).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        serde_json::json!({"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"})
    );

    let loc = allow_instagram(&c, &sb, DEMO_CREATOR_USERNAME, BASIC).await;
    let code = query_param(&loc, "code").expect("code");
    let (status, body) = exchange_code(&c, &sb, &code, "http://localhost:8765/other").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("redirect_uri")),
        "{body}"
    );
    // A failed attempt does not burn the code.
    let (status, body) = exchange_code(&c, &sb, &code, REDIRECT).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["user_id"].as_u64(), Some(17841400000000002));

    let resp = c
        .post(at(&sb, "oauth/access_token"))
        .form(&[("client_id", "1"), ("grant_type", "authorization_code")])
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error_type"], "OAuthException");
    assert!(
        body["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("client_secret"))
    );
}

#[tokio::test]
async fn wrapped_token_response_switch() {
    let sb = Sandbox::start(SandboxOptions {
        wrapped_token_response: true,
        ..Default::default()
    })
    .await
    .expect("starts");
    let c = client();
    let loc = allow_instagram(
        &c,
        &sb,
        DEMO_BUSINESS_USERNAME,
        "instagram_business_basic,instagram_business_content_publish",
    )
    .await;
    let (status, body) =
        exchange_code(&c, &sb, &query_param(&loc, "code").expect("code"), REDIRECT).await;
    assert_eq!(status, StatusCode::OK);
    let entry = &body["data"][0];
    assert_eq!(entry["user_id"], BUSINESS_IG_ID);
    assert_eq!(
        entry["permissions"],
        "instagram_business_basic,instagram_business_content_publish"
    );
}

#[tokio::test]
async fn long_lived_exchange_refresh_and_expiry() {
    let sb = start().await;
    let c = client();
    let short = instagram_token(&c, &sb, DEMO_BUSINESS_USERNAME, BASIC).await;
    let mut url = at(&sb, "access_token");
    url.query_pairs_mut()
        .append_pair("grant_type", "ig_exchange_token")
        .append_pair("client_secret", "s3cret")
        .append_pair("access_token", &short);
    let (status, headers, body) = get(&c, url).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 5184000);
    assert!(headers.contains_key("x-app-usage"));
    let long = body["access_token"].as_str().expect("token").to_owned();
    assert_ne!(long, short);

    let refresh = |token: &str| {
        let mut url = at(&sb, "refresh_access_token");
        url.query_pairs_mut()
            .append_pair("grant_type", "ig_refresh_token")
            .append_pair("access_token", token);
        url
    };
    let (status, _, body) = get(&c, refresh(&long)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), 100);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("24 hours"))
    );

    sb.control().advance_clock(Duration::from_hours(25));
    // The short-lived token is long gone by now.
    let (_, _, body) = get(&c, graph(&sb, "v24.0/me", &short, &[])).await;
    assert_eq!(error_code(&body), 190);
    assert_eq!(body["error"]["error_subcode"], 463);

    let (status, _, body) = get(&c, refresh(&long)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["expires_in"], 5184000);
    let refreshed = body["access_token"].as_str().expect("token").to_owned();
    assert_ne!(refreshed, long);
    // The old long-lived token keeps working until its own expiry.
    let (status, _, _) = get(&c, graph(&sb, "v24.0/me", &long, &[])).await;
    assert_eq!(status, StatusCode::OK);

    // 25 h + 59 days: past the first long-lived token's 60 days, within the refreshed one's.
    sb.control().advance_clock(Duration::from_hours(1416));
    let (status, _, body) = get(&c, graph(&sb, "v24.0/me", &long, &[])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), 190);
    assert_eq!(body["error"]["error_subcode"], 463);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Session has expired"))
    );
    assert!(body["error"]["fbtrace_id"].is_string());
    let (status, _, _) = get(&c, graph(&sb, "v24.0/me", &refreshed, &[])).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the refreshed token lives 60 days from its refresh"
    );
}

#[tokio::test]
async fn me_shape_and_token_errors() {
    let sb = start().await;
    let c = client();
    let token = instagram_token(&c, &sb, DEMO_BUSINESS_USERNAME, BASIC).await;
    let fields = "id,user_id,username,name,account_type,profile_picture_url,followers_count,follows_count,media_count,biography,website";
    let (status, headers, me) =
        get(&c, graph(&sb, "v24.0/me", &token, &[("fields", fields)])).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user_id"], BUSINESS_IG_ID);
    assert_ne!(me["id"], me["user_id"], "/me id is app-scoped");
    assert_eq!(me["username"], DEMO_BUSINESS_USERNAME);
    assert_eq!(me["account_type"], "Business");
    assert!(
        me["followers_count"]
            .as_u64()
            .is_some_and(|f| (12_000..13_000).contains(&f))
    );
    assert!(me["media_count"].as_u64().is_some_and(|n| n >= 60));
    let usage: Value =
        serde_json::from_str(headers["x-app-usage"].to_str().expect("ascii")).expect("json");
    assert!(usage["call_count"].as_u64().is_some_and(|n| n < 100));
    let buc: Value = serde_json::from_str(
        headers["x-business-use-case-usage"]
            .to_str()
            .expect("ascii"),
    )
    .expect("json");
    assert_eq!(buc[BUSINESS_IG_ID][0]["type"], "instagram");

    // No fields: only the id. Unversioned path and Bearer header work too.
    let resp = c
        .get(at(&sb, "me"))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("sent");
    let plain: Value = resp.json().await.expect("json");
    assert_eq!(plain, serde_json::json!({"id": me["id"]}));

    let (status, _, body) = get(&c, at(&sb, "v24.0/me")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), 2500);
    let (_, _, body) = get(&c, graph(&sb, "v24.0/me", "garbage", &[])).await;
    assert_eq!(error_code(&body), 190);
    assert!(body["error"].get("error_subcode").is_none());
    assert_eq!(body["error"]["type"], "OAuthException");

    sb.control().revoke_all_tokens();
    let (_, _, body) = get(&c, graph(&sb, "v24.0/me", &token, &[])).await;
    assert_eq!(error_code(&body), 190);
    assert_eq!(body["error"]["error_subcode"], 460);
}

#[tokio::test]
async fn media_paging_visits_every_post_once() {
    let sb = start().await;
    let c = client();
    let token = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &[BASIC]);
    let mut next = Some(graph(
        &sb,
        &format!("v24.0/{BUSINESS_IG_ID}/media"),
        &token,
        &[("fields", "id,timestamp,media_type"), ("limit", "10")],
    ));
    let mut seen = HashSet::new();
    let mut pages = 0;
    let mut last_ts = String::from("9999");
    while let Some(url) = next.take() {
        let (status, _, body) = get(&c, url).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let data = body["data"].as_array().expect("data");
        assert!(data.len() <= 10);
        for m in data {
            assert!(
                seen.insert(m["id"].as_str().expect("id").to_owned()),
                "duplicate {m}"
            );
            let ts = m["timestamp"].as_str().expect("ts").to_owned();
            assert!(ts.ends_with("+0000") && ts.len() == 24, "{ts}");
            assert!(ts <= last_ts, "newest first");
            last_ts = ts;
        }
        assert!(body["paging"]["cursors"]["after"].is_string());
        next = body["paging"]["next"]
            .as_str()
            .map(|s| Url::parse(s).expect("next is a URL"));
        if let Some(n) = &next {
            assert_eq!(
                query_param(n, "fields").as_deref(),
                Some("id,timestamp,media_type")
            );
            assert_eq!(query_param(n, "limit").as_deref(), Some("10"));
        }
        pages += 1;
        assert!(pages < 20, "paging never ends");
    }
    assert!(seen.len() >= 60, "saw {}", seen.len());

    // Stories are not on /media but on /stories.
    let (_, _, stories) = get(
        &c,
        graph(
            &sb,
            &format!("{BUSINESS_IG_ID}/stories"),
            &token,
            &[("fields", "id,media_product_type")],
        ),
    )
    .await;
    let stories = stories["data"].as_array().expect("stories");
    assert!(!stories.is_empty());
    for s in stories {
        assert_eq!(s["media_product_type"], "STORY");
        assert!(!seen.contains(s["id"].as_str().expect("id")));
    }

    // since/until narrow the edge; a bad limit is refused.
    let since = (sb.control().now() - chrono::Duration::days(30))
        .timestamp()
        .to_string();
    let (_, _, recent) = get(
        &c,
        graph(
            &sb,
            &format!("{BUSINESS_IG_ID}/media"),
            &token,
            &[("since", &since), ("limit", "100")],
        ),
    )
    .await;
    let n = recent["data"].as_array().expect("data").len();
    assert!(n > 0 && n < seen.len(), "{n}");
    let (_, _, body) = get(
        &c,
        graph(
            &sb,
            &format!("{BUSINESS_IG_ID}/media"),
            &token,
            &[("limit", "-3")],
        ),
    )
    .await;
    assert_eq!(error_code(&body), 100);
}

#[tokio::test]
async fn field_expansion_unknown_fields_and_objects() {
    let sb = start().await;
    let c = client();
    let token = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &[BASIC]);
    let (_, _, list) = get(
        &c,
        graph(
            &sb,
            &format!("v24.0/{BUSINESS_IG_ID}/media"),
            &token,
            &[("fields", "id,media_type,media_product_type,thumbnail_url,like_count,children{id,media_type,media_url},owner{id}"), ("limit", "100")],
        ),
    )
    .await;
    let items = list["data"].as_array().expect("data");
    let album = items
        .iter()
        .find(|m| {
            m["media_type"] == "CAROUSEL_ALBUM"
                && m["children"]["data"]
                    .as_array()
                    .is_some_and(|c| c.len() > 2)
        })
        .expect("a carousel with more than two children");
    let children = album["children"]["data"].as_array().expect("children");
    assert!((2..=10).contains(&children.len()));
    for child in children {
        assert!(child["id"].is_string() && child["media_url"].is_string());
        assert!(matches!(
            child["media_type"].as_str(),
            Some("IMAGE" | "VIDEO")
        ));
    }
    assert_eq!(album["owner"]["id"], BUSINESS_IG_ID);
    let reel = items
        .iter()
        .find(|m| m["media_product_type"] == "REELS")
        .expect("a reel");
    assert_eq!(reel["media_type"], "VIDEO");
    assert!(reel["thumbnail_url"].is_string());
    let image = items
        .iter()
        .find(|m| m["media_type"] == "IMAGE")
        .expect("an image");
    assert!(
        image.get("thumbnail_url").is_none(),
        "no value → omitted, not null"
    );
    assert!(image.get("children").is_none());

    // like_count hidden on the edge for some media but present on a direct read.
    let hidden = items
        .iter()
        .find(|m| m.get("like_count").is_none())
        .expect("a media with hidden likes");
    let id = hidden["id"].as_str().expect("id");
    let (_, _, direct) = get_fields(&c, &sb, &token, id, "id,like_count").await;
    assert!(direct["like_count"].is_u64(), "{direct}");

    let album_id = album["id"].as_str().expect("id");
    let (_, _, limited) = get_fields(&c, &sb, &token, album_id, "children.limit(2){id}").await;
    assert_eq!(
        limited["children"]["data"].as_array().expect("data").len(),
        2
    );
    assert!(limited["children"]["paging"]["next"].is_string());
    let (_, _, kids) = get(
        &c,
        graph(
            &sb,
            &format!("v24.0/{album_id}/children"),
            &token,
            &[("fields", "id,permalink,media_type")],
        ),
    )
    .await;
    let kids = kids["data"].as_array().expect("data");
    assert_eq!(kids.len(), children.len());
    assert!(kids.iter().all(|k| k.get("permalink").is_none()));
    let (_, _, no_fields) = get(&c, graph(&sb, &format!("v24.0/{album_id}"), &token, &[])).await;
    assert_eq!(no_fields, serde_json::json!({"id": album_id}));
    // Graph answers the id even when it was not asked for.
    let (_, _, caption_only) = get_fields(&c, &sb, &token, album_id, "caption").await;
    assert_eq!(caption_only["id"], album_id);
    assert!(caption_only["caption"].is_string());

    let (status, _, body) = get_fields(&c, &sb, &token, album_id, "id,foo").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), 100);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nonexisting field (foo)"))
    );
    let (_, _, body) = get_fields(&c, &sb, &token, album_id, "children{").await;
    assert_eq!(error_code(&body), 100);

    let (_, _, body) = get(&c, graph(&sb, "v24.0/nosuchthing", &token, &[])).await;
    assert_eq!(error_code(&body), 803);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nosuchthing"))
    );
    // The creator's media exist but are not this token's.
    let creator = mint(&sb, "instagram", DEMO_CREATOR_USERNAME, &[BASIC]);
    let (_, _, theirs) = get(
        &c,
        graph(&sb, "v24.0/me/media", &creator, &[("limit", "1")]),
    )
    .await;
    let theirs = theirs["data"][0]["id"]
        .as_str()
        .expect("creator media")
        .to_owned();
    let (_, _, body) = get(&c, graph(&sb, &format!("v24.0/{theirs}"), &token, &[])).await;
    assert_eq!(error_code(&body), 100);
}

#[tokio::test]
async fn permissions_faults_and_throttling() {
    let sb = start().await;
    let c = client();
    let control = sb.control();
    let weak = mint(
        &sb,
        "instagram",
        DEMO_BUSINESS_USERNAME,
        &["instagram_business_manage_comments"],
    );
    let (status, _, body) = get(&c, graph(&sb, "v24.0/me", &weak, &[])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), 10);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(BASIC))
    );

    let token = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &[BASIC]);
    control.set_fail_rate(1.0);
    let (status, headers, body) = get(&c, graph(&sb, "v24.0/me", &token, &[])).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(matches!(error_code(&body), 1 | 2));
    assert_eq!(body["error"]["is_transient"], true);
    assert!(headers.contains_key("x-app-usage"));
    control.set_fail_rate(0.0);
    let (status, _, _) = get(&c, graph(&sb, "v24.0/me", &token, &[])).await;
    assert_eq!(status, StatusCode::OK);

    control.set_usage(100, 613);
    let (status, headers, body) = get(&c, graph(&sb, "v24.0/me", &token, &[])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), 613);
    let app: Value =
        serde_json::from_str(headers["x-app-usage"].to_str().expect("ascii")).expect("json");
    assert_eq!(app["call_count"], 100);
    let buc: Value = serde_json::from_str(
        headers["x-business-use-case-usage"]
            .to_str()
            .expect("ascii"),
    )
    .expect("json");
    assert!(
        buc[BUSINESS_IG_ID][0]["estimated_time_to_regain_access"]
            .as_u64()
            .is_some_and(|m| m > 0)
    );

    // The same switches over HTTP.
    let resp = c
        .post(at(&sb, "__sandbox/usage?percent=5&code=4"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    let (status, _, _) = get(&c, graph(&sb, "v24.0/me", &token, &[])).await;
    assert_eq!(status, StatusCode::OK);
    c.post(at(&sb, "__sandbox/usage?percent=120&code=4"))
        .send()
        .await
        .expect("sent");
    let (_, _, body) = get(&c, graph(&sb, "v24.0/me", &token, &[])).await;
    assert_eq!(error_code(&body), 4);
    c.post(at(&sb, "__sandbox/usage?percent=1"))
        .send()
        .await
        .expect("sent");
    c.post(at(&sb, "__sandbox/clock?advance_secs=3600"))
        .send()
        .await
        .expect("sent");
    let (_, _, state) = get(&c, at(&sb, "__sandbox/state")).await;
    assert_eq!(state["clock_offset_secs"], 3600);
    assert_eq!(state["usage_percent"], 1);
}

#[tokio::test]
async fn appsecret_proof_is_checked_when_secret_known() {
    let sb = Sandbox::start(SandboxOptions {
        app_id: Some("1234567890".into()),
        app_secret: Some("s3cret".into()),
        ..Default::default()
    })
    .await
    .expect("starts");
    let c = client();
    let token = instagram_token(&c, &sb, DEMO_BUSINESS_USERNAME, BASIC).await;
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").expect("key");
    mac.update(token.as_bytes());
    let proof = hex::encode(mac.finalize().into_bytes());
    let (status, _, _) = get(
        &c,
        graph(&sb, "v24.0/me", &token, &[("appsecret_proof", &proof)]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, body) = get(
        &c,
        graph(&sb, "v24.0/me", &token, &[("appsecret_proof", "00ff")]),
    )
    .await;
    assert_eq!(error_code(&body), 100);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("appsecret_proof"))
    );

    // A wrong secret at the code exchange is refused in the flat shape.
    let loc = allow_instagram(&c, &sb, DEMO_BUSINESS_USERNAME, BASIC).await;
    let resp = c
        .post(at(&sb, "oauth/access_token"))
        .form(&[
            ("client_id", "1234567890"),
            ("client_secret", "wrong"),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code", &query_param(&loc, "code").expect("code")),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error_message"], "Error validating client secret.");
}

#[tokio::test]
async fn cdn_serves_real_jpegs() {
    let sb = start().await;
    let c = client();
    let token = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &[BASIC]);
    let image = first_media(
        &c,
        &sb,
        &token,
        "id,media_type,media_url",
        "50",
        "an image post",
        |m| m["media_type"] == "IMAGE",
    )
    .await;
    let url = image["media_url"].as_str().expect("media_url");
    let resp = c.get(url).send().await.expect("cdn");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    let bytes = resp.bytes().await.expect("bytes");
    let img =
        image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).expect("a JPEG");
    assert_eq!(img.width(), 1080);
    let ratio = f64::from(img.width()) / f64::from(img.height());
    assert!(
        [1.0, 0.8, 1.91].iter().any(|r| (ratio - r).abs() < 0.01),
        "{ratio}"
    );

    let thumb = url.replace("full.jpg", "thumb.jpg");
    let bytes = c
        .get(&thumb)
        .send()
        .await
        .expect("thumb")
        .bytes()
        .await
        .expect("bytes");
    let img =
        image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).expect("a JPEG");
    assert_eq!(img.width(), 320);

    let (_, _, me) = get(
        &c,
        graph(
            &sb,
            "v24.0/me",
            &token,
            &[("fields", "profile_picture_url")],
        ),
    )
    .await;
    let resp = c
        .get(me["profile_picture_url"].as_str().expect("url"))
        .send()
        .await
        .expect("pic");
    assert_eq!(resp.status(), StatusCode::OK);

    let resp = c
        .get(at(&sb, "cdn/nope/full.jpg"))
        .send()
        .await
        .expect("cdn");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn facebook_login_pages_and_linked_account() {
    let sb = start().await;
    let c = client();
    let scope = "instagram_basic,pages_show_list,pages_read_engagement";
    let mut dialog = at(&sb, "facebook/dialog/oauth");
    dialog
        .query_pairs_mut()
        .append_pair("client_id", "555")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("state", "fbst")
        .append_pair("scope", scope)
        .append_pair("response_type", "code");
    let resp = c.get(dialog).send().await.expect("dialog");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.text()
            .await
            .expect("html")
            .contains("action=\"/facebook/dialog/oauth\"")
    );

    let resp = c
        .post(at(&sb, "facebook/dialog/oauth"))
        .form(&[
            ("client_id", "555"),
            ("redirect_uri", REDIRECT),
            ("state", "fbst"),
            ("scope", scope),
            ("response_type", "code"),
            ("decision", "allow"),
        ])
        .send()
        .await
        .expect("allow");
    assert_eq!(resp.status(), StatusCode::FOUND);
    let loc = Url::parse(resp.headers()[LOCATION].to_str().expect("ascii")).expect("url");
    assert_eq!(loc.fragment(), Some("_=_"));
    assert_eq!(query_param(&loc, "state").as_deref(), Some("fbst"));
    let code = query_param(&loc, "code").expect("code");

    let mut url = at(&sb, "facebook/v24.0/oauth/access_token");
    url.query_pairs_mut()
        .append_pair("client_id", "555")
        .append_pair("client_secret", "x")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("code", &code);
    let (status, _, body) = get(&c, url.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "bearer");
    let user_token = body["access_token"].as_str().expect("token").to_owned();
    let (_, _, again) = get(&c, url).await;
    assert_eq!(error_code(&again), 100, "codes are single-use");

    let mut url = at(&sb, "facebook/v24.0/oauth/access_token");
    url.query_pairs_mut()
        .append_pair("grant_type", "fb_exchange_token")
        .append_pair("client_id", "555")
        .append_pair("client_secret", "x")
        .append_pair("fb_exchange_token", &user_token);
    let (_, _, body) = get(&c, url).await;
    assert_eq!(body["expires_in"], 5183944);
    let long = body["access_token"].as_str().expect("token").to_owned();

    let (_, _, me) = get(&c, graph(&sb, "facebook/v24.0/me", &long, &[])).await;
    assert!(me["id"].is_string() && me["name"].is_string(), "{me}");

    let (_, _, accounts) = get(&c, graph(&sb, "facebook/v24.0/me/accounts", &long, &[])).await;
    let pages = accounts["data"].as_array().expect("pages");
    assert_eq!(pages.len(), 2);
    for p in pages {
        for key in [
            "access_token",
            "category",
            "category_list",
            "name",
            "id",
            "tasks",
        ] {
            assert!(p.get(key).is_some(), "page lacks {key}: {p}");
        }
    }
    let mut linked = Vec::new();
    for p in pages {
        let page_id = p["id"].as_str().expect("id");
        let (status, _, node) = get(
            &c,
            graph(
                &sb,
                &format!("facebook/v24.0/{page_id}"),
                &long,
                &[("fields", "instagram_business_account")],
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{node}");
        assert_eq!(node["id"], page_id);
        if let Some(ig) = node.get("instagram_business_account") {
            linked.push(ig["id"].as_str().expect("ig id").to_owned());
        }
    }
    assert_eq!(linked, [BUSINESS_IG_ID], "exactly one page is linked");

    let (status, _, media) = get(
        &c,
        graph(
            &sb,
            &format!("facebook/v24.0/{BUSINESS_IG_ID}/media"),
            &long,
            &[("fields", "id,caption")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{media}");
    assert_eq!(media["data"].as_array().expect("data").len(), 25);
    assert!(
        media["paging"]["next"]
            .as_str()
            .is_some_and(|n| n.contains("/facebook/v24.0/"))
    );

    // A page token reads the linked account too.
    let page_token = pages[0]["access_token"].as_str().expect("page token");
    let (status, _, _) = get(
        &c,
        graph(
            &sb,
            &format!("facebook/v24.0/{BUSINESS_IG_ID}"),
            page_token,
            &[("fields", "username")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Tokens are bound to their host.
    let (_, _, body) = get(&c, graph(&sb, "v24.0/me", &long, &[])).await;
    assert_eq!(error_code(&body), 190);
    let ig = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &[BASIC]);
    let (_, _, body) = get(&c, graph(&sb, "facebook/v24.0/me", &ig, &[])).await;
    assert_eq!(error_code(&body), 190);
    // Missing Facebook-Login scope.
    let no_pages = mint(&sb, "facebook", "Alex Rivera", &["instagram_basic"]);
    let (status, _, body) = get(&c, graph(&sb, "facebook/v24.0/me/accounts", &no_pages, &[])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), 10);
}

#[tokio::test]
async fn requests_are_recorded_and_latency_applies() {
    let sb = start().await;
    let c = client();
    let control = sb.control();
    let token = mint(&sb, "instagram", DEMO_CREATOR_USERNAME, &[BASIC]);
    control.clear_requests();
    control.set_latency_ms(150);
    let t0 = std::time::Instant::now();
    let (status, _, me) = get(
        &c,
        graph(
            &sb,
            "v24.0/me",
            &token,
            &[("fields", "username,account_type")],
        ),
    )
    .await;
    assert!(t0.elapsed() >= Duration::from_millis(150));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["account_type"], "Media_Creator");
    let recorded = control.requests();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].method, "GET");
    assert_eq!(recorded[0].path, "/v24.0/me");
    assert!(recorded[0].query.contains("fields=username"));
    let (_, _, list) = get(&c, at(&sb, "__sandbox/requests")).await;
    assert_eq!(list.as_array().expect("list").len(), 1);
    sb.shutdown().await;
}

/// POSTs a form to a Graph path and returns (status, body).
async fn post_form(c: &Client, url: Url, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let resp = c.post(url).form(form).send().await.expect("sent");
    let status = resp.status();
    (status, resp.json().await.expect("json"))
}

/// `GET /{id}?fields=FIELDS` on the Instagram Login host: (status, headers, body).
async fn get_fields(
    c: &Client,
    sb: &Sandbox,
    token: &str,
    id: &str,
    fields: &str,
) -> (StatusCode, HeaderMap, Value) {
    get(
        c,
        graph(sb, &format!("v24.0/{id}"), token, &[("fields", fields)]),
    )
    .await
}

/// `POST /me/media_publish` of `container`: (status, body).
async fn media_publish(
    c: &Client,
    sb: &Sandbox,
    token: &str,
    container: &str,
) -> (StatusCode, Value) {
    post_form(
        c,
        graph(sb, "v24.0/me/media_publish", token, &[]),
        &[("creation_id", container)],
    )
    .await
}

/// Polls a container until its status_code leaves IN_PROGRESS, advancing the clock.
async fn wait_container(c: &Client, sb: &Sandbox, token: &str, id: &str) -> Value {
    wait_container_at(c, sb, token, &format!("v24.0/{id}")).await
}

/// [`wait_container`] on the Facebook Login host (`graph.facebook.com`).
async fn wait_facebook_container(c: &Client, sb: &Sandbox, token: &str, id: &str) -> Value {
    wait_container_at(c, sb, token, &format!("facebook/v24.0/{id}")).await
}

/// Waits for a container of the business account on the Facebook Login host, then
/// publishes it: (status, body) of `POST /{ig-id}/media_publish`.
async fn publish_facebook_container(
    c: &Client,
    sb: &Sandbox,
    token: &str,
    container: &str,
) -> (StatusCode, Value) {
    wait_facebook_container(c, sb, token, container).await;
    post_form(
        c,
        graph(
            sb,
            &format!("facebook/v24.0/{BUSINESS_IG_ID}/media_publish"),
            token,
            &[],
        ),
        &[("creation_id", container)],
    )
    .await
}

async fn wait_container_at(c: &Client, sb: &Sandbox, token: &str, path: &str) -> Value {
    for _ in 0..100 {
        let (_, _, body) = get(
            c,
            graph(sb, path, token, &[("fields", "status_code,status")]),
        )
        .await;
        if body["status_code"] != "IN_PROGRESS" {
            return body;
        }
        sb.control().advance_clock(Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("container {path} never left IN_PROGRESS");
}

async fn upload(c: &Client, sb: &Sandbox, name: &str, bytes: Vec<u8>) -> String {
    let resp = c
        .post(at(sb, &format!("__sandbox/uploads?filename={name}")))
        .body(bytes)
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("json");
    body["url"].as_str().expect("url").to_owned()
}

fn jpeg_of(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encodes");
    out.into_inner()
}

#[tokio::test]
async fn publishing_container_status_publish_and_quota() {
    let sb = start().await;
    let c = client();
    let token = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &[BASIC, PUBLISH]);
    let photo = jpeg_of(1080, 1350);
    let image_url = upload(&c, &sb, "post.jpg", photo.clone()).await;

    let (status, created) = post_form(
        &c,
        graph(&sb, "v24.0/me/media", &token, &[]),
        &[
            ("image_url", &image_url),
            ("caption", "Hello from the sandbox #test @mira.makes"),
            ("alt_text", "a gradient"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let container = created["id"].as_str().expect("container id").to_owned();
    // Straight away the container is not ready.
    let (status, body) = media_publish(&c, &sb, &token, &container).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), 9007);
    assert_eq!(body["error"]["error_subcode"], 2207027);

    let done = wait_container(&c, &sb, &token, &container).await;
    assert_eq!(done["status_code"], "FINISHED", "{done}");
    let (status, published) = post_form(
        &c,
        graph(
            &sb,
            &format!("v24.0/{BUSINESS_IG_ID}/media_publish"),
            &token,
            &[],
        ),
        &[("creation_id", &container)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    let media_id = published["id"].as_str().expect("media id").to_owned();
    let (_, _, media) = get_fields(
        &c,
        &sb,
        &token,
        &media_id,
        "caption,media_type,media_product_type,media_url,alt_text,timestamp,permalink",
    )
    .await;
    assert_eq!(media["caption"], "Hello from the sandbox #test @mira.makes");
    assert_eq!(media["media_type"], "IMAGE");
    assert_eq!(media["media_product_type"], "FEED");
    assert_eq!(media["alt_text"], "a gradient");
    let served = c
        .get(media["media_url"].as_str().expect("url"))
        .send()
        .await
        .expect("cdn")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(
        served.as_ref(),
        photo.as_slice(),
        "media_url serves the published bytes"
    );
    let (_, _, first) = get(&c, graph(&sb, "v24.0/me/media", &token, &[("limit", "1")])).await;
    assert_eq!(first["data"][0]["id"], media_id.as_str(), "newest first");
    let (_, _, container_state) = get_fields(&c, &sb, &token, &container, "status_code").await;
    assert_eq!(container_state["status_code"], "PUBLISHED");
    let (_, body) = media_publish(&c, &sb, &token, &container).await;
    assert_eq!(error_code(&body), 100, "a container publishes once");

    let (_, _, limit) = get(
        &c,
        graph(
            &sb,
            "v24.0/me/content_publishing_limit",
            &token,
            &[("fields", "quota_usage,config")],
        ),
    )
    .await;
    assert_eq!(limit["data"][0]["quota_usage"], 1);
    assert_eq!(limit["data"][0]["config"]["quota_duration"], 86400);

    // Hosting failures and bad media end in ERROR with the documented subcodes.
    for (url, subcode) in [
        (at(&sb, "cdn/uploads/nope/x.jpg").to_string(), 2207052),
        (
            upload(&c, &sb, "wide.jpg", jpeg_of(900, 300)).await,
            2207009,
        ),
        (
            upload(&c, &sb, "not.png", b"\x89PNG\r\n\x1a\nrest".to_vec()).await,
            2207005,
        ),
    ] {
        let (_, created) = post_form(
            &c,
            graph(&sb, "v24.0/me/media", &token, &[]),
            &[("image_url", &url)],
        )
        .await;
        let id = created["id"].as_str().expect("container").to_owned();
        let state = wait_container(&c, &sb, &token, &id).await;
        assert_eq!(state["status_code"], "ERROR", "{url}: {state}");
        assert!(
            state["status"]
                .as_str()
                .is_some_and(|s| s.contains(&subcode.to_string())),
            "{state}"
        );
        let (_, body) = media_publish(&c, &sb, &token, &id).await;
        assert_eq!(body["error"]["error_subcode"], subcode);
    }

    // Parameter checks happen at creation.
    let (_, body) = post_form(
        &c,
        graph(&sb, "v24.0/me/media", &token, &[]),
        &[("media_type", "VIDEO"), ("video_url", &image_url)],
    )
    .await;
    assert_eq!(error_code(&body), 100);
    let long_caption = "#tag ".repeat(31);
    let (_, body) = post_form(
        &c,
        graph(&sb, "v24.0/me/media", &token, &[]),
        &[("image_url", &image_url), ("caption", &long_caption)],
    )
    .await;
    assert_eq!(error_code(&body), 100);
    let read_only = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &[BASIC]);
    let (status, body) = post_form(
        &c,
        graph(&sb, "v24.0/me/media", &read_only, &[]),
        &[("image_url", &image_url)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), 10);
}

#[tokio::test]
async fn publishing_a_carousel() {
    let sb = start().await;
    let c = client();
    let token = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &[BASIC, PUBLISH]);
    let mut children = Vec::new();
    for (w, h) in [(1080, 1080), (1080, 1350)] {
        let url = upload(&c, &sb, "item.jpg", jpeg_of(w, h)).await;
        let (status, body) = post_form(
            &c,
            graph(&sb, "v24.0/me/media", &token, &[]),
            &[("image_url", &url), ("is_carousel_item", "true")],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        children.push(body["id"].as_str().expect("id").to_owned());
    }
    let (_, body) = post_form(
        &c,
        graph(&sb, "v24.0/me/media", &token, &[]),
        &[
            ("media_type", "CAROUSEL"),
            ("children", children[0].as_str()),
            ("caption", "one child"),
        ],
    )
    .await;
    assert_eq!(
        error_code(&body),
        100,
        "a carousel needs at least two children"
    );
    let joined = children.join(",");
    let (_, body) = post_form(
        &c,
        graph(&sb, "v24.0/me/media", &token, &[]),
        &[
            ("media_type", "CAROUSEL"),
            ("children", &joined),
            ("caption", "Two of them"),
        ],
    )
    .await;
    let carousel = body["id"].as_str().expect("id").to_owned();
    let state = wait_container(&c, &sb, &token, &carousel).await;
    assert_eq!(state["status_code"], "FINISHED");
    let (status, body) = media_publish(&c, &sb, &token, &carousel).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["id"].as_str().expect("id");
    let (_, _, media) = get_fields(
        &c,
        &sb,
        &token,
        id,
        "media_type,caption,children{id,media_type}",
    )
    .await;
    assert_eq!(media["media_type"], "CAROUSEL_ALBUM");
    assert_eq!(
        media["children"]["data"]
            .as_array()
            .expect("children")
            .len(),
        2
    );
}

/// Creates an image container from `image_url` (a carousel slide when `slide`): its id.
async fn image_container(
    c: &Client,
    sb: &Sandbox,
    token: &str,
    image_url: &str,
    slide: bool,
) -> String {
    let mut form = vec![("image_url", image_url)];
    if slide {
        form.push(("is_carousel_item", "true"));
    }
    let (status, body) = post_form(c, graph(sb, "v24.0/me/media", token, &[]), &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["id"].as_str().expect("container id").to_owned()
}

/// A finished CAROUSEL container of two slides of `image_url`: its id.
async fn carousel_container(c: &Client, sb: &Sandbox, token: &str, image_url: &str) -> String {
    let first = image_container(c, sb, token, image_url, true).await;
    let second = image_container(c, sb, token, image_url, true).await;
    let children = format!("{first},{second}");
    let (status, body) = post_form(
        c,
        graph(sb, "v24.0/me/media", token, &[]),
        &[("media_type", "CAROUSEL"), ("children", &children)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["id"].as_str().expect("carousel id").to_owned();
    assert_eq!(
        wait_container(c, sb, token, &id).await["status_code"],
        "FINISHED"
    );
    id
}

/// `GET /me/content_publishing_limit`: (quota_usage, quota_total).
async fn publishing_quota(c: &Client, sb: &Sandbox, token: &str) -> (u64, u64) {
    let (_, _, limit) = get(
        c,
        graph(
            sb,
            "v24.0/me/content_publishing_limit",
            token,
            &[("fields", "quota_usage,config")],
        ),
    )
    .await;
    let row = &limit["data"][0];
    (
        row["quota_usage"].as_u64().expect("quota_usage"),
        row["config"]["quota_total"].as_u64().expect("quota_total"),
    )
}

/// Meta counts a carousel as one post against the 24 h limit (seed 002): publishing one
/// raises `quota_usage` by exactly 1, and a carousel past the limit is refused like a
/// single picture (#9, subcode 2207042).
#[tokio::test]
async fn a_carousel_counts_once_against_the_publishing_limit() {
    let sb = start().await;
    let c = client();
    let token = mint(&sb, "instagram", DEMO_CREATOR_USERNAME, &[BASIC, PUBLISH]);
    let image_url = upload(&c, &sb, "item.jpg", jpeg_of(1080, 1080)).await;
    let (before, total) = publishing_quota(&c, &sb, &token).await;

    let carousel = carousel_container(&c, &sb, &token, &image_url).await;
    let (status, body) = media_publish(&c, &sb, &token, &carousel).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        publishing_quota(&c, &sb, &token).await.0,
        before + 1,
        "one carousel, one post"
    );

    // Single pictures up to one short of the limit, then a carousel takes the last slot.
    let mut singles = Vec::new();
    for _ in before + 1..total - 1 {
        singles.push(image_container(&c, &sb, &token, &image_url, false).await);
    }
    for id in &singles {
        wait_container(&c, &sb, &token, id).await;
        let (status, body) = media_publish(&c, &sb, &token, id).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let last = carousel_container(&c, &sb, &token, &image_url).await;
    let (status, body) = media_publish(&c, &sb, &token, &last).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(publishing_quota(&c, &sb, &token).await.0, total);

    let over = carousel_container(&c, &sb, &token, &image_url).await;
    let (status, body) = media_publish(&c, &sb, &token, &over).await;
    assert_ne!(status, StatusCode::OK, "{body}");
    assert_eq!(error_code(&body), 9, "{body}");
    assert_eq!(body["error"]["error_subcode"], 2207042, "{body}");
    assert_eq!(publishing_quota(&c, &sb, &token).await.0, total);
}

#[tokio::test]
async fn comments_read_reply_hide_delete_and_turn_off() {
    let sb = start().await;
    let c = client();
    let token = mint(
        &sb,
        "instagram",
        DEMO_BUSINESS_USERNAME,
        &[BASIC, "instagram_business_manage_comments"],
    );
    let media = first_media(
        &c,
        &sb,
        &token,
        "id,comments_count,is_comment_enabled",
        "100",
        "a media with comments",
        |m| m["comments_count"].as_u64().is_some_and(|n| n >= 3) && m["is_comment_enabled"] == true,
    )
    .await;
    let media_id = media["id"].as_str().expect("id");
    let (status, _, thread) = get(
        &c,
        graph(
            &sb,
            &format!("v24.0/{media_id}/comments"),
            &token,
            &[
                (
                    "fields",
                    "id,text,username,timestamp,like_count,hidden,from,replies{id,text,parent_id}",
                ),
                ("limit", "100"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{thread}");
    let top = thread["data"].as_array().expect("data");
    let replies: usize = top
        .iter()
        .map(|t| t["replies"]["data"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(
        (top.len() + replies) as u64,
        media["comments_count"].as_u64().expect("count")
    );
    let first = &top[0];
    assert!(first["text"].is_string() && first["from"]["id"].is_string());
    assert!(first.get("parent_id").is_none());

    let target = top
        .iter()
        .find(|t| t["username"] != DEMO_BUSINESS_USERNAME)
        .expect("a comment by someone else");
    let cid = target["id"].as_str().expect("id").to_owned();
    let (status, body) = post_form(
        &c,
        graph(&sb, &format!("v24.0/{cid}/replies"), &token, &[]),
        &[("message", "Thanks for stopping by!")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let reply_id = body["id"].as_str().expect("id").to_owned();
    let (_, _, replies) = get(
        &c,
        graph(
            &sb,
            &format!("v24.0/{cid}/replies"),
            &token,
            &[("fields", "id,text,parent_id,username")],
        ),
    )
    .await;
    let mine = replies["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|r| r["id"] == reply_id.as_str())
        .expect("reply listed")
        .clone();
    assert_eq!(mine["parent_id"], cid.as_str());
    assert_eq!(mine["username"], DEMO_BUSINESS_USERNAME);

    let (_, body) = post_form(
        &c,
        graph(&sb, &format!("v24.0/{cid}"), &token, &[]),
        &[("hide", "true")],
    )
    .await;
    assert_eq!(body["success"], true);
    let (_, _, hidden) = get_fields(&c, &sb, &token, &cid, "hidden").await;
    assert_eq!(hidden["hidden"], true);

    let resp = c
        .delete(graph(&sb, &format!("v24.0/{cid}"), &token, &[]))
        .send()
        .await
        .expect("delete");
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, _, gone) = get(&c, graph(&sb, &format!("v24.0/{cid}"), &token, &[])).await;
    assert_eq!(error_code(&gone), 803);
    let (_, _, gone) = get(&c, graph(&sb, &format!("v24.0/{reply_id}"), &token, &[])).await;
    assert_eq!(error_code(&gone), 803, "replies go with their comment");

    let (_, body) = post_form(
        &c,
        graph(&sb, &format!("v24.0/{media_id}"), &token, &[]),
        &[("comment_enabled", "false")],
    )
    .await;
    assert_eq!(body["success"], true);
    let (_, body) = post_form(
        &c,
        graph(&sb, &format!("v24.0/{media_id}/comments"), &token, &[]),
        &[("message", "hi")],
    )
    .await;
    assert_eq!(error_code(&body), 100);
    let (_, _, m) = get_fields(
        &c,
        &sb,
        &token,
        media_id,
        "is_comment_enabled,comments.limit(1){id}",
    )
    .await;
    assert_eq!(m["is_comment_enabled"], false);
    assert_eq!(m["comments"]["data"].as_array().expect("data").len(), 1);

    let basic_only = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &[BASIC]);
    let (status, _, body) = get(
        &c,
        graph(&sb, &format!("v24.0/{media_id}/comments"), &basic_only, &[]),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), 10);
}

#[tokio::test]
async fn account_and_media_insights() {
    let sb = start().await;
    let c = client();
    let control = sb.control();
    let token = mint(
        &sb,
        "instagram",
        DEMO_BUSINESS_USERNAME,
        &[BASIC, "instagram_business_manage_insights"],
    );
    let now = control.now().timestamp();
    let since = (now - 7 * 86400).to_string();
    let until = now.to_string();
    let (status, _, series) = get(
        &c,
        graph(
            &sb,
            "v24.0/me/insights",
            &token,
            &[
                ("metric", "reach,follower_count"),
                ("period", "day"),
                ("since", &since),
                ("until", &until),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{series}");
    let data = series["data"].as_array().expect("data");
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["name"], "reach");
    assert_eq!(
        data[0]["id"],
        format!("{BUSINESS_IG_ID}/insights/reach/day")
    );
    let values = data[0]["values"].as_array().expect("values");
    assert!((7..=8).contains(&values.len()), "{}", values.len());
    assert!(values.iter().all(|v| {
        v["value"].is_u64()
            && v["end_time"]
                .as_str()
                .is_some_and(|t| t.ends_with("T07:00:00+0000"))
    }));
    assert!(series["paging"]["next"].is_string() && series["paging"]["previous"].is_string());
    // Same request, same numbers.
    let (_, _, again) = get(
        &c,
        graph(
            &sb,
            "v24.0/me/insights",
            &token,
            &[
                ("metric", "reach,follower_count"),
                ("period", "day"),
                ("since", &since),
                ("until", &until),
            ],
        ),
    )
    .await;
    assert_eq!(again["data"], series["data"]);

    let (_, _, totals) = get(
        &c,
        graph(
            &sb,
            "v24.0/me/insights",
            &token,
            &[
                ("metric", "likes,views"),
                ("metric_type", "total_value"),
                ("period", "day"),
                ("breakdown", "media_product_type"),
            ],
        ),
    )
    .await;
    let likes = &totals["data"][0]["total_value"];
    let parts: u64 = likes["breakdowns"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["value"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(Some(parts), likes["value"].as_u64());

    let (_, _, demo) = get(
        &c,
        graph(
            &sb,
            "v24.0/me/insights",
            &token,
            &[
                ("metric", "engaged_audience_demographics"),
                ("period", "lifetime"),
                ("timeframe", "this_month"),
                ("breakdown", "age"),
                ("metric_type", "total_value"),
            ],
        ),
    )
    .await;
    assert_eq!(
        demo["data"][0]["total_value"]["breakdowns"][0]["dimension_keys"][0],
        "age"
    );

    for bad in [
        vec![("metric", "impressions"), ("period", "day")],
        vec![
            ("metric", "reach"),
            ("period", "day"),
            ("since", "0"),
            ("until", &until),
        ],
        vec![
            ("metric", "engaged_audience_demographics"),
            ("period", "lifetime"),
            ("timeframe", "last_30_days"),
            ("breakdown", "age"),
        ],
    ] {
        let (status, _, body) = get(&c, graph(&sb, "v24.0/me/insights", &token, &bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad:?}");
        assert_eq!(error_code(&body), 100, "{bad:?}: {body}");
    }

    let reel = first_media(
        &c,
        &sb,
        &token,
        "id,media_product_type,like_count",
        "100",
        "reel",
        |m| m["media_product_type"] == "REELS",
    )
    .await;
    let rid = reel["id"].as_str().expect("id");
    let (status, _, mi) = get(
        &c,
        graph(
            &sb,
            &format!("v24.0/{rid}/insights"),
            &token,
            &[(
                "metric",
                "reach,likes,saved,shares,views,ig_reels_avg_watch_time",
            )],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{mi}");
    assert_eq!(mi["data"].as_array().expect("data").len(), 6);
    assert_eq!(mi["data"][0]["period"], "lifetime");
    let (_, _, body) = get(
        &c,
        graph(
            &sb,
            &format!("v24.0/{rid}/insights"),
            &token,
            &[("metric", "profile_visits")],
        ),
    )
    .await;
    assert_eq!(
        error_code(&body),
        100,
        "profile_visits is not a reels metric"
    );
    let (_, _, body) = get(
        &c,
        graph(
            &sb,
            &format!("v24.0/{rid}/insights"),
            &token,
            &[("metric", "plays")],
        ),
    )
    .await;
    assert_eq!(error_code(&body), 100, "plays is deprecated");

    let no_insights = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &[BASIC]);
    let (status, _, body) = get(
        &c,
        graph(
            &sb,
            "v24.0/me/insights",
            &no_insights,
            &[("metric", "reach")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), 10);
}

async fn send_dm(c: &Client, sb: &Sandbox, token: &str, body: Value) -> (StatusCode, Value) {
    let resp = c
        .post(at(sb, "v24.0/me/messages"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("sent");
    let status = resp.status();
    (status, resp.json().await.expect("json"))
}

#[tokio::test]
async fn conversations_messaging_windows_and_private_replies() {
    let sb = start().await;
    let c = client();
    let control = sb.control();
    let token = mint(
        &sb,
        "instagram",
        DEMO_BUSINESS_USERNAME,
        &[
            BASIC,
            "instagram_business_manage_messages",
            "instagram_business_manage_comments",
        ],
    );
    let (status, _, threads) = get(
        &c,
        graph(&sb, "v24.0/me/conversations", &token, &[("platform", "instagram"), ("fields", "id,updated_time,participants,messages.limit(100){id,created_time,from,to,message}")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{threads}");
    let threads = threads["data"].as_array().expect("data").clone();
    assert!(threads.len() >= 5);
    let updated: Vec<&str> = threads
        .iter()
        .map(|t| t["updated_time"].as_str().expect("time"))
        .collect();
    assert!(
        updated.windows(2).all(|w| w[0] >= w[1]),
        "most recent first"
    );

    let now = control.now();
    let last_inbound_age = |t: &Value| -> (String, chrono::Duration) {
        let person = t["participants"]["data"][1]["id"]
            .as_str()
            .expect("igsid")
            .to_owned();
        let newest = t["messages"]["data"]
            .as_array()
            .expect("messages")
            .iter()
            .find(|m| m["from"]["id"] == person.as_str())
            .expect("an inbound message")["created_time"]
            .as_str()
            .expect("time")
            .to_owned();
        let at =
            chrono::DateTime::parse_from_str(&newest, "%Y-%m-%dT%H:%M:%S%z").expect("graph time");
        (person, now - at.with_timezone(&chrono::Utc))
    };
    let mut fresh = None;
    let mut tagged = None;
    let mut stale = None;
    for t in &threads {
        let (person, age) = last_inbound_age(t);
        if age < chrono::Duration::hours(23) {
            fresh = Some(person);
        } else if age > chrono::Duration::hours(25) && age < chrono::Duration::days(6) {
            tagged = Some(person);
        } else if age > chrono::Duration::days(7) {
            stale = Some(person);
        }
    }
    let (fresh, tagged, stale) = (
        fresh.expect("fresh thread"),
        tagged.expect("tag thread"),
        stale.expect("stale thread"),
    );

    let (status, body) = send_dm(
        &c,
        &sb,
        &token,
        serde_json::json!({"recipient": {"id": fresh}, "message": {"text": "Hi there!"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["recipient_id"], fresh.as_str());
    let sent = body["message_id"].as_str().expect("message id").to_owned();
    let (_, _, msg) = get_fields(&c, &sb, &token, &sent, "id,created_time,from,to,message").await;
    assert_eq!(msg["message"], "Hi there!");
    assert_eq!(msg["from"]["username"], DEMO_BUSINESS_USERNAME);
    assert_eq!(msg["to"]["data"][0]["id"], fresh.as_str());

    let (status, body) = send_dm(
        &c,
        &sb,
        &token,
        serde_json::json!({"recipient": {"id": tagged}, "message": {"text": "Sorry for the wait"}}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), 10);
    assert_eq!(body["error"]["error_subcode"], 2534022);
    let (status, _) = send_dm(
        &c,
        &sb,
        &token,
        serde_json::json!({"recipient": {"id": tagged}, "message": {"text": "Sorry for the wait"}, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = send_dm(
        &c,
        &sb,
        &token,
        serde_json::json!({"recipient": {"id": stale}, "message": {"text": "late"}, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}),
    )
    .await;
    assert_eq!(
        error_code(&body),
        10,
        "beyond 7 days even the tag does not help"
    );

    // Only the 20 most recent messages of a thread can be read.
    let long = threads
        .iter()
        .find(|t| {
            t["messages"]["data"]
                .as_array()
                .is_some_and(|m| m.len() > 20)
        })
        .expect("a long thread");
    let oldest = long["messages"]["data"]
        .as_array()
        .expect("messages")
        .last()
        .expect("oldest")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (_, _, body) = get_fields(&c, &sb, &token, &oldest, "message").await;
    assert_eq!(error_code(&body), 100);

    // Live activity brings a fresh comment; it can get exactly one private reply.
    control.simulate_activity();
    let (_, _, newest) = get(
        &c,
        graph(
            &sb,
            "v24.0/me/media",
            &token,
            &[("limit", "1"), ("fields", "comments{id,timestamp}")],
        ),
    )
    .await;
    let comment = newest["data"][0]["comments"]["data"][0]["id"]
        .as_str()
        .expect("fresh comment")
        .to_owned();
    let (status, body) = send_dm(&c, &sb, &token, serde_json::json!({"recipient": {"comment_id": comment}, "message": {"text": "Sent you the details!"}})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["recipient_id"].is_string());
    let (_, body) = send_dm(
        &c,
        &sb,
        &token,
        serde_json::json!({"recipient": {"comment_id": comment}, "message": {"text": "again"}}),
    )
    .await;
    assert_eq!(error_code(&body), 10);

    let no_dm = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &[BASIC]);
    let (status, _, body) = get(
        &c,
        graph(
            &sb,
            "v24.0/me/conversations",
            &no_dm,
            &[("platform", "instagram")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), 10);
}

#[tokio::test]
async fn container_failure_switch_and_debug_token() {
    let sb = Sandbox::start(SandboxOptions {
        app_id: Some("555".into()),
        app_secret: Some("appsecret".into()),
        ..Default::default()
    })
    .await
    .expect("starts");
    let c = client();
    let control = sb.control();
    let token = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &[BASIC, PUBLISH]);
    let url = upload(&c, &sb, "ok.jpg", jpeg_of(1080, 1080)).await;
    let resp = c
        .post(at(&sb, "__sandbox/containers?fail=2207001"))
        .send()
        .await
        .expect("switch");
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, created) = post_form(
        &c,
        graph(&sb, "v24.0/me/media", &token, &[]),
        &[("image_url", &url)],
    )
    .await;
    let state = wait_container(&c, &sb, &token, created["id"].as_str().expect("id")).await;
    assert_eq!(state["status_code"], "ERROR");
    assert!(
        state["status"]
            .as_str()
            .is_some_and(|s| s.contains("2207001"))
    );
    control.set_container_failure(None);
    let (_, created) = post_form(
        &c,
        graph(&sb, "v24.0/me/media", &token, &[]),
        &[("image_url", &url)],
    )
    .await;
    let state = wait_container(&c, &sb, &token, created["id"].as_str().expect("id")).await;
    assert_eq!(state["status_code"], "FINISHED");

    let fb = mint(
        &sb,
        "facebook",
        "Alex Rivera",
        &["instagram_basic", "pages_show_list"],
    );
    let mut url = at(&sb, "facebook/v24.0/debug_token");
    url.query_pairs_mut()
        .append_pair("input_token", &fb)
        .append_pair("access_token", "555|appsecret");
    let (status, _, body) = get(&c, url).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["is_valid"], true);
    assert_eq!(body["data"]["type"], "USER");
    assert_eq!(
        body["data"]["scopes"],
        serde_json::json!(["instagram_basic", "pages_show_list"])
    );
    let mut url = at(&sb, "facebook/v24.0/debug_token");
    url.query_pairs_mut()
        .append_pair("input_token", &fb)
        .append_pair("access_token", "555|wrong");
    let (_, _, body) = get(&c, url).await;
    assert_eq!(error_code(&body), 190);
}

#[tokio::test]
async fn facebook_login_writes_use_facebook_scopes() {
    let sb = start().await;
    let c = client();
    let user = mint(
        &sb,
        "facebook",
        "Alex Rivera",
        &[
            "instagram_basic",
            "pages_show_list",
            "instagram_content_publish",
            "instagram_manage_comments",
            "instagram_manage_messages",
        ],
    );
    let (_, _, accounts) = get(&c, graph(&sb, "facebook/v24.0/me/accounts", &user, &[])).await;
    let page = accounts["data"][0].clone();
    let page_id = page["id"].as_str().expect("page id").to_owned();
    let page_token = page["access_token"]
        .as_str()
        .expect("page token")
        .to_owned();

    let url = upload(&c, &sb, "fb.jpg", jpeg_of(1080, 1080)).await;
    let (status, created) = post_form(
        &c,
        graph(
            &sb,
            &format!("facebook/v24.0/{BUSINESS_IG_ID}/media"),
            &page_token,
            &[],
        ),
        &[("image_url", &url), ("caption", "via FB")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let container = created["id"].as_str().expect("id").to_owned();
    let (status, body) = publish_facebook_container(&c, &sb, &page_token, &container).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Instagram-Login scope names mean nothing on the Facebook host.
    let wrong = mint(
        &sb,
        "facebook",
        "Alex Rivera",
        &["instagram_basic", "instagram_business_manage_comments"],
    );
    let (_, _, list) = get(
        &c,
        graph(
            &sb,
            &format!("facebook/v24.0/{BUSINESS_IG_ID}/media"),
            &wrong,
            &[("limit", "1")],
        ),
    )
    .await;
    let media_id = list["data"][0]["id"].as_str().expect("media").to_owned();
    let (status, _, body) = get(
        &c,
        graph(
            &sb,
            &format!("facebook/v24.0/{media_id}/comments"),
            &wrong,
            &[],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("instagram_manage_comments"))
    );

    let (status, _, threads) = get(
        &c,
        graph(
            &sb,
            &format!("facebook/v24.0/{page_id}/conversations"),
            &page_token,
            &[("platform", "instagram"), ("fields", "id,participants")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{threads}");
    assert!(!threads["data"].as_array().expect("data").is_empty());

    // One inbox behind both logins: a DM sent through the Page (Facebook Login) is in the
    // thread Instagram Login reads.
    let person = threads["data"]
        .as_array()
        .expect("data")
        .iter()
        .flat_map(|t| {
            t["participants"]["data"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|p| p["id"] != BUSINESS_IG_ID)
        .and_then(|p| p["id"].as_str().map(str::to_owned))
        .expect("a person in the threads");
    let (status, sent) = post_form(
        &c,
        graph(
            &sb,
            &format!("facebook/v24.0/{page_id}/messages"),
            &page_token,
            &[],
        ),
        &[
            ("recipient", &format!("{{\"id\":\"{person}\"}}")),
            ("message", "{\"text\":\"Sent from the Page\"}"),
            ("messaging_type", "MESSAGE_TAG"),
            ("tag", "HUMAN_AGENT"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let message_id = sent["message_id"].as_str().expect("message id").to_owned();
    let ig = mint(
        &sb,
        "instagram",
        DEMO_BUSINESS_USERNAME,
        &[
            "instagram_business_basic",
            "instagram_business_manage_messages",
        ],
    );
    let (_, _, read) = get_fields(&c, &sb, &ig, &message_id, "message").await;
    assert_eq!(read["message"], "Sent from the Page", "{read}");
    // Instagram-Login permission names mean nothing on the Facebook host.
    let (status, _, _) = get(
        &c,
        graph(
            &sb,
            &format!("facebook/v24.0/{page_id}/conversations"),
            &wrong,
            &[("platform", "instagram")],
        ),
    )
    .await;
    assert_ne!(status, StatusCode::OK);
}

#[tokio::test]
async fn product_tagging_on_facebook_login() {
    let sb = start().await;
    let c = client();
    let token = mint(
        &sb,
        "facebook",
        "Alex Rivera",
        &[
            "instagram_basic",
            "pages_show_list",
            "instagram_content_publish",
            "instagram_shopping_tag_products",
        ],
    );
    let fb = |path: &str| format!("facebook/v24.0/{path}");
    let (_, _, me) = get(
        &c,
        graph(
            &sb,
            &fb(BUSINESS_IG_ID),
            &token,
            &[("fields", "shopping_product_tag_eligibility")],
        ),
    )
    .await;
    assert_eq!(me["shopping_product_tag_eligibility"], true);
    let (_, _, catalogs) = get(
        &c,
        graph(
            &sb,
            &fb(&format!("{BUSINESS_IG_ID}/available_catalogs")),
            &token,
            &[],
        ),
    )
    .await;
    let catalog_id = catalogs["data"][0]["catalog_id"]
        .as_str()
        .expect("catalog")
        .to_owned();
    assert!(
        catalogs["data"][0]["product_count"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );

    let (status, _, found) = get(
        &c,
        graph(
            &sb,
            &fb(&format!("{BUSINESS_IG_ID}/catalog_product_search")),
            &token,
            &[("catalog_id", &catalog_id), ("q", "mug")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let hits = found["data"].as_array().expect("data");
    assert_eq!(hits.len(), 2);
    assert!(
        hits[0]["product_variants"]
            .as_array()
            .is_some_and(|v| !v.is_empty())
    );
    let product_id = hits[0]["product_id"].as_u64().expect("numeric product id");
    let image = c
        .get(hits[0]["image_url"].as_str().expect("image"))
        .send()
        .await
        .expect("product image");
    assert_eq!(image.headers()["content-type"], "image/jpeg");

    let url = upload(&c, &sb, "mug.jpg", jpeg_of(1080, 1080)).await;
    let tags = format!(r#"[{{"product_id":"{product_id}","x":0.5,"y":0.8}}]"#);
    let (status, created) = post_form(
        &c,
        graph(&sb, &fb(&format!("{BUSINESS_IG_ID}/media")), &token, &[]),
        &[("image_url", &url), ("product_tags", &tags)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let container = created["id"].as_str().expect("id").to_owned();
    let (_, published) = publish_facebook_container(&c, &sb, &token, &container).await;
    let media_id = published["id"].as_str().expect("media").to_owned();
    let (_, _, read) = get(
        &c,
        graph(&sb, &fb(&format!("{media_id}/product_tags")), &token, &[]),
    )
    .await;
    let tag = &read["data"][0];
    assert_eq!(tag["product_id"].as_u64(), Some(product_id));
    assert!((tag["y"].as_f64().expect("y") - 0.8).abs() < 1e-6);
    assert!(tag["price_string"].is_string());

    let other = hits[1]["product_id"].as_u64().expect("id");
    let (_, body) = post_form(
        &c,
        graph(&sb, &fb(&format!("{media_id}/product_tags")), &token, &[]),
        &[(
            "updated_tags",
            &format!(r#"[{{"product_id":{other},"x":0.2,"y":0.3}}]"#),
        )],
    )
    .await;
    assert_eq!(body["success"], true, "{body}");
    let (_, _, read) = get(
        &c,
        graph(&sb, &fb(&format!("{media_id}/product_tags")), &token, &[]),
    )
    .await;
    assert_eq!(read["data"].as_array().expect("data").len(), 2);
    let mut del = graph(&sb, &fb(&format!("{media_id}/product_tags")), &token, &[]);
    del.query_pairs_mut().append_pair(
        "deleted_tags",
        &format!(r#"[{{"product_id":"{other}","merchant_id":"90010000000001"}}]"#),
    );
    let resp = c.delete(del).send().await.expect("delete");
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, _, read) = get(
        &c,
        graph(&sb, &fb(&format!("{media_id}/product_tags")), &token, &[]),
    )
    .await;
    assert_eq!(read["data"].as_array().expect("data").len(), 1);

    // Bad coordinates, Instagram Login and a missing permission are refused.
    let bad_tags = format!(r#"[{{"product_id":"{product_id}","x":1.5,"y":0.8}}]"#);
    let (_, body) = post_form(
        &c,
        graph(&sb, &fb(&format!("{BUSINESS_IG_ID}/media")), &token, &[]),
        &[("image_url", &url), ("product_tags", &bad_tags)],
    )
    .await;
    assert_eq!(error_code(&body), 100);
    let ig = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &[BASIC, PUBLISH]);
    let (_, body) = post_form(
        &c,
        graph(&sb, "v24.0/me/media", &ig, &[]),
        &[("image_url", &url), ("product_tags", &tags)],
    )
    .await;
    assert_eq!(error_code(&body), 100);
    let plain = mint(
        &sb,
        "facebook",
        "Alex Rivera",
        &["instagram_basic", "pages_show_list"],
    );
    let (status, _, body) = get(
        &c,
        graph(
            &sb,
            &fb(&format!("{BUSINESS_IG_ID}/available_catalogs")),
            &plain,
            &[],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), 10);
}

#[tokio::test]
async fn collaborators_location_and_docs_style_lists() {
    let sb = start().await;
    let c = client();
    let token = mint(
        &sb,
        "facebook",
        "Alex Rivera",
        &[
            "instagram_basic",
            "pages_show_list",
            "instagram_content_publish",
        ],
    );
    let media = format!("facebook/v24.0/{BUSINESS_IG_ID}/media");
    let url = upload(&c, &sb, "collab.jpg", jpeg_of(1080, 1350)).await;
    let (status, created) = post_form(
        &c,
        graph(&sb, &media, &token, &[]),
        &[
            ("image_url", &url),
            ("collaborators", "['mira.makes','harbour.bakery']"),
            ("user_tags", "[{username:'baristaben',x:0.5,y:1.0}]"),
            ("location_id", "104000000000001"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let container = created["id"].as_str().expect("id").to_owned();
    let (_, published) = publish_facebook_container(&c, &sb, &token, &container).await;
    let id = published["id"].as_str().expect("media id").to_owned();
    let (_, _, collabs) = get(
        &c,
        graph(
            &sb,
            &format!("facebook/v24.0/{id}/collaborators"),
            &token,
            &[],
        ),
    )
    .await;
    let list = collabs["data"].as_array().expect("data");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["username"], "mira.makes");
    assert_eq!(list[0]["id"], "17841400000000002");
    assert_eq!(list[0]["invite_status"], "Pending");

    for (name, value) in [
        ("collaborators", "['a','b','c','d']"),
        ("collaborators", "['northwind.coffee']"),
        ("location_id", "Harbour Street"),
        ("user_tags", "[{username:'baristaben',x:2,y:0.5}]"),
    ] {
        let (_, body) = post_form(
            &c,
            graph(&sb, &media, &token, &[]),
            &[("image_url", &url), (name, value)],
        )
        .await;
        assert_eq!(error_code(&body), 100, "{name}={value}: {body}");
    }
}

#[tokio::test]
async fn reels_and_stories_publish_and_read_back() {
    let sb = start().await;
    let c = client();
    let token = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &[BASIC, PUBLISH]);
    // Enough of an MP4 for the sandbox's check: an `ftyp` box first.
    let mut mp4 = vec![0, 0, 0, 24];
    mp4.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
    mp4.extend_from_slice(&[0u8; 64]);
    let video_url = upload(&c, &sb, "reel.mp4", mp4.clone()).await;
    let (status, created) = post_form(
        &c,
        graph(&sb, "v24.0/me/media", &token, &[]),
        &[
            ("media_type", "REELS"),
            ("video_url", &video_url),
            ("caption", "Pour-over in 15 s"),
            ("share_to_feed", "true"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let state = wait_container(&c, &sb, &token, created["id"].as_str().expect("id")).await;
    assert_eq!(state["status_code"], "FINISHED");
    let (_, published) = media_publish(&c, &sb, &token, created["id"].as_str().expect("id")).await;
    let reel = published["id"].as_str().expect("reel id").to_owned();
    let (_, _, read) = get_fields(
        &c,
        &sb,
        &token,
        &reel,
        "media_type,media_product_type,media_url,thumbnail_url,permalink,is_shared_to_feed",
    )
    .await;
    assert_eq!(read["media_type"], "VIDEO");
    assert_eq!(read["media_product_type"], "REELS");
    assert_eq!(read["is_shared_to_feed"], true);
    assert!(
        read["permalink"]
            .as_str()
            .is_some_and(|p| p.contains("/reel/"))
    );
    let video = c
        .get(read["media_url"].as_str().expect("media_url"))
        .send()
        .await
        .expect("video");
    assert_eq!(video.headers()["content-type"], "video/mp4");
    assert_eq!(video.bytes().await.expect("bytes").as_ref(), mp4.as_slice());
    let cover = c
        .get(read["thumbnail_url"].as_str().expect("thumb"))
        .send()
        .await
        .expect("cover");
    assert_eq!(cover.headers()["content-type"], "image/jpeg");

    // Not an MP4: the container fails with 2207026.
    let not_video = upload(&c, &sb, "clip.mp4", b"definitely not a movie".to_vec()).await;
    let (_, created) = post_form(
        &c,
        graph(&sb, "v24.0/me/media", &token, &[]),
        &[("media_type", "REELS"), ("video_url", &not_video)],
    )
    .await;
    let state = wait_container(&c, &sb, &token, created["id"].as_str().expect("id")).await;
    assert_eq!(state["status_code"], "ERROR");
    assert!(
        state["status"]
            .as_str()
            .is_some_and(|s| s.contains("2207026"))
    );

    // A story (9:16 is fine for stories) lands on /stories, not /media.
    let story_url = upload(&c, &sb, "story.jpg", jpeg_of(540, 960)).await;
    let (_, created) = post_form(
        &c,
        graph(&sb, "v24.0/me/media", &token, &[]),
        &[("media_type", "STORIES"), ("image_url", &story_url)],
    )
    .await;
    let state = wait_container(&c, &sb, &token, created["id"].as_str().expect("id")).await;
    assert_eq!(state["status_code"], "FINISHED", "{state}");
    let (_, published) = media_publish(&c, &sb, &token, created["id"].as_str().expect("id")).await;
    let story = published["id"].as_str().expect("story id").to_owned();
    let (_, _, stories) = get(&c, graph(&sb, "v24.0/me/stories", &token, &[])).await;
    assert!(
        stories["data"]
            .as_array()
            .expect("data")
            .iter()
            .any(|s| s["id"] == story.as_str())
    );
    let (_, _, feed) = get(&c, graph(&sb, "v24.0/me/media", &token, &[("limit", "5")])).await;
    assert!(
        feed["data"]
            .as_array()
            .expect("data")
            .iter()
            .all(|m| m["id"] != story.as_str())
    );
    assert_eq!(feed["data"][0]["id"], reel.as_str());
}

#[tokio::test]
async fn nested_edge_next_links_continue_the_edge() {
    let sb = start().await;
    let c = client();
    let token = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &[BASIC]);
    let (status, _, me) = get(
        &c,
        graph(
            &sb,
            "v24.0/me",
            &token,
            &[("fields", "username,media.limit(3){id,caption}")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let first: Vec<String> = me["media"]["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(first.len(), 3);
    let next = me["media"]["paging"]["next"].as_str().expect("next link");
    let (_, _, page2) = get(&c, next).await;
    let second: Vec<&str> = page2["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|m| m["id"].as_str().expect("id"))
        .collect();
    assert_eq!(second.len(), 3);
    assert!(second.iter().all(|id| !first.iter().any(|f| f == id)));
    assert!(
        page2["data"][0]["caption"].is_string(),
        "the sub-selection carries over"
    );
    let (_, _, all) = get(&c, graph(&sb, "v24.0/me/media", &token, &[("limit", "6")])).await;
    let all: Vec<&str> = all["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|m| m["id"].as_str().expect("id"))
        .collect();
    assert_eq!(&all[3..], second.as_slice());
}

#[tokio::test]
async fn a_state_folder_keeps_the_world_across_restarts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = || SandboxOptions {
        state_dir: Some(dir.path().to_path_buf()),
        ..SandboxOptions::default()
    };
    let c = client();
    let publish_scopes = [BASIC, PUBLISH];

    let sb = Sandbox::start(options()).await.expect("starts");
    let token = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &publish_scopes);
    let photo = jpeg_of(1080, 1080);
    let image_url = upload(&c, &sb, "kept.jpg", photo.clone()).await;
    let (status, created) = post_form(
        &c,
        graph(&sb, "v24.0/me/media", &token, &[]),
        &[
            ("image_url", &image_url),
            ("caption", "Still here tomorrow"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let container = created["id"].as_str().expect("container id").to_owned();
    let done = wait_container(&c, &sb, &token, &container).await;
    assert_eq!(done["status_code"], "FINISHED", "{done}");
    let (status, published) = media_publish(&c, &sb, &token, &container).await;
    assert_eq!(status, StatusCode::OK, "{published}");
    let media_id = published["id"].as_str().expect("media id").to_owned();
    sb.shutdown().await;

    // A new process: new port, new tokens, same world.
    let sb = Sandbox::start(options()).await.expect("restarts");
    let token = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &publish_scopes);
    let (status, _, media) = get_fields(&c, &sb, &token, &media_id, "caption,media_url").await;
    assert_eq!(status, StatusCode::OK, "{media}");
    assert_eq!(media["caption"], "Still here tomorrow");
    let served = c
        .get(media["media_url"].as_str().expect("url"))
        .send()
        .await
        .expect("cdn")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(served.as_ref(), photo.as_slice(), "the upload survived");
    // A second upload gets a fresh key instead of overwriting the saved one.
    let other = upload(&c, &sb, "other.jpg", jpeg_of(1080, 1350)).await;
    let path = |u: &str| Url::parse(u).expect("url").path().to_owned();
    assert_ne!(path(&other), path(&image_url));
    sb.shutdown().await;

    // A damaged file is set aside and a fresh world starts.
    std::fs::write(dir.path().join("world.json"), "{ not json").expect("damage");
    let sb = Sandbox::start(options()).await.expect("starts anyway");
    let token = mint(&sb, "instagram", DEMO_BUSINESS_USERNAME, &publish_scopes);
    let (status, _, _) = get(&c, graph(&sb, &format!("v24.0/{media_id}"), &token, &[])).await;
    assert_ne!(status, StatusCode::OK, "the fresh world has no such post");
    assert!(dir.path().join("world.json.unreadable").exists());
}
