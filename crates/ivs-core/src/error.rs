//! Stable error identifiers of the wire (`{"identifier": …, "message": …}`, idenfy-v2-wire §1.2)
//! and the one error type the API answers with.

/// Error identifiers ivs puts on the wire. All but `NOT_FOUND` are iDenfy's own; `NOT_FOUND` is
/// ivs's identifier for an unknown URL or resource (iDenfy documents the 404 status, not a name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identifier {
    InternalError,
    BadValue,
    MissingValue,
    Unauthorized,
    EncodingError,
    JsonError,
    TokenNotValid,
    PartnerError,
    MethodNotAllowed,
    PermissionsError,
    TooManyRequests,
    NotFound,
}

impl Identifier {
    pub const ALL: [Identifier; 12] = [
        Identifier::InternalError,
        Identifier::BadValue,
        Identifier::MissingValue,
        Identifier::Unauthorized,
        Identifier::EncodingError,
        Identifier::JsonError,
        Identifier::TokenNotValid,
        Identifier::PartnerError,
        Identifier::MethodNotAllowed,
        Identifier::PermissionsError,
        Identifier::TooManyRequests,
        Identifier::NotFound,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Identifier::InternalError => "INTERNAL_ERROR",
            Identifier::BadValue => "BAD_VALUE",
            Identifier::MissingValue => "MISSING_VALUE",
            Identifier::Unauthorized => "UNAUTHORIZED",
            Identifier::EncodingError => "ENCODING_ERROR",
            Identifier::JsonError => "JSON_ERROR",
            Identifier::TokenNotValid => "TOKEN_NOT_VALID",
            Identifier::PartnerError => "PARTNER_ERROR",
            Identifier::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Identifier::PermissionsError => "PERMISSIONS_ERROR",
            Identifier::TooManyRequests => "TOO_MANY_REQUESTS",
            Identifier::NotFound => "NOT_FOUND",
        }
    }

    /// The HTTP status ivs answers with for this identifier (a payload too large is the one
    /// exception: 413 with `BAD_VALUE`, see [`ApiError::too_large`]).
    pub fn status(self) -> u16 {
        match self {
            Identifier::InternalError => 500,
            Identifier::Unauthorized => 401,
            Identifier::PermissionsError => 403,
            Identifier::NotFound => 404,
            Identifier::MethodNotAllowed => 405,
            Identifier::TooManyRequests => 429,
            Identifier::BadValue
            | Identifier::MissingValue
            | Identifier::EncodingError
            | Identifier::JsonError
            | Identifier::TokenNotValid
            | Identifier::PartnerError => 400,
        }
    }
}

/// A client-visible error: status, identifier and a message safe to show (never personal data,
/// never an internal cause — those go to the log).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} ({}): {message}", identifier.as_str(), status)]
pub struct ApiError {
    pub status: u16,
    pub identifier: Identifier,
    pub message: String,
    /// Seconds the client should wait (429 only).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(identifier: Identifier, message: impl Into<String>) -> Self {
        ApiError {
            status: identifier.status(),
            identifier,
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn bad_value(message: impl Into<String>) -> Self {
        Self::new(Identifier::BadValue, message)
    }
    pub fn missing(field: &str) -> Self {
        Self::new(
            Identifier::MissingValue,
            format!("Missing required field '{field}'."),
        )
    }
    pub fn too_large(message: impl Into<String>) -> Self {
        ApiError {
            status: 413,
            ..Self::bad_value(message)
        }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Identifier::NotFound, message)
    }
    pub fn unauthorized() -> Self {
        Self::new(Identifier::Unauthorized, "Invalid or missing API key and secret.")
    }
    pub fn internal() -> Self {
        Self::new(Identifier::InternalError, "Internal server error.")
    }
    pub fn too_many(retry_after: u64, message: impl Into<String>) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..Self::new(Identifier::TooManyRequests, message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_pinned() {
        let pinned: Vec<(&str, u16)> = Identifier::ALL.iter().map(|i| (i.as_str(), i.status())).collect();
        assert_eq!(
            pinned,
            vec![
                ("INTERNAL_ERROR", 500),
                ("BAD_VALUE", 400),
                ("MISSING_VALUE", 400),
                ("UNAUTHORIZED", 401),
                ("ENCODING_ERROR", 400),
                ("JSON_ERROR", 400),
                ("TOKEN_NOT_VALID", 400),
                ("PARTNER_ERROR", 400),
                ("METHOD_NOT_ALLOWED", 405),
                ("PERMISSIONS_ERROR", 403),
                ("TOO_MANY_REQUESTS", 429),
                ("NOT_FOUND", 404),
            ]
        );
        assert_eq!(ApiError::too_large("x").status, 413);
        assert_eq!(ApiError::too_large("x").identifier, Identifier::BadValue);
    }
}
