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

/// Writes `sheet` GBK-encoded with CR-only record terminators (old Mac
/// exports); fields holding CR or LF are quoted.
fn write_gbk_cr(sheet: &Sheet, path: &std::path::Path) {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\r'))
        .from_writer(Vec::new());
    w.write_record(&sheet.header).unwrap();
    for r in &sheet.rows {
        w.write_record(r).unwrap();
    }
    let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
    assert!(!text.contains("\"\n"), "{text:?}");
    let (bytes, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(path, &bytes).unwrap();
}

/// Defect 4: the cases and reviews files are GBK with CR-only line endings;
/// review notes (free text) hold a bare CR, a CRLF and an LF inside quotes,
/// and so does a recipient name. Every record is one row: nothing is cut,
/// rows read is not inflated, the notes are accepted, and the name (no
/// control characters in a name) is one rejected row, quarantined whole.
#[test]
fn line_breaks_inside_quoted_fields_are_data_in_gbk_with_cr_line_endings() {
    let mut f = Fixture::valid();
    let reviews = f.sheet("reviews");
    let n_reviews = reviews.rows.len() as u64;
    let reviewed: Vec<String> = reviews.rows.iter().map(|r| r[1].clone()).collect();
    reviews.set(0, "note", "好\r很好");
    reviews.set(1, "note", "较好\r\n尚可");
    let last = reviews.rows.len() - 1;
    let last_review = reviews.rows[last][0].clone();
    reviews.set(last, "note", "张\n三");
    reviews.set(last, "points", "abc");
    let last_review_rows = reviews.rows.iter().filter(|r| r[0] == last_review).count() as u64;
    let reviews = reviews.clone();
    let cases = f.sheet("cases");
    let n_cases = cases.rows.len() as u64;
    let unreviewed = cases
        .rows
        .iter()
        .position(|r| !reviewed.contains(&r[0]))
        .expect("a case without reviews");
    cases.set(unreviewed, "recipient_name", "王\r五");
    let cases = cases.clone();
    let dir = tempfile::tempdir().unwrap();
    write_gbk_cr(&cases, &dir.path().join("cases.csv"));
    write_gbk_cr(&reviews, &dir.path().join("reviews.csv"));
    f.write(dir.path());
    declare_gbk(dir.path(), &["cases", "reviews"]);
    let out = validate_in(dir.path());
    let text = stdout(&out);
    assert_eq!(
        counts(&text, "cases"),
        (n_cases, n_cases - 1, 1),
        "{text}{}",
        stderr(&out)
    );
    let rejects = read_rejects(&dir.path().join("rej/cases.csv"));
    assert_eq!(rejects[0]["source_row"], (unreviewed + 2).to_string());
    assert_eq!(rejects[0]["recipient_name"], "王\r五");
    assert!(
        rejects[0]["reason"].starts_with("bad_character: column recipient_name"),
        "{rejects:#?}"
    );
    assert_eq!(
        counts(&text, "reviews"),
        (n_reviews, n_reviews - last_review_rows, last_review_rows),
        "{text}"
    );
    let rejects = read_rejects(&dir.path().join("rej/reviews.csv"));
    let bad = rejects
        .iter()
        .find(|r| r["reason"].starts_with("bad_number:"));
    let bad = bad.unwrap_or_else(|| panic!("{rejects:#?}"));
    assert_eq!(bad["source_row"], (last + 2).to_string());
    assert_eq!(bad["note"], "张\n三");
}

/// The quarantined rows of `table` written by a run into `out/`.
fn run_rejects(
    dir: &std::path::Path,
    table: &str,
) -> Vec<std::collections::BTreeMap<String, String>> {
    let name = format!("{table}.csv");
    let file = files_under(&dir.join("out"))
        .into_iter()
        .find(|p| p.parent().unwrap().ends_with("rejected") && p.ends_with(&name))
        .unwrap_or_else(|| panic!("no rejected/{name} under out/"));
    read_rejects(&file)
}

/// Defect 6: a 40,000-character firm name, a 300-character case id, a NUL
/// in a reviewer's name and bidi controls in a lawyer's name and a
/// complaint id are rejected rows naming the column (the file and row are
/// the quarantine's `source_file` and `source_row`), not a late failure of
/// the run; no page carries a bidi control or a NUL.
#[test]
fn over_long_and_control_text_is_a_row_reject_not_a_late_failure() {
    let mut f = Fixture::valid();
    f.pipeline_extra = "[ingest]\nmax_reject_ratio = 1.0\n".into();
    f.sheet("lawyers").set(1, "law_firm", &"律".repeat(40_000));
    f.sheet("lawyers").set(2, "name", "测试\u{202E}丙");
    let long_id = "C".repeat(300);
    f.sheet("cases").set(2, "case_id", &long_id);
    f.sheet("reviewers").set(0, "name", "专家\0甲");
    f.sheet("complaints").set(0, "complaint_id", "K\u{2066}001");
    let dir = tempfile::tempdir().unwrap();
    f.write(dir.path());
    let out = legalaid(&["run", "pipeline.toml"], dir.path());
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let expect = |table: &str, row: &str, code: &str, needle: &str| {
        let rejects = run_rejects(dir.path(), table);
        let r = rejects
            .iter()
            .find(|r| r["source_row"] == row)
            .unwrap_or_else(|| panic!("{table} row {row} not rejected: {rejects:#?}"));
        assert_eq!(r["source_file"], format!("{table}.csv"));
        assert!(
            r["reason"].starts_with(&format!("{code}: {needle}")),
            "{table} row {row}: {}",
            r["reason"]
        );
        r.clone()
    };
    let firm = expect(
        "lawyers",
        "3",
        "text_too_long",
        "column law_firm has 40000 characters",
    );
    assert_eq!(firm["law_firm"].chars().count(), 40_000, "kept as read");
    expect(
        "lawyers",
        "4",
        "bad_character",
        "column name has a bidi control character U+202E",
    );
    expect(
        "cases",
        "4",
        "text_too_long",
        "column case_id has 300 characters",
    );
    expect(
        "reviewers",
        "2",
        "bad_character",
        "column name has a control character U+0000",
    );
    expect(
        "complaints",
        "2",
        "bad_character",
        "column complaint_id has a bidi control",
    );
    for p in files_under(&dir.path().join("out")) {
        if p.extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(&p).unwrap();
            assert!(
                !html.contains(['\0', '\u{202E}', '\u{2066}']),
                "{}",
                p.display()
            );
        }
    }
}

/// Defect 7: a directory named as an input is reported as a directory, not
/// as a missing file; nothing is written.
#[test]
fn a_directory_given_as_an_input_is_named_as_such() {
    let mut f = Fixture::valid();
    f.set_file("feedback", "feedback");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("feedback")).unwrap();
    f.write(dir.path());
    let out = validate_in(dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("feedback") && err.contains("is a directory, expected a file"),
        "{err}"
    );
    assert!(!err.contains("does not exist"), "{err}");
    assert!(!dir.path().join("rej").exists());
}

/// Defect 7: under `rv/**/*.csv` the reviews file is reached through a
/// symlink loop (`rv/loop -> .`, some forty names deep) and through a
/// second symlink beside it; it is read once, under its own name.
#[test]
fn a_file_reached_twice_through_a_glob_is_read_once() {
    let mut f = Fixture::valid();
    let n = f.sheet("reviews").rows.len() as u64;
    f.set_file("reviews", "rv/**/*.csv");
    let dir = tempfile::tempdir().unwrap();
    let rv = dir.path().join("rv");
    std::fs::create_dir(&rv).unwrap();
    std::fs::write(rv.join("reviews.csv"), f.sheet("reviews").to_csv()).unwrap();
    std::os::unix::fs::symlink(".", rv.join("loop")).unwrap();
    std::os::unix::fs::symlink("reviews.csv", rv.join("again.csv")).unwrap();
    f.write(dir.path());
    let out = validate_in(dir.path());
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    assert_eq!(counts(&text, "reviews"), (n, n, 0), "{text}");
    assert!(read_rejects(&dir.path().join("rej/reviews.csv")).is_empty());
}
