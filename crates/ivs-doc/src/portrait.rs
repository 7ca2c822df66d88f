//! The holder's portrait on the document page. Face detection itself lives in `ivs-face`; this
//! crate does not depend on it: the caller passes a detector callback, which is handed the page
//! turned upright (by the reading's right-angle rotation).

use crate::reader::Reading;
use image::{RgbImage, imageops};

/// A face found by the caller's detector: score and `[x, y, w, h]` in pixels of the image it was
/// given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceBox {
    /// Detector confidence, 0–1.
    pub score: f32,
    /// `[x, y, w, h]`.
    pub bbox: [f32; 4],
}

/// Turns `rgb` upright by `reading.rotation` (the same frame as `Reading::band`).
#[must_use]
pub fn upright(rgb: &RgbImage, reading: &Reading) -> RgbImage {
    match reading.rotation {
        90 => imageops::rotate90(rgb),
        180 => imageops::rotate180(rgb),
        270 => imageops::rotate270(rgb),
        _ => rgb.clone(),
    }
}

/// Runs `detect` on the upright page and returns the holder's portrait `[x, y, w, h]` (clamped to
/// the upright image): the largest face (a document's secondary "ghost" portrait is smaller),
/// preferring faces above the MRZ band when the band is known.
pub fn find_portrait<F>(rgb: &RgbImage, reading: &Reading, detect: F) -> Option<[u32; 4]>
where
    F: FnOnce(&RgbImage) -> Vec<FaceBox>,
{
    let page = upright(rgb, reading);
    let (w, h) = page.dimensions();
    let faces = detect(&page);
    let above_band = |f: &FaceBox| match reading.band {
        Some([_, by, _, _]) => f.bbox[1] + f.bbox[3] * 0.5 < by as f32,
        None => true,
    };
    let best = faces
        .iter()
        .filter(|f| f.bbox[2] > 0.0 && f.bbox[3] > 0.0)
        .max_by(|a, b| {
            (above_band(a), a.bbox[2] * a.bbox[3])
                .partial_cmp(&(above_band(b), b.bbox[2] * b.bbox[3]))
                .unwrap_or(std::cmp::Ordering::Equal)
        })?;
    let [x, y, bw, bh] = best.bbox;
    let x0 = x.max(0.0).min(w as f32);
    let y0 = y.max(0.0).min(h as f32);
    let x1 = (x + bw).max(0.0).min(w as f32);
    let y1 = (y + bh).max(0.0).min(h as f32);
    if x1 - x0 < 1.0 || y1 - y0 < 1.0 {
        return None;
    }
    Some([x0 as u32, y0 as u32, (x1 - x0) as u32, (y1 - y0) as u32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_largest_face_above_the_band_in_the_upright_frame() {
        let rgb = RgbImage::new(400, 200);
        let mut reading = Reading {
            rotation: 90,
            band: Some([10, 300, 180, 40]),
            ..Reading::default()
        };
        let got = find_portrait(&rgb, &reading, |page| {
            // The detector sees the upright page: 200 wide, 400 tall.
            assert_eq!(page.dimensions(), (200, 400));
            vec![
                FaceBox {
                    score: 0.9,
                    bbox: [20.0, 40.0, 60.0, 80.0],
                },
                FaceBox {
                    score: 0.8,
                    bbox: [120.0, 60.0, 30.0, 40.0],
                },
                FaceBox {
                    score: 0.9,
                    bbox: [20.0, 330.0, 90.0, 90.0],
                },
            ]
        });
        assert_eq!(got, Some([20, 40, 60, 80]));
        reading.band = None;
        let none = find_portrait(&rgb, &reading, |_| Vec::new());
        assert_eq!(none, None);
    }
}
