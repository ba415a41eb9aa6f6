//! The report's list sections: the positive and negative lists (the
//! published tables, with their downloads) and the entries that ended since
//! the last publication, with corrections for annulled and amended ones.

use std::collections::BTreeMap;

use minijinja::Value;

use crate::plan::Plan;
use crate::publish::i18n::Lang;
use crate::publish::lists::{self, Lists};
use crate::publish::templates::{Obj, Tbl, list, text_col};

/// The positive and the negative list, as the report shows them.
pub fn list_sections(plan: &Plan, lang: Lang, lists: &Lists) -> Vec<Value> {
    [("positive", &lists.positive), ("negative", &lists.negative)]
        .into_iter()
        .map(|(l, entries)| {
            let name = lang.list(l);
            Obj::new()
                .set("id", format!("{l}-list"))
                .set("title", lang.bracketed(&name, &entries.len()))
                .set(
                    "intro",
                    lang.tr(if l == "negative" {
                        "negative_intro"
                    } else {
                        "positive_intro"
                    }),
                )
                .set(
                    "downloads",
                    list(
                        [
                            ("csv", "download_csv"),
                            ("xlsx", "download_xlsx"),
                            ("html", "download_html"),
                        ]
                        .map(|(ext, key)| {
                            Obj::new()
                                .set("href", format!("{l}-list.{ext}"))
                                .set("label", lang.tr(key))
                                .build()
                        }),
                    ),
                )
                .set(
                    "tbl",
                    lists::report_table(l, entries, plan).map_or(Value::from(()), |t| t.value()),
                )
                .set("empty", lang.tr("list_empty"))
                .build()
        })
        .collect()
}

/// The ended entries: introduction, corrections and table.
pub fn ended_section(plan: &Plan, lang: Lang, lists: &Lists) -> Value {
    let (ended_tbl, corrections) = ended(lists, lang, &plan.settings);
    let ended_intro = match lists.last_publication {
        Some(d) => lang.fmt("ended_intro_since", &[&d]),
        None => lang.fmt("ended_intro_first", &[&plan.as_of]),
    };
    Obj::new()
        .set("intro", ended_intro)
        .set("corrections", list(corrections))
        .set("tbl", ended_tbl.map_or(Value::from(()), |t| t.value()))
        .build()
}

/// The ended-entries table and the corrections for annulled entries.
fn ended(
    lists: &Lists,
    lang: Lang,
    settings: &crate::config::Settings,
) -> (Option<Tbl>, Vec<String>) {
    let mut corrections = amendments(lists, lang, settings);
    if lists.ended.is_empty() {
        return (None, corrections);
    }
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("col_name")),
        text_col(lang.tr("col_licence")),
        text_col(lang.tr("col_firm")),
        text_col(lang.tr("col_district")),
        text_col(lang.tr("col_list")),
        text_col(lang.tr("col_listed_on")),
        text_col(lang.tr("col_ended_on")),
        text_col(lang.tr("col_how")),
    ])
    .plain();
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for e in &lists.ended {
        let how = match (e.status.as_str(), e.list.as_str()) {
            ("expired", _) => lang.tr("how_expired"),
            ("removed", "negative") => lang.tr("how_removed_negative"),
            ("removed", _) => lang.tr("how_removed_positive"),
            _ => lang.tr("how_annulled"),
        };
        if e.status == "annulled" {
            corrections.push(lang.fmt(
                "correction",
                &[
                    &e.name,
                    &e.lawyer_id,
                    &date(e.listed_on),
                    &lang.list(&e.list),
                    &date(e.ended_on),
                ],
            ));
        }
        tbl.row(vec![
            e.name.clone(),
            e.lawyer_id.clone(),
            e.law_firm.clone(),
            e.district.clone(),
            lang.list(&e.list),
            date(e.listed_on),
            date(e.ended_on),
            how.to_string(),
        ]);
    }
    (Some(tbl), corrections)
}

/// Corrections for listed entries amended since the last publication: the
/// rule codes dropped and their plain words, never the evidence.
fn amendments(lists: &Lists, lang: Lang, settings: &crate::config::Settings) -> Vec<String> {
    let rules = lists::list_rules(settings);
    let all = lists
        .negative
        .iter()
        .chain(&lists.ended)
        .chain(&lists.positive);
    let entries: BTreeMap<&str, &lists::Entry> = all.map(|e| (e.entry_id.as_str(), e)).collect();
    let mut out = Vec::new();
    for a in &lists.amended {
        let Some(e) = entries.get(a.entry_id.as_str()) else {
            continue;
        };
        let dropped: Vec<String> = a
            .dropped
            .iter()
            .map(|c| match rules.iter().find(|r| r.code == c) {
                Some(r) => format!("{c} {}", r.text(lang)),
                None => c.clone(),
            })
            .collect();
        out.push(lang.fmt(
            "correction_amended",
            &[
                &e.name,
                &e.lawyer_id,
                &e.listed_on.map(|d| d.to_string()).unwrap_or_default(),
                &lang.list(&e.list),
                &a.on,
                &dropped.join(match lang {
                    Lang::Zh => "；",
                    Lang::En => "; ",
                }),
            ],
        ));
    }
    out
}
