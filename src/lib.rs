//! socialdesk: a native desktop app for Instagram professional accounts.
//!
//! See `ARCHITECTURE.md` for one line per module and the path of a command.

pub mod auth;
pub mod cli;
pub mod config;
pub mod engine;
pub mod graph;
pub mod gui;
pub mod ids;
pub mod logging;
pub mod media;
pub mod model;
pub mod sandbox;
pub mod schedule;
pub mod server;
pub mod store;
pub mod ui;
