//! Manual review (reviewer accounts, bearer tokens) and partner blocklists. Thin handlers call the
//! functions here; every reviewer action and blocklist change is written to the audit log in the
//! same transaction as its effect.
use crate::service::{Result, file_urls, own_verification};
use crate::{AppState, WebError};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use ivs_core::policy::{ManualResult, manual_overall};
use ivs_core::verification::Verification;
use ivs_core::vocab::{DocumentStatus, EventType, FaceStatus, OverallStatus, TokenType};
use ivs_core::wire::{DocData, StatusBody};
use ivs_core::{ApiError, Identifier};
use ivs_store::{AuditEntry, BLOCKLISTS, NewWebhookEvent, Partner, Reviewer, StoreError};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// sha256 hex of a reviewer token (only the hash is stored).
pub fn reviewer_token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The reviewer of a request (`Authorization: Bearer <token>`).
#[derive(Debug, Clone)]
pub struct AuthedReviewer(pub Reviewer);

impl FromRequestParts<AppState> for AuthedReviewer {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim().to_owned())
            .filter(|t| !t.is_empty() && t.len() <= 200)
            .ok_or_else(ApiError::unauthorized)?;
        let reviewer = state
            .repo
            .reviewer_by_token_hash(&reviewer_token_hash(&token))
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Ok(AuthedReviewer(reviewer))
    }
}

/// One verification in the review queue: its status (as `/api/v2/status` has it), its partner and
/// when the analysis finished.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct QueueItem {
    #[serde(flatten)]
    status: StatusBody,
    partner_id: String,
    finished_at: Option<i64>,
}

/// `GET /ivs/v1/review/queue`: verifications waiting for a reviewer, oldest first.
pub async fn queue(state: &AppState) -> Result<Value> {
    let list = state.repo.review_queue(500).await?;
    let now = state.clock.unix();
    let results: Vec<QueueItem> = list
        .into_iter()
        .map(|v| QueueItem {
            status: v.status_body(now),
            partner_id: v.partner_id,
            finished_at: v.finished_at,
        })
        .collect();
    Ok(json!({ "count": results.len(), "results": results }))
}

async fn any_verification(state: &AppState, scan_ref: &str) -> Result<Verification> {
    state
        .repo
        .verification_by_scan_ref(scan_ref)
        .await?
        .ok_or_else(|| ApiError::not_found("No verification with this scanRef."))
}

/// `GET /ivs/v1/review/{scanRef}`: everything a reviewer needs — the automatic result, the
/// data, the evidence and the decision it led to, file links and the audit log.
pub async fn case(state: &AppState, scan_ref: &str) -> Result<Value> {
    let v = any_verification(state, scan_ref).await?;
    let now = state.clock.unix();
    let analysis = state.repo.analysis(scan_ref).await?;
    let audit = state.repo.audit_log(scan_ref).await?;
    let urls = file_urls(state, &v).await?;
    Ok(json!({
        "status": v.status_body(now),
        "data": v.data_object(),
        "facts": analysis.as_ref().map(|a| a.facts.clone()),
        "evidence": analysis.as_ref().map(|a| a.evidence.clone()),
        "decision": analysis.as_ref().map(|a| a.decision.clone()),
        "fileUrls": urls,
        "audit": audit.iter().map(|a| json!({
            "actor": a.actor, "action": a.action, "reason": a.reason, "detail": a.detail, "at": a.at,
        })).collect::<Vec<_>>(),
    }))
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::bad_value(msg.into())
}

/// The data keys a reviewer may correct (what documents carry; not the derived or foreign ones).
const CORRECTABLE: &[&str] = &[
    "docFirstName",
    "docLastName",
    "docNumber",
    "docPersonalCode",
    "docExpiry",
    "docDob",
    "docDateOfIssue",
    "docType",
    "docSex",
    "docNationality",
    "docIssuingCountry",
    "birthPlace",
    "authority",
    "address",
    "fullName",
];

/// `POST /ivs/v1/review/{scanRef}`: a reviewer's verdict. Body: `manualDocument` (required),
/// `manualFace` (required unless the token was document-only), `reason` (required), optional
/// `status` (overrides the policy's outcome) and `data` (corrected fields → `manuallyDataChanged`).
pub async fn decide(state: &AppState, reviewer: &Reviewer, scan_ref: &str, body: &Value) -> Result<Value> {
    let v = any_verification(state, scan_ref).await?;
    if v.status != OverallStatus::Reviewing {
        return Err(ApiError::new(
            Identifier::PartnerError,
            "The verification is not awaiting review.",
        ));
    }
    let text = |k: &str| body.get(k).and_then(Value::as_str);
    let manual_document = match text("manualDocument") {
        None => return Err(ApiError::missing("manualDocument")),
        Some(s) => {
            DocumentStatus::parse(s).ok_or_else(|| bad(format!("manualDocument: unknown value {s:?}.")))?
        }
    };
    let token_type = v.token.view()?.token_type;
    let manual_face = match text("manualFace") {
        None if token_type == TokenType::Document => None,
        None => return Err(ApiError::missing("manualFace")),
        Some(s) => {
            Some(FaceStatus::parse(s).ok_or_else(|| bad(format!("manualFace: unknown value {s:?}.")))?)
        }
    };
    let reason = text("reason")
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| ApiError::missing("reason"))?;
    if reason.len() > 1000 {
        return Err(bad("reason: at most 1000 characters."));
    }
    let policy = ivs_store::partner_policy(&state.repo, &v.partner_id).await?;
    let status = match text("status") {
        None => manual_overall(
            manual_document,
            manual_face,
            &v.mismatch_tags,
            &v.fraud_tags,
            &policy,
        ),
        Some(s) => match OverallStatus::parse(s) {
            Some(st @ (OverallStatus::Approved | OverallStatus::Denied | OverallStatus::Suspected)) => st,
            _ => return Err(bad("status: APPROVED, DENIED or SUSPECTED.")),
        },
    };
    let mut changed: Vec<String> = Vec::new();
    let data = match body.get("data") {
        None | Some(Value::Null) => None,
        Some(Value::Object(fields)) => {
            let current = serde_json::to_value(v.data_object()).map_err(|_| ApiError::internal())?;
            let mut merged: Map<String, Value> = current.as_object().cloned().unwrap_or_default();
            for (k, val) in fields {
                if !CORRECTABLE.contains(&k.as_str()) {
                    return Err(bad(format!("data.{k} cannot be corrected.")));
                }
                if !(val.is_string() || val.is_null()) {
                    return Err(bad(format!("data.{k} must be a string or null.")));
                }
                if merged.get(k) != Some(val) {
                    changed.push(k.clone());
                }
                merged.insert(k.clone(), val.clone());
            }
            merged.insert("manuallyDataChanged".into(), json!(!changed.is_empty()));
            let d: DocData =
                serde_json::from_value(Value::Object(merged)).map_err(|e| bad(format!("data: {e}.")))?;
            Some(d)
        }
        Some(_) => return Err(bad("data must be an object.")),
    };
    let now = state.clock.unix();
    let m = ManualResult {
        status,
        manual_document,
        manual_face,
        data,
    };
    // The audit line names the changed fields, never their values (they are personal data).
    let audit = AuditEntry {
        scan_ref: v.scan_ref.clone(),
        actor: reviewer.name.clone(),
        action: "manual_decision".into(),
        reason: Some(reason.to_owned()),
        detail: json!({
            "status": status,
            "manualDocument": manual_document,
            "manualFace": manual_face,
            "changedFields": changed,
        }),
        at: now,
    };
    let event = NewWebhookEvent::for_verification(&v, EventType::IdentificationManualFinished, true);
    if !state
        .repo
        .record_manual(&v.scan_ref, &m, &audit, Some(&event))
        .await?
    {
        return Err(ApiError::new(
            Identifier::PartnerError,
            "The verification is not awaiting review.",
        ));
    }
    tracing::info!(scan_ref = %v.scan_ref, reviewer = %reviewer.name, status = %status, "manual review recorded");
    let v = any_verification(state, scan_ref).await?;
    serde_json::to_value(v.status_body(now)).map_err(|_| ApiError::internal())
}

fn list_name(list: &str) -> Result<&'static str> {
    BLOCKLISTS
        .iter()
        .find(|l| **l == list)
        .copied()
        .ok_or_else(|| bad("The list must be DOCUMENT, DOCUMENT_INFO or SELFIE."))
}

/// `POST /kyc/identifications/{scanRef}/blocklists/{list}/` (partner): puts the verification's
/// selfie face (`SELFIE`), document portrait (`DOCUMENT`) or document number and personal code
/// (`DOCUMENT_INFO`) on the partner's blocklist.
pub async fn blocklist_add(
    state: &AppState,
    partner: &Partner,
    scan_ref: &str,
    list: &str,
    body: &Value,
) -> Result<Value> {
    let list = list_name(list)?;
    let v = own_verification(state, partner, scan_ref).await?;
    let reason = match body.get("reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) if r.len() <= 1000 => Some(r.as_str()),
        Some(_) => return Err(bad("reason must be a string of at most 1000 characters.")),
    };
    let now = state.clock.unix();
    let actor = format!("partner:{}", partner.id);
    match state
        .repo
        .blocklist_add(&partner.id, &v.scan_ref, list, reason, &actor, now)
        .await
    {
        Ok(()) => {}
        Err(StoreError::NotFound) => {
            return Err(ApiError::new(
                Identifier::PartnerError,
                "The verification has nothing this list can block (not analysed, no face or no document data).",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(json!({ "scanRef": v.scan_ref, "list": list, "reason": reason }))
}

/// `DELETE /kyc/identifications/{scanRef}/blocklists/{list}/` (partner).
pub async fn blocklist_remove(state: &AppState, partner: &Partner, scan_ref: &str, list: &str) -> Result<()> {
    let list = list_name(list)?;
    let v = own_verification(state, partner, scan_ref).await?;
    let actor = format!("partner:{}", partner.id);
    if !state
        .repo
        .blocklist_remove(&partner.id, &v.scan_ref, list, &actor, state.clock.unix())
        .await?
    {
        return Err(ApiError::not_found("The verification is not on this list."));
    }
    Ok(())
}
