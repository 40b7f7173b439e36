//! Live video: `GET /<IG_ID>/live_media` (seed 002, changelog 2021-11-09) and the comments
//! of the broadcast on air.
//!
//! Meta returns only media being broadcast at the time of the request, and a live media
//! (`media_type` BROADCAST, `media_product_type` LIVE) can be read only while it is on air:
//! after the broadcast, the edge is empty and the media id answers "does not exist". The
//! comments are ordinary IG Comments: hidden, deleted and replied to through `comments`.

use super::comments::{Comment, SyncLimits};
use super::{GraphClient, GraphError, Page, Session};
use crate::ids::IgUserId;
use crate::model::Media;

/// Fields asked for a live media.
pub const LIVE_MEDIA_FIELDS: &str =
    "id,media_type,media_product_type,username,timestamp,comments_count,permalink";

/// How many of a broadcast's comments one read returns (Meta's page cap).
pub const LIVE_COMMENTS_PAGE: u32 = 100;

impl GraphClient {
    /// The broadcast on air on `ig_id`, if any.
    pub async fn live_media(
        &self,
        session: &Session,
        ig_id: &IgUserId,
    ) -> Result<Option<Media>, GraphError> {
        let params = [("fields", LIVE_MEDIA_FIELDS.to_owned())];
        let v = self
            .get_json(session, &format!("{ig_id}/live_media"), &params)
            .await?;
        let page: Page<Media> = Page::from_json(v)?;
        Ok(page.items.into_iter().next())
    }

    /// The latest comments of a live media (with their replies), oldest first.
    pub async fn live_comments(
        &self,
        session: &Session,
        live: &Media,
    ) -> Result<Vec<Comment>, GraphError> {
        let limits = SyncLimits {
            media: 1,
            comments: LIVE_COMMENTS_PAGE,
            replies: 25,
        };
        let threads = self.comments(session).media_comments(live, limits).await?;
        let mut comments = threads.comments;
        comments.sort_by(|a, b| a.timestamp.cmp(&b.timestamp).then(a.id.cmp(&b.id)));
        Ok(comments)
    }
}
