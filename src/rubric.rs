//! Rubric files (placeholder until the rubric module lands).

#[derive(Debug, thiserror::Error)]
#[error("rubric error")]
pub struct RubricError;
