//! The annual-inspection decisions that go to the justice bureau: every
//! reason code I0–I6 and 称职 on a lawyer built for it, the firm roll-up,
//! and the eligibility roster's exclusion of practice kinds that may not
//! take criminal cases.

use std::collections::BTreeMap;
use std::path::Path;

use crate::fixture::*;

/// A lawyer in a firm of their own.
fn lawyer(f: &mut Fixture, id: &str, licensed_on: &str, kind: &str) {
    let firm = format!("{id}律师事务所");
    f.sheet("lawyers").push(&[
        id,
        "测试",
        "F",
        &firm,
        "",
        "青羊区",
        licensed_on,
        kind,
        "刑事辩护",
        "active",
    ]);
}

fn cases(f: &mut Fixture, lawyer: &str, n: usize) {
    for i in 0..n {
        let id = format!("{lawyer}-C{i}");
        f.sheet("cases").push(&[
            &id,
            "civil",
            "litigation",
            lawyer,
            "青羊区法律援助中心",
            "青羊区",
            "2024-03-01",
            "2024-05-01",
            "2024-05-10",
            "虚构人",
            "510104199001019999",
            "",
            "false",
            "false",
            "mediated",
        ]);
    }
}

fn complaint(f: &mut Fixture, id: &str, lawyer: &str, category: &str) {
    f.sheet("complaints").push(&[
        id,
        lawyer,
        "",
        "2024-04-01",
        category,
        "substantiated",
        "2024-06-01",
    ]);
}

fn ok(o: &std::process::Output) {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
}

fn rows(path: &Path, key: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    read_rejects(path)
        .into_iter()
        .map(|r| (r[key].clone(), r))
        .collect()
}

#[test]
fn every_reason_code_on_a_lawyer_built_for_it() {
    let mut f = Fixture::valid();
    // I0: licensed less than three months before the period's end.
    lawyer(&mut f, "L020", "2024-11-01", "full_time");
    cases(&mut f, "L020", 2);
    // I1: a serious entry (N3, took money) listed at the decision date.
    lawyer(&mut f, "L021", "2005-01-01", "full_time");
    cases(&mut f, "L021", 2);
    complaint(&mut f, "K021", "L021", "took_money");
    // I2: tier D (a suspension in force) with an open entry kept proposed
    // by a pending objection (so not I1).
    lawyer(&mut f, "L022", "2005-01-01", "full_time");
    cases(&mut f, "L022", 2);
    f.sheet("sanctions").push(&[
        "S022",
        "L022",
        "practice_suspended",
        "justice_bureau",
        "2024-06-01",
        "2025-06-01",
        "停止执业",
    ]);
    // I3: one case closed, two required.
    lawyer(&mut f, "L023", "2005-01-01", "full_time");
    cases(&mut f, "L023", 1);
    // I4: tier C from a warning decided before the period (no I5, no entry).
    lawyer(&mut f, "L024", "2005-01-01", "full_time");
    cases(&mut f, "L024", 2);
    f.sheet("sanctions").push(&[
        "S024",
        "L024",
        "warning",
        "bar_association",
        "2023-03-01",
        "",
        "警告",
    ]);
    // I5: a substantiated (not prohibited) complaint decided in the period.
    lawyer(&mut f, "L025", "2005-01-01", "full_time");
    cases(&mut f, "L025", 2);
    complaint(&mut f, "K025", "L025", "attitude");
    // 称职: clean, duty met.
    lawyer(&mut f, "L027", "2005-01-01", "full_time");
    cases(&mut f, "L027", 2);
    // The same, but a grassroots worker: competent, never eligible for
    // criminal and major cases.
    lawyer(&mut f, "L028", "2005-01-01", "grassroots");
    cases(&mut f, "L028", 2);

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    f.write(d);
    ok(&legalaid(&["run", "pipeline.toml"], d));
    // I6: at the first run L021's entry is only proposed (tier C): open,
    // not a listed serious one.
    let first = rows(&d.join("out/data/inspection.csv"), "lawyer_id");
    assert_eq!(first["L021"]["recommendation"], "basically_competent");
    assert!(
        first["L021"]["recommendation_reasons"].contains("I6"),
        "{:?}",
        first["L021"]
    );
    ok(&legalaid(
        &[
            "register",
            "object",
            "pipeline.toml",
            "L022",
            "--lodged",
            "--by",
            "律师",
            "--reason",
            "异议",
            "--on",
            "2025-01-10",
        ],
        d,
    ));
    ok(&legalaid(
        &["run", "pipeline.toml", "--as-of", "2025-01-20"],
        d,
    ));
    let got = rows(&d.join("out/data/inspection.csv"), "lawyer_id");
    for (id, recommendation, label, reasons) in [
        ("L020", "none", "—", "I0"),
        ("L021", "not_competent", "不称职", "I1"),
        ("L022", "not_competent", "不称职", "I2"),
        ("L023", "basically_competent", "基本称职", "I3"),
        ("L024", "basically_competent", "基本称职", "I4"),
        ("L025", "basically_competent", "基本称职", "I5"),
        ("L027", "competent", "称职", ""),
        ("L028", "competent", "称职", ""),
    ] {
        let r = &got[id];
        assert_eq!(
            (
                r["recommendation"].as_str(),
                r["recommendation_label"].as_str(),
                r["recommendation_reasons"].as_str()
            ),
            (recommendation, label, reasons),
            "{id}: {r:?}"
        );
    }

    // The firm roll-up counts each firm's lawyers by recommended grade.
    let firms = rows(&d.join("out/data/inspection_firms.csv"), "law_firm");
    let firm = |id: &str| &firms[&format!("{id}律师事务所")];
    assert_eq!(
        (
            firm("L027")["n_lawyers"].as_str(),
            firm("L027")["n_competent"].as_str()
        ),
        ("1", "1")
    );
    assert_eq!(firm("L021")["n_not_competent"], "1");
    assert_eq!(firm("L023")["n_basically_competent"], "1");
    assert_eq!(firm("L020")["n_not_graded"], "1");
    let total: usize = firms
        .values()
        .map(|r| r["n_lawyers"].parse::<usize>().unwrap())
        .sum();
    assert_eq!(total, got.len());

    // Eligibility: the clean senior full-time lawyer is on the roster; the
    // identical grassroots worker (active, clean, senior) is not.
    let roster = rows(&d.join("out/internal/eligibility.csv"), "lawyer_id");
    assert!(roster.contains_key("L027"), "{:?}", roster.keys());
    assert!(!roster.contains_key("L028"), "{:?}", roster.keys());
}
