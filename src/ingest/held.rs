//! Compact storage of the rows of a table whose acceptance is decided only at
//! the table's end (reviews: a review is accepted or rejected as a whole, and
//! supersessions and duplicate live reviews are known only when every review
//! was read).
//!
//! Instead of every row as Rust structs (its cells as `String`s plus typed
//! values: about 850 bytes a row), a row that parsed is appended at once to
//! Arrow builders of its parsed columns — the columnar form it is staged
//! from if accepted — but for the ids every row of a review shares
//! ([`ReviewIds`]), which the caller keeps once per review. Its cells as
//! read are kept only when they cannot be rendered back exactly from its
//! typed values and its review's ids (surrounding spaces, a date written
//! `2024/3/5`, points `NA`, a case other than its review's first row's,
//! …). Rows that could not be parsed are kept as read, with their problem:
//! they are rejected whatever happens. Kept cells go into one text buffer
//! ([`KeptRows`]), not a `String` each. Per row there remain a position in
//! the Arrow batches and a row number (4 bytes), so the quarantine still
//! holds every rejected row exactly as read.
//!
//! At the end, [`HeldRows::emit`] walks the rows in input order, rejects or
//! accepts each by its verdict, and filters the batches batch by batch.
//!
//! In a run, the typed rows are spilled to the scratch folder in segments
//! (files of [`SEGMENT_BATCHES`] batches), and each segment is removed as
//! soon as `emit` has opened it: its pages are free again while the staged
//! table is being written. Pages freed a moment ago are cheap to fill, while
//! memory the system has not touched for a while can cost ten times as much
//! to write on a virtual machine (benches/results/NOTES.md, session 26).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayBuilder, ArrayRef, AsArray, BooleanArray, BooleanBuilder, Int64Builder,
    StringBuilder,
};
use datafusion::arrow::compute::{concat_batches, filter_record_batch};
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Field, Float64Type, Int64Type, Schema, SchemaRef,
};
use datafusion::arrow::record_batch::RecordBatch;

use super::batch::{BatchBuilder, Value};
use super::fast_hash::FastMap as HashMap;
use super::reasons::Reason;
use super::schema::{ITEM_KEY, REVIEW_ROW_ONLY_IN_HEADS, TableSpec, review_heads_schema};
use super::value::from_date32;
use super::{IngestError, Row, Sink, Spent, scratch_error};
use crate::scratch::{ScratchWriter, read_batches};

type Problem = (Reason, String);

/// A run of consecutive rows from one file (or one sheet of a workbook).
struct Part {
    /// Position of the part's first row.
    start: u32,
    file: usize,
    sheet: Option<Rc<str>>,
    /// Row number of the part's first row; rows store their offset from it.
    base: u64,
}

/// The rows kept as read, in position order, the text of all their cells
/// in one buffer. A `Vec<String>` per kept row was nine heap blocks a row to
/// make and, at the table's end, to free: at 1 M cases one review row in
/// fourteen is kept (points `NA`), and freeing them took 0.55 s of one
/// thread.
#[derive(Default)]
struct KeptRows {
    /// Per kept row, increasing: its position.
    positions: Vec<u32>,
    /// Per kept row: the index of its first cell in `cell_ends`.
    first_cell: Vec<usize>,
    /// Per cell of every kept row: where its text ends in `text`.
    cell_ends: Vec<usize>,
    text: String,
    /// The kept rows that failed on their own (parse or row rule), by index
    /// in `positions`, increasing.
    problems: Vec<(usize, Problem)>,
    /// The kept rows and problems [`KeptRows::take`] has walked past.
    rows_walked: usize,
    problems_walked: usize,
}

impl KeptRows {
    /// Keeps the row at `position`, after every row kept before.
    fn push(&mut self, position: u32, cells: &[String], problem: Option<Problem>) {
        debug_assert!(self.positions.last().is_none_or(|&p| p < position));
        if let Some(problem) = problem {
            self.problems.push((self.positions.len(), problem));
        }
        self.positions.push(position);
        self.first_cell.push(self.cell_ends.len());
        for cell in cells {
            self.text.push_str(cell);
            self.cell_ends.push(self.text.len());
        }
    }

    /// The cells of the row kept at `position`, with its problem if it
    /// failed on its own; `None` when it was not kept. Asked in increasing
    /// positions: the kept rows passed over (accepted ones) are let go.
    fn take(&mut self, position: u32) -> Option<(Vec<String>, Option<Problem>)> {
        let skip = self.positions[self.rows_walked..].partition_point(|&p| p < position);
        self.rows_walked += skip;
        let row = self.rows_walked;
        if self.positions.get(row) != Some(&position) {
            return None;
        }
        self.rows_walked += 1;
        let cells = self.first_cell[row]
            ..self
                .first_cell
                .get(row + 1)
                .copied()
                .unwrap_or(self.cell_ends.len());
        let mut start = cells.start.checked_sub(1).map_or(0, |c| self.cell_ends[c]);
        let cells = self.cell_ends[cells]
            .iter()
            .map(|&end| {
                let cell = self.text[start..end].to_string();
                start = end;
                cell
            })
            .collect();
        let skip = self.problems[self.problems_walked..].partition_point(|(r, _)| *r < row);
        self.problems_walked += skip;
        let problem = match self.problems.get_mut(self.problems_walked) {
            Some((r, (reason, detail))) if *r == row => {
                self.problems_walked += 1;
                Some((*reason, std::mem::take(detail)))
            }
            _ => None,
        };
        Some((cells, problem))
    }
}

/// The cells every row of an accepted review shares (ingest rejects a
/// review whose rows name different cases or reviewers), as the review's
/// first row has them, trimmed: the parsed columns
/// [`REVIEW_ROW_ONLY_IN_HEADS`], which lead the review table. A held row is
/// stored without them, the caller keeping them once per review; a row
/// whose own differ (a rejected review's) is kept as read. At 5 M cases
/// they were over half the bytes of the rows spilled (4.3 GB).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReviewIds<'a> {
    pub review_id: &'a str,
    pub case_id: &'a str,
    pub reviewer_id: &'a str,
}

/// Number of leading parsed columns a held row is stored without.
const REVIEW_ID_COLUMNS: usize = REVIEW_ROW_ONLY_IN_HEADS.len();

/// What the caller decides for one row at the end.
pub(crate) enum Verdict<'a> {
    Accept {
        /// The row belongs to a review replaced by a later one.
        superseded: bool,
        /// The row belongs to a case closed outside the period.
        out_of_period: bool,
        /// The case type of the row's case (staged on its review's head).
        case_type: &'static str,
        /// No accepted review supersedes the row's review (staged as
        /// `superseded`, negated).
        live: bool,
        /// On the review's first row, its ids: they give the review's row
        /// of `review_heads`.
        head: Option<ReviewIds<'a>>,
        /// The review's number (staged as `review_key`).
        review: u32,
        /// The number of the row's case (staged as `case_key`).
        case: u32,
    },
    /// Rejected, and the ids of the row's review (to render its cells).
    Reject(Problem, ReviewIds<'a>),
}

pub(crate) struct HeldRows {
    spec: &'static TableSpec,
    positions: Positions,
    /// Rows kept as read.
    kept: KeptRows,
    /// Typed values but the ids and the item's code (plus `source_order`
    /// and `item_key`) of every row without a problem, in input order: the
    /// batches not yet spilled.
    typed: BatchBuilder,
    /// The rubric items' codes by number (`item_key`), to render a rejected
    /// row's item.
    item_codes: Vec<Box<str>>,
    /// Where the finished batches of `typed` go in a run.
    spill: Option<Spill>,
}

/// Batches per spilled segment: about 85 MB of review rows at the default
/// batch size, so that the staged table's first writes already find pages
/// freed by the segments read before them.
const SEGMENT_BATCHES: usize = 128;

/// The typed rows spilled in segments, `<dir>/<table>.held.<n>.arrow`.
struct Spill {
    dir: PathBuf,
    table: &'static str,
    /// Every segment so far, the last one open in `writer` if any.
    segments: Vec<PathBuf>,
    writer: Option<ScratchWriter>,
    batches_in_segment: usize,
    segment_batches: usize,
    /// The first error, reported by [`HeldRows::emit`].
    error: Option<(PathBuf, std::io::Error)>,
}

impl Spill {
    /// Appends a batch to the open segment (opening the next one first when
    /// none is), and closes the segment once it holds its batches. After an
    /// error, batches are dropped: the table fails at its emit.
    fn write(&mut self, batch: &RecordBatch) {
        if self.error.is_some() {
            return;
        }
        let writer = match &mut self.writer {
            Some(writer) => writer,
            None => {
                let name = format!("{}.held.{}.arrow", self.table, self.segments.len());
                let path = self.dir.join(name);
                match ScratchWriter::create(&path, &batch.schema()) {
                    Ok(writer) => {
                        self.segments.push(path);
                        self.batches_in_segment = 0;
                        self.writer.insert(writer)
                    }
                    Err(e) => {
                        self.error = Some((path, e));
                        return;
                    }
                }
            }
        };
        if let Err(e) = writer.write(batch) {
            self.fail_segment(e);
            return;
        }
        self.batches_in_segment += 1;
        if self.batches_in_segment == self.segment_batches {
            self.close_segment();
        }
    }

    fn close_segment(&mut self) {
        if let Some(writer) = self.writer.take()
            && let Err(e) = writer.finish()
        {
            self.fail_segment(e);
        }
    }

    /// Records the first error, in the segment being written.
    fn fail_segment(&mut self, e: std::io::Error) {
        if self.error.is_none() {
            let path = self.segments.last().expect("a segment is open");
            self.error = Some((path.clone(), e));
        }
    }

    /// The segments, closed, in the order written.
    fn finish(mut self) -> Result<Vec<PathBuf>, IngestError> {
        self.close_segment();
        match self.error {
            Some((path, e)) => Err(scratch_error(&path, e)),
            None => Ok(self.segments),
        }
    }
}

impl HeldRows {
    /// Rows held in memory, or (with `spill_dir`) their typed values spilled
    /// there in segments as batches fill. `item_codes`: the rubric items'
    /// codes by number (`Plan::numbered_items`).
    pub fn new(
        spec: &'static TableSpec,
        item_codes: Vec<Box<str>>,
        batch_size: usize,
        spill_dir: Option<&Path>,
    ) -> Self {
        assert!(
            spec.columns
                .iter()
                .map(|c| c.name)
                .take(REVIEW_ID_COLUMNS)
                .eq(REVIEW_ROW_ONLY_IN_HEADS),
            "the review ids lead the held table"
        );
        assert_eq!(
            spec.columns[REVIEW_ID_COLUMNS + ITEM_COLUMN].name,
            "item",
            "the item's code follows the review's ids"
        );
        HeldRows {
            spec,
            positions: Positions {
                parts: Vec::new(),
                row_offsets: Vec::new(),
                far_rows: HashMap::default(),
            },
            kept: KeptRows::default(),
            typed: BatchBuilder::new(held_schema(spec), batch_size),
            item_codes,
            spill: spill_dir.map(|dir| Spill {
                dir: dir.to_path_buf(),
                table: spec.table.name(),
                segments: Vec::new(),
                writer: None,
                batches_in_segment: 0,
                segment_batches: SEGMENT_BATCHES,
                error: None,
            }),
        }
    }

    /// Number of rows held so far; also the position the next row gets.
    pub fn len(&self) -> u32 {
        self.positions.row_offsets.len() as u32
    }

    /// Holds one row: its typed values when it parsed and broke no row rule
    /// (`values` then ends with its `source_order` and `item_key`), else its
    /// problem.
    /// `has_review_ids`: the row's ids are its review's [`ReviewIds`] (else
    /// its cells are kept as read). What it does not keep goes to `spent`.
    pub fn push(
        &mut self,
        row: Row,
        outcome: Result<Vec<Value>, Problem>,
        has_review_ids: bool,
        spent: &mut Spent,
    ) {
        let position = self.len();
        let at = &mut self.positions;
        let same_part = at
            .parts
            .last()
            .is_some_and(|p| p.file == row.file && p.sheet == row.sheet && p.base <= row.row);
        if !same_part {
            at.parts.push(Part {
                start: position,
                file: row.file,
                sheet: row.sheet.clone(),
                base: row.row,
            });
        }
        let base = at.parts.last().expect("pushed").base;
        match u32::try_from(row.row - base) {
            Ok(offset) if offset != u32::MAX => at.row_offsets.push(offset),
            _ => {
                at.row_offsets.push(u32::MAX);
                at.far_rows.insert(position, row.row);
            }
        }
        match outcome {
            Ok(values) => {
                debug_assert_eq!(
                    row.verbatim,
                    renders_back(&row.cells, &values, &mut String::new())
                );
                if !row.verbatim || !has_review_ids {
                    self.kept.push(position, &row.cells, None);
                }
                // Its number stands for the item's code (at the end).
                let item = REVIEW_ID_COLUMNS + ITEM_COLUMN;
                self.typed.push_each(
                    values[REVIEW_ID_COLUMNS..item]
                        .iter()
                        .chain(&values[item + 1..]),
                );
                if let Some(spill) = &mut self.spill {
                    self.typed.drain_done(|batch| spill.write(&batch));
                }
                spent.values(values);
            }
            Err(problem) => self.kept.push(position, &row.cells, Some(problem)),
        }
        spent.cells(row.cells);
    }

    /// Walks every row in input order: a row with a problem of its own is
    /// rejected with it, any other gets its verdict from `decide(position)`.
    /// Rejected rows go to the sink as read; accepted rows are counted and
    /// their typed values appended to `out`, batch by batch, and the first
    /// row of each accepted review gives its row of `heads`
    /// ([`review_heads_schema`]).
    pub fn emit<'a>(
        self,
        mut decide: impl FnMut(u32) -> Verdict<'a>,
        sink: &mut Sink,
        out: &mut BatchBuilder,
        heads: &mut BatchBuilder,
    ) -> Result<(), IngestError> {
        let HeldRows {
            spec,
            positions,
            mut kept,
            typed,
            item_codes,
            spill,
        } = self;
        let segments = spill.map(Spill::finish).transpose()?.unwrap_or_default();
        let batches = held_batches(segments, typed.finish());
        let total = positions.row_offsets.len() as u32;
        let mut next: u32 = 0;
        let mut buf = String::new();
        // Rows with a problem of their own are not in the typed batches: they
        // are the gaps between the typed rows' positions.
        let own_problems_before =
            |upto: u32, next: &mut u32, kept: &mut KeptRows, sink: &mut Sink| {
                while *next < upto {
                    let (cells, problem) = kept
                        .take(*next)
                        .expect("a row missing from the typed batches was kept");
                    let (reason, detail) = problem.expect("kept for its problem");
                    sink.reject(positions.row(*next, cells), reason, detail);
                    *next += 1;
                }
            };
        let staged = spec.staged_schema();
        let head_schema = review_heads_schema();
        let mut pending_heads: Vec<RecordBatch> = Vec::new();
        for batch in batches {
            let batch = batch?;
            // `source_order`, the column before `item_key` ([`held_schema`]).
            let order = batch
                .column(batch.num_columns() - 2)
                .as_primitive::<Int64Type>()
                .clone();
            let mut keep = Vec::with_capacity(batch.num_rows());
            let mut in_period = BooleanBuilder::with_capacity(batch.num_rows());
            let mut superseded_rows = BooleanBuilder::with_capacity(batch.num_rows());
            let mut review_keys = Int64Builder::with_capacity(batch.num_rows());
            let mut case_keys = Int64Builder::with_capacity(batch.num_rows());
            let mut head_keys = Int64Builder::new();
            let mut head_review_ids = StringBuilder::new();
            let mut head_case_ids = StringBuilder::new();
            let mut head_case_types = StringBuilder::new();
            let mut head_reviewer_ids = StringBuilder::new();
            for i in 0..batch.num_rows() {
                let p = order.value(i) as u32;
                own_problems_before(p, &mut next, &mut kept, sink);
                match decide(p) {
                    Verdict::Accept {
                        superseded,
                        out_of_period,
                        case_type,
                        live,
                        head,
                        review,
                        case,
                    } => {
                        keep.push(true);
                        if let Some(ids) = head {
                            head_keys.append_value(i64::from(review));
                            head_review_ids.append_value(ids.review_id);
                            head_case_ids.append_value(ids.case_id);
                            head_case_types.append_value(case_type);
                            head_reviewer_ids.append_value(ids.reviewer_id);
                        }
                        in_period.append_value(!out_of_period);
                        superseded_rows.append_value(!live);
                        review_keys.append_value(i64::from(review));
                        case_keys.append_value(i64::from(case));
                        sink.accept(positions.part_of(p).file);
                        if superseded {
                            sink.count_superseded();
                        }
                        if out_of_period {
                            sink.count_out_of_period();
                        }
                    }
                    Verdict::Reject((reason, detail), ids) => {
                        keep.push(false);
                        let cells = match kept.take(p) {
                            Some((cells, _)) => cells,
                            None => cells_of(spec, ids, &item_codes, &batch, i, &mut buf),
                        };
                        sink.reject(positions.row(p, cells), reason, detail);
                    }
                }
                next = p + 1;
            }
            if !head_keys.is_empty() {
                let columns: Vec<ArrayRef> = vec![
                    Arc::new(head_keys.finish()),
                    Arc::new(head_review_ids.finish()),
                    Arc::new(head_case_ids.finish()),
                    Arc::new(head_case_types.finish()),
                    Arc::new(head_reviewer_ids.finish()),
                ];
                pending_heads.push(
                    RecordBatch::try_new(Arc::clone(&head_schema), columns)
                        .expect("the head columns of the staged reviews"),
                );
                // A review has a row per rubric item, so a batch of rows
                // gives a few hundred heads: gathered into full batches.
                if pending_heads
                    .iter()
                    .map(RecordBatch::num_rows)
                    .sum::<usize>()
                    >= out.batch_size()
                {
                    flush_heads(&mut pending_heads, heads);
                }
            }
            let mask = BooleanArray::from(keep);
            if mask.true_count() == 0 {
                continue;
            }
            let kept_rows = if mask.true_count() == batch.num_rows() {
                batch
            } else {
                filter_record_batch(&batch, &mask).expect("mask fits the batch")
            };
            // What validation learnt of each kept row's case, as the staged
            // schema's last columns.
            let mut columns = kept_rows.columns().to_vec();
            columns.push(Arc::new(in_period.finish()) as ArrayRef);
            columns.push(Arc::new(superseded_rows.finish()) as ArrayRef);
            columns.push(Arc::new(review_keys.finish()) as ArrayRef);
            columns.push(Arc::new(case_keys.finish()) as ArrayRef);
            out.append_batch(
                RecordBatch::try_new(Arc::clone(&staged), columns)
                    .expect("the staged schema is the held columns plus four"),
            );
        }
        own_problems_before(total, &mut next, &mut kept, sink);
        flush_heads(&mut pending_heads, heads);
        Ok(())
    }
}

/// The columns a held row is stored with: the parsed columns but the
/// review's ids ([`ReviewIds`]) and the item's code, then `source_order` and
/// `item_key` (the item's number, which stands for its code) — the staged
/// row's columns but those the verdict gives. Only the number is held: the
/// code of a row rejected is rendered from it ([`cells_of`]), as holding
/// both spilled a fifth more bytes.
fn held_schema(spec: &TableSpec) -> SchemaRef {
    let parsed = spec.arrow_schema();
    let mut fields = parsed.fields()[REVIEW_ID_COLUMNS..].to_vec();
    fields.remove(ITEM_COLUMN);
    fields.push(Arc::new(Field::new(ITEM_KEY, DataType::Int64, false)));
    Arc::new(Schema::new(fields))
}

/// Index of the item's code among the parsed columns after the review's ids.
const ITEM_COLUMN: usize = 1;

/// The held batches in input order: the spilled segments', then those still
/// in memory. Each segment is removed once opened, so that its pages are
/// given back as soon as it was read (the open reader keeps it readable).
fn held_batches(
    segments: Vec<PathBuf>,
    memory: Vec<RecordBatch>,
) -> impl Iterator<Item = Result<RecordBatch, IngestError>> {
    let spilled = segments.into_iter().flat_map(|path| {
        let batches: Box<dyn Iterator<Item = Result<RecordBatch, IngestError>>> =
            match read_batches(&path) {
                Ok(reader) => {
                    let _ = std::fs::remove_file(&path);
                    Box::new(reader.map(move |batch| {
                        batch.map_err(|e| scratch_error(&path, std::io::Error::other(e)))
                    }))
                }
                Err(e) => Box::new(std::iter::once(Err(scratch_error(&path, e)))),
            };
        batches
    });
    spilled.chain(memory.into_iter().map(Ok))
}

/// Appends the gathered head batches to `heads` as one batch.
fn flush_heads(pending: &mut Vec<RecordBatch>, heads: &mut BatchBuilder) {
    if let Some(first) = pending.first() {
        let batch = concat_batches(&first.schema(), pending.iter()).expect("batches of one schema");
        heads.append_batch(batch);
        pending.clear();
    }
}

/// Row numbers and parts, moved out of [`HeldRows`] for the final walk.
struct Positions {
    parts: Vec<Part>,
    row_offsets: Vec<u32>,
    far_rows: HashMap<u32, u64>,
}

impl Positions {
    fn part_of(&self, position: u32) -> &Part {
        let i = self.parts.partition_point(|p| p.start <= position) - 1;
        &self.parts[i]
    }

    fn row(&self, position: u32, cells: Vec<String>) -> Row {
        let part = self.part_of(position);
        let row = match self.row_offsets[position as usize] {
            u32::MAX => self.far_rows[&position],
            offset => part.base + u64::from(offset),
        };
        Row {
            file: part.file,
            row,
            cells,
            verbatim: false,
            sheet: part.sheet.clone(),
        }
    }
}

/// Whether `text` is a decimal as Rust's `Display` prints the number it
/// parses to: no sign, no leading zero (but `0` or `0.x`), no trailing zero
/// after a point, and at most 15 significant digits (fewer than an `f64`
/// holds, so no shorter decimal parses to the same number).
fn is_plain_decimal(text: &str) -> bool {
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let whole_ok = digits(whole) && (whole == "0" || !whole.starts_with('0'));
    let fraction_ok = fraction.is_none_or(|f| digits(f) && !f.ends_with('0'));
    let significant = whole.trim_start_matches('0').len()
        + fraction.map_or(0, |f| {
            if whole == "0" {
                f.trim_start_matches('0').len()
            } else {
                f.len()
            }
        });
    whole_ok && fraction_ok && significant <= 15
}

/// The text a typed value was read from when it was written canonically.
fn render(value: &Value, out: &mut String) {
    match value {
        Value::Null => {}
        Value::Text(s) => out.push_str(s),
        Value::Date(d) => {
            let _ = write!(out, "{}", from_date32(*d).format("%Y-%m-%d"));
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Num(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Int(v) => {
            let _ = write!(out, "{v}");
        }
    }
}

/// The cells of row `i` of a held batch, its review's `ids` then its typed
/// values rendered back, the item's code from its number (the row passed
/// [`renders_back`] and has its review's ids, so this is exactly as read).
fn cells_of(
    spec: &TableSpec,
    ids: ReviewIds,
    item_codes: &[Box<str>],
    batch: &RecordBatch,
    i: usize,
    buf: &mut String,
) -> Vec<String> {
    let ids = [ids.review_id, ids.case_id, ids.reviewer_id].map(str::to_string);
    let values = (0..spec.columns.len() - REVIEW_ID_COLUMNS).map(|c| {
        let column = match c {
            ITEM_COLUMN => {
                let key = batch.column(batch.num_columns() - 1);
                let key = key.as_primitive::<Int64Type>().value(i);
                return item_codes[key as usize].to_string();
            }
            c if c < ITEM_COLUMN => batch.column(c),
            c => batch.column(c - 1),
        };
        buf.clear();
        if column.is_valid(i) {
            let value = match column.data_type() {
                DataType::Utf8 => Value::Text(column.as_string::<i32>().value(i).to_string()),
                DataType::Date32 => Value::Date(column.as_primitive::<Date32Type>().value(i)),
                DataType::Float64 => Value::Num(column.as_primitive::<Float64Type>().value(i)),
                DataType::Int64 => Value::Int(column.as_primitive::<Int64Type>().value(i)),
                DataType::Boolean => Value::Bool(column.as_boolean().value(i)),
                other => unreachable!("no staging column has type {other}"),
            };
            render(&value, buf);
        }
        buf.clone()
    });
    ids.into_iter().chain(values).collect()
}

/// Whether every cell as read equals the text [`render`] gives for its
/// typed value.
pub(super) fn renders_back(cells: &[String], values: &[Value], scratch: &mut String) -> bool {
    debug_assert!(values.len() >= cells.len());
    cells.iter().zip(values).all(|(cell, value)| match value {
        Value::Text(text) => cell == text,
        Value::Null => cell.is_empty(),
        // The cell parsed to this date; it reads back exactly when
        // written as YYYY-MM-DD with nothing around it.
        Value::Date(_) => {
            let b = cell.as_bytes();
            b.len() == 10
                && b[4] == b'-'
                && b[7] == b'-'
                && b.iter()
                    .enumerate()
                    .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        }
        // Most points are written as Rust prints them; a byte scan
        // says so without formatting the number.
        Value::Num(_) if is_plain_decimal(cell) => true,
        _ => {
            scratch.clear();
            render(value, scratch);
            *cell == *scratch
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::schema::Table;
    use crate::ingest::{FileCounts, TableReport, parse_row};

    fn row(file: usize, n: u64, cells: &[&str]) -> Row {
        Row {
            file,
            row: n,
            cells: cells.iter().map(|c| c.to_string()).collect(),
            verbatim: false,
            sheet: None,
        }
    }

    /// An empty report of the reviews table read from `files` files.
    fn reviews_report(files: usize) -> TableReport {
        TableReport {
            table: Table::Reviews,
            files: vec![FileCounts::default(); files],
            rejected: Vec::new(),
            out_of_period: 0,
            superseded: 0,
        }
    }

    /// The test rubric's item codes, by number.
    const CODES: [&str; 4] = ["CR-A1", "CR-A2", "CR-A3", "CR-A4"];

    fn held_rows(batch_size: usize, spill_dir: Option<&Path>) -> HeldRows {
        let codes = CODES.iter().map(|&c| c.into()).collect();
        HeldRows::new(Table::Reviews.spec(), codes, batch_size, spill_dir)
    }

    /// A row's values as ingest holds them: parsed, then its position
    /// (`source_order`) and its item's number.
    fn held_values(cells: &[String], position: usize) -> Result<Vec<Value>, Problem> {
        let spec = Table::Reviews.spec();
        parse_row(spec, cells).map(|mut v| {
            let key = CODES.iter().position(|&c| c == cells[4]).unwrap();
            v.push(Value::Int(position as i64));
            v.push(Value::Int(key as i64));
            v
        })
    }

    /// Holds `n` rows of reviews of three rows: every fifth one's points
    /// written `NA` (kept as read), every seventh unparsable.
    fn hold_reviews(held: &mut HeldRows, n: usize) {
        for i in 0..n {
            let points = match i {
                i if i % 7 == 3 => "lots".to_string(),
                i if i % 5 == 0 => "NA".to_string(),
                i => format!("{}", i % 4),
            };
            let review = format!("V{}", i / 3);
            let cells = [&*review, "C1", "R1", "2024-03-05", "CR-A1", &points, "", ""];
            let r = row(0, i as u64 + 2, &cells);
            let outcome = held_values(&r.cells, i);
            let verbatim = outcome
                .as_ref()
                .is_ok_and(|v| renders_back(&r.cells, v, &mut String::new()));
            held.push(Row { verbatim, ..r }, outcome, true, &mut Spent::default());
        }
    }

    /// The rejected rows (row number, cells as read) and the staged rows.
    type Emitted = (Vec<(u64, Vec<String>)>, RecordBatch);

    /// Emits the held rows, every third one rejected.
    fn emit_reviews(held: HeldRows) -> Result<Emitted, IngestError> {
        let spec = Table::Reviews.spec();
        let mut report = reviews_report(1);
        let labels = ["a.csv".to_string()];
        let mut sink = Sink {
            report: &mut report,
            labels: &labels,
            spent: Spent::default(),
        };
        let mut out = BatchBuilder::new(spec.staged_schema(), 2);
        let mut heads = BatchBuilder::new(review_heads_schema(), 2);
        let review_ids: Vec<String> = (0..100).map(|r| format!("V{r}")).collect();
        let ids = |p: u32| ReviewIds {
            review_id: &review_ids[p as usize / 3],
            case_id: "C1",
            reviewer_id: "R1",
        };
        let verdict = |p: u32| match p % 3 {
            0 => Verdict::Reject(
                (crate::ingest::reasons::REVIEW_REJECTED, format!("p{p}")),
                ids(p),
            ),
            _ => Verdict::Accept {
                superseded: false,
                out_of_period: false,
                case_type: "civil",
                live: true,
                head: (p % 3 == 1).then(|| ids(p)),
                review: p / 3,
                case: p / 6,
            },
        };
        held.emit(verdict, &mut sink, &mut out, &mut heads)?;
        let rejected = report
            .rejected
            .iter()
            .map(|r| (r.source_row, r.cells.clone()))
            .collect();
        let staged = concat_batches(&spec.staged_schema(), &out.finish()).unwrap();
        Ok((rejected, staged))
    }

    /// Spilled in segments, the rows come back as they do from memory, and
    /// no segment is left behind.
    #[test]
    fn rows_spilled_in_segments_come_back_in_order_and_the_segments_go() {
        let mut in_memory = held_rows(2, None);
        hold_reviews(&mut in_memory, 62);
        let (rejected, staged) = emit_reviews(in_memory).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let mut spilled = held_rows(2, Some(dir.path()));
        spilled.spill.as_mut().unwrap().segment_batches = 3;
        hold_reviews(&mut spilled, 62);
        // 62 rows, 9 of them unparsable: 53 typed rows, 26 full batches of 2
        // in segments of 3 (the ninth still open, with two), one row in memory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 9);
        let (spilled_rejected, spilled_staged) = emit_reviews(spilled).unwrap();
        assert_eq!(spilled_rejected, rejected);
        assert!(
            rejected.iter().any(|(_, cells)| cells[5] == "NA"),
            "kept rows are among the rejected"
        );
        assert_eq!(spilled_staged, staged);
        assert_eq!(staged.num_rows() + rejected.len(), 62);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// A spill that cannot be written fails the table, naming the segment.
    #[test]
    fn a_spill_that_cannot_be_written_names_its_segment() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        let mut held = held_rows(2, Some(&gone));
        hold_reviews(&mut held, 12);
        let e = emit_reviews(held).unwrap_err().to_string();
        assert!(e.contains("gone/reviews.held.0.arrow"), "{e}");
        assert!(e.contains("scratch"), "{e}");
    }

    #[test]
    fn plain_decimals_are_what_display_prints() {
        for plain in ["0", "3", "10", "2.5", "0.25", "0.001", "123456789012345"] {
            assert!(is_plain_decimal(plain), "{plain}");
        }
        for other in [
            "",
            "-1",
            "+1",
            "03",
            "3.0",
            "3.",
            ".5",
            "1e3",
            " 3",
            "NA",
            "1234567890123456",
        ] {
            assert!(!is_plain_decimal(other), "{other}");
        }
    }

    proptest::proptest! {
        /// A text the scan calls plain is exactly what the number it parses
        /// to prints as.
        #[test]
        fn a_plain_decimal_renders_back(text in "[0-9]{1,9}(\\.[0-9]{1,8})?") {
            if is_plain_decimal(&text) {
                let value: f64 = text.parse().unwrap();
                proptest::prop_assert_eq!(value.to_string(), text);
            }
        }
    }

    /// Kept rows come back with their cells as pushed (empty cells, CJK,
    /// rows of other widths) and their own problem; rows passed over are
    /// let go, rows never kept give `None`.
    #[test]
    fn kept_rows_come_back_in_order_with_their_problems() {
        let cells = |c: &[&str]| c.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let problem = |d: &str| Some((crate::ingest::reasons::BAD_NUMBER, d.to_string()));
        let mut kept = KeptRows::default();
        kept.push(3, &cells(&["V1", "", "不适用"]), None);
        kept.push(5, &cells(&["V2", "lots"]), problem("p5"));
        kept.push(6, &cells(&[]), problem("p6"));
        kept.push(9, &cells(&["", "", ""]), None);
        kept.push(12, &cells(&["V3", " 2.5 ", "x"]), problem("p12"));
        assert_eq!(kept.take(1), None);
        // Position 3 is passed over (an accepted row keeps nothing).
        assert_eq!(kept.take(5), Some((cells(&["V2", "lots"]), problem("p5"))));
        assert_eq!(kept.take(6), Some((cells(&[]), problem("p6"))));
        assert_eq!(kept.take(7), None);
        assert_eq!(kept.take(9), Some((cells(&["", "", ""]), None)));
        assert_eq!(
            kept.take(12),
            Some((cells(&["V3", " 2.5 ", "x"]), problem("p12")))
        );
        assert_eq!(kept.take(13), None);
        let mut first = KeptRows::default();
        first.push(0, &cells(&["不适用", "NA"]), None);
        assert_eq!(first.take(0), Some((cells(&["不适用", "NA"]), None)));
    }

    /// Every rejected row comes back exactly as read, in input order, whether
    /// its cells were kept or rendered back from its typed values and its
    /// review's ids; a row naming a case other than its review's is kept.
    #[test]
    fn rejected_rows_come_back_as_read() {
        let spec = Table::Reviews.spec();
        let rows = [
            row(
                0,
                2,
                &["V1", "C1", "R1", "2024-03-05", "CR-A1", "3", "", ""],
            ),
            row(
                0,
                3,
                &["V1", "C1", "R1", "2024/3/5", "CR-A2", " 2.5", "ok", ""],
            ),
            row(
                0,
                4,
                &["V1", "C1", "R1", "2024-03-05", "CR-A3", "lots", "", ""],
            ),
            row(
                1,
                2,
                &["V2", "C2", "R1", "2024-03-05", "CR-A1", "NA", "", "V1"],
            ),
            row(1, 7, &["V2", "C2", "R1", "2024-03-05", "CR-A2", "", "", ""]),
            row(
                1,
                9,
                &["V2", "C2", "R1", "2024-03-05", "CR-A3", "1.25", "x", "V1"],
            ),
            row(
                1,
                10,
                &["V2", "C9", "R1", "2024-03-05", "CR-A4", "1", "", ""],
            ),
        ];
        let review_of = |p: u32| match p {
            0..3 => ReviewIds {
                review_id: "V1",
                case_id: "C1",
                reviewer_id: "R1",
            },
            _ => ReviewIds {
                review_id: "V2",
                case_id: "C2",
                reviewer_id: "R1",
            },
        };
        let mut held = held_rows(2, None);
        for (i, r) in rows.iter().enumerate() {
            let outcome = held_values(&r.cells, i);
            let verbatim = outcome
                .as_ref()
                .is_ok_and(|v| renders_back(&r.cells, v, &mut String::new()));
            held.push(
                Row {
                    cells: r.cells.clone(),
                    verbatim,
                    sheet: None,
                    ..*r
                },
                outcome,
                r.cells[1] == review_of(i as u32).case_id,
                &mut Spent::default(),
            );
        }
        let mut report = reviews_report(2);
        let labels = ["a.csv".to_string(), "b.csv".to_string()];
        let mut sink = Sink {
            report: &mut report,
            labels: &labels,
            spent: Spent::default(),
        };
        let mut out = BatchBuilder::new(spec.staged_schema(), 2);
        let mut heads = BatchBuilder::new(review_heads_schema(), 2);
        // Accept the row at position 4 only, as the first of its review.
        held.emit(
            |p| match p {
                4 => Verdict::Accept {
                    superseded: false,
                    out_of_period: true,
                    case_type: "civil",
                    live: false,
                    head: Some(review_of(p)),
                    review: 7,
                    case: 3,
                },
                _ => Verdict::Reject(
                    (crate::ingest::reasons::REVIEW_REJECTED, format!("p{p}")),
                    review_of(p),
                ),
            },
            &mut sink,
            &mut out,
            &mut heads,
        )
        .unwrap();
        let got: Vec<(String, u64, Vec<String>)> = report
            .rejected
            .iter()
            .map(|r| (r.source_file.clone(), r.source_row, r.cells.clone()))
            .collect();
        let want: Vec<(String, u64, Vec<String>)> = rows
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 4)
            .map(|(_, r)| (labels[r.file].clone(), r.row, r.cells.clone()))
            .collect();
        assert_eq!(got, want);
        assert!(report.rejected[2].reason.starts_with("bad_number"));
        assert_eq!(report.files[1].accepted, 1);
        let batches = out.finish();
        assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
        // The accepted row carries its item's number and its case's period,
        // and neither its item's code nor its case's type.
        let b = batches.iter().find(|b| b.num_rows() == 1).unwrap();
        assert!(b.column_by_name("item").is_none() && b.column_by_name("case_type").is_none());
        let item_key = b
            .column_by_name("item_key")
            .unwrap()
            .as_primitive::<Int64Type>();
        let in_period = b.column_by_name("in_period").unwrap().as_boolean();
        let superseded = b.column_by_name("superseded").unwrap().as_boolean();
        let key = |b: &RecordBatch| {
            b.column_by_name("review_key")
                .unwrap()
                .as_primitive::<Int64Type>()
                .value(0)
        };
        let case_key = b
            .column_by_name("case_key")
            .unwrap()
            .as_primitive::<Int64Type>()
            .value(0);
        assert_eq!(
            (
                item_key.value(0),
                in_period.value(0),
                superseded.value(0),
                key(b),
                case_key
            ),
            (1, false, true, 7, 3)
        );
        // Accepted as its review's first row, it gives the review's head.
        let heads = heads.finish();
        assert_eq!(heads.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
        let head = heads.iter().find(|b| b.num_rows() == 1).unwrap();
        let text = |name: &str| {
            head.column_by_name(name)
                .unwrap()
                .as_string::<i32>()
                .value(0)
        };
        assert_eq!(
            [
                text("review_id"),
                text("case_id"),
                text("case_type"),
                text("reviewer_id")
            ],
            ["V2", "C2", "civil", "R1"]
        );
        assert_eq!(key(head), 7);
    }
}
