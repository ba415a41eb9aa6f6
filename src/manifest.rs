//! `manifest.json`: what a run read and wrote, with hashes, so a published
//! report can be reproduced and verified. Everything in it is a function of
//! the inputs and the as-of date, except `generated_at`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::ingest::{Ingested, relative_path};
use crate::output::{list_files, sha256_file};
use crate::plan::Plan;

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub software: String,
    pub version: String,
    pub run_id: String,
    pub name: String,
    pub as_of: String,
    pub period: Period,
    pub generated_at: String,
    pub pipeline: HashedFile,
    pub rubrics: BTreeMap<String, RubricEntry>,
    pub inputs: BTreeMap<String, TableEntry>,
    pub register: RegisterCounts,
    pub outputs: BTreeMap<String, String>,
}

/// The register's event count before and after the run.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RegisterCounts {
    pub events_before: u64,
    pub events_after: u64,
    /// A dry run wrote nothing to the register.
    pub dry_run: bool,
}

#[derive(Debug, Serialize)]
pub struct Period {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Serialize)]
pub struct HashedFile {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RubricEntry {
    pub version: String,
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableEntry {
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_rejected: u64,
    pub rows_out_of_period: u64,
    pub rows_superseded: u64,
    pub files: Vec<InputFile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    pub path: String,
    pub sha256: String,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_rejected: u64,
}

/// The input side of the manifest and the run id derived from it.
#[derive(Debug, Clone)]
pub struct InputsDigest {
    pub run_id: String,
    pub rubrics: BTreeMap<String, RubricEntry>,
    pub inputs: BTreeMap<String, TableEntry>,
}

/// The SHA-256 of every input file, being computed on a thread of its own
/// (at national scale a second or so of reading and hashing, which the
/// scoring stage leaves room for: its query engine does not keep both cores
/// busy). Dropping it waits for the thread, so no run leaves it reading.
pub struct InputHashes {
    hashing: Option<JoinHandle<Result<Vec<String>>>>,
}

impl InputHashes {
    /// Starts hashing the files `ingested` read, in the order of its
    /// reports.
    pub fn start(ingested: &Ingested) -> InputHashes {
        let paths: Vec<PathBuf> = ingested
            .reports
            .iter()
            .flat_map(|r| r.files.iter().map(|f| f.path.clone()))
            .collect();
        let hashing = std::thread::spawn(move || paths.iter().map(|p| sha256_file(p)).collect());
        InputHashes {
            hashing: Some(hashing),
        }
    }

    fn wait(mut self) -> Result<Vec<String>> {
        match self.hashing.take().map(JoinHandle::join) {
            Some(Ok(hashes)) => hashes,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => unreachable!("the hashes are waited for once"),
        }
    }
}

impl Drop for InputHashes {
    fn drop(&mut self) {
        if let Some(hashing) = self.hashing.take() {
            let _ = hashing.join();
        }
    }
}

/// The inputs' digest, from their hashes. The run id is a hash of the
/// pipeline file, the rubric files, the input files and the as-of date: the
/// same run twice has the same id.
pub fn digest_inputs(
    plan: &Plan,
    ingested: &Ingested,
    hashes: InputHashes,
) -> Result<InputsDigest> {
    let mut hashes = hashes.wait()?.into_iter();
    let base = plan.pipeline_path.parent().unwrap_or(Path::new(""));
    let rel = |p: &Path| relative_path(base, p).display().to_string();
    let mut run = Sha256::new();
    run.update(plan.pipeline_sha256.as_bytes());
    let mut rubrics = BTreeMap::new();
    for (case_type, rubric) in &plan.rubrics {
        run.update(rubric.sha256.as_bytes());
        rubrics.insert(
            case_type.code().to_string(),
            RubricEntry {
                version: rubric.version.clone(),
                path: rel(&rubric.source),
                sha256: rubric.sha256.clone(),
            },
        );
    }
    let mut inputs = BTreeMap::new();
    for report in &ingested.reports {
        let mut files = Vec::new();
        for f in &report.files {
            let sha = hashes.next().expect("one hash per file read");
            run.update(sha.as_bytes());
            files.push(InputFile {
                path: rel(&f.path),
                sha256: sha,
                rows_read: f.read,
                rows_accepted: f.accepted,
                rows_rejected: f.rejected,
            });
        }
        inputs.insert(
            report.table.name().to_string(),
            TableEntry {
                rows_read: report.read(),
                rows_accepted: report.accepted(),
                rows_rejected: report.rejected_count(),
                rows_out_of_period: report.out_of_period,
                rows_superseded: report.superseded,
                files,
            },
        );
    }
    run.update(plan.as_of.to_string().as_bytes());
    Ok(InputsDigest {
        run_id: hex::encode(&run.finalize()[..8]),
        rubrics,
        inputs,
    })
}

/// The SHA-256 of each of `files` (relative to `dir`), hashed on every
/// core: at national scale the outputs are tens of thousands of pages.
fn hash_files(dir: &Path, files: Vec<String>) -> Result<BTreeMap<String, String>> {
    let hashes = crate::parallel::map(&files, |file| sha256_file(&dir.join(file)))
        .into_iter()
        .collect::<Result<Vec<String>>>()?;
    Ok(files.into_iter().zip(hashes).collect())
}

/// Writes `manifest.json` into the finished output folder `dir`, hashing
/// every file already there.
pub fn write(
    dir: &Path,
    plan: &Plan,
    digest: InputsDigest,
    register: RegisterCounts,
) -> Result<()> {
    let outputs = hash_files(dir, list_files(dir)?)?;
    let base = plan.pipeline_path.parent().unwrap_or(Path::new(""));
    let manifest = Manifest {
        software: env!("CARGO_PKG_NAME").to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        run_id: digest.run_id,
        name: plan.name.clone(),
        as_of: plan.as_of.to_string(),
        period: Period {
            start: plan.period_start.to_string(),
            end: plan.period_end.to_string(),
        },
        generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        pipeline: HashedFile {
            path: relative_path(base, &plan.pipeline_path)
                .display()
                .to_string(),
            sha256: plan.pipeline_sha256.clone(),
        },
        rubrics: digest.rubrics,
        inputs: digest.inputs,
        register,
        outputs,
    };
    let path = dir.join("manifest.json");
    let text = serde_json::to_string_pretty(&manifest).expect("manifest serialises");
    std::fs::write(&path, text + "\n").map_err(|e| Error::io(&path, e))
}
