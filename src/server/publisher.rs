//! The server's publisher: a loop in every server process that claims due posts and
//! publishes each through Meta's three steps (container → status → media_publish) with the
//! client's Graph code (`graph::publishing`), under the claim-and-lease rule of `db::posts`.
//!
//! Never a second post, whoever dies where:
//! - the container id is journaled (conditional on the claim) before anything can publish
//!   it, and a post with a journaled container never gets another one unless Meta says that
//!   container expired or failed;
//! - "media_publish sent" is journaled (conditional, renewing the lease) before the send;
//! - a publisher that takes a post over (the owner's lease expired) reads the journaled
//!   container back and asks Meta for its status first: `PUBLISHED` means done, and only a
//!   `FINISHED` container is sent. Meta publishes a container at most once, so even a send
//!   of the dead owner still in flight cannot make a second post.
//! - a publisher whose conditional write fails has lost the claim and stops at once.
//!
//! Transient Meta errors are retried a few times in place, then the post is released with a
//! retry time (exponential, ≤ 5 min); a refusal that retrying cannot fix fails the post,
//! recorded by its owner with the reason in the audit log.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use super::db::{Db, DbError, Finish, JournalStep, PostKind, PublishJob};
use super::sealing::TokenKey;
use crate::graph::publishing::{ContainerRequest, ContainerType, StatusCode};
use crate::graph::{ErrorKind, GraphClient, GraphError, Session};
use crate::ids::{ContainerId, IgUserId, MediaId};
use crate::model::LoginKind;

/// Claims a post is given up after (each claim, takeovers included, is one).
const MAX_ATTEMPTS: i64 = 12;
/// Tries of one Graph write before the post is released for a later retry.
const WRITE_TRIES: u32 = 3;
/// How long a container may stay `IN_PROGRESS` before the attempt is released.
const PROCESSING_DEADLINE: Duration = Duration::from_mins(10);

/// How a publisher runs; see `socialdesk server --help`.
#[derive(Debug, Clone)]
pub struct PublisherConfig {
    /// This process's claim owner name (host, pid and a random part).
    pub owner: String,
    /// Seconds a claim lasts without renewal.
    pub lease_secs: i64,
    /// How often the loop looks for due posts.
    pub poll: Duration,
    /// Posts published side by side by this process.
    pub workers: usize,
    /// Where uploaded JPEGs are served for Meta (`…/media/<key>.jpg`).
    pub public_url: url::Url,
}

/// What a publisher shares with its tasks.
struct Ctx {
    db: Db,
    key: Arc<TokenKey>,
    graph: GraphClient,
    config: PublisherConfig,
}

/// Why one attempt stopped.
#[derive(Debug)]
enum Stop {
    /// Another publisher holds the claim now: do nothing more.
    Lost,
    /// Try again later (released with a retry time).
    Retry(String),
    /// Retrying cannot help: the post fails, with this reason.
    Fatal(String),
    /// The database failed: leave the claim to expire.
    Db(DbError),
}

impl From<DbError> for Stop {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

/// Runs the loop until `stop` resolves; posts in flight are stopped then and their claims
/// released, so another publisher resumes them from the journal.
pub async fn run(
    db: Db,
    key: Arc<TokenKey>,
    graph: GraphClient,
    config: PublisherConfig,
    stop: impl std::future::Future<Output = ()>,
) {
    tracing::info!(owner = %config.owner, lease_secs = config.lease_secs, "publisher started");
    let ctx = Arc::new(Ctx {
        db,
        key,
        graph,
        config,
    });
    let mut tasks = JoinSet::new();
    tokio::pin!(stop);
    loop {
        while tasks.try_join_next().is_some() {}
        let free = ctx.config.workers.saturating_sub(tasks.len());
        if free > 0 {
            let now = super::now();
            match ctx
                .db
                .claim_due(
                    ctx.config.owner.clone(),
                    now,
                    now + ctx.config.lease_secs,
                    free as i64,
                )
                .await
            {
                Ok(ids) => {
                    for id in ids {
                        let ctx = Arc::clone(&ctx);
                        tasks.spawn(async move { publish_one(&ctx, id).await });
                    }
                }
                Err(e) => tracing::warn!("looking for due posts failed: {e}"),
            }
        }
        tokio::select! {
            () = &mut stop => break,
            () = tokio::time::sleep(ctx.config.poll) => {}
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    // Posts in flight stop where they are; their claims are released rather than left to
    // expire, so another replica (or this one restarted) resumes them from the journal at
    // once. That is as safe as any takeover: the container is journaled before it can be
    // published, and a taker asks Meta about it before sending.
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    match ctx.db.release_claims(ctx.config.owner.clone()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(posts = n, "released the claims of posts under way"),
        Err(e) => tracing::warn!(
            "could not release this replica's claims (they expire after the lease): {e}"
        ),
    }
    tracing::info!("publisher stopped");
}

/// One claimed post, start to end.
async fn publish_one(ctx: &Ctx, id: i64) {
    let owner = ctx.config.owner.clone();
    let job = match ctx.db.publish_job(id, owner.clone()).await {
        Ok(Some(job)) => job,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(post = id, "reading a claimed post failed: {e}");
            return;
        }
    };
    let result = if job.attempts > MAX_ATTEMPTS {
        Err(Stop::Fatal(format!(
            "gave up after {MAX_ATTEMPTS} attempts (the server log has each error); schedule it again once the cause is fixed"
        )))
    } else {
        attempt(ctx, &job).await
    };
    let now = super::now();
    let outcome = match result {
        Ok(media_id) => {
            tracing::info!(post = id, media = ?media_id, "published a scheduled post");
            ctx.db
                .finish_post(
                    id,
                    Finish::Published {
                        media_id: media_id.map(|m| m.to_string()),
                    },
                    now,
                )
                .await
                .map(|_| ())
        }
        Err(Stop::Lost) => {
            tracing::info!(post = id, "another publisher took this post over");
            Ok(())
        }
        Err(Stop::Retry(error)) => {
            let delay = 2_i64.pow(job.attempts.clamp(1, 8) as u32).min(300);
            tracing::warn!(
                post = id,
                retry_in_secs = delay,
                "publishing failed for now: {error}"
            );
            ctx.db
                .journal(
                    id,
                    owner,
                    now + delay,
                    JournalStep::Release {
                        retry_at: now + delay,
                        error,
                    },
                )
                .await
                .map(|_| ())
        }
        Err(Stop::Fatal(error)) => {
            tracing::warn!(post = id, "publishing failed: {error}");
            ctx.db
                .finish_post(id, Finish::Failed { owner, error }, now)
                .await
                .map(|_| ())
        }
        Err(Stop::Db(e)) => Err(e),
    };
    if let Err(e) = outcome {
        tracing::warn!(
            post = id,
            "the database failed while publishing; the claim will expire and the post be resumed: {e}"
        );
    }
}

/// One attempt: resume from the journal or start, and publish. `Ok` carries the media id
/// when it is known.
async fn attempt(ctx: &Ctx, job: &PublishJob) -> Result<Option<MediaId>, Stop> {
    let token = ctx
        .key
        .open(&job.account_id, &job.token_sealed)
        .map_err(|e| Stop::Fatal(e.to_string()))?;
    let login = match job.login.as_str() {
        "facebook" => LoginKind::Facebook,
        _ => LoginKind::Instagram,
    };
    let session = Session {
        login,
        access_token: token,
        app_secret: None,
    };
    let ig = IgUserId::from(job.account_id.as_str());
    let mut container = job.container_id.as_deref().map(ContainerId::from);
    // 1. A journaled container may have been published by a publisher that died: ask first.
    if let Some(journaled) = container.clone() {
        match status(ctx, &session, &journaled).await? {
            StatusCode::Published => return Ok(find_media(ctx, &session, &ig, job).await),
            StatusCode::Finished | StatusCode::InProgress | StatusCode::Other(_) => {
                if job.publish_sent_at.is_some() {
                    tracing::info!(
                        post = job.id,
                        "an earlier media_publish did not go through (the container is not published); sending it again"
                    );
                }
            }
            StatusCode::Expired | StatusCode::Error => {
                // Never published (Meta publishes only FINISHED containers): start again.
                journal(ctx, job, JournalStep::Container(None)).await?;
                container = None;
            }
        }
    }
    // 2. Containers, the parent journaled before anything can publish it.
    let container = match container {
        Some(c) => c,
        None => {
            journal(ctx, job, JournalStep::Renew).await?;
            let parent = create_containers(ctx, &session, &ig, job).await?;
            journal(ctx, job, JournalStep::Container(Some(parent.to_string()))).await?;
            parent
        }
    };
    // 3. Processing, renewing the lease at every poll.
    if wait_ready(ctx, &session, job, &container).await? == StatusCode::Published {
        return Ok(find_media(ctx, &session, &ig, job).await);
    }
    // 4. media_publish, journaled first; an unclear failure asks the container again.
    journal(ctx, job, JournalStep::Sent(super::now())).await?;
    for try_number in 1..=WRITE_TRIES {
        match ctx
            .graph
            .publishing(&session)
            .publish(&ig, &container)
            .await
        {
            Ok(media) => return Ok(Some(media)),
            Err(e) => {
                let unclear = e.is_retryable()
                    || e.kind == ErrorKind::MediaNotReady
                    || e.message.contains("already published");
                if !unclear {
                    return Err(Stop::Fatal(format!("Meta refused media_publish: {e}")));
                }
                match status(ctx, &session, &container).await? {
                    StatusCode::Published => {
                        return Ok(find_media(ctx, &session, &ig, job).await);
                    }
                    StatusCode::Finished | StatusCode::InProgress if try_number < WRITE_TRIES => {
                        journal(ctx, job, JournalStep::Renew).await?;
                        tokio::time::sleep(backoff(try_number)).await;
                    }
                    _ => return Err(Stop::Retry(format!("media_publish failed: {e}"))),
                }
            }
        }
    }
    Err(Stop::Retry("media_publish kept failing".into()))
}

/// Creates the children (carousels) and the parent container; only the parent is
/// journaled (a child left behind by a crash is never published and expires at Meta).
async fn create_containers(
    ctx: &Ctx,
    session: &Session,
    ig: &IgUserId,
    job: &PublishJob,
) -> Result<ContainerId, Stop> {
    let urls: Vec<String> = job
        .images
        .iter()
        .map(|image| match (&image.image_url, &image.public_key) {
            (Some(url), _) => Ok(url.clone()),
            (None, Some(key)) => Ok(format!(
                "{}/media/{key}.jpg",
                ctx.config.public_url.as_str().trim_end_matches('/')
            )),
            (None, None) => Err(Stop::Fatal("a picture of the post has no source".into())),
        })
        .collect::<Result<_, _>>()?;
    let caption = Some(job.caption.clone()).filter(|c| !c.is_empty());
    match job.kind {
        PostKind::Image => {
            let mut request = ContainerRequest::new(ContainerType::Image);
            request.image_url = urls.into_iter().next();
            request.caption = caption;
            create(ctx, session, ig, &request).await
        }
        PostKind::Carousel => {
            let mut children = Vec::with_capacity(urls.len());
            for url in urls {
                let mut request = ContainerRequest::new(ContainerType::Image);
                request.image_url = Some(url);
                request.is_carousel_item = true;
                children.push(create(ctx, session, ig, &request).await?);
                journal(ctx, job, JournalStep::Renew).await?;
            }
            let mut request = ContainerRequest::new(ContainerType::Carousel);
            request.children = children;
            request.caption = caption;
            create(ctx, session, ig, &request).await
        }
    }
}

/// `POST /{ig}/media`, retried in place on transient errors (a container left behind by a
/// lost answer is never published).
async fn create(
    ctx: &Ctx,
    session: &Session,
    ig: &IgUserId,
    request: &ContainerRequest,
) -> Result<ContainerId, Stop> {
    let mut last = None;
    for try_number in 1..=WRITE_TRIES {
        match ctx
            .graph
            .publishing(session)
            .create_container(ig, request)
            .await
        {
            Ok(id) => return Ok(id),
            Err(e) if e.is_retryable() => {
                last = Some(e);
                tokio::time::sleep(backoff(try_number)).await;
            }
            Err(e) => return Err(fatal_or_retry("creating the container", e)),
        }
    }
    Err(Stop::Retry(format!(
        "creating the container kept failing: {}",
        last.map(|e| e.to_string()).unwrap_or_default()
    )))
}

/// Polls until the container is `FINISHED` or `PUBLISHED`, renewing the lease each time.
async fn wait_ready(
    ctx: &Ctx,
    session: &Session,
    job: &PublishJob,
    container: &ContainerId,
) -> Result<StatusCode, Stop> {
    let started = tokio::time::Instant::now();
    let mut polls = 0;
    loop {
        polls += 1;
        match status(ctx, session, container).await? {
            code @ (StatusCode::Finished | StatusCode::Published) => return Ok(code),
            StatusCode::Expired => {
                journal(ctx, job, JournalStep::Container(None)).await?;
                return Err(Stop::Retry(
                    "the container expired before publishing".into(),
                ));
            }
            StatusCode::Error => {
                journal(ctx, job, JournalStep::Container(None)).await?;
                return Err(Stop::Fatal(
                    "Meta could not process the picture (container ERROR): check that its URL is reachable by Meta (--public-url) and that it is a JPEG with a supported aspect ratio".into(),
                ));
            }
            StatusCode::InProgress | StatusCode::Other(_) => {
                if started.elapsed() > PROCESSING_DEADLINE {
                    return Err(Stop::Retry("the container was still processing".into()));
                }
                journal(ctx, job, JournalStep::Renew).await?;
                tokio::time::sleep(Duration::from_millis(500 * polls.min(10))).await;
            }
        }
    }
}

/// The container's status (GETs are retried by the client itself).
async fn status(ctx: &Ctx, session: &Session, container: &ContainerId) -> Result<StatusCode, Stop> {
    ctx.graph
        .publishing(session)
        .status(container)
        .await
        .map(|s| s.code)
        .map_err(|e| fatal_or_retry("reading the container status", e))
}

/// The media a journaled container became: the account's recent post with the caption, if
/// Meta's answer to media_publish was lost. `None` when it cannot be told apart; the post is
/// published either way.
async fn find_media(
    ctx: &Ctx,
    session: &Session,
    ig: &IgUserId,
    job: &PublishJob,
) -> Option<MediaId> {
    let recent = ctx
        .graph
        .media(session)
        .list(ig)
        .limit(25)
        .send()
        .await
        .ok()?;
    let caption = Some(job.caption.as_str()).filter(|c| !c.is_empty());
    let mut matching = recent
        .items
        .into_iter()
        .filter(|m| m.caption.as_deref() == caption);
    let first = matching.next()?;
    // Two posts with the same caption cannot be told apart: leave the id unknown.
    matching.next().is_none().then_some(first.id)
}

/// A conditional journal write; a lost claim stops the attempt.
async fn journal(ctx: &Ctx, job: &PublishJob, step: JournalStep) -> Result<(), Stop> {
    let until = super::now() + ctx.config.lease_secs;
    if ctx
        .db
        .journal(job.id, ctx.config.owner.clone(), until, step)
        .await?
    {
        Ok(())
    } else {
        Err(Stop::Lost)
    }
}

fn fatal_or_retry(step: &str, e: GraphError) -> Stop {
    if e.is_retryable() {
        Stop::Retry(format!("{step}: {e}"))
    } else if e.is_reconnect_needed() {
        Stop::Fatal(format!(
            "{step}: Meta refused the account's token ({e}); an admin must hand the account to the server again with a fresh token"
        ))
    } else {
        Stop::Fatal(format!("{step}: {e}"))
    }
}

fn backoff(try_number: u32) -> Duration {
    Duration::from_millis(500 * 2_u64.pow(try_number.saturating_sub(1).min(4)))
}

/// A claim owner name unique to this process: host, pid and a random part.
pub fn owner_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "server".into());
    let random: u32 = rand::random();
    format!("{host}-{}-{random:08x}", std::process::id())
}
