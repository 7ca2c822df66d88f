//! The repository trait and its SQL implementation (SQLite and PostgreSQL through one query layer).
use crate::db::{Backend, Db};
use crate::model::*;
use crate::{Result, StoreError};
use async_trait::async_trait;
use ivs_core::policy::{ManualResult, VerificationResult};
use ivs_core::token::TokenSettings;
use ivs_core::verification::{Phase, Verification};
use ivs_core::vocab::{DocumentStatus, DocumentType, EventType, FaceStatus, FileKind, OverallStatus};
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use std::sync::Arc;

/// Everything the API and the workers need from storage. Every lookup of a verification is
/// scoped by partner: another partner's scanRef is indistinguishable from an unknown one.
#[async_trait]
pub trait Repo: Send + Sync + std::fmt::Debug {
    fn backend(&self) -> Backend;
    async fn ping(&self) -> Result<()>;

    // partners
    async fn create_partner(&self, partner: &Partner) -> Result<()>;
    async fn partner_by_key(&self, api_key: &str) -> Result<Option<Partner>>;
    async fn partner_by_id(&self, id: &str) -> Result<Option<Partner>>;
    async fn list_partners(&self) -> Result<Vec<Partner>>;
    async fn set_partner_secret_hash(&self, api_key: &str, secret_hash: &str) -> Result<()>;
    async fn set_partner_webhook(&self, api_key: &str, url: Option<&str>, signing_key: &str) -> Result<()>;

    // verifications
    async fn create_verification(&self, v: &NewVerification) -> Result<()>;
    async fn verification(&self, partner_id: &str, scan_ref: &str) -> Result<Option<Verification>>;
    async fn verification_by_token(&self, auth_token: &str) -> Result<Option<Verification>>;
    /// Any partner's verification (operator tools: review, `ivs policy explain`).
    async fn verification_by_scan_ref(&self, scan_ref: &str) -> Result<Option<Verification>>;
    /// Consumes the token, records the files and queues the analysis job, all in one
    /// transaction. `Conflict` when the token was already used (a concurrent submit lost).
    async fn submit(&self, s: &Submission) -> Result<()>;
    /// Records a result and, in the same transaction, the webhook event that announces it.
    async fn record_result(
        &self,
        scan_ref: &str,
        r: &VerificationResult,
        now: i64,
        event: Option<&NewWebhookEvent>,
    ) -> Result<()>;
    /// Marks an unused token EXPIRED (and queues its event) when it is still unused and past its
    /// expiry at `now`. `false` when there was nothing to do.
    async fn expire_if_unused(
        &self,
        scan_ref: &str,
        now: i64,
        event: Option<&NewWebhookEvent>,
    ) -> Result<bool>;
    /// Cancels a session whose token has not been used (`IDENTIFICATION_CANCELLED` in the same
    /// transaction). `false` when the session was not in that state.
    async fn cancel_unused(
        &self,
        partner_id: &str,
        scan_ref: &str,
        now: i64,
        event: Option<&NewWebhookEvent>,
    ) -> Result<bool>;
    /// Unused tokens past their expiry, oldest first.
    async fn unused_expired(&self, now: i64, limit: i64) -> Result<Vec<Verification>>;
    async fn files(&self, scan_ref: &str) -> Result<Vec<StoredFile>>;
    /// Tombstones a verification: personal data and file rows removed, status DELETED or
    /// EXPIRED-DELETED. The caller removes the objects first.
    async fn tombstone(&self, scan_ref: &str, status: OverallStatus, now: i64) -> Result<()>;

    // jobs
    async fn enqueue(&self, job: &NewJob, now: i64) -> Result<Option<i64>>;
    async fn jobs(&self, kind: &str) -> Result<Vec<Job>>;
    /// Takes the oldest due job of one of `kinds` (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite:
    /// one atomic `UPDATE … RETURNING`), counting the attempt.
    async fn claim_job(&self, worker: &str, kinds: &[&str], now: i64) -> Result<Option<Job>>;
    async fn heartbeat_job(&self, id: i64, worker: &str, now: i64) -> Result<bool>;
    async fn complete_job(&self, id: i64, worker: &str, now: i64) -> Result<()>;
    /// Back to the queue at `run_at`, or `failed` when `run_at` is `None`.
    async fn retry_job(&self, id: i64, worker: &str, error: &str, run_at: Option<i64>) -> Result<()>;
    /// Returns running jobs whose heartbeat is older than `stale_before` to the queue, also after
    /// their last allowed attempt (the runner then sees `attempts > max_attempts` and settles the
    /// job without running it); a job already past its maximum fails instead.
    async fn requeue_stale_jobs(&self, stale_before: i64) -> Result<u64>;
    /// Queue depth: `(kind, status, count)` of queued and running jobs, by kind then status.
    async fn job_counts(&self) -> Result<Vec<(String, String, i64)>>;

    // webhook outbox
    /// Takes the oldest due pending event, leasing it until `now + lease_secs`.
    async fn claim_webhook(&self, worker: &str, now: i64, lease_secs: i64) -> Result<Option<WebhookEvent>>;
    /// Logs an attempt and applies its outcome (releasing the lease).
    async fn finish_webhook_attempt(&self, attempt: &WebhookAttempt, outcome: AttemptOutcome) -> Result<()>;
    async fn webhook_events(&self, scan_ref: &str) -> Result<Vec<WebhookEvent>>;
    async fn webhook_attempts(&self, event_id: &str) -> Result<Vec<WebhookAttempt>>;
    /// Makes events of a partner due again: one (`event_id`) or every one not delivered.
    /// Returns how many. Also re-enables the partner's endpoint.
    async fn redeliver(&self, partner_id: &str, event_id: Option<&str>, now: i64) -> Result<u64>;
    async fn set_partner_webhook_disabled(&self, partner_id: &str, disabled: bool) -> Result<()>;
    /// Counts of events by status.
    async fn webhook_counts(&self) -> Result<Vec<(String, i64)>>;

    // settings
    /// Returns the value under `key`, storing `init` first when there is none (first writer wins).
    async fn setting_or_init(&self, key: &str, init: &str) -> Result<String>;

    // --- sessions, analysis, duplicates, blocklists, review, policy ---
    /// Records that the user opened the capture page: sets `started_at` and the session's end
    /// (`now + session_length`) the first time; later calls change nothing. `false` when the
    /// session is not an unused, unexpired token.
    async fn mark_started(&self, scan_ref: &str, now: i64, session_length: i64) -> Result<bool>;
    /// Writes an analysis: the result, the analysis row, face embeddings, person keys and the
    /// webhook event, in one transaction, only while the verification is still `PROCESSING`.
    /// `false` when it is not (already decided or deleted): nothing is written.
    async fn record_analysis(&self, a: &AnalysisRecord, event: Option<&NewWebhookEvent>) -> Result<bool>;
    async fn analysis(&self, scan_ref: &str) -> Result<Option<StoredAnalysis>>;
    /// Analyses after the position `(created_at, scan_ref)` in `(created_at, scan_ref)` order,
    /// oldest first (keyset paging for `ivs replay`; start at `(since, "")`).
    async fn analyses_after(
        &self,
        created_at: i64,
        scan_ref: &str,
        limit: i64,
    ) -> Result<Vec<StoredAnalysis>>;
    /// Face rows with `id > after`, in id order (index build and incremental sync).
    async fn faces_after(&self, after: i64, limit: i64) -> Result<Vec<FaceRow>>;
    /// Which of `scan_refs` still exist undeleted (index hits are filtered through this).
    async fn live_scan_refs(&self, scan_refs: &[String]) -> Result<Vec<String>>;
    /// scanRefs of the partner with the same key under another client.
    async fn scan_refs_with_key(
        &self,
        partner_id: &str,
        key: &PersonKey,
        exclude_client: &str,
    ) -> Result<Vec<String>>;
    /// Puts a verification on a blocklist, copying its face or keys, and writes the audit line
    /// (`blocklist_add:{list}` by `actor`) in the same transaction. `NotFound` when the
    /// verification has nothing that list blocks (no analysis yet).
    async fn blocklist_add(
        &self,
        partner_id: &str,
        scan_ref: &str,
        list: &str,
        reason: Option<&str>,
        actor: &str,
        now: i64,
    ) -> Result<()>;
    /// Takes a verification off a blocklist with its audit line (`blocklist_remove:{list}`), in
    /// one transaction. `false` (and no audit line) when it was not on the list.
    async fn blocklist_remove(
        &self,
        partner_id: &str,
        scan_ref: &str,
        list: &str,
        actor: &str,
        now: i64,
    ) -> Result<bool>;
    async fn blocklist(&self, partner_id: &str) -> Result<Vec<BlocklistEntry>>;
    async fn blocked_faces(&self, partner_id: &str) -> Result<Vec<BlockedFace>>;
    /// Blocked keys: `(scan_ref, key)`.
    async fn blocked_keys(&self, partner_id: &str) -> Result<Vec<(String, PersonKey)>>;
    async fn create_reviewer(&self, r: &Reviewer) -> Result<()>;
    async fn reviewer_by_token_hash(&self, token_hash: &str) -> Result<Option<Reviewer>>;
    async fn list_reviewers(&self) -> Result<Vec<Reviewer>>;
    /// Verifications waiting for a reviewer (`REVIEWING`), oldest first.
    async fn review_queue(&self, limit: i64) -> Result<Vec<Verification>>;
    /// Records a reviewer's verdict with its audit line and event, only while the verification
    /// is `REVIEWING`; `false` otherwise.
    async fn record_manual(
        &self,
        scan_ref: &str,
        m: &ManualResult,
        audit: &AuditEntry,
        event: Option<&NewWebhookEvent>,
    ) -> Result<bool>;
    async fn audit_log(&self, scan_ref: &str) -> Result<Vec<AuditEntry>>;
    async fn set_policy(&self, partner_id: &str, policy: &Value, now: i64) -> Result<()>;
    async fn policy(&self, partner_id: &str) -> Result<Option<Value>>;
}

pub type SharedRepo = Arc<dyn Repo>;

#[derive(Debug, Clone)]
pub struct SqlRepo {
    db: Db,
}

impl SqlRepo {
    pub fn new(db: Db) -> Self {
        SqlRepo { db }
    }
    pub fn db(&self) -> &Db {
        &self.db
    }
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn json_col<T: DeserializeOwned>(row: &AnyRow, col: &str) -> Result<T> {
    let s: String = row.try_get(col)?;
    serde_json::from_str(&s).map_err(|e| corrupt(col, e))
}

fn opt_enum<T>(row: &AnyRow, col: &str, parse: fn(&str) -> Option<T>) -> Result<Option<T>> {
    let s: Option<String> = row.try_get(col)?;
    match s {
        None => Ok(None),
        Some(s) => parse(&s).map(Some).ok_or_else(|| corrupt(col, s)),
    }
}

fn partner_from_row(row: &AnyRow) -> Result<Partner> {
    let mode: String = row.try_get("mode")?;
    Ok(Partner {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        api_key: row.try_get("api_key")?,
        secret_hash: row.try_get("secret_hash")?,
        mode: PartnerMode::parse(&mode).ok_or_else(|| corrupt("mode", &mode))?,
        webhook_url: row.try_get("webhook_url")?,
        signing_key: row.try_get("signing_key")?,
        webhook_disabled: row.try_get::<i64, _>("webhook_disabled")? != 0,
        token_defaults: json_col(row, "token_defaults")?,
        created_at: row.try_get("created_at")?,
    })
}

fn verification_from_row(row: &AnyRow) -> Result<Verification> {
    let phase: String = row.try_get("phase")?;
    let status: String = row.try_get("status")?;
    let data: Option<String> = row.try_get("data")?;
    Ok(Verification {
        scan_ref: row.try_get("scan_ref")?,
        partner_id: row.try_get("partner_id")?,
        client_id: row.try_get("client_id")?,
        auth_token: row.try_get("auth_token")?,
        digit_string: row.try_get("digit_string")?,
        phase: Phase::parse(&phase).ok_or_else(|| corrupt("phase", &phase))?,
        status: OverallStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        token: json_col::<TokenSettings>(row, "token")?,
        auto_document: opt_enum(row, "auto_document", DocumentStatus::parse)?,
        auto_face: opt_enum(row, "auto_face", FaceStatus::parse)?,
        manual_document: opt_enum(row, "manual_document", DocumentStatus::parse)?,
        manual_face: opt_enum(row, "manual_face", FaceStatus::parse)?,
        fraud_tags: json_col(row, "fraud_tags")?,
        mismatch_tags: json_col(row, "mismatch_tags")?,
        data: match data {
            None => None,
            Some(s) => Some(serde_json::from_str(&s).map_err(|e| corrupt("data", e))?),
        },
        selected_country: row.try_get("selected_country")?,
        document_type: opt_enum(row, "document_type", DocumentType::parse)?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        submitted_at: row.try_get("submitted_at")?,
        finished_at: row.try_get("finished_at")?,
        deleted_at: row.try_get("deleted_at")?,
        started_at: row.try_get("started_at")?,
        session_ends_at: row.try_get("session_ends_at")?,
    })
}

fn file_from_row(row: &AnyRow) -> Result<StoredFile> {
    let kind: String = row.try_get("kind")?;
    Ok(StoredFile {
        scan_ref: row.try_get("scan_ref")?,
        kind: FileKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        object_key: row.try_get("object_key")?,
        content_type: row.try_get("content_type")?,
        byte_len: row.try_get("byte_len")?,
        sha256: row.try_get("sha256")?,
        created_at: row.try_get("created_at")?,
    })
}

fn job_from_row(row: &AnyRow) -> Result<Job> {
    let status: String = row.try_get("status")?;
    Ok(Job {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        payload: json_col(row, "payload")?,
        status: JobStatus::parse(&status).ok_or_else(|| corrupt("job status", &status))?,
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        run_at: row.try_get("run_at")?,
        locked_by: row.try_get("locked_by")?,
        heartbeat_at: row.try_get("heartbeat_at")?,
        last_error: row.try_get("last_error")?,
        unique_key: row.try_get("unique_key")?,
        created_at: row.try_get("created_at")?,
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| corrupt("serialise", e))
}

const PARTNER_COLS: &str = "id, name, api_key, secret_hash, mode, webhook_url, signing_key, webhook_disabled, \
                            token_defaults, created_at";
const VERIFICATION_COLS: &str = "scan_ref, partner_id, client_id, auth_token, digit_string, phase, status, token, \
     auto_document, auto_face, manual_document, manual_face, fraud_tags, mismatch_tags, data, selected_country, \
     document_type, created_at, expires_at, submitted_at, finished_at, deleted_at, started_at, session_ends_at";
const JOB_COLS: &str = "id, kind, payload, status, attempts, max_attempts, run_at, locked_by, heartbeat_at, \
                        last_error, unique_key, created_at";

const EVENT_COLS: &str = "id, event_id, partner_id, scan_ref, event_type, final, callback_url, status, attempts, \
                          next_attempt_at, created_at, delivered_at, last_status, last_error";

fn event_from_row(row: &AnyRow) -> Result<WebhookEvent> {
    let event_type: String = row.try_get("event_type")?;
    let status: String = row.try_get("status")?;
    Ok(WebhookEvent {
        id: row.try_get("id")?,
        event_id: row.try_get("event_id")?,
        partner_id: row.try_get("partner_id")?,
        scan_ref: row.try_get("scan_ref")?,
        event_type: EventType::parse(&event_type).ok_or_else(|| corrupt("event_type", &event_type))?,
        final_: row.try_get::<i64, _>("final")? != 0,
        callback_url: row.try_get("callback_url")?,
        status: WebhookStatus::parse(&status).ok_or_else(|| corrupt("webhook status", &status))?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        created_at: row.try_get("created_at")?,
        delivered_at: row.try_get("delivered_at")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
    })
}

async fn insert_event(tx: &mut Transaction<'_, Any>, e: &NewWebhookEvent, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO webhook_events (event_id, partner_id, scan_ref, event_type, final, callback_url, status, \
         attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)",
    )
    .bind(&e.event_id)
    .bind(&e.partner_id)
    .bind(&e.scan_ref)
    .bind(e.event_type.as_str())
    .bind(i64::from(e.final_))
    .bind(e.callback_url.as_deref())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ends a status-change transaction: when the change touched a row, writes its webhook event
/// and commits (`true`); otherwise rolls back (`false`).
async fn finish_with_event(
    mut tx: Transaction<'_, Any>,
    rows_affected: u64,
    event: Option<&NewWebhookEvent>,
    now: i64,
) -> Result<bool> {
    if rows_affected == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    if let Some(e) = event {
        insert_event(&mut tx, e, now).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Embeddings are stored as hex of little-endian f32s (portable TEXT on both databases).
fn encode_embedding(e: &[f32]) -> String {
    hex::encode(e.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>())
}

fn decode_embedding(s: &str) -> Result<Vec<f32>> {
    let bytes = hex::decode(s).map_err(|e| corrupt("embedding", e))?;
    if bytes.len() % 4 != 0 {
        return Err(corrupt("embedding", "length not a multiple of 4"));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

fn analysis_from_row(row: &AnyRow) -> Result<StoredAnalysis> {
    Ok(StoredAnalysis {
        scan_ref: row.try_get("scan_ref")?,
        partner_id: row.try_get("partner_id")?,
        facts: json_col(row, "facts")?,
        evidence: json_col(row, "evidence")?,
        decision: json_col(row, "decision")?,
        created_at: row.try_get("created_at")?,
    })
}

fn key_kind(kind: &str) -> Result<&'static str> {
    match kind {
        KEY_DOCUMENT_NUMBER => Ok(KEY_DOCUMENT_NUMBER),
        KEY_PERSONAL_CODE => Ok(KEY_PERSONAL_CODE),
        other => Err(corrupt("key kind", other)),
    }
}

fn reviewer_from_row(row: &AnyRow) -> Result<Reviewer> {
    Ok(Reviewer {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        token_hash: row.try_get("token_hash")?,
        created_at: row.try_get("created_at")?,
    })
}

fn audit_from_row(row: &AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        scan_ref: row.try_get("scan_ref")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        reason: row.try_get("reason")?,
        detail: json_col(row, "detail")?,
        at: row.try_get("at")?,
    })
}

async fn insert_audit(tx: &mut Transaction<'_, Any>, a: &AuditEntry) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (scan_ref, actor, action, reason, detail, at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&a.scan_ref)
    .bind(&a.actor)
    .bind(&a.action)
    .bind(a.reason.as_deref())
    .bind(to_json(&a.detail)?)
    .bind(a.at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_job(tx: &mut Transaction<'_, Any>, job: &NewJob, now: i64) -> Result<Option<i64>> {
    let row = sqlx::query(
        "INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_at, unique_key, created_at) \
         VALUES ($1, $2, 'queued', 0, $3, $4, $5, $6) ON CONFLICT (unique_key) DO NOTHING RETURNING id",
    )
    .bind(&job.kind)
    .bind(to_json(&job.payload)?)
    .bind(job.max_attempts)
    .bind(job.run_at)
    .bind(job.unique_key.as_deref())
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => Some(r.try_get("id")?),
        None => None,
    })
}

#[async_trait]
impl Repo for SqlRepo {
    fn backend(&self) -> Backend {
        self.db.backend
    }

    async fn ping(&self) -> Result<()> {
        self.db.ping().await
    }

    async fn create_partner(&self, p: &Partner) -> Result<()> {
        let res = sqlx::query(
            "INSERT INTO partners (id, name, api_key, secret_hash, mode, webhook_url, signing_key, \
             webhook_disabled, token_defaults, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&p.id)
        .bind(&p.name)
        .bind(&p.api_key)
        .bind(&p.secret_hash)
        .bind(p.mode.as_str())
        .bind(p.webhook_url.as_deref())
        .bind(&p.signing_key)
        .bind(i64::from(p.webhook_disabled))
        .bind(to_json(&p.token_defaults)?)
        .bind(p.created_at)
        .execute(&self.db.pool)
        .await;
        match res {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::Conflict("partner exists"))
            }
            other => other.map(|_| ()).map_err(Into::into),
        }
    }

    async fn partner_by_key(&self, api_key: &str) -> Result<Option<Partner>> {
        let q = format!("SELECT {PARTNER_COLS} FROM partners WHERE api_key = $1");
        let row = sqlx::query(&q)
            .bind(api_key)
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(partner_from_row).transpose()
    }

    async fn partner_by_id(&self, id: &str) -> Result<Option<Partner>> {
        let q = format!("SELECT {PARTNER_COLS} FROM partners WHERE id = $1");
        let row = sqlx::query(&q).bind(id).fetch_optional(&self.db.pool).await?;
        row.as_ref().map(partner_from_row).transpose()
    }

    async fn list_partners(&self) -> Result<Vec<Partner>> {
        let q = format!("SELECT {PARTNER_COLS} FROM partners ORDER BY created_at, name");
        let rows = sqlx::query(&q).fetch_all(&self.db.pool).await?;
        rows.iter().map(partner_from_row).collect()
    }

    async fn set_partner_secret_hash(&self, api_key: &str, secret_hash: &str) -> Result<()> {
        let res = sqlx::query("UPDATE partners SET secret_hash = $1 WHERE api_key = $2")
            .bind(secret_hash)
            .bind(api_key)
            .execute(&self.db.pool)
            .await?;
        if res.rows_affected() == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn set_partner_webhook(&self, api_key: &str, url: Option<&str>, signing_key: &str) -> Result<()> {
        let res = sqlx::query(
            "UPDATE partners SET webhook_url = $1, signing_key = $2, webhook_disabled = 0 WHERE api_key = $3",
        )
        .bind(url)
        .bind(signing_key)
        .bind(api_key)
        .execute(&self.db.pool)
        .await?;
        if res.rows_affected() == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn create_verification(&self, v: &NewVerification) -> Result<()> {
        sqlx::query(
            "INSERT INTO verifications (scan_ref, partner_id, client_id, auth_token, digit_string, phase, status, \
             token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&v.scan_ref)
        .bind(&v.partner_id)
        .bind(&v.client_id)
        .bind(&v.auth_token)
        .bind(v.digit_string.as_deref())
        .bind(Phase::Issued.as_str())
        .bind(OverallStatus::Active.as_str())
        .bind(to_json(&v.token)?)
        .bind(v.created_at)
        .bind(v.expires_at)
        .execute(&self.db.pool)
        .await?;
        Ok(())
    }

    async fn verification(&self, partner_id: &str, scan_ref: &str) -> Result<Option<Verification>> {
        let q =
            format!("SELECT {VERIFICATION_COLS} FROM verifications WHERE scan_ref = $1 AND partner_id = $2");
        let row = sqlx::query(&q)
            .bind(scan_ref)
            .bind(partner_id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(verification_from_row).transpose()
    }

    async fn verification_by_token(&self, auth_token: &str) -> Result<Option<Verification>> {
        let q = format!("SELECT {VERIFICATION_COLS} FROM verifications WHERE auth_token = $1");
        let row = sqlx::query(&q)
            .bind(auth_token)
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(verification_from_row).transpose()
    }

    async fn verification_by_scan_ref(&self, scan_ref: &str) -> Result<Option<Verification>> {
        let q = format!("SELECT {VERIFICATION_COLS} FROM verifications WHERE scan_ref = $1");
        let row = sqlx::query(&q)
            .bind(scan_ref)
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(verification_from_row).transpose()
    }

    async fn submit(&self, s: &Submission) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        let res = sqlx::query(
            "UPDATE verifications SET phase = $1, submitted_at = $2, selected_country = $3, document_type = $4 \
             WHERE scan_ref = $5 AND partner_id = $6 AND phase = $7 \
             AND (session_ends_at IS NULL OR session_ends_at > $2)",
        )
        .bind(Phase::Processing.as_str())
        .bind(s.now)
        .bind(s.selected_country.as_deref())
        .bind(s.document_type.map(|d| d.as_str()))
        .bind(&s.scan_ref)
        .bind(&s.partner_id)
        .bind(Phase::Issued.as_str())
        .execute(&mut *tx)
        .await?;
        if res.rows_affected() != 1 {
            tx.rollback().await?;
            return Err(StoreError::Conflict("token already used"));
        }
        for f in &s.files {
            sqlx::query(
                "INSERT INTO files (scan_ref, kind, object_key, content_type, byte_len, sha256, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&f.scan_ref)
            .bind(f.kind.as_str())
            .bind(&f.object_key)
            .bind(&f.content_type)
            .bind(f.byte_len)
            .bind(&f.sha256)
            .bind(f.created_at)
            .execute(&mut *tx)
            .await?;
        }
        insert_job(&mut tx, &s.job, s.now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn record_result(
        &self,
        scan_ref: &str,
        r: &VerificationResult,
        now: i64,
        event: Option<&NewWebhookEvent>,
    ) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        let res = sqlx::query(
            "UPDATE verifications SET phase = $1, status = $2, auto_document = $3, auto_face = $4, \
             manual_document = $5, manual_face = $6, fraud_tags = $7, mismatch_tags = $8, data = $9, \
             finished_at = $10 WHERE scan_ref = $11 AND phase <> $12",
        )
        .bind(Phase::Done.as_str())
        .bind(r.status.as_str())
        .bind(r.auto_document.map(|x| x.as_str()))
        .bind(r.auto_face.map(|x| x.as_str()))
        .bind(r.manual_document.map(|x| x.as_str()))
        .bind(r.manual_face.map(|x| x.as_str()))
        .bind(to_json(&r.fraud_tags)?)
        .bind(to_json(&r.mismatch_tags)?)
        .bind(to_json(&r.data)?)
        .bind(now)
        .bind(scan_ref)
        .bind(Phase::Deleted.as_str())
        .execute(&mut *tx)
        .await?;
        if finish_with_event(tx, res.rows_affected(), event, now).await? {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn expire_if_unused(
        &self,
        scan_ref: &str,
        now: i64,
        event: Option<&NewWebhookEvent>,
    ) -> Result<bool> {
        let mut tx = self.db.begin_write().await?;
        let res = sqlx::query(
            "UPDATE verifications SET phase = $1, status = $2, finished_at = $3 \
             WHERE scan_ref = $4 AND phase = $5 AND (expires_at <= $3 OR session_ends_at <= $3)",
        )
        .bind(Phase::Done.as_str())
        .bind(OverallStatus::Expired.as_str())
        .bind(now)
        .bind(scan_ref)
        .bind(Phase::Issued.as_str())
        .execute(&mut *tx)
        .await?;
        finish_with_event(tx, res.rows_affected(), event, now).await
    }

    async fn cancel_unused(
        &self,
        partner_id: &str,
        scan_ref: &str,
        now: i64,
        event: Option<&NewWebhookEvent>,
    ) -> Result<bool> {
        let mut tx = self.db.begin_write().await?;
        let res = sqlx::query(
            "UPDATE verifications SET phase = $1, status = $2, finished_at = $3 \
             WHERE scan_ref = $4 AND partner_id = $5 AND phase = $6 AND expires_at > $3 \
             AND (session_ends_at IS NULL OR session_ends_at > $3)",
        )
        .bind(Phase::Done.as_str())
        .bind(OverallStatus::Expired.as_str())
        .bind(now)
        .bind(scan_ref)
        .bind(partner_id)
        .bind(Phase::Issued.as_str())
        .execute(&mut *tx)
        .await?;
        finish_with_event(tx, res.rows_affected(), event, now).await
    }

    async fn unused_expired(&self, now: i64, limit: i64) -> Result<Vec<Verification>> {
        let q = format!(
            "SELECT {VERIFICATION_COLS} FROM verifications WHERE phase = $1 \
             AND (expires_at <= $2 OR session_ends_at <= $2) ORDER BY expires_at LIMIT $3"
        );
        let rows = sqlx::query(&q)
            .bind(Phase::Issued.as_str())
            .bind(now)
            .bind(limit)
            .fetch_all(&self.db.pool)
            .await?;
        rows.iter().map(verification_from_row).collect()
    }

    async fn files(&self, scan_ref: &str) -> Result<Vec<StoredFile>> {
        let rows = sqlx::query(
            "SELECT scan_ref, kind, object_key, content_type, byte_len, sha256, created_at FROM files \
             WHERE scan_ref = $1 ORDER BY kind",
        )
        .bind(scan_ref)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(file_from_row).collect()
    }

    async fn tombstone(&self, scan_ref: &str, status: OverallStatus, now: i64) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        let q = format!("SELECT {VERIFICATION_COLS} FROM verifications WHERE scan_ref = $1");
        let row = sqlx::query(&q).bind(scan_ref).fetch_optional(&mut *tx).await?;
        let Some(v) = row.as_ref().map(verification_from_row).transpose()? else {
            return Err(StoreError::NotFound);
        };
        let mut token = v.token.clone();
        token.scrub_personal_data();
        for table in ["files", "analyses", "faces", "person_keys"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE scan_ref = $1"))
                .bind(scan_ref)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE verifications SET phase = $1, status = $2, data = NULL, token = $3, deleted_at = $4 \
             WHERE scan_ref = $5",
        )
        .bind(Phase::Deleted.as_str())
        .bind(status.as_str())
        .bind(to_json(&token)?)
        .bind(now)
        .bind(scan_ref)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn enqueue(&self, job: &NewJob, now: i64) -> Result<Option<i64>> {
        let mut tx = self.db.begin_write().await?;
        let id = insert_job(&mut tx, job, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn jobs(&self, kind: &str) -> Result<Vec<Job>> {
        let q = format!("SELECT {JOB_COLS} FROM jobs WHERE kind = $1 ORDER BY id");
        let rows = sqlx::query(&q).bind(kind).fetch_all(&self.db.pool).await?;
        rows.iter().map(job_from_row).collect()
    }

    async fn claim_job(&self, worker: &str, kinds: &[&str], now: i64) -> Result<Option<Job>> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let placeholders: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 3)).collect();
        let lock = match self.db.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let q = format!(
            "UPDATE jobs SET status = 'running', locked_by = $1, heartbeat_at = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $2 AND kind IN ({}) \
             ORDER BY run_at, id LIMIT 1{lock}) RETURNING {JOB_COLS}",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&q).bind(worker).bind(now);
        for k in kinds {
            query = query.bind(*k);
        }
        let row = query.fetch_optional(&self.db.pool).await?;
        row.as_ref().map(job_from_row).transpose()
    }

    async fn heartbeat_job(&self, id: i64, worker: &str, now: i64) -> Result<bool> {
        let res = sqlx::query(
            "UPDATE jobs SET heartbeat_at = $1 WHERE id = $2 AND locked_by = $3 AND status = 'running'",
        )
        .bind(now)
        .bind(id)
        .bind(worker)
        .execute(&self.db.pool)
        .await?;
        Ok(res.rows_affected() == 1)
    }

    async fn complete_job(&self, id: i64, worker: &str, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET status = 'done', finished_at = $1, locked_by = NULL \
             WHERE id = $2 AND locked_by = $3 AND status = 'running'",
        )
        .bind(now)
        .bind(id)
        .bind(worker)
        .execute(&self.db.pool)
        .await?;
        Ok(())
    }

    async fn retry_job(&self, id: i64, worker: &str, error: &str, run_at: Option<i64>) -> Result<()> {
        let q = match run_at {
            Some(_) => {
                "UPDATE jobs SET status = 'queued', run_at = $1, last_error = $2, locked_by = NULL \
                        WHERE id = $3 AND locked_by = $4 AND status = 'running'"
            }
            None => {
                "UPDATE jobs SET status = 'failed', finished_at = $1, last_error = $2, locked_by = NULL \
                     WHERE id = $3 AND locked_by = $4 AND status = 'running'"
            }
        };
        sqlx::query(q)
            .bind(run_at.unwrap_or_default())
            .bind(error)
            .bind(id)
            .bind(worker)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    async fn requeue_stale_jobs(&self, stale_before: i64) -> Result<u64> {
        // A job whose last allowed attempt died goes back once more: that claim (attempts above
        // the maximum) lets its runner settle it without running it (an analysis is handed to a
        // reviewer). Only when that hand-over dies too does the job fail here.
        let res = sqlx::query(
            "UPDATE jobs SET status = CASE WHEN attempts > max_attempts THEN 'failed' ELSE 'queued' END, \
             locked_by = NULL, last_error = 'worker stopped heartbeating' \
             WHERE status = 'running' AND heartbeat_at < $1",
        )
        .bind(stale_before)
        .execute(&self.db.pool)
        .await?;
        Ok(res.rows_affected())
    }

    async fn job_counts(&self) -> Result<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT kind, status, COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running') \
             GROUP BY kind, status ORDER BY kind, status",
        )
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("kind")?, r.try_get("status")?, r.try_get("n")?)))
            .collect()
    }

    async fn claim_webhook(&self, worker: &str, now: i64, lease_secs: i64) -> Result<Option<WebhookEvent>> {
        let lock = match self.db.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let q = format!(
            "UPDATE webhook_events SET locked_by = $1, locked_at = $2 WHERE id = (SELECT id FROM webhook_events \
             WHERE status = 'pending' AND next_attempt_at <= $2 AND (locked_at IS NULL OR locked_at <= $3) \
             ORDER BY next_attempt_at, id LIMIT 1{lock}) RETURNING {EVENT_COLS}"
        );
        let row = sqlx::query(&q)
            .bind(worker)
            .bind(now)
            .bind(now - lease_secs)
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(event_from_row).transpose()
    }

    async fn finish_webhook_attempt(&self, a: &WebhookAttempt, outcome: AttemptOutcome) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        sqlx::query(
            "INSERT INTO webhook_attempts (event_id, attempt, at, url, status_code, latency_ms, error) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&a.event_id)
        .bind(a.attempt)
        .bind(a.at)
        .bind(&a.url)
        .bind(a.status_code)
        .bind(a.latency_ms)
        .bind(a.error.as_deref())
        .execute(&mut *tx)
        .await?;
        let (status, next, delivered) = match outcome {
            AttemptOutcome::Delivered => (WebhookStatus::Delivered, a.at, Some(a.at)),
            AttemptOutcome::RetryAt(t) => (WebhookStatus::Pending, t, None),
            AttemptOutcome::Dead => (WebhookStatus::Dead, a.at, None),
            AttemptOutcome::Disable => (WebhookStatus::Disabled, a.at, None),
        };
        sqlx::query(
            "UPDATE webhook_events SET status = $1, next_attempt_at = $2, delivered_at = $3, attempts = attempts + 1, \
             last_status = $4, last_error = $5, locked_by = NULL, locked_at = NULL WHERE event_id = $6",
        )
        .bind(status.as_str())
        .bind(next)
        .bind(delivered)
        .bind(a.status_code)
        .bind(a.error.as_deref())
        .bind(&a.event_id)
        .execute(&mut *tx)
        .await?;
        if outcome == AttemptOutcome::Disable {
            sqlx::query(
                "UPDATE partners SET webhook_disabled = 1 WHERE id = \
                 (SELECT partner_id FROM webhook_events WHERE event_id = $1)",
            )
            .bind(&a.event_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn webhook_events(&self, scan_ref: &str) -> Result<Vec<WebhookEvent>> {
        let q = format!("SELECT {EVENT_COLS} FROM webhook_events WHERE scan_ref = $1 ORDER BY id");
        let rows = sqlx::query(&q).bind(scan_ref).fetch_all(&self.db.pool).await?;
        rows.iter().map(event_from_row).collect()
    }

    async fn webhook_attempts(&self, event_id: &str) -> Result<Vec<WebhookAttempt>> {
        let rows = sqlx::query(
            "SELECT event_id, attempt, at, url, status_code, latency_ms, error FROM webhook_attempts \
             WHERE event_id = $1 ORDER BY attempt, id",
        )
        .bind(event_id)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WebhookAttempt {
                    event_id: r.try_get("event_id")?,
                    attempt: r.try_get("attempt")?,
                    at: r.try_get("at")?,
                    url: r.try_get("url")?,
                    status_code: r.try_get("status_code")?,
                    latency_ms: r.try_get("latency_ms")?,
                    error: r.try_get("error")?,
                })
            })
            .collect()
    }

    async fn redeliver(&self, partner_id: &str, event_id: Option<&str>, now: i64) -> Result<u64> {
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE partners SET webhook_disabled = 0 WHERE id = $1")
            .bind(partner_id)
            .execute(&mut *tx)
            .await?;
        let q = match event_id {
            Some(_) => {
                "UPDATE webhook_events SET status = 'pending', next_attempt_at = $1, locked_at = NULL \
                        WHERE partner_id = $2 AND event_id = $3"
            }
            None => {
                "UPDATE webhook_events SET status = 'pending', next_attempt_at = $1, locked_at = NULL \
                     WHERE partner_id = $2 AND status <> 'delivered' AND event_id <> $3"
            }
        };
        let res = sqlx::query(q)
            .bind(now)
            .bind(partner_id)
            .bind(event_id.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(res.rows_affected())
    }

    async fn set_partner_webhook_disabled(&self, partner_id: &str, disabled: bool) -> Result<()> {
        sqlx::query("UPDATE partners SET webhook_disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(partner_id)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    async fn webhook_counts(&self) -> Result<Vec<(String, i64)>> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) AS n FROM webhook_events GROUP BY status ORDER BY status")
                .fetch_all(&self.db.pool)
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
            .collect()
    }

    async fn setting_or_init(&self, key: &str, init: &str) -> Result<String> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(init)
            .execute(&self.db.pool)
            .await?;
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_one(&self.db.pool)
            .await?;
        Ok(row.try_get("value")?)
    }
    async fn mark_started(&self, scan_ref: &str, now: i64, session_length: i64) -> Result<bool> {
        let res = sqlx::query(
            "UPDATE verifications SET started_at = $1, session_ends_at = $2 \
             WHERE scan_ref = $3 AND phase = $4 AND started_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(now.saturating_add(session_length))
        .bind(scan_ref)
        .bind(Phase::Issued.as_str())
        .execute(&self.db.pool)
        .await?;
        Ok(res.rows_affected() == 1)
    }

    async fn record_analysis(&self, a: &AnalysisRecord, event: Option<&NewWebhookEvent>) -> Result<bool> {
        let r = &a.result;
        let mut tx = self.db.begin_write().await?;
        let res = sqlx::query(
            "UPDATE verifications SET phase = $1, status = $2, auto_document = $3, auto_face = $4, \
             fraud_tags = $5, mismatch_tags = $6, data = $7, finished_at = $8 \
             WHERE scan_ref = $9 AND phase = $10",
        )
        .bind(Phase::Done.as_str())
        .bind(r.status.as_str())
        .bind(r.auto_document.map(|x| x.as_str()))
        .bind(r.auto_face.map(|x| x.as_str()))
        .bind(to_json(&r.fraud_tags)?)
        .bind(to_json(&r.mismatch_tags)?)
        .bind(to_json(&r.data)?)
        .bind(a.now)
        .bind(&a.scan_ref)
        .bind(Phase::Processing.as_str())
        .execute(&mut *tx)
        .await?;
        if res.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO analyses (scan_ref, partner_id, facts, evidence, decision, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&a.scan_ref)
        .bind(&a.partner_id)
        .bind(to_json(&a.facts)?)
        .bind(to_json(&a.evidence)?)
        .bind(to_json(&a.decision)?)
        .bind(a.now)
        .execute(&mut *tx)
        .await?;
        for f in &a.faces {
            sqlx::query(
                "INSERT INTO faces (partner_id, scan_ref, client_id, source, embedding, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&a.partner_id)
            .bind(&a.scan_ref)
            .bind(&a.client_id)
            .bind(f.source)
            .bind(encode_embedding(&f.embedding))
            .bind(a.now)
            .execute(&mut *tx)
            .await?;
        }
        for k in &a.keys {
            sqlx::query(
                "INSERT INTO person_keys (partner_id, scan_ref, client_id, kind, key_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&a.partner_id)
            .bind(&a.scan_ref)
            .bind(&a.client_id)
            .bind(k.kind)
            .bind(&k.hash)
            .bind(a.now)
            .execute(&mut *tx)
            .await?;
        }
        finish_with_event(tx, 1, event, a.now).await
    }

    async fn analysis(&self, scan_ref: &str) -> Result<Option<StoredAnalysis>> {
        let row = sqlx::query(
            "SELECT scan_ref, partner_id, facts, evidence, decision, created_at FROM analyses WHERE scan_ref = $1",
        )
        .bind(scan_ref)
        .fetch_optional(&self.db.pool)
        .await?;
        row.as_ref().map(analysis_from_row).transpose()
    }

    async fn analyses_after(
        &self,
        created_at: i64,
        scan_ref: &str,
        limit: i64,
    ) -> Result<Vec<StoredAnalysis>> {
        let rows = sqlx::query(
            "SELECT scan_ref, partner_id, facts, evidence, decision, created_at FROM analyses \
             WHERE created_at > $1 OR (created_at = $1 AND scan_ref > $2) \
             ORDER BY created_at, scan_ref LIMIT $3",
        )
        .bind(created_at)
        .bind(scan_ref)
        .bind(limit)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(analysis_from_row).collect()
    }

    async fn faces_after(&self, after: i64, limit: i64) -> Result<Vec<FaceRow>> {
        let rows = sqlx::query(
            "SELECT id, partner_id, scan_ref, client_id, source, embedding FROM faces WHERE id > $1 \
             ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let e: String = r.try_get("embedding")?;
                Ok(FaceRow {
                    id: r.try_get("id")?,
                    partner_id: r.try_get("partner_id")?,
                    scan_ref: r.try_get("scan_ref")?,
                    client_id: r.try_get("client_id")?,
                    source: r.try_get("source")?,
                    embedding: decode_embedding(&e)?,
                })
            })
            .collect()
    }

    async fn live_scan_refs(&self, scan_refs: &[String]) -> Result<Vec<String>> {
        let mut live = Vec::new();
        for s in scan_refs {
            let row = sqlx::query("SELECT scan_ref FROM verifications WHERE scan_ref = $1 AND phase <> $2")
                .bind(s)
                .bind(Phase::Deleted.as_str())
                .fetch_optional(&self.db.pool)
                .await?;
            if row.is_some() {
                live.push(s.clone());
            }
        }
        Ok(live)
    }

    async fn scan_refs_with_key(
        &self,
        partner_id: &str,
        key: &PersonKey,
        exclude_client: &str,
    ) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT scan_ref FROM person_keys WHERE partner_id = $1 AND kind = $2 AND key_hash = $3 \
             AND client_id <> $4 ORDER BY created_at, scan_ref",
        )
        .bind(partner_id)
        .bind(key.kind)
        .bind(&key.hash)
        .bind(exclude_client)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("scan_ref")?)).collect()
    }

    async fn blocklist_add(
        &self,
        partner_id: &str,
        scan_ref: &str,
        list: &str,
        reason: Option<&str>,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        sqlx::query("DELETE FROM blocklist WHERE partner_id = $1 AND scan_ref = $2 AND list = $3")
            .bind(partner_id)
            .bind(scan_ref)
            .bind(list)
            .execute(&mut *tx)
            .await?;
        let copied =
            match list {
                "SELFIE" | "DOCUMENT" => {
                    let source = if list == "SELFIE" {
                        FACE_SELFIE
                    } else {
                        FACE_DOCUMENT
                    };
                    sqlx::query(
                        "INSERT INTO blocklist (partner_id, scan_ref, list, reason, embedding, created_at) \
                     SELECT partner_id, scan_ref, $1, $2, embedding, $3 FROM faces \
                     WHERE partner_id = $4 AND scan_ref = $5 AND source = $6",
                    )
                    .bind(list)
                    .bind(reason)
                    .bind(now)
                    .bind(partner_id)
                    .bind(scan_ref)
                    .bind(source)
                    .execute(&mut *tx)
                    .await?
                }
                "DOCUMENT_INFO" => sqlx::query(
                    "INSERT INTO blocklist (partner_id, scan_ref, list, reason, kind, key_hash, created_at) \
                     SELECT partner_id, scan_ref, $1, $2, kind, key_hash, $3 FROM person_keys \
                     WHERE partner_id = $4 AND scan_ref = $5",
                )
                .bind(list)
                .bind(reason)
                .bind(now)
                .bind(partner_id)
                .bind(scan_ref)
                .execute(&mut *tx)
                .await?,
                _ => {
                    tx.rollback().await?;
                    return Err(StoreError::Conflict("unknown blocklist"));
                }
            };
        if copied.rows_affected() == 0 {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        }
        let audit = AuditEntry::blocklist_change(scan_ref, actor, "blocklist_add", list, reason, now);
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn blocklist_remove(
        &self,
        partner_id: &str,
        scan_ref: &str,
        list: &str,
        actor: &str,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.db.begin_write().await?;
        let res = sqlx::query("DELETE FROM blocklist WHERE partner_id = $1 AND scan_ref = $2 AND list = $3")
            .bind(partner_id)
            .bind(scan_ref)
            .bind(list)
            .execute(&mut *tx)
            .await?;
        if res.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        let audit = AuditEntry::blocklist_change(scan_ref, actor, "blocklist_remove", list, None, now);
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn blocklist(&self, partner_id: &str) -> Result<Vec<BlocklistEntry>> {
        let rows = sqlx::query(
            "SELECT partner_id, scan_ref, list, MAX(reason) AS reason, MIN(created_at) AS created_at \
             FROM blocklist WHERE partner_id = $1 GROUP BY partner_id, scan_ref, list \
             ORDER BY MIN(created_at), scan_ref, list",
        )
        .bind(partner_id)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BlocklistEntry {
                    partner_id: r.try_get("partner_id")?,
                    scan_ref: r.try_get("scan_ref")?,
                    list: r.try_get("list")?,
                    reason: r.try_get("reason")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn blocked_faces(&self, partner_id: &str) -> Result<Vec<BlockedFace>> {
        let rows = sqlx::query(
            "SELECT scan_ref, list, embedding FROM blocklist WHERE partner_id = $1 AND embedding IS NOT NULL \
             ORDER BY id",
        )
        .bind(partner_id)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let e: String = r.try_get("embedding")?;
                Ok(BlockedFace {
                    scan_ref: r.try_get("scan_ref")?,
                    list: r.try_get("list")?,
                    embedding: decode_embedding(&e)?,
                })
            })
            .collect()
    }

    async fn blocked_keys(&self, partner_id: &str) -> Result<Vec<(String, PersonKey)>> {
        let rows = sqlx::query(
            "SELECT scan_ref, kind, key_hash FROM blocklist WHERE partner_id = $1 AND key_hash IS NOT NULL \
             ORDER BY id",
        )
        .bind(partner_id)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok((
                    r.try_get("scan_ref")?,
                    PersonKey {
                        kind: key_kind(&kind)?,
                        hash: r.try_get("key_hash")?,
                    },
                ))
            })
            .collect()
    }

    async fn create_reviewer(&self, r: &Reviewer) -> Result<()> {
        let res =
            sqlx::query("INSERT INTO reviewers (id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)")
                .bind(&r.id)
                .bind(&r.name)
                .bind(&r.token_hash)
                .bind(r.created_at)
                .execute(&self.db.pool)
                .await;
        match res {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::Conflict("reviewer exists"))
            }
            other => other.map(|_| ()).map_err(Into::into),
        }
    }

    async fn reviewer_by_token_hash(&self, token_hash: &str) -> Result<Option<Reviewer>> {
        let row = sqlx::query("SELECT id, name, token_hash, created_at FROM reviewers WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(reviewer_from_row).transpose()
    }

    async fn list_reviewers(&self) -> Result<Vec<Reviewer>> {
        let rows =
            sqlx::query("SELECT id, name, token_hash, created_at FROM reviewers ORDER BY created_at, name")
                .fetch_all(&self.db.pool)
                .await?;
        rows.iter().map(reviewer_from_row).collect()
    }

    async fn review_queue(&self, limit: i64) -> Result<Vec<Verification>> {
        let q = format!(
            "SELECT {VERIFICATION_COLS} FROM verifications WHERE phase = $1 AND status = $2 \
             ORDER BY finished_at, scan_ref LIMIT $3"
        );
        let rows = sqlx::query(&q)
            .bind(Phase::Done.as_str())
            .bind(OverallStatus::Reviewing.as_str())
            .bind(limit)
            .fetch_all(&self.db.pool)
            .await?;
        rows.iter().map(verification_from_row).collect()
    }

    async fn record_manual(
        &self,
        scan_ref: &str,
        m: &ManualResult,
        audit: &AuditEntry,
        event: Option<&NewWebhookEvent>,
    ) -> Result<bool> {
        let mut tx = self.db.begin_write().await?;
        let res = match &m.data {
            Some(data) => sqlx::query(
                "UPDATE verifications SET status = $1, manual_document = $2, manual_face = $3, data = $4, \
                     finished_at = $5 WHERE scan_ref = $6 AND phase = $7 AND status = $8",
            )
            .bind(m.status.as_str())
            .bind(m.manual_document.as_str())
            .bind(m.manual_face.map(|x| x.as_str()))
            .bind(to_json(data)?)
            .bind(audit.at)
            .bind(scan_ref)
            .bind(Phase::Done.as_str())
            .bind(OverallStatus::Reviewing.as_str())
            .execute(&mut *tx)
            .await?,
            None => {
                sqlx::query(
                    "UPDATE verifications SET status = $1, manual_document = $2, manual_face = $3, \
                     finished_at = $4 WHERE scan_ref = $5 AND phase = $6 AND status = $7",
                )
                .bind(m.status.as_str())
                .bind(m.manual_document.as_str())
                .bind(m.manual_face.map(|x| x.as_str()))
                .bind(audit.at)
                .bind(scan_ref)
                .bind(Phase::Done.as_str())
                .bind(OverallStatus::Reviewing.as_str())
                .execute(&mut *tx)
                .await?
            }
        };
        if res.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        insert_audit(&mut tx, audit).await?;
        finish_with_event(tx, 1, event, audit.at).await
    }

    async fn audit_log(&self, scan_ref: &str) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT scan_ref, actor, action, reason, detail, at FROM audit_log WHERE scan_ref = $1 ORDER BY id",
        )
        .bind(scan_ref)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn set_policy(&self, partner_id: &str, policy: &Value, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO policies (partner_id, policy, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (partner_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at",
        )
        .bind(partner_id)
        .bind(to_json(policy)?)
        .bind(now)
        .execute(&self.db.pool)
        .await?;
        Ok(())
    }

    async fn policy(&self, partner_id: &str) -> Result<Option<Value>> {
        let row = sqlx::query("SELECT policy FROM policies WHERE partner_id = $1")
            .bind(partner_id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(|r| json_col(r, "policy")).transpose()
    }
}
