//! `mart_case_scores`: hand-computed golden cases.
//!
//! Civil sheets are `A1 A2 B1 V2 V1` with maxima 40 20 36 2 2, so with every
//! item applicable a review's total is the plain sum of its points.

use arrow::datatypes::DataType;
use datafusion::assert_batches_eq;

use super::fixture::{Fixture, Rubric, band, fail_band, item, query, run_all, veto};

/// A criminal rubric graded with the England & Wales peer-review grades,
/// re-cut: excellence ≥ 85, competence plus ≥ 70, threshold competence ≥ 50,
/// below competence ≥ 30, failure ≥ 0 (the fail band).
fn england_and_wales_rubric() -> Rubric {
    Rubric {
        case_type: "criminal",
        version: "ew-2025",
        items: vec![item("CR-A1", 50.0), item("CR-B1", 48.0), veto("CR-V1", 2.0)],
        bands: vec![
            band("excellence", "Excellence", 85.0),
            band("competence_plus", "Competence plus", 70.0),
            band("threshold_competence", "Threshold competence", 50.0),
            band("below_competence", "Below competence", 30.0),
            fail_band("failure", "Failure in performance", 0.0),
        ],
    }
}

fn golden_fixture() -> Fixture {
    Fixture::new()
        .rubric(england_and_wales_rubric())
        // Even panel: totals 78 80 85 90, median (80 + 85) / 2 = 82.5.
        .case("K01", "civil", "L1", "2024-02-01")
        .review("K01-1", "K01", "E1", "33 15 26 2 2")
        .review("K01-2", "K01", "E2", "35 15 26 2 2")
        .review("K01-3", "K01", "E3", "40 15 26 2 2")
        .review("K01-4", "K01", "E4", "40 20 26 2 2")
        // Not applicable: 61 of 80 applicable points = 76.25.
        .case("K02", "civil", "L1", "2024-02-01")
        .review("K02-1", "K02", "E1", "30 NA 27 2 2")
        // Veto by median (V1 0 0 0) forces the fail band on a score of 90.
        .case("K03", "civil", "L2", "2024-02-01")
        .review("K03-1", "K03", "E1", "40 20 30 2 0")
        .review("K03-2", "K03", "E2", "40 18 30 2 0")
        .review("K03-3", "K03", "E3", "38 20 30 2 0")
        // Split veto (V2 0 2 2): median 2, no veto, but disputed.
        .case("K04", "civil", "L2", "2024-02-01")
        .review("K04-1", "K04", "E1", "40 20 30 0 2")
        .review("K04-2", "K04", "E2", "40 20 30 2 2")
        .review("K04-3", "K04", "E3", "40 20 30 2 2")
        // Two failing veto items, listed in rubric order (V2 before V1).
        .case("K05", "civil", "L1", "2024-02-01")
        .review("K05-1", "K05", "E1", "40 20 30 0 0")
        .review("K05-2", "K05", "E2", "40 20 26 0 0")
        // Spread 15.5 > 15: disputed.
        .case("K06", "civil", "L1", "2024-02-01")
        .review("K06-1", "K06", "E1", "30 10 16 2 2")
        .review("K06-2", "K06", "E2", "35 14.5 22 2 2")
        // Totals 45.02 and 30.02: spread 15.000000000000004 in floating
        // point, noise, not disputed.
        .case("K07", "civil", "L1", "2024-02-01")
        .review("K07-1", "K07", "E1", "0 20 21.02 2 2")
        .review("K07-2", "K07", "E2", "0 20 6.02 2 2")
        // Spread exactly 15: not disputed.
        .case("K08", "civil", "L1", "2024-02-01")
        .review("K08-1", "K08", "E1", "35 15 21 2 2")
        .review("K08-2", "K08", "E2", "40 20 26 2 2")
        // K09-1 (34) is superseded by K09-3 (90): totals 100 and 90.
        .case("K09", "civil", "L1", "2024-02-01")
        .review("K09-1", "K09", "E1", "10 10 10 2 2")
        .review("K09-2", "K09", "E2", "40 20 36 2 2")
        .superseding("K09-3", "K09", "E3", "36 18 32 2 2", "K09-1")
        // Outside the period: no row.
        .case("K10", "civil", "L1", "2023-12-31")
        .review("K10-1", "K10", "E1", "40 20 36 2 2")
        // No review: no row.
        .case("K11", "civil", "L1", "2024-02-01")
        // England & Wales bands: within 1e-9 below 85 is still excellence.
        .case("K12", "criminal", "L3", "2024-02-01")
        .review("K12-1", "K12", "E1", "50 32.999999999999 2")
        .case("K13", "criminal", "L3", "2024-02-01")
        .review("K13-1", "K13", "E1", "40 29.5 2")
        .case("K14", "criminal", "L3", "2024-02-01")
        .review("K14-1", "K14", "E1", "20 9.5 2")
        .case("K15", "criminal", "L3", "2024-02-01")
        .review("K15-1", "K15", "E1", "50 48 0")
        .case("K16", "criminal", "L3", "2024-02-01")
        .review("K16-1", "K16", "E1", "30 18 2")
}

#[tokio::test]
async fn golden_case_scores() {
    let ctx = golden_fixture().session();
    run_all(&ctx).await;
    assert_batches_eq!(
        [
            "+---------+-----------+-----------+----------------+-----------+-----------------+-----------------+-----------------+----------------------+------------------------+-------+-------------+----------+",
            "| case_id | case_type | lawyer_id | rubric_version | n_reviews | score           | score_min       | score_max       | grade                | grade_label            | veto  | veto_items  | disputed |",
            "+---------+-----------+-----------+----------------+-----------+-----------------+-----------------+-----------------+----------------------+------------------------+-------+-------------+----------+",
            "| K01     | civil     | L1        | test-1         | 4         | 82.5            | 78.0            | 90.0            | good                 | 良好                   | false |             | false    |",
            "| K02     | civil     | L1        | test-1         | 1         | 76.25           | 76.25           | 76.25           | qualified            | 合格                   | false |             | false    |",
            "| K03     | civil     | L2        | test-1         | 3         | 90.0            | 90.0            | 92.0            | unqualified          | 不合格                 | true  | CV-V1       | false    |",
            "| K04     | civil     | L2        | test-1         | 3         | 94.0            | 92.0            | 94.0            | excellent            | 优秀                   | false |             | true     |",
            "| K05     | civil     | L1        | test-1         | 2         | 88.0            | 86.0            | 90.0            | unqualified          | 不合格                 | true  | CV-V2;CV-V1 | false    |",
            "| K06     | civil     | L1        | test-1         | 2         | 67.75           | 60.0            | 75.5            | qualified            | 合格                   | false |             | true     |",
            "| K07     | civil     | L1        | test-1         | 2         | 37.52           | 30.02           | 45.02           | unqualified          | 不合格                 | false |             | false    |",
            "| K08     | civil     | L1        | test-1         | 2         | 82.5            | 75.0            | 90.0            | good                 | 良好                   | false |             | false    |",
            "| K09     | civil     | L1        | test-1         | 2         | 95.0            | 90.0            | 100.0           | excellent            | 优秀                   | false |             | false    |",
            "| K12     | criminal  | L3        | ew-2025        | 1         | 84.999999999999 | 84.999999999999 | 84.999999999999 | excellence           | Excellence             | false |             | false    |",
            "| K13     | criminal  | L3        | ew-2025        | 1         | 71.5            | 71.5            | 71.5            | competence_plus      | Competence plus        | false |             | false    |",
            "| K14     | criminal  | L3        | ew-2025        | 1         | 31.5            | 31.5            | 31.5            | below_competence     | Below competence       | false |             | false    |",
            "| K15     | criminal  | L3        | ew-2025        | 1         | 98.0            | 98.0            | 98.0            | failure              | Failure in performance | true  | CR-V1       | false    |",
            "| K16     | criminal  | L3        | ew-2025        | 1         | 50.0            | 50.0            | 50.0            | threshold_competence | Threshold competence   | false |             | false    |",
            "+---------+-----------+-----------+----------------+-----------+-----------------+-----------------+-----------------+----------------------+------------------------+-------+-------------+----------+",
        ],
        &query(
            &ctx,
            "select case_id, case_type, lawyer_id, rubric_version, n_reviews, score, \
             score_min, score_max, grade, grade_label, veto, veto_items, disputed \
             from mart_case_scores"
        )
        .await
    );
}

#[tokio::test]
async fn spread_of_floating_point_noise_is_not_disputed() {
    let ctx = golden_fixture().session();
    let out = run_all(&ctx).await;
    let t = out.table("mart_case_scores");
    let row = t.row_of("case_id", "K07");
    let spread = t.f64s("score_max")[row].unwrap() - t.f64s("score_min")[row].unwrap();
    // The premise: the totals really are 15.000000000000004 apart.
    assert_eq!(spread, 15.000000000000004);
    assert!(spread > 15.0);
    assert_eq!(t.bools("disputed")[row], Some(false));
}

#[tokio::test]
async fn case_scores_columns_and_types() {
    let out = golden_fixture().run().await;
    let schema = &out.get("mart_case_scores").schema;
    let columns: Vec<(&str, &DataType)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().as_str(), f.data_type()))
        .collect();
    assert_eq!(
        columns,
        [
            ("case_id", &DataType::Utf8),
            ("case_type", &DataType::Utf8),
            ("lawyer_id", &DataType::Utf8),
            ("rubric_version", &DataType::Utf8),
            ("n_reviews", &DataType::Int64),
            ("score", &DataType::Float64),
            ("score_min", &DataType::Float64),
            ("score_max", &DataType::Float64),
            ("grade", &DataType::Utf8),
            ("grade_label", &DataType::Utf8),
            ("veto", &DataType::Boolean),
            ("veto_items", &DataType::Utf8),
            ("disputed", &DataType::Boolean),
            ("adjusted_score", &DataType::Float64),
            ("adjusted_grade", &DataType::Utf8),
            ("adjusted_grade_label", &DataType::Utf8),
            ("severity_sensitive", &DataType::Boolean),
        ]
    );
    // No veto: the empty string, never null.
    let t = out.table("mart_case_scores");
    assert!(t.strs("veto_items").iter().all(Option::is_some));
}

/// Settings drive the thresholds: a dispute spread of 20 leaves K06
/// (spread 15.5) undisputed.
#[tokio::test]
async fn dispute_spread_comes_from_settings() {
    let out = golden_fixture()
        .settings(|s| s.dispute_spread = 20.0)
        .run()
        .await;
    let t = out.table("mart_case_scores");
    assert_eq!(t.bools("disputed")[t.row_of("case_id", "K06")], Some(false));
    // A split veto item still disputes whatever the spread.
    assert_eq!(t.bools("disputed")[t.row_of("case_id", "K04")], Some(true));
}

/// The period comes from settings: moving it to 2023 scores only K10.
#[tokio::test]
async fn only_cases_of_the_period_are_scored() {
    let out = golden_fixture()
        .settings(|s| {
            s.period_start = "2023-01-01";
            s.period_end = "2023-12-31";
        })
        .run()
        .await;
    let t = out.table("mart_case_scores");
    assert_eq!(t.strs("case_id"), [Some("K10".to_string())]);
    assert_eq!(t.f64s("score"), [Some(100.0)]);
}
