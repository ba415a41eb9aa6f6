//! Plain-text views of the register for people: a lawyer's entries and
//! events as aligned tables with Chinese and English headings, and the
//! wording of every rule they name. Returned as strings; the binary prints.

use std::collections::BTreeSet;
use std::fmt::Write;

use chrono::NaiveDate;

use super::events::{Event, kind};
use super::rules::{RuleValues, rule, split_codes};
use super::state::Entry;
use super::wording;

/// Display width of text in a terminal: CJK and full-width characters
/// take two columns.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            // Combining marks (the strike-through of voided events).
            '\u{0300}'..='\u{036F}' => 0,
            c => crate::xlsx::char_width(c),
        })
        .sum()
}

/// Rows of cells as an aligned table; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(display_width(cell));
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i] - display_width(cell) + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Text struck through (a combining long stroke after each character), as
/// `register history` shows voided events.
fn struck(text: &str) -> String {
    text.chars().flat_map(|c| [c, '\u{0336}']).collect()
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// A lawyer's entries, then events, then the wording of the rules they name.
pub fn history(lawyer_id: &str, entries: &[Entry], events: &[Event], texts: &RuleValues) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "律师 lawyer {lawyer_id}\n");
    if entries.is_empty() && events.is_empty() {
        let _ = writeln!(
            out,
            "登记簿中没有该律师的记录。 The register has nothing on this lawyer."
        );
        return out;
    }

    let _ = writeln!(out, "名单条目 entries ({})", entries.len());
    if entries.is_empty() {
        out.push_str("  —\n");
    } else {
        let rows: Vec<Vec<String>> = entries
            .iter()
            .map(|e| {
                vec![
                    e.entry_id.clone(),
                    format!("{} {}", e.list.zh(), e.list),
                    format!("{} {}", e.status.zh(), e.status),
                    e.severity
                        .map(|s| format!("{} {}", s.zh(), s))
                        .unwrap_or_default(),
                    e.rules.clone(),
                    e.evidence.join(";"),
                    date(e.proposed_on),
                    date(e.listed_on),
                    date(e.ends_on),
                    date(e.removed_on),
                    if e.objection_pending {
                        "异议待决 pending".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "条目 entry",
                "名单 list",
                "状态 status",
                "严重程度 severity",
                "规则 rules",
                "证据 evidence",
                "拟列入 proposed",
                "列入 listed",
                "届满 ends",
                "结束 ended",
                "异议 objection",
            ],
            &rows,
        ));
    }

    let _ = writeln!(out, "\n事件 events ({})", events.len());
    let rows: Vec<Vec<String>> = events
        .iter()
        .map(|e| {
            let mut row = vec![
                e.event_id.to_string(),
                e.date.to_string(),
                format!("{} {}", kind::zh(&e.kind), e.kind),
                e.entry_id.clone().unwrap_or_default(),
                match wording::actor(&e.actor, true) {
                    zh if zh != e.actor => format!("{zh} {}", e.actor),
                    _ => e.actor.clone(),
                },
                e.rules.clone(),
                e.evidence.clone(),
                match (
                    wording::reason(&e.actor, &e.reason, true),
                    wording::reason(&e.actor, &e.reason, false),
                ) {
                    (zh, en) if zh != en => format!("{zh} / {en}"),
                    (zh, _) => zh,
                },
            ];
            if let Some(by) = e.voided_by {
                for cell in &mut row[1..7] {
                    *cell = struck(cell);
                }
                let undo = events.iter().find(|u| u.event_id == by);
                row[7] = format!(
                    "{} [已撤回 voided by #{by}{}]",
                    struck(&e.reason),
                    undo.map(|u| format!(" {} {}: {}", u.date, u.actor, u.reason))
                        .unwrap_or_default()
                );
            }
            row
        })
        .collect();
    out.push_str(&table(
        &[
            "#",
            "日期 date",
            "事件 event",
            "条目 entry",
            "操作人 by",
            "规则 rules",
            "证据 evidence",
            "理由 reason",
        ],
        &rows,
    ));

    let codes: BTreeSet<&str> = entries
        .iter()
        .map(|e| e.rules.as_str())
        .chain(events.iter().map(|e| e.rules.as_str()))
        .flat_map(split_codes)
        .collect();
    if !codes.is_empty() {
        let _ = writeln!(out, "\n规则 rules");
        for code in super::rules::join_codes(codes).split(';') {
            if let Some(r) = rule(code) {
                let (zh, en) = r.text(texts);
                let _ = writeln!(out, "  {code}  {zh}\n      {en}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_take_two_columns_and_combining_marks_none() {
        assert_eq!(display_width("N1 张三"), 7);
        // A voided event's text is struck through: the marks take no column.
        assert_eq!(display_width(&struck("E7")), 2);
        assert_eq!(display_width(&struck("撤销")), 4);
    }

    #[test]
    fn a_table_lines_up_wide_and_struck_through_cells() {
        let rows = vec![
            vec!["撤销".to_string(), "x".to_string()],
            vec![struck("E7"), "y".to_string()],
        ];
        // The first column is 4 columns wide (撤销), plus 2 of spacing.
        let expected = format!("id    z\n撤销  x\n{}    y\n", struck("E7"));
        assert_eq!(table(&["id", "z"], &rows), expected);
    }
}
