//! Notices to lawyers of newly proposed list entries
//! (`internal/notices/<lawyer_id>.html`, the id made a safe file name by
//! [`crate::output::id_file_name`]): the list, the rules in plain
//! words, the evidence ids, the objection deadline and how to object. The
//! template is `reports/notice.html`, rendered with auto-escaping.
//!
//! Notices are legal documents: a real run also keeps its set for good in
//! `<notices_dir>/<as-of>/` beside the register ([`keep`], called by the
//! publication step once the register has committed), where no later run
//! deletes anything.

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
                severity_zh => entry.severity.map(|s| if s.as_str() == "serious" { "严重失信" } else { "一般失信" }),
                rules,
                evidence => entry.evidence.join("、"),
                proposed_on => proposed_on.to_string(),
                proposed_on_zh => proposed_on.format("%Y年%-m月%-d日").to_string(),
                deadline => (proposed_on + chrono::Days::new(notice_days as u64)).to_string(),
                notice_days,
                deciding_body => &plan.settings.publication.deciding_body,
            })
            .map_err(|e| Error::io(&path, std::io::Error::other(e)))?;
        std::fs::write(&path, html).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

/// Keeps the notice set in `from` for good, as a folder `<root>/<name>`
/// that no run ever changes once it exists: copied to a private folder
/// beside it and renamed into place, so the folder holds the whole set or is
/// missing. Idempotent: when `<root>/<name>` (or a later `<name>-2`, …)
/// already holds exactly these files, byte for byte, that folder is the
/// answer and nothing is written; a set that differs (a rerun of the same
/// as-of on other data) goes to the next free `<name>-<n>`, so an earlier
/// notice is never overwritten. Returns the folder, or `None` when `from`
/// holds no notice. Leftovers of a copy whose process died are swept.
pub fn keep(from: &Path, root: &Path, name: &str) -> Result<Option<std::path::PathBuf>> {
    if !from.is_dir() {
        return Ok(None);
    }
    let files = crate::output::list_files(from)?;
    if files.is_empty() {
        return Ok(None);
    }
    std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
    sweep_copies(root)?;
    for n in 1u32.. {
        let dir = match n {
            1 => root.join(name),
            n => root.join(format!("{name}-{n}")),
        };
        match std::fs::symlink_metadata(&dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let copy = root.join(format!(".{name}.staging-{}", crate::owner::tag()));
                let result = copy_set(from, &files, &copy)
                    .and_then(|()| std::fs::rename(&copy, &dir).map_err(|e| Error::io(&dir, e)));
                if result.is_err() {
                    let _ = std::fs::remove_dir_all(&copy);
                }
                return result.map(|()| Some(dir));
            }
            Err(e) => return Err(Error::io(&dir, e)),
            Ok(_) if same_set(from, &files, &dir)? => return Ok(Some(dir)),
            Ok(_) => {}
        }
    }
    unreachable!("some name is free")
}

fn copy_set(from: &Path, files: &[String], to: &Path) -> Result<()> {
    std::fs::create_dir(to).map_err(|e| Error::io(to, e))?;
    for f in files {
        let target = to.join(f);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::copy(from.join(f), &target).map_err(|e| Error::io(&target, e))?;
    }
    Ok(())
}

/// Whether `dir` holds exactly `files` of `from`, byte for byte.
fn same_set(from: &Path, files: &[String], dir: &Path) -> Result<bool> {
    if !dir.is_dir() || crate::output::list_files(dir)? != files {
        return Ok(false);
    }
    for f in files {
        let read = |p: &Path| std::fs::read(p).map_err(|e| Error::io(p, e));
        if read(&from.join(f))? != read(&dir.join(f))? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Removes the private copies (`.<name>.staging-<tag>`) of processes that
/// died before renaming them into place.
fn sweep_copies(root: &Path) -> Result<()> {
    for entry in std::fs::read_dir(root)
        .map_err(|e| Error::io(root, e))?
        .flatten()
    {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let dead = file_name.starts_with('.')
            && file_name
                .rsplit_once(".staging-")
                .is_some_and(|(_, tag)| !crate::owner::is_alive(tag));
        if dead {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(list: ListKind, rules: &str, evidence: &[&str]) -> Entry {
        let on = chrono::NaiveDate::from_ymd_opt(2024, 12, 31);
        Entry {
            entry_id: "E-1".into(),
            lawyer_id: "L1".into(),
            list,
            status: crate::register::EntryStatus::Proposed,
            severity: (list == ListKind::Negative)
                .then_some(crate::register::input::Severity::Serious),
            rules: rules.into(),
            evidence: evidence.iter().map(|e| e.to_string()).collect(),
            rule_evidence: Default::default(),
            proposed_on: on,
            listed_on: None,
            ends_on: None,
            removed_on: None,
            objection_pending: false,
            period_end: on,
        }
    }

    /// A notice is a document to print and serve: A4, issued by the
    /// deciding body on a date, with where and by when to object and a seal
    /// block; a positive-list notice shows no empty severity or evidence.
    #[test]
    fn notices_are_a4_documents_and_the_positive_one_has_no_blanks() {
        let plan = crate::publish::tests::demo_plan();
        let dir = tempfile::tempdir().unwrap();
        let people = HashMap::from([(
            "L1".to_string(),
            Addressee {
                name: "张三".into(),
                law_firm: "四川某律师事务所".into(),
            },
        )]);
        let negative = [entry(ListKind::Negative, "N3", &["K1"])];
        write_notices(dir.path(), &plan, &negative, &people).unwrap();
        let html = std::fs::read_to_string(dir.path().join("L1.html")).unwrap();
        let body = &plan.settings.publication.deciding_body;
        for needle in [
            "@page { size: A4",
            "发文日期 Issued 2024-12-31",
            "（盖章）",
            "2024年12月31日",
            "严重失信",
            "证据编号 Evidence: K1",
            &format!("向{body}书面提出"),
        ] {
            assert!(html.contains(needle), "{needle}: {html}");
        }
        let deadline = chrono::NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()
            + chrono::Days::new(plan.settings.lists.notice_days.into());
        assert!(html.contains(&format!("<strong>{deadline}</strong>")));

        let positive = [entry(ListKind::Positive, "P1;P2;P3;P4;P5", &[])];
        write_notices(dir.path(), &plan, &positive, &people).unwrap();
        let html = std::fs::read_to_string(dir.path().join("L1.html")).unwrap();
        let body = &html[html.find("<body>").unwrap()..];
        assert!(!body.contains('—') && !body.contains("证据编号"), "{body}");
        assert!(body.contains("正面清单") && body.contains("（盖章）"));
    }

    #[test]
    fn kept_sets_are_never_changed_and_reruns_write_nothing() {
        let root = tempfile::tempdir().unwrap();
        let from = root.path().join("from");
        let kept = root.path().join("notices");
        assert_eq!(keep(&from, &kept, "2025-01-20").unwrap(), None, "no set");
        std::fs::create_dir(&from).unwrap();
        assert_eq!(keep(&from, &kept, "2025-01-20").unwrap(), None, "empty");
        std::fs::write(from.join("L1.html"), "one").unwrap();
        std::fs::write(from.join("L2.html"), "two").unwrap();
        let first = keep(&from, &kept, "2025-01-20").unwrap().unwrap();
        assert_eq!(first, kept.join("2025-01-20"));
        assert_eq!(
            crate::output::list_files(&first).unwrap(),
            ["L1.html", "L2.html"]
        );
        // The same set again: the same folder, nothing new.
        assert_eq!(keep(&from, &kept, "2025-01-20").unwrap().unwrap(), first);
        assert_eq!(std::fs::read_dir(&kept).unwrap().count(), 1);
        // Another set of the same as-of never overwrites the first.
        std::fs::write(from.join("L2.html"), "two, amended").unwrap();
        let second = keep(&from, &kept, "2025-01-20").unwrap().unwrap();
        assert_eq!(second, kept.join("2025-01-20-2"));
        assert_eq!(std::fs::read(first.join("L2.html")).unwrap(), b"two");
        assert_eq!(keep(&from, &kept, "2025-01-20").unwrap().unwrap(), second);
        // A dead process's half copy is swept; a live one's is not.
        let dead = kept.join(".2025-01-20.staging-999999999-1-0");
        std::fs::create_dir(&dead).unwrap();
        let live = kept.join(format!(".x.staging-{}", crate::owner::tag()));
        std::fs::create_dir(&live).unwrap();
        keep(&from, &kept, "2025-01-20").unwrap();
        assert!(!dead.exists() && live.exists());
    }
}
