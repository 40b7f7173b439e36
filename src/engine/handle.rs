//! The UI's end of the engine: a bounded command sender and an event inbox.
//!
//! A failed send means the other side is gone: the UI stops sending, the engine stops working.

use std::sync::{Arc, OnceLock};

use tokio::sync::mpsc;

use super::protocol::{Command, Event};

/// How many commands or events may queue before the sender waits (engine) or drops (UI).
pub const CHANNEL_CAPACITY: usize = 1024;

/// Wakes the UI when an event arrives. Set once the egui context exists.
#[derive(Clone, Default)]
pub struct Repainter(Arc<OnceLock<egui::Context>>);

impl Repainter {
    /// Called by the UI on its first frame.
    pub fn set(&self, ctx: &egui::Context) {
        let _ = self.0.set(ctx.clone());
    }

    /// Asks egui for a new frame; does nothing before the UI registered its context.
    pub fn request(&self) {
        if let Some(ctx) = self.0.get() {
            ctx.request_repaint();
        }
    }
}

/// Held by the UI: sends commands, drains events.
pub struct EngineHandle {
    commands: mpsc::Sender<Command>,
    events: mpsc::Receiver<Event>,
    repainter: Repainter,
}

/// Held by the engine (or a test standing in for it).
pub struct EngineSide {
    pub commands: mpsc::Receiver<Command>,
    pub events: EventSender,
}

/// Sends events to the UI and wakes it.
#[derive(Clone)]
pub struct EventSender {
    tx: mpsc::Sender<Event>,
    repainter: Repainter,
}

impl EventSender {
    /// Sends an event and requests a repaint. Returns false when the UI is gone.
    pub async fn send(&self, event: Event) -> bool {
        let ok = self.tx.send(event).await.is_ok();
        self.repainter.request();
        ok
    }

    /// Non-async variant for blocking contexts; drops the event if the inbox is full.
    pub fn try_send(&self, event: Event) -> bool {
        let ok = self.tx.try_send(event).is_ok();
        self.repainter.request();
        ok
    }
}

/// Makes a connected handle pair. The engine spawns with the [`EngineSide`]; UI tests can
/// hold it themselves to play the engine.
pub fn channel() -> (EngineHandle, EngineSide) {
    let (command_tx, command_rx) = mpsc::channel(CHANNEL_CAPACITY);
    let (event_tx, event_rx) = mpsc::channel(CHANNEL_CAPACITY);
    let repainter = Repainter::default();
    (
        EngineHandle {
            commands: command_tx,
            events: event_rx,
            repainter: repainter.clone(),
        },
        EngineSide {
            commands: command_rx,
            events: EventSender {
                tx: event_tx,
                repainter,
            },
        },
    )
}

impl EngineHandle {
    /// Queues a command. Returns false if the engine is gone or overwhelmed.
    pub fn send(&self, command: Command) -> bool {
        self.commands.try_send(command).is_ok()
    }

    /// The next pending event, if any. Never blocks.
    pub fn try_recv(&mut self) -> Option<Event> {
        self.events.try_recv().ok()
    }

    /// Lets the engine wake this UI.
    pub fn set_repaint_context(&self, ctx: &egui::Context) {
        self.repainter.set(ctx);
    }
}
