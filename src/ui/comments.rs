//! The Comments tab. Comments inbox: sync, moderation, rules, saved replies, mentions.

use crate::engine::Command;
use crate::engine::comments::CommentsEvent;

use super::TabContext;

/// The Comments tab's state.
#[derive(Default)]
pub struct CommentsTab {}

impl CommentsTab {
    /// Applies an event from the engine.
    pub fn on_event(&mut self, event: CommentsEvent) {
        match event {
            _ => {}
        }
    }

    /// Draws the tab.
    pub fn tab_ui(
        &mut self,
        ui: &mut egui::Ui,
        _cx: &mut TabContext<'_>,
        _commands: &mut Vec<Command>,
    ) {
        super::empty::unbuilt_tab_ui(ui, super::Tab::Comments);
    }
}
