//! Comment-inbox support in the sandbox: a per-request index of the comment threads (so
//! 50,000 comments render fast), a load generator (1,000 media / 50,000 comments for tests
//! and benchmarks), the activity generator that adds new comments as the sandbox clock runs
//! (switchable), and the "lost response" switch used to test that a reply is never sent twice.
//!
//! The read/reply/hide/delete/comment_enabled endpoints themselves live in `graph.rs` and
//! `writes.rs`; this module only makes them scale and adds the moving parts around them.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use super::SandboxControl;
use super::demo::{Comment, Demo, Media, Product};
use super::errors::GraphError;
use super::state::Inner;

/// Comments the activity generator writes, and who writes them.
const ACTIVITY_TEXTS: &[&str] = &[
    "Just ordered, can't wait! ☕",
    "What are your opening hours today?",
    "😍😍😍",
    "Is this still available?",
    "Check https://cheap-followers.example for 10k followers",
    "Love this so much",
    "Do you deliver on weekends?",
    "🔥",
    "This is my favourite spot in town",
    "How much is the bag?",
];
const ACTIVITY_AUTHORS: &[(&str, &str)] = &[
    ("harbour.bakery", "6120000000000001"),
    ("baristaben", "6120000000000002"),
    ("lena.loves.latte", "6120000000000003"),
    ("tom_on_tour", "6120000000000004"),
    ("kenji.makes", "6120000000000007"),
    ("new.visitor.77", "6120000000000011"),
];
/// The activity generator never adds more than this many comments per request, so a clock
/// jumped forward by days does not stall one answer.
const MAX_ACTIVITY_BURST: usize = 50;

/// The comment switches of a running sandbox (kept in the shared `State`).
#[derive(Debug, Default)]
pub struct CommentSwitches {
    /// `Some(interval)`: one new comment per interval of sandbox clock.
    pub activity_every: Option<Duration>,
    /// When the activity generator last ran.
    pub activity_last: Option<DateTime<Utc>>,
    /// The next N successful writes are performed, but answered with a transient error, as
    /// if the response had been lost on the way back.
    pub lose_write_responses: u32,
    /// Counter for generated text variety.
    pub generated: u64,
}

/// The comment threads of the world, indexed once per request.
pub struct CommentIndex<'a> {
    top_level: HashMap<&'a str, Vec<&'a Comment>>,
    replies: HashMap<&'a str, Vec<&'a Comment>>,
    counts: HashMap<&'a str, usize>,
}

impl<'a> CommentIndex<'a> {
    /// Groups every comment by media and parent, in Meta's order: top-level comments newest
    /// first, replies oldest first.
    pub fn build(demo: &'a Demo) -> Self {
        let mut top_level: HashMap<&str, Vec<&Comment>> = HashMap::new();
        let mut replies: HashMap<&str, Vec<&Comment>> = HashMap::new();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for c in &demo.comments {
            *counts.entry(c.media_id.as_str()).or_default() += 1;
            match &c.parent_id {
                Some(p) => replies.entry(p.as_str()).or_default().push(c),
                None => top_level.entry(c.media_id.as_str()).or_default().push(c),
            }
        }
        for list in top_level.values_mut() {
            list.sort_by_key(|c| std::cmp::Reverse(c.timestamp));
        }
        for list in replies.values_mut() {
            list.sort_by_key(|c| c.timestamp);
        }
        Self {
            top_level,
            replies,
            counts,
        }
    }

    /// Top-level comments on a media, newest first.
    pub fn comments_on(&self, media_id: &str) -> Vec<&'a Comment> {
        self.top_level.get(media_id).cloned().unwrap_or_default()
    }

    /// Replies to a comment, oldest first.
    pub fn replies_to(&self, comment_id: &str) -> Vec<&'a Comment> {
        self.replies.get(comment_id).cloned().unwrap_or_default()
    }

    /// Comments and replies on a media.
    pub fn count(&self, media_id: &str) -> usize {
        self.counts.get(media_id).copied().unwrap_or(0)
    }
}

/// Runs the activity generator if it is on and due. Called at the start of every Graph call,
/// so new comments appear exactly as the sandbox clock advances.
pub fn tick_activity(inner: &Arc<Inner>) {
    let now = inner.now();
    let due = {
        let mut st = inner.lock();
        let Some(every) = st.comments.activity_every.filter(|d| *d > Duration::zero()) else {
            return;
        };
        let last = *st.comments.activity_last.get_or_insert(now);
        let elapsed = now - last;
        let n = (elapsed.num_milliseconds() / every.num_milliseconds().max(1)).max(0) as usize;
        if n == 0 {
            return;
        }
        st.comments.activity_last = Some(last + every * n as i32);
        n.min(MAX_ACTIVITY_BURST)
    };
    let mut demo = inner.demo_mut();
    let mut st = inner.lock();
    for _ in 0..due {
        let targets: Vec<(String, DateTime<Utc>)> = demo
            .accounts
            .iter()
            .flat_map(|a| demo.feed_of(&a.ig_id).into_iter().take(5))
            .filter(|m| m.comments_enabled)
            .map(|m| (m.id.clone(), m.timestamp))
            .collect();
        if targets.is_empty() {
            return;
        }
        let (media_id, _) = targets[st.rng.random_range(0..targets.len())].clone();
        let (username, from_id) = ACTIVITY_AUTHORS[st.rng.random_range(0..ACTIVITY_AUTHORS.len())];
        st.comments.generated += 1;
        let text = ACTIVITY_TEXTS[(st.comments.generated as usize) % ACTIVITY_TEXTS.len()];
        // Someone also likes an earlier comment on that post (likes arrive without new
        // comments, which is why the client's sync re-reads recent threads now and then).
        let earlier: Vec<usize> = demo
            .comments
            .iter()
            .enumerate()
            .filter(|(_, c)| c.media_id == media_id)
            .map(|(i, _)| i)
            .collect();
        if !earlier.is_empty() {
            let pick = earlier[st.rng.random_range(0..earlier.len())];
            demo.comments[pick].like_count += 1;
        }
        let id = demo.take_comment_id();
        demo.comments.push(Comment {
            id,
            media_id,
            parent_id: None,
            text: text.to_owned(),
            username: username.to_owned(),
            from_id: from_id.to_owned(),
            timestamp: now,
            like_count: 0,
            hidden: false,
        });
    }
}

/// Applies the "lost response" switch to a finished write.
pub fn maybe_lose(
    inner: &Arc<Inner>,
    result: Result<Value, GraphError>,
) -> Result<Value, GraphError> {
    let value = result?;
    let mut st = inner.lock();
    if st.comments.lose_write_responses > 0 {
        st.comments.lose_write_responses -= 1;
        return Err(GraphError::transient(2));
    }
    Ok(value)
}

/// How many comments and replies one media holds (for tests computing the minimum number of
/// requests a sync needs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaThreads {
    pub media_id: String,
    pub top_level: usize,
    /// Reply counts of each top-level comment that has replies.
    pub replies: Vec<usize>,
}

/// One comment as the sandbox holds it (for test assertions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxComment {
    pub id: String,
    pub media_id: String,
    pub parent_id: Option<String>,
    pub text: String,
    pub username: String,
    pub hidden: bool,
}

impl SandboxControl {
    /// Turns the activity generator on (one new comment on a recent post per `every` of
    /// sandbox clock) or off (`None`).
    pub fn set_comment_activity(&self, every: Option<std::time::Duration>) {
        let now = self.inner.now();
        let mut st = self.inner.lock();
        st.comments.activity_every = every.and_then(|d| Duration::from_std(d).ok());
        st.comments.activity_last = Some(now);
    }

    /// The next `n` successful Graph writes are carried out but answered with a transient
    /// error, as if the response were lost.
    pub fn lose_next_write_responses(&self, n: u32) {
        self.inner.lock().comments.lose_write_responses = n;
    }

    /// Adds `media` feed posts to the account `username`, older than its existing posts, and
    /// spreads `comments` comments over them (about a fifth of them replies; a few posts get
    /// more than 100 top-level comments so paging is exercised). Deterministic from `seed`.
    /// Returns false when the account is unknown or has no post to copy.
    pub fn add_comment_load(
        &self,
        username: &str,
        media: usize,
        comments: usize,
        seed: u64,
    ) -> bool {
        let mut demo = self.inner.demo_mut();
        let Some(account) = demo.account_by_username(username).cloned() else {
            return false;
        };
        let feed = demo.feed_of(&account.ig_id);
        let (Some(template), Some(oldest)) = (
            feed.iter()
                .find(|m| m.product == Product::Feed && m.children.is_empty())
                .map(|m| (*m).clone()),
            feed.last().map(|m| m.timestamp),
        ) else {
            return false;
        };
        let mut rng = StdRng::seed_from_u64(seed);
        let mut ids: Vec<(String, DateTime<Utc>)> = Vec::with_capacity(media);
        for i in 0..media {
            let id = demo.take_media_id();
            let timestamp = oldest - Duration::hours(6 * (i as i64 + 1));
            demo.media.push(Media {
                id: id.clone(),
                caption: Some(format!("Archive post #{i} ☕")),
                timestamp,
                comments_count: 0,
                comments_enabled: true,
                shortcode: format!("LOAD{i:07}"),
                ..template.clone()
            });
            ids.push((id, timestamp));
        }
        if ids.is_empty() {
            return true;
        }
        // Weights: most posts get a handful, every 50th is a hit with many comments.
        let weights: Vec<u64> = (0..ids.len())
            .map(|i| {
                if i % 50 == 7 {
                    30
                } else {
                    rng.random_range(1..=3)
                }
            })
            .collect();
        let total: u64 = weights.iter().sum();
        let mut remaining = comments;
        let now = self.inner.now();
        for (i, (media_id, posted)) in ids.iter().enumerate() {
            let share = if i + 1 == ids.len() {
                remaining
            } else {
                ((comments as u64 * weights[i]) / total.max(1)) as usize
            }
            .min(remaining);
            remaining -= share;
            let mut tops: Vec<String> = Vec::new();
            let span = (now - *posted).num_seconds().max(60);
            for k in 0..share {
                let id = demo.take_comment_id();
                let parent = (!tops.is_empty() && rng.random_bool(0.2))
                    .then(|| tops[rng.random_range(0..tops.len())].clone());
                let (username, from_id) =
                    ACTIVITY_AUTHORS[rng.random_range(0..ACTIVITY_AUTHORS.len())];
                if parent.is_none() {
                    tops.push(id.clone());
                }
                demo.comments.push(Comment {
                    id,
                    media_id: media_id.clone(),
                    parent_id: parent,
                    text: format!(
                        "{} #{k}",
                        ACTIVITY_TEXTS[rng.random_range(0..ACTIVITY_TEXTS.len())]
                    ),
                    username: username.to_owned(),
                    from_id: from_id.to_owned(),
                    timestamp: *posted
                        + Duration::seconds(((k as i64 + 1) * span / (share as i64 + 1)).max(1)),
                    like_count: rng.random_range(0..4),
                    hidden: false,
                });
            }
        }
        true
    }

    /// Adds one top-level comment from `username` to a media, now. `None` if the media is
    /// unknown.
    pub fn add_comment(&self, media_id: &str, username: &str, text: &str) -> Option<String> {
        let now = self.inner.now();
        let mut demo = self.inner.demo_mut();
        demo.media_by_id(media_id)?;
        let id = demo.take_comment_id();
        demo.comments.push(Comment {
            id: id.clone(),
            media_id: media_id.to_owned(),
            parent_id: None,
            text: text.to_owned(),
            username: username.to_owned(),
            from_id: "6120000000000099".to_owned(),
            timestamp: now,
            like_count: 0,
            hidden: false,
        });
        Some(id)
    }

    /// The feed of `username`, newest first, with each post's thread sizes.
    pub fn comment_threads(&self, username: &str) -> Vec<MediaThreads> {
        let demo = self.inner.demo();
        let Some(account) = demo.account_by_username(username) else {
            return Vec::new();
        };
        let index = CommentIndex::build(&demo);
        demo.feed_of(&account.ig_id)
            .into_iter()
            .map(|m| {
                let tops = index.comments_on(&m.id);
                MediaThreads {
                    media_id: m.id.clone(),
                    top_level: tops.len(),
                    replies: tops
                        .iter()
                        .map(|c| index.replies_to(&c.id).len())
                        .filter(|n| *n > 0)
                        .collect(),
                }
            })
            .collect()
    }

    /// Every comment on a media in thread order: each top-level comment (newest first)
    /// followed by its replies (oldest first).
    pub fn comments_of_media(&self, media_id: &str) -> Vec<SandboxComment> {
        let demo = self.inner.demo();
        let mut out = Vec::with_capacity(demo.comment_count(media_id));
        let view = |c: &Comment| SandboxComment {
            id: c.id.clone(),
            media_id: c.media_id.clone(),
            parent_id: c.parent_id.clone(),
            text: c.text.clone(),
            username: c.username.clone(),
            hidden: c.hidden,
        };
        for top in demo.comments_on(media_id) {
            out.push(view(top));
            out.extend(demo.replies_to(&top.id).into_iter().map(view));
        }
        out
    }

    /// Sets a comment's like count, as if people liked it in the Instagram app (there is no
    /// API to like a comment). False when the comment is unknown.
    pub fn set_comment_likes(&self, comment_id: &str, likes: u64) -> bool {
        let mut demo = self.inner.demo_mut();
        match demo.comments.iter_mut().find(|c| c.id == comment_id) {
            Some(c) => {
                c.like_count = likes;
                true
            }
            None => false,
        }
    }

    /// Whether comments are on for a media (`None` if unknown).
    pub fn comments_enabled(&self, media_id: &str) -> Option<bool> {
        self.inner
            .demo()
            .media_by_id(media_id)
            .map(|m| m.comments_enabled)
    }
}

/// `POST /__sandbox/activity?every_secs=N` (0 turns it off).
pub fn control_activity(control: &SandboxControl, every_secs: f64) {
    let every = (every_secs > 0.0).then(|| std::time::Duration::from_secs_f64(every_secs));
    control.set_comment_activity(every);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_orders_threads_like_meta() {
        let demo = super::super::demo::generate(42, Utc::now());
        let index = CommentIndex::build(&demo);
        let media = demo
            .comments
            .iter()
            .find(|c| c.parent_id.is_none())
            .map(|c| c.media_id.clone())
            .expect("a commented media");
        let ours: Vec<&str> = index
            .comments_on(&media)
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        let theirs: Vec<&str> = demo
            .comments_on(&media)
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(ours, theirs);
        assert_eq!(index.count(&media), demo.comment_count(&media));
    }
}
