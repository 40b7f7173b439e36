//! The Graph client and the login flows end to end, over real HTTP, against the sandbox on
//! 127.0.0.1:0. No Meta, no mocks: the sandbox is a separate implementation of Meta's API.

use std::time::{Duration, Instant};

use socialdesk::auth::{
    self, AuthError, LoopbackOptions, PendingLogin, SandboxBrowser, SandboxDecision,
    default_scopes, needs_refresh,
};
use socialdesk::config::Endpoints;
use socialdesk::engine::protocol::AppCredentials;
use socialdesk::graph::{ErrorKind, GraphClient, RetryPolicy, Session, ThrottlePolicy};
use socialdesk::model::{LoginKind, MediaType};
use socialdesk::sandbox::{DEMO_BUSINESS_USERNAME, Sandbox, SandboxOptions};
use tokio::sync::mpsc;

use crate::support::basic_token;
use crate::support::wait::{PATIENCE, wait_until};

const SECRET: &str = "sandbox-app-secret";

async fn sandbox_with(options: SandboxOptions) -> (Sandbox, GraphClient) {
    let sb = Sandbox::start(options).await.expect("sandbox starts");
    let client = GraphClient::new(Endpoints::sandbox(&sb.url()))
        .expect("client")
        .with_retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
        .with_throttle(ThrottlePolicy {
            start_percent: 80,
            max_delay: Duration::from_millis(300),
            max_regain_wait: Duration::from_secs(2),
        });
    (sb, client)
}

async fn sandbox() -> (Sandbox, GraphClient) {
    sandbox_with(SandboxOptions {
        app_secret: Some(SECRET.into()),
        ..SandboxOptions::default()
    })
    .await
}

fn app(kind: LoginKind) -> AppCredentials {
    AppCredentials {
        kind,
        app_id: "990602627938098".into(),
        app_secret: SECRET.into(),
    }
}

/// A paste channel nobody writes to.
fn no_paste() -> mpsc::Receiver<String> {
    mpsc::channel(1).1
}

async fn start(client: &GraphClient, kind: LoginKind, https: bool) -> PendingLogin {
    PendingLogin::start(
        client,
        kind,
        &app(kind),
        LoopbackOptions { port: 0, https },
        default_scopes(kind),
    )
    .await
    .expect("login starts")
    .with_timeout(Duration::from_secs(20))
}

async fn login(
    client: &GraphClient,
    kind: LoginKind,
    browser: SandboxBrowser,
) -> Result<Vec<auth::ConnectedAccount>, AuthError> {
    let pending = start(client, kind, false).await;
    auth::Browser::open(&browser, &pending.authorize_url).expect("browser opens");
    pending.complete(no_paste()).await
}

fn browser() -> SandboxBrowser {
    SandboxBrowser::new(&socialdesk::graph::HttpClients::new().expect("http clients"))
        .expect("sandbox browser")
}

#[tokio::test]
async fn instagram_login_then_every_media_page() {
    let (sb, client) = sandbox().await;
    let accounts = login(&client, LoginKind::Instagram, browser())
        .await
        .expect("connected");
    assert_eq!(accounts.len(), 1);
    let connected = &accounts[0];
    assert_eq!(connected.account.username, DEMO_BUSINESS_USERNAME);
    assert_eq!(connected.account.login, LoginKind::Instagram);
    assert_eq!(connected.account.account_type.as_deref(), Some("Business"));
    assert!(connected.account.followers_count.is_some());
    let lifetime =
        connected.token.expires_at.expect("long-lived expiry") - connected.token.issued_at;
    assert!(
        lifetime > chrono::Duration::days(59),
        "long-lived token, got {lifetime}"
    );

    let requests = sb.control().requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    for step in [
        "/oauth/authorize",
        "/oauth/access_token",
        "/access_token",
        "/v24.0/me",
    ] {
        assert!(paths.contains(&step), "{step} missing from {paths:?}");
    }

    sb.control().clear_requests();
    let session = connected.token.session(Some(SECRET));
    let media = client.media(&session);
    let first = media
        .list(&connected.account.id)
        .limit(25)
        .send()
        .await
        .expect("first page");
    assert_eq!(first.items.len(), 25);
    assert!(first.has_more() && first.after.is_some());
    let second = media
        .list(&connected.account.id)
        .limit(25)
        .after(first.after.clone().expect("cursor"))
        .send()
        .await
        .expect("second page by cursor");
    assert_ne!(second.items[0].id, first.items[0].id);
    let all = media
        .list(&connected.account.id)
        .limit(25)
        .all(1000)
        .await
        .expect("all pages");
    assert!(all.len() >= 60, "only {} media", all.len());
    assert!(
        all.windows(2).all(|w| w[0].timestamp >= w[1].timestamp),
        "newest first"
    );
    assert!(
        all.iter().all(|m| m.preview_url().is_some()),
        "every media has a preview"
    );
    let carousel = all
        .iter()
        .find(|m| m.media_type == MediaType::CarouselAlbum)
        .expect("the demo feed has a carousel");
    assert!(
        carousel.children.len() >= 2,
        "children expanded in the list"
    );
    let children = media.children(&carousel.id).await.expect("children");
    assert_eq!(children, carousel.children);
    let one = media.get(&all[0].id).await.expect("one media");
    assert_eq!(one.id, all[0].id);

    // Token in the Authorization header with a proof; never in a Graph URL.
    let graph_calls: Vec<_> = sb
        .control()
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v24.0/"))
        .collect();
    assert!(graph_calls.len() >= 5);
    for r in &graph_calls {
        assert!(
            !r.query.contains("access_token"),
            "token in URL: {}",
            r.query
        );
        assert!(r.query.contains("appsecret_proof="));
        assert!(
            r.headers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case("authorization") && v.starts_with("Bearer ")),
            "no bearer header on {}",
            r.path
        );
    }
}

#[tokio::test]
async fn instagram_login_accepts_the_documented_wrapped_code_exchange() {
    let (_sb, client) = sandbox_with(SandboxOptions {
        wrapped_token_response: true,
        ..SandboxOptions::default()
    })
    .await;
    let accounts = login(&client, LoginKind::Instagram, browser())
        .await
        .expect("connected");
    assert_eq!(accounts[0].account.username, DEMO_BUSINESS_USERNAME);
}

#[tokio::test]
async fn facebook_login_reaches_the_linked_instagram_account() {
    let (sb, client) = sandbox().await;
    let accounts = login(&client, LoginKind::Facebook, browser())
        .await
        .expect("connected");
    assert!(!accounts.is_empty());
    let queries: Vec<String> = sb
        .control()
        .requests()
        .iter()
        .filter(|r| r.path == "/facebook/v24.0/oauth/access_token")
        .map(|r| r.query.clone())
        .collect();
    assert!(
        queries.iter().any(|q| q.contains("code=")),
        "code exchange: {queries:?}"
    );
    assert!(
        queries
            .iter()
            .any(|q| q.contains("grant_type=fb_exchange_token")),
        "long-lived exchange"
    );
    let business = accounts
        .iter()
        .find(|a| a.account.username == DEMO_BUSINESS_USERNAME)
        .expect("the Page-linked business account");
    assert_eq!(business.account.login, LoginKind::Facebook);
    assert!(business.account.page_id.is_some());
    assert_eq!(business.token.page_id, business.account.page_id);
    let session = business.token.session(Some(SECRET));
    let page = client
        .media(&session)
        .list(&business.account.id)
        .limit(10)
        .send()
        .await
        .expect("media via FB");
    assert_eq!(page.items.len(), 10);
    let renewed = auth::refresh_facebook(&client, &business.token, &app(LoginKind::Facebook))
        .await
        .expect("fb_exchange_token renews");
    assert_eq!(renewed.page_id, business.token.page_id);
    assert!(matches!(
        auth::refresh(&client, &business.token).await,
        Err(AuthError::RefreshUnsupported)
    ));
    let pages = client.pages(&session).accounts().await.expect("pages");
    assert!(
        pages.iter().any(|p| p.instagram_business_account.is_none()),
        "a Page without IG is listed too"
    );
}

/// A redirect with a forged state at the loopback listener is refused there and ends
/// nothing (anyone on the machine can reach the listener); the real one still connects.
#[tokio::test]
async fn a_forged_state_at_the_listener_is_ignored_and_the_real_callback_connects() {
    let (_sb, client) = sandbox().await;
    let pending = start(&client, LoginKind::Instagram, false).await;
    let forger = browser().tampering_state();
    let forged = forger
        .authorize(&pending.authorize_url)
        .await
        .expect("sandbox approves");
    let mut target = forged.clone();
    let _ = target.set_host(Some("127.0.0.1"));
    let refused = reqwest::get(target).await.expect("the listener answers");
    assert_eq!(refused.status(), reqwest::StatusCode::BAD_REQUEST);
    browser()
        .run(&pending.authorize_url)
        .await
        .expect("the real browser delivers");
    let accounts = pending
        .complete(no_paste())
        .await
        .expect("the real callback connects");
    assert_eq!(accounts[0].account.username, DEMO_BUSINESS_USERNAME);
}

/// A pasted redirect with a forged state ends the login: the user chose to paste it.
#[tokio::test]
async fn a_forged_state_pasted_is_rejected() {
    let (_sb, client) = sandbox().await;
    let pending = start(&client, LoginKind::Instagram, false).await;
    let forged = browser()
        .tampering_state()
        .authorize(&pending.authorize_url)
        .await
        .expect("sandbox approves");
    let (tx, rx) = mpsc::channel(1);
    tx.send(forged.to_string()).await.expect("paste");
    let err = pending.complete(rx).await.expect_err("forged state");
    assert!(matches!(err, AuthError::StateMismatch), "{err}");
    assert!(
        err.to_string()
            .contains("this response was not for this login")
    );
}

#[tokio::test]
async fn choosing_deny_is_reported_plainly() {
    let (_sb, client) = sandbox().await;
    let err = login(
        &client,
        LoginKind::Instagram,
        browser().with_decision(SandboxDecision::Deny),
    )
    .await
    .expect_err("denied");
    assert!(matches!(err, AuthError::Denied { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "You chose Deny in the Instagram window, nothing was connected; try again and choose Allow"
    );
}

#[tokio::test]
async fn a_pasted_redirect_with_hash_underscore_completes_the_login() {
    let (_sb, client) = sandbox().await;
    let pending = start(&client, LoginKind::Instagram, false).await;
    let redirect = browser()
        .authorize(&pending.authorize_url)
        .await
        .expect("sandbox approves");
    let mut pasted = redirect.to_string();
    if !pasted.ends_with("#_") {
        pasted.push_str("#_");
    }
    let (tx, rx) = mpsc::channel(1);
    tx.send(format!("  {pasted}\n")).await.expect("paste");
    let accounts = pending
        .complete(rx)
        .await
        .expect("connected from the pasted URL");
    assert_eq!(accounts[0].account.username, DEMO_BUSINESS_USERNAME);
}

#[tokio::test]
async fn https_loopback_serves_a_verifiable_self_signed_certificate() {
    let (_sb, client) = sandbox().await;
    let pending = start(&client, LoginKind::Instagram, true).await;
    assert_eq!(pending.redirect_uri.scheme(), "https");
    let cert =
        reqwest::Certificate::from_der(pending.certificate_der().expect("cert")).expect("der");
    let redirect = browser()
        .authorize(&pending.authorize_url)
        .await
        .expect("sandbox approves");
    assert!(
        redirect.as_str().starts_with(pending.redirect_uri.as_str()),
        "{redirect}"
    );
    let complete = tokio::spawn(pending.complete(no_paste()));
    // A browser that trusts exactly this certificate, resolving localhost to 127.0.0.1.
    let https = reqwest::Client::builder()
        .add_root_certificate(cert)
        .resolve("localhost", ([127, 0, 0, 1], 0).into())
        .build()
        .expect("client");
    let mut target = redirect.clone();
    target.set_fragment(None);
    let page = https
        .get(target)
        .send()
        .await
        .expect("TLS handshake verifies")
        .text()
        .await
        .expect("body");
    assert!(page.contains("You can close this tab and return to socialdesk"));
    let accounts = complete.await.expect("task").expect("connected over https");
    assert_eq!(accounts[0].account.username, DEMO_BUSINESS_USERNAME);
}

#[tokio::test]
async fn refresh_is_refused_before_24_hours_and_works_after() {
    let (sb, client) = sandbox().await;
    let accounts = login(&client, LoginKind::Instagram, browser())
        .await
        .expect("connected");
    let token = accounts[0].token.clone();
    let control = sb.control();
    assert!(!needs_refresh(
        token.issued_at,
        token.expires_at,
        control.now()
    ));
    let err = auth::refresh_at(&client, &token, control.now())
        .await
        .expect_err("too young");
    assert!(
        matches!(&err, AuthError::Graph(e) if e.kind == ErrorKind::InvalidParameter),
        "{err}"
    );

    control.advance_clock(Duration::from_hours(744));
    assert!(
        needs_refresh(token.issued_at, token.expires_at, control.now()),
        "past half-life"
    );
    let fresh = auth::refresh_at(&client, &token, control.now())
        .await
        .expect("refreshed");
    assert!(fresh.expires_at > token.expires_at);
    let me = client
        .users(&fresh.session(None))
        .me()
        .await
        .expect("fresh token works");
    assert_eq!(me.username, DEMO_BUSINESS_USERNAME);
}

#[tokio::test]
async fn an_expired_or_revoked_token_means_reconnect_and_is_not_retried() {
    let (sb, client) = sandbox().await;
    let control = sb.control();
    let token = basic_token(&sb);
    let session = Session::new(LoginKind::Instagram, token.clone());
    client
        .users(&session)
        .me()
        .await
        .expect("fresh token works");

    control.advance_clock(Duration::from_hours(1464));
    control.clear_requests();
    let err = client.users(&session).me().await.expect_err("expired");
    assert_eq!(err.kind, ErrorKind::TokenInvalid);
    assert_eq!(err.code, Some(190));
    assert!(err.to_string().contains("reconnect needed"));
    assert!(
        !err.to_string().contains(&token),
        "the token leaked into the message"
    );
    assert_eq!(control.requests().len(), 1, "190 is never retried");

    let (sb2, client2) = sandbox().await;
    let t2 = basic_token(&sb2);
    sb2.control().revoke_all_tokens();
    let err = client2
        .users(&Session::new(LoginKind::Instagram, t2))
        .me()
        .await
        .expect_err("revoked");
    assert!(err.is_reconnect_needed());
}

#[tokio::test]
async fn server_errors_are_retried_but_bad_parameters_are_not() {
    let (sb, client) = sandbox().await;
    let control = sb.control();
    let token = basic_token(&sb);
    let session = Session::new(LoginKind::Instagram, token.clone());

    control.set_fail_rate(1.0);
    control.clear_requests();
    let err = client
        .users(&session)
        .me()
        .await
        .expect_err("always failing");
    assert_eq!(err.kind, ErrorKind::Transient);
    assert_eq!(
        control.requests().len(),
        3,
        "retried up to the policy's 3 attempts"
    );

    control.set_fail_rate(0.0);
    control.clear_requests();
    client.users(&session).me().await.expect("recovered");
    assert_eq!(control.requests().len(), 1);

    // A wrong appsecret_proof is code 100: shown at once, never retried.
    control.clear_requests();
    let wrong = Session::new(LoginKind::Instagram, token).with_app_secret("not-the-secret");
    let err = client.users(&wrong).me().await.expect_err("bad proof");
    assert_eq!(err.kind, ErrorKind::InvalidParameter);
    assert_eq!(err.code, Some(100));
    assert_eq!(control.requests().len(), 1, "100 is never retried");
}

#[tokio::test]
async fn high_usage_slows_requests_and_throttling_returns_the_wait() {
    let (sb, client) = sandbox().await;
    let control = sb.control();
    let token = basic_token(&sb);
    let session = Session::new(LoginKind::Instagram, token);
    client.users(&session).me().await.expect("low usage");
    assert!(client.usage().max_percent < 80);

    control.set_usage(90, 4);
    let t = Instant::now();
    client.users(&session).me().await.expect("90 %");
    assert!(
        t.elapsed() < Duration::from_millis(150),
        "no pause before usage was known"
    );
    assert_eq!(client.usage().max_percent, 90);
    let t = Instant::now();
    client.users(&session).me().await.expect("still allowed");
    assert!(
        t.elapsed() >= Duration::from_millis(150),
        "expected a pause, took {:?}",
        t.elapsed()
    );

    // Throttled with a 15 minute estimate: longer than the policy allows to block, so the
    // error comes back at once with the wait instead of hammering or hanging.
    control.set_usage(100, 80002);
    client.users(&session).me().await.expect_err("throttled");
    control.clear_requests();
    let err = client.users(&session).me().await.expect_err("throttled");
    assert_eq!(
        err.kind,
        ErrorKind::RateLimited {
            retry_after: Some(Duration::from_mins(15))
        }
    );
    assert!(err.to_string().contains("15 min"), "{err}");
    assert_eq!(control.requests().len(), 1);
    assert_eq!(client.usage().regain_access_minutes, 15);
}

#[tokio::test]
async fn a_pasted_dashboard_token_connects_without_a_secret() {
    let (sb, client) = sandbox().await;
    let control = sb.control();
    let ig = control
        .mint_token(
            "instagram",
            DEMO_BUSINESS_USERNAME,
            default_scopes(LoginKind::Instagram),
        )
        .expect("minted");
    let accounts = auth::connect_with_token(&client, LoginKind::Instagram, &format!(" {ig} "))
        .await
        .expect("IG token");
    assert_eq!(accounts[0].account.username, DEMO_BUSINESS_USERNAME);
    assert_eq!(accounts[0].token.expires_at, None);

    let fb = control
        .mint_token(
            "facebook",
            DEMO_BUSINESS_USERNAME,
            default_scopes(LoginKind::Facebook),
        )
        .expect("minted");
    let accounts = auth::connect_with_token(&client, LoginKind::Facebook, &fb)
        .await
        .expect("FB token");
    assert!(
        accounts
            .iter()
            .any(|a| a.account.username == DEMO_BUSINESS_USERNAME && a.account.page_id.is_some())
    );
}

#[tokio::test]
async fn a_login_times_out_and_dropping_it_closes_the_listener() {
    let (_sb, client) = sandbox().await;
    let pending = start(&client, LoginKind::Instagram, false)
        .await
        .with_timeout(Duration::from_millis(200));
    let err = pending
        .complete(no_paste())
        .await
        .expect_err("nobody answered");
    assert!(matches!(err, AuthError::TimedOut(_)), "{err}");
    assert!(err.to_string().contains("start the login again"));

    let pending = start(&client, LoginKind::Instagram, false).await;
    let port = pending.redirect_uri.port().expect("port");
    let url = format!("http://127.0.0.1:{port}/callback");
    assert!(reqwest::get(&url).await.is_ok(), "listening while pending");
    drop(pending);
    wait_until(
        "the cancelled login's listener to close",
        PATIENCE,
        || async { reqwest::get(&url).await.is_err() },
    )
    .await;
}
