//! # legalaid
//!
//! Batch analytics for legal-aid quality review and lawyer credit lists.
//! The library never prints and never exits; the `legalaid` binary is a thin
//! shell around it.
//!
//! One batch run ([`run`]) flows through these stages, in order:
//!
//! 1. [`config`] and [`plan`] — the pipeline file parsed and validated, then
//!    resolved once into a [`plan::Plan`] (absolute paths, expanded globs,
//!    loaded [`rubric`]s, as-of date) that every later stage takes;
//! 2. [`models::check_boundary`] — every SQL model planned on empty tables
//!    and every mart Rust reads checked against its row struct ([`marts`]),
//!    before any data is read;
//! 3. [`ingest`] — every input table read, parsed and validated row by row
//!    into typed Arrow batches, bad rows quarantined with reasons;
//! 4. score — [`session`] builds the one DataFusion `SessionContext`;
//!    [`models`] runs the scoring SQL under `sql/` (review totals), then
//!    [`severity`] fits each case type's reviewer severities, then the SQL
//!    of case scores (with the severity-adjusted grades), reviewer
//!    reliability and panel agreement — or, with `[engine] scheduler` set
//!    (cargo feature `ballista`), all of that on a remote Ballista cluster
//!    (module `scaleout`), whose results are registered back in the session;
//! 5. credit and lists — the credit and list-rule SQL; [`lists`] reads its
//!    marts as typed rows; the [`register`] (SQLite, append-only events)
//!    decides proposals, listings, ends and annulments while the marts
//!    publication reads without the register run beside it; the models that
//!    read the register's new state run last ([`inspection`] marts among them);
//! 6. publish — [`publish`] reads its marts as typed rows and writes the
//!    public report, lists and charts and the internal pages into a staging
//!    folder: synchronous Rust, no SQL;
//! 7. write — [`output`] writes the marts as Parquet and CSV, [`inspection`]
//!    the workbooks, [`notices`] the notices, [`manifest`] the hashes; then
//!    the register commits and the staging folder replaces the output folder,
//!    as one recoverable step ([`output::Staging::commit_with`]).
//!
//! A run holds the register's lock ([`hold_register`]) from start to end.
//!
//! [`explain`] answers for one lawyer from the register alone; [`generate`]
//! writes synthetic input data in the data contract; [`sample`] draws the
//! review sample and writes the reviewers' score-sheet workbooks.
//! ARCHITECTURE.md at the repository root has the picture and the "to add X,
//! touch these files" table.

// This library is the program's own, not published: its docs are read with
// `cargo doc --document-private-items`, where links to private items resolve.
#![allow(rustdoc::private_intra_doc_links)]

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
pub mod memory;
pub mod models;
pub mod notices;
pub mod output;
pub mod owner;
pub mod parallel;
pub mod plan;
pub mod publish;
pub mod register;
pub mod rubric;
pub mod sample;
#[cfg(feature = "ballista")]
pub mod scaleout;
pub mod scratch;
pub mod session;
pub mod severity;
pub mod timings;
pub mod xlsx;

pub use error::{Error, Result};
use ingest::Ingested;
use ingest::schema::Table;
use plan::Plan;
pub use timings::{ModelTimings, StageTiming, Timings};

/// Progress reports for a caller that shows them.
pub trait Progress {
    fn stage(&mut self, _name: &str) {}
    fn rows(&mut self, _table: Table, _rows: u64) {}
    /// Another run holds the register; this one waits (the message says who
    /// holds it and since when).
    fn waiting(&mut self, _message: &str) {}
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
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Evaluate against the register as it stood on the as-of date and
    /// write nothing to it (outputs are still written).
    pub dry_run: bool,
    /// The day the command runs (default: the system date): a real run
    /// dated later is refused. Never enters a result.
    pub today: Option<chrono::NaiveDate>,
    /// Write each SQL model's executed plan with its operators' metrics
    /// into this folder (see [`models::metrics`]).
    pub sql_metrics: Option<std::path::PathBuf>,
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
    /// Open entries resting on evidence this run's data does not hold
    /// (listed in `internal/register-check.csv`).
    pub absent_evidence: Vec<register::AbsentEvidence>,
    /// What the start of the run finished of an interrupted earlier run.
    pub recovered: Option<output::Recovered>,
    /// The reviewer-severity fit of each case type (sweeps, components).
    pub severity_fits: Vec<severity::FitSummary>,
    /// Where this as-of's notices are: kept for good in
    /// `<notices_dir>/<as-of>/` by a real run, in the output folder's
    /// `internal/notices/` by a dry run; `None` when there are none.
    pub notices: Option<std::path::PathBuf>,
    /// Case types whose panel agreement is below `[reliability]
    /// alpha_hold`: their cases do not count towards the quality rules
    /// N1/N2, which are held for them.
    pub low_agreement: Vec<LowAgreement>,
    /// Negative entries the register holds (quality rules on cases that do
    /// not count: disputed, of a case type with low agreement, or
    /// severity-sensitive).
    pub held_entries: usize,
}

/// A case type whose panel agreement is too low for its cases to count
/// towards the quality rules.
#[derive(Debug, Clone, PartialEq)]
pub struct LowAgreement {
    pub case_type: String,
    pub alpha: f64,
    pub n_cases: i64,
}

/// The case types of `agreement` whose alpha is below `alpha_hold` (the
/// tolerance of `counts` in `sql/int_case_grades.sql`); an undefined alpha
/// holds nothing.
fn low_agreement(
    agreement: Vec<publish::rows::PanelAgreementRow>,
    alpha_hold: f64,
) -> Vec<LowAgreement> {
    agreement
        .into_iter()
        .filter_map(|r| {
            let alpha = r.alpha.filter(|a| *a < alpha_hold - 1e-9)?;
            Some(LowAgreement {
                case_type: r.case_type,
                alpha,
                n_cases: r.n_cases.unwrap_or(0),
            })
        })
        .collect()
}

/// The journal of a publication in progress, beside the register:
/// `<register>.publishing` (see [`output::Staging::commit_with`]).
pub fn publication_journal(register: &std::path::Path) -> std::path::PathBuf {
    let mut name = register.as_os_str().to_os_string();
    name.push(".publishing");
    name.into()
}

/// Takes the register's lock for `command` (waiting for another holder up
/// to `[register] lock_wait_seconds`, telling `on_wait` who it is), then
/// finishes the publication an interrupted run left, if any. Every run and
/// register action holds the returned lock until it is done.
pub fn hold_register(
    plan: &Plan,
    command: &str,
    on_wait: &mut dyn FnMut(&str),
) -> Result<(register::lock::RegisterLock, Option<output::Recovered>)> {
    let lock = register::lock::RegisterLock::acquire(
        &plan.register_path,
        command,
        plan.lock_wait,
        on_wait,
    )?;
    let recovered = output::recover(&publication_journal(&plan.register_path), || {
        if !plan.register_path.exists() {
            return Ok(register::Fingerprint::default());
        }
        Ok(register::Register::open(&plan.register_path)?.fingerprint()?)
    })?;
    Ok((lock, recovered))
}

/// The whole batch run (`legalaid run`), in flow order: plan (given) →
/// ingest → score → credit and lists → register → publish → write. The
/// register's transaction and the output folder are committed only after
/// everything else succeeded.
pub async fn run(
    plan: &Plan,
    options: RunOptions,
    progress: &mut dyn Progress,
) -> Result<RunSummary> {
    // Refused before any work, so a wrong --out costs nothing. The folder
    // of `--sql-metrics` is kept too: inside the output folder, the swap
    // at the end would delete the plans.
    let mut kept = plan.kept_paths();
    kept.extend(options.sql_metrics.as_deref());
    output::check_replaceable(&plan.output_dir, &kept)?;
    if let Some(dir) = &options.sql_metrics {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    // One run at a time per register, for the whole run; an interrupted
    // run's publication finished first.
    let command = if options.dry_run {
        "run --dry-run"
    } else {
        "run"
    };
    let (_lock, recovered) = hold_register(plan, command, &mut |m| progress.waiting(m))?;
    // Every model planned and every consumed mart checked, before any data.
    models::check_boundary(&session::build_empty(plan)?, models::PHASES).await?;
    // The cluster of `[engine] scheduler`, if any, is found listening before
    // any data is read: an unreachable one stops the run here, having
    // changed nothing.
    #[cfg(feature = "ballista")]
    let cluster = scaleout::Remote::connect(plan).await?;
    let mut timings = Timings::sampled();
    // Large tables and model results live as Arrow files here, not in
    // memory: a private folder under the pipeline's scratch root.
    let scratch_io = |e| Error::io(&plan.scratch_root, e);
    let scratch = scratch::ScratchDir::create(&plan.scratch_root).map_err(scratch_io)?;
    let store_dir = scratch.subfolder("models").map_err(scratch_io)?;
    let spill_dir = scratch.subfolder("spill").map_err(scratch_io)?;
    let store = models::Store::Dir(&store_dir);

    let ingested = timings.time("ingest", || -> Result<Ingested> {
        progress.stage("ingest");
        Ok(ingest::ingest_to(
            plan,
            Some(scratch.path()),
            &mut |t, n| progress.rows(t, n),
        )?)
    })?;
    owner::crash_point("after_ingest");
    check_reject_ratios(plan, &ingested)?;
    let input_hashes = manifest::InputHashes::start(&ingested);

    progress.stage("scoring");
    let started = timings.start();
    let ctx = session::build_spilling(plan, &ingested, Some(&spill_dir))?;
    if let Some(dir) = &options.sql_metrics {
        models::metrics::record_in(&ctx, dir);
    }
    let k_b = plan.settings.scoring.severity_prior_reviews;
    #[cfg(feature = "ballista")]
    let (mut results, severity_fits) = match &cluster {
        Some(cluster) => cluster.score(plan, &ctx, store, scratch.path()).await?,
        None => models::score(&ctx, store, k_b).await?,
    };
    #[cfg(not(feature = "ballista"))]
    let (mut results, severity_fits) = models::score(&ctx, store, k_b).await?;
    timings.stop("scoring", started);
    // Only the wait for the hashes that scoring did not cover is timed here.
    let digest = timings.time("digest inputs", || {
        manifest::digest_inputs(plan, &ingested, input_hashes)
    })?;

    progress.stage("credit and lists");
    let started = timings.start();
    results.extend(models::run_models_in(&ctx, models::CREDIT_MODELS, store).await?);
    let mut register = if options.dry_run {
        register::Register::open_read_only(&plan.register_path)?
    } else {
        register::Register::open(&plan.register_path)?
    };
    if let Some(today) = options.today {
        register.set_today(today);
    }
    // The register's step is one thread's work: the marts publication reads
    // without the register run meanwhile, on the runtime's other workers.
    let mut report_models = tokio::task::JoinSet::new();
    report_models.spawn({
        let (ctx, dir) = (ctx.clone(), store_dir.clone());
        async move { models::run_models_in(&ctx, models::REPORT_MODELS, models::Store::Dir(&dir)).await }
    });
    let decided = blocking(|| -> Result<Decided<'_>> {
        let decided = decide_register(plan, &options, &digest.run_id, &results, &mut register)?;
        owner::crash_point("after_register");
        lists::register_state(&ctx, &decided.outcome.entries, &decided.events)?;
        Ok(decided)
    });
    if decided.is_err() {
        report_models.abort_all();
    }
    let reported = report_models
        .join_next()
        .await
        .expect("one task was spawned");
    let decided = decided?;
    match reported {
        Ok(reported) => results.extend(reported?),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => unreachable!("the report models are cancelled only on an error: {e}"),
    }
    results.extend(models::run_models_in(&ctx, models::REGISTER_MODELS, store).await?);
    timings.stop("credit and lists", started);
    // Every SQL result is in `results`; what follows is plain Rust.
    let people = lists::addressees(&results)?;
    let low_agreement = low_agreement(
        marts::read::<publish::rows::PanelAgreementRow>(&results)?,
        plan.settings.reliability.alpha_hold,
    );
    let model_timings = ModelTimings(results.iter().map(|r| (r.model.name, r.elapsed)).collect());

    let mut staging = output::Staging::new(&plan.output_dir, &kept)?;
    if !options.dry_run {
        staging.keep_notices(output::KeptNotices {
            from: NOTICES.into(),
            root: plan.notices_root.clone(),
            name: plan.as_of.to_string(),
        });
    }
    progress.stage("publish");
    let started = timings.start();
    let published = publish::publish(plan, &results, staging.path())?;
    timings.stop("publish", started);

    progress.stage("write");
    timings.time("write", || {
        write_outputs(plan, staging.path(), &results, &decided, &people, &ingested)
    })?;
    let outcome = &decided.outcome;
    let counts = manifest::RegisterCounts {
        events_before: outcome.events_before,
        events_after: outcome.events_after,
        dry_run: options.dry_run,
    };
    // Hashing every output file is seconds at national scale: its own stage.
    timings.time("manifest", || {
        manifest::write(staging.path(), plan, digest.clone(), counts)
    })?;
    let newly_proposed = outcome.newly_proposed.len();
    let absent_evidence = outcome.absent_evidence.clone();
    let held_entries = outcome
        .entries
        .iter()
        .filter(|e| e.status == register::EntryStatus::Held)
        .count();
    // The register commits and the outputs go into place as one recoverable
    // step (see ARCHITECTURE.md, "Crashes"): a real run writes a journal
    // beside the register first, so that the next start finishes it.
    let pending = decided.pending;
    let journal = publication_journal(&plan.register_path);
    let journal = (!options.dry_run).then(|| (journal.as_path(), pending.fingerprint_after()));
    // The register's commit, the swap and removing the output it replaces
    // (tens of thousands of files at scale).
    let kept = timings.time("commit", || {
        staging.commit_with(journal, || Ok(pending.commit().map(|_| ())?))
    })?;
    // A dry run's notices are drafts: they stay in its output folder only.
    let notices = match options.dry_run {
        false => kept,
        true => Some(plan.output_dir.join(NOTICES)).filter(|d| d.is_dir()),
    };
    Ok(RunSummary {
        ingested,
        timings,
        model_timings,
        run_id: digest.run_id,
        register: counts,
        newly_proposed,
        publish: published,
        absent_evidence,
        recovered,
        severity_fits,
        notices,
        low_agreement,
        held_entries,
    })
}

/// Runs `work`, which blocks (no `.await` inside), from async code: on a
/// multi-threaded runtime the worker hands its other tasks to the others
/// first, so that they go on meanwhile; on a single-threaded one it just runs.
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// Where a run writes this as-of's notices inside its output folder.
const NOTICES: &str = "internal/notices";

/// The register's decisions of one run, not yet committed.
struct Decided<'r> {
    pending: register::PendingRun<'r>,
    outcome: register::RunOutcome,
    /// The event log as this run leaves it (a dry run: as it would).
    events: Vec<register::Event>,
}

/// The register step: each lawyer's findings and the evidence index from
/// the typed marts, the register's transitions on them, and the event log
/// after the run.
fn decide_register<'r>(
    plan: &Plan,
    options: &RunOptions,
    run_id: &str,
    results: &[models::ModelResult],
    register: &'r mut register::Register,
) -> Result<Decided<'r>> {
    let (lawyers, evidence) = lists::register_input(results, &plan.settings.credit)?;
    let input = register::RunInput {
        run_id,
        as_of: plan.as_of,
        period_end: plan.period_end,
        settings: &plan.settings.lists,
        lawyers,
        evidence: &evidence,
    };
    let pending = register.begin_run(&input, options.dry_run)?;
    let outcome = pending.outcome().clone();
    // The log in force (undo events and what they voided are history
    // only), read inside the run's transaction, under the register's lock: no
    // event of another run or action can be missing.
    let mut events: Vec<register::Event> = pending
        .prior_events()
        .iter()
        .filter(|e| e.in_force() && (!options.dry_run || e.date <= plan.as_of))
        .cloned()
        .collect();
    events.extend(outcome.new_events.iter().cloned());
    Ok(Decided {
        pending,
        outcome,
        events,
    })
}

/// The write step: every written mart where its model's [`models::Output`]
/// says, the two workbooks, the event log, this as-of's notices and the
/// quarantined rows, into the staging folder `dir`. The inspection workbook
/// is written on a thread of its own: compressing it is most of the step's
/// time at scale, and the rest (the eligibility workbook last) does not wait
/// for it.
fn write_outputs(
    plan: &Plan,
    dir: &std::path::Path,
    results: &[models::ModelResult],
    decided: &Decided<'_>,
    people: &std::collections::HashMap<String, notices::Addressee>,
    ingested: &Ingested,
) -> Result<()> {
    let internal = dir.join("internal");
    std::thread::scope(|scope| {
        let inspection = scope.spawn(|| write_inspection(plan, &internal, results));
        let rest = write_files(plan, dir, results, decided, people, ingested)
            .and_then(|()| write_eligibility(plan, &internal, results));
        let inspection = inspection
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        rest.and(inspection)
    })
}

/// A model's result as the workbooks write it: rounded for output.
fn written(
    results: &[models::ModelResult],
    name: &str,
) -> Result<(
    datafusion::arrow::datatypes::SchemaRef,
    Vec<datafusion::arrow::record_batch::RecordBatch>,
)> {
    let r = models::result(results, name)?;
    Ok((
        r.schema.clone(),
        models::rounded_for_output(r.model, &r.read()?)?,
    ))
}

fn period_text(plan: &Plan) -> String {
    format!("{} – {}", plan.period_start, plan.period_end)
}

/// `internal/eligibility.xlsx` (and its CSV).
fn write_eligibility(
    plan: &Plan,
    internal: &std::path::Path,
    results: &[models::ModelResult],
) -> Result<()> {
    for result in results {
        if result.model.output == Some(models::Output::EligibilityWorkbook) {
            let (schema, batches) = written(results, result.model.name)?;
            inspection::write_eligibility(
                internal,
                &schema,
                &batches,
                &period_text(plan),
                plan.as_of,
            )?;
        }
    }
    Ok(())
}

/// `internal/inspection.xlsx`.
fn write_inspection(
    plan: &Plan,
    internal: &std::path::Path,
    results: &[models::ModelResult],
) -> Result<()> {
    let (lawyer_schema, lawyer_rows) = written(results, "mart_inspection")?;
    let (firm_schema, firm_rows) = written(results, "mart_inspection_firms")?;
    let (compliance_schema, compliance_rows) = written(results, "mart_case_compliance")?;
    inspection::write_inspection_workbook(
        internal,
        (&lawyer_schema, &lawyer_rows),
        (&firm_schema, &firm_rows),
        (&compliance_schema, &compliance_rows),
        &plan.settings.inspection,
        &period_text(plan),
        plan.as_of,
    )
}

/// Everything of the write step but the workbooks.
fn write_files(
    plan: &Plan,
    dir: &std::path::Path,
    results: &[models::ModelResult],
    decided: &Decided<'_>,
    people: &std::collections::HashMap<String, notices::Addressee>,
    ingested: &Ingested,
) -> Result<()> {
    let data = dir.join("data");
    for result in results {
        if let Some(models::Output::Data(name)) = result.model.output {
            let batches = models::rounded_for_output(result.model, &result.read()?)?;
            output::write_table(&data, name, &result.schema, &batches)?;
        }
    }
    let events_table = lists::events_batch(&decided.events)?;
    output::write_table(
        &data,
        "register_events",
        &events_table.schema(),
        &[events_table],
    )?;
    // Every entry proposed on this as-of gets its notice, so a rerun
    // (which adds no event) writes the same files.
    let proposed_now: Vec<_> = decided
        .outcome
        .entries
        .iter()
        .filter(|e| {
            e.status == register::EntryStatus::Proposed && e.proposed_on == Some(plan.as_of)
        })
        .cloned()
        .collect();
    notices::write_notices(&dir.join(NOTICES), plan, &proposed_now, people)?;
    lists::write_register_check(&dir.join("internal"), &decided.outcome.absent_evidence)?;
    ingest::quarantine::write_all(&dir.join("rejected"), &ingested.reports)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn agreement_below_alpha_hold_is_low_and_undefined_is_not() {
        use crate::publish::rows::PanelAgreementRow;
        let row = |t: &str, alpha| PanelAgreementRow {
            case_type: t.into(),
            n_cases: Some(9),
            alpha,
        };
        let low = super::low_agreement(
            vec![
                row("criminal", Some(0.5)),
                row("civil", Some(0.667)),
                row("administrative", None),
            ],
            0.667,
        );
        assert_eq!(low.len(), 1);
        assert_eq!((low[0].case_type.as_str(), low[0].alpha), ("criminal", 0.5));
    }
}
