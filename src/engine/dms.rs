//! Instagram Direct: conversations, messages, send windows, private replies.
//!
//! The engine side of the Dms tab: commands from the UI run here as background jobs and
//! answer with [`DmsEvent`]s.

use std::sync::Arc;

use super::core::Core;
use super::handle::EventSender;

/// What the Dms tab asks the engine to do.
#[derive(Clone, Debug)]
pub enum DmsCommand {
    /// Sync now (the tab was opened or Refresh was clicked).
    Refresh,
}

/// What the engine tells the Dms tab.
#[derive(Clone, Debug)]
pub enum DmsEvent {
    /// Nothing yet; replaced by the real events of this feature.
    Idle,
}

/// Called once when the engine starts (after accounts are known): start pollers here.
pub(crate) fn on_start(_core: Arc<Core>, _events: EventSender) {}

/// Runs one command in the background.
pub(crate) fn handle(_core: Arc<Core>, _events: EventSender, command: DmsCommand) {
    match command {
        DmsCommand::Refresh => {}
    }
}
