//! Criterion benchmarks of the hot paths found by profiling a 1 M-case run
//! (see README, Performance): parsing a batch of review rows, the whole ingest
//! (row rules plus the whole-review aggregation) and the scoring SQL, on a
//! small generated data set. `cargo bench --bench hot`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};

use legalaid::generate::{GenerateOptions, generate};
use legalaid::ingest::schema::Table;
use legalaid::plan::{Plan, PlanOptions};

const CASES: u64 = 2_000;

/// A generated data set of [`CASES`] cases (kept for the process's life).
fn data_set() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    generate(&GenerateOptions::new(dir.path(), CASES, 7), &mut |_| {}).expect("generate");
    let pipeline = dir.path().join("pipeline.toml");
    (dir, pipeline)
}

fn review_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(path).expect("reviews.csv");
    reader
        .records()
        .take(8192)
        .map(|r| r.expect("record").iter().map(str::to_string).collect())
        .collect()
}

fn benches(c: &mut Criterion) {
    let (dir, pipeline) = data_set();
    let plan = Plan::resolve(&pipeline, &PlanOptions::default()).expect("plan");

    let rows = review_rows(&dir.path().join("reviews.csv"));
    c.bench_function("parse 8192 review rows", |b| {
        b.iter(|| legalaid::ingest::bench::parse_rows(Table::Reviews, black_box(&rows)))
    });

    let mut group = c.benchmark_group("2000 cases");
    group.sample_size(10);
    group.bench_function("ingest and validate (all tables)", |b| {
        b.iter(|| legalaid::ingest::ingest(black_box(&plan), &mut |_, _| {}).expect("ingest"))
    });
    let ingested = legalaid::ingest::ingest(&plan, &mut |_, _| {}).expect("ingest");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    group.bench_function(
        "scoring SQL (review totals, case scores, reliability)",
        |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let ctx = legalaid::session::build(&plan, &ingested).expect("session");
                    legalaid::models::score(&ctx, legalaid::models::Store::Memory, 10.0)
                        .await
                        .expect("models")
                })
            })
        },
    );
    group.finish();
}

criterion_group!(hot, benches);
criterion_main!(hot);
