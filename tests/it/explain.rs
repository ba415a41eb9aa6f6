//! `legalaid explain` through the binary (issue 16, item 4): the
//! register-resolved eligibility (the lawyer page's answer), the lawyer's
//! name, a lawyer found by name, several matches listed, and "no such
//! lawyer" told apart from "run the pipeline first".

use std::path::Path;

use crate::fixture::*;

fn explain(dir: &Path, who: &str) -> std::process::Output {
    legalaid(&["explain", "pipeline.toml", who], dir)
}

fn ok_text(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
    stdout(o)
}

/// Whether the lawyer page answers the eligibility question with `answer`.
fn page_says(dir: &Path, lawyer: &str, answer: &str) -> bool {
    let page =
        std::fs::read_to_string(dir.join(format!("out/internal/lawyers/{lawyer}.html"))).unwrap();
    let at = page
        .find("可承办重大疑难及刑事案件")
        .expect("the eligibility row");
    let cell = &page[at..];
    let cell = &cell[..cell.find("</tr>").unwrap_or(cell.len())];
    cell.contains(answer)
}

#[test]
fn explain_names_the_lawyer_and_gives_the_register_s_eligibility() {
    let mut f = Fixture::valid();
    // L001 took money: a negative entry proposed, then listed.
    push_took_money(&mut f, "K003", "L001", "C001");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    f.write(d);

    // No run yet: nothing to explain, and it says what to do.
    let none = explain(d, "L001");
    assert!(!none.status.success());
    assert!(
        stderr(&none).contains("run the pipeline first"),
        "{}",
        stderr(&none)
    );

    for as_of in ["2024-12-31", "2025-01-20"] {
        let run = legalaid(&["run", "pipeline.toml", "--as-of", as_of], d);
        ok_text(&run);
        let text = ok_text(&explain(d, "L001"));
        assert!(text.contains("测试甲"), "the name: {text}");
        assert!(
            text.contains("eligible for major cases: 否 no") && text.contains("NEG-L001-1"),
            "{as_of}: not eligible while the entry is open: {text}"
        );
        assert!(page_says(d, "L001", "否"), "the lawyer page agrees");
        let roster = std::fs::read_to_string(d.join("out/internal/eligibility.csv")).unwrap();
        assert!(!roster.contains("L001"), "{roster}");
    }
    // Listed on the second run; found by name as well.
    let by_name = ok_text(&explain(d, "测试甲"));
    assert!(by_name.contains("律师 lawyer L001 测试甲"), "{by_name}");
    assert!(by_name.contains("listed"), "{by_name}");

    // Without the complaint L001 is eligible: a plain yes, as on the page.
    let clean = tempfile::tempdir().unwrap();
    Fixture::valid().write(clean.path());
    ok_text(&legalaid(&["run", "pipeline.toml"], clean.path()));
    let text = ok_text(&explain(clean.path(), "L001"));
    assert!(text.contains("eligible for major cases: 是 yes"), "{text}");
    assert!(page_says(clean.path(), "L001", "是"));

    // A name several lawyers share (in part): the list to choose from.
    let several = ok_text(&explain(d, "测试"));
    assert!(several.contains("lawyers match"), "{several}");
    for id in ["L001", "L002", "L003"] {
        assert!(several.contains(id), "{id}: {several}");
    }

    // An unknown id is not "run the pipeline first".
    let unknown = explain(d, "L999");
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("no such lawyer: `L999`")
            && !stderr(&unknown).contains("run the pipeline first"),
        "{}",
        stderr(&unknown)
    );
}
