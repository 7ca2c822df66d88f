//! Face detection, alignment, embedding, matching and 1:N search.
//!
//! * [`decode_rgb`]: image bytes → RGB with decoding limits and EXIF orientation.
//! * [`FaceEngine`]: YuNet (detection + 5 landmarks) and SFace (128-d embedding) on tract,
//!   loaded once per process from [`ModelPaths`] and shared by workers.
//! * [`compare`] / [`MatchPolicy`]: cosine similarity → iDenfy `faceStatus`, with the calibrated
//!   threshold, a grey band and `faceMatchingThresholdModifier`.
//! * [`Quality`] (blur, glare) and [`PadEvidence`] (presentation-attack heuristics, evidence only).
//! * [`FaceIndex`]: per-partner exact duplicate search over int8-quantised embeddings.
#![forbid(unsafe_code)]

mod align;
mod decode;
mod detect;
mod embedding;
mod engine;
mod error;
mod fold;
mod index;
mod matching;
#[cfg(test)]
mod model_tests;
#[cfg(feature = "onnxruntime")]
mod ort_backend;
pub mod pad;
mod quality;

pub use align::{ALIGNED, AlignedFace, align};
pub use decode::{DecodeLimits, decode_rgb};
pub use detect::{DetectOptions, DetectedFace, SmallFacePass};
pub use embedding::{EMBEDDING_DIM, Embedding};
pub use engine::{
    Backend, DETECTOR_FILE, FaceAnalysis, FaceEngine, ModelPaths, PrimaryFace, RECOGNIZER_FILE, StageTimes,
};
pub use error::FaceError;
pub use image::Rgb;
pub use image::RgbImage;
pub use index::{FaceIndex, Hit, QuantizedEmbedding};
pub use matching::{
    Comparison, DEFAULT_GREY_BAND, DEFAULT_THRESHOLD, FaceStatus, MODIFIER_RANGE, MatchPolicy,
    THRESHOLD_RANGE, Thresholds, compare,
};
pub use pad::PadEvidence;
pub use quality::{Quality, QualityPolicy};
