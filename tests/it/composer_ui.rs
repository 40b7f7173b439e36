//! The Composer tab headless: the test plays the engine. Drop a file, crop it square, place a
//! tag by clicking the picture, name it, publish, follow the progress, see the post in Feed.

use crate::support::{DroppedPath, drain, push};

use std::path::PathBuf;
use std::sync::Arc;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use socialdesk::engine::composer::{ComposerCommand, ComposerEvent, MediaSource, PublishStep};
use socialdesk::engine::{Command, EngineSide, Event};
use socialdesk::ids::{IgUserId, MediaId};
use socialdesk::model::{Account, LoginKind, Media, MediaType, ProductType};
use socialdesk::store::PostKind;
use socialdesk::ui::composer::editor::EDITOR_LABEL;
use socialdesk::ui::{App, Tab};

use crate::support::ACCOUNT_ID;
use crate::support::ui::{composer_tab, drop_square_picture, queue_click_at, sent_post};

fn account() -> Account {
    crate::support::account("demo.studio", LoginKind::Instagram)
}

fn click_at(harness: &mut Harness<'_, App>, pos: egui::Pos2) {
    queue_click_at(harness, pos);
    harness.run();
}

#[test]
fn drop_crop_tag_publish_and_see_it_in_the_feed() {
    let (mut harness, mut side) = composer_tab(1100.0, account());
    assert_eq!(harness.state().tab(), Tab::Composer);
    drain(&mut side);

    // Drop a file on the window.
    let path = PathBuf::from("/photos/wide.png");
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(path.clone())));
    harness.run();
    let commands = drain(&mut side);
    assert!(
        commands.iter().any(|c| matches!(
            c,
            Command::Composer(ComposerCommand::LoadPreview(MediaSource::Path(p))) if *p == path
        )),
        "the dropped file is sent for decoding: {commands:?}"
    );
    harness.get_by_label("1. wide.png");

    // The engine answers with a 2:1 preview.
    let image = egui::ColorImage::filled([200, 100], egui::Color32::from_rgb(90, 120, 160));
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Preview {
            source: "wide.png".into(),
            image: Arc::new(image),
            width: 2000,
            height: 1000,
        }),
    );
    // 2:1 is outside the feed's limits until cropped.
    harness.get_by_label_contains("outside what Instagram accepts");
    harness.get_by_label("1:1").click();
    harness.run();
    assert!(
        harness
            .query_by_label_contains("outside what Instagram accepts")
            .is_none()
    );

    // Click a quarter of the way across the square picture, a fifth down.
    let rect = harness.get_by_label(EDITOR_LABEL).rect();
    let at = rect.min + egui::vec2(rect.width() * 0.25, rect.height() * 0.2);
    click_at(&mut harness, at);
    let label = "Tag 1: @";
    harness.get_by_label(label).focus();
    harness.run();
    harness.get_by_label(label).type_text("mira.makes");
    harness.run();
    assert_eq!(
        harness.get_by_label(label).value().as_deref(),
        Some("mira.makes")
    );

    harness.get_by_label("Caption").focus();
    harness.run();
    harness
        .get_by_label("Caption")
        .type_text("Latte #coffee @mira.makes");
    harness.run();
    harness.get_by_label("25 / 2200 characters");
    harness.get_by_label("1 / 30 hashtags");
    harness.get_by_label("1 / 20 mentions");

    harness.get_by_label("Publish").click();
    harness.run();
    let (job, post) = sent_post(&mut side).expect("a Publish command");
    assert_eq!(post.kind, PostKind::Image);
    assert_eq!(post.caption, "Latte #coffee @mira.makes");
    let item = &post.items[0];
    assert_eq!(item.tags.len(), 1);
    assert_eq!(item.tags[0].username, "mira.makes");
    // On the published (square-cropped) picture the tag sits at (0.25, 0.2).
    let (x, y) = item
        .crop
        .map_point(item.tags[0].x, item.tags[0].y)
        .expect("inside the crop");
    assert!(
        (x - 0.25).abs() < 0.02 && (y - 0.2).abs() < 0.02,
        "({x}, {y})"
    );
    // In the source picture that is 0.25 + 0.25 * 0.5 across.
    assert!((item.tags[0].x - 0.375).abs() < 0.02, "{}", item.tags[0].x);

    // Progress, then success.
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Progress {
            job,
            draft: 1,
            step: PublishStep::Processing {
                status: "In Progress".into(),
            },
        }),
    );
    harness.get_by_label("Instagram is processing: In Progress");
    let media = Media {
        id: MediaId::from("90001"),
        caption: Some("Latte #coffee @mira.makes".into()),
        media_type: MediaType::Image,
        media_product_type: Some(ProductType::Feed),
        media_url: Some("https://cdn.test/new.jpg".into()),
        thumbnail_url: None,
        permalink: None,
        shortcode: None,
        timestamp: chrono::Utc::now(),
        username: Some("demo.studio".into()),
        like_count: Some(0),
        comments_count: Some(0),
        alt_text: None,
        children: Vec::new(),
    };
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Published {
            job,
            draft: 1,
            media: Box::new(media.clone()),
        }),
    );
    harness.get_by_label_contains("Published — media 90001");
    harness.get_by_label("View in Feed");
    harness.get_by_label("New post");
    assert!(
        harness
            .get_by_label("Publish")
            .accesskit_node()
            .is_disabled(),
        "the form is cleared: nothing to publish twice"
    );
    assert!(
        harness.state().tab() == Tab::Composer,
        "the tab stays put after publishing"
    );
    // The engine refreshes the feed with the new post.
    push(
        &mut harness,
        &side,
        Event::Feed {
            account: IgUserId::from(ACCOUNT_ID),
            media: vec![media],
            replace: true,
            has_more: false,
            from_cache: false,
        },
    );
    harness.get_by_label("Feed").click();
    harness.run();
    harness.get_by_label_contains("Latte #coffee");
}

#[test]
fn a_failed_publish_shows_the_cause() {
    // Tall enough that the failure line and its button are on screen to be clicked.
    let (mut harness, mut side) = composer_tab(1600.0, account());
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(PathBuf::from("/photos/a.jpg"))));
    harness.run();
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Preview {
            source: "a.jpg".into(),
            image: Arc::new(egui::ColorImage::filled([100, 100], egui::Color32::GRAY)),
            width: 1080,
            height: 1080,
        }),
    );
    drain(&mut side);
    harness.get_by_label("Publish").click();
    harness.run();
    let (job, _) = sent_post(&mut side).expect("publish");
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Failed {
            job,
            draft: Some(3),
            message: "the daily publishing limit is reached (100 of 100 posts in 24 h)".into(),
        }),
    );
    harness.get_by_label_contains("daily publishing limit is reached");

    // The saved draft can be published again from the failure, resuming where it stopped.
    harness.get_by_label("Publish draft 3 again").click();
    harness.run();
    let again = drain(&mut side).into_iter().any(|c| {
        matches!(
            c,
            Command::Composer(ComposerCommand::PublishDraft { draft: 3, .. })
        )
    });
    assert!(again, "the draft is published again, not composed anew");
    assert!(harness.query_by_label("Publish draft 3 again").is_none());
}

/// Opens the Composer for `account`, drops one picture and answers with a square preview.
fn composer_with_square_picture(account: Account) -> (Harness<'static, App>, EngineSide) {
    let (mut harness, mut side) = composer_tab(1400.0, account);
    drain(&mut side);
    drop_square_picture(&mut harness, &side);
    (harness, side)
}

#[test]
fn a_typed_local_time_schedules_the_post_in_utc_and_the_list_shows_it() {
    let (mut harness, mut side) = composer_with_square_picture(account());
    let field = "Schedule for:";
    harness.get_by_label(field).focus();
    harness.run();
    harness.get_by_label(field).type_text("tomorrow 9am");
    harness.run();
    harness.get_by_label_contains("type the time as YYYY-MM-DD HH:MM");
    assert!(
        harness
            .get_by_label("Schedule")
            .accesskit_node()
            .is_disabled(),
        "an unreadable time cannot be scheduled"
    );
    for _ in 0.."tomorrow 9am".len() {
        harness.key_press(egui::Key::Backspace);
    }
    harness.run();
    harness.get_by_label(field).type_text("2030-01-31 09:30");
    harness.run();
    let expected =
        socialdesk::ui::composer::schedule::parse_local("2030-01-31 09:30", chrono::Utc::now())
            .expect("valid");
    harness.get_by_label_contains("2030-01-31 09:30 local");
    drain(&mut side);
    harness.get_by_label("Schedule").click();
    harness.run();
    let (job, post) = sent_post(&mut side).expect("a Publish command with a time");
    assert_eq!(post.scheduled_at, Some(expected), "stored as UTC");

    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Saved {
            job,
            draft: 7,
            scheduled: true,
        }),
    );
    harness.get_by_label("Scheduled (draft 7).");
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Drafts {
            account: IgUserId::from(ACCOUNT_ID),
            drafts: vec![socialdesk::store::DraftSummary {
                id: 7,
                account: IgUserId::from(ACCOUNT_ID),
                kind: PostKind::Image,
                caption: "Launch day".into(),
                state: socialdesk::store::DraftState::Scheduled,
                scheduled_at: Some(expected),
                media_id: None,
                error: None,
                items: 1,
                updated_at: chrono::Utc::now(),
            }],
        }),
    );
    harness.get_by_label_contains("scheduled for 2030-01-31 09:30 local");
    // The list asks once for the draft's picture, and offers to edit it.
    let asked = drain(&mut side)
        .into_iter()
        .filter(|c| {
            matches!(
                c,
                Command::Composer(ComposerCommand::LoadDraftThumbnail { draft: 7 })
            )
        })
        .count();
    assert_eq!(asked, 1);
    harness.get_by_label("Edit draft 7").click();
    harness.run();
    assert!(
        drain(&mut side).into_iter().any(|c| matches!(
            c,
            Command::Composer(ComposerCommand::OpenDraft { draft: 7 })
        )),
        "Edit opens the draft in the Composer"
    );
}

#[test]
fn products_are_searched_and_placed_by_clicking_the_picture() {
    use socialdesk::engine::composer::ShopSetup;
    use socialdesk::graph::shopping::{CatalogInfo, CatalogProduct};
    use socialdesk::ui::composer::products::SEARCH_LABEL;

    let mut fb = account();
    fb.login = LoginKind::Facebook;
    fb.page_id = Some(socialdesk::ids::PageId::from("1040000000000001"));
    let (mut harness, mut side) = composer_with_square_picture(fb);
    let commands = drain(&mut side);
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::Composer(ComposerCommand::LoadShop(_)))),
        "{commands:?}"
    );
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Shop {
            account: IgUserId::from(ACCOUNT_ID),
            setup: ShopSetup::Ready {
                catalogs: vec![CatalogInfo {
                    catalog_id: "960179311066902".into(),
                    catalog_name: "Northwind".into(),
                    shop_name: None,
                    product_count: Some(2),
                }],
            },
        }),
    );
    harness.get_by_label(SEARCH_LABEL).focus();
    harness.run();
    harness.get_by_label(SEARCH_LABEL).type_text("mug");
    harness.run();
    harness.get_by_label("Search").click();
    harness.run();
    let commands = drain(&mut side);
    assert!(commands.iter().any(|c| matches!(
        c,
        Command::Composer(ComposerCommand::SearchProducts { query, catalog_id, .. })
            if query == "mug" && catalog_id == "960179311066902"
    )));
    let product = |id: &str, name: &str, status: &str| CatalogProduct {
        product_id: id.into(),
        product_name: name.into(),
        retailer_id: None,
        image_url: None,
        review_status: status.into(),
        is_checkout_flow: true,
    };
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Products {
            account: IgUserId::from(ACCOUNT_ID),
            query: "mug".into(),
            products: vec![
                product("111", "Brick Mug", "approved"),
                product("222", "Gravel Mug", "pending"),
            ],
        }),
    );
    // The pending product is greyed, with the reason.
    harness.get_by_label_contains("under review by Meta");
    assert!(
        harness
            .get_by_label("Gravel Mug")
            .accesskit_node()
            .is_disabled()
    );

    harness.get_by_label("Place Brick Mug").click();
    harness.run();
    harness.get_by_label_contains("Click the picture to place Brick Mug");
    let rect = harness.get_by_label(EDITOR_LABEL).rect();
    click_at(
        &mut harness,
        rect.min + egui::vec2(rect.width() * 0.7, rect.height() * 0.4),
    );
    harness.get_by_label("Product 1: Brick Mug");
    assert!(
        harness.state().tab() == Tab::Composer && harness.query_by_label("Tag 1: @").is_none(),
        "the click placed a product, not a person"
    );

    harness.get_by_label("Publish").click();
    harness.run();
    let (_, post) = sent_post(&mut side).expect("a Publish command");
    let tags = &post.items[0].product_tags;
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].product_id, "111");
    let (x, y) = (tags[0].x.expect("x"), tags[0].y.expect("y"));
    assert!(
        (x - 0.7).abs() < 0.02 && (y - 0.4).abs() < 0.02,
        "({x}, {y})"
    );
}

#[test]
fn an_instagram_login_account_is_told_product_tags_need_facebook_login() {
    let (mut harness, _side) = composer_with_square_picture(account());
    harness.run();
    harness.get_by_label_contains("Product tags need the account connected with Facebook Login");
}

#[test]
fn s3_hosting_is_configured_in_settings_and_the_secret_never_shows() {
    use socialdesk::ui::composer::hosting::{
        BUCKET_LABEL, ENDPOINT_LABEL, KEY_ID_LABEL, SAVE_LABEL, SECRET_LABEL,
    };

    let (mut harness, mut side) = composer_tab(1400.0, account());
    let commands = drain(&mut side);
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::Composer(ComposerCommand::LoadHosting))),
        "{commands:?}"
    );
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Hosting {
            settings: None,
            has_secret: false,
        }),
    );
    harness
        .get_by_label("File hosting (S3-compatible bucket)")
        .click();
    harness.run();
    for (label, text) in [
        (ENDPOINT_LABEL, "http://127.0.0.1:9000"),
        (BUCKET_LABEL, "posts"),
        (KEY_ID_LABEL, "AKIAUI"),
        (SECRET_LABEL, "ui-secret-123"),
    ] {
        harness.get_by_label(label).focus();
        harness.run();
        harness.get_by_label(label).type_text(text);
        harness.run();
    }
    assert_ne!(
        harness.get_by_label(SECRET_LABEL).value().as_deref(),
        Some("ui-secret-123"),
        "the password field does not expose the secret"
    );
    harness.get_by_label(SAVE_LABEL).click();
    harness.run();
    let commands = drain(&mut side);
    let (settings, secret) = commands
        .iter()
        .find_map(|c| match c {
            Command::Composer(ComposerCommand::ConfigureS3 { settings, secret }) => {
                Some((settings, secret))
            }
            _ => None,
        })
        .expect("a ConfigureS3 command");
    assert_eq!(settings.bucket, "posts");
    assert_eq!(settings.access_key_id, "AKIAUI");
    assert_eq!(settings.region, "us-east-1");
    assert!(settings.path_style);
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(secret),
        "ui-secret-123"
    );
    assert!(
        !format!("{commands:?}").contains("ui-secret-123"),
        "the command's Debug output hides the secret"
    );
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::HostingSaved(Ok(
            "Files will be hosted in bucket posts.".into(),
        ))),
    );
    harness.get_by_label("Files will be hosted in bucket posts.");
}

#[test]
fn a_job_that_hangs_can_be_cancelled_and_nothing_stays_disabled() {
    let (mut harness, mut side) = composer_tab(1600.0, account());
    drop_square_picture(&mut harness, &side);
    drain(&mut side);
    harness.get_by_label("Publish").click();
    harness.run();
    let (job, _) = sent_post(&mut side).expect("publish");
    // The engine says nothing more: every button but Cancel waits.
    assert!(
        harness
            .get_by_label("Publish")
            .accesskit_node()
            .is_disabled()
    );
    assert!(
        harness
            .get_by_label("Save draft")
            .accesskit_node()
            .is_disabled()
    );
    harness.get_by_label("Cancel").click();
    harness.run();
    let cancelled = drain(&mut side)
        .into_iter()
        .any(|c| matches!(c, Command::Composer(ComposerCommand::Cancel { job: j }) if j == job));
    assert!(cancelled, "the engine is told to stop the job");
    harness.get_by_label("Cancelled.");
    assert!(
        !harness
            .get_by_label("Publish")
            .accesskit_node()
            .is_disabled()
    );
    assert!(
        !harness
            .get_by_label("Save draft")
            .accesskit_node()
            .is_disabled()
    );
    // A late answer for the cancelled job changes nothing.
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Saved {
            job,
            draft: 9,
            scheduled: false,
        }),
    );
    harness.get_by_label("Cancelled.");
}

#[test]
fn the_same_post_again_asks_before_it_goes_out() {
    let (mut harness, mut side) = composer_tab(1600.0, account());
    drop_square_picture(&mut harness, &side);
    drain(&mut side);
    harness.get_by_label("Publish").click();
    harness.run();
    let (job, post) = sent_post(&mut side).expect("publish");
    assert!(
        !post.allow_duplicate,
        "the first try asks the engine to check"
    );
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Duplicate {
            job,
            message: "the same pictures and caption were published on this account at 2026-12-03 10:00 local (draft 4)".into(),
        }),
    );
    harness.get_by_label(
        "The same pictures and caption were published on this account at 2026-12-03 10:00 local (draft 4).",
    );
    harness.get_by_label("Publish anyway").click();
    harness.run();
    let (_, post) = sent_post(&mut side).expect("publish anyway");
    assert!(post.allow_duplicate, "the user confirmed");
}

#[test]
fn a_draft_that_cannot_be_opened_says_why() {
    let (mut harness, side) = composer_tab(1600.0, account());
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::OpenFailed {
            draft: 5,
            message: "draft 5 is being published or was already sent to Instagram, so it can no longer be edited; start a new post instead".into(),
        }),
    );
    harness.get_by_label_contains("Draft 5 could not be opened: draft 5 is being published");
}

#[test]
fn preparing_and_publishing_show_a_progress_bar_that_moves() {
    let (mut harness, mut side) = composer_tab(1600.0, account());
    drop_square_picture(&mut harness, &side);
    drain(&mut side);
    harness.get_by_label("Publish").click();
    harness.run();
    let (job, _) = sent_post(&mut side).expect("publish");
    let progress = |h: &Harness<'_, App>| {
        h.get_by_role(egui::accesskit::Role::ProgressIndicator)
            .accesskit_node()
            .numeric_value()
    };
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Preparing {
            job,
            item: 0,
            fraction: 0.5,
        }),
    );
    harness.get_by_label("Preparing picture 1…");
    let preparing = progress(&harness).expect("a value");
    push(
        &mut harness,
        &side,
        Event::Composer(ComposerEvent::Progress {
            job,
            draft: 1,
            step: PublishStep::Publishing,
        }),
    );
    let publishing = progress(&harness).expect("a value");
    assert!(
        publishing > preparing,
        "{preparing} then {publishing}: the bar moves forward"
    );
}

#[test]
fn a_desktop_without_a_file_dialog_says_what_to_do_instead() {
    use socialdesk::ui::composer::picker::{NO_DIALOG, ScriptedPicker};
    let (mut harness, _side) = composer_tab(1600.0, account());
    harness
        .state_mut()
        .composer_mut()
        .set_picker(Box::new(ScriptedPicker {
            no_dialog: true,
            ..ScriptedPicker::default()
        }));
    harness.get_by_label("Add files…").click();
    // Stepped, not run: the in-app browser that opens has two text fields egui_file leaves
    // without an accessible name, which `run` refuses.
    harness.step();
    harness.step();
    harness.get_by_label(NO_DIALOG);
}

#[test]
fn files_dragged_over_another_tab_open_the_composer_and_say_where_they_land() {
    let (mut harness, _side) = composer_tab(1600.0, account());
    harness.get_by_label("Feed").click();
    // The Feed shows a spinner while it waits for posts: frames are stepped, not run to rest.
    harness.step();
    harness.step();
    assert_eq!(harness.state().tab(), Tab::Feed);
    harness.input_mut().hovered_files.push(egui::HoveredFile {
        path: Some(PathBuf::from("/pictures/a.jpg")),
        ..Default::default()
    });
    harness.step();
    harness.step();
    assert_eq!(harness.state().tab(), Tab::Composer);
}
