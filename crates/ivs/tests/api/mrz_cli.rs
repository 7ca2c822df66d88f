//! `ivs mrz parse`: exit codes and the JSON contract.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

const TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n";

const KEYS: [&str; 18] = [
    "birthDate",
    "birthDateRaw",
    "checks",
    "documentCode",
    "documentNumber",
    "expiryDate",
    "expiryDateRaw",
    "format",
    "givenNames",
    "issuingCountry",
    "issuingCountryAlpha2",
    "nationality",
    "nationalityAlpha2",
    "optionalData",
    "repairs",
    "sex",
    "surname",
    "valid",
];

fn run(args: &[&str], stdin: &str) -> (i32, Value, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ivs"))
        .arg("mrz")
        .arg("parse")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "one JSON object: {stdout}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    (
        out.status.code().unwrap(),
        json,
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[test]
fn parses_the_td3_specimen() {
    let (code, v, _) = run(&["--today", "2026-11-25"], TD3);
    assert_eq!(code, 0);
    assert_eq!(keys(&v), KEYS);
    assert_eq!(v["format"], "TD3");
    assert_eq!(v["documentCode"], "P");
    assert_eq!(v["issuingCountry"], "UTO");
    assert_eq!(v["nationality"], "UTO");
    assert_eq!(v["surname"], "ERIKSSON");
    assert_eq!(v["givenNames"], "ANNA MARIA");
    assert_eq!(v["documentNumber"], "L898902C3");
    assert_eq!(v["birthDate"], "1974-08-12");
    assert_eq!(v["birthDateRaw"], "740812");
    assert_eq!(v["expiryDate"], "2012-04-15");
    assert_eq!(v["expiryDateRaw"], "120415");
    assert_eq!(v["sex"], "F");
    assert_eq!(v["optionalData"], "ZE184226B");
    assert_eq!(
        v["checks"],
        serde_json::json!({"documentNumber": true, "birthDate": true, "expiryDate": true,
                           "optionalData": true, "composite": true})
    );
    assert_eq!(v["valid"], true);
    assert_eq!(v["repairs"], serde_json::json!([]));
    assert_eq!(v["nationalityAlpha2"], Value::Null);
    assert_eq!(v["issuingCountryAlpha2"], Value::Null);
}

#[test]
fn failed_checks_still_exit_zero_and_repairs_are_listed() {
    // Expiry check digit wrong; birth date O for 0 (repaired: a date holds digits only); a
    // digit in the surname.
    let bad = TD3
        .replace("ERIKSSON", "ERIKSS0N")
        .replace("7408122", "74O8122")
        .replace("1204159", "1204158");
    let (code, v, stderr) = run(&["--today", "2026-11-25"], &bad);
    assert_eq!(code, 0);
    assert_eq!(keys(&v), KEYS);
    assert_eq!(v["valid"], false);
    assert_eq!(v["checks"]["expiryDate"], false);
    assert_eq!(v["checks"]["composite"], false);
    assert_eq!(v["checks"]["birthDate"], true);
    assert_eq!(v["birthDate"], "1974-08-12");
    assert_eq!(v["surname"], "ERIKSS0N");
    assert_eq!(
        v["repairs"],
        serde_json::json!([{"field": "birthDate", "position": 59, "from": "O", "to": "0"}])
    );
    assert!(stderr.contains("names"), "{stderr}");
    assert!(!stderr.contains("ERIKSS"), "no personal data on stderr: {stderr}");
}

#[test]
fn french_id_has_nulls_for_missing_fields() {
    let (code, v, _) = run(
        &["--today", "2026-11-25"],
        "IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<\n9409923102854CORINNE<<<<<<<6512068F4\n",
    );
    assert_eq!(code, 0);
    assert_eq!(keys(&v), KEYS);
    assert_eq!(v["format"], "FRENCH_ID");
    assert_eq!(v["expiryDate"], Value::Null);
    assert_eq!(v["expiryDateRaw"], Value::Null);
    assert_eq!(v["nationality"], Value::Null);
    assert_eq!(v["issuingCountryAlpha2"], "FR");
    assert_eq!(v["birthDate"], "1965-12-06");
    assert_eq!(
        v["checks"],
        serde_json::json!({"documentNumber": true, "birthDate": true, "composite": true})
    );
}

#[test]
fn td1_with_german_code() {
    // Two-digit year resolution follows --today.
    let l1 = "I<D<<T220001293<<<<<<<<<<<<<<<";
    let l2 = "6408125F2010315D<<<<<<<<<<<<<4";
    let l3 = "MUSTERMANN<<ERIKA<<<<<<<<<<<<<";
    let (code, v, _) = run(&["--today", "2026-11-25"], &format!("{l1}\n{l2}\n{l3}\n"));
    assert_eq!(code, 0);
    assert_eq!(v["format"], "TD1");
    assert_eq!(v["issuingCountry"], "D");
    assert_eq!(v["nationalityAlpha2"], "DE");
    assert_eq!(v["birthDate"], "1964-08-12");
    assert_eq!(v["expiryDate"], "2020-10-31");
    assert_eq!(v["valid"], true, "{v}");
}

#[test]
fn not_an_mrz_exits_two_with_an_error() {
    for input in ["", "hello\nworld\n", "P<UTO ERIKSSON\n", "\u{0}\u{1}\u{2}"] {
        let (code, v, _) = run(&["--today", "2026-11-25"], input);
        assert_eq!(code, 2, "{input:?}");
        assert_eq!(keys(&v), ["error"]);
        assert!(v["error"].as_str().unwrap().contains("MRZ"), "{v}");
    }
}

#[test]
fn default_today_is_the_clock() {
    let (code, v, _) = run(&[], TD3);
    assert_eq!(code, 0);
    assert_eq!(v["birthDate"], "1974-08-12");
}
