//! The scale-out path (feature `ballista`): the scoring models run on a
//! standalone, in-process Ballista cluster over the committed sample data
//! give the same `case_scores` as the local engine.

use std::path::PathBuf;

use datafusion::arrow::array::{Array, ArrayRef, Float64Array, RecordBatch, StringArray};
use datafusion::arrow::compute::{concat_batches, sort_to_indices, take};
use datafusion::arrow::datatypes::DataType;
use legalaid::models::{Store, score};
use legalaid::plan::{Plan, PlanOptions};
use legalaid::scaleout::{CASE_SCORES, score_on_ballista};

/// All rows of the batches in one batch, sorted by `case_id`.
fn sorted_by_case(batches: &[RecordBatch]) -> RecordBatch {
    assert!(!batches.is_empty(), "no batches");
    let all = concat_batches(&batches[0].schema(), batches).unwrap();
    let ids = all.column_by_name("case_id").expect("a case_id column");
    let order = sort_to_indices(ids, None, None).unwrap();
    let columns: Vec<ArrayRef> = all
        .columns()
        .iter()
        .map(|c| take(c.as_ref(), &order, None).unwrap())
        .collect();
    RecordBatch::try_new(all.schema(), columns).unwrap()
}

/// Worker threads' stack: Ballista (de)serialises plans recursively, and the
/// scoring models' plans overflow tokio's default 2 MiB in a debug build
/// (4 MiB is enough today; 16 leaves room for longer SQL).
const STACK: usize = 16 << 20;

#[test]
fn ballista_case_scores_equal_the_local_engine() {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(STACK)
        .enable_all()
        .build()
        .unwrap()
        .block_on(compare());
}

async fn compare() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let plan = Plan::resolve(
        &repo.join("pipelines/chengdu-2024.toml"),
        &PlanOptions::default(),
    )
    .unwrap();
    let ingested = legalaid::validate(&plan, &mut legalaid::Quiet).unwrap();

    let ctx = legalaid::session::build(&plan, &ingested).unwrap();
    let k_b = plan.settings.scoring.severity_prior_reviews;
    let (local, _) = score(&ctx, Store::Memory, k_b).await.unwrap();
    let local = local
        .iter()
        .find(|r| r.model.name == CASE_SCORES)
        .expect("case scores among the models");
    let local = sorted_by_case(&local.read().unwrap());

    let scratch = tempfile::tempdir().unwrap();
    let remote = score_on_ballista(&plan, &ingested, scratch.path())
        .await
        .unwrap();
    let remote = sorted_by_case(&remote);

    assert!(local.num_rows() > 0, "the sample data set scores cases");
    assert_eq!(remote.num_rows(), local.num_rows(), "row count");
    let (ls, rs) = (local.schema(), remote.schema());
    let names = |s: &datafusion::arrow::datatypes::Schema| {
        s.fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&rs), names(&ls), "column names and types");

    let ids = local
        .column_by_name("case_id")
        .unwrap()
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    for (i, field) in ls.fields().iter().enumerate() {
        let (l, r) = (local.column(i), remote.column(i));
        if field.data_type() == &DataType::Float64 {
            // Bit-equal by design: int_review_totals sums points exactly
            // (as decimals), so the order in which rows arrive from the
            // partitions does not matter, nor does it for median, min, max.
            let l = l.as_any().downcast_ref::<Float64Array>().unwrap();
            let r = r.as_any().downcast_ref::<Float64Array>().unwrap();
            for row in 0..l.len() {
                let lv = (!l.is_null(row)).then(|| l.value(row).to_bits());
                let rv = (!r.is_null(row)).then(|| r.value(row).to_bits());
                assert_eq!(
                    rv,
                    lv,
                    "{} of case {}: Ballista {:?}, local {:?}",
                    field.name(),
                    ids.value(row),
                    rv.map(f64::from_bits),
                    lv.map(f64::from_bits),
                );
            }
        } else {
            assert_eq!(r.as_ref(), l.as_ref(), "column {}", field.name());
        }
    }
}
