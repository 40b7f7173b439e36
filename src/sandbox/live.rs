//! Live broadcasts: `GET /{ig-user-id}/live_media` and comments on live media (seed 002,
//! changelog 2021-11-09; seed 003: "Live video Instagram Media can only be read while they
//! are being broadcast").
//!
//! A broadcast is started and ended through the control API (`POST /__sandbox/live?action=
//! start|end`). While it lasts, `live_media` lists one IG Media (`media_type` BROADCAST,
//! `media_product_type` LIVE) and viewers' comments arrive on it, one every
//! `comment_every_secs` of sandbox time (checked at each Graph call, like the comment
//! activity generator, so advancing the sandbox clock brings them). Comments are ordinary
//! comments: read, hidden, deleted and replied to through the usual endpoints. Once the
//! broadcast ends, the edge is empty and the media and its comments answer "does not exist".

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::demo::{Account, Aspect, Comment, Demo, Media, MediaType, Product};
use super::state::Inner;

/// Comments a new broadcast starts with (people join before the first tick).
const FIRST_COMMENTS: u64 = 2;
/// At most this many comments arrive in one tick, however far the clock jumped.
const MAX_BURST: u64 = 50;
/// The default pace of live comments.
pub const DEFAULT_EVERY_SECS: i64 = 3;

/// Viewers who comment on a live (username, IGSID).
const VIEWERS: &[(&str, &str)] = &[
    ("mila.draws", "6170000000000101"),
    ("kofi_bakes", "6170000000000102"),
    ("jun.outdoors", "6170000000000103"),
    ("sara_reads", "6170000000000104"),
    ("ola_makes", "6170000000000105"),
];

const TEXTS: &[&str] = &[
    "Hi from Lisbon! 👋",
    "How long does the glaze take?",
    "Love this colour",
    "Can you show the back?",
    "First time catching you live!",
    "What kiln do you use?",
    "🔥🔥🔥",
    "Will there be a replay?",
];

/// The broadcast on air.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Broadcast {
    pub media_id: String,
    pub owner: String,
    pub started: DateTime<Utc>,
    /// Milliseconds between two viewers' comments.
    pub every_ms: i64,
    /// Comments made so far (the first ones included).
    generated: u64,
}

/// True while `media_id` is being broadcast.
pub fn on_air(demo: &Demo, media_id: &str) -> bool {
    demo.live.as_ref().is_some_and(|b| b.media_id == media_id)
}

/// False for a live media whose broadcast ended: it and its comments can no longer be read
/// or moderated.
pub fn readable(demo: &Demo, media_id: &str) -> bool {
    demo.media_by_id(media_id)
        .is_none_or(|m| m.product != Product::Live || on_air(demo, media_id))
}

/// The live media of `ig_id` on air now (at most one).
pub fn live_media_of<'a>(demo: &'a Demo, ig_id: &str) -> Vec<&'a Media> {
    demo.live
        .as_ref()
        .filter(|b| b.owner == ig_id)
        .and_then(|b| demo.media_by_id(&b.media_id))
        .into_iter()
        .collect()
}

fn comment(demo: &mut Demo, media_id: &str, n: u64, at: DateTime<Utc>) {
    let (username, from_id) = VIEWERS[(n as usize) % VIEWERS.len()];
    let id = demo.take_comment_id();
    demo.comments.push(Comment {
        id,
        media_id: media_id.to_owned(),
        parent_id: None,
        text: TEXTS[(n as usize) % TEXTS.len()].to_owned(),
        username: username.to_owned(),
        from_id: from_id.to_owned(),
        timestamp: at,
        like_count: 0,
        hidden: false,
    });
}

/// Starts a broadcast on `account` (ending one on air), with a comment every `every`.
/// Returns the live media id.
pub fn start(inner: &Arc<Inner>, account: &Account, every: Duration) -> String {
    let now = inner.now();
    let mut demo = inner.demo_mut();
    let id = demo.take_media_id();
    demo.media.push(Media {
        id: id.clone(),
        owner: account.ig_id.clone(),
        owner_username: account.username.clone(),
        media_type: MediaType::Video,
        product: Product::Live,
        caption: None,
        alt_text: None,
        timestamp: now,
        like_count: 0,
        comments_count: 0,
        hide_likes: false,
        comments_enabled: true,
        shared_to_feed: false,
        product_tags: Vec::new(),
        collaborators: Vec::new(),
        shortcode: format!("LIVE{}", &id[id.len().saturating_sub(6)..]),
        children: Vec::new(),
        parent: None,
        photo: 0,
        aspect: Aspect::Vertical,
        upload: None,
        cover: None,
        copyright_match: false,
    });
    for n in 0..FIRST_COMMENTS {
        comment(&mut demo, &id, n, now);
    }
    demo.live = Some(Broadcast {
        media_id: id.clone(),
        owner: account.ig_id.clone(),
        started: now,
        every_ms: every.num_milliseconds().max(100),
        generated: FIRST_COMMENTS,
    });
    id
}

/// Ends the broadcast on air; returns its media id.
pub fn end(inner: &Inner) -> Option<String> {
    inner.demo_mut().live.take().map(|b| b.media_id)
}

/// Adds the comments due by now on the broadcast on air. Called at each Graph call.
pub fn tick(inner: &Arc<Inner>) {
    let now = inner.now();
    let due = {
        let demo = inner.demo();
        let Some(b) = demo.live.as_ref() else {
            return;
        };
        let elapsed = (now - b.started).num_milliseconds().max(0);
        FIRST_COMMENTS + (elapsed / b.every_ms.max(1)) as u64 > b.generated
    };
    if !due {
        return;
    }
    let mut demo = inner.demo_mut();
    let Some(b) = demo.live.as_mut() else {
        return;
    };
    let elapsed = (now - b.started).num_milliseconds().max(0);
    let target = FIRST_COMMENTS + (elapsed / b.every_ms.max(1)) as u64;
    if target <= b.generated {
        return;
    }
    let from = b.generated;
    let count = (target - from).min(MAX_BURST);
    b.generated = target;
    let media_id = b.media_id.clone();
    for n in from..from + count {
        comment(&mut demo, &media_id, n, now);
    }
}
