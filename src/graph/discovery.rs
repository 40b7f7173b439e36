//! Business Discovery (Facebook Login only): another Business or Creator account's public
//! profile and media, read through the caller's own IG user:
//! `GET /{ig-user-id}?fields=business_discovery.username(NAME){…,media.limit(n){…}}`.
//!
//! Meta cannot tell an unknown name from a personal or age-gated account: all three answer
//! code 110 / subcode 2207013, mapped to [`ErrorKind::AccountNotDiscoverable`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::page::decode_as;
use super::{ErrorKind, GraphClient, GraphError, Session};
use crate::ids::IgUserId;
use crate::model::LoginKind;

/// Profile fields asked for.
const PROFILE_FIELDS: &str = "id,username,name,biography,website,profile_picture_url,followers_count,follows_count,media_count";
/// Media fields asked for (public fields only).
const MEDIA_FIELDS: &str = "id,caption,media_type,media_product_type,media_url,thumbnail_url,permalink,timestamp,like_count,comments_count";

/// Why Business Discovery cannot be used for an account.
pub const NEEDS_FACEBOOK_LOGIN: &str = "Business Discovery is only available to accounts connected with Facebook Login; reconnect this account through its Facebook Page to look up other accounts";

/// One public media of a discovered account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiscoveredMedia {
    pub id: String,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub media_product_type: Option<String>,
    #[serde(default)]
    pub media_url: Option<String>,
    #[serde(default)]
    pub thumbnail_url: Option<String>,
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

impl DiscoveredMedia {
    /// The picture to show: a video's thumbnail, else its media.
    pub fn picture_url(&self) -> Option<&str> {
        self.thumbnail_url.as_deref().or(self.media_url.as_deref())
    }
}

/// Another account's public profile and its newest media.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiscoveredAccount {
    pub id: String,
    pub username: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub biography: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub profile_picture_url: Option<String>,
    #[serde(default)]
    pub followers_count: Option<u64>,
    #[serde(default)]
    pub follows_count: Option<u64>,
    #[serde(default)]
    pub media_count: Option<u64>,
    #[serde(default)]
    pub media: Vec<DiscoveredMedia>,
}

#[derive(Deserialize)]
struct Wire {
    business_discovery: WireAccount,
}

#[derive(Deserialize)]
struct WireAccount {
    #[serde(flatten)]
    profile: serde_json::Map<String, Value>,
    #[serde(default)]
    media: Option<WireMedia>,
}

#[derive(Deserialize)]
struct WireMedia {
    #[serde(default)]
    data: Vec<DiscoveredMedia>,
}

/// A username as Instagram allows it: letters, digits, `.` and `_`, at most 30.
pub fn valid_username(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 30
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
}

impl GraphClient {
    /// Business Discovery of `username` as `user`, with its newest `media_limit` media.
    pub async fn discover(
        &self,
        session: &Session,
        user: &IgUserId,
        username: &str,
        media_limit: usize,
    ) -> Result<DiscoveredAccount, GraphError> {
        if session.login != LoginKind::Facebook {
            return Err(GraphError::new(
                ErrorKind::InvalidParameter,
                NEEDS_FACEBOOK_LOGIN,
            ));
        }
        let username = username.trim().trim_start_matches('@');
        if !valid_username(username) {
            return Err(GraphError::new(
                ErrorKind::InvalidParameter,
                format!(
                    "'{username}' is not an Instagram username: use letters, digits, '.' and '_' (at most 30)"
                ),
            ));
        }
        let fields = format!(
            "business_discovery.username({username}){{{PROFILE_FIELDS},media.limit({}){{{MEDIA_FIELDS}}}}}",
            media_limit.clamp(1, 100)
        );
        let v = self
            .get_json(session, &user.to_string(), &[("fields", fields)])
            .await
            .map_err(|e| match e.kind {
                ErrorKind::AccountNotDiscoverable => GraphError {
                    message: format!(
                        "@{username} cannot be looked up: no Business or Creator account has that name (it may not exist, be a personal account, or be age-restricted)"
                    ),
                    ..e
                },
                _ => e,
            })?;
        let wire: Wire = decode_as(v, "$")?;
        let mut account: DiscoveredAccount = decode_as(
            Value::Object(wire.business_discovery.profile),
            "business_discovery",
        )?;
        account.media = wire
            .business_discovery
            .media
            .map(|m| m.data)
            .unwrap_or_default();
        Ok(account)
    }
}
