//! The Insights tab. Account and media insights: fetch, cache, charts, exports.

use crate::engine::Command;
use crate::engine::insights::InsightsEvent;

use super::TabContext;

/// The Insights tab's state.
#[derive(Default)]
pub struct InsightsTab {}

impl InsightsTab {
    /// Applies an event from the engine.
    pub fn on_event(&mut self, event: InsightsEvent) {
        let _ = event;
    }

    /// Draws the tab.
    pub fn tab_ui(
        &mut self,
        ui: &mut egui::Ui,
        _cx: &mut TabContext<'_>,
        _commands: &mut Vec<Command>,
    ) {
        super::empty::unbuilt_tab_ui(ui, super::Tab::Insights);
    }
}
