//! Operations endpoints: `/metrics`.
use crate::helpers::*;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

/// The value of the sample `name{labels}` in a Prometheus text scrape (labels in any order).
fn sample(scrape: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let want: BTreeMap<&str, &str> = labels.iter().copied().collect();
    scrape.lines().filter(|l| !l.starts_with('#')).find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let (n, rest) = match series.split_once('{') {
            Some((n, rest)) => (n, rest.strip_suffix('}')?),
            None => (series, ""),
        };
        if n != name {
            return None;
        }
        let got: BTreeMap<&str, &str> = rest
            .split(',')
            .filter(|kv| !kv.is_empty())
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                Some((k, v.trim_matches('"')))
            })
            .collect();
        (got == want).then(|| value.parse().ok())?
    })
}

async fn scrape(app: &TestApp) -> String {
    let r = app.get("/metrics", None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    r.text()
}

#[tokio::test]
async fn metrics_count_requests_by_route_queue_depth_and_webhook_outcomes() {
    let app = spawn_app().await;
    // the first attempt fails (retry), the second is delivered
    let rx = app.webhook_receiver(vec![(500, None)]).await;
    let t = app
        .token(json!({"clientId": "c1", "dummyStatus": "APPROVED"}))
        .await;
    let scan_ref = t["scanRef"].as_str().unwrap();
    for _ in 0..2 {
        let r = app
            .get(&format!("/api/v2/status?scanRef={scan_ref}"), Some(&app.a))
            .await;
        assert_eq!(r.status, 200);
    }
    app.get("/api/v2/status?scanRef=unknown", Some(&app.a))
        .await
        .assert_error(404, "NOT_FOUND");
    app.get("/api/v2/status?scanRef=x", None)
        .await
        .assert_error(401, "UNAUTHORIZED");
    app.get("/no/such/path/123", None)
        .await
        .assert_error(404, "NOT_FOUND");
    let (submitted, _) = app.submitted().await; // queues one analyse job
    assert!(!submitted.is_empty());

    rx.wait_for(1).await;
    app.clock.advance(10);
    rx.wait_for(2).await;
    // the outcome is counted right after the attempt is recorded
    let mut out = String::new();
    for _ in 0..100 {
        out = scrape(&app).await;
        if sample(&out, "ivs_webhook_deliveries_total", &[("outcome", "delivered")]).is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let requests = |method, route, status| {
        sample(
            &out,
            "ivs_http_requests_total",
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    assert_eq!(requests("GET", "/api/v2/status", "200"), Some(2.0), "{out}");
    assert_eq!(requests("GET", "/api/v2/status", "404"), Some(1.0), "{out}");
    assert_eq!(requests("GET", "/api/v2/status", "401"), Some(1.0), "{out}");
    assert_eq!(requests("POST", "/api/v2/token", "201"), Some(2.0), "{out}");
    assert_eq!(requests("POST", "/api/v2/process", "200"), Some(1.0), "{out}");
    // arbitrary paths collapse into one label
    assert_eq!(requests("GET", "(unmatched)", "404"), Some(1.0), "{out}");
    assert!(!out.contains("/no/such/path"), "{out}");
    // the latency histogram of the route holds all four /status requests
    let hist = |suffix: &str, extra: &[(&str, &str)]| {
        let mut labels = vec![("method", "GET"), ("route", "/api/v2/status")];
        labels.extend_from_slice(extra);
        sample(
            &out,
            &format!("ivs_http_request_duration_seconds{suffix}"),
            &labels,
        )
    };
    assert_eq!(hist("_count", &[]), Some(4.0), "{out}");
    assert_eq!(hist("_bucket", &[("le", "+Inf")]), Some(4.0), "{out}");
    assert!(hist("_sum", &[]).unwrap() > 0.0);
    // queue depth, read from the store at scrape time
    assert_eq!(
        sample(
            &out,
            "ivs_queue_jobs",
            &[("kind", "analyse"), ("status", "queued")]
        ),
        Some(1.0),
        "{out}"
    );
    assert_eq!(
        sample(&out, "ivs_webhook_events", &[("status", "delivered")]),
        Some(1.0),
        "{out}"
    );
    assert_eq!(
        sample(&out, "ivs_webhook_events", &[("status", "pending")]),
        Some(0.0),
        "{out}"
    );
    // webhook outcomes
    let outcome = |o| sample(&out, "ivs_webhook_deliveries_total", &[("outcome", o)]);
    assert_eq!(outcome("retry"), Some(1.0), "{out}");
    assert_eq!(outcome("delivered"), Some(1.0), "{out}");
    assert_eq!(outcome("failed"), None, "{out}");
    // no personal data or capability in the labels
    assert!(!out.contains(scan_ref), "{out}");
}

#[tokio::test]
async fn metrics_token_is_required_when_configured() {
    let app = spawn_app_with(Options {
        metrics_token: Some("s3cret-metrics".into()),
        ..Options::default()
    })
    .await;
    app.get("/metrics", None).await.assert_error(401, "UNAUTHORIZED");
    let wrong = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let ok = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth("s3cret-metrics")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("ivs_webhook_events"));
}

/// Every path the router serves, read from its `Debug` output (axum lists the registered paths).
fn router_paths() -> Vec<String> {
    let dump = format!("{:?}", ivs_server::routes());
    let mut paths: Vec<String> = dump
        .split('"')
        .filter(|s| s.starts_with('/'))
        // axum's own catch-all entries for the fallback
        .filter(|s| *s != "/" && !s.contains("__private__axum"))
        .map(str::to_owned)
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

#[tokio::test]
async fn every_route_and_method_of_the_router_is_in_the_openapi_document() {
    let app = spawn_app().await;
    let r = app.get("/api/openapi.json", None).await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(
        doc,
        serde_json::from_str::<serde_json::Value>(&ivs_server::openapi::json()).unwrap()
    );
    let spec = doc["paths"].as_object().unwrap();
    let paths = router_paths();
    assert!(paths.len() >= 16, "could not list the router's paths: {paths:?}");
    for path in &paths {
        let item = spec
            .get(path)
            .unwrap_or_else(|| panic!("route {path} is not in the OpenAPI document"));
        // a method is routed unless the router answers 405 METHOD_NOT_ALLOWED
        let concrete = path.replace("{token}", "x");
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            let resp = app
                .client
                .request(method.parse().unwrap(), format!("{}{concrete}", app.base))
                .send()
                .await
                .unwrap();
            let routed = resp.status() != 405;
            let documented = item.get(method.to_ascii_lowercase()).is_some();
            assert_eq!(
                routed, documented,
                "{method} {path}: routed {routed}, documented {documented}"
            );
        }
    }
    // and nothing is documented that is not served
    for path in spec.keys() {
        assert!(paths.contains(path), "{path} is documented but not routed");
    }
}

#[test]
fn ivs_openapi_prints_the_document() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ivs"))
        .arg("openapi")
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        printed,
        serde_json::from_str::<serde_json::Value>(&ivs_server::openapi::json()).unwrap()
    );
}
