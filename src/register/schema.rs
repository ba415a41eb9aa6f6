//! The register's SQLite schema and its migrations. `schema_version` holds
//! one row, the number of migrations applied; [`migrate`] applies the missing
//! ones in order, each in its own transaction, and refuses a file written by
//! a newer version. Append-only is enforced by the database itself: triggers
//! abort any UPDATE or DELETE on `events`, `credit_snapshots` and `runs`, and
//! any event dated before the last one.
//!
//! Dates are `YYYY-MM-DD` text, so they compare and sort as dates.

use rusqlite::{Connection, OptionalExtension};

/// Migrations in order; migration `i` takes the schema from version `i` to
/// `i + 1`. Never edit one that has shipped: add a new one.
pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE events (
    event_id   INTEGER PRIMARY KEY,
    entry_id   TEXT,
    lawyer_id  TEXT NOT NULL CHECK (lawyer_id <> ''),
    list       TEXT CHECK (list IN ('negative', 'positive')),
    kind       TEXT NOT NULL CHECK (kind IN ('held', 'proposed', 'listed', 'extended',
                   'renewed', 'withdrawn', 'expired', 'removed', 'annulled',
                   'objection_lodged', 'objection_upheld', 'objection_rejected', 'note')),
    date       TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    run_id     TEXT,
    actor      TEXT NOT NULL CHECK (actor <> ''),
    reason     TEXT NOT NULL,
    rules      TEXT NOT NULL DEFAULT '',
    evidence   TEXT NOT NULL DEFAULT '',
    severity   TEXT CHECK (severity IN ('general', 'serious')),
    ends_on    TEXT,
    period_end TEXT,
    CHECK ((kind = 'note') = (entry_id IS NULL)),
    CHECK ((entry_id IS NULL) = (list IS NULL))
);
CREATE INDEX events_by_lawyer ON events (lawyer_id, event_id);
-- Makes max(date) in the date-order trigger a lookup, not a scan.
CREATE INDEX events_by_date ON events (date);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the register event log is append-only: UPDATE is not allowed');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the register event log is append-only: DELETE is not allowed');
END;
CREATE TRIGGER events_in_date_order BEFORE INSERT ON events
WHEN NEW.date < (SELECT max(date) FROM events)
BEGIN
    SELECT RAISE(ABORT, 'an event may not be dated before the last event of the register');
END;

-- One lawyer_credit row per run and lawyer, as JSON.
CREATE TABLE credit_snapshots (
    run_id    TEXT NOT NULL,
    lawyer_id TEXT NOT NULL,
    as_of     TEXT NOT NULL,
    payload   TEXT NOT NULL CHECK (json_valid(payload)),
    PRIMARY KEY (run_id, lawyer_id)
);
CREATE INDEX credit_snapshots_by_lawyer ON credit_snapshots (lawyer_id, as_of);
CREATE TRIGGER credit_snapshots_no_update BEFORE UPDATE ON credit_snapshots
BEGIN
    SELECT RAISE(ABORT, 'credit snapshots are append-only: UPDATE is not allowed');
END;
CREATE TRIGGER credit_snapshots_no_delete BEFORE DELETE ON credit_snapshots
BEGIN
    SELECT RAISE(ABORT, 'credit snapshots are append-only: DELETE is not allowed');
END;

-- Every applied (non-dry) run, once per run id, in order.
CREATE TABLE runs (
    seq        INTEGER PRIMARY KEY,
    run_id     TEXT NOT NULL UNIQUE,
    as_of      TEXT NOT NULL,
    period_end TEXT NOT NULL
);
CREATE TRIGGER runs_no_update BEFORE UPDATE ON runs
BEGIN
    SELECT RAISE(ABORT, 'the run log is append-only: UPDATE is not allowed');
END;
CREATE TRIGGER runs_no_delete BEFORE DELETE ON runs
BEGIN
    SELECT RAISE(ABORT, 'the run log is append-only: DELETE is not allowed');
END;
"#,
    // 2: due process. New kinds `amended` and `voided`; each event records
    // the evidence per rule (`rule_evidence`, a JSON object of rule code →
    // ids) so an entry is re-checked rule by rule; `voided_events` says which
    // events an undo voided. SQLite cannot change a CHECK in place, so the
    // table is rebuilt (the append-only triggers are dropped for the copy and
    // recreated). The date-order trigger ignores voided events and the undo
    // events themselves: an undo is dated by the clock, and after undoing a
    // future-dated run the next run must be free to use today's dates.
    r#"
DROP TRIGGER events_no_update;
DROP TRIGGER events_no_delete;
DROP TRIGGER events_in_date_order;
CREATE TABLE events_v2 (
    event_id      INTEGER PRIMARY KEY,
    entry_id      TEXT,
    lawyer_id     TEXT CHECK (lawyer_id <> ''),
    list          TEXT CHECK (list IN ('negative', 'positive')),
    kind          TEXT NOT NULL CHECK (kind IN ('held', 'proposed', 'listed', 'extended',
                      'renewed', 'amended', 'withdrawn', 'expired', 'removed', 'annulled',
                      'objection_lodged', 'objection_upheld', 'objection_rejected', 'note',
                      'voided')),
    date          TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    run_id        TEXT,
    actor         TEXT NOT NULL CHECK (actor <> ''),
    reason        TEXT NOT NULL,
    rules         TEXT NOT NULL DEFAULT '',
    evidence      TEXT NOT NULL DEFAULT '',
    severity      TEXT CHECK (severity IN ('general', 'serious')),
    ends_on       TEXT,
    period_end    TEXT,
    rule_evidence TEXT NOT NULL DEFAULT '' CHECK (rule_evidence = '' OR json_valid(rule_evidence)),
    CHECK ((kind IN ('note', 'voided')) = (entry_id IS NULL)),
    CHECK ((entry_id IS NULL) = (list IS NULL)),
    CHECK ((kind = 'voided') = (lawyer_id IS NULL))
);
INSERT INTO events_v2 (event_id, entry_id, lawyer_id, list, kind, date, run_id, actor, reason,
                       rules, evidence, severity, ends_on, period_end)
    SELECT event_id, entry_id, lawyer_id, list, kind, date, run_id, actor, reason,
           rules, evidence, severity, ends_on, period_end
    FROM events;
DROP TABLE events;
ALTER TABLE events_v2 RENAME TO events;
CREATE INDEX events_by_lawyer ON events (lawyer_id, event_id);
CREATE INDEX events_by_date ON events (date);

CREATE TABLE voided_events (
    event_id  INTEGER PRIMARY KEY REFERENCES events (event_id),
    voided_by INTEGER NOT NULL REFERENCES events (event_id)
);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the register event log is append-only: UPDATE is not allowed');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the register event log is append-only: DELETE is not allowed');
END;
CREATE TRIGGER events_in_date_order BEFORE INSERT ON events
WHEN NEW.kind <> 'voided' AND NEW.date < (
    SELECT max(date) FROM events
    WHERE kind <> 'voided' AND event_id NOT IN (SELECT event_id FROM voided_events)
)
BEGIN
    SELECT RAISE(ABORT, 'an event may not be dated before the last event of the register');
END;
CREATE TRIGGER voided_events_no_update BEFORE UPDATE ON voided_events
BEGIN
    SELECT RAISE(ABORT, 'voided events are append-only: UPDATE is not allowed');
END;
CREATE TRIGGER voided_events_no_delete BEFORE DELETE ON voided_events
BEGIN
    SELECT RAISE(ABORT, 'voided events are append-only: DELETE is not allowed');
END;
"#,
];

/// The schema version this build writes.
pub fn current_version() -> u32 {
    MIGRATIONS.len() as u32
}

/// The schema version of an open database: 0 for a new file.
pub fn version(conn: &Connection) -> rusqlite::Result<u32> {
    let has_table: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if has_table.is_none() {
        return Ok(0);
    }
    conn.query_row("SELECT version FROM schema_version", [], |r| r.get(0))
}

/// What [`migrate`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrated {
    UpToDate,
    /// From this version to the current one.
    From(u32),
    /// The file is newer than this build.
    TooNew(u32),
}

/// Brings the schema to the current version.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<Migrated> {
    let found = version(conn)?;
    let current = current_version();
    if found > current {
        return Ok(Migrated::TooNew(found));
    }
    if found == current {
        return Ok(Migrated::UpToDate);
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if i == 0 {
            tx.execute_batch("CREATE TABLE schema_version (version INTEGER NOT NULL);")?;
            tx.execute("INSERT INTO schema_version (version) VALUES (0)", [])?;
        }
        tx.execute_batch(sql)?;
        tx.execute("UPDATE schema_version SET version = ?1", [(i + 1) as i64])?;
        tx.commit()?;
    }
    Ok(Migrated::From(found))
}
