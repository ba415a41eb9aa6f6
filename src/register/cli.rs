//! The `legalaid register …` subcommands: their arguments (clap) and what
//! each does, returning the text to print. Every command opens the register
//! at the pipeline's `register.path`; the manual actions require `--by`,
//! `--reason` (a note: `--text`) and `--on`, so the register never depends
//! on the day it was edited. `repair` takes the lawyer's repair facts from
//! the latest credit snapshot (payload keys `licence_revoked` and
//! `n4_sanction_end`), so no input is read again.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::events::Event;
use super::input::{ListKind, Objection};
use super::{Register, RegisterError, report};
use crate::plan::{Plan, PlanOptions};

fn parse_list(s: &str) -> Result<ListKind, String> {
    s.parse()
}

/// `legalaid register …`
#[derive(Debug, Clone, Subcommand)]
pub enum RegisterCommand {
    /// Print a lawyer's list entries and register events.
    History {
        /// The pipeline file.
        pipeline: PathBuf,
        /// The lawyer id.
        lawyer: String,
    },
    /// Record an objection to a proposed entry, or its decision.
    Object {
        /// The pipeline file.
        pipeline: PathBuf,
        /// The lawyer id.
        lawyer: String,
        /// The list of the entry: negative or positive.
        #[arg(long, default_value = "negative", value_parser = parse_list)]
        list: ListKind,
        #[command(flatten)]
        decision: Decision,
        #[command(flatten)]
        act: ActArgs,
        /// Why (required).
        #[arg(long)]
        reason: String,
    },
    /// Credit repair: remove a listed negative entry after its minimum period.
    Repair {
        /// The pipeline file.
        pipeline: PathBuf,
        /// The lawyer id.
        lawyer: String,
        #[command(flatten)]
        act: ActArgs,
        /// Why the entry may be removed (required).
        #[arg(long)]
        reason: String,
    },
    /// Annul an open entry by hand (a decision revoked, an error found).
    Annul {
        /// The pipeline file.
        pipeline: PathBuf,
        /// The lawyer id.
        lawyer: String,
        /// The list of the entry: negative or positive.
        #[arg(long, default_value = "negative", value_parser = parse_list)]
        list: ListKind,
        #[command(flatten)]
        act: ActArgs,
        /// Why it is annulled (required).
        #[arg(long)]
        reason: String,
    },
    /// Void every event of the most recent run or manual action (repeat to
    /// go further back); dated today. History shows voided events struck
    /// through.
    Undo {
        /// The pipeline file.
        pipeline: PathBuf,
        /// The person who undoes (required).
        #[arg(long)]
        by: String,
        /// Why (required; for example: the run was dated 2052 by mistake).
        #[arg(long)]
        reason: String,
    },
    /// Record a note on a lawyer.
    Note {
        /// The pipeline file.
        pipeline: PathBuf,
        /// The lawyer id.
        lawyer: String,
        #[command(flatten)]
        act: ActArgs,
        /// The note (required).
        #[arg(long)]
        text: String,
    },
}

/// Exactly one of `--lodged`, `--upheld`, `--rejected`.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct Decision {
    /// An objection was lodged: it blocks listing until decided (one of
    /// --lodged, --upheld and --rejected is required).
    #[arg(long)]
    pub lodged: bool,
    /// The objection was upheld: the entry is withdrawn (one of the three
    /// is required).
    #[arg(long)]
    pub upheld: bool,
    /// The objection was rejected: the entry continues (one of the three
    /// is required).
    #[arg(long)]
    pub rejected: bool,
}

impl Decision {
    pub fn objection(&self) -> Objection {
        if self.upheld {
            Objection::Upheld
        } else if self.rejected {
            Objection::Rejected
        } else {
            Objection::Lodged
        }
    }
}

/// Who acts and on which date.
#[derive(Debug, Clone, Args)]
pub struct ActArgs {
    /// The person who acts (required).
    #[arg(long)]
    pub by: String,
    /// The date of the decision, e.g. 2025-01-20 or 2025年1月20日 (required;
    /// not later than today).
    #[arg(long, value_parser = crate::ingest::value::date_arg)]
    pub on: NaiveDate,
}

fn recorded(register: &Register, event: &Event) -> Result<String, RegisterError> {
    let mut text = format!(
        "recorded event {}: {} {} on {} by {}\n",
        event.event_id,
        event.kind,
        event.entry_id.as_deref().unwrap_or(&event.lawyer_id),
        event.date,
        event.actor
    );
    if let Some(id) = &event.entry_id {
        let (entries, _) = register.history(&event.lawyer_id)?;
        if let Some(e) = entries.iter().find(|e| &e.entry_id == id) {
            text.push_str(&format!(
                "entry {id} is now {} {}\n",
                e.status.zh(),
                e.status
            ));
        }
    }
    Ok(text)
}

/// Runs one register command; returns what to print. `today` is the day
/// the command runs: no action may be dated later.
pub fn execute(command: &RegisterCommand, today: NaiveDate) -> crate::Result<String> {
    execute_waiting(command, today, &mut |_| {})
}

/// [`execute`]; an action waits for a run or action that holds the register
/// (see [`crate::hold_register`]), telling `on_wait` who holds it.
pub fn execute_waiting(
    command: &RegisterCommand,
    today: NaiveDate,
    on_wait: &mut dyn FnMut(&str),
) -> crate::Result<String> {
    use RegisterCommand::*;
    if let Undo {
        pipeline,
        by,
        reason,
    } = command
    {
        let plan = Plan::resolve(pipeline, &PlanOptions::default())?;
        if !plan.register_path.exists() {
            return Err(RegisterError::NotFound {
                path: plan.register_path.clone(),
            }
            .into());
        }
        let (_lock, _recovered) = crate::hold_register(&plan, "register undo", on_wait)?;
        let mut register = Register::open_existing(&plan.register_path)?;
        register.set_today(today);
        let (undo, voided) = register.undo(by, reason)?;
        let what = match &undo.run_id {
            Some(run) => format!("run {run}"),
            None => "a manual action".to_string(),
        };
        let mut text = format!(
            "recorded event {}: voided {} ({} event{}) on {} by {}\n",
            undo.event_id,
            what,
            voided.len(),
            if voided.len() == 1 { "" } else { "s" },
            undo.date,
            undo.actor
        );
        for e in &voided {
            text.push_str(&format!(
                "  voided {} {} {} {} {}\n",
                e.event_id,
                e.date,
                e.kind,
                e.entry_id.as_deref().unwrap_or(&e.lawyer_id),
                e.actor
            ));
        }
        return Ok(text);
    }
    let (pipeline, lawyer) = match command {
        History { pipeline, lawyer }
        | Object {
            pipeline, lawyer, ..
        }
        | Repair {
            pipeline, lawyer, ..
        }
        | Annul {
            pipeline, lawyer, ..
        }
        | Note {
            pipeline, lawyer, ..
        } => (pipeline, lawyer.as_str()),
        Undo { .. } => unreachable!("handled above"),
    };
    let plan = Plan::resolve(pipeline, &PlanOptions::default())?;
    let path = plan.register_path.clone();
    if let History { .. } = command {
        if !path.exists() {
            return Err(RegisterError::NotFound { path }.into());
        }
        let register = Register::open_read_only(&path)?;
        let (entries, events) = register.history(lawyer)?;
        let texts = super::rules::RuleValues::of(&plan.settings);
        return Ok(report::history(lawyer, &entries, &events, &texts));
    }
    if !path.exists() {
        return Err(RegisterError::NotFound { path }.into());
    }
    let name = match command {
        History { .. } => "register history",
        Object { .. } => "register object",
        Repair { .. } => "register repair",
        Annul { .. } => "register annul",
        Note { .. } => "register note",
        Undo { .. } => unreachable!("handled above"),
    };
    let (_lock, recovered) = crate::hold_register(&plan, name, on_wait)?;
    let mut register = Register::open_existing(&path)?;
    register.set_today(today);
    let event = match command {
        History { .. } | Undo { .. } => unreachable!("handled above"),
        Object {
            list,
            decision,
            act,
            reason,
            ..
        } => register.object(
            lawyer,
            *list,
            decision.objection(),
            &act.by,
            reason,
            act.on,
            &plan.settings.lists,
        )?,
        Repair { act, reason, .. } => {
            let facts = register.repair_facts(lawyer)?;
            let settings = &plan.settings.lists;
            register.repair(lawyer, &act.by, reason, act.on, &facts, settings)?
        }
        Annul {
            list, act, reason, ..
        } => register.annul(lawyer, *list, &act.by, reason, act.on)?,
        Note { act, text, .. } => register.note(lawyer, &act.by, text, act.on)?,
    };
    let text = recorded(&register, &event)?;
    Ok(match recovered {
        Some(r) => format!("note: {r}\n{text}"),
        None => text,
    })
}
