//! The strip of a post's files: pick one to edit, drag a card onto another to reorder (egui's
//! built-in drag and drop), or use the arrow buttons / Alt+Left / Alt+Right to move the selected file,
//! and remove files.
//!
//! Order matters twice: Meta shows a carousel in the order its children are sent, and the
//! first item's shape sets the shape of all the others ([`conform_crop`]). The strip only
//! reports what the user asked for ([`StripAction`]); `ComposerTab` applies it with
//! [`apply`], so the same rules hold for a mouse drag and a key press.

use egui::{Color32, CornerRadius, Key, Modifiers, Rect, Sense, Stroke, TextureId, Vec2};

use crate::media::prepare::CropRect;
use crate::ui::icons::{self, Icon};

/// How far (width / height) an item's crop may differ from the first item's before it is
/// re-cropped; the same slack `prepare` allows for whole-pixel rounding.
const RATIO_SLACK: f64 = 0.01;
/// The side of a card's thumbnail, in points.
const THUMB: f32 = 48.0;

/// What the user did in the strip this frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StripAction {
    Select(usize),
    /// Move the item at `from` so that it ends up at index `to`.
    Move {
        from: usize,
        to: usize,
    },
    Remove(usize),
}

/// One card of the strip, as the tab describes it.
pub struct Card {
    pub name: String,
    /// The picture (cropped by `uv`) or `None` while loading / for videos.
    pub thumb: Option<(TextureId, Rect)>,
    pub is_video: bool,
}

/// The drag payload: the index of the card being dragged.
#[derive(Clone, Copy, Debug)]
struct Dragged(usize);

/// Applies `action` to `items` and the selection; returns true when the order changed.
pub fn apply<T>(items: &mut Vec<T>, selected: &mut usize, action: StripAction) -> bool {
    let changed = match action {
        StripAction::Select(i) => {
            if i < items.len() {
                *selected = i;
            }
            false
        }
        StripAction::Move { from, to } => {
            let moved = move_item(items, from, to);
            if moved {
                *selected = to;
            }
            moved
        }
        StripAction::Remove(i) if i < items.len() => {
            items.remove(i);
            if *selected > i {
                *selected -= 1;
            }
            true
        }
        StripAction::Remove(_) => false,
    };
    *selected = (*selected).min(items.len().saturating_sub(1));
    changed
}

/// Moves `items[from]` to index `to` (the others keep their relative order). False when
/// either index is out of range or they are equal.
pub fn move_item<T>(items: &mut Vec<T>, from: usize, to: usize) -> bool {
    if from == to || from >= items.len() || to >= items.len() {
        return false;
    }
    let item = items.remove(from);
    items.insert(to, item);
    true
}

/// The crop an item needs to share the first item's shape (`first_ratio`, width / height):
/// the largest centred rectangle of that ratio *inside the item's current crop*, so a framing
/// the user chose is kept as far as it can be. `None` when the crop already matches.
pub fn conform_crop(first_ratio: f64, width: u32, height: u32, crop: CropRect) -> Option<CropRect> {
    if !first_ratio.is_finite() || first_ratio <= 0.0 || width == 0 || height == 0 {
        return None;
    }
    let current = crop.aspect(width, height);
    if (current - first_ratio).abs() <= RATIO_SLACK {
        return None;
    }
    let c = crop.clamped();
    // The crop's own size in pixels, then the centred sub-rectangle of the wanted ratio.
    let (cw, ch) = (c.w * f64::from(width), c.h * f64::from(height));
    let (nw, nh) = if cw / ch > first_ratio {
        (ch * first_ratio, ch)
    } else {
        (cw, cw / first_ratio)
    };
    let (fw, fh) = (nw / f64::from(width), nh / f64::from(height));
    Some(
        CropRect {
            x: c.x + (c.w - fw) / 2.0,
            y: c.y + (c.h - fh) / 2.0,
            w: fw,
            h: fh,
        }
        .clamped(),
    )
}

/// Draws the strip and returns what the user asked for. `keyboard` enables Alt+Left / Alt+Right
/// for the selected card (off while a text field has the keyboard).
pub fn strip(
    ui: &mut egui::Ui,
    cards: &[Card],
    selected: usize,
    keyboard: bool,
) -> Option<StripAction> {
    if cards.is_empty() {
        ui.label("No files yet.");
        return None;
    }
    let mut action = None;
    if keyboard && cards.len() > 1 {
        let (left, right) = ui.input_mut(|i| {
            (
                i.consume_key(Modifiers::ALT, Key::ArrowLeft),
                i.consume_key(Modifiers::ALT, Key::ArrowRight),
            )
        });
        if left && selected > 0 {
            action = Some(StripAction::Move {
                from: selected,
                to: selected - 1,
            });
        } else if right && selected + 1 < cards.len() {
            action = Some(StripAction::Move {
                from: selected,
                to: selected + 1,
            });
        }
    }
    ui.horizontal_wrapped(|ui| {
        for (i, card) in cards.iter().enumerate() {
            let response = card_ui(ui, card, i, selected == i, cards.len(), &mut action);
            if let Some(from) = response.dnd_hover_payload::<Dragged>()
                && from.0 != i
            {
                // Where the dragged card will land: before this one when coming from the
                // right, after it when coming from the left.
                let x = if from.0 > i {
                    response.rect.left() - 3.0
                } else {
                    response.rect.right() + 3.0
                };
                ui.painter().vline(
                    x,
                    response.rect.y_range(),
                    Stroke::new(3.0, ui.visuals().selection.bg_fill),
                );
            }
            if let Some(from) = response.dnd_release_payload::<Dragged>() {
                action = Some(StripAction::Move {
                    from: from.0,
                    to: i,
                });
            }
        }
    });
    if cards.len() > 1 {
        ui.label(
            egui::RichText::new(
                "Drag a card onto another to reorder (or Alt+Left / Alt+Right); item 1 sets every item's shape.",
            )
            .weak()
            .small(),
        );
    }
    action.filter(|a| match *a {
        StripAction::Move { from, to } => from != to && from < cards.len() && to < cards.len(),
        StripAction::Select(i) | StripAction::Remove(i) => i < cards.len(),
    })
}

/// One card: the thumbnail (the drag handle), "N. name" (click to select), move earlier,
/// move later, remove. Returns the card's response (the drop target).
fn card_ui(
    ui: &mut egui::Ui,
    card: &Card,
    i: usize,
    selected: bool,
    count: usize,
    action: &mut Option<StripAction>,
) -> egui::Response {
    let stroke = if selected {
        Stroke::new(2.0, ui.visuals().selection.bg_fill)
    } else {
        ui.visuals().widgets.noninteractive.bg_stroke
    };
    egui::Frame::group(ui.style())
        .stroke(stroke)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                // Only the picture is the drag handle, so the buttons below keep their clicks.
                let id = ui.make_persistent_id(("composer-strip-card", i));
                let handle = ui.dnd_drag_source(id, Dragged(i), |ui| {
                    let (rect, _) = ui.allocate_exact_size(Vec2::splat(THUMB), Sense::hover());
                    if let Some((texture, uv)) = card.thumb {
                        ui.painter().image(texture, rect, uv, Color32::WHITE);
                    } else {
                        ui.painter().rect_filled(
                            rect,
                            CornerRadius::same(4),
                            ui.visuals().extreme_bg_color,
                        );
                        if card.is_video {
                            icons::paint(
                                ui.painter(),
                                rect.shrink(16.0),
                                Icon::Play,
                                Color32::GRAY,
                            );
                        }
                    }
                });
                let name = card.name.clone();
                handle.response.widget_info(|| {
                    egui::WidgetInfo::labeled(
                        egui::Role::Image,
                        true,
                        format!("Drag {name} to reorder"),
                    )
                });
                ui.vertical(|ui| {
                    let text = format!("{}. {}", i + 1, card.name);
                    if ui.selectable_label(selected, text).clicked() {
                        *action = Some(StripAction::Select(i));
                    }
                    ui.horizontal(|ui| {
                        if icon_button(
                            ui,
                            Icon::ChevronLeft,
                            i > 0,
                            &format!("Move {} earlier", card.name),
                        ) {
                            *action = Some(StripAction::Move { from: i, to: i - 1 });
                        }
                        if icon_button(
                            ui,
                            Icon::ChevronRight,
                            i + 1 < count,
                            &format!("Move {} later", card.name),
                        ) {
                            *action = Some(StripAction::Move { from: i, to: i + 1 });
                        }
                        if icon_button(ui, Icon::Close, true, &format!("Remove {}", card.name)) {
                            *action = Some(StripAction::Remove(i));
                        }
                    });
                });
            });
        })
        .response
}

/// A small drawn-icon button whose accessible name (and tooltip) is `label`.
fn icon_button(ui: &mut egui::Ui, icon: Icon, enabled: bool, label: &str) -> bool {
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(20.0), Sense::click());
    let label = label.to_owned();
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, enabled, &label));
    let color = if !enabled {
        ui.visuals().weak_text_color().gamma_multiply(0.5)
    } else if response.hovered() {
        ui.visuals().strong_text_color()
    } else {
        ui.visuals().text_color()
    };
    if response.hovered() && enabled {
        ui.painter().rect_filled(
            rect,
            CornerRadius::same(3),
            ui.visuals().widgets.hovered.bg_fill,
        );
    }
    icons::paint(ui.painter(), rect.shrink(3.0), icon, color);
    let clicked = enabled && response.clicked();
    response.on_hover_text(label);
    clicked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_keeps_the_others_in_order() {
        let mut v = vec!['a', 'b', 'c', 'd'];
        assert!(move_item(&mut v, 0, 2));
        assert_eq!(v, ['b', 'c', 'a', 'd']);
        assert!(move_item(&mut v, 3, 0));
        assert_eq!(v, ['d', 'b', 'c', 'a']);
        assert!(!move_item(&mut v, 1, 1));
        assert!(!move_item(&mut v, 4, 0));
        assert_eq!(v, ['d', 'b', 'c', 'a']);
    }

    #[test]
    fn apply_follows_the_selection() {
        let mut v = vec![1, 2, 3];
        let mut sel = 0;
        assert!(apply(
            &mut v,
            &mut sel,
            StripAction::Move { from: 0, to: 2 }
        ));
        assert_eq!((v.as_slice(), sel), (&[2, 3, 1][..], 2));
        assert!(apply(&mut v, &mut sel, StripAction::Remove(0)));
        assert_eq!((v.as_slice(), sel), (&[3, 1][..], 1));
        assert!(apply(&mut v, &mut sel, StripAction::Remove(1)));
        assert_eq!((v.as_slice(), sel), (&[3][..], 0));
        assert!(!apply(&mut v, &mut sel, StripAction::Select(5)));
        assert_eq!(sel, 0);
    }

    #[test]
    fn later_items_take_the_first_items_shape_inside_their_crop() {
        // A 4:5 first item; a 2000x1000 landscape second item shown whole.
        let c = conform_crop(0.8, 2000, 1000, CropRect::FULL).expect("re-cropped");
        assert!((c.aspect(2000, 1000) - 0.8).abs() < 0.01, "{c:?}");
        assert!((c.h - 1.0).abs() < 1e-9 && (c.x + c.w / 2.0 - 0.5).abs() < 1e-9);
        // Already matching: left alone.
        assert_eq!(conform_crop(2.0, 2000, 1000, CropRect::FULL), None);
        // A square crop at the left edge stays at the left edge when narrowed to 4:5.
        let left = CropRect {
            x: 0.0,
            y: 0.0,
            w: 0.5,
            h: 1.0,
        };
        let c = conform_crop(0.8, 2000, 1000, left).expect("narrowed");
        assert!(c.x >= 0.0 && c.x + c.w <= 0.5 + 1e-9, "{c:?}");
        assert!((c.aspect(2000, 1000) - 0.8).abs() < 0.01);
    }
}
