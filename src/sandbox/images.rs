//! The `/cdn/...` host: real JPEGs for every demo media and profile picture.
//!
//! Each media gets a distinct, deterministic variant of one embedded photo (crop window and
//! colour shift from seed + media id) at Instagram-like sizes: 1080 px wide feed images at
//! 1:1, 4:5 or 1.91:1, 9:16 for stories and reel covers. Paths:
//! `/cdn/<media-id>/full.jpg`, `/cdn/<media-id>/thumb.jpg` (320 px wide),
//! `/cdn/<ig-id>/profile.jpg` (320 × 320). Images are generated on first request in
//! `spawn_blocking` and cached in memory.

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use image::{DynamicImage, ImageFormat, RgbImage, imageops::FilterType};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::demo::{Aspect, PHOTO_COUNT};
use super::state::{Inner, Upload};

/// The embedded demo photos (see assets/demo/LICENSES.md), in `demo.rs` index order.
const PHOTOS: [&[u8]; PHOTO_COUNT] = [
    include_bytes!("../../assets/demo/astronaut.jpg"),
    include_bytes!("../../assets/demo/brick.jpg"),
    include_bytes!("../../assets/demo/chelsea.jpg"),
    include_bytes!("../../assets/demo/coffee.jpg"),
    include_bytes!("../../assets/demo/grass.jpg"),
    include_bytes!("../../assets/demo/gravel.jpg"),
    include_bytes!("../../assets/demo/hubble_deep_field.jpg"),
    include_bytes!("../../assets/demo/rocket.jpg"),
];

const FULL_WIDTH: u32 = 1080;
const THUMB_WIDTH: u32 = 320;
const PRODUCT_WIDTH: u32 = 640;

/// What one CDN path asks for.
#[derive(Clone, Debug)]
struct Variant {
    photo: usize,
    aspect: Aspect,
    width: u32,
    key: u64,
    /// Published media: scale these JPEG bytes instead of cropping a demo photo.
    bytes: Option<Arc<Vec<u8>>>,
}

/// How a path is answered.
enum Source {
    /// Generated (and cached) JPEG.
    Render(Variant),
    /// Stored bytes as they are.
    Stored(Upload),
    /// The generated demo MP4 (`videos.rs`).
    DemoVideo,
}

/// Serves `/cdn/<rest>`.
pub async fn handle(inner: &Arc<Inner>, rest: &[&str]) -> Response {
    let path = rest.join("/");
    let cached = inner
        .images
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&path)
        .cloned();
    if let Some(bytes) = cached {
        return jpeg(bytes);
    }
    let variant = match lookup(inner, rest) {
        Some(Source::Render(v)) => v,
        Some(Source::Stored(upload)) => return stored(upload),
        Some(Source::DemoVideo) => return demo_video(),
        None => return not_found(&path, rest.last().is_some_and(|f| *f == "video.mp4")),
    };
    let seed = inner.seed;
    let rendered = tokio::task::spawn_blocking(move || render(variant, seed)).await;
    match rendered {
        Ok(Ok(bytes)) => {
            let bytes = Arc::new(bytes);
            inner
                .images
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(path, bytes.clone());
            jpeg(bytes)
        }
        Ok(Err(e)) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("image generation failed: {e}"),
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("image task failed: {e}"),
        )
            .into_response(),
    }
}

fn lookup(inner: &Inner, rest: &[&str]) -> Option<Source> {
    if let ["uploads", key, _name] = rest {
        return inner.upload(key).map(Source::Stored);
    }
    if let ["products", file] = rest {
        let id: u64 = file.strip_suffix(".jpg")?.parse().ok()?;
        let photo = inner.demo().catalog.product(id)?.photo;
        return Some(Source::Render(Variant {
            photo,
            aspect: Aspect::Square,
            width: PRODUCT_WIDTH,
            key: id,
            bytes: None,
        }));
    }
    let [id, file] = rest else { return None };
    let key: u64 = id.parse().ok()?;
    if let Some(v) = research_picture(id, file, key) {
        return Some(v);
    }
    let demo = inner.demo();
    if let Some(media) = demo.media_by_id(id) {
        let upload = media.upload.as_deref().and_then(|k| inner.upload(k));
        // A picture's own bytes, or a reel's cover image (its picture and thumbnail).
        let image_upload = upload
            .clone()
            .filter(|u| u.content_type == "image/jpeg")
            .or_else(|| media.cover.as_deref().and_then(|k| inner.upload(k)));
        let width = match *file {
            "full.jpg" => {
                if let Some(u) = image_upload {
                    return Some(Source::Stored(u));
                }
                FULL_WIDTH
            }
            "thumb.jpg" => THUMB_WIDTH,
            "video.mp4" => {
                let published = upload.filter(|u| u.content_type == "video/mp4");
                return match published {
                    Some(u) => Some(Source::Stored(u)),
                    // A demo video plays the sandbox's own small MP4 (`videos.rs`).
                    None if media.media_type == super::demo::MediaType::Video => {
                        Some(Source::DemoVideo)
                    }
                    None => None,
                };
            }
            _ => return None,
        };
        return Some(Source::Render(Variant {
            photo: media.photo,
            aspect: media.aspect,
            width,
            key,
            bytes: image_upload.map(|u| u.bytes),
        }));
    }
    let account = demo.account_by_id(id)?;
    if *file != "profile.jpg" {
        return None;
    }
    // Profile pictures: the business shows coffee, the creator the astronaut.
    let photo = if account.account_type == "Business" {
        3
    } else {
        0
    };
    Some(Source::Render(Variant {
        photo,
        aspect: Aspect::Square,
        width: THUMB_WIDTH,
        key,
        bytes: None,
    }))
}

/// Media found through Hashtag Search or Business Discovery, and discovered accounts'
/// profile pictures: pictures derived from the id alone.
fn research_picture(id: &str, file: &str, key: u64) -> Option<Source> {
    let (photo, aspect, width) = match file {
        "full.jpg" | "thumb.jpg" => {
            let (photo, aspect) = super::hashtags::cdn_picture(id)?;
            let width = if file == "full.jpg" {
                FULL_WIDTH
            } else {
                THUMB_WIDTH
            };
            (photo, aspect, width)
        }
        "profile.jpg" => (
            super::discovery::profile_photo(id)?,
            Aspect::Square,
            THUMB_WIDTH,
        ),
        _ => return None,
    };
    Some(Source::Render(Variant {
        photo,
        aspect,
        width,
        key,
        bytes: None,
    }))
}

/// Crops, tints, scales and encodes one variant (or just scales published bytes).
fn render(v: Variant, seed: u64) -> Result<Vec<u8>, image::ImageError> {
    if let Some(bytes) = &v.bytes {
        let img = image::load_from_memory_with_format(bytes, ImageFormat::Jpeg)?.to_rgb8();
        let height = (f64::from(v.width) * f64::from(img.height()) / f64::from(img.width().max(1)))
            .round() as u32;
        let resized = image::imageops::resize(&img, v.width, height.max(1), FilterType::Triangle);
        return encode(resized);
    }
    let source =
        image::load_from_memory_with_format(PHOTOS[v.photo % PHOTO_COUNT], ImageFormat::Jpeg)?
            .to_rgb8();
    let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ v.key);
    let (sw, sh) = (f64::from(source.width()), f64::from(source.height()));
    let ratio = v.aspect.ratio();
    // Largest window of the target ratio, then shrink it to 60–100 % and place it anywhere.
    let (max_w, max_h) = if sw / sh > ratio {
        (sh * ratio, sh)
    } else {
        (sw, sw / ratio)
    };
    let scale = rng.random_range(0.6..=1.0);
    let (cw, ch) = (
        (max_w * scale).max(8.0) as u32,
        (max_h * scale).max(8.0) as u32,
    );
    let x = rng.random_range(0..=(source.width() - cw.min(source.width())));
    let y = rng.random_range(0..=(source.height() - ch.min(source.height())));
    let mut crop: RgbImage = image::imageops::crop_imm(&source, x, y, cw, ch).to_image();
    // Colour shift: per-channel gain and a brightness offset.
    let gains = [
        rng.random_range(0.8..1.2),
        rng.random_range(0.8..1.2),
        rng.random_range(0.8..1.2),
    ];
    let lift: f64 = rng.random_range(-20.0..20.0);
    for px in crop.pixels_mut() {
        for (channel, gain) in px.0.iter_mut().zip(gains) {
            *channel = (f64::from(*channel) * gain + lift).clamp(0.0, 255.0) as u8;
        }
    }
    let height = (f64::from(v.width) / ratio).round() as u32;
    encode(image::imageops::resize(
        &crop,
        v.width,
        height.max(1),
        FilterType::Triangle,
    ))
}

fn encode(img: RgbImage) -> Result<Vec<u8>, image::ImageError> {
    let mut out = std::io::Cursor::new(Vec::new());
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82);
    DynamicImage::ImageRgb8(img).write_with_encoder(encoder)?;
    Ok(out.into_inner())
}

fn stored(upload: Upload) -> Response {
    let mut resp = (StatusCode::OK, upload.bytes.as_ref().clone()).into_response();
    if let Ok(v) = HeaderValue::from_str(&upload.content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

fn demo_video() -> Response {
    match super::videos::demo_mp4() {
        Ok(bytes) => {
            let mut resp = (StatusCode::OK, bytes.to_vec()).into_response();
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("video/mp4"));
            resp
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    }
}

fn jpeg(bytes: Arc<Vec<u8>>) -> Response {
    let mut resp = (StatusCode::OK, bytes.as_ref().clone()).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=1209600, no-transform"),
    );
    resp
}

fn not_found(path: &str, video: bool) -> Response {
    let message = if video {
        format!("/cdn/{path}: this media is not a video (video.mp4 exists for VIDEO media only)")
    } else {
        format!(
            "/cdn/{path}: no such image (paths are /cdn/<media-id>/full.jpg, /cdn/<media-id>/thumb.jpg, /cdn/<ig-id>/profile.jpg)"
        )
    };
    (StatusCode::NOT_FOUND, message).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_have_the_right_shape_and_differ() {
        let a = render(
            Variant {
                photo: 3,
                aspect: Aspect::Portrait,
                width: 320,
                key: 1,
                bytes: None,
            },
            42,
        )
        .expect("renders");
        let b = render(
            Variant {
                photo: 3,
                aspect: Aspect::Portrait,
                width: 320,
                key: 2,
                bytes: None,
            },
            42,
        )
        .expect("renders");
        let img = image::load_from_memory_with_format(&a, ImageFormat::Jpeg).expect("decodes");
        assert_eq!((img.width(), img.height()), (320, 400));
        assert_ne!(a, b);
        let again = render(
            Variant {
                photo: 3,
                aspect: Aspect::Portrait,
                width: 320,
                key: 1,
                bytes: None,
            },
            42,
        )
        .expect("renders");
        assert_eq!(a, again);
    }
}
