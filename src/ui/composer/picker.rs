//! Choosing files with the system dialog, behind a trait so tests never open one.
//!
//! The dialog never runs on the UI thread: [`FilePicker::pick`] hands back a [`Pending`]
//! answer that a later frame picks up.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::ui::pending::Pending;

/// Said when the desktop has no file dialog to show.
pub const NO_DIALOG: &str = "This desktop has no file dialog (it needs xdg-desktop-portal or \
    zenity), so socialdesk's own browser opens instead; you can also drop pictures onto this \
    window, or copy one and press Ctrl+V.";

/// A dialog that answers "nothing chosen" faster than this was never shown: no person opens
/// a dialog and cancels it within a quarter of a second.
const SHOWN_AT_LEAST: Duration = Duration::from_millis(250);

/// Opens a file chooser; the chosen files (empty when cancelled) arrive later.
pub trait FilePicker {
    fn pick(&mut self, ctx: &egui::Context) -> Pending<Vec<PathBuf>>;

    /// After an empty answer: why no dialog could be shown, when that is known (`None`:
    /// the user cancelled).
    fn unavailable(&self) -> Option<&'static str> {
        None
    }
}

/// The platform dialog (xdg portal or zenity on Linux, Windows, macOS) through `rfd`'s async
/// dialog, which may run on any thread.
#[derive(Default)]
pub struct RfdPicker {
    /// Set when the last dialog came back empty at once: none could be shown.
    missing: Arc<AtomicBool>,
}

impl FilePicker for RfdPicker {
    fn unavailable(&self) -> Option<&'static str> {
        self.missing.load(Ordering::Relaxed).then_some(NO_DIALOG)
    }

    fn pick(&mut self, ctx: &egui::Context) -> Pending<Vec<PathBuf>> {
        let missing = self.missing.clone();
        let dialog = rfd::AsyncFileDialog::new()
            .set_title("Add pictures or a video")
            .add_filter(
                "Pictures and videos",
                &["jpg", "jpeg", "png", "webp", "heic", "heif", "mp4", "mov"],
            );
        Pending::spawn(ctx, move || {
            let opened = Instant::now();
            let chosen = pollster::block_on(dialog.pick_files());
            missing.store(
                chosen.is_none() && opened.elapsed() < SHOWN_AT_LEAST,
                Ordering::Relaxed,
            );
            chosen
                .unwrap_or_default()
                .into_iter()
                .map(|file| file.path().to_path_buf())
                .collect()
        })
    }
}

/// A picker that hands out prepared answers (tests, demos); `no_dialog` plays a desktop
/// without any file dialog.
#[derive(Default)]
pub struct ScriptedPicker {
    pub answers: Vec<Vec<PathBuf>>,
    pub no_dialog: bool,
}

impl FilePicker for ScriptedPicker {
    fn unavailable(&self) -> Option<&'static str> {
        self.no_dialog.then_some(NO_DIALOG)
    }

    fn pick(&mut self, _ctx: &egui::Context) -> Pending<Vec<PathBuf>> {
        if self.answers.is_empty() {
            Pending::ready(Vec::new())
        } else {
            Pending::ready(self.answers.remove(0))
        }
    }
}
