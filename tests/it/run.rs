//! `legalaid run` end to end on the fixture: the scored tables are written,
//! figures trace back to the score sheets, and the same inputs give
//! byte-identical outputs.

use std::collections::BTreeMap;

use crate::fixture::*;

fn read_csv(path: &std::path::Path) -> Vec<BTreeMap<String, String>> {
    read_rejects(path)
}

#[test]
fn run_writes_case_scores_traceable_to_the_sheets() {
    let f = Fixture::valid();
    let dir = tempfile::tempdir().unwrap();
    f.write(dir.path());
    let out = legalaid(&["run", "pipeline.toml"], dir.path());
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let data = dir.path().join("out/data");
    for t in ["case_scores", "reviewer_stats", "panel_agreement"] {
        assert!(data.join(format!("{t}.parquet")).is_file(), "{t}");
    }
    let scores = read_csv(&data.join("case_scores.csv"));
    // C001 (criminal, two reviews), C002 (civil, one review); C004 is outside
    // the period and C003 has no review.
    assert_eq!(
        scores
            .iter()
            .map(|r| r["case_id"].as_str())
            .collect::<Vec<_>>(),
        ["C001", "C002"]
    );

    // Recompute each review total from the fixture's rows.
    let reviews = &f.tables[3].1;
    let mut totals: BTreeMap<(String, String), (f64, f64)> = BTreeMap::new();
    for row in &reviews.rows {
        let case_type = if row[1] == "C001" {
            legalaid::rubric::CaseType::Criminal
        } else {
            legalaid::rubric::CaseType::Civil
        };
        let max = rubric(case_type).item(&row[4]).unwrap().max_points;
        let e = totals.entry((row[1].clone(), row[0].clone())).or_default();
        e.0 += row[5].parse::<f64>().unwrap();
        e.1 += max;
    }
    let per_case = |case: &str| -> Vec<f64> {
        totals
            .iter()
            .filter(|((c, _), _)| c == case)
            .map(|(_, (p, m))| 100.0 * p / m)
            .collect()
    };
    let c001 = per_case("C001");
    let median = (c001[0] + c001[1]) / 2.0;
    let row = &scores[0];
    assert_eq!(row["n_reviews"], "2");
    assert_eq!(
        row["score"].parse::<f64>().unwrap(),
        (median * 100.0).round() / 100.0
    );
    assert_eq!(row["rubric_version"], "cd-2024.1");
    assert_eq!(row["veto"], "false");
    assert_eq!(row["lawyer_id"], "L001");
    let c002 = per_case("C002")[0];
    assert_eq!(
        scores[1]["score"].parse::<f64>().unwrap(),
        (c002 * 100.0).round() / 100.0
    );
    assert_eq!(scores[1]["grade"], "qualified");
    assert_eq!(scores[1]["grade_label"], "合格");

    let stats = read_csv(&data.join("reviewer_stats.csv"));
    assert_eq!(
        stats
            .iter()
            .map(|r| r["reviewer_id"].as_str())
            .collect::<Vec<_>>(),
        ["R01", "R02", "R03"]
    );
    // R03 reviewed a single-review case only: no deviation
    assert_eq!(stats[2]["mean_deviation"], "");
    let agreement = read_csv(&data.join("panel_agreement.csv"));
    assert_eq!(agreement.len(), 3);
    assert!(
        agreement.iter().all(|r| r["alpha"].is_empty()),
        "fewer than 5 cases: no alpha"
    );

    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["inputs"]["reviews"]["rows_read"], 68);
    assert_eq!(manifest["inputs"]["cases"]["rows_out_of_period"], 1);
    assert!(
        manifest["outputs"]["data/case_scores.parquet"]
            .as_str()
            .unwrap()
            .len()
            == 64
    );
}

#[test]
fn same_inputs_give_identical_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let generated = legalaid(
        &[
            "generate",
            "--out",
            data.to_str().unwrap(),
            "--cases",
            "300",
            "--seed",
            "5",
        ],
        dir.path(),
    );
    assert!(generated.status.success(), "{}", stderr(&generated));
    let pipeline = data.join("pipeline.toml");
    let mut manifests = Vec::new();
    for out in ["a", "b"] {
        let o = legalaid(
            &["run", pipeline.to_str().unwrap(), "--out", out],
            dir.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let m: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(out).join("manifest.json")).unwrap(),
        )
        .unwrap();
        manifests.push(m);
    }
    assert_eq!(manifests[0]["outputs"], manifests[1]["outputs"]);
    assert_eq!(manifests[0]["run_id"], manifests[1]["run_id"]);
    for file in manifests[0]["outputs"].as_object().unwrap().keys() {
        let a = std::fs::read(dir.path().join("a").join(file)).unwrap();
        let b = std::fs::read(dir.path().join("b").join(file)).unwrap();
        assert!(a == b, "{file} differs");
    }
}

#[test]
fn failed_run_keeps_the_earlier_output() {
    let mut f = Fixture::valid();
    let dir = tempfile::tempdir().unwrap();
    f.write(dir.path());
    assert!(
        legalaid(&["run", "pipeline.toml"], dir.path())
            .status
            .success()
    );
    let before = std::fs::read(dir.path().join("out/data/case_scores.csv")).unwrap();
    // Now every lawyer is licensed in the future: too many rejects.
    for r in 0..3 {
        f.sheet("lawyers").set(r, "licensed_on", "2030-01-01");
    }
    std::fs::remove_file(dir.path().join("lawyers.csv")).unwrap();
    f.write(dir.path());
    let out = legalaid(&["run", "pipeline.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read(dir.path().join("out/data/case_scores.csv")).unwrap(),
        before
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty());
}

/// The run summary points to problems (issue 16, item 6): rejected rows per
/// table and where `rejected/` is; a case type whose panel agreement is
/// below alpha_hold, whose cases then do not count for N1/N2.
#[test]
fn the_summary_points_to_rejects_and_low_agreement() {
    let mut f = Fixture::valid();
    f.pipeline_extra =
        "[ingest]\nmax_reject_ratio = 0.5\n[reliability]\nalpha_min_cases = 1\n".into();
    f.sheet("feedback").set(0, "contacted_on", "2024-02-30");
    // A second civil review of C002 far from the first: civil alpha < 0.667.
    push_review(
        f.sheet("reviews"),
        "V009",
        "C002",
        "R02",
        legalaid::rubric::CaseType::Civil,
        0.3,
    );
    let dir = tempfile::tempdir().unwrap();
    f.write(dir.path());
    let out = legalaid(&["run", "pipeline.toml"], dir.path());
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    let rejected = dir.path().join("out/rejected").canonicalize().unwrap();
    assert!(
        text.contains("rejected rows (not used by this run): feedback 1;")
            && text.contains(&rejected.display().to_string()),
        "{text}"
    );
    assert!(
        text.contains("low panel agreement: civil cases")
            && text.contains("alpha_hold 0.667")
            && text.contains("held"),
        "{text}\n{}",
        std::fs::read_to_string(dir.path().join("out/data/panel_agreement.csv")).unwrap()
    );

    // A clean run says neither.
    let clean = tempfile::tempdir().unwrap();
    Fixture::valid().write(clean.path());
    let out = legalaid(&["run", "pipeline.toml"], clean.path());
    let text = stdout(&out);
    assert!(
        !text.contains("rejected rows") && !text.contains("low panel agreement"),
        "{text}"
    );
}

/// `--timings` names every stage of a run, in order (the manifest and the
/// commit too: both take seconds at national scale), and lines up the
/// seconds of every SQL model under its header.
#[test]
fn timings_name_every_stage_in_order() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::valid().write(dir.path());
    let out = legalaid(&["run", "pipeline.toml", "--timings"], dir.path());
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    let table = |header: &str| -> Vec<String> {
        text.lines()
            .skip_while(|l| !l.starts_with(header))
            .take_while(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    let stages: Vec<String> = table("stage ")
        .iter()
        .skip(1)
        .map(|l| l[..18].trim().to_string())
        .collect();
    let expected = [
        "ingest",
        "scoring",
        "digest inputs",
        "credit and lists",
        "publish",
        "write",
        "manifest",
        "commit",
    ];
    assert_eq!(stages, expected, "{text}");
    let models = table("SQL model");
    assert!(models.len() > 40, "{text}");
    assert!(models.iter().all(|l| l.len() == models[0].len()), "{text}");
}

/// `--sql-metrics DIR` writes the executed plan of every model that is
/// run (not of a view, which runs inside its readers), with its operators'
/// metrics. A folder that cannot be made, or one inside the output folder
/// (which the run replaces whole, plans included), stops the run before it
/// starts.
#[test]
fn sql_metrics_hold_every_models_executed_plan() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::valid().write(dir.path());
    let out = legalaid(
        &["run", "pipeline.toml", "--sql-metrics", "plans"],
        dir.path(),
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let mut written: Vec<String> = std::fs::read_dir(dir.path().join("plans"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    let mut expected: Vec<String> = legalaid::models::all_models()
        .filter(|m| !m.is_view())
        .map(|m| format!("{}.txt", m.name))
        .collect();
    expected.sort();
    assert_eq!(written, expected);
    let totals = std::fs::read_to_string(dir.path().join("plans/int_review_totals.txt")).unwrap();
    assert!(
        totals.starts_with("-- sql/int_review_totals.sql: the executed plan")
            && totals.contains("AggregateExec")
            && totals.contains("metrics=[output_rows="),
        "{totals}"
    );

    let blocked = tempfile::tempdir().unwrap();
    Fixture::valid().write(blocked.path());
    std::fs::write(blocked.path().join("plans"), "a file, not a folder").unwrap();
    let out = legalaid(
        &["run", "pipeline.toml", "--sql-metrics", "plans"],
        blocked.path(),
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("plans: "), "{}", stderr(&out));
    assert!(!blocked.path().join("out").exists());

    let inside = tempfile::tempdir().unwrap();
    Fixture::valid().write(inside.path());
    let args = [
        "run",
        "pipeline.toml",
        "--out",
        "out",
        "--sql-metrics",
        "out/plans",
    ];
    let out = legalaid(&args, inside.path());
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(
        message.contains("refusing to use this as the output folder")
            && message.contains("--sql-metrics folder"),
        "{message}"
    );
    assert!(!inside.path().join("out").exists());
}

/// `[engine] scheduler` needs a build with the cargo feature `ballista`;
/// without it the pipeline file is refused before anything runs.
#[cfg(not(feature = "ballista"))]
#[test]
fn a_scheduler_is_refused_by_a_build_without_ballista() {
    let mut f = Fixture::valid();
    f.pipeline_extra = "[engine]\nscheduler = \"df://localhost:50050\"\n".into();
    let dir = tempfile::tempdir().unwrap();
    f.write(dir.path());
    let out = legalaid(&["run", "pipeline.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(message.contains("[engine] scheduler"), "{message}");
    assert!(message.contains("built without Ballista"), "{message}");
    assert!(!dir.path().join("out").exists());
}
