//! Notices to lawyers of newly proposed list entries
//! (`internal/notices/<lawyer_id>.html`, the id made a safe file name by
//! [`crate::output::id_file_name`]): the list, the rules in plain
//! words, the evidence ids, the objection deadline and how to object. The
//! template is `reports/notice.html`, rendered with auto-escaping.

use std::collections::HashMap;
use std::path::Path;

use minijinja::{Environment, context};

use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::register::state::Entry;
use crate::register::{ListKind, rule};

const TEMPLATE: &str = include_str!("../reports/notice.html");

/// A lawyer's name and firm, as the notice addresses them.
pub struct Addressee {
    pub name: String,
    pub law_firm: String,
}

/// Writes one notice per newly proposed entry into `dir`.
pub fn write_notices(
    dir: &Path,
    plan: &Plan,
    proposed: &[Entry],
    people: &HashMap<String, Addressee>,
) -> Result<()> {
    if proposed.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.add_template("notice", TEMPLATE)
        .expect("the notice template parses");
    let template = env.get_template("notice").expect("added above");
    let notice_days = plan.settings.lists.notice_days;
    let texts = crate::register::rules::RuleValues::of(&plan.settings);
    for entry in proposed {
        let path = dir.join(crate::output::id_file_name(&entry.lawyer_id, "html"));
        let who = people.get(&entry.lawyer_id);
        let rules: Vec<_> = entry
            .rules
            .split(';')
            .filter(|c| !c.is_empty())
            .map(|code| {
                let (zh, en) = rule(code).map(|r| r.text(&texts)).unzip();
                context! { code => code, zh => zh, en => en }
            })
            .collect();
        let proposed_on = entry.proposed_on.expect("a proposed entry has its date");
        let (list_zh, list_en) = match entry.list {
            ListKind::Negative => ("负面清单", "negative list"),
            ListKind::Positive => ("正面清单", "positive list"),
        };
        let html = template
            .render(context! {
                list_zh, list_en,
                lawyer_id => &entry.lawyer_id,
                name => who.map(|w| w.name.as_str()).unwrap_or(""),
                law_firm => who.map(|w| w.law_firm.as_str()).unwrap_or(""),
                entry_id => &entry.entry_id,
                severity_zh => entry.severity.map(|s| if s.as_str() == "serious" { "严重失信" } else { "一般失信" }).unwrap_or("—"),
                rules,
                evidence => entry.evidence.join("、"),
                proposed_on => proposed_on.to_string(),
                deadline => (proposed_on + chrono::Days::new(notice_days as u64)).to_string(),
                notice_days,
                deciding_body => &plan.settings.publication.deciding_body,
            })
            .map_err(|e| Error::io(&path, std::io::Error::other(e)))?;
        std::fs::write(&path, html).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}
