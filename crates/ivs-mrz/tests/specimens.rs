//! ICAO 9303 specimens for every format, the long document number, repairs and every
//! error path.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use common::{Fields, cd, td3};
use ivs_mrz::{
    CheckField, Date, Format, MrzError, ParseOptions, Problem, Sex, parse, parse_lines, parse_with,
};

fn today() -> Date {
    "2026-11-25".parse().unwrap()
}

fn d(s: &str) -> Option<Date> {
    Some(s.parse().unwrap())
}

fn checks(m: &ivs_mrz::Mrz) -> Vec<(&'static str, bool)> {
    m.checks.iter().map(|(f, ok)| (f.as_str(), *ok)).collect()
}

const TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

#[test]
fn td3_specimen() {
    let m = parse(TD3, today()).unwrap();
    assert_eq!(m.format, Format::Td3);
    assert_eq!(m.document_code, "P");
    assert_eq!(m.issuing_country, "UTO");
    assert_eq!(m.nationality.as_deref(), Some("UTO"));
    assert_eq!(m.surname, "ERIKSSON");
    assert_eq!(m.given_names, "ANNA MARIA");
    assert_eq!(m.document_number, "L898902C3");
    assert_eq!(m.birth_date_raw, "740812");
    assert_eq!(m.birth_date, d("1974-08-12"));
    assert_eq!(m.expiry_date_raw.as_deref(), Some("120415"));
    assert_eq!(m.expiry_date, d("2012-04-15"));
    assert_eq!(m.sex, Some(Sex::Female));
    assert_eq!(m.optional_data, "ZE184226B");
    assert_eq!(m.optional_data_2, None);
    assert_eq!(
        checks(&m),
        [
            ("documentNumber", true),
            ("birthDate", true),
            ("expiryDate", true),
            ("optionalData", true),
            ("composite", true)
        ]
    );
    assert!(m.is_valid(), "{:?}", m.problems);
    assert!(m.repairs.is_empty());
    assert_eq!(m.nationality_alpha2(), None);
    assert_eq!(m.issuing_country_alpha2(), None);
    assert_eq!(m.check_score(), (5, 5));
}

#[test]
fn td3_current_edition_pp_2034() {
    let m = parse(
        "PPUTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F3404159ZE184226B<<<<<16",
        today(),
    )
    .unwrap();
    assert_eq!(m.document_code, "PP");
    assert_eq!(m.expiry_date, d("2034-04-15"));
    assert!(m.is_valid(), "{:?}", m.problems);
}

#[test]
fn tolerates_whitespace_lower_case_and_run_together_lines() {
    let messy = format!(
        "\n   {}  \r\n\n\t{}\n\n",
        "p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
    );
    assert_eq!(parse(&messy, today()).unwrap(), parse(TD3, today()).unwrap());
    let joined = TD3.replace('\n', "");
    assert_eq!(parse(&joined, today()).unwrap(), parse(TD3, today()).unwrap());
    let as_lines = parse_lines(&TD3.lines().collect::<Vec<_>>(), &ParseOptions::new(today())).unwrap();
    assert_eq!(as_lines, parse(TD3, today()).unwrap());
}

#[test]
fn td2_specimen() {
    let m = parse(
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6",
        today(),
    )
    .unwrap();
    assert_eq!(m.format, Format::Td2);
    assert_eq!(m.document_code, "I");
    assert_eq!(m.surname, "ERIKSSON");
    assert_eq!(m.given_names, "ANNA MARIA");
    assert_eq!(m.document_number, "D23145890");
    assert_eq!(m.nationality.as_deref(), Some("UTO"));
    assert_eq!(m.birth_date, d("1974-08-12"));
    assert_eq!(m.expiry_date, d("2012-04-15"));
    assert_eq!(m.optional_data, "");
    assert_eq!(
        checks(&m),
        [
            ("documentNumber", true),
            ("birthDate", true),
            ("expiryDate", true),
            ("composite", true)
        ]
    );
    assert!(m.is_valid(), "{:?}", m.problems);
}

#[test]
fn td1_specimen() {
    let m = parse(
        "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        today(),
    )
    .unwrap();
    assert_eq!(m.format, Format::Td1);
    assert_eq!(m.document_number, "D23145890");
    assert_eq!(m.surname, "ERIKSSON");
    assert_eq!(m.given_names, "ANNA MARIA");
    assert_eq!(m.sex, Some(Sex::Female));
    assert_eq!(m.birth_date, d("1974-08-12"));
    assert_eq!(m.expiry_date, d("2012-04-15"));
    assert_eq!(m.optional_data, "");
    assert_eq!(m.optional_data_2.as_deref(), Some(""));
    assert_eq!(
        checks(&m),
        [
            ("documentNumber", true),
            ("birthDate", true),
            ("expiryDate", true),
            ("composite", true)
        ]
    );
    assert!(m.is_valid(), "{:?}", m.problems);
}

#[test]
fn td1_long_document_number() {
    // Part 5: a 12-character document number; position 15 holds a filler and the last
    // three characters plus the check digit run into the optional data.
    let m = parse(
        "I<UTOD23145890<1233<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<2\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        today(),
    )
    .unwrap();
    assert_eq!(m.document_number, "D23145890123");
    assert_eq!(m.optional_data, "");
    assert_eq!(m.check(CheckField::DocumentNumber), Some(true));
    assert!(m.is_valid(), "{:?}", m.problems);

    let m = parse(
        "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<",
        today(),
    )
    .unwrap();
    assert_eq!(m.document_number, "D23145890734");
    assert_eq!(m.surname, "STEVENSON");
    assert_eq!(m.given_names, "PETER JOHN");
    assert_eq!(m.sex, Some(Sex::Male));
    assert_eq!(m.birth_date, d("1934-07-12"));
    assert_eq!(m.expiry_date, d("1995-07-12"));
    assert!(m.is_valid(), "{:?}", m.problems);

    // Optional data after the long number survives, separated by a filler.
    let m = parse(
        "I<UTOD23145890<7349<AB12<<<<<<\n3407127M9507122UTO<<<<<<<<<<<8\nSTEVENSON<<PETER<JOHN<<<<<<<<<",
        today(),
    );
    let m = m.unwrap();
    assert_eq!(m.document_number, "D23145890734");
    assert_eq!(m.optional_data, "AB12");

    // A wrong digit in the overflow part fails the document number check under both rules
    // (`D23145890735`: 0 without the filler, 6 with it; printed 9).
    let wrong =
        "I<UTOD23145890<7359<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<";
    let m = parse_with(
        wrong,
        &ParseOptions {
            today: today(),
            repair: false,
        },
    )
    .unwrap();
    assert_eq!(m.check(CheckField::DocumentNumber), Some(false));
    assert_eq!(m.check(CheckField::Composite), Some(false));
    assert!(!m.is_valid());
    // With repair on, a `4` read as `5` (not one of the five confusions) is never silently
    // accepted: here one swap (`5` → `S` at column 11) satisfies the number under the
    // filler rule and the composite, and is reported as a repair (docs/mrz.md, long
    // document numbers).
    let m = parse(wrong, today()).unwrap();
    assert!(!m.is_valid() || !m.repairs.is_empty());
}

#[test]
fn belgian_long_document_number_specimen() {
    // Belgian eID specimen (PRADO BEL-BO-11004): 12-digit card number 000590696101, check
    // digit 5 over the number without the filler (with the filler it would be 7), like
    // BEL-BO-11005 below and unlike the older BEL-BO-03003.
    let m = parse(
        "IDBEL000590696<1015<<<<<<<<<<<\n9401013F2710017BEL000101123453\nSPECIMEN<<SPECIMEN<<<<<<<<<<<<",
        today(),
    )
    .unwrap();
    assert_eq!(m.document_number, "000590696101");
    assert_eq!(m.optional_data, "");
    assert_eq!(m.optional_data_2.as_deref(), Some("00010112345"));
    assert_eq!(m.nationality_alpha2(), Some("BE"));
    assert_eq!(m.birth_date, d("1994-01-01"));
    assert_eq!(m.expiry_date, d("2027-10-01"));
    assert!(m.is_valid(), "{:?}", m.problems);
}

#[test]
fn belgian_long_document_number_with_the_filler_counted() {
    // PRADO BEL-BO-03003, a Belgian eID of the older generation, as cited in public test
    // fixtures: MustelaItatsi/MrzParser tests/Unit/DocumentTest.php ('BEL-BO-03003', all
    // three lines) and cheminfo/mrz src/parsers/__tests__/check.test.ts (line 1,
    // https://www.consilium.europa.eu/prado/en/BEL-BO-03003/index.html). Its card number
    // 000590240601 carries check digit 3, which is computed over the nine principal
    // characters, the filler at position 15 and the continuation (`000590240<601`); over the
    // number alone it would be 1.
    let lines =
        "IDBEL000590240<6013<<<<<<<<<<<\n8512017F1311048BEL851201002007\nREINARTZ<<ULRIKE<KATIA<E<<<<<<";
    assert_eq!(ivs_mrz::check_digit("000590240<601"), Some(3));
    assert_eq!(ivs_mrz::check_digit("000590240601"), Some(1));
    let m = parse(lines, today()).unwrap();
    assert_eq!(m.format, Format::Td1);
    assert_eq!(m.document_code, "ID");
    assert_eq!(m.issuing_country, "BEL");
    assert_eq!(m.document_number, "000590240601");
    assert_eq!(m.optional_data, "");
    assert_eq!(m.optional_data_2.as_deref(), Some("85120100200"));
    assert_eq!(
        (m.surname.as_str(), m.given_names.as_str()),
        ("REINARTZ", "ULRIKE KATIA E")
    );
    assert_eq!(m.birth_date, d("1985-12-01"));
    assert_eq!(m.expiry_date, d("2013-11-04"));
    assert_eq!(m.sex, Some(Sex::Female));
    assert_eq!(m.check_score(), (4, 4));
    assert!(m.is_valid(), "{:?}", m.problems);
    assert!(m.repairs.is_empty());

    // A check digit that neither rule gives still fails (and the composite with it).
    let m = parse(&lines.replacen("<6013", "<6014", 1), today()).unwrap();
    assert_eq!(m.check(CheckField::DocumentNumber), Some(false));
    assert_eq!(m.check(CheckField::Composite), Some(false));
    assert!(!m.is_valid());

    // A misread in the continuation: `6O1` happens to satisfy the number's check digit
    // under the other rule, but not the composite, which finds the one swap that satisfies
    // both and repairs it.
    let misread = lines.replacen("<6013", "<6O13", 1);
    let m = parse_with(
        &misread,
        &ParseOptions {
            today: today(),
            repair: false,
        },
    )
    .unwrap();
    assert_eq!(m.check(CheckField::DocumentNumber), Some(true));
    assert_eq!(m.check(CheckField::Composite), Some(false));
    let m = parse(&misread, today()).unwrap();
    assert_eq!(m.document_number, "000590240601");
    assert_eq!(m.repairs.len(), 1);
    assert_eq!(
        (
            m.repairs[0].field,
            m.repairs[0].column,
            m.repairs[0].from,
            m.repairs[0].to
        ),
        (CheckField::Composite, 16, 'O', '0')
    );
    assert!(m.is_valid(), "{:?}", m.problems);

    // The reader's view: the document-number check spec knows the filler and passes.
    let split: Vec<&str> = lines.lines().collect();
    let spec = ivs_mrz::check_specs(Format::Td1, &split)
        .into_iter()
        .find(|s| s.field == CheckField::DocumentNumber)
        .unwrap();
    assert_eq!(spec.filler, Some(ivs_mrz::Pos { line: 0, column: 14 }));
    assert_eq!(spec.check, ivs_mrz::Pos { line: 0, column: 18 });
    assert!(spec.passes(&split));
}

#[test]
fn belgian_long_document_number_without_the_filler() {
    // PRADO BEL-BO-11005 as cited by cheminfo/mrz src/parse/__tests__/td1.test.ts (which
    // changed the specimen's issuing state UTO to BEL) and MustelaItatsi/MrzParser: the
    // newer generation computes the check digit over the number alone (`600001795015` → 2;
    // with the filler it would be 0).
    assert_eq!(ivs_mrz::check_digit("600001795015"), Some(2));
    assert_eq!(ivs_mrz::check_digit("600001795<015"), Some(0));
    let m = parse(
        "IDBEL600001795<0152<<<<<<<<<<<\n1301014F2311207BEL130101987398\nSPECIMEN<<SPECIMEN<<<<<<<<<<<<",
        today(),
    )
    .unwrap();
    assert_eq!(m.document_number, "600001795015");
    assert_eq!(m.optional_data_2.as_deref(), Some("13010198739"));
    assert_eq!(m.birth_date, d("2013-01-01"));
    assert_eq!(m.expiry_date, d("2023-11-20"));
    assert!(m.is_valid(), "{:?}", m.problems);
}

#[test]
fn td2_long_document_number_with_the_filler_counted() {
    // Doc 9303 Part 6 continues a long TD2 number in the optional data the way Part 5 does
    // for TD1; ivs accepts the check digit computed either way there too. D23145890 + 12:
    // 2 with the filler, 0 without.
    assert_eq!(ivs_mrz::check_digit("D23145890<12"), Some(2));
    assert_eq!(ivs_mrz::check_digit("D2314589012"), Some(0));
    let first = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<";
    let with_filler = "D23145890<UTO7408122F1204159122<<<<2";
    let m = parse(&format!("{first}\n{with_filler}"), today()).unwrap();
    assert_eq!(m.format, Format::Td2);
    assert_eq!(m.document_number, "D2314589012");
    assert_eq!(m.optional_data, "");
    assert_eq!(m.check_score(), (4, 4));
    assert!(m.is_valid(), "{:?}", m.problems);
    // A TD3 has no long document number: its optional data is the personal number.
    let td3 = ivs_mrz::check_specs(
        Format::Td3,
        &[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C3<UTO7408122F1204159ZE184226B<<<<<10",
        ],
    );
    assert!(td3.iter().all(|s| s.filler.is_none()));
}

#[test]
fn mrva_specimen() {
    let m = parse(
        "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<<<",
        today(),
    )
    .unwrap();
    assert_eq!(m.format, Format::MrvA);
    assert_eq!(m.document_code, "V");
    assert_eq!(m.document_number, "L898902C");
    assert_eq!(m.birth_date, d("1969-08-06"));
    assert_eq!(m.expiry_date, d("1994-06-23"));
    assert_eq!(m.optional_data, "ZE184226B");
    assert_eq!(
        checks(&m),
        [
            ("documentNumber", true),
            ("birthDate", true),
            ("expiryDate", true)
        ]
    );
    assert!(m.is_valid(), "{:?}", m.problems);
}

#[test]
fn mrvb_specimen() {
    let m = parse(
        "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226",
        today(),
    )
    .unwrap();
    assert_eq!(m.format, Format::MrvB);
    assert_eq!(m.document_number, "L898902C");
    assert_eq!(m.optional_data, "ZE184226");
    assert_eq!(m.check(CheckField::Composite), None);
    assert!(m.is_valid(), "{:?}", m.problems);
}

#[test]
fn french_id_specimens() {
    let m = parse(
        "IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<\n9409923102854CORINNE<<<<<<<6512068F4",
        today(),
    )
    .unwrap();
    assert_eq!(m.format, Format::FrenchId);
    assert_eq!(m.document_code, "ID");
    assert_eq!(m.issuing_country, "FRA");
    assert_eq!(m.issuing_country_alpha2(), Some("FR"));
    assert_eq!(m.nationality, None);
    assert_eq!(m.implied_nationality(), Some("FRA"));
    assert_eq!(m.surname, "BERTHIER");
    assert_eq!(m.given_names, "CORINNE");
    assert_eq!(m.document_number, "940992310285");
    assert_eq!(m.birth_date, d("1965-12-06"));
    assert_eq!(m.expiry_date, None);
    assert_eq!(m.expiry_date_raw, None);
    assert_eq!(m.sex, Some(Sex::Female));
    assert_eq!(
        checks(&m),
        [("documentNumber", true), ("birthDate", true), ("composite", true)]
    );
    assert!(m.is_valid(), "{:?}", m.problems);

    // Innovatrics mrz-java fixture: office code in the optional data, two given names.
    let m = parse(
        "IDFRAPETE<<<<<<<<<<<<<<<<<<<<<952042\n0509952018746NICOLAS<<PAUL<8206152M3",
        today(),
    )
    .unwrap();
    assert_eq!(m.surname, "PETE");
    assert_eq!(m.given_names, "NICOLAS PAUL");
    assert_eq!(m.document_number, "050995201874");
    assert_eq!(m.optional_data, "952042");
    assert_eq!(m.birth_date, d("1982-06-15"));
    assert_eq!(m.sex, Some(Sex::Male));
    assert!(m.is_valid(), "{:?}", m.problems);
}

#[test]
fn icao_country_specials() {
    let f = Fields {
        code: "P".into(),
        issuing: "D".into(),
        names: "MUSTERMANN<<ERIKA".into(),
        doc: "C01X00T47".into(),
        nationality: "D".into(),
        birth: "640812".into(),
        sex: 'F',
        expiry: "310801".into(),
        optional: String::new(),
        optional2: String::new(),
    };
    let [l1, l2] = td3(&f);
    let m = parse(&format!("{l1}\n{l2}"), today()).unwrap();
    assert_eq!(m.issuing_country, "D");
    assert_eq!(m.nationality.as_deref(), Some("D"));
    assert_eq!(m.nationality_alpha2(), Some("DE"));
    assert_eq!(m.issuing_country_alpha2(), Some("DE"));
    // Empty personal number with a filler check digit.
    assert_eq!(m.check(CheckField::OptionalData), Some(true));
    assert!(m.is_valid(), "{:?}", m.problems);

    let f = Fields {
        issuing: "GBR".into(),
        nationality: "GBN".into(),
        ..f
    };
    let [l1, l2] = td3(&f);
    let m = parse(&format!("{l1}\n{l2}"), today()).unwrap();
    assert_eq!(m.nationality_alpha2(), Some("GB"));
}

// ---------------------------------------------------------------- problems (exit 0)

fn td3_lines(edit: impl FnOnce(&mut Vec<u8>, &mut Vec<u8>)) -> String {
    let mut it = TD3.lines();
    let mut l1 = it.next().unwrap().as_bytes().to_vec();
    let mut l2 = it.next().unwrap().as_bytes().to_vec();
    edit(&mut l1, &mut l2);
    format!(
        "{}\n{}",
        String::from_utf8(l1).unwrap(),
        String::from_utf8(l2).unwrap()
    )
}

#[test]
fn digit_in_a_name_is_an_error_and_never_repaired() {
    let m = parse(&td3_lines(|l1, _| l1[11] = b'0'), today()).unwrap(); // ERIKSS0N
    assert_eq!(m.surname, "ERIKSS0N");
    assert!(!m.names_valid());
    assert!(m.problems.contains(&Problem::Names));
    assert!(!m.is_valid());
    assert!(m.repairs.is_empty());
    // Every check digit still verifies: names are not check-protected.
    assert_eq!(m.check_score(), (5, 5));

    let m = parse(&td3_lines(|l1, _| l1[17] = b'1'), today()).unwrap(); // AN1A
    assert_eq!(m.given_names, "AN1A MARIA");
    assert_eq!(m.problems, [Problem::Names]);
}

#[test]
fn each_check_digit_reports_its_own_field() {
    let cases: [(usize, CheckField); 5] = [
        (9, CheckField::DocumentNumber),
        (19, CheckField::BirthDate),
        (27, CheckField::ExpiryDate),
        (42, CheckField::OptionalData),
        (43, CheckField::Composite),
    ];
    for (col, field) in cases {
        let m = parse_with(
            &td3_lines(|_, l2| l2[col] = if l2[col] == b'7' { b'4' } else { b'7' }),
            &ParseOptions {
                today: today(),
                repair: true,
            },
        )
        .unwrap();
        let failed: Vec<CheckField> = m.checks.iter().filter(|(_, ok)| !ok).map(|(f, _)| *f).collect();
        // The composite covers the other check digits, so it fails with them.
        let mut expected = vec![field];
        if field != CheckField::Composite {
            expected.push(CheckField::Composite);
        }
        assert_eq!(failed, expected, "column {col}");
        let problems: Vec<Problem> = expected.into_iter().map(Problem::CheckDigit).collect();
        assert_eq!(m.problems, problems);
    }
}

#[test]
fn malformed_fields_are_problems() {
    // Sex 'Q'.
    let m = parse(&td3_lines(|_, l2| l2[20] = b'Q'), today()).unwrap();
    assert_eq!(m.sex, None);
    assert_eq!(m.problems, [Problem::Sex]);
    // '<' and 'X' are unspecified.
    let m = parse(&td3_lines(|_, l2| l2[20] = b'<'), today()).unwrap();
    assert_eq!(m.sex, Some(Sex::Unspecified));
    assert!(m.is_valid());
    // Nationality with a digit (not repaired: no check digit covers it).
    let m = parse(&td3_lines(|_, l2| l2[11] = b'7'), today()).unwrap();
    assert_eq!(m.nationality.as_deref(), Some("U7O"));
    assert_eq!(m.problems, [Problem::Nationality]);
    assert!(m.repairs.is_empty());
    // Issuing state with a digit.
    let m = parse(&td3_lines(|l1, _| l1[3] = b'7'), today()).unwrap();
    assert_eq!(m.problems, [Problem::IssuingCountry]);
    // Wrong document code for the format.
    let m = parse(&td3_lines(|l1, _| l1[0] = b'I'), today()).unwrap();
    assert_eq!(m.format, Format::Td3);
    assert_eq!(m.problems, [Problem::DocumentCode]);
}

#[test]
fn impossible_dates_with_valid_check_digits() {
    let f = Fields {
        code: "P".into(),
        issuing: "UTO".into(),
        names: "ERIKSSON<<ANNA".into(),
        doc: "L898902C3".into(),
        nationality: "UTO".into(),
        birth: "741312".into(),
        sex: 'F',
        expiry: "120231".into(),
        optional: String::new(),
        optional2: String::new(),
    };
    let [l1, l2] = td3(&f);
    let m = parse(&format!("{l1}\n{l2}"), today()).unwrap();
    assert_eq!(m.check_score(), (5, 5));
    assert_eq!(m.birth_date, None);
    assert_eq!(m.birth_date_raw, "741312");
    assert_eq!(m.expiry_date, None);
    assert_eq!(m.problems, [Problem::BirthDate, Problem::ExpiryDate]);
    // Unknown day and month, printed as fillers (allowed by Part 3), is not a date either.
    let f = Fields {
        birth: "74<<<<".into(),
        expiry: "120415".into(),
        ..f
    };
    let [l1, l2] = td3(&f);
    let m = parse(&format!("{l1}\n{l2}"), today()).unwrap();
    assert_eq!(m.check(CheckField::BirthDate), Some(true));
    assert_eq!(m.birth_date, None);
    assert_eq!(m.problems, [Problem::BirthDate]);
}

// ---------------------------------------------------------------- repairs

#[test]
fn repairs_a_letter_o_in_the_document_number() {
    let m = parse(&td3_lines(|_, l2| l2[5] = b'O'), today()).unwrap(); // L8989O2C3
    assert_eq!(m.document_number, "L898902C3");
    assert!(m.is_valid(), "{:?}", m.problems);
    assert_eq!(m.repairs.len(), 1);
    let r = m.repairs[0];
    assert_eq!(
        (r.field, r.line, r.column, r.position, r.from, r.to),
        (CheckField::DocumentNumber, 1, 5, 49, 'O', '0')
    );

    // Without repair the check fails.
    let m = parse_with(
        &td3_lines(|_, l2| l2[5] = b'O'),
        &ParseOptions {
            today: today(),
            repair: false,
        },
    )
    .unwrap();
    assert_eq!(m.check(CheckField::DocumentNumber), Some(false));
    assert!(m.repairs.is_empty());
}

#[test]
fn repairs_letters_in_dates_and_check_digits() {
    // Birth date 74O812 → 740812 (a date holds digits only), expiry check 'S' → '5'?
    // The expiry check digit of the specimen is 9; use the composite '0' → 'O' instead.
    let m = parse(
        &td3_lines(|_, l2| {
            l2[15] = b'O';
            l2[43] = b'O';
            l2[16] = b'B';
        }),
        today(),
    )
    .unwrap();
    assert_eq!(m.birth_date, d("1974-08-12"));
    assert!(m.is_valid(), "{:?}", m.problems);
    let got: Vec<(CheckField, usize, char, char)> = m
        .repairs
        .iter()
        .map(|r| (r.field, r.column, r.from, r.to))
        .collect();
    assert_eq!(
        got,
        [
            (CheckField::BirthDate, 15, 'O', '0'),
            (CheckField::BirthDate, 16, 'B', '8'),
            (CheckField::Composite, 43, 'O', '0')
        ]
    );
    assert_eq!(m.lines[1], TD3.lines().nth(1).unwrap());
}

#[test]
fn ambiguous_repairs_are_refused() {
    // Document number AB5128O12 printed with check digit 1: both AB5I28O12 and AB51Z8O12
    // would verify, so neither is chosen.
    let f = Fields {
        code: "P".into(),
        issuing: "UTO".into(),
        names: "ERIKSSON<<ANNA".into(),
        doc: "AB5I28O12".into(),
        nationality: "UTO".into(),
        birth: "740812".into(),
        sex: 'F',
        expiry: "120415".into(),
        optional: String::new(),
        optional2: String::new(),
    };
    let [l1, mut l2] = td3(&f);
    l2.replace_range(3..4, "1"); // the OCR read I as 1
    let m = parse(&format!("{l1}\n{l2}"), today()).unwrap();
    assert_eq!(m.document_number, "AB5128O12");
    assert!(m.repairs.is_empty());
    assert_eq!(m.check(CheckField::DocumentNumber), Some(false));
}

#[test]
fn a_swap_must_also_satisfy_the_composite() {
    // The document-number check digit 6 misread as 5. Swapping the first 8 for B
    // (LB98902C3) would satisfy the check digit 5, and it is the only such swap, but the
    // composite disagrees, so nothing is changed.
    let m = parse(&td3_lines(|_, l2| l2[9] = b'5'), today()).unwrap();
    assert_eq!(m.document_number, "L898902C3");
    assert!(m.repairs.is_empty(), "{:?}", m.repairs);
    assert_eq!(m.check(CheckField::DocumentNumber), Some(false));
    assert_eq!(m.check(CheckField::Composite), Some(false));
}

#[test]
fn confusions_invisible_to_check_digits_are_left_alone() {
    // C (12) and M (22) differ by 10: the check digit cannot tell them apart, so a C read
    // as M verifies and stays M. ivs never "repairs" such pairs.
    let m = parse(&td3_lines(|_, l2| l2[7] = b'M'), today()).unwrap();
    assert_eq!(m.document_number, "L898902M3");
    assert_eq!(m.check(CheckField::DocumentNumber), Some(true));
    assert!(m.repairs.is_empty());
    // A filler (0) read as U (30) in the personal number: same.
    let m = parse(&td3_lines(|_, l2| l2[37] = b'U'), today()).unwrap();
    assert_eq!(m.optional_data, "ZE184226BU");
    assert_eq!(m.check(CheckField::OptionalData), Some(true));
    assert!(m.repairs.is_empty());
}

#[test]
fn td1_optional_data_repaired_under_the_composite() {
    let l1 = "I<UTOD231458907<<<<<<<<<<<<<<<";
    let l3 = "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    // Optional data 2 "AB1" printed, read as "AB I"... use 'AB1' with composite computed.
    let mut l2 = String::from("7408122F1204159UTOAB1<<<<<<<<");
    let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
    l2.push(cd(&composite));
    let good = parse(&format!("{l1}\n{l2}\n{l3}"), today()).unwrap();
    assert!(good.is_valid(), "{:?}", good.problems);
    assert_eq!(good.optional_data_2.as_deref(), Some("AB1"));
    let misread = l2.replace("AB1", "ABI");
    let m = parse(&format!("{l1}\n{misread}\n{l3}"), today()).unwrap();
    assert_eq!(m.optional_data_2.as_deref(), Some("AB1"));
    assert_eq!(m.repairs.len(), 1);
    assert_eq!(m.repairs[0].field, CheckField::Composite);
    assert!(m.is_valid());
}

// ---------------------------------------------------------------- not an MRZ

#[test]
fn error_paths() {
    assert_eq!(parse("", today()), Err(MrzError::Empty));
    assert_eq!(parse(" \n\t\n", today()), Err(MrzError::Empty));
    assert_eq!(
        parse("hello\nworld", today()),
        Err(MrzError::Shape { lengths: vec![5, 5] })
    );
    // Right lengths, wrong count.
    let l44 = "P".to_owned() + &"<".repeat(43);
    assert!(matches!(parse(&l44, today()), Err(MrzError::Shape { .. })));
    assert!(matches!(
        parse(&format!("{l44}\n{l44}\n{l44}"), today()),
        Err(MrzError::Shape { .. })
    ));
    assert!(matches!(
        parse(&format!("{l44}\n{l44}\n{l44}\n{l44}\n{l44}"), today()),
        Err(MrzError::Shape { .. })
    ));
    // Mixed lengths.
    assert!(matches!(
        parse(&format!("{l44}\n{}", "<".repeat(36)), today()),
        Err(MrzError::Shape { .. })
    ));
    // A character outside the MRZ alphabet.
    let bad = TD3.replace("ERIKSSON", "ERIK SON");
    assert_eq!(
        parse(&bad, today()),
        Err(MrzError::InvalidCharacter { line: 1, column: 10 })
    );
    let bad = TD3.replace("ZE184226B", "ZE18«226B");
    assert_eq!(
        parse(&bad, today()),
        Err(MrzError::InvalidCharacter { line: 2, column: 33 })
    );
    // The document code must start with a letter.
    let bad = TD3.replacen('P', "1", 1);
    assert_eq!(parse(&bad, today()), Err(MrzError::DocumentCode));
    let bad = TD3.replacen('P', "<", 1);
    assert_eq!(parse(&bad, today()), Err(MrzError::DocumentCode));
    // Error messages are readable.
    assert!(
        MrzError::Shape { lengths: vec![5] }
            .to_string()
            .starts_with("not an MRZ")
    );
}

// ---------------------------------------------------------------- cheminfo/mrz fixtures
// From cheminfo/mrz (MIT), src/parse/__tests__/{td1,td2,td3,frenchNationalId}.test.ts.
// cheminfo "autocorrects" names and codes, and check digits through G → 6; ivs does neither.

#[test]
fn cheminfo_td1_fixtures() {
    let m = parse(
        "IDCHEA1234567<6<<<<<<<<<<<<<<<\n7510256M2009018CHE<<<<<<<<<<<8\nSMITH<<JOHN<ALBERT<<<<<<<<<<<<",
        today(),
    )
    .unwrap();
    assert_eq!(m.document_code, "ID");
    assert_eq!(m.document_number, "A1234567");
    assert_eq!(m.birth_date, d("1975-10-25"));
    assert_eq!(m.expiry_date, d("2020-09-01"));
    assert_eq!(m.nationality_alpha2(), Some("CH"));
    assert_eq!(
        (m.surname.as_str(), m.given_names.as_str()),
        ("SMITH", "JOHN ALBERT")
    );
    assert!(m.is_valid(), "{:?}", m.problems);

    let m = parse(
        "I<UTOD231458907ABC<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<1\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        today(),
    )
    .unwrap();
    assert_eq!(m.optional_data, "ABC");
    assert!(m.is_valid(), "{:?}", m.problems);

    let m = parse(
        "I<UTOD23145890<1240<XYZ<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<8\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        today(),
    )
    .unwrap();
    assert_eq!(m.document_number, "D23145890124");
    assert_eq!(m.optional_data, "XYZ");
    // cheminfo computed this check digit (0) with the filler of position 15 included, as
    // the older Belgian cards do (over the number alone it would be 4): accepted.
    assert_eq!(ivs_mrz::check_digit("D23145890124"), Some(4));
    assert_eq!(ivs_mrz::check_digit("D23145890<124"), Some(0));
    assert_eq!(m.check(CheckField::DocumentNumber), Some(true));
    assert!(m.is_valid(), "{:?}", m.problems);

    let m = parse(
        "I<CHED231458907ABC<<<<<<<<<<<<\n7408122F1204159CHE<<<<<<<<<<<1\n<<ANNA<MARIA<<<<<<<<<<<<<<<<<<",
        today(),
    )
    .unwrap();
    assert_eq!((m.surname.as_str(), m.given_names.as_str()), ("", "ANNA MARIA"));
    assert!(m.is_valid(), "{:?}", m.problems);

    // Misread birth date repaired; misread names reported, not changed.
    let m = parse(
        "IDCHEA1234567<6<<<<<<<<<<<<<<<\n75IOZ56M2009018CHE<<<<<<<<<<<8\n5M1TH<<J0HN<AL8ERT<<<<<<<<<<<<",
        today(),
    )
    .unwrap();
    assert_eq!(m.birth_date, d("1975-10-25"));
    assert_eq!(m.repairs.len(), 3);
    assert_eq!(m.surname, "5M1TH");
    assert_eq!(m.problems, [Problem::Names]);
}

#[test]
fn cheminfo_td3_fixtures() {
    let m = parse(
        "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\nC01X0006H1D<<6408125F1710319<<<<<<<<<<<<<<<0",
        today(),
    )
    .unwrap();
    assert_eq!(m.document_number, "C01X0006H");
    assert_eq!(m.expiry_date, d("2017-10-31"));
    assert_eq!(m.optional_data, "");
    assert!(m.is_valid(), "{:?}", m.problems);

    let m = parse(
        "P<IND<<FIRST<NAME<<<<<<<<<<<<<<<<<<<<<<<<<<<\nC01X0006H1D<<6408125F1710319<<<<<<<<<<<<<<<0",
        today(),
    )
    .unwrap();
    assert_eq!((m.surname.as_str(), m.given_names.as_str()), ("", "FIRST NAME"));
    assert_eq!(m.issuing_country_alpha2(), Some("IN"));
    assert!(m.is_valid(), "{:?}", m.problems);

    // cheminfo's autocorrection input: dates and the composite are repaired under their
    // check digits; the issuing state UT0 and the name ERIK55ON are left and reported.
    let m = parse(
        "P<UT0ERIK55ON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO740BIZZF12041S9ZE184226B<<<<<1O",
        today(),
    )
    .unwrap();
    assert_eq!(m.check_score(), (5, 5));
    assert_eq!(m.birth_date, d("1974-08-12"));
    assert_eq!(m.expiry_date, d("2012-04-15"));
    assert_eq!(m.lines[1], TD3.lines().nth(1).unwrap());
    assert_eq!(m.surname, "ERIK55ON");
    assert_eq!(m.issuing_country, "UT0");
    assert_eq!(m.problems, [Problem::IssuingCountry, Problem::Names]);
}

#[test]
fn cheminfo_td2_autocorrect_input() {
    let m = parse(
        "I<UTOERIK55ON<<ANNA<MAR1A<<<<<<<<<<<\nD231458907UT0740BIZZF12O4IS9<<<<<<<G",
        today(),
    )
    .unwrap();
    assert_eq!(m.birth_date, d("1974-08-12"));
    assert_eq!(m.expiry_date, d("2012-04-15"));
    // G and 6 differ by 10: the composite check digit G is not guessed.
    assert_eq!(m.check(CheckField::Composite), Some(false));
    assert_eq!(
        m.problems,
        [
            Problem::CheckDigit(CheckField::Composite),
            Problem::Nationality,
            Problem::Names
        ]
    );
}

#[test]
fn cheminfo_french_id_fixture() {
    let m = parse(
        "IDFRATEST<NAME<<<<<<<<<<<<<<<<0CHE02\n1710GVA123451ROBERTA<<<<<<<9112311F2",
        today(),
    )
    .unwrap();
    assert_eq!(m.format, Format::FrenchId);
    assert_eq!(m.surname, "TEST NAME");
    assert_eq!(m.given_names, "ROBERTA");
    assert_eq!(m.document_number, "1710GVA12345");
    assert_eq!(m.optional_data, "0CHE02");
    assert_eq!(m.birth_date, d("1991-12-31"));
    assert!(m.is_valid(), "{:?}", m.problems);
    // The misread variant: the birth date (all forced) is repaired; the document number
    // needs two swaps (I7I0 → 1710), which is more than one optional swap: left failing.
    let m = parse(
        "IDFRATEST<NAME<<<<<<<<<<<<<<<<0CHE02\nI7I0GVA123451ROBERTA<<<<<<<9IIZ3IIF2",
        today(),
    )
    .unwrap();
    assert_eq!(m.birth_date, d("1991-12-31"));
    assert_eq!(m.check(CheckField::BirthDate), Some(true));
    // The number starts with the issue year and month (digits only): `I7I0` must be `1710`.
    assert_eq!(m.document_number, "1710GVA12345");
    assert_eq!(m.check(CheckField::DocumentNumber), Some(true));
    assert!(m.is_valid(), "{:?}", m.problems);
}

#[test]
fn cheminfo_french_id_autocorrect_input_is_found_and_repaired() {
    // cheminfo/mrz src/parse/__tests__/frenchNationalId.test.ts, 'Use autocorrect': `1D`
    // for `ID`, `5`/`8` in the names, `I`/`Z` in the number and the birth date. ivs used
    // to refuse it (a line 1 that starts with a digit is not an MRZ).
    let m = parse(
        "1DFRATE5T<NAME<<<<<<<<<<<<<<<<0CHE02\nI7I0GVA123451RO8ERTA<<<<<<<9IIZ3IIF2",
        today(),
    )
    .unwrap();
    assert_eq!(m.format, Format::FrenchId);
    // Number, birth date and its check digit repaired under their check digits.
    assert_eq!(m.document_number, "1710GVA12345");
    assert_eq!(m.birth_date, d("1991-12-31"));
    assert_eq!(m.lines[1], "1710GVA123451RO8ERTA<<<<<<<9112311F2");
    assert_eq!(m.repairs.len(), 7);
    assert!(
        m.repairs
            .iter()
            .all(|r| r.line == 1 && matches!(r.field, CheckField::DocumentNumber | CheckField::BirthDate))
    );
    // Names are never repaired: reported, and the composite (which covers them) fails, so
    // the document code is not restored either.
    assert_eq!(
        (m.surname.as_str(), m.given_names.as_str()),
        ("TE5T NAME", "RO8ERTA")
    );
    assert_eq!(m.document_code, "1D");
    assert_eq!(
        m.problems,
        [
            Problem::CheckDigit(CheckField::Composite),
            Problem::DocumentCode,
            Problem::Names
        ]
    );
    assert!(!m.is_valid());
}

/// PRADO FRA-BO-02002 (the specimen of `french_id_specimens`).
const FRENCH: [&str; 2] = [
    "IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<",
    "9409923102854CORINNE<<<<<<<6512068F4",
];

#[test]
fn french_id_read_with_confusions_is_found_and_repaired() {
    // `1D` for `ID`, `O` in the issue date, `S`/`I`/`O` in the birth date, `B` for its
    // check digit: found by its shape, every field repaired under its check digit, the
    // document code under the composite.
    let m = parse(
        "1DFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<\n94O9923102854CORINNE<<<<<<<6SI2O6BF4",
        today(),
    )
    .unwrap();
    assert_eq!(m.format, Format::FrenchId);
    assert_eq!(m.lines, FRENCH);
    assert_eq!(m.document_code, "ID");
    assert_eq!(m.document_number, "940992310285");
    assert_eq!(m.birth_date, d("1965-12-06"));
    assert!(m.is_valid(), "{:?}", m.problems);
    let fixed: Vec<(CheckField, usize, usize, char, char)> = m
        .repairs
        .iter()
        .map(|r| (r.field, r.line, r.column, r.from, r.to))
        .collect();
    assert_eq!(
        fixed,
        [
            (CheckField::DocumentNumber, 1, 2, 'O', '0'),
            (CheckField::BirthDate, 1, 28, 'S', '5'),
            (CheckField::BirthDate, 1, 29, 'I', '1'),
            (CheckField::BirthDate, 1, 31, 'O', '0'),
            (CheckField::BirthDate, 1, 33, 'B', '8'),
            (CheckField::Composite, 0, 0, '1', 'I'),
        ]
    );
    // Without repair the shape is still found; the fields are reported as read.
    let m = parse_with(
        "1DFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<\n94O9923102854CORINNE<<<<<<<6SI2O6BF4",
        &ParseOptions {
            today: today(),
            repair: false,
        },
    )
    .unwrap();
    assert_eq!(m.format, Format::FrenchId);
    assert_eq!(m.document_code, "1D");
    assert!(m.problems.contains(&Problem::DocumentCode));
}

#[test]
fn french_id_with_a_given_name_read_as_a_digit_where_td2_has_its_birth_date() {
    // `SOPHIE` read `5OPHIE`: a digit at column 14 of line 2, where TD2 prints the birth
    // date, once made this card a TD2. The shape says French: dates where the French card
    // has them, and no nationality (`285`) where TD2 has it.
    let first = "IDFRADUPONT<DURAND<<<<<<<<<<<<<<<<<<";
    let second = "8806923102858SOPHIE<<MARIE<8503127F3";
    let m = parse(&format!("{first}\n{second}"), today()).unwrap();
    assert_eq!(m.format, Format::FrenchId);
    assert!(m.is_valid(), "{:?}", m.problems);
    let misread = second.replacen("SOPHIE", "5OPHIE", 1);
    let m = parse(&format!("{first}\n{misread}"), today()).unwrap();
    assert_eq!(m.format, Format::FrenchId);
    assert_eq!(m.given_names, "5OPHIE MARIE");
    assert_eq!(m.birth_date, d("1985-03-12"));
    assert_eq!(m.check(CheckField::DocumentNumber), Some(true));
    assert_eq!(m.check(CheckField::BirthDate), Some(true));
    assert_eq!(
        m.problems,
        [Problem::CheckDigit(CheckField::Composite), Problem::Names]
    );
    assert!(m.repairs.is_empty());
}

#[test]
fn a_misread_name_is_not_hidden_by_a_composite_repair_elsewhere() {
    // French card: the composite covers the names. With `SIMON` read `5IMON`, swapping the
    // office code's last `2` for `Z` would make the composite verify (the only such swap),
    // which would hide the misread name behind a wrong office code. Nothing is repaired.
    let second = "8806923102858PAUL<<<<<<<<<<8503127M1";
    let good = format!("IDFRASIMON<<<<<<<<<<<<<<<<<<<<0CHE02\n{second}");
    assert!(parse(&good, today()).unwrap().is_valid());
    let m = parse(&good.replacen("SIMON", "5IMON", 1), today()).unwrap();
    assert_eq!(m.format, Format::FrenchId);
    assert!(m.repairs.is_empty(), "{:?}", m.repairs);
    assert_eq!(m.optional_data, "0CHE02");
    assert_eq!(
        m.problems,
        [Problem::CheckDigit(CheckField::Composite), Problem::Names]
    );
}

#[test]
fn confusions_do_not_move_a_two_line_36_between_french_id_and_td2() {
    let confused = |c: u8| match c {
        b'0' => Some(b'O'),
        b'O' => Some(b'0'),
        b'1' => Some(b'I'),
        b'I' => Some(b'1'),
        b'2' => Some(b'Z'),
        b'Z' => Some(b'2'),
        b'5' => Some(b'S'),
        b'S' => Some(b'5'),
        b'8' => Some(b'B'),
        b'B' => Some(b'8'),
        _ => None,
    };
    let cases: [([&str; 2], Format); 7] = [
        (FRENCH, Format::FrenchId),
        (
            [
                "IDFRAPETE<<<<<<<<<<<<<<<<<<<<<952042",
                "0509952018746NICOLAS<<PAUL<8206152M3",
            ],
            Format::FrenchId,
        ),
        (
            [
                "IDFRATEST<NAME<<<<<<<<<<<<<<<<0CHE02",
                "1710GVA123451ROBERTA<<<<<<<9112311F2",
            ],
            Format::FrenchId,
        ),
        // TD2 cards, one from France, one with every date digit a confusable one.
        (
            [
                "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                "D231458907UTO7408122F1204159<<<<<<<6",
            ],
            Format::Td2,
        ),
        (
            [
                "IDFRAERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                "D231458907FRA7408122F1204159<<<<<<<6",
            ],
            Format::Td2,
        ),
        (
            [
                "IDFRAERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                "D231458907FRA8501020F2501084<<<<<<<8",
            ],
            Format::Td2,
        ),
        // MRV-B.
        (
            [
                "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                "L8988901C4XXX4009078F9612109<<<<<<<<",
            ],
            Format::MrvB,
        ),
    ];
    for (lines, format) in cases {
        assert_eq!(Format::detect(&lines), Some(format), "{lines:?}");
        // Every single confusion, anywhere: the same format.
        for (li, line) in lines.iter().enumerate() {
            for (col, c) in line.bytes().enumerate() {
                let Some(a) = confused(c) else { continue };
                let mut changed = lines.map(|l| l.as_bytes().to_vec());
                changed[li][col] = a;
                assert_eq!(
                    Format::detect(&changed),
                    Some(format),
                    "{lines:?} with {} at {li}:{col}",
                    char::from(a)
                );
            }
        }
    }
    // Confusions everywhere at once.
    let french = "1DFRA8ERTHIER<<<<<<<<<<<<<<<<<<<<<<<\n94O99Z31OZB54CORINNE<<<<<<<6SIZO6BF4";
    assert_eq!(parse(french, today()).unwrap().format, Format::FrenchId);
    let td2 = "IDFRAERIK55ON<<ANNA<MAR1A<<<<<<<<<<<\nDZ3I4S89O7FRA74O8IZZFIZO4IS9<<<<<<<6";
    assert_eq!(parse(td2, today()).unwrap().format, Format::Td2);
}
