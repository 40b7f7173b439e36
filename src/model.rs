//! The domain model shared by the client, the store, the engine and the UI.
//!
//! These types describe what socialdesk knows about an account, independent of which API
//! (Instagram Login or Facebook Login) it came through. The sandbox never uses them: it
//! speaks raw JSON, so a misunderstanding here cannot hide in both ends of a test.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{IgUserId, MediaId, PageId};

/// Which login (and so which Graph host) an account was connected through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LoginKind {
    /// Business Login for Instagram: `graph.instagram.com`.
    Instagram,
    /// Facebook Login for Business: `graph.facebook.com`, through a Page.
    Facebook,
}

impl LoginKind {
    /// Stable text for storage and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Instagram => "instagram",
            Self::Facebook => "facebook",
        }
    }

    /// What people call it: "Instagram Login", "Facebook Login".
    pub fn label(self) -> &'static str {
        match self {
            Self::Instagram => "Instagram Login",
            Self::Facebook => "Facebook Login",
        }
    }

    /// Parses [`Self::as_str`]'s text.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "instagram" => Some(Self::Instagram),
            "facebook" => Some(Self::Facebook),
            _ => None,
        }
    }
}

/// Whether socialdesk can act for an account right now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountStatus {
    Connected,
    /// Meta refused the token (code 190): the user must log in again. Never retried.
    ReconnectNeeded {
        reason: String,
    },
}

/// An Instagram professional account the user has connected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: IgUserId,
    pub username: String,
    pub name: Option<String>,
    /// `Business` or `Media_Creator` as Instagram reports it.
    pub account_type: Option<String>,
    pub profile_picture_url: Option<String>,
    pub followers_count: Option<u64>,
    pub media_count: Option<u64>,
    pub login: LoginKind,
    /// The Facebook Page the account is linked to (Facebook Login only).
    pub page_id: Option<PageId>,
    pub status: AccountStatus,
    /// True for accounts that live in the sandbox emulator, not on Meta's servers.
    pub sandbox: bool,
    /// When the current token was issued (refresh is allowed 24 h after this).
    pub token_issued_at: Option<DateTime<Utc>>,
    pub token_expires_at: Option<DateTime<Utc>>,
}

impl Account {
    /// "Business" or "Creator" for Instagram's `Business`, `Media_Creator` and their
    /// spellings; an unknown value as Instagram sent it, "Professional" when none was.
    pub fn type_label(&self) -> &str {
        match self.account_type.as_deref() {
            Some("MEDIA_CREATOR" | "Media_Creator" | "CREATOR") => "Creator",
            Some("BUSINESS" | "Business") => "Business",
            Some(other) => other,
            None => "Professional",
        }
    }
}

/// `media_type` as the Graph API reports it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MediaType {
    Image,
    Video,
    CarouselAlbum,
    #[serde(other)]
    Other,
}

/// `media_product_type`: the surface a media was published to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProductType {
    Feed,
    Story,
    Reels,
    Ad,
    #[serde(other)]
    Other,
}

/// One item inside a carousel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MediaChild {
    pub id: MediaId,
    pub media_type: MediaType,
    pub media_url: Option<String>,
    pub thumbnail_url: Option<String>,
}

impl MediaChild {
    /// The image to show for this child: the cover frame for videos.
    pub fn preview_url(&self) -> Option<&str> {
        match self.media_type {
            MediaType::Video => self.thumbnail_url.as_deref().or(self.media_url.as_deref()),
            _ => self.media_url.as_deref(),
        }
    }
}

/// A published media of an account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Media {
    pub id: MediaId,
    pub caption: Option<String>,
    pub media_type: MediaType,
    pub media_product_type: Option<ProductType>,
    pub media_url: Option<String>,
    pub thumbnail_url: Option<String>,
    pub permalink: Option<String>,
    pub shortcode: Option<String>,
    pub timestamp: DateTime<Utc>,
    pub username: Option<String>,
    /// Left out by Instagram when the owner hides like counts and the media is read indirectly.
    pub like_count: Option<u64>,
    pub comments_count: Option<u64>,
    pub alt_text: Option<String>,
    pub children: Vec<MediaChild>,
}

impl Media {
    /// The image to show in a grid: the cover frame for videos, the first child for carousels.
    pub fn preview_url(&self) -> Option<&str> {
        match self.media_type {
            MediaType::Video => self.thumbnail_url.as_deref().or(self.media_url.as_deref()),
            MediaType::CarouselAlbum => self
                .media_url
                .as_deref()
                .or_else(|| self.children.first().and_then(MediaChild::preview_url)),
            _ => self.media_url.as_deref(),
        }
    }

    /// A short label for the kind of post, as a manager would name it.
    pub fn kind_label(&self) -> &'static str {
        match (&self.media_product_type, &self.media_type) {
            (Some(ProductType::Story), _) => "Story",
            (Some(ProductType::Reels), _) => "Reel",
            (_, MediaType::CarouselAlbum) => "Carousel",
            (_, MediaType::Video) => "Video",
            _ => "Photo",
        }
    }
}

/// Meta's copyright check of a video (`copyright_check_status` on a container before
/// publishing, `copyright_check_information` on published media).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopyrightCheck {
    /// `completed`, `error`, `in_progress` or `not_started` (Meta's samples also write
    /// `complete`; see [`CopyrightCheck::is_done`]).
    pub status: String,
    pub matches_found: bool,
    pub matches: Vec<CopyrightMatch>,
}

/// One recording a video matched, and what its owner's policy does where.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopyrightMatch {
    pub content_title: Option<String>,
    pub author: Option<String>,
    /// The owner's policy name.
    pub owner: Option<String>,
    /// (`BLOCK` / `MUTE`, the countries it applies in).
    pub actions: Vec<(String, Vec<String>)>,
}

impl CopyrightCheck {
    /// The status socialdesk gives a check it could not read (not one of Meta's).
    pub const UNAVAILABLE: &str = "unavailable";

    /// A check that could not be read (the network failed, or the login has no access).
    pub fn unavailable() -> Self {
        Self {
            status: Self::UNAVAILABLE.to_owned(),
            ..Self::default()
        }
    }

    /// Whether the check has finished (`completed`, or `complete` as Meta's samples write it).
    pub fn is_done(&self) -> bool {
        matches!(self.status.as_str(), "completed" | "complete")
    }

    /// "“Title” by Author (Owner): blocked in A, B; muted in C", one match after another.
    pub fn summary(&self) -> String {
        if self.matches.is_empty() {
            return "a copyrighted recording".to_owned();
        }
        let parts: Vec<String> = self.matches.iter().map(CopyrightMatch::summary).collect();
        parts.join("; and ")
    }
}

impl CopyrightMatch {
    fn summary(&self) -> String {
        let mut out = match (&self.content_title, &self.author) {
            (Some(title), Some(author)) => format!("“{title}” by {author}"),
            (Some(title), None) => format!("“{title}”"),
            (None, Some(author)) => format!("a recording by {author}"),
            (None, None) => "a copyrighted recording".to_owned(),
        };
        if let Some(owner) = &self.owner {
            out.push_str(" (");
            out.push_str(owner);
            out.push(')');
        }
        let effects: Vec<String> = self
            .actions
            .iter()
            .map(|(action, geos)| {
                let verb = match action.as_str() {
                    "BLOCK" => "blocked",
                    "MUTE" => "muted",
                    other => other,
                };
                if geos.is_empty() {
                    verb.to_owned()
                } else {
                    format!("{verb} in {}", geos.join(", "))
                }
            })
            .collect();
        if !effects.is_empty() {
            out.push_str(": ");
            out.push_str(&effects.join("; "));
        }
        out
    }
}

/// A Facebook Page the user can act on (Facebook Login).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FacebookPage {
    pub id: PageId,
    pub name: String,
    pub tasks: Vec<String>,
    /// The linked Instagram professional account, if any.
    pub instagram_business_account: Option<IgUserId>,
}

/// How close the app is to Meta's rate limits, from the usage headers (0–100 %).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RateUsage {
    /// Highest figure across `X-App-Usage` and `X-Business-Use-Case-Usage`.
    pub max_percent: u8,
    /// Minutes until access returns when throttled (`estimated_time_to_regain_access`).
    pub regain_access_minutes: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copyright_match_reads_as_what_happens_where() {
        let check = CopyrightCheck {
            status: "completed".into(),
            matches_found: true,
            matches: vec![CopyrightMatch {
                content_title: Some("Midnight Espresso".into()),
                author: Some("The Night Baristas".into()),
                owner: Some("Northwind Records".into()),
                actions: vec![
                    ("BLOCK".into(), vec!["Canada".into(), "Germany".into()]),
                    ("MUTE".into(), vec!["Japan".into()]),
                ],
            }],
        };
        assert_eq!(
            check.summary(),
            "“Midnight Espresso” by The Night Baristas (Northwind Records): blocked in Canada, Germany; muted in Japan"
        );
        assert!(check.is_done());
        assert_eq!(
            CopyrightCheck::default().summary(),
            "a copyrighted recording"
        );
    }
}
