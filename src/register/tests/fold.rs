//! The state as the fold of the log: as of any date, and a log with an
//! impossible transition is reported, not folded.

use super::*;

#[test]
fn entries_as_of_any_date_fold_the_events_up_to_it() {
    let mut h = H::new();
    let l = with(lawyer("L1"), &[firm("N1", &["C1"])]);
    h.run("2024-12-31", vec![l.clone()]);
    h.run("2025-01-16", vec![l.clone()]);
    h.run("2026-02-01", vec![l]);

    let status_on = |date: &str| -> Vec<String> {
        h.reg
            .entries_as_of(d(date))
            .unwrap()
            .into_iter()
            .map(|e| e.status.to_string())
            .collect()
    };
    assert!(status_on("2024-12-30").is_empty());
    assert_eq!(status_on("2024-12-31"), ["proposed"]);
    assert_eq!(status_on("2025-06-01"), ["listed"]);
    assert_eq!(status_on("2026-02-01"), ["expired"]);
    assert_eq!(
        h.reg.entries().unwrap(),
        h.reg.entries_as_of(d("2099-01-01")).unwrap()
    );
    assert_eq!(h.reg.last_event_date().unwrap(), Some(d("2026-02-01")));
}

#[test]
fn fold_refuses_a_transition_that_does_not_fit() {
    let listed = Event {
        event_id: 1,
        entry_id: Some("NEG-L1-1".into()),
        lawyer_id: "L1".into(),
        list: Some(ListKind::Negative),
        kind: "listed".into(),
        date: d("2025-01-01"),
        run_id: None,
        actor: "pipeline".into(),
        reason: String::new(),
        rules: "N1".into(),
        evidence: "C1".into(),
        severity: Some(Severity::General),
        ends_on: Some(d("2026-01-01")),
        period_end: None,
        ..Event::default()
    };
    let (id, message) = State::fold(&[listed]).unwrap_err();
    assert_eq!(id, 1);
    assert!(message.contains("unknown entry"), "{message}");
}

#[test]
fn entries_sort_by_lawyer_then_list_then_age() {
    let mut h = H::new();
    h.run(
        "2024-12-31",
        vec![
            with(positive("L2"), &[]),
            with(lawyer("L1"), &[firm("N1", &["C1"])]),
            positive("L0"),
        ],
    );
    h.reg
        .object(
            "L1",
            ListKind::Negative,
            Objection::Lodged,
            "a",
            "b",
            d("2024-12-31"),
            &crate::config::ListSettings::default(),
        )
        .unwrap();
    h.reg
        .object(
            "L1",
            ListKind::Negative,
            Objection::Upheld,
            "a",
            "b",
            d("2024-12-31"),
            &crate::config::ListSettings::default(),
        )
        .unwrap();
    h.run(
        "2025-01-05",
        vec![with(lawyer("L1"), &[firm("N3", &["K1"])])],
    );
    let ids: Vec<String> = h
        .reg
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.entry_id)
        .collect();
    assert_eq!(ids, ["POS-L0-1", "NEG-L1-1", "NEG-L1-2", "POS-L2-1"]);
}

#[test]
fn history_prints_entries_events_and_rule_texts() {
    let mut h = H::new();
    h.run(
        "2024-12-31",
        vec![with(lawyer("L1"), &[firm("N3", &["K1"])])],
    );
    h.reg
        .note("L1", "李", "已电话告知", d("2025-01-02"))
        .unwrap();
    let (entries, events) = h.reg.history("L1").unwrap();
    let text = report::history(
        "L1",
        &entries,
        &events,
        &rules::RuleValues::of(&Default::default()),
    );
    for needle in [
        "NEG-L1-1",
        "拟列入 proposed",
        "严重 serious",
        "已电话告知",
        rule("N3").unwrap().zh,
        rule("N3").unwrap().en,
        "2025-01-15",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
}

#[test]
fn the_rule_registry_is_complete_and_ordered() {
    let codes: Vec<&str> = LIST_RULES.iter().map(|r| r.code).collect();
    assert_eq!(
        codes,
        ["N1", "N2", "N3", "N4", "P1", "P2", "P3", "P4", "P5"]
    );
    for r in LIST_RULES {
        assert_eq!(
            r.list == ListKind::Negative,
            r.severity.is_some(),
            "{}",
            r.code
        );
        assert!(!r.zh.is_empty() && !r.en.is_empty());
    }
    assert_eq!(rule("N3").unwrap().severity, Some(Severity::Serious));
    assert_eq!(rule("N2").unwrap().severity, Some(Severity::General));
    assert_eq!(rules::join_codes(["N4", "N1", "N4"]), "N1;N4");
    assert!(rule("N9").is_none());
}
