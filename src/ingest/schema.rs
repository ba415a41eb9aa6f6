//! The input tables of the data contract as data: each column's English and
//! Chinese name, kind, whether it is required, and the enumerations with
//! their codes and Chinese labels. Readers, validators, the quarantine files
//! and the staging tables' Arrow schemas are all derived from these lists.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

/// One input table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Lawyers,
    Cases,
    Reviewers,
    Reviews,
    Complaints,
    Sanctions,
    Feedback,
}

/// Table names in processing order: a table's foreign keys point only to
/// tables before it.
pub const TABLE_NAMES: [&str; 7] = [
    "lawyers",
    "cases",
    "reviewers",
    "reviews",
    "complaints",
    "sanctions",
    "feedback",
];

impl Table {
    pub const ALL: [Table; 7] = [
        Table::Lawyers,
        Table::Cases,
        Table::Reviewers,
        Table::Reviews,
        Table::Complaints,
        Table::Sanctions,
        Table::Feedback,
    ];

    pub fn name(self) -> &'static str {
        TABLE_NAMES[self as usize]
    }

    pub fn spec(self) -> &'static TableSpec {
        &TABLES[self as usize]
    }
}

/// An enumeration value: its code and the Chinese labels that also mean it.
#[derive(Debug)]
pub struct EnumValue {
    pub code: &'static str,
    pub labels: &'static [&'static str],
}

const fn ev(code: &'static str, labels: &'static [&'static str]) -> EnumValue {
    EnumValue { code, labels }
}

/// What a column holds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Text,
    Date,
    /// A boolean; an empty cell takes the default.
    Bool {
        default: bool,
    },
    Enum(&'static [EnumValue]),
    /// A `;`-separated list, of enumeration values when given.
    List(Option<&'static [EnumValue]>),
    /// Review points: a decimal, or not applicable.
    Points,
}

#[derive(Debug)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub zh: &'static str,
    pub kind: Kind,
    /// The header must have the column and every row a value.
    pub required: bool,
}

const fn col(name: &'static str, zh: &'static str, kind: Kind, required: bool) -> ColumnSpec {
    ColumnSpec {
        name,
        zh,
        kind,
        required,
    }
}

#[derive(Debug)]
pub struct TableSpec {
    pub table: Table,
    pub zh: &'static str,
    pub columns: &'static [ColumnSpec],
    /// The unique key column, if the table has one.
    pub key: Option<&'static str>,
}

impl TableSpec {
    pub fn index(&self, column: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c.name == column)
            .unwrap_or_else(|| panic!("no column {column} in {}", self.table.name()))
    }

    /// The column a header cell names: the English name (any case) or the
    /// Chinese name.
    pub fn column_for_header(&self, header: &str) -> Option<usize> {
        let h = header.trim().trim_start_matches('\u{feff}').trim();
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(h) || c.zh == h)
    }

    /// Arrow schema of the staging table built from accepted rows.
    pub fn arrow_schema(&self) -> SchemaRef {
        let mut fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| {
                let dt = match c.kind {
                    Kind::Date => DataType::Date32,
                    Kind::Bool { .. } => DataType::Boolean,
                    Kind::Points => DataType::Float64,
                    Kind::Text | Kind::Enum(_) | Kind::List(_) => DataType::Utf8,
                };
                let nullable = match c.kind {
                    Kind::Bool { .. } => false,
                    // Not applicable is a null.
                    Kind::Points => true,
                    _ => !c.required,
                };
                Field::new(c.name, dt, nullable)
            })
            .collect();
        if self.table == Table::Reviews {
            // Input order, for stable tie-breaks in SQL.
            fields.push(Field::new("source_order", DataType::Int64, false));
        }
        Arc::new(Schema::new(fields))
    }

    /// Arrow schema of the staged table SQL reads: [`arrow_schema`]
    /// (what rows are parsed into), plus for cases their number
    /// (`case_key`) and whether the case is of the period (`in_period`:
    /// closed within the period, both ends included; credit-and-lists.md,
    /// "Cases of the period"), and for reviews what validation learnt of
    /// each row:
    /// its rubric item's number (`item_key`), whether it is a case of the
    /// period (`in_period`), and its review's number (`review_key`, the same
    /// on every row of a review: the reviews read, rejected ones too,
    /// counted from 0 in the order of their first rows). Carrying them
    /// spares scoring a join of every review row with the cases, a hash
    /// table that cannot spill; the number lets scoring
    /// group a review's rows by an integer instead of its text id, which
    /// costs about a third less (benches/results/NOTES.md, session 27).
    ///
    /// A review row is staged without `review_id`, `case_id` and
    /// `reviewer_id` ([`REVIEW_ROW_ONLY_IN_HEADS`]): the same on every row
    /// of a review, they are staged once per review in [`REVIEW_HEADS`],
    /// which scoring joins by `review_key`. The row names its case by
    /// number instead (`case_key`, also staged on the cases: the cases
    /// accepted before it), which is what the one query grouping rows by
    /// case needs. `review_id` and `case_id` alone were nine tenths of the
    /// staged reviews' bytes (293 of 313 MiB at 1 M cases). Nor does it
    /// carry its item's code or its case's type: its item's number names
    /// both, and joins the row to its rubric item by one integer.
    ///
    /// A review row is staged as it is read, before its review's verdict is
    /// known: the staged rows are every review row that broke no rule of
    /// its own, and [`DROPPED_REVIEWS`] names the reviews whose rows take
    /// no part (rejected as a whole, or superseded by an accepted review).
    ///
    /// [`arrow_schema`]: TableSpec::arrow_schema
    pub fn staged_schema(&self) -> SchemaRef {
        let parsed = self.arrow_schema();
        let (left_out, added): (&[&str], Vec<Field>) = match self.table {
            Table::Cases => (
                &[],
                vec![
                    Field::new(CASE_KEY, DataType::Int64, false),
                    Field::new("in_period", DataType::Boolean, false),
                ],
            ),
            Table::Reviews => (
                &REVIEW_ROW_LEFT_OUT,
                vec![
                    Field::new(ITEM_KEY, DataType::Int64, false),
                    Field::new("in_period", DataType::Boolean, false),
                    Field::new(REVIEW_KEY, DataType::Int64, false),
                    Field::new(CASE_KEY, DataType::Int64, false),
                ],
            ),
            _ => return parsed,
        };
        let fields: Vec<Field> = parsed
            .fields()
            .iter()
            .filter(|f| !left_out.contains(&f.name().as_str()))
            .map(|f| f.as_ref().clone())
            .chain(added)
            .collect();
        Arc::new(Schema::new(fields))
    }
}

/// The staged review column numbering the reviews ([`TableSpec::staged_schema`]).
pub const REVIEW_KEY: &str = "review_key";

/// The staged review column naming the row's rubric item by its number
/// (`Plan::numbered_items`), also on `rubric_items`.
pub const ITEM_KEY: &str = "item_key";

/// Parsed review columns a staged review row is without: the review's ids
/// ([`REVIEW_ROW_ONLY_IN_HEADS`]) and the item's code, which `item_key`
/// stands for (`rubric_items` has the code).
const REVIEW_ROW_LEFT_OUT: [&str; 4] = ["review_id", "case_id", "reviewer_id", "item"];

/// The staged column numbering the accepted cases, on the cases and on the
/// review rows ([`TableSpec::staged_schema`]).
pub const CASE_KEY: &str = "case_key";

/// Parsed review columns staged only in [`REVIEW_HEADS`], not on every row.
pub const REVIEW_ROW_ONLY_IN_HEADS: [&str; 3] = ["review_id", "case_id", "reviewer_id"];

/// Name of the staged table with one row per accepted review.
pub const REVIEW_HEADS: &str = "review_heads";

/// Arrow schema of [`REVIEW_HEADS`]: the text columns every row of an
/// accepted review shares (ingest rejects a review whose rows name
/// different cases or reviewers), as its first row has them, trimmed
/// (`held::ReviewIds`), and its case's type; `review_id` and `reviewer_id`
/// are staged nowhere else, `case_id` also on the cases. Scoring groups the
/// review rows by `review_key` for the sums alone and joins these: carrying
/// them through that aggregate as `min()` over every row was about half of
/// its time (a text `min` keeps a heap buffer per group and compares every
/// row's text with it).
///
/// The text columns but `review_id` are declared nullable though they never
/// are null, as the `min()` that carried them made them: the schemas of
/// the tables built on them (`case_scores`, `reviewer_stats` in `data/`)
/// stay as they were. `review_key` is the number scoring joins them by.
pub fn review_heads_schema() -> SchemaRef {
    let spec = Table::Reviews.spec();
    let (staged, parsed) = (spec.staged_schema(), spec.arrow_schema());
    let fields: Vec<Field> = REVIEW_HEAD_COLUMNS
        .iter()
        .map(|&name| {
            let field = match name {
                // Its case's, which no review row carries.
                "case_type" => Field::new(name, DataType::Utf8, false),
                _ => staged
                    .field_with_name(name)
                    .or_else(|_| parsed.field_with_name(name))
                    .expect("a review head column is a parsed or staged review column")
                    .clone(),
            };
            field.with_nullable(!matches!(name, "review_id" | REVIEW_KEY))
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// Name of the staged table of the reviews whose staged rows take no part
/// in scoring: rejected (as a whole, at the table's end, when their rows
/// were already staged) or superseded by an accepted review. Scoring leaves
/// their rows out by `review_key` (`stg_reviews`). A few in a hundred
/// reviews at most, so the engine hashes this side, not the rows.
pub const DROPPED_REVIEWS: &str = "dropped_reviews";

/// Arrow schema of [`DROPPED_REVIEWS`]: the review's number, once.
pub fn dropped_reviews_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new(
        REVIEW_KEY,
        DataType::Int64,
        false,
    )]))
}

/// The columns of [`review_heads_schema`], in order.
pub const REVIEW_HEAD_COLUMNS: [&str; 5] = [
    REVIEW_KEY,
    "review_id",
    "case_id",
    "case_type",
    "reviewer_id",
];

pub const GENDER: &[EnumValue] = &[ev("F", &["女"]), ev("M", &["男"])];
pub const PRACTICE_KIND: &[EnumValue] = &[
    ev("full_time", &["专职", "专职律师"]),
    ev("part_time", &["兼职", "兼职律师"]),
    ev("public", &["公职", "公职律师"]),
    ev("aid_staff", &["法援机构", "法律援助机构"]),
    ev("grassroots", &["基层法律服务工作者", "基层"]),
];
pub const LAWYER_STATUS: &[EnumValue] = &[
    ev("active", &["正常"]),
    ev("suspended", &["停止执业"]),
    ev("revoked", &["吊销/注销", "吊销", "注销"]),
];
pub const CASE_TYPE: &[EnumValue] = &[
    ev("criminal", &["刑事"]),
    ev("civil", &["民事"]),
    ev("administrative", &["行政"]),
];
pub const RECIPIENT_GROUP: &[EnumValue] = &[
    ev("elderly", &["老年人"]),
    ev("disabled", &["残疾人"]),
    ev("minor", &["未成年人"]),
    ev("migrant_worker", &["农民工"]),
    ev("women", &["妇女"]),
    ev("military", &["军人军属", "军人"]),
    ev("foreigner", &["外国人"]),
    ev("ethnic_minority", &["少数民族"]),
];
pub const REVIEWER_ROLE: &[EnumValue] = &[
    ev("lawyer", &["律师"]),
    ev("judge", &["法官"]),
    ev("prosecutor", &["检察官"]),
    ev("scholar", &["学者"]),
    ev("official", &["司法行政人员", "官员"]),
    ev("panel", &["评议组", "合议结果"]),
];
pub const COMPLAINT_CATEGORY: &[EnumValue] = &[
    ev("refused_assignment", &["无正当理由拒绝指派"]),
    ev(
        "delay_or_abandon",
        &["不及时履行/擅自终止", "不及时履行", "擅自终止"],
    ),
    ev("took_money", &["收取受援人财物"]),
    ev("leaked_privacy", &["泄露秘密或隐私"]),
    ev("poor_service", &["服务质量差"]),
    ev("attitude", &["服务态度"]),
    ev("other", &["其他"]),
];
pub const COMPLAINT_OUTCOME: &[EnumValue] = &[
    ev("substantiated", &["属实"]),
    ev("unsubstantiated", &["不属实"]),
    ev("pending", &["处理中"]),
    ev("withdrawn", &["撤回"]),
];
pub const SANCTION_KIND: &[EnumValue] = &[
    ev("admonition", &["训诫"]),
    ev("warning", &["警告"]),
    ev("circulated_criticism", &["通报批评"]),
    ev("public_censure", &["公开谴责"]),
    ev("fine", &["罚款"]),
    ev("membership_suspended", &["中止会员权利"]),
    ev("practice_suspended", &["停止执业"]),
    ev("membership_revoked", &["取消会员资格"]),
    ev("licence_revoked", &["吊销执业证书"]),
];
pub const AUTHORITY: &[EnumValue] = &[
    ev("bar_association", &["律师协会"]),
    ev("justice_bureau", &["司法行政机关"]),
];
pub const SATISFACTION: &[EnumValue] = &[
    ev("satisfied", &["满意"]),
    ev("basically_satisfied", &["基本满意"]),
    ev("dissatisfied", &["不满意"]),
    ev("unreachable", &["未联系上"]),
];

use Kind::*;

pub static TABLES: [TableSpec; 7] = [
    TableSpec {
        table: Table::Lawyers,
        zh: "律师",
        key: Some("lawyer_id"),
        columns: &[
            col("lawyer_id", "执业证号", Text, true),
            col("name", "姓名", Text, true),
            col("gender", "性别", Enum(GENDER), false),
            col("law_firm", "律师事务所", Text, true),
            col("firm_id", "律所统一社会信用代码", Text, false),
            col("district", "区县", Text, true),
            col("licensed_on", "首次执业日期", Date, true),
            col("practice_kind", "执业类别", Enum(PRACTICE_KIND), true),
            col("specialties", "擅长领域", List(None), false),
            col("status", "执业状态", Enum(LAWYER_STATUS), true),
        ],
    },
    TableSpec {
        table: Table::Cases,
        zh: "结案案件",
        key: Some("case_id"),
        columns: &[
            col("case_id", "案件编号", Text, true),
            col("case_type", "案件类别", Enum(CASE_TYPE), true),
            col("matter", "案由类别", Text, true),
            col("lawyer_id", "承办律师", Text, true),
            col("center", "法律援助机构", Text, true),
            col("district", "区县", Text, true),
            col("assigned_on", "指派日期", Date, true),
            col("closed_on", "结案日期", Date, true),
            col("archived_on", "归档日期", Date, false),
            col("recipient_name", "受援人姓名", Text, true),
            col("recipient_id_no", "受援人身份证号", Text, false),
            col(
                "recipient_groups",
                "受援人类别",
                List(Some(RECIPIENT_GROUP)),
                false,
            ),
            col(
                "major_difficult",
                "重大疑难",
                Bool { default: false },
                false,
            ),
            col(
                "domestic_violence",
                "涉家庭暴力",
                Bool { default: false },
                false,
            ),
            col("outcome", "办理结果", Text, true),
        ],
    },
    TableSpec {
        table: Table::Reviewers,
        zh: "评议专家",
        key: Some("reviewer_id"),
        columns: &[
            col("reviewer_id", "专家编号", Text, true),
            col("name", "姓名", Text, true),
            col("role", "身份", Enum(REVIEWER_ROLE), true),
            col("law_firm", "所在律所", Text, false),
            col("firm_id", "律所统一社会信用代码", Text, false),
            col("district", "区县", Text, false),
        ],
    },
    TableSpec {
        table: Table::Reviews,
        zh: "评议表",
        key: None,
        columns: &[
            col("review_id", "评议表编号", Text, true),
            col("case_id", "案件编号", Text, true),
            col("reviewer_id", "专家编号", Text, true),
            col("reviewed_on", "评议日期", Date, true),
            col("item", "评议项目", Text, true),
            // Required in the header; an empty cell means not applicable.
            col("points", "得分", Points, true),
            col("note", "评语", Text, false),
            col("supersedes", "替代评议表", Text, false),
        ],
    },
    TableSpec {
        table: Table::Complaints,
        zh: "投诉",
        key: Some("complaint_id"),
        columns: &[
            col("complaint_id", "投诉编号", Text, true),
            col("lawyer_id", "被投诉律师", Text, true),
            col("case_id", "案件编号", Text, false),
            col("received_on", "受理日期", Date, true),
            col("category", "投诉类别", Enum(COMPLAINT_CATEGORY), true),
            col("outcome", "处理结果", Enum(COMPLAINT_OUTCOME), true),
            col("decided_on", "处理日期", Date, false),
        ],
    },
    TableSpec {
        table: Table::Sanctions,
        zh: "行业处分与行政处罚",
        key: Some("sanction_id"),
        columns: &[
            col("sanction_id", "编号", Text, true),
            col("lawyer_id", "律师", Text, true),
            col("kind", "种类", Enum(SANCTION_KIND), true),
            col("authority", "作出机关", Enum(AUTHORITY), true),
            col("decided_on", "决定日期", Date, true),
            col("ends_on", "期满日期", Date, false),
            col("summary", "事由摘要", Text, false),
            col("revoked_on", "撤销日期", Date, false),
        ],
    },
    TableSpec {
        table: Table::Feedback,
        zh: "受援人回访",
        key: None,
        columns: &[
            col("case_id", "案件编号", Text, true),
            col("contacted_on", "回访日期", Date, true),
            col("satisfaction", "满意度", Enum(SATISFACTION), true),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_in_declared_order() {
        for (i, t) in Table::ALL.iter().enumerate() {
            assert_eq!(t.spec().table, *t);
            assert_eq!(t.name(), TABLE_NAMES[i]);
        }
    }

    #[test]
    fn headers_in_english_or_chinese() {
        let s = Table::Cases.spec();
        assert_eq!(s.column_for_header("case_id"), Some(0));
        assert_eq!(s.column_for_header("\u{feff}Case_ID "), Some(0));
        assert_eq!(s.column_for_header("案件编号"), Some(0));
        assert_eq!(
            s.column_for_header("受援人姓名"),
            Some(s.index("recipient_name"))
        );
        assert_eq!(s.column_for_header("nonsense"), None);
    }

    #[test]
    fn column_names_are_unique_per_table() {
        for t in &TABLES {
            for (i, c) in t.columns.iter().enumerate() {
                for d in &t.columns[i + 1..] {
                    assert_ne!(c.name, d.name);
                    assert_ne!(c.zh, d.zh, "{} in {}", c.zh, t.table.name());
                }
            }
        }
    }
}
