//! The `mart_report_` models publication reads for the public figures.

use datafusion::assert_batches_eq;

use super::fixture::{Fixture, run_all, run_only};

/// Cases of the period, scored and not, of two case types, and one closed
/// after the period.
fn period_fixture() -> Fixture {
    let sheet = "40 20 36 2 2";
    Fixture::new()
        .case("C2", "civil", "L1", "2024-03-01")
        .review("R2", "C2", "E1", sheet)
        .case("C1", "civil", "L1", "2024-02-01")
        .review("R1", "C1", "E1", sheet)
        .case("C3", "civil", "L2", "2024-04-01")
        .case("C4", "criminal", "L2", "2024-05-01")
        .case("C5", "civil", "L2", "2025-01-02")
}

#[tokio::test]
async fn the_report_counts_every_case_of_the_period_and_reads_the_scored_ones() {
    let fx = period_fixture();
    let ctx = fx.session();
    run_all(&ctx).await;
    let out = run_only(&ctx, &["mart_report_case_counts", "mart_report_cases"]).await;
    assert_batches_eq!(
        [
            "+-----------+----------+----------+",
            "| case_type | district | n_closed |",
            "+-----------+----------+----------+",
            "| civil     | D1       | 3        |",
            "| criminal  | D1       | 1        |",
            "+-----------+----------+----------+",
        ],
        &out.get("mart_report_case_counts").batches
    );
    // Only the scored cases, in case-id order: the report sums their
    // scores in this order.
    assert_batches_eq!(
        [
            "+---------+-----------+----------+-------+-----------+",
            "| case_id | case_type | district | score | grade     |",
            "+---------+-----------+----------+-------+-----------+",
            "| C1      | civil     | D1       | 100.0 | excellent |",
            "| C2      | civil     | D1       | 100.0 | excellent |",
            "+---------+-----------+----------+-------+-----------+",
        ],
        &out.get("mart_report_cases").batches
    );
}
