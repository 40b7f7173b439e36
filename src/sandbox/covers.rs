//! A video's cover: `cover_url` (reels only), an image Meta fetches like the media itself and
//! that must be a JPEG, or `thumb_offset` (any video), the frame at that many milliseconds.
//!
//! A cover that cannot be fetched fails the container with the same codes as a picture
//! (2207052, 2207005, 2207004); until it is fetched the container stays `IN_PROGRESS`.

use std::sync::Arc;

use super::demo::{ContainerKind, CoverFetch};
use super::errors::GraphError;
use super::fetch;
use super::state::Inner;
use super::writes::bad;

/// Checks `cover_url` and `thumb_offset` against the container being created; returns the
/// cover URL to fetch.
pub fn check_params(
    cover_url: Option<&str>,
    thumb_offset: Option<&str>,
    kind: ContainerKind,
    is_video: bool,
) -> Result<Option<url::Url>, GraphError> {
    if let Some(offset) = thumb_offset {
        if !is_video {
            return Err(bad(
                "(#100) thumb_offset applies to videos only (REELS, STORIES or a VIDEO carousel item)",
            ));
        }
        if offset.parse::<u64>().is_err() {
            return Err(bad(format!(
                "(#100) thumb_offset must be a whole number of milliseconds, got '{offset}'"
            )));
        }
    }
    let Some(raw) = cover_url else {
        return Ok(None);
    };
    if kind != ContainerKind::Reels {
        return Err(bad(
            "(#100) cover_url is supported for reels only (media_type=REELS); pick a frame of other videos with thumb_offset",
        ));
    }
    url::Url::parse(raw)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(Some)
        .ok_or_else(|| {
            bad(format!(
                "(#100) cover_url must be an absolute http(s) URL, got '{raw}'"
            ))
        })
}

/// Fetches a reel's cover in the background and records the outcome on its container.
pub fn spawn_fetch(inner: &Arc<Inner>, container_id: String, url: url::Url) {
    let inner = inner.clone();
    tokio::spawn(async move {
        let outcome = async {
            let bytes = fetch::fetch(&url, "cover_url").await?;
            fetch::check_jpeg(&bytes, "cover_url").await?;
            Ok::<_, (i64, String)>(inner.store_upload(bytes, "image/jpeg"))
        }
        .await;
        let mut demo = inner.demo_mut();
        if let Some(c) = demo.containers.iter_mut().find(|c| c.id == container_id) {
            c.cover = Some(match outcome {
                Ok(upload) => CoverFetch::Fetched { upload },
                Err((subcode, message)) => CoverFetch::Failed { subcode, message },
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_url_is_for_reels_and_thumb_offset_for_videos() {
        let reel = ContainerKind::Reels;
        assert!(check_params(Some("https://cdn.example/c.jpg"), None, reel, true).is_ok());
        assert!(check_params(None, Some("1500"), reel, true).is_ok());
        let story = check_params(
            Some("https://cdn.example/c.jpg"),
            None,
            ContainerKind::Stories,
            true,
        );
        assert!(story.is_err_and(|e| e.message.contains("reels only")));
        let image = check_params(None, Some("10"), ContainerKind::Image, false);
        assert!(image.is_err_and(|e| e.message.contains("videos only")));
        let negative = check_params(None, Some("-5"), reel, true);
        assert!(negative.is_err_and(|e| e.message.contains("whole number")));
        let relative = check_params(Some("cover.jpg"), None, reel, true);
        assert!(relative.is_err_and(|e| e.message.contains("absolute")));
    }
}
