//! Composer and publishing: media preparation, drafts, the publish pipeline, the schedule.
//!
//! The engine side of the Composer tab: commands from the UI run here as background jobs and
//! answer with [`ComposerEvent`]s. Module map: `post` (what the user composed and the local
//! rules), `hosting` (getting files to a URL Meta can fetch), `pipeline` (the journaled,
//! never-twice publish).

pub mod claim;
pub mod copyright;
pub mod hosting;
pub mod pictures;
pub mod pipeline;
pub mod place;
pub mod post;
pub mod products;
mod reopen;
pub mod s3;
pub mod session;

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tracing::warn;

use super::core::{Core, EngineError};
use super::handle::EventSender;
use super::protocol::Event;
use crate::graph::GraphError;
use crate::ids::IgUserId;
use crate::media::prepare::PrepareError;
use crate::model::Media;
use crate::store::DraftSummary;
pub use hosting::{Hosting, HostingError, SANDBOX_HOSTING_KEY};
pub use pipeline::PublishStep;
pub use post::{CaptionCounts, ItemSpec, MediaSource, PostError, PostSpec};
pub use products::ShopSetup;

/// How often the scheduler looks for due drafts.
const SCHEDULER_TICK: Duration = Duration::from_secs(15);

/// What the Composer tab asks the engine to do.
#[derive(Clone, Debug)]
pub enum ComposerCommand {
    /// Send the account's drafts and schedule ([`ComposerEvent::Drafts`]).
    Refresh(IgUserId),
    /// Decode a picked or dropped file for the editor ([`ComposerEvent::Preview`]).
    LoadPreview(MediaSource),
    /// Prepare, save and publish a post now (or schedule it when `scheduled_at` is set).
    /// `job` is the UI's number for this request, echoed in every event about it.
    Publish { job: u64, post: PostSpec },
    /// Prepare and save without publishing.
    SaveDraft { job: u64, post: PostSpec },
    /// Publish a saved draft (or resume an interrupted / failed one).
    PublishDraft { job: u64, draft: i64 },
    /// Delete a saved draft.
    DeleteDraft { account: IgUserId, draft: i64 },
    /// Open a saved draft in the Composer to edit it ([`ComposerEvent::DraftOpened`]).
    OpenDraft { draft: i64 },
    /// Keep the form as it is now (`None`: forget it, the post went out or was discarded).
    KeepSession(Option<Box<session::ComposerSession>>),
    /// Send the kept form ([`ComposerEvent::Session`]), once when the app starts.
    LoadSession,
    /// A small picture of a draft's first item for the drafts list
    /// ([`ComposerEvent::DraftThumbnail`]).
    LoadDraftThumbnail { draft: i64 },
    /// Stop job `job` (saving, preparing or publishing); a publish already sent to Meta is
    /// not undone, and the draft can be published again (it resumes, never posting twice).
    Cancel { job: u64 },
    /// Send the S3 hosting settings ([`ComposerEvent::Hosting`]).
    LoadHosting,
    /// Save S3 hosting (settings to SQLite, the secret to the secret store).
    ConfigureS3 {
        settings: s3::S3Settings,
        /// Typed by the user on its way to the secret store: `Debug` never shows it.
        secret: SecretString,
    },
    /// Check product tagging for the account ([`ComposerEvent::Shop`]).
    LoadShop(IgUserId),
    /// Search a catalog ([`ComposerEvent::Products`]).
    SearchProducts {
        account: IgUserId,
        catalog_id: String,
        query: String,
    },
    /// Search places for the location tag ([`ComposerEvent::Locations`]).
    SearchLocations { account: IgUserId, query: String },
}

impl ComposerCommand {
    /// True for commands that write what the user made (the kept form, a draft, settings):
    /// a closing app waits for them ([`crate::engine::run::SHUTDOWN_FLUSH`]).
    pub fn writes_user_work(&self) -> bool {
        matches!(
            self,
            Self::KeepSession(_)
                | Self::SaveDraft { .. }
                | Self::DeleteDraft { .. }
                | Self::ConfigureS3 { .. }
        )
    }
}

/// What the engine tells the Composer tab.
#[derive(Clone, Debug)]
pub enum ComposerEvent {
    /// A decoded preview of a file for the crop and tag editor. `width`/`height` are the
    /// upright source size (the preview may be smaller).
    Preview {
        source: String,
        image: Arc<egui::ColorImage>,
        width: u32,
        height: u32,
    },
    /// A file could not be previewed.
    PreviewFailed { source: String, message: String },
    /// What a video's container says (duration, size, codecs), read as soon as it is added
    /// so the limits are checked before anything is saved.
    VideoInfo {
        source: String,
        info: crate::media::video::VideoInfo,
    },
    /// Preparing item `item` (0-based) is `fraction` done.
    Preparing {
        job: u64,
        item: usize,
        fraction: f32,
    },
    /// The post is saved as draft `draft` (before any network call).
    Saved {
        job: u64,
        draft: i64,
        scheduled: bool,
    },
    /// A publishing step began.
    Progress {
        job: u64,
        draft: i64,
        step: PublishStep,
    },
    /// The post is live.
    Published {
        job: u64,
        draft: i64,
        media: Box<Media>,
    },
    /// The job failed; `message` names the cause and the fix. `draft` is set when the post
    /// was saved (so it can be retried without posting twice).
    Failed {
        job: u64,
        draft: Option<i64>,
        message: String,
    },
    /// The same pictures and caption went out (or are scheduled) on this account in the
    /// last 24 hours: nothing was saved; the user confirms or changes the post.
    Duplicate { job: u64, message: String },
    /// A saved draft, ready to edit.
    DraftOpened(Box<OpenedDraft>),
    /// A draft the user asked to edit could not be opened; `message` names the cause and
    /// what to do instead.
    OpenFailed { draft: i64, message: String },
    /// A draft's first picture, small, for the drafts list.
    DraftThumbnail {
        draft: i64,
        image: Arc<egui::ColorImage>,
    },
    /// The form as it was last kept (after a restart or a crash).
    Session(Option<Box<session::ComposerSession>>),
    /// The account's drafts, scheduled and published posts, newest first.
    Drafts {
        account: IgUserId,
        drafts: Vec<DraftSummary>,
    },
    /// The S3 hosting settings (`None`: not configured) and whether a secret is stored.
    Hosting {
        settings: Option<s3::S3Settings>,
        has_secret: bool,
    },
    /// Saving S3 hosting finished: `Ok(description)` or `Err(cause and fix)`.
    HostingSaved(Result<String, String>),
    /// Whether and from which catalogs the account can tag products.
    Shop { account: IgUserId, setup: ShopSetup },
    /// Products matching a search (approved ones can be placed; others say why not).
    Products {
        account: IgUserId,
        query: String,
        products: Vec<crate::graph::shopping::CatalogProduct>,
    },
    /// Loading the shop or searching failed; `message` names the cause and the fix.
    ShopFailed { account: IgUserId, message: String },
    /// Places matching a location search (those without coordinates cannot be picked).
    Locations {
        account: IgUserId,
        query: String,
        places: Vec<crate::graph::locations::Place>,
    },
    /// A location search failed; `message` names the cause and the fix.
    LocationsFailed {
        account: IgUserId,
        query: String,
        message: String,
    },
}

/// A saved draft as the Composer edits it: the originals where they are still on disk
/// (with their frames), else the prepared pictures.
#[derive(Clone, Debug)]
pub struct OpenedDraft {
    pub draft: i64,
    pub post: PostSpec,
    /// Why something could not be restored as it was (e.g. an original was moved).
    pub note: Option<String>,
}

/// Why publishing failed, worded for the user.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Post(#[from] PostError),
    #[error(transparent)]
    Hosting(#[from] HostingError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(
        "the daily publishing limit is reached ({used} of {total} posts in 24 h){}; the post is saved and can be published then",
        match .resets_at { Some(t) => format!(": the next slot frees up at {}", t.format("%Y-%m-%d %H:%M UTC")), None => String::new() }
    )]
    LimitReached {
        used: u64,
        total: u64,
        resets_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    #[error("Instagram refused the post while {step}: {} — {fix}", .source.message)]
    Meta {
        step: String,
        fix: String,
        #[source]
        source: GraphError,
    },
    #[error("Instagram could not process the media ({status}) — {fix}")]
    ContainerFailed {
        status: String,
        fix: String,
        /// Meta's error subcode from the status text (e.g. 2207026).
        subcode: Option<i64>,
    },
    #[error(
        "Instagram found copyrighted content in item {item}: {summary}. Replace the audio and publish a new draft, or publish this draft again to post it anyway"
    )]
    CopyrightMatch { item: usize, summary: String },
    #[error(
        "Instagram is still processing after 5 minutes; publish the draft again later (it resumes, it will not post twice)"
    )]
    ProcessingTimedOut,
    #[error("the containers kept expiring before they could be published; publish the draft again")]
    KeptExpiring,
    #[error(
        "Instagram reports the post as published but it is not in the account's recent media yet; refresh the Feed in a minute (do not publish again)"
    )]
    PublishedButNotFound,
    #[error(
        "draft {0} is already being published (here or by another socialdesk); wait for it to finish"
    )]
    AlreadyRunning(i64),
    #[error(
        "another socialdesk took over publishing draft {0} after this one stalled; it resumes from where this one stopped and will not post twice"
    )]
    ClaimLost(i64),
    #[error("draft {0} is no longer due: it was edited, moved or failed meanwhile")]
    NotDue(i64),
    #[error("the same pictures and caption were {what} on this account {when} (draft {draft})")]
    Duplicate {
        draft: i64,
        what: &'static str,
        when: String,
    },
    #[error(
        "draft {0} is being published or was already sent to Instagram, so it can no longer be edited; start a new post instead"
    )]
    NotEditable(i64),
    #[error("there is no draft {0}; it may have been deleted")]
    NoSuchDraft(i64),
}

impl From<crate::store::StoreError> for PublishError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Engine(e.into())
    }
}

impl From<PrepareError> for PublishError {
    fn from(e: PrepareError) -> Self {
        Self::Post(PostError::Prepare {
            item: 1,
            file: String::new(),
            source: e,
        })
    }
}

/// The fix for a publishing error, from Meta's code and subcode.
pub fn fix_for(error: Option<&GraphError>, subcode: Option<i64>) -> String {
    let code = error.and_then(|e| e.code);
    if error.is_some_and(|e| e.message.contains("INVALID_LOCATION_ID")) {
        return "the location is not a place Instagram can tag (its Page has no latitude and longitude): pick another place or clear the location".to_owned();
    }
    let fix = match (code, subcode) {
        (_, Some(2207052)) | (Some(9004), _) => {
            "Meta could not fetch the file from the hosting URL: it must be public (check the bucket or host allows anonymous GET)"
        }
        (Some(36003), _) | (_, Some(2207009)) => {
            "the aspect ratio is outside what Instagram accepts: crop to 1:1, 4:5 or 1.91:1 (9:16 for stories and reels)"
        }
        (_, Some(2207026 | 2207005)) => {
            "the file format is not accepted: re-encode pictures as JPEG and videos as MP4 (H.264, AAC)"
        }
        (_, Some(2207004)) => "the file is larger than 8 MB: crop or resize it",
        (_, Some(2207042)) | (Some(9), _) => {
            "the daily publishing limit is reached: wait until the oldest post of the last 24 h drops out"
        }
        (_, Some(2207008)) => "the container expired: publish again to create a fresh one",
        (_, Some(2207010)) => "shorten the caption or remove hashtags / @mentions",
        (Some(110), _) => "a tagged username does not exist: remove that tag",
        (Some(190), _) => "the login expired: reconnect the account in Accounts",
        (Some(10 | 200..=299), _) => {
            "the login lacks the publishing permission: reconnect the account and grant content publishing"
        }
        _ => match error.map(|e| &e.kind) {
            Some(crate::graph::ErrorKind::Transient) => {
                "Instagram or the connection had a hiccup: publish again (it resumes, it will not post twice)"
            }
            Some(crate::graph::ErrorKind::RateLimited { .. }) => {
                "too many calls: wait a few minutes, then publish again"
            }
            _ => "check the post and publish again (it resumes, it will not post twice)",
        },
    };
    fix.to_owned()
}

impl Core {
    /// Saves S3 hosting: the settings in SQLite, the secret access key in the secret store
    /// (never in SQLite). Checks the configuration first.
    pub async fn configure_s3_hosting(
        &self,
        settings: s3::S3Settings,
        secret_access_key: &str,
    ) -> Result<(), PublishError> {
        s3::S3Hosting::new(&settings, secret_access_key)?;
        self.secrets()
            .set(s3::S3_SECRET_KEY, &secret_access_key.trim().into())
            .map_err(EngineError::from)?;
        self.with_store(move |s| settings.save(s)).await?;
        Ok(())
    }

    /// Prepares a post's files off the async threads and saves it as a draft (or over the
    /// draft it edits), before any network call. Returns the draft id.
    pub async fn save_post(
        &self,
        post: PostSpec,
        progress: impl FnMut(usize, f32) + Send + 'static,
    ) -> Result<i64, PublishError> {
        self.save_checked(post, progress, false).await
    }

    /// [`Self::save_post`] for a post about to be published or scheduled: refused with
    /// [`PublishError::Duplicate`] when the same pictures and caption were published or
    /// scheduled on the account in the last 24 hours, unless `post.allow_duplicate`.
    pub async fn save_to_publish(
        &self,
        post: PostSpec,
        progress: impl FnMut(usize, f32) + Send + 'static,
    ) -> Result<i64, PublishError> {
        let check = !post.allow_duplicate;
        self.save_checked(post, progress, check).await
    }

    async fn save_checked(
        &self,
        post: PostSpec,
        progress: impl FnMut(usize, f32) + Send + 'static,
        check_duplicate: bool,
    ) -> Result<i64, PublishError> {
        post.validate()?;
        if post.items.iter().any(|i| !i.product_tags.is_empty()) {
            let account = self.find_account(post.account.as_str()).await?;
            if account.login == crate::model::LoginKind::Instagram {
                return Err(PostError::ProductTagsNeedFacebookLogin(account.username).into());
            }
        }
        let place = self.checked_place(&post).await?;
        let editing = post.draft;
        let mut progress = progress;
        let draft = tokio::task::spawn_blocking(move || post.prepare(&mut progress))
            .await
            .map_err(|e| EngineError::Task(e.to_string()))??;
        let now = self.now();
        if check_duplicate && let Some(fingerprint) = draft.fingerprint.clone() {
            let (account, since) = (draft.account.clone(), now - chrono::Duration::hours(24));
            let found = self
                .with_store(move |s| s.find_duplicate(&account, &fingerprint, editing, since))
                .await?;
            if let Some((other, state, at)) = found {
                let what = match state.as_str() {
                    "published" => "published",
                    "publishing" => "being published",
                    _ => "scheduled",
                };
                let when = format!(
                    "at {} local",
                    at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M")
                );
                return Err(PublishError::Duplicate {
                    draft: other,
                    what,
                    when,
                });
            }
        }
        match editing {
            Some(id) => {
                let replaced = self
                    .with_store(move |s| s.replace_draft_with_place(id, &draft, &place, now))
                    .await?;
                if replaced {
                    Ok(id)
                } else {
                    Err(PublishError::NotEditable(id))
                }
            }
            None => Ok(self
                .with_store(move |s| s.insert_draft_with_place(&draft, &place, now))
                .await?),
        }
    }

    /// A saved draft as the Composer edits it: each picture's original (where it still is
    /// on disk) with its frame and tags mapped back onto it, else the prepared picture.
    pub async fn open_draft(&self, id: i64) -> Result<OpenedDraft, PublishError> {
        let draft = self
            .with_store(move |s| s.draft(id))
            .await?
            .ok_or(PublishError::NoSuchDraft(id))?;
        if !matches!(
            draft.state,
            crate::store::DraftState::Draft
                | crate::store::DraftState::Scheduled
                | crate::store::DraftState::Failed
        ) || draft.publish_sent_at.is_some()
        {
            return Err(PublishError::NotEditable(id));
        }
        let place = self.with_store(move |s| s.draft_place(id)).await?;
        let store = self.store_handle();
        let opened = tokio::task::spawn_blocking(move || reopen::opened(&store, draft, place))
            .await
            .map_err(|e| EngineError::Task(e.to_string()))??;
        Ok(opened)
    }
}

/// Called once when the engine starts: resume interrupted publishes, start the scheduler.
pub(crate) fn on_start(core: Arc<Core>, events: EventSender) {
    tokio::spawn(async move {
        while !core.is_retired() {
            run_due(&core, &events).await;
            tokio::time::sleep(SCHEDULER_TICK).await;
        }
    });
}

/// Publishes every draft that is due or was interrupted (through the same claim as every
/// other process), telling the Composer as a job the engine started itself (job 0).
async fn run_due(core: &Arc<Core>, events: &EventSender) {
    let progress_events = events.clone();
    let handle = tokio::runtime::Handle::current();
    let progress = move |draft: i64, step: PublishStep| {
        let events = progress_events.clone();
        handle.spawn(async move {
            composer_event(
                &events,
                ComposerEvent::Progress {
                    job: 0,
                    draft,
                    step,
                },
            )
            .await;
        });
    };
    match core.publish_due(&progress).await {
        Ok(results) => {
            for (draft, result) in results {
                notify_scheduled(core, draft, &result).await;
                report(core, events, 0, draft, result).await;
            }
        }
        Err(e) => warn!(error = %e, "could not read the schedule"),
    }
}

/// A desktop notification for a scheduled post that went out or failed (shown only while
/// the window is not focused; see `notify`).
async fn notify_scheduled(core: &Arc<Core>, draft: i64, result: &Result<Media, PublishError>) {
    let Ok(Some(d)) = core.with_store(move |s| s.draft(draft)).await else {
        return;
    };
    let username = match core.find_account(d.account.as_str()).await {
        Ok(account) => account.username,
        Err(_) => d.account.to_string(),
    };
    let caption: String = d.caption.chars().take(120).collect();
    let what = if caption.is_empty() {
        format!("Scheduled draft {draft} is live.")
    } else {
        caption
    };
    let why = result.as_ref().err().map(ToString::to_string);
    let outcome = match &why {
        None => Ok(what.as_str()),
        Some(why) => Err(why.as_str()),
    };
    core.notifications()
        .scheduled_post(&username, draft, outcome);
}

/// Runs one command in the background.
pub(crate) fn handle(
    core: Arc<Core>,
    events: EventSender,
    command: ComposerCommand,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        match command {
            ComposerCommand::Refresh(account) => send_drafts(&core, &events, account).await,
            ComposerCommand::LoadPreview(source) => preview(&events, source).await,
            ComposerCommand::Publish { job, post } => {
                let account = post.account.clone();
                let scheduled = post.scheduled_at.is_some();
                let known = std::sync::OnceLock::new();
                let work = async {
                    let saved = save(&core, &events, job, post, true).await;
                    if let Some(draft) = saved
                        && !scheduled
                    {
                        let _ = known.set(draft);
                        publish_job(&core, &events, job, draft).await;
                    }
                };
                cancellable(&core, &events, job, &known, work).await;
                send_drafts(&core, &events, account).await;
            }
            ComposerCommand::SaveDraft { job, post } => {
                let account = post.account.clone();
                let work = async {
                    save(&core, &events, job, post, false).await;
                };
                cancellable(&core, &events, job, &std::sync::OnceLock::new(), work).await;
                send_drafts(&core, &events, account).await;
            }
            ComposerCommand::PublishDraft { job, draft } => {
                let known = std::sync::OnceLock::from(draft);
                let work = publish_job(&core, &events, job, draft);
                cancellable(&core, &events, job, &known, work).await;
            }
            ComposerCommand::Cancel { job } => cancel(&core, job),
            ComposerCommand::KeepSession(form) => {
                if let Err(e) = core.save_composer_session(form.map(|f| *f)).await {
                    warn!(error = %e, "could not keep the Composer's form");
                }
            }
            ComposerCommand::LoadDraftThumbnail { draft } => {
                if let Some(image) = draft_thumbnail(&core, draft).await {
                    let image = Arc::new(image);
                    composer_event(&events, ComposerEvent::DraftThumbnail { draft, image }).await;
                }
            }
            ComposerCommand::LoadSession => {
                let form = match core.composer_session().await {
                    Ok(form) => form.map(Box::new),
                    Err(e) => {
                        warn!(error = %e, "could not read the Composer's kept form");
                        None
                    }
                };
                composer_event(&events, ComposerEvent::Session(form)).await;
            }
            ComposerCommand::OpenDraft { draft } => {
                let event = match core.open_draft(draft).await {
                    Ok(opened) => ComposerEvent::DraftOpened(Box::new(opened)),
                    Err(e) => ComposerEvent::OpenFailed {
                        draft,
                        message: e.to_string(),
                    },
                };
                composer_event(&events, event).await;
            }
            ComposerCommand::DeleteDraft { account, draft } => {
                if let Err(e) = core.with_store(move |s| s.delete_draft(draft)).await {
                    composer_event(
                        &events,
                        ComposerEvent::Failed {
                            job: 0,
                            draft: Some(draft),
                            message: e.to_string(),
                        },
                    )
                    .await;
                }
                send_drafts(&core, &events, account).await;
            }
            ComposerCommand::LoadHosting => {
                let settings = core.with_store(s3::S3Settings::load).await;
                let has_secret = matches!(core.secrets().get(s3::S3_SECRET_KEY), Ok(Some(_)));
                let event = match settings {
                    Ok(settings) => ComposerEvent::Hosting {
                        settings,
                        has_secret,
                    },
                    Err(e) => ComposerEvent::HostingSaved(Err(e.to_string())),
                };
                composer_event(&events, event).await;
            }
            ComposerCommand::ConfigureS3 { settings, secret } => {
                let described = format!(
                    "Files will be hosted in bucket {} at {} (presigned links for Meta).",
                    settings.bucket, settings.endpoint
                );
                let result = core
                    .configure_s3_hosting(settings, secret.expose_secret())
                    .await
                    .map(|()| described)
                    .map_err(|e| e.to_string());
                composer_event(&events, ComposerEvent::HostingSaved(result)).await;
            }
            ComposerCommand::LoadShop(account) => {
                let result = match core.find_account(account.as_str()).await {
                    Ok(a) => core.shop_setup(&a).await,
                    Err(e) => Err(e),
                };
                let event = match result {
                    Ok(setup) => ComposerEvent::Shop { account, setup },
                    Err(e) => ComposerEvent::ShopFailed {
                        account,
                        message: e.to_string(),
                    },
                };
                composer_event(&events, event).await;
            }
            ComposerCommand::SearchLocations { account, query } => {
                let event = place::search_event(&core, account, query).await;
                composer_event(&events, event).await;
            }
            ComposerCommand::SearchProducts {
                account,
                catalog_id,
                query,
            } => {
                let result = match core.find_account(account.as_str()).await {
                    Ok(a) => core.search_products(&a, &catalog_id, &query).await,
                    Err(e) => Err(e),
                };
                let event = match result {
                    Ok(products) => ComposerEvent::Products {
                        account,
                        query,
                        products,
                    },
                    Err(e) => ComposerEvent::ShopFailed {
                        account,
                        message: e.to_string(),
                    },
                };
                composer_event(&events, event).await;
            }
        }
    })
}

/// The side of a draft's thumbnail in the drafts list, in pixels.
const DRAFT_THUMB_PX: u32 = 96;

/// The first picture of `draft` (its prepared file), decoded small off the async threads;
/// `None` for a video or a file that cannot be read (the list shows the kind instead).
async fn draft_thumbnail(core: &Arc<Core>, draft: i64) -> Option<egui::ColorImage> {
    let first = core
        .with_store(move |s| s.draft(draft))
        .await
        .ok()??
        .items
        .into_iter()
        .next()?;
    if first.is_video {
        return None;
    }
    let bytes = core
        .with_store(move |s| s.item_file(draft, first.position))
        .await
        .ok()?;
    tokio::task::spawn_blocking(move || {
        crate::media::decode_for_display(&bytes, DRAFT_THUMB_PX).ok()
    })
    .await
    .ok()?
}

async fn composer_event(events: &EventSender, event: ComposerEvent) {
    events.send(Event::Composer(event)).await;
}

/// Jobs that can be cancelled, by engine (its address) and job number.
static JOBS: std::sync::Mutex<Vec<(usize, u64, Arc<tokio::sync::Notify>)>> =
    std::sync::Mutex::new(Vec::new());

fn engine_key(core: &Arc<Core>) -> usize {
    Arc::as_ptr(core) as usize
}

/// Runs `work` for job `job` until it ends or the user cancels it. Cancelling drops the
/// work where it stands: a publish lets go of its claim (the journal keeps every step, so
/// publishing the draft again resumes and never posts twice) and the draft is marked failed
/// so the scheduler does not pick it up again on its own.
async fn cancellable(
    core: &Arc<Core>,
    events: &EventSender,
    job: u64,
    draft: &std::sync::OnceLock<i64>,
    work: impl std::future::Future<Output = ()>,
) {
    let notify = Arc::new(tokio::sync::Notify::new());
    let key = engine_key(core);
    JOBS.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push((key, job, notify.clone()));
    let cancelled = tokio::select! {
        () = work => false,
        () = notify.notified() => true,
    };
    JOBS.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .retain(|(k, j, _)| !(*k == key && *j == job));
    if cancelled {
        let draft = draft.get().copied();
        if let Some(id) = draft {
            let now = core.now();
            if let Err(e) = core.with_store(move |s| s.mark_cancelled(id, now)).await {
                warn!(error = %e, "could not mark the cancelled publish");
            }
        }
        composer_event(
            events,
            ComposerEvent::Failed {
                job,
                draft,
                message: "Cancelled.".into(),
            },
        )
        .await;
    }
}

fn cancel(core: &Arc<Core>, job: u64) {
    let key = engine_key(core);
    let jobs = JOBS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for (_, _, notify) in jobs.iter().filter(|(k, j, _)| *k == key && *j == job) {
        notify.notify_one();
    }
}

async fn save(
    core: &Arc<Core>,
    events: &EventSender,
    job: u64,
    post: PostSpec,
    to_publish: bool,
) -> Option<i64> {
    let scheduled = post.scheduled_at.is_some();
    let progress_events = events.clone();
    let handle = tokio::runtime::Handle::current();
    let progress = move |item, fraction| {
        let events = progress_events.clone();
        handle.spawn(async move {
            composer_event(
                &events,
                ComposerEvent::Preparing {
                    job,
                    item,
                    fraction,
                },
            )
            .await;
        });
    };
    let result = if to_publish {
        core.save_to_publish(post, progress).await
    } else {
        core.save_post(post, progress).await
    };
    match result {
        Ok(draft) => {
            composer_event(
                events,
                ComposerEvent::Saved {
                    job,
                    draft,
                    scheduled,
                },
            )
            .await;
            Some(draft)
        }
        Err(e @ PublishError::Duplicate { .. }) => {
            let message = e.to_string();
            composer_event(events, ComposerEvent::Duplicate { job, message }).await;
            None
        }
        Err(e) => {
            composer_event(
                events,
                ComposerEvent::Failed {
                    job,
                    draft: None,
                    message: e.to_string(),
                },
            )
            .await;
            None
        }
    }
}

async fn publish_job(core: &Arc<Core>, events: &EventSender, job: u64, draft: i64) {
    let progress_events = events.clone();
    let handle = tokio::runtime::Handle::current();
    let progress = move |step: PublishStep| {
        let events = progress_events.clone();
        handle.spawn(async move {
            composer_event(&events, ComposerEvent::Progress { job, draft, step }).await;
        });
    };
    let result = core.publish_draft(draft, &progress).await;
    report(core, events, job, draft, result).await;
}

/// Tells the Composer how a publish ended (and shows a new post in the Feed).
async fn report(
    core: &Arc<Core>,
    events: &EventSender,
    job: u64,
    draft: i64,
    result: Result<Media, PublishError>,
) {
    match result {
        Ok(media) => {
            composer_event(
                events,
                ComposerEvent::Published {
                    job,
                    draft,
                    media: Box::new(media),
                },
            )
            .await;
            refresh_feed(core, events, draft).await;
        }
        Err(e) => {
            composer_event(
                events,
                ComposerEvent::Failed {
                    job,
                    draft: Some(draft),
                    message: e.to_string(),
                },
            )
            .await;
        }
    }
}

/// Shows the new post in the Feed.
async fn refresh_feed(core: &Arc<Core>, events: &EventSender, draft: i64) {
    let Ok(Some(d)) = core.with_store(move |s| s.draft(draft)).await else {
        return;
    };
    let Ok(account) = core.find_account(d.account.as_str()).await else {
        return;
    };
    match core.fetch_feed_page(&account, None).await {
        Ok(page) => {
            events
                .send(Event::Feed {
                    account: account.id.clone(),
                    has_more: page.after.is_some(),
                    media: page.media,
                    replace: true,
                    from_cache: false,
                })
                .await;
        }
        Err(e) => warn!(error = %e, "could not refresh the feed after publishing"),
    }
    send_drafts(core, events, account.id).await;
}

async fn send_drafts(core: &Arc<Core>, events: &EventSender, account: IgUserId) {
    let id = account.clone();
    match core.with_store(move |s| s.drafts(&id)).await {
        Ok(drafts) => composer_event(events, ComposerEvent::Drafts { account, drafts }).await,
        Err(e) => warn!(error = %e, "could not list drafts"),
    }
}

async fn preview(events: &EventSender, source: MediaSource) {
    let name = source.name();
    if source.is_video() {
        let probed = tokio::task::spawn_blocking(move || -> Result<_, String> {
            let bytes = source.read().map_err(|e| e.to_string())?;
            crate::media::video::probe(&bytes).map_err(|e| e.to_string())
        })
        .await;
        let event = match probed {
            Ok(Ok(info)) => ComposerEvent::VideoInfo { source: name, info },
            Ok(Err(message)) => ComposerEvent::PreviewFailed {
                source: name,
                message,
            },
            Err(e) => ComposerEvent::PreviewFailed {
                source: name,
                message: format!("the video could not be read: {e}"),
            },
        };
        composer_event(events, event).await;
        return;
    }
    let decoded = tokio::task::spawn_blocking(move || -> Result<_, String> {
        let bytes = source.read().map_err(|e| e.to_string())?;
        let (width, height) =
            crate::media::prepare::upright_size(&bytes).map_err(|e| e.to_string())?;
        let image = crate::media::decode_for_display(&bytes, crate::media::DETAIL_MAX_SIDE_PX)
            .map_err(|e| e.to_string())?;
        Ok((image, width, height))
    })
    .await;
    let event = match decoded {
        Ok(Ok((image, width, height))) => ComposerEvent::Preview {
            source: name,
            image: Arc::new(image),
            width,
            height,
        },
        Ok(Err(message)) => ComposerEvent::PreviewFailed {
            source: name,
            message,
        },
        Err(e) => ComposerEvent::PreviewFailed {
            source: name,
            message: format!("the preview task stopped: {e}"),
        },
    };
    composer_event(events, event).await;
}
