//! The OpenAPI 3.1 document of every route (`GET /api/openapi.json`, `ivs openapi`).
//!
//! Routes and their descriptions are registered together in [`crate::api`]: a handler carries
//! `#[utoipa::path(...)]` and is added with one `.routes(routes!(handler))` line, which puts it in
//! the router and in this document at once. The request and answer shapes below exist only to be
//! described; the handlers read bodies as JSON values and check them field by field.
use ivs_core::Identifier;
use ivs_core::vocab::{DocumentStatus, DocumentType, FaceStatus};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::{Modify, OpenApi, ToSchema};

/// Tags of the document.
pub const TAG_IDENFY: &str = "iDenfy v2";
pub const TAG_IVS: &str = "ivs";
pub const TAG_OPS: &str = "operations";
pub const TAG_REVIEW: &str = "review";

/// The name of the Basic-auth security scheme (partner API key : API secret).
pub const BASIC: &str = "basic";
/// The name of the bearer scheme of `/metrics` (only when `metrics.token` is set).
pub const METRICS_TOKEN: &str = "metricsToken";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ivs",
        description = "Self-hosted identity verification, wire-compatible with the iDenfy v2 API. \
                       Errors are always `{\"identifier\", \"message\"}`; each answer lists the identifiers \
                       it can carry.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    modifiers(&Security),
    components(schemas(ErrorBody)),
    tags(
        (name = TAG_IDENFY, description = "The iDenfy v2 API: partners authenticate with HTTP Basic (API key : API secret)."),
        (name = TAG_IVS, description = "ivs additions (partner Basic auth)."),
        (name = TAG_OPS, description = "Health, readiness, metrics and this document."),
        (name = TAG_REVIEW, description = "Manual review: reviewers authenticate with `Authorization: Bearer <token>` (`ivs reviewer create`)."),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(BASIC, SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)));
        components.add_security_scheme(
            METRICS_TOKEN,
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "reviewer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The document, built once.
pub fn document() -> &'static Document {
    static DOC: OnceLock<Document> = OnceLock::new();
    DOC.get_or_init(|| crate::api().split_for_parts().1)
}

/// The document as pretty JSON (what `ivs openapi` prints and docs/openapi.json holds).
pub fn json() -> String {
    document().to_pretty_json().unwrap_or_default()
}

/// Every error: a stable identifier and a message for humans.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub identifier: String,
    pub message: String,
}

impl utoipa::PartialSchema for ErrorBody {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "identifier",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(Identifier::ALL.iter().map(|i| i.as_str())))
                    .description(Some("stable, machine-readable")),
            )
            .property("message", ObjectBuilder::new().schema_type(Type::String))
            .required("identifier")
            .required("message")
            .examples([serde_json::json!({
                "identifier": "UNAUTHORIZED",
                "message": "Invalid or missing API key and secret."
            })])
            .into()
    }
}

impl ToSchema for ErrorBody {}

/// `{"scanRef"}`: the body of the retrieval and session endpoints.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScanRefRequest {
    pub scan_ref: String,
}

/// `POST /api/v2/process`: the token and base64 images by step.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProcessRequest {
    /// The session's token (`token` is accepted as an alias).
    pub auth_token: String,
    /// ISO 3166-1 alpha-2 code of the issuing country.
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    /// ID_CARD, PASSPORT, DRIVER_LICENSE or RESIDENCE_PERMIT.
    pub document_type: Option<DocumentType>,
    /// Base64 images by step: FRONT (always), FACE (IDENTIFICATION tokens), BACK, UTILITY_BILL,
    /// PASSPORT_COVER. JPEG, PNG or WebP.
    #[schema(example = json!({"FRONT": "/9j/4AAQ…", "FACE": "iVBORw0K…"}))]
    pub images: BTreeMap<String, String>,
}

/// `POST /api/v2/add-dummy-status` (sandbox partners).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddDummyStatusRequest {
    pub scan_ref: String,
    pub manual_face_match_result: FaceStatus,
    pub manual_document_validity: DocumentStatus,
}

/// `POST /ivs/v1/webhooks/redeliver`: one event, or `{}` for every undelivered one.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RedeliverRequest {
    pub event_id: Option<String>,
}

/// How many events were queued again.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedeliverResponse {
    pub redelivered: u64,
}

/// `GET /readyz`: `ok` or `unreachable` for each dependency.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadyBody {
    #[schema(example = "ok")]
    pub database: String,
    #[schema(example = "ok")]
    pub files: String,
}

#[cfg(test)]
mod tests {
    #[test]
    fn document_is_openapi_3_1_with_basic_auth() {
        let v: serde_json::Value = serde_json::from_str(&super::json()).unwrap();
        assert!(v["openapi"].as_str().unwrap().starts_with("3.1"));
        assert_eq!(v["components"]["securitySchemes"]["basic"]["scheme"], "basic");
        let status = &v["paths"]["/api/v2/status"];
        assert!(status["get"].is_object() && status["post"].is_object());
        assert_eq!(status["post"]["security"][0]["basic"], serde_json::json!([]));
        let errors = v["components"]["schemas"]["ErrorBody"]["properties"]["identifier"]["enum"]
            .as_array()
            .unwrap();
        assert!(errors.iter().any(|i| i == "TOKEN_NOT_VALID"));
    }
}
