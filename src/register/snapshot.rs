//! Credit snapshots and the run log. Every applied run stores each lawyer's
//! [`CreditSnapshot`] (JSON of a versioned struct, not of a SQL row) under
//! (run id, lawyer id), insert or ignore, so rerunning the same run changes
//! nothing; sampling and trends read the last tier from here, `register
//! repair` reads the repair facts and `explain` the figures, reasons and the
//! weights the run used.
//!
//! Versions: 0 is a payload stored before snapshots were versioned (the raw
//! credit row with `reasons`, `p1`–`p4`, `licence_revoked` and
//! `n4_sanction_end`; no weights), which reads into the same struct, every
//! absent key at its default; 1 adds `version` and `weights`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::events::{date_at, date_text};
use super::input::{LawyerInput, RepairFacts};
use crate::config::CreditSettings;

/// The snapshot format this version writes.
pub const SNAPSHOT_VERSION: u32 = 1;

/// One lawyer's credit at one run, as the register keeps it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreditSnapshot {
    /// [`SNAPSHOT_VERSION`] when written; 0 for a payload of an earlier
    /// version.
    #[serde(default)]
    pub version: u32,
    #[serde(flatten)]
    pub figures: CreditFigures,
    /// Reason codes, costliest first.
    #[serde(default)]
    pub reasons: Vec<SnapshotReason>,
    /// The weights the run computed with (absent before version 1).
    #[serde(default)]
    pub weights: Option<CreditWeights>,
}

/// The credit figures, positive rules and repair facts of one lawyer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreditFigures {
    pub lawyer_id: String,
    /// The lawyer's name and firm at the run (absent in snapshots stored
    /// before they were recorded).
    pub name: Option<String>,
    pub law_firm: Option<String>,
    pub n_cases_closed: Option<i64>,
    pub n_cases_reviewed: Option<i64>,
    pub mean_score: Option<f64>,
    pub mu: Option<f64>,
    pub quality: Option<f64>,
    pub service: Option<f64>,
    pub deductions: Option<f64>,
    pub credit_score: Option<f64>,
    pub tier: Option<String>,
    pub reason_codes: Option<String>,
    pub years_of_practice: Option<i64>,
    pub archive_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
    pub n_usable_feedback: Option<i64>,
    pub n_due: Option<i64>,
    pub n_on_time: Option<i64>,
    pub n_satisfied: Option<i64>,
    /// Active, long enough in practice, no sanction in the window, a
    /// practice kind allowed criminal cases (before any list entry).
    pub eligible_base: Option<bool>,
    pub p1: bool,
    pub p2: bool,
    pub p3: bool,
    pub p4: bool,
    /// Whether the lawyer's licence was revoked at the run.
    pub licence_revoked: bool,
    /// The end of the sanction behind N4 still in force at the run.
    pub n4_sanction_end: Option<NaiveDate>,
}

/// A reason code with the texts in force at the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SnapshotReason {
    pub code: String,
    pub zh: Option<String>,
    pub en: Option<String>,
    pub points: f64,
    pub evidence: Vec<String>,
}

/// The `[credit]` weights a run computed with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CreditWeights {
    pub weight_quality: f64,
    pub weight_service: f64,
    pub shrinkage_k: f64,
    pub lookback_years: u32,
}

impl CreditWeights {
    pub fn of(settings: &CreditSettings) -> CreditWeights {
        CreditWeights {
            weight_quality: settings.weight_quality,
            weight_service: settings.weight_service,
            shrinkage_k: settings.shrinkage_k,
            lookback_years: settings.lookback_years,
        }
    }
}

impl CreditSnapshot {
    /// A snapshot in the current format.
    pub fn new(
        figures: CreditFigures,
        reasons: Vec<SnapshotReason>,
        weights: CreditWeights,
    ) -> CreditSnapshot {
        CreditSnapshot {
            version: SNAPSHOT_VERSION,
            figures,
            reasons,
            weights: Some(weights),
        }
    }

    /// The repair facts it carries.
    pub fn repair_facts(&self) -> RepairFacts {
        RepairFacts {
            licence_revoked: self.figures.licence_revoked,
            n4_sanction_end: self.figures.n4_sanction_end,
        }
    }
}

/// The payload stored for a lawyer: the snapshot, with the repair facts the
/// register was told.
pub fn payload(l: &LawyerInput) -> String {
    let mut snapshot = l.credit.clone();
    snapshot.figures.licence_revoked = l.licence_revoked;
    snapshot.figures.n4_sanction_end = l.n4_sanction_end;
    serde_json::to_string(&snapshot).expect("a snapshot serialises")
}

pub(crate) fn insert(
    conn: &Connection,
    run_id: &str,
    as_of: NaiveDate,
    l: &LawyerInput,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO credit_snapshots (run_id, lawyer_id, as_of, payload) \
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    stmt.execute(params![run_id, l.lawyer_id, date_text(as_of), payload(l)])?;
    Ok(())
}

pub(crate) fn record_run(
    conn: &Connection,
    run_id: &str,
    as_of: NaiveDate,
    period_end: NaiveDate,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO runs (run_id, as_of, period_end) VALUES (?1, ?2, ?3)",
        params![run_id, date_text(as_of), date_text(period_end)],
    )?;
    Ok(())
}

/// Applied runs in order: (run id, as-of, period end).
pub(crate) fn runs(conn: &Connection) -> rusqlite::Result<Vec<(String, NaiveDate, NaiveDate)>> {
    let mut stmt = conn.prepare("SELECT run_id, as_of, period_end FROM runs ORDER BY seq")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, date_at(r, 1)?, date_at(r, 2)?)))?;
    rows.collect()
}

fn json(text: String, idx: usize) -> rusqlite::Result<CreditSnapshot> {
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Runs whose events `register undo` voided and that were not applied
/// again: their snapshots are not the lawyer's latest.
const UNDONE_RUNS: &str = "SELECT run_id FROM events WHERE kind = 'voided' AND run_id IS NOT NULL \
     EXCEPT SELECT run_id FROM events WHERE kind <> 'voided' AND run_id IS NOT NULL \
     AND event_id NOT IN (SELECT event_id FROM voided_events)";

/// The lawyer's latest snapshot: greatest as-of, then latest stored.
pub(crate) fn latest(
    conn: &Connection,
    lawyer_id: &str,
) -> rusqlite::Result<Option<(String, NaiveDate, CreditSnapshot)>> {
    conn.query_row(
        &format!(
            "SELECT run_id, as_of, payload FROM credit_snapshots WHERE lawyer_id = ?1 \
             AND run_id NOT IN ({UNDONE_RUNS}) ORDER BY as_of DESC, rowid DESC LIMIT 1"
        ),
        params![lawyer_id],
        |r| Ok((r.get(0)?, date_at(r, 1)?, json(r.get(2)?, 2)?)),
    )
    .optional()
}

/// Per lawyer, the `tier` of the latest snapshot on or before `as_of`;
/// lawyers whose latest snapshot has no tier are left out.
pub(crate) fn latest_tiers(
    conn: &Connection,
    as_of: NaiveDate,
) -> rusqlite::Result<BTreeMap<String, String>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT lawyer_id, payload FROM ( \
           SELECT lawyer_id, payload, row_number() OVER ( \
             PARTITION BY lawyer_id ORDER BY as_of DESC, rowid DESC) AS n \
           FROM credit_snapshots WHERE as_of <= ?1 AND run_id NOT IN ({UNDONE_RUNS})) \
         WHERE n = 1 ORDER BY lawyer_id"
    ))?;
    let rows = stmt.query_map(params![date_text(as_of)], |r| {
        Ok((r.get::<_, String>(0)?, json(r.get(1)?, 1)?))
    })?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (lawyer, payload) = row?;
        if let Some(tier) = payload.figures.tier {
            out.insert(lawyer, tier);
        }
    }
    Ok(out)
}

/// Lawyers whose latest snapshot's name is `name`, or else contains it:
/// (lawyer id, name, firm), by id.
pub(crate) fn find_by_name(
    conn: &Connection,
    name: &str,
) -> rusqlite::Result<Vec<(String, String, String)>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT lawyer_id, payload FROM ( \
           SELECT lawyer_id, payload, row_number() OVER ( \
             PARTITION BY lawyer_id ORDER BY as_of DESC, rowid DESC) AS n \
           FROM credit_snapshots WHERE run_id NOT IN ({UNDONE_RUNS})) \
         WHERE n = 1 ORDER BY lawyer_id"
    ))?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, json(r.get(1)?, 1)?)))?;
    let (mut exact, mut partial) = (Vec::new(), Vec::new());
    for row in rows {
        let (lawyer, payload) = row?;
        let Some(found) = payload.figures.name else {
            continue;
        };
        let hit = (
            lawyer,
            found.clone(),
            payload.figures.law_firm.unwrap_or_default(),
        );
        if found == name {
            exact.push(hit);
        } else if found.contains(name) {
            partial.push(hit);
        }
    }
    Ok(if exact.is_empty() { partial } else { exact })
}

/// Whether any snapshot names the lawyer.
pub(crate) fn knows_lawyer(conn: &Connection, lawyer_id: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM credit_snapshots WHERE lawyer_id = ?1)",
        params![lawyer_id],
        |r| r.get(0),
    )
}
