//! Research: Hashtag Search with a local copy of Meta's budget, saved hashtag sets, and
//! Business Discovery of other accounts. All of it needs a Facebook Login account.
//!
//! Meta allows 30 unique hashtags per account in a rolling 7 days, each counted from its
//! first query for 7 days; re-querying a counted hashtag is free and does not restart its
//! timer (seed 002 "Hashtag Search"). The engine keeps the same count in SQLite and refuses
//! the 31st before calling Meta, saying when the oldest slot frees up, so a user never
//! spends a request on a certain refusal.

use std::sync::Arc;

use chrono::{DateTime, Duration, Local, Utc};

use super::competitors::{CompetitorBoard, SnapshotFailure};
use super::core::{Core, EngineError};
use super::handle::EventSender;
use super::protocol::Event;
use crate::graph::discovery::DiscoveredAccount;
use crate::graph::hashtags::{Hashtag, HashtagEdge, HashtagMedia, NEEDS_FACEBOOK_LOGIN};
use crate::graph::{ErrorKind, GraphError};
use crate::ids::IgUserId;
use crate::model::{Account, LoginKind};
use crate::store::{HashtagSet, SearchedHashtag};

/// Unique hashtags Meta allows per account in [`BUDGET_WINDOW_DAYS`].
pub const BUDGET_LIMIT: usize = 30;
/// The rolling window of the budget.
pub const BUDGET_WINDOW_DAYS: i64 = 7;
/// Media shown per hashtag search.
pub const HASHTAG_MEDIA_LIMIT: usize = 30;
/// Recent media shown per discovered account.
pub const DISCOVERY_MEDIA_LIMIT: usize = 12;

fn window() -> Duration {
    Duration::days(BUDGET_WINDOW_DAYS)
}

/// An account's hashtag budget at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct HashtagBudget {
    /// Hashtags counted in the last 7 days, oldest first.
    pub counted: Vec<SearchedHashtag>,
    /// When the oldest counted hashtag stops counting (`None` when nothing is counted).
    pub next_free: Option<DateTime<Utc>>,
}

impl HashtagBudget {
    pub fn used(&self) -> usize {
        self.counted.len()
    }
    pub fn is_full(&self) -> bool {
        self.used() >= BUDGET_LIMIT
    }
    /// True when searching `name` now would not spend a slot.
    pub fn is_counted(&self, name: &str) -> bool {
        self.counted.iter().any(|s| s.name == name)
    }
    /// "12 of 30 hashtags used this week; next slot frees Tue 14:00".
    pub fn summary(&self) -> String {
        let mut s = format!("{} of {BUDGET_LIMIT} hashtags used this week", self.used());
        if let Some(at) = self.next_free {
            s.push_str("; next slot frees ");
            s.push_str(&local_day_time(at));
        }
        s
    }
}

/// A time as the user reads it: "Tue 14:00" in local time.
pub fn local_day_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%a %H:%M").to_string()
}

/// A hashtag's media as one search returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct HashtagResult {
    pub name: String,
    pub hashtag: Hashtag,
    pub edge: HashtagEdge,
    pub media: Vec<HashtagMedia>,
    pub budget: HashtagBudget,
}

/// Why a hashtag was not searched.
#[derive(Debug, thiserror::Error)]
pub enum ResearchError {
    #[error(
        "@{username} has used all {BUDGET_LIMIT} hashtag searches Instagram allows in 7 days; the next slot frees up {} ({}). Searching a hashtag already used this week is free.",
        local_day_time(*next_free),
        next_free.with_timezone(&Local).format("%Y-%m-%d %H:%M")
    )]
    BudgetSpent {
        username: String,
        next_free: DateTime<Utc>,
    },
    #[error("'{0}' is not a hashtag: use letters, digits and _ only (no spaces or emoji)")]
    BadHashtag(String),
    #[error("a hashtag set needs a name and at least one hashtag")]
    EmptySet,
    #[error(transparent)]
    Engine(Box<EngineError>),
}

impl From<EngineError> for ResearchError {
    fn from(e: EngineError) -> Self {
        ResearchError::Engine(Box::new(e))
    }
}

/// A hashtag as Meta searches it: lower case, without '#'; `None` when it cannot be one.
pub fn normalise_hashtag(raw: &str) -> Option<String> {
    let name = raw.trim().trim_start_matches('#').to_lowercase();
    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some(name)
}

/// Hashtags written by the user ("#a b, #c") as a clean list, in order, without repeats.
pub fn parse_hashtag_list(raw: &str) -> Result<Vec<String>, ResearchError> {
    let mut out: Vec<String> = Vec::new();
    for word in raw.split(|c: char| c.is_whitespace() || c == ',') {
        if word.trim().is_empty() {
            continue;
        }
        let tag = normalise_hashtag(word).ok_or_else(|| ResearchError::BadHashtag(word.into()))?;
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}

fn facebook_only(account: &Account, message: &str) -> Result<(), EngineError> {
    if account.login != LoginKind::Facebook {
        return Err(EngineError::Graph(GraphError::new(
            ErrorKind::InvalidParameter,
            message,
        )));
    }
    Ok(())
}

impl Core {
    /// The account's hashtag budget now.
    pub async fn hashtag_budget(&self, account: &IgUserId) -> Result<HashtagBudget, EngineError> {
        let id = account.clone();
        let since = self.now() - window();
        let counted = self
            .with_store(move |s| s.searched_hashtags(&id, since))
            .await?;
        let next_free = counted.first().map(|s| s.first_searched_at + window());
        Ok(HashtagBudget { counted, next_free })
    }

    /// The budget after adding what Meta lists in `recently_searched_hashtags` that this
    /// machine did not search (another device, another tool). Meta gives no times, so such
    /// a hashtag counts from now: the budget may free a slot later than Meta does, never
    /// earlier. An Instagram Login account has no such edge: its local budget is returned.
    pub async fn sync_hashtag_budget(
        &self,
        account: &Account,
    ) -> Result<HashtagBudget, EngineError> {
        if account.login == LoginKind::Facebook {
            let session = self.session(account).await?;
            let remote = match self
                .client()
                .hashtags(&session)
                .recently_searched(&account.id)
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    let e = EngineError::Graph(e);
                    self.note_error(account, &e).await;
                    return Err(e);
                }
            };
            let (id, now) = (account.id.clone(), self.now());
            self.with_store(move |s| {
                for h in remote {
                    if let Some(name) = h.name.as_deref().and_then(normalise_hashtag) {
                        s.record_hashtag_search(&id, &name, &h.id, now, window())?;
                    }
                }
                Ok(())
            })
            .await?;
        }
        self.hashtag_budget(&account.id).await
    }

    /// Searches hashtag `raw` as `account` and reads `limit` media of its `edge`; refuses
    /// a 31st unique hashtag in 7 days without calling Meta.
    pub async fn search_hashtag(
        &self,
        account: &Account,
        raw: &str,
        edge: HashtagEdge,
        limit: usize,
    ) -> Result<HashtagResult, ResearchError> {
        facebook_only(account, NEEDS_FACEBOOK_LOGIN)?;
        let name = normalise_hashtag(raw).ok_or_else(|| ResearchError::BadHashtag(raw.into()))?;
        let budget = self.hashtag_budget(&account.id).await?;
        if budget.is_full()
            && !budget.is_counted(&name)
            && let Some(next_free) = budget.next_free
        {
            return Err(ResearchError::BudgetSpent {
                username: account.username.clone(),
                next_free,
            });
        }
        let session = self.session(account).await?;
        let hashtags = self.client().hashtags(&session);
        let found = hashtags.search(&account.id, &name).await;
        let hashtag = match found {
            Ok(h) => h,
            Err(e) => {
                if e.kind == ErrorKind::HashtagLimit {
                    // Meta counted searches made elsewhere: learn them, so the budget shown
                    // and the next refusal are local.
                    let _ = self.sync_hashtag_budget(account).await;
                }
                return Err(self.graph_failure(account, e).await);
            }
        };
        let (id, tag_id, now) = (account.id.clone(), hashtag.id.clone(), self.now());
        let counted_name = name.clone();
        self.with_store(move |s| {
            s.record_hashtag_search(&id, &counted_name, &tag_id, now, window())
        })
        .await?;
        let media = match hashtags.media(&account.id, &hashtag.id, edge, limit).await {
            Ok(m) => m,
            Err(e) => return Err(self.graph_failure(account, e).await),
        };
        Ok(HashtagResult {
            name,
            hashtag,
            edge,
            media,
            budget: self.hashtag_budget(&account.id).await?,
        })
    }

    async fn graph_failure(&self, account: &Account, e: GraphError) -> ResearchError {
        let e = EngineError::Graph(e);
        self.note_error(account, &e).await;
        ResearchError::Engine(Box::new(e))
    }

    /// Looks up another Business or Creator account by username (Business Discovery).
    pub async fn discover_account(
        &self,
        account: &Account,
        username: &str,
    ) -> Result<DiscoveredAccount, EngineError> {
        facebook_only(account, crate::graph::discovery::NEEDS_FACEBOOK_LOGIN)?;
        let session = self.session(account).await?;
        match self
            .client()
            .discover(&session, &account.id, username, DISCOVERY_MEDIA_LIMIT)
            .await
        {
            Ok(d) => Ok(d),
            Err(e) => {
                let e = EngineError::Graph(e);
                self.note_error(account, &e).await;
                Err(e)
            }
        }
    }

    /// The saved hashtag sets.
    pub async fn hashtag_sets(&self) -> Result<Vec<HashtagSet>, EngineError> {
        self.with_store(super::super::store::Store::hashtag_sets)
            .await
    }

    /// Saves hashtag set `name` with the hashtags written in `tags`.
    pub async fn save_hashtag_set(
        &self,
        name: &str,
        tags: &str,
    ) -> Result<HashtagSet, ResearchError> {
        let name = name.trim().to_owned();
        let tags = parse_hashtag_list(tags)?;
        if name.is_empty() || tags.is_empty() {
            return Err(ResearchError::EmptySet);
        }
        let set = HashtagSet { name, tags };
        let (saved, now) = (set.clone(), self.now());
        self.with_store(move |s| s.save_hashtag_set(&saved, now))
            .await?;
        Ok(set)
    }

    /// Deletes hashtag set `name`.
    pub async fn delete_hashtag_set(&self, name: &str) -> Result<(), EngineError> {
        let name = name.to_owned();
        self.with_store(move |s| s.delete_hashtag_set(&name)).await
    }
}

/// What the Research tab asks the engine to do.
#[derive(Clone, Debug)]
pub enum ResearchCommand {
    /// The budget and the saved sets (when the tab opens or the account changes).
    Load { account: IgUserId },
    /// Search a hashtag and read its top or recent media.
    SearchHashtag {
        account: IgUserId,
        hashtag: String,
        edge: HashtagEdge,
    },
    /// Save (or replace) a hashtag set.
    SaveSet { name: String, tags: String },
    /// Delete a hashtag set.
    DeleteSet { name: String },
    /// The saved hashtag sets only (the Composer's "Hashtag sets" menu; no call to Meta).
    LoadSets,
    /// Business Discovery of `username`.
    Discover { account: IgUserId, username: String },
    /// Track `username` as a competitor (takes its first snapshot).
    Track { account: IgUserId, username: String },
    /// Stop tracking `username`.
    Untrack { account: IgUserId, username: String },
    /// The competitor board, after today's missing snapshots (the tab opened again: the
    /// app may have been running since yesterday).
    Competitors { account: IgUserId },
}

/// What the engine tells the Research tab.
#[derive(Clone, Debug)]
pub enum ResearchEvent {
    Budget {
        account: IgUserId,
        budget: HashtagBudget,
    },
    Sets(Vec<HashtagSet>),
    Hashtag {
        account: IgUserId,
        result: HashtagResult,
    },
    HashtagFailed {
        account: IgUserId,
        hashtag: String,
        message: String,
    },
    Discovered {
        account: IgUserId,
        found: Box<DiscoveredAccount>,
    },
    DiscoverFailed {
        account: IgUserId,
        username: String,
        message: String,
    },
    /// A set could not be saved or deleted.
    SetFailed {
        message: String,
    },
    /// The tracked competitors and the account's own figures; `failures` are the
    /// competitors today's snapshot could not be taken of.
    Competitors {
        account: IgUserId,
        board: Box<CompetitorBoard>,
        failures: Vec<SnapshotFailure>,
    },
    /// A competitor could not be tracked, untracked or listed.
    CompetitorFailed {
        account: IgUserId,
        message: String,
    },
}

/// Runs one Research command as its own task.
pub(crate) fn handle(core: Arc<Core>, events: EventSender, command: ResearchCommand) {
    tokio::spawn(async move {
        let opened = match &command {
            ResearchCommand::Load { account } => Some(account.clone()),
            _ => None,
        };
        for event in run(&core, command).await {
            events.send(Event::Research(event)).await;
        }
        // After the budget and sets, so a slow snapshot does not hold them back.
        if let Some(account) = opened {
            let event = competitors_event(&core, account, true).await;
            events.send(Event::Research(event)).await;
        }
    });
}

/// The competitor board of `account`, after today's snapshot when `snapshot` is set and it
/// is missing.
async fn competitors_event(core: &Core, account: IgUserId, snapshot: bool) -> ResearchEvent {
    let found = match core.find_account(account.as_str()).await {
        Ok(a) => a,
        Err(e) => {
            return ResearchEvent::CompetitorFailed {
                account,
                message: e.to_string(),
            };
        }
    };
    let mut failures = Vec::new();
    if snapshot {
        match core.snapshot_competitors_if_due(&found).await {
            Ok(f) => failures = f,
            Err(e) => failures.push(SnapshotFailure {
                username: found.username.clone(),
                message: e.to_string(),
            }),
        }
    }
    match core.competitor_board(&found).await {
        Ok(board) => ResearchEvent::Competitors {
            account,
            board: Box::new(board),
            failures,
        },
        Err(e) => ResearchEvent::CompetitorFailed {
            account,
            message: e.to_string(),
        },
    }
}

async fn run(core: &Core, command: ResearchCommand) -> Vec<ResearchEvent> {
    match command {
        ResearchCommand::Load { account } => {
            let mut out = Vec::new();
            // Meta's list first (searches made elsewhere count too); offline, the local one.
            let synced = match core.find_account(account.as_str()).await {
                Ok(a) => core.sync_hashtag_budget(&a).await.ok(),
                Err(_) => None,
            };
            let budget = match synced {
                Some(b) => Some(b),
                None => core.hashtag_budget(&account).await.ok(),
            };
            if let Some(budget) = budget {
                out.push(ResearchEvent::Budget { account, budget });
            }
            match core.hashtag_sets().await {
                Ok(sets) => out.push(ResearchEvent::Sets(sets)),
                Err(e) => out.push(ResearchEvent::SetFailed {
                    message: e.to_string(),
                }),
            }
            out
        }
        ResearchCommand::SearchHashtag {
            account,
            hashtag,
            edge,
        } => {
            let result = match core.find_account(account.as_str()).await {
                Ok(a) => {
                    core.search_hashtag(&a, &hashtag, edge, HASHTAG_MEDIA_LIMIT)
                        .await
                }
                Err(e) => Err(e.into()),
            };
            let mut out = vec![match result {
                Ok(result) => ResearchEvent::Hashtag {
                    account: account.clone(),
                    result,
                },
                Err(e) => ResearchEvent::HashtagFailed {
                    account: account.clone(),
                    hashtag,
                    message: e.to_string(),
                },
            }];
            if let Ok(budget) = core.hashtag_budget(&account).await {
                out.push(ResearchEvent::Budget { account, budget });
            }
            out
        }
        ResearchCommand::SaveSet { name, tags } => {
            let mut out = Vec::new();
            if let Err(e) = core.save_hashtag_set(&name, &tags).await {
                out.push(ResearchEvent::SetFailed {
                    message: e.to_string(),
                });
            }
            if let Ok(sets) = core.hashtag_sets().await {
                out.push(ResearchEvent::Sets(sets));
            }
            out
        }
        ResearchCommand::LoadSets => match core.hashtag_sets().await {
            Ok(sets) => vec![ResearchEvent::Sets(sets)],
            Err(e) => vec![ResearchEvent::SetFailed {
                message: e.to_string(),
            }],
        },
        ResearchCommand::DeleteSet { name } => {
            let mut out = Vec::new();
            if let Err(e) = core.delete_hashtag_set(&name).await {
                out.push(ResearchEvent::SetFailed {
                    message: e.to_string(),
                });
            }
            if let Ok(sets) = core.hashtag_sets().await {
                out.push(ResearchEvent::Sets(sets));
            }
            out
        }
        ResearchCommand::Track { account, username } => {
            let added = match core.find_account(account.as_str()).await {
                Ok(a) => core.add_competitor(&a, &username).await.map(|_| ()),
                Err(e) => Err(e.into()),
            };
            competitors_tail(core, account, added.err().map(|e| e.to_string())).await
        }
        ResearchCommand::Competitors { account } => {
            vec![competitors_event(core, account, true).await]
        }
        ResearchCommand::Untrack { account, username } => {
            let removed = core.remove_competitor(&account, &username).await;
            competitors_tail(core, account, removed.err().map(|e| e.to_string())).await
        }
        ResearchCommand::Discover { account, username } => {
            let result = match core.find_account(account.as_str()).await {
                Ok(a) => core.discover_account(&a, &username).await,
                Err(e) => Err(e),
            };
            vec![match result {
                Ok(found) => ResearchEvent::Discovered {
                    account,
                    found: Box::new(found),
                },
                Err(e) => ResearchEvent::DiscoverFailed {
                    account,
                    username,
                    message: e.to_string(),
                },
            }]
        }
    }
}

/// After Track or Untrack: the failure if any, then the board as it now is.
async fn competitors_tail(
    core: &Core,
    account: IgUserId,
    failure: Option<String>,
) -> Vec<ResearchEvent> {
    let mut out = Vec::new();
    if let Some(message) = failure {
        out.push(ResearchEvent::CompetitorFailed {
            account: account.clone(),
            message,
        });
    }
    out.push(competitors_event(core, account, false).await);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashtag_lists_are_cleaned_in_order() {
        assert_eq!(
            parse_hashtag_list("#Coffee latte, #coffee  #LatteArt").ok(),
            Some(vec!["coffee".into(), "latte".into(), "latteart".into()])
        );
        assert!(parse_hashtag_list("#ok not-ok").is_err());
        assert_eq!(normalise_hashtag("  #Café "), Some("café".into()));
    }
}
