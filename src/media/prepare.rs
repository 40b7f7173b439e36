//! Preparing images for publishing: upright decode, aspect-ratio rules, crop, resize and
//! JPEG encode.
//!
//! Meta only takes JPEG, 320–1440 px wide, at most 8 MB, with a feed aspect ratio between
//! 4:5 and 1.91:1 (stories and reels 9:16). Checking all of this here, before any network
//! call, turns Meta's terse error codes (36003, 2207009, 2207026…) into messages that say
//! which picture is wrong and how to fix it. Everything here is CPU work: the engine calls it
//! from `spawn_blocking`, never on the UI thread.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, GenericImageView};
use serde::{Deserialize, Serialize};

use super::MediaError;
use super::decode::{Opened, read_header};

/// The narrowest image Meta accepts.
pub const MIN_WIDTH_PX: u32 = 320;
/// Wider images are scaled down to this (Instagram's own display width).
pub const MAX_WIDTH_PX: u32 = 1440;
/// The largest JPEG Meta accepts.
pub const MAX_JPEG_BYTES: usize = 8 * 1024 * 1024;
/// Feed aspect ratio limits (width / height): 4:5 portrait to 1.91:1 landscape.
pub const FEED_MIN_RATIO: f64 = 4.0 / 5.0;
pub const FEED_MAX_RATIO: f64 = 1.91;
/// Stories and reels are 9:16.
pub const VERTICAL_RATIO: f64 = 9.0 / 16.0;
/// Slack for rounding when a crop is converted to whole pixels.
const RATIO_TOLERANCE: f64 = 0.01;
/// JPEG qualities tried in turn until the file fits in [`MAX_JPEG_BYTES`].
const JPEG_QUALITIES: [u8; 4] = [90, 82, 72, 60];

/// Where a prepared image will be shown, which decides the aspect-ratio rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Surface {
    /// A feed post or carousel item: 4:5 to 1.91:1.
    Feed,
    /// A story or reel cover: 9:16.
    Vertical,
}

/// The crop shapes the Composer offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CropPreset {
    Square,
    Portrait,
    Landscape,
    Vertical,
    /// Any rectangle, as long as the result is within the surface's limits.
    Free,
}

impl CropPreset {
    pub const ALL: [CropPreset; 5] = [
        Self::Square,
        Self::Portrait,
        Self::Landscape,
        Self::Vertical,
        Self::Free,
    ];

    /// Width / height, or `None` for a free crop.
    pub fn ratio(self) -> Option<f64> {
        match self {
            Self::Square => Some(1.0),
            Self::Portrait => Some(FEED_MIN_RATIO),
            Self::Landscape => Some(FEED_MAX_RATIO),
            Self::Vertical => Some(VERTICAL_RATIO),
            Self::Free => None,
        }
    }

    /// The label on the Composer's crop buttons.
    pub fn label(self) -> &'static str {
        match self {
            Self::Square => "1:1",
            Self::Portrait => "4:5",
            Self::Landscape => "1.91:1",
            Self::Vertical => "9:16",
            Self::Free => "Free",
        }
    }
}

/// A crop rectangle as fractions (0.0–1.0) of the upright source image, from its top-left.
///
/// Fractions rather than pixels so the UI can work on a downscaled preview and the engine
/// apply the same crop to the full-size picture.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CropRect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Default for CropRect {
    fn default() -> Self {
        Self::FULL
    }
}

impl CropRect {
    /// The whole picture.
    pub const FULL: CropRect = CropRect {
        x: 0.0,
        y: 0.0,
        w: 1.0,
        h: 1.0,
    };

    /// The largest centred rectangle of `ratio` (width / height) in a `width`x`height` image.
    pub fn centered(width: u32, height: u32, ratio: f64) -> CropRect {
        let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
        if w / h > ratio {
            let cw = (h * ratio) / w;
            CropRect {
                x: (1.0 - cw) / 2.0,
                y: 0.0,
                w: cw,
                h: 1.0,
            }
        } else {
            let ch = (w / ratio) / h;
            CropRect {
                x: 0.0,
                y: (1.0 - ch) / 2.0,
                w: 1.0,
                h: ch,
            }
        }
    }

    /// The crop of `preset` for a `width`x`height` image (`Free` keeps the whole picture).
    pub fn for_preset(preset: CropPreset, width: u32, height: u32) -> CropRect {
        match preset.ratio() {
            Some(r) => Self::centered(width, height, r),
            None => Self::FULL,
        }
    }

    /// Clamps the rectangle inside the picture with a non-zero size.
    pub fn clamped(self) -> CropRect {
        let w = self.w.clamp(0.01, 1.0);
        let h = self.h.clamp(0.01, 1.0);
        CropRect {
            x: self.x.clamp(0.0, 1.0 - w),
            y: self.y.clamp(0.0, 1.0 - h),
            w,
            h,
        }
    }

    /// The pixel rectangle `(x, y, w, h)` in a `width`x`height` image.
    pub fn pixels(self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        let c = self.clamped();
        let (fw, fh) = (f64::from(width), f64::from(height));
        let x = (c.x * fw).round() as u32;
        let y = (c.y * fh).round() as u32;
        let w = ((c.w * fw).round() as u32).clamp(1, width.saturating_sub(x).max(1));
        let h = ((c.h * fh).round() as u32).clamp(1, height.saturating_sub(y).max(1));
        (x, y, w, h)
    }

    /// Width / height of the cropped result of a `width`x`height` image.
    pub fn aspect(self, width: u32, height: u32) -> f64 {
        let (_, _, w, h) = self.pixels(width, height);
        f64::from(w) / f64::from(h.max(1))
    }

    /// Maps a point given as fractions of the source image to fractions of the cropped
    /// (published) image; `None` when the crop cut the point away.
    ///
    /// User tags are kept in source coordinates so that re-cropping keeps them on the person;
    /// Meta wants them relative to the image as published.
    pub fn map_point(self, x: f64, y: f64) -> Option<(f64, f64)> {
        let c = self.clamped();
        let px = (x - c.x) / c.w;
        let py = (y - c.y) / c.h;
        ((0.0..=1.0).contains(&px) && (0.0..=1.0).contains(&py)).then_some((px, py))
    }

    /// The inverse of [`Self::map_point`]: published fractions back to source fractions.
    pub fn unmap_point(self, x: f64, y: f64) -> (f64, f64) {
        let c = self.clamped();
        (c.x + x * c.w, c.y + y * c.h)
    }
}

/// What to do with one picture.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrepareOptions {
    pub crop: CropRect,
    pub surface: Surface,
    /// A carousel's items must share the first item's ratio: `Some(first ratio)` for items 2+.
    pub match_ratio: Option<f64>,
}

/// A picture ready for Meta: JPEG bytes and their pixel size.
#[derive(Clone, PartialEq, Eq)]
pub struct PreparedImage {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl std::fmt::Debug for PreparedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedImage")
            .field("bytes", &self.jpeg.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

impl PreparedImage {
    /// Width / height.
    pub fn ratio(&self) -> f64 {
        f64::from(self.width) / f64::from(self.height.max(1))
    }
}

/// The steps of [`prepare_image_with_progress`], for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrepareStage {
    Decoding,
    Cropping,
    Resizing,
    Encoding,
    Done,
}

impl PrepareStage {
    /// Share of the work done when this stage begins (0.0–1.0).
    pub fn fraction(self) -> f32 {
        match self {
            Self::Decoding => 0.0,
            Self::Cropping => 0.45,
            Self::Resizing => 0.55,
            Self::Encoding => 0.75,
            Self::Done => 1.0,
        }
    }
}

/// Why a picture cannot be published as it is. Each message states the cause once and
/// the fix once; the caller names the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrepareError {
    /// The decoder's message as it is (a [`MediaError`] already names cause and fix), kept
    /// as text so this error stays `Clone` and adds nothing to say it twice.
    #[error("{0}")]
    Decode(String),

    #[error(
        "the picture is {width}x{height} px (ratio {ratio:.2}:1), outside the feed's 4:5 to 1.91:1; crop it to 1:1, 4:5 or 1.91:1"
    )]
    FeedAspect { width: u32, height: u32, ratio: f64 },

    #[error(
        "the picture is {width}x{height} px (ratio {ratio:.2}:1) but stories and reels are 9:16; crop it to 9:16"
    )]
    VerticalAspect { width: u32, height: u32, ratio: f64 },

    #[error(
        "carousel items must share the first item's shape ({expected:.2}:1) but this one is {found:.2}:1; crop it with the same preset as the first"
    )]
    CarouselMismatch { expected: f64, found: f64 },

    #[error(
        "the cropped picture is only {width} px wide; Instagram needs at least {MIN_WIDTH_PX} px: use a larger picture or a wider crop"
    )]
    TooNarrow { width: u32 },

    #[error(
        "the picture is still {bytes} bytes as a JPEG at the lowest quality; the limit is 8 MB: crop it smaller"
    )]
    TooLarge { bytes: usize },

    #[error("could not make the JPEG to publish ({0}): save the picture as JPEG and add it again")]
    Encode(String),
}

impl From<MediaError> for PrepareError {
    fn from(e: MediaError) -> Self {
        Self::Decode(e.to_string())
    }
}

/// Checks a width and height against the surface's aspect-ratio rule.
pub fn check_aspect(width: u32, height: u32, surface: Surface) -> Result<(), PrepareError> {
    let ratio = f64::from(width) / f64::from(height.max(1));
    match surface {
        Surface::Feed => {
            if !(FEED_MIN_RATIO - RATIO_TOLERANCE..=FEED_MAX_RATIO + RATIO_TOLERANCE)
                .contains(&ratio)
            {
                return Err(PrepareError::FeedAspect {
                    width,
                    height,
                    ratio,
                });
            }
        }
        Surface::Vertical => {
            if (ratio - VERTICAL_RATIO).abs() > RATIO_TOLERANCE {
                return Err(PrepareError::VerticalAspect {
                    width,
                    height,
                    ratio,
                });
            }
        }
    }
    Ok(())
}

/// Decodes, orients, crops, checks, resizes and encodes one picture.
pub fn prepare_image(
    bytes: &[u8],
    options: &PrepareOptions,
) -> Result<PreparedImage, PrepareError> {
    prepare_image_with_progress(bytes, options, &mut |_| {})
}

/// [`prepare_image`], reporting each stage as it begins.
pub fn prepare_image_with_progress(
    bytes: &[u8],
    options: &PrepareOptions,
    progress: &mut dyn FnMut(PrepareStage),
) -> Result<PreparedImage, PrepareError> {
    progress(PrepareStage::Decoding);
    prepare_opened(Opened::new(bytes)?, options, progress)
}

/// A reel's cover picture: the largest centred 9:16 part of the picture, resized and
/// encoded like any published picture. Instagram shows covers at 9:16 (cropped to 1:1 or
/// 4:5 in grids), so choosing the 9:16 part here shows the user what will be seen.
pub fn prepare_cover(bytes: &[u8]) -> Result<PreparedImage, PrepareError> {
    let opened = Opened::new(bytes)?;
    let (width, height) = opened.header.upright_size();
    let options = PrepareOptions {
        crop: CropRect::centered(width, height, VERTICAL_RATIO),
        surface: Surface::Vertical,
        match_ratio: None,
    };
    prepare_opened(opened, &options, &mut |_| {})
}

/// Works out the crop and the output size from the header, checks them, then decodes only
/// as much of the picture as that output needs (one decode, shrunk on load).
fn prepare_opened(
    opened: Opened<'_>,
    options: &PrepareOptions,
    progress: &mut dyn FnMut(PrepareStage),
) -> Result<PreparedImage, PrepareError> {
    let plan = Plan::new(opened.header.upright_size(), options)?;
    let image = opened.decode_upright_at_least(plan.min_source_size())?;
    prepare_decoded(image, &plan, progress)
}

/// The geometry of one preparation, worked out from the picture's upright size alone, so
/// every check runs before a pixel is decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Plan {
    /// The upright picture's full size.
    source: (u32, u32),
    /// The crop `(x, y, w, h)` in full-size pixels.
    crop: (u32, u32, u32, u32),
    /// The published size: the crop, scaled down to [`MAX_WIDTH_PX`] when wider.
    output: (u32, u32),
}

impl Plan {
    /// Checks the crop of a `source`-sized picture against the surface, the carousel's
    /// first ratio and the narrowest width, and sizes the output.
    fn new(source: (u32, u32), options: &PrepareOptions) -> Result<Plan, PrepareError> {
        let (x, y, w, h) = options.crop.pixels(source.0, source.1);
        check_aspect(w, h, options.surface)?;
        let ratio = f64::from(w) / f64::from(h.max(1));
        if let Some(expected) = options.match_ratio
            && (expected - ratio).abs() > RATIO_TOLERANCE
        {
            return Err(PrepareError::CarouselMismatch {
                expected,
                found: ratio,
            });
        }
        if w < MIN_WIDTH_PX {
            return Err(PrepareError::TooNarrow { width: w });
        }
        let output = if w > MAX_WIDTH_PX {
            let nh =
                ((f64::from(h) * f64::from(MAX_WIDTH_PX) / f64::from(w)).round() as u32).max(1);
            (MAX_WIDTH_PX, nh)
        } else {
            (w, h)
        };
        Ok(Plan {
            source,
            crop: (x, y, w, h),
            output,
        })
    }

    /// The smallest upright picture whose crop still has a pixel for every output pixel: the
    /// size a shrink-on-load decode may stop at. The full size when the crop is not scaled.
    fn min_source_size(&self) -> (u32, u32) {
        let (_, _, w, h) = self.crop;
        if self.output == (w, h) {
            return self.source;
        }
        let at_least = |side: u32, out: u32, crop: u32| {
            (u64::from(side) * u64::from(out)).div_ceil(u64::from(crop.max(1))) as u32
        };
        (
            at_least(self.source.0, self.output.0, w),
            at_least(self.source.1, self.output.1, h),
        )
    }
}

/// Crops, resizes and encodes an upright picture decoded at full size or shrunk on load:
/// the plan's crop, in full-size pixels, is mapped onto the pixels the decode gave.
fn prepare_decoded(
    image: DynamicImage,
    plan: &Plan,
    progress: &mut dyn FnMut(PrepareStage),
) -> Result<PreparedImage, PrepareError> {
    progress(PrepareStage::Cropping);
    let (x, y, w, h) = plan.crop;
    let full_size = image.dimensions() == plan.source;
    progress(PrepareStage::Resizing);
    let sized = if full_size && plan.output == (w, h) {
        if (x, y, w, h) == (0, 0, plan.source.0, plan.source.1) {
            image
        } else {
            image.crop_imm(x, y, w, h)
        }
    } else {
        let (sx, sy) = (
            f64::from(image.width()) / f64::from(plan.source.0.max(1)),
            f64::from(image.height()) / f64::from(plan.source.1.max(1)),
        );
        let crop = (
            f64::from(x) * sx,
            f64::from(y) * sy,
            f64::from(w) * sx,
            f64::from(h) * sy,
        );
        crop_and_resize(image, crop, plan.output)?
    };
    progress(PrepareStage::Encoding);
    let prepared = encode_jpeg(&sized)?;
    progress(PrepareStage::Done);
    Ok(prepared)
}

/// Crops and scales in one pass (SIMD, Catmull-Rom), reading the crop straight out of the
/// decoded picture: a 24-megapixel photo is never copied whole, which is most of the time
/// and memory `image`'s own crop-then-resize spends.
fn crop_and_resize(
    image: DynamicImage,
    (x, y, w, h): (f64, f64, f64, f64),
    (width, height): (u32, u32),
) -> Result<DynamicImage, PrepareError> {
    use fast_image_resize::{FilterType as Filter, ResizeAlg, ResizeOptions, Resizer};
    // JPEG output is RGB: drop alpha / widen grey first (a no-op for camera JPEGs).
    let source = DynamicImage::ImageRgb8(image.into_rgb8());
    let mut target = image::RgbImage::new(width, height);
    let options = ResizeOptions::new()
        .crop(x, y, w, h)
        .resize_alg(ResizeAlg::Convolution(Filter::CatmullRom));
    Resizer::new()
        .resize(&source, &mut target, &options)
        .map_err(|e| PrepareError::Encode(format!("resizing failed: {e}")))?;
    Ok(DynamicImage::ImageRgb8(target))
}

/// Encodes as baseline JPEG (no alpha), lowering the quality until it fits in 8 MB.
pub fn encode_jpeg(image: &DynamicImage) -> Result<PreparedImage, PrepareError> {
    let rgb = image.to_rgb8();
    let (width, height) = rgb.dimensions();
    let mut last = 0;
    for quality in JPEG_QUALITIES {
        let mut out = Cursor::new(Vec::new());
        JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&rgb)
            .map_err(|e| PrepareError::Encode(e.to_string()))?;
        let jpeg = out.into_inner();
        if jpeg.len() <= MAX_JPEG_BYTES {
            return Ok(PreparedImage {
                jpeg,
                width,
                height,
            });
        }
        last = jpeg.len();
    }
    Err(PrepareError::TooLarge { bytes: last })
}

/// The size a picture will be published at with `options`, from its header alone (no
/// decode), after the same checks as preparing it: a carousel's other items must match
/// its ratio.
pub fn planned_size(bytes: &[u8], options: &PrepareOptions) -> Result<(u32, u32), PrepareError> {
    let header = read_header(bytes)?;
    Plan::new(header.upright_size(), options).map(|plan| plan.output)
}

/// Reads a picture's upright size from its header, without decoding it (for the crop
/// editor's first suggestion and for validating before preparing). A cut-off or damaged
/// header is refused here as decoding would refuse it.
pub fn upright_size(bytes: &[u8]) -> Result<(u32, u32), PrepareError> {
    Ok(read_header(bytes)?.upright_size())
}

#[cfg(test)]
mod tests {
    use image::codecs::jpeg::JpegEncoder;
    use image::{ImageEncoder, Rgb, RgbImage};

    use super::*;

    #[test]
    fn a_cover_is_the_centred_9_16_part_at_most_1440_wide() {
        let landscape = prepare_cover(&png(&picture(1600, 900))).expect("cover");
        assert_eq!((landscape.width, landscape.height), (506, 900));
        assert!(landscape.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
        // Centred: the middle of a red|blue picture keeps both colours.
        let decoded = image::load_from_memory(&landscape.jpeg)
            .expect("jpeg")
            .to_rgb8();
        assert!(decoded.get_pixel(10, 450)[0] > 150, "red on the left");
        assert!(decoded.get_pixel(495, 450)[2] > 150, "blue on the right");
        let tall = prepare_cover(&png(&picture(2160, 3840))).expect("cover");
        assert_eq!((tall.width, tall.height), (1440, 2560));
        let tiny = prepare_cover(&png(&picture(400, 400)));
        assert!(matches!(tiny, Err(PrepareError::TooNarrow { .. })));
    }

    /// A picture whose left half is red and right half blue.
    fn picture(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, _| {
            if x < width / 2 {
                Rgb([220, 20, 20])
            } else {
                Rgb([20, 20, 220])
            }
        })
    }

    fn png(image: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(
                image.as_raw(),
                image.width(),
                image.height(),
                image::ExtendedColorType::Rgb8,
            )
            .expect("png");
        out
    }

    fn feed(crop: CropRect) -> PrepareOptions {
        PrepareOptions {
            crop,
            surface: Surface::Feed,
            match_ratio: None,
        }
    }

    #[test]
    fn a_cut_off_picture_fails_before_its_size_is_read() {
        let bytes = png(&picture(400, 400));
        let err = upright_size(&bytes[..bytes.len() / 2]).expect_err("cut off");
        assert!(err.to_string().contains("cut off or damaged"), "{err}");
        let err =
            prepare_image(&bytes[..bytes.len() - 4], &feed(CropRect::FULL)).expect_err("cut off");
        assert!(matches!(err, PrepareError::Decode(_)), "{err:?}");
    }

    #[test]
    fn png_becomes_a_resized_jpeg() {
        let bytes = png(&picture(2000, 2000));
        let out = prepare_image(&bytes, &feed(CropRect::FULL)).expect("prepared");
        assert!(out.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]), "JPEG magic");
        assert_eq!((out.width, out.height), (1440, 1440));
        let back = image::load_from_memory(&out.jpeg).expect("decodes");
        assert_eq!(back.dimensions(), (1440, 1440));
    }

    #[test]
    fn a_three_to_one_picture_is_refused_with_the_fix() {
        let bytes = png(&picture(1500, 500));
        let err = prepare_image(&bytes, &feed(CropRect::FULL)).expect_err("3:1");
        assert!(matches!(err, PrepareError::FeedAspect { .. }), "{err:?}");
        assert!(err.to_string().contains("crop it"), "{err}");
        // The same picture cropped square is fine.
        let crop = CropRect::for_preset(CropPreset::Square, 1500, 500);
        let out = prepare_image(&bytes, &feed(crop)).expect("square crop");
        assert_eq!(out.width, out.height);
        assert_eq!(out.width, 500);
    }

    #[test]
    fn stories_need_nine_by_sixteen() {
        let bytes = png(&picture(1080, 1080));
        let vertical = PrepareOptions {
            crop: CropRect::FULL,
            surface: Surface::Vertical,
            match_ratio: None,
        };
        let err = prepare_image(&bytes, &vertical).expect_err("square story");
        assert!(err.to_string().contains("9:16"), "{err}");
        let crop = CropRect::for_preset(CropPreset::Vertical, 1080, 1080);
        let out = prepare_image(&bytes, &PrepareOptions { crop, ..vertical }).expect("9:16");
        assert!((out.ratio() - VERTICAL_RATIO).abs() < 0.01);
    }

    #[test]
    fn carousel_items_must_match_the_first_ratio() {
        let bytes = png(&picture(1000, 1000));
        let options = PrepareOptions {
            crop: CropRect::FULL,
            surface: Surface::Feed,
            match_ratio: Some(0.8),
        };
        let err = prepare_image(&bytes, &options).expect_err("square after portrait");
        assert!(matches!(err, PrepareError::CarouselMismatch { .. }));
    }

    #[test]
    fn narrow_crops_are_refused() {
        let bytes = png(&picture(300, 300));
        let err = prepare_image(&bytes, &feed(CropRect::FULL)).expect_err("300 px");
        assert_eq!(err, PrepareError::TooNarrow { width: 300 });
    }

    #[test]
    fn the_crop_keeps_the_chosen_side() {
        // Keep the left (red) half, square.
        let bytes = png(&picture(1000, 500));
        let crop = CropRect {
            x: 0.0,
            y: 0.0,
            w: 0.5,
            h: 1.0,
        };
        let out = prepare_image(&bytes, &feed(crop)).expect("prepared");
        let back = image::load_from_memory(&out.jpeg)
            .expect("decodes")
            .to_rgb8();
        let p = back.get_pixel(250, 250);
        assert!(p[0] > 150 && p[2] < 100, "left half is red: {p:?}");
    }

    #[test]
    fn a_large_crop_is_scaled_from_the_chosen_side() {
        // 4000x2000: keep the right (blue) half as a 2000 px square, scaled to 1440.
        let bytes = png(&picture(4000, 2000));
        let crop = CropRect {
            x: 0.5,
            y: 0.0,
            w: 0.5,
            h: 1.0,
        };
        let out = prepare_image(&bytes, &feed(crop)).expect("prepared");
        assert_eq!((out.width, out.height), (MAX_WIDTH_PX, MAX_WIDTH_PX));
        let back = image::load_from_memory(&out.jpeg)
            .expect("decodes")
            .to_rgb8();
        for (x, y) in [(2, 2), (720, 720), (1437, 1437)] {
            let p = back.get_pixel(x, y);
            assert!(p[2] > 150 && p[0] < 100, "({x},{y}) is blue: {p:?}");
        }
    }

    #[test]
    fn progress_reports_every_stage_in_order() {
        let bytes = png(&picture(400, 400));
        let mut seen = Vec::new();
        prepare_image_with_progress(&bytes, &feed(CropRect::FULL), &mut |s| seen.push(s))
            .expect("prepared");
        assert_eq!(
            seen,
            vec![
                PrepareStage::Decoding,
                PrepareStage::Cropping,
                PrepareStage::Resizing,
                PrepareStage::Encoding,
                PrepareStage::Done
            ]
        );
    }

    #[test]
    fn points_map_between_source_and_crop() {
        let crop = CropRect {
            x: 0.25,
            y: 0.0,
            w: 0.5,
            h: 1.0,
        };
        let (x, y) = crop.map_point(0.5, 0.3).expect("inside");
        assert!((x - 0.5).abs() < 1e-9 && (y - 0.3).abs() < 1e-9);
        let (x, _) = crop.map_point(0.3, 0.3).expect("inside");
        assert!((x - 0.1).abs() < 1e-9);
        assert_eq!(crop.map_point(0.1, 0.5), None, "cut away by the crop");
        let (sx, sy) = crop.unmap_point(0.1, 0.3);
        assert!((sx - 0.3).abs() < 1e-9 && (sy - 0.3).abs() < 1e-9);
    }

    /// A `width`x`height` picture in four colours (red, green / blue, yellow quadrants) with
    /// a soft diagonal ramp over it, as a JPEG with EXIF orientation `exif` (1 = none).
    fn quadrants_jpeg(width: u32, height: u32, exif: u16) -> Vec<u8> {
        let image = RgbImage::from_fn(width, height, |x, y| {
            let ramp = ((x + y) * 40 / (width + height)) as u8;
            let base = match (x < width / 2, y < height / 2) {
                (true, true) => [210, 30, 30],
                (false, true) => [30, 200, 30],
                (true, false) => [30, 30, 210],
                (false, false) => [210, 200, 30],
            };
            Rgb(base.map(|c| c + ramp))
        });
        let mut out = Vec::new();
        let mut encoder = JpegEncoder::new_with_quality(&mut out, 92);
        if exif != 1 {
            encoder
                .set_exif_metadata(exif_orientation(exif))
                .expect("exif supported");
        }
        encoder
            .write_image(
                image.as_raw(),
                width,
                height,
                image::ExtendedColorType::Rgb8,
            )
            .expect("encode jpeg");
        out
    }

    /// A minimal big-endian TIFF/EXIF block holding one Orientation (0x0112) entry.
    fn exif_orientation(value: u16) -> Vec<u8> {
        let mut tiff = b"MM\0\x2a".to_vec();
        tiff.extend_from_slice(&8u32.to_be_bytes());
        tiff.extend_from_slice(&1u16.to_be_bytes());
        tiff.extend_from_slice(&0x0112u16.to_be_bytes());
        tiff.extend_from_slice(&3u16.to_be_bytes());
        tiff.extend_from_slice(&1u32.to_be_bytes());
        tiff.extend_from_slice(&value.to_be_bytes());
        tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        tiff
    }

    /// The same preparation through the slow path: every pixel decoded, then cropped and
    /// resized from the full-size picture.
    fn prepare_whole(bytes: &[u8], options: &PrepareOptions) -> PreparedImage {
        let opened = Opened::new(bytes).expect("opens");
        let plan = Plan::new(opened.header.upright_size(), options).expect("plan");
        let whole = opened.decode_upright().expect("decodes");
        assert_eq!(whole.dimensions(), plan.source);
        prepare_decoded(whole, &plan, &mut |_| {}).expect("prepared whole")
    }

    /// Mean absolute difference per channel (0–255) between two JPEGs of the same size.
    fn mean_difference(a: &[u8], b: &[u8]) -> f64 {
        let a = image::load_from_memory(a).expect("a decodes").to_rgb8();
        let b = image::load_from_memory(b).expect("b decodes").to_rgb8();
        assert_eq!(a.dimensions(), b.dimensions());
        let total: u64 = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| u64::from(x.abs_diff(*y)))
            .sum();
        total as f64 / a.as_raw().len() as f64
    }

    fn colour_at(jpeg: &[u8], x: u32, y: u32) -> [u8; 3] {
        image::load_from_memory(jpeg)
            .expect("decodes")
            .to_rgb8()
            .get_pixel(x, y)
            .0
    }

    #[test]
    fn shrink_on_load_matches_the_whole_decode_upright_and_cropped() {
        // Stored 3600x3000 landscape, EXIF 6 (turn 90° clockwise): upright 3000x3600.
        let bytes = quadrants_jpeg(3600, 3000, 6);
        assert_eq!(upright_size(&bytes).expect("size"), (3000, 3600));
        // The top 3000x3000 square, published at 1440x1440.
        let options = feed(CropRect {
            x: 0.0,
            y: 0.0,
            w: 1.0,
            h: 3000.0 / 3600.0,
        });
        let plan = Plan::new((3000, 3600), &options).expect("plan");
        let shrunk = Opened::new(&bytes)
            .expect("opens")
            .decode_upright_at_least(plan.min_source_size())
            .expect("decodes");
        assert_eq!(shrunk.dimensions(), (1500, 1800), "decoded at 1/2 scale");

        let fast = prepare_image(&bytes, &options).expect("prepared");
        let slow = prepare_whole(&bytes, &options);
        assert_eq!((fast.width, fast.height), (1440, 1440));
        assert_eq!((fast.width, fast.height), (slow.width, slow.height));
        let difference = mean_difference(&fast.jpeg, &slow.jpeg);
        assert!(difference < 3.0, "mean difference {difference:.2}");
        // Turned upright: blue top left, red top right, yellow bottom left, green bottom
        // right (the square ends 600 px above the picture's bottom).
        for (x, y, want) in [
            (100, 100, [false, false, true]),
            (1340, 400, [true, false, false]),
            (100, 1340, [true, true, false]),
            (1340, 1340, [false, true, false]),
        ] {
            for jpeg in [&fast.jpeg, &slow.jpeg] {
                let got = colour_at(jpeg, x, y).map(|c| c > 150);
                assert_eq!(got, want, "({x},{y})");
            }
        }
    }

    #[test]
    fn shrink_on_load_keeps_an_off_centre_crop_on_its_part() {
        // 4800x3600, no orientation: the right 4:5 part (mostly green over yellow) is
        // decoded at 1/2 scale and must land exactly where the whole decode puts it.
        let bytes = quadrants_jpeg(4800, 3600, 1);
        let options = feed(CropRect {
            x: 0.4,
            y: 0.0,
            w: 0.6,
            h: 1.0,
        });
        let plan = Plan::new((4800, 3600), &options).expect("plan");
        assert_eq!(plan.crop, (1920, 0, 2880, 3600));
        assert_eq!(plan.output, (1440, 1800));
        assert_eq!(plan.min_source_size(), (2400, 1800));
        let fast = prepare_image(&bytes, &options).expect("prepared");
        let slow = prepare_whole(&bytes, &options);
        assert_eq!((fast.width, fast.height), (1440, 1800));
        let difference = mean_difference(&fast.jpeg, &slow.jpeg);
        assert!(difference < 3.0, "mean difference {difference:.2}");
        // The crop starts 480 px left of the middle: its first 240 output px are red, then
        // green; the lower half is blue then yellow. Both paths agree column by column.
        for (x, y, want) in [
            (200, 400, [true, false, false]),
            (280, 400, [false, true, false]),
            (200, 1400, [false, false, true]),
            (1000, 1400, [true, true, false]),
        ] {
            for jpeg in [&fast.jpeg, &slow.jpeg] {
                let got = colour_at(jpeg, x, y).map(|c| c > 150);
                assert_eq!(got, want, "({x},{y})");
            }
        }
    }

    #[test]
    fn a_crop_published_at_its_own_size_is_decoded_whole() {
        // A 1200 px wide crop is not scaled: there is nothing to shrink on load.
        let plan = Plan::new(
            (2400, 3000),
            &feed(CropRect {
                x: 0.25,
                y: 0.25,
                w: 0.5,
                h: 0.5,
            }),
        )
        .expect("plan");
        assert_eq!(plan.output, (1200, 1500));
        assert_eq!(plan.min_source_size(), (2400, 3000));
    }

    #[test]
    fn centered_crops_have_the_preset_ratio() {
        for preset in [
            CropPreset::Square,
            CropPreset::Portrait,
            CropPreset::Landscape,
        ] {
            let crop = CropRect::for_preset(preset, 4000, 3000);
            let ratio = crop.aspect(4000, 3000);
            let expected = preset.ratio().expect("fixed");
            assert!((ratio - expected).abs() < 0.01, "{preset:?}: {ratio}");
            check_aspect(
                crop.pixels(4000, 3000).2,
                crop.pixels(4000, 3000).3,
                Surface::Feed,
            )
            .expect("within limits");
        }
    }
}
