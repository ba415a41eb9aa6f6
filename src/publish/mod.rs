//! Publication: the public report, the published lists, the charts and the
//! internal reports of a run (`publication.md`), written into the run's
//! staging output folder so that they appear only when the whole run
//! succeeded (privacy rule 5).
//!
//! Publication runs no SQL and needs no query engine: [`publish`] reads the
//! marts made for it (`sql/mart_report_*.sql`, `sql/mart_lawyer_page_*.sql`
//! and the written marts it shows) as typed rows ([`rows`], through
//! [`crate::marts`]), and hands them with the plan's rubrics and settings to
//! one synchronous function per page or section: [`lists`], [`report`],
//! [`internal`]. Each can be tested with rows built by hand. Public pages are
//! built only from aggregates and from the list entries: recipient data,
//! case ids, reviewer names and notes are never read for them (privacy
//! rule 1), counts and rates pass the small-cell rule with complementary
//! suppression ([`privacy`], rule 3), every text is HTML-escaped by the
//! template engine and spreadsheet cells are neutralised (rule 4). Internal
//! pages show recipients masked (rule 2). Templates live in `reports/` and
//! are embedded in the binary; charts carry an embedded CJK font
//! ([`charts`]). Nothing written depends on the clock: the same marts and
//! plan give the same bytes.

pub mod charts;
pub mod data;
pub mod font;
pub mod i18n;
pub mod internal;
pub mod lists;
pub mod privacy;
pub mod report;
pub mod rows;
pub mod templates;
pub mod trend;

use std::path::{Path, PathBuf};

use crate::marts::{self, MartRow};
use crate::models::ModelResult;
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
    /// A mart could not be read as the rows publication expects.
    #[error("reading a mart for publication: {0}")]
    Mart(String),

    /// A template did not render.
    #[error("report template: {0}")]
    Template(String),

    /// A chart could not be drawn.
    #[error("chart {0}")]
    Chart(String),

    #[error("web font: {0}")]
    Font(String),

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
/// Reads from `results` every mart of [`rows`] (all models of
/// [`crate::models::PHASES`] have run); the marts both kinds of page show
/// first, each other one just before the pages that use it, and the
/// lawyers' cases a batch of lawyers at a time. The lawyer pages are
/// written on a thread of their own beside the other pages; when both
/// fail, the other pages' error is the one returned.
pub fn publish(
    plan: &Plan,
    results: &[ModelResult],
    dir: &Path,
) -> Result<PublishSummary, PublishError> {
    charts::register_font()?;
    let entries = read::<rows::EntryRow>(results)?;
    let events = read::<rows::EventRow>(results)?;
    let inspection = read::<rows::InspectionRow>(results)?;
    let credit = read::<rows::LawyerCreditRow>(results)?;
    let shared = Shared {
        entries: &entries,
        events: &events,
        inspection: &inspection,
        credit: &credit,
    };
    // The lawyer pages need nothing of the other pages: they are rendered
    // beside them, filling the cores that the identifier search and the
    // report (one thread each) leave idle.
    let (pages, lawyer_pages) = std::thread::scope(|scope| {
        let lawyer_pages = scope.spawn(|| write_lawyer_pages(plan, results, &shared, dir));
        let pages = write_pages(plan, results, &shared, dir);
        let lawyer_pages = lawyer_pages
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (pages, lawyer_pages)
    });
    let mut out = pages?;
    let lawyer_pages = lawyer_pages?;
    out.files.extend(lawyer_pages.files);
    out.warnings.extend(lawyer_pages.warnings);
    out.files.sort();
    Ok(PublishSummary {
        files: out.files,
        warnings: out.warnings,
    })
}

/// The marts both the lawyer pages and the other pages show.
struct Shared<'a> {
    entries: &'a [rows::EntryRow],
    events: &'a [rows::EventRow],
    inspection: &'a [rows::InspectionRow],
    credit: &'a [rows::LawyerCreditRow],
}

/// Every page but the lawyer pages: the panel and inspection pages, the
/// lists, the report and the web font of the public pages.
fn write_pages(
    plan: &Plan,
    results: &[ModelResult],
    shared: &Shared<'_>,
    dir: &Path,
) -> Result<Writer, PublishError> {
    let mut out = Writer::new(dir);
    let sanctions = read::<rows::SanctionRow>(results)?;
    // The identifying values stream past the sanction summaries, the only
    // free text a public page may show. The stream is read on one thread
    // (0.7 s at 1 M cases), so the panel and inspection pages, which do not
    // need it, are built meanwhile on this one.
    let (ids, overviews) = std::thread::scope(|scope| {
        let search = scope.spawn(|| {
            privacy::Identifiers::search(
                sanctions.iter().filter_map(|s| s.summary.clone()),
                marts::stream::<rows::IdentifierRow>(results).map_err(mart_error)?,
            )
            .map_err(mart_error)
        });
        let overviews = (|| {
            internal::write_overviews(
                plan,
                &internal::panel::Inputs {
                    agreement: &read::<rows::PanelAgreementRow>(results)?,
                    reviewers: &read::<rows::ReviewerRow>(results)?,
                    disputed: &read::<rows::DisputedCaseRow>(results)?,
                    totals: &read::<rows::DisputedTotalRow>(results)?,
                    entries: shared.entries,
                    severity: &read::<rows::SeverityRow>(results)?,
                    sensitive: &read::<rows::SensitiveCaseRow>(results)?,
                },
                &internal::inspection::Inputs {
                    lawyers: shared.inspection,
                    firms: &read::<rows::FirmRow>(results)?,
                },
                &mut out,
            )
        })();
        let ids = search
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (ids, overviews)
    });
    let ids = ids?;
    overviews?;
    let lists = lists::load(
        plan,
        lists::ListInputs {
            entries: shared.entries,
            events: shared.events,
            sanctions: &sanctions,
            n4: &read::<rows::N4EvidenceRow>(results)?,
        },
        &ids,
        &mut out.warnings,
    );
    drop(ids);
    lists::write_all(&lists, plan, &mut out)?;
    report::write(
        plan,
        report::Inputs {
            case_figures: report::count_cases(
                plan,
                &read::<rows::ReportCaseCountRow>(results)?,
                marts::stream::<rows::ReportCaseRow>(results).map_err(mart_error)?,
            )
            .map_err(mart_error)?,
            credit: shared.credit,
            earlier: &trend::load(plan)?,
        },
        &lists,
        &mut out,
    )?;
    // After the last public page: the font holds the glyphs they use.
    font::write(&mut out)?;
    Ok(out)
}

/// `internal/lawyers/<lawyer_id>.html`, one page per lawyer.
fn write_lawyer_pages(
    plan: &Plan,
    results: &[ModelResult],
    shared: &Shared<'_>,
    dir: &Path,
) -> Result<Writer, PublishError> {
    let mut out = Writer::new(dir);
    // Streamed in lawyer order, the order of the pages: only a few batches
    // of lawyers' cases are held at a time.
    let chunks = marts::stream::<rows::LawyerCaseRow>(results).map_err(mart_error)?;
    let mut cases = data::Keyed::new(chunks, |r: &rows::LawyerCaseRow| r.lawyer_id.as_str());
    internal::lawyers::write(
        plan,
        &internal::lawyers::Inputs {
            profiles: &read::<rows::LawyerProfileRow>(results)?,
            credit: shared.credit,
            reasons: &read::<crate::lists::CreditReasonRow>(results)?,
            inspection: shared.inspection,
            entries: shared.entries,
            events: shared.events,
        },
        |lawyer| cases.take(lawyer).map_err(mart_error),
        &mut out,
    )?;
    Ok(out)
}

fn mart_error(e: impl std::fmt::Display) -> PublishError {
    PublishError::Mart(e.to_string())
}

/// The rows of a mart among the run's results.
fn read<T: MartRow>(results: &[ModelResult]) -> Result<Vec<T>, PublishError> {
    marts::read::<T>(results).map_err(mart_error)
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

#[cfg(test)]
pub(crate) mod tests {
    use crate::plan::{Plan, PlanOptions};

    /// The demo pipeline's plan, for section tests that need settings.
    pub fn demo_plan() -> Plan {
        Plan::resolve(
            std::path::Path::new("pipelines/chengdu-2024.toml"),
            &PlanOptions::default(),
        )
        .expect("the demo pipeline resolves")
    }
}
