//! Calendar dates and the MRZ two-digit-year rules.

use std::fmt;
use std::str::FromStr;

/// A proleptic Gregorian calendar date. Ordering is chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// The date, or `None` when it does not exist (month 13, 30 February, ...).
    #[must_use]
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        if !(0..=9999).contains(&year) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Self { year, month, day })
    }

    #[must_use]
    pub fn year(self) -> i32 {
        self.year
    }

    #[must_use]
    pub fn month(self) -> u8 {
        self.month
    }

    #[must_use]
    pub fn day(self) -> u8 {
        self.day
    }

    /// The UTC calendar date `days` days after 1970-01-01 (negative: before). `None` outside
    /// years 0–9999. Lets a binary turn a clock reading into "today" without a date crate.
    #[must_use]
    pub fn from_unix_days(days: i64) -> Option<Self> {
        // Howard Hinnant's civil_from_days.
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self::new(
            i32::try_from(year).ok()?,
            u8::try_from(month).ok()?,
            u8::try_from(day).ok()?,
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Error for [`Date::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a date in the form YYYY-MM-DD")]
pub struct DateParseError;

impl FromStr for Date {
    type Err = DateParseError;

    /// Parses `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(DateParseError);
        }
        let num = |r: std::ops::Range<usize>| -> Result<u32, DateParseError> {
            let part = s.get(r).ok_or(DateParseError)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(DateParseError);
            }
            part.parse().map_err(|_| DateParseError)
        };
        let year = i32::try_from(num(0..4)?).map_err(|_| DateParseError)?;
        let month = u8::try_from(num(5..7)?).map_err(|_| DateParseError)?;
        let day = u8::try_from(num(8..10)?).map_err(|_| DateParseError)?;
        Self::new(year, month, day).ok_or(DateParseError)
    }
}

/// Splits `YYMMDD` into numbers; `None` unless all six characters are digits.
fn split_yymmdd(raw: &str) -> Option<(i32, u8, u8)> {
    let b = raw.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let d = |i: usize| b[i] - b'0';
    Some((i32::from(d(0) * 10 + d(1)), d(2) * 10 + d(3), d(4) * 10 + d(5)))
}

/// A birth date `YYMMDD`: 20YY unless that date would be after `today`, then 19YY.
/// `None` when the text is not a real date (including `<<` for an unknown day or month).
#[must_use]
pub fn birth_date(raw: &str, today: Date) -> Option<Date> {
    let (yy, mm, dd) = split_yymmdd(raw)?;
    match Date::new(2000 + yy, mm, dd) {
        Some(d) if d <= today => Some(d),
        _ => Date::new(1900 + yy, mm, dd),
    }
}

/// An expiry date `YYMMDD`: 20YY unless YY is more than 50 years past today's two-digit
/// year (YY > today's YY + 50), then 19YY.
#[must_use]
pub fn expiry_date(raw: &str, today: Date) -> Option<Date> {
    let (yy, mm, dd) = split_yymmdd(raw)?;
    let century = if yy > today.year().rem_euclid(100) + 50 {
        1900
    } else {
        2000
    };
    Date::new(century + yy, mm, dd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn parse_and_display() {
        assert_eq!(d("2026-11-25").to_string(), "2026-11-25");
        assert_eq!(d("2024-02-29"), Date::new(2024, 2, 29).unwrap());
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "26-01-01",
            "2026/01/01",
            "2026-1-011",
            "+026-01-01",
            "",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(d("2026-01-01") < d("2026-01-02"));
        assert!(d("2025-12-31") < d("2026-01-01"));
    }

    #[test]
    fn unix_days() {
        assert_eq!(Date::from_unix_days(0), Some(d("1970-01-01")));
        assert_eq!(Date::from_unix_days(-1), Some(d("1969-12-31")));
        assert_eq!(Date::from_unix_days(19_782), Some(d("2024-02-29")));
        assert_eq!(Date::from_unix_days(20_417), Some(d("2025-11-25")));
        assert_eq!(Date::from_unix_days(i64::MAX), None);
        assert_eq!(Date::from_unix_days(i64::MIN), None);
    }

    #[test]
    fn birth_century() {
        let today = d("2026-11-25");
        assert_eq!(birth_date("740812", today), Some(d("1974-08-12")));
        assert_eq!(birth_date("261125", today), Some(d("2026-11-25")));
        assert_eq!(birth_date("261126", today), Some(d("1926-11-26")));
        assert_eq!(birth_date("000101", today), Some(d("2000-01-01")));
        assert_eq!(birth_date("991231", today), Some(d("1999-12-31")));
        // 29 Feb: 2000 was leap, and so was 1900? No: 1900 is not a leap year.
        assert_eq!(birth_date("000229", today), Some(d("2000-02-29")));
        assert_eq!(birth_date("000229", d("1999-01-01")), None);
        assert_eq!(birth_date("7408<<", today), None);
        assert_eq!(birth_date("741312", today), None);
        assert_eq!(birth_date("74081", today), None);
    }

    #[test]
    fn expiry_century() {
        let today = d("2026-11-25");
        assert_eq!(expiry_date("120415", today), Some(d("2012-04-15")));
        assert_eq!(expiry_date("760101", today), Some(d("2076-01-01")));
        assert_eq!(expiry_date("770101", today), Some(d("1977-01-01")));
        assert_eq!(expiry_date("940623", today), Some(d("1994-06-23")));
        assert_eq!(expiry_date("990101", d("2060-01-01")), Some(d("2099-01-01")));
        assert_eq!(expiry_date("12041O", today), None);
    }
}
