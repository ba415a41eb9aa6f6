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

/// Two disputed cases (a split veto item; totals spread over the limit)
/// beside one the panel agrees on. Civil sheets are `A1 A2 B1 V2 V1` with
/// maxima 40 20 36 2 2, so a total is the plain sum of the points.
fn disputed_fixture() -> Fixture {
    Fixture::new()
        // V2 scored 0 by one reviewer of three: split, median 2, no veto.
        .case("D1", "civil", "L1", "2024-02-01")
        .review("D1-1", "D1", "E1", "40 20 30 0 2")
        .review("D1-2", "D1", "E2", "40 20 30 2 2")
        .review("D1-3", "D1", "E3", "40 20 30 2 2")
        // Totals 60 and 75.5: spread 15.5 > 15.
        .case("D2", "civil", "L2", "2024-02-01")
        .review("D2-1", "D2", "E2", "30 10 16 2 2")
        .review("D2-2", "D2", "E1", "35 14.5 22 2 2")
        // Agreed: not on the worklist.
        .case("D3", "civil", "L1", "2024-02-01")
        .review("D3-1", "D3", "E1", "40 20 36 2 2")
        .review("D3-2", "D3", "E2", "40 20 30 2 2")
}

#[tokio::test]
async fn the_disputed_worklists_hold_the_disputed_cases_only() {
    let ctx = disputed_fixture().session();
    run_all(&ctx).await;
    let out = run_only(
        &ctx,
        &[
            "int_disputed_cases",
            "mart_report_disputed_cases",
            "mart_report_disputed_totals",
        ],
    )
    .await;
    assert_batches_eq!(
        [
            "+---------+-----------+-----------+-------------+----------------+-----------------+-------+-----------+-----------+-------------+------------+-------------+",
            "| case_id | case_type | lawyer_id | lawyer_name | recipient_name | recipient_id_no | score | score_min | score_max | grade_label | veto_items | split_items |",
            "+---------+-----------+-----------+-------------+----------------+-----------------+-------+-----------+-----------+-------------+------------+-------------+",
            "| D1      | civil     | L1        | L1          | 某某           |                 | 94.0  | 92.0      | 94.0      | 优秀        |            | CV-V2       |",
            "| D2      | civil     | L2        | L2          | 某某           |                 | 67.75 | 60.0      | 75.5      | 合格        |            |             |",
            "+---------+-----------+-----------+-------------+----------------+-----------------+-------+-----------+-----------+-------------+------------+-------------+",
        ],
        &out.get("mart_report_disputed_cases").batches
    );
    // Each reviewer's total, by case then reviewer.
    assert_batches_eq!(
        [
            "+---------+-------------+-------+",
            "| case_id | reviewer_id | total |",
            "+---------+-------------+-------+",
            "| D1      | E1          | 92.0  |",
            "| D1      | E2          | 94.0  |",
            "| D1      | E3          | 94.0  |",
            "| D2      | E1          | 75.5  |",
            "| D2      | E2          | 60.0  |",
            "+---------+-------------+-------+",
        ],
        &out.get("mart_report_disputed_totals").batches
    );
}
