//! Property tests: random valid MRZs of every format parse back to their fields; a changed
//! digit under a check digit fails that check; no input makes the parser panic.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use common::{Fields, french, mrv, td1, td2, td3};
use ivs_mrz::{CheckField, Date, Format, ParseOptions, Problem, Sex, parse, parse_with};
use proptest::prelude::*;

fn today() -> Date {
    "2026-11-25".parse().unwrap()
}

fn word(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Z]{{1,{max}}}")).unwrap()
}

fn alnum(min: usize, max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Z0-9]{{{min},{max}}}")).unwrap()
}

/// A date with a two-digit-year window that round-trips: births in (today − 100 y, today],
/// expiries in 1977..=2076 (for today = 2026-11-25).
fn date_in(years: std::ops::RangeInclusive<i32>) -> impl Strategy<Value = Date> {
    (years, 1u8..=12, 1u8..=31).prop_filter_map("real date", |(y, m, d)| Date::new(y, m, d))
}

fn yymmdd(d: Date) -> String {
    format!("{:02}{:02}{:02}", d.year() % 100, d.month(), d.day())
}

#[derive(Debug, Clone)]
struct Case {
    format: Format,
    fields: Fields,
    surname: String,
    given: String,
    birth: Date,
    expiry: Date,
    lines: Vec<String>,
}

fn case() -> impl Strategy<Value = Case> {
    let format = prop::sample::select(Format::ALL.to_vec());
    let country = prop::sample::select(vec!["UTO", "D", "FRA", "GBR", "GBN", "NLD", "XXA"]);
    (
        format,
        (
            prop::collection::vec(word(8), 1..=2),
            prop::collection::vec(word(6), 0..=2),
        ),
        prop_oneof![3 => alnum(1, 9), 1 => alnum(10, 14)],
        (country.clone(), country),
        date_in(1927..=2026).prop_filter("not after today", |d| *d <= today()),
        date_in(1977..=2076),
        prop::sample::select(vec!['M', 'F', '<']),
        (prop_oneof![alnum(0, 6), alnum(0, 14)], alnum(0, 11)),
    )
        .prop_filter_map(
            "fits the format",
            |(format, (sur, giv), doc, (issuing, nat), birth, expiry, sex, (opt, opt2))| {
                build(
                    format, &sur, &giv, &doc, issuing, nat, birth, expiry, sex, &opt, &opt2,
                )
            },
        )
}

#[allow(clippy::too_many_arguments)]
fn build(
    format: Format,
    sur: &[String],
    giv: &[String],
    doc: &str,
    issuing: &str,
    nat: &str,
    birth: Date,
    expiry: Date,
    sex: char,
    opt: &str,
    opt2: &str,
) -> Option<Case> {
    let surname = sur.join(" ");
    let given = giv.join(" ");
    let names = if given.is_empty() {
        sur.join("<")
    } else {
        format!("{}<<{}", sur.join("<"), giv.join("<"))
    };
    let mut fields = Fields {
        code: match format {
            Format::Td3 => "P",
            Format::MrvA | Format::MrvB => "V",
            Format::FrenchId => "ID",
            Format::Td1 | Format::Td2 => "I",
        }
        .into(),
        issuing: issuing.into(),
        names: names.clone(),
        doc: doc.into(),
        nationality: nat.into(),
        birth: yymmdd(birth),
        sex,
        expiry: yymmdd(expiry),
        optional: opt.into(),
        optional2: opt2.into(),
    };
    let lines: Vec<String> = match format {
        Format::Td3 => {
            if names.len() > 39 || doc.len() > 9 {
                return None;
            }
            td3(&fields).to_vec()
        }
        Format::MrvA | Format::MrvB => {
            let (name_len, opt_len) = if format == Format::MrvA { (39, 16) } else { (31, 8) };
            if names.len() > name_len || doc.len() > 9 || opt.len() > opt_len {
                return None;
            }
            mrv(&fields, if format == Format::MrvA { 44 } else { 36 }).to_vec()
        }
        Format::Td2 => {
            // Long numbers: the overflow, its check digit, a filler and the optional data
            // share 7 characters.
            let room = if doc.len() > 9 { doc.len() - 9 + 2 } else { 0 };
            if names.len() > 31 || room + opt.len() > 7 || (doc.len() > 9 && room > 7) {
                return None;
            }
            if doc.len() <= 9 && opt.len() > 7 {
                return None;
            }
            td2(&fields).to_vec()
        }
        Format::Td1 => {
            let room = if doc.len() > 9 { doc.len() - 9 + 2 } else { 0 };
            if names.len() > 30 || room + opt.len() > 15 || opt.len() > 15 {
                return None;
            }
            td1(&fields).to_vec()
        }
        Format::FrenchId => {
            // Surname field 25, given names 14, office code 6, document number 12.
            let sur_field = sur.join("<");
            let giv_field = giv.join("<<");
            if sur_field.len() > 25 || giv_field.len() > 14 || doc.len() > 12 || opt.len() > 6 {
                return None;
            }
            fields.names = sur_field;
            fields.optional2 = giv_field;
            // The number starts with the issue year and month: digits.
            fields.doc = doc
                .bytes()
                .enumerate()
                .map(|(i, c)| char::from(if i < 4 { b'0' + c % 10 } else { c }))
                .collect();
            fields.issuing = "FRA".into();
            french(&fields).to_vec()
        }
    };
    Some(Case {
        format,
        fields,
        surname,
        given,
        birth,
        expiry,
        lines,
    })
}

fn options(repair: bool) -> ParseOptions {
    ParseOptions {
        today: today(),
        repair,
    }
}

proptest! {
    // The generator rejects cases that do not fit the chosen format; allow for that at
    // large PROPTEST_CASES.
    #![proptest_config(ProptestConfig {
        max_local_rejects: 10_000_000,
        max_global_rejects: 10_000_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn valid_mrz_round_trips(c in case()) {
        let m = parse(&c.lines.join("\n"), today()).unwrap();
        prop_assert_eq!(m.format, c.format);
        prop_assert!(m.is_valid(), "{:?} {:?}", m.problems, c.lines);
        prop_assert!(m.repairs.is_empty());
        prop_assert_eq!(&m.document_code, &c.fields.code);
        prop_assert_eq!(&m.issuing_country, &c.fields.issuing);
        prop_assert_eq!(&m.surname, &c.surname);
        prop_assert_eq!(&m.given_names, &c.given);
        prop_assert_eq!(&m.document_number, &c.fields.doc);
        prop_assert_eq!(m.birth_date, Some(c.birth));
        prop_assert_eq!(&m.birth_date_raw, &c.fields.birth);
        prop_assert_eq!(
            m.sex,
            Some(match c.fields.sex { 'M' => Sex::Male, 'F' => Sex::Female, _ => Sex::Unspecified })
        );
        prop_assert_eq!(&m.optional_data, &c.fields.optional);
        if c.format == Format::FrenchId {
            prop_assert_eq!(m.nationality, None);
            prop_assert_eq!(m.expiry_date, None);
        } else {
            prop_assert_eq!(m.nationality.as_deref(), Some(c.fields.nationality.as_str()));
            prop_assert_eq!(m.expiry_date, Some(c.expiry));
            prop_assert_eq!(m.expiry_date_raw.as_deref(), Some(c.fields.expiry.as_str()));
        }
        if c.format == Format::Td1 {
            prop_assert_eq!(m.optional_data_2.as_deref(), Some(c.fields.optional2.as_str()));
        }
        prop_assert_eq!(m.checks.len(), match c.format {
            Format::Td3 => 5,
            Format::Td1 | Format::Td2 => 4,
            Format::MrvA | Format::MrvB | Format::FrenchId => 3,
        });
        // The lines come back unchanged.
        prop_assert_eq!(&m.lines, &c.lines);
    }

    #[test]
    fn a_changed_digit_fails_its_check(c in case(), pick in any::<prop::sample::Index>(), bump in 1u8..=9) {
        let specs = ivs_mrz::check_specs(c.format, &c.lines);
        // Every digit under a check digit, except in the composite-only spans (those are
        // tested through the composite).
        let mut targets = Vec::new();
        for spec in &specs {
            for p in &spec.data {
                let ch = c.lines[p.line].as_bytes()[p.column];
                if ch.is_ascii_digit() {
                    targets.push((spec.field, *p));
                }
            }
        }
        prop_assume!(!targets.is_empty());
        let (field, p) = targets[pick.index(targets.len())];
        let mut lines = c.lines.clone();
        let mut bytes = lines[p.line].clone().into_bytes();
        bytes[p.column] = b'0' + (bytes[p.column] - b'0' + bump) % 10;
        lines[p.line] = String::from_utf8(bytes).unwrap();
        let text = lines.join("\n");

        // A long document number's check digit is accepted with or without the filler
        // counted, so a changed digit may satisfy the other rule (one time in ten); the
        // composite, which covers every character of the number, still fails.
        let long_number = specs.iter().any(|s| s.field == field && s.filler.is_some());
        let m = parse_with(&text, &options(false)).unwrap();
        if m.check(field) == Some(true) {
            prop_assert!(long_number, "{:?} {:?}", field, lines);
            prop_assert_eq!(m.check(CheckField::Composite), Some(false));
        } else {
            prop_assert_eq!(m.check(field), Some(false), "{:?} {:?}", field, lines);
            prop_assert!(m.problems.contains(&Problem::CheckDigit(field)));
        }
        prop_assert!(!m.is_valid());

        // With repair on, the error is never silently accepted: either the check still
        // fails or a repair is reported (or, for a long number, the MRZ is still invalid).
        let m = parse(&text, today()).unwrap();
        prop_assert!(!(m.is_valid() && m.repairs.is_empty()), "{:?}", lines);
        prop_assert!(m.check(field) == Some(false) || !m.repairs.is_empty() || long_number);
    }

    #[test]
    fn no_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse(&text, today());
    }

    #[test]
    fn no_panic_on_arbitrary_strings(s in "\\PC{0,200}") {
        let _ = parse(&s, today());
    }

    /// MRZ-shaped noise: every shape, random MRZ characters (with a bias towards the
    /// confusable ones), which drives the repair and field code through odd inputs.
    #[test]
    fn mrz_shaped_noise_keeps_invariants(
        format in prop::sample::select(Format::ALL.to_vec()),
        seed in prop::collection::vec(
            prop::sample::select(b"<<<<0O1I2Z5S8BAMCW6GQKU9XFP".to_vec()), 90..=90),
        lead in prop::sample::select(vec!["P<", "V<", "I<", "ID", "A<", "C<"]),
    ) {
        let len = format.line_len();
        let mut lines: Vec<String> = (0..format.line_count())
            .map(|i| seed.iter().cycle().skip(i * 7).take(len).map(|b| char::from(*b)).collect())
            .collect();
        let tail: String = lines[0].chars().skip(lead.len()).collect();
        lines[0] = format!("{lead}{tail}");
        if format == Format::FrenchId {
            lines[0] = format!("IDFRA{}", &lines[0][5..]);
            let mut l2 = lines[1].clone().into_bytes();
            l2[13] = b'J';
            lines[1] = String::from_utf8(l2).unwrap();
        }
        let Ok(m) = parse(&lines.join("\n"), today()) else {
            return Ok(());
        };
        prop_assert_eq!(m.is_valid(), m.problems.is_empty());
        let classes = ivs_mrz::char_classes(m.format, &lines);
        for r in &m.repairs {
            // Only the five confusion pairs, never in a letters-only position (except the
            // French card's fixed `IDFRA`).
            let pair = [r.from, r.to];
            prop_assert!(
                [['0', 'O'], ['1', 'I'], ['2', 'Z'], ['5', 'S'], ['8', 'B']]
                    .iter()
                    .any(|p| *p == pair || [p[1], p[0]] == pair),
                "{:?}", r
            );
            prop_assert!(
                classes[r.line][r.column] != ivs_mrz::CharClass::Alpha
                    || (m.format == Format::FrenchId && r.line == 0 && r.column < 5),
                "{:?}", r
            );
            prop_assert_eq!(lines[r.line].as_bytes()[r.column], r.from as u8);
        }
        // Everything not repaired is unchanged.
        let changed = m
            .lines
            .iter()
            .zip(&lines)
            .map(|(a, b)| a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count())
            .sum::<usize>();
        prop_assert_eq!(changed, m.repairs.len());
        // A repaired field's check verifies.
        for r in &m.repairs {
            prop_assert_eq!(m.check(r.field), Some(true));
        }
        let _ = CheckField::Composite;
    }
}
