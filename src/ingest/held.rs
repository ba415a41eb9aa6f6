//! The rows of a table whose acceptance is decided only at the table's end
//! (reviews: a review is accepted or rejected as a whole, and supersessions
//! and duplicate live reviews are known only when every review was read).
//!
//! A row that parsed and broke no rule of its own is staged at once, as it
//! is read, whatever its review's verdict will be: the staged table holds
//! the rows of rejected and superseded reviews too, and scoring leaves them
//! out by the small table of their reviews' numbers
//! ([`DROPPED_REVIEWS`](super::schema::DROPPED_REVIEWS)). Until the table's
//! end only what the quarantine may need is held: per row a position
//! (file, row number: 4 bytes), and the cells as read of the rows that
//! cannot be rendered back exactly from their staged values and their
//! review's ids (surrounding spaces, a date written `2024/3/5`, points
//! `不适用`, a case other than its review's first row's, …) or that broke
//! a rule of their own, in one text buffer ([`KeptRows`]), not a `String`
//! each.
//!
//! At the end, [`HeldRows::emit`] walks the rows in input order and rejects
//! or counts each by its verdict. The cells of a rejected row that were not
//! kept are rendered back from the staged table, read back once when the
//! first such row is met, so the quarantine holds every rejected row exactly
//! as read. Staging as read replaced holding the typed rows (spilled to
//! Arrow IPC at scale: 1.7 GB at 5 M cases) and filtering them into the
//! staged table at the end, a second pass over every review row.

use std::fmt::Write as _;
use std::rc::Rc;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type, Int64Type};
use datafusion::arrow::record_batch::RecordBatch;

use super::batch::{BatchBuilder, Staged, Value};
use super::fast_hash::FastMap as HashMap;
use super::reasons::Reason;
use super::schema::{ColumnSpec, ITEM_KEY, Kind, REVIEW_KEY, REVIEW_ROW_ONLY_IN_HEADS, TableSpec};
use super::value::from_date32;
use super::{IngestError, Row, Sink, Spent, scratch_error};
use crate::scratch::read_batches;

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
/// make and, at the table's end, to free: at 1 M cases, when points `NA`
/// did not render back, one review row in fourteen was kept, and freeing
/// them took 0.55 s of one thread.
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

    /// The index of the row kept at `position`, if it was kept. Asked in
    /// increasing positions: the kept rows passed over are let go.
    fn find(&mut self, position: u32) -> Option<usize> {
        // Asked for every position in turn, the next kept row is mostly
        // further on: no search.
        match self.positions.get(self.rows_walked) {
            Some(&next) if next > position => return None,
            None => return None,
            _ => {}
        }
        let skip = self.positions[self.rows_walked..].partition_point(|&p| p < position);
        self.rows_walked += skip;
        let row = self.rows_walked;
        (self.positions.get(row) == Some(&position)).then_some(row)
    }

    /// Whether kept row `row` ([`KeptRows::find`]) failed on its own.
    fn failed(&mut self, row: usize) -> bool {
        let skip = self.problems[self.problems_walked..].partition_point(|(r, _)| *r < row);
        self.problems_walked += skip;
        self.problems
            .get(self.problems_walked)
            .is_some_and(|(r, _)| *r == row)
    }

    /// The cells of the row kept at `position`, with its problem if it
    /// failed on its own; `None` when it was not kept. Asked in increasing
    /// positions: the kept rows passed over (accepted ones) are let go.
    fn take(&mut self, position: u32) -> Option<(Vec<String>, Option<Problem>)> {
        let row = self.find(position)?;
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
        let problem = if self.failed(row) {
            let (_, (reason, detail)) = &mut self.problems[self.problems_walked];
            self.problems_walked += 1;
            Some((*reason, std::mem::take(detail)))
        } else {
            None
        };
        Some((cells, problem))
    }
}

/// The cells every row of an accepted review shares (ingest rejects a
/// review whose rows name different cases or reviewers), as the review's
/// first row has them, trimmed: the parsed columns
/// [`REVIEW_ROW_ONLY_IN_HEADS`], which lead the review table. A row is
/// staged without them, the caller keeping them once per review; a row
/// whose own differ (a rejected review's) is kept as read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReviewIds<'a> {
    pub review_id: &'a str,
    pub case_id: &'a str,
    pub reviewer_id: &'a str,
}

/// Number of leading parsed columns a held row is stored without.
const REVIEW_ID_COLUMNS: usize = REVIEW_ROW_ONLY_IN_HEADS.len();

/// What validation learnt of a row that broke no rule of its own, staged
/// after its values.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StagedFacts {
    /// Its case is of the period.
    pub in_period: bool,
    /// Its review's number (`review_key`).
    pub review: u32,
    /// Its case's number (`case_key`).
    pub case: u32,
}

/// What the caller decides for a row at the end, by its review.
pub(crate) enum Verdict<'a> {
    Accept {
        /// The row belongs to a review replaced by a later one.
        superseded: bool,
        /// The row belongs to a case closed outside the period.
        out_of_period: bool,
    },
    /// Rejected, with its review's problem.
    Reject(&'a Problem),
}

/// Where the held rows of a table are, until every row was read. A row that
/// broke no rule of its own is staged at once ([`HeldRows::push`]); what is
/// held is its place (file, row number) and, when they do not render back
/// from its staged values, its cells as read.
pub(crate) struct HeldRows {
    spec: &'static TableSpec,
    positions: Positions,
    /// Rows kept as read.
    kept: KeptRows,
    /// The rubric items' codes by number (`item_key`), to render a rejected
    /// row's item.
    item_codes: Vec<Box<str>>,
}

impl HeldRows {
    /// `item_codes`: the rubric items' codes by number
    /// (`Plan::numbered_items`).
    pub fn new(spec: &'static TableSpec, item_codes: Vec<Box<str>>) -> Self {
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
            item_codes,
        }
    }

    /// Number of rows held so far; also the position the next row gets.
    pub fn len(&self) -> u32 {
        self.positions.row_offsets.len() as u32
    }

    /// Holds one row. When it parsed and broke no row rule (`values` then
    /// ending with its `source_order` and `item_key`), it is staged at once
    /// into `staged` ([`TableSpec::staged_schema`]) with `facts`, whatever
    /// its review's verdict will be; else its problem is kept.
    /// `has_review_ids`: the row's ids are its review's [`ReviewIds`] (else
    /// its cells are kept as read). What it does not keep goes to `spent`.
    pub fn push(
        &mut self,
        row: Row,
        outcome: Result<(Vec<Value>, StagedFacts), Problem>,
        has_review_ids: bool,
        staged: &mut BatchBuilder,
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
            Ok((values, facts)) => {
                debug_assert_eq!(
                    row.verbatim,
                    renders_back(self.spec, &row.cells, &values, &mut String::new())
                );
                if !row.verbatim || !has_review_ids {
                    self.kept.push(position, &row.cells, None);
                }
                // Staged without the review's ids and the item's code (its
                // number stands for it), with what validation learnt.
                let item = REVIEW_ID_COLUMNS + ITEM_COLUMN;
                let learnt = [
                    Value::Bool(facts.in_period),
                    Value::Int(i64::from(facts.review)),
                    Value::Int(i64::from(facts.case)),
                ];
                staged.push_each(
                    values[REVIEW_ID_COLUMNS..item]
                        .iter()
                        .chain(&values[item + 1..])
                        .chain(&learnt),
                );
                spent.values(values);
            }
            Err(problem) => self.kept.push(position, &row.cells, Some(problem)),
        }
        spent.cells(row.cells);
    }

    /// Walks every row in input order: a row with a problem of its own is
    /// rejected with it, any other gets its review's verdict from
    /// `decide(position)`. Rejected rows go to the sink as read; accepted
    /// rows are counted. The cells of a rejected row that were not kept are
    /// rendered from its staged values (`staged`, the table as staged),
    /// read back once, only when such a row is met; `ids_if_rejected` gives
    /// the ids of a review by number when it was rejected.
    pub fn emit<'a>(
        self,
        mut decide: impl FnMut(u32) -> Verdict<'a>,
        ids_if_rejected: impl Fn(u32) -> Option<ReviewIds<'a>>,
        staged: &Staged,
        sink: &mut Sink,
    ) -> Result<(), IngestError> {
        let HeldRows {
            spec,
            positions,
            mut kept,
            item_codes,
        } = self;
        let total = positions.row_offsets.len() as u32;
        let mut rendered: Option<std::vec::IntoIter<(u32, Vec<String>)>> = None;
        let mut part = 0;
        for p in 0..total {
            while positions
                .parts
                .get(part + 1)
                .is_some_and(|next| next.start <= p)
            {
                part += 1;
            }
            // Only a rejected row's cells are made.
            let kept_row = kept.find(p);
            if kept_row.is_some_and(|row| kept.failed(row)) {
                let (cells, problem) = kept.take(p).expect("found");
                let (reason, detail) = problem.expect("it failed");
                sink.reject(positions.row(p, cells), reason, detail);
                continue;
            }
            match decide(p) {
                Verdict::Accept {
                    superseded,
                    out_of_period,
                } => {
                    sink.accept(positions.parts[part].file);
                    if superseded {
                        sink.count_superseded();
                    }
                    if out_of_period {
                        sink.count_out_of_period();
                    }
                }
                Verdict::Reject((reason, detail)) => {
                    let cells = match kept_row {
                        Some(_) => kept.take(p).expect("found").0,
                        None => {
                            if rendered.is_none() {
                                let rows =
                                    render_rejected(spec, staged, &ids_if_rejected, &item_codes)?;
                                rendered = Some(rows.into_iter());
                            }
                            let rows = rendered.as_mut().expect("rendered above");
                            // Kept rows of rejected reviews were rendered
                            // too: passed over.
                            rows.find(|(at, _)| *at == p)
                                .map(|(_, cells)| cells)
                                .expect("a row not kept was staged")
                        }
                    };
                    sink.reject(positions.row(p, cells), *reason, detail.clone());
                }
            }
        }
        Ok(())
    }
}

/// The cells as read of every staged row of a rejected review, with its
/// position, in input order: its review's ids (`ids_if_rejected`) and its
/// staged values rendered back (exact for a row not kept: it passed
/// [`renders_back`] and has its review's ids).
fn render_rejected<'a>(
    spec: &TableSpec,
    staged: &Staged,
    ids_if_rejected: &impl Fn(u32) -> Option<ReviewIds<'a>>,
    item_codes: &[Box<str>],
) -> Result<Vec<(u32, Vec<String>)>, IngestError> {
    let batches: Box<dyn Iterator<Item = Result<RecordBatch, IngestError>>> = match staged {
        Staged::Memory(batches) => Box::new(batches.iter().cloned().map(Ok)),
        Staged::File { path, .. } => {
            let reader = read_batches(path).map_err(|e| scratch_error(path, e))?;
            let path = path.clone();
            Box::new(
                reader.map(move |b| b.map_err(|e| scratch_error(&path, std::io::Error::other(e)))),
            )
        }
    };
    let mut rows = Vec::new();
    let mut buf = String::new();
    for batch in batches {
        let batch = batch?;
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .expect("a staged review column")
                .as_primitive::<Int64Type>()
                .clone()
        };
        let (reviews, order) = (column(REVIEW_KEY), column("source_order"));
        for i in 0..batch.num_rows() {
            if let Some(ids) = ids_if_rejected(reviews.value(i) as u32) {
                let cells = cells_of(spec, ids, item_codes, &batch, i, &mut buf);
                rows.push((order.value(i) as u32, cells));
            }
        }
    }
    Ok(rows)
}

/// Index of the item's code among the parsed columns after the review's ids.
const ITEM_COLUMN: usize = 1;

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

/// The cells of row `i` of a staged batch, its review's `ids` then its
/// staged values rendered back, the item's code from its number (exactly
/// as read when the row passed [`renders_back`] and has its review's ids).
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
                let key = batch.column_by_name(ITEM_KEY).expect("staged item_key");
                let key = key.as_primitive::<Int64Type>().value(i);
                return item_codes[key as usize].to_string();
            }
            c if c < ITEM_COLUMN => batch.column(c),
            c => batch.column(c - 1),
        };
        buf.clear();
        if column.is_null(i) {
            buf.push_str(null_text(&spec.columns[REVIEW_ID_COLUMNS + c]));
        } else {
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

/// The text a null value of `column` renders back as: points not
/// applicable as `NA` (the contract's first form: one review row in
/// fourteen at 1 M cases, whose cells were kept as read when it rendered
/// back as an empty cell), any other null as the empty cell it was.
fn null_text(column: &ColumnSpec) -> &'static str {
    match column.kind {
        Kind::Points => "NA",
        _ => "",
    }
}

/// Whether every cell as read equals the text [`render`] gives for its
/// typed value.
pub(super) fn renders_back(
    spec: &TableSpec,
    cells: &[String],
    values: &[Value],
    scratch: &mut String,
) -> bool {
    debug_assert!(values.len() >= cells.len());
    let columns = spec.columns.iter();
    cells
        .iter()
        .zip(values)
        .zip(columns)
        .all(|((cell, value), column)| match value {
            Value::Text(text) => cell == text,
            Value::Null => *cell == null_text(column),
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
    use datafusion::arrow::compute::concat_batches;

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

    fn held_rows() -> HeldRows {
        let codes = CODES.iter().map(|&c| c.into()).collect();
        HeldRows::new(Table::Reviews.spec(), codes)
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

    /// What the test rows are staged with: reviews of three rows.
    fn facts(position: usize) -> StagedFacts {
        StagedFacts {
            in_period: position.is_multiple_of(2),
            review: (position / 3) as u32,
            case: (position / 6) as u32,
        }
    }

    /// Holds `n` rows of reviews of three rows into `staged`: every fifth
    /// one's points not applicable, alternately `不适用` (kept as read) and
    /// `NA` (rendered back), every seventh unparsable.
    fn hold_reviews(held: &mut HeldRows, n: usize, staged: &mut BatchBuilder) {
        for i in 0..n {
            let points = match i {
                i if i % 7 == 3 => "lots".to_string(),
                i if i % 10 == 0 => "不适用".to_string(),
                i if i % 5 == 0 => "NA".to_string(),
                i => format!("{}", i % 4),
            };
            let review = format!("V{}", i / 3);
            let cells = [&*review, "C1", "R1", "2024-03-05", "CR-A1", &points, "", ""];
            let r = row(0, i as u64 + 2, &cells);
            let outcome = held_values(&r.cells, i);
            let verbatim = outcome
                .as_ref()
                .is_ok_and(|v| renders_back(held.spec, &r.cells, v, &mut String::new()));
            let outcome = outcome.map(|v| (v, facts(i)));
            held.push(
                Row { verbatim, ..r },
                outcome,
                true,
                staged,
                &mut Spent::default(),
            );
        }
    }

    /// The rejected rows (row number, cells as read) and the accepted count.
    type Emitted = (Vec<(u64, Vec<String>)>, u64);

    /// Emits the held rows, `rejected(review)` saying which reviews are
    /// rejected.
    fn emit_reviews(
        held: HeldRows,
        staged: &Staged,
        rejected: impl Fn(u32) -> bool,
    ) -> Result<Emitted, IngestError> {
        let mut report = reviews_report(1);
        let labels = ["a.csv".to_string()];
        let mut sink = Sink {
            report: &mut report,
            labels: &labels,
            spent: Spent::default(),
        };
        let review_ids: Vec<String> = (0..100).map(|r| format!("V{r}")).collect();
        let ids = |r: u32| ReviewIds {
            review_id: &review_ids[r as usize],
            case_id: "C1",
            reviewer_id: "R1",
        };
        let problem = (crate::ingest::reasons::REVIEW_REJECTED, "whole".to_string());
        held.emit(
            |p| match rejected(p / 3) {
                true => Verdict::Reject(&problem),
                false => Verdict::Accept {
                    superseded: false,
                    out_of_period: false,
                },
            },
            |r| rejected(r).then(|| ids(r)),
            staged,
            &mut sink,
        )?;
        let rejected = report
            .rejected
            .iter()
            .map(|r| (r.source_row, r.cells.clone()))
            .collect();
        Ok((rejected, report.files[0].accepted))
    }

    /// Rows staged as read into a Parquet scratch file give the quarantine
    /// the same rows, exactly as read, as rows staged in memory: every row of
    /// a rejected review, its own problem first.
    #[test]
    fn rejected_rows_are_rendered_back_from_the_staged_file_as_from_memory() {
        let spec = Table::Reviews.spec();
        let every_third = |r: u32| r.is_multiple_of(3);
        let mut in_memory = held_rows();
        let mut memory = BatchBuilder::new(spec.staged_schema(), 2);
        hold_reviews(&mut in_memory, 62, &mut memory);
        let memory = memory.finish_staged().unwrap();
        let (rejected, accepted) = emit_reviews(in_memory, &memory, every_third).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reviews.parquet");
        let mut on_disk = held_rows();
        let mut file = BatchBuilder::spilling(spec.staged_schema(), 2, &path).unwrap();
        hold_reviews(&mut on_disk, 62, &mut file);
        let file = file.finish_staged().unwrap();
        // 62 rows, 9 of them unparsable: 53 staged.
        assert_eq!(file.num_rows(), 53);
        let (file_rejected, file_accepted) = emit_reviews(on_disk, &file, every_third).unwrap();
        assert_eq!(file_rejected, rejected);
        assert_eq!(file_accepted, accepted);
        assert!(
            rejected.iter().any(|(_, cells)| cells[5] == "不适用"),
            "kept rows are among the rejected"
        );
        assert!(
            rejected.iter().any(|(_, cells)| cells[5] == "NA"),
            "points not applicable are rendered back"
        );
        // Reviews 0, 3, 6, … (rows 0–2, 9–11, …) whole, and each row that
        // failed on its own.
        let want: Vec<u64> = (0..62u64)
            .filter(|i| every_third(*i as u32 / 3) || i % 7 == 3)
            .map(|i| i + 2)
            .collect();
        assert_eq!(rejected.iter().map(|(r, _)| *r).collect::<Vec<_>>(), want);
        assert_eq!(accepted as usize + rejected.len(), 62);
        for (row, cells) in &rejected {
            let i = (row - 2) as usize;
            assert_eq!(cells[0], format!("V{}", i / 3));
            assert_eq!(cells[3], "2024-03-05");
        }
    }

    /// The staged table is read back only when a rejected row needs its
    /// cells rendered: with no rejected review a missing file is never
    /// opened; with one, the error names the file.
    #[test]
    fn the_staged_file_is_read_back_only_for_rejected_rows() {
        let spec = Table::Reviews.spec();
        let gone = Staged::File {
            path: std::path::PathBuf::from("/nonexistent/scratch/reviews.parquet"),
            schema: spec.staged_schema(),
            rows: 53,
        };
        let mut memory = BatchBuilder::new(spec.staged_schema(), 2);
        let mut held = held_rows();
        hold_reviews(&mut held, 62, &mut memory);
        let (rejected, accepted) = emit_reviews(held, &gone, |_| false).unwrap();
        assert_eq!((rejected.len(), accepted), (9, 53));

        let mut held = held_rows();
        hold_reviews(&mut held, 62, &mut memory);
        let e = emit_reviews(held, &gone, |r| r == 5)
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/scratch/reviews.parquet"), "{e}");
        assert!(e.contains("scratch"), "{e}");
    }

    /// Points not applicable read back when written `NA` (and are then not
    /// kept), not in their other forms; an empty optional cell reads back.
    #[test]
    fn points_not_applicable_render_back_as_na() {
        let spec = Table::Reviews.spec();
        let reads_back = |points: &str, supersedes: &str| {
            let cells = [
                "V1",
                "C1",
                "R1",
                "2024-03-05",
                "CR-A1",
                points,
                "",
                supersedes,
            ];
            let cells: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
            let values = held_values(&cells, 0).unwrap();
            renders_back(spec, &cells, &values, &mut String::new())
        };
        assert!(reads_back("NA", ""));
        assert!(reads_back("2", ""));
        for other in ["不适用", "na", "N/A", ""] {
            assert!(!reads_back(other, ""), "{other}");
        }
        assert!(reads_back("NA", "V0"));
        assert!(!reads_back("NA", " V0"), "a cell trimmed is kept");
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
        let mut held = held_rows();
        let mut staged = BatchBuilder::new(spec.staged_schema(), 2);
        for (i, r) in rows.iter().enumerate() {
            let outcome = held_values(&r.cells, i);
            let verbatim = outcome
                .as_ref()
                .is_ok_and(|v| renders_back(held.spec, &r.cells, v, &mut String::new()));
            let review = if i < 3 { 0 } else { 7 };
            let facts = StagedFacts {
                in_period: false,
                review,
                case: 3,
            };
            held.push(
                Row {
                    cells: r.cells.clone(),
                    verbatim,
                    sheet: None,
                    ..*r
                },
                outcome.map(|v| (v, facts)),
                r.cells[1] == review_of(i as u32).case_id,
                &mut staged,
                &mut Spent::default(),
            );
        }
        let staged = staged.finish_staged().unwrap();
        let mut report = reviews_report(2);
        let labels = ["a.csv".to_string(), "b.csv".to_string()];
        let mut sink = Sink {
            report: &mut report,
            labels: &labels,
            spent: Spent::default(),
        };
        let problem = (crate::ingest::reasons::REVIEW_REJECTED, "p".to_string());
        // Accept the row at position 4 only (in a real run a review is
        // accepted or rejected as a whole).
        held.emit(
            |p| match p {
                4 => Verdict::Accept {
                    superseded: false,
                    out_of_period: true,
                },
                _ => Verdict::Reject(&problem),
            },
            |r| Some(review_of(if r == 0 { 0 } else { 3 })),
            &staged,
            &mut sink,
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
        assert_eq!(report.out_of_period, 1);
        // Every row that parsed was staged as read (not the unparsable
        // one), with its item's number and what validation learnt, and
        // neither its item's code nor its case's type.
        let batches = staged.batches().unwrap();
        let b = concat_batches(&spec.staged_schema(), &batches).unwrap();
        assert_eq!(b.num_rows(), 6);
        assert!(b.column_by_name("item").is_none() && b.column_by_name("case_type").is_none());
        let int = |name: &str, i: usize| {
            b.column_by_name(name)
                .unwrap()
                .as_primitive::<Int64Type>()
                .value(i)
        };
        let in_period = b.column_by_name("in_period").unwrap().as_boolean();
        // Staged row 3 is the row at position 4.
        assert_eq!(
            (
                int("source_order", 3),
                int("item_key", 3),
                in_period.value(3),
                int("review_key", 3),
                int("case_key", 3)
            ),
            (4, 1, false, 7, 3)
        );
    }
}
