//! The comment inbox's work, shared by the engine jobs and the CLI: the incremental sync,
//! moderation actions, rules, and the never-duplicate reply.
//!
//! Sync strategy (the fewest requests for the page sizes):
//! - first sync of an account: `GET /{ig}/media` pages with comments and replies expanded
//!   inline (`comments.limit(100){…,replies.limit(100){…}}`); only threads longer than the
//!   inline limits cost extra requests (their `next` links), fetched with bounded concurrency.
//! - later syncs: media pages with counts only, then each media whose `comments_count`
//!   changed is read again (one request plus its overflow pages).
//!
//! Every thread read completely replaces its cached copy, so deletions on Instagram show.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use thiserror::Error;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::comment_rules::{RuleError, RuleMatcher};
use super::core::{Core, EngineError};
use crate::graph::comments::{Comment, MediaThreads, SyncLimits};
use crate::graph::{GraphClient, GraphError, PageGuard, Session};
use crate::ids::{CommentId, MediaId};
use crate::model::{Account, Media};
use crate::store::{InboxComment, RuleAction, SyncedThread};

/// Threads read at the same time when a sync has overflow pages or changed media.
pub const SYNC_CONCURRENCY: usize = 4;
/// Media per page when an incremental sync only compares counts.
const COUNT_PAGE_SIZE: u32 = 100;
/// Like counts change without changing `comments_count`, so an incremental sync also reads
/// again the threads of this many newest media (where likes still arrive)…
pub const LIKE_REFRESH_MEDIA: usize = 10;
/// …when they were last read at least this long ago (minutes), so polling stays cheap.
pub const LIKE_REFRESH_AFTER_MINUTES: i64 = 10;
/// A lost reply is looked for among replies written this long before it was first sent.
const REPLY_CLOCK_SLACK_SECS: i64 = 120;

/// Tagged media read per request (the edge's maximum page size keeps requests few).
pub const MENTIONS_PAGE_SIZE: u32 = 100;

/// Where a write creates a comment, for the never-duplicate check of [`Core::post_once`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PostPlace {
    /// A reply in the thread of the top-level comment `parent` on the account's media.
    Thread { media: MediaId, parent: CommentId },
    /// A reply in the thread of a comment that @mentioned the account, on someone else's
    /// media (checked through `mentioned_comment`).
    MentionThread { media: MediaId, comment: CommentId },
    /// A comment on someone else's media whose caption @mentioned the account (checked
    /// through `mentioned_media`).
    MentionCaption(MediaId),
}

impl PostPlace {
    /// The key a pending attempt is recorded under (Meta's ids are unique across types).
    fn key(&self) -> CommentId {
        match self {
            Self::Thread { parent, .. } => parent.clone(),
            Self::MentionThread { comment, .. } => comment.clone(),
            Self::MentionCaption(media) => CommentId::from(media.to_string()),
        }
    }
    fn media(&self) -> &MediaId {
        match self {
            Self::Thread { media, .. }
            | Self::MentionThread { media, .. }
            | Self::MentionCaption(media) => media,
        }
    }
    fn parent(&self) -> Option<&CommentId> {
        match self {
            Self::Thread { parent, .. } => Some(parent),
            Self::MentionThread { comment, .. } => Some(comment),
            Self::MentionCaption(_) => None,
        }
    }
}

/// What can go wrong in an inbox action, worded for the user.
#[derive(Debug, Error)]
pub enum CommentsError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(
        "comment {0} is not in the inbox: refresh the inbox (or run `socialdesk comments list`) first"
    )]
    UnknownComment(String),
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("the reply is empty: write some text first")]
    EmptyReply,
    #[error(
        "this mention is not in the Mentions list: refresh Mentions (or look it up by id: `socialdesk comments mentions lookup --comment ID`) first"
    )]
    UnknownMention,
    #[error(
        "@{0} only tagged the account in this post, without an @mention in the caption: Meta's API does not allow commenting on posts the account is tagged in. Open the post on Instagram to comment there"
    )]
    TaggedOnly(String),
    #[error(
        "this mention is on a story: Meta's API does not support mentions on stories. Answer it in the Instagram app"
    )]
    StoryMention,
    #[error(
        "give the id of the comment or media that mentioned the account (from a `mentions` webhook) to look it up"
    )]
    MentionLookupNeedsId,
    #[error(
        "the reply may have been posted but Meta's answer was lost, and it is not in the thread yet: refresh in a minute; sending it again checks the thread first, so it will not be posted twice"
    )]
    ReplyUnconfirmed,
}

impl From<GraphError> for CommentsError {
    fn from(e: GraphError) -> Self {
        Self::Engine(EngineError::Graph(e))
    }
}

impl From<crate::store::StoreError> for CommentsError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Engine(EngineError::Store(e))
    }
}

/// What a sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub media_seen: usize,
    /// Threads read (all on a first sync, only changed ones later).
    pub threads_read: usize,
    pub new_comments: usize,
    /// Threads read again only to refresh like counts (included in `threads_read`).
    pub likes_refreshed: usize,
    /// Comments a rule hid or flagged.
    pub rule_actions: usize,
    pub full: bool,
}

/// Reads the rest of a thread: more top-level comments, then long reply lists, each list
/// under a [`PageGuard`] so a server that repeats a link cannot keep the sync going forever.
async fn complete_thread(
    client: GraphClient,
    session: Session,
    mut t: MediaThreads,
) -> Result<MediaThreads, GraphError> {
    let handler = client.comments(&session);
    let mut guard = PageGuard::new("comments");
    let mut link = guard.follow(t.comments.len(), t.comments_next.take())?;
    while let Some(next) = link.take() {
        let more = handler.more_comments(&t.media, &next).await?;
        link = guard.follow(more.comments.len(), more.comments_next)?;
        t.comments.extend(more.comments);
        t.replies_next.extend(more.replies_next);
    }
    for (parent, next) in std::mem::take(&mut t.replies_next) {
        let mut guard = PageGuard::new("replies");
        let mut link = Some(next);
        while let Some(next) = link.take() {
            let (items, after) = handler.more_replies(&t.media.id, &parent, &next).await?;
            link = guard.follow(items.len(), after)?;
            t.comments.extend(items);
        }
    }
    Ok(t)
}

/// Reads a changed media's thread from scratch.
async fn read_thread(
    client: GraphClient,
    session: Session,
    media: Media,
    enabled: Option<bool>,
    limits: SyncLimits,
) -> Result<MediaThreads, GraphError> {
    let mut t = client
        .comments(&session)
        .media_comments(&media, limits)
        .await?;
    t.comments_enabled = enabled;
    complete_thread(client, session, t).await
}

/// Why an incremental sync reads a thread again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reread {
    /// New or removed comments (or a media not seen before).
    Changed,
    /// Only to refresh like counts of a recent post.
    Likes,
}

fn reread_reason(
    known: Option<&SyncedThread>,
    count: Option<u64>,
    newest: bool,
    likes_stale_before: DateTime<Utc>,
) -> Option<Reread> {
    match known {
        Some(k) if k.comments_count != count => Some(Reread::Changed),
        None => Some(Reread::Changed),
        Some(k) if newest && k.read_at <= likes_stale_before => Some(Reread::Likes),
        Some(_) => None,
    }
}

/// Fills `{username}` in a saved reply.
pub fn fill_template(body: &str, username: &str) -> String {
    body.replace("{username}", username)
}

impl Core {
    /// Syncs the account's comments into the store (see the module docs for the strategy)
    /// and applies the rules to comments that are new since the last sync.
    pub async fn sync_comments(
        self: &Arc<Self>,
        account: &Account,
        limits: SyncLimits,
    ) -> Result<SyncReport, CommentsError> {
        let result = self.sync_comments_inner(account, limits).await;
        if let Err(CommentsError::Engine(e)) = &result {
            self.note_error(account, e).await;
        }
        result
    }

    async fn sync_comments_inner(
        self: &Arc<Self>,
        account: &Account,
        limits: SyncLimits,
    ) -> Result<SyncReport, CommentsError> {
        let session = self.session(account).await?;
        let id = account.id.clone();
        let known = self
            .with_store(move |s| s.synced_comment_counts(&id))
            .await?;
        let full = known.is_empty();
        let likes_stale_before = self.now() - Duration::minutes(LIKE_REFRESH_AFTER_MINUTES);
        let client = self.client().clone();
        let limit = Arc::new(Semaphore::new(SYNC_CONCURRENCY));
        let mut jobs: JoinSet<Result<MediaThreads, GraphError>> = JoinSet::new();
        let mut report = SyncReport {
            full,
            ..SyncReport::default()
        };
        let mut all_media: Vec<Media> = Vec::new();
        let mut after: Option<String> = None;
        let mut guard = PageGuard::new("media");
        loop {
            let page = if full {
                client
                    .comments(&session)
                    .media_threads(&account.id, limits, after.as_deref())
                    .await?
            } else {
                client
                    .comments(&session)
                    .media_counts(&account.id, COUNT_PAGE_SIZE, after.as_deref())
                    .await?
            };
            let cursor = page.after.filter(|_| page.next.is_some());
            after = guard
                .follow(page.items.len(), cursor)
                .map_err(GraphError::from)?;
            for t in page.items {
                let newest = report.media_seen < LIKE_REFRESH_MEDIA;
                report.media_seen += 1;
                all_media.push(t.media.clone());
                let (c, s, permit) = (client.clone(), session.clone(), limit.clone());
                if full {
                    report.threads_read += 1;
                    jobs.spawn(async move {
                        let _p = permit.acquire_owned().await;
                        complete_thread(c, s, t).await
                    });
                } else if let Some(why) = reread_reason(
                    known.get(&t.media.id),
                    t.media.comments_count,
                    newest,
                    likes_stale_before,
                ) {
                    report.threads_read += 1;
                    if why == Reread::Likes {
                        report.likes_refreshed += 1;
                    }
                    jobs.spawn(async move {
                        let _p = permit.acquire_owned().await;
                        read_thread(c, s, t.media, t.comments_enabled, limits).await
                    });
                }
            }
            if after.is_none() {
                break;
            }
        }
        let (id, media) = (account.id.clone(), all_media);
        self.with_store(move |s| s.upsert_media(&id, &media))
            .await?;
        let mut fresh: Vec<Comment> = Vec::new();
        while let Some(joined) = jobs.join_next().await {
            let t = joined.map_err(|e| EngineError::Task(e.to_string()))??;
            let (id, now) = (account.id.clone(), self.now());
            let new = self
                .with_store(move |s| {
                    s.store_media_comments(
                        &id,
                        &t.media.id,
                        &t.comments,
                        t.media.comments_count,
                        t.comments_enabled,
                        true,
                        now,
                    )
                })
                .await?;
            fresh.extend(new);
        }
        report.new_comments = fresh.len();
        if !full {
            report.rule_actions = self.apply_rules(account, &session, &fresh).await?;
        }
        Ok(report)
    }

    /// Runs the enabled rules over new comments from other people: the first matching rule
    /// hides or flags the comment and logs it.
    async fn apply_rules(
        &self,
        account: &Account,
        session: &Session,
        fresh: &[Comment],
    ) -> Result<usize, CommentsError> {
        let id = account.id.clone();
        // A rule that does not compile (stored before validation existed) is skipped and
        // logged; it never stops the sync.
        let rules: Vec<RuleMatcher> = self
            .with_store(move |s| s.comment_rules(&id))
            .await?
            .into_iter()
            .filter(|r| r.enabled)
            .filter_map(|r| {
                RuleMatcher::new(r)
                    .map_err(|e| tracing::warn!(error = %e, "comment rule skipped"))
                    .ok()
            })
            .collect();
        if rules.is_empty() {
            return Ok(0);
        }
        let mut done = 0;
        for c in fresh
            .iter()
            .filter(|c| c.username != account.username && !c.hidden)
        {
            let Some(rule) = rules
                .iter()
                .find(|r| r.matches(&c.text))
                .map(RuleMatcher::rule)
            else {
                continue;
            };
            match rule.action {
                RuleAction::Hide => {
                    self.client().comments(session).hide(&c.id, true).await?;
                    let (id, cid) = (account.id.clone(), c.id.clone());
                    self.with_store(move |s| s.set_comment_hidden(&id, &cid, true))
                        .await?;
                }
                RuleAction::Flag => {
                    let (id, cid) = (account.id.clone(), c.id.clone());
                    self.with_store(move |s| s.set_comment_flagged(&id, &cid, true))
                        .await?;
                }
            }
            let (id, rule, c, now) = (account.id.clone(), rule.clone(), c.clone(), self.now());
            self.with_store(move |s| s.log_rule_action(&id, &rule, &c, now))
                .await?;
            done += 1;
        }
        Ok(done)
    }

    async fn cached_comment_or_err(
        &self,
        account: &Account,
        comment: &CommentId,
    ) -> Result<InboxComment, CommentsError> {
        let (id, cid) = (account.id.clone(), comment.clone());
        self.with_store(move |s| s.cached_comment(&id, &cid))
            .await?
            .ok_or_else(|| CommentsError::UnknownComment(comment.to_string()))
    }

    /// Replies in the thread of `to` (a reply to a reply goes to its top-level comment, as
    /// Meta only threads one level). Never posts the same reply twice: a reply whose answer
    /// was lost is looked for in the thread before anything is sent again.
    pub async fn reply_to_comment(
        &self,
        account: &Account,
        to: &CommentId,
        text: &str,
    ) -> Result<Comment, CommentsError> {
        let text = text.trim().to_owned();
        if text.is_empty() {
            return Err(CommentsError::EmptyReply);
        }
        let target = self.cached_comment_or_err(account, to).await?.comment;
        let parent = target.parent_id.clone().unwrap_or(target.id.clone());
        let session = self.session(account).await?;
        let handler = self.client().comments(&session);
        let place = PostPlace::Thread {
            media: target.media_id.clone(),
            parent: parent.clone(),
        };
        let comment = self
            .post_once(
                account,
                &session,
                &place,
                &text,
                handler.reply(&parent, &text),
            )
            .await?;
        let (id, c) = (account.id.clone(), comment.clone());
        self.with_store(move |s| s.insert_comment(&id, &c)).await?;
        Ok(comment)
    }

    /// Sends `send` (a write that creates one comment at `place`) at most once per text and
    /// place: the attempt is recorded first; if an identical attempt was recorded before and
    /// never confirmed, or the answer is lost now, `place` is read and a comment with this
    /// text by the account is taken as the one sent. Meta is never asked twice blindly.
    pub(crate) async fn post_once(
        &self,
        account: &Account,
        session: &Session,
        place: &PostPlace,
        text: &str,
        send: impl std::future::Future<Output = Result<CommentId, GraphError>>,
    ) -> Result<Comment, CommentsError> {
        let key = place.key();
        let started = self.now();
        let (id, k, t) = (account.id.clone(), key.clone(), text.to_owned());
        let earlier = self
            .with_store(move |s| s.begin_pending_reply(&id, &k, &t, started))
            .await?;
        if let Some(first_try) = earlier
            && let Some(found) = self
                .find_posted(account, session, place, text, first_try)
                .await?
        {
            self.finish_pending(account, &key, text).await?;
            return Ok(found);
        }
        match send.await {
            Ok(new_id) => {
                let comment = Comment {
                    id: new_id,
                    media_id: place.media().clone(),
                    parent_id: place.parent().cloned(),
                    text: text.to_owned(),
                    username: account.username.clone(),
                    from_id: Some(account.id.to_string()),
                    timestamp: self.now(),
                    like_count: Some(0),
                    hidden: false,
                };
                self.finish_pending(account, &key, text).await?;
                Ok(comment)
            }
            Err(e)
                if e.is_retryable() || matches!(e.kind, crate::graph::ErrorKind::Decode { .. }) =>
            {
                // The answer was lost: the comment may exist. Look before reporting.
                let since = earlier.unwrap_or(started);
                match self.find_posted(account, session, place, text, since).await {
                    Ok(Some(found)) => {
                        self.finish_pending(account, &key, text).await?;
                        Ok(found)
                    }
                    Ok(None) => Err(CommentsError::ReplyUnconfirmed),
                    Err(check) => {
                        tracing::warn!(error = %check, "could not check whether a lost reply landed");
                        Err(CommentsError::ReplyUnconfirmed)
                    }
                }
            }
            Err(e) => {
                // Refused by Meta: it surely does not exist, so a later try may send.
                self.finish_pending(account, &key, text).await?;
                Err(e.into())
            }
        }
    }

    async fn finish_pending(
        &self,
        account: &Account,
        key: &CommentId,
        text: &str,
    ) -> Result<(), CommentsError> {
        let (id, k, t) = (account.id.clone(), key.clone(), text.to_owned());
        self.with_store(move |s| s.finish_pending_reply(&id, &k, &t))
            .await?;
        Ok(())
    }

    /// A comment with `text` by the account at `place`, written since `since` (less a
    /// clock slack).
    async fn find_posted(
        &self,
        account: &Account,
        session: &Session,
        place: &PostPlace,
        text: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Comment>, CommentsError> {
        let floor = since - Duration::seconds(REPLY_CLOCK_SLACK_SECS);
        let handler = self.client().comments(session);
        let candidates = match place {
            PostPlace::Thread { media, parent } => handler.replies(media, parent).await?,
            PostPlace::MentionThread { comment, .. } => {
                handler
                    .mentioned_comment_replies(&account.id, comment)
                    .await?
            }
            PostPlace::MentionCaption(media) => {
                handler.mentioned_media_comments(&account.id, media).await?
            }
        };
        Ok(candidates.into_iter().find(|c| {
            c.text.trim() == text && c.username == account.username && c.timestamp >= floor
        }))
    }

    /// Hides or unhides a comment on Instagram, then in the cache.
    pub async fn set_comment_hidden(
        &self,
        account: &Account,
        comment: &CommentId,
        hidden: bool,
    ) -> Result<InboxComment, CommentsError> {
        let mut cached = self.cached_comment_or_err(account, comment).await?;
        let session = self.session(account).await?;
        self.client()
            .comments(&session)
            .hide(comment, hidden)
            .await?;
        let (id, cid) = (account.id.clone(), comment.clone());
        self.with_store(move |s| s.set_comment_hidden(&id, &cid, hidden))
            .await?;
        cached.comment.hidden = hidden;
        Ok(cached)
    }

    /// Deletes a comment (and its replies) on Instagram, then from the cache.
    pub async fn delete_comment(
        &self,
        account: &Account,
        comment: &CommentId,
    ) -> Result<(), CommentsError> {
        let session = self.session(account).await?;
        self.client().comments(&session).delete(comment).await?;
        let (id, cid) = (account.id.clone(), comment.clone());
        self.with_store(move |s| s.remove_comment(&id, &cid))
            .await?;
        Ok(())
    }

    /// Turns comments on or off for a post.
    pub async fn set_comments_enabled(
        &self,
        account: &Account,
        media: &MediaId,
        enabled: bool,
    ) -> Result<(), CommentsError> {
        let session = self.session(account).await?;
        self.client()
            .comments(&session)
            .set_comments_enabled(media, enabled)
            .await?;
        let (id, m, now) = (account.id.clone(), media.clone(), self.now());
        self.with_store(move |s| s.set_media_comments_enabled(&id, &m, enabled, now))
            .await?;
        Ok(())
    }

    /// Media where the account is tagged (other people's posts), newest first, paged with
    /// cursors until the edge ends or `max` media are read. Not cached: read on demand.
    pub async fn tagged_media(
        &self,
        account: &Account,
        max: usize,
    ) -> Result<Vec<Media>, CommentsError> {
        let session = self.session(account).await?;
        let handler = self.client().comments(&session);
        let mut out: Vec<Media> = Vec::new();
        let mut after: Option<String> = None;
        let mut guard = PageGuard::new("tagged media");
        while out.len() < max {
            let page = handler
                .tagged_media(&account.id, MENTIONS_PAGE_SIZE, after.as_deref())
                .await?;
            let cursor = page.after.filter(|_| page.next.is_some());
            after = guard
                .follow(page.items.len(), cursor)
                .map_err(GraphError::from)?;
            out.extend(page.items);
            if after.is_none() {
                break;
            }
        }
        out.truncate(max);
        Ok(out)
    }

    /// Undoes a rule's action (unhides the comment or clears the flag) and marks the log.
    pub async fn undo_rule_action(
        &self,
        account: &Account,
        log_id: i64,
    ) -> Result<Option<InboxComment>, CommentsError> {
        let id = account.id.clone();
        let entry = self
            .with_store(move |s| s.rule_log(&id, 10_000))
            .await?
            .into_iter()
            .find(|e| e.id == log_id && !e.undone);
        let Some(entry) = entry else {
            return Ok(None);
        };
        let changed = match entry.action {
            RuleAction::Hide => match self
                .set_comment_hidden(account, &entry.comment_id, false)
                .await
            {
                Ok(c) => Some(c),
                // Deleted since: nothing left to undo.
                Err(CommentsError::UnknownComment(_)) => None,
                Err(e) => return Err(e),
            },
            RuleAction::Flag => {
                let (id, cid) = (account.id.clone(), entry.comment_id.clone());
                self.with_store(move |s| {
                    s.set_comment_flagged(&id, &cid, false)?;
                    s.cached_comment(&id, &cid)
                })
                .await?
            }
        };
        let id = account.id.clone();
        self.with_store(move |s| s.mark_rule_log_undone(&id, log_id))
            .await?;
        Ok(changed)
    }

    /// The cached inbox: comments newest first, the posts they belong to, and the posts
    /// with comments turned off.
    pub async fn cached_inbox(
        &self,
        account: &Account,
    ) -> Result<(Vec<InboxComment>, Vec<Media>, Vec<MediaId>), CommentsError> {
        let id = account.id.clone();
        Ok(self
            .with_store(move |s| {
                Ok((
                    s.inbox_comments(&id)?,
                    s.cached_media(&id, 1_000_000, 0)?,
                    s.comments_disabled_media(&id)?,
                ))
            })
            .await?)
    }
}

/// The top-level comments from other people that the account has not answered, newest
/// first as in the inbox: what the sidebar counts and the notifications announce.
pub fn waiting_for_reply<'a>(
    comments: &'a [InboxComment],
    own_username: &str,
) -> Vec<&'a InboxComment> {
    let open = unanswered(comments, own_username);
    comments
        .iter()
        .filter(|c| {
            c.comment.parent_id.is_none()
                && c.comment.username != own_username
                && open.get(&c.comment.id).copied().unwrap_or(false)
        })
        .collect()
}

/// Groups the inbox into `top-level id → replies`, and tells which top-level comments the
/// account has not answered.
pub fn unanswered(comments: &[InboxComment], own_username: &str) -> HashMap<CommentId, bool> {
    let mut out: HashMap<CommentId, bool> = HashMap::new();
    for c in comments.iter().filter(|c| c.comment.parent_id.is_none()) {
        out.entry(c.comment.id.clone()).or_insert(true);
    }
    for c in comments {
        if let Some(p) = &c.comment.parent_id
            && c.comment.username == own_username
        {
            out.insert(p.clone(), false);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_read_again_when_changed_or_when_recent_likes_are_stale() {
        let at = |m: i64| DateTime::<Utc>::UNIX_EPOCH + Duration::minutes(m);
        let seen = |count, m| SyncedThread {
            comments_count: Some(count),
            read_at: at(m),
        };
        let stale = at(100);
        assert_eq!(
            reread_reason(None, Some(1), false, stale),
            Some(Reread::Changed)
        );
        assert_eq!(
            reread_reason(Some(&seen(1, 0)), Some(2), false, stale),
            Some(Reread::Changed)
        );
        assert_eq!(
            reread_reason(Some(&seen(1, 50)), Some(1), true, stale),
            Some(Reread::Likes)
        );
        assert_eq!(
            reread_reason(Some(&seen(1, 50)), Some(1), false, stale),
            None
        );
        assert_eq!(
            reread_reason(Some(&seen(1, 150)), Some(1), true, stale),
            None
        );
    }

    #[test]
    fn templates_fill_the_username() {
        assert_eq!(fill_template("Thanks @{username}!", "ana"), "Thanks @ana!");
    }
}
