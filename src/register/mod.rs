//! The register: a SQLite database that keeps list state between runs. It
//! holds an append-only event log ([`events`]), whose fold is the state of
//! every entry ([`state`]); a snapshot of each run's `lawyer_credit` rows
//! ([`snapshot`]); and the log of applied runs. A run hands over its findings
//! per lawyer ([`RunInput`]); [`Register::apply_run`] folds the log as of the
//! run's as-of, steps the state machine ([`machine`]) and appends the events,
//! all in one transaction. The manual commands ([`actions`]) each append one
//! event in their own transaction. The schema is versioned ([`schema`]) and
//! the database itself refuses to update or delete an event.
//!
//! Nothing here reads a clock: every event is dated by its run's as-of or its
//! action's `on` date, and events are appended in date order, so the state
//! as of any date is the fold of a prefix of the log.

pub mod actions;
pub mod cli;
pub mod events;
pub mod input;
pub mod lock;
pub mod machine;
pub mod report;
pub mod rules;
pub mod schema;
pub mod snapshot;
pub mod state;
pub mod wording;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

pub use events::Event;
pub use input::{
    AbsentEvidence, Evidence, EvidenceStatus, HoldReason, LawyerInput, ListKind, NegativeFinding,
    Objection, RepairFacts, RunInput, RunOutcome, Severity,
};
pub use rules::{LIST_RULES, ListRule, rule};
pub use state::{Entry, EntryStatus};

use crate::config::ListSettings;
use actions::Act;
use state::State;

/// Why the register could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("register {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error("register {path}: cannot create its folder: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("register {path} does not exist yet; a run creates it")]
    NotFound { path: PathBuf },

    #[error(
        "register {path} has schema version {found}, but this build knows versions up to \
         {supported}; use a newer legalaid"
    )]
    SchemaTooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },

    #[error(
        "register {path} has schema version {found} and must be migrated to {supported} \
         before a dry run; open it once without --dry-run"
    )]
    SchemaTooOld {
        path: PathBuf,
        found: u32,
        supported: u32,
    },

    #[error("register {path}: event {event_id} does not fit the log: {message}")]
    Corrupt {
        path: PathBuf,
        event_id: i64,
        message: String,
    },

    #[error(
        "as-of {as_of} is earlier than the register's last event ({last}); a run may not go \
         back in time — use --dry-run to evaluate against the register as it stood on {as_of}"
    )]
    AsOfBeforeLastEvent { as_of: NaiveDate, last: NaiveDate },

    #[error(
        "--on {on} is earlier than the register's last event ({last}); actions are recorded \
         in date order"
    )]
    ActionBeforeLastEvent { on: NaiveDate, last: NaiveDate },

    #[error(
        "{what} {date} is later than today ({today}); the register records only what has \
         happened — check the date (a dry run may look ahead)"
    )]
    FutureDate {
        what: &'static str,
        date: NaiveDate,
        today: NaiveDate,
    },

    #[error("nothing to undo: the register has no run or action in force")]
    NothingToUndo,

    #[error("run input: {0}")]
    BadInput(String),

    #[error("{0}")]
    BadAction(String),

    #[error("{action} needs {wanted}, but {found}")]
    NoEntry {
        lawyer: String,
        action: &'static str,
        wanted: String,
        found: String,
    },

    #[error("objection refused for lawyer {lawyer}: {why}")]
    ObjectionRefused {
        lawyer: String,
        entry_id: String,
        why: String,
    },

    #[error(
        "repair of {entry_id} (lawyer {lawyer}) refused on {on}: {why}{}",
        match possible_on {
            Some(d) => format!("; it becomes possible on {d}"),
            None => String::new(),
        }
    )]
    RepairRefused {
        lawyer: String,
        entry_id: String,
        on: NaiveDate,
        why: String,
        /// `None`: never (licence revoked).
        possible_on: Option<NaiveDate>,
    },

    #[error(
        "lawyer {lawyer} is not in the register (no event and no credit snapshot); check the id"
    )]
    UnknownLawyer { lawyer: String },

    #[error("lawyer {lawyer} has no credit snapshot in the register; run the pipeline first")]
    NoSnapshot { lawyer: String },

    #[error(
        "no such lawyer: `{who}` — no run recorded in {path} scored a lawyer with this licence \
         number, or with a name that is or contains it"
    )]
    NoSuchLawyer { who: String, path: PathBuf },

    #[error(
        "the register {path} holds no run yet, so there is nothing to explain; run the pipeline \
         first (`legalaid run PIPELINE.toml`)"
    )]
    NoRunYet { path: PathBuf },

    #[error(
        "another run holds the register {path} {holder}; gave up after waiting {waited} s. \
         Run again when it has finished, or raise [register] lock_wait_seconds"
    )]
    Busy {
        path: PathBuf,
        /// Who holds it: "since … (pid …: legalaid …)".
        holder: String,
        waited: u64,
    },

    #[error(
        "register {path}: an interrupted write left a rollback journal that must be applied, \
         but this user may not write the register; run any legalaid command on it as a user \
         who may: {source}"
    )]
    HotJournal {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error("register: internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = RegisterError> = std::result::Result<T, E>;

/// Adds the register's path to SQLite errors.
trait At<T> {
    fn at(self, path: &Path) -> Result<T>;
}

impl<T> At<T> for rusqlite::Result<T> {
    fn at(self, path: &Path) -> Result<T> {
        self.map_err(|source| RegisterError::Sqlite {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// An open register.
pub struct Register {
    conn: Connection,
    path: PathBuf,
    /// The day the command runs: no run or action may be dated later. The
    /// clock only refuses; it never enters a result.
    today: NaiveDate,
}

/// The system's local date.
pub fn system_today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// A run whose events are computed and, unless it is a dry run, written but
/// not yet committed. Dropping it rolls back: a caller that writes other
/// outputs after the register step commits only when all of them succeeded.
pub struct PendingRun<'a> {
    tx: Transaction<'a>,
    outcome: RunOutcome,
    /// The log as this run's transaction read it (up to its as-of).
    prior: Vec<Event>,
    /// The register's [`Fingerprint`] once this transaction commits.
    after: Fingerprint,
    dry_run: bool,
    path: PathBuf,
}

/// Where the register's three append-only tables end: the last rowid of
/// `events`, `runs` and `credit_snapshots`. Rows are never updated or
/// deleted, so a committed transaction that appended anything moves at least
/// one of them forward, and a rolled-back one moves none: comparing with the
/// value a transaction will leave tells whether it committed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fingerprint {
    pub events: i64,
    pub runs: i64,
    pub snapshots: i64,
}

impl Fingerprint {
    fn read(conn: &Connection) -> rusqlite::Result<Fingerprint> {
        conn.query_row(
            "SELECT (SELECT coalesce(max(rowid), 0) FROM events), \
                    (SELECT coalesce(max(rowid), 0) FROM runs), \
                    (SELECT coalesce(max(rowid), 0) FROM credit_snapshots)",
            [],
            |r| {
                Ok(Fingerprint {
                    events: r.get(0)?,
                    runs: r.get(1)?,
                    snapshots: r.get(2)?,
                })
            },
        )
    }

    /// Whether a register at `self` holds everything a transaction that
    /// leaves `after` wrote (append-only: nothing shrinks).
    pub fn reached(&self, after: &Fingerprint) -> bool {
        self.events >= after.events && self.runs >= after.runs && self.snapshots >= after.snapshots
    }
}

impl PendingRun<'_> {
    pub fn outcome(&self) -> &RunOutcome {
        &self.outcome
    }

    /// The event log as the run's transaction read it, before its own
    /// events (a dry run: up to its as-of). Read inside the transaction, so
    /// no other writer's events can be missing from it.
    pub fn prior_events(&self) -> &[Event] {
        &self.prior
    }

    /// The register's fingerprint once this run commits (a dry run: as it is).
    pub fn fingerprint_after(&self) -> Fingerprint {
        self.after
    }

    /// Commits the run (a dry run is rolled back) and returns its outcome.
    pub fn commit(self) -> Result<RunOutcome> {
        if self.dry_run {
            self.tx.rollback().at(&self.path)?;
        } else {
            self.tx.commit().at(&self.path)?;
        }
        Ok(self.outcome)
    }

    /// Leaves the register exactly as it was.
    pub fn rollback(self) -> Result<()> {
        self.tx.rollback().at(&self.path)
    }
}

impl Register {
    /// Opens the register, creating the file, its folder and the schema on
    /// first use and migrating an older schema.
    pub fn open(path: &Path) -> Result<Register> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| RegisterError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path).at(path)?;
        Self::prepare(conn, path)
    }

    /// Opens an existing register without ever writing to it (for dry runs
    /// and `register history`); a missing file reads as an empty register
    /// held in memory.
    pub fn open_read_only(path: &Path) -> Result<Register> {
        if !path.exists() {
            let conn = Connection::open_in_memory().at(path)?;
            return Self::prepare(conn, path);
        }
        // Opened for writing (never creating) so that SQLite can roll back
        // the journal a killed writer left — a read-only connection fails on
        // it with "attempt to write a readonly database (776)" — but
        // `query_only`: no statement of this connection writes. A file this
        // user may not write opens read-only, as before.
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .at(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .at(path)?;
        conn.pragma_update(None, "query_only", true).at(path)?;
        let found = schema::version(&conn).map_err(|source| match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ReadOnly) => RegisterError::HotJournal {
                path: path.to_path_buf(),
                source,
            },
            _ => RegisterError::Sqlite {
                path: path.to_path_buf(),
                source,
            },
        })?;
        let supported = schema::current_version();
        if found > supported {
            return Err(RegisterError::SchemaTooNew {
                path: path.to_path_buf(),
                found,
                supported,
            });
        }
        if found < supported {
            return Err(RegisterError::SchemaTooOld {
                path: path.to_path_buf(),
                found,
                supported,
            });
        }
        Ok(Register {
            conn,
            path: path.to_path_buf(),
            today: system_today(),
        })
    }

    /// Opens an existing register for writing; refuses a missing file.
    pub fn open_existing(path: &Path) -> Result<Register> {
        if !path.exists() {
            return Err(RegisterError::NotFound {
                path: path.to_path_buf(),
            });
        }
        Self::open(path)
    }

    fn prepare(mut conn: Connection, path: &Path) -> Result<Register> {
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .at(path)?;
        match schema::migrate(&mut conn).at(path)? {
            schema::Migrated::TooNew(found) => Err(RegisterError::SchemaTooNew {
                path: path.to_path_buf(),
                found,
                supported: schema::current_version(),
            }),
            _ => Ok(Register {
                conn,
                path: path.to_path_buf(),
                today: system_today(),
            }),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sets the day the command runs (the system date by default).
    pub fn set_today(&mut self, today: NaiveDate) {
        self.today = today;
    }

    fn not_in_future(&self, what: &'static str, date: NaiveDate) -> Result<()> {
        if date > self.today {
            return Err(RegisterError::FutureDate {
                what,
                date,
                today: self.today,
            });
        }
        Ok(())
    }

    /// Where the register's append-only tables end now.
    pub fn fingerprint(&self) -> Result<Fingerprint> {
        Fingerprint::read(&self.conn).at(&self.path)
    }

    pub fn schema_version(&self) -> Result<u32> {
        schema::version(&self.conn).at(&self.path)
    }

    /// The date of the last event, `None` for an empty log.
    pub fn last_event_date(&self) -> Result<Option<NaiveDate>> {
        events::last_date(&self.conn).at(&self.path)
    }

    fn fold(&self, events: &[Event]) -> Result<State> {
        State::fold(events).map_err(|(event_id, message)| RegisterError::Corrupt {
            path: self.path.clone(),
            event_id,
            message,
        })
    }

    /// Steps the state machine for one run and writes its events, credit
    /// snapshots and run record in one transaction left open: commit it with
    /// [`PendingRun::commit`]. A dry run folds the log as of the run's as-of
    /// (which may lie before the last event), computes everything and writes
    /// nothing. A real run is refused when its as-of is earlier than the last
    /// event.
    pub fn begin_run(&mut self, input: &RunInput, dry_run: bool) -> Result<PendingRun<'_>> {
        if !dry_run {
            self.not_in_future("as-of", input.as_of)?;
        }
        let path = self.path.clone();
        let behavior = if dry_run {
            TransactionBehavior::Deferred
        } else {
            TransactionBehavior::Immediate
        };
        let tx = self.conn.transaction_with_behavior(behavior).at(&path)?;
        let last = events::last_date(&tx).at(&path)?;
        if let Some(last) = last.filter(|last| !dry_run && *last > input.as_of) {
            return Err(RegisterError::AsOfBeforeLastEvent {
                as_of: input.as_of,
                last,
            });
        }
        let before = events::read(&tx, Some(input.as_of)).at(&path)?;
        let state = State::fold(&before).map_err(|(event_id, message)| RegisterError::Corrupt {
            path: path.clone(),
            event_id,
            message,
        })?;
        let first_id = events::last_id(&tx).at(&path)? + 1;
        let (after, mut new_events) = machine::run(state, input, first_id)?;
        if !dry_run {
            for e in &mut new_events {
                let id = events::insert(&tx, e).at(&path)?;
                if id != e.event_id {
                    return Err(RegisterError::Internal(format!(
                        "event stored as {id}, expected {}",
                        e.event_id
                    )));
                }
            }
            for l in &input.lawyers {
                snapshot::insert(&tx, input.run_id, input.as_of, l).at(&path)?;
            }
            snapshot::record_run(&tx, input.run_id, input.as_of, input.period_end).at(&path)?;
        }
        let entries = after.entries();
        let proposed: BTreeSet<&str> = new_events
            .iter()
            .filter(|e| e.kind == events::kind::PROPOSED)
            .filter_map(|e| e.entry_id.as_deref())
            .collect();
        let newly_proposed = entries
            .iter()
            .filter(|e| proposed.contains(e.entry_id.as_str()))
            .cloned()
            .collect();
        let events_before = before.len() as u64;
        let absent_evidence = machine::absent_evidence(&after, input.evidence);
        let outcome = RunOutcome {
            absent_evidence,
            events_after: events_before + new_events.len() as u64,
            events_before,
            new_events,
            entries,
            newly_proposed,
        };
        let after = Fingerprint::read(&tx).at(&path)?;
        Ok(PendingRun {
            tx,
            outcome,
            prior: before,
            after,
            dry_run,
            path,
        })
    }

    /// [`Register::begin_run`] and commit, in one call.
    pub fn apply_run(&mut self, input: &RunInput, dry_run: bool) -> Result<RunOutcome> {
        self.begin_run(input, dry_run)?.commit()
    }

    /// Every entry as the fold of the events dated on or before `date`.
    pub fn entries_as_of(&self, date: NaiveDate) -> Result<Vec<Entry>> {
        let events = events::read(&self.conn, Some(date)).at(&self.path)?;
        Ok(self.fold(&events)?.entries())
    }

    /// Every entry as the fold of the whole log.
    pub fn entries(&self) -> Result<Vec<Entry>> {
        Ok(self.fold(&self.events()?)?.entries())
    }

    /// The whole log, by event id.
    pub fn events(&self) -> Result<Vec<Event>> {
        events::read(&self.conn, None).at(&self.path)
    }

    /// A lawyer's entries (from the log in force) and events: all of them,
    /// voided ones included, with the `voided` events that undid any of
    /// them, by event id.
    pub fn history(&self, lawyer_id: &str) -> Result<(Vec<Entry>, Vec<Event>)> {
        let entries = self
            .entries()?
            .into_iter()
            .filter(|e| e.lawyer_id == lawyer_id)
            .collect();
        let mut events = events::read_lawyer(&self.conn, lawyer_id).at(&self.path)?;
        let undos: BTreeSet<i64> = events.iter().filter_map(|e| e.voided_by).collect();
        if !undos.is_empty() {
            events.extend(
                self.events()?
                    .into_iter()
                    .filter(|e| undos.contains(&e.event_id)),
            );
            events.sort_by_key(|e| e.event_id);
        }
        Ok((entries, events))
    }

    /// The lawyer's latest credit snapshot: (run id, as-of, snapshot).
    pub fn latest_credit(
        &self,
        lawyer_id: &str,
    ) -> Result<Option<(String, NaiveDate, snapshot::CreditSnapshot)>> {
        snapshot::latest(&self.conn, lawyer_id).at(&self.path)
    }

    /// Lawyers whose latest credit snapshot names them `name` (or, when
    /// none does, a name containing it): (lawyer id, name, firm), by id.
    pub fn find_by_name(&self, name: &str) -> Result<Vec<(String, String, String)>> {
        snapshot::find_by_name(&self.conn, name).at(&self.path)
    }

    /// Per lawyer, the tier of the latest snapshot on or before `as_of`.
    pub fn latest_tiers(&self, as_of: NaiveDate) -> Result<BTreeMap<String, String>> {
        snapshot::latest_tiers(&self.conn, as_of).at(&self.path)
    }

    /// Applied runs in order: (run id, as-of, period end).
    pub fn runs(&self) -> Result<Vec<(String, NaiveDate, NaiveDate)>> {
        snapshot::runs(&self.conn).at(&self.path)
    }

    /// The repair facts stored with the lawyer's latest credit snapshot.
    pub fn repair_facts(&self, lawyer_id: &str) -> Result<RepairFacts> {
        match self.latest_credit(lawyer_id)? {
            Some((_, _, snapshot)) => Ok(snapshot.repair_facts()),
            None => Err(RegisterError::NoSnapshot {
                lawyer: lawyer_id.to_string(),
            }),
        }
    }

    /// One manual action in one transaction: refuses a date before the last
    /// event, folds the log, builds the event with `build`, checks it against
    /// the state and appends it.
    fn act(
        &mut self,
        on: NaiveDate,
        build: impl FnOnce(&State, &Connection) -> Result<Event>,
    ) -> Result<Event> {
        self.not_in_future("--on", on)?;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&path)?;
        if let Some(last) = events::last_date(&tx).at(&path)?.filter(|last| *last > on) {
            return Err(RegisterError::ActionBeforeLastEvent { on, last });
        }
        let log = events::read(&tx, None).at(&path)?;
        let mut state =
            State::fold(&log).map_err(|(event_id, message)| RegisterError::Corrupt {
                path: path.clone(),
                event_id,
                message,
            })?;
        let mut event = build(&state, &tx)?;
        state
            .apply(&event)
            .map_err(|m| RegisterError::Internal(format!("manual {}: {m}", event.kind)))?;
        event.event_id = events::insert(&tx, &event).at(&path)?;
        tx.commit().at(&path)?;
        Ok(event)
    }

    /// Records an objection to a proposed entry, or its decision: upheld
    /// withdraws the entry, rejected lets it continue.
    #[allow(clippy::too_many_arguments)] // each is a field of the event, or its deadline
    pub fn object(
        &mut self,
        lawyer: &str,
        list: ListKind,
        decision: Objection,
        by: &str,
        reason: &str,
        on: NaiveDate,
        settings: &ListSettings,
    ) -> Result<Event> {
        let act = Act {
            lawyer,
            by,
            reason,
            on,
        };
        self.act(on, |state, _| {
            actions::object(state, &act, list, decision, settings)
        })
    }

    /// Credit repair: removes a listed negative entry after its minimum
    /// period; refused before it, while the sanction behind N4 is in force
    /// and when the licence was revoked.
    pub fn repair(
        &mut self,
        lawyer: &str,
        by: &str,
        reason: &str,
        on: NaiveDate,
        facts: &RepairFacts,
        settings: &ListSettings,
    ) -> Result<Event> {
        let act = Act {
            lawyer,
            by,
            reason,
            on,
        };
        self.act(on, |state, _| actions::repair(state, &act, facts, settings))
    }

    /// Annuls the open entry of a (lawyer, list) by hand.
    pub fn annul(
        &mut self,
        lawyer: &str,
        list: ListKind,
        by: &str,
        reason: &str,
        on: NaiveDate,
    ) -> Result<Event> {
        let act = Act {
            lawyer,
            by,
            reason,
            on,
        };
        self.act(on, |state, _| actions::annul(state, &act, list))
    }

    /// Records a note on a lawyer known to the register.
    pub fn note(&mut self, lawyer: &str, by: &str, text: &str, on: NaiveDate) -> Result<Event> {
        let act = Act {
            lawyer,
            by,
            reason: text,
            on,
        };
        let path = self.path.clone();
        self.act(on, |state, conn| {
            let known =
                state.knows_lawyer(lawyer) || snapshot::knows_lawyer(conn, lawyer).at(&path)?;
            actions::note(&act, known)
        })
    }

    /// `register undo`: voids every event of the most recent run or manual
    /// action still in force, with one `voided` event dated today (the one
    /// event that may carry a date earlier than those it voids). Returns the
    /// undo event and the events it voided.
    pub fn undo(&mut self, by: &str, reason: &str) -> Result<(Event, Vec<Event>)> {
        actions::check_actor(by, reason, "--reason")?;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&path)?;
        let log = events::read(&tx, None).at(&path)?;
        let in_force: Vec<&Event> = log.iter().filter(|e| e.in_force()).collect();
        let Some(last) = in_force.last() else {
            return Err(RegisterError::NothingToUndo);
        };
        let voided: Vec<Event> = match &last.run_id {
            Some(run) => in_force
                .iter()
                .filter(|e| e.run_id.as_deref() == Some(run.as_str()))
                .map(|e| (*e).clone())
                .collect(),
            None => vec![(*last).clone()],
        };
        let mut event = Event {
            kind: events::kind::VOIDED.to_string(),
            date: self.today,
            run_id: last.run_id.clone(),
            actor: by.trim().to_string(),
            reason: reason.trim().to_string(),
            ..Event::default()
        };
        event.event_id = events::insert(&tx, &event).at(&path)?;
        let ids: Vec<i64> = voided.iter().map(|e| e.event_id).collect();
        events::void(&tx, &ids, event.event_id).at(&path)?;
        // What is left must still fold: voiding the latest group keeps the
        // log a sequence of valid transitions.
        let after = events::read(&tx, None).at(&path)?;
        self::State::fold(&after).map_err(|(event_id, message)| RegisterError::Corrupt {
            path: path.clone(),
            event_id,
            message,
        })?;
        tx.commit().at(&path)?;
        Ok((event, voided))
    }

    /// The connection, for tests that inject failures or try to tamper.
    #[cfg(test)]
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }
}
