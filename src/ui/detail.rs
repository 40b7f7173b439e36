//! The detail panel: one media at full size with its caption, counts and links.

use egui::{Color32, RichText, Sense};

use super::icons::{Icon, icon_button, icon_label};
use super::remote::Remote;
use super::textures::{ImageSize, Textures};
use super::theme;
use crate::engine::Command;
use crate::ids::MediaId;
use crate::model::{CopyrightCheck, Media, MediaType};

/// Which media is open, which carousel child is shown, and the video's copyright check.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DetailState {
    selected: Option<MediaId>,
    child_index: usize,
    /// Meta's copyright check of the open video, once the engine read it.
    copyright: Option<CopyrightCheck>,
}

impl DetailState {
    /// Opens a media at its first (or only) image.
    pub fn open(&mut self, id: MediaId) {
        *self = Self {
            selected: Some(id),
            ..Self::default()
        };
    }

    /// Closes the panel.
    pub fn close(&mut self) {
        *self = Self::default();
    }

    /// Applies an `Event::Copyright`: kept when it is about the open media.
    pub fn on_copyright(&mut self, media: MediaId, check: CopyrightCheck) {
        if self.selected.as_ref() == Some(&media) {
            self.copyright = Some(check);
        }
    }

    /// The media on display, if any.
    pub fn selected(&self) -> Option<&MediaId> {
        self.selected.as_ref()
    }
}

/// The URL of the image shown at full size: the current child for carousels, the cover
/// frame for videos, else the media itself.
pub fn full_image_url(media: &Media, child_index: usize) -> Option<&str> {
    if media.media_type == MediaType::CarouselAlbum
        && let Some(child) = media.children.get(child_index)
    {
        return child.preview_url();
    }
    media.preview_url()
}

/// Draws the panel's content; returns true when the user closed it.
#[must_use]
pub fn detail_ui(
    ui: &mut egui::Ui,
    state: &mut DetailState,
    media: &Media,
    textures: &mut Textures,
    commands: &mut Vec<Command>,
) -> bool {
    let mut close = false;
    ui.horizontal(|ui| {
        ui.label(RichText::new(media.kind_label()).strong().size(16.0));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            close = icon_button(ui, Icon::Close, "Close details", true).clicked();
        });
    });
    ui.add_space(4.0);

    egui::ScrollArea::vertical()
        .id_salt("detail_scroll")
        .auto_shrink(false)
        .show(ui, |ui| {
            state.child_index = state
                .child_index
                .min(media.children.len().saturating_sub(1));
            image_ui(ui, media, state.child_index, textures, commands);
            if media.media_type == MediaType::CarouselAlbum && media.children.len() > 1 {
                carousel_nav_ui(ui, state, media.children.len());
            }
            ui.add_space(8.0);
            facts_ui(ui, media);
            if media.media_type == MediaType::Video {
                copyright_ui(ui, state.copyright.as_ref());
            }
            ui.add_space(8.0);
            match media.caption.as_deref().filter(|c| !c.trim().is_empty()) {
                Some(caption) => {
                    ui.add(egui::Label::new(caption).wrap().selectable(true));
                }
                None => {
                    ui.label(
                        RichText::new("No caption")
                            .italics()
                            .color(theme::muted(ui)),
                    );
                }
            }
            if let Some(alt) = media.alt_text.as_deref().filter(|a| !a.is_empty()) {
                ui.add_space(6.0);
                ui.label(RichText::new("Alt text").small().color(theme::muted(ui)));
                ui.add(egui::Label::new(alt).wrap().selectable(true));
            }
            ui.add_space(10.0);
            if let Some(permalink) = &media.permalink
                && ui
                    .button("Open on Instagram")
                    .on_hover_text(permalink.as_str())
                    .clicked()
            {
                commands.push(Command::OpenUrl(permalink.clone()));
            }
        });
    close
}

/// The full image, requested once, with a placeholder until it arrives.
fn image_ui(
    ui: &mut egui::Ui,
    media: &Media,
    child_index: usize,
    textures: &mut Textures,
    commands: &mut Vec<Command>,
) {
    let width = ui.available_width();
    let Some(url) = full_image_url(media, child_index) else {
        placeholder_ui(ui, width, "No image");
        return;
    };
    if textures.request(ImageSize::Full, url) {
        commands.push(Command::LoadImage {
            url: url.to_owned(),
        });
    }
    // The thumbnail stands in, blurred by scaling, until the full image arrives.
    let texture = textures.texture(ImageSize::Full, url).or_else(|| {
        media
            .preview_url()
            .and_then(|thumb| textures.texture(ImageSize::Thumbnail, thumb))
    });
    match (textures.state(ImageSize::Full, url), texture) {
        (Some(Remote::Failed { message, .. }), None) => {
            placeholder_ui(ui, width, &format!("Image unavailable: {message}"));
        }
        (_, Some(texture)) => {
            let size = texture.size_vec2();
            let height = (width * size.y / size.x.max(1.0)).min(width * 1.4);
            ui.add(
                egui::Image::from_texture(texture)
                    .fit_to_exact_size(egui::vec2(width, height))
                    .maintain_aspect_ratio(true)
                    .corner_radius(theme::CARD_RADIUS),
            );
        }
        (_, None) => placeholder_ui(ui, width, "Loading image…"),
    }
}

fn placeholder_ui(ui: &mut egui::Ui, width: f32, text: &str) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, width), Sense::hover());
    ui.painter()
        .rect_filled(rect, theme::CARD_RADIUS, theme::placeholder(ui));
    ui.painter().text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        text,
        egui::FontId::proportional(13.0),
        theme::muted(ui),
    );
}

/// ◀ 2 / 5 ▶ under a carousel image.
fn carousel_nav_ui(ui: &mut egui::Ui, state: &mut DetailState, count: usize) {
    ui.horizontal(|ui| {
        let previous = icon_button(
            ui,
            Icon::ChevronLeft,
            "Previous image",
            state.child_index > 0,
        );
        if previous.clicked() {
            state.child_index -= 1;
        }
        ui.label(format!("{} / {count}", state.child_index + 1));
        let next = icon_button(
            ui,
            Icon::ChevronRight,
            "Next image",
            state.child_index + 1 < count,
        );
        if next.clicked() {
            state.child_index += 1;
        }
    });
}

/// Kind, local date and time, likes and comments.
fn facts_ui(ui: &mut egui::Ui, media: &Media) {
    let local = media.timestamp.with_timezone(&chrono::Local);
    ui.label(RichText::new(local.format("%-d %B %Y, %H:%M").to_string()).color(theme::muted(ui)));
    ui.horizontal(|ui| {
        let heart = Color32::from_rgb(0xF0, 0x5A, 0x7E);
        match media.like_count {
            Some(n) => icon_label(ui, Icon::Heart, count_text(n, "like"), heart),
            None => icon_label(ui, Icon::Heart, "Likes hidden", heart)
                .on_hover_text("The owner hides like counts on this post"),
        };
        ui.add_space(10.0);
        let text = media.comments_count.map_or_else(
            || "Comments unknown".to_owned(),
            |n| count_text(n, "comment"),
        );
        icon_label(ui, Icon::Comment, text, ui.visuals().text_color());
    });
}

/// Meta's copyright check of a video: matches in warning colour with what happens where.
fn copyright_ui(ui: &mut egui::Ui, check: Option<&CopyrightCheck>) {
    let (color, text) = match check {
        None => (theme::muted(ui), "Copyright check: loading…".to_owned()),
        Some(c) if c.matches_found => (
            theme::warning(ui),
            format!("Copyright match: {}", c.summary()),
        ),
        Some(c) if c.is_done() => (theme::success(ui), "Copyright check: no matches".to_owned()),
        Some(c) if c.status == CopyrightCheck::UNAVAILABLE => (
            theme::muted(ui),
            "Copyright check: not available for this post".to_owned(),
        ),
        Some(c) if c.status == "error" => (
            theme::muted(ui),
            "Copyright check: Instagram could not check this video".to_owned(),
        ),
        Some(_) => (theme::muted(ui), "Copyright check: in progress".to_owned()),
    };
    ui.add(egui::Label::new(RichText::new(text).color(color)).wrap());
}

/// "1 like", "12 likes".
fn count_text(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MediaChild;

    #[test]
    fn carousel_shows_the_current_child() {
        let child = |id: &str| MediaChild {
            id: MediaId::from(id),
            media_type: MediaType::Image,
            media_url: Some(format!("https://cdn.example/{id}.jpg")),
            thumbnail_url: None,
        };
        let media = Media {
            id: MediaId::from("c"),
            caption: None,
            media_type: MediaType::CarouselAlbum,
            media_product_type: None,
            media_url: None,
            thumbnail_url: None,
            permalink: None,
            shortcode: None,
            timestamp: chrono::Utc::now(),
            username: None,
            like_count: None,
            comments_count: None,
            alt_text: None,
            children: vec![child("1"), child("2")],
        };
        assert_eq!(full_image_url(&media, 1), Some("https://cdn.example/2.jpg"));
        assert_eq!(full_image_url(&media, 0), Some("https://cdn.example/1.jpg"));
    }
}
