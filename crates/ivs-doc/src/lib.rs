//! Document photos: locate and read the MRZ, image quality, portrait.
#![forbid(unsafe_code)]

pub mod checks;
pub mod eval;
pub mod locate;
pub mod ocrb;
pub mod portrait;
pub mod quality;
pub mod reader;
pub mod scale;
pub mod synth;
