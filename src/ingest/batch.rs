//! Typed rows and the Arrow builders they are appended to. Accepted rows go
//! straight into column builders and leave as record batches of the engine's
//! batch size, so no stage keeps a table as per-row Rust structs.
//!
//! A builder may spill: each finished batch is then appended to a file in
//! the run's scratch folder ([`crate::scratch`]) instead of staying in memory,
//! and the table leaves ingest as that file ([`Staged::File`]), which the
//! query engine scans. A large input (the review rows) then never sits in
//! memory whole.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::scratch::{ScratchWriter, read_batches};

use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder,
    StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;

/// One parsed cell.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
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

/// A finished table: its batches in memory, or a Parquet file of them in
/// the run's scratch folder.
#[derive(Debug, Clone)]
pub enum Staged {
    Memory(Vec<RecordBatch>),
    File {
        path: PathBuf,
        schema: SchemaRef,
        rows: u64,
    },
}

impl Staged {
    /// Number of rows.
    pub fn num_rows(&self) -> u64 {
        match self {
            Staged::Memory(batches) => batches.iter().map(|b| b.num_rows() as u64).sum(),
            Staged::File { rows, .. } => *rows,
        }
    }

    /// Every batch, read back from the file when spilled.
    pub fn batches(&self) -> std::io::Result<Vec<RecordBatch>> {
        match self {
            Staged::Memory(batches) => Ok(batches.clone()),
            Staged::File { path, .. } => read_batches(path)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(std::io::Error::other),
        }
    }
}

/// Where finished batches go when a builder spills.
struct Spill {
    path: PathBuf,
    writer: ScratchWriter,
    rows: u64,
    /// The first write error; reported by [`BatchBuilder::finish_staged`].
    error: Option<std::io::Error>,
}

/// One column's builder, by the staging types. An enum rather than
/// `Box<dyn ArrayBuilder>`: a value is appended without a virtual call and
/// a downcast (both visible in the profile of ingest's validating thread).
enum Column {
    Text(StringBuilder),
    Date(Date32Builder),
    Bool(BooleanBuilder),
    Num(Float64Builder),
    Int(Int64Builder),
}

impl Column {
    fn append(&mut self, value: &Value) {
        match (self, value) {
            (Column::Text(b), Value::Text(s)) => b.append_value(s),
            (Column::Date(b), Value::Date(d)) => b.append_value(*d),
            (Column::Bool(b), Value::Bool(v)) => b.append_value(*v),
            (Column::Num(b), Value::Num(v)) => b.append_value(*v),
            (Column::Int(b), Value::Int(v)) => b.append_value(*v),
            (column, Value::Null) => column.builder().append_nulls(1),
            (_, value) => unreachable!("a value of the wrong type for its column: {value:?}"),
        }
    }

    fn builder(&mut self) -> &mut dyn NullableBuilder {
        match self {
            Column::Text(b) => b,
            Column::Date(b) => b,
            Column::Bool(b) => b,
            Column::Num(b) => b,
            Column::Int(b) => b,
        }
    }
}

/// The two things every column builder is asked for beyond its values.
trait NullableBuilder {
    fn append_nulls(&mut self, n: usize);
    fn finish(&mut self) -> ArrayRef;
}

macro_rules! nullable_builder {
    ($($builder:ty),*) => {$(
        impl NullableBuilder for $builder {
            fn append_nulls(&mut self, n: usize) {
                <$builder>::append_nulls(self, n)
            }
            fn finish(&mut self) -> ArrayRef {
                ArrayBuilder::finish(self)
            }
        }
    )*};
}
nullable_builder!(
    StringBuilder,
    Date32Builder,
    BooleanBuilder,
    Float64Builder,
    Int64Builder
);

/// Builds record batches of a fixed schema from typed rows.
pub struct BatchBuilder {
    schema: SchemaRef,
    columns: Vec<Column>,
    rows: usize,
    batch_size: usize,
    done: Vec<RecordBatch>,
    spill: Option<Spill>,
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
            spill: None,
        }
    }

    /// A builder whose finished batches are appended to the scratch file at
    /// `path` (Parquet) rather than kept in
    /// memory.
    pub fn spilling(schema: SchemaRef, batch_size: usize, path: &Path) -> std::io::Result<Self> {
        let writer = ScratchWriter::create(path, &schema)?;
        let mut builder = Self::new(schema, batch_size);
        builder.spill = Some(Spill {
            path: path.to_path_buf(),
            writer,
            rows: 0,
            error: None,
        });
        Ok(builder)
    }

    /// Where a batch goes once finished: the spill file, or memory.
    fn store(&mut self, batch: RecordBatch) {
        match &mut self.spill {
            None => self.done.push(batch),
            Some(spill) => {
                if spill.error.is_none() {
                    spill.rows += batch.num_rows() as u64;
                    if let Err(e) = spill.writer.write(&batch) {
                        spill.error = Some(e);
                    }
                }
            }
        }
    }

    fn fresh(schema: &SchemaRef, capacity: usize) -> Vec<Column> {
        schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Utf8 => {
                    Column::Text(StringBuilder::with_capacity(capacity, capacity * 8))
                }
                DataType::Date32 => Column::Date(Date32Builder::with_capacity(capacity)),
                DataType::Boolean => Column::Bool(BooleanBuilder::with_capacity(capacity)),
                DataType::Float64 => Column::Num(Float64Builder::with_capacity(capacity)),
                DataType::Int64 => Column::Int(Int64Builder::with_capacity(capacity)),
                other => unreachable!("no staging column has type {other}"),
            })
            .collect()
    }

    /// Appends one row; values must match the schema's types (nulls anywhere).
    pub fn push(&mut self, row: &[Value]) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.push_each(row);
    }

    /// Appends one row given as its values, one per column in order.
    pub fn push_each<'v>(&mut self, row: impl IntoIterator<Item = &'v Value>) {
        let mut values = 0;
        for (column, value) in self.columns.iter_mut().zip(row) {
            column.append(value);
            values += 1;
        }
        debug_assert_eq!(values, self.columns.len());
        self.rows += 1;
        if self.rows == self.batch_size {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.rows == 0 {
            return;
        }
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|c| c.builder().finish())
            .collect();
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), arrays)
            .expect("builders follow the schema");
        self.store(batch);
        self.rows = 0;
    }

    /// The number of rows a finished batch holds.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Appends a whole batch of this schema after the rows pushed so far.
    pub fn append_batch(&mut self, batch: RecordBatch) {
        self.flush();
        if batch.num_rows() > 0 {
            self.store(batch);
        }
    }

    /// Hands the batches finished so far (of a builder that does not spill)
    /// to `each`, in order, and lets go of them.
    pub fn drain_done(&mut self, each: impl FnMut(RecordBatch)) {
        if !self.done.is_empty() {
            self.done.drain(..).for_each(each);
        }
    }

    /// The batches of a builder that does not spill.
    pub fn finish(mut self) -> Vec<RecordBatch> {
        assert!(self.spill.is_none(), "a spilling builder finishes staged");
        self.flush();
        self.done
    }

    /// The finished table: in memory, or the spill file closed.
    pub fn finish_staged(mut self) -> std::io::Result<Staged> {
        self.flush();
        match self.spill.take() {
            None => Ok(Staged::Memory(std::mem::take(&mut self.done))),
            Some(spill) => {
                if let Some(e) = spill.error {
                    return Err(e);
                }
                spill.writer.finish()?;
                Ok(Staged::File {
                    path: spill.path,
                    schema: Arc::clone(&self.schema),
                    rows: spill.rows,
                })
            }
        }
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

    #[test]
    fn a_spilling_builder_gives_back_the_same_batches() {
        let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int64, true)]));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut memory = BatchBuilder::new(Arc::clone(&schema), 3);
        let mut spilled = BatchBuilder::spilling(Arc::clone(&schema), 3, &path).unwrap();
        for i in 0..7 {
            memory.push(&[Value::Int(i)]);
            spilled.push(&[Value::Int(i)]);
        }
        let staged = spilled.finish_staged().unwrap();
        assert!(matches!(&staged, Staged::File { rows: 7, .. }));
        let schema_ref = &schema;
        let concat = |b: Vec<RecordBatch>| {
            datafusion::arrow::compute::concat_batches(schema_ref, &b).unwrap()
        };
        assert_eq!(concat(staged.batches().unwrap()), concat(memory.finish()));
    }
}
