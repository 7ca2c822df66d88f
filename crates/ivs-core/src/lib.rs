//! Domain types, iDenfy vocabulary, wire shapes and validation rules of ivs. No IO.
#![forbid(unsafe_code)]

pub mod clock;
pub mod error;
pub mod links;
pub mod policy;
pub mod token;
pub mod verification;
pub mod vocab;
pub mod webhook;
pub mod wire;

pub use clock::{Clock, FakeClock, SharedClock, SystemClock};
pub use error::{ApiError, Identifier};
