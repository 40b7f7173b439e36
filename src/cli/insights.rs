//! `socialdesk insights …`: account and media insights from the command line.

use std::sync::Arc;

use anyhow::Result;
use clap::Subcommand;

use crate::engine::Core;

/// The `insights` subcommands.
#[derive(Debug, Subcommand)]
pub enum InsightsCommand {
    /// Not built yet in this version.
    List,
}

/// Runs one subcommand against the engine core.
pub async fn run(_core: Arc<Core>, command: InsightsCommand) -> Result<()> {
    match command {
        InsightsCommand::List => anyhow::bail!("not built yet in this version"),
    }
}
