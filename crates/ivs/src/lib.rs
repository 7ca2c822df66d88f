//! ivs: the binary's library half — configuration, application wiring and the CLI.
#![deny(unsafe_code)]

pub mod app;
pub mod bench_cmd;
pub mod cli;
pub mod config;
pub mod doc_cmd;
pub mod face_cmd;
pub mod migrate;
pub mod mrz_cmd;
pub mod mrz_eval_cmd;
pub mod mrz_read_cmd;
pub mod partners;
pub mod pipeline_cmd;
