//! Choosing files with the system dialog, behind a trait so tests never open one.
//!
//! The dialog never runs on the UI thread: [`FilePicker::pick`] hands back a [`Pending`]
//! answer that a later frame picks up.

use std::path::PathBuf;

use crate::ui::pending::Pending;

/// Opens a file chooser; the chosen files (empty when cancelled) arrive later.
pub trait FilePicker {
    fn pick(&mut self, ctx: &egui::Context) -> Pending<Vec<PathBuf>>;
}

/// The platform dialog (xdg portal, Windows, macOS) through `rfd`'s async dialog, which
/// may run on any thread.
#[derive(Default)]
pub struct RfdPicker;

impl FilePicker for RfdPicker {
    fn pick(&mut self, ctx: &egui::Context) -> Pending<Vec<PathBuf>> {
        let dialog = rfd::AsyncFileDialog::new()
            .set_title("Add pictures or a video")
            .add_filter(
                "Pictures and videos",
                &["jpg", "jpeg", "png", "webp", "heic", "heif", "mp4", "mov"],
            );
        Pending::spawn(ctx, move || {
            pollster::block_on(dialog.pick_files())
                .unwrap_or_default()
                .into_iter()
                .map(|file| file.path().to_path_buf())
                .collect()
        })
    }
}

/// A picker that hands out prepared answers (tests, demos).
#[derive(Default)]
pub struct ScriptedPicker {
    pub answers: Vec<Vec<PathBuf>>,
}

impl FilePicker for ScriptedPicker {
    fn pick(&mut self, _ctx: &egui::Context) -> Pending<Vec<PathBuf>> {
        if self.answers.is_empty() {
            Pending::ready(Vec::new())
        } else {
            Pending::ready(self.answers.remove(0))
        }
    }
}
