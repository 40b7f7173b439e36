//! `socialdesk dm …`: Instagram Direct messages from the command line.

use std::sync::Arc;

use anyhow::Result;
use clap::Subcommand;

use crate::engine::Core;

/// The `dms` subcommands.
#[derive(Debug, Subcommand)]
pub enum DmCommand {
    /// Not built yet in this version.
    List,
}

/// Runs one subcommand against the engine core.
pub async fn run(_core: Arc<Core>, command: DmCommand) -> Result<()> {
    match command {
        DmCommand::List => anyhow::bail!("not built yet in this version"),
    }
}
