//! Hostile and unlucky inputs (issue 15): line breaks inside quoted CSV
//! fields, over-long and control-character text, directories and symlink
//! loops given as inputs. Each runs the real binary.

use crate::fixture::*;

/// Per-table (read, accepted, rejected) from `validate`'s table.
fn counts(text: &str, table: &str) -> (u64, u64, u64) {
    let f: Vec<&str> = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(table))
        .unwrap_or_else(|| panic!("no line for {table} in {text}"))
        .split_whitespace()
        .collect();
    (
        f[1].parse().unwrap(),
        f[2].parse().unwrap(),
        f[3].parse().unwrap(),
    )
}

fn validate_in(dir: &std::path::Path) -> std::process::Output {
    legalaid(&["validate", "pipeline.toml", "--rejects", "rej"], dir)
}

/// Defect 4: the cases file is GBK with CR-only line endings; one recipient
/// name holds a bare CR inside quotes, another a CRLF, a third an LF. Every
/// record is one row: nothing is cut, nothing inflates rows read, and the
/// rejected row (a bad date) is quarantined with its name whole.
#[test]
fn line_breaks_inside_quoted_fields_are_data_in_gbk_with_cr_line_endings() {
    let mut f = Fixture::valid();
    let cases = f.sheet("cases");
    let n = cases.rows.len() as u64;
    cases.set(0, "recipient_name", "王\r五");
    cases.set(1, "recipient_name", "李\r\n四");
    cases.set(2, "recipient_name", "张\n三");
    cases.set(2, "closed_on", "2024-13-01");
    let dir = tempfile::tempdir().unwrap();
    // CR-only record terminators outside quotes (old Mac exports)
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\r'))
        .from_writer(Vec::new());
    w.write_record(&cases.header).unwrap();
    for r in &cases.rows {
        w.write_record(r).unwrap();
    }
    let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
    assert!(
        !text.contains("\"\n") && text.contains("\"王\r五\""),
        "{text:?}"
    );
    let (bytes, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(dir.path().join("cases.csv"), &bytes).unwrap();
    f.write(dir.path());
    // every other file is UTF-8: a BOM settles that whatever is declared
    for t in TABLES.iter().filter(|t| **t != "cases") {
        let p = dir.path().join(format!("{t}.csv"));
        let mut text = vec![0xEF, 0xBB, 0xBF];
        text.extend(std::fs::read(&p).unwrap());
        std::fs::write(p, text).unwrap();
    }
    let pipeline = std::fs::read_to_string(dir.path().join("pipeline.toml")).unwrap();
    std::fs::write(
        dir.path().join("pipeline.toml"),
        pipeline.replace("[rubrics]", "encoding = \"gbk\"\n[rubrics]"),
    )
    .unwrap();
    let out = validate_in(dir.path());
    let text = stdout(&out);
    assert_eq!(
        counts(&text, "cases"),
        (n, n - 1, 1),
        "{text}{}",
        stderr(&out)
    );
    let rejects = read_rejects(&dir.path().join("rej/cases.csv"));
    assert_eq!(rejects.len(), 1, "{rejects:#?}");
    assert_eq!(rejects[0]["source_row"], "4");
    assert_eq!(rejects[0]["recipient_name"], "张\n三");
    assert!(
        rejects[0]["reason"].starts_with("bad_date:"),
        "{rejects:#?}"
    );
}
