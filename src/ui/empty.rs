//! Honest empty states: a heading and one sentence, centred, with no fake content.

use super::shell::Tab;
use super::theme;

/// A centred heading and sentence, for tabs and lists with nothing to show.
pub fn empty_state_ui(ui: &mut egui::Ui, heading: &str, sentence: &str) {
    ui.vertical_centered(|ui| {
        ui.add_space((ui.available_height() * 0.3).max(24.0));
        ui.heading(heading);
        ui.add_space(6.0);
        ui.label(egui::RichText::new(sentence).color(theme::muted(ui)));
    });
}

/// The heading shown for a tab (distinct from the tab's own label so both can be found).
pub fn tab_heading(tab: Tab) -> &'static str {
    match tab {
        Tab::Feed => "Feed",
        Tab::Composer => "Compose and publish",
        Tab::Comments => "Comment moderation",
        Tab::Dms => "Direct messages",
        Tab::Insights => "Account insights",
        Tab::Research => "Hashtag and competitor research",
        Tab::Calendar => "Content calendar",
    }
}
