//! The webhook body: iDenfy's `IdentificationWebhook` (idenfy-v2-wire §3.5–3.7). `data` is the
//! same object `/api/v2/data` answers; add-on objects ivs does not produce are `null`.
use ivs_core::wire::DataBody;
use ivs_store::Verification;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Renders the body at `now`; `file_urls` (`KIND → URL`, from `ivs_store::FileLinks`) are made
/// fresh at every attempt.
pub fn render(v: &Verification, final_: bool, file_urls: &BTreeMap<String, String>, now: i64) -> Value {
    let status = v.status_body(now);
    let file_urls: Map<String, Value> = file_urls
        .iter()
        .map(|(kind, url)| (kind.clone(), json!(url)))
        .collect();
    let data = DataBody {
        data: v.data_object(),
        scan_ref: v.scan_ref.clone(),
        client_id: v.client_id.clone(),
    };
    let external_ref = v
        .token
        .as_map()
        .get("externalRef")
        .cloned()
        .unwrap_or(Value::Null);
    json!({
        "final": final_,
        "platform": "OTHER",
        "status": {
            "overall": status.status,
            "fraudTags": status.fraud_tags,
            "mismatchTags": status.mismatch_tags,
            "autoFace": status.auto_face,
            "manualFace": status.manual_face,
            "autoDocument": status.auto_document,
            "manualDocument": status.manual_document,
            "additionalSteps": null,
        },
        "data": data,
        "fileUrls": file_urls,
        "additionalStepPdfUrls": {},
        "AML": null,
        "amlCheck": null,
        "LID": null,
        "CRIMINAL_CHECK": null,
        "scanRef": v.scan_ref,
        "externalRef": external_ref,
        "clientId": v.client_id,
        "companyId": null,
        "beneficiaryId": null,
        "startTime": v.submitted_at.unwrap_or(v.created_at),
        "finishTime": v.finished_at,
        "clientIp": null,
        "clientIpCountry": null,
        "clientLocation": null,
        "gdcMatch": null,
        "manualAddress": null,
        "manualAddressMatch": null,
        "registryCenterCheck": null,
        "addressVerification": null,
        "questionnaireAnswers": null,
        "riskAssessment": null,
        "bankVerification": null,
        "emailVerification": null,
        "phoneVerification": null,
        "driverLicenseCheck": null,
        "bankCardVerification": null,
        "additionalSteps": null,
    })
}

/// A sample event for `ivs webhooks test`: a plausible approved verification with made-up data.
pub fn sample(now: i64) -> Value {
    json!({
        "final": true,
        "platform": "OTHER",
        "status": {
            "overall": "APPROVED", "fraudTags": [], "mismatchTags": [], "autoFace": "FACE_MATCH",
            "manualFace": null, "autoDocument": "DOC_VALIDATED", "manualDocument": null, "additionalSteps": null,
        },
        "data": {
            "docFirstName": "JOHN", "docLastName": "SAMPLE", "docNumber": "TEST00000", "docType": "PASSPORT",
            "docSex": "UNDEFINED", "fullName": "JOHN SAMPLE", "manuallyDataChanged": false,
            "scanRef": "00000000-0000-4000-8000-000000000000", "clientId": "ivs-webhook-test",
        },
        "fileUrls": {},
        "additionalStepPdfUrls": {},
        "scanRef": "00000000-0000-4000-8000-000000000000",
        "externalRef": null,
        "clientId": "ivs-webhook-test",
        "startTime": now,
        "finishTime": now,
        "clientIp": null,
        "clientIpCountry": null,
        "clientLocation": null,
    })
}
