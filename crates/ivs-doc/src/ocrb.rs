//! An OCR-B template recogniser: the second opinion on every MRZ character.
//!
//! The 37 MRZ glyphs `A–Z0–9<` are rendered from the OCR-B font (Debian's `fonts-ocr-b`) at the
//! character height measured in the band crop; each character cell of the crop is compared with
//! every glyph by normalised cross-correlation (NCC) over small shifts. The ranked scores let the
//! reader mark a position uncertain where Tesseract and the templates disagree and no check digit
//! can tell which is right (`G`/`Q`, `O`/`0` in unchecked fields, name letters), and give the
//! check-digit-guided repair more alternatives.

use ab_glyph::{Font, FontArc, PxScale, ScaleFont, point};
use image::GrayImage;
use std::path::Path;

/// Where `scripts/setup.sh` (Debian's `fonts-ocr-b`) installs the font.
pub const FONT_PATH: &str = "/usr/share/fonts/opentype/ocr-b/OCRB.otf";
/// The MRZ alphabet, in template order.
pub const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";
/// Horizontal search, pixels each way, around the expected cell position.
const SHIFT_X: usize = 3;
/// Vertical search, pixels each way.
const SHIFT_Y: usize = 3;
/// Cap heights outside this range (pixels) are not classified.
const CAP_RANGE: (f32, f32) = (8.0, 80.0);

/// The OCR-B font, loaded once per reader.
#[derive(Clone)]
pub struct Ocrb {
    font: FontArc,
    /// Cap height (ink height of `H`) per pixel of font scale.
    cap_per_scale: f32,
}

impl std::fmt::Debug for Ocrb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ocrb")
            .field("cap_per_scale", &self.cap_per_scale)
            .finish()
    }
}

impl Ocrb {
    /// Loads the font file at `path`.
    pub fn load(path: &Path) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("OCR-B font {}: {e}", path.display()))?;
        let font = FontArc::try_from_vec(bytes).map_err(|e| format!("OCR-B font {}: {e}", path.display()))?;
        Self::from_font(font)
    }

    /// Uses an already loaded font (it must have the MRZ glyphs).
    pub fn from_font(font: FontArc) -> Result<Self, String> {
        let scale = 100.0;
        let glyph = font.glyph_id('H').with_scale_and_position(scale, point(0.0, 0.0));
        let Some(outline) = font.outline_glyph(glyph) else {
            return Err("OCR-B font has no glyph for H".to_owned());
        };
        let b = outline.px_bounds();
        let cap = b.max.y - b.min.y;
        if cap.is_nan() || cap <= 1.0 {
            return Err("OCR-B font: empty H".to_owned());
        }
        Ok(Self {
            font,
            cap_per_scale: cap / scale,
        })
    }

    /// The 37 glyph templates for characters `cap_px` tall (ink height of the capitals), or
    /// `None` for a size outside the classifiable range. With `pitch`, the glyphs are stretched
    /// across so that their advance is `pitch` (a print or a deskew may change the aspect;
    /// only within ±25 %).
    #[must_use]
    pub fn templates(&self, cap_px: f32, pitch: Option<f32>) -> Option<Templates> {
        if !(CAP_RANGE.0..=CAP_RANGE.1).contains(&cap_px) {
            return None;
        }
        let scale = cap_px / self.cap_per_scale;
        let natural = {
            let scaled = self.font.as_scaled(PxScale::from(scale));
            scaled.h_advance(scaled.glyph_id('<'))
        };
        if natural.is_nan() || natural <= 1.0 {
            return None;
        }
        let stretch = pitch
            .map(|p| p / natural)
            .filter(|k| (0.75..=1.25).contains(k))
            .unwrap_or(1.0);
        let px = PxScale {
            x: scale * stretch,
            y: scale,
        };
        let scaled = self.font.as_scaled(px);
        let advance = scaled.h_advance(scaled.glyph_id('<'));
        let pad = (cap_px * 0.15).round().max(2.0) as usize;
        let w = advance.ceil() as usize + 2 * pad;
        let h = cap_px.ceil() as usize + 2 * pad;
        let mut glyphs = Vec::with_capacity(ALPHABET.len());
        let mut filler_mid = cap_px / 2.0;
        for c in ALPHABET.chars() {
            let mut canvas = vec![0.0f32; w * h];
            let gid = scaled.glyph_id(c);
            let glyph = gid.with_scale_and_position(px, point(pad as f32, pad as f32 + cap_px));
            if let Some(og) = self.font.outline_glyph(glyph) {
                let b = og.px_bounds();
                if c == '<' {
                    filler_mid = (b.min.y + b.max.y) / 2.0 - pad as f32;
                }
                og.draw(|gx, gy, cov| {
                    let x = b.min.x as i64 + i64::from(gx);
                    let y = b.min.y as i64 + i64::from(gy);
                    if x >= 0
                        && y >= 0
                        && let Some(p) = canvas.get_mut(y as usize * w + x as usize)
                        && (x as usize) < w
                    {
                        *p = cov.clamp(0.0, 1.0);
                    }
                });
            }
            if let Some(t) = normalise(&canvas) {
                glyphs.push((c, t));
            }
        }
        if glyphs.len() != ALPHABET.len() {
            return None;
        }
        Some(Templates {
            cap_px,
            advance,
            filler_mid,
            pad,
            w,
            h,
            glyphs,
        })
    }
}

/// Zero mean, unit norm; `None` for a flat canvas.
fn normalise(v: &[f32]) -> Option<Vec<f32>> {
    let n = v.len() as f32;
    let mean = v.iter().sum::<f32>() / n;
    let norm = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>().sqrt();
    (norm > 1e-6).then(|| v.iter().map(|x| (x - mean) / norm).collect())
}

/// An image prepared for template matching: ink (255 − grey) as `f32`.
#[derive(Debug, Clone)]
pub struct Plane {
    w: usize,
    h: usize,
    ink: Vec<f32>,
}

impl Plane {
    /// Prepares a band crop.
    #[must_use]
    pub fn new(img: &GrayImage) -> Self {
        Self {
            w: img.width() as usize,
            h: img.height() as usize,
            ink: img.as_raw().iter().map(|&p| 255.0 - f32::from(p)).collect(),
        }
    }

    /// The ink at `(x, y)`, the nearest edge pixel outside.
    fn at(&self, x: i64, y: i64) -> f32 {
        if self.w == 0 || self.h == 0 {
            return 0.0;
        }
        let x = x.clamp(0, self.w as i64 - 1) as usize;
        let y = y.clamp(0, self.h as i64 - 1) as usize;
        self.ink.get(y * self.w + x).copied().unwrap_or(0.0)
    }
}

/// The ranked template scores of one cell (NCC, −1…1), best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores(pub Vec<(char, f32)>);

impl Scores {
    /// The best glyph and its score.
    #[must_use]
    pub fn best(&self) -> Option<(char, f32)> {
        self.0.first().copied()
    }

    /// Best score minus the runner-up's.
    #[must_use]
    pub fn margin(&self) -> f32 {
        match (self.0.first(), self.0.get(1)) {
            (Some(a), Some(b)) => a.1 - b.1,
            _ => 0.0,
        }
    }

    /// The score of `c`.
    #[must_use]
    pub fn score(&self, c: char) -> Option<f32> {
        self.0.iter().find(|(g, _)| *g == c).map(|(_, s)| *s)
    }
}

/// The glyphs of one character height.
#[derive(Debug, Clone)]
pub struct Templates {
    /// Cap height the glyphs were rendered at, pixels.
    pub cap_px: f32,
    /// Character pitch (advance) at this height, pixels.
    pub advance: f32,
    /// How far below the capitals' top the middle of the filler `<` lies, pixels.
    pub filler_mid: f32,
    pad: usize,
    w: usize,
    h: usize,
    glyphs: Vec<(char, Vec<f32>)>,
}

impl Templates {
    /// Classifies the cell whose centre is at `cx` and whose capitals' top edge is at `top`
    /// (pixels of `plane`), ranked by NCC. With a `hint` (the character Tesseract read there),
    /// the cell is aligned with that glyph over shifts of ±3 px either way, every glyph is scored
    /// at that alignment, and the five best also within ±1 px of it; without, every glyph takes
    /// its best score over all shifts (slower). A flat cell scores 0 everywhere.
    #[must_use]
    pub fn classify(&self, plane: &Plane, cx: f32, top: f32, hint: Option<char>) -> Scores {
        let rw = self.w + 2 * SHIFT_X;
        let rh = self.h + 2 * SHIFT_Y;
        let x0 = (cx - self.advance / 2.0).round() as i64 - (self.pad + SHIFT_X) as i64;
        let y0 = top.round() as i64 - (self.pad + SHIFT_Y) as i64;
        let mut region = Vec::with_capacity(rw * rh);
        for y in 0..rh {
            for x in 0..rw {
                region.push(plane.at(x0 + x as i64, y0 + y as i64));
            }
        }
        let n = (self.w * self.h) as f32;
        // Integral images of the region, for each window's mean and spread.
        let iw = rw + 1;
        let mut s1 = vec![0.0f64; iw * (rh + 1)];
        let mut s2 = vec![0.0f64; iw * (rh + 1)];
        for y in 0..rh {
            let (mut r1, mut r2) = (0.0f64, 0.0f64);
            for x in 0..rw {
                let v = f64::from(region.get(y * rw + x).copied().unwrap_or(0.0));
                r1 += v;
                r2 += v * v;
                let (above, here) = (y * iw + x + 1, (y + 1) * iw + x + 1);
                let (a1, a2) = (
                    s1.get(above).copied().unwrap_or(0.0),
                    s2.get(above).copied().unwrap_or(0.0),
                );
                if let (Some(p1), Some(p2)) = (s1.get_mut(here), s2.get_mut(here)) {
                    *p1 = a1 + r1;
                    *p2 = a2 + r2;
                }
            }
        }
        let boxed = |s: &[f64], dx: usize, dy: usize| -> f64 {
            let at = |x: usize, y: usize| s.get(y * iw + x).copied().unwrap_or(0.0);
            at(dx + self.w, dy + self.h) - at(dx, dy + self.h) - at(dx + self.w, dy) + at(dx, dy)
        };
        // The NCC of a (zero-mean, unit-norm) template with the window at a shift; None when the
        // window is flat (less than about one grey level of spread has no shape).
        let ncc = |t: &[f32], dx: usize, dy: usize| -> Option<f32> {
            let (sum, sq) = (boxed(&s1, dx, dy), boxed(&s2, dx, dy));
            let var = sq - sum * sum / f64::from(n);
            if var <= f64::from(n) {
                return None;
            }
            let mut acc = 0.0f32;
            for (r, trow) in t.chunks_exact(self.w).enumerate() {
                let start = (dy + r) * rw + dx;
                acc += dot(region.get(start..start + self.w)?, trow);
            }
            Some(acc / var.sqrt() as f32)
        };
        let Some((_, anchor)) = hint.and_then(|h| self.glyphs.iter().find(|(c, _)| *c == h)) else {
            let mut best = vec![0.0f32; self.glyphs.len()];
            for dy in 0..=2 * SHIFT_Y {
                for dx in 0..=2 * SHIFT_X {
                    for ((_, t), b) in self.glyphs.iter().zip(best.iter_mut()) {
                        if let Some(v) = ncc(t, dx, dy)
                            && v > *b
                        {
                            *b = v;
                        }
                    }
                }
            }
            let mut ranked: Vec<(char, f32)> = self.glyphs.iter().map(|(c, _)| *c).zip(best).collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
            return Scores(ranked);
        };
        let mut at = (SHIFT_X, SHIFT_Y);
        let mut top_score = f32::MIN;
        for dy in 0..=2 * SHIFT_Y {
            for dx in 0..=2 * SHIFT_X {
                if let Some(v) = ncc(anchor, dx, dy)
                    && v > top_score
                {
                    top_score = v;
                    at = (dx, dy);
                }
            }
        }
        // Every glyph at that alignment, then the five best also within ±1 px of it.
        let mut best = vec![0.0f32; self.glyphs.len()];
        for ((_, t), b) in self.glyphs.iter().zip(best.iter_mut()) {
            *b = ncc(t, at.0, at.1).unwrap_or(0.0).max(0.0);
        }
        let mut order: Vec<usize> = (0..self.glyphs.len()).collect();
        order.sort_by(|&i, &j| {
            let (a, b) = (
                best.get(i).copied().unwrap_or(0.0),
                best.get(j).copied().unwrap_or(0.0),
            );
            b.total_cmp(&a)
        });
        order.truncate(5);
        for dy in at.1.saturating_sub(1)..=(at.1 + 1).min(2 * SHIFT_Y) {
            for dx in at.0.saturating_sub(1)..=(at.0 + 1).min(2 * SHIFT_X) {
                if (dx, dy) == at {
                    continue;
                }
                for &g in &order {
                    if let (Some((_, t)), Some(b)) = (self.glyphs.get(g), best.get_mut(g))
                        && let Some(v) = ncc(t, dx, dy)
                        && v > *b
                    {
                        *b = v;
                    }
                }
            }
        }
        let mut ranked: Vec<(char, f32)> = self.glyphs.iter().map(|(c, _)| *c).zip(best).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        Scores(ranked)
    }
}

/// Dot product in eight lanes (vectorises without reassociating one running sum).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for ((s, p), q) in acc.iter_mut().zip(x).zip(y) {
            *s += p * q;
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    fn ocrb() -> Ocrb {
        Ocrb::load(Path::new(FONT_PATH)).expect("fonts-ocr-b is installed by scripts/setup.sh")
    }

    /// Renders `text` in OCR-B, capitals `cap` px tall, on white, with the given left margin and
    /// capitals' top; returns the image and the pitch.
    fn render(o: &Ocrb, text: &str, cap: f32, left: f32, top: f32) -> (GrayImage, f32) {
        let scale = cap / o.cap_per_scale;
        let scaled = o.font.as_scaled(PxScale::from(scale));
        let pitch = scaled.h_advance(scaled.glyph_id('<'));
        let w = (left * 2.0 + pitch * text.len() as f32).ceil() as u32;
        let h = (top * 2.0 + cap).ceil() as u32;
        let mut img = GrayImage::from_pixel(w, h, Luma([235]));
        for (i, c) in text.chars().enumerate() {
            let g = scaled
                .glyph_id(c)
                .with_scale_and_position(scale, point(left + pitch * i as f32, top + cap));
            if let Some(og) = o.font.outline_glyph(g) {
                let b = og.px_bounds();
                og.draw(|gx, gy, cov| {
                    let x = b.min.x as i64 + i64::from(gx);
                    let y = b.min.y as i64 + i64::from(gy);
                    if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                        let p = img.get_pixel_mut(x as u32, y as u32);
                        p.0[0] = (f32::from(p.0[0]) * (1.0 - cov) + 30.0 * cov).round() as u8;
                    }
                });
            }
        }
        (img, pitch)
    }

    #[test]
    fn every_glyph_of_a_clean_band_is_classified() {
        let o = ocrb();
        let cap = 28.0;
        let t = o.templates(cap, None).unwrap();
        let text = "P<UTOERIKSSON<<ANNA<MARIA<<L898902C36UTO7408122F1204159ZE184226B0123456789QGW";
        let (img, pitch) = render(&o, text, cap, 30.0, 20.0);
        assert!((pitch - t.advance).abs() < 0.01);
        let plane = Plane::new(&img);
        for (i, c) in text.chars().enumerate() {
            // Off by a pixel or two, as a real cell estimate is.
            let cx = 30.0 + pitch * (i as f32 + 0.5) + if i % 2 == 0 { 1.6 } else { -1.2 };
            let s = t.classify(&plane, cx, 21.0, if i % 3 == 0 { None } else { Some(c) });
            let (best, score) = s.best().unwrap();
            assert_eq!(best, c, "cell {i}: {s:?}");
            assert!(score > 0.9, "cell {i} {c}: {score}");
            assert!(s.margin() > 0.03, "cell {i} {c}: margin {}", s.margin());
        }
    }

    #[test]
    fn g_and_q_are_told_apart_also_when_blurred() {
        let o = ocrb();
        let t = o.templates(28.0, None).unwrap();
        let (img, pitch) = render(&o, "GQ", 28.0, 20.0, 20.0);
        let img = imageproc::filter::gaussian_blur_f32(&img, 1.5);
        let plane = Plane::new(&img);
        let g = t.classify(&plane, 20.0 + pitch * 0.5, 20.0, Some('G'));
        let q = t.classify(&plane, 20.0 + pitch * 1.5, 20.0, Some('G'));
        assert_eq!(g.best().map(|b| b.0), Some('G'), "{g:?}");
        assert_eq!(q.best().map(|b| b.0), Some('Q'), "{q:?}");
        assert!(g.score('G').unwrap() > g.score('Q').unwrap() + 0.02);
        assert!(q.score('Q').unwrap() > q.score('G').unwrap() + 0.02);
    }

    #[test]
    fn blank_and_garbage_cells_have_no_confident_winner() {
        let o = ocrb();
        let t = o.templates(28.0, None).unwrap();
        let blank = GrayImage::from_pixel(80, 80, Luma([200]));
        let s = t.classify(&Plane::new(&blank), 40.0, 20.0, None);
        assert!(s.best().unwrap().1 <= 0.0, "{s:?}");
        // Deterministic noise.
        let mut state = 12345u32;
        let noise = GrayImage::from_fn(80, 80, |_, _| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            Luma([(state >> 24) as u8])
        });
        let s = t.classify(&Plane::new(&noise), 40.0, 20.0, Some('<'));
        let (_, best) = s.best().unwrap();
        assert!(best < 0.5, "noise matched a glyph: {s:?}");
    }

    #[test]
    fn sizes_outside_the_range_and_empty_planes_do_not_panic() {
        let o = ocrb();
        assert!(o.templates(2.0, None).is_none());
        assert!(o.templates(f32::NAN, Some(20.0)).is_none());
        let t = o.templates(20.0, Some(f32::INFINITY)).unwrap();
        let empty = GrayImage::new(0, 0);
        let s = t.classify(&Plane::new(&empty), -50.0, 1e9, Some('?'));
        assert_eq!(s.0.len(), 37);
        assert!(Ocrb::load(Path::new("/nonexistent/OCRB.otf")).is_err());
    }
}
