//! The Research tab as a person uses it, headless (the test plays the engine): open it,
//! search a hashtag, see the grid with counts and the budget, switch to recent, save a set
//! and insert it into the Composer's caption, then look up a competitor. An Instagram Login
//! account is told both features need Facebook Login.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use socialdesk::engine::research::{HashtagBudget, HashtagResult, ResearchCommand, ResearchEvent};
use socialdesk::engine::{Command, EngineSide, Event};
use socialdesk::graph::discovery::{DiscoveredAccount, DiscoveredMedia};
use socialdesk::graph::hashtags::{Hashtag, HashtagEdge, HashtagMedia};
use socialdesk::ids::IgUserId;
use socialdesk::model::LoginKind;
use socialdesk::store::{HashtagSet, SearchedHashtag};
use socialdesk::ui::research::{HASHTAG_LABEL, INSERT_LABEL, SET_NAME_LABEL, SET_TAGS_LABEL};
use socialdesk::ui::research_discovery::USERNAME_LABEL;
use socialdesk::ui::{App, Tab};

use crate::support::ui::{app_harness, connect, type_into};
use crate::support::{ACCOUNT_ID, account, drain, push};

fn media(n: u64, likes: Option<u64>) -> HashtagMedia {
    HashtagMedia {
        id: format!("1796000000000{n:04}"),
        caption: Some(format!("Morning ritual #coffee {n}")),
        media_type: Some("IMAGE".into()),
        media_url: Some(format!("http://127.0.0.1:9/cdn/{n}/full.jpg")),
        permalink: None,
        timestamp: Some("2026-12-03T08:00:00+0000".into()),
        like_count: likes,
        comments_count: Some(n),
    }
}

fn budget(used: usize) -> HashtagBudget {
    let first = chrono::Utc::now() - chrono::Duration::days(2);
    HashtagBudget {
        counted: (0..used)
            .map(|i| SearchedHashtag {
                name: format!("tag{i}"),
                hashtag_id: format!("17843{i:012}"),
                first_searched_at: first,
            })
            .collect(),
        next_free: (used > 0).then(|| first + chrono::Duration::days(7)),
    }
}

fn id() -> IgUserId {
    IgUserId::from(ACCOUNT_ID)
}

/// The app with a Facebook Login account, on the Research tab (opened by its tab label).
fn research_tab(login: LoginKind) -> (Harness<'static, App>, EngineSide) {
    let (mut harness, mut side) = app_harness(1400.0);
    harness.run_steps(6);
    connect(&side, account("northwind", login));
    harness.run_steps(6);
    harness.get_by_label("Research").click();
    harness.run();
    drain(&mut side);
    (harness, side)
}

#[test]
fn search_a_hashtag_switch_to_recent_save_a_set_insert_it_and_look_up_a_competitor() {
    let (mut harness, mut side) = research_tab(LoginKind::Facebook);
    assert_eq!(harness.state().tab(), Tab::Research);
    harness.get_by_label("Hashtag and competitor research");
    push(
        &mut harness,
        &side,
        Event::Research(ResearchEvent::Budget {
            account: id(),
            budget: budget(12),
        }),
    );
    assert!(
        harness
            .query_by_label_contains("12 of 30 hashtags used this week; next slot frees")
            .is_some(),
        "the budget is shown"
    );

    type_into(&mut harness, HASHTAG_LABEL, "coffee");
    harness.get_by_label("Search").click();
    // A spinner turns while the engine works: step, do not wait for rest.
    harness.run_steps(4);
    let sent = drain(&mut side);
    assert!(
        sent.iter().any(|c| matches!(c,
            Command::Research(ResearchCommand::SearchHashtag { hashtag, edge: HashtagEdge::Top, account })
                if hashtag == "coffee" && account.as_str() == ACCOUNT_ID)),
        "{sent:?}"
    );
    push(
        &mut harness,
        &side,
        Event::Research(ResearchEvent::Hashtag {
            account: id(),
            result: HashtagResult {
                name: "coffee".into(),
                hashtag: Hashtag {
                    id: "17843000000000001".into(),
                    name: Some("coffee".into()),
                },
                edge: HashtagEdge::Top,
                media: vec![media(1, Some(4210)), media(2, None), media(3, Some(57))],
                budget: budget(13),
            },
        }),
    );
    harness.get_by_label("#coffee — 3 top posts");
    harness.get_by_label("♥ 4210 · 💬 1");
    harness.get_by_label("likes hidden · 💬 2");
    // The grid asked for its thumbnails.
    let sent = drain(&mut side);
    assert_eq!(
        sent.iter()
            .filter(|c| matches!(c, Command::LoadThumbnail { .. }))
            .count(),
        3,
        "{sent:?}"
    );

    harness.get_by_label("Recent").click();
    // A spinner turns while the engine works: step, do not wait for rest.
    harness.run_steps(4);
    let sent = drain(&mut side);
    assert!(
        sent.iter().any(|c| matches!(c,
            Command::Research(ResearchCommand::SearchHashtag { edge: HashtagEdge::Recent, hashtag, .. })
                if hashtag == "coffee")),
        "switching to Recent searches again: {sent:?}"
    );
    push(
        &mut harness,
        &side,
        Event::Research(ResearchEvent::Hashtag {
            account: id(),
            result: HashtagResult {
                name: "coffee".into(),
                hashtag: Hashtag {
                    id: "17843000000000001".into(),
                    name: None,
                },
                edge: HashtagEdge::Recent,
                media: vec![media(7, Some(12))],
                budget: budget(13),
            },
        }),
    );
    harness.get_by_label("#coffee — 1 recent (last 24 h) posts");

    // Save a set.
    type_into(&mut harness, SET_NAME_LABEL, "Cafe");
    type_into(&mut harness, SET_TAGS_LABEL, "#coffee #latteart flatwhite");
    harness.get_by_label("Save set").click();
    harness.run();
    let sent = drain(&mut side);
    assert!(
        sent.iter().any(|c| matches!(c,
            Command::Research(ResearchCommand::SaveSet { name, tags })
                if name == "Cafe" && tags == "#coffee #latteart flatwhite")),
        "{sent:?}"
    );
    push(
        &mut harness,
        &side,
        Event::Research(ResearchEvent::Sets(vec![HashtagSet {
            name: "Cafe".into(),
            tags: vec!["coffee".into(), "latteart".into(), "flatwhite".into()],
        }])),
    );
    harness.get_by_label("#coffee #latteart #flatwhite");
    harness.get_by_label(INSERT_LABEL).click();
    harness.run();
    assert_eq!(harness.state().tab(), Tab::Composer, "the Composer opens");
    assert_eq!(
        harness.state().composer().caption(),
        "#coffee #latteart #flatwhite"
    );

    // Back to Research: look up a competitor.
    harness.get_by_label("Research").click();
    harness.run();
    type_into(&mut harness, USERNAME_LABEL, "harbour.bakery");
    harness.get_by_label("Look up").click();
    // A spinner turns while the engine works: step, do not wait for rest.
    harness.run_steps(4);
    let sent = drain(&mut side);
    assert!(
        sent.iter().any(|c| matches!(c,
            Command::Research(ResearchCommand::Discover { username, .. }) if username == "harbour.bakery")),
        "{sent:?}"
    );
    push(
        &mut harness,
        &side,
        Event::Research(ResearchEvent::Discovered {
            account: id(),
            found: Box::new(DiscoveredAccount {
                id: "17841400000000901".into(),
                username: "harbour.bakery".into(),
                name: Some("Harbour Bakery".into()),
                biography: Some("Sourdough on SW Harbour Way".into()),
                website: None,
                profile_picture_url: None,
                followers_count: Some(8420),
                follows_count: Some(512),
                media_count: Some(431),
                media: vec![DiscoveredMedia {
                    id: "1797".into(),
                    caption: Some("Fresh out of the oven".into()),
                    media_type: Some("IMAGE".into()),
                    media_product_type: Some("FEED".into()),
                    media_url: None,
                    thumbnail_url: None,
                    permalink: None,
                    timestamp: None,
                    like_count: Some(260),
                    comments_count: Some(14),
                }],
            }),
        }),
    );
    harness.get_by_label("@harbour.bakery · Harbour Bakery");
    harness.get_by_label("8420 followers · 431 posts");
    harness.get_by_label("♥ 260 · 💬 14");

    // A personal account: the engine's one clear line.
    type_into(&mut harness, USERNAME_LABEL, "x");
    harness.get_by_label("Look up").click();
    // A spinner turns while the engine works: step, do not wait for rest.
    harness.run_steps(4);
    push(
        &mut harness,
        &side,
        Event::Research(ResearchEvent::DiscoverFailed {
            account: id(),
            username: "jamie.weekends".into(),
            message:
                "@jamie.weekends cannot be looked up: no Business or Creator account has that name"
                    .into(),
        }),
    );
    assert!(
        harness
            .query_by_label_contains("cannot be looked up")
            .is_some()
    );
}

#[test]
fn an_instagram_login_account_is_told_research_needs_facebook_login() {
    let (harness, _side) = research_tab(LoginKind::Instagram);
    assert!(
        harness
            .query_by_label_contains("need an account connected with Facebook Login")
            .is_some()
    );
    assert!(harness.query_by_label("Search").is_none());
}

/// The Research tab with a search, a set and a competitor on screen, at `size`.
fn filled_research_tab(size: egui::Vec2) -> Harness<'static, App> {
    let (handle, mut side) = socialdesk::engine::channel();
    let mut harness = Harness::builder()
        .with_size(size)
        .with_max_steps(32)
        .build_ui_state(|ui, app: &mut App| app.ui(ui), App::new(handle));
    harness.run_steps(6);
    connect(&side, account("northwind", LoginKind::Facebook));
    harness.run_steps(6);
    harness.get_by_label("Research").click();
    harness.run();
    let events = [
        Event::Research(ResearchEvent::Budget {
            account: id(),
            budget: budget(12),
        }),
        Event::Research(ResearchEvent::Hashtag {
            account: id(),
            result: HashtagResult {
                name: "coffee".into(),
                hashtag: Hashtag {
                    id: "17843000000000001".into(),
                    name: None,
                },
                edge: HashtagEdge::Top,
                media: (1..=12).map(|n| media(n, Some(4000 - n * 97))).collect(),
                budget: budget(12),
            },
        }),
        Event::Research(ResearchEvent::Sets(vec![HashtagSet {
            name: "Cafe".into(),
            tags: vec!["coffee".into(), "latteart".into(), "flatwhite".into()],
        }])),
        Event::Research(ResearchEvent::Discovered {
            account: id(),
            found: Box::new(DiscoveredAccount {
                id: "17841400000000901".into(),
                username: "harbour.bakery".into(),
                name: Some("Harbour Bakery".into()),
                biography: Some("Sourdough, pastries & coffee on SW Harbour Way".into()),
                website: Some("https://harbourbakery.example.com/".into()),
                profile_picture_url: Some("http://127.0.0.1:9/cdn/901/profile.jpg".into()),
                followers_count: Some(8420),
                follows_count: Some(512),
                media_count: Some(431),
                media: (1..=8)
                    .map(|n| DiscoveredMedia {
                        id: format!("1797{n}"),
                        caption: Some("Fresh out of the oven".into()),
                        media_type: Some("IMAGE".into()),
                        media_product_type: Some("FEED".into()),
                        media_url: Some(format!("http://127.0.0.1:9/cdn/1797{n}/full.jpg")),
                        thumbnail_url: None,
                        permalink: None,
                        timestamp: None,
                        like_count: (n % 3 != 0).then_some(200 + n * 11),
                        comments_count: Some(n * 2),
                    })
                    .collect(),
            }),
        }),
    ];
    for event in events {
        push(&mut harness, &side, event);
    }
    // Thumbnails arrive as the engine decodes them.
    for command in drain(&mut side) {
        if let Command::LoadThumbnail { url } = command {
            let shade = (url.len() * 37 % 200) as u8;
            let image = egui::ColorImage::filled([64, 64], egui::Color32::from_rgb(shade, 90, 140));
            side.events.try_send(Event::Thumbnail(
                socialdesk::engine::protocol::DecodedImage {
                    url,
                    image: std::sync::Arc::new(image),
                },
            ));
        }
    }
    harness.run();
    harness
}

#[test]
fn at_1024_by_700_the_search_controls_budget_and_grid_fit_the_window() {
    let window = egui::vec2(1024.0, 700.0);
    let harness = filled_research_tab(window);
    let inside = egui::Rect::from_min_size(egui::Pos2::ZERO, window);
    for label in [
        "Search",
        "Top",
        "Recent",
        HASHTAG_LABEL,
        "#coffee — 12 top posts",
    ] {
        let rect = harness.get_by_label(label).rect();
        assert!(inside.contains_rect(rect), "\"{label}\" at {rect:?}");
    }
    let budget = harness
        .query_by_label_contains("12 of 30 hashtags used this week")
        .expect("budget line")
        .rect();
    assert!(inside.contains_rect(budget), "budget at {budget:?}");
    // The grid wraps instead of running off the right edge.
    for node in harness.query_all_by_label_contains("♥ ") {
        let rect = node.rect();
        assert!(
            rect.max.x <= window.x,
            "a tile's counts end at x={}",
            rect.max.x
        );
    }
}

/// Renders the Research tab at both window sizes to /tmp, to look at it.
#[test]
#[ignore = "writes pictures for a human to look at"]
fn render_research_screenshots() {
    // The last one is tall enough to show the competitor below the grid.
    for (w, h) in [(1280.0, 800.0), (1024.0, 700.0), (1024.0, 1500.0)] {
        let mut harness = filled_research_tab(egui::vec2(w, h));
        let image = harness.render().expect("render the UI");
        image
            .save(format!("/tmp/research-{w}x{h}.png"))
            .expect("write the picture");
    }
}
