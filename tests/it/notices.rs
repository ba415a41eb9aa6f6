//! Notices are kept for good (issue 16, item 2): every notice a real run
//! serves is copied to `<notices_dir>/<as-of>/` beside the register as part
//! of the run's recoverable publication, and no later run deletes it.

use std::path::Path;

use crate::fixture::*;

/// The fixture with two proposals on 2024-12-31 (L002 took money; L003 is
/// under a suspension in force).
fn fixture_dir() -> tempfile::TempDir {
    let mut f = Fixture::valid();
    push_took_money(&mut f, "K003", "L002", "C002");
    let dir = tempfile::tempdir().unwrap();
    f.write(dir.path());
    dir
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["run", "pipeline.toml"];
    all.extend_from_slice(args);
    let o = legalaid(&all, dir);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    o
}

fn read_all(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    files_under(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

#[test]
fn notices_outlive_the_next_run_and_reruns_rewrite_nothing() {
    let dir = fixture_dir();
    let d = dir.path();
    let first = run(d, &[]);
    let kept = d.join("state/notices/2024-12-31");
    let kept_abs = kept.canonicalize().unwrap();
    assert!(
        stdout(&first).contains(&kept_abs.display().to_string()),
        "the summary says where the notices are: {}",
        stdout(&first)
    );
    let names: Vec<_> = files_under(&kept)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["L002.html", "L003.html"]);
    assert_eq!(
        std::fs::read(kept.join("L002.html")).unwrap(),
        std::fs::read(d.join("out/internal/notices/L002.html")).unwrap(),
        "the kept notice is the one the run wrote"
    );
    let served = read_all(&kept);

    // The same as-of again: the same folder, byte for byte, nothing added.
    let again = run(d, &[]);
    assert!(stdout(&again).contains(&kept_abs.display().to_string()));
    assert_eq!(read_all(&kept), served);
    assert_eq!(
        std::fs::read_dir(d.join("state/notices")).unwrap().count(),
        1
    );

    // Twenty days on the entries are listed and the output folder replaced:
    // the notices served on 2024-12-31 are still there, unchanged.
    let later = run(d, &["--as-of", "2025-01-20"]);
    assert!(!d.join("out/internal/notices/L002.html").exists());
    assert_eq!(read_all(&kept), served);
    assert!(
        !stdout(&later).contains("notices of proposals"),
        "no proposals, no notices line: {}",
        stdout(&later)
    );

    // A dry run keeps nothing: its notices are drafts in its own folder.
    let dry_dir = fixture_dir();
    let dry = run(dry_dir.path(), &["--dry-run"]);
    assert!(!dry_dir.path().join("state/notices").exists());
    assert!(stdout(&dry).contains("drafts"), "{}", stdout(&dry));
}

#[test]
fn a_run_killed_after_its_commit_keeps_its_notices_at_the_next_start() {
    let dir = fixture_dir();
    let d = dir.path();
    let crash = |point: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("legalaid"))
            .args(["run", "pipeline.toml"])
            .current_dir(d)
            .env(legalaid::owner::ABORT_AT, point)
            .output()
            .unwrap()
    };
    // Killed before the register committed: no notice is kept.
    assert!(!crash("before_commit").status.success());
    assert!(!d.join("state/notices").exists());
    // Killed after: the next start rolls forward and keeps them.
    assert!(!crash("after_commit").status.success());
    assert!(!d.join("state/notices/2024-12-31").exists());
    run(d, &["--as-of", "2025-01-20"]);
    assert!(d.join("state/notices/2024-12-31/L002.html").is_file());
    assert!(d.join("state/notices/2024-12-31/L003.html").is_file());
}

/// Issue 16 #10: a notice is a document that prints on A4. Headless
/// Chromium prints each kept notice to PDF: every page is A4 (595 × 842 pt)
/// and a notice fits on one page. The same notice without its `@page` rule
/// prints on Chromium's default US Letter, so the check can fail.
#[test]
fn a_kept_notice_prints_on_one_a4_page() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = fixture_dir();
    let d = dir.path();
    run(d, &[]);
    let tmp = tempfile::tempdir().unwrap();
    let print = |html: &str| -> Vec<(f64, f64)> {
        let page = tmp.path().join("notice.html");
        std::fs::write(&page, html).unwrap();
        let pdf = tmp.path().join("notice.pdf");
        let _ = std::fs::remove_file(&pdf);
        let out = headless(&browser)
            .args(["--no-pdf-header-footer"])
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap();
        let bytes = std::fs::read(&pdf)
            .unwrap_or_else(|_| panic!("no PDF: {}", String::from_utf8_lossy(&out.stderr)));
        media_boxes(&bytes)
    };
    let a4 = |(w, h): (f64, f64)| (w - 595.3).abs() < 2.0 && (h - 841.9).abs() < 2.0;
    let kept = files_under(&d.join("state/notices/2024-12-31"));
    assert_eq!(kept.len(), 2);
    for notice in &kept {
        let html = std::fs::read_to_string(notice).unwrap();
        let pages = print(&html);
        assert_eq!(pages.len(), 1, "{}: {pages:?}", notice.display());
        assert!(
            pages.iter().all(|p| a4(*p)),
            "{}: {pages:?}",
            notice.display()
        );
        let at = html.find("@page").expect("an @page rule");
        let rule_end = at + html[at..].find('}').unwrap() + 1;
        let unset = format!("{}{}", &html[..at], &html[rule_end..]);
        assert!(
            print(&unset).iter().all(|p| !a4(*p)),
            "without @page the paper is not A4"
        );
    }
}

/// The `/MediaBox` (width, height in points) of each page of a PDF as
/// Chromium writes it (page dictionaries are not compressed).
fn media_boxes(pdf: &[u8]) -> Vec<(f64, f64)> {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/MediaBox [")
        .map(|(at, m)| {
            let rest = &text[at + m.len()..];
            let n: Vec<f64> = rest[..rest.find(']').unwrap()]
                .split_whitespace()
                .map(|v| v.parse().unwrap())
                .collect();
            (n[2] - n[0], n[3] - n[1])
        })
        .collect()
}
