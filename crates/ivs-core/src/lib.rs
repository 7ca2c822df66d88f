//! Domain types, iDenfy vocabulary, decision policy and mismatch rules (no IO).
#![forbid(unsafe_code)]
