//! The negative list's run transitions, one behaviour per test.

use super::*;

#[test]
fn proposal_then_notice_then_listing() {
    let mut h = H::new();
    let out = h.run(
        "2024-12-31",
        vec![with(lawyer("L1"), &[firm("N1", &["C1"])])],
    );
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "proposed")]));
    let ev = &out.new_events[0];
    assert_eq!(ev.actor, "pipeline");
    assert_eq!(ev.run_id.as_deref(), Some("run-2024-12-31"));
    assert_eq!(ev.date, d("2024-12-31"));
    assert_eq!((ev.rules.as_str(), ev.evidence.as_str()), ("N1", "C1"));
    assert!(
        ev.reason.contains("notice until 2025-01-15"),
        "{}",
        ev.reason
    );
    assert_eq!(out.newly_proposed.len(), 1);
    let e = &out.newly_proposed[0];
    assert_eq!(e.status, "proposed");
    assert_eq!(e.severity, Some(Severity::General));
    assert_eq!(e.proposed_on, Some(d("2024-12-31")));
    assert_eq!(e.listed_on, None);
    assert!(e.is_open());

    // Inside the notice window nothing happens.
    let out = h.run(
        "2025-01-14",
        vec![with(lawyer("L1"), &[firm("N1", &["C1"])])],
    );
    assert!(out.new_events.is_empty());
    assert_eq!(h.neg("L1").status, "proposed");

    // On the deadline it is listed, with the rules that hold then.
    let out = h.run(
        "2025-01-16",
        vec![with(
            lawyer("L1"),
            &[firm("N1", &["C1"]), firm("N2", &["C1", "C2"])],
        )],
    );
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "listed")]));
    assert!(out.newly_proposed.is_empty());
    let e = h.neg("L1");
    assert_eq!(e.status, "listed");
    assert_eq!(e.rules, "N1;N2");
    assert_eq!(e.evidence, ["C1", "C2"]);
    assert_eq!(e.listed_on, Some(d("2025-01-16")));
    assert_eq!(e.ends_on, Some(d("2026-01-16")));
    assert_eq!(e.severity, Some(Severity::General));
}

#[test]
fn serious_entry_ends_at_the_later_of_three_years_and_the_sanction() {
    let mut h = H::new();
    let mut l = with(lawyer("L1"), &[firm("N4", &["S1"])]);
    l.n4_sanction_end = Some(d("2029-06-30"));
    h.run("2024-12-31", vec![l.clone()]);
    h.run("2025-01-16", vec![l.clone()]);
    let e = h.neg("L1");
    assert_eq!(e.severity, Some(Severity::Serious));
    assert_eq!(e.ends_on, Some(d("2029-06-30")));

    let mut h = H::new();
    l.n4_sanction_end = Some(d("2025-06-30"));
    h.run("2024-12-31", vec![l.clone()]);
    h.run("2025-01-16", vec![l]);
    // 2025-01-16 + 1,095 days.
    assert_eq!(h.neg("L1").ends_on, Some(d("2028-01-16")));
}

#[test]
fn held_entry_then_proposed_when_its_rules_become_firm() {
    let mut h = H::new();
    let out = h.run(
        "2024-12-31",
        vec![with(lawyer("L1"), &[held("N2", &["C1", "C2"])])],
    );
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "held")]));
    assert!(out.newly_proposed.is_empty(), "a held entry gets no notice");
    let e = h.neg("L1");
    assert_eq!(e.status, "held");
    assert_eq!(
        (e.severity, e.proposed_on, e.rules.as_str()),
        (None, None, "N2")
    );

    // Still held: nothing to do, and never listed.
    let out = h.run(
        "2025-02-01",
        vec![with(lawyer("L1"), &[held("N2", &["C1", "C2"])])],
    );
    assert!(out.new_events.is_empty());

    let out = h.run(
        "2025-03-01",
        vec![with(lawyer("L1"), &[firm("N2", &["C1", "C2"])])],
    );
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "proposed")]));
    assert_eq!(out.newly_proposed[0].entry_id, "NEG-L1-1");
    let e = h.neg("L1");
    assert_eq!(e.status, "proposed");
    assert_eq!(
        e.proposed_on,
        Some(d("2025-03-01")),
        "the notice starts now"
    );
    // The deadline (2025-03-16) is the last day to object: listed after it.
    h.run(
        "2025-03-16",
        vec![with(lawyer("L1"), &[firm("N2", &["C1", "C2"])])],
    );
    assert_eq!(h.neg("L1").status, "proposed");
    h.run(
        "2025-03-17",
        vec![with(lawyer("L1"), &[firm("N2", &["C1", "C2"])])],
    );
    assert_eq!(h.neg("L1").status, "listed");
}

/// The held event says why its cases do not count: a case whose grade
/// depends on the reviewers drawn is named as such.
#[test]
fn a_held_entry_says_why_its_cases_do_not_count() {
    let mut h = H::new();
    let mut sensitive = held("N2", &["C1", "C2"]);
    sensitive.held_because = vec![HoldReason::SeveritySensitive];
    let mut disputed = held("N1", &["C3"]);
    disputed.held_because = vec![HoldReason::Disputed];
    let out = h.run(
        "2024-12-31",
        vec![
            with(lawyer("L1"), &[sensitive]),
            with(lawyer("L2"), &[disputed]),
        ],
    );
    let reason = |id: &str| {
        out.new_events
            .iter()
            .find(|e| e.entry_id.as_deref() == Some(id))
            .map(|e| e.reason.clone())
            .unwrap()
    };
    let l1 = reason("NEG-L1-1");
    assert!(l1.contains(HoldReason::SeveritySensitive.en()), "{l1}");
    assert!(!l1.contains(HoldReason::Disputed.en()), "{l1}");
    let l2 = reason("NEG-L2-1");
    assert!(l2.contains("(disputed)"), "{l2}");
}

#[test]
fn proposed_entry_whose_rules_become_held_goes_back_to_held() {
    let mut h = H::new();
    h.run(
        "2024-12-31",
        vec![with(lawyer("L1"), &[firm("N1", &["C1"])])],
    );
    let out = h.run(
        "2025-01-20",
        vec![with(lawyer("L1"), &[held("N1", &["C1"])])],
    );
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "held")]));
    let e = h.neg("L1");
    assert_eq!((e.status.as_str(), e.proposed_on), ("held", None));
}

#[test]
fn proposed_or_held_entry_is_withdrawn_when_its_rules_lapse() {
    let mut h = H::new();
    h.run(
        "2024-12-31",
        vec![
            with(lawyer("L1"), &[firm("N1", &["C1"])]),
            with(lawyer("L2"), &[held("N1", &["C9"])]),
        ],
    );
    h.age_out("C1");
    let out = h.run("2025-01-10", vec![lawyer("L1"), lawyer("L2")]);
    assert_eq!(
        kinds(&out.new_events),
        pairs(&[("NEG-L1-1", "withdrawn"), ("NEG-L2-1", "withdrawn")])
    );
    assert!(
        out.new_events
            .iter()
            .all(|e| e.reason == "rules no longer hold")
    );
    assert!(out.new_events.iter().all(|e| e.actor == "pipeline"));
    let e = h.neg("L1");
    assert_eq!(
        (e.status.as_str(), e.removed_on),
        ("withdrawn", Some(d("2025-01-10")))
    );
    assert!(!e.is_open());
}

#[test]
fn proposed_entry_is_withdrawn_when_only_other_rules_hold_and_the_new_rule_gets_its_own_notice() {
    let mut h = H::new();
    h.run(
        "2024-12-31",
        vec![with(lawyer("L1"), &[firm("N1", &["C1"])])],
    );
    let out = h.run(
        "2025-01-10",
        vec![with(lawyer("L1"), &[firm("N3", &["K1"])])],
    );
    assert_eq!(
        kinds(&out.new_events),
        pairs(&[("NEG-L1-1", "withdrawn"), ("NEG-L1-2", "proposed")])
    );
    assert_eq!(out.newly_proposed[0].proposed_on, Some(d("2025-01-10")));
    assert_eq!(out.newly_proposed[0].severity, Some(Severity::Serious));
}

#[test]
fn overturned_evidence_annuls_a_proposed_entry() {
    let mut h = H::new();
    h.run(
        "2024-12-31",
        vec![with(lawyer("L1"), &[firm("N3", &["K1"])])],
    );
    h.overturn("K1");
    let out = h.run("2025-01-10", vec![lawyer("L1")]);
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "annulled")]));
    assert_eq!(out.new_events[0].evidence, "K1");
    assert_eq!(h.neg("L1").status, "annulled");
}

#[test]
fn listed_entry_is_annulled_when_evidence_is_overturned_but_kept_when_it_ages_out() {
    let mut h = H::new();
    let l = with(lawyer("L1"), &[firm("N3", &["K1"])]);
    h.run("2024-12-31", vec![l.clone()]);
    h.run("2025-01-16", vec![l]);
    assert_eq!(h.neg("L1").status, "listed");

    // The complaint leaves the lookback window: the entry runs its course.
    h.age_out("K1");
    let out = h.run("2025-06-01", vec![lawyer("L1")]);
    assert!(out.new_events.is_empty());
    let e = h.neg("L1");
    assert_eq!(
        (e.status.as_str(), e.ends_on),
        ("listed", Some(d("2028-01-16")))
    );

    // The complaint is found unsubstantiated after all: annulled.
    h.overturn("K1");
    let out = h.run("2025-07-01", vec![lawyer("L1")]);
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "annulled")]));
    assert!(out.new_events[0].reason.contains("K1"));
    let e = h.neg("L1");
    assert_eq!(
        (e.status.as_str(), e.removed_on),
        ("annulled", Some(d("2025-07-01")))
    );
}

#[test]
fn listed_entry_whose_rules_still_hold_is_not_annulled() {
    let mut h = H::new();
    let l = with(lawyer("L1"), &[firm("N2", &["C1", "C2", "C3"])]);
    h.run("2024-12-31", vec![l.clone()]);
    h.run("2025-01-16", vec![l]);
    h.overturn("C1");
    let out = h.run(
        "2025-02-01",
        vec![with(lawyer("L1"), &[firm("N2", &["C2", "C3"])])],
    );
    assert!(out.new_events.is_empty());
    assert_eq!(h.neg("L1").status, "listed");
}

#[test]
fn expiry_on_the_first_run_after_ends_on() {
    let mut h = H::new();
    let l = with(lawyer("L1"), &[firm("N1", &["C1"])]);
    h.run("2024-12-31", vec![l.clone()]);
    h.run("2025-01-16", vec![l.clone()]);
    let out = h.run("2026-01-16", vec![l.clone()]);
    assert!(out.new_events.is_empty(), "in force through ends_on");
    let out = h.run("2026-03-01", vec![l]);
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "expired")]));
    assert!(out.new_events[0].reason.contains("2026-01-16"));
    let e = h.neg("L1");
    assert_eq!(
        (e.status.as_str(), e.removed_on),
        ("expired", Some(d("2026-03-01")))
    );
}

#[test]
fn expiry_also_for_a_lawyer_missing_from_the_run() {
    let mut h = H::new();
    let l = with(lawyer("L1"), &[firm("N1", &["C1"])]);
    h.run("2024-12-31", vec![l.clone()]);
    h.run("2025-01-16", vec![l]);
    let out = h.run("2025-06-01", vec![lawyer("L2")]);
    assert!(
        out.new_events.is_empty(),
        "nothing but time acts on absent lawyers"
    );
    let out = h.run("2026-02-01", vec![lawyer("L2")]);
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "expired")]));
}

#[test]
fn new_evidence_after_expiry_makes_a_new_entry_but_old_evidence_does_not() {
    let mut h = H::new();
    let l = with(lawyer("L1"), &[firm("N1", &["C1"])]);
    h.run("2024-12-31", vec![l.clone()]);
    h.run("2025-01-16", vec![l]);
    let out = h.run(
        "2026-02-01",
        vec![with(
            lawyer("L1"),
            &[firm("N1", &["C1"]), firm("N2", &["C5", "C6"])],
        )],
    );
    assert_eq!(
        kinds(&out.new_events),
        pairs(&[("NEG-L1-1", "expired"), ("NEG-L1-2", "proposed")])
    );
    let e = h.neg("L1");
    assert_eq!(
        (e.rules.as_str(), e.evidence.clone()),
        ("N2", vec!["C5".to_string(), "C6".into()])
    );
}

#[test]
fn extension_on_new_evidence_keeps_a_general_end() {
    let mut h = H::new();
    let l = with(lawyer("L1"), &[firm("N1", &["C1"])]);
    h.run("2024-12-31", vec![l.clone()]);
    h.run("2025-01-16", vec![l]);
    let out = h.run(
        "2025-03-01",
        vec![with(
            lawyer("L1"),
            &[firm("N1", &["C1"]), firm("N2", &["C1", "C4"])],
        )],
    );
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "extended")]));
    assert_eq!(out.new_events[0].evidence, "C4", "only the new evidence");
    let e = h.neg("L1");
    assert_eq!(e.rules, "N1;N2");
    assert_eq!(e.evidence, ["C1", "C4"]);
    assert_eq!(e.ends_on, Some(d("2026-01-16")));
    assert_eq!(e.severity, Some(Severity::General));
}

#[test]
fn extension_to_serious_recomputes_ends_on_from_the_original_listing() {
    let mut h = H::new();
    let l = with(lawyer("L1"), &[firm("N1", &["C1"])]);
    h.run("2024-12-31", vec![l.clone()]);
    h.run("2025-01-16", vec![l]);
    let mut l = with(lawyer("L1"), &[firm("N1", &["C1"]), firm("N3", &["K7"])]);
    let out = h.run("2025-05-01", vec![l.clone()]);
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "extended")]));
    assert!(out.new_events[0].reason.contains("severity now serious"));
    let e = h.neg("L1");
    assert_eq!(e.severity, Some(Severity::Serious));
    assert_eq!(e.listed_on, Some(d("2025-01-16")));
    assert_eq!(e.ends_on, Some(d("2028-01-16")));

    // A later sanction in force pushes a serious end out.
    l.negative.push(firm("N4", &["S3"]));
    l.n4_sanction_end = Some(d("2029-01-01"));
    let out = h.run("2025-06-01", vec![l.clone()]);
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "extended")]));
    let e = h.neg("L1");
    assert_eq!(
        (e.rules.as_str(), e.ends_on),
        ("N1;N3;N4", Some(d("2029-01-01")))
    );

    // Same evidence again: nothing.
    assert!(h.run("2025-07-01", vec![l]).new_events.is_empty());
}

#[test]
fn no_double_jeopardy_after_an_upheld_objection() {
    let mut h = H::new();
    h.run(
        "2024-12-31",
        vec![with(lawyer("L1"), &[firm("N2", &["C1", "C2"])])],
    );
    h.reg
        .object(
            "L1",
            ListKind::Negative,
            Objection::Lodged,
            "王审查",
            "材料有误",
            d("2025-01-05"),
            &crate::config::ListSettings::default(),
        )
        .unwrap();
    h.reg
        .object(
            "L1",
            ListKind::Negative,
            Objection::Upheld,
            "王审查",
            "复核成立",
            d("2025-01-08"),
            &crate::config::ListSettings::default(),
        )
        .unwrap();
    // The same evidence never supports a new proposal.
    let out = h.run(
        "2025-01-20",
        vec![with(lawyer("L1"), &[firm("N2", &["C1", "C2"])])],
    );
    assert!(out.new_events.is_empty());
    // Rules are evaluated on the evidence outside the barred set: one new
    // unqualified case beside C1 and C2 is not two, and N1 on C2 is gone.
    let out = h.run(
        "2025-02-01",
        vec![with(
            lawyer("L1"),
            &[firm("N1", &["C2"]), firm("N2", &["C1", "C2", "C7"])],
        )],
    );
    assert!(out.new_events.is_empty(), "{:?}", kinds(&out.new_events));
    // Two new ones make a new entry resting on them alone, with its notice.
    let out = h.run(
        "2025-02-02",
        vec![with(lawyer("L1"), &[firm("N2", &["C1", "C2", "C7", "C8"])])],
    );
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-2", "proposed")]));
    assert_eq!(
        (
            out.new_events[0].rules.as_str(),
            out.new_events[0].evidence.as_str()
        ),
        ("N2", "C7;C8")
    );
}

#[test]
fn held_findings_beside_firm_ones_do_not_enter_a_proposal() {
    let mut h = H::new();
    let out = h.run(
        "2024-12-31",
        vec![with(
            lawyer("L1"),
            &[held("N1", &["C1"]), firm("N3", &["K1"])],
        )],
    );
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "proposed")]));
    let e = h.neg("L1");
    assert_eq!(
        (e.rules.as_str(), e.evidence.clone()),
        ("N3", vec!["K1".to_string()])
    );
}

#[test]
fn bad_input_is_refused_before_anything_is_written() {
    let mut h = H::new();
    let before = h.bytes();
    let e = h
        .try_run("2024-12-31", vec![lawyer("L1"), lawyer("L1")], false)
        .unwrap_err();
    assert!(e.to_string().contains("L1 appears twice"), "{e}");
    let e = h
        .try_run(
            "2024-12-31",
            vec![with(lawyer("L1"), &[held("N3", &["K1"])])],
            false,
        )
        .unwrap_err();
    assert!(e.to_string().contains("rule N3 cannot be held"), "{e}");
    let e = h
        .try_run(
            "2024-12-31",
            vec![with(lawyer("L1"), &[firm("P1", &["C1"])])],
            false,
        )
        .unwrap_err();
    assert!(e.to_string().contains("not a negative rule"), "{e}");
    assert_eq!(h.bytes(), before);
}

#[test]
fn with_no_notice_period_a_proposal_is_listed_at_the_next_run() {
    let mut h = H::new();
    h.settings.notice_days = 0;
    let l = vec![with(lawyer("L1"), &[firm("N1", &["C1"])])];
    let out = h.run("2024-12-31", l.clone());
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "proposed")]));
    assert!(h.run("2024-12-31", l.clone()).new_events.is_empty());
    let out = h.run("2025-01-01", l);
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "listed")]));
}
