//! The `legalaid` command line: parses arguments, calls the library, prints
//! what it returns and turns errors into one readable paragraph and a
//! non-zero exit status.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

use legalaid::ingest::Ingested;
use legalaid::ingest::schema::Table;
use legalaid::plan::{Plan, PlanOptions};

// Ingest allocates and frees small strings per cell; mimalloc does that much
// faster than the system allocator (DataFusion's own CLI uses it too).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc's option API (its C library is linked in whole). libmimalloc-sys
// 0.1.49 declares these only under its `extended` feature and names no
// constant for the purge delay, so they are declared here.
unsafe extern "C" {
    fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// `mi_option_purge_delay` in mimalloc v3's `mimalloc.h`, and its default.
const PURGE_DELAY: std::ffi::c_int = 15;
const PURGE_DELAY_DEFAULT_MS: std::ffi::c_long = 1000;
const PURGE_DELAY_MS: std::ffi::c_long = 100;

/// Memory a thread frees stays resident for mimalloc's purge delay (1 s in
/// v3) before it goes back to the system, and each stage of a run frees its
/// working set as the next allocates its own: at 1 M cases publication began
/// with about 500 MB of earlier stages' garbage and the run peaked at
/// 826–1,049 MiB. With 100 ms it peaked at 631–697 MiB, for about 0.7 s of
/// 13 s (benches/results/NOTES.md, session 25). Left alone when
/// `MIMALLOC_PURGE_DELAY` is set, or when the option does not hold v3's
/// default (another mimalloc, another numbering).
/// Called first in `main`, before any thread starts (`mi_option_set` is not
/// thread-safe).
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: plain C calls with an option index and a value; no thread
    // other than this one exists yet.
    unsafe {
        if mi_option_get(PURGE_DELAY) == PURGE_DELAY_DEFAULT_MS {
            mi_option_set(PURGE_DELAY, PURGE_DELAY_MS);
        }
    }
}

#[derive(Parser)]
#[command(
    name = "legalaid",
    version,
    about = "Legal-aid quality review, lawyer credit and positive/negative lists"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole batch: ingest, scoring, outputs.
    Run {
        /// The pipeline file.
        pipeline: PathBuf,
        /// The decision date, e.g. 2025-01-20 or 2025年1月20日 (default: the
        /// period's end).
        #[arg(long, value_parser = legalaid::ingest::value::date_arg)]
        as_of: Option<NaiveDate>,
        /// Output folder; replaced whole, so only an earlier legalaid output
        /// or an empty folder is accepted (default: the pipeline's
        /// [output] dir, else out/<name> beside the pipeline).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Report language (default: the pipeline's [publication] lang,
        /// itself zh by default).
        #[arg(long, value_parser = ["zh", "en"])]
        lang: Option<String>,
        /// Print each stage's wall time and peak memory, and each SQL
        /// model's wall time, after the run (default: off).
        #[arg(long)]
        timings: bool,
        /// Write each SQL model's executed plan, with every operator's rows,
        /// compute time and memory, to DIR/<model>.txt: which operator a slow
        /// model spends its time in (default: off).
        #[arg(long, value_name = "DIR")]
        sql_metrics: Option<PathBuf>,
        /// Evaluate against the register as it stood on the as-of date and
        /// write nothing to the register; outputs are still written, without
        /// --out to <output folder>-dry-run (default: off).
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a synthetic data set in the input contract, with a pipeline file.
    Generate {
        /// Output folder for the data set and its pipeline file (required).
        #[arg(long)]
        out: PathBuf,
        /// Number of cases.
        #[arg(long, default_value_t = 1000)]
        cases: u64,
        /// Seed: the same seed gives the same files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The year of the review period (January to December).
        #[arg(long, default_value_t = legalaid::generate::DEFAULT_YEAR)]
        year: i32,
    },
    /// One lawyer's score, its parts, reason codes and list history, in plain words.
    Explain {
        /// The pipeline file.
        pipeline: PathBuf,
        /// The lawyer's licence number, or name (or part of one); several
        /// lawyers of that name are listed to choose from.
        #[arg(value_name = "LAWYER_ID_OR_NAME")]
        lawyer: String,
    },
    /// Draw the review sample and write one score-sheet workbook per reviewer.
    Sample {
        /// The pipeline file.
        pipeline: PathBuf,
        /// The date the sample is drawn as of (default: the period's end).
        #[arg(long, value_parser = legalaid::ingest::value::date_arg)]
        as_of: Option<NaiveDate>,
        /// Share of each (district, case type) stratum drawn at random
        /// (default: the pipeline's [sampling] rate, itself 0.10).
        #[arg(long)]
        rate: Option<f64>,
        /// Seed of the random draw (default: the pipeline's [sampling] seed,
        /// itself 1).
        #[arg(long)]
        seed: Option<u64>,
        /// Reviewers per case (default: the pipeline's [sampling]
        /// panel_size, itself 3).
        #[arg(long)]
        panel_size: Option<u32>,
        /// Output folder (default: <name>-sample beside the run's output folder).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Exit non-zero when a sampled case could not be staffed (default:
        /// off).
        #[arg(long)]
        strict: bool,
    },
    /// Ingest and validate the inputs only; print counts and the first rejects.
    Validate {
        /// The pipeline file.
        pipeline: PathBuf,
        /// Write the quarantine files here, even when the run would fail
        /// (default: none written).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// The decision date the checks use (default: the period's end).
        #[arg(long, value_parser = legalaid::ingest::value::date_arg)]
        as_of: Option<NaiveDate>,
    },
    /// The list register: a lawyer's history, objections, repair, annulment, notes.
    Register {
        #[command(subcommand)]
        command: legalaid::register::cli::RegisterCommand,
    },
}

fn main() -> ExitCode {
    tune_allocator();
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", paragraph(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes as one paragraph.
fn paragraph(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// The day the command runs: the system date, or `LEGALAID_TODAY`
/// (YYYY-MM-DD) for tests and for replaying a register elsewhere. It only
/// refuses runs and actions dated later; it never enters a result.
fn today() -> anyhow::Result<NaiveDate> {
    match std::env::var("LEGALAID_TODAY") {
        Ok(text) => legalaid::ingest::value::date_arg(&text)
            .map_err(|e| anyhow::anyhow!("LEGALAID_TODAY: {e}")),
        Err(_) => Ok(legalaid::register::system_today()),
    }
}

fn real_main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            pipeline,
            as_of,
            out,
            lang,
            timings,
            sql_metrics,
            dry_run,
        } => {
            let plan = Plan::resolve(
                &pipeline,
                &PlanOptions {
                    as_of,
                    out,
                    lang,
                    dry_run,
                    ..PlanOptions::default()
                },
            )?;
            let mut progress = Bar::new();
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            let options = legalaid::RunOptions {
                dry_run,
                today: Some(today()?),
                sql_metrics,
            };
            let summary = runtime.block_on(legalaid::run(&plan, options, &mut progress))?;
            progress.finish();
            if let Some(r) = &summary.recovered {
                eprintln!("note: {r}");
            }
            print_counts(&summary.ingested);
            let r = summary.register;
            println!(
                "\nrun {}: register events {} → {}{}; {} new proposal(s)",
                summary.run_id,
                r.events_before,
                r.events_after,
                if r.dry_run {
                    " (dry run: nothing written to the register)"
                } else {
                    ""
                },
                summary.newly_proposed
            );
            if let Some(dir) = &summary.notices {
                println!(
                    "notices of proposals on {}: {}{}",
                    plan.as_of,
                    dir.display(),
                    if r.dry_run {
                        " (dry run: drafts, not kept)"
                    } else {
                        " (kept for good; no later run deletes them)"
                    }
                );
            }
            let rejected: Vec<String> = summary
                .ingested
                .reports
                .iter()
                .filter(|r| r.rejected_count() > 0)
                .map(|r| format!("{} {}", r.table.name(), r.rejected_count()))
                .collect();
            if !rejected.is_empty() {
                println!(
                    "rejected rows (not used by this run): {}; each as read, with its file, row \
                     and reason, in {}",
                    rejected.join(", "),
                    plan.output_dir.join("rejected").display()
                );
            }
            for low in &summary.low_agreement {
                println!(
                    "low panel agreement: {} cases have Krippendorff's alpha {:.3} over {} \
                     case(s) with two or more reviews, below [reliability] alpha_hold {}; they do not count \
                     towards the quality rules N1/N2, which are held for them (see {})",
                    low.case_type,
                    low.alpha,
                    low.n_cases,
                    plan.settings.reliability.alpha_hold,
                    plan.output_dir.join("internal/panel.html").display()
                );
            }
            if summary.held_entries > 0 {
                println!(
                    "{} negative entr{} held: quality rules on cases that do not count \
                     (disputed, of a case type with low agreement, or whose grade depends on \
                     the reviewers drawn) are not proposed until the cases are reviewed again; \
                     see {}",
                    summary.held_entries,
                    if summary.held_entries == 1 {
                        "y"
                    } else {
                        "ies"
                    },
                    plan.output_dir.join("internal/panel.html").display()
                );
            }
            if !summary.absent_evidence.is_empty() {
                let entries: std::collections::BTreeSet<&str> = summary
                    .absent_evidence
                    .iter()
                    .map(|a| a.entry_id.as_str())
                    .collect();
                eprintln!(
                    "warning: {} open negative entr{} rest on {} evidence id(s) this run's data \
                     does not hold ({}); they stand until staff decide — see \
                     internal/register-check.csv, and `legalaid register annul` if one no longer applies",
                    entries.len(),
                    if entries.len() == 1 { "y" } else { "ies" },
                    summary.absent_evidence.len(),
                    entries.into_iter().take(5).collect::<Vec<_>>().join(", ")
                );
            }
            for warning in summary
                .severity_fits
                .iter()
                .filter_map(|f| f.split_warning())
            {
                eprintln!("warning: {warning}");
            }
            for warning in &summary.publish.warnings {
                eprintln!("warning: {warning}");
            }
            println!("outputs written to {}", plan.output_dir.display());
            if timings {
                println!("\n{:<18} {:>10} {:>14}", "stage", "seconds", "peak RSS MiB");
                for t in &summary.timings.stages {
                    let peak = t
                        .peak_rss
                        .map(|b| format!("{:.1}", b as f64 / 1048576.0))
                        .unwrap_or_else(|| "-".to_string());
                    println!("{:<18} {:>10.3} {peak:>14}", t.stage, t.wall.as_secs_f64());
                }
                println!("\nreviewer severity fit (sweeps to converge):");
                for f in &summary.severity_fits {
                    println!(
                        "  {:<16} {:>9} reviews {:>5} reviewers {:>3} component(s) {:>6} sweeps {:>8.3} s",
                        f.case_type,
                        f.reviews,
                        f.reviewers,
                        f.components,
                        f.sweeps,
                        f.elapsed.as_secs_f64()
                    );
                }
                let models = &summary.model_timings.0;
                // As wide as the longest model name, so the seconds line up.
                let header = "SQL model";
                let width = models
                    .iter()
                    .map(|(name, _)| name.len())
                    .fold(header.len(), usize::max);
                println!("\n{header:<width$} {:>10}", "seconds");
                for (name, wall) in models {
                    println!("{name:<width$} {:>10.3}", wall.as_secs_f64());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate {
            out,
            cases,
            seed,
            year,
        } => {
            let options = legalaid::generate::GenerateOptions {
                out,
                cases,
                seed,
                year,
            };
            let bar = Bar::new();
            let summary = legalaid::generate::generate(&options, &mut |n| {
                if let Some(b) = &bar.0 {
                    b.set_message(format!("{n} of {cases} cases"));
                }
            })
            .map_err(legalaid::Error::from)?;
            bar.finish();
            for (table, rows) in &summary.rows {
                println!("{table:<11} {rows:>10} rows");
            }
            println!("pipeline file: {}", summary.pipeline.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { pipeline, lawyer } => {
            let plan = Plan::resolve(&pipeline, &PlanOptions::default())?;
            print!("{}", legalaid::explain::explain(&plan, &lawyer)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Sample {
            pipeline,
            as_of,
            rate,
            seed,
            panel_size,
            out,
            strict,
        } => {
            let plan = Plan::resolve(
                &pipeline,
                &PlanOptions {
                    as_of,
                    reviews_may_be_missing: true,
                    ..PlanOptions::default()
                },
            )?;
            let options = legalaid::sample::SampleOptions {
                as_of,
                rate,
                seed,
                panel_size,
                out,
                strict,
            };
            let mut bar = Bar::new();
            legalaid::Progress::stage(&mut bar, "drawing the review sample");
            let summary = legalaid::sample::sample(&plan, &options)?;
            bar.finish();
            print_sample(&summary);
            Ok(if summary.ok() {
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "error: {} sampled cases could not be staffed (--strict); see {}",
                    summary.unstaffed.len(),
                    summary.out_dir.join("unstaffed.csv").display()
                );
                ExitCode::from(1)
            })
        }
        Command::Validate {
            pipeline,
            rejects,
            as_of,
        } => {
            let plan = Plan::resolve(
                &pipeline,
                &PlanOptions {
                    as_of,
                    ..PlanOptions::default()
                },
            )?;
            let mut progress = Bar::new();
            let ingested = legalaid::validate(&plan, &mut progress)?;
            progress.finish();
            print_counts(&ingested);
            print_first_rejects(&ingested, 5);
            if let Some(dir) = rejects {
                legalaid::ingest::quarantine::write_all(&dir, &ingested.reports)?;
                println!("quarantine files written to {}", dir.display());
            }
            match legalaid::check_reject_ratios(&plan, &ingested) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Register { command } => {
            let mut waiting = |message: &str| eprintln!("{message}");
            print!(
                "{}",
                legalaid::register::cli::execute_waiting(&command, today()?, &mut waiting)?
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_counts(ingested: &Ingested) {
    println!(
        "{:<11} {:>10} {:>10} {:>10} {:>14} {:>11}",
        "table", "read", "accepted", "rejected", "out of period", "superseded"
    );
    for r in &ingested.reports {
        println!(
            "{:<11} {:>10} {:>10} {:>10} {:>14} {:>11}",
            r.table.name(),
            r.read(),
            r.accepted(),
            r.rejected_count(),
            r.out_of_period,
            r.superseded
        );
    }
}

fn print_sample(s: &legalaid::sample::SampleSummary) {
    println!(
        "sampled {} of {} closed cases of the period (as of {}, rate {}, seed {}, panel size {})",
        s.sampled, s.period_cases, s.as_of, s.rate, s.seed, s.panel_size
    );
    println!("{:<16} {:>8}", "reason", "cases");
    for (reason, n) in &s.per_reason {
        println!("{:<16} {n:>8}", reason.code());
    }
    println!(
        "staffed {} cases; {} reviewers, at most {} cases each (load bound {})",
        s.staffed, s.assignable_reviewers, s.max_load, s.load_bound
    );
    if !s.unstaffed.is_empty() {
        println!("\n{} cases could not be staffed:", s.unstaffed.len());
        for u in s.unstaffed.iter().take(20) {
            println!("  {}  {}", u.case_id, u.reason);
        }
        if s.unstaffed.len() > 20 {
            println!("  … and {} more in unstaffed.csv", s.unstaffed.len() - 20);
        }
    }
    println!("{}", s.register_note);
    println!(
        "sample.csv, unstaffed.csv and {} workbooks in sheets/ written to {}",
        s.workbooks,
        s.out_dir.display()
    );
}

fn print_first_rejects(ingested: &Ingested, per_table: usize) {
    for r in ingested.reports.iter().filter(|r| !r.rejected.is_empty()) {
        println!("\nfirst rejected rows of {}:", r.table.name());
        for rej in r.rejected.iter().take(per_table) {
            println!("  {}:{}  {}", rej.source_file, rej.source_row, rej.reason);
        }
        if r.rejected.len() > per_table {
            println!("  … and {} more", r.rejected.len() - per_table);
        }
    }
}

/// A progress spinner on a terminal; nothing in CI and pipes.
struct Bar(Option<ProgressBar>);

impl Bar {
    fn new() -> Bar {
        if !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("valid template"));
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Bar(Some(bar))
    }

    fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

impl legalaid::Progress for Bar {
    fn stage(&mut self, name: &str) {
        if let Some(b) = &self.0 {
            b.set_message(name.to_string());
        }
    }

    fn rows(&mut self, table: Table, rows: u64) {
        if let Some(b) = &self.0 {
            b.set_message(format!("ingest {}: {rows} rows", table.name()));
        }
    }

    fn waiting(&mut self, message: &str) {
        match &self.0 {
            Some(b) => b.suspend(|| eprintln!("{message}")),
            None => eprintln!("{message}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every argument of every command has a description, and every option
    /// that may be left out says what it defaults to (clap's
    /// `[default: …]`, or "default" / "required" in its text).
    #[test]
    fn every_option_has_a_description_and_its_default() {
        fn walk(cmd: &clap::Command, path: String, problems: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
                if help.is_empty() {
                    problems.push(format!("{path} {id}: no description"));
                    continue;
                }
                let optional = !arg.is_positional()
                    && arg.get_default_values().is_empty()
                    && !arg.is_required_set();
                if optional && !help.contains("default") && !help.contains("required") {
                    problems.push(format!("{path} --{id}: no default stated"));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, format!("{path} {}", sub.get_name()), problems);
            }
        }
        let mut problems = Vec::new();
        walk(&super::Cli::command(), "legalaid".into(), &mut problems);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// The option index is mimalloc's purge delay: it holds v3's default
    /// until tuned, then the shorter delay. A wrong index (another option,
    /// another default) leaves the delay alone and fails here.
    #[test]
    fn the_allocator_gives_freed_memory_back_after_a_tenth_of_a_second() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads an option's value. (The harness's other test may run
        // beside this one while the option is set: it only allocates.)
        let get = || unsafe { super::mi_option_get(super::PURGE_DELAY) };
        let before = get();
        super::tune_allocator();
        assert_eq!(
            before,
            super::PURGE_DELAY_DEFAULT_MS,
            "option {} is not mimalloc v3's purge delay",
            super::PURGE_DELAY
        );
        assert_eq!(get(), super::PURGE_DELAY_MS);
    }
}
