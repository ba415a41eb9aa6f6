//! The reviewers' score-sheet workbooks: written by `legalaid sample`, filled
//! by hand, read back as the `reviews` input.
//!
//! Layout 1 (part of the data contract, because filled workbooks come back):
//!
//! * one sheet per case type the reviewer has cases of, named 刑事 / 民事 /
//!   行政; row 1 the header (frozen), one row per assigned case. Columns: the
//!   hidden ids `review_id`, `case_id`, `reviewer_id`, `supersedes`; the case
//!   facts 区县, 案由, 承办律师, 律师事务所, 指派日期, 结案日期, 受援人 (masked;
//!   no identity number); `评议日期 reviewed_on`; one column per rubric item
//!   headed `CODE 简称 (max)` with the item's short Chinese title
//!   ([`Item::short_title`]; workbooks written before it, headed
//!   `CODE (max)`, are read as well) and data validation (0…max; {0, max} for veto
//!   items; `NA` also for optional items); `评语 note`. Only the date, points
//!   and note cells are unlocked; the sheet is protected without password.
//! * `评议标准`: the rubric items with stage and texts; `说明`: instructions.
//! * the hidden sheet `legalaid`: the layout version, the reviewer, per case
//!   sheet its case type, rubric version and column keys, and every case row
//!   written (`review_id`, `case_id`). Reading checks the workbook against it,
//!   so a deleted or moved column, a changed hidden id or an added case row
//!   is a file-level error naming the workbook, the sheet and the cell.
//!
//! Reading turns a wide row into long `reviews` rows, one per item with a
//! value. A row with no points at all is not yet reviewed and is skipped; a
//! partly filled one is passed on without its empty items, so validation
//! rejects the review as incomplete. `source_row` is the sheet row.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use calamine::{Data, Range, Reader};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    DataValidation, DataValidationRule, ExcelDateTime, Format, FormatAlign, Formula,
    ProtectionOptions, Workbook, Worksheet, XlsxError,
};

use crate::ingest::IngestError;
use crate::ingest::source::{Part, RawRecord, Source, cell_text, format_number};
use crate::rubric::{CaseType, Item, Rubric};

/// The layout this version writes and reads.
pub const LAYOUT_VERSION: &str = "1";
/// The hidden sheet that marks a score-sheet workbook.
pub const LAYOUT_SHEET: &str = "legalaid";
pub const RUBRIC_SHEET: &str = "评议标准";
pub const INSTRUCTIONS_SHEET: &str = "说明";

const HIDDEN: [&str; 4] = ["review_id", "case_id", "reviewer_id", "supersedes"];
const FACTS: [(&str, &str); 7] = [
    ("district", "区县"),
    ("matter", "案由"),
    ("lawyer", "承办律师"),
    ("law_firm", "律师事务所"),
    ("assigned_on", "指派日期"),
    ("closed_on", "结案日期"),
    ("recipient", "受援人"),
];
const REVIEWED_ON_HEADER: &str = "评议日期 reviewed_on";
const NOTE_HEADER: &str = "评语 note";
const ITEM_PREFIX: &str = "item:";

/// The `reviews` columns the long rows carry, in contract order.
const LONG_COLUMNS: [&str; 8] = [
    "review_id",
    "case_id",
    "reviewer_id",
    "reviewed_on",
    "item",
    "points",
    "note",
    "supersedes",
];

/// One assigned case as its row shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetCase {
    pub case_id: String,
    pub case_type: CaseType,
    pub district: String,
    pub matter: String,
    pub lawyer_name: String,
    pub law_firm: String,
    pub assigned_on: NaiveDate,
    pub closed_on: NaiveDate,
    /// Already masked with [`mask_name`].
    pub recipient: String,
}

/// The review id of a reviewer's sheet row for a case.
pub fn review_id(case_id: &str, reviewer_id: &str) -> String {
    format!("{case_id}-{reviewer_id}")
}

/// A name with every character but the first replaced by `*`.
pub fn mask_name(name: &str) -> String {
    let name = name.trim();
    let mut chars = name.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
    }
}

/// Spreadsheet name of a 0-based column: 0 → A, 26 → AA.
pub fn column_letter(mut col: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

/// Chinese labels of the usual matter codes; other codes are shown as given.
fn matter_label(code: &str) -> &str {
    match code {
        "family" => "婚姻家庭",
        "labor" => "劳动争议",
        "traffic" => "交通事故",
        "ip" => "知识产权",
        "other" => "其他",
        "investigation" => "侦查阶段",
        "prosecution" => "审查起诉",
        "trial" => "审判阶段",
        "appeal" => "二审",
        "death_review" => "死刑复核",
        "litigation" => "行政诉讼",
        "reconsideration" => "行政复议",
        other => other,
    }
}

/// The column keys of a case-type sheet, in order.
fn column_keys(rubric: &Rubric) -> Vec<String> {
    let mut keys: Vec<String> = HIDDEN.iter().map(|k| k.to_string()).collect();
    keys.extend(FACTS.iter().map(|(k, _)| k.to_string()));
    keys.push("reviewed_on".into());
    keys.extend(
        rubric
            .items
            .iter()
            .map(|i| format!("{ITEM_PREFIX}{}", i.code)),
    );
    keys.push("note".into());
    keys
}

/// An item column's head: code, short Chinese title and full marks.
fn item_header(item: &Item) -> String {
    format!(
        "{} {} ({})",
        item.code,
        item.short_title(),
        format_number(item.max_points)
    )
}

/// The head item columns had before they showed the short title; a
/// workbook written then is still read.
fn legacy_item_header(item: &Item) -> String {
    format!("{} ({})", item.code, format_number(item.max_points))
}

/// The header a column key gets; `None` for an unknown key or item.
fn header_of(key: &str, rubric: &Rubric) -> Option<String> {
    if HIDDEN.contains(&key) {
        return Some(key.to_string());
    }
    if let Some((_, zh)) = FACTS.iter().find(|(k, _)| *k == key) {
        return Some(zh.to_string());
    }
    match key {
        "reviewed_on" => Some(REVIEWED_ON_HEADER.into()),
        "note" => Some(NOTE_HEADER.into()),
        _ => {
            let code = key.strip_prefix(ITEM_PREFIX)?;
            Some(item_header(rubric.item(code)?))
        }
    }
}

fn xlsx_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// Writes one reviewer's workbook. `cases` must all have a rubric in
/// `rubrics`; they appear in the given order within their sheet.
pub fn write_workbook(
    path: &Path,
    reviewer: (&str, &str),
    cases: &[SheetCase],
    rubrics: &BTreeMap<CaseType, Rubric>,
) -> Result<(), XlsxError> {
    let (reviewer_id, reviewer_name) = reviewer;
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let input = Format::new().set_unlocked().set_background_color("#FFF2CC");
    let input_date = input.clone().set_num_format("yyyy-mm-dd");
    let protection = ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    };

    let mut layout: Vec<Vec<String>> = vec![
        vec!["layout".into(), LAYOUT_VERSION.into()],
        vec!["reviewer_id".into(), reviewer_id.into()],
        vec![
            "written_by".into(),
            format!("legalaid {}", env!("CARGO_PKG_VERSION")),
        ],
    ];
    let types: Vec<CaseType> = CaseType::ALL
        .into_iter()
        .filter(|t| cases.iter().any(|c| c.case_type == *t))
        .collect();
    for &case_type in &types {
        let rubric = &rubrics[&case_type];
        let keys = column_keys(rubric);
        let col = |key: &str| keys.iter().position(|k| k == key).expect("known key") as u16;
        let rows: Vec<&SheetCase> = cases.iter().filter(|c| c.case_type == case_type).collect();
        let sheet_name = case_type.label_zh();
        layout.push(vec![
            "sheet".into(),
            sheet_name.into(),
            case_type.code().into(),
            rubric.version.clone(),
        ]);
        let mut columns_row = vec!["columns".to_string(), sheet_name.to_string()];
        columns_row.extend(keys.iter().cloned());
        layout.push(columns_row);

        let ws = workbook.add_worksheet();
        ws.set_name(sheet_name)?;
        for (j, key) in keys.iter().enumerate() {
            let text = header_of(key, rubric).expect("own keys have headers");
            ws.write_string_with_format(0, j as u16, text, &header)?;
        }
        ws.set_row_height(0, 48)?;
        for (i, c) in rows.iter().enumerate() {
            let r = (i + 1) as u32;
            let id = review_id(&c.case_id, reviewer_id);
            layout.push(vec![
                "row".into(),
                sheet_name.into(),
                id.clone(),
                c.case_id.clone(),
            ]);
            ws.write_string(r, col("review_id"), id)?;
            ws.write_string(r, col("case_id"), &c.case_id)?;
            ws.write_string(r, col("reviewer_id"), reviewer_id)?;
            ws.write_string(r, col("district"), &c.district)?;
            ws.write_string(r, col("matter"), matter_label(&c.matter))?;
            ws.write_string(r, col("lawyer"), &c.lawyer_name)?;
            ws.write_string(r, col("law_firm"), &c.law_firm)?;
            ws.write_datetime_with_format(r, col("assigned_on"), xlsx_date(c.assigned_on)?, &date)?;
            ws.write_datetime_with_format(r, col("closed_on"), xlsx_date(c.closed_on)?, &date)?;
            ws.write_string(r, col("recipient"), &c.recipient)?;
            ws.write_blank(r, col("reviewed_on"), &input_date)?;
            for item in &rubric.items {
                ws.write_blank(r, col(&format!("{ITEM_PREFIX}{}", item.code)), &input)?;
            }
            ws.write_blank(r, col("note"), &input)?;
        }
        let last = rows.len() as u32;
        if last > 0 {
            validations(ws, rubric, &keys, last)?;
        }
        for key in HIDDEN {
            ws.set_column_hidden(col(key))?;
        }
        for (key, width) in [
            ("district", 10.0),
            ("matter", 10.0),
            ("lawyer", 10.0),
            ("law_firm", 24.0),
            ("assigned_on", 11.0),
            ("closed_on", 11.0),
            ("recipient", 8.0),
            ("reviewed_on", 12.0),
            ("note", 30.0),
        ] {
            ws.set_column_width(col(key), width)?;
        }
        for item in &rubric.items {
            ws.set_column_width(col(&format!("{ITEM_PREFIX}{}", item.code)), 12.0)?;
        }
        ws.set_freeze_panes(1, 0)?;
        crate::xlsx::print_setup(ws, 0)?;
        ws.protect_with_options(&protection);
    }

    rubric_sheet(workbook.add_worksheet(), &types, rubrics, &header)?;
    instructions_sheet(
        workbook.add_worksheet(),
        reviewer_id,
        reviewer_name,
        &types,
        rubrics,
    )?;

    let ws = workbook.add_worksheet();
    ws.set_name(LAYOUT_SHEET)?;
    for (r, row) in layout.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, text)?;
        }
    }
    ws.set_hidden(true);
    ws.protect();
    workbook.save(path)
}

/// Data validation of the date and item columns over rows 2…last+1.
fn validations(
    ws: &mut Worksheet,
    rubric: &Rubric,
    keys: &[String],
    last: u32,
) -> Result<(), XlsxError> {
    let col = |key: &str| keys.iter().position(|k| k == key).expect("known key");
    let (reviewed, closed) = (col("reviewed_on"), col("closed_on"));
    let date_rule = DataValidation::new()
        .allow_custom(Formula::new(format!(
            "=AND(ISNUMBER({r}2),{r}2>={c}2)",
            r = column_letter(reviewed),
            c = column_letter(closed)
        )))
        .set_error_title("评议日期")?
        .set_error_message("请填写日期（YYYY-MM-DD），且不早于结案日期。")?;
    ws.add_data_validation(1, reviewed as u16, last, reviewed as u16, &date_rule)?;
    for item in &rubric.items {
        let c = col(&format!("{ITEM_PREFIX}{}", item.code));
        let max = format_number(item.max_points);
        let cell = format!("{}2", column_letter(c));
        let (rule, message) = if item.veto {
            (
                DataValidation::new().allow_list_strings(&["0", max.as_str()])?,
                format!("否决项：只能填 0 或 {max}。"),
            )
        } else if item.optional {
            (
                DataValidation::new().allow_custom(Formula::new(format!(
                    "=OR({cell}=\"NA\",{cell}=\"不适用\",AND(ISNUMBER({cell}),{cell}>=0,{cell}<={max}))"
                ))),
                format!("请填写 0 至 {max} 之间的分数；不适用时填 NA。"),
            )
        } else {
            (
                DataValidation::new()
                    .allow_decimal_number(DataValidationRule::Between(0.0, item.max_points)),
                format!("请填写 0 至 {max} 之间的分数。"),
            )
        };
        let rule = rule
            .set_error_title(item.code.as_str())?
            .set_error_message(message)?;
        ws.add_data_validation(1, c as u16, last, c as u16, &rule)?;
    }
    Ok(())
}

fn rubric_sheet(
    ws: &mut Worksheet,
    types: &[CaseType],
    rubrics: &BTreeMap<CaseType, Rubric>,
    header: &Format,
) -> Result<(), XlsxError> {
    ws.set_name(RUBRIC_SHEET)?;
    let heads = [
        "案件类别",
        "评议标准版本",
        "阶段",
        "阶段名称",
        "项目编号",
        "评议内容",
        "Criterion",
        "满分",
        "否决项",
        "可不适用",
    ];
    for (j, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, j as u16, *h, header)?;
    }
    let mut r = 1u32;
    for t in types {
        let rubric = &rubrics[t];
        for item in &rubric.items {
            let stage = rubric.stages.iter().find(|s| s.code == item.stage);
            let stage_name = stage
                .map(|s| format!("{} / {}", s.name, s.name_en))
                .unwrap_or_default();
            ws.write_string(r, 0, t.label_zh())?;
            ws.write_string(r, 1, &rubric.version)?;
            ws.write_string(r, 2, &item.stage)?;
            ws.write_string(r, 3, stage_name)?;
            ws.write_string(r, 4, &item.code)?;
            ws.write_string(r, 5, &item.text)?;
            ws.write_string(r, 6, &item.text_en)?;
            ws.write_number(r, 7, item.max_points)?;
            ws.write_string(r, 8, if item.veto { "是" } else { "" })?;
            ws.write_string(r, 9, if item.optional { "是" } else { "" })?;
            r += 1;
        }
    }
    for (c, w) in [(3u16, 28.0), (5, 60.0), (6, 60.0)] {
        ws.set_column_width(c, w)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn instructions_sheet(
    ws: &mut Worksheet,
    reviewer_id: &str,
    reviewer_name: &str,
    types: &[CaseType],
    rubrics: &BTreeMap<CaseType, Rubric>,
) -> Result<(), XlsxError> {
    ws.set_name(INSTRUCTIONS_SHEET)?;
    let sheets: Vec<String> = types
        .iter()
        .map(|t| format!("{}（{}）", t.label_zh(), rubrics[t].version))
        .collect();
    let lines = [
        "法律援助案件质量评议表 · 填写说明".to_string(),
        format!("评议专家：{reviewer_name}（编号 {reviewer_id}）"),
        format!("本工作簿的评议表：{}", sheets.join("、")),
        String::new(),
        "1. 每个案件类别一张工作表，每行一个指派给您评议的案件。".into(),
        "2. 在“评议日期”列填写评议日期（YYYY-MM-DD），不得早于结案日期。".into(),
        "3. 每个评议项目一列，列标题为“项目编号 简称 (满分)”；请填写 0 至满分之间的分数，可填小数。各项内容见“评议标准”工作表。".into(),
        "4. 一票否决项只能填 0 或满分；填 0 表示该案未达到底线要求。".into(),
        "5. 可不适用的项目如不适用于本案，请填 NA（或“不适用”）；其他项目不得填 NA。".into(),
        "6. 一行的所有评议项目须全部填写。未填写任何分数的行视为尚未评议，不予读取；只填写部分分数的行将整行退回。".into(),
        "7. “评语”列可填写评议意见，仅供内部使用，不对外公开。".into(),
        "8. 请勿增加、删除或移动行和列，勿修改工作表名称，勿修改隐藏的列和隐藏的工作表，否则本工作簿无法读取。".into(),
        "9. 受援人姓名已部分隐去，本表不含受援人身份证号。本表含个人信息，请妥善保管，不得外传。".into(),
        "10. 如您与承办律师同属一个律师事务所或有其他利害关系，请勿评分，并告知法律援助中心。".into(),
        "11. 填写完毕后请将本文件原样交回法律援助中心（文件名勿改）。".into(),
    ];
    for (r, line) in lines.iter().enumerate() {
        ws.write_string(r as u32, 0, line)?;
    }
    ws.set_column_width(0, 110.0)?;
    ws.set_active(false);
    Ok(())
}

// ---------------------------------------------------------------- reading

/// One case-type sheet as the `legalaid` sheet describes it.
#[derive(Debug, Clone)]
struct SheetLayout {
    name: String,
    case_type: CaseType,
    rubric_version: String,
    /// The `legalaid` sheet row (1-based) of the `sheet` record.
    sheet_row: u32,
    columns: Vec<String>,
    columns_row: u32,
    /// review_id → case_id of every case row written.
    rows: HashMap<String, String>,
}

/// A score-sheet workbook's layout and its case-type sheets.
struct Parsed {
    reviewer_id: String,
    sheets: Vec<(SheetLayout, Range<Data>)>,
}

fn err(path: &Path, message: String) -> IngestError {
    IngestError::file(path, message)
}

fn text_at(range: &Range<Data>, row: u32, col: u32) -> String {
    range
        .get_value((row, col))
        .map(cell_text)
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Opens a workbook and reads its layout; `None` when it has no `legalaid`
/// sheet (or is no readable workbook: the ordinary reader reports that).
fn parse(path: &Path) -> Result<Option<Parsed>, IngestError> {
    let Ok(mut workbook) = crate::ingest::workbook::open(path) else {
        return Ok(None);
    };
    let names = workbook.sheet_names();
    if !names.iter().any(|n| n == LAYOUT_SHEET) {
        return Ok(None);
    }
    let layout_range = crate::ingest::source::bounded_range(&mut workbook, LAYOUT_SHEET)
        .map_err(|e| err(path, format!("cannot read sheet `{LAYOUT_SHEET}`: {e}")))?;
    let at = |cell: &str| format!("score-sheet workbook, sheet `{LAYOUT_SHEET}`, cell {cell}");
    let (start, end) = match (layout_range.start(), layout_range.end()) {
        (Some(s), Some(e)) => (s, e),
        _ => {
            return Err(err(
                path,
                format!("{}: the layout sheet is empty", at("A1")),
            ));
        }
    };
    let mut version: Option<(String, u32)> = None;
    let mut reviewer_id: Option<String> = None;
    let mut sheets: Vec<SheetLayout> = Vec::new();
    for r in start.0..=end.0 {
        let key = text_at(&layout_range, r, 0);
        let cell = |c: u32| text_at(&layout_range, r, c);
        let row = r + 1;
        match key.as_str() {
            "layout" => version = Some((cell(1), row)),
            "reviewer_id" => reviewer_id = Some(cell(1)),
            "sheet" => {
                let case_type = CaseType::parse(&cell(2)).ok_or_else(|| {
                    err(
                        path,
                        format!(
                            "{}: `{}` is not a case type; the layout sheet was changed",
                            at(&format!("C{row}")),
                            cell(2)
                        ),
                    )
                })?;
                sheets.push(SheetLayout {
                    name: cell(1),
                    case_type,
                    rubric_version: cell(3),
                    sheet_row: row,
                    columns: Vec::new(),
                    columns_row: row,
                    rows: HashMap::new(),
                });
            }
            "columns" | "row" => {
                let name = cell(1);
                let Some(sheet) = sheets.iter_mut().find(|s| s.name == name) else {
                    return Err(err(
                        path,
                        format!(
                            "{}: names sheet `{name}`, which the layout does not declare",
                            at(&format!("B{row}"))
                        ),
                    ));
                };
                if key == "columns" {
                    sheet.columns = (2..=end.1)
                        .map(cell)
                        .take_while(|k| !k.is_empty())
                        .collect();
                    sheet.columns_row = row;
                } else {
                    sheet.rows.insert(cell(2), cell(3));
                }
            }
            _ => {}
        }
    }
    match &version {
        Some((v, _)) if v == LAYOUT_VERSION => {}
        Some((v, row)) => {
            return Err(err(
                path,
                format!(
                    "{}: layout version `{v}` is unknown; this legalaid reads layout {LAYOUT_VERSION}",
                    at(&format!("B{row}"))
                ),
            ));
        }
        None => {
            return Err(err(path, format!("{}: no layout version", at("A1"))));
        }
    }
    let reviewer_id = reviewer_id
        .filter(|r| !r.is_empty())
        .ok_or_else(|| err(path, format!("{}: no reviewer_id", at("A2"))))?;
    let mut out = Vec::new();
    for sheet in sheets {
        for key in HIDDEN {
            if !sheet.columns.iter().any(|c| c == key) {
                return Err(err(
                    path,
                    format!(
                        "{}: the columns of sheet `{}` lack `{key}`",
                        at(&format!("A{}", sheet.columns_row)),
                        sheet.name
                    ),
                ));
            }
        }
        if !names.contains(&sheet.name) {
            return Err(err(
                path,
                format!(
                    "score-sheet workbook: no sheet `{}`, which its layout lists (was it renamed or \
                     deleted?); the workbook has {}",
                    sheet.name,
                    names.join(", ")
                ),
            ));
        }
        let range = crate::ingest::source::bounded_range(&mut workbook, &sheet.name)
            .map_err(|e| err(path, format!("cannot read sheet `{}`: {e}", sheet.name)))?;
        out.push((sheet, range));
    }
    Ok(Some(Parsed {
        reviewer_id,
        sheets: out,
    }))
}

/// Reads a score-sheet workbook as `reviews` rows, one part per case-type
/// sheet; `None` when the workbook is no score-sheet workbook. The rubrics
/// are the pipeline's: a workbook written for another rubric version is an
/// error.
pub fn read_score_sheets(
    path: &Path,
    rubrics: &BTreeMap<CaseType, Rubric>,
) -> Result<Option<Vec<Part>>, IngestError> {
    let Some(parsed) = parse(path)? else {
        return Ok(None);
    };
    let mut parts = Vec::new();
    for (layout, range) in &parsed.sheets {
        let records = read_sheet(path, &parsed.reviewer_id, layout, range, rubrics)?;
        parts.push(Part {
            sheet: Some(layout.name.clone()),
            source: Source {
                path: path.to_path_buf(),
                header: LONG_COLUMNS.iter().map(|s| s.to_string()).collect(),
                records: crate::ingest::source::Records::owned(records.into_iter().map(Ok)),
            },
        });
    }
    Ok(Some(parts))
}

fn read_sheet(
    path: &Path,
    reviewer_id: &str,
    layout: &SheetLayout,
    range: &Range<Data>,
    rubrics: &BTreeMap<CaseType, Rubric>,
) -> Result<Vec<RawRecord>, IngestError> {
    let sheet = &layout.name;
    let in_layout =
        |cell: String| format!("score-sheet workbook, sheet `{LAYOUT_SHEET}`, cell {cell}");
    let in_sheet = |col: usize, row: u32| {
        format!(
            "score-sheet workbook, sheet `{sheet}`, cell {}{row}",
            column_letter(col)
        )
    };
    let rubric = rubrics.get(&layout.case_type).ok_or_else(|| {
        err(
            path,
            format!(
                "{}: no rubric for {}",
                in_layout(format!("C{}", layout.sheet_row)),
                layout.case_type
            ),
        )
    })?;
    if rubric.version != layout.rubric_version {
        return Err(err(
            path,
            format!(
                "{}: sheet `{sheet}` was written for rubric {}, but the pipeline's {} rubric is {}; \
                 score it again on a sheet drawn with this rubric",
                in_layout(format!("D{}", layout.sheet_row)),
                layout.rubric_version,
                layout.case_type.code(),
                rubric.version
            ),
        ));
    }
    // The item columns must be exactly the rubric's items.
    let items: Vec<&str> = layout
        .columns
        .iter()
        .filter_map(|k| k.strip_prefix(ITEM_PREFIX))
        .collect();
    let expected: HashSet<&str> = rubric.items.iter().map(|i| i.code.as_str()).collect();
    let listed: HashSet<&str> = items.iter().copied().collect();
    if listed != expected || listed.len() != items.len() {
        return Err(err(
            path,
            format!(
                "{}: the item columns of sheet `{sheet}` are not those of rubric {}",
                in_layout(format!("C{}", layout.columns_row)),
                rubric.version
            ),
        ));
    }
    // The header row must be as written.
    for (j, key) in layout.columns.iter().enumerate() {
        let want = header_of(key, rubric).ok_or_else(|| {
            err(
                path,
                format!(
                    "{}: unknown column key `{key}`",
                    in_layout(format!("{}{}", column_letter(j + 2), layout.columns_row))
                ),
            )
        })?;
        let found = text_at(range, 0, j as u32);
        let legacy = key
            .strip_prefix(ITEM_PREFIX)
            .and_then(|code| rubric.item(code))
            .map(legacy_item_header);
        if found != want && Some(&found) != legacy.as_ref() {
            return Err(err(
                path,
                format!(
                    "{}: expected the header `{want}`, found `{found}`; columns of a score sheet \
                     must not be deleted, moved or inserted",
                    in_sheet(j, 1)
                ),
            ));
        }
    }
    let col = |key: &str| layout.columns.iter().position(|k| k == key);
    let id_col = col("review_id").expect("checked");
    let case_col = col("case_id").expect("checked");
    let reviewer_col = col("reviewer_id").expect("checked");
    let supersedes_col = col("supersedes").expect("checked");
    let reviewed_col = col("reviewed_on");
    let note_col = col("note");
    let item_cols: Vec<(usize, &str)> = layout
        .columns
        .iter()
        .enumerate()
        .filter_map(|(j, k)| k.strip_prefix(ITEM_PREFIX).map(|code| (j, code)))
        .collect();

    let last_row = range.end().map(|(r, _)| r).unwrap_or(0);
    let width = layout.columns.len() as u32;
    let mut seen: HashSet<String> = HashSet::new();
    let mut records = Vec::new();
    for r in 1..=last_row {
        let cells: Vec<String> = (0..width).map(|c| text_at(range, r, c)).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        let row = r + 1;
        let id = &cells[id_col];
        if id.is_empty() {
            return Err(err(
                path,
                format!(
                    "{}: a row without review_id; case rows must not be added to a score sheet",
                    in_sheet(id_col, row)
                ),
            ));
        }
        let Some(case_id) = layout.rows.get(id) else {
            return Err(err(
                path,
                format!(
                    "{}: review_id `{id}` is not one this sheet was written with; the hidden ids \
                     must not be changed",
                    in_sheet(id_col, row)
                ),
            ));
        };
        if &cells[case_col] != case_id {
            return Err(err(
                path,
                format!(
                    "{}: case_id `{}` does not belong to review {id} (written for case {case_id}); \
                     the hidden ids must not be changed",
                    in_sheet(case_col, row),
                    cells[case_col]
                ),
            ));
        }
        if cells[reviewer_col] != reviewer_id {
            return Err(err(
                path,
                format!(
                    "{}: reviewer_id `{}` is not {reviewer_id}, the reviewer of this workbook; the \
                     hidden ids must not be changed",
                    in_sheet(reviewer_col, row),
                    cells[reviewer_col]
                ),
            ));
        }
        if !seen.insert(id.clone()) {
            return Err(err(
                path,
                format!(
                    "{}: review_id `{id}` appears in a second row; rows must not be copied",
                    in_sheet(id_col, row)
                ),
            ));
        }
        let entered: Vec<(&str, &String)> = item_cols
            .iter()
            .filter(|(j, _)| !cells[*j].is_empty())
            .map(|(j, code)| (*code, &cells[*j]))
            .collect();
        if entered.is_empty() {
            continue; // not yet reviewed
        }
        let reviewed_on = reviewed_col.map(|j| cells[j].clone()).unwrap_or_default();
        let note = note_col.map(|j| cells[j].clone()).unwrap_or_default();
        for (n, (code, points)) in entered.into_iter().enumerate() {
            records.push(RawRecord {
                row: u64::from(row),
                cells: vec![
                    id.clone(),
                    case_id.clone(),
                    reviewer_id.to_string(),
                    reviewed_on.clone(),
                    code.to_string(),
                    points.clone(),
                    if n == 0 { note.clone() } else { String::new() },
                    cells[supersedes_col].clone(),
                ],
            });
        }
    }
    Ok(records)
}

/// Whether a workbook may hold entered scores: true when it is a score-sheet
/// workbook with any points cell filled, or one that cannot be read as such.
pub fn may_hold_scores(path: &Path) -> bool {
    let parsed = match parse(path) {
        Ok(Some(p)) => p,
        Ok(None) => return false,
        Err(_) => return true,
    };
    parsed.sheets.iter().any(|(layout, range)| {
        let last_row = range.end().map(|(r, _)| r).unwrap_or(0);
        layout
            .columns
            .iter()
            .enumerate()
            .filter(|(_, k)| k.starts_with(ITEM_PREFIX))
            .any(|(j, _)| (1..=last_row).any(|r| !text_at(range, r, j as u32).is_empty()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::default_rubrics;

    fn rubrics() -> BTreeMap<CaseType, Rubric> {
        default_rubrics()
            .into_iter()
            .map(|r| (r.case_type, r))
            .collect()
    }

    fn case(id: &str, ct: CaseType) -> SheetCase {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        SheetCase {
            case_id: id.to_string(),
            case_type: ct,
            district: "锦江区".into(),
            matter: "trial".into(),
            lawyer_name: "测试甲".into(),
            law_firm: "四川示例律师事务所".into(),
            assigned_on: d("2024-02-01"),
            closed_on: d("2024-06-01"),
            recipient: mask_name("虚构一"),
        }
    }

    fn written(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("R01.xlsx");
        let cases = vec![
            case("C001", CaseType::Criminal),
            case("C003", CaseType::Criminal),
            case("C002", CaseType::Civil),
        ];
        write_workbook(&path, ("R01", "评审甲"), &cases, &rubrics()).unwrap();
        path
    }

    #[test]
    fn masks_and_letters() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name(" 李 "), "李");
        assert_eq!(mask_name(""), "");
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn written_workbook_has_the_fixed_layout() {
        let dir = tempfile::tempdir().unwrap();
        let path = written(dir.path());
        let mut wb = calamine::open_workbook_auto(&path).unwrap();
        assert_eq!(
            wb.sheet_names(),
            vec![
                "刑事",
                "民事",
                RUBRIC_SHEET,
                INSTRUCTIONS_SHEET,
                LAYOUT_SHEET
            ]
        );
        let hidden: Vec<bool> = wb
            .sheets_metadata()
            .iter()
            .map(|s| s.visible != calamine::SheetVisible::Visible)
            .collect();
        assert_eq!(hidden, vec![false, false, false, false, true]);
        let range = wb.worksheet_range("刑事").unwrap();
        let header: Vec<String> = (0..14).map(|c| text_at(&range, 0, c)).collect();
        assert_eq!(&header[..4], &HIDDEN);
        assert_eq!(header[11], REVIEWED_ON_HEADER);
        let first = &rubrics()[&CaseType::Criminal].items[0];
        assert_eq!(first.code, "CR-A1");
        assert_eq!(
            header[12],
            format!("CR-A1 {} (4)", first.short_title()),
            "the item's short title beside its code"
        );
        assert!(first.short_title().chars().count() >= 2);
        assert_eq!(text_at(&range, 1, 0), "C001-R01");
        assert_eq!(text_at(&range, 2, 1), "C003");
        assert_eq!(text_at(&range, 1, 10), "虚**");
        assert_eq!(text_at(&range, 1, 9), "2024-06-01");
        // no identity number anywhere
        for r in 0..3 {
            for c in 0..40 {
                assert!(!text_at(&range, r, c).contains("5101"), "identity number");
            }
        }
        assert!(!may_hold_scores(&path));
        let parts = read_score_sheets(&path, &rubrics()).unwrap().unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].sheet.as_deref(), Some("刑事"));
        // nothing entered: nothing read
        assert!(parts.into_iter().all(|p| p.source.records.count() == 0));
    }

    #[test]
    fn other_workbooks_are_not_score_sheets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plain.xlsx");
        let mut wb = Workbook::new();
        wb.add_worksheet().write_string(0, 0, "review_id").unwrap();
        wb.save(&path).unwrap();
        assert!(read_score_sheets(&path, &rubrics()).unwrap().is_none());
        let broken = dir.path().join("broken.xlsx");
        std::fs::write(&broken, b"not a zip").unwrap();
        assert!(read_score_sheets(&broken, &rubrics()).unwrap().is_none());
    }

    /// Rewrites one sheet of a workbook through `edit` (cells as text or
    /// numbers), keeping every other sheet.
    fn edit_sheet(path: &Path, sheet: &str, edit: impl FnOnce(&mut Vec<Vec<Data>>)) {
        let mut wb = calamine::open_workbook_auto(path).unwrap();
        let meta = wb.sheets_metadata().to_vec();
        let mut out = Workbook::new();
        let mut edit = Some(edit);
        for m in &meta {
            let range = wb.worksheet_range(&m.name).unwrap();
            let (rows, cols) = range.end().map(|(r, c)| (r + 1, c + 1)).unwrap();
            let mut grid: Vec<Vec<Data>> = (0..rows)
                .map(|r| {
                    (0..cols)
                        .map(|c| range.get_value((r, c)).cloned().unwrap_or(Data::Empty))
                        .collect()
                })
                .collect();
            if m.name == sheet {
                (edit.take().unwrap())(&mut grid);
            }
            let ws = out.add_worksheet();
            ws.set_name(&m.name).unwrap();
            for (r, row) in grid.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    let (r, c) = (r as u32, c as u16);
                    match cell {
                        Data::Float(x) => ws.write_number(r, c, *x).map(|_| ()),
                        Data::Empty => Ok(()),
                        other => ws.write_string(r, c, cell_text(other)).map(|_| ()),
                    }
                    .unwrap();
                }
            }
        }
        out.save(path).unwrap();
    }

    fn set(grid: &mut [Vec<Data>], r: usize, c: usize, v: Data) {
        if grid[r].len() <= c {
            grid[r].resize(c + 1, Data::Empty);
        }
        grid[r][c] = v;
    }

    #[test]
    fn filled_rows_become_long_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = written(dir.path());
        let rubric = rubrics()[&CaseType::Criminal].clone();
        edit_sheet(&path, "刑事", |grid| {
            // row 2 complete (one optional item NA), with note and supersedes;
            // row 3 untouched
            set(grid, 1, 3, Data::String("OLD-1".into()));
            set(grid, 1, 11, Data::String("2025-01-10".into()));
            for (n, item) in rubric.items.iter().enumerate() {
                let v = if item.optional && n % 2 == 0 {
                    Data::String("NA".into())
                } else {
                    Data::Float(item.max_points)
                };
                set(grid, 1, 12 + n, v);
            }
            set(grid, 1, 12 + rubric.items.len(), Data::String("好".into()));
        });
        let parts = read_score_sheets(&path, &rubrics()).unwrap().unwrap();
        let mut parts = parts.into_iter();
        let criminal = parts.next().unwrap();
        assert_eq!(criminal.source.header, LONG_COLUMNS);
        let records: Vec<RawRecord> = criminal.source.records.map(Result::unwrap).collect();
        assert_eq!(records.len(), rubric.items.len());
        assert!(records.iter().all(|r| r.row == 2));
        let first = &records[0].cells;
        assert_eq!(
            first,
            &[
                "C001-R01",
                "C001",
                "R01",
                "2025-01-10",
                "CR-A1",
                "4",
                "好",
                "OLD-1"
            ]
        );
        assert!(
            records[1..]
                .iter()
                .all(|r| r.cells[6].is_empty() && r.cells[7] == "OLD-1")
        );
        assert!(records.iter().any(|r| r.cells[5] == "NA"));
        assert_eq!(parts.next().unwrap().source.records.count(), 0);
        assert!(may_hold_scores(&path));
    }

    /// Workbooks sent out before the item heads showed the short title
    /// (`CR-A1 (4)`) come back and are read as they were.
    #[test]
    fn workbooks_with_the_earlier_item_heads_are_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = written(dir.path());
        let rubric = rubrics()[&CaseType::Criminal].clone();
        edit_sheet(&path, "刑事", |grid| {
            for (n, item) in rubric.items.iter().enumerate() {
                assert_eq!(cell_text(&grid[0][12 + n]), item_header(item));
                set(grid, 0, 12 + n, Data::String(legacy_item_header(item)));
                set(grid, 1, 12 + n, Data::Float(item.max_points));
            }
            set(grid, 1, 11, Data::String("2025-01-10".into()));
        });
        let parts = read_score_sheets(&path, &rubrics()).unwrap().unwrap();
        let criminal = parts.into_iter().next().unwrap();
        assert_eq!(criminal.source.records.count(), rubric.items.len());
        // Any other head is still refused.
        edit_sheet(&path, "刑事", |grid| {
            set(grid, 0, 12, Data::String("CR-A1 别的 (4)".into()));
        });
        let msg = read_score_sheets(&path, &rubrics())
            .err()
            .unwrap()
            .to_string();
        assert!(msg.contains("cell M1"), "{msg}");
    }

    #[test]
    fn partly_filled_rows_pass_without_their_empty_items() {
        let dir = tempfile::tempdir().unwrap();
        let path = written(dir.path());
        edit_sheet(&path, "民事", |grid| {
            set(grid, 1, 12, Data::Float(1.5));
            set(grid, 1, 14, Data::String("x".into()));
        });
        let parts = read_score_sheets(&path, &rubrics()).unwrap().unwrap();
        let civil = parts.into_iter().nth(1).unwrap();
        assert_eq!(civil.sheet.as_deref(), Some("民事"));
        let records: Vec<RawRecord> = civil.source.records.map(Result::unwrap).collect();
        let cells: Vec<(&str, &str)> = records
            .iter()
            .map(|r| (r.cells[4].as_str(), r.cells[5].as_str()))
            .collect();
        let items = &rubrics()[&CaseType::Civil].items;
        assert_eq!(
            cells,
            [
                (items[0].code.as_str(), "1.5"),
                (items[2].code.as_str(), "x")
            ]
        );
        assert_eq!(records[0].cells[3], "", "no date: validation rejects it");
    }

    #[test]
    fn layout_changes_are_file_errors_naming_sheet_and_cell() {
        type Edit = fn(&mut Vec<Vec<Data>>);
        let cases: [(&str, &str, Edit); 4] = [
            ("刑事", "cell F1", |g| {
                for row in g.iter_mut() {
                    row.remove(5);
                }
            }),
            ("刑事", "cell A3", |g| {
                g[2][0] = Data::String("C001-R02".into())
            }),
            ("刑事", "cell C2", |g| {
                g[1][2] = Data::String("R02".into())
            }),
            ("legalaid", "cell B1", |g| {
                g[0][1] = Data::String("0".into())
            }),
        ];
        for (sheet, cell, edit) in cases {
            let dir = tempfile::tempdir().unwrap();
            let path = written(dir.path());
            edit_sheet(&path, sheet, edit);
            let msg = read_score_sheets(&path, &rubrics())
                .err()
                .unwrap()
                .to_string();
            assert!(
                msg.contains("R01.xlsx") && msg.contains(cell),
                "{cell}: {msg}"
            );
        }
        // a copied row
        let dir = tempfile::tempdir().unwrap();
        let path = written(dir.path());
        edit_sheet(&path, "刑事", |g| {
            let row = g[1].clone();
            g.push(row);
        });
        let msg = read_score_sheets(&path, &rubrics())
            .err()
            .unwrap()
            .to_string();
        assert!(
            msg.contains("cell A4") && msg.contains("second row"),
            "{msg}"
        );
    }

    #[test]
    fn another_rubric_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = written(dir.path());
        let mut other = rubrics();
        other.get_mut(&CaseType::Criminal).unwrap().version = "cd-2025.1".into();
        let e = read_score_sheets(&path, &other).err().unwrap();
        let msg = e.to_string();
        assert!(
            msg.contains("R01.xlsx") && msg.contains("legalaid") && msg.contains("cd-2025.1"),
            "{msg}"
        );
    }
}
