//! Storage: repository traits, SQLite/PostgreSQL via sqlx, job queue, files via object_store.
#![forbid(unsafe_code)]
