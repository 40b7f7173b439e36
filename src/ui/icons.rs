//! Small vector icons painted with egui shapes.
//!
//! egui's bundled font (Ubuntu Light) has no symbol glyphs (▶ ♥ ✕ …) and which system fonts
//! exist varies by machine, so icons are drawn rather than typed: they look the same
//! everywhere and never render as tofu.

use egui::{Color32, Pos2, Rect, Sense, Shape, Stroke, pos2, vec2};

/// The icons the UI uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icon {
    Plus,
    Refresh,
    Close,
    ChevronLeft,
    ChevronRight,
    Play,
    Carousel,
    Heart,
    Comment,
}

/// Paints `icon` centred in `rect` (use a square rect; the icon fills about 70 % of it).
pub fn paint(painter: &egui::Painter, rect: Rect, icon: Icon, color: Color32) {
    let c = rect.center();
    let r = rect.width().min(rect.height()) * 0.35;
    let stroke = Stroke::new((r * 0.28).clamp(1.2, 2.2), color);
    match icon {
        Icon::Plus => {
            painter.line_segment([c - vec2(r, 0.0), c + vec2(r, 0.0)], stroke);
            painter.line_segment([c - vec2(0.0, r), c + vec2(0.0, r)], stroke);
        }
        Icon::Close => {
            let d = r * 0.8;
            painter.line_segment([c + vec2(-d, -d), c + vec2(d, d)], stroke);
            painter.line_segment([c + vec2(-d, d), c + vec2(d, -d)], stroke);
        }
        Icon::ChevronLeft => {
            let points = vec![
                c + vec2(r * 0.4, -r),
                c + vec2(-r * 0.4, 0.0),
                c + vec2(r * 0.4, r),
            ];
            painter.add(Shape::line(points, stroke));
        }
        Icon::ChevronRight => {
            let points = vec![
                c + vec2(-r * 0.4, -r),
                c + vec2(r * 0.4, 0.0),
                c + vec2(-r * 0.4, r),
            ];
            painter.add(Shape::line(points, stroke));
        }
        Icon::Play => {
            let points = vec![
                c + vec2(-r * 0.6, -r),
                c + vec2(r * 0.9, 0.0),
                c + vec2(-r * 0.6, r),
            ];
            painter.add(Shape::convex_polygon(points, color, Stroke::NONE));
        }
        Icon::Carousel => {
            // Two stacked cards: the back one peeks out at the top right.
            let s = r * 1.45;
            let thin = Stroke::new(1.3, color);
            let front = Rect::from_min_size(c + vec2(-s * 0.6, -s * 0.35), vec2(s, s));
            let back = front.translate(vec2(s * 0.32, -s * 0.32));
            painter.line_segment([back.left_top(), back.right_top()], thin);
            painter.line_segment([back.right_top(), back.right_bottom()], thin);
            painter.rect_filled(front, 1.0, color);
        }
        Icon::Heart => {
            let points = heart_points(c, r);
            painter.add(Shape::convex_polygon(points, color, Stroke::NONE));
            painter.circle_filled(c + vec2(-r * 0.45, -r * 0.3), r * 0.5, color);
            painter.circle_filled(c + vec2(r * 0.45, -r * 0.3), r * 0.5, color);
        }
        Icon::Comment => {
            let body = Rect::from_center_size(c - vec2(0.0, r * 0.15), vec2(r * 2.0, r * 1.5));
            painter.rect_stroke(body, r * 0.5, stroke, egui::StrokeKind::Middle);
            let tail = vec![
                pos2(body.left() + r * 0.4, body.bottom()),
                pos2(body.left() + r * 0.3, body.bottom() + r * 0.6),
                pos2(body.left() + r * 0.9, body.bottom()),
            ];
            painter.add(Shape::line(tail, stroke));
        }
        Icon::Refresh => {
            // Three quarters of a circle with an arrow head at its end.
            let steps = 20;
            let start = -0.3_f32;
            let end = start + std::f32::consts::TAU * 0.78;
            let points: Vec<Pos2> = (0..=steps)
                .map(|i| {
                    let a = start + (end - start) * i as f32 / steps as f32;
                    c + vec2(a.cos(), a.sin()) * r
                })
                .collect();
            let tip = c + vec2(start.cos(), start.sin()) * r;
            painter.add(Shape::line(points, stroke));
            let head = vec![
                tip + vec2(-r * 0.1, -r * 0.55),
                tip + vec2(r * 0.5, r * 0.05),
                tip + vec2(-r * 0.45, r * 0.25),
            ];
            painter.add(Shape::convex_polygon(head, color, Stroke::NONE));
        }
    }
}

fn heart_points(c: Pos2, r: f32) -> Vec<Pos2> {
    vec![
        c + vec2(-r * 0.93, -r * 0.2),
        c + vec2(0.0, -r * 0.45),
        c + vec2(r * 0.93, -r * 0.2),
        c + vec2(0.0, r * 0.85),
    ]
}

/// A frameless square button showing an icon; `label` names it for screen readers, tests
/// and the tooltip.
pub fn icon_button(ui: &mut egui::Ui, icon: Icon, label: &str, enabled: bool) -> egui::Response {
    let size = ui.spacing().interact_size.y.max(22.0);
    let sense = if enabled {
        Sense::click()
    } else {
        Sense::hover()
    };
    let (rect, response) = ui.allocate_exact_size(vec2(size, size), sense);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, enabled, label));
    if ui.is_rect_visible(rect) {
        let visuals = if enabled {
            ui.style().interact(&response)
        } else {
            &ui.visuals().widgets.noninteractive
        };
        if enabled && (response.hovered() || response.is_pointer_button_down_on()) {
            ui.painter().rect_filled(rect, 4, visuals.weak_bg_fill);
        }
        let color = if enabled {
            visuals.fg_stroke.color
        } else {
            ui.visuals().weak_text_color()
        };
        paint(ui.painter(), rect, icon, color);
    }
    response.on_hover_text(label)
}

/// An icon followed by text on one line (the text carries the accessible label).
pub fn icon_label(
    ui: &mut egui::Ui,
    icon: Icon,
    text: impl Into<egui::WidgetText>,
    color: Color32,
) -> egui::Response {
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        let size = ui.text_style_height(&egui::TextStyle::Body);
        let (rect, _) = ui.allocate_exact_size(vec2(size, size), Sense::hover());
        paint(ui.painter(), rect, icon, color);
        ui.label(text)
    })
    .inner
}
