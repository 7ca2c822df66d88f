//! `GET /metrics`: Prometheus text format.
//!
//! Each [`AppState`] owns its own recorder (nothing is installed globally), so several servers in
//! one process, as in the integration tests, keep separate counts. Code records through
//! [`Metrics::record`] with the `metrics` macros; the workers get the same recorder through
//! [`Metrics::recorder`]. Queue depth is read from the store at scrape time.
//!
//! Every metric name is a constant below with one description.
//!
//! `/metrics` is open unless `metrics.token` is configured; then it needs
//! `Authorization: Bearer <token>`. It carries counts only, never personal data.
use crate::{AppState, WebError};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ivs_core::ApiError;
use metrics::{Recorder, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// Requests by `method`, matched route template (`route`) and `status`.
pub const HTTP_REQUESTS: &str = "ivs_http_requests_total";
/// Request latency by `method` and `route`, seconds (histogram).
pub const HTTP_DURATION: &str = "ivs_http_request_duration_seconds";
/// Jobs queued or running by `kind` and `status` (read at scrape time).
pub const QUEUE_JOBS: &str = "ivs_queue_jobs";
/// Webhook events by outbox `status` (pending, delivered, dead, disabled; read at scrape time).
pub const WEBHOOK_EVENTS: &str = "ivs_webhook_events";

/// The route label of a request no route matched (keeps arbitrary paths out of the labels).
pub const UNMATCHED: &str = "(unmatched)";

const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const WEBHOOK_STATUSES: [&str; 4] = ["pending", "delivered", "dead", "disabled"];

/// The recorder of one server and what the scrape needs.
#[derive(Debug)]
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
    /// `(kind, status)` job series already exported: reset to 0 when they empty.
    job_series: Mutex<BTreeSet<(String, String)>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), &LATENCY_BUCKETS)
            // only fails for an empty bucket list
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = Arc::new(builder.build_recorder());
        let handle = recorder.handle();
        let m = Metrics {
            recorder,
            handle,
            job_series: Mutex::new(BTreeSet::new()),
        };
        m.record(|| {
            metrics::describe_counter!(
                HTTP_REQUESTS,
                "HTTP requests by method, route template and status."
            );
            metrics::describe_histogram!(
                HTTP_DURATION,
                Unit::Seconds,
                "HTTP request latency by method and route template."
            );
            metrics::describe_gauge!(QUEUE_JOBS, "Jobs queued or running, by kind and status.");
            metrics::describe_gauge!(WEBHOOK_EVENTS, "Webhook outbox events by status.");
        });
        m
    }

    /// Runs `f` (which uses the `metrics` macros) against this server's recorder.
    pub fn record<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(self.recorder.as_ref(), f)
    }

    /// The recorder, for code outside this crate (the webhook workers).
    pub fn recorder(&self) -> Arc<dyn Recorder + Send + Sync> {
        self.recorder.clone()
    }

    /// Histogram samples are kept until drained; without a scrape they would pile up.
    pub(crate) fn spawn_upkeep(self: &Arc<Self>) {
        let weak: Weak<Metrics> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                match weak.upgrade() {
                    Some(m) => m.handle.run_upkeep(),
                    None => break,
                }
            }
        });
    }

    /// Sets the queue-depth gauges from the store's counts.
    fn set_queue_depth(&self, jobs: &[(String, String, i64)], webhooks: &[(String, i64)]) {
        let mut seen = self.job_series.lock().unwrap_or_else(|p| p.into_inner());
        self.record(|| {
            let now: BTreeSet<(String, String)> =
                jobs.iter().map(|(k, s, _)| (k.clone(), s.clone())).collect();
            for (kind, status) in seen.difference(&now) {
                metrics::gauge!(QUEUE_JOBS, "kind" => kind.clone(), "status" => status.clone()).set(0.0);
            }
            for (kind, status, n) in jobs {
                #[allow(clippy::cast_precision_loss)]
                metrics::gauge!(QUEUE_JOBS, "kind" => kind.clone(), "status" => status.clone())
                    .set(*n as f64);
            }
            seen.extend(now);
            for status in WEBHOOK_STATUSES {
                let n = webhooks.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n);
                #[allow(clippy::cast_precision_loss)]
                metrics::gauge!(WEBHOOK_EVENTS, "status" => status).set(n as f64);
            }
        });
    }

    pub fn render(&self) -> String {
        self.handle.render()
    }
}

/// Middleware: counts each request and times it, labelled by the matched route template.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |m| m.as_str().to_owned());
    let resp = next.run(req).await;
    let elapsed = started.elapsed().as_secs_f64();
    let status = resp.status().as_u16().to_string();
    metrics.record(|| {
        metrics::counter!(HTTP_REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status)
            .increment(1);
        metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route).record(elapsed);
    });
    resp
}

fn authorized(state: &AppState, headers: &axum::http::HeaderMap) -> bool {
    let Some(token) = state.config.metrics_token.as_deref().filter(|t| !t.is_empty()) else {
        return true;
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    presented.as_bytes().ct_eq(token.as_bytes()).into()
}

/// `GET /metrics`.
#[utoipa::path(
    get, path = "/metrics", tag = crate::openapi::TAG_OPS,
    summary = "Prometheus metrics (text format)",
    description = "Open unless `metrics.token` is configured; then `Authorization: Bearer <token>` is required.",
    security((), ("metricsToken" = [])),
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain", body = String),
        (status = 401, description = "`UNAUTHORIZED`: `metrics.token` is set and the request does not carry it", body = crate::openapi::ErrorBody),
    )
)]
pub async fn scrape(State(s): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    if !authorized(&s, &headers) {
        return WebError(ApiError::unauthorized()).into_response();
    }
    match (s.repo.job_counts().await, s.repo.webhook_counts().await) {
        (Ok(jobs), Ok(webhooks)) => s.metrics.set_queue_depth(&jobs, &webhooks),
        (Err(e), _) | (_, Err(e)) => tracing::warn!(error = %e, "metrics: cannot read queue depth"),
    }
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        s.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_depth_series_fall_to_zero_when_empty() {
        let m = Metrics::new();
        m.set_queue_depth(
            &[("analyse".into(), "queued".into(), 3)],
            &[("pending".into(), 2)],
        );
        let out = m.render();
        assert!(
            out.contains(r#"ivs_queue_jobs{kind="analyse",status="queued"} 3"#),
            "{out}"
        );
        assert!(out.contains(r#"ivs_webhook_events{status="pending"} 2"#), "{out}");
        assert!(out.contains(r#"ivs_webhook_events{status="dead"} 0"#), "{out}");
        m.set_queue_depth(&[], &[]);
        let out = m.render();
        assert!(
            out.contains(r#"ivs_queue_jobs{kind="analyse",status="queued"} 0"#),
            "{out}"
        );
        assert!(out.contains(r#"ivs_webhook_events{status="pending"} 0"#), "{out}");
    }

    #[test]
    fn recorders_are_separate() {
        let (a, b) = (Metrics::new(), Metrics::new());
        a.record(|| metrics::counter!(HTTP_REQUESTS, "route" => "/x").increment(2));
        assert!(a.render().contains(r#"ivs_http_requests_total{route="/x"} 2"#));
        assert!(!b.render().contains("ivs_http_requests_total{"));
    }
}
