//! The command line: the GUI by default, plus scripting commands over the same engine core.

mod comments;
mod competitors;
mod dms;
mod insights;
mod live;
mod output;
mod publish;
mod research;
mod server_client;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use url::Url;

use crate::config::{DataDirs, Endpoints};
use crate::engine::config::embedded_sandbox;
use crate::engine::{Core, EngineConfig, Mode};
use crate::graph::{GraphError, PageGuard};
use crate::model::{Account, AccountStatus, LoginKind, Media};
use crate::sandbox::SandboxOptions;

/// socialdesk: run Instagram professional accounts from your desktop.
#[derive(Debug, Parser)]
#[command(name = "socialdesk", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<CliCommand>,
}

/// Options every command understands.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Use the built-in sandbox (demo data, nothing reaches Instagram).
    #[arg(long, global = true, env = "SOCIALDESK_SANDBOX")]
    pub sandbox: bool,
    /// Folder for the database, caches and logs (default: the platform's data folder).
    #[arg(long, global = true, env = "SOCIALDESK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Root URL standing in for graph.instagram.com (graph.facebook.com is taken as
    /// <root>/facebook/), e.g. a running `socialdesk sandbox`.
    #[arg(long, global = true, env = "SOCIALDESK_GRAPH_URL", value_name = "URL")]
    pub graph_url: Option<Url>,
    /// Root URL standing in for every Meta host (authorize pages, token endpoints, both
    /// Graph hosts), laid out like the sandbox.
    #[arg(long, global = true, env = "SOCIALDESK_META_URL", value_name = "URL")]
    pub meta_url: Option<Url>,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Run the Graph API sandbox alone, for demos, tests and other clients.
    Sandbox(SandboxArgs),
    /// List, add or remove connected accounts.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Print an account's posts.
    Feed(FeedArgs),
    /// Publish or schedule posts.
    Publish(Box<publish::PublishArgs>),
    /// Publish every due scheduled post and every interrupted one, then exit (for cron or a
    /// systemd timer; same as `publish run-scheduler`).
    RunScheduler,
    /// Moderate comments.
    #[command(subcommand)]
    Comments(comments::CommentsCommand),
    /// Read and send Instagram Direct messages.
    #[command(subcommand)]
    Dm(dms::DmCommand),
    /// Account and media insights.
    #[command(subcommand)]
    Insights(insights::InsightsCommand),
    /// Search a hashtag's top or recent posts (Facebook Login accounts; 30 unique
    /// hashtags per account in 7 days).
    Hashtag(research::HashtagArgs),
    /// Look up another Business or Creator account by username (Facebook Login accounts).
    Discover(research::DiscoverArgs),
    /// Track competitors over time: add, remove, list, snapshot, history (Facebook Login
    /// accounts; one snapshot per day, also taken by `run-scheduler`).
    #[command(subcommand)]
    Competitors(competitors::CompetitorsCommand),
    /// The live broadcast on air and its latest comments.
    Live(live::LiveArgs),
    /// Run the self-hosted server (webhooks, paired devices), or invite a device to it.
    Server(crate::server::ServerArgs),
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// Milliseconds added to every answer.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of Graph calls (0.0–1.0) answered with a transient error.
    #[arg(long, default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Seed of the demo data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Accept only this app id (default: any).
    #[arg(long)]
    pub app_id: Option<String>,
    /// Accept only this app secret (default: any).
    #[arg(long, env = "SOCIALDESK_SANDBOX_APP_SECRET", hide_env_values = true)]
    pub app_secret: Option<String>,
    /// Keep the world (posts, comments, DMs, uploads) in this folder across restarts
    /// (default: in memory only; `--seed` only shapes a new world).
    #[arg(long)]
    pub state_dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Show connected accounts.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Connect an account with a long-lived token from the Meta App Dashboard.
    Add {
        #[arg(long, value_enum, default_value_t = LoginArg::Instagram)]
        login: LoginArg,
        /// The token (or set SOCIALDESK_TOKEN so it stays out of your shell history).
        #[arg(long, env = "SOCIALDESK_TOKEN", hide_env_values = true)]
        token: String,
    },
    /// Forget an account (by @username or id) and delete its token.
    Remove { account: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LoginArg {
    Instagram,
    Facebook,
}

impl From<LoginArg> for LoginKind {
    fn from(value: LoginArg) -> Self {
        match value {
            LoginArg::Instagram => LoginKind::Instagram,
            LoginArg::Facebook => LoginKind::Facebook,
        }
    }
}

#[derive(Debug, Args)]
pub struct FeedArgs {
    /// @username or id (default: the active account).
    #[arg(long)]
    pub account: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// At most this many posts.
    #[arg(long, default_value_t = 30)]
    pub limit: usize,
}

impl GlobalArgs {
    /// The data folders these options select.
    pub fn dirs(&self) -> Result<DataDirs> {
        match &self.data_dir {
            Some(dir) => Ok(DataDirs::under(dir)),
            None => DataDirs::standard()
                .context("could not find a home folder for socialdesk's data: pass --data-dir"),
        }
    }

    /// Live endpoints with the overrides applied, or `None` when the sandbox is wanted.
    pub fn live_endpoints(&self) -> Option<Endpoints> {
        if self.sandbox {
            return None;
        }
        let mut endpoints = match &self.meta_url {
            Some(root) => Endpoints::sandbox(root),
            None => Endpoints::meta(),
        };
        if let Some(root) = &self.graph_url {
            endpoints = endpoints.with_graph_root(root);
        }
        Some(endpoints)
    }
}

impl SandboxArgs {
    fn options(&self) -> Result<SandboxOptions> {
        if !(0.0..=1.0).contains(&self.fail_rate) {
            bail!(
                "--fail-rate must be between 0.0 and 1.0, got {}",
                self.fail_rate
            );
        }
        Ok(SandboxOptions {
            port: self.port,
            seed: self.seed,
            latency_ms: self.latency_ms,
            fail_rate: self.fail_rate,
            app_id: self.app_id.clone(),
            app_secret: self.app_secret.clone(),
            state_dir: self.state_dir.clone(),
            ..SandboxOptions::default()
        })
    }
}

/// Runs a non-GUI command to completion on its own runtime.
pub fn run_command(global: &GlobalArgs, command: CliCommand) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(async move {
        match command {
            CliCommand::Sandbox(args) => {
                let options = args.options()?;
                crate::sandbox::run(options).await.context(
                    "the sandbox stopped with an error (is the port already in use? try --port 0)",
                )
            }
            CliCommand::Accounts(cmd) => on_core(global, |core| accounts(core, cmd)).await,
            CliCommand::Feed(args) => on_core(global, |core| feed(core, args)).await,
            CliCommand::Publish(cmd) => on_core(global, |core| publish::run(core, *cmd)).await,
            CliCommand::RunScheduler => {
                on_core(
                    global,
                    |core| async move { publish::run_scheduler(&core).await },
                )
                .await
            }
            CliCommand::Comments(cmd) => on_core(global, |core| comments::run(core, cmd)).await,
            CliCommand::Dm(cmd) => on_core(global, |core| dms::run(core, cmd)).await,
            CliCommand::Insights(cmd) => on_core(global, |core| insights::run(core, cmd)).await,
            CliCommand::Hashtag(args) => {
                on_core(global, |core| research::hashtag(core, args)).await
            }
            CliCommand::Discover(args) => {
                on_core(global, |core| research::discover(core, args)).await
            }
            CliCommand::Server(args)
                if args
                    .command
                    .as_ref()
                    .is_some_and(crate::server::ServerCommand::is_client) =>
            {
                let data = global.dirs()?.data;
                on_core(global, |core| server_client::run(core, args, data)).await
            }
            CliCommand::Server(args) => {
                Ok(crate::server::run(args, &global.dirs()?.data, global.live_endpoints()).await?)
            }
            CliCommand::Live(args) => on_core(global, |core| live::run(core, args)).await,
            CliCommand::Competitors(cmd) => {
                on_core(global, |core| competitors::run(core, cmd)).await
            }
        }
    })
}

/// `e` and its causes as the one line the CLI prints, each cause once.
///
/// Several error types show their cause in their own message and also return it as their
/// `source()` (thiserror does that for any field named `source`, e.g. `PostError::Prepare`),
/// so anyhow's `{:#}` would print the cause, and its fix, twice. A cause whose text is
/// already in the line is left out.
pub fn error_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// The engine configuration for CLI commands. `--sandbox` runs the data folder's one
/// sandbox world, the same the app's embedded sandbox uses.
fn engine_config(global: &GlobalArgs) -> Result<EngineConfig> {
    let dirs = global.dirs()?;
    let mode = match global.live_endpoints() {
        Some(endpoints) => Mode::Live(Box::new(endpoints)),
        None => Mode::EmbeddedSandbox(embedded_sandbox(&dirs)),
    };
    Ok(EngineConfig::new(dirs, mode))
}

/// Runs `command` on a started core, then writes the sandbox world (if any) before the
/// process ends: its saver only writes every few seconds, and the next command reads it.
async fn on_core<F, Fut>(global: &GlobalArgs, command: F) -> Result<()>
where
    F: FnOnce(Arc<Core>) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let core = core(global).await?;
    let result = command(core.clone()).await;
    if let Some(sandbox) = core.sandbox() {
        sandbox.save();
    }
    result
}

/// The account a command works on: `key` (@username or id), else the active account, else
/// the first connected one. With none connected, the error says how to add one.
pub(crate) async fn pick_account(core: &Core, key: Option<&str>) -> Result<Account> {
    if let Some(key) = key {
        return Ok(core.find_account(key).await?);
    }
    let active = core.active_account().await?;
    let accounts = core.accounts().await?;
    active
        .and_then(|id| accounts.iter().find(|a| a.id == id).cloned())
        .or_else(|| accounts.into_iter().next())
        .context(NO_ACCOUNT)
}

/// What a command says when no account is connected: how to add one, or to try the demo.
pub(crate) const NO_ACCOUNT: &str = "no account connected: add one with `socialdesk accounts add --token TOKEN` (or log in in the app), or try the demo world with `--sandbox`";

async fn core(global: &GlobalArgs) -> Result<Arc<Core>> {
    let core = Core::start(engine_config(global)?).await?;
    if let Some(warning) = &core.secrets_warning {
        eprintln!("warning: {warning}");
    }
    let core = Arc::new(core);
    if core.sandbox().is_some() {
        crate::engine::run::sandbox_login_headless(&core).await?;
    }
    Ok(core)
}

async fn accounts(core: Arc<Core>, command: AccountsCommand) -> Result<()> {
    match command {
        AccountsCommand::List { json } => {
            let accounts = core.accounts().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&accounts)?);
            } else if accounts.is_empty() {
                println!("{NO_ACCOUNT}");
            } else {
                for account in &accounts {
                    println!("{}", account_line(account));
                }
            }
        }
        AccountsCommand::Add { login, token } => {
            let accounts = core.add_token(login.into(), &token).await?;
            for account in &accounts {
                println!("connected {}", account_line(account));
            }
        }
        AccountsCommand::Remove { account } => {
            let found = core.find_account(&account).await?;
            core.remove_account(&found.id).await?;
            println!("removed @{}", found.username);
        }
    }
    Ok(())
}

fn account_line(account: &Account) -> String {
    let status = match &account.status {
        AccountStatus::Connected => "connected".to_owned(),
        AccountStatus::ReconnectNeeded { .. } => "reconnect needed".to_owned(),
    };
    format!(
        "@{:<24} {:<18} {:<15} {:<12} {}",
        account.username,
        account.id,
        account.login.label(),
        account.type_label(),
        status
    )
}

async fn feed(core: Arc<Core>, args: FeedArgs) -> Result<()> {
    let account = pick_account(&core, args.account.as_deref()).await?;
    let mut media: Vec<Media> = Vec::new();
    let mut after = None;
    // A server that repeats its cursor would otherwise keep this loop going forever.
    let mut guard = PageGuard::new("media");
    while media.len() < args.limit {
        let page = core.fetch_feed_page(&account, after).await?;
        after = guard
            .follow(page.media.len(), page.after)
            .map_err(GraphError::from)?;
        media.extend(page.media);
        if after.is_none() {
            break;
        }
    }
    media.truncate(args.limit);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&media)?);
    } else {
        for m in &media {
            let caption = m
                .caption
                .as_deref()
                .unwrap_or("")
                .lines()
                .next()
                .unwrap_or("");
            let caption: String = caption.chars().take(60).collect();
            println!(
                "{}  {:<8} {:>6} ♥ {:>5} 💬  {}  {}",
                m.timestamp.format("%Y-%m-%d %H:%M"),
                m.kind_label(),
                m.like_count.map_or("-".into(), |n| n.to_string()),
                m.comments_count.map_or("-".into(), |n| n.to_string()),
                m.id,
                caption
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("the picture is cut off: download it again")]
    struct Cause;

    #[derive(Debug, thiserror::Error)]
    #[error("item 1 (t.jpg): {source}")]
    struct Shows {
        source: Cause,
    }

    #[test]
    fn the_error_line_states_a_shown_cause_once() {
        let e = anyhow::Error::new(Shows { source: Cause }).context("draft 3 was not published");
        let line = error_line(&e);
        assert_eq!(
            line,
            "draft 3 was not published: item 1 (t.jpg): the picture is cut off: download it again"
        );
        assert_eq!(line.matches("download it again").count(), 1, "{line}");
    }
}
