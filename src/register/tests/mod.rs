//! Unit tests of the register, on hand-made [`LawyerInput`]s and a register
//! file in a temporary folder: no input tables and no query engine.
//!
//! Defaults throughout: notice 15 days, general 365, serious 1,095, repair
//! after 90 / 365 days, positive 365.

mod actions;
mod due_process;
mod fold;
mod negative;
mod positive;
mod runs;
mod schema;

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::NaiveDate;

use super::*;
use crate::config::ListSettings;

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A lawyer with nothing against them and not qualifying for the positive list.
pub fn lawyer(id: &str) -> LawyerInput {
    LawyerInput {
        lawyer_id: id.to_string(),
        negative: Vec::new(),
        positive: false,
        licence_revoked: false,
        n4_sanction_end: None,
        credit: snapshot_of(id, Some(75.5), Some("C")),
    }
}

/// A credit snapshot with only a score and a tier.
pub fn snapshot_of(id: &str, score: Option<f64>, tier: Option<&str>) -> snapshot::CreditSnapshot {
    snapshot::CreditSnapshot::new(
        snapshot::CreditFigures {
            lawyer_id: id.to_string(),
            credit_score: score,
            tier: tier.map(str::to_string),
            ..Default::default()
        },
        Vec::new(),
        snapshot::CreditWeights::default(),
    )
}

pub fn with(mut l: LawyerInput, findings: &[NegativeFinding]) -> LawyerInput {
    l.negative = findings.to_vec();
    l
}

pub fn positive(id: &str) -> LawyerInput {
    LawyerInput {
        positive: true,
        ..lawyer(id)
    }
}

pub fn firm(rule: &'static str, ids: &[&str]) -> NegativeFinding {
    NegativeFinding {
        rule,
        firm: true,
        evidence: ids.iter().map(|s| s.to_string()).collect(),
        held_because: Vec::new(),
    }
}

pub fn held(rule: &'static str, ids: &[&str]) -> NegativeFinding {
    NegativeFinding {
        firm: false,
        ..firm(rule, ids)
    }
}

/// A register in a temporary folder, with the evidence statuses the next
/// run reports (everything else is `Valid`).
pub struct H {
    pub dir: tempfile::TempDir,
    pub reg: Register,
    pub settings: ListSettings,
    pub overturned: BTreeSet<String>,
    pub unknown: BTreeSet<String>,
}

impl H {
    pub fn new() -> H {
        let dir = tempfile::tempdir().unwrap();
        let mut reg = Register::open(&dir.path().join("state/register.sqlite")).unwrap();
        // Far enough ahead that no test date is refused by the clock check
        // (tests of the check set their own day).
        reg.set_today(d("2099-12-31"));
        H {
            dir,
            reg,
            settings: ListSettings::default(),
            overturned: BTreeSet::new(),
            unknown: BTreeSet::new(),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("state/register.sqlite")
    }

    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(self.path()).unwrap()
    }

    /// Overturns an id for every rule; `"N1:C1"` overturns it for N1 only.
    pub fn overturn(&mut self, id: &str) {
        self.overturned.insert(id.to_string());
    }

    pub fn age_out(&mut self, id: &str) {
        self.unknown.insert(id.to_string());
    }

    /// A run whose review period is the calendar year before `as_of`'s
    /// January (a run in January 2025 belongs to period 2024), or the year of
    /// `as_of` when it is 31 December.
    pub fn period_end(as_of: NaiveDate) -> NaiveDate {
        use chrono::Datelike;
        if as_of.month() == 12 && as_of.day() == 31 {
            as_of
        } else {
            NaiveDate::from_ymd_opt(as_of.year() - 1, 12, 31).unwrap()
        }
    }

    pub fn try_run(
        &mut self,
        as_of: &str,
        lawyers: Vec<LawyerInput>,
        dry_run: bool,
    ) -> Result<RunOutcome> {
        let as_of = d(as_of);
        let overturned = self.overturned.clone();
        let unknown = self.unknown.clone();
        let evidence = move |rule: &str, id: &str| {
            if overturned.contains(id) || overturned.contains(&format!("{rule}:{id}")) {
                EvidenceStatus::Overturned
            } else if unknown.contains(id) {
                EvidenceStatus::Unknown
            } else {
                EvidenceStatus::Valid
            }
        };
        let run_id = format!("run-{as_of}");
        let input = RunInput {
            run_id: &run_id,
            as_of,
            period_end: H::period_end(as_of),
            settings: &self.settings,
            lawyers,
            evidence: &evidence,
        };
        self.reg.apply_run(&input, dry_run)
    }

    pub fn run(&mut self, as_of: &str, lawyers: Vec<LawyerInput>) -> RunOutcome {
        self.try_run(as_of, lawyers, false).unwrap()
    }

    /// The lawyer's latest entry on a list.
    pub fn entry(&self, lawyer: &str, list: ListKind) -> Entry {
        self.reg
            .entries()
            .unwrap()
            .into_iter()
            .rfind(|e| e.lawyer_id == lawyer && e.list == list)
            .unwrap_or_else(|| panic!("no {list} entry for {lawyer}"))
    }

    pub fn neg(&self, lawyer: &str) -> Entry {
        self.entry(lawyer, ListKind::Negative)
    }

    pub fn pos(&self, lawyer: &str) -> Entry {
        self.entry(lawyer, ListKind::Positive)
    }

    pub fn count(&self) -> usize {
        self.reg.events().unwrap().len()
    }
}

/// (entry id, kind) of each event.
pub fn kinds(events: &[Event]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| (e.entry_id.clone().unwrap_or_default(), e.kind.clone()))
        .collect()
}

pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}
