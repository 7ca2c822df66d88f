//! ICAO 9303 check digits and the field layout of each MRZ format, kept small and local.
//!
//! This is the measuring stick's own copy: the synthetic generator uses it to write valid documents
//! and `ivs mrz eval` uses it to decide whether a read is "check-valid". It is deliberately
//! independent of `ivs-mrz` so the two can be compared; swapping in `ivs-mrz` later means
//! replacing [`check_valid`] only.

use serde::{Deserialize, Serialize};

/// The MRZ formats the measuring stick knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Format {
    /// ID card: 3 lines of 30.
    #[serde(rename = "TD1")]
    Td1,
    /// ID card: 2 lines of 36.
    #[serde(rename = "TD2")]
    Td2,
    /// Passport: 2 lines of 44.
    #[serde(rename = "TD3")]
    Td3,
    /// Visa A: 2 lines of 44.
    #[serde(rename = "MRVA")]
    Mrva,
    /// Visa B: 2 lines of 36.
    #[serde(rename = "MRVB")]
    Mrvb,
    /// French national ID card (1988–2021): 2 lines of 36.
    #[serde(rename = "FRENCH_ID")]
    FrenchId,
}

impl Format {
    /// Number of lines and characters per line.
    pub fn shape(self) -> (usize, usize) {
        match self {
            Format::Td1 => (3, 30),
            Format::Td2 | Format::Mrvb | Format::FrenchId => (2, 36),
            Format::Td3 | Format::Mrva => (2, 44),
        }
    }

    /// The name used in `truth.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Td1 => "TD1",
            Format::Td2 => "TD2",
            Format::Td3 => "TD3",
            Format::Mrva => "MRVA",
            Format::Mrvb => "MRVB",
            Format::FrenchId => "FRENCH_ID",
        }
    }
}

/// Value of one MRZ character in the check-digit sum, or `None` outside `A–Z0–9<`.
fn char_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        b'<' => Some(0),
        _ => None,
    }
}

/// The ICAO 9303 check digit (weights 7, 3, 1) of `field`, or `None` if it holds a character
/// outside `A–Z0–9<`.
pub fn check_digit(field: &str) -> Option<char> {
    let mut sum = 0u32;
    for (i, c) in field.bytes().enumerate() {
        let w = [7, 3, 1][i % 3];
        sum += char_value(c)? * w;
    }
    char::from_digit(sum % 10, 10)
}

/// Whether `digit` is the correct check digit for `field`. A field made only of fillers may also
/// carry `<` as its check digit (ICAO 9303-3 §4.9, optional data).
fn digit_ok(field: &str, digit: u8, filler_allowed: bool) -> bool {
    if filler_allowed && digit == b'<' && field.bytes().all(|c| c == b'<') {
        return true;
    }
    check_digit(field).is_some_and(|d| d as u32 == u32::from(digit))
}

/// Byte range `[a, b)` of `s`, or an empty string if out of range.
fn sub(s: &str, a: usize, b: usize) -> &str {
    s.get(a..b).unwrap_or("")
}

/// Whether every check digit of `lines` is correct for `format`. Lines of the wrong count or
/// length are never valid.
pub fn check_valid(lines: &[String], format: Format) -> bool {
    let (n, len) = format.shape();
    if lines.len() != n
        || lines
            .iter()
            .any(|l| l.len() != len || !l.bytes().all(|c| char_value(c).is_some()))
    {
        return false;
    }
    let digit = |line: &str, at: usize| line.as_bytes().get(at).copied().unwrap_or(0);
    match format {
        Format::Td1 => {
            let (l1, l2) = (lines[0].as_str(), lines[1].as_str());
            let composite = format!(
                "{}{}{}{}",
                sub(l1, 5, 30),
                sub(l2, 0, 7),
                sub(l2, 8, 15),
                sub(l2, 18, 29)
            );
            digit_ok(sub(l1, 5, 14), digit(l1, 14), false)
                && digit_ok(sub(l2, 0, 6), digit(l2, 6), false)
                && digit_ok(sub(l2, 8, 14), digit(l2, 14), false)
                && digit_ok(&composite, digit(l2, 29), false)
        }
        Format::Td2 | Format::Td3 => {
            let l2 = lines[1].as_str();
            let (opt_end, comp) = if format == Format::Td3 { (42, 43) } else { (35, 35) };
            let base = digit_ok(sub(l2, 0, 9), digit(l2, 9), false)
                && digit_ok(sub(l2, 13, 19), digit(l2, 19), false)
                && digit_ok(sub(l2, 21, 27), digit(l2, 27), false);
            if format == Format::Td3 {
                let composite = format!("{}{}{}", sub(l2, 0, 10), sub(l2, 13, 20), sub(l2, 21, 43));
                base && digit_ok(sub(l2, 28, opt_end), digit(l2, 42), true)
                    && digit_ok(&composite, digit(l2, comp), false)
            } else {
                let composite = format!("{}{}{}", sub(l2, 0, 10), sub(l2, 13, 20), sub(l2, 21, 35));
                base && digit_ok(&composite, digit(l2, comp), false)
            }
        }
        Format::Mrva | Format::Mrvb => {
            let l2 = lines[1].as_str();
            digit_ok(sub(l2, 0, 9), digit(l2, 9), false)
                && digit_ok(sub(l2, 13, 19), digit(l2, 19), false)
                && digit_ok(sub(l2, 21, 27), digit(l2, 27), false)
        }
        Format::FrenchId => {
            // Line 2: office/year/month + number (12) cd, given names (14), birth (6) cd, sex, composite.
            let (l1, l2) = (lines[0].as_str(), lines[1].as_str());
            let composite = format!("{}{}", l1, sub(l2, 0, 35));
            digit_ok(sub(l2, 0, 12), digit(l2, 12), false)
                && digit_ok(sub(l2, 27, 33), digit(l2, 33), false)
                && digit_ok(&composite, digit(l2, 35), false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn icao_specimens_are_valid() {
        assert_eq!(check_digit("L898902C3"), Some('6'));
        assert_eq!(check_digit("740812"), Some('2'));
        let td3 = lines(&[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ]);
        assert!(check_valid(&td3, Format::Td3));
        let td1 = lines(&[
            "I<UTOD231458907<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ]);
        assert!(check_valid(&td1, Format::Td1));
    }

    #[test]
    fn one_changed_digit_is_invalid() {
        let td3 = lines(&[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<11",
        ]);
        assert!(!check_valid(&td3, Format::Td3));
        let short = lines(&["P<UTO", "L898902C36"]);
        assert!(!check_valid(&short, Format::Td3));
        assert!(!check_valid(&[], Format::Td1));
    }
}
