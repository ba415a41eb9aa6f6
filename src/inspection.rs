//! The annual-inspection deliverables for reviewers: `internal/inspection.xlsx`
//! (one sheet per district, one for law firms, one explaining the method) and
//! the assignment eligibility roster `internal/eligibility.{csv,xlsx}`. The
//! figures come from the `mart_inspection`, `mart_inspection_firms` and
//! `mart_eligibility` models; this module only lays them out.

use std::path::Path;

use datafusion::arrow::array::{Array, AsArray, StringArray};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::compute::kernels::cmp::eq;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::error::{Error, Result};
use crate::xlsx::{neutralise_csv, write_batches};

/// An inspection reason code with its Chinese and English text.
pub struct InspectionReason {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// The reason codes of the recommended grade (`mart_inspection.sql` decides
/// them; the texts live here, once).
pub const INSPECTION_REASONS: &[InspectionReason] = &[
    InspectionReason {
        code: "I0",
        zh: "截至考核期末执业不满规定月数，不评等次",
        en: "licensed for less than the minimum months at the period's end: no grade",
    },
    InspectionReason {
        code: "I1",
        zh: "考核时在负面清单上（严重）",
        en: "a serious negative-list entry is listed at the decision date",
    },
    InspectionReason {
        code: "I2",
        zh: "信用等级为D且有未结的负面清单记录",
        en: "credit tier D together with an open negative-list entry",
    },
    InspectionReason {
        code: "I3",
        zh: "未完成法律援助义务（办结案件数不足）",
        en: "legal-aid duty not met (too few cases closed)",
    },
    InspectionReason {
        code: "I4",
        zh: "信用等级为C或D",
        en: "credit tier C or D",
    },
    InspectionReason {
        code: "I5",
        zh: "考核期内有经查属实的投诉",
        en: "a substantiated complaint decided in the period",
    },
    InspectionReason {
        code: "I6",
        zh: "有未结的负面清单记录（公示、暂缓或在列）",
        en: "an open negative-list entry (proposed, held or listed)",
    },
];

/// A compliance flag of a case (credit-and-lists.md, "Compliance flags
/// output"); `sql/mart_case_compliance.sql` decides them.
pub struct ComplianceFlag {
    pub code: &'static str,
    /// `{min_years}` is `[inspection] major_case_min_years`.
    pub zh: &'static str,
    pub en: &'static str,
    /// A column head's few words (Chinese, English); the page's legend and
    /// the method section give [`ComplianceFlag::text`] in full.
    pub head: (&'static str, &'static str),
}

/// The compliance flags K1–K5, in code order.
pub const COMPLIANCE_FLAGS: &[ComplianceFlag] = &[
    ComplianceFlag {
        code: "K1",
        zh: "超期归档",
        en: "archived late",
        head: ("超期归档", "late archive"),
    },
    ComplianceFlag {
        code: "K2",
        zh: "家暴案件由男律师承办",
        en: "domestic-violence case with a male lawyer",
        head: ("家暴案件男律师", "DV case, male lawyer"),
    },
    ComplianceFlag {
        code: "K3",
        zh: "执业不满{min_years}年承办刑事或重大疑难案件",
        en: "criminal or major case given to a lawyer with under {min_years} years of practice",
        head: ("资历不足承办重大/刑事", "junior on major case"),
    },
    ComplianceFlag {
        code: "K4",
        zh: "不得承办刑事案件的执业类别承办刑事案件",
        en: "criminal case given to a practice kind that may not defend in criminal cases",
        head: ("基层工作者承办刑事", "barred kind on criminal"),
    },
    ComplianceFlag {
        code: "K5",
        zh: "列入负面清单期间被指派",
        en: "assigned while on the negative list",
        head: ("在列期间受指派", "assigned while listed"),
    },
];

impl ComplianceFlag {
    /// The flag's Chinese and English words with the settings in force.
    pub fn text(&self, settings: &crate::config::InspectionSettings) -> (String, String) {
        let years = settings.major_case_min_years.to_string();
        (
            self.zh.replace("{min_years}", &years),
            self.en.replace("{min_years}", &years),
        )
    }
}

/// The flag with this code.
pub fn compliance_flag(code: &str) -> Option<&'static ComplianceFlag> {
    COMPLIANCE_FLAGS.iter().find(|f| f.code == code)
}

/// Chinese headers of the columns the workbooks show.
const LABELS: &[(&str, &str)] = &[
    ("lawyer_id", "执业证号"),
    ("name", "姓名"),
    ("law_firm", "律师事务所"),
    ("firm_key", "律所标识"),
    ("district", "区县"),
    ("practice_kind", "执业类别"),
    ("years_of_practice", "执业年限"),
    ("n_closed", "办结案件"),
    ("n_closed_criminal", "刑事"),
    ("n_closed_civil", "民事"),
    ("n_closed_administrative", "行政"),
    ("n_reviewed", "评议案件"),
    ("n_fail", "不合格案件"),
    ("mean_score", "平均分"),
    ("credit_score", "信用分"),
    ("tier", "信用等级"),
    ("complaints_received", "受理投诉"),
    ("complaints_substantiated", "属实投诉"),
    ("sanctions", "考核期内处分处罚"),
    ("open_negative_entry", "负面清单记录"),
    ("open_negative_status", "负面清单状态"),
    ("n_late_archive", "逾期归档"),
    ("n_dv_male_lawyer", "家暴案件男律师"),
    ("n_junior_on_major", "资历不足承办重大/刑事"),
    ("n_grassroots_criminal", "基层工作者承办刑事"),
    ("n_assigned_while_listed", "在列期间受指派"),
    ("duty_met", "完成援助义务"),
    ("recommendation", "建议等次代码"),
    ("recommendation_label", "建议等次"),
    ("recommendation_reasons", "理由代码"),
    ("n_lawyers", "律师人数"),
    ("n_competent", "称职"),
    ("n_basically_competent", "基本称职"),
    ("n_not_competent", "不称职"),
    ("n_not_graded", "不评等次"),
    ("share_competent", "称职占比"),
    ("share_basically_competent", "基本称职占比"),
    ("share_not_competent", "不称职占比"),
    ("share_duty_met", "完成义务占比"),
    ("n_cases_closed", "办结案件"),
    ("n_cases_reviewed", "评议案件"),
    ("specialties", "擅长领域"),
    ("case_id", "案件编号"),
    ("case_type", "案件类型"),
    ("assigned_on", "指派日期"),
    ("flags", "合规提示代码"),
];

/// The Chinese label of a coded value of `column`, for the columns the
/// workbooks and the eligibility roster show in words; `None` for any other
/// column (or an unknown code, shown as it is).
fn label_of(column: &str, code: &str) -> Option<&'static str> {
    match column {
        "practice_kind" => crate::ingest::schema::PRACTICE_KIND
            .iter()
            .find(|v| v.code == code)
            .and_then(|v| v.labels.iter().max_by_key(|l| l.chars().count()).copied()),
        "open_negative_status" => code
            .parse::<crate::register::EntryStatus>()
            .ok()
            .map(|s| s.zh()),
        "case_type" => crate::rubric::CaseType::parse(code).map(|t| t.label_zh()),
        _ => None,
    }
}

/// The columns shown in words and the code column they move to the end.
const LABELLED: &[(&str, &str)] = &[
    ("practice_kind", "执业类别代码"),
    ("open_negative_status", "负面清单状态代码"),
    ("case_type", "案件类型代码"),
    ("recommendation", "建议等次代码"),
];

/// The rows as a reviewer reads them: each coded column of [`LABELLED`] in
/// Chinese words, its codes in a trailing `<column>_code` column (the
/// recommendation, whose words are already `recommendation_label`, just
/// moves to the end).
fn labelled(schema: &SchemaRef, batches: &[RecordBatch]) -> (SchemaRef, Vec<RecordBatch>) {
    use datafusion::arrow::datatypes::{Field, Schema};
    use std::sync::Arc;
    let coded: Vec<usize> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| LABELLED.iter().any(|(c, _)| c == f.name()))
        .map(|(i, _)| i)
        .collect();
    let mut fields: Vec<Field> = Vec::new();
    let mut trailing: Vec<Field> = Vec::new();
    for (i, f) in schema.fields().iter().enumerate() {
        if !coded.contains(&i) {
            fields.push(f.as_ref().clone());
        } else if f.name() == "recommendation" {
            trailing.push(f.as_ref().clone());
        } else {
            fields.push(f.as_ref().clone());
            trailing.push(Field::new(
                format!("{}_code", f.name()),
                f.data_type().clone(),
                true,
            ));
        }
    }
    fields.extend(trailing);
    let out_schema = Arc::new(Schema::new(fields));
    let out = batches
        .iter()
        .map(|b| {
            let mut columns = Vec::new();
            let mut codes = Vec::new();
            for (i, f) in schema.fields().iter().enumerate() {
                let column = b.column(i).clone();
                if !coded.contains(&i) {
                    columns.push(column);
                } else if f.name() == "recommendation" {
                    codes.push(column);
                } else {
                    let text = datafusion::arrow::compute::cast(
                        &column,
                        &datafusion::arrow::datatypes::DataType::Utf8,
                    )
                    .expect("a text column");
                    let words: StringArray = text
                        .as_string::<i32>()
                        .iter()
                        .map(|v| v.map(|v| label_of(f.name(), v).unwrap_or(v)))
                        .collect();
                    let words = datafusion::arrow::compute::cast(&words, f.data_type())
                        .expect("back to the column's type");
                    columns.push(words);
                    codes.push(column);
                }
            }
            columns.extend(codes);
            RecordBatch::try_new(out_schema.clone(), columns).expect("same rows")
        })
        .collect();
    (out_schema, out)
}

/// The 合规提示 rows with one labelled column per flag K1–K5 (`是` where
/// the case has it), the `flags` codes moved to the end.
fn flag_columns(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    settings: &crate::config::InspectionSettings,
) -> (SchemaRef, Vec<RecordBatch>) {
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;
    let Ok(at) = schema.index_of("flags") else {
        return (schema.clone(), batches.to_vec());
    };
    let mut fields: Vec<Field> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != at)
        .map(|(_, f)| f.as_ref().clone())
        .collect();
    for flag in COMPLIANCE_FLAGS {
        let (zh, _) = flag.text(settings);
        fields.push(Field::new(
            format!("{} {zh}", flag.code),
            DataType::Utf8,
            true,
        ));
    }
    fields.push(schema.field(at).clone());
    let out_schema = Arc::new(Schema::new(fields));
    let out = batches
        .iter()
        .map(|b| {
            let codes = datafusion::arrow::compute::cast(b.column(at), &DataType::Utf8)
                .expect("a text column");
            let codes = codes.as_string::<i32>();
            let mut columns: Vec<_> = (0..b.num_columns())
                .filter(|i| *i != at)
                .map(|i| b.column(i).clone())
                .collect();
            for flag in COMPLIANCE_FLAGS {
                let marks: StringArray = codes
                    .iter()
                    .map(|c| {
                        c.filter(|c| c.split(';').any(|x| x == flag.code))
                            .map(|_| "是")
                    })
                    .collect();
                columns.push(Arc::new(marks));
            }
            columns.push(b.column(at).clone());
            RecordBatch::try_new(out_schema.clone(), columns).expect("same rows")
        })
        .collect();
    (out_schema, out)
}

fn headers(schema: &SchemaRef) -> Vec<String> {
    schema
        .fields()
        .iter()
        .map(|f| {
            LABELS
                .iter()
                .find(|(name, _)| name == f.name())
                .or_else(|| {
                    LABELLED
                        .iter()
                        .find(|(c, _)| Some(*c) == f.name().strip_suffix("_code"))
                })
                .map(|(_, zh)| zh.to_string())
                .unwrap_or_else(|| f.name().clone())
        })
        .collect()
}

/// The zip level of the staff workbooks. Deflating the sheets was most of
/// the write step at 5 M cases (the inspection workbook holds a row per
/// case); rust_xlsxwriter measures level 3 at 0.71 of the default level 6's
/// time for 1.06 of its size.
const WORKBOOK_ZIP_LEVEL: u8 = 3;

/// A workbook whose document properties carry a fixed creation time (the
/// run's as-of date), so the same run gives the same bytes. Its sheets, added
/// with [`streamed_sheet`], keep their rows in unnamed temporary files in
/// `tempdir` (the folder the workbook goes to: its data stays where the
/// workbook will be, and the operating system removes the files however the
/// run ends).
pub fn reproducible_workbook(
    as_of: chrono::NaiveDate,
    tempdir: &Path,
) -> Result<Workbook, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_tempdir(tempdir)?;
    wb.set_zip_compression_level(WORKBOOK_ZIP_LEVEL);
    let created = ExcelDateTime::parse_from_str(&as_of.format("%Y-%m-%d").to_string())?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    Ok(wb)
}

/// A new sheet of `wb` in rust_xlsxwriter's constant-memory mode: each row
/// goes to the sheet's temporary file when the next one starts, instead of
/// every cell staying in memory until the save. Held in memory, the cells of
/// the inspection workbook were the run's peak at 1 M cases (the per-case
/// sheet holds a row per flagged case). Rows must be written in order, which
/// [`write_batches`] does; text is stored in the cells ("inline strings"),
/// not in a shared table.
fn streamed_sheet(wb: &mut Workbook) -> Result<&mut Worksheet, XlsxError> {
    wb.add_worksheet_with_constant_memory()
}

/// Adds a [`streamed_sheet`] named `name` to `wb` and writes `batches` into
/// it under `title` and `headers` ([`write_batches`]).
fn table_sheet(
    wb: &mut Workbook,
    name: &str,
    title: &str,
    headers: &[String],
    batches: &[RecordBatch],
) -> Result<(), XlsxError> {
    let ws = streamed_sheet(wb)?;
    ws.set_name(name)?;
    write_batches(ws, title, headers, batches)
}

fn xlsx_err(path: &Path) -> impl Fn(XlsxError) -> Error + '_ {
    move |e| Error::io(path, std::io::Error::other(e))
}

/// The districts of the rows, in the pinyin order the HTML pages use.
fn districts(batches: &[RecordBatch]) -> Vec<String> {
    let mut out: Vec<String> = batches
        .iter()
        .flat_map(|b| {
            let col = b
                .column_by_name("district")
                .expect("district column")
                .as_string::<i32>()
                .clone();
            (0..col.len()).map(move |i| col.value(i).to_string())
        })
        .collect();
    out.sort();
    out.dedup();
    out.sort_by_cached_key(|d| (crate::publish::lists::collation_key(d, false), d.clone()));
    out
}

fn rows_of_district(batches: &[RecordBatch], district: &str) -> Vec<RecordBatch> {
    let needle = StringArray::new_scalar(district);
    batches
        .iter()
        .map(|b| {
            let mask = eq(
                b.column_by_name("district").expect("district column"),
                &needle,
            )
            .expect("text column");
            filter_record_batch(b, &mask).expect("same length")
        })
        .filter(|b| b.num_rows() > 0)
        .collect()
}

/// A worksheet name: Excel allows 31 characters and no `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    if cleaned.is_empty() {
        "—".into()
    } else {
        cleaned
    }
}

/// Writes `inspection.xlsx` into `dir`.
pub fn write_inspection_workbook(
    dir: &Path,
    lawyers: (&SchemaRef, &[RecordBatch]),
    firms: (&SchemaRef, &[RecordBatch]),
    compliance: (&SchemaRef, &[RecordBatch]),
    settings: &crate::config::InspectionSettings,
    period: &str,
    as_of: chrono::NaiveDate,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join("inspection.xlsx");
    let err = xlsx_err(&path);
    let mut wb = reproducible_workbook(as_of, dir).map_err(&err)?;
    let title = |what: &str| format!("{what} · 考核期 {period} · 数据截至 {as_of}");
    // The sheets in their order: one per district, the firms, the flagged
    // cases (one row each; the codes' words are on the 说明 sheet). One
    // thread writes them all: the sheets share the workbook's table of cell
    // formats, which numbers a format when a sheet first uses it, so sheets
    // written side by side would number them in whichever order the threads
    // ran.
    let (lawyer_schema, lawyer_rows) = labelled(lawyers.0, lawyers.1);
    for district in districts(&lawyer_rows) {
        table_sheet(
            &mut wb,
            &sheet_name(&district),
            &title(&format!("律师年度考核参考表 · {district}")),
            &headers(&lawyer_schema),
            &rows_of_district(&lawyer_rows, &district),
        )
        .map_err(&err)?;
    }
    table_sheet(
        &mut wb,
        "律所汇总",
        &title("律所汇总"),
        &headers(firms.0),
        firms.1,
    )
    .map_err(&err)?;
    let (schema, rows) = labelled(compliance.0, compliance.1);
    let (schema, rows) = flag_columns(&schema, &rows, settings);
    table_sheet(
        &mut wb,
        "合规提示",
        &title("合规提示（逐案）"),
        &headers(&schema),
        &rows,
    )
    .map_err(&err)?;

    let ws = streamed_sheet(&mut wb).map_err(&err)?;
    ws.set_name("说明").map_err(&err)?;
    let bold = Format::new().set_bold();
    let lines: Vec<String> = [
        format!("法律援助年度考核：{period}"),
        "建议等次按下列顺序取第一条适用的规则：".to_string(),
        "1 不评等次：截至考核期末执业不满规定月数".to_string(),
        "2 不称职：严重负面清单在列；或信用等级D且有未结负面清单记录".to_string(),
        "3 基本称职：未完成援助义务；信用等级C或D；考核期内有属实投诉；或有未结负面清单记录"
            .to_string(),
        "4 称职：其他情形".to_string(),
        "理由代码：".to_string(),
    ]
    .into_iter()
    .chain(
        INSPECTION_REASONS
            .iter()
            .map(|r| format!("{}  {}  ({})", r.code, r.zh, r.en)),
    )
    .chain(std::iter::once("合规提示代码（合规提示表）：".to_string()))
    .chain(COMPLIANCE_FLAGS.iter().map(|f| {
        let (zh, en) = f.text(settings);
        format!("{}  {zh}  ({en})", f.code)
    }))
    .collect();
    ws.write_string_with_format(0, 0, &lines[0], &bold)
        .map_err(&err)?;
    for (i, line) in lines.iter().enumerate().skip(1) {
        ws.write_string(i as u32 + 1, 0, line).map_err(&err)?;
    }
    ws.set_column_width(0, 90).map_err(&err)?;
    wb.save(&path).map_err(&err)
}

/// Writes `eligibility.csv` and `eligibility.xlsx` into `dir`; `period`
/// and `as_of` head the workbook's sheet.
pub fn write_eligibility(
    dir: &Path,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    period: &str,
    as_of: chrono::NaiveDate,
) -> Result<()> {
    let sorted = in_pinyin_order(schema, batches)?;
    let (schema, batches) = labelled(schema, std::slice::from_ref(&sorted));
    let (schema, batches) = (&schema, batches.as_slice());
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join("eligibility.xlsx");
    let err = xlsx_err(&path);
    let mut wb = reproducible_workbook(as_of, dir).map_err(&err)?;
    table_sheet(
        &mut wb,
        "重大疑难案件承办律师名册",
        &format!("重大疑难案件承办律师名册 · 评查期 {period} · 数据截至 {as_of}"),
        &headers(schema),
        batches,
    )
    .map_err(&err)?;
    wb.save(&path).map_err(&err)?;

    let csv_path = dir.join("eligibility.csv");
    let csv_err = |e: csv::Error| Error::io(&csv_path, std::io::Error::other(e));
    let mut w = csv::Writer::from_path(&csv_path).map_err(csv_err)?;
    w.write_record(schema.fields().iter().map(|f| f.name().as_str()))
        .map_err(csv_err)?;
    for batch in batches {
        let formatted: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| {
                datafusion::arrow::util::display::ArrayFormatter::try_new(
                    c.as_ref(),
                    &Default::default(),
                )
                .expect("displayable column")
            })
            .collect();
        for i in 0..batch.num_rows() {
            let row: Vec<String> = formatted
                .iter()
                .map(|f| neutralise_csv(&f.value(i).to_string()))
                .collect();
            w.write_record(&row).map_err(csv_err)?;
        }
    }
    w.flush().map_err(|e| Error::io(&csv_path, e))
}

/// The roster's rows by district in pinyin order (as the HTML pages order
/// districts), then by lawyer id; SQL can only order by code point.
fn in_pinyin_order(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<RecordBatch> {
    let engine = |e: datafusion::arrow::error::ArrowError| Error::Engine(e.to_string());
    let all = datafusion::arrow::compute::concat_batches(schema, batches).map_err(engine)?;
    let text = |name: &str| {
        all.column_by_name(name)
            .and_then(|c| c.as_string_opt::<i32>())
            .map(|c| {
                (0..c.len())
                    .map(|i| c.is_valid(i).then(|| c.value(i)))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_else(|| vec![None; all.num_rows()])
    };
    let (district, id) = (text("district"), text("lawyer_id"));
    let mut order: Vec<u32> = (0..all.num_rows() as u32).collect();
    order.sort_by_cached_key(|&i| {
        let i = i as usize;
        (
            crate::publish::lists::collation_key(district[i].unwrap_or_default(), false),
            id[i].unwrap_or_default().to_string(),
        )
    });
    let indices = datafusion::arrow::array::UInt32Array::from(order);
    datafusion::arrow::compute::take_record_batch(&all, &indices).map_err(engine)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four lawyers of three districts, in no order: 锦江区 (jin) before
    /// 武侯区 (wu) before 青羊区 (qing) by code point; by pinyin: 锦江区,
    /// 青羊区, 武侯区.
    fn lawyers_of_three_districts() -> (SchemaRef, RecordBatch) {
        use datafusion::arrow::datatypes::{DataType, Field, Schema};
        let schema: SchemaRef = std::sync::Arc::new(Schema::new(vec![
            Field::new("district", DataType::Utf8, true),
            Field::new("lawyer_id", DataType::Utf8, false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                std::sync::Arc::new(StringArray::from(vec![
                    "武侯区",
                    "锦江区",
                    "青羊区",
                    "锦江区",
                ])),
                std::sync::Arc::new(StringArray::from(vec!["L1", "L3", "L4", "L2"])),
            ],
        )
        .unwrap();
        (schema, batch)
    }

    #[test]
    fn the_roster_is_in_the_pinyin_order_of_its_districts() {
        let (schema, batch) = lawyers_of_three_districts();
        let sorted = in_pinyin_order(&schema, &[batch]).unwrap();
        let col = |i: usize| {
            let c = sorted.column(i).as_string::<i32>();
            (0..c.len())
                .map(|r| c.value(r).to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(col(0), ["锦江区", "锦江区", "青羊区", "武侯区"]);
        assert_eq!(col(1), ["L2", "L3", "L4", "L1"]);
    }

    /// The workbook's sheets stream their rows through temporary files in
    /// its folder, which must hold nothing else afterwards; a row written
    /// after a later one would be dropped, so every row must read back, in
    /// the roster's order.
    #[test]
    fn the_roster_workbook_reads_back_every_row_and_leaves_no_temporary_file() {
        use calamine::{Reader, Xlsx, open_workbook};
        let (schema, batch) = lawyers_of_three_districts();
        let dir = tempfile::tempdir().unwrap();
        let as_of = chrono::NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
        write_eligibility(dir.path(), &schema, &[batch], "2024", as_of).unwrap();
        let mut files: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(files, ["eligibility.csv", "eligibility.xlsx"]);
        let mut wb: Xlsx<_> = open_workbook(dir.path().join("eligibility.xlsx")).unwrap();
        let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .skip(crate::xlsx::HEADER_ROW as usize + 1)
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(
            rows,
            [
                ["锦江区", "L2"],
                ["锦江区", "L3"],
                ["青羊区", "L4"],
                ["武侯区", "L1"]
            ]
        );
    }

    /// Each flag's words at the default settings and at a changed
    /// `major_case_min_years`: the threshold is quoted as in force.
    #[test]
    fn compliance_flag_texts_at_default_and_changed_settings() {
        let default = crate::config::InspectionSettings::default();
        let changed = crate::config::InspectionSettings {
            major_case_min_years: 5,
            ..default.clone()
        };
        let mut out = String::new();
        for f in COMPLIANCE_FLAGS {
            let (zh, en) = f.text(&default);
            let (zh2, en2) = f.text(&changed);
            out += &format!(
                "{}\n  zh: {zh}\n      {zh2}\n  en: {en}\n      {en2}\n",
                f.code
            );
        }
        insta::assert_snapshot!(out);
    }
}
