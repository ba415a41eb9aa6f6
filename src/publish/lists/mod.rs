//! The published positive and negative lists (`publication.md`, "The
//! published lists") and the list entries that ended since the last
//! publication: [`load`] builds them from the register's entries and events
//! as typed rows; [`files`] writes them as CSV, XLSX and HTML.
//!
//! Only entries with status `listed` are published. Rows are ordered by
//! district, then by the lawyer's name in pinyin order, then by licence
//! number: a stable order that says nothing about rank. For an entry resting
//! on N4 the sanction kind and its public `summary` are shown; a summary that
//! contains a recipient's name or identity number (or a case id or a
//! reviewer's name) is left out, with a warning. Spreadsheet cells that could
//! be read as a formula are neutralised (privacy rule 4): a leading
//! apostrophe in CSV, Excel's quote prefix in XLSX; numbers stay numbers.

use std::collections::{BTreeMap, BTreeSet};

pub mod files;

use chrono::NaiveDate;
use pinyin::ToPinyin;

pub use files::{
    ListCell, ListTable, csv_bytes, html_table, list_table, report_table, write_all, xlsx_bytes,
};

use super::i18n::Lang;
use super::privacy::Identifiers;
use super::rows::{EntryRow, EventRow, N4EvidenceRow, SanctionRow, text};
use crate::plan::Plan;

/// A list rule's code, list, severity and wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleText {
    pub code: &'static str,
    /// `negative` or `positive`.
    pub list: &'static str,
    /// `general` or `serious`, negative rules only.
    pub severity: Option<&'static str>,
    pub zh: String,
    pub en: String,
}

/// Every list rule in code order, from the register's rule registry (the
/// one place the rule texts live), worded with the settings in force.
pub fn list_rules(settings: &crate::config::Settings) -> Vec<RuleText> {
    let values = crate::register::rules::RuleValues::of(settings);
    crate::register::LIST_RULES
        .iter()
        .map(|r| {
            let (zh, en) = r.text(&values);
            RuleText {
                code: r.code,
                list: r.list.as_str(),
                severity: r.severity.map(|s| s.as_str()),
                zh,
                en,
            }
        })
        .collect()
}

impl RuleText {
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// Rule codes in the registry's order, unknown codes last.
pub fn sorted_codes(codes: &str) -> Vec<String> {
    let order = crate::register::LIST_RULES;
    let mut v: Vec<String> = codes
        .split(';')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    v.sort_by_key(|c| {
        (
            order.iter().position(|r| r.code == c).unwrap_or(usize::MAX),
            c.clone(),
        )
    });
    v.dedup();
    v
}

/// A sanction behind an N4 entry, as published.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedSanction {
    pub kind: String,
    /// `None` when the input had none or it was left out.
    pub summary: Option<String>,
}

/// One register entry with the lawyer's published details.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub entry_id: String,
    pub lawyer_id: String,
    pub name: String,
    pub law_firm: String,
    pub district: String,
    pub years_of_practice: Option<i64>,
    pub list: String,
    pub status: crate::register::EntryStatus,
    pub severity: Option<String>,
    pub rules: Vec<String>,
    pub listed_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// When an ended entry ended: `removed_on`, else its last ending event.
    pub ended_on: Option<NaiveDate>,
    /// N4 entries only.
    pub sanctions: Vec<PublishedSanction>,
}

/// The entries a publication shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lists {
    /// Listed positive entries, in published order.
    pub positive: Vec<Entry>,
    /// Listed negative entries, in published order.
    pub negative: Vec<Entry>,
    /// Once-listed entries that ended since the last publication.
    pub ended: Vec<Entry>,
    /// The as-of of the last earlier run, when the register knows one.
    pub last_publication: Option<NaiveDate>,
    /// Listed entries amended since the last publication (some of their
    /// rules fell with their evidence): the public report corrects them.
    pub amended: Vec<Amendment>,
}

/// A listed entry whose rules were narrowed: the codes dropped, never the
/// evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Amendment {
    pub entry_id: String,
    pub dropped: Vec<String>,
    pub on: NaiveDate,
}

/// The rows the lists are built from.
#[derive(Debug, Clone, Copy)]
pub struct ListInputs<'a> {
    /// `mart_report_entries`, in entry order.
    pub entries: &'a [EntryRow],
    /// `mart_report_events`, in event order.
    pub events: &'a [EventRow],
    /// `mart_report_sanctions`, oldest decision first.
    pub sanctions: &'a [SanctionRow],
    /// `mart_report_n4_evidence`.
    pub n4: &'a [N4EvidenceRow],
}

/// The lists a publication shows, from the register's entries and events
/// as this run leaves them; a sanction summary that contains an identifier
/// of `ids` is left out, with a warning.
pub fn load(
    plan: &Plan,
    input: ListInputs<'_>,
    ids: &Identifiers,
    warnings: &mut Vec<String>,
) -> Lists {
    let as_of = plan.as_of;
    let last_publication = input
        .events
        .iter()
        .filter(|r| r.run_id.as_deref().is_some_and(|s| !s.is_empty()))
        .filter_map(|r| r.date)
        .filter(|d| *d < as_of)
        .max();
    let mut evidence: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut ending: BTreeMap<String, NaiveDate> = BTreeMap::new();
    let mut rules_before: BTreeMap<String, String> = BTreeMap::new();
    let mut listed: BTreeSet<String> = BTreeSet::new();
    let mut amended = Vec::new();
    for e in input.events {
        let entry = text(&e.entry_id);
        let ids = e
            .evidence
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if matches!(e.kind.as_str(), "amended" | "annulled") {
            // These events name overturned evidence: never published.
            let held = evidence.entry(entry.clone()).or_default();
            for id in ids {
                held.remove(id);
            }
        } else {
            evidence
                .entry(entry.clone())
                .or_default()
                .extend(ids.map(str::to_string));
        }
        if e.kind == "listed" {
            listed.insert(entry.clone());
        }
        if e.kind == "amended"
            && listed.contains(&entry)
            && let Some(d) = e
                .date
                .filter(|d| *d <= as_of && last_publication.is_none_or(|p| *d > p))
        {
            let now = sorted_codes(&e.rules);
            let dropped: Vec<String> =
                sorted_codes(rules_before.get(&entry).map_or("", String::as_str))
                    .into_iter()
                    .filter(|c| !now.contains(c))
                    .collect();
            if !dropped.is_empty() {
                amended.push(Amendment {
                    entry_id: entry.clone(),
                    dropped,
                    on: d,
                });
            }
        }
        if !e.rules.is_empty() {
            rules_before.insert(entry.clone(), e.rules.clone());
        }
        if matches!(e.kind.as_str(), "expired" | "removed" | "annulled")
            && let Some(d) = e.date
        {
            ending.insert(entry, d);
        }
    }

    let mut lists = Lists {
        last_publication,
        amended,
        ..Lists::default()
    };
    for r in input.entries {
        let status = match r.status.parse() {
            Ok(status) => status,
            Err(e) => {
                warnings.push(format!("register entry {}: {e}; left out", r.entry_id));
                continue;
            }
        };
        let mut entry = Entry {
            entry_id: r.entry_id.clone(),
            lawyer_id: r.lawyer_id.clone(),
            name: text(&r.name),
            law_firm: text(&r.law_firm),
            district: text(&r.district),
            years_of_practice: r.years_of_practice,
            list: r.list.clone(),
            status,
            severity: r.severity.clone(),
            rules: sorted_codes(&r.rules),
            listed_on: r.listed_on,
            ends_on: r.ends_on,
            ended_on: r.removed_on,
            sanctions: Vec::new(),
        };
        if entry.ended_on.is_none() {
            entry.ended_on = ending.get(&entry.entry_id).copied();
        }
        match entry.status.as_str() {
            "listed" => {
                if entry.list == "negative" && entry.rules.iter().any(|c| c == "N4") {
                    entry.sanctions = published_sanctions(&entry, &evidence, input, ids, warnings);
                }
                match entry.list.as_str() {
                    "negative" => lists.negative.push(entry),
                    "positive" => lists.positive.push(entry),
                    _ => {}
                }
            }
            "expired" | "removed" | "annulled" => {
                let since = |d: NaiveDate| last_publication.is_none_or(|p| d > p);
                if entry.listed_on.is_some()
                    && entry.ended_on.is_some_and(|d| d <= as_of && since(d))
                {
                    lists.ended.push(entry);
                }
            }
            _ => {}
        }
    }
    for l in [&mut lists.positive, &mut lists.negative, &mut lists.ended] {
        l.sort_by_cached_key(|e| {
            (
                collation_key(&e.district, false),
                collation_key(&e.name, true),
                e.name.clone(),
                e.lawyer_id.clone(),
                e.entry_id.clone(),
            )
        });
    }
    lists
}

/// The sanctions behind a listed N4 entry: those its events name, else
/// those of this run's N4 finding; a summary naming an identifier is left
/// out, with a warning.
fn published_sanctions(
    entry: &Entry,
    evidence: &BTreeMap<String, BTreeSet<String>>,
    input: ListInputs<'_>,
    ids: &Identifiers,
    warnings: &mut Vec<String>,
) -> Vec<PublishedSanction> {
    let lawyer = Some(entry.lawyer_id.as_str());
    let mut behind: BTreeSet<String> = evidence.get(&entry.entry_id).cloned().unwrap_or_default();
    let ours = |id: &str| {
        input
            .sanctions
            .iter()
            .any(|s| s.sanction_id.as_deref() == Some(id) && s.lawyer_id.as_deref() == lawyer)
    };
    behind.retain(|id| ours(id));
    if behind.is_empty() {
        for n4 in input.n4.iter().filter(|n| n.lawyer_id.as_deref() == lawyer) {
            behind.extend(
                text(&n4.evidence)
                    .split(';')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
        }
    }
    let mut out = Vec::new();
    for s in input.sanctions {
        let id = text(&s.sanction_id);
        if !behind.contains(&id) || s.lawyer_id.as_deref() != lawyer {
            continue;
        }
        let summary = s
            .summary
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let summary = match summary {
            Some(text) if ids.found_in(&text) => {
                warnings.push(format!(
                    "sanction {id} (lawyer {}): its summary is left out of the \
                     published negative list because it contains a recipient's \
                     name or identity number, a case id or a reviewer's name",
                    entry.lawyer_id
                ));
                None
            }
            other => other,
        };
        out.push(PublishedSanction {
            kind: text(&s.kind),
            summary,
        });
    }
    out
}

/// Surnames whose reading differs from the character's most common one.
const SURNAME_READINGS: &[(char, &str)] = &[
    ('单', "shan4"),
    ('解', "xie4"),
    ('仇', "qiu2"),
    ('曾', "zeng1"),
    ('区', "ou1"),
    ('朴', "piao2"),
    ('查', "zha1"),
    ('盖', "ge3"),
    ('缪', "miao4"),
    ('乐', "yue4"),
    ('尉', "yu4"),
    ('覃', "qin2"),
    ('翟', "zhai2"),
    ('种', "chong2"),
    ('秘', "bi4"),
    ('折', "she2"),
    ('黑', "he4"),
    ('员', "yun4"),
    ('长', "chang2"),
    ('重', "chong2"),
    ('纪', "ji3"),
    ('任', "ren2"),
    ('华', "hua4"),
    ('薄', "bo2"),
];

/// A sort key that orders Chinese text by pinyin, syllable by syllable
/// (tone as the tie-break within a syllable), and other characters by
/// themselves, case-insensitively. With `name`, the first character reads
/// as a surname (单 as shàn, 曾 as zēng …). Characters with the same
/// reading keep the order the caller breaks ties with.
pub fn collation_key(text: &str, name: bool) -> String {
    let mut out = String::new();
    for (i, c) in text.trim().chars().enumerate() {
        if i > 0 {
            out.push('\u{1}');
        }
        let surname = if name && i == 0 {
            SURNAME_READINGS
                .iter()
                .find(|(s, _)| *s == c)
                .map(|(_, r)| *r)
        } else {
            None
        };
        match surname.or_else(|| c.to_pinyin().map(|p| p.with_tone_num_end())) {
            Some(reading) => out.push_str(reading),
            None => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_order_is_by_syllable_then_tone() {
        let mut names = vec![
            "张三",
            "李四",
            "王五",
            "赵六",
            "安七",
            "单田芳",
            "曾志伟",
            "Zoe",
            "李",
        ];
        names.sort_by_key(|n| collation_key(n, true));
        assert_eq!(
            names,
            vec![
                "安七",
                "李",
                "李四",
                "单田芳",
                "王五",
                "Zoe",
                "曾志伟",
                "张三",
                "赵六"
            ]
        );
        // Districts: no surname readings.
        let mut d = vec!["武侯区", "锦江区", "成华区", "青羊区", "金牛区"];
        d.sort_by_key(|n| collation_key(n, false));
        assert_eq!(d, vec!["成华区", "金牛区", "锦江区", "青羊区", "武侯区"]);
    }

    #[test]
    fn codes_sort_in_registry_order() {
        assert_eq!(sorted_codes("N4;N1;;N4"), vec!["N1", "N4"]);
        assert_eq!(sorted_codes("P5;P1;X9"), vec!["P1", "P5", "X9"]);
        assert!(sorted_codes("").is_empty());
    }

    fn entry(id: &str, lawyer: &str, list: &str, status: &str, rules: &str) -> EntryRow {
        let d = |day| NaiveDate::from_ymd_opt(2024, 12, day);
        EntryRow {
            entry_id: id.into(),
            lawyer_id: lawyer.into(),
            list: list.into(),
            status: status.into(),
            severity: None,
            rules: rules.into(),
            proposed_on: d(1),
            listed_on: d(11),
            ends_on: None,
            removed_on: None,
            name: Some(format!("name {lawyer}")),
            law_firm: None,
            district: Some(
                if lawyer == "L2" {
                    "成华区"
                } else {
                    "武侯区"
                }
                .into(),
            ),
            years_of_practice: Some(5),
        }
    }

    fn event(id: i64, entry: &str, kind: &str, day: u32, evidence: &str) -> EventRow {
        EventRow {
            event_id: id,
            entry_id: Some(entry.into()),
            lawyer_id: String::new(),
            list: None,
            kind: kind.into(),
            date: NaiveDate::from_ymd_opt(2024, 12, day),
            run_id: Some("run".into()),
            actor: String::new(),
            reason: String::new(),
            rules: String::new(),
            evidence: evidence.into(),
        }
    }

    fn sanction(id: &str, lawyer: &str, summary: &str) -> SanctionRow {
        SanctionRow {
            sanction_id: Some(id.into()),
            lawyer_id: Some(lawyer.into()),
            kind: Some("public_censure".into()),
            summary: Some(summary.into()),
        }
    }

    #[test]
    fn lists_hold_listed_entries_in_district_order_with_safe_sanctions() {
        let plan = crate::publish::tests::demo_plan();
        let entries = [
            entry("E1", "L1", "negative", "listed", "N4"),
            entry("E2", "L2", "negative", "listed", "N1"),
            entry("E3", "L3", "positive", "listed", "P1"),
            entry("E4", "L4", "negative", "held", "N2"),
            entry("E5", "L5", "negative", "expired", "N1"),
        ];
        let mut events = [
            event(1, "E1", "listed", 11, "S1;S2"),
            event(2, "E5", "expired", 20, ""),
        ];
        // Not a run's event: the last publication stays the listing's date.
        events[1].run_id = None;
        let sanctions = [
            sanction("S1", "L1", "经查向受援人张三丰收取财物"),
            sanction("S2", "L1", "违规收费"),
            sanction("S3", "L9", "another lawyer's"),
        ];
        let ids = Identifiers::search(
            sanctions.iter().filter_map(|s| s.summary.clone()),
            [Ok::<_, ()>(vec![crate::publish::rows::IdentifierRow {
                kind: "recipient_name".into(),
                value: Some("张三丰".into()),
            }])],
        )
        .unwrap();
        let mut warnings = Vec::new();
        let lists = load(
            &plan,
            ListInputs {
                entries: &entries,
                events: &events,
                sanctions: &sanctions,
                n4: &[],
            },
            &ids,
            &mut warnings,
        );
        let ids_of = |v: &[Entry]| v.iter().map(|e| e.entry_id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids_of(&lists.negative),
            ["E2", "E1"],
            "成华区 before 武侯区"
        );
        assert_eq!(ids_of(&lists.positive), ["E3"]);
        let e1 = &lists.negative[1];
        assert_eq!(e1.sanctions.len(), 2);
        assert_eq!(e1.sanctions[0].summary, None, "names a recipient");
        assert_eq!(e1.sanctions[1].summary.as_deref(), Some("违规收费"));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("S1"));
        let ended_on = NaiveDate::from_ymd_opt(2024, 12, 20);
        if plan.as_of >= ended_on.unwrap() {
            assert_eq!(
                lists.last_publication,
                NaiveDate::from_ymd_opt(2024, 12, 11)
            );
            assert_eq!(ids_of(&lists.ended), ["E5"]);
            assert_eq!(lists.ended[0].ended_on, ended_on);
        }
    }
}
