//! A chart exported as a PNG: the chart's region cut out of a window screenshot and encoded.
//!
//! Runs in the engine (on the blocking pool): encoding a full-width chart at 2x takes a few
//! milliseconds, which the UI thread must not spend.

/// PNG bytes of the `rect` (in points) of a screenshot taken at `pixels_per_point`.
pub fn png_of_region(
    shot: &egui::ColorImage,
    rect: egui::Rect,
    pixels_per_point: f32,
) -> Result<Vec<u8>, String> {
    // `region` asserts the rect lies inside the image: clamp it first.
    let ppp = pixels_per_point.max(0.1);
    let bounds = egui::Rect::from_min_size(
        egui::Pos2::ZERO,
        egui::vec2(shot.width() as f32 / ppp, shot.height() as f32 / ppp),
    );
    let rect = rect.intersect(bounds);
    if !rect.is_positive() {
        return Err("the chart was not on screen when the picture was taken".to_owned());
    }
    let region = shot.region(&rect, Some(ppp));
    let [w, h] = region.size;
    let mut rgba = Vec::with_capacity(w * h * 4);
    for p in &region.pixels {
        rgba.extend_from_slice(&p.to_srgba_unmultiplied());
    }
    let img = image::RgbaImage::from_raw(w as u32, h as u32, rgba)
        .ok_or_else(|| "the screenshot had an unexpected size".to_owned())?;
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| format!("could not encode the PNG: {e}"))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_region_is_cut_at_the_pixel_scale() {
        let mut shot = egui::ColorImage::filled([200, 100], egui::Color32::WHITE);
        // A red square at points (10,10)-(20,20) = pixels (20,20)-(40,40) at 2x.
        for y in 20..40 {
            for x in 20..40 {
                shot[(x, y)] = egui::Color32::RED;
            }
        }
        let rect = egui::Rect::from_min_max(egui::pos2(10.0, 10.0), egui::pos2(20.0, 20.0));
        let bytes = png_of_region(&shot, rect, 2.0).expect("encodes");
        let picture = image::load_from_memory(&bytes).expect("a PNG").to_rgba8();
        assert_eq!(picture.dimensions(), (20, 20));
        assert!(picture.pixels().all(|p| p.0 == [255, 0, 0, 255]));
    }

    #[test]
    fn a_region_off_screen_is_refused() {
        let shot = egui::ColorImage::filled([100, 100], egui::Color32::WHITE);
        let rect = egui::Rect::from_min_max(egui::pos2(500.0, 500.0), egui::pos2(600.0, 600.0));
        assert!(png_of_region(&shot, rect, 1.0).is_err());
    }
}
