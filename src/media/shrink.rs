//! Shrink on load: decoding a JPEG at 1/2, 1/4 or 1/8 of its size when the caller is going
//! to scale it down anyway.
//!
//! A JPEG stores 8x8 blocks of frequencies; an inverse DCT of only their lowest 4x4, 2x2 or
//! 1x1 gives each block at half, a quarter or an eighth of its size directly, skipping most of
//! the arithmetic, colour conversion and memory of a full decode (libjpeg's and libvips'
//! "shrink on load"). A 24-megapixel photo published 1440 px wide is decoded at 1/2, a
//! 1440 px preview of it at 1/4 and a grid thumbnail at 1/8. zune-jpeg (the `image` crate's
//! JPEG decoder) has no scaled IDCT; `jpeg-decoder` (pure Rust) has. It is used only for the
//! JPEGs it handles best, baseline or progressive, 8-bit, grey or colour; for anything else,
//! or a file it finds damaged, the caller decodes the picture whole as before, so nothing
//! that decoded before is refused now.

use image::{DynamicImage, GrayImage, RgbImage};

use super::decode::Header;

/// Decodes the JPEG `bytes` (whose checked header is `header`) at the smallest DCT scale
/// that keeps it at least `min_width` x `min_height` stored pixels. `None` when only the full
/// size will do or the file is not one this path takes: decode it whole then.
pub(super) fn decode_jpeg_at_least(
    bytes: &[u8],
    header: &Header,
    (min_width, min_height): (u32, u32),
) -> Option<DynamicImage> {
    let (width, height) = (header.stored_width, header.stored_height);
    let eighths = scale_eighths((width, height), (min_width, min_height))?;
    if !frame_is_plain(bytes) {
        return None;
    }
    let requested = (
        u16::try_from(scaled(width, eighths)).ok()?,
        u16::try_from(scaled(height, eighths)).ok()?,
    );
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    let (out_width, out_height) = decoder.scale(requested.0, requested.1).ok()?;
    let (out_width, out_height) = (u32::from(out_width), u32::from(out_height));
    if out_width < min_width || out_height < min_height {
        return None;
    }
    let pixels = match decoder.decode() {
        Ok(pixels) => pixels,
        Err(e) => {
            tracing::debug!("scaled JPEG decode failed, decoding it whole: {e}");
            return None;
        }
    };
    let samples = pixels.len() / (out_width as usize * out_height as usize).max(1);
    match samples {
        3 => RgbImage::from_raw(out_width, out_height, pixels).map(DynamicImage::ImageRgb8),
        1 => GrayImage::from_raw(out_width, out_height, pixels).map(DynamicImage::ImageLuma8),
        _ => None,
    }
}

/// The smallest scale, in eighths (1, 2 or 4), at which a `width`x`height` JPEG still decodes
/// to at least `min_width` x `min_height`; `None` when only the full size (8/8) will do.
fn scale_eighths((width, height): (u32, u32), (min_width, min_height): (u32, u32)) -> Option<u32> {
    [1, 2, 4]
        .into_iter()
        .find(|&e| scaled(width, e) >= min_width && scaled(height, e) >= min_height)
}

/// A side decoded at `eighths`/8 of its size: every started block gives at least a pixel.
fn scaled(side: u32, eighths: u32) -> u32 {
    (side * eighths).div_ceil(8)
}

/// True when the JPEG's frame header (SOF) is baseline, extended or progressive DCT, 8-bit,
/// with 1 (grey) or 3 (colour) components: what the scaled path decodes to RGB or grey.
/// CMYK, 12-bit, lossless and arithmetic-coded pictures go the whole-decode way.
fn frame_is_plain(bytes: &[u8]) -> bool {
    const SOF_BASELINE: u8 = 0xC0;
    const SOF_EXTENDED: u8 = 0xC1;
    const SOF_PROGRESSIVE: u8 = 0xC2;
    const SOS: u8 = 0xDA;
    let mut at = 2; // after SOI
    // Header segments each carry their length; the frame header comes before the first scan.
    while let (Some(&0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) {
        if marker == 0xFF {
            at += 1; // a fill byte
            continue;
        }
        let Some(length) = bytes
            .get(at + 2..at + 4)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
        else {
            return false;
        };
        match marker {
            SOF_BASELINE | SOF_EXTENDED | SOF_PROGRESSIVE => {
                let precision = bytes.get(at + 4);
                let components = bytes.get(at + 9);
                return precision == Some(&8) && matches!(components, Some(1 | 3));
            }
            0xC3..=0xCF | SOS => return false,
            _ => at += 2 + length,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_is_the_smallest_that_keeps_the_wanted_size() {
        // A 6000x4000 photo whose 4:5 crop (3200x4000) is published at 1440x1800: 1/2.
        assert_eq!(scale_eighths((6000, 4000), (2700, 1800)), Some(4));
        // A 1440 px preview of it fits at 1/4 (1500x1000).
        assert_eq!(scale_eighths((6000, 4000), (1440, 960)), Some(2));
        // A 320 px thumbnail at 1/8 (750x500).
        assert_eq!(scale_eighths((6000, 4000), (320, 213)), Some(1));
        // Published at its own size: no scaling.
        assert_eq!(scale_eighths((1080, 1350), (1080, 1350)), None);
        // Odd sides round up: 1/2 of 1001 is 501 pixels.
        assert_eq!(scale_eighths((1001, 1001), (501, 501)), Some(4));
        assert_eq!(scale_eighths((1001, 1001), (502, 501)), None);
    }

    #[test]
    fn only_plain_eight_bit_frames_take_the_scaled_path() {
        let mut sof = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00];
        sof.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 8, 0, 16, 0, 16, 3]);
        assert!(frame_is_plain(&sof));
        let mut cmyk = sof.clone();
        cmyk[17] = 4;
        assert!(!frame_is_plain(&cmyk));
        let mut twelve_bit = sof.clone();
        twelve_bit[12] = 12;
        assert!(!frame_is_plain(&twelve_bit));
        let mut lossless = sof.clone();
        lossless[9] = 0xC3;
        assert!(!frame_is_plain(&lossless));
        assert!(!frame_is_plain(&sof[..10]), "cut before the frame header");
    }
}
