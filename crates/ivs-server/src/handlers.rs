//! Thin handlers: extract, call [`crate::service`], map the result.
use crate::auth::AuthedPartner;
use crate::body::{JsonBody, LargeJsonBody};
use crate::openapi::{
    AddDummyStatusRequest, ErrorBody, ProcessRequest, ReadyBody, RedeliverRequest, RedeliverResponse,
    ScanRefRequest, TAG_IDENFY, TAG_IVS, TAG_OPS, TAG_REVIEW,
};
use crate::review::{self, AuthedReviewer};
use crate::service::{self, RedirectTarget};
use crate::{AppState, WebError, pages};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ivs_core::token::{TokenRequestSchema, TokenResponseSchema};
use ivs_core::wire::{DataBody, FilesBody, StatusBody};
use ivs_core::{ApiError, Identifier};
use serde::Deserialize;

type Handled<T> = Result<T, WebError>;

#[derive(Debug, Deserialize)]
pub struct ScanRefQuery {
    #[serde(rename = "scanRef")]
    scan_ref: Option<String>,
}

fn query_scan_ref(q: ScanRefQuery) -> Result<String, WebError> {
    q.scan_ref
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing("scanRef").into())
}

#[utoipa::path(
    post, path = "/api/v2/token", tag = TAG_IDENFY, security(("basic" = [])),
    summary = "Create a verification session (token)",
    request_body = TokenRequestSchema,
    responses(
        (status = 201, description = "The session; every request field echoed with its default", body = TokenResponseSchema),
        (status = 400, description = "`BAD_VALUE`, `MISSING_VALUE`, `JSON_ERROR`, `ENCODING_ERROR`", body = ErrorBody),
        (status = 403, description = "`PERMISSIONS_ERROR`: `dummyStatus` is for sandbox partners only", body = ErrorBody),
        (status = 413, description = "`BAD_VALUE`: the body is larger than the limit", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`: missing or wrong API key and secret", body = ErrorBody),
        (status = 429, description = "`TOO_MANY_REQUESTS`: the hourly request budget is spent (`Retry-After` says when it refills)", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn token(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    JsonBody(body): JsonBody,
) -> Response {
    match service::create_token(&s, &p, &body).await {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => WebError(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct RedirectQuery {
    #[serde(rename = "authToken")]
    auth_token: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v2/redirect", tag = TAG_IDENFY,
    summary = "Send the end user's browser to the capture page",
    params(("authToken" = Option<String>, Query, description = "the session's token")),
    responses(
        (status = 302, description = "To the capture page", headers(("Location" = String))),
        (status = 404, description = "Unknown token (an HTML page)", content_type = "text/html", body = String),
        (status = 410, description = "Expired or used token (an HTML page)", content_type = "text/html", body = String),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn redirect(State(s): State<AppState>, Query(q): Query<RedirectQuery>) -> Handled<Response> {
    Ok(
        match service::redirect_target(&s, q.auth_token.as_deref()).await? {
            RedirectTarget::Capture(url) => (StatusCode::FOUND, [(header::LOCATION, url)]).into_response(),
            RedirectTarget::Unknown => {
                pages::token_problem(StatusCode::NOT_FOUND, pages::TokenProblem::Unknown)
            }
            RedirectTarget::Expired => pages::token_problem(StatusCode::GONE, pages::TokenProblem::Expired),
            RedirectTarget::Used => pages::token_problem(StatusCode::GONE, pages::TokenProblem::Used),
        },
    )
}

#[utoipa::path(
    post, path = "/api/v2/status", tag = TAG_IDENFY, security(("basic" = [])),
    summary = "Status of a verification",
    request_body = ScanRefRequest,
    responses(
        (status = 200, body = StatusBody),
        (status = 400, description = "`MISSING_VALUE`, `BAD_VALUE`, `JSON_ERROR`, `ENCODING_ERROR`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no verification with this scanRef for this partner", body = ErrorBody),
        (status = 413, description = "`BAD_VALUE`: the body is larger than the limit", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`: missing or wrong API key and secret", body = ErrorBody),
        (status = 429, description = "`TOO_MANY_REQUESTS`: the hourly request budget is spent (`Retry-After` says when it refills)", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn status_post(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    JsonBody(body): JsonBody,
) -> Handled<impl IntoResponse> {
    let scan_ref = service::scan_ref_from_body(&body)?;
    Ok(Json(service::status(&s, &p, &scan_ref).await?))
}

#[utoipa::path(
    get, path = "/api/v2/status", tag = TAG_IDENFY, security(("basic" = [])),
    summary = "Status of a verification",
    params(("scanRef" = String, Query, description = "the verification's id")),
    responses(
        (status = 200, body = StatusBody),
        (status = 400, description = "`MISSING_VALUE`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no verification with this scanRef for this partner", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`: missing or wrong API key and secret", body = ErrorBody),
        (status = 429, description = "`TOO_MANY_REQUESTS`: the hourly request budget is spent (`Retry-After` says when it refills)", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn status_get(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    Query(q): Query<ScanRefQuery>,
) -> Handled<impl IntoResponse> {
    Ok(Json(service::status(&s, &p, &query_scan_ref(q)?).await?))
}

#[utoipa::path(
    post, path = "/api/v2/data", tag = TAG_IDENFY, security(("basic" = [])),
    summary = "Document data of a verification",
    request_body = ScanRefRequest,
    responses(
        (status = 200, body = DataBody),
        (status = 400, description = "`MISSING_VALUE`, `BAD_VALUE`, `JSON_ERROR`, `ENCODING_ERROR`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no verification with this scanRef for this partner", body = ErrorBody),
        (status = 413, description = "`BAD_VALUE`: the body is larger than the limit", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`: missing or wrong API key and secret", body = ErrorBody),
        (status = 429, description = "`TOO_MANY_REQUESTS`: the hourly request budget is spent (`Retry-After` says when it refills)", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn data_post(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    JsonBody(body): JsonBody,
) -> Handled<impl IntoResponse> {
    let scan_ref = service::scan_ref_from_body(&body)?;
    Ok(Json(service::data(&s, &p, &scan_ref).await?))
}

#[utoipa::path(
    get, path = "/api/v2/data", tag = TAG_IDENFY, security(("basic" = [])),
    summary = "Document data of a verification",
    params(("scanRef" = String, Query, description = "the verification's id")),
    responses(
        (status = 200, body = DataBody),
        (status = 400, description = "`MISSING_VALUE`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no verification with this scanRef for this partner", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`: missing or wrong API key and secret", body = ErrorBody),
        (status = 429, description = "`TOO_MANY_REQUESTS`: the hourly request budget is spent (`Retry-After` says when it refills)", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn data_get(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    Query(q): Query<ScanRefQuery>,
) -> Handled<impl IntoResponse> {
    Ok(Json(service::data(&s, &p, &query_scan_ref(q)?).await?))
}

#[utoipa::path(
    post, path = "/api/v2/files", tag = TAG_IDENFY, security(("basic" = [])),
    summary = "Signed links to a verification's files (1 h)",
    request_body = ScanRefRequest,
    responses(
        (status = 200, body = FilesBody),
        (status = 400, description = "`MISSING_VALUE`, `BAD_VALUE`, `JSON_ERROR`, `ENCODING_ERROR`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no verification with this scanRef for this partner", body = ErrorBody),
        (status = 413, description = "`BAD_VALUE`: the body is larger than the limit", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`: missing or wrong API key and secret", body = ErrorBody),
        (status = 429, description = "`TOO_MANY_REQUESTS`: the hourly request budget is spent (`Retry-After` says when it refills)", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn files_post(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    JsonBody(body): JsonBody,
) -> Handled<impl IntoResponse> {
    let scan_ref = service::scan_ref_from_body(&body)?;
    Ok(Json(service::files(&s, &p, &scan_ref).await?))
}

#[utoipa::path(
    get, path = "/api/v2/files", tag = TAG_IDENFY, security(("basic" = [])),
    summary = "Signed links to a verification's files (1 h)",
    params(("scanRef" = String, Query, description = "the verification's id")),
    responses(
        (status = 200, body = FilesBody),
        (status = 400, description = "`MISSING_VALUE`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no verification with this scanRef for this partner", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`: missing or wrong API key and secret", body = ErrorBody),
        (status = 429, description = "`TOO_MANY_REQUESTS`: the hourly request budget is spent (`Retry-After` says when it refills)", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn files_get(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    Query(q): Query<ScanRefQuery>,
) -> Handled<impl IntoResponse> {
    Ok(Json(service::files(&s, &p, &query_scan_ref(q)?).await?))
}

#[utoipa::path(
    post, path = "/api/v2/process", tag = TAG_IDENFY, security(("basic" = [])),
    summary = "Submit a document photo and a selfie",
    request_body = ProcessRequest,
    responses(
        (status = 200, description = "OK (empty body)"),
        (status = 400, description = "`TOKEN_NOT_VALID` (unknown, expired or used token), `MISSING_VALUE`, `BAD_VALUE` (image not decodable or beyond the limits), `JSON_ERROR`, `ENCODING_ERROR`", body = ErrorBody),
        (status = 413, description = "`BAD_VALUE`: the body is larger than the limit", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`: missing or wrong API key and secret", body = ErrorBody),
        (status = 429, description = "`TOO_MANY_REQUESTS`: the hourly request budget is spent (`Retry-After` says when it refills)", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn process(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    LargeJsonBody(body): LargeJsonBody,
) -> Handled<StatusCode> {
    service::process(&s, &p, &body).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    post, path = "/api/v2/delete", tag = TAG_IDENFY, security(("basic" = [])),
    summary = "Delete a finished verification's personal data and files",
    request_body = ScanRefRequest,
    responses(
        (status = 200, description = "OK (empty body)"),
        (status = 400, description = "`PARTNER_ERROR` (still active or being processed), `MISSING_VALUE`, `BAD_VALUE`, `JSON_ERROR`, `ENCODING_ERROR`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no verification with this scanRef for this partner", body = ErrorBody),
        (status = 413, description = "`BAD_VALUE`: the body is larger than the limit", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`: missing or wrong API key and secret", body = ErrorBody),
        (status = 429, description = "`TOO_MANY_REQUESTS`: the hourly request budget is spent (`Retry-After` says when it refills)", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn delete(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    JsonBody(body): JsonBody,
) -> Handled<StatusCode> {
    service::delete(&s, &p, &body).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    post, path = "/api/v2/add-dummy-status", tag = TAG_IDENFY, security(("basic" = [])),
    summary = "Set manual results (sandbox)",
    request_body = AddDummyStatusRequest,
    responses(
        (status = 200, description = "OK (empty body)"),
        (status = 400, description = "`PARTNER_ERROR` (no automatic result yet), `MISSING_VALUE`, `BAD_VALUE`, `JSON_ERROR`, `ENCODING_ERROR`", body = ErrorBody),
        (status = 403, description = "`PERMISSIONS_ERROR`: sandbox partners only", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no verification with this scanRef for this partner", body = ErrorBody),
        (status = 413, description = "`BAD_VALUE`: the body is larger than the limit", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`: missing or wrong API key and secret", body = ErrorBody),
        (status = 429, description = "`TOO_MANY_REQUESTS`: the hourly request budget is spent (`Retry-After` says when it refills)", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn add_dummy_status(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    JsonBody(body): JsonBody,
) -> Handled<StatusCode> {
    service::add_dummy_status(&s, &p, &body).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    post, path = "/ivs/v1/cancel", tag = TAG_IVS, security(("basic" = [])),
    summary = "Cancel a session whose token has not been used",
    request_body = ScanRefRequest,
    responses(
        (status = 200, description = "OK (empty body)"),
        (status = 400, description = "`PARTNER_ERROR` (token already used or session over), `MISSING_VALUE`, `BAD_VALUE`, `JSON_ERROR`, `ENCODING_ERROR`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no verification with this scanRef for this partner", body = ErrorBody),
        (status = 413, description = "`BAD_VALUE`: the body is larger than the limit", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`: missing or wrong API key and secret", body = ErrorBody),
        (status = 429, description = "`TOO_MANY_REQUESTS`: the hourly request budget is spent (`Retry-After` says when it refills)", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn cancel(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    JsonBody(body): JsonBody,
) -> Handled<StatusCode> {
    service::cancel(&s, &p, &body).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    post, path = "/ivs/v1/webhooks/redeliver", tag = TAG_IVS, security(("basic" = [])),
    summary = "Queue webhook events again and re-enable the endpoint",
    request_body = RedeliverRequest,
    responses(
        (status = 200, body = RedeliverResponse),
        (status = 400, description = "`BAD_VALUE`, `JSON_ERROR`, `ENCODING_ERROR`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no event with this eventId for this partner", body = ErrorBody),
        (status = 413, description = "`BAD_VALUE`: the body is larger than the limit", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`: missing or wrong API key and secret", body = ErrorBody),
        (status = 429, description = "`TOO_MANY_REQUESTS`: the hourly request budget is spent (`Retry-After` says when it refills)", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn redeliver(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    JsonBody(body): JsonBody,
) -> Handled<impl IntoResponse> {
    let n = service::redeliver(&s, &p, &body).await?;
    Ok(Json(serde_json::json!({ "redelivered": n })))
}

#[utoipa::path(
    get, path = "/files/{token}", tag = TAG_IDENFY,
    summary = "A file behind a signed link (from /api/v2/files or a webhook)",
    params(("token" = String, Path, description = "the signed link's token")),
    responses(
        (status = 200, description = "The image", content_type = "image/*", body = Vec<u8>),
        (status = 403, description = "`PERMISSIONS_ERROR`: the link is expired or not valid", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: the file no longer exists", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn download(State(s): State<AppState>, Path(token): Path<String>) -> Handled<Response> {
    let d = service::download(&s, &token).await?;
    Ok((
        [
            (header::CONTENT_TYPE, d.content_type),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        d.bytes,
    )
        .into_response())
}

#[utoipa::path(
    get, path = "/healthz", tag = TAG_OPS,
    summary = "The process is up",
    responses((status = 200, description = "`ok`", content_type = "text/plain", body = String))
)]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database and the file storage answer.
#[utoipa::path(
    get, path = "/readyz", tag = TAG_OPS,
    summary = "The database and the file storage answer",
    responses(
        (status = 200, body = ReadyBody),
        (status = 503, description = "A dependency is unreachable", body = ReadyBody),
    )
)]
pub async fn readyz(State(s): State<AppState>) -> Response {
    let db = s.repo.ping().await;
    let files = s.files.ping().await;
    let ok = db.is_ok() && files.is_ok();
    if let Err(e) = &db {
        tracing::warn!(error = %e, "readiness: database unreachable");
    }
    if let Err(e) = &files {
        tracing::warn!(error = %e, "readiness: file storage unreachable");
    }
    let body = serde_json::json!({
        "database": if db.is_ok() { "ok" } else { "unreachable" },
        "files": if files.is_ok() { "ok" } else { "unreachable" },
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// `GET /api/openapi.json`: this document.
#[utoipa::path(
    get, path = "/api/openapi.json", tag = TAG_OPS,
    summary = "This OpenAPI document",
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::json(),
    )
        .into_response()
}

pub async fn not_found() -> WebError {
    ApiError::not_found("No such endpoint.").into()
}

pub async fn method_not_allowed() -> WebError {
    ApiError::new(
        Identifier::MethodNotAllowed,
        "This HTTP method is not allowed on this endpoint.",
    )
    .into()
}

#[utoipa::path(
    get, path = "/ivs/v1/review/queue", tag = TAG_REVIEW, security(("reviewer" = [])),
    summary = "Verifications waiting for a reviewer (REVIEWING), oldest first",
    responses(
        (status = 200, description = "`{count, results: [{scanRef, partnerId, clientId, status, autoDocument, autoFace, mismatchTags, fraudTags, finishedAt}]}`", body = serde_json::Value),
        (status = 401, description = "`UNAUTHORIZED`: missing or unknown reviewer token", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn review_queue(State(s): State<AppState>, _r: AuthedReviewer) -> Handled<impl IntoResponse> {
    Ok(Json(review::queue(&s).await?))
}

#[utoipa::path(
    get, path = "/ivs/v1/review/{scan_ref}", tag = TAG_REVIEW, security(("reviewer" = [])),
    summary = "Everything a reviewer needs: status, data, facts, evidence, decision, file links, audit log",
    params(("scan_ref" = String, Path, description = "the verification's scanRef")),
    responses(
        (status = 200, body = serde_json::Value),
        (status = 401, description = "`UNAUTHORIZED`: missing or unknown reviewer token", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn review_case(
    State(s): State<AppState>,
    _r: AuthedReviewer,
    Path(scan_ref): Path<String>,
) -> Handled<impl IntoResponse> {
    Ok(Json(review::case(&s, &scan_ref).await?))
}

#[utoipa::path(
    post, path = "/ivs/v1/review/{scan_ref}", tag = TAG_REVIEW, security(("reviewer" = [])),
    summary = "A reviewer's verdict: manualDocument, manualFace, reason; optional status and corrected data",
    params(("scan_ref" = String, Path, description = "the verification's scanRef")),
    request_body = serde_json::Value,
    responses(
        (status = 200, description = "The new status", body = StatusBody),
        (status = 400, description = "`MISSING_VALUE`, `BAD_VALUE`, `JSON_ERROR`; `PARTNER_ERROR` when the verification is not awaiting review", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`: missing or unknown reviewer token", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn review_decide(
    State(s): State<AppState>,
    AuthedReviewer(r): AuthedReviewer,
    Path(scan_ref): Path<String>,
    JsonBody(body): JsonBody,
) -> Handled<impl IntoResponse> {
    Ok(Json(review::decide(&s, &r, &scan_ref, &body).await?))
}

#[utoipa::path(
    post, path = "/kyc/identifications/{scan_ref}/blocklists/{list}/", tag = TAG_IDENFY, security(("basic" = [])),
    summary = "Put a verification's selfie face, document portrait or document numbers on the partner's blocklist",
    params(
        ("scan_ref" = String, Path, description = "the verification's scanRef"),
        ("list" = String, Path, description = "DOCUMENT, DOCUMENT_INFO or SELFIE"),
    ),
    request_body(content = serde_json::Value, description = "optional `{\"reason\": …}`"),
    responses(
        (status = 201, description = "Listed", body = serde_json::Value),
        (status = 400, description = "`BAD_VALUE` (unknown list), `JSON_ERROR`; `PARTNER_ERROR` when the verification has nothing this list blocks", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn blocklist_add(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    Path((scan_ref, list)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Handled<Response> {
    // The body (`{"reason": …}`) is optional.
    let body: serde_json::Value = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&body)
            .map_err(|_| ApiError::new(Identifier::JsonError, "The body is not valid JSON."))?
    };
    let v = review::blocklist_add(&s, &p, &scan_ref, &list, &body).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

#[utoipa::path(
    delete, path = "/kyc/identifications/{scan_ref}/blocklists/{list}/", tag = TAG_IDENFY, security(("basic" = [])),
    summary = "Take a verification off a blocklist",
    params(
        ("scan_ref" = String, Path, description = "the verification's scanRef"),
        ("list" = String, Path, description = "DOCUMENT, DOCUMENT_INFO or SELFIE"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "`BAD_VALUE` (unknown list)", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no such verification, or it is not on this list", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn blocklist_remove(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    Path((scan_ref, list)): Path<(String, String)>,
) -> Handled<StatusCode> {
    review::blocklist_remove(&s, &p, &scan_ref, &list).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post, path = "/kyc/identifications/{scan_ref}/blocklists/{list}", tag = TAG_IDENFY, security(("basic" = [])),
    summary = "As with the trailing slash (accepted without it too)",
    params(
        ("scan_ref" = String, Path, description = "the verification's scanRef"),
        ("list" = String, Path, description = "DOCUMENT, DOCUMENT_INFO or SELFIE"),
    ),
    request_body(content = serde_json::Value, description = "optional `{\"reason\": …}`"),
    responses(
        (status = 201, description = "Listed", body = serde_json::Value),
        (status = 400, description = "`BAD_VALUE` (unknown list), `JSON_ERROR`; `PARTNER_ERROR` when the verification has nothing this list blocks", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn blocklist_add_bare(
    s: State<AppState>,
    p: AuthedPartner,
    path: Path<(String, String)>,
    body: axum::body::Bytes,
) -> Handled<Response> {
    blocklist_add(s, p, path, body).await
}

#[utoipa::path(
    delete, path = "/kyc/identifications/{scan_ref}/blocklists/{list}", tag = TAG_IDENFY, security(("basic" = [])),
    summary = "As with the trailing slash (accepted without it too)",
    params(
        ("scan_ref" = String, Path, description = "the verification's scanRef"),
        ("list" = String, Path, description = "DOCUMENT, DOCUMENT_INFO or SELFIE"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "`BAD_VALUE` (unknown list)", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no such verification, or it is not on this list", body = ErrorBody),
        (status = 500, description = "`INTERNAL_ERROR`", body = ErrorBody),
    )
)]
pub async fn blocklist_remove_bare(
    s: State<AppState>,
    p: AuthedPartner,
    path: Path<(String, String)>,
) -> Handled<StatusCode> {
    blocklist_remove(s, p, path).await
}
