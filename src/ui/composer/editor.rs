//! The picture editor: the cropped picture as it will be published, with Instagram-style
//! tag bubbles. Click the picture to tag someone there; drag a bubble to move it. Product
//! tags are drawn as white price-tag labels (Instagram's shopping markers), distinct from
//! the dark people bubbles, and move the same way.
//!
//! Tags are stored in fractions of the *source* picture (so they stay on the person when
//! the crop changes) and drawn through the crop.

use egui::{Color32, CornerRadius, FontId, Pos2, Rect, Sense, Stroke, TextureHandle, Vec2};

use super::products::PlacedProduct;
use crate::media::prepare::CropRect;
use crate::store::UserTag;

/// The accessible name of the picture area.
pub const EDITOR_LABEL: &str = "Picture: click to tag someone, drag to move the frame";

/// How the user moved the frame this frame: drag the picture to pan, wheel to zoom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gesture {
    /// How far the frame moves, in fractions of the source picture.
    pub pan: (f64, f64),
    /// Factor to multiply the zoom by (1.0: unchanged).
    pub zoom: f64,
}

/// Draws the picture cropped to `crop`, fitted in `max` points, with its people and product
/// tags. A click on the picture (not on a marker) sets `add_tag` to the point in source
/// fractions; the caller decides whether it places a person or a product. Dragging the
/// picture moves it under the frame (as in Instagram's own editor) and the mouse wheel
/// zooms: both come back as a [`Gesture`] for the caller to apply to its frame.
#[allow(clippy::too_many_arguments)]
pub fn picture_editor(
    ui: &mut egui::Ui,
    texture: &TextureHandle,
    source_size: (u32, u32),
    crop: CropRect,
    tags: &mut [UserTag],
    products: &mut [PlacedProduct],
    max: f32,
    add_tag: &mut Option<(f64, f64)>,
) -> Gesture {
    let crop = crop.clamped();
    let (sw, sh) = (source_size.0.max(1) as f32, source_size.1.max(1) as f32);
    let aspect = (crop.w as f32 * sw) / (crop.h as f32 * sh);
    let size = if aspect >= 1.0 {
        Vec2::new(max, max / aspect)
    } else {
        Vec2::new(max * aspect, max)
    };
    let (rect, response) = ui.allocate_exact_size(size, Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, EDITOR_LABEL));
    let uv = Rect::from_min_max(
        Pos2::new(crop.x as f32, crop.y as f32),
        Pos2::new((crop.x + crop.w) as f32, (crop.y + crop.h) as f32),
    );
    ui.painter().image(texture.id(), rect, uv, Color32::WHITE);

    let mut marker_hit = false;
    for (i, tag) in tags.iter_mut().enumerate() {
        let Some((px, py)) = crop.map_point(tag.x, tag.y) else {
            continue;
        };
        let at = rect.min + Vec2::new(px as f32 * rect.width(), py as f32 * rect.height());
        let label = if tag.username.trim().is_empty() {
            "Who's this?".to_owned()
        } else {
            tag.username.trim_start_matches('@').to_owned()
        };
        let bubble = draw_bubble(ui, at, &label);
        let handle = ui.interact(bubble, response.id.with(("tag", i)), Sense::drag());
        if handle.hovered() || handle.dragged() {
            marker_hit = true;
        }
        if handle.dragged() {
            let moved = at + handle.drag_delta();
            let fx = f64::from(((moved.x - rect.min.x) / rect.width()).clamp(0.0, 1.0));
            let fy = f64::from(((moved.y - rect.min.y) / rect.height()).clamp(0.0, 1.0));
            let (sx, sy) = crop.unmap_point(fx, fy);
            tag.x = sx;
            tag.y = sy;
        }
    }
    for (i, product) in products.iter_mut().enumerate() {
        let Some((px, py)) = crop.map_point(product.x, product.y) else {
            continue;
        };
        let at = rect.min + Vec2::new(px as f32 * rect.width(), py as f32 * rect.height());
        let marker = draw_product_marker(ui, at, &product.name);
        let handle = ui.interact(marker, response.id.with(("product", i)), Sense::drag());
        if handle.hovered() || handle.dragged() {
            marker_hit = true;
        }
        if handle.dragged() {
            let moved = at + handle.drag_delta();
            let fx = f64::from(((moved.x - rect.min.x) / rect.width()).clamp(0.0, 1.0));
            let fy = f64::from(((moved.y - rect.min.y) / rect.height()).clamp(0.0, 1.0));
            let (sx, sy) = crop.unmap_point(fx, fy);
            product.x = sx;
            product.y = sy;
        }
    }
    if response.clicked()
        && !marker_hit
        && let Some(pos) = response.interact_pointer_pos()
    {
        let fx = f64::from(((pos.x - rect.min.x) / rect.width()).clamp(0.0, 1.0));
        let fy = f64::from(((pos.y - rect.min.y) / rect.height()).clamp(0.0, 1.0));
        *add_tag = Some(crop.unmap_point(fx, fy));
    }
    let mut gesture = Gesture {
        pan: (0.0, 0.0),
        zoom: 1.0,
    };
    if response.dragged() && !marker_hit {
        // The picture follows the pointer, so the frame moves the other way.
        let d = response.drag_delta();
        gesture.pan = (
            -f64::from(d.x / rect.width()) * crop.w,
            -f64::from(d.y / rect.height()) * crop.h,
        );
    }
    if response.hovered() {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        if scroll != 0.0 {
            gesture.zoom = f64::from((scroll * 0.002).exp());
        }
    }
    gesture
}

/// An Instagram tag bubble: a dark rounded label with a small arrow pointing up at `at`.
fn draw_bubble(ui: &egui::Ui, at: Pos2, label: &str) -> Rect {
    let painter = ui.painter();
    let galley =
        painter.layout_no_wrap(label.to_owned(), FontId::proportional(12.0), Color32::WHITE);
    let pad = Vec2::new(8.0, 4.0);
    let size = galley.size() + pad * 2.0;
    let top = at + Vec2::new(0.0, 6.0);
    let rect = Rect::from_min_size(Pos2::new(top.x - size.x / 2.0, top.y), size);
    let fill = Color32::from_black_alpha(200);
    painter.add(egui::Shape::convex_polygon(
        vec![at, top + Vec2::new(-6.0, 0.5), top + Vec2::new(6.0, 0.5)],
        fill,
        Stroke::NONE,
    ));
    painter.rect_filled(rect, CornerRadius::same(4), fill);
    painter.galley(rect.min + pad, galley, Color32::WHITE);
    painter.circle_stroke(at, 2.5, Stroke::new(1.0, Color32::WHITE));
    rect.union(Rect::from_center_size(at, Vec2::splat(8.0)))
}

/// A product marker: a white label with dark text and an orange price dot, pointing up at
/// `at` (people bubbles are dark: the two never look alike).
fn draw_product_marker(ui: &egui::Ui, at: Pos2, label: &str) -> Rect {
    let painter = ui.painter();
    let dark = Color32::from_rgb(30, 30, 30);
    let galley = painter.layout_no_wrap(label.to_owned(), FontId::proportional(12.0), dark);
    let pad = Vec2::new(8.0, 4.0);
    let dot = 10.0;
    let size = galley.size() + pad * 2.0 + Vec2::new(dot, 0.0);
    let top = at + Vec2::new(0.0, 6.0);
    let rect = Rect::from_min_size(Pos2::new(top.x - size.x / 2.0, top.y), size);
    let fill = Color32::from_white_alpha(235);
    painter.add(egui::Shape::convex_polygon(
        vec![at, top + Vec2::new(-6.0, 0.5), top + Vec2::new(6.0, 0.5)],
        fill,
        Stroke::NONE,
    ));
    painter.rect_filled(rect, CornerRadius::same(10), fill);
    painter.circle_filled(
        rect.left_center() + Vec2::new(pad.x + 3.0, 0.0),
        3.5,
        Color32::from_rgb(240, 140, 20),
    );
    painter.galley(rect.min + pad + Vec2::new(dot, 0.0), galley, dark);
    painter.circle_stroke(at, 2.5, Stroke::new(1.0, dark));
    rect.union(Rect::from_center_size(at, Vec2::splat(8.0)))
}
