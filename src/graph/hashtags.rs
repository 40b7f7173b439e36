//! Hashtag Search (Facebook Login only): `GET /ig_hashtag_search?user_id=&q=` for a
//! hashtag's global id, its `top_media` / `recent_media` edges, and
//! `GET /{ig-user-id}/recently_searched_hashtags`.
//!
//! Meta counts at most 30 unique hashtags per account in a rolling 7 days (seed 002 "Hashtag
//! Search"); the engine keeps its own count so it can refuse the 31st before calling, and
//! a refusal from Meta maps to [`ErrorKind::HashtagLimit`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::page::{FromGraph, Page, decode_as};
use super::{ErrorKind, GraphClient, GraphError, Session};
use crate::ids::IgUserId;
use crate::model::LoginKind;

/// What a media edge is asked for (the documented public fields; never `username`).
const MEDIA_FIELDS: &str =
    "id,caption,media_type,media_url,permalink,timestamp,like_count,comments_count";
/// Meta's largest page on these edges.
pub const MEDIA_PAGE_MAX: usize = 50;

/// Why Hashtag Search cannot be used for an account.
pub const NEEDS_FACEBOOK_LOGIN: &str = "Hashtag Search is only available to accounts connected with Facebook Login; reconnect this account through its Facebook Page to research hashtags";

/// A hashtag and its global id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hashtag {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

impl FromGraph for Hashtag {
    fn from_graph(value: Value, path: &str) -> Result<Self, GraphError> {
        decode_as(value, path)
    }
}

/// A public photo or video found through a hashtag (no owner: Meta returns no PII).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HashtagMedia {
    pub id: String,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub media_url: Option<String>,
    #[serde(default)]
    pub permalink: Option<String>,
    #[serde(default)]
    pub timestamp: Option<String>,
    /// Left out by Meta when the owner hid like counts.
    #[serde(default)]
    pub like_count: Option<u64>,
    #[serde(default)]
    pub comments_count: Option<u64>,
}

impl FromGraph for HashtagMedia {
    fn from_graph(value: Value, path: &str) -> Result<Self, GraphError> {
        decode_as(value, path)
    }
}

/// Which of a hashtag's media edges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HashtagEdge {
    /// `top_media`: the most popular.
    Top,
    /// `recent_media`: published in the last 24 hours, newest first.
    Recent,
}

impl HashtagEdge {
    fn path(self) -> &'static str {
        match self {
            HashtagEdge::Top => "top_media",
            HashtagEdge::Recent => "recent_media",
        }
    }
}

/// `client.hashtags(&session)`.
pub struct HashtagsHandler<'a> {
    client: &'a GraphClient,
    session: &'a Session,
}

impl GraphClient {
    /// Hashtag Search (Facebook Login).
    pub fn hashtags<'a>(&'a self, session: &'a Session) -> HashtagsHandler<'a> {
        HashtagsHandler {
            client: self,
            session,
        }
    }
}

impl HashtagsHandler<'_> {
    fn facebook_only(&self) -> Result<(), GraphError> {
        if self.session.login != LoginKind::Facebook {
            return Err(GraphError::new(
                ErrorKind::InvalidParameter,
                NEEDS_FACEBOOK_LOGIN,
            ));
        }
        Ok(())
    }

    /// The id of hashtag `name` (a leading `#` is dropped), searched as `user`.
    pub async fn search(&self, user: &IgUserId, name: &str) -> Result<Hashtag, GraphError> {
        self.facebook_only()?;
        let v = self
            .client
            .get_json(
                self.session,
                "ig_hashtag_search",
                &[
                    ("user_id", user.to_string()),
                    ("q", name.trim().trim_start_matches('#').to_owned()),
                    ("fields", "id,name".to_owned()),
                ],
            )
            .await?;
        // The reference answers `{"data":[{id}]}`; the guide's sample shows a bare `{id}`.
        let first = match v.get("data") {
            Some(Value::Array(items)) => items.first().cloned().ok_or_else(|| {
                GraphError::new(
                    ErrorKind::NotFound,
                    format!("no hashtag #{name} on Instagram"),
                )
            })?,
            _ => v,
        };
        decode_as(first, "data[0]")
    }

    /// Up to `limit` media of a hashtag's `edge`, read as `user` (pages of at most 50).
    pub async fn media(
        &self,
        user: &IgUserId,
        hashtag_id: &str,
        edge: HashtagEdge,
        limit: usize,
    ) -> Result<Vec<HashtagMedia>, GraphError> {
        self.facebook_only()?;
        let v = self
            .client
            .get_json(
                self.session,
                &format!("{hashtag_id}/{}", edge.path()),
                &[
                    ("user_id", user.to_string()),
                    ("fields", MEDIA_FIELDS.to_owned()),
                    ("limit", limit.clamp(1, MEDIA_PAGE_MAX).to_string()),
                ],
            )
            .await?;
        let first: Page<HashtagMedia> = Page::from_json(v)?;
        self.client.all_pages(self.session, first, limit).await
    }

    /// The hashtags `user` queried in the last 7 days (what counts against Meta's limit).
    pub async fn recently_searched(&self, user: &IgUserId) -> Result<Vec<Hashtag>, GraphError> {
        self.facebook_only()?;
        let v = self
            .client
            .get_json(
                self.session,
                &format!("{user}/recently_searched_hashtags"),
                &[("fields", "id,name".to_owned()), ("limit", "30".to_owned())],
            )
            .await?;
        let first: Page<Hashtag> = Page::from_json(v)?;
        self.client.all_pages(self.session, first, 30).await
    }
}
