//! Credit snapshots and the run log. Every applied run stores each lawyer's
//! `lawyer_credit` row (a JSON object) under (run id, lawyer id), insert or
//! ignore, so rerunning the same run changes nothing; sampling and trends
//! read the last tier from here, and `register repair` reads the repair facts.
//!
//! Keys the register itself adds to each payload, from [`LawyerInput`]:
//! `licence_revoked` (boolean) and `n4_sanction_end` (`YYYY-MM-DD` or null).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use super::events::{date_at, date_text, parse_date_text};
use super::input::{LawyerInput, RepairFacts};

/// Payload key: whether the lawyer's licence was revoked at the run.
pub const LICENCE_REVOKED: &str = "licence_revoked";
/// Payload key: the end of the sanction behind N4 still in force at the run.
pub const N4_SANCTION_END: &str = "n4_sanction_end";

/// The payload stored for a lawyer: the credit row plus the repair facts.
pub fn payload(l: &LawyerInput) -> serde_json::Value {
    let mut value = l.credit.clone();
    if let Some(map) = value.as_object_mut() {
        map.insert(LICENCE_REVOKED.into(), l.licence_revoked.into());
        map.insert(
            N4_SANCTION_END.into(),
            l.n4_sanction_end
                .map_or(serde_json::Value::Null, |d| date_text(d).into()),
        );
    }
    value
}

/// The repair facts a payload carries (absent keys: not revoked, no sanction).
pub fn repair_facts(payload: &serde_json::Value) -> RepairFacts {
    RepairFacts {
        licence_revoked: payload
            .get(LICENCE_REVOKED)
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
        n4_sanction_end: payload
            .get(N4_SANCTION_END)
            .and_then(serde_json::Value::as_str)
            .and_then(parse_date_text),
    }
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
    stmt.execute(params![
        run_id,
        l.lawyer_id,
        date_text(as_of),
        payload(l).to_string()
    ])?;
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

fn json(text: String, idx: usize) -> rusqlite::Result<serde_json::Value> {
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// The lawyer's latest snapshot: greatest as-of, then latest stored.
pub(crate) fn latest(
    conn: &Connection,
    lawyer_id: &str,
) -> rusqlite::Result<Option<(String, NaiveDate, serde_json::Value)>> {
    conn.query_row(
        "SELECT run_id, as_of, payload FROM credit_snapshots WHERE lawyer_id = ?1 \
         ORDER BY as_of DESC, rowid DESC LIMIT 1",
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
    let mut stmt = conn.prepare(
        "SELECT lawyer_id, payload FROM ( \
           SELECT lawyer_id, payload, row_number() OVER ( \
             PARTITION BY lawyer_id ORDER BY as_of DESC, rowid DESC) AS n \
           FROM credit_snapshots WHERE as_of <= ?1) \
         WHERE n = 1 ORDER BY lawyer_id",
    )?;
    let rows = stmt.query_map(params![date_text(as_of)], |r| {
        Ok((r.get::<_, String>(0)?, json(r.get(1)?, 1)?))
    })?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (lawyer, payload) = row?;
        if let Some(tier) = payload.get("tier").and_then(serde_json::Value::as_str) {
            out.insert(lawyer, tier.to_string());
        }
    }
    Ok(out)
}

/// Whether any snapshot names the lawyer.
pub(crate) fn knows_lawyer(conn: &Connection, lawyer_id: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM credit_snapshots WHERE lawyer_id = ?1)",
        params![lawyer_id],
        |r| r.get(0),
    )
}
