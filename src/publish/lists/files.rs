//! The published lists as files: a [`ListTable`] per list, written as CSV
//! (UTF-8 with a byte-order mark), XLSX and an HTML page. Spreadsheet cells
//! that could be read as a formula are neutralised (privacy rule 4): a
//! leading apostrophe in CSV, Excel's quote prefix in XLSX; numbers stay
//! numbers.

use chrono::NaiveDate;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use super::{Entry, Lists, RuleText, list_rules};
use crate::plan::Plan;
use crate::publish::i18n::Lang;
use crate::publish::privacy::{csv_text, is_formula_like};
use crate::publish::templates::{Tbl, render, text_col};
use crate::publish::{PublishError, Writer};
use crate::xlsx::display_width;

/// One cell of a published list.
#[derive(Debug, Clone, PartialEq)]
pub enum ListCell {
    Text(String),
    Int(i64),
    Date(NaiveDate),
    Empty,
}

impl ListCell {
    fn display(&self) -> String {
        match self {
            ListCell::Text(t) => t.clone(),
            ListCell::Int(v) => v.to_string(),
            ListCell::Date(d) => d.to_string(),
            ListCell::Empty => String::new(),
        }
    }
}

/// A published list as a table: header and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ListTable {
    pub list: &'static str,
    /// The i18n key of each column (`col_name`, ...).
    pub keys: Vec<&'static str>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<ListCell>>,
}

/// The rule codes' plain-language meaning (negative: each code with its
/// text; positive: one phrase).
fn grounds(entry: &Entry, lang: Lang, rules: &[RuleText]) -> String {
    if entry.list == "positive" {
        return lang.tr("positive_phrase").to_string();
    }
    let sep = match lang {
        Lang::Zh => "；",
        Lang::En => "; ",
    };
    let colon = match lang {
        Lang::Zh => "：",
        Lang::En => ": ",
    };
    entry
        .rules
        .iter()
        .map(|c| match rules.iter().find(|r| r.code == c) {
            Some(r) => format!("{c}{colon}{}", r.text(lang)),
            None => c.clone(),
        })
        .collect::<Vec<_>>()
        .join(sep)
}

/// The published table of one list.
pub fn list_table(list: &'static str, entries: &[Entry], plan: &Plan) -> ListTable {
    let lang = Lang::from_code(&plan.lang);
    let rules = list_rules(&plan.settings);
    let negative = list == "negative";
    let mut header: Vec<&str> = vec![
        "col_name",
        "col_licence",
        "col_firm",
        "col_district",
        "col_years",
        "col_list",
        "col_rules",
        "col_rules_text",
    ];
    if negative {
        header.extend(["col_sanction_kind", "col_sanction_summary"]);
    }
    header.extend(["col_listed_on", "col_ends_on", "col_deciding_body"]);
    let sep = match lang {
        Lang::Zh => "；",
        Lang::En => "; ",
    };
    let date = |d: Option<NaiveDate>| d.map_or(ListCell::Empty, ListCell::Date);
    let rows = entries
        .iter()
        .map(|e| {
            let mut row = vec![
                ListCell::Text(e.name.clone()),
                ListCell::Text(e.lawyer_id.clone()),
                ListCell::Text(e.law_firm.clone()),
                ListCell::Text(e.district.clone()),
                e.years_of_practice.map_or(ListCell::Empty, ListCell::Int),
                ListCell::Text(lang.list(&e.list)),
                ListCell::Text(e.rules.join(";")),
                ListCell::Text(grounds(e, lang, &rules)),
            ];
            if negative {
                let kinds: Vec<String> = e
                    .sanctions
                    .iter()
                    .map(|s| lang.sanction_kind(&s.kind))
                    .collect();
                let summaries: Vec<String> = e
                    .sanctions
                    .iter()
                    .filter_map(|s| s.summary.clone())
                    .collect();
                row.push(ListCell::Text(kinds.join(sep)));
                row.push(ListCell::Text(summaries.join(sep)));
            }
            row.push(date(e.listed_on));
            row.push(date(e.ends_on));
            row.push(ListCell::Text(
                plan.settings.publication.deciding_body.clone(),
            ));
            row
        })
        .collect();
    ListTable {
        list,
        header: header.iter().map(|k| lang.tr(k).to_string()).collect(),
        keys: header,
        rows,
    }
}

/// The CSV bytes: UTF-8 with a byte-order mark (so that spreadsheet
/// programs open Chinese text correctly), formula-like text neutralised.
pub fn csv_bytes(table: &ListTable) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(table.header.iter().map(|h| csv_text(h)))
        .expect("writing to memory");
    for row in &table.rows {
        w.write_record(row.iter().map(|c| match c {
            ListCell::Text(t) => csv_text(t),
            other => other.display(),
        }))
        .expect("writing to memory");
    }
    let mut out = "\u{FEFF}".as_bytes().to_vec();
    out.extend(w.into_inner().expect("writing to memory"));
    out
}

/// The XLSX bytes: text as string cells (formula-like text with Excel's
/// quote prefix), years as numbers, dates as date cells; the document
/// dated by the run's as-of, not the clock.
pub fn xlsx_bytes(table: &ListTable, title: &str, plan: &Plan) -> Result<Vec<u8>, String> {
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut wb = Workbook::new();
    let as_of = excel_date(plan.as_of).map_err(e)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author(plan.settings.publication.deciding_body.as_str())
            .set_creation_datetime(&as_of),
    );
    let header = Format::new().set_bold().set_text_wrap();
    let plain = Format::new();
    let quoted = Format::new().set_quote_prefix();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(title)).map_err(e)?;
    for (j, h) in table.header.iter().enumerate() {
        let col = j as u16;
        ws.write_string_with_format(0, col, h, &header).map_err(e)?;
        let width = table
            .rows
            .iter()
            .map(|r| display_width(&r[j].display()))
            .chain(std::iter::once(display_width(h)))
            .max()
            .unwrap_or(8)
            .clamp(8, 60);
        ws.set_column_width(col, width as f64 + 2.0).map_err(e)?;
    }
    for (i, row) in table.rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (j, cell) in row.iter().enumerate() {
            let c = j as u16;
            match cell {
                ListCell::Text(t) => {
                    let f = if is_formula_like(t) { &quoted } else { &plain };
                    ws.write_string_with_format(r, c, t, f).map_err(e)?;
                }
                ListCell::Int(v) => {
                    ws.write_number(r, c, *v as f64).map_err(e)?;
                }
                ListCell::Date(d) => {
                    ws.write_date_with_format(r, c, excel_date(*d).map_err(e)?, &date)
                        .map_err(e)?;
                }
                ListCell::Empty => {}
            }
        }
    }
    ws.set_freeze_panes(1, 0).map_err(e)?;
    crate::xlsx::print_setup(ws, 0).map_err(e)?;
    wb.save_to_buffer().map_err(e)
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, rust_xlsxwriter::XlsxError> {
    use chrono::Datelike;
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(title: &str) -> String {
    title
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

/// The columns the HTML table leaves out (issue 16 #9: the table fits a
/// 1280 px screen): the list (the section or page is the list's own), the
/// deciding body (the same for every row: the table's caption names it)
/// and, on the negative list, the bare rule codes (each ground starts with
/// its code). The CSV and XLSX files keep every column.
fn html_drops(list: &str, key: &str) -> bool {
    matches!(key, "col_list" | "col_deciding_body") || (list == "negative" && key == "col_rules")
}

/// The HTML table of a list for the report and the list page.
pub fn html_table(table: &ListTable, plan: &Plan) -> Tbl {
    let lang = Lang::from_code(&plan.lang);
    let shown: Vec<usize> = (0..table.header.len())
        .filter(|&j| !html_drops(table.list, table.keys[j]))
        .collect();
    let mut tbl = Tbl::new(
        shown
            .iter()
            .map(|&j| (table.header[j].clone(), table.keys[j] == "col_years"))
            .collect(),
    )
    .caption(lang.fmt(
        "deciding_body_caption",
        &[&plan.settings.publication.deciding_body],
    ))
    .plain();
    for row in &table.rows {
        tbl.row(shown.iter().map(|&j| row[j].display()).collect());
    }
    tbl
}

/// The rule legend of a list page.
fn rules_table(list: &str, lang: Lang, settings: &crate::config::Settings) -> Tbl {
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("col_code")),
        text_col(lang.tr("col_rule")),
        text_col(lang.tr("col_severity")),
    ]);
    for r in list_rules(settings).into_iter().filter(|r| r.list == list) {
        tbl.row(vec![
            r.code.to_string(),
            r.text(lang).to_string(),
            r.severity.map(|s| lang.severity(s)).unwrap_or_default(),
        ]);
    }
    tbl
}

/// Writes `public/{positive,negative}-list.{csv,xlsx,html}`.
pub fn write_all(lists: &Lists, plan: &Plan, out: &mut Writer) -> Result<(), PublishError> {
    let lang = Lang::from_code(&plan.lang);
    for (list, entries) in [("positive", &lists.positive), ("negative", &lists.negative)] {
        let table = list_table(list, entries, plan);
        let stem = format!("public/{list}-list");
        let title = lang.list(list);
        out.write(&format!("{stem}.csv"), csv_bytes(&table))?;
        let xlsx_path = format!("{stem}.xlsx");
        let bytes = xlsx_bytes(&table, &title, plan).map_err(|message| PublishError::Xlsx {
            path: out.path(&xlsx_path).unwrap_or_default(),
            message,
        })?;
        out.write(&xlsx_path, bytes)?;
        let html = render("list.html", list_page(list, &table, plan)?)?;
        out.write(&format!("{stem}.html"), html)?;
    }
    Ok(())
}

fn list_page(list: &str, table: &ListTable, plan: &Plan) -> Result<minijinja::Value, PublishError> {
    let lang = Lang::from_code(&plan.lang);
    let body = &plan.settings.publication.deciding_body;
    let title = lang.fmt("list_title", &[&lang.list(list), &plan.as_of]);
    Ok(
        // Printed on landscape pages, header and footer with the table.
        crate::publish::report::frame(plan, &title, false, "index.html#method")
            .set("landscape", true)
            .set(
                "intro",
                format!(
                    "{} {}",
                    lang.tr(if list == "negative" {
                        "negative_intro"
                    } else {
                        "positive_intro"
                    }),
                    lang.fmt("list_page_intro", &[body, &plan.as_of])
                ),
            )
            .set(
                "tbl",
                if table.rows.is_empty() {
                    minijinja::Value::from(())
                } else {
                    html_table(table, plan).value()
                },
            )
            .set("empty", lang.tr("list_empty"))
            .set("rules", rules_table(list, lang, &plan.settings).value())
            .set("order_note", lang.tr("order_note"))
            .build(),
    )
}

/// The published table of a list as an HTML table value, or none when
/// empty.
pub fn report_table(list: &'static str, entries: &[Entry], plan: &Plan) -> Option<Tbl> {
    if entries.is_empty() {
        None
    } else {
        Some(html_table(&list_table(list, entries, plan), plan))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_neutralises_formulas_and_keeps_numbers() {
        let table = ListTable {
            list: "negative",
            keys: vec!["col_name", "col_years", "col_firm"],
            header: vec!["姓名".into(), "年限".into(), "律所".into()],
            rows: vec![vec![
                ListCell::Text("=HYPERLINK(\"http://x\")".into()),
                ListCell::Int(-3),
                ListCell::Text("-3.5".into()),
            ]],
        };
        let bytes = csv_bytes(&table);
        assert!(bytes.starts_with("\u{FEFF}".as_bytes()));
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
        assert!(text.contains(",-3,-3.5\r\n"), "{text}");
    }
}
