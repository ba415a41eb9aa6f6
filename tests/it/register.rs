//! `legalaid register …` end to end: the real binary on a register file
//! prepared through the library (two runs of hand-made findings on the
//! fixture's lawyers), for history, objections, repair, annulment and notes,
//! including their refusals.

use legalaid::register::snapshot::{CreditFigures, CreditSnapshot, CreditWeights};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use legalaid::config::ListSettings;
use legalaid::register::{EvidenceStatus, LawyerInput, NegativeFinding, Register, RunInput, rule};

use crate::fixture::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn finding(rule: &'static str, ids: &[&str]) -> NegativeFinding {
    NegativeFinding {
        rule,
        firm: true,
        evidence: ids.iter().map(|s| s.to_string()).collect(),
        held_because: Vec::new(),
    }
}

/// L001: N1 on C001 (general); L002: N3 on K002 (serious); L003: N4 on S001
/// with the sanction in force and the licence revoked.
fn lawyers() -> Vec<LawyerInput> {
    let base = |id: &str| LawyerInput {
        lawyer_id: id.to_string(),
        negative: Vec::new(),
        positive: false,
        licence_revoked: false,
        n4_sanction_end: None,
        credit: CreditSnapshot::new(
            CreditFigures {
                lawyer_id: id.to_string(),
                tier: Some("C".into()),
                ..Default::default()
            },
            Vec::new(),
            CreditWeights::default(),
        ),
    };
    vec![
        LawyerInput {
            negative: vec![finding("N1", &["C001"])],
            ..base("L001")
        },
        LawyerInput {
            negative: vec![finding("N3", &["K002"])],
            ..base("L002")
        },
        LawyerInput {
            negative: vec![finding("N4", &["S001"])],
            n4_sanction_end: Some(d("2025-05-01")),
            licence_revoked: true,
            ..base("L003")
        },
    ]
}

fn run(register: &Path, as_of: &str) {
    let mut reg = Register::open(register).unwrap();
    let settings = ListSettings::default();
    let input = RunInput {
        run_id: &format!("run-{as_of}"),
        as_of: d(as_of),
        period_end: d("2024-12-31"),
        settings: &settings,
        lawyers: lawyers(),
        evidence: &|_: &str, _: &str| EvidenceStatus::Valid,
    };
    reg.apply_run(&input, false).unwrap();
}

/// The fixture's folder with a register in which every lawyer was proposed
/// on 2024-12-31 and, when `listed`, listed on 2025-01-16 (the first day
/// after the objection deadline).
fn setup(listed: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    Fixture::valid().write(dir.path());
    let register = dir.path().join("state/register.sqlite");
    run(&register, "2024-12-31");
    if listed {
        run(&register, "2025-01-16");
    }
    (dir, register)
}

fn ok(args: &[&str], dir: &Path) -> String {
    let out = legalaid(args, dir);
    assert!(
        out.status.success(),
        "{args:?}\n{}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

fn refused(args: &[&str], dir: &Path) -> String {
    let out = legalaid(args, dir);
    assert!(
        !out.status.success(),
        "{args:?} succeeded:\n{}",
        stdout(&out)
    );
    stderr(&out)
}

fn statuses(register: &Path) -> Vec<(String, String)> {
    Register::open(register)
        .unwrap()
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| (e.entry_id, e.status.to_string()))
        .collect()
}

#[test]
fn objection_lodged_then_upheld_withdraws_the_entry() {
    let (dir, register) = setup(false);
    let p = dir.path();
    let text = ok(
        &[
            "register",
            "object",
            "pipeline.toml",
            "L001",
            "--lodged",
            "--by",
            "张律师",
            "--reason",
            "该案正在复评",
            "--on",
            "2025-01-05",
        ],
        p,
    );
    assert!(text.contains("objection_lodged NEG-L001-1"), "{text}");
    // A pending objection blocks listing at the next run.
    run(&register, "2025-01-20");
    assert_eq!(
        statuses(&register)[0],
        ("NEG-L001-1".into(), "proposed".into())
    );
    let text = ok(
        &[
            "register",
            "object",
            "pipeline.toml",
            "L001",
            "--list",
            "negative",
            "--upheld",
            "--by",
            "王科长",
            "--reason",
            "复评为合格",
            "--on",
            "2025-01-25",
        ],
        p,
    );
    assert!(text.contains("is now 已撤回 withdrawn"), "{text}");
    let events = Register::open(&register)
        .unwrap()
        .history("L001")
        .unwrap()
        .1;
    let last = events.last().unwrap();
    assert_eq!(
        (
            last.kind.as_str(),
            last.actor.as_str(),
            last.reason.as_str(),
            last.date
        ),
        ("objection_upheld", "王科长", "复评为合格", d("2025-01-25"))
    );
}

#[test]
fn objection_refusals_and_missing_arguments() {
    let (dir, _) = setup(false);
    let p = dir.path();
    let err = refused(
        &[
            "register",
            "object",
            "pipeline.toml",
            "L001",
            "--rejected",
            "--by",
            "王",
            "--reason",
            "x",
            "--on",
            "2025-01-05",
        ],
        p,
    );
    assert!(err.contains("lodge one first"), "{err}");
    // --by, --on and one decision are required; a bad date is named.
    for args in [
        &[
            "register",
            "object",
            "pipeline.toml",
            "L001",
            "--lodged",
            "--reason",
            "x",
            "--on",
            "2025-01-05",
        ][..],
        &[
            "register",
            "object",
            "pipeline.toml",
            "L001",
            "--lodged",
            "--by",
            "a",
            "--reason",
            "x",
        ][..],
        &[
            "register",
            "object",
            "pipeline.toml",
            "L001",
            "--by",
            "a",
            "--reason",
            "x",
            "--on",
            "2025-01-05",
        ][..],
        &[
            "register",
            "object",
            "pipeline.toml",
            "L001",
            "--lodged",
            "--upheld",
            "--by",
            "a",
            "--reason",
            "x",
            "--on",
            "2025-01-05",
        ][..],
        &[
            "register",
            "note",
            "pipeline.toml",
            "L001",
            "--by",
            "a",
            "--on",
            "2025-01-05",
        ][..],
    ] {
        let out = legalaid(args, p);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let err = refused(
        &[
            "register",
            "note",
            "pipeline.toml",
            "L001",
            "--by",
            "a",
            "--text",
            "x",
            "--on",
            "05/01/2025x",
        ],
        p,
    );
    assert!(err.contains("05/01/2025x"), "{err}");
    let err = refused(
        &[
            "register",
            "note",
            "pipeline.toml",
            "L001",
            "--by",
            "a",
            "--text",
            "x",
            "--on",
            "2024-12-30",
        ],
        p,
    );
    assert!(
        err.contains("2024-12-30") && err.contains("2024-12-31"),
        "{err}"
    );
}

#[test]
fn repair_refused_before_its_minimum_period_with_the_date_then_allowed() {
    let (dir, register) = setup(true);
    let p = dir.path();
    let args = |on: &'static str| {
        [
            "register",
            "repair",
            "pipeline.toml",
            "L001",
            "--by",
            "王科长",
            "--reason",
            "已完成整改",
            "--on",
            on,
        ]
    };
    let err = refused(&args("2025-03-01"), p);
    assert!(err.contains("becomes possible on 2025-04-16"), "{err}");
    assert!(err.contains("NEG-L001-1"), "{err}");
    let text = ok(&args("2025-04-16"), p);
    assert!(
        text.contains("removed NEG-L001-1") && text.contains("removed"),
        "{text}"
    );
    assert!(statuses(&register).contains(&("NEG-L001-1".into(), "removed".into())));
}

#[test]
fn repair_reads_the_sanction_and_revocation_from_the_latest_snapshot() {
    let (dir, _) = setup(true);
    let p = dir.path();
    let err = refused(
        &[
            "register",
            "repair",
            "pipeline.toml",
            "L003",
            "--by",
            "王",
            "--reason",
            "r",
            "--on",
            "2026-06-01",
        ],
        p,
    );
    assert!(err.contains("revoked"), "{err}");
    // L002 (serious, listed 2025-01-16): 365 days.
    let err = refused(
        &[
            "register",
            "repair",
            "pipeline.toml",
            "L002",
            "--by",
            "王",
            "--reason",
            "r",
            "--on",
            "2025-06-01",
        ],
        p,
    );
    assert!(err.contains("possible on 2026-01-16"), "{err}");
}

#[test]
fn annul_note_and_history() {
    let (dir, register) = setup(true);
    let p = dir.path();
    let text = ok(
        &[
            "register",
            "annul",
            "pipeline.toml",
            "L002",
            "--list",
            "negative",
            "--by",
            "王科长",
            "--reason",
            "投诉决定被撤销",
            "--on",
            "2025-02-01",
        ],
        p,
    );
    assert!(text.contains("annulled NEG-L002-1"), "{text}");
    ok(
        &[
            "register",
            "note",
            "pipeline.toml",
            "L002",
            "--by",
            "李",
            "--text",
            "已书面告知律师",
            "--on",
            "2025-02-02",
        ],
        p,
    );
    let text = ok(&["register", "history", "pipeline.toml", "L002"], p);
    for needle in [
        "NEG-L002-1",
        "已撤销 annulled",
        "拟列入 proposed",
        "列入 listed",
        "投诉决定被撤销",
        "已书面告知律师",
        "pipeline",
        rule("N3").unwrap().zh,
        rule("N3").unwrap().en,
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    assert!(statuses(&register).contains(&("NEG-L002-1".into(), "annulled".into())));
    let err = refused(
        &[
            "register",
            "annul",
            "pipeline.toml",
            "L002",
            "--by",
            "王",
            "--reason",
            "again",
            "--on",
            "2025-02-03",
        ],
        p,
    );
    assert!(err.contains("annulled"), "{err}");
    let text = ok(&["register", "history", "pipeline.toml", "L999"], p);
    assert!(text.contains("nothing on this lawyer"), "{text}");
}

#[test]
fn commands_on_a_missing_register_say_so_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::valid().write(dir.path());
    let p = dir.path();
    let err = refused(&["register", "history", "pipeline.toml", "L001"], p);
    assert!(err.contains("does not exist yet"), "{err}");
    let err = refused(
        &[
            "register",
            "note",
            "pipeline.toml",
            "L001",
            "--by",
            "a",
            "--text",
            "x",
            "--on",
            "2025-01-01",
        ],
        p,
    );
    assert!(err.contains("does not exist yet"), "{err}");
    assert!(!p.join("state").exists());
}
