//! `ivs face …` end to end: the JSON contract and exit codes.
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn models_dir() -> PathBuf {
    let dir = std::env::var_os("IVS_MODELS_DIR").map_or_else(|| workspace().join("models"), PathBuf::from);
    assert!(
        dir.join(ivs_face::DETECTOR_FILE).is_file() && dir.join(ivs_face::RECOGNIZER_FILE).is_file(),
        "face models missing in {}: run scripts/setup.sh first",
        dir.display()
    );
    dir
}

fn photo(name: &str) -> PathBuf {
    let p = workspace().join("testdata/pd-faces").join(name);
    assert!(p.is_file(), "{} missing: run scripts/setup.sh first", p.display());
    p
}

fn ivs_face(args: &[&std::ffi::OsStr]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_ivs"))
        .arg("face")
        .arg("--models")
        .arg(models_dir())
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout} / {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

#[test]
fn compare_same_person_is_a_match_with_the_documented_fields() {
    let (code, v) = ivs_face(&[
        "compare".as_ref(),
        photo("obama.jpg").as_os_str(),
        photo("obama2.jpg").as_os_str(),
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["faceStatus"], "FACE_MATCH", "{v}");
    assert_eq!(v["match"], true);
    let s = v["similarity"].as_f64().unwrap();
    assert!(s >= v["threshold"].as_f64().unwrap());
    for side in ["a", "b"] {
        assert_eq!(v[side]["faces"], 1, "{v}");
        assert_eq!(v[side]["box"].as_array().unwrap().len(), 4);
        assert!(v[side]["quality"]["sharpness"].as_f64().unwrap() > 0.0);
    }
    assert!(v["millis"].is_u64());
}

#[test]
fn compare_different_people_is_a_mismatch_and_the_modifier_shows_in_the_threshold() {
    let a = photo("obama.jpg");
    let b = photo("biden.jpg");
    let (code, v) = ivs_face(&["compare".as_ref(), a.as_os_str(), b.as_os_str()]);
    assert_eq!(code, 0);
    assert_eq!(v["faceStatus"], "FACE_MISMATCH", "{v}");
    assert_eq!(v["match"], false);
    let base = v["threshold"].as_f64().unwrap();
    let (_, strict) = ivs_face(&[
        "compare".as_ref(),
        a.as_os_str(),
        b.as_os_str(),
        "--threshold-modifier".as_ref(),
        "1.25".as_ref(),
    ]);
    assert!(
        (strict["threshold"].as_f64().unwrap() - base * 1.25).abs() < 1e-3,
        "{strict}"
    );
}

#[test]
fn compare_with_a_faceless_image_is_no_face_found_and_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    let blank = dir.path().join("blank.png");
    let img = ivs_face::RgbImage::from_pixel(300, 200, image_rgb());
    img.save(&blank).unwrap();
    let (code, v) = ivs_face(&[
        "compare".as_ref(),
        photo("obama.jpg").as_os_str(),
        blank.as_os_str(),
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["faceStatus"], "NO_FACE_FOUND");
    assert!(v["similarity"].is_null() && v["match"].is_null());
    assert_eq!(v["b"]["faces"], 0);
}

fn image_rgb() -> ivs_face::Rgb<u8> {
    ivs_face::Rgb([120, 130, 140])
}

#[test]
fn undecodable_input_exits_2_with_an_error_object() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.jpg");
    std::fs::write(&junk, b"\xff\xd8\xff\xe0 definitely not a jpeg").unwrap();
    let (code, v) = ivs_face(&[
        "compare".as_ref(),
        junk.as_os_str(),
        photo("obama.jpg").as_os_str(),
    ]);
    assert_eq!(code, 2);
    assert!(v["error"].is_string(), "{v}");
    let (code, v) = ivs_face(&["detect".as_ref(), dir.path().join("missing.png").as_os_str()]);
    assert_eq!(code, 2);
    assert!(v["error"].is_string());
}

#[test]
fn detect_lists_the_visible_face_with_landmarks() {
    // obama3.jpg: the second person is only a shoulder at the right edge, so one face, even with
    // the tiled high-resolution pass.
    for extra in [None, Some("--all-sizes")] {
        let mut args: Vec<&std::ffi::OsStr> = vec!["detect".as_ref()];
        if let Some(flag) = extra {
            args.push(flag.as_ref());
        }
        let p = photo("obama3.jpg");
        args.push(p.as_os_str());
        let (code, v) = ivs_face(&args);
        assert_eq!(code, 0);
        assert_eq!(
            (v["width"].as_u64(), v["height"].as_u64()),
            (Some(1434), Some(2333))
        );
        let faces = v["faces"].as_array().unwrap();
        assert_eq!(faces.len(), 1, "{v}");
        let f = &faces[0];
        assert_eq!(f["landmarks"].as_array().unwrap().len(), 5);
        assert!(f["score"].as_f64().unwrap() >= 0.9);
        let b: Vec<f64> = f["box"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        for (got, want) in b.iter().zip([643.3, 272.4, 266.1, 346.1]) {
            assert!((got - want).abs() < 16.0, "{b:?}");
        }
    }
}

#[test]
fn eval_over_pairs_reports_rates_and_roc() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("pairs.csv");
    let p = |n: &str| photo(n).display().to_string();
    std::fs::write(
        &csv,
        format!(
            "a,b,same\n{},{},1\n{},{},0\n{},{},0\n",
            p("obama.jpg"),
            p("obama2.jpg"),
            p("obama.jpg"),
            p("biden.jpg"),
            p("obama2.jpg"),
            p("biden.jpg")
        ),
    )
    .unwrap();
    let (code, v) = ivs_face(&["eval".as_ref(), "--pairs".as_ref(), csv.as_os_str()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["genuine"], 1);
    assert_eq!(v["impostor"], 2);
    assert_eq!(v["fmr"], 0.0);
    assert_eq!(v["fnmr"], 0.0);
    let roc = v["roc"].as_array().unwrap();
    assert!(roc.len() > 10);
    assert_eq!(
        roc[0]["fmr"], 1.0,
        "at threshold 0 every impostor pair with a positive score matches: {v}"
    );
}
