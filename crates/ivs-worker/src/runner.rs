//! The worker loop: deliver due webhooks, expire unused sessions, return work of dead workers to
//! the queue. N loops run side by side; each claims work through the database, so several
//! processes can run them against one database.
use crate::delivery::Deliverer;
use ivs_core::SharedClock;
use ivs_core::vocab::EventType;
use ivs_store::{NewWebhookEvent, SharedRepo};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub workers: usize,
    /// Sleep between polls when there was nothing to do.
    pub idle_poll: Duration,
    /// A running job whose heartbeat is older than this goes back to the queue, seconds.
    pub stale_after_secs: i64,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            workers: 2,
            idle_poll: Duration::from_millis(500),
            stale_after_secs: 120,
        }
    }
}

/// Turns unused tokens past `expiryTime` into `EXPIRED` verifications, each with its
/// `IDENTIFICATION_EXPIRED` event in the same transaction. Returns how many.
pub async fn expire_sessions(repo: &SharedRepo, now: i64) -> Result<usize, ivs_store::StoreError> {
    let mut n = 0;
    for v in repo.unused_expired(now, 100).await? {
        let callback = v
            .token
            .as_map()
            .get("callbackUrl")
            .and_then(|u| u.as_str())
            .map(str::to_owned);
        let event = NewWebhookEvent {
            event_id: format!("evt_{}", uuid::Uuid::new_v4().simple()),
            partner_id: v.partner_id.clone(),
            scan_ref: v.scan_ref.clone(),
            event_type: EventType::IdentificationExpired,
            final_: true,
            callback_url: callback,
        };
        if repo.expire_if_unused(&v.scan_ref, now, Some(&event)).await? {
            n += 1;
        }
    }
    Ok(n)
}

async fn one_loop(
    id: String,
    repo: SharedRepo,
    clock: SharedClock,
    deliverer: Deliverer,
    cfg: WorkerConfig,
    cancel: CancellationToken,
) {
    while !cancel.is_cancelled() {
        let now = clock.unix();
        let mut busy = false;
        match expire_sessions(&repo, now).await {
            Ok(n) => busy |= n > 0,
            Err(e) => tracing::error!(error = %e, "expiring sessions failed"),
        }
        if let Err(e) = repo.requeue_stale_jobs(now - cfg.stale_after_secs).await {
            tracing::error!(error = %e, "requeueing stale jobs failed");
        }
        match deliverer.deliver_next(&id).await {
            Ok(did) => busy |= did,
            Err(e) => tracing::error!(error = %e, "webhook delivery failed"),
        }
        if !busy {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tokio::time::sleep(cfg.idle_poll) => {}
            }
        }
    }
}

/// Starts `cfg.workers` loops on `tracker`; they stop when `cancel` fires.
pub fn run_workers(
    tracker: &TaskTracker,
    repo: SharedRepo,
    clock: SharedClock,
    deliverer: Deliverer,
    cfg: WorkerConfig,
    cancel: CancellationToken,
) {
    for i in 0..cfg.workers.max(1) {
        let id = format!("{}-{i}", uuid::Uuid::new_v4().simple());
        tracker.spawn(one_loop(
            id,
            repo.clone(),
            clock.clone(),
            deliverer.clone(),
            cfg.clone(),
            cancel.clone(),
        ));
    }
}
