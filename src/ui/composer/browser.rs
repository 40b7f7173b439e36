//! socialdesk's own file browser (`egui_file`), for desktops without a native file dialog
//! (no xdg-desktop-portal, no zenity: i3, sway, Xvfb) and for anyone who clicks *Browse…*.
//!
//! It shows pictures and videos only, lets several be picked (Ctrl+click, Shift+click) and
//! opens where the user last picked from. `egui_file` reads folders through its [`Vfs`]
//! trait, synchronously from the frame that asks; [`ThreadedFolders`] answers such a read
//! from a listing made on its own thread (a folder on a slow network mount must not freeze
//! the window), with an empty list until that listing arrives, and the browser shows it then.
//! The crate's *New folder* and *Rename* (disk writes on the UI thread) are switched off. One
//! IO remains on the UI thread: a path typed into the browser's path field is looked up once
//! (one `stat`) when the field loses focus, which the crate does itself.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use egui_file::vfs::VfsFile;
use egui_file::{FileDialog, Filter, State, Vfs};

/// The extensions the Composer takes (the same as the native dialog's filter).
pub const MEDIA_EXTENSIONS: [&str; 8] =
    ["jpg", "jpeg", "png", "webp", "heic", "heif", "mp4", "mov"];

/// The browser window's title; tests find the window by it.
pub const TITLE: &str = "Add pictures or a video";

/// True when `path` names a picture or video the Composer takes (by extension).
pub fn is_media(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MEDIA_EXTENSIONS.iter().any(|m| e.eq_ignore_ascii_case(m)))
}

/// One entry of a folder listing.
#[derive(Clone, Debug)]
struct Entry {
    path: PathBuf,
    name: String,
    is_dir: bool,
    selected: bool,
}

impl VfsFile for Entry {
    fn is_file(&self) -> bool {
        !self.is_dir
    }
    fn is_dir(&self) -> bool {
        self.is_dir
    }
    fn path(&self) -> &Path {
        &self.path
    }
    fn selected(&self) -> bool {
        self.selected
    }
    fn set_selected(&mut self, selected: bool) {
        self.selected = selected;
    }
    fn get_file_name(&self) -> &str {
        &self.name
    }
}

/// Folder listings made on their own threads, waiting to be shown.
#[derive(Default)]
struct Listings {
    /// Finished listings (an error as its message), taken by the next read of that folder.
    done: HashMap<PathBuf, Result<Vec<Entry>, String>>,
    /// Folders being listed right now.
    reading: HashSet<PathBuf>,
}

/// A [`Vfs`] whose reads never touch the disk on the calling (UI) thread.
#[derive(Clone)]
pub struct ThreadedFolders {
    listings: Arc<Mutex<Listings>>,
    ctx: egui::Context,
}

impl ThreadedFolders {
    fn new(ctx: &egui::Context) -> Self {
        Self {
            listings: Arc::default(),
            ctx: ctx.clone(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Listings> {
        // A panicking lister thread leaves plain data behind: keep using it.
        self.listings.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// True when a listing of `folder` arrived and waits to be shown.
    fn has_listing(&self, folder: &Path) -> bool {
        self.lock().done.contains_key(folder)
    }

    /// True while `folder` is being listed.
    fn is_reading(&self, folder: &Path) -> bool {
        self.lock().reading.contains(folder)
    }

    /// Starts listing `folder` on its own thread, unless that is under way.
    fn start_listing(&self, folder: &Path) {
        if !self.lock().reading.insert(folder.to_owned()) {
            return;
        }
        let this = self.clone();
        let folder = folder.to_owned();
        let started = std::thread::Builder::new()
            .name("list-folder".into())
            .spawn({
                let folder = folder.clone();
                move || {
                    let listing = list_folder(&folder).map_err(|e| e.to_string());
                    let mut listings = this.lock();
                    listings.reading.remove(&folder);
                    listings.done.insert(folder, listing);
                    drop(listings);
                    this.ctx.request_repaint();
                }
            });
        if let Err(e) = started {
            let mut listings = self.lock();
            listings.reading.remove(&folder);
            listings.done.insert(
                folder,
                Err(format!("could not start reading this folder: {e}")),
            );
        }
    }
}

/// Every entry of `folder` (folders first, then files, each by name); symlinks are followed.
fn list_folder(folder: &Path) -> io::Result<Vec<Entry>> {
    let mut entries: Vec<Entry> = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            let meta = std::fs::metadata(&path).ok()?;
            let name = entry.file_name().to_string_lossy().into_owned();
            Some(Entry {
                path,
                name,
                is_dir: meta.is_dir(),
                selected: false,
            })
            .filter(|e| e.is_dir || meta.is_file())
        })
        .collect();
    entries.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then_with(|| a.name.cmp(&b.name)));
    Ok(entries)
}

impl Vfs for ThreadedFolders {
    fn create_dir(&self, _path: &Path) -> io::Result<()> {
        Err(io::Error::other("creating folders is switched off"))
    }

    fn rename(&self, _from: &Path, _to: &Path) -> io::Result<()> {
        Err(io::Error::other("renaming is switched off"))
    }

    fn read_folder(
        &self,
        path: &Path,
        _show_system_files: bool,
        show_files_filter: &Filter<PathBuf>,
        #[cfg(unix)] show_hidden: bool,
        #[cfg(windows)] _show_drives: bool,
    ) -> Result<Vec<Box<dyn VfsFile>>, io::Error> {
        #[cfg(not(unix))]
        let show_hidden = true;
        let done = self.lock().done.remove(path);
        match done {
            // A later read (Refresh, coming back) lists the folder again.
            Some(Ok(entries)) => Ok(entries
                .into_iter()
                .filter(|e| show_hidden || !e.name.starts_with('.'))
                .filter(|e| e.is_dir || show_files_filter(&e.path))
                .map(|e| Box::new(e) as Box<dyn VfsFile>)
                .collect()),
            Some(Err(message)) => Err(io::Error::other(message)),
            None => {
                self.start_listing(path);
                Ok(Vec::new())
            }
        }
    }
}

/// The in-app browser: closed, or open on a folder.
#[derive(Default)]
pub struct FileBrowser {
    dialog: Option<(FileDialog, ThreadedFolders)>,
    /// The folder the user last picked from (kept between runs in `UiPrefs`).
    last_folder: Option<PathBuf>,
}

impl FileBrowser {
    /// The folder the user last picked files from.
    pub fn last_folder(&self) -> Option<&Path> {
        self.last_folder.as_deref()
    }

    /// Restores the folder kept from the last run.
    pub fn set_last_folder(&mut self, folder: Option<PathBuf>) {
        self.last_folder = folder;
    }

    /// True while the browser window is open.
    pub fn is_open(&self) -> bool {
        self.dialog.is_some()
    }

    /// Opens the browser on the last folder, else the Pictures folder, else home.
    pub fn open(&mut self, ctx: &egui::Context) {
        let start = self
            .last_folder
            .clone()
            .or_else(|| directories::UserDirs::new().and_then(|d| d.picture_dir().map(Into::into)))
            .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_owned()))
            .unwrap_or_else(|| PathBuf::from("/"));
        let folders = ThreadedFolders::new(ctx);
        let screen = ctx.content_rect();
        let mut dialog = FileDialog::open_file()
            .title(TITLE)
            .initial_path(start)
            .with_fs(Box::new(folders.clone()))
            .show_files_filter(Box::new(|p: &Path| is_media(p)))
            .multi_select(true)
            .show_rename(false)
            .show_new_folder(false)
            .parent_folder_button_hover_text("Up one folder".into())
            .file_label_text(
                "Ctrl+click or Shift+click picks several; double-click opens a folder.".into(),
            )
            .open_button_text("Add".into())
            .default_size(egui::vec2(
                (screen.width() - 80.0).clamp(320.0, 620.0),
                (screen.height() - 120.0).clamp(260.0, 480.0),
            ))
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .keep_on_top(true);
        dialog.open();
        self.dialog = Some((dialog, folders));
    }

    /// Draws the browser when it is open; returns the files picked when the user clicked
    /// Add (none when cancelled), once.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<Vec<PathBuf>> {
        let (dialog, folders) = self.dialog.as_mut()?;
        let folder = dialog.directory().to_owned();
        // A listing arrived for the folder on screen: show it (this read takes it).
        if folders.has_listing(&folder) {
            dialog.set_path(folder.clone());
        }
        if folders.is_reading(&folder) {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        match dialog.show(ctx).state() {
            State::Open => None,
            State::Selected => {
                let mut picked: Vec<PathBuf> = dialog
                    .selection()
                    .into_iter()
                    .filter(|p| is_media(p))
                    .map(Path::to_path_buf)
                    .collect();
                if picked.is_empty()
                    && let Some(one) = dialog.path().filter(|p| is_media(p))
                {
                    picked.push(one.to_owned());
                }
                self.last_folder = Some(dialog.directory().to_owned());
                self.dialog = None;
                Some(picked)
            }
            State::Cancelled | State::Closed => {
                self.dialog = None;
                Some(Vec::new())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pictures_and_videos_are_media() {
        assert!(is_media(Path::new("/a/b.JPG")));
        assert!(is_media(Path::new("clip.mov")));
        assert!(!is_media(Path::new("notes.txt")));
        assert!(!is_media(Path::new("folder")));
    }

    #[test]
    fn folders_are_listed_off_the_calling_thread_then_shown_filtered() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("b.jpg"), b"x").expect("write");
        std::fs::write(dir.path().join("notes.txt"), b"x").expect("write");
        std::fs::write(dir.path().join(".hidden.jpg"), b"x").expect("write");
        std::fs::create_dir(dir.path().join("a-folder")).expect("mkdir");
        let folders = ThreadedFolders::new(&egui::Context::default());
        let filter: Filter<PathBuf> = Box::new(|p: &Path| is_media(p));
        let first = folders
            .read_folder(dir.path(), false, &filter, false)
            .expect("a read");
        assert!(first.is_empty(), "the first read only starts the listing");
        let start = std::time::Instant::now();
        while !folders.has_listing(dir.path()) {
            assert!(start.elapsed().as_secs() < 10, "the listing never came");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let names: Vec<String> = folders
            .read_folder(dir.path(), false, &filter, false)
            .expect("a read")
            .iter()
            .map(|e| e.get_file_name().to_owned())
            .collect();
        assert_eq!(names, ["a-folder", "b.jpg"]);
    }
}
