//! Composer and publishing: media preparation, drafts, the publish pipeline, the schedule.
//!
//! The engine side of the Composer tab: commands from the UI run here as background jobs and
//! answer with [`ComposerEvent`]s.

use std::sync::Arc;

use super::core::Core;
use super::handle::EventSender;

/// What the Composer tab asks the engine to do.
#[derive(Clone, Debug)]
pub enum ComposerCommand {
    /// Load drafts and the schedule.
    Refresh,
}

/// What the engine tells the Composer tab.
#[derive(Clone, Debug)]
pub enum ComposerEvent {
    /// Nothing yet; replaced by the real events of this feature.
    Idle,
}

/// Called once when the engine starts: resume interrupted publishes, start the scheduler.
pub(crate) fn on_start(_core: Arc<Core>, _events: EventSender) {}

/// Runs one command in the background.
pub(crate) fn handle(_core: Arc<Core>, _events: EventSender, command: ComposerCommand) {
    match command {
        ComposerCommand::Refresh => {}
    }
}
