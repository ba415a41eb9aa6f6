//! The severity adjustment in SQL: adjusted totals, clamping, adjusted
//! grades, `severity_sensitive`, and how `int_case_grades` counts a
//! severity-sensitive case (scoring.md, "Reviewer severity adjustment").

use super::fixture::{Fixture, Outputs, run_all_with_prior, run_only};

/// With `k_b = 0`: E1 and E2 share A1 and A2, where E1 is always 20 points
/// above E2; each has five reviews, so the centred severities are exactly
/// E1 +10 (lenient) and E2 −10 (harsh). Every other case has one review:
///
/// | case | lawyer | reviewer: total | adjusted | grade → adjusted grade |
/// | ---- | ------ | --------------- | -------- | ---------------------- |
/// | A1   | L3     | E1 80, E2 60    | 70, 70   | qualified → qualified  |
/// | A2   | L3     | E1 90, E2 70    | 80, 80   | good → good            |
/// | B1   | L1     | E2 55           | 65       | unqualified → qualified (sensitive) |
/// | B2   | L1     | E1 5            | 0 (clamped) | unqualified → unqualified |
/// | B3   | L2     | E2 95           | 100 (clamped) | excellent → excellent |
/// | B4   | L2     | E1 75           | 65       | qualified → qualified  |
/// | V1   | L2     | E2 98, veto     | 100      | unqualified (veto) → unqualified |
/// | B5   | L2     | E1 75           | 65       | qualified → qualified  |
fn planted() -> Fixture {
    Fixture::new()
        .settings(|s| s.severity_prior_reviews = 0.0)
        .case("A1", "civil", "L3", "2024-03-01")
        .review("A1-1", "A1", "E1", "36 16 24 2 2")
        .review("A1-2", "A1", "E2", "26 12 18 2 2")
        .case("A2", "civil", "L3", "2024-03-01")
        .review("A2-1", "A2", "E1", "38 18 30 2 2")
        .review("A2-2", "A2", "E2", "30 14 22 2 2")
        .case("B1", "civil", "L1", "2024-03-01")
        .review("B1-1", "B1", "E2", "24 10 17 2 2")
        .case("B2", "civil", "L1", "2024-03-01")
        .review("B2-1", "B2", "E1", "1 1 1 1 1")
        .case("B3", "civil", "L2", "2024-03-01")
        .review("B3-1", "B3", "E2", "38 19 34 2 2")
        .case("B4", "civil", "L2", "2024-03-01")
        .review("B4-1", "B4", "E1", "30 15 26 2 2")
        .case("V1", "civil", "L2", "2024-03-01")
        .review("V1-1", "V1", "E2", "40 20 36 0 2")
        .case("B5", "civil", "L2", "2024-03-01")
        .review("B5-1", "B5", "E1", "30 15 26 2 2")
}

struct CaseRow {
    grade: String,
    adjusted_score: f64,
    adjusted_grade: String,
    sensitive: bool,
}

fn case_row(out: &Outputs, case_id: &str) -> CaseRow {
    let t = out.table("mart_case_scores");
    let row = t.row_of("case_id", case_id);
    CaseRow {
        grade: t.strs("grade")[row].clone().unwrap(),
        adjusted_score: t.f64s("adjusted_score")[row].unwrap(),
        adjusted_grade: t.strs("adjusted_grade")[row].clone().unwrap(),
        sensitive: t.bools("severity_sensitive")[row].unwrap(),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test]
async fn adjusted_totals_subtract_the_severity_and_are_clamped() {
    let out = planted().run().await;
    let sev = out.table("mart_reviewer_severity");
    let e1 = sev.row_of("reviewer_id", "E1");
    let e2 = sev.row_of("reviewer_id", "E2");
    assert!(close(sev.f64s("severity")[e1].unwrap(), 10.0));
    assert!(close(sev.f64s("severity")[e2].unwrap(), -10.0));
    for (case, adjusted) in [("A1", 70.0), ("A2", 80.0), ("B1", 65.0), ("B4", 65.0)] {
        let r = case_row(&out, case);
        assert!(
            close(r.adjusted_score, adjusted),
            "{case}: {}",
            r.adjusted_score
        );
    }
    // 5 − 10 and 95 + 10 leave the scale: clamped to 0 and 100.
    assert_eq!(case_row(&out, "B2").adjusted_score, 0.0);
    assert_eq!(case_row(&out, "B3").adjusted_score, 100.0);
}

#[tokio::test]
async fn a_grade_that_depends_on_the_reviewer_is_severity_sensitive() {
    let out = planted().run().await;
    let b1 = case_row(&out, "B1");
    assert_eq!(
        (b1.grade.as_str(), b1.adjusted_grade.as_str()),
        ("unqualified", "qualified")
    );
    assert!(b1.sensitive);
    for case in ["A1", "A2", "B2", "B3", "B4", "B5"] {
        let r = case_row(&out, case);
        assert_eq!(r.grade, r.adjusted_grade, "{case}");
        assert!(!r.sensitive, "{case}");
    }
}

#[tokio::test]
async fn a_vetoed_case_stays_in_the_fail_band() {
    let out = planted().run().await;
    let v1 = case_row(&out, "V1");
    assert!(close(v1.adjusted_score, 100.0));
    assert_eq!(
        (v1.grade.as_str(), v1.adjusted_grade.as_str()),
        ("unqualified", "unqualified")
    );
    assert!(!v1.sensitive);
}

#[tokio::test]
async fn without_overlap_nothing_is_adjusted() {
    // The default prior, and E3 alone on its cases: not estimable, severity 0.
    let out = Fixture::new()
        .case("C1", "civil", "L1", "2024-03-01")
        .review("C1-1", "C1", "E3", "24 10 17 2 2")
        .case("C2", "civil", "L1", "2024-03-01")
        .review("C2-1", "C2", "E3", "38 19 34 2 2")
        .run()
        .await;
    let sev = out.table("mart_reviewer_severity");
    assert_eq!(sev.f64s("severity"), [Some(0.0)]);
    assert_eq!(sev.bools("severity_estimable"), [Some(false)]);
    let stats = out.table("mart_reviewer_stats");
    assert_eq!(stats.bools("severity_estimable"), [Some(false)]);
    assert_eq!(
        stats.strs("severity_case_type"),
        [Some("civil".to_string())]
    );
    let r = case_row(&out, "C1");
    assert!(close(r.adjusted_score, 55.0));
    assert!(!r.sensitive);
}

async fn grades(fixture: Fixture) -> super::fixture::Table {
    let ctx = fixture.session();
    run_all_with_prior(&ctx, fixture.settings.severity_prior_reviews).await;
    run_only(&ctx, &["int_case_grades"])
        .await
        .table("int_case_grades")
}

#[tokio::test]
async fn a_severity_sensitive_case_does_not_count_unless_the_setting_is_off() {
    let held = grades(planted()).await;
    let b1 = held.row_of("case_id", "B1");
    assert_eq!(held.bools("counts")[b1], Some(false));
    assert_eq!(
        held.strs("hold_reason")[b1].as_deref(),
        Some("severity_sensitive")
    );
    let b2 = held.row_of("case_id", "B2");
    assert_eq!(held.bools("counts")[b2], Some(true));
    assert_eq!(held.strs("hold_reason")[b2], None);
    // A disputed case names that first.
    let a1 = held.row_of("case_id", "A1");
    assert_eq!(held.strs("hold_reason")[a1].as_deref(), Some("disputed"));

    let counted = grades(planted().settings(|s| s.hold_severity_sensitive = false)).await;
    let b1 = counted.row_of("case_id", "B1");
    assert_eq!(counted.bools("counts")[b1], Some(true));
    assert_eq!(counted.strs("hold_reason")[b1], None);
}

#[tokio::test]
async fn credit_reads_the_adjusted_score_only_when_asked() {
    let observed = grades(planted()).await;
    let b1 = observed.row_of("case_id", "B1");
    assert!(close(observed.f64s("score")[b1].unwrap(), 55.0));
    let adjusted = grades(planted().settings(|s| s.use_adjusted_scores = true)).await;
    let b1 = adjusted.row_of("case_id", "B1");
    assert!(close(adjusted.f64s("score")[b1].unwrap(), 65.0));
    // The fail band, and so N2's evidence, stays on the panel's grade.
    assert_eq!(adjusted.bools("is_fail")[b1], Some(true));
}

/// The panel report's worklist (`mart_report_sensitive_cases`): the
/// severity-sensitive cases only, each with the reviewers of its reviews
/// that have a total, `;`-joined in byte order whatever order the reviews
/// came in (`R10` before `R2`, `Z` before `a`).
#[tokio::test]
async fn the_sensitive_worklist_joins_each_cases_reviewers_in_byte_order() {
    use super::fixture::{batch, bool_col, f64_col, register, str_col};
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::DataType;
    let ctx = Fixture::new().session();
    let cases = ["S1", "S2", "N1"];
    register(
        &ctx,
        "mart_case_scores",
        batch(vec![
            str_col("case_id", cases.iter().map(|c| Some(*c)).collect()),
            str_col("case_type", vec![Some("civil"); 3]),
            str_col("lawyer_id", vec![Some("L1"); 3]),
            f64_col("score", vec![Some(55.0); 3]),
            str_col("grade_label", vec![Some("不合格"); 3]),
            f64_col("adjusted_score", vec![Some(65.0); 3]),
            str_col("adjusted_grade_label", vec![Some("合格"); 3]),
            bool_col("disputed", vec![false; 3]),
            bool_col("severity_sensitive", vec![true, true, false]),
        ]),
    );
    let reviews = [
        ("S1", "R2", Some(50.0)),
        ("S2", "X", Some(55.0)),
        ("S1", "a", Some(60.0)),
        ("N1", "R1", Some(55.0)),
        ("S1", "R10", Some(55.0)),
        ("S1", "Q", None),
        ("S1", "Z", Some(52.0)),
    ];
    register(
        &ctx,
        "int_review_totals",
        batch(vec![
            str_col("case_id", reviews.iter().map(|r| Some(r.0)).collect()),
            str_col("reviewer_id", reviews.iter().map(|r| Some(r.1)).collect()),
            f64_col("total", reviews.iter().map(|r| r.2).collect()),
        ]),
    );
    let out = run_only(&ctx, &["mart_report_sensitive_cases"]).await;
    let t = out.table("mart_report_sensitive_cases");
    assert_eq!(
        t.strs("case_id"),
        [Some("S1".to_string()), Some("S2".to_string())]
    );
    let ids = t.0.column_by_name("reviewer_ids").unwrap();
    let ids = datafusion::arrow::compute::cast(ids, &DataType::Utf8).unwrap();
    let ids: Vec<Option<&str>> = ids.as_string::<i32>().iter().collect();
    assert_eq!(ids, [Some("R10;R2;Z;a"), Some("X")]);
}
