//! Integration tests: one binary, so DataFusion is linked once. Each module
//! runs the real `legalaid` binary in a temporary folder.

#[cfg(feature = "ballista")]
mod ballista;
mod chinese;
mod compliance;
mod credit;
mod due_process;
mod explain;
mod fixture;
mod formats;
mod hostile;
mod ingest_errors;
mod ingest_props;
mod inspection;
mod lists;
mod notices;
mod output_safety;
mod publish;
mod register;
mod reliability;
mod rules;
mod run;
mod sample;
mod severity;
mod workbooks;
