//! A small, valid, fictional data set written into a temporary folder with
//! its pipeline file and the default rubrics. Tests mutate the tables, write
//! them, run the binary and read what it wrote.

use std::path::{Path, PathBuf};
use std::process::Output;

use legalaid::rubric::{CaseType, DEFAULT_RUBRICS, Rubric, default_rubrics};

/// One table: header and rows of text cells.
#[derive(Clone, Debug)]
pub struct Sheet {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Sheet {
    fn new(header: &[&str]) -> Sheet {
        Sheet {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: &[&str]) {
        assert_eq!(
            row.len(),
            self.header.len(),
            "row width for {:?}",
            self.header
        );
        self.rows.push(row.iter().map(|s| s.to_string()).collect());
    }

    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    pub fn set(&mut self, row: usize, column: &str, value: &str) {
        let c = self.col(column);
        self.rows[row][c] = value.to_string();
    }

    pub fn to_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        w.write_record(&self.header).unwrap();
        for r in &self.rows {
            w.write_record(r).unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }
}

pub const TABLES: [&str; 7] = [
    "lawyers",
    "cases",
    "reviewers",
    "reviews",
    "complaints",
    "sanctions",
    "feedback",
];

/// The seven tables of a valid data set.
#[derive(Clone, Debug)]
pub struct Fixture {
    pub tables: Vec<(String, Sheet)>,
    /// Extra pipeline-file text appended at the end.
    pub pipeline_extra: String,
    /// Input file name per table (extension decides the format).
    pub files: Vec<(String, String)>,
}

pub fn rubric(case_type: CaseType) -> Rubric {
    default_rubrics()
        .into_iter()
        .find(|r| r.case_type == case_type)
        .unwrap()
}

/// Appends a complete review with every item at `fraction` of its maximum
/// (veto items at their maximum).
pub fn push_review(
    reviews: &mut Sheet,
    review_id: &str,
    case_id: &str,
    reviewer: &str,
    case_type: CaseType,
    fraction: f64,
) {
    for item in &rubric(case_type).items {
        let points = if item.veto {
            item.max_points
        } else {
            (item.max_points * fraction).round()
        };
        reviews.push(&[
            review_id,
            case_id,
            reviewer,
            "2025-01-15",
            &item.code,
            &points.to_string(),
            "",
            "",
        ]);
    }
}

/// Sets `column` to `value` on every row of review `review_id`.
pub fn set_review(reviews: &mut Sheet, review_id: &str, column: &str, value: &str) {
    let (rc, c) = (reviews.col("review_id"), reviews.col(column));
    for r in reviews.rows.iter_mut().filter(|r| r[rc] == review_id) {
        r[c] = value.into();
    }
}

/// A substantiated took-money complaint `id` against `lawyer` over `case`,
/// decided 2024-10-01: a negative entry (N3) proposed by the first run.
pub fn push_took_money(f: &mut Fixture, id: &str, lawyer: &str, case: &str) {
    f.sheet("complaints").push(&[
        id,
        lawyer,
        case,
        "2024-09-01",
        "took_money",
        "substantiated",
        "2024-10-01",
    ]);
}

/// Sets one item's points in every row of one review (e.g. a veto item to 0).
pub fn set_item_points(reviews: &mut Sheet, review_id: &str, item: &str, points: &str) {
    let (rc, ic, pc) = (
        reviews.col("review_id"),
        reviews.col("item"),
        reviews.col("points"),
    );
    for r in reviews
        .rows
        .iter_mut()
        .filter(|r| r[rc] == review_id && r[ic] == item)
    {
        r[pc] = points.into();
    }
}

impl Fixture {
    pub fn valid() -> Fixture {
        let mut lawyers = Sheet::new(&[
            "lawyer_id",
            "name",
            "gender",
            "law_firm",
            "firm_id",
            "district",
            "licensed_on",
            "practice_kind",
            "specialties",
            "status",
        ]);
        lawyers.push(&[
            "L001",
            "测试甲",
            "F",
            "四川示例律师事务所",
            "91510100TEST00001A",
            "锦江区",
            "2010-05-01",
            "full_time",
            "刑事辩护;婚姻家庭",
            "active",
        ]);
        lawyers.push(&[
            "L002",
            "测试乙",
            "M",
            "四川样本律师事务所",
            "",
            "武侯区",
            "2023-03-01",
            "part_time",
            "",
            "active",
        ]);
        lawyers.push(&[
            "L003",
            "测试丙",
            "",
            "四川模拟律师事务所",
            "",
            "金牛区",
            "2000-01-01",
            "grassroots",
            "劳动争议",
            "suspended",
        ]);

        let mut cases = Sheet::new(&[
            "case_id",
            "case_type",
            "matter",
            "lawyer_id",
            "center",
            "district",
            "assigned_on",
            "closed_on",
            "archived_on",
            "recipient_name",
            "recipient_id_no",
            "recipient_groups",
            "major_difficult",
            "domestic_violence",
            "outcome",
        ]);
        cases.push(&[
            "C001",
            "criminal",
            "trial",
            "L001",
            "锦江区法律援助中心",
            "锦江区",
            "2024-02-01",
            "2024-06-01",
            "2024-06-20",
            "虚构一",
            "510104199001011234",
            "elderly",
            "false",
            "false",
            "mitigated",
        ]);
        cases.push(&[
            "C002",
            "civil",
            "family",
            "L002",
            "武侯区法律援助中心",
            "武侯区",
            "2024-03-01",
            "2024-08-01",
            "",
            "虚构二",
            "",
            "women;minor",
            "是",
            "是",
            "mediated",
        ]);
        cases.push(&[
            "C003",
            "administrative",
            "litigation",
            "L001",
            "锦江区法律援助中心",
            "锦江区",
            "2024-01-10",
            "2024-09-01",
            "2024-09-15",
            "虚构三",
            "",
            "",
            "0",
            "0",
            "won",
        ]);
        cases.push(&[
            "C004",
            "civil",
            "labor",
            "L003",
            "金牛区法律援助中心",
            "金牛区",
            "2023-01-10",
            "2023-06-01",
            "2023-06-15",
            "虚构四",
            "",
            "migrant_worker",
            "false",
            "false",
            "won",
        ]);

        let mut reviewers = Sheet::new(&[
            "reviewer_id",
            "name",
            "role",
            "law_firm",
            "firm_id",
            "district",
        ]);
        reviewers.push(&[
            "R01",
            "评审甲",
            "lawyer",
            "四川另一律师事务所",
            "",
            "青羊区",
        ]);
        reviewers.push(&["R02", "评审乙", "judge", "", "", ""]);
        reviewers.push(&["R03", "评审丙", "scholar", "", "", "成华区"]);
        reviewers.push(&[
            "R04",
            "评审丁",
            "lawyer",
            "四川样本律师事务所",
            "",
            "武侯区",
        ]);

        let mut reviews = Sheet::new(&[
            "review_id",
            "case_id",
            "reviewer_id",
            "reviewed_on",
            "item",
            "points",
            "note",
            "supersedes",
        ]);
        push_review(&mut reviews, "V001", "C001", "R01", CaseType::Criminal, 0.9);
        push_review(&mut reviews, "V002", "C001", "R02", CaseType::Criminal, 0.8);
        push_review(&mut reviews, "V003", "C002", "R03", CaseType::Civil, 0.7);

        let mut complaints = Sheet::new(&[
            "complaint_id",
            "lawyer_id",
            "case_id",
            "received_on",
            "category",
            "outcome",
            "decided_on",
        ]);
        complaints.push(&[
            "K001",
            "L001",
            "C001",
            "2024-07-01",
            "attitude",
            "unsubstantiated",
            "2024-07-20",
        ]);
        complaints.push(&[
            "K002",
            "L002",
            "",
            "2024-08-01",
            "took_money",
            "pending",
            "",
        ]);

        let mut sanctions = Sheet::new(&[
            "sanction_id",
            "lawyer_id",
            "kind",
            "authority",
            "decided_on",
            "ends_on",
            "summary",
        ]);
        sanctions.push(&[
            "S001",
            "L003",
            "practice_suspended",
            "justice_bureau",
            "2024-05-01",
            "2025-05-01",
            "停止执业六个月",
        ]);

        let mut feedback = Sheet::new(&["case_id", "contacted_on", "satisfaction"]);
        feedback.push(&["C001", "2024-06-10", "satisfied"]);
        feedback.push(&["C002", "2024-08-10", "基本满意"]);
        feedback.push(&["C004", "2023-06-10", "unreachable"]);

        let tables = vec![
            lawyers, cases, reviewers, reviews, complaints, sanctions, feedback,
        ];
        Fixture {
            tables: TABLES.iter().map(|t| t.to_string()).zip(tables).collect(),
            pipeline_extra: String::new(),
            files: TABLES
                .iter()
                .map(|t| (t.to_string(), format!("{t}.csv")))
                .collect(),
        }
    }

    pub fn sheet(&mut self, table: &str) -> &mut Sheet {
        &mut self.tables.iter_mut().find(|(t, _)| t == table).unwrap().1
    }

    pub fn file_of(&self, table: &str) -> &str {
        &self.files.iter().find(|(t, _)| t == table).unwrap().1
    }

    pub fn set_file(&mut self, table: &str, file: &str) {
        self.files.iter_mut().find(|(t, _)| t == table).unwrap().1 = file.to_string();
    }

    /// Writes the data, the rubrics and `pipeline.toml` into `dir`. Tables
    /// whose file is not `.csv` must already have been written by the test.
    pub fn write(&self, dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir.join("rubrics")).unwrap();
        for (name, text) in DEFAULT_RUBRICS {
            std::fs::write(dir.join("rubrics").join(name), text).unwrap();
        }
        for (table, sheet) in &self.tables {
            let file = self.file_of(table);
            if file.ends_with(".csv") && !file.contains('*') && !dir.join(file).exists() {
                std::fs::write(dir.join(file), sheet.to_csv()).unwrap();
            }
        }
        let inputs: String = self
            .files
            .iter()
            .map(|(t, f)| format!("{t} = \"{f}\"\n"))
            .collect();
        let pipeline = format!(
            "name = \"fixture\"\n[period]\nstart = 2024-01-01\nend = 2024-12-31\n[inputs]\n{inputs}\
             [rubrics]\ncriminal = \"rubrics/criminal.toml\"\ncivil = \"rubrics/civil.toml\"\n\
             administrative = \"rubrics/administrative.toml\"\n[register]\npath = \"state/register.sqlite\"\n\
             [output]\ndir = \"out\"\n{}",
            self.pipeline_extra
        );
        let path = dir.join("pipeline.toml");
        std::fs::write(&path, pipeline).unwrap();
        path
    }
}

/// Declares `encoding = "gbk"` in the pipeline file written into `dir` and
/// gives every table's CSV file but those in `gbk` a BOM, which settles
/// their encoding (UTF-8) whatever the pipeline declares.
pub fn declare_gbk(dir: &Path, gbk: &[&str]) {
    for t in TABLES.iter().filter(|t| !gbk.contains(*t)) {
        let p = dir.join(format!("{t}.csv"));
        let mut text = vec![0xEF, 0xBB, 0xBF];
        text.extend(std::fs::read(&p).unwrap());
        std::fs::write(p, text).unwrap();
    }
    let text = std::fs::read_to_string(dir.join("pipeline.toml")).unwrap();
    std::fs::write(
        dir.join("pipeline.toml"),
        text.replace("[rubrics]", "encoding = \"gbk\"\n[rubrics]"),
    )
    .unwrap();
}

pub fn legalaid(args: &[&str], cwd: &Path) -> Output {
    assert_cmd::Command::cargo_bin("legalaid")
        .unwrap()
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Rows of a quarantine file as header-keyed maps.
pub fn read_rejects(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            header
                .iter()
                .zip(rec.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Runs `validate --rejects rej` on the fixture; returns the output and the
/// folder.
pub fn validate(f: &Fixture) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    f.write(dir.path());
    let out = legalaid(
        &["validate", "pipeline.toml", "--rejects", "rej"],
        dir.path(),
    );
    (out, dir)
}

/// Every file below `dir`, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Copies a folder tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The headless browser, when installed: `chromium` or `LEGALAID_CHROMIUM`.
pub fn chromium() -> Option<String> {
    let browser = std::env::var("LEGALAID_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let probe = std::process::Command::new(&browser)
        .arg("--version")
        .output();
    if probe.is_ok_and(|o| o.status.success()) {
        Some(browser)
    } else {
        eprintln!("skipped: no `{browser}` (install Debian's chromium to run this check)");
        None
    }
}

/// A headless Chromium command with the flags every check needs (no GPU,
/// no sandbox: tests run as root in CI); the caller adds the rest.
pub fn headless(browser: &str) -> std::process::Command {
    let mut command = std::process::Command::new(browser);
    command.args(["--headless=new", "--no-sandbox", "--disable-gpu"]);
    command
}
