//! The scale-out path: the scoring models ([`crate::models::SCORING`]) run on Ballista, the
//! distributed DataFusion engine, here in its standalone mode (scheduler and
//! one executor in this process, talking gRPC over loopback), to show that
//! the SQL under `sql/` runs unchanged on a cluster and gives the same
//! `case_scores` as the local engine.
//!
//! Ballista plans a query on the client, ships the plan to the scheduler as
//! protobuf and lets executors read the data themselves, so every table a
//! query reads must be something an executor can open. The in-memory tables
//! of [`session::build`] are not: Ballista 55 refuses to serialise a plan
//! over a `MemTable` ("LogicalExtensionCodec is not provided"). The staging
//! tables are therefore first built exactly as for a local
//! run, then each is written as one Parquet file under `scratch/staging/` and
//! registered on the Ballista context from that file, with the local table's
//! schema (so text stays `Utf8` rather than the `Utf8View` that Parquet scans
//! give by default). The models then run one after another in their declared
//! order. A model marked `view` is registered as a view, as locally, and
//! inlined into the plans that read it; every other model is checked to be
//! planned for the cluster (a `DistributedQueryExec`, not a local fallback),
//! and its result is collected, its text columns normalised to `Utf8` as
//! [`models::run_model`](crate::models::run_model) does, written to
//! `scratch/models/<name>.parquet` and registered under the model's name, so
//! the next model reads it like a staging table. On a real cluster `scratch`
//! would be a shared object store; the credit and register stages stay on
//! one machine (see the README, "Scaling out with Ballista").

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{Schema, SchemaRef};
use ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::error::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::physical_plan::collect;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use parquet::arrow::ArrowWriter;

use crate::error::{Error, Result};
use crate::ingest::Ingested;
use crate::models::{CASE_MODELS, Model, ModelError, REVIEW_MODELS};
use crate::plan::Plan;
use crate::session;

/// The root of a physical plan that Ballista's scheduler runs.
const DISTRIBUTED: &str = "DistributedQueryExec";

/// The model whose result [`score_on_ballista`] returns.
pub const CASE_SCORES: &str = "mart_case_scores";

/// Runs every scoring model ([`REVIEW_MODELS`], the severity fit, [`CASE_MODELS`]) on a standalone Ballista context
/// over the staging tables of `plan` and `ingested`, using `scratch` (an
/// existing, preferably empty folder) for the Parquet copies of the staging
/// tables and of each model's result. Returns the batches of
/// `mart_case_scores`, text columns as `Utf8`, in no particular row order.
///
/// The scheduler and executor run as tasks on the caller's tokio runtime,
/// which must be multi-threaded; Ballista (de)serialises plans recursively,
/// and in a debug build the scoring plans overflow tokio's default 2 MiB
/// worker stack, so give the runtime bigger stacks (the test uses 16 MiB).
pub async fn score_on_ballista(
    plan: &Plan,
    ingested: &Ingested,
    scratch: &Path,
) -> Result<Vec<RecordBatch>> {
    let local = session::build(plan, ingested)?;
    let ballista = standalone_context(plan).await?;

    let staging = scratch.join("staging");
    let models = scratch.join("models");
    for dir in [&staging, &models] {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }

    for name in table_names(&local)? {
        let engine = |e: DataFusionError| scale_out("copying staging table", &name, e);
        let schema = local
            .table_provider(name.as_str())
            .await
            .map_err(engine)?
            .schema();
        let df = local.table(name.as_str()).await.map_err(engine)?;
        let batches = df.collect().await.map_err(engine)?;
        let file = staging.join(format!("{name}.parquet"));
        write_parquet(&file, &schema, &batches)?;
        register_parquet(&ballista, &name, &file, &schema)
            .await
            .map_err(engine)?;
    }

    let mut severity_input = Vec::new();
    for model in REVIEW_MODELS {
        let batches = run_model(&ballista, model, &models).await?;
        if model.name == <crate::severity::SeverityInputRow as crate::marts::MartRow>::MODEL {
            severity_input = batches;
        }
    }
    // The severity fit runs here, on the client, over the last review
    // model's rows; its table goes to the cluster as Parquet like the rest.
    let rows = crate::marts::from_batches::<crate::severity::SeverityInputRow>(&severity_input)?;
    let k_b = plan.settings.scoring.severity_prior_reviews;
    let (fitted, _) = crate::severity::fit_all(rows, k_b)?;
    let fitted = crate::severity::batch(&fitted)?;
    let file = models.join(format!("{}.parquet", crate::severity::TABLE));
    write_parquet(&file, &fitted.schema(), std::slice::from_ref(&fitted))?;
    register_parquet(&ballista, crate::severity::TABLE, &file, &fitted.schema())
        .await
        .map_err(|e| scale_out("registering", crate::severity::TABLE, e))?;

    let mut case_scores = None;
    for model in CASE_MODELS {
        let batches = run_model(&ballista, model, &models).await?;
        if model.name == CASE_SCORES {
            case_scores = Some(batches);
        }
    }
    case_scores.ok_or_else(|| Error::ScaleOut {
        step: "reading the result".into(),
        table: CASE_SCORES.into(),
        source: DataFusionError::Plan(format!("{CASE_SCORES} is not among the scoring models")),
    })
}

/// A Ballista context with an in-process scheduler and executor, sized by
/// the pipeline's engine settings.
async fn standalone_context(plan: &Plan) -> Result<SessionContext> {
    let engine = &plan.settings.engine;
    let partitions = if engine.target_partitions > 0 {
        engine.target_partitions
    } else {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    };
    let config = SessionConfig::new_with_ballista()
        .with_target_partitions(partitions)
        .with_batch_size(engine.batch_size)
        .with_ballista_standalone_parallelism(partitions);
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .build();
    SessionContext::standalone_with_state(state)
        .await
        .map_err(|e| scale_out("starting the standalone scheduler and executor", "", e))
}

/// The tables of the context's default schema, sorted.
fn table_names(ctx: &SessionContext) -> Result<Vec<String>> {
    let state = ctx.state();
    let options = &state.config().options().catalog;
    let schema = ctx
        .catalog(&options.default_catalog)
        .and_then(|c| c.schema(&options.default_schema))
        .ok_or_else(|| {
            scale_out(
                "listing staging tables",
                "",
                DataFusionError::Plan("no default schema".into()),
            )
        })?;
    let mut names = schema.table_names();
    names.sort();
    Ok(names)
}

/// Runs one model on Ballista and registers its result, as a Parquet file
/// in `dir`, under the model's name.
async fn run_model(ctx: &SessionContext, model: &Model, dir: &Path) -> Result<Vec<RecordBatch>> {
    let failed = |statement: &str, source| {
        Error::Models(ModelError {
            model: model.name.to_string(),
            file: model.file(),
            statement: format!("on Ballista: {statement}"),
            source,
        })
    };
    let df = ctx
        .sql(model.sql)
        .await
        .map_err(|e| failed("planning", e))?;
    if model.view {
        // As locally: the view's plan is inlined into the plans that read it.
        ctx.deregister_table(model.name)
            .map_err(|e| failed("registering the view", e))?;
        ctx.register_table(model.name, df.into_view())
            .map_err(|e| failed("registering the view", e))?;
        return Ok(Vec::new());
    }
    let plan = df
        .create_physical_plan()
        .await
        .map_err(|e| failed("planning", e))?;
    // Ballista's planner runs a few plans (information_schema, empty
    // relations) on the client; a model must go to the cluster.
    if plan.name() != DISTRIBUTED {
        return Err(failed(
            "planning",
            DataFusionError::Plan(format!(
                "the plan's root is {}, not {DISTRIBUTED}: it would not run on the cluster",
                plan.name()
            )),
        ));
    }
    let batches = collect(Arc::clone(&plan), ctx.task_ctx())
        .await
        .map_err(|e| failed("running", e))?;
    let schema = batches
        .first()
        .map_or_else(|| plan.schema(), RecordBatch::schema);
    let (schema, batches) = crate::models::with_plain_strings(schema, batches)
        .map_err(|e| failed("normalising text columns", e))?;
    let file = dir.join(format!("{}.parquet", model.name));
    write_parquet(&file, &schema, &batches)?;
    ctx.deregister_table(model.name)
        .map_err(|e| failed("registering the result", e))?;
    register_parquet(ctx, model.name, &file, &schema)
        .await
        .map_err(|e| failed("registering the result", e))?;
    Ok(batches)
}

/// Writes the batches as one Parquet file (an empty table still gets a file
/// with its schema).
fn write_parquet(path: &Path, schema: &SchemaRef, batches: &[RecordBatch]) -> Result<()> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let parquet = |e: parquet::errors::ParquetError| Error::ScaleOut {
        step: "writing Parquet".into(),
        table: path.display().to_string(),
        source: e.into(),
    };
    let mut writer = ArrowWriter::try_new(file, Arc::clone(schema), None).map_err(parquet)?;
    for batch in batches {
        writer.write(batch).map_err(parquet)?;
    }
    writer.close().map_err(parquet)?;
    Ok(())
}

/// Registers a Parquet file as a table with the given schema.
async fn register_parquet(
    ctx: &SessionContext,
    name: &str,
    file: &Path,
    schema: &Schema,
) -> std::result::Result<(), DataFusionError> {
    let path = absolute(file);
    let options = ParquetReadOptions::default().schema(schema);
    ctx.register_parquet(name, path.to_string_lossy().as_ref(), options)
        .await
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn scale_out(step: &str, table: &str, source: DataFusionError) -> Error {
    Error::ScaleOut {
        step: step.to_string(),
        table: table.to_string(),
        source,
    }
}
