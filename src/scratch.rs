//! Files of a run's scratch folder: the tables that are too large to keep in
//! memory (the accepted input rows, the model results), written batch by
//! batch and scanned by the query engine from disk.
//!
//! Tables the engine reads are Parquet: its footer gives the engine exact row
//! counts (it picks join sides by them: without them a cross join with the
//! one-row `settings` table collects the big side and emits a batch per row)
//! and lets a scan read only the columns a query uses. (Review rows awaiting
//! their verdict were once spilled as Arrow IPC; they are now staged as read.)
//!
//! The folder ([`ScratchDir`]) holds personal data (names and identity
//! numbers of the accepted case rows), so it is private: created 0700 under
//! the pipeline's `[register] scratch_dir` (default beside the register,
//! never the system temp dir), its files 0600, removed at the end of the run,
//! and, when a run was killed, swept by the next one.

use std::fs::File;
use std::io::BufWriter;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::basic::{Compression, Encoding};
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use datafusion::parquet::schema::types::ColumnPath;

mod lanes;

/// A Parquet scratch file being written, encoded on a thread of its own
/// (encoding costs about as much as producing the rows), fed a few batches
/// ahead, its columns spread over helper threads ([`lanes`]).
pub struct ScratchWriter {
    batches: SyncSender<RecordBatch>,
    encoder: JoinHandle<std::io::Result<()>>,
}

impl ScratchWriter {
    /// Creates the Parquet file `path` for batches of `schema`.
    pub fn create(path: &Path, schema: &SchemaRef) -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        let file = BufWriter::with_capacity(1 << 20, file);
        let props = parquet_properties(schema);
        let (batches, received) = sync_channel::<RecordBatch>(4);
        let schema = Arc::clone(schema);
        let lanes = lanes::lane_count(schema.fields().len());
        let encoder = std::thread::spawn(move || -> std::io::Result<()> {
            lanes::encode(file, schema, props, lanes, received).map_err(std::io::Error::other)
        });
        Ok(ScratchWriter { batches, encoder })
    }

    /// Appends a batch. An encoding error shows here once the encoder has
    /// stopped, or at [`ScratchWriter::finish`].
    pub fn write(&mut self, batch: &RecordBatch) -> std::io::Result<()> {
        self.batches
            .send(batch.clone())
            .map_err(|_| std::io::Error::other("the Parquet encoder stopped"))
    }

    /// Completes the file; reports the encoder's error, if any.
    pub fn finish(self) -> std::io::Result<()> {
        drop(self.batches);
        self.encoder
            .join()
            .map_err(|_| std::io::Error::other("the Parquet encoder panicked"))?
    }
}

/// How a Parquet scratch file is encoded. It is written once and read a
/// few times from the page cache, so it is built for cheap writing:
/// - no compression (it would cost more than it saves);
/// - no min/max statistics for text columns: the encoder compares every
///   value with the running minimum and maximum (1.5 % of a run's CPU at
///   1 M cases). What they could buy is a row group skipped by a join's
///   range filter on ids, and at 1 M cases none was (`--sql-metrics`: every
///   row group matched; the files are in input order). Row counts, which
///   the engine plans joins by, are in the footer whatever the statistics;
/// - a dictionary of at most 64 KiB per column chunk (the default is
///   1 MiB): ids of cases and reviews repeat a few times each, so their
///   dictionary fills and falls back to plain values, and every value
///   interned before that was work for nothing. Columns with few values
///   (items, reviewers, dates, codes) still fit;
/// - integers delta-packed, without a dictionary: the staged ones are
///   counters (`source_order`, `review_key`, the cases' `case_key`) rising
///   by 0 or 1 a row, or a key repeated along a review's rows (its
///   `case_key`): a few bits a value where plain takes 8 bytes (the staged
///   reviews: 443 against 313 MiB at 1 M cases).
fn parquet_properties(schema: &SchemaRef) -> WriterProperties {
    let mut props = WriterProperties::builder()
        .set_compression(Compression::UNCOMPRESSED)
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_dictionary_page_size_limit(64 * 1024);
    for field in schema.fields() {
        let column = || ColumnPath::from(field.name().as_str());
        match field.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                props = props.set_column_statistics_enabled(column(), EnabledStatistics::None);
            }
            DataType::Int64 | DataType::Int32 => {
                props = props
                    .set_column_dictionary_enabled(column(), false)
                    .set_column_encoding(column(), Encoding::DELTA_BINARY_PACKED);
            }
            _ => {}
        }
    }
    props.build()
}

/// A run's private scratch folder, `<root>/legalaid-<tag>` (see
/// [`crate::owner`]), removed when dropped.
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// Creates the folder (and `root`, when missing) 0700, after sweeping
    /// the folders that runs which died left in `root`.
    pub fn create(root: &Path) -> std::io::Result<ScratchDir> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(root)?;
        sweep(root);
        let path = root.join(format!("{PREFIX}{}", crate::owner::tag()));
        std::fs::DirBuilder::new().mode(0o700).create(&path)?;
        Ok(ScratchDir { path })
    }

    /// A private subfolder (0700), created when missing.
    pub fn subfolder(&self, name: &str) -> std::io::Result<PathBuf> {
        let dir = self.path.join(name);
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)?;
        Ok(dir)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The name of a scratch folder before its owner's tag.
const PREFIX: &str = "legalaid-";

/// Removes the scratch folders in `root` whose run no longer runs; returns
/// how many. Best effort: a folder that cannot be removed stays.
pub fn sweep(root: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(root) else {
        return 0;
    };
    let mut swept = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(tag) = name.strip_prefix(PREFIX)
            && !crate::owner::is_alive(tag)
            && std::fs::remove_dir_all(entry.path()).is_ok()
        {
            swept += 1;
        }
    }
    swept
}

/// The batches of a Parquet scratch file, one at a time, in the order
/// written.
pub fn read_batches(
    path: &Path,
) -> std::io::Result<Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>> {
    let file = File::open(path)?;
    Ok(Box::new(
        ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(std::io::Error::other)?
            .build()
            .map_err(std::io::Error::other)?,
    ))
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
    fn a_scratch_file_reads_back_as_written() {
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
        {
            let path = dir.path().join("t.parquet");
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
            assert_eq!(rows(&back), rows(&batches));
        }
    }

    #[test]
    fn parquet_scratch_drops_text_statistics_large_dictionaries_and_plain_counters() {
        use datafusion::arrow::array::StringArray;
        use datafusion::parquet::basic::Encoding;
        use datafusion::parquet::file::reader::{FileReader as _, SerializedFileReader};
        let schema = Arc::new(Schema::new(vec![
            Field::new("case_id", DataType::Utf8, false),
            Field::new("label", DataType::Utf8, false),
            Field::new("source_order", DataType::Int64, false),
        ]));
        let ids: Vec<String> = (0..5000).map(|i| format!("CD-2024-{i:06}")).collect();
        let batch = RecordBatch::try_new(
            Arc::clone(&schema),
            vec![
                Arc::new(StringArray::from(ids)),
                Arc::new(StringArray::from_iter_values(
                    (0..5000).map(|i| format!("item-{}", i % 7)),
                )),
                Arc::new(Int64Array::from_iter_values(0..5000)),
            ],
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut w = ScratchWriter::create(&path, &schema).unwrap();
        w.write(&batch).unwrap();
        w.finish().unwrap();
        let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
        let meta = reader.metadata();
        assert_eq!(meta.file_metadata().num_rows(), 5000);
        let group = meta.row_group(0);
        assert!(group.column(0).statistics().is_none());
        assert!(group.column(1).statistics().is_none());
        assert!(group.column(2).statistics().is_some());
        // 5,000 distinct ids (90 KB of dictionary) outgrow 64 KiB, so their
        // later pages are plain; the seven labels stay a dictionary; the
        // counter is delta-packed to well under a byte a row.
        let data_pages = |c: usize| *group.column(c).page_encoding_stats_mask().unwrap();
        assert!(data_pages(0).is_set(Encoding::PLAIN));
        assert!(data_pages(1).is_only(Encoding::RLE_DICTIONARY));
        assert!(data_pages(2).is_only(Encoding::DELTA_BINARY_PACKED));
        assert!(group.column(2).dictionary_page_offset().is_none());
        assert!(group.column(2).uncompressed_size() < 5000);
    }
}
