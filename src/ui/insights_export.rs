//! Exports from the Insights tab: CSV text of any table or series, PNG of a chart, and the
//! save dialog behind the [`SaveDialog`] trait so tests never open a real one.
//!
//! The UI only builds the bytes (or takes the screenshot) and asks where to put them; the
//! engine encodes chart pictures and writes the files (`InsightsCommand::WriteFile`,
//! `WriteChartPng`), so no encoding or disk IO happens on the UI thread.

use std::path::PathBuf;

use super::pending::Pending;

/// Asks the user where to save a file, without blocking the UI thread.
pub trait SaveDialog {
    /// The path to save `suggested_name` to (None when the user cancelled), once answered.
    fn save_path(
        &self,
        ctx: &egui::Context,
        suggested_name: &str,
        extension: &str,
    ) -> Pending<Option<PathBuf>>;
}

/// The system save dialog (rfd: the XDG portal on Linux), on its own thread; rfd's async
/// dialog may run on any thread (macOS hands it to the main thread itself).
pub struct RfdSaveDialog;

impl SaveDialog for RfdSaveDialog {
    fn save_path(
        &self,
        ctx: &egui::Context,
        suggested_name: &str,
        extension: &str,
    ) -> Pending<Option<PathBuf>> {
        let dialog = rfd::AsyncFileDialog::new()
            .set_file_name(suggested_name)
            .add_filter(extension.to_ascii_uppercase(), &[extension]);
        Pending::spawn(ctx, move || {
            pollster::block_on(dialog.save_file()).map(|file| file.path().to_path_buf())
        })
    }
}

pub use crate::engine::insights::csv::{csv_field, media_csv, pairs_csv, series_csv};
