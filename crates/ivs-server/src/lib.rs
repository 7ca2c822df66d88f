//! HTTP API (iDenfy v2 compatible), capture page, reviewer console.
#![forbid(unsafe_code)]
