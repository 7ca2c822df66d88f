//! The webhook body: iDenfy's `IdentificationWebhook` (idenfy-v2-wire §3.5–3.7). `data` is the
//! same object `/api/v2/data` answers and `status` carries the verdicts `/api/v2/status` reports;
//! add-on objects ivs does not produce are `null`.
use crate::policy::VerificationResult;
use crate::verification::Verification;
use crate::vocab::{DocumentStatus, FaceStatus, FraudTag, MismatchTag, OverallStatus};
use crate::wire::{DataBody, StatusBody};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A key ivs always sends as `null` (an add-on it does not run).
type Unused = Option<Value>;

/// The webhook's `status` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentificationStatus {
    pub overall: OverallStatus,
    pub fraud_tags: Vec<FraudTag>,
    pub mismatch_tags: Vec<MismatchTag>,
    pub auto_face: Option<FaceStatus>,
    pub manual_face: Option<FaceStatus>,
    pub auto_document: Option<DocumentStatus>,
    pub manual_document: Option<DocumentStatus>,
    pub additional_steps: Unused,
}

impl From<StatusBody> for IdentificationStatus {
    fn from(s: StatusBody) -> Self {
        IdentificationStatus {
            overall: s.status,
            fraud_tags: s.fraud_tags,
            mismatch_tags: s.mismatch_tags,
            auto_face: s.auto_face,
            manual_face: s.manual_face,
            auto_document: s.auto_document,
            manual_document: s.manual_document,
            additional_steps: None,
        }
    }
}

/// The body of every verification webhook.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentificationWebhook {
    #[serde(rename = "final")]
    pub final_: bool,
    pub platform: &'static str,
    pub status: IdentificationStatus,
    pub data: DataBody,
    /// `KIND → URL`, made fresh at every delivery attempt.
    pub file_urls: BTreeMap<String, String>,
    pub additional_step_pdf_urls: BTreeMap<String, String>,
    #[serde(rename = "AML")]
    pub aml: Unused,
    pub aml_check: Unused,
    #[serde(rename = "LID")]
    pub lid: Unused,
    #[serde(rename = "CRIMINAL_CHECK")]
    pub criminal_check: Unused,
    pub scan_ref: String,
    pub external_ref: Option<String>,
    pub client_id: String,
    pub company_id: Unused,
    pub beneficiary_id: Unused,
    pub start_time: i64,
    pub finish_time: Option<i64>,
    pub client_ip: Unused,
    pub client_ip_country: Unused,
    pub client_location: Unused,
    pub gdc_match: Unused,
    pub manual_address: Unused,
    pub manual_address_match: Unused,
    pub registry_center_check: Unused,
    pub address_verification: Unused,
    pub questionnaire_answers: Unused,
    pub risk_assessment: Unused,
    pub bank_verification: Unused,
    pub email_verification: Unused,
    pub phone_verification: Unused,
    pub driver_license_check: Unused,
    pub bank_card_verification: Unused,
    pub additional_steps: Unused,
}

impl IdentificationWebhook {
    /// The body about `v` at `now`, with `file_urls` (`KIND → URL`).
    pub fn new(v: &Verification, final_: bool, file_urls: BTreeMap<String, String>, now: i64) -> Self {
        IdentificationWebhook {
            final_,
            platform: "OTHER",
            status: v.status_body(now).into(),
            data: v.data_body(),
            file_urls,
            additional_step_pdf_urls: BTreeMap::new(),
            aml: None,
            aml_check: None,
            lid: None,
            criminal_check: None,
            scan_ref: v.scan_ref.clone(),
            external_ref: v.token.view().ok().and_then(|t| t.external_ref),
            client_id: v.client_id.clone(),
            company_id: None,
            beneficiary_id: None,
            start_time: v.submitted_at.unwrap_or(v.created_at),
            finish_time: v.finished_at,
            client_ip: None,
            client_ip_country: None,
            client_location: None,
            gdc_match: None,
            manual_address: None,
            manual_address_match: None,
            registry_center_check: None,
            address_verification: None,
            questionnaire_answers: None,
            risk_assessment: None,
            bank_verification: None,
            email_verification: None,
            phone_verification: None,
            driver_license_check: None,
            bank_card_verification: None,
            additional_steps: None,
        }
    }

    /// A sample event for `ivs webhooks test`: a plausible approved verification with made-up
    /// data, in the shape of every real event.
    pub fn sample(now: i64) -> Result<Self, crate::ApiError> {
        let client_id = "ivs-webhook-test";
        let token = crate::token::validate_token_request(
            &serde_json::json!({ "clientId": client_id }),
            &serde_json::Map::new(),
        )?;
        let result = VerificationResult::sandbox(OverallStatus::Approved, &token.view()?);
        let mut v = Verification::unstored(token, client_id.into(), result, now);
        v.scan_ref = "00000000-0000-4000-8000-000000000000".into();
        Ok(Self::new(&v, true, BTreeMap::new(), now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_carries_the_status_data_and_every_add_on_key() {
        let body = serde_json::to_value(IdentificationWebhook::sample(7).unwrap()).unwrap();
        let obj = body.as_object().unwrap();
        assert_eq!(obj.len(), 33);
        assert_eq!(body["final"], true);
        assert_eq!(body["status"]["overall"], "APPROVED");
        assert_eq!(body["status"]["autoFace"], "FACE_MATCH");
        assert!(body["status"]["additionalSteps"].is_null());
        assert_eq!(body["status"].as_object().unwrap().len(), 8);
        assert_eq!(body["data"]["scanRef"], body["scanRef"]);
        assert_eq!(body["data"]["clientId"], "ivs-webhook-test");
        assert_eq!(body["data"].as_object().unwrap().len(), 40);
        assert!(body["AML"].is_null() && body["LID"].is_null() && body["CRIMINAL_CHECK"].is_null());
        assert!(body["externalRef"].is_null());
        assert_eq!(
            (body["startTime"].clone(), body["finishTime"].clone()),
            (7.into(), 7.into())
        );
    }
}
