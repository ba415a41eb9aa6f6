//! Tests of the SQL models, on small hand-made staging tables.

mod fixture;

mod case_scores;
mod panel_agreement;
mod props;
mod reports;
mod reviewer_stats;
mod runner;
mod severity;
mod staging;
