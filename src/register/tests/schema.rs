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
