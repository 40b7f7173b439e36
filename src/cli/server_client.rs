//! `socialdesk server pair | share-account | schedule | posts`: a desktop working with its
//! paired server over `crate::server::client`, with the accounts and secret store of the
//! engine core.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use crate::engine::Core;
use crate::media::prepare::{CropRect, PrepareOptions, Surface, prepare_image};
use crate::server::client::ServerClient;
use crate::server::{ServerArgs, ServerCommand};

/// Runs a desktop-side `server` subcommand.
pub async fn run(core: Arc<Core>, args: ServerArgs, data: PathBuf) -> Result<()> {
    let http = core.http().api.clone();
    let Some(command) = args.command else {
        bail!("no server subcommand given");
    };
    match command {
        ServerCommand::Pair {
            url,
            code,
            device_name,
        } => {
            let name = device_name
                .or_else(|| {
                    std::fs::read_to_string("/etc/hostname")
                        .ok()
                        .map(|h| h.trim().to_owned())
                })
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "socialdesk desktop".into());
            let link = ServerClient::pair(http, &url, &code, &name, core.secrets(), &data).await?;
            println!(
                "paired with {} as device {} ({})",
                link.url, link.device_id, link.role
            );
            Ok(())
        }
        ServerCommand::ShareAccount { account } => {
            let client = ServerClient::open(http, core.secrets(), &data)?;
            let account = super::pick_account(&core, account.as_deref()).await?;
            let session = core.session(&account).await?;
            client
                .share_account(
                    account.id.as_str(),
                    account.login.as_str(),
                    &session.access_token,
                )
                .await?;
            println!(
                "@{} can now be published to by the server",
                account.username
            );
            Ok(())
        }
        ServerCommand::Schedule {
            account,
            images,
            image_urls,
            caption,
            at,
        } => {
            let client = ServerClient::open(http, core.secrets(), &data)?;
            let account = super::pick_account(&core, account.as_deref()).await?;
            let at = crate::schedule::parse_local(&at, chrono::Utc::now())?;
            if images.len() + image_urls.len() == 0 {
                bail!("give the post a picture: --image FILE or --image-url URL");
            }
            let jpegs = tokio::task::spawn_blocking(move || prepare_all(&images))
                .await
                .context("preparing the pictures stopped")??;
            let post = client
                .schedule(
                    account.id.as_str(),
                    &caption,
                    at.timestamp(),
                    &jpegs,
                    &image_urls,
                )
                .await?;
            println!("{}", post["id"]);
            eprintln!(
                "Scheduled on the server for {}: it publishes even while this computer sleeps.",
                crate::schedule::describe(at)
            );
            Ok(())
        }
        ServerCommand::Posts { json } => {
            let client = ServerClient::open(http, core.secrets(), &data)?;
            let posts = client.posts().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&posts)?);
                return Ok(());
            }
            for p in posts {
                let when =
                    chrono::DateTime::from_timestamp(p["scheduled_at"].as_i64().unwrap_or(0), 0)
                        .map(crate::schedule::describe)
                        .unwrap_or_default();
                println!(
                    "{}\t{}\t{}\t{}\tby {}\t{}",
                    p["id"],
                    when,
                    p["state"].as_str().unwrap_or_default(),
                    p["account_id"].as_str().unwrap_or_default(),
                    p["created_by_name"].as_str().unwrap_or("?"),
                    p["caption"].as_str().unwrap_or_default()
                );
            }
            Ok(())
        }
        ServerCommand::Invite { .. } => bail!("`server invite` runs on the server's machine"),
    }
}

/// Each picture prepared for the feed as the Composer would (whole picture, checked shape,
/// resized JPEG); a carousel's items match the first one's ratio.
fn prepare_all(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::with_capacity(paths.len());
    let mut first_ratio = None;
    for path in paths {
        let bytes =
            std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
        let prepared = prepare_image(
            &bytes,
            &PrepareOptions {
                crop: CropRect::FULL,
                surface: Surface::Feed,
                match_ratio: first_ratio,
            },
        )
        .with_context(|| format!("{} cannot be published", path.display()))?;
        first_ratio.get_or_insert(prepared.ratio());
        out.push(prepared.jpeg);
    }
    Ok(out)
}
