//! The scale-out path: the scoring models ([`crate::models::SCORING`]) run
//! on Ballista, the distributed DataFusion engine, either on a standalone
//! cluster inside this process ([`score_on_ballista`], which a test uses to
//! show that the SQL under `sql/` runs unchanged on a cluster and gives the
//! same `case_scores` as the local engine) or on the remote cluster that
//! `[engine] scheduler` names ([`Remote`], which `legalaid run` uses). Both
//! share everything but how the Ballista context is built.
//!
//! Ballista plans a query on the client, ships the plan to the scheduler as
//! protobuf and lets executors read the data themselves, so every table a
//! query reads must be something an executor can open. The tables of a
//! local session are not: Ballista 55 refuses to serialise a plan over a
//! `MemTable` ("LogicalExtensionCodec is not provided"), and a scratch file
//! the session scans is registered under a name the cluster does not know.
//! Each staging table of the local session is therefore written as one
//! Parquet file under `<scratch>/ballista/staging/` and registered on the
//! Ballista context from that file by its absolute path, with the local
//! table's schema (so text stays `Utf8` rather than the `Utf8View` that
//! Parquet scans give by default). The executors must be able to read that
//! path: on one machine the run's scratch folder is enough; a real cluster
//! needs `[register] scratch_dir` on a file system every executor mounts at
//! the same path (see the README, "Scaling out with Ballista").
//!
//! The models then run one after another in their declared order. A model
//! of [`Kind::View`] is registered as a view, as locally, and inlined into the
//! plans that read it; every other model is checked to be planned for the
//! cluster (a `DistributedQueryExec`, not a local fallback), and its rows
//! come back to this process. How a cluster splits a query into partitions
//! must not decide anything, so the rows of a [`Kind::Sorted`] model are put
//! back into the order of its own final `ORDER BY` (a stable sort, a no-op
//! when the cluster kept it; a [`Kind::Unordered`] model's readers only
//! aggregate it, so its rows stay as they came), their text columns
//! normalised to `Utf8` as [`models::run_model`](crate::models::run_model)
//! does, written to `<scratch>/ballista/models/<name>.parquet` and
//! registered under the model's name, so the next model reads it like a
//! staging table. The reviewer-severity fit runs here, between the review
//! and the case models, as locally. The credit, list and register stages
//! stay on this machine: [`Remote::score`] registers every scoring result
//! in the local session under its model's name, where they read it
//! unchanged.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::RecordBatch;
use arrow::compute::{concat_batches, take_record_batch};
use arrow::datatypes::{Schema, SchemaRef};
use arrow::row::{RowConverter, SortField};
use ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::error::DataFusionError;
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::logical_expr::SortExpr;
use datafusion::physical_plan::{collect, execute_stream};
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use futures::StreamExt;

use crate::error::{Error, Result};
use crate::ingest::Ingested;
use crate::models::{
    CASE_MODELS, Kind, Model, ModelError, ModelResult, REVIEW_MODELS, Store, final_order,
};
use crate::plan::Plan;
use crate::scratch::ScratchWriter;
use crate::session;
use crate::severity::{FitSummary, ReviewerSeverity};

/// The root of a physical plan that Ballista's scheduler runs.
const DISTRIBUTED: &str = "DistributedQueryExec";

/// The model whose result [`score_on_ballista`] returns.
pub const CASE_SCORES: &str = "mart_case_scores";

/// How long [`Remote::connect`] waits for the scheduler to accept a
/// connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which Ballista cluster runs the models.
enum Cluster<'a> {
    /// A scheduler and one executor started in this process.
    Standalone,
    /// The scheduler at this `df://HOST:PORT`, with its executors.
    Remote(&'a str),
}

impl Cluster<'_> {
    /// How errors name the cluster.
    fn label(&self) -> String {
        match self {
            Cluster::Standalone => "on Ballista (standalone)".into(),
            Cluster::Remote(url) => format!("on the Ballista cluster at {url}"),
        }
    }
}

/// One scoring model's result as it came back from the cluster.
struct ClusterResult {
    model: &'static Model,
    schema: SchemaRef,
    /// Its rows, in the model's order; none for a view.
    batches: Vec<RecordBatch>,
    elapsed: Duration,
}

/// What the scoring models gave on a cluster.
struct Scored {
    /// Every scoring model, in run order.
    results: Vec<ClusterResult>,
    /// The reviewer-severity fit's table and what each fit did.
    severity: Vec<ReviewerSeverity>,
    fits: Vec<FitSummary>,
}

/// Runs every scoring model ([`REVIEW_MODELS`], the severity fit,
/// [`CASE_MODELS`]) on a standalone Ballista context over the staging tables
/// of `plan` and `ingested`, using `scratch` (an existing, preferably empty
/// folder) for the Parquet copies of the staging tables and of each model's
/// result. Returns the batches of `mart_case_scores`, text columns as
/// `Utf8`, in the model's order.
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
    let scored = score_on(&Cluster::Standalone, plan, &local, scratch).await?;
    scored
        .results
        .into_iter()
        .find(|r| r.model.name == CASE_SCORES)
        .map(|r| r.batches)
        .ok_or_else(|| {
            scale_out(
                "reading the result",
                CASE_SCORES,
                DataFusionError::Plan(format!("{CASE_SCORES} is not among the scoring models")),
            )
        })
}

/// The remote Ballista cluster of `[engine] scheduler`, found listening.
#[derive(Debug, Clone)]
pub struct Remote {
    url: String,
}

impl Remote {
    /// The cluster of the plan's `[engine] scheduler`, or `None` when the
    /// key is empty (the local engine). Fails when the scheduler does not
    /// accept a connection within a few seconds: a run checks this before
    /// it reads any data, so an unreachable cluster costs nothing and
    /// changes nothing.
    pub async fn connect(plan: &Plan) -> Result<Option<Remote>> {
        let url = plan.settings.engine.scheduler.as_str();
        if url.is_empty() {
            return Ok(None);
        }
        let unreachable = |source| Error::SchedulerUnreachable {
            url: url.to_string(),
            source,
        };
        // Checked when the pipeline file was parsed; a plan built otherwise
        // is refused the same way.
        let (host, port) = crate::config::scheduler_address(url)
            .map_err(|e| unreachable(std::io::Error::new(std::io::ErrorKind::InvalidInput, e)))?;
        // Ballista's client only connects when a query runs; a plain TCP
        // connection tells up front whether anything listens there.
        let host = host.trim_start_matches('[').trim_end_matches(']');
        match tokio::time::timeout(
            CONNECT_TIMEOUT,
            tokio::net::TcpStream::connect((host, port)),
        )
        .await
        {
            Ok(Ok(_)) => Ok(Some(Remote {
                url: url.to_string(),
            })),
            Ok(Err(e)) => Err(unreachable(e)),
            Err(_) => Err(unreachable(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
            ))),
        }
    }

    /// Scoring on the cluster, for a run: the scoring models over the
    /// staging tables of `local` (the run's session), then every result
    /// registered in `local` under its model's name and stored as `store`
    /// says, and the severity fit's table as locally, so that the credit
    /// and list models read them as if [`crate::models::score`] had run
    /// here. Returns what that function returns. `scratch` is the run's
    /// scratch folder, which the executors must be able to read.
    pub async fn score(
        &self,
        plan: &Plan,
        local: &SessionContext,
        store: Store<'_>,
        scratch: &Path,
    ) -> Result<(Vec<ModelResult>, Vec<FitSummary>)> {
        let scored = score_on(&Cluster::Remote(&self.url), plan, local, scratch).await?;
        let mut results = Vec::with_capacity(scored.results.len());
        let (review, case) = scored.results.split_at(REVIEW_MODELS.len());
        results.extend(adopt(local, review, store).await?);
        crate::severity::register(local, &scored.severity)?;
        results.extend(adopt(local, case, store).await?);
        Ok((results, scored.fits))
    }
}

/// Registers the cluster's results in `local`, in order: a view as its SQL,
/// planned over the local tables; rows stored as `store` says.
async fn adopt(
    local: &SessionContext,
    results: &[ClusterResult],
    store: Store<'_>,
) -> Result<Vec<ModelResult>> {
    let mut adopted = Vec::with_capacity(results.len());
    for r in results {
        adopted.push(if r.model.is_view() {
            crate::models::run_model_in(local, r.model, store).await?
        } else {
            crate::models::adopt_result(
                local,
                r.model,
                store,
                Arc::clone(&r.schema),
                r.batches.clone(),
                r.elapsed,
            )
            .await?
        });
    }
    Ok(adopted)
}

/// Runs the scoring models on `cluster` over the staging tables of `local`;
/// the shared part of [`score_on_ballista`] and [`Remote::score`].
async fn score_on(
    cluster: &Cluster<'_>,
    plan: &Plan,
    local: &SessionContext,
    scratch: &Path,
) -> Result<Scored> {
    let ballista = context(cluster, plan).await?;
    let root = scratch.join("ballista");
    let staging = root.join("staging");
    let models = root.join("models");
    for dir in [&staging, &models] {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }

    for name in table_names(local)? {
        let file = staging.join(format!("{name}.parquet"));
        let schema = copy_table(local, &name, &file).await?;
        register_parquet(&ballista, &name, &file, &schema)
            .await
            .map_err(|e| scale_out("registering staging table", &name, e))?;
    }

    let label = cluster.label();
    let mut results = Vec::new();
    for model in REVIEW_MODELS {
        results.push(run_model(&ballista, &label, model, &models).await?);
    }
    // The severity fit runs here, on the client, over the last review
    // model's rows; its table goes to the cluster as Parquet like the rest.
    let input = <crate::severity::SeverityInputRow as crate::marts::MartRow>::MODEL;
    let input = results
        .iter()
        .find(|r| r.model.name == input)
        .map_or(&[][..], |r| &r.batches[..]);
    let rows = crate::marts::from_batches::<crate::severity::SeverityInputRow>(input)?;
    let k_b = plan.settings.scoring.severity_prior_reviews;
    let (severity, fits) = crate::severity::fit_all(rows, k_b)?;
    let fitted = crate::severity::batch(&severity)?;
    let file = models.join(format!("{}.parquet", crate::severity::TABLE));
    write_parquet(&file, &fitted.schema(), std::slice::from_ref(&fitted))?;
    register_parquet(&ballista, crate::severity::TABLE, &file, &fitted.schema())
        .await
        .map_err(|e| scale_out("registering", crate::severity::TABLE, e))?;

    for model in CASE_MODELS {
        results.push(run_model(&ballista, &label, model, &models).await?);
    }
    Ok(Scored {
        results,
        severity,
        fits,
    })
}

/// A Ballista context on `cluster`, sized by the pipeline's engine
/// settings. A remote context connects only when its first query runs.
async fn context(cluster: &Cluster<'_>, plan: &Plan) -> Result<SessionContext> {
    let engine = &plan.settings.engine;
    let partitions = if engine.target_partitions > 0 {
        engine.target_partitions
    } else {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    };
    let config = SessionConfig::new_with_ballista()
        .with_target_partitions(partitions)
        .with_batch_size(engine.batch_size);
    let state = |config: SessionConfig| -> SessionState {
        SessionStateBuilder::new()
            .with_config(config)
            .with_default_features()
            .build()
    };
    match cluster {
        Cluster::Standalone => {
            let config = config.with_ballista_standalone_parallelism(partitions);
            SessionContext::standalone_with_state(state(config))
                .await
                .map_err(|e| scale_out("starting the standalone scheduler and executor", "", e))
        }
        Cluster::Remote(url) => SessionContext::remote_with_state(url, state(config))
            .await
            .map_err(|e| scale_out("setting up the client of the scheduler at", url, e)),
    }
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

/// Writes the local table `name` to `file` as Parquet, batch by batch;
/// returns its schema.
async fn copy_table(local: &SessionContext, name: &str, file: &Path) -> Result<SchemaRef> {
    let engine = |e: DataFusionError| scale_out("copying staging table", name, e);
    let schema = local.table_provider(name).await.map_err(engine)?.schema();
    let plan = local
        .table(name)
        .await
        .map_err(engine)?
        .create_physical_plan()
        .await
        .map_err(engine)?;
    let mut batches = execute_stream(plan, local.task_ctx()).map_err(engine)?;
    let mut writer = ScratchWriter::create(file, &schema).map_err(|e| Error::io(file, e))?;
    while let Some(batch) = batches.next().await {
        writer
            .write(&batch.map_err(engine)?)
            .map_err(|e| Error::io(file, e))?;
    }
    writer.finish().map_err(|e| Error::io(file, e))?;
    Ok(schema)
}

/// Runs one model on Ballista and registers its result, as a Parquet file
/// in `dir`, under the model's name.
async fn run_model(
    ctx: &SessionContext,
    cluster: &str,
    model: &'static Model,
    dir: &Path,
) -> Result<ClusterResult> {
    let started = Instant::now();
    let failed = |statement: &str, source| {
        Error::Models(ModelError {
            model: model.name.to_string(),
            file: model.file(),
            statement: format!("{cluster}: {statement}"),
            source,
        })
    };
    let df = ctx
        .sql(model.sql)
        .await
        .map_err(|e| failed("planning", e))?;
    if model.is_view() {
        // As locally: the view's plan is inlined into the plans that read it.
        let schema = Arc::clone(df.schema().inner());
        ctx.deregister_table(model.name)
            .map_err(|e| failed("registering the view", e))?;
        ctx.register_table(model.name, df.into_view())
            .map_err(|e| failed("registering the view", e))?;
        return Ok(ClusterResult {
            model,
            schema,
            batches: Vec::new(),
            elapsed: started.elapsed(),
        });
    }
    // Checked when the run started (`models::check_boundary`).
    let order = match model.kind {
        Kind::Sorted => Some(final_order(df.logical_plan()).map_err(|e| failed("planning", e))?),
        Kind::Unordered | Kind::View => None,
    };
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
    let batches = match order {
        Some(order) => {
            sorted(&schema, &batches, &order).map_err(|e| failed("restoring its ORDER BY", e))?
        }
        // Its readers only aggregate it: any order the cluster gives will do.
        None => batches,
    };
    let file = dir.join(format!("{}.parquet", model.name));
    write_parquet(&file, &schema, &batches)?;
    ctx.deregister_table(model.name)
        .map_err(|e| failed("registering the result", e))?;
    register_parquet(ctx, model.name, &file, &schema)
        .await
        .map_err(|e| failed("registering the result", e))?;
    Ok(ClusterResult {
        model,
        schema,
        batches,
        elapsed: started.elapsed(),
    })
}

/// All rows of `batches` as one batch, stably sorted by `order` (so rows the
/// keys do not tell apart keep the order they came in).
fn sorted(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    order: &[(String, SortExpr)],
) -> std::result::Result<Vec<RecordBatch>, DataFusionError> {
    let all = concat_batches(schema, batches)?;
    if all.num_rows() < 2 {
        return Ok(vec![all]);
    }
    let mut fields = Vec::with_capacity(order.len());
    let mut keys = Vec::with_capacity(order.len());
    for (name, sort) in order {
        let column = Arc::clone(all.column(schema.index_of(name)?));
        let options = arrow::compute::SortOptions {
            descending: !sort.asc,
            nulls_first: sort.nulls_first,
        };
        fields.push(SortField::new_with_options(
            column.data_type().clone(),
            options,
        ));
        keys.push(column);
    }
    let rows = RowConverter::new(fields)?.convert_columns(&keys)?;
    let mut indices: Vec<u32> = (0..all.num_rows() as u32).collect();
    indices.sort_by(|&a, &b| rows.row(a as usize).cmp(&rows.row(b as usize)));
    let indices = arrow::array::UInt32Array::from(indices);
    Ok(vec![take_record_batch(&all, &indices)?])
}

/// Writes the batches as one Parquet file (an empty table still gets a file
/// with its schema).
fn write_parquet(path: &Path, schema: &SchemaRef, batches: &[RecordBatch]) -> Result<()> {
    let io = |e| Error::io(path, e);
    let mut writer = ScratchWriter::create(path, schema).map_err(io)?;
    for batch in batches {
        writer.write(batch).map_err(io)?;
    }
    writer.finish().map_err(io)
}

/// Registers a Parquet file as a table with the given schema, by its
/// absolute path (the executors open it themselves).
async fn register_parquet(
    ctx: &SessionContext,
    name: &str,
    file: &Path,
    schema: &Schema,
) -> std::result::Result<(), DataFusionError> {
    let path = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let options = ParquetReadOptions::default().schema(schema);
    ctx.register_parquet(name, path.to_string_lossy().as_ref(), options)
        .await
}

fn scale_out(step: &str, table: &str, source: DataFusionError) -> Error {
    Error::ScaleOut {
        step: step.to_string(),
        table: table.to_string(),
        source,
    }
}
