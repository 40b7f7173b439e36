//! Telling a picture that ends early (a cut-off download, a half-copied file) from a whole
//! one, before decoding it.
//!
//! The `image` crate's decoders are lenient on purpose: zune-jpeg pads a JPEG whose data
//! runs out with grey, so a picture cut at 20 kB decodes "fine" with its lower half missing,
//! and would be published that way. These checks read only the files' framing (JPEG
//! markers, PNG chunks, the WebP RIFF size), which every whole file has, so they refuse a
//! cut-off picture without refusing sloppy-but-whole ones (bytes after the end marker,
//! fill bytes between segments).

use image::ImageFormat;

/// True when `bytes` of `format` stop before the format's end marker. Formats the app does
/// not decode are never called cut off here (the decoder refuses them anyway).
pub fn ends_early(bytes: &[u8], format: ImageFormat) -> bool {
    match format {
        ImageFormat::Jpeg => jpeg_ends_early(bytes),
        ImageFormat::Png => png_ends_early(bytes),
        ImageFormat::WebP => webp_ends_early(bytes),
        _ => false,
    }
}

/// JPEG markers that stand alone, with no length after them: SOI, EOI, RST0–7 and TEM.
fn standalone(marker: u8) -> bool {
    matches!(marker, 0xD8 | 0xD9 | 0xD0..=0xD7 | 0x01)
}

/// Walks the JPEG's segments and entropy-coded scans until the EOI marker (0xFFD9).
///
/// Header segments carry their length, so they are skipped whole (an EXIF thumbnail's own
/// EOI inside APP1 is never mistaken for the picture's). After an SOS header the scan data
/// runs until the next marker that is not byte stuffing (0xFF00) or a restart (0xFFD0–D7);
/// in scan data 0xFF is always escaped, so a real EOI cannot be faked by pixel data.
/// Progressive files have several scans; the walk goes through all of them.
fn jpeg_ends_early(bytes: &[u8]) -> bool {
    let mut at = 2; // after SOI, which the format guess already matched
    loop {
        let Some(marker) = next_marker(bytes, &mut at) else {
            return true;
        };
        if marker == 0xD9 {
            return false;
        }
        if standalone(marker) {
            continue;
        }
        let Some(length) = segment_length(bytes, at) else {
            return true;
        };
        at += length;
        if at > bytes.len() {
            return true;
        }
        if marker == 0xDA && !skip_scan(bytes, &mut at) {
            return true;
        }
    }
}

/// Finds the marker at or after `at` (skipping stray bytes and 0xFF fill bytes), leaves `at`
/// just after it and returns its code; `None` when the data ends first.
fn next_marker(bytes: &[u8], at: &mut usize) -> Option<u8> {
    let start = *at + bytes.get(*at..)?.iter().position(|&b| b == 0xFF)?;
    let code_at = start + bytes.get(start..)?.iter().position(|&b| b != 0xFF)?;
    *at = code_at + 1;
    Some(bytes[code_at])
}

/// The big-endian length of the segment whose length field starts at `at` (it counts
/// itself, so it is at least 2).
fn segment_length(bytes: &[u8], at: usize) -> Option<usize> {
    let field = bytes.get(at..at + 2)?;
    let length = usize::from(u16::from_be_bytes([field[0], field[1]]));
    (length >= 2).then_some(length)
}

/// Moves `at` through entropy-coded scan data to the 0xFF of the next real marker; false
/// when the data ends inside the scan.
fn skip_scan(bytes: &[u8], at: &mut usize) -> bool {
    while let Some(offset) = bytes
        .get(*at..)
        .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
    {
        let ff = *at + offset;
        match bytes.get(ff + 1) {
            None => return false,
            // Byte stuffing, a restart marker or a fill byte: still inside the scan.
            Some(0x00 | 0xD0..=0xD7) => *at = ff + 2,
            Some(0xFF) => *at = ff + 1,
            Some(_) => {
                *at = ff;
                return true;
            }
        }
    }
    false
}

/// Walks the PNG's chunks (length, type, data, CRC) until IEND.
fn png_ends_early(bytes: &[u8]) -> bool {
    const SIGNATURE_BYTES: usize = 8;
    let mut at = SIGNATURE_BYTES;
    loop {
        let Some(header) = bytes.get(at..at + 8) else {
            return true;
        };
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let Some(end) = at.checked_add(12).and_then(|n| n.checked_add(length)) else {
            return true;
        };
        if end > bytes.len() {
            return true;
        }
        if &header[4..8] == b"IEND" {
            return false;
        }
        at = end;
    }
}

/// A WebP file is one RIFF chunk whose header states its size: fewer bytes than that means
/// the file was cut.
fn webp_ends_early(bytes: &[u8]) -> bool {
    let Some(size) = bytes.get(4..8) else {
        return true;
    };
    let riff_bytes = u32::from_le_bytes([size[0], size[1], size[2], size[3]]) as usize;
    bytes.len() < riff_bytes.saturating_add(8)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::{Rgb, RgbImage};

    use super::*;

    /// A noisy picture (so the encoded data is long enough to cut) encoded as `format`.
    fn encoded(format: ImageFormat) -> Vec<u8> {
        let picture = RgbImage::from_fn(300, 200, |x, y| {
            Rgb([
                (x * 7 % 256) as u8,
                (y * 13 % 256) as u8,
                ((x ^ y) % 256) as u8,
            ])
        });
        let mut out = Cursor::new(Vec::new());
        picture.write_to(&mut out, format).expect("encode");
        out.into_inner()
    }

    #[test]
    fn whole_pictures_are_not_cut_off() {
        for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
            assert!(!ends_early(&encoded(format), format), "{format:?}");
        }
    }

    #[test]
    fn pictures_cut_anywhere_are_found() {
        for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
            let whole = encoded(format);
            for cut in [
                whole.len() - 1,
                whole.len() / 2,
                700.min(whole.len() / 3),
                20,
            ] {
                assert!(ends_early(&whole[..cut], format), "{format:?} cut at {cut}");
            }
        }
    }

    #[test]
    fn bytes_after_a_jpeg_end_marker_are_allowed() {
        let mut jpeg = encoded(ImageFormat::Jpeg);
        jpeg.extend_from_slice(&[0, 0, 0, 0x12, 0x34]);
        assert!(!jpeg_ends_early(&jpeg));
    }
}

/// Property tests: the image decoders meet cut, corrupted and random files; each is read
/// or refused with an error, never a panic.
#[cfg(test)]
mod fuzz {
    use std::io::Cursor;
    use std::sync::OnceLock;

    use image::{Rgb, RgbImage};
    use proptest::prelude::*;

    use super::*;
    use crate::media::decode_for_display;

    /// Small pictures of each format, encoded once.
    fn samples() -> &'static [(ImageFormat, Vec<u8>)] {
        static SAMPLES: OnceLock<Vec<(ImageFormat, Vec<u8>)>> = OnceLock::new();
        SAMPLES.get_or_init(|| {
            let picture = RgbImage::from_fn(64, 48, |x, y| {
                Rgb([(x * 4) as u8, (y * 5) as u8, ((x ^ y) * 3) as u8])
            });
            [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP]
                .into_iter()
                .filter_map(|format| {
                    let mut out = Cursor::new(Vec::new());
                    picture.write_to(&mut out, format).ok()?;
                    Some((format, out.into_inner()))
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn cut_or_corrupted_pictures_are_read_or_refused(
            which in 0usize..3,
            cut in 0.0f64..=1.0,
            flips in prop::collection::vec((0.0f64..1.0, any::<u8>()), 0..8),
        ) {
            let (format, whole) = &samples()[which % samples().len()];
            let mut bytes = whole[..(whole.len() as f64 * cut) as usize].to_vec();
            for (at, value) in flips {
                if !bytes.is_empty() {
                    let i = ((bytes.len() - 1) as f64 * at) as usize;
                    bytes[i] = value;
                }
            }
            let _ = ends_early(&bytes, *format);
            let _ = decode_for_display(&bytes, 256);
        }

        #[test]
        fn random_bytes_are_refused(bytes in prop::collection::vec(any::<u8>(), 0..2_048)) {
            for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
                let _ = ends_early(&bytes, format);
            }
            prop_assert!(decode_for_display(&bytes, 256).is_err());
        }
    }
}
