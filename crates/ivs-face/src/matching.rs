//! Verdicts: threshold, grey band, `faceMatchingThresholdModifier`, quality gates.
use crate::engine::PrimaryFace;
use crate::quality::QualityPolicy;
use serde::Serialize;

/// Default cosine threshold for `FACE_MATCH`, calibrated on labelled photos for a KYC operating
/// point (no false match; see docs/face.md for the data, the ROC and the reasoning).
pub const DEFAULT_THRESHOLD: f32 = 0.45;
/// Width of the grey band below the threshold in which the answer is `FACE_UNCERTAIN`.
pub const DEFAULT_GREY_BAND: f32 = 0.08;
/// Accepted range of `faceMatchingThresholdModifier`; values outside are clamped.
pub const MODIFIER_RANGE: (f32, f32) = (0.5, 1.5);
/// The effective threshold never leaves this range, whatever the modifier.
pub const THRESHOLD_RANGE: (f32, f32) = (0.2, 0.9);

/// iDenfy `faceStatus` values produced by the engine. `TooManyFaces` is decided by the pipeline
/// (it knows which image is the selfie) and is listed so every value has one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FaceStatus {
    FaceMatch,
    FaceMismatch,
    FaceUncertain,
    NoFaceFound,
    TooManyFaces,
    FaceTooBlurry,
    FaceGlared,
}

impl FaceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FaceStatus::FaceMatch => "FACE_MATCH",
            FaceStatus::FaceMismatch => "FACE_MISMATCH",
            FaceStatus::FaceUncertain => "FACE_UNCERTAIN",
            FaceStatus::NoFaceFound => "NO_FACE_FOUND",
            FaceStatus::TooManyFaces => "TOO_MANY_FACES",
            FaceStatus::FaceTooBlurry => "FACE_TOO_BLURRY",
            FaceStatus::FaceGlared => "FACE_GLARED",
        }
    }
}

/// How similarities become verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchPolicy {
    /// Cosine similarity at or above which two faces match (before the modifier).
    pub threshold: f32,
    /// Below `threshold - grey_band` the faces do not match; in between the answer is uncertain.
    pub grey_band: f32,
    pub quality: QualityPolicy,
}

impl Default for MatchPolicy {
    fn default() -> Self {
        MatchPolicy {
            threshold: DEFAULT_THRESHOLD,
            grey_band: DEFAULT_GREY_BAND,
            quality: QualityPolicy::default(),
        }
    }
}

/// The thresholds in force for one comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Thresholds {
    /// Similarity ≥ this: `FACE_MATCH`.
    pub matched: f32,
    /// Similarity < this: `FACE_MISMATCH`; in `[mismatch, matched)`: `FACE_UNCERTAIN`.
    pub mismatch: f32,
}

impl MatchPolicy {
    /// Applies iDenfy's `faceMatchingThresholdModifier` (default 1.0). The modifier
    /// **multiplies** the match threshold: 1.2 asks for 20% more similarity (stricter, fewer
    /// false matches), 0.8 for 20% less (looser). It is clamped to [`MODIFIER_RANGE`], a
    /// non-finite value counts as 1.0, and the result is clamped to [`THRESHOLD_RANGE`]. The grey
    /// band keeps its width below the moved threshold.
    pub fn thresholds(&self, modifier: f32) -> Thresholds {
        let m = if modifier.is_finite() {
            modifier.clamp(MODIFIER_RANGE.0, MODIFIER_RANGE.1)
        } else {
            1.0
        };
        let matched = (self.threshold * m).clamp(THRESHOLD_RANGE.0, THRESHOLD_RANGE.1);
        Thresholds {
            matched,
            mismatch: (matched - self.grey_band.max(0.0)).max(0.0),
        }
    }

    /// The verdict for a similarity, ignoring quality.
    pub fn verdict(&self, similarity: f32, modifier: f32) -> (FaceStatus, Option<bool>) {
        let t = self.thresholds(modifier);
        if similarity >= t.matched {
            (FaceStatus::FaceMatch, Some(true))
        } else if similarity < t.mismatch {
            (FaceStatus::FaceMismatch, Some(false))
        } else {
            (FaceStatus::FaceUncertain, None)
        }
    }
}

/// The result of comparing the primary faces of two images.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    /// Cosine similarity, when both images have a face.
    pub similarity: Option<f32>,
    /// The match threshold in force (after the modifier).
    pub threshold: f32,
    /// `true`/`false` for match/mismatch; `None` when uncertain or not comparable.
    #[serde(rename = "match")]
    pub matched: Option<bool>,
    #[serde(rename = "faceStatus")]
    pub status: FaceStatus,
}

/// Compares two analysed faces. Order of checks: a missing face gives `NO_FACE_FOUND`; then
/// glare (`FACE_GLARED`) and blur (`FACE_TOO_BLURRY`) on either face make the result unusable
/// (`match` is `None`, the similarity is still reported for reviewers); otherwise the similarity
/// is judged by [`MatchPolicy::verdict`].
pub fn compare(
    a: Option<&PrimaryFace>,
    b: Option<&PrimaryFace>,
    policy: &MatchPolicy,
    modifier: f32,
) -> Comparison {
    let threshold = policy.thresholds(modifier).matched;
    let (Some(a), Some(b)) = (a, b) else {
        return Comparison {
            similarity: None,
            threshold,
            matched: None,
            status: FaceStatus::NoFaceFound,
        };
    };
    let similarity = a.embedding.cosine(&b.embedding);
    let qp = &policy.quality;
    let status_if_bad = if a.quality.glare > qp.max_glare || b.quality.glare > qp.max_glare {
        Some(FaceStatus::FaceGlared)
    } else if a.quality.sharpness < qp.min_sharpness || b.quality.sharpness < qp.min_sharpness {
        Some(FaceStatus::FaceTooBlurry)
    } else {
        None
    };
    if let Some(status) = status_if_bad {
        return Comparison {
            similarity: Some(similarity),
            threshold,
            matched: None,
            status,
        };
    }
    let (status, matched) = policy.verdict(similarity, modifier);
    Comparison {
        similarity: Some(similarity),
        threshold,
        matched,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifier_scales_the_threshold_and_is_clamped() {
        let p = MatchPolicy {
            threshold: 0.4,
            grey_band: 0.08,
            ..MatchPolicy::default()
        };
        assert!((p.thresholds(1.0).matched - 0.4).abs() < 1e-6);
        assert!((p.thresholds(1.25).matched - 0.5).abs() < 1e-6);
        assert!((p.thresholds(0.75).matched - 0.3).abs() < 1e-6);
        // Clamped to the modifier range.
        assert_eq!(p.thresholds(100.0), p.thresholds(1.5));
        assert_eq!(p.thresholds(0.0), p.thresholds(0.5));
        assert_eq!(p.thresholds(-3.0), p.thresholds(0.5));
        assert_eq!(p.thresholds(f32::NAN), p.thresholds(1.0));
        // Grey band keeps its width.
        let t = p.thresholds(1.25);
        assert!((t.matched - t.mismatch - 0.08).abs() < 1e-6);
        // The effective threshold stays in its range even for an extreme base.
        let strict = MatchPolicy { threshold: 0.8, ..p };
        assert_eq!(strict.thresholds(1.5).matched, THRESHOLD_RANGE.1);
    }

    #[test]
    fn verdicts_follow_the_thresholds_and_the_grey_band() {
        let p = MatchPolicy {
            threshold: 0.4,
            grey_band: 0.08,
            ..MatchPolicy::default()
        };
        assert_eq!(p.verdict(0.41, 1.0), (FaceStatus::FaceMatch, Some(true)));
        assert_eq!(p.verdict(0.40, 1.0), (FaceStatus::FaceMatch, Some(true)));
        assert_eq!(p.verdict(0.35, 1.0), (FaceStatus::FaceUncertain, None));
        assert_eq!(p.verdict(0.31, 1.0), (FaceStatus::FaceMismatch, Some(false)));
        // A stricter modifier turns the same similarity into a non-match.
        assert_eq!(p.verdict(0.41, 1.25), (FaceStatus::FaceMismatch, Some(false)));
        assert_eq!(p.verdict(0.45, 1.25), (FaceStatus::FaceUncertain, None));
        // A looser one turns an uncertain similarity into a match.
        assert_eq!(p.verdict(0.35, 0.8), (FaceStatus::FaceMatch, Some(true)));
    }

    #[test]
    fn statuses_serialise_as_idenfy_values() {
        for s in [
            FaceStatus::FaceMatch,
            FaceStatus::FaceMismatch,
            FaceStatus::FaceUncertain,
            FaceStatus::NoFaceFound,
            FaceStatus::TooManyFaces,
            FaceStatus::FaceTooBlurry,
            FaceStatus::FaceGlared,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.as_str()));
        }
    }
}
