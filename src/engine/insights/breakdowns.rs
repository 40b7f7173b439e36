//! The Insights tab's "Breakdowns" section and `insights breakdown`: metrics split by a
//! dimension, as Meta documents them per metric and media type.
//!
//! The section sums `profile_activity` by `action_type` over recent feed posts and a
//! story's `navigation` by `story_navigation_action_type` over the stories still up (their
//! insights last 24 hours), and asks the audience by age × gender plus the engaged
//! audience's top cities and countries. The set is cached as a JSON snapshot beside the
//! overview's (`insights_snapshots`), so the section opens with what was last seen.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::engine::core::{Core, EngineError};
use crate::graph::breakdowns::{self, Breakdown, Scope};
use crate::graph::{ErrorKind, GraphError};
use crate::ids::{IgUserId, MediaId};
use crate::model::{Account, ProductType};

/// The snapshot key of the section.
const SNAPSHOT_KEY: &str = "breakdowns";
/// Recent feed posts whose profile actions are summed.
const RECENT_POSTS: usize = 12;
/// Audience demographics cover this window (`this_week` is the other choice).
pub const TIMEFRAME: &str = "this_month";

/// Everything the Breakdowns section draws. Lists are (label as Meta spells it, count).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BreakdownSet {
    pub account: IgUserId,
    /// `profile_activity` by `action_type`, summed over `posts` recent feed posts.
    pub profile_actions: Vec<(String, u64)>,
    pub posts: usize,
    /// A story's `navigation` by `story_navigation_action_type`, summed over `stories`.
    pub story_navigation: Vec<(String, u64)>,
    pub stories: usize,
    /// `profile_links_taps` by `contact_button_type` over the last 30 days.
    pub contact_buttons: Vec<(String, u64)>,
    /// `follower_demographics` by age and gender: (age, gender, followers).
    pub age_gender: Vec<(String, String, u64)>,
    /// `engaged_audience_demographics`, largest first, at most 10.
    pub engaged_cities: Vec<(String, u64)>,
    pub engaged_countries: Vec<(String, u64)>,
    /// Why a part is empty (a small account, a part Meta refused).
    pub notes: Vec<String>,
    pub fetched_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub from_cache: bool,
}

impl BreakdownSet {
    /// Nothing yet, for `account`.
    pub fn empty(account: IgUserId) -> Self {
        Self {
            account,
            profile_actions: Vec::new(),
            posts: 0,
            story_navigation: Vec::new(),
            stories: 0,
            contact_buttons: Vec::new(),
            age_gender: Vec::new(),
            engaged_cities: Vec::new(),
            engaged_countries: Vec::new(),
            notes: Vec::new(),
            fetched_at: None,
            from_cache: false,
        }
    }
}

/// Adds `rows` (one dimension) into `into`, keeping first-seen order.
fn add_rows(into: &mut Vec<(String, u64)>, b: &Breakdown) {
    for row in &b.rows {
        let key = row.values.join(" / ").to_ascii_uppercase();
        match into.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 += row.value,
            None => into.push((key, row.value)),
        }
    }
}

fn top(b: &Breakdown, n: usize) -> Vec<(String, u64)> {
    let mut rows: Vec<(String, u64)> = b
        .rows
        .iter()
        .map(|r| (r.values.join(" / "), r.value))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    rows.truncate(n);
    rows
}

/// Errors that stop the whole load instead of leaving one part empty with a note.
fn is_fatal(e: &GraphError) -> bool {
    matches!(
        e.kind,
        ErrorKind::TokenInvalid
            | ErrorKind::RateLimited { .. }
            | ErrorKind::PermissionMissing { .. }
    )
}

impl Core {
    /// The last Breakdowns section, from the cache.
    pub async fn cached_breakdowns(
        &self,
        account: &Account,
    ) -> Result<Option<BreakdownSet>, EngineError> {
        let id = account.id.clone();
        let snapshot = self
            .with_store(move |s| s.insights_snapshot(&id, SNAPSHOT_KEY))
            .await?;
        Ok(snapshot
            .and_then(|(json, _)| serde_json::from_str::<BreakdownSet>(&json).ok())
            .map(|mut set| {
                set.from_cache = true;
                set
            }))
    }

    /// The Breakdowns section fetched now (and cached).
    pub async fn fetch_breakdowns(&self, account: &Account) -> Result<BreakdownSet, EngineError> {
        let session = self.session(account).await?;
        let insights = self.client().insights(&session);
        let mut set = BreakdownSet::empty(account.id.clone());
        let mut notes = Vec::new();

        // Profile actions over recent feed posts.
        let feed = self.fetch_feed_page(account, None).await?;
        let posts: Vec<_> = feed
            .media
            .iter()
            .filter(|m| m.media_product_type == Some(ProductType::Feed))
            .take(RECENT_POSTS)
            .collect();
        for m in &posts {
            match insights
                .media_breakdown(
                    &m.id,
                    m.media_product_type.as_ref(),
                    "profile_activity",
                    "action_type",
                )
                .await
            {
                Ok(b) => add_rows(&mut set.profile_actions, &b),
                Err(e) if is_fatal(&e) => return Err(EngineError::Graph(e)),
                Err(e) => {
                    notes.push(format!("Profile actions of post {}: {}", m.id, e.message));
                    break;
                }
            }
        }
        set.posts = posts.len();

        // Story navigation over the stories still up.
        match insights.story_ids(&account.id).await {
            Ok(ids) => {
                for id in &ids {
                    match insights
                        .media_breakdown(
                            id,
                            Some(&ProductType::Story),
                            "navigation",
                            "story_navigation_action_type",
                        )
                        .await
                    {
                        Ok(b) => add_rows(&mut set.story_navigation, &b),
                        Err(e) if is_fatal(&e) => return Err(EngineError::Graph(e)),
                        Err(e) => notes.push(format!("Story navigation: {}", e.message)),
                    }
                }
                set.stories = ids.len();
            }
            Err(e) if is_fatal(&e) => return Err(EngineError::Graph(e)),
            Err(e) => notes.push(format!("Stories: {}", e.message)),
        }

        // Contact buttons over the last 30 days.
        let today = self.today();
        match insights
            .account_totals(
                &account.id,
                &["profile_links_taps"],
                today - Duration::days(30),
                today,
                Some("contact_button_type"),
            )
            .await
        {
            Ok(t) => set.contact_buttons = t.breakdown("profile_links_taps").to_vec(),
            Err(e) if is_fatal(&e) => return Err(EngineError::Graph(e)),
            Err(e) => notes.push(format!("Contact buttons: {}", e.message)),
        }

        // Audience.
        let audience = async {
            let ag = insights
                .demographics_by(
                    &account.id,
                    "follower_demographics",
                    &["age", "gender"],
                    TIMEFRAME,
                )
                .await?;
            let cities = insights
                .demographics_by(
                    &account.id,
                    "engaged_audience_demographics",
                    &["city"],
                    TIMEFRAME,
                )
                .await?;
            let countries = insights
                .demographics_by(
                    &account.id,
                    "engaged_audience_demographics",
                    &["country"],
                    TIMEFRAME,
                )
                .await?;
            Ok::<_, GraphError>((ag, cities, countries))
        };
        match audience.await {
            Ok((ag, cities, countries)) => {
                set.age_gender = ag
                    .rows
                    .iter()
                    .filter_map(|r| match r.values.as_slice() {
                        [age, gender] => Some((age.clone(), gender.clone(), r.value)),
                        _ => None,
                    })
                    .collect();
                set.engaged_cities = top(&cities, 10);
                set.engaged_countries = top(&countries, 10);
            }
            Err(e) if is_fatal(&e) => return Err(EngineError::Graph(e)),
            Err(e) if e.message.contains("fewer than 100 followers") => {
                notes.push(super::fetch::SMALL_ACCOUNT_NOTE.to_owned());
            }
            Err(e) => notes.push(format!("Audience: {}", e.message)),
        }
        set.notes = notes;
        set.fetched_at = Some(self.now());
        let json = serde_json::to_string(&set).unwrap_or_default();
        let (id, at) = (account.id.clone(), self.now());
        self.with_store(move |s| s.put_insights_snapshot(&id, SNAPSHOT_KEY, &json, at))
            .await?;
        Ok(set)
    }

    /// One breakdown as the CLI asks it: of a media when `media` is given, else of the
    /// account (`metric_type=total_value` over the last `days` days, or the lifetime
    /// audience for `*_demographics` with `timeframe`).
    pub async fn breakdown(
        &self,
        account: &Account,
        metric: &str,
        by: &[&str],
        media: Option<&MediaId>,
        days: i64,
        timeframe: &str,
    ) -> Result<Breakdown, EngineError> {
        let session = self.session(account).await?;
        let insights = self.client().insights(&session);
        let result = match media {
            Some(id) => {
                let [one] = by else {
                    return Err(EngineError::Graph(GraphError::new(
                        ErrorKind::InvalidParameter,
                        "a post's metric breaks down by one dimension at a time",
                    )));
                };
                let product = self
                    .media_detail(account, id)
                    .await
                    .ok()
                    .and_then(|m| m.media_product_type);
                insights
                    .media_breakdown(id, product.as_ref(), metric, one)
                    .await
            }
            None if breakdowns::is_demographic(metric) => {
                insights
                    .demographics_by(&account.id, metric, by, timeframe)
                    .await
            }
            None => {
                breakdowns::check(metric, by, Scope::Account)?;
                let today = self.today();
                let [one] = by else {
                    return Err(EngineError::Graph(GraphError::new(
                        ErrorKind::InvalidParameter,
                        "account totals break down by one dimension at a time",
                    )));
                };
                insights
                    .account_totals(
                        &account.id,
                        &[metric],
                        today - Duration::days(days),
                        today,
                        Some(one),
                    )
                    .await
                    .map(|t| Breakdown {
                        metric: metric.to_owned(),
                        dimension_keys: vec![(*one).to_owned()],
                        total: t.value(metric),
                        rows: t
                            .breakdown(metric)
                            .iter()
                            .map(|(k, v)| breakdowns::BreakdownRow {
                                values: vec![k.clone()],
                                value: *v,
                            })
                            .collect(),
                    })
            }
        };
        if let Err(e) = &result {
            self.note_error(account, &EngineError::Graph(e.clone()))
                .await;
        }
        Ok(result?)
    }
}
