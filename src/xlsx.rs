//! Arrow record batches as formatted worksheets a reviewer can use (issue 16
//! #12): a title row (what, period, as-of), Chinese column headers in a
//! frozen row below it, column widths fitted to the longest cell with a
//! Chinese character counting two, shares as percentages (the value stays
//! the number), dates as date cells, booleans as 是/否, and a print set-up
//! (A4 landscape, fitted to the page width, the header repeated on every
//! page). Text is always written as a string cell (never a formula), and text
//! that a spreadsheet would read as a formula gets Excel's quote prefix.

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type, Int32Type, Int64Type};
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
    let widest = cells.into_iter().map(display_width).max().unwrap_or(0);
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
    text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
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
    // The longest text of each column, as shown.
    let mut widest: Vec<String> = headers.to_vec();
    let mut shown = |c: usize, text: String| {
        if let Some(w) = widest.get_mut(c)
            && display_width(&text) > display_width(w)
        {
            *w = text;
        }
    };
    let mut row = HEADER_ROW + 1;
    for batch in batches {
        let schema = batch.schema();
        for i in 0..batch.num_rows() {
            for (j, column) in batch.columns().iter().enumerate() {
                let c = j as u16;
                if column.is_null(i) {
                    continue;
                }
                match column.data_type() {
                    DataType::Utf8 => {
                        let text = column.as_string::<i32>().value(i);
                        if formula_like(text) {
                            ws.write_string_with_format(row, c, text, &quoted)?;
                        } else {
                            ws.write_string(row, c, text)?;
                        }
                        shown(j, text.to_string());
                    }
                    DataType::Float64 => {
                        let v = column.as_primitive::<Float64Type>().value(i);
                        if is_share(schema.field(j).name()) {
                            ws.write_number_with_format(row, c, v, &percent)?;
                            shown(j, format!("{:.1}%", v * 100.0));
                        } else {
                            ws.write_number(row, c, v)?;
                            shown(j, v.to_string());
                        }
                    }
                    DataType::Int64 => {
                        let v = column.as_primitive::<Int64Type>().value(i);
                        ws.write_number(row, c, v as f64)?;
                        shown(j, v.to_string());
                    }
                    DataType::Int32 => {
                        let v = column.as_primitive::<Int32Type>().value(i);
                        ws.write_number(row, c, f64::from(v))?;
                        shown(j, v.to_string());
                    }
                    DataType::Boolean => {
                        ws.write_string(
                            row,
                            c,
                            if column.as_boolean().value(i) {
                                "是"
                            } else {
                                "否"
                            },
                        )?;
                    }
                    DataType::Date32 => {
                        let d = from_date32(column.as_primitive::<Date32Type>().value(i));
                        let cell =
                            ExcelDateTime::parse_from_str(&d.format("%Y-%m-%d").to_string())?;
                        ws.write_datetime_with_format(row, c, &cell, &date)?;
                        shown(j, "yyyy-mm-dd".into());
                    }
                    other => {
                        let text = format!("({other})");
                        ws.write_string(row, c, &text)?;
                        shown(j, text);
                    }
                }
            }
            row += 1;
        }
    }
    for (c, text) in widest.iter().enumerate() {
        ws.set_column_width(c as u16, column_width([text.as_str()]))?;
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
    fn a_chinese_character_counts_two() {
        assert_eq!(display_width(""), 0);
        assert_eq!(display_width("2025-01-20"), 10);
        assert_eq!(display_width("彭金德"), 6);
        assert_eq!(display_width("区（市）县"), 10);
        assert_eq!(display_width("N4：回溯"), 8);
        assert_eq!(display_width("83.35 (B)"), 9);
    }
}
