//! "Due process (exact rules)" in credit-and-lists.md, one path per test:
//! evidence judged per rule, amendment, P5, the objection deadline, the
//! clock, undo and absent evidence.

use super::*;

/// L1 proposed on 2024-12-31 and listed on 2025-01-16 with these findings.
fn listed(findings: &[NegativeFinding]) -> H {
    let mut h = H::new();
    let l = with(lawyer("L1"), findings);
    h.run("2024-12-31", vec![l.clone()]);
    h.run("2025-01-16", vec![l]);
    assert_eq!(h.neg("L1").status, "listed");
    h
}

#[test]
fn an_entry_on_n1_and_n3_whose_complaint_falls_is_amended_to_n1_and_general() {
    let mut h = listed(&[firm("N1", &["C1"]), firm("N3", &["K1"])]);
    assert_eq!(h.neg("L1").severity, Some(Severity::Serious));
    assert_eq!(h.neg("L1").ends_on, Some(d("2028-01-16")));
    h.overturn("K1");
    let out = h.run(
        "2025-03-01",
        vec![with(lawyer("L1"), &[firm("N1", &["C1"])])],
    );
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "amended")]));
    let ev = &out.new_events[0];
    assert_eq!((ev.rules.as_str(), ev.evidence.as_str()), ("N1", "K1"));
    assert!(
        ev.reason.contains("N3") && ev.reason.contains("general"),
        "{}",
        ev.reason
    );
    let e = h.neg("L1");
    assert_eq!(e.status, "listed");
    assert_eq!(e.rules, "N1");
    assert_eq!(e.evidence, ["C1"]);
    assert_eq!(e.severity, Some(Severity::General));
    // From the original listing: 2025-01-16 + 365 days.
    assert_eq!(e.ends_on, Some(d("2026-01-16")));
    // Nothing more to do at the same inputs.
    let again = h.run(
        "2025-03-01",
        vec![with(lawyer("L1"), &[firm("N1", &["C1"])])],
    );
    assert!(again.new_events.is_empty());
}

#[test]
fn an_amended_entry_whose_new_end_has_passed_expires_in_the_same_run() {
    let mut h = listed(&[firm("N1", &["C1"]), firm("N3", &["K1"])]);
    h.overturn("K1");
    let out = h.run("2026-02-01", vec![lawyer("L1")]);
    assert_eq!(
        kinds(&out.new_events),
        pairs(&[("NEG-L1-1", "amended"), ("NEG-L1-1", "expired")])
    );
}

#[test]
fn n1_is_judged_by_the_veto_not_by_the_fail_band() {
    // C1 is no longer vetoed but is still graded unqualified: N1 falls.
    let mut h = listed(&[firm("N1", &["C1"])]);
    h.overturn("N1:C1");
    let out = h.run("2025-03-01", vec![lawyer("L1")]);
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "annulled")]));
    assert_eq!(out.new_events[0].evidence, "C1");
}

#[test]
fn n2_stands_while_two_of_its_cases_do_and_falls_below() {
    let mut h = listed(&[firm("N2", &["C1", "C2", "C3"])]);
    h.overturn("N2:C1");
    assert!(
        h.run("2025-03-01", vec![lawyer("L1")])
            .new_events
            .is_empty()
    );
    h.overturn("N2:C2");
    let out = h.run("2025-03-02", vec![lawyer("L1")]);
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "annulled")]));
    assert_eq!(out.new_events[0].evidence, "C1;C2");
}

#[test]
fn a_revoked_sanction_annuls_a_serious_n4_entry() {
    let mut l = with(lawyer("L1"), &[firm("N4", &["S1"])]);
    l.n4_sanction_end = Some(d("2029-06-30"));
    let mut h = H::new();
    h.run("2024-12-31", vec![l.clone()]);
    h.run("2025-01-16", vec![l]);
    assert_eq!(h.neg("L1").ends_on, Some(d("2029-06-30")));
    h.overturn("N4:S1");
    let out = h.run("2025-05-01", vec![lawyer("L1")]);
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "annulled")]));
    assert_eq!(h.neg("L1").removed_on, Some(d("2025-05-01")));
}

#[test]
fn a_proposed_entry_is_amended_too_and_keeps_its_notice() {
    let mut h = H::new();
    h.run(
        "2024-12-31",
        vec![with(
            lawyer("L1"),
            &[firm("N2", &["C1", "C2"]), firm("N3", &["K1"])],
        )],
    );
    h.overturn("K1");
    let l = with(lawyer("L1"), &[firm("N2", &["C1", "C2"])]);
    let out = h.run("2025-01-05", vec![l.clone()]);
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "amended")]));
    let e = h.neg("L1");
    assert_eq!(
        (
            e.status.as_str(),
            e.rules.as_str(),
            e.severity,
            e.proposed_on
        ),
        (
            "proposed",
            "N2",
            Some(Severity::General),
            Some(d("2024-12-31"))
        )
    );
    let out = h.run("2025-01-16", vec![l]);
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "listed")]));
}

#[test]
fn absent_evidence_never_annuls_and_is_reported() {
    let mut h = listed(&[firm("N1", &["C1"]), firm("N3", &["K1"])]);
    h.age_out("C1");
    let out = h.run("2025-03-01", vec![lawyer("L1")]);
    assert!(out.new_events.is_empty());
    assert_eq!(
        out.absent_evidence,
        vec![AbsentEvidence {
            entry_id: "NEG-L1-1".into(),
            lawyer_id: "L1".into(),
            rule: "N1".into(),
            evidence_id: "C1".into(),
        }]
    );
}

#[test]
fn a_listed_positive_entry_is_removed_for_p5_when_the_lawyer_is_listed_negative() {
    let mut h = H::new();
    h.run("2024-12-31", vec![positive("L1")]);
    h.run("2025-01-16", vec![positive("L1")]);
    assert_eq!(h.pos("L1").status, "listed");
    // Same period: a negative proposal alone does not remove it ...
    let l = with(positive("L1"), &[firm("N3", &["K1"])]);
    let out = h.run("2025-02-01", vec![l.clone()]);
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "proposed")]));
    // ... the negative listing does, in the same run.
    let out = h.run("2025-02-17", vec![l]);
    assert_eq!(
        kinds(&out.new_events),
        pairs(&[("NEG-L1-1", "listed"), ("POS-L1-1", "removed")])
    );
    assert!(
        out.new_events[1].reason.starts_with("P5"),
        "{}",
        out.new_events[1].reason
    );
    let both_listed = h
        .reg
        .entries()
        .unwrap()
        .iter()
        .filter(|e| e.status == EntryStatus::Listed)
        .count();
    assert_eq!(both_listed, 1);
}

#[test]
fn objections_are_lodged_up_to_the_deadline_and_a_run_on_it_does_not_list() {
    let object = |h: &mut H, on: &str| {
        h.reg.object(
            "L1",
            ListKind::Negative,
            Objection::Lodged,
            "律师",
            "异议",
            d(on),
            &ListSettings::default(),
        )
    };
    let l = || vec![with(lawyer("L1"), &[firm("N1", &["C1"])])];
    // Deadline: 2024-12-31 + 15 days = 2025-01-15.
    for (on, accepted) in [
        ("2025-01-14", true),
        ("2025-01-15", true),
        ("2025-01-16", false),
    ] {
        let mut h = H::new();
        h.run("2024-12-31", l());
        let r = object(&mut h, on);
        assert_eq!(r.is_ok(), accepted, "{on}: {r:?}");
        if let Err(e) = r {
            assert!(
                e.to_string()
                    .contains("deadline for NEG-L1-1 was 2025-01-15"),
                "{e}"
            );
        }
    }
    let mut h = H::new();
    h.run("2024-12-31", l());
    assert!(h.run("2025-01-15", l()).new_events.is_empty());
    assert_eq!(h.neg("L1").status, "proposed");
    assert_eq!(
        kinds(&h.run("2025-01-16", l()).new_events),
        pairs(&[("NEG-L1-1", "listed")])
    );
}

#[test]
fn dates_later_than_today_are_refused_but_a_dry_run_may_look_ahead() {
    let mut h = H::new();
    h.reg.set_today(d("2025-01-10"));
    let e = h
        .try_run("2025-01-11", vec![lawyer("L1")], false)
        .unwrap_err();
    assert!(
        e.to_string().contains("2025-01-11") && e.to_string().contains("2025-01-10"),
        "{e}"
    );
    assert_eq!(h.count(), 0);
    assert!(h.try_run("2052-01-11", vec![lawyer("L1")], true).is_ok());
    h.run(
        "2025-01-10",
        vec![with(lawyer("L1"), &[firm("N1", &["C1"])])],
    );
    let e = h.reg.note("L1", "李", "x", d("2025-01-11")).unwrap_err();
    assert!(matches!(e, RegisterError::FutureDate { .. }), "{e}");
}

#[test]
fn undo_voids_a_future_dated_run_and_the_next_run_goes_on() {
    let mut h = H::new();
    let l = || vec![with(lawyer("L1"), &[firm("N1", &["C1"])])];
    h.run("2024-12-31", l());
    // A run dated 2052 by mistake (the clock check came later, or the clock
    // was wrong): it lists the entry and locks the register.
    h.run("2052-01-01", l());
    assert_eq!(h.neg("L1").status, "listed");
    assert!(matches!(
        h.try_run("2025-01-20", l(), false).unwrap_err(),
        RegisterError::AsOfBeforeLastEvent { .. }
    ));
    h.reg.set_today(d("2025-01-20"));
    let (undo, voided) = h.reg.undo("王科长", "as-of typed as 2052").unwrap();
    assert_eq!(undo.kind, "voided");
    assert_eq!(undo.date, d("2025-01-20"));
    assert_eq!(undo.run_id.as_deref(), Some("run-2052-01-01"));
    assert_eq!(kinds(&voided), pairs(&[("NEG-L1-1", "listed")]));
    assert_eq!(h.neg("L1").status, "proposed");
    let out = h.run("2025-01-20", l());
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "listed")]));
    assert_eq!(h.neg("L1").listed_on, Some(d("2025-01-20")));
    // History keeps the voided event, struck through, with the undo's words.
    let (entries, events) = h.reg.history("L1").unwrap();
    let text = report::history(
        "L1",
        &entries,
        &events,
        &rules::RuleValues::of(&Default::default()),
    );
    assert!(
        text.contains("voided by #") && text.contains("as-of typed as 2052"),
        "{text}"
    );
    assert!(text.contains('\u{0336}'), "{text}");
    // Undo goes further back one run or action at a time, then refuses.
    h.reg.undo("王科长", "again").unwrap();
    h.reg.undo("王科长", "again").unwrap();
    assert!(matches!(
        h.reg.undo("王科长", "again").unwrap_err(),
        RegisterError::NothingToUndo
    ));
    assert!(h.reg.entries().unwrap().is_empty());
}

#[test]
fn undo_of_a_manual_action_voids_that_one_event() {
    let mut h = listed(&[firm("N1", &["C1"])]);
    h.reg
        .annul("L1", ListKind::Negative, "王", "mistake", d("2025-02-01"))
        .unwrap();
    assert_eq!(h.neg("L1").status, "annulled");
    let (_, voided) = h.reg.undo("王", "annulled the wrong lawyer").unwrap();
    assert_eq!(kinds(&voided), pairs(&[("NEG-L1-1", "annulled")]));
    assert_eq!(h.neg("L1").status, "listed");
}

#[test]
fn rule_texts_quote_the_settings_in_force() {
    let defaults = crate::config::Settings::default();
    let text = |s: &crate::config::Settings, code: &str| {
        rule(code).unwrap().text(&rules::RuleValues::of(s))
    };
    // At the defaults, the wording of the specification.
    assert_eq!(
        text(&defaults, "P1").0,
        "评查期内至少有3件受评查案件，且执业满3年"
    );
    assert_eq!(
        text(&defaults, "P2").0,
        "评查期内案件平均分不低于90分，且没有案件低于合格"
    );
    assert_eq!(
        text(&defaults, "P4").0,
        "有3条以上有效回访时，满意率不低于90%"
    );
    assert!(text(&defaults, "N4").0.contains("公开谴责或更重"));
    assert!(
        text(&defaults, "N4")
            .1
            .contains("public censure or heavier")
    );
    // Changed settings reach every rule that quotes them.
    let mut s = defaults.clone();
    s.lists.positive_min_mean = 92.5;
    s.lists.positive_min_cases = 5;
    s.lists.positive_min_years = 4;
    s.lists.positive_min_satisfaction = 0.85;
    s.lists.heavy_sanction_points = 40.0;
    assert_eq!(text(&s, "P1").0, "评查期内至少有5件受评查案件，且执业满4年");
    assert!(text(&s, "P2").0.contains("不低于92.5分"));
    assert!(text(&s, "P2").1.contains("at least 92.5"));
    assert!(text(&s, "P4").0.contains("不低于85%"));
    assert!(text(&s, "P4").1.contains("at least 0.85"));
    assert!(
        text(&s, "N4").0.contains("中止会员权利或更重"),
        "{}",
        text(&s, "N4").0
    );
    // No placeholder is left unfilled in any rule.
    for r in LIST_RULES {
        let (zh, en) = r.text(&rules::RuleValues::of(&s));
        assert!(
            !zh.contains('{') && !en.contains('{'),
            "{}: {zh} / {en}",
            r.code
        );
    }
}
