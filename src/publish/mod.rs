//! Publication: the public report, the published lists, the charts and the
//! internal reports of a run (`publication.md`), written into the run's
//! staging output folder so that they appear only when the whole run
//! succeeded (privacy rule 5).
//!
//! [`publish`] reads everything it needs from the session with SQL — the
//! scoring and credit marts, the register's entries and events, the staging
//! tables — and the rubrics and settings from the plan. Public pages are
//! built only from aggregates and from the list entries: recipient data,
//! case ids, reviewer names and notes are never queried for them (privacy
//! rule 1), counts and rates pass the small-cell rule with complementary
//! suppression ([`privacy`], rule 3), every text is HTML-escaped by the
//! template engine and spreadsheet cells are neutralised (rule 4). Internal
//! pages show recipients masked (rule 2). Templates live in `reports/` and
//! are embedded in the binary; charts carry an embedded CJK font
//! ([`charts`]). Nothing written depends on the clock: the same session and
//! plan give the same bytes.

pub mod charts;
pub mod data;
pub mod i18n;
pub mod internal;
pub mod lists;
pub mod privacy;
pub mod report;
pub mod templates;
pub mod trend;

use std::path::{Path, PathBuf};

use datafusion::prelude::SessionContext;

use crate::plan::Plan;

/// What [`publish`] wrote and what it wants a person to know.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PublishSummary {
    /// Files written, as `/`-separated paths relative to the output folder,
    /// sorted.
    pub files: Vec<String>,
    /// Things done that a person should know about, e.g. a sanction summary
    /// left out of the negative list because it names a recipient.
    pub warnings: Vec<String>,
}

/// Why publication failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A report query failed.
    #[error("report query `{sql}`: {message}")]
    Query { sql: String, message: String },

    /// A template did not render.
    #[error("report template: {0}")]
    Template(String),

    /// A chart could not be drawn.
    #[error("chart {0}")]
    Chart(String),

    /// A workbook could not be written.
    #[error("workbook {path}: {message}")]
    Xlsx { path: PathBuf, message: String },

    /// An earlier output folder named by `publication.earlier_outputs`
    /// cannot be read.
    #[error("earlier output {path}: {message}")]
    EarlierOutput { path: PathBuf, message: String },

    /// Writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl PublishError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        PublishError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Writes the public and internal reports of a run into `dir` (the staging
/// output folder): `public/index.html`, the published lists as CSV, XLSX
/// and HTML, `public/charts/`, `internal/panel.html`,
/// `internal/inspection.html`, `internal/lawyers/<lawyer_id>.html` and
/// `internal/charts/`.
///
/// Needs in the session: the staging tables, every model of
/// [`crate::models::PHASES`], and the register's `register_entries` and
/// `register_events`.
pub async fn publish(
    ctx: &SessionContext,
    plan: &Plan,
    dir: &Path,
) -> Result<PublishSummary, PublishError> {
    charts::register_font()?;
    let mut out = Writer::new(dir);
    let ids = privacy::Identifiers::load(ctx).await?;
    let lists = lists::load(ctx, plan, &ids, &mut out.warnings).await?;
    lists::write_all(&lists, plan, &mut out)?;
    report::write(ctx, plan, &lists, &mut out).await?;
    internal::write(ctx, plan, &mut out).await?;
    out.files.sort();
    Ok(PublishSummary {
        files: out.files,
        warnings: out.warnings,
    })
}

/// Writes files below the output folder and remembers them.
pub struct Writer {
    root: PathBuf,
    files: Vec<String>,
    pub warnings: Vec<String>,
}

impl Writer {
    pub fn new(root: &Path) -> Writer {
        Writer {
            root: root.to_path_buf(),
            files: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The absolute path of a relative one, its folder created.
    pub fn path(&self, rel: &str) -> Result<PathBuf, PublishError> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| PublishError::io(parent, e))?;
        }
        Ok(path)
    }

    /// Writes `bytes` to `rel`.
    pub fn write(&mut self, rel: &str, bytes: impl AsRef<[u8]>) -> Result<(), PublishError> {
        let path = self.path(rel)?;
        std::fs::write(&path, bytes).map_err(|e| PublishError::io(&path, e))?;
        self.files.push(rel.to_string());
        Ok(())
    }

    /// Records a file written by someone else (charts, workbooks).
    pub fn wrote(&mut self, rel: String) {
        self.files.push(rel);
    }

    /// Writes a chart's PNG and SVG into `folder` (relative).
    pub fn chart(&mut self, folder: &str, chart: &charts::Chart) -> Result<(), PublishError> {
        let dir = self.root.join(folder);
        for name in chart.write(&dir)? {
            self.files.push(format!("{folder}/{name}"));
        }
        Ok(())
    }
}
