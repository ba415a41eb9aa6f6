//! Reviewer severity through the binary: an N2 resting on a case whose
//! grade depends on the reviewer drawn is held, with that reason, and
//! proposed when `[lists] hold_severity_sensitive = false`; the panel page
//! and the lawyer page show it (scoring.md, "Reviewer severity adjustment").

use std::collections::BTreeMap;
use std::path::Path;

use legalaid::rubric::CaseType;

use crate::fixture::{Fixture, legalaid, push_review, read_rejects, stderr, stdout};

/// A civil case of `lawyer` closed in the period.
fn civil_case(f: &mut Fixture, id: &str, lawyer: &str) {
    f.sheet("cases").push(&[
        id,
        "civil",
        "family",
        lawyer,
        "武侯区法律援助中心",
        "武侯区",
        "2024-03-01",
        "2024-08-01",
        "2024-08-10",
        "虚构人",
        "",
        "",
        "false",
        "false",
        "mediated",
    ]);
}

/// R02 is harsh and R03 lenient: on the two cases they share (S1, S2) R03
/// gives 16 points more (64 and 80; the veto items' 20 points are always
/// full). With `k_b = 0` the fit puts R02 about 10 points below R03's
/// level. L002 has two civil cases in the fail band (below 60), each scored
/// by one reviewer: F1 by harsh R02 (56, above 60 once R02's severity is
/// taken out: severity-sensitive) and F2 by R03 (44, and lower once
/// adjusted: unqualified either way).
fn fixture(hold: bool) -> Fixture {
    let mut f = Fixture::valid();
    for (case, lawyer) in [
        ("S1", "L001"),
        ("S2", "L001"),
        ("F1", "L002"),
        ("F2", "L002"),
    ] {
        civil_case(&mut f, case, lawyer);
    }
    let reviews = f.sheet("reviews");
    push_review(reviews, "W1", "S1", "R02", CaseType::Civil, 0.55);
    push_review(reviews, "W2", "S1", "R03", CaseType::Civil, 0.75);
    push_review(reviews, "W3", "S2", "R02", CaseType::Civil, 0.55);
    push_review(reviews, "W4", "S2", "R03", CaseType::Civil, 0.75);
    push_review(reviews, "W5", "F1", "R02", CaseType::Civil, 0.45);
    push_review(reviews, "W6", "F2", "R03", CaseType::Civil, 0.3);
    f.pipeline_extra = format!(
        "[scoring]\nseverity_prior_reviews = 0\n[lists]\nhold_severity_sensitive = {hold}\n"
    );
    f
}

fn run(f: &Fixture) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    f.write(dir.path());
    let o = legalaid(&["run", "pipeline.toml"], dir.path());
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    dir
}

fn case_scores(dir: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    read_rejects(&dir.join("out/data/case_scores.csv"))
        .into_iter()
        .map(|r| (r["case_id"].clone(), r))
        .collect()
}

fn negative_entry(dir: &Path, lawyer: &str) -> BTreeMap<String, String> {
    read_rejects(&dir.join("out/data/list_status.csv"))
        .into_iter()
        .find(|r| r["lawyer_id"] == lawyer && r["list"] == "negative")
        .unwrap_or_else(|| panic!("no negative entry for {lawyer}"))
}

#[test]
fn an_n2_on_a_severity_sensitive_case_is_held_and_says_why() {
    let dir = run(&fixture(true));
    let d = dir.path();
    let scores = case_scores(d);
    let (f1, f2) = (&scores["F1"], &scores["F2"]);
    assert_eq!(
        (
            f1["grade"].as_str(),
            f1["adjusted_grade"].as_str(),
            f1["severity_sensitive"].as_str()
        ),
        ("unqualified", "qualified", "true"),
        "{f1:?}"
    );
    assert_eq!(
        (
            f2["grade"].as_str(),
            f2["adjusted_grade"].as_str(),
            f2["severity_sensitive"].as_str()
        ),
        ("unqualified", "unqualified", "false"),
        "{f2:?}"
    );
    let entry = negative_entry(d, "L002");
    assert_eq!(
        (entry["status"].as_str(), entry["rules"].as_str()),
        ("held", "N2")
    );
    let events = read_rejects(&d.join("out/data/register_events.csv"));
    let held = events
        .iter()
        .find(|e| e["lawyer_id"] == "L002" && e["kind"] == "held")
        .expect("a held event");
    assert!(held["reason"].contains("severity-sensitive"), "{held:?}");
    assert!(
        !d.join("out/internal/notices").join("L002.html").exists(),
        "a held entry gets no notice"
    );

    // explain tells staff why, from the register.
    let o = legalaid(&["explain", "pipeline.toml", "L002"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("severity-sensitive"), "{}", stdout(&o));

    // The panel page lists F1 on its worklist with both grades; the lawyer
    // page marks the case.
    let panel = std::fs::read_to_string(d.join("out/internal/panel.html")).unwrap();
    let worklist = &panel[panel
        .find("id=\"sensitive\"")
        .expect("the worklist section")..];
    assert!(
        worklist.contains("F1") && !worklist[..worklist.find("</section>").unwrap()].contains("F2")
    );
    assert!(
        d.join("out/internal/charts/reviewer-severity-civil.svg")
            .exists()
    );
    let lawyer_pages: Vec<_> = std::fs::read_dir(d.join("out/internal/lawyers"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .filter(|p| p.contains("F1"))
        .collect();
    assert_eq!(lawyer_pages.len(), 1);
    assert!(lawyer_pages[0].contains("等级取决于评查专家"));
}

#[test]
fn with_the_hold_off_the_same_cases_propose_n2() {
    let dir = run(&fixture(false));
    let entry = negative_entry(dir.path(), "L002");
    assert_eq!(
        (entry["status"].as_str(), entry["rules"].as_str()),
        ("proposed", "N2")
    );
}
