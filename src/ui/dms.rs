//! The Dms tab. Instagram Direct: conversations, messages, send windows, private replies.

use crate::engine::Command;
use crate::engine::dms::DmsEvent;

use super::TabContext;

/// The Dms tab's state.
#[derive(Default)]
pub struct DmsTab {}

impl DmsTab {
    /// Applies an event from the engine.
    pub fn on_event(&mut self, event: DmsEvent) {
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
        super::empty::unbuilt_tab_ui(ui, super::Tab::Dms);
    }
}
