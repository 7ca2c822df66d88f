//! Workers: they take jobs and outbox events from the database and act on them — deliver signed
//! webhooks, expire unused sessions analyse submitted verifications.
//! Every step is idempotent and every state change is a database transaction, so a worker killed
//! at any point loses nothing: its lease runs out and another worker takes over.
#![forbid(unsafe_code)]

pub mod analyse;
pub mod delivery;
pub mod pipeline;
pub mod runner;
pub mod signing;

pub use analyse::{Analyser, FaceIndexCache};
pub use delivery::{Deliverer, DeliveryConfig};
pub use pipeline::Engines;
pub use runner::{WorkerConfig, run_workers};
