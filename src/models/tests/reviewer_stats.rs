//! `mart_reviewer_stats`.

use datafusion::assert_batches_eq;

use super::fixture::{Fixture, query, run_all};

/// Totals (civil sheets sum to their total):
///
/// | case | reviews (reviewer: total) | score | deviations |
/// | ---- | ------------------------- | ----- | ---------- |
/// | S1   | E1: 60, E2: 80, E3: 90    | 80    | −20, 0, +10 |
/// | S2   | E1: 70, E3: 90            | 80    | −10, +10   |
/// | S3   | E2: 50                    | 50    | (n = 1)    |
/// | S4   | E4: 77                    | 77    | (n = 1)    |
/// | S5   | E5: 72, E6: 88            | 80    | −8, +8     |
/// | S6   | E1: 10 (outside the period) |     |            |
fn fixture() -> Fixture {
    Fixture::new()
        .case("S1", "civil", "L1", "2024-05-01")
        .review("S1-1", "S1", "E1", "30 10 16 2 2")
        .review("S1-2", "S1", "E2", "35 15 26 2 2")
        .review("S1-3", "S1", "E3", "40 20 26 2 2")
        .case("S2", "civil", "L1", "2024-05-01")
        .review("S2-1", "S2", "E1", "30 10 26 2 2")
        .review("S2-2", "S2", "E3", "40 20 26 2 2")
        .case("S3", "civil", "L1", "2024-05-01")
        .review("S3-1", "S3", "E2", "20 10 16 2 2")
        .case("S4", "civil", "L1", "2024-05-01")
        .review("S4-1", "S4", "E4", "35 15 23 2 2")
        .case("S5", "civil", "L1", "2024-05-01")
        .review("S5-1", "S5", "E5", "30 10 28 2 2")
        .review("S5-2", "S5", "E6", "40 20 24 2 2")
        .case("S6", "civil", "L1", "2023-05-01")
        .review("S6-1", "S6", "E1", "0 0 6 2 2")
        .review("S6-2", "S6", "E7", "40 20 36 2 2")
}

/// E1 is harsh (−15), E3 lenient (+10); E5 and E6 sit exactly on the
/// threshold (∓8) and are not flagged; E2's single-review case does not
/// count towards the mean; E4 has no case with two reviews; E7 reviewed only
/// a case outside the period and has no row.
#[tokio::test]
async fn golden_reviewer_stats() {
    let ctx = fixture().session();
    run_all(&ctx).await;
    assert_batches_eq!(
        [
            "+-------------+-----------+----------------+--------------------+---------------+",
            "| reviewer_id | n_reviews | mean_deviation | abs_mean_deviation | severity_flag |",
            "+-------------+-----------+----------------+--------------------+---------------+",
            "| E1          | 2         | -15.0          | 15.0               | harsh         |",
            "| E2          | 2         | 0.0            | 0.0                |               |",
            "| E3          | 2         | 10.0           | 10.0               | lenient       |",
            "| E4          | 1         |                |                    |               |",
            "| E5          | 1         | -8.0           | 8.0                |               |",
            "| E6          | 1         | 8.0            | 8.0                |               |",
            "+-------------+-----------+----------------+--------------------+---------------+",
        ],
        &query(
            &ctx,
            "select reviewer_id, n_reviews, mean_deviation, abs_mean_deviation, severity_flag \
             from mart_reviewer_stats"
        )
        .await
    );
}

/// The threshold comes from settings: at 5, E5 and E6 are flagged.
#[tokio::test]
async fn severity_threshold_comes_from_settings() {
    let out = fixture()
        .settings(|s| s.severity_threshold = 5.0)
        .run()
        .await;
    let t = out.table("mart_reviewer_stats");
    let flag = |r: &str| t.strs("severity_flag")[t.row_of("reviewer_id", r)].clone();
    assert_eq!(flag("E5").as_deref(), Some("harsh"));
    assert_eq!(flag("E6").as_deref(), Some("lenient"));
    assert_eq!(flag("E2"), None);
}
