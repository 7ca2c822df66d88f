//! Random but valid MRZ data: names of varied length (long ones truncated as ICAO 9303 says),
//! dates, document numbers, optional data, and every check digit computed.

use crate::checks::{Format, check_digit};
use rand::Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// The printed facts of one synthetic document, before they become MRZ lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocData {
    /// TD1 or TD3.
    pub format: Format,
    /// Two characters: `P<`, `ID`, `I<`, ...
    pub doc_code: String,
    /// Issuing state, three characters with fillers (`D<<`).
    pub issuer: String,
    /// Nationality, same shape as `issuer`.
    pub nationality: String,
    /// Surname parts (A–Z only).
    pub surnames: Vec<String>,
    /// Given-name parts (A–Z only).
    pub given_names: Vec<String>,
    /// Document number, 9 characters of A–Z0–9 with trailing fillers.
    pub number: String,
    /// `YYMMDD`.
    pub birth: String,
    /// `M`, `F` or `<`.
    pub sex: char,
    /// `YYMMDD`.
    pub expiry: String,
    /// Optional data field(s), already padded (TD3: 14; TD1: line 1 15 and line 2 11).
    pub optional1: String,
    /// TD1 only: optional data of line 2 (11).
    pub optional2: String,
}

const STATES: &[&str] = &[
    "UTO", "D<<", "GBR", "FRA", "NLD", "USA", "CAN", "ESP", "ITA", "POL", "LTU", "CZE", "HRV", "AUS", "CHN",
    "TWN", "HUN", "ROU", "CHE", "SWE", "NOR", "BEL", "AUT", "PRT", "IRL", "GRC", "JPN", "KOR", "IND", "BRA",
    "MEX", "ZAF", "NGA", "EGY", "TUR", "UKR", "EST", "LVA", "FIN",
];

const SYLLABLES: &[&str] = &[
    "AN", "NA", "MA", "RI", "KO", "SON", "ER", "IK", "LA", "MI", "JO", "HAN", "SEN", "BER", "GA", "TA", "VO",
    "LI", "NE", "OS", "KI", "RA", "DE", "LU", "PE", "TRO", "WSKI", "EZ", "EL", "IN", "QU", "YA", "ZO", "CH",
    "SCH", "MUL", "LER", "O", "A", "E", "U", "I", "X", "BR", "ST", "WA",
];

/// A random name part of `len` letters or so.
fn name_part<R: Rng>(rng: &mut R, max_len: usize) -> String {
    let target = rng.gen_range(2..=max_len.max(2));
    let mut s = String::new();
    while s.len() < target {
        if let Some(syl) = SYLLABLES.choose(rng) {
            s.push_str(syl);
        }
    }
    s.truncate(target);
    s
}

fn alnum<R: Rng>(rng: &mut R, n: usize, letters: bool) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let pool = if letters { A } else { &A[26..] };
    (0..n)
        .map(|_| char::from(pool[rng.gen_range(0..pool.len())]))
        .collect()
}

fn date<R: Rng>(rng: &mut R, year_lo: u32, year_hi: u32) -> String {
    let y = rng.gen_range(year_lo..=year_hi) % 100;
    let m = rng.gen_range(1..=12u32);
    let days = match m {
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let d = rng.gen_range(1..=days);
    format!("{y:02}{m:02}{d:02}")
}

fn pad(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    while out.len() < n {
        out.push('<');
    }
    out
}

impl DocData {
    /// Random data for a document of `format`.
    pub fn random<R: Rng>(rng: &mut R, format: Format) -> DocData {
        let doc_code = match format {
            Format::Td1 => ["I<", "ID", "IR", "AC", "C<"][rng.gen_range(0..5)],
            _ => ["P<", "P<", "P<", "PD", "PO", "PS"][rng.gen_range(0..6)],
        };
        let issuer = STATES.choose(rng).copied().unwrap_or("UTO").to_string();
        let nationality = if rng.gen_bool(0.85) {
            issuer.clone()
        } else {
            STATES.choose(rng).copied().unwrap_or("UTO").to_string()
        };
        // Name lengths: mostly ordinary, 1 in 5 long enough to be truncated.
        let long = rng.gen_bool(0.2);
        let max_part = if long { 16 } else { 9 };
        let n_sur = if long {
            rng.gen_range(2..=3)
        } else {
            rng.gen_range(1..=2)
        };
        let n_given = if long {
            rng.gen_range(2..=4)
        } else {
            rng.gen_range(0..=2)
        };
        let surnames = (0..n_sur).map(|_| name_part(rng, max_part)).collect();
        let given_names = (0..n_given).map(|_| name_part(rng, max_part)).collect();
        let num_len = rng.gen_range(7..=9);
        let letters = rng.gen_bool(0.6);
        let number = pad(&alnum(rng, num_len, letters), 9);
        let birth = date(rng, 1930, 2019);
        let expiry = date(rng, 2015, 2040);
        let sex = ['M', 'F', '<'][[0, 0, 0, 1, 1, 1, 2][rng.gen_range(0..7)]];
        let (optional1, optional2) = match format {
            Format::Td1 => {
                let o1 = if rng.gen_bool(0.5) {
                    String::new()
                } else {
                    {
                        let n = rng.gen_range(1..=15);
                        alnum(rng, n, true)
                    }
                };
                let o2 = if rng.gen_bool(0.6) {
                    String::new()
                } else {
                    {
                        let n = rng.gen_range(1..=11);
                        alnum(rng, n, true)
                    }
                };
                (pad(&o1, 15), pad(&o2, 11))
            }
            _ => {
                let o1 = if rng.gen_bool(0.5) {
                    String::new()
                } else {
                    {
                        let n = rng.gen_range(1..=14);
                        alnum(rng, n, true)
                    }
                };
                (pad(&o1, 14), String::new())
            }
        };
        DocData {
            format,
            doc_code: doc_code.to_string(),
            issuer,
            nationality,
            surnames,
            given_names,
            number,
            birth,
            sex,
            expiry,
            optional1,
            optional2,
        }
    }

    /// The name field, `SURNAME<<GIVEN<NAMES`, truncated to `width` and padded with fillers.
    ///
    /// Truncation follows ICAO 9303-3 §4.6 in its simplest form: characters beyond the field are
    /// cut off, and a trailing filler left by the cut is kept (the field is then padded).
    pub fn name_field(&self, width: usize) -> String {
        let mut s = self.surnames.join("<");
        if !self.given_names.is_empty() {
            s.push_str("<<");
            s.push_str(&self.given_names.join("<"));
        }
        pad(&s, width)
    }

    /// Whether the name had to be truncated to fit `width`.
    pub fn name_truncated(&self, width: usize) -> bool {
        let full = self.surnames.join("<").len()
            + self.given_names.iter().map(|g| g.len() + 1).sum::<usize>()
            + usize::from(!self.given_names.is_empty());
        full > width
    }

    /// The MRZ lines, every check digit computed.
    pub fn mrz_lines(&self) -> Vec<String> {
        let cd = |s: &str| check_digit(s).unwrap_or('0');
        match self.format {
            Format::Td1 => {
                let l1 = format!(
                    "{}{}{}{}{}",
                    self.doc_code,
                    self.issuer,
                    self.number,
                    cd(&self.number),
                    self.optional1
                );
                let l2_head = format!(
                    "{}{}{}{}{}{}{}",
                    self.birth,
                    cd(&self.birth),
                    self.sex,
                    self.expiry,
                    cd(&self.expiry),
                    self.nationality,
                    self.optional2
                );
                let composite = format!(
                    "{}{}{}{}",
                    &l1[5..30],
                    &l2_head[0..7],
                    &l2_head[8..15],
                    &l2_head[18..29]
                );
                let l2 = format!("{l2_head}{}", cd(&composite));
                vec![l1, l2, self.name_field(30)]
            }
            _ => {
                let l1 = format!("{}{}{}", self.doc_code, self.issuer, self.name_field(39));
                let opt_cd = if self.optional1.bytes().all(|c| c == b'<') {
                    '<'
                } else {
                    cd(&self.optional1)
                };
                let head = format!(
                    "{}{}{}{}{}{}{}{}{}{}{}",
                    self.number,
                    cd(&self.number),
                    self.nationality,
                    self.birth,
                    cd(&self.birth),
                    self.sex,
                    self.expiry,
                    cd(&self.expiry),
                    self.optional1,
                    opt_cd,
                    ""
                );
                let composite = format!("{}{}{}", &head[0..10], &head[13..20], &head[21..43]);
                let l2 = format!("{head}{}", cd(&composite));
                vec![l1, l2]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::check_valid;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn random_documents_have_valid_check_digits_and_shape() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut truncated = 0;
        for i in 0..500 {
            let format = if i % 2 == 0 { Format::Td1 } else { Format::Td3 };
            let d = DocData::random(&mut rng, format);
            let lines = d.mrz_lines();
            let (n, len) = format.shape();
            assert_eq!(lines.len(), n);
            for l in &lines {
                assert_eq!(l.len(), len, "{l}");
                assert!(
                    l.bytes()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'<')
                );
            }
            assert!(check_valid(&lines, format), "{lines:?}");
            if d.name_truncated(if format == Format::Td1 { 30 } else { 39 }) {
                truncated += 1;
            }
        }
        assert!(truncated > 20, "too few truncated names: {truncated}");
    }
}
