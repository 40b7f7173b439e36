//! Headless app fixtures: the app in an egui_kittest harness with the test playing the
//! engine, a connected account and the tab a test starts from.

use std::path::PathBuf;
use std::sync::Arc;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use socialdesk::engine::composer::{ComposerCommand, ComposerEvent, PostSpec};
use socialdesk::engine::{self, Command, EngineSide, Event};
use socialdesk::model::{Account, LoginKind};
use socialdesk::ui::{App, Tab, UiPrefs};

use super::{DroppedPath, push};

/// The app headless, 1280 px wide and `height` tall (long forms need the room), with the
/// test playing the engine through the returned side.
pub fn app_harness(height: f32) -> (Harness<'static, App>, EngineSide) {
    let (handle, side) = engine::channel();
    let harness = Harness::builder()
        .with_size(egui::vec2(1280.0, height))
        .with_max_steps(32)
        .build_ui_state(|ui, app: &mut App| app.ui(ui), App::new(handle));
    (harness, side)
}

/// [`app_harness`] 800 px tall that starts on `tab` (as saved preferences would).
pub fn app_harness_on(tab: Tab) -> (Harness<'static, App>, EngineSide) {
    let (handle, side) = engine::channel();
    let harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_max_steps(32)
        .build_ui_state(
            |ui, app: &mut App| app.ui(ui),
            App::new(handle).with_prefs(UiPrefs {
                tab,
                ..UiPrefs::default()
            }),
        );
    (harness, side)
}

/// Focuses the text field named `label` and types into it.
pub fn type_into(harness: &mut Harness<'_, App>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.run();
    harness.get_by_label(label).type_text(text);
    harness.run();
}
/// Hands the UI its one connected account, active, as the engine does.
pub fn connect(side: &EngineSide, account: Account) {
    assert!(side.events.try_send(Event::Accounts {
        active: Some(account.id.clone()),
        accounts: vec![account],
    }));
}

/// The app `height` tall with @studio (Instagram Login) connected and the Comments tab
/// open. The engine has been asked for the inbox; nothing is drained.
pub fn comments_tab(height: f32) -> (Harness<'static, App>, EngineSide) {
    let (mut harness, side) = app_harness(height);
    harness.run_steps(6);
    connect(&side, super::account("studio", LoginKind::Instagram));
    harness.run_steps(6);
    harness.get_by_label("Comments").click();
    harness.run_steps(6);
    (harness, side)
}

/// Connects `account` and opens the Composer tab. The Feed shows a spinner while it waits
/// for posts, so the frames before the tab switch are stepped, not run to rest.
pub fn open_composer(harness: &mut Harness<'_, App>, side: &EngineSide, account: Account) {
    connect(side, account);
    harness.step();
    harness.step();
    harness.get_by_label("Composer").click();
    harness.run();
}

/// The app `height` tall, run to rest, then [`open_composer`] for `account`.
pub fn composer_tab(height: f32, account: Account) -> (Harness<'static, App>, EngineSide) {
    let (mut harness, side) = app_harness(height);
    harness.run();
    open_composer(&mut harness, &side, account);
    (harness, side)
}

/// Drops `/photos/square.jpg` on the Composer and answers as the engine would: a square
/// 1080 px preview.
pub fn drop_square_picture(harness: &mut Harness<'_, App>, side: &EngineSide) {
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(PathBuf::from("/photos/square.jpg"))));
    harness.run();
    let image = egui::ColorImage::filled([100, 100], egui::Color32::from_rgb(90, 120, 160));
    push(
        harness,
        side,
        Event::Composer(ComposerEvent::Preview {
            source: "square.jpg".into(),
            image: Arc::new(image),
            width: 1080,
            height: 1080,
        }),
    );
}

/// The job and post of the Publish command the UI sent since the last drain (the Publish
/// and Schedule buttons both send one), if any.
pub fn sent_post(side: &mut EngineSide) -> Option<(u64, PostSpec)> {
    super::drain(side).into_iter().find_map(|c| match c {
        Command::Composer(ComposerCommand::Publish { job, post }) => Some((job, post)),
        _ => None,
    })
}

/// Queues a press and release of the primary button at `pos` (a click, no movement); the
/// caller runs or steps the harness.
pub fn queue_click_at(harness: &mut Harness<'_, App>, pos: egui::Pos2) {
    let input = harness.input_mut();
    input.events.push(egui::Event::PointerMoved(pos));
    for pressed in [true, false] {
        input.events.push(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
}

/// eframe's storage as a map (what it writes to `window.ron`), to restart the app in a test.
#[derive(Default)]
pub struct MemoryStorage(pub std::collections::HashMap<String, String>);

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
