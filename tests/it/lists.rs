//! The list register through the binary, across runs with advancing as-of
//! dates (issue 4's "done when"): proposal with notice, listing 20 days
//! later, an objection holding one entry back and then withdrawing it, a
//! refused early repair naming the date, an overturned complaint annulling
//! its entry, `explain`, idempotent reruns, crash safety, dry runs and the
//! held logic.

use std::collections::BTreeMap;
use std::path::Path;

use crate::fixture::*;
use legalaid::rubric::CaseType;

fn entries(dir: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    read_rejects(&dir.join("out/data/list_status.csv"))
        .into_iter()
        .map(|r| (r["lawyer_id"].clone() + ":" + &r["list"], r))
        .collect()
}

fn ok(o: &std::process::Output) {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["run", "pipeline.toml"];
    all.extend_from_slice(args);
    legalaid(&all, dir)
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("out/manifest.json")).unwrap()).unwrap()
}

#[test]
fn a_year_of_the_register() {
    let mut f = Fixture::valid();
    // L002 took money (N3); L001 leaked privacy (N3, later overturned);
    // L003 is under a practice suspension in force (N4).
    f.sheet("complaints").push(&[
        "K003",
        "L002",
        "C002",
        "2024-09-01",
        "took_money",
        "substantiated",
        "2024-10-01",
    ]);
    f.sheet("complaints").push(&[
        "K004",
        "L001",
        "C003",
        "2024-10-01",
        "leaked_privacy",
        "substantiated",
        "2024-11-01",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    f.write(d);

    // Run 1: three proposals, each with its notice; nothing listed yet.
    ok(&run(d, &[]));
    let e = entries(d);
    for l in ["L001", "L002", "L003"] {
        assert_eq!(e[&format!("{l}:negative")]["status"], "proposed", "{l}");
        assert!(
            d.join(format!("out/internal/notices/{l}.html")).is_file(),
            "{l}"
        );
    }
    assert_eq!(e["L003:negative"]["severity"], "serious");
    assert_eq!(e["L003:negative"]["rules"], "N4");
    let notice = std::fs::read_to_string(d.join("out/internal/notices/L003.html")).unwrap();
    assert!(
        notice.contains("2025-01-15") && notice.contains("S001") && notice.contains("N4"),
        "{notice}"
    );

    // L002 objects within the notice window.
    ok(&legalaid(
        &[
            "register",
            "object",
            "pipeline.toml",
            "L002",
            "--lodged",
            "--by",
            "法援中心甲",
            "--reason",
            "对投诉结论有异议",
            "--on",
            "2025-01-10",
        ],
        d,
    ));

    // A run that fails after the register step leaves the register as it was.
    let register = d.join("state/register.sqlite");
    let before = std::fs::read(&register).unwrap();
    std::fs::write(d.join("blocker"), "a file where a folder should be").unwrap();
    let failed = run(d, &["--as-of", "2025-01-20", "--out", "blocker/out"]);
    assert!(!failed.status.success());
    assert_eq!(
        std::fs::read(&register).unwrap(),
        before,
        "register untouched by a failed run"
    );

    // Run 2, twenty days on: listed, except the one with a pending objection.
    ok(&run(d, &["--as-of", "2025-01-20"]));
    let e = entries(d);
    assert_eq!(e["L003:negative"]["status"], "listed");
    assert_eq!(e["L003:negative"]["listed_on"], "2025-01-20");
    // serious: the later of listed_on + 1095 days and the sanction's end
    assert_eq!(e["L003:negative"]["ends_on"], "2028-01-20");
    assert_eq!(e["L001:negative"]["status"], "listed");
    assert_eq!(
        e["L002:negative"]["status"], "proposed",
        "objection pending"
    );

    // The objection is upheld: withdrawn.
    ok(&legalaid(
        &[
            "register",
            "object",
            "pipeline.toml",
            "L002",
            "--upheld",
            "--by",
            "法援中心甲",
            "--reason",
            "复核后异议成立",
            "--on",
            "2025-01-21",
        ],
        d,
    ));
    let history = legalaid(&["register", "history", "pipeline.toml", "L002"], d);
    ok(&history);
    assert!(
        stdout(&history).contains("withdrawn") || stdout(&history).contains("已撤回"),
        "{}",
        stdout(&history)
    );

    // Early repair is refused, naming the date it becomes possible.
    let repair = legalaid(
        &[
            "register",
            "repair",
            "pipeline.toml",
            "L003",
            "--by",
            "法援中心乙",
            "--reason",
            "申请信用修复",
            "--on",
            "2025-02-01",
        ],
        d,
    );
    assert!(!repair.status.success());
    assert!(
        stderr(&repair).contains("2026-01-20"),
        "{}",
        stderr(&repair)
    );

    // The complaint behind L001's entry is overturned: the next run annuls it.
    let c = f.sheet("complaints");
    let row = c.rows.iter().position(|r| r[0] == "K004").unwrap();
    c.set(row, "outcome", "unsubstantiated");
    std::fs::remove_file(d.join("complaints.csv")).unwrap();
    f.write(d);
    ok(&run(d, &["--as-of", "2025-02-10"]));
    let e = entries(d);
    assert_eq!(e["L001:negative"]["status"], "annulled");
    assert_eq!(e["L001:negative"]["removed_on"], "2025-02-10");
    assert_eq!(e["L002:negative"]["status"], "withdrawn");
    assert_eq!(e["L003:negative"]["status"], "listed");

    // The same run again adds no event and writes the same files.
    let first = manifest(d);
    ok(&run(d, &["--as-of", "2025-02-10"]));
    let second = manifest(d);
    assert_eq!(
        second["register"]["events_before"],
        second["register"]["events_after"]
    );
    assert_eq!(first["outputs"], second["outputs"]);

    // A dry run on an earlier date writes nothing to the register.
    let before = std::fs::read(&register).unwrap();
    ok(&run(
        d,
        &["--as-of", "2024-12-31", "--dry-run", "--out", "dry"],
    ));
    assert_eq!(std::fs::read(&register).unwrap(), before);
    // A real run on an earlier date is refused.
    let refused = run(d, &["--as-of", "2024-12-31", "--out", "late"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("2025-02-10"),
        "{}",
        stderr(&refused)
    );

    // explain tells the story.
    let explain = legalaid(&["explain", "pipeline.toml", "L001"], d);
    ok(&explain);
    let text = stdout(&explain);
    for needle in [
        "信用分 credit score",
        "Q1",
        "NEG-L001-1",
        "annulled",
        "K004",
    ] {
        assert!(text.contains(needle), "`{needle}` not in:\n{text}");
    }
}

#[test]
fn disputed_veto_holds_the_quality_rule() {
    let mut f = Fixture::valid();
    // Three reviews of C002: two fail the veto item CV-V1, one does not —
    // vetoed by the median, but disputed, so N1 does not count: held.
    set_item_points(f.sheet("reviews"), "V003", "CV-V1", "0");
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
    set_item_points(f.sheet("reviews"), "V004", "CV-V1", "0");
    let dir = tempfile::tempdir().unwrap();
    f.write(dir.path());
    ok(&run(dir.path(), &[]));
    let scores = read_rejects(&dir.path().join("out/data/case_scores.csv"));
    let c002 = scores.iter().find(|r| r["case_id"] == "C002").unwrap();
    assert_eq!(
        (
            c002["veto"].as_str(),
            c002["disputed"].as_str(),
            c002["grade"].as_str()
        ),
        ("true", "true", "unqualified")
    );
    let e = entries(dir.path());
    assert_eq!(e["L002:negative"]["status"], "held");
    assert_eq!(e["L002:negative"]["rules"], "N1");
    assert!(
        !dir.path().join("out/internal/notices/L002.html").exists(),
        "held entries get no notice"
    );
}

/// A reader can verify a publication: the manifest names every file of the
/// output folder but itself and the ownership marker, each with the SHA-256 of its bytes (hashed on
/// several threads since issue 13).
#[test]
fn the_manifest_hashes_every_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    Fixture::valid().write(d);
    ok(&run(d, &[]));
    let out = d.join("out");
    let listed: BTreeMap<String, String> = manifest(d)["outputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let mut on_disk: Vec<String> = legalaid::output::list_files(&out)
        .unwrap()
        .into_iter()
        // The manifest itself, and the marker that says legalaid owns the
        // folder (written after the manifest).
        .filter(|f| f != "manifest.json" && f != ".legalaid-output")
        .collect();
    on_disk.sort();
    assert!(on_disk.len() > 20, "{on_disk:?}");
    assert_eq!(listed.keys().cloned().collect::<Vec<_>>(), on_disk);
    for (file, sha) in &listed {
        assert_eq!(
            &legalaid::output::sha256_file(&out.join(file)).unwrap(),
            sha,
            "{file}"
        );
    }
}
