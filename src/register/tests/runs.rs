//! Whole runs: idempotency, dry runs, one transaction per run, the as-of
//! rule, credit snapshots.

use super::*;

fn inputs() -> Vec<LawyerInput> {
    let mut l4 = with(lawyer("L4"), &[firm("N4", &["S1"])]);
    l4.n4_sanction_end = Some(d("2026-01-01"));
    l4.licence_revoked = true;
    vec![
        with(lawyer("L1"), &[firm("N1", &["C1"])]),
        with(lawyer("L2"), &[held("N2", &["C2", "C3"])]),
        positive("L3"),
        l4,
        lawyer("L5"),
    ]
}

#[test]
fn the_same_run_twice_adds_nothing_and_gives_the_same_outcome() {
    let mut h = H::new();
    for as_of in ["2024-12-31", "2025-01-20", "2026-03-01"] {
        let first = h.run(as_of, inputs());
        assert!(!first.new_events.is_empty(), "{as_of}");
        let bytes = h.bytes();
        let second = h.run(as_of, inputs());
        assert!(
            second.new_events.is_empty(),
            "{as_of}: {:?}",
            second.new_events
        );
        assert_eq!(second.entries, first.entries);
        assert_eq!(second.events_before, first.events_after);
        assert_eq!(second.events_after, first.events_after);
        assert_eq!(h.bytes(), bytes, "{as_of}: the file is untouched");
    }
}

#[test]
fn dry_run_leaves_the_file_byte_identical() {
    let mut h = H::new();
    h.run("2024-12-31", inputs());
    let bytes = h.bytes();
    let events = h.count();
    let dry = h.try_run("2025-01-20", inputs(), true).unwrap();
    assert!(!dry.new_events.is_empty());
    assert_eq!(h.bytes(), bytes);
    assert_eq!(h.count(), events);
    // The real run does exactly what the dry run said.
    let real = h.run("2025-01-20", inputs());
    assert_eq!(real.new_events, dry.new_events);
    assert_eq!(real.entries, dry.entries);
}

#[test]
fn dry_run_before_the_last_event_sees_the_register_as_it_stood() {
    let mut h = H::new();
    h.run("2024-12-31", inputs());
    h.run("2025-01-20", inputs());
    let bytes = h.bytes();
    let dry = h.try_run("2025-01-10", inputs(), true).unwrap();
    assert!(
        dry.new_events.is_empty(),
        "as of 2025-01-10 nothing was due"
    );
    assert_eq!(dry.entries, h.reg.entries_as_of(d("2025-01-10")).unwrap());
    assert_eq!(
        dry.entries
            .iter()
            .find(|e| e.lawyer_id == "L1")
            .unwrap()
            .status,
        "proposed"
    );
    assert_eq!(h.bytes(), bytes);
}

#[test]
fn dry_run_on_a_missing_register_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/none.sqlite");
    let mut reg = Register::open_read_only(&path).unwrap();
    let settings = ListSettings::default();
    let input = RunInput {
        run_id: "r",
        as_of: d("2024-12-31"),
        period_end: d("2024-12-31"),
        settings: &settings,
        lawyers: inputs(),
        evidence: &|_: &str, _: &str| EvidenceStatus::Valid,
    };
    let out = reg.apply_run(&input, true).unwrap();
    assert_eq!(out.newly_proposed.len(), 3);
    assert!(!path.exists() && !dir.path().join("state").exists());
}

#[test]
fn a_run_before_the_last_event_is_refused_naming_both_dates() {
    let mut h = H::new();
    h.run("2025-01-20", inputs());
    let bytes = h.bytes();
    let e = h.try_run("2025-01-19", inputs(), false).unwrap_err();
    assert!(
        matches!(e, RegisterError::AsOfBeforeLastEvent { as_of, last }
            if as_of == d("2025-01-19") && last == d("2025-01-20")),
        "{e}"
    );
    let msg = e.to_string();
    assert!(msg.contains("2025-01-19") && msg.contains("2025-01-20") && msg.contains("--dry-run"));
    assert_eq!(h.bytes(), bytes);
}

#[test]
fn a_run_that_fails_mid_transaction_leaves_the_register_unchanged() {
    let mut h = H::new();
    h.run("2024-12-31", inputs());
    let bytes = h.bytes();
    let events = h.reg.events().unwrap();
    // Fail on the first credit snapshot, after the run's events were inserted.
    h.reg
        .connection()
        .execute_batch(
            "CREATE TEMP TRIGGER fail_snapshot BEFORE INSERT ON main.credit_snapshots \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    let e = h.try_run("2025-01-20", inputs(), false).unwrap_err();
    assert!(e.to_string().contains("injected failure"), "{e}");
    h.reg
        .connection()
        .execute_batch("DROP TRIGGER temp.fail_snapshot")
        .unwrap();
    assert_eq!(h.reg.events().unwrap(), events);
    assert_eq!(h.bytes(), bytes);
    // And the run succeeds once the failure is gone.
    assert!(!h.run("2025-01-20", inputs()).new_events.is_empty());
}

#[test]
fn a_pending_run_that_is_dropped_or_rolled_back_leaves_nothing() {
    let mut h = H::new();
    h.run("2024-12-31", inputs());
    let bytes = h.bytes();
    let settings = ListSettings::default();
    let input = RunInput {
        run_id: "r2",
        as_of: d("2025-01-20"),
        period_end: d("2024-12-31"),
        settings: &settings,
        lawyers: inputs(),
        evidence: &|_: &str, _: &str| EvidenceStatus::Valid,
    };
    {
        let pending = h.reg.begin_run(&input, false).unwrap();
        assert!(!pending.outcome().new_events.is_empty());
        // Dropped: a later stage of the run failed.
    }
    assert_eq!(h.bytes(), bytes);
    h.reg.begin_run(&input, false).unwrap().rollback().unwrap();
    assert_eq!(h.bytes(), bytes);
    let out = h.reg.begin_run(&input, false).unwrap().commit().unwrap();
    assert_eq!(h.count() as u64, out.events_after);
}

#[test]
fn credit_snapshots_per_run_and_the_latest_tiers() {
    let mut h = H::new();
    h.run("2024-12-31", inputs());
    let mut later = inputs();
    later[0].credit = snapshot_of("L1", Some(41.0), Some("D"));
    later[1].credit = snapshot_of("L2", None, None);
    h.run("2025-01-20", later);

    let (run, as_of, snapshot) = h.reg.latest_credit("L1").unwrap().unwrap();
    assert_eq!((run.as_str(), as_of), ("run-2025-01-20", d("2025-01-20")));
    assert_eq!(snapshot.version, snapshot::SNAPSHOT_VERSION);
    assert_eq!(snapshot.figures.tier.as_deref(), Some("D"));
    assert!(!snapshot.figures.licence_revoked);
    assert_eq!(snapshot.figures.n4_sanction_end, None);

    let (_, _, l4) = h.reg.latest_credit("L4").unwrap().unwrap();
    assert_eq!(l4.figures.n4_sanction_end, Some(d("2026-01-01")));
    assert_eq!(
        h.reg.repair_facts("L4").unwrap(),
        RepairFacts {
            licence_revoked: true,
            n4_sanction_end: Some(d("2026-01-01"))
        }
    );
    assert!(matches!(
        h.reg.repair_facts("L404"),
        Err(RegisterError::NoSnapshot { .. })
    ));

    let tiers = h.reg.latest_tiers(d("2025-01-01")).unwrap();
    assert_eq!(tiers.get("L1").map(String::as_str), Some("C"));
    let tiers = h.reg.latest_tiers(d("2025-12-31")).unwrap();
    assert_eq!(tiers.get("L1").map(String::as_str), Some("D"));
    assert_eq!(tiers.get("L2"), None, "the latest snapshot has no tier");
    assert!(h.reg.latest_tiers(d("2024-01-01")).unwrap().is_empty());

    // A payload stored before snapshots were versioned reads as version 0.
    let legacy: snapshot::CreditSnapshot = serde_json::from_str(
        r#"{"lawyer_id":"L9","credit_score":80.25,"tier":"B","n_cases_reviewed":4,
            "reasons":[{"code":"Q1","zh":"案件质量评分低于满分","en":"q","points":6.0,"evidence":["C1"]}],
            "p1":true,"p2":false,"p3":true,"p4":true,"licence_revoked":false,"n4_sanction_end":"2025-06-30",
            "some_later_dropped_column":1}"#,
    )
    .unwrap();
    assert_eq!(legacy.version, 0);
    assert_eq!(legacy.weights, None);
    assert_eq!(legacy.figures.tier.as_deref(), Some("B"));
    assert_eq!(legacy.figures.n_cases_reviewed, Some(4));
    assert_eq!(legacy.reasons[0].evidence, ["C1"]);
    assert_eq!(legacy.figures.n4_sanction_end, Some(d("2025-06-30")));

    assert_eq!(
        h.reg.runs().unwrap(),
        vec![
            (
                "run-2024-12-31".to_string(),
                d("2024-12-31"),
                d("2024-12-31")
            ),
            (
                "run-2025-01-20".to_string(),
                d("2025-01-20"),
                d("2024-12-31")
            ),
        ]
    );
}
