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
//! 5. [`models`] — the SQL files under `sql/` in their declared order: review
//!    totals, case scores, reviewer reliability;
//! 6. [`output`] and [`manifest`] — tables written as Parquet and CSV into a
//!    staging folder that replaces the output folder only when all succeeded;
//!    [`publish`] writes the reports, lists and charts into the same folder.
//!
//! [`generate`] writes synthetic input data in the data contract.

pub mod config;
pub mod error;
pub mod generate;
pub mod ingest;
pub mod manifest;
pub mod models;
pub mod output;
pub mod plan;
pub mod publish;
pub mod rubric;
pub mod session;

use std::time::{Duration, Instant};

pub use error::{Error, Result};
use ingest::Ingested;
use ingest::schema::Table;
use plan::Plan;

/// Stage names and wall times of one run, in order.
#[derive(Debug, Default, Clone)]
pub struct Timings(pub Vec<(&'static str, Duration)>);

impl Timings {
    fn time<T>(&mut self, stage: &'static str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.0.push((stage, start.elapsed()));
        out
    }
}

/// Progress reports for a caller that shows them.
pub trait Progress {
    fn stage(&mut self, _name: &str) {}
    fn rows(&mut self, _table: Table, _rows: u64) {}
}

/// A caller that shows nothing.
pub struct Quiet;
impl Progress for Quiet {}

/// Ingest and validation only (`legalaid validate`). Never fails on
/// row-level problems: the caller decides with [`check_reject_ratios`].
pub fn validate(plan: &Plan, progress: &mut dyn Progress) -> Result<Ingested> {
    progress.stage("ingest");
    Ok(ingest::ingest(plan, &mut |t, n| progress.rows(t, n))?)
}

/// Fails when a table's share of rejected rows exceeds `max_reject_ratio`.
pub fn check_reject_ratios(plan: &Plan, ingested: &Ingested) -> Result<()> {
    let limit = plan.settings.ingest.max_reject_ratio;
    match ingested.over_reject_limit(limit).first() {
        None => Ok(()),
        Some(r) => Err(Error::TooManyRejects {
            table: r.table.name(),
            rejected: r.rejected_count(),
            read: r.read(),
            percent: 100.0 * r.reject_ratio(),
            limit,
            where_to_look: format!(
                "`legalaid validate {} --rejects DIR` for the rejected rows",
                plan.pipeline_path.display()
            ),
        }),
    }
}

/// What a run produced.
pub struct RunSummary {
    pub ingested: Ingested,
    pub timings: Timings,
    /// What publication wrote and warned about, when it ran (it needs the
    /// register's tables in the session).
    pub publish: Option<publish::PublishSummary>,
}

/// The whole batch run (`legalaid run`).
pub async fn run(plan: &Plan, progress: &mut dyn Progress) -> Result<RunSummary> {
    let mut timings = Timings::default();
    let ingested = timings.time("ingest", || validate(plan, progress))?;
    check_reject_ratios(plan, &ingested)?;

    progress.stage("scoring");
    let started = Instant::now();
    let ctx = session::build(plan, &ingested)?;
    let mut results = models::run_models(&ctx, models::MODELS).await?;
    results.extend(models::run_models(&ctx, models::CREDIT_MODELS).await?);
    timings.0.push(("scoring", started.elapsed()));

    progress.stage("write");
    let staging = output::Staging::new(&plan.output_dir)?;
    let mut published = None;
    if ctx.table_exist("register_entries").unwrap_or(false) {
        progress.stage("publish");
        let started = Instant::now();
        published = Some(publish::publish(&ctx, plan, staging.path()).await?);
        timings.0.push(("publish", started.elapsed()));
    }
    timings.time("write", || -> Result<()> {
        let data = staging.path().join("data");
        for result in &results {
            if let Some(name) = result.model.output {
                let batches = models::rounded_for_output(result.model, &result.batches)?;
                output::write_table(&data, name, &result.schema, &batches)?;
            }
        }
        ingest::quarantine::write_all(&staging.path().join("rejected"), &ingested.reports)?;
        let digest = manifest::digest_inputs(plan, &ingested)?;
        manifest::write(staging.path(), plan, digest)
    })?;
    staging.commit()?;
    Ok(RunSummary {
        ingested,
        timings,
        publish: published,
    })
}
