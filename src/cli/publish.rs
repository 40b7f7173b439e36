//! `socialdesk publish …`: publishing from the command line.
//!
//! `socialdesk publish --account A --image a.jpg [--image b.jpg …] --caption "…"
//! [--tag user@0.3,0.6] [--alt "…"] [--crop 4:5] [--reel v.mp4] [--story] [--location ID]
//! [--collab NAME …]` prepares the files,
//! saves a draft, publishes it through the same journaled pipeline as the app and prints the
//! new media id. `publish drafts`, `publish resume ID` and `publish run-scheduler` work on
//! saved drafts; `publish locations --query Q` finds ids for `--location`.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use crate::engine::Core;
use crate::engine::composer::{ItemSpec, MediaSource, PostSpec, PublishError, SANDBOX_HOSTING_KEY};
use crate::media::prepare::{CropPreset, CropRect, upright_size};
use crate::store::{DraftLocation, DraftPlace, DraftSummary, PostKind, ProductTag, UserTag};

use super::output::{DEFAULT_LIMIT, cut, print_json, print_more};

/// `socialdesk publish`: flags publish a new post; a subcommand works on drafts instead.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PublishArgs {
    #[command(subcommand)]
    pub action: Option<PublishCommand>,
    #[command(flatten)]
    pub post: PostArgs,
}

/// A new post.
#[derive(Debug, Args)]
pub struct PostArgs {
    /// The account (@username or id); default: the active account.
    #[arg(long)]
    pub account: Option<String>,
    /// A picture (JPEG, PNG, WebP). Repeat for a carousel (2–10).
    #[arg(long = "image", value_name = "FILE")]
    pub images: Vec<PathBuf>,
    /// A video to publish as a reel (MP4/MOV, 9:16).
    #[arg(long, value_name = "FILE", conflicts_with = "images")]
    pub reel: Option<PathBuf>,
    /// Publish the single picture as a story (business accounts only).
    #[arg(long)]
    pub story: bool,
    /// Also show the reel in the feed grid.
    #[arg(long, default_value_t = true)]
    pub share_to_feed: bool,
    #[arg(long, default_value = "")]
    pub caption: String,
    /// Tag a person: `user@X,Y` on the first picture or `N:user@X,Y` on picture N, with X,Y
    /// fractions (0–1) of the published picture from its top-left. Repeatable.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Tag a product (Facebook Login accounts with a shop): `ID@X,Y` on the first picture,
    /// `N:ID@X,Y` on picture N, or just `ID` on a reel. Find ids with `publish products`.
    #[arg(long = "product", value_name = "ID@X,Y")]
    pub products: Vec<String>,
    /// Videos: the cover frame, in milliseconds from the start.
    #[arg(long, value_name = "MS")]
    pub thumb_offset: Option<u64>,
    /// Reels: a public image URL to use as the cover.
    #[arg(long, value_name = "URL", conflicts_with = "cover")]
    pub cover_url: Option<String>,
    /// Reels: a picture on disk to use as the cover (its centred 9:16 part, uploaded to
    /// your hosting with the reel).
    #[arg(long, value_name = "FILE")]
    pub cover: Option<PathBuf>,
    /// Alt text, in picture order. Repeatable.
    #[arg(long = "alt", value_name = "TEXT")]
    pub alts: Vec<String>,
    /// Crop every picture, centred: 1:1, 4:5, 1.91:1 or 9:16 (default: as is).
    #[arg(long, value_name = "RATIO")]
    pub crop: Option<String>,
    /// Publish later, at this time: `YYYY-MM-DD HH:MM` in local time (as the app's field)
    /// or RFC 3339 (e.g. 2030-05-01T09:00:00Z); it must be in the future. The app or
    /// `publish run-scheduler` publishes it when due.
    #[arg(long, value_name = "TIME")]
    pub schedule: Option<String>,
    /// Tag a location: the id of a Facebook Page with coordinates (Facebook Login accounts;
    /// not on stories). Find ids with `publish locations --query …`.
    #[arg(long, value_name = "ID")]
    pub location: Option<String>,
    /// Invite a collaborator by username (Facebook Login accounts; up to 3; not on
    /// stories). Repeatable.
    #[arg(long = "collab", value_name = "NAME")]
    pub collaborators: Vec<String>,
    /// Publish even if the same pictures and caption were published or scheduled on this
    /// account in the last 24 hours.
    #[arg(long)]
    pub allow_duplicate: bool,
    /// Print JSON: `{"draft": N, "media_id": "…"}`, or `{"draft": N, "scheduled_at": "…"}`.
    #[arg(long)]
    pub json: bool,
}

/// `publish hosting`: where prepared files go.
#[derive(Debug, clap::Args)]
pub struct HostingArgs {
    #[arg(long, value_name = "URL", conflicts_with = "s3_endpoint")]
    pub sandbox_url: Option<url::Url>,
    /// e.g. https://s3.eu-central-1.amazonaws.com, https://<account>.r2.cloudflarestorage.com
    #[arg(long, value_name = "URL", requires_all = ["s3_bucket", "s3_access_key_id"])]
    pub s3_endpoint: Option<url::Url>,
    #[arg(long, value_name = "NAME")]
    pub s3_bucket: Option<String>,
    #[arg(long, value_name = "REGION", default_value = "us-east-1")]
    pub s3_region: String,
    #[arg(long, value_name = "ID")]
    pub s3_access_key_id: Option<String>,
    /// Virtual-host style URLs (bucket.endpoint) instead of path style (endpoint/bucket).
    #[arg(long)]
    pub s3_virtual_host: bool,
}

/// The environment variable holding the S3 secret access key for `publish hosting`.
pub const S3_SECRET_ENV: &str = "SOCIALDESK_S3_SECRET_ACCESS_KEY";

/// Working on saved drafts.
#[derive(Debug, Subcommand)]
pub enum PublishCommand {
    /// List an account's drafts, scheduled and published posts.
    Drafts {
        #[arg(long)]
        account: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// At most this many drafts (most recently changed first).
        #[arg(long, default_value_t = DEFAULT_LIMIT)]
        limit: usize,
    },
    /// Publish a saved draft again, resuming where it stopped (never posts twice).
    Resume {
        draft: i64,
        /// Print JSON: `{"draft": N, "media_id": "…"}`.
        #[arg(long)]
        json: bool,
    },
    /// Publish every due scheduled draft and every interrupted one, then exit.
    RunScheduler,
    /// Where files are hosted for Meta to fetch: your S3-compatible bucket (the secret
    /// access key is read from SOCIALDESK_S3_SECRET_ACCESS_KEY, never from the command
    /// line, and kept in the secret store), or a running `socialdesk sandbox`'s upload endpoint.
    Hosting(Box<HostingArgs>),
    /// Search the account's product catalog (Facebook Login accounts with a shop): prints
    /// id, review status and name; only `approved` products' tags are shown by Instagram.
    Products {
        #[arg(long)]
        account: Option<String>,
        /// Name or SKU to look for (default: all products).
        #[arg(long, default_value = "")]
        query: String,
        /// Print JSON (one list) instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Search places for `--location` (Facebook Login accounts): prints id, whether it can
    /// be tagged (only Pages with coordinates can), name and address.
    Locations {
        #[arg(long)]
        account: Option<String>,
        /// Words the place's name contains.
        #[arg(long)]
        query: String,
        /// Print JSON (one list) instead of lines.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `publish` against the engine core.
pub async fn run(core: Arc<Core>, args: PublishArgs) -> Result<()> {
    match args.action {
        Some(PublishCommand::Drafts {
            account,
            json,
            limit,
        }) => {
            let account = account_of(&core, account).await?;
            let id = account.id.clone();
            let mut drafts = core.with_store(move |s| s.drafts(&id)).await?;
            let total = drafts.len();
            let left_out = cut(&mut drafts, limit);
            if json {
                let rows: Vec<serde_json::Value> = drafts.iter().map(draft_json).collect();
                print_json(&rows)?;
                print_more(left_out, "drafts", total, json);
                return Ok(());
            }
            for d in drafts {
                println!(
                    "{}\t{}\t{}\t{} item(s)\t{}\t{}",
                    d.id,
                    d.kind.as_str(),
                    d.state.as_str(),
                    d.items,
                    d.media_id.map(|m| m.to_string()).unwrap_or_default(),
                    d.error.unwrap_or_default()
                );
            }
            print_more(left_out, "drafts", total, json);
            Ok(())
        }
        Some(PublishCommand::Products {
            account,
            query,
            json,
        }) => {
            let account = account_of(&core, account).await?;
            let setup = core.shop_setup(&account).await?;
            let catalogs = match (&setup, setup.explain()) {
                (_, Some(why)) => bail!("{why}"),
                (crate::engine::composer::ShopSetup::Ready { catalogs }, None) => catalogs,
                _ => bail!("this account cannot tag products"),
            };
            let mut found = Vec::new();
            for catalog in catalogs {
                for p in core
                    .search_products(&account, &catalog.catalog_id, &query)
                    .await?
                {
                    if json {
                        found.push(serde_json::json!({
                            "catalog_id": catalog.catalog_id,
                            "product_id": p.product_id,
                            "review_status": p.review_status,
                            "product_name": p.product_name,
                        }));
                    } else {
                        println!("{}\t{}\t{}", p.product_id, p.review_status, p.product_name);
                    }
                }
            }
            if json {
                print_json(&found)?;
            }
            Ok(())
        }
        Some(PublishCommand::Locations {
            account,
            query,
            json,
        }) => {
            let account = account_of(&core, account).await?;
            let places = core.search_locations(&account, &query).await?;
            if json {
                let rows: Vec<serde_json::Value> = places
                    .iter()
                    .map(|p| {
                        serde_json::json!({
                            "id": p.id,
                            "name": p.name,
                            "address": p.address(),
                            "taggable": p.taggable(),
                        })
                    })
                    .collect();
                return print_json(&rows);
            }
            for p in places {
                let taggable = if p.taggable() {
                    "taggable"
                } else {
                    "no-coordinates"
                };
                println!("{}\t{taggable}\t{}\t{}", p.id, p.name, p.address());
            }
            Ok(())
        }
        Some(PublishCommand::Resume { draft, json }) => publish_and_print(&core, draft, json).await,
        Some(PublishCommand::RunScheduler) => run_scheduler(&core).await,
        Some(PublishCommand::Hosting(hosting)) => {
            let HostingArgs {
                sandbox_url,
                s3_endpoint,
                s3_bucket,
                s3_region,
                s3_access_key_id,
                s3_virtual_host,
            } = *hosting;
            if let (Some(endpoint), Some(bucket), Some(access_key_id)) =
                (s3_endpoint, s3_bucket, s3_access_key_id)
            {
                let secret = std::env::var(S3_SECRET_ENV).map_err(|_| {
                    anyhow::anyhow!(
                        "set {S3_SECRET_ENV} to the bucket's secret access key (it is not taken on the command line, where other users could see it)"
                    )
                })?;
                let settings = crate::engine::composer::s3::S3Settings {
                    endpoint,
                    bucket,
                    region: s3_region,
                    access_key_id,
                    path_style: !s3_virtual_host,
                };
                let described = format!("bucket {} at {}", settings.bucket, settings.endpoint);
                core.configure_s3_hosting(settings, &secret).await?;
                println!("files will be hosted in {described} (presigned links for Meta)");
                return Ok(());
            }
            let Some(sandbox_url) = sandbox_url else {
                bail!("give --s3-endpoint, --s3-bucket and --s3-access-key-id, or --sandbox-url");
            };
            let url = sandbox_url.to_string();
            core.with_store(move |s| s.set_setting(SANDBOX_HOSTING_KEY, &url))
                .await?;
            println!("files will be hosted by the sandbox at {sandbox_url}");
            Ok(())
        }
        None => publish_new(&core, args.post).await,
    }
}

async fn account_of(core: &Core, key: Option<String>) -> Result<crate::model::Account> {
    super::pick_account(core, key.as_deref()).await
}

async fn publish_new(core: &Arc<Core>, args: PostArgs) -> Result<()> {
    let account = account_of(core, args.account.clone()).await?;
    let json = args.json;
    let now = core.now();
    let post = tokio::task::spawn_blocking(move || post_spec(args, account.id, now))
        .await
        .context("the preparation task stopped")??;
    let scheduled = post.scheduled_at;
    let draft = core
        .save_to_publish(post, |_, _| {})
        .await
        .map_err(|e| match e {
            PublishError::Duplicate { .. } => {
                anyhow::anyhow!("{e}; add --allow-duplicate to post them again")
            }
            other => other.into(),
        })?;
    if let Some(at) = scheduled {
        if json {
            return print_json(&serde_json::json!({"draft": draft, "scheduled_at": at}));
        }
        println!("scheduled draft {draft} for {}", at.to_rfc3339());
        return Ok(());
    }
    publish_and_print(core, draft, json).await
}

/// One draft for `publish drafts --json`.
fn draft_json(d: &DraftSummary) -> serde_json::Value {
    serde_json::json!({
        "id": d.id,
        "kind": d.kind.as_str(),
        "state": d.state.as_str(),
        "items": d.items,
        "caption": d.caption,
        "scheduled_at": d.scheduled_at,
        "media_id": d.media_id,
        "error": d.error,
        "updated_at": d.updated_at,
    })
}

async fn publish_and_print(core: &Core, draft: i64, json: bool) -> Result<()> {
    let progress = |step: crate::engine::composer::PublishStep| {
        tracing::info!("{}", step.describe());
    };
    let media = core
        .publish_draft(draft, &progress)
        .await
        .map_err(|e| not_published(draft, e))?;
    if json {
        return print_json(&serde_json::json!({"draft": draft, "media_id": media.id}));
    }
    println!("{}", media.id);
    Ok(())
}

/// The CLI's line for a draft that did not go out. `publish resume N` is suggested only
/// when running it again can help: not for a draft that does not exist, one already being
/// published, one Instagram may already show, or a post that has to be changed first.
fn not_published(draft: i64, e: PublishError) -> anyhow::Error {
    if let PublishError::NoSuchDraft(_) = e {
        return anyhow::anyhow!(
            "there is no draft {draft}; list drafts with `socialdesk publish drafts`"
        );
    }
    let context = if can_resume(&e) {
        format!("draft {draft} was not published (retry with `socialdesk publish resume {draft}`)")
    } else {
        format!("draft {draft} was not published")
    };
    anyhow::Error::new(e).context(context)
}

/// True when publishing the same draft again may succeed: the network, Meta, the hosting,
/// the daily limit or processing got in the way, and the pipeline resumes without posting
/// twice.
fn can_resume(e: &PublishError) -> bool {
    match e {
        PublishError::Engine(_)
        | PublishError::Hosting(_)
        | PublishError::LimitReached { .. }
        | PublishError::Meta { .. }
        | PublishError::ContainerFailed { .. }
        | PublishError::CopyrightMatch { .. }
        | PublishError::ProcessingTimedOut
        | PublishError::KeptExpiring => true,
        PublishError::Post(_)
        | PublishError::PublishedButNotFound
        | PublishError::AlreadyRunning(_)
        | PublishError::ClaimLost(_)
        | PublishError::NotDue(_)
        | PublishError::Duplicate { .. }
        | PublishError::NotEditable(_)
        | PublishError::NoSuchDraft(_) => false,
    }
}

/// Builds the post from the flags (blocking: reads picture sizes for `--crop`). `now` is
/// the engine's clock, which the scheduler also runs on: a `--schedule` before it is
/// refused, as the scheduler would post it at once.
fn post_spec(
    args: PostArgs,
    account: crate::ids::IgUserId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<PostSpec> {
    let preset = match args.crop.as_deref() {
        None => None,
        Some(label) => Some(
            CropPreset::ALL
                .into_iter()
                .find(|p| p.label() == label && *p != CropPreset::Free)
                .with_context(|| format!("--crop {label}: use 1:1, 4:5, 1.91:1 or 9:16"))?,
        ),
    };
    let (kind, files) = match (&args.reel, args.story, args.images.len()) {
        (Some(reel), false, 0) => (PostKind::Reel, vec![reel.clone()]),
        (Some(_), _, _) => bail!("--reel publishes one video alone: drop --image / --story"),
        (None, true, _) => (PostKind::Story, args.images.clone()),
        (None, false, 0) => bail!("nothing to publish: add --image FILE (or --reel FILE)"),
        (None, false, 1) => (PostKind::Image, args.images.clone()),
        (None, false, _) => (PostKind::Carousel, args.images.clone()),
    };
    let mut items: Vec<ItemSpec> = Vec::new();
    for (i, path) in files.into_iter().enumerate() {
        let mut item = ItemSpec::new(MediaSource::Path(path.clone()));
        if let (Some(preset), false) = (preset, item.source.is_video()) {
            let bytes = std::fs::read(&path)
                .with_context(|| format!("could not read {}", path.display()))?;
            let (w, h) = upright_size(&bytes)
                .with_context(|| format!("could not read {}", path.display()))?;
            item.crop = CropRect::for_preset(preset, w, h);
        }
        item.alt_text = args.alts.get(i).cloned();
        items.push(item);
    }
    for raw in &args.tags {
        let (index, tag) = parse_tag(raw)?;
        let item = items
            .get_mut(index)
            .with_context(|| format!("--tag {raw}: there is no picture {} to tag", index + 1))?;
        // Flags give published coordinates; items keep source coordinates.
        let (x, y) = item.crop.unmap_point(tag.x, tag.y);
        item.tags.push(UserTag { x, y, ..tag });
    }
    for raw in &args.products {
        let video = kind == PostKind::Reel;
        let (index, tag) = if video && !raw.contains('@') {
            (0, None)
        } else {
            let (index, t) = parse_tag(raw)
                .map_err(|_| anyhow::anyhow!("--product {raw}: write it as ID@X,Y or N:ID@X,Y (X,Y from 0 to 1), or just ID on a reel"))?;
            (index, Some(t))
        };
        let item = items.get_mut(index).with_context(|| {
            format!("--product {raw}: there is no picture {} to tag", index + 1)
        })?;
        let product_id = match &tag {
            Some(t) => t.username.clone(),
            None => raw.trim().to_owned(),
        };
        let place = tag.map(|t| item.crop.unmap_point(t.x, t.y));
        item.product_tags.push(ProductTag {
            product_id,
            x: place.map(|(x, _)| x),
            y: place.map(|(_, y)| y),
        });
    }
    if let Some(item) = items.iter_mut().find(|i| i.source.is_video()) {
        item.thumb_offset_ms = args.thumb_offset;
        item.cover_url.clone_from(&args.cover_url);
        item.cover_image = args.cover.clone().map(MediaSource::Path);
    } else if args.thumb_offset.is_some() || args.cover_url.is_some() || args.cover.is_some() {
        bail!("--thumb-offset, --cover and --cover-url apply to a video (--reel)");
    }
    let scheduled_at = match &args.schedule {
        None => None,
        Some(raw) => Some(schedule_flag(raw, now)?),
    };
    let location = match args.location.as_deref().map(str::trim) {
        None => None,
        Some(id) if !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) => {
            Some(DraftLocation {
                id: id.to_owned(),
                name: id.to_owned(),
            })
        }
        Some(other) => bail!(
            "--location {other}: give the numeric id of a place (find it with `socialdesk publish locations --query …`)"
        ),
    };
    Ok(PostSpec {
        account,
        kind,
        caption: args.caption,
        share_to_feed: args.share_to_feed,
        scheduled_at,
        items,
        place: DraftPlace {
            location,
            collaborators: args.collaborators,
        },
        draft: None,
        allow_duplicate: args.allow_duplicate,
    })
}

/// `--schedule TEXT`, read like the Composer's schedule field. The messages of a past or
/// skipped time quote the text already, so only an unreadable one is prefixed with it.
fn schedule_flag(
    raw: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>> {
    crate::schedule::parse_local(raw, now).map_err(|e| match e {
        crate::schedule::ScheduleError::Unreadable => anyhow::anyhow!("--schedule {raw}: {e}"),
        other => anyhow::anyhow!("--schedule: {other}"),
    })
}

/// `user@0.3,0.6` or `2:user@0.3,0.6` → (0-based picture, tag).
fn parse_tag(raw: &str) -> Result<(usize, UserTag)> {
    let bad = || format!("--tag {raw}: write it as user@X,Y or N:user@X,Y with X,Y from 0 to 1");
    let (index, rest) = match raw.split_once(':') {
        Some((n, rest)) => {
            let n: usize = n
                .trim()
                .parse()
                .ok()
                .filter(|n| *n >= 1)
                .with_context(bad)?;
            (n - 1, rest)
        }
        None => (0, raw),
    };
    let (user, at) = rest.rsplit_once('@').with_context(bad)?;
    let (x, y) = at.split_once(',').with_context(bad)?;
    let x: f64 = x.trim().parse().ok().with_context(bad)?;
    let y: f64 = y.trim().parse().ok().with_context(bad)?;
    let username = user.trim().trim_start_matches('@').to_owned();
    if username.is_empty() || !(0.0..=1.0).contains(&x) || !(0.0..=1.0).contains(&y) {
        bail!(bad());
    }
    Ok((index, UserTag { username, x, y }))
}

/// Publishes every due scheduled draft and every interrupted one, then returns: for cron,
/// a systemd timer or `socialdesk run-scheduler` on a server.
///
/// It also takes the day's competitor snapshots (once a day per account); a snapshot that
/// fails is reported on stderr and never fails the run, whose job is publishing.
pub async fn run_scheduler(core: &Core) -> Result<()> {
    let results = core.publish_due(&|_, _| {}).await?;
    for line in core.snapshot_all_competitors().await {
        tracing::warn!(%line, "competitor snapshot failed");
        eprintln!("competitor snapshot: {line}");
    }
    let mut failed = 0;
    for (id, result) in results {
        match result {
            Ok(media) => println!("{id}\t{}", media.id),
            Err(e) => {
                failed += 1;
                eprintln!("draft {id}: {e}");
            }
        }
    }
    if failed > 0 {
        bail!("{failed} draft(s) could not be published");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_parse_with_and_without_a_picture_number() {
        let (i, t) = parse_tag("mira@0.3,0.6").expect("tag");
        assert_eq!((i, t.username.as_str(), t.x, t.y), (0, "mira", 0.3, 0.6));
        let (i, t) = parse_tag("2:@leo@0.5,0.25").expect("tag");
        assert_eq!((i, t.username.as_str()), (1, "leo"));
        assert!(parse_tag("mira@1.5,0.2").is_err());
        assert!(parse_tag("mira").is_err());
        assert!(parse_tag("0:mira@0.1,0.1").is_err());
    }

    #[test]
    fn only_a_draft_that_can_go_out_again_is_offered_publish_resume() {
        let line = |e| super::super::error_line(&not_published(7, e));
        assert_eq!(
            line(PublishError::NoSuchDraft(7)),
            "there is no draft 7; list drafts with `socialdesk publish drafts`"
        );
        assert!(line(PublishError::ProcessingTimedOut).contains("`socialdesk publish resume 7`"));
        for e in [
            PublishError::AlreadyRunning(7),
            PublishError::PublishedButNotFound,
        ] {
            let line = line(e);
            assert!(!line.contains("publish resume"), "{line}");
            assert!(line.starts_with("draft 7 was not published: "), "{line}");
        }
    }
}
