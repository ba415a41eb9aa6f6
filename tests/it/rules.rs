//! Each list rule's SQL on a tiny fixture, one test per rule code (issue 11):
//! a lawyer `LP` who meets every positive rule and no negative one, and for
//! each code the smallest change to the inputs that makes that rule (and
//! only it) decide the outcome. Deleting a rule's branch in
//! `sql/int_negative_rules.sql` or its column in `sql/int_positive_rules.sql`
//! turns its test red; the registry (`register::rules::LIST_RULES`) names
//! the same places.

use std::collections::BTreeMap;

use crate::fixture::*;
use legalaid::rubric::CaseType;

const LP: &str = "LP";
const CASES: [&str; 3] = ["CP1", "CP2", "CP3"];

/// [`Fixture::valid`] plus `LP`: a full-time lawyer licensed in 2015 with
/// three civil cases closed in 2024, each reviewed once at 95 % of every
/// item (each totals 100, excellent) and each with a satisfied
/// feedback row; no complaint, no sanction.
fn with_positive_lawyer() -> Fixture {
    let mut f = Fixture::valid();
    f.sheet("lawyers").push(&[
        LP,
        "测试正",
        "F",
        "四川示例律师事务所",
        "",
        "锦江区",
        "2015-01-01",
        "full_time",
        "",
        "active",
    ]);
    for (i, case) in CASES.iter().enumerate() {
        f.sheet("cases").push(&[
            case,
            "civil",
            "family",
            LP,
            "锦江区法律援助中心",
            "锦江区",
            "2024-02-01",
            &format!("2024-0{}-01", i + 4),
            &format!("2024-0{}-10", i + 4),
            "虚构正",
            "",
            "",
            "false",
            "false",
            "mediated",
        ]);
        push_review(
            f.sheet("reviews"),
            &format!("VP{i}"),
            case,
            "R01",
            CaseType::Civil,
            0.95,
        );
        f.sheet("feedback")
            .push(&[case, &format!("2024-0{}-15", i + 4), "satisfied"]);
    }
    f
}

/// Runs the fixture once and returns `LP`'s entries by list
/// (`negative`/`positive`) as `(status, rules)`.
fn lp_entries(f: &Fixture) -> BTreeMap<String, (String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    f.write(d);
    let o = legalaid(&["run", "pipeline.toml", "--as-of", "2024-12-31"], d);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    read_rejects(&d.join("out/data/list_status.csv"))
        .into_iter()
        .filter(|r| r["lawyer_id"] == LP)
        .map(|r| (r["list"].clone(), (r["status"].clone(), r["rules"].clone())))
        .collect()
}

fn proposed(rules: &str) -> Option<(String, String)> {
    Some(("proposed".to_string(), rules.to_string()))
}

/// The baseline every other test changes: `LP` is proposed for the
/// positive list on all five rules and for no negative entry.
#[test]
fn baseline_lawyer_meets_every_positive_rule() {
    let e = lp_entries(&with_positive_lawyer());
    assert_eq!(e.get("positive").cloned(), proposed("P1;P2;P3;P4;P5"));
    assert_eq!(e.get("negative"), None);
}

/// Asserts `LP` is on no positive entry and, when `negative` is given, on
/// a proposed negative entry resting on exactly those rules.
fn assert_outcome(f: &Fixture, negative: Option<&str>, why: &str) {
    let e = lp_entries(f);
    assert_eq!(e.get("positive"), None, "{why}: still positive");
    assert_eq!(
        e.get("negative").cloned(),
        negative.and_then(proposed),
        "{why}"
    );
}

#[test]
fn p1_needs_the_years_of_practice_and_the_reviewed_cases() {
    let mut f = with_positive_lawyer();
    let row = f.sheet("lawyers").rows.len() - 1;
    f.sheet("lawyers").set(row, "licensed_on", "2023-01-01");
    assert_outcome(&f, None, "P1: under three years of practice");

    // Two reviewed cases of three: the third is closed but not reviewed.
    let mut f = with_positive_lawyer();
    let reviews = f.sheet("reviews");
    let rc = reviews.col("review_id");
    reviews.rows.retain(|r| r[rc] != "VP2");
    assert_outcome(&f, None, "P1: two reviewed cases");
}

/// `LP`'s third case re-reviewed at `fraction` of every item.
fn third_case_at(fraction: f64) -> Fixture {
    let mut f = with_positive_lawyer();
    let reviews = f.sheet("reviews");
    let rc = reviews.col("review_id");
    reviews.rows.retain(|r| r[rc] != "VP2");
    push_review(reviews, "VP2", "CP3", "R01", CaseType::Civil, fraction);
    f
}

#[test]
fn p2_needs_the_mean_score_and_no_case_below_qualified() {
    // 100, 100 and 66: every case qualified or better, the mean 88.7 < 90.
    assert_outcome(&third_case_at(0.6), None, "P2: mean below 90");
    // 100, 100 and 50 with a threshold of 80: the mean 83.3 passes, the
    // unqualified case does not.
    let mut f = third_case_at(0.45);
    f.pipeline_extra = "[lists]\npositive_min_mean = 80\n".into();
    assert_outcome(&f, None, "P2: a case below qualified");
    let mut f = third_case_at(0.6);
    f.pipeline_extra = "[lists]\npositive_min_mean = 80\n".into();
    let e = lp_entries(&f);
    assert_eq!(e.get("positive").cloned(), proposed("P1;P2;P3;P4;P5"));
}

#[test]
fn p3_needs_no_substantiated_complaint() {
    // Attitude is not prohibited conduct: P3 fails, N3 does not fire.
    let mut f = with_positive_lawyer();
    f.sheet("complaints").push(&[
        "KP1",
        LP,
        "CP1",
        "2024-09-01",
        "attitude",
        "substantiated",
        "2024-10-01",
    ]);
    assert_outcome(&f, None, "P3: a substantiated complaint");
}

#[test]
fn p4_needs_the_satisfaction_rate() {
    let mut f = with_positive_lawyer();
    let feedback = f.sheet("feedback");
    let (cc, sc) = (feedback.col("case_id"), feedback.col("satisfaction"));
    for r in feedback.rows.iter_mut().filter(|r| r[cc] != "CP1") {
        r[sc] = "dissatisfied".into();
    }
    assert_outcome(&f, None, "P4: one satisfied of three");
}

#[test]
fn p5_needs_an_active_status() {
    let mut f = with_positive_lawyer();
    let row = f.sheet("lawyers").rows.len() - 1;
    f.sheet("lawyers").set(row, "status", "suspended");
    assert_outcome(&f, None, "P5: not active");
}

#[test]
fn n1_a_case_graded_unqualified_by_a_veto_item() {
    let mut f = with_positive_lawyer();
    let veto = rubric(CaseType::Civil)
        .items
        .iter()
        .find(|i| i.veto)
        .expect("the civil rubric has a veto item")
        .code
        .clone();
    set_item_points(f.sheet("reviews"), "VP0", &veto, "0");
    assert_outcome(&f, Some("N1"), "N1: a veto item at 0");
}

#[test]
fn n2_two_cases_graded_unqualified() {
    // One unqualified case (no veto) is not enough; two are.
    let low = |f: &mut Fixture, review: &str, case: &str| {
        let reviews = f.sheet("reviews");
        let rc = reviews.col("review_id");
        reviews.rows.retain(|r| r[rc] != review);
        push_review(reviews, review, case, "R01", CaseType::Civil, 0.3);
    };
    let mut f = with_positive_lawyer();
    low(&mut f, "VP0", "CP1");
    assert_outcome(&f, None, "N2: one unqualified case");
    low(&mut f, "VP1", "CP2");
    assert_outcome(&f, Some("N2"), "N2: two unqualified cases");
}

#[test]
fn n3_a_substantiated_prohibited_conduct_complaint() {
    let mut f = with_positive_lawyer();
    push_took_money(&mut f, "KP1", LP, "CP1");
    assert_outcome(&f, Some("N3"), "N3: took money");
}

#[test]
fn n4_a_heavy_sanction_in_the_window_but_not_a_light_one() {
    let sanction = |kind: &str, ends_on: &str| {
        let mut f = with_positive_lawyer();
        f.sheet("sanctions").push(&[
            "SP1",
            LP,
            kind,
            "bar_association",
            "2024-03-01",
            ends_on,
            "虚构处分",
        ]);
        f
    };
    // A warning that ended: P3 fails (a sanction in the window), no N4.
    assert_outcome(&sanction("warning", ""), None, "N4: a warning");
    assert_outcome(
        &sanction("public_censure", ""),
        Some("N4"),
        "N4: public censure",
    );
}

/// A rule added to the registry without its test here fails this one.
#[test]
fn every_registered_rule_has_its_test_here() {
    let source = include_str!("rules.rs");
    for rule in legalaid::register::rules::LIST_RULES {
        let prefix = format!("fn {}_", rule.code.to_lowercase());
        assert!(
            source.contains(&prefix),
            "no test `{prefix}…` for {}",
            rule.code
        );
    }
}
