//! Chinese all the way through (issue 16, item 7): the Chinese outputs a
//! centre's staff read — lawyer pages, `register history`, the inspection
//! workbook and the eligibility roster — carry words, not raw codes: 系统
//! for the run, Chinese event reasons, 专职律师 / 已列入 / 称职 with the
//! codes in trailing columns.

use calamine::{Reader, Xlsx, open_workbook};

use crate::fixture::*;

/// The codes a Chinese reader must not meet as words (enumeration codes of
/// practice kinds, entry statuses and grades, and the run's English).
const RAW: &[&str] = &[
    "full_time",
    "part_time",
    "aid_staff",
    "grassroots",
    "proposed",
    "listed",
    "competent",
    "pipeline",
    "firm rules",
    "notice until",
    "in force through",
];

/// The text of an HTML page without its tags, attributes and styles.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let body = &html[html.find("<body").unwrap_or(0)..];
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn raw_codes_in(text: &str) -> Vec<&'static str> {
    RAW.iter().copied().filter(|c| text.contains(c)).collect()
}

#[test]
fn chinese_outputs_carry_words_not_codes() {
    let mut f = Fixture::valid();
    push_took_money(&mut f, "K003", "L002", "C002");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    f.write(d);
    for as_of in ["2024-12-31", "2025-01-20"] {
        let o = legalaid(&["run", "pipeline.toml", "--as-of", as_of], d);
        assert!(o.status.success(), "{}", stderr(&o));
    }

    // Lawyer pages: the run is 系统 and its reasons are in Chinese.
    let page = std::fs::read_to_string(d.join("out/internal/lawyers/L002.html")).unwrap();
    let text = visible_text(&page);
    assert!(
        text.contains("系统") && text.contains("规则成立：N3"),
        "{text}"
    );
    for file in files_under(&d.join("out/internal/lawyers")) {
        let text = visible_text(&std::fs::read_to_string(&file).unwrap());
        let found = raw_codes_in(&text);
        assert!(found.is_empty(), "{}: {found:?}", file.display());
    }

    // register history: 系统 and the Chinese reason beside the English.
    let history = legalaid(&["register", "history", "pipeline.toml", "L002"], d);
    let history = stdout(&history);
    assert!(
        history.contains("系统 pipeline") && history.contains("规则成立：N3"),
        "{history}"
    );

    // The roster and the workbook: words, the codes in trailing columns.
    let roster = read_rejects(&d.join("out/internal/eligibility.csv"));
    assert!(!roster.is_empty());
    for row in &roster {
        assert!(row["practice_kind"].ends_with("律师"), "{row:?}");
        assert!(!row["practice_kind_code"].is_empty(), "{row:?}");
    }
    let mut wb: Xlsx<_> = open_workbook(d.join("out/internal/inspection.xlsx")).unwrap();
    let mut seen: Vec<String> = Vec::new();
    for sheet in ["锦江区", "武侯区"] {
        let range = wb.worksheet_range(sheet).unwrap();
        // Row 1 is the sheet's title, the header below it.
        let mut rows = range.rows().skip(legalaid::xlsx::HEADER_ROW as usize);
        let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
        let first_code = header
            .iter()
            .position(|h| h.ends_with("代码") && h != "理由代码")
            .expect("code columns");
        assert_eq!(
            &header[first_code..],
            ["执业类别代码", "负面清单状态代码", "建议等次代码"],
            "{header:?}"
        );
        for row in rows {
            let words: Vec<String> = row[..first_code].iter().map(|c| c.to_string()).collect();
            let found: Vec<_> = words
                .iter()
                .filter(|w| RAW.contains(&w.as_str()) || w.as_str() == "not_competent")
                .collect();
            assert!(found.is_empty(), "{sheet}: {words:?}");
            seen.extend(words);
        }
    }
    for word in ["专职律师", "兼职律师", "已列入"] {
        assert!(seen.iter().any(|w| w == word), "{word}: {seen:?}");
    }
}
