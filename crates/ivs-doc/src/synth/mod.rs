//! Synthetic identity documents with exact ground truth: the measuring stick's test material.
//!
//! [`generate`] renders document `index` of a set from `seed`: random but valid TD1 or TD3 data
//! ([`data`]), a page with a portrait, printed visual zone and an OCR-B MRZ ([`render`]), then a
//! "photograph" of it with sampled degradations ([`degrade`]). Each document has its own random
//! stream (`ChaCha8` seeded with `seed`, stream `index`), so document `i` is the same whatever
//! `count` is: the first N documents of the held-out set are a valid smaller sample of it.

pub mod data;
pub mod degrade;
pub mod render;

use crate::checks::Format;
use ab_glyph::FontArc;
pub use data::DocData;
use degrade::Degradation;
use image::{ImageFormat, RgbImage, imageops};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use render::Layout;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

/// Errors of the generator.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// Reading the font or a face photo failed.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The font file is not a usable font.
    #[error("not a usable font: {0}")]
    Font(String),
    /// Decoding or encoding an image failed.
    #[error("image: {0}")]
    Image(#[from] image::ImageError),
}

/// Fixed portrait crop boxes `[x, y, w, h]` for the public-domain photos in `testdata/pd-faces/`
/// (chosen by eye around each face; a rough crop is all a synthetic portrait needs).
const FACE_BOXES: &[(&str, [u32; 4])] = &[
    ("obama.jpg", [322, 20, 340, 437]),
    ("obama2.jpg", [182, 220, 340, 437]),
    ("biden.jpg", [386, 100, 340, 437]),
    ("obama3.jpg", [550, 220, 420, 540]),
];

/// Font and portraits, loaded once.
pub struct Assets {
    font: FontArc,
    portraits: Vec<RgbImage>,
    /// The file name of each portrait.
    names: Vec<&'static str>,
}

impl Assets {
    /// Loads the OCR-B font from `font_path` and the portraits listed in [`FACE_BOXES`] found in
    /// `faces_dir` (missing ones are skipped; with none, documents have no portrait).
    pub fn load(font_path: &Path, faces_dir: &Path) -> Result<Assets, SynthError> {
        let bytes = std::fs::read(font_path).map_err(|source| SynthError::Io {
            path: font_path.display().to_string(),
            source,
        })?;
        let font = FontArc::try_from_vec(bytes).map_err(|e| SynthError::Font(e.to_string()))?;
        let mut portraits = Vec::new();
        let mut names = Vec::new();
        for (name, [x, y, w, h]) in FACE_BOXES {
            let path = faces_dir.join(name);
            if !path.exists() {
                continue;
            }
            let img = image::open(&path)?.to_rgb8();
            let (iw, ih) = img.dimensions();
            let (x, y) = ((*x).min(iw.saturating_sub(1)), (*y).min(ih.saturating_sub(1)));
            let crop = imageops::crop_imm(&img, x, y, (*w).min(iw - x), (*h).min(ih - y));
            portraits.push(imageops::resize(
                &crop.to_image(),
                280,
                360,
                imageops::FilterType::Triangle,
            ));
            names.push(*name);
        }
        Ok(Assets {
            font,
            portraits,
            names,
        })
    }

    /// Number of portraits available.
    pub fn portrait_count(&self) -> usize {
        self.portraits.len()
    }

    /// The portraits (280×360 crops) with the file name each was cut from, so an evaluation can
    /// tell whose face a page carries (the face engine's document-portrait evaluation).
    pub fn portraits(&self) -> impl Iterator<Item = (&'static str, &RgbImage)> {
        self.names.iter().copied().zip(&self.portraits)
    }
}

/// The ground truth of one synthetic image, as written to `truth.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynthTruth {
    /// The MRZ lines exactly as rendered.
    pub lines: Vec<String>,
    /// `TD1` or `TD3`.
    pub format: Format,
    /// Whether the name field was truncated to fit.
    pub name_truncated: bool,
    /// The page layout.
    pub layout: Layout,
    /// The MRZ corners in the output image (upright-text order: TL, TR, BR, BL).
    pub mrz_quad: [[f32; 2]; 4],
    /// The portrait corners in the output image, if the page has one.
    pub portrait_quad: Option<[[f32; 2]; 4]>,
    /// The degradation, or `None` for a clean page.
    pub degradation: Option<Degradation>,
}

/// One generated image.
pub struct SynthDoc {
    /// File name inside the output directory (`00042.jpg`).
    pub file_name: String,
    /// Encoded image.
    pub bytes: Vec<u8>,
    /// Its ground truth.
    pub truth: SynthTruth,
}

/// Generates document `index` of the set defined by `seed`. With `clean`, the page is returned
/// as rendered (PNG) with no degradation.
pub fn generate(assets: &Assets, seed: u64, index: u64, clean: bool) -> Result<SynthDoc, SynthError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    let format = if rng.gen_bool(0.5) {
        Format::Td1
    } else {
        Format::Td3
    };
    let data = DocData::random(&mut rng, format);
    let lines = data.mrz_lines();
    let width = if format == Format::Td1 { 30 } else { 39 };
    let (page, layout) = render::render_page(&mut rng, &assets.font, &assets.portraits, &data, &lines);
    let box_corners = |b: [f32; 4]| {
        let [x, y, w, h] = b;
        [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
    };
    let (image, mrz_quad, portrait_quad, degradation, jpeg) = if clean {
        (
            page,
            box_corners(layout.mrz_box),
            layout.portrait_box.map(box_corners),
            None,
            None,
        )
    } else {
        let photo = degrade::photograph(&mut rng, &page, layout.mrz_box, layout.mrz_pitch);
        let pq = layout.portrait_box.map(|b| photo.map_box(b));
        let q = photo.params.jpeg_quality;
        (
            photo.image.clone(),
            photo.mrz_quad,
            pq,
            Some(photo.params.clone()),
            q,
        )
    };
    let mut bytes = Vec::new();
    let file_name = match jpeg {
        Some(q) => {
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, q).encode_image(&image)?;
            format!("{index:05}.jpg")
        }
        None => {
            image.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)?;
            format!("{index:05}.png")
        }
    };
    Ok(SynthDoc {
        file_name,
        bytes,
        truth: SynthTruth {
            lines,
            format,
            name_truncated: data.name_truncated(width),
            layout,
            mrz_quad,
            portrait_quad,
            degradation,
        },
    })
}

/// A document with chosen data and portrait (end-to-end tests, the README sample): a clean
/// rendered page, optionally blurred, encoded as JPEG (quality 92).
#[derive(Debug, Clone)]
pub struct Specimen {
    pub data: DocData,
    /// File name of the portrait in the faces directory (`obama.jpg`); it must be one of the
    /// photos the generator knows.
    pub portrait: String,
    /// Gaussian blur sigma in pixels of the page (0: sharp).
    pub blur: f32,
    /// Seeds the layout.
    pub seed: u64,
}

/// Renders a [`Specimen`]. Returns the JPEG and the MRZ lines.
pub fn specimen(assets: &Assets, spec: &Specimen) -> Result<(Vec<u8>, Vec<String>), SynthError> {
    let idx = assets
        .names
        .iter()
        .position(|n| *n == spec.portrait)
        .ok_or_else(|| SynthError::Font(format!("portrait {} is not available", spec.portrait)))?;
    let portrait = assets.portraits.get(idx..=idx).unwrap_or_default();
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let lines = spec.data.mrz_lines();
    let (page, _layout) = render::render_page(&mut rng, &assets.font, portrait, &spec.data, &lines);
    let page = if spec.blur > 0.0 {
        imageproc::filter::gaussian_blur_f32(&page, spec.blur)
    } else {
        page
    };
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 92).encode_image(&page)?;
    Ok((bytes, lines))
}

/// Generates documents `0..count` into `out` and writes `truth.json` there; returns the truth map.
pub fn write_set(
    assets: &Assets,
    seed: u64,
    count: u64,
    clean: bool,
    out: &Path,
) -> Result<BTreeMap<String, SynthTruth>, SynthError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| SynthError::Io { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let mut truth = BTreeMap::new();
    for i in 0..count {
        let doc = generate(assets, seed, i, clean)?;
        let path = out.join(&doc.file_name);
        std::fs::write(&path, &doc.bytes).map_err(io(&path))?;
        truth.insert(doc.file_name, doc.truth);
    }
    let path = out.join("truth.json");
    let json = truth_json(&truth);
    std::fs::write(&path, json).map_err(io(&path))?;
    Ok(truth)
}

/// The canonical `truth.json` text of a set (pretty JSON, keys sorted, trailing newline); its
/// sha256 pins the held-out set in `docs/mrz-eval.md`.
pub fn truth_json(truth: &BTreeMap<String, SynthTruth>) -> String {
    let mut s = serde_json::to_string_pretty(truth).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::check_valid;
    use image::{GenericImageView, Rgb};
    use std::path::PathBuf;

    const FONT: &str = "/usr/share/fonts/opentype/ocr-b/OCRB.otf";
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

    fn assets() -> Assets {
        let faces = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/pd-faces");
        Assets::load(Path::new(FONT), &faces).expect("fonts-ocr-b is installed by scripts/setup.sh")
    }

    /// Ink mask of one character cell: true where the pixel is dark.
    fn cell_mask(img: &RgbImage, x: f32, y: f32, w: u32, h: u32) -> Vec<bool> {
        let mut out = Vec::with_capacity((w * h) as usize);
        for dy in 0..h {
            for dx in 0..w {
                let (px, py) = (x as u32 + dx, y as u32 + dy);
                let dark = px < img.width()
                    && py < img.height()
                    && image::Pixel::to_luma(img.get_pixel(px, py)).0[0] < 110;
                out.push(dark);
            }
        }
        out
    }

    /// Reads the MRZ of a clean page back by template matching each character cell against the
    /// 37 OCR-B glyphs rendered at the same size and sub-pixel offset.
    fn read_back(assets: &Assets, page: &RgbImage, layout: &Layout, n_lines: usize) -> Vec<String> {
        let [x0, y0, span, block_h] = layout.mrz_box;
        let pitch = layout.mrz_pitch;
        let n_chars = (span / pitch).round() as usize;
        let px = layout.mrz_font_px;
        let gap = if n_lines > 1 {
            (block_h - px) / (n_lines as f32 - 1.0)
        } else {
            0.0
        };
        let (cw, ch) = (pitch.ceil() as u32 + 2, px.ceil() as u32 + 2);
        let mut lines = Vec::new();
        for j in 0..n_lines {
            let mut line = String::new();
            for i in 0..n_chars {
                let (x, y) = (x0 + i as f32 * pitch, y0 + j as f32 * gap);
                let (fx, fy) = (x.floor(), y.floor());
                let cell = cell_mask(page, fx, fy, cw, ch);
                let best = ALPHABET
                    .chars()
                    .min_by_key(|&c| {
                        let mut t = RgbImage::from_pixel(cw, ch, Rgb([255, 255, 255]));
                        render::draw_text(
                            &mut t,
                            &assets.font,
                            px,
                            x - fx,
                            y - fy,
                            &c.to_string(),
                            Rgb([0, 0, 0]),
                        );
                        let tm = cell_mask(&t, 0.0, 0.0, cw, ch);
                        tm.iter().zip(&cell).filter(|(a, b)| a != b).count()
                    })
                    .unwrap_or('?');
                line.push(best);
            }
            lines.push(line);
        }
        lines
    }

    #[test]
    fn rendered_mrz_text_equals_its_truth() {
        let assets = assets();
        for index in 0..8 {
            let mut rng = ChaCha8Rng::seed_from_u64(99);
            rng.set_stream(index);
            let format = if index % 2 == 0 { Format::Td1 } else { Format::Td3 };
            let data = DocData::random(&mut rng, format);
            let lines = data.mrz_lines();
            let (page, layout) =
                render::render_page(&mut rng, &assets.font, &assets.portraits, &data, &lines);
            let read = read_back(&assets, &page, &layout, lines.len());
            assert_eq!(read, lines, "document {index}");
        }
    }

    #[test]
    fn template_reader_notices_a_wrong_truth() {
        // The read-back above must be able to fail: a page rendered from other data does not
        // read back as this truth.
        let assets = assets();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let data = DocData::random(&mut rng, Format::Td3);
        let lines = data.mrz_lines();
        let mut other = lines.clone();
        other[1] = other[1].replacen(&other[1][0..1], "Z", 1);
        let (page, layout) = render::render_page(&mut rng, &assets.font, &assets.portraits, &data, &lines);
        let read = read_back(&assets, &page, &layout, 2);
        assert_eq!(read, lines);
        assert_ne!(read, other);
    }

    #[test]
    fn generated_truth_is_check_valid_and_shaped() {
        let assets = assets();
        let mut turns = [0usize; 4];
        for i in 0..24 {
            let doc = generate(&assets, 11, i, false).unwrap();
            let t = &doc.truth;
            assert!(check_valid(&t.lines, t.format), "{:?}", t.lines);
            let d = t.degradation.as_ref().unwrap();
            turns[usize::from(d.quarter_turns)] += 1;
            let img = image::load_from_memory(&doc.bytes).unwrap();
            assert_eq!(img.dimensions(), (d.size[0], d.size[1]));
            // The crop never cuts the MRZ, so its corners are inside the image.
            assert!(d.mrz_fully_visible);
            for q in t.mrz_quad {
                assert!(q[0] >= 0.0 && q[1] >= 0.0);
                assert!(q[0] <= d.size[0] as f32 && q[1] <= d.size[1] as f32);
            }
            assert!(
                d.mrz_pitch_px >= 6.9 && d.mrz_pitch_px <= 26.0,
                "{}",
                d.mrz_pitch_px
            );
        }
        assert!(turns.iter().all(|&n| n > 0), "orientations {turns:?}");
    }

    #[test]
    fn a_seed_determines_the_set_and_count_does_not_matter() {
        let assets = assets();
        let a = generate(&assets, 42, 3, false).unwrap();
        let b = generate(&assets, 42, 3, false).unwrap();
        assert_eq!(a.bytes, b.bytes);
        assert_eq!(a.truth, b.truth);
        let c = generate(&assets, 43, 3, false).unwrap();
        assert_ne!(a.truth.lines, c.truth.lines);

        let dir = tempfile::tempdir().unwrap();
        let small = write_set(&assets, 42, 2, true, dir.path()).unwrap();
        let dir2 = tempfile::tempdir().unwrap();
        let large = write_set(&assets, 42, 4, true, dir2.path()).unwrap();
        for (k, v) in &small {
            assert_eq!(large.get(k), Some(v));
        }
        let on_disk: BTreeMap<String, SynthTruth> =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("truth.json")).unwrap()).unwrap();
        assert_eq!(on_disk, small);
    }
}
