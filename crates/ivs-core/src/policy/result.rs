//! The results a verification records, each built here from what decided it: the policy's
//! [`Decision`] (automatic), a sandbox `dummyStatus`, an analysis that failed for good, and a
//! manual verdict (a reviewer's or the sandbox `add-dummy-status`).
use super::{Decision, Facts};
use crate::token::TokenView;
use crate::verification::Verification;
use crate::vocab::{
    DocSex, DocumentStatus, DocumentType, FaceStatus, FraudTag, MismatchTag, OverallStatus, TokenType,
};
use crate::wire::DocData;

/// The automated (or manual) outcome a verification records.
#[derive(Debug, Clone, PartialEq)]
pub struct VerificationResult {
    pub status: OverallStatus,
    pub auto_document: Option<DocumentStatus>,
    pub auto_face: Option<FaceStatus>,
    pub manual_document: Option<DocumentStatus>,
    pub manual_face: Option<FaceStatus>,
    pub fraud_tags: Vec<FraudTag>,
    pub mismatch_tags: Vec<MismatchTag>,
    pub data: DocData,
}

/// A manual verdict, recorded over the automatic result.
#[derive(Debug, Clone, PartialEq)]
pub struct ManualResult {
    pub status: OverallStatus,
    pub manual_document: DocumentStatus,
    pub manual_face: Option<FaceStatus>,
    /// Corrected data (`manuallyDataChanged: true`), when the reviewer changed fields.
    pub data: Option<DocData>,
}

impl ManualResult {
    /// The sandbox `add-dummy-status` verdict: `APPROVED` when the document is validated and the
    /// face matches, else `DENIED`.
    pub fn sandbox(manual_document: DocumentStatus, manual_face: FaceStatus) -> Self {
        let approved =
            manual_face == FaceStatus::FaceMatch && manual_document == DocumentStatus::DocValidated;
        ManualResult {
            status: if approved {
                OverallStatus::Approved
            } else {
                OverallStatus::Denied
            },
            manual_document,
            manual_face: Some(manual_face),
            data: None,
        }
    }
}

impl VerificationResult {
    /// The analysis's result: the decision's verdicts and the data read from the document (or
    /// only the selected country when nothing was read), with the duplicates found.
    pub fn automatic(decision: &Decision, facts: &Facts, selected_country: Option<&str>) -> Self {
        let mut data = match &facts.document.fields {
            Some(f) => f.data(selected_country),
            None => DocData {
                selected_country: selected_country.map(str::to_owned),
                manually_data_changed: Some(false),
                ..DocData::default()
            },
        };
        if !facts.fraud.duplicate_faces.is_empty() {
            data.duplicate_faces = Some(facts.fraud.duplicate_faces.clone());
        }
        if !facts.fraud.duplicate_doc_faces.is_empty() {
            data.duplicate_doc_faces = Some(facts.fraud.duplicate_doc_faces.clone());
        }
        VerificationResult {
            status: decision.overall,
            auto_document: Some(decision.auto_document),
            auto_face: decision.auto_face,
            manual_document: None,
            manual_face: None,
            fraud_tags: decision.fraud_tags.clone(),
            mismatch_tags: decision.mismatch_tags.clone(),
            data,
        }
    }

    /// An analysis that failed for good: `REVIEWING` with `DOC_ERROR` (and `FACE_ERROR` unless
    /// the token was document-only), so a reviewer settles it and nothing stays pending forever.
    pub fn failure(token_type: TokenType, selected_country: Option<&str>) -> Self {
        VerificationResult {
            status: OverallStatus::Reviewing,
            auto_document: Some(DocumentStatus::DocError),
            auto_face: (token_type != TokenType::Document).then_some(FaceStatus::FaceError),
            manual_document: None,
            manual_face: None,
            fraud_tags: Vec::new(),
            mismatch_tags: Vec::new(),
            data: DocData {
                selected_country: selected_country.map(str::to_owned),
                ..DocData::default()
            },
        }
    }

    /// The finished verification a sandbox `dummyStatus` asks for, with plausible data taken
    /// from the token where it has them.
    pub fn sandbox(status: OverallStatus, token: &TokenView) -> Self {
        let or = |v: &Option<String>, default: &str| v.clone().unwrap_or_else(|| default.to_owned());
        let first = or(&token.first_name, "JOHN");
        let last = or(&token.last_name, "SAMPLE");
        let country = token
            .country
            .clone()
            .or_else(|| token.nationality.clone())
            .unwrap_or_else(|| "LT".into());
        let data = DocData {
            full_name: Some(format!("{first} {last}")),
            doc_first_name: Some(first),
            doc_last_name: Some(last),
            doc_number: Some(or(&token.document_number, "DUMMY0001")),
            doc_personal_code: token.personal_number.clone(),
            doc_expiry: Some(or(&token.date_of_expiry, "2032-01-01")),
            doc_dob: Some(or(&token.date_of_birth, "1990-01-01")),
            doc_type: Some(DocumentType::Passport),
            doc_sex: Some(match token.sex.as_deref() {
                Some("M") => DocSex::Male,
                Some("F") => DocSex::Female,
                _ => DocSex::Undefined,
            }),
            doc_nationality: Some(country.clone()),
            doc_issuing_country: Some(country.clone()),
            selected_country: Some(country),
            manually_data_changed: Some(false),
            additional_data: Some(serde_json::Map::new()),
            ..DocData::default()
        };
        let validated = Some(DocumentStatus::DocValidated);
        let (doc, face, mismatch) = match status {
            OverallStatus::Approved => (validated, Some(FaceStatus::FaceMatch), vec![]),
            OverallStatus::Denied => (validated, Some(FaceStatus::FaceMismatch), vec![]),
            OverallStatus::Suspected => (validated, Some(FaceStatus::FaceMatch), vec![MismatchTag::Name]),
            _ => (None, None, vec![]),
        };
        VerificationResult {
            status,
            auto_document: doc,
            auto_face: face,
            manual_document: None,
            manual_face: None,
            fraud_tags: vec![],
            mismatch_tags: mismatch,
            data: if status == OverallStatus::Expired {
                DocData::default()
            } else {
                data
            },
        }
    }

    /// `v`'s automatic result with a manual verdict over it (the corrected data when given).
    pub fn manual(v: &Verification, m: &ManualResult) -> Self {
        VerificationResult {
            status: m.status,
            auto_document: v.auto_document,
            auto_face: v.auto_face,
            manual_document: Some(m.manual_document),
            manual_face: m.manual_face,
            fraud_tags: v.fraud_tags.clone(),
            mismatch_tags: v.mismatch_tags.clone(),
            data: m.data.clone().unwrap_or_else(|| v.data_object()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::validate_token_request;
    use serde_json::json;

    fn view(body: serde_json::Value) -> TokenView {
        validate_token_request(&body, &serde_json::Map::new())
            .unwrap()
            .view()
            .unwrap()
    }

    #[test]
    fn sandbox_results_take_the_token_data_and_the_asked_status() {
        let t = view(json!({"clientId": "c", "firstName": "Ana", "sex": "F", "nationality": "LV"}));
        let r = VerificationResult::sandbox(OverallStatus::Suspected, &t);
        assert_eq!(r.mismatch_tags, vec![MismatchTag::Name]);
        assert_eq!(r.data.doc_first_name.as_deref(), Some("ANA"));
        assert_eq!(r.data.doc_last_name.as_deref(), Some("SAMPLE"));
        assert_eq!(r.data.doc_sex, Some(DocSex::Female));
        assert_eq!(r.data.doc_issuing_country.as_deref(), Some("LV"));
        let r = VerificationResult::sandbox(OverallStatus::Expired, &t);
        assert_eq!((r.auto_document, r.data), (None, DocData::default()));
    }

    #[test]
    fn a_failure_waits_for_a_reviewer() {
        let r = VerificationResult::failure(TokenType::Document, Some("LT"));
        assert_eq!(r.status, OverallStatus::Reviewing);
        assert_eq!(r.auto_document, Some(DocumentStatus::DocError));
        assert_eq!(r.auto_face, None);
        assert_eq!(
            VerificationResult::failure(TokenType::Identification, None).auto_face,
            Some(FaceStatus::FaceError)
        );
    }

    #[test]
    fn sandbox_manual_verdict_approves_only_a_validated_match() {
        let ok = ManualResult::sandbox(DocumentStatus::DocValidated, FaceStatus::FaceMatch);
        assert_eq!(ok.status, OverallStatus::Approved);
        let no = ManualResult::sandbox(DocumentStatus::DocExpired, FaceStatus::FaceMatch);
        assert_eq!(no.status, OverallStatus::Denied);
    }
}
