//! `ivs mrz read`: exit codes and the JSON contract.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(files: &[PathBuf]) -> (i32, Vec<Value>) {
    let out = Command::new(env!("CARGO_BIN_EXE_ivs"))
        .args(["mrz", "read", "--today", "2026-11-25", "--tessdata"])
        .arg(root().join("models/tessdata"))
        .arg("--models")
        .arg(root().join("models"))
        .args(files)
        .output()
        .unwrap();
    let values = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code().unwrap(), values)
}

#[test]
fn reads_a_shared_photo_with_quality_and_status() {
    let photo = root().join("crates/ivs-doc/tests/fixtures/mrz-photos/100_pass-cze2.jpg");
    let (code, out) = read(&[photo]);
    assert_eq!(code, 0);
    let v = &out[0];
    assert_eq!(v["format"], "TD3");
    assert_eq!(v["valid"], true);
    assert_eq!(v["lines"].as_array().unwrap().len(), 2);
    assert_eq!(v["lines"][0].as_str().unwrap().len(), 44);
    assert_eq!(v["documentStatus"], "DOC_EXPIRED");
    for key in ["blur", "glare", "resolution"] {
        assert!(v["quality"][key]["value"].is_number(), "{key}");
        assert_eq!(v["quality"][key]["verdict"], "ok", "{key}");
    }
    // The holder's photo sits left of the data, above the MRZ band.
    let p: Vec<u64> = v["portrait"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    let band_top = v["mrzBox"][1].as_u64().unwrap();
    assert!(p[2] > 30 && p[3] > 30 && p[1] + p[3] <= band_top, "{p:?}");
    assert!(v["uncertain"].is_array());
    assert!(v["millis"].as_f64().unwrap() > 0.0);
}

#[test]
fn undecodable_file_exits_2_with_error_and_textless_image_is_doc_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.jpg");
    std::fs::write(&junk, b"not an image at all").unwrap();
    let blank = dir.path().join("blank.png");
    // Sharp stripes, no text: not blurry, and no MRZ.
    image::GrayImage::from_fn(300, 200, |x, _| {
        image::Luma([if (x / 4) % 2 == 0 { 40 } else { 200 }])
    })
    .save(&blank)
    .unwrap();
    let (code, out) = read(&[blank, junk]);
    assert_eq!(code, 2);
    // No text at all: not a document.
    assert_eq!(out[0]["documentStatus"], "DOC_NOT_FOUND");
    assert_eq!(out[0]["lines"].as_array().unwrap().len(), 0);
    assert!(out[1]["error"].as_str().unwrap().contains("decode"));
}

/// libgomp reads `OMP_THREAD_LIMIT` before `main` runs; the binary restarts itself with the
/// variable set so that Tesseract reads on one thread however a user starts it. Without the
/// restart, Tesseract's parallel loops leave OpenMP threads behind after the read.
#[test]
fn tesseract_reads_on_one_thread_without_the_variable_in_the_environment() {
    let threads = |limit: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ivs"));
        cmd.args(["bench", "threads", "--tessdata"])
            .arg(root().join("models/tessdata"))
            .arg(root().join("testdata/sample/passport.jpg"))
            .env_remove("OMP_THREAD_LIMIT");
        if let Some(limit) = limit {
            cmd.env("OMP_THREAD_LIMIT", limit);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["threads"].as_u64().unwrap()
    };
    assert_eq!(threads(None), 1, "a user's plain start");
    // the probe can see OpenMP's threads: an operator who asks for more gets them
    assert!(threads(Some("4")) > 1);
}
