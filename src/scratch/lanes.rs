//! Parquet encoding of a scratch file's columns on more than one thread.
//!
//! One `ArrowWriter` encodes every column of a row group in turn on one
//! thread; for the staged review rows that thread was the bottleneck of
//! ingest's last phase (at 100 % while the thread producing the rows idled
//! at a third). Columns of a row group are encoded independently of each
//! other, so here each *lane* (the encoder's own thread, and helpers) owns
//! some of the columns and is handed every batch; the row group is written
//! when all lanes have closed their columns.
//!
//! The file is the one `ArrowWriter` writes, byte for byte: the same footer
//! and embedded Arrow schema (the file writer comes from an `ArrowWriter`),
//! the same row-group boundaries (batches are split where `ArrowWriter::write`
//! splits them) and the same pages (each column writer is given the same
//! slices, in the same order). A test compares the bytes.

use std::cmp::Reverse;
use std::io::Write;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowColumnWriter, compute_leaves,
};
use datafusion::parquet::errors::{ParquetError, Result};
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::parquet::file::writer::SerializedFileWriter;

/// How many lanes encode a file of `columns` columns: one per core, at most
/// four (the scratch tables are a few dozen columns; beyond that the lanes
/// would only compete with the threads producing the rows), at most one per
/// column.
pub fn lane_count(columns: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.clamp(1, 4).min(columns.max(1))
}

/// Writes the batches received from `batches` to `file` as one Parquet file,
/// its columns encoded on `lanes` threads (this one included). Returns when
/// `batches` is closed and the footer is written.
pub fn encode<W: Write + Send>(
    file: W,
    schema: SchemaRef,
    props: WriterProperties,
    lanes: usize,
    batches: Receiver<RecordBatch>,
) -> Result<()> {
    let writer = ArrowWriter::try_new(file, Arc::clone(&schema), Some(props))?;
    let (mut file_writer, factory) = writer.into_serialized_writer()?;
    let max_rows = file_writer
        .properties()
        .max_row_group_row_count()
        .unwrap_or(usize::MAX);
    if file_writer.properties().max_row_group_bytes().is_some() {
        // `ArrowWriter` would also split by estimated size; not reproduced.
        return Err(ParquetError::General(
            "scratch files split row groups by rows only".into(),
        ));
    }
    let lane_of = assign_lanes(&schema, lanes);
    std::thread::scope(|scope| {
        let helpers: Vec<Helper> = (1..lanes)
            .map(|_| Helper::spawn(scope, Arc::clone(&schema)))
            .collect();
        let mut group: Option<RowGroup> = None;
        for batch in batches {
            let mut rest = batch;
            while rest.num_rows() > 0 {
                let open = match &mut group {
                    Some(open) => open,
                    None => {
                        let index = file_writer.flushed_row_groups().len();
                        let writers = factory.create_column_writers(index)?;
                        group.insert(RowGroup::open(writers, &lane_of, &helpers, &schema)?)
                    }
                };
                let take = (max_rows - open.rows).min(rest.num_rows());
                let part = rest.slice(0, take);
                rest = rest.slice(take, rest.num_rows() - take);
                open.write(part, &helpers)?;
                if open.rows >= max_rows
                    && let Some(full) = group.take()
                {
                    full.append_to(&mut file_writer, &helpers)?;
                }
            }
        }
        if let Some(last) = group.take() {
            last.append_to(&mut file_writer, &helpers)?;
        }
        Ok::<(), ParquetError>(())
    })?;
    file_writer.close().map(|_| ())
}

/// The lane of each column: the costliest columns first, each to the lane
/// with the least work so far. Text columns cost the most to encode (their
/// dictionary is a hash of strings).
fn assign_lanes(schema: &SchemaRef, lanes: usize) -> Vec<usize> {
    let weight = |i: usize| match schema.field(i).data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => 4,
        DataType::Boolean => 1,
        _ => 2,
    };
    let mut order: Vec<usize> = (0..schema.fields().len()).collect();
    order.sort_by_key(|&i| Reverse(weight(i)));
    let mut load = vec![0u32; lanes.max(1)];
    let mut lane_of = vec![0; order.len()];
    for column in order {
        let lightest = (0..load.len()).min_by_key(|&l| load[l]).unwrap_or(0);
        lane_of[column] = lightest;
        load[lightest] += weight(column);
    }
    lane_of
}

/// The column writers one lane holds for the open row group, by column.
#[derive(Default)]
struct Lane {
    writers: Vec<(usize, ArrowColumnWriter)>,
}

impl Lane {
    fn write(&mut self, schema: &SchemaRef, batch: &RecordBatch) -> Result<()> {
        for (column, writer) in &mut self.writers {
            let field = schema.field(*column);
            for leaf in compute_leaves(field, batch.column(*column))? {
                writer.write(&leaf)?;
            }
        }
        Ok(())
    }

    fn close(&mut self) -> Result<Vec<(usize, ArrowColumnChunk)>> {
        std::mem::take(&mut self.writers)
            .into_iter()
            .map(|(column, writer)| Ok((column, writer.close()?)))
            .collect()
    }
}

/// What the encoder's thread tells a helper lane.
enum Order {
    Open(Vec<(usize, ArrowColumnWriter)>),
    Rows(RecordBatch),
    Close,
}

/// A lane on a thread of its own.
struct Helper {
    orders: SyncSender<Order>,
    chunks: Receiver<Result<Vec<(usize, ArrowColumnChunk)>>>,
}

impl Helper {
    fn spawn<'scope>(scope: &'scope std::thread::Scope<'scope, '_>, schema: SchemaRef) -> Helper {
        let (orders, received) = sync_channel::<Order>(4);
        let (reply, chunks) = sync_channel(1);
        scope.spawn(move || {
            let mut lane = Lane::default();
            // The first error of the open row group, reported at its close.
            let mut failed: Option<ParquetError> = None;
            for order in received {
                match order {
                    Order::Open(writers) => lane.writers = writers,
                    Order::Rows(batch) => {
                        if failed.is_none()
                            && let Err(e) = lane.write(&schema, &batch)
                        {
                            failed = Some(e);
                        }
                    }
                    Order::Close => {
                        let closed = match failed.take() {
                            Some(e) => Err(e),
                            None => lane.close(),
                        };
                        if reply.send(closed).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        Helper { orders, chunks }
    }

    fn send(&self, order: Order) -> Result<()> {
        self.orders
            .send(order)
            .map_err(|_| ParquetError::General("a Parquet encoding lane stopped".into()))
    }
}

/// The row group being encoded: this thread's lane and the rows so far.
struct RowGroup {
    own: Lane,
    schema: SchemaRef,
    rows: usize,
}

impl RowGroup {
    /// Hands each lane the writers of its columns.
    fn open(
        writers: Vec<ArrowColumnWriter>,
        lane_of: &[usize],
        helpers: &[Helper],
        schema: &SchemaRef,
    ) -> Result<RowGroup> {
        if writers.len() != lane_of.len() {
            return Err(ParquetError::General(
                "a scratch file has a nested column (one writer per column expected)".into(),
            ));
        }
        let mut by_lane: Vec<Vec<(usize, ArrowColumnWriter)>> =
            (0..=helpers.len()).map(|_| Vec::new()).collect();
        for (column, writer) in writers.into_iter().enumerate() {
            by_lane[lane_of[column]].push((column, writer));
        }
        let mut by_lane = by_lane.into_iter();
        let own = Lane {
            writers: by_lane.next().unwrap_or_default(),
        };
        for (helper, writers) in helpers.iter().zip(by_lane) {
            helper.send(Order::Open(writers))?;
        }
        Ok(RowGroup {
            own,
            schema: Arc::clone(schema),
            rows: 0,
        })
    }

    fn write(&mut self, part: RecordBatch, helpers: &[Helper]) -> Result<()> {
        self.rows += part.num_rows();
        for helper in helpers {
            helper.send(Order::Rows(part.clone()))?;
        }
        self.own.write(&self.schema, &part)
    }

    /// Closes every lane's columns and appends them, in column order, as the
    /// file's next row group.
    fn append_to<W: Write + Send>(
        mut self,
        file_writer: &mut SerializedFileWriter<W>,
        helpers: &[Helper],
    ) -> Result<()> {
        for helper in helpers {
            helper.send(Order::Close)?;
        }
        let mut chunks = self.own.close()?;
        for helper in helpers {
            let closed = helper
                .chunks
                .recv()
                .map_err(|_| ParquetError::General("a Parquet encoding lane stopped".into()))?;
            chunks.extend(closed?);
        }
        chunks.sort_by_key(|(column, _)| *column);
        let mut row_group = file_writer.next_row_group()?;
        for (_, chunk) in chunks {
            chunk.append_to_row_group(&mut row_group)?;
        }
        row_group.close().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{
        ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, StringArray,
    };
    use datafusion::arrow::datatypes::{Field, Schema};
    use datafusion::parquet::basic::Compression;
    use datafusion::parquet::file::properties::EnabledStatistics;

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("day", DataType::Date32, true),
            Field::new("ok", DataType::Boolean, true),
            Field::new("score", DataType::Float64, true),
            Field::new("item", DataType::Int64, true),
            Field::new("note", DataType::Utf8, true),
        ]))
    }

    /// Batches of uneven sizes with nulls, repeats and unique texts, so that
    /// dictionaries, pages and row groups all have something to split.
    fn batches(schema: &SchemaRef) -> Vec<RecordBatch> {
        let mut start = 0i64;
        [1, 700, 3000, 0, 2500, 4097, 13]
            .into_iter()
            .map(|n| {
                let rows: Vec<i64> = (start..start + n).collect();
                start += n;
                let columns: Vec<ArrayRef> = vec![
                    Arc::new(StringArray::from_iter_values(
                        rows.iter().map(|r| format!("L{:05}", r % 977)),
                    )),
                    Arc::new(Date32Array::from_iter(
                        rows.iter()
                            .map(|r| (r % 5 != 0).then_some(19_000 + (r % 400) as i32)),
                    )),
                    Arc::new(BooleanArray::from_iter(
                        rows.iter().map(|r| (r % 7 != 0).then_some(r % 2 == 0)),
                    )),
                    Arc::new(Float64Array::from_iter(
                        rows.iter().map(|r| (r % 3 != 0).then_some(*r as f64 / 8.0)),
                    )),
                    Arc::new(Int64Array::from_iter(
                        rows.iter().map(|r| (r % 11 != 0).then_some(r % 40)),
                    )),
                    Arc::new(StringArray::from_iter(rows.iter().map(|r| {
                        (r % 4 != 0).then(|| format!("note {r} {}", "x".repeat((r % 30) as usize)))
                    }))),
                ];
                RecordBatch::try_new(Arc::clone(schema), columns).unwrap()
            })
            .collect()
    }

    fn props(max_rows: usize) -> WriterProperties {
        WriterProperties::builder()
            .set_compression(Compression::UNCOMPRESSED)
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_max_row_group_row_count(Some(max_rows))
            .set_data_page_row_count_limit(512)
            .build()
    }

    fn by_arrow_writer(max_rows: usize) -> Vec<u8> {
        let schema = schema();
        let mut out = Vec::new();
        let mut writer =
            ArrowWriter::try_new(&mut out, Arc::clone(&schema), Some(props(max_rows))).unwrap();
        for batch in batches(&schema) {
            writer.write(&batch).unwrap();
        }
        writer.close().unwrap();
        out
    }

    fn by_lanes(max_rows: usize, lanes: usize) -> Vec<u8> {
        let schema = schema();
        let (send, received) = sync_channel(2);
        let mut out = Vec::new();
        std::thread::scope(|scope| {
            let batches = batches(&schema);
            scope.spawn(move || {
                for batch in batches {
                    send.send(batch).unwrap();
                }
            });
            encode(&mut out, schema, props(max_rows), lanes, received).unwrap();
        });
        out
    }

    #[test]
    fn the_file_is_the_one_arrow_writer_writes() {
        // Row groups larger than the input, and ones the batches overrun
        // (split inside a batch) or end exactly on (1 + 700 + 3000 + 2500).
        for max_rows in [1 << 20, 1000, 6201, 701] {
            let expected = by_arrow_writer(max_rows);
            for lanes in 1..=4 {
                assert!(
                    by_lanes(max_rows, lanes) == expected,
                    "{lanes} lanes, row groups of {max_rows}"
                );
            }
        }
    }

    #[test]
    fn no_rows_give_a_file_without_row_groups() {
        let schema = schema();
        let mut expected = Vec::new();
        ArrowWriter::try_new(&mut expected, Arc::clone(&schema), Some(props(10)))
            .unwrap()
            .close()
            .unwrap();
        let (send, received) = sync_channel(1);
        drop(send);
        let mut out = Vec::new();
        encode(&mut out, schema, props(10), 3, received).unwrap();
        assert!(out == expected);
    }

    #[test]
    fn text_columns_are_spread_over_the_lanes() {
        let lanes = assign_lanes(&schema(), 2);
        // The two text columns go to different lanes, and so does the rest.
        assert_ne!(lanes[0], lanes[5]);
        assert!(lanes.contains(&0) && lanes.contains(&1));
        assert_eq!(assign_lanes(&schema(), 1), vec![0; 6]);
    }
}
