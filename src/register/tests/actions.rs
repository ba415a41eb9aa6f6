//! The manual commands: objections, repair and its refusals, annulment and
//! notes, each one event in one transaction.

use super::*;

/// L1 proposed on N1 at 2024-12-31.
fn proposed() -> H {
    let mut h = H::new();
    h.run(
        "2024-12-31",
        vec![with(lawyer("L1"), &[firm("N1", &["C1"])])],
    );
    h
}

fn l1() -> Vec<LawyerInput> {
    vec![with(lawyer("L1"), &[firm("N1", &["C1"])])]
}

#[test]
fn lodged_objection_blocks_listing_and_rejected_lets_it_continue() {
    let mut h = proposed();
    let ev = h
        .reg
        .object(
            "L1",
            ListKind::Negative,
            Objection::Lodged,
            "张律师",
            "案件不应计入",
            d("2025-01-05"),
            &crate::config::ListSettings::default(),
        )
        .unwrap();
    assert_eq!(
        (
            ev.kind.as_str(),
            ev.entry_id.as_deref(),
            ev.actor.as_str(),
            ev.run_id.as_deref()
        ),
        ("objection_lodged", Some("NEG-L1-1"), "张律师", None)
    );
    assert_eq!(ev.date, d("2025-01-05"));
    assert!(h.neg("L1").objection_pending);

    let out = h.run("2025-01-20", l1());
    assert!(
        out.new_events.is_empty(),
        "pending objection blocks listing"
    );
    assert_eq!(h.neg("L1").status, "proposed");

    h.reg
        .object(
            "L1",
            ListKind::Negative,
            Objection::Rejected,
            "王科长",
            "理由不成立",
            d("2025-01-22"),
            &crate::config::ListSettings::default(),
        )
        .unwrap();
    let e = h.neg("L1");
    assert_eq!(
        (e.status.as_str(), e.objection_pending),
        ("proposed", false)
    );
    let out = h.run("2025-01-22", l1());
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "listed")]));
}

#[test]
fn upheld_objection_withdraws_the_entry() {
    let mut h = proposed();
    h.reg
        .object(
            "L1",
            ListKind::Negative,
            Objection::Lodged,
            "张律师",
            "异议",
            d("2025-01-05"),
            &crate::config::ListSettings::default(),
        )
        .unwrap();
    let ev = h
        .reg
        .object(
            "L1",
            ListKind::Negative,
            Objection::Upheld,
            "王科长",
            "异议成立",
            d("2025-01-09"),
            &crate::config::ListSettings::default(),
        )
        .unwrap();
    assert_eq!(ev.kind, "objection_upheld");
    let e = h.neg("L1");
    assert_eq!(
        (e.status.as_str(), e.removed_on),
        ("withdrawn", Some(d("2025-01-09")))
    );
    assert!(h.run("2025-01-20", l1()).new_events.is_empty());
}

#[test]
fn objection_refusals_say_why() {
    let mut h = H::new();
    h.run("2024-12-31", vec![lawyer("L1")]);
    let e = h
        .reg
        .object(
            "L1",
            ListKind::Negative,
            Objection::Lodged,
            "张",
            "x",
            d("2025-01-05"),
            &crate::config::ListSettings::default(),
        )
        .unwrap_err();
    assert!(matches!(e, RegisterError::NoEntry { .. }), "{e}");
    assert!(e.to_string().contains("has no negative entry"), "{e}");

    let mut h = proposed();
    let e = h
        .reg
        .object(
            "L1",
            ListKind::Negative,
            Objection::Upheld,
            "王",
            "x",
            d("2025-01-05"),
            &crate::config::ListSettings::default(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("lodge one first"), "{e}");
    h.reg
        .object(
            "L1",
            ListKind::Negative,
            Objection::Lodged,
            "张",
            "x",
            d("2025-01-05"),
            &crate::config::ListSettings::default(),
        )
        .unwrap();
    let e = h
        .reg
        .object(
            "L1",
            ListKind::Negative,
            Objection::Lodged,
            "张",
            "again",
            d("2025-01-06"),
            &crate::config::ListSettings::default(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("already pending"), "{e}");
    h.reg
        .object(
            "L1",
            ListKind::Negative,
            Objection::Rejected,
            "王",
            "x",
            d("2025-01-06"),
            &crate::config::ListSettings::default(),
        )
        .unwrap();
    h.run("2025-01-16", l1());
    let e = h
        .reg
        .object(
            "L1",
            ListKind::Negative,
            Objection::Lodged,
            "张",
            "late",
            d("2025-01-17"),
            &crate::config::ListSettings::default(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("register annul"), "{e}");
}

#[test]
fn actions_need_a_person_a_reason_and_a_date_in_order() {
    let mut h = proposed();
    let before = h.count();
    for (by, reason) in [("", "r"), ("  ", "r"), ("pipeline", "r"), ("张", " ")] {
        let e = h
            .reg
            .object(
                "L1",
                ListKind::Negative,
                Objection::Lodged,
                by,
                reason,
                d("2025-01-05"),
                &crate::config::ListSettings::default(),
            )
            .unwrap_err();
        assert!(
            matches!(e, RegisterError::BadAction(_)),
            "{by:?} {reason:?}: {e}"
        );
    }
    let e = h
        .reg
        .note("L1", "张", "backdated", d("2024-12-30"))
        .unwrap_err();
    assert!(
        matches!(e, RegisterError::ActionBeforeLastEvent { on, last }
            if on == d("2024-12-30") && last == d("2024-12-31")),
        "{e}"
    );
    assert!(e.to_string().contains("2024-12-30") && e.to_string().contains("2024-12-31"));
    assert_eq!(h.count(), before);
}

/// L1 listed (general) on 2025-01-15.
fn listed_general() -> H {
    let mut h = proposed();
    h.run("2025-01-16", l1());
    assert_eq!(h.neg("L1").status, "listed");
    h
}

#[test]
fn repair_is_refused_before_the_minimum_period_with_the_date_and_allowed_after() {
    let mut h = listed_general();
    let s = h.settings.clone();
    let facts = RepairFacts::default();
    let e = h
        .reg
        .repair("L1", "王科长", "已整改", d("2025-04-15"), &facts, &s)
        .unwrap_err();
    match &e {
        RegisterError::RepairRefused { possible_on, .. } => {
            assert_eq!(*possible_on, Some(d("2025-04-16")));
        }
        other => panic!("{other}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains("2025-04-16") && msg.contains("90 days"),
        "{msg}"
    );

    let ev = h
        .reg
        .repair("L1", "王科长", "已整改", d("2025-04-16"), &facts, &s)
        .unwrap();
    assert_eq!((ev.kind.as_str(), ev.actor.as_str()), ("removed", "王科长"));
    let e = h.neg("L1");
    assert_eq!(
        (e.status.as_str(), e.removed_on),
        ("removed", Some(d("2025-04-16")))
    );
    // Nothing left to repair.
    let e = h
        .reg
        .repair("L1", "王科长", "again", d("2025-05-01"), &facts, &s)
        .unwrap_err();
    assert!(e.to_string().contains("is removed"), "{e}");
}

#[test]
fn repair_is_refused_while_the_sanction_is_in_force_and_when_revoked() {
    let mut h = H::new();
    let mut l = with(lawyer("L1"), &[firm("N4", &["S1"])]);
    l.n4_sanction_end = Some(d("2026-06-01"));
    h.run("2024-12-31", vec![l.clone()]);
    h.run("2025-01-16", vec![l]);
    let s = h.settings.clone();
    let facts = RepairFacts {
        licence_revoked: false,
        n4_sanction_end: Some(d("2026-06-01")),
    };
    // Serious: 365 days, then the sanction.
    let e = h
        .reg
        .repair("L1", "王", "申请修复", d("2025-06-01"), &facts, &s)
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("365 days") && msg.contains("in force until 2026-06-01"),
        "{msg}"
    );
    assert!(msg.contains("possible on 2026-06-01"), "{msg}");
    let e = h
        .reg
        .repair("L1", "王", "申请修复", d("2026-02-01"), &facts, &s)
        .unwrap_err();
    assert!(
        matches!(e, RegisterError::RepairRefused { possible_on: Some(p), .. } if p == d("2026-06-01")),
        "{e}"
    );
    let revoked = RepairFacts {
        licence_revoked: true,
        n4_sanction_end: None,
    };
    let e = h
        .reg
        .repair("L1", "王", "申请修复", d("2027-01-01"), &revoked, &s)
        .unwrap_err();
    assert!(
        matches!(
            e,
            RegisterError::RepairRefused {
                possible_on: None,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("revoked"), "{e}");
    h.reg
        .repair("L1", "王", "申请修复", d("2026-06-01"), &facts, &s)
        .unwrap();
    assert_eq!(h.neg("L1").status, "removed");
}

#[test]
fn repair_needs_a_listed_entry() {
    let mut h = proposed();
    let s = h.settings.clone();
    let e = h
        .reg
        .repair(
            "L1",
            "王",
            "r",
            d("2025-06-01"),
            &RepairFacts::default(),
            &s,
        )
        .unwrap_err();
    assert!(e.to_string().contains("a listed negative entry"), "{e}");
    assert!(
        e.to_string().contains("NEG-L1-1 of lawyer L1 is proposed"),
        "{e}"
    );
}

#[test]
fn annul_by_hand_and_its_evidence_stays_barred() {
    let mut h = listed_general();
    let ev = h
        .reg
        .annul(
            "L1",
            ListKind::Negative,
            "王科长",
            "处分决定已撤销",
            d("2025-02-01"),
        )
        .unwrap();
    assert_eq!(ev.kind, "annulled");
    assert_eq!(h.neg("L1").status, "annulled");
    assert!(h.run("2025-02-01", l1()).new_events.is_empty());
    let e = h
        .reg
        .annul("L1", ListKind::Negative, "王科长", "again", d("2025-02-02"))
        .unwrap_err();
    assert!(e.to_string().contains("annulled"), "{e}");
}

#[test]
fn notes_are_recorded_for_known_lawyers_only() {
    let mut h = proposed();
    let ev = h.reg.note("L1", "李", "电话告知", d("2025-01-02")).unwrap();
    assert_eq!(
        (ev.kind.as_str(), ev.entry_id.clone(), ev.list),
        ("note", None, None)
    );
    assert_eq!(ev.reason, "电话告知");
    // A lawyer known only from a credit snapshot.
    h.run(
        "2025-01-03",
        vec![lawyer("L2"), with(lawyer("L1"), &[firm("N1", &["C1"])])],
    );
    h.reg.note("L2", "李", "备注", d("2025-01-03")).unwrap();
    let e = h
        .reg
        .note("L404", "李", "备注", d("2025-01-03"))
        .unwrap_err();
    assert!(matches!(e, RegisterError::UnknownLawyer { .. }), "{e}");
    let (entries, events) = h.reg.history("L1").unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["proposed", "note"]
    );
}
