//! Headless UI tests: the test plays the engine (holds the `EngineSide`), pushes events and
//! reads the commands the UI sends, and finds widgets by their accessible labels.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use socialdesk::engine::protocol::{DecodedImage, LoginState, SyncStatus};
use socialdesk::engine::{Command, EngineSide, Event};
use socialdesk::ids::{IgUserId, MediaId};
use socialdesk::model::{
    Account, AccountStatus, LoginKind, Media, MediaChild, MediaType, ProductType, RateUsage,
};
use socialdesk::ui::{App, Tab};

use crate::support::ui::{app_harness, type_into};
use crate::support::{ACCOUNT_ID, drain, push};

fn harness() -> (Harness<'static, App>, EngineSide) {
    app_harness(800.0)
}

/// A connected business account named Demo Studio with 1200 followers.
fn account(id: &str, username: &str) -> Account {
    Account {
        id: IgUserId::from(id),
        name: Some("Demo Studio".to_owned()),
        account_type: Some("BUSINESS".to_owned()),
        followers_count: Some(1200),
        ..crate::support::account(username, LoginKind::Instagram)
    }
}

fn media(index: usize) -> Media {
    let (media_type, product, children) = match index % 4 {
        1 => (MediaType::Video, Some(ProductType::Reels), Vec::new()),
        2 => (
            MediaType::CarouselAlbum,
            Some(ProductType::Feed),
            (0..3)
                .map(|c| MediaChild {
                    id: MediaId::from(format!("{index}-{c}")),
                    media_type: MediaType::Image,
                    media_url: Some(format!("https://cdn.test/{index}-{c}.jpg")),
                    thumbnail_url: None,
                })
                .collect(),
        ),
        _ => (MediaType::Image, Some(ProductType::Feed), Vec::new()),
    };
    Media {
        id: MediaId::from(format!("m{index}")),
        caption: Some(format!("Post number {index}\n#demo #socialdesk")),
        media_type,
        media_product_type: product,
        media_url: Some(format!("https://cdn.test/{index}.jpg")),
        thumbnail_url: Some(format!("https://cdn.test/{index}-cover.jpg")),
        permalink: Some(format!("https://www.instagram.com/p/code{index}/")),
        shortcode: Some(format!("code{index}")),
        timestamp: Utc
            .with_ymd_and_hms(2026, 11, 1, 12, 0, 0)
            .single()
            .expect("valid date"),
        username: Some("demo.studio".to_owned()),
        like_count: Some(10 + index as u64),
        comments_count: Some(index as u64 % 7),
        alt_text: None,
        children,
    }
}

/// @old.shop, whose token expired: it needs reconnecting.
fn expired_account() -> Account {
    let mut broken = account("2", "old.shop");
    broken.status = AccountStatus::ReconnectNeeded {
        reason: "The token expired.".to_owned(),
    };
    broken
}

/// Makes @demo.studio the one active account and hands the UI its feed (one page).
fn show_feed(
    harness: &mut Harness<'_, App>,
    side: &EngineSide,
    media: Vec<Media>,
    has_more: bool,
    from_cache: bool,
) {
    let id = IgUserId::from(ACCOUNT_ID);
    side.events.try_send(Event::Accounts {
        accounts: vec![account(ACCOUNT_ID, "demo.studio")],
        active: Some(id.clone()),
    });
    push(
        harness,
        side,
        Event::Feed {
            account: id,
            media,
            replace: true,
            has_more,
            from_cache,
        },
    );
}

/// Starts the UI with one active account and `count` media in its feed.
fn with_feed(count: usize, has_more: bool) -> (Harness<'static, App>, EngineSide) {
    let (mut harness, mut side) = harness();
    harness.run();
    assert!(matches!(drain(&mut side).first(), Some(Command::Start)));
    show_feed(
        &mut harness,
        &side,
        (0..count).map(media).collect(),
        has_more,
        false,
    );
    (harness, side)
}

fn scroll_feed_to_end(harness: &mut Harness<'_, App>) {
    // Over the grid, below the header.
    harness.hover_at(egui::pos2(600.0, 400.0));
    for _ in 0..4 {
        harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Page,
            delta: egui::vec2(0.0, -100.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
        harness.run();
    }
}

fn count_load_more(commands: &[Command]) -> usize {
    commands
        .iter()
        .filter(|c| matches!(c, Command::LoadMoreFeed(_)))
        .count()
}

#[test]
fn first_frame_starts_the_engine_and_every_tab_shows_its_heading() {
    let (mut harness, mut side) = harness();
    harness.run();
    let commands = drain(&mut side);
    assert!(
        matches!(commands.as_slice(), [Command::Start]),
        "exactly one Start on the first frames, got {commands:?}"
    );
    harness.get_by_label("No account connected");

    let headings = [
        (Tab::Composer, "Composer", "Compose and publish"),
        (Tab::Comments, "Comments", "Comment moderation"),
        (Tab::Dms, "DMs", "Direct messages"),
        (Tab::Insights, "Insights", "Account insights"),
        (Tab::Research, "Research", "Hashtag and competitor research"),
        (Tab::Calendar, "Calendar", "Content calendar"),
        (Tab::Feed, "Feed", "No account connected"),
    ];
    for (tab, label, heading) in headings {
        harness.get_by_label(label).click();
        harness.run();
        assert_eq!(harness.state().tab(), tab);
        harness.get_by_label(heading);
    }

    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num5);
    harness.run();
    assert_eq!(harness.state().tab(), Tab::Insights);
    harness.get_by_label("Account insights");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num6);
    harness.run();
    assert_eq!(harness.state().tab(), Tab::Research);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num7);
    harness.run();
    assert_eq!(harness.state().tab(), Tab::Calendar);
}

#[test]
fn feed_tiles_are_found_by_caption_and_open_the_detail() {
    let (mut harness, mut side) = with_feed(8, false);
    assert_eq!(
        harness.query_all_by_label("@demo.studio").count(),
        2,
        "the account is in the sidebar and heads the feed"
    );
    assert!(
        harness.query_by_label("Post number 0").is_some(),
        "tiles are labelled with the caption's first line"
    );
    harness.get_by_label("Post number 2").click();
    harness.run();

    // The detail panel shows the whole caption, the kind, the counts and the carousel pager.
    harness.get_by_label("Post number 2\n#demo #socialdesk");
    harness.get_by_label("Carousel");
    harness.get_by_label("12 likes");
    harness.get_by_label("1 / 3");
    let commands = drain(&mut side);
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadImage { url } if url == "https://cdn.test/2-0.jpg")),
        "the first carousel child is requested at full size: {commands:?}"
    );

    harness.get_by_label("Next image").click();
    harness.run();
    harness.get_by_label("2 / 3");
    assert!(
        drain(&mut side)
            .iter()
            .any(|c| matches!(c, Command::LoadImage { url } if url == "https://cdn.test/2-1.jpg"))
    );

    // Fresh counts from the network replace what the feed had.
    let mut fresh = media(2);
    fresh.like_count = Some(99);
    push(&mut harness, &side, Event::MediaDetail(Box::new(fresh)));
    harness.get_by_label("99 likes");

    harness.get_by_label("Open on Instagram").click();
    harness.run();
    assert!(drain(&mut side).iter().any(
        |c| matches!(c, Command::OpenUrl(url) if url == "https://www.instagram.com/p/code2/")
    ));

    harness.key_press(egui::Key::Escape);
    harness.run();
    assert!(
        harness.query_by_label("Open on Instagram").is_none(),
        "Esc closes the detail panel"
    );
}

#[test]
fn a_videos_detail_shows_metas_copyright_check() {
    use socialdesk::model::{CopyrightCheck, CopyrightMatch};

    let (mut harness, mut side) = with_feed(4, false);
    harness.get_by_label("Post number 1").click();
    harness.run();
    assert!(
        drain(&mut side).iter().any(|c| matches!(
            c,
            Command::LoadMediaDetail { media, .. } if media.as_str() == "m1"
        )),
        "opening the reel reads it again"
    );
    harness.get_by_label("Copyright check: loading…");

    let unavailable = Event::Copyright {
        media: MediaId::from("m1"),
        check: CopyrightCheck::unavailable(),
    };
    push(&mut harness, &side, unavailable);
    harness.get_by_label("Copyright check: not available for this post");

    // A check about another post is not this one's.
    let clean = CopyrightCheck {
        status: "completed".into(),
        ..CopyrightCheck::default()
    };
    let other = Event::Copyright {
        media: MediaId::from("m5"),
        check: clean.clone(),
    };
    push(&mut harness, &side, other);
    harness.get_by_label("Copyright check: not available for this post");

    let matched = CopyrightCheck {
        status: "complete".into(),
        matches_found: true,
        matches: vec![CopyrightMatch {
            content_title: Some("Midnight Espresso".into()),
            author: Some("The Night Baristas".into()),
            owner: Some("Northwind Records".into()),
            actions: vec![("MUTE".into(), vec!["Japan".into()])],
        }],
    };
    let event = Event::Copyright {
        media: MediaId::from("m1"),
        check: matched,
    };
    push(&mut harness, &side, event);
    harness.get_by_label(
        "Copyright match: “Midnight Espresso” by The Night Baristas (Northwind Records): muted in Japan",
    );

    // Pictures have no copyright check.
    harness.get_by_label("Post number 0").click();
    harness.run();
    assert!(harness.query_by_label_contains("Copyright").is_none());
}

#[test]
fn hidden_like_counts_say_hidden() {
    let (mut harness, side) = harness();
    harness.run();
    let mut hidden = media(0);
    hidden.like_count = None;
    hidden.caption = None;
    show_feed(&mut harness, &side, vec![hidden], false, true);
    harness.get_by_label("· Showing saved posts");
    // With no caption the tile is named by kind and date.
    harness.get_by_label("Photo 2026-11-01").click();
    harness.run();
    harness.get_by_label("Likes hidden");
    harness.get_by_label("No caption");
}

#[test]
fn thumbnails_are_requested_only_for_visible_rows() {
    let (mut harness, mut side) = with_feed(10_000, false);
    let commands = drain(&mut side);
    let thumbnails: Vec<&str> = commands
        .iter()
        .filter_map(|c| match c {
            Command::LoadThumbnail { url } => Some(url.as_str()),
            _ => None,
        })
        .collect();
    assert!(!thumbnails.is_empty(), "visible tiles ask for thumbnails");
    assert!(
        thumbnails.len() < 100,
        "only visible rows are requested, got {}",
        thumbnails.len()
    );
    let unique: std::collections::HashSet<_> = thumbnails.iter().collect();
    assert_eq!(unique.len(), thumbnails.len(), "each URL is asked for once");
    assert!(thumbnails.contains(&"https://cdn.test/0.jpg"));
    assert!(
        thumbnails.contains(&"https://cdn.test/1-cover.jpg"),
        "videos use their cover frame"
    );
    assert_eq!(count_load_more(&commands), 0);

    // More frames request nothing new.
    harness.run();
    assert!(drain(&mut side).is_empty());
    assert_eq!(harness.state().thumbnails_requested(), thumbnails.len());

    // A delivered thumbnail becomes a texture; an image is accepted without new requests.
    push(
        &mut harness,
        &side,
        Event::Thumbnail(DecodedImage {
            url: "https://cdn.test/0.jpg".to_owned(),
            image: Arc::new(egui::ColorImage::filled([4, 4], egui::Color32::RED)),
        }),
    );
    assert!(drain(&mut side).is_empty());
}

#[test]
fn scrolling_to_the_end_loads_more_once_per_page() {
    let (mut harness, mut side) = with_feed(120, true);
    assert_eq!(
        count_load_more(&drain(&mut side)),
        0,
        "the top of the feed is far from the end"
    );

    scroll_feed_to_end(&mut harness);
    let commands = drain(&mut side);
    assert_eq!(count_load_more(&commands), 1, "got {commands:?}");
    assert!(
        harness.query_by_label("Post number 119").is_some(),
        "the last tile is on screen"
    );

    scroll_feed_to_end(&mut harness);
    assert_eq!(
        count_load_more(&drain(&mut side)),
        0,
        "not again before the page arrives"
    );

    push(
        &mut harness,
        &side,
        Event::Feed {
            account: IgUserId::from(ACCOUNT_ID),
            media: (120..150).map(media).collect(),
            replace: false,
            has_more: false,
            from_cache: false,
        },
    );
    scroll_feed_to_end(&mut harness);
    harness.get_by_label("Post number 149");
    assert_eq!(
        count_load_more(&drain(&mut side)),
        0,
        "the last page says there is no more"
    );
}

#[test]
fn a_failed_refresh_keeps_the_posts_and_shows_a_banner() {
    let (mut harness, mut side) = with_feed(4, false);
    drain(&mut side);
    harness.get_by_label("Refresh").click();
    harness.run_steps(3);
    assert!(
        drain(&mut side)
            .iter()
            .any(|c| matches!(c, Command::RefreshFeed(id) if id.as_str() == ACCOUNT_ID))
    );

    push(
        &mut harness,
        &side,
        Event::FeedFailed {
            account: IgUserId::from(ACCOUNT_ID),
            message: "Instagram did not answer; check your connection.".to_owned(),
        },
    );
    harness.get_by_label("Instagram did not answer; check your connection.");
    harness.get_by_label("Post number 3");
}

#[test]
fn status_bar_shows_usage_and_the_sandbox_badge() {
    let (mut harness, side) = harness();
    harness.run();
    assert!(harness.query_by_label("SANDBOX").is_none());
    side.events.try_send(Event::Sync(SyncStatus {
        text: "Up to date 14:02".to_owned(),
        busy: false,
        usage: RateUsage {
            max_percent: 87,
            regain_access_minutes: 0,
        },
    }));
    push(
        &mut harness,
        &side,
        Event::SandboxMode {
            url: "http://127.0.0.1:38080/".to_owned(),
        },
    );
    harness.get_by_label("SANDBOX");
    harness.get_by_label("Up to date 14:02");
    harness.get_by_label("API usage 87 %");
}

#[test]
fn reconnect_marker_and_account_switching() {
    let (mut harness, mut side) = harness();
    harness.run();
    drain(&mut side);
    side.events.try_send(Event::Accounts {
        accounts: vec![account(ACCOUNT_ID, "demo.studio"), expired_account()],
        active: Some(IgUserId::from(ACCOUNT_ID)),
    });
    // The feed shows a spinner until its first page arrives, so step instead of settling.
    harness.run_steps(2);
    harness.get_by_label("@old.shop, reconnect needed").click();
    harness.run_steps(2);
    assert!(
        drain(&mut side)
            .iter()
            .any(|c| matches!(c, Command::SelectAccount(id) if id.as_str() == "2"))
    );
}

#[test]
fn pasting_a_token_sends_add_token() {
    let (mut harness, mut side) = harness();
    harness.run();
    drain(&mut side);
    harness.get_by_label("Add account").click();
    harness.run();
    harness.get_by_label("Paste a token").click();
    harness.run();
    type_into(&mut harness, "Access token", "IGAA-test-token-123");
    harness.get_by_label("Add account with token").click();
    harness.run();
    let commands = drain(&mut side);
    assert!(
        commands.iter().any(|c| matches!(
            c,
            Command::AddToken { kind: LoginKind::Instagram, token } if token == "IGAA-test-token-123"
        )),
        "got {commands:?}"
    );
}

#[test]
fn browser_login_saves_the_app_then_starts_the_login() {
    let (mut harness, mut side) = harness();
    harness.run();
    drain(&mut side);
    harness.get_by_label("Add account").click();
    harness.run();
    harness.get_by_label("https://localhost:8910/callback");
    type_into(&mut harness, "App ID", "1234567890");
    type_into(&mut harness, "App secret", "s3cret");
    harness.get_by_label("Log in with the browser").click();
    harness.run();
    let commands = drain(&mut side);
    match commands.as_slice() {
        [Command::SaveApp(app), Command::StartLogin(request)] => {
            assert_eq!(app.kind, LoginKind::Instagram);
            assert_eq!(app.app_id, "1234567890");
            assert_eq!(
                secrecy::ExposeSecret::expose_secret(&app.app_secret),
                "s3cret"
            );
            assert_eq!(request.port, 8910);
            assert!(request.https);
        }
        other => panic!("expected SaveApp then StartLogin, got {other:?}"),
    }
}

#[test]
fn login_progress_is_shown() {
    let (mut harness, mut side) = harness();
    harness.run();
    drain(&mut side);
    harness.get_by_label("Add account").click();
    harness.run();

    push(
        &mut harness,
        &side,
        Event::Login(LoginState::WaitingForBrowser {
            authorize_url: "https://www.instagram.com/oauth/authorize?client_id=1".to_owned(),
            redirect_uri: "https://localhost:8910/callback".to_owned(),
        }),
    );
    type_into(
        &mut harness,
        "Paste the final redirect URL",
        "https://localhost:8910/callback?code=abc#_",
    );
    harness.get_by_label("Finish login").click();
    harness.run();
    harness.get_by_label("Cancel").click();
    harness.run();
    let commands = drain(&mut side);
    assert!(
        matches!(
            commands.as_slice(),
            [Command::PasteRedirectUrl(url), Command::CancelLogin]
                if url == "https://localhost:8910/callback?code=abc#_"
        ),
        "got {commands:?}"
    );

    push(
        &mut harness,
        &side,
        Event::Login(LoginState::Failed {
            message: "The redirect URI does not match the one registered in your Meta app."
                .to_owned(),
        }),
    );
    harness.get_by_label("Login failed");
    harness.get_by_label("The redirect URI does not match the one registered in your Meta app.");
}

#[test]
fn notices_appear_as_toasts() {
    let (mut harness, side) = harness();
    harness.run();
    push(
        &mut harness,
        &side,
        Event::Notice {
            message: "Token refreshed for @demo.studio.".to_owned(),
            is_error: false,
        },
    );
    harness.get_by_label("Token refreshed for @demo.studio.");
    push(
        &mut harness,
        &side,
        Event::Notice {
            message: "Meta refused the token; reconnect the account.".to_owned(),
            is_error: true,
        },
    );
    harness.get_by_label("Meta refused the token; reconnect the account.");
    assert_eq!(
        harness
            .query_all_by_role_and_label(Role::Button, "Dismiss")
            .count(),
        2
    );

    // Errors stay until closed; notices leave on their own after a few seconds.
    harness
        .get_all_by_label("Dismiss")
        .next()
        .expect("a close button")
        .click();
    harness.run();
    assert!(
        harness
            .query_by_label("Meta refused the token; reconnect the account.")
            .is_none(),
        "the newest toast (the error) is listed first and was closed"
    );
    harness.get_by_label("Token refreshed for @demo.studio.");
}

#[test]
fn a_feed_arriving_before_the_account_list_is_kept() {
    let (mut harness, side) = harness();
    harness.run();
    let id = IgUserId::from(ACCOUNT_ID);
    side.events.try_send(Event::Feed {
        account: id.clone(),
        media: (0..3).map(media).collect(),
        replace: true,
        has_more: false,
        from_cache: true,
    });
    push(
        &mut harness,
        &side,
        Event::Accounts {
            accounts: vec![account(ACCOUNT_ID, "demo.studio")],
            active: Some(id),
        },
    );
    harness.get_by_label("Post number 2");
}

#[test]
fn busy_sync_shows_a_spinner_without_blocking() {
    let (mut harness, side) = harness();
    harness.run();
    side.events.try_send(Event::Sync(SyncStatus {
        text: "Syncing feed…".to_owned(),
        busy: true,
        usage: RateUsage {
            max_percent: 96,
            regain_access_minutes: 12,
        },
    }));
    // A spinner repaints every frame, so step rather than wait to settle.
    harness.run_steps(3);
    harness.get_by_label("Syncing feed…");
    harness.get_by_label("API usage 96 % · paused, back in 12 min");
}

/// Renders the Feed with fake thumbnails to /tmp/ui.png, to look at it.
/// Run with `cargo test --test ui_shell -- --ignored render_feed`.
#[test]
#[ignore = "writes a picture for a human to look at"]
fn render_feed_screenshot() {
    let (mut harness, mut side) = with_feed(40, true);
    let commands = drain(&mut side);
    for (i, command) in commands.iter().enumerate() {
        if let Command::LoadThumbnail { url } = command {
            if i % 5 == 4 {
                continue; // leave some as placeholders
            }
            let hue = (i as f32 * 0.13) % 1.0;
            let pixels = (0..64 * 64)
                .map(|p| {
                    let (x, y) = ((p % 64) as f32 / 64.0, (p / 64) as f32 / 64.0);
                    egui::Color32::from(egui::ecolor::Hsva::new(
                        hue,
                        0.5 + 0.3 * x,
                        0.5 + 0.4 * y,
                        1.0,
                    ))
                })
                .collect();
            side.events.try_send(Event::Thumbnail(DecodedImage {
                url: url.clone(),
                image: Arc::new(egui::ColorImage::new([64, 64], pixels)),
            }));
        }
    }
    side.events.try_send(Event::SandboxMode {
        url: "http://127.0.0.1:38080/".to_owned(),
    });
    side.events.try_send(Event::Sync(SyncStatus {
        text: "Up to date 14:02".to_owned(),
        busy: false,
        usage: RateUsage {
            max_percent: 12,
            regain_access_minutes: 0,
        },
    }));
    harness.run();
    harness.get_by_label("Post number 2").click();
    harness.run();
    let image = harness.render().expect("render the UI");
    image.save("/tmp/ui.png").expect("write /tmp/ui.png");
}

/// Renders the Accounts page to /tmp/accounts.png, to look at it.
#[test]
#[ignore = "writes a picture for a human to look at"]
fn render_accounts_screenshot() {
    let (mut harness, side) = with_feed(4, false);
    harness.get_by_label("Add account").click();
    harness.run();
    side.events.try_send(Event::Accounts {
        accounts: vec![account(ACCOUNT_ID, "demo.studio"), expired_account()],
        active: Some(IgUserId::from(ACCOUNT_ID)),
    });
    push(
        &mut harness,
        &side,
        Event::Login(LoginState::Failed {
            message: "The redirect URI does not match the one registered in your Meta app: register https://localhost:8910/callback.".to_owned(),
        }),
    );
    side.events.try_send(Event::Notice {
        message: "Meta refused the token; reconnect the account.".to_owned(),
        is_error: true,
    });
    harness.run_steps(3);
    let image = harness.render().expect("render the UI");
    image
        .save("/tmp/accounts.png")
        .expect("write /tmp/accounts.png");
}

/// eframe's storage as a map (what it writes to `window.ron`).
#[derive(Default)]
struct MemoryStorage(std::collections::HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

#[test]
fn the_last_tab_and_comment_filters_are_back_after_a_restart() {
    let (mut harness, _side) = crate::support::ui::comments_tab(800.0);
    harness.get_by_label("Unanswered").click();
    harness.get_by_label("Questions").click();
    harness.run_steps(2);
    let mut storage = MemoryStorage::default();
    eframe::App::save(harness.state_mut(), &mut storage);
    drop(harness);

    // A new run reads what the last one saved.
    let (handle, side) = socialdesk::engine::channel();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(
            |ui, app: &mut App| app.ui(ui),
            App::restored(handle, Some(&storage)),
        );
    harness.run_steps(2);
    crate::support::ui::connect(
        &side,
        crate::support::account("studio", LoginKind::Instagram),
    );
    harness.run_steps(4);
    assert_eq!(harness.state().tab(), Tab::Comments);
    use egui_kittest::kittest::NodeT;
    let checked = |h: &Harness<'_, App>, label: &str| {
        h.get_by_label(label).accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
    };
    assert!(checked(&harness, "Unanswered"));
    assert!(checked(&harness, "Questions"));
    assert!(!checked(&harness, "Hidden"));

    // Nothing saved yet (a first run): the defaults.
    let (handle, _side) = socialdesk::engine::channel();
    let fresh = App::restored(handle, None);
    assert_eq!(fresh.tab(), Tab::Feed);
}

/// Every caption of the demo accounts, read through the sandbox's Graph API.
fn demo_captions() -> Vec<String> {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let sandbox =
            socialdesk::sandbox::Sandbox::start(socialdesk::sandbox::SandboxOptions::default())
                .await
                .expect("sandbox");
        let token = crate::support::basic_token(&sandbox);
        let url = format!("{}v24.0/me/media?fields=caption&limit=100", sandbox.url());
        let page = crate::support::raw::get_json(url, &token).await;
        page["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter_map(|m| m["caption"].as_str().map(str::to_owned))
            .collect()
    })
}

#[test]
fn demo_captions_draw_every_emoji_as_a_glyph() {
    let captions = demo_captions();
    assert!(
        captions.iter().any(|c| c.contains('🥐')),
        "the demo has the captions that once drew empty boxes"
    );
    // kittest fails on any glyph no installed font has (egui would draw a box there).
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 4000.0))
        .build_ui(move |ui| {
            socialdesk::ui::fonts::install(ui.ctx());
            for caption in &captions {
                ui.label(caption);
                ui.monospace(caption);
            }
        });
    harness.run_steps(3);
}
