//! Typed rows and the Arrow builders they are appended to. Accepted rows go
//! straight into column builders and leave as record batches of the engine's
//! batch size, so no stage keeps a table as per-row Rust structs.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder,
    StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;

/// One parsed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    /// Days since 1970-01-01.
    Date(i32),
    Bool(bool),
    Num(f64),
    Int(i64),
}

impl Value {
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn date(&self) -> Option<i32> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }

    pub fn num(&self) -> Option<f64> {
        match self {
            Value::Num(v) => Some(*v),
            _ => None,
        }
    }
}

/// Builds record batches of a fixed schema from typed rows.
pub struct BatchBuilder {
    schema: SchemaRef,
    columns: Vec<Box<dyn ArrayBuilder>>,
    rows: usize,
    batch_size: usize,
    done: Vec<RecordBatch>,
}

impl BatchBuilder {
    pub fn new(schema: SchemaRef, batch_size: usize) -> Self {
        let columns = Self::fresh(&schema, batch_size);
        BatchBuilder {
            schema,
            columns,
            rows: 0,
            batch_size,
            done: Vec::new(),
        }
    }

    fn fresh(schema: &SchemaRef, capacity: usize) -> Vec<Box<dyn ArrayBuilder>> {
        schema
            .fields()
            .iter()
            .map(|f| -> Box<dyn ArrayBuilder> {
                match f.data_type() {
                    DataType::Utf8 => {
                        Box::new(StringBuilder::with_capacity(capacity, capacity * 8))
                    }
                    DataType::Date32 => Box::new(Date32Builder::with_capacity(capacity)),
                    DataType::Boolean => Box::new(BooleanBuilder::with_capacity(capacity)),
                    DataType::Float64 => Box::new(Float64Builder::with_capacity(capacity)),
                    DataType::Int64 => Box::new(Int64Builder::with_capacity(capacity)),
                    other => unreachable!("no staging column has type {other}"),
                }
            })
            .collect()
    }

    /// Appends one row; values must match the schema's types (nulls anywhere).
    pub fn push(&mut self, row: &[Value]) {
        debug_assert_eq!(row.len(), self.columns.len());
        for (builder, value) in self.columns.iter_mut().zip(row) {
            let any = builder.as_any_mut();
            match value {
                Value::Text(s) => any
                    .downcast_mut::<StringBuilder>()
                    .expect("text column")
                    .append_value(s),
                Value::Date(d) => any
                    .downcast_mut::<Date32Builder>()
                    .expect("date column")
                    .append_value(*d),
                Value::Bool(b) => any
                    .downcast_mut::<BooleanBuilder>()
                    .expect("bool column")
                    .append_value(*b),
                Value::Num(v) => any
                    .downcast_mut::<Float64Builder>()
                    .expect("number column")
                    .append_value(*v),
                Value::Int(v) => any
                    .downcast_mut::<Int64Builder>()
                    .expect("integer column")
                    .append_value(*v),
                Value::Null => append_null(any),
            }
        }
        self.rows += 1;
        if self.rows == self.batch_size {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.rows == 0 {
            return;
        }
        let arrays: Vec<ArrayRef> = self.columns.iter_mut().map(|b| b.finish()).collect();
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), arrays)
            .expect("builders follow the schema");
        self.done.push(batch);
        self.rows = 0;
    }

    /// Appends a whole batch of this schema after the rows pushed so far.
    pub fn append_batch(&mut self, batch: RecordBatch) {
        self.flush();
        if batch.num_rows() > 0 {
            self.done.push(batch);
        }
    }

    pub fn finish(mut self) -> Vec<RecordBatch> {
        self.flush();
        self.done
    }
}

fn append_null(any: &mut dyn std::any::Any) {
    if let Some(b) = any.downcast_mut::<StringBuilder>() {
        b.append_null();
    } else if let Some(b) = any.downcast_mut::<Date32Builder>() {
        b.append_null();
    } else if let Some(b) = any.downcast_mut::<BooleanBuilder>() {
        b.append_null();
    } else if let Some(b) = any.downcast_mut::<Float64Builder>() {
        b.append_null();
    } else if let Some(b) = any.downcast_mut::<Int64Builder>() {
        b.append_null();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::{Field, Schema};

    #[test]
    fn batches_split_at_batch_size() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("a", DataType::Utf8, true),
            Field::new("d", DataType::Date32, true),
        ]));
        let mut b = BatchBuilder::new(schema, 2);
        for i in 0..5 {
            b.push(&[
                Value::Text(format!("r{i}")),
                if i % 2 == 0 {
                    Value::Date(i)
                } else {
                    Value::Null
                },
            ]);
        }
        let batches = b.finish();
        assert_eq!(
            batches.iter().map(|b| b.num_rows()).collect::<Vec<_>>(),
            vec![2, 2, 1]
        );
        assert_eq!(batches[0].column(1).null_count(), 1);
    }
}
