//! The Composer's own file browser, as a person uses it on a desktop with no file dialog:
//! Browse…, double-click into a folder of photos, pick two, Add; the carousel has them, and
//! the browser opens on that folder again after a restart.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use socialdesk::engine::composer::{ComposerCommand, MediaSource};
use socialdesk::engine::{self, Command};
use socialdesk::model::LoginKind;
use socialdesk::ui::composer::picker::{NO_DIALOG, ScriptedPicker};
use socialdesk::ui::{App, UiPrefs};

use crate::support::ui::{composer_tab, open_composer, queue_click_at};
use crate::support::{account, drain};

/// A folder entry as the browser labels it.
fn folder(name: &str) -> String {
    format!("🗀 {name}")
}

/// A file entry as the browser labels it.
fn file(name: &str) -> String {
    format!("🗋 {name}")
}

/// `root/` holding `photos/` with three demo photos and a text file.
fn photo_folders() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().expect("temp dir");
    let photos = root.path().join("photos");
    std::fs::create_dir(&photos).expect("mkdir");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    for name in ["chelsea.jpg", "coffee.jpg", "rocket.jpg"] {
        std::fs::copy(demo.join(name), photos.join(name)).expect("copy a demo photo");
    }
    std::fs::write(photos.join("notes.txt"), "not a picture").expect("write");
    (root, photos)
}

/// Steps frames until `label` is on screen (folders are listed on their own thread).
fn step_until_shown(harness: &mut Harness<'_, App>, label: &str) {
    let start = Instant::now();
    while harness.query_by_label(label).is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{label:?} never showed in the browser: {:#?}",
            harness.root()
        );
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
}

/// The files the UI asked the engine to preview since the last drain.
fn previews_asked(side: &mut engine::EngineSide) -> Vec<PathBuf> {
    drain(side)
        .into_iter()
        .filter_map(|c| match c {
            Command::Composer(ComposerCommand::LoadPreview(MediaSource::Path(p))) => Some(p),
            _ => None,
        })
        .collect()
}

#[test]
fn two_photos_picked_in_the_browser_make_a_carousel_and_the_folder_is_remembered() {
    let (root, photos) = photo_folders();
    let (mut harness, mut side) = composer_tab(900.0, account("studio", LoginKind::Instagram));
    harness
        .state_mut()
        .composer_mut()
        .set_last_folder(Some(root.path().to_owned()));
    drain(&mut side);

    harness.get_by_label("Browse…").click();
    harness.step();
    step_until_shown(&mut harness, &folder("photos"));
    // A double-click opens the folder, as in any file manager (both clicks in one frame:
    // kittest's frames are a quarter second apart, longer than a double-click).
    let at = harness.get_by_label(&folder("photos")).rect().center();
    queue_click_at(&mut harness, at);
    queue_click_at(&mut harness, at);
    harness.step();
    step_until_shown(&mut harness, &file("coffee.jpg"));
    assert!(
        harness.query_by_label(&file("notes.txt")).is_none(),
        "only pictures and videos are listed"
    );

    harness.get_by_label(&file("chelsea.jpg")).click();
    harness.step();
    harness
        .get_by_label(&file("rocket.jpg"))
        .click_modifiers(egui::Modifiers::CTRL);
    harness.step();
    harness.get_by_label("Add").click();
    harness.run();

    assert_eq!(
        harness.state().composer().item_names(),
        ["chelsea.jpg", "rocket.jpg"]
    );
    harness.get_by_label("Remove chelsea.jpg");
    harness.get_by_label("Remove rocket.jpg");
    assert!(
        harness.query_by_label(&file("coffee.jpg")).is_none(),
        "the browser closed"
    );
    assert_eq!(
        previews_asked(&mut side),
        [photos.join("chelsea.jpg"), photos.join("rocket.jpg")]
    );
    let prefs = harness.state().prefs();
    assert_eq!(prefs.last_folder.as_deref(), Some(photos.as_path()));

    // After a restart the browser opens where the photos were picked.
    let (handle, side) = engine::channel();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 900.0))
        .with_max_steps(32)
        .build_ui_state(
            |ui, app: &mut App| app.ui(ui),
            App::new(handle).with_prefs(UiPrefs {
                tab: socialdesk::ui::Tab::Feed,
                ..prefs
            }),
        );
    harness.run_steps(2);
    open_composer(&mut harness, &side, account("studio", LoginKind::Instagram));
    harness.get_by_label("Browse…").click();
    harness.step();
    step_until_shown(&mut harness, &file("coffee.jpg"));
}

#[test]
fn without_a_file_dialog_add_files_opens_the_browser_and_says_why() {
    let (root, _photos) = photo_folders();
    let (mut harness, _side) = composer_tab(900.0, account("studio", LoginKind::Instagram));
    let composer = harness.state_mut().composer_mut();
    composer.set_last_folder(Some(root.path().to_owned()));
    composer.set_picker(Box::new(ScriptedPicker {
        no_dialog: true,
        ..ScriptedPicker::default()
    }));
    harness.get_by_label("Add files…").click();
    harness.step();
    harness.step();
    harness.get_by_label(NO_DIALOG);
    step_until_shown(&mut harness, &folder("photos"));
    // Cancelling adds nothing.
    harness.get_by_label("Cancel").click();
    harness.run();
    assert!(harness.query_by_label(&folder("photos")).is_none());
    assert!(harness.state().composer().item_names().is_empty());
}
