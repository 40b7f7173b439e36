//! GPU textures for the images the engine decoded, keyed by URL.
//!
//! The engine sends a decoded `ColorImage` once; the UI uploads it with `ctx.load_texture` and
//! keeps the handle here. An entry exists from the moment a URL was requested, so each URL
//! is asked for exactly once (until the request could not be queued and is forgotten again).

use std::collections::HashMap;

use egui::TextureHandle;

use super::remote::Remote;
use crate::engine::protocol::DecodedImage;

/// Which size of an image: grid thumbnails and detail images are separate requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageSize {
    Thumbnail,
    Full,
}

/// Thumbnails and full images, each URL in one of the [`Remote`] states.
#[derive(Default)]
pub struct Textures {
    thumbnails: HashMap<String, Remote<TextureHandle>>,
    full: HashMap<String, Remote<TextureHandle>>,
}

impl Textures {
    fn map(&self, size: ImageSize) -> &HashMap<String, Remote<TextureHandle>> {
        match size {
            ImageSize::Thumbnail => &self.thumbnails,
            ImageSize::Full => &self.full,
        }
    }

    fn map_mut(&mut self, size: ImageSize) -> &mut HashMap<String, Remote<TextureHandle>> {
        match size {
            ImageSize::Thumbnail => &mut self.thumbnails,
            ImageSize::Full => &mut self.full,
        }
    }

    /// The state of one image, `Idle` when never requested.
    pub fn state(&self, size: ImageSize, url: &str) -> Option<&Remote<TextureHandle>> {
        self.map(size).get(url)
    }

    /// The texture, once it arrived.
    pub fn texture(&self, size: ImageSize, url: &str) -> Option<&TextureHandle> {
        self.state(size, url).and_then(Remote::value)
    }

    /// Marks `url` as requested; returns true when it had not been, i.e. a command is due.
    pub fn request(&mut self, size: ImageSize, url: &str) -> bool {
        let entry = self.map_mut(size).entry(url.to_owned()).or_default();
        if entry.is_requested() {
            return false;
        }
        entry.start_loading();
        true
    }

    /// Forgets a request that could not be queued, so it is tried again on a later frame.
    pub fn forget(&mut self, size: ImageSize, url: &str) {
        self.map_mut(size).remove(url);
    }

    /// Uploads a decoded image as a texture.
    pub fn insert(&mut self, ctx: &egui::Context, size: ImageSize, image: &DecodedImage) {
        let options = egui::TextureOptions::LINEAR;
        let handle = ctx.load_texture(image.url.clone(), image.image.clone(), options);
        self.map_mut(size)
            .entry(image.url.clone())
            .or_default()
            .set_ready(handle);
    }

    /// Records that an image could not be loaded, in whichever maps asked for it.
    pub fn fail(&mut self, url: &str, message: &str) {
        for map in [&mut self.thumbnails, &mut self.full] {
            if let Some(entry) = map.get_mut(url) {
                entry.set_failed(message);
            }
        }
    }

    /// How many URLs were requested at this size (for tests and diagnostics).
    pub fn requested_count(&self, size: ImageSize) -> usize {
        self.map(size).len()
    }
}

/// The part of a texture to show so it fills a `target` aspect ratio (centre crop).
pub fn cover_uv(texture_size: egui::Vec2, target: egui::Vec2) -> egui::Rect {
    let full = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
    if texture_size.x <= 0.0 || texture_size.y <= 0.0 || target.x <= 0.0 || target.y <= 0.0 {
        return full;
    }
    let texture_aspect = texture_size.x / texture_size.y;
    let target_aspect = target.x / target.y;
    if texture_aspect > target_aspect {
        let visible = target_aspect / texture_aspect;
        let margin = (1.0 - visible) / 2.0;
        egui::Rect::from_min_max(egui::pos2(margin, 0.0), egui::pos2(1.0 - margin, 1.0))
    } else {
        let visible = texture_aspect / target_aspect;
        let margin = (1.0 - visible) / 2.0;
        egui::Rect::from_min_max(egui::pos2(0.0, margin), egui::pos2(1.0, 1.0 - margin))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_url_is_requested_once() {
        let mut textures = Textures::default();
        assert!(textures.request(ImageSize::Thumbnail, "a"));
        assert!(!textures.request(ImageSize::Thumbnail, "a"));
        assert!(textures.request(ImageSize::Full, "a"), "sizes are separate");
        textures.forget(ImageSize::Thumbnail, "a");
        assert!(textures.request(ImageSize::Thumbnail, "a"));
    }

    #[test]
    fn cover_crops_the_long_side() {
        let uv = cover_uv(egui::vec2(200.0, 100.0), egui::vec2(50.0, 50.0));
        assert_eq!(uv.min, egui::pos2(0.25, 0.0));
        assert_eq!(uv.max, egui::pos2(0.75, 1.0));
        let uv = cover_uv(egui::vec2(100.0, 400.0), egui::vec2(50.0, 50.0));
        assert_eq!(uv.min, egui::pos2(0.0, 0.375));
    }
}
