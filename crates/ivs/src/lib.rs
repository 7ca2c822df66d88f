//! ivs: the binary's library half — CLI parsing and application wiring.
#![deny(unsafe_code)]

pub mod cli;
pub mod face_cmd;
