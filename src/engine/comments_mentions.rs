//! Mentions: media and comments where the account was tagged or @mentioned, cached in the
//! store so the Mentions view opens instantly and offline, and replies to them that are
//! never sent twice.
//!
//! Meta keeps no list of mentions. A desktop cannot receive the `mentions` webhook, so the
//! list is built from what the API can read: the `tags` edge (media that tag the account; a
//! caption that also @mentions it can be answered), and comments looked up by id with
//! `mentioned_comment.comment_id(X)` (an id from a webhook relay or Meta's notification).
//! Facts (facebook-login.md §10): no mentions on stories; commenting on media where the
//! account is only tagged is not supported; a reply to a comment mention lands in that
//! comment's thread, a reply to a caption mention is a comment on the media.

use super::comments_ops::{CommentsError, PostPlace};
use super::core::Core;
use crate::graph::comments::{MentionTarget, MentionedComment};
use crate::ids::{CommentId, MediaId};
use crate::model::{Account, Media, ProductType};
use crate::store::{Mention, MentionKind, MentionReply};

/// At most this many tagged media are read on a refresh.
pub const MAX_TAGGED: usize = 500;
/// At most this many cached comment mentions are read again on a refresh (newest first),
/// so their text and like counts stay current.
pub const MAX_COMMENT_REFRESH: usize = 50;

/// Whether `text` @mentions `username` as a whole handle (not a prefix of a longer one),
/// ignoring case as Instagram handles do.
pub fn mentions_username(text: &str, username: &str) -> bool {
    let text = text.to_lowercase();
    let needle = format!("@{}", username.to_lowercase());
    text.match_indices(&needle).any(|(i, _)| {
        !text[i + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
    })
}

/// A media from the `tags` edge (or a `mentioned_media` lookup) as a mention of `account`.
pub fn media_mention(account: &Account, m: &Media, from_tags: bool) -> Mention {
    let caption = m.caption.clone().unwrap_or_default();
    Mention {
        kind: if mentions_username(&caption, &account.username) {
            MentionKind::Caption
        } else {
            MentionKind::Tag
        },
        media_id: m.id.clone(),
        comment_id: None,
        from_tags,
        username: m.username.clone().unwrap_or_default(),
        text: caption,
        timestamp: m.timestamp,
        media_type: Some(m.media_type.clone()),
        product_type: m.media_product_type.clone(),
        permalink: m.permalink.clone(),
        preview_url: m.preview_url().map(str::to_owned),
        like_count: m.like_count,
        reply: None,
    }
}

/// A comment read with `mentioned_comment` as a mention.
fn comment_mention(found: &MentionedComment, media_hint: Option<&MediaId>) -> Mention {
    let c = &found.comment;
    let media_id = found
        .media
        .as_ref()
        .map(|m| m.id.clone())
        .filter(|id| !id.as_str().is_empty())
        .or_else(|| media_hint.cloned())
        .unwrap_or_else(|| MediaId::from(""));
    Mention {
        kind: MentionKind::Comment,
        media_id,
        comment_id: Some(c.id.clone()),
        from_tags: false,
        username: c.username.clone(),
        text: c.text.clone(),
        timestamp: c.timestamp,
        media_type: found.media.as_ref().map(|m| m.media_type.clone()),
        product_type: found
            .media
            .as_ref()
            .and_then(|m| m.media_product_type.clone()),
        permalink: found.media.as_ref().and_then(|m| m.permalink.clone()),
        preview_url: found
            .media
            .as_ref()
            .and_then(|m| m.preview_url().map(str::to_owned)),
        like_count: c.like_count,
        reply: None,
    }
}

/// Why Meta does not let an app answer a mention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotAnswerable {
    /// "Mentions on Stories are not supported."
    Story,
    /// "Commenting on photos in which you were tagged is not supported."
    TaggedOnly,
}

/// Whether Meta lets the app answer this mention.
pub fn check_answerable(m: &Mention) -> Result<(), NotAnswerable> {
    if m.product_type == Some(ProductType::Story) {
        return Err(NotAnswerable::Story);
    }
    if m.kind == MentionKind::Tag {
        return Err(NotAnswerable::TaggedOnly);
    }
    Ok(())
}

impl Core {
    /// The cached mentions, newest first (no network).
    pub async fn cached_mentions(&self, account: &Account) -> Result<Vec<Mention>, CommentsError> {
        let id = account.id.clone();
        Ok(self.with_store(move |s| s.mentions(&id)).await?)
    }

    /// Reads the `tags` edge and the cached comment mentions again, stores them, and
    /// returns every cached mention. A comment mention that can no longer be read (deleted,
    /// or no longer visible) keeps its cached copy.
    pub async fn refresh_mentions(&self, account: &Account) -> Result<Vec<Mention>, CommentsError> {
        let result = self.refresh_mentions_inner(account).await;
        if let Err(CommentsError::Engine(e)) = &result {
            self.note_error(account, e).await;
        }
        result
    }

    async fn refresh_mentions_inner(
        &self,
        account: &Account,
    ) -> Result<Vec<Mention>, CommentsError> {
        let tagged: Vec<Mention> = self
            .tagged_media(account, MAX_TAGGED)
            .await?
            .iter()
            .map(|m| media_mention(account, m, true))
            .collect();
        let id = account.id.clone();
        self.with_store(move |s| s.replace_tagged_mentions(&id, &tagged))
            .await?;
        let comments: Vec<Mention> = self
            .cached_mentions(account)
            .await?
            .into_iter()
            .filter(|m| m.kind == MentionKind::Comment)
            .take(MAX_COMMENT_REFRESH)
            .collect();
        if !comments.is_empty() {
            let session = self.session(account).await?;
            let handler = self.client().comments(&session);
            for old in comments {
                let Some(cid) = &old.comment_id else { continue };
                match handler.mentioned_comment(&account.id, cid).await {
                    Ok(found) => {
                        let mut fresh = comment_mention(&found, Some(&old.media_id));
                        if fresh.media_id.as_str().is_empty() {
                            fresh.media_id = old.media_id.clone();
                        }
                        let id = account.id.clone();
                        self.with_store(move |s| s.store_mention(&id, &fresh))
                            .await?;
                    }
                    Err(e) if e.code == Some(100) => {
                        tracing::info!(comment = %cid, "a cached mention can no longer be read");
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        self.cached_mentions(account).await
    }

    /// Looks a mention up by id (from a `mentions` webhook: `comment_id` and/or `media_id`)
    /// with `mentioned_comment` / `mentioned_media`, and caches it. A comment id wins.
    pub async fn lookup_mention(
        &self,
        account: &Account,
        comment: Option<&CommentId>,
        media: Option<&MediaId>,
    ) -> Result<Mention, CommentsError> {
        let session = self.session(account).await?;
        let handler = self.client().comments(&session);
        let mention = match (comment, media) {
            (Some(c), media) => {
                let found = handler.mentioned_comment(&account.id, c).await?;
                comment_mention(&found, media)
            }
            (None, Some(m)) => {
                let found = handler.mentioned_media(&account.id, m).await?;
                let mut mention = media_mention(account, &found, false);
                // `mentioned_media` answers only for a caption that mentions the account.
                mention.kind = MentionKind::Caption;
                mention
            }
            (None, None) => return Err(CommentsError::MentionLookupNeedsId),
        };
        let (id, m) = (account.id.clone(), mention.clone());
        self.with_store(move |s| s.store_mention(&id, &m)).await?;
        Ok(mention)
    }

    /// Replies to a cached mention (`POST /{ig-id}/mentions`): in the mentioning comment's
    /// thread, or as a comment on a media whose caption mentioned the account. Refused
    /// before any call for stories and tag-only media (Meta does not support them). Never
    /// sent twice: a reply whose answer was lost is looked for before sending again.
    pub async fn reply_to_mention(
        &self,
        account: &Account,
        media: &MediaId,
        comment: Option<&CommentId>,
        text: &str,
    ) -> Result<Mention, CommentsError> {
        let text = text.trim().to_owned();
        if text.is_empty() {
            return Err(CommentsError::EmptyReply);
        }
        let (id, m, c) = (account.id.clone(), media.clone(), comment.cloned());
        let mut mention = self
            .with_store(move |s| s.mention(&id, &m, c.as_ref()))
            .await?
            .ok_or(CommentsError::UnknownMention)?;
        check_answerable(&mention).map_err(|why| match why {
            NotAnswerable::Story => CommentsError::StoryMention,
            NotAnswerable::TaggedOnly => CommentsError::TaggedOnly(mention.username.clone()),
        })?;
        let (target, place) = match &mention.comment_id {
            Some(cid) => (
                MentionTarget::Comment {
                    comment: cid.clone(),
                    media: Some(mention.media_id.clone()).filter(|m| !m.as_str().is_empty()),
                },
                PostPlace::MentionThread {
                    media: mention.media_id.clone(),
                    comment: cid.clone(),
                },
            ),
            None => (
                MentionTarget::Caption {
                    media: mention.media_id.clone(),
                },
                PostPlace::MentionCaption(mention.media_id.clone()),
            ),
        };
        let session = self.session(account).await?;
        let handler = self.client().comments(&session);
        let posted = self
            .post_once(
                account,
                &session,
                &place,
                &text,
                handler.reply_to_mention(&account.id, &target, &text),
            )
            .await?;
        let reply = MentionReply {
            id: posted.id,
            text: posted.text,
            at: posted.timestamp,
        };
        let (id, m, c, r) = (
            account.id.clone(),
            mention.media_id.clone(),
            mention.comment_id.clone(),
            reply.clone(),
        );
        self.with_store(move |s| s.record_mention_reply(&id, &m, c.as_ref(), &r))
            .await?;
        mention.reply = Some(reply);
        Ok(mention)
    }

    /// Finds a cached comment mention by comment id (for the CLI, which names only it).
    pub async fn cached_comment_mention(
        &self,
        account: &Account,
        comment: &CommentId,
    ) -> Result<Option<Mention>, CommentsError> {
        let (id, c) = (account.id.clone(), comment.clone());
        Ok(self
            .with_store(move |s| s.mention_by_comment(&id, &c))
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_is_a_whole_handle_in_any_case() {
        assert!(mentions_username("thanks @Studio!", "studio"));
        assert!(mentions_username("@studio", "studio"));
        assert!(!mentions_username("@studio.two hi", "studio"));
        assert!(!mentions_username("@studio_x", "studio"));
        assert!(!mentions_username("studio", "studio"));
    }
}
