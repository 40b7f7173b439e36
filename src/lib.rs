//! socialdesk: a native desktop app for Instagram professional accounts.
//!
//! See `ARCHITECTURE.md` for one line per module and the path of a command.

pub mod auth;
pub mod config;
pub mod engine;
pub mod graph;
pub mod media;
pub mod ids;
pub mod model;
pub mod sandbox;
pub mod store;
pub mod ui;
