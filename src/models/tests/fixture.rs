//! Staging tables built from compact literals, and helpers to run models on
//! them and read their results.
//!
//! A [`Fixture`] starts with default settings (period 2024, spread 15,
//! severity 8, alpha 0.667 / 0.8 from 5 cases) and a small `civil` rubric
//! (`test-1`) whose maxima add up to 100:
//!
//! | position | item  | max | flags    |
//! | -------- | ----- | --- | -------- |
//! | 1        | CV-A1 | 40  |          |
//! | 2        | CV-A2 | 20  | optional |
//! | 3        | CV-B1 | 36  |          |
//! | 4        | CV-V2 | 2   | veto     |
//! | 5        | CV-V1 | 2   | veto     |
//!
//! (the veto items are deliberately out of alphabetical order), graded
//! excellent ≥ 90, good ≥ 80, qualified ≥ 60, unqualified (fail) ≥ 0.
//! A review is written as its points in rubric order, `NA` for not
//! applicable: `"40 NA 30 2 2"`.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray,
};
use arrow::compute::concat_batches;
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;

use crate::models::{Model, ModelResult, Store, model, run_model, score};

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub fn date(s: &str) -> i32 {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a YYYY-MM-DD date");
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    (d - epoch).num_days() as i32
}

#[derive(Debug, Clone)]
pub struct Item {
    pub code: &'static str,
    pub stage: &'static str,
    pub max: f64,
    pub optional: bool,
    pub veto: bool,
}

#[derive(Debug, Clone)]
pub struct Band {
    pub code: &'static str,
    pub label: &'static str,
    pub lower: f64,
    pub is_fail: bool,
}

#[derive(Debug, Clone)]
pub struct Rubric {
    pub case_type: &'static str,
    pub version: &'static str,
    pub items: Vec<Item>,
    /// Highest band first (band_rank 1).
    pub bands: Vec<Band>,
}

pub fn item(code: &'static str, max: f64) -> Item {
    Item {
        code,
        stage: &code[3..4],
        max,
        optional: false,
        veto: false,
    }
}

pub fn optional(code: &'static str, max: f64) -> Item {
    Item {
        optional: true,
        ..item(code, max)
    }
}

pub fn veto(code: &'static str, max: f64) -> Item {
    Item {
        veto: true,
        ..item(code, max)
    }
}

pub fn band(code: &'static str, label: &'static str, lower: f64) -> Band {
    Band {
        code,
        label,
        lower,
        is_fail: false,
    }
}

pub fn fail_band(code: &'static str, label: &'static str, lower: f64) -> Band {
    Band {
        is_fail: true,
        ..band(code, label, lower)
    }
}

/// The default grade bands of the shipped rubrics.
pub fn default_bands() -> Vec<Band> {
    vec![
        band("excellent", "优秀", 90.0),
        band("good", "良好", 80.0),
        band("qualified", "合格", 60.0),
        fail_band("unqualified", "不合格", 0.0),
    ]
}

/// The small `civil` test rubric described in the module docs.
pub fn civil_rubric() -> Rubric {
    Rubric {
        case_type: "civil",
        version: "test-1",
        items: vec![
            item("CV-A1", 40.0),
            optional("CV-A2", 20.0),
            item("CV-B1", 36.0),
            veto("CV-V2", 2.0),
            veto("CV-V1", 2.0),
        ],
        bands: default_bands(),
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub period_start: &'static str,
    pub period_end: &'static str,
    pub as_of: &'static str,
    pub dispute_spread: f64,
    pub severity_threshold: f64,
    pub alpha_hold: f64,
    pub alpha_good: f64,
    pub alpha_min_cases: i64,
    /// `k_b` of the severity fit that [`Fixture::run`] uses.
    pub severity_prior_reviews: f64,
    pub hold_severity_sensitive: bool,
    pub use_adjusted_scores: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            period_start: "2024-01-01",
            period_end: "2024-12-31",
            as_of: "2024-12-31",
            dispute_spread: 15.0,
            severity_threshold: 8.0,
            alpha_hold: 0.667,
            alpha_good: 0.8,
            alpha_min_cases: 5,
            severity_prior_reviews: 10.0,
            hold_severity_sensitive: true,
            use_adjusted_scores: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub case_type: String,
    pub lawyer: String,
    pub closed_on: String,
}

#[derive(Debug, Clone)]
pub struct Review {
    pub id: String,
    pub case_id: String,
    pub reviewer: String,
    /// Points in the order of the case's rubric items; `None` = NA.
    pub points: Vec<Option<f64>>,
    pub supersedes: Option<String>,
}

/// One row of the long-form `reviews` table.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    pub review_id: String,
    pub case_id: String,
    pub reviewer_id: String,
    pub item: String,
    pub points: Option<f64>,
    pub supersedes: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Fixture {
    pub settings: Settings,
    pub rubrics: Vec<Rubric>,
    pub cases: Vec<Case>,
    pub reviews: Vec<Review>,
}

/// Parses `"40 NA 30.5 2 2"`.
pub fn points(sheet: &str) -> Vec<Option<f64>> {
    sheet
        .split_whitespace()
        .map(|p| match p {
            "NA" | "." => None,
            p => Some(p.parse().expect("points are numbers or NA")),
        })
        .collect()
}

impl Fixture {
    /// Default settings and the `civil` test rubric.
    pub fn new() -> Self {
        Fixture {
            rubrics: vec![civil_rubric()],
            ..Fixture::default()
        }
    }

    pub fn rubric(mut self, rubric: Rubric) -> Self {
        self.rubrics.push(rubric);
        self
    }

    pub fn settings(mut self, f: impl FnOnce(&mut Settings)) -> Self {
        f(&mut self.settings);
        self
    }

    /// A case of type `case_type` closed on `closed_on`.
    pub fn case(mut self, id: &str, case_type: &str, lawyer: &str, closed_on: &str) -> Self {
        self.cases.push(Case {
            id: id.into(),
            case_type: case_type.into(),
            lawyer: lawyer.into(),
            closed_on: closed_on.into(),
        });
        self
    }

    /// A review sheet: points in rubric order, `NA` for not applicable.
    pub fn review(self, id: &str, case_id: &str, reviewer: &str, sheet: &str) -> Self {
        self.review_points(id, case_id, reviewer, points(sheet), None)
    }

    /// A review that supersedes earlier ones (`"R1"` or `"R1;R2"`).
    pub fn superseding(
        self,
        id: &str,
        case_id: &str,
        reviewer: &str,
        sheet: &str,
        supersedes: &str,
    ) -> Self {
        self.review_points(id, case_id, reviewer, points(sheet), Some(supersedes))
    }

    pub fn review_points(
        mut self,
        id: &str,
        case_id: &str,
        reviewer: &str,
        points: Vec<Option<f64>>,
        supersedes: Option<&str>,
    ) -> Self {
        self.reviews.push(Review {
            id: id.into(),
            case_id: case_id.into(),
            reviewer: reviewer.into(),
            points,
            supersedes: supersedes.map(Into::into),
        });
        self
    }

    fn rubric_of(&self, case_type: &str) -> &Rubric {
        self.rubrics
            .iter()
            .find(|r| r.case_type == case_type)
            .unwrap_or_else(|| panic!("no test rubric for {case_type}"))
    }

    /// The long-form review rows, in input order.
    pub fn review_rows(&self) -> Vec<ReviewRow> {
        let mut rows = Vec::new();
        for review in &self.reviews {
            let case = self
                .cases
                .iter()
                .find(|c| c.id == review.case_id)
                .unwrap_or_else(|| panic!("review {} of an unknown case", review.id));
            let rubric = self.rubric_of(&case.case_type);
            assert_eq!(
                rubric.items.len(),
                review.points.len(),
                "review {} must score every item of {}",
                review.id,
                rubric.case_type
            );
            for (item, points) in rubric.items.iter().zip(&review.points) {
                rows.push(ReviewRow {
                    review_id: review.id.clone(),
                    case_id: review.case_id.clone(),
                    reviewer_id: review.reviewer.clone(),
                    item: item.code.into(),
                    points: *points,
                    supersedes: review.supersedes.clone(),
                });
            }
        }
        rows
    }

    /// A session with every staging table registered.
    pub fn session(&self) -> SessionContext {
        self.session_with_rows(&self.review_rows())
    }

    /// A session whose `reviews` table holds these rows, in this order.
    pub fn session_with_rows(&self, rows: &[ReviewRow]) -> SessionContext {
        let ctx = SessionContext::new();
        register(&ctx, "settings", self.settings_batch());
        register(&ctx, "cases", self.cases_batch());
        register(&ctx, "lawyers", self.lawyers_batch());
        register(&ctx, "reviewers", self.reviewers_batch());
        let reviews = self.reviews_batch(rows);
        register(&ctx, "review_heads", review_heads_of(&reviews));
        register(&ctx, "reviews", staged_review_rows(&reviews));
        register(&ctx, "dropped_reviews", dropped_reviews_of(&reviews));
        register(&ctx, "rubric_items", self.rubric_items_batch());
        register(&ctx, "rubric_bands", self.rubric_bands_batch());
        ctx
    }

    fn settings_batch(&self) -> RecordBatch {
        let s = &self.settings;
        batch(vec![
            date_col("period_start", vec![Some(s.period_start)]),
            date_col("period_end", vec![Some(s.period_end)]),
            date_col("as_of", vec![Some(s.as_of)]),
            f64_col("dispute_spread", vec![Some(s.dispute_spread)]),
            f64_col("severity_threshold", vec![Some(s.severity_threshold)]),
            f64_col("alpha_hold", vec![Some(s.alpha_hold)]),
            f64_col("alpha_good", vec![Some(s.alpha_good)]),
            (
                Field::new("alpha_min_cases", DataType::Int64, false),
                Arc::new(Int64Array::from(vec![s.alpha_min_cases])) as ArrayRef,
            ),
            bool_col("hold_severity_sensitive", vec![s.hold_severity_sensitive]),
            bool_col("use_adjusted_scores", vec![s.use_adjusted_scores]),
        ])
    }

    fn cases_batch(&self) -> RecordBatch {
        let c = &self.cases;
        let text = |f: fn(&Case) -> &str| c.iter().map(|x| Some(f(x))).collect::<Vec<_>>();
        let same = |v: &'static str| vec![Some(v); c.len()];
        let none = || vec![None::<&str>; c.len()];
        batch(vec![
            str_col("case_id", text(|x| &x.id)),
            str_col("case_type", text(|x| &x.case_type)),
            str_col("matter", same("other")),
            str_col("lawyer_id", text(|x| &x.lawyer)),
            str_col("center", same("CTR")),
            str_col("district", same("D1")),
            date_col("assigned_on", same("2023-06-01")),
            date_col("closed_on", text(|x| &x.closed_on)),
            date_col("archived_on", none()),
            str_col("recipient_name", same("某某")),
            str_col("recipient_id_no", none()),
            str_col("recipient_groups", none()),
            bool_col("major_difficult", vec![false; c.len()]),
            bool_col("domestic_violence", vec![false; c.len()]),
            str_col("outcome", same("won")),
            (
                Field::new("case_key", DataType::Int64, false),
                Arc::new(Int64Array::from_iter_values(0..c.len() as i64)) as ArrayRef,
            ),
            bool_col("in_period", c.iter().map(|x| self.in_period(x)).collect()),
        ])
    }

    /// Whether a case is of the period, as ingest stages it (both ends
    /// included; `ingest::validate` has the rule and its test).
    fn in_period(&self, case: &Case) -> bool {
        let s = &self.settings;
        s.period_start <= case.closed_on.as_str() && case.closed_on.as_str() <= s.period_end
    }

    fn lawyers_batch(&self) -> RecordBatch {
        let mut ids: Vec<&str> = self.cases.iter().map(|c| c.lawyer.as_str()).collect();
        ids.sort();
        ids.dedup();
        let ids: Vec<Option<&str>> = ids.into_iter().map(Some).collect();
        let same = |v: &'static str| vec![Some(v); ids.len()];
        let none = || vec![None::<&str>; ids.len()];
        batch(vec![
            str_col("lawyer_id", ids.clone()),
            str_col("name", ids.clone()),
            str_col("gender", none()),
            str_col("law_firm", same("Firm")),
            str_col("firm_id", none()),
            str_col("district", same("D1")),
            date_col("licensed_on", same("2015-01-01")),
            str_col("practice_kind", same("full_time")),
            str_col("specialties", none()),
            str_col("status", same("active")),
        ])
    }

    fn reviewers_batch(&self) -> RecordBatch {
        let mut ids: Vec<&str> = self.reviews.iter().map(|r| r.reviewer.as_str()).collect();
        ids.sort();
        ids.dedup();
        let ids: Vec<Option<&str>> = ids.into_iter().map(Some).collect();
        let none = || vec![None::<&str>; ids.len()];
        batch(vec![
            str_col("reviewer_id", ids.clone()),
            str_col("name", ids.clone()),
            str_col("role", vec![Some("lawyer"); ids.len()]),
            str_col("law_firm", none()),
            str_col("firm_id", none()),
            str_col("district", none()),
        ])
    }

    /// The rubric items, each with its index in its rubric, in the order
    /// their numbers (`item_key`) count.
    fn numbered_items(&self) -> Vec<(&Rubric, usize, &Item)> {
        self.rubrics
            .iter()
            .flat_map(|r| r.items.iter().enumerate().map(move |(i, it)| (r, i, it)))
            .collect()
    }

    /// The number (`item_key`) of an item of the rubric in use for a case
    /// type (its greatest version, as `stg_rubric_items` has it); -1, which
    /// no item has, for an item not in that rubric.
    fn item_key(&self, case_type: &str, code: &str) -> i64 {
        let items = self.numbered_items();
        let in_use = items
            .iter()
            .filter(|(r, _, _)| r.case_type == case_type)
            .map(|(r, _, _)| r.version)
            .max();
        let found = items.iter().position(|(r, _, it)| {
            r.case_type == case_type && Some(r.version) == in_use && it.code == code
        });
        found.map_or(-1, |k| k as i64)
    }

    fn rubric_items_batch(&self) -> RecordBatch {
        let rows = self.numbered_items();
        batch(vec![
            (
                Field::new("item_key", DataType::Int64, false),
                Arc::new(Int64Array::from_iter_values(0..rows.len() as i64)) as ArrayRef,
            ),
            str_col(
                "case_type",
                rows.iter().map(|r| Some(r.0.case_type)).collect(),
            ),
            str_col(
                "rubric_version",
                rows.iter().map(|r| Some(r.0.version)).collect(),
            ),
            str_col("item", rows.iter().map(|r| Some(r.2.code)).collect()),
            str_col("stage", rows.iter().map(|r| Some(r.2.stage)).collect()),
            (
                Field::new("position", DataType::Int32, false),
                Arc::new(Int32Array::from(
                    rows.iter().map(|r| r.1 as i32 + 1).collect::<Vec<_>>(),
                )) as ArrayRef,
            ),
            f64_col("max_points", rows.iter().map(|r| Some(r.2.max)).collect()),
            bool_col("optional", rows.iter().map(|r| r.2.optional).collect()),
            bool_col("veto", rows.iter().map(|r| r.2.veto).collect()),
        ])
    }

    fn rubric_bands_batch(&self) -> RecordBatch {
        let rows: Vec<(&Rubric, usize, &Band)> = self
            .rubrics
            .iter()
            .flat_map(|r| r.bands.iter().enumerate().map(move |(i, b)| (r, i, b)))
            .collect();
        batch(vec![
            str_col(
                "case_type",
                rows.iter().map(|r| Some(r.0.case_type)).collect(),
            ),
            str_col(
                "rubric_version",
                rows.iter().map(|r| Some(r.0.version)).collect(),
            ),
            str_col("band_code", rows.iter().map(|r| Some(r.2.code)).collect()),
            str_col("band_label", rows.iter().map(|r| Some(r.2.label)).collect()),
            f64_col(
                "lower_bound",
                rows.iter().map(|r| Some(r.2.lower)).collect(),
            ),
            bool_col("is_fail", rows.iter().map(|r| r.2.is_fail).collect()),
            (
                Field::new("band_rank", DataType::Int32, false),
                Arc::new(Int32Array::from(
                    rows.iter().map(|r| r.1 as i32 + 1).collect::<Vec<_>>(),
                )) as ArrayRef,
            ),
        ])
    }

    /// Registers the staging tables and runs every model.
    pub async fn run(&self) -> Outputs {
        run_all_with_prior(&self.session(), self.settings.severity_prior_reviews).await
    }
}

impl Fixture {
    /// The long-form `reviews` table from rows as ingest stages it, with
    /// the columns ingest stages in the heads only (`review_id`, `case_id`,
    /// `reviewer_id`: see `staged_review_rows`);
    /// `source_order` is the row's position in `rows`, `case_type` and
    /// `in_period` are those of the row's case, `item_key` is its item's
    /// number in that case type's rubric (a review of a case the
    /// fixture lacks is out of the period, as ingest would reject it),
    /// `superseded` says whether a review of the same case supersedes it
    /// (not staged: it gives `dropped_reviews`),
    /// `review_key` numbers the reviews in the order of their first rows and
    /// `case_key` is the row's case's position among the fixture's cases.
    pub fn reviews_batch(&self, rows: &[ReviewRow]) -> RecordBatch {
        let case_of = |r: &ReviewRow| self.cases.iter().find(|c| c.id == r.case_id);
        let in_period: Vec<bool> = rows
            .iter()
            .map(|r| case_of(r).is_some_and(|c| self.in_period(c)))
            .collect();
        let case_types: Vec<Option<&str>> = rows
            .iter()
            .map(|r| Some(case_of(r).map_or("civil", |c| c.case_type.as_str())))
            .collect();
        // Superseded: a review of the same case names it in `supersedes`.
        let superseded: Vec<bool> = rows
            .iter()
            .map(|r| {
                rows.iter().any(|other| {
                    other.case_id == r.case_id
                        && other
                            .supersedes
                            .as_deref()
                            .is_some_and(|s| s.split(';').any(|id| id.trim() == r.review_id))
                })
            })
            .collect();
        let mut keys: Vec<&str> = Vec::new();
        let review_keys: Vec<i64> = rows
            .iter()
            .map(|r| {
                let key = keys.iter().position(|&id| id == r.review_id);
                key.unwrap_or_else(|| {
                    keys.push(&r.review_id);
                    keys.len() - 1
                }) as i64
            })
            .collect();
        let item_keys: Vec<i64> = rows
            .iter()
            .zip(&case_types)
            .map(|(r, case_type)| self.item_key(case_type.expect("set"), &r.item))
            .collect();
        let mut columns = reviews_columns(rows);
        columns.push(str_col("case_type", case_types));
        columns.push((
            Field::new("item_key", DataType::Int64, false),
            Arc::new(Int64Array::from(item_keys)) as ArrayRef,
        ));
        columns.push(bool_col("in_period", in_period));
        columns.push(bool_col("superseded", superseded));
        columns.push((
            Field::new("review_key", DataType::Int64, false),
            Arc::new(Int64Array::from(review_keys)) as ArrayRef,
        ));
        // A case the fixture lacks gets a number no case has.
        let case_keys: Vec<i64> = rows
            .iter()
            .map(|r| {
                let known = self.cases.iter().position(|c| c.id == r.case_id);
                known.unwrap_or(self.cases.len()) as i64
            })
            .collect();
        columns.push((
            Field::new("case_key", DataType::Int64, false),
            Arc::new(Int64Array::from(case_keys)) as ArrayRef,
        ));
        batch(columns)
    }
}

/// The review rows as ingest stages them: with the columns of its staged
/// schema alone (not the review's ids, which it stages only in
/// `review_heads`, nor the item's code or the case's type, which
/// `item_key` names).
fn staged_review_rows(reviews: &RecordBatch) -> RecordBatch {
    let staged = crate::ingest::schema::Table::Reviews.spec().staged_schema();
    let schema = reviews.schema();
    let keep: Vec<usize> = (0..schema.fields().len())
        .filter(|&c| staged.field_with_name(schema.field(c).name()).is_ok())
        .collect();
    reviews.project(&keep).expect("columns of the batch")
}

/// `dropped_reviews` as ingest stages it: the number of each review the
/// fixture marks `superseded` (its reviews are all accepted), once.
fn dropped_reviews_of(reviews: &RecordBatch) -> RecordBatch {
    use arrow::array::AsArray;
    let superseded = reviews
        .column_by_name("superseded")
        .expect("superseded")
        .as_boolean();
    let keys = reviews
        .column_by_name("review_key")
        .expect("review_key")
        .as_primitive::<arrow::datatypes::Int64Type>();
    let dropped: std::collections::BTreeSet<i64> = (0..reviews.num_rows())
        .filter(|&i| superseded.value(i))
        .map(|i| keys.value(i))
        .collect();
    RecordBatch::try_new(
        crate::ingest::schema::dropped_reviews_schema(),
        vec![Arc::new(Int64Array::from_iter_values(dropped)) as ArrayRef],
    )
    .expect("the dropped reviews schema")
}

/// `review_heads` as ingest stages it: the head columns of each review's
/// first row in `reviews`.
fn review_heads_of(reviews: &RecordBatch) -> RecordBatch {
    use arrow::array::{Array, AsArray};
    let ids = reviews
        .column_by_name("review_id")
        .expect("review_id")
        .as_string::<i32>();
    let mut seen = std::collections::HashSet::new();
    let firsts: Vec<u32> = (0..ids.len())
        .filter(|&i| seen.insert(ids.value(i)))
        .map(|i| i as u32)
        .collect();
    let firsts = arrow::array::UInt32Array::from(firsts);
    let schema = crate::ingest::schema::review_heads_schema();
    let columns = schema
        .fields()
        .iter()
        .map(|f| {
            let column = reviews
                .column_by_name(f.name())
                .expect("a staged review column");
            arrow::compute::take(column, &firsts, None).expect("rows of reviews")
        })
        .collect();
    RecordBatch::try_new(schema, columns).expect("the heads schema")
}

/// The parsed columns of the long-form `reviews` table.
fn reviews_columns(rows: &[ReviewRow]) -> Vec<Column> {
    let text = |f: fn(&ReviewRow) -> &str| rows.iter().map(|r| Some(f(r))).collect::<Vec<_>>();
    vec![
        str_col("review_id", text(|r| &r.review_id)),
        str_col("case_id", text(|r| &r.case_id)),
        str_col("reviewer_id", text(|r| &r.reviewer_id)),
        date_col("reviewed_on", vec![Some("2025-01-10"); rows.len()]),
        str_col("item", text(|r| &r.item)),
        f64_col("points", rows.iter().map(|r| r.points).collect()),
        str_col("note", vec![None; rows.len()]),
        str_col(
            "supersedes",
            rows.iter().map(|r| r.supersedes.as_deref()).collect(),
        ),
        (
            Field::new("source_order", DataType::Int64, false),
            Arc::new(Int64Array::from_iter_values(0..rows.len() as i64)) as ArrayRef,
        ),
    ]
}

pub type Column = (Field, ArrayRef);

pub fn str_col(name: &str, values: Vec<Option<&str>>) -> Column {
    (
        Field::new(name, DataType::Utf8, true),
        Arc::new(StringArray::from(values)),
    )
}

pub fn date_col(name: &str, values: Vec<Option<&str>>) -> Column {
    (
        Field::new(name, DataType::Date32, true),
        Arc::new(Date32Array::from(
            values.into_iter().map(|v| v.map(date)).collect::<Vec<_>>(),
        )),
    )
}

pub fn f64_col(name: &str, values: Vec<Option<f64>>) -> Column {
    (
        Field::new(name, DataType::Float64, true),
        Arc::new(Float64Array::from(values)),
    )
}

pub fn bool_col(name: &str, values: Vec<bool>) -> Column {
    (
        Field::new(name, DataType::Boolean, false),
        Arc::new(BooleanArray::from(values)),
    )
}

pub fn batch(columns: Vec<Column>) -> RecordBatch {
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = columns.into_iter().unzip();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).expect("a valid test batch")
}

/// Registers (or replaces) an in-memory table.
pub fn register(ctx: &SessionContext, name: &str, batch: RecordBatch) {
    let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).unwrap();
    ctx.deregister_table(name).unwrap();
    ctx.register_table(name, Arc::new(table)).unwrap();
}

/// Every model's result, by model name.
pub struct Outputs(pub HashMap<&'static str, ModelResult>);

impl Outputs {
    pub fn get(&self, name: &str) -> &ModelResult {
        self.0
            .get(name)
            .unwrap_or_else(|| panic!("no result for {name}"))
    }

    /// One model's result as a single batch.
    pub fn table(&self, name: &str) -> Table {
        let r = self.get(name);
        Table(concat_batches(&r.schema, &r.batches).unwrap())
    }
}

/// Every scoring model and the severity fit, with the default prior (use
/// [`Fixture::run`] for the fixture's own).
pub async fn run_all(ctx: &SessionContext) -> Outputs {
    let prior = crate::config::ScoringSettings::default().severity_prior_reviews;
    run_all_with_prior(ctx, prior).await
}

/// [`run_all`] with the severity fit's prior `k_b`.
pub async fn run_all_with_prior(ctx: &SessionContext, prior: f64) -> Outputs {
    let (results, _) = score(ctx, Store::Memory, prior)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out = HashMap::new();
    for r in results {
        out.insert(r.model.name, with_view_rows(ctx, r).await);
    }
    Outputs(out)
}

/// A view's result has no rows of its own; tests read them from the
/// session, sorted by every column so that they compare across runs.
async fn with_view_rows(ctx: &SessionContext, mut r: ModelResult) -> ModelResult {
    if r.model.is_view() {
        let df = ctx.table(r.model.name).await.unwrap();
        let order: Vec<_> = r
            .schema
            .fields()
            .iter()
            .map(|f| datafusion::prelude::ident(f.name()).sort(true, true))
            .collect();
        r.batches = df.sort(order).unwrap().collect().await.unwrap();
    }
    r
}

/// Runs just these models, by name, in the order given.
pub async fn run_only(ctx: &SessionContext, names: &[&str]) -> Outputs {
    let mut out = HashMap::new();
    for name in names {
        let m: &'static Model = model(name).unwrap_or_else(|| panic!("no model {name}"));
        let r = run_model(ctx, m).await.unwrap_or_else(|e| panic!("{e}"));
        out.insert(m.name, with_view_rows(ctx, r).await);
    }
    Outputs(out)
}

/// A model result flattened into one batch, with typed column readers.
pub struct Table(pub RecordBatch);

impl Table {
    pub fn rows(&self) -> usize {
        self.0.num_rows()
    }

    fn column<T: 'static>(&self, name: &str) -> &T {
        self.0
            .column_by_name(name)
            .unwrap_or_else(|| panic!("no column {name}"))
            .as_any()
            .downcast_ref::<T>()
            .unwrap_or_else(|| panic!("column {name} has another type"))
    }

    pub fn f64s(&self, name: &str) -> Vec<Option<f64>> {
        self.column::<Float64Array>(name).iter().collect()
    }

    pub fn i64s(&self, name: &str) -> Vec<Option<i64>> {
        self.column::<Int64Array>(name).iter().collect()
    }

    pub fn strs(&self, name: &str) -> Vec<Option<String>> {
        self.column::<StringArray>(name)
            .iter()
            .map(|v| v.map(String::from))
            .collect()
    }

    pub fn bools(&self, name: &str) -> Vec<Option<bool>> {
        self.column::<BooleanArray>(name).iter().collect()
    }

    /// The row whose `key` column equals `value`.
    pub fn row_of(&self, key: &str, value: &str) -> usize {
        self.strs(key)
            .iter()
            .position(|v| v.as_deref() == Some(value))
            .unwrap_or_else(|| panic!("no row with {key} = {value}"))
    }
}

/// Runs an ad-hoc query (used to look at a few columns of a model).
pub async fn query(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
    ctx.sql(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}
