//! The resolved plan of one run: the pipeline file's settings with every path
//! made absolute, every input glob expanded, the rubrics loaded and checked,
//! and the as-of date and output folder fixed. It is built once; every later
//! stage takes the plan and never looks at the pipeline file again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::config::{Encoding, PathList, PipelineFile, Settings};
use crate::error::{Error, Result};
use crate::ingest::schema::Table;
use crate::rubric::{CaseType, Item, Rubric};

/// Choices made on the command line that override the pipeline file.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub as_of: Option<NaiveDate>,
    pub out: Option<PathBuf>,
    pub lang: Option<String>,
    /// A `reviews` glob may match no file yet (drawing the sample that will
    /// produce the score sheets it names).
    pub reviews_may_be_missing: bool,
    /// A dry run never writes over the live outputs: without `out` it
    /// writes beside them, to `<output folder>-dry-run`.
    pub dry_run: bool,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub pipeline_path: PathBuf,
    pub pipeline_sha256: String,
    pub name: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// The decision date; `period_end` unless given.
    pub as_of: NaiveDate,
    /// Input files per table, in the order given (globs sorted by path).
    pub inputs: BTreeMap<Table, Vec<PathBuf>>,
    pub encoding: Encoding,
    pub sheets: BTreeMap<String, String>,
    pub rubrics: BTreeMap<CaseType, Rubric>,
    pub register_path: PathBuf,
    /// Where the run's scratch folder is made (0700, swept of folders of
    /// runs that died); `[register] scratch_dir`, default beside the register.
    pub scratch_root: PathBuf,
    /// Where notices are kept for good, one folder per as-of date;
    /// `[register] notices_dir`, default `notices` beside the register.
    pub notices_root: PathBuf,
    /// How long to wait for another run or command holding the register.
    pub lock_wait: std::time::Duration,
    pub output_dir: PathBuf,
    pub lang: String,
    pub settings: Settings,
}

impl Plan {
    /// Reads the pipeline file and resolves it.
    pub fn resolve(pipeline: &Path, options: &PlanOptions) -> Result<Plan> {
        let file = PipelineFile::load(pipeline)?;
        let bytes = std::fs::read(pipeline).map_err(|e| Error::io(pipeline, e))?;
        let pipeline_path = absolute(pipeline)?;
        let base = pipeline_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));

        let mut inputs = BTreeMap::new();
        for table in Table::ALL {
            let list = input_list(&file, table);
            let may_be_empty = table == Table::Reviews && options.reviews_may_be_missing;
            inputs.insert(table, expand(&base, list, pipeline, table, may_be_empty)?);
        }

        let mut rubrics = BTreeMap::new();
        for (case_type, rel) in [
            (CaseType::Criminal, &file.rubrics.criminal),
            (CaseType::Civil, &file.rubrics.civil),
            (CaseType::Administrative, &file.rubrics.administrative),
        ] {
            let rubric = Rubric::load(&normalize(&base.join(rel)))?;
            if rubric.case_type != case_type {
                return Err(Error::Config(crate::config::ConfigError {
                    path: pipeline.to_path_buf(),
                    message: format!(
                        "[rubrics] {} names {}, which is a rubric for {} cases",
                        case_type.code(),
                        rel,
                        rubric.case_type.code()
                    ),
                }));
            }
            rubrics.insert(case_type, rubric);
        }

        let output_dir = match (&options.out, &file.output.dir) {
            (Some(out), _) => absolute(out)?,
            (None, Some(dir)) => normalize(&base.join(dir)),
            (None, None) => base.join("out").join(&file.name),
        };
        let output_dir = match (&options.out, options.dry_run) {
            (None, true) => {
                let mut name = output_dir.file_name().unwrap_or_default().to_os_string();
                name.push("-dry-run");
                output_dir.with_file_name(name)
            }
            _ => output_dir,
        };
        let register_path = match &file.register.path {
            Some(p) => normalize(&base.join(p)),
            None => base.join("state").join(format!("{}.sqlite", file.name)),
        };
        // A folder named in the pipeline file, else one beside the register.
        let kept_folder = |named: &Option<String>, default: &str| match named {
            Some(p) => normalize(&base.join(p)),
            None => register_path
                .parent()
                .unwrap_or(Path::new("."))
                .join(default),
        };
        let scratch_root = kept_folder(&file.register.scratch_dir, ".legalaid-scratch");
        let notices_root = kept_folder(&file.register.notices_dir, "notices");
        let lock_wait = std::time::Duration::from_secs(
            file.register
                .lock_wait_seconds
                .unwrap_or(crate::register::lock::DEFAULT_WAIT_SECONDS),
        );
        let lang = options
            .lang
            .clone()
            .unwrap_or_else(|| file.settings.publication.lang.clone());
        Ok(Plan {
            pipeline_sha256: hex::encode(Sha256::digest(&bytes)),
            pipeline_path,
            name: file.name,
            period_start: file.period.start,
            period_end: file.period.end,
            as_of: options.as_of.unwrap_or(file.period.end),
            inputs,
            encoding: file.inputs.encoding,
            sheets: file.inputs.sheets,
            rubrics,
            register_path,
            scratch_root,
            notices_root,
            lock_wait,
            output_dir,
            lang,
            settings: file.settings,
        })
    }

    /// The rubric of a case type (every case type has one).
    pub fn rubric(&self, case_type: CaseType) -> &Rubric {
        &self.rubrics[&case_type]
    }

    /// Every rubric item with its number among all of them (`item_key`):
    /// the rubrics in case-type order, each item in its rubric's order, and
    /// its index in its rubric. Ingest stages the number on each accepted
    /// review row and `rubric_items` carries it, so scoring joins a row to
    /// its item by one integer instead of the case type and item code.
    pub fn numbered_items(&self) -> impl Iterator<Item = (i64, &Rubric, usize, &Item)> {
        self.rubrics
            .values()
            .flat_map(|rubric| {
                rubric
                    .items
                    .iter()
                    .enumerate()
                    .map(move |(i, item)| (rubric, i, item))
            })
            .zip(0..)
            .map(|((rubric, i, item), key)| (key, rubric, i, item))
    }

    /// Files the run reads or keeps, which no output folder may contain:
    /// the pipeline, its rubrics, every input file, the register and the
    /// notices kept beside it.
    pub fn kept_paths(&self) -> Vec<&Path> {
        let mut kept = vec![
            self.pipeline_path.as_path(),
            self.register_path.as_path(),
            self.scratch_root.as_path(),
            self.notices_root.as_path(),
        ];
        kept.extend(self.rubrics.values().map(|r| r.source.as_path()));
        kept.extend(self.inputs.values().flatten().map(PathBuf::as_path));
        kept
    }

    /// Whether a closing date falls in the review period.
    pub fn in_period(&self, closed_on: NaiveDate) -> bool {
        self.period_start <= closed_on && closed_on <= self.period_end
    }
}

fn input_list(file: &PipelineFile, table: Table) -> &PathList {
    let i = &file.inputs;
    match table {
        Table::Lawyers => &i.lawyers,
        Table::Cases => &i.cases,
        Table::Reviewers => &i.reviewers,
        Table::Reviews => &i.reviews,
        Table::Complaints => &i.complaints,
        Table::Sanctions => &i.sanctions,
        Table::Feedback => &i.feedback,
    }
}

/// Expands one input entry. A pattern with glob characters must match at
/// least one file; a plain path must exist and be a file. A file reached
/// twice (two patterns, a symlink beside it, or a symlink loop under `**`)
/// is read once, in the place it was first reached, under its shortest name.
fn expand(
    base: &Path,
    list: &PathList,
    pipeline: &Path,
    table: Table,
    may_be_empty: bool,
) -> Result<Vec<PathBuf>> {
    let config_err = |message: String| {
        Error::Config(crate::config::ConfigError {
            path: pipeline.to_path_buf(),
            message,
        })
    };
    let mut out: Vec<PathBuf> = Vec::new();
    // Each file once, at its first place, under its shortest name.
    let mut seen = std::collections::HashMap::new();
    let mut keep = |path: PathBuf, out: &mut Vec<PathBuf>| {
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        match seen.get(&key) {
            None => {
                seen.insert(key, out.len());
                out.push(path);
            }
            Some(&at) => {
                let depth = |p: &Path| p.components().count();
                if depth(&path) < depth(&out[at]) {
                    out[at] = path;
                }
            }
        }
    };
    for pattern in list.patterns() {
        let full = normalize(&base.join(pattern));
        if pattern.contains(['*', '?', '[']) {
            let text = full.to_string_lossy().to_string();
            let mut matched: Vec<PathBuf> = glob::glob(&text)
                .map_err(|e| {
                    config_err(format!(
                        "[inputs] {}: bad pattern `{pattern}`: {e}",
                        table.name()
                    ))
                })?
                .filter_map(|p| p.ok())
                .filter(|p| p.is_file())
                .collect();
            if matched.is_empty() && !may_be_empty {
                return Err(config_err(format!(
                    "[inputs] {}: no file matches `{pattern}` (looked in {})",
                    table.name(),
                    base.display()
                )));
            }
            matched.sort();
            for path in matched {
                keep(path, &mut out);
            }
        } else {
            let problem = match std::fs::metadata(&full) {
                Ok(m) if m.is_file() => None,
                Ok(m) if m.is_dir() => Some(format!(
                    "[inputs] {} names `{pattern}`, which is a directory, expected a file; \
                     to read every file in it write a pattern such as `{pattern}/*.csv`",
                    table.name()
                )),
                Ok(_) => Some(format!(
                    "[inputs] {} names `{pattern}`, which is not a regular file, expected a file",
                    table.name()
                )),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(format!(
                    "missing file: [inputs] {} names `{pattern}`, which does not exist",
                    table.name()
                )),
                Err(e) => Some(format!(
                    "[inputs] {} names `{pattern}`, which cannot be read: {e}",
                    table.name()
                )),
            };
            if let Some(message) = problem {
                return Err(Error::Ingest(crate::ingest::IngestError::file(
                    &full, message,
                )));
            }
            keep(full, &mut out);
        }
    }
    Ok(out)
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path)
        .map(|p| normalize(&p))
        .map_err(|e| Error::io(path, e))
}

/// Removes `.` and `name/..` pairs without touching the file system, so
/// messages show `/x/out` rather than `/x/pipelines/../out`.
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(normalize(Path::new("/a/../../b")), PathBuf::from("/b"));
    }
}
