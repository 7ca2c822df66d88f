//! The one error type of `ivs-face`.
use std::path::PathBuf;

/// Everything that can go wrong in the face engine. Messages never contain image content or
/// personal data; they name files, sizes and causes only.
#[derive(Debug, thiserror::Error)]
pub enum FaceError {
    /// A model file is not where the configuration says it is.
    #[error(
        "face model file {} is missing: run scripts/setup.sh (or point IVS_MODELS_DIR at the models directory)",
        path.display()
    )]
    ModelMissing { path: PathBuf },
    /// A model file exists but could not be parsed, folded or optimised.
    #[error("face model {} could not be loaded: {reason}", path.display())]
    ModelLoad { path: PathBuf, reason: String },
    /// The inference runtime failed on a well-formed input (should not happen).
    #[error("face inference failed: {0}")]
    Inference(String),
    /// The bytes are not a supported image, are truncated, or exceed the decoding limits.
    #[error("image could not be decoded: {0}")]
    Decode(String),
    /// The image is valid but too small or degenerate to look for faces in.
    #[error("image is too small ({width}x{height}) to look for faces")]
    ImageTooSmall { width: u32, height: u32 },
    /// An embedding of the wrong length, or containing non-finite values.
    #[error("embedding must have {expected} finite values, got {got}")]
    BadEmbedding { expected: usize, got: usize },
    /// Serialised index bytes are malformed.
    #[error("face index data is malformed: {0}")]
    IndexFormat(String),
}

impl FaceError {
    pub(crate) fn inference(e: impl std::fmt::Display) -> Self {
        FaceError::Inference(e.to_string())
    }
}
