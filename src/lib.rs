//! # legalaid
//!
//! Batch analytics for legal-aid quality review and lawyer credit lists.
//! The library never prints and never exits; the `legalaid` binary is a thin
//! shell around it.
//!
//! One batch run flows through these stages, one module each, in order:
//!
//! 1. [`config`] — the pipeline file, parsed and validated into typed settings;
//! 2. [`plan`] — settings resolved once into a [`plan::Plan`] (absolute paths,
//!    expanded globs, loaded [`rubric`]s, as-of date) that later stages take;
//! 3. [`ingest`] — every input table read, parsed and validated row by row into
//!    typed Arrow batches, bad rows quarantined with reasons;
//! 4. [`session`] — the one DataFusion `SessionContext`, with the staging tables;
//! 5. [`models`] — the SQL files under `sql/` run in their declared order
//!    (scoring and reliability);
//! 6. [`output`] — the derived tables written as Parquet and CSV.
//!
//! [`generate`] writes synthetic input data in the data contract.

pub mod error;
pub mod models;
pub mod rubric;
