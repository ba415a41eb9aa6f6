//! The quarantine files `rejected/<table>.csv`: every rejected row exactly as
//! read (in the contract's column order), plus `source_file`, `source_row`
//! and `reason`. They are for staff only and are never neutralised or masked.

use std::path::Path;

use super::TableReport;
use crate::error::{Error, Result};

/// Writes one quarantine file per table (header only when nothing was
/// rejected, so the folder always has the same files).
pub fn write_all(dir: &Path, reports: &[TableReport]) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    for report in reports {
        write_one(&dir.join(format!("{}.csv", report.table.name())), report)?;
    }
    Ok(())
}

fn write_one(path: &Path, report: &TableReport) -> Result<()> {
    let csv_err = |e: csv::Error| Error::io(path, std::io::Error::other(e));
    let mut w = csv::Writer::from_path(path).map_err(csv_err)?;
    let mut header: Vec<&str> = report.table.spec().columns.iter().map(|c| c.name).collect();
    header.extend(["source_file", "source_row", "reason"]);
    w.write_record(&header).map_err(csv_err)?;
    for r in &report.rejected {
        let row = r.source_row.to_string();
        let record = r.cells.iter().map(String::as_str).chain([
            r.source_file.as_str(),
            row.as_str(),
            r.reason.as_str(),
        ]);
        w.write_record(record).map_err(csv_err)?;
    }
    w.flush().map_err(|e| Error::io(path, e))
}
