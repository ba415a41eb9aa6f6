//! Arrow record batches as formatted worksheets a reviewer can use (issue 16
//! #12): a title row (what, period, as-of), Chinese column headers in a
//! frozen row below it, column widths fitted to the longest cell with a
//! Chinese character counting two, shares as percentages (the value stays
//! the number), dates as date cells, booleans as 是/否, and a print set-up
//! (A4 landscape, fitted to the page width, the header repeated on every
//! page). Text is always written as a string cell (never a formula), and text
//! that a spreadsheet would read as a formula gets Excel's quote prefix.

use datafusion::arrow::array::{
    Array, AsArray, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, StringArray,
};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Worksheet, XlsxError};

/// The row (0-based) of a table sheet's header: row 0 holds the title.
pub const HEADER_ROW: u32 = 1;

/// The narrowest and the widest column, in characters (Excel's unit, about
/// one Latin character; a Chinese character takes two).
const MIN_WIDTH: usize = 6;
const MAX_WIDTH: usize = 50;

/// A column's width from its longest cell (header included), a Chinese
/// character counting two, within [`MIN_WIDTH`]…[`MAX_WIDTH`], plus a
/// margin.
pub fn column_width<'a>(cells: impl IntoIterator<Item = &'a str>) -> f64 {
    fitted_width(cells.into_iter().map(display_width).max().unwrap_or(0))
}

/// A column's width from the display width of its longest cell.
fn fitted_width(widest: usize) -> f64 {
    (widest.clamp(MIN_WIDTH, MAX_WIDTH) + 2) as f64
}

/// Whether a column holds shares (0…1) to be shown as percentages.
fn is_share(name: &str) -> bool {
    name.starts_with("share_") || name.ends_with("_share") || name.ends_with("_rate")
}

/// The print set-up of a table sheet: A4 landscape, every column on one
/// page width (as many pages down as needed), `header_row` repeated on
/// every page, the page number in the footer.
pub fn print_setup(ws: &mut Worksheet, header_row: u32) -> Result<(), XlsxError> {
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(header_row, header_row)?;
    ws.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

use crate::ingest::value::from_date32;

/// Whether a text cell would be read as a formula or command by a
/// spreadsheet (publication.md, privacy rule 4).
///
/// A plain decimal number such as `-3.5` or `+7` is not formula-like:
/// spreadsheets read it as the number it is (but `-1e5` or `-inf` are text).
pub fn formula_like(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_number(text)
}

/// `[+-]?digits[.digits]`, nothing else.
fn is_plain_number(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let mut parts = body.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    !int.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

/// A CSV text cell with a formula-like start neutralised by a leading
/// apostrophe.
pub fn neutralise_csv(text: &str) -> String {
    if formula_like(text) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// A text's width in display columns, as a spreadsheet or a browser lays it
/// out: a wide character (CJK ideographs and punctuation, full-width forms,
/// Hangul, kana) counts two, any other one.
pub fn display_width(text: &str) -> usize {
    // Most cells are ASCII (ids, dates, figures): one column a byte.
    if text.is_ascii() {
        return text.len();
    }
    text.chars().map(char_width).sum()
}

/// A character's width in display columns: two for a wide one, else one.
pub fn char_width(c: char) -> usize {
    if is_wide(c) { 2 } else { 1 }
}

/// East Asian wide and full-width characters (the blocks Chinese text uses).
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}

/// A batch column as [`write_batches`] writes it, its kind decided once per
/// column rather than per cell.
enum Column<'a> {
    Text(&'a StringArray),
    /// A share (0…1) shown as a percentage.
    Share(&'a Float64Array),
    Float(&'a Float64Array),
    Int64(&'a Int64Array),
    Int32(&'a Int32Array),
    Bool(&'a BooleanArray),
    Date(&'a Date32Array),
    /// A type no table has: its name in brackets, so that it shows.
    Other(&'a dyn Array, String),
}

impl<'a> Column<'a> {
    fn of(column: &'a dyn Array, name: &str) -> Self {
        match column.data_type() {
            DataType::Utf8 => Self::Text(column.as_string::<i32>()),
            DataType::Float64 if is_share(name) => Self::Share(column.as_primitive()),
            DataType::Float64 => Self::Float(column.as_primitive()),
            DataType::Int64 => Self::Int64(column.as_primitive()),
            DataType::Int32 => Self::Int32(column.as_primitive()),
            DataType::Boolean => Self::Bool(column.as_boolean()),
            DataType::Date32 => Self::Date(column.as_primitive()),
            other => Self::Other(column, format!("({other})")),
        }
    }

    fn array(&self) -> &dyn Array {
        match self {
            Self::Text(a) => *a,
            Self::Share(a) | Self::Float(a) => *a,
            Self::Int64(a) => *a,
            Self::Int32(a) => *a,
            Self::Bool(a) => *a,
            Self::Date(a) => *a,
            Self::Other(a, _) => *a,
        }
    }
}

/// A date as a spreadsheet date cell. A year outside what a spreadsheet
/// holds is refused, as `ExcelDateTime::parse_from_str` refuses it.
fn excel_date(d: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    let year = u16::try_from(d.year()).unwrap_or(0);
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8)?.and_hms(0, 0, 0)
}

/// Writes `title` in row 0 and `batches` (all of one schema) below it with
/// `headers` (one label per column) in [`HEADER_ROW`], freezing the rows
/// down to the header, fitting widths and setting up the print.
pub fn write_batches(
    ws: &mut Worksheet,
    title: &str,
    headers: &[String],
    batches: &[RecordBatch],
) -> Result<(), XlsxError> {
    let title_format = Format::new().set_bold().set_font_size(12);
    let bold = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border_bottom(FormatBorder::Thin);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let percent = Format::new().set_num_format("0.0%");
    let quoted = Format::new().set_quote_prefix();
    ws.write_string_with_format(0, 0, title, &title_format)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, c as u16, h, &bold)?;
    }
    // The display width of each column's longest text, as shown. Cells are
    // measured without building a text per cell: numbers are formatted into
    // one reused buffer, text is measured where it lies.
    let mut widest: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    let mut shown = |c: usize, width: usize| {
        if let Some(w) = widest.get_mut(c) {
            *w = (*w).max(width);
        }
    };
    let mut formatted = String::new();
    let mut width_of = |args: std::fmt::Arguments<'_>| {
        use std::fmt::Write;
        formatted.clear();
        formatted.write_fmt(args).expect("formatting into a String");
        formatted.len()
    };
    let mut row = HEADER_ROW + 1;
    for batch in batches {
        let columns: Vec<Column<'_>> = batch
            .columns()
            .iter()
            .zip(batch.schema_ref().fields())
            .map(|(column, field)| Column::of(column.as_ref(), field.name()))
            .collect();
        for i in 0..batch.num_rows() {
            for (j, column) in columns.iter().enumerate() {
                let c = j as u16;
                if column.array().is_null(i) {
                    continue;
                }
                match column {
                    Column::Text(a) => {
                        let text = a.value(i);
                        if formula_like(text) {
                            ws.write_string_with_format(row, c, text, &quoted)?;
                        } else {
                            ws.write_string(row, c, text)?;
                        }
                        shown(j, display_width(text));
                    }
                    Column::Share(a) => {
                        let v = a.value(i);
                        ws.write_number_with_format(row, c, v, &percent)?;
                        shown(j, width_of(format_args!("{:.1}%", v * 100.0)));
                    }
                    Column::Float(a) => {
                        let v = a.value(i);
                        ws.write_number(row, c, v)?;
                        shown(j, width_of(format_args!("{v}")));
                    }
                    Column::Int64(a) => {
                        let v = a.value(i);
                        ws.write_number(row, c, v as f64)?;
                        shown(j, width_of(format_args!("{v}")));
                    }
                    Column::Int32(a) => {
                        let v = a.value(i);
                        ws.write_number(row, c, f64::from(v))?;
                        shown(j, width_of(format_args!("{v}")));
                    }
                    Column::Bool(a) => {
                        ws.write_string(row, c, if a.value(i) { "是" } else { "否" })?;
                    }
                    Column::Date(a) => {
                        let d = from_date32(a.value(i));
                        ws.write_datetime_with_format(row, c, &excel_date(d)?, &date)?;
                        shown(j, "yyyy-mm-dd".len());
                    }
                    Column::Other(_, text) => {
                        ws.write_string(row, c, text)?;
                        shown(j, display_width(text));
                    }
                }
            }
            row += 1;
        }
    }
    for (c, &width) in widest.iter().enumerate() {
        ws.set_column_width(c as u16, fitted_width(width))?;
    }
    ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
    print_setup(ws, HEADER_ROW)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_but_not_numbers() {
        for t in ["=1+1", "+cmd", "-x", "@SUM(A1)", "\tx", "\rx"] {
            assert!(formula_like(t), "{t:?}");
        }
        for t in ["-3.5", "+4", "张三", "a=b", ""] {
            assert!(!formula_like(t), "{t:?}");
        }
        assert_eq!(neutralise_csv("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise_csv("-3.5"), "-3.5");
    }

    #[test]
    fn widths_come_from_the_longest_cell_within_bounds() {
        assert_eq!(column_width(["是"]), 8.0, "at least MIN_WIDTH");
        assert_eq!(column_width(["姓名", "司马婷"]), 8.0);
        assert_eq!(column_width(["律师事务所", "四川云辰律师事务所"]), 20.0);
        assert_eq!(column_width(["2025-01-20", "日期"]), 12.0);
        let long = "很".repeat(40);
        assert_eq!(column_width([long.as_str()]), 52.0, "at most MAX_WIDTH");
        assert!(is_share("share_competent") && !is_share("n_competent"));
    }

    #[test]
    fn a_date_cell_is_the_one_its_iso_text_parses_to() {
        let dates = [
            (1900, 3, 1),
            (2024, 2, 29),
            (2025, 12, 31),
            (9999, 12, 31),
            (1899, 12, 31),
            (1800, 1, 1),
            (-1, 1, 1),
            (10000, 1, 1),
        ];
        let mut refused = 0;
        for (y, m, d) in dates {
            let date = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let text = date.format("%Y-%m-%d").to_string();
            match (excel_date(date), ExcelDateTime::parse_from_str(&text)) {
                (Ok(cell), Ok(parsed)) => assert_eq!(cell.to_excel(), parsed.to_excel(), "{text}"),
                (Err(_), Err(_)) => refused += 1,
                (cell, parsed) => panic!("{text}: {:?} vs {:?}", cell.is_ok(), parsed.is_ok()),
            }
        }
        assert!(refused >= 2, "years a spreadsheet cannot hold are refused");
    }

    #[test]
    fn a_chinese_character_counts_two() {
        assert_eq!(display_width(""), 0);
        assert_eq!(display_width("2025-01-20"), 10);
        assert_eq!(display_width("彭金德"), 6);
        assert_eq!(display_width("区（市）县"), 10);
        assert_eq!(display_width("N4：回溯"), 8);
        assert_eq!(display_width("83.35 (B)"), 9);
    }
}
