//! Image-quality measurements and the document verdict (thresholds and their data:
//! `docs/mrz-reader.md`).

use crate::reader::Reading;
use image::{GrayImage, imageops};
use ivs_mrz::Date;
use serde::Serialize;

/// Variance of the Laplacian over the MRZ band (grey, scaled so text is comparable) below this
/// is "too blurry".
pub const BLUR_MIN: f64 = 90.0;
/// Fraction of near-white pixels (≥ 250) over the MRZ band above this is "glared".
pub const GLARE_MAX: f64 = 0.05;
/// MRZ character height in pixels of the original image below this is "too small".
pub const RESOLUTION_MIN: f64 = 7.0;
/// A photo with fewer text lines than this (anywhere, any size) and no MRZ is not a document.
pub const DOC_TEXT_LINES_MIN: usize = 2;
/// Without text, a photo with a grey-level standard deviation above this is taken for a document
/// too blurred to show its text (below: a blank surface, so no document).
pub const BLURRED_DOC_CONTRAST_MIN: f32 = 30.0;
/// A pixel at or above this grey level counts as glare.
pub const GLARE_LEVEL: u8 = 250;

/// One measurement and its verdict (`"ok"`, or the problem).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Measure {
    /// The measured value.
    pub value: f64,
    /// `"ok"`, `"blurry"`, `"glared"` or `"low"`.
    pub verdict: &'static str,
}

/// The quality block of a reading.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Quality {
    /// Variance of the Laplacian.
    pub blur: Measure,
    /// Near-white fraction.
    pub glare: Measure,
    /// MRZ character height (or, without MRZ, the image's short side / 40).
    pub resolution: Measure,
}

/// Variance of the 4-neighbour Laplacian of `img`.
#[must_use]
pub fn laplacian_variance(img: &GrayImage) -> f64 {
    let (w, h) = img.dimensions();
    if w < 3 || h < 3 {
        return 0.0;
    }
    let (mut sum, mut sum2, mut n) = (0.0f64, 0.0f64, 0.0f64);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let p = |dx: i64, dy: i64| {
                f64::from(
                    img.get_pixel((i64::from(x) + dx) as u32, (i64::from(y) + dy) as u32)
                        .0[0],
                )
            };
            let v = p(-1, 0) + p(1, 0) + p(0, -1) + p(0, 1) - 4.0 * p(0, 0);
            sum += v;
            sum2 += v * v;
            n += 1.0;
        }
    }
    let mean = sum / n;
    sum2 / n - mean * mean
}

/// Fraction of pixels at or above [`GLARE_LEVEL`] that are also well above the region's median
/// (white paper is not glare: a clean scan has a median near 255 and scores 0).
#[must_use]
pub fn glare_fraction(img: &GrayImage) -> f64 {
    let total = img.as_raw().len();
    if total == 0 {
        return 0.0;
    }
    let mut sorted = img.as_raw().clone();
    let mid = total / 2;
    let median = *sorted.select_nth_unstable(mid).1;
    let bright = img
        .as_raw()
        .iter()
        .filter(|&&p| p >= GLARE_LEVEL && u16::from(p) >= u16::from(median) + 40)
        .count();
    bright as f64 / total as f64
}

/// Measures blur, glare and resolution over the MRZ band (the whole image when none was found).
#[must_use]
pub fn measure(gray: &GrayImage, reading: &Reading) -> Quality {
    let upright = match reading.rotation {
        90 => imageops::rotate90(gray),
        180 => imageops::rotate180(gray),
        270 => imageops::rotate270(gray),
        _ => gray.clone(),
    };
    let (region, char_height) = match reading.band {
        Some([x, y, w, h]) if w >= 8 && h >= 8 => {
            let lines = reading.lines.len().max(1) as f64;
            let crop = imageops::crop_imm(&upright, x, y, w, h).to_image();
            // Line pitch ≈ h / lines; characters are about 2/3 of the pitch.
            (crop, f64::from(h) / lines * 0.66)
        }
        _ => (
            upright.clone(),
            f64::from(upright.width().min(upright.height())) / 40.0,
        ),
    };
    // Compare sharpness at a common scale: character height 24 px (without a band, as is).
    let factor = if reading.band.is_some() && char_height > 0.0 {
        24.0 / char_height
    } else {
        1.0
    };
    let nw = ((f64::from(region.width()) * factor).round() as u32).clamp(3, 4000);
    let nh = ((f64::from(region.height()) * factor).round() as u32).clamp(3, 4000);
    let norm = crate::scale::triangle(&region, nw, nh);
    let blur = laplacian_variance(&norm);
    verdicts(blur, glare_fraction(&region), char_height)
}

/// Measures blur and glare over a deskewed band crop whose characters are `crop_char_px` tall,
/// and reports `char_height` (the characters' height in the source image) as the resolution.
#[must_use]
pub fn measure_band(crop: &GrayImage, crop_char_px: f32, char_height: f32) -> Quality {
    let factor = 24.0 / f64::from(crop_char_px.max(1.0));
    let nw = ((f64::from(crop.width()) * factor).round() as u32).clamp(3, 4000);
    let nh = ((f64::from(crop.height()) * factor).round() as u32).clamp(3, 4000);
    let norm = crate::scale::triangle(crop, nw, nh);
    verdicts(
        laplacian_variance(&norm),
        glare_fraction(crop),
        f64::from(char_height),
    )
}

fn verdicts(blur: f64, glare: f64, char_height: f64) -> Quality {
    Quality {
        blur: Measure {
            value: round2(blur),
            verdict: if blur < BLUR_MIN { "blurry" } else { "ok" },
        },
        glare: Measure {
            value: round4(glare),
            verdict: if glare > GLARE_MAX { "glared" } else { "ok" },
        },
        resolution: Measure {
            value: round2(char_height),
            verdict: if char_height < RESOLUTION_MIN { "low" } else { "ok" },
        },
    }
}

/// Standard deviation of the grey levels (sampled on a grid of at most about 64k pixels).
#[must_use]
pub fn grey_std(img: &GrayImage) -> f32 {
    let raw = img.as_raw();
    if raw.is_empty() {
        return 0.0;
    }
    let step = (raw.len() / 65_536).max(1);
    let (mut n, mut s, mut s2) = (0f64, 0f64, 0f64);
    for &p in raw.iter().step_by(step) {
        let v = f64::from(p);
        n += 1.0;
        s += v;
        s2 += v * v;
    }
    let mean = s / n;
    ((s2 / n - mean * mean).max(0.0)).sqrt() as f32
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}
fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// The iDenfy document status of a reading (`DOC_VALIDATED` when nothing is wrong).
#[must_use]
pub fn document_status(reading: &Reading, today: Date) -> &'static str {
    let q = &reading.quality;
    let Some(mrz) = &reading.mrz else {
        if reading.lines.is_empty() && reading.text_lines < DOC_TEXT_LINES_MIN {
            return if q.blur.verdict != "ok" && reading.contrast > BLURRED_DOC_CONTRAST_MIN {
                "DOC_TOO_BLURRY"
            } else {
                "DOC_NOT_FOUND"
            };
        }
        if q.blur.verdict != "ok" {
            return "DOC_TOO_BLURRY";
        }
        if q.glare.verdict != "ok" {
            return "DOC_GLARED";
        }
        if reading.lines.is_empty() {
            return "MRZ_NOT_FOUND";
        }
        if reading.band_at_edge {
            return "DOC_NOT_FULLY_VISIBLE";
        }
        return "MRZ_OCR_READING_ERROR";
    };
    if !mrz.is_valid() {
        if reading.band_at_edge {
            return "DOC_NOT_FULLY_VISIBLE";
        }
        if q.blur.verdict != "ok" {
            return "DOC_TOO_BLURRY";
        }
        if q.glare.verdict != "ok" {
            return "DOC_GLARED";
        }
        let (passed, total) = mrz.check_score();
        return if passed * 2 >= total {
            "MRZ_INVALID"
        } else {
            "MRZ_OCR_READING_ERROR"
        };
    }
    if !reading.uncertain.is_empty() {
        return "MRZ_OCR_READING_ERROR";
    }
    if reading.portrait_checked && reading.portrait.is_none() {
        return "DOC_FACE_NOT_FOUND";
    }
    if mrz.expiry_date.is_some_and(|d| d < today) {
        return "DOC_EXPIRED";
    }
    "DOC_VALIDATED"
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// Black strokes on grey paper, like printed text.
    fn text_like(w: u32, h: u32, paper: u8) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| {
            if (x / 3) % 4 == 0 && (y / 12) % 2 == 0 {
                Luma([20])
            } else {
                Luma([paper])
            }
        })
    }

    #[test]
    fn blur_lowers_laplacian_variance_below_threshold() {
        let sharp = text_like(300, 120, 200);
        let blurred = imageops::blur(&sharp, 3.0);
        let (s, b) = (laplacian_variance(&sharp), laplacian_variance(&blurred));
        assert!(s > BLUR_MIN, "sharp {s}");
        assert!(b < BLUR_MIN, "blurred {b}");
    }

    #[test]
    fn glare_counts_bright_spots_not_white_paper() {
        assert!(glare_fraction(&text_like(200, 100, 255)) < 0.001);
        let mut img = text_like(200, 100, 170);
        assert!(glare_fraction(&img) < 0.001);
        for y in 20..80 {
            for x in 40..120 {
                img.put_pixel(x, y, Luma([255]));
            }
        }
        assert!(glare_fraction(&img) > GLARE_MAX);
    }

    #[test]
    fn no_mrz_gives_mrz_not_found_or_a_quality_verdict() {
        let today = Date::new(2026, 11, 25).unwrap();
        let mut r = Reading {
            text_lines: 12,
            contrast: 60.0,
            ..Reading::default()
        };
        r.quality = measure(&text_like(400, 300, 200), &r);
        assert_eq!(document_status(&r, today), "MRZ_NOT_FOUND");
        // No text at all: not a document (a blank wall, a face), unless it is a blurred page.
        let mut nothing = Reading::default();
        nothing.quality = measure(&GrayImage::from_pixel(400, 300, Luma([128])), &nothing);
        assert_eq!(document_status(&nothing, today), "DOC_NOT_FOUND");
        let blurry = imageops::blur(&text_like(400, 300, 200), 4.0);
        r.quality = measure(&blurry, &r);
        assert_eq!(document_status(&r, today), "DOC_TOO_BLURRY");
    }

    #[test]
    fn tiny_images_do_not_panic() {
        let img = GrayImage::new(1, 1);
        assert_eq!(laplacian_variance(&img), 0.0);
        let r = Reading::default();
        let q = measure(&img, &r);
        assert_eq!(q.resolution.verdict, "low");
    }
}
