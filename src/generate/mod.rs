//! Synthetic input data in the data contract (`legalaid generate`).
//!
//! [`generate`] writes the seven input tables as UTF-8 CSV (English headers in
//! contract order, `YYYY-MM-DD` dates, `true`/`false`, English enumeration
//! codes, the empty string for a missing optional value, `NA` for a review
//! item that did not apply), the three default rubric files and a
//! `pipeline.toml` that runs as it is. The people, firms and numbers are
//! fictional but shaped like Chengdu's (see the `names` submodule).
//!
//! The output is a function of the options alone: every random draw comes
//! from ChaCha8 seeded with the seed, so the same options give byte-identical
//! files. Memory is bounded: firms, lawyers, reviewers and sanctions are held
//! (they grow slowly), while cases are streamed — each case is written with
//! its reviews, feedback and complaints and then forgotten — so millions of
//! cases take no more memory than hundreds.

mod cases;
mod names;
mod roster;
mod sampling;
#[cfg(test)]
mod tests;

use std::fs::{self, File};
use std::path::{Path, PathBuf};

pub use names::{id_check_char, id_number_is_valid, uscc_check_char};

use crate::ingest::schema;
use crate::rubric::{self, CaseType};

/// The period year when none is given.
pub const DEFAULT_YEAR: i32 = 2024;

/// What to generate and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Output folder; created when missing, files in it overwritten.
    pub out: PathBuf,
    /// Number of cases.
    pub cases: u64,
    /// Seed of every random draw.
    pub seed: u64,
    /// The period year: most cases close in it.
    pub year: i32,
}

impl GenerateOptions {
    /// Options for the default period year.
    pub fn new(out: impl Into<PathBuf>, cases: u64, seed: u64) -> Self {
        GenerateOptions {
            out: out.into(),
            cases,
            seed,
            year: DEFAULT_YEAR,
        }
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateSummary {
    /// Table name and rows written (without the header), in table order.
    pub rows: Vec<(&'static str, u64)>,
    /// The pipeline file that runs on the data set.
    pub pipeline: PathBuf,
}

/// Why [`generate`] failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// Creating or writing a file or folder failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing a CSV record failed.
    #[error("{}: {source}", path.display())]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    /// The options cannot be honoured.
    #[error("cannot generate: {0}")]
    Options(String),
}

impl GenerateError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        GenerateError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The codes of a contract enumeration, as an array of its exact length
/// (checked when compiling), so the generator's draws index the one list
/// that ingest validates against.
const fn codes<const N: usize>(values: &[schema::EnumValue]) -> [&'static str; N] {
    assert!(values.len() == N, "enumeration length");
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = values[i].code;
        i += 1;
    }
    out
}

/// `gender` codes (the empty string is the third, unrecorded value).
pub const GENDERS: [&str; 2] = codes(schema::GENDER);
/// `practice_kind` codes.
pub const PRACTICE_KINDS: [&str; 5] = codes(schema::PRACTICE_KIND);
/// `status` codes of a lawyer.
pub const STATUSES: [&str; 3] = codes(schema::LAWYER_STATUS);
/// `matter` codes by case type, in [`CaseType::ALL`] order.
pub const MATTERS: [&[&str]; 3] = [
    &[
        "investigation",
        "prosecution",
        "trial",
        "appeal",
        "death_review",
    ],
    &["family", "labor", "traffic", "ip", "other"],
    &["litigation", "reconsideration"],
];
/// `recipient_groups` codes.
pub const RECIPIENT_GROUPS: [&str; 8] = codes(schema::RECIPIENT_GROUP);
/// `outcome` codes of a case.
pub const CASE_OUTCOMES: [&str; 10] = [
    "won",
    "partly_won",
    "lost",
    "mediated",
    "withdrawn",
    "terminated",
    "acquitted",
    "charge_reduced",
    "mitigated",
    "as_charged",
];
/// `role` codes of a reviewer.
pub const ROLES: [&str; 6] = codes(schema::REVIEWER_ROLE);
/// `category` codes of a complaint; the first four are prohibited conduct.
pub const COMPLAINT_CATEGORIES: [&str; 7] = codes(schema::COMPLAINT_CATEGORY);
/// `outcome` codes of a complaint.
pub const COMPLAINT_OUTCOMES: [&str; 4] = codes(schema::COMPLAINT_OUTCOME);
/// `kind` codes of a sanction, lightest first.
pub const SANCTION_KINDS: [&str; 9] = codes(schema::SANCTION_KIND);
/// `authority` codes of a sanction.
pub const AUTHORITIES: [&str; 2] = codes(schema::AUTHORITY);
/// `satisfaction` codes of a follow-up call.
pub const SATISFACTIONS: [&str; 4] = codes(schema::SATISFACTION);

/// One output CSV being written: the header goes out on creation, then one
/// record per call to [`Table::row`].
pub(crate) struct Table {
    name: &'static str,
    path: PathBuf,
    writer: csv::Writer<File>,
    rows: u64,
}

impl Table {
    fn create(dir: &Path, index: usize) -> Result<Self, GenerateError> {
        let spec = &schema::TABLES[index];
        let name = spec.table.name();
        let columns: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
        let path = dir.join(format!("{name}.csv"));
        let file = File::create(&path).map_err(|e| GenerateError::io(&path, e))?;
        let writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(1 << 16)
            .from_writer(file);
        let mut t = Table {
            name,
            path,
            writer,
            rows: 0,
        };
        t.row(columns)?;
        t.rows = 0;
        Ok(t)
    }

    /// Writes one record.
    pub(crate) fn row<I, T>(&mut self, fields: I) -> Result<(), GenerateError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer
            .write_record(fields)
            .map_err(|source| GenerateError::Csv {
                path: self.path.clone(),
                source,
            })?;
        self.rows += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<(&'static str, u64), GenerateError> {
        self.writer
            .flush()
            .map_err(|e| GenerateError::io(&self.path, e))?;
        Ok((self.name, self.rows))
    }
}

/// Writes a synthetic data set into `opts.out` and reports progress (cases
/// written so far) every 10,000 cases and once at the end.
pub fn generate(
    opts: &GenerateOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<GenerateSummary, GenerateError> {
    if !(1901..=9998).contains(&opts.year) {
        return Err(GenerateError::Options(format!(
            "year {} is outside 1901–9998",
            opts.year
        )));
    }
    let out = &opts.out;
    let rubric_dir = out.join("rubrics");
    fs::create_dir_all(&rubric_dir).map_err(|e| GenerateError::io(&rubric_dir, e))?;
    for (file, text) in rubric::DEFAULT_RUBRICS {
        let path = rubric_dir.join(file);
        fs::write(&path, text).map_err(|e| GenerateError::io(&path, e))?;
    }
    let rubrics = rubric::default_rubrics();

    let roster = roster::build(opts.seed, opts.year, opts.cases);
    let mut tables = (0..schema::TABLES.len())
        .map(|i| Table::create(out, i))
        .collect::<Result<Vec<_>, _>>()?;
    let [
        lawyers,
        cases,
        reviewers,
        reviews,
        complaints,
        sanctions,
        feedback,
    ] = &mut tables[..]
    else {
        unreachable!("seven tables")
    };
    roster::write_lawyers(&roster, lawyers)?;
    roster::write_reviewers(&roster, reviewers)?;
    roster::write_sanctions(&roster, sanctions)?;
    let mut sinks = cases::Sinks {
        cases,
        reviews,
        complaints,
        feedback,
    };
    cases::write(opts, &roster, &rubrics, &mut sinks, progress)?;

    let mut rows = Vec::with_capacity(schema::TABLES.len());
    for t in tables {
        rows.push(t.finish()?);
    }
    let pipeline = out.join("pipeline.toml");
    fs::write(&pipeline, pipeline_text(opts)).map_err(|e| GenerateError::io(&pipeline, e))?;
    Ok(GenerateSummary { rows, pipeline })
}

/// The pipeline file of a generated data set; every path is relative to it.
fn pipeline_text(opts: &GenerateOptions) -> String {
    let mut s = format!(
        "# Synthetic legal-aid data written by `legalaid generate` (seed {seed}, {cases} cases).\n\
         # Every person, firm and number in it is fictional.\n\
         name = \"generated-s{seed}-n{cases}\"\n\n\
         [period]\nstart = {year:04}-01-01\nend = {year:04}-12-31\n\n[inputs]\n",
        seed = opts.seed,
        cases = opts.cases,
        year = opts.year,
    );
    for name in schema::TABLE_NAMES {
        s.push_str(&format!("{name} = \"{name}.csv\"\n"));
    }
    s.push_str("\n[rubrics]\n");
    for ct in CaseType::ALL {
        s.push_str(&format!("{0} = \"rubrics/{0}.toml\"\n", ct.code()));
    }
    s.push_str("\n[register]\npath = \"state/register.sqlite\"\n\n[output]\ndir = \"out\"\n");
    s
}
