//! `socialdesk publish …` and `socialdesk run-scheduler`: publishing from the command line.

use std::sync::Arc;

use anyhow::Result;
use clap::Subcommand;

use crate::engine::Core;

/// The `publish` subcommands.
#[derive(Debug, Subcommand)]
pub enum PublishCommand {
    /// Not built yet in this version.
    List,
}

/// Runs one subcommand against the engine core.
pub async fn run(_core: Arc<Core>, command: PublishCommand) -> Result<()> {
    match command {
        PublishCommand::List => anyhow::bail!("not built yet in this version"),
    }
}
