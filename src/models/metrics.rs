//! `legalaid run --sql-metrics DIR`: each materialised model's executed
//! plan, with the metrics of every operator (rows, compute time, memory,
//! spills), written to `DIR/<model>.txt` once the model has run. Model wall
//! times in `--timings` overlap (two models run at once) and do not say
//! which operator a slow model spends its time in; these files do. Views
//! (`stg_reviews`) have no plan of their own: they appear inside the plans
//! of the models that read them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::error::DataFusionError;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::display::DisplayableExecutionPlan;
use datafusion::prelude::SessionContext;

use super::{Model, ModelError};

/// The folder the plans go to, carried by the session as a config extension
/// so that every model run in that session finds it.
#[derive(Debug)]
struct SqlMetricsDir(PathBuf);

/// Makes every model later run in `ctx` write its executed plan under `dir`
/// (created if missing; `run` makes it, after checking that it is not inside
/// the output folder, which the run replaces whole).
pub fn record_in(ctx: &SessionContext, dir: &Path) {
    ctx.state_ref()
        .write()
        .config_mut()
        .set_extension(Arc::new(SqlMetricsDir(dir.to_path_buf())));
}

/// Writes `plan`, executed, with its metrics to `<dir>/<model>.txt` if the
/// session records them; a file that cannot be written fails the model.
pub(super) fn write_if_recorded(
    ctx: &SessionContext,
    model: &Model,
    plan: &dyn ExecutionPlan,
) -> Result<(), ModelError> {
    let Some(dir) = ctx.copied_config().get_extension::<SqlMetricsDir>() else {
        return Ok(());
    };
    let text = format!(
        "-- {}: the executed plan; elapsed_compute is CPU time summed over the partitions\n{}",
        model.file(),
        DisplayableExecutionPlan::with_metrics(plan).indent(true)
    );
    let path = dir.0.join(format!("{}.txt", model.name));
    std::fs::create_dir_all(&dir.0)
        .and_then(|()| std::fs::write(&path, text))
        .map_err(|e| {
            let source = DataFusionError::IoError(e);
            ModelError::in_step(
                model,
                &format!("writing its metrics to {}", path.display()),
                source,
            )
        })
}
