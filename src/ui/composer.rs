//! The Composer tab: drop or pick files, crop, tag people on the picture, caption with live
//! counters, publish or schedule, and follow the publish step by step.
//!
//! Module map: `picker` (the file dialog behind a trait), `editor` (the cropped picture with
//! its tag bubbles and product markers), `products` (the product search panel), `place` (the
//! location picker and collaborators), `schedule`
//! (the typed local date and time), `hosting` (the S3 bucket settings). All work (decoding, preparing, publishing) is the engine's; this tab only
//! holds what the user composed and sends it.

pub mod browser;
pub mod editor;
pub mod hosting;
pub mod paste;
pub mod picker;
pub mod place;
pub mod preview;
pub mod products;
pub mod reorder;
pub mod schedule;
pub mod video;

use std::sync::Arc;

use egui::{Color32, RichText, TextEdit, TextureHandle};

use crate::engine::Command;
use crate::engine::composer::post::{MAX_CAPTION_CHARS, MAX_HASHTAGS, MAX_MENTIONS};
use crate::engine::composer::session::{ComposerSession, SessionItem};
use crate::engine::composer::{
    CaptionCounts, ComposerCommand, ComposerEvent, ItemSpec, MediaSource, PostSpec,
};
use crate::ids::MediaId;
use crate::media::frame::CropFrame;
use crate::media::prepare::{CropPreset, CropRect};
use crate::store::{DraftPlace, DraftState, DraftSummary, PostKind, ProductTag, UserTag};
use picker::{FilePicker, RfdPicker};

use super::pending::{Pending, Poll};
use products::{PlacedProduct, ShopAction, ShopPanel};

use super::TabContext;

/// How often, at most, the form is kept on disk while it changes.
const KEEP_EVERY_SECS: f64 = 1.0;

/// Room kept beside the composing column for the feed preview, in points.
const PREVIEW_ROOM: f32 = 356.0;

/// The side of the picture editor, in points.
const EDITOR_SIDE: f32 = 360.0;

/// One file in the post being composed.
struct Item {
    source: MediaSource,
    name: String,
    /// The decoded preview, waiting to become a texture.
    pending: Option<Arc<egui::ColorImage>>,
    texture: Option<TextureHandle>,
    /// Upright source size.
    size: Option<(u32, u32)>,
    error: Option<String>,
    /// The shape the user chose (item 1's shape rules a carousel's other slides).
    preset: CropPreset,
    /// Zoom and centre on the original; the shape comes from `preset` or item 1.
    frame: CropFrame,
    /// What `frame` cuts from the original, recomputed every frame (never from itself).
    crop: CropRect,
    alt: String,
    tags: Vec<UserTag>,
    products: Vec<PlacedProduct>,
    /// Videos: the cover frame in ms, as typed.
    thumb_offset: String,
    /// Reels: a cover image URL, as typed.
    cover_url: String,
    /// Reels: a cover picture from disk.
    cover_picture: Option<video::CoverPicture>,
    /// Videos: what the container says, once the engine read it.
    video: Option<crate::media::video::VideoInfo>,
}

impl Item {
    fn new(source: MediaSource) -> Self {
        Self {
            name: source.name(),
            source,
            pending: None,
            texture: None,
            size: None,
            error: None,
            preset: CropPreset::Free,
            frame: CropFrame::WHOLE,
            crop: CropRect::FULL,
            alt: String::new(),
            tags: Vec::new(),
            products: Vec::new(),
            thumb_offset: String::new(),
            cover_url: String::new(),
            cover_picture: None,
            video: None,
        }
    }
}

/// What a job was started for, so its events end it the right way.
#[derive(Clone, Copy, Debug, PartialEq)]
enum JobKind {
    Publish,
    Schedule,
    Save,
}

/// Where the current job stands.
#[derive(Clone, Debug, PartialEq)]
enum JobState {
    Idle,
    Working {
        job: u64,
        kind: JobKind,
        text: String,
        /// How far along, when the engine says (preparing pictures, publishing steps).
        fraction: Option<f32>,
    },
    Done {
        text: String,
    },
    /// The post is live and the form is cleared; only "New post" starts another.
    Published {
        draft: i64,
        media: MediaId,
    },
    /// `draft` is the saved draft a retry publishes (it resumes, never posting twice).
    Failed {
        text: String,
        draft: Option<i64>,
    },
}

/// The Composer tab's state.
pub struct ComposerTab {
    picker: Box<dyn FilePicker>,
    /// socialdesk's own file browser, for desktops with no native dialog (and *Browse…*).
    browser: browser::FileBrowser,
    /// Files the open dialog will hand over once the user chose them.
    picked: Option<Pending<Vec<std::path::PathBuf>>>,
    /// A cover picture being chosen, for the item of this name.
    cover_picked: Option<(String, Pending<Vec<std::path::PathBuf>>)>,
    kind: PostKind,
    caption: String,
    share_to_feed: bool,
    items: Vec<Item>,
    selected: usize,
    next_job: u64,
    job: JobState,
    drafts: Vec<DraftSummary>,
    drafts_requested_for: Option<String>,
    shop: ShopPanel,
    place: place::PlacePanel,
    hosting: hosting::HostingPanel,
    /// The schedule field, as typed (local time).
    schedule_text: String,
    /// The preview's "more" was clicked: show the whole caption.
    caption_expanded: bool,
    clipboard: Box<dyn paste::ClipboardSource>,
    /// A clipboard read or PNG encode on its way.
    pasting: Option<Pending<paste::PasteResult>>,
    /// Why the last paste gave nothing.
    paste_message: Option<String>,
    /// Pictures pasted so far (names them `pasted-N.png`).
    pasted: u32,
    /// The saved draft being edited: saving replaces it, publishing publishes this edit.
    editing: Option<i64>,
    /// The engine found the same post in the last 24 h: the message, until the user
    /// confirms ("… anyway") or changes the post.
    duplicate: Option<String>,
    /// The user asked to leave the tab for another (View in Feed).
    navigate: Option<super::Tab>,
    /// Commands an engine event asked for (previews of a reopened draft), sent next frame.
    queued: Vec<Command>,
    /// The kept form was asked for (once, when the tab is first drawn).
    session_requested: bool,
    /// The form as last sent to be kept.
    kept: Option<ComposerSession>,
    /// When the form first differed from `kept` (egui time), for the once-a-second save.
    dirty_since: Option<f64>,
    /// Keep the form at the next frame without waiting (it was just cleared).
    keep_now: bool,
    /// Drafts-list thumbnails by draft id (`None`: asked for, not there yet or none).
    draft_thumbs: std::collections::HashMap<i64, Option<TextureHandle>>,
    /// Decoded draft thumbnails waiting to become textures.
    pending_thumbs: Vec<(i64, Arc<egui::ColorImage>)>,
    /// The saved hashtag sets (name, caption text) for the caption's "Hashtag sets" menu.
    hashtag_sets: Vec<(String, String)>,
}

/// The caption's menu of saved hashtag sets.
pub const HASHTAG_SETS_LABEL: &str = "Hashtag sets";

impl Default for ComposerTab {
    fn default() -> Self {
        Self::with_picker(Box::new(RfdPicker::default()))
    }
}

impl ComposerTab {
    /// A tab whose "Add files…" button asks `picker`.
    pub fn with_picker(picker: Box<dyn FilePicker>) -> Self {
        Self {
            picker,
            browser: browser::FileBrowser::default(),
            picked: None,
            cover_picked: None,
            kind: PostKind::Image,
            caption: String::new(),
            share_to_feed: true,
            items: Vec::new(),
            selected: 0,
            next_job: 1,
            job: JobState::Idle,
            drafts: Vec::new(),
            drafts_requested_for: None,
            shop: ShopPanel::default(),
            place: place::PlacePanel::default(),
            hosting: hosting::HostingPanel::default(),
            schedule_text: String::new(),
            caption_expanded: false,
            clipboard: Box::new(paste::SystemClipboard),
            pasting: None,
            paste_message: None,
            pasted: 0,
            editing: None,
            duplicate: None,
            navigate: None,
            queued: Vec::new(),
            session_requested: false,
            kept: None,
            dirty_since: None,
            keep_now: false,
            draft_thumbs: std::collections::HashMap::new(),
            pending_thumbs: Vec::new(),
            hashtag_sets: Vec::new(),
        }
    }

    /// The saved hashtag sets, as the engine last listed them.
    pub fn set_hashtag_sets(&mut self, sets: &[crate::store::HashtagSet]) {
        self.hashtag_sets = sets
            .iter()
            .map(|s| (s.name.clone(), s.caption_text()))
            .collect();
    }

    /// The form as it would be kept on disk (files by path; pasted pictures are left out).
    fn session(&self) -> ComposerSession {
        let place = self.place.post_place();
        ComposerSession {
            kind: self.kind,
            caption: self.caption.clone(),
            share_to_feed: self.share_to_feed,
            schedule_text: self.schedule_text.clone(),
            editing: self.editing,
            items: self
                .items
                .iter()
                .filter_map(|i| {
                    let MediaSource::Path(path) = &i.source else {
                        return None;
                    };
                    Some(SessionItem {
                        path: path.clone(),
                        preset: i.preset.label().to_owned(),
                        frame: i.frame,
                        alt: i.alt.clone(),
                        tags: i.tags.clone(),
                        products: i
                            .products
                            .iter()
                            .map(|p| {
                                let tag = ProductTag {
                                    product_id: p.product_id.clone(),
                                    x: Some(p.x),
                                    y: Some(p.y),
                                };
                                (tag, p.name.clone())
                            })
                            .collect(),
                        thumb_offset: i.thumb_offset.clone(),
                        cover_url: i.cover_url.clone(),
                        cover_path: i.cover_picture.as_ref().and_then(|c| match &c.source {
                            MediaSource::Path(p) => Some(p.clone()),
                            MediaSource::Bytes { .. } => None,
                        }),
                    })
                })
                .collect(),
            location: place.location,
            collaborators: place.collaborators,
        }
    }

    /// Sends the form to be kept about once a second while it changes, and at once after
    /// it was cleared or when the user leaves the tab (`now`).
    fn keep(&mut self, ctx: &egui::Context, now: bool, commands: &mut Vec<Command>) {
        let current = self.session();
        if self.is_kept(&current) {
            self.dirty_since = None;
            self.keep_now = false;
            return;
        }
        let time = ctx.input(|i| i.time);
        let since = *self.dirty_since.get_or_insert(time);
        if now || self.keep_now || time - since >= KEEP_EVERY_SECS {
            self.send_kept(current, commands);
        } else {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(
                KEEP_EVERY_SECS - (time - since),
            ));
        }
    }

    /// True when `current` is what was last sent to be kept (or blank with nothing kept).
    fn is_kept(&self, current: &ComposerSession) -> bool {
        match &self.kept {
            Some(kept) => kept == current,
            None => current.is_blank(),
        }
    }

    fn send_kept(&mut self, current: ComposerSession, commands: &mut Vec<Command>) {
        commands.push(Command::Composer(ComposerCommand::KeepSession(
            (!current.is_blank()).then(|| Box::new(current.clone())),
        )));
        self.kept = Some(current);
        self.dirty_since = None;
        self.keep_now = false;
    }

    /// Keeps the form now (the user is leaving the tab).
    pub fn keep_on_leave(&mut self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        self.keep(ctx, true, commands);
    }

    /// Keeps the form now, without a frame to draw: the window is closing, and what was
    /// typed in the last second must not be lost.
    pub fn keep_on_exit(&mut self, commands: &mut Vec<Command>) {
        let current = self.session();
        if !self.is_kept(&current) {
            self.send_kept(current, commands);
        }
    }

    /// Puts back the form kept before a restart or crash, unless the user started another.
    fn restore_session(&mut self, form: ComposerSession) {
        let blank = self.items.is_empty() && self.caption.is_empty() && self.editing.is_none();
        if !blank {
            return;
        }
        self.kind = form.kind;
        self.caption.clone_from(&form.caption);
        self.share_to_feed = form.share_to_feed;
        self.schedule_text.clone_from(&form.schedule_text);
        self.editing = form.editing;
        self.place.restore(DraftPlace {
            location: form.location.clone(),
            collaborators: form.collaborators.clone(),
        });
        for kept in &form.items {
            let cover = kept.cover_path.clone().map(MediaSource::Path);
            let mut item = self.reopened_item(MediaSource::Path(kept.path.clone()), cover);
            item.preset = CropPreset::ALL
                .into_iter()
                .find(|p| p.label() == kept.preset)
                .unwrap_or(CropPreset::Free);
            item.frame = kept.frame;
            item.alt.clone_from(&kept.alt);
            item.tags.clone_from(&kept.tags);
            item.products = kept
                .products
                .iter()
                .map(|(t, name)| PlacedProduct {
                    product_id: t.product_id.clone(),
                    name: name.clone(),
                    x: t.x.unwrap_or(0.5),
                    y: t.y.unwrap_or(0.5),
                })
                .collect();
            item.thumb_offset.clone_from(&kept.thumb_offset);
            item.cover_url.clone_from(&kept.cover_url);
            self.items.push(item);
        }
        self.job = JobState::Done {
            text: "Your unsaved post is back, as you left it.".into(),
        };
        self.kept = Some(form);
    }

    /// The post of job `job` is saved as `draft` (before any network call).
    fn on_saved(&mut self, job: u64, draft: i64, scheduled: bool) {
        match self.current_kind(job) {
            Some(JobKind::Save) => {
                // The form stays open on the saved draft: saving again replaces it.
                self.editing = Some(draft);
                self.finish(job, format!("Saved as draft {draft}."));
            }
            Some(JobKind::Schedule | JobKind::Publish) if scheduled => {
                self.clear();
                self.finish(job, format!("Scheduled (draft {draft})."));
            }
            Some(_) => {
                self.editing = Some(draft);
                self.working(job, format!("Saved as draft {draft}; publishing…"));
            }
            None => {}
        }
    }

    /// The caption as typed.
    pub fn caption(&self) -> &str {
        &self.caption
    }

    /// Adds `text` (a hashtag set from Research) to the caption: after a space, or on a
    /// new line when the caption already has text, never twice in a row.
    pub fn insert_into_caption(&mut self, text: &str) {
        let text = text.trim();
        if text.is_empty() || self.caption.trim_end().ends_with(text) {
            return;
        }
        if !self.caption.trim().is_empty() {
            let trimmed = self.caption.trim_end().len();
            self.caption.truncate(trimmed);
            self.caption.push_str("\n\n");
        }
        self.caption.push_str(text);
    }

    /// A tab the user asked to go to from here (taken once).
    pub fn take_navigation(&mut self) -> Option<super::Tab> {
        self.navigate.take()
    }

    /// Empties the form for a new post (the drafts list stays).
    fn clear(&mut self) {
        self.items.clear();
        self.caption.clear();
        self.place.clear();
        self.schedule_text.clear();
        self.selected = 0;
        self.kind = PostKind::Image;
        self.share_to_feed = true;
        self.editing = None;
        self.duplicate = None;
        self.caption_expanded = false;
        self.keep_now = true;
    }

    /// Asks `picker` instead of the system's file dialog (tests).
    pub fn set_picker(&mut self, picker: Box<dyn FilePicker>) {
        self.picker = picker;
    }

    /// Reads pasted pictures from `clipboard` instead of the system's (tests).
    pub fn set_clipboard(&mut self, clipboard: Box<dyn paste::ClipboardSource>) {
        self.clipboard = clipboard;
    }

    /// Starts a paste asked for this frame and takes in a finished one.
    fn paste(&mut self, ui: &egui::Ui, button: bool, commands: &mut Vec<Command>) {
        if self.pasting.is_none() {
            let request = if button {
                Some(paste::PasteRequest::Read)
            } else {
                paste::requested(ui)
            };
            self.pasting = match request {
                Some(paste::PasteRequest::Read) => Some(self.clipboard.read_image(ui.ctx())),
                Some(paste::PasteRequest::Image(image)) => {
                    Some(paste::encode_pasted(ui.ctx(), image))
                }
                None => None,
            };
            if self.pasting.is_some() {
                self.paste_message = None;
            }
        }
        let Some(pending) = &self.pasting else {
            return;
        };
        match pending.poll() {
            Poll::Waiting => {}
            Poll::Ready(Ok(png)) => {
                self.pasting = None;
                self.pasted += 1;
                let source = MediaSource::Bytes {
                    name: format!("pasted-{}.png", self.pasted),
                    bytes: Arc::new(png),
                };
                self.add(source, commands);
            }
            Poll::Ready(Err(e)) => {
                self.pasting = None;
                self.paste_message = Some(format!("Nothing pasted: {e}"));
            }
            Poll::Gone => {
                self.pasting = None;
                self.paste_message =
                    Some("Nothing pasted: the clipboard reader stopped; try again, or add the file with Add files…".into());
            }
        }
    }

    /// Tags of item `index` in source fractions (for tests and the preview).
    pub fn tags(&self, index: usize) -> Vec<UserTag> {
        self.items
            .get(index)
            .map(|i| i.tags.clone())
            .unwrap_or_default()
    }

    /// Products placed on item `index` (source fractions), for tests.
    pub fn product_tags(&self, index: usize) -> Vec<PlacedProduct> {
        self.items
            .get(index)
            .map(|i| i.products.clone())
            .unwrap_or_default()
    }

    /// Names of the files in the post, in order.
    pub fn item_names(&self) -> Vec<String> {
        self.items.iter().map(|i| i.name.clone()).collect()
    }

    /// Applies an event from the engine.
    pub fn on_event(&mut self, event: ComposerEvent) {
        self.hosting.on_event(&event);
        match event {
            ComposerEvent::Preview {
                source,
                image,
                width,
                height,
            } => {
                for item in self.items.iter_mut().filter(|i| i.name == source) {
                    item.pending = Some(image.clone());
                    item.size = Some((width, height));
                    item.error = None;
                }
                for cover in self.covers_named(&source) {
                    cover.pending = Some(image.clone());
                    cover.error = None;
                }
            }
            ComposerEvent::VideoInfo { source, info } => {
                for item in self.items.iter_mut().filter(|i| i.name == source) {
                    item.video = Some(info.clone());
                    item.error = None;
                }
            }
            ComposerEvent::PreviewFailed { source, message } => {
                for item in self.items.iter_mut().filter(|i| i.name == source) {
                    item.error = Some(message.clone());
                }
                for cover in self.covers_named(&source) {
                    cover.error = Some(message.clone());
                }
            }
            ComposerEvent::Preparing {
                job,
                item,
                fraction,
            } => {
                let items = self.items.len().max(1) as f32;
                self.working_at(
                    job,
                    format!("Preparing picture {}…", item + 1),
                    Some(((item as f32 + fraction) / items).clamp(0.0, 1.0)),
                );
            }
            ComposerEvent::Saved {
                job,
                draft,
                scheduled,
            } => {
                // The draft's picture may have changed: the list asks for it again.
                self.draft_thumbs.remove(&draft);
                self.on_saved(job, draft, scheduled);
            }
            ComposerEvent::Progress { job, step, .. } => {
                self.working_at(job, step.describe(), Some(step.fraction()));
            }
            ComposerEvent::Published { job, draft, media } => {
                // Only the job this form started clears it; the scheduler's posts (job 0)
                // must not wipe what the user is composing.
                if self.is_current(job) || (job == 0 && self.editing == Some(draft)) {
                    self.clear();
                    self.job = JobState::Published {
                        draft,
                        media: media.id.clone(),
                    };
                }
            }
            ComposerEvent::Failed {
                job,
                message,
                draft,
            } => self.fail(job, message, draft),
            ComposerEvent::Duplicate { job, message } => {
                if self.is_current(job) {
                    self.duplicate = Some(format!("{}.", super::capitalise(&message)));
                    self.job = JobState::Idle;
                }
            }
            ComposerEvent::OpenFailed { draft, message } => {
                // Asked for from here or from the Calendar: say why, whatever is in progress.
                if !matches!(self.job, JobState::Working { .. }) {
                    self.job = JobState::Failed {
                        text: format!("Draft {draft} could not be opened: {message}."),
                        draft: None,
                    };
                }
            }
            ComposerEvent::DraftOpened(opened) => self.open_draft(*opened),
            ComposerEvent::DraftThumbnail { draft, image } => {
                self.pending_thumbs.push((draft, image));
            }
            ComposerEvent::Session(form) => {
                if let Some(form) = form {
                    self.restore_session(*form);
                }
            }
            ComposerEvent::Drafts { drafts, .. } => self.drafts = drafts,
            ComposerEvent::Shop { account, setup } => self.shop.on_setup(account, setup),
            ComposerEvent::Products {
                account, products, ..
            } => self.shop.on_products(account, products),
            ComposerEvent::ShopFailed { account, message } => self.shop.on_failed(account, message),
            ComposerEvent::Locations {
                account,
                query,
                places,
            } => self.place.on_locations(account, query, places),
            ComposerEvent::LocationsFailed {
                account,
                query,
                message,
            } => self.place.on_failed(account, query, message),
            ComposerEvent::Hosting { .. } | ComposerEvent::HostingSaved(_) => {}
        }
    }

    /// Cover pictures decoded from the file `name`.
    fn covers_named<'a>(
        &'a mut self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a mut video::CoverPicture> + 'a {
        self.items
            .iter_mut()
            .filter_map(|i| i.cover_picture.as_mut())
            .filter(move |c| c.name == name)
    }

    /// Takes in a cover picture the file dialog returned: the first file chosen.
    fn take_picked_cover(&mut self, commands: &mut Vec<Command>) {
        let Some((item_name, pending)) = &self.cover_picked else {
            return;
        };
        let paths = match pending.poll() {
            Poll::Waiting => return,
            Poll::Ready(paths) => paths,
            Poll::Gone => Vec::new(),
        };
        let item_name = item_name.clone();
        self.cover_picked = None;
        let Some(path) = paths.into_iter().next() else {
            return;
        };
        let source = MediaSource::Path(path);
        if let Some(item) = self.items.iter_mut().find(|i| i.name == item_name) {
            commands.push(Command::Composer(ComposerCommand::LoadPreview(
                source.clone(),
            )));
            item.cover_picture = Some(video::CoverPicture::new(source));
        }
    }

    fn is_current(&self, job: u64) -> bool {
        self.current_kind(job).is_some()
    }

    /// What job `job` is, if it is the one this form is waiting for.
    fn current_kind(&self, job: u64) -> Option<JobKind> {
        match &self.job {
            JobState::Working { job: j, kind, .. } if *j == job => Some(*kind),
            _ => None,
        }
    }

    fn working(&mut self, job: u64, text: String) {
        self.working_at(job, text, None);
    }

    fn working_at(&mut self, job: u64, text: String, fraction: Option<f32>) {
        if let Some(kind) = self.current_kind(job) {
            self.job = JobState::Working {
                job,
                kind,
                text,
                fraction,
            };
        }
    }

    /// Starts a job of `kind`; returns its number.
    fn start(&mut self, kind: JobKind, text: &str) -> u64 {
        let job = self.next_job;
        self.next_job += 1;
        self.job = JobState::Working {
            job,
            kind,
            text: text.to_owned(),
            fraction: None,
        };
        job
    }

    fn finish(&mut self, job: u64, text: String) {
        self.settle(job, JobState::Done { text });
    }

    fn fail(&mut self, job: u64, text: String, draft: Option<i64>) {
        self.settle(job, JobState::Failed { text, draft });
    }

    /// Ends job `job` in `state`, unless the user started another one meanwhile. Jobs the
    /// engine started itself (job 0, the scheduler) report in the drafts list instead.
    fn settle(&mut self, job: u64, state: JobState) {
        if self.is_current(job) {
            self.job = state;
        }
    }

    /// Publishes saved draft `draft` again (from the failure line or the drafts list).
    fn publish_again(&mut self, draft: i64, commands: &mut Vec<Command>) {
        let job = self.start(JobKind::Publish, "Publishing…");
        commands.push(Command::Composer(ComposerCommand::PublishDraft {
            job,
            draft,
        }));
    }

    fn add(&mut self, source: MediaSource, commands: &mut Vec<Command>) {
        commands.push(Command::Composer(ComposerCommand::LoadPreview(
            source.clone(),
        )));
        self.items.push(Item::new(source));
        self.selected = self.items.len() - 1;
        if self.items.len() > 1 && self.kind == PostKind::Image {
            self.kind = PostKind::Carousel;
        }
    }

    /// *Add files…* (the native dialog, or the in-app browser where the desktop has none)
    /// and *Browse…* (the in-app browser), and the files either hands over.
    fn add_files_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let choosing = self.picked.is_some() || self.browser.is_open();
        if ui
            .add_enabled(!choosing, egui::Button::new("Add files…"))
            .clicked()
        {
            // Once the desktop showed it has no dialog, go straight to the browser.
            match self.picker.unavailable() {
                Some(why) => {
                    self.paste_message = Some(why.to_owned());
                    self.browser.open(ui.ctx());
                }
                None => self.picked = Some(self.picker.pick(ui.ctx())),
            }
        }
        if ui
            .add_enabled(!choosing, egui::Button::new("Browse…"))
            .on_hover_text("Choose files in socialdesk's own file browser")
            .clicked()
        {
            self.browser.open(ui.ctx());
        }
        if let Some(picked) = &self.picked {
            match picked.poll() {
                Poll::Waiting => {}
                Poll::Ready(paths) => {
                    self.picked = None;
                    if paths.is_empty()
                        && let Some(why) = self.picker.unavailable()
                    {
                        self.paste_message = Some(why.to_owned());
                        self.browser.open(ui.ctx());
                    }
                    for path in paths {
                        self.add(MediaSource::Path(path), commands);
                    }
                }
                Poll::Gone => self.picked = None,
            }
        }
        if let Some(paths) = self.browser.show(ui.ctx()) {
            for path in paths {
                self.add(MediaSource::Path(path), commands);
            }
        }
    }

    /// The folder the in-app browser last picked from (kept between runs).
    pub fn last_folder(&self) -> Option<&std::path::Path> {
        self.browser.last_folder()
    }

    /// Restores the folder the in-app browser opens on.
    pub fn set_last_folder(&mut self, folder: Option<std::path::PathBuf>) {
        self.browser.set_last_folder(folder);
    }

    /// Draws the tab.
    pub fn tab_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut TabContext<'_>,
        commands: &mut Vec<Command>,
    ) {
        self.upload_textures(ui.ctx());
        if let Some(account) = cx.account
            && self.drafts_requested_for.as_deref() != Some(account.id.as_str())
        {
            self.drafts_requested_for = Some(account.id.to_string());
            commands.push(Command::Composer(ComposerCommand::Refresh(
                account.id.clone(),
            )));
        }
        if !self.session_requested {
            self.session_requested = true;
            commands.push(Command::Composer(ComposerCommand::LoadSession));
        }
        commands.append(&mut self.queued);
        self.take_dropped_files(ui, commands);
        self.take_picked_cover(commands);
        self.refresh_crops();

        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.heading("Compose and publish");
            ui.horizontal(|ui| {
                for (kind, label) in [
                    (PostKind::Image, "Single image"),
                    (PostKind::Carousel, "Carousel"),
                    (PostKind::Reel, "Reel"),
                    (PostKind::Story, "Story"),
                ] {
                    ui.selectable_value(&mut self.kind, kind, label);
                }
            });
            if self.kind == PostKind::Story
                && cx
                    .account
                    .and_then(|a| a.account_type.as_deref())
                    .is_some_and(|t| t.eq_ignore_ascii_case("media_creator"))
            {
                ui.colored_label(
                    super::theme::warning(ui),
                    "Stories can only be published by business accounts; this is a creator account.",
                );
            }
            ui.horizontal(|ui| {
                self.add_files_ui(ui, commands);
                let paste_button = ui
                    .add_enabled(self.pasting.is_none(), egui::Button::new("Paste image"))
                    .on_hover_text("Or press Ctrl+V (Cmd+V) with no text field selected");
                self.paste(ui, paste_button.clicked(), commands);
                ui.label(
                    RichText::new("or drop pictures (JPEG, PNG, WebP) or a video (MP4, MOV) here")
                        .weak(),
                );
            });
            if let Some(message) = &self.paste_message {
                ui.colored_label(ui.visuals().warn_fg_color, message);
            }
            let facebook = cx
                .account
                .is_some_and(|a| a.login == crate::model::LoginKind::Facebook);
            ui.horizontal_top(|ui| {
                // The composing column on the left, the live feed preview beside it.
                ui.vertical(|ui| {
                    // Leave the preview its ~340 points so it stays on screen at 1024 px.
                    let room = ui.available_width() - PREVIEW_ROOM;
                    ui.set_max_width(room.clamp(EDITOR_SIDE, 620.0));
                    self.items_strip(ui);
                    ui.separator();
                    self.item_editor(ui);
                    self.products_section(ui, cx, commands);
                    // Instagram Login accounts only get a note that these need Facebook
                    // Login: it goes under the Publish row so it does not push the row down.
                    if facebook {
                        self.place.ui(ui, cx.account, self.kind, commands);
                    }
                    ui.separator();
                    self.caption_box(ui);
                    ui.separator();
                    self.publish_row(ui, cx, commands);
                    if !facebook {
                        self.place.ui(ui, cx.account, self.kind, commands);
                    }
                    self.drafts_list(ui, commands);
                });
                ui.add_space(16.0);
                ui.vertical(|ui| self.preview(ui, cx));
            });
            ui.separator();
            self.hosting.ui(ui, commands);
        });
        self.keep(ui.ctx(), false, commands);
    }

    fn upload_textures(&mut self, ctx: &egui::Context) {
        for (draft, image) in self.pending_thumbs.drain(..) {
            let texture = ctx.load_texture(
                format!("composer-draft:{draft}"),
                (*image).clone(),
                egui::TextureOptions::LINEAR,
            );
            self.draft_thumbs.insert(draft, Some(texture));
        }
        for item in &mut self.items {
            if let Some(image) = item.pending.take() {
                item.texture = Some(ctx.load_texture(
                    format!("composer:{}", item.name),
                    (*image).clone(),
                    egui::TextureOptions::LINEAR,
                ));
            }
            if let Some(cover) = &mut item.cover_picture
                && let Some(image) = cover.pending.take()
            {
                cover.texture = Some(ctx.load_texture(
                    format!("composer-cover:{}", cover.name),
                    (*image).clone(),
                    egui::TextureOptions::LINEAR,
                ));
            }
        }
    }

    /// While files are dragged over the window, says where they will land.
    fn drop_hint_ui(ui: &egui::Ui) {
        let hovering = ui.ctx().input(|i| i.raw.hovered_files.len());
        if hovering == 0 {
            return;
        }
        let area = ui.max_rect();
        let painter = ui.ctx().layer_painter(egui::LayerId::new(
            egui::Order::Foreground,
            egui::Id::unique("composer_drop_hint"),
        ));
        painter.rect_filled(area, 8.0, Color32::from_black_alpha(170));
        painter.rect_stroke(
            area.shrink(6.0),
            8.0,
            egui::Stroke::new(2.0, super::theme::ACCENT),
            egui::StrokeKind::Inside,
        );
        let text = if hovering == 1 {
            "Drop to add this file to the post".to_owned()
        } else {
            format!("Drop to add these {hovering} files to the post")
        };
        painter.text(
            area.center(),
            egui::Align2::CENTER_CENTER,
            text,
            egui::FontId::proportional(22.0),
            Color32::WHITE,
        );
    }

    fn take_dropped_files(&mut self, ui: &egui::Ui, commands: &mut Vec<Command>) {
        Self::drop_hint_ui(ui);
        let dropped = ui.ctx().input(|i| i.raw.dropped_files.clone());
        for file in dropped {
            // Native drops carry an absolute path; the engine reads the file off the UI thread.
            self.add(MediaSource::Path(file.path().to_path_buf()), commands);
        }
    }

    fn items_strip(&mut self, ui: &mut egui::Ui) {
        let cards: Vec<reorder::Card> = self
            .items
            .iter()
            .map(|item| reorder::Card {
                name: item.name.clone(),
                thumb: item.texture.as_ref().map(|t| (t.id(), crop_uv(item.crop))),
                is_video: item.source.is_video(),
            })
            .collect();
        let keyboard = !ui.ctx().egui_wants_keyboard_input();
        if let Some(action) = reorder::strip(ui, &cards, self.selected, keyboard) {
            reorder::apply(&mut self.items, &mut self.selected, action);
        }
        self.refresh_crops();
    }

    /// Recomputes every item's crop from its frame on the original: item 1 (or a single
    /// picture) takes its own shape, a carousel's other slides take item 1's shape and keep
    /// their own zoom and centre. Never derived from an earlier crop, so it cannot ratchet.
    fn refresh_crops(&mut self) {
        let carousel = self.kind == PostKind::Carousel;
        let mut first_ratio = None;
        for (i, item) in self.items.iter_mut().enumerate() {
            let Some((w, h)) = item.size.filter(|_| !item.source.is_video()) else {
                continue;
            };
            let ratio = match (carousel && i > 0, first_ratio) {
                (true, Some(r)) => Some(r),
                _ => item.preset.ratio(),
            };
            // The frame keeps the shape it is cut at, so a pan or zoom works on that shape.
            item.frame = item.frame.with_ratio(ratio);
            item.crop = item.frame.crop(w, h);
            if i == 0 {
                first_ratio = Some(item.crop.aspect(w, h));
            }
        }
    }

    /// An item for a picture or video coming back into the form (a draft reopened, a kept
    /// form restored), with its cover picture; asks the engine for both previews.
    fn reopened_item(&mut self, source: MediaSource, cover: Option<MediaSource>) -> Item {
        self.queued
            .push(Command::Composer(ComposerCommand::LoadPreview(
                source.clone(),
            )));
        let mut item = Item::new(source);
        if let Some(cover) = cover {
            self.queued
                .push(Command::Composer(ComposerCommand::LoadPreview(
                    cover.clone(),
                )));
            item.cover_picture = Some(video::CoverPicture::new(cover));
        }
        item
    }

    /// Fills the form with a saved draft to edit (from the drafts list or the Calendar).
    fn open_draft(&mut self, opened: crate::engine::composer::OpenedDraft) {
        self.clear();
        let post = opened.post;
        self.editing = Some(opened.draft);
        self.kind = post.kind;
        self.caption = post.caption;
        self.share_to_feed = post.share_to_feed;
        self.schedule_text = post
            .scheduled_at
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format(schedule::SCHEDULE_FORMAT)
                    .to_string()
            })
            .unwrap_or_default();
        self.place.restore(post.place);
        for spec in post.items {
            let mut item = self.reopened_item(spec.source, spec.cover_image);
            if let Some(frame) = spec.frame {
                item.frame = frame;
                item.preset = CropPreset::ALL
                    .into_iter()
                    .find(|p| {
                        p.ratio()
                            .zip(frame.ratio)
                            .is_some_and(|(a, b)| (a - b).abs() < 1e-6)
                    })
                    .unwrap_or(CropPreset::Free);
            }
            item.alt = spec.alt_text.unwrap_or_default();
            item.tags = spec.tags;
            item.products = spec
                .product_tags
                .into_iter()
                .map(|t| PlacedProduct {
                    name: t.product_id.clone(),
                    product_id: t.product_id,
                    x: t.x.unwrap_or(0.5),
                    y: t.y.unwrap_or(0.5),
                })
                .collect();
            item.thumb_offset = spec
                .thumb_offset_ms
                .map(|o| o.to_string())
                .unwrap_or_default();
            item.cover_url = spec.cover_url.unwrap_or_default();
            self.items.push(item);
        }
        self.job = JobState::Done {
            text: opened
                .note
                .unwrap_or_else(|| format!("Editing draft {}.", opened.draft)),
        };
    }

    /// The feed preview of the post as composed.
    fn preview(&mut self, ui: &mut egui::Ui, cx: &TabContext<'_>) {
        let first = self.items.first();
        let post = preview::PreviewPost {
            username: cx.account.map_or("your.account", |a| a.username.as_str()),
            subtitle: None,
            kind: self.kind,
            first: first.and_then(|i| {
                // A reel with a cover picture shows that cover, as its feed tile will.
                if self.kind == PostKind::Reel
                    && let Some(t) = i.cover_picture.as_ref().and_then(|c| c.texture.as_ref())
                {
                    return Some((t.id(), video::cover_uv(t), video::COVER_RATIO));
                }
                let (w, h) = i.size?;
                let t = i.texture.as_ref()?;
                Some((t.id(), crop_uv(i.crop), i.crop.aspect(w, h) as f32))
            }),
            first_is_video: first.is_some_and(|i| i.source.is_video()),
            items: self.items.len(),
            caption: &self.caption,
        };
        ui.strong("Preview in the feed");
        preview::preview_card(ui, &post, &mut self.caption_expanded);
    }

    fn item_editor(&mut self, ui: &mut egui::Ui) {
        let Some(item) = self.items.get_mut(self.selected) else {
            return;
        };
        if let Some(error) = &item.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
            return;
        }
        if item.source.is_video() {
            match video::video_panel(ui, item, self.kind) {
                Some(video::CoverAction::Pick) if self.cover_picked.is_none() => {
                    self.cover_picked = Some((item.name.clone(), self.picker.pick(ui.ctx())));
                }
                Some(video::CoverAction::Remove) => item.cover_picture = None,
                _ => {}
            }
            product_list(ui, &mut item.products);
            return;
        }
        let (Some(texture), Some(size)) = (item.texture.clone(), item.size) else {
            ui.horizontal(|ui| {
                ui.label("…");
                ui.label(format!("Loading {}…", item.name));
            });
            return;
        };
        let follows_first = self.kind == PostKind::Carousel && self.selected > 0;
        if follows_first {
            ui.label(
                RichText::new(format!(
                    "Shape follows item 1 ({:.2}:1): carousel slides all share it. Drag the picture to choose what shows; move this item first to choose the shape.",
                    item.crop.aspect(size.0, size.1)
                ))
                .weak(),
            );
        }
        ui.horizontal_wrapped(|ui| {
            if !follows_first {
                ui.label("Crop:");
                for preset in CropPreset::ALL {
                    if ui
                        .selectable_label(item.preset == preset, preset.label())
                        .clicked()
                    {
                        item.preset = preset;
                    }
                }
            }
        });
        ui.horizontal(|ui| {
            let mut zoom = item.frame.zoom;
            ui.spacing_mut().slider_width = 90.0;
            let label = ui.label("Zoom:");
            if ui
                .add(
                    egui::Slider::new(&mut zoom, 1.0..=crate::media::frame::MAX_ZOOM)
                        .fixed_decimals(1),
                )
                .labelled_by(label.id)
                .changed()
            {
                item.frame = item.frame.zoomed(zoom, size.0, size.1);
            }
            if ui
                .small_button("Reset frame")
                .on_hover_text("The whole picture, centred")
                .clicked()
            {
                item.frame = CropFrame::WHOLE;
            }
        });
        let ratio = item.crop.aspect(size.0, size.1);
        let surface_ok = match self.kind {
            PostKind::Story | PostKind::Reel => (ratio - 9.0 / 16.0).abs() <= 0.01,
            _ => (0.79..=1.92).contains(&ratio),
        };
        if !surface_ok {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "Ratio {ratio:.2}:1 is outside what Instagram accepts here: pick {}.",
                    if matches!(self.kind, PostKind::Story | PostKind::Reel) {
                        "9:16"
                    } else {
                        "1:1, 4:5 or 1.91:1"
                    }
                ),
            );
        }
        let mut add_tag = None;
        let gesture = editor::picture_editor(
            ui,
            &texture,
            size,
            item.crop,
            &mut item.tags,
            &mut item.products,
            EDITOR_SIDE,
            &mut add_tag,
        );
        if gesture.pan != (0.0, 0.0) {
            item.frame = item
                .frame
                .panned(gesture.pan.0, gesture.pan.1, size.0, size.1);
        }
        if (gesture.zoom - 1.0).abs() > f64::EPSILON {
            item.frame = item
                .frame
                .zoomed(item.frame.zoom * gesture.zoom, size.0, size.1);
        }
        let armed = self.shop.armed.clone();
        if let (Some((x, y)), Some(product)) = (add_tag, &armed) {
            item.products.retain(|p| p.product_id != product.product_id);
            item.products.push(PlacedProduct {
                product_id: product.product_id.clone(),
                name: product.product_name.clone(),
                x,
                y,
            });
            self.shop.armed = None;
        } else if let Some((x, y)) = add_tag {
            if item.tags.len() >= 20 {
                ui.colored_label(ui.visuals().warn_fg_color, "At most 20 people per picture.");
            } else {
                item.tags.push(UserTag {
                    username: String::new(),
                    x,
                    y,
                });
            }
        }
        let mut remove = None;
        for (i, tag) in item.tags.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                let label = ui.label(format!("Tag {}: @", i + 1));
                ui.add(
                    TextEdit::singleline(&mut tag.username)
                        .hint_text("username")
                        .desired_width(180.0),
                )
                .labelled_by(label.id);
                if ui.small_button("Delete tag").clicked() {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            item.tags.remove(i);
        }
        product_list(ui, &mut item.products);
        if matches!(self.kind, PostKind::Image | PostKind::Carousel) {
            ui.horizontal(|ui| {
                let label = ui.label("Alt text:");
                ui.add(TextEdit::singleline(&mut item.alt).desired_width(320.0))
                    .labelled_by(label.id);
            });
        }
    }

    /// The product search panel, for the selected item.
    fn products_section(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut TabContext<'_>,
        commands: &mut Vec<Command>,
    ) {
        let (Some(account), Some(item)) = (cx.account, self.items.get(self.selected)) else {
            return;
        };
        let video = item.source.is_video();
        ui.separator();
        if let Some(ShopAction::TagOnVideo(product)) =
            self.shop.ui(ui, account, self.kind, video, commands)
            && let Some(item) = self.items.get_mut(self.selected)
            && !item
                .products
                .iter()
                .any(|p| p.product_id == product.product_id)
        {
            item.products.push(PlacedProduct {
                product_id: product.product_id,
                name: product.product_name,
                x: 0.5,
                y: 0.5,
            });
        }
    }

    fn caption_box(&mut self, ui: &mut egui::Ui) {
        let mut insert = None;
        let label = ui
            .horizontal(|ui| {
                let label = ui.label("Caption");
                // Saved sets (made in Research) go in at the caption's end.
                if !self.hashtag_sets.is_empty() {
                    ui.menu_button(HASHTAG_SETS_LABEL, |ui| {
                        for (name, text) in &self.hashtag_sets {
                            if ui.button(name).on_hover_text(text).clicked() {
                                insert = Some(text.clone());
                                ui.close();
                            }
                        }
                    });
                }
                label
            })
            .inner;
        if let Some(text) = insert {
            self.insert_into_caption(&text);
        }
        ui.add(
            TextEdit::multiline(&mut self.caption)
                .desired_rows(4)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        let c = CaptionCounts::of(&self.caption);
        ui.horizontal(|ui| {
            for (text, over) in [
                (
                    format!("{} / {MAX_CAPTION_CHARS} characters", c.chars),
                    c.chars > MAX_CAPTION_CHARS,
                ),
                (
                    format!("{} / {MAX_HASHTAGS} hashtags", c.hashtags),
                    c.hashtags > MAX_HASHTAGS,
                ),
                (
                    format!("{} / {MAX_MENTIONS} mentions", c.mentions),
                    c.mentions > MAX_MENTIONS,
                ),
            ] {
                let color = if over {
                    ui.visuals().error_fg_color
                } else {
                    ui.visuals().weak_text_color()
                };
                ui.label(RichText::new(text).color(color));
            }
        });
        if self.kind == PostKind::Reel {
            ui.checkbox(&mut self.share_to_feed, "Also show the reel in the feed");
        }
    }

    fn spec(&self, account: &crate::model::Account) -> PostSpec {
        let reel = self.kind == PostKind::Reel;
        PostSpec {
            account: account.id.clone(),
            kind: self.kind,
            caption: self.caption.clone(),
            share_to_feed: self.share_to_feed,
            scheduled_at: None,
            items: self
                .items
                .iter()
                .map(|i| ItemSpec {
                    source: i.source.clone(),
                    crop: i.crop,
                    alt_text: Some(i.alt.clone()).filter(|a| !a.trim().is_empty()),
                    tags: i.tags.clone(),
                    product_tags: i
                        .products
                        .iter()
                        .map(|p| {
                            let place = (!i.source.is_video()).then_some((p.x, p.y));
                            ProductTag {
                                product_id: p.product_id.clone(),
                                x: place.map(|(x, _)| x),
                                y: place.map(|(_, y)| y),
                            }
                        })
                        .collect(),
                    // An unreadable number is left out here and flagged by the field.
                    thumb_offset_ms: i.thumb_offset.trim().parse().ok(),
                    // Covers are fields of the Reel view only; another kind sends none.
                    cover_url: Some(i.cover_url.trim().to_owned())
                        .filter(|u| reel && !u.is_empty() && i.cover_picture.is_none()),
                    cover_image: i
                        .cover_picture
                        .as_ref()
                        .filter(|_| reel)
                        .map(|c| c.source.clone()),
                    frame: (!i.source.is_video()).then_some(i.frame),
                })
                .collect(),
            place: self.place.post_place(),
            draft: self.editing,
            allow_duplicate: false,
        }
    }

    fn publish_row(
        &mut self,
        ui: &mut egui::Ui,
        cx: &mut TabContext<'_>,
        commands: &mut Vec<Command>,
    ) {
        let busy = matches!(self.job, JobState::Working { .. });
        let local_error = cx.account.and_then(|a| self.spec(a).validate().err());
        let bad_offset = self.items.iter().find(|i| {
            !i.thumb_offset.trim().is_empty() && i.thumb_offset.trim().parse::<u64>().is_err()
        });
        let local_error = local_error.map(|e| e.to_string()).or_else(|| {
            bad_offset.map(|i| {
                format!(
                    "{}: the cover frame must be a whole number of milliseconds (e.g. 1500)",
                    i.name
                )
            })
        });
        let schedule = (!self.schedule_text.trim().is_empty())
            .then(|| schedule::parse_local(&self.schedule_text, chrono::Utc::now()));
        ui.horizontal(|ui| {
            let label = ui.label("Schedule for:");
            ui.add(
                TextEdit::singleline(&mut self.schedule_text)
                    .hint_text(schedule::SCHEDULE_HINT)
                    .desired_width(140.0),
            )
            .labelled_by(label.id);
            super::schedule_picker::schedule_picker_ui(
                ui,
                &mut self.schedule_text,
                "composer_schedule",
            );
        });
        match &schedule {
            Some(Ok(at)) => {
                ui.label(RichText::new(schedule::describe(*at)).weak());
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().warn_fg_color, e.to_string());
            }
            None => {
                ui.label(RichText::new(super::schedule_picker::local_offset_label()).weak());
            }
        }
        ui.horizontal(|ui| {
            let can = cx.account.is_some() && !self.items.is_empty() && !busy;
            let publish =
                ui.add_enabled(can && local_error.is_none(), egui::Button::new("Publish"));
            let schedule_at = schedule.as_ref().and_then(|s| s.as_ref().ok()).copied();
            let schedule_button = ui.add_enabled(
                can && local_error.is_none() && schedule_at.is_some(),
                egui::Button::new("Schedule"),
            );
            let save = ui.add_enabled(can, egui::Button::new("Save draft"));
            if let Some(account) = cx.account {
                if let (true, Some(at)) = (schedule_button.clicked(), schedule_at) {
                    self.send_post(account, JobKind::Schedule, Some(at), false, commands);
                } else if publish.clicked() {
                    self.send_post(account, JobKind::Publish, None, false, commands);
                } else if save.clicked() {
                    self.send_post(account, JobKind::Save, None, false, commands);
                }
            }
        });
        if let Some(message) = self.duplicate.clone() {
            ui.colored_label(ui.visuals().warn_fg_color, &message);
            ui.horizontal(|ui| {
                let schedule_at = schedule.as_ref().and_then(|s| s.as_ref().ok()).copied();
                let label = if schedule_at.is_some() {
                    "Schedule anyway"
                } else {
                    "Publish anyway"
                };
                if let Some(account) = cx.account
                    && ui.add_enabled(!busy, egui::Button::new(label)).clicked()
                {
                    let kind = if schedule_at.is_some() {
                        JobKind::Schedule
                    } else {
                        JobKind::Publish
                    };
                    self.send_post(account, kind, schedule_at, true, commands);
                }
                if ui.button("Keep editing").clicked() {
                    self.duplicate = None;
                }
            });
        }
        if cx.account.is_none() {
            ui.label("Connect an account in Accounts to publish.");
        }
        if let (Some(e), false) = (&local_error, self.items.is_empty()) {
            ui.colored_label(ui.visuals().warn_fg_color, e);
        }
        self.job_line(ui, commands);
    }

    /// Sends the form as a job of `kind` (the engine saves it first, before any network).
    fn send_post(
        &mut self,
        account: &crate::model::Account,
        kind: JobKind,
        at: Option<chrono::DateTime<chrono::Utc>>,
        allow_duplicate: bool,
        commands: &mut Vec<Command>,
    ) {
        let text = if kind == JobKind::Save {
            "Saving…"
        } else {
            "Preparing…"
        };
        let job = self.start(kind, text);
        self.duplicate = None;
        let mut post = self.spec(account);
        post.scheduled_at = at;
        post.allow_duplicate = allow_duplicate;
        let command = match kind {
            JobKind::Save => ComposerCommand::SaveDraft { job, post },
            JobKind::Publish | JobKind::Schedule => ComposerCommand::Publish { job, post },
        };
        commands.push(Command::Composer(command));
    }

    /// Where the current job stands, with what can be done next.
    fn job_line(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        match self.job.clone() {
            JobState::Idle => {}
            JobState::Working {
                job,
                text,
                fraction,
                ..
            } => {
                ui.horizontal(|ui| {
                    // Not a spinner: it would repaint every frame for the whole publish.
                    match fraction {
                        Some(f) => {
                            ui.add(
                                egui::ProgressBar::new(f)
                                    .desired_width(140.0)
                                    .show_percentage(),
                            );
                        }
                        None => {
                            ui.label("…");
                        }
                    }
                    ui.label(text);
                    if ui
                        .small_button("Cancel")
                        .on_hover_text("Stops waiting and cancels the job; a post that was already sent stays published")
                        .clicked()
                    {
                        commands.push(Command::Composer(ComposerCommand::Cancel { job }));
                        self.job = JobState::Failed {
                            text: "Cancelled.".into(),
                            draft: self.editing,
                        };
                    }
                });
            }
            JobState::Done { text } => {
                ui.horizontal(|ui| {
                    ui.label(RichText::new(text).color(super::theme::success(ui)));
                    // Editing a saved draft: the way back to a blank form.
                    if self.editing.is_some()
                        && ui
                            .button("New post")
                            .on_hover_text("The draft stays saved in the list below")
                            .clicked()
                    {
                        self.clear();
                        self.job = JobState::Idle;
                    }
                });
            }
            JobState::Published { draft, media } => {
                ui.horizontal(|ui| {
                    ui.label(
                        RichText::new(format!("Published — media {media} (draft {draft})"))
                            .color(super::theme::success(ui)),
                    );
                    if ui.button("View in Feed").clicked() {
                        self.navigate = Some(super::Tab::Feed);
                    }
                    if ui.button("New post").clicked() {
                        self.clear();
                        self.job = JobState::Idle;
                    }
                });
            }
            JobState::Failed { text, draft } => {
                ui.colored_label(ui.visuals().error_fg_color, text);
                if let Some(draft) = draft
                    && ui
                        .button(format!("Publish draft {draft} again"))
                        .on_hover_text("Resumes where it stopped; it never posts twice")
                        .clicked()
                {
                    self.publish_again(draft, commands);
                }
            }
        }
    }

    fn drafts_list(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        if self.drafts.is_empty() {
            return;
        }
        ui.separator();
        ui.strong("Drafts and schedule");
        let mut again = None;
        for d in &self.drafts {
            ui.horizontal_wrapped(|ui| {
                match self.draft_thumbs.get(&d.id) {
                    Some(Some(texture)) => {
                        let size = texture.size_vec2();
                        let side = 40.0 / size.x.max(size.y).max(1.0);
                        ui.image((texture.id(), size * side));
                    }
                    Some(None) => {}
                    None => {
                        self.draft_thumbs.insert(d.id, None);
                        commands.push(Command::Composer(ComposerCommand::LoadDraftThumbnail {
                            draft: d.id,
                        }));
                    }
                }
                let state = match d.state {
                    DraftState::Draft => "draft".to_owned(),
                    DraftState::Scheduled => d.scheduled_at.map_or_else(
                        || "scheduled".into(),
                        |t| format!("scheduled for {}", schedule::describe(t)),
                    ),
                    DraftState::Publishing => "publishing".into(),
                    DraftState::Published => format!(
                        "published {}",
                        d.media_id
                            .as_ref()
                            .map_or("", super::super::ids::MediaId::as_str)
                    ),
                    DraftState::Failed => "failed".into(),
                };
                let caption: String = d.caption.chars().take(40).collect();
                ui.label(format!(
                    "#{} · {} · {} item(s) · {state} · {caption}",
                    d.id,
                    d.kind.as_str(),
                    d.items
                ));
                if matches!(
                    d.state,
                    DraftState::Draft | DraftState::Scheduled | DraftState::Failed
                ) && ui.small_button(format!("Edit draft {}", d.id)).clicked()
                {
                    commands.push(Command::Composer(ComposerCommand::OpenDraft {
                        draft: d.id,
                    }));
                }
                if matches!(d.state, DraftState::Draft | DraftState::Failed)
                    && ui.small_button(format!("Publish draft {}", d.id)).clicked()
                {
                    again = Some(d.id);
                }
                if d.state != DraftState::Publishing
                    && ui.small_button(format!("Delete draft {}", d.id)).clicked()
                {
                    commands.push(Command::Composer(ComposerCommand::DeleteDraft {
                        account: d.account.clone(),
                        draft: d.id,
                    }));
                }
            });
            if let (DraftState::Failed, Some(e)) = (d.state, &d.error) {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
        }
        if let Some(draft) = again {
            self.publish_again(draft, commands);
        }
    }
}

/// Texture coordinates of `crop` (fractions of the upright picture, as the preview texture is).
fn crop_uv(crop: CropRect) -> egui::Rect {
    let c = crop.clamped();
    egui::Rect::from_min_max(
        egui::pos2(c.x as f32, c.y as f32),
        egui::pos2((c.x + c.w) as f32, (c.y + c.h) as f32),
    )
}

/// The products tagged on an item, each with a remove button.
fn product_list(ui: &mut egui::Ui, products: &mut Vec<PlacedProduct>) {
    let mut remove = None;
    for (i, p) in products.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.label(format!("Product {}: {}", i + 1, p.name));
            if ui.small_button(format!("Remove {}", p.name)).clicked() {
                remove = Some(i);
            }
        });
    }
    if let Some(i) = remove {
        products.remove(i);
    }
}
