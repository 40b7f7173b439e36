//! GPU textures for the images the engine decoded, keyed by URL.
//!
//! The engine sends a decoded `ColorImage` once; the UI uploads it with `ctx.load_texture` and
//! keeps the handle here. An entry exists from the moment a URL was requested, so each URL
//! is asked for exactly once (until the request could not be queued and is forgotten again).
//! Thumbnails that scrolled out of view long ago are dropped once there are more than
//! [`MAX_THUMBNAIL_TEXTURES`], so a 10,000-post feed does not keep 10,000 textures in GPU
//! memory; they are asked for again (from the engine's disk cache) if they come back.

use std::collections::HashMap;

use egui::TextureHandle;

use super::remote::Remote;
use crate::engine::protocol::DecodedImage;

/// How many thumbnail textures are kept before the least recently shown are dropped.
pub const MAX_THUMBNAIL_TEXTURES: usize = 600;

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
    /// Frame counter, advanced by [`Self::begin_frame`].
    frame: u64,
    /// The frame each thumbnail was last on screen, for eviction.
    thumbnail_last_seen: HashMap<String, u64>,
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

    /// Starts a frame: thumbnails requested from now on count as seen in it.
    pub fn begin_frame(&mut self) {
        self.frame += 1;
    }

    /// Marks `url` as requested (and, for thumbnails, as on screen this frame); returns true
    /// when it had not been requested, i.e. a command is due.
    pub fn request(&mut self, size: ImageSize, url: &str) -> bool {
        if size == ImageSize::Thumbnail {
            self.thumbnail_last_seen.insert(url.to_owned(), self.frame);
        }
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

    /// Drops the least recently shown thumbnails beyond `keep`. Requests still in flight and
    /// thumbnails on screen this frame are never dropped.
    pub fn evict_thumbnails(&mut self, keep: usize) {
        if self.thumbnails.len() <= keep {
            return;
        }
        let mut candidates: Vec<(u64, String)> = self
            .thumbnails
            .iter()
            .filter(|(_, state)| !state.is_loading())
            .map(|(url, _)| {
                let seen = self.thumbnail_last_seen.get(url).copied().unwrap_or(0);
                (seen, url.clone())
            })
            .filter(|(seen, _)| *seen < self.frame)
            .collect();
        candidates.sort_unstable();
        let excess = self.thumbnails.len() - keep;
        for (_, url) in candidates.into_iter().take(excess) {
            self.thumbnails.remove(&url);
            self.thumbnail_last_seen.remove(&url);
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
    fn old_thumbnails_are_evicted_but_not_visible_or_pending_ones() {
        let ctx = egui::Context::default();
        let mut textures = Textures::default();
        let image = |url: &str| DecodedImage {
            url: url.to_owned(),
            image: std::sync::Arc::new(egui::ColorImage::filled([2, 2], egui::Color32::RED)),
        };
        for url in ["first", "second", "pending"] {
            textures.begin_frame();
            textures.request(ImageSize::Thumbnail, url);
        }
        textures.insert(&ctx, ImageSize::Thumbnail, &image("second"));
        textures.insert(&ctx, ImageSize::Thumbnail, &image("first"));
        textures.begin_frame();
        textures.request(ImageSize::Thumbnail, "visible");
        textures.insert(&ctx, ImageSize::Thumbnail, &image("visible"));

        textures.evict_thumbnails(3);
        assert_eq!(textures.requested_count(ImageSize::Thumbnail), 3);
        assert!(textures.state(ImageSize::Thumbnail, "second").is_some());
        assert!(textures.state(ImageSize::Thumbnail, "pending").is_some());
        assert!(textures.state(ImageSize::Thumbnail, "visible").is_some());
        assert!(textures.state(ImageSize::Thumbnail, "first").is_none());
        assert!(
            textures.request(ImageSize::Thumbnail, "first"),
            "asked for again"
        );
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
