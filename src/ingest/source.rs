//! Readers for the input file formats. Each turns one file into a header and
//! a stream of records of text cells with their `source_row`, counted the way
//! the contract fixes it (CSV and XLSX as a spreadsheet shows rows, the header
//! being row 1; Parquet and JSON Lines by 1-based record position). Typing
//! and validation happen later, the same for every format.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};

use super::IngestError;
use super::schema::{Table, TableSpec};
use crate::config::Encoding;
use crate::rubric::{CaseType, Rubric};

/// One record as read: its row number and its cells as text.
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub row: u64,
    pub cells: Vec<String>,
}

/// An open input file: the header as written and its records.
pub struct Source {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub records: Records,
}

/// A file's records after its header. Ingest reads them with
/// [`Records::next_into`], which refills one row's cells in place; as an
/// iterator each record comes in cells of its own.
pub struct Records(RecordReader);

enum RecordReader {
    /// CSV, parsed into one reused byte record: at 9 M review rows, a fresh
    /// record and a fresh `String` per cell were most of the reading
    /// thread's allocations.
    Csv(CsvRecords),
    /// Workbooks, Parquet and JSON Lines, whose readers give owned cells.
    Owned(Box<dyn Iterator<Item = Result<RawRecord, IngestError>> + Send>),
}

impl Records {
    pub fn owned(
        records: impl Iterator<Item = Result<RawRecord, IngestError>> + Send + 'static,
    ) -> Records {
        Records(RecordReader::Owned(Box::new(records)))
    }

    /// Whether the record last read by [`Records::next_into`] passed
    /// [`super::text::has_no_refused_byte`] whole: then its cells need only
    /// their lengths checked. Always false for records read as owned cells.
    pub fn last_plain(&self) -> bool {
        match &self.0 {
            RecordReader::Csv(csv) => csv.plain,
            RecordReader::Owned(_) => false,
        }
    }

    /// Reads the next record into `cells` (reusing its strings); gives the
    /// record's row number, `None` after the last record.
    pub fn next_into(&mut self, cells: &mut Vec<String>) -> Option<Result<u64, IngestError>> {
        match &mut self.0 {
            RecordReader::Csv(csv) => csv.next_into(cells),
            RecordReader::Owned(records) => Some(records.next()?.map(|record| {
                *cells = record.cells;
                record.row
            })),
        }
    }
}

impl Iterator for Records {
    type Item = Result<RawRecord, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut cells = Vec::new();
        Some(
            self.next_into(&mut cells)?
                .map(|row| RawRecord { row, cells }),
        )
    }
}

struct CsvRecords {
    reader: csv::Reader<Box<dyn Read + Send>>,
    record: csv::ByteRecord,
    path: PathBuf,
    encoding: Encoding,
    /// The row number of the last record read (the header is row 1).
    row: u64,
    /// See [`Records::last_plain`].
    plain: bool,
}

impl CsvRecords {
    fn next_into(&mut self, cells: &mut Vec<String>) -> Option<Result<u64, IngestError>> {
        let read = self.reader.read_byte_record(&mut self.record);
        self.row += 1;
        let (path, row) = (self.path.as_path(), self.row);
        self.plain = false;
        match read {
            Ok(false) => None,
            Ok(true) => Some(match fill_cells(&self.record, cells, self.encoding) {
                Ok(()) => {
                    // One pass over the record instead of one per cell.
                    self.plain = super::text::has_no_refused_byte(self.record.as_slice());
                    Ok(row)
                }
                Err(hint) => Err(IngestError::at_row(path, row, hint)),
            }),
            Err(e) => Some(Err(csv_error(path, row, e))),
        }
    }
}

/// The format an input file has, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Parquet,
    JsonLines,
}

impl Format {
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" | "txt" => Format::Csv,
            // Workbooks: `workbook::open` tells XLSX, XLS, XLSB and ODS apart
            // by their content, whatever the name says.
            "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => Format::Xlsx,
            "parquet" | "pq" => Format::Parquet,
            "jsonl" | "ndjson" | "json" => Format::JsonLines,
            _ => return None,
        })
    }
}

/// Opens an input file of `spec`'s table.
pub fn open(
    path: &Path,
    spec: &'static TableSpec,
    encoding: Encoding,
    sheet: Option<&str>,
) -> Result<Source, IngestError> {
    let format = Format::of(path).ok_or_else(|| {
        IngestError::file(
            path,
            "unknown file type; expected a .csv, a workbook (.xlsx, .xls, .xlsb or .ods), a \
             .parquet or a .jsonl file",
        )
    })?;
    let meta = std::fs::metadata(path)
        .map_err(|e| IngestError::file(path, format!("cannot read the file: {e}")))?;
    if meta.len() == 0 {
        return Err(IngestError::file(
            path,
            "the file is empty (0 bytes); expected at least a header row",
        ));
    }
    match format {
        Format::Csv => open_csv(path, encoding),
        Format::Xlsx => guarded(path, || open_xlsx(path, spec, sheet)),
        Format::Parquet => open_parquet(path),
        Format::JsonLines => open_jsonl(path, spec),
    }
}

/// One readable part of an input file: the whole file, or one case-type
/// sheet of a score-sheet workbook written by `legalaid sample`.
pub struct Part {
    pub sheet: Option<String>,
    pub source: Source,
}

/// Opens an input file as its parts. A `reviews` workbook with the hidden
/// `legalaid` sheet is a score-sheet workbook: its wide sheets are read as
/// long review rows (see [`crate::sample::sheets`]); every other file is one
/// part read by [`open`].
pub fn open_parts(
    path: &Path,
    spec: &'static TableSpec,
    encoding: Encoding,
    sheet: Option<&str>,
    rubrics: &std::collections::BTreeMap<CaseType, Rubric>,
) -> Result<Vec<Part>, IngestError> {
    if spec.table == Table::Reviews
        && Format::of(path) == Some(Format::Xlsx)
        && let Some(parts) = guarded(path, || {
            crate::sample::sheets::read_score_sheets(path, rubrics)
        })?
    {
        return Ok(parts);
    }
    Ok(vec![Part {
        sheet: None,
        source: open(path, spec, encoding, sheet)?,
    }])
}

fn open_csv(path: &Path, encoding: Encoding) -> Result<Source, IngestError> {
    let file =
        File::open(path).map_err(|e| IngestError::file(path, format!("cannot open: {e}")))?;
    let mut buffered = BufReader::with_capacity(1 << 16, file);
    let starts_with_bom = buffered
        .fill_buf()
        .map_err(|e| IngestError::file(path, format!("cannot read: {e}")))?
        .starts_with(b"\xEF\xBB\xBF");
    // A BOM settles the question: such a file is UTF-8 whatever was declared.
    let reader: Box<dyn Read + Send> = if encoding == Encoding::Gbk && !starts_with_bom {
        Box::new(GbkDecoder::new(buffered))
    } else {
        if starts_with_bom {
            buffered.consume(3);
        }
        Box::new(buffered)
    };
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut records = CsvRecords {
        reader,
        record: csv::ByteRecord::new(),
        path: path.to_path_buf(),
        encoding,
        row: 0,
        plain: false,
    };
    let mut header = Vec::new();
    match records.next_into(&mut header) {
        None => Err(IngestError::file(
            path,
            "no header row; expected the column names in row 1",
        )),
        Some(Err(e)) => Err(e),
        Some(Ok(_)) => Ok(Source {
            path: path.to_path_buf(),
            header,
            records: Records(RecordReader::Csv(records)),
        }),
    }
}

fn csv_error(path: &Path, row: u64, e: csv::Error) -> IngestError {
    if let csv::ErrorKind::Io(io) = e.kind()
        && io.kind() == std::io::ErrorKind::InvalidData
    {
        return IngestError::at_row(path, row, io.to_string());
    }
    IngestError::at_row(path, row, format!("unreadable CSV: {e}"))
}

/// Copies a record's fields into `cells`, reusing the strings already there.
///
/// The record's bytes are checked as UTF-8 once, not field by field: a
/// check per field cost more in its calls than in its bytes (4 % of
/// ingest's CPU for eight short fields a row). A field is text when the
/// whole is and the field starts and ends on character boundaries, which
/// `str::get` checks.
fn fill_cells(
    record: &csv::ByteRecord,
    cells: &mut Vec<String>,
    encoding: Encoding,
) -> Result<(), &'static str> {
    let not_text = match encoding {
        Encoding::Utf8 => {
            "the text is not valid UTF-8. If the file was saved as GBK/GB18030 \
             (usual for exports from Chinese office software), set \
             `encoding = \"gbk\"` under [inputs] in the pipeline file"
        }
        Encoding::Gbk => "the text is not valid GBK/GB18030",
    };
    let whole = std::str::from_utf8(record.as_slice()).map_err(|_| not_text)?;
    cells.truncate(record.len());
    let mut start = 0;
    for (i, field) in record.iter().enumerate() {
        let end = start + field.len();
        let text = whole.get(start..end).ok_or(not_text)?;
        start = end;
        match cells.get_mut(i) {
            Some(cell) => {
                cell.clear();
                cell.push_str(text);
            }
            None => cells.push(text.to_owned()),
        }
    }
    Ok(())
}

/// Streams GBK/GB18030 bytes as UTF-8. Malformed input is reported as an
/// `InvalidData` error rather than silently replaced, so no mojibake enters.
struct GbkDecoder<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    input_len: usize,
    output: Vec<u8>,
    output_pos: usize,
    eof: bool,
}

impl<R: Read> GbkDecoder<R> {
    fn new(inner: R) -> Self {
        GbkDecoder {
            inner,
            decoder: encoding_rs::GB18030.new_decoder_without_bom_handling(),
            input: vec![0; 1 << 15],
            input_len: 0,
            output: Vec::new(),
            output_pos: 0,
            eof: false,
        }
    }
}

impl<R: Read> Read for GbkDecoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.output_pos >= self.output.len() {
            if self.eof {
                return Ok(0);
            }
            let n = self.inner.read(&mut self.input[self.input_len..])?;
            self.input_len += n;
            let last = n == 0;
            self.output.clear();
            self.output_pos = 0;
            let capacity = self
                .decoder
                .max_utf8_buffer_length_without_replacement(self.input_len)
                .unwrap_or(self.input_len * 3 + 16);
            self.output.resize(capacity, 0);
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[..self.input_len],
                &mut self.output,
                last,
            );
            if let encoding_rs::DecoderResult::Malformed(_, _) = result {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "the text is not valid GBK/GB18030; check the file's encoding \
                     (set `encoding = \"utf-8\"` under [inputs] if it is UTF-8)",
                ));
            }
            self.output.truncate(written);
            self.input.copy_within(read..self.input_len, 0);
            self.input_len -= read;
            self.eof = last;
        }
        let n = buf.len().min(self.output.len() - self.output_pos);
        buf[..n].copy_from_slice(&self.output[self.output_pos..self.output_pos + n]);
        self.output_pos += n;
        Ok(n)
    }
}

/// Refuses a workbook whose parts declare more than `limit` bytes of
/// uncompressed content (an XLSX is a zip of XML) before anything is
/// inflated: a small file that expands to gigabytes of XML would otherwise
/// grow memory without bound. The sizes checked are the ones the archive's
/// central directory declares (what the issue's bomb declared); a part that
/// lies about its size is not bounded here.
pub fn check_workbook_size(path: &Path, limit: u64) -> Result<(), IngestError> {
    // An XLS is no archive: nothing in it is compressed, and
    // `workbook::check_xls` bounds what calamine builds from it.
    if super::workbook::is_compound_file(path) {
        return Ok(());
    }
    let file =
        File::open(path).map_err(|e| IngestError::file(path, format!("cannot open: {e}")))?;
    let unreadable =
        |e: zip::result::ZipError| IngestError::file(path, format!("not a readable workbook: {e}"));
    let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(unreadable)?;
    // The central directory's sizes: what the parts declare they inflate to.
    let mut size = 0u64;
    for i in 0..archive.len() {
        let part = archive.by_index_raw(i).map_err(unreadable)?;
        size = size.saturating_add(part.size());
    }
    if size > limit {
        return Err(IngestError::file(
            path,
            format!(
                "the workbook declares {size} bytes of XML once unpacked, more than [ingest] \
                 max_workbook_expanded allows ({limit} bytes); it is refused unread (a \
                 decompression bomb?). If it is genuine, raise the setting in the pipeline file"
            ),
        ));
    }
    // calamine reserves room for as many shared strings as the part's
    // `uniqueCount` says before reading one: `uniqueCount="99999999999"` in
    // a workbook of a few kilobytes aborted the process (found by the fuzz
    // harness). A string takes at least `<si/>`, five bytes of its part.
    for i in 0..archive.len() {
        let part = archive.by_index(i).map_err(unreadable)?;
        if !part
            .name()
            .map_err(unreadable)?
            .to_ascii_lowercase()
            .ends_with(".xml")
        {
            continue;
        }
        let part_size = part.size();
        let shared = part
            .name()
            .map_err(unreadable)?
            .to_ascii_lowercase()
            .ends_with("sharedstrings.xml");
        let declared = if shared {
            // The shared strings are searched whole: the fuzz harness put
            // 128 kB before the `sst` tag and `uniqueCount="24294967295"`
            // past the head, and calamine reserved 583 GB (an abort).
            scan_unique_count(part)
        } else {
            let mut head = Vec::new();
            part.take(SHARED_STRINGS_HEAD)
                .read_to_end(&mut head)
                .map(|_| declared_unique_count(&head))
        }
        .map_err(|e| IngestError::file(path, format!("not a readable workbook: {e}")))?;
        if let Some(count) = declared
            && count.is_none_or(|n| n > part_size / 5)
        {
            return Err(IngestError::file(
                path,
                format!(
                    "the workbook's shared strings declare a uniqueCount that a part of \
                     {part_size} bytes cannot hold; it is refused unread"
                ),
            ));
        }
    }
    Ok(())
}

/// Every `uniqueCount` attribute of a part, read in chunks, as
/// [`declared_unique_count`] reads one buffer: a value cut by a chunk's end
/// is read again with the next chunk (a value that long is no plain
/// number). Text in a shared string that looks like the attribute counts
/// too (it can only refuse a workbook, never let one through).
fn scan_unique_count(mut part: impl Read) -> std::io::Result<Option<Option<u64>>> {
    const KEY: &[u8] = b"uniqueCount";
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    let mut found: Option<Option<u64>> = None;
    let mut merge = |n: Option<u64>| {
        found = Some(match (found, n) {
            (Some(None), _) | (_, None) => None,
            (Some(Some(m)), Some(n)) => Some(n.max(m)),
            (None, Some(n)) => Some(n),
        });
    };
    loop {
        let n = part.read(&mut chunk)?;
        let eof = n == 0;
        buf.extend_from_slice(&chunk[..n]);
        let mut keep_from = buf.len().saturating_sub(KEY.len() - 1);
        let mut from = 0;
        while let Some(at) = buf[from..].windows(KEY.len()).position(|w| w == KEY) {
            let key = from + at;
            from = key + KEY.len();
            let rest = buf[from..].trim_ascii_start();
            let complete = match rest.strip_prefix(b"=").map(<[u8]>::trim_ascii_start) {
                Some([q @ (b'"' | b'\''), value @ ..]) => value.contains(q),
                Some([_, ..]) => true,
                _ => false,
            };
            if !complete && !eof {
                if key + 64 >= buf.len() {
                    // Read again, whole, with the next chunk.
                    keep_from = key;
                    break;
                }
                merge(None);
                continue;
            }
            match declared_unique_count(&buf[key..]) {
                Some(n) if complete => merge(n),
                Some(_) | None => merge(None),
            }
        }
        if eof {
            return Ok(found);
        }
        buf.drain(..keep_from);
    }
}

/// How much of each XML part is searched for a `uniqueCount` attribute.
const SHARED_STRINGS_HEAD: u64 = 64 << 10;

/// The `uniqueCount` attributes in `head`: `None` when there is none,
/// `Some(None)` when one is not a plain number, else the largest.
fn declared_unique_count(head: &[u8]) -> Option<Option<u64>> {
    const KEY: &[u8] = b"uniqueCount";
    let mut found = None;
    let mut from = 0;
    while let Some(at) = head[from..].windows(KEY.len()).position(|w| w == KEY) {
        let rest = &head[from + at + KEY.len()..];
        from += at + KEY.len();
        let rest = rest.trim_ascii_start();
        let Some(rest) = rest.strip_prefix(b"=") else {
            continue;
        };
        let rest = rest.trim_ascii_start();
        let value = match rest.first() {
            Some(&q @ (b'"' | b'\'')) => rest[1..].split(|&b| b == q).next().unwrap_or(&[]),
            _ => rest,
        };
        let n = std::str::from_utf8(value)
            .ok()
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|v| v.parse::<u64>().ok());
        found = Some(match (found, n) {
            (Some(None), _) | (_, None) => None,
            (Some(Some(m)), Some(n)) => Some(n.max(m)),
            (None, Some(n)) => Some(n),
        });
    }
    found
}

fn open_xlsx(
    path: &Path,
    spec: &'static TableSpec,
    sheet: Option<&str>,
) -> Result<Source, IngestError> {
    let mut workbook =
        super::workbook::open(path).map_err(|message| IngestError::file(path, message))?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(s) if names.iter().any(|n| n == s) => s.to_string(),
        Some(s) => {
            return Err(IngestError::file(
                path,
                format!(
                    "no sheet named `{s}`; the workbook has {}",
                    names.join(", ")
                ),
            ));
        }
        None => names
            .first()
            .cloned()
            .ok_or_else(|| IngestError::file(path, "the workbook has no sheet"))?,
    };
    let cells = sheet_cells(&mut workbook, &name)
        .map_err(|e| IngestError::file(path, format!("cannot read sheet `{name}`: {e}")))?;
    let (header, records) = sheet_records(cells, spec).ok_or_else(|| {
        IngestError::file(
            path,
            format!("sheet `{name}` has no header in row 1; expected the column names there"),
        )
    })?;
    Ok(Source {
        path: path.to_path_buf(),
        header,
        records: Records::owned(records.into_iter().map(Ok)),
    })
}

/// Runs a reader, turning a panic inside it into an error naming the file:
/// calamine panics on some malformed sheets (cell references that overflow
/// its arithmetic), the Parquet reader on some corrupted metadata (both
/// found by the fuzz harness).
fn guarded<T>(
    path: &Path,
    read: impl FnOnce() -> Result<T, IngestError>,
) -> Result<T, IngestError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(IngestError::file(
            path,
            "not readable: the file is malformed (the reader gave up)",
        ))
    })
}

/// Columns of a sheet (XFD, Excel's last); cells further right are not read.
const MAX_COLUMNS: u32 = 16_384;

/// A workbook cell: its (row, column), 0-based and absolute, and value.
type SheetCell = ((u32, u32), Data);

/// A sheet's non-empty cells as ((row, column), value), 0-based and
/// absolute. An XLSX or XLSB sheet is read cell by cell, so memory follows
/// the cells present, never the sheet's extent: calamine's `worksheet_range`
/// fills the bounding box, and one cell at XFD1048576 beside A1 makes that
/// 17 billion cells (an abort) from a workbook of a few kilobytes. XLS and
/// ODS have no such reader: calamine builds their ranges when it opens the
/// workbook, which [`super::workbook::open`] allows only within its caps.
fn sheet_cells(
    workbook: &mut calamine::Sheets<BufReader<File>>,
    name: &str,
) -> Result<Vec<SheetCell>, String> {
    let mut cells = Vec::new();
    let mut held = 0u64;
    match workbook {
        calamine::Sheets::Xlsx(xlsx) => {
            let mut reader = xlsx
                .worksheet_cells_reader(name)
                .map_err(|e| e.to_string())?;
            while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
                keep(&mut cells, &mut held, cell.get_position(), cell.get_value())?;
            }
        }
        calamine::Sheets::Xlsb(xlsb) => {
            let mut reader = xlsb
                .worksheet_cells_reader(name)
                .map_err(|e| e.to_string())?;
            while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
                keep(&mut cells, &mut held, cell.get_position(), cell.get_value())?;
            }
        }
        other => {
            let range = other.worksheet_range(name).map_err(|e| e.to_string())?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            for (r, c, value) in range.used_cells() {
                cells.push(((r0 + r as u32, c0 + c as u32), value.clone()));
            }
        }
    }
    Ok(cells)
}

/// Bytes of text the cells of a streamed (XLSX or XLSB) sheet may hold
/// together: 1 GiB, the default of `[ingest] max_workbook_expanded`. A
/// shared string is copied into every cell that uses it: a workbook of a few
/// kilobytes whose cells all point at one long string held terabytes.
/// (64 MiB in the unit tests, so the test of the cap stays light.)
const MAX_STREAMED_TEXT: u64 = if cfg!(test) { 64 << 20 } else { 1 << 30 };

/// Keeps a streamed cell unless it is empty, counting its text against
/// [`MAX_STREAMED_TEXT`].
fn keep(
    cells: &mut Vec<SheetCell>,
    held: &mut u64,
    pos: (u32, u32),
    value: &calamine::DataRef<'_>,
) -> Result<(), String> {
    let len = match value {
        calamine::DataRef::Empty => return Ok(()),
        calamine::DataRef::SharedString(s) => s.len(),
        calamine::DataRef::String(s)
        | calamine::DataRef::DateTimeIso(s)
        | calamine::DataRef::DurationIso(s) => s.len(),
        _ => 0,
    };
    *held = held.saturating_add(len as u64);
    if *held > MAX_STREAMED_TEXT {
        return Err(format!(
            "its cells hold more than {MAX_STREAMED_TEXT} bytes of text (one shared string \
             repeated in many cells?); the sheet is refused"
        ));
    }
    cells.push((pos, Data::from(value.clone())));
    Ok(())
}

/// Cells a sheet's bounding box may span when it is read as a dense range
/// (the score-sheet workbooks, a few thousand cells): 4 million, about
/// 128 MB (the cap XLS and ODS workbooks are held to as well).
const MAX_RANGE_CELLS: u64 = super::workbook::MAX_RANGE_CELLS;

/// A sheet as calamine's dense [`calamine::Range`], built from its cells
/// only when their bounding box is at most [`MAX_RANGE_CELLS`]: a stray cell
/// at XFD1048576 is an error naming it, not an abort.
pub fn bounded_range(
    workbook: &mut calamine::Sheets<BufReader<File>>,
    name: &str,
) -> Result<calamine::Range<Data>, String> {
    let cells = sheet_cells(workbook, name)?;
    let (mut rows, mut cols) = ((u32::MAX, 0u32), (u32::MAX, 0u32));
    for ((r, c), _) in &cells {
        rows = (rows.0.min(*r), rows.1.max(*r));
        cols = (cols.0.min(*c), cols.1.max(*c));
    }
    if let Some(((r, c), _)) = cells.iter().max_by_key(|((r, c), _)| (*r, *c)) {
        let area = (rows.1 - rows.0 + 1) as u64 * (cols.1 - cols.0 + 1) as u64;
        if area > MAX_RANGE_CELLS {
            return Err(format!(
                "its cells spread over {} rows and {} columns, more than a score sheet can \
                 hold (a stray cell such as the one in row {}, column {}?)",
                rows.1 - rows.0 + 1,
                cols.1 - cols.0 + 1,
                r + 1,
                c + 1
            ));
        }
    }
    Ok(calamine::Range::from_sparse(
        cells
            .into_iter()
            .map(|(pos, value)| calamine::Cell::new(pos, value))
            .collect(),
    ))
}

/// A sheet's header (row 1) and its records, from its non-empty cells. A
/// record's cells run from column A to the last column the header gives a
/// contract column (none further is ever read), so a stray cell far to the
/// right costs nothing; rows with no content are spreadsheet padding. `None`
/// when row 1 is empty.
fn sheet_records(
    mut cells: Vec<SheetCell>,
    spec: &TableSpec,
) -> Option<(Vec<String>, Vec<RawRecord>)> {
    cells.sort_by_key(|(pos, _)| *pos);
    let mut rows: Vec<(u32, Vec<(u32, String)>)> = Vec::new();
    for ((r, c), value) in cells {
        let text = cell_text(&value);
        if text.is_empty() || c >= MAX_COLUMNS {
            continue;
        }
        match rows.last_mut() {
            Some((row, cells)) if *row == r => cells.push((c, text)),
            _ => rows.push((r, vec![(c, text)])),
        }
    }
    let dense = |cells: Vec<(u32, String)>, width: usize| {
        let mut text = vec![String::new(); width];
        for (c, t) in cells {
            if let Some(slot) = text.get_mut(c as usize) {
                *slot = t;
            }
        }
        text
    };
    let mut rows = rows.into_iter();
    let header = match rows.next() {
        Some((0, cells)) => {
            let width = cells.last().map_or(0, |(c, _)| *c as usize + 1);
            dense(cells, width)
        }
        _ => return None,
    };
    let width = header
        .iter()
        .rposition(|h| spec.column_for_header(h).is_some())
        .map_or(0, |i| i + 1);
    let records = rows
        .filter_map(|(r, cells)| {
            let mut text = dense(cells, width);
            while text.last().is_some_and(String::is_empty) {
                text.pop();
            }
            (!text.is_empty()).then(|| RawRecord {
                row: r as u64 + 1,
                cells: text,
            })
        })
        .collect();
    Some((header, records))
}

/// The text of a workbook cell; date cells become `YYYY-MM-DD`.
pub fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => format_number(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if dt.is_datetime() => t.date().format("%Y-%m-%d").to_string(),
            _ => format_number(dt.as_f64()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Whole numbers without a trailing `.0`, so an id typed as a number reads back
/// as written.
pub fn format_number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

fn open_parquet(path: &Path) -> Result<Source, IngestError> {
    let file =
        File::open(path).map_err(|e| IngestError::file(path, format!("cannot open: {e}")))?;
    // Every column is read as text, so the Arrow schema a writer may embed
    // is not needed; decoding it panicked on a corrupted one (the fuzz
    // harness), so it is skipped, and a panic in the reader is an error.
    let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    let builder = guarded(path, || {
        ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)
            .map_err(|e| IngestError::file(path, format!("not a readable Parquet file: {e}")))
    })?;
    guarded(path, || check_parquet_dictionaries(path))?;
    let header: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let reader = builder
        .with_batch_size(8192)
        .build()
        .map_err(|e| IngestError::file(path, format!("not a readable Parquet file: {e}")))?;
    let owned = path.to_path_buf();
    let mut position = 0u64;
    let mut reader = Some(reader);
    let batches = std::iter::from_fn(move || {
        let next =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reader.as_mut()?.next()));
        next.unwrap_or_else(|_| {
            reader = None;
            Some(Err(datafusion::arrow::error::ArrowError::ParquetError(
                "its data is malformed (the Parquet reader gave up)".into(),
            )))
        })
    });
    let iter = batches.flat_map(move |batch| -> Vec<Result<RawRecord, IngestError>> {
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                return vec![Err(IngestError::file(
                    &owned,
                    format!("unreadable Parquet data: {e}"),
                ))];
            }
        };
        let columns: Result<Vec<_>, _> = batch
            .columns()
            .iter()
            .map(|c| cast(c, &DataType::Utf8))
            .collect();
        let columns = match columns {
            Ok(c) => c,
            Err(e) => {
                return vec![Err(IngestError::file(
                    &owned,
                    format!("a column cannot be read as text: {e}"),
                ))];
            }
        };
        (0..batch.num_rows())
            .map(|i| {
                position += 1;
                let cells = columns
                    .iter()
                    .map(|c| {
                        if c.is_null(i) {
                            String::new()
                        } else {
                            c.as_string::<i32>().value(i).to_string()
                        }
                    })
                    .collect();
                Ok(RawRecord {
                    row: position,
                    cells,
                })
            })
            .collect()
    });
    Ok(Source {
        path: path.to_path_buf(),
        header,
        records: Records::owned(iter),
    })
}

/// Refuses a column chunk whose dictionary page claims more values than its
/// bytes can hold. The Parquet reader sizes the dictionary by the page
/// header's count: a 1 kB fuzz input that claimed a billion dates took
/// 5.6 GB (found by the fuzz harness, session 8). Only the first page of
/// each chunk is read (a dictionary page comes first); PLAIN dictionary
/// values take at least their width, a string at least its 4-byte length.
fn check_parquet_dictionaries(path: &Path) -> Result<(), IngestError> {
    use parquet::basic::Type;
    use parquet::column::page::Page;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let refuse = |message: String| IngestError::file(path, message);
    let file = File::open(path).map_err(|e| refuse(format!("cannot open: {e}")))?;
    let reader = SerializedFileReader::new(file)
        .map_err(|e| refuse(format!("not a readable Parquet file: {e}")))?;
    for g in 0..reader.num_row_groups() {
        let group = reader
            .get_row_group(g)
            .map_err(|e| refuse(format!("not a readable Parquet file: {e}")))?;
        for c in 0..group.num_columns() {
            let column = group.metadata().column(c);
            let width: usize = match column.column_type() {
                Type::BOOLEAN => 0,
                Type::INT32 | Type::FLOAT | Type::BYTE_ARRAY => 4,
                Type::INT64 | Type::DOUBLE => 8,
                Type::INT96 => 12,
                Type::FIXED_LEN_BYTE_ARRAY => column.column_descr().type_length().max(1) as usize,
            };
            let Ok(mut pages) = group.get_column_page_reader(c) else {
                continue;
            };
            if let Some(Ok(Page::DictionaryPage {
                buf, num_values, ..
            })) = pages.next()
                && (num_values as usize).saturating_mul(width) > buf.len()
            {
                return Err(refuse(format!(
                    "not a readable Parquet file: column `{}` claims {num_values} dictionary \
                     values in {} bytes",
                    column.column_path(),
                    buf.len()
                )));
            }
        }
    }
    Ok(())
}

fn open_jsonl(path: &Path, spec: &'static TableSpec) -> Result<Source, IngestError> {
    let file =
        File::open(path).map_err(|e| IngestError::file(path, format!("cannot open: {e}")))?;
    let owned = path.to_path_buf();
    let header: Vec<String> = spec.columns.iter().map(|c| c.name.to_string()).collect();
    let mut position = 0u64;
    let iter = BufReader::new(file)
        .lines()
        .filter(|l| !matches!(l, Ok(s) if s.trim().is_empty()))
        .map(move |line| {
            position += 1;
            let line = line.map_err(|e| {
                IngestError::at_row(&owned, position, format!("unreadable line: {e}"))
            })?;
            let mut cells = vec![String::new(); spec.columns.len()];
            match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&line) {
                Ok(object) => {
                    for (key, value) in object {
                        if let Some(i) = spec.column_for_header(&key) {
                            cells[i] = json_text(value);
                        }
                    }
                    Ok(RawRecord {
                        row: position,
                        cells,
                    })
                }
                // A broken line is a bad record, not a broken file.
                Err(e) => Ok(RawRecord {
                    row: position,
                    cells: vec![format!("{MALFORMED_JSON}{e}")],
                }),
            }
        });
    Ok(Source {
        path: path.to_path_buf(),
        header,
        records: Records::owned(iter),
    })
}

/// Marks a JSON Lines record that is not a JSON object; validation turns it
/// into a row-level reject.
pub const MALFORMED_JSON: &str = "\u{0}malformed JSON: ";

fn json_text(value: serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::schema::Table;
    use std::io::Write;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.join(name);
        File::create(&p).unwrap().write_all(bytes).unwrap();
        p
    }

    fn read_all(src: Source) -> Vec<RawRecord> {
        src.records.map(Result::unwrap).collect()
    }

    #[test]
    fn a_field_is_text_only_on_its_own() {
        let mut cells = vec!["old".to_string()];
        let record = csv::ByteRecord::from(vec!["中文".as_bytes(), b"", b"a b"]);
        fill_cells(&record, &mut cells, Encoding::Utf8).unwrap();
        assert_eq!(cells, ["中文", "", "a b"]);
        // 中 is E4 B8 AD: split over two fields, the record's bytes read
        // as UTF-8 as a whole, but neither field does.
        let split = csv::ByteRecord::from(vec![&b"x\xE4"[..], &b"\xB8\xADy"[..]]);
        assert!(std::str::from_utf8(split.as_slice()).is_ok());
        let err = fill_cells(&split, &mut cells, Encoding::Utf8).unwrap_err();
        assert!(err.starts_with("the text is not valid UTF-8"), "{err}");
        let bad = csv::ByteRecord::from(vec![&b"ok"[..], &b"\xFF"[..]]);
        let err = fill_cells(&bad, &mut cells, Encoding::Gbk).unwrap_err();
        assert_eq!(err, "the text is not valid GBK/GB18030");
    }

    /// A record is plain when no byte of it may begin a refused character;
    /// a quoted line break, a control, C1 or bidi character in any field
    /// makes it not plain, so its cells get the full character check.
    #[test]
    fn a_record_is_plain_only_without_refused_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let rows = [
            ("A,2024-01-02,满意", true),
            ("\"B\nB\",2024-01-03,满意", false),
            ("C\u{1},2024-01-04,满意", false),
            ("D,2024-01-05,\u{85}", false),
            ("E,2024-01-06,“满意”", false),
            ("F,2024-01-07,\u{202E}", false),
            ("G, 2024-01-08 ,四川", true),
        ];
        let text: String = std::iter::once("case_id,contacted_on,satisfaction")
            .chain(rows.iter().map(|(row, _)| *row))
            .map(|row| format!("{row}\n"))
            .collect();
        let p = write(dir.path(), "f.csv", text.as_bytes());
        let mut src = open(&p, Table::Feedback.spec(), Encoding::Utf8, None).unwrap();
        let mut cells = Vec::new();
        for (row, plain) in rows {
            src.records.next_into(&mut cells).unwrap().unwrap();
            assert_eq!(src.records.last_plain(), plain, "{row:?}");
        }
        assert!(src.records.next_into(&mut cells).is_none());
        assert!(!src.records.last_plain());
    }

    #[test]
    fn csv_with_bom_and_quoted_line_break_counts_spreadsheet_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "f.csv", "\u{feff}case_id,contacted_on,satisfaction\nA,2024-01-02,满意\n\"B\nB\",2024-01-03,satisfied\nC,2024-01-04\n".as_bytes());
        let src = open(&p, Table::Feedback.spec(), Encoding::Utf8, None).unwrap();
        assert_eq!(src.header, vec!["case_id", "contacted_on", "satisfaction"]);
        let recs = read_all(src);
        assert_eq!(
            recs.iter().map(|r| r.row).collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
        assert_eq!(recs[1].cells[0], "B\nB");
        assert_eq!(recs[2].cells.len(), 2);
    }

    /// Issue 15, defect 4: CR, LF and CRLF inside a quoted field are data,
    /// whatever the line endings outside quotes (LF, CRLF or CR only) and the
    /// encoding; each record is one row and its field is kept whole.
    #[test]
    fn line_breaks_inside_quoted_fields_stay_data() {
        let dir = tempfile::tempdir().unwrap();
        for (ending, name) in [("\n", "lf"), ("\r\n", "crlf"), ("\r", "cr")] {
            for (inside, label) in [("\r", "cr"), ("\n", "lf"), ("\r\n", "crlf")] {
                let text = [
                    "case_id,contacted_on,satisfaction".to_string(),
                    format!("\"A{inside}A\",2024-01-02,满意"),
                    format!("B,2024-01-03,\"不{inside}满意\""),
                    format!("\"C\"\"{inside}\"\"C\",2024-01-04,满意"),
                    "D,2024-01-05,满意".to_string(),
                ]
                .join(ending)
                    + ending;
                let (gbk, _, _) = encoding_rs::GBK.encode(&text);
                for (bytes, encoding) in [
                    (text.as_bytes().to_vec(), Encoding::Utf8),
                    (format!("\u{feff}{text}").into_bytes(), Encoding::Gbk),
                    (gbk.to_vec(), Encoding::Gbk),
                ] {
                    let p = write(dir.path(), &format!("{name}-{label}.csv"), &bytes);
                    let src = open(&p, Table::Feedback.spec(), encoding, None).unwrap();
                    assert_eq!(src.header, vec!["case_id", "contacted_on", "satisfaction"]);
                    let recs = read_all(src);
                    let case = format!("outside {name}, inside {label}, {encoding:?}");
                    assert_eq!(
                        recs.iter().map(|r| r.row).collect::<Vec<_>>(),
                        vec![2, 3, 4, 5],
                        "{case}"
                    );
                    assert!(recs.iter().all(|r| r.cells.len() == 3), "{case}: {recs:?}");
                    assert_eq!(recs[0].cells[0], format!("A{inside}A"), "{case}");
                    assert_eq!(recs[1].cells[2], format!("不{inside}满意"), "{case}");
                    assert_eq!(recs[2].cells[0], format!("C\"{inside}\"C"), "{case}");
                    assert_eq!(recs[3].cells, vec!["D", "2024-01-05", "满意"], "{case}");
                }
            }
        }
    }

    #[test]
    fn gbk_csv_decodes_when_declared_and_is_refused_when_not() {
        let dir = tempfile::tempdir().unwrap();
        let (bytes, _, _) =
            encoding_rs::GBK.encode("案件编号,回访日期,满意度\nA,2024-01-02,满意\n");
        let p = write(dir.path(), "g.csv", &bytes);
        let recs = read_all(open(&p, Table::Feedback.spec(), Encoding::Gbk, None).unwrap());
        assert_eq!(recs[0].cells[2], "满意");
        let src = open(&p, Table::Feedback.spec(), Encoding::Utf8, None);
        let err = match src {
            Err(e) => e,
            Ok(_) => panic!("undeclared GBK must be refused"),
        };
        let msg = err.to_string();
        assert!(
            msg.contains("g.csv") && msg.contains("encoding = \"gbk\""),
            "{msg}"
        );
    }

    #[test]
    fn gbk_decoder_handles_characters_split_across_reads() {
        let text = "满意度".repeat(20_000);
        let (bytes, _, _) = encoding_rs::GBK.encode(&text);
        let mut out = String::new();
        GbkDecoder::new(std::io::Cursor::new(bytes.to_vec()))
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
    }

    /// Issue 15 (found writing the fuzz harness): one cell at XFD1048576 made
    /// calamine's dense range 17 billion cells, an abort from a workbook of a
    /// few kilobytes. Read cell by cell, the sheet costs what its cells do.
    #[test]
    fn a_far_away_cell_does_not_inflate_a_workbook() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("far.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["case_id", "contacted_on", "satisfaction"]
            .iter()
            .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(1, 0, "C1").unwrap();
        ws.write_string(1, 1, "2024-01-02").unwrap();
        ws.write_string(1, 2, "满意").unwrap();
        ws.write_string(1, 9, "beyond the header").unwrap();
        ws.write_string(1_048_575, 16_383, "far away").unwrap();
        wb.save(&p).unwrap();
        let src = open(&p, Table::Feedback.spec(), Encoding::Utf8, None).unwrap();
        assert_eq!(src.header, vec!["case_id", "contacted_on", "satisfaction"]);
        let recs = read_all(src);
        assert_eq!(recs.len(), 1, "{recs:?}");
        assert_eq!(recs[0].row, 2);
        assert_eq!(recs[0].cells, vec!["C1", "2024-01-02", "满意"]);
    }

    /// A shared string is copied into every cell that uses it: one string
    /// of 32,767 characters (Excel's most) and 2,200 cells pointing at it,
    /// 150 kB zipped, held 72 MB; a million such cells, still a few
    /// megabytes zipped, 33 GB. The cells' text is counted as they stream
    /// (against 64 MiB in the unit tests, 1 GiB otherwise).
    #[test]
    fn a_shared_string_repeated_in_many_cells_is_refused_past_the_text_cap() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["case_id", "contacted_on", "satisfaction"]
            .iter()
            .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        let long = "x".repeat(32_767);
        ws.write_string(1, 0, &long).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        // The string is shared string 3: point 2,200 more cells at it.
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            let mut part = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            part.read_to_end(&mut data).unwrap();
            let name = part.name().unwrap().to_string();
            if name.ends_with("sheet1.xml") {
                let text = String::from_utf8(data).unwrap();
                let rows: String = (3..2_203)
                    .map(|r| format!("<row r=\"{r}\"><c r=\"A{r}\" t=\"s\"><v>3</v></c></row>"))
                    .collect();
                data = text
                    .replace("</sheetData>", &format!("{rows}</sheetData>"))
                    .into_bytes();
            }
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            out.start_file(name.as_str(), options).unwrap();
            out.write_all(&data).unwrap();
        }
        let p = write(
            dir.path(),
            "feedback.xlsx",
            &out.finish().unwrap().into_inner(),
        );
        assert!(check_workbook_size(&p, 64 << 20).is_ok());
        let err = open(&p, Table::Feedback.spec(), Encoding::Utf8, None)
            .err()
            .expect("refused");
        assert_eq!(err.path, p);
        assert!(
            err.message.contains("sheet `Sheet1`") && err.message.contains("bytes of text"),
            "{}",
            err.message
        );
    }

    #[test]
    fn unique_counts_are_read_from_the_head_of_a_part() {
        assert_eq!(declared_unique_count(b"<sst count=\"3\">"), None);
        assert_eq!(
            declared_unique_count(b"<sst count=\"3\" uniqueCount = '12'>"),
            Some(Some(12))
        );
        assert_eq!(
            declared_unique_count(b"<sst uniqueCount=\"+1\">"),
            Some(None)
        );
        assert_eq!(
            declared_unique_count(b"<sst uniqueCount=\"99999999999999999999999\">"),
            Some(None)
        );
    }

    /// A one-cell workbook whose shared-strings part is replaced by
    /// `replace(original)`, every part stored with `method`.
    fn with_shared_strings(
        method: zip::CompressionMethod,
        replace: impl Fn(Vec<u8>) -> Vec<u8>,
    ) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "case_id").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            let mut part = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            part.read_to_end(&mut data).unwrap();
            let name = part.name().unwrap().to_string();
            if name.ends_with("sharedStrings.xml") {
                data = replace(data);
            }
            let options = zip::write::SimpleFileOptions::default().compression_method(method);
            out.start_file(name.as_str(), options).unwrap();
            out.write_all(&data).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    /// Found by the fuzz harness: a `uniqueCount` far beyond what its part
    /// can hold made calamine reserve terabytes (an abort).
    #[test]
    fn a_huge_shared_string_count_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = with_shared_strings(zip::CompressionMethod::Stored, |data| {
            let text = String::from_utf8(data).unwrap();
            let at = text.find("uniqueCount=\"").unwrap() + 13;
            let end = at + text[at..].find('"').unwrap();
            format!("{}99999999999{}", &text[..at], &text[end..]).into_bytes()
        });
        let p = write(dir.path(), "sst.xlsx", &bytes);
        let err = check_workbook_size(&p, 64 << 20).unwrap_err();
        assert!(err.to_string().contains("uniqueCount"), "{err}");
    }

    /// Found by the 10-million-input fuzz run: the shared strings' head
    /// alone was searched, and 128 kB before the `sst` tag hid
    /// `uniqueCount="24294967295"` (calamine reserved 583 GB: an abort).
    #[test]
    fn a_huge_shared_string_count_past_the_head_is_refused() {
        let sst = |count: &str, pad: usize| {
            format!(
                "<?xml version=\"1.0\"?><!--{}--><sst xmlns=\"x\" count=\"1\" \
                 uniqueCount=\"{count}\"><si><t>a</t></si></sst>",
                "A".repeat(pad)
            )
        };
        let scan = |text: String| scan_unique_count(text.as_bytes()).unwrap();
        assert_eq!(
            scan(sst("24294967295", 128 << 10)),
            Some(Some(24_294_967_295))
        );
        assert_eq!(scan(sst("1", 128 << 10)), Some(Some(1)));
        assert_eq!(scan(sst("1", 0)), Some(Some(1)));
        assert_eq!(scan("<sst count=\"1\"/>".to_string()), None);
        // Cut by every chunk boundary: the key, the `=`, the value.
        for pad in (64 << 10) - 40..(64 << 10) + 4 {
            assert_eq!(
                scan(sst("24294967295", pad)),
                Some(Some(24_294_967_295)),
                "{pad}"
            );
        }
        // A long zero-padded value across a boundary is read whole or
        // refused, never read short.
        let long = format!("{}24294967295", "0".repeat(100));
        for pad in (64 << 10) - 160..(64 << 10) {
            let found = scan(sst(&long, pad));
            assert!(
                matches!(found, Some(Some(24_294_967_295)) | Some(None)),
                "{pad}: {found:?}"
            );
        }
        // Through the archive check.
        let dir = tempfile::tempdir().unwrap();
        let bytes = with_shared_strings(zip::CompressionMethod::Deflated, |_| {
            sst("24294967295", 128 << 10).into_bytes()
        });
        let p = write(dir.path(), "sst.xlsx", &bytes);
        let err = check_workbook_size(&p, 64 << 20).unwrap_err();
        assert!(err.to_string().contains("uniqueCount"), "{err}");
    }

    #[test]
    fn a_dense_range_is_refused_past_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("far.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "layout").unwrap();
        ws.write_string(2, 3, "x").unwrap();
        wb.save(&p).unwrap();
        let mut book = calamine::open_workbook_auto(&p).unwrap();
        let range = bounded_range(&mut book, "Sheet1").unwrap();
        assert_eq!((range.start(), range.end()), (Some((0, 0)), Some((2, 3))));
        ws_far(&p);
        let mut book = calamine::open_workbook_auto(&p).unwrap();
        let err = bounded_range(&mut book, "Sheet1").unwrap_err();
        assert!(err.contains("row 1048576, column 16384"), "{err}");
    }

    fn ws_far(p: &Path) {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "layout").unwrap();
        ws.write_string(1_048_575, 16_383, "far").unwrap();
        wb.save(p).unwrap();
    }

    #[test]
    fn empty_file_is_a_file_level_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "e.csv", b"");
        let err = open(&p, Table::Feedback.spec(), Encoding::Utf8, None)
            .err()
            .unwrap();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn jsonl_maps_keys_and_counts_positions() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "f.jsonl",
            "{\"case_id\":\"A\",\"contacted_on\":\"2024-01-02\",\"满意度\":\"满意\"}\n\n{\"case_id\":7}\nnot json\n".as_bytes(),
        );
        let recs = read_all(open(&p, Table::Feedback.spec(), Encoding::Utf8, None).unwrap());
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0].cells, vec!["A", "2024-01-02", "满意"]);
        assert_eq!(recs[1].cells[0], "7");
        assert_eq!(recs[2].row, 3);
        assert!(recs[2].cells[0].starts_with(MALFORMED_JSON));
    }

    /// Found by the fuzz harness (session 8, seed 1001, input 1,731,268):
    /// 1,070 bytes whose dictionary page claims far more dates than it
    /// holds; the Parquet reader took 5.6 GB for it. It is refused, naming
    /// the column, before the reader sizes anything.
    #[test]
    fn a_parquet_dictionary_claiming_more_values_than_its_bytes_is_refused() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz-finds/dictionary-claims-a-billion.parquet");
        let err = match open(&path, Table::Feedback.spec(), Encoding::Utf8, None) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("the file opened"),
        };
        assert!(
            err.contains("contacted_on") && err.contains("dictionary values"),
            "{err}"
        );
        // A valid file with dictionaries still opens.
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("f.parquet");
        let batch = datafusion::arrow::record_batch::RecordBatch::try_from_iter([(
            "case_id",
            std::sync::Arc::new(datafusion::arrow::array::StringArray::from(vec![
                "C1", "C1", "C2",
            ])) as std::sync::Arc<dyn Array>,
        )])
        .unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(
            File::create(&good).unwrap(),
            batch.schema(),
            None,
        )
        .unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        assert!(check_parquet_dictionaries(&good).is_ok());
    }

    #[test]
    fn numbers_read_back_as_written() {
        assert_eq!(format_number(12.0), "12");
        assert_eq!(format_number(3.5), "3.5");
        assert_eq!(format_number(123456789012345.0), "123456789012345");
    }
}
