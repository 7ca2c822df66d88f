//! Records the repositories read and write. The verification itself and its results are the
//! domain's (`ivs_core::verification`, `ivs_core::policy`); rows are converted into them.
use ivs_core::policy::VerificationResult;
use ivs_core::token::TokenSettings;
use ivs_core::verification::Verification;
use ivs_core::vocab::{DocumentType, FileKind};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// iDenfy's environments, reduced to what changes behaviour: sandbox partners may use the dummy
/// endpoints (iDenfy DEV), live partners may not (PROD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartnerMode {
    Sandbox,
    Live,
}

impl PartnerMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerMode::Sandbox => "sandbox",
            PartnerMode::Live => "live",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sandbox" => Some(PartnerMode::Sandbox),
            "live" => Some(PartnerMode::Live),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Partner {
    pub id: String,
    pub name: String,
    pub api_key: String,
    /// hex(sha256(secret)); the secret itself is never stored.
    pub secret_hash: String,
    pub mode: PartnerMode,
    pub webhook_url: Option<String>,
    /// Key for `Idenfy-Signature` (needed in clear to sign).
    pub signing_key: String,
    pub webhook_disabled: bool,
    pub token_defaults: Map<String, Value>,
    pub created_at: i64,
}

/// hex(sha256(secret)).
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl Partner {
    /// Constant-time comparison of a presented secret with the stored hash.
    pub fn verify_secret(&self, secret: &str) -> bool {
        let presented = Sha256::digest(secret.as_bytes());
        match hex::decode(&self.secret_hash) {
            Ok(stored) => stored.ct_eq(presented.as_slice()).into(),
            Err(_) => false,
        }
    }
}

/// A verification about to be created by `POST /api/v2/token`.
#[derive(Debug, Clone)]
pub struct NewVerification {
    pub scan_ref: String,
    pub partner_id: String,
    pub client_id: String,
    pub auth_token: String,
    pub digit_string: Option<String>,
    pub token: TokenSettings,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredFile {
    pub scan_ref: String,
    pub kind: FileKind,
    pub object_key: String,
    pub content_type: String,
    pub byte_len: i64,
    pub sha256: String,
    pub created_at: i64,
}

/// What `/api/v2/process` commits in one transaction.
#[derive(Debug, Clone)]
pub struct Submission {
    pub scan_ref: String,
    pub partner_id: String,
    pub selected_country: Option<String>,
    pub document_type: Option<DocumentType>,
    pub files: Vec<StoredFile>,
    pub job: NewJob,
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: String,
    pub payload: Value,
    pub max_attempts: i64,
    pub run_at: i64,
    /// At most one queued/running/finished job per key (idempotent enqueue).
    pub unique_key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(JobStatus::Queued),
            "running" => Some(JobStatus::Running),
            "done" => Some(JobStatus::Done),
            "failed" => Some(JobStatus::Failed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: Value,
    pub status: JobStatus,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: i64,
    pub locked_by: Option<String>,
    pub heartbeat_at: Option<i64>,
    pub last_error: Option<String>,
    pub unique_key: Option<String>,
    pub created_at: i64,
}

/// Job kind for the analysis of a submitted verification.
pub const JOB_ANALYSE: &str = "analyse";

/// The `analyse` job: the server queues it with a submission, a worker runs it. Its payload is
/// `{"scanRef", "partnerId"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnalyseJob {
    pub scan_ref: String,
    pub partner_id: String,
}

/// A job whose payload is not what its kind carries.
#[derive(Debug, thiserror::Error)]
#[error("job {id} ({kind}): malformed payload")]
pub struct MalformedJob {
    pub id: i64,
    pub kind: String,
    #[source]
    pub source: serde_json::Error,
}

impl AnalyseJob {
    /// How often an analysis is tried before the verification goes to a reviewer.
    pub const MAX_ATTEMPTS: i64 = 5;

    /// The job to queue at `now` (one per verification: enqueueing it again does nothing).
    pub fn new_job(&self, now: i64) -> NewJob {
        NewJob {
            kind: JOB_ANALYSE.into(),
            payload: serde_json::json!({ "scanRef": self.scan_ref, "partnerId": self.partner_id }),
            max_attempts: Self::MAX_ATTEMPTS,
            run_at: now,
            unique_key: Some(format!("{JOB_ANALYSE}:{}", self.scan_ref)),
        }
    }

    /// The job a claimed `analyse` row carries.
    pub fn parse(job: &Job) -> Result<Self, MalformedJob> {
        serde_json::from_value(job.payload.clone()).map_err(|source| MalformedJob {
            id: job.id,
            kind: job.kind.clone(),
            source,
        })
    }
}

/// A webhook event about to be written to the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWebhookEvent {
    /// Stable across retries (`webhook-id`).
    pub event_id: String,
    pub partner_id: String,
    pub scan_ref: String,
    pub event_type: ivs_core::vocab::EventType,
    pub final_: bool,
    /// The session's `callbackUrl`, which overrides the partner's URL.
    pub callback_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookStatus {
    /// Waiting for its next attempt.
    Pending,
    Delivered,
    /// Retries exhausted.
    Dead,
    /// The partner's endpoint answered 410 Gone; waits for redelivery.
    Disabled,
}

impl WebhookStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookStatus::Pending => "pending",
            WebhookStatus::Delivered => "delivered",
            WebhookStatus::Dead => "dead",
            WebhookStatus::Disabled => "disabled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(WebhookStatus::Pending),
            "delivered" => Some(WebhookStatus::Delivered),
            "dead" => Some(WebhookStatus::Dead),
            "disabled" => Some(WebhookStatus::Disabled),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    pub id: i64,
    pub event_id: String,
    pub partner_id: String,
    pub scan_ref: String,
    pub event_type: ivs_core::vocab::EventType,
    pub final_: bool,
    pub callback_url: Option<String>,
    pub status: WebhookStatus,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

/// One delivery attempt, as logged.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookAttempt {
    pub event_id: String,
    pub attempt: i64,
    pub at: i64,
    pub url: String,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<String>,
}

/// What an attempt leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    RetryAt(i64),
    Dead,
    /// 410 Gone: the event waits and the partner's endpoint is disabled.
    Disable,
}

/// Where a stored face embedding came from.
pub const FACE_SELFIE: &str = "SELFIE";
pub const FACE_DOCUMENT: &str = "DOCUMENT";
/// Kinds of hashed person keys.
pub const KEY_DOCUMENT_NUMBER: &str = "DOCUMENT_NUMBER";
pub const KEY_PERSONAL_CODE: &str = "PERSONAL_CODE";

/// A face embedding to store with an analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFace {
    /// [`FACE_SELFIE`] or [`FACE_DOCUMENT`].
    pub source: &'static str,
    /// The L2-normalised embedding.
    pub embedding: Vec<f32>,
}

impl NewWebhookEvent {
    /// An event about `v` with a fresh id; the session's `callbackUrl` (if any) overrides the
    /// partner's webhook URL.
    pub fn for_verification(v: &Verification, event_type: ivs_core::vocab::EventType, final_: bool) -> Self {
        NewWebhookEvent {
            event_id: format!("evt_{}", uuid::Uuid::new_v4().simple()),
            partner_id: v.partner_id.clone(),
            scan_ref: v.scan_ref.clone(),
            event_type,
            final_,
            callback_url: v.token.view().ok().and_then(|t| t.callback_url),
        }
    }
}

/// A stored face embedding.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceRow {
    pub id: i64,
    pub partner_id: String,
    pub scan_ref: String,
    pub client_id: String,
    pub source: String,
    pub embedding: Vec<f32>,
}

/// A hashed document number or personal code ([`KEY_DOCUMENT_NUMBER`], [`KEY_PERSONAL_CODE`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonKey {
    pub kind: &'static str,
    pub hash: String,
}

/// Everything one analysis writes, in one transaction with its result and webhook event.
#[derive(Debug, Clone)]
pub struct AnalysisRecord {
    pub scan_ref: String,
    pub partner_id: String,
    pub client_id: String,
    pub result: VerificationResult,
    /// `ivs_core::policy::Facts` as JSON.
    pub facts: Value,
    /// Scores, boxes, timings and model versions.
    pub evidence: Value,
    /// `ivs_core::policy::Decision` as JSON.
    pub decision: Value,
    pub faces: Vec<NewFace>,
    pub keys: Vec<PersonKey>,
    pub now: i64,
}

/// A stored analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnalysis {
    pub scan_ref: String,
    pub partner_id: String,
    pub facts: Value,
    pub evidence: Value,
    pub decision: Value,
    pub created_at: i64,
}

/// The three blocklists of idenfy-v2-wire §5.5.
pub const BLOCKLISTS: [&str; 3] = ["DOCUMENT", "DOCUMENT_INFO", "SELFIE"];

/// One blocklist entry (a verification put on a list).
#[derive(Debug, Clone, PartialEq)]
pub struct BlocklistEntry {
    pub partner_id: String,
    pub scan_ref: String,
    pub list: String,
    pub reason: Option<String>,
    pub created_at: i64,
}

/// A blocked face: the list it is on and the verification it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockedFace {
    pub scan_ref: String,
    pub list: String,
    pub embedding: Vec<f32>,
}

/// A reviewer account (authenticated by a bearer token whose hash is stored).
#[derive(Debug, Clone, PartialEq)]
pub struct Reviewer {
    pub id: String,
    pub name: String,
    pub token_hash: String,
    pub created_at: i64,
}

/// One audit-log line.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub scan_ref: String,
    pub actor: String,
    pub action: String,
    pub reason: Option<String>,
    pub detail: Value,
    pub at: i64,
}

impl AuditEntry {
    /// The line of a blocklist change: action `{change}:{list}` (`blocklist_add:SELFIE`, …).
    pub(crate) fn blocklist_change(
        scan_ref: &str,
        actor: &str,
        change: &str,
        list: &str,
        reason: Option<&str>,
        at: i64,
    ) -> Self {
        AuditEntry {
            scan_ref: scan_ref.to_owned(),
            actor: actor.to_owned(),
            action: format!("{change}:{list}"),
            reason: reason.map(str::to_owned),
            detail: Value::Object(Map::new()),
            at,
        }
    }
}
