//! The positive list: proposal, listing, renewal at a later period's run,
//! removal, and P5 checked against the negative list after its transitions.

use super::*;

#[test]
fn positive_entry_is_proposed_listed_and_renewed_at_a_later_period() {
    let mut h = H::new();
    let out = h.run("2024-12-31", vec![positive("L1")]);
    assert_eq!(kinds(&out.new_events), pairs(&[("POS-L1-1", "proposed")]));
    assert_eq!(out.new_events[0].rules, "P1;P2;P3;P4;P5");
    assert_eq!(out.newly_proposed.len(), 1);
    let e = h.pos("L1");
    assert_eq!((e.status.as_str(), e.severity), ("proposed", None));

    let out = h.run("2025-01-16", vec![positive("L1")]);
    assert_eq!(kinds(&out.new_events), pairs(&[("POS-L1-1", "listed")]));
    let e = h.pos("L1");
    assert_eq!(
        (e.listed_on, e.ends_on),
        (Some(d("2025-01-16")), Some(d("2026-01-16")))
    );

    // Another run of the same period renews nothing.
    assert!(
        h.run("2025-02-01", vec![positive("L1")])
            .new_events
            .is_empty()
    );

    // The next period's run: renewed from its as-of.
    let out = h.run("2025-12-31", vec![positive("L1")]);
    assert_eq!(kinds(&out.new_events), pairs(&[("POS-L1-1", "renewed")]));
    let e = h.pos("L1");
    assert_eq!(e.ends_on, Some(d("2026-12-31")));
    assert_eq!(e.listed_on, Some(d("2025-01-16")));
    assert!(
        h.run("2025-12-31", vec![positive("L1")])
            .new_events
            .is_empty()
    );
}

#[test]
fn positive_entry_is_removed_at_a_later_period_where_it_does_not_qualify() {
    let mut h = H::new();
    h.run("2024-12-31", vec![positive("L1")]);
    h.run("2025-01-16", vec![positive("L1")]);
    // Not qualifying within the same period changes nothing yet.
    assert!(
        h.run("2025-03-01", vec![lawyer("L1")])
            .new_events
            .is_empty()
    );
    let out = h.run("2025-12-31", vec![lawyer("L1")]);
    assert_eq!(kinds(&out.new_events), pairs(&[("POS-L1-1", "removed")]));
    let e = h.pos("L1");
    assert_eq!(
        (e.status.as_str(), e.removed_on),
        ("removed", Some(d("2025-12-31")))
    );
}

#[test]
fn positive_entry_expires_when_no_run_renews_it_in_time() {
    let mut h = H::new();
    h.run("2024-12-31", vec![positive("L1")]);
    h.run("2025-01-16", vec![positive("L1")]);
    let out = h.run("2026-12-31", vec![positive("L1")]);
    assert_eq!(
        kinds(&out.new_events),
        pairs(&[("POS-L1-1", "expired"), ("POS-L1-2", "proposed")])
    );
}

#[test]
fn proposed_positive_entry_is_withdrawn_when_it_no_longer_qualifies() {
    let mut h = H::new();
    h.run("2024-12-31", vec![positive("L1")]);
    let out = h.run("2025-01-10", vec![lawyer("L1")]);
    assert_eq!(kinds(&out.new_events), pairs(&[("POS-L1-1", "withdrawn")]));
}

#[test]
fn p5_no_open_negative_entry() {
    let mut h = H::new();
    // A held negative entry is enough to fail P5.
    let out = h.run(
        "2024-12-31",
        vec![
            with(positive("L1"), &[held("N1", &["C1"])]),
            with(positive("L2"), &[firm("N3", &["K1"])]),
            positive("L3"),
        ],
    );
    assert_eq!(
        kinds(&out.new_events),
        pairs(&[
            ("NEG-L1-1", "held"),
            ("NEG-L2-1", "proposed"),
            ("POS-L3-1", "proposed")
        ])
    );
    // Once the negative entry ends in this run, P5 holds in the same run.
    let out = h.run("2025-01-10", vec![positive("L1"), positive("L3")]);
    assert_eq!(
        kinds(&out.new_events),
        pairs(&[("NEG-L1-1", "withdrawn"), ("POS-L1-1", "proposed")])
    );
}

#[test]
fn listed_positive_entry_is_removed_at_a_later_period_when_a_negative_entry_opens() {
    let mut h = H::new();
    h.run("2024-12-31", vec![positive("L1")]);
    h.run("2025-01-16", vec![positive("L1")]);
    let out = h.run(
        "2025-12-31",
        vec![with(positive("L1"), &[firm("N1", &["C9"])])],
    );
    assert_eq!(
        kinds(&out.new_events),
        pairs(&[("NEG-L1-1", "proposed"), ("POS-L1-1", "removed")])
    );
}

#[test]
fn upheld_objection_to_a_positive_proposal_is_not_undone_in_the_same_period() {
    let mut h = H::new();
    h.run("2024-12-31", vec![positive("L1")]);
    h.reg
        .object(
            "L1",
            ListKind::Positive,
            Objection::Lodged,
            "李主任",
            "投诉在办",
            d("2025-01-02"),
            &crate::config::ListSettings::default(),
        )
        .unwrap();
    let out = h.run("2025-01-20", vec![positive("L1")]);
    assert!(
        out.new_events.is_empty(),
        "a pending objection blocks listing"
    );
    h.reg
        .object(
            "L1",
            ListKind::Positive,
            Objection::Upheld,
            "李主任",
            "异议成立",
            d("2025-01-21"),
            &crate::config::ListSettings::default(),
        )
        .unwrap();
    assert_eq!(h.pos("L1").status, "withdrawn");
    assert!(
        h.run("2025-02-01", vec![positive("L1")])
            .new_events
            .is_empty()
    );
    let out = h.run("2025-12-31", vec![positive("L1")]);
    assert_eq!(kinds(&out.new_events), pairs(&[("POS-L1-2", "proposed")]));
}
