//! Typed errors of the library. Each variant carries the location a person
//! needs to fix the problem: the file, and where it applies the row and column.

use std::path::PathBuf;

/// Any error the library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A rubric file is unreadable or invalid.
    #[error(transparent)]
    Rubric(#[from] crate::rubric::RubricError),

    /// A SQL model under `sql/` failed (the error names the file).
    #[error(transparent)]
    Models(#[from] crate::models::ModelError),

    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
