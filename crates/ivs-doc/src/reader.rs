//! The MRZ reader: finds the machine-readable zone in a photo and reads it with Tesseract 5 and
//! `mrz.traineddata` (through `leptess`), letting the `ivs-mrz` check digits repair what they can.
//!
//! Pipeline (`docs/mrz-reader.md`): decode with limits → grey → scale so the text is about
//! 30 px tall → Tesseract layout analysis (PSM 3, whitelist `A-Z0-9<`) → keep the lines that look
//! like MRZ lines → merge the 2 or 3 stacked lines of the band → pad/trim to the format's width →
//! parse with repair. Rotations 0°, 180°, 90°, 270° are tried in turn until a read passes its
//! checks. Each character carries the confidence of the Tesseract word it came from; name
//! characters below [`UNCERTAIN_BELOW`] are reported as uncertain.
//!
//! Tesseract is much faster with `OMP_THREAD_LIMIT=1` set in the process environment before it is
//! initialised; the `ivs` binary sets it at start-up.

use crate::quality::{self, Quality};
use image::{GrayImage, ImageReader, imageops};
use ivs_mrz::{CharClass, Date, Format, Mrz, ParseOptions};
use leptess::{LepTess, Variable};
use std::cell::RefCell;
use std::io::Cursor;
use std::path::Path;

/// Largest decoded image accepted, in pixels per side.
pub const MAX_SIDE: u32 = 12_000;
/// Largest decoded allocation accepted, in bytes.
pub const MAX_ALLOC: u64 = 512 * 1024 * 1024;
/// A name character whose word confidence (0–100) is below this is reported as uncertain.
pub const UNCERTAIN_BELOW: f32 = 60.0;
/// The width (pixels) the image is scaled to before OCR, in the upright frame.
const OCR_WIDTH: u32 = 1000;
const WHITELIST: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

/// Errors of the reader.
#[derive(Debug, thiserror::Error)]
pub enum ReaderError {
    /// The bytes are not an image we can decode (or exceed the decode limits).
    #[error("image does not decode: {0}")]
    Decode(String),
    /// Tesseract could not be initialised (missing `mrz.traineddata`?).
    #[error("tesseract init failed: {0}")]
    Init(String),
}

/// Decodes an encoded image to grey, refusing huge or malformed input.
pub fn decode_gray(bytes: &[u8]) -> Result<GrayImage, ReaderError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ReaderError::Decode(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| ReaderError::Decode(e.to_string()))?;
    if img.width() < 8 || img.height() < 8 {
        return Err(ReaderError::Decode("image smaller than 8×8".to_owned()));
    }
    Ok(img.to_luma8())
}

/// One position of the MRZ, zero-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    /// The line.
    pub line: usize,
    /// The column.
    pub column: usize,
}

/// Everything the reader found in one image.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    /// The MRZ lines after check-digit repair (empty: no MRZ found).
    pub lines: Vec<String>,
    /// The lines as Tesseract read them (before padding and repair).
    pub raw_lines: Vec<String>,
    /// The parse of `lines`, if they parse.
    pub mrz: Option<Mrz>,
    /// Name positions whose reading is uncertain.
    pub uncertain: Vec<Position>,
    /// Mean word confidence of the MRZ lines, 0–1.
    pub confidence: f32,
    /// Rotation (degrees clockwise) applied to make the document upright.
    pub rotation: u16,
    /// The MRZ band in pixels of the upright image `[x, y, w, h]`.
    pub band: Option<[u32; 4]>,
    /// Whether the band touches the image border (part of it may be cut off).
    pub band_at_edge: bool,
    /// Image-quality measurements and verdicts.
    pub quality: Quality,
}

/// A text line found by Tesseract, in the scaled frame.
#[derive(Debug, Clone)]
struct OcrLine {
    text: String,
    conf: Vec<f32>,
    bbox: [u32; 4],
}

/// The MRZ reader (one Tesseract instance; not `Sync`).
pub struct TessReader {
    tess: RefCell<LepTess>,
    today: Date,
}

impl TessReader {
    /// Loads `mrz.traineddata` from `tessdata` (a directory).
    pub fn new(tessdata: &Path, today: Date) -> Result<Self, ReaderError> {
        let dir = tessdata
            .to_str()
            .ok_or_else(|| ReaderError::Init("tessdata path is not UTF-8".to_owned()))?;
        let mut tess = LepTess::new(Some(dir), "mrz").map_err(|e| ReaderError::Init(e.to_string()))?;
        tess.set_variable(Variable::TesseditCharWhitelist, WHITELIST)
            .map_err(|_| ReaderError::Init("whitelist".to_owned()))?;
        // Tesseract's chatter ("Detected N diacritics") goes to stderr otherwise.
        tess.set_variable(Variable::DebugFile, "/dev/null")
            .map_err(|_| ReaderError::Init("debug_file".to_owned()))?;
        tess.set_variable(Variable::TesseditPagesegMode, "3")
            .map_err(|_| ReaderError::Init("psm".to_owned()))?;
        Ok(Self {
            tess: RefCell::new(tess),
            today,
        })
    }

    /// Reads the MRZ of an encoded image.
    pub fn read_bytes(&self, bytes: &[u8]) -> Result<Reading, ReaderError> {
        let gray = decode_gray(bytes)?;
        Ok(self.read_gray(&gray))
    }

    /// Reads the MRZ of a grey image, trying the four right-angle rotations.
    #[must_use]
    pub fn read_gray(&self, gray: &GrayImage) -> Reading {
        let mut best: Option<Reading> = None;
        for rotation in [0u16, 180, 90, 270] {
            let upright = match rotation {
                90 => imageops::rotate90(gray),
                180 => imageops::rotate180(gray),
                270 => imageops::rotate270(gray),
                _ => gray.clone(),
            };
            let mut reading = self.read_upright(&upright);
            reading.rotation = rotation;
            // Stop at the first rotation whose read parses with most check digits passing: a
            // wrong rotation never gets that far.
            let done = reading.mrz.as_ref().is_some_and(|m| {
                let (passed, total) = m.check_score();
                m.is_valid() || passed * 2 > total
            });
            if rank(&reading) > best.as_ref().map_or((0, 0, 0), rank) || best.is_none() {
                best = Some(reading);
            }
            if done {
                break;
            }
        }
        let mut reading = best.unwrap_or_default();
        reading.quality = quality::measure(gray, &reading);
        reading
    }

    fn read_upright(&self, upright: &GrayImage) -> Reading {
        let scale = f64::from(OCR_WIDTH) / f64::from(upright.width().max(1));
        let h = ((f64::from(upright.height()) * scale).round() as u32).clamp(8, 4 * OCR_WIDTH);
        let scaled = imageops::resize(upright, OCR_WIDTH, h, imageops::FilterType::Triangle);
        let Some(ocr) = self.ocr(&scaled) else {
            return Reading::default();
        };
        let Some(group) = pick_band(&ocr) else {
            return Reading::default();
        };
        let mut reading = assemble(&group, self.today);
        // The band back in pixels of the upright (unscaled) image.
        let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0u32, 0u32);
        for l in &group {
            x0 = x0.min(l.bbox[0]);
            y0 = y0.min(l.bbox[1]);
            x1 = x1.max(l.bbox[0] + l.bbox[2]);
            y1 = y1.max(l.bbox[1] + l.bbox[3]);
        }
        let margin = 4;
        reading.band_at_edge =
            x0 <= margin || y0 <= margin || x1 + margin >= scaled.width() || y1 + margin >= scaled.height();
        let back = |v: u32| (f64::from(v) / scale).round() as u32;
        reading.band = Some([back(x0), back(y0), back(x1 - x0), back(y1 - y0)]);
        reading
    }

    /// Runs Tesseract on a grey image and returns its text lines with word confidences.
    fn ocr(&self, img: &GrayImage) -> Option<Vec<OcrLine>> {
        let pgm = to_pgm(img);
        let mut tess = self.tess.try_borrow_mut().ok()?;
        tess.set_image_from_mem(&pgm).ok()?;
        tess.set_source_resolution(300);
        let tsv = tess.get_tsv_text(0).ok()?;
        Some(parse_tsv(&tsv))
    }
}

impl crate::eval::MrzReader for TessReader {
    fn read(&self, image: &[u8]) -> crate::eval::ReadResult {
        crate::eval::ReadResult {
            lines: self.read_bytes(image).map(|r| r.lines).unwrap_or_default(),
        }
    }
}

/// Orders readings: parsed and valid first, then by check digits passed, then by lines found.
fn rank(r: &Reading) -> (usize, usize, usize) {
    match &r.mrz {
        Some(m) => (2 + usize::from(m.is_valid()), m.check_score().0, r.lines.len()),
        None => (usize::from(!r.lines.is_empty()), 0, r.lines.len()),
    }
}

/// Encodes a grey image as binary PGM (Leptonica reads it without a codec).
fn to_pgm(img: &GrayImage) -> Vec<u8> {
    let mut out = format!("P5\n{} {}\n255\n", img.width(), img.height()).into_bytes();
    out.extend_from_slice(img.as_raw());
    out
}

/// Groups Tesseract's TSV words into lines (words joined without spaces: MRZ has none).
fn parse_tsv(tsv: &str) -> Vec<OcrLine> {
    let mut lines: Vec<((u32, u32, u32), OcrLine)> = Vec::new();
    for row in tsv.lines() {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let num = |i: usize| cols[i].trim().parse::<u32>().unwrap_or(0);
        let key = (num(2), num(3), num(4));
        let conf = cols[10].trim().parse::<f32>().unwrap_or(0.0).max(0.0);
        let text: String = cols[11]
            .chars()
            .filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '<')
            .collect();
        if text.is_empty() {
            continue;
        }
        let bbox = [num(6), num(7), num(8), num(9)];
        let n = text.chars().count();
        match lines.last_mut() {
            Some((k, line)) if *k == key => {
                line.text.push_str(&text);
                line.conf.extend(std::iter::repeat_n(conf, n));
                let x1 = (line.bbox[0] + line.bbox[2]).max(bbox[0] + bbox[2]);
                let y1 = (line.bbox[1] + line.bbox[3]).max(bbox[1] + bbox[3]);
                line.bbox[0] = line.bbox[0].min(bbox[0]);
                line.bbox[1] = line.bbox[1].min(bbox[1]);
                line.bbox[2] = x1 - line.bbox[0];
                line.bbox[3] = y1 - line.bbox[1];
            }
            _ => lines.push((
                key,
                OcrLine {
                    text,
                    conf: vec![conf; n],
                    bbox,
                },
            )),
        }
    }
    let mut out: Vec<OcrLine> = lines.into_iter().map(|(_, l)| l).collect();
    out.sort_by_key(|l| l.bbox[1]);
    out
}

/// Whether a line looks like an MRZ line: long enough and with fillers or mostly digits.
fn mrz_like(l: &OcrLine) -> bool {
    let n = l.text.len();
    if !(24..=52).contains(&n) {
        return false;
    }
    let fillers = l.text.matches('<').count();
    let digits = l.text.chars().filter(char::is_ascii_digit).count();
    fillers >= 2 || digits >= 8
}

/// The lowest run of 2–3 stacked MRZ-like lines (or a single one, as a last resort).
fn pick_band(lines: &[OcrLine]) -> Option<Vec<OcrLine>> {
    let cand: Vec<&OcrLine> = lines.iter().filter(|l| mrz_like(l)).collect();
    if cand.is_empty() {
        return None;
    }
    // Runs of vertically adjacent candidates (gap below 2.5 line heights).
    let mut runs: Vec<Vec<&OcrLine>> = Vec::new();
    for l in cand {
        match runs.last_mut() {
            Some(run)
                if run.last().is_some_and(|p| {
                    let gap = l.bbox[1].saturating_sub(p.bbox[1] + p.bbox[3]);
                    gap <= p.bbox[3].max(l.bbox[3]) * 5 / 2
                }) =>
            {
                run.push(l);
            }
            _ => runs.push(vec![l]),
        }
    }
    let best = runs
        .into_iter()
        .max_by_key(|r| (r.len().min(3), r.last().map_or(0, |l| l.bbox[1])))?;
    let want = if best.iter().map(|l| l.text.len()).sum::<usize>() / best.len() <= 33 {
        3
    } else {
        2
    };
    let skip = best.len().saturating_sub(want);
    Some(best.into_iter().skip(skip).cloned().collect())
}

/// Fits the lines to a format, repairs through the parser, and marks uncertain names.
fn assemble(group: &[OcrLine], today: Date) -> Reading {
    let raw: Vec<String> = group.iter().map(|l| l.text.clone()).collect();
    let mean = group.iter().map(|l| l.text.len()).sum::<usize>() / group.len().max(1);
    let width = [30usize, 36, 44]
        .into_iter()
        .min_by_key(|w| w.abs_diff(mean))
        .unwrap_or(44);
    let mut lines: Vec<String> = Vec::new();
    let mut confs: Vec<Vec<f32>> = Vec::new();
    for l in group {
        let mut t = l.text.clone();
        let mut c = l.conf.clone();
        t.truncate(width);
        c.truncate(width);
        while t.len() < width {
            t.push('<');
            c.push(0.0);
        }
        lines.push(t);
        confs.push(c);
    }
    let all: Vec<f32> = group.iter().flat_map(|l| l.conf.iter().copied()).collect();
    let confidence = if all.is_empty() {
        0.0
    } else {
        all.iter().sum::<f32>() / all.len() as f32 / 100.0
    };
    let mut reading = Reading {
        raw_lines: raw,
        confidence,
        ..Reading::default()
    };
    let options = ParseOptions::new(today);
    if let Ok(mrz) = ivs_mrz::parse_lines(&lines, &options) {
        let fixed = fix_names(&mrz.lines, mrz.format);
        let mrz = if fixed == mrz.lines {
            mrz
        } else {
            ivs_mrz::parse_lines(&fixed, &options).unwrap_or(mrz)
        };
        reading.uncertain = uncertain_names(&mrz.lines, mrz.format, &confs);
        reading.lines = mrz.lines.clone();
        reading.mrz = Some(mrz);
    } else {
        reading.lines = lines;
    }
    reading
}

/// Whether `(line, column)` is in the name field of `format`.
fn in_names(format: Format, line: usize, column: usize) -> bool {
    match format {
        Format::Td1 => line == 2,
        _ => line == 0 && column >= 5,
    }
}

/// The country-code fields (issuer, nationality) of `format`: `(line, start)`, 3 wide.
fn country_fields(format: Format) -> &'static [(usize, usize)] {
    match format {
        Format::Td1 => &[(0, 2), (1, 15)],
        Format::FrenchId => &[(0, 2)],
        _ => &[(0, 2), (1, 10)],
    }
}

/// A digit's look-alike letter.
fn letter_for(c: char) -> char {
    match c {
        '0' => 'O',
        '1' => 'I',
        '5' => 'S',
        '8' => 'B',
        '2' => 'Z',
        _ => c,
    }
}

/// Name positions (letters only; no check digit covers them): digits there are OCR confusions
/// (0→O, 1→I, 5→S, 8→B, 2→Z). Country codes get the same mapping only when it turns an unknown
/// code into a known one (some real documents print digits there). The document code is left
/// alone.
fn fix_names(lines: &[String], format: Format) -> Vec<String> {
    let mut out: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(li, line)| {
            line.chars()
                .enumerate()
                .map(|(col, c)| {
                    if in_names(format, li, col) {
                        letter_for(c)
                    } else {
                        c
                    }
                })
                .collect()
        })
        .collect();
    for &(li, start) in country_fields(format) {
        let Some(code) = out.get(li).and_then(|l| l.get(start..start + 3)) else {
            continue;
        };
        if !code.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        let mapped: String = code.chars().map(letter_for).collect();
        let known = !matches!(ivs_mrz::country(&mapped), ivs_mrz::CountryCode::Unknown);
        if known && let Some(line) = out.get_mut(li) {
            line.replace_range(start..start + 3, &mapped);
        }
    }
    out
}

/// Name positions (letters-only class, not covered by a check digit) read with low confidence.
fn uncertain_names(lines: &[String], format: Format, confs: &[Vec<f32>]) -> Vec<Position> {
    let classes = ivs_mrz::char_classes(format, lines);
    let mut out = Vec::new();
    for (li, cls) in classes.iter().enumerate() {
        for (col, k) in cls.iter().enumerate() {
            if !matches!(k, CharClass::Alpha) || !in_names(format, li, col) {
                continue;
            }
            let conf = confs.get(li).and_then(|c| c.get(col)).copied().unwrap_or(0.0);
            let is_filler = lines.get(li).and_then(|l| l.as_bytes().get(col)) == Some(&b'<');
            if conf < UNCERTAIN_BELOW && !is_filler {
                out.push(Position {
                    line: li,
                    column: col,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! Tesseract runs in-process here; run with `OMP_THREAD_LIMIT=1` for speed
    //! (`docs/mrz-reader.md`).
    use super::*;
    use crate::eval::MrzReader;
    use std::path::PathBuf;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    fn reader() -> TessReader {
        let today = Date::new(2026, 11, 25).unwrap();
        TessReader::new(&root().join("models/tessdata"), today).unwrap()
    }

    fn photo(name: &str) -> (Vec<u8>, Vec<String>) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mrz-photos");
        let truth = crate::eval::load_truth(&dir).unwrap();
        (std::fs::read(dir.join(name)).unwrap(), truth[name].lines.clone())
    }

    #[test]
    fn reads_a_shared_photo_exactly() {
        let (bytes, truth) = photo("100_pass-cze2.jpg");
        let r = reader().read_bytes(&bytes).unwrap();
        assert_eq!(r.lines, truth);
        assert!(r.mrz.as_ref().unwrap().is_valid());
        assert_eq!(r.rotation, 0);
        assert!(r.band.is_some());
    }

    #[test]
    fn reads_a_photo_turned_upside_down_and_sideways() {
        let (bytes, truth) = photo("100_pass-chn.jpg");
        let gray = decode_gray(&bytes).unwrap();
        let r = reader();
        let turned = imageops::rotate90(&gray);
        let got = r.read_gray(&turned);
        assert_eq!(got.lines, truth);
        assert_eq!(got.rotation, 270);
    }

    #[test]
    fn arbitrary_bytes_are_a_decode_error_and_read_nothing() {
        let r = reader();
        for bytes in [
            &b""[..],
            b"\x89PNG\r\n\x1a\n garbage",
            b"GIF89a",
            &[0xff, 0xd8, 0xff, 0xe0],
        ] {
            assert!(matches!(r.read_bytes(bytes), Err(ReaderError::Decode(_))));
            assert!(r.read(bytes).lines.is_empty());
        }
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_png_claiming_huge_dimensions_is_refused_before_allocation() {
        let mut png = Vec::new();
        GrayImage::new(16, 16)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        // IHDR data starts at byte 16: width, height (big endian); CRC over type + data.
        png[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(decode_gray(&png), Err(ReaderError::Decode(_))));
    }

    #[test]
    fn a_blank_page_has_no_mrz() {
        let blank = GrayImage::from_pixel(400, 300, image::Luma([230]));
        let r = reader().read_gray(&blank);
        assert!(r.lines.is_empty());
        assert!(r.mrz.is_none());
    }

    #[test]
    fn name_digits_become_letters_and_low_confidence_names_are_uncertain() {
        let lines = vec![
            "P<UTOER1KSS0N<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<".to_owned(),
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10".to_owned(),
        ];
        let fixed = fix_names(&lines, Format::Td3);
        assert!(fixed[0].starts_with("P<UTOERIKSSON<<"));
        assert_eq!(fixed[1], lines[1]);
        let p0l = vec![lines[0].clone(), lines[1].replace("UTO7408", "P0L7408")];
        assert_eq!(&fix_names(&p0l, Format::Td3)[1][10..13], "POL");
        let odd = vec![lines[0].clone(), lines[1].replace("UTO7408", "1327408")];
        assert_eq!(&fix_names(&odd, Format::Td3)[1][10..13], "132");
        let mut confs = vec![vec![95.0; 44], vec![95.0; 44]];
        confs[0][6] = 30.0; // the R of ERIKSSON
        confs[0][30] = 10.0; // a filler: never uncertain
        let u = uncertain_names(&fixed, Format::Td3, &confs);
        assert_eq!(u, vec![Position { line: 0, column: 6 }]);
    }
}
