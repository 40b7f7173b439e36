//! Choosing files with the system dialog, behind a trait so tests never open one.

use std::path::PathBuf;

/// Opens a file chooser and returns the chosen files (empty when cancelled).
pub trait FilePicker {
    fn pick(&mut self) -> Vec<PathBuf>;
}

/// The platform dialog (xdg portal, Windows, macOS) through `rfd`.
#[derive(Default)]
pub struct RfdPicker;

impl FilePicker for RfdPicker {
    fn pick(&mut self) -> Vec<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Add pictures or a video")
            .add_filter(
                "Pictures and videos",
                &["jpg", "jpeg", "png", "webp", "mp4", "mov"],
            )
            .pick_files()
            .unwrap_or_default()
    }
}

/// A picker that hands out prepared answers (tests, demos).
#[derive(Default)]
pub struct ScriptedPicker {
    pub answers: Vec<Vec<PathBuf>>,
}

impl FilePicker for ScriptedPicker {
    fn pick(&mut self) -> Vec<PathBuf> {
        if self.answers.is_empty() {
            Vec::new()
        } else {
            self.answers.remove(0)
        }
    }
}
