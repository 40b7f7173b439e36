//! Copyright detection before a video is published.
//!
//! Meta checks every uploaded video against its rights database and reports it on the
//! container (`copyright_check_status`). A match means the post may be blocked or muted in
//! some countries as soon as it is published, which a social media manager wants to know
//! before, not after. So the pipeline stops once with who owns the content and what their
//! policy does where; publishing the draft again goes ahead (the warning is journaled).

use tracing::warn;

use super::super::core::Core;
use super::PublishError;
use crate::graph::Session;
use crate::store::Draft;

impl Core {
    /// Refuses once, with the match, when a video of `draft` matches copyrighted content.
    /// A check Meta cannot answer is logged and skipped: it must not block publishing.
    pub(super) async fn check_copyright(
        &self,
        session: &Session,
        draft: &Draft,
    ) -> Result<(), PublishError> {
        if draft.copyright_warned_at.is_some() {
            return Ok(());
        }
        let publishing = self.client().publishing(session);
        for item in draft.items.iter().filter(|i| i.is_video) {
            let Some(container) = &item.container_id else {
                continue;
            };
            let check = match publishing.copyright(container).await {
                Ok(check) => check,
                Err(e) => {
                    warn!(error = %e, "copyright check unavailable; publishing without it");
                    continue;
                }
            };
            if check.matches_found {
                let (id, now) = (draft.id, self.now());
                self.with_store(move |s| s.set_copyright_warned(id, now))
                    .await?;
                return Err(PublishError::CopyrightMatch {
                    item: item.position + 1,
                    summary: check.summary(),
                });
            }
        }
        Ok(())
    }
}
