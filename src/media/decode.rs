//! Decoding JPEG, PNG and WebP bytes into upright, display-sized `egui` images.
//!
//! Phones store portrait photos sideways with an EXIF orientation tag; Instagram and every
//! viewer honour it, so we do too before scaling. Images are scaled down (never up) to fit
//! a square of `max_side_px`, which bounds texture memory in a grid of hundreds of posts.

use std::io::Cursor;

use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, GenericImageView, ImageDecoder, ImageError, ImageFormat, ImageReader};

use super::{shrink, truncation};

/// The longest side of a grid thumbnail.
pub const THUMBNAIL_MAX_SIDE_PX: u32 = 320;
/// The longest side of an image in the detail view (Instagram's own maximum width).
pub const DETAIL_MAX_SIDE_PX: u32 = 1440;

/// Refuse images wider or taller than this before allocating for them: no real photo is
/// this big, and a hostile header could otherwise ask for gigabytes.
const MAX_SOURCE_SIDE_PX: u32 = 16_384;

/// Why bytes could not be turned into a displayable image. Each message states the cause
/// once and the fix once, after a colon; callers add the file name in front.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the picture is empty (0 bytes or 0 pixels): export or download it again")]
    Empty,

    #[error("this is not a picture the app can read (unknown format): use JPEG, PNG or WebP")]
    UnknownFormat,

    #[error("this is not a picture the app can read (format {format}): use JPEG, PNG or WebP")]
    Unsupported { format: String },

    #[error(
        "the picture is {width}x{height} px, too large for the app to read (at most {MAX_SOURCE_SIDE_PX} px a side and about 100 megapixels): resize it first"
    )]
    TooLarge { width: u32, height: u32 },

    /// The file's framing stops before its end marker: a cut-off download or copy. Caught
    /// before decoding because the decoders would fill the missing part with grey.
    #[error(
        "the {format} picture is cut off or damaged (the picture data ends early): export or download it again"
    )]
    CutOff { format: String },

    #[error("the {format} picture is damaged ({reason}): export or download it again")]
    Corrupt { format: String, reason: String },

    /// No well-kept Rust decoder builds against the libheif this platform ships (libheif-rs
    /// needs libheif ≥ 1.17; Debian 12 has 1.15), so HEIC is refused with the way out.
    #[error(
        "HEIC/HEIF photos cannot be read by this build: export it as JPEG (Photos: File → Export, or on iPhone Settings → Camera → Formats → Most Compatible) and add it again"
    )]
    Heic,
}

/// True for an ISO-BMFF file whose brand is one of the HEIF image brands (iPhone photos).
pub fn is_heif(bytes: &[u8]) -> bool {
    const BRANDS: [&[u8; 4]; 6] = [b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1"];
    bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && BRANDS.iter().any(|b| &bytes[8..12] == *b)
}

/// Decodes `bytes` (JPEG, PNG or WebP), turns it upright per its EXIF orientation and scales
/// it down to fit `max_side_px` on its longer side, with its aspect ratio kept.
pub fn decode_for_display(bytes: &[u8], max_side_px: u32) -> Result<egui::ColorImage, MediaError> {
    let opened = Opened::new(bytes)?;
    let (width, height) = fit_size(opened.header.upright_size(), max_side_px.max(1));
    let image = opened.decode_upright_at_least((width, height))?;
    let image = if image.dimensions() == (width, height) {
        image
    } else {
        // Triangle (bilinear) is sharp enough for thumbnails and several times faster than
        // Lanczos in a debug build.
        image.resize_exact(width, height, FilterType::Triangle)
    };
    let size = [width as usize, height as usize];
    let rgba = image.into_rgba8();
    Ok(egui::ColorImage::from_rgba_unmultiplied(
        size,
        rgba.as_raw(),
    ))
}

/// What a picture's header says: its format, stored size and EXIF orientation. Read without
/// decoding a pixel: asking a 24-megapixel photo for its size scans its bytes, it does not
/// decode them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub format: ImageFormat,
    /// The size as stored, before the orientation is applied.
    pub stored_width: u32,
    pub stored_height: u32,
    pub orientation: Orientation,
}

impl Header {
    /// True when the orientation turns the picture by a quarter (width and height swap).
    pub fn turns_sideways(&self) -> bool {
        matches!(
            self.orientation,
            Orientation::Rotate90
                | Orientation::Rotate270
                | Orientation::Rotate90FlipH
                | Orientation::Rotate270FlipH
        )
    }

    /// The size as shown, with the orientation applied.
    pub fn upright_size(&self) -> (u32, u32) {
        if self.turns_sideways() {
            (self.stored_height, self.stored_width)
        } else {
            (self.stored_width, self.stored_height)
        }
    }
}

/// Reads `bytes`' header: refuses empty, HEIC, unknown, cut-off and oversized pictures
/// exactly as decoding would, without decoding.
pub(crate) fn read_header(bytes: &[u8]) -> Result<Header, MediaError> {
    Opened::new(bytes).map(|opened| opened.header)
}

/// A picture whose header has been read and checked and whose pixels are not decoded yet,
/// so a caller can decide from the size how much of it to decode.
pub(crate) struct Opened<'a> {
    bytes: &'a [u8],
    pub header: Header,
    decoder: Box<dyn ImageDecoder + 'a>,
}

impl<'a> Opened<'a> {
    /// Checks the framing and the header.
    pub fn new(bytes: &'a [u8]) -> Result<Self, MediaError> {
        if bytes.is_empty() {
            return Err(MediaError::Empty);
        }
        if is_heif(bytes) {
            return Err(MediaError::Heic);
        }
        let reader = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            // Reading from memory cannot fail with an I/O error; treat one as unknown content.
            .map_err(|_| MediaError::UnknownFormat)?;
        let format = reader.format().ok_or(MediaError::UnknownFormat)?;
        if truncation::ends_early(bytes, format) {
            return Err(MediaError::CutOff {
                format: format_name(format),
            });
        }
        // The side limit is checked below against the header's real size, not set on the
        // reader: there it would fail inside `into_decoder` before the size is known (and say
        // "0x0 px"). The reader's default allocation cap still guards the decode itself.
        let mut decoder = reader
            .into_decoder()
            .map_err(|e| classify_error(e, format))?;
        let (width, height) = decoder.dimensions();
        if width == 0 || height == 0 {
            return Err(MediaError::Empty);
        }
        if width > MAX_SOURCE_SIDE_PX || height > MAX_SOURCE_SIDE_PX {
            return Err(MediaError::TooLarge { width, height });
        }
        // A broken EXIF block should not cost the user the picture: show it unrotated.
        let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
        let header = Header {
            format,
            stored_width: width,
            stored_height: height,
            orientation,
        };
        Ok(Self {
            bytes,
            header,
            decoder: Box::new(decoder),
        })
    }

    /// Decodes every pixel and applies the orientation.
    pub fn decode_upright(self) -> Result<DynamicImage, MediaError> {
        let mut image = decode_all(self.header, self.decoder)?;
        image.apply_orientation(self.header.orientation);
        Ok(image)
    }

    /// Decodes the picture upright at the smallest size that is still at least `min_width`
    /// x `min_height` (upright pixels), for a caller that scales it down anyway: a JPEG is
    /// decoded at 1/2, 1/4 or 1/8 scale when that is enough (see [`super::shrink`]),
    /// anything else at full size.
    pub fn decode_upright_at_least(
        self,
        (min_width, min_height): (u32, u32),
    ) -> Result<DynamicImage, MediaError> {
        let header = self.header;
        // The decoder works on the stored picture: turn the wanted size the same way.
        let min_stored = if header.turns_sideways() {
            (min_height, min_width)
        } else {
            (min_width, min_height)
        };
        let shrunk = match header.format {
            ImageFormat::Jpeg => shrink::decode_jpeg_at_least(self.bytes, &header, min_stored),
            _ => None,
        };
        let Some(mut image) = shrunk else {
            return self.decode_upright();
        };
        image.apply_orientation(header.orientation);
        Ok(image)
    }
}

/// Decodes every pixel at the stored size (no orientation applied).
fn decode_all(
    header: Header,
    decoder: Box<dyn ImageDecoder + '_>,
) -> Result<DynamicImage, MediaError> {
    DynamicImage::from_decoder(decoder).map_err(|e| match e {
        ImageError::Limits(_) => MediaError::TooLarge {
            width: header.stored_width,
            height: header.stored_height,
        },
        other => classify_error(other, header.format),
    })
}

/// The size of a `width`x`height` picture scaled down (never up) to fit a square of
/// `max_side_px`, its aspect ratio kept; computed from the full size so that a picture decoded
/// at a reduced scale comes out exactly as large as one decoded whole.
fn fit_size((width, height): (u32, u32), max_side_px: u32) -> (u32, u32) {
    if width <= max_side_px && height <= max_side_px {
        return (width, height);
    }
    let ratio = f64::from(max_side_px) / f64::from(width.max(height));
    let scaled = |side: u32| ((f64::from(side) * ratio).round() as u32).clamp(1, max_side_px);
    (scaled(width), scaled(height))
}

fn format_name(format: ImageFormat) -> String {
    format!("{format:?}").to_uppercase()
}

/// Maps a decoder error before the picture's size is known. A limits error here can only
/// be the allocation cap on a header-sized buffer, i.e. a damaged header.
fn classify_error(e: ImageError, format: ImageFormat) -> MediaError {
    match e {
        ImageError::Unsupported(_) => MediaError::Unsupported {
            format: format_name(format),
        },
        other => MediaError::Corrupt {
            format: format_name(format),
            reason: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use image::codecs::jpeg::JpegEncoder;
    use image::{ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};

    use super::*;

    #[test]
    fn heic_photos_are_refused_with_the_way_out() {
        // The first box of an iPhone photo: size, `ftyp`, brand `heic`.
        let mut bytes = vec![0, 0, 0, 24];
        bytes.extend_from_slice(b"ftypheic");
        bytes.extend_from_slice(&[0, 0, 0, 0]);
        bytes.extend_from_slice(b"mif1heic");
        assert!(is_heif(&bytes));
        let err = decode_for_display(&bytes, 100).expect_err("refused");
        assert!(matches!(err, MediaError::Heic));
        assert!(err.to_string().contains("export it as JPEG"), "{err}");
        // An MP4 is not a HEIF picture.
        let mut mp4 = vec![0, 0, 0, 24];
        mp4.extend_from_slice(b"ftypisom");
        assert!(!is_heif(&mp4));
    }

    /// A `width`x`height` picture whose left half is red and right half blue, so rotations
    /// can be told apart.
    fn halves(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, _| {
            if x < width / 2 {
                Rgb([255, 0, 0])
            } else {
                Rgb([0, 0, 255])
            }
        })
    }

    fn jpeg(image: &RgbImage, exif: Option<Vec<u8>>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = JpegEncoder::new_with_quality(&mut out, 95);
        if let Some(exif) = exif {
            encoder.set_exif_metadata(exif).expect("exif supported");
        }
        encoder
            .write_image(
                image.as_raw(),
                image.width(),
                image.height(),
                image::ExtendedColorType::Rgb8,
            )
            .expect("encode jpeg");
        out
    }

    /// A minimal big-endian TIFF/EXIF block holding one Orientation (0x0112) entry.
    fn exif_orientation(value: u16) -> Vec<u8> {
        let mut tiff = Vec::new();
        tiff.extend_from_slice(b"MM\0\x2a"); // big-endian TIFF magic
        tiff.extend_from_slice(&8u32.to_be_bytes()); // first IFD right after the header
        tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
        tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
        tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
        tiff.extend_from_slice(&1u32.to_be_bytes()); // count
        tiff.extend_from_slice(&value.to_be_bytes());
        tiff.extend_from_slice(&[0, 0]); // value padding to 4 bytes
        tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
        tiff
    }

    fn is_reddish(c: egui::Color32) -> bool {
        c.r() > 180 && c.b() < 80
    }

    fn is_bluish(c: egui::Color32) -> bool {
        c.b() > 180 && c.r() < 80
    }

    #[test]
    fn decodes_jpeg_at_full_size_when_small_enough() {
        let bytes = jpeg(&halves(64, 32), None);
        let image = decode_for_display(&bytes, THUMBNAIL_MAX_SIDE_PX).expect("decode");
        assert_eq!(image.size, [64, 32]);
        assert!(is_reddish(image.pixels[0]));
        assert!(is_bluish(image.pixels[63]));
    }

    #[test]
    fn decodes_png_with_alpha_and_downscales_keeping_aspect() {
        let png_image = RgbaImage::from_pixel(1000, 500, Rgba([10, 200, 30, 128]));
        let mut bytes = Vec::new();
        png_image
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .expect("encode png");
        let image = decode_for_display(&bytes, 320).expect("decode");
        assert_eq!(image.size, [320, 160]);
        let px = image.pixels[160 * 320 / 2];
        assert_eq!(px.a(), 128, "alpha kept");

        let tall = RgbaImage::from_pixel(300, 1200, Rgba([0, 0, 0, 255]));
        let mut bytes = Vec::new();
        tall.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .expect("encode png");
        let image = decode_for_display(&bytes, DETAIL_MAX_SIDE_PX.min(600)).expect("decode");
        assert_eq!(image.size, [150, 600]);
    }

    #[test]
    fn exif_orientation_6_rotates_clockwise() {
        // Stored landscape 80x40 with orientation 6 ("rotate 90° CW to view"): it must come
        // out portrait 40x80, with the stored left (red) half now on top.
        let bytes = jpeg(&halves(80, 40), Some(exif_orientation(6)));
        let image = decode_for_display(&bytes, 1000).expect("decode");
        assert_eq!(image.size, [40, 80]);
        let top = image.pixels[5 * 40 + 20];
        let bottom = image.pixels[75 * 40 + 20];
        assert!(is_reddish(top), "top should be red, got {top:?}");
        assert!(is_bluish(bottom), "bottom should be blue, got {bottom:?}");

        // Without the tag the same pixels stay landscape.
        let plain = decode_for_display(&jpeg(&halves(80, 40), None), 1000).expect("decode");
        assert_eq!(plain.size, [80, 40]);
    }

    #[test]
    fn orientation_is_applied_before_fitting() {
        let bytes = jpeg(&halves(400, 200), Some(exif_orientation(6)));
        let image = decode_for_display(&bytes, 100).expect("decode");
        assert_eq!(image.size, [50, 100]);
    }

    #[test]
    fn a_display_decode_shrunk_on_load_matches_the_whole_decode() {
        // Stored 1600x1200 with orientation 6: upright 1200x1600, shown within 300 px.
        let bytes = jpeg(&halves(1600, 1200), Some(exif_orientation(6)));
        let shrunk = Opened::new(&bytes)
            .expect("opens")
            .decode_upright_at_least((225, 300))
            .expect("decodes");
        assert_eq!(shrunk.dimensions(), (300, 400), "decoded at 1/4 scale");

        let fast = decode_for_display(&bytes, 300).expect("decode");
        assert_eq!(fast.size, [225, 300]);
        let whole = Opened::new(&bytes)
            .expect("opens")
            .decode_upright()
            .expect("decodes")
            .resize_exact(225, 300, FilterType::Triangle)
            .into_rgba8();
        let total: u64 = fast
            .pixels
            .iter()
            .zip(whole.pixels())
            .map(|(a, b)| {
                u64::from(a.r().abs_diff(b[0]))
                    + u64::from(a.g().abs_diff(b[1]))
                    + u64::from(a.b().abs_diff(b[2]))
            })
            .sum();
        let mean = total as f64 / (225.0 * 300.0 * 3.0);
        assert!(mean < 3.0, "mean difference {mean:.2}");
        // Upright: the stored left (red) half on top.
        assert!(is_reddish(fast.pixels[20 * 225 + 112]));
        assert!(is_bluish(fast.pixels[280 * 225 + 112]));
    }

    #[test]
    fn never_upscales_and_tolerates_zero_max() {
        let bytes = jpeg(&halves(10, 10), None);
        assert_eq!(
            decode_for_display(&bytes, 5000).expect("decode").size,
            [10, 10]
        );
        assert_eq!(decode_for_display(&bytes, 0).expect("decode").size, [1, 1]);
    }

    #[test]
    fn decodes_webp() {
        let rgba = RgbaImage::from_pixel(20, 10, Rgba([0, 0, 255, 255]));
        let mut bytes = Vec::new();
        rgba.write_to(&mut Cursor::new(&mut bytes), ImageFormat::WebP)
            .expect("encode webp");
        let image = decode_for_display(&bytes, 320).expect("decode");
        assert_eq!(image.size, [20, 10]);
        assert!(is_bluish(image.pixels[0]));
    }

    #[test]
    fn errors_name_the_cause() {
        assert!(matches!(
            decode_for_display(&[], 320),
            Err(MediaError::Empty)
        ));
        assert!(matches!(
            decode_for_display(b"hello, not an image", 320),
            Err(MediaError::UnknownFormat)
        ));
        let err = decode_for_display(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", 320)
            .expect_err("gif is not enabled");
        assert!(matches!(err, MediaError::Unsupported { .. }), "{err:?}");
        assert!(err.to_string().contains("format GIF"), "{err}");

        let mut truncated = jpeg(&halves(64, 64), None);
        truncated.truncate(truncated.len() / 3);
        let err = decode_for_display(&truncated, 320).expect_err("truncated");
        assert!(matches!(err, MediaError::CutOff { .. }), "{err:?}");
        assert!(err.to_string().contains("JPEG"), "{err}");
    }

    /// A PNG of `width`x`height` whose IDAT is empty: a whole file as far as its chunks go,
    /// so only the size check can refuse it, and before any pixel is allocated.
    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        for (kind, data) in [(b"IHDR", ihdr.as_slice()), (b"IDAT", &[]), (b"IEND", &[])] {
            png.extend_from_slice(&u32::try_from(data.len()).expect("short").to_be_bytes());
            let mut chunk = kind.to_vec();
            chunk.extend_from_slice(data);
            png.extend_from_slice(&chunk);
            png.extend_from_slice(&crc32(&chunk).to_be_bytes());
        }
        png
    }

    #[test]
    fn oversized_header_is_refused_before_allocating() {
        let err = decode_for_display(&png_header(20_000, 20_000), 320).expect_err("too large");
        assert!(matches!(err, MediaError::TooLarge { .. }), "{err:?}");
    }

    #[test]
    fn a_too_wide_picture_is_refused_with_its_real_size() {
        let err = decode_for_display(&png_header(20_000, 100), 320).expect_err("too wide");
        assert!(
            matches!(
                err,
                MediaError::TooLarge {
                    width: 20_000,
                    height: 100
                }
            ),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("20000x100 px"), "{message}");
        assert!(!message.contains("0x0"), "{message}");
    }

    #[test]
    fn cut_off_jpeg_png_and_webp_are_refused_not_greyed() {
        let whole = jpeg(&halves(400, 300), None);
        let mut png = Vec::new();
        RgbaImage::from_fn(300, 200, |x, y| {
            Rgba([(x % 256) as u8, (y % 256) as u8, 9, 255])
        })
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .expect("encode png");
        let mut webp = Vec::new();
        RgbaImage::from_fn(300, 200, |x, y| {
            Rgba([(x % 256) as u8, (y % 256) as u8, 9, 255])
        })
        .write_to(&mut Cursor::new(&mut webp), ImageFormat::WebP)
        .expect("encode webp");
        for (name, bytes) in [("JPEG", whole), ("PNG", png), ("WEBP", webp)] {
            for cut in [bytes.len() - 2, bytes.len() / 2, 700.min(bytes.len() / 4)] {
                let err = decode_for_display(&bytes[..cut], 320).expect_err("cut off");
                assert!(
                    matches!(err, MediaError::CutOff { .. }),
                    "{name} at {cut}: {err:?}"
                );
                let message = err.to_string();
                assert!(message.contains(name), "{message}");
                assert!(message.contains("cut off or damaged"), "{message}");
            }
        }
    }

    #[test]
    fn every_message_states_its_cause_once_and_its_fix_once() {
        let errors = [
            (MediaError::Empty, "export or download it again"),
            (MediaError::UnknownFormat, "use JPEG, PNG or WebP"),
            (
                MediaError::Unsupported {
                    format: "GIF".into(),
                },
                "use JPEG, PNG or WebP",
            ),
            (
                MediaError::TooLarge {
                    width: 20_000,
                    height: 100,
                },
                "resize it first",
            ),
            (
                MediaError::CutOff {
                    format: "JPEG".into(),
                },
                "export or download it again",
            ),
            (
                MediaError::Corrupt {
                    format: "PNG".into(),
                    reason: "bad CRC".into(),
                },
                "export or download it again",
            ),
            (MediaError::Heic, "export it as JPEG"),
        ];
        for (error, fix) in errors {
            let message = error.to_string();
            assert_eq!(message.matches(fix).count(), 1, "{message}");
            assert!(
                message.matches("download it again").count() <= 1,
                "{message}"
            );
        }
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
