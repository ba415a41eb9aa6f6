//! Due process through the binary, across runs whose inputs change the way
//! a centre's next export would: a sanction revoked on appeal, a complaint
//! re-decided, a run dated by mistake in the future and undone, a dry run
//! beside the live outputs.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use crate::fixture::*;

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
    stdout(o)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["run", "pipeline.toml"];
    all.extend_from_slice(args);
    legalaid(&all, dir)
}

/// The binary with `LEGALAID_TODAY` set, as a machine whose clock says so.
fn on_day(today: &str, args: &[&str], dir: &Path) -> Output {
    assert_cmd::Command::cargo_bin("legalaid")
        .unwrap()
        .args(args)
        .env("LEGALAID_TODAY", today)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn table(path: &Path, key: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    read_rejects(path)
        .into_iter()
        .map(|r| (r[key].clone(), r))
        .collect()
}

fn negative(dir: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    read_rejects(&dir.join("out/data/list_status.csv"))
        .into_iter()
        .filter(|r| r["list"] == "negative")
        .map(|r| (r["lawyer_id"].clone(), r))
        .collect()
}

/// Every file under `dir`, as text where it is text.
fn texts(dir: &Path) -> String {
    files_under(dir)
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

/// The fixture with a `revoked_on` column on sanctions, L001 on N3 (a
/// leaked-privacy complaint) and N4 (a public censure), and L003 on N4 (a
/// suspension in force).
fn fixture() -> Fixture {
    let mut f = Fixture::valid();
    f.sheet("complaints").push(&[
        "K004",
        "L001",
        "C003",
        "2024-10-01",
        "leaked_privacy",
        "substantiated",
        "2024-11-01",
    ]);
    let s = f.sheet("sanctions");
    s.header.push("revoked_on".into());
    for r in &mut s.rows {
        r.push(String::new());
    }
    s.push(&[
        "S002",
        "L001",
        "public_censure",
        "bar_association",
        "2024-10-15",
        "",
        "公开谴责",
        "",
    ]);
    f
}

fn rewrite(f: &mut Fixture, dir: &Path, table: &str) {
    std::fs::write(dir.join(format!("{table}.csv")), f.sheet(table).to_csv()).unwrap();
}

#[test]
fn a_revoked_sanction_and_a_re_decided_complaint_correct_the_lists() {
    let mut f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    f.write(d);
    ok(&run(d, &[]));
    ok(&run(d, &["--as-of", "2025-01-20"]));
    let e = negative(d);
    assert_eq!(
        (e["L001"]["status"].as_str(), e["L001"]["rules"].as_str()),
        ("listed", "N3;N4")
    );
    assert_eq!(e["L003"]["status"], "listed");
    let credit = table(&d.join("out/data/lawyer_credit.csv"), "lawyer_id");
    let deductions = |c: &BTreeMap<String, BTreeMap<String, String>>| {
        c["L003"]["deductions"].parse::<f64>().unwrap()
    };
    assert!(deductions(&credit) > 0.0, "the suspension counts");

    // The next export: S001 set aside on appeal, S002 revoked too, and the
    // complaint against L001 still stands.
    let s = f.sheet("sanctions");
    for id in ["S001", "S002"] {
        let row = s.rows.iter().position(|r| r[0] == id).unwrap();
        s.set(row, "revoked_on", "2025-02-01");
    }
    rewrite(&mut f, d, "sanctions");
    ok(&run(d, &["--as-of", "2025-03-01"]));
    let e = negative(d);
    // L003 rested on S001 alone: annulled on this run's as-of.
    assert_eq!(
        (
            e["L003"]["status"].as_str(),
            e["L003"]["removed_on"].as_str()
        ),
        ("annulled", "2025-03-01")
    );
    // L001 keeps N3 (serious), drops N4; its end is recomputed from the
    // original listing (2025-01-20 + 1,095 days).
    assert_eq!(
        (
            e["L001"]["status"].as_str(),
            e["L001"]["rules"].as_str(),
            e["L001"]["severity"].as_str(),
            e["L001"]["ends_on"].as_str()
        ),
        ("listed", "N3", "serious", "2028-01-20")
    );
    let events = read_rejects(&d.join("out/data/register_events.csv"));
    let amended: Vec<_> = events.iter().filter(|e| e["kind"] == "amended").collect();
    assert_eq!(amended.len(), 1);
    assert_eq!(amended[0]["evidence"], "S002");
    // A revoked sanction counts nowhere: not in the credit deductions.
    let credit = table(&d.join("out/data/lawyer_credit.csv"), "lawyer_id");
    assert_eq!(deductions(&credit), 0.0);
    // The public report corrects the annulled listing, and the amended one
    // by the rule it dropped — never by its evidence.
    let public = texts(&d.join("out/public"));
    assert!(public.contains("更正"), "no correction in public/");
    assert!(
        public.contains("不再依据以下规则：N4"),
        "no amendment correction"
    );
    assert!(!public.contains("S002"), "overturned evidence published");

    // Then the complaint is re-decided: nothing is left, annulled.
    let c = f.sheet("complaints");
    let row = c.rows.iter().position(|r| r[0] == "K004").unwrap();
    c.set(row, "outcome", "unsubstantiated");
    rewrite(&mut f, d, "complaints");
    ok(&run(d, &["--as-of", "2025-03-02"]));
    assert_eq!(negative(d)["L001"]["status"], "annulled");
    // Every run leaves the register check, with its header when all is well.
    let check = std::fs::read_to_string(d.join("out/internal/register-check.csv")).unwrap();
    assert!(
        check.starts_with("entry_id,lawyer_id,rule,evidence_id,status"),
        "{check}"
    );
}

#[test]
fn a_sanction_revoked_before_its_decision_is_rejected() {
    let mut f = fixture();
    let s = f.sheet("sanctions");
    let row = s.rows.iter().position(|r| r[0] == "S002").unwrap();
    s.set(row, "revoked_on", "2024-10-01");
    let (out, dir) = validate(&f);
    let rejects = read_rejects(&dir.path().join("rej/sanctions.csv"));
    assert_eq!(rejects.len(), 1, "{}{}", stdout(&out), stderr(&out));
    let reason = rejects[0].values().cloned().collect::<Vec<_>>().join(" ");
    assert!(
        reason.contains("revoked_on 2024-10-01 is before decided_on 2024-10-15"),
        "{reason}"
    );
}

#[test]
fn absent_evidence_is_named_in_the_register_check_and_a_warning() {
    let mut f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    f.write(d);
    ok(&run(d, &[]));
    // The complaint row is missing from the next export.
    let c = f.sheet("complaints");
    c.rows.retain(|r| r[0] != "K004");
    rewrite(&mut f, d, "complaints");
    let out = run(d, &["--as-of", "2025-01-05"]);
    ok(&out);
    assert!(
        stderr(&out).contains("register-check.csv"),
        "{}",
        stderr(&out)
    );
    let check = read_rejects(&d.join("out/internal/register-check.csv"));
    assert!(
        check.iter().any(|r| r["lawyer_id"] == "L001"
            && r["rule"] == "N3"
            && r["evidence_id"] == "K004"
            && r["status"] == "absent"),
        "{check:?}"
    );
    // Absent is not overturned: the entry is still proposed on N4 and N3.
    assert_eq!(negative(d)["L001"]["rules"], "N3;N4");
}

#[test]
fn a_future_dated_run_is_refused_and_one_made_anyway_is_undone() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    f.write(d);
    let refused = run(d, &["--as-of", "2052-01-01"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("2052-01-01") && stderr(&refused).contains("later than today"),
        "{}",
        stderr(&refused)
    );
    assert!(!d.join("out").exists(), "a refused run publishes nothing");

    ok(&run(d, &[]));
    // A machine whose clock was wrong runs in 2052, where every rule has
    // aged out: the proposals are withdrawn ...
    ok(&on_day(
        "2060-01-01",
        &["run", "pipeline.toml", "--as-of", "2052-01-01"],
        d,
    ));
    assert_eq!(negative(d)["L003"]["status"], "withdrawn");
    // ... and the register is locked for every honest run.
    let locked = run(d, &["--as-of", "2025-01-20"]);
    assert!(!locked.status.success());
    assert!(
        stderr(&locked).contains("2052-01-01"),
        "{}",
        stderr(&locked)
    );

    let undo = ok(&legalaid(
        &[
            "register",
            "undo",
            "pipeline.toml",
            "--by",
            "王科长",
            "--reason",
            "as-of typed as 2052",
        ],
        d,
    ));
    assert!(undo.contains("voided run"), "{undo}");
    ok(&run(d, &["--as-of", "2025-01-20"]));
    let e = negative(d);
    assert_eq!(
        (
            e["L003"]["status"].as_str(),
            e["L003"]["listed_on"].as_str()
        ),
        ("listed", "2025-01-20")
    );
    let history = ok(&legalaid(
        &["register", "history", "pipeline.toml", "L003"],
        d,
    ));
    assert!(
        history.contains("voided by #") && history.contains("as-of typed as 2052"),
        "{history}"
    );
    // The published event log is the log in force: no 2052 in it.
    let events = std::fs::read_to_string(d.join("out/data/register_events.csv")).unwrap();
    assert!(!events.contains("2052-01-01"), "{events}");
}

#[test]
fn a_dry_run_without_out_writes_beside_the_live_outputs() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    f.write(d);
    ok(&run(d, &[]));
    let live = std::fs::read(d.join("out/manifest.json")).unwrap();
    let register = std::fs::read(d.join("state/register.sqlite")).unwrap();
    let out = run(d, &["--as-of", "2026-01-20", "--dry-run"]);
    ok(&out);
    assert!(stdout(&out).contains("out-dry-run"), "{}", stdout(&out));
    assert_eq!(std::fs::read(d.join("out/manifest.json")).unwrap(), live);
    assert_eq!(
        std::fs::read(d.join("state/register.sqlite")).unwrap(),
        register
    );
    assert!(d.join("out-dry-run/manifest.json").is_file());
}

#[test]
fn published_rule_texts_quote_the_settings_in_force() {
    let mut f = fixture();
    f.pipeline_extra = "[lists]\npositive_min_mean = 88.5\nheavy_sanction_points = 40\n".into();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    f.write(d);
    ok(&run(d, &[]));
    ok(&run(d, &["--as-of", "2025-01-20"]));
    let public = texts(&d.join("out/public"));
    assert!(
        public.contains("平均分不低于88.5分"),
        "P2 with the pipeline's mean"
    );
    assert!(
        public.contains("中止会员权利或更重"),
        "N4 with the pipeline's heavy points"
    );
    assert!(
        !public.contains("不低于90分"),
        "a default threshold was printed"
    );
    assert!(
        !public.contains("{min_") && !public.contains("{heavy"),
        "an unfilled placeholder"
    );
}

/// Copies the demo pipeline and data into `dir` (the pipeline reads
/// `../sample_data`).
fn demo(dir: &Path) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for folder in ["pipelines", "sample_data"] {
        copy_dir(&repo.join(folder), &dir.join(folder));
    }
}

#[test]
fn a_positive_lawyer_listed_negative_leaves_the_positive_list() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo(d);
    let pipeline = "pipelines/chengdu-2024.toml";
    let out = |as_of: &str| {
        ok(&legalaid(
            &["run", pipeline, "--as-of", as_of, "--out", "out"],
            d,
        ));
    };
    out("2024-12-31");
    out("2025-01-20");
    let positive = read_rejects(&d.join("out/public/positive-list.csv"));
    let lawyer = positive[0]["执业证号"].clone();
    // The next export: a substantiated took-money complaint against them.
    let complaints = d.join("sample_data/complaints.csv");
    let mut text = std::fs::read_to_string(&complaints).unwrap();
    text.push_str(&format!(
        "TS-TEST-P5,{lawyer},,2025-01-02,took_money,substantiated,2025-01-25\n"
    ));
    std::fs::write(&complaints, text).unwrap();
    out("2025-02-01");
    let listed = |file: &str| {
        read_rejects(&d.join("out/public").join(file))
            .iter()
            .any(|r| r["执业证号"] == lawyer)
    };
    // Proposed on the negative list: still on the positive list, not on the
    // negative one.
    assert!(listed("positive-list.csv") && !listed("negative-list.csv"));
    out("2025-02-17");
    assert!(listed("negative-list.csv"), "listed after the deadline");
    assert!(!listed("positive-list.csv"), "P5: one lawyer, one list");
    let events = read_rejects(&d.join("out/data/register_events.csv"));
    assert!(events.iter().any(|e| e["lawyer_id"] == lawyer
        && e["list"] == "positive"
        && e["kind"] == "removed"
        && e["reason"].starts_with("P5")));
}

#[test]
fn a_case_re_graded_by_a_reconciliation_review_annuls_its_n1_entry() {
    use legalaid::rubric::CaseType;
    let mut f = Fixture::valid();
    // C002 (L002) vetoed by all three reviewers: N1, undisputed.
    push_review(
        f.sheet("reviews"),
        "V004",
        "C002",
        "R01",
        CaseType::Civil,
        0.7,
    );
    push_review(
        f.sheet("reviews"),
        "V005",
        "C002",
        "R02",
        CaseType::Civil,
        0.7,
    );
    for review in ["V003", "V004", "V005"] {
        set_item_points(f.sheet("reviews"), review, "CV-V1", "0");
    }
    f.sheet("reviewers")
        .push(&["P01", "评审组甲", "panel", "", "", ""]);
    f.sheet("reviewers")
        .push(&["P02", "评审组乙", "panel", "", "", ""]);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    f.write(d);
    ok(&run(d, &[]));
    ok(&run(d, &["--as-of", "2025-01-20"]));
    let e = negative(d);
    assert_eq!(
        (e["L002"]["status"].as_str(), e["L002"]["rules"].as_str()),
        ("listed", "N1")
    );

    // The panel reconciles: two of the three reviews are replaced by panel
    // results that do not fail the veto item. The median no longer vetoes.
    for (id, replaces, panel) in [("V006", "V004", "P01"), ("V007", "V005", "P02")] {
        push_review(f.sheet("reviews"), id, "C002", panel, CaseType::Civil, 0.7);
        set_review(f.sheet("reviews"), id, "supersedes", replaces);
    }
    rewrite(&mut f, d, "reviews");
    ok(&run(d, &["--as-of", "2025-02-01"]));
    let scores = read_rejects(&d.join("out/data/case_scores.csv"));
    let c002 = scores.iter().find(|r| r["case_id"] == "C002").unwrap();
    assert_eq!(c002["veto"], "false", "{c002:?}");
    let e = negative(d);
    assert_eq!(
        (
            e["L002"]["status"].as_str(),
            e["L002"]["removed_on"].as_str()
        ),
        ("annulled", "2025-02-01")
    );
}
