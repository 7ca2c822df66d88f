//! Five-point alignment to the ArcFace 112×112 template (what SFace was trained on).
use image::RgbImage;

/// Side of the aligned face crop.
pub const ALIGNED: usize = 112;

/// ArcFace reference landmarks in the 112×112 crop (eyes, nose, mouth corners).
const TEMPLATE: [[f32; 2]; 5] = [
    [38.2946, 51.6963],
    [73.5318, 51.5014],
    [56.0252, 71.7366],
    [41.5493, 92.3655],
    [70.7299, 92.2041],
];

/// A face warped onto the template: planar RGB, 0–255 floats (SFace's input layout).
#[derive(Debug, Clone)]
pub struct AlignedFace {
    pub(crate) planes: Vec<f32>,
}

impl AlignedFace {
    /// Luma plane (BT.601), `ALIGNED * ALIGNED` values in 0–255.
    pub fn luma(&self) -> Vec<f32> {
        let p = ALIGNED * ALIGNED;
        (0..p)
            .map(|i| 0.299 * self.planes[i] + 0.587 * self.planes[p + i] + 0.114 * self.planes[2 * p + i])
            .collect()
    }

    /// Per-pixel RGB triples.
    pub fn rgb(&self) -> impl Iterator<Item = [f32; 3]> + '_ {
        let p = ALIGNED * ALIGNED;
        (0..p).map(move |i| [self.planes[i], self.planes[p + i], self.planes[2 * p + i]])
    }
}

/// Least-squares similarity transform `dst ≈ [[a, -b], [b, a]] · src + t`, as `(a, b, tx, ty)`.
/// `None` when the source points are degenerate (all at one spot).
fn similarity(src: &[[f32; 2]; 5], dst: &[[f32; 2]; 5]) -> Option<(f32, f32, f32, f32)> {
    let mean = |pts: &[[f32; 2]; 5]| {
        let s = pts.iter().fold([0.0f32; 2], |m, p| [m[0] + p[0], m[1] + p[1]]);
        [s[0] / 5.0, s[1] / 5.0]
    };
    let (ms, md) = (mean(src), mean(dst));
    let (mut num_a, mut num_b, mut den) = (0f32, 0f32, 0f32);
    for (s, d) in src.iter().zip(dst) {
        let (sx, sy) = (s[0] - ms[0], s[1] - ms[1]);
        let (dx, dy) = (d[0] - md[0], d[1] - md[1]);
        num_a += sx * dx + sy * dy;
        num_b += sx * dy - sy * dx;
        den += sx * sx + sy * sy;
    }
    if den.is_nan() || den <= 1e-6 {
        return None;
    }
    let (a, b) = (num_a / den, num_b / den);
    Some((
        a,
        b,
        md[0] - (a * ms[0] - b * ms[1]),
        md[1] - (b * ms[0] + a * ms[1]),
    ))
}

/// Warps the face with the given landmarks onto the template with bilinear sampling (pixels
/// outside the image are black, as in OpenCV's `warpAffine`).
pub fn align(img: &RgbImage, landmarks: &[[f32; 2]; 5]) -> Option<AlignedFace> {
    let (a, b, tx, ty) = similarity(landmarks, &TEMPLATE)?;
    let n = a * a + b * b;
    if !n.is_finite() || n <= 1e-12 {
        return None;
    }
    let (w, h) = (img.width() as usize, img.height() as usize);
    let raw = img.as_raw();
    let px = |x: isize, y: isize, ch: usize| -> f32 {
        if x < 0 || y < 0 || x as usize >= w || y as usize >= h {
            0.0
        } else {
            raw.get((y as usize * w + x as usize) * 3 + ch)
                .map_or(0.0, |&v| f32::from(v))
        }
    };
    let plane = ALIGNED * ALIGNED;
    let mut planes = vec![0f32; 3 * plane];
    for v in 0..ALIGNED {
        for u in 0..ALIGNED {
            let (du, dv) = (u as f32 - tx, v as f32 - ty);
            let x = (a * du + b * dv) / n;
            let y = (-b * du + a * dv) / n;
            if !x.is_finite() || !y.is_finite() {
                continue;
            }
            let (x0, y0) = (x.floor(), y.floor());
            let (fx, fy) = (x - x0, y - y0);
            let (xi, yi) = (x0 as isize, y0 as isize);
            for ch in 0..3 {
                let val = px(xi, yi, ch) * (1.0 - fx) * (1.0 - fy)
                    + px(xi + 1, yi, ch) * fx * (1.0 - fy)
                    + px(xi, yi + 1, ch) * (1.0 - fx) * fy
                    + px(xi + 1, yi + 1, ch) * fx * fy;
                planes[ch * plane + v * ALIGNED + u] = val;
            }
        }
    }
    Some(AlignedFace { planes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_recovers_a_known_transform() {
        // src = template rotated by 10°, scaled by 2 and shifted; the fit must invert it exactly.
        let (c, s) = (10f32.to_radians().cos() * 2.0, 10f32.to_radians().sin() * 2.0);
        let src = TEMPLATE.map(|p| [c * p[0] - s * p[1] + 30.0, s * p[0] + c * p[1] - 7.0]);
        let (a, b, tx, ty) = similarity(&src, &TEMPLATE).unwrap();
        for (p, q) in src.iter().zip(TEMPLATE) {
            let m = [a * p[0] - b * p[1] + tx, b * p[0] + a * p[1] + ty];
            assert!(
                (m[0] - q[0]).abs() < 1e-2 && (m[1] - q[1]).abs() < 1e-2,
                "{m:?} vs {q:?}"
            );
        }
    }

    #[test]
    fn degenerate_landmarks_give_none() {
        let img = RgbImage::new(50, 50);
        assert!(align(&img, &[[5.0, 5.0]; 5]).is_none());
        assert!(align(&img, &[[f32::NAN, 5.0]; 5]).is_none());
    }
}
