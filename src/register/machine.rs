//! The run transitions: given the state as of the run's as-of and the run's
//! findings per lawyer, the events the run appends. Each (lawyer, list) is
//! stepped to a fixed point — one transition at a time, each applied to the
//! state with [`State::apply`] before the next is looked for — negative list
//! first, so that P5 sees the negative entry as it stands after the run. A
//! step depends only on the state and the input, never on what this run did
//! before, which is what makes a second identical run find nothing to do.
//!
//! What "its rules hold" means here: an open entry's own rules hold when a
//! finding of this run (firm or held) has one of the entry's rule codes.
//! Findings lose the evidence ids that ended entries rested on (no double
//! jeopardy), and a finding left without evidence does not count.
//!
//! Where the specification is silent:
//! - an open entry none of whose own rules holds ends (withdrawn, or
//!   annulled when some of its evidence is overturned) even when other rules
//!   hold; those make a new entry with its own notice in the same run;
//! - a proposed entry whose own rules now hold only as held goes back to
//!   `held` (its notice restarts when they become firm again);
//! - a listed entry is annulled only when none of its own rules holds and
//!   some of its evidence is overturned; annulment is checked before expiry;
//! - a listed positive entry changes only at a later period's run (renewed
//!   or removed) or by expiry; a positive entry that ended other than by
//!   expiry is not proposed again in the period it ended in;
//! - a lawyer in the register but not in the run: listed entries can
//!   expire, nothing else happens to negative entries, and the positive
//!   list treats the lawyer as not qualifying;
//! - with `notice_days = 0` an entry is proposed and listed in the same run.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};

use super::RegisterError;
use super::events::{Event, PIPELINE, kind};
use super::input::{EvidenceStatus, LawyerInput, ListKind, NegativeFinding, RunInput, Severity};
use super::rules::{join_codes, positive_codes, rule, severity_of, split_codes};
use super::state::{Entry, EntryStatus, State};

/// More steps than any (lawyer, list) can take in one run.
const MAX_STEPS: usize = 16;

/// Checks a run's input: known lawyer ids once each, known negative rule
/// codes, held findings on N1/N2 only, credit rows that are JSON objects.
pub(crate) fn validate(input: &RunInput) -> Result<(), RegisterError> {
    let bad = |m: String| Err(RegisterError::BadInput(m));
    let mut seen = BTreeSet::new();
    for l in &input.lawyers {
        if l.lawyer_id.trim().is_empty() {
            return bad("a lawyer with an empty lawyer_id".into());
        }
        if !seen.insert(l.lawyer_id.as_str()) {
            return bad(format!("lawyer {} appears twice", l.lawyer_id));
        }
        if l.credit.figures.lawyer_id != l.lawyer_id {
            return bad(format!(
                "lawyer {}: the credit snapshot is of lawyer `{}`",
                l.lawyer_id, l.credit.figures.lawyer_id
            ));
        }
        for f in &l.negative {
            match rule(f.rule) {
                Some(r) if r.list == ListKind::Negative => {}
                _ => {
                    return bad(format!(
                        "lawyer {}: `{}` is not a negative rule (N1–N4)",
                        l.lawyer_id, f.rule
                    ));
                }
            }
            if !f.firm && !rule(f.rule).is_some_and(|r| r.can_be_held) {
                return bad(format!(
                    "lawyer {}: rule {} cannot be held (see register::LIST_RULES)",
                    l.lawyer_id, f.rule
                ));
            }
            if f.evidence
                .iter()
                .any(|id| id.trim().is_empty() || id.contains(';'))
            {
                return bad(format!(
                    "lawyer {}: {} has an empty evidence id or one containing `;`",
                    l.lawyer_id, f.rule
                ));
            }
        }
    }
    Ok(())
}

/// Steps every lawyer of the input and of the state to a fixed point;
/// returns the new events (numbered from `first_id`) and the state after them.
pub(crate) fn run(
    mut state: State,
    input: &RunInput,
    first_id: i64,
) -> Result<(State, Vec<Event>), RegisterError> {
    validate(input)?;
    let by_id: BTreeMap<&str, &LawyerInput> = input
        .lawyers
        .iter()
        .map(|l| (l.lawyer_id.as_str(), l))
        .collect();
    let mut lawyers: BTreeSet<String> = state.lawyers().clone();
    lawyers.extend(by_id.keys().map(|s| s.to_string()));

    let mut new = Vec::new();
    for lawyer in &lawyers {
        let l = by_id.get(lawyer.as_str()).copied();
        for list in [ListKind::Negative, ListKind::Positive] {
            let mut steps = 0;
            loop {
                let step = Step {
                    input,
                    state: &state,
                    lawyer,
                    l,
                };
                let event = match list {
                    ListKind::Negative => step.negative(),
                    ListKind::Positive => step.positive(),
                };
                let Some(mut event) = event else { break };
                event.event_id = first_id + new.len() as i64;
                state.apply(&event).map_err(|m| {
                    RegisterError::Internal(format!("run transition for {lawyer}: {m}"))
                })?;
                new.push(event);
                steps += 1;
                if steps > MAX_STEPS {
                    return Err(RegisterError::Internal(format!(
                        "the {list} entry of {lawyer} does not settle in one run"
                    )));
                }
            }
        }
    }
    Ok((state, new))
}

/// One lawyer's findings after "no double jeopardy".
struct Findings {
    all: Vec<NegativeFinding>,
}

impl Findings {
    fn new(l: &LawyerInput, barred: &BTreeSet<String>) -> Findings {
        let mut by_rule: BTreeMap<&'static str, (bool, BTreeSet<String>)> = BTreeMap::new();
        for f in &l.negative {
            let ids: BTreeSet<String> = f
                .evidence
                .iter()
                .filter(|id| !barred.contains(*id))
                .cloned()
                .collect();
            if ids.is_empty() {
                continue;
            }
            let slot = by_rule.entry(f.rule).or_insert((false, BTreeSet::new()));
            slot.0 |= f.firm;
            slot.1.extend(ids);
        }
        // Rule codes sort in registry order (N1 < N2 < N3 < N4).
        let all = by_rule
            .into_iter()
            .map(|(rule, (firm, ids))| NegativeFinding {
                rule,
                firm,
                evidence: ids.into_iter().collect(),
            })
            .collect();
        Findings { all }
    }

    fn firm(&self) -> Vec<&NegativeFinding> {
        self.all.iter().filter(|f| f.firm).collect()
    }

    fn held(&self) -> Vec<&NegativeFinding> {
        self.all.iter().filter(|f| !f.firm).collect()
    }

    /// Findings on the entry's own rules.
    fn own<'a>(&'a self, entry: &Entry) -> Vec<&'a NegativeFinding> {
        let codes = entry.rule_codes();
        self.all
            .iter()
            .filter(|f| codes.contains(&f.rule))
            .collect()
    }
}

fn codes(fs: &[&NegativeFinding]) -> String {
    join_codes(fs.iter().map(|f| f.rule))
}

fn evidence(fs: &[&NegativeFinding]) -> String {
    let ids: BTreeSet<&str> = fs
        .iter()
        .flat_map(|f| f.evidence.iter().map(String::as_str))
        .collect();
    ids.into_iter().collect::<Vec<_>>().join(";")
}

fn plus_days(d: NaiveDate, days: u32) -> NaiveDate {
    d.checked_add_days(Days::new(days.into()))
        .unwrap_or(NaiveDate::MAX)
}

/// One transition of one (lawyer, list), if any is due.
struct Step<'a> {
    input: &'a RunInput<'a>,
    state: &'a State,
    lawyer: &'a str,
    /// `None`: the lawyer is in the register but not in this run's input.
    l: Option<&'a LawyerInput>,
}

impl Step<'_> {
    fn event(&self, entry_id: &str, list: ListKind, kind: &str, reason: String) -> Event {
        Event {
            event_id: 0,
            entry_id: Some(entry_id.to_string()),
            lawyer_id: self.lawyer.to_string(),
            list: Some(list),
            kind: kind.to_string(),
            date: self.input.as_of,
            run_id: Some(self.input.run_id.to_string()),
            actor: PIPELINE.to_string(),
            reason,
            rules: String::new(),
            evidence: String::new(),
            severity: None,
            ends_on: None,
            period_end: Some(self.input.period_end),
        }
    }

    fn as_of(&self) -> NaiveDate {
        self.input.as_of
    }

    fn notice_deadline(&self, proposed_on: NaiveDate) -> NaiveDate {
        plus_days(proposed_on, self.input.settings.notice_days)
    }

    fn n4_end(&self) -> Option<NaiveDate> {
        self.l.and_then(|l| l.n4_sanction_end)
    }

    /// The end of a negative entry listed (or raised to serious) on `listed_on`.
    fn negative_ends_on(&self, listed_on: NaiveDate, severity: Severity) -> NaiveDate {
        let s = self.input.settings;
        match severity {
            Severity::General => plus_days(listed_on, s.general_days),
            Severity::Serious => {
                let base = plus_days(listed_on, s.serious_days);
                self.n4_end().map_or(base, |end| base.max(end))
            }
        }
    }

    fn negative(&self) -> Option<Event> {
        let open = self.state.open_entry(self.lawyer, ListKind::Negative);
        let Some(l) = self.l else {
            // Not in this run: only time moves on.
            return open
                .filter(|e| e.status == EntryStatus::Listed)
                .and_then(|e| self.expiry(e));
        };
        let findings = Findings::new(l, &self.state.barred_evidence(self.lawyer));
        let firm = findings.firm();
        match open {
            None if !firm.is_empty() => {
                let deadline = self.notice_deadline(self.as_of());
                let reason = format!("firm rules hold: {}; notice until {deadline}", codes(&firm));
                let severity = Some(severity_of(firm.iter().map(|f| f.rule)));
                Some(self.new_negative(kind::PROPOSED, &firm, reason, severity))
            }
            None => {
                let held = findings.held();
                if held.is_empty() {
                    return None;
                }
                let reason = format!(
                    "held rules only: {}; the cases they rest on do not count yet \
                     (disputed, or low panel agreement)",
                    codes(&held)
                );
                Some(self.new_negative(kind::HELD, &held, reason, None))
            }
            Some(e) if e.status == EntryStatus::Held => {
                if !firm.is_empty() {
                    let deadline = self.notice_deadline(self.as_of());
                    let mut ev = self.event(
                        &e.entry_id,
                        ListKind::Negative,
                        kind::PROPOSED,
                        format!(
                            "held rules became firm: {}; notice until {deadline}",
                            codes(&firm)
                        ),
                    );
                    ev.rules = codes(&firm);
                    ev.evidence = evidence(&firm);
                    ev.severity = Some(severity_of(firm.iter().map(|f| f.rule)));
                    return Some(ev);
                }
                if findings.own(e).is_empty() {
                    return Some(self.lapse(e));
                }
                None
            }
            Some(e) if e.status == EntryStatus::Proposed => {
                let own = findings.own(e);
                if own.is_empty() {
                    return Some(self.lapse(e));
                }
                if !own.iter().any(|f| f.firm) {
                    let held = findings.held();
                    let mut ev = self.event(
                        &e.entry_id,
                        ListKind::Negative,
                        kind::HELD,
                        format!(
                            "its rules now rest only on cases that do not count: {}",
                            codes(&held)
                        ),
                    );
                    ev.rules = codes(&held);
                    ev.evidence = evidence(&held);
                    return Some(ev);
                }
                let proposed_on = e.proposed_on.unwrap_or(self.as_of());
                let deadline = self.notice_deadline(proposed_on);
                if self.as_of() < deadline || e.objection_pending {
                    return None;
                }
                let severity = severity_of(firm.iter().map(|f| f.rule));
                let mut ev = self.event(
                    &e.entry_id,
                    ListKind::Negative,
                    kind::LISTED,
                    format!("notice period ended on {deadline} without a pending objection"),
                );
                ev.rules = codes(&firm);
                ev.evidence = evidence(&firm);
                ev.severity = Some(severity);
                ev.ends_on = Some(self.negative_ends_on(self.as_of(), severity));
                Some(ev)
            }
            Some(e) => {
                // Listed.
                if findings.own(e).is_empty() {
                    let overturned = self.overturned(e);
                    if !overturned.is_empty() {
                        return Some(self.annul(e, &overturned));
                    }
                }
                if let Some(ev) = self.expiry(e) {
                    return Some(ev);
                }
                self.extension(e, &firm)
            }
        }
    }

    fn new_negative(
        &self,
        kind: &str,
        fs: &[&NegativeFinding],
        reason: String,
        severity: Option<Severity>,
    ) -> Event {
        let id = self.state.next_entry_id(self.lawyer, ListKind::Negative);
        let mut ev = self.event(&id, ListKind::Negative, kind, reason);
        ev.rules = codes(fs);
        ev.evidence = evidence(fs);
        ev.severity = severity;
        ev
    }

    /// The entry's evidence ids that this run's data overturns.
    fn overturned(&self, e: &Entry) -> Vec<String> {
        e.evidence
            .iter()
            .filter(|id| (self.input.evidence)(id) == EvidenceStatus::Overturned)
            .cloned()
            .collect()
    }

    fn annul(&self, e: &Entry, overturned: &[String]) -> Event {
        let mut ev = self.event(
            &e.entry_id,
            e.list,
            kind::ANNULLED,
            format!("evidence overturned: {}", overturned.join(";")),
        );
        ev.rules = e.rules.clone();
        ev.evidence = overturned.join(";");
        ev
    }

    /// A proposed or held entry whose own rules no longer hold.
    fn lapse(&self, e: &Entry) -> Event {
        let overturned = self.overturned(e);
        if !overturned.is_empty() {
            return self.annul(e, &overturned);
        }
        let mut ev = self.event(
            &e.entry_id,
            e.list,
            kind::WITHDRAWN,
            "rules no longer hold".into(),
        );
        ev.rules = e.rules.clone();
        ev
    }

    fn expiry(&self, e: &Entry) -> Option<Event> {
        let ends_on = e.ends_on?;
        if self.as_of() <= ends_on {
            return None;
        }
        let mut ev = self.event(
            &e.entry_id,
            e.list,
            kind::EXPIRED,
            format!("in force through {ends_on}"),
        );
        ev.rules = e.rules.clone();
        Some(ev)
    }

    /// New firm rules on new evidence while listed.
    fn extension(&self, e: &Entry, firm: &[&NegativeFinding]) -> Option<Event> {
        let known: BTreeSet<&str> = e.evidence.iter().map(String::as_str).collect();
        let mut new_rules = Vec::new();
        let mut new_ids = BTreeSet::new();
        for f in firm {
            let ids: Vec<&str> = f
                .evidence
                .iter()
                .map(String::as_str)
                .filter(|id| !known.contains(id))
                .collect();
            if !ids.is_empty() {
                new_rules.push(f.rule);
                new_ids.extend(ids);
            }
        }
        if new_ids.is_empty() {
            return None;
        }
        let rules = join_codes(e.rule_codes().into_iter().chain(new_rules.iter().copied()));
        let old = e.severity.unwrap_or(Severity::General);
        let severity = old.max(severity_of(split_codes(&rules)));
        let listed_on = e.listed_on.unwrap_or(self.as_of());
        let old_end = e.ends_on.unwrap_or(listed_on);
        let ends_on = match (old, severity) {
            (Severity::General, Severity::Serious) => {
                self.negative_ends_on(listed_on, Severity::Serious)
            }
            (_, Severity::Serious) => self.n4_end().map_or(old_end, |end| old_end.max(end)),
            _ => old_end,
        };
        let mut reason = format!(
            "new firm rules on new evidence: {}",
            join_codes(new_rules.iter().copied())
        );
        if severity > old {
            reason.push_str(&format!(
                "; severity now serious, in force through {ends_on}"
            ));
        } else if ends_on != old_end {
            reason.push_str(&format!("; in force through {ends_on}"));
        }
        let mut ev = self.event(&e.entry_id, ListKind::Negative, kind::EXTENDED, reason);
        ev.rules = rules;
        ev.evidence = new_ids.into_iter().collect::<Vec<_>>().join(";");
        ev.severity = Some(severity);
        ev.ends_on = Some(ends_on);
        Some(ev)
    }

    fn positive(&self) -> Option<Event> {
        let qualifies = self.l.is_some_and(|l| l.positive)
            && self
                .state
                .open_entry(self.lawyer, ListKind::Negative)
                .is_none();
        let s = self.input.settings;
        let period_end = self.input.period_end;
        match self.state.open_entry(self.lawyer, ListKind::Positive) {
            None => {
                // An entry withdrawn, removed or annulled at a run (or after
                // a proposal) of this period is not proposed again in the
                // same period; an expired one may be.
                let ended_this_period = self
                    .state
                    .entries_of(self.lawyer, ListKind::Positive)
                    .filter(|e| e.status != EntryStatus::Expired)
                    .any(|e| e.period_end.is_some_and(|p| p >= period_end));
                if !qualifies || ended_this_period {
                    return None;
                }
                let id = self.state.next_entry_id(self.lawyer, ListKind::Positive);
                let deadline = self.notice_deadline(self.as_of());
                let mut ev = self.event(
                    &id,
                    ListKind::Positive,
                    kind::PROPOSED,
                    format!("positive rules P1–P5 hold; notice until {deadline}"),
                );
                ev.rules = positive_codes();
                Some(ev)
            }
            Some(e) if e.status == EntryStatus::Listed => {
                if let Some(ev) = self.expiry(e) {
                    return Some(ev);
                }
                if e.period_end.is_some_and(|p| p >= period_end) {
                    return None;
                }
                if qualifies {
                    let ends_on = plus_days(self.as_of(), s.positive_days);
                    let mut ev = self.event(
                        &e.entry_id,
                        ListKind::Positive,
                        kind::RENEWED,
                        format!(
                            "positive rules hold again at a later period's run; \
                             in force through {ends_on}"
                        ),
                    );
                    ev.rules = e.rules.clone();
                    ev.ends_on = Some(ends_on);
                    Some(ev)
                } else {
                    let mut ev = self.event(
                        &e.entry_id,
                        ListKind::Positive,
                        kind::REMOVED,
                        "positive rules no longer hold at a later period's run".into(),
                    );
                    ev.rules = e.rules.clone();
                    Some(ev)
                }
            }
            Some(e) => {
                // Proposed (a positive entry is never held).
                if !qualifies {
                    let mut ev = self.event(
                        &e.entry_id,
                        ListKind::Positive,
                        kind::WITHDRAWN,
                        "rules no longer hold".into(),
                    );
                    ev.rules = e.rules.clone();
                    return Some(ev);
                }
                let deadline = self.notice_deadline(e.proposed_on.unwrap_or(self.as_of()));
                if e.status != EntryStatus::Proposed
                    || self.as_of() < deadline
                    || e.objection_pending
                {
                    return None;
                }
                let mut ev = self.event(
                    &e.entry_id,
                    ListKind::Positive,
                    kind::LISTED,
                    format!("notice period ended on {deadline} without a pending objection"),
                );
                ev.rules = positive_codes();
                ev.ends_on = Some(plus_days(self.as_of(), s.positive_days));
                Some(ev)
            }
        }
    }
}
