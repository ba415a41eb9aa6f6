//! `legalaid sample` end to end: the sample's properties over generated data,
//! the reviewer assignment's rules (and a case that cannot be staffed), the
//! round trip sample → filled workbooks → `validate`/`run`, and the
//! file-level errors of a workbook whose layout was altered.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader};
use rust_xlsxwriter::{Format, Workbook};

use crate::fixture::*;

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    read_rejects(path)
}

/// Writes a generated data set into `dir`; returns the sample folder the
/// default `sample` writes to.
fn generate(dir: &Path, cases: u64, seed: u64) -> PathBuf {
    let out = legalaid(
        &[
            "generate",
            "--out",
            ".",
            "--cases",
            &cases.to_string(),
            "--seed",
            &seed.to_string(),
        ],
        dir,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    dir.join(format!("generated-s{seed}-n{cases}-sample"))
}

fn sample_ok(args: &[&str], dir: &Path) -> String {
    let mut all = vec!["sample", "pipeline.toml"];
    all.extend_from_slice(args);
    let out = legalaid(&all, dir);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    stdout(&out)
}

/// Rate × n rounded half up, at least one, at most n.
fn quota(rate: f64, n: usize) -> usize {
    ((rate * n as f64 + 0.5 + 1e-9).floor() as usize).clamp(1, n)
}

fn list(s: &str) -> Vec<String> {
    s.split(';')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn in_period(row: &BTreeMap<String, String>) -> bool {
    row["closed_on"].as_str() >= "2024-01-01" && row["closed_on"].as_str() <= "2024-12-31"
}

#[test]
fn sampling_properties_over_generated_data() {
    let dir = tempfile::tempdir().unwrap();
    let sample_dir = generate(dir.path(), 300, 5);
    let text = sample_ok(&[], dir.path());
    assert!(
        text.contains("lawyer_floor") && text.contains("random"),
        "{text}"
    );
    assert!(
        text.contains(&sample_dir.display().to_string()),
        "{text} names the folder"
    );
    let sample = read_csv(&sample_dir.join("sample.csv"));
    let cases: Vec<_> = read_csv(&dir.path().join("cases.csv"))
        .into_iter()
        .filter(in_period)
        .collect();
    let by_id: BTreeMap<&str, &BTreeMap<String, String>> =
        sample.iter().map(|r| (r["case_id"].as_str(), r)).collect();
    assert!(!sample.is_empty());

    // sorted by case id, reasons from the contract's list, only period cases
    let ids: Vec<&str> = sample.iter().map(|r| r["case_id"].as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    let period: BTreeSet<&str> = cases.iter().map(|c| c["case_id"].as_str()).collect();
    let known = [
        "complaint",
        "major_difficult",
        "negative_list",
        "tier_d",
        "random",
        "lawyer_floor",
    ];
    for r in &sample {
        assert!(period.contains(r["case_id"].as_str()));
        let reasons = list(&r["reasons"]);
        assert!(!reasons.is_empty());
        assert!(reasons.iter().all(|x| known.contains(&x.as_str())), "{r:?}");
    }

    // every always-in case is in, with its reason
    let complaints = read_csv(&dir.path().join("complaints.csv"));
    let mut n_complaint = 0;
    for k in &complaints {
        let case = k["case_id"].as_str();
        // received by the as-of date (the period's end), not withdrawn
        if case.is_empty()
            || k["outcome"] == "withdrawn"
            || k["received_on"].as_str() > "2024-12-31"
            || !period.contains(case)
        {
            continue;
        }
        n_complaint += 1;
        let row = by_id
            .get(case)
            .unwrap_or_else(|| panic!("complaint case {case}"));
        assert!(list(&row["reasons"]).contains(&"complaint".to_string()));
    }
    let majors: Vec<&str> = cases
        .iter()
        .filter(|c| c["major_difficult"] == "true")
        .map(|c| c["case_id"].as_str())
        .collect();
    assert!(n_complaint > 0 && !majors.is_empty(), "the data has both");
    for id in &majors {
        let row = by_id.get(id).unwrap_or_else(|| panic!("major case {id}"));
        assert!(list(&row["reasons"]).contains(&"major_difficult".to_string()));
    }

    // strata: each non-empty one has a case; the random part is rate × the
    // rest, rounded half up
    let mut strata: BTreeMap<(String, String), (usize, usize, usize)> = BTreeMap::new();
    for c in &cases {
        let key = (c["district"].clone(), c["case_type"].clone());
        let e = strata.entry(key).or_default();
        let reasons = by_id
            .get(c["case_id"].as_str())
            .map(|r| list(&r["reasons"]))
            .unwrap_or_default();
        let always = reasons
            .iter()
            .any(|x| !matches!(x.as_str(), "random" | "lawyer_floor"));
        e.0 += usize::from(!reasons.is_empty());
        if !always {
            e.1 += 1; // the rest
            e.2 += usize::from(reasons.contains(&"random".to_string()));
        }
    }
    for (key, (sampled, rest, random)) in &strata {
        assert!(*sampled >= 1, "stratum {key:?} has no sampled case");
        if *rest > 0 {
            assert_eq!(*random, quota(0.1, *rest), "stratum {key:?}");
        }
    }

    // the per-lawyer floor
    let mut per_lawyer: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for c in &cases {
        let e = per_lawyer.entry(c["lawyer_id"].as_str()).or_default();
        e.0 += 1;
        e.1 += usize::from(by_id.contains_key(c["case_id"].as_str()));
    }
    assert!(per_lawyer.values().any(|&(n, _)| n >= 3));
    for (lawyer, (n, sampled)) in &per_lawyer {
        if *n >= 3 {
            assert!(*sampled >= 3, "lawyer {lawyer}: {sampled} of {n}");
        }
    }

    // deterministic per seed, whatever the input order
    let bytes = std::fs::read(sample_dir.join("sample.csv")).unwrap();
    sample_ok(&["--out", "again"], dir.path());
    assert_eq!(
        std::fs::read(dir.path().join("again/sample.csv")).unwrap(),
        bytes
    );
    sample_ok(&["--out", "seed2", "--seed", "2"], dir.path());
    assert_ne!(
        std::fs::read(dir.path().join("seed2/sample.csv")).unwrap(),
        bytes
    );
    let text = std::fs::read_to_string(dir.path().join("cases.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1..].reverse();
    std::fs::write(dir.path().join("cases.csv"), lines.join("\n") + "\n").unwrap();
    sample_ok(&["--out", "reversed"], dir.path());
    assert_eq!(
        std::fs::read(dir.path().join("reversed/sample.csv")).unwrap(),
        bytes
    );
    // a higher rate draws more
    sample_ok(&["--out", "rate", "--rate", "0.3"], dir.path());
    assert!(read_csv(&dir.path().join("rate/sample.csv")).len() > sample.len());
}

#[test]
fn assignment_keeps_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let sample_dir = generate(dir.path(), 300, 8);
    sample_ok(&[], dir.path());
    let sample = read_csv(&sample_dir.join("sample.csv"));
    let unstaffed = read_csv(&sample_dir.join("unstaffed.csv"));
    let reviewers: BTreeMap<String, BTreeMap<String, String>> =
        read_csv(&dir.path().join("reviewers.csv"))
            .into_iter()
            .map(|r| (r["reviewer_id"].clone(), r))
            .collect();
    let lawyers: BTreeMap<String, BTreeMap<String, String>> =
        read_csv(&dir.path().join("lawyers.csv"))
            .into_iter()
            .map(|r| (r["lawyer_id"].clone(), r))
            .collect();
    let same_firm = |a: &BTreeMap<String, String>, b: &BTreeMap<String, String>| {
        let (fa, fb) = (a["firm_id"].trim(), b["firm_id"].trim());
        if !fa.is_empty() && !fb.is_empty() {
            fa == fb
        } else {
            !a["law_firm"].trim().is_empty() && a["law_firm"].trim() == b["law_firm"].trim()
        }
    };
    let assignable = reviewers.values().filter(|r| r["role"] != "panel").count();
    let bound = (3 * sample.len()).div_ceil(assignable) + 1;
    let mut loads: BTreeMap<String, usize> = BTreeMap::new();
    let unstaffed_ids: BTreeSet<&str> = unstaffed.iter().map(|u| u["case_id"].as_str()).collect();
    for row in &sample {
        let panel = list(&row["reviewer_ids"]);
        if panel.is_empty() {
            assert!(unstaffed_ids.contains(row["case_id"].as_str()), "{row:?}");
            continue;
        }
        assert!(!unstaffed_ids.contains(row["case_id"].as_str()));
        assert_eq!(panel.len(), 3, "{row:?}");
        assert_eq!(panel.iter().collect::<BTreeSet<_>>().len(), 3);
        let lawyer = &lawyers[&row["lawyer_id"]];
        let mut has_lawyer = false;
        for id in &panel {
            let r = &reviewers[id];
            assert_ne!(r["role"], "panel");
            assert!(!same_firm(r, lawyer), "conflict: {id} on {row:?}");
            has_lawyer |= r["role"] == "lawyer";
            *loads.entry(id.clone()).or_default() += 1;
        }
        assert!(has_lawyer, "no practising lawyer on {row:?}");
    }
    assert!(loads.values().all(|&l| l <= bound), "{loads:?} > {bound}");
    for u in &unstaffed {
        assert!(u["reason"].contains(':'), "{u:?}");
    }

    // one workbook per reviewer with cases, holding exactly their cases
    let files: BTreeSet<String> = std::fs::read_dir(sample_dir.join("sheets"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    let expected: BTreeSet<String> = loads.keys().map(|id| format!("{id}.xlsx")).collect();
    assert_eq!(files, expected);
    let ids_no: Vec<String> = read_csv(&dir.path().join("cases.csv"))
        .into_iter()
        .map(|c| c["recipient_id_no"].clone())
        .filter(|s| !s.is_empty())
        .collect();
    for (id, load) in &loads {
        let book = read_book(&sample_dir.join("sheets").join(format!("{id}.xlsx")));
        let mut rows = 0;
        for (name, grid, _) in &book {
            if !["刑事", "民事", "行政"].contains(&name.as_str()) {
                continue;
            }
            assert_eq!(text(&grid[0][1]), "case_id");
            for r in &grid[1..] {
                rows += 1;
                let case = text(&r[1]);
                let row = sample.iter().find(|s| s["case_id"] == case).unwrap();
                assert!(list(&row["reviewer_ids"]).contains(id));
                // the recipient is masked
                assert!(text(&r[10]).chars().skip(1).all(|c| c == '*'));
            }
            for r in grid {
                for cell in r {
                    let t = text(cell);
                    assert!(
                        !ids_no.iter().any(|n| t.contains(n.as_str())),
                        "identity number"
                    );
                }
            }
        }
        assert_eq!(rows, *load, "{id}");
    }
}

#[test]
fn a_case_no_lawyer_reviewer_may_sit_on_is_reported_unstaffed() {
    let mut f = Fixture::valid();
    // Both practising-lawyer reviewers are of L001's firm.
    let reviewers = f.sheet("reviewers");
    reviewers.set(0, "law_firm", "四川示例律师事务所");
    reviewers.set(3, "law_firm", " 四川示例律师事务所 ");
    let dir = tempfile::tempdir().unwrap();
    f.write(dir.path());
    let out = legalaid(&["sample", "pipeline.toml"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("C001") && text.contains("no_lawyer_reviewer"),
        "{text}"
    );
    let sample_dir = dir.path().join("fixture-sample");
    let unstaffed = read_csv(&sample_dir.join("unstaffed.csv"));
    assert_eq!(
        unstaffed
            .iter()
            .map(|u| u["case_id"].as_str())
            .collect::<Vec<_>>(),
        ["C001", "C003"]
    );
    for u in &unstaffed {
        assert!(u["reason"].starts_with("no_lawyer_reviewer:"), "{u:?}");
        assert!(u["reason"].contains("四川示例律师事务所"), "{u:?}");
    }
    let sample = read_csv(&sample_dir.join("sample.csv"));
    let c002 = sample.iter().find(|r| r["case_id"] == "C002").unwrap();
    assert_eq!(list(&c002["reviewer_ids"]).len(), 3);
    assert!(
        sample
            .iter()
            .any(|r| r["case_id"] == "C001" && r["reviewer_ids"].is_empty())
    );

    // strict: the same files, and a failing exit status
    let out = legalaid(&["sample", "pipeline.toml", "--strict"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("could not be staffed"));
    assert!(sample_dir.join("unstaffed.csv").is_file());
}

#[test]
fn output_folder_is_never_inside_the_run_output() {
    let f = Fixture::valid();
    let dir = tempfile::tempdir().unwrap();
    f.write(dir.path());
    for out_dir in ["out/sample", "out", "."] {
        let out = legalaid(&["sample", "pipeline.toml", "--out", out_dir], dir.path());
        assert_eq!(out.status.code(), Some(2), "{out_dir}");
        assert!(stderr(&out).contains("output folder"), "{}", stderr(&out));
    }
    assert!(!dir.path().join("out").exists());
}

// ------------------------------------------------------- workbook editing

/// A workbook as sheets of cells: name, rows of cells, hidden.
type Book = Vec<(String, Vec<Vec<Data>>, bool)>;

fn read_book(path: &Path) -> Book {
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    let meta = wb.sheets_metadata().to_vec();
    meta.iter()
        .map(|s| {
            let range = wb.worksheet_range(&s.name).unwrap();
            let (rows, cols) = range.end().map(|(r, c)| (r + 1, c + 1)).unwrap_or((0, 0));
            let grid = (0..rows)
                .map(|r| {
                    (0..cols)
                        .map(|c| range.get_value((r, c)).cloned().unwrap_or(Data::Empty))
                        .collect()
                })
                .collect();
            (
                s.name.clone(),
                grid,
                s.visible != calamine::SheetVisible::Visible,
            )
        })
        .collect()
}

/// Writes the cells back as a new workbook, keeping sheet order and the
/// hidden sheet (as a person's spreadsheet program would save it).
fn write_book(path: &Path, book: &Book) {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (name, grid, hidden) in book {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        for (r, row) in grid.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    Data::String(s) => {
                        ws.write_string(r, c, s).unwrap();
                    }
                    Data::Float(x) => {
                        ws.write_number(r, c, *x).unwrap();
                    }
                    Data::Int(x) => {
                        ws.write_number(r, c, *x as f64).unwrap();
                    }
                    Data::DateTime(d) => {
                        ws.write_number_with_format(r, c, d.as_f64(), &date)
                            .unwrap();
                    }
                    Data::Bool(b) => {
                        ws.write_boolean(r, c, *b).unwrap();
                    }
                    _ => {}
                }
            }
        }
        if *hidden {
            ws.set_hidden(true);
        }
    }
    wb.save(path).unwrap();
}

fn text(cell: &Data) -> String {
    legalaid::ingest::source::cell_text(cell)
}

fn put(grid: &mut [Vec<Data>], r: usize, c: usize, value: Data) {
    let row = &mut grid[r];
    if row.len() <= c {
        row.resize(c + 1, Data::Empty);
    }
    row[c] = value;
}

/// An item column's code and maximum from its header `CODE (max)`.
/// An item column's head `CODE 简称 (max)`: its code and full marks.
fn item_header(header: &str) -> Option<(String, f64)> {
    let (head, rest) = header.rsplit_once(" (")?;
    let (code, title) = head.split_once(' ')?;
    if title.trim().is_empty() {
        return None;
    }
    Some((code.to_string(), rest.strip_suffix(')')?.parse().ok()?))
}

fn hash(s: &str) -> u64 {
    s.bytes().fold(1469598103934665603u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(1099511628211)
    })
}

/// What was entered for one item: points, or None for NA.
type Entered = BTreeMap<(String, String), Option<f64>>;

/// Fills every score sheet of `sheets_dir` as a reviewer would: a date and
/// points for every item (some NA on optional items, some vetoes), except one
/// row in about ten left empty. The first row of `partial_in` gets only half
/// its items. Returns what was entered per (review_id, item) for complete
/// rows, the partial review's id, and per review its case and sheet.
fn fill_all(
    sheets_dir: &Path,
    partial_in: &str,
) -> (Entered, Option<String>, BTreeMap<String, String>) {
    let optional: BTreeSet<String> = legalaid::rubric::default_rubrics()
        .iter()
        .flat_map(|r| {
            r.items
                .iter()
                .filter(|i| i.optional)
                .map(|i| i.code.clone())
        })
        .collect();
    let veto: BTreeSet<String> = legalaid::rubric::default_rubrics()
        .iter()
        .flat_map(|r| r.items.iter().filter(|i| i.veto).map(|i| i.code.clone()))
        .collect();
    let mut entered = Entered::new();
    let mut partial = None;
    let mut case_of = BTreeMap::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(sheets_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths {
        let mut book = read_book(&path);
        let is_partial_book = path.file_name().unwrap().to_string_lossy() == partial_in;
        for (name, grid, _) in book.iter_mut() {
            if !["刑事", "民事", "行政"].contains(&name.as_str()) {
                continue;
            }
            let header: Vec<String> = grid[0].iter().map(text).collect();
            let reviewed = header
                .iter()
                .position(|h| h.ends_with("reviewed_on"))
                .unwrap();
            let note = header.iter().position(|h| h.ends_with("note")).unwrap();
            let items: Vec<(usize, String, f64)> = header
                .iter()
                .enumerate()
                .filter_map(|(j, h)| item_header(h).map(|(code, max)| (j, code, max)))
                .collect();
            for r in 1..grid.len() {
                let id = text(&grid[r][0]);
                case_of.insert(id.clone(), text(&grid[r][1]));
                let h = hash(&id);
                let make_partial = is_partial_book && partial.is_none() && r == 1;
                if !make_partial && h % 10 == 3 {
                    continue; // not yet reviewed
                }
                // 2025-01-20 as a date cell
                put(
                    grid,
                    r,
                    reviewed,
                    Data::DateTime(calamine::ExcelDateTime::new(
                        45677.0,
                        calamine::ExcelDateTimeType::DateTime,
                        false,
                    )),
                );
                if h.is_multiple_of(3) {
                    put(grid, r, note, Data::String("案卷完整".into()));
                }
                for (n, (j, code, max)) in items.iter().enumerate() {
                    if make_partial && n % 2 == 1 {
                        continue;
                    }
                    let k = hash(&format!("{id}/{code}"));
                    let value = if veto.contains(code) {
                        Some(if k.is_multiple_of(23) { 0.0 } else { *max })
                    } else if optional.contains(code) && k.is_multiple_of(5) {
                        None
                    } else {
                        Some(
                            ((max * [1.0, 0.75, 0.5, 0.9, 0.6][(k % 5) as usize]) * 2.0).round()
                                / 2.0,
                        )
                    };
                    let cell = match value {
                        Some(v) => Data::Float(v),
                        None => Data::String("NA".into()),
                    };
                    put(grid, r, *j, cell);
                    if !make_partial {
                        entered.insert((id.clone(), code.clone()), value);
                    }
                }
                if make_partial {
                    partial = Some(id.clone());
                }
            }
        }
        write_book(&path, &book);
    }
    (entered, partial, case_of)
}

/// Writes `run.toml`: the generated pipeline with `reviews` pointing at the
/// sample's workbooks.
fn pipeline_on_sheets(dir: &Path, sample_dir: &Path) {
    let text = std::fs::read_to_string(dir.join("pipeline.toml")).unwrap();
    let name = sample_dir.file_name().unwrap().to_string_lossy();
    let text = text.replace(
        "reviews = \"reviews.csv\"",
        &format!("reviews = \"{name}/sheets/*.xlsx\""),
    );
    assert!(text.contains("sheets/*.xlsx"));
    std::fs::write(dir.join("run.toml"), text).unwrap();
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[test]
fn filled_workbooks_load_back_as_reviews_and_score() {
    let dir = tempfile::tempdir().unwrap();
    let sample_dir = generate(dir.path(), 200, 7);
    sample_ok(&[], dir.path());
    let first_book = {
        let mut names: Vec<String> = std::fs::read_dir(sample_dir.join("sheets"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        names[0].clone()
    };
    let (entered, partial, case_of) = fill_all(&sample_dir.join("sheets"), &first_book);
    let partial = partial.expect("a partly filled row");
    assert!(entered.len() > 100);
    pipeline_on_sheets(dir.path(), &sample_dir);

    // validate: every entered value accepted, the partial review rejected
    // as incomplete, labelled with workbook and sheet
    let out = legalaid(&["validate", "run.toml", "--rejects", "rej"], dir.path());
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let rejects = read_rejects(&dir.path().join("rej/reviews.csv"));
    assert!(!rejects.is_empty());
    for r in &rejects {
        assert_eq!(r["review_id"], partial);
        assert!(r["reason"].starts_with("incomplete_review"), "{r:?}");
        assert_eq!(r["source_row"], "2");
        assert!(
            r["source_file"].contains(&format!("sheets/{first_book}#")),
            "{r:?}"
        );
    }

    // the accepted rows are exactly the entered values
    let plan = legalaid::plan::Plan::resolve(
        &dir.path().join("run.toml"),
        &legalaid::plan::PlanOptions::default(),
    )
    .unwrap();
    let ingested = legalaid::ingest::ingest(&plan, &mut |_, _| {}).unwrap();
    let report = ingested.report(legalaid::ingest::schema::Table::Reviews);
    assert_eq!(report.accepted() as usize, entered.len());
    assert_eq!(report.read(), report.accepted() + report.rejected_count());
    let mut accepted = Entered::new();
    let mut notes: BTreeSet<String> = BTreeSet::new();
    // A staged review row names its review by number; its head gives the id.
    let legalaid::ingest::batch::Staged::Memory(heads) = &ingested.review_heads else {
        panic!("ingest without a scratch folder keeps review heads in memory")
    };
    // And by number its item.
    let item_of: BTreeMap<i64, String> = plan
        .numbered_items()
        .map(|(key, _, _, item)| (key, item.code.clone()))
        .collect();
    let mut id_of: BTreeMap<i64, String> = BTreeMap::new();
    for h in heads {
        use datafusion::arrow::array::AsArray;
        use datafusion::arrow::datatypes::Int64Type;
        let keys = h.column_by_name("review_key").unwrap();
        let ids = h.column_by_name("review_id").unwrap().as_string::<i32>();
        for (key, id) in keys.as_primitive::<Int64Type>().iter().zip(ids) {
            id_of.insert(key.unwrap(), id.unwrap().to_string());
        }
    }
    // Rows are staged as read: a rejected review's rows too, which have no
    // head and whose review `dropped_reviews` names.
    let legalaid::ingest::batch::Staged::Memory(dropped) = &ingested.dropped_reviews else {
        panic!("ingest without a scratch folder keeps dropped reviews in memory")
    };
    let dropped: BTreeSet<i64> = dropped
        .iter()
        .flat_map(|b| {
            use datafusion::arrow::array::AsArray;
            use datafusion::arrow::datatypes::Int64Type;
            b.column(0).as_primitive::<Int64Type>().values().to_vec()
        })
        .collect();
    let mut staged_of_rejected = 0;
    for b in &ingested
        .batches(legalaid::ingest::schema::Table::Reviews)
        .unwrap()
    {
        use datafusion::arrow::array::{Array, AsArray};
        use datafusion::arrow::datatypes::{Date32Type, Float64Type, Int64Type};
        let keys = b
            .column_by_name("review_key")
            .unwrap()
            .as_primitive::<Int64Type>();
        let items = b
            .column_by_name("item_key")
            .unwrap()
            .as_primitive::<Int64Type>();
        let points = b
            .column_by_name("points")
            .unwrap()
            .as_primitive::<Float64Type>();
        let dates = b
            .column_by_name("reviewed_on")
            .unwrap()
            .as_primitive::<Date32Type>();
        let note = b.column_by_name("note").unwrap().as_string::<i32>();
        for i in 0..b.num_rows() {
            let value = (!points.is_null(i)).then(|| points.value(i));
            let Some(id) = id_of.get(&keys.value(i)) else {
                assert!(dropped.contains(&keys.value(i)));
                staged_of_rejected += 1;
                continue;
            };
            accepted.insert((id.clone(), item_of[&items.value(i)].clone()), value);
            assert_eq!(
                legalaid::ingest::value::from_date32(dates.value(i)).to_string(),
                "2025-01-20"
            );
            if !note.is_null(i) {
                notes.insert(id.clone());
            }
        }
    }
    assert_eq!(accepted, entered);
    assert!(
        staged_of_rejected > 0,
        "the partial review's rows are staged"
    );
    assert!(!notes.is_empty(), "notes come through");

    // run: case scores equal those computed from the entered values
    let out = legalaid(&["run", "run.toml"], dir.path());
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let rubrics = legalaid::rubric::default_rubrics();
    let max_of = |code: &str| {
        rubrics
            .iter()
            .find_map(|r| r.item(code))
            .map(|i| (i.max_points, i.veto))
            .unwrap()
    };
    let mut totals: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let mut vetoes: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for ((id, code), value) in &entered {
        let (max, veto) = max_of(code);
        if let Some(v) = value {
            let e = totals.entry(id.clone()).or_default();
            e.0 += v;
            e.1 += max;
            if veto {
                vetoes
                    .entry((case_of[id].clone(), code.clone()))
                    .or_default()
                    .push(*v);
            }
        }
    }
    let mut per_case: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (id, (p, m)) in &totals {
        per_case
            .entry(case_of[id].clone())
            .or_default()
            .push(100.0 * p / m);
    }
    let scores = read_csv(&dir.path().join("out/data/case_scores.csv"));
    assert_eq!(scores.len(), per_case.len());
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    for row in &scores {
        let t = &per_case[&row["case_id"]];
        assert_eq!(row["n_reviews"], t.len().to_string(), "{row:?}");
        assert_eq!(
            row["score"].parse::<f64>().unwrap(),
            round2(median(t.clone())),
            "{row:?}"
        );
        let lo = t.iter().copied().fold(f64::INFINITY, f64::min);
        assert_eq!(
            row["score_min"].parse::<f64>().unwrap(),
            round2(lo),
            "{row:?}"
        );
        let vetoed = vetoes
            .iter()
            .any(|((case, _), v)| case == &row["case_id"] && median(v.clone()) == 0.0);
        assert_eq!(row["veto"], vetoed.to_string(), "{row:?}");
    }

    // drawing again would replace filled sheets: refused
    let out = legalaid(&["sample", "pipeline.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("points entered"), "{}", stderr(&out));
}

/// The fixture sampled, with `run.toml` reading its workbooks; returns the
/// folder and R01's workbook.
fn fixture_sheets() -> (tempfile::TempDir, PathBuf) {
    let mut f = Fixture::valid();
    let dir = tempfile::tempdir().unwrap();
    f.write(dir.path());
    let out = legalaid(&["sample", "pipeline.toml"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    f.set_file("reviews", "fixture-sample/sheets/*.xlsx");
    f.write(dir.path());
    let book = dir.path().join("fixture-sample/sheets/R01.xlsx");
    assert!(book.is_file());
    (dir, book)
}

/// Alters R01's workbook, validates, and returns the error message.
fn altered(edit: impl FnOnce(&mut Book)) -> String {
    let (dir, path) = fixture_sheets();
    let mut book = read_book(&path);
    edit(&mut book);
    write_book(&path, &book);
    let out = legalaid(
        &["validate", "pipeline.toml", "--rejects", "rej"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(!dir.path().join("rej").exists(), "nothing written");
    let msg = stderr(&out);
    assert!(msg.contains("R01.xlsx"), "{msg}");
    msg
}

fn first_case_sheet(book: &mut Book) -> (&String, &mut Vec<Vec<Data>>) {
    let (name, grid, _) = book
        .iter_mut()
        .find(|(n, _, _)| ["刑事", "民事", "行政"].contains(&n.as_str()))
        .unwrap();
    (name, grid)
}

#[test]
fn untouched_fixture_workbooks_validate_with_nothing_read() {
    let (dir, _) = fixture_sheets();
    let out = legalaid(&["validate", "pipeline.toml"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let line = stdout(&out)
        .lines()
        .find(|l| l.starts_with("reviews"))
        .unwrap()
        .to_string();
    assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
}

#[test]
fn deleted_column_names_workbook_sheet_and_cell() {
    let mut sheet = String::new();
    let msg = altered(|book| {
        let (name, grid) = first_case_sheet(book);
        sheet = name.clone();
        for row in grid.iter_mut() {
            row.remove(12); // the first item column, M
        }
    });
    assert!(
        msg.contains(&format!("sheet `{sheet}`")) && msg.contains("cell M1"),
        "{msg}"
    );
}

#[test]
fn moved_column_names_workbook_sheet_and_cell() {
    let msg = altered(|book| {
        let (_, grid) = first_case_sheet(book);
        for row in grid.iter_mut() {
            row.swap(13, 14);
        }
    });
    assert!(msg.contains("cell N1"), "{msg}");
}

#[test]
fn changed_hidden_id_names_workbook_sheet_and_cell() {
    let msg = altered(|book| {
        let (_, grid) = first_case_sheet(book);
        grid[1][0] = Data::String("C999-R01".into());
    });
    assert!(msg.contains("cell A2") && msg.contains("C999-R01"), "{msg}");
    let msg = altered(|book| {
        let (_, grid) = first_case_sheet(book);
        grid[1][1] = Data::String("C999".into());
    });
    assert!(msg.contains("cell B2"), "{msg}");
}

#[test]
fn added_case_row_names_workbook_sheet_and_cell() {
    let msg = altered(|book| {
        let (_, grid) = first_case_sheet(book);
        let mut row = grid[1].clone();
        for cell in row.iter_mut().take(4) {
            *cell = Data::Empty;
        }
        row[12] = Data::Float(3.0);
        grid.push(row);
    });
    assert!(
        msg.contains("cell A3") && msg.contains("without review_id"),
        "{msg}"
    );
}

#[test]
fn unknown_layout_version_names_the_layout_cell() {
    let msg = altered(|book| {
        let (_, grid, _) = book.iter_mut().find(|(n, _, _)| n == "legalaid").unwrap();
        grid[0][1] = Data::String("9".into());
    });
    assert!(
        msg.contains("sheet `legalaid`")
            && msg.contains("cell B1")
            && msg.contains("layout version"),
        "{msg}"
    );
}

#[test]
fn renamed_case_sheet_is_named() {
    let msg = altered(|book| {
        let (name, _, _) = book.iter_mut().find(|(n, _, _)| n == "刑事").unwrap();
        *name = "Sheet1".into();
    });
    assert!(msg.contains("no sheet `刑事`"), "{msg}");
}

#[test]
fn register_of_an_earlier_run_brings_negative_listed_and_tier_d_lawyers_in() {
    let dir = tempfile::tempdir().unwrap();
    let sample_dir = generate(dir.path(), 300, 5);
    let out = legalaid(&["run", "pipeline.toml"], dir.path());
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let data = dir.path().join("out/data");
    let negative: BTreeSet<String> = read_csv(&data.join("list_status.csv"))
        .into_iter()
        .filter(|e| {
            e["list"] == "negative"
                && ["proposed", "held", "listed"].contains(&e["status"].as_str())
        })
        .map(|e| e["lawyer_id"].clone())
        .collect();
    let tier_d: BTreeSet<String> = read_csv(&data.join("lawyer_credit.csv"))
        .into_iter()
        .filter(|l| l["tier"] == "D")
        .map(|l| l["lawyer_id"].clone())
        .collect();
    assert!(
        !negative.is_empty() && !tier_d.is_empty(),
        "the data has both"
    );

    let text = sample_ok(&[], dir.path());
    assert!(
        text.contains(&format!(
            "{} lawyers with an open negative-list entry",
            negative.len()
        )),
        "{text}"
    );
    let sample = read_csv(&sample_dir.join("sample.csv"));
    let sampled: BTreeMap<&str, Vec<String>> = sample
        .iter()
        .map(|r| (r["case_id"].as_str(), list(&r["reasons"])))
        .collect();
    let cases: Vec<_> = read_csv(&dir.path().join("cases.csv"))
        .into_iter()
        .filter(in_period)
        .collect();
    for c in &cases {
        if negative.contains(&c["lawyer_id"]) {
            let reasons = &sampled[c["case_id"].as_str()];
            assert!(reasons.contains(&"negative_list".to_string()), "{c:?}");
        }
    }
    for lawyer in &tier_d {
        let has_case = cases.iter().any(|c| &c["lawyer_id"] == lawyer);
        let marked = sample
            .iter()
            .filter(|r| {
                &r["lawyer_id"] == lawyer && list(&r["reasons"]).contains(&"tier_d".to_string())
            })
            .count();
        assert_eq!(marked, usize::from(has_case), "{lawyer}");
    }
}

/// A centre points its pipeline at the score sheets before any exist: the
/// sample can still be drawn from it, and the unfilled sheets it wrote read
/// as no reviews yet.
#[test]
fn sample_from_a_pipeline_whose_sheets_do_not_exist_yet() {
    let dir = tempfile::tempdir().unwrap();
    let sample_dir = generate(dir.path(), 120, 3);
    let name = sample_dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let text = std::fs::read_to_string(dir.path().join("pipeline.toml")).unwrap();
    let text = text.replace(
        "reviews = \"reviews.csv\"",
        &format!("reviews = \"{name}/sheets/*.xlsx\""),
    );
    std::fs::write(dir.path().join("pipeline.toml"), text).unwrap();
    sample_ok(&[], dir.path());
    assert!(sample_dir.join("sample.csv").is_file());
    let out = legalaid(&["validate", "pipeline.toml"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let line = stdout(&out)
        .lines()
        .find(|l| l.starts_with("reviews"))
        .unwrap()
        .to_string();
    assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
}
