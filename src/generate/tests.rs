//! Tests of the generated data set: reproducibility, the contract's headers
//! and enumerations, identifier check characters, and the internal
//! consistency of reviews (every rubric item once, veto items 0 or max, no
//! reviewer from the lawyer's firm). Data sets are kept to hundreds of cases.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::*;
use crate::rubric::default_rubrics;

/// One generated CSV file: header and records, as strings.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(dir: &Path, table: &str) -> Csv {
        let path = dir.join(format!("{table}.csv"));
        let bytes = fs::read(&path).unwrap();
        assert!(!bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "{table}: no BOM");
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(&bytes[..]);
        let header = r.headers().unwrap().iter().map(str::to_owned).collect();
        let rows = r
            .records()
            .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
            .collect();
        Csv { header, rows }
    }

    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    fn values(&self, name: &str) -> BTreeSet<String> {
        let c = self.col(name);
        self.rows.iter().map(|r| r[c].clone()).collect()
    }

    /// Column `key` → column `value`, for a table keyed by `key`.
    fn map(&self, key: &str, value: &str) -> BTreeMap<String, String> {
        let (k, v) = (self.col(key), self.col(value));
        self.rows
            .iter()
            .map(|r| (r[k].clone(), r[v].clone()))
            .collect()
    }
}

fn gen_into(dir: &Path, cases: u64, seed: u64) -> GenerateSummary {
    let mut calls = Vec::new();
    let summary = generate(&GenerateOptions::new(dir, cases, seed), &mut |n| {
        calls.push(n)
    })
    .unwrap();
    assert_eq!(calls.last(), Some(&cases), "final progress report");
    summary
}

fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for sub in ["", "rubrics"] {
        for e in fs::read_dir(dir.join(sub)).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                let name = format!("{sub}/{}", e.file_name().to_string_lossy());
                out.insert(name, fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

#[test]
fn same_options_give_identical_bytes() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    gen_into(a.path(), 300, 42);
    gen_into(b.path(), 300, 42);
    let (fa, fb) = (files_of(a.path()), files_of(b.path()));
    assert_eq!(fa.len(), 11, "{:?}", fa.keys().collect::<Vec<_>>());
    assert_eq!(fa, fb);

    let c = tempfile::tempdir().unwrap();
    gen_into(c.path(), 300, 43);
    assert_ne!(fa["/cases.csv"], files_of(c.path())["/cases.csv"]);
}

#[test]
fn headers_and_column_counts_follow_the_contract() {
    // The contract's columns, in order, as ingest reads them.
    let expected: Vec<(&str, Vec<&str>)> = crate::ingest::schema::TABLES
        .iter()
        .map(|t| (t.table.name(), t.columns.iter().map(|c| c.name).collect()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let summary = gen_into(dir.path(), 200, 7);
    for (i, (table, columns)) in expected.iter().enumerate() {
        let csv = Csv::read(dir.path(), table);
        assert_eq!(csv.header, *columns, "{table}");
        for (n, row) in csv.rows.iter().enumerate() {
            assert_eq!(row.len(), columns.len(), "{table} row {}", n + 2);
        }
        assert_eq!(summary.rows[i], (*table, csv.rows.len() as u64));
        assert!(!csv.rows.is_empty(), "{table} has rows");
    }
    let text = fs::read_to_string(&summary.pipeline).unwrap();
    assert!(text.contains("name = \"generated-s7-n200\""));
    assert!(text.contains("start = 2024-01-01\nend = 2024-12-31"));
    assert!(text.contains("feedback = \"feedback.csv\""));
    assert!(text.contains("administrative = \"rubrics/administrative.toml\""));
    assert!(text.contains("[register]\npath = \"state/register.sqlite\""));
    assert!(text.contains("[output]\ndir = \"out\""));
    for (file, body) in crate::rubric::DEFAULT_RUBRICS {
        assert_eq!(
            fs::read_to_string(dir.path().join("rubrics").join(file)).unwrap(),
            body
        );
    }
}

#[test]
fn every_enumeration_value_is_present_in_400_cases() {
    every_enumeration_value_is_present(400, 1);
}

fn every_enumeration_value_is_present(cases: u64, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    gen_into(dir.path(), cases, seed);
    let d = dir.path();
    let set = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let lawyers = Csv::read(d, "lawyers");
    assert_eq!(lawyers.values("gender"), set(&["", "F", "M"]));
    assert_eq!(lawyers.values("practice_kind"), set(&PRACTICE_KINDS));
    assert_eq!(lawyers.values("status"), set(&STATUSES));
    assert!(
        lawyers.values("firm_id").contains(""),
        "some firms without firm_id"
    );

    let cases = Csv::read(d, "cases");
    assert_eq!(
        cases.values("case_type"),
        set(&["criminal", "civil", "administrative"])
    );
    let all_matters: Vec<&str> = MATTERS.iter().flat_map(|m| m.iter().copied()).collect();
    assert_eq!(cases.values("matter"), set(&all_matters));
    assert_eq!(cases.values("outcome"), set(&CASE_OUTCOMES));
    assert_eq!(cases.values("major_difficult"), set(&["false", "true"]));
    assert_eq!(cases.values("domestic_violence"), set(&["false", "true"]));
    let groups: BTreeSet<String> = cases
        .values("recipient_groups")
        .iter()
        .flat_map(|g| g.split(';').map(str::to_owned).collect::<Vec<_>>())
        .filter(|g| !g.is_empty())
        .collect();
    assert_eq!(groups, set(&RECIPIENT_GROUPS));

    assert_eq!(Csv::read(d, "reviewers").values("role"), set(&ROLES));
    let complaints = Csv::read(d, "complaints");
    assert_eq!(complaints.values("category"), set(&COMPLAINT_CATEGORIES));
    assert_eq!(complaints.values("outcome"), set(&COMPLAINT_OUTCOMES));
    let (o, dec) = (complaints.col("outcome"), complaints.col("decided_on"));
    for r in &complaints.rows {
        assert_eq!(r[o] == "pending", r[dec].is_empty(), "{r:?}");
    }
    let sanctions = Csv::read(d, "sanctions");
    assert_eq!(sanctions.values("kind"), set(&SANCTION_KINDS));
    assert_eq!(sanctions.values("authority"), set(&AUTHORITIES));
    let ends = sanctions.values("ends_on");
    assert!(ends.contains(""), "some sanctions without an end");
    assert!(
        ends.iter().any(|e| e.as_str() > "2024-12-31"),
        "one still in force"
    );
    assert!(
        ends.iter()
            .any(|e| !e.is_empty() && e.as_str() <= "2024-12-31"),
        "one expired"
    );
    assert_eq!(
        Csv::read(d, "feedback").values("satisfaction"),
        set(&SATISFACTIONS)
    );

    let reviews = Csv::read(d, "reviews");
    assert!(reviews.values("points").contains("NA"));
    assert!(reviews.values("supersedes").len() >= 2, "a reconciliation");
}

#[test]
fn identifiers_have_valid_check_characters() {
    let dir = tempfile::tempdir().unwrap();
    gen_into(dir.path(), 300, 3);
    let cases = Csv::read(dir.path(), "cases");
    let ids = cases.values("recipient_id_no");
    assert!(ids.len() > 100);
    for id in ids.iter().filter(|s| !s.is_empty()) {
        assert!(id.starts_with("510"), "{id}");
        assert!(id_number_is_valid(id), "{id}");
    }
    let lawyers = Csv::read(dir.path(), "lawyers");
    for id in lawyers.values("lawyer_id") {
        assert!(
            id.len() == 17 && id.bytes().all(|b| b.is_ascii_digit()),
            "{id}"
        );
    }
    assert_eq!(lawyers.rows.len(), 25);
    for id in lawyers.values("firm_id").iter().filter(|s| !s.is_empty()) {
        assert_eq!(id.len(), 18);
        assert_eq!(uscc_check_char(&id[..17]), id[17..].chars().next(), "{id}");
    }
    for c in cases.values("case_id") {
        assert!(c.starts_with("CD-202") && c.len() == 14, "{c}");
    }
}

#[test]
fn reviews_are_complete_consistent_and_free_of_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    gen_into(dir.path(), 600, 11);
    let d = dir.path();
    let rubrics = default_rubrics();
    let cases = Csv::read(d, "cases");
    let case_type = cases.map("case_id", "case_type");
    let case_lawyer = cases.map("case_id", "lawyer_id");
    let case_closed = cases.map("case_id", "closed_on");
    let lawyers = Csv::read(d, "lawyers");
    let lawyer_firm = lawyers.map("lawyer_id", "law_firm");
    let reviewers = Csv::read(d, "reviewers");
    let reviewer_firm = reviewers.map("reviewer_id", "law_firm");
    let reviews = Csv::read(d, "reviews");
    let col = |n: &str| reviews.col(n);
    let (rid, cid, rvid, on, item, pts, sup) = (
        col("review_id"),
        col("case_id"),
        col("reviewer_id"),
        col("reviewed_on"),
        col("item"),
        col("points"),
        col("supersedes"),
    );

    let mut by_review: BTreeMap<&str, Vec<&Vec<String>>> = BTreeMap::new();
    for r in &reviews.rows {
        by_review.entry(r[rid].as_str()).or_default().push(r);
    }
    assert!(by_review.len() > 100, "{} reviews", by_review.len());
    let mut vetoed_all = 0;
    for (id, rows) in &by_review {
        let first = rows[0];
        let ct = &case_type[&first[cid]];
        let rubric = rubrics.iter().find(|r| r.case_type.code() == ct).unwrap();
        let codes: Vec<&str> = rows.iter().map(|r| r[item].as_str()).collect();
        let want: Vec<&str> = rubric.items.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, want, "{id}: every item once, in rubric order");
        for r in rows {
            assert_eq!(
                (&r[cid], &r[rvid], &r[on], &r[sup]),
                (&first[cid], &first[rvid], &first[on], &first[sup])
            );
            let it = rubric.item(&r[item]).unwrap();
            if r[pts] == "NA" {
                assert!(it.optional && !it.veto, "{id} {}", r[item]);
                continue;
            }
            let p: f64 = r[pts].parse().unwrap();
            assert!((0.0..=it.max_points).contains(&p), "{id} {} {p}", r[item]);
            assert_eq!(p.fract(), 0.0);
            if it.veto {
                assert!(p == 0.0 || p == it.max_points, "{id} veto {p}");
            }
        }
        assert!(
            first[on] > case_closed[&first[cid]],
            "{id} reviewed after closing"
        );
        let rf = &reviewer_firm[&first[rvid]];
        assert!(
            rf.is_empty() || *rf != lawyer_firm[&case_lawyer[&first[cid]]],
            "{id}: conflict of interest"
        );
        if rows
            .iter()
            .any(|r| r[pts] == "0" && rubric.item(&r[item]).unwrap().veto)
        {
            vetoed_all += 1;
        }
        if !first[sup].is_empty() {
            let old = &by_review[first[sup].as_str()];
            assert_eq!((&old[0][cid], &old[0][rvid]), (&first[cid], &first[rvid]));
            assert!(old[0][on] < first[on]);
        }
    }
    assert!(vetoed_all >= 3, "vetoed reviews: {vetoed_all}");
    // The NA pattern of optional items is the same for every review of a case.
    let mut pattern: BTreeMap<(&str, &str), BTreeSet<bool>> = BTreeMap::new();
    for r in &reviews.rows {
        pattern
            .entry((&r[cid], &r[item]))
            .or_default()
            .insert(r[pts] == "NA");
    }
    assert!(pattern.values().all(|s| s.len() == 1));
}

#[test]
fn dates_and_references_hold_together() {
    let dir = tempfile::tempdir().unwrap();
    gen_into(dir.path(), 500, 5);
    let d = dir.path();
    let lawyers = Csv::read(d, "lawyers");
    let licensed = lawyers.map("lawyer_id", "licensed_on");
    let cases = Csv::read(d, "cases");
    let (a, c, ar, l) = (
        cases.col("assigned_on"),
        cases.col("closed_on"),
        cases.col("archived_on"),
        cases.col("lawyer_id"),
    );
    let mut in_period = 0;
    for r in &cases.rows {
        assert!(r[a] <= r[c] && (r[ar].is_empty() || r[c] < r[ar]), "{r:?}");
        assert!(licensed[&r[l]] <= r[a], "{r:?}");
        in_period += usize::from(r[c].starts_with("2024"));
    }
    assert!(in_period * 100 > cases.rows.len() * 90);
    for l in licensed.values() {
        assert!(l.as_str() <= "2024-12-31");
    }
    let case_ids = cases.values("case_id");
    for r in &Csv::read(d, "feedback").rows {
        assert!(case_ids.contains(&r[0]));
    }
    let complaints = Csv::read(d, "complaints");
    assert_eq!(complaints.rows.len(), 20);
    for r in &complaints.rows {
        assert!(licensed.contains_key(&r[1]));
        assert!(r[2].is_empty() || case_ids.contains(&r[2]));
    }
    assert_eq!(Csv::read(d, "sanctions").rows.len(), 12);
    // 30, and the lone reviewer who shares no case with anyone.
    assert_eq!(Csv::read(d, "reviewers").rows.len(), 31);
}

#[test]
fn zero_cases_still_give_a_loadable_set() {
    let dir = tempfile::tempdir().unwrap();
    let s = gen_into(dir.path(), 0, 0);
    let rows: BTreeMap<_, _> = s.rows.into_iter().collect();
    assert_eq!(rows["cases"], 0);
    assert_eq!(rows["complaints"], 20);
    assert_eq!(rows["lawyers"], 25);
}

/// `cargo test --lib generate_100k -- --ignored --nocapture` prints how long
/// 100,000 cases take (about 4 s in a debug test build); `GENERATE_CASES`
/// sets another number (a multiple of 10,000).
#[test]
#[ignore = "timing, not a check"]
fn generate_100k_cases_timing() {
    let n: u64 = std::env::var("GENERATE_CASES").map_or(100_000, |v| v.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let mut reports = Vec::new();
    let s = generate(&GenerateOptions::new(dir.path(), n, 2024), &mut |k| {
        reports.push(k)
    })
    .unwrap();
    eprintln!("{:?} in {:?}", s.rows, started.elapsed());
    let every: Vec<u64> = (1..=n / 10_000).map(|k| k * 10_000).collect();
    assert_eq!(reports, every, "one report per 10,000 cases");
}

/// The planted lone reviewer scores only cases that no one else scores, so
/// the severity fit finds them alone in their component; the harsh and
/// lenient reviewers are planted too (`roster::build_reviewers`).
#[test]
fn one_reviewer_scores_only_cases_no_one_else_scores() {
    let dir = tempfile::tempdir().unwrap();
    gen_into(dir.path(), 600, 1);
    let reviews = Csv::read(dir.path(), "reviews");
    let (cid, rvid) = (reviews.col("case_id"), reviews.col("reviewer_id"));
    let mut panels: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in &reviews.rows {
        panels.entry(&r[cid]).or_default().insert(&r[rvid]);
    }
    let reviewers = Csv::read(dir.path(), "reviewers");
    let lone = reviewers.rows.last().unwrap()[reviewers.col("reviewer_id")].clone();
    let theirs: Vec<&BTreeSet<&str>> = panels
        .values()
        .filter(|p| p.contains(lone.as_str()))
        .collect();
    assert!(theirs.len() >= 2, "{lone} scores {} cases", theirs.len());
    assert!(theirs.iter().all(|p| p.len() == 1), "{lone} shares a case");
}
