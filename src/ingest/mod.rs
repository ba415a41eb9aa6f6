//! Ingest: every input table read from its files, each row parsed into typed
//! values and checked against the data contract, accepted rows appended to
//! Arrow batches and bad rows quarantined with their reason.
//!
//! File-level problems (missing file or column, unreadable encoding, wrong
//! sheet) stop the run with an [`IngestError`] naming the file and column.
//! Row-level problems never stop it: the row goes to quarantine, and for every
//! table rows read = accepted + rejected. Tables are read in
//! [`schema::Table::ALL`] order so foreign keys are checked against the
//! *accepted* rows of the tables before.

pub mod batch;
mod fast_hash;
#[cfg(test)]
mod fuzz;
mod held;
pub mod quarantine;
pub mod reasons;
pub mod schema;
pub mod source;
pub mod text;
mod validate;
pub mod value;
pub mod workbook;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use datafusion::arrow::record_batch::RecordBatch;

use crate::plan::Plan;
use batch::{BatchBuilder, Staged, Value};
use reasons::Reason;
use schema::{Kind, Table, TableSpec};
pub(crate) use validate::Party;

/// A file-level input problem: the run stops and nothing is written.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestError {
    pub path: PathBuf,
    pub row: Option<u64>,
    pub column: Option<String>,
    pub message: String,
}

impl IngestError {
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        IngestError {
            path: path.to_path_buf(),
            row: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at_row(path: &Path, row: u64, message: impl Into<String>) -> Self {
        IngestError {
            row: Some(row),
            ..Self::file(path, message)
        }
    }

    pub fn at_column(path: &Path, column: impl Into<String>, message: impl Into<String>) -> Self {
        IngestError {
            column: Some(column.into()),
            ..Self::file(path, message)
        }
    }
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "input file {}", self.path.display())?;
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for IngestError {}

/// A quarantined row: its cells as read (in the contract's column order),
/// where it came from and why it was rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub cells: Vec<String>,
    pub source_file: String,
    pub source_row: u64,
    pub reason: String,
}

/// Counts for one input file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileCounts {
    pub path: PathBuf,
    pub read: u64,
    pub accepted: u64,
    pub rejected: u64,
}

/// What ingest did with one table.
#[derive(Debug, Clone)]
pub struct TableReport {
    pub table: Table,
    pub files: Vec<FileCounts>,
    pub rejected: Vec<Rejected>,
    /// Accepted rows that belong to cases closed outside the period.
    pub out_of_period: u64,
    /// Accepted review rows of reviews replaced by a later one.
    pub superseded: u64,
}

impl TableReport {
    pub fn read(&self) -> u64 {
        self.files.iter().map(|f| f.read).sum()
    }

    pub fn accepted(&self) -> u64 {
        self.files.iter().map(|f| f.accepted).sum()
    }

    pub fn rejected_count(&self) -> u64 {
        self.rejected.len() as u64
    }

    /// Share of rejected rows (0 for an empty table).
    pub fn reject_ratio(&self) -> f64 {
        match self.read() {
            0 => 0.0,
            n => self.rejected_count() as f64 / n as f64,
        }
    }
}

/// The typed, validated tables and the report of how they were read.
pub struct Ingested {
    /// Each table's staged rows: its accepted rows, but for reviews every
    /// row that broke no rule of its own, staged as read (the rows of a
    /// review rejected as a whole too: `dropped_reviews` names it).
    pub tables: BTreeMap<Table, Staged>,
    /// One row per accepted review ([`schema::review_heads_schema`]).
    pub review_heads: Staged,
    /// The reviews whose staged rows take no part
    /// ([`schema::DROPPED_REVIEWS`]).
    pub dropped_reviews: Staged,
    pub reports: Vec<TableReport>,
}

impl Ingested {
    pub fn report(&self, table: Table) -> &TableReport {
        &self.reports[table as usize]
    }

    /// A table's staged rows as batches (read back when spilled; see
    /// [`Ingested::tables`]).
    pub fn batches(&self, table: Table) -> std::io::Result<Vec<RecordBatch>> {
        match self.tables.get(&table) {
            Some(staged) => staged.batches(),
            None => Ok(Vec::new()),
        }
    }

    /// The tables whose reject ratio exceeds the pipeline's limit.
    pub fn over_reject_limit(&self, max_ratio: f64) -> Vec<&TableReport> {
        self.reports
            .iter()
            .filter(|r| r.reject_ratio() > max_ratio + 1e-12)
            .collect()
    }
}

/// A row read from a file, mapped onto the contract's columns.
pub(crate) struct Row {
    pub file: usize,
    pub row: u64,
    pub cells: Vec<String>,
    /// Whether every cell reads back from its typed value, so that a held
    /// row need not keep its cells (set for review rows that parsed).
    pub verbatim: bool,
    /// The sheet of a score-sheet workbook the row came from.
    pub sheet: Option<Rc<str>>,
}

/// Reads, parses and validates every input table of the plan, keeping the
/// accepted rows in memory.
pub fn ingest(plan: &Plan, progress: &mut dyn FnMut(Table, u64)) -> Result<Ingested, IngestError> {
    ingest_to(plan, None, progress)
}

/// Reads, parses and validates every input table of the plan. With a
/// `scratch` folder every table is spilled there batch by batch as
/// Parquet (the review rows as they are read, before their reviews'
/// verdicts), so memory holds only the lookup maps and what the review
/// verdicts need, whatever the size of the input.
pub fn ingest_to(
    plan: &Plan,
    scratch: Option<&Path>,
    progress: &mut dyn FnMut(Table, u64),
) -> Result<Ingested, IngestError> {
    let mut checker = validate::Checker::new(plan, scratch);
    let mut tables = BTreeMap::new();
    let mut reports = Vec::new();
    for table in Table::ALL {
        let spec = table.spec();
        let files = &plan.inputs[&table];
        let mut report = TableReport {
            table,
            files: files
                .iter()
                .map(|p| FileCounts {
                    path: p.clone(),
                    ..FileCounts::default()
                })
                .collect(),
            rejected: Vec::new(),
            out_of_period: 0,
            superseded: 0,
        };
        let batch_size = plan.settings.engine.batch_size;
        let mut builder = staging_builder(spec.staged_schema(), batch_size, scratch, table.name())?;
        let labels: Vec<String> = files.iter().map(|p| display_path(plan, p)).collect();
        let mut sink = Sink {
            report: &mut report,
            labels: &labels,
            spent: Spent::default(),
        };
        let mut rows_seen = 0u64;
        // A file is one part, a score-sheet workbook one per case-type sheet.
        let sheet = plan.sheets.get(table.name()).map(String::as_str);
        let mut parts = Vec::new();
        let max_expanded = crate::config::parse_bytes(&plan.settings.ingest.max_workbook_expanded)
            .map_err(|e| IngestError::file(&plan.pipeline_path, e))?
            as u64;
        for (file_index, path) in files.iter().enumerate() {
            if source::Format::of(path) == Some(source::Format::Xlsx) {
                source::check_workbook_size(path, max_expanded)?;
            }
            for part in source::open_parts(path, spec, plan.encoding, sheet, &plan.rubrics)? {
                parts.push((file_index, path, part));
            }
        }
        for (file_index, path, part) in parts {
            let src = part.source;
            let sheet_label: Option<Rc<str>> = part.sheet.map(Rc::from);
            let mapping = map_header(spec, &src.header, path)?;
            let check_width = source::Format::of(path) == Some(source::Format::Csv);
            let header_width = src.header.len();
            let mut records = src.records;
            // Reading and parsing run on a second thread, a chunk of rows
            // ahead of validation (which needs the rows in order and the
            // lookup maps): two cores share the work of a large file.
            // `queued` counts the chunks sent and not yet taken by validation.
            let queued = &AtomicUsize::new(0);
            std::thread::scope(|scope| -> Result<(), IngestError> {
                let (send, receive) = std::sync::mpsc::sync_channel::<Vec<ReadResult>>(4);
                // Unbounded, so that validation never waits on it; it holds
                // no more than the chunks in flight.
                let (recycle, spent) = std::sync::mpsc::channel::<Spent>();
                let mapping = &mapping;
                // A row's own work runs on whichever thread has time for it
                // (see `OwnWork`); each thread has its own.
                let (reading_work, mut validating_work, mut validator) = match table {
                    Table::Reviews => {
                        let (rules, hold) = checker.review_parts();
                        let validating = OwnWork::new(spec, Some(rules.fresh()));
                        (
                            OwnWork::new(spec, Some(rules)),
                            validating,
                            Validator::Reviews(hold),
                        )
                    }
                    _ => (
                        OwnWork::new(spec, None),
                        OwnWork::new(spec, None),
                        Validator::Rows(&mut checker),
                    ),
                };
                scope.spawn(move || {
                    let mut reader =
                        RowReader::new(reading_work, mapping, check_width.then_some(header_width));
                    let mut chunk = Vec::with_capacity(PREFETCH_CHUNK);
                    reader.does_own_work = reader_does_own_work(0);
                    while let Some(record) = reader.next(&mut records) {
                        let failed = record.is_err();
                        chunk.push(record);
                        if failed || chunk.len() == PREFETCH_CHUNK {
                            spent.try_iter().for_each(|s| reader.pool.take_back(s));
                            let full =
                                std::mem::replace(&mut chunk, Vec::with_capacity(PREFETCH_CHUNK));
                            let ahead = queued.fetch_add(1, Ordering::Relaxed) + 1;
                            reader.does_own_work = reader_does_own_work(ahead);
                            // The receiver is gone when validation stopped early.
                            if send.send(full).is_err() || failed {
                                return;
                            }
                        }
                    }
                    let _ = send.send(chunk);
                    drop(send);
                    spent.iter().for_each(drop);
                });
                // One values buffer for the rows this thread parses, reused
                // row after row so that it stays in this core's cache
                // (buffers from the reading thread's pool came back cold:
                // storing into them was a third of parsing's time).
                let mut hot_values: Option<Vec<Value>> = None;
                for chunk in receive {
                    queued.fetch_sub(1, Ordering::Relaxed);
                    for record in chunk {
                        let ReadRecord {
                            row: row_number,
                            cells,
                            work,
                        } = record?;
                        sink.report.files[file_index].read += 1;
                        rows_seen += 1;
                        if rows_seen.is_multiple_of(100_000) {
                            progress(table, rows_seen);
                        }
                        let parsed_here = matches!(work, Work::Left { .. });
                        let OwnWorkDone { outcome, review } = match work {
                            Work::Done(done) => done,
                            Work::Left { plain } => {
                                let values = hot_values.take().unwrap_or_default();
                                validating_work.run(&cells, plain, values, &mut sink.spent)
                            }
                        };
                        let row = Row {
                            file: file_index,
                            row: row_number,
                            cells,
                            verbatim: review.is_some_and(|r| r.verbatim),
                            sheet: sheet_label.clone(),
                        };
                        match &mut validator {
                            Validator::Rows(checker) => {
                                checker.check(table, row, outcome, &mut sink, &mut builder)
                            }
                            // A review row's outcome is `Ok` only after its
                            // own rules passed, which set `review`.
                            Validator::Reviews(hold) => hold.hold(
                                row,
                                outcome.map(|values| {
                                    (values, review.map(|r| r.facts).unwrap_or_default())
                                }),
                                &mut builder,
                                &mut sink.spent,
                            ),
                        }
                        // Validation is done with the row's values: the
                        // last ones returned (after a parse error, which
                        // drops them, any spare one). Parsed here, they are
                        // this thread's buffer for the next row parsed here.
                        if parsed_here {
                            hot_values = sink.spent.values.pop();
                        }
                    }
                    let _ = recycle.send(std::mem::take(&mut sink.spent));
                }
                Ok(())
            })?;
        }
        let staged = finish_staging(builder, scratch, table.name())?;
        checker.finish_table(table, &mut sink, &staged)?;
        progress(table, rows_seen);
        tables.insert(table, staged);
        reports.push(report);
    }
    let (review_heads, dropped_reviews) = checker.take_review_tables();
    let empty = || Staged::Memory(Vec::new());
    Ok(Ingested {
        tables,
        review_heads: review_heads.unwrap_or_else(empty),
        dropped_reviews: dropped_reviews.unwrap_or_else(empty),
        reports,
    })
}

/// A cell without its leading and trailing white space, as `str::trim`
/// gives it. Most cells start and end with a visible ASCII character and
/// have nothing to trim; those are known from two bytes (a byte below 0x80
/// is a whole character), without `trim`'s call and character decoding (3 %
/// of ingest's CPU, once per cell).
fn trim_cell(cell: &str) -> &str {
    match cell.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => cell,
        [only] if only.is_ascii_graphic() => cell,
        _ => cell.trim(),
    }
}

/// Rows read ahead of validation per message between the two threads.
const PREFETCH_CHUNK: usize = 1024;

/// Whether the reading thread does the own work (see [`OwnWork`]) of the
/// rows of its next chunk itself, given how many chunks validation has not
/// taken yet: with two queued it is ahead and has the time; otherwise
/// validation waits on it, and the validating thread does that work. Which
/// thread does it changes nothing but the time (parsing needs nothing else,
/// the review rules only read the lookup maps). At 1 M cases, with only the
/// review rules moving, the reading thread was busy all the time and the
/// validating thread 55 %.
fn reader_does_own_work(queued: usize) -> bool {
    #[cfg(test)]
    match tests::FORCED_SIDE.load(Ordering::Relaxed) {
        1 => return true,
        2 => return false,
        _ => {}
    }
    queued >= 2
}

/// What validates a part's rows on the validating thread: the checker, or
/// for reviews, where their rows are held until every row is read.
enum Validator<'c, 'p> {
    Rows(&'c mut validate::Checker<'p>),
    Reviews(validate::ReviewHold<'c>),
}

/// A row's own work: parsing its cells and, for a review, checking its own
/// rules and whether its cells read back from its values. It needs no
/// earlier row, so it runs on whichever thread has time for it (see
/// [`reader_does_own_work`]); each thread has its own.
struct OwnWork<'c> {
    parser: RowParser,
    review: Option<ReviewFinish<'c>>,
}

impl<'c> OwnWork<'c> {
    fn new(spec: &'static TableSpec, review_rules: Option<validate::ReviewRowRules<'c>>) -> Self {
        OwnWork {
            parser: RowParser::new(spec),
            review: review_rules.map(|rules| ReviewFinish {
                rules,
                scratch: String::new(),
            }),
        }
    }

    /// Parses the row's cells into `values` (a buffer to refill) and checks
    /// a review row's own rules. `plain`: see [`RowParser::parse_into`].
    fn run(
        &mut self,
        cells: &[String],
        plain: bool,
        mut values: Vec<Value>,
        pool: &mut Spent,
    ) -> OwnWorkDone {
        let outcome = self
            .parser
            .parse_into(cells, plain, &mut values)
            .map(|()| values);
        self.settle(cells, outcome, pool)
    }

    /// The work's result for an outcome already decided (a row rejected
    /// before parsing, or just parsed).
    fn settle(
        &mut self,
        cells: &[String],
        outcome: Result<Vec<Value>, (Reason, String)>,
        pool: &mut Spent,
    ) -> OwnWorkDone {
        match &mut self.review {
            Some(finish) => {
                let (outcome, checked) = finish.finish(cells, outcome, pool);
                OwnWorkDone {
                    outcome,
                    review: Some(checked),
                }
            }
            None => OwnWorkDone {
                outcome,
                review: None,
            },
        }
    }
}

/// A row after its own work: its values or why it is rejected, and for a
/// review row what holding it needs.
struct OwnWorkDone {
    outcome: Result<Vec<Value>, (Reason, String)>,
    /// Set for every row of the reviews table, `None` for other tables.
    review: Option<ReviewChecked>,
}

/// A review row's own rules, and whether its cells read back from its
/// values (see [`held::renders_back`]), checked on one thread.
struct ReviewFinish<'c> {
    rules: validate::ReviewRowRules<'c>,
    scratch: String,
}

impl ReviewFinish<'_> {
    /// The outcome of a parsed review row after its own rules, and what
    /// holding the row needs. Values of a row the rules reject go back to
    /// `pool`.
    fn finish(
        &mut self,
        cells: &[String],
        outcome: Result<Vec<Value>, (Reason, String)>,
        pool: &mut Spent,
    ) -> (Result<Vec<Value>, (Reason, String)>, ReviewChecked) {
        let mut facts = validate::ReviewRowFacts::default();
        let outcome = match outcome {
            Ok(values) => match self.rules.check(&values) {
                Ok(found) => {
                    facts = found;
                    Ok(values)
                }
                Err(problem) => {
                    pool.values(values);
                    Err(problem)
                }
            },
            outcome => outcome,
        };
        // Held rows keep their cells only when these do not read back.
        let verbatim = outcome.as_ref().is_ok_and(|values| {
            held::renders_back(Table::Reviews.spec(), cells, values, &mut self.scratch)
        });
        (outcome, ReviewChecked { verbatim, facts })
    }
}

/// A review row whose own rules have been checked (their verdict is in its
/// outcome): whether every cell reads back verbatim from its typed value
/// (see [`held::renders_back`]), and what it is staged with.
#[derive(Clone, Copy)]
struct ReviewChecked {
    verbatim: bool,
    facts: validate::ReviewRowFacts,
}

/// A record as the reading thread hands it on: its row number, its cells in
/// the contract's order, and its own work, done or left.
struct ReadRecord {
    row: u64,
    cells: Vec<String>,
    work: Work,
}
type ReadResult = Result<ReadRecord, IngestError>;

/// A row's own work as the reading thread hands it on.
enum Work {
    /// Done by the reading thread (also every row rejected before parsing:
    /// a malformed record, a wrong field count).
    Done(OwnWorkDone),
    /// Left to the validating thread, which parses into its own buffer;
    /// whether the record is plain ([`source::Records::last_plain`]).
    Left { plain: bool },
}

/// The reading thread's side of ingest: reads a record, maps it onto the
/// contract's columns and, when ahead of validation, does its own work.
/// Cells and values come from `pool`, which validation returns once done
/// with them, so a large file is read with few allocations.
struct RowReader<'a> {
    own_work: OwnWork<'a>,
    mapping: &'a [Option<usize>],
    /// Set for CSV, whose records must have as many fields as the header.
    header_width: Option<usize>,
    /// The record as read, in the file's column order.
    raw: Vec<String>,
    pool: Spent,
    /// Whether this thread does the own work of the rows it reads now.
    does_own_work: bool,
}

impl<'a> RowReader<'a> {
    fn new(
        own_work: OwnWork<'a>,
        mapping: &'a [Option<usize>],
        header_width: Option<usize>,
    ) -> Self {
        RowReader {
            own_work,
            mapping,
            header_width,
            raw: Vec::new(),
            pool: Spent::default(),
            does_own_work: true,
        }
    }

    fn next(&mut self, records: &mut source::Records) -> Option<ReadResult> {
        let row = match records.next_into(&mut self.raw)? {
            Ok(row) => row,
            Err(e) => return Some(Err(e)),
        };
        let malformed = self
            .raw
            .first()
            .and_then(|c| c.strip_prefix(source::MALFORMED_JSON))
            .map(str::to_string);
        let width = self.raw.len();
        let plain = records.last_plain();
        let mut cells = self.pool.cells.pop().unwrap_or_default();
        canonical_cells(self.mapping, &mut self.raw, &mut cells);
        let rejected = if let Some(detail) = malformed {
            Some((reasons::MALFORMED_RECORD, detail))
        } else {
            self.header_width.filter(|&w| w != width).map(|expected| {
                (
                    reasons::WRONG_FIELD_COUNT,
                    format!("expected {expected} fields as in the header, found {width}"),
                )
            })
        };
        let work = match rejected {
            Some(problem) => Work::Done(self.own_work.settle(&cells, Err(problem), &mut self.pool)),
            None if self.does_own_work => {
                let values = self.pool.values.pop().unwrap_or_default();
                Work::Done(self.own_work.run(&cells, plain, values, &mut self.pool))
            }
            None => Work::Left { plain },
        };
        Some(Ok(ReadRecord { row, cells, work }))
    }
}

/// The builder of a staged table: in memory, or spilled to
/// `<scratch>/<name>.parquet` when there is a scratch folder.
pub(crate) fn staging_builder(
    schema: datafusion::arrow::datatypes::SchemaRef,
    batch_size: usize,
    scratch: Option<&Path>,
    name: &str,
) -> Result<BatchBuilder, IngestError> {
    match scratch {
        None => Ok(BatchBuilder::new(schema, batch_size)),
        Some(dir) => {
            let path = dir.join(format!("{name}.parquet"));
            BatchBuilder::spilling(schema, batch_size, &path).map_err(|e| scratch_error(&path, e))
        }
    }
}

/// The staged table of a builder made by [`staging_builder`]; an error
/// names its scratch file.
pub(crate) fn finish_staging(
    builder: BatchBuilder,
    scratch: Option<&Path>,
    name: &str,
) -> Result<Staged, IngestError> {
    builder.finish_staged().map_err(|e| {
        let path = scratch.map_or_else(
            || PathBuf::from(name),
            |dir| dir.join(format!("{name}.parquet")),
        );
        scratch_error(&path, e)
    })
}

/// A scratch file could not be written or read back.
pub(crate) fn scratch_error(path: &Path, e: std::io::Error) -> IngestError {
    IngestError::file(
        path,
        format!("cannot write or read the run's scratch file: {e}"),
    )
}

/// Where rejected rows and acceptance counts go, and the rows validation is
/// done with.
pub(crate) struct Sink<'a> {
    report: &'a mut TableReport,
    labels: &'a [String],
    pub spent: Spent,
}

/// Cells and values validation is done with, sent back to the reading
/// thread that allocated them, which refills them for later rows: freeing
/// them on the validating thread took an eighth of its time at 1 M cases
/// (it is ingest's bottleneck), and allocating them a quarter of the
/// reading thread's.
#[derive(Default)]
pub(crate) struct Spent {
    cells: Vec<Vec<String>>,
    values: Vec<Vec<Value>>,
}

impl Spent {
    /// Keeps what validation returned for reuse.
    fn take_back(&mut self, mut spent: Spent) {
        self.cells.append(&mut spent.cells);
        self.values.append(&mut spent.values);
    }

    pub fn cells(&mut self, cells: Vec<String>) {
        self.cells.push(cells);
    }

    pub fn values(&mut self, values: Vec<Value>) {
        self.values.push(values);
    }
}

impl Sink<'_> {
    pub fn reject(&mut self, row: Row, reason: Reason, detail: String) {
        self.report.files[row.file].rejected += 1;
        self.report.rejected.push(Rejected {
            cells: row.cells,
            source_file: match &row.sheet {
                Some(sheet) => format!("{}#{sheet}", self.labels[row.file]),
                None => self.labels[row.file].clone(),
            },
            source_row: row.row,
            reason: reasons::describe(reason, &detail),
        });
    }

    pub fn accept(&mut self, file: usize) {
        self.report.files[file].accepted += 1;
    }

    pub fn count_out_of_period(&mut self) {
        self.report.out_of_period += 1;
    }

    pub fn count_superseded(&mut self) {
        self.report.superseded += 1;
    }
}

/// For each contract column, the position of its cell in the file's records.
fn map_header(
    spec: &TableSpec,
    header: &[String],
    path: &Path,
) -> Result<Vec<Option<usize>>, IngestError> {
    let mut mapping: Vec<Option<usize>> = vec![None; spec.columns.len()];
    for (position, name) in header.iter().enumerate() {
        if let Some(column) = spec.column_for_header(name) {
            if let Some(first) = mapping[column] {
                return Err(IngestError::at_column(
                    path,
                    spec.columns[column].name,
                    format!(
                        "the header names this column twice (fields {} and {}); expected it once",
                        first + 1,
                        position + 1
                    ),
                ));
            }
            mapping[column] = Some(position);
        }
    }
    for (column, found) in spec.columns.iter().zip(&mapping) {
        if column.required && found.is_none() {
            return Err(IngestError::at_column(
                path,
                column.name,
                format!(
                    "missing required column `{}` ({}) of table {}; the header has: {}",
                    column.name,
                    column.zh,
                    spec.table.name(),
                    header.join(", ")
                ),
            ));
        }
    }
    Ok(mapping)
}

/// Puts the record's cells into `cells` in the contract's column order,
/// by swapping strings with `raw` (a header never maps two columns to one
/// field), so that neither side allocates.
fn canonical_cells(mapping: &[Option<usize>], raw: &mut [String], cells: &mut Vec<String>) {
    cells.resize_with(mapping.len(), String::new);
    for (cell, field) in cells.iter_mut().zip(mapping) {
        match field.and_then(|i| raw.get_mut(i)) {
            Some(text) => std::mem::swap(cell, text),
            None => cell.clear(),
        }
    }
}

/// Entry points for the criterion benchmarks (`benches/hot.rs`); not an API.
#[doc(hidden)]
pub mod bench {
    use super::*;

    /// Parses rows of cells (in the contract's column order) as ingest does;
    /// returns how many parsed.
    pub fn parse_rows(table: Table, rows: &[Vec<String>]) -> usize {
        let spec = table.spec();
        rows.iter().filter(|r| parse_row(spec, r).is_ok()).count()
    }
}

/// Parses a row's cells by column kind; the first bad cell rejects the row.
fn parse_row(spec: &'static TableSpec, cells: &[String]) -> Result<Vec<Value>, (Reason, String)> {
    let mut out = Vec::with_capacity(cells.len() + 1);
    RowParser::new(spec).parse_into(cells, false, &mut out)?;
    Ok(out)
}

/// Parses the rows of one table: its contract columns, each with its text
/// class worked out once (deriving it per cell from the column's name was
/// 2 % of ingest at 1 M cases).
struct RowParser {
    spec: &'static TableSpec,
    classes: Vec<text::TextClass>,
}

impl RowParser {
    fn new(spec: &'static TableSpec) -> Self {
        RowParser {
            spec,
            classes: spec.columns.iter().map(text::TextClass::of).collect(),
        }
    }

    /// [`parse_row`] into `out`, whose text values are refilled in place.
    /// `plain`: the cells come from a record that passed
    /// [`text::has_no_refused_byte`] whole, so only their lengths are
    /// checked (at 9 M review rows, a character scan per cell was 5 % of
    /// ingest's CPU).
    fn parse_into(
        &self,
        cells: &[String],
        plain: bool,
        out: &mut Vec<Value>,
    ) -> Result<(), (Reason, String)> {
        out.truncate(cells.len());
        for (i, ((column, &class), raw)) in self
            .spec
            .columns
            .iter()
            .zip(&self.classes)
            .zip(cells)
            .enumerate()
        {
            let text = trim_cell(raw);
            let checked = match plain {
                true => text::check_length(text, class),
                false => text::check(text, class),
            };
            if let Err(problem) = checked {
                let reason = match problem {
                    text::TextProblem::TooLong { .. } => reasons::TEXT_TOO_LONG,
                    text::TextProblem::BadCharacter { .. } => reasons::BAD_CHARACTER,
                };
                return Err((reason, text::describe(column, class, &problem)));
            }
            if text.is_empty() && !matches!(column.kind, Kind::Points) {
                if column.required {
                    return Err((
                        reasons::MISSING_VALUE,
                        format!("column {} ({}) is empty", column.name, column.zh),
                    ));
                }
                let value = match column.kind {
                    Kind::Bool { default } => Value::Bool(default),
                    _ => Value::Null,
                };
                place(out, i, value);
                continue;
            }
            let bad = |reason: Reason, expected: &str| {
                (
                    reason,
                    format!("column {} has `{text}`; expected {expected}", column.name),
                )
            };
            let value = match column.kind {
                Kind::Text => refill_text(out, i, text),
                Kind::Date => Value::Date(value::date32(value::parse_date(text).map_err(|e| {
                    (
                        reasons::BAD_DATE,
                        format!("column {} has {}", column.name, e.describe(text)),
                    )
                })?)),
                Kind::Bool { .. } => Value::Bool(
                    value::parse_bool(text)
                        .ok_or_else(|| bad(reasons::BAD_BOOL, "true/false, 1/0 or 是/否"))?,
                ),
                Kind::Enum(values) => match value::parse_enum(text, values) {
                    Some(code) => refill_text(out, i, code),
                    None => return Err(bad(reasons::BAD_ENUM, &enum_expectation(values))),
                },
                Kind::List(values) => match value::parse_list(text, values) {
                    Ok(joined) if joined.is_empty() => Value::Null,
                    Ok(joined) => Value::Text(joined),
                    Err(part) => {
                        return Err((
                            reasons::BAD_ENUM,
                            format!(
                                "column {} has `{part}`; expected {}",
                                column.name,
                                enum_expectation(values.unwrap_or(&[]))
                            ),
                        ));
                    }
                },
                Kind::Points => match value::parse_points(text) {
                    Ok(Some(v)) => Value::Num(v),
                    Ok(None) => Value::Null,
                    Err(value::NotANumber) => {
                        return Err(bad(reasons::BAD_NUMBER, "a number, NA or 不适用"));
                    }
                },
            };
            place(out, i, value);
        }
        Ok(())
    }
}

/// Sets the `i`-th value of a row being refilled.
fn place(out: &mut Vec<Value>, i: usize, value: Value) {
    match out.get_mut(i) {
        Some(slot) => *slot = value,
        None => out.push(value),
    }
}

/// A text value for position `i`, in the string that held the position's
/// text before if there is one.
fn refill_text(out: &mut [Value], i: usize, text: &str) -> Value {
    match out.get_mut(i).map(std::mem::take) {
        Some(Value::Text(mut string)) => {
            string.clear();
            string.push_str(text);
            Value::Text(string)
        }
        _ => Value::Text(text.to_owned()),
    }
}

fn enum_expectation(values: &[schema::EnumValue]) -> String {
    let list: Vec<String> = values
        .iter()
        .map(|v| format!("{} ({})", v.code, v.labels.first().copied().unwrap_or("")))
        .collect();
    format!("one of {}", list.join(", "))
}

/// A file's name as shown in `source_file`: relative to the pipeline file's
/// folder, so outputs do not depend on where the checkout lives.
fn display_path(plan: &Plan, path: &Path) -> String {
    let base = plan.pipeline_path.parent().unwrap_or(Path::new(""));
    relative_path(base, path).display().to_string()
}

/// `path` relative to `base` (both absolute), with `..` where needed.
pub fn relative_path(base: &Path, path: &Path) -> PathBuf {
    let base: Vec<_> = base.components().collect();
    let target: Vec<_> = path.components().collect();
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return path.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for c in &target[common..] {
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU8;

    /// Which thread does rows' own work (parsing, a review row's own
    /// rules): 0 as [`reader_does_own_work`] decides, 1 the reading thread,
    /// 2 the validating thread. Other tests that ingest meanwhile see the
    /// forced side too, which must change nothing for them either.
    pub(super) static FORCED_SIDE: AtomicU8 = AtomicU8::new(0);

    proptest::proptest! {
        /// The fast path trims exactly as `str::trim`, whatever the ends
        /// hold: ASCII and Unicode white space (U+3000, U+00A0), controls,
        /// CJK.
        #[test]
        fn a_cell_is_trimmed_as_str_trim(cell in "[ \t\r\na-zA-Z0-9\\-;\u{3000}\u{a0}\u{85}中文\u{1}]{0,8}") {
            proptest::prop_assert_eq!(trim_cell(&cell), cell.trim());
        }
    }

    /// Ingest's reports, and the staged rows of every table, with the rows'
    /// own work done on one side.
    fn ingest_with_own_work_on(side: u8, plan: &Plan) -> (String, Vec<(Table, Vec<RecordBatch>)>) {
        FORCED_SIDE.store(side, Ordering::Relaxed);
        let ingested = ingest(plan, &mut |_, _| {});
        FORCED_SIDE.store(0, Ordering::Relaxed);
        let ingested = ingested.unwrap();
        let tables = ingested
            .tables
            .iter()
            .map(|(table, staged)| match staged {
                Staged::Memory(batches) => (*table, batches.clone()),
                Staged::File { .. } => {
                    panic!("ingest without a scratch folder keeps rows in memory")
                }
            })
            .collect();
        (format!("{:?}", ingested.reports), tables)
    }

    #[test]
    fn rows_own_work_gives_the_same_rows_on_either_thread() {
        let dir = tempfile::tempdir().unwrap();
        let options = crate::generate::GenerateOptions::new(dir.path(), 3000, 5);
        let summary = crate::generate::generate(&options, &mut |_| {}).unwrap();
        // Rows that break each of a review row's own rules, beside the
        // generated ones, and one whose points do not read back verbatim.
        let reviews = dir.path().join("reviews.csv");
        let text = std::fs::read_to_string(&reviews).unwrap();
        let first = text.lines().nth(1).unwrap().to_string();
        let f: Vec<&str> = first.split(',').collect();
        let with = |i: usize, value: &str, id: &str| {
            let mut g = f.clone();
            g[0] = id;
            g[i] = value;
            g.join(",")
        };
        let extra = [
            with(1, "NO-SUCH-CASE", "REV-X1"),
            with(2, "NO-SUCH-REVIEWER", "REV-X2"),
            with(3, "1999-01-01", "REV-X3"),
            with(4, "NO-SUCH-ITEM", "REV-X4"),
            with(5, "999", "REV-X5"),
            with(5, "4.0", "REV-X6"),
        ];
        std::fs::write(&reviews, format!("{}{}\n", text, extra.join("\n"))).unwrap();
        // Feedback rows that fail parsing (a bad date, an unknown
        // satisfaction) or have a field too many.
        let feedback = dir.path().join("feedback.csv");
        let text = std::fs::read_to_string(&feedback).unwrap();
        let first = text.lines().nth(1).unwrap().to_string();
        let f: Vec<&str> = first.split(',').collect();
        assert!(text.starts_with("case_id,contacted_on,satisfaction\n"));
        let bad = [
            format!("{},2024-13-01,{}", f[0], f[2]),
            format!("{},{},so-so", f[0], f[1]),
            format!("{},{},{},FB-X3", f[0], f[1], f[2]),
        ];
        std::fs::write(&feedback, format!("{}{}\n", text, bad.join("\n"))).unwrap();
        let plan = Plan::resolve(&summary.pipeline, &crate::plan::PlanOptions::default()).unwrap();

        let (report_reader, rows_reader) = ingest_with_own_work_on(1, &plan);
        let (report_validator, rows_validator) = ingest_with_own_work_on(2, &plan);
        assert_eq!(report_reader, report_validator);
        assert_eq!(rows_reader, rows_validator);
        for id in [
            "REV-X1",
            "REV-X2",
            "REV-X3",
            "REV-X4",
            "REV-X5",
            "2024-13-01",
            "so-so",
            "found 4",
        ] {
            assert!(
                report_reader.contains(id),
                "{id} is not rejected: {report_reader}"
            );
        }
        let staged = |table: Table| -> usize {
            let (_, batches) = rows_reader.iter().find(|(t, _)| *t == table).unwrap();
            batches.iter().map(RecordBatch::num_rows).sum()
        };
        assert!(staged(Table::Reviews) > 10_000);
        assert!(staged(Table::Cases) > 1_000);
    }

    /// `review_heads` has one row per accepted review, with the case, case
    /// type and reviewer of its first staged row, and none for a rejected
    /// review (whose rows are all rejected, its first among them, but
    /// staged as read: `dropped_reviews` names it). Every row of a review
    /// and its head carry one `review_key`, a different one per review,
    /// increasing with the review's first row; the review's id and reviewer
    /// are on its head only.
    #[test]
    fn review_heads_are_the_first_rows_of_the_accepted_reviews() {
        use datafusion::arrow::array::AsArray;
        use datafusion::arrow::datatypes::Int64Type;
        let dir = tempfile::tempdir().unwrap();
        let options = crate::generate::GenerateOptions::new(dir.path(), 2000, 11);
        let summary = crate::generate::generate(&options, &mut |_| {}).unwrap();
        // A review whose second row names another reviewer: rejected whole.
        let reviews = dir.path().join("reviews.csv");
        let text = std::fs::read_to_string(&reviews).unwrap();
        let rows: Vec<Vec<&str>> = text
            .lines()
            .skip(1)
            .take(2)
            .map(|l| l.split(',').collect())
            .collect();
        let (mut a, mut b) = (rows[0].clone(), rows[1].clone());
        a[0] = "REV-MIXED";
        b[0] = "REV-MIXED";
        let other = if b[2] == "RV0001" { "RV0002" } else { "RV0001" };
        b[2] = other;
        std::fs::write(
            &reviews,
            format!("{text}{}\n{}\n", a.join(","), b.join(",")),
        )
        .unwrap();
        let plan = Plan::resolve(&summary.pipeline, &crate::plan::PlanOptions::default()).unwrap();
        let ingested = ingest(&plan, &mut |_, _| {}).unwrap();
        assert!(format!("{:?}", ingested.report(Table::Reviews).rejected).contains("REV-MIXED"));

        let text_of = |batch: &RecordBatch, name: &str, i: usize| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_string::<i32>()
                .value(i)
                .to_string()
        };
        let key_of = |batch: &RecordBatch, i: usize| {
            batch
                .column_by_name(schema::REVIEW_KEY)
                .unwrap()
                .as_primitive::<Int64Type>()
                .value(i)
        };
        // The input's rows in order (`source_order` numbers them): what the
        // staged rows, which carry neither, say of their review and reviewer.
        let mut input = csv::Reader::from_path(&reviews).unwrap();
        let header = input.headers().unwrap().clone();
        let at = |name: &str| header.iter().position(|h| h == name).unwrap();
        let columns = ["review_id", "case_id", "reviewer_id", "item"].map(at);
        let input: Vec<[String; 4]> = input
            .records()
            .map(|r| {
                let r = r.unwrap();
                columns.map(|c| r[c].to_string())
            })
            .collect();
        // The rubric items by number, as the staged rows name them.
        let items: BTreeMap<i64, (&str, &str)> = plan
            .numbered_items()
            .map(|(key, rubric, _, item)| (key, (rubric.case_type.code(), item.code.as_str())))
            .collect();
        // The staged cases' numbers, which the review rows name them by.
        let mut case_keys: BTreeMap<i64, String> = BTreeMap::new();
        for batch in ingested.batches(Table::Cases).unwrap() {
            let keys = batch
                .column_by_name(schema::CASE_KEY)
                .unwrap()
                .as_primitive::<Int64Type>();
            for i in 0..batch.num_rows() {
                let id = text_of(&batch, "case_id", i);
                assert_eq!(
                    keys.value(i),
                    case_keys.len() as i64,
                    "{id}: the cases before it"
                );
                case_keys.insert(keys.value(i), id);
            }
        }
        // Per review: its key, and by key the first staged row's order and
        // what its head should hold.
        let mut keys: BTreeMap<String, i64> = BTreeMap::new();
        let mut firsts: BTreeMap<i64, (i64, [String; 4])> = BTreeMap::new();
        for batch in ingested.batches(Table::Reviews).unwrap() {
            for only_in_heads in schema::REVIEW_ROW_ONLY_IN_HEADS {
                assert!(
                    batch.column_by_name(only_in_heads).is_none(),
                    "{only_in_heads}"
                );
            }
            let order = batch
                .column_by_name("source_order")
                .unwrap()
                .as_primitive::<Int64Type>();
            let item_keys = batch
                .column_by_name(schema::ITEM_KEY)
                .unwrap()
                .as_primitive::<Int64Type>();
            for i in 0..batch.num_rows() {
                let [id, case, reviewer, item] = &input[order.value(i) as usize];
                let (case_type, code) = items[&item_keys.value(i)];
                assert_eq!(code, item, "row {}", order.value(i));
                let case_key = batch
                    .column_by_name(schema::CASE_KEY)
                    .unwrap()
                    .as_primitive::<Int64Type>()
                    .value(i);
                assert_eq!(case_keys[&case_key], *case, "row {}", order.value(i));
                let key = *keys.entry(id.clone()).or_insert(key_of(&batch, i));
                assert_eq!(key, key_of(&batch, i), "{id} has two keys");
                let head = [id, case, case_type, reviewer].map(|t| t.to_string());
                let entry = firsts.entry(key).or_insert((order.value(i), head.clone()));
                if order.value(i) < entry.0 {
                    *entry = (order.value(i), head);
                }
            }
        }
        let distinct: std::collections::BTreeSet<i64> = keys.values().copied().collect();
        assert_eq!(distinct.len(), keys.len(), "one key per review");
        let Staged::Memory(batches) = &ingested.review_heads else {
            panic!("ingest without a scratch folder keeps review heads in memory")
        };
        let mut heads: BTreeMap<i64, [String; 4]> = BTreeMap::new();
        for batch in batches {
            assert_eq!(batch.schema(), schema::review_heads_schema());
            for i in 0..batch.num_rows() {
                let head = [
                    text_of(batch, "review_id", i),
                    text_of(batch, "case_id", i),
                    text_of(batch, "case_type", i),
                    text_of(batch, "reviewer_id", i),
                ];
                let key = key_of(batch, i);
                assert!(heads.insert(key, head).is_none(), "key {key} twice");
            }
        }
        let mut by_first_row: Vec<(i64, i64)> = firsts
            .iter()
            .map(|(key, (order, _))| (*order, *key))
            .collect();
        by_first_row.sort();
        assert!(
            by_first_row.windows(2).all(|w| w[0].1 < w[1].1),
            "keys increase with the reviews' first rows"
        );
        // Rejected reviews have no head, and their staged rows are dropped.
        let rejected_ids: std::collections::BTreeSet<&str> = ingested
            .report(Table::Reviews)
            .rejected
            .iter()
            .map(|r| r.cells[0].trim())
            .collect();
        let rejected_keys: std::collections::BTreeSet<i64> = keys
            .iter()
            .filter(|(id, _)| rejected_ids.contains(id.as_str()))
            .map(|(_, key)| *key)
            .collect();
        let Staged::Memory(dropped) = &ingested.dropped_reviews else {
            panic!("ingest without a scratch folder keeps dropped reviews in memory")
        };
        let dropped: std::collections::BTreeSet<i64> = dropped
            .iter()
            .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
            .collect();
        assert!(rejected_keys.contains(&keys["REV-MIXED"]));
        assert!(rejected_keys.is_subset(&dropped));
        let want: BTreeMap<i64, [String; 4]> = firsts
            .into_iter()
            .filter(|(key, _)| !rejected_keys.contains(key))
            .map(|(key, (_, head))| (key, head))
            .collect();
        assert!(want.len() > 500, "{} reviews", want.len());
        assert_eq!(heads, want);
    }

    /// A case is of the period when it closed within it, both ends
    /// included (credit-and-lists.md, "Cases of the period"): ingest stages
    /// that on the case, where SQL reads it (`stg_case_rows`), and counts
    /// the cases outside.
    #[test]
    fn cases_are_staged_with_the_period_both_ends_included() {
        use datafusion::arrow::array::AsArray;
        let dir = tempfile::tempdir().unwrap();
        let options = crate::generate::GenerateOptions::new(dir.path(), 300, 3);
        let summary = crate::generate::generate(&options, &mut |_| {}).unwrap();
        let path = dir.path().join("cases.csv");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let header: Vec<&str> = lines[0].split(',').collect();
        let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
        let (assigned, closed, archived) = (at("assigned_on"), at("closed_on"), at("archived_on"));
        // The period is 2024; the first four cases close at and beside its ends.
        let closings = [
            ("2024-01-01", true),
            ("2024-12-31", true),
            ("2023-12-31", false),
            ("2025-01-01", false),
        ];
        let mut want = BTreeMap::new();
        for (line, (closed_on, in_period)) in lines[1..].iter_mut().zip(closings) {
            let mut cells: Vec<String> = line.split(',').map(String::from).collect();
            cells[assigned] = "2023-06-01".into();
            cells[closed] = closed_on.into();
            cells[archived] = String::new();
            want.insert(cells[0].clone(), in_period);
            *line = cells.join(",");
        }
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let plan = Plan::resolve(&summary.pipeline, &crate::plan::PlanOptions::default()).unwrap();
        let ingested = ingest(&plan, &mut |_, _| {}).unwrap();

        let mut staged = BTreeMap::new();
        let mut outside = 0;
        for batch in ingested.batches(Table::Cases).unwrap() {
            let ids = batch.column_by_name("case_id").unwrap().as_string::<i32>();
            let flags = batch.column_by_name("in_period").unwrap().as_boolean();
            for i in 0..batch.num_rows() {
                outside += usize::from(!flags.value(i));
                if want.contains_key(ids.value(i)) {
                    staged.insert(ids.value(i).to_string(), flags.value(i));
                }
            }
        }
        assert_eq!(staged, want);
        let report = ingested.report(Table::Cases);
        assert_eq!(report.out_of_period, outside as u64);
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_path(
                Path::new("/w/p/pipelines"),
                Path::new("/w/p/sample_data/a.csv")
            ),
            PathBuf::from("../sample_data/a.csv")
        );
        assert_eq!(
            relative_path(Path::new("/w/p"), Path::new("/w/p/a.csv")),
            PathBuf::from("a.csv")
        );
    }

    #[test]
    fn parse_row_reports_column_and_value() {
        let spec = Table::Feedback.spec();
        let cells = vec![
            "C1".to_string(),
            "2024-13-01".to_string(),
            "满意".to_string(),
        ];
        let (reason, detail) = parse_row(spec, &cells).unwrap_err();
        assert_eq!(reason, reasons::BAD_DATE);
        assert!(
            detail.contains("contacted_on") && detail.contains("2024-13-01"),
            "{detail}"
        );
        let cells = vec![
            "C1".to_string(),
            "2024-12-01".to_string(),
            "so-so".to_string(),
        ];
        let (reason, detail) = parse_row(spec, &cells).unwrap_err();
        assert_eq!(reason, reasons::BAD_ENUM);
        assert!(
            detail.contains("satisfaction") && detail.contains("basically_satisfied"),
            "{detail}"
        );
        let cells = vec!["".to_string(), "2024-12-01".to_string(), "满意".to_string()];
        assert_eq!(
            parse_row(spec, &cells).unwrap_err().0,
            reasons::MISSING_VALUE
        );
    }

    #[test]
    fn missing_and_doubled_columns_are_file_level() {
        let spec = Table::Feedback.spec();
        let p = Path::new("f.csv");
        let e = map_header(spec, &["case_id".into(), "满意度".into()], p).unwrap_err();
        assert_eq!(e.column.as_deref(), Some("contacted_on"));
        assert!(e.to_string().contains("f.csv"), "{e}");
        let e = map_header(spec, &["case_id".into(), "案件编号".into()], p).unwrap_err();
        assert!(e.message.contains("twice"), "{e}");
    }
}
