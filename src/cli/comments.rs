//! `socialdesk comments …`: comment moderation from the command line.

use std::sync::Arc;

use anyhow::Result;
use clap::Subcommand;

use crate::engine::Core;

/// The `comments` subcommands.
#[derive(Debug, Subcommand)]
pub enum CommentsCommand {
    /// Not built yet in this version.
    List,
}

/// Runs one subcommand against the engine core.
pub async fn run(_core: Arc<Core>, command: CommentsCommand) -> Result<()> {
    match command {
        CommentsCommand::List => anyhow::bail!("not built yet in this version"),
    }
}
