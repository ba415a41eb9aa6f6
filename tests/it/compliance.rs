//! The compliance flags K1–K5 (`data/case_compliance`, the 合规提示 sheet),
//! each on a case built for it alone, by a lawyer who trips no other flag.

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{Reader, Xlsx, open_workbook};

use crate::fixture::*;

fn lawyer(f: &mut Fixture, id: &str, gender: &str, licensed_on: &str, kind: &str) {
    f.sheet("lawyers").push(&[
        id,
        "测试",
        gender,
        "四川示例律师事务所",
        "",
        "锦江区",
        licensed_on,
        kind,
        "",
        "active",
    ]);
}

#[allow(clippy::too_many_arguments)]
fn case(
    f: &mut Fixture,
    id: &str,
    case_type: &str,
    lawyer: &str,
    assigned_on: &str,
    closed_on: &str,
    archived_on: &str,
    domestic_violence: &str,
) {
    let matter = if case_type == "criminal" {
        "trial"
    } else {
        "litigation"
    };
    f.sheet("cases").push(&[
        id,
        case_type,
        matter,
        lawyer,
        "锦江区法律援助中心",
        "锦江区",
        assigned_on,
        closed_on,
        archived_on,
        "虚构人",
        "510104199001019999",
        "",
        "false",
        domestic_violence,
        "mitigated",
    ]);
}

fn fixture() -> Fixture {
    let mut f = Fixture::valid();
    lawyer(&mut f, "L010", "M", "2010-01-01", "full_time");
    case(
        &mut f,
        "K2-CASE",
        "civil",
        "L010",
        "2024-03-01",
        "2024-05-01",
        "2024-05-10",
        "true",
    );
    lawyer(&mut f, "L011", "F", "2022-06-01", "full_time");
    case(
        &mut f,
        "K3-CASE",
        "criminal",
        "L011",
        "2024-03-01",
        "2024-05-01",
        "2024-05-10",
        "false",
    );
    lawyer(&mut f, "L012", "F", "2005-01-01", "grassroots");
    case(
        &mut f,
        "K4-CASE",
        "criminal",
        "L012",
        "2024-03-01",
        "2024-05-01",
        "2024-05-10",
        "false",
    );
    lawyer(&mut f, "L013", "F", "2005-01-01", "full_time");
    case(
        &mut f,
        "K1-CASE",
        "civil",
        "L013",
        "2024-01-10",
        "2024-03-01",
        "2024-06-01",
        "false",
    );
    // L014: a suspension in force makes N4; listed on 2024-05-21, then
    // given a case on 2024-06-01.
    lawyer(&mut f, "L014", "F", "2005-01-01", "full_time");
    case(
        &mut f,
        "K5-CASE",
        "civil",
        "L014",
        "2024-06-01",
        "2024-08-01",
        "2024-08-10",
        "false",
    );
    f.sheet("sanctions").push(&[
        "S014",
        "L014",
        "practice_suspended",
        "justice_bureau",
        "2024-04-01",
        "2025-04-01",
        "停止执业",
    ]);
    f
}

fn flags(dir: &Path) -> BTreeMap<String, String> {
    read_rejects(&dir.join("out/data/case_compliance.csv"))
        .into_iter()
        .map(|r| (r["case_id"].clone(), r["flags"].clone()))
        .collect()
}

fn run(dir: &Path, as_of: &str) {
    let out = legalaid(&["run", "pipeline.toml", "--as-of", as_of], dir);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

#[test]
fn each_flag_on_a_case_built_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fixture().write(d);
    run(d, "2024-05-01");
    run(d, "2024-05-21");
    run(d, "2024-12-31");
    let got = flags(d);
    for (case, code) in [
        ("K1-CASE", "K1"),
        ("K2-CASE", "K2"),
        ("K3-CASE", "K3"),
        ("K4-CASE", "K4"),
        ("K5-CASE", "K5"),
    ] {
        assert_eq!(
            got.get(case).map(String::as_str),
            Some(code),
            "{case}: {got:?}"
        );
    }
    // The sheet of the inspection workbook has the same rows.
    let mut wb: Xlsx<_> = open_workbook(d.join("out/internal/inspection.xlsx")).unwrap();
    assert!(wb.sheet_names().contains(&"合规提示".to_string()));
    let sheet = wb.worksheet_range("合规提示").unwrap();
    let cells: Vec<String> = sheet.cells().map(|(_, _, c)| c.to_string()).collect();
    for case in ["K1-CASE", "K2-CASE", "K3-CASE", "K4-CASE", "K5-CASE"] {
        assert!(cells.contains(&case.to_string()), "{case} not on the sheet");
    }
    // One labelled column per flag, marked 是 on the case that has it.
    let mut rows = sheet.rows().skip(legalaid::xlsx::HEADER_ROW as usize);
    let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    for (code, case) in [("K1", "K1-CASE"), ("K2", "K2-CASE"), ("K5", "K5-CASE")] {
        let col = header
            .iter()
            .position(|h| h.starts_with(&format!("{code} ")))
            .unwrap_or_else(|| panic!("no {code} column: {header:?}"));
        let row = sheet
            .rows()
            .find(|r| r.iter().any(|c| c.to_string().as_str() == case))
            .unwrap();
        assert_eq!(row[col].to_string(), "是", "{case}: {header:?}");
    }
    let notes = wb.worksheet_range("说明").unwrap();
    let notes: String = notes.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(notes.contains("执业不满3年"), "{notes}");
}

#[test]
fn the_junior_flag_follows_major_case_min_years() {
    let mut f = fixture();
    f.pipeline_extra = "[inspection]\nmajor_case_min_years = 1\n".into();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    f.write(d);
    run(d, "2024-12-31");
    let got = flags(d);
    assert_eq!(
        got.get("K3-CASE"),
        None,
        "1.75 years is enough at 1: {got:?}"
    );
    assert_eq!(got.get("K4-CASE").map(String::as_str), Some("K4"));
    let mut wb: Xlsx<_> = open_workbook(d.join("out/internal/inspection.xlsx")).unwrap();
    let notes = wb.worksheet_range("说明").unwrap();
    let notes: String = notes.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(notes.contains("执业不满1年"), "{notes}");
}
