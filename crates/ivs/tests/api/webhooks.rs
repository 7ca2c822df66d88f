//! Webhook delivery to a real HTTP receiver on loopback.
use crate::helpers::*;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Requests received: headers and body bytes.
type Received = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;
/// Answers for the next requests, front first: status and optional `Retry-After`.
type Script = Arc<Mutex<Vec<(u16, Option<&'static str>)>>>;

impl TestApp {
    /// A receiver following `script`, set as partner A's webhook endpoint.
    pub async fn webhook_receiver(&self, script: Vec<(u16, Option<&'static str>)>) -> Receiver {
        let (rx, hook) = Receiver::start(script).await;
        self.repo
            .set_partner_webhook(&self.a.key, Some(&hook), &self.a.signing_key)
            .await
            .unwrap();
        rx
    }
}

/// A webhook receiver; after its script runs out it answers 200.
#[derive(Clone, Default)]
pub struct Receiver {
    pub got: Received,
    script: Script,
    delay: Duration,
}

impl Receiver {
    /// A receiver on a given port (to come back where a dead one was).
    pub async fn start_on(port: u16) -> Receiver {
        let (r, _) = Self::bind(vec![], Duration::ZERO, port).await;
        r
    }

    /// A receiver that takes `delay` to answer each request (200).
    pub async fn start_slow(delay: Duration) -> (Receiver, String) {
        Self::start_with(vec![], delay).await
    }

    pub async fn start(script: Vec<(u16, Option<&'static str>)>) -> (Receiver, String) {
        Self::start_with(script, Duration::ZERO).await
    }

    async fn start_with(script: Vec<(u16, Option<&'static str>)>, delay: Duration) -> (Receiver, String) {
        Self::bind(script, delay, 0).await
    }

    async fn bind(
        script: Vec<(u16, Option<&'static str>)>,
        delay: Duration,
        port: u16,
    ) -> (Receiver, String) {
        let r = Receiver {
            got: Arc::default(),
            script: Arc::new(Mutex::new(script)),
            delay,
        };
        let state = r.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let state = state.clone();
                async move {
                    // recorded on arrival, answered after the delay: a sender killed meanwhile never
                    // learns the event arrived
                    state.got.lock().unwrap().push((headers, body.to_vec()));
                    tokio::time::sleep(state.delay).await;
                    let next = {
                        let mut s = state.script.lock().unwrap();
                        if s.is_empty() { (200, None) } else { s.remove(0) }
                    };
                    let mut h = HeaderMap::new();
                    if let Some(ra) = next.1 {
                        h.insert("retry-after", ra.parse().unwrap());
                    }
                    (StatusCode::from_u16(next.0).unwrap(), h, "ok")
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (r, url)
    }

    pub fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }

    /// Waits (real time, bounded) until at least `n` requests arrived.
    pub async fn wait_for(&self, n: usize) {
        for _ in 0..250 {
            if self.count() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("receiver got {} requests, expected {n}", self.count());
    }

    /// Asserts that no further request arrives for a while.
    pub async fn stays_at(&self, n: usize) {
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(self.count(), n);
    }
}

fn hex_hmac(key: &str, body: &[u8]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    m.update(body);
    m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn expired_session(app: &TestApp, hook: &str) -> String {
    app.repo
        .set_partner_webhook(&app.a.key, Some(hook), &app.a.signing_key)
        .await
        .unwrap();
    let t = app
        .token(json!({"clientId": "user-7", "expiryTime": 60, "externalRef": "ext-1"}))
        .await;
    app.clock.advance(61);
    t["scanRef"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn expired_session_webhook_is_signed_and_complete() {
    let app = spawn_app().await;
    let (rx, hook) = Receiver::start(vec![]).await;
    let scan_ref = expired_session(&app, &hook).await;
    rx.wait_for(1).await;
    let (headers, body) = rx.got.lock().unwrap()[0].clone();
    let h = |k: &str| headers.get(k).unwrap().to_str().unwrap().to_owned();
    assert_eq!(h("idenfy-signature"), hex_hmac(&app.a.signing_key, &body));
    assert_eq!(h("idenfy-event-type"), "IDENTIFICATION_EXPIRED");
    let id = h("webhook-id");
    let ts = h("webhook-timestamp");
    assert_eq!(ts, (START + 61).to_string());
    // Standard Webhooks: v1,base64(HMAC(base64-decoded whsec secret, id.ts.body))
    let mut m = Hmac::<Sha256>::new_from_slice(app.a.signing_key.as_bytes()).unwrap();
    m.update(format!("{id}.{ts}.").as_bytes());
    m.update(&body);
    use base64::Engine;
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes())
    );
    assert_eq!(h("webhook-signature"), expected);

    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["final"], true);
    assert_eq!(v["scanRef"], scan_ref);
    assert_eq!(v["clientId"], "user-7");
    assert_eq!(v["externalRef"], "ext-1");
    assert_eq!(v["status"]["overall"], "EXPIRED");
    assert_eq!(v["data"].as_object().unwrap().len(), 40);
    assert_eq!(v["fileUrls"], json!({}));
    assert!(v["AML"].is_null() && v["LID"].is_null());
    let s = app
        .post("/api/v2/status", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    assert_eq!(s["status"], "EXPIRED");
    rx.stays_at(1).await;
}

#[tokio::test]
async fn failing_receiver_gets_the_event_with_one_webhook_id() {
    let app = spawn_app().await;
    let (rx, hook) = Receiver::start(vec![(500, None), (502, None), (404, None)]).await;
    let scan_ref = expired_session(&app, &hook).await;
    rx.wait_for(1).await;
    for n in 2..=4 {
        rx.stays_at(n - 1).await; // not before the backoff has passed
        app.clock.advance(10);
        rx.wait_for(n).await;
    }
    rx.stays_at(4).await;
    let ids: Vec<String> = rx
        .got
        .lock()
        .unwrap()
        .iter()
        .map(|(h, _)| h["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    let events = app.repo.webhook_events(&scan_ref).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].status, ivs_store::WebhookStatus::Delivered);
    let attempts = app.repo.webhook_attempts(&events[0].event_id).await.unwrap();
    let codes: Vec<Option<i64>> = attempts.iter().map(|a| a.status_code).collect();
    assert_eq!(codes, vec![Some(500), Some(502), Some(404), Some(200)]);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let app = spawn_app().await;
    let (rx, hook) = Receiver::start(vec![(503, Some("100"))]).await;
    expired_session(&app, &hook).await;
    rx.wait_for(1).await;
    app.clock.advance(50); // past the 10 s backoff, not past Retry-After
    rx.stays_at(1).await;
    app.clock.advance(50);
    rx.wait_for(2).await;
}

#[tokio::test]
async fn gone_disables_the_endpoint_until_redelivery() {
    let app = spawn_app().await;
    let (rx, hook) = Receiver::start(vec![(410, None)]).await;
    let first = expired_session(&app, &hook).await;
    rx.wait_for(1).await;
    // a second event is held back while the endpoint is disabled
    let t = app.token(json!({"clientId": "u", "expiryTime": 60})).await;
    app.clock.advance(61);
    rx.stays_at(1).await;
    let events = app
        .repo
        .webhook_events(t["scanRef"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(events[0].status, ivs_store::WebhookStatus::Disabled);
    assert_eq!(
        app.repo.webhook_events(&first).await.unwrap()[0].status,
        ivs_store::WebhookStatus::Disabled
    );

    let r = app.post("/ivs/v1/webhooks/redeliver", &app.a, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["redelivered"], 2);
    rx.wait_for(3).await;
    app.post(
        "/ivs/v1/webhooks/redeliver",
        &app.a,
        json!({"eventId": "evt_nope"}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    // redelivering one delivered event on purpose sends it again, same id
    let id = events[0].event_id.clone();
    let r = app
        .post("/ivs/v1/webhooks/redeliver", &app.a, json!({"eventId": id}))
        .await;
    assert_eq!(r.json()["redelivered"], 1);
    rx.wait_for(4).await;
    let got = rx.got.lock().unwrap();
    assert_eq!(
        got.iter()
            .filter(|(h, _)| h["webhook-id"].to_str().unwrap() == id)
            .count(),
        2
    );
}

#[tokio::test]
async fn private_callback_addresses_are_refused_unless_allowed() {
    let app = spawn_app_with(Options {
        allow_private_webhooks: false,
        ..Options::default()
    })
    .await;
    let (rx, hook) = Receiver::start(vec![]).await;
    let scan_ref = expired_session(&app, &hook).await;
    let mut events = Vec::new();
    for _ in 0..100 {
        events = app.repo.webhook_events(&scan_ref).await.unwrap();
        if events
            .first()
            .is_some_and(|e| e.status != ivs_store::WebhookStatus::Pending)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(events[0].status, ivs_store::WebhookStatus::Dead);
    assert!(
        events[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("private or loopback")
    );
    assert_eq!(rx.count(), 0);
}

#[tokio::test]
async fn sandbox_dummy_statuses_fire_auto_then_manual_webhooks() {
    let app = spawn_app().await;
    let rx = app.webhook_receiver(vec![]).await;

    let r = app
        .post(
            "/api/v2/token",
            &app.a,
            json!({"clientId": "c1", "firstName": "Anna", "dummyStatus": "SUSPECTED"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let t = r.json();
    assert_eq!(t["message"], "Dummy token and verification created successfully");
    let scan_ref = t["scanRef"].as_str().unwrap();
    let s = app
        .post("/api/v2/status", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    assert_eq!(s["status"], "SUSPECTED");
    assert_eq!(s["mismatchTags"], json!(["NAME"]));
    let d = app
        .post("/api/v2/data", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    assert_eq!(d["docFirstName"], "ANNA");
    rx.wait_for(1).await;

    let r = app
        .post(
            "/api/v2/add-dummy-status",
            &app.a,
            json!({"scanRef": scan_ref, "manualFaceMatchResult": "FACE_MATCH", "manualDocumentValidity": "DOC_VALIDATED"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    rx.wait_for(2).await;
    let got = rx.got.lock().unwrap().clone();
    let kinds: Vec<&str> = got
        .iter()
        .map(|(h, _)| h["idenfy-event-type"].to_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["IDENTIFICATION_AUTO_FINISHED", "IDENTIFICATION_MANUAL_FINISHED"]
    );
    let last: Value = serde_json::from_slice(&got[1].1).unwrap();
    assert_eq!(
        (last["final"].clone(), last["status"]["overall"].clone()),
        (json!(true), json!("APPROVED"))
    );
    assert_eq!(last["status"]["manualFace"], "FACE_MATCH");

    // live partners may not use the dummy endpoints; bad values are refused
    app.post(
        "/api/v2/token",
        &app.b,
        json!({"clientId": "c", "dummyStatus": "APPROVED"}),
    )
    .await
    .assert_error(403, "PERMISSIONS_ERROR");
    app.post("/api/v2/add-dummy-status", &app.b, json!({"scanRef": scan_ref}))
        .await
        .assert_error(403, "PERMISSIONS_ERROR");
    app.post(
        "/api/v2/token",
        &app.a,
        json!({"clientId": "c", "dummyStatus": "ACTIVE"}),
    )
    .await
    .assert_error(400, "BAD_VALUE");
    let plain = app.token(json!({"clientId": "c"})).await;
    app.post(
        "/api/v2/add-dummy-status",
        &app.a,
        json!({"scanRef": plain["scanRef"], "manualFaceMatchResult": "FACE_MATCH", "manualDocumentValidity": "DOC_VALIDATED"}),
    )
    .await
    .assert_error(400, "PARTNER_ERROR");
}

#[tokio::test]
async fn everything_arrives_after_a_receiver_outage() {
    // two minutes of refused connections (fake time), retries every 10 s
    let app = spawn_app_with(Options {
        webhook_schedule: vec![10; 30],
        ..Options::default()
    })
    .await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hook = format!("http://127.0.0.1:{port}/hook");
    app.repo
        .set_partner_webhook(&app.a.key, Some(&hook), &app.a.signing_key)
        .await
        .unwrap();
    let mut scan_refs = Vec::new();
    for i in 0..20 {
        let t = app
            .token(json!({"clientId": format!("c{i}"), "dummyStatus": "DENIED"}))
            .await;
        scan_refs.push(t["scanRef"].as_str().unwrap().to_owned());
    }
    for _ in 0..12 {
        // let the worker finish every attempt that is due before moving (fake) time on, so a
        // slow machine sees the same number of attempts as a fast one
        for _ in 0..200 {
            let now = ivs_core::Clock::unix(app.clock.as_ref());
            let mut due = false;
            for s in &scan_refs {
                let e = app.repo.webhook_events(s).await.unwrap();
                due |= e.iter().any(|e| e.next_attempt_at <= now);
            }
            if !due {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        app.clock.advance(10);
    }
    let failed = app.repo.webhook_events(&scan_refs[0]).await.unwrap();
    assert_eq!(failed[0].status, ivs_store::WebhookStatus::Pending);
    assert!(
        failed[0].attempts >= 5,
        "retried during the outage: {}",
        failed[0].attempts
    );
    assert_eq!(failed[0].last_error.as_deref(), Some("connection failed"));

    let rx = Receiver::start_on(port).await;
    app.clock.advance(10);
    rx.wait_for(20).await;
    for s in &scan_refs {
        // The receiver counts a request before the worker has read the answer and recorded
        // the delivery: give the worker a moment to write it.
        let mut status = app.repo.webhook_events(s).await.unwrap()[0].status;
        for _ in 0..250 {
            if status == ivs_store::WebhookStatus::Delivered {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            status = app.repo.webhook_events(s).await.unwrap()[0].status;
        }
        assert_eq!(status, ivs_store::WebhookStatus::Delivered);
    }
}

#[tokio::test]
async fn cancelling_an_unused_session() {
    let app = spawn_app().await;
    let rx = app.webhook_receiver(vec![]).await;
    let t = app.token(json!({"clientId": "c"})).await;
    app.post("/ivs/v1/cancel", &app.b, json!({"scanRef": t["scanRef"]}))
        .await
        .assert_error(404, "NOT_FOUND");
    let r = app
        .post("/ivs/v1/cancel", &app.a, json!({"scanRef": t["scanRef"]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    rx.wait_for(1).await;
    let (h, body) = rx.got.lock().unwrap()[0].clone();
    assert_eq!(h["idenfy-event-type"], "IDENTIFICATION_CANCELLED");
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (v["final"].clone(), v["status"]["overall"].clone()),
        (json!(true), json!("EXPIRED"))
    );
    // the token is dead, and a second cancel is refused
    app.post(
        "/api/v2/process",
        &app.a,
        process_body(t["authToken"].as_str().unwrap()),
    )
    .await
    .assert_error(400, "TOKEN_NOT_VALID");
    app.post("/ivs/v1/cancel", &app.a, json!({"scanRef": t["scanRef"]}))
        .await
        .assert_error(400, "PARTNER_ERROR");
    // a submitted session cannot be cancelled
    let (submitted, _) = app.submitted().await;
    app.post("/ivs/v1/cancel", &app.a, json!({"scanRef": submitted}))
        .await
        .assert_error(400, "PARTNER_ERROR");
}

#[tokio::test]
async fn a_started_session_expires_after_session_length() {
    let app = spawn_app().await;
    let rx = app.webhook_receiver(vec![]).await;
    // The token lives for an hour; the session, once started, for 60 s.
    let t = app
        .token(json!({"clientId": "user-8", "expiryTime": 3600, "sessionLength": 60}))
        .await;
    let (scan_ref, auth) = (t["scanRef"].as_str().unwrap(), t["authToken"].as_str().unwrap());
    let r = app.get(&format!("/api/v2/redirect?authToken={auth}"), None).await;
    assert_eq!(r.status, 302);
    app.clock.advance(59);
    // Opening the page again does not restart the session.
    assert_eq!(
        app.get(&format!("/api/v2/redirect?authToken={auth}"), None)
            .await
            .status,
        302
    );
    rx.stays_at(0).await;
    app.clock.advance(1);
    rx.wait_for(1).await;
    let (headers, body) = rx.got.lock().unwrap()[0].clone();
    assert_eq!(headers["idenfy-event-type"], "IDENTIFICATION_EXPIRED");
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["status"]["overall"], "EXPIRED");
    let s = app
        .post("/api/v2/status", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    assert_eq!(s["status"], "EXPIRED");
    app.post("/api/v2/process", &app.a, process_body(auth))
        .await
        .assert_error(400, "TOKEN_NOT_VALID");
    assert_eq!(
        app.get(&format!("/api/v2/redirect?authToken={auth}"), None)
            .await
            .status,
        410
    );
}
