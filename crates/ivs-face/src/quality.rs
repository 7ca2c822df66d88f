//! Capture-quality signals on the aligned face: blur, glare, exposure.
use crate::align::{ALIGNED, AlignedFace};
use serde::Serialize;

/// Quality measurements of one face. All are computed on the 112×112 aligned crop, so they do
/// not depend on how large the face was in the photo.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Quality {
    /// Variance of the 4-neighbour Laplacian over the inner face (higher is sharper).
    pub sharpness: f32,
    /// Fraction of inner-face pixels that are near white (every channel ≥ 240): specular glare
    /// on a document laminate or a flash hot spot.
    pub glare: f32,
    /// Mean luma of the inner face, 0–255.
    pub brightness: f32,
    /// Distance between the eye centres in the source photo, in pixels.
    pub eye_distance: f32,
    /// Detector score of the face.
    pub detector_score: f32,
}

/// Thresholds that turn quality signals into `FACE_TOO_BLURRY` / `FACE_GLARED`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QualityPolicy {
    /// Below this sharpness the face is too blurry to compare.
    pub min_sharpness: f32,
    /// Above this glare fraction the face is glared.
    pub max_glare: f32,
}

impl Default for QualityPolicy {
    /// Chosen on the calibration photos (see docs/face.md): every usable photo, including small
    /// printed portraits, stays above 15; a Gaussian blur of σ ≥ 3 px at 112 px face width falls
    /// far below it. Glare: clean faces measure < 1%, a laminate hot spot over the face > 20%.
    fn default() -> Self {
        QualityPolicy {
            min_sharpness: 15.0,
            max_glare: 0.2,
        }
    }
}

/// Inner face region of the aligned crop (skips the black warp border and most background).
const INNER: std::ops::Range<usize> = 16..96;

pub(crate) fn measure(face: &AlignedFace, eye_distance: f32, detector_score: f32) -> Quality {
    let luma = face.luma();
    let at = |x: usize, y: usize| luma.get(y * ALIGNED + x).copied().unwrap_or(0.0);
    let (mut sum, mut sum2, mut n) = (0f64, 0f64, 0f64);
    for y in INNER {
        for x in INNER {
            let lap = at(x + 1, y) + at(x - 1, y) + at(x, y + 1) + at(x, y - 1) - 4.0 * at(x, y);
            sum += f64::from(lap);
            sum2 += f64::from(lap) * f64::from(lap);
            n += 1.0;
        }
    }
    let mean = sum / n;
    let sharpness = (sum2 / n - mean * mean).max(0.0) as f32;
    let (mut white, mut bright, mut count) = (0usize, 0f64, 0usize);
    for (i, p) in face.rgb().enumerate() {
        let (x, y) = (i % ALIGNED, i / ALIGNED);
        if INNER.contains(&x) && INNER.contains(&y) {
            count += 1;
            if p.iter().all(|&c| c >= 240.0) {
                white += 1;
            }
            bright += f64::from(luma.get(i).copied().unwrap_or(0.0));
        }
    }
    let count = count.max(1);
    Quality {
        sharpness,
        glare: white as f32 / count as f32,
        brightness: (bright / count as f64) as f32,
        eye_distance,
        detector_score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face_from(f: impl Fn(usize, usize) -> [f32; 3]) -> AlignedFace {
        let p = ALIGNED * ALIGNED;
        let mut planes = vec![0.0; 3 * p];
        for y in 0..ALIGNED {
            for x in 0..ALIGNED {
                let c = f(x, y);
                for ch in 0..3 {
                    planes[ch * p + y * ALIGNED + x] = c[ch];
                }
            }
        }
        AlignedFace { planes }
    }

    #[test]
    fn flat_faces_are_not_sharp_and_textured_ones_are() {
        let flat = measure(&face_from(|_, _| [120.0; 3]), 40.0, 0.9);
        assert!(flat.sharpness < 1e-3);
        let checker = measure(
            &face_from(|x, y| [if (x + y) % 2 == 0 { 60.0 } else { 180.0 }; 3]),
            40.0,
            0.9,
        );
        assert!(checker.sharpness > 1000.0);
    }

    #[test]
    fn glare_counts_near_white_inner_pixels() {
        // Left half of the image white: the inner region (16..96) has 40 of 80 columns white.
        let q = measure(
            &face_from(|x, _| if x < 56 { [250.0; 3] } else { [100.0; 3] }),
            40.0,
            0.9,
        );
        assert!((q.glare - 0.5).abs() < 1e-6, "{}", q.glare);
        assert!(q.glare > QualityPolicy::default().max_glare);
    }
}
