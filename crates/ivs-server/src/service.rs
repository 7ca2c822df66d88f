//! What the endpoints do, apart from HTTP.
use crate::AppState;
use crate::body::{optional_str, required_str};
use crate::images::{self, CheckedImage, ImageLimits};
use bytes::Bytes;
use ivs_core::links::LinkError;
use ivs_core::policy::{ManualResult, VerificationResult};
use ivs_core::token::{GeneratedToken, validate_token_request};
use ivs_core::verification::{Deletion, Phase, TokenUnusable, Verification};
use ivs_core::vocab::{
    DocumentStatus, DocumentType, EventType, FaceStatus, FileKind, OverallStatus, TokenType,
};
use ivs_core::wire::{DataBody, FilesBody, StatusBody};
use ivs_core::{ApiError, Identifier};
use ivs_store::{
    AnalyseJob, Files, NewVerification, NewWebhookEvent, Partner, PartnerMode, StoreError, StoredFile,
    Submission,
};
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub(crate) type Result<T> = std::result::Result<T, ApiError>;

fn random_alnum(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

fn random_digits(n: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

fn sandbox_only(partner: &Partner) -> Result<()> {
    if partner.mode == PartnerMode::Sandbox {
        Ok(())
    } else {
        Err(ApiError::new(
            Identifier::PermissionsError,
            "This endpoint is not available for TESTING/PRODUCTION partners.",
        ))
    }
}

fn new_event(v: &Verification, event_type: EventType, final_: bool) -> NewWebhookEvent {
    NewWebhookEvent::for_verification(v, event_type, final_)
}

/// `POST /api/v2/token`.
pub async fn create_token(state: &AppState, partner: &Partner, body: &Value) -> Result<Value> {
    let dummy = match body.get("dummyStatus") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match OverallStatus::parse(s) {
            Some(
                st @ (OverallStatus::Approved
                | OverallStatus::Denied
                | OverallStatus::Suspected
                | OverallStatus::Expired),
            ) => Some(st),
            _ => {
                return Err(ApiError::bad_value(
                    "Field 'dummyStatus' must be APPROVED, DENIED, SUSPECTED or EXPIRED.",
                ));
            }
        },
        Some(_) => return Err(ApiError::bad_value("Field 'dummyStatus' must be a string.")),
    };
    if dummy.is_some() {
        sandbox_only(partner)?;
    }
    let settings = validate_token_request(body, &partner.token_defaults)?;
    let view = settings.view()?;
    let now = state.clock.unix();
    let auth_token = random_alnum(40);
    let scan_ref = uuid::Uuid::new_v4().to_string();
    let digit_string = view.generate_digit_string.then(|| random_digits(8));
    let generated = GeneratedToken {
        message: if dummy.is_some() {
            "Dummy token and verification created successfully"
        } else {
            "Token created successfully"
        },
        redirect_url: format!(
            "{}/api/v2/redirect?authToken={auth_token}",
            state.config.public_url.trim_end_matches('/')
        ),
        auth_token,
        scan_ref,
        digit_string,
    };
    let new = NewVerification {
        scan_ref: generated.scan_ref.clone(),
        partner_id: partner.id.clone(),
        client_id: view.client_id.clone(),
        auth_token: generated.auth_token.clone(),
        digit_string: generated.digit_string.clone(),
        token: settings.clone(),
        created_at: now,
        expires_at: now + view.expiry_time,
    };
    state.repo.create_verification(&new).await?;
    tracing::info!(scan_ref = %new.scan_ref, partner = %partner.id, "token created");
    if let Some(status) = dummy {
        let v = state
            .repo
            .verification(&partner.id, &new.scan_ref)
            .await?
            .ok_or_else(ApiError::internal)?;
        let event_type = if status == OverallStatus::Expired {
            EventType::IdentificationExpired
        } else {
            EventType::IdentificationAutoFinished
        };
        let event = new_event(&v, event_type, true);
        state
            .repo
            .record_result(
                &v.scan_ref,
                &VerificationResult::sandbox(status, &view),
                now,
                Some(&event),
            )
            .await?;
    }
    Ok(settings.response_body(&generated))
}

/// Where `GET /api/v2/redirect` sends the browser, or why it cannot.
#[derive(Debug)]
pub enum RedirectTarget {
    Capture(String),
    Unknown,
    Expired,
    Used,
}

pub async fn redirect_target(state: &AppState, auth_token: Option<&str>) -> Result<RedirectTarget> {
    let Some(token) = auth_token.filter(|t| !t.is_empty() && t.len() <= 100) else {
        return Ok(RedirectTarget::Unknown);
    };
    let Some(v) = state.repo.verification_by_token(token).await? else {
        return Ok(RedirectTarget::Unknown);
    };
    let now = state.clock.unix();
    Ok(match v.submittable(now) {
        Ok(()) => {
            // Opening the capture page starts the session: `sessionLength` runs from now.
            if v.started_at.is_none() {
                let length = v.token.view().map(|t| t.session_length).unwrap_or(1800);
                state.repo.mark_started(&v.scan_ref, now, length).await?;
            }
            RedirectTarget::Capture(format!(
                "{}/capture?authToken={}",
                state.config.public_url.trim_end_matches('/'),
                v.auth_token
            ))
        }
        Err(TokenUnusable::Expired) => RedirectTarget::Expired,
        Err(TokenUnusable::Used) => RedirectTarget::Used,
    })
}

/// The scanRef of a retrieval request: `{"scanRef"}` in the body or `?scanRef=`.
pub fn scan_ref_from_body(body: &Value) -> Result<String> {
    Ok(required_str(body, "scanRef")?.to_owned())
}

pub(crate) async fn own_verification(
    state: &AppState,
    partner: &Partner,
    scan_ref: &str,
) -> Result<Verification> {
    // Unknown and foreign scanRefs get the same answer.
    let not_found = || ApiError::not_found("No verification with this scanRef.");
    if scan_ref.len() > 64 {
        return Err(not_found());
    }
    state
        .repo
        .verification(&partner.id, scan_ref)
        .await?
        .ok_or_else(not_found)
}

async fn retrievable(state: &AppState, partner: &Partner, scan_ref: &str) -> Result<Verification> {
    let v = own_verification(state, partner, scan_ref).await?;
    state
        .limiter
        .charge_scan_ref(&partner.id, &v.scan_ref, state.clock.unix())?;
    Ok(v)
}

pub async fn status(state: &AppState, partner: &Partner, scan_ref: &str) -> Result<StatusBody> {
    let v = retrievable(state, partner, scan_ref).await?;
    Ok(v.status_body(state.clock.unix()))
}

pub async fn data(state: &AppState, partner: &Partner, scan_ref: &str) -> Result<DataBody> {
    let v = retrievable(state, partner, scan_ref).await?;
    Ok(v.data_body())
}

pub async fn files(state: &AppState, partner: &Partner, scan_ref: &str) -> Result<FilesBody> {
    let v = retrievable(state, partner, scan_ref).await?;
    Ok(FilesBody::from_urls(file_urls(state, &v).await?))
}

/// Links to a verification's files (none once deleted): presigned bucket URLs with S3 storage,
/// signed `/files/{token}` links with a directory.
pub(crate) async fn file_urls(state: &AppState, v: &Verification) -> Result<BTreeMap<String, String>> {
    if v.phase == Phase::Deleted {
        return Ok(BTreeMap::new());
    }
    let stored = state.repo.files(&v.scan_ref).await?;
    ivs_store::FileLinks::new(state.files.clone(), state.urls.clone())
        .urls(
            &v.scan_ref,
            &stored,
            state.clock.unix(),
            state.config.file_url_ttl_secs,
        )
        .await
        .map_err(ApiError::from)
}

/// `POST /api/v2/process`: check the token and every image, store the files, consume the token
/// and queue the analysis in one transaction.
pub async fn process(state: &AppState, partner: &Partner, body: &Value) -> Result<()> {
    if !body.is_object() {
        return Err(ApiError::new(
            Identifier::JsonError,
            "The request body must be a JSON object.",
        ));
    }
    let token = match optional_str(body, "authToken")?.filter(|s| !s.is_empty()) {
        Some(t) => t,
        None => optional_str(body, "token")?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::missing("authToken"))?,
    };
    let country = match optional_str(body, "country")? {
        None => None,
        Some(c) if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
            Some(c.to_ascii_uppercase())
        }
        Some(_) => {
            return Err(ApiError::bad_value(
                "Field 'country' must be a valid ISO 3166-1 alpha-2 code.",
            ));
        }
    };
    let document_type = match optional_str(body, "documentType")? {
        None => None,
        Some(d) => Some(
            DocumentType::parse(d)
                .filter(|d| DocumentType::DIRECT.contains(d))
                .ok_or_else(|| {
                    ApiError::bad_value(
                        "Field 'documentType' must be ID_CARD, PASSPORT, DRIVER_LICENSE or RESIDENCE_PERMIT.",
                    )
                })?,
        ),
    };
    let images = match body.get("images") {
        None | Some(Value::Null) => return Err(ApiError::missing("images")),
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(ApiError::bad_value(
                "Field 'images' must be an object of base64 images.",
            ));
        }
    };

    let now = state.clock.unix();
    let invalid = |why: &str| ApiError::new(Identifier::TokenNotValid, why.to_owned());
    let v = match state.repo.verification_by_token(token).await? {
        Some(v) if v.partner_id == partner.id => v,
        _ => return Err(invalid("Token is not valid.")),
    };
    match v.submittable(now) {
        Ok(()) => {}
        Err(TokenUnusable::Expired) => return Err(invalid("Token has expired.")),
        Err(TokenUnusable::Used) => return Err(invalid("Token has already been used.")),
    }
    let token_type = v.token.view()?.token_type;

    let mut required = vec![FileKind::Front];
    if token_type == TokenType::Identification {
        required.push(FileKind::Face);
    }
    for kind in &required {
        if images.get(kind.as_str()).is_none_or(Value::is_null) {
            return Err(ApiError::new(
                Identifier::MissingValue,
                format!("No image provided for step '{}'.", kind.as_str()),
            ));
        }
    }
    let limits = ImageLimits {
        max_bytes: state.config.max_image_bytes,
        max_side: state.config.max_image_side,
        max_pixels: state.config.max_image_pixels,
    };
    let mut decoded: Vec<(FileKind, Vec<u8>)> = Vec::new();
    for (key, value) in images {
        let Some(kind) = FileKind::parse(key) else {
            return Err(ApiError::bad_value(format!(
                "Unknown image key '{key}'; use FRONT, BACK, FACE, UTILITY_BILL or PASSPORT_COVER."
            )));
        };
        match value {
            Value::Null => continue,
            Value::String(s) => decoded.push((kind, images::decode_base64(key, s, limits)?)),
            _ => {
                return Err(ApiError::bad_value(format!(
                    "Image '{key}' must be a base64 string."
                )));
            }
        }
    }
    // Decoding is CPU work: keep it off the async workers.
    let checked: Vec<(FileKind, CheckedImage)> = tokio::task::spawn_blocking(move || {
        decoded
            .into_iter()
            .map(|(kind, bytes)| images::check_image(kind.as_str(), bytes, limits).map(|c| (kind, c)))
            .collect::<Result<Vec<_>>>()
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "image check task failed");
        ApiError::internal()
    })??;

    let mut stored = Vec::new();
    for (kind, img) in &checked {
        let key = Files::key_for(&v.scan_ref, kind.as_str());
        stored.push(StoredFile {
            scan_ref: v.scan_ref.clone(),
            kind: *kind,
            object_key: key.clone(),
            content_type: img.content_type.to_owned(),
            byte_len: i64::try_from(img.bytes.len()).unwrap_or(i64::MAX),
            sha256: hex::encode(Sha256::digest(&img.bytes)),
            created_at: now,
        });
        state.files.put(&key, Bytes::from(img.bytes.clone())).await?;
    }
    let submission = Submission {
        scan_ref: v.scan_ref.clone(),
        partner_id: partner.id.clone(),
        selected_country: country,
        document_type,
        files: stored,
        job: AnalyseJob {
            scan_ref: v.scan_ref.clone(),
            partner_id: partner.id.clone(),
        }
        .new_job(now),
        now,
    };
    match state.repo.submit(&submission).await {
        Ok(()) => {
            tracing::info!(scan_ref = %v.scan_ref, "verification submitted");
            Ok(())
        }
        // A concurrent submit won the token: its files are the ones recorded (same keys).
        Err(StoreError::Conflict(_)) => Err(invalid("Token has already been used.")),
        Err(e) => {
            for f in &submission.files {
                let _ = state.files.delete(&f.object_key).await;
            }
            Err(e.into())
        }
    }
}

/// `POST /api/v2/delete`.
pub async fn delete(state: &AppState, partner: &Partner, body: &Value) -> Result<()> {
    let scan_ref = scan_ref_from_body(body)?;
    let v = own_verification(state, partner, &scan_ref).await?;
    let now = state.clock.unix();
    let tombstone = match v.deletion(now) {
        Deletion::AlreadyDeleted => return Ok(()),
        Deletion::Tombstone(status) => status,
        Deletion::NotYet => {
            return Err(ApiError::new(
                Identifier::PartnerError,
                "The verification is still active or being processed; it can be deleted once it has finished \
                 or expired.",
            ));
        }
    };
    for f in state.repo.files(&v.scan_ref).await? {
        state.files.delete(&f.object_key).await?;
    }
    state.repo.tombstone(&v.scan_ref, tombstone, now).await?;
    tracing::info!(scan_ref = %v.scan_ref, "verification deleted");
    Ok(())
}

/// `POST /ivs/v1/cancel`: ends a session whose token has not been used. Its status becomes
/// `EXPIRED` (iDenfy has no cancelled status) and `IDENTIFICATION_CANCELLED` is sent.
pub async fn cancel(state: &AppState, partner: &Partner, body: &Value) -> Result<()> {
    let scan_ref = scan_ref_from_body(body)?;
    let v = own_verification(state, partner, &scan_ref).await?;
    let now = state.clock.unix();
    if !v.token_usable(now) {
        return Err(ApiError::new(
            Identifier::PartnerError,
            "Only an active session whose token has not been used can be cancelled.",
        ));
    }
    let event = new_event(&v, EventType::IdentificationCancelled, true);
    if !state
        .repo
        .cancel_unused(&partner.id, &v.scan_ref, now, Some(&event))
        .await?
    {
        return Err(ApiError::new(
            Identifier::PartnerError,
            "The session changed meanwhile; it cannot be cancelled.",
        ));
    }
    tracing::info!(scan_ref = %v.scan_ref, "session cancelled");
    Ok(())
}

/// `POST /ivs/v1/webhooks/redeliver`: `{"eventId": …}` for one event, `{}` for every event of
/// the partner that was not delivered. Re-enables an endpoint disabled by 410.
pub async fn redeliver(state: &AppState, partner: &Partner, body: &Value) -> Result<u64> {
    if !body.is_object() {
        return Err(ApiError::new(
            Identifier::JsonError,
            "The request body must be a JSON object.",
        ));
    }
    let event_id = optional_str(body, "eventId")?;
    let n = state
        .repo
        .redeliver(&partner.id, event_id, state.clock.unix())
        .await?;
    if event_id.is_some() && n == 0 {
        return Err(ApiError::not_found("No webhook event with this eventId."));
    }
    tracing::info!(partner = %partner.id, events = n, "webhooks queued for redelivery");
    Ok(n)
}

/// `POST /api/v2/add-dummy-status` (sandbox): sets the manual results of a finished
/// verification and fires `IDENTIFICATION_MANUAL_FINISHED` with `final: true`.
pub async fn add_dummy_status(state: &AppState, partner: &Partner, body: &Value) -> Result<()> {
    sandbox_only(partner)?;
    let scan_ref = scan_ref_from_body(body)?;
    let face = FaceStatus::parse(required_str(body, "manualFaceMatchResult")?)
        .ok_or_else(|| ApiError::bad_value("Field 'manualFaceMatchResult' must be a face status value."))?;
    let doc = DocumentStatus::parse(required_str(body, "manualDocumentValidity")?).ok_or_else(|| {
        ApiError::bad_value("Field 'manualDocumentValidity' must be a document status value.")
    })?;
    let v = own_verification(state, partner, &scan_ref).await?;
    if v.phase != Phase::Done {
        return Err(ApiError::new(
            Identifier::PartnerError,
            "The verification has no automatic result yet.",
        ));
    }
    let result = VerificationResult::manual(&v, &ManualResult::sandbox(doc, face));
    let event = new_event(&v, EventType::IdentificationManualFinished, true);
    state
        .repo
        .record_result(&v.scan_ref, &result, state.clock.unix(), Some(&event))
        .await?;
    Ok(())
}

/// A file behind a signed link.
#[derive(Debug)]
pub struct Download {
    pub content_type: String,
    pub bytes: Bytes,
}

pub async fn download(state: &AppState, token: &str) -> Result<Download> {
    let (scan_ref, kind) = state
        .urls
        .verify(token, state.clock.unix())
        .map_err(|e| match e {
            LinkError::Expired => ApiError::new(Identifier::PermissionsError, "This file link has expired."),
            LinkError::Invalid => ApiError::new(Identifier::PermissionsError, "This file link is not valid."),
        })?;
    let gone = || ApiError::not_found("The file no longer exists.");
    let file = state
        .repo
        .files(&scan_ref)
        .await?
        .into_iter()
        .find(|f| f.kind.as_str() == kind)
        .ok_or_else(gone)?;
    let object = state.files.get(&file.object_key).await?.ok_or_else(gone)?;
    Ok(Download {
        content_type: file.content_type,
        bytes: object.bytes,
    })
}
