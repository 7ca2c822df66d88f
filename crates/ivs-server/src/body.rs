//! Request bodies: read with a size limit, then UTF-8, then JSON — each failure with its own
//! identifier (413 BAD_VALUE, ENCODING_ERROR, JSON_ERROR). The Content-Type header is not
//! required (iDenfy clients differ in what they send).
use crate::{AppState, WebError};
use axum::extract::{FromRequest, Request};
use ivs_core::{ApiError, Identifier};
use serde_json::Value;

/// A JSON body of at most `max_small_body_bytes`.
#[derive(Debug)]
pub struct JsonBody(pub Value);

/// A JSON body of at most `max_body_bytes` (image uploads).
#[derive(Debug)]
pub struct LargeJsonBody(pub Value);

async fn read_json(req: Request, limit: usize) -> Result<Value, WebError> {
    let bytes = axum::body::to_bytes(req.into_body(), limit).await.map_err(|_| {
        ApiError::too_large(format!(
            "The request body is larger than the limit of {limit} bytes."
        ))
    })?;
    parse_json(&bytes).map_err(WebError)
}

/// Bytes → UTF-8 → JSON.
pub fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::new(Identifier::EncodingError, "The request body is not valid UTF-8."))?;
    if text.trim().is_empty() {
        return Err(ApiError::new(
            Identifier::JsonError,
            "The request body is empty; a JSON object is expected.",
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        ApiError::new(
            Identifier::JsonError,
            format!("The request body is not valid JSON: {e}."),
        )
    })
}

impl FromRequest<AppState> for JsonBody {
    type Rejection = WebError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        read_json(req, state.config.max_small_body_bytes)
            .await
            .map(JsonBody)
    }
}

impl FromRequest<AppState> for LargeJsonBody {
    type Rejection = WebError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        read_json(req, state.config.max_body_bytes)
            .await
            .map(LargeJsonBody)
    }
}

/// A required string field of a JSON object.
pub fn required_str<'a>(body: &'a Value, field: &str) -> Result<&'a str, ApiError> {
    let obj = body
        .as_object()
        .ok_or_else(|| ApiError::new(Identifier::JsonError, "A JSON object is expected."))?;
    match obj.get(field) {
        None | Some(Value::Null) => Err(ApiError::missing(field)),
        Some(Value::String(s)) if s.is_empty() => Err(ApiError::missing(field)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(ApiError::bad_value(format!("Field '{field}' must be a string."))),
    }
}

/// An optional string field.
pub fn optional_str<'a>(body: &'a Value, field: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::bad_value(format!("Field '{field}' must be a string."))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_then_json() {
        assert_eq!(
            parse_json(&[0xff, 0xfe]).unwrap_err().identifier,
            Identifier::EncodingError
        );
        assert_eq!(parse_json(b"{").unwrap_err().identifier, Identifier::JsonError);
        assert_eq!(parse_json(b"").unwrap_err().identifier, Identifier::JsonError);
        assert_eq!(parse_json(br#"{"a":1}"#).unwrap()["a"], 1);
    }

    #[test]
    fn field_helpers() {
        let v = serde_json::json!({"scanRef": "x", "n": 1, "e": ""});
        assert_eq!(required_str(&v, "scanRef").unwrap(), "x");
        assert_eq!(
            required_str(&v, "missing").unwrap_err().identifier,
            Identifier::MissingValue
        );
        assert_eq!(
            required_str(&v, "e").unwrap_err().identifier,
            Identifier::MissingValue
        );
        assert_eq!(
            required_str(&v, "n").unwrap_err().identifier,
            Identifier::BadValue
        );
        assert_eq!(
            required_str(&serde_json::json!([1]), "x").unwrap_err().identifier,
            Identifier::JsonError
        );
    }
}
