//! Earlier periods for the trend section: the output folders named by
//! `publication.earlier_outputs` (relative to the pipeline file's folder),
//! each read from its `manifest.json` (the period) and its
//! `data/case_scores.parquet` (the scored cases). A folder that is named but
//! cannot be read fails the run with a message naming it: a misspelt folder
//! must not silently drop a period from a published comparison.
//!
//! The Parquet file is a finished output, not a table of this run: it is
//! read directly into typed rows, with no query engine.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Deserialize;

use super::PublishError;
use crate::plan::Plan;

/// The columns of an earlier `case_scores` this section reads.
#[derive(Debug, Deserialize)]
struct EarlierScore {
    case_id: String,
    case_type: String,
    score: Option<f64>,
}

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
pub fn load(plan: &Plan) -> Result<Vec<EarlierPeriod>, PublishError> {
    let base = plan
        .pipeline_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut out = Vec::new();
    for folder in &plan.settings.publication.earlier_outputs {
        out.push(read(&base.join(folder))?);
    }
    out.sort_by_key(|p| (p.end, p.start));
    Ok(out)
}

/// Reads one earlier output folder.
pub fn read(folder: &Path) -> Result<EarlierPeriod, PublishError> {
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
    let unreadable = |e: &dyn std::fmt::Display| fail(format!("data/case_scores.parquet: {e}"));
    let file = std::fs::File::open(&parquet).map_err(|e| unreadable(&e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| unreadable(&e))?;
    let mut rows: Vec<EarlierScore> = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| unreadable(&e))?;
        let part: Vec<EarlierScore> =
            serde_arrow::from_record_batch(&batch).map_err(|e| unreadable(&e))?;
        rows.extend(part);
    }
    rows.sort_by(|a, b| a.case_id.cmp(&b.case_id));
    let scores = rows
        .into_iter()
        .filter_map(|r| Some((r.case_type, r.score?)))
        .collect();
    Ok(EarlierPeriod {
        folder: folder.to_path_buf(),
        start,
        end,
        scores,
    })
}
