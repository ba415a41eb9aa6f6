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
//! [`generate`] writes synthetic input data in the data contract; [`sample`]
//! draws the review sample and writes the reviewers' score-sheet workbooks.

pub mod config;
pub mod credit;
pub mod error;
pub mod explain;
pub mod generate;
pub mod ingest;
pub mod inspection;
pub mod lists;
pub mod manifest;
pub mod marts;
pub mod models;
pub mod notices;
pub mod output;
pub mod plan;
pub mod publish;
pub mod register;
pub mod rubric;
pub mod sample;
#[cfg(feature = "ballista")]
pub mod scaleout;
pub mod scratch;
pub mod session;
pub mod xlsx;

use std::time::{Duration, Instant};

pub use error::{Error, Result};
use ingest::Ingested;
use ingest::schema::Table;
use plan::Plan;

/// One stage of a run: its name, wall time and the process's peak resident
/// memory during the stage (Linux only; `None` elsewhere).
#[derive(Debug, Clone)]
pub struct StageTiming {
    pub stage: &'static str,
    pub wall: Duration,
    /// Peak resident set size in bytes while the stage ran.
    pub peak_rss: Option<u64>,
}

/// Stage names, wall times and peak memory of one run, in order.
#[derive(Debug, Default, Clone)]
pub struct Timings(pub Vec<StageTiming>);

/// Wall time of each SQL model of a run, in run order.
#[derive(Debug, Default, Clone)]
pub struct ModelTimings(pub Vec<(&'static str, Duration)>);

impl Timings {
    fn time<T>(&mut self, stage: &'static str, f: impl FnOnce() -> T) -> T {
        let start = self.start();
        let out = f();
        self.stop(stage, start);
        out
    }

    /// Starts a stage: resets the kernel's peak-RSS mark so that the stage's
    /// own peak can be read at its end.
    fn start(&self) -> Instant {
        memory::reset_peak();
        Instant::now()
    }

    fn stop(&mut self, stage: &'static str, start: Instant) {
        self.0.push(StageTiming {
            stage,
            wall: start.elapsed(),
            peak_rss: memory::peak_rss(),
        });
    }
}

/// Peak resident memory from `/proc/self` (Linux).
pub mod memory {
    /// The process's peak resident set size (`VmHWM`) in bytes.
    pub fn peak_rss() -> Option<u64> {
        status_kb("VmHWM:").map(|kb| kb * 1024)
    }

    /// The current resident set size (`VmRSS`) in bytes.
    pub fn current_rss() -> Option<u64> {
        status_kb("VmRSS:").map(|kb| kb * 1024)
    }

    /// Resets the peak mark to the current resident size (writing 5 to
    /// `/proc/self/clear_refs`); silently does nothing where not allowed.
    pub fn reset_peak() {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
    }

    fn status_kb(key: &str) -> Option<u64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with(key))?;
        line[key.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
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

/// Choices of one run beyond the plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Evaluate against the register as it stood on the as-of date and
    /// write nothing to it (outputs are still written).
    pub dry_run: bool,
}

/// What a run produced.
pub struct RunSummary {
    pub ingested: Ingested,
    pub timings: Timings,
    pub model_timings: ModelTimings,
    pub run_id: String,
    pub register: manifest::RegisterCounts,
    pub newly_proposed: usize,
    /// What publication wrote and warned about.
    pub publish: publish::PublishSummary,
}

/// The whole batch run (`legalaid run`). The register's transaction and the
/// output folder are committed only after everything else succeeded.
pub async fn run(
    plan: &Plan,
    options: RunOptions,
    progress: &mut dyn Progress,
) -> Result<RunSummary> {
    // Refused before any work, so a wrong --out costs nothing.
    output::check_replaceable(&plan.output_dir, &plan.kept_paths())?;
    // Every model planned and every consumed mart checked, before any data.
    models::check_boundary(&session::build_empty(plan)?, models::PHASES).await?;
    let mut timings = Timings::default();
    // Large tables and model results live as Arrow files here, not in memory.
    let scratch = tempfile::Builder::new()
        .prefix("legalaid-scratch-")
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let store_dir = scratch.path().join("models");
    std::fs::create_dir_all(&store_dir).map_err(|e| Error::io(&store_dir, e))?;
    let store = models::Store::Dir(&store_dir);
    let ingested = timings.time("ingest", || -> Result<Ingested> {
        progress.stage("ingest");
        Ok(ingest::ingest_to(
            plan,
            Some(scratch.path()),
            &mut |t, n| progress.rows(t, n),
        )?)
    })?;
    check_reject_ratios(plan, &ingested)?;
    let digest = timings.time("digest inputs", || manifest::digest_inputs(plan, &ingested))?;

    progress.stage("scoring");
    let started = timings.start();
    let ctx = session::build(plan, &ingested)?;
    let mut results = models::run_models_in(&ctx, models::MODELS, store).await?;
    timings.stop("scoring", started);

    progress.stage("credit and lists");
    let started = timings.start();
    results.extend(models::run_models_in(&ctx, models::CREDIT_MODELS, store).await?);
    let mut register = if options.dry_run {
        register::Register::open_read_only(&plan.register_path)?
    } else {
        register::Register::open(&plan.register_path)?
    };
    let prior_events = register.events()?;
    let (lawyers, evidence) = lists::register_input(&results, &plan.settings.credit)?;
    let evidence_status = |id: &str| evidence.status(id);
    let input = register::RunInput {
        run_id: &digest.run_id,
        as_of: plan.as_of,
        period_end: plan.period_end,
        settings: &plan.settings.lists,
        lawyers,
        evidence: &evidence_status,
    };
    let pending = register.begin_run(&input, options.dry_run)?;
    let outcome = pending.outcome().clone();
    let mut events: Vec<register::Event> = prior_events
        .into_iter()
        .filter(|e| !options.dry_run || e.date <= plan.as_of)
        .collect();
    events.extend(outcome.new_events.iter().cloned());
    lists::register_state(&ctx, &outcome.entries, &events)?;
    results.extend(models::run_models_in(&ctx, models::REGISTER_MODELS, store).await?);
    timings.stop("credit and lists", started);

    let people = lists::addressees(&results)?;
    let model_timings = ModelTimings(results.iter().map(|r| (r.model.name, r.elapsed)).collect());

    progress.stage("write");
    let staging = output::Staging::new(&plan.output_dir, &plan.kept_paths())?;
    let counts = manifest::RegisterCounts {
        events_before: outcome.events_before,
        events_after: outcome.events_after,
        dry_run: options.dry_run,
    };
    progress.stage("publish");
    let started = timings.start();
    let published = publish::publish(&ctx, plan, staging.path()).await?;
    timings.stop("publish", started);
    timings.time("write", || -> Result<()> {
        let dir = staging.path();
        let data = dir.join("data");
        let internal = dir.join("internal");
        for result in &results {
            if let Some(name) = result.model.output {
                let batches = models::rounded_for_output(result.model, &result.read()?)?;
                match name {
                    "eligibility" => inspection::write_eligibility(
                        &internal,
                        &result.schema,
                        &batches,
                        plan.as_of,
                    )?,
                    _ => output::write_table(&data, name, &result.schema, &batches)?,
                }
            }
        }
        let find = |name: &str| -> Result<(
            datafusion::arrow::datatypes::SchemaRef,
            Vec<datafusion::arrow::record_batch::RecordBatch>,
        )> {
            let r = results
                .iter()
                .find(|r| r.model.name == name)
                .expect("model ran");
            Ok((
                r.schema.clone(),
                models::rounded_for_output(r.model, &r.read()?)?,
            ))
        };
        let (lawyer_schema, lawyer_rows) = find("mart_inspection")?;
        let (firm_schema, firm_rows) = find("mart_inspection_firms")?;
        inspection::write_inspection_workbook(
            &internal,
            (&lawyer_schema, &lawyer_rows),
            (&firm_schema, &firm_rows),
            &format!("{} – {}", plan.period_start, plan.period_end),
            plan.as_of,
        )?;
        let events_table = lists::events_batch(&events)?;
        output::write_table(
            &data,
            "register_events",
            &events_table.schema(),
            &[events_table],
        )?;
        // Every entry proposed on this as-of gets its notice, so a rerun
        // (which adds no event) writes the same files.
        let proposed_now: Vec<_> = outcome
            .entries
            .iter()
            .filter(|e| e.status == "proposed" && e.proposed_on == Some(plan.as_of))
            .cloned()
            .collect();
        notices::write_notices(&internal.join("notices"), plan, &proposed_now, &people)?;
        ingest::quarantine::write_all(&dir.join("rejected"), &ingested.reports)?;
        Ok(())
    })?;
    manifest::write(staging.path(), plan, digest.clone(), counts)?;
    let run_id = digest.run_id.clone();
    pending.commit()?;
    staging.commit()?;
    Ok(RunSummary {
        ingested,
        timings,
        model_timings,
        run_id,
        register: counts,
        newly_proposed: outcome.newly_proposed.len(),
        publish: published,
    })
}
