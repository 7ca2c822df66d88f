//! Face detection, alignment, embedding, matching and 1:N search.
#![forbid(unsafe_code)]
