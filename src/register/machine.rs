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
//! jeopardy), and a finding left with fewer than its rule's `min_evidence`
//! ids does not count (N2 needs two cases outside that set).
//!
//! Where the specification is silent:
//! - an open entry none of whose own rules holds ends (withdrawn, or
//!   annulled when some of its evidence is overturned) even when other rules
//!   hold; those make a new entry with its own notice in the same run;
//! - a proposed entry whose own rules now hold only as held goes back to
//!   `held` (its notice restarts when they become firm again);
//! - the re-check of an open entry's evidence (annulled or amended) comes
//!   before every other transition, expiry included;
//! - a listed positive entry changes only at a later period's run (renewed
//!   or removed) or by expiry; a positive entry that ended other than by
//!   expiry is not proposed again in the period it ended in;
//! - a lawyer in the register but not in the run: listed entries can
//!   expire, nothing else happens to negative entries, and the positive
//!   list treats the lawyer as not qualifying;
//! - with `notice_days = 0` the deadline is the day of the proposal, so the
//!   entry is listed at the first run after that day.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};

use super::RegisterError;
use super::events::{Event, PIPELINE, kind};
use super::input::{
    AbsentEvidence, Evidence, EvidenceStatus, HoldReason, LawyerInput, ListKind, NegativeFinding,
    RunInput, Severity,
};
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

/// Every evidence id of an open negative entry that the run's data does not
/// hold, rule by rule: never a reason to annul, but staff must decide.
pub(crate) fn absent_evidence(state: &State, evidence: &dyn Evidence) -> Vec<AbsentEvidence> {
    let mut out = Vec::new();
    for e in state.entries() {
        if !e.is_open() || e.list != ListKind::Negative {
            continue;
        }
        for code in e.rule_codes() {
            for id in e.evidence_of(code) {
                if evidence.status(code, id) == EvidenceStatus::Unknown {
                    out.push(AbsentEvidence {
                        entry_id: e.entry_id.clone(),
                        lawyer_id: e.lawyer_id.clone(),
                        rule: code.to_string(),
                        evidence_id: id.to_string(),
                    });
                }
            }
        }
    }
    out
}

/// One lawyer's findings after "no double jeopardy".
struct Findings {
    all: Vec<NegativeFinding>,
}

impl Findings {
    fn new(l: &LawyerInput, barred: &BTreeSet<String>) -> Findings {
        type Slot = (bool, BTreeSet<String>, BTreeSet<HoldReason>);
        let mut by_rule: BTreeMap<&'static str, Slot> = BTreeMap::new();
        for f in &l.negative {
            let ids: BTreeSet<String> = f
                .evidence
                .iter()
                .filter(|id| !barred.contains(*id))
                .cloned()
                .collect();
            // A rule counts only evidence outside the barred set: N2 needs
            // two unqualified cases that no ended entry rested on.
            if ids.len() < rule(f.rule).map_or(1, |r| r.min_evidence.max(1)) {
                continue;
            }
            let slot = by_rule.entry(f.rule).or_default();
            slot.0 |= f.firm;
            slot.1.extend(ids);
            slot.2.extend(f.held_because.iter().copied());
        }
        // Rule codes sort in registry order (N1 < N2 < N3 < N4).
        let all = by_rule
            .into_iter()
            .map(|(rule, (firm, ids, held_because))| NegativeFinding {
                rule,
                firm,
                evidence: ids.into_iter().collect(),
                held_because: if firm {
                    Vec::new()
                } else {
                    held_because.into_iter().collect()
                },
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

/// Why held findings do not count, e.g. "disputed; severity-sensitive: …".
fn why_held(fs: &[&NegativeFinding]) -> String {
    let reasons: BTreeSet<HoldReason> = fs
        .iter()
        .flat_map(|f| f.held_because.iter().copied())
        .collect();
    if reasons.is_empty() {
        return "disputed, or low panel agreement".to_string();
    }
    reasons
        .iter()
        .map(|r| r.en())
        .collect::<Vec<_>>()
        .join("; ")
}

fn codes(fs: &[&NegativeFinding]) -> String {
    join_codes(fs.iter().map(|f| f.rule))
}

/// The findings' evidence per rule, as events record it.
fn rule_evidence(fs: &[&NegativeFinding]) -> BTreeMap<String, Vec<String>> {
    fs.iter()
        .map(|f| (f.rule.to_string(), f.evidence.clone()))
        .collect()
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
            ..Event::default()
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
        // Due process: an open entry's own evidence is re-checked before
        // anything else happens to it.
        if let Some(ev) = open.and_then(|e| self.recheck(e)) {
            return Some(ev);
        }
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
                    "held rules only: {}; the cases they rest on do not count yet ({})",
                    codes(&held),
                    why_held(&held)
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
                    ev.rule_evidence = rule_evidence(&firm);
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
                            "its rules now rest only on cases that do not count: {} (not counting: {})",
                            codes(&held),
                            why_held(&held)
                        ),
                    );
                    ev.rules = codes(&held);
                    ev.evidence = evidence(&held);
                    ev.rule_evidence = rule_evidence(&held);
                    return Some(ev);
                }
                let proposed_on = e.proposed_on.unwrap_or(self.as_of());
                let deadline = self.notice_deadline(proposed_on);
                // The deadline is the last day to object: listed only after it.
                if self.as_of() <= deadline || e.objection_pending {
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
                ev.rule_evidence = rule_evidence(&firm);
                ev.severity = Some(severity);
                ev.ends_on = Some(self.negative_ends_on(self.as_of(), severity));
                Some(ev)
            }
            Some(e) => {
                // Listed: evidence that merely ages out does not shorten it.
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
        ev.rule_evidence = rule_evidence(fs);
        ev.severity = severity;
        ev
    }

    /// Re-checks an open negative entry rule by rule on its own evidence
    /// ("Due process (exact rules)"): a rule stands while at least
    /// `min_evidence` of its ids stand (absent ids stand: they are not
    /// overturned) and falls only when some of its ids are overturned. No
    /// rule stands: annulled; some: amended to those, with severity and, for
    /// a listed entry, `ends_on` recomputed from the original `listed_on`.
    /// Evidence partly overturned while every rule stands changes nothing.
    fn recheck(&self, e: &Entry) -> Option<Event> {
        let mut standing: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut fallen = Vec::new();
        let mut overturned = BTreeSet::new();
        for code in e.rule_codes() {
            let min = rule(code).map_or(1, |r| r.min_evidence.max(1));
            let (mut stands, mut lost) = (Vec::new(), Vec::new());
            for id in e.evidence_of(code) {
                match self.input.evidence.status(code, id) {
                    EvidenceStatus::Valid | EvidenceStatus::Unknown => stands.push(id.to_string()),
                    EvidenceStatus::Overturned => lost.push(id.to_string()),
                    EvidenceStatus::OtherRule => {}
                }
            }
            overturned.extend(lost.iter().cloned());
            if stands.len() < min && !lost.is_empty() {
                fallen.push(code);
            } else {
                standing.insert(code.to_string(), stands);
            }
        }
        if fallen.is_empty() {
            return None;
        }
        let overturned: Vec<String> = overturned.into_iter().collect();
        if standing.is_empty() {
            return Some(self.annul(e, &overturned));
        }
        let rules = join_codes(standing.keys().map(String::as_str));
        let mut reason = format!(
            "rules no longer standing: {} (evidence overturned: {}); standing: {rules}",
            join_codes(fallen.iter().copied()),
            overturned.join(";")
        );
        let mut ev = self.event(
            &e.entry_id,
            ListKind::Negative,
            kind::AMENDED,
            String::new(),
        );
        if e.status != EntryStatus::Held {
            let severity = severity_of(split_codes(&rules));
            if e.severity != Some(severity) {
                reason.push_str(&format!("; severity now {severity}"));
            }
            ev.severity = Some(severity);
            if let (EntryStatus::Listed, Some(listed_on)) = (e.status, e.listed_on) {
                let ends_on = self.amended_ends_on(listed_on, severity, standing.get("N4"));
                reason.push_str(&format!("; in force through {ends_on}"));
                ev.ends_on = Some(ends_on);
            }
        }
        ev.reason = reason;
        ev.rules = rules;
        ev.evidence = overturned.join(";");
        ev.rule_evidence = standing;
        Some(ev)
    }

    /// The end of a listed entry amended to `severity`: from its original
    /// `listed_on`; a serious one at least until the latest end of the
    /// sanctions still standing behind its N4.
    fn amended_ends_on(
        &self,
        listed_on: NaiveDate,
        severity: Severity,
        n4: Option<&Vec<String>>,
    ) -> NaiveDate {
        let s = self.input.settings;
        match severity {
            Severity::General => plus_days(listed_on, s.general_days),
            Severity::Serious => {
                let base = plus_days(listed_on, s.serious_days);
                n4.into_iter()
                    .flatten()
                    .filter_map(|id| self.input.evidence.sanction_end(id))
                    .fold(base, NaiveDate::max)
            }
        }
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

    /// A proposed or held entry whose own rules no longer hold (its
    /// overturned evidence was dealt with by [`Step::recheck`]).
    fn lapse(&self, e: &Entry) -> Event {
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
        let mut by_rule = BTreeMap::new();
        for f in firm {
            let ids: Vec<&str> = f
                .evidence
                .iter()
                .map(String::as_str)
                .filter(|id| !known.contains(id))
                .collect();
            if !ids.is_empty() {
                new_rules.push(f.rule);
                new_ids.extend(ids.iter().copied());
                by_rule.insert(
                    f.rule.to_string(),
                    ids.iter().map(|id| id.to_string()).collect(),
                );
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
        ev.rule_evidence = by_rule;
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
                // One lawyer, one list: P5 no longer holds once the lawyer
                // is listed on the negative list (stepped first this run).
                if let Some(neg) = self
                    .state
                    .open_entry(self.lawyer, ListKind::Negative)
                    .filter(|n| n.status == EntryStatus::Listed)
                {
                    let mut ev = self.event(
                        &e.entry_id,
                        ListKind::Positive,
                        kind::REMOVED,
                        format!(
                            "P5: the lawyer is listed on the negative list ({})",
                            neg.entry_id
                        ),
                    );
                    ev.rules = e.rules.clone();
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
                    || self.as_of() <= deadline
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
