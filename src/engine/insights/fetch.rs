//! Fetching and caching insights: the `Core` methods behind the Insights tab and the CLI.
//!
//! Daily series go to `insights_daily` and are always read back from there, so a chart shows
//! every day ever fetched, not only what Meta still serves. Totals, demographics and the
//! media table are cached as JSON snapshots for an instant first paint.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};

use super::calc;
use super::{DailySeries, DateRange, Demographics, Kpi, MediaRow, Overview};
use crate::engine::core::{Core, EngineError};
use crate::graph::insights::{FOLLOWER_COUNT_DAYS, MediaInsights, TotalSet};
use crate::graph::{ErrorKind, GraphError, Session};
use crate::model::{Account, Media};

/// Daily series the overview charts: (metric, label).
pub const SERIES_METRICS: &[(&str, &str)] =
    &[("reach", "Reach"), ("follower_count", "New followers")];

/// KPI cards: (metric, label). `follower_total`, `follows` and `unfollows` are derived.
pub const KPI_METRICS: &[(&str, &str)] = &[
    ("reach", "Reach"),
    ("views", "Views"),
    ("accounts_engaged", "Accounts engaged"),
    ("total_interactions", "Total interactions"),
    ("follower_total", "Followers"),
    ("profile_links_taps", "Profile link taps"),
    ("follows", "Follows"),
    ("unfollows", "Unfollows"),
];

/// `total_value` metrics asked together for the KPI cards.
const TOTAL_METRICS: &[&str] = &[
    "reach",
    "views",
    "accounts_engaged",
    "total_interactions",
    "profile_links_taps",
];

/// How many recent media the per-post table shows.
const MEDIA_TABLE_SIZE: usize = 30;
/// Media insights requests in flight at once.
const MEDIA_PARALLELISM: usize = 4;

/// The caveat shown when Meta refuses audience data for a small account.
pub const SMALL_ACCOUNT_NOTE: &str = "Instagram provides demographics and online followers only for accounts with at least 100 followers.";

fn overview_key(range: DateRange) -> String {
    format!("overview:{}", range.days())
}

/// True for errors that must stop the whole load (the account or the API is unusable).
fn is_fatal(e: &GraphError) -> bool {
    matches!(
        e.kind,
        ErrorKind::TokenInvalid
            | ErrorKind::RateLimited { .. }
            | ErrorKind::Transient
            | ErrorKind::PermissionMissing { .. }
    )
}

fn total_of(set: &TotalSet, metric: &str) -> Option<u64> {
    set.value(metric)
}

fn follows_split(set: &TotalSet) -> (Option<u64>, Option<u64>) {
    let parts = set.breakdown("follows_and_unfollows");
    let find = |k: &str| parts.iter().find(|(key, _)| key == k).map(|(_, v)| *v);
    (find("FOLLOWER"), find("NON_FOLLOWER"))
}

impl Core {
    pub(super) fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Fetches the daily series of the last 30 days (what Meta serves for `follower_count`)
    /// and stores them; the background poller calls this.
    pub async fn sync_insight_series(&self, account: &Account) -> Result<(), EngineError> {
        let range = DateRange::last_days(self.today(), FOLLOWER_COUNT_DAYS as u32);
        let session = self.session(account).await?;
        self.fetch_series(account, &session, range)
            .await
            .map(|_| ())
    }

    /// Fetches the charted series for `range` into the cache; returns metrics Meta said are gone.
    async fn fetch_series(
        &self,
        account: &Account,
        session: &Session,
        range: DateRange,
    ) -> Result<Vec<String>, EngineError> {
        let insights = self.client().insights(session);
        let mut sets = vec![
            insights
                .account_series(&account.id, &["reach"], range.since, range.until)
                .await?,
        ];
        // follower_count is served for the last 30 days only; older days come from the cache.
        let floor = self.today() - Duration::days(FOLLOWER_COUNT_DAYS);
        let since = range.since.max(floor);
        if since < range.until {
            sets.push(
                insights
                    .account_series(&account.id, &["follower_count"], since, range.until)
                    .await?,
            );
        }
        let now = self.now();
        let mut gone = Vec::new();
        for set in sets {
            gone.extend(set.gone);
            for (metric, values) in set.series {
                let id = account.id.clone();
                self.with_store(move |s| s.upsert_insight_days(&id, &metric, &values, now))
                    .await?;
            }
        }
        Ok(gone)
    }

    /// The charted series for `range`, from the cache.
    async fn stored_series(
        &self,
        account: &Account,
        range: DateRange,
    ) -> Result<Vec<DailySeries>, EngineError> {
        let mut out = Vec::new();
        for (metric, label) in SERIES_METRICS {
            let id = account.id.clone();
            let m = (*metric).to_owned();
            let days: BTreeMap<NaiveDate, u64> = self
                .with_store(move |s| s.insight_days(&id, &m, range.since, range.until))
                .await?;
            out.push(DailySeries {
                metric: (*metric).to_owned(),
                label: (*label).to_owned(),
                points: days.into_iter().collect(),
            });
        }
        Ok(out)
    }

    /// The last overview fetched for a range of this length, with series from the cache.
    pub async fn cached_overview(
        &self,
        account: &Account,
        range: DateRange,
    ) -> Result<Option<Overview>, EngineError> {
        let id = account.id.clone();
        let key = overview_key(range);
        let Some((json, fetched_at)) = self
            .with_store(move |s| s.insights_snapshot(&id, &key))
            .await?
        else {
            return Ok(None);
        };
        let Ok(mut overview) = serde_json::from_str::<Overview>(&json) else {
            tracing::warn!("an insights snapshot could not be read; it will be refetched");
            return Ok(None);
        };
        overview.range = range;
        overview.series = self.stored_series(account, range).await?;
        overview.fetched_at = fetched_at;
        overview.from_cache = true;
        Ok(Some(overview))
    }

    /// Fetches the whole overview for `range` from Meta, caches it and returns it.
    pub async fn fetch_overview(
        &self,
        account: &Account,
        range: DateRange,
    ) -> Result<Overview, EngineError> {
        let session = self.session(account).await?;
        let mut gone = self.fetch_series(account, &session, range).await?;
        let insights = self.client().insights(&session);
        let previous = range.previous();

        let now_totals = insights
            .account_totals(&account.id, TOTAL_METRICS, range.since, range.until, None)
            .await?;
        let before_totals = insights
            .account_totals(
                &account.id,
                TOTAL_METRICS,
                previous.since,
                previous.until,
                None,
            )
            .await?;
        gone.extend(now_totals.gone.iter().cloned());
        let follows_now = insights
            .account_totals(
                &account.id,
                &["follows_and_unfollows"],
                range.since,
                range.until,
                Some("follow_type"),
            )
            .await?;
        let follows_before = insights
            .account_totals(
                &account.id,
                &["follows_and_unfollows"],
                previous.since,
                previous.until,
                Some("follow_type"),
            )
            .await?;
        let by_type = insights
            .account_totals(
                &account.id,
                &["total_interactions"],
                range.since,
                range.until,
                Some("media_product_type"),
            )
            .await?;

        let mut kpis = Vec::new();
        let (f_now, u_now) = follows_split(&follows_now);
        let (f_before, u_before) = follows_split(&follows_before);
        for (metric, label) in KPI_METRICS {
            let (value, previous) = match *metric {
                "follows" => (f_now, f_before),
                "unfollows" => (u_now, u_before),
                "follower_total" => {
                    let total = account.followers_count;
                    let net = f_now.unwrap_or(0) as i64 - u_now.unwrap_or(0) as i64;
                    let before = total.map(|t| (t as i64 - net).max(0) as u64);
                    (total, before)
                }
                m => (total_of(&now_totals, m), total_of(&before_totals, m)),
            };
            kpis.push(Kpi {
                metric: (*metric).to_owned(),
                label: (*label).to_owned(),
                value,
                previous,
                gone: gone.iter().any(|g| g == metric),
            });
        }

        let mut audience_note = None;
        let mut demographics = Demographics::default();
        let mut online = None;
        match self.fetch_audience(&session, account).await {
            Ok((d, o)) => {
                demographics = d;
                online = Some(o);
            }
            Err(e) if is_fatal(&e) => return Err(e.into()),
            Err(e) if e.message.contains("fewer than 100 followers") => {
                audience_note = Some(SMALL_ACCOUNT_NOTE.to_owned());
            }
            Err(e) => audience_note = Some(format!("Audience data is unavailable: {e}")),
        }

        let overview = Overview {
            account: account.id.clone(),
            range,
            kpis,
            series: self.stored_series(account, range).await?,
            by_media_type: by_type.breakdown("total_interactions").to_vec(),
            demographics,
            online,
            audience_note,
            gone,
            fetched_at: self.now(),
            from_cache: false,
        };
        let json = serde_json::to_string(&overview).unwrap_or_default();
        let (id, key, at) = (account.id.clone(), overview_key(range), overview.fetched_at);
        self.with_store(move |s| s.put_insights_snapshot(&id, &key, &json, at))
            .await?;
        Ok(overview)
    }

    async fn fetch_audience(
        &self,
        session: &Session,
        account: &Account,
    ) -> Result<(Demographics, [[f64; 24]; 7]), GraphError> {
        let insights = self.client().insights(session);
        let metric = "follower_demographics";
        let timeframe = "this_month";
        let mut d = Demographics {
            age: insights
                .demographics(&account.id, metric, "age", timeframe)
                .await?,
            gender: insights
                .demographics(&account.id, metric, "gender", timeframe)
                .await?,
            top_countries: insights
                .demographics(&account.id, metric, "country", timeframe)
                .await?,
            top_cities: insights
                .demographics(&account.id, metric, "city", timeframe)
                .await?,
        };
        for list in [&mut d.top_countries, &mut d.top_cities] {
            list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            list.truncate(10);
        }
        let today = self.today();
        let days = insights
            .online_followers(&account.id, today - Duration::days(7), today)
            .await?;
        Ok((d, calc::online_heatmap(&days)))
    }

    /// One media's insights (only the metrics its product type has).
    pub async fn media_insights(
        &self,
        account: &Account,
        media: &Media,
    ) -> Result<(MediaInsights, Vec<String>), EngineError> {
        let session = self.session(account).await?;
        let result = self
            .client()
            .insights(&session)
            .media(&media.id, media.media_product_type.as_ref())
            .await;
        if let Err(e) = &result {
            let e = EngineError::Graph(e.clone());
            self.note_error(account, &e).await;
        }
        Ok(result?)
    }

    /// The last per-post table, from the cache.
    pub async fn cached_media_table(
        &self,
        account: &Account,
    ) -> Result<Option<Vec<MediaRow>>, EngineError> {
        let id = account.id.clone();
        let snapshot = self
            .with_store(move |s| s.insights_snapshot(&id, "media"))
            .await?;
        Ok(snapshot.and_then(|(json, _)| serde_json::from_str(&json).ok()))
    }

    /// Recent media with their insights, fetched now and cached.
    pub async fn fetch_media_table(&self, account: &Account) -> Result<Vec<MediaRow>, EngineError> {
        let page = self.fetch_feed_page(account, None).await?;
        let session = self.session(account).await?;
        let media: Vec<Media> = page.media.into_iter().take(MEDIA_TABLE_SIZE).collect();
        let mut rows = Vec::with_capacity(media.len());
        for chunk in media.chunks(MEDIA_PARALLELISM) {
            let mut set = tokio::task::JoinSet::new();
            for (i, m) in chunk.iter().enumerate() {
                let client = self.client().clone();
                let session = session.clone();
                let m = m.clone();
                set.spawn(async move {
                    let r = client
                        .insights(&session)
                        .media(&m.id, m.media_product_type.as_ref())
                        .await;
                    (i, m, r)
                });
            }
            let mut done = Vec::new();
            while let Some(joined) = set.join_next().await {
                done.push(joined.map_err(|e| EngineError::Task(e.to_string()))?);
            }
            done.sort_by_key(|(i, _, _)| *i);
            for (_, media, result) in done {
                match result {
                    Ok((insights, _)) => rows.push(MediaRow {
                        media,
                        insights,
                        note: None,
                    }),
                    Err(e) if is_fatal(&e) => {
                        let e = EngineError::Graph(e);
                        self.note_error(account, &e).await;
                        return Err(e);
                    }
                    Err(e) => rows.push(MediaRow {
                        media,
                        insights: MediaInsights::default(),
                        note: Some(e.message),
                    }),
                }
            }
        }
        let json = serde_json::to_string(&rows).unwrap_or_default();
        let (id, at) = (account.id.clone(), self.now());
        self.with_store(move |s| s.put_insights_snapshot(&id, "media", &json, at))
            .await?;
        Ok(rows)
    }
}
