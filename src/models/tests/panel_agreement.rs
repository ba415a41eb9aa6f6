//! `mart_panel_agreement`: Krippendorff's alpha, interval metric.

use datafusion::assert_batches_eq;
use datafusion::prelude::SessionContext;

use super::fixture::{
    Fixture, Rubric, batch, default_bands, f64_col, item, query, register, run_all, run_only,
    str_col, veto,
};

/// The worked example of K. Krippendorff, "Computing Krippendorff's
/// Alpha-Reliability" (2011): 4 observers × 12 units, `.` = missing.
const KRIPPENDORFF_2011: [&str; 4] = [
    "1 2 3 3 2 1 4 1 2 . . .",
    "1 2 3 3 2 2 4 1 2 5 . 3",
    ". 3 3 3 2 3 4 2 2 5 1 .",
    "1 2 3 3 2 4 4 1 2 5 1 .",
];

/// The paper's interval alpha, 0.849, to full precision:
/// D_o = 0.4333…, D_e = 2.8718 (n = 40 pairable values in 11 units).
const KRIPPENDORFF_2011_ALPHA: f64 = 0.849_107_142_857_142_8;

fn criminal_rubric() -> Rubric {
    Rubric {
        case_type: "criminal",
        version: "cr-1",
        items: vec![item("CR-A1", 98.0), veto("CR-V1", 2.0)],
        bands: default_bands(),
    }
}

/// A session whose `int_review_totals` is hand-made from observer rows
/// (`.` = missing), all of case type `civil`.
fn as_refs(v: &[String]) -> Vec<Option<&str>> {
    v.iter().map(|s| Some(s.as_str())).collect()
}

async fn session_with_totals(fx: &Fixture, observers: &[&str]) -> SessionContext {
    let ctx = fx.session();
    let mut review_ids = Vec::new();
    let mut case_ids = Vec::new();
    let mut reviewer_ids = Vec::new();
    let mut totals = Vec::new();
    for (o, row) in observers.iter().enumerate() {
        for (u, value) in row.split_whitespace().enumerate() {
            if value != "." {
                review_ids.push(format!("R{o}-{u:02}"));
                case_ids.push(format!("U{u:02}"));
                reviewer_ids.push(format!("O{o}"));
                totals.push(Some(value.parse::<f64>().unwrap()));
            }
        }
    }
    let n = totals.len();
    register(
        &ctx,
        "int_review_totals",
        batch(vec![
            str_col("review_id", as_refs(&review_ids)),
            str_col("case_id", as_refs(&case_ids)),
            str_col("case_type", vec![Some("civil"); n]),
            str_col("rubric_version", vec![Some("test-1"); n]),
            str_col("reviewer_id", as_refs(&reviewer_ids)),
            f64_col("total", totals),
        ]),
    );
    ctx
}

#[tokio::test]
async fn krippendorff_2011_worked_example() {
    let fx = Fixture::new()
        .rubric(criminal_rubric())
        .settings(|s| s.alpha_min_cases = 2);
    let ctx = session_with_totals(&fx, &KRIPPENDORFF_2011).await;
    let out = run_only(&ctx, &["stg_rubric_items", "mart_panel_agreement"]).await;
    let t = out.table("mart_panel_agreement");
    assert_eq!(
        t.strs("case_type"),
        [Some("civil".to_string()), Some("criminal".to_string())]
    );
    // Unit 12 has a single value: not pairable, not counted.
    assert_eq!(t.i64s("n_cases"), [Some(11), Some(0)]);
    let alpha = t.f64s("alpha");
    let civil = alpha[0].unwrap();
    assert!(
        (civil - KRIPPENDORFF_2011_ALPHA).abs() < 1e-12,
        "alpha = {civil}"
    );
    assert_eq!((civil * 1000.0).round() / 1000.0, 0.849);
    // No case of that type: alpha undefined.
    assert_eq!(alpha[1], None);
}

#[tokio::test]
async fn alpha_is_null_below_alpha_min_cases() {
    let fx = Fixture::new().settings(|s| s.alpha_min_cases = 12);
    let ctx = session_with_totals(&fx, &KRIPPENDORFF_2011).await;
    run_only(&ctx, &["stg_rubric_items", "mart_panel_agreement"]).await;
    assert_batches_eq!(
        [
            "+-----------+---------+-------+",
            "| case_type | n_cases | alpha |",
            "+-----------+---------+-------+",
            "| civil     | 11      |       |",
            "+-----------+---------+-------+",
        ],
        &query(&ctx, "select * from mart_panel_agreement").await
    );
}

/// Every total equal: no expected disagreement, alpha undefined (null), not
/// 1 and not NaN.
#[tokio::test]
async fn alpha_is_null_without_expected_disagreement() {
    let fx = Fixture::new().settings(|s| s.alpha_min_cases = 2);
    let same = "80.3 80.3 80.3 80.3 80.3 80.3";
    let ctx = session_with_totals(&fx, &[same, same, same]).await;
    let out = run_only(&ctx, &["stg_rubric_items", "mart_panel_agreement"]).await;
    let t = out.table("mart_panel_agreement");
    assert_eq!(t.i64s("n_cases"), [Some(6)]);
    assert_eq!(t.f64s("alpha"), [None]);
}

/// Through the whole chain: five cases whose three reviewers hand in the
/// same sheet (totals differ between cases), plus a single-review case that
/// does not count. Alpha is exactly 1 for the civil type; the criminal type
/// has no case and gets a row with n_cases 0.
#[tokio::test]
async fn alpha_is_one_for_identical_reviewers() {
    let sheets = [
        "40 20 36 2 2",
        "30.1 NA 20.3 2 2",
        "12.7 3.3 17.9 0 2",
        "39.9 19.9 35.9 2 2",
        "0 0 0 0 0",
    ];
    let mut fx = Fixture::new().rubric(criminal_rubric());
    for (i, sheet) in sheets.iter().enumerate() {
        let case = format!("A{i}");
        fx = fx.case(&case, "civil", "L1", "2024-07-01");
        for reviewer in ["E1", "E2", "E3"] {
            fx = fx.review(&format!("{case}-{reviewer}"), &case, reviewer, sheet);
        }
    }
    let fx = fx
        .case("B1", "civil", "L1", "2024-07-01")
        .review("B1-E1", "B1", "E1", "1 1 1 2 2");
    let ctx = fx.session();
    run_all(&ctx).await;
    assert_batches_eq!(
        [
            "+-----------+---------+-------+",
            "| case_type | n_cases | alpha |",
            "+-----------+---------+-------+",
            "| civil     | 5       | 1.0   |",
            "| criminal  | 0       |       |",
            "+-----------+---------+-------+",
        ],
        &query(&ctx, "select * from mart_panel_agreement").await
    );
}

/// The default minimum of 5 cases: four panels leave alpha undefined.
#[tokio::test]
async fn alpha_needs_alpha_min_cases_panels() {
    let mut fx = Fixture::new();
    for (i, (a, b)) in [(20, 22), (25, 30), (35, 34), (38, 40)].iter().enumerate() {
        let case = format!("A{i}");
        fx = fx
            .case(&case, "civil", "L1", "2024-07-01")
            .review(&format!("{case}-1"), &case, "E1", &format!("{a} 0 0 0 0"))
            .review(&format!("{case}-2"), &case, "E2", &format!("{b} 0 0 0 0"));
    }
    let out = fx.run().await;
    let t = out.table("mart_panel_agreement");
    assert_eq!(t.i64s("n_cases"), [Some(4)]);
    assert_eq!(t.f64s("alpha"), [None]);
}
