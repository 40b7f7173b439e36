//! Every tab at the smallest supported window (1024×700), on the real engine over the demo
//! sandbox: the controls a manager needs on each tab are inside the window, not cut off
//! or pushed below it.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use socialdesk::engine;
use socialdesk::ui::{App, Tab};

use crate::support::{DroppedPath, world};

const WINDOW: egui::Vec2 = egui::vec2(1024.0, 700.0);

/// Steps until `done` (the engine works in the background), failing after 120 s.
fn step_until(
    harness: &mut Harness<'_, App>,
    what: &str,
    mut done: impl FnMut(&Harness<'_, App>) -> bool,
) {
    let start = Instant::now();
    while !done(harness) {
        assert!(
            start.elapsed() < Duration::from_mins(2),
            "waited for {what}"
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Fails unless the widget labelled `label` lies wholly inside the window.
fn assert_inside(harness: &Harness<'_, App>, tab: Tab, label: &str) {
    let rect = harness.get_by_label(label).rect();
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, WINDOW);
    assert!(
        window.contains_rect(rect),
        "{tab:?}: \"{label}\" is at {rect:?}, outside the {}×{} window",
        WINDOW.x,
        WINDOW.y
    );
}

#[test]
fn every_tab_keeps_its_controls_inside_a_1024_by_700_window() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let world = runtime.block_on(world());
    let (handle, _engine) = engine::spawn(world.config()).expect("engine");
    let mut harness = Harness::builder()
        .with_size(WINDOW)
        .build_ui_state(|ui, app: &mut App| app.ui(ui), App::new(handle));
    let username = world.account().username.clone();
    step_until(&mut harness, "the account", |h| {
        h.query_all_by_label_contains(&username).next().is_some()
    });

    let photos = tempfile::tempdir().expect("temp dir");
    let key_controls: [(Tab, &[&str]); 6] = [
        (Tab::Feed, &["Refresh"]),
        (Tab::Composer, &["Publish", "Save draft", "Caption"]),
        (Tab::Comments, &["Inbox", "Unanswered", "Questions"]),
        (Tab::Dms, &["Refresh"]),
        (Tab::Insights, &["Refresh", "Custom"]),
        (Tab::Calendar, &["Today", "Next month", "Refresh"]),
    ];
    for (tab, labels) in key_controls {
        harness.get_by_label(tab.label()).click();
        harness.step();
        if tab == Tab::Composer {
            // A picture in the form: the editor and preview take their room.
            let path = photos.path().join("fit.jpg");
            image::RgbImage::from_pixel(1080, 1350, image::Rgb([200, 60, 90]))
                .save(&path)
                .expect("write picture");
            harness
                .input_mut()
                .dropped_files
                .push(std::sync::Arc::new(DroppedPath(path)));
            step_until(&mut harness, "the picture", |h| {
                h.query_by_label("1. fit.jpg").is_some()
            });
        }
        step_until(&mut harness, &format!("{tab:?}'s controls"), |h| {
            labels.iter().all(|l| h.query_by_label(l).is_some())
        });
        harness.run_steps(4);
        for label in labels {
            assert_inside(&harness, tab, label);
        }
        if tab == Tab::Calendar {
            // The colour legend moves to a line of its own rather than under the buttons.
            let legend = harness.get_by_label("published").rect();
            let refresh = harness.get_by_label("Refresh").rect();
            assert!(
                !legend.intersects(refresh),
                "the legend {legend:?} covers Refresh {refresh:?}"
            );
            assert_inside(&harness, tab, "failed");
        }
    }
}
