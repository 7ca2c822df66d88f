//! The measuring stick: scores MRZ reads against ground truth by fixed rules.
//!
//! A directory holds images and a `truth.json` (`{file: {"lines": [...], "format": "TD3"}}`;
//! extra keys are ignored). A reader's output is a map `{file: {"lines": [...], "millis": n}}`,
//! either produced in-process through [`MrzReader`] ([`run_reader`]) or loaded from any tool's
//! predictions file, and [`score`] turns the two into a [`Report`]. Every reader, ours or a peer's,
//! is scored by the same function.

use crate::checks::{Format, check_valid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// Ground truth of one image (other keys in the file are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthEntry {
    /// The MRZ lines exactly as printed.
    pub lines: Vec<String>,
    /// The MRZ format.
    pub format: Format,
}

/// One reader's output for one image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The lines read, top to bottom (empty: nothing read).
    #[serde(default)]
    pub lines: Vec<String>,
    /// Time spent on the image, in milliseconds (wall clock).
    #[serde(default)]
    pub millis: Option<f64>,
    /// CPU time spent on the image, in milliseconds, if the reader reports it (meaningful on a
    /// busy machine, where wall-clock time is not).
    #[serde(default, rename = "cpuMillis", skip_serializing_if = "Option::is_none")]
    pub cpu_millis: Option<f64>,
}

/// What a reader returns for one image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadResult {
    /// The MRZ lines read, top to bottom; empty if no MRZ was found.
    pub lines: Vec<String>,
}

/// The seam between the measuring stick and an MRZ reader (issue 7 implements it).
pub trait MrzReader {
    /// Reads the MRZ of one encoded image. Must not panic on any input.
    fn read(&self, image: &[u8]) -> ReadResult;
}

/// Errors of the evaluation.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A file could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A JSON file did not have the expected shape.
    #[error("parsing {path}: {source}")]
    Json {
        /// The file.
        path: String,
        /// The cause.
        source: serde_json::Error,
    },
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, EvalError> {
    let text = std::fs::read_to_string(path).map_err(|source| EvalError::Io {
        path: path.display().to_string(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| EvalError::Json {
        path: path.display().to_string(),
        source,
    })
}

/// Loads `DIR/truth.json`.
pub fn load_truth(dir: &Path) -> Result<BTreeMap<String, TruthEntry>, EvalError> {
    read_json(&dir.join("truth.json"))
}

/// Loads a predictions file `{file: {"lines": [...], "millis": n}}`.
pub fn load_predictions(path: &Path) -> Result<BTreeMap<String, Prediction>, EvalError> {
    read_json(path)
}

/// Runs `reader` over every image named in `truth`, timing each read.
pub fn run_reader(
    dir: &Path,
    truth: &BTreeMap<String, TruthEntry>,
    reader: &dyn MrzReader,
) -> Result<BTreeMap<String, Prediction>, EvalError> {
    let mut out = BTreeMap::new();
    for file in truth.keys() {
        let path = dir.join(file);
        let bytes = std::fs::read(&path).map_err(|source| EvalError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let start = Instant::now();
        let result = reader.read(&bytes);
        let millis = start.elapsed().as_secs_f64() * 1000.0;
        out.insert(
            file.clone(),
            Prediction {
                lines: result.lines,
                millis: Some(millis),
                cpu_millis: None,
            },
        );
    }
    Ok(out)
}

/// The field names scored, in report order.
pub const FIELDS: &[&str] = &[
    "documentCode",
    "issuer",
    "documentNumber",
    "names",
    "nationality",
    "birthDate",
    "sex",
    "expiryDate",
    "optionalData",
];

/// Characters `[a, b)` of line `l`, or `None` if the line or range is missing.
fn at(lines: &[String], l: usize, a: usize, b: usize) -> Option<String> {
    lines.get(l)?.get(a..b).map(str::to_string)
}

fn join(parts: &[Option<String>]) -> Option<String> {
    let mut s = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            s.push('|');
        }
        s.push_str(p.as_deref()?);
    }
    Some(s)
}

/// The value of `field` in `lines`, cut by position for `format`. The outer `None` means the
/// format has no such field; the inner `None` that the lines are too short to hold it.
pub fn field(lines: &[String], format: Format, field: &str) -> Option<Option<String>> {
    use Format::*;
    let v = match (format, field) {
        (_, "documentCode") => at(lines, 0, 0, 2),
        (_, "issuer") => at(lines, 0, 2, 5),
        (Td1, "documentNumber") => at(lines, 0, 5, 14),
        (Td1, "optionalData") => join(&[at(lines, 0, 15, 30), at(lines, 1, 18, 29)]),
        (Td1, "birthDate") => at(lines, 1, 0, 6),
        (Td1, "sex") => at(lines, 1, 7, 8),
        (Td1, "expiryDate") => at(lines, 1, 8, 14),
        (Td1, "nationality") => at(lines, 1, 15, 18),
        (Td1, "names") => at(lines, 2, 0, 30),
        (FrenchId, "names") => join(&[at(lines, 0, 5, 30), at(lines, 1, 13, 27)]),
        (FrenchId, "documentNumber") => at(lines, 1, 0, 12),
        (FrenchId, "birthDate") => at(lines, 1, 27, 33),
        (FrenchId, "sex") => at(lines, 1, 34, 35),
        (FrenchId, "optionalData") => at(lines, 0, 30, 36),
        (FrenchId, _) => return None,
        (Td2 | Mrvb, "names") => at(lines, 0, 5, 36),
        (Td3 | Mrva, "names") => at(lines, 0, 5, 44),
        (_, "documentNumber") => at(lines, 1, 0, 9),
        (_, "nationality") => at(lines, 1, 10, 13),
        (_, "birthDate") => at(lines, 1, 13, 19),
        (_, "sex") => at(lines, 1, 20, 21),
        (_, "expiryDate") => at(lines, 1, 21, 27),
        (Td3, "optionalData") => at(lines, 1, 28, 42),
        (Td2, "optionalData") => at(lines, 1, 28, 35),
        (Mrva, "optionalData") => at(lines, 1, 28, 44),
        (Mrvb, "optionalData") => at(lines, 1, 28, 36),
        _ => return None,
    };
    Some(v)
}

/// The format a read claims by its shape (the reader does not know the truth).
pub fn infer_format(lines: &[String]) -> Option<Format> {
    let first = lines.first()?;
    let lens: Vec<usize> = lines.iter().map(String::len).collect();
    match lens.as_slice() {
        [30, 30, 30] => Some(Format::Td1),
        [44, 44] if first.starts_with('V') => Some(Format::Mrva),
        [44, 44] => Some(Format::Td3),
        [36, 36] if first.starts_with('V') => Some(Format::Mrvb),
        [36, 36] if first.starts_with("IDFRA") => Some(Format::FrenchId),
        [36, 36] => Some(Format::Td2),
        _ => None,
    }
}

/// Whether a read passes every check digit of the format its shape claims. This is the one place
/// to swap in `ivs-mrz`'s validation later.
pub fn read_is_check_valid(lines: &[String]) -> bool {
    infer_format(lines).is_some_and(|f| check_valid(lines, f))
}

/// A count out of a total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Ratio {
    /// How many.
    pub count: usize,
    /// Out of how many.
    pub total: usize,
    /// `count / total` in percent (0 when `total` is 0).
    pub percent: f64,
}

impl Ratio {
    fn new(count: usize, total: usize) -> Ratio {
        let percent = if total == 0 {
            0.0
        } else {
            100.0 * count as f64 / total as f64
        };
        Ratio {
            count,
            total,
            percent,
        }
    }
}

/// The outcome for one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageScore {
    /// File name.
    pub file: String,
    /// All lines character-exact.
    pub exact: bool,
    /// The read passes its check digits.
    pub check_valid: bool,
    /// Fields that differ from the truth.
    pub wrong_fields: Vec<String>,
    /// The truth lines.
    pub truth: Vec<String>,
    /// The lines read.
    pub read: Vec<String>,
    /// Milliseconds, if reported.
    pub millis: Option<f64>,
}

/// The evaluation of one reader over one directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Images with ground truth.
    pub images: usize,
    /// Images for which the reader returned any lines.
    pub read: usize,
    /// Images whose lines are all character-exact.
    pub exact: Ratio,
    /// Characters equal to the truth at the same line and position, over all truth characters.
    pub characters: Ratio,
    /// Per-field accuracy (fields the image's format has).
    pub fields: BTreeMap<String, Ratio>,
    /// Images whose name field is exact.
    pub exact_names: Ratio,
    /// Reads whose check digits are all valid.
    pub check_valid: Ratio,
    /// Check-valid reads that are not equal to the truth.
    pub false_valid: Ratio,
    /// Truth entries that are themselves check-valid (a specimen may print a wrong digit).
    pub truth_check_valid: Ratio,
    /// Median milliseconds per image (over images with a time).
    pub median_ms: Option<f64>,
    /// 95th percentile (nearest rank) milliseconds per image.
    pub p95_ms: Option<f64>,
    /// Median CPU milliseconds per image (over images whose prediction reports CPU time).
    pub median_cpu_ms: Option<f64>,
    /// 95th percentile CPU milliseconds per image.
    pub p95_cpu_ms: Option<f64>,
    /// Per-image outcomes, sorted by file name.
    pub per_image: Vec<ImageScore>,
}

fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// Scores `predictions` against `truth`. An image with no prediction counts as not read.
pub fn score(truth: &BTreeMap<String, TruthEntry>, predictions: &BTreeMap<String, Prediction>) -> Report {
    let n = truth.len();
    let empty = Prediction::default();
    let mut read = 0;
    let mut exact = 0;
    let (mut chars_ok, mut chars_total) = (0, 0);
    let mut fields: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut names_ok, mut valid, mut false_valid, mut truth_valid) = (0, 0, 0, 0);
    let mut times = Vec::new();
    let mut cpu_times = Vec::new();
    let mut per_image = Vec::new();
    for (file, t) in truth {
        let p = predictions.get(file).unwrap_or(&empty);
        if !p.lines.is_empty() {
            read += 1;
        }
        if let Some(ms) = p.millis {
            times.push(ms);
        }
        if let Some(ms) = p.cpu_millis {
            cpu_times.push(ms);
        }
        let is_exact = p.lines == t.lines;
        exact += usize::from(is_exact);
        for (i, tl) in t.lines.iter().enumerate() {
            let rl = p.lines.get(i).map(String::as_bytes).unwrap_or_default();
            chars_total += tl.len();
            chars_ok += tl.bytes().zip(rl.iter()).filter(|(a, b)| a == *b).count();
        }
        let mut wrong = Vec::new();
        for &f in FIELDS {
            let Some(tv) = field(&t.lines, t.format, f) else {
                continue;
            };
            let rv = field(&p.lines, t.format, f).flatten();
            let ok = tv.is_some() && rv == tv;
            let e = fields.entry(f.to_string()).or_default();
            e.0 += usize::from(ok);
            e.1 += 1;
            if f == "names" {
                names_ok += usize::from(ok);
            }
            if !ok {
                wrong.push(f.to_string());
            }
        }
        let is_valid = read_is_check_valid(&p.lines);
        valid += usize::from(is_valid);
        false_valid += usize::from(is_valid && !is_exact);
        truth_valid += usize::from(check_valid(&t.lines, t.format));
        per_image.push(ImageScore {
            file: file.clone(),
            exact: is_exact,
            check_valid: is_valid,
            wrong_fields: wrong,
            truth: t.lines.clone(),
            read: p.lines.clone(),
            millis: p.millis,
        });
    }
    times.sort_by(f64::total_cmp);
    cpu_times.sort_by(f64::total_cmp);
    Report {
        images: n,
        read,
        exact: Ratio::new(exact, n),
        characters: Ratio::new(chars_ok, chars_total),
        fields: fields
            .into_iter()
            .map(|(k, (ok, total))| (k, Ratio::new(ok, total)))
            .collect(),
        exact_names: Ratio::new(names_ok, n),
        check_valid: Ratio::new(valid, n),
        false_valid: Ratio::new(false_valid, n),
        truth_check_valid: Ratio::new(truth_valid, n),
        median_ms: percentile(&times, 50.0),
        p95_ms: percentile(&times, 95.0),
        median_cpu_ms: percentile(&cpu_times, 50.0),
        p95_cpu_ms: percentile(&cpu_times, 95.0),
        per_image,
    }
}

impl Report {
    /// The human-readable summary printed by `ivs mrz eval`.
    pub fn to_text(&self) -> String {
        let r = |x: &Ratio| format!("{:>5} / {:<5} {:6.1}%", x.count, x.total, x.percent);
        let ms = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.0}"));
        let mut s = String::new();
        s.push_str(&format!("images                      {}\n", self.images));
        s.push_str(&format!("read (any lines)            {}\n", self.read));
        s.push_str(&format!("character-exact reads     {}\n", r(&self.exact)));
        s.push_str(&format!("characters correct        {}\n", r(&self.characters)));
        s.push_str(&format!("exact names               {}\n", r(&self.exact_names)));
        s.push_str(&format!("check-valid reads         {}\n", r(&self.check_valid)));
        s.push_str(&format!("false \"valid\" reads       {}\n", r(&self.false_valid)));
        s.push_str(&format!(
            "truth itself check-valid  {}\n",
            r(&self.truth_check_valid)
        ));
        s.push_str(&format!("median ms per image         {}\n", ms(self.median_ms)));
        s.push_str(&format!("p95 ms per image            {}\n", ms(self.p95_ms)));
        if self.median_cpu_ms.is_some() {
            s.push_str(&format!(
                "median CPU ms per image     {}\n",
                ms(self.median_cpu_ms)
            ));
            s.push_str(&format!("p95 CPU ms per image        {}\n", ms(self.p95_cpu_ms)));
        }
        s.push_str("per-field accuracy:\n");
        for f in FIELDS {
            if let Some(x) = self.fields.get(*f) {
                s.push_str(&format!("  {f:<24}{}\n", r(x)));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(lines: &[&str], format: Format) -> TruthEntry {
        TruthEntry {
            lines: lines.iter().map(|s| s.to_string()).collect(),
            format,
        }
    }

    fn truth() -> BTreeMap<String, TruthEntry> {
        let mut t = BTreeMap::new();
        t.insert(
            "a.png".into(),
            entry(
                &[
                    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
                ],
                Format::Td3,
            ),
        );
        t.insert(
            "b.png".into(),
            entry(
                &[
                    "I<UTOD231458907<<<<<<<<<<<<<<<",
                    "7408122F1204159UTO<<<<<<<<<<<6",
                    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
                ],
                Format::Td1,
            ),
        );
        t
    }

    fn perfect(t: &BTreeMap<String, TruthEntry>) -> BTreeMap<String, Prediction> {
        t.iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    Prediction {
                        lines: v.lines.clone(),
                        millis: Some(10.0),
                        cpu_millis: None,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn truth_against_itself_is_perfect() {
        let t = truth();
        let r = score(&t, &perfect(&t));
        assert_eq!(r.exact.count, 2);
        assert_eq!(r.characters.percent, 100.0);
        assert_eq!(r.check_valid.count, 2);
        assert_eq!(r.false_valid.count, 0);
        assert!(r.fields.values().all(|x| x.count == x.total && x.total > 0));
        assert_eq!(r.fields["names"].total, 2);
        assert_eq!(r.median_ms, Some(10.0));
        assert_eq!(r.median_cpu_ms, None);
    }

    #[test]
    fn a_name_error_keeps_check_digits_valid_and_counts_as_false_valid() {
        let t = truth();
        let mut p = perfect(&t);
        // TD3 line 1 carries no check digit: the classic `<` → `K` misread.
        p.get_mut("a.png").unwrap().lines[0] = "P<UTOERIKSSON<<ANNA<MARIAK<<<<<<<<<<<<<<<<<<".into();
        p.get_mut("a.png").unwrap().cpu_millis = Some(4.0);
        let r = score(&t, &p);
        assert_eq!((r.median_cpu_ms, r.p95_cpu_ms), (Some(4.0), Some(4.0)));
        assert_eq!(r.exact.count, 1);
        assert_eq!(r.check_valid.count, 2);
        assert_eq!(r.false_valid.count, 1);
        assert_eq!(r.exact_names.count, 1);
        assert_eq!(r.fields["documentNumber"].count, 2);
        assert_eq!(r.characters.count, r.characters.total - 1);
    }

    #[test]
    fn a_digit_error_breaks_validity_and_missing_reads_count() {
        let t = truth();
        let mut p = perfect(&t);
        p.get_mut("b.png").unwrap().lines[1] = "7408132F1204159UTO<<<<<<<<<<<6".into();
        p.remove("a.png");
        let r = score(&t, &p);
        assert_eq!(r.read, 1);
        assert_eq!(r.exact.count, 0);
        assert_eq!(r.check_valid.count, 0);
        assert_eq!(r.fields["birthDate"].count, 0);
        assert_eq!(r.fields["expiryDate"].count, 1);
        let times: Vec<_> = r.per_image.iter().map(|i| i.millis).collect();
        assert_eq!(times, vec![None, Some(10.0)]);
    }

    /// A reader that "reads" the image bytes as text, to exercise the seam.
    struct EchoReader;
    impl MrzReader for EchoReader {
        fn read(&self, image: &[u8]) -> ReadResult {
            ReadResult {
                lines: String::from_utf8_lossy(image)
                    .lines()
                    .map(str::to_string)
                    .collect(),
            }
        }
    }

    #[test]
    fn run_reader_feeds_every_truth_file_through_the_reader_and_times_it() {
        let t = truth();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.png"), t["a.png"].lines.join("\n")).unwrap();
        std::fs::write(dir.path().join("b.png"), "garbage").unwrap();
        let p = run_reader(dir.path(), &t, &EchoReader).unwrap();
        assert_eq!(p.len(), 2);
        assert!(p.values().all(|x| x.millis.is_some_and(|m| m >= 0.0)));
        let r = score(&t, &p);
        assert_eq!(r.exact.count, 1);
        assert_eq!(r.read, 2);
        assert!(run_reader(&dir.path().join("missing"), &t, &EchoReader).is_err());
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(10.0));
        assert_eq!(percentile(&v, 95.0), Some(19.0));
        assert_eq!(percentile(&[], 95.0), None);
    }
}
