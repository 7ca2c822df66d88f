//! ICAO 9303 machine-readable zone: parse, validate, normalise (no IO).
#![forbid(unsafe_code)]
