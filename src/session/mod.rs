//! The one place that builds the DataFusion `SessionContext`: engine settings
//! from the pipeline file (memory limit honoured by spilling, batch size,
//! partitions) and the staging tables every SQL model reads — the seven
//! validated input tables, the rubrics as `rubric_items` and `rubric_bands`,
//! and the run's thresholds as the one-row `settings` table, so the SQL
//! holds no literals that belong in the pipeline file. [`join_modes`] holds
//! the planning rule a model may declare for its joins.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::config::{EngineSettings, parse_bytes};
use crate::error::{Error, Result};
use crate::ingest::Ingested;
use crate::ingest::batch::Staged;
use crate::ingest::schema::{
    DROPPED_REVIEWS, ITEM_KEY, REVIEW_HEADS, dropped_reviews_schema, review_heads_schema,
};
use crate::ingest::value::date32;
use crate::plan::Plan;

pub mod join_modes;

/// A session configured from the engine settings, with no tables.
pub fn new_context(engine: &EngineSettings) -> Result<SessionContext> {
    new_context_spilling(engine, None)
}

/// [`new_context`] whose sorts and aggregates spill into `spill_dir` (the
/// run's private scratch folder) instead of the system temp dir.
fn new_context_spilling(
    engine: &EngineSettings,
    spill_dir: Option<&std::path::Path>,
) -> Result<SessionContext> {
    // Scratch tables keep the staging tables' plain `Utf8` strings.
    let mut config = SessionConfig::new()
        .with_batch_size(engine.batch_size)
        .set_bool(
            "datafusion.execution.parquet.schema_force_view_types",
            false,
        );
    if engine.target_partitions > 0 {
        config = config.with_target_partitions(engine.target_partitions);
    }
    let limit = parse_bytes(&engine.memory_limit).map_err(Error::Engine)?;
    // Fair shares among the operators that can spill (sorts, aggregates), so
    // that a hash join's build side, which cannot, does not starve them.
    let mut runtime =
        RuntimeEnvBuilder::new().with_memory_pool(Arc::new(FairSpillPool::new(limit)));
    if let Some(dir) = spill_dir {
        runtime = runtime.with_disk_manager_builder(
            DiskManagerBuilder::default()
                .with_mode(DiskManagerMode::Directories(vec![dir.to_path_buf()])),
        );
    }
    let runtime = runtime
        .build_arc()
        .map_err(|e| Error::Engine(e.to_string()))?;
    Ok(SessionContext::new_with_config_rt(config, runtime))
}

/// The session of a run: engine settings plus every staging table.
pub fn build(plan: &Plan, ingested: &Ingested) -> Result<SessionContext> {
    build_spilling(plan, ingested, None)
}

/// [`build`], spilling into `spill_dir` when given (see
/// [`new_context_spilling`]).
pub fn build_spilling(
    plan: &Plan,
    ingested: &Ingested,
    spill_dir: Option<&std::path::Path>,
) -> Result<SessionContext> {
    let ctx = new_context_spilling(&plan.settings.engine, spill_dir)?;
    for (table, staged) in &ingested.tables {
        register_staged(&ctx, table.name(), table.spec().staged_schema(), staged)?;
    }
    register_staged(
        &ctx,
        REVIEW_HEADS,
        review_heads_schema(),
        &ingested.review_heads,
    )?;
    register_staged(
        &ctx,
        DROPPED_REVIEWS,
        dropped_reviews_schema(),
        &ingested.dropped_reviews,
    )?;
    register_parameters(&ctx, plan)?;
    Ok(ctx)
}

/// Registers one staged table: its batches in memory, or its scratch file.
fn register_staged(
    ctx: &SessionContext,
    name: &str,
    schema: SchemaRef,
    staged: &Staged,
) -> Result<()> {
    match staged {
        Staged::Memory(batches) => register(ctx, name, schema, batches.clone()),
        Staged::File { path, schema, .. } => {
            let provider = crate::scratch::file_table(path, Arc::clone(schema))
                .map_err(|e| Error::Engine(e.to_string()))?;
            ctx.deregister_table(name)
                .map_err(|e| Error::Engine(e.to_string()))?;
            ctx.register_table(name, provider)
                .map_err(|e| Error::Engine(e.to_string()))?;
            Ok(())
        }
    }
}

/// A session with every staging table empty (no input read): models plan
/// against it, so the typed boundary is checked before a run reads data.
pub fn build_empty(plan: &Plan) -> Result<SessionContext> {
    let ctx = new_context(&plan.settings.engine)?;
    for table in crate::ingest::schema::Table::ALL {
        register(&ctx, table.name(), table.spec().staged_schema(), Vec::new())?;
    }
    register(&ctx, REVIEW_HEADS, review_heads_schema(), Vec::new())?;
    register(&ctx, DROPPED_REVIEWS, dropped_reviews_schema(), Vec::new())?;
    register_parameters(&ctx, plan)?;
    Ok(ctx)
}

/// The tables made from the plan rather than the inputs: rubrics, settings,
/// sanction points, practice rules, complaint categories.
fn register_parameters(ctx: &SessionContext, plan: &Plan) -> Result<()> {
    let (items, bands) = rubric_tables(plan);
    register(ctx, "rubric_items", items.schema(), vec![items])?;
    register(ctx, "rubric_bands", bands.schema(), vec![bands])?;
    let settings = settings_table(plan);
    register(ctx, "settings", settings.schema(), vec![settings])?;
    let points = sanction_points_table(plan);
    register(ctx, "sanction_points", points.schema(), vec![points])?;
    let kinds = practice_rules_table(plan);
    register(ctx, "practice_rules", kinds.schema(), vec![kinds])?;
    let categories = complaint_categories_table();
    register(
        ctx,
        "complaint_categories",
        categories.schema(),
        vec![categories],
    )?;
    let reasons = credit_reasons_table();
    register(ctx, "credit_reasons", reasons.schema(), vec![reasons])
}

/// `credit_reasons`: each credit reason code and its place in the tie-break
/// order, from the registry (`crate::credit::CREDIT_REASONS`), so the order
/// is written once.
fn credit_reasons_table() -> RecordBatch {
    let codes: Vec<&str> = crate::credit::CREDIT_REASONS
        .iter()
        .map(|r| r.code)
        .collect();
    let order: Vec<i64> = (1..=codes.len() as i64).collect();
    batch(
        vec![
            Field::new("code", DataType::Utf8, false),
            Field::new("tie_order", DataType::Int64, false),
        ],
        vec![
            Arc::new(StringArray::from(codes)),
            Arc::new(Int64Array::from(order)),
        ],
    )
}

/// The complaint categories the Legal Aid Law (2021) punishes; they weigh
/// `prohibited_points` and found rule N3.
pub const PROHIBITED_CATEGORIES: [&str; 4] = [
    "refused_assignment",
    "delay_or_abandon",
    "took_money",
    "leaked_privacy",
];

/// `complaint_categories`: every category of the data contract and whether
/// it is a prohibited conduct (the one list the SQL reads).
fn complaint_categories_table() -> RecordBatch {
    let codes: Vec<&str> = crate::ingest::schema::COMPLAINT_CATEGORY
        .iter()
        .map(|c| c.code)
        .collect();
    let prohibited: Vec<bool> = codes
        .iter()
        .map(|c| PROHIBITED_CATEGORIES.contains(c))
        .collect();
    batch(
        vec![
            Field::new("category", DataType::Utf8, false),
            Field::new("prohibited", DataType::Boolean, false),
        ],
        vec![
            Arc::new(StringArray::from(codes)),
            Arc::new(BooleanArray::from(prohibited)),
        ],
    )
}

/// `sanction_points`: deduction per sanction kind.
fn sanction_points_table(plan: &Plan) -> RecordBatch {
    let kinds: Vec<&str> = crate::config::SANCTION_KINDS
        .iter()
        .map(|(k, _)| *k)
        .collect();
    let points: Vec<f64> = kinds
        .iter()
        .map(|k| {
            plan.settings
                .sanction_points(k)
                .expect("every kind has points")
        })
        .collect();
    batch(
        vec![
            Field::new("kind", DataType::Utf8, false),
            Field::new("points", DataType::Float64, false),
        ],
        vec![
            Arc::new(StringArray::from(kinds)),
            Arc::new(Float64Array::from(points)),
        ],
    )
}

/// `practice_rules`: per practice kind, whether it is exempt from the
/// legal-aid duty and whether it may not take criminal cases.
fn practice_rules_table(plan: &Plan) -> RecordBatch {
    let kinds = crate::config::PRACTICE_KINDS;
    let inspection = &plan.settings.inspection;
    let exempt: Vec<bool> = kinds
        .iter()
        .map(|k| inspection.exempt_kinds.iter().any(|e| e == k))
        .collect();
    let no_criminal: Vec<bool> = kinds
        .iter()
        .map(|k| inspection.not_for_criminal.iter().any(|e| e == k))
        .collect();
    batch(
        vec![
            Field::new("practice_kind", DataType::Utf8, false),
            Field::new("duty_exempt", DataType::Boolean, false),
            Field::new("not_for_criminal", DataType::Boolean, false),
        ],
        vec![
            Arc::new(StringArray::from(kinds.to_vec())),
            Arc::new(BooleanArray::from(exempt)),
            Arc::new(BooleanArray::from(no_criminal)),
        ],
    )
}

/// The date `years` calendar years before `date`; 29 February maps to
/// 28 February in a non-leap year.
pub fn years_before(date: chrono::NaiveDate, years: u32) -> chrono::NaiveDate {
    date.checked_sub_months(chrono::Months::new(12 * years))
        .expect("date in range")
}

/// The date `months` calendar months before `date` (day clamped to the
/// month's end).
pub fn months_before(date: chrono::NaiveDate, months: u32) -> chrono::NaiveDate {
    date.checked_sub_months(chrono::Months::new(months))
        .expect("date in range")
}

/// Registers (or replaces) an in-memory table.
pub fn register(
    ctx: &SessionContext,
    name: &str,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> Result<()> {
    let table =
        MemTable::try_new(schema, vec![batches]).map_err(|e| Error::Engine(e.to_string()))?;
    ctx.deregister_table(name)
        .map_err(|e| Error::Engine(e.to_string()))?;
    ctx.register_table(name, Arc::new(table))
        .map_err(|e| Error::Engine(e.to_string()))?;
    Ok(())
}

fn batch(fields: Vec<Field>, columns: Vec<ArrayRef>) -> RecordBatch {
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).expect("columns match fields")
}

/// `rubric_items` and `rubric_bands` from the plan's rubrics.
fn rubric_tables(plan: &Plan) -> (RecordBatch, RecordBatch) {
    let (mut key, mut ct, mut ver, mut item, mut stage, mut pos, mut max, mut opt, mut veto) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    for (k, rubric, i, it) in plan.numbered_items() {
        key.push(k);
        ct.push(rubric.case_type.code());
        ver.push(rubric.version.clone());
        item.push(it.code.clone());
        stage.push(it.stage.clone());
        pos.push(i as i32 + 1);
        max.push(it.max_points);
        opt.push(it.optional);
        veto.push(it.veto);
    }
    let (mut b_ct, mut b_ver, mut b_code, mut b_label, mut b_lower, mut b_fail, mut b_rank) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for rubric in plan.rubrics.values() {
        for (i, band) in rubric.bands.iter().enumerate() {
            b_ct.push(rubric.case_type.code());
            b_ver.push(rubric.version.clone());
            b_code.push(band.code.clone());
            b_label.push(band.label.clone());
            b_lower.push(band.lower);
            b_fail.push(band.fail);
            b_rank.push(i as i32 + 1);
        }
    }
    let utf8 = |n: &str| Field::new(n, DataType::Utf8, false);
    let items = batch(
        vec![
            Field::new(ITEM_KEY, DataType::Int64, false),
            utf8("case_type"),
            utf8("rubric_version"),
            utf8("item"),
            utf8("stage"),
            Field::new("position", DataType::Int32, false),
            Field::new("max_points", DataType::Float64, false),
            Field::new("optional", DataType::Boolean, false),
            Field::new("veto", DataType::Boolean, false),
        ],
        vec![
            Arc::new(Int64Array::from(key)),
            Arc::new(StringArray::from(ct)),
            Arc::new(StringArray::from(ver)),
            Arc::new(StringArray::from(item)),
            Arc::new(StringArray::from(stage)),
            Arc::new(Int32Array::from(pos)),
            Arc::new(Float64Array::from(max)),
            Arc::new(BooleanArray::from(opt)),
            Arc::new(BooleanArray::from(veto)),
        ],
    );
    let bands = batch(
        vec![
            utf8("case_type"),
            utf8("rubric_version"),
            utf8("band_code"),
            utf8("band_label"),
            Field::new("lower_bound", DataType::Float64, false),
            Field::new("is_fail", DataType::Boolean, false),
            Field::new("band_rank", DataType::Int32, false),
        ],
        vec![
            Arc::new(StringArray::from(b_ct)),
            Arc::new(StringArray::from(b_ver)),
            Arc::new(StringArray::from(b_code)),
            Arc::new(StringArray::from(b_label)),
            Arc::new(Float64Array::from(b_lower)),
            Arc::new(BooleanArray::from(b_fail)),
            Arc::new(Int32Array::from(b_rank)),
        ],
    );
    (items, bands)
}

/// The one-row `settings` table.
fn settings_table(plan: &Plan) -> RecordBatch {
    let s = &plan.settings;
    let date = |n: &str, d| {
        (
            Field::new(n, DataType::Date32, false),
            Arc::new(Date32Array::from(vec![date32(d)])) as ArrayRef,
        )
    };
    let num = |n: &str, v: f64| {
        (
            Field::new(n, DataType::Float64, false),
            Arc::new(Float64Array::from(vec![v])) as ArrayRef,
        )
    };
    let int = |n: &str, v: i64| {
        (
            Field::new(n, DataType::Int64, false),
            Arc::new(Int64Array::from(vec![v])) as ArrayRef,
        )
    };
    let flag = |n: &str, v: bool| {
        (
            Field::new(n, DataType::Boolean, false),
            Arc::new(BooleanArray::from(vec![v])) as ArrayRef,
        )
    };
    let (c, l, i) = (&s.credit, &s.lists, &s.inspection);
    let columns = vec![
        date("period_start", plan.period_start),
        date("period_end", plan.period_end),
        date("as_of", plan.as_of),
        num("dispute_spread", s.scoring.dispute_spread),
        num("severity_threshold", s.scoring.severity_threshold),
        flag("use_adjusted_scores", c.use_adjusted_scores),
        flag("hold_severity_sensitive", l.hold_severity_sensitive),
        num("alpha_hold", s.reliability.alpha_hold),
        num("alpha_good", s.reliability.alpha_good),
        int("alpha_min_cases", s.reliability.alpha_min_cases as i64),
        // Lookback window (lookback_start, as_of]: calendar years, 29 Feb → 28 Feb.
        date("lookback_start", years_before(plan.as_of, c.lookback_years)),
        num("shrinkage_k", c.shrinkage_k),
        num("weight_quality", c.weight_quality),
        num("weight_service", c.weight_service),
        int("archive_days", c.archive_days as i64),
        num("complaint_points", c.complaint_points),
        num("prohibited_points", c.prohibited_points),
        num("tier_a", plan.settings.tier_lower("A")),
        num("tier_b", plan.settings.tier_lower("B")),
        num("tier_c", plan.settings.tier_lower("C")),
        num("heavy_sanction_points", l.heavy_sanction_points),
        int("positive_min_cases", l.positive_min_cases as i64),
        int("positive_min_years", l.positive_min_years as i64),
        num("positive_min_mean", l.positive_min_mean),
        num("positive_min_satisfaction", l.positive_min_satisfaction),
        int("positive_min_feedback", l.positive_min_feedback as i64),
        int("min_aid_cases", i.min_aid_cases as i64),
        // Licensed after this date: less than min_licensed_months at period end.
        date(
            "licence_cutoff",
            months_before(plan.period_end, i.min_licensed_months),
        ),
        int("major_case_min_years", i.major_case_min_years as i64),
    ];
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = columns.into_iter().unzip();
    batch(fields, arrays)
}
