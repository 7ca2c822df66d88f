use super::*;
use serde_json::json;
use time::macros::date;

fn token(extra: serde_json::Value) -> TokenView {
    let mut base = json!({
        "clientId": "c1", "tokenType": "IDENTIFICATION", "externalRef": null,
        "firstName": null, "lastName": null, "dateOfBirth": null, "dateOfExpiry": null,
        "nationality": null, "personalNumber": null, "documentNumber": null, "sex": null,
        "country": null, "documents": ["ID_CARD", "PASSPORT", "DRIVER_LICENSE", "RESIDENCE_PERMIT"],
        "expiryTime": 3600, "sessionLength": 600, "generateDigitString": false, "callbackUrl": null,
        "reviewSuccessful": false, "reviewFailed": false, "checkDuplicateFaces": false,
        "faceMatchingThresholdModifier": 1.0, "ageLimit": null, "ageMax": null
    });
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    serde_json::from_value(base).unwrap()
}

fn fields() -> DocFields {
    DocFields {
        document_code: "P".into(),
        issuing_country: Some("UT".into()),
        nationality: Some("UT".into()),
        surname: "ERIKSSON".into(),
        given_names: "ANNA MARIA".into(),
        names_truncated: false,
        document_number: "L898902C3".into(),
        personal_code: Some("ZE184226B".into()),
        birth_date: Some(date!(1974 - 08 - 12)),
        expiry_date: Some(date!(2030 - 04 - 15)),
        sex: Some(DocSex::Female),
    }
}

fn facts() -> Facts {
    Facts {
        today: date!(2026 - 11 - 25),
        document: DocFacts {
            read_status: ReadVerdict::DocValidated,
            fields: Some(fields()),
            portrait_found: true,
        },
        face: Some(FaceFacts {
            selfie_faces: 1,
            comparison: FaceStatus::FaceMatch,
            similarity: Some(0.7),
            threshold: 0.45,
        }),
        fraud: FraudFacts::default(),
        selected_document_type: Some(DocumentType::Passport),
    }
}

fn run(f: &Facts, t: &TokenView) -> Decision {
    decide(f, t, &Policy::default())
}

#[test]
fn clean_verification_is_approved_and_final() {
    let d = run(&facts(), &token(json!({})));
    assert_eq!(d.overall, OverallStatus::Approved);
    assert_eq!(d.auto_document, DocumentStatus::DocValidated);
    assert_eq!(d.auto_face, Some(FaceStatus::FaceMatch));
    assert!(d.final_);
    assert!(d.mismatch_tags.is_empty() && d.fraud_tags.is_empty());
    assert_eq!(d.rule, "approved");
}

#[test]
fn document_verdicts_follow_the_documented_precedence() {
    // (mutation, expected autoDocument)
    type Mutate = fn(&mut Facts, &mut TokenView);
    let cases: Vec<(&str, Mutate, DocumentStatus)> = vec![
        (
            "reader problem wins",
            |f, t| {
                f.document.read_status = ReadVerdict::DocTooBlurry;
                t.country = Some("LT".into());
            },
            DocumentStatus::DocTooBlurry,
        ),
        (
            "not allowed before type mismatch",
            |f, t| {
                t.documents = vec![DocumentType::IdCard];
                f.selected_document_type = Some(DocumentType::IdCard);
            },
            DocumentStatus::DocNotAllowed,
        ),
        (
            "type mismatch",
            |f, _| f.selected_document_type = Some(DocumentType::IdCard),
            DocumentStatus::DocTypeMismatch,
        ),
        (
            "ID family is one type",
            |f, _| {
                if let Some(x) = f.document.fields.as_mut() {
                    x.document_code = "I".into();
                }
                f.selected_document_type = Some(DocumentType::ResidencePermit);
            },
            DocumentStatus::DocValidated,
        ),
        (
            "country mismatch before expiry",
            |f, t| {
                t.country = Some("LT".into());
                if let Some(x) = f.document.fields.as_mut() {
                    x.expiry_date = Some(date!(2020 - 01 - 01));
                }
            },
            DocumentStatus::CountryMismatch,
        ),
        (
            "country matches case-insensitively",
            |_, t| t.country = Some("ut".into()),
            DocumentStatus::DocValidated,
        ),
        (
            "expired",
            |f, _| {
                if let Some(x) = f.document.fields.as_mut() {
                    x.expiry_date = Some(date!(2026 - 11 - 24));
                }
            },
            DocumentStatus::DocExpired,
        ),
        (
            "expires today is still valid",
            |f, _| {
                if let Some(x) = f.document.fields.as_mut() {
                    x.expiry_date = Some(date!(2026 - 11 - 25));
                }
            },
            DocumentStatus::DocValidated,
        ),
        (
            "expired before missing portrait",
            |f, _| {
                if let Some(x) = f.document.fields.as_mut() {
                    x.expiry_date = Some(date!(2001 - 01 - 01));
                }
                f.document.portrait_found = false;
            },
            DocumentStatus::DocExpired,
        ),
        (
            "no portrait",
            |f, _| f.document.portrait_found = false,
            DocumentStatus::DocFaceNotFound,
        ),
        (
            "no portrait is fine without a selfie",
            |f, t| {
                f.document.portrait_found = false;
                t.token_type = TokenType::Document;
            },
            DocumentStatus::DocValidated,
        ),
    ];
    for (name, mutate, want) in cases {
        let (mut f, mut t) = (facts(), token(json!({})));
        mutate(&mut f, &mut t);
        let d = run(&f, &t);
        assert_eq!(d.auto_document, want, "{name}");
        if want != DocumentStatus::DocValidated {
            assert_eq!(d.overall, OverallStatus::Denied, "{name}");
            assert_eq!(d.rule, "document-not-validated", "{name}");
        }
    }
}

#[test]
fn expiry_grace_days_extend_validity() {
    let mut f = facts();
    if let Some(x) = f.document.fields.as_mut() {
        x.expiry_date = Some(date!(2026 - 11 - 20));
    }
    let t = token(json!({}));
    assert_eq!(run(&f, &t).auto_document, DocumentStatus::DocExpired);
    let p = Policy {
        expiry_grace_days: 5,
        ..Policy::default()
    };
    assert_eq!(decide(&f, &t, &p).auto_document, DocumentStatus::DocValidated);
    let p = Policy {
        expiry_grace_days: 4,
        ..Policy::default()
    };
    assert_eq!(decide(&f, &t, &p).auto_document, DocumentStatus::DocExpired);
}

#[test]
fn face_verdicts() {
    let cases = [
        (
            1,
            FaceStatus::FaceMatch,
            Some(FaceStatus::FaceMatch),
            OverallStatus::Approved,
        ),
        (
            1,
            FaceStatus::FaceMismatch,
            Some(FaceStatus::FaceMismatch),
            OverallStatus::Denied,
        ),
        (
            1,
            FaceStatus::FaceUncertain,
            Some(FaceStatus::FaceUncertain),
            OverallStatus::Reviewing,
        ),
        (
            1,
            FaceStatus::FaceTooBlurry,
            Some(FaceStatus::FaceTooBlurry),
            OverallStatus::Denied,
        ),
        (
            0,
            FaceStatus::NoFaceFound,
            Some(FaceStatus::NoFaceFound),
            OverallStatus::Denied,
        ),
        (
            2,
            FaceStatus::FaceMatch,
            Some(FaceStatus::TooManyFaces),
            OverallStatus::Denied,
        ),
    ];
    for (faces, cmp, want, overall) in cases {
        let mut f = facts();
        f.face = Some(FaceFacts {
            selfie_faces: faces,
            comparison: cmp,
            similarity: None,
            threshold: 0.45,
        });
        let d = run(&f, &token(json!({})));
        assert_eq!(d.auto_face, want, "{faces} {cmp:?}");
        assert_eq!(d.overall, overall, "{faces} {cmp:?}");
        assert_eq!(d.final_, overall != OverallStatus::Reviewing);
    }
    // Uncertain is denied when the policy does not send it to review.
    let mut f = facts();
    f.face = Some(FaceFacts {
        selfie_faces: 1,
        comparison: FaceStatus::FaceUncertain,
        similarity: None,
        threshold: 0.45,
    });
    let p = Policy {
        review_uncertain_face: false,
        ..Policy::default()
    };
    assert_eq!(decide(&f, &token(json!({})), &p).overall, OverallStatus::Denied);
    // A document-only token has no face verdict.
    let d = run(&facts(), &token(json!({"tokenType": "DOCUMENT"})));
    assert_eq!(d.auto_face, None);
    assert_eq!(d.overall, OverallStatus::Approved);
}

#[test]
fn mismatch_tags_against_token_data() {
    let cases: Vec<(serde_json::Value, Vec<MismatchTag>)> = vec![
        (json!({"firstName": "Anna Maria", "lastName": "Eriksson"}), vec![]),
        (json!({"firstName": "anna-maria", "lastName": "ERIKSSON"}), vec![]),
        (json!({"firstName": "Anne Maria"}), vec![MismatchTag::Name]),
        (json!({"firstName": "Anna"}), vec![MismatchTag::Name]),
        (json!({"lastName": "Erikson"}), vec![MismatchTag::Surname]),
        (
            json!({"firstName": "Eriksson", "lastName": "Anna Maria"}),
            vec![MismatchTag::FullName],
        ),
        (
            json!({"firstName": "John", "lastName": "Smith"}),
            vec![MismatchTag::Name, MismatchTag::Surname, MismatchTag::FullName],
        ),
        (
            json!({"dateOfBirth": "1974-08-12", "dateOfExpiry": "2030-04-15"}),
            vec![],
        ),
        (
            json!({"dateOfBirth": "1974-08-13"}),
            vec![MismatchTag::DateOfBirth],
        ),
        (
            json!({"dateOfExpiry": "2031-04-15"}),
            vec![MismatchTag::ExpiryDate],
        ),
        (json!({"documentNumber": "l898 902-c3"}), vec![]),
        (
            json!({"documentNumber": "L898902C4"}),
            vec![MismatchTag::DocumentNumber],
        ),
        (json!({"personalNumber": "ZE184226B"}), vec![]),
        (
            json!({"personalNumber": "ZE184226C"}),
            vec![MismatchTag::PersonalCode],
        ),
        (json!({"nationality": "UT"}), vec![]),
        (json!({"nationality": "LT"}), vec![MismatchTag::Nationality]),
        (json!({"sex": "F"}), vec![]),
        (json!({"sex": "M"}), vec![MismatchTag::Sex]),
        // 52 years old on 2026-11-25.
        (json!({"ageLimit": 52}), vec![]),
        (json!({"ageLimit": 53}), vec![MismatchTag::UnderAge]),
        (json!({"ageMax": 52}), vec![]),
        (json!({"ageMax": 51}), vec![MismatchTag::OverAge]),
    ];
    for (extra, want) in cases {
        let d = run(&facts(), &token(extra.clone()));
        assert_eq!(d.mismatch_tags, want, "{extra}");
        let overall = if want.is_empty() {
            OverallStatus::Approved
        } else {
            OverallStatus::Suspected
        };
        assert_eq!(d.overall, overall, "{extra}");
    }
    // Unknown birth date with an age limit.
    let mut f = facts();
    if let Some(x) = f.document.fields.as_mut() {
        x.birth_date = None;
    }
    assert_eq!(
        run(&f, &token(json!({"ageLimit": 18}))).mismatch_tags,
        vec![MismatchTag::UnknownAge]
    );
}

#[test]
fn names_transliterate_and_allow_truncation() {
    assert!(name_matches("Jürgen", "JUERGEN", false));
    assert!(name_matches("Jürgen", "JURGEN", false));
    assert!(!name_matches("Jürgen", "JUR", false));
    assert!(name_matches("Maximilian Alexander", "MAXIMILIAN ALEX", true));
    assert!(!name_matches("Maximilian Alexander", "MAXIMILIAN ALEX", false));
    assert!(!name_matches("Max", "MAXIMILIAN", true));
    assert!(name_matches("D'Artagnan", "DARTAGNAN", false));
}

#[test]
fn fraud_tags_and_their_outcomes() {
    let mut f = facts();
    f.fraud.duplicate_faces = vec!["s1".into()];
    let d = run(&f, &token(json!({})));
    assert_eq!(d.fraud_tags, vec![FraudTag::DuplicateFace]);
    assert_eq!(d.overall, OverallStatus::Suspected);
    assert_eq!(d.rule, "duplicate");

    let mut f = facts();
    f.fraud.duplicate_personal_data = vec!["s1".into()];
    f.fraud.duplicate_doc_faces = vec!["s2".into()];
    let d = run(&f, &token(json!({})));
    assert_eq!(
        d.fraud_tags,
        vec![FraudTag::DuplicateDocFace, FraudTag::DuplicatePersonalData]
    );

    let mut f = facts();
    f.fraud.face_blocklisted = vec!["s9".into()];
    let d = run(&f, &token(json!({})));
    assert_eq!(d.fraud_tags, vec![FraudTag::FaceInBlacklist]);
    assert_eq!(d.overall, OverallStatus::Denied);
    assert_eq!(d.rule, "blocklist");
    let p = Policy {
        on_blocklist: OverallStatus::Reviewing,
        ..Policy::default()
    };
    let d = decide(&f, &token(json!({})), &p);
    assert_eq!(d.overall, OverallStatus::Reviewing);
    assert!(!d.final_);
}

#[test]
fn review_switches_send_results_to_a_reviewer() {
    let d = run(&facts(), &token(json!({"reviewSuccessful": true})));
    assert_eq!(d.overall, OverallStatus::Reviewing);
    assert!(!d.final_);
    assert_eq!(d.rule, "approved+review-successful");

    let mut f = facts();
    if let Some(x) = f.document.fields.as_mut() {
        x.expiry_date = Some(date!(2020 - 01 - 01));
    }
    let d = run(&f, &token(json!({"reviewFailed": true})));
    assert_eq!(
        (d.overall, d.auto_document),
        (OverallStatus::Reviewing, DocumentStatus::DocExpired)
    );
    let p = Policy {
        review_failed: true,
        ..Policy::default()
    };
    assert_eq!(
        decide(&f, &token(json!({})), &p).overall,
        OverallStatus::Reviewing
    );
    // Suspected results go to review too.
    let d = run(&facts(), &token(json!({"firstName": "X", "reviewFailed": true})));
    assert_eq!(d.overall, OverallStatus::Reviewing);
    // A mismatch policy of DENIED.
    let p = Policy {
        on_mismatch: OverallStatus::Denied,
        ..Policy::default()
    };
    assert_eq!(
        decide(&facts(), &token(json!({"firstName": "X"})), &p).overall,
        OverallStatus::Denied
    );
}

#[test]
fn policy_files_are_checked() {
    let p: Policy = serde_json::from_value(json!({"on_mismatch": "DENIED"})).unwrap();
    assert_eq!(p.clone().validate().unwrap().on_mismatch, OverallStatus::Denied);
    let p: Policy = serde_json::from_value(json!({"on_mismatch": "ACTIVE"})).unwrap();
    assert!(p.validate().is_err());
    assert!(serde_json::from_value::<Policy>(json!({"no_such_rule": true})).is_err());
}

#[test]
fn data_carries_only_mrz_fields() {
    let d = fields().data(Some("UT"));
    assert_eq!(d.doc_first_name.as_deref(), Some("ANNA MARIA"));
    assert_eq!(d.doc_last_name.as_deref(), Some("ERIKSSON"));
    assert_eq!(d.full_name.as_deref(), Some("ANNA MARIA ERIKSSON"));
    assert_eq!(d.doc_dob.as_deref(), Some("1974-08-12"));
    assert_eq!(d.doc_expiry.as_deref(), Some("2030-04-15"));
    assert_eq!(d.doc_type, Some(DocumentType::Passport));
    assert_eq!(d.doc_sex, Some(DocSex::Female));
    assert_eq!(d.manually_data_changed, Some(false));
    assert_eq!(d.selected_country.as_deref(), Some("UT"));
    for none in [
        &d.doc_date_of_issue,
        &d.birth_place,
        &d.authority,
        &d.address,
        &d.org_first_name,
        &d.org_last_name,
    ] {
        assert!(none.is_none());
    }
}

#[test]
fn manual_verdicts() {
    let p = Policy::default();
    let ok = manual_overall(
        DocumentStatus::DocValidated,
        Some(FaceStatus::FaceMatch),
        &[],
        &[],
        &p,
    );
    assert_eq!(ok, OverallStatus::Approved);
    let no = manual_overall(DocumentStatus::DocFake, Some(FaceStatus::FaceMatch), &[], &[], &p);
    assert_eq!(no, OverallStatus::Denied);
    let sus = manual_overall(
        DocumentStatus::DocValidated,
        Some(FaceStatus::FaceMatch),
        &[MismatchTag::Name],
        &[],
        &p,
    );
    assert_eq!(sus, OverallStatus::Suspected);
}

#[test]
fn read_verdicts_are_the_reader_statuses_and_serialise_as_them() {
    for v in [
        ReadVerdict::DocValidated,
        ReadVerdict::MrzOcrReadingError,
        ReadVerdict::DocError,
    ] {
        assert_eq!(ReadVerdict::from_status(v.status()), Some(v));
        assert_eq!(
            serde_json::to_value(v).unwrap(),
            serde_json::json!(v.status().as_str())
        );
    }
    for decided in [
        DocumentStatus::DocExpired,
        DocumentStatus::DocNotAllowed,
        DocumentStatus::CountryMismatch,
        DocumentStatus::DocTypeMismatch,
    ] {
        assert_eq!(ReadVerdict::from_status(decided), None);
    }
}
