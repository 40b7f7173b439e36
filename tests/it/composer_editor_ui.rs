//! The Composer's editor headless (the test plays the engine): reorder carousel items by
//! buttons, keys and mouse drag, with item 1 setting every slide's shape, and the order
//! reaching the `PostSpec`; the live feed preview with the caption cut and "more".

use crate::support::{DroppedPath, drain, push};

use std::path::PathBuf;
use std::sync::Arc;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use socialdesk::engine::composer::{ComposerCommand, ComposerEvent, MediaSource, PostSpec};
use socialdesk::engine::{Command, EngineSide, Event};
use socialdesk::media::clipboard::encode_png;
use socialdesk::model::{Account, LoginKind};
use socialdesk::store::PostKind;
use socialdesk::ui::App;
use socialdesk::ui::composer::paste::ScriptedClipboard;
use socialdesk::ui::composer::preview::PREVIEW_PICTURE_LABEL;

use crate::support::ui::{composer_tab, sent_post};

fn account() -> Account {
    crate::support::account("demo.studio", LoginKind::Instagram)
}

/// The Composer with the account connected and `files` dropped and decoded
/// (`(name, width, height)`).
fn composer_with(files: &[(&str, u32, u32)]) -> (Harness<'static, App>, EngineSide) {
    let (mut harness, mut side) = composer_tab(2400.0, account());
    for (name, w, h) in files {
        harness
            .input_mut()
            .dropped_files
            .push(Arc::new(DroppedPath(PathBuf::from(format!(
                "/photos/{name}"
            )))));
        harness.run();
        let shade = (*w % 200) as u8;
        push(
            &mut harness,
            &side,
            Event::Composer(ComposerEvent::Preview {
                source: (*name).into(),
                image: Arc::new(egui::ColorImage::filled(
                    [(*w / 10) as usize, (*h / 10) as usize],
                    egui::Color32::from_rgb(shade, 120, 160),
                )),
                width: *w,
                height: *h,
            }),
        );
    }
    drain(&mut side);
    (harness, side)
}

fn names(harness: &Harness<'_, App>) -> Vec<String> {
    harness.state().composer().item_names()
}

/// Clicks Publish and returns the post sent; then plays a failed answer so the tab is free
/// for the next try.
fn published(harness: &mut Harness<'_, App>, side: &mut EngineSide) -> PostSpec {
    let button = harness.get_by_label("Publish");
    assert!(!button.accesskit_node().is_disabled(), "Publish is enabled");
    button.click();
    harness.run();
    let (job, post) = sent_post(side).expect("a Publish command");
    push(
        harness,
        side,
        Event::Composer(ComposerEvent::Failed {
            job,
            draft: None,
            message: "stopped by the test".into(),
        }),
    );
    post
}

fn file_names(post: &PostSpec) -> Vec<String> {
    post.items.iter().map(|i| i.source.name()).collect()
}

#[test]
fn buttons_reorder_and_item_one_sets_every_slides_shape() {
    let (mut harness, mut side) =
        composer_with(&[("square.jpg", 1080, 1080), ("wide.jpg", 1600, 1000)]);
    assert_eq!(names(&harness), ["square.jpg", "wide.jpg"]);
    // Item 1 is square, so the wide picture is cropped square too.
    let post = published(&mut harness, &mut side);
    assert_eq!(post.kind, PostKind::Carousel);
    assert!((post.items[1].crop.aspect(1600, 1000) - 1.0).abs() < 0.01);
    harness.get_by_label_contains("Shape follows item 1");

    // Move the wide picture first: now it sets the shape (its full 1.6:1 frame) and the
    // square picture is cut to 1.6:1.
    harness.get_by_label("Move wide.jpg earlier").click();
    harness.run();
    assert_eq!(names(&harness), ["wide.jpg", "square.jpg"]);
    harness.get_by_label("1. wide.jpg");
    harness.get_by_label("2. square.jpg");
    // The first item keeps the crop it had (square); choose its full frame back with Free.
    harness.get_by_label("1. wide.jpg").click();
    harness.run();
    harness.get_by_label("Free").click();
    harness.run();
    let post = published(&mut harness, &mut side);
    assert_eq!(file_names(&post), ["wide.jpg", "square.jpg"]);
    let first = post.items[0].crop.aspect(1600, 1000);
    assert!((first - 1.6).abs() < 0.01, "{first}");
    let second = post.items[1].crop.aspect(1080, 1080);
    assert!(
        (second - first).abs() < 0.01,
        "slide 2 follows slide 1: {second}"
    );

    // Remove: the post keeps the rest, in order.
    harness.get_by_label("Remove wide.jpg").click();
    harness.run();
    assert_eq!(names(&harness), ["square.jpg"]);
}

#[test]
fn alt_arrows_move_the_selected_item() {
    let (mut harness, _side) = composer_with(&[
        ("a.jpg", 1080, 1080),
        ("b.jpg", 1080, 1080),
        ("c.jpg", 1080, 1080),
    ]);
    // c.jpg (the last dropped) is selected.
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowLeft);
    harness.run();
    assert_eq!(names(&harness), ["a.jpg", "c.jpg", "b.jpg"]);
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowLeft);
    harness.run();
    assert_eq!(names(&harness), ["c.jpg", "a.jpg", "b.jpg"]);
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowRight);
    harness.run();
    assert_eq!(names(&harness), ["a.jpg", "c.jpg", "b.jpg"]);
}

#[test]
fn dragging_a_card_onto_another_reorders_and_reaches_the_post() {
    let (mut harness, mut side) = composer_with(&[
        ("a.jpg", 1080, 1080),
        ("b.jpg", 1080, 1080),
        ("c.jpg", 1080, 1080),
    ]);
    let from = harness
        .get_by_label("Drag c.jpg to reorder")
        .rect()
        .center();
    let to = harness
        .get_by_label("Drag a.jpg to reorder")
        .rect()
        .center();
    let mouse = |harness: &mut Harness<'_, App>, event: egui::Event| {
        harness.input_mut().events.push(event);
        harness.step();
    };
    mouse(&mut harness, egui::Event::PointerMoved(from));
    mouse(
        &mut harness,
        egui::Event::PointerButton {
            pos: from,
            button: egui::PointerButton::Primary,
            pressed: true,
            modifiers: egui::Modifiers::NONE,
        },
    );
    // Move in small steps, as a hand does: the drag starts once past egui's threshold.
    for k in 1..=10 {
        let t = k as f32 / 10.0;
        mouse(
            &mut harness,
            egui::Event::PointerMoved(from + (to - from) * t),
        );
    }
    mouse(
        &mut harness,
        egui::Event::PointerButton {
            pos: to,
            button: egui::PointerButton::Primary,
            pressed: false,
            modifiers: egui::Modifiers::NONE,
        },
    );
    harness.run();
    assert_eq!(names(&harness), ["c.jpg", "a.jpg", "b.jpg"]);
    let post = published(&mut harness, &mut side);
    assert_eq!(file_names(&post), ["c.jpg", "a.jpg", "b.jpg"]);
}

#[test]
fn the_preview_cuts_a_long_caption_with_more() {
    let (mut harness, _side) = composer_with(&[("a.jpg", 1080, 1350), ("b.jpg", 1080, 1350)]);
    harness.get_by_label(PREVIEW_PICTURE_LABEL);
    let caption = "Morning light on the new single-origin roast, pulled slow and sweet. \
                   Come by the shop this weekend and taste it with us before it sells out #coffee";
    harness.get_by_label("Caption").focus();
    harness.run();
    harness.get_by_label("Caption").type_text(caption);
    harness.run();
    // Cut between words before the 125th character, then "more".
    let cut = harness.get_by_label_contains("Morning light on the new");
    let node = cut.accesskit_node();
    let shown = node
        .label()
        .filter(|l| !l.is_empty())
        .or_else(|| node.value())
        .unwrap_or_default();
    assert!(shown.ends_with('…'), "{shown:?}");
    assert!(shown.chars().count() <= 126, "{shown}");
    assert!(!shown.contains("#coffee"));
    assert_eq!(
        harness.query_all_by_label("demo.studio").count(),
        2,
        "the header and the caption name the account"
    );
    harness.get_by_label("more").click();
    harness.run();
    assert!(harness.query_by_label("more").is_none());
    harness.get_by_label_contains("sells out #coffee");
    harness.get_by_label("less");
}

#[test]
fn pasting_with_no_picture_on_the_clipboard_says_so() {
    let (mut harness, mut side) = composer_with(&[]);
    harness
        .state_mut()
        .composer_mut()
        .set_clipboard(Box::new(ScriptedClipboard::default()));
    harness.get_by_label("Paste image").click();
    harness.run();
    harness.get_by_label_contains("the clipboard holds no picture");
    assert!(names(&harness).is_empty());
    assert!(
        !drain(&mut side)
            .iter()
            .any(|c| matches!(c, Command::Composer(ComposerCommand::LoadPreview(_))))
    );
}

#[test]
fn ctrl_v_adds_the_clipboard_picture_as_a_png() {
    let (mut harness, mut side) = composer_with(&[]);
    let png = encode_png(2, 1, &[255, 0, 0, 255, 0, 0, 255, 255]).expect("png");
    harness
        .state_mut()
        .composer_mut()
        .set_clipboard(Box::new(ScriptedClipboard {
            answers: vec![Ok(png.clone())],
        }));
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::V);
    harness.run();
    assert_eq!(names(&harness), ["pasted-1.png"]);
    let sent = drain(&mut side).into_iter().find_map(|c| match c {
        Command::Composer(ComposerCommand::LoadPreview(MediaSource::Bytes { name, bytes })) => {
            Some((name, bytes))
        }
        _ => None,
    });
    let (name, bytes) = sent.expect("the pasted picture is sent for decoding");
    assert_eq!(name, "pasted-1.png");
    assert_eq!(*bytes, png);
}

#[test]
fn a_picture_eframe_took_off_the_clipboard_is_encoded_off_the_ui_thread() {
    let (mut harness, mut side) = composer_with(&[]);
    let image = egui::ColorImage::filled([4, 3], egui::Color32::from_rgb(10, 20, 30));
    harness
        .input_mut()
        .events
        .push(egui::Event::PasteImage(Arc::new(image)));
    harness.run();
    // The PNG is encoded on its own thread; wait for it.
    let start = std::time::Instant::now();
    while names(&harness).is_empty() && start.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(20));
        harness.run();
    }
    assert_eq!(names(&harness), ["pasted-1.png"]);
    let bytes = drain(&mut side)
        .into_iter()
        .find_map(|c| match c {
            Command::Composer(ComposerCommand::LoadPreview(MediaSource::Bytes {
                bytes, ..
            })) => Some(bytes),
            _ => None,
        })
        .expect("sent for decoding");
    let decoded = image::load_from_memory(&bytes).expect("a real PNG");
    assert_eq!((decoded.width(), decoded.height()), (4, 3));
}
