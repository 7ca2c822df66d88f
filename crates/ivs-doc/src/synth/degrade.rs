//! Photographing the page: placement on a background, rotation, perspective, lighting, blur,
//! resolution, partial crop, noise and JPEG compression. Every parameter is sampled from the
//! ranges documented in `docs/mrz-eval.md` and recorded in the truth file.

use image::{Rgb, RgbImage, Rgba, RgbaImage};
use imageproc::filter::gaussian_blur_f32;
use imageproc::geometric_transformations::{Border, Interpolation, Projection, warp_into};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// One glare spot: centre as a fraction of the image, radius as a fraction of the diagonal,
/// strength 0–1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Glare {
    /// Centre `[x, y]`, fractions of width and height.
    pub at: [f32; 2],
    /// Radius as a fraction of the image diagonal.
    pub radius: f32,
    /// Peak strength (1 = fully white at the centre).
    pub strength: f32,
}

/// The degradation parameters of one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Degradation {
    /// Quarter turns counter-clockwise applied to the upright page (0–3).
    pub quarter_turns: u8,
    /// Additional in-plane rotation in degrees (counter-clockwise positive).
    pub skew_deg: f32,
    /// Largest perspective displacement of a page corner, as a fraction of the page's short side.
    pub perspective: f32,
    /// MRZ character pitch in the output image, in pixels (low resolution = small pitch).
    pub mrz_pitch_px: f32,
    /// Gaussian blur sigma in output pixels (0 = none).
    pub blur_sigma: f32,
    /// Gaussian noise sigma in grey levels (0 = none).
    pub noise_sigma: f32,
    /// JPEG quality, or `None` for PNG.
    pub jpeg_quality: Option<u8>,
    /// Shadow: darkening at the darkest edge (0 = none), linear across the image.
    pub shadow: f32,
    /// Glare spots.
    pub glare: Vec<Glare>,
    /// Partial crop: side (`left`, `top`, `right`, `bottom`) and fraction of that dimension removed.
    pub crop: Option<(String, f32)>,
    /// Whether the MRZ is still wholly inside the image.
    pub mrz_fully_visible: bool,
    /// Whether the whole page is inside the image.
    pub page_fully_visible: bool,
    /// Output size `[w, h]`.
    pub size: [u32; 2],
}

/// Result of degrading: the image and its parameters, plus the MRZ quadrilateral in output pixels.
pub struct Photo {
    /// The photographed image.
    pub image: RgbImage,
    /// The parameters used.
    pub params: Degradation,
    /// The MRZ box corners (top-left, top-right, bottom-right, bottom-left of the upright text),
    /// in output pixels.
    pub mrz_quad: [[f32; 2]; 4],
    projection: Projection,
    offset: (f32, f32),
}

impl Photo {
    /// Maps a point of the clean page to output pixels.
    pub fn map(&self, p: (f32, f32)) -> [f32; 2] {
        let (x, y) = self.projection * p;
        [x - self.offset.0, y - self.offset.1]
    }

    /// Maps a page box `[x, y, w, h]` to its four output corners.
    pub fn map_box(&self, b: [f32; 4]) -> [[f32; 2]; 4] {
        let [x, y, w, h] = b;
        [(x, y), (x + w, y), (x + w, y + h), (x, y + h)].map(|p| self.map(p))
    }
}

/// A standard normal sample (Box–Muller), so no distribution crate is needed.
fn normal<R: Rng>(rng: &mut R) -> f32 {
    let u1: f32 = rng.gen_range(f32::EPSILON..1.0);
    let u2: f32 = rng.gen_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f32::consts::PI * u2).cos()
}

fn background<R: Rng>(rng: &mut R, w: u32, h: u32) -> RgbImage {
    let base = [
        rng.gen_range(20..=230i32),
        rng.gen_range(20..=230i32),
        rng.gen_range(20..=230i32),
    ];
    let stripes = rng.gen_bool(0.5);
    let period = rng.gen_range(6.0..60.0f32);
    let amp = rng.gen_range(0.0..30.0f32);
    RgbImage::from_fn(w, h, |x, y| {
        let v = if stripes {
            amp * ((x as f32 + 0.3 * y as f32) / period).sin()
        } else {
            amp * (((x / 8) * 31 + (y / 8) * 17) % 13) as f32 / 13.0
        };
        Rgb(std::array::from_fn(|i| {
            (base[i] as f32 + v).clamp(0.0, 255.0) as u8
        }))
    })
}

/// Degrades `page` (whose MRZ box is `mrz_box` = `[x, y, w, h]` and MRZ pitch `pitch`).
pub fn photograph<R: Rng>(rng: &mut R, page: &RgbImage, mrz_box: [f32; 4], pitch: f32) -> Photo {
    let (pw, ph) = (page.width() as f32, page.height() as f32);

    // Orientation: 60% upright, the rest one of 90/180/270.
    let quarter_turns: u8 = if rng.gen_bool(0.6) {
        0
    } else {
        rng.gen_range(1..=3)
    };
    let skew_deg = if rng.gen_bool(0.3) {
        rng.gen_range(-2.0..2.0f32)
    } else {
        rng.gen_range(-12.0..12.0f32)
    };
    let perspective = if rng.gen_bool(0.3) {
        0.0
    } else {
        rng.gen_range(0.0..0.08f32)
    };
    // Resolution: 20% low (7–10 px per MRZ character), the rest 10–26 px.
    let mrz_pitch_px = if rng.gen_bool(0.2) {
        rng.gen_range(7.0..10.0f32)
    } else {
        rng.gen_range(10.0..26.0f32)
    };
    let scale = (mrz_pitch_px / pitch).min(1.0);
    let mrz_pitch_px = pitch * scale;

    // Antialias before the downscaling warp.
    let src = if scale < 0.75 {
        gaussian_blur_f32(page, 0.45 / scale)
    } else {
        page.clone()
    };

    // Destination corners: scale, rotate around the centre, jitter.
    let theta = -(f32::from(quarter_turns) * 90.0 + skew_deg).to_radians();
    let (s, c) = theta.sin_cos();
    let corners = [(0.0, 0.0), (pw, 0.0), (pw, ph), (0.0, ph)];
    let jitter = perspective * pw.min(ph) * scale;
    let mut dst: Vec<(f32, f32)> = corners
        .iter()
        .map(|&(x, y)| {
            let (dx, dy) = ((x - pw / 2.0) * scale, (y - ph / 2.0) * scale);
            (
                dx * c - dy * s + rng.gen_range(-1.0..=1.0f32) * jitter,
                dx * s + dy * c + rng.gen_range(-1.0..=1.0f32) * jitter,
            )
        })
        .collect();
    let min_x = dst.iter().map(|p| p.0).fold(f32::MAX, f32::min);
    let max_x = dst.iter().map(|p| p.0).fold(f32::MIN, f32::max);
    let min_y = dst.iter().map(|p| p.1).fold(f32::MAX, f32::min);
    let max_y = dst.iter().map(|p| p.1).fold(f32::MIN, f32::max);
    let (bw, bh) = (max_x - min_x, max_y - min_y);
    let cw = (bw * rng.gen_range(1.03..1.45f32)).ceil().max(8.0);
    let chh = (bh * rng.gen_range(1.03..1.45f32)).ceil().max(8.0);
    let ox = rng.gen_range(0.0..=(cw - bw)) - min_x;
    let oy = rng.gen_range(0.0..=(chh - bh)) - min_y;
    for p in &mut dst {
        p.0 += ox;
        p.1 += oy;
    }
    let (cw, chh) = (cw as u32, chh as u32);
    let dst4 = [dst[0], dst[1], dst[2], dst[3]];
    let projection =
        Projection::from_control_points(corners, dst4).unwrap_or_else(|| Projection::translate(ox, oy));

    let mut canvas = background(rng, cw, chh);
    let rgba = RgbaImage::from_fn(src.width(), src.height(), |x, y| {
        let p = src.get_pixel(x, y);
        Rgba([p[0], p[1], p[2], 255])
    });
    let mut warped = RgbaImage::new(cw, chh);
    warp_into(
        &rgba,
        projection,
        Interpolation::Bilinear,
        Border::Constant(Rgba([0, 0, 0, 0])),
        &mut warped,
    );
    for (b, f) in canvas.pixels_mut().zip(warped.pixels()) {
        let a = f32::from(f[3]) / 255.0;
        *b = Rgb(std::array::from_fn(|i| {
            (f32::from(f[i]) * a + f32::from(b[i]) * (1.0 - a)).round() as u8
        }));
    }

    let [mx, my, mw, mh] = mrz_box;
    let pad = pitch * 0.3;
    let quad_src = [
        (mx - pad, my - pad),
        (mx + mw + pad, my - pad),
        (mx + mw + pad, my + mh + pad),
        (mx - pad, my + mh + pad),
    ];
    let mut quad: [[f32; 2]; 4] = quad_src.map(|p| {
        let (x, y) = projection * p;
        [x, y]
    });

    // Lighting.
    let shadow = if rng.gen_bool(0.4) {
        rng.gen_range(0.1..0.6f32)
    } else {
        0.0
    };
    if shadow > 0.0 {
        let a = rng.gen_range(0.0..std::f32::consts::TAU);
        let (sa, ca) = a.sin_cos();
        let (wf, hf) = (cw as f32, chh as f32);
        let half = (wf * ca.abs() + hf * sa.abs()) / 2.0;
        let offset = rng.gen_range(-0.5..0.5f32);
        for (x, y, p) in canvas.enumerate_pixels_mut() {
            let u = ((x as f32 - wf / 2.0) * ca + (y as f32 - hf / 2.0) * sa) / half.max(1.0);
            let t = ((u + offset) * 1.5).clamp(0.0, 1.0);
            let f = 1.0 - shadow * t;
            *p = Rgb(std::array::from_fn(|i| (f32::from(p[i]) * f) as u8));
        }
    }
    let n_glare = if rng.gen_bool(0.4) {
        rng.gen_range(1..=3)
    } else {
        0
    };
    let glare: Vec<Glare> = (0..n_glare)
        .map(|_| Glare {
            at: [rng.gen_range(0.1..0.9f32), rng.gen_range(0.1..0.9f32)],
            radius: rng.gen_range(0.02..0.15f32),
            strength: rng.gen_range(0.3..0.8f32),
        })
        .collect();
    if !glare.is_empty() {
        let (wf, hf) = (cw as f32, chh as f32);
        let diag = (wf * wf + hf * hf).sqrt();
        for (x, y, p) in canvas.enumerate_pixels_mut() {
            let mut g = 0.0f32;
            for s in &glare {
                let r = s.radius * diag;
                let d2 = (x as f32 - s.at[0] * wf).powi(2) + (y as f32 - s.at[1] * hf).powi(2);
                // a flat-topped spot: saturated core, soft edge
                let v = s.strength * (1.6 * (-d2 / (2.0 * r * r)).exp()).min(1.0);
                g = g.max(v);
            }
            if g > 0.002 {
                *p = Rgb(std::array::from_fn(|i| {
                    (f32::from(p[i]) + (255.0 - f32::from(p[i])) * g) as u8
                }));
            }
        }
    }

    // Blur relative to the character size, so that low resolution and blur together stay legible.
    let blur_sigma = if rng.gen_bool(0.35) {
        0.0
    } else {
        mrz_pitch_px * rng.gen_range(0.03..0.10f32)
    };
    if blur_sigma > 0.0 {
        canvas = gaussian_blur_f32(&canvas, blur_sigma);
    }

    // Partial crop of one side of the photo. The crop never cuts into the MRZ (a reader is
    // expected to read every image of the set); it cuts the page elsewhere.
    let mut crop = None;
    let mut offset = (0.0, 0.0);
    if rng.gen_bool(0.15) {
        let (w, h) = canvas.dimensions();
        let (wf, hf) = (w as f32, h as f32);
        let margin = mrz_pitch_px;
        let qx0 = quad.iter().map(|q| q[0]).fold(f32::MAX, f32::min) - margin;
        let qx1 = quad.iter().map(|q| q[0]).fold(f32::MIN, f32::max) + margin;
        let qy0 = quad.iter().map(|q| q[1]).fold(f32::MAX, f32::min) - margin;
        let qy1 = quad.iter().map(|q| q[1]).fold(f32::MIN, f32::max) + margin;
        // Largest fraction removable from each side without touching the MRZ.
        let room = [qx0 / wf, qy0 / hf, (wf - qx1) / wf, (hf - qy1) / hf];
        let side = rng.gen_range(0..4usize);
        let side = (0..4)
            .map(|k| (side + k) % 4)
            .find(|&k| room[k] > 0.05)
            .unwrap_or(side);
        let max = room[side].min(0.35);
        if max > 0.05 {
            let frac = rng.gen_range(0.05..max);
            let (cx, cy, nw, nh) = match side {
                0 => ((wf * frac) as u32, 0, w - (wf * frac) as u32, h),
                1 => (0, (hf * frac) as u32, w, h - (hf * frac) as u32),
                2 => (0, 0, w - (wf * frac) as u32, h),
                _ => (0, 0, w, h - (hf * frac) as u32),
            };
            canvas = image::imageops::crop_imm(&canvas, cx, cy, nw.max(8), nh.max(8)).to_image();
            for q in &mut quad {
                q[0] -= cx as f32;
                q[1] -= cy as f32;
            }
            offset = (cx as f32, cy as f32);
            crop = Some((["left", "top", "right", "bottom"][side].to_string(), frac));
        }
    }

    let noise_sigma = if rng.gen_bool(0.3) {
        0.0
    } else {
        rng.gen_range(1.0..12.0f32)
    };
    if noise_sigma > 0.0 {
        for p in canvas.pixels_mut() {
            *p = Rgb(std::array::from_fn(|i| {
                (f32::from(p[i]) + normal(rng) * noise_sigma).clamp(0.0, 255.0) as u8
            }));
        }
    }
    let jpeg_quality = if rng.gen_bool(0.85) {
        Some(rng.gen_range(35..=95u8))
    } else {
        None
    };

    let (w, h) = canvas.dimensions();
    let mrz_fully_visible = quad
        .iter()
        .all(|q| q[0] >= 0.0 && q[1] >= 0.0 && q[0] <= w as f32 && q[1] <= h as f32);
    let inside = |p: &[f32; 2]| p[0] >= 0.0 && p[1] >= 0.0 && p[0] <= w as f32 && p[1] <= h as f32;
    let page_fully_visible = corners.iter().all(|&(x, y)| {
        let (px, py) = projection * (x, y);
        inside(&[px - offset.0, py - offset.1])
    });
    Photo {
        image: canvas,
        params: Degradation {
            quarter_turns,
            skew_deg,
            perspective,
            mrz_pitch_px,
            blur_sigma,
            noise_sigma,
            jpeg_quality,
            shadow,
            glare,
            crop,
            mrz_fully_visible,
            page_fully_visible,
            size: [w, h],
        },
        mrz_quad: quad,
        projection,
        offset,
    }
}
