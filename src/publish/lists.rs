//! The published positive and negative lists (`publication.md`, "The
//! published lists"), as CSV, XLSX and HTML, and the list entries that ended
//! since the last publication.
//!
//! Only entries with status `listed` are published. Rows are ordered by
//! district, then by the lawyer's name in pinyin order, then by licence
//! number: a stable order that says nothing about rank. For an entry resting
//! on N4 the sanction kind and its public `summary` are shown; a summary that
//! contains a recipient's name or identity number (or a case id or a
//! reviewer's name) is left out, with a warning. Spreadsheet cells that could
//! be read as a formula are neutralised (privacy rule 4): a leading
//! apostrophe in CSV, Excel's quote prefix in XLSX; numbers stay numbers.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use pinyin::ToPinyin;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use super::i18n::Lang;
use super::privacy::{Identifiers, csv_text, is_formula_like};
use super::rows::{EntryRow, EventRow, N4EvidenceRow, SanctionRow, text};
use super::templates::{Tbl, render, text_col};
use super::{PublishError, Writer};
use crate::plan::Plan;

/// A list rule's code, list, severity and wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleText {
    pub code: &'static str,
    /// `negative` or `positive`.
    pub list: &'static str,
    /// `general` or `serious`, negative rules only.
    pub severity: Option<&'static str>,
    pub zh: String,
    pub en: String,
}

/// Every list rule in code order, from the register's rule registry (the
/// one place the rule texts live), worded with the settings in force.
pub fn list_rules(settings: &crate::config::Settings) -> Vec<RuleText> {
    let values = crate::register::rules::RuleValues::of(settings);
    crate::register::LIST_RULES
        .iter()
        .map(|r| {
            let (zh, en) = r.text(&values);
            RuleText {
                code: r.code,
                list: r.list.as_str(),
                severity: r.severity.map(|s| s.as_str()),
                zh,
                en,
            }
        })
        .collect()
}

impl RuleText {
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// Rule codes in the registry's order, unknown codes last.
pub fn sorted_codes(codes: &str) -> Vec<String> {
    let order = crate::register::LIST_RULES;
    let mut v: Vec<String> = codes
        .split(';')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    v.sort_by_key(|c| {
        (
            order.iter().position(|r| r.code == c).unwrap_or(usize::MAX),
            c.clone(),
        )
    });
    v.dedup();
    v
}

/// A sanction behind an N4 entry, as published.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedSanction {
    pub kind: String,
    /// `None` when the input had none or it was left out.
    pub summary: Option<String>,
}

/// One register entry with the lawyer's published details.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub entry_id: String,
    pub lawyer_id: String,
    pub name: String,
    pub law_firm: String,
    pub district: String,
    pub years_of_practice: Option<i64>,
    pub list: String,
    pub status: String,
    pub severity: Option<String>,
    pub rules: Vec<String>,
    pub listed_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// When an ended entry ended: `removed_on`, else its last ending event.
    pub ended_on: Option<NaiveDate>,
    /// N4 entries only.
    pub sanctions: Vec<PublishedSanction>,
}

/// The entries a publication shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lists {
    /// Listed positive entries, in published order.
    pub positive: Vec<Entry>,
    /// Listed negative entries, in published order.
    pub negative: Vec<Entry>,
    /// Once-listed entries that ended since the last publication.
    pub ended: Vec<Entry>,
    /// The as-of of the last earlier run, when the register knows one.
    pub last_publication: Option<NaiveDate>,
    /// Listed entries amended since the last publication (some of their
    /// rules fell with their evidence): the public report corrects them.
    pub amended: Vec<Amendment>,
}

/// A listed entry whose rules were narrowed: the codes dropped, never the
/// evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Amendment {
    pub entry_id: String,
    pub dropped: Vec<String>,
    pub on: NaiveDate,
}

/// The rows the lists are built from.
#[derive(Debug, Clone, Copy)]
pub struct ListInputs<'a> {
    /// `mart_report_entries`, in entry order.
    pub entries: &'a [EntryRow],
    /// `mart_report_events`, in event order.
    pub events: &'a [EventRow],
    /// `mart_report_sanctions`, oldest decision first.
    pub sanctions: &'a [SanctionRow],
    /// `mart_report_n4_evidence`.
    pub n4: &'a [N4EvidenceRow],
}

/// The lists a publication shows, from the register's entries and events
/// as this run leaves them; a sanction summary that contains an identifier
/// of `ids` is left out, with a warning.
pub fn load(
    plan: &Plan,
    input: ListInputs<'_>,
    ids: &Identifiers,
    warnings: &mut Vec<String>,
) -> Lists {
    let as_of = plan.as_of;
    let last_publication = input
        .events
        .iter()
        .filter(|r| r.run_id.as_deref().is_some_and(|s| !s.is_empty()))
        .filter_map(|r| r.date)
        .filter(|d| *d < as_of)
        .max();
    let mut evidence: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut ending: BTreeMap<String, NaiveDate> = BTreeMap::new();
    let mut rules_before: BTreeMap<String, String> = BTreeMap::new();
    let mut listed: BTreeSet<String> = BTreeSet::new();
    let mut amended = Vec::new();
    for e in input.events {
        let entry = text(&e.entry_id);
        let ids = e
            .evidence
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if matches!(e.kind.as_str(), "amended" | "annulled") {
            // These events name overturned evidence: never published.
            let held = evidence.entry(entry.clone()).or_default();
            for id in ids {
                held.remove(id);
            }
        } else {
            evidence
                .entry(entry.clone())
                .or_default()
                .extend(ids.map(str::to_string));
        }
        if e.kind == "listed" {
            listed.insert(entry.clone());
        }
        if e.kind == "amended"
            && listed.contains(&entry)
            && let Some(d) = e
                .date
                .filter(|d| *d <= as_of && last_publication.is_none_or(|p| *d > p))
        {
            let now = sorted_codes(&e.rules);
            let dropped: Vec<String> =
                sorted_codes(rules_before.get(&entry).map_or("", String::as_str))
                    .into_iter()
                    .filter(|c| !now.contains(c))
                    .collect();
            if !dropped.is_empty() {
                amended.push(Amendment {
                    entry_id: entry.clone(),
                    dropped,
                    on: d,
                });
            }
        }
        if !e.rules.is_empty() {
            rules_before.insert(entry.clone(), e.rules.clone());
        }
        if matches!(e.kind.as_str(), "expired" | "removed" | "annulled")
            && let Some(d) = e.date
        {
            ending.insert(entry, d);
        }
    }

    let mut lists = Lists {
        last_publication,
        amended,
        ..Lists::default()
    };
    for r in input.entries {
        let mut entry = Entry {
            entry_id: r.entry_id.clone(),
            lawyer_id: r.lawyer_id.clone(),
            name: text(&r.name),
            law_firm: text(&r.law_firm),
            district: text(&r.district),
            years_of_practice: r.years_of_practice,
            list: r.list.clone(),
            status: r.status.clone(),
            severity: r.severity.clone(),
            rules: sorted_codes(&r.rules),
            listed_on: r.listed_on,
            ends_on: r.ends_on,
            ended_on: r.removed_on,
            sanctions: Vec::new(),
        };
        if entry.ended_on.is_none() {
            entry.ended_on = ending.get(&entry.entry_id).copied();
        }
        match entry.status.as_str() {
            "listed" => {
                if entry.list == "negative" && entry.rules.iter().any(|c| c == "N4") {
                    entry.sanctions = published_sanctions(&entry, &evidence, input, ids, warnings);
                }
                match entry.list.as_str() {
                    "negative" => lists.negative.push(entry),
                    "positive" => lists.positive.push(entry),
                    _ => {}
                }
            }
            "expired" | "removed" | "annulled" => {
                let since = |d: NaiveDate| last_publication.is_none_or(|p| d > p);
                if entry.listed_on.is_some()
                    && entry.ended_on.is_some_and(|d| d <= as_of && since(d))
                {
                    lists.ended.push(entry);
                }
            }
            _ => {}
        }
    }
    for l in [&mut lists.positive, &mut lists.negative, &mut lists.ended] {
        l.sort_by_cached_key(|e| {
            (
                collation_key(&e.district, false),
                collation_key(&e.name, true),
                e.name.clone(),
                e.lawyer_id.clone(),
                e.entry_id.clone(),
            )
        });
    }
    lists
}

/// The sanctions behind a listed N4 entry: those its events name, else
/// those of this run's N4 finding; a summary naming an identifier is left
/// out, with a warning.
fn published_sanctions(
    entry: &Entry,
    evidence: &BTreeMap<String, BTreeSet<String>>,
    input: ListInputs<'_>,
    ids: &Identifiers,
    warnings: &mut Vec<String>,
) -> Vec<PublishedSanction> {
    let lawyer = Some(entry.lawyer_id.as_str());
    let mut behind: BTreeSet<String> = evidence.get(&entry.entry_id).cloned().unwrap_or_default();
    let ours = |id: &str| {
        input
            .sanctions
            .iter()
            .any(|s| s.sanction_id.as_deref() == Some(id) && s.lawyer_id.as_deref() == lawyer)
    };
    behind.retain(|id| ours(id));
    if behind.is_empty() {
        for n4 in input.n4.iter().filter(|n| n.lawyer_id.as_deref() == lawyer) {
            behind.extend(
                text(&n4.evidence)
                    .split(';')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
        }
    }
    let mut out = Vec::new();
    for s in input.sanctions {
        let id = text(&s.sanction_id);
        if !behind.contains(&id) || s.lawyer_id.as_deref() != lawyer {
            continue;
        }
        let summary = s
            .summary
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let summary = match summary {
            Some(text) if ids.found_in(&text) => {
                warnings.push(format!(
                    "sanction {id} (lawyer {}): its summary is left out of the \
                     published negative list because it contains a recipient's \
                     name or identity number, a case id or a reviewer's name",
                    entry.lawyer_id
                ));
                None
            }
            other => other,
        };
        out.push(PublishedSanction {
            kind: text(&s.kind),
            summary,
        });
    }
    out
}

/// Surnames whose reading differs from the character's most common one.
const SURNAME_READINGS: &[(char, &str)] = &[
    ('单', "shan4"),
    ('解', "xie4"),
    ('仇', "qiu2"),
    ('曾', "zeng1"),
    ('区', "ou1"),
    ('朴', "piao2"),
    ('查', "zha1"),
    ('盖', "ge3"),
    ('缪', "miao4"),
    ('乐', "yue4"),
    ('尉', "yu4"),
    ('覃', "qin2"),
    ('翟', "zhai2"),
    ('种', "chong2"),
    ('秘', "bi4"),
    ('折', "she2"),
    ('黑', "he4"),
    ('员', "yun4"),
    ('长', "chang2"),
    ('重', "chong2"),
    ('纪', "ji3"),
    ('任', "ren2"),
    ('华', "hua4"),
    ('薄', "bo2"),
];

/// A sort key that orders Chinese text by pinyin, syllable by syllable
/// (tone as the tie-break within a syllable), and other characters by
/// themselves, case-insensitively. With `name`, the first character reads
/// as a surname (单 as shàn, 曾 as zēng …). Characters with the same
/// reading keep the order the caller breaks ties with.
pub fn collation_key(text: &str, name: bool) -> String {
    let mut out = String::new();
    for (i, c) in text.trim().chars().enumerate() {
        if i > 0 {
            out.push('\u{1}');
        }
        let surname = if name && i == 0 {
            SURNAME_READINGS
                .iter()
                .find(|(s, _)| *s == c)
                .map(|(_, r)| *r)
        } else {
            None
        };
        match surname.or_else(|| c.to_pinyin().map(|p| p.with_tone_num_end())) {
            Some(reading) => out.push_str(reading),
            None => out.extend(c.to_lowercase()),
        }
    }
    out
}

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
    let rules = list_rules(&plan.settings);
    let lang = Lang::from_code(&plan.lang);
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

/// Rough column width: CJK characters count double.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

/// The HTML table of a list for the report and the list page.
pub fn html_table(table: &ListTable) -> Tbl {
    let mut tbl = Tbl::new(table.header.iter().map(text_col).collect()).plain();
    // Years of practice is the one number column.
    if let Some(col) = tbl.columns.get_mut(4) {
        col.1 = true;
    }
    for row in &table.rows {
        tbl.row(row.iter().map(ListCell::display).collect());
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
    Ok(super::report::frame(plan, &title, false)
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
                html_table(table).value()
            },
        )
        .set("empty", lang.tr("list_empty"))
        .set("rules", rules_table(list, lang, &plan.settings).value())
        .set("order_note", lang.tr("order_note"))
        .build())
}

/// The published table of a list as an HTML table value, or none when
/// empty.
pub fn report_table(list: &'static str, entries: &[Entry], plan: &Plan) -> Option<Tbl> {
    if entries.is_empty() {
        None
    } else {
        Some(html_table(&list_table(list, entries, plan)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_order_is_by_syllable_then_tone() {
        let mut names = vec![
            "张三",
            "李四",
            "王五",
            "赵六",
            "安七",
            "单田芳",
            "曾志伟",
            "Zoe",
            "李",
        ];
        names.sort_by_key(|n| collation_key(n, true));
        assert_eq!(
            names,
            vec![
                "安七",
                "李",
                "李四",
                "单田芳",
                "王五",
                "Zoe",
                "曾志伟",
                "张三",
                "赵六"
            ]
        );
        // Districts: no surname readings.
        let mut d = vec!["武侯区", "锦江区", "成华区", "青羊区", "金牛区"];
        d.sort_by_key(|n| collation_key(n, false));
        assert_eq!(d, vec!["成华区", "金牛区", "锦江区", "青羊区", "武侯区"]);
    }

    #[test]
    fn codes_sort_in_registry_order() {
        assert_eq!(sorted_codes("N4;N1;;N4"), vec!["N1", "N4"]);
        assert_eq!(sorted_codes("P5;P1;X9"), vec!["P1", "P5", "X9"]);
        assert!(sorted_codes("").is_empty());
    }

    #[test]
    fn csv_neutralises_formulas_and_keeps_numbers() {
        let table = ListTable {
            list: "negative",
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
