//! What the register is told and what it answers: the lists and severities,
//! one run's per-lawyer findings ([`RunInput`], built by the caller from the
//! credit and list-rule SQL), the run's result ([`RunOutcome`]), and the
//! arguments of the manual commands ([`Objection`], [`RepairFacts`]). These
//! are plain values: the register never reads input tables itself.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::events::Event;
use super::state::Entry;
use crate::config::ListSettings;

/// The two lists; `negative` / `positive` in files and on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListKind {
    Negative,
    Positive,
}

impl ListKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Negative => "negative",
            ListKind::Positive => "positive",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            ListKind::Negative => "负面清单",
            ListKind::Positive => "正面清单",
        }
    }

    /// The prefix of entry ids: `NEG` or `POS`.
    pub fn prefix(self) -> &'static str {
        match self {
            ListKind::Negative => "NEG",
            ListKind::Positive => "POS",
        }
    }
}

impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ListKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "negative" => Ok(ListKind::Negative),
            "positive" => Ok(ListKind::Positive),
            other => Err(format!(
                "unknown list `{other}`; expected negative or positive"
            )),
        }
    }
}

/// Severity of a negative entry; `general` < `serious`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    General,
    Serious,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::General => "general",
            Severity::Serious => "serious",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Severity::General => "一般",
            Severity::Serious => "严重",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "general" => Ok(Severity::General),
            "serious" => Ok(Severity::Serious),
            other => Err(format!(
                "unknown severity `{other}`; expected general or serious"
            )),
        }
    }
}

/// A negative rule that holds for a lawyer at this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegativeFinding {
    /// `N1` … `N4`.
    pub rule: &'static str,
    /// `false` = held: the rule rests on cases that do not count (N1/N2 only).
    pub firm: bool,
    /// Case, complaint and sanction ids, sorted.
    pub evidence: Vec<String>,
    /// Why a held rule's cases do not count (empty for a firm rule).
    pub held_because: Vec<HoldReason>,
}

/// Why a graded case does not count towards N1/N2 (`int_case_grades`
/// `hold_reason`), so a rule resting on it is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HoldReason {
    /// The panel's totals spread too far, or it split on a veto item.
    Disputed,
    /// The case type's panel agreement (alpha) is below `alpha_hold`.
    LowAgreement,
    /// The grade would differ under average reviewers (`[lists]
    /// hold_severity_sensitive`).
    SeveritySensitive,
}

impl HoldReason {
    pub const ALL: [HoldReason; 3] = [
        HoldReason::Disputed,
        HoldReason::LowAgreement,
        HoldReason::SeveritySensitive,
    ];

    /// The code SQL writes (`int_case_grades.hold_reason`).
    pub fn code(self) -> &'static str {
        match self {
            HoldReason::Disputed => "disputed",
            HoldReason::LowAgreement => "low_agreement",
            HoldReason::SeveritySensitive => "severity_sensitive",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            HoldReason::Disputed => "评分有争议",
            HoldReason::LowAgreement => "该类案件评查一致性不足",
            HoldReason::SeveritySensitive => {
                "等级取决于抽到的评查专家（校正评查专家宽严后等级不同）"
            }
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            HoldReason::Disputed => "disputed",
            HoldReason::LowAgreement => "low panel agreement",
            HoldReason::SeveritySensitive => {
                "severity-sensitive: the grade depends on the reviewers drawn"
            }
        }
    }
}

impl std::str::FromStr for HoldReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        HoldReason::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| format!("unknown hold reason `{s}`"))
    }
}

/// What this run's data says about one evidence id of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceStatus {
    /// Present and still supporting the rule.
    Valid,
    /// Present and no longer supporting the rule: a case no longer vetoed
    /// (N1) or no longer unqualified (N2), a complaint no longer
    /// substantiated (N3), a sanction revoked (N4).
    Overturned,
    /// Not in this run's data (a case of an earlier period, a row missing
    /// from an export): never a reason to annul, but named for staff.
    Unknown,
    /// The run's data holds the id as evidence of other rules only (a
    /// complaint id under N2): not this rule's evidence. Only events written
    /// before evidence was recorded per rule need this.
    OtherRule,
}

/// What the run's data says about evidence, rule by rule.
pub trait Evidence {
    fn status(&self, rule: &str, id: &str) -> EvidenceStatus;
    /// The end (`ends_on`) of a sanction in the run's data.
    fn sanction_end(&self, id: &str) -> Option<NaiveDate>;
}

/// A closure judging `(rule, id)` is an [`Evidence`] without sanction ends
/// (the register's unit tests).
impl<F: Fn(&str, &str) -> EvidenceStatus> Evidence for F {
    fn status(&self, rule: &str, id: &str) -> EvidenceStatus {
        self(rule, id)
    }

    fn sanction_end(&self, _id: &str) -> Option<NaiveDate> {
        None
    }
}

/// One lawyer of this run.
#[derive(Debug, Clone, PartialEq)]
pub struct LawyerInput {
    pub lawyer_id: String,
    /// Empty when no negative rule holds.
    pub negative: Vec<NegativeFinding>,
    /// P1–P4 hold and `status = active`; the register checks P5 itself.
    pub positive: bool,
    /// Status `revoked` or a `licence_revoked` sanction.
    pub licence_revoked: bool,
    /// The latest `ends_on` of the sanctions behind N4 still in force.
    pub n4_sanction_end: Option<NaiveDate>,
    /// This run's credit snapshot (figures, tier, reasons, weights).
    pub credit: super::snapshot::CreditSnapshot,
}

/// One run, as the register sees it.
pub struct RunInput<'a> {
    pub run_id: &'a str,
    pub as_of: NaiveDate,
    /// The end of the run's review period (decides "a later period's run").
    pub period_end: NaiveDate,
    pub settings: &'a ListSettings,
    pub lawyers: Vec<LawyerInput>,
    pub evidence: &'a dyn Evidence,
}

/// What a run did to the register.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// The events the run appended (a dry run: would append; their ids are
    /// provisional), in order.
    pub new_events: Vec<Event>,
    /// Every entry of the register after the run.
    pub entries: Vec<Entry>,
    /// Entries that received a `proposed` event in this run (each needs a
    /// notice), as they stand after the run.
    pub newly_proposed: Vec<Entry>,
    /// Events the run started from (those dated on or before its as-of).
    pub events_before: u64,
    pub events_after: u64,
    /// Open entries resting on evidence absent from the run's data, for
    /// staff to decide (`internal/register-check.csv`).
    pub absent_evidence: Vec<AbsentEvidence>,
}

/// One evidence id of an open entry that the run's data does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AbsentEvidence {
    pub entry_id: String,
    pub lawyer_id: String,
    pub rule: String,
    pub evidence_id: String,
}

/// A decision on an objection to a proposed entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objection {
    /// Lodged and undecided: blocks listing.
    Lodged,
    /// The entry is withdrawn.
    Upheld,
    /// The entry continues.
    Rejected,
}

impl Objection {
    /// The event kind that records it.
    pub fn kind(self) -> &'static str {
        match self {
            Objection::Lodged => "objection_lodged",
            Objection::Upheld => "objection_upheld",
            Objection::Rejected => "objection_rejected",
        }
    }
}

/// What a repair decision needs to know beyond the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RepairFacts {
    pub licence_revoked: bool,
    /// The end of the sanction behind N4, when one is still in force.
    pub n4_sanction_end: Option<NaiveDate>,
}
