//! Copyright detection before a video is published.
//!
//! Meta checks every uploaded video against its rights database and reports it on the
//! container (`copyright_check_status`). A match means the post may be blocked or muted in
//! some countries as soon as it is published, which a social media manager wants to know
//! before, not after. So the pipeline stops once with who owns the content and what their
//! policy does where; publishing the draft again goes ahead (the warning is journaled).

use std::time::Duration;

use tracing::warn;

use super::super::core::Core;
use super::PublishError;
use crate::graph::Session;
use crate::ids::ContainerId;
use crate::model::CopyrightCheck;
use crate::store::Draft;

/// How often, and how many times, a check still `in_progress` is read again before the
/// post goes out without it (a video that is FINISHED is usually checked too).
const RECHECK_EVERY: Duration = Duration::from_secs(3);
const RECHECKS: u32 = 5;

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
        for item in draft.items.iter().filter(|i| i.is_video) {
            let Some(container) = &item.container_id else {
                continue;
            };
            let Some(check) = self.read_copyright(session, container).await else {
                continue;
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

    /// The container's check once finished, reading it again a few times while Meta is
    /// still at it; `None` when it cannot be read or does not finish in time.
    async fn read_copyright(
        &self,
        session: &Session,
        container: &ContainerId,
    ) -> Option<CopyrightCheck> {
        let publishing = self.client().publishing(session);
        for attempt in 0..=RECHECKS {
            match publishing.copyright(container).await {
                Ok(check) if check.is_done() || check.matches_found => return Some(check),
                Ok(check) if check.status == "error" => {
                    warn!("Meta could not check the video for copyright; publishing without it");
                    return None;
                }
                Ok(_) if attempt < RECHECKS => tokio::time::sleep(RECHECK_EVERY).await,
                Ok(check) => {
                    warn!(status = %check.status, "copyright check unfinished; publishing without it");
                }
                Err(e) => {
                    warn!(error = %e, "copyright check unavailable; publishing without it");
                    return None;
                }
            }
        }
        None
    }
}
