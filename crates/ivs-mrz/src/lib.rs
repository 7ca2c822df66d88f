//! ICAO 9303 machine-readable zone: parse, validate, normalise (no IO).
//!
//! ```
//! use ivs_mrz::{parse, CheckField, Date, Format};
//! let today: Date = "2026-11-25".parse().unwrap();
//! let mrz = parse(
//!     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
//!      L898902C36UTO7408122F1204159ZE184226B<<<<<10",
//!     today,
//! )
//! .unwrap();
//! assert_eq!(mrz.format, Format::Td3);
//! assert_eq!(mrz.surname, "ERIKSSON");
//! assert_eq!(mrz.given_names, "ANNA MARIA");
//! assert_eq!(mrz.birth_date.unwrap().to_string(), "1974-08-12");
//! assert_eq!(mrz.check(CheckField::Composite), Some(true));
//! assert!(mrz.is_valid());
//! ```
//!
//! Formats, repair rules and date rules: `docs/mrz.md`.
#![forbid(unsafe_code)]

mod check;
mod country;
mod date;
mod format;
mod parse;
mod translit;

pub use check::{char_value, check_digit, check_digit_of, verify};
pub use country::{CountryCode, alpha3_to_alpha2, country};
pub use date::{Date, DateParseError, birth_date, expiry_date};
pub use format::{CharClass, CheckField, CheckSpec, Format, Pos, char_classes, check_specs};
pub use parse::{Mrz, MrzError, ParseOptions, Problem, Repair, Sex, parse, parse_lines, parse_with};
pub use translit::{transliterate, transliterate_simple};
