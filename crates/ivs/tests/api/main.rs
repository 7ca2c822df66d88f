//! The one integration-test binary of ivs. Every end-to-end test is a module below: one binary
//! keeps link time down (a test binary links the whole stack). Do not add files directly under
//! `tests/`; add a module here instead.

// The whole crate is test code: unwrapping is how a test says "this must work".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod bench;
mod helpers;
mod migrate;
mod ops;
mod pipeline;
mod process;
mod s3;
mod scale_out;
mod webhooks;

mod mrz_cli;

mod mrz_eval;

mod mrz_read;

#[test]
fn binary_prints_version() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ivs"))
        .arg("version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ivs "));
}

#[cfg(test)] // lets clippy treat the helpers as test code (unwrap allowed)
mod face_cli;
