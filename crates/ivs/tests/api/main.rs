//! The one integration-test binary of ivs. Every end-to-end test is a module below: one binary
//! keeps link time down (a test binary links the whole stack). Do not add files under `tests/`
//! outside this directory; add a module here instead.

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
