//! The decision policy: what the analysis found ([`Facts`]) and what the partner asked for (the
//! token and the partner's [`Policy`]) become the iDenfy verdicts — `autoDocument`, `autoFace`,
//! `mismatchTags`, `fraudTags`, the overall status and whether a manual step follows.
//!
//! Pure: no IO, no clock (the day of the decision is part of the facts), so every rule is
//! table-tested and a stored verification can be re-decided under another policy (`ivs replay`).
//! The rules are written out in `docs/decision.md`.
use crate::token::{TokenView, parse_date};
use crate::vocab::{
    DocSex, DocumentStatus, DocumentType, FaceStatus, FraudTag, MismatchTag, OverallStatus, TokenType,
};
use crate::wire::DocData;
use serde::{Deserialize, Serialize};
use time::Date;

mod result;
pub use result::{ManualResult, VerificationResult};

/// The fields read from the document (the MRZ), already normalised.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DocFields {
    /// The MRZ document code (`P`, `I`, `ID`, `AR`, …).
    pub document_code: String,
    /// Issuing state, alpha-2 when known (else the MRZ's alpha-3).
    pub issuing_country: Option<String>,
    /// Nationality, alpha-2 when known.
    pub nationality: Option<String>,
    /// Primary identifier (surname), MRZ spelling with spaces for fillers.
    pub surname: String,
    /// Secondary identifier (given names), MRZ spelling with spaces for fillers.
    pub given_names: String,
    /// Whether the name field filled the whole MRZ field (the name may be truncated).
    pub names_truncated: bool,
    pub document_number: String,
    /// Personal number / code (TD3 optional data, or TD1 optional data when it holds one).
    pub personal_code: Option<String>,
    pub birth_date: Option<Date>,
    pub expiry_date: Option<Date>,
    pub sex: Option<DocSex>,
}

impl DocFields {
    /// The iDenfy document type the MRZ document code stands for.
    pub fn document_type(&self) -> Option<DocumentType> {
        let code = self.document_code.as_bytes();
        match (code.first(), code.get(1)) {
            (Some(b'P'), _) => Some(DocumentType::Passport),
            (Some(b'V'), _) => Some(DocumentType::Visa),
            (Some(b'I' | b'A' | b'C'), Some(b'R')) => Some(DocumentType::ResidencePermit),
            (Some(b'I' | b'A' | b'C'), _) => Some(DocumentType::IdCard),
            _ => None,
        }
    }

    /// The `/data` object for these fields. Only what the MRZ carries is filled in; fields it
    /// does not carry (issue date, birth place, address, original-script names …) stay `null`.
    pub fn data(&self, selected_country: Option<&str>) -> DocData {
        let date = |d: Option<Date>| d.map(format_date);
        let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        let full = [self.given_names.as_str(), self.surname.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        DocData {
            doc_first_name: nonempty(&self.given_names),
            doc_last_name: nonempty(&self.surname),
            doc_number: nonempty(&self.document_number),
            doc_personal_code: self.personal_code.clone(),
            doc_expiry: date(self.expiry_date),
            doc_dob: date(self.birth_date),
            doc_type: self.document_type(),
            doc_sex: self.sex,
            doc_nationality: self.nationality.clone(),
            doc_issuing_country: self.issuing_country.clone(),
            manually_data_changed: Some(false),
            full_name: nonempty(&full),
            selected_country: selected_country.map(str::to_owned),
            ..DocData::default()
        }
    }
}

/// `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The document reader's verdict on the image and the MRZ alone: `DOC_VALIDATED` when the MRZ
/// was read and every check digit holds, else the problem. It has no expiry and no partner
/// constraint: those are decided by [`decide`], with the partner's policy. Serialised as the
/// iDenfy document status it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReadVerdict {
    DocValidated,
    DocNotFound,
    DocTooBlurry,
    DocGlared,
    DocNotFullyVisible,
    DocFaceNotFound,
    MrzNotFound,
    MrzInvalid,
    MrzOcrReadingError,
    /// The reader gave no verdict ivs knows.
    DocError,
}

impl ReadVerdict {
    /// The document status this verdict reports.
    pub fn status(self) -> DocumentStatus {
        match self {
            ReadVerdict::DocValidated => DocumentStatus::DocValidated,
            ReadVerdict::DocNotFound => DocumentStatus::DocNotFound,
            ReadVerdict::DocTooBlurry => DocumentStatus::DocTooBlurry,
            ReadVerdict::DocGlared => DocumentStatus::DocGlared,
            ReadVerdict::DocNotFullyVisible => DocumentStatus::DocNotFullyVisible,
            ReadVerdict::DocFaceNotFound => DocumentStatus::DocFaceNotFound,
            ReadVerdict::MrzNotFound => DocumentStatus::MrzNotFound,
            ReadVerdict::MrzInvalid => DocumentStatus::MrzInvalid,
            ReadVerdict::MrzOcrReadingError => DocumentStatus::MrzOcrReadingError,
            ReadVerdict::DocError => DocumentStatus::DocError,
        }
    }

    /// The verdict a reader's document status stands for; `None` for the statuses only the
    /// decision gives (`DOC_EXPIRED`, `DOC_NOT_ALLOWED`, `COUNTRY_MISMATCH`, …).
    pub fn from_status(status: DocumentStatus) -> Option<Self> {
        [
            ReadVerdict::DocValidated,
            ReadVerdict::DocNotFound,
            ReadVerdict::DocTooBlurry,
            ReadVerdict::DocGlared,
            ReadVerdict::DocNotFullyVisible,
            ReadVerdict::DocFaceNotFound,
            ReadVerdict::MrzNotFound,
            ReadVerdict::MrzInvalid,
            ReadVerdict::MrzOcrReadingError,
            ReadVerdict::DocError,
        ]
        .into_iter()
        .find(|v| v.status() == status)
    }
}

/// What reading the document found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocFacts {
    /// The reader's verdict on the image and the MRZ alone.
    pub read_status: ReadVerdict,
    /// The fields, when the MRZ parsed (even if some check failed).
    pub fields: Option<DocFields>,
    /// Whether a face (the holder's portrait) was found on the document.
    pub portrait_found: bool,
}

/// What comparing the faces found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaceFacts {
    /// Clear faces in the selfie.
    pub selfie_faces: usize,
    /// The comparison's verdict on document portrait vs selfie (`FACE_MATCH`, `FACE_MISMATCH`,
    /// `FACE_UNCERTAIN`, `NO_FACE_FOUND`, `FACE_TOO_BLURRY`, `FACE_GLARED`).
    pub comparison: FaceStatus,
    pub similarity: Option<f32>,
    pub threshold: f32,
}

/// Fraud signals: other verifications of the same partner (other `clientId`s) and blocklists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FraudFacts {
    /// scanRefs whose selfie or portrait shows the selfie's face.
    pub duplicate_faces: Vec<String>,
    /// scanRefs whose selfie or portrait shows the document portrait's face.
    pub duplicate_doc_faces: Vec<String>,
    /// scanRefs with the same document number or personal code.
    pub duplicate_personal_data: Vec<String>,
    /// Whether duplicate searches ran (token or policy asked for them).
    pub duplicate_faces_checked: bool,
    pub duplicate_doc_faces_checked: bool,
    pub duplicate_personal_data_checked: bool,
    /// Blocklist hits (the scanRefs whose entry matched).
    pub face_blocklisted: Vec<String>,
    pub doc_face_blocklisted: Vec<String>,
    pub data_blocklisted: Vec<String>,
}

/// Everything the decision needs, as stored with the verification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Facts {
    /// The day of the analysis (expiry and age are judged on it).
    pub today: Date,
    pub document: DocFacts,
    /// `None` for `DOCUMENT` tokens (no selfie).
    pub face: Option<FaceFacts>,
    pub fraud: FraudFacts,
    /// The document type the session was submitted with (`/process` `documentType`).
    pub selected_document_type: Option<DocumentType>,
}

/// A partner's decision policy. Every field has a default following iDenfy's semantics
/// (idenfy-v2-wire §4.1); a partner stores its own with `ivs policy set`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct Policy {
    /// Send approved verifications to a reviewer (the token's `reviewSuccessful` also does).
    pub review_successful: bool,
    /// Send denied and suspected verifications to a reviewer (the token's `reviewFailed` also does).
    pub review_failed: bool,
    /// `FACE_UNCERTAIN` goes to a reviewer (`REVIEWING`); when false it is denied.
    pub review_uncertain_face: bool,
    /// Overall status when data does not match the token (mismatch tags).
    pub on_mismatch: OverallStatus,
    /// Overall status for duplicate-face / duplicate-data fraud tags.
    pub on_duplicate: OverallStatus,
    /// Overall status for blocklist hits.
    pub on_blocklist: OverallStatus,
    /// Run the duplicate-face search even when the token does not ask (`checkDuplicateFaces`).
    pub check_duplicate_faces: bool,
    /// Same for document portraits (`checkDuplicateDocFaces`).
    pub check_duplicate_doc_faces: bool,
    /// Same for document number / personal code (`checkDuplicatePersonalData`).
    pub check_duplicate_personal_data: bool,
    /// Days after the printed expiry date during which a document still counts as valid.
    pub expiry_grace_days: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            review_successful: false,
            review_failed: false,
            review_uncertain_face: true,
            on_mismatch: OverallStatus::Suspected,
            on_duplicate: OverallStatus::Suspected,
            on_blocklist: OverallStatus::Denied,
            check_duplicate_faces: false,
            check_duplicate_doc_faces: false,
            check_duplicate_personal_data: false,
            expiry_grace_days: 0,
        }
    }
}

/// Why a policy file was refused.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("policy: {0}")]
    Invalid(String),
}

impl Policy {
    /// The statuses a rule may map to.
    const OUTCOMES: [OverallStatus; 4] = [
        OverallStatus::Approved,
        OverallStatus::Suspected,
        OverallStatus::Denied,
        OverallStatus::Reviewing,
    ];

    /// Checks values serde cannot (the `on_*` statuses must be decision outcomes).
    pub fn validate(self) -> Result<Policy, PolicyError> {
        for (name, s) in [
            ("on_mismatch", self.on_mismatch),
            ("on_duplicate", self.on_duplicate),
            ("on_blocklist", self.on_blocklist),
        ] {
            if !Self::OUTCOMES.contains(&s) {
                return Err(PolicyError::Invalid(format!(
                    "{name} must be APPROVED, SUSPECTED, DENIED or REVIEWING, not {s}"
                )));
            }
        }
        if !(0..=3650).contains(&self.expiry_grace_days) {
            return Err(PolicyError::Invalid("expiry_grace_days must be 0–3650".into()));
        }
        Ok(self)
    }
}

/// The verdicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub overall: OverallStatus,
    pub auto_document: DocumentStatus,
    pub auto_face: Option<FaceStatus>,
    pub mismatch_tags: Vec<MismatchTag>,
    pub fraud_tags: Vec<FraudTag>,
    /// `false` when a manual review follows (`overall` is `REVIEWING`).
    #[serde(rename = "final")]
    pub final_: bool,
    /// The rule that set `overall` (see `docs/decision.md`).
    pub rule: String,
}

/// Decides. The order of the document checks is the precedence when several apply: an image or
/// MRZ problem first (nothing else can be trusted), then the partner's constraints
/// (`DOC_NOT_ALLOWED`, `DOC_TYPE_MISMATCH`, `COUNTRY_MISMATCH`), then `DOC_EXPIRED`, then
/// `DOC_FACE_NOT_FOUND`.
pub fn decide(facts: &Facts, token: &TokenView, policy: &Policy) -> Decision {
    let auto_document = document_verdict(facts, token, policy);
    let auto_face = face_verdict(facts, token);
    let mismatch_tags = match &facts.document.fields {
        Some(f) => mismatch_tags(f, token, facts.today),
        None if token.age_limit.is_some() || token.age_max.is_some() => vec![MismatchTag::UnknownAge],
        None => Vec::new(),
    };
    let fraud_tags = fraud_tags(&facts.fraud);
    let blocklisted = fraud_tags.iter().any(|t| {
        matches!(
            t,
            FraudTag::FaceInBlacklist | FraudTag::DocFaceInBlacklist | FraudTag::DataInBlacklist
        )
    });
    let doc_ok = auto_document == DocumentStatus::DocValidated;
    let face_ok = matches!(auto_face, None | Some(FaceStatus::FaceMatch));
    let review_failed = policy.review_failed || token.review_failed;
    let (overall, rule) = if blocklisted {
        (policy.on_blocklist, "blocklist")
    } else if doc_ok && auto_face == Some(FaceStatus::FaceUncertain) && policy.review_uncertain_face {
        (OverallStatus::Reviewing, "face-uncertain")
    } else if !doc_ok {
        (OverallStatus::Denied, "document-not-validated")
    } else if !face_ok {
        (OverallStatus::Denied, "face-not-matched")
    } else if !mismatch_tags.is_empty() {
        (policy.on_mismatch, "data-mismatch")
    } else if !fraud_tags.is_empty() {
        (policy.on_duplicate, "duplicate")
    } else {
        (OverallStatus::Approved, "approved")
    };
    let (overall, rule) = match overall {
        OverallStatus::Approved if policy.review_successful || token.review_successful => {
            (OverallStatus::Reviewing, format!("{rule}+review-successful"))
        }
        OverallStatus::Denied | OverallStatus::Suspected if review_failed => {
            (OverallStatus::Reviewing, format!("{rule}+review-failed"))
        }
        s => (s, rule.to_owned()),
    };
    Decision {
        final_: overall != OverallStatus::Reviewing,
        overall,
        auto_document,
        auto_face,
        mismatch_tags,
        fraud_tags,
        rule,
    }
}

fn document_verdict(facts: &Facts, token: &TokenView, policy: &Policy) -> DocumentStatus {
    let doc = &facts.document;
    if doc.read_status != ReadVerdict::DocValidated {
        return doc.read_status.status();
    }
    let Some(fields) = &doc.fields else {
        return DocumentStatus::MrzNotFound;
    };
    let read_type = fields.document_type();
    if !token.documents.is_empty() {
        let allowed = read_type.is_some_and(|t| {
            token.documents.contains(&t)
                // An `I`-coded card that is a residence permit is often coded plain `I`.
                || (t == DocumentType::IdCard && token.documents.contains(&DocumentType::ResidencePermit))
        });
        if !allowed {
            return DocumentStatus::DocNotAllowed;
        }
    }
    if let (Some(selected), Some(read)) = (facts.selected_document_type, read_type)
        && !same_family(selected, read)
    {
        return DocumentStatus::DocTypeMismatch;
    }
    if let Some(country) = token.country.as_deref()
        && fields
            .issuing_country
            .as_deref()
            .is_some_and(|c| !c.eq_ignore_ascii_case(country))
    {
        return DocumentStatus::CountryMismatch;
    }
    if let Some(expiry) = fields.expiry_date {
        let grace = time::Duration::days(policy.expiry_grace_days);
        if expiry.saturating_add(grace) < facts.today {
            return DocumentStatus::DocExpired;
        }
    }
    if token.token_type == TokenType::Identification && !doc.portrait_found {
        return DocumentStatus::DocFaceNotFound;
    }
    DocumentStatus::DocValidated
}

/// Whether a document read as `read` may be what the user selected as `selected`: ID cards and
/// residence permits share MRZ codes (`I`, `A`, `C`), so they are one family.
fn same_family(selected: DocumentType, read: DocumentType) -> bool {
    let card = |t| matches!(t, DocumentType::IdCard | DocumentType::ResidencePermit);
    selected == read || (card(selected) && card(read))
}

fn face_verdict(facts: &Facts, token: &TokenView) -> Option<FaceStatus> {
    if token.token_type == TokenType::Document {
        return None;
    }
    let Some(face) = &facts.face else {
        return Some(FaceStatus::FaceNotChecked);
    };
    Some(match face.selfie_faces {
        0 => FaceStatus::NoFaceFound,
        1 => face.comparison,
        _ => FaceStatus::TooManyFaces,
    })
}

/// Name words in MRZ form: ICAO transliteration, upper case, separators as single spaces.
pub fn name_words(name: &str) -> Vec<String> {
    ivs_mrz::transliterate(name)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The name rule (`docs/decision.md`): the token's name, transliterated to the MRZ alphabet the
/// ICAO way (`Jürgen` → `JUERGEN`, or the plain-letter form `JURGEN` some states print), must
/// equal the document's word for word. When the MRZ field was full the document name may be
/// truncated: then the token's name must start with the document's (the last document word may
/// be a prefix of the token's word).
pub fn name_matches(token_name: &str, doc_name: &str, doc_truncated: bool) -> bool {
    let doc: Vec<String> = doc_name
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let forms = [
        name_words(token_name),
        ivs_mrz::transliterate_simple(token_name)
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect(),
    ];
    forms.iter().any(|tok| {
        if *tok == doc {
            return true;
        }
        if !doc_truncated || doc.is_empty() || tok.len() < doc.len() {
            return false;
        }
        let last = doc.len() - 1;
        tok[..last] == doc[..last] && tok[last].starts_with(doc[last].as_str())
    })
}

fn normalise_code(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Age in whole years on `today`.
pub fn age_on(birth: Date, today: Date) -> i64 {
    let mut years = i64::from(today.year()) - i64::from(birth.year());
    if (u8::from(today.month()), today.day()) < (u8::from(birth.month()), birth.day()) {
        years -= 1;
    }
    years
}

fn mismatch_tags(f: &DocFields, t: &TokenView, today: Date) -> Vec<MismatchTag> {
    let mut tags = Vec::new();
    let first = t
        .first_name
        .as_deref()
        .map(|n| name_matches(n, &f.given_names, f.names_truncated));
    let last = t
        .last_name
        .as_deref()
        .map(|n| name_matches(n, &f.surname, f.names_truncated));
    match (first, last) {
        (Some(false), Some(false)) => {
            // Both differ: if they match crosswise the names were given in the wrong fields.
            let (tf, tl) = (
                t.first_name.as_deref().unwrap_or(""),
                t.last_name.as_deref().unwrap_or(""),
            );
            if name_matches(tf, &f.surname, f.names_truncated)
                && name_matches(tl, &f.given_names, f.names_truncated)
            {
                tags.push(MismatchTag::FullName);
            } else {
                tags.extend([MismatchTag::Name, MismatchTag::Surname, MismatchTag::FullName]);
            }
        }
        (Some(false), _) => tags.push(MismatchTag::Name),
        (_, Some(false)) => tags.push(MismatchTag::Surname),
        _ => {}
    }
    let date_differs = |token: Option<&str>, doc: Option<Date>| match token {
        None => false,
        Some(s) => parse_date(s) != doc || doc.is_none(),
    };
    if date_differs(t.date_of_birth.as_deref(), f.birth_date) {
        tags.push(MismatchTag::DateOfBirth);
    }
    if date_differs(t.date_of_expiry.as_deref(), f.expiry_date) {
        tags.push(MismatchTag::ExpiryDate);
    }
    if let Some(n) = t.document_number.as_deref()
        && normalise_code(n) != normalise_code(&f.document_number)
    {
        tags.push(MismatchTag::DocumentNumber);
    }
    if let Some(p) = t.personal_number.as_deref()
        && f.personal_code
            .as_deref()
            .is_some_and(|d| normalise_code(p) != normalise_code(d))
    {
        tags.push(MismatchTag::PersonalCode);
    }
    if let Some(n) = t.nationality.as_deref()
        && f.nationality
            .as_deref()
            .is_some_and(|d| !d.eq_ignore_ascii_case(n))
    {
        tags.push(MismatchTag::Nationality);
    }
    if let Some(s) = t.sex.as_deref() {
        let differs = matches!(
            (s, f.sex),
            ("M", Some(DocSex::Female)) | ("F", Some(DocSex::Male))
        );
        if differs {
            tags.push(MismatchTag::Sex);
        }
    }
    if t.age_limit.is_some() || t.age_max.is_some() {
        match f.birth_date {
            None => tags.push(MismatchTag::UnknownAge),
            Some(b) => {
                let age = age_on(b, today);
                if t.age_limit.is_some_and(|min| age < min) {
                    tags.push(MismatchTag::UnderAge);
                }
                if t.age_max.is_some_and(|max| age > max) {
                    tags.push(MismatchTag::OverAge);
                }
            }
        }
    }
    tags
}

fn fraud_tags(f: &FraudFacts) -> Vec<FraudTag> {
    let mut tags = Vec::new();
    if !f.face_blocklisted.is_empty() {
        tags.push(FraudTag::FaceInBlacklist);
    }
    if !f.doc_face_blocklisted.is_empty() {
        tags.push(FraudTag::DocFaceInBlacklist);
    }
    if !f.data_blocklisted.is_empty() {
        tags.push(FraudTag::DataInBlacklist);
    }
    if !f.duplicate_faces.is_empty() {
        tags.push(FraudTag::DuplicateFace);
    }
    if !f.duplicate_doc_faces.is_empty() {
        tags.push(FraudTag::DuplicateDocFace);
    }
    if !f.duplicate_personal_data.is_empty() {
        tags.push(FraudTag::DuplicatePersonalData);
    }
    tags
}

/// The overall status a reviewer's verdicts give: both validated/matched → `APPROVED` (or the
/// policy's mismatch/duplicate outcome when tags remain), anything else → `DENIED`.
pub fn manual_overall(
    manual_document: DocumentStatus,
    manual_face: Option<FaceStatus>,
    mismatch_tags: &[MismatchTag],
    fraud_tags: &[FraudTag],
    policy: &Policy,
) -> OverallStatus {
    let doc_ok = manual_document == DocumentStatus::DocValidated;
    let face_ok = matches!(manual_face, None | Some(FaceStatus::FaceMatch));
    if !doc_ok || !face_ok {
        OverallStatus::Denied
    } else if !mismatch_tags.is_empty() && policy.on_mismatch != OverallStatus::Reviewing {
        policy.on_mismatch
    } else if !fraud_tags.is_empty() && policy.on_duplicate != OverallStatus::Reviewing {
        policy.on_duplicate
    } else {
        OverallStatus::Approved
    }
}

#[cfg(test)]
mod tests;
