//! How the user framed a picture: its shape, how far it is zoomed in and where the frame is
//! centred. The crop is always computed from these and the original size, never from an
//! earlier crop, so changing shapes back and forth never compounds (a carousel slide that
//! followed item 1 to 4:5 gets its whole picture back when item 1 returns to its own shape).

use serde::{Deserialize, Serialize};

use super::prepare::CropRect;

/// The furthest a frame zooms in: a fifth of the largest frame of its shape.
pub const MAX_ZOOM: f64 = 5.0;

/// A frame on a picture, in fractions of the upright original.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CropFrame {
    /// Width ÷ height of the frame; `None` is the picture's own shape.
    pub ratio: Option<f64>,
    /// 1.0 is the largest frame of that shape; 2.0 shows half its width.
    pub zoom: f64,
    /// The frame's centre, in fractions of the picture.
    pub cx: f64,
    pub cy: f64,
}

impl Default for CropFrame {
    fn default() -> Self {
        Self::WHOLE
    }
}

impl CropFrame {
    /// The whole picture.
    pub const WHOLE: CropFrame = CropFrame {
        ratio: None,
        zoom: 1.0,
        cx: 0.5,
        cy: 0.5,
    };

    /// This frame with shape `ratio` (`None`: the picture's own), keeping zoom and centre.
    pub fn with_ratio(self, ratio: Option<f64>) -> CropFrame {
        CropFrame { ratio, ..self }
    }

    /// The crop this frame cuts from a `width`×`height` picture: the largest rectangle of
    /// the frame's shape, shrunk by the zoom, centred as close to (cx, cy) as the picture's
    /// edges allow.
    pub fn crop(self, width: u32, height: u32) -> CropRect {
        let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
        let own = w / h;
        let ratio = self
            .ratio
            .filter(|r| r.is_finite() && *r > 0.0)
            .unwrap_or(own);
        let (fw, fh) = if ratio > own {
            (1.0, own / ratio)
        } else {
            (ratio / own, 1.0)
        };
        let zoom = self.clamped_zoom();
        let (fw, fh) = (fw / zoom, fh / zoom);
        let x = (finite_or_half(self.cx) - fw / 2.0).clamp(0.0, 1.0 - fw);
        let y = (finite_or_half(self.cy) - fh / 2.0).clamp(0.0, 1.0 - fh);
        CropRect { x, y, w: fw, h: fh }
    }

    /// The frame moved by (`dx`, `dy`) fractions of the picture, kept inside it.
    pub fn panned(self, dx: f64, dy: f64, width: u32, height: u32) -> CropFrame {
        let moved = CropFrame {
            cx: finite_or_half(self.cx) + dx,
            cy: finite_or_half(self.cy) + dy,
            ..self
        };
        moved.settled(width, height)
    }

    /// The frame zoomed to `zoom` (clamped to 1…[`MAX_ZOOM`]), kept inside the picture.
    pub fn zoomed(self, zoom: f64, width: u32, height: u32) -> CropFrame {
        CropFrame { zoom, ..self }.settled(width, height)
    }

    fn clamped_zoom(self) -> f64 {
        if self.zoom.is_finite() {
            self.zoom.clamp(1.0, MAX_ZOOM)
        } else {
            1.0
        }
    }

    /// The centre the crop really has, so panning past an edge does not store a centre
    /// that a later pan would first have to undo.
    fn settled(self, width: u32, height: u32) -> CropFrame {
        let c = self.crop(width, height);
        CropFrame {
            zoom: self.clamped_zoom(),
            cx: c.x + c.w / 2.0,
            cy: c.y + c.h / 2.0,
            ..self
        }
    }
}

fn finite_or_half(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.5 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn shapes_never_compound() {
        let frame = CropFrame::WHOLE;
        let portrait = frame.with_ratio(Some(0.8)).crop(1600, 1000);
        assert!(
            close(portrait.aspect(1600, 1000), 0.8)
                || (portrait.aspect(1600, 1000) - 0.8).abs() < 0.01
        );
        // Back to its own shape: the whole picture again, not a slice of the 4:5 crop.
        let back = frame
            .with_ratio(Some(0.8))
            .with_ratio(None)
            .crop(1600, 1000);
        assert_eq!(back, CropRect::FULL);
    }

    #[test]
    fn panning_stays_inside_the_picture_and_zoom_shrinks_the_frame() {
        let square = CropFrame::WHOLE.with_ratio(Some(1.0));
        let left = square.panned(-1.0, 0.0, 2000, 1000).crop(2000, 1000);
        assert!(close(left.x, 0.0) && close(left.w, 0.5), "{left:?}");
        let right = square.panned(1.0, 0.0, 2000, 1000);
        // The stored centre is where the frame really is: a pan back moves it at once.
        assert!(close(right.cx, 0.75), "{right:?}");
        let zoomed = square.zoomed(2.0, 2000, 1000).crop(2000, 1000);
        assert!(close(zoomed.w, 0.25) && close(zoomed.h, 0.5), "{zoomed:?}");
        let wild = square
            .zoomed(f64::INFINITY, 2000, 1000)
            .panned(f64::NAN, 0.0, 2000, 1000);
        let c = wild.crop(2000, 1000);
        assert!(c.x >= 0.0 && c.x + c.w <= 1.0 + 1e-9, "{c:?}");
    }
}
