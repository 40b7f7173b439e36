//! The look of socialdesk: a dark and a light theme with one accent colour, the user's choice
//! between them (or the system's), and the named colours the other UI modules share so they
//! never hard-code their own.
//!
//! Colours that must read on the panel behind them (secondary text, errors, warnings,
//! success) differ per theme, so they are functions of the `Ui` being drawn: every one meets
//! WCAG AA (4.5:1) on its theme's panel. Fills that carry their own white text (the accent,
//! badges) are the same in both.

use egui::{Color32, CornerRadius, Stroke, Theme, ThemePreference, Visuals};
use serde::{Deserialize, Serialize};

/// The theme the user chose; persisted in `UiPrefs`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThemeChoice {
    #[default]
    Dark,
    Light,
    /// Whatever the desktop prefers (dark where it says nothing).
    System,
}

impl ThemeChoice {
    /// Every choice, in the order the setting lists them.
    pub const ALL: [ThemeChoice; 3] = [ThemeChoice::Dark, ThemeChoice::Light, ThemeChoice::System];

    /// The choice's name in the setting.
    pub fn label(self) -> &'static str {
        match self {
            ThemeChoice::Dark => "Dark",
            ThemeChoice::Light => "Light",
            ThemeChoice::System => "System",
        }
    }

    fn preference(self) -> ThemePreference {
        match self {
            ThemeChoice::Dark => ThemePreference::Dark,
            ThemeChoice::Light => ThemePreference::Light,
            ThemeChoice::System => ThemePreference::System,
        }
    }
}

/// The accent: buttons that start something, selection, the active tab.
pub const ACCENT: Color32 = Color32::from_rgb(0xD6, 0x3A, 0x7A);
/// The SANDBOX badge: impossible to miss, never mistaken for an error (black text on it).
pub const SANDBOX: Color32 = Color32::from_rgb(0xF5, 0xA5, 0x24);
/// Errors drawn as fills or dots (the "Reconnect" marker), in both themes.
pub const DANGER_FILL: Color32 = Color32::from_rgb(0xE5, 0x48, 0x4D);

/// The dark theme's panels and app background.
const DARK_PANEL: Color32 = Color32::from_rgb(0x17, 0x18, 0x1C);
const DARK_SIDEBAR: Color32 = Color32::from_rgb(0x12, 0x13, 0x16);
const DARK_PLACEHOLDER: Color32 = Color32::from_rgb(0x26, 0x28, 0x2F);
/// 6.0:1 on the dark panel.
const DARK_MUTED: Color32 = Color32::from_rgb(0x8B, 0x8F, 0x9A);
const DARK_DANGER: Color32 = DANGER_FILL;
const DARK_WARNING: Color32 = Color32::from_rgb(0xF0, 0xB4, 0x29);
const DARK_SUCCESS: Color32 = Color32::from_rgb(0x3D, 0xC2, 0x7E);

const LIGHT_PANEL: Color32 = Color32::from_rgb(0xF7, 0xF7, 0xF9);
const LIGHT_SIDEBAR: Color32 = Color32::from_rgb(0xEA, 0xEB, 0xEF);
const LIGHT_PLACEHOLDER: Color32 = Color32::from_rgb(0xDC, 0xDE, 0xE4);
/// 5.9:1 on the light panel.
const LIGHT_MUTED: Color32 = Color32::from_rgb(0x5A, 0x5F, 0x6B);
const LIGHT_DANGER: Color32 = Color32::from_rgb(0xB4, 0x23, 0x2A);
const LIGHT_WARNING: Color32 = Color32::from_rgb(0x8A, 0x55, 0x00);
const LIGHT_SUCCESS: Color32 = Color32::from_rgb(0x1B, 0x73, 0x42);

/// Gap between grid tiles, in points.
pub const TILE_GAP: f32 = 6.0;
/// Corner radius of grid tiles and cards.
pub const CARD_RADIUS: u8 = 6;

fn pick(ui: &egui::Ui, dark: Color32, light: Color32) -> Color32 {
    if ui.visuals().dark_mode { dark } else { light }
}

/// Secondary text: captions, counts, hints.
pub fn muted(ui: &egui::Ui) -> Color32 {
    pick(ui, DARK_MUTED, LIGHT_MUTED)
}
/// Error text.
pub fn danger(ui: &egui::Ui) -> Color32 {
    pick(ui, DARK_DANGER, LIGHT_DANGER)
}
/// Warning text (API usage nearing its limit, a window about to close).
pub fn warning(ui: &egui::Ui) -> Color32 {
    pick(ui, DARK_WARNING, LIGHT_WARNING)
}
/// Success text (connected, published).
pub fn success(ui: &egui::Ui) -> Color32 {
    pick(ui, DARK_SUCCESS, LIGHT_SUCCESS)
}
/// The sidebar's background, a shade off the panels so the content stands forward.
pub fn sidebar_bg(ui: &egui::Ui) -> Color32 {
    pick(ui, DARK_SIDEBAR, LIGHT_SIDEBAR)
}
/// Panels and the app background.
pub fn panel_bg(ui: &egui::Ui) -> Color32 {
    pick(ui, DARK_PANEL, LIGHT_PANEL)
}
/// A grid tile before its thumbnail arrives.
pub fn placeholder(ui: &egui::Ui) -> Color32 {
    pick(ui, DARK_PLACEHOLDER, LIGHT_PLACEHOLDER)
}
/// A faint wash over a hovered row (light on dark, dark on light).
pub fn hover_wash(ui: &egui::Ui) -> Color32 {
    pick(
        ui,
        Color32::from_white_alpha(10),
        Color32::from_black_alpha(12),
    )
}

fn dark_visuals() -> Visuals {
    let mut visuals = Visuals::dark();
    visuals.panel_fill = DARK_PANEL;
    visuals.window_fill = Color32::from_rgb(0x1E, 0x20, 0x26);
    visuals.extreme_bg_color = Color32::from_rgb(0x0E, 0x0F, 0x12);
    visuals.faint_bg_color = Color32::from_rgb(0x1C, 0x1D, 0x22);
    visuals.selection.stroke = Stroke::new(1.0, Color32::WHITE);
    visuals.hyperlink_color = Color32::from_rgb(0x7A, 0xB8, 0xFF);
    visuals.error_fg_color = DARK_DANGER;
    visuals.warn_fg_color = DARK_WARNING;
    visuals
}

fn light_visuals() -> Visuals {
    let mut visuals = Visuals::light();
    visuals.panel_fill = LIGHT_PANEL;
    visuals.window_fill = Color32::WHITE;
    visuals.extreme_bg_color = Color32::WHITE;
    visuals.faint_bg_color = Color32::from_rgb(0xEF, 0xF0, 0xF3);
    visuals.selection.stroke = Stroke::new(1.0, Color32::from_rgb(0x3A, 0x0B, 0x20));
    visuals.hyperlink_color = Color32::from_rgb(0x0B, 0x5C, 0xAD);
    visuals.error_fg_color = LIGHT_DANGER;
    visuals.warn_fg_color = LIGHT_WARNING;
    visuals
}

/// What both themes share: the accent selection and rounded corners.
fn finish(mut visuals: Visuals) -> Visuals {
    visuals.selection.bg_fill = ACCENT.gamma_multiply(0.55);
    visuals.window_corner_radius = CornerRadius::same(10);
    for widget in [
        &mut visuals.widgets.inactive,
        &mut visuals.widgets.hovered,
        &mut visuals.widgets.active,
        &mut visuals.widgets.open,
        &mut visuals.widgets.noninteractive,
    ] {
        widget.corner_radius = CornerRadius::same(5);
    }
    visuals
}

/// Installs both themes on the context and selects `choice`; called on the first frame and
/// whenever the user changes the setting.
pub fn apply(ctx: &egui::Context, choice: ThemeChoice) {
    ctx.set_visuals_of(Theme::Dark, finish(dark_visuals()));
    ctx.set_visuals_of(Theme::Light, finish(light_visuals()));
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 4.0);
    });
    ctx.set_theme(choice.preference());
}

/// The setting: Dark, Light or System, under a small "THEME" heading; true when the user
/// changed it. In a bottom-up layout (the foot of the sidebar) the row goes in first so the
/// heading still reads above it.
pub fn choice_ui(ui: &mut egui::Ui, choice: &mut ThemeChoice) -> bool {
    let heading = |ui: &mut egui::Ui| {
        ui.label(egui::RichText::new("THEME").small().color(muted(ui)));
    };
    let bottom_up = ui.layout().main_dir() == egui::Direction::BottomUp;
    if !bottom_up {
        heading(ui);
    }
    let mut changed = false;
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        for candidate in ThemeChoice::ALL {
            let response = ui.selectable_value(choice, candidate, candidate.label());
            let response = if candidate == ThemeChoice::System {
                response.on_hover_text("Follow the desktop's light or dark setting")
            } else {
                response
            };
            changed |= response.changed();
        }
    });
    if bottom_up {
        heading(ui);
    }
    changed
}

/// A stable colour for an account's avatar circle, derived from its username.
pub fn avatar_color(username: &str) -> Color32 {
    const PALETTE: [Color32; 6] = [
        Color32::from_rgb(0xD6, 0x3A, 0x7A),
        Color32::from_rgb(0x7B, 0x5C, 0xE6),
        Color32::from_rgb(0x2E, 0x9C, 0xCA),
        Color32::from_rgb(0x3D, 0xA8, 0x6B),
        Color32::from_rgb(0xE0, 0x8A, 0x2E),
        Color32::from_rgb(0xC2, 0x4E, 0x4E),
    ];
    let sum = username.bytes().fold(0usize, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(usize::from(b))
    });
    PALETTE[sum % PALETTE.len()]
}

/// The colour of the API usage figure: calm far from the limit, red close to it.
pub fn usage_color(ui: &egui::Ui, percent: u8) -> Color32 {
    match percent {
        0..=59 => muted(ui),
        60..=84 => warning(ui),
        _ => danger(ui),
    }
}

/// WCAG's contrast ratio between two opaque colours (1 to 21).
pub fn contrast(a: Color32, b: Color32) -> f32 {
    fn luminance(c: Color32) -> f32 {
        let lin = |v: u8| {
            let v = f32::from(v) / 255.0;
            if v <= 0.039_28 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
    }
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_colours_meet_wcag_aa_on_their_panels() {
        for (panel, colours) in [
            (
                DARK_PANEL,
                [DARK_MUTED, DARK_DANGER, DARK_WARNING, DARK_SUCCESS],
            ),
            (
                LIGHT_PANEL,
                [LIGHT_MUTED, LIGHT_DANGER, LIGHT_WARNING, LIGHT_SUCCESS],
            ),
        ] {
            for colour in colours {
                let ratio = contrast(colour, panel);
                assert!(ratio >= 4.5, "{colour:?} on {panel:?}: {ratio:.2}");
            }
        }
        // The sidebar is darker (lighter) still: muted text reads there too.
        assert!(contrast(DARK_MUTED, DARK_SIDEBAR) >= 4.5);
        assert!(contrast(LIGHT_MUTED, LIGHT_SIDEBAR) >= 4.5);
    }

    #[test]
    fn the_choice_selects_the_theme() {
        let ctx = egui::Context::default();
        apply(&ctx, ThemeChoice::Light);
        assert_eq!(ctx.theme(), Theme::Light);
        assert_eq!(ctx.global_style().visuals.panel_fill, LIGHT_PANEL);
        apply(&ctx, ThemeChoice::Dark);
        assert_eq!(ctx.theme(), Theme::Dark);
        assert_eq!(ctx.global_style().visuals.panel_fill, DARK_PANEL);
    }

    #[test]
    fn avatar_colour_is_stable_per_username() {
        assert_eq!(avatar_color("demo"), avatar_color("demo"));
    }
}
