//! The output folder is ours alone: a run never replaces a folder that
//! legalaid did not write, nor one that holds its inputs or register, and no
//! input id writes a file outside the output folder.

use std::collections::BTreeSet;
use std::path::Path;

use crate::fixture::*;

/// Every file below `dir` (relative, `/`-separated).
fn files(dir: &Path) -> BTreeSet<String> {
    legalaid::output::list_files(dir)
        .unwrap()
        .into_iter()
        .collect()
}

#[test]
fn out_refuses_a_folder_legalaid_did_not_write() {
    let f = Fixture::valid();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    f.write(d);
    std::fs::create_dir(d.join("thesis")).unwrap();
    std::fs::write(d.join("thesis/chapter1.docx"), "years of work").unwrap();

    let out = legalaid(&["run", "pipeline.toml", "--out", "thesis"], d);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("thesis") && err.contains("chapter1.docx") && err.contains("--out"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("thesis/chapter1.docx")).unwrap(),
        "years of work"
    );
    // Refused before any work: the register was not even created.
    assert!(!d.join("state/register.sqlite").exists());

    // The folder holding the pipeline and inputs is refused whatever it holds.
    let out = legalaid(&["run", "pipeline.toml", "--out", "."], d);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("pipeline.toml"), "{}", stderr(&out));
    assert!(d.join("cases.csv").is_file());

    // An empty folder is taken, marked, and replaced by the next run.
    std::fs::create_dir(d.join("fresh")).unwrap();
    for _ in 0..2 {
        let out = legalaid(&["run", "pipeline.toml", "--out", "fresh"], d);
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
        assert!(d.join("fresh").join(legalaid::output::MARKER).is_file());
        assert!(d.join("fresh/public/index.html").is_file());
    }

    // The sample's --out follows the same rule.
    let out = legalaid(&["sample", "pipeline.toml", "--out", "thesis"], d);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(d.join("thesis/chapter1.docx").is_file());
}

#[test]
fn a_hostile_lawyer_id_writes_nothing_outside_its_folder() {
    // L002 gets an id that, used as a path, would overwrite the public
    // report; a substantiated complaint proposes it for the negative list,
    // so it gets a notice and a lawyer page.
    let hostile = "../../public/index";
    let mut f = Fixture::valid();
    for (_, sheet) in &mut f.tables {
        for row in &mut sheet.rows {
            for cell in row.iter_mut().filter(|c| *c == "L002") {
                *cell = hostile.to_string();
            }
        }
    }
    f.sheet("complaints").push(&[
        "K003",
        hostile,
        "C002",
        "2024-09-01",
        "took_money",
        "substantiated",
        "2024-10-01",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    f.write(d);
    let before = files(d);

    let out = legalaid(&["run", "pipeline.toml"], d);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));

    let name = legalaid::output::id_file_name(hostile, "html");
    assert!(!name.contains('/'), "{name}");
    let notice = d.join("out/internal/notices").join(&name);
    let notice_text = std::fs::read_to_string(&notice).expect("the notice, safely named");
    assert!(
        notice_text.contains("测试乙") && notice_text.contains("K003"),
        "the notice of this lawyer and complaint: {notice_text}"
    );
    assert!(d.join("out/internal/lawyers").join(&name).is_file());
    // The public report is the report, not the notice.
    let index = std::fs::read_to_string(d.join("out/public/index.html")).unwrap();
    assert!(!index.contains("K003") && !index.contains(hostile));
    // Nothing new outside out/ but the register.
    let new: Vec<_> = files(d)
        .difference(&before)
        .filter(|f| !f.starts_with("out/") && !f.starts_with("state/"))
        .cloned()
        .collect();
    assert!(new.is_empty(), "{new:?}");
}
