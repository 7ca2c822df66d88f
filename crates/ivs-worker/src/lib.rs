//! Pipeline workers: analyse, decide, notify.
#![forbid(unsafe_code)]
