//! The lists stage: the credit and list-rule marts read as typed rows into
//! each lawyer's [`LawyerInput`] and the [`EvidenceIndex`] that tells the
//! register whether an entry's evidence still stands, and the register's
//! state after the run registered back into the session (`register_entries`,
//! `register_events`) for the models and reports that read it. No SQL
//! lives here: the rows come from `sql/mart_register_input.sql`,
//! `mart_credit_reasons`, `mart_negative_findings`, `mart_evidence` and
//! `mart_addressees` through [`crate::marts`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{ArrayRef, BooleanArray, Date32Array, Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;
use serde::Deserialize;

use crate::config::CreditSettings;
use crate::credit::credit_reason;
use crate::error::{Error, Result};
use crate::ingest::value::date32;
use crate::marts::{MartRow, read};
use crate::models::ModelResult;
use crate::register::snapshot::{CreditFigures, CreditSnapshot, CreditWeights, SnapshotReason};
use crate::register::state::Entry;
use crate::register::{
    Event, Evidence, EvidenceStatus, HoldReason, LawyerInput, NegativeFinding, rule,
};

/// `mart_register_input`: one lawyer's credit figures, positive rules and
/// repair facts at this run.
#[derive(Debug, Clone, Deserialize)]
pub struct RegisterInputRow {
    pub lawyer_id: String,
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
    pub eligible_base: Option<bool>,
    pub p1: bool,
    pub p2: bool,
    pub p3: bool,
    pub p4: bool,
    pub positive: bool,
    pub licence_revoked: bool,
    #[serde(deserialize_with = "crate::marts::optional_date")]
    pub n4_sanction_end: Option<NaiveDate>,
}

impl MartRow for RegisterInputRow {
    const MODEL: &'static str = "mart_register_input";
    const DATES: &'static [&'static str] = &["n4_sanction_end"];
}

/// `mart_credit_reasons`: a reason code that cost a lawyer points.
#[derive(Debug, Clone, Deserialize)]
pub struct CreditReasonRow {
    pub lawyer_id: String,
    pub rank: i64,
    pub code: String,
    pub cost: f64,
    pub evidence: String,
}

impl MartRow for CreditReasonRow {
    const MODEL: &'static str = "mart_credit_reasons";
}

/// `mart_negative_findings`: a negative rule that holds for a lawyer.
#[derive(Debug, Clone, Deserialize)]
pub struct NegativeFindingRow {
    pub lawyer_id: String,
    pub rule: String,
    pub firm: bool,
    pub evidence: String,
    #[serde(deserialize_with = "crate::marts::optional_date")]
    pub sanction_end: Option<NaiveDate>,
    /// `;`-joined `HoldReason` codes of a held rule, empty when firm.
    pub held_because: String,
}

impl MartRow for NegativeFindingRow {
    const MODEL: &'static str = "mart_negative_findings";
    const DATES: &'static [&'static str] = &["sanction_end"];
}

/// `mart_evidence`: whether a piece of evidence still stands for its rule.
#[derive(Debug, Clone, Deserialize)]
pub struct EvidenceRow {
    pub rule: String,
    pub evidence_id: String,
    pub stands: bool,
    #[serde(deserialize_with = "crate::marts::optional_date")]
    pub ends_on: Option<NaiveDate>,
}

impl MartRow for EvidenceRow {
    const MODEL: &'static str = "mart_evidence";
    const DATES: &'static [&'static str] = &["ends_on"];
}

/// `mart_addressees`: how a notice addresses a lawyer.
#[derive(Debug, Clone, Deserialize)]
pub struct AddresseeRow {
    pub lawyer_id: String,
    pub name: String,
    pub law_firm: String,
}

impl MartRow for AddresseeRow {
    const MODEL: &'static str = "mart_addressees";
}

/// `;`-joined hold-reason codes as a sorted set.
fn hold_reasons(codes: &str) -> Result<Vec<HoldReason>> {
    let set: std::collections::BTreeSet<HoldReason> = ids(codes)
        .map(|code| {
            code.parse()
                .map_err(|e| Error::Engine(format!("sql/mart_negative_findings.sql: {e}")))
        })
        .collect::<Result<_>>()?;
    Ok(set.into_iter().collect())
}

fn ids(list: &str) -> impl Iterator<Item = &str> {
    list.split(';').filter(|s| !s.is_empty())
}

/// What the run knows of every evidence id an entry may rest on, per rule.
#[derive(Debug, Default)]
pub struct EvidenceIndex {
    /// Rule → evidence id → still supports the rule (nested, so a lookup
    /// allocates nothing).
    stands: HashMap<String, HashMap<String, bool>>,
    /// Every id the run's data holds, under any rule.
    known: HashSet<String>,
    /// Sanction id → its `ends_on`.
    sanction_ends: HashMap<String, NaiveDate>,
}

impl EvidenceIndex {
    pub fn new(rows: Vec<EvidenceRow>) -> EvidenceIndex {
        let mut index = EvidenceIndex::default();
        for row in rows {
            if let Some(end) = row.ends_on {
                index.sanction_ends.insert(row.evidence_id.clone(), end);
            }
            index.known.insert(row.evidence_id.clone());
            index
                .stands
                .entry(row.rule)
                .or_default()
                .insert(row.evidence_id, row.stands);
        }
        index
    }
}

impl Evidence for EvidenceIndex {
    /// Valid when the run's data holds the id under this rule and it still
    /// supports it; overturned when it no longer does (a case no longer
    /// vetoed or unqualified, a complaint no longer substantiated, a
    /// sanction revoked); unknown when the data does not hold the id at all
    /// (a case of an earlier period, a row no longer exported), which never
    /// annuls an entry.
    fn status(&self, rule: &str, id: &str) -> EvidenceStatus {
        match self.stands.get(rule).and_then(|ids| ids.get(id)) {
            Some(true) => EvidenceStatus::Valid,
            Some(false) => EvidenceStatus::Overturned,
            None if self.known.contains(id) => EvidenceStatus::OtherRule,
            None => EvidenceStatus::Unknown,
        }
    }

    fn sanction_end(&self, id: &str) -> Option<NaiveDate> {
        self.sanction_ends.get(id).copied()
    }
}

/// Each lawyer's input to the register, and the evidence index, from the
/// run's model results.
pub fn register_input(
    results: &[ModelResult],
    credit_settings: &CreditSettings,
) -> Result<(Vec<LawyerInput>, EvidenceIndex)> {
    let mut reasons: BTreeMap<String, Vec<SnapshotReason>> = BTreeMap::new();
    for r in read::<CreditReasonRow>(results)? {
        let texts = credit_reason(&r.code);
        reasons
            .entry(r.lawyer_id)
            .or_default()
            .push(SnapshotReason {
                zh: texts.map(|t| t.zh.to_string()),
                en: texts.map(|t| t.en.to_string()),
                points: r.cost,
                evidence: ids(&r.evidence).map(str::to_string).collect(),
                code: r.code,
            });
    }
    let mut negative: BTreeMap<String, Vec<NegativeFinding>> = BTreeMap::new();
    for r in read::<NegativeFindingRow>(results)? {
        let registered = rule(&r.rule).ok_or_else(|| {
            Error::Engine(format!(
                "sql/mart_negative_findings.sql gives rule {}, which the register does not know",
                r.rule
            ))
        })?;
        negative
            .entry(r.lawyer_id)
            .or_default()
            .push(NegativeFinding {
                rule: registered.code,
                firm: r.firm,
                evidence: ids(&r.evidence).map(str::to_string).collect(),
                held_because: hold_reasons(&r.held_because)?,
            });
    }
    let weights = CreditWeights::of(credit_settings);
    let rows = read::<RegisterInputRow>(results)?;
    let mut lawyers = Vec::with_capacity(rows.len());
    for row in rows {
        let id = row.lawyer_id.clone();
        lawyers.push(LawyerInput {
            negative: negative.remove(&id).unwrap_or_default(),
            positive: row.positive,
            licence_revoked: row.licence_revoked,
            n4_sanction_end: row.n4_sanction_end,
            credit: CreditSnapshot::new(
                figures(row),
                reasons.remove(&id).unwrap_or_default(),
                weights,
            ),
            lawyer_id: id,
        });
    }
    Ok((lawyers, EvidenceIndex::new(read::<EvidenceRow>(results)?)))
}

/// The stored figures of a mart row: the snapshot's format is the
/// register's, not the SQL's, so a renamed column cannot change it.
fn figures(r: RegisterInputRow) -> CreditFigures {
    CreditFigures {
        lawyer_id: r.lawyer_id,
        name: r.name,
        law_firm: r.law_firm,
        n_cases_closed: r.n_cases_closed,
        n_cases_reviewed: r.n_cases_reviewed,
        mean_score: r.mean_score,
        mu: r.mu,
        quality: r.quality,
        service: r.service,
        deductions: r.deductions,
        credit_score: r.credit_score,
        tier: r.tier,
        reason_codes: r.reason_codes,
        years_of_practice: r.years_of_practice,
        archive_rate: r.archive_rate,
        satisfaction_rate: r.satisfaction_rate,
        n_usable_feedback: r.n_usable_feedback,
        n_due: r.n_due,
        n_on_time: r.n_on_time,
        n_satisfied: r.n_satisfied,
        eligible_base: r.eligible_base,
        p1: r.p1,
        p2: r.p2,
        p3: r.p3,
        p4: r.p4,
        licence_revoked: r.licence_revoked,
        n4_sanction_end: r.n4_sanction_end,
    }
}

/// Registers `register_entries` and `register_events` in the session.
pub fn register_state(ctx: &SessionContext, entries: &[Entry], events: &[Event]) -> Result<()> {
    let d = |v: Option<NaiveDate>| v.map(date32);
    let utf8 = |n: &str, nullable| Field::new(n, DataType::Utf8, nullable);
    let date = |n: &str| Field::new(n, DataType::Date32, true);
    let entries_batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            utf8("entry_id", false),
            utf8("lawyer_id", false),
            utf8("list", false),
            utf8("status", false),
            utf8("severity", true),
            utf8("rules", false),
            utf8("evidence", false),
            date("proposed_on"),
            date("listed_on"),
            date("ends_on"),
            date("removed_on"),
            Field::new("objection_pending", DataType::Boolean, false),
        ])),
        vec![
            strings(entries.iter().map(|e| Some(e.entry_id.clone()))),
            strings(entries.iter().map(|e| Some(e.lawyer_id.clone()))),
            strings(entries.iter().map(|e| Some(e.list.as_str().to_string()))),
            strings(entries.iter().map(|e| Some(e.status.as_str().to_string()))),
            strings(
                entries
                    .iter()
                    .map(|e| e.severity.map(|s| s.as_str().to_string())),
            ),
            strings(entries.iter().map(|e| Some(e.rules.clone()))),
            strings(entries.iter().map(|e| Some(e.evidence.join(";")))),
            Arc::new(Date32Array::from(
                entries.iter().map(|e| d(e.proposed_on)).collect::<Vec<_>>(),
            )),
            Arc::new(Date32Array::from(
                entries.iter().map(|e| d(e.listed_on)).collect::<Vec<_>>(),
            )),
            Arc::new(Date32Array::from(
                entries.iter().map(|e| d(e.ends_on)).collect::<Vec<_>>(),
            )),
            Arc::new(Date32Array::from(
                entries.iter().map(|e| d(e.removed_on)).collect::<Vec<_>>(),
            )),
            Arc::new(BooleanArray::from(
                entries
                    .iter()
                    .map(|e| e.objection_pending)
                    .collect::<Vec<_>>(),
            )),
        ],
    )
    .map_err(|e| Error::Engine(e.to_string()))?;
    crate::session::register(
        ctx,
        "register_entries",
        entries_batch.schema(),
        vec![entries_batch],
    )?;
    let events = events_batch(events)?;
    crate::session::register(ctx, "register_events", events.schema(), vec![events])
}

/// The register's event log as one record batch (`register_events`).
pub fn events_batch(events: &[Event]) -> Result<RecordBatch> {
    let d = |v: Option<NaiveDate>| v.map(date32);
    let utf8 = |n: &str, nullable| Field::new(n, DataType::Utf8, nullable);
    let date = |n: &str| Field::new(n, DataType::Date32, true);
    RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("event_id", DataType::Int64, false),
            utf8("entry_id", true),
            utf8("lawyer_id", false),
            utf8("list", true),
            utf8("kind", false),
            Field::new("date", DataType::Date32, false),
            utf8("run_id", true),
            utf8("actor", false),
            utf8("reason", false),
            utf8("rules", false),
            utf8("evidence", false),
            utf8("severity", true),
            date("ends_on"),
        ])),
        vec![
            Arc::new(Int64Array::from(
                events.iter().map(|e| e.event_id).collect::<Vec<_>>(),
            )),
            strings(events.iter().map(|e| e.entry_id.clone())),
            strings(events.iter().map(|e| Some(e.lawyer_id.clone()))),
            strings(
                events
                    .iter()
                    .map(|e| e.list.map(|l| l.as_str().to_string())),
            ),
            strings(events.iter().map(|e| Some(e.kind.clone()))),
            Arc::new(Date32Array::from(
                events.iter().map(|e| date32(e.date)).collect::<Vec<_>>(),
            )),
            strings(events.iter().map(|e| e.run_id.clone())),
            strings(events.iter().map(|e| Some(e.actor.clone()))),
            strings(events.iter().map(|e| Some(e.reason.clone()))),
            strings(events.iter().map(|e| Some(e.rules.clone()))),
            strings(events.iter().map(|e| Some(e.evidence.clone()))),
            strings(
                events
                    .iter()
                    .map(|e| e.severity.map(|s| s.as_str().to_string())),
            ),
            Arc::new(Date32Array::from(
                events.iter().map(|e| d(e.ends_on)).collect::<Vec<_>>(),
            )),
        ],
    )
    .map_err(|e| Error::Engine(e.to_string()))
}

/// Lawyers' names and firms, for notices.
pub fn addressees(results: &[ModelResult]) -> Result<HashMap<String, crate::notices::Addressee>> {
    Ok(read::<AddresseeRow>(results)?
        .into_iter()
        .map(|r| {
            (
                r.lawyer_id,
                crate::notices::Addressee {
                    name: r.name,
                    law_firm: r.law_firm,
                },
            )
        })
        .collect())
}

/// `internal/register-check.csv`: every evidence id an open negative entry
/// rests on that this run's data does not hold (a case of an earlier
/// period, a row missing from an export). Absent evidence never annuls an
/// entry; staff decide with `register annul`. Written at every run, with
/// its header when nothing is absent.
pub fn write_register_check(
    dir: &std::path::Path,
    absent: &[crate::register::AbsentEvidence],
) -> Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join("register-check.csv");
    let mut out = csv::Writer::from_path(&path).map_err(|e| Error::io(&path, e.into()))?;
    let io = |e: csv::Error| Error::io(&path, e.into());
    out.write_record(["entry_id", "lawyer_id", "rule", "evidence_id", "status"])
        .map_err(io)?;
    for a in absent {
        let safe = crate::xlsx::neutralise_csv;
        out.write_record([
            safe(&a.entry_id),
            safe(&a.lawyer_id),
            a.rule.clone(),
            safe(&a.evidence_id),
            "absent".to_string(),
        ])
        .map_err(io)?;
    }
    out.flush().map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

fn strings(values: impl Iterator<Item = Option<String>>) -> ArrayRef {
    Arc::new(StringArray::from(values.collect::<Vec<_>>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(rule: &str, id: &str, stands: bool) -> EvidenceRow {
        EvidenceRow {
            rule: rule.into(),
            evidence_id: id.into(),
            stands,
            ends_on: None,
        }
    }

    #[test]
    fn evidence_is_judged_per_rule_and_absent_evidence_never_annuls() {
        let index = EvidenceIndex::new(vec![
            row("N1", "C1", false),
            row("N2", "C1", true),
            row("N3", "K1", false),
            row("N4", "S1", true),
        ]);
        // A case re-graded out of its veto but still unqualified: N1's
        // evidence is overturned, N2's stands.
        assert_eq!(index.status("N1", "C1"), EvidenceStatus::Overturned);
        assert_eq!(index.status("N2", "C1"), EvidenceStatus::Valid);
        assert_eq!(index.status("N3", "K1"), EvidenceStatus::Overturned);
        assert_eq!(index.status("N4", "S1"), EvidenceStatus::Valid);
        assert_eq!(index.status("N2", "K1"), EvidenceStatus::OtherRule);
        assert_eq!(index.status("N2", "C-of-2019"), EvidenceStatus::Unknown);
    }
}
