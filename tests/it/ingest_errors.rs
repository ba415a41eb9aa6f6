//! Every reject reason and every file-level error of the data contract, each
//! run through the real binary: the reason names the row's file, row and
//! column; file-level errors stop the run and write nothing.

use std::collections::BTreeMap;

use crate::fixture::*;
use legalaid::rubric::CaseType;

/// Per-table counts parsed from `validate`'s table.
fn counts(stdout: &str) -> BTreeMap<String, (u64, u64, u64)> {
    stdout
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 4 && TABLES.contains(&f[0])).then(|| {
                (
                    f[0].to_string(),
                    (
                        f[1].parse().unwrap(),
                        f[2].parse().unwrap(),
                        f[3].parse().unwrap(),
                    ),
                )
            })
        })
        .collect()
}

/// Validates the fixture and returns the quarantined rows of `table`, after
/// checking that nothing was lost in any table.
fn rejects_of(f: &Fixture, table: &str) -> Vec<BTreeMap<String, String>> {
    let (out, dir) = validate(f);
    let text = stdout(&out);
    let counts = counts(&text);
    assert_eq!(counts.len(), 7, "{text}\n{}", stderr(&out));
    for (t, (read, accepted, rejected)) in &counts {
        assert_eq!(*read, accepted + rejected, "table {t}: {text}");
        let quarantined =
            read_rejects(&dir.path().join("rej").join(format!("{t}.csv"))).len() as u64;
        assert_eq!(quarantined, *rejected, "table {t}");
    }
    read_rejects(&dir.path().join("rej").join(format!("{table}.csv")))
}

/// Asserts exactly the rows at `source_rows` of `table` were rejected with
/// `code`, and that each reason mentions `needle`.
fn expect(f: &Fixture, table: &str, code: &str, source_rows: &[u64], needle: &str) {
    let rejects = rejects_of(f, table);
    let rows: Vec<u64> = rejects
        .iter()
        .map(|r| r["source_row"].parse().unwrap())
        .collect();
    assert_eq!(rows, source_rows, "{rejects:#?}");
    for r in &rejects {
        assert!(r["reason"].starts_with(&format!("{code}:")), "{r:#?}");
        assert!(r["reason"].contains(needle), "{r:#?}");
        assert_eq!(r["source_file"], format!("{table}.csv"));
    }
}

#[test]
fn valid_fixture_has_no_rejects() {
    let (out, dir) = validate(&Fixture::valid());
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    for t in TABLES {
        assert!(
            read_rejects(&dir.path().join("rej").join(format!("{t}.csv"))).is_empty(),
            "{t}"
        );
    }
    let text = stdout(&out);
    let c = counts(&text);
    assert_eq!(c["reviews"], (68, 68, 0));
    assert!(text.contains("cases"), "{text}");
}

#[test]
fn missing_value() {
    let mut f = Fixture::valid();
    f.sheet("lawyers").set(1, "name", " ");
    let mut rejects = rejects_of(&f, "lawyers");
    assert_eq!(rejects.len(), 1);
    let r = rejects.remove(0);
    assert_eq!(r["source_row"], "3");
    assert!(
        r["reason"].starts_with("missing_value: column name"),
        "{r:?}"
    );
    // the row is kept as read
    assert_eq!(r["lawyer_id"], "L002");
    assert_eq!(r["name"], " ");
    // foreign keys are checked against accepted rows: L002's case goes too
    expect(&f, "cases", "unknown_reference", &[3], "L002");
}

#[test]
fn wrong_field_count() {
    let mut f = Fixture::valid();
    f.sheet("feedback")
        .rows
        .push(vec!["C001".into(), "2024-06-11".into()]);
    expect(
        &f,
        "feedback",
        "wrong_field_count",
        &[5],
        "expected 3 fields",
    );
}

#[test]
fn bad_date() {
    let mut f = Fixture::valid();
    f.sheet("cases").set(2, "closed_on", "2024-13-01");
    expect(&f, "cases", "bad_date", &[4], "closed_on");
}

/// One date rule everywhere (issue 16, item 5): the forms Chinese offices
/// write are read in input cells and on the command line alike, and a day
/// the calendar lacks is "no such day", naming file, row and column.
#[test]
fn dates_in_every_form_and_no_such_day() {
    let mut f = Fixture::valid();
    let iso = |f: &mut Fixture, row: usize| {
        let c = f.sheet("cases").col("closed_on");
        chrono::NaiveDate::parse_from_str(&f.sheet("cases").rows[row][c], "%Y-%m-%d").unwrap()
    };
    use chrono::Datelike;
    let (d0, d1, d3) = (iso(&mut f, 0), iso(&mut f, 1), iso(&mut f, 3));
    let cases = f.sheet("cases");
    cases.set(
        0,
        "closed_on",
        &format!("{}年{}月{}日", d0.year(), d0.month(), d0.day()),
    );
    cases.set(
        1,
        "closed_on",
        &format!("{}.{}.{}", d1.year(), d1.month(), d1.day()),
    );
    cases.set(
        3,
        "closed_on",
        &format!("{}/{}/{}", d3.year(), d3.month(), d3.day()),
    );
    let all_forms = f.clone();
    f.sheet("cases").set(2, "closed_on", "2024-02-30");
    expect(
        &f,
        "cases",
        "bad_date",
        &[4],
        "column closed_on has `2024-02-30`: no such day",
    );

    let dir = tempfile::tempdir().unwrap();
    all_forms.write(dir.path());
    let ok = legalaid(
        &["validate", "pipeline.toml", "--as-of", "2024年12月31日"],
        dir.path(),
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    let refused = legalaid(
        &["validate", "pipeline.toml", "--as-of", "2025-02-30"],
        dir.path(),
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("no such day"),
        "{}",
        stderr(&refused)
    );
    let refused = legalaid(
        &["validate", "pipeline.toml", "--as-of", "31/12/2024"],
        dir.path(),
    );
    assert!(
        stderr(&refused).contains("2025年1月20日"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn bad_bool() {
    let mut f = Fixture::valid();
    f.sheet("cases").set(0, "major_difficult", "maybe");
    expect(&f, "cases", "bad_bool", &[2], "major_difficult");
}

#[test]
fn bad_enum() {
    let mut f = Fixture::valid();
    f.sheet("cases").set(2, "case_type", "criminal law");
    expect(&f, "cases", "bad_enum", &[4], "case_type");
    let mut f = Fixture::valid();
    f.sheet("cases")
        .set(2, "recipient_groups", "elderly;astronaut");
    expect(&f, "cases", "bad_enum", &[4], "astronaut");
}

#[test]
fn duplicate_key_keeps_the_first() {
    let mut f = Fixture::valid();
    let first = f.sheet("lawyers").rows[0].clone();
    f.sheet("lawyers").rows.push(first);
    expect(&f, "lawyers", "duplicate_key", &[5], "L001");
}

/// A key seen on a row rejected for another reason is taken all the same:
/// the later row with it is the duplicate (validation keeps a keyed table's
/// accepted keys in its lookup map and only the rejected rows' keys apart).
#[test]
fn a_rejected_rows_key_is_taken() {
    for (table, column, value, code) in [
        (
            "lawyers",
            "licensed_on",
            "2099-01-01",
            "licensed_after_as_of",
        ),
        ("cases", "closed_on", "1999-01-01", "date_order"),
    ] {
        let mut f = Fixture::valid();
        let first = f.sheet(table).rows[0].clone();
        f.sheet(table).set(0, column, value);
        f.sheet(table).rows.push(first);
        let last_row = f.sheet(table).rows.len() as u64 + 1;
        let rejects = rejects_of(&f, table);
        let got: Vec<(String, String)> = rejects
            .iter()
            .map(|r| {
                let reason = r["reason"].split(':').next().unwrap().to_string();
                (r["source_row"].clone(), reason)
            })
            .filter(|(row, _)| row == "2" || *row == last_row.to_string())
            .collect();
        assert_eq!(
            got,
            [
                ("2".to_string(), code.to_string()),
                (last_row.to_string(), "duplicate_key".to_string())
            ],
            "{table}: {rejects:#?}"
        );
    }
}

#[test]
fn unknown_reference() {
    let mut f = Fixture::valid();
    f.sheet("cases").set(3, "lawyer_id", "L999");
    f.sheet("feedback").rows.remove(2);
    expect(&f, "cases", "unknown_reference", &[5], "L999");
    let mut f = Fixture::valid();
    f.sheet("complaints").set(0, "case_id", "C999");
    expect(&f, "complaints", "unknown_reference", &[2], "C999");
}

#[test]
fn date_order() {
    let mut f = Fixture::valid();
    f.sheet("cases").set(0, "archived_on", "2024-05-01");
    expect(
        &f,
        "cases",
        "date_order",
        &[2],
        "archived_on 2024-05-01 is before closed_on 2024-06-01",
    );
    let mut f = Fixture::valid();
    f.sheet("sanctions").set(0, "ends_on", "2024-01-01");
    expect(&f, "sanctions", "date_order", &[2], "ends_on");
}

#[test]
fn licensed_after_as_of() {
    let mut f = Fixture::valid();
    f.sheet("lawyers").set(1, "licensed_on", "2025-06-01");
    expect(&f, "lawyers", "licensed_after_as_of", &[3], "2024-12-31");
}

#[test]
fn missing_decision() {
    let mut f = Fixture::valid();
    f.sheet("complaints").set(1, "outcome", "substantiated");
    expect(&f, "complaints", "missing_decision", &[3], "decided_on");
}

/// Row index (0-based in the sheet) of a review's item.
fn review_row(f: &mut Fixture, review: &str, item: &str) -> usize {
    let s = f.sheet("reviews");
    let (rc, ic) = (s.col("review_id"), s.col("item"));
    s.rows
        .iter()
        .position(|r| r[rc] == review && r[ic] == item)
        .unwrap()
}

/// Source rows of every row of a review.
fn rows_of(f: &mut Fixture, review: &str) -> Vec<u64> {
    let s = f.sheet("reviews");
    let rc = s.col("review_id");
    s.rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r[rc] == review)
        .map(|(i, _)| i as u64 + 2)
        .collect()
}

#[test]
fn one_bad_review_row_rejects_the_whole_review() {
    let mut f = Fixture::valid();
    let i = review_row(&mut f, "V002", "CR-A1");
    f.sheet("reviews").set(i, "points", "lots");
    let rejects = rejects_of(&f, "reviews");
    let expected = rows_of(&mut f, "V002");
    assert_eq!(rejects.len(), expected.len());
    for r in &rejects {
        let row: u64 = r["source_row"].parse().unwrap();
        assert!(expected.contains(&row));
        if row == i as u64 + 2 {
            assert!(
                r["reason"].starts_with("bad_number: column points has `lots`"),
                "{r:?}"
            );
        } else {
            assert!(r["reason"].starts_with("review_rejected:"), "{r:?}");
            assert!(r["reason"].contains(&format!("row {}", i + 2)), "{r:?}");
        }
    }
}

/// Breaks one cell of a review and expects the broken row with `code`.
fn expect_review_row(review: &str, item: &str, points: &str, code: &str, needle: &str) {
    let mut f = Fixture::valid();
    let i = review_row(&mut f, review, item);
    f.sheet("reviews").set(i, "points", points);
    let rejects = rejects_of(&f, "reviews");
    assert_eq!(rejects.len(), rows_of(&mut f, review).len());
    let bad = rejects
        .iter()
        .find(|r| r["source_row"] == (i + 2).to_string())
        .unwrap();
    assert!(bad["reason"].starts_with(&format!("{code}:")), "{bad:?}");
    assert!(bad["reason"].contains(needle), "{bad:?}");
}

#[test]
fn out_of_range_points() {
    expect_review_row("V001", "CR-A1", "5", "out_of_range", "expected 0 … 4");
    expect_review_row("V001", "CR-A1", "-1", "out_of_range", "CR-A1");
}

#[test]
fn not_applicable_only_on_optional_items() {
    expect_review_row("V001", "CR-A1", "NA", "not_applicable_not_allowed", "CR-A1");
    // an optional item may be not applicable: no reject
    let mut f = Fixture::valid();
    let i = review_row(&mut f, "V001", "CR-C3");
    f.sheet("reviews").set(i, "points", "不适用");
    assert!(rejects_of(&f, "reviews").is_empty());
}

#[test]
fn veto_not_binary() {
    expect_review_row("V001", "CR-V1", "1", "veto_not_binary", "expected 0 or 2");
}

#[test]
fn unknown_item() {
    let mut f = Fixture::valid();
    let i = review_row(&mut f, "V003", "CV-A1");
    f.sheet("reviews").set(i, "item", "CR-A1");
    let rejects = rejects_of(&f, "reviews");
    let bad = rejects
        .iter()
        .find(|r| r["source_row"] == (i + 2).to_string())
        .unwrap();
    assert!(
        bad["reason"].starts_with("unknown_item: item `CR-A1` is not in the civil rubric"),
        "{bad:?}"
    );
}

#[test]
fn incomplete_review() {
    let mut f = Fixture::valid();
    let i = review_row(&mut f, "V003", "CV-B2");
    f.sheet("reviews").rows.remove(i);
    let rows = rows_of(&mut f, "V003");
    expect(&f, "reviews", "incomplete_review", &rows, "lacks CV-B2");
}

#[test]
fn repeated_item() {
    let mut f = Fixture::valid();
    let i = review_row(&mut f, "V003", "CV-B2");
    let row = f.sheet("reviews").rows[i].clone();
    f.sheet("reviews").rows.push(row);
    let rows = rows_of(&mut f, "V003");
    expect(&f, "reviews", "repeated_item", &rows, "CV-B2 twice");
}

#[test]
fn mixed_review() {
    let mut f = Fixture::valid();
    let i = review_row(&mut f, "V001", "CR-B1");
    f.sheet("reviews").set(i, "reviewer_id", "R03");
    let rows = rows_of(&mut f, "V001");
    expect(&f, "reviews", "mixed_review", &rows, "V001");
}

#[test]
fn conflict_of_interest_by_firm_name() {
    let mut f = Fixture::valid();
    push_review(
        f.sheet("reviews"),
        "V009",
        "C002",
        "R04",
        CaseType::Civil,
        0.8,
    );
    let rows = rows_of(&mut f, "V009");
    expect(&f, "reviews", "conflict_of_interest", &rows, "R04");
}

#[test]
fn conflict_of_interest_prefers_firm_id() {
    // Same firm id under a differently written name is still a conflict.
    let mut f = Fixture::valid();
    f.sheet("reviewers").set(3, "law_firm", "示例所（改名后）");
    f.sheet("reviewers").set(3, "firm_id", "91510100TEST00001A");
    push_review(
        f.sheet("reviews"),
        "V009",
        "C003",
        "R04",
        CaseType::Administrative,
        0.8,
    );
    let rows = rows_of(&mut f, "V009");
    expect(&f, "reviews", "conflict_of_interest", &rows, "L001");
}

#[test]
fn duplicate_live_review_rejects_the_later() {
    let mut f = Fixture::valid();
    push_review(
        f.sheet("reviews"),
        "V004",
        "C001",
        "R01",
        CaseType::Criminal,
        0.5,
    );
    let rows = rows_of(&mut f, "V004");
    expect(
        &f,
        "reviews",
        "duplicate_review",
        &rows,
        "already has live review V001",
    );
}

#[test]
fn of_three_live_reviews_of_a_pair_the_earliest_is_kept() {
    let mut f = Fixture::valid();
    for id in ["V004", "V005"] {
        push_review(
            f.sheet("reviews"),
            id,
            "C001",
            "R01",
            CaseType::Criminal,
            0.5,
        );
    }
    // Last in the input, first by date (the others are of 2025-01-15).
    set_review(f.sheet("reviews"), "V005", "reviewed_on", "2024-12-20");
    let mut rows = rows_of(&mut f, "V001");
    rows.extend(rows_of(&mut f, "V004"));
    expect(
        &f,
        "reviews",
        "duplicate_review",
        &rows,
        "already has live review V005",
    );
}

/// The valid fixture with a review V004 of C001 by R01 that supersedes
/// V001.
fn with_v001_superseded() -> Fixture {
    let mut f = Fixture::valid();
    push_review(
        f.sheet("reviews"),
        "V004",
        "C001",
        "R01",
        CaseType::Criminal,
        0.5,
    );
    set_review(f.sheet("reviews"), "V004", "supersedes", "V001");
    f
}

#[test]
fn superseded_review_is_counted_not_rejected() {
    let f = with_v001_superseded();
    let (out, dir) = validate(&f);
    assert!(read_rejects(&dir.path().join("rej/reviews.csv")).is_empty());
    let line = stdout(&out)
        .lines()
        .find(|l| l.starts_with("reviews"))
        .unwrap()
        .to_string();
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields[1..], ["91", "91", "0", "0", "23"], "{line}");
}

/// Runs the fixture: C001's row of `case_scores`, and the number of
/// review rows rejected.
fn c001_scores(f: &Fixture) -> (BTreeMap<String, String>, usize) {
    let dir = tempfile::tempdir().unwrap();
    f.write(dir.path());
    let out = legalaid(&["run", "pipeline.toml"], dir.path());
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let rejected = read_rejects(&dir.path().join("out/rejected/reviews.csv"));
    let scores = read_rejects(&dir.path().join("out/data/case_scores.csv"));
    let c001 = scores.into_iter().find(|r| r["case_id"] == "C001").unwrap();
    (c001, rejected.len())
}

/// A review rejected as a whole takes no part in scoring, although ingest
/// stages its rows as read (`dropped_reviews` leaves them out): a review of
/// C001 that fails every veto item and scores nothing, rejected for naming a
/// review that was never read, leaves C001's scores as they were.
#[test]
fn a_rejected_review_takes_no_part_in_scoring() {
    let mut f = Fixture::valid();
    f.pipeline_extra = "[ingest]\nmax_reject_ratio = 0.5\n".into();
    let (before, rejected_before) = c001_scores(&f);
    push_review(
        f.sheet("reviews"),
        "V009",
        "C001",
        "R02",
        CaseType::Criminal,
        0.0,
    );
    set_review(f.sheet("reviews"), "V009", "points", "0");
    set_review(f.sheet("reviews"), "V009", "supersedes", "NOPE");
    let (after, rejected_after) = c001_scores(&f);
    let items = rubric(CaseType::Criminal).items.len();
    assert_eq!(rejected_after, rejected_before + items, "V009 is rejected");
    assert_eq!(after, before);
}

/// A superseded review takes no part in scoring: its replacement counts
/// instead, so C001 keeps two reviews and its score moves.
#[test]
fn a_superseded_review_takes_no_part_in_scoring() {
    let (before, _) = c001_scores(&Fixture::valid());
    let f = with_v001_superseded();
    let (after, rejected) = c001_scores(&f);
    assert_eq!(rejected, 0);
    assert_eq!((&*before["n_reviews"], &*after["n_reviews"]), ("2", "2"));
    assert_ne!(after["score_min"], before["score_min"], "{after:?}");
}

#[test]
fn bad_supersedes() {
    let mut f = Fixture::valid();
    push_review(
        f.sheet("reviews"),
        "V005",
        "C002",
        "R02",
        CaseType::Civil,
        0.5,
    );
    set_review(f.sheet("reviews"), "V005", "supersedes", "V001");
    let rows = rows_of(&mut f, "V005");
    expect(
        &f,
        "reviews",
        "bad_supersedes",
        &rows,
        "a review of another case",
    );
}

/// A review rejected as a whole reaches the quarantine exactly as read,
/// whether a row's cells were kept (points `不适用`) or are rendered back
/// from what was staged (points `NA`, and every other row).
#[test]
fn a_rejected_review_reaches_the_quarantine_as_read() {
    let mut f = Fixture::valid();
    push_review(
        f.sheet("reviews"),
        "V005",
        "C002",
        "R02",
        CaseType::Civil,
        0.5,
    );
    set_review(f.sheet("reviews"), "V005", "supersedes", "NOPE");
    let optional: Vec<String> = rubric(CaseType::Civil)
        .items
        .iter()
        .filter(|i| i.optional)
        .map(|i| i.code.clone())
        .collect();
    assert!(
        optional.len() >= 2,
        "the civil rubric has two optional items"
    );
    let s = f.sheet("reviews");
    let (rc, ic, pc) = (s.col("review_id"), s.col("item"), s.col("points"));
    for r in s.rows.iter_mut().filter(|r| r[rc] == "V005") {
        if r[ic] == optional[0] {
            r[pc] = "NA".into();
        } else if r[ic] == optional[1] {
            r[pc] = "不适用".into();
        }
    }
    let sheet = f.sheet("reviews").clone();
    let rows = rows_of(&mut f, "V005");
    let rejects = rejects_of(&f, "reviews");
    assert_eq!(rejects.len(), rows.len(), "{rejects:#?}");
    let mut points = Vec::new();
    for (reject, row) in rejects.iter().zip(&rows) {
        let read = &sheet.rows[*row as usize - 2];
        for (c, name) in sheet.header.iter().enumerate() {
            assert_eq!(reject[name], read[c], "row {row}, column {name}");
        }
        points.push(reject["points"].as_str());
    }
    assert!(
        points.contains(&"NA") && points.contains(&"不适用"),
        "{points:?}"
    );
}

#[test]
fn too_many_rejects_fails_validate_but_writes_quarantine() {
    let mut f = Fixture::valid();
    f.sheet("lawyers").set(0, "licensed_on", "someday");
    let (out, dir) = validate(&f);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("table lawyers") && err.contains("max_reject_ratio"),
        "{err}"
    );
    assert_eq!(read_rejects(&dir.path().join("rej/lawyers.csv")).len(), 1);
    // and `run` refuses, writing nothing
    let run = legalaid(&["run", "pipeline.toml"], dir.path());
    assert!(!run.status.success());
    assert!(!dir.path().join("out").exists());
}

// ---- file-level errors: the run stops, names file and column, writes nothing

fn expect_file_error(f: &Fixture, setup: impl FnOnce(&std::path::Path), needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    f.write(dir.path());
    setup(dir.path());
    for args in [
        &["validate", "pipeline.toml", "--rejects", "rej"][..],
        &["run", "pipeline.toml"][..],
    ] {
        let out = legalaid(args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout(&out));
        let err = stderr(&out);
        for n in needles {
            assert!(err.contains(n), "{args:?}: `{n}` not in: {err}");
        }
        assert_eq!(err.trim().lines().count(), 1, "one paragraph: {err}");
        assert!(!dir.path().join("out").exists(), "nothing written");
        assert!(!dir.path().join("rej").exists(), "nothing written");
    }
}

#[test]
fn missing_file() {
    expect_file_error(
        &Fixture::valid(),
        |d| std::fs::remove_file(d.join("sanctions.csv")).unwrap(),
        &["sanctions.csv", "missing file"],
    );
}

#[test]
fn missing_required_column() {
    let mut f = Fixture::valid();
    let s = f.sheet("cases");
    let c = s.col("closed_on");
    s.header.remove(c);
    for r in &mut s.rows {
        r.remove(c);
    }
    expect_file_error(&f, |_| {}, &["cases.csv", "column closed_on", "结案日期"]);
}

#[test]
fn empty_file() {
    expect_file_error(
        &Fixture::valid(),
        |d| std::fs::write(d.join("feedback.csv"), "").unwrap(),
        &["feedback.csv", "empty"],
    );
}

#[test]
fn header_only_file_is_zero_rows() {
    let mut f = Fixture::valid();
    f.sheet("complaints").rows.clear();
    let (out, _dir) = validate(&f);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).lines().any(|l| l.split_whitespace().collect::<Vec<_>>()[..4] == ["complaints", "0", "0", "0"]));
}

#[test]
fn column_named_twice() {
    let mut f = Fixture::valid();
    let s = f.sheet("feedback");
    s.header[2] = "案件编号".into();
    expect_file_error(&f, |_| {}, &["feedback.csv", "column case_id", "twice"]);
}

#[test]
fn unknown_pipeline_key() {
    let mut f = Fixture::valid();
    f.pipeline_extra = "[scoring]\ndispute_sprad = 10\n".into();
    expect_file_error(&f, |_| {}, &["pipeline.toml", "dispute_sprad"]);
}

#[test]
fn glob_matching_nothing() {
    let mut f = Fixture::valid();
    f.set_file("reviews", "reviews/*.csv");
    expect_file_error(
        &f,
        |_| {},
        &["pipeline.toml", "reviews/*.csv", "no file matches"],
    );
}

#[test]
fn unknown_file_type() {
    let mut f = Fixture::valid();
    f.set_file("feedback", "feedback.dbf");
    expect_file_error(
        &f,
        |d| std::fs::write(d.join("feedback.dbf"), "x").unwrap(),
        &["feedback.dbf", "unknown file type"],
    );
}

#[test]
fn invalid_rubric() {
    expect_file_error(
        &Fixture::valid(),
        |d| {
            let p = d.join("rubrics/civil.toml");
            let text = std::fs::read_to_string(&p).unwrap().replacen(
                "max_points = 5",
                "max_points = 6",
                1,
            );
            std::fs::write(p, text).unwrap();
        },
        &["civil.toml", "101"],
    );
}
