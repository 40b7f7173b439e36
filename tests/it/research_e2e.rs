//! Hashtag Search and Business Discovery in the sandbox, over real HTTP with raw reqwest and
//! serde_json (never the socialdesk client): the documented shapes, limits and errors,
//! including the 30-unique-hashtags-per-7-days budget across the boundary on the sandbox
//! clock.

use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::Value;
use socialdesk::sandbox::{Sandbox, SandboxOptions};

const IG: &str = "17841400000000001";

struct Fb {
    sb: Sandbox,
    c: Client,
    token: String,
}

impl Fb {
    async fn start() -> Self {
        let sb = Sandbox::start(SandboxOptions::default())
            .await
            .expect("sandbox starts");
        let token = sb
            .control()
            .mint_token(
                "facebook",
                "Alex Rivera",
                &["instagram_basic", "pages_show_list"],
            )
            .expect("token");
        Self {
            sb,
            c: Client::new(),
            token,
        }
    }

    async fn get_on(&self, host: &str, path: &str, params: &[(&str, &str)]) -> (StatusCode, Value) {
        let mut url = self
            .sb
            .url()
            .join(&format!("{host}v24.0/{path}"))
            .expect("url");
        url.query_pairs_mut()
            .append_pair("access_token", &self.token)
            .extend_pairs(params);
        let resp = self.c.get(url).send().await.expect("sent");
        let status = resp.status();
        let body = resp.json().await.expect("json body");
        (status, body)
    }

    async fn get(&self, path: &str, params: &[(&str, &str)]) -> (StatusCode, Value) {
        self.get_on("facebook/", path, params).await
    }

    async fn search(&self, q: &str) -> (StatusCode, Value) {
        self.get("ig_hashtag_search", &[("user_id", IG), ("q", q)])
            .await
    }

    async fn hashtag_id(&self, q: &str) -> String {
        let (status, body) = self.search(q).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"][0]["id"].as_str().expect("id").to_owned()
    }
}

fn error_code(body: &Value) -> (i64, Option<i64>) {
    (
        body["error"]["code"].as_i64().unwrap_or(-1),
        body["error"]["error_subcode"].as_i64(),
    )
}

#[tokio::test]
async fn hashtag_search_node_and_media_edges() {
    let fb = Fb::start().await;
    let (status, body) = fb
        .get(
            "ig_hashtag_search",
            &[("user_id", IG), ("q", "#Coffee"), ("fields", "id,name")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["data"][0]["id"].as_str().expect("id").to_owned();
    assert_eq!(body["data"][0]["name"], "coffee");
    // Ids are static and global.
    assert_eq!(fb.hashtag_id("coffee").await, id);

    let (_, node) = fb.get(&id, &[("fields", "id,name")]).await;
    assert_eq!(node["name"], "coffee", "{node}");

    let fields = "id,caption,media_type,media_url,permalink,timestamp,like_count,comments_count";
    let (status, recent) = fb
        .get(
            &format!("{id}/recent_media"),
            &[("user_id", IG), ("fields", fields), ("limit", "80")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{recent}");
    let data = recent["data"].as_array().expect("data");
    assert_eq!(data.len(), 50, "at most 50 per page");
    assert!(recent["paging"]["cursors"]["after"].is_string());
    assert!(
        recent["paging"]["cursors"].get("before").is_none(),
        "only an after cursor: {}",
        recent["paging"]
    );
    let now = fb.sb.control().now();
    for m in data {
        let t = chrono::DateTime::parse_from_str(
            m["timestamp"].as_str().expect("timestamp"),
            "%Y-%m-%dT%H:%M:%S%z",
        )
        .expect("graph time");
        assert!(now.signed_duration_since(t) <= chrono::Duration::hours(24));
        assert!(m["caption"].as_str().is_some_and(|c| c.contains("#coffee")));
        assert!(m.get("username").is_none());
    }
    // The media's picture is on the CDN.
    let url = data[0]["media_url"].as_str().expect("media_url");
    let img = fb.c.get(url).send().await.expect("cdn");
    assert_eq!(img.status(), StatusCode::OK);

    // The next page follows from the `next` URL.
    let next = recent["paging"]["next"].as_str().expect("next");
    let page2: Value =
        fb.c.get(next)
            .send()
            .await
            .expect("next")
            .json()
            .await
            .expect("json");
    let ids2: Vec<&str> = page2["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert!(!ids2.is_empty());
    assert!(ids2.iter().all(|i| data.iter().all(|m| m["id"] != *i)));

    let (status, top) = fb
        .get(
            &format!("{id}/top_media"),
            &[("user_id", IG), ("fields", "id,like_count,timestamp")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{top}");
    let likes: Vec<u64> = top["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|m| m["like_count"].as_u64())
        .collect();
    assert_eq!(likes.len(), 25, "default page of 25");
    assert!(likes.windows(2).all(|w| w[0] >= w[1]), "most popular first");

    // What is documented as refused.
    let (status, body) = fb
        .get(&format!("{id}/top_media"), &[("fields", "id")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("user_id")
    );
    let (_, body) = fb
        .get(
            &format!("{id}/recent_media"),
            &[("user_id", IG), ("fields", "id,username")],
        )
        .await;
    assert_eq!(error_code(&body).0, 100, "{body}");
    let (_, body) = fb.search("coffee☕").await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("Emoji"),
        "{body}"
    );
    let (_, body) = fb.get("ig_hashtag_search", &[("user_id", IG)]).await;
    assert_eq!(error_code(&body).0, 100, "{body}");
    // A hashtag Meta deems sensitive: a generic error.
    let (_, body) = fb.search("nsfw").await;
    assert_eq!(error_code(&body).0, 1, "{body}");
    // user_id must be an account this token acts for.
    let (_, body) = fb
        .get(
            "ig_hashtag_search",
            &[("user_id", "17841400000000002"), ("q", "coffee")],
        )
        .await;
    assert_eq!(error_code(&body).0, 100, "{body}");

    // Facebook Login only: the Instagram host has no such node.
    let (status, body) = fb
        .get_on("", "ig_hashtag_search", &[("user_id", IG), ("q", "coffee")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn thirty_unique_hashtags_in_a_rolling_week_measured_on_the_sandbox_clock() {
    let fb = Fb::start().await;
    for i in 0..29 {
        fb.hashtag_id(&format!("tag{i}")).await;
    }
    fb.sb.control().advance_clock(Duration::from_hours(48));
    fb.hashtag_id("tag29").await;
    let (_, recent) = fb
        .get(
            &format!("{IG}/recently_searched_hashtags"),
            &[("fields", "id,name")],
        )
        .await;
    assert_eq!(
        recent["data"].as_array().map(Vec::len),
        Some(25),
        "{recent}"
    );
    let (_, recent) = fb
        .get(
            &format!("{IG}/recently_searched_hashtags"),
            &[("limit", "100")],
        )
        .await;
    assert_eq!(
        recent["data"].as_array().map(Vec::len),
        Some(30),
        "at most 30 per page"
    );

    // The 31st is refused; a hashtag already counted stays free and keeps its timer.
    let (status, body) = fb.search("onemore").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body).0, 24, "{body}");
    fb.hashtag_id("tag3").await;

    // Five days later the first 29 are 7 days old: their slots free, tag29's does not.
    fb.sb.control().advance_clock(Duration::from_mins(7199));
    let (_, body) = fb.search("onemore").await;
    assert_eq!(error_code(&body).0, 24, "still inside the week: {body}");
    fb.sb.control().advance_clock(Duration::from_mins(2));
    fb.hashtag_id("onemore").await;
    let (_, recent) = fb
        .get(
            &format!("{IG}/recently_searched_hashtags"),
            &[("fields", "name"), ("limit", "30")],
        )
        .await;
    let names: Vec<&str> = recent["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|h| h["name"].as_str())
        .collect();
    assert_eq!(names, ["tag29", "onemore"]);
}

#[tokio::test]
async fn business_discovery_profiles_media_and_documented_errors() {
    let fb = Fb::start().await;
    let fields = "business_discovery.username(harbour.bakery){followers_count,media_count,username,name,biography,profile_picture_url,website,media.limit(5){caption,like_count,comments_count,timestamp,media_type,permalink,children{media_url}}}";
    let (status, body) = fb.get(IG, &[("fields", fields)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], IG);
    let bd = &body["business_discovery"];
    assert_eq!(bd["username"], "harbour.bakery");
    assert!(bd["id"].as_str().is_some_and(|i| i != IG));
    assert!(bd["followers_count"].as_u64().unwrap_or(0) > 1000);
    let media = bd["media"]["data"].as_array().expect("media");
    assert_eq!(media.len(), 5);
    assert!(media.iter().all(|m| m["comments_count"].is_u64()));
    assert!(bd["media_count"].as_u64().unwrap_or(0) > 5);
    let after = bd["media"]["paging"]["cursors"]["after"]
        .as_str()
        .expect("after");
    let (_, page2) = fb
        .get(
            IG,
            &[(
                "fields",
                &format!("business_discovery.username(harbour.bakery){{media.after({after}).limit(5){{id}}}}"),
            )],
        )
        .await;
    let ids2: Vec<&Value> = page2["business_discovery"]["media"]["data"]
        .as_array()
        .expect("page 2")
        .iter()
        .map(|m| &m["id"])
        .collect();
    assert_eq!(ids2.len(), 5);
    assert!(ids2.iter().all(|i| media.iter().all(|m| &&m["id"] != i)));
    let pic = bd["profile_picture_url"].as_str().expect("picture");
    assert_eq!(
        fb.c.get(pic).send().await.expect("cdn").status(),
        StatusCode::OK
    );

    // A creator who hides likes on some posts: like_count left out there.
    let (_, body) = fb
        .get(
            IG,
            &[(
                "fields",
                "business_discovery.username(kenji.makes){media.limit(60){like_count}}",
            )],
        )
        .await;
    let media = body["business_discovery"]["media"]["data"]
        .as_array()
        .expect("media");
    assert!(
        media.iter().any(|m| m.get("like_count").is_none()),
        "{body}"
    );
    assert!(media.iter().any(|m| m.get("like_count").is_some()));

    // Unknown, personal and age-gated accounts: "cannot find user".
    for name in ["no.such.account", "jamie.weekends", "afterdark.brewing"] {
        let (status, body) = fb
            .get(
                IG,
                &[(
                    "fields",
                    &format!("business_discovery.username({name}){{followers_count}}"),
                )],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert_eq!(error_code(&body), (110, Some(2_207_013)), "{name}: {body}");
    }
    // Fields that are not public.
    let (_, body) = fb
        .get(
            IG,
            &[(
                "fields",
                "business_discovery.username(harbour.bakery){account_type}",
            )],
        )
        .await;
    assert_eq!(error_code(&body).0, 100, "{body}");
    // Facebook Login only.
    let ig_token = fb
        .sb
        .control()
        .mint_token(
            "instagram",
            "northwind.coffee",
            &["instagram_business_basic"],
        )
        .expect("token");
    let mut url = fb.sb.url().join("v24.0/me").expect("url");
    url.query_pairs_mut()
        .append_pair("access_token", &ig_token)
        .append_pair("fields", "business_discovery.username(harbour.bakery){id}");
    let body: Value =
        fb.c.get(url)
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
    assert_eq!(error_code(&body).0, 100, "{body}");
}

/// The engine over the client against the sandbox, on the sandbox clock: the local budget
/// refuses the 31st unique hashtag before Meta is called, says when a slot frees, and lets
/// it through once the first hashtag is 7 days old; re-searching is free.
#[tokio::test]
async fn the_engine_keeps_the_budget_locally_and_frees_a_slot_after_seven_days() {
    use socialdesk::engine::research::ResearchError;
    use socialdesk::graph::hashtags::HashtagEdge;
    use socialdesk::model::LoginKind;

    let w = crate::support::WorldSetup {
        sandbox_clock: true,
        ..Default::default()
    }
    .start()
    .await;
    let account = w.connect_demo_business(LoginKind::Facebook, &[]).await;

    let first = w
        .core
        .search_hashtag(&account, "#Coffee", HashtagEdge::Top, 10)
        .await
        .expect("search");
    assert_eq!(first.name, "coffee");
    assert_eq!(first.media.len(), 10);
    assert!(first.media.iter().all(|m| m.like_count.is_some()));
    assert_eq!(first.budget.used(), 1);
    let recent = w
        .core
        .search_hashtag(&account, "coffee", HashtagEdge::Recent, 60)
        .await
        .expect("recent");
    assert_eq!(recent.media.len(), 60, "two pages of 50 at most");
    assert_eq!(recent.budget.used(), 1, "re-searching is free");

    w.sandbox.control().advance_clock(Duration::from_hours(1));
    for i in 1..30 {
        w.core
            .search_hashtag(&account, &format!("tag{i}"), HashtagEdge::Top, 1)
            .await
            .expect("within the budget");
    }
    let calls_before = w.sandbox.control().requests().len();
    let refused = w
        .core
        .search_hashtag(&account, "onemore", HashtagEdge::Top, 1)
        .await
        .expect_err("the 31st is refused");
    let ResearchError::BudgetSpent { next_free, .. } = &refused else {
        panic!("refused locally: {refused}");
    };
    assert_eq!(
        w.sandbox.control().requests().len(),
        calls_before,
        "Meta was not called"
    );
    assert_eq!(
        *next_free,
        first.budget.counted[0].first_searched_at + chrono::Duration::days(7)
    );
    assert!(
        refused.to_string().contains("the next slot frees up"),
        "{refused}"
    );
    // An already counted hashtag still works.
    w.core
        .search_hashtag(&account, "tag5", HashtagEdge::Top, 1)
        .await
        .expect("counted hashtags stay free");

    // Across the boundary: #coffee's slot frees (the other 29 are an hour younger).
    w.sandbox
        .control()
        .advance_clock(Duration::from_mins(10021));
    let ok = w
        .core
        .search_hashtag(&account, "onemore", HashtagEdge::Top, 1)
        .await
        .expect("a slot freed");
    assert_eq!(ok.budget.used(), 30);
    assert!(!ok.budget.is_counted("coffee"));
    let refused = w
        .core
        .search_hashtag(&account, "another", HashtagEdge::Top, 1)
        .await
        .expect_err("full again");
    assert!(
        matches!(refused, ResearchError::BudgetSpent { .. }),
        "{refused}"
    );
}

/// Hashtags searched elsewhere (another tool on the same account) join the local budget
/// when it is synced with Meta's `recently_searched_hashtags`.
#[tokio::test]
async fn the_budget_syncs_with_hashtags_searched_elsewhere() {
    use socialdesk::graph::hashtags::HashtagEdge;
    use socialdesk::model::LoginKind;

    let w = crate::support::world_without_login().await;
    let account = w.connect_demo_business(LoginKind::Facebook, &[]).await;
    w.core
        .search_hashtag(&account, "coffee", HashtagEdge::Top, 1)
        .await
        .expect("search");
    let token = w
        .sandbox
        .control()
        .mint_token("facebook", "Alex Rivera", &["instagram_basic"])
        .expect("token");
    for q in ["elsewhere", "coffee"] {
        let url = w
            .sandbox
            .url()
            .join(&format!(
                "facebook/v24.0/ig_hashtag_search?user_id={IG}&q={q}&access_token={token}"
            ))
            .expect("url");
        assert!(reqwest::get(url).await.expect("sent").status().is_success());
    }
    assert_eq!(
        w.core
            .hashtag_budget(&account.id)
            .await
            .expect("local")
            .used(),
        1
    );
    let synced = w.core.sync_hashtag_budget(&account).await.expect("synced");
    let names: Vec<&str> = synced.counted.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["coffee", "elsewhere"]);
}

#[tokio::test]
async fn the_engine_discovers_competitors_and_words_the_errors() {
    use socialdesk::model::LoginKind;

    let w = crate::support::world_without_login().await;
    let account = w.connect_demo_business(LoginKind::Facebook, &[]).await;
    let found = w
        .core
        .discover_account(&account, "@bluedoor.coffee")
        .await
        .expect("discovered");
    assert_eq!(found.username, "bluedoor.coffee");
    assert!(found.followers_count.unwrap_or(0) > 20_000);
    assert_eq!(found.media.len(), 12);
    assert!(found.media.iter().all(|m| m.comments_count.is_some()));
    for name in ["jamie.weekends", "nobody.here"] {
        let e = w
            .core
            .discover_account(&account, name)
            .await
            .expect_err("not discoverable");
        let text = e.to_string();
        assert!(
            text.contains(&format!("@{name} cannot be looked up"))
                && text.contains("personal account"),
            "{text}"
        );
    }
    // Instagram Login: refused before any call, with the fix.
    let ig = w.connect_demo_business(LoginKind::Instagram, &[]).await;
    let e = w
        .core
        .discover_account(&ig, "bluedoor.coffee")
        .await
        .expect_err("needs Facebook Login");
    assert!(e.to_string().contains("Facebook Login"), "{e}");
}
