//! The theme setting as a person uses it: click Light in the sidebar, the whole window turns
//! light (drawn pixels, not only a flag), and the choice is back after a restart.

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use socialdesk::model::LoginKind;
use socialdesk::ui::App;

use crate::support::account;
use crate::support::ui::{MemoryStorage, app_harness, connect};

/// The brightness (0–255) of the drawn sidebar, below its last row (the rendered image has
/// a transparent margin of a few pixels).
fn sidebar_brightness(harness: &mut Harness<'_, App>) -> u8 {
    let image = harness.render().expect("render the UI");
    let pixel = image.get_pixel(30, 500);
    let [r, g, b, _] = pixel.0;
    ((u16::from(r) + u16::from(g) + u16::from(b)) / 3) as u8
}

fn selected(harness: &Harness<'_, App>, label: &str) -> bool {
    harness.get_by_label(label).accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
}

#[test]
fn light_theme_switches_the_visuals_and_is_back_after_a_restart() {
    let (mut harness, side) = app_harness(800.0);
    harness.run_steps(2);
    connect(&side, account("studio", LoginKind::Instagram));
    harness.run_steps(4);
    assert!(harness.ctx.global_style().visuals.dark_mode, "dark first");
    assert!(selected(&harness, "Dark"));
    let dark = sidebar_brightness(&mut harness);

    harness.get_by_label("Light").click();
    harness.run_steps(3);
    assert_eq!(harness.ctx.theme(), egui::Theme::Light);
    assert!(!harness.ctx.global_style().visuals.dark_mode);
    assert!(selected(&harness, "Light"));
    let light = sidebar_brightness(&mut harness);
    assert!(
        dark < 60 && light > 200,
        "the sidebar went from {dark} to {light}"
    );

    // Closing the window saves the choice; the next run starts light.
    let mut storage = MemoryStorage::default();
    eframe::App::save(harness.state_mut(), &mut storage);
    drop(harness);
    let (handle, _side) = socialdesk::engine::channel();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(
            |ui, app: &mut App| app.ui(ui),
            App::restored(handle, Some(&storage)),
        );
    harness.run_steps(3);
    assert_eq!(harness.ctx.theme(), egui::Theme::Light);
    assert!(selected(&harness, "Light"));
    assert!(sidebar_brightness(&mut harness) > 200);

    // And back.
    harness.get_by_label("Dark").click();
    harness.run_steps(3);
    assert_eq!(harness.ctx.theme(), egui::Theme::Dark);
}

#[test]
fn the_notifications_switch_tells_the_engine_and_is_kept() {
    use socialdesk::engine::notify::NotifyCommand;
    let (mut harness, mut side) = app_harness(800.0);
    harness.run_steps(2);
    assert!(
        notify_commands(&mut side).is_empty(),
        "on by default, nothing to say"
    );
    harness.get_by_label("Desktop notifications").click();
    harness.run_steps(2);
    assert_eq!(notify_commands(&mut side), [NotifyCommand::Enabled(false)]);
    assert!(harness.state().prefs().notifications_off);

    // The window going to the background is reported once.
    harness.input_mut().focused = false;
    harness.run_steps(2);
    assert_eq!(notify_commands(&mut side), [NotifyCommand::Focused(false)]);

    // After a restart the engine hears it is off before anything else can notify.
    let (mut harness, mut side) = reopened(&mut harness);
    harness.run_steps(2);
    assert_eq!(notify_commands(&mut side), [NotifyCommand::Enabled(false)]);
}

#[test]
fn one_notification_topic_can_be_switched_off_and_stays_off() {
    use socialdesk::engine::notify::{NotifyCommand, NotifyTopic};
    let (mut harness, mut side) = app_harness(800.0);
    harness.run_steps(2);
    notify_commands(&mut side);
    harness.get_by_label("New DMs").click();
    harness.run_steps(2);
    assert_eq!(
        notify_commands(&mut side),
        [NotifyCommand::Topic(NotifyTopic::Messages, false)]
    );
    assert_eq!(
        harness.state().prefs().muted_topics,
        [NotifyTopic::Messages]
    );
    // The main switch off hides the topics; on again, they are back as they were.
    harness.get_by_label("Desktop notifications").click();
    harness.run_steps(2);
    assert!(harness.query_by_label("New DMs").is_none());
    harness.get_by_label("Desktop notifications").click();
    harness.run_steps(2);
    assert_eq!(
        harness.get_by_label("New DMs").accesskit_node().toggled(),
        Some(egui::accesskit::Toggled::False)
    );

    // After a restart the engine hears it before anything can notify.
    let (mut harness, mut side) = reopened(&mut harness);
    harness.run_steps(2);
    assert_eq!(
        notify_commands(&mut side),
        [NotifyCommand::Topic(NotifyTopic::Messages, false)]
    );
}

/// The notification settings the app told the engine since the last look.
fn notify_commands(
    side: &mut socialdesk::engine::EngineSide,
) -> Vec<socialdesk::engine::notify::NotifyCommand> {
    crate::support::drain(side)
        .into_iter()
        .filter_map(|c| match c {
            socialdesk::engine::Command::Notifications(n) => Some(n),
            _ => None,
        })
        .collect()
}

/// The app saved through eframe's storage and opened again on it, with a new engine side.
fn reopened(
    harness: &mut Harness<'static, App>,
) -> (Harness<'static, App>, socialdesk::engine::EngineSide) {
    let mut storage = MemoryStorage::default();
    eframe::App::save(harness.state_mut(), &mut storage);
    let (handle, side) = socialdesk::engine::channel();
    let harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(
            |ui, app: &mut App| app.ui(ui),
            App::restored(handle, Some(&storage)),
        );
    (harness, side)
}
