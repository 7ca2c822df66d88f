//! Tests that run the real models on the public-domain photos of `testdata/pd-faces`
//! (installed by `scripts/setup.sh`; CI runs it first, so a missing file is a failure).
use crate::*;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn engine() -> Arc<FaceEngine> {
    static ENGINE: OnceLock<Arc<FaceEngine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let dir =
                std::env::var_os("IVS_MODELS_DIR").map_or_else(|| workspace().join("models"), PathBuf::from);
            match FaceEngine::load(&ModelPaths::in_dir(&dir)) {
                Ok(e) => Arc::new(e),
                Err(e) => panic!("face models not available ({e}); run scripts/setup.sh first"),
            }
        })
        .clone()
}

fn photo(name: &str) -> RgbImage {
    let path = workspace().join("testdata/pd-faces").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run scripts/setup.sh to install the test photos",
            path.display()
        )
    });
    decode_rgb(&bytes, &DecodeLimits::default()).unwrap()
}

fn analyze(name: &str) -> FaceAnalysis {
    engine().analyze(&photo(name), &DetectOptions::default()).unwrap()
}

/// Boxes measured once with this engine and checked by eye (x, y, w, h); tolerance 6% of width.
const BOXES: &[(&str, [f32; 4])] = &[
    ("obama.jpg", [370.8, 90.2, 238.8, 328.7]),
    ("obama2.jpg", [201.3, 229.8, 275.5, 403.3]),
    ("obama3.jpg", [643.3, 272.4, 266.1, 346.1]),
    ("biden.jpg", [427.3, 175.3, 287.7, 401.1]),
    ("obama_partial_face2.jpg", [369.3, 94.3, 201.8, 317.5]),
];

fn close(a: [f32; 4], b: [f32; 4], tol: f32) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

#[test]
fn detects_exactly_the_visible_faces() {
    // obama3.jpg shows a second person only as a shoulder at the right edge (no face), so one
    // face is right there too, even with the tiled high-resolution pass.
    for name in [
        "obama.jpg",
        "obama2.jpg",
        "biden.jpg",
        "obama3.jpg",
        "obama_partial_face.jpg",
    ] {
        let a = analyze(name);
        assert_eq!(a.faces.len(), 1, "{name}: {:?}", a.faces);
        assert!(a.primary.is_some(), "{name}");
    }
    let all = DetectOptions {
        small_faces: SmallFacePass::Always,
        ..DetectOptions::default()
    };
    assert_eq!(engine().detect(&photo("obama3.jpg"), &all).unwrap().len(), 1);
    // Two people side by side: obama and biden pasted onto one canvas.
    let (o, b) = (photo("obama.jpg"), photo("biden.jpg"));
    let mut pair = RgbImage::from_pixel(
        o.width() + b.width(),
        o.height().max(b.height()),
        image::Rgb([90, 90, 90]),
    );
    image::imageops::overlay(&mut pair, &o, 0, 0);
    image::imageops::overlay(&mut pair, &b, i64::from(o.width()), 0);
    let a = engine().analyze(&pair, &DetectOptions::default()).unwrap();
    assert_eq!(a.faces.len(), 2, "{:?}", a.faces);
    assert_eq!(a.count_faces(0.9), 2);
}

#[test]
fn boxes_and_landmarks_are_where_the_faces_are() {
    for (name, expected) in BOXES {
        let a = analyze(name);
        let f = &a.primary.as_ref().unwrap().face;
        assert!(
            close(f.bbox, *expected, 0.06 * expected[2]),
            "{name}: {:?} vs {expected:?}",
            f.bbox
        );
        // Landmarks inside the box, eyes above the mouth, subject's right eye on the image's left.
        let [x, y, w, h] = f.bbox;
        for p in f.landmarks {
            assert!(
                p[0] > x && p[0] < x + w && p[1] > y && p[1] < y + h,
                "{name}: {p:?} outside box"
            );
        }
        assert!(f.landmarks[0][0] < f.landmarks[1][0]);
        assert!(f.landmarks[0][1] < f.landmarks[3][1] && f.landmarks[1][1] < f.landmarks[4][1]);
    }
}

#[test]
fn same_person_matches_and_different_people_do_not() {
    let policy = MatchPolicy::default();
    let (o1, o2, b) = (analyze("obama.jpg"), analyze("obama2.jpg"), analyze("biden.jpg"));
    let same = compare(o1.primary.as_ref(), o2.primary.as_ref(), &policy, 1.0);
    assert_eq!(same.status, FaceStatus::FaceMatch, "{same:?}");
    assert_eq!(same.matched, Some(true));
    let diff = compare(o1.primary.as_ref(), b.primary.as_ref(), &policy, 1.0);
    assert_eq!(diff.status, FaceStatus::FaceMismatch, "{diff:?}");
    assert_eq!(diff.matched, Some(false));
    let partial = analyze("obama_partial_face.jpg");
    let c = compare(o2.primary.as_ref(), partial.primary.as_ref(), &policy, 1.0);
    assert_eq!(c.status, FaceStatus::FaceMatch, "{c:?}");
}

#[test]
fn the_modifier_moves_the_threshold_of_a_real_comparison() {
    let (o1, o2) = (analyze("obama.jpg"), analyze("obama2.jpg"));
    let policy = MatchPolicy::default();
    let loose = compare(o1.primary.as_ref(), o2.primary.as_ref(), &policy, 0.5);
    let strict = compare(o1.primary.as_ref(), o2.primary.as_ref(), &policy, 1.5);
    assert!((loose.threshold - policy.threshold * 0.5).abs() < 1e-6);
    assert!((strict.threshold - policy.threshold * 1.5).abs() < 1e-6);
    assert_eq!(loose.similarity, strict.similarity);
    // A base threshold just above the pair's similarity flips the verdict; the same threshold
    // reached through the modifier gives the same verdict.
    let s = loose.similarity.unwrap();
    let high = MatchPolicy {
        threshold: s + 0.01,
        ..policy
    };
    assert_ne!(
        compare(o1.primary.as_ref(), o2.primary.as_ref(), &high, 1.0).status,
        FaceStatus::FaceMatch
    );
    let via_modifier = MatchPolicy {
        threshold: (s + 0.01) / 1.2,
        ..policy
    };
    assert_ne!(
        compare(o1.primary.as_ref(), o2.primary.as_ref(), &via_modifier, 1.2).status,
        FaceStatus::FaceMatch
    );
    assert_eq!(
        compare(o1.primary.as_ref(), o2.primary.as_ref(), &via_modifier, 1.0).status,
        FaceStatus::FaceMatch
    );
}

#[test]
fn no_face_in_a_blank_image() {
    let img = RgbImage::from_fn(800, 600, |x, y| image::Rgb([(x / 4) as u8, (y / 3) as u8, 90]));
    let a = engine().analyze(&img, &DetectOptions::default()).unwrap();
    assert!(a.faces.is_empty() && a.primary.is_none());
    let o = analyze("obama.jpg");
    let c = compare(
        o.primary.as_ref(),
        a.primary.as_ref(),
        &MatchPolicy::default(),
        1.0,
    );
    assert_eq!(
        (c.status, c.similarity, c.matched),
        (FaceStatus::NoFaceFound, None, None)
    );
}

#[test]
fn a_small_face_in_a_large_image_is_found_by_the_second_pass() {
    // obama2's face shrunk to about 50 px wide, pasted into a 3200×2400 page: about 10 px at
    // the first pass's 640 px scale, which YuNet misses; the tiled pass finds it.
    let src = photo("obama2.jpg");
    let face = analyze("obama2.jpg").primary.unwrap().face;
    let k = 50.0 / face.bbox[2];
    let small = image::imageops::resize(
        &src,
        (src.width() as f32 * k) as u32,
        (src.height() as f32 * k) as u32,
        image::imageops::FilterType::Triangle,
    );
    let mut page = RgbImage::from_pixel(3200, 2400, image::Rgb([200, 205, 210]));
    image::imageops::overlay(&mut page, &small, 2100, 1500);
    let one_pass = engine()
        .detect(
            &page,
            &DetectOptions {
                small_faces: SmallFacePass::Never,
                ..DetectOptions::default()
            },
        )
        .unwrap();
    let found = engine().detect(&page, &DetectOptions::default()).unwrap();
    assert_eq!(found.len(), 1, "{found:?} (first pass alone: {one_pass:?})");
    let expected = [
        2100.0 + face.bbox[0] * k,
        1500.0 + face.bbox[1] * k,
        face.bbox[2] * k,
        face.bbox[3] * k,
    ];
    assert!(
        close(found[0].bbox, expected, 8.0),
        "{:?} vs {expected:?}",
        found[0].bbox
    );
}

#[test]
fn exif_orientation_is_honoured() {
    use image::{ImageEncoder, codecs::jpeg::JpegEncoder};
    let upright = photo("obama2.jpg");
    let stored = image::imageops::rotate270(&upright);
    // Minimal little-endian TIFF block with Orientation = 6 ("rotate 90° clockwise to view").
    let exif = vec![
        0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0,
    ];
    let mut jpeg = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut jpeg, 92);
    enc.set_exif_metadata(exif).unwrap();
    enc.write_image(
        stored.as_raw(),
        stored.width(),
        stored.height(),
        image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    let decoded = decode_rgb(&jpeg, &DecodeLimits::default()).unwrap();
    assert_eq!(decoded.dimensions(), upright.dimensions());
    let a = engine().analyze(&decoded, &DetectOptions::default()).unwrap();
    let b = analyze("obama2.jpg");
    let (pa, pb) = (a.primary.unwrap(), b.primary.unwrap());
    assert!(
        close(pa.face.bbox, pb.face.bbox, 6.0),
        "{:?} vs {:?}",
        pa.face.bbox,
        pb.face.bbox
    );
    assert!(pa.embedding.cosine(&pb.embedding) > 0.9);
}

#[test]
fn blur_and_glare_are_reported_as_quality_failures() {
    let o2 = analyze("obama2.jpg");
    let face = o2.primary.as_ref().unwrap().face.clone();
    let img = photo("obama2.jpg");
    // Gaussian blur with σ at 6% of the face width.
    let blurred = image::imageops::blur(&img, face.bbox[2] * 0.06);
    let b = engine().analyze(&blurred, &DetectOptions::default()).unwrap();
    let o1 = analyze("obama.jpg");
    let c = compare(
        o1.primary.as_ref(),
        b.primary.as_ref(),
        &MatchPolicy::default(),
        1.0,
    );
    assert_eq!(
        c.status,
        FaceStatus::FaceTooBlurry,
        "{c:?} {:?}",
        b.primary.map(|p| p.quality)
    );
    assert_eq!(c.matched, None);
    // A white hot spot over the upper half of the face.
    let mut glared = img.clone();
    let [x, y, w, h] = face.bbox.map(|v| v.max(0.0) as u32);
    for yy in y + h / 5..y + h / 2 {
        for xx in x + w / 6..x + 5 * w / 6 {
            glared.put_pixel(xx, yy, image::Rgb([255, 255, 255]));
        }
    }
    let g = engine().analyze(&glared, &DetectOptions::default()).unwrap();
    if let Some(p) = g.primary.as_ref() {
        let c = compare(o1.primary.as_ref(), Some(p), &MatchPolicy::default(), 1.0);
        assert_eq!(c.status, FaceStatus::FaceGlared, "{c:?} {:?}", p.quality);
    } else {
        panic!("glared face not detected");
    }
    // The clean pair passes both gates.
    let clean = o2.primary.as_ref().unwrap().quality;
    let qp = QualityPolicy::default();
    assert!(
        clean.sharpness >= qp.min_sharpness && clean.glare <= qp.max_glare,
        "{clean:?}"
    );
}

#[test]
fn the_engine_is_shared_across_threads() {
    let img = Arc::new(photo("obama.jpg"));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (e, img) = (engine(), img.clone());
            std::thread::spawn(move || {
                e.analyze(&img, &DetectOptions::default())
                    .unwrap()
                    .primary
                    .unwrap()
                    .embedding
            })
        })
        .collect();
    let embs: Vec<Embedding> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(embs[0].cosine(&embs[1]) > 0.9999);
}

#[test]
fn random_bytes_never_panic_the_pipeline() {
    let mut s = 0x1234_5678_9abc_def1u64;
    for len in [10usize, 1000, 50_000] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                s as u8
            })
            .collect();
        assert!(decode_rgb(&bytes, &DecodeLimits::default()).is_err());
    }
    // Truncated real JPEG: either an error or a (partially grey) image that analyses cleanly.
    let bytes = std::fs::read(workspace().join("testdata/pd-faces/obama.jpg")).unwrap();
    for cut in [100, bytes.len() / 3, bytes.len() / 2] {
        if let Ok(img) = decode_rgb(&bytes[..cut], &DecodeLimits::default()) {
            engine().analyze(&img, &DetectOptions::default()).unwrap();
        }
    }
    // Noise images of awkward shapes go through detection without panicking.
    for (w, h) in [(16, 16), (17, 5000), (3000, 20), (641, 639)] {
        let img = RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 7 + y * 13) as u8, (x ^ y) as u8, 7])
        });
        engine()
            .analyze(
                &img,
                &DetectOptions {
                    small_faces: SmallFacePass::Always,
                    ..DetectOptions::default()
                },
            )
            .unwrap();
    }
}

#[test]
fn onnxruntime_without_the_feature_or_library_is_a_clear_load_error() {
    let dir = workspace().join("models");
    let backend = Backend::OnnxRuntime {
        library: PathBuf::from("/nonexistent/libonnxruntime.so"),
        sessions: 1,
    };
    let err = FaceEngine::load_with(&ModelPaths::in_dir(&dir), &backend).unwrap_err();
    let msg = err.to_string();
    if cfg!(feature = "onnxruntime") {
        assert!(msg.contains("setup.sh --onnxruntime"), "{msg}");
    } else {
        assert!(msg.contains("feature `onnxruntime`"), "{msg}");
    }
}

/// The onnxruntime backend runs the same folded models: same faces, same embeddings.
#[cfg(feature = "onnxruntime")]
#[test]
fn onnxruntime_backend_agrees_with_tract() {
    let dir = std::env::var_os("IVS_MODELS_DIR").map_or_else(|| workspace().join("models"), PathBuf::from);
    let backend = Backend::OnnxRuntime {
        library: dir.join("onnxruntime/libonnxruntime.so.1.32.0"),
        sessions: 2,
    };
    let ort = match FaceEngine::load_with(&ModelPaths::in_dir(&dir), &backend) {
        Ok(e) => e,
        Err(e) => panic!("onnxruntime backend not available ({e}); run scripts/setup.sh --onnxruntime"),
    };
    assert_eq!(ort.backend(), "onnxruntime");
    for name in ["obama.jpg", "obama2.jpg", "biden.jpg"] {
        let img = photo(name);
        let a = engine().analyze(&img, &DetectOptions::default()).unwrap();
        let b = ort.analyze(&img, &DetectOptions::default()).unwrap();
        assert_eq!(a.faces.len(), b.faces.len(), "{name}");
        let (pa, pb) = (a.primary.unwrap(), b.primary.unwrap());
        assert!(
            close(pa.face.bbox, pb.face.bbox, 1.0),
            "{name}: {:?} vs {:?}",
            pa.face.bbox,
            pb.face.bbox
        );
        let cos = pa.embedding.cosine(&pb.embedding);
        assert!(
            cos > 0.999,
            "{name}: tract and onnxruntime embeddings differ (cosine {cos})"
        );
    }
    // Same verdicts: one person matches, another does not.
    let e = |n: &str| {
        ort.analyze(&photo(n), &DetectOptions::default())
            .unwrap()
            .primary
            .unwrap()
            .embedding
    };
    assert!(e("obama.jpg").cosine(&e("obama2.jpg")) > DEFAULT_THRESHOLD);
    assert!(e("obama.jpg").cosine(&e("biden.jpg")) < DEFAULT_THRESHOLD - DEFAULT_GREY_BAND);
}
