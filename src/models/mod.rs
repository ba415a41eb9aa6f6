//! The SQL models: the derived tables of a run, one SQL file each under
//! `sql/`, dbt style. A model is a single `SELECT` (a chain of named CTEs
//! ending in a final select) over the staging tables that ingest registers in
//! the session (`cases`, `lawyers`, `reviewers`, `reviews`, `rubric_items`,
//! `rubric_bands`, `settings`) and over the models run before it. Names
//! carry the stage: `stg_` cleaned inputs, `int_` joins and per-review or
//! per-item aggregates, `mart_` the tables that reports read and that are
//! written out. [`PHASES`] lists them in run order; [`run_models_in`] runs each
//! (two at a time where one does not read the other),
//! materialises its result under the model's name — an in-memory table, or a
//! Parquet file of the run's scratch folder ([`Store`]) — so later models and
//! later stages read it like any other table. Values stay unrounded in the session, because later SQL
//! compares them against thresholds; [`rounded_for_output`] rounds the
//! columns a model declares, for the written copies only. Every threshold
//! comes from the `settings` table, never from a literal in SQL, except the
//! 1e-9 comparison tolerance of the spec.
//!
//! Three conventions keep large runs fast: a one-row parameter table comes
//! first in a cross join (`from params as p cross join cases as c`), because
//! the engine holds the left side of a cross join in memory and, when it
//! cannot tell the sizes apart, emits one batch per left row; the cleaning
//! models over the largest inputs are views ([`Kind::View`]); and an
//! internal model that every reader aggregates is left unsorted
//! ([`Kind::Unordered`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Float64Array, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::datasource::MemTable;
use datafusion::datasource::empty::EmptyTable;
use datafusion::error::DataFusionError;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::logical_expr::{Expr, LogicalPlan, SortExpr};
use datafusion::physical_plan::{ExecutionPlan, execute_stream};
use datafusion::prelude::{DataFrame, SessionContext};
use futures::StreamExt;

use crate::scratch::ScratchWriter;

pub mod metrics;
#[cfg(test)]
mod tests;

/// One SQL model: a file `sql/<name>.sql` whose result is registered in the
/// session under `name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    /// The model's name, also its table name in the session and its file
    /// name under `sql/`.
    pub name: &'static str,
    /// The SQL text, embedded from `sql/<name>.sql`.
    pub sql: &'static str,
    /// Where the run writes the model's rows, for marts that are written.
    pub output: Option<Output>,
    /// Columns rounded for output only, with decimals.
    pub round: &'static [(&'static str, u32)],
    /// How the result is kept and what its row order means.
    pub kind: Kind,
    /// How the engine builds the model's hash joins: from which input, and
    /// whether whole on one thread.
    pub joins: Joins,
}

/// How the engine builds each of a model's hash joins: from which input
/// (the table is built from one, the other streamed past it), and whether
/// whole on one thread (`CollectLeft`) or split over the partitions. The
/// engine decides both from its row estimates, which a filter on a flag
/// can mislead: it guesses a fifth of the rows kept, and on such guesses
/// it built the 4.75 M cases of 5 M into single-threaded hash tables of
/// 427 MB (benches/results/NOTES.md, sessions 37 and 38). A model whose
/// joins it misjudges declares them here, and its SQL says why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joins {
    /// Both as the engine estimates: right whenever its estimates are, as
    /// they are for tables read whole and for most models.
    ByEstimate,
    /// The input as the engine estimates, but built whole only when exact
    /// table sizes bound it under the engine's threshold
    /// ([`crate::session::join_modes`]); otherwise partitioned.
    Bounded,
    /// [`Joins::Bounded`], and built from each join's first input as the
    /// SQL writes it, never swapped: the SQL puts the smaller input first.
    AsWritten,
}
// The scale-out path plans the scoring models ([`SCORING`]) with a Ballista
// cluster's planner, which knows no declaration: they stay `ByEstimate`
// (a test in `models::tests::runner` holds them to it).

/// How a model's result is kept in the session, and whether the order of
/// its rows is part of it. Checked when every run starts
/// ([`check_boundary`]), so a wrong declaration fails before any data is
/// read, and relied on by the scale-out path, which puts a cluster's rows
/// back in the model's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Registered as a view, not materialised: for the cleaning models over
    /// large inputs (`stg_reviews` is one row per review item), whose later
    /// readers aggregate them at once.
    View,
    /// Materialised in the order of the model's final `ORDER BY` of its
    /// result's columns, which it must end in: the order is part of what it
    /// produces (written marts, pages read as a stream).
    Sorted,
    /// Materialised in whatever order the engine produced: for an internal
    /// model that every reader only aggregates (or reads as a set), where
    /// sorting millions of rows would buy nothing. No reader may sum
    /// floating-point values over it, as such a sum depends on the order
    /// of its terms. It must not end in an `ORDER BY` nor be written out.
    Unordered,
}

/// Where a written mart goes: declared once, beside the model, so the run
/// routes results without matching on model names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// `data/<name>.parquet` and `data/<name>.csv`.
    Data(&'static str),
    /// `internal/eligibility.xlsx`: the roster of lawyers eligible for
    /// serious cases, a named list for the justice bureau, never in `data/`.
    EligibilityWorkbook,
}

impl Model {
    /// Whether the model is registered as a view ([`Kind::View`]).
    pub fn is_view(&self) -> bool {
        self.kind == Kind::View
    }

    /// The model's file, relative to the crate root: `sql/<name>.sql`.
    pub fn file(&self) -> String {
        format!("sql/{}.sql", self.name)
    }
}

/// The per-review scoring models, in run order: each reads only staging
/// tables and models listed before it. The order is these lists, never the
/// file names. The reviewer-severity fit ([`crate::severity`]) reads the
/// last of them and runs before [`CASE_MODELS`] (see [`score`]).
pub const REVIEW_MODELS: &[Model] = &[
    Model {
        name: "stg_case_rows",
        sql: include_str!("../../sql/stg_case_rows.sql"),
        output: None,
        round: &[],
        kind: Kind::View,
        joins: Joins::ByEstimate,
    },
    Model {
        name: "stg_cases",
        sql: include_str!("../../sql/stg_cases.sql"),
        output: None,
        round: &[],
        kind: Kind::View,
        joins: Joins::ByEstimate,
    },
    Model {
        name: "stg_rubric_items",
        sql: include_str!("../../sql/stg_rubric_items.sql"),
        output: None,
        round: &[],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    },
    Model {
        name: "stg_reviews",
        sql: include_str!("../../sql/stg_reviews.sql"),
        output: None,
        round: &[],
        kind: Kind::View,
        joins: Joins::ByEstimate,
    },
    Model {
        name: "int_review_totals",
        sql: include_str!("../../sql/int_review_totals.sql"),
        output: None,
        round: &[],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    },
    unordered(
        "int_case_veto_items",
        include_str!("../../sql/int_case_veto_items.sql"),
    ),
    internal(
        "mart_severity_input",
        include_str!("../../sql/mart_severity_input.sql"),
    ),
];

/// The per-case and per-reviewer scoring models, run after the
/// reviewer-severity fit has registered `int_reviewer_severity`.
pub const CASE_MODELS: &[Model] = &[
    Model {
        name: "mart_case_scores",
        sql: include_str!("../../sql/mart_case_scores.sql"),
        output: Some(Output::Data("case_scores")),
        round: &[
            ("score", 2),
            ("score_min", 2),
            ("score_max", 2),
            ("adjusted_score", 2),
        ],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    },
    Model {
        name: "mart_reviewer_stats",
        sql: include_str!("../../sql/mart_reviewer_stats.sql"),
        output: Some(Output::Data("reviewer_stats")),
        round: &[
            ("mean_deviation", 2),
            ("abs_mean_deviation", 2),
            ("severity", 2),
            ("severity_se", 2),
        ],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    },
    Model {
        name: "mart_reviewer_severity",
        sql: include_str!("../../sql/mart_reviewer_severity.sql"),
        output: Some(Output::Data("reviewer_severity")),
        round: &[("severity", 2), ("severity_se", 2)],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    },
    Model {
        name: "mart_panel_agreement",
        sql: include_str!("../../sql/mart_panel_agreement.sql"),
        output: Some(Output::Data("panel_agreement")),
        round: &[("alpha", 4)],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    },
];

/// Declares a model that is not written out.
const fn internal(name: &'static str, sql: &'static str) -> Model {
    Model {
        name,
        sql,
        output: None,
        round: &[],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    }
}

/// Declares an internal model that every reader aggregates (or reads as a
/// set), left in the engine's order ([`Kind::Unordered`]).
const fn unordered(name: &'static str, sql: &'static str) -> Model {
    Model {
        name,
        sql,
        output: None,
        round: &[],
        kind: Kind::Unordered,
        joins: Joins::ByEstimate,
    }
}

/// The credit and list-rule models, run after [`CASE_MODELS`] and before the
/// register's transitions (they read the scoring marts).
pub const CREDIT_MODELS: &[Model] = &[
    Model {
        name: "stg_sanctions",
        sql: include_str!("../../sql/stg_sanctions.sql"),
        output: None,
        round: &[],
        kind: Kind::View,
        joins: Joins::ByEstimate,
    },
    internal("stg_lawyers", include_str!("../../sql/stg_lawyers.sql")),
    internal(
        "int_case_grades",
        include_str!("../../sql/int_case_grades.sql"),
    ),
    unordered(
        "int_case_archiving",
        include_str!("../../sql/int_case_archiving.sql"),
    ),
    internal(
        "int_lawyer_quality",
        include_str!("../../sql/int_lawyer_quality.sql"),
    ),
    internal(
        "int_lawyer_service",
        include_str!("../../sql/int_lawyer_service.sql"),
    ),
    internal(
        "int_conduct_events",
        include_str!("../../sql/int_conduct_events.sql"),
    ),
    internal(
        "int_credit_reasons",
        include_str!("../../sql/int_credit_reasons.sql"),
    ),
    internal(
        "int_lawyer_credit",
        include_str!("../../sql/int_lawyer_credit.sql"),
    ),
    internal(
        "int_negative_rules",
        include_str!("../../sql/int_negative_rules.sql"),
    ),
    internal(
        "int_positive_rules",
        include_str!("../../sql/int_positive_rules.sql"),
    ),
    internal(
        "mart_register_input",
        include_str!("../../sql/mart_register_input.sql"),
    ),
    internal(
        "mart_credit_reasons",
        include_str!("../../sql/mart_credit_reasons.sql"),
    ),
    internal(
        "mart_negative_findings",
        include_str!("../../sql/mart_negative_findings.sql"),
    ),
    internal("mart_evidence", include_str!("../../sql/mart_evidence.sql")),
    internal(
        "mart_addressees",
        include_str!("../../sql/mart_addressees.sql"),
    ),
];

/// The model of any phase with this name.
pub fn model(name: &str) -> Option<&'static Model> {
    all_models().find(|m| m.name == name)
}

/// The marts publication reads (`publish::rows`) that need nothing of the
/// register: run while the register decides this run's transitions (that
/// step is one thread's work), and finished before [`REGISTER_MODELS`]
/// start. None may read the register's state: [`check_boundary`] registers
/// it only for the last phase, so a model here that reads it fails to plan.
pub const REPORT_MODELS: &[Model] = &[
    internal(
        "mart_report_case_counts",
        include_str!("../../sql/mart_report_case_counts.sql"),
    ),
    internal(
        "mart_report_cases",
        include_str!("../../sql/mart_report_cases.sql"),
    ),
    internal(
        "mart_report_reviewers",
        include_str!("../../sql/mart_report_reviewers.sql"),
    ),
    // Joined by the two disputed-case worklists below, never sorted.
    unordered(
        "int_disputed_cases",
        include_str!("../../sql/int_disputed_cases.sql"),
    ),
    internal(
        "mart_report_disputed_cases",
        include_str!("../../sql/mart_report_disputed_cases.sql"),
    ),
    internal(
        "mart_report_disputed_totals",
        include_str!("../../sql/mart_report_disputed_totals.sql"),
    ),
    internal(
        "mart_report_sanctions",
        include_str!("../../sql/mart_report_sanctions.sql"),
    ),
    internal(
        "mart_report_n4_evidence",
        include_str!("../../sql/mart_report_n4_evidence.sql"),
    ),
    internal(
        "mart_report_severity",
        include_str!("../../sql/mart_report_severity.sql"),
    ),
    internal(
        "mart_report_sensitive_cases",
        include_str!("../../sql/mart_report_sensitive_cases.sql"),
    ),
    // Read as a set of values to search the published texts for.
    unordered(
        "mart_report_identifiers",
        include_str!("../../sql/mart_report_identifiers.sql"),
    ),
    internal(
        "mart_lawyer_page_profiles",
        include_str!("../../sql/mart_lawyer_page_profiles.sql"),
    ),
];

/// The models that read the register as it stands after this run's
/// transitions (`register_entries`), run last; with them the marts
/// publication reads that read those (the lists' entries and events, the
/// lawyers' cases with their compliance flags).
pub const REGISTER_MODELS: &[Model] = &[
    Model {
        name: "mart_lawyer_credit",
        sql: include_str!("../../sql/mart_lawyer_credit.sql"),
        output: Some(Output::Data("lawyer_credit")),
        round: &[
            ("mean_score", 2),
            ("quality", 2),
            ("service", 2),
            ("deductions", 2),
            ("credit_score", 2),
            ("archive_rate", 4),
            ("satisfaction_rate", 4),
        ],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    },
    Model {
        name: "mart_list_status",
        sql: include_str!("../../sql/mart_list_status.sql"),
        output: Some(Output::Data("list_status")),
        round: &[],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    },
    Model {
        joins: Joins::AsWritten,
        ..unordered(
            "int_case_compliance",
            include_str!("../../sql/int_case_compliance.sql"),
        )
    },
    Model {
        name: "mart_case_compliance",
        sql: include_str!("../../sql/mart_case_compliance.sql"),
        output: Some(Output::Data("case_compliance")),
        round: &[],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    },
    Model {
        name: "mart_inspection",
        sql: include_str!("../../sql/mart_inspection.sql"),
        output: Some(Output::Data("inspection")),
        round: &[("mean_score", 2), ("credit_score", 2)],
        kind: Kind::Sorted,
        joins: Joins::Bounded,
    },
    Model {
        name: "mart_inspection_firms",
        sql: include_str!("../../sql/mart_inspection_firms.sql"),
        output: Some(Output::Data("inspection_firms")),
        round: &[
            ("share_competent", 4),
            ("share_basically_competent", 4),
            ("share_not_competent", 4),
            ("share_duty_met", 4),
            ("mean_score", 2),
        ],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    },
    Model {
        name: "mart_eligibility",
        sql: include_str!("../../sql/mart_eligibility.sql"),
        output: Some(Output::EligibilityWorkbook),
        round: &[("credit_score", 2)],
        kind: Kind::Sorted,
        joins: Joins::ByEstimate,
    },
    // What publication reads (`publish::rows`) of the register: run last,
    // after every model above, so that publication itself runs no SQL.
    internal(
        "mart_report_entries",
        include_str!("../../sql/mart_report_entries.sql"),
    ),
    internal(
        "mart_report_events",
        include_str!("../../sql/mart_report_events.sql"),
    ),
    internal(
        "mart_lawyer_page_cases",
        include_str!("../../sql/mart_lawyer_page_cases.sql"),
    ),
];

/// The model lists in run order: scoring, then credit and list rules, then
/// the marts publication reads without the register (while the register
/// decides), then (after the register's transitions) the tables that read
/// the register. Only the last phase may read the register's state.
pub const PHASES: &[&[Model]] = &[
    REVIEW_MODELS,
    CASE_MODELS,
    CREDIT_MODELS,
    REPORT_MODELS,
    REGISTER_MODELS,
];

/// The scoring phases ([`REVIEW_MODELS`], then [`CASE_MODELS`]).
pub const SCORING: &[&[Model]] = &[REVIEW_MODELS, CASE_MODELS];

/// Every scoring model, in run order.
pub fn scoring_models() -> impl Iterator<Item = &'static Model> {
    SCORING.iter().flat_map(|phase| phase.iter())
}

/// Scoring: the per-review models, the reviewer-severity fit over
/// `mart_severity_input` (registered as `int_reviewer_severity`), then the
/// per-case and per-reviewer models that read it. Returns the models'
/// results in run order and what each case type's fit did.
pub async fn score(
    ctx: &SessionContext,
    store: Store<'_>,
    severity_prior_reviews: f64,
) -> Result<(Vec<ModelResult>, Vec<crate::severity::FitSummary>), crate::Error> {
    let mut results = run_models_in(ctx, REVIEW_MODELS, store).await?;
    let fits = crate::severity::fit_and_register(ctx, &results, severity_prior_reviews)?;
    results.extend(run_models_in(ctx, CASE_MODELS, store).await?);
    Ok((results, fits))
}

/// Every model of every phase, in run order.
pub fn all_models() -> impl Iterator<Item = &'static Model> {
    PHASES.iter().flat_map(|phase| phase.iter())
}

/// A model's result: its schema, and its rows in memory or in a file of the
/// run's scratch folder (none for a view).
#[derive(Debug, Clone)]
pub struct ModelResult {
    pub model: &'static Model,
    pub schema: SchemaRef,
    /// The rows, when kept in memory ([`Store::Memory`]).
    pub batches: Vec<RecordBatch>,
    /// The Parquet file holding the rows, when stored in a folder.
    pub file: Option<PathBuf>,
    /// Wall time of planning and running the SQL and storing the result
    /// (a view's is only its planning).
    pub elapsed: std::time::Duration,
}

impl ModelResult {
    /// Total number of rows held in memory.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The rows, from memory or read back from the result's file.
    pub fn read(&self) -> Result<Vec<RecordBatch>, ModelError> {
        match &self.file {
            None => Ok(self.batches.clone()),
            Some(path) => {
                let fail = |e: std::io::Error| {
                    ModelError::in_step(self.model, "reading the stored result", e.into())
                };
                crate::scratch::read_batches(path)
                    .map_err(fail)?
                    .map(|b| b.map_err(|e| fail(std::io::Error::other(e))))
                    .collect()
            }
        }
    }
}

/// The result of the model `name` among a run's results.
pub fn result<'a>(results: &'a [ModelResult], name: &str) -> Result<&'a ModelResult, ModelError> {
    results
        .iter()
        .find(|r| r.model.name == name)
        .ok_or_else(|| ModelError {
            model: name.to_string(),
            file: format!("sql/{name}.sql"),
            statement: "reading its result".into(),
            source: DataFusionError::Plan(format!("model `{name}` did not run in this run")),
        })
}

/// Where materialised model results live.
#[derive(Debug, Clone, Copy)]
pub enum Store<'a> {
    /// In-memory tables (tests, small runs).
    Memory,
    /// Parquet files in this folder, scanned by the engine: memory then
    /// holds only what a query is working on, which the engine's memory
    /// limit bounds (spilling sorts and aggregates to disk).
    Dir(&'a Path),
}

/// A model failed: planning or running its SQL, registering its result, or
/// rounding it for output.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {statement}: {source}")]
pub struct ModelError {
    /// The model's name.
    pub model: String,
    /// The model's file, `sql/<name>.sql`.
    pub file: String,
    /// The first line(s) of the failing statement, or the step that failed.
    pub statement: String,
    #[source]
    pub source: DataFusionError,
}

impl ModelError {
    fn in_statement(model: &Model, source: DataFusionError) -> Self {
        ModelError {
            model: model.name.to_string(),
            file: model.file(),
            statement: format!("statement `{}`", statement_head(model.sql)),
            source,
        }
    }

    fn in_step(model: &Model, step: &str, source: DataFusionError) -> Self {
        ModelError {
            model: model.name.to_string(),
            file: model.file(),
            statement: step.to_string(),
            source,
        }
    }
}

/// The first two lines of SQL of a statement, skipping blank lines and `--`
/// comments, joined by a space and cut at 120 characters.
fn statement_head(sql: &str) -> String {
    const MAX_CHARS: usize = 120;
    let head = sql
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("--"))
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    if head.chars().count() > MAX_CHARS {
        let cut: String = head.chars().take(MAX_CHARS).collect();
        format!("{cut}…")
    } else {
        head
    }
}

/// Plans every model of `phases` in order on `ctx` (each registered as an
/// empty table of its planned schema, so nothing is executed and no data
/// read) and checks each mart that
/// Rust consumes ([`crate::marts::CONSUMED`]) against the struct that reads
/// it. `ctx` holds the staging tables, normally empty
/// ([`crate::session::build_empty`]).
pub async fn check_boundary(ctx: &SessionContext, phases: &[&[Model]]) -> Result<(), crate::Error> {
    crate::marts::check_registry()?;
    // The severity fit, which the case models read, as an empty table; the
    // register's state likewise, but only for the last phase: a model of an
    // earlier one runs before or while the register decides, and reading
    // the state must fail to plan there.
    crate::severity::register(ctx, &[])?;
    let last = phases.len().saturating_sub(1);
    for (p, phase) in phases.iter().enumerate() {
        if p == last {
            crate::lists::register_state(ctx, &[], &[])?;
        }
        check_phase(ctx, phase).await?;
    }
    Ok(())
}

/// Plans each model of one phase against the tables registered so far,
/// checks the marts Rust reads, and registers each planned model's schema
/// for the models after it. An empty table, not a view of the plan: models
/// planned over views of views re-plan every model below them, and the
/// check took 0.3 s of one thread at the start of every run.
async fn check_phase(ctx: &SessionContext, phase: &[Model]) -> Result<(), crate::Error> {
    for model in phase {
        let in_sql = |e| ModelError::in_statement(model, e);
        let df = ctx.sql(model.sql).await.map_err(in_sql)?;
        check_kind(model, df.logical_plan())?;
        if let Some(consumed) = crate::marts::CONSUMED
            .iter()
            .find(|c| c.model == model.name)
        {
            (consumed.check)(df.schema().as_arrow())?;
        }
        let register = |e| ModelError::in_step(model, "registering the planned model", e);
        ctx.deregister_table(model.name).map_err(register)?;
        let schema = Arc::new(df.schema().as_arrow().clone());
        ctx.register_table(model.name, Arc::new(EmptyTable::new(schema)))
            .map_err(register)?;
    }
    Ok(())
}

/// Runs one model and keeps its result in memory; see [`run_model_in`].
pub async fn run_model(
    ctx: &SessionContext,
    model: &'static Model,
) -> Result<ModelResult, ModelError> {
    run_model_in(ctx, model, Store::Memory).await
}

/// Checks that the model's plan is what its [`Kind`] declares: a sorted
/// model ends in an `ORDER BY` of its result's columns ([`final_order`]); an
/// unordered one does not, and is not written out.
fn check_kind(model: &Model, plan: &LogicalPlan) -> Result<(), ModelError> {
    let refused = |why: String| {
        ModelError::in_step(model, "checking its row order", DataFusionError::Plan(why))
    };
    match model.kind {
        Kind::View => Ok(()),
        Kind::Sorted => final_order(plan)
            .map(drop)
            .map_err(|e| ModelError::in_step(model, "checking its row order", e)),
        Kind::Unordered if model.output.is_some() => Err(refused(
            "the model is declared unordered, but a written mart's row order is part of \
             the output: declare it Kind::Sorted and end it in an ORDER BY"
                .into(),
        )),
        Kind::Unordered if matches!(plan, LogicalPlan::Sort(_)) => Err(refused(
            "the model is declared unordered (its readers only aggregate it), but ends in an \
             ORDER BY: drop the ORDER BY, or declare it Kind::Sorted"
                .into(),
        )),
        Kind::Unordered => Ok(()),
    }
}

/// The final `ORDER BY` of a model's plan: the columns of its result and
/// their directions. Every [`Kind::Sorted`] model ends in one (the order of
/// its rows is part of what it produces); ordering by anything but a column
/// of the result is refused, as the scale-out path could not put a
/// cluster's rows back in that order.
pub fn final_order(plan: &LogicalPlan) -> Result<Vec<(String, SortExpr)>, DataFusionError> {
    let LogicalPlan::Sort(sort) = plan else {
        return Err(DataFusionError::Plan(
            "the model is declared sorted but does not end in an ORDER BY of its result's \
             columns, so the order of its rows is not defined"
                .into(),
        ));
    };
    sort.expr
        .iter()
        .map(|s| match &s.expr {
            Expr::Column(c) => Ok((c.name.clone(), s.clone())),
            other => Err(DataFusionError::Plan(format!(
                "the model's ORDER BY has `{other}`, not a column of its result"
            ))),
        })
        .collect()
}

/// Runs one model: a view is registered as its SQL; any other model's SQL is
/// planned and executed, its result stored (in memory or streamed batch by
/// batch to a file) and registered in the session under the model's name,
/// replacing any table of that name.
pub async fn run_model_in(
    ctx: &SessionContext,
    model: &'static Model,
    store: Store<'_>,
) -> Result<ModelResult, ModelError> {
    let started = std::time::Instant::now();
    let in_sql = |e| ModelError::in_statement(model, e);
    let register = |e| ModelError::in_step(model, "registering the result", e);
    let df = ctx.sql(model.sql).await.map_err(in_sql)?;
    if model.is_view() {
        let schema = Arc::clone(df.schema().inner());
        let view = df.into_view();
        ctx.deregister_table(model.name).map_err(register)?;
        ctx.register_table(model.name, view).map_err(register)?;
        return Ok(ModelResult {
            model,
            schema,
            batches: Vec::new(),
            file: None,
            elapsed: started.elapsed(),
        });
    }
    let plan = physical_plan(ctx, model, df).await.map_err(in_sql)?;
    let stream = execute_stream(Arc::clone(&plan), ctx.task_ctx()).map_err(in_sql)?;
    let result = materialise(ctx, model, store, plan.schema(), stream, started).await?;
    metrics::write_if_recorded(ctx, model, plan.as_ref())?;
    Ok(result)
}

/// The plan the engine runs for a model's SQL, its joins built as the
/// model declares ([`Joins`]).
async fn physical_plan(
    ctx: &SessionContext,
    model: &Model,
    df: DataFrame,
) -> Result<Arc<dyn ExecutionPlan>, DataFusionError> {
    if model.joins == Joins::ByEstimate {
        return df.create_physical_plan().await;
    }
    let mut state = SessionStateBuilder::new_from_existing(ctx.state())
        .with_physical_optimizer_rules(crate::session::join_modes::physical_optimizer_rules())
        .build();
    if model.joins == Joins::AsWritten {
        state.config_mut().options_mut().optimizer.join_reordering = false;
    }
    state.create_physical_plan(df.logical_plan()).await
}

/// Registers rows computed elsewhere (the scoring models on a Ballista
/// cluster, see `crate::scaleout`) as the model's result, stored and
/// registered exactly as [`run_model_in`] stores a result it computed, so
/// later models and stages cannot tell the difference. `elapsed` is the
/// time the rows took to compute.
pub async fn adopt_result(
    ctx: &SessionContext,
    model: &'static Model,
    store: Store<'_>,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    elapsed: std::time::Duration,
) -> Result<ModelResult, ModelError> {
    let started = std::time::Instant::now();
    let stream = futures::stream::iter(batches.into_iter().map(Ok));
    let mut result = materialise(ctx, model, store, schema, stream, started).await?;
    result.elapsed += elapsed;
    Ok(result)
}

/// Stores a model's rows (in memory, or streamed batch by batch to a file)
/// with every text column as `Utf8`, and registers them in the session
/// under the model's name, replacing any table of that name.
async fn materialise(
    ctx: &SessionContext,
    model: &'static Model,
    store: Store<'_>,
    schema: SchemaRef,
    mut stream: impl futures::Stream<Item = Result<RecordBatch, DataFusionError>> + Unpin,
    started: std::time::Instant,
) -> Result<ModelResult, ModelError> {
    let in_sql = |e| ModelError::in_statement(model, e);
    let register = |e| ModelError::in_step(model, "registering the result", e);
    let (schema, batches, file) = match store {
        Store::Memory => {
            let mut batches = Vec::new();
            while let Some(batch) = stream.next().await {
                batches.push(batch.map_err(in_sql)?);
            }
            let (schema, batches) = with_plain_strings(schema, batches).map_err(register)?;
            let table =
                MemTable::try_new(Arc::clone(&schema), vec![batches.clone()]).map_err(register)?;
            ctx.deregister_table(model.name).map_err(register)?;
            ctx.register_table(model.name, Arc::new(table))
                .map_err(register)?;
            (schema, batches, None)
        }
        Store::Dir(dir) => {
            let path = dir.join(format!("{}.parquet", model.name));
            let schema = plain_schema(&schema);
            let io = |e: std::io::Error| register(DataFusionError::IoError(e));
            let mut writer = ScratchWriter::create(&path, &schema).map_err(io)?;
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(in_sql)?;
                let (_, plain) =
                    with_plain_strings(batch.schema(), vec![batch]).map_err(register)?;
                for b in plain {
                    writer.write(&b).map_err(io)?;
                }
            }
            writer.finish().map_err(io)?;
            let table = crate::scratch::file_table(&path, Arc::clone(&schema)).map_err(register)?;
            ctx.deregister_table(model.name).map_err(register)?;
            ctx.register_table(model.name, table).map_err(register)?;
            (schema, Vec::new(), Some(path))
        }
    };
    Ok(ModelResult {
        model,
        schema,
        batches,
        file,
        elapsed: started.elapsed(),
    })
}

/// The schema with every text column as `Utf8` (see [`with_plain_strings`]).
fn plain_schema(schema: &SchemaRef) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            if is_other_string(f.data_type()) {
                f.as_ref().clone().with_data_type(DataType::Utf8)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

fn is_other_string(t: &DataType) -> bool {
    matches!(t, DataType::LargeUtf8 | DataType::Utf8View)
}

/// The batches with every text column as `Utf8`, the type of the staging
/// tables. DataFusion picks `LargeUtf8` or `Utf8View` for the results of some
/// functions and casts (`string_agg`, `cast(… as varchar)`); normalising here
/// keeps the SQL free of engine-specific casts and gives later SQL, the
/// writers and the tests one string type.
pub fn with_plain_strings(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> Result<(SchemaRef, Vec<RecordBatch>), DataFusionError> {
    if !schema
        .fields()
        .iter()
        .any(|f| is_other_string(f.data_type()))
    {
        return Ok((schema, batches));
    }
    let plain = plain_schema(&schema);
    let batches = batches
        .into_iter()
        .map(|batch| {
            let columns = batch
                .columns()
                .iter()
                .map(|c| {
                    if is_other_string(c.data_type()) {
                        cast(c, &DataType::Utf8)
                    } else {
                        Ok(Arc::clone(c))
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            RecordBatch::try_new(Arc::clone(&plain), columns)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((plain, batches))
}

/// Runs the models of a phase of [`PHASES`] in memory; see [`run_models_in`].
pub async fn run_models(
    ctx: &SessionContext,
    models: &'static [Model],
) -> Result<Vec<ModelResult>, ModelError> {
    run_models_in(ctx, models, Store::Memory).await
}

/// Runs the models of a phase, their results stored as `store` says and
/// returned in the list's order. A model starts once the models before it
/// that it reads have run, at most [`MODELS_AT_ONCE`] at a time, earlier
/// ones first. On a failure no later model starts, the models before the
/// failing one still run (as when they ran one by one), and the error is
/// the failure first in the list.
pub async fn run_models_in(
    ctx: &SessionContext,
    models: &'static [Model],
    store: Store<'_>,
) -> Result<Vec<ModelResult>, ModelError> {
    let reads = (0..models.len())
        .map(|i| models_read(ctx, models, i))
        .collect::<Result<Vec<_>, _>>()?;
    let dir = match store {
        Store::Memory => None,
        Store::Dir(dir) => Some(dir.to_path_buf()),
    };
    let mut results: Vec<Option<ModelResult>> = models.iter().map(|_| None).collect();
    let mut started = vec![false; models.len()];
    let mut failed: Option<(usize, ModelError)> = None;
    let mut running = tokio::task::JoinSet::new();
    loop {
        let start_before = failed.as_ref().map_or(models.len(), |(f, _)| *f);
        for (i, model) in models.iter().enumerate().take(start_before) {
            if running.len() >= MODELS_AT_ONCE {
                break;
            }
            if !started[i] && reads[i].iter().all(|&j| results[j].is_some()) {
                started[i] = true;
                let (ctx, dir) = (ctx.clone(), dir.clone());
                running.spawn(async move {
                    let store = dir.as_deref().map_or(Store::Memory, Store::Dir);
                    (i, run_model_in(&ctx, model, store).await)
                });
            }
        }
        let Some(finished) = running.join_next().await else {
            break;
        };
        let (i, result) = match finished {
            Ok(finished) => finished,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => unreachable!("a model's task is never cancelled: {e}"),
        };
        match result {
            Ok(result) => results[i] = Some(result),
            Err(e) if failed.as_ref().is_none_or(|(f, _)| i < *f) => failed = Some((i, e)),
            Err(_) => {}
        }
    }
    if let Some((_, e)) = failed {
        return Err(e);
    }
    Ok(results
        .into_iter()
        .map(|r| r.expect("with no failure every model ran: each reads only earlier ones"))
        .collect())
}

/// How many models of a phase run at once. One model's query rarely keeps
/// both cores of the reference machine busy (sampled: 60–70 % of two cores
/// through the credit and register phases at 1 M cases), and many models
/// of those phases read only tables made before the phase. Their times in
/// `--timings` overlap.
const MODELS_AT_ONCE: usize = 2;

/// The models before `models[i]` that its SQL reads: it starts when they
/// have run.
fn models_read(ctx: &SessionContext, models: &[Model], i: usize) -> Result<Vec<usize>, ModelError> {
    let state = ctx.state();
    let in_sql = |e| ModelError::in_statement(&models[i], e);
    let dialect = state.config().options().sql_parser.dialect;
    let statement = state
        .sql_to_statement(models[i].sql, &dialect)
        .map_err(in_sql)?;
    let tables = state.resolve_table_references(&statement).map_err(in_sql)?;
    Ok((0..i)
        .filter(|&j| tables.iter().any(|t| t.table() == models[j].name))
        .collect())
}

/// The batches with the model's `round` columns rounded to their decimals,
/// half away from zero, for output only. A listed column must exist and be
/// Float64; nulls stay null.
pub fn rounded_for_output(
    model: &Model,
    batches: &[RecordBatch],
) -> Result<Vec<RecordBatch>, ModelError> {
    let fail = |e| ModelError::in_step(model, "rounding for output", e);
    batches
        .iter()
        .map(|batch| {
            let schema = batch.schema();
            let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
            for &(name, decimals) in model.round {
                let index = schema.index_of(name).map_err(|_| {
                    fail(DataFusionError::Plan(format!(
                        "column `{name}` is listed for rounding but is not in the result"
                    )))
                })?;
                let column = &columns[index];
                if column.data_type() != &DataType::Float64 {
                    return Err(fail(DataFusionError::Plan(format!(
                        "column `{name}` is listed for rounding but is {}, not Float64",
                        column.data_type()
                    ))));
                }
                let values = column
                    .as_any()
                    .downcast_ref::<Float64Array>()
                    .expect("a Float64 column is a Float64Array");
                let rounded: Float64Array = values
                    .iter()
                    .map(|v| v.map(|x| round_half_away(x, decimals)))
                    .collect();
                columns[index] = Arc::new(rounded);
            }
            RecordBatch::try_new(schema, columns).map_err(|e| fail(e.into()))
        })
        .collect()
}

/// Rounds `x` to `decimals` places, half away from zero.
///
/// Binary floating point stores 2.675 as 2.67499999…, so a plain
/// `(x * 100).round()` would give 2.67 where a person expects 2.68. The
/// scaled value is first snapped to the nearest millionth of a unit in the
/// last kept place (a move of at most 5e-9 for two decimals), which removes
/// such noise, and then rounded.
pub fn round_half_away(x: f64, decimals: u32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let factor = 10f64.powi(decimals as i32);
    let scaled = x * factor;
    if !scaled.is_finite() {
        return x;
    }
    // Above 1e9 a millionth is below the precision of an f64: nothing to snap.
    let snapped = if scaled.abs() < 1e9 {
        (scaled * 1e6).round() / 1e6
    } else {
        scaled
    };
    let rounded = snapped.round() / factor;
    // Never return -0.0 for a small negative value rounded to zero.
    if rounded == 0.0 { 0.0 } else { rounded }
}
