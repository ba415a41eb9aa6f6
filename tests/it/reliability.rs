//! Crashes, concurrent runs and private scratch (issue 15, defects 1–3).
//! A run killed at any named point (the test-only hook
//! `LEGALAID_TEST_ABORT_AT` aborts the process there, as `kill -9` would)
//! leaves the register unchanged or complete and the output folder the old
//! run's or the new one's; read-only commands work on what it left; the next
//! run finishes the job and publishes exactly what an uninterrupted run
//! does. Runs and register actions on one register take turns. Scratch and
//! staging folders are private and swept when their run died.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::fixture::*;

const CRASH_POINTS: [&str; 6] = [
    "after_ingest",
    "after_register",
    "before_commit",
    "after_commit",
    "during_swap",
    "before_cleanup",
];

/// The fixture with proposals on 2024-12-31 (L002 took money; L003 is under
/// a suspension) that are listed by a run on 2025-01-20.
fn fixture_dir() -> tempfile::TempDir {
    let mut f = Fixture::valid();
    f.sheet("complaints").push(&[
        "K003",
        "L002",
        "C002",
        "2024-09-01",
        "took_money",
        "substantiated",
        "2024-10-01",
    ]);
    let dir = tempfile::tempdir().unwrap();
    f.write(dir.path());
    std::fs::create_dir(dir.path().join("tmp")).unwrap();
    dir
}

/// `legalaid` in `dir` with TMPDIR pointed at `dir/tmp` (so the test sees
/// whatever would go to the system temp dir), optionally aborting at `point`.
fn command(dir: &Path, args: &[&str], point: Option<&str>) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("legalaid"));
    c.args(args).current_dir(dir).env("TMPDIR", dir.join("tmp"));
    c.env_remove(legalaid::owner::ABORT_AT);
    if let Some(p) = point {
        c.env(legalaid::owner::ABORT_AT, p);
    }
    c
}

fn run(dir: &Path, as_of: &str, point: Option<&str>) -> Output {
    command(dir, &["run", "pipeline.toml", "--as-of", as_of], point)
        .output()
        .unwrap()
}

fn ok(o: &Output) {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
}

/// Every file below `out` with its bytes (`generated_at` blanked in the
/// manifest); `None` when `out` is missing.
fn outputs(out: &Path) -> Option<BTreeMap<String, Vec<u8>>> {
    if !out.exists() {
        return None;
    }
    let files = legalaid::output::list_files(out).unwrap();
    Some(
        files
            .into_iter()
            .map(|f| {
                let bytes = std::fs::read(out.join(&f)).unwrap();
                let bytes = if f == "manifest.json" {
                    let text = String::from_utf8(bytes).unwrap();
                    let blank: String = text
                        .lines()
                        .map(|l| {
                            if l.trim_start().starts_with("\"generated_at\"") {
                                "\"generated_at\": \"\","
                            } else {
                                l
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("\n");
                    blank.into_bytes()
                } else {
                    bytes
                };
                (f, bytes)
            })
            .collect(),
    )
}

/// The register's events as (id, kind, lawyer, entry), read in-process.
fn events(dir: &Path) -> Vec<(i64, String, String, String)> {
    legalaid::register::Register::open_read_only(&dir.join("state/register.sqlite"))
        .unwrap()
        .events()
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.event_id,
                e.kind,
                e.lawyer_id,
                e.entry_id.unwrap_or_default(),
            )
        })
        .collect()
}

/// The published event log as (id, kind, lawyer, entry).
fn published_events(out: &Path) -> Vec<(i64, String, String, String)> {
    read_rejects(&out.join("data/register_events.csv"))
        .into_iter()
        .map(|r| {
            (
                r["event_id"].parse().unwrap(),
                r["kind"].clone(),
                r["lawyer_id"].clone(),
                r["entry_id"].clone(),
            )
        })
        .collect()
}

/// A note on L002 dated 2025-01-20.
fn note_args(text: &str) -> [&str; 10] {
    [
        "register",
        "note",
        "pipeline.toml",
        "L002",
        "--by",
        "法援中心甲",
        "--text",
        text,
        "--on",
        "2025-01-20",
    ]
}

/// Names in `dir` (not recursive), sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_crash_at_any_point_leaves_a_consistent_state_and_the_next_run_catches_up() {
    let base = fixture_dir();
    ok(&run(base.path(), "2024-12-31", None));
    let events_before = events(base.path());

    // The uninterrupted story: the run on 2025-01-20, then a rerun of it.
    let reference = tempfile::tempdir().unwrap();
    copy_dir(base.path(), reference.path());
    ok(&run(reference.path(), "2025-01-20", None));
    let events_after = events(reference.path());
    assert!(events_after.len() > events_before.len(), "the run lists");
    let once = outputs(&reference.path().join("out")).unwrap();
    ok(&run(reference.path(), "2025-01-20", None));
    let rerun = outputs(&reference.path().join("out")).unwrap();

    let old = outputs(&base.path().join("out")).unwrap();
    // Every point is checked; the problems of all of them are reported.
    let mut problems: Vec<String> = Vec::new();
    for point in CRASH_POINTS {
        if let Err(problem) = crash_at(
            point,
            base.path(),
            &events_before,
            &events_after,
            [&old, &once, &rerun],
        ) {
            problems.push(format!("{point}: {problem}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

type Outputs = BTreeMap<String, Vec<u8>>;
type Events = Vec<(i64, String, String, String)>;

/// Kills a run on 2025-01-20 at `point` in a copy of `base` and checks what
/// it left, what read-only commands make of it, and the next run.
fn crash_at(
    point: &str,
    base: &Path,
    events_before: &Events,
    events_after: &Events,
    [old, once, rerun]: [&Outputs; 3],
) -> Result<(), String> {
    let work = tempfile::tempdir().unwrap();
    let d = work.path();
    copy_dir(base, d);

    let crashed = run(d, "2025-01-20", Some(point));
    if crashed.status.signal() != Some(libc::SIGABRT) {
        return Err(format!(
            "the run was not killed there: {}",
            stderr(&crashed)
        ));
    }
    // Read-only commands work on whatever the crash left, and change nothing.
    for args in [
        &["register", "history", "pipeline.toml", "L002"][..],
        &["explain", "pipeline.toml", "L002"][..],
    ] {
        let o = command(d, args, None).output().unwrap();
        if !o.status.success() {
            return Err(format!("{args:?} failed: {}", stderr(&o)));
        }
    }
    let register = events(d);
    if register != *events_before && register != *events_after {
        return Err(format!(
            "the register is neither unchanged nor complete: {register:?}"
        ));
    }
    let now = outputs(&d.join("out"));
    if now.as_ref() != Some(old) && now.as_ref() != Some(once) {
        return Err(format!(
            "out/ is neither the old run's nor the new run's (missing: {})",
            now.is_none()
        ));
    }

    // The next run succeeds and publishes what the uninterrupted story
    // does: a rerun when the crashed run had committed, else the run.
    let next = run(d, "2025-01-20", None);
    if !next.status.success() {
        return Err(format!("the next run failed: {}", stderr(&next)));
    }
    let expected = if register == *events_after {
        rerun
    } else {
        once
    };
    let got = outputs(&d.join("out")).unwrap();
    let differing: Vec<_> = expected
        .keys()
        .chain(got.keys())
        .filter(|f| expected.get(*f) != got.get(*f))
        .collect();
    if !differing.is_empty() {
        return Err(format!("the next run's outputs differ: {differing:?}"));
    }
    if events(d) != *events_after {
        return Err("the register is not complete after the next run".into());
    }
    // Nothing is left behind: no staging or retired folder, no journal, no
    // scratch folder, nothing in the system temp dir.
    let hidden: Vec<_> = names(d)
        .into_iter()
        .filter(|n| n.starts_with('.'))
        .collect();
    let state = names(&d.join("state"));
    let scratch = names(&d.join("state/.legalaid-scratch"));
    let tmp = names(&d.join("tmp"));
    // The notices served by the first run, kept whole, and no half copy.
    let notices = names(&d.join("state/notices"));
    if !hidden.is_empty()
        || state
            != [
                ".legalaid-scratch",
                "notices",
                "register.sqlite",
                "register.sqlite.lock",
            ]
        || notices != ["2024-12-31"]
        || !scratch.is_empty()
        || !tmp.is_empty()
    {
        return Err(format!(
            "left behind: beside out/ {hidden:?}, state/ {state:?}, notices {notices:?}, \
             scratch {scratch:?}, temp {tmp:?}"
        ));
    }
    Ok(())
}

/// A writer killed in the middle of its commit leaves a hot rollback journal
/// (its header written, the database file partly overwritten): made here by
/// copying the files while a transaction that spilled its cache is open.
/// Read-only commands roll it back instead of failing with "attempt to
/// write a readonly database (776)"; the register is as before.
#[test]
fn read_only_commands_cope_with_a_hot_journal() {
    let base = fixture_dir();
    ok(&run(base.path(), "2024-12-31", None));
    let before = events(base.path());
    let register = base.path().join("state/register.sqlite");
    let conn = rusqlite::Connection::open(&register).unwrap();
    conn.pragma_update(None, "cache_size", 2).unwrap();
    conn.execute_batch(
        "BEGIN IMMEDIATE; CREATE TABLE spill (x BLOB); \
         INSERT INTO spill SELECT randomblob(4000) FROM \
         (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) \
          SELECT i FROM n);",
    )
    .unwrap();
    let crashed = tempfile::tempdir().unwrap();
    let d = crashed.path();
    copy_dir(base.path(), d);
    conn.execute_batch("ROLLBACK").unwrap();
    let journal = d.join("state/register.sqlite-journal");
    let header = std::fs::read(&journal).expect("a rollback journal");
    assert!(header[..8].iter().any(|b| *b != 0), "the journal is hot");

    for args in [
        &["register", "history", "pipeline.toml", "L002"][..],
        &["explain", "pipeline.toml", "L002"][..],
    ] {
        let o = command(d, args, None).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(
            stdout(&o).contains("NEG-L002-1"),
            "{args:?}: {}",
            stdout(&o)
        );
    }
    assert!(!journal.exists(), "rolled back");
    assert_eq!(events(d), before);
    ok(&run(d, "2025-01-20", None));
}

#[test]
fn two_runs_and_an_action_at_once_take_turns_and_publish_the_whole_log() {
    let base = fixture_dir();
    let d = base.path();
    ok(&run(d, "2024-12-31", None));
    let run_to = |out: &str| {
        command(
            d,
            &[
                "run",
                "pipeline.toml",
                "--as-of",
                "2025-01-20",
                "--out",
                out,
            ],
            None,
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
    };
    let a = run_to("out-a");
    let b = run_to("out-b");
    let note = command(d, &note_args("电话回访"), None)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    for child in [a, b, note] {
        let o = child.wait_with_output().unwrap();
        ok(&o);
        assert!(!stderr(&o).contains("database is locked"), "{}", stderr(&o));
    }
    // Each run published the register's log exactly as its own commit left
    // it: a prefix of the final log, ending at the count its manifest gives,
    // which holds every event of the other run and of the note that came
    // before it.
    let all = events(d);
    assert!(all.iter().any(|e| e.1 == "note"));
    assert!(all.iter().any(|e| e.1 == "listed"));
    for out in ["out-a", "out-b"] {
        let published = published_events(&d.join(out));
        let manifest: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(d.join(out).join("manifest.json")).unwrap(),
        )
        .unwrap();
        let after = manifest["register"]["events_after"].as_u64().unwrap() as usize;
        assert_eq!(published.len(), after, "{out}: {published:?}");
        assert_eq!(published, all[..after], "{out}");
        assert!(
            published.iter().any(|e| e.1 == "listed"),
            "{out}: both runs come after the listing: {published:?}"
        );
    }
}

/// Issue 15: two runs into the *same* output folder and a register action,
/// started together, three rounds. Whatever order the lock gives them, the
/// published `register_events` is the register: every event up to the
/// commit of the run whose folder is in place (its manifest's count), and
/// after that only notes that came later. Never a stale or mixed log.
#[test]
fn racing_runs_into_one_folder_publish_the_register() {
    let base = fixture_dir();
    let d = base.path();
    ok(&run(d, "2024-12-31", None));
    let spawn = |args: &[&str]| {
        command(d, args, None)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    for round in 0..3 {
        let run_args = ["run", "pipeline.toml", "--as-of", "2025-01-20"];
        let text = format!("电话回访 {round}");
        let children = [spawn(&run_args), spawn(&note_args(&text)), spawn(&run_args)];
        for child in children {
            let o = child.wait_with_output().unwrap();
            ok(&o);
            assert!(!stderr(&o).contains("database is locked"), "{}", stderr(&o));
        }
        let all = events(d);
        assert_eq!(all.iter().filter(|e| e.1 == "note").count(), round + 1);
        let out = d.join("out");
        let published = published_events(&out);
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap())
                .unwrap();
        let after = manifest["register"]["events_after"].as_u64().unwrap() as usize;
        assert_eq!(published.len(), after, "round {round}: {published:?}");
        assert_eq!(published, all[..after], "round {round}");
        assert!(
            all[after..].iter().all(|e| e.1 == "note"),
            "round {round}: only a later note may be missing: {:?}",
            &all[after..]
        );
        assert!(published.iter().any(|e| e.1 == "listed"), "round {round}");
        // the folder is one run's, whole: no staging or retired leftovers
        let leftovers: Vec<String> = names(d)
            .into_iter()
            .filter(|n| n.starts_with(".out."))
            .collect();
        assert!(leftovers.is_empty(), "round {round}: {leftovers:?}");
    }
}

#[test]
fn a_held_register_makes_others_wait_then_fail_saying_who_holds_it() {
    let base = fixture_dir();
    let d = base.path();
    ok(&run(d, "2024-12-31", None));
    let pipeline = d.join("pipeline.toml");
    let text = std::fs::read_to_string(&pipeline)
        .unwrap()
        .replace("[register]\n", "[register]\nlock_wait_seconds = 1\n");
    std::fs::write(&pipeline, text).unwrap();
    // Someone holds the register's lock (as a run does, for its whole run).
    let lock_path = d.join("state/register.sqlite.lock");
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&lock_path)
        .unwrap();
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a file this test owns.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);
    std::fs::write(
        &lock_path,
        "since 2025-01-20 09:00:00 UTC (pid 4242: legalaid run)\n",
    )
    .unwrap();
    for args in [
        &["run", "pipeline.toml", "--as-of", "2025-01-20"][..],
        &[
            "register",
            "note",
            "pipeline.toml",
            "L002",
            "--by",
            "甲",
            "--text",
            "x",
            "--on",
            "2025-01-20",
        ][..],
    ] {
        let o = command(d, args, None).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stdout(&o));
        let err = stderr(&o);
        assert!(
            err.contains("another run holds the register")
                && err.contains("since 2025-01-20 09:00:00 UTC (pid 4242: legalaid run)")
                && err.contains("lock_wait_seconds")
                && !err.contains("database is locked"),
            "{args:?}: {err}"
        );
    }
    // Reading needs no lock.
    let o = command(d, &["register", "history", "pipeline.toml", "L002"], None)
        .output()
        .unwrap();
    ok(&o);
    drop(lock);
    ok(&run(d, "2025-01-20", None));
}

#[test]
fn scratch_and_staging_are_private_and_swept_when_their_run_died() {
    let base = fixture_dir();
    let d = base.path();
    let root = d.join("state/.legalaid-scratch");
    // Killed after ingest: its scratch folder, under the pipeline's scratch
    // root beside the register, is private all the way down.
    let crashed = run(d, "2024-12-31", Some("after_ingest"));
    assert_eq!(
        crashed.status.signal(),
        Some(libc::SIGABRT),
        "{}",
        stderr(&crashed)
    );
    assert_eq!(mode(&root), 0o700);
    let left = names(&root);
    assert_eq!(left.len(), 1, "{left:?}");
    let scratch = root.join(&left[0]);
    let mut files = 0;
    fn walk(dir: &Path, files: &mut usize) {
        assert_eq!(mode(dir), 0o700, "{}", dir.display());
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, files);
            } else {
                assert_eq!(mode(&p), 0o600, "{}", p.display());
                *files += 1;
            }
        }
    }
    walk(&scratch, &mut files);
    assert!(files > 0, "the accepted rows are in the scratch folder");
    assert!(
        names(&d.join("tmp")).is_empty(),
        "{:?}",
        names(&d.join("tmp"))
    );

    // Killed with its outputs staged: the staging folder is private.
    let crashed = run(d, "2024-12-31", Some("before_commit"));
    assert_eq!(
        crashed.status.signal(),
        Some(libc::SIGABRT),
        "{}",
        stderr(&crashed)
    );
    let staging: Vec<PathBuf> = names(d)
        .iter()
        .filter(|n| n.starts_with(".out.staging-"))
        .map(|n| d.join(n))
        .collect();
    assert_eq!(staging.len(), 1, "{:?}", names(d));
    assert_eq!(mode(&staging[0]), 0o700);

    // Leftovers of a dead process beside the output and in the scratch
    // root, and a scratch folder of a live one.
    let dead = "2147483647-1-deadbeef";
    let dead_staging = d.join(format!(".out.staging-{dead}"));
    let dead_retired = d.join(format!(".out.retired-{dead}"));
    let dead_scratch = root.join(format!("legalaid-{dead}"));
    let live_scratch = root.join(format!("legalaid-{}", legalaid::owner::tag()));
    for dir in [&dead_staging, &dead_retired, &dead_scratch, &live_scratch] {
        std::fs::create_dir_all(dir.join("rejected")).unwrap();
        std::fs::write(dir.join("rejected/cases.csv"), "张三,510104199001011234").unwrap();
    }

    // The next run sweeps what dead runs left, never a live run's folder,
    // and publishes an output folder with the mode a new folder gets.
    ok(&run(d, "2024-12-31", None));
    assert!(!dead_staging.exists() && !dead_retired.exists() && !dead_scratch.exists());
    assert!(!staging[0].exists());
    assert_eq!(
        names(&root),
        [live_scratch.file_name().unwrap().to_str().unwrap()]
    );
    assert!(
        !names(d).iter().any(|n| n.starts_with(".out.")),
        "{:?}",
        names(d)
    );
    std::fs::create_dir(d.join("probe")).unwrap();
    assert_eq!(mode(&d.join("out")), mode(&d.join("probe")));
    assert!(
        names(&d.join("tmp")).is_empty(),
        "{:?}",
        names(&d.join("tmp"))
    );
}

/// A workbook that declares more XML than `[ingest] max_workbook_expanded`
/// is refused before it is inflated, naming the file and the setting.
#[test]
fn a_workbook_that_expands_past_the_limit_is_refused_unread() {
    let mut f = Fixture::valid();
    f.set_file("lawyers", "lawyers.xlsx");
    f.pipeline_extra = "[ingest]\nmax_workbook_expanded = \"1MiB\"\n".into();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 4 MiB of XML that deflates to a few KiB.
    let file = std::fs::File::create(d.join("lawyers.xlsx")).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    use std::io::Write;
    zip.write_all(&vec![b' '; 4 << 20]).unwrap();
    zip.finish().unwrap();
    assert!(std::fs::metadata(d.join("lawyers.xlsx")).unwrap().len() < 64 << 10);
    f.write(d);

    let o = command(d, &["validate", "pipeline.toml"], None)
        .output()
        .unwrap();
    assert!(!o.status.success(), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("lawyers.xlsx")
            && err.contains("4194304 bytes")
            && err.contains("max_workbook_expanded"),
        "{err}"
    );
}
