//! Earlier periods for the trend section: the output folders named by
//! `publication.earlier_outputs` (relative to the pipeline file's folder),
//! each read from its `manifest.json` (the period) and its
//! `data/case_scores.parquet` (the scored cases). A folder that is named but
//! cannot be read fails the run with a message naming it: a misspelt folder
//! must not silently drop a period from a published comparison.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use datafusion::prelude::{ParquetReadOptions, SessionContext};

use super::PublishError;
use super::data::query;
use crate::plan::Plan;

/// The scored cases of one earlier period.
#[derive(Debug, Clone, PartialEq)]
pub struct EarlierPeriod {
    pub folder: PathBuf,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// (case type code, score) per scored case, in case id order.
    pub scores: Vec<(String, f64)>,
}

/// Reads every earlier output folder of the plan, oldest period first.
pub async fn load(plan: &Plan) -> Result<Vec<EarlierPeriod>, PublishError> {
    let base = plan
        .pipeline_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut out = Vec::new();
    for folder in &plan.settings.publication.earlier_outputs {
        out.push(read(&base.join(folder)).await?);
    }
    out.sort_by_key(|p| (p.end, p.start));
    Ok(out)
}

/// Reads one earlier output folder.
pub async fn read(folder: &Path) -> Result<EarlierPeriod, PublishError> {
    let fail = |message: String| PublishError::EarlierOutput {
        path: folder.to_path_buf(),
        message,
    };
    let manifest_path = folder.join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path)
        .map_err(|e| fail(format!("cannot read manifest.json ({e})")))?;
    let manifest: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| fail(format!("manifest.json is not valid JSON ({e})")))?;
    let date = |key: &str| {
        manifest["period"][key]
            .as_str()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .ok_or_else(|| fail(format!("manifest.json has no period.{key} date")))
    };
    let (start, end) = (date("start")?, date("end")?);
    let parquet = folder.join("data").join("case_scores.parquet");
    if !parquet.is_file() {
        return Err(fail("data/case_scores.parquet is missing".into()));
    }
    let ctx = SessionContext::new();
    ctx.register_parquet(
        "earlier_case_scores",
        parquet.to_string_lossy().as_ref(),
        ParquetReadOptions::default(),
    )
    .await
    .map_err(|e| fail(format!("data/case_scores.parquet: {e}")))?;
    let rows = query(
        &ctx,
        "select case_id, case_type, score from earlier_case_scores \
         where score is not null order by case_id",
    )
    .await
    .map_err(|e| fail(format!("data/case_scores.parquet: {e}")))?;
    let scores = rows
        .rows()
        .filter_map(|r| Some((r.text("case_type"), r.float("score")?)))
        .collect();
    Ok(EarlierPeriod {
        folder: folder.to_path_buf(),
        start,
        end,
        scores,
    })
}
