//! The iDenfy v2 endpoints end to end over HTTP.
use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test]
async fn token_is_created_with_defaults_echoed() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/api/v2/token",
            &app.a,
            json!({"clientId": "user-1", "firstName": "Jürgen", "lastName": "Sample Butch", "somethingNew": 1}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(v["message"], "Token created successfully");
    assert_eq!(v["clientId"], "user-1");
    assert_eq!(v["personScanRef"], "user-1");
    assert_eq!(v["firstName"], "JÜRGEN");
    assert_eq!(v["lastName"], "SAMPLE BUTCH");
    assert_eq!(v["expiryTime"], 86400);
    assert_eq!(v["sessionLength"], 1800);
    assert_eq!(v["locale"], "en");
    assert_eq!(v["tokenType"], "IDENTIFICATION");
    assert_eq!(
        v["documents"],
        json!(["ID_CARD", "PASSPORT", "DRIVER_LICENSE", "RESIDENCE_PERMIT"])
    );
    assert_eq!(v["digitString"], Value::Null);
    assert!(v.get("somethingNew").is_none());
    let token = v["authToken"].as_str().unwrap();
    assert_eq!(token.len(), 40);
    assert!(token.chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(uuid::Uuid::parse_str(v["scanRef"].as_str().unwrap()).is_ok());
    assert_eq!(
        v["redirectUrl"],
        format!("{}/api/v2/redirect?authToken={token}", app.base)
    );

    let v = app
        .token(json!({"clientId": "u2", "generateDigitString": true}))
        .await;
    let digits = v["digitString"].as_str().unwrap();
    assert!(digits.len() == 8 && digits.chars().all(|c| c.is_ascii_digit()));
}

#[tokio::test]
async fn token_validation_errors() {
    let app = spawn_app().await;
    app.post("/api/v2/token", &app.a, json!({}))
        .await
        .assert_error(400, "MISSING_VALUE");
    app.post("/api/v2/token", &app.a, json!({"clientId": "c", "expiryTime": 0}))
        .await
        .assert_error(400, "BAD_VALUE");
    app.post(
        "/api/v2/token",
        &app.a,
        json!({"clientId": "c", "firstName": "J0hn"}),
    )
    .await
    .assert_error(400, "BAD_VALUE");
    app.post(
        "/api/v2/token",
        &app.a,
        json!({"clientId": "c", "country": "LTU"}),
    )
    .await
    .assert_error(400, "BAD_VALUE");
    app.post_raw("/api/v2/token", Some(&app.a), b"{\"clientId\":".to_vec())
        .await
        .assert_error(400, "JSON_ERROR");
    app.post_raw("/api/v2/token", Some(&app.a), b"[1,2]".to_vec())
        .await
        .assert_error(400, "JSON_ERROR");
    app.post_raw("/api/v2/token", Some(&app.a), vec![b'{', 0xff, 0xfe, b'}'])
        .await
        .assert_error(400, "ENCODING_ERROR");
}

#[tokio::test]
async fn authentication_is_required_and_checked() {
    let app = spawn_app().await;
    let body = serde_json::to_vec(&json!({"clientId": "c"})).unwrap();
    app.post_raw("/api/v2/token", None, body.clone())
        .await
        .assert_error(401, "UNAUTHORIZED");
    let wrong = Creds {
        key: app.a.key.clone(),
        secret: "not-the-secret".into(),
        signing_key: String::new(),
    };
    app.post_raw("/api/v2/token", Some(&wrong), body.clone())
        .await
        .assert_error(401, "UNAUTHORIZED");
    let unknown = Creds {
        key: "nobody".into(),
        secret: app.a.secret.clone(),
        signing_key: String::new(),
    };
    app.post_raw("/api/v2/token", Some(&unknown), body.clone())
        .await
        .assert_error(401, "UNAUTHORIZED");
    let r = app
        .client
        .post(format!("{}/api/v2/status", app.base))
        .header("authorization", "Bearer abc")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let app = spawn_app().await;
    app.get("/api/v2/nope", Some(&app.a))
        .await
        .assert_error(404, "NOT_FOUND");
    app.get("/api/v2/token", Some(&app.a))
        .await
        .assert_error(405, "METHOD_NOT_ALLOWED");
    app.get("/api/v2/process", Some(&app.a))
        .await
        .assert_error(405, "METHOD_NOT_ALLOWED");
    let r = app
        .client
        .delete(format!("{}/api/v2/status", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
}

#[tokio::test]
async fn retrieval_before_submission() {
    let app = spawn_app().await;
    let t = app.token(json!({"clientId": "user-1"})).await;
    let scan_ref = t["scanRef"].as_str().unwrap();

    let s = app
        .post("/api/v2/status", &app.a, json!({"scanRef": scan_ref}))
        .await;
    assert_eq!(s.status, 200);
    assert_eq!(
        s.json(),
        json!({"status": "ACTIVE", "scanRef": scan_ref, "clientId": "user-1", "autoDocument": null,
               "autoFace": null, "manualDocument": null, "manualFace": null, "fraudTags": [], "mismatchTags": []})
    );
    let g = app
        .get(&format!("/api/v2/status?scanRef={scan_ref}"), Some(&app.a))
        .await;
    assert_eq!(g.json(), s.json());

    let d = app
        .post("/api/v2/data", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    let obj = d.as_object().unwrap();
    assert_eq!(obj.len(), 40);
    assert_eq!(d["scanRef"], scan_ref);
    assert!(
        obj.iter()
            .filter(|(k, _)| *k != "scanRef" && *k != "clientId")
            .all(|(_, v)| v.is_null())
    );

    let f = app
        .get(&format!("/api/v2/files?scanRef={scan_ref}"), Some(&app.a))
        .await
        .json();
    assert_eq!(
        f,
        json!({"fileUrls": {}, "videoUrls": {}, "additionalStepPdfUrls": {}})
    );

    app.post("/api/v2/status", &app.a, json!({}))
        .await
        .assert_error(400, "MISSING_VALUE");
    app.post("/api/v2/status", &app.a, json!({"scanRef": 5}))
        .await
        .assert_error(400, "BAD_VALUE");
    app.get("/api/v2/data", Some(&app.a))
        .await
        .assert_error(400, "MISSING_VALUE");
    app.post(
        "/api/v2/files",
        &app.a,
        json!({"scanRef": "00000000-0000-0000-0000-000000000000"}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn partners_cannot_see_each_other() {
    let app = spawn_app().await;
    let (scan_ref, token) = app.submitted().await;
    let unknown = app
        .post(
            "/api/v2/status",
            &app.b,
            json!({"scanRef": "11111111-2222-4333-8444-555555555555"}),
        )
        .await;
    for path in [
        "/api/v2/status",
        "/api/v2/data",
        "/api/v2/files",
        "/api/v2/delete",
    ] {
        let foreign = app.post(path, &app.b, json!({"scanRef": scan_ref})).await;
        foreign.assert_error(404, "NOT_FOUND");
        assert_eq!(
            foreign.json(),
            unknown.json(),
            "{path} must answer a foreign scanRef like an unknown one"
        );
    }
    // B cannot submit on A's token either
    let t = app.token(json!({"clientId": "x"})).await;
    app.post(
        "/api/v2/process",
        &app.b,
        process_body(t["authToken"].as_str().unwrap()),
    )
    .await
    .assert_error(400, "TOKEN_NOT_VALID");
    let _ = token;
}

#[tokio::test]
async fn process_stores_files_queues_a_job_and_consumes_the_token() {
    let app = spawn_app().await;
    let (scan_ref, token) = app.submitted().await;

    let jobs = app.repo.jobs(ivs_store::JOB_ANALYSE).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].payload["scanRef"], json!(scan_ref));
    assert!(jobs[0].payload["partnerId"].as_str().is_some());

    let s = app
        .post("/api/v2/status", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    assert_eq!(s["status"], "ACTIVE");
    let d = app
        .post("/api/v2/data", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    assert_eq!(d["selectedCountry"], "LT");

    // the token is consumed
    app.post("/api/v2/process", &app.a, process_body(&token))
        .await
        .assert_error(400, "TOKEN_NOT_VALID");
    assert_eq!(app.repo.jobs(ivs_store::JOB_ANALYSE).await.unwrap().len(), 1);
    // the legacy `token` spelling works too
    let t = app.token(json!({"clientId": "u"})).await;
    let mut body = process_body(t["authToken"].as_str().unwrap());
    let tok = body["authToken"].take();
    body.as_object_mut().unwrap().remove("authToken");
    body["token"] = tok;
    assert_eq!(app.post("/api/v2/process", &app.a, body).await.status, 200);

    // files: signed URLs that download with the right headers
    let f = app
        .post("/api/v2/files", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    assert_eq!(f["fileUrls"].as_object().unwrap().len(), 2);
    assert_eq!(f["FRONT"], f["fileUrls"]["FRONT"]);
    let front = app.get_url(f["fileUrls"]["FRONT"].as_str().unwrap()).await;
    assert_eq!(front.status, 200);
    assert_eq!(front.header("content-type").as_deref(), Some("image/jpeg"));
    assert_eq!(
        front.header("cache-control").as_deref(),
        Some("private, no-store")
    );
    assert_eq!(front.body, jpeg(64, 48));
    let face = app.get_url(f["fileUrls"]["FACE"].as_str().unwrap()).await;
    assert_eq!(face.header("content-type").as_deref(), Some("image/png"));
    assert_eq!(face.body, png(32, 32, 7));
}

#[tokio::test]
async fn process_rejects_bad_input_and_stores_nothing() {
    let app = spawn_app().await;
    let t = app.token(json!({"clientId": "u"})).await;
    let token = t["authToken"].as_str().unwrap().to_owned();
    let with_images = |images: Value| json!({"authToken": token, "images": images});

    app.post("/api/v2/process", &app.a, json!({"images": {}}))
        .await
        .assert_error(400, "MISSING_VALUE");
    app.post("/api/v2/process", &app.a, json!({"authToken": token}))
        .await
        .assert_error(400, "MISSING_VALUE");
    app.post(
        "/api/v2/process",
        &app.a,
        json!({"authToken": "nope", "images": {}}),
    )
    .await
    .assert_error(400, "TOKEN_NOT_VALID");
    app.post(
        "/api/v2/process",
        &app.a,
        with_images(json!({"FRONT": b64(&jpeg(8, 8))})),
    )
    .await
    .assert_error(400, "MISSING_VALUE");
    app.post(
        "/api/v2/process",
        &app.a,
        with_images(json!({"FRONT": "%%%notbase64", "FACE": b64(&png(4, 4, 1))})),
    )
    .await
    .assert_error(400, "BAD_VALUE");
    app.post(
        "/api/v2/process",
        &app.a,
        with_images(json!({"FRONT": b64(b"GIF89a tiny"), "FACE": b64(&png(4, 4, 1))})),
    )
    .await
    .assert_error(400, "BAD_VALUE");
    let mut truncated = jpeg(200, 200);
    truncated.truncate(truncated.len() / 3);
    app.post(
        "/api/v2/process",
        &app.a,
        with_images(json!({"FRONT": b64(&truncated), "FACE": b64(&png(4, 4, 1))})),
    )
    .await
    .assert_error(400, "BAD_VALUE");
    // a decompression bomb: 60000×60000 declared in a few bytes
    let bomb = bomb_png(60_000, 60_000);
    assert!(bomb.len() < 100);
    app.post(
        "/api/v2/process",
        &app.a,
        with_images(json!({"FRONT": b64(&bomb), "FACE": b64(&png(4, 4, 1))})),
    )
    .await
    .assert_error(400, "BAD_VALUE");
    // over 6 MB decoded
    let big = vec![0u8; 6_000_001];
    app.post(
        "/api/v2/process",
        &app.a,
        with_images(json!({"FRONT": b64(&big), "FACE": b64(&png(4, 4, 1))})),
    )
    .await
    .assert_error(413, "BAD_VALUE");
    // a body over 20 MB
    let huge = format!(
        "{{\"authToken\":\"{token}\",\"pad\":\"{}\"}}",
        "a".repeat(20_000_001)
    );
    app.post_raw("/api/v2/process", Some(&app.a), huge.into_bytes())
        .await
        .assert_error(413, "BAD_VALUE");
    app.post(
        "/api/v2/process",
        &app.a,
        json!({"authToken": token, "documentType": "BOARDING_PASS", "images": {}}),
    )
    .await
    .assert_error(400, "BAD_VALUE");
    app.post(
        "/api/v2/process",
        &app.a,
        json!({"authToken": token, "country": "LTU", "images": {}}),
    )
    .await
    .assert_error(400, "BAD_VALUE");

    // nothing was stored, the token still works
    assert!(app.repo.jobs(ivs_store::JOB_ANALYSE).await.unwrap().is_empty());
    let scan_ref = t["scanRef"].as_str().unwrap();
    assert!(app.repo.files(scan_ref).await.unwrap().is_empty());
    assert!(!app.files_dir.join("verifications").join(scan_ref).exists());
    assert_eq!(
        app.post("/api/v2/process", &app.a, process_body(&token))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn document_tokens_need_no_selfie_and_expired_tokens_are_refused() {
    let app = spawn_app().await;
    let t = app.token(json!({"clientId": "u", "tokenType": "DOCUMENT"})).await;
    let body = json!({"authToken": t["authToken"], "images": {"FRONT": b64(&jpeg(16, 16))}});
    assert_eq!(app.post("/api/v2/process", &app.a, body).await.status, 200);

    let t = app.token(json!({"clientId": "u", "expiryTime": 60})).await;
    app.clock.advance(61);
    app.post(
        "/api/v2/process",
        &app.a,
        process_body(t["authToken"].as_str().unwrap()),
    )
    .await
    .assert_error(400, "TOKEN_NOT_VALID");
    let s = app
        .post("/api/v2/status", &app.a, json!({"scanRef": t["scanRef"]}))
        .await
        .json();
    assert_eq!(s["status"], "EXPIRED");
}

#[tokio::test]
async fn redirect_goes_to_the_capture_page_or_explains() {
    let app = spawn_app().await;
    let t = app.token(json!({"clientId": "u", "expiryTime": 100})).await;
    let token = t["authToken"].as_str().unwrap();
    let r = app
        .get(&format!("/api/v2/redirect?authToken={token}"), None)
        .await;
    assert_eq!(r.status, 302);
    let location = r.header("location").unwrap();
    assert_eq!(location, format!("{}/capture?authToken={token}", app.base));
    let page = app.get_url(&location).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("not available yet"));

    let r = app.get("/api/v2/redirect?authToken=doesnotexist", None).await;
    assert_eq!(r.status, 404);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text().contains("not valid"));
    assert_eq!(app.get("/api/v2/redirect", None).await.status, 404);

    app.clock.advance(100);
    let r = app
        .get(&format!("/api/v2/redirect?authToken={token}"), None)
        .await;
    assert_eq!(r.status, 410);
    assert!(r.text().contains("expired"));

    let (_, used) = app.submitted().await;
    let r = app.get(&format!("/api/v2/redirect?authToken={used}"), None).await;
    assert_eq!(r.status, 410);
    assert!(r.text().contains("already been submitted"));
}

#[tokio::test]
async fn file_urls_expire_and_resist_tampering() {
    let app = spawn_app().await;
    let (scan_ref, _) = app.submitted().await;
    let f = app
        .post("/api/v2/files", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    let url = f["fileUrls"]["FRONT"].as_str().unwrap().to_owned();
    assert_eq!(app.get_url(&url).await.status, 200);

    let (prefix, sig) = url.rsplit_once('.').unwrap();
    let mut chars: Vec<char> = sig.chars().collect();
    chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
    let tampered = format!("{prefix}.{}", chars.into_iter().collect::<String>());
    let r = app.get_url(&tampered).await;
    r.assert_error(403, "PERMISSIONS_ERROR");
    app.get("/files/garbage", None)
        .await
        .assert_error(403, "PERMISSIONS_ERROR");

    app.clock.advance(3599);
    assert_eq!(app.get_url(&url).await.status, 200);
    app.clock.advance(1);
    app.get_url(&url).await.assert_error(403, "PERMISSIONS_ERROR");
    // a fresh /files call gives working links again
    let f = app
        .post("/api/v2/files", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    assert_eq!(
        app.get_url(f["fileUrls"]["FRONT"].as_str().unwrap()).await.status,
        200
    );
}

#[tokio::test]
async fn polling_limits_per_scan_ref_and_per_partner() {
    let app = spawn_app_with(Options {
        partner_hourly: 12,
        scan_ref_hourly: 3,
        ..Options::default()
    })
    .await;
    let t = app.token(json!({"clientId": "u"})).await; // 1 partner request
    let scan_ref = t["scanRef"].as_str().unwrap();
    for path in ["/api/v2/status", "/api/v2/data", "/api/v2/files"] {
        assert_eq!(
            app.post(path, &app.a, json!({"scanRef": scan_ref})).await.status,
            200
        );
    } // 4
    let r = app
        .post("/api/v2/status", &app.a, json!({"scanRef": scan_ref}))
        .await; // 5
    r.assert_error(429, "TOO_MANY_REQUESTS");
    let retry: i64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 3600);
    // another scanRef still answers
    let t2 = app.token(json!({"clientId": "u"})).await; // 6
    assert_eq!(
        app.post("/api/v2/status", &app.a, json!({"scanRef": t2["scanRef"]}))
            .await
            .status,
        200
    ); // 7
    for _ in 0..5 {
        assert_eq!(
            app.post("/api/v2/token", &app.a, json!({"clientId": "u"}))
                .await
                .status,
            201
        );
    } // 12
    let r = app.post("/api/v2/token", &app.a, json!({"clientId": "u"})).await;
    r.assert_error(429, "TOO_MANY_REQUESTS");
    assert!(r.header("retry-after").is_some());
    // partner B has its own budget
    assert_eq!(
        app.post("/api/v2/token", &app.b, json!({"clientId": "u"}))
            .await
            .status,
        201
    );
    // the next hour starts afresh
    app.clock.advance(3600);
    assert_eq!(
        app.post("/api/v2/status", &app.a, json!({"scanRef": scan_ref}))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn delete_semantics() {
    let app = spawn_app().await;
    // ACTIVE (unused token) and processing: refused
    let t = app.token(json!({"clientId": "u", "expiryTime": 100})).await;
    app.post("/api/v2/delete", &app.a, json!({"scanRef": t["scanRef"]}))
        .await
        .assert_error(400, "PARTNER_ERROR");
    let (scan_ref, _) = app.submitted().await;
    app.post("/api/v2/delete", &app.a, json!({"scanRef": scan_ref}))
        .await
        .assert_error(400, "PARTNER_ERROR");
    app.post("/api/v2/delete", &app.a, json!({}))
        .await
        .assert_error(400, "MISSING_VALUE");

    // finished: deleted, tombstone remains
    let f = app
        .post("/api/v2/files", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    let url = f["fileUrls"]["FACE"].as_str().unwrap().to_owned();
    let result = ivs_core::policy::VerificationResult {
        status: ivs_core::vocab::OverallStatus::Approved,
        auto_document: Some(ivs_core::vocab::DocumentStatus::DocValidated),
        auto_face: Some(ivs_core::vocab::FaceStatus::FaceMatch),
        manual_document: None,
        manual_face: None,
        fraud_tags: vec![],
        mismatch_tags: vec![],
        data: ivs_core::wire::DocData {
            doc_first_name: Some("ANNA".into()),
            ..Default::default()
        },
    };
    app.repo
        .record_result(&scan_ref, &result, START + 10, None)
        .await
        .unwrap();
    let d = app
        .post("/api/v2/data", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    assert_eq!(d["docFirstName"], "ANNA");
    let r = app
        .post("/api/v2/delete", &app.a, json!({"scanRef": scan_ref}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.body.is_empty());
    let s = app
        .post("/api/v2/status", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    assert_eq!(s["status"], "DELETED");
    assert_eq!(s["clientId"], "user-1");
    let d = app
        .post("/api/v2/data", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    assert!(
        d.as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| *k != "scanRef" && *k != "clientId")
            .all(|(_, v)| v.is_null())
    );
    let f = app
        .post("/api/v2/files", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    assert_eq!(
        f,
        json!({"fileUrls": {}, "videoUrls": {}, "additionalStepPdfUrls": {}})
    );
    app.get_url(&url).await.assert_error(404, "NOT_FOUND");
    assert!(
        !app.files_dir
            .join("verifications")
            .join(&scan_ref)
            .join("FACE")
            .exists()
    );
    // deleting again is harmless
    assert_eq!(
        app.post("/api/v2/delete", &app.a, json!({"scanRef": scan_ref}))
            .await
            .status,
        200
    );

    // an expired, never-used token: EXPIRED-DELETED
    app.clock.advance(100);
    assert_eq!(
        app.post("/api/v2/delete", &app.a, json!({"scanRef": t["scanRef"]}))
            .await
            .status,
        200
    );
    let s = app
        .post("/api/v2/status", &app.a, json!({"scanRef": t["scanRef"]}))
        .await
        .json();
    assert_eq!(s["status"], "EXPIRED-DELETED");
}

/// A delete reads the verification and then writes its tombstone in one transaction. On SQLite a
/// deferred transaction whose snapshot another connection's commit made stale fails at its first
/// write at once (the busy timeout does not apply): seen as a 500 in CI, with the worker loops
/// writing beside a delete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_succeed_while_other_sessions_are_being_written() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let app = Arc::new(
        spawn_app_with(Options {
            partner_hourly: 1_000_000,
            ..Options::default()
        })
        .await,
    );
    let mut refs = Vec::new();
    for i in 0..40 {
        let t = app
            .token(json!({"clientId": format!("gone-{i}"), "expiryTime": 100}))
            .await;
        refs.push(t["scanRef"].as_str().unwrap().to_owned());
    }
    app.clock.advance(200);
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (app, stop) = (app.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    app.token(json!({"clientId": format!("busy-{w}-{n}")})).await;
                    n += 1;
                }
                n
            })
        })
        .collect();
    for r in &refs {
        let resp = app.post("/api/v2/delete", &app.a, json!({"scanRef": r})).await;
        assert_eq!(resp.status, 200, "{r}: {}", resp.text());
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        assert!(w.await.unwrap() > 0, "a writer ran beside the deletes");
    }
    for r in &refs {
        let s = app
            .post("/api/v2/status", &app.a, json!({"scanRef": r}))
            .await
            .json();
        assert_eq!(s["status"], "EXPIRED-DELETED");
    }
}

#[tokio::test]
async fn a_panicking_handler_answers_an_opaque_500() {
    use axum::routing::get;
    let app = spawn_app().await;
    let _ = &app;
    let router = ivs_server::with_middleware(axum::Router::new().route(
        "/boom",
        get(|| async {
            let v: Vec<u8> = Vec::new();
            // an out-of-bounds index: the kind of bug CatchPanic is there for
            #[allow(clippy::indexing_slicing)]
            let x = v[usize::from(v.is_empty())];
            x.to_string()
        }),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let r = reqwest::get(format!("http://{addr}/boom")).await.unwrap();
    assert_eq!(r.status().as_u16(), 500);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v,
        json!({"identifier": "INTERNAL_ERROR", "message": "Internal server error."})
    );
}
