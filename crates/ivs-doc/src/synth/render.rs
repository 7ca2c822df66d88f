//! Rendering a clean synthetic document page: background pattern, portrait, printed visual zone
//! and the MRZ in OCR-B.

use super::data::DocData;
use crate::checks::Format;
use ab_glyph::{Font, FontArc, PxScale, ScaleFont, point};
use image::{Rgb, RgbImage, imageops};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Layout choices of one page, recorded in the truth file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Layout {
    /// Page width and height in pixels.
    pub page: [u32; 2],
    /// Background pattern name.
    pub pattern: String,
    /// Font size of the MRZ in pixels (em height).
    pub mrz_font_px: f32,
    /// Character pitch of the MRZ in pixels.
    pub mrz_pitch: f32,
    /// MRZ bounding box on the page `[x, y, w, h]`.
    pub mrz_box: [f32; 4],
    /// Portrait box on the page `[x, y, w, h]`, if one was pasted.
    pub portrait_box: Option<[f32; 4]>,
}

fn lerp_colour(a: Rgb<u8>, b: Rgb<u8>, t: f32) -> Rgb<u8> {
    let t = t.clamp(0.0, 1.0);
    Rgb(std::array::from_fn(|i| {
        (f32::from(a[i]) * (1.0 - t) + f32::from(b[i]) * t).round() as u8
    }))
}

fn random_pastel<R: Rng>(rng: &mut R) -> Rgb<u8> {
    Rgb([
        rng.gen_range(195..=252),
        rng.gen_range(195..=252),
        rng.gen_range(195..=252),
    ])
}

fn shade<R: Rng>(rng: &mut R, c: Rgb<u8>, lo: i32, hi: i32) -> Rgb<u8> {
    let d = rng.gen_range(lo..=hi);
    Rgb(std::array::from_fn(|i| {
        (i32::from(c[i]) - d + rng.gen_range(-8..=8)).clamp(0, 255) as u8
    }))
}

/// Draws `text` with its top-left at `(x, y)`; returns the advance width. Pixels outside the
/// image are skipped.
pub(crate) fn draw_text(
    img: &mut RgbImage,
    font: &FontArc,
    px: f32,
    x: f32,
    y: f32,
    text: &str,
    colour: Rgb<u8>,
) -> f32 {
    let scaled = font.as_scaled(PxScale::from(px));
    let (w, h) = (img.width() as i32, img.height() as i32);
    let mut cx = x;
    for c in text.chars() {
        let gid = scaled.glyph_id(c);
        let glyph = gid.with_scale_and_position(px, point(cx, y + scaled.ascent()));
        cx += scaled.h_advance(gid);
        if let Some(og) = font.outline_glyph(glyph) {
            let b = og.px_bounds();
            og.draw(|gx, gy, cov| {
                let px_x = b.min.x as i32 + gx as i32;
                let px_y = b.min.y as i32 + gy as i32;
                if px_x >= 0 && px_y >= 0 && px_x < w && px_y < h {
                    let p = img.get_pixel_mut(px_x as u32, px_y as u32);
                    *p = lerp_colour(*p, colour, cov);
                }
            });
        }
    }
    cx - x
}

/// Advance of one character at `px`, for the monospaced OCR-B.
fn advance(font: &FontArc, px: f32) -> f32 {
    let scaled = font.as_scaled(PxScale::from(px));
    scaled.h_advance(scaled.glyph_id('<'))
}

fn fill_pattern<R: Rng>(rng: &mut R, img: &mut RgbImage) -> String {
    let base = random_pastel(rng);
    let ink = shade(rng, base, 12, 45);
    let (w, h) = img.dimensions();
    let kind = rng.gen_range(0..6);
    let period = rng.gen_range(8.0..40.0f32);
    let amp = rng.gen_range(5.0..60.0f32);
    let angle = rng.gen_range(0.0..std::f32::consts::PI);
    let (sa, ca) = angle.sin_cos();
    let (cx, cy) = (rng.gen_range(0.0..w as f32), rng.gen_range(0.0..h as f32));
    let base2 = shade(rng, base, -20, 25);
    for (x, y, p) in img.enumerate_pixels_mut() {
        let (xf, yf) = (x as f32, y as f32);
        let t = match kind {
            0 => 0.0,
            // diagonal lines
            1 => {
                let u = xf * ca + yf * sa;
                if (u / period).fract().abs() < 0.18 {
                    1.0
                } else {
                    0.0
                }
            }
            // guilloche: a few sine waves
            2 => {
                let u = yf - amp * (xf / (period * 3.0)).sin();
                let v = ((u / period).fract() - 0.5).abs();
                if v < 0.06 { 1.0 } else { 0.0 }
            }
            // dot grid
            3 => {
                let dx = (xf / period).fract() - 0.5;
                let dy = (yf / period).fract() - 0.5;
                if dx * dx + dy * dy < 0.04 { 0.8 } else { 0.0 }
            }
            // concentric rings
            4 => {
                let r = ((xf - cx).powi(2) + (yf - cy).powi(2)).sqrt();
                if (r / period).fract() < 0.15 { 0.7 } else { 0.0 }
            }
            // smooth gradient between two tints
            _ => (xf * ca + yf * sa) / (w as f32 + h as f32),
        };
        *p = if kind == 5 {
            lerp_colour(base, base2, t.abs())
        } else {
            lerp_colour(base, ink, t)
        };
    }
    ["plain", "lines", "guilloche", "dots", "rings", "gradient"][kind].to_string()
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

fn human_date(yymmdd: &str, pivot: u32) -> String {
    let n = |a: usize| {
        yymmdd
            .get(a..a + 2)
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(1)
    };
    let (y, m, d) = (n(0), n(2), n(4));
    let year = if y > pivot { 1900 + y } else { 2000 + y };
    let mon = MONTHS.get((m.max(1) - 1) as usize).copied().unwrap_or("JAN");
    format!("{d:02} {mon} {year}")
}

/// Renders the clean page of `data` and returns it with its layout.
pub fn render_page<R: Rng>(
    rng: &mut R,
    font: &FontArc,
    portraits: &[RgbImage],
    data: &DocData,
    lines: &[String],
) -> (RgbImage, Layout) {
    let (n_lines, n_chars) = data.format.shape();
    let (w, aspect) = match data.format {
        Format::Td1 => (rng.gen_range(900..=1400u32), 54.0 / 85.6),
        _ => (rng.gen_range(1000..=1600u32), 88.0 / 125.0),
    };
    let aspect = aspect * rng.gen_range(0.96..1.04f32);
    let h = (w as f32 * aspect).round() as u32;
    let mut img = RgbImage::new(w, h);
    let pattern = fill_pattern(rng, &mut img);
    let (wf, hf) = (w as f32, h as f32);

    // MRZ geometry: the lines span 78–93% of the width.
    let span = rng.gen_range(0.78..0.93f32) * wf;
    let pitch = span / n_chars as f32;
    let unit = advance(font, 100.0) / 100.0;
    let font_px = pitch / unit.max(0.01);
    let line_gap = font_px * rng.gen_range(0.95..1.45f32);
    let block_h = line_gap * (n_lines as f32 - 1.0) + font_px;
    let x0 = rng.gen_range(0.02 * wf..(wf - span - 0.02 * wf).max(0.02 * wf + 1.0));
    let bottom = hf - rng.gen_range(0.03..0.10f32) * hf;
    let y0 = bottom - block_h;

    // Optional lighter band behind the MRZ.
    if rng.gen_bool(0.35) {
        let band = Rgb([
            rng.gen_range(235..=255),
            rng.gen_range(235..=255),
            rng.gen_range(230..=255),
        ]);
        let top = (y0 - font_px * 0.4).max(0.0) as u32;
        for y in top..h {
            for x in 0..w {
                img.put_pixel(x, y, band);
            }
        }
    }

    // Portrait.
    let mut portrait_box = None;
    let portrait = !portraits.is_empty() && (data.format == Format::Td3 || rng.gen_bool(0.7));
    let top_margin = rng.gen_range(0.10..0.2f32) * hf;
    let avail = (y0 - font_px * 0.6 - top_margin).max(hf * 0.15);
    let ph = avail * rng.gen_range(0.75..1.0f32);
    let pw = ph * 0.78;
    let px0 = rng.gen_range(0.03..0.08f32) * wf;
    if portrait {
        let idx = rng.gen_range(0..portraits.len());
        if let Some(face) = portraits.get(idx) {
            let mut p = imageops::resize(
                face,
                pw.max(4.0) as u32,
                ph.max(4.0) as u32,
                imageops::FilterType::Triangle,
            );
            if rng.gen_bool(0.3) {
                let g = imageops::grayscale(&p);
                p = RgbImage::from_fn(g.width(), g.height(), |x, y| {
                    let v = g.get_pixel(x, y)[0];
                    Rgb([v, v, v])
                });
            }
            imageops::overlay(&mut img, &p, px0 as i64, top_margin as i64);
            portrait_box = Some([
                px0.floor(),
                top_margin.floor(),
                p.width() as f32,
                p.height() as f32,
            ]);
        }
    }

    // Visual zone text.
    let ink = Rgb([
        rng.gen_range(10..=70),
        rng.gen_range(10..=70),
        rng.gen_range(10..=90),
    ]);
    let label_ink = shade(rng, ink, -90, -40);
    let title = match data.format {
        Format::Td1 => "IDENTITY CARD",
        _ => "PASSPORT",
    };
    let title_px = hf * rng.gen_range(0.045..0.07f32);
    draw_text(
        &mut img,
        font,
        title_px,
        wf * rng.gen_range(0.25..0.45f32),
        hf * 0.025,
        &format!("{title}  {}", data.issuer.replace('<', "")),
        ink,
    );
    let col = if portrait { px0 + pw + wf * 0.04 } else { wf * 0.06 };
    let label_px = hf * rng.gen_range(0.022..0.03f32);
    let value_px = hf * rng.gen_range(0.035..0.05f32);
    let mut y = top_margin;
    let field = |img: &mut RgbImage, y: &mut f32, label: &str, value: &str| {
        if *y + label_px + value_px > y0 - font_px * 0.5 {
            return;
        }
        draw_text(img, font, label_px, col, *y, label, label_ink);
        draw_text(img, font, value_px, col, *y + label_px, value, ink);
        *y += (label_px + value_px) * 1.25;
    };
    field(&mut img, &mut y, "SURNAME", &data.surnames.join(" "));
    field(&mut img, &mut y, "GIVEN NAMES", &data.given_names.join(" "));
    field(
        &mut img,
        &mut y,
        "NATIONALITY",
        &data.nationality.replace('<', ""),
    );
    field(&mut img, &mut y, "DATE OF BIRTH", &human_date(&data.birth, 25));
    field(&mut img, &mut y, "SEX", &data.sex.to_string().replace('<', "X"));
    field(&mut img, &mut y, "DATE OF EXPIRY", &human_date(&data.expiry, 99));
    field(&mut img, &mut y, "DOCUMENT NO", data.number.trim_end_matches('<'));

    // MRZ.
    let mrz_ink = Rgb([
        rng.gen_range(0..=50),
        rng.gen_range(0..=50),
        rng.gen_range(0..=60),
    ]);
    for (i, line) in lines.iter().enumerate() {
        draw_text(
            &mut img,
            font,
            font_px,
            x0,
            y0 + line_gap * i as f32,
            line,
            mrz_ink,
        );
    }
    let layout = Layout {
        page: [w, h],
        pattern,
        mrz_font_px: font_px,
        mrz_pitch: pitch,
        mrz_box: [x0, y0, span, block_h],
        portrait_box,
    };
    (img, layout)
}
