//! The register's state as the fold of its events: every [`Entry`] with its
//! status, rules, evidence and dates, plus what the state machine needs and
//! an entry does not show (everything an ended entry ever rested on, for "no
//! double jeopardy"). [`State::apply`] is the one place where an event
//! changes an entry; it refuses an event that does not fit the entry's
//! status, so a log that folds is a log of valid transitions. Runs use the
//! same function on their new events, so a run's outcome is exactly the fold
//! of the log it leaves behind.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use super::events::{Event, kind};
use super::input::{ListKind, Severity};
use super::rules::split_codes;

/// The status of a list entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryStatus {
    /// Created by its first event, not yet applied (never seen outside
    /// [`State::apply`]).
    New,
    Proposed,
    Held,
    Listed,
    Withdrawn,
    Expired,
    Removed,
    Annulled,
}

impl EntryStatus {
    /// The status as written in `list_status` and the event log's folds.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::New => "new",
            EntryStatus::Proposed => "proposed",
            EntryStatus::Held => "held",
            EntryStatus::Listed => "listed",
            EntryStatus::Withdrawn => "withdrawn",
            EntryStatus::Expired => "expired",
            EntryStatus::Removed => "removed",
            EntryStatus::Annulled => "annulled",
        }
    }

    /// The Chinese name of the status.
    pub fn zh(self) -> &'static str {
        match self {
            EntryStatus::New => "",
            EntryStatus::Proposed => "拟列入",
            EntryStatus::Held => "暂缓",
            EntryStatus::Listed => "已列入",
            EntryStatus::Withdrawn => "已撤回",
            EntryStatus::Expired => "已期满",
            EntryStatus::Removed => "已移出",
            EntryStatus::Annulled => "已撤销",
        }
    }

    /// Proposed, held or listed.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            EntryStatus::Proposed | EntryStatus::Held | EntryStatus::Listed
        )
    }
}

impl std::str::FromStr for EntryStatus {
    type Err = String;
    /// The status as written in `list_status` (`new` is never written).
    fn from_str(text: &str) -> Result<Self, String> {
        [
            EntryStatus::Proposed,
            EntryStatus::Held,
            EntryStatus::Listed,
            EntryStatus::Withdrawn,
            EntryStatus::Expired,
            EntryStatus::Removed,
            EntryStatus::Annulled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or_else(|| format!("unknown entry status `{text}`"))
    }
}

/// Compares with the status as written (`"listed"`), as files and tests
/// name it.
impl PartialEq<&str> for EntryStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for EntryStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One list entry of one lawyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// `NEG-<lawyer_id>-<n>` or `POS-<lawyer_id>-<n>`, n counting that
    /// lawyer's entries on that list from 1.
    pub entry_id: String,
    pub lawyer_id: String,
    pub list: ListKind,
    pub status: EntryStatus,
    /// Negative entries once proposed; `None` while held and on the positive list.
    pub severity: Option<Severity>,
    /// Rule codes joined by `;` in registry order.
    pub rules: String,
    /// The evidence ids the entry rests on, sorted: set when held, proposed
    /// and listed, grown by extensions, narrowed by amendments.
    pub evidence: Vec<String>,
    /// The same ids per rule (empty for entries recorded before schema
    /// version 2: see [`Entry::evidence_of`]).
    #[serde(skip)]
    pub rule_evidence: BTreeMap<String, Vec<String>>,
    pub proposed_on: Option<NaiveDate>,
    pub listed_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// The date the entry ended (withdrawn, expired, removed or annulled).
    pub removed_on: Option<NaiveDate>,
    /// A lodged, undecided objection: blocks listing.
    pub objection_pending: bool,
    /// The review period end of the last run that changed the entry (for a
    /// listed positive entry: the run that listed or last renewed it).
    pub period_end: Option<NaiveDate>,
}

impl Entry {
    /// Proposed, held or listed.
    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }

    /// A negative entry proposed or listed: its lawyer may not take criminal
    /// and major cases. The same rule as `blocked` in
    /// `sql/mart_lawyer_credit.sql`, which the eligibility roster and the
    /// lawyer pages read (a held entry does not bar).
    pub fn bars_eligibility(&self) -> bool {
        self.list == ListKind::Negative
            && matches!(self.status, EntryStatus::Proposed | EntryStatus::Listed)
    }

    /// Withdrawn, expired, removed or annulled.
    pub fn is_ended(&self) -> bool {
        !self.is_open()
    }

    pub fn rule_codes(&self) -> Vec<&str> {
        split_codes(&self.rules)
    }

    /// The evidence of one of the entry's rules: as recorded per rule, or,
    /// for an entry recorded before evidence was kept per rule, every id
    /// (the caller skips those the run's data holds under other rules).
    pub fn evidence_of(&self, rule: &str) -> Vec<&str> {
        if self.rule_evidence.is_empty() {
            self.evidence.iter().map(String::as_str).collect()
        } else {
            self.rule_evidence
                .get(rule)
                .map(|ids| ids.iter().map(String::as_str).collect())
                .unwrap_or_default()
        }
    }
}

/// The union of per-rule evidence, sorted.
fn union(map: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let all: BTreeSet<&String> = map.values().flatten().collect();
    all.into_iter().cloned().collect()
}

/// The fold of a log.
#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    /// In order of creation.
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
    /// Per entry (same index): every evidence id any of its events recorded.
    rested_on: Vec<BTreeSet<String>>,
    /// Per lawyer, the indexes of their entries, oldest first.
    by_lawyer: HashMap<String, Vec<usize>>,
    /// Lawyers that appear in the log.
    lawyers: BTreeSet<String>,
}

/// Why an event cannot be applied.
pub(crate) type FoldError = String;

impl State {
    /// The fold of the events in force (undo events and the events they
    /// voided are skipped).
    pub fn fold(events: &[Event]) -> Result<State, (i64, FoldError)> {
        let mut state = State::default();
        for e in events.iter().filter(|e| e.in_force()) {
            state.apply(e).map_err(|m| (e.event_id, m))?;
        }
        Ok(state)
    }

    /// The open entry of a (lawyer, list), if any.
    pub fn open_entry(&self, lawyer_id: &str, list: ListKind) -> Option<&Entry> {
        self.entries_of(lawyer_id, list).find(|e| e.is_open())
    }

    fn indexes(&self, lawyer_id: &str) -> &[usize] {
        self.by_lawyer.get(lawyer_id).map_or(&[], Vec::as_slice)
    }

    /// A lawyer's entries on a list, oldest first.
    pub fn entries_of<'a>(
        &'a self,
        lawyer_id: &str,
        list: ListKind,
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        self.indexes(lawyer_id)
            .iter()
            .map(|&i| &self.entries[i])
            .filter(move |e| e.list == list)
    }

    /// Evidence ids that the lawyer's ended entries rested on: no new entry
    /// may rest on them.
    pub fn barred_evidence(&self, lawyer_id: &str) -> BTreeSet<String> {
        self.indexes(lawyer_id)
            .iter()
            .filter(|&&i| self.entries[i].is_ended())
            .flat_map(|&i| self.rested_on[i].iter().cloned())
            .collect()
    }

    /// The id the lawyer's next entry on this list gets.
    pub fn next_entry_id(&self, lawyer_id: &str, list: ListKind) -> String {
        let n = self.entries_of(lawyer_id, list).count() + 1;
        format!("{}-{lawyer_id}-{n}", list.prefix())
    }

    /// Lawyers that appear in the log.
    pub fn lawyers(&self) -> &BTreeSet<String> {
        &self.lawyers
    }

    pub fn knows_lawyer(&self, lawyer_id: &str) -> bool {
        self.lawyers.contains(lawyer_id)
    }

    /// Every entry, by lawyer, then list (negative first), then age.
    pub fn entries(&self) -> Vec<Entry> {
        let mut out = self.entries.clone();
        out.sort_by(|a, b| (&a.lawyer_id, a.list).cmp(&(&b.lawyer_id, b.list)));
        out
    }

    /// Applies one event, refusing one that does not fit the entry's status.
    pub fn apply(&mut self, e: &Event) -> Result<(), FoldError> {
        self.lawyers.insert(e.lawyer_id.clone());
        if e.kind == kind::NOTE {
            return Ok(());
        }
        let entry_id = e
            .entry_id
            .as_deref()
            .ok_or_else(|| format!("a {} event needs an entry id", e.kind))?;
        let list = e
            .list
            .ok_or_else(|| format!("a {} event needs a list", e.kind))?;
        let evidence: Vec<String> = e.evidence_ids().into_iter().map(String::from).collect();

        let idx = match self.index.get(entry_id) {
            Some(&i) => i,
            None if e.kind == kind::HELD || e.kind == kind::PROPOSED => {
                if let Some(open) = self.open_entry(&e.lawyer_id, list) {
                    return Err(format!(
                        "new entry {entry_id} while {} is still {}",
                        open.entry_id, open.status
                    ));
                }
                self.entries.push(Entry {
                    entry_id: entry_id.to_string(),
                    lawyer_id: e.lawyer_id.clone(),
                    list,
                    status: EntryStatus::New,
                    severity: None,
                    rules: String::new(),
                    evidence: Vec::new(),
                    rule_evidence: BTreeMap::new(),
                    proposed_on: None,
                    listed_on: None,
                    ends_on: None,
                    removed_on: None,
                    objection_pending: false,
                    period_end: None,
                });
                self.rested_on.push(BTreeSet::new());
                let i = self.entries.len() - 1;
                self.index.insert(entry_id.to_string(), i);
                self.by_lawyer
                    .entry(e.lawyer_id.clone())
                    .or_default()
                    .push(i);
                i
            }
            None => return Err(format!("{} event for unknown entry {entry_id}", e.kind)),
        };
        let entry = &mut self.entries[idx];
        if entry.lawyer_id != e.lawyer_id || entry.list != list {
            return Err(format!(
                "event names lawyer {} and list {list} but entry {entry_id} is of {} on the {} list",
                e.lawyer_id, entry.lawyer_id, entry.list
            ));
        }
        let from = entry.status;
        let expect = |allowed: &[EntryStatus]| -> Result<(), FoldError> {
            if allowed.contains(&from) {
                Ok(())
            } else {
                Err(format!(
                    "{} event on entry {entry_id}, which is {from}",
                    e.kind
                ))
            }
        };
        match e.kind.as_str() {
            kind::HELD => {
                expect(&[EntryStatus::New, EntryStatus::Proposed])?;
                entry.status = EntryStatus::Held;
                entry.severity = None;
                entry.proposed_on = None;
                entry.rules = e.rules.clone();
                entry.evidence = evidence.clone();
                entry.rule_evidence = e.rule_evidence.clone();
            }
            kind::PROPOSED => {
                expect(&[EntryStatus::New, EntryStatus::Held])?;
                entry.status = EntryStatus::Proposed;
                entry.severity = e.severity;
                entry.proposed_on = Some(e.date);
                entry.rules = e.rules.clone();
                entry.evidence = evidence.clone();
                entry.rule_evidence = e.rule_evidence.clone();
            }
            kind::LISTED => {
                expect(&[EntryStatus::Proposed])?;
                if entry.objection_pending {
                    return Err(format!(
                        "entry {entry_id} listed while an objection is pending"
                    ));
                }
                entry.status = EntryStatus::Listed;
                entry.severity = e.severity;
                entry.listed_on = Some(e.date);
                entry.ends_on = Some(e.ends_on.ok_or("a listed event needs ends_on")?);
                entry.rules = e.rules.clone();
                entry.evidence = evidence.clone();
                entry.rule_evidence = e.rule_evidence.clone();
            }
            kind::EXTENDED => {
                expect(&[EntryStatus::Listed])?;
                entry.severity = e.severity;
                entry.ends_on = Some(e.ends_on.ok_or("an extended event needs ends_on")?);
                entry.rules = e.rules.clone();
                let mut all: BTreeSet<String> = entry.evidence.drain(..).collect();
                all.extend(evidence.iter().cloned());
                entry.evidence = all.into_iter().collect();
                for (rule, ids) in &e.rule_evidence {
                    let slot = entry.rule_evidence.entry(rule.clone()).or_default();
                    slot.extend(ids.iter().cloned());
                    slot.sort();
                    slot.dedup();
                }
            }
            kind::AMENDED => {
                expect(&[
                    EntryStatus::Proposed,
                    EntryStatus::Held,
                    EntryStatus::Listed,
                ])?;
                if e.rules.is_empty() {
                    return Err("an amended event needs the rules that stand".into());
                }
                entry.rules = e.rules.clone();
                entry.rule_evidence = e.rule_evidence.clone();
                entry.evidence = union(&e.rule_evidence);
                if entry.status != EntryStatus::Held {
                    entry.severity = e.severity;
                }
                if entry.status == EntryStatus::Listed {
                    entry.ends_on = Some(e.ends_on.ok_or("amending a listed entry needs ends_on")?);
                }
            }
            kind::RENEWED => {
                expect(&[EntryStatus::Listed])?;
                entry.ends_on = Some(e.ends_on.ok_or("a renewed event needs ends_on")?);
            }
            kind::WITHDRAWN => {
                expect(&[EntryStatus::Proposed, EntryStatus::Held])?;
                end(entry, EntryStatus::Withdrawn, e.date);
            }
            kind::EXPIRED => {
                expect(&[EntryStatus::Listed])?;
                end(entry, EntryStatus::Expired, e.date);
            }
            kind::REMOVED => {
                expect(&[EntryStatus::Listed])?;
                end(entry, EntryStatus::Removed, e.date);
            }
            kind::ANNULLED => {
                expect(&[
                    EntryStatus::Proposed,
                    EntryStatus::Held,
                    EntryStatus::Listed,
                ])?;
                end(entry, EntryStatus::Annulled, e.date);
            }
            kind::OBJECTION_LODGED => {
                expect(&[EntryStatus::Proposed, EntryStatus::Held])?;
                if entry.objection_pending {
                    return Err(format!("entry {entry_id} already has an objection pending"));
                }
                entry.objection_pending = true;
            }
            kind::OBJECTION_UPHELD | kind::OBJECTION_REJECTED => {
                expect(&[EntryStatus::Proposed, EntryStatus::Held])?;
                if !entry.objection_pending {
                    return Err(format!("entry {entry_id} has no objection pending"));
                }
                entry.objection_pending = false;
                if e.kind == kind::OBJECTION_UPHELD {
                    end(entry, EntryStatus::Withdrawn, e.date);
                }
            }
            other => return Err(format!("unknown event kind `{other}`")),
        }
        if e.period_end.is_some() {
            entry.period_end = e.period_end;
        }
        self.rested_on[idx].extend(evidence);
        Ok(())
    }
}

fn end(entry: &mut Entry, status: EntryStatus, on: NaiveDate) {
    entry.status = status;
    entry.removed_on = Some(on);
    entry.objection_pending = false;
}
