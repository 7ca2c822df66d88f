//! Records the repositories read and write.
use ivs_core::token::TokenSettings;
use ivs_core::vocab::{
    DocumentStatus, DocumentType, FaceStatus, FileKind, FraudTag, MismatchTag, OverallStatus,
};
use ivs_core::wire::{DocData, StatusBody};
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

/// Where a verification is in its life. The overall status a client sees is derived from the
/// phase and the stored result (see [`Verification::effective_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Token issued, nothing submitted yet.
    Issued,
    /// Images submitted; analysis queued or running.
    Processing,
    /// A result exists (automatic, possibly awaiting or after manual review).
    Done,
    /// Files and personal data deleted; a tombstone remains.
    Deleted,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Issued => "ISSUED",
            Phase::Processing => "PROCESSING",
            Phase::Done => "DONE",
            Phase::Deleted => "DELETED",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ISSUED" => Some(Phase::Issued),
            "PROCESSING" => Some(Phase::Processing),
            "DONE" => Some(Phase::Done),
            "DELETED" => Some(Phase::Deleted),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub scan_ref: String,
    pub partner_id: String,
    pub client_id: String,
    pub auth_token: String,
    pub digit_string: Option<String>,
    pub phase: Phase,
    pub status: OverallStatus,
    pub token: TokenSettings,
    pub auto_document: Option<DocumentStatus>,
    pub auto_face: Option<FaceStatus>,
    pub manual_document: Option<DocumentStatus>,
    pub manual_face: Option<FaceStatus>,
    pub fraud_tags: Vec<FraudTag>,
    pub mismatch_tags: Vec<MismatchTag>,
    pub data: Option<DocData>,
    pub selected_country: Option<String>,
    pub document_type: Option<DocumentType>,
    pub created_at: i64,
    pub expires_at: i64,
    pub submitted_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub deleted_at: Option<i64>,
    /// When the user opened the capture page (the session started).
    pub started_at: Option<i64>,
    /// `started_at + sessionLength`: an unsubmitted started session expires then.
    pub session_ends_at: Option<i64>,
}

impl Verification {
    /// Whether the token can still be used to submit images at `now`.
    pub fn token_usable(&self, now: i64) -> bool {
        self.phase == Phase::Issued && !self.past_deadline(now)
    }

    /// Whether `now` is past the token's expiry or the started session's length.
    pub fn past_deadline(&self, now: i64) -> bool {
        now >= self.expires_at || self.session_ends_at.is_some_and(|end| now >= end)
    }

    /// The overall status at `now`: `ACTIVE` until a result exists; an unused token past its
    /// expiry reads as `EXPIRED` even before the lifecycle worker records it.
    pub fn effective_status(&self, now: i64) -> OverallStatus {
        match self.phase {
            Phase::Issued if self.past_deadline(now) => OverallStatus::Expired,
            Phase::Issued | Phase::Processing => OverallStatus::Active,
            Phase::Done | Phase::Deleted => self.status,
        }
    }

    pub fn status_body(&self, now: i64) -> StatusBody {
        StatusBody {
            status: self.effective_status(now),
            scan_ref: self.scan_ref.clone(),
            client_id: self.client_id.clone(),
            auto_document: self.auto_document,
            auto_face: self.auto_face,
            manual_document: self.manual_document,
            manual_face: self.manual_face,
            fraud_tags: self.fraud_tags.clone(),
            mismatch_tags: self.mismatch_tags.clone(),
        }
    }

    /// The `/data` object: the analysed data when there is one; before that only what the
    /// session itself knows (the country the user selected).
    pub fn data_object(&self) -> DocData {
        match (&self.data, self.phase) {
            (_, Phase::Deleted) => DocData::default(),
            (Some(d), _) => d.clone(),
            (None, _) => DocData {
                selected_country: self.selected_country.clone(),
                ..DocData::default()
            },
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

/// The automated (or manual) outcome a worker records.
#[derive(Debug, Clone, PartialEq)]
pub struct VerificationResult {
    pub status: OverallStatus,
    pub auto_document: Option<DocumentStatus>,
    pub auto_face: Option<FaceStatus>,
    pub manual_document: Option<DocumentStatus>,
    pub manual_face: Option<FaceStatus>,
    pub fraud_tags: Vec<FraudTag>,
    pub mismatch_tags: Vec<MismatchTag>,
    pub data: DocData,
}

/// Job kind for the analysis of a submitted verification.
pub const JOB_ANALYSE: &str = "analyse";

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
            callback_url: v
                .token
                .as_map()
                .get("callbackUrl")
                .and_then(Value::as_str)
                .map(str::to_owned),
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

/// A reviewer's verdict, recorded with its audit line and the manual webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct ManualResult {
    pub status: OverallStatus,
    pub manual_document: DocumentStatus,
    pub manual_face: Option<FaceStatus>,
    /// Corrected data (`manuallyDataChanged: true`), when the reviewer changed fields.
    pub data: Option<DocData>,
}
