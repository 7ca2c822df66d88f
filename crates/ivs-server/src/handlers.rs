//! Thin handlers: extract, call [`crate::service`], map the result.
use crate::auth::AuthedPartner;
use crate::body::{JsonBody, LargeJsonBody};
use crate::review::{self, AuthedReviewer};
use crate::service::{self, RedirectTarget};
use crate::{AppState, WebError, pages};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
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

pub async fn status_post(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    JsonBody(body): JsonBody,
) -> Handled<impl IntoResponse> {
    let scan_ref = service::scan_ref_from_body(&body)?;
    Ok(Json(service::status(&s, &p, &scan_ref).await?))
}

pub async fn status_get(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    Query(q): Query<ScanRefQuery>,
) -> Handled<impl IntoResponse> {
    Ok(Json(service::status(&s, &p, &query_scan_ref(q)?).await?))
}

pub async fn data_post(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    JsonBody(body): JsonBody,
) -> Handled<impl IntoResponse> {
    let scan_ref = service::scan_ref_from_body(&body)?;
    Ok(Json(service::data(&s, &p, &scan_ref).await?))
}

pub async fn data_get(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    Query(q): Query<ScanRefQuery>,
) -> Handled<impl IntoResponse> {
    Ok(Json(service::data(&s, &p, &query_scan_ref(q)?).await?))
}

pub async fn files_post(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    JsonBody(body): JsonBody,
) -> Handled<impl IntoResponse> {
    let scan_ref = service::scan_ref_from_body(&body)?;
    Ok(Json(service::files(&s, &p, &scan_ref).await?))
}

pub async fn files_get(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    Query(q): Query<ScanRefQuery>,
) -> Handled<impl IntoResponse> {
    Ok(Json(service::files(&s, &p, &query_scan_ref(q)?).await?))
}

pub async fn process(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    LargeJsonBody(body): LargeJsonBody,
) -> Handled<StatusCode> {
    service::process(&s, &p, &body).await?;
    Ok(StatusCode::OK)
}

pub async fn delete(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    JsonBody(body): JsonBody,
) -> Handled<StatusCode> {
    service::delete(&s, &p, &body).await?;
    Ok(StatusCode::OK)
}

pub async fn add_dummy_status(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    JsonBody(body): JsonBody,
) -> Handled<StatusCode> {
    service::add_dummy_status(&s, &p, &body).await?;
    Ok(StatusCode::OK)
}

pub async fn cancel(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    JsonBody(body): JsonBody,
) -> Handled<StatusCode> {
    service::cancel(&s, &p, &body).await?;
    Ok(StatusCode::OK)
}

pub async fn redeliver(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    JsonBody(body): JsonBody,
) -> Handled<impl IntoResponse> {
    let n = service::redeliver(&s, &p, &body).await?;
    Ok(Json(serde_json::json!({ "redelivered": n })))
}

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

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database and the file storage answer.
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

pub async fn review_queue(State(s): State<AppState>, _r: AuthedReviewer) -> Handled<impl IntoResponse> {
    Ok(Json(review::queue(&s).await?))
}

pub async fn review_case(
    State(s): State<AppState>,
    _r: AuthedReviewer,
    Path(scan_ref): Path<String>,
) -> Handled<impl IntoResponse> {
    Ok(Json(review::case(&s, &scan_ref).await?))
}

pub async fn review_decide(
    State(s): State<AppState>,
    AuthedReviewer(r): AuthedReviewer,
    Path(scan_ref): Path<String>,
    JsonBody(body): JsonBody,
) -> Handled<impl IntoResponse> {
    Ok(Json(review::decide(&s, &r, &scan_ref, &body).await?))
}

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

pub async fn blocklist_remove(
    State(s): State<AppState>,
    AuthedPartner(p): AuthedPartner,
    Path((scan_ref, list)): Path<(String, String)>,
) -> Handled<StatusCode> {
    review::blocklist_remove(&s, &p, &scan_ref, &list).await?;
    Ok(StatusCode::NO_CONTENT)
}
