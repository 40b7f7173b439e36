//! Media and post specs for publishing tests: pictures and videos made on the fly, and the
//! `ItemSpec`/`PostSpec` a test hands the engine.

use std::sync::Arc;

use image::{Rgb, RgbImage};
use socialdesk::engine::composer::{ItemSpec, MediaSource, PostSpec};
use socialdesk::media::video::{VideoCodec, synthetic_mp4};
use socialdesk::model::Account;
use socialdesk::store::PostKind;

/// A `width`x`height` picture, left half red and right half blue (so a crop shows), encoded
/// as `format`.
pub fn picture(width: u32, height: u32, format: image::ImageFormat) -> Arc<Vec<u8>> {
    let img = RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            Rgb([200, 30, 30])
        } else {
            Rgb([30, 30, 200])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode");
    Arc::new(out.into_inner())
}

/// A 1080x1920 (9:16) MP4 of `seconds` in `codec`, with AAC audio or none.
pub fn vertical_video(seconds: u32, codec: VideoCodec, with_audio: bool) -> Vec<u8> {
    synthetic_mp4(1080, 1920, seconds, codec, with_audio).expect("mp4")
}

/// A 1080x1920 H.264 MP4 of `seconds` with audio: a reel Instagram takes (from 3 s).
pub fn mp4(seconds: u32) -> Vec<u8> {
    vertical_video(seconds, VideoCodec::H264, true)
}

/// An item read from `bytes` under the file name `name`.
pub fn item(name: &str, bytes: Arc<Vec<u8>>) -> ItemSpec {
    ItemSpec::new(MediaSource::Bytes {
        name: name.into(),
        bytes,
    })
}

/// A post of `kind` for `account`, shared to the feed, not scheduled, with no place.
pub fn post(account: &Account, kind: PostKind, caption: &str, items: Vec<ItemSpec>) -> PostSpec {
    PostSpec {
        account: account.id.clone(),
        kind,
        caption: caption.into(),
        share_to_feed: true,
        scheduled_at: None,
        items,
        place: Default::default(),
        draft: None,
        allow_duplicate: false,
    }
}
