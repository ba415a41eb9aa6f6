//! The `stg_` and `int_` models.

use datafusion::assert_batches_eq;

use super::fixture::{Fixture, Rubric, civil_rubric, default_bands, item, query, run_all, veto};

#[tokio::test]
async fn stg_cases_carries_the_period_that_ingest_staged() {
    let fx = Fixture::new()
        .case("C1", "civil", "L1", "2024-01-01")
        .case("C2", "civil", "L2", "2024-12-31")
        .case("C3", "civil", "L1", "2023-12-31")
        .case("C4", "civil", "L2", "2025-01-01")
        .case("C5", "civil", "L2", "2024-06-15");
    let ctx = fx.session();
    run_all(&ctx).await;
    assert_batches_eq!(
        [
            "+---------+-----------+-----------+------------+-----------+",
            "| case_id | case_type | lawyer_id | closed_on  | in_period |",
            "+---------+-----------+-----------+------------+-----------+",
            "| C1      | civil     | L1        | 2024-01-01 | true      |",
            "| C2      | civil     | L2        | 2024-12-31 | true      |",
            "| C3      | civil     | L1        | 2023-12-31 | false     |",
            "| C4      | civil     | L2        | 2025-01-01 | false     |",
            "| C5      | civil     | L2        | 2024-06-15 | true      |",
            "+---------+-----------+-----------+------------+-----------+",
        ],
        &query(
            &ctx,
            "select case_id, case_type, lawyer_id, closed_on, in_period from stg_cases"
        )
        .await
    );
}

#[tokio::test]
async fn stg_cases_leaves_personal_data_behind() {
    let fx = Fixture::new().case("C1", "civil", "L1", "2024-01-01");
    let out = fx.run().await;
    let schema = &out.get("stg_cases").schema;
    assert!(schema.index_of("recipient_name").is_err());
    assert!(schema.index_of("recipient_id_no").is_err());
    assert!(schema.index_of("recipient_groups").is_ok());
}

#[tokio::test]
async fn stg_case_rows_carries_the_recipient_and_the_period_of_stg_cases() {
    let fx = Fixture::new().case("C1", "civil", "L1", "2024-06-15").case(
        "C2",
        "civil",
        "L2",
        "2025-01-01",
    );
    let ctx = fx.session();
    run_all(&ctx).await;
    assert_batches_eq!(
        [
            "+---------+----------------+-----------+------+",
            "| case_id | recipient_name | in_period | same |",
            "+---------+----------------+-----------+------+",
            "| C1      | 某某           | true      | true |",
            "| C2      | 某某           | false     | true |",
            "+---------+----------------+-----------+------+",
        ],
        &query(
            &ctx,
            "select r.case_id, r.recipient_name, r.in_period, \
             r.in_period = c.in_period as same \
             from stg_case_rows as r join stg_cases as c on r.case_id = c.case_id \
             order by r.case_id"
        )
        .await
    );
}

/// Personal data reaches only the models that show it masked on internal
/// pages or search published text for it: a new reader of the recipient's
/// columns must be added here on purpose.
#[test]
fn only_the_listed_models_read_the_recipients_columns() {
    let readers: Vec<&str> = crate::models::all_models()
        .filter(|m| {
            [
                "from cases",
                "join cases",
                "from stg_case_rows",
                "join stg_case_rows",
            ]
            .iter()
            .any(|r| m.sql.contains(&format!("{r}\n")) || m.sql.contains(&format!("{r} ")))
        })
        .map(|m| m.name)
        .collect();
    assert_eq!(
        readers,
        [
            "stg_case_rows",
            "stg_cases",
            "mart_report_disputed_cases",
            "mart_report_identifiers",
            "mart_lawyer_page_cases",
        ]
    );
}

#[tokio::test]
async fn stg_rubric_items_keeps_one_version_per_case_type() {
    let old = Rubric {
        version: "test-0",
        items: vec![item("CV-A1", 98.0), veto("CV-V1", 2.0)],
        ..civil_rubric()
    };
    let criminal = Rubric {
        case_type: "criminal",
        version: "cr-1",
        items: vec![item("CR-A1", 60.0), item("CR-B1", 38.0), veto("CR-V1", 2.0)],
        bands: default_bands(),
    };
    let fx = Fixture::new().rubric(old).rubric(criminal);
    let ctx = fx.session();
    run_all(&ctx).await;
    assert_batches_eq!(
        [
            "+----------+-----------+----------------+-------+-------+----------+------------+----------+-------+",
            "| item_key | case_type | rubric_version | item  | stage | position | max_points | optional | veto  |",
            "+----------+-----------+----------------+-------+-------+----------+------------+----------+-------+",
            "| 0        | civil     | test-1         | CV-A1 | A     | 1        | 40.0       | false    | false |",
            "| 1        | civil     | test-1         | CV-A2 | A     | 2        | 20.0       | true     | false |",
            "| 2        | civil     | test-1         | CV-B1 | B     | 3        | 36.0       | false    | false |",
            "| 3        | civil     | test-1         | CV-V2 | V     | 4        | 2.0        | false    | true  |",
            "| 4        | civil     | test-1         | CV-V1 | V     | 5        | 2.0        | false    | true  |",
            "| 7        | criminal  | cr-1           | CR-A1 | A     | 1        | 60.0       | false    | false |",
            "| 8        | criminal  | cr-1           | CR-B1 | B     | 2        | 38.0       | false    | false |",
            "| 9        | criminal  | cr-1           | CR-V1 | V     | 3        | 2.0        | false    | true  |",
            "+----------+-----------+----------------+-------+-------+----------+------------+----------+-------+",
        ],
        &query(&ctx, "select * from stg_rubric_items").await
    );
}

/// Superseded reviews (one id, or several joined by ';' with stray spaces,
/// or a chain of reconciliations) take no part; a `supersedes` naming a
/// review of another case does not touch it; reviews of cases outside the
/// period are dropped.
#[tokio::test]
async fn stg_reviews_keeps_live_reviews_of_cases_of_the_period() {
    let sheet = "40 20 36 2 2";
    let fx = Fixture::new()
        .case("C1", "civil", "L1", "2024-03-01")
        .case("C2", "civil", "L1", "2024-04-01")
        .case("C3", "civil", "L1", "2023-12-31")
        .review("R1", "C1", "E1", sheet)
        .review("R2", "C1", "E2", sheet)
        .superseding("R3", "C1", "P1", sheet, "R1; R2")
        .review("R4", "C1", "E4", sheet)
        .superseding("R5", "C2", "E5", sheet, "R4")
        .review("R6", "C2", "E1", sheet)
        .superseding("R7", "C2", "E1", sheet, "R6")
        .superseding("R8", "C2", "E1", sheet, "R7")
        .review("R9", "C3", "E1", sheet);
    let ctx = fx.session();
    run_all(&ctx).await;
    assert_batches_eq!(
        [
            "+-----------+---------+-------------+--------+--------+",
            "| review_id | case_id | reviewer_id | n_rows | n_veto |",
            "+-----------+---------+-------------+--------+--------+",
            "| R3        | C1      | P1          | 5      | 2      |",
            "| R4        | C1      | E4          | 5      | 2      |",
            "| R5        | C2      | E5          | 5      | 2      |",
            "| R8        | C2      | E1          | 5      | 2      |",
            "+-----------+---------+-------------+--------+--------+",
        ],
        &query(
            &ctx,
            "select h.review_id, c.case_id, h.reviewer_id, count(*) as n_rows, \
             sum(case when r.veto then 1 else 0 end) as n_veto \
             from stg_reviews as r join review_heads as h on r.review_key = h.review_key \
             join stg_cases as c on r.case_key = c.case_key \
             group by h.review_id, c.case_id, h.reviewer_id order by h.review_id"
        )
        .await
    );
}

#[tokio::test]
async fn stg_reviews_rows_carry_their_rubric_item() {
    let fx = Fixture::new()
        .case("C1", "civil", "L1", "2024-03-01")
        .review("R1", "C1", "E1", "33.5 NA 30 2 0");
    let ctx = fx.session();
    run_all(&ctx).await;
    assert_batches_eq!(
        [
            "+-----------+-----------+----------------+-------+----------+--------+------------+----------+-------+",
            "| review_id | case_type | rubric_version | item  | position | points | max_points | optional | veto  |",
            "+-----------+-----------+----------------+-------+----------+--------+------------+----------+-------+",
            "| R1        | civil     | test-1         | CV-A1 | 1        | 33.5   | 40.0       | false    | false |",
            "| R1        | civil     | test-1         | CV-A2 | 2        |        | 20.0       | true     | false |",
            "| R1        | civil     | test-1         | CV-B1 | 3        | 30.0   | 36.0       | false    | false |",
            "| R1        | civil     | test-1         | CV-V2 | 4        | 2.0    | 2.0        | false    | true  |",
            "| R1        | civil     | test-1         | CV-V1 | 5        | 0.0    | 2.0        | false    | true  |",
            "+-----------+-----------+----------------+-------+----------+--------+------------+----------+-------+",
        ],
        &query(
            &ctx,
            "select h.review_id, r.case_type, r.rubric_version, r.item, r.position, r.points, \
             r.max_points, r.optional, r.veto \
             from stg_reviews as r join review_heads as h on r.review_key = h.review_key \
             order by r.position"
        )
        .await
    );
}

/// total = 100 × Σ points / Σ max over applicable items: an NA item leaves
/// both sums, so 61 of 80 applicable points is 76.25, not 61.
#[tokio::test]
async fn int_review_totals_rescales_not_applicable_items() {
    let fx = Fixture::new()
        .case("C1", "civil", "L1", "2024-03-01")
        .review("R1", "C1", "E1", "40 20 36 2 2")
        .review("R2", "C1", "E2", "30 NA 27 2 2")
        .review("R3", "C1", "E3", "20 10 18 0 2")
        .review("R4", "C1", "E4", "33.5 NA 30.25 2 0");
    let ctx = fx.session();
    run_all(&ctx).await;
    assert_batches_eq!(
        [
            "+-----------+---------+-------------+---------+--------------+------------+----------------+---------+",
            "| review_id | case_id | reviewer_id | n_items | n_applicable | points_sum | max_points_sum | total   |",
            "+-----------+---------+-------------+---------+--------------+------------+----------------+---------+",
            "| R1        | C1      | E1          | 5       | 5            | 100.0      | 100.0          | 100.0   |",
            "| R2        | C1      | E2          | 5       | 4            | 61.0       | 80.0           | 76.25   |",
            "| R3        | C1      | E3          | 5       | 5            | 50.0       | 100.0          | 50.0    |",
            "| R4        | C1      | E4          | 5       | 4            | 65.75      | 80.0           | 82.1875 |",
            "+-----------+---------+-------------+---------+--------------+------------+----------------+---------+",
        ],
        &query(
            &ctx,
            "select review_id, case_id, reviewer_id, n_items, n_applicable, points_sum, \
             max_points_sum, total from int_review_totals"
        )
        .await
    );
}

/// A veto item fails on the median of its points (even panels: mean of the
/// two middle values), and is split when some reviewers gave 0 and some not.
/// Its points are 0 or its maximum, so the median is 0 exactly when more
/// than half are 0: C2 and C3's first item have half their points 0 (median
/// half the maximum, not failed); C3's second item three quarters and C4's
/// first two thirds (median 0, failed).
#[tokio::test]
async fn int_case_veto_items_fails_on_a_zero_median_and_flags_splits() {
    let fx = Fixture::new()
        .case("C1", "civil", "L1", "2024-03-01")
        .case("C2", "civil", "L1", "2024-03-01")
        .case("C3", "civil", "L1", "2024-03-01")
        .case("C4", "civil", "L1", "2024-03-01")
        .review("R1", "C1", "E1", "40 20 36 2 0")
        .review("R2", "C1", "E2", "40 20 36 0 0")
        .review("R3", "C1", "E3", "40 20 36 2 0")
        .review("R4", "C2", "E1", "40 20 36 0 2")
        .review("R5", "C2", "E2", "40 20 36 2 2")
        .review("R6", "C3", "E1", "40 20 36 0 0")
        .review("R7", "C3", "E2", "40 20 36 0 0")
        .review("R8", "C3", "E3", "40 20 36 2 0")
        .review("R9", "C3", "E4", "40 20 36 2 2")
        .review("R10", "C4", "E1", "40 20 36 0 2")
        .review("R11", "C4", "E2", "40 20 36 0 2")
        .review("R12", "C4", "E3", "40 20 36 2 2");
    let ctx = fx.session();
    run_all(&ctx).await;
    assert_batches_eq!(
        [
            "+---------+-------+----------+----------+--------+--------+-------+",
            "| case_id | item  | position | n_scored | n_zero | failed | split |",
            "+---------+-------+----------+----------+--------+--------+-------+",
            "| C1      | CV-V2 | 4        | 3        | 1      | false  | true  |",
            "| C1      | CV-V1 | 5        | 3        | 3      | true   | false |",
            "| C2      | CV-V2 | 4        | 2        | 1      | false  | true  |",
            "| C2      | CV-V1 | 5        | 2        | 0      | false  | false |",
            "| C3      | CV-V2 | 4        | 4        | 2      | false  | true  |",
            "| C3      | CV-V1 | 5        | 4        | 3      | true   | true  |",
            "| C4      | CV-V2 | 4        | 3        | 2      | true   | true  |",
            "| C4      | CV-V1 | 5        | 3        | 0      | false  | false |",
            "+---------+-------+----------+----------+--------+--------+-------+",
        ],
        &query(
            &ctx,
            "select * from int_case_veto_items order by case_id, position"
        )
        .await
    );
}

/// Totals are exact sums, the same in any order: these points give
/// 63.400000000000006 summed in floating point in rubric order
/// (27.4 + 1.3 + 34.7) and 63.4 in some other orders; the exact sum is 63.4.
#[tokio::test]
async fn int_review_totals_sums_exactly() {
    let fx = Fixture::new()
        .case("C1", "civil", "L1", "2024-03-01")
        .review("R1", "C1", "E1", "27.4 1.3 34.7 0 0");
    let out = fx.run().await;
    let t = out.table("int_review_totals");
    assert_eq!(((27.4 + 1.3) + 34.7) + 0.0 + 0.0, 63.400000000000006);
    assert_eq!(t.f64s("points_sum"), [Some(63.4)]);
    assert_eq!(t.f64s("total"), [Some(100.0 * 63.4 / 100.0)]);
}
