//! Webhook delivery: POST the rendered event, signed, with a timeout and no redirects; 2xx is
//! delivered, 410 disables the partner's endpoint, anything else is retried on a multi-day
//! schedule with jitter (at least `Retry-After`). Every attempt is logged.
use crate::signing::{idenfy_signature, standard_secret, standard_signature};
use ivs_core::SharedClock;
use ivs_core::vocab::EventType;
use ivs_core::webhook::IdentificationWebhook;
use ivs_store::{AttemptOutcome, FileLinks, SharedRepo, StoreError, WebhookAttempt, WebhookEvent};
use rand::Rng;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Delivery attempts by `outcome`: `delivered`, `retry`, `failed` (retries exhausted or
/// undeliverable) and `disabled` (410 Gone).
pub const WEBHOOK_DELIVERIES: &str = "ivs_webhook_deliveries_total";

/// A metrics recorder (the server's, see `ivs_server::Metrics::recorder`).
pub type SharedRecorder = Arc<dyn metrics::Recorder + Send + Sync>;

/// The outcome label of [`WEBHOOK_DELIVERIES`].
pub fn outcome_label(outcome: AttemptOutcome) -> &'static str {
    match outcome {
        AttemptOutcome::Delivered => "delivered",
        AttemptOutcome::RetryAt(_) => "retry",
        AttemptOutcome::Dead => "failed",
        AttemptOutcome::Disable => "disabled",
    }
}

/// The Standard Webhooks example schedule: waits after each failed attempt, seconds (about 75 h,
/// so retries last more than 3 days).
pub const DEFAULT_SCHEDULE: [i64; 9] = [5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400];

#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    pub timeout: Duration,
    /// Allow callback URLs that resolve to loopback, private or link-local addresses.
    pub allow_private: bool,
    /// Waits after failed attempts 1, 2, …; when they run out the event is dead.
    pub schedule: Vec<i64>,
    /// Lifetime of file links inside the payload.
    pub link_ttl_secs: i64,
    /// How long a claimed event stays leased to one worker.
    pub lease_secs: i64,
    /// ±10 % random spread on each wait.
    pub jitter: bool,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            timeout: Duration::from_secs(10),
            allow_private: false,
            schedule: DEFAULT_SCHEDULE.to_vec(),
            link_ttl_secs: 3600,
            lease_secs: 60,
            jitter: true,
        }
    }
}

/// What `send_test` saw.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    pub event_id: String,
    pub status: Option<u16>,
    pub latency_ms: i64,
    pub error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("http client: {0}")]
    Client(String),
    #[error("sample event")]
    Sample(#[from] ivs_core::ApiError),
}

#[derive(Debug, Clone)]
pub struct Deliverer {
    repo: SharedRepo,
    clock: SharedClock,
    links: FileLinks,
    client: reqwest::Client,
    cfg: Arc<DeliveryConfig>,
    metrics: Sink,
}

/// Where delivery outcomes are counted (a recorder has no `Debug`).
#[derive(Clone, Default)]
struct Sink(Option<SharedRecorder>);

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Sink(recorder)"
        } else {
            "Sink(global)"
        })
    }
}

/// Is this address one a webhook must not reach unless allowed?
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || (o[0] == 100 && (64..128).contains(&o[1])) // carrier-grade NAT
                || o[0] == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link local
        }
    }
}

fn retry_after_secs(resp: &reqwest::Response) -> Option<i64> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|s| *s >= 0)
}

impl Deliverer {
    pub fn new(
        repo: SharedRepo,
        clock: SharedClock,
        links: FileLinks,
        cfg: DeliveryConfig,
    ) -> Result<Self, DeliveryError> {
        let client = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ivs-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DeliveryError::Client(e.to_string()))?;
        Ok(Deliverer {
            repo,
            clock,
            links,
            client,
            cfg: Arc::new(cfg),
            metrics: Sink::default(),
        })
    }

    /// Counts delivery outcomes ([`WEBHOOK_DELIVERIES`]) in `recorder`; without one they go to
    /// the global `metrics` recorder, if any.
    pub fn with_metrics(mut self, recorder: SharedRecorder) -> Self {
        metrics::with_local_recorder(recorder.as_ref(), || {
            metrics::describe_counter!(WEBHOOK_DELIVERIES, "Webhook delivery attempts by outcome.");
        });
        self.metrics = Sink(Some(recorder));
        self
    }

    fn count_outcome(&self, outcome: AttemptOutcome) {
        let count =
            || metrics::counter!(WEBHOOK_DELIVERIES, "outcome" => outcome_label(outcome)).increment(1);
        match &self.metrics.0 {
            Some(r) => metrics::with_local_recorder(r.as_ref(), count),
            None => count(),
        }
    }

    /// Claims one due event and makes one attempt. `false` when nothing was due.
    pub async fn deliver_next(&self, worker: &str) -> Result<bool, DeliveryError> {
        let now = self.clock.unix();
        let Some(event) = self.repo.claim_webhook(worker, now, self.cfg.lease_secs).await? else {
            return Ok(false);
        };
        let (attempt, outcome) = self.attempt(&event).await?;
        tracing::info!(
            event_id = %event.event_id,
            scan_ref = %event.scan_ref,
            attempt = attempt.attempt,
            status = ?attempt.status_code,
            latency_ms = attempt.latency_ms,
            error = attempt.error.as_deref().unwrap_or(""),
            outcome = ?outcome,
            "webhook attempt"
        );
        self.repo.finish_webhook_attempt(&attempt, outcome).await?;
        self.count_outcome(outcome);
        Ok(true)
    }

    fn wait_after(&self, failed_attempts: i64, retry_after: Option<i64>) -> Option<i64> {
        let idx = usize::try_from(failed_attempts - 1).ok()?;
        let base = *self.cfg.schedule.get(idx)?;
        let spread = if self.cfg.jitter {
            rand::thread_rng().gen_range(0.9..1.1)
        } else {
            1.0
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let wait = ((base as f64) * spread).round() as i64;
        Some(wait.max(retry_after.unwrap_or(0)).max(1))
    }

    async fn check_destination(&self, url: &reqwest::Url) -> Result<(), String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err("callback URL must be http(s)".into());
        }
        if self.cfg.allow_private {
            return Ok(());
        }
        let host = url.host_str().ok_or("callback URL has no host")?;
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs: Vec<IpAddr> = match host.trim_matches(|c| c == '[' || c == ']').parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| format!("cannot resolve callback host: {e}"))?
                .map(|a| a.ip())
                .collect(),
        };
        if addrs.is_empty() || addrs.iter().any(|ip| is_internal(*ip)) {
            return Err(
                "callback URL resolves to a private or loopback address, which is not allowed".into(),
            );
        }
        Ok(())
    }

    /// POSTs `body` with the iDenfy and Standard Webhooks signature headers.
    async fn post_signed(
        &self,
        url: reqwest::Url,
        signing_key: &str,
        event_type: EventType,
        event_id: &str,
        now: i64,
        body: Vec<u8>,
    ) -> reqwest::Result<reqwest::Response> {
        let std_sig =
            standard_signature(&standard_secret(signing_key), event_id, now, &body).unwrap_or_default();
        self.client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Idenfy-Signature", idenfy_signature(signing_key, &body))
            .header("Idenfy-Event-Type", event_type.as_str())
            .header("webhook-id", event_id)
            .header("webhook-timestamp", now.to_string())
            .header("webhook-signature", std_sig)
            .body(body)
            .send()
            .await
    }

    /// `ivs webhooks test`: sends a signed sample `IDENTIFICATION_AUTO_FINISHED` event to the
    /// partner's URL now (not through the outbox) and says what came back.
    pub async fn send_test(&self, partner: &ivs_store::Partner) -> Result<TestOutcome, DeliveryError> {
        let url_text = partner
            .webhook_url
            .clone()
            .ok_or_else(|| DeliveryError::Client("no webhook URL configured".into()))?;
        let url = reqwest::Url::parse(&url_text)
            .map_err(|_| DeliveryError::Client("webhook URL is not valid".into()))?;
        self.check_destination(&url)
            .await
            .map_err(DeliveryError::Client)?;
        let now = self.clock.unix();
        let event_id = format!("evt_test_{}", uuid::Uuid::new_v4().simple());
        let body = IdentificationWebhook::sample(now)?;
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let started = Instant::now();
        let sent = self
            .post_signed(
                url,
                &partner.signing_key,
                EventType::IdentificationAutoFinished,
                &event_id,
                now,
                bytes,
            )
            .await;
        let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        Ok(match sent {
            Ok(r) => TestOutcome {
                event_id,
                status: Some(r.status().as_u16()),
                latency_ms,
                error: None,
            },
            Err(e) => TestOutcome {
                event_id,
                status: None,
                latency_ms,
                error: Some(e.to_string()),
            },
        })
    }

    async fn attempt(&self, e: &WebhookEvent) -> Result<(WebhookAttempt, AttemptOutcome), DeliveryError> {
        let now = self.clock.unix();
        let number = e.attempts + 1;
        let mut record = WebhookAttempt {
            event_id: e.event_id.clone(),
            attempt: number,
            at: now,
            url: String::new(),
            status_code: None,
            latency_ms: 0,
            error: None,
        };
        let dead = |mut r: WebhookAttempt, why: &str| {
            r.error = Some(why.to_owned());
            Ok((r, AttemptOutcome::Dead))
        };
        let Some(partner) = self.repo.partner_by_id(&e.partner_id).await? else {
            return dead(record, "partner no longer exists");
        };
        if partner.webhook_disabled {
            record.error = Some("endpoint disabled after 410 Gone; redeliver to resume".into());
            return Ok((record, AttemptOutcome::Disable));
        }
        let Some(url_text) = e.callback_url.clone().or(partner.webhook_url.clone()) else {
            return dead(record, "no webhook URL configured");
        };
        record.url = url_text.clone();
        let url = match reqwest::Url::parse(&url_text) {
            Ok(u) => u,
            Err(_) => return dead(record, "webhook URL is not valid"),
        };
        if let Err(why) = self.check_destination(&url).await {
            return dead(record, &why);
        }
        let Some(v) = self.repo.verification(&partner.id, &e.scan_ref).await? else {
            return dead(record, "verification no longer exists");
        };
        let files = self.repo.files(&e.scan_ref).await?;
        let file_urls = self
            .links
            .urls(&v.scan_ref, &files, now, self.cfg.link_ttl_secs)
            .await?;
        let body = IdentificationWebhook::new(&v, e.final_, file_urls, now);
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let started = Instant::now();
        let sent = self
            .post_signed(url, &partner.signing_key, e.event_type, &e.event_id, now, bytes)
            .await;
        record.latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let outcome = match sent {
            Ok(resp) => {
                let code = resp.status().as_u16();
                record.status_code = Some(i64::from(code));
                if resp.status().is_success() {
                    AttemptOutcome::Delivered
                } else if code == 410 {
                    record.error = Some("410 Gone: endpoint disabled".into());
                    AttemptOutcome::Disable
                } else {
                    record.error = Some(format!("HTTP {code}"));
                    match self.wait_after(number, retry_after_secs(&resp)) {
                        Some(w) => AttemptOutcome::RetryAt(now + w),
                        None => AttemptOutcome::Dead,
                    }
                }
            }
            Err(err) => {
                record.error = Some(if err.is_timeout() {
                    "timed out".to_owned()
                } else if err.is_connect() {
                    "connection failed".to_owned()
                } else {
                    "request failed".to_owned()
                });
                match self.wait_after(number, None) {
                    Some(w) => AttemptOutcome::RetryAt(now + w),
                    None => AttemptOutcome::Dead,
                }
            }
        };
        Ok((record, outcome))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1", "1.1.1.1"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn default_schedule_outlasts_three_days() {
        assert!(DEFAULT_SCHEDULE.iter().sum::<i64>() > 3 * 86_400);
    }
}
