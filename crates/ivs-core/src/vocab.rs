//! The iDenfy v2 vocabulary: every enum value that crosses the wire (idenfy-v2-wire §4).
//!
//! Values serialise exactly as iDenfy spells them. Lists are complete so that data written by a
//! later version (or a reviewer) always round-trips.
use serde::{Deserialize, Serialize};

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            /// Every value, in the order of the reference.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire,)+ }
            }

            /// Parses the wire spelling (exact, case-sensitive).
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// Overall verification status (§4.1).
    OverallStatus {
        Approved = "APPROVED",
        Denied = "DENIED",
        Suspected = "SUSPECTED",
        Reviewing = "REVIEWING",
        Expired = "EXPIRED",
        Active = "ACTIVE",
        Deleted = "DELETED",
        Archived = "ARCHIVED",
        ExpiredDeleted = "EXPIRED-DELETED",
    }
);

wire_enum!(
    /// Face check values for `autoFace` / `manualFace` (§4.2).
    FaceStatus {
        FaceMatch = "FACE_MATCH",
        FaceNotChecked = "FACE_NOT_CHECKED",
        FaceMismatch = "FACE_MISMATCH",
        NoFaceFound = "NO_FACE_FOUND",
        TooManyFaces = "TOO_MANY_FACES",
        FaceTooBlurry = "FACE_TOO_BLURRY",
        FaceGlared = "FACE_GLARED",
        FaceUncertain = "FACE_UNCERTAIN",
        FaceNotAnalysed = "FACE_NOT_ANALYSED",
        FaceError = "FACE_ERROR",
        AutoUnverifiable = "AUTO_UNVERIFIABLE",
        FakeFace = "FAKE_FACE",
    }
);

wire_enum!(
    /// Document check values for `autoDocument` / `manualDocument` (§4.3).
    DocumentStatus {
        DocValidated = "DOC_VALIDATED",
        DocInfoMismatch = "DOC_INFO_MISMATCH",
        DocNotFound = "DOC_NOT_FOUND",
        DocNotFullyVisible = "DOC_NOT_FULLY_VISIBLE",
        DocFaceNotFound = "DOC_FACE_NOT_FOUND",
        DocTooBlurry = "DOC_TOO_BLURRY",
        DocGlared = "DOC_GLARED",
        DocFaceGlared = "DOC_FACE_GLARED",
        MrzNotFound = "MRZ_NOT_FOUND",
        MrzOcrReadingError = "MRZ_OCR_READING_ERROR",
        BarcodeNotFound = "BARCODE_NOT_FOUND",
        DocExpired = "DOC_EXPIRED",
        DocNotSupported = "DOC_NOT_SUPPORTED",
        CountryNotSupported = "COUNTRY_NOT_SUPPORTED",
        CountryMismatch = "COUNTRY_MISMATCH",
        DocTypeMismatch = "DOC_TYPE_MISMATCH",
        DocSubtypeMismatch = "DOC_SUBTYPE_MISMATCH",
        DocSideMismatch = "DOC_SIDE_MISMATCH",
        DocDamaged = "DOC_DAMAGED",
        DocFake = "DOC_FAKE",
        DocPersonalCodeInvalid = "DOC_PERSONAL_CODE_INVALID",
        DocNotAllowed = "DOC_NOT_ALLOWED",
        DocNameError = "DOC_NAME_ERROR",
        DocSurnameError = "DOC_SURNAME_ERROR",
        DocExpiryError = "DOC_EXPIRY_ERROR",
        DocDobError = "DOC_DOB_ERROR",
        DocPersonalNumberError = "DOC_PERSONAL_NUMBER_ERROR",
        DocNumberError = "DOC_NUMBER_ERROR",
        DocDateOfIssueError = "DOC_DATE_OF_ISSUE_ERROR",
        DocSexError = "DOC_SEX_ERROR",
        DocNationalityError = "DOC_NATIONALITY_ERROR",
        DocNotAnalysed = "DOC_NOT_ANALYSED",
        DocError = "DOC_ERROR",
        AutoUnverifiable = "AUTO_UNVERIFIABLE",
        DocSpoofDetected = "DOC_SPOOF_DETECTED",
        MrzInvalid = "MRZ_INVALID",
        EidFailed = "EID_FAILED",
        NfcInitFailed = "NFC_INIT_FAILED",
        NfcFailed = "NFC_FAILED",
        NfcTimeout = "NFC_TIMEOUT",
    }
);

wire_enum!(
    /// Fraud tags (§4.4).
    FraudTag {
        FaceInBlacklist = "FACE_IN_BLACKLIST",
        DocFaceInBlacklist = "DOC_FACE_IN_BLACKLIST",
        DataBlacklisted = "DATA_BLACKLISTED",
        DataInBlacklist = "DATA_IN_BLACKLIST",
        DuplicateFace = "DUPLICATE_FACE",
        DuplicateDocFace = "DUPLICATE_DOC_FACE",
        DuplicatePersonalData = "DUPLICATE_PERSONAL_DATA",
        VirtualCamera = "VIRTUAL_CAMERA",
        AddressUnverified = "ADDRESS_UNVERIFIED",
        PortraitSubstitution = "PORTRAIT_SUBSTITUTION",
        FaceSuspected = "FACE_SUSPECTED",
        FaceBlacklisted = "FACE_BLACKLISTED",
        DocFaceBlacklisted = "DOC_FACE_BLACKLISTED",
        DocMobilePhoto = "DOC_MOBILE_PHOTO",
        DevToolsOpened = "DEV_TOOLS_OPENED",
        DocPrintSpoofed = "DOC_PRINT_SPOOFED",
        FakePhoto = "FAKE_PHOTO",
        AmlSuspection = "AML_SUSPECTION",
        AmlFailed = "AML_FAILED",
        LidSuspection = "LID_SUSPECTION",
        LidFailed = "LID_FAILED",
        SanctionsSuspection = "SANCTIONS_SUSPECTION",
        SanctionsFailed = "SANCTIONS_FAILED",
        CriminalSuspected = "CRIMINAL_SUSPECTED",
        CriminalCheckFailed = "CRIMINAL_CHECK_FAILED",
        RcFailed = "RC_FAILED",
        DlFailed = "DL_FAILED",
        AutoUnverifiable = "AUTO_UNVERIFIABLE",
    }
);

wire_enum!(
    /// Mismatch tags (§4.5).
    MismatchTag {
        Name = "NAME",
        Surname = "SURNAME",
        DocumentNumber = "DOCUMENT_NUMBER",
        PersonalCode = "PERSONAL_CODE",
        ExpiryDate = "EXPIRY_DATE",
        DateOfBirth = "DATE_OF_BIRTH",
        DateOfIssue = "DATE_OF_ISSUE",
        Nationality = "NATIONALITY",
        Sex = "SEX",
        FullName = "FULL_NAME",
        DocInfoMismatch = "DOC_INFO_MISMATCH",
        UnderAge = "UNDER_AGE",
        OverAge = "OVER_AGE",
        UnknownAge = "UNKNOWN_AGE",
        UtilityAddress = "UTILITY_ADDRESS",
        UtilityName = "UTILITY_NAME",
        ExpiredUtilityBill = "EXPIRED_UTILITY_BILL",
        InvalidAdditionalStep = "INVALID_ADDITIONAL_STEP",
        AdditionalStepNotFound = "ADDITIONAL_STEP_NOT_FOUND",
        AdditionalStepInformationMismatch = "ADDITIONAL_STEP_INFORMATION_MISMATCH",
        ExpiredAdditionalStepInformation = "EXPIRED_ADDITIONAL_STEP_INFORMATION",
        RegistryCenterInfoMismatch = "REGISTRY_CENTER_INFO_MISMATCH",
        DriverLicenseInfoMismatch = "DRIVER_LICENSE_INFO_MISMATCH",
        NotSupportedPoaDocumentType = "NOT_SUPPORTED_POA_DOCUMENT_TYPE",
        NotSupportedPoaDocumentCountry = "NOT_SUPPORTED_POA_DOCUMENT_COUNTRY",
        PoaCountriesMismatch = "POA_COUNTRIES_MISMATCH",
        PoaScreenshotDetected = "POA_SCREENSHOT_DETECTED",
    }
);

wire_enum!(
    /// Document types (§4.6).
    DocumentType {
        IdCard = "ID_CARD",
        Passport = "PASSPORT",
        ResidencePermit = "RESIDENCE_PERMIT",
        DriverLicense = "DRIVER_LICENSE",
        PanCard = "PAN_CARD",
        Aadhaar = "AADHAAR",
        Visa = "VISA",
        NationalPassport = "NATIONAL_PASSPORT",
        ProvisionalDriverLicense = "PROVISIONAL_DRIVER_LICENSE",
        OldIdCard = "OLD_ID_CARD",
        MilitaryCard = "MILITARY_CARD",
        AddressCard = "ADDRESS_CARD",
        SmartId = "SMART_ID",
        Clear = "CLEAR",
        OneId = "ONE_ID",
        BankIdSe = "BANK_ID_SE",
        BankIdNo = "BANK_ID_NO",
        BankIdCz = "BANK_ID_CZ",
        Ftn = "FTN",
        MitId = "MIT_ID",
        Verimi = "VERIMI",
        LaWallet = "LA_WALLET",
        SamsungWallet = "SAMSUNG_WALLET",
        MojeIdCz = "MOJE_ID_CZ",
        YotiId = "YOTI_ID",
        Other = "OTHER",
        BorderCrossing = "BORDER_CROSSING",
        Asylum = "ASYLUM",
        PhotoCard = "PHOTO_CARD",
        ProofOfAgeCard = "PROOF_OF_AGE_CARD",
        TravelCard = "TRAVEL_CARD",
        SocialSecurityCard = "SOCIAL_SECURITY_CARD",
        VoterCard = "VOTER_CARD",
        DiplomaticId = "DIPLOMATIC_ID",
        WorkPermit = "WORK_PERMIT",
        InternationalPassport = "INTERNATIONAL_PASSPORT",
    }
);

impl DocumentType {
    /// The four types direct processing (`/api/v2/process`) accepts, which are also the token default.
    pub const DIRECT: [DocumentType; 4] = [
        DocumentType::IdCard,
        DocumentType::Passport,
        DocumentType::DriverLicense,
        DocumentType::ResidencePermit,
    ];
}

wire_enum!(
    /// Token types (§2.1). The legacy video-call types are understood but not offered by ivs.
    TokenType {
        Identification = "IDENTIFICATION",
        Document = "DOCUMENT",
        VideoCall = "VIDEO_CALL",
        VideoCallPhotos = "VIDEO_CALL_PHOTOS",
        VideoCallIdentification = "VIDEO_CALL_IDENTIFICATION",
    }
);

wire_enum!(
    /// Sex as the document data carries it (§4.8).
    DocSex {
        Male = "MALE",
        Female = "FEMALE",
        Undefined = "UNDEFINED",
    }
);

wire_enum!(
    /// Capture platform (§3.5).
    Platform {
        Pc = "PC",
        Mobile = "MOBILE",
        Tablet = "TABLET",
        MobileApp = "MOBILE_APP",
        MobileSdk = "MOBILE_SDK",
        Other = "OTHER",
    }
);

wire_enum!(
    /// Image slots of a verification (§4.7; direct-processing keys).
    FileKind {
        Front = "FRONT",
        Back = "BACK",
        Face = "FACE",
        UtilityBill = "UTILITY_BILL",
        PassportCover = "PASSPORT_COVER",
    }
);

wire_enum!(
    /// Webhook event types (§3.1).
    EventType {
        IdentificationAutoFinished = "IDENTIFICATION_AUTO_FINISHED",
        IdentificationManualFinished = "IDENTIFICATION_MANUAL_FINISHED",
        IdentificationExpired = "IDENTIFICATION_EXPIRED",
        IdentificationCancelled = "IDENTIFICATION_CANCELLED",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_spelling_round_trips_through_serde() {
        for s in OverallStatus::ALL {
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<OverallStatus>(&json).unwrap(), *s);
        }
        assert_eq!(OverallStatus::ExpiredDeleted.as_str(), "EXPIRED-DELETED");
        assert_eq!(
            DocumentStatus::parse("DOC_INFO_MISMATCH"),
            Some(DocumentStatus::DocInfoMismatch)
        );
        assert_eq!(
            FaceStatus::parse("FACE_NOT_FOUND"),
            None,
            "iDenfy spells it NO_FACE_FOUND"
        );
        assert_eq!(DocumentStatus::ALL.len(), 40);
        assert_eq!(FaceStatus::ALL.len(), 12);
    }
}
