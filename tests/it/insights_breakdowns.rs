//! Insights breakdowns end to end: the sandbox over raw HTTP (seed 004's shapes and errors),
//! the engine's Breakdowns section against it (and its cache), `insights breakdown` as a
//! process, and the Insights tab's Breakdowns section clicked open as a person does.

use std::path::PathBuf;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use reqwest::Client;
use serde_json::Value;
use socialdesk::engine::Command;
use socialdesk::engine::insights::InsightsCommand;
use socialdesk::model::Account;
use socialdesk::sandbox::{DEMO_BUSINESS_USERNAME, Sandbox, SandboxOptions};
use socialdesk::ui::TabContext;
use socialdesk::ui::insights::InsightsTab;
use socialdesk::ui::insights_export::SaveDialog;
use socialdesk::ui::pending::Pending;
use socialdesk::ui::textures::Textures;

use crate::support::cli::{socialdesk, stderr, stdout};

const SCOPES: &[&str] = &[
    "instagram_business_basic",
    "instagram_business_manage_insights",
];

async fn get(sb: &Sandbox, path: &str, token: &str, query: &[(&str, &str)]) -> Value {
    let mut url = sb.url().join(path).expect("path");
    url.query_pairs_mut()
        .append_pair("access_token", token)
        .extend_pairs(query);
    Client::new()
        .get(url)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json")
}

/// The first of the account's media (or stories) of `product`.
async fn media_of(sb: &Sandbox, token: &str, edge: &str, product: &str) -> String {
    let list = get(
        sb,
        &format!("v24.0/me/{edge}"),
        token,
        &[("fields", "id,media_product_type"), ("limit", "50")],
    )
    .await;
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|m| m["media_product_type"] == product)
        .and_then(|m| m["id"].as_str())
        .unwrap_or_else(|| panic!("a {product} in {list}"))
        .to_owned()
}

fn results(item: &Value) -> Vec<(Vec<String>, u64)> {
    item["total_value"]["breakdowns"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let values = r["dimension_values"]
                .as_array()
                .expect("values")
                .iter()
                .map(|v| v.as_str().expect("text").to_owned())
                .collect();
            (values, r["value"].as_u64().expect("count"))
        })
        .collect()
}

#[tokio::test]
async fn sandbox_breaks_down_as_seed_004_documents() {
    let sb = Sandbox::start(SandboxOptions::default())
        .await
        .expect("starts");
    let t = sb
        .control()
        .mint_token("instagram", DEMO_BUSINESS_USERNAME, SCOPES)
        .expect("token");
    let post = media_of(&sb, &t, "media", "FEED").await;
    let story = media_of(&sb, &t, "stories", "STORY").await;

    // A post's profile activity by action type: the parts add up to the total.
    let v = get(
        &sb,
        &format!("v24.0/{post}/insights"),
        &t,
        &[("metric", "profile_activity"), ("breakdown", "action_type")],
    )
    .await;
    let item = &v["data"][0];
    assert_eq!(item["period"], "lifetime", "{v}");
    assert_eq!(
        item["id"],
        format!("{post}/insights/profile_activity/lifetime")
    );
    assert_eq!(
        item["total_value"]["breakdowns"][0]["dimension_keys"],
        serde_json::json!(["action_type"])
    );
    let rows = results(item);
    let total = item["total_value"]["value"].as_u64().expect("total");
    assert!(total > 0, "{v}");
    assert_eq!(rows.iter().map(|r| r.1).sum::<u64>(), total);
    assert_eq!(item["values"][0]["value"].as_u64(), Some(total));
    let documented = [
        "bio_link_clicked",
        "call",
        "direction",
        "email",
        "text",
        "other",
    ];
    assert!(
        rows.iter()
            .all(|(k, _)| documented.contains(&k[0].as_str())),
        "{v}"
    );

    // A story's navigation by type.
    let v = get(
        &sb,
        &format!("v24.0/{story}/insights"),
        &t,
        &[
            ("metric", "navigation"),
            ("breakdown", "story_navigation_action_type"),
        ],
    )
    .await;
    let rows = results(&v["data"][0]);
    let kinds: Vec<&str> = rows.iter().map(|(k, _)| k[0].as_str()).collect();
    assert!(kinds.contains(&"tap_forward"), "{v}");
    assert!(
        kinds
            .iter()
            .all(|k| ["tap_forward", "tap_back", "tap_exit", "swipe_forward"].contains(k))
    );

    // An incompatible metric is Meta's documented "unknown error" (code 1)…
    let v = get(
        &sb,
        &format!("v24.0/{post}/insights"),
        &t,
        &[("metric", "reach"), ("breakdown", "action_type")],
    )
    .await;
    assert_eq!(v["error"]["code"], 1, "{v}");
    assert_eq!(v["error"]["message"], "An unknown error has occurred.");
    assert!(
        v["error"]["error_user_msg"]
            .as_str()
            .is_some_and(|m| m.contains("action_type")),
        "{v}"
    );
    // …navigation does not exist on a post at all, and an unknown breakdown is a code 100.
    let v = get(
        &sb,
        &format!("v24.0/{post}/insights"),
        &t,
        &[
            ("metric", "navigation"),
            ("breakdown", "story_navigation_action_type"),
        ],
    )
    .await;
    assert_eq!(v["error"]["code"], 100, "{v}");
    let v = get(
        &sb,
        &format!("v24.0/{post}/insights"),
        &t,
        &[("metric", "profile_activity"), ("breakdown", "age")],
    )
    .await;
    assert_eq!(v["error"]["code"], 100, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .expect("message")
            .contains("action_type")
    );

    // The audience by age and gender together: one row per pair.
    let v = get(
        &sb,
        "v24.0/me/insights",
        &t,
        &[
            ("metric", "follower_demographics"),
            ("period", "lifetime"),
            ("metric_type", "total_value"),
            ("timeframe", "this_month"),
            ("breakdown", "age,gender"),
        ],
    )
    .await;
    let item = &v["data"][0];
    assert_eq!(
        item["total_value"]["breakdowns"][0]["dimension_keys"],
        serde_json::json!(["age", "gender"]),
        "{v}"
    );
    let rows = results(item);
    assert_eq!(rows.len(), 7 * 3);
    assert!(
        rows.iter()
            .any(|(k, _)| k == &["25-34".to_owned(), "F".to_owned()])
    );
    // Older timeframes are refused with Meta's wording.
    let v = get(
        &sb,
        "v24.0/me/insights",
        &t,
        &[
            ("metric", "follower_demographics"),
            ("period", "lifetime"),
            ("metric_type", "total_value"),
            ("timeframe", "last_30_days"),
            ("breakdown", "age"),
        ],
    )
    .await;
    assert!(
        v["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("no longer supported"),
        "{v}"
    );

    // Profile link taps by contact button.
    let v = get(
        &sb,
        "v24.0/me/insights",
        &t,
        &[
            ("metric", "profile_links_taps"),
            ("period", "day"),
            ("metric_type", "total_value"),
            ("breakdown", "contact_button_type"),
        ],
    )
    .await;
    let item = &v["data"][0];
    let total = item["total_value"]["value"].as_u64().expect("total");
    assert_eq!(results(item).iter().map(|r| r.1).sum::<u64>(), total, "{v}");
}

#[tokio::test]
async fn the_engine_sums_breakdowns_and_caches_them() {
    let w = crate::support::world_without_login().await;
    let (account, token) = w.connect_instagram(DEMO_BUSINESS_USERNAME, SCOPES).await;
    let set = w.core.fetch_breakdowns(&account).await.expect("breakdowns");
    assert!(set.notes.is_empty(), "{:?}", set.notes);
    assert!(set.posts > 0 && set.stories > 0, "{set:?}");
    assert!(
        set.profile_actions
            .iter()
            .any(|(k, _)| k == "BIO_LINK_CLICKED"),
        "{set:?}"
    );
    assert!(
        set.story_navigation.iter().any(|(k, _)| k == "TAP_FORWARD"),
        "{set:?}"
    );
    assert_eq!(set.age_gender.len(), 21);
    assert!(!set.engaged_cities.is_empty() && set.engaged_cities.len() <= 10);
    assert!(!set.contact_buttons.is_empty());

    // The story sum is what the sandbox serves for each story.
    let stories = get(&w.sandbox, "v24.0/me/stories", &token, &[("fields", "id")]).await;
    let mut expected = 0;
    for s in stories["data"].as_array().expect("data") {
        let id = s["id"].as_str().expect("id");
        let v = get(
            &w.sandbox,
            &format!("v24.0/{id}/insights"),
            &token,
            &[
                ("metric", "navigation"),
                ("breakdown", "story_navigation_action_type"),
            ],
        )
        .await;
        expected += v["data"][0]["total_value"]["value"]
            .as_u64()
            .expect("total");
    }
    let got: u64 = set.story_navigation.iter().map(|(_, v)| v).sum();
    assert_eq!(got, expected);

    let cached = w
        .core
        .cached_breakdowns(&account)
        .await
        .expect("cache readable")
        .expect("cached");
    assert!(cached.from_cache);
    assert_eq!(cached.profile_actions, set.profile_actions);

    // Asking what Meta does not document never reaches Meta and says what works.
    let err = w
        .core
        .breakdown(&account, "reach", &["action_type"], None, 30, "this_month")
        .await
        .expect_err("not documented");
    assert!(
        err.to_string()
            .contains("media_product_type or follow_type"),
        "{err}"
    );
}

#[test]
fn cli_prints_breakdowns_as_csv_and_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = socialdesk(
        dir.path(),
        &[
            "insights",
            "breakdown",
            "--sandbox",
            "--metric",
            "follower_demographics",
            "--by",
            "age,gender",
            "--csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "age,gender,follower_demographics");
    assert_eq!(lines.len(), 1 + 21, "{text}");
    assert!(lines.iter().any(|l| l.starts_with("25-34,F,")), "{text}");

    let feed = socialdesk(
        dir.path(),
        &["feed", "--sandbox", "--json", "--limit", "30"],
    );
    assert!(feed.status.success(), "{}", stderr(&feed));
    let media: Value = serde_json::from_slice(&feed.stdout).expect("JSON");
    let post = media
        .as_array()
        .expect("list")
        .iter()
        .find(|m| m["media_product_type"] == "FEED")
        .and_then(|m| m["id"].as_str())
        .expect("a feed post")
        .to_owned();
    let out = socialdesk(
        dir.path(),
        &[
            "insights",
            "breakdown",
            "--sandbox",
            "--metric",
            "profile_activity",
            "--by",
            "action_type",
            "--media",
            &post,
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["dimension_keys"], serde_json::json!(["action_type"]));
    let sum: u64 = v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["value"].as_u64().expect("count"))
        .sum();
    assert_eq!(Some(sum), v["total"].as_u64());

    // A story metric on a post is refused before any request, naming the fix.
    let out = socialdesk(
        dir.path(),
        &[
            "insights",
            "breakdown",
            "--sandbox",
            "--metric",
            "navigation",
            "--by",
            "story_navigation_action_type",
            "--media",
            &post,
        ],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("only for STORY"), "{}", stderr(&out));
}

struct State {
    tab: InsightsTab,
    textures: Textures,
    account: Account,
    commands: Vec<Command>,
}

struct FakeDialog(PathBuf);

impl SaveDialog for FakeDialog {
    fn save_path(&self, _: &egui::Context, _: &str, _: &str) -> Pending<Option<PathBuf>> {
        Pending::ready(Some(self.0.clone()))
    }
}

#[test]
fn journey_open_breakdowns_see_the_charts_and_export_csv() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (w, account) = rt.block_on(async {
        let w = crate::support::world_without_login().await;
        let (account, _) = w.connect_instagram(DEMO_BUSINESS_USERNAME, SCOPES).await;
        (w, account)
    });
    let target = w.temp_dir().join("breakdowns.csv");
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 1600.0))
        .with_max_steps(16)
        .build_ui_state(
            |ui, s: &mut State| {
                egui::CentralPanel::default().show(ui, |ui| {
                    let mut cx = TabContext {
                        account: Some(&s.account),
                        textures: &mut s.textures,
                    };
                    s.tab.tab_ui(ui, &mut cx, &mut s.commands);
                });
            },
            State {
                tab: InsightsTab::with_dialog(Box::new(FakeDialog(target.clone()))),
                textures: Textures::default(),
                account: account.clone(),
                commands: Vec::new(),
            },
        );
    h.run_steps(3);
    h.state_mut().commands.clear();
    h.get_by_label("Breakdowns").click();
    h.run_steps(3);
    let asked = std::mem::take(&mut h.state_mut().commands)
        .into_iter()
        .any(|c| matches!(c, Command::Insights(InsightsCommand::LoadBreakdowns { .. })));
    assert!(asked, "opening the section asks the engine");
    assert!(h.query_by_label("Loading breakdowns…").is_some());

    // Play the engine: answer with what the sandbox serves.
    let set = rt
        .block_on(w.core.fetch_breakdowns(&account))
        .expect("breakdowns");
    h.state_mut()
        .tab
        .on_event(socialdesk::engine::insights::InsightsEvent::Breakdowns(
            Box::new(set.clone()),
        ));
    h.run_steps(4);
    for label in [
        "Profile actions by type",
        "Story navigation",
        "Contact button taps",
        "Audience by age and gender",
        "Bio link",
        "Tap forward",
        "Engaged audience: top cities",
    ] {
        assert!(h.query_by_label(label).is_some(), "{label} is shown");
    }
    let (age, gender, _) = set
        .age_gender
        .iter()
        .max_by_key(|(_, _, n)| *n)
        .expect("groups");
    let largest = format!(
        "{age} · {}",
        socialdesk::ui::insights_breakdowns::dimension_label(gender)
    );
    assert!(h.query_by_label(&largest).is_some(), "{largest} is listed");
    let (city, n) = &set.engaged_cities[0];
    assert!(h.query_by_label(city).is_some(), "{city}");
    assert!(
        h.query_by_label(&socialdesk::ui::insights::format_count(*n))
            .is_some(),
        "{n}"
    );

    // Export the section as CSV through the (fake) save dialog.
    h.get_by_label("CSV").click();
    h.run_steps(3);
    let bytes = std::mem::take(&mut h.state_mut().commands)
        .into_iter()
        .find_map(|c| match c {
            Command::Insights(InsightsCommand::WriteFile { path, bytes }) => {
                assert_eq!(path, target);
                Some(bytes)
            }
            _ => None,
        })
        .expect("the CSV is written");
    let csv = String::from_utf8(bytes).expect("utf-8");
    assert!(csv.starts_with("section,dimension,value\n"), "{csv}");
    assert!(
        csv.contains("profile_activity by action_type,BIO_LINK_CLICKED,"),
        "{csv}"
    );
    assert!(csv.contains("follower_demographics by age,gender"), "{csv}");
}
