//! The retrieval shapes of `/api/v2/status`, `/api/v2/data` and `/api/v2/files` (the seed page
//! and idenfy-v2-wire §3.6–3.7, §5.1). `/data` has ONE shape, shared with the webhook `data`
//! object: every key is always present, `null` when unknown.
use crate::vocab::{DocSex, DocumentStatus, DocumentType, FaceStatus, FraudTag, MismatchTag, OverallStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The automated and manual results of a verification, as `/status` reports them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusBody {
    pub status: OverallStatus,
    pub scan_ref: String,
    pub client_id: String,
    pub auto_document: Option<DocumentStatus>,
    pub auto_face: Option<FaceStatus>,
    pub manual_document: Option<DocumentStatus>,
    pub manual_face: Option<FaceStatus>,
    pub fraud_tags: Vec<FraudTag>,
    pub mismatch_tags: Vec<MismatchTag>,
}

/// Document data (§3.7 plus the seed's keys). Every field is nullable; serialisation always
/// writes every key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct DocData {
    pub doc_first_name: Option<String>,
    pub doc_last_name: Option<String>,
    pub doc_number: Option<String>,
    pub doc_personal_code: Option<String>,
    pub doc_expiry: Option<String>,
    pub doc_dob: Option<String>,
    pub doc_date_of_issue: Option<String>,
    pub doc_type: Option<DocumentType>,
    pub doc_sex: Option<DocSex>,
    pub doc_nationality: Option<String>,
    pub doc_issuing_country: Option<String>,
    pub doc_temporary_address: Option<String>,
    pub doc_birth_name: Option<String>,
    pub doc_patronymic: Option<String>,
    pub birth_place: Option<String>,
    pub authority: Option<String>,
    pub address: Option<String>,
    pub mothers_maiden_name: Option<String>,
    pub driver_license_category: Option<String>,
    pub manually_data_changed: Option<bool>,
    pub full_name: Option<String>,
    pub selected_country: Option<String>,
    pub org_first_name: Option<String>,
    pub org_last_name: Option<String>,
    pub org_nationality: Option<String>,
    pub org_birth_place: Option<String>,
    pub org_authority: Option<String>,
    pub org_address: Option<String>,
    pub org_temporary_address: Option<String>,
    pub org_mothers_maiden_name: Option<String>,
    pub org_patronymic: Option<String>,
    pub org_birth_name: Option<String>,
    pub age_estimate: Option<String>,
    pub client_ip_proxy_risk_level: Option<String>,
    pub duplicate_faces: Option<Vec<String>>,
    pub duplicate_doc_faces: Option<Vec<String>>,
    pub address_verification: Option<Value>,
    pub additional_data: Option<Map<String, Value>>,
}

/// `/api/v2/data`: the data object plus `scanRef` and `clientId`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataBody {
    #[serde(flatten)]
    pub data: DocData,
    pub scan_ref: String,
    pub client_id: String,
}

/// `/api/v2/files`: top-level keys for old clients plus the maps new clients read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FilesBody {
    /// The same links under top-level keys (FRONT, FACE, …) for older clients.
    #[serde(flatten)]
    pub top_level: BTreeMap<String, String>,
    pub file_urls: BTreeMap<String, String>,
    pub video_urls: BTreeMap<String, String>,
    pub additional_step_pdf_urls: BTreeMap<String, String>,
}

impl FilesBody {
    pub fn from_urls(urls: BTreeMap<String, String>) -> Self {
        FilesBody {
            top_level: urls.clone(),
            file_urls: urls,
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_body_has_every_key_even_when_unknown() {
        let body = DataBody {
            data: DocData::default(),
            scan_ref: "s".into(),
            client_id: "c".into(),
        };
        let v = serde_json::to_value(&body).unwrap();
        let obj = v.as_object().unwrap();
        for key in [
            "docFirstName",
            "docLastName",
            "docNumber",
            "docPersonalCode",
            "docExpiry",
            "docDob",
            "docDateOfIssue",
            "docType",
            "docSex",
            "docNationality",
            "docIssuingCountry",
            "docTemporaryAddress",
            "docBirthName",
            "docPatronymic",
            "birthPlace",
            "authority",
            "address",
            "mothersMaidenName",
            "driverLicenseCategory",
            "manuallyDataChanged",
            "fullName",
            "selectedCountry",
            "orgFirstName",
            "orgLastName",
            "orgNationality",
            "orgBirthPlace",
            "orgAuthority",
            "orgAddress",
            "orgTemporaryAddress",
            "orgMothersMaidenName",
            "orgPatronymic",
            "orgBirthName",
            "ageEstimate",
            "clientIpProxyRiskLevel",
            "duplicateFaces",
            "duplicateDocFaces",
            "addressVerification",
            "additionalData",
            "scanRef",
            "clientId",
        ] {
            assert!(obj.contains_key(key), "missing {key}");
        }
        assert_eq!(obj.len(), 40);
        assert!(obj["docFirstName"].is_null());
    }

    #[test]
    fn files_body_shape() {
        let mut urls = BTreeMap::new();
        urls.insert("FACE".to_string(), "u1".to_string());
        let v = serde_json::to_value(FilesBody::from_urls(urls)).unwrap();
        assert_eq!(v["FACE"], "u1");
        assert_eq!(v["fileUrls"]["FACE"], "u1");
        assert_eq!(v["videoUrls"], serde_json::json!({}));
        assert_eq!(v["additionalStepPdfUrls"], serde_json::json!({}));
    }
}
