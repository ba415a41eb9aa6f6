//! The same tables from every accepted form: GBK and BOM-marked CSV, Chinese
//! headers and labels, XLSX (with real date cells and a named sheet),
//! Parquet (text and typed columns) and JSON Lines.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Date32Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::fixture::*;

fn table_line(stdout: &str, table: &str) -> Vec<String> {
    stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(table))
        .unwrap_or_else(|| panic!("no line for {table} in {stdout}"))
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Validates and asserts `table` was read fully with no reject.
fn assert_clean(f: &Fixture, dir: &tempfile::TempDir, table: &str, rows: usize) {
    f.write(dir.path());
    let out = legalaid(
        &["validate", "pipeline.toml", "--rejects", "rej"],
        dir.path(),
    );
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    let n = rows.to_string();
    assert_eq!(
        table_line(&text, table)[1..4],
        [n.clone(), n, "0".to_string()],
        "{text}"
    );
}

/// The fixture's lawyers with Chinese headers and Chinese enumeration labels.
fn chinese_lawyers(f: &mut Fixture) {
    let s = f.sheet("lawyers");
    s.header = [
        "执业证号",
        "姓名",
        "性别",
        "律师事务所",
        "律所统一社会信用代码",
        "区县",
        "首次执业日期",
        "执业类别",
        "擅长领域",
        "执业状态",
    ]
    .map(String::from)
    .to_vec();
    s.set(0, "性别", "女");
    s.set(0, "执业类别", "专职");
    s.set(0, "首次执业日期", "2010/5/1");
    s.set(2, "执业状态", "停止执业");
}

#[test]
fn gbk_csv_with_chinese_headers_and_labels() {
    let mut f = Fixture::valid();
    chinese_lawyers(&mut f);
    f.pipeline_extra = String::new();
    let dir = tempfile::tempdir().unwrap();
    let csv_text = f.sheet("lawyers").to_csv();
    let (bytes, _, _) = encoding_rs::GBK.encode(&csv_text);
    std::fs::write(dir.path().join("lawyers.csv"), &bytes).unwrap();
    // undeclared: a clear error suggesting the setting, nothing written
    f.write(dir.path());
    let out = legalaid(
        &["validate", "pipeline.toml", "--rejects", "rej"],
        dir.path(),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("lawyers.csv") && err.contains("encoding = \"gbk\""),
        "{err}"
    );
    assert!(!dir.path().join("rej").exists());
    // declared: reads cleanly; the other files are UTF-8, so they get a BOM,
    // which settles their encoding whatever the pipeline declares
    declare_gbk(dir.path(), &["lawyers"]);
    let out = legalaid(
        &["validate", "pipeline.toml", "--rejects", "rej"],
        dir.path(),
    );
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    assert_eq!(table_line(&text, "lawyers")[1..4], ["3", "3", "0"]);
    assert_eq!(table_line(&text, "reviews")[1..4], ["68", "68", "0"]);
}

#[test]
fn bom_csv_is_read_as_utf8() {
    let f = Fixture::valid();
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(f.clone().sheet("cases").to_csv().into_bytes());
    std::fs::write(dir.path().join("cases.csv"), bytes).unwrap();
    assert_clean(&f, &dir, "cases", 4);
}

fn write_xlsx(sheet: &Sheet, path: &std::path::Path, sheet_name: &str, date_columns: &[&str]) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name).unwrap();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    for (c, h) in sheet.header.iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c16) = (r as u32 + 1, c as u16);
            if date_columns.contains(&sheet.header[c].as_str()) && !cell.is_empty() {
                let d = ExcelDateTime::parse_from_str(cell).unwrap();
                ws.write_datetime_with_format(r, c16, &d, &date_format)
                    .unwrap();
            } else if let Ok(n) = cell.parse::<f64>() {
                ws.write_number(r, c16, n).unwrap();
            } else if !cell.is_empty() {
                ws.write_string(r, c16, cell).unwrap();
            }
        }
    }
    wb.save(path).unwrap();
}

#[test]
fn xlsx_with_date_cells_and_numbers() {
    let mut f = Fixture::valid();
    f.set_file("cases", "cases.xlsx");
    f.set_file("reviews", "reviews.xlsx");
    let dir = tempfile::tempdir().unwrap();
    let cases = f.sheet("cases").clone();
    write_xlsx(
        &cases,
        &dir.path().join("cases.xlsx"),
        "Sheet1",
        &["assigned_on", "closed_on", "archived_on"],
    );
    let reviews = f.sheet("reviews").clone();
    write_xlsx(
        &reviews,
        &dir.path().join("reviews.xlsx"),
        "评议",
        &["reviewed_on"],
    );
    assert_clean(&f, &dir, "cases", 4);
    assert_clean(&f, &dir, "reviews", 68);
}

#[test]
fn xlsx_named_sheet_and_wrong_sheet() {
    let mut f = Fixture::valid();
    f.set_file("feedback", "feedback.xlsx");
    let dir = tempfile::tempdir().unwrap();
    let mut wb = Workbook::new();
    wb.add_worksheet()
        .set_name("封面")
        .unwrap()
        .write_string(0, 0, "回访记录")
        .unwrap();
    let ws = wb.add_worksheet().set_name("回访").unwrap();
    let fb = f.sheet("feedback").clone();
    for (c, h) in fb.header.iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for (r, row) in fb.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v).unwrap();
        }
    }
    wb.save(dir.path().join("feedback.xlsx")).unwrap();
    f.pipeline_extra = String::new();
    f.write(dir.path());
    let pipeline = std::fs::read_to_string(dir.path().join("pipeline.toml")).unwrap();
    let with_sheet = |name: &str| {
        pipeline.replace(
            "[rubrics]",
            &format!("[inputs.sheets]\nfeedback = \"{name}\"\n[rubrics]"),
        )
    };
    std::fs::write(dir.path().join("pipeline.toml"), with_sheet("回访")).unwrap();
    let out = legalaid(&["validate", "pipeline.toml"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(table_line(&stdout(&out), "feedback")[1..4], ["3", "3", "0"]);
    std::fs::write(dir.path().join("pipeline.toml"), with_sheet("回访表")).unwrap();
    let out = legalaid(&["validate", "pipeline.toml"], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("feedback.xlsx") && err.contains("回访表") && err.contains("封面, 回访"),
        "{err}"
    );
}

#[test]
fn parquet_with_text_and_typed_columns() {
    let mut f = Fixture::valid();
    f.set_file("feedback", "feedback.parquet");
    let fb = f.sheet("feedback").clone();
    let schema = Arc::new(Schema::new(vec![
        Field::new("case_id", DataType::Utf8, false),
        Field::new("contacted_on", DataType::Date32, true),
        Field::new("满意度", DataType::Utf8, false),
    ]));
    let days: Vec<Option<i32>> = fb
        .rows
        .iter()
        .map(|r| {
            Some(legalaid::ingest::value::date32(
                legalaid::ingest::value::parse_date(&r[1]).unwrap(),
            ))
        })
        .collect();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(
            fb.rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
        )),
        Arc::new(Date32Array::from(days)),
        Arc::new(StringArray::from(
            fb.rows.iter().map(|r| r[2].clone()).collect::<Vec<_>>(),
        )),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = std::fs::File::create(dir.path().join("feedback.parquet")).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    assert_clean(&f, &dir, "feedback", 3);
}

#[test]
fn json_lines_with_a_broken_line() {
    let mut f = Fixture::valid();
    f.set_file("complaints", "complaints.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        r#"{"complaint_id":"K001","lawyer_id":"L001","case_id":"C001","received_on":"2024-07-01","category":"服务态度","outcome":"不属实","decided_on":"2024-07-20"}"#,
        r#"{"complaint_id":"K002","lawyer_id":"L002","case_id":null,"received_on":"2024-08-01","category":"took_money","outcome":"pending"}"#,
        r#"{"complaint_id":"K003", broken"#,
    ];
    std::fs::write(dir.path().join("complaints.jsonl"), lines.join("\n") + "\n").unwrap();
    f.write(dir.path());
    let out = legalaid(
        &["validate", "pipeline.toml", "--rejects", "rej"],
        dir.path(),
    );
    assert_eq!(
        table_line(&stdout(&out), "complaints")[1..4],
        ["3", "2", "1"]
    );
    let rejects = read_rejects(&dir.path().join("rej/complaints.csv"));
    assert_eq!(rejects[0]["source_row"], "3");
    assert!(
        rejects[0]["reason"].starts_with("malformed_record:"),
        "{rejects:?}"
    );
}
