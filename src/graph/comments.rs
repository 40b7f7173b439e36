//! Comments, replies and moderation: the `comments` and `replies` edges, hide/unhide,
//! delete, and turning comments off/on for a media; mentions: the `tags` edge, the
//! `mentioned_comment` / `mentioned_media` lookups by id, and `POST /{ig-id}/mentions`.
//!
//! Reading is built for a whole-account sync with few requests: one media page expands each
//! post's comments and their replies inline (`comments.limit(n){…,replies.limit(m){…}}`),
//! and only threads longer than the inline limits are paged further with their `next` links.
//! Writes never pass `fields` (Meta answers error 20 / 1772107 although the comment was
//! created) and are never retried blindly: the caller checks the thread first.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::client::GraphRequest;
use super::media::MAX_PAGE_SIZE;
use super::page::{FromGraph, Page, PageGuard, decode_as};
use super::time::parse_graph_time;
use super::{GraphClient, GraphError, Session};
use crate::ids::{CommentId, IgUserId, MediaId};
use crate::model::Media;

/// Fields read for every comment and reply.
pub const COMMENT_FIELDS: &str = "id,text,timestamp,username,from,like_count,hidden,parent_id";

/// Media fields the inbox shows beside a comment (thumbnail, caption, counts, switch).
pub const INBOX_MEDIA_FIELDS: &str = "id,caption,media_type,media_product_type,media_url,thumbnail_url,permalink,timestamp,username,like_count,comments_count,is_comment_enabled";

/// Fields read for media where the account is tagged or @mentioned (other people's posts).
/// `media_product_type` tells stories apart: Meta does not support mentions on stories.
pub const TAGGED_MEDIA_FIELDS: &str = "id,caption,media_type,media_product_type,media_url,thumbnail_url,permalink,timestamp,username,comments_count,like_count";

/// Fields read for a comment that @mentioned the account, with the media it is on.
pub const MENTIONED_COMMENT_FIELDS: &str = "id,text,timestamp,username,like_count,media{id,caption,media_type,media_product_type,media_url,thumbnail_url,permalink,timestamp,username}";

/// What a reply to a mention answers (`POST /{ig-user-id}/mentions`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MentionTarget {
    /// A comment that @mentioned the account: the reply lands in that comment's thread.
    /// `media` is the media the comment is on (Meta's sample sends both).
    Comment {
        comment: CommentId,
        media: Option<MediaId>,
    },
    /// A media whose caption @mentioned the account: the reply is a comment on that media.
    Caption { media: MediaId },
}

/// A comment that @mentioned the account, read with `mentioned_comment.comment_id(X)`.
#[derive(Clone, Debug, PartialEq)]
pub struct MentionedComment {
    pub comment: Comment,
    /// The media the comment is on, when Meta answers the `media` field.
    pub media: Option<Media>,
}

/// One comment or reply on an account's media.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Comment {
    pub id: CommentId,
    pub media_id: MediaId,
    /// Set on replies: the top-level comment this replies to.
    pub parent_id: Option<CommentId>,
    pub text: String,
    pub username: String,
    /// The author's IGSID (for private replies); absent when Meta leaves `from` out.
    pub from_id: Option<String>,
    pub timestamp: DateTime<Utc>,
    pub like_count: Option<u64>,
    pub hidden: bool,
}

#[derive(Deserialize)]
struct FromWire {
    id: Option<crate::ids::IgUserId>,
}

#[derive(Deserialize)]
struct CommentWire {
    id: CommentId,
    #[serde(default)]
    text: String,
    timestamp: Option<String>,
    #[serde(default)]
    username: String,
    from: Option<FromWire>,
    like_count: Option<u64>,
    #[serde(default)]
    hidden: bool,
    parent_id: Option<CommentId>,
    replies: Option<Value>,
}

/// A comment decoded before its media is known (the edge answers do not repeat it).
struct RawComment {
    comment: Comment,
    replies: Option<Value>,
}

impl FromGraph for RawComment {
    fn from_graph(value: Value, path: &str) -> Result<Self, GraphError> {
        let w: CommentWire = decode_as(value, path)?;
        let raw = w
            .timestamp
            .ok_or_else(|| GraphError::decode(format!("{path}.timestamp"), "missing"))?;
        let timestamp = parse_graph_time(&raw).ok_or_else(|| {
            GraphError::decode(
                format!("{path}.timestamp"),
                format!("`{raw}` is not a date"),
            )
        })?;
        Ok(RawComment {
            comment: Comment {
                id: w.id,
                media_id: MediaId::from(""),
                parent_id: w.parent_id,
                text: w.text,
                username: w.username,
                from_id: w.from.and_then(|f| f.id).map(|i| i.0),
                timestamp,
                like_count: w.like_count,
                hidden: w.hidden,
            },
            replies: w.replies,
        })
    }
}

impl RawComment {
    fn into_comment(mut self, media: &MediaId, parent: Option<&CommentId>) -> Comment {
        self.comment.media_id = media.clone();
        if let Some(p) = parent {
            self.comment.parent_id = Some(p.clone());
        }
        self.comment
    }
}

/// A media with the comments read inline, and the links to what did not fit.
#[derive(Clone, Debug, PartialEq)]
pub struct MediaThreads {
    pub media: Media,
    pub comments_enabled: Option<bool>,
    /// Top-level comments and replies read so far.
    pub comments: Vec<Comment>,
    /// `next` of the inline comments page: more top-level comments to read.
    pub comments_next: Option<String>,
    /// `(comment, next)` for inline reply lists that have more.
    pub replies_next: Vec<(CommentId, String)>,
}

impl FromGraph for MediaThreads {
    fn from_graph(mut value: Value, path: &str) -> Result<Self, GraphError> {
        let comments_value = value.get_mut("comments").map(Value::take);
        let comments_enabled = value.get("is_comment_enabled").and_then(Value::as_bool);
        let media = Media::from_graph(value, path)?;
        let mut out = MediaThreads {
            comments_enabled,
            comments: Vec::new(),
            comments_next: None,
            replies_next: Vec::new(),
            media,
        };
        if let Some(v) = comments_value.filter(|v| !v.is_null()) {
            let page = Page::<RawComment>::from_json(v)
                .map_err(|e| GraphError::decode(format!("{path}.comments"), e.message))?;
            out.comments_next = page.next;
            for raw in page.items {
                out.add_with_replies(raw, path)?;
            }
        }
        Ok(out)
    }
}

impl MediaThreads {
    fn add_with_replies(&mut self, mut raw: RawComment, path: &str) -> Result<(), GraphError> {
        let replies = raw.replies.take();
        let comment = raw.into_comment(&self.media.id, None);
        let parent = comment.id.clone();
        self.comments.push(comment);
        if let Some(v) = replies.filter(|v| !v.is_null()) {
            let page = Page::<RawComment>::from_json(v)
                .map_err(|e| GraphError::decode(format!("{path}.replies"), e.message))?;
            if let Some(next) = page.next {
                self.replies_next.push((parent.clone(), next));
            }
            self.comments.extend(
                page.items
                    .into_iter()
                    .map(|r| r.into_comment(&self.media.id, Some(&parent))),
            );
        }
        Ok(())
    }
}

/// Page sizes of a sync: media per page, inline comments per media, inline replies per
/// comment (each at most 100, Meta's cap).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncLimits {
    pub media: u32,
    pub comments: u32,
    pub replies: u32,
}

impl Default for SyncLimits {
    fn default() -> Self {
        Self {
            media: 50,
            comments: MAX_PAGE_SIZE,
            replies: MAX_PAGE_SIZE,
        }
    }
}

/// `client.comments(&session)`.
pub struct CommentsHandler<'a> {
    client: &'a GraphClient,
    session: &'a Session,
}

impl GraphClient {
    /// Comments, replies and moderation.
    pub fn comments<'a>(&'a self, session: &'a Session) -> CommentsHandler<'a> {
        CommentsHandler {
            client: self,
            session,
        }
    }
}

fn threads_fields(limits: SyncLimits) -> String {
    format!(
        "{INBOX_MEDIA_FIELDS},comments.limit({}){{{COMMENT_FIELDS},replies.limit({}){{{COMMENT_FIELDS}}}}}",
        limits.comments.clamp(1, MAX_PAGE_SIZE),
        limits.replies.clamp(1, MAX_PAGE_SIZE)
    )
}

impl CommentsHandler<'_> {
    /// One page of an edge of the account (`/{ig-id}/{edge}`) with these fields.
    async fn edge_page<T: FromGraph>(
        &self,
        ig_id: &IgUserId,
        edge: &str,
        fields: String,
        limit: u32,
        after: Option<&str>,
    ) -> Result<Page<T>, GraphError> {
        let mut params = vec![
            ("fields", fields),
            ("limit", limit.clamp(1, MAX_PAGE_SIZE).to_string()),
        ];
        if let Some(a) = after {
            params.push(("after", a.to_owned()));
        }
        let v = self
            .client
            .get_json(self.session, &format!("{ig_id}/{edge}"), &params)
            .await?;
        Page::from_json(v)
    }

    /// One page of the account's media, newest first, with comments and replies inline.
    pub async fn media_threads(
        &self,
        ig_id: &IgUserId,
        limits: SyncLimits,
        after: Option<&str>,
    ) -> Result<Page<MediaThreads>, GraphError> {
        self.edge_page(ig_id, "media", threads_fields(limits), limits.media, after)
            .await
    }

    /// One page of the account's media with counts only (what an incremental sync compares).
    pub async fn media_counts(
        &self,
        ig_id: &IgUserId,
        limit: u32,
        after: Option<&str>,
    ) -> Result<Page<MediaThreads>, GraphError> {
        self.edge_page(ig_id, "media", INBOX_MEDIA_FIELDS.to_owned(), limit, after)
            .await
    }

    /// The first page of a media's comments with their replies inline.
    pub async fn media_comments(
        &self,
        media: &Media,
        limits: SyncLimits,
    ) -> Result<MediaThreads, GraphError> {
        let params = vec![
            (
                "fields",
                format!(
                    "{COMMENT_FIELDS},replies.limit({}){{{COMMENT_FIELDS}}}",
                    limits.replies.clamp(1, MAX_PAGE_SIZE)
                ),
            ),
            ("limit", limits.comments.clamp(1, MAX_PAGE_SIZE).to_string()),
        ];
        let v = self
            .client
            .get_json(self.session, &format!("{}/comments", media.id), &params)
            .await?;
        Self::threads_from(media, Page::from_json(v)?)
    }

    /// Follows a `comments_next` link of [`MediaThreads`].
    pub async fn more_comments(
        &self,
        media: &Media,
        next: &str,
    ) -> Result<MediaThreads, GraphError> {
        let page = self
            .client
            .get_page::<RawComment>(self.session, next)
            .await?;
        Self::threads_from(media, page)
    }

    fn threads_from(media: &Media, page: Page<RawComment>) -> Result<MediaThreads, GraphError> {
        let mut out = MediaThreads {
            media: media.clone(),
            comments_enabled: None,
            comments: Vec::new(),
            comments_next: page.next,
            replies_next: Vec::new(),
        };
        for raw in page.items {
            out.add_with_replies(raw, "data")?;
        }
        Ok(out)
    }

    /// Follows a `replies_next` link: the remaining replies of one comment.
    pub async fn more_replies(
        &self,
        media: &MediaId,
        parent: &CommentId,
        next: &str,
    ) -> Result<(Vec<Comment>, Option<String>), GraphError> {
        let page = self
            .client
            .get_page::<RawComment>(self.session, next)
            .await?;
        Ok((
            page.items
                .into_iter()
                .map(|r| r.into_comment(media, Some(parent)))
                .collect(),
            page.next,
        ))
    }

    /// Every reply of a comment, oldest first (used to check a reply landed before
    /// sending it again).
    pub async fn replies(
        &self,
        media: &MediaId,
        parent: &CommentId,
    ) -> Result<Vec<Comment>, GraphError> {
        let params = vec![
            ("fields", COMMENT_FIELDS.to_owned()),
            ("limit", MAX_PAGE_SIZE.to_string()),
        ];
        let v = self
            .client
            .get_json(self.session, &format!("{parent}/replies"), &params)
            .await?;
        let mut page = Page::<RawComment>::from_json(v)?;
        let mut out: Vec<Comment> = Vec::new();
        let mut guard = PageGuard::new("replies");
        loop {
            let next = guard.follow(page.items.len(), page.next.take())?;
            out.extend(
                page.items
                    .into_iter()
                    .map(|r| r.into_comment(media, Some(parent))),
            );
            match next {
                Some(next) if out.len() < 10_000 => {
                    page = self.client.get_page(self.session, &next).await?;
                }
                _ => break,
            }
        }
        Ok(out)
    }

    async fn post(
        &self,
        path: &str,
        form: Vec<(&'static str, String)>,
    ) -> Result<Value, GraphError> {
        let url = self.client.versioned_url(self.session.login, path)?;
        let req = GraphRequest {
            method: Method::POST,
            url,
            query: Vec::new(),
            form: Some(form),
            session: Some(self.session),
            idempotent: false,
        };
        self.client.execute(req).await
    }

    /// Replies in a comment's thread (`POST /{comment}/replies`). Sent once, never retried:
    /// on a lost answer check [`Self::replies`] before sending again.
    pub async fn reply(&self, parent: &CommentId, message: &str) -> Result<CommentId, GraphError> {
        let v = self
            .post(
                &format!("{parent}/replies"),
                vec![("message", message.to_owned())],
            )
            .await?;
        created_id(&v)
    }

    /// Comments on a media as the account (`POST /{media}/comments`).
    pub async fn comment(&self, media: &MediaId, message: &str) -> Result<CommentId, GraphError> {
        let v = self
            .post(
                &format!("{media}/comments"),
                vec![("message", message.to_owned())],
            )
            .await?;
        created_id(&v)
    }

    /// One page of media where the account is tagged (`GET /{ig-id}/tags`), newest first.
    /// Pass the previous page's `after` cursor to read on.
    pub async fn tagged_media(
        &self,
        ig_id: &IgUserId,
        limit: u32,
        after: Option<&str>,
    ) -> Result<Page<Media>, GraphError> {
        self.edge_page(ig_id, "tags", TAGGED_MEDIA_FIELDS.to_owned(), limit, after)
            .await
    }

    /// Replies to a mention (`POST /{ig-id}/mentions`): in the thread of a comment that
    /// @mentioned the account (`comment_id`, with `media_id` when known), or as a comment on
    /// a media whose caption did (`media_id` only). Sent once, never retried: on a lost
    /// answer check the thread first.
    pub async fn reply_to_mention(
        &self,
        ig_id: &IgUserId,
        target: &MentionTarget,
        message: &str,
    ) -> Result<CommentId, GraphError> {
        let mut form = Vec::new();
        match target {
            MentionTarget::Comment { comment, media } => {
                form.push(("comment_id", comment.to_string()));
                if let Some(m) = media {
                    form.push(("media_id", m.to_string()));
                }
            }
            MentionTarget::Caption { media } => form.push(("media_id", media.to_string())),
        }
        form.push(("message", message.to_owned()));
        let v = self.post(&format!("{ig_id}/mentions"), form).await?;
        created_id(&v)
    }

    /// A comment that @mentioned the account, by id (`GET /{ig-id}?fields=
    /// mentioned_comment.comment_id(X){…}`): the id comes from a `mentions` webhook or a
    /// comment seen elsewhere; Meta keeps no list of them. Code 100 when the comment does
    /// not mention the account.
    pub async fn mentioned_comment(
        &self,
        ig_id: &IgUserId,
        comment: &CommentId,
    ) -> Result<MentionedComment, GraphError> {
        let fields =
            format!("mentioned_comment.comment_id({comment}){{{MENTIONED_COMMENT_FIELDS}}}");
        let mut v = self
            .client
            .get_json(self.session, ig_id.as_str(), &[("fields", fields)])
            .await?;
        let mut inner = v
            .get_mut("mentioned_comment")
            .map(Value::take)
            .filter(|v| !v.is_null())
            .ok_or_else(|| GraphError::decode("mentioned_comment", "Meta answered no comment"))?;
        let media_value = inner.get_mut("media").map(Value::take);
        let media = match media_value.filter(|m| m.get("timestamp").is_some()) {
            Some(m) => Some(Media::from_graph(m, "mentioned_comment.media")?),
            None => None,
        };
        let media_id = media
            .as_ref()
            .map_or_else(|| MediaId::from(""), |m| m.id.clone());
        let raw = RawComment::from_graph(inner, "mentioned_comment")?;
        Ok(MentionedComment {
            comment: raw.into_comment(&media_id, None),
            media,
        })
    }

    /// A media whose caption @mentioned the account, by id (`GET /{ig-id}?fields=
    /// mentioned_media.media_id(X){…}`). Code 100 when the caption does not mention it.
    pub async fn mentioned_media(
        &self,
        ig_id: &IgUserId,
        media: &MediaId,
    ) -> Result<Media, GraphError> {
        let fields = format!("mentioned_media.media_id({media}){{{TAGGED_MEDIA_FIELDS}}}");
        let mut v = self
            .client
            .get_json(self.session, ig_id.as_str(), &[("fields", fields)])
            .await?;
        let inner = v
            .get_mut("mentioned_media")
            .map(Value::take)
            .filter(|v| !v.is_null())
            .ok_or_else(|| GraphError::decode("mentioned_media", "Meta answered no media"))?;
        Media::from_graph(inner, "mentioned_media")
    }

    /// The first page (up to 100) of replies under a comment that @mentioned the account,
    /// read through `mentioned_comment` (the comment is on someone else's media, so its
    /// `/replies` edge cannot be read directly). Used to check that a reply landed.
    pub async fn mentioned_comment_replies(
        &self,
        ig_id: &IgUserId,
        comment: &CommentId,
    ) -> Result<Vec<Comment>, GraphError> {
        let fields = format!(
            "mentioned_comment.comment_id({comment}){{id,replies.limit({MAX_PAGE_SIZE}){{{COMMENT_FIELDS}}}}}"
        );
        let v = self
            .client
            .get_json(self.session, ig_id.as_str(), &[("fields", fields)])
            .await?;
        nested_comments(v, "mentioned_comment", "replies", Some(comment))
    }

    /// The first page (up to 100, newest first) of comments on a media whose caption
    /// @mentioned the account, read through `mentioned_media`. Used to check that a comment
    /// landed.
    pub async fn mentioned_media_comments(
        &self,
        ig_id: &IgUserId,
        media: &MediaId,
    ) -> Result<Vec<Comment>, GraphError> {
        let fields = format!(
            "mentioned_media.media_id({media}){{id,comments.limit({MAX_PAGE_SIZE}){{{COMMENT_FIELDS}}}}}"
        );
        let v = self
            .client
            .get_json(self.session, ig_id.as_str(), &[("fields", fields)])
            .await?;
        let mut out = nested_comments(v, "mentioned_media", "comments", None)?;
        for c in &mut out {
            c.media_id = media.clone();
        }
        Ok(out)
    }

    /// Hides (`true`) or unhides a comment (`POST /{comment}?hide=`).
    pub async fn hide(&self, comment: &CommentId, hide: bool) -> Result<(), GraphError> {
        let v = self
            .post(comment.as_str(), vec![("hide", hide.to_string())])
            .await?;
        require_success(&v)
    }

    /// Turns comments on or off for a media (`POST /{media}?comment_enabled=`).
    pub async fn set_comments_enabled(
        &self,
        media: &MediaId,
        enabled: bool,
    ) -> Result<(), GraphError> {
        let v = self
            .post(
                media.as_str(),
                vec![("comment_enabled", enabled.to_string())],
            )
            .await?;
        require_success(&v)
    }

    /// Deletes a comment and its replies (`DELETE /{comment}`).
    pub async fn delete(&self, comment: &CommentId) -> Result<(), GraphError> {
        let url = self
            .client
            .versioned_url(self.session.login, comment.as_str())?;
        let req = GraphRequest {
            method: Method::DELETE,
            url,
            query: Vec::new(),
            form: None,
            session: Some(self.session),
            // Deleting twice ends in the same state (the second answers "does not exist").
            idempotent: false,
        };
        require_success(&self.client.execute(req).await?)
    }
}

/// The comments of `{node: {edge: {data: [...]}}}` (an inline first page).
fn nested_comments(
    mut v: Value,
    node: &str,
    edge: &str,
    parent: Option<&CommentId>,
) -> Result<Vec<Comment>, GraphError> {
    let page = v
        .get_mut(node)
        .and_then(|n| n.get_mut(edge))
        .map(Value::take)
        .filter(|p| !p.is_null());
    let Some(page) = page else {
        return Ok(Vec::new());
    };
    let page = Page::<RawComment>::from_json(page)
        .map_err(|e| GraphError::decode(format!("{node}.{edge}"), e.message))?;
    let media = MediaId::from("");
    Ok(page
        .items
        .into_iter()
        .map(|r| r.into_comment(&media, parent))
        .collect())
}

fn created_id(v: &Value) -> Result<CommentId, GraphError> {
    v.get("id")
        .and_then(|id| {
            id.as_str()
                .map(str::to_owned)
                .or_else(|| id.as_u64().map(|n| n.to_string()))
        })
        .map(CommentId::from)
        .ok_or_else(|| GraphError::decode("id", "the answer names no created comment"))
}

fn require_success(v: &Value) -> Result<(), GraphError> {
    if v.get("success").and_then(Value::as_bool) == Some(true) {
        Ok(())
    } else {
        Err(GraphError::decode(
            "success",
            "Meta did not confirm the change",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_media_with_inline_threads_and_overflow_links() {
        let v = serde_json::json!({
            "id": "m1", "timestamp": "2026-01-01T10:00:00+0000", "media_type": "IMAGE",
            "comments_count": 3, "is_comment_enabled": false,
            "comments": {"data": [
                {"id": "c1", "text": "hi", "timestamp": "2026-01-01T11:00:00+0000",
                 "username": "a", "from": {"id": "61", "username": "a"}, "like_count": 2,
                 "hidden": true,
                 "replies": {"data": [{"id": "r1", "text": "yo", "timestamp": "2026-01-01T12:00:00+0000", "username": "b", "parent_id": "c1"}],
                             "paging": {"cursors": {"after": "X"}, "next": "http://h/v24.0/c1/replies?after=X"}}}
            ], "paging": {"cursors": {"after": "Y"}, "next": "http://h/v24.0/m1/comments?after=Y"}}
        });
        let t = MediaThreads::from_graph(v, "data[0]").expect("threads");
        assert_eq!(t.comments_enabled, Some(false));
        assert_eq!(t.comments.len(), 2);
        assert_eq!(t.comments[0].media_id.as_str(), "m1");
        assert!(t.comments[0].hidden);
        assert_eq!(t.comments[0].from_id.as_deref(), Some("61"));
        assert_eq!(
            t.comments[1].parent_id.as_ref().map(CommentId::as_str),
            Some("c1")
        );
        assert_eq!(
            t.comments_next.as_deref(),
            Some("http://h/v24.0/m1/comments?after=Y")
        );
        assert_eq!(t.replies_next.len(), 1);
    }

    #[test]
    fn sync_fields_nest_replies_inside_comments() {
        let f = threads_fields(SyncLimits {
            media: 10,
            comments: 500,
            replies: 7,
        });
        assert!(f.contains("comments.limit(100){id,"), "{f}");
        assert!(
            f.ends_with(
                "replies.limit(7){id,text,timestamp,username,from,like_count,hidden,parent_id}}"
            ),
            "{f}"
        );
    }
}
