//! The manual commands — objection, repair, annulment, note — as checks on
//! the current state that either build the one event the action records or
//! refuse with a typed error that says why (and, for a repair refused on
//! time grounds, the date it becomes possible). Every action names its
//! person (`by`, never `pipeline`), its reason and its date; nothing here
//! reads a clock.

use chrono::{Days, NaiveDate};

use super::RegisterError;
use super::events::{Event, PIPELINE, kind};
use super::input::{ListKind, Objection, RepairFacts, Severity};
use super::state::{Entry, EntryStatus, State};
use crate::config::ListSettings;

/// The person and words of one action.
pub(crate) struct Act<'a> {
    pub lawyer: &'a str,
    pub by: &'a str,
    pub reason: &'a str,
    pub on: NaiveDate,
}

impl Act<'_> {
    /// The lawyer, `by` and the reason (or note text) must be given.
    pub fn check(&self, reason_flag: &str) -> Result<(), RegisterError> {
        if self.lawyer.trim().is_empty() {
            return Err(RegisterError::BadAction("the lawyer id is empty".into()));
        }
        check_actor(self.by, self.reason, reason_flag)
    }

    fn event(&self, entry: Option<&Entry>, kind: &str) -> Event {
        Event {
            event_id: 0,
            entry_id: entry.map(|e| e.entry_id.clone()),
            lawyer_id: self.lawyer.to_string(),
            list: entry.map(|e| e.list),
            kind: kind.to_string(),
            date: self.on,
            run_id: None,
            actor: self.by.trim().to_string(),
            reason: self.reason.trim().to_string(),
            rules: entry.map(|e| e.rules.clone()).unwrap_or_default(),
            evidence: String::new(),
            severity: None,
            ends_on: None,
            period_end: None,
            ..Event::default()
        }
    }
}

/// `by` and the reason must be given; `pipeline` is reserved for runs.
/// Every manual action checks this, `register undo` (which names no lawyer)
/// included.
pub(crate) fn check_actor(by: &str, reason: &str, reason_flag: &str) -> Result<(), RegisterError> {
    let bad = |m: String| Err(RegisterError::BadAction(m));
    if by.trim().is_empty() {
        return bad("--by must name the person who acts".into());
    }
    if by.trim() == PIPELINE {
        return bad(format!(
            "--by `{PIPELINE}` is reserved for runs; name the person who acts"
        ));
    }
    if reason.trim().is_empty() {
        return bad(format!("{reason_flag} must not be empty"));
    }
    Ok(())
}

/// What the lawyer has on a list, for refusals.
fn describe(state: &State, lawyer: &str, list: ListKind) -> String {
    match state.entries_of(lawyer, list).last() {
        None => format!("lawyer {lawyer} has no {list} entry"),
        Some(e) => format!(
            "the {list} entry {} of lawyer {lawyer} is {}",
            e.entry_id, e.status
        ),
    }
}

fn no_entry(
    state: &State,
    act: &Act,
    list: ListKind,
    action: &'static str,
    wanted: &str,
) -> RegisterError {
    RegisterError::NoEntry {
        lawyer: act.lawyer.to_string(),
        action,
        wanted: wanted.to_string(),
        found: describe(state, act.lawyer, list),
    }
}

pub(crate) fn object(
    state: &State,
    act: &Act,
    list: ListKind,
    decision: Objection,
    settings: &ListSettings,
) -> Result<Event, RegisterError> {
    act.check("--reason")?;
    let open = state.open_entry(act.lawyer, list);
    let refuse = |entry: &Entry, why: String| RegisterError::ObjectionRefused {
        lawyer: act.lawyer.to_string(),
        entry_id: entry.entry_id.clone(),
        why,
    };
    match decision {
        Objection::Lodged => {
            let Some(e) = open.filter(|e| e.status == EntryStatus::Proposed) else {
                return Err(match open {
                    Some(e) if e.status == EntryStatus::Listed => refuse(
                        e,
                        format!(
                            "{} is already listed; objections are lodged during the notice \
                             period — a listed entry is corrected with `register annul`",
                            e.entry_id
                        ),
                    ),
                    _ => no_entry(state, act, list, "an objection", "a proposed entry"),
                });
            };
            if e.objection_pending {
                return Err(refuse(
                    e,
                    format!(
                        "an objection to {} is already pending; record its decision with \
                         --upheld or --rejected",
                        e.entry_id
                    ),
                ));
            }
            // The deadline printed in the notice is the last day to object.
            if let Some(proposed_on) = e.proposed_on {
                let deadline = proposed_on
                    .checked_add_days(Days::new(settings.notice_days.into()))
                    .unwrap_or(NaiveDate::MAX);
                if act.on > deadline {
                    return Err(refuse(
                        e,
                        format!(
                            "the objection deadline for {} was {deadline} (proposed on \
                             {proposed_on}, {} days' notice); an objection on {} is too late",
                            e.entry_id, settings.notice_days, act.on
                        ),
                    ));
                }
            }
            Ok(act.event(Some(e), decision.kind()))
        }
        Objection::Upheld | Objection::Rejected => {
            let Some(e) = open else {
                return Err(no_entry(
                    state,
                    act,
                    list,
                    "an objection decision",
                    "an open entry with a pending objection",
                ));
            };
            if !e.objection_pending {
                return Err(refuse(
                    e,
                    format!(
                        "no objection to {} ({}) is pending; lodge one first with --lodged",
                        e.entry_id, e.status
                    ),
                ));
            }
            Ok(act.event(Some(e), decision.kind()))
        }
    }
}

pub(crate) fn repair(
    state: &State,
    act: &Act,
    facts: &RepairFacts,
    settings: &ListSettings,
) -> Result<Event, RegisterError> {
    act.check("--reason")?;
    let Some(e) = state
        .open_entry(act.lawyer, ListKind::Negative)
        .filter(|e| e.status == EntryStatus::Listed)
    else {
        return Err(no_entry(
            state,
            act,
            ListKind::Negative,
            "a credit repair",
            "a listed negative entry",
        ));
    };
    let refuse = |why: String, possible_on: Option<NaiveDate>| RegisterError::RepairRefused {
        lawyer: act.lawyer.to_string(),
        entry_id: e.entry_id.clone(),
        on: act.on,
        why,
        possible_on,
    };
    if facts.licence_revoked {
        return Err(refuse(
            "the lawyer's licence was revoked; the entry cannot be repaired".into(),
            None,
        ));
    }
    let listed_on = e.listed_on.ok_or_else(|| {
        RegisterError::Internal(format!("{} is listed without a date", e.entry_id))
    })?;
    let severity = e.severity.unwrap_or(Severity::General);
    let days = match severity {
        Severity::General => settings.general_repair_days,
        Severity::Serious => settings.serious_repair_days,
    };
    let minimum = listed_on
        .checked_add_days(Days::new(days.into()))
        .unwrap_or(NaiveDate::MAX);
    let mut why = Vec::new();
    let mut possible_on = act.on;
    if act.on < minimum {
        why.push(format!(
            "a {severity} entry may be repaired only after {days} days listed \
             (listed on {listed_on})"
        ));
        possible_on = possible_on.max(minimum);
    }
    if let Some(end) = facts.n4_sanction_end.filter(|end| *end > act.on) {
        why.push(format!("the sanction behind N4 is in force until {end}"));
        possible_on = possible_on.max(end);
    }
    if !why.is_empty() {
        return Err(refuse(why.join("; and "), Some(possible_on)));
    }
    Ok(act.event(Some(e), kind::REMOVED))
}

pub(crate) fn annul(state: &State, act: &Act, list: ListKind) -> Result<Event, RegisterError> {
    act.check("--reason")?;
    let Some(e) = state.open_entry(act.lawyer, list) else {
        return Err(no_entry(
            state,
            act,
            list,
            "an annulment",
            "an open (proposed, held or listed) entry",
        ));
    };
    Ok(act.event(Some(e), kind::ANNULLED))
}

pub(crate) fn note(act: &Act, known: bool) -> Result<Event, RegisterError> {
    act.check("--text")?;
    if !known {
        return Err(RegisterError::UnknownLawyer {
            lawyer: act.lawyer.to_string(),
        });
    }
    Ok(act.event(None, kind::NOTE))
}
