//! Writing a run's outputs: tables as Parquet with a CSV copy beside them,
//! all into a staging folder next to the output folder that replaces it only
//! when the whole run succeeded — a failed run leaves earlier outputs as they
//! were and never a half-written folder.
//!
//! The swap is atomic (`renameat2(RENAME_EXCHANGE)` on Linux) and, for a
//! run, one recoverable step with the register's commit: a journal beside
//! the register says what to finish when the process dies in between
//! ([`Staging::commit_with`], [`recover`]; the states a crash can leave are
//! in ARCHITECTURE.md, "Crashes"). Staging folders have unique names, are
//! private (0700) while written, and are swept when their owner died.
//!
//! Replacing a folder deletes what was in it, so only a folder that legalaid
//! wrote (it holds [`MARKER`]) or an empty one is ever replaced, and never a
//! folder that holds the run's inputs or register. File names made from
//! input ids go through [`id_file_name`], so no id can name a path.

use std::fs::File;
use std::io::{BufWriter, Read};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::register::Fingerprint;

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
                 the pipeline, its inputs, the register or the --sql-metrics folder",
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

/// A folder being filled beside its final place: `.<name>.staging-<tag>`
/// (see [`crate::owner`]), created 0700 so that nobody else reads the rows
/// it holds while it is written, and given a fresh folder's mode only when
/// it is swapped in. Dropped without being swapped in, it is removed; left
/// by a process that died, the next [`Staging::new`] for the same target
/// sweeps it.
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    retired: PathBuf,
    /// Left in place when dropped: a publication journal names it.
    keep: bool,
    /// The notice set to keep for good when the register commits.
    notices: Option<KeptNotices>,
}

/// A run's notice set, kept for good once the register has committed the
/// run (see [`crate::notices::keep`]): the folder `from` inside the staging
/// folder, copied to `<root>/<name>`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct KeptNotices {
    /// Relative to the staging (later the output) folder.
    pub from: PathBuf,
    pub root: PathBuf,
    pub name: String,
}

impl KeptNotices {
    fn keep(&self, staging: &Path) -> Result<Option<PathBuf>> {
        crate::notices::keep(&staging.join(&self.from), &self.root, &self.name)
    }
}

impl Staging {
    /// Starts a fresh staging folder for `target`, after checking that
    /// `target` may be replaced (see [`check_replaceable`]) and sweeping the
    /// staging and retired folders that runs which died left beside it.
    pub fn new(target: &Path, protected: &[&Path]) -> Result<Staging> {
        check_replaceable(target, protected)?;
        let parent = parent_of(target);
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        sweep_beside(target)?;
        let tag = crate::owner::tag();
        let dir = sibling(target, "staging", &tag);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| Error::io(&dir, e))?;
        Ok(Staging {
            target: target.to_path_buf(),
            retired: sibling(target, "retired", &tag),
            dir,
            keep: false,
            notices: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Keeps the notices staged in `notices.from` for good as part of a
    /// journalled [`Staging::commit_with`]: after the register's commit and
    /// before the swap, and again by [`recover`] when a crash came between.
    pub fn keep_notices(&mut self, notices: KeptNotices) {
        self.notices = Some(notices);
    }

    /// Moves the staging folder into place, replacing any earlier output.
    pub fn commit(self) -> Result<()> {
        self.commit_with(None, || Ok(())).map(|_| ())
    }

    /// Publication as one recoverable step with the register's commit
    /// (`commit_register`). With a journal `(path, after)`: the folder is
    /// marked, the journal written (naming this folder and `after`, the
    /// register's fingerprint once committed), the register committed, the
    /// folder swapped in, the old one removed, the journal removed. A crash
    /// anywhere leaves a state that [`recover`] finishes: forward when the
    /// register reached `after`, back otherwise. A failed register commit
    /// removes the journal and the folder; a failed swap keeps both for the
    /// next start. With a journal and [`Staging::keep_notices`], the notice
    /// set is kept for good between the commit and the swap; the folder
    /// where it is kept is returned.
    pub fn commit_with(
        mut self,
        journal: Option<(&Path, Fingerprint)>,
        commit_register: impl FnOnce() -> Result<()>,
    ) -> Result<Option<PathBuf>> {
        let marker = self.dir.join(MARKER);
        std::fs::write(&marker, MARKER_TEXT).map_err(|e| Error::io(&marker, e))?;
        if let Some((path, after)) = journal {
            let record = Journal {
                target: std::path::absolute(&self.target)
                    .map_err(|e| Error::io(&self.target, e))?,
                staging: std::path::absolute(&self.dir).map_err(|e| Error::io(&self.dir, e))?,
                retired: std::path::absolute(&self.retired)
                    .map_err(|e| Error::io(&self.retired, e))?,
                staging_id: file_id(&self.dir)
                    .ok_or_else(|| Error::io(&self.dir, std::io::ErrorKind::NotFound.into()))?,
                after,
                notices: self.notices.clone(),
            };
            record.write(path)?;
            crate::owner::crash_point("before_commit");
            if let Err(e) = commit_register() {
                let _ = std::fs::remove_file(path);
                return Err(e);
            }
            // The register holds the run: from here the folder outlives
            // this value until it is in place.
            self.keep = true;
            crate::owner::crash_point("after_commit");
            let kept = match &self.notices {
                Some(n) => n.keep(&self.dir)?,
                None => None,
            };
            swap_in(&self.dir, &self.target, &self.retired)?;
            std::fs::remove_file(path).map_err(|e| Error::io(path, e))?;
            Ok(kept)
        } else {
            commit_register()?;
            self.keep = true;
            swap_in(&self.dir, &self.target, &self.retired)?;
            Ok(None)
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The folder that holds `target`.
fn parent_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The name of a folder beside `target`: `.<name>.<kind>-<tag>`.
fn sibling(target: &Path, kind: &str, tag: &str) -> PathBuf {
    let name = target_name(target);
    parent_of(target).join(format!(".{name}.{kind}-{tag}"))
}

fn target_name(target: &Path) -> String {
    target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into())
}

/// A folder's (device, inode): which folder a name holds now.
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

/// The mode `mkdir` gives a new folder under this process's umask, which an
/// output folder had before staging folders were private.
fn fresh_dir_mode() -> u32 {
    let umask = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022);
    0o777 & !umask
}

/// Swaps the complete folder `staging` in at `target` and removes what was
/// there. Atomic where the kernel can exchange two names
/// (`renameat2(RENAME_EXCHANGE)`, Linux): `target` is at every moment the
/// old folder or the new one. Elsewhere it is two renames, with `target`
/// missing between them; [`recover`] puts the right folder back.
fn swap_in(staging: &Path, target: &Path, retired: &Path) -> Result<()> {
    std::fs::set_permissions(staging, std::fs::Permissions::from_mode(fresh_dir_mode()))
        .map_err(|e| Error::io(staging, e))?;
    match std::fs::symlink_metadata(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::rename(staging, target).map_err(|e| Error::io(target, e))?;
        }
        Err(e) => return Err(Error::io(target, e)),
        Ok(_) => match exchange(staging, target) {
            Ok(()) => {
                // `staging` now holds the old folder.
                crate::owner::crash_point("during_swap");
                std::fs::rename(staging, retired).map_err(|e| Error::io(staging, e))?;
            }
            Err(e) if exchange_unsupported(&e) => {
                std::fs::rename(target, retired).map_err(|e| Error::io(target, e))?;
                crate::owner::crash_point("during_swap");
                if let Err(e) = std::fs::rename(staging, target) {
                    let _ = std::fs::rename(retired, target);
                    return Err(Error::io(target, e));
                }
            }
            Err(e) => return Err(Error::io(target, e)),
        },
    }
    crate::owner::crash_point("before_cleanup");
    if std::fs::symlink_metadata(retired).is_ok() {
        std::fs::remove_dir_all(retired).map_err(|e| Error::io(retired, e))?;
    }
    Ok(())
}

/// Exchanges the folders at two names in one step.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: two NUL-terminated paths that outlive the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from_raw_os_error(libc::ENOSYS))
}

/// The file system or kernel cannot exchange names: fall back to renames.
fn exchange_unsupported(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
    )
}

/// Removes what runs that died left beside `target`: staging and retired
/// folders whose owner no longer runs, and the leftovers of versions before
/// unique names (`.<name>.partial-<pid>` of a dead pid; `.<name>.old`, put
/// back when `target` is missing, else removed when it is a legalaid output).
/// A folder named by a publication journal is recovered before this runs.
fn sweep_beside(target: &Path) -> Result<()> {
    let parent = parent_of(target);
    let name = target_name(target);
    let staging = format!(".{name}.staging-");
    let retired = format!(".{name}.retired-");
    let partial = format!(".{name}.partial-");
    let entries = match std::fs::read_dir(&parent) {
        Ok(e) => e,
        Err(e) => return Err(Error::io(&parent, e)),
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let dead = if let Some(tag) = file_name
            .strip_prefix(&staging)
            .or_else(|| file_name.strip_prefix(&retired))
        {
            !crate::owner::is_alive(tag)
        } else if let Some(pid) = file_name.strip_prefix(&partial) {
            pid.parse::<u32>()
                .is_ok_and(|pid| !Path::new(&format!("/proc/{pid}")).exists())
                && Path::new("/proc/self").exists()
        } else {
            false
        };
        // Best effort: a leftover that cannot be removed does not stop a run.
        if dead {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    let old = parent.join(format!(".{name}.old"));
    if std::fs::symlink_metadata(&old).is_ok_and(|m| m.is_dir()) {
        if std::fs::symlink_metadata(target).is_err() {
            std::fs::rename(&old, target).map_err(|e| Error::io(&old, e))?;
        } else if old.join(MARKER).is_file() || check_replaceable(&old, &[]).is_ok() {
            let _ = std::fs::remove_dir_all(&old);
        }
    }
    Ok(())
}

/// What a run about to commit the register and swap its outputs in wrote
/// down first, beside the register, for [`recover`].
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Journal {
    target: PathBuf,
    staging: PathBuf,
    retired: PathBuf,
    /// (device, inode) of the staging folder: `target` holds the new
    /// outputs exactly when it has this id.
    staging_id: (u64, u64),
    /// The register's fingerprint once the run's transaction committed.
    after: Fingerprint,
    /// The notice set to keep for good before the swap (journals of
    /// earlier versions have none).
    #[serde(default)]
    notices: Option<KeptNotices>,
}

impl Journal {
    /// Written whole or not at all: a temporary file renamed into place.
    fn write(&self, path: &Path) -> Result<()> {
        let tmp = sibling(path, "tmp", &std::process::id().to_string());
        let text = serde_json::to_string_pretty(self).expect("a journal serialises");
        std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    }
}

/// What [`recover`] did with an interrupted publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovered {
    /// The register had committed the run: its outputs are now in place.
    Published(PathBuf),
    /// The register had not committed the run: its staged outputs were
    /// removed and the earlier outputs kept.
    Discarded(PathBuf),
}

impl std::fmt::Display for Recovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Recovered::Published(p) => write!(
                f,
                "an interrupted run had committed the register; its outputs are now in {}",
                p.display()
            ),
            Recovered::Discarded(p) => write!(
                f,
                "an interrupted run had not committed the register; its unfinished outputs \
                 were removed and {} kept as it was",
                p.display()
            ),
        }
    }
}

/// Finishes the publication an interrupted run recorded in `journal`, if
/// any: forward (swap the staged outputs in) when the register reached the
/// journal's fingerprint, else back (remove them, put the old folder back if
/// the two-rename swap was cut in half). `register` reads the register's
/// fingerprint now. Run with the register's lock held, before anything else.
pub fn recover(
    journal: &Path,
    register: impl FnOnce() -> Result<Fingerprint>,
) -> Result<Option<Recovered>> {
    let text = match std::fs::read_to_string(journal) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(journal, e)),
        Ok(t) => t,
    };
    let j: Journal =
        serde_json::from_str(&text).map_err(|e| Error::io(journal, std::io::Error::other(e)))?;
    let is_new = |p: &Path| file_id(p) == Some(j.staging_id);
    let remove = |p: &Path| -> Result<()> {
        if std::fs::symlink_metadata(p).is_ok() {
            std::fs::remove_dir_all(p).map_err(|e| Error::io(p, e))?;
        }
        Ok(())
    };
    let done = if is_new(&j.target) {
        // Swapped: what is left under the other names is the old folder.
        remove(&j.staging)?;
        remove(&j.retired)?;
        Recovered::Published(j.target.clone())
    } else if register()?.reached(&j.after) && is_new(&j.staging) {
        if std::fs::symlink_metadata(&j.target).is_ok() {
            check_replaceable(&j.target, &[])?;
        }
        if let Some(n) = &j.notices {
            n.keep(&j.staging)?;
        }
        swap_in(&j.staging, &j.target, &j.retired)?;
        Recovered::Published(j.target.clone())
    } else {
        if std::fs::symlink_metadata(&j.target).is_err()
            && std::fs::symlink_metadata(&j.retired).is_ok()
        {
            std::fs::rename(&j.retired, &j.target).map_err(|e| Error::io(&j.target, e))?;
        }
        if is_new(&j.staging) {
            remove(&j.staging)?;
        }
        Recovered::Discarded(j.target.clone())
    };
    std::fs::remove_file(journal).map_err(|e| Error::io(journal, e))?;
    Ok(Some(done))
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
