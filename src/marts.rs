//! The typed boundary between the SQL and the Rust. A SQL result reaches
//! Rust only as rows of a struct that implements [`MartRow`]: the struct
//! names its model, and [`read`] turns the model's stored result into
//! `Vec<Row>` through `serde_arrow` (no hand-written downcasts, no JSON maps
//! where a missing key reads as empty).
//!
//! Every consumed mart is listed in [`CONSUMED`], and
//! [`crate::models::check_boundary`] plans every model on empty tables before
//! a run reads any data, comparing each consumed mart's columns with its
//! struct's fields: a renamed or retyped column fails there, naming the
//! `.sql` file, the column and both types — never later as a silent default.
//!
//! Types are compared by kind (text, integer, float, boolean, date): the
//! engine picks among `Utf8`, `LargeUtf8` and `Utf8View` or `Int32`/`Int64`
//! as it plans, and either reads back the same. Nullability is not compared
//! (the engine marks most computed columns nullable); a null read into a
//! non-`Option` field fails at [`read`], naming the model.

use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::datatypes::{DataType, FieldRef, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use serde::de::DeserializeOwned;
use serde_arrow::schema::{SchemaLike, TracingOptions};

use crate::models::{ModelResult, model};
use crate::publish::rows;

/// Reads an optional `date` column into `Option<NaiveDate>`; use as
/// `#[serde(deserialize_with = "crate::marts::optional_date")]` with the
/// field listed in [`MartRow::DATES`]. The date is read as the column holds
/// it, days since 1970-01-01 (`serde_arrow` hands a `date` column to a
/// reader of `i32` as its days): chrono's own impl would ask for the date's
/// `YYYY-MM-DD` text, which `serde_arrow` formats for every row and chrono
/// then parses back.
pub fn optional_date<'de, D>(deserializer: D) -> Result<Option<NaiveDate>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let days: Option<i32> = serde::Deserialize::deserialize(deserializer)?;
    days.map(|days| {
        NaiveDate::from_epoch_days(days).ok_or_else(|| {
            serde::de::Error::custom(format!("{days} days from 1970-01-01 is not a date"))
        })
    })
    .transpose()
}

/// A row of a SQL model that Rust reads (or of an input table, for the
/// sample, which reads ingest's batches with [`from_batches`]).
pub trait MartRow: DeserializeOwned {
    /// The model (`sql/<MODEL>.sql`) or input table whose rows these are.
    const MODEL: &'static str;
    /// Fields read from a `date` column ([`optional_date`] traces as an
    /// integer).
    const DATES: &'static [&'static str] = &[];
}

/// The typed boundary failed: a model's columns do not match the struct
/// that reads them, or a row could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BoundaryError {
    #[error(
        "{file}: column `{column}` {found}, but the Rust row `{row}` reads it as {expected}; \
         change the SQL or the struct so that they agree"
    )]
    Mismatch {
        file: String,
        column: String,
        /// "is missing" or "is `<type>`".
        found: String,
        row: &'static str,
        expected: String,
    },
    #[error("{file}: reading its rows as `{row}`: {message}")]
    Read {
        file: String,
        row: &'static str,
        message: String,
    },
    #[error("the Rust row `{row}` reads `{model}`, which no model in sql/ produces")]
    UnknownModel {
        row: &'static str,
        model: &'static str,
    },
}

/// Where a row's columns come from: a model's file, or an input table
/// (rows read straight from ingest's staged batches).
fn file_of(model_name: &str) -> String {
    if model(model_name).is_none()
        && crate::ingest::schema::Table::ALL
            .iter()
            .any(|t| t.name() == model_name)
    {
        format!("input table `{model_name}`")
    } else {
        format!("sql/{model_name}.sql")
    }
}

fn row_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

/// The columns a row struct reads: its fields, traced by `serde_arrow`, with
/// the [`MartRow::DATES`] fields as dates.
pub fn expected_fields<T: MartRow>() -> Vec<FieldRef> {
    let traced = Vec::<FieldRef>::from_type::<T>(TracingOptions::default()).unwrap_or_else(|e| {
        panic!(
            "{} is a flat struct serde_arrow can trace: {e}",
            row_name::<T>()
        )
    });
    traced
        .into_iter()
        .map(|f| {
            if T::DATES.contains(&f.name().as_str()) {
                Arc::new(f.as_ref().clone().with_data_type(DataType::Date32))
            } else {
                f
            }
        })
        .collect()
}

/// The kind a column's type reads as.
fn kind(t: &DataType) -> &'static str {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "text",
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => "integer",
        DataType::Float16 | DataType::Float32 | DataType::Float64 => "float",
        DataType::Boolean => "boolean",
        DataType::Date32 | DataType::Date64 => "date",
        DataType::Null => "null",
        _ => "other",
    }
}

/// Checks a model's planned schema against the row struct that reads it.
pub fn check<T: MartRow>(schema: &Schema) -> Result<(), BoundaryError> {
    for want in expected_fields::<T>() {
        let mismatch = |found: String| BoundaryError::Mismatch {
            file: file_of(T::MODEL),
            column: want.name().clone(),
            found,
            row: row_name::<T>(),
            expected: format!("{} ({})", want.data_type(), kind(want.data_type())),
        };
        let Ok(have) = schema.field_with_name(want.name()) else {
            return Err(mismatch("is missing".into()));
        };
        // An all-null column (`null as x`) reads as any type.
        let have_kind = kind(have.data_type());
        if have_kind != kind(want.data_type()) && have_kind != "null" {
            return Err(mismatch(format!("is {} ({have_kind})", have.data_type())));
        }
    }
    Ok(())
}

fn read_error<T: MartRow>(message: String) -> BoundaryError {
    BoundaryError::Read {
        file: file_of(T::MODEL),
        row: row_name::<T>(),
        message,
    }
}

/// The rows of one batch, its schema already checked.
fn rows_of<T: MartRow>(batch: &RecordBatch) -> Result<Vec<T>, BoundaryError> {
    serde_arrow::from_record_batch(batch).map_err(|e| read_error::<T>(e.to_string()))
}

/// The rows of record batches of `T`'s model.
pub fn from_batches<T: MartRow>(batches: &[RecordBatch]) -> Result<Vec<T>, BoundaryError> {
    // The batches of one result share a schema: trace the struct once.
    if let Some(first) = batches.first() {
        check::<T>(&first.schema())?;
    }
    let mut rows = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for batch in batches {
        rows.extend(rows_of::<T>(batch)?);
    }
    Ok(rows)
}

fn result_of<T: MartRow>(results: &[ModelResult]) -> Result<&ModelResult, BoundaryError> {
    results
        .iter()
        .find(|r| r.model.name == T::MODEL)
        .ok_or(BoundaryError::UnknownModel {
            row: row_name::<T>(),
            model: T::MODEL,
        })
}

/// The rows of `T`'s model among a run's results, in the model's order.
pub fn read<T: MartRow>(results: &[ModelResult]) -> Result<Vec<T>, crate::Error> {
    Ok(from_batches(&result_of::<T>(results)?.read()?)?)
}

/// The rows of `T`'s model a batch at a time, in the model's order, for a
/// mart too large to hold at once: a result stored in a file is read from
/// it as the iterator goes.
pub fn stream<T: MartRow>(
    results: &[ModelResult],
) -> Result<impl Iterator<Item = Result<Vec<T>, BoundaryError>> + use<T>, BoundaryError> {
    let result = result_of::<T>(results)?;
    check::<T>(&result.schema)?;
    type Batches = Box<dyn Iterator<Item = Result<RecordBatch, String>> + Send>;
    let batches: Batches = match &result.file {
        None => Box::new(result.batches.clone().into_iter().map(Ok)),
        Some(path) => Box::new(
            crate::scratch::read_batches(path)
                .map_err(|e| read_error::<T>(e.to_string()))?
                .map(|b| b.map_err(|e| e.to_string())),
        ),
    };
    Ok(batches.map(|batch| rows_of::<T>(&batch.map_err(read_error::<T>)?)))
}

/// A consumed mart: its model and the check of its row struct.
pub struct Consumed {
    pub model: &'static str,
    pub row: &'static str,
    pub check: fn(&Schema) -> Result<(), BoundaryError>,
}

impl Consumed {
    const fn of<T: MartRow>(row: &'static str) -> Consumed {
        Consumed {
            model: T::MODEL,
            row,
            check: check::<T>,
        }
    }
}

/// Every model whose rows Rust reads, with the struct that reads them.
pub const CONSUMED: &[Consumed] = &[
    Consumed::of::<crate::severity::SeverityInputRow>("SeverityInputRow"),
    Consumed::of::<crate::lists::RegisterInputRow>("RegisterInputRow"),
    Consumed::of::<crate::lists::CreditReasonRow>("CreditReasonRow"),
    Consumed::of::<crate::lists::NegativeFindingRow>("NegativeFindingRow"),
    Consumed::of::<crate::lists::EvidenceRow>("EvidenceRow"),
    Consumed::of::<crate::lists::AddresseeRow>("AddresseeRow"),
    Consumed::of::<rows::ReportCaseCountRow>("ReportCaseCountRow"),
    Consumed::of::<rows::ReportCaseRow>("ReportCaseRow"),
    Consumed::of::<rows::PanelAgreementRow>("PanelAgreementRow"),
    Consumed::of::<rows::ReviewerRow>("ReviewerRow"),
    Consumed::of::<rows::DisputedCaseRow>("DisputedCaseRow"),
    Consumed::of::<rows::SeverityRow>("SeverityRow"),
    Consumed::of::<rows::SensitiveCaseRow>("SensitiveCaseRow"),
    Consumed::of::<rows::DisputedTotalRow>("DisputedTotalRow"),
    Consumed::of::<rows::EntryRow>("EntryRow"),
    Consumed::of::<rows::EventRow>("EventRow"),
    Consumed::of::<rows::SanctionRow>("SanctionRow"),
    Consumed::of::<rows::N4EvidenceRow>("N4EvidenceRow"),
    Consumed::of::<rows::IdentifierRow>("IdentifierRow"),
    Consumed::of::<rows::LawyerProfileRow>("LawyerProfileRow"),
    Consumed::of::<rows::LawyerCaseRow>("LawyerCaseRow"),
    Consumed::of::<rows::LawyerCreditRow>("LawyerCreditRow"),
    Consumed::of::<rows::InspectionRow>("InspectionRow"),
    Consumed::of::<rows::FirmRow>("FirmRow"),
];

/// Every consumed mart names a model that exists.
pub fn check_registry() -> Result<(), BoundaryError> {
    for c in CONSUMED {
        if model(c.model).is_none() {
            return Err(BoundaryError::UnknownModel {
                row: c.row,
                model: c.model,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lists::RegisterInputRow;
    use crate::models::{Kind, Model, PHASES, check_boundary};
    use crate::plan::{Plan, PlanOptions};

    fn demo_plan() -> Plan {
        Plan::resolve(
            std::path::Path::new("pipelines/chengdu-2024.toml"),
            &PlanOptions::default(),
        )
        .expect("the demo pipeline resolves")
    }

    /// Every phase's models, with `edit` applied to the model `name`.
    fn with_model(name: &str, edit: impl Fn(&mut Model)) -> Vec<Vec<Model>> {
        PHASES
            .iter()
            .map(|phase| {
                phase
                    .iter()
                    .map(|m| {
                        let mut m = *m;
                        if m.name == name {
                            edit(&mut m);
                        }
                        m
                    })
                    .collect()
            })
            .collect()
    }

    /// Every phase's models, with `edit` applied to the SQL of `name`.
    fn edited(name: &str, edit: impl Fn(&str) -> String) -> Vec<Vec<Model>> {
        with_model(name, |m| {
            let sql = edit(m.sql);
            assert_ne!(sql, m.sql, "the edit applies");
            m.sql = Box::leak(sql.into_boxed_str());
        })
    }

    /// The SQL without its final `ORDER BY` line.
    fn without_order_by(sql: &str) -> String {
        let at = sql.rfind("\norder by ").expect("a final ORDER BY");
        format!("{}\n", &sql[..at])
    }

    async fn check(phases: &[Vec<Model>]) -> Result<(), crate::Error> {
        let plan = demo_plan();
        let ctx = crate::session::build_empty(&plan)?;
        let slices: Vec<&[Model]> = phases.iter().map(Vec::as_slice).collect();
        check_boundary(&ctx, &slices).await
    }

    #[tokio::test]
    async fn the_models_match_their_rows() {
        check_registry().unwrap();
        let plan = demo_plan();
        let ctx = crate::session::build_empty(&plan).unwrap();
        check_boundary(&ctx, PHASES).await.unwrap();
    }

    #[tokio::test]
    async fn a_sorted_model_must_end_in_an_order_by_of_its_columns() {
        let err = check(&edited("mart_lawyer_credit", without_order_by))
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "sql/mart_lawyer_credit.sql: checking its row order: Error during planning: the \
             model is declared sorted but does not end in an ORDER BY of its result's columns, \
             so the order of its rows is not defined"
        );
        let by_expression = edited("mart_lawyer_credit", |sql| {
            sql.replace("order by c.lawyer_id", "order by lower(c.lawyer_id)")
        });
        let err = check(&by_expression).await.unwrap_err().to_string();
        assert!(
            err.starts_with("sql/mart_lawyer_credit.sql: checking its row order: "),
            "{err}"
        );
        assert!(err.contains("not a column of its result"), "{err}");
    }

    #[tokio::test]
    async fn an_unordered_model_has_no_order_by_and_is_not_written() {
        let sorted_anyway = edited("int_case_veto_items", |sql| {
            format!("{sql}order by case_id\n")
        });
        let err = check(&sorted_anyway).await.unwrap_err().to_string();
        assert!(
            err.starts_with("sql/int_case_veto_items.sql: checking its row order: "),
            "{err}"
        );
        assert!(
            err.contains(
                "declared unordered (its readers only aggregate it), but ends in an ORDER BY"
            ),
            "{err}"
        );
        let unordered_mart = with_model("mart_lawyer_credit", |m| {
            m.kind = Kind::Unordered;
            m.sql = Box::leak(without_order_by(m.sql).into_boxed_str());
        });
        let err = check(&unordered_mart).await.unwrap_err().to_string();
        assert!(
            err.starts_with("sql/mart_lawyer_credit.sql: checking its row order: "),
            "{err}"
        );
        assert!(err.contains("a written mart's row order"), "{err}");
    }

    #[tokio::test]
    async fn a_renamed_column_fails_naming_file_column_and_types() {
        let phases = edited("mart_register_input", |sql| {
            sql.replace(
                "    c.mean_score,\n",
                "    c.mean_score as average_score,\n",
            )
        });
        let err = check(&phases).await.unwrap_err().to_string();
        assert_eq!(
            err,
            "sql/mart_register_input.sql: column `mean_score` is missing, but the Rust row \
             `RegisterInputRow` reads it as Float64 (float); change the SQL or the struct so \
             that they agree"
        );
    }

    #[tokio::test]
    async fn a_retyped_column_fails_naming_both_types() {
        let phases = edited("mart_register_input", |sql| {
            sql.replace("    c.n_due,\n", "    cast(c.n_due as double) as n_due,\n")
        });
        let err = check(&phases).await.unwrap_err().to_string();
        assert!(
            err.contains("sql/mart_register_input.sql: column `n_due` is Float64 (float)")
                && err.contains("reads it as Int64 (integer)"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_column_an_earlier_model_renamed_fails_at_planning() {
        // Renaming in an upstream model breaks the SQL that reads it, before
        // any data: the error names the model file that no longer plans.
        let phases = edited("int_lawyer_credit", |sql| {
            sql.replace(
                "    s.mean_score,\n",
                "    s.mean_score as average_score,\n",
            )
        });
        let err = check(&phases).await.unwrap_err().to_string();
        assert!(err.starts_with("sql/int_positive_rules.sql:"), "{err}");
        assert!(err.contains("mean_score"), "{err}");
    }

    #[tokio::test]
    async fn only_the_last_phase_may_read_the_register() {
        // The report models run while the register decides: one that read
        // the register's state would read it before this run's transitions.
        let mut phases = edited("mart_report_sanctions", |sql| {
            sql.replace(
                "    from sanctions\n",
                "    from sanctions\n    where lawyer_id in (select lawyer_id from register_entries)\n",
            )
        });
        let report = crate::models::REPORT_MODELS;
        let at = PHASES
            .iter()
            .position(|p| std::ptr::eq(*p, report))
            .unwrap();
        assert!(
            at + 1 < PHASES.len(),
            "the report models run before the last phase"
        );
        let err = check(&phases).await.unwrap_err().to_string();
        assert!(err.starts_with("sql/mart_report_sanctions.sql:"), "{err}");
        assert!(err.contains("register_entries"), "{err}");
        // The same SQL in the last phase plans.
        let i = phases[at]
            .iter()
            .position(|m| m.name == "mart_report_sanctions")
            .unwrap();
        let moved = phases[at].remove(i);
        phases.last_mut().unwrap().push(moved);
        check(&phases).await.unwrap();
    }

    #[test]
    fn rows_read_through_serde_arrow_with_dates_and_nulls() {
        use datafusion::arrow::array::{
            ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, StringArray,
        };
        let fields = expected_fields::<RegisterInputRow>();
        assert_eq!(fields.len(), 28);
        let date = crate::ingest::value::date32(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        let columns: Vec<ArrayRef> = fields
            .iter()
            .map(|f| -> ArrayRef {
                match f.data_type() {
                    DataType::LargeUtf8 | DataType::Utf8 => {
                        Arc::new(StringArray::from(vec![if f.name() == "tier" {
                            None
                        } else {
                            Some("L1")
                        }]))
                    }
                    DataType::Int64 => Arc::new(Int64Array::from(vec![Some(3)])),
                    DataType::Float64 => Arc::new(Float64Array::from(vec![Some(81.5)])),
                    DataType::Boolean => Arc::new(BooleanArray::from(vec![Some(true)])),
                    DataType::Date32 => Arc::new(Date32Array::from(vec![Some(date)])),
                    other => panic!("{}: unexpected {other}", f.name()),
                }
            })
            .collect();
        let schema = Arc::new(Schema::new(
            fields
                .iter()
                .map(|f| {
                    let t = if f.data_type() == &DataType::LargeUtf8 {
                        DataType::Utf8
                    } else {
                        f.data_type().clone()
                    };
                    f.as_ref().clone().with_data_type(t).with_nullable(true)
                })
                .collect::<Vec<_>>(),
        ));
        let batch = RecordBatch::try_new(schema, columns).unwrap();
        let rows = from_batches::<RegisterInputRow>(&[batch]).unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.lawyer_id, "L1");
        assert_eq!(r.tier, None);
        assert_eq!(r.n_due, Some(3));
        assert_eq!(r.mean_score, Some(81.5));
        assert!(r.p1 && r.licence_revoked);
        assert_eq!(r.n4_sanction_end, NaiveDate::from_ymd_opt(2026, 1, 1));
    }

    #[derive(Debug, serde::Deserialize)]
    struct DateRow {
        #[serde(deserialize_with = "optional_date")]
        on: Option<NaiveDate>,
    }

    impl MartRow for DateRow {
        const MODEL: &'static str = "dates";
        const DATES: &'static [&'static str] = &["on"];
    }

    #[test]
    fn dates_read_as_their_days_null_as_none_and_a_day_past_chrono_refused() {
        use datafusion::arrow::array::Date32Array;
        use datafusion::arrow::datatypes::Field;
        let batch = |days: Vec<Option<i32>>| {
            let schema = Arc::new(Schema::new(vec![Field::new("on", DataType::Date32, true)]));
            RecordBatch::try_new(schema, vec![Arc::new(Date32Array::from(days))]).unwrap()
        };
        assert_eq!(
            expected_fields::<DateRow>()[0].data_type(),
            &DataType::Date32
        );
        let rows = from_batches::<DateRow>(&[batch(vec![Some(0), None, Some(19_723)])]).unwrap();
        let dates: Vec<_> = rows.iter().map(|r| r.on).collect();
        let ymd = NaiveDate::from_ymd_opt;
        assert_eq!(dates, vec![ymd(1970, 1, 1), None, ymd(2024, 1, 1)]);
        let err = from_batches::<DateRow>(&[batch(vec![Some(i32::MAX)])])
            .unwrap_err()
            .to_string();
        assert!(err.contains("is not a date"), "{err}");
    }
}
