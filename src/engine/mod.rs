//! The background engine: owns tokio, the Graph client, the store and the secrets.
//!
//! It receives [`Command`]s from the UI or the CLI, runs jobs concurrently, persists before
//! and after network steps, and reports back with [`Event`]s.

pub mod handle;
pub mod protocol;

pub use handle::{EngineHandle, EngineSide, EventSender, channel};
pub use protocol::{Command, Event};
