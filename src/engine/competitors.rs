//! Competitors over time: accounts a Facebook Login account tracks through Business
//! Discovery, with one snapshot per local day of each (followers, posts, posts in the last
//! 7 days, likes + comments per recent post) and of the account itself, for comparison.
//!
//! Meta keeps no history of another account's figures: the only way to chart them is to
//! read them every day and keep them. The GUI takes the day's snapshot when the Research
//! tab opens and `socialdesk run-scheduler` takes it on a server; both go through
//! [`Core::snapshot_competitors_if_due`]. One competitor failing (renamed, turned
//! personal) is reported by name and never stops the others.

use chrono::{DateTime, Duration, Local, NaiveDate, Utc};

use super::core::{Core, EngineError};
use crate::graph::discovery::{DiscoveredAccount, DiscoveredMedia, valid_username};
use crate::graph::parse_graph_time;
use crate::ids::IgUserId;
use crate::model::{Account, LoginKind};
use crate::store::{CompetitorSnapshot, TrackedCompetitor};

/// Media read per snapshot: enough to count a week of posts for all but the busiest.
pub const SNAPSHOT_MEDIA_LIMIT: usize = 30;
/// Recent posts the engagement average is taken over.
pub const ENGAGEMENT_POSTS: usize = 12;

/// Why a competitor could not be added, removed or read.
#[derive(Debug, thiserror::Error)]
pub enum CompetitorError {
    #[error("'{0}' is not an Instagram username: use letters, digits, '.' and '_' (at most 30)")]
    BadUsername(String),
    #[error("@{0} is your own account: its figures are shown beside your competitors already")]
    OwnAccount(String),
    #[error("@{0} is not tracked: see `socialdesk competitors list`")]
    NotTracked(String),
    #[error(transparent)]
    Engine(Box<EngineError>),
}

impl From<EngineError> for CompetitorError {
    fn from(e: EngineError) -> Self {
        CompetitorError::Engine(Box::new(e))
    }
}

/// One competitor that could not be snapshotted, and why.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SnapshotFailure {
    pub username: String,
    pub message: String,
}

impl std::fmt::Display for SnapshotFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "@{}: {}", self.username, self.message)
    }
}

/// What the Research tab shows: the account's own latest figures and every competitor's
/// history.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct CompetitorBoard {
    pub own: Option<CompetitorSnapshot>,
    pub tracked: Vec<TrackedCompetitor>,
}

/// `raw` as stored: without '@', lower case (Instagram usernames are case-insensitive).
pub fn normalise_username(raw: &str) -> Result<String, CompetitorError> {
    let name = raw.trim().trim_start_matches('@').to_lowercase();
    if valid_username(&name) {
        Ok(name)
    } else {
        Err(CompetitorError::BadUsername(raw.trim().to_owned()))
    }
}

/// The local date of `at`: snapshots are per day as the user lives it.
pub fn local_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Local).date_naive()
}

/// Today's figures of `found`, as of `now`.
pub fn snapshot_of(found: &DiscoveredAccount, now: DateTime<Utc>) -> CompetitorSnapshot {
    let week_ago = now - Duration::days(7);
    let posts_last_7_days = found
        .media
        .iter()
        .filter_map(|m| m.timestamp.as_deref().and_then(parse_graph_time))
        .filter(|t| *t > week_ago && *t <= now)
        .count();
    let recent: Vec<&DiscoveredMedia> = found.media.iter().take(ENGAGEMENT_POSTS).collect();
    // A hidden like count counts as none: the figure is then a floor, not a guess.
    let total: u64 = recent
        .iter()
        .map(|m| m.like_count.unwrap_or(0) + m.comments_count.unwrap_or(0))
        .sum();
    #[allow(clippy::cast_precision_loss)]
    let engagement_per_post = (!recent.is_empty()).then(|| total as f64 / recent.len() as f64);
    CompetitorSnapshot {
        username: found.username.to_lowercase(),
        day: local_day(now),
        followers_count: found.followers_count,
        media_count: found.media_count,
        posts_last_7_days: u32::try_from(posts_last_7_days).unwrap_or(u32::MAX),
        engagement_per_post,
        taken_at: now,
    }
}

fn needs_facebook_login(account: &Account) -> Result<(), EngineError> {
    if account.login == LoginKind::Facebook {
        Ok(())
    } else {
        Err(EngineError::Graph(crate::graph::GraphError::new(
            crate::graph::ErrorKind::InvalidParameter,
            crate::graph::discovery::NEEDS_FACEBOOK_LOGIN,
        )))
    }
}

impl Core {
    /// The user's local date now (the engine clock: the sandbox's in sandbox mode).
    pub fn local_today(&self) -> NaiveDate {
        local_day(self.now())
    }

    /// Looks `username` up and stores today's snapshot of it for `account`.
    async fn take_snapshot(
        &self,
        account: &Account,
        username: &str,
    ) -> Result<CompetitorSnapshot, EngineError> {
        let session = self.session(account).await?;
        let found = match self
            .client()
            .discover(&session, &account.id, username, SNAPSHOT_MEDIA_LIMIT)
            .await
        {
            Ok(found) => found,
            Err(e) => {
                let e = EngineError::Graph(e);
                self.note_error(account, &e).await;
                return Err(e);
            }
        };
        let mut snapshot = snapshot_of(&found, self.now());
        // Stored under the name it is tracked by, whatever case Meta answers with.
        username.clone_into(&mut snapshot.username);
        let (id, saved) = (account.id.clone(), snapshot.clone());
        self.with_store(move |s| s.save_competitor_snapshot(&id, &saved))
            .await?;
        Ok(snapshot)
    }

    /// Starts tracking `raw` for `account`: looks it up first (an unknown or personal
    /// account is refused with Meta's reason) and keeps that lookup as today's snapshot.
    pub async fn add_competitor(
        &self,
        account: &Account,
        raw: &str,
    ) -> Result<CompetitorSnapshot, CompetitorError> {
        needs_facebook_login(account)?;
        let username = normalise_username(raw)?;
        if username == account.username.to_lowercase() {
            return Err(CompetitorError::OwnAccount(username));
        }
        let snapshot = self.take_snapshot(account, &username).await?;
        let (id, name, now) = (account.id.clone(), username.clone(), self.now());
        self.with_store(move |s| s.add_competitor(&id, &name, now))
            .await?;
        Ok(snapshot)
    }

    /// Stops tracking `raw` for `account` and forgets its snapshots.
    pub async fn remove_competitor(
        &self,
        account: &IgUserId,
        raw: &str,
    ) -> Result<(), CompetitorError> {
        let username = normalise_username(raw)?;
        let (id, name) = (account.clone(), username.clone());
        if self
            .with_store(move |s| s.remove_competitor(&id, &name))
            .await?
        {
            Ok(())
        } else {
            Err(CompetitorError::NotTracked(username))
        }
    }

    /// The account's own latest figures and every tracked competitor with its history.
    pub async fn competitor_board(
        &self,
        account: &Account,
    ) -> Result<CompetitorBoard, EngineError> {
        let (id, own_name) = (account.id.clone(), account.username.to_lowercase());
        self.with_store(move |s| {
            Ok(CompetitorBoard {
                own: s.competitor_snapshots(&id, &own_name)?.pop(),
                tracked: s.competitors(&id)?,
            })
        })
        .await
    }

    /// The snapshots of tracked competitor `raw`, oldest day first.
    pub async fn competitor_history(
        &self,
        account: &IgUserId,
        raw: &str,
    ) -> Result<Vec<CompetitorSnapshot>, CompetitorError> {
        let username = normalise_username(raw)?;
        let id = account.clone();
        let tracked = self.with_store(move |s| s.competitors(&id)).await?;
        tracked
            .into_iter()
            .find(|t| t.username == username)
            .map(|t| t.history)
            .ok_or(CompetitorError::NotTracked(username))
    }

    /// Takes today's snapshot of the account itself and of every competitor it tracks
    /// (again: a second one the same day replaces the first). Each failure is returned by
    /// name; the others are still taken. Nothing tracked means nothing is read (not even
    /// the account itself).
    pub async fn snapshot_competitors(
        &self,
        account: &Account,
    ) -> Result<Vec<SnapshotFailure>, EngineError> {
        let names = self.snapshot_names(account, false).await?;
        Ok(self.take_snapshots(account, names).await)
    }

    /// The account's own and its competitors' usernames to snapshot: all of them, or
    /// (`missing_only`) those without a snapshot for today. Empty when nothing is tracked.
    async fn snapshot_names(
        &self,
        account: &Account,
        missing_only: bool,
    ) -> Result<Vec<String>, EngineError> {
        needs_facebook_login(account)?;
        let today = self.local_today();
        let board = self.competitor_board(account).await?;
        if board.tracked.is_empty() {
            return Ok(Vec::new());
        }
        let wanted = |latest: Option<&CompetitorSnapshot>| {
            !missing_only || latest.is_none_or(|s| s.day != today)
        };
        let mut names = Vec::new();
        if wanted(board.own.as_ref()) {
            names.push(account.username.to_lowercase());
        }
        names.extend(
            board
                .tracked
                .iter()
                .filter(|t| wanted(t.latest()))
                .map(|t| t.username.clone()),
        );
        Ok(names)
    }

    async fn take_snapshots(&self, account: &Account, names: Vec<String>) -> Vec<SnapshotFailure> {
        let mut failures = Vec::new();
        for name in names {
            if let Err(e) = self.take_snapshot(account, &name).await {
                tracing::warn!(competitor = %name, error = %e, "competitor snapshot failed");
                // A refused token fails every lookup alike: say it once, not per name.
                let token_refused = matches!(&e, EngineError::Graph(g)
                    if g.kind == crate::graph::ErrorKind::TokenInvalid);
                failures.push(SnapshotFailure {
                    username: name,
                    message: e.to_string(),
                });
                if token_refused {
                    break;
                }
            }
        }
        failures
    }

    /// True when a tracked competitor (or the account itself) has no snapshot for today.
    pub async fn competitor_snapshot_due(&self, account: &Account) -> Result<bool, EngineError> {
        Ok(!self.snapshot_names(account, true).await?.is_empty())
    }

    /// Today's snapshot of each tracked competitor (and of the account) that has none yet;
    /// `Ok(vec![])` when all are taken. Instagram Login accounts have no Business Discovery
    /// and are skipped.
    pub async fn snapshot_competitors_if_due(
        &self,
        account: &Account,
    ) -> Result<Vec<SnapshotFailure>, EngineError> {
        if account.login != LoginKind::Facebook {
            return Ok(Vec::new());
        }
        let names = self.snapshot_names(account, true).await?;
        Ok(self.take_snapshots(account, names).await)
    }

    /// Today's snapshots of every Facebook Login account that tracks competitors and has
    /// not taken them yet (for `run-scheduler`): one line per failure, never an error, so
    /// a renamed competitor cannot stop the scheduler.
    pub async fn snapshot_all_competitors(&self) -> Vec<String> {
        let accounts = match self.accounts().await {
            Ok(accounts) => accounts,
            Err(e) => return vec![format!("could not list the accounts: {e}")],
        };
        let mut lines = Vec::new();
        for account in accounts.iter().filter(|a| a.login == LoginKind::Facebook) {
            match self.snapshot_competitors_if_due(account).await {
                Ok(failures) => lines.extend(
                    failures
                        .into_iter()
                        .map(|f| format!("@{} tracking {f}", account.username)),
                ),
                Err(e) => lines.push(format!("@{}: {e}", account.username)),
            }
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(
        hours_ago: i64,
        likes: Option<u64>,
        comments: u64,
        now: DateTime<Utc>,
    ) -> DiscoveredMedia {
        DiscoveredMedia {
            id: format!("m{hours_ago}"),
            caption: None,
            media_type: Some("IMAGE".into()),
            media_product_type: Some("FEED".into()),
            media_url: None,
            thumbnail_url: None,
            permalink: None,
            timestamp: Some(
                (now - Duration::hours(hours_ago))
                    .format("%Y-%m-%dT%H:%M:%S%z")
                    .to_string(),
            ),
            like_count: likes,
            comments_count: Some(comments),
        }
    }

    #[test]
    fn a_snapshot_counts_the_week_and_averages_engagement() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        let found = DiscoveredAccount {
            id: "1".into(),
            username: "Harbour.Bakery".into(),
            name: None,
            biography: None,
            website: None,
            profile_picture_url: None,
            followers_count: Some(8_420),
            follows_count: Some(3),
            media_count: Some(90),
            media: vec![
                media(10, Some(100), 10, now),
                media(100, None, 20, now),
                media(200, Some(50), 0, now),
            ],
        };
        let s = snapshot_of(&found, now);
        assert_eq!(s.username, "harbour.bakery");
        assert_eq!(s.posts_last_7_days, 2, "200 hours ago is more than a week");
        assert_eq!(s.engagement_per_post, Some(60.0));
        assert_eq!(s.followers_count, Some(8_420));
        assert_eq!(s.day, local_day(now));
        assert!(normalise_username("@Blue.Door").is_ok_and(|n| n == "blue.door"));
        assert!(normalise_username("two words").is_err());
    }
}
