//! The background engine: owns tokio, the Graph client, the store and the secrets.
//!
//! It receives [`Command`]s from the UI, runs jobs concurrently, persists before and after
//! network steps, and reports back with [`Event`]s. The CLI calls the same [`Core`].

pub mod calendar;
pub mod comment_rules;
pub mod comments;
pub mod comments_mentions;
pub mod comments_ops;
pub mod competitors;
pub mod composer;
pub mod config;
pub mod core;
pub mod dms;
pub mod handle;
pub mod insights;
pub mod live;
pub mod notify;
pub mod protocol;
pub mod research;
pub mod run;

pub use config::{EngineConfig, Mode};
pub use core::{Core, EngineError};
pub use handle::{EngineHandle, EngineSide, EventSender, channel};
pub use protocol::{Command, Event};
pub use run::spawn;
