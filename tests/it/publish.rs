//! Publication: the public report, the published lists, the charts and the
//! internal reports, written by `legalaid::publish::publish` from a full
//! session (ingest, every model) and a hand-made register (until the
//! register is merged, its two tables are built here from the list-rule
//! models: firm negative rules listed, held ones held, positive lawyers
//! listed, and a few ended entries).
//!
//! Each privacy rule of `publication.md` has a test here or in
//! `src/publish/privacy.rs`: rule 1 by scanning every public file of a
//! generated data set with hostile strings, rule 2 by the internal pages,
//! rule 3 by the hand-made tables of the unit tests and the report's "—",
//! rule 4 by hostile names in HTML, CSV and XLSX, rule 5 by the run's
//! staging folder (`run.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Datelike, Duration, NaiveDate};
use datafusion::arrow::array::{Array, ArrayRef, Date32Array, Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;
use legalaid::models::{CREDIT_MODELS, MODELS, REGISTER_MODELS, run_models};
use legalaid::plan::{Plan, PlanOptions};
use legalaid::publish::{PublishSummary, charts, publish};

/// The repository root.
fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
}

/// A lawyer's negative rules: firm and held codes, and their evidence.
#[derive(Default)]
struct Rules {
    firm: Vec<String>,
    held: Vec<String>,
    evidence: Vec<String>,
}

/// One register entry of the hand-made register.
#[derive(Clone, Debug)]
struct Entry {
    id: String,
    lawyer: String,
    list: &'static str,
    status: &'static str,
    severity: Option<&'static str>,
    rules: String,
    proposed_on: Option<NaiveDate>,
    listed_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    removed_on: Option<NaiveDate>,
    evidence: String,
}

/// Builds `register_entries` and `register_events` from the list-rule
/// models: every lawyer with a firm negative rule is listed (20 days before
/// as-of), one with held rules only is held, every positive lawyer without
/// a negative entry is listed; then three lawyers with no entry get an
/// expired, an annulled and a removed entry (ended at as-of), one an old
/// expired entry (ended before the last publication), one a proposed and
/// one a withdrawn entry (never published).
async fn hand_made_register(ctx: &SessionContext, plan: &Plan) -> Vec<Entry> {
    let as_of = plan.as_of;
    let rows = ctx
        .sql(
            "select lawyer_id, rule, firm, evidence from int_negative_rules \
             order by lawyer_id, rule",
        )
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let mut negative: BTreeMap<String, Rules> = BTreeMap::new();
    for b in &rows {
        let col = |i: usize| {
            datafusion::arrow::compute::cast(b.column(i), &DataType::Utf8)
                .unwrap()
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap()
                .clone()
        };
        let (lawyer, rule, firm, evidence) = (col(0), col(1), col(2), col(3));
        for i in 0..b.num_rows() {
            let e = negative.entry(lawyer.value(i).to_string()).or_default();
            if firm.value(i) == "true" {
                e.firm.push(rule.value(i).to_string());
            } else {
                e.held.push(rule.value(i).to_string());
            }
            e.evidence.push(evidence.value(i).to_string());
        }
    }
    let positive = ctx
        .sql("select lawyer_id from int_positive_rules where positive order by lawyer_id")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let positive: Vec<String> = positive
        .iter()
        .flat_map(|b| {
            let a = b.column(0).as_any().downcast_ref::<StringArray>().unwrap();
            (0..a.len())
                .map(|i| a.value(i).to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let lawyers = ctx
        .sql("select lawyer_id from stg_lawyers order by lawyer_id")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let lawyers: Vec<String> = lawyers
        .iter()
        .flat_map(|b| {
            let a = b.column(0).as_any().downcast_ref::<StringArray>().unwrap();
            (0..a.len())
                .map(|i| a.value(i).to_string())
                .collect::<Vec<_>>()
        })
        .collect();

    let d = |n: i64| Some(as_of - Duration::days(n));
    let mut entries = Vec::new();
    for (
        lawyer,
        Rules {
            firm,
            held,
            evidence,
        },
    ) in &negative
    {
        let serious = firm.iter().any(|r| r == "N3" || r == "N4");
        if !firm.is_empty() {
            entries.push(Entry {
                id: format!("NEG-{lawyer}"),
                lawyer: lawyer.clone(),
                list: "negative",
                status: "listed",
                severity: Some(if serious { "serious" } else { "general" }),
                rules: firm.join(";"),
                proposed_on: d(40),
                listed_on: d(20),
                ends_on: Some(
                    as_of - Duration::days(20) + Duration::days(if serious { 1095 } else { 365 }),
                ),
                removed_on: None,
                evidence: evidence.join(";"),
            });
        } else {
            entries.push(Entry {
                id: format!("NEG-{lawyer}"),
                lawyer: lawyer.clone(),
                list: "negative",
                status: "held",
                severity: None,
                rules: held.join(";"),
                proposed_on: None,
                listed_on: None,
                ends_on: None,
                removed_on: None,
                evidence: evidence.join(";"),
            });
        }
    }
    for lawyer in positive.iter().filter(|l| !negative.contains_key(*l)) {
        entries.push(Entry {
            id: format!("POS-{lawyer}"),
            lawyer: lawyer.clone(),
            list: "positive",
            status: "listed",
            severity: None,
            rules: "P1;P2;P3;P4;P5".into(),
            proposed_on: d(40),
            listed_on: d(20),
            ends_on: d(20 - 365),
            removed_on: None,
            evidence: String::new(),
        });
    }
    let taken: BTreeSet<String> = entries.iter().map(|e| e.lawyer.clone()).collect();
    let free: Vec<&String> = lawyers.iter().filter(|l| !taken.contains(*l)).collect();
    // (tag, list, status, severity, rules, listed days before as-of, ended
    // days before as-of)
    type Extra = (
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static str,
        i64,
        i64,
    );
    let extra: [Extra; 6] = [
        ("EXP", "negative", "expired", Some("general"), "N2", 400, 0),
        ("ANN", "negative", "annulled", Some("serious"), "N3", 100, 0),
        ("REM", "positive", "removed", None, "P1;P2;P3;P4;P5", 380, 0),
        (
            "OLD",
            "negative",
            "expired",
            Some("general"),
            "N1",
            800,
            400,
        ),
        ("PRO", "negative", "proposed", Some("general"), "N2", 0, 0),
        ("WDR", "negative", "withdrawn", Some("general"), "N1", 0, 0),
    ];
    for ((tag, list, status, severity, rules, listed, removed), lawyer) in extra.iter().zip(free) {
        let listed_on = (*listed > 0).then(|| as_of - Duration::days(*listed));
        entries.push(Entry {
            id: format!("{tag}-{lawyer}"),
            lawyer: lawyer.clone(),
            list,
            status,
            severity: *severity,
            rules: rules.to_string(),
            proposed_on: Some(as_of - Duration::days(listed + 20)),
            listed_on,
            ends_on: listed_on.map(|l| l + Duration::days(365)),
            removed_on: match *status {
                "proposed" => None,
                _ => Some(as_of - Duration::days(*removed)),
            },
            evidence: String::new(),
        });
    }

    // Events: proposed and listed (run-a, run-b), ending (run-c), and a note
    // a year before as-of.
    struct Event {
        entry: Option<String>,
        lawyer: String,
        list: Option<&'static str>,
        kind: &'static str,
        date: NaiveDate,
        run: &'static str,
        rules: String,
        evidence: String,
    }
    let mut ev = vec![Event {
        entry: None,
        lawyer: entries[0].lawyer.clone(),
        list: None,
        kind: "note",
        date: as_of - Duration::days(365),
        run: "run-0",
        rules: String::new(),
        evidence: String::new(),
    }];
    for e in &entries {
        let event = |kind, date, run, evidence: &str| Event {
            entry: Some(e.id.clone()),
            lawyer: e.lawyer.clone(),
            list: Some(e.list),
            kind,
            date,
            run,
            rules: e.rules.clone(),
            evidence: evidence.to_string(),
        };
        if let Some(p) = e.proposed_on {
            ev.push(event("proposed", p, "run-a", &e.evidence));
        }
        if let Some(l) = e.listed_on {
            ev.push(event("listed", l, "run-b", &e.evidence));
        }
        if let Some(r) = e.removed_on {
            let kind = match e.status {
                "expired" => "expired",
                "annulled" => "annulled",
                "removed" => "removed",
                _ => "withdrawn",
            };
            ev.push(event(kind, r, "run-c", ""));
        }
    }
    ev.sort_by_key(|e| e.date);
    let date_array = |v: Vec<Option<NaiveDate>>| -> ArrayRef {
        Arc::new(Date32Array::from(
            v.into_iter().map(|d| d.map(days)).collect::<Vec<_>>(),
        ))
    };
    let text = |v: Vec<Option<String>>| -> ArrayRef { Arc::new(StringArray::from(v)) };
    let utf8 = |n: &str| Field::new(n, DataType::Utf8, true);
    let date = |n: &str| Field::new(n, DataType::Date32, true);
    let schema = Arc::new(Schema::new(vec![
        utf8("entry_id"),
        utf8("lawyer_id"),
        utf8("list"),
        utf8("status"),
        utf8("severity"),
        utf8("rules"),
        date("proposed_on"),
        date("listed_on"),
        date("ends_on"),
        date("removed_on"),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            text(entries.iter().map(|e| Some(e.id.clone())).collect()),
            text(entries.iter().map(|e| Some(e.lawyer.clone())).collect()),
            text(entries.iter().map(|e| Some(e.list.to_string())).collect()),
            text(entries.iter().map(|e| Some(e.status.to_string())).collect()),
            text(
                entries
                    .iter()
                    .map(|e| e.severity.map(str::to_string))
                    .collect(),
            ),
            text(entries.iter().map(|e| Some(e.rules.clone())).collect()),
            date_array(entries.iter().map(|e| e.proposed_on).collect()),
            date_array(entries.iter().map(|e| e.listed_on).collect()),
            date_array(entries.iter().map(|e| e.ends_on).collect()),
            date_array(entries.iter().map(|e| e.removed_on).collect()),
        ],
    )
    .unwrap();
    legalaid::session::register(ctx, "register_entries", schema, vec![batch]).unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("event_id", DataType::Int64, false),
        utf8("entry_id"),
        utf8("lawyer_id"),
        utf8("list"),
        utf8("kind"),
        date("date"),
        utf8("run_id"),
        utf8("actor"),
        utf8("reason"),
        utf8("rules"),
        utf8("evidence"),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from((1..=ev.len() as i64).collect::<Vec<_>>())),
            text(ev.iter().map(|e| e.entry.clone()).collect()),
            text(ev.iter().map(|e| Some(e.lawyer.clone())).collect()),
            text(ev.iter().map(|e| e.list.map(str::to_string)).collect()),
            text(ev.iter().map(|e| Some(e.kind.to_string())).collect()),
            date_array(ev.iter().map(|e| Some(e.date)).collect()),
            text(ev.iter().map(|e| Some(e.run.to_string())).collect()),
            text(ev.iter().map(|_| Some("pipeline".to_string())).collect()),
            text(
                ev.iter()
                    .map(|e| Some(format!("{} by the test register", e.kind)))
                    .collect(),
            ),
            text(ev.iter().map(|e| Some(e.rules.clone())).collect()),
            text(ev.iter().map(|e| Some(e.evidence.clone())).collect()),
        ],
    )
    .unwrap();
    legalaid::session::register(ctx, "register_events", schema, vec![batch]).unwrap();
    entries
}

/// A session with every model run and the hand-made register.
async fn session(pipeline: &Path, options: PlanOptions) -> (Plan, SessionContext, Vec<Entry>) {
    let plan = Plan::resolve(pipeline, &options).unwrap();
    let ingested = legalaid::validate(&plan, &mut legalaid::Quiet).unwrap();
    let ctx = legalaid::session::build(&plan, &ingested).unwrap();
    run_models(&ctx, MODELS).await.unwrap();
    run_models(&ctx, CREDIT_MODELS).await.unwrap();
    let entries = hand_made_register(&ctx, &plan).await;
    run_models(&ctx, REGISTER_MODELS).await.unwrap();
    (plan, ctx, entries)
}

/// Publishes the committed sample data set into `out`.
async fn publish_sample(out: &Path, lang: Option<&str>) -> (PublishSummary, Plan, Vec<Entry>) {
    let (plan, ctx, entries) = session(
        &repo().join("pipelines/chengdu-2024.toml"),
        PlanOptions {
            lang: lang.map(str::to_string),
            ..PlanOptions::default()
        },
    )
    .await;
    let summary = publish(&ctx, &plan, out).await.unwrap();
    (summary, plan, entries)
}

#[tokio::test]
async fn sample_report_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (summary, _, _) = publish_sample(dir.path(), None).await;
    for f in [
        "public/index.html",
        "public/positive-list.csv",
        "public/negative-list.xlsx",
        "public/charts/grade-distribution.png",
        "public/charts/grade-distribution.svg",
        "internal/panel.html",
        "internal/inspection.html",
        "internal/charts/reviewer-deviation.svg",
    ] {
        assert!(
            summary.files.iter().any(|x| x == f),
            "{f}: {:?}",
            summary.files
        );
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    if let Ok(keep) = std::env::var("LEGALAID_KEEP_REPORT") {
        let _ = std::fs::remove_dir_all(&keep);
        copy_dir(dir.path(), Path::new(&keep));
    }
    let _ = Datelike::year(&NaiveDate::MIN);
    let _ = charts::FAMILY;
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let t = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}
