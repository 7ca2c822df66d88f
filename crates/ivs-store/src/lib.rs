//! Storage for ivs: one repository trait family ([`Repo`]) over SQLite or PostgreSQL, and
//! verification files through `object_store`.
//!
//! Both databases are served by the same query layer (sqlx's `Any` driver, `$N` placeholders,
//! a schema of TEXT/BIGINT columns); each has its own migrations. The conformance suite in
//! `tests.rs` runs against SQLite always and against PostgreSQL when `IVS_TEST_PG_URL` is set.
#![forbid(unsafe_code)]

mod db;
mod files;
mod links;
pub mod migrate;
mod model;
mod repo;
#[cfg(test)]
mod tests;

pub use db::{Backend, Db, connect};
pub use files::{Files, ObjectInfo, S3Settings, StoredObject};
pub use links::FileLinks;
pub use model::*;
pub use repo::{Repo, SharedRepo, SqlRepo};

/// Storage errors. `Conflict` and `NotFound` are expected outcomes callers map to client errors;
/// everything else is an internal failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("object store: {0}")]
    Object(#[from] object_store::Error),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("configuration: {0}")]
    Config(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A storage failure as the API answers it: an opaque `INTERNAL_ERROR` (500); the cause goes to
/// the log. Callers that expect `NotFound` or `Conflict` match them before converting.
impl From<StoreError> for ivs_core::ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storage failure");
        ivs_core::ApiError::internal()
    }
}

/// A partner's decision policy as stored by `ivs policy set`, or the default. A stored policy
/// that no longer reads (it was validated when stored) falls back to the default with a warning.
pub async fn partner_policy(repo: &SharedRepo, partner_id: &str) -> Result<ivs_core::policy::Policy> {
    use ivs_core::policy::Policy;
    Ok(match repo.policy(partner_id).await? {
        None => Policy::default(),
        Some(v) => match serde_json::from_value::<Policy>(v).map(Policy::validate) {
            Ok(Ok(p)) => p,
            _ => {
                tracing::warn!(
                    partner = partner_id,
                    "stored policy unreadable; using the default"
                );
                Policy::default()
            }
        },
    })
}
