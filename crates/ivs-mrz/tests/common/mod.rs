//! Builders of valid MRZs (check digits computed), shared by the test files.
#![allow(dead_code, clippy::unwrap_used)]

use ivs_mrz::check_digit;

pub fn cd(s: &str) -> char {
    char::from(b'0' + check_digit(s).unwrap())
}

pub fn pad(s: &str, n: usize) -> String {
    let mut out = s.to_owned();
    while out.len() < n {
        out.push('<');
    }
    out
}

/// The fields a builder needs; every text field in MRZ form already (`<` for spaces).
#[derive(Debug, Clone)]
pub struct Fields {
    pub code: String,
    pub issuing: String,
    pub names: String,
    pub doc: String,
    pub nationality: String,
    pub birth: String,
    pub sex: char,
    pub expiry: String,
    pub optional: String,
    pub optional2: String,
}

pub fn td3(f: &Fields) -> [String; 2] {
    let l1 = pad(
        &format!("{}{}{}", pad(&f.code, 2), pad(&f.issuing, 3), f.names),
        44,
    );
    let doc = pad(&f.doc, 9);
    let opt = pad(&f.optional, 14);
    let opt_cd = if f.optional.is_empty() { '<' } else { cd(&opt) };
    let mut l2 = format!(
        "{doc}{}{}{}{}{}{}{}{opt}{opt_cd}",
        cd(&doc),
        pad(&f.nationality, 3),
        f.birth,
        cd(&f.birth),
        f.sex,
        f.expiry,
        cd(&f.expiry)
    );
    let composite = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43]);
    l2.push(cd(&composite));
    [l1, l2]
}

pub fn td2(f: &Fields) -> [String; 2] {
    let l1 = pad(
        &format!("{}{}{}", pad(&f.code, 2), pad(&f.issuing, 3), f.names),
        36,
    );
    let (doc, opt) = if f.doc.len() > 9 {
        // Long document number: 9 characters, a filler, the rest plus its check digit in
        // the optional data.
        let rest = &f.doc[9..];
        (
            format!("{}<", &f.doc[..9]),
            pad(&format!("{rest}{}<{}", cd(&f.doc), f.optional), 7),
        )
    } else {
        let d = pad(&f.doc, 9);
        (format!("{d}{}", cd(&d)), pad(&f.optional, 7))
    };
    let mut l2 = format!(
        "{doc}{}{}{}{}{}{}{opt}",
        pad(&f.nationality, 3),
        f.birth,
        cd(&f.birth),
        f.sex,
        f.expiry,
        cd(&f.expiry)
    );
    let composite = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..35]);
    l2.push(cd(&composite));
    [l1, l2]
}

pub fn td1(f: &Fields) -> [String; 3] {
    let (doc, opt1) = if f.doc.len() > 9 {
        let rest = &f.doc[9..];
        (
            format!("{}<", &f.doc[..9]),
            pad(&format!("{rest}{}<{}", cd(&f.doc), f.optional), 15),
        )
    } else {
        let d = pad(&f.doc, 9);
        (format!("{d}{}", cd(&d)), pad(&f.optional, 15))
    };
    let l1 = format!("{}{}{doc}{opt1}", pad(&f.code, 2), pad(&f.issuing, 3));
    let mut l2 = format!(
        "{}{}{}{}{}{}{}",
        f.birth,
        cd(&f.birth),
        f.sex,
        f.expiry,
        cd(&f.expiry),
        pad(&f.nationality, 3),
        pad(&f.optional2, 11)
    );
    let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
    l2.push(cd(&composite));
    let l3 = pad(&f.names, 30);
    [l1, l2, l3]
}

pub fn mrv(f: &Fields, len: usize) -> [String; 2] {
    let l1 = pad(
        &format!("{}{}{}", pad(&f.code, 2), pad(&f.issuing, 3), f.names),
        len,
    );
    let doc = pad(&f.doc, 9);
    let l2 = format!(
        "{doc}{}{}{}{}{}{}{}{}",
        cd(&doc),
        pad(&f.nationality, 3),
        f.birth,
        cd(&f.birth),
        f.sex,
        f.expiry,
        cd(&f.expiry),
        pad(&f.optional, len - 28)
    );
    [l1, l2]
}

/// French ID: `names` is the surname field, `optional` the office code, `optional2` the
/// given-names field.
pub fn french(f: &Fields) -> [String; 2] {
    let l1 = format!("IDFRA{}{}", pad(&f.names, 25), pad(&f.optional, 6));
    let doc = pad(&f.doc, 12);
    let mut l2 = format!(
        "{doc}{}{}{}{}{}",
        cd(&doc),
        pad(&f.optional2, 14),
        f.birth,
        cd(&f.birth),
        f.sex
    );
    l2.push(cd(&format!("{l1}{l2}")));
    [l1, l2]
}
