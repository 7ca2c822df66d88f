//! `POST /api/v2/token`: request validation (idenfy-v2-wire §2.1) and the echo-everything
//! response body (§2.2).
//!
//! The request is checked field by field against [`FIELDS`]; unknown fields are ignored. The
//! result is a [`TokenSettings`]: every known field with its default filled in, in wire spelling,
//! which is both what the response echoes and what ivs stores with the verification.
use crate::error::ApiError;
use crate::vocab::{DocumentType, TokenType};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use time::Date;
use time::macros::format_description;

/// What a field may hold.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// ASCII printable string of `min..=max` characters.
    Ascii(usize, usize),
    /// Any string of `min..=max` characters.
    Text(usize, usize),
    /// A person's name: 1–100 characters, no digits, none of iDenfy's forbidden symbols; upper-cased.
    Name,
    /// `YYYY-MM-DD`.
    Date,
    /// ISO 3166-1 alpha-2 (two letters; upper-cased).
    Alpha2,
    /// `M` or `F`.
    Sex,
    /// An http(s) URL of 5–2048 characters.
    Url,
    Bool,
    Int(i64, i64),
    /// A positive number up to the bound.
    Positive(f64),
    /// A list of document types.
    Documents,
    /// A list of alpha-2 codes.
    Countries,
    TokenType,
    /// Any JSON object (or null).
    Object,
}

/// Every token field ivs understands, with its kind and default (the value echoed when the field
/// is absent).
const FIELDS: &[(&str, Kind)] = &[
    ("clientId", Kind::Ascii(1, 100)),
    ("tokenType", Kind::TokenType),
    ("externalRef", Kind::Text(0, 40)),
    ("firstName", Kind::Name),
    ("lastName", Kind::Name),
    ("dateOfBirth", Kind::Date),
    ("dateOfExpiry", Kind::Date),
    ("dateOfIssue", Kind::Date),
    ("nationality", Kind::Alpha2),
    ("personalNumber", Kind::Text(1, 50)),
    ("documentNumber", Kind::Text(1, 50)),
    ("sex", Kind::Sex),
    ("address", Kind::Text(1, 255)),
    ("country", Kind::Alpha2),
    ("documents", Kind::Documents),
    ("locale", Kind::Ascii(1, 7)),
    ("expiryTime", Kind::Int(1, 2_592_000)),
    ("sessionLength", Kind::Int(60, 3600)),
    ("generateDigitString", Kind::Bool),
    ("showInstructions", Kind::Bool),
    ("successUrl", Kind::Url),
    ("errorUrl", Kind::Url),
    ("unverifiedUrl", Kind::Url),
    ("callbackUrl", Kind::Url),
    ("reviewSuccessful", Kind::Bool),
    ("reviewFailed", Kind::Bool),
    ("questionnaire", Kind::Text(1, 100)),
    ("questionnaireRequired", Kind::Bool),
    ("riskAssessmentProfile", Kind::Text(1, 36)),
    ("theme", Kind::Text(1, 36)),
    ("registryCentersCountries", Kind::Countries),
    ("verifyEmail", Kind::Bool),
    ("verifyPhone", Kind::Bool),
    ("verifyBank", Kind::Bool),
    ("verifyBankAccounts", Kind::Bool),
    ("verifyBankBalances", Kind::Bool),
    ("verifyBankTransactions", Kind::Bool),
    ("bankCardVerification", Kind::Bool),
    ("bankCardPdfUpload", Kind::Bool),
    ("verifyAddress", Kind::Bool),
    ("checkAml", Kind::Bool),
    ("checkCriminal", Kind::Bool),
    ("checkLiveness", Kind::Bool),
    ("checkFaceBlacklist", Kind::Bool),
    ("checkDocFaceBlacklist", Kind::Bool),
    ("checkPersonBlacklist", Kind::Bool),
    ("checkDuplicateFaces", Kind::Bool),
    ("checkDuplicateDocFaces", Kind::Bool),
    ("checkDuplicatePersonalData", Kind::Bool),
    ("checkDriverLicense", Kind::Bool),
    ("checkLid", Kind::Bool),
    ("checkIpProxy", Kind::Bool),
    ("allowBsnMasking", Kind::Bool),
    ("nfcRequired", Kind::Bool),
    ("nfcOptional", Kind::Bool),
    ("autoAmlMonitoring", Kind::Bool),
    ("driverLicenseBack", Kind::Bool),
    ("utilityBill", Kind::Bool),
    ("faceMatchingThresholdModifier", Kind::Positive(10.0)),
    ("additionalSteps", Kind::Object),
    ("additionalData", Kind::Object),
    ("ageLimit", Kind::Int(0, 150)),
    ("ageMax", Kind::Int(0, 150)),
];

fn default_for(name: &str) -> Value {
    match name {
        "tokenType" => json!("IDENTIFICATION"),
        "documents" => json!(
            DocumentType::DIRECT
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
        ),
        "locale" => json!("en"),
        "expiryTime" => json!(86_400),
        "sessionLength" => json!(1800),
        "showInstructions" | "questionnaireRequired" => json!(true),
        "faceMatchingThresholdModifier" => json!(1),
        "registryCentersCountries" => json!([]),
        _ => match FIELDS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k) {
            Some(Kind::Bool) => json!(false),
            _ => Value::Null,
        },
    }
}

const NAME_FORBIDDEN: &str = "~!@#$%^*()_+={}[]|:;\",<>/?";

fn check(name: &str, kind: Kind, v: &Value) -> Result<Value, ApiError> {
    let bad = |what: &str| ApiError::bad_value(format!("Field '{name}' {what}."));
    let as_str = |v: &Value| {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| bad("must be a string"))
    };
    let len_ok = |s: &str, min: usize, max: usize| {
        let n = s.chars().count();
        if n < min || n > max {
            Err(bad(&format!("must be {min} to {max} characters long")))
        } else {
            Ok(())
        }
    };
    Ok(match kind {
        Kind::Ascii(min, max) => {
            let s = as_str(v)?;
            len_ok(&s, min, max)?;
            if !s.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) {
                return Err(bad("must contain printable ASCII characters only"));
            }
            json!(s)
        }
        Kind::Text(min, max) => {
            let s = as_str(v)?;
            len_ok(&s, min, max)?;
            json!(s)
        }
        Kind::Name => {
            let s = as_str(v)?;
            let trimmed = s.trim();
            len_ok(trimmed, 1, 100)?;
            if trimmed
                .chars()
                .any(|c| c.is_numeric() || NAME_FORBIDDEN.contains(c) || c.is_control())
            {
                return Err(bad("must not contain digits or special symbols"));
            }
            json!(trimmed.to_uppercase())
        }
        Kind::Date => {
            let s = as_str(v)?;
            parse_date(&s).ok_or_else(|| bad("must be a date in YYYY-MM-DD format"))?;
            json!(s)
        }
        Kind::Alpha2 => {
            let s = as_str(v)?;
            if s.len() != 2 || !s.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(bad("must be a valid ISO 3166-1 alpha-2 code"));
            }
            json!(s.to_ascii_uppercase())
        }
        Kind::Sex => {
            let s = as_str(v)?;
            match s.as_str() {
                "M" | "F" => json!(s),
                _ => return Err(bad("must be 'M' or 'F'")),
            }
        }
        Kind::Url => {
            let s = as_str(v)?;
            len_ok(&s, 5, 2048)?;
            let lower = s.to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://"))
                || s.contains(char::is_whitespace)
            {
                return Err(bad("must be an http(s) URL"));
            }
            json!(s)
        }
        Kind::Bool => match v {
            Value::Bool(b) => json!(b),
            _ => return Err(bad("must be a boolean")),
        },
        Kind::Int(min, max) => match v.as_i64() {
            Some(n) if (min..=max).contains(&n) => json!(n),
            Some(_) => return Err(bad(&format!("must be between {min} and {max}"))),
            None => return Err(bad("must be an integer")),
        },
        Kind::Positive(max) => match v.as_f64() {
            Some(x) if x > 0.0 && x <= max => v.clone(),
            Some(_) => return Err(bad(&format!("must be greater than 0 and at most {max}"))),
            None => return Err(bad("must be a number")),
        },
        Kind::Documents => {
            let items = v
                .as_array()
                .ok_or_else(|| bad("must be a list of document types"))?;
            if items.is_empty() {
                return Err(bad("must name at least one document type"));
            }
            let mut out = Vec::new();
            for item in items {
                let d = item.as_str().and_then(DocumentType::parse).ok_or_else(|| {
                    bad(&format!(
                        "holds an unknown document type {item}; see the vocabulary for valid values"
                    ))
                })?;
                if !out.contains(&d) {
                    out.push(d);
                }
            }
            json!(out)
        }
        Kind::Countries => {
            let items = v
                .as_array()
                .ok_or_else(|| bad("must be a list of ISO 3166-1 alpha-2 codes"))?;
            let mut out = Vec::new();
            for item in items {
                out.push(check(name, Kind::Alpha2, item)?);
            }
            Value::Array(out)
        }
        Kind::TokenType => {
            let s = as_str(v)?;
            match TokenType::parse(&s) {
                Some(t @ (TokenType::Identification | TokenType::Document)) => json!(t),
                Some(_) => return Err(bad("is a video-call type, which ivs does not offer")),
                None => return Err(bad("must be IDENTIFICATION or DOCUMENT")),
            }
        }
        Kind::Object => match v {
            Value::Object(_) => v.clone(),
            _ => return Err(bad("must be an object")),
        },
    })
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, format_description!("[year]-[month]-[day]")).ok()
}

/// Validates a token request. `defaults` are the partner's default token settings (already
/// validated when they were stored); the request overrides them field by field. A field sent as
/// `null` takes its default.
pub fn validate_token_request(
    request: &Value,
    defaults: &Map<String, Value>,
) -> Result<TokenSettings, ApiError> {
    let req = request.as_object().ok_or_else(|| {
        ApiError::new(
            crate::error::Identifier::JsonError,
            "The request body must be a JSON object.",
        )
    })?;
    let mut echo = Map::new();
    for (name, kind) in FIELDS {
        let given = match req.get(*name) {
            Some(Value::Null) | None if *name == "clientId" => req.get("personScanRef"),
            other => other,
        };
        let value = match given
            .filter(|v| !v.is_null())
            .or_else(|| defaults.get(*name).filter(|v| !v.is_null()))
        {
            Some(v) => check(name, *kind, v)?,
            None if *name == "clientId" => return Err(ApiError::missing("clientId")),
            None => default_for(name),
        };
        echo.insert((*name).to_owned(), value);
    }
    if let (Some(min), Some(max)) = (echo["ageLimit"].as_i64(), echo["ageMax"].as_i64())
        && min > max
    {
        return Err(ApiError::bad_value(
            "Field 'ageLimit' must not be greater than 'ageMax'.",
        ));
    }
    TokenSettings::from_echo(echo)
}

/// Validates a partner's default token settings (every field optional, `clientId` refused).
pub fn validate_token_defaults(defaults: &Value) -> Result<Map<String, Value>, ApiError> {
    let obj = defaults
        .as_object()
        .ok_or_else(|| ApiError::bad_value("Token defaults must be a JSON object."))?;
    let mut out = Map::new();
    for (name, v) in obj {
        if name == "clientId" || name == "personScanRef" {
            return Err(ApiError::bad_value("Token defaults cannot set 'clientId'."));
        }
        match FIELDS.iter().find(|(n, _)| n == name) {
            Some((n, kind)) if !v.is_null() => {
                out.insert((*n).to_owned(), check(n, *kind, v)?);
            }
            Some(_) => {}
            None => return Err(ApiError::bad_value(format!("Unknown token setting '{name}'."))),
        }
    }
    Ok(out)
}

/// A validated token: every field of [`FIELDS`] in wire spelling, defaults filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenSettings {
    echo: Map<String, Value>,
}

/// The typed view of the settings that drive checks and the session lifecycle.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenView {
    pub client_id: String,
    pub token_type: TokenType,
    pub external_ref: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub date_of_birth: Option<String>,
    pub date_of_expiry: Option<String>,
    pub nationality: Option<String>,
    pub personal_number: Option<String>,
    pub document_number: Option<String>,
    pub sex: Option<String>,
    pub country: Option<String>,
    pub documents: Vec<DocumentType>,
    pub expiry_time: i64,
    pub session_length: i64,
    pub generate_digit_string: bool,
    pub callback_url: Option<String>,
    pub review_successful: bool,
    pub review_failed: bool,
    pub check_duplicate_faces: bool,
    #[serde(default)]
    pub check_duplicate_doc_faces: bool,
    #[serde(default)]
    pub check_duplicate_personal_data: bool,
    pub face_matching_threshold_modifier: f64,
    pub age_limit: Option<i64>,
    pub age_max: Option<i64>,
}

impl TokenSettings {
    fn from_echo(echo: Map<String, Value>) -> Result<Self, ApiError> {
        let s = TokenSettings { echo };
        s.view()?;
        Ok(s)
    }

    /// The settings as stored (wire spelling).
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.echo
    }

    /// Typed access.
    pub fn view(&self) -> Result<TokenView, ApiError> {
        serde_json::from_value(Value::Object(self.echo.clone()))
            .map_err(|e| ApiError::bad_value(format!("Invalid token settings: {e}.")))
    }

    /// Removes personal data (names, dates, numbers, address) for a deletion tombstone.
    pub fn scrub_personal_data(&mut self) {
        for k in [
            "firstName",
            "lastName",
            "dateOfBirth",
            "dateOfExpiry",
            "dateOfIssue",
            "nationality",
            "personalNumber",
            "documentNumber",
            "sex",
            "address",
            "additionalData",
        ] {
            self.echo.insert(k.to_owned(), Value::Null);
        }
    }

    /// The 201 body: the settings plus the generated fields.
    pub fn response_body(&self, generated: &GeneratedToken) -> Value {
        let mut body = self.echo.clone();
        let docs = body.get("documents").cloned().unwrap_or(Value::Null);
        let country = body
            .get("country")
            .and_then(Value::as_str)
            .unwrap_or("ALL")
            .to_owned();
        body.insert("allowedDocuments".into(), json!({ country: docs }));
        body.insert("message".into(), json!(generated.message));
        body.insert("authToken".into(), json!(generated.auth_token));
        body.insert("scanRef".into(), json!(generated.scan_ref));
        body.insert(
            "personScanRef".into(),
            body.get("clientId").cloned().unwrap_or(Value::Null),
        );
        body.insert("digitString".into(), json!(generated.digit_string));
        body.insert("redirectUrl".into(), json!(generated.redirect_url));
        Value::Object(body)
    }
}

/// Values ivs generates for a new token.
#[derive(Debug, Clone)]
pub struct GeneratedToken {
    pub message: &'static str,
    pub auth_token: String,
    pub scan_ref: String,
    pub digit_string: Option<String>,
    pub redirect_url: String,
}

/// The OpenAPI schema of the `/api/v2/token` request, generated from [`FIELDS`] so that the
/// document and the validation cannot drift apart.
#[derive(Debug)]
pub struct TokenRequestSchema;

/// The OpenAPI schema of the `/api/v2/token` answer: every request field echoed (defaults
/// filled in) plus the generated values.
#[derive(Debug)]
pub struct TokenResponseSchema;

mod schema {
    use super::{FIELDS, Kind, default_for};
    use crate::vocab::{DocumentType, TokenType};
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaFormat, Type};
    use utoipa::openapi::{KnownFormat, RefOr};

    fn string() -> ObjectBuilder {
        ObjectBuilder::new().schema_type(Type::String)
    }

    fn field(kind: Kind) -> Schema {
        let alpha2 = || {
            string()
                .pattern(Some("^[A-Za-z]{2}$"))
                .description(Some("ISO 3166-1 alpha-2 code"))
        };
        let b = match kind {
            Kind::Ascii(min, max) | Kind::Text(min, max) => {
                string().min_length(Some(min)).max_length(Some(max))
            }
            Kind::Name => string()
                .min_length(Some(1))
                .max_length(Some(100))
                .description(Some("a name: no digits or special symbols; upper-cased")),
            Kind::Date => string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
            Kind::Alpha2 => alpha2(),
            Kind::Sex => string().enum_values(Some(["M", "F"])),
            Kind::Url => string()
                .format(Some(SchemaFormat::Custom("uri".into())))
                .min_length(Some(5))
                .max_length(Some(2048)),
            Kind::Bool => ObjectBuilder::new().schema_type(Type::Boolean),
            Kind::Int(min, max) => ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(min))
                .maximum(Some(max)),
            Kind::Positive(max) => ObjectBuilder::new()
                .schema_type(Type::Number)
                .exclusive_minimum(Some(0))
                .maximum(Some(max)),
            Kind::Documents => {
                let item = string().enum_values(Some(DocumentType::ALL.iter().map(|d| d.as_str())));
                return ArrayBuilder::new().items(item).min_items(Some(1)).build().into();
            }
            Kind::Countries => return ArrayBuilder::new().items(alpha2()).build().into(),
            Kind::TokenType => string().enum_values(Some([
                TokenType::Identification.as_str(),
                TokenType::Document.as_str(),
            ])),
            Kind::Object => {
                ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                    Type::Object,
                    Type::Null,
                ]))
            }
        };
        b.build().into()
    }

    fn with_default(name: &str, s: Schema) -> Schema {
        let d = default_for(name);
        match s {
            Schema::Object(mut o) if !d.is_null() => {
                o.default = Some(d);
                Schema::Object(o)
            }
            Schema::Array(mut a) if !d.is_null() => {
                a.default = Some(d);
                Schema::Array(a)
            }
            other => other,
        }
    }

    pub(super) fn request() -> ObjectBuilder {
        let mut b = ObjectBuilder::new()
            .schema_type(Type::Object)
            .required("clientId")
            .description(Some(
                "Every field ivs understands; unknown fields are ignored. Absent fields take the default shown \
                 (or the partner's token defaults).",
            ));
        for (name, kind) in FIELDS {
            b = b.property(*name, with_default(name, field(*kind)));
        }
        b
    }

    pub(super) fn response() -> ObjectBuilder {
        let nullable_string = || {
            ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                Type::String,
                Type::Null,
            ]))
        };
        let mut b = request()
            .description(Some(
                "The request's fields, defaults filled in and names upper-cased, plus the generated values.",
            ))
            .property("message", string())
            .property(
                "authToken",
                string().description(Some("40 characters; opens the capture page")),
            )
            .property("scanRef", string().description(Some("the verification's id")))
            .property("personScanRef", nullable_string())
            .property(
                "digitString",
                nullable_string().description(Some("8 digits when generateDigitString was set")),
            )
            .property(
                "redirectUrl",
                string().format(Some(SchemaFormat::Custom("uri".into()))),
            )
            .property(
                "allowedDocuments",
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .description(Some("the country (or ALL) mapped to the allowed document types")),
            );
        for r in ["message", "authToken", "scanRef", "redirectUrl"] {
            b = b.required(r);
        }
        b
    }

    impl utoipa::PartialSchema for super::TokenRequestSchema {
        fn schema() -> RefOr<Schema> {
            request().build().into()
        }
    }
    impl utoipa::ToSchema for super::TokenRequestSchema {
        fn name() -> std::borrow::Cow<'static, str> {
            "TokenRequest".into()
        }
    }
    impl utoipa::PartialSchema for super::TokenResponseSchema {
        fn schema() -> RefOr<Schema> {
            response().build().into()
        }
    }
    impl utoipa::ToSchema for super::TokenResponseSchema {
        fn name() -> std::borrow::Cow<'static, str> {
            "TokenResponse".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(v: Value) -> TokenView {
        validate_token_request(&v, &Map::new()).unwrap().view().unwrap()
    }
    fn err(v: Value) -> ApiError {
        validate_token_request(&v, &Map::new()).unwrap_err()
    }

    #[test]
    fn defaults_are_filled_in() {
        let s = validate_token_request(&json!({"clientId": "c1", "unknownField": 5}), &Map::new()).unwrap();
        let m = s.as_map();
        assert_eq!(m["expiryTime"], 86400);
        assert_eq!(m["sessionLength"], 1800);
        assert_eq!(m["locale"], "en");
        assert_eq!(m["tokenType"], "IDENTIFICATION");
        assert_eq!(
            m["documents"],
            json!(["ID_CARD", "PASSPORT", "DRIVER_LICENSE", "RESIDENCE_PERMIT"])
        );
        assert_eq!(m["showInstructions"], true);
        assert_eq!(m["checkDuplicateFaces"], false);
        assert_eq!(m["firstName"], Value::Null);
        assert!(!m.contains_key("unknownField"));
    }

    #[test]
    fn names_are_upper_cased_and_checked() {
        let v = ok(json!({"clientId": "c", "firstName": "Jürgen", "lastName": "o'neil-smith"}));
        assert_eq!(v.first_name.as_deref(), Some("JÜRGEN"));
        assert_eq!(v.last_name.as_deref(), Some("O'NEIL-SMITH"));
        assert_eq!(
            err(json!({"clientId": "c", "firstName": "J0hn"})).identifier,
            crate::Identifier::BadValue
        );
        assert_eq!(
            err(json!({"clientId": "c", "lastName": "a@b"})).identifier,
            crate::Identifier::BadValue
        );
    }

    #[test]
    fn client_id_rules() {
        assert_eq!(err(json!({})).identifier, crate::Identifier::MissingValue);
        assert_eq!(
            err(json!({"clientId": ""})).identifier,
            crate::Identifier::BadValue
        );
        assert_eq!(
            err(json!({"clientId": "x".repeat(101)})).identifier,
            crate::Identifier::BadValue
        );
        assert_eq!(
            err(json!({"clientId": 5})).identifier,
            crate::Identifier::BadValue
        );
        assert_eq!(ok(json!({"personScanRef": "legacy"})).client_id, "legacy");
    }

    #[test]
    fn ranges_and_formats() {
        for bad in [
            json!({"clientId": "c", "expiryTime": 0}),
            json!({"clientId": "c", "expiryTime": 2_592_001}),
            json!({"clientId": "c", "sessionLength": 59}),
            json!({"clientId": "c", "sessionLength": 3601}),
            json!({"clientId": "c", "dateOfBirth": "1990-02-30"}),
            json!({"clientId": "c", "dateOfBirth": "19900101"}),
            json!({"clientId": "c", "country": "LTU"}),
            json!({"clientId": "c", "sex": "X"}),
            json!({"clientId": "c", "documents": ["PASSPORT", "BOARDING_PASS"]}),
            json!({"clientId": "c", "documents": []}),
            json!({"clientId": "c", "tokenType": "VIDEO_CALL"}),
            json!({"clientId": "c", "successUrl": "ftp://x.example"}),
            json!({"clientId": "c", "checkAml": "yes"}),
            json!({"clientId": "c", "faceMatchingThresholdModifier": 0}),
            json!({"clientId": "c", "externalRef": "x".repeat(41)}),
            json!({"clientId": "c", "ageLimit": 30, "ageMax": 20}),
        ] {
            assert_eq!(err(bad.clone()).identifier, crate::Identifier::BadValue, "{bad}");
        }
        let v =
            ok(json!({"clientId": "c", "country": "lt", "expiryTime": 2_592_000, "documents": ["PASSPORT"]}));
        assert_eq!(v.country.as_deref(), Some("LT"));
        assert_eq!(v.expiry_time, 2_592_000);
        assert_eq!(v.documents, vec![DocumentType::Passport]);
    }

    #[test]
    fn partner_defaults_apply_under_the_request() {
        let d = validate_token_defaults(&json!({"expiryTime": 600, "locale": "lt"})).unwrap();
        let s = validate_token_request(&json!({"clientId": "c", "locale": "de"}), &d).unwrap();
        assert_eq!(s.as_map()["expiryTime"], 600);
        assert_eq!(s.as_map()["locale"], "de");
        assert!(validate_token_defaults(&json!({"clientId": "x"})).is_err());
        assert!(validate_token_defaults(&json!({"nope": 1})).is_err());
    }

    #[test]
    fn response_echoes_and_adds_generated_fields() {
        let s = validate_token_request(&json!({"clientId": "c", "country": "LT"}), &Map::new()).unwrap();
        let g = GeneratedToken {
            message: "Token created successfully",
            auth_token: "a".repeat(40),
            scan_ref: "00000000-0000-4000-8000-000000000000".into(),
            digit_string: None,
            redirect_url: "http://x/api/v2/redirect?authToken=aaa".into(),
        };
        let body = s.response_body(&g);
        assert_eq!(body["personScanRef"], "c");
        assert_eq!(body["allowedDocuments"]["LT"][0], "ID_CARD");
        assert_eq!(body["digitString"], Value::Null);
        assert_eq!(body["authToken"].as_str().unwrap().len(), 40);
    }
}
