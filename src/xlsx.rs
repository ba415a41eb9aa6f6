//! Arrow record batches as formatted worksheets: Chinese column headers,
//! frozen header row, fitted column widths, dates as date cells, booleans as
//! 是/否. Text is always written as a string cell (never a formula), and text
//! that a spreadsheet would read as a formula gets Excel's quote prefix.

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type, Int32Type, Int64Type};
use datafusion::arrow::record_batch::RecordBatch;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Worksheet, XlsxError};

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

/// Writes `batches` (all of one schema) from row 0 with `headers` (one label
/// per column), freezing the header row and fitting widths.
pub fn write_batches(
    ws: &mut Worksheet,
    headers: &[String],
    batches: &[RecordBatch],
) -> Result<(), XlsxError> {
    let bold = Format::new()
        .set_bold()
        .set_border_bottom(FormatBorder::Thin);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let quoted = Format::new().set_quote_prefix();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
    }
    let mut row = 1u32;
    for batch in batches {
        for i in 0..batch.num_rows() {
            for (c, column) in batch.columns().iter().enumerate() {
                let c = c as u16;
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
                    }
                    DataType::Float64 => {
                        ws.write_number(row, c, column.as_primitive::<Float64Type>().value(i))?;
                    }
                    DataType::Int64 => {
                        ws.write_number(
                            row,
                            c,
                            column.as_primitive::<Int64Type>().value(i) as f64,
                        )?;
                    }
                    DataType::Int32 => {
                        ws.write_number(
                            row,
                            c,
                            column.as_primitive::<Int32Type>().value(i) as f64,
                        )?;
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
                    }
                    other => {
                        ws.write_string(row, c, format!("({other})"))?;
                    }
                }
            }
            row += 1;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofit();
    Ok(())
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
    fn a_chinese_character_counts_two() {
        assert_eq!(display_width(""), 0);
        assert_eq!(display_width("2025-01-20"), 10);
        assert_eq!(display_width("彭金德"), 6);
        assert_eq!(display_width("区（市）县"), 10);
        assert_eq!(display_width("N4：回溯"), 8);
        assert_eq!(display_width("83.35 (B)"), 9);
    }
}
