//! Typed errors of the library. Each variant carries the location a person
//! needs to fix the problem: the file, and where it applies the row and column.

use std::path::PathBuf;

/// Any error the library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The pipeline file is unreadable or invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),

    /// A rubric file is unreadable or invalid.
    #[error(transparent)]
    Rubric(#[from] crate::rubric::RubricError),

    /// A file-level input problem; nothing was written.
    #[error(transparent)]
    Ingest(#[from] crate::ingest::IngestError),

    /// Too many rows of a table were rejected.
    #[error(
        "table {table}: {rejected} of {read} rows rejected ({percent:.1} %), more than \
         max_reject_ratio {limit} allows; see {where_to_look}"
    )]
    TooManyRejects {
        table: &'static str,
        rejected: u64,
        read: u64,
        percent: f64,
        limit: f64,
        where_to_look: String,
    },

    /// Writing a synthetic data set failed.
    #[error(transparent)]
    Generate(#[from] crate::generate::GenerateError),

    /// A SQL model failed; names the file and statement.
    #[error(transparent)]
    Models(#[from] crate::models::ModelError),

    /// The reviewer-severity fit failed (did not converge).
    #[error(transparent)]
    Severity(#[from] crate::severity::SeverityError),

    /// A SQL result does not match the Rust row that reads it.
    #[error(transparent)]
    Boundary(#[from] crate::marts::BoundaryError),

    /// The list register refused or failed.
    #[error(transparent)]
    Register(#[from] crate::register::RegisterError),

    /// The review sample cannot be drawn or written as asked.
    #[error("sample: {0}")]
    Sample(String),
    /// Writing the reports, lists or charts failed.
    #[error(transparent)]
    Publish(#[from] crate::publish::PublishError),

    /// The query engine could not be set up or a table not registered.
    #[error("query engine: {0}")]
    Engine(String),

    /// Running the scoring models on Ballista failed outside a model's SQL
    /// (starting the in-process cluster, copying a table to Parquet).
    #[error("Ballista: {step} {table}: {source}")]
    ScaleOut {
        step: String,
        table: String,
        #[source]
        source: datafusion::error::DataFusionError,
    },

    /// The Ballista scheduler of `[engine] scheduler` did not accept a
    /// connection; the run stopped before reading any data.
    #[error(
        "the Ballista scheduler {url} ([engine] scheduler) could not be reached: {source}; \
         nothing was run or written (start the scheduler, or check the host and port)"
    )]
    SchedulerUnreachable {
        url: String,
        #[source]
        source: std::io::Error,
    },

    /// The output folder may not be replaced (it is not a legalaid output,
    /// or it holds the inputs or the register); nothing was written.
    #[error("{path}: refusing to use this as the output folder: {reason}")]
    OutputFolder { path: PathBuf, reason: String },

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
