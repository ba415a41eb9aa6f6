//! Writing a run's outputs: tables as Parquet with a CSV copy beside them,
//! all into a staging folder next to the output folder that replaces it only
//! when the whole run succeeded — a failed run leaves earlier outputs as they
//! were and never a half-written folder.
//!
//! Replacing a folder deletes what was in it, so only a folder that legalaid
//! wrote (it holds [`MARKER`]) or an empty one is ever replaced, and never a
//! folder that holds the run's inputs or register. File names made from
//! input ids go through [`id_file_name`], so no id can name a path.

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::{Component, Path, PathBuf};

use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The file that marks a folder as written by legalaid: a run or a sample
/// replaces its output folder whole, and refuses any folder without it.
pub const MARKER: &str = ".legalaid-output";

const MARKER_TEXT: &str = "This folder was written by legalaid. The next run with the same output \
folder replaces it whole: keep nothing else here.\n";

/// What an output folder written before [`MARKER`] existed holds at its top
/// level: a run's (with `manifest.json` naming legalaid) or a sample's.
const RUN_ENTRIES: &[&str] = &["manifest.json", "data", "internal", "public", "rejected"];
const SAMPLE_ENTRIES: &[&str] = &["sample.csv", "unstaffed.csv", "sheets"];

/// Refuses to let a run replace `target` unless the folder is missing,
/// empty, or an earlier legalaid output; and never when it holds one of
/// `protected` (the pipeline file, the inputs, the register).
pub fn check_replaceable(target: &Path, protected: &[&Path]) -> Result<()> {
    let refuse = |reason: String| {
        Err(Error::OutputFolder {
            path: target.to_path_buf(),
            reason,
        })
    };
    let target_abs = lexical_absolute(target);
    if target_abs.parent().is_none() {
        return refuse("it is the root of the file system".into());
    }
    for p in protected {
        if lexical_absolute(p).starts_with(&target_abs) {
            return refuse(format!(
                "it holds {}, which the run reads or keeps; an output folder must not contain \
                 the pipeline, its inputs or the register",
                p.display()
            ));
        }
    }
    let meta = match std::fs::symlink_metadata(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(target, e)),
        Ok(m) => m,
    };
    if !meta.is_dir() {
        return refuse("it is not a folder".into());
    }
    if target.join(MARKER).is_file() {
        return Ok(());
    }
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(target).map_err(|e| Error::io(target, e))? {
        let entry = entry.map_err(|e| Error::io(target, e))?;
        entries.push(entry.file_name().to_string_lossy().into_owned());
    }
    if entries.is_empty() || is_earlier_output(target, &entries) {
        return Ok(());
    }
    entries.sort();
    let shown: Vec<_> = entries.iter().take(5).map(String::as_str).collect();
    refuse(format!(
        "it is not a legalaid output folder (no {MARKER}; it holds {}{}), and replacing it \
         would delete those files. Choose another --out, or empty the folder first",
        shown.join(", "),
        if entries.len() > shown.len() {
            ", …"
        } else {
            ""
        }
    ))
}

/// An output folder of a version that wrote no [`MARKER`]: nothing at its
/// top level but what a run or a sample writes.
fn is_earlier_output(dir: &Path, entries: &[String]) -> bool {
    let only = |known: &[&str]| entries.iter().all(|e| known.contains(&e.as_str()));
    if only(SAMPLE_ENTRIES) {
        return entries.iter().any(|e| e == "sample.csv");
    }
    only(RUN_ENTRIES)
        && std::fs::read_to_string(dir.join("manifest.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .is_some_and(|m| m["software"] == env!("CARGO_PKG_NAME"))
}

/// An absolute path with `.` and `..` resolved by name (the folder may not
/// exist yet, so it cannot be canonicalised).
fn lexical_absolute(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The file name for a record named by an input id (a lawyer's page, a
/// notice): the id itself when it is a plain file name, else its safe
/// characters and a hash of the whole id, so input text never makes a path
/// and two ids never share a file.
pub fn id_file_name(id: &str, extension: &str) -> String {
    let plain = !id.is_empty()
        && !id.starts_with('.')
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if plain {
        format!("{id}.{extension}")
    } else {
        let safe: String = id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            .take(32)
            .collect();
        let hash = hex::encode(&Sha256::digest(id.as_bytes())[..6]);
        format!("{safe}_{hash}.{extension}")
    }
}

/// A folder being filled beside its final place.
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    committed: bool,
}

impl Staging {
    /// Starts a fresh staging folder for `target`, after checking that
    /// `target` may be replaced (see [`check_replaceable`]).
    pub fn new(target: &Path, protected: &[&Path]) -> Result<Staging> {
        check_replaceable(target, protected)?;
        let parent = target.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "out".into());
        let dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Staging {
            target: target.to_path_buf(),
            dir,
            committed: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Moves the staging folder into place, replacing any earlier output.
    pub fn commit(mut self) -> Result<()> {
        let marker = self.dir.join(MARKER);
        std::fs::write(&marker, MARKER_TEXT).map_err(|e| Error::io(&marker, e))?;
        let old = self.dir.with_extension("old");
        if self.target.exists() {
            std::fs::rename(&self.target, &old).map_err(|e| Error::io(&self.target, e))?;
        }
        std::fs::rename(&self.dir, &self.target).map_err(|e| Error::io(&self.target, e))?;
        self.committed = true;
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Writes `<dir>/<name>.parquet` and `<dir>/<name>.csv`.
pub fn write_table(
    dir: &Path,
    name: &str,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let parquet_path = dir.join(format!("{name}.parquet"));
    let file = File::create(&parquet_path).map_err(|e| Error::io(&parquet_path, e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let pq_err =
        |e: parquet::errors::ParquetError| Error::io(&parquet_path, std::io::Error::other(e));
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(pq_err)?;
    for b in batches {
        writer.write(b).map_err(pq_err)?;
    }
    writer.close().map_err(pq_err)?;

    let csv_path = dir.join(format!("{name}.csv"));
    let file = File::create(&csv_path).map_err(|e| Error::io(&csv_path, e))?;
    let csv_err =
        |e: datafusion::arrow::error::ArrowError| Error::io(&csv_path, std::io::Error::other(e));
    let mut writer = WriterBuilder::new()
        .with_header(true)
        .build(BufWriter::new(file));
    if batches.is_empty() {
        writer
            .write(&RecordBatch::new_empty(schema.clone()))
            .map_err(csv_err)?;
    }
    for b in batches {
        writer.write(&formula_safe(b)).map_err(csv_err)?;
    }
    Ok(())
}

/// The batch with every text cell a spreadsheet would read as a formula
/// neutralised by a leading apostrophe (publication.md rule 4, through
/// [`crate::xlsx::neutralise_csv`], the one function every CSV writer but
/// `rejected/` uses). Parquet keeps the text as it is.
fn formula_safe(batch: &RecordBatch) -> RecordBatch {
    use datafusion::arrow::array::{Array, AsArray, StringArray};
    use datafusion::arrow::datatypes::DataType;
    let mut columns = batch.columns().to_vec();
    let mut changed = false;
    for column in &mut columns {
        let texts: Vec<Option<&str>> = match column.data_type() {
            DataType::Utf8 => column.as_string::<i32>().iter().collect(),
            DataType::Utf8View => column.as_string_view().iter().collect(),
            _ => continue,
        };
        if !texts.iter().flatten().any(|t| crate::xlsx::formula_like(t)) {
            continue;
        }
        let safe: StringArray = texts
            .into_iter()
            .map(|t| t.map(crate::xlsx::neutralise_csv))
            .collect();
        *column = match column.data_type() {
            DataType::Utf8View => datafusion::arrow::compute::cast(&safe, &DataType::Utf8View)
                .expect("text casts to a string view"),
            _ => std::sync::Arc::new(safe),
        };
        changed = true;
    }
    if !changed {
        return batch.clone();
    }
    RecordBatch::try_new(batch.schema(), columns).expect("same schema, same lengths")
}

/// SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Every file below `dir`, as sorted `/`-separated relative paths.
pub fn list_files(dir: &Path) -> Result<Vec<String>> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
        for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let path = entry.map_err(|e| Error::io(dir, e))?.path();
            if path.is_dir() {
                walk(base, &path, out)?;
            } else {
                let rel = path.strip_prefix(base).expect("below base");
                out.push(
                    rel.components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/"),
                );
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_copies_neutralise_formula_text_and_parquet_keeps_it() {
        use datafusion::arrow::array::{Float64Array, StringArray};
        use datafusion::arrow::datatypes::{DataType, Field, Schema};
        let schema = std::sync::Arc::new(Schema::new(vec![
            Field::new("reason", DataType::Utf8, true),
            Field::new("score", DataType::Float64, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                std::sync::Arc::new(StringArray::from(vec![
                    Some("=HYPERLINK(\"http://x\")"),
                    Some("-3.5"),
                    Some("plain"),
                    None,
                ])),
                std::sync::Arc::new(Float64Array::from(vec![-3.5, 1.0, 2.0, 3.0])),
            ],
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        write_table(dir.path(), "t", &schema, &[batch]).unwrap();
        let csv = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
        assert!(
            csv.contains("\n-3.5,1.0") || csv.contains("\n-3.5,1"),
            "{csv}"
        );
        assert!(csv.contains("-3.5"), "numbers stay numbers: {csv}");
        let file = File::open(dir.path().join("t.parquet")).unwrap();
        let mut reader =
            parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                .unwrap()
                .build()
                .unwrap();
        let read = reader.next().unwrap().unwrap();
        use datafusion::arrow::array::AsArray;
        assert_eq!(
            read.column(0).as_string::<i32>().value(0),
            "=HYPERLINK(\"http://x\")"
        );
    }

    #[test]
    fn staging_replaces_only_on_commit() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("old.txt"), "old").unwrap();
        std::fs::write(target.join(MARKER), "").unwrap();
        {
            let s = Staging::new(&target, &[]).unwrap();
            std::fs::write(s.path().join("new.txt"), "new").unwrap();
            // dropped without commit: the earlier output stays
        }
        assert!(target.join("old.txt").exists());
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
        // A folder legalaid did not write is never replaced...
        std::fs::remove_file(target.join(MARKER)).unwrap();
        let err = Staging::new(&target, &[]).err().expect("refused");
        assert!(err.to_string().contains("old.txt"), "{err}");
        // ...an empty one is, and the result is marked as ours.
        std::fs::remove_file(target.join("old.txt")).unwrap();
        let s = Staging::new(&target, &[]).unwrap();
        std::fs::write(s.path().join("new.txt"), "new").unwrap();
        s.commit().unwrap();
        assert_eq!(list_files(&target).unwrap(), vec![MARKER, "new.txt"]);
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
        // A marked folder is replaced whole.
        let s = Staging::new(&target, &[]).unwrap();
        std::fs::write(s.path().join("newer.txt"), "newer").unwrap();
        s.commit().unwrap();
        assert_eq!(list_files(&target).unwrap(), vec![MARKER, "newer.txt"]);
    }

    #[test]
    fn only_outputs_may_be_replaced() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("x");
        assert!(check_replaceable(&dir, &[]).is_ok(), "missing");
        std::fs::create_dir(&dir).unwrap();
        assert!(check_replaceable(&dir, &[]).is_ok(), "empty");
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        assert!(check_replaceable(&dir, &[]).is_err(), "someone's files");
        std::fs::remove_file(dir.join("notes.txt")).unwrap();
        // An output of a version without the marker.
        std::fs::create_dir(dir.join("public")).unwrap();
        std::fs::write(dir.join("manifest.json"), r#"{"software":"legalaid"}"#).unwrap();
        assert!(check_replaceable(&dir, &[]).is_ok(), "earlier run output");
        std::fs::write(dir.join("manifest.json"), r#"{"software":"other"}"#).unwrap();
        assert!(
            check_replaceable(&dir, &[]).is_err(),
            "another tool's manifest"
        );
        // A file, the root, and any folder holding the register or inputs.
        std::fs::write(root.path().join("f"), "").unwrap();
        assert!(check_replaceable(&root.path().join("f"), &[]).is_err());
        assert!(check_replaceable(Path::new("/"), &[]).is_err());
        let register = root.path().join("y/state/r.sqlite");
        let err = check_replaceable(&root.path().join("y"), &[&register]).unwrap_err();
        assert!(err.to_string().contains("r.sqlite"), "{err}");
        let dotted = root.path().join("y/state/../state/./r.sqlite");
        assert!(check_replaceable(&root.path().join("y/state"), &[&dotted]).is_err());
        assert!(check_replaceable(&root.path().join("y/other"), &[&register]).is_ok());
    }

    #[test]
    fn id_file_names_never_leave_the_folder() {
        assert_eq!(
            id_file_name("15101200910756923", "html"),
            "15101200910756923.html"
        );
        assert_eq!(id_file_name("L-001_a.b", "html"), "L-001_a.b.html");
        for hostile in [
            "../etc/passwd",
            "../../public/index",
            "..",
            "a/b",
            "a\\b",
            "<script>",
            "",
            ".hidden",
            "张三",
        ] {
            let f = id_file_name(hostile, "html");
            assert!(
                !f.contains('/') && !f.contains('\\') && !f.starts_with('.'),
                "{hostile}: {f}"
            );
            assert!(f.ends_with(".html"));
        }
        assert_ne!(id_file_name("a/b", "html"), id_file_name("a\\b", "html"));
    }
}
