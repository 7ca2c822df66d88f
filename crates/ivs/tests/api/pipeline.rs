//! The analysis pipeline end to end over HTTP: token → process (a synthetic passport with a real
//! public-domain portrait, a real selfie) → the server's own worker analyses → webhook →
//! status/data/files.
use crate::helpers::*;
use crate::webhooks::Receiver;
use ivs_doc::synth::{Assets, DocData, Specimen, specimen};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

pub fn faces_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/pd-faces")
}

fn assets() -> &'static Assets {
    static A: OnceLock<Assets> = OnceLock::new();
    A.get_or_init(|| {
        Assets::load(
            std::path::Path::new("/usr/share/fonts/opentype/ocr-b/OCRB.otf"),
            &faces_dir(),
        )
        .expect("fonts-ocr-b and the public-domain photos are installed by scripts/setup.sh")
    })
}

pub fn passport_data(expiry: &str) -> DocData {
    let mut d = ivs::doc_cmd::sample_data();
    d.expiry = expiry.into();
    d
}

/// A passport page with `portrait` (a file in testdata/pd-faces) as the holder's photo.
pub fn passport(portrait: &str, expiry: &str, blur: f32) -> Vec<u8> {
    let spec = Specimen {
        data: passport_data(expiry),
        portrait: portrait.into(),
        blur,
        seed: 7,
    };
    specimen(assets(), &spec).unwrap().0
}

pub fn selfie(name: &str) -> Vec<u8> {
    std::fs::read(faces_dir().join(name)).unwrap()
}

impl TestApp {
    /// Token (partner A) + process; returns the scanRef.
    pub async fn verify(&self, token: Value, front: &[u8], face: &[u8]) -> String {
        let t = self.token(token).await;
        let auth = t["authToken"].as_str().unwrap();
        let body = json!({
            "authToken": auth,
            "country": "UT",
            "documentType": "PASSPORT",
            "images": {"FRONT": b64(front), "FACE": b64(face)}
        });
        let r = self.post("/api/v2/process", &self.a, body).await;
        assert_eq!(r.status, 200, "{}", r.text());
        t["scanRef"].as_str().unwrap().to_owned()
    }

    /// Polls `/api/v2/status` until the verification leaves `ACTIVE` (real time, bounded: a
    /// liveness bound, not a speed target; the PostgreSQL suite runs these tests side by side on
    /// a 2-core machine, and one analysis there took over a minute under that load).
    pub async fn decided(&self, scan_ref: &str) -> Value {
        for _ in 0..2400 {
            let s = self
                .post("/api/v2/status", &self.a, json!({"scanRef": scan_ref}))
                .await;
            assert_eq!(s.status, 200, "{}", s.text());
            let v = s.json();
            if v["status"] != "ACTIVE" {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("verification {scan_ref} was not analysed within 240 s of polling");
    }
}

/// Runs the `ivs` binary against the app's database; returns stdout (asserting success).
fn ivs_cli(app: &TestApp, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ivs"))
        .arg("--database-url")
        .arg(&app.database_url)
        .args(args)
        .env("IVS_MODELS_DIR", models_dir())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn verify_runs_the_pipeline_offline() {
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample");
    let run = |face: &str, token: bool| -> Value {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ivs"));
        cmd.arg("verify")
            .arg("--front")
            .arg(sample.join("passport.jpg"))
            .arg("--face")
            .arg(faces_dir().join(face))
            .args(["--today", "2026-11-25"])
            .env("IVS_MODELS_DIR", models_dir());
        if token {
            cmd.arg("--token").arg(sample.join("token.json"));
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let v = run("obama2.jpg", true);
    assert_eq!(v["status"]["status"], "APPROVED", "{v}");
    assert_eq!(v["status"]["clientId"], "sample-user");
    assert_eq!(v["data"]["docLastName"], "SPECIMEN");
    assert_eq!(v["final"], true);
    assert!(v["millis"].as_u64().is_some());
    assert!(v["evidence"]["document"]["readings"][0]["lines"].is_array());
    let v = run("biden.jpg", false);
    assert_eq!(v["status"]["status"], "DENIED", "{v}");
    assert_eq!(v["status"]["autoFace"], "FACE_MISMATCH", "{v}");
}

pub async fn analysing_app() -> TestApp {
    spawn_app_with(Options {
        analyse: true,
        // `decided` polls /status
        scan_ref_hourly: 100_000,
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn verdicts_from_real_images() {
    let app = analysing_app().await;
    let rx = app.webhook_receiver(vec![]).await;
    let good = passport("obama.jpg", "320101", 0.0);

    // Good document, same person.
    let ok = app
        .verify(
            json!({"clientId": "c-ok", "firstName": "John", "lastName": "Specimen", "dateOfBirth": "1985-03-12"}),
            &good,
            &selfie("obama2.jpg"),
        )
        .await;
    let s = app.decided(&ok).await;
    assert_eq!(s["status"], "APPROVED", "{s}");
    assert_eq!(s["autoDocument"], "DOC_VALIDATED", "{s}");
    assert_eq!(s["autoFace"], "FACE_MATCH", "{s}");
    assert_eq!(s["mismatchTags"], json!([]));
    assert_eq!(s["fraudTags"], json!([]));
    let d = app
        .post("/api/v2/data", &app.a, json!({"scanRef": ok}))
        .await
        .json();
    assert_eq!(d["docFirstName"], "JOHN");
    assert_eq!(d["docLastName"], "SPECIMEN");
    assert_eq!(d["fullName"], "JOHN SPECIMEN");
    assert_eq!(d["docNumber"], "L898902C3");
    assert_eq!(d["docPersonalCode"], "ZE184226B");
    assert_eq!(d["docDob"], "1985-03-12");
    assert_eq!(d["docExpiry"], "2032-01-01");
    assert_eq!(d["docType"], "PASSPORT");
    assert_eq!(d["docSex"], "MALE");
    assert_eq!(d["docIssuingCountry"], "UTO");
    assert_eq!(d["selectedCountry"], "UT");
    assert_eq!(d["manuallyDataChanged"], false);
    // Fields the MRZ does not carry stay null.
    for k in [
        "docDateOfIssue",
        "birthPlace",
        "authority",
        "address",
        "orgFirstName",
        "orgLastName",
    ] {
        assert!(d[k].is_null(), "{k}: {d}");
    }
    // The webhook: one auto event, final, the same verdicts.
    rx.wait_for(1).await;
    let (headers, body) = rx.got.lock().unwrap()[0].clone();
    assert_eq!(headers["idenfy-event-type"], "IDENTIFICATION_AUTO_FINISHED");
    let w: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(w["final"], true);
    assert_eq!(w["scanRef"], json!(ok));
    assert_eq!(w["status"]["overall"], "APPROVED");
    assert_eq!(w["status"]["autoFace"], "FACE_MATCH");
    assert_eq!(w["data"]["docLastName"], "SPECIMEN");
    assert!(w["fileUrls"]["FRONT"].as_str().is_some());
    // The evidence is stored with the decision.
    let a = app.repo.analysis(&ok).await.unwrap().unwrap();
    assert_eq!(a.decision["rule"], "approved");
    assert!(a.evidence["comparison"]["similarity"].as_f64().unwrap() >= 0.45);
    assert!(a.evidence["millis"]["total"].as_u64().is_some());

    // Expired document.
    let expired = app
        .verify(
            json!({"clientId": "c-exp"}),
            &passport("obama.jpg", "260101", 0.0),
            &selfie("obama2.jpg"),
        )
        .await;
    let s = app.decided(&expired).await;
    assert_eq!(
        (s["status"].as_str(), s["autoDocument"].as_str()),
        (Some("DENIED"), Some("DOC_EXPIRED")),
        "{s}"
    );

    // Another person's selfie.
    let other = app
        .verify(json!({"clientId": "c-other"}), &good, &selfie("biden.jpg"))
        .await;
    let s = app.decided(&other).await;
    assert_eq!(s["status"], "DENIED", "{s}");
    assert_eq!(s["autoDocument"], "DOC_VALIDATED", "{s}");
    assert_eq!(s["autoFace"], "FACE_MISMATCH", "{s}");

    // Wrong first name in the token.
    let name = app
        .verify(
            json!({"clientId": "c-name", "firstName": "Peter", "lastName": "Specimen"}),
            &good,
            &selfie("obama2.jpg"),
        )
        .await;
    let s = app.decided(&name).await;
    assert_eq!(s["status"], "SUSPECTED", "{s}");
    assert_eq!(s["mismatchTags"], json!(["NAME"]), "{s}");
    assert_eq!(s["autoFace"], "FACE_MATCH", "{s}");

    // `ivs replay` under a stricter policy: only the name mismatch changes (SUSPECTED → DENIED).
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("strict.toml");
    std::fs::write(&policy, "on_mismatch = \"DENIED\"\n").unwrap();
    let out = ivs_cli(&app, &["replay", "--policy", policy.to_str().unwrap()]);
    assert!(out.contains(&format!("\"scanRef\": \"{name}\"")), "{out}");
    assert!(!out.contains(&format!("\"scanRef\": \"{ok}\"")), "{out}");
    assert!(out.contains("\"changed\": 1"), "{out}");
    assert!(out.contains("\"replayed\": 4"), "{out}");
    // `ivs policy explain` names the rule that fired.
    let out = ivs_cli(&app, &["policy", "explain", &name]);
    assert!(out.contains("\"rule\": \"data-mismatch\""), "{out}");

    // A blurred document.
    let blurred = app
        .verify(
            json!({"clientId": "c-blur"}),
            &passport("obama.jpg", "320101", 6.0),
            &selfie("obama2.jpg"),
        )
        .await;
    let s = app.decided(&blurred).await;
    assert_eq!(s["status"], "DENIED", "{s}");
    assert_eq!(s["autoDocument"], "DOC_TOO_BLURRY", "{s}");
}

#[tokio::test]
async fn the_same_face_under_two_client_ids_is_a_duplicate() {
    let app = analysing_app().await;
    let good = passport("obama.jpg", "320101", 0.0);
    let token = |client: &str| json!({"clientId": client, "checkDuplicateFaces": true});
    let first = app.verify(token("client-1"), &good, &selfie("obama2.jpg")).await;
    let s = app.decided(&first).await;
    assert_eq!(s["status"], "APPROVED", "{s}");
    // The same client again is not a duplicate of itself.
    let again = app.verify(token("client-1"), &good, &selfie("obama3.jpg")).await;
    assert_eq!(app.decided(&again).await["fraudTags"], json!([]));
    // Another client with the same face is.
    let second = app.verify(token("client-2"), &good, &selfie("obama3.jpg")).await;
    let s = app.decided(&second).await;
    assert_eq!(s["status"], "SUSPECTED", "{s}");
    assert_eq!(s["fraudTags"], json!(["DUPLICATE_FACE"]), "{s}");
    let d = app
        .post("/api/v2/data", &app.a, json!({"scanRef": second}))
        .await
        .json();
    let dups = d["duplicateFaces"].as_array().unwrap();
    assert!(
        dups.contains(&json!(first)) && dups.contains(&json!(again)),
        "{d}"
    );
    // A different person under a third client is not.
    let third = app
        .verify(
            token("client-3"),
            &passport("biden.jpg", "320101", 0.0),
            &selfie("biden.jpg"),
        )
        .await;
    let s = app.decided(&third).await;
    assert_eq!(s["fraudTags"], json!([]), "{s}");
}

#[tokio::test]
async fn manual_review_sends_a_second_final_webhook_and_blocklists_deny() {
    let app = analysing_app().await;
    let rx = app.webhook_receiver(vec![]).await;
    let good = passport("obama.jpg", "320101", 0.0);
    let scan = app
        .verify(
            json!({"clientId": "c-review", "reviewSuccessful": true}),
            &good,
            &selfie("obama2.jpg"),
        )
        .await;
    let s = app.decided(&scan).await;
    assert_eq!(s["status"], "REVIEWING", "{s}");
    assert_eq!(s["autoFace"], "FACE_MATCH", "{s}");
    rx.wait_for(1).await;
    let first: Value = serde_json::from_slice(&rx.got.lock().unwrap()[0].1).unwrap();
    assert_eq!(first["final"], false);
    assert_eq!(first["status"]["overall"], "REVIEWING");

    // Reviewer API: bearer token required.
    let token = "rvw_test_token";
    app.repo
        .create_reviewer(&ivs_store::Reviewer {
            id: "r1".into(),
            name: "rita".into(),
            token_hash: ivs_server::review::reviewer_token_hash(token),
            created_at: START,
        })
        .await
        .unwrap();
    let get = |path: String, bearer: Option<&'static str>| {
        let mut req = app.client.get(format!("{}{path}", app.base));
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        req.send()
    };
    assert_eq!(
        get("/ivs/v1/review/queue".into(), None).await.unwrap().status(),
        401
    );
    assert_eq!(
        get("/ivs/v1/review/queue".into(), Some("wrong"))
            .await
            .unwrap()
            .status(),
        401
    );
    let q: Value = get("/ivs/v1/review/queue".into(), Some(token))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(q["count"], 1);
    assert_eq!(q["results"][0]["scanRef"], json!(scan));
    let case: Value = get(format!("/ivs/v1/review/{scan}"), Some(token))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(case["decision"]["rule"], "approved+review-successful");
    assert!(case["evidence"]["comparison"]["similarity"].as_f64().is_some());
    assert!(case["fileUrls"]["FRONT"].as_str().is_some());

    let decide = |body: Value| {
        app.client
            .post(format!("{}/ivs/v1/review/{scan}", app.base))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    // A verdict without a reason is refused.
    let r = decide(json!({"manualDocument": "DOC_VALIDATED", "manualFace": "FACE_MATCH"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["identifier"], "MISSING_VALUE");
    let r = decide(json!({"manualDocument": "NOPE", "manualFace": "FACE_MATCH", "reason": "x"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = decide(json!({
        "manualDocument": "DOC_VALIDATED", "manualFace": "FACE_MATCH", "reason": "portrait checked",
        "data": {"docFirstName": "JOHNNY"}
    }))
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let s: Value = r.json().await.unwrap();
    assert_eq!(s["status"], "APPROVED");
    assert_eq!(s["manualDocument"], "DOC_VALIDATED");
    assert_eq!(s["manualFace"], "FACE_MATCH");
    rx.wait_for(2).await;
    let (headers, body) = rx.got.lock().unwrap()[1].clone();
    assert_eq!(headers["idenfy-event-type"], "IDENTIFICATION_MANUAL_FINISHED");
    let second: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(second["final"], true);
    assert_eq!(second["status"]["overall"], "APPROVED");
    assert_eq!(second["data"]["docFirstName"], "JOHNNY");
    assert_eq!(second["data"]["manuallyDataChanged"], true);
    let audit = app.repo.audit_log(&scan).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].actor.as_str(), audit[0].reason.as_deref()),
        ("rita", Some("portrait checked"))
    );
    assert_eq!(audit[0].detail["changedFields"], json!(["docFirstName"]));
    // Decided: a second verdict is refused.
    let r = decide(json!({"manualDocument": "DOC_FAKE", "manualFace": "FACE_MATCH", "reason": "x"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["identifier"], "PARTNER_ERROR");

    // Blocklists: partner B cannot touch A's verification; A blocks the selfie face.
    let path = format!("/kyc/identifications/{scan}/blocklists/SELFIE/");
    app.post(&path, &app.b, json!({"reason": "x"}))
        .await
        .assert_error(404, "NOT_FOUND");
    app.post(
        &format!("/kyc/identifications/{scan}/blocklists/NOPE/"),
        &app.a,
        json!({}),
    )
    .await
    .assert_error(400, "BAD_VALUE");
    let r = app.post(&path, &app.a, json!({"reason": "fraud ring"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let later = app
        .verify(json!({"clientId": "c-later"}), &good, &selfie("obama3.jpg"))
        .await;
    let s = app.decided(&later).await;
    assert_eq!(s["status"], "DENIED", "{s}");
    assert_eq!(
        s["fraudTags"],
        json!(["FACE_IN_BLACKLIST", "DOC_FACE_IN_BLACKLIST"]),
        "{s}"
    );
    let r = app
        .client
        .delete(format!("{}{path}", app.base))
        .basic_auth(&app.a.key, Some(&app.a.secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = app
        .client
        .delete(format!("{}{path}", app.base))
        .basic_auth(&app.a.key, Some(&app.a.secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn an_analysis_that_keeps_failing_is_retried_then_handed_to_review() {
    // An OCR model directory without the model: every attempt fails inside the pipeline.
    let empty = tempfile::tempdir().unwrap();
    let shared = shared_engines();
    let broken = std::sync::Arc::new(ivs_worker::Engines {
        face: shared.face.clone(),
        tessdata: empty.path().to_path_buf(),
        match_policy: shared.match_policy,
    });
    let app = spawn_app_with(Options {
        analyse: true,
        engines: Some(broken),
        scan_ref_hourly: 100_000,
        ..Options::default()
    })
    .await;
    let (rx, scan) = submit_with_webhook(&app, "c-fail").await;
    let job = || async { app.repo.jobs(ivs_store::JOB_ANALYSE).await.unwrap().remove(0) };
    // Each failed attempt goes back to the queue with a later run_at (backoff); moving the clock
    // past it lets the next attempt run.
    let mut seen = Vec::new();
    for _ in 0..400 {
        let j = job().await;
        if j.status == ivs_store::JobStatus::Failed {
            break;
        }
        if j.status == ivs_store::JobStatus::Queued && j.attempts > 0 {
            if !seen.contains(&j.run_at) {
                seen.push(j.run_at);
            }
            let s = app
                .post("/api/v2/status", &app.a, json!({"scanRef": scan}))
                .await
                .json();
            assert_eq!(s["status"], "ACTIVE", "nothing is recorded while retries remain");
            app.clock.advance(120);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let j = job().await;
    assert_eq!(j.status, ivs_store::JobStatus::Failed, "{j:?}");
    assert_eq!(j.attempts, j.max_attempts);
    assert!(
        j.last_error.as_deref().is_some_and(|e| e.contains("reader")),
        "{j:?}"
    );
    // Backoff: each retry was scheduled later than the one before.
    assert_eq!(seen.len() as i64, j.max_attempts - 1, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[1] > w[0]), "{seen:?}");
    // Nothing is lost: the verification goes to a reviewer, and the partner hears so.
    assert_handed_to_review(&app, &rx, &scan).await;
}

/// A sandbox verification of partner A with a webhook receiver: the receiver and the scanRef.
async fn submit_with_webhook(app: &TestApp, client_id: &str) -> (Receiver, String) {
    let rx = app.webhook_receiver(vec![]).await;
    let scan = app
        .verify(
            json!({"clientId": client_id}),
            &passport("obama.jpg", "320101", 0.0),
            &selfie("obama2.jpg"),
        )
        .await;
    (rx, scan)
}

/// The verification is `REVIEWING` with `DOC_ERROR`/`FACE_ERROR`, and a `final: false` webhook
/// told the partner so.
async fn assert_handed_to_review(app: &TestApp, rx: &Receiver, scan: &str) {
    let s = app
        .post("/api/v2/status", &app.a, json!({"scanRef": scan}))
        .await
        .json();
    assert_eq!(s["status"], "REVIEWING", "{s}");
    assert_eq!(s["autoDocument"], "DOC_ERROR");
    assert_eq!(s["autoFace"], "FACE_ERROR");
    rx.wait_for(1).await;
    let w: Value = serde_json::from_slice(&rx.got.lock().unwrap()[0].1).unwrap();
    assert_eq!(w["final"], false);
    assert_eq!(w["status"]["overall"], "REVIEWING");
}

#[tokio::test]
async fn an_analysis_whose_worker_keeps_dying_is_handed_to_review() {
    use ivs_core::Clock;
    // No analysis loop runs in the app: the test plays the workers, which die mid-job.
    let app = spawn_app_with(Options {
        scan_ref_hourly: 100_000,
        ..Options::default()
    })
    .await;
    let (rx, scan) = submit_with_webhook(&app, "c-dies").await;
    let kinds = [ivs_store::JOB_ANALYSE];
    let max = app.repo.jobs(ivs_store::JOB_ANALYSE).await.unwrap()[0].max_attempts;
    // Every allowed attempt is claimed by a worker that then vanishes (no heartbeat, no result);
    // after the stale cut-off the job goes back to the queue.
    for i in 0..max {
        let claimed = app
            .repo
            .claim_job(&format!("doomed-{i}"), &kinds, app.clock.unix())
            .await
            .unwrap();
        let Some(j) = claimed else {
            // Seen once in CI under load and not reproduced since: the job's row tells why.
            let jobs = app.repo.jobs(ivs_store::JOB_ANALYSE).await.unwrap();
            panic!(
                "the job is queued again after its worker died (attempt {}, now {}): {jobs:?}",
                i + 1,
                app.clock.unix()
            );
        };
        assert_eq!(j.attempts, i + 1);
        app.clock.advance(1_000);
        app.repo.requeue_stale_jobs(app.clock.unix() - 120).await.unwrap();
    }
    let s = app
        .post("/api/v2/status", &app.a, json!({"scanRef": scan}))
        .await
        .json();
    assert_eq!(
        s["status"], "ACTIVE",
        "nothing is decided while the job is in flight: {s}"
    );
    // The next worker sees a job past its maximum: it does not run it again (the image may be
    // what kills workers) but hands the verification to a reviewer.
    let clock: ivs_core::SharedClock = app.clock.clone();
    let analyser = ivs_worker::Analyser {
        engines: shared_engines(),
        repo: app.repo.clone(),
        files: ivs_store::Files::local(&app.files_dir).unwrap(),
        clock: clock.clone(),
        index: Default::default(),
    };
    let ran = ivs_worker::runner::run_next_analysis(
        "survivor",
        &app.repo,
        &clock,
        &analyser,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert!(ran);
    let j = app.repo.jobs(ivs_store::JOB_ANALYSE).await.unwrap().remove(0);
    assert_eq!(j.status, ivs_store::JobStatus::Failed, "{j:?}");
    assert_eq!(j.attempts, max + 1);
    assert_handed_to_review(&app, &rx, &scan).await;
    // Nothing else is left to run.
    assert!(
        !ivs_worker::runner::run_next_analysis(
            "survivor",
            &app.repo,
            &clock,
            &analyser,
            Duration::from_secs(5)
        )
        .await
        .unwrap()
    );
}

/// A phone stores its photo as the sensor saw it and says in EXIF how to turn it: the reader and
/// the portrait search work on the one picture the user saw, so the page turn the reader finds
/// also puts the portrait upright for the face detector.
#[test]
fn a_document_photo_stored_turned_with_an_exif_orientation_reads_and_finds_its_portrait() {
    use image::{ImageEncoder, codecs::jpeg::JpegEncoder};
    let upright_bytes = passport("obama.jpg", "320101", 0.0);
    let upright = image::load_from_memory(&upright_bytes).unwrap().to_rgb8();
    // Stored a quarter turn back; Orientation 6 says "turn 90° clockwise to view".
    let stored = image::imageops::rotate270(&upright);
    let exif = vec![
        0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0,
    ];
    let mut turned_bytes = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut turned_bytes, 92);
    enc.set_exif_metadata(exif).unwrap();
    enc.write_image(
        stored.as_raw(),
        stored.width(),
        stored.height(),
        image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    let selfie = selfie("obama2.jpg");
    let engines = shared_engines();
    let run = |front: &[u8]| {
        ivs_worker::pipeline::run_models(
            &engines,
            &ivs_worker::pipeline::Inputs {
                front,
                back: None,
                face: Some(&selfie),
                today: time::macros::date!(2026 - 11 - 26),
                token_type: ivs_core::vocab::TokenType::Identification,
                threshold_modifier: 0.0,
                selected_document_type: None,
            },
        )
        .unwrap()
        .facts
    };
    let (a, b) = (run(&upright_bytes), run(&turned_bytes));
    assert!(a.document.portrait_found, "{a:?}");
    assert!(b.document.portrait_found, "the turned photo's portrait: {b:?}");
    assert_eq!(b.document.read_status, a.document.read_status);
    assert_eq!(b.document.fields, a.document.fields);
    let (fa, fb) = (a.face.unwrap(), b.face.unwrap());
    assert_eq!(fb.comparison, fa.comparison, "{fa:?} {fb:?}");
}
