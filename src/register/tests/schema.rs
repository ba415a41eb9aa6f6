//! The schema: created and versioned on first use, reopened unchanged, and
//! append-only enforced by the database.

use super::*;

#[test]
fn open_creates_the_file_and_schema_and_reopening_changes_nothing() {
    let h = H::new();
    assert!(h.path().is_file());
    assert_eq!(
        h.reg.schema_version().unwrap(),
        crate::register::schema::current_version()
    );
    assert!(h.reg.events().unwrap().is_empty());
    assert_eq!(h.reg.last_event_date().unwrap(), None);
    let bytes = h.bytes();
    let again = Register::open(&h.path()).unwrap();
    assert_eq!(
        again.schema_version().unwrap(),
        crate::register::schema::current_version()
    );
    drop(again);
    assert_eq!(h.bytes(), bytes);
}

#[test]
fn a_newer_schema_is_refused() {
    let h = H::new();
    h.reg
        .connection()
        .execute("UPDATE schema_version SET version = 99", [])
        .unwrap();
    let e = Register::open(&h.path()).err().unwrap();
    assert!(
        matches!(e, RegisterError::SchemaTooNew { found: 99, .. }),
        "{e}"
    );
    let e = Register::open_read_only(&h.path()).err().unwrap();
    assert!(
        matches!(e, RegisterError::SchemaTooNew { found: 99, .. }),
        "{e}"
    );
}

#[test]
fn triggers_refuse_update_and_delete_of_events_and_snapshots() {
    let mut h = H::new();
    h.run(
        "2024-12-31",
        vec![with(lawyer("L1"), &[firm("N1", &["C1"])])],
    );
    let conn = h.reg.connection();
    for sql in [
        "UPDATE events SET reason = 'changed'",
        "DELETE FROM events",
        "UPDATE credit_snapshots SET payload = '{}'",
        "DELETE FROM credit_snapshots",
        "UPDATE runs SET as_of = '2000-01-01'",
        "DELETE FROM runs",
    ] {
        let e = conn.execute(sql, []).unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    let e = conn
        .execute(
            "INSERT INTO events (entry_id, lawyer_id, list, kind, date, actor, reason) \
             VALUES (NULL, 'L1', NULL, 'note', '2024-01-01', 'x', 'y')",
            [],
        )
        .unwrap_err();
    assert!(e.to_string().contains("dated before the last event"), "{e}");
    assert_eq!(h.count(), 1);
    assert!(
        h.reg.events().unwrap()[0]
            .reason
            .contains("firm rules hold")
    );
}

#[test]
fn a_version_1_register_is_migrated_with_its_events_and_re_checked_by_kind() {
    // A register written by the first release: schema version 1, evidence
    // not recorded per rule.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("register.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_version (version INTEGER NOT NULL);
             INSERT INTO schema_version (version) VALUES (1);",
        )
        .unwrap();
        conn.execute_batch(crate::register::schema::MIGRATIONS[0])
            .unwrap();
        conn.execute_batch(
            "INSERT INTO events (entry_id, lawyer_id, list, kind, date, run_id, actor, reason,
                                 rules, evidence, severity, period_end)
             VALUES ('NEG-L1-1', 'L1', 'negative', 'proposed', '2024-12-31', 'r1', 'pipeline',
                     'firm rules hold', 'N1;N3', 'C1;K1', 'serious', '2024-12-31');",
        )
        .unwrap();
    }
    let mut reg = Register::open(&path).unwrap();
    reg.set_today(d("2099-12-31"));
    assert_eq!(
        reg.schema_version().unwrap(),
        crate::register::schema::current_version()
    );
    assert_eq!(reg.events().unwrap().len(), 1);
    assert_eq!(reg.entries().unwrap()[0].rules, "N1;N3");
    // The complaint is overturned; the run's data holds C1 as a case and K1
    // as a complaint, so each old id is judged under its own rule only.
    let evidence = |rule: &str, id: &str| match (rule, id) {
        ("N3", "K1") => EvidenceStatus::Overturned,
        ("N1" | "N2", "C1") => EvidenceStatus::Valid,
        _ => EvidenceStatus::OtherRule,
    };
    let settings = ListSettings::default();
    let input = RunInput {
        run_id: "r2",
        as_of: d("2025-01-05"),
        period_end: d("2024-12-31"),
        settings: &settings,
        lawyers: vec![with(lawyer("L1"), &[firm("N1", &["C1"])])],
        evidence: &evidence,
    };
    let out = reg.apply_run(&input, false).unwrap();
    assert_eq!(kinds(&out.new_events), pairs(&[("NEG-L1-1", "amended")]));
    assert_eq!(out.new_events[0].rules, "N1");
    // The append-only triggers are back after the table was rebuilt.
    assert!(reg.connection().execute("DELETE FROM events", []).is_err());
}
