//! A video item's panel: its facts (duration, size, codecs) with the limit check for the post
//! kind, and its cover: a frame picked with a slider, or, for reels, a cover picture from
//! disk (uploaded with the post and sent as `cover_url`) or the URL of one already online.
//!
//! The panel only draws and reports what the user asked for ([`CoverAction`]); the tab opens
//! the file dialog and asks the engine to decode the picture's thumbnail.

use std::sync::Arc;

use egui::{RichText, TextEdit, TextureHandle};

use super::Item;
use crate::engine::composer::MediaSource;
use crate::store::PostKind;

/// The label of the button that picks a reel's cover picture.
pub const PICK_COVER_BUTTON: &str = "Cover picture…";
/// The label of the button that drops it again.
pub const REMOVE_COVER_BUTTON: &str = "Remove cover picture";

/// Height of the cover thumbnail, in points (9:16, like the cover itself).
const COVER_THUMB_HEIGHT: f32 = 96.0;

/// A reel's cover picture, chosen from disk.
pub(super) struct CoverPicture {
    pub source: MediaSource,
    pub name: String,
    /// The decoded thumbnail, waiting to become a texture.
    pub pending: Option<Arc<egui::ColorImage>>,
    pub texture: Option<TextureHandle>,
    pub error: Option<String>,
}

impl CoverPicture {
    pub fn new(source: MediaSource) -> Self {
        Self {
            name: source.name(),
            source,
            pending: None,
            texture: None,
            error: None,
        }
    }
}

/// What the user asked of the cover this frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CoverAction {
    Pick,
    Remove,
}

/// Draws a video's facts and cover choice.
pub(super) fn video_panel(
    ui: &mut egui::Ui,
    item: &mut Item,
    kind: PostKind,
) -> Option<CoverAction> {
    facts(ui, item, kind);
    let reel = kind == PostKind::Reel;
    let has_picture = reel && item.cover_picture.is_some();
    let uses_cover_url = reel && !has_picture && !item.cover_url.trim().is_empty();
    let frame_ignored = has_picture || uses_cover_url;
    ui.horizontal(|ui| {
        let label = ui.label("Cover frame at (ms):");
        ui.add_enabled(
            !frame_ignored,
            TextEdit::singleline(&mut item.thumb_offset)
                .hint_text("0 = first frame")
                .desired_width(80.0),
        )
        .labelled_by(label.id);
        if let Some(info) = &item.video {
            let max_ms = u64::try_from(info.duration.as_millis()).unwrap_or(u64::MAX);
            let mut ms: u64 = item.thumb_offset.trim().parse().unwrap_or(0).min(max_ms);
            let slider = egui::Slider::new(&mut ms, 0..=max_ms)
                .show_value(false)
                .text("pick the frame");
            if ui.add_enabled(!frame_ignored, slider).changed() {
                item.thumb_offset = ms.to_string();
            }
        }
    });
    let mut action = None;
    if reel {
        action = cover_picture_row(ui, item);
        ui.horizontal(|ui| {
            let label = ui.label("or cover image URL:");
            ui.add_enabled(
                !has_picture,
                TextEdit::singleline(&mut item.cover_url)
                    .hint_text("https://…")
                    .desired_width(260.0),
            )
            .labelled_by(label.id);
        });
    }
    ui.label(RichText::new(cover_sent(item, has_picture, uses_cover_url)).weak());
    action
}

/// Duration, size, codecs and whether they meet the limits of the post kind.
fn facts(ui: &mut egui::Ui, item: &Item, kind: PostKind) {
    use crate::media::video::{self, VideoUse};
    let used = match kind {
        PostKind::Story => VideoUse::Story,
        PostKind::Carousel => VideoUse::CarouselItem,
        PostKind::Reel | PostKind::Image => VideoUse::Reel,
    };
    let Some(info) = &item.video else {
        ui.label(format!("{}: reading the video…", item.name));
        return;
    };
    let secs = info.duration.as_secs_f64();
    let size = if info.bytes >= 1_000_000 {
        format!("{:.1} MB", info.bytes as f64 / 1e6)
    } else {
        format!("{} KB", info.bytes.div_ceil(1000))
    };
    ui.label(format!(
        "{}: {}:{:04.1} · {}×{} · {}{} · {size}",
        item.name,
        (secs / 60.0).floor() as u64,
        secs % 60.0,
        info.width,
        info.height,
        info.codec.name(),
        info.audio
            .map_or_else(|| ", no audio".into(), |a| format!(" + {a}")),
    ));
    let (color, text) = match video::check(info, used) {
        Ok(None) => (
            crate::ui::theme::success(ui),
            format!("Meets Instagram's limits for {}.", used.name()),
        ),
        Ok(Some(advice)) => (
            crate::ui::theme::warning(ui),
            format!("Publishable as {}; {advice}.", used.name()),
        ),
        Err(e) => (
            ui.visuals().error_fg_color,
            format!("Not publishable as {}: {e}.", used.name()),
        ),
    };
    ui.colored_label(color, text);
}

/// The cover picture: its thumbnail and name, or the button to choose one.
fn cover_picture_row(ui: &mut egui::Ui, item: &Item) -> Option<CoverAction> {
    let mut action = None;
    ui.horizontal(|ui| {
        let Some(cover) = &item.cover_picture else {
            if ui
                .button(PICK_COVER_BUTTON)
                .on_hover_text(
                    "A picture from your computer; its centred 9:16 part becomes the cover",
                )
                .clicked()
            {
                action = Some(CoverAction::Pick);
            }
            return;
        };
        match (&cover.texture, &cover.error) {
            (_, Some(error)) => {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
            (Some(texture), None) => {
                let side = egui::vec2(COVER_THUMB_HEIGHT * COVER_RATIO, COVER_THUMB_HEIGHT);
                ui.add(egui::Image::new((texture.id(), side)).uv(cover_uv(texture)));
            }
            (None, None) => {
                ui.spinner();
            }
        }
        ui.vertical(|ui| {
            ui.label(format!("Cover picture: {}", cover.name));
            if ui.button(REMOVE_COVER_BUTTON).clicked() {
                action = Some(CoverAction::Remove);
            }
        });
    });
    action
}

/// A cover's width / height.
pub(super) const COVER_RATIO: f32 = 9.0 / 16.0;

/// The centred 9:16 part of a cover picture, in texture coordinates: what the engine will
/// prepare and send.
pub(super) fn cover_uv(texture: &TextureHandle) -> egui::Rect {
    let [w, h] = texture.size_vec2().into();
    let excess = (w / h.max(1.0)) / COVER_RATIO;
    if excess > 1.0 {
        let half = 0.5 / excess;
        egui::Rect::from_min_max(egui::pos2(0.5 - half, 0.0), egui::pos2(0.5 + half, 1.0))
    } else {
        let half = 0.5 * excess;
        egui::Rect::from_min_max(egui::pos2(0.0, 0.5 - half), egui::pos2(1.0, 0.5 + half))
    }
}

/// One line saying which cover Instagram will get.
fn cover_sent(item: &Item, has_picture: bool, uses_cover_url: bool) -> String {
    if has_picture {
        let name = item.cover_picture.as_ref().map_or("", |c| c.name.as_str());
        return format!(
            "Cover sent: {name}, its centred 9:16 part, uploaded with the reel (the frame time is ignored)."
        );
    }
    if uses_cover_url {
        return "Cover sent: the image at the URL (the frame time is ignored).".to_owned();
    }
    match item.thumb_offset.trim().parse::<u64>() {
        Ok(ms) => format!("Cover sent: the frame at {:.1} s.", ms as f64 / 1000.0),
        Err(_) if item.thumb_offset.trim().is_empty() => {
            "Cover sent: Instagram's default (the first frame).".to_owned()
        }
        Err(_) => "The cover frame must be a whole number of milliseconds.".to_owned(),
    }
}
