//! Image handling off the UI thread: decoding downloaded or picked images for display.
//!
//! The engine calls these from `spawn_blocking`; the UI only receives finished
//! [`egui::ColorImage`]s to upload as textures.

pub mod clipboard;
mod decode;
pub mod frame;
pub mod prepare;
mod shrink;
mod truncation;
pub mod video;

pub use decode::{DETAIL_MAX_SIDE_PX, MediaError, THUMBNAIL_MAX_SIDE_PX, decode_for_display};
