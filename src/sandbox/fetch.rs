//! Fetching media from the URLs a client hands over (`image_url`, `video_url`, `cover_url`),
//! as Meta's crawler does, and the JPEG checks every fetched picture goes through.
//!
//! Shared by container creation and reel covers so that a cover that cannot be fetched, is
//! not a JPEG or is too large fails with the same codes a feed picture does.

use std::time::Duration;

/// Largest image Meta accepts for publishing.
pub const MAX_IMAGE_BYTES: usize = 8 * 1024 * 1024;

/// Meta's subcode for media it could not fetch.
pub const UNREACHABLE: i64 = 2207052;

/// GETs `url` with a crawler's patience; `Err` is `(subcode, message)` as the container's
/// status reports it. `what` names the parameter in the message.
pub async fn fetch(url: &url::Url, what: &str) -> Result<Vec<u8>, (i64, String)> {
    let unreachable = |why: String| {
        (
            UNREACHABLE,
            format!("The media could not be fetched from {what} {url}: {why}"),
        )
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(|e| unreachable(e.to_string()))?;
    let resp = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| unreachable(e.without_url().to_string()))?;
    if !resp.status().is_success() {
        return Err(unreachable(format!("HTTP {}", resp.status())));
    }
    resp.bytes()
        .await
        .map(|b| b.to_vec())
        .map_err(|e| unreachable(e.without_url().to_string()))
}

/// Checks fetched picture bytes are a JPEG of at most 8 MB and returns its size in pixels.
/// Decoding the header runs on the blocking pool.
pub async fn check_jpeg(bytes: &[u8], what: &str) -> Result<(u32, u32), (i64, String)> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err((
            2207004,
            format!(
                "The image at {what} is {} bytes; the limit is 8 MB",
                bytes.len()
            ),
        ));
    }
    if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err((
            2207005,
            format!("Only JPEG images can be published; {what} is not a JPEG: convert it"),
        ));
    }
    let probe = bytes.to_vec();
    let dims = tokio::task::spawn_blocking(move || {
        image::ImageReader::with_format(std::io::Cursor::new(probe), image::ImageFormat::Jpeg)
            .into_dimensions()
    })
    .await;
    match dims {
        Ok(Ok(d)) => Ok(d),
        _ => Err((2207005, format!("The JPEG at {what} could not be decoded"))),
    }
}
