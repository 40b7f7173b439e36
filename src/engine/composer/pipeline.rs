//! The publish pipeline: publishing limit → hosting → item containers → carousel container
//! → poll `status_code` → `media_publish` → read the new media back.
//!
//! Videos of Facebook Login accounts skip hosting: their container is created with
//! `upload_type=resumable` and the bytes go to rupload (`graph::rupload`). The container id
//! is journaled before the upload starts and the upload's end after rupload accepted the
//! whole file (`store::draft_place`), so an interrupted upload resumes from the offset the
//! upload host reports, on the same container, after a retry or a restart. Instagram Login
//! accounts keep hosting (rupload there is disputed, contradiction C5).
//!
//! Never twice: every step's result is journaled in SQLite before the next network call, and
//! "media_publish is being sent" is journaled *before* it is sent. Any later attempt for that
//! draft (a retry after a timeout, a 5xx, or a restart after a crash) first asks Meta about
//! the container: `PUBLISHED` means the earlier send went through, so the post is looked up
//! in the account's media instead of being published again; `FINISHED` means it did not, and
//! resending is safe. Orphan containers (created but never journaled) are harmless: Meta lets
//! them expire after 24 h.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::task::JoinSet;
use tracing::{info, warn};

use super::super::core::{Core, EngineError};
use super::claim::{self, ClaimGuard};
use super::hosting::Hosting;
use super::{PublishError, fix_for};
use crate::graph::publishing::{
    ContainerRequest, ContainerStatus, ContainerType, ProductTagAt, StatusCode, TagAt,
};
use crate::graph::{ErrorKind, GraphError, RetryPolicy, Session};
use crate::ids::{ContainerId, MediaId};
use crate::model::{Account, LoginKind, Media};
use crate::store::{ClaimOutcome, ClaimScope, Draft, DraftItem, DraftPlace, PostKind};

/// Container creations in flight at once for a carousel.
const PARALLEL_CONTAINERS: usize = 3;
/// Container creation when Meta answers with a transient error: 3 attempts. A retried
/// creation can leave an orphan container; Meta expires it unpublished, so this is safe.
const CREATE_RETRY: RetryPolicy =
    RetryPolicy::new(3, Duration::from_millis(300), Duration::from_secs(5));
/// The status poll's schedule: start short (pictures are ready in seconds), back off to
/// 20 s. Meta asks for at most one status call a minute over five minutes; a little more
/// often keeps a reel's publish from waiting a minute for nothing, and stays ~25 calls per
/// container. Only the delays are used: the poll ends at [`POLL_DEADLINE`].
const POLL_SCHEDULE: RetryPolicy = RetryPolicy::new(
    u32::MAX,
    Duration::from_millis(400),
    Duration::from_secs(20),
);
/// Give up polling after this long, as Meta's guide says (5 minutes); the draft resumes
/// from its journal when published again.
const POLL_DEADLINE: Duration = Duration::from_mins(5);
/// Rounds of "recreate expired containers" before giving up.
const MAX_ROUNDS: u32 = 3;
/// One video upload to rupload: 3 attempts, each resuming where the last one stopped.
const UPLOAD_RETRY: RetryPolicy =
    RetryPolicy::new(3, Duration::from_millis(300), Duration::from_secs(5));

/// A step of the pipeline, for the progress display.
#[derive(Clone, Debug, PartialEq)]
pub enum PublishStep {
    CheckingLimit,
    /// Checking what an interrupted earlier attempt did.
    Resuming,
    Uploading {
        item: usize,
        of: usize,
    },
    /// Uploading a reel's cover picture to hosting.
    UploadingCover {
        item: usize,
    },
    CreatingContainers {
        done: usize,
        of: usize,
    },
    Processing {
        status: String,
    },
    Publishing,
    Published {
        media: MediaId,
    },
}

impl PublishStep {
    /// How far along the whole publish this step is (0.0–1.0), for a progress bar: uploads
    /// and containers take most of the time, the final `media_publish` little.
    pub fn fraction(&self) -> f32 {
        let part = |done: usize, of: usize| done as f32 / of.max(1) as f32;
        match self {
            Self::CheckingLimit => 0.02,
            Self::Resuming => 0.05,
            Self::Uploading { item, of } => 0.1 + 0.4 * part(*item, *of),
            Self::UploadingCover { .. } => 0.5,
            Self::CreatingContainers { done, of } => 0.5 + 0.3 * part(*done, *of),
            Self::Processing { .. } => 0.85,
            Self::Publishing => 0.95,
            Self::Published { .. } => 1.0,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::CheckingLimit => "Checking the daily publishing limit…".into(),
            Self::Resuming => "Checking what the last attempt did…".into(),
            Self::Uploading { item, of } => format!("Uploading file {item} of {of}…"),
            Self::UploadingCover { item } => format!("Uploading the cover of item {item}…"),
            Self::CreatingContainers { done, of } => {
                format!("Sending to Instagram ({done} of {of})…")
            }
            Self::Processing { status } => format!("Instagram is processing: {status}"),
            Self::Publishing => "Publishing…".into(),
            Self::Published { media } => format!("Published (media {media})"),
        }
    }
}

/// What a poll found.
enum Ready {
    Finished,
    /// The container was already published (an earlier media_publish went through).
    AlreadyPublished,
    /// The containers expired: create new ones.
    Expired,
}

impl Core {
    /// Publishes (or resumes publishing) a saved draft now; returns the new media.
    ///
    /// Safe to call again after any failure, timeout or crash, from any process: it claims
    /// the draft first (refused while another attempt holds it), resumes from the journal and
    /// never publishes the draft twice.
    pub async fn publish_draft(
        &self,
        draft_id: i64,
        progress: &(dyn Fn(PublishStep) + Send + Sync),
    ) -> Result<Media, PublishError> {
        self.publish_claimed(draft_id, ClaimScope::Now, progress)
            .await
    }

    /// Publishes every scheduled draft that is due and resumes every interrupted one whose
    /// claim expired, one after another; the app's scheduler and `run-scheduler` both call
    /// this. Drafts another process is publishing, or that stopped being due, are skipped.
    pub async fn publish_due(
        &self,
        progress: &(dyn Fn(i64, PublishStep) + Send + Sync),
    ) -> Result<Vec<(i64, Result<Media, PublishError>)>, PublishError> {
        let due = self.now();
        let candidates = self.with_store(move |s| s.drafts_to_run(due)).await?;
        let mut results = Vec::new();
        for id in candidates {
            let step = |s: PublishStep| progress(id, s);
            match self
                .publish_claimed(id, ClaimScope::Due { due }, &step)
                .await
            {
                Err(
                    PublishError::AlreadyRunning(_)
                    | PublishError::NotDue(_)
                    | PublishError::NoSuchDraft(_),
                ) => {}
                result => results.push((id, result)),
            }
        }
        Ok(results)
    }

    async fn publish_claimed(
        &self,
        draft_id: i64,
        scope: ClaimScope,
        progress: &(dyn Fn(PublishStep) + Send + Sync),
    ) -> Result<Media, PublishError> {
        let (owner, lease, now) = (claim::new_owner(), claim::lease(), self.now());
        let who = owner.clone();
        let outcome = self
            .with_store(move |s| s.claim_draft(draft_id, &who, scope, now, Utc::now(), lease))
            .await?;
        match outcome {
            ClaimOutcome::Claimed => {}
            ClaimOutcome::Busy { .. } => return Err(PublishError::AlreadyRunning(draft_id)),
            ClaimOutcome::NotDue => return Err(PublishError::NotDue(draft_id)),
            ClaimOutcome::Missing => return Err(PublishError::NoSuchDraft(draft_id)),
            ClaimOutcome::Published => {
                let draft = self.load_draft(draft_id).await?;
                let media = draft
                    .media_id
                    .clone()
                    .ok_or(PublishError::NoSuchDraft(draft_id))?;
                return self.read_back(&draft, &media).await;
            }
        }
        let guard = ClaimGuard::start(self.store_handle(), draft_id, owner, lease);
        let result = self.run_claimed(&guard, progress).await;
        match &result {
            Ok(media) => {
                info!(draft = draft_id, media = %media.id, "published");
            }
            Err(PublishError::ClaimLost(_)) => {
                warn!(draft = draft_id, "another process took over this publish");
            }
            Err(e) => {
                let message = e.to_string();
                let now = self.now();
                let owner = guard.owner.clone();
                if let Err(store) = self
                    .with_store(move |s| s.release_failed(draft_id, &owner, &message, now))
                    .await
                {
                    warn!(error = %store, "could not record the failed publish");
                }
            }
        }
        result
    }

    /// The pipeline of a claimed draft, noting on the account a login that needs
    /// reconnecting.
    async fn run_claimed(
        &self,
        claim: &ClaimGuard,
        progress: &(dyn Fn(PublishStep) + Send + Sync),
    ) -> Result<Media, PublishError> {
        let draft = self.load_draft(claim.draft).await?;
        let account = self.find_account(draft.account.as_str()).await?;
        let result = self.run_pipeline(claim, &account, progress).await;
        if let Err(PublishError::Engine(engine)) = &result {
            self.note_error(&account, engine).await;
        }
        if let Err(PublishError::Meta { source, .. }) = &result
            && source.is_reconnect_needed()
        {
            self.note_error(&account, &EngineError::Graph(source.clone()))
                .await;
        }
        result
    }

    async fn load_draft(&self, id: i64) -> Result<Draft, PublishError> {
        self.with_store(move |s| s.draft(id))
            .await?
            .ok_or(PublishError::NoSuchDraft(id))
    }

    async fn run_pipeline(
        &self,
        claim: &ClaimGuard,
        account: &Account,
        progress: &(dyn Fn(PublishStep) + Send + Sync),
    ) -> Result<Media, PublishError> {
        let draft_id = claim.draft;
        let session = self.session(account).await?;
        if account.account_type.as_deref() == Some("Media_Creator") {
            let draft = self.load_draft(draft_id).await?;
            if draft.kind == PostKind::Story {
                return Err(
                    super::post::PostError::StoryNeedsBusiness(account.username.clone()).into(),
                );
            }
        }
        for _round in 0..MAX_ROUNDS {
            claim.held()?;
            let draft = self.load_draft(draft_id).await?;
            // 1. An earlier attempt may have sent media_publish: ask before anything else.
            if let (Some(sent_at), Some(parent)) =
                (draft.publish_sent_at, draft.parent_container_id.clone())
            {
                progress(PublishStep::Resuming);
                match self
                    .poll_or_reset(&session, draft_id, &parent, progress)
                    .await
                {
                    Ok(Ready::AlreadyPublished) => {
                        let media = self.find_published(&session, &draft, sent_at).await?;
                        return self.finish(&draft, &media, progress).await;
                    }
                    Ok(Ready::Finished) => {
                        return self
                            .send_publish(&session, claim, &draft, &parent, progress)
                            .await;
                    }
                    Ok(Ready::Expired) => {
                        self.reset(draft_id).await?;
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            // 2. The publishing limit, before any upload or container.
            progress(PublishStep::CheckingLimit);
            let limit = self
                .client()
                .publishing(&session)
                .limit(&account.id)
                .await
                .map_err(|e| meta("checking the publishing limit", e))?;
            if limit.exhausted() {
                let resets_at = self.limit_resets_at(&session, account).await;
                return Err(PublishError::LimitReached {
                    used: limit.quota_usage,
                    total: limit.quota_total,
                    resets_at,
                });
            }
            // 3. Hosting (videos of Facebook Login accounts go to rupload in step 4).
            claim.held()?;
            let draft = self.host_files(draft, account, progress).await?;
            // 4. Containers, and the bytes of resumable ones.
            let place = self.with_store(move |s| s.draft_place(draft_id)).await?;
            claim.held()?;
            let parent = self
                .create_containers(&session, claim, account, draft, &place, progress)
                .await?;
            self.upload_videos(&session, account, draft_id, progress)
                .await?;
            // 5. Processing.
            let draft = self.load_draft(draft_id).await?;
            match self
                .poll_or_reset(&session, draft_id, &parent, progress)
                .await?
            {
                Ready::Finished => {}
                Ready::AlreadyPublished => {
                    // Only possible if another client published our container.
                    let since = draft.updated_at - chrono::Duration::minutes(10);
                    let media = self.find_published(&session, &draft, since).await?;
                    return self.finish(&draft, &media, progress).await;
                }
                Ready::Expired => {
                    self.reset(draft_id).await?;
                    continue;
                }
            }
            // 6. A copyright match stops once, before anything is public.
            self.check_copyright(&session, &draft).await?;
            // 7. media_publish.
            return self
                .send_publish(&session, claim, &draft, &parent, progress)
                .await;
        }
        Err(PublishError::KeptExpiring)
    }

    /// [`Self::poll`], forgetting the containers when one ended in ERROR: Meta never
    /// processes a failed container again, so the next attempt must create fresh ones.
    /// When Meta could not fetch a file (2207052) the hosted copies are forgotten too, so
    /// they are uploaded again (a presigned URL may have expired).
    async fn poll_or_reset(
        &self,
        session: &Session,
        draft_id: i64,
        container: &ContainerId,
        progress: &(dyn Fn(PublishStep) + Send + Sync),
    ) -> Result<Ready, PublishError> {
        let result = self.poll(session, container, progress).await;
        if let Err(PublishError::ContainerFailed { subcode, .. }) = &result {
            let refetch = *subcode == Some(2207052);
            let now = self.now();
            self.with_store(move |s| {
                s.reset_containers(draft_id, now)?;
                if refetch {
                    s.forget_hosted(draft_id, now)?;
                }
                Ok(())
            })
            .await?;
        }
        result
    }

    async fn reset(&self, draft_id: i64) -> Result<(), PublishError> {
        let now = self.now();
        self.with_store(move |s| s.reset_containers(draft_id, now))
            .await?;
        Ok(())
    }

    /// Uploads every file that has no hosted URL yet (and does not go to rupload),
    /// journaling each URL.
    async fn host_files(
        &self,
        draft: Draft,
        account: &Account,
        progress: &(dyn Fn(PublishStep) + Send + Sync),
    ) -> Result<Draft, PublishError> {
        let needs_hosting = |i: &&DraftItem| i.hosted_url.is_none() && !uses_rupload(account, i);
        let cover_to_host =
            |i: &&DraftItem| i.cover.as_ref().is_some_and(|c| c.hosted_url.is_none());
        if !draft
            .items
            .iter()
            .any(|i| needs_hosting(&i) || cover_to_host(&i))
        {
            return Ok(draft);
        }
        let hosting = Hosting::for_core(self).await?;
        let of = draft.items.len();
        for item in draft.items.iter().filter(needs_hosting) {
            progress(PublishStep::Uploading {
                item: item.position + 1,
                of,
            });
            let content_type = if item.is_video {
                "video/mp4"
            } else {
                "image/jpeg"
            };
            let (id, pos) = (draft.id, item.position);
            let bytes = self.with_store(move |s| s.item_file(id, pos)).await?;
            let url = hosting.upload(&item.file_name, content_type, bytes).await?;
            let now = self.now();
            self.with_store(move |s| s.set_item_hosted(id, pos, &url, now))
                .await?;
        }
        // Reel covers from disk: Meta fetches them from `cover_url` like the video, so they
        // are hosted even when the video itself goes to rupload.
        for item in draft.items.iter().filter(cover_to_host) {
            let Some(cover) = &item.cover else { continue };
            progress(PublishStep::UploadingCover {
                item: item.position + 1,
            });
            let (id, pos) = (draft.id, item.position);
            let bytes = self.with_store(move |s| s.cover_file(id, pos)).await?;
            let url = hosting
                .upload(&cover.file_name, "image/jpeg", bytes)
                .await?;
            let now = self.now();
            self.with_store(move |s| s.set_cover_hosted(id, pos, &url, now))
                .await?;
        }
        self.load_draft(draft.id).await
    }

    /// Creates the missing containers (items in parallel, bounded; then the carousel),
    /// journaling each id as it arrives. Returns the container to publish.
    async fn create_containers(
        &self,
        session: &Session,
        claim: &ClaimGuard,
        account: &Account,
        draft: Draft,
        place: &DraftPlace,
        progress: &(dyn Fn(PublishStep) + Send + Sync),
    ) -> Result<ContainerId, PublishError> {
        if let Some(parent) = &draft.parent_container_id {
            return Ok(parent.clone());
        }
        let carousel = draft.kind == PostKind::Carousel;
        let mut pending: Vec<(usize, ContainerRequest)> = draft
            .items
            .iter()
            .filter(|i| i.container_id.is_none())
            .map(|item| {
                let resumable = uses_rupload(account, item);
                (
                    item.position,
                    item_request(&draft, item, carousel, resumable, place),
                )
            })
            .collect();
        let mut set: JoinSet<(usize, Result<ContainerId, GraphError>)> = JoinSet::new();
        let mut created: Vec<(usize, ContainerId)> = draft
            .items
            .iter()
            .filter_map(|i| i.container_id.clone().map(|c| (i.position, c)))
            .collect();
        let mut first_error = None;
        loop {
            while set.len() < PARALLEL_CONTAINERS
                && let Some((pos, request)) = pending.pop()
            {
                let (client, session, ig) =
                    (self.client().clone(), session.clone(), account.id.clone());
                set.spawn(async move {
                    let created = CREATE_RETRY
                        .run_graph(|_| async {
                            client
                                .publishing(&session)
                                .create_container(&ig, &request)
                                .await
                        })
                        .await;
                    (pos, created)
                });
            }
            let Some(joined) = set.join_next().await else {
                break;
            };
            let (pos, result) = joined.map_err(|e| EngineError::Task(e.to_string()))?;
            match result {
                Ok(container) => {
                    let (id, now, c) = (draft.id, self.now(), container.clone());
                    self.with_store(move |s| s.set_item_container(id, pos, &c, now))
                        .await?;
                    created.push((pos, container));
                }
                Err(e) => {
                    pending.clear();
                    first_error.get_or_insert(meta_item("creating the container", pos, e));
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        created.sort_by_key(|(pos, _)| *pos);
        let parent = if carousel {
            // The children's videos are uploaded before the carousel is put together.
            self.upload_videos(session, account, draft.id, progress)
                .await?;
            let mut request = ContainerRequest::new(ContainerType::Carousel);
            request.children = created.into_iter().map(|(_, c)| c).collect();
            request.caption = Some(draft.caption.clone()).filter(|c| !c.is_empty());
            request.collaborators = place.collaborators.clone();
            CREATE_RETRY
                .run_graph(|_| async {
                    self.client()
                        .publishing(session)
                        .create_container(&account.id, &request)
                        .await
                })
                .await
                .map_err(|e| meta("creating the carousel container", e))?
        } else {
            created
                .into_iter()
                .next()
                .map(|(_, c)| c)
                .ok_or(PublishError::NoSuchDraft(draft.id))?
        };
        let (id, now, p) = (draft.id, self.now(), parent.clone());
        let (owner, lease) = (claim.owner.clone(), claim.lease);
        let held = self
            .with_store(move |s| {
                s.set_parent_container_claimed(id, &owner, &p, now, Utc::now(), lease)
            })
            .await?;
        if !held {
            return Err(PublishError::ClaimLost(id));
        }
        Ok(parent)
    }

    /// Sends the bytes of every resumable video container that has not got them yet,
    /// journaling the start before the first byte and the end after rupload accepted all.
    async fn upload_videos(
        &self,
        session: &Session,
        account: &Account,
        draft_id: i64,
        progress: &(dyn Fn(PublishStep) + Send + Sync),
    ) -> Result<(), PublishError> {
        if account.login != LoginKind::Facebook {
            return Ok(());
        }
        let draft = self.load_draft(draft_id).await?;
        let of = draft.items.len();
        for item in draft.items.iter().filter(|i| uses_rupload(account, i)) {
            let Some(container) = item.container_id.clone() else {
                continue;
            };
            let pos = item.position;
            let journal = self
                .with_store(move |s| s.rupload_journal(draft_id, pos))
                .await?;
            let resuming = match journal {
                Some(j) if j.container_id == container && j.uploaded_at.is_some() => continue,
                Some(j) => j.container_id == container,
                None => false,
            };
            if !resuming {
                let (c, now) = (container.clone(), self.now());
                self.with_store(move |s| s.rupload_started(draft_id, pos, &c, now))
                    .await?;
            }
            progress(PublishStep::Uploading { item: pos + 1, of });
            let bytes = self.with_store(move |s| s.item_file(draft_id, pos)).await?;
            let bytes = bytes::Bytes::from(bytes);
            self.rupload_item(session, &container, &bytes, resuming)
                .await
                .map_err(|e| meta_item("uploading the video", pos, e))?;
            let (c, now) = (container.clone(), self.now());
            self.with_store(move |s| s.rupload_done(draft_id, pos, &c, now))
                .await?;
            info!(draft = draft_id, item = pos, container = %container, "video uploaded");
        }
        Ok(())
    }

    /// Uploads one file to rupload, resuming from the offset the host reports after an
    /// interruption (and when `resuming` an upload an earlier run started).
    async fn rupload_item(
        &self,
        session: &Session,
        container: &ContainerId,
        bytes: &bytes::Bytes,
        resuming: bool,
    ) -> Result<(), GraphError> {
        let rupload = self.client().rupload(session);
        let size = bytes.len() as u64;
        // Where the host stands; a host that cannot say gets the file from the start.
        let resume_at = || async {
            match rupload.progress(container).await {
                Ok(p) if p.complete => size,
                Ok(p) => p.offset.min(size),
                Err(e) => {
                    warn!(error = %e, "the upload host did not report its offset; starting over");
                    0
                }
            }
        };
        let (rupload, resume_at) = (&rupload, &resume_at);
        UPLOAD_RETRY
            .run(
                |attempt| async move {
                    // A later attempt resumes where the host says the last one stopped.
                    let offset = if attempt > 1 || resuming {
                        resume_at().await
                    } else {
                        0
                    };
                    if offset >= size && size > 0 {
                        return Ok(());
                    }
                    rupload.upload(container, bytes, offset).await
                },
                |e, attempt| {
                    let pause = UPLOAD_RETRY.pause_for(e, attempt);
                    if pause.is_some() {
                        warn!(error = %e, attempt, "video upload interrupted; resuming");
                    }
                    pause
                },
            )
            .await
    }

    /// Polls `status_code` with backoff until the container is ready (or published,
    /// or expired). ERROR ends the attempt with the mapped fix.
    async fn poll(
        &self,
        session: &Session,
        container: &ContainerId,
        progress: &(dyn Fn(PublishStep) + Send + Sync),
    ) -> Result<Ready, PublishError> {
        let started = tokio::time::Instant::now();
        let mut polls = 0;
        loop {
            polls += 1;
            let delay = POLL_SCHEDULE.backoff(polls);
            let status: ContainerStatus =
                match self.client().publishing(session).status(container).await {
                    Ok(s) => s,
                    // The client already retried transient errors; keep polling a while longer.
                    Err(e) if e.is_retryable() && started.elapsed() < POLL_DEADLINE => {
                        warn!(error = %e, "status poll failed; polling again");
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    Err(e) => return Err(meta("reading the container status", e)),
                };
            match status.code {
                StatusCode::Finished => return Ok(Ready::Finished),
                StatusCode::Published => return Ok(Ready::AlreadyPublished),
                StatusCode::Expired => return Ok(Ready::Expired),
                StatusCode::Error => {
                    let subcode = status.error_subcode();
                    return Err(PublishError::ContainerFailed {
                        status: status.status.unwrap_or_else(|| "ERROR".into()),
                        fix: fix_for(None, subcode),
                        subcode,
                    });
                }
                StatusCode::InProgress | StatusCode::Other(_) => {
                    progress(PublishStep::Processing {
                        status: status.status.unwrap_or_else(|| "in progress".into()),
                    });
                    if started.elapsed() > POLL_DEADLINE {
                        return Err(PublishError::ProcessingTimedOut);
                    }
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    /// Journals "sent", sends media_publish, and on an unclear failure asks the container
    /// whether it went through before trying once more.
    async fn send_publish(
        &self,
        session: &Session,
        claim: &ClaimGuard,
        draft: &Draft,
        parent: &ContainerId,
        progress: &(dyn Fn(PublishStep) + Send + Sync),
    ) -> Result<Media, PublishError> {
        let (id, now) = (draft.id, self.now());
        let (owner, lease) = (claim.owner.clone(), claim.lease);
        let held = self
            .with_store(move |s| s.mark_publish_sent_claimed(id, &owner, now, Utc::now(), lease))
            .await?;
        if !held {
            return Err(PublishError::ClaimLost(id));
        }
        let sent_at = self
            .load_draft(draft.id)
            .await?
            .publish_sent_at
            .unwrap_or(now);
        for attempt in 1..=3 {
            claim.held()?;
            progress(PublishStep::Publishing);
            let result = self
                .client()
                .publishing(session)
                .publish(&draft.account, parent)
                .await;
            let error = match result {
                Ok(media) => return self.finish(draft, &media, progress).await,
                Err(e) => e,
            };
            let unclear = error.is_retryable()
                || error.kind == ErrorKind::MediaNotReady
                || error.message.contains("already published");
            if !unclear || attempt == 3 {
                return Err(meta("publishing", error));
            }
            warn!(error = %error, "media_publish failed; checking the container before resending");
            match self.poll(session, parent, progress).await? {
                Ready::AlreadyPublished => {
                    let media = self.find_published(session, draft, sent_at).await?;
                    return self.finish(draft, &media, progress).await;
                }
                Ready::Finished => {}
                Ready::Expired => return Err(PublishError::KeptExpiring),
            }
        }
        Err(PublishError::KeptExpiring)
    }

    /// Finds the media an earlier media_publish created: the newest post of the account
    /// since the send with the draft's caption.
    async fn find_published(
        &self,
        session: &Session,
        draft: &Draft,
        sent_at: DateTime<Utc>,
    ) -> Result<MediaId, PublishError> {
        let since = sent_at - chrono::Duration::minutes(2);
        let recent = self
            .client()
            .media(session)
            .list(&draft.account)
            .limit(25)
            .send()
            .await
            .map_err(|e| meta("looking up the published post", e))?;
        let caption = Some(draft.caption.as_str()).filter(|c| !c.is_empty());
        recent
            .items
            .into_iter()
            .filter(|m| m.timestamp >= since && m.caption.as_deref() == caption)
            .max_by_key(|m| m.timestamp)
            .map(|m| m.id)
            .ok_or(PublishError::PublishedButNotFound)
    }

    /// Journals the media id, reads the post back and caches it for the Feed.
    async fn finish(
        &self,
        draft: &Draft,
        media: &MediaId,
        progress: &(dyn Fn(PublishStep) + Send + Sync),
    ) -> Result<Media, PublishError> {
        let (id, now, m) = (draft.id, self.now(), media.clone());
        self.with_store(move |s| s.set_published(id, &m, now))
            .await?;
        progress(PublishStep::Published {
            media: media.clone(),
        });
        self.read_back(draft, media).await
    }

    async fn read_back(&self, draft: &Draft, media: &MediaId) -> Result<Media, PublishError> {
        let account = self.find_account(draft.account.as_str()).await?;
        let session = self.session(&account).await?;
        let post = self
            .client()
            .media(&session)
            .get(media)
            .await
            .map_err(|e| meta("reading the new post back", e))?;
        let (ig, cached) = (account.id.clone(), vec![post.clone()]);
        self.with_store(move |s| s.upsert_media(&ig, &cached))
            .await?;
        Ok(post)
    }

    /// When the oldest post inside the last 24 h leaves the window (best effort).
    async fn limit_resets_at(&self, session: &Session, account: &Account) -> Option<DateTime<Utc>> {
        let now = self.now();
        let recent = self
            .client()
            .media(session)
            .list(&account.id)
            .limit(100)
            .send()
            .await
            .ok()?;
        recent
            .items
            .iter()
            .map(|m| m.timestamp)
            .filter(|t| now - *t < chrono::Duration::hours(24))
            .min()
            .map(|t| t + chrono::Duration::hours(24))
    }
}

/// Videos of Facebook Login accounts that were not hosted earlier go to rupload.
fn uses_rupload(account: &Account, item: &DraftItem) -> bool {
    account.login == LoginKind::Facebook && item.is_video && item.hosted_url.is_none()
}

fn item_request(
    draft: &Draft,
    item: &DraftItem,
    carousel: bool,
    resumable: bool,
    place: &DraftPlace,
) -> ContainerRequest {
    let kind = match (draft.kind, item.is_video) {
        (PostKind::Reel, _) => ContainerType::Reels,
        (PostKind::Story, _) => ContainerType::Stories,
        (PostKind::Carousel, true) => ContainerType::CarouselVideo,
        _ => ContainerType::Image,
    };
    let mut r = ContainerRequest::new(kind);
    if resumable {
        r.resumable = true;
    } else if item.is_video {
        r.video_url.clone_from(&item.hosted_url);
    } else {
        r.image_url.clone_from(&item.hosted_url);
    }
    r.is_carousel_item = carousel;
    if !carousel && draft.kind != PostKind::Story {
        r.caption = Some(draft.caption.clone()).filter(|c| !c.is_empty());
        // A carousel's collaborators go on the CAROUSEL container.
        r.collaborators.clone_from(&place.collaborators);
    }
    // Single posts, carousel items and reels take a location; stories do not.
    if draft.kind != PostKind::Story {
        r.location_id = place.location.as_ref().map(|l| l.id.clone());
    }
    if matches!(draft.kind, PostKind::Image | PostKind::Carousel) {
        r.alt_text.clone_from(&item.alt_text);
    }
    r.user_tags = item
        .user_tags
        .iter()
        .map(|t| TagAt {
            username: t.username.clone(),
            x: Some(t.x),
            y: Some(t.y),
        })
        .collect();
    if draft.kind == PostKind::Reel {
        r.share_to_feed = Some(draft.share_to_feed);
        r.cover_url = item
            .cover
            .as_ref()
            .and_then(|c| c.hosted_url.clone())
            .or_else(|| item.extras.cover_url.clone());
    }
    if item.is_video {
        r.thumb_offset_ms = item.extras.thumb_offset_ms;
    }
    r.product_tags = item
        .extras
        .product_tags
        .iter()
        .map(|t| ProductTagAt {
            product_id: t.product_id.clone(),
            x: t.x.filter(|_| !item.is_video),
            y: t.y.filter(|_| !item.is_video),
        })
        .collect();
    r
}

fn meta(step: &'static str, source: GraphError) -> PublishError {
    let fix = fix_for(Some(&source), source.subcode);
    PublishError::Meta {
        step: step.to_owned(),
        fix,
        source,
    }
}

fn meta_item(step: &'static str, position: usize, source: GraphError) -> PublishError {
    let fix = fix_for(Some(&source), source.subcode);
    PublishError::Meta {
        step: format!("{step} for item {}", position + 1),
        fix,
        source,
    }
}
