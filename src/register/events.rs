//! The append-only event log: the [`Event`] record, its kinds, and the only
//! SQL that reads or writes the `events` table. Events are inserted, never
//! updated or deleted (the schema's triggers refuse both), and always in date
//! order, so the register's state as of a date is the fold of a prefix of the
//! log ([`super::state`]).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::input::{ListKind, Severity};

/// The actor of every event a run writes.
pub const PIPELINE: &str = "pipeline";

/// Event kinds. An entry's status is named after the kind that set it.
pub mod kind {
    /// A new entry on held rules only, or a proposed entry whose rules became held.
    pub const HELD: &str = "held";
    /// A new entry on firm rules, or a held entry whose rules became firm.
    pub const PROPOSED: &str = "proposed";
    pub const LISTED: &str = "listed";
    /// New firm rules on new evidence while listed.
    pub const EXTENDED: &str = "extended";
    /// A positive entry qualified again at a later period's run.
    pub const RENEWED: &str = "renewed";
    /// Some of an open entry's rules fell with their evidence; the rest stand.
    pub const AMENDED: &str = "amended";
    pub const WITHDRAWN: &str = "withdrawn";
    pub const EXPIRED: &str = "expired";
    /// Credit repair (negative) or not re-qualified (positive).
    pub const REMOVED: &str = "removed";
    pub const ANNULLED: &str = "annulled";
    pub const OBJECTION_LODGED: &str = "objection_lodged";
    /// The entry is withdrawn.
    pub const OBJECTION_UPHELD: &str = "objection_upheld";
    pub const OBJECTION_REJECTED: &str = "objection_rejected";
    pub const NOTE: &str = "note";
    /// `register undo`: voids every event of the latest run or action.
    pub const VOIDED: &str = "voided";

    /// Every kind, for the schema's CHECK constraint and for display.
    pub const ALL: [&str; 15] = [
        HELD,
        PROPOSED,
        LISTED,
        EXTENDED,
        RENEWED,
        AMENDED,
        WITHDRAWN,
        EXPIRED,
        REMOVED,
        ANNULLED,
        OBJECTION_LODGED,
        OBJECTION_UPHELD,
        OBJECTION_REJECTED,
        NOTE,
        VOIDED,
    ];

    /// The Chinese name of a kind.
    pub fn zh(kind: &str) -> &'static str {
        match kind {
            HELD => "暂缓",
            PROPOSED => "拟列入",
            LISTED => "列入",
            EXTENDED => "追加",
            RENEWED => "续期",
            AMENDED => "变更",
            WITHDRAWN => "撤回",
            EXPIRED => "期满",
            REMOVED => "移出",
            ANNULLED => "撤销",
            OBJECTION_LODGED => "提出异议",
            OBJECTION_UPHELD => "异议成立",
            OBJECTION_REJECTED => "异议不成立",
            NOTE => "备注",
            VOIDED => "撤回操作",
            _ => "",
        }
    }
}

/// One event of the log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Position in the log, from 1.
    pub event_id: i64,
    /// `None` for notes.
    pub entry_id: Option<String>,
    pub lawyer_id: String,
    /// `None` for notes.
    pub list: Option<ListKind>,
    pub kind: String,
    /// The run's as-of or the action's `--on` date.
    pub date: NaiveDate,
    /// Set for events a run wrote.
    pub run_id: Option<String>,
    /// `pipeline` or a person's name.
    pub actor: String,
    pub reason: String,
    /// Rule codes joined by `;`: the entry's rules after the event.
    pub rules: String,
    /// Evidence ids joined by `;`: those the event adds (held, proposed,
    /// listed: all; extended: the new ones; annulled: the overturned ones).
    pub evidence: String,
    /// Set by held (none), proposed, listed and extended.
    pub severity: Option<Severity>,
    /// Set by listed, extended and renewed: the entry's new end.
    pub ends_on: Option<NaiveDate>,
    /// Set by run events: the run's `period_end`.
    pub period_end: Option<NaiveDate>,
    /// Held, proposed, listed, extended and amended: the evidence per rule
    /// (extended: of the new rules). Empty in events written before
    /// schema version 2, whose evidence is matched to rules by kind.
    pub rule_evidence: BTreeMap<String, Vec<String>>,
    /// The `voided` event that voided this one (`register undo`).
    pub voided_by: Option<i64>,
}

impl Event {
    /// The evidence ids as a list.
    pub fn evidence_ids(&self) -> Vec<&str> {
        super::rules::split_codes(&self.evidence)
    }

    /// Whether the fold counts this event: neither an undo nor undone.
    pub fn in_force(&self) -> bool {
        self.kind != kind::VOIDED && self.voided_by.is_none()
    }
}

fn rule_evidence_text(map: &BTreeMap<String, Vec<String>>) -> String {
    if map.is_empty() {
        String::new()
    } else {
        serde_json::to_string(map).expect("a map of strings serialises")
    }
}

pub(crate) fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn parse_date_text(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn conversion(idx: usize, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        idx,
        rusqlite::types::Type::Text,
        Box::<dyn std::error::Error + Send + Sync>::from(message),
    )
}

pub(crate) fn date_at(row: &Row, idx: usize) -> rusqlite::Result<NaiveDate> {
    let text: String = row.get(idx)?;
    parse_date_text(&text).ok_or_else(|| conversion(idx, format!("bad date `{text}`")))
}

pub(crate) fn opt_date_at(row: &Row, idx: usize) -> rusqlite::Result<Option<NaiveDate>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| parse_date_text(&t).ok_or_else(|| conversion(idx, format!("bad date `{t}`"))))
        .transpose()
}

fn parsed<T: std::str::FromStr<Err = String>>(
    row: &Row,
    idx: usize,
) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| t.parse::<T>().map_err(|e| conversion(idx, e)))
        .transpose()
}

const COLUMNS: &str = "e.event_id, e.entry_id, e.lawyer_id, e.list, e.kind, e.date, e.run_id, \
                       e.actor, e.reason, e.rules, e.evidence, e.severity, e.ends_on, \
                       e.period_end, e.rule_evidence, v.voided_by";
const FROM: &str = "events AS e LEFT JOIN voided_events AS v ON v.event_id = e.event_id";

fn from_row(row: &Row) -> rusqlite::Result<Event> {
    Ok(Event {
        event_id: row.get(0)?,
        entry_id: row.get(1)?,
        lawyer_id: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
        list: parsed(row, 3)?,
        kind: row.get(4)?,
        date: date_at(row, 5)?,
        run_id: row.get(6)?,
        actor: row.get(7)?,
        reason: row.get(8)?,
        rules: row.get(9)?,
        evidence: row.get(10)?,
        severity: parsed(row, 11)?,
        ends_on: opt_date_at(row, 12)?,
        period_end: opt_date_at(row, 13)?,
        rule_evidence: {
            let text: String = row.get(14)?;
            if text.is_empty() {
                BTreeMap::new()
            } else {
                serde_json::from_str(&text)
                    .map_err(|e| conversion(14, format!("bad rule_evidence `{text}`: {e}")))?
            }
        },
        voided_by: row.get(15)?,
    })
}

/// The log in event-id order: all of it, or the events dated on or before
/// `up_to`.
pub(crate) fn read(conn: &Connection, up_to: Option<NaiveDate>) -> rusqlite::Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE ?1 IS NULL OR e.date <= ?1 ORDER BY e.event_id"
    ))?;
    let rows = stmt.query_map(params![up_to.map(date_text)], from_row)?;
    rows.collect()
}

/// One lawyer's events in event-id order.
pub(crate) fn read_lawyer(conn: &Connection, lawyer_id: &str) -> rusqlite::Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE e.lawyer_id = ?1 ORDER BY e.event_id"
    ))?;
    let rows = stmt.query_map(params![lawyer_id], from_row)?;
    rows.collect()
}

/// Appends an event (its `event_id` is ignored) and returns its new id.
pub(crate) fn insert(conn: &Connection, e: &Event) -> rusqlite::Result<i64> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO events (entry_id, lawyer_id, list, kind, date, run_id, actor, reason, \
         rules, evidence, severity, ends_on, period_end, rule_evidence) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    stmt.execute(params![
        e.entry_id,
        Some(e.lawyer_id.as_str()).filter(|l| !l.is_empty()),
        e.list.map(ListKind::as_str),
        e.kind,
        date_text(e.date),
        e.run_id,
        e.actor,
        e.reason,
        e.rules,
        e.evidence,
        e.severity.map(Severity::as_str),
        e.ends_on.map(date_text),
        e.period_end.map(date_text),
        rule_evidence_text(&e.rule_evidence),
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Records that `voided_by` (a `voided` event) voids these events.
pub(crate) fn void(conn: &Connection, event_ids: &[i64], voided_by: i64) -> rusqlite::Result<()> {
    let mut stmt =
        conn.prepare_cached("INSERT INTO voided_events (event_id, voided_by) VALUES (?1, ?2)")?;
    for id in event_ids {
        stmt.execute(params![id, voided_by])?;
    }
    Ok(())
}

/// The date of the last event in force (neither an undo nor undone), if any.
pub(crate) fn last_date(conn: &Connection) -> rusqlite::Result<Option<NaiveDate>> {
    let text: Option<String> = conn
        .query_row(
            "SELECT max(date) FROM events WHERE kind <> 'voided' \
             AND event_id NOT IN (SELECT event_id FROM voided_events)",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    Ok(text.as_deref().and_then(parse_date_text))
}

/// The largest event id, 0 for an empty log.
pub(crate) fn last_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT coalesce(max(event_id), 0) FROM events", [], |r| {
        r.get(0)
    })
}
