//! Pages a person sees in a browser.
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

#[derive(Debug, Clone, Copy)]
pub enum TokenProblem {
    Unknown,
    Expired,
    Used,
}

fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;\
         color:#222}}h1{{font-size:1.4rem}}</style></head><body><h1>{title}</h1><p>{text}</p></body></html>"
    )
}

/// The answer to a redirect with a token that cannot be used.
pub fn token_problem(status: StatusCode, problem: TokenProblem) -> Response {
    let (title, text) = match problem {
        TokenProblem::Unknown => (
            "This verification link is not valid",
            "The link you followed does not belong to any verification. Please go back to the service \
             that sent you here and start again.",
        ),
        TokenProblem::Expired => (
            "This verification link has expired",
            "The time to complete this verification has run out. Please go back to the service that sent \
             you here and ask for a new link.",
        ),
        TokenProblem::Used => (
            "This verification has already been submitted",
            "Your documents have been received. You can close this page.",
        ),
    };
    (status, Html(page(title, text))).into_response()
}

/// The hosted capture page. Capturing in the browser is not available in this version: sessions
/// are completed through direct processing (`POST /api/v2/process`).
#[utoipa::path(
    get, path = "/capture", tag = crate::openapi::TAG_IDENFY,
    summary = "The hosted capture page (HTML)",
    params(("authToken" = Option<String>, Query, description = "the session's token")),
    responses((status = 200, description = "The page", content_type = "text/html", body = String))
)]
pub async fn capture() -> Response {
    (
        StatusCode::OK,
        Html(page(
            "Identity verification",
            "Capturing documents in the browser is not available yet on this server. The service that \
             sent you here submits your photos directly.",
        )),
    )
        .into_response()
}
