//! A post as the user composed it ([`PostSpec`]), the rules it must meet before anything
//! touches the network, and turning it into a saved draft of prepared files.
//!
//! Every rule Meta enforces that can be checked locally is checked here, so a bad post fails
//! at once with a message naming the item and the fix, and costs no API call.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::ids::IgUserId;
use crate::media::frame::CropFrame;
use crate::media::prepare::{self, CropRect, PrepareError, PrepareOptions, Surface};
use crate::media::video::{self, VideoError, VideoUse};
use crate::store::{
    DraftCover, DraftPlace, ItemExtras, MAX_COLLABORATORS, NewDraft, NewDraftItem, PostKind,
    ProductTag, SourceRef, UserTag,
};

use super::pictures::{self, PictureJob};

pub const MAX_CAPTION_CHARS: usize = 2200;
pub const MAX_HASHTAGS: usize = 30;
pub const MAX_MENTIONS: usize = 20;
pub const MAX_USER_TAGS: usize = 20;
pub const MIN_CAROUSEL_ITEMS: usize = 2;
pub const MAX_CAROUSEL_ITEMS: usize = 10;
/// Product tags on a single image or video feed post (facebook-login.md §8.5).
pub const MAX_PRODUCT_TAGS_FEED: usize = 20;
/// Product tags on one carousel slide, and on a whole carousel.
pub const MAX_PRODUCT_TAGS_SLIDE: usize = 5;
pub const MAX_PRODUCT_TAGS_CAROUSEL: usize = 20;
/// Product tags on a reel (no coordinates).
pub const MAX_PRODUCT_TAGS_REEL: usize = 30;

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
            Self::Path(p) => p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
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
    /// Products tagged (Facebook Login), at fractions of the source image like `tags`;
    /// no coordinates on videos.
    pub product_tags: Vec<ProductTag>,
    /// Videos: the cover frame in ms from the start (`thumb_offset`).
    pub thumb_offset_ms: Option<u64>,
    /// Reels: a public cover image URL (`cover_url`).
    pub cover_url: Option<String>,
    /// Reels: a cover picture from disk; prepared as a 9:16 JPEG, hosted like the video and
    /// sent as `cover_url`.
    pub cover_image: Option<MediaSource>,
    /// How the user framed the picture (shape, zoom, centre), kept with the draft so
    /// reopening it restores the frame on the original; `crop` is what it cuts.
    pub frame: Option<CropFrame>,
}

impl ItemSpec {
    /// An item showing the whole file, untagged.
    pub fn new(source: MediaSource) -> Self {
        Self {
            source,
            crop: CropRect::FULL,
            alt_text: None,
            tags: Vec::new(),
            product_tags: Vec::new(),
            thumb_offset_ms: None,
            cover_url: None,
            cover_image: None,
            frame: None,
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
    /// Location tag and collaborators (Facebook Login; checked in [`PostSpec::validate`]
    /// and, for the login, when saving).
    pub place: DraftPlace,
    /// The saved draft this post is an edit of: saving replaces it instead of adding one.
    pub draft: Option<i64>,
    /// Go ahead even if the same pictures and caption went out (or are scheduled) on this
    /// account in the last 24 hours.
    pub allow_duplicate: bool,
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
    #[error("item {item} ({file}): {source}")]
    Video {
        item: usize,
        file: String,
        source: VideoError,
    },
    #[error("item {item}: a cover (thumb_offset / cover_url) applies to videos only; clear it")]
    CoverOnImage { item: usize },
    #[error(
        "item {item}: the cover is set at {offset_ms} ms but the video lasts {duration_ms} ms; pick an earlier frame"
    )]
    CoverAfterEnd {
        item: usize,
        offset_ms: u64,
        duration_ms: u64,
    },
    #[error(
        "item {item}: the cover URL `{url}` is not an http(s) address Meta can fetch; paste the public link of the image"
    )]
    BadCoverUrl { item: usize, url: String },
    #[error(
        "item {item}: a cover picture or cover URL is for reels only (Instagram takes cover_url on reels); pick a frame instead"
    )]
    CoverNotOnReel { item: usize },
    #[error(
        "item {item} has both a cover picture and a cover URL; keep one (the picture is uploaded for you)"
    )]
    TwoCovers { item: usize },
    #[error("item {item}: the cover {file} is a video; choose a picture (JPEG, PNG or WebP)")]
    CoverIsVideo { item: usize, file: String },
    #[error("item {item}: the cover {file}: {source}")]
    Cover {
        item: usize,
        file: String,
        source: PrepareError,
    },
    #[error(
        "{kind} cannot carry product tags (Instagram allows them on feed posts, carousels and reels only); remove them"
    )]
    ProductTagsNotAllowed { kind: &'static str },
    #[error("{where_} has {count} product tags; at most {max}: remove some")]
    TooManyProductTags {
        where_: String,
        count: usize,
        max: usize,
    },
    #[error(
        "@{0} is connected with Instagram Login, which has no product tagging; reconnect it with Facebook Login (through its Page) to tag products, or remove the product tags"
    )]
    ProductTagsNeedFacebookLogin(String),
    #[error("item {item}: product {product_id} is tagged twice; each product once per post")]
    DuplicateProductTag { item: usize, product_id: String },
    #[error(
        "item {item}: product {product_id} needs a place on the picture (click the image to place it)"
    )]
    ProductTagNeedsPlace { item: usize, product_id: String },
    #[error(
        "item {item}: product {product_id} is outside the cropped picture; move it or widen the crop"
    )]
    ProductTagOutsideCrop { item: usize, product_id: String },
    #[error("could not read {file}: {reason}; check the file still exists and is readable")]
    Read { file: String, reason: String },
    #[error(
        "{count} collaborators are invited; Instagram allows at most {MAX_COLLABORATORS} per post: remove some"
    )]
    TooManyCollaborators { count: usize },
    #[error("a collaborator has no username; type one or remove it")]
    EmptyCollaborator,
    #[error("@{0} is invited twice as a collaborator; invite each account once")]
    DuplicateCollaborator(String),
    #[error(
        "stories cannot have collaborators (Instagram does not allow it); remove them or choose another kind"
    )]
    CollaboratorsOnStory,
    #[error(
        "stories cannot carry a location tag here (Instagram takes location_id on posts, carousel items and reels); clear the location"
    )]
    LocationOnStory,
    #[error(
        "@{0} is connected with Instagram Login, which has no location tags (Pages Search needs Facebook Login); reconnect it with Facebook Login (through its Page), or clear the location"
    )]
    LocationNeedsFacebookLogin(String),
    #[error(
        "@{0} is connected with Instagram Login, which cannot invite collaborators; reconnect it with Facebook Login (through its Page), or remove the collaborators"
    )]
    CollaboratorsNeedFacebookLogin(String),
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
            let has_cover = item.cover_url.is_some() || item.cover_image.is_some();
            if !item.source.is_video() && (item.thumb_offset_ms.is_some() || has_cover) {
                return Err(PostError::CoverOnImage { item: number });
            }
            if has_cover && self.kind != PostKind::Reel {
                return Err(PostError::CoverNotOnReel { item: number });
            }
            if item.cover_url.is_some() && item.cover_image.is_some() {
                return Err(PostError::TwoCovers { item: number });
            }
            if let Some(cover) = item.cover_image.as_ref().filter(|c| c.is_video()) {
                return Err(PostError::CoverIsVideo {
                    item: number,
                    file: cover.name(),
                });
            }
            if let Some(url) = &item.cover_url
                && !(url.starts_with("https://") || url.starts_with("http://"))
            {
                return Err(PostError::BadCoverUrl {
                    item: number,
                    url: url.clone(),
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
        self.validate_product_tags()?;
        self.validate_place()
    }

    /// Collaborators (at most 3, named, each once, not on stories) and the location (not on
    /// stories).
    fn validate_place(&self) -> Result<(), PostError> {
        let names = &self.place.collaborators;
        if !names.is_empty() && self.kind == PostKind::Story {
            return Err(PostError::CollaboratorsOnStory);
        }
        if names.len() > MAX_COLLABORATORS {
            return Err(PostError::TooManyCollaborators { count: names.len() });
        }
        let mut seen = std::collections::HashSet::new();
        for name in names {
            let name = name.trim().trim_start_matches('@');
            if name.is_empty() {
                return Err(PostError::EmptyCollaborator);
            }
            if !seen.insert(name.to_ascii_lowercase()) {
                return Err(PostError::DuplicateCollaborator(name.to_owned()));
            }
        }
        if self.place.location.is_some() && self.kind == PostKind::Story {
            return Err(PostError::LocationOnStory);
        }
        Ok(())
    }

    /// The product tag limits per kind (facebook-login.md §8.5–8.7): 20 on a feed post, 5 per
    /// carousel slide and 20 per carousel, 30 on a reel (no coordinates), none on stories.
    fn validate_product_tags(&self) -> Result<(), PostError> {
        let total: usize = self.items.iter().map(|i| i.product_tags.len()).sum();
        if total == 0 {
            return Ok(());
        }
        let (per_item, per_post) = match self.kind {
            PostKind::Story => {
                return Err(PostError::ProductTagsNotAllowed {
                    kind: kind_name(self.kind),
                });
            }
            PostKind::Image => (MAX_PRODUCT_TAGS_FEED, MAX_PRODUCT_TAGS_FEED),
            PostKind::Carousel => (MAX_PRODUCT_TAGS_SLIDE, MAX_PRODUCT_TAGS_CAROUSEL),
            PostKind::Reel => (MAX_PRODUCT_TAGS_REEL, MAX_PRODUCT_TAGS_REEL),
        };
        let mut seen = std::collections::HashSet::new();
        for (i, item) in self.items.iter().enumerate() {
            let number = i + 1;
            if item.product_tags.len() > per_item {
                return Err(PostError::TooManyProductTags {
                    where_: format!("item {number}"),
                    count: item.product_tags.len(),
                    max: per_item,
                });
            }
            for tag in &item.product_tags {
                if !seen.insert(tag.product_id.clone()) {
                    return Err(PostError::DuplicateProductTag {
                        item: number,
                        product_id: tag.product_id.clone(),
                    });
                }
                if item.source.is_video() {
                    continue;
                }
                let (Some(x), Some(y)) = (tag.x, tag.y) else {
                    return Err(PostError::ProductTagNeedsPlace {
                        item: number,
                        product_id: tag.product_id.clone(),
                    });
                };
                if item.crop.map_point(x, y).is_none() {
                    return Err(PostError::ProductTagOutsideCrop {
                        item: number,
                        product_id: tag.product_id.clone(),
                    });
                }
            }
        }
        if total > per_post {
            return Err(PostError::TooManyProductTags {
                where_: "the post".into(),
                count: total,
                max: per_post,
            });
        }
        Ok(())
    }

    /// The post's pictures to prepare, each with its crop and rule. A carousel's items must
    /// share the first picture's published ratio, read from its header (no decode) so that
    /// every picture can be prepared at once.
    fn picture_jobs(&self, surface: Surface) -> Vec<PictureJob<'_>> {
        let carousel = self.kind == PostKind::Carousel;
        let mut first_ratio = None;
        let mut jobs = Vec::with_capacity(self.items.len());
        for (index, item) in self.items.iter().enumerate() {
            if item.source.is_video() {
                continue;
            }
            let options = PrepareOptions {
                crop: item.crop,
                surface,
                match_ratio: first_ratio,
            };
            if carousel && first_ratio.is_none() {
                // When this fails, so does preparing this picture, and that is reported first.
                first_ratio = item
                    .source
                    .read()
                    .ok()
                    .and_then(|bytes| prepare::planned_size(&bytes, &options).ok())
                    .map(|(w, h)| f64::from(w) / f64::from(h.max(1)));
            }
            jobs.push(PictureJob {
                index,
                source: &item.source,
                options,
            });
        }
        jobs
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
        let jobs = self.picture_jobs(surface);
        let mut pictures = pictures::prepare_pictures(&jobs, self.items.len(), progress);
        let mut items = Vec::with_capacity(self.items.len());
        let mut first_ratio = None;
        for (i, item) in self.items.iter().enumerate() {
            let number = i + 1;
            let file = item.source.name();
            if item.source.is_video() {
                let bytes = item.source.read()?;
                if bytes.len() < 12 || &bytes[4..8] != b"ftyp" {
                    return Err(PostError::NotAVideo { item: number, file });
                }
                let video_err = |source| PostError::Video {
                    item: number,
                    file: file.clone(),
                    source,
                };
                let info = video::probe(&bytes).map_err(video_err)?;
                let used = match self.kind {
                    PostKind::Story => VideoUse::Story,
                    PostKind::Carousel => VideoUse::CarouselItem,
                    PostKind::Reel | PostKind::Image => VideoUse::Reel,
                };
                if let Some(advice) = video::check(&info, used).map_err(video_err)? {
                    tracing::info!(item = number, "{advice}");
                }
                let duration_ms = u64::try_from(info.duration.as_millis()).unwrap_or(u64::MAX);
                if let Some(offset_ms) = item.thumb_offset_ms.filter(|o| *o > duration_ms) {
                    return Err(PostError::CoverAfterEnd {
                        item: number,
                        offset_ms,
                        duration_ms,
                    });
                }
                items.push(NewDraftItem {
                    is_video: true,
                    file_name: file,
                    content: bytes.as_ref().clone(),
                    width: Some(info.width),
                    height: Some(info.height),
                    alt_text: None,
                    user_tags: Vec::new(),
                    extras: ItemExtras {
                        product_tags: item
                            .product_tags
                            .iter()
                            .map(|t| ProductTag {
                                product_id: t.product_id.clone(),
                                x: None,
                                y: None,
                            })
                            .collect(),
                        thumb_offset_ms: item.thumb_offset_ms,
                        cover_url: item.cover_url.clone(),
                        source: source_ref(item),
                    },
                    cover: item
                        .cover_image
                        .as_ref()
                        .map(|c| prepare_cover(c, number))
                        .transpose()?,
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
            let prepared = if let Some(prepared) = pictures.get_mut(i).and_then(Option::take) {
                prepared?
            } else {
                // Every picture has a job; should one be missing, it is prepared here.
                let job = PictureJob {
                    index: i,
                    source: &item.source,
                    options,
                };
                pictures::prepare_picture(&job, &mut |fraction| progress(i, fraction))?
            };
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
            let product_tags = item
                .product_tags
                .iter()
                .map(|t| {
                    let place = t.x.zip(t.y).and_then(|(x, y)| item.crop.map_point(x, y));
                    let (x, y) = place.ok_or_else(|| PostError::ProductTagOutsideCrop {
                        item: number,
                        product_id: t.product_id.clone(),
                    })?;
                    Ok(ProductTag {
                        product_id: t.product_id.clone(),
                        x: Some(round4(x)),
                        y: Some(round4(y)),
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
                extras: ItemExtras {
                    product_tags,
                    source: source_ref(item),
                    ..ItemExtras::default()
                },
                cover: None,
            });
        }
        let fingerprint = fingerprint(self.kind, &self.caption, &items);
        Ok(NewDraft {
            account: self.account.clone(),
            kind: self.kind,
            caption: self.caption.clone(),
            share_to_feed: self.share_to_feed,
            scheduled_at: self.scheduled_at,
            items,
            fingerprint: Some(fingerprint),
        })
    }
}

/// Reads and prepares a reel's cover picture (blocking).
fn prepare_cover(source: &MediaSource, item: usize) -> Result<DraftCover, PostError> {
    let file = source.name();
    let bytes = source.read()?;
    let prepared = prepare::prepare_cover(&bytes).map_err(|source| PostError::Cover {
        item,
        file: file.clone(),
        source,
    })?;
    let stem = file.rsplit_once('.').map_or(file.as_str(), |(s, _)| s);
    Ok(DraftCover {
        file_name: format!("{stem}-cover.jpg"),
        content: prepared.jpeg,
    })
}

/// Where an item's original is on disk and how it was framed (pasted pictures have no
/// file: they reopen as prepared).
fn source_ref(item: &ItemSpec) -> Option<SourceRef> {
    let MediaSource::Path(path) = &item.source else {
        return None;
    };
    let frame = item.frame.unwrap_or_default();
    Some(SourceRef {
        path: path.to_string_lossy().into_owned(),
        ratio: frame.ratio,
        zoom: frame.zoom,
        cx: frame.cx,
        cy: frame.cy,
    })
}

/// The same post has the same fingerprint: SHA-256 over its kind, caption and the exact
/// files that would be published.
fn fingerprint(kind: PostKind, caption: &str, items: &[NewDraftItem]) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(kind.as_str().as_bytes());
    hash.update([0]);
    hash.update(caption.trim().as_bytes());
    for item in items {
        hash.update([0]);
        hash.update(Sha256::digest(&item.content));
    }
    hex::encode(hash.finalize())
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
            place: DraftPlace::default(),
            draft: None,
            allow_duplicate: false,
        }
    }

    #[test]
    fn collaborator_and_location_rules() {
        let mut s = spec(PostKind::Image, 1);
        s.place.collaborators = vec!["a".into(), "b".into(), "c".into()];
        assert!(s.validate().is_ok());
        s.place.collaborators.push("d".into());
        assert_eq!(
            s.validate(),
            Err(PostError::TooManyCollaborators { count: 4 })
        );
        s.place.collaborators = vec!["mira".into(), "@Mira".into()];
        assert_eq!(
            s.validate(),
            Err(PostError::DuplicateCollaborator("Mira".into()))
        );
        s.place.collaborators = vec![" ".into()];
        assert_eq!(s.validate(), Err(PostError::EmptyCollaborator));
        let mut story = spec(PostKind::Story, 1);
        story.place.collaborators = vec!["mira".into()];
        assert_eq!(story.validate(), Err(PostError::CollaboratorsOnStory));
        story.place.collaborators.clear();
        story.place.location = Some(crate::store::DraftLocation {
            id: "1".into(),
            name: "Cafe".into(),
        });
        assert_eq!(story.validate(), Err(PostError::LocationOnStory));
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

    /// A JPEG of 600x400 noisy pixels, cut to its first `keep_bytes`.
    fn cut_jpeg(keep_bytes: usize) -> Vec<u8> {
        let picture = image::RgbImage::from_fn(600, 400, |x, y| {
            image::Rgb([
                (x * 7 % 256) as u8,
                (y * 5 % 256) as u8,
                ((x ^ y) % 256) as u8,
            ])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        picture
            .write_to(&mut out, image::ImageFormat::Jpeg)
            .expect("encode");
        let mut bytes = out.into_inner();
        bytes.truncate(keep_bytes.min(bytes.len() - 2));
        bytes
    }

    #[test]
    fn a_cut_off_picture_names_the_file_and_the_fix_once() {
        for keep in [20_000, 2_000, 700] {
            let mut s = spec(PostKind::Image, 1);
            s.items[0] = ItemSpec::new(MediaSource::Bytes {
                name: "t.jpg".into(),
                bytes: Arc::new(cut_jpeg(keep)),
            });
            let err = s.prepare(&mut |_, _| {}).expect_err("cut off");
            assert!(matches!(err, PostError::Prepare { .. }), "{err:?}");
            let message = err.to_string();
            assert_eq!(message.matches("t.jpg").count(), 1, "{message}");
            assert_eq!(
                message.matches("cut off or damaged").count(),
                1,
                "{message}"
            );
            assert_eq!(
                message.matches("export or download it again").count(),
                1,
                "{message}"
            );
        }
    }
}
