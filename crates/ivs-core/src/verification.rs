//! The verification and its life: phases, what a client sees at a moment (`/status`, `/data`),
//! and the rules for moving between phases. The store keeps verifications as rows and converts
//! them into [`Verification`]; every rendering of a verification starts here.
//!
//! ```text
//! ISSUED ──submit──▶ PROCESSING ──result──▶ DONE ──delete──▶ DELETED
//!   │                                        ▲ │
//!   ├──expire / cancel / sandbox result──────┘ └──manual result (REVIEWING → decided)
//!   └──delete (once expired)──────────────────────────────────▶ DELETED
//! ```
use crate::policy::VerificationResult;
use crate::token::TokenSettings;
use crate::vocab::{DocumentStatus, DocumentType, FaceStatus, FraudTag, MismatchTag, OverallStatus};
use crate::wire::{DataBody, DocData, StatusBody};

/// Where a verification is in its life. The overall status a client sees is derived from the
/// phase and the stored result (see [`Verification::effective_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Token issued, nothing submitted yet.
    Issued,
    /// Images submitted; analysis queued or running.
    Processing,
    /// A result exists (automatic, possibly awaiting or after manual review).
    Done,
    /// Files and personal data deleted; a tombstone remains.
    Deleted,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Issued => "ISSUED",
            Phase::Processing => "PROCESSING",
            Phase::Done => "DONE",
            Phase::Deleted => "DELETED",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ISSUED" => Some(Phase::Issued),
            "PROCESSING" => Some(Phase::Processing),
            "DONE" => Some(Phase::Done),
            "DELETED" => Some(Phase::Deleted),
            _ => None,
        }
    }
}

/// Why a token cannot be used to submit images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUnusable {
    /// Past the token's expiry or the started session's length.
    Expired,
    /// Images were submitted already (or the session ended otherwise).
    Used,
}

/// What `/api/v2/delete` may do with a verification at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    /// Deleted already: nothing to do.
    AlreadyDeleted,
    /// Still active, being processed or awaiting review: it cannot be deleted yet.
    NotYet,
    /// Delete, leaving a tombstone with this status (`DELETED` or `EXPIRED-DELETED`).
    Tombstone(OverallStatus),
}

/// One verification: the token's settings, where it is in its life and its results.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub scan_ref: String,
    pub partner_id: String,
    pub client_id: String,
    pub auth_token: String,
    pub digit_string: Option<String>,
    pub phase: Phase,
    pub status: OverallStatus,
    pub token: TokenSettings,
    pub auto_document: Option<DocumentStatus>,
    pub auto_face: Option<FaceStatus>,
    pub manual_document: Option<DocumentStatus>,
    pub manual_face: Option<FaceStatus>,
    pub fraud_tags: Vec<FraudTag>,
    pub mismatch_tags: Vec<MismatchTag>,
    pub data: Option<DocData>,
    pub selected_country: Option<String>,
    pub document_type: Option<DocumentType>,
    pub created_at: i64,
    pub expires_at: i64,
    pub submitted_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub deleted_at: Option<i64>,
    /// When the user opened the capture page (the session started).
    pub started_at: Option<i64>,
    /// `started_at + sessionLength`: an unsubmitted started session expires then.
    pub session_ends_at: Option<i64>,
}

impl Verification {
    /// A verification that exists only in memory, decided at `now`: what `ivs verify` reports
    /// when it runs the analysis on files without a store (it has no scanRef).
    pub fn unstored(token: TokenSettings, client_id: String, result: VerificationResult, now: i64) -> Self {
        Verification {
            scan_ref: String::new(),
            partner_id: String::new(),
            client_id,
            auth_token: String::new(),
            digit_string: None,
            phase: Phase::Done,
            status: result.status,
            token,
            auto_document: result.auto_document,
            auto_face: result.auto_face,
            manual_document: result.manual_document,
            manual_face: result.manual_face,
            fraud_tags: result.fraud_tags,
            mismatch_tags: result.mismatch_tags,
            data: Some(result.data),
            selected_country: None,
            document_type: None,
            created_at: now,
            expires_at: now,
            submitted_at: Some(now),
            finished_at: Some(now),
            deleted_at: None,
            started_at: None,
            session_ends_at: None,
        }
    }

    /// Whether the token can still be used to submit images at `now`.
    pub fn token_usable(&self, now: i64) -> bool {
        self.submittable(now).is_ok()
    }

    /// Whether images may be submitted at `now`, and if not, why.
    pub fn submittable(&self, now: i64) -> Result<(), TokenUnusable> {
        match self.phase {
            Phase::Issued if !self.past_deadline(now) => Ok(()),
            Phase::Issued => Err(TokenUnusable::Expired),
            _ => Err(TokenUnusable::Used),
        }
    }

    /// Whether `now` is past the token's expiry or the started session's length.
    pub fn past_deadline(&self, now: i64) -> bool {
        now >= self.expires_at || self.session_ends_at.is_some_and(|end| now >= end)
    }

    /// The overall status at `now`: `ACTIVE` until a result exists; an unused token past its
    /// expiry reads as `EXPIRED` even before the lifecycle worker records it.
    pub fn effective_status(&self, now: i64) -> OverallStatus {
        match self.phase {
            Phase::Issued if self.past_deadline(now) => OverallStatus::Expired,
            Phase::Issued | Phase::Processing => OverallStatus::Active,
            Phase::Done | Phase::Deleted => self.status,
        }
    }

    /// What `/api/v2/delete` may do at `now`: only a finished or expired verification is
    /// deleted, and one that expired unused leaves `EXPIRED-DELETED`.
    pub fn deletion(&self, now: i64) -> Deletion {
        match (self.phase, self.effective_status(now)) {
            (Phase::Deleted, _) => Deletion::AlreadyDeleted,
            (Phase::Issued | Phase::Done, OverallStatus::Expired) => {
                Deletion::Tombstone(OverallStatus::ExpiredDeleted)
            }
            (Phase::Done, OverallStatus::Reviewing) | (Phase::Issued | Phase::Processing, _) => {
                Deletion::NotYet
            }
            (Phase::Done, _) => Deletion::Tombstone(OverallStatus::Deleted),
        }
    }

    /// `/api/v2/status` at `now`: the one rendering of a verification's status (the webhook's
    /// `status` object, the review API and `ivs policy explain` derive from it).
    pub fn status_body(&self, now: i64) -> StatusBody {
        StatusBody {
            status: self.effective_status(now),
            scan_ref: self.scan_ref.clone(),
            client_id: self.client_id.clone(),
            auto_document: self.auto_document,
            auto_face: self.auto_face,
            manual_document: self.manual_document,
            manual_face: self.manual_face,
            fraud_tags: self.fraud_tags.clone(),
            mismatch_tags: self.mismatch_tags.clone(),
        }
    }

    /// The `/data` object: the analysed data when there is one; before that only what the
    /// session itself knows (the country the user selected).
    pub fn data_object(&self) -> DocData {
        match (&self.data, self.phase) {
            (_, Phase::Deleted) => DocData::default(),
            (Some(d), _) => d.clone(),
            (None, _) => DocData {
                selected_country: self.selected_country.clone(),
                ..DocData::default()
            },
        }
    }

    /// `/api/v2/data`: the data object with `scanRef` and `clientId` (also the webhook's `data`).
    pub fn data_body(&self) -> DataBody {
        DataBody {
            data: self.data_object(),
            scan_ref: self.scan_ref.clone(),
            client_id: self.client_id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::validate_token_request;
    use serde_json::json;

    fn issued(expires_at: i64) -> Verification {
        let token = validate_token_request(&json!({"clientId": "c"}), &serde_json::Map::new()).unwrap();
        let mut v = Verification::unstored(
            token,
            "c".into(),
            VerificationResult::failure(crate::vocab::TokenType::Identification, None),
            0,
        );
        v.phase = Phase::Issued;
        v.status = OverallStatus::Active;
        v.expires_at = expires_at;
        v
    }

    #[test]
    fn an_issued_token_is_usable_until_its_deadline() {
        let mut v = issued(100);
        assert_eq!(v.submittable(99), Ok(()));
        assert_eq!(v.effective_status(99), OverallStatus::Active);
        assert_eq!(v.submittable(100), Err(TokenUnusable::Expired));
        assert_eq!(v.effective_status(100), OverallStatus::Expired);
        v.session_ends_at = Some(50);
        assert_eq!(v.submittable(50), Err(TokenUnusable::Expired));
        v.phase = Phase::Processing;
        assert_eq!(v.submittable(10), Err(TokenUnusable::Used));
        assert_eq!(v.effective_status(10), OverallStatus::Active);
    }

    #[test]
    fn deletion_follows_the_phase() {
        let mut v = issued(100);
        assert_eq!(v.deletion(10), Deletion::NotYet);
        assert_eq!(
            v.deletion(100),
            Deletion::Tombstone(OverallStatus::ExpiredDeleted)
        );
        v.phase = Phase::Done;
        v.status = OverallStatus::Reviewing;
        assert_eq!(v.deletion(10), Deletion::NotYet);
        v.status = OverallStatus::Approved;
        assert_eq!(v.deletion(10), Deletion::Tombstone(OverallStatus::Deleted));
        v.status = OverallStatus::Expired;
        assert_eq!(v.deletion(10), Deletion::Tombstone(OverallStatus::ExpiredDeleted));
        v.phase = Phase::Deleted;
        assert_eq!(v.deletion(10), Deletion::AlreadyDeleted);
    }

    #[test]
    fn data_before_analysis_is_the_selected_country_and_nothing_after_deletion() {
        let mut v = issued(100);
        v.data = None;
        v.selected_country = Some("LT".into());
        assert_eq!(v.data_object().selected_country.as_deref(), Some("LT"));
        v.phase = Phase::Deleted;
        assert_eq!(v.data_object(), DocData::default());
    }
}
