//! `ivs mrz eval` and `ivs doc synth`, end to end through the binary.
// Helpers below are test code too (clippy only exempts `#[test]` functions themselves).
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ivs-doc/tests/fixtures/mrz-photos")
}

fn eval_json(dir: &std::path::Path, predictions: &std::path::Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_ivs"))
        .args(["mrz", "eval"])
        .arg(dir)
        .arg("--predictions")
        .arg(predictions)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_photo_truth_covers_all_19_images_with_well_formed_lines() {
    let truth: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture().join("truth.json")).unwrap()).unwrap();
    assert_eq!(truth.len(), 19);
    for (file, t) in &truth {
        assert!(fixture().join(file).exists(), "{file} missing");
        let (n, len) = match t["format"].as_str().unwrap() {
            "TD1" => (3, 30),
            "TD2" | "MRVB" | "FRENCH_ID" => (2, 36),
            "TD3" | "MRVA" => (2, 44),
            other => panic!("{file}: unknown format {other}"),
        };
        let lines = t["lines"].as_array().unwrap();
        assert_eq!(lines.len(), n, "{file}");
        for l in lines {
            let l = l.as_str().unwrap();
            assert_eq!(l.len(), len, "{file}: {l}");
            assert!(
                l.bytes()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'<')
            );
        }
    }
}

#[test]
fn the_truth_fixture_scored_against_itself_is_100_percent() {
    let r = eval_json(&fixture(), &fixture().join("truth.json"));
    assert_eq!(r["images"], 19);
    assert_eq!(r["exact"]["count"], 19);
    assert_eq!(r["exact"]["percent"], 100.0);
    assert_eq!(r["characters"]["percent"], 100.0);
    assert_eq!(r["exactNames"]["count"], 19);
    assert_eq!(r["falseValid"]["count"], 0);
    for (name, f) in r["fields"].as_object().unwrap() {
        assert_eq!(f["count"], f["total"], "{name}");
    }
    // Three specimens print check digits that do not verify; the rest are check-valid.
    assert_eq!(r["checkValid"]["count"], 16);
    assert_eq!(r["truthCheckValid"]["count"], 16);
}

#[test]
fn a_corrupted_copy_scores_below_100_percent_and_is_caught_field_by_field() {
    let mut preds: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture().join("truth.json")).unwrap()).unwrap();
    // 1. The classic filler misread in a TD3 name: check digits stay valid ("false valid").
    preds["25_pass-uto.jpg"]["lines"][0] = "P<UTOERIKSSON<<ANNA<MARIAK<<<<<<<<<<<<<<<<<<".into();
    // 2. A birth-date digit: the check digit catches it.
    preds["100_pass-chn.jpg"]["lines"][1] = "0000000000TWN7601025F1404018A234567893<<<<18".into();
    // 3. Nothing read.
    preds.remove("100_pass-hrv.jpg");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("preds.json");
    std::fs::write(&path, serde_json::to_string(&preds).unwrap()).unwrap();

    let r = eval_json(&fixture(), &path);
    assert_eq!(r["images"], 19);
    assert_eq!(r["read"], 18);
    assert_eq!(r["exact"]["count"], 16);
    assert!(r["exact"]["percent"].as_f64().unwrap() < 100.0);
    assert_eq!(r["falseValid"]["count"], 1);
    assert_eq!(r["checkValid"]["count"], 14);
    assert_eq!(r["exactNames"]["count"], 17);
    assert_eq!(r["fields"]["birthDate"]["count"], 17);
    assert_eq!(r["fields"]["documentNumber"]["count"], 18);
    let bad: Vec<&str> = r["perImage"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["exact"] == false)
        .map(|i| i["file"].as_str().unwrap())
        .collect();
    assert_eq!(bad, ["100_pass-chn.jpg", "100_pass-hrv.jpg", "25_pass-uto.jpg"]);
}

#[test]
fn eval_prints_a_human_summary_and_rejects_a_missing_reader() {
    let out = Command::new(env!("CARGO_BIN_EXE_ivs"))
        .args(["mrz", "eval"])
        .arg(fixture())
        .arg("--predictions")
        .arg(fixture().join("truth.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("character-exact reads"), "{text}");
    assert!(text.contains("documentNumber"), "{text}");

    let out = Command::new(env!("CARGO_BIN_EXE_ivs"))
        .args(["mrz", "eval"])
        .arg(fixture())
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn synth_writes_images_and_truth_that_score_100_percent_against_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let faces = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/pd-faces");
    let out = Command::new(env!("CARGO_BIN_EXE_ivs"))
        .args(["doc", "synth", "--seed", "7", "--count", "3", "--out"])
        .arg(dir.path())
        .arg("--faces")
        .arg(&faces)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let truth: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("truth.json")).unwrap()).unwrap();
    assert_eq!(truth.len(), 3);
    for (file, t) in &truth {
        assert!(dir.path().join(file).exists());
        assert!(t["degradation"].is_object());
    }
    let r = eval_json(dir.path(), &dir.path().join("truth.json"));
    assert_eq!(r["exact"]["count"], 3);
    assert_eq!(r["checkValid"]["count"], 3);
}
