//! Files of a run's scratch folder: the tables that are too large to keep in
//! memory (the accepted input rows, the model results), written batch by
//! batch and scanned by the query engine from disk.
//!
//! Tables the engine reads are Parquet: its footer gives the engine exact row
//! counts (it picks join sides by them: without them a cross join with the
//! one-row `settings` table collects the big side and emits a batch per row)
//! and lets a scan read only the columns a query uses. Rows that only this
//! program reads back, in order, once (review rows awaiting their verdict) are
//! Arrow IPC, which costs nothing to encode.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::ipc::reader::FileReader;
use datafusion::arrow::ipc::writer::FileWriter;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};

/// The form of a scratch file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `.parquet`: a table the engine scans.
    Parquet,
    /// `.arrow`: rows read back in order by this program only.
    Ipc,
}

impl Form {
    pub fn extension(self) -> &'static str {
        match self {
            Form::Parquet => "parquet",
            Form::Ipc => "arrow",
        }
    }

    fn of(path: &Path) -> Form {
        match path.extension().and_then(|e| e.to_str()) {
            Some("arrow") => Form::Ipc,
            _ => Form::Parquet,
        }
    }
}

/// A scratch file being written. Parquet is encoded on a thread of its own
/// (encoding costs about as much as producing the rows), fed a few batches
/// ahead.
pub enum ScratchWriter {
    Parquet {
        batches: SyncSender<RecordBatch>,
        encoder: JoinHandle<std::io::Result<()>>,
    },
    Ipc(Box<FileWriter<BufWriter<File>>>),
}

impl ScratchWriter {
    /// Creates `path` (its extension names the form) for batches of `schema`.
    pub fn create(path: &Path, schema: &SchemaRef) -> std::io::Result<Self> {
        let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        Ok(match Form::of(path) {
            Form::Ipc => ScratchWriter::Ipc(Box::new(
                FileWriter::try_new(file, schema).map_err(std::io::Error::other)?,
            )),
            Form::Parquet => {
                // Written once and read a few times from the page cache:
                // compression would cost more than it saves.
                let props = WriterProperties::builder()
                    .set_compression(Compression::UNCOMPRESSED)
                    .set_statistics_enabled(EnabledStatistics::Chunk)
                    .build();
                let mut writer = ArrowWriter::try_new(file, Arc::clone(schema), Some(props))
                    .map_err(std::io::Error::other)?;
                let (batches, received) = sync_channel::<RecordBatch>(4);
                let encoder = std::thread::spawn(move || -> std::io::Result<()> {
                    for batch in received {
                        writer.write(&batch).map_err(std::io::Error::other)?;
                    }
                    writer.close().map(|_| ()).map_err(std::io::Error::other)
                });
                ScratchWriter::Parquet { batches, encoder }
            }
        })
    }

    /// Appends a batch. A Parquet encoding error shows here once the
    /// encoder has stopped, or at [`ScratchWriter::finish`].
    pub fn write(&mut self, batch: &RecordBatch) -> std::io::Result<()> {
        match self {
            ScratchWriter::Parquet { batches, .. } => batches
                .send(batch.clone())
                .map_err(|_| std::io::Error::other("the Parquet encoder stopped")),
            ScratchWriter::Ipc(w) => w.write(batch).map_err(std::io::Error::other),
        }
    }

    /// Completes the file; reports the encoder's error, if any.
    pub fn finish(self) -> std::io::Result<()> {
        match self {
            ScratchWriter::Parquet { batches, encoder } => {
                drop(batches);
                encoder
                    .join()
                    .map_err(|_| std::io::Error::other("the Parquet encoder panicked"))?
            }
            ScratchWriter::Ipc(mut w) => w.finish().map_err(std::io::Error::other),
        }
    }
}

/// The batches of a scratch file, one at a time, in the order written.
pub fn read_batches(
    path: &Path,
) -> std::io::Result<Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>> {
    let file = File::open(path)?;
    Ok(match Form::of(path) {
        Form::Ipc => {
            Box::new(FileReader::try_new_buffered(file, None).map_err(std::io::Error::other)?)
        }
        Form::Parquet => Box::new(
            ParquetRecordBatchReaderBuilder::try_new(file)
                .map_err(std::io::Error::other)?
                .build()
                .map_err(std::io::Error::other)?,
        ),
    })
}

/// A table over one Parquet scratch file, with its known schema.
pub fn file_table(
    path: &Path,
    schema: SchemaRef,
) -> datafusion::error::Result<Arc<dyn TableProvider>> {
    let url = ListingTableUrl::parse(path.to_string_lossy())?;
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(schema);
    Ok(Arc::new(ListingTable::try_new(config)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Int64Array;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    #[test]
    fn both_forms_read_back_as_written() {
        let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int64, true)]));
        let batches: Vec<RecordBatch> = (0..3)
            .map(|i| {
                RecordBatch::try_new(
                    Arc::clone(&schema),
                    vec![Arc::new(Int64Array::from(vec![i, i + 1]))],
                )
                .unwrap()
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        for form in [Form::Parquet, Form::Ipc] {
            let path = dir.path().join(format!("t.{}", form.extension()));
            let mut w = ScratchWriter::create(&path, &schema).unwrap();
            for b in &batches {
                w.write(b).unwrap();
            }
            w.finish().unwrap();
            let back: Vec<RecordBatch> = read_batches(&path)
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let rows = |bs: &[RecordBatch]| -> Vec<i64> {
                bs.iter()
                    .flat_map(|b| {
                        let a = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
                        a.values().to_vec()
                    })
                    .collect()
            };
            assert_eq!(rows(&back), rows(&batches), "{form:?}");
        }
    }
}
