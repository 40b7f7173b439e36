//! The Composer tab: drag media in, crop, tag, caption, publish or schedule.

use crate::engine::Command;
use crate::engine::composer::ComposerEvent;

use super::TabContext;

/// The Composer tab's state.
#[derive(Default)]
pub struct ComposerTab {}

impl ComposerTab {
    /// Applies an event from the engine.
    pub fn on_event(&mut self, event: ComposerEvent) {
        #[allow(clippy::match_single_binding)]
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
        super::empty::unbuilt_tab_ui(ui, super::Tab::Composer);
    }
}
