//! The fonts beyond egui's own: a full monochrome emoji font, so captions and comments
//! (full of 🌧️ 🥐 🧊) draw glyphs on any machine, with no emoji font installed.
//!
//! egui's bundled emoji font is a subset and draws the rest as empty boxes. Noto Emoji
//! (SIL Open Font License 1.1, `assets/fonts/NotoEmoji-OFL.txt`) covers current Unicode
//! emoji in outlines egui can render; it goes last in each family's fallback chain, so
//! letters and digits keep the UI font.

use egui::{FontData, FontFamily, FontInsert, FontPriority, InsertFontFamily};

/// Noto Emoji, merged from its per-range subsets into one TrueType file.
const NOTO_EMOJI: &[u8] = include_bytes!("../../assets/fonts/NotoEmoji-Regular.ttf");

/// Adds the emoji font to both families; called once, on the first frame.
pub fn install(ctx: &egui::Context) {
    ctx.add_font(FontInsert::new(
        "noto-emoji-full",
        FontData::from_static(NOTO_EMOJI),
        [FontFamily::Proportional, FontFamily::Monospace]
            .into_iter()
            .map(|family| InsertFontFamily {
                family,
                priority: FontPriority::Lowest,
            })
            .collect(),
    ));
}
