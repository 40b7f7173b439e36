//! A post as the user composed it ([`PostSpec`]), the rules it must meet before anything
//! touches the network, and turning it into a saved draft of prepared files.
//!
//! Every rule Meta enforces that can be checked locally is checked here, so a bad post fails
//! at once with a message naming the item and the fix, and costs no API call.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::ids::IgUserId;
use crate::media::prepare::{self, CropRect, PrepareError, PrepareOptions, Surface};
use crate::store::{NewDraft, NewDraftItem, PostKind, UserTag};

pub const MAX_CAPTION_CHARS: usize = 2200;
pub const MAX_HASHTAGS: usize = 30;
pub const MAX_MENTIONS: usize = 20;
pub const MAX_USER_TAGS: usize = 20;
pub const MIN_CAROUSEL_ITEMS: usize = 2;
pub const MAX_CAROUSEL_ITEMS: usize = 10;
/// Reels and stories Meta takes as video: 1 GB at most (a sanity bound for hosting).
const MAX_VIDEO_BYTES: usize = 1024 * 1024 * 1024;

/// Where an item's file comes from.
#[derive(Clone)]
pub enum MediaSource {
    /// A file on disk (picked or dropped).
    Path(PathBuf),
    /// Bytes already in memory (pasted from the clipboard, or tests).
    Bytes { name: String, bytes: Arc<Vec<u8>> },
}

impl std::fmt::Debug for MediaSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Path(p) => f.debug_tuple("Path").field(p).finish(),
            Self::Bytes { name, bytes } => f
                .debug_struct("Bytes")
                .field("name", name)
                .field("len", &bytes.len())
                .finish(),
        }
    }
}

impl MediaSource {
    /// The file name shown in messages.
    pub fn name(&self) -> String {
        match self {
            Self::Path(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string()),
            Self::Bytes { name, .. } => name.clone(),
        }
    }

    /// True for MP4 / MOV files (by extension).
    pub fn is_video(&self) -> bool {
        let name = self.name().to_ascii_lowercase();
        name.ends_with(".mp4") || name.ends_with(".mov") || name.ends_with(".m4v")
    }

    /// Reads the bytes (blocking: call from the blocking pool).
    pub fn read(&self) -> Result<Arc<Vec<u8>>, PostError> {
        match self {
            Self::Path(p) => std::fs::read(p).map(Arc::new).map_err(|e| PostError::Read {
                file: p.display().to_string(),
                reason: e.to_string(),
            }),
            Self::Bytes { bytes, .. } => Ok(bytes.clone()),
        }
    }
}

/// One picture or video of a post.
#[derive(Clone, Debug)]
pub struct ItemSpec {
    pub source: MediaSource,
    /// Fractions of the upright source image.
    pub crop: CropRect,
    pub alt_text: Option<String>,
    /// People tagged, at fractions of the *source* image: they follow the picture when the
    /// crop changes, and are mapped onto the crop when the post is prepared.
    pub tags: Vec<UserTag>,
}

impl ItemSpec {
    /// An item showing the whole file, untagged.
    pub fn new(source: MediaSource) -> Self {
        Self {
            source,
            crop: CropRect::FULL,
            alt_text: None,
            tags: Vec::new(),
        }
    }
}

/// A post to save, publish or schedule.
#[derive(Clone, Debug)]
pub struct PostSpec {
    pub account: IgUserId,
    pub kind: PostKind,
    pub caption: String,
    /// Reels only: also show the reel in the feed grid.
    pub share_to_feed: bool,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub items: Vec<ItemSpec>,
}

/// Why a post cannot be published as composed. Every message names the item and the fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PostError {
    #[error(
        "the caption has {0} characters; Instagram allows {MAX_CAPTION_CHARS}: shorten it by {over}",
        over = .0 - MAX_CAPTION_CHARS
    )]
    CaptionTooLong(usize),
    #[error("the caption has {0} hashtags; Instagram allows {MAX_HASHTAGS}: remove some")]
    TooManyHashtags(usize),
    #[error("the caption has {0} @mentions; Instagram allows {MAX_MENTIONS}: remove some")]
    TooManyMentions(usize),
    #[error("{kind} takes {expected}, but {found} were added: {fix}")]
    ItemCount {
        kind: &'static str,
        expected: &'static str,
        found: usize,
        fix: &'static str,
    },
    #[error(
        "item {item} has {count} people tagged; at most {MAX_USER_TAGS} per picture: remove some"
    )]
    TooManyTags { item: usize, count: usize },
    #[error("item {item}: a tag has no username; type one or delete the tag")]
    EmptyTagName { item: usize },
    #[error(
        "item {item}: @{username} is outside the cropped picture; move the tag or widen the crop"
    )]
    TagOutsideCrop { item: usize, username: String },
    #[error("item {item} is a video: people can only be tagged on pictures here; remove its tags")]
    TagOnVideo { item: usize },
    #[error("{kind} cannot carry alt text (pictures in the feed only); clear it")]
    AltTextNotAllowed { kind: &'static str },
    #[error("stories can only be published by business accounts; @{0} is a creator account")]
    StoryNeedsBusiness(String),
    #[error("item {item} ({file}): {source}")]
    Prepare {
        item: usize,
        file: String,
        source: PrepareError,
    },
    #[error(
        "item {item} ({file}) is not an MP4/MOV video (no `ftyp` header); export it as MP4 (H.264, AAC)"
    )]
    NotAVideo { item: usize, file: String },
    #[error(
        "item {item} ({file}) is a video; {kind} takes pictures only: remove it or choose Reel"
    )]
    VideoNotAllowed {
        item: usize,
        file: String,
        kind: &'static str,
    },
    #[error("item {item} ({file}) is {bytes} bytes; videos over 1 GB are refused: trim it")]
    VideoTooLarge {
        item: usize,
        file: String,
        bytes: usize,
    },
    #[error("could not read {file}: {reason}; check the file still exists and is readable")]
    Read { file: String, reason: String },
}

/// The counts the caption box shows live.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaptionCounts {
    pub chars: usize,
    pub hashtags: usize,
    pub mentions: usize,
}

impl CaptionCounts {
    pub fn of(caption: &str) -> Self {
        let words = || caption.split(char::is_whitespace);
        Self {
            chars: caption.chars().count(),
            hashtags: words()
                .filter(|w| w.starts_with('#') && w.len() > 1)
                .count(),
            mentions: words()
                .filter(|w| w.starts_with('@') && w.len() > 1)
                .count(),
        }
    }

    /// The first limit the caption breaks.
    pub fn check(self) -> Result<(), PostError> {
        if self.chars > MAX_CAPTION_CHARS {
            return Err(PostError::CaptionTooLong(self.chars));
        }
        if self.hashtags > MAX_HASHTAGS {
            return Err(PostError::TooManyHashtags(self.hashtags));
        }
        if self.mentions > MAX_MENTIONS {
            return Err(PostError::TooManyMentions(self.mentions));
        }
        Ok(())
    }
}

/// A name for the kind in messages.
pub fn kind_name(kind: PostKind) -> &'static str {
    match kind {
        PostKind::Image => "a single-image post",
        PostKind::Carousel => "a carousel",
        PostKind::Reel => "a reel",
        PostKind::Story => "a story",
    }
}

impl PostSpec {
    /// Checks every rule that needs no file contents and no network: item count, caption,
    /// tags, alt text.
    pub fn validate(&self) -> Result<(), PostError> {
        let n = self.items.len();
        let count = |expected, fix| PostError::ItemCount {
            kind: kind_name(self.kind),
            expected,
            found: n,
            fix,
        };
        match self.kind {
            PostKind::Image | PostKind::Story | PostKind::Reel if n != 1 => {
                return Err(count(
                    "exactly one file",
                    "keep one, or choose Carousel for several pictures",
                ));
            }
            PostKind::Carousel if !(MIN_CAROUSEL_ITEMS..=MAX_CAROUSEL_ITEMS).contains(&n) => {
                return Err(count(
                    "2 to 10 items",
                    if n > MAX_CAROUSEL_ITEMS {
                        "remove items down to 10"
                    } else {
                        "add another item, or choose Single image"
                    },
                ));
            }
            _ => {}
        }
        CaptionCounts::of(&self.caption).check()?;
        for (i, item) in self.items.iter().enumerate() {
            let number = i + 1;
            if item.tags.len() > MAX_USER_TAGS {
                return Err(PostError::TooManyTags {
                    item: number,
                    count: item.tags.len(),
                });
            }
            if item.tags.iter().any(|t| t.username.trim().is_empty()) {
                return Err(PostError::EmptyTagName { item: number });
            }
            if item.source.is_video() && !item.tags.is_empty() {
                return Err(PostError::TagOnVideo { item: number });
            }
            if item.source.is_video() && matches!(self.kind, PostKind::Image) {
                return Err(PostError::VideoNotAllowed {
                    item: number,
                    file: item.source.name(),
                    kind: kind_name(self.kind),
                });
            }
            if item
                .alt_text
                .as_deref()
                .is_some_and(|a| !a.trim().is_empty())
                && matches!(self.kind, PostKind::Reel | PostKind::Story)
            {
                return Err(PostError::AltTextNotAllowed {
                    kind: kind_name(self.kind),
                });
            }
            for tag in &item.tags {
                if item.crop.map_point(tag.x, tag.y).is_none() {
                    return Err(PostError::TagOutsideCrop {
                        item: number,
                        username: tag.username.trim_start_matches('@').to_owned(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Validates, reads and prepares every file (decode, orient, crop, resize, JPEG), and
    /// returns the draft to save. Blocking and CPU-heavy: run it on the blocking pool.
    /// `progress(item, fraction)` reports each item's progress.
    pub fn prepare(&self, progress: &mut dyn FnMut(usize, f32)) -> Result<NewDraft, PostError> {
        self.validate()?;
        let surface = match self.kind {
            PostKind::Story | PostKind::Reel => Surface::Vertical,
            PostKind::Image | PostKind::Carousel => Surface::Feed,
        };
        let mut items = Vec::with_capacity(self.items.len());
        let mut first_ratio = None;
        for (i, item) in self.items.iter().enumerate() {
            let number = i + 1;
            let file = item.source.name();
            let bytes = item.source.read()?;
            if item.source.is_video() {
                if bytes.len() < 12 || &bytes[4..8] != b"ftyp" {
                    return Err(PostError::NotAVideo { item: number, file });
                }
                if bytes.len() > MAX_VIDEO_BYTES {
                    return Err(PostError::VideoTooLarge {
                        item: number,
                        file,
                        bytes: bytes.len(),
                    });
                }
                items.push(NewDraftItem {
                    is_video: true,
                    file_name: file,
                    content: bytes.as_ref().clone(),
                    width: None,
                    height: None,
                    alt_text: None,
                    user_tags: Vec::new(),
                });
                progress(i, 1.0);
                continue;
            }
            let options = PrepareOptions {
                crop: item.crop,
                surface,
                match_ratio: if self.kind == PostKind::Carousel {
                    first_ratio
                } else {
                    None
                },
            };
            let prepared = prepare::prepare_image_with_progress(&bytes, &options, &mut |stage| {
                progress(i, stage.fraction())
            })
            .map_err(|source| PostError::Prepare {
                item: number,
                file: file.clone(),
                source,
            })?;
            if first_ratio.is_none() {
                first_ratio = Some(prepared.ratio());
            }
            let user_tags =
                item.tags
                    .iter()
                    .map(|t| {
                        let username = t.username.trim().trim_start_matches('@').to_owned();
                        let (x, y) = item.crop.map_point(t.x, t.y).ok_or_else(|| {
                            PostError::TagOutsideCrop {
                                item: number,
                                username: username.clone(),
                            }
                        })?;
                        Ok(UserTag {
                            username,
                            x: round4(x),
                            y: round4(y),
                        })
                    })
                    .collect::<Result<Vec<_>, PostError>>()?;
            let stem = file.rsplit_once('.').map_or(file.as_str(), |(s, _)| s);
            items.push(NewDraftItem {
                is_video: false,
                file_name: format!("{stem}.jpg"),
                content: prepared.jpeg,
                width: Some(prepared.width),
                height: Some(prepared.height),
                alt_text: item.alt_text.clone().filter(|a| !a.trim().is_empty()),
                user_tags,
            });
        }
        Ok(NewDraft {
            account: self.account.clone(),
            kind: self.kind,
            caption: self.caption.clone(),
            share_to_feed: self.share_to_feed,
            scheduled_at: self.scheduled_at,
            items,
        })
    }
}

/// Four decimals: a tenth of a pixel on a 1440 px picture, and a short `user_tags` value.
fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image_item() -> ItemSpec {
        ItemSpec::new(MediaSource::Bytes {
            name: "a.jpg".into(),
            bytes: Arc::new(Vec::new()),
        })
    }

    fn spec(kind: PostKind, items: usize) -> PostSpec {
        PostSpec {
            account: IgUserId::from("1"),
            kind,
            caption: "hello".into(),
            share_to_feed: true,
            scheduled_at: None,
            items: (0..items).map(|_| image_item()).collect(),
        }
    }

    #[test]
    fn caption_counters() {
        let c = CaptionCounts::of("Hi @mira and @leo #coffee #morning ☕");
        assert_eq!(
            c,
            CaptionCounts {
                chars: 36,
                hashtags: 2,
                mentions: 2
            }
        );
        assert_eq!(
            CaptionCounts::of(&"x".repeat(2201)).check(),
            Err(PostError::CaptionTooLong(2201))
        );
        assert!(CaptionCounts::of(&"x".repeat(2200)).check().is_ok());
    }

    #[test]
    fn item_counts_per_kind() {
        assert!(spec(PostKind::Carousel, 11).validate().is_err());
        let err = spec(PostKind::Carousel, 11).validate().expect_err("11");
        assert!(err.to_string().contains("remove items down to 10"), "{err}");
        assert!(spec(PostKind::Carousel, 1).validate().is_err());
        assert!(spec(PostKind::Carousel, 10).validate().is_ok());
        assert!(spec(PostKind::Image, 2).validate().is_err());
    }

    #[test]
    fn tag_rules() {
        let mut s = spec(PostKind::Image, 1);
        s.items[0].tags = (0..21)
            .map(|i| UserTag {
                username: format!("u{i}"),
                x: 0.5,
                y: 0.5,
            })
            .collect();
        assert_eq!(
            s.validate(),
            Err(PostError::TooManyTags { item: 1, count: 21 })
        );
        s.items[0].tags.truncate(1);
        s.items[0].crop = CropRect {
            x: 0.6,
            y: 0.0,
            w: 0.4,
            h: 1.0,
        };
        assert!(matches!(
            s.validate(),
            Err(PostError::TagOutsideCrop { .. })
        ));
    }
}
