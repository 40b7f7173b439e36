//! The live preview: the post as it will look in a follower's feed, on a phone-width card —
//! the account's avatar and username, the first item at its crop (the shape Instagram shows:
//! feed pictures between 4:5 and 1.91:1, reels cut to 4:5 in the feed, stories full 9:16),
//! carousel dots, the like / comment row and the caption cut like Instagram cuts it (after
//! about 125 characters or two lines, with "… more").
//!
//! Drawing only: the tab hands over what it holds ([`PreviewPost`]); nothing here is stored.

use egui::{Color32, CornerRadius, FontId, Pos2, Rect, RichText, Sense, Stroke, TextureId, Vec2};

use crate::store::PostKind;
use crate::ui::icons::{self, Icon};
use crate::ui::theme;

/// A phone's feed width, in points.
pub const CARD_WIDTH: f32 = 320.0;
/// Instagram cuts a feed caption after about this many characters…
pub const CAPTION_CUT_CHARS: usize = 125;
/// …or after this many lines, whichever comes first.
pub const CAPTION_CUT_LINES: usize = 2;
/// The accessible name of the preview's picture.
pub const PREVIEW_PICTURE_LABEL: &str = "Feed preview picture";
/// Instagram's blue (the active carousel dot).
const IG_BLUE: Color32 = Color32::from_rgb(0, 149, 246);

/// What the preview shows.
pub struct PreviewPost<'a> {
    pub username: &'a str,
    /// A line under the username (the location, when one is set).
    pub subtitle: Option<&'a str>,
    pub kind: PostKind,
    /// The first item's picture: texture, its crop as texture coordinates, and the cropped
    /// picture's width / height.
    pub first: Option<(TextureId, Rect, f32)>,
    pub first_is_video: bool,
    pub items: usize,
    pub caption: &'a str,
}

/// The caption as the feed shows it before "more" is tapped: `None` when it shows whole,
/// else the kept start ending in "…".
pub fn cut_caption(caption: &str, max_chars: usize, max_lines: usize) -> Option<String> {
    let caption = caption.trim_end();
    let lines: Vec<&str> = caption.lines().collect();
    let by_lines = lines.len() > max_lines;
    let kept = if by_lines {
        lines[..max_lines].join("\n")
    } else {
        caption.to_owned()
    };
    let by_chars = kept.chars().count() > max_chars;
    if !by_lines && !by_chars {
        return None;
    }
    let mut cut: String = if by_chars {
        let head: String = kept.chars().take(max_chars).collect();
        // Break between words when a space is reasonably close to the limit.
        match head.rfind(char::is_whitespace) {
            Some(at) if head[..at].chars().count() >= max_chars * 2 / 3 => head[..at].to_owned(),
            _ => head,
        }
    } else {
        kept
    };
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    Some(cut)
}

/// The shape Instagram shows an item at in the feed, from the cropped picture's ratio.
pub fn display_ratio(kind: PostKind, cropped: f32) -> f32 {
    match kind {
        PostKind::Story => 9.0 / 16.0,
        PostKind::Reel => 4.0 / 5.0,
        PostKind::Image | PostKind::Carousel => cropped.clamp(4.0 / 5.0, 1.91),
    }
}

/// Texture coordinates showing the centre of `uv` (a picture of ratio `source`) at ratio
/// `target`.
fn fit_uv(uv: Rect, source: f32, target: f32) -> Rect {
    if !(source > 0.0 && target > 0.0) || (source - target).abs() < 1e-3 {
        return uv;
    }
    if source > target {
        let w = uv.width() * target / source;
        Rect::from_center_size(uv.center(), Vec2::new(w, uv.height()))
    } else {
        let h = uv.height() * source / target;
        Rect::from_center_size(uv.center(), Vec2::new(uv.width(), h))
    }
}

/// Draws the card. `expanded` is the "more" state (kept by the tab).
pub fn preview_card(ui: &mut egui::Ui, post: &PreviewPost<'_>, expanded: &mut bool) {
    let bg = Color32::from_rgb(0, 0, 0);
    let text = Color32::from_rgb(245, 245, 245);
    let weak = Color32::from_rgb(168, 168, 168);
    egui::Frame::new()
        .fill(bg)
        .stroke(Stroke::new(1.0, Color32::from_gray(60)))
        .corner_radius(CornerRadius::same(12))
        .inner_margin(egui::Margin::symmetric(0, 8))
        .show(ui, |ui| {
            ui.set_width(CARD_WIDTH);
            ui.spacing_mut().item_spacing.y = 6.0;
            header(ui, post, text, weak);
            picture(ui, post);
            dots(ui, post.items);
            action_row(ui, text);
            if post.kind == PostKind::Story {
                ui.horizontal(|ui| {
                    ui.add_space(12.0);
                    ui.label(
                        RichText::new("Stories show no caption.")
                            .color(weak)
                            .small(),
                    );
                });
            } else {
                caption(ui, post, expanded, text, weak);
            }
        });
}

fn header(ui: &mut egui::Ui, post: &PreviewPost<'_>, text: Color32, weak: Color32) {
    ui.horizontal(|ui| {
        ui.add_space(12.0);
        let (rect, _) = ui.allocate_exact_size(Vec2::splat(32.0), Sense::hover());
        let painter = ui.painter();
        painter.circle_stroke(
            rect.center(),
            16.0,
            Stroke::new(2.0, Color32::from_rgb(214, 41, 118)),
        );
        painter.circle_filled(rect.center(), 13.5, theme::avatar_color(post.username));
        let initial = post
            .username
            .chars()
            .next()
            .map(|c| c.to_uppercase().to_string())
            .unwrap_or_default();
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            initial,
            FontId::proportional(14.0),
            Color32::WHITE,
        );
        ui.vertical(|ui| {
            ui.spacing_mut().item_spacing.y = 0.0;
            ui.label(RichText::new(post.username).strong().color(text));
            if let Some(sub) = post.subtitle {
                ui.label(RichText::new(sub).small().color(text));
            }
        });
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.add_space(12.0);
            ui.label(RichText::new("···").strong().color(weak));
        });
    });
}

fn picture(ui: &mut egui::Ui, post: &PreviewPost<'_>) {
    let cropped = post.first.map_or(1.0, |(_, _, r)| r);
    let ratio = display_ratio(post.kind, cropped);
    let size = Vec2::new(CARD_WIDTH, CARD_WIDTH / ratio);
    let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
    response
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, PREVIEW_PICTURE_LABEL));
    let painter = ui.painter();
    if let Some((texture, uv, source)) = post.first {
        painter.image(texture, rect, fit_uv(uv, source, ratio), Color32::WHITE);
    } else {
        painter.rect_filled(rect, CornerRadius::ZERO, Color32::from_gray(38));
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            if post.items == 0 {
                "Add a picture to see the preview"
            } else if post.first_is_video {
                // Video frames are not decoded here: Instagram shows the chosen cover.
                "Video: the cover frame shows here on Instagram"
            } else {
                "Loading…"
            },
            FontId::proportional(13.0),
            Color32::from_gray(160),
        );
    }
    let corner = rect.right_top() + Vec2::new(-26.0, 8.0);
    let badge = Rect::from_min_size(Pos2::new(corner.x, corner.y), Vec2::splat(18.0));
    if post.items > 1 {
        painter.rect_filled(
            Rect::from_min_size(
                rect.right_top() + Vec2::new(-44.0, 8.0),
                Vec2::new(36.0, 20.0),
            ),
            CornerRadius::same(10),
            Color32::from_black_alpha(160),
        );
        painter.text(
            rect.right_top() + Vec2::new(-26.0, 18.0),
            egui::Align2::CENTER_CENTER,
            format!("1/{}", post.items),
            FontId::proportional(11.0),
            Color32::WHITE,
        );
    } else if post.first_is_video || post.kind == PostKind::Reel {
        icons::paint(painter, badge, Icon::Play, Color32::WHITE);
    }
}

fn dots(ui: &mut egui::Ui, items: usize) {
    if items < 2 {
        return;
    }
    let (rect, _) = ui.allocate_exact_size(Vec2::new(CARD_WIDTH, 8.0), Sense::hover());
    let gap = 7.0;
    let start = rect.center().x - gap * (items as f32 - 1.0) / 2.0;
    for i in 0..items {
        let color = if i == 0 {
            IG_BLUE
        } else {
            Color32::from_gray(90)
        };
        ui.painter().circle_filled(
            Pos2::new(start + gap * i as f32, rect.center().y),
            2.5,
            color,
        );
    }
}

fn action_row(ui: &mut egui::Ui, text: Color32) {
    ui.horizontal(|ui| {
        ui.add_space(10.0);
        for icon in [Icon::Heart, Icon::Comment] {
            let (rect, _) = ui.allocate_exact_size(Vec2::splat(24.0), Sense::hover());
            icons::paint(ui.painter(), rect, icon, text);
        }
    });
}

fn caption(
    ui: &mut egui::Ui,
    post: &PreviewPost<'_>,
    expanded: &mut bool,
    text: Color32,
    weak: Color32,
) {
    if post.caption.trim().is_empty() {
        return;
    }
    let cut = cut_caption(post.caption, CAPTION_CUT_CHARS, CAPTION_CUT_LINES);
    ui.horizontal(|ui| {
        ui.add_space(12.0);
        ui.horizontal_wrapped(|ui| {
            ui.set_max_width(CARD_WIDTH - 24.0);
            ui.spacing_mut().item_spacing.x = 4.0;
            ui.label(RichText::new(post.username).strong().color(text));
            match (&cut, *expanded) {
                (Some(short), false) => {
                    ui.label(RichText::new(short).color(text));
                    if ui
                        .add(
                            egui::Label::new(RichText::new("more").color(weak))
                                .sense(Sense::click()),
                        )
                        .on_hover_text("Show the whole caption")
                        .clicked()
                    {
                        *expanded = true;
                    }
                }
                (Some(_), true) => {
                    ui.label(RichText::new(post.caption.trim_end()).color(text));
                    if ui
                        .add(
                            egui::Label::new(RichText::new("less").color(weak))
                                .sense(Sense::click()),
                        )
                        .clicked()
                    {
                        *expanded = false;
                    }
                }
                (None, _) => {
                    ui.label(RichText::new(post.caption.trim_end()).color(text));
                }
            }
        });
    });
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // values compared are exact: stored and read back, or literals
mod tests {
    use super::*;

    #[test]
    fn short_captions_show_whole() {
        assert_eq!(cut_caption("Latte art #coffee", 125, 2), None);
        assert_eq!(cut_caption("one\ntwo\n", 125, 2), None);
    }

    #[test]
    fn long_captions_are_cut_between_words_near_125() {
        let caption = "word ".repeat(40); // 200 chars
        let cut = cut_caption(&caption, 125, 2).expect("cut");
        assert!(cut.ends_with('…'), "{cut}");
        let kept = cut.trim_end_matches('…');
        assert!(
            kept.chars().count() <= 125 && kept.chars().count() > 100,
            "{cut}"
        );
        assert!(kept.ends_with("word"), "cut between words: {cut}");
        // One long word: cut hard at the limit.
        let cut = cut_caption(&"x".repeat(300), 125, 2).expect("cut");
        assert_eq!(cut.chars().count(), 126);
    }

    #[test]
    fn a_third_line_is_cut() {
        let cut = cut_caption("first\nsecond\nthird", 125, 2).expect("cut");
        assert_eq!(cut, "first\nsecond…");
    }

    #[test]
    fn the_feed_clamps_shapes() {
        assert_eq!(display_ratio(PostKind::Image, 3.0), 1.91);
        assert_eq!(display_ratio(PostKind::Carousel, 0.5), 0.8);
        assert_eq!(display_ratio(PostKind::Image, 1.0), 1.0);
        assert_eq!(display_ratio(PostKind::Story, 1.0), 9.0 / 16.0);
        let uv = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));
        let fitted = fit_uv(uv, 2.0, 1.0);
        assert!((fitted.width() - 0.5).abs() < 1e-6 && (fitted.center().x - 0.5).abs() < 1e-6);
    }
}
