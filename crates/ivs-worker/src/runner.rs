//! The worker loop: deliver due webhooks, expire unused sessions, return work of dead workers to
//! the queue. N loops run side by side; each claims work through the database, so several
//! processes can run them against one database.
use crate::analyse::{Analyser, Outcome};
use crate::delivery::Deliverer;
use ivs_core::SharedClock;
use ivs_core::vocab::EventType;
use ivs_store::{AnalyseJob, NewWebhookEvent, SharedRepo};
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
    /// Heartbeat period of a running job.
    pub heartbeat: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            workers: 2,
            idle_poll: Duration::from_millis(500),
            stale_after_secs: 120,
            heartbeat: Duration::from_secs(10),
        }
    }
}

/// Turns unused tokens past `expiryTime` into `EXPIRED` verifications, each with its
/// `IDENTIFICATION_EXPIRED` event in the same transaction. Returns how many.
pub async fn expire_sessions(repo: &SharedRepo, now: i64) -> Result<usize, ivs_store::StoreError> {
    let mut n = 0;
    for v in repo.unused_expired(now, 100).await? {
        let event = NewWebhookEvent::for_verification(&v, EventType::IdentificationExpired, true);
        if repo.expire_if_unused(&v.scan_ref, now, Some(&event)).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// Backoff before retry `attempt` (1-based) of a failed analysis, seconds.
fn analyse_backoff(attempt: i64) -> i64 {
    5 * 2i64.pow(u32::try_from(attempt.clamp(1, 8) - 1).unwrap_or(0))
}

/// Claims one `analyse` job and runs it, heartbeating while it runs. `true` when there was one.
pub async fn run_next_analysis(
    worker: &str,
    repo: &SharedRepo,
    clock: &SharedClock,
    analyser: &Analyser,
    heartbeat: Duration,
) -> Result<bool, ivs_store::StoreError> {
    let Some(job) = repo
        .claim_job(worker, &[ivs_store::JOB_ANALYSE], clock.unix())
        .await?
    else {
        return Ok(false);
    };
    let AnalyseJob {
        scan_ref,
        partner_id: partner,
    } = match AnalyseJob::parse(&job) {
        Ok(j) => j,
        Err(e) => {
            // Nothing to analyse can be named: the job fails for good, visibly.
            tracing::error!(error = %e, cause = %e.source, "analysis job is malformed; failed");
            repo.retry_job(job.id, worker, &format!("{e}: {}", e.source), None)
                .await?;
            return Ok(true);
        }
    };
    if job.attempts > job.max_attempts {
        // Claimed more often than allowed: earlier runs died with their worker (a poison image
        // crashing the process, say). Do not run it again; hand it to a reviewer.
        tracing::error!(scan_ref = %scan_ref, attempts = job.attempts, "analysis keeps dying; sent to review");
        if let Err(e) = analyser
            .record_failure(&partner, &scan_ref, "the analysis did not finish (worker died)")
            .await
        {
            tracing::error!(error = %e, "recording the failed analysis failed");
        }
        repo.retry_job(job.id, worker, "worker died repeatedly", None)
            .await?;
        return Ok(true);
    }
    let beat = {
        let (repo, clock, worker) = (repo.clone(), clock.clone(), worker.to_owned());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(heartbeat).await;
                match repo.heartbeat_job(job.id, &worker, clock.unix()).await {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => tracing::warn!(error = %e, "job heartbeat failed"),
                }
            }
        })
    };
    let result = analyser.run(&partner, &scan_ref).await;
    beat.abort();
    let now = clock.unix();
    match result {
        Ok(Outcome::Recorded(_) | Outcome::NothingToDo) => repo.complete_job(job.id, worker, now).await?,
        Err(e) if job.attempts < job.max_attempts => {
            tracing::warn!(error = %e, scan_ref = %scan_ref, attempt = job.attempts, "analysis failed; will retry");
            let at = now + analyse_backoff(job.attempts);
            repo.retry_job(job.id, worker, &e.to_string(), Some(at)).await?;
        }
        Err(e) => {
            tracing::error!(error = %e, scan_ref = %scan_ref, "analysis failed for good; sent to review");
            match analyser.record_failure(&partner, &scan_ref, &e.to_string()).await {
                Ok(_) => {}
                Err(e2) => tracing::error!(error = %e2, "recording the failed analysis failed"),
            }
            repo.retry_job(job.id, worker, &e.to_string(), None).await?;
        }
    }
    Ok(true)
}

async fn one_loop(
    id: String,
    repo: SharedRepo,
    clock: SharedClock,
    deliverer: Deliverer,
    analyser: Option<Analyser>,
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
        if let Some(a) = &analyser {
            match run_next_analysis(&id, &repo, &clock, a, cfg.heartbeat).await {
                Ok(did) => busy |= did,
                Err(e) => tracing::error!(error = %e, "running an analysis job failed"),
            }
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

/// Starts `cfg.workers` loops on `tracker`; they stop when `cancel` fires. Without an
/// `analyser` (no models configured) the loops deliver webhooks and expire sessions only.
pub fn run_workers(
    tracker: &TaskTracker,
    repo: SharedRepo,
    clock: SharedClock,
    deliverer: Deliverer,
    analyser: Option<Analyser>,
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
            analyser.clone(),
            cfg.clone(),
            cancel.clone(),
        ));
    }
}
