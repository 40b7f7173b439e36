//! Pictures pasted from the system clipboard: read them (blocking, so never on the UI
//! thread) and turn the raw RGBA into a PNG the Composer's pipeline takes like any dropped
//! file (`MediaSource::Bytes`), so a paste is decoded, cropped and encoded the same way.
//!
//! Not every desktop lets a program read the clipboard (headless sessions, Wayland without
//! the data-control protocol): those cases get a message with the way around, never a hang.

use image::{ImageFormat, RgbaImage};

/// Why nothing could be pasted. Each message names the way forward.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PasteError {
    #[error(
        "the clipboard holds no picture: copy an image (not its file name or text) and paste again, or add the file with Add files…"
    )]
    NoImage,
    #[error(
        "the clipboard cannot be read on this desktop ({0}): save the picture to a file and add it with Add files… or drop it on the window"
    )]
    Unavailable(String),
    #[error(
        "the pasted picture could not be converted ({0}): save it as a file and add that instead"
    )]
    Convert(String),
}

impl From<arboard::Error> for PasteError {
    fn from(e: arboard::Error) -> Self {
        match e {
            arboard::Error::ContentNotAvailable => Self::NoImage,
            arboard::Error::ConversionFailure => Self::Convert(e.to_string()),
            other => Self::Unavailable(other.to_string()),
        }
    }
}

/// Encodes `width`x`height` RGBA pixels as PNG (lossless: the JPEG for Meta is made later,
/// once, after the crop).
pub fn encode_png(width: usize, height: usize, rgba: &[u8]) -> Result<Vec<u8>, PasteError> {
    let (w, h) = (
        u32::try_from(width).map_err(|e| PasteError::Convert(e.to_string()))?,
        u32::try_from(height).map_err(|e| PasteError::Convert(e.to_string()))?,
    );
    if w == 0 || h == 0 {
        return Err(PasteError::NoImage);
    }
    let image = RgbaImage::from_raw(w, h, rgba.to_vec()).ok_or_else(|| {
        PasteError::Convert(format!(
            "{} bytes do not make a {w}x{h} RGBA picture",
            rgba.len()
        ))
    })?;
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|e| PasteError::Convert(e.to_string()))?;
    Ok(out.into_inner())
}

/// Reads the picture on the system clipboard as PNG bytes. Blocking (the X11 / Wayland
/// clipboard answers through the display server): call it off the UI thread.
pub fn read_system_clipboard() -> Result<Vec<u8>, PasteError> {
    let mut clipboard = arboard::Clipboard::new()?;
    let image = clipboard.get_image()?;
    encode_png(image.width, image.height, &image.bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgba_becomes_a_png_of_the_same_size() {
        let rgba: Vec<u8> = (0..4 * 3 * 2).map(|i| i as u8).collect();
        let png = encode_png(3, 2, &rgba).expect("png");
        assert_eq!(&png[1..4], b"PNG");
        let back = image::load_from_memory(&png).expect("decodes").to_rgba8();
        assert_eq!(back.dimensions(), (3, 2));
        assert_eq!(back.into_raw(), rgba);
    }

    #[test]
    fn bad_sizes_say_so() {
        assert_eq!(encode_png(0, 0, &[]), Err(PasteError::NoImage));
        assert!(matches!(
            encode_png(3, 2, &[0; 5]),
            Err(PasteError::Convert(_))
        ));
    }

    #[test]
    fn clipboard_errors_map_to_the_fix() {
        let none = PasteError::from(arboard::Error::ContentNotAvailable);
        assert_eq!(none, PasteError::NoImage);
        assert!(none.to_string().contains("holds no picture"));
        let unsupported = PasteError::from(arboard::Error::ClipboardNotSupported);
        assert!(matches!(unsupported, PasteError::Unavailable(_)));
        assert!(unsupported.to_string().contains("Add files"));
    }
}
