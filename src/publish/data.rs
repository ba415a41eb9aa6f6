//! Reading query results as plain rows. Reports need a handful of values per
//! row, by column name; [`query`] runs SQL on the session and returns every
//! value converted to one of five kinds, so report code never touches Arrow
//! arrays. Aggregates that are published are computed in Rust from rows in a
//! fixed order (never with SQL `avg` over partitions), so the same inputs
//! give the same bytes.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, StringArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;

use super::PublishError;

/// One value of a result row.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(NaiveDate),
}

/// A query result: column names and rows.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub columns: Vec<String>,
    pub values: Vec<Vec<Val>>,
}

/// One row of a [`Table`], read by column name.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    columns: &'a [String],
    values: &'a [Val],
}

impl Table {
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.values.iter().map(|v| Row {
            columns: &self.columns,
            values: v,
        })
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl<'a> Row<'a> {
    /// The value of a column; panics on a column the query does not have
    /// (a programming error, caught by every test that renders a report).
    pub fn get(&self, column: &str) -> &'a Val {
        let i = self
            .columns
            .iter()
            .position(|c| c == column)
            .unwrap_or_else(|| panic!("query result has no column `{column}`"));
        &self.values[i]
    }

    pub fn str(&self, column: &str) -> Option<&'a str> {
        match self.get(column) {
            Val::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// The text of a column, the empty string for null.
    pub fn text(&self, column: &str) -> String {
        self.str(column).unwrap_or("").to_string()
    }

    pub fn int(&self, column: &str) -> Option<i64> {
        match self.get(column) {
            Val::Int(v) => Some(*v),
            Val::Float(v) => Some(*v as i64),
            _ => None,
        }
    }

    pub fn float(&self, column: &str) -> Option<f64> {
        match self.get(column) {
            Val::Float(v) => Some(*v),
            Val::Int(v) => Some(*v as f64),
            _ => None,
        }
    }

    pub fn bool(&self, column: &str) -> Option<bool> {
        match self.get(column) {
            Val::Bool(v) => Some(*v),
            _ => None,
        }
    }

    pub fn date(&self, column: &str) -> Option<NaiveDate> {
        match self.get(column) {
            Val::Date(d) => Some(*d),
            _ => None,
        }
    }
}

/// Runs `sql` on the session and collects every row.
pub async fn query(ctx: &SessionContext, sql: &str) -> Result<Table, PublishError> {
    let engine = |e: datafusion::error::DataFusionError| PublishError::Query {
        sql: first_line(sql),
        message: e.to_string(),
    };
    let df = ctx.sql(sql).await.map_err(engine)?;
    let schema = df.schema().clone();
    let batches = df.collect().await.map_err(engine)?;
    let columns: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    let mut values = Vec::new();
    for batch in &batches {
        values.extend(batch_rows(batch).map_err(|message| PublishError::Query {
            sql: first_line(sql),
            message,
        })?);
    }
    Ok(Table { columns, values })
}

/// Whether the session has a table of this name.
pub fn has_table(ctx: &SessionContext, name: &str) -> bool {
    ctx.table_exist(name).unwrap_or(false)
}

fn first_line(sql: &str) -> String {
    let line = sql
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    line.chars().take(100).collect()
}

fn batch_rows(batch: &RecordBatch) -> Result<Vec<Vec<Val>>, String> {
    let columns: Vec<Vec<Val>> = batch
        .columns()
        .iter()
        .map(column_values)
        .collect::<Result<_, _>>()?;
    Ok((0..batch.num_rows())
        .map(|i| columns.iter().map(|c| c[i].clone()).collect())
        .collect())
}

fn column_values(array: &ArrayRef) -> Result<Vec<Val>, String> {
    let t = array.data_type();
    let converted = |to: &DataType| cast(array, to).map_err(|e| e.to_string());
    let out: Vec<Val> = match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(_, _) => {
            let a = converted(&DataType::Utf8)?;
            let a = a.as_any().downcast_ref::<StringArray>().expect("utf8");
            (0..a.len())
                .map(|i| {
                    if a.is_null(i) {
                        Val::Null
                    } else {
                        Val::Str(a.value(i).to_string())
                    }
                })
                .collect()
        }
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => {
            let a = converted(&DataType::Int64)?;
            let a = a.as_any().downcast_ref::<Int64Array>().expect("int64");
            (0..a.len())
                .map(|i| {
                    if a.is_null(i) {
                        Val::Null
                    } else {
                        Val::Int(a.value(i))
                    }
                })
                .collect()
        }
        DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Decimal128(_, _) => {
            let a = converted(&DataType::Float64)?;
            let a = a.as_any().downcast_ref::<Float64Array>().expect("float64");
            (0..a.len())
                .map(|i| {
                    if a.is_null(i) {
                        Val::Null
                    } else {
                        Val::Float(a.value(i))
                    }
                })
                .collect()
        }
        DataType::Boolean => {
            let a = array
                .as_any()
                .downcast_ref::<BooleanArray>()
                .expect("boolean");
            (0..a.len())
                .map(|i| {
                    if a.is_null(i) {
                        Val::Null
                    } else {
                        Val::Bool(a.value(i))
                    }
                })
                .collect()
        }
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _) => {
            let a = converted(&DataType::Date32)?;
            let a = a.as_any().downcast_ref::<Date32Array>().expect("date32");
            (0..a.len())
                .map(|i| {
                    if a.is_null(i) {
                        Val::Null
                    } else {
                        a.value_as_date(i).map_or(Val::Null, Val::Date)
                    }
                })
                .collect()
        }
        DataType::Null => vec![Val::Null; array.len()],
        other => return Err(format!("unsupported column type {other} in a report query")),
    };
    Ok(out)
}

/// Rows grouped by the text of one column, groups in key order, rows in
/// query order.
pub fn group_by<'a>(table: &'a Table, column: &str) -> BTreeMap<String, Vec<Row<'a>>> {
    let mut out: BTreeMap<String, Vec<Row<'a>>> = BTreeMap::new();
    for row in table.rows() {
        out.entry(row.text(column)).or_default().push(row);
    }
    out
}

/// The rows of a query sorted by a key column, read a batch at a time and
/// handed out key by key: a page per lawyer then holds one lawyer's rows, not
/// the whole table (a million cases at national scale).
pub struct KeyedCursor {
    stream: datafusion::physical_plan::SendableRecordBatchStream,
    columns: Vec<String>,
    key: usize,
    sql: String,
    buffered: std::collections::VecDeque<Vec<Val>>,
}

impl KeyedCursor {
    /// Runs `sql`, which must be ordered by `key` first.
    pub async fn open(
        ctx: &SessionContext,
        sql: &str,
        key: &str,
    ) -> Result<KeyedCursor, PublishError> {
        let engine = |e: datafusion::error::DataFusionError| PublishError::Query {
            sql: first_line(sql),
            message: e.to_string(),
        };
        let df = ctx.sql(sql).await.map_err(engine)?;
        let columns: Vec<String> = df
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().to_string())
            .collect();
        let key = columns
            .iter()
            .position(|c| c == key)
            .unwrap_or_else(|| panic!("query result has no column `{key}`"));
        let stream = df.execute_stream().await.map_err(engine)?;
        Ok(KeyedCursor {
            stream,
            columns,
            key,
            sql: sql.to_string(),
            buffered: Default::default(),
        })
    }

    /// The rows whose key is `key`. Keys must be asked for in the query's
    /// order; rows of keys skipped over are dropped.
    pub async fn take(&mut self, key: &str) -> Result<Table, PublishError> {
        use futures::StreamExt;
        let mut values = Vec::new();
        loop {
            while let Some(row) = self.buffered.front() {
                let row_key = match &row[self.key] {
                    Val::Str(s) => s.as_str(),
                    _ => "",
                };
                match row_key.cmp(key) {
                    std::cmp::Ordering::Less => {
                        self.buffered.pop_front();
                    }
                    std::cmp::Ordering::Equal => {
                        values.push(self.buffered.pop_front().expect("front exists"));
                    }
                    std::cmp::Ordering::Greater => {
                        return Ok(self.table(values));
                    }
                }
            }
            match self.stream.next().await {
                None => return Ok(self.table(values)),
                Some(batch) => {
                    let batch = batch.map_err(|e| PublishError::Query {
                        sql: first_line(&self.sql),
                        message: e.to_string(),
                    })?;
                    let rows = batch_rows(&batch).map_err(|message| PublishError::Query {
                        sql: first_line(&self.sql),
                        message,
                    })?;
                    self.buffered.extend(rows);
                }
            }
        }
    }

    fn table(&self, values: Vec<Vec<Val>>) -> Table {
        Table {
            columns: self.columns.clone(),
            values,
        }
    }
}

/// The mean of values in the order given (a fixed order gives fixed bytes).
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        None
    } else {
        Some(values.iter().sum::<f64>() / values.len() as f64)
    }
}

/// The median (mean of the two middle values for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys asked for in order get exactly their rows, across batch
    /// boundaries; keys skipped over and keys with no rows give nothing.
    #[tokio::test]
    async fn a_keyed_cursor_hands_out_rows_key_by_key() {
        let ctx = SessionContext::new_with_config(
            datafusion::prelude::SessionConfig::new().with_batch_size(2),
        );
        let sql = "select k, v from (values ('a', 1), ('b', 2), ('b', 3), ('b', 4), \
                   ('d', 5), ('e', 6)) as t(k, v) order by k, v";
        let mut cursor = KeyedCursor::open(&ctx, sql, "k").await.unwrap();
        let ints = |t: &Table| -> Vec<i64> { t.rows().filter_map(|r| r.int("v")).collect() };
        assert_eq!(ints(&cursor.take("b").await.unwrap()), vec![2, 3, 4]);
        assert_eq!(ints(&cursor.take("c").await.unwrap()), Vec::<i64>::new());
        assert_eq!(ints(&cursor.take("e").await.unwrap()), vec![6]);
        assert_eq!(ints(&cursor.take("f").await.unwrap()), Vec::<i64>::new());
    }
}
