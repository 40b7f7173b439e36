//! Account and media insights: fetch, cache, charts' data, exports.
//!
//! The engine side of the Insights tab: commands from the UI run here as background jobs and
//! answer with [`InsightsEvent`]s. Every load answers twice when it can: first with what
//! the SQLite cache holds (so the tab opens instantly), then with fresh data from Meta.
//! A background poller refreshes the daily series of every account so the history the
//! cache keeps (beyond Meta's 30-day `follower_count` window) keeps growing.

pub mod breakdowns;
pub mod calc;
pub mod csv;
mod fetch;
pub mod png;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::core::Core;
use super::handle::EventSender;
use super::protocol::Event;
use crate::graph::insights::MediaInsights;
use crate::ids::{IgUserId, MediaId};
use crate::model::{Account, Media};

pub use fetch::{KPI_METRICS, SERIES_METRICS};

/// What the Insights tab asks the engine to do.
#[derive(Clone, Debug)]
pub enum InsightsCommand {
    /// The account overview for days `since..until` (half-open): cached first, then fresh.
    LoadOverview { account: IgUserId, range: DateRange },
    /// The per-post table (recent media with their insights): cached first, then fresh.
    LoadMediaTable { account: IgUserId },
    /// One media's insights, for the Feed's detail panel.
    LoadMediaInsights {
        account: IgUserId,
        media: Box<Media>,
    },
    /// The Breakdowns section (profile actions, story navigation, audience): cached first,
    /// then fresh.
    LoadBreakdowns { account: IgUserId },
    /// Writes an export (CSV bytes) to a path the user picked.
    WriteFile { path: PathBuf, bytes: Vec<u8> },
    /// Cuts `region` (in points) out of a window screenshot, encodes it as PNG and writes it.
    WriteChartPng {
        path: PathBuf,
        shot: Arc<egui::ColorImage>,
        region: egui::Rect,
        pixels_per_point: f32,
    },
}

/// What the engine tells the Insights tab.
#[derive(Clone, Debug)]
pub enum InsightsEvent {
    /// An overview, from the cache or fresh from Meta.
    Overview(Box<Overview>),
    /// The per-post table.
    MediaTable {
        account: IgUserId,
        rows: Vec<MediaRow>,
        from_cache: bool,
    },
    /// The Breakdowns section, from the cache or fresh from Meta.
    Breakdowns(Box<breakdowns::BreakdownSet>),
    /// One media's insights (Feed detail panel).
    MediaInsights {
        media: MediaId,
        insights: MediaInsights,
        gone: Vec<String>,
    },
    /// One media's insights could not be loaded.
    MediaInsightsFailed { media: MediaId, message: String },
    /// A load failed; what is shown stays shown. `message` names cause and fix.
    Failed { account: IgUserId, message: String },
    /// An export was written (or not).
    Exported {
        path: PathBuf,
        error: Option<String>,
    },
}

/// Days `since..until` (half-open, UTC dates).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    pub since: NaiveDate,
    pub until: NaiveDate,
}

impl DateRange {
    /// The `days` days before `today` (today's data is not final, so it is left out).
    pub fn last_days(today: NaiveDate, days: u32) -> Self {
        Self {
            since: today - chrono::Duration::days(i64::from(days)),
            until: today,
        }
    }
    /// Number of days covered.
    pub fn days(&self) -> i64 {
        (self.until - self.since).num_days().max(0)
    }
    /// The range of equal length just before this one.
    pub fn previous(&self) -> Self {
        Self {
            since: self.since - chrono::Duration::days(self.days()),
            until: self.since,
        }
    }
}

/// One KPI card: a value over the range and the same value over the previous range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    pub metric: String,
    pub label: String,
    pub value: Option<u64>,
    pub previous: Option<u64>,
    /// Meta no longer provides this metric.
    pub gone: bool,
}

/// A daily series for a line chart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DailySeries {
    pub metric: String,
    pub label: String,
    pub points: Vec<(NaiveDate, u64)>,
}

/// Audience demographics; empty lists when Meta provided none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Demographics {
    pub age: Vec<(String, u64)>,
    pub gender: Vec<(String, u64)>,
    /// Largest first, at most 10.
    pub top_countries: Vec<(String, u64)>,
    /// Largest first, at most 10.
    pub top_cities: Vec<(String, u64)>,
}

/// Everything the overview shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub account: IgUserId,
    pub range: DateRange,
    pub kpis: Vec<Kpi>,
    pub series: Vec<DailySeries>,
    /// Interactions by media product type (POST, REEL, STORY, CAROUSEL_CONTAINER).
    pub by_media_type: Vec<(String, u64)>,
    pub demographics: Demographics,
    /// Average online followers by weekday (Monday first) and hour.
    pub online: Option<[[f64; 24]; 7]>,
    /// Why demographics or online followers are missing (e.g. fewer than 100 followers).
    pub audience_note: Option<String>,
    /// Metrics Meta no longer provides.
    pub gone: Vec<String>,
    pub fetched_at: DateTime<Utc>,
    pub from_cache: bool,
}

/// One row of the per-post table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MediaRow {
    pub media: Media,
    pub insights: MediaInsights,
    /// Why this media has no insights (e.g. a story older than 24 h), if so.
    pub note: Option<String>,
}

/// How often the background poller refreshes the daily series.
const POLL_EVERY: Duration = Duration::from_hours(6);
/// The first poll waits so start-up work (feed, thumbnails) goes first.
const FIRST_POLL_AFTER: Duration = Duration::from_mins(2);

/// Called once when the engine starts: refreshes every account's daily series now and then,
/// so the cached history keeps growing even when the tab is not opened.
pub(crate) fn on_start(core: Arc<Core>, _events: EventSender) {
    tokio::spawn(async move {
        tokio::time::sleep(FIRST_POLL_AFTER).await;
        while !core.is_retired() {
            match core.accounts().await {
                Ok(accounts) => {
                    for account in accounts {
                        if let Err(e) = core.sync_insight_series(&account).await {
                            tracing::info!(account = %account.id, error = %e, "insights poll failed");
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "insights poll: no accounts"),
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    });
}

/// Runs one command in the background.
pub(crate) fn handle(core: Arc<Core>, events: EventSender, command: InsightsCommand) {
    tokio::spawn(async move {
        match command {
            InsightsCommand::LoadOverview { account, range } => {
                load_overview(&core, &events, account, range).await;
            }
            InsightsCommand::LoadMediaTable { account } => {
                load_media_table(&core, &events, account).await;
            }
            InsightsCommand::LoadBreakdowns { account } => {
                load_breakdowns(&core, &events, account).await;
            }
            InsightsCommand::LoadMediaInsights { account, media } => {
                let result = async {
                    let account = core.find_account(account.as_str()).await?;
                    core.media_insights(&account, &media).await
                }
                .await;
                match result {
                    Ok((insights, gone)) => {
                        let event = InsightsEvent::MediaInsights {
                            media: media.id.clone(),
                            insights,
                            gone,
                        };
                        events.send(Event::Insights(event)).await;
                    }
                    Err(e) => {
                        let event = InsightsEvent::MediaInsightsFailed {
                            media: media.id.clone(),
                            message: format!("could not load the post's insights: {e}"),
                        };
                        events.send(Event::Insights(event)).await;
                    }
                }
            }
            InsightsCommand::WriteFile { path, bytes } => {
                let target = path.clone();
                let result = tokio::task::spawn_blocking(move || std::fs::write(&target, bytes))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r.map_err(|e| e.to_string()));
                let error = result.err().map(|e| {
                    format!(
                        "could not write {}: {e}; pick a folder you can write to",
                        path.display()
                    )
                });
                events
                    .send(Event::Insights(InsightsEvent::Exported { path, error }))
                    .await;
            }
            InsightsCommand::WriteChartPng {
                path,
                shot,
                region,
                pixels_per_point,
            } => {
                let target = path.clone();
                let result = tokio::task::spawn_blocking(move || {
                    let bytes = png::png_of_region(&shot, region, pixels_per_point)
                        .map_err(|e| format!("could not export the chart: {e}"))?;
                    std::fs::write(&target, bytes).map_err(|e| {
                        format!(
                            "could not write {}: {e}; pick a folder you can write to",
                            target.display()
                        )
                    })
                })
                .await
                .map_err(|e| format!("the export stopped: {e}"))
                .and_then(|r| r);
                events
                    .send(Event::Insights(InsightsEvent::Exported {
                        path,
                        error: result.err(),
                    }))
                    .await;
            }
        }
    });
}

/// The account `id`, or `None` after telling the tab why it could not be found.
async fn account_or_fail(core: &Core, events: &EventSender, id: &IgUserId) -> Option<Account> {
    match core.find_account(id.as_str()).await {
        Ok(account) => Some(account),
        Err(e) => {
            events
                .send(Event::Insights(InsightsEvent::Failed {
                    account: id.clone(),
                    message: e.to_string(),
                }))
                .await;
            None
        }
    }
}

async fn load_overview(core: &Core, events: &EventSender, id: IgUserId, range: DateRange) {
    let Some(account) = account_or_fail(core, events, &id).await else {
        return;
    };
    if let Ok(Some(cached)) = core.cached_overview(&account, range).await {
        events
            .send(Event::Insights(InsightsEvent::Overview(Box::new(cached))))
            .await;
    }
    match core.fetch_overview(&account, range).await {
        Ok(fresh) => {
            events
                .send(Event::Insights(InsightsEvent::Overview(Box::new(fresh))))
                .await;
        }
        Err(e) => {
            core.note_error(&account, &e).await;
            let message = format!("could not refresh insights for @{}: {e}", account.username);
            events
                .send(Event::Insights(InsightsEvent::Failed {
                    account: id,
                    message,
                }))
                .await;
        }
    }
}

async fn load_media_table(core: &Core, events: &EventSender, id: IgUserId) {
    let Some(account) = account_or_fail(core, events, &id).await else {
        return;
    };
    if let Ok(Some(rows)) = core.cached_media_table(&account).await {
        let event = InsightsEvent::MediaTable {
            account: id.clone(),
            rows,
            from_cache: true,
        };
        events.send(Event::Insights(event)).await;
    }
    match core.fetch_media_table(&account).await {
        Ok(rows) => {
            let event = InsightsEvent::MediaTable {
                account: id,
                rows,
                from_cache: false,
            };
            events.send(Event::Insights(event)).await;
        }
        Err(e) => {
            core.note_error(&account, &e).await;
            let message = format!(
                "could not load post insights for @{}: {e}",
                account.username
            );
            events
                .send(Event::Insights(InsightsEvent::Failed {
                    account: id,
                    message,
                }))
                .await;
        }
    }
}

async fn load_breakdowns(core: &Core, events: &EventSender, id: IgUserId) {
    let Some(account) = account_or_fail(core, events, &id).await else {
        return;
    };
    if let Ok(Some(cached)) = core.cached_breakdowns(&account).await {
        events
            .send(Event::Insights(InsightsEvent::Breakdowns(Box::new(cached))))
            .await;
    }
    match core.fetch_breakdowns(&account).await {
        Ok(fresh) => {
            events
                .send(Event::Insights(InsightsEvent::Breakdowns(Box::new(fresh))))
                .await;
        }
        Err(e) => {
            core.note_error(&account, &e).await;
            let message = format!(
                "could not load the breakdowns for @{}: {e}",
                account.username
            );
            events
                .send(Event::Insights(InsightsEvent::Failed {
                    account: id,
                    message,
                }))
                .await;
        }
    }
}
