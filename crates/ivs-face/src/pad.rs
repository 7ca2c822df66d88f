//! Presentation-attack *evidence*: cheap image statistics that rise on some recaptures.
//!
//! These are heuristics, not a liveness check, and they never decide a verdict on their own.
//! What they look at:
//! * **moiré** (`moirePeak`): a photo of a screen carries the screen's pixel grid beaten against
//!   the camera sensor, which shows as isolated peaks in the mid/high-frequency power spectrum of
//!   the face skin. Measured as the strongest spectral peak over the median power of its band
//!   (off-axis, JPEG 8×8 block frequencies excluded) on a 64×64 skin patch around the nose.
//! * **print texture** (`highFrequency`): halftone dots and paper grain add energy at the highest
//!   frequencies relative to skin; measured as the fraction of non-DC spectral energy above half
//!   the Nyquist frequency.
//! * **sharpness consistency** (`sharpnessRatio`): face sharpness over the sharpness of the ring
//!   of background around the face. A photo held in front of the camera puts face and its
//!   "background" on one plane, so the ratio moves towards 1; a live face in front of a distant
//!   background is usually sharper than the background.
//!
//! What they do **not** catch: good prints and cut-out masks photographed at normal distance,
//! silicone or 3D masks, replay on high-density screens far enough from the lens for the moiré to
//! vanish, deepfakes and any digitally injected image (the camera never saw a screen), and
//! anything the capture pipeline re-encodes heavily (JPEG removes the high frequencies these
//! signals need). A low score is therefore **no** evidence of liveness.
use crate::detect::DetectedFace;
use image::{RgbImage, imageops::FilterType};
use serde::Serialize;

/// Side of the analysed skin patch (power of two not required; naive separable DFT).
const N: usize = 64;

/// Scored presentation-attack evidence for one face.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PadEvidence {
    /// Strongest mid/high-frequency spectral peak over its band's median power (ordinary photos:
    /// 23–2,320 on our 43 calibration photos; a visible screen grid: far above).
    pub moire_peak: f32,
    /// Fraction of non-DC spectral energy above half Nyquist.
    pub high_frequency: f32,
    /// Laplacian variance of the face box over that of the surrounding ring (`null`-like 0 when
    /// the face fills the frame and no ring exists).
    pub sharpness_ratio: f32,
    /// 0–1 combination of the above (0 = nothing suspicious). Evidence for a reviewer, not a
    /// verdict; see the module documentation for what it cannot detect.
    pub score: f32,
    /// `score >= 0.5`.
    pub suspicious: bool,
}

/// Moiré peak ratio at which the moiré component of the score reaches 1.
const MOIRE_HIGH: f32 = 20_000.0;
/// Moiré peak ratio below which the component is 0. Ordinary camera photos measured 23–2,320
/// (43 photos, docs/face.md: hair, fabric and resampling make peaks too), so only much stronger
/// periodic energy counts.
const MOIRE_LOW: f32 = 3_000.0;

fn ramp(v: f32, lo: f32, hi: f32) -> f32 {
    ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
}

fn luma_at(img: &RgbImage, x: u32, y: u32) -> f32 {
    img.get_pixel_checked(x, y).map_or(0.0, |p| {
        0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])
    })
}

/// Square skin patch centred on the nose at native resolution (resampled only when the face is
/// too small to hold an N×N patch), as an N×N luma array.
fn skin_patch(img: &RgbImage, face: &DetectedFace) -> Option<Vec<f32>> {
    let nose = face.landmarks[2];
    let side = (face.eye_distance() * 1.2).max(8.0);
    let half = side / 2.0;
    let x0 = (nose[0] - half).max(0.0) as u32;
    let y0 = (nose[1] - half).max(0.0) as u32;
    let s = side as u32;
    if x0 >= img.width() || y0 >= img.height() {
        return None;
    }
    let (w, h) = (s.min(img.width() - x0), s.min(img.height() - y0));
    if w < 8 || h < 8 {
        return None;
    }
    let crop = image::imageops::crop_imm(img, x0, y0, w, h).to_image();
    let patch = if w as usize >= N && h as usize >= N {
        let (cx, cy) = ((w - N as u32) / 2, (h - N as u32) / 2);
        image::imageops::crop_imm(&crop, cx, cy, N as u32, N as u32).to_image()
    } else {
        image::imageops::resize(&crop, N as u32, N as u32, FilterType::Triangle)
    };
    Some(
        (0..N * N)
            .map(|i| luma_at(&patch, (i % N) as u32, (i / N) as u32))
            .collect(),
    )
}

/// Power spectrum of a Hann-windowed, mean-removed N×N patch (naive separable DFT).
fn power_spectrum(patch: &[f32]) -> Vec<f32> {
    let mean = patch.iter().sum::<f32>() / patch.len().max(1) as f32;
    let hann: Vec<f32> = (0..N)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / (N as f32 - 1.0)).cos())
        .collect();
    let (cos, sin): (Vec<f32>, Vec<f32>) = (0..N)
        .map(|k| {
            let a = -2.0 * std::f32::consts::PI * k as f32 / N as f32;
            (a.cos(), a.sin())
        })
        .unzip();
    let mut re = vec![0f32; N * N];
    let mut im = vec![0f32; N * N];
    // Rows.
    for y in 0..N {
        for k in 0..N {
            let (mut r, mut i) = (0f32, 0f32);
            for x in 0..N {
                let v = (patch.get(y * N + x).copied().unwrap_or(mean) - mean) * hann[x] * hann[y];
                let t = (k * x) % N;
                r += v * cos[t];
                i += v * sin[t];
            }
            re[y * N + k] = r;
            im[y * N + k] = i;
        }
    }
    // Columns.
    let mut power = vec![0f32; N * N];
    for kx in 0..N {
        for ky in 0..N {
            let (mut r, mut i) = (0f32, 0f32);
            for y in 0..N {
                let t = (ky * y) % N;
                let (a, b) = (re[y * N + kx], im[y * N + kx]);
                r += a * cos[t] - b * sin[t];
                i += a * sin[t] + b * cos[t];
            }
            power[ky * N + kx] = r * r + i * i;
        }
    }
    power
}

fn laplacian_variance(img: &RgbImage, x0: u32, y0: u32, x1: u32, y1: u32, skip: Option<[u32; 4]>) -> f32 {
    let (mut s, mut s2, mut n) = (0f64, 0f64, 0f64);
    for y in y0.max(1)..y1.min(img.height().saturating_sub(1)) {
        for x in x0.max(1)..x1.min(img.width().saturating_sub(1)) {
            if let Some([sx0, sy0, sx1, sy1]) = skip
                && x >= sx0
                && x < sx1
                && y >= sy0
                && y < sy1
            {
                continue;
            }
            let l = luma_at(img, x + 1, y)
                + luma_at(img, x - 1, y)
                + luma_at(img, x, y + 1)
                + luma_at(img, x, y - 1)
                - 4.0 * luma_at(img, x, y);
            s += f64::from(l);
            s2 += f64::from(l) * f64::from(l);
            n += 1.0;
        }
    }
    if n < 16.0 {
        return 0.0;
    }
    let m = s / n;
    (s2 / n - m * m).max(0.0) as f32
}

/// Computes the evidence for one detected face of `img`.
pub fn evidence(img: &RgbImage, face: &DetectedFace) -> PadEvidence {
    let (moire_peak, high_frequency) = match skin_patch(img, face) {
        Some(patch) => {
            let p = power_spectrum(&patch);
            let (mut band, mut total, mut high) = (Vec::new(), 0f64, 0f64);
            for ky in 0..N {
                for kx in 0..N {
                    let fy = ky.min(N - ky) as f32;
                    let fx = kx.min(N - kx) as f32;
                    let r = (fx * fx + fy * fy).sqrt();
                    let v = p.get(ky * N + kx).copied().unwrap_or(0.0);
                    if r >= 1.0 {
                        total += f64::from(v);
                        if r >= N as f32 / 4.0 {
                            high += f64::from(v);
                        }
                    }
                    // The moiré band skips the axes (window and border leakage) and the JPEG
                    // 8-px block grid (multiples of N/8 on both axes), which every compressed
                    // photo has.
                    let block = N / 8;
                    let on_grid = kx % block == 0 && ky % block == 0;
                    if r >= N as f32 / 8.0 && r < N as f32 / 2.0 && fx > 0.0 && fy > 0.0 && !on_grid {
                        band.push(v);
                    }
                }
            }
            band.sort_by(f32::total_cmp);
            let median = band.get(band.len() / 2).copied().unwrap_or(0.0);
            let peak = band.last().copied().unwrap_or(0.0);
            let ratio = if median > 1e-9 { peak / median } else { 0.0 };
            (ratio, if total > 0.0 { (high / total) as f32 } else { 0.0 })
        }
        None => (0.0, 0.0),
    };
    // Sharpness of the face box against a ring of half a box width around it.
    let [bx, by, bw, bh] = face.bbox;
    let clampx = |v: f32| v.clamp(0.0, img.width() as f32) as u32;
    let clampy = |v: f32| v.clamp(0.0, img.height() as f32) as u32;
    let inner = [clampx(bx), clampy(by), clampx(bx + bw), clampy(by + bh)];
    let outer = [
        clampx(bx - bw / 2.0),
        clampy(by - bh / 2.0),
        clampx(bx + 1.5 * bw),
        clampy(by + 1.5 * bh),
    ];
    let face_sharp = laplacian_variance(img, inner[0], inner[1], inner[2], inner[3], None);
    let ring_sharp = laplacian_variance(img, outer[0], outer[1], outer[2], outer[3], Some(inner));
    let sharpness_ratio = if ring_sharp > 1e-3 {
        face_sharp / ring_sharp
    } else {
        0.0
    };
    let moire = ramp(moire_peak, MOIRE_LOW, MOIRE_HIGH);
    let print = ramp(high_frequency, 0.25, 0.5);
    // Same plane: face not sharper than its surroundings (ratio ≤ 1) is weakly suspicious.
    let flat = if sharpness_ratio > 0.0 {
        ramp(1.5 - sharpness_ratio, 0.5, 1.5)
    } else {
        0.0
    };
    let score = (0.6 * moire + 0.25 * print + 0.15 * flat).clamp(0.0, 1.0);
    PadEvidence {
        moire_peak,
        high_frequency,
        sharpness_ratio,
        score,
        suspicious: score >= 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face_at(cx: f32, cy: f32, eye: f32) -> DetectedFace {
        DetectedFace {
            score: 0.9,
            bbox: [cx - eye, cy - eye, 2.0 * eye, 2.2 * eye],
            landmarks: [
                [cx - eye / 2.0, cy - eye / 3.0],
                [cx + eye / 2.0, cy - eye / 3.0],
                [cx, cy],
                [cx - eye / 3.0, cy + eye / 2.0],
                [cx + eye / 3.0, cy + eye / 2.0],
            ],
        }
    }

    #[test]
    fn a_periodic_grid_raises_the_moire_signal() {
        // Noisy "skin" gradient vs the same with a fine sinusoidal grid (period 5 px).
        let noise =
            |x: u32, y: u32| ((x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 17) as f32 - 8.0;
        let smooth = RgbImage::from_fn(400, 400, |x, y| {
            let v = (100.0 + 0.2 * x as f32 + 0.1 * y as f32 + noise(x, y)) as u8;
            image::Rgb([v, v, v])
        });
        let grid = RgbImage::from_fn(400, 400, |x, y| {
            let g = 20.0 * (2.0 * std::f32::consts::PI * (x as f32 / 5.0 + y as f32 / 7.0)).sin();
            let v = (100.0 + 0.2 * x as f32 + 0.1 * y as f32 + noise(x, y) + g) as u8;
            image::Rgb([v, v, v])
        });
        let face = face_at(200.0, 200.0, 90.0);
        let a = evidence(&smooth, &face);
        let b = evidence(&grid, &face);
        assert!(b.moire_peak > MOIRE_LOW, "grid peak {}", b.moire_peak);
        assert!(
            b.moire_peak > 10.0 * a.moire_peak.max(1.0),
            "{} vs {}",
            b.moire_peak,
            a.moire_peak
        );
        assert!(b.score > a.score);
    }

    #[test]
    fn evidence_is_finite_on_faces_at_the_border() {
        let img = RgbImage::from_pixel(50, 50, image::Rgb([128, 128, 128]));
        let e = evidence(&img, &face_at(0.0, 0.0, 30.0));
        assert!(e.score.is_finite() && e.moire_peak.is_finite());
        let e = evidence(&img, &face_at(1e9, -1e9, 30.0));
        assert!(e.score.is_finite());
    }
}
