//! The lists stage: the credit and list-rule models read out of the session
//! as each lawyer's [`LawyerInput`], the evidence index that tells the
//! register whether an entry's evidence still stands, and the register's
//! state after the run registered back into the session (`register_entries`,
//! `register_events`) for the models and reports that read it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{ArrayRef, BooleanArray, Date32Array, Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;
use serde_json::{Map, Value, json};

use crate::credit::{credit_reason, rows_as_json};
use crate::error::{Error, Result};
use crate::ingest::value::{date32, parse_date};
use crate::register::state::Entry;
use crate::register::{Event, EvidenceStatus, LawyerInput, NegativeFinding, rule};

/// Runs a query and returns its rows as JSON objects.
async fn query(ctx: &SessionContext, sql: &str) -> Result<Vec<Map<String, Value>>> {
    let engine = |e: datafusion::error::DataFusionError| Error::Engine(format!("{e} (in: {sql})"));
    let batches = ctx
        .sql(sql)
        .await
        .map_err(engine)?
        .collect()
        .await
        .map_err(engine)?;
    rows_as_json(&batches)
}

fn text(row: &Map<String, Value>, key: &str) -> String {
    row.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn flag(row: &Map<String, Value>, key: &str) -> bool {
    row.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// What the run knows of every evidence id an entry may rest on.
#[derive(Debug, Default)]
pub struct EvidenceIndex {
    /// Complaint id → still a substantiated prohibited-conduct complaint.
    complaints: HashMap<String, bool>,
    /// Sanction ids decided by as-of.
    sanctions: HashSet<String>,
    /// Scored case of the period → still graded in the fail band.
    cases: HashMap<String, bool>,
}

impl EvidenceIndex {
    /// Valid when the evidence is in this run's data and still supports its
    /// rule; overturned when it is there and no longer does (a complaint no
    /// longer substantiated, a case re-graded); unknown when this run's data
    /// does not hold it (a case of an earlier period, a row no longer
    /// exported) — which never annuls an entry.
    pub fn status(&self, id: &str) -> EvidenceStatus {
        let judged = self
            .complaints
            .get(id)
            .or_else(|| self.cases.get(id))
            .copied();
        match judged {
            Some(true) => EvidenceStatus::Valid,
            Some(false) => EvidenceStatus::Overturned,
            None if self.sanctions.contains(id) => EvidenceStatus::Valid,
            None => EvidenceStatus::Unknown,
        }
    }
}

/// Each lawyer's input to the register, and the evidence index.
pub async fn register_input(ctx: &SessionContext) -> Result<(Vec<LawyerInput>, EvidenceIndex)> {
    let credit = query(ctx, "select * from int_lawyer_credit order by lawyer_id").await?;
    let mut reasons: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for r in query(
        ctx,
        "select * from int_credit_reasons order by lawyer_id, rank",
    )
    .await?
    {
        let code = text(&r, "code");
        let texts = credit_reason(&code);
        let evidence: Vec<&str> = r["evidence"]
            .as_str()
            .unwrap_or("")
            .split(';')
            .filter(|s| !s.is_empty())
            .collect();
        reasons
            .entry(text(&r, "lawyer_id"))
            .or_default()
            .push(json!({
                "code": code,
                "zh": texts.map(|t| t.zh),
                "en": texts.map(|t| t.en),
                "points": r["cost"],
                "evidence": evidence,
            }));
    }
    let mut negative: BTreeMap<String, Vec<(NegativeFinding, Option<NaiveDate>)>> = BTreeMap::new();
    for r in query(
        ctx,
        "select * from int_negative_rules order by lawyer_id, rule",
    )
    .await?
    {
        let code = text(&r, "rule");
        let registered = rule(&code).ok_or_else(|| {
            Error::Engine(format!("int_negative_rules gives unknown rule {code}"))
        })?;
        let finding = NegativeFinding {
            rule: registered.code,
            firm: flag(&r, "firm"),
            evidence: text(&r, "evidence")
                .split(';')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        };
        let end = r
            .get("sanction_end")
            .and_then(Value::as_str)
            .and_then(parse_date);
        negative
            .entry(text(&r, "lawyer_id"))
            .or_default()
            .push((finding, end));
    }
    let positive: HashMap<String, Map<String, Value>> =
        query(ctx, "select * from int_positive_rules")
            .await?
            .into_iter()
            .map(|r| (text(&r, "lawyer_id"), r))
            .collect();
    let revoked: HashSet<String> = query(
        ctx,
        "select l.lawyer_id from stg_lawyers as l where l.status = 'revoked' \
         union select s.lawyer_id from sanctions as s cross join settings as p \
         where s.kind = 'licence_revoked' and s.decided_on <= p.as_of",
    )
    .await?
    .iter()
    .map(|r| text(r, "lawyer_id"))
    .collect();

    let mut lawyers = Vec::with_capacity(credit.len());
    for row in credit {
        let id = text(&row, "lawyer_id");
        let findings = negative.remove(&id).unwrap_or_default();
        let n4_sanction_end = findings.iter().filter_map(|(_, end)| *end).max();
        let licence_revoked = revoked.contains(&id);
        let p = positive.get(&id);
        let mut payload = row;
        payload.insert(
            "reasons".into(),
            Value::Array(reasons.remove(&id).unwrap_or_default()),
        );
        for key in ["p1", "p2", "p3", "p4"] {
            payload.insert(key.into(), Value::Bool(p.is_some_and(|p| flag(p, key))));
        }
        payload.insert(
            crate::register::snapshot::LICENCE_REVOKED.into(),
            Value::Bool(licence_revoked),
        );
        payload.insert(
            crate::register::snapshot::N4_SANCTION_END.into(),
            n4_sanction_end
                .map(|d| Value::String(d.to_string()))
                .unwrap_or(Value::Null),
        );
        lawyers.push(LawyerInput {
            lawyer_id: id,
            negative: findings.into_iter().map(|(f, _)| f).collect(),
            positive: p.is_some_and(|p| flag(p, "positive")),
            licence_revoked,
            n4_sanction_end,
            credit: Value::Object(payload),
        });
    }

    let mut index = EvidenceIndex::default();
    for r in query(
        ctx,
        "select c.complaint_id, coalesce(c.outcome = 'substantiated' and k.prohibited, false) as valid \
         from complaints as c left join complaint_categories as k on c.category = k.category",
    )
    .await?
    {
        index.complaints.insert(text(&r, "complaint_id"), flag(&r, "valid"));
    }
    for r in query(ctx, "select s.sanction_id from sanctions as s cross join settings as p where s.decided_on <= p.as_of").await? {
        index.sanctions.insert(text(&r, "sanction_id"));
    }
    for r in query(ctx, "select case_id, is_fail from int_case_grades").await? {
        index.cases.insert(text(&r, "case_id"), flag(&r, "is_fail"));
    }
    Ok((lawyers, index))
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
            strings(entries.iter().map(|e| Some(e.status.clone()))),
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
pub async fn addressees(
    ctx: &SessionContext,
) -> Result<HashMap<String, crate::notices::Addressee>> {
    Ok(
        query(ctx, "select lawyer_id, name, law_firm from stg_lawyers")
            .await?
            .into_iter()
            .map(|r| {
                (
                    text(&r, "lawyer_id"),
                    crate::notices::Addressee {
                        name: text(&r, "name"),
                        law_firm: text(&r, "law_firm"),
                    },
                )
            })
            .collect(),
    )
}

fn strings(values: impl Iterator<Item = Option<String>>) -> ArrayRef {
    Arc::new(StringArray::from(values.collect::<Vec<_>>()))
}
