//! The look of socialdesk: a dark theme with one accent colour, and the named colours and
//! sizes the other UI modules share so they never hard-code their own.

use egui::{Color32, CornerRadius, Stroke, Visuals};

/// The accent: buttons that start something, selection, the active tab.
pub const ACCENT: Color32 = Color32::from_rgb(0xD6, 0x3A, 0x7A);
/// Panels and the app background.
pub const PANEL_BG: Color32 = Color32::from_rgb(0x17, 0x18, 0x1C);
/// The sidebar, a shade darker so the content stands forward.
pub const SIDEBAR_BG: Color32 = Color32::from_rgb(0x12, 0x13, 0x16);
/// A grid tile before its thumbnail arrives.
pub const TILE_PLACEHOLDER: Color32 = Color32::from_rgb(0x26, 0x28, 0x2F);
/// Text on placeholders and secondary information.
pub const MUTED_TEXT: Color32 = Color32::from_rgb(0x8B, 0x8F, 0x9A);
/// The SANDBOX badge: impossible to miss, never mistaken for an error.
pub const SANDBOX: Color32 = Color32::from_rgb(0xF5, 0xA5, 0x24);
/// Errors and the "Reconnect" marker.
pub const DANGER: Color32 = Color32::from_rgb(0xE5, 0x48, 0x4D);
/// Warnings such as API usage nearing the limit.
pub const WARNING: Color32 = Color32::from_rgb(0xF0, 0xB4, 0x29);
/// Success: a connected login.
pub const SUCCESS: Color32 = Color32::from_rgb(0x3D, 0xC2, 0x7E);

/// Gap between grid tiles, in points.
pub const TILE_GAP: f32 = 6.0;
/// Corner radius of grid tiles and cards.
pub const CARD_RADIUS: u8 = 6;

/// Installs the theme on the context; called once on the first frame.
pub fn apply(ctx: &egui::Context) {
    let mut visuals = Visuals::dark();
    visuals.panel_fill = PANEL_BG;
    visuals.window_fill = Color32::from_rgb(0x1E, 0x20, 0x26);
    visuals.extreme_bg_color = Color32::from_rgb(0x0E, 0x0F, 0x12);
    visuals.faint_bg_color = Color32::from_rgb(0x1C, 0x1D, 0x22);
    visuals.selection.bg_fill = ACCENT.gamma_multiply(0.55);
    visuals.selection.stroke = Stroke::new(1.0, Color32::WHITE);
    visuals.hyperlink_color = Color32::from_rgb(0x7A, 0xB8, 0xFF);
    visuals.error_fg_color = DANGER;
    visuals.warn_fg_color = WARNING;
    visuals.window_corner_radius = CornerRadius::same(10);
    for widget in [
        &mut visuals.widgets.inactive,
        &mut visuals.widgets.hovered,
        &mut visuals.widgets.active,
        &mut visuals.widgets.open,
    ] {
        widget.corner_radius = CornerRadius::same(5);
    }
    visuals.widgets.noninteractive.corner_radius = CornerRadius::same(5);
    ctx.set_visuals(visuals);
    ctx.global_style_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 4.0);
    });
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
pub fn usage_color(percent: u8) -> Color32 {
    match percent {
        0..=59 => MUTED_TEXT,
        60..=84 => WARNING,
        _ => DANGER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_turns_red_near_the_limit() {
        assert_eq!(usage_color(10), MUTED_TEXT);
        assert_eq!(usage_color(70), WARNING);
        assert_eq!(usage_color(95), DANGER);
    }

    #[test]
    fn avatar_colour_is_stable_per_username() {
        assert_eq!(avatar_color("demo"), avatar_color("demo"));
    }
}
