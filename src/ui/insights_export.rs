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

/// The system save dialog (rfd: the XDG portal or zenity on Linux), on its own thread; rfd's
/// async dialog may run on any thread (macOS hands it to the main thread itself). Where the
/// desktop has no dialog at all, the export is not dropped: it goes to the Downloads folder
/// (else home) under a name that overwrites nothing, and the tab says where.
pub struct RfdSaveDialog;

/// A dialog that answers "cancelled" faster than this was never shown.
const SHOWN_AT_LEAST: std::time::Duration = std::time::Duration::from_millis(250);

/// Where an export goes when no dialog can be shown: `name` in `folder`, numbered
/// ("name (2).csv") past files that already exist.
pub fn fallback_path(folder: &std::path::Path, name: &str) -> PathBuf {
    let first = folder.join(name);
    if !first.exists() {
        return first;
    }
    let path = std::path::Path::new(name);
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or(name);
    let extension = path.extension().and_then(|s| s.to_str());
    (2..10_000)
        .map(|n| match extension {
            Some(ext) => folder.join(format!("{stem} ({n}).{ext}")),
            None => folder.join(format!("{stem} ({n})")),
        })
        .find(|candidate| !candidate.exists())
        .unwrap_or(first)
}

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
        let name = suggested_name.to_owned();
        Pending::spawn(ctx, move || {
            let opened = std::time::Instant::now();
            let chosen =
                pollster::block_on(dialog.save_file()).map(|file| file.path().to_path_buf());
            if chosen.is_some() || opened.elapsed() >= SHOWN_AT_LEAST {
                return chosen;
            }
            tracing::warn!("no file dialog could be shown: saving to the Downloads folder");
            let dirs = directories::UserDirs::new()?;
            let folder = dirs
                .download_dir()
                .unwrap_or_else(|| dirs.home_dir())
                .to_path_buf();
            Some(fallback_path(&folder, &name))
        })
    }
}

pub use crate::engine::insights::csv::{csv_field, media_csv, pairs_csv, series_csv};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fallback_export_never_overwrites_a_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = fallback_path(dir.path(), "insights-posts.csv");
        assert_eq!(first, dir.path().join("insights-posts.csv"));
        std::fs::write(&first, "a").expect("write");
        let second = fallback_path(dir.path(), "insights-posts.csv");
        assert_eq!(second, dir.path().join("insights-posts (2).csv"));
        std::fs::write(&second, "b").expect("write");
        assert_eq!(
            fallback_path(dir.path(), "insights-posts.csv"),
            dir.path().join("insights-posts (3).csv")
        );
    }
}
