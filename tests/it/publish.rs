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

use crate::fixture::{chromium, files_under, headless};

use chrono::{Datelike, Duration, NaiveDate};
use datafusion::arrow::array::{Array, ArrayRef, Date32Array, Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;
use legalaid::models::{
    CREDIT_MODELS, ModelResult, REGISTER_MODELS, REPORT_MODELS, Store, run_models, score,
};
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
    let mut ev: Vec<Event> = lawyers
        .first()
        .map(|lawyer| Event {
            entry: None,
            lawyer: lawyer.clone(),
            list: None,
            kind: "note",
            date: as_of - Duration::days(365),
            run: "run-0",
            rules: String::new(),
            evidence: String::new(),
        })
        .into_iter()
        .collect();
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
async fn session(pipeline: &Path, options: PlanOptions) -> (Plan, Vec<ModelResult>, Vec<Entry>) {
    let plan = Plan::resolve(pipeline, &options).unwrap();
    let ingested = legalaid::validate(&plan, &mut legalaid::Quiet).unwrap();
    let ctx = legalaid::session::build(&plan, &ingested).unwrap();
    let k_b = plan.settings.scoring.severity_prior_reviews;
    let (mut results, _) = score(&ctx, Store::Memory, k_b).await.unwrap();
    results.extend(run_models(&ctx, CREDIT_MODELS).await.unwrap());
    results.extend(run_models(&ctx, REPORT_MODELS).await.unwrap());
    let entries = hand_made_register(&ctx, &plan).await;
    results.extend(run_models(&ctx, REGISTER_MODELS).await.unwrap());
    (plan, results, entries)
}

/// The committed sample data set published once per language for every
/// test that only reads the result (charts are slow to draw in a debug
/// build). Lives in Cargo's temporary folder for integration tests.
fn shared_sample(lang: &'static str) -> &'static Path {
    static ZH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    static EN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let cell = if lang == "en" { &EN } else { &ZH };
    cell.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("publish-sample-{lang}"));
        let _ = std::fs::remove_dir_all(&dir);
        let out = dir.clone();
        // A runtime of its own: the caller's test runtime cannot block.
        std::thread::spawn(move || {
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(publish_sample(&out, Some(lang)));
        })
        .join()
        .unwrap();
        dir
    })
}

/// Publishes the committed sample data set into `out`.
async fn publish_sample(out: &Path, lang: Option<&str>) -> (PublishSummary, Plan, Vec<Entry>) {
    let (plan, results, entries) = session(
        &repo().join("pipelines/chengdu-2024.toml"),
        PlanOptions {
            lang: lang.map(str::to_string),
            ..PlanOptions::default()
        },
    )
    .await;
    let summary = publish(&plan, &results, out).unwrap();
    (summary, plan, entries)
}

// ---------------------------------------------------------------------------
// Helpers: files, CSV editing, entity decoding, HTML checks.

/// A CSV file as header and rows.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(path: &Path) -> Csv {
        let mut r = csv::Reader::from_path(path).unwrap();
        let header = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows = r
            .records()
            .map(|x| x.unwrap().iter().map(str::to_string).collect())
            .collect();
        Csv { header, rows }
    }

    fn write(&self, path: &Path) {
        let mut w = csv::Writer::from_path(path).unwrap();
        w.write_record(&self.header).unwrap();
        for r in &self.rows {
            w.write_record(r).unwrap();
        }
        w.flush().unwrap();
    }

    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap()
    }

    fn column(&self, name: &str) -> Vec<String> {
        let c = self.col(name);
        self.rows.iter().map(|r| r[c].clone()).collect()
    }
}

/// Decodes the character references HTML, SVG and XML use.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ if name.starts_with("#x") || name.starts_with("#X") => {
                    u32::from_str_radix(&name[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The visible text of an HTML page, one block per line, without the
/// stylesheet: what a reader sees, for golden files.
fn visible_text(html: &str) -> String {
    let body = match (html.find("</style>"), html.rfind("</html>")) {
        (Some(a), Some(b)) => &html[a + 8..b],
        _ => html,
    };
    let mut out = String::new();
    let mut rest = body;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find('>').map_or(rest.len(), |j| i + j + 1);
        let tag = &rest[i..j];
        let name: String = tag
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if matches!(
            name.as_str(),
            "p" | "li"
                | "tr"
                | "h1"
                | "h2"
                | "h3"
                | "caption"
                | "dt"
                | "dd"
                | "figcaption"
                | "section"
        ) {
            out.push('\n');
        } else if matches!(name.as_str(), "td" | "th") && !tag.starts_with("</") {
            out.push_str(" | ");
        } else if name == "span" || name == "a" {
            out.push(' ');
        } else if name == "img" {
            // Name the chart file: a golden file then notices a lost chart.
            if let Some(k) = tag.find("src=\"") {
                let src: String = tag[k + 5..].chars().take_while(|c| *c != '"').collect();
                out.push_str(&format!("[image {src}]"));
            }
        }
        rest = &rest[j..];
    }
    out.push_str(rest);
    decode_entities(&out)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty() && l != "|")
        .collect::<Vec<_>>()
        .join("\n")
}

/// Elements without an end tag.
const VOID: &[&str] = &[
    "meta", "img", "br", "hr", "link", "input", "col", "wbr", "source",
];

/// A validator-style check of one generated HTML page: a doctype; every
/// element closed in order (void elements aside); attributes double-quoted
/// with no `<` or `"` inside; every `&` a character reference; unique ids;
/// every `#` link to an existing id; every other `href`/`src` a relative
/// path to an existing file (no network fetch); text never contains a raw
/// `<` that is not a tag.
fn check_html(path: &Path, html: &str) -> Result<(), String> {
    let here = path.parent().unwrap();
    if !html.starts_with("<!DOCTYPE html>\n<html lang=\"") {
        return Err("no doctype or html lang".into());
    }
    let mut stack: Vec<String> = Vec::new();
    let mut ids = BTreeSet::new();
    let mut anchors = Vec::new();
    let mut rest = html;
    let mut offset = 0;
    let err = |at: usize, m: String| Err(format!("byte {at}: {m}"));
    while let Some(i) = rest.find('<') {
        let text = &rest[..i];
        if let Some(a) = text.find('&') {
            let t = &text[a..];
            let ok = t[1..]
                .find(';')
                .is_some_and(|e| e <= 10 && decode_entities(&t[..e + 2]) != t[..e + 2]);
            if !ok {
                return err(
                    offset + a,
                    format!("bare & in text: {}", &t[..t.len().min(20)]),
                );
            }
        }
        rest = &rest[i..];
        offset += i;
        if rest.starts_with("<!--") {
            let e = rest.find("-->").ok_or("unclosed comment")?;
            rest = &rest[e + 3..];
            offset += e + 3;
            continue;
        }
        if rest.starts_with("<!") {
            let e = rest.find('>').ok_or("unclosed doctype")?;
            rest = &rest[e + 1..];
            offset += e + 1;
            continue;
        }
        let end = rest.find('>').ok_or("unclosed tag")?;
        let tag = &rest[1..end];
        if tag.contains('<') {
            return err(offset, format!("`<` inside a tag: {tag}"));
        }
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name => {}
                other => return err(offset, format!("</{name}> closes {other:?}")),
            }
        } else {
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if name.is_empty() {
                return err(offset, format!("a `<` that starts no tag: {tag}"));
            }
            // Attributes: name="value" pairs, or bare names.
            let mut attrs = &tag[name.len()..];
            loop {
                attrs = attrs.trim_start();
                if attrs.is_empty() {
                    break;
                }
                let key: String = attrs
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                if key.is_empty() {
                    return err(offset, format!("bad attribute in <{tag}>"));
                }
                attrs = &attrs[key.len()..];
                if let Some(v) = attrs.strip_prefix("=\"") {
                    let close = v.find('"').ok_or("unclosed attribute")?;
                    let value = decode_entities(&v[..close]);
                    attrs = &v[close + 1..];
                    match key.as_str() {
                        "id" if !ids.insert(value.clone()) => {
                            return err(offset, format!("duplicate id {value}"));
                        }
                        "href" | "src" => {
                            if value.contains("//") || value.contains(':') {
                                return err(offset, format!("external reference {value}"));
                            }
                            if let Some(a) = value.strip_prefix('#') {
                                anchors.push(a.to_string());
                            } else {
                                let (file, fragment) =
                                    value.split_once('#').unwrap_or((value.as_str(), ""));
                                let target = here.join(file);
                                if !target.is_file() {
                                    return err(offset, format!("{key}={value} does not exist"));
                                }
                                // A link into another page names an id it has.
                                let id = format!("id=\"{fragment}\"");
                                if !fragment.is_empty()
                                    && !std::fs::read_to_string(&target)
                                        .is_ok_and(|t| t.contains(&id))
                                {
                                    return err(offset, format!("{key}={value}: no such id there"));
                                }
                            }
                        }
                        _ => {}
                    }
                } else if attrs.starts_with('=') {
                    return err(offset, format!("unquoted attribute {key} in <{tag}>"));
                }
            }
            if name == "style" {
                let close = rest.find("</style>").ok_or("unclosed style")?;
                rest = &rest[close + 8..];
                offset += close + 8;
                continue;
            }
            if !VOID.contains(&name.as_str()) {
                stack.push(name);
            }
        }
        rest = &rest[end + 1..];
        offset += end + 1;
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements at the end: {stack:?}"));
    }
    for a in anchors {
        if !ids.contains(&a) {
            return Err(format!("link to #{a}, which is no id"));
        }
    }
    Ok(())
}

/// The chunk types of a PNG file.
fn png_chunks(bytes: &[u8]) -> Vec<String> {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let mut out = Vec::new();
    let mut i = 8;
    while i + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
        out.push(String::from_utf8_lossy(&bytes[i + 4..i + 8]).to_string());
        i += 12 + len;
    }
    out
}

/// Every text cell of every sheet of a workbook.
fn xlsx_cells(path: &Path) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    let mut rows = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        rows.extend(range.rows().map(|r| r.to_vec()));
        let formulas = wb.worksheet_formula(&name).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{}: a formula cell",
            path.display()
        );
    }
    rows
}

/// The text of a public file as a reader or a program would see it.
fn readable_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let ext = path.extension().unwrap().to_string_lossy().to_string();
    match ext.as_str() {
        "html" | "svg" => decode_entities(&String::from_utf8(bytes).unwrap()),
        "csv" => {
            let text = String::from_utf8(bytes).unwrap();
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(text.as_bytes());
            let cells: Vec<String> = r
                .records()
                .flat_map(|rec| rec.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
                .collect();
            format!("{text}\n{}", cells.join("\n"))
        }
        "xlsx" => xlsx_cells(path)
            .iter()
            .flatten()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        "png" => {
            let chunks = png_chunks(&bytes);
            for c in &chunks {
                assert!(
                    matches!(c.as_str(), "IHDR" | "PLTE" | "IDAT" | "IEND"),
                    "{}: PNG chunk {c} (metadata) is not expected",
                    path.display()
                );
            }
            String::from_utf8_lossy(&bytes).to_string()
        }
        // The web font's licence, and the font: the text of its bytes. (Its
        // names are the shipped font's, in UTF-16, which is not decoded:
        // glyph data read as UTF-16 gives random Chinese characters. What
        // the font holds from the run is which characters the public pages
        // use, and the pages are scanned themselves.)
        "txt" => String::from_utf8(bytes).unwrap(),
        "ttf" => String::from_utf8_lossy(&bytes).to_string(),
        other => panic!("unexpected public file type {other}: {}", path.display()),
    }
}

/// Many strings to look for at once: every substring of the text with the
/// length (in characters) of some needle is looked up in a hash map.
struct Needles {
    by_len: BTreeMap<usize, std::collections::HashMap<String, String>>,
}

impl Needles {
    fn new(needles: &[(&str, String, bool)]) -> Needles {
        let mut by_len: BTreeMap<usize, std::collections::HashMap<String, String>> =
            BTreeMap::new();
        for (kind, v, _) in needles {
            by_len
                .entry(v.chars().count())
                .or_default()
                .insert(v.clone(), kind.to_string());
        }
        Needles { by_len }
    }

    /// Every needle found in `text`, as "kind value".
    fn find_in(&self, text: &str) -> BTreeSet<String> {
        let starts: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()))
            .collect();
        let mut found = BTreeSet::new();
        for (len, set) in &self.by_len {
            for w in starts.windows(len + 1) {
                if let Some(kind) = set.get(&text[w[0]..w[*len]]) {
                    found.insert(format!("{kind} {}", &text[w[0]..w[*len]]));
                }
            }
        }
        found
    }
}

// ---------------------------------------------------------------------------
// A generated data set with hostile strings.

/// What was injected into the generated data set.
struct Hostile {
    dir: tempfile::TempDir,
    out: PathBuf,
    summary: PublishSummary,
    /// The lawyer with a `<script>` name and a formula-like firm, whose
    /// sanction summary names a recipient.
    script_lawyer: String,
    script_name: String,
    formula_firm: String,
    dropped_sanction: String,
    /// The lawyer whose (clean) sanction summary is formula-like.
    formula_lawyer: String,
    formula_summary: String,
    /// Unique markers put into recipient names, notes and a reviewer name.
    markers: Vec<String>,
}

const SCRIPT_NAME: &str = "<script>alert('王')</script>王某某";
const FORMULA_FIRM: &str = "=HYPERLINK(\"http://evil.example/\",\"点此\")律师事务所";
const FORMULA_SUMMARY: &str = "=1+1 <b>违规收费</b> & 拒不改正";

async fn hostile_run(cases: u64) -> Hostile {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    legalaid::generate::generate(
        &legalaid::generate::GenerateOptions::new(&data, cases, 7),
        &mut |_| {},
    )
    .unwrap();

    let mut lawyers = Csv::read(&data.join("lawyers.csv"));
    let active: Vec<usize> = (0..lawyers.rows.len())
        .filter(|&i| lawyers.rows[i][lawyers.col("status")] == "active")
        .collect();
    let (a, b) = (active[0], active[1]);
    let (id_c, name_c, firm_c, firm_id_c) = (
        lawyers.col("lawyer_id"),
        lawyers.col("name"),
        lawyers.col("law_firm"),
        lawyers.col("firm_id"),
    );
    lawyers.rows[a][name_c] = SCRIPT_NAME.into();
    lawyers.rows[a][firm_c] = FORMULA_FIRM.into();
    lawyers.rows[a][firm_id_c] = String::new();
    let script_lawyer = lawyers.rows[a][id_c].clone();
    let formula_lawyer = lawyers.rows[b][id_c].clone();
    lawyers.rows[b][name_c] = "@林某".into();
    lawyers.write(&data.join("lawyers.csv"));

    let mut cases_csv = Csv::read(&data.join("cases.csv"));
    let mut markers = Vec::new();
    let rn = cases_csv.col("recipient_name");
    for (k, i) in [5usize, 17, 29].into_iter().enumerate() {
        let m = format!("受援标记{}号<i>", ["甲", "乙", "丙"][k]);
        cases_csv.rows[i][rn] = m.clone();
        markers.push(m);
    }
    let recipient = cases_csv.rows[40][rn].clone();
    cases_csv.write(&data.join("cases.csv"));

    let mut reviewers = Csv::read(&data.join("reviewers.csv"));
    let m = "评审标记<img src=x onerror=alert(1)>".to_string();
    let c = reviewers.col("name");
    reviewers.rows[0][c] = m.clone();
    markers.push(m);
    reviewers.write(&data.join("reviewers.csv"));

    let mut reviews = Csv::read(&data.join("reviews.csv"));
    let note = reviews.col("note");
    let m = "评语标记：受援人称律师未会见".to_string();
    for i in [3usize, 300, 3000] {
        if i < reviews.rows.len() {
            reviews.rows[i][note] = m.clone();
        }
    }
    markers.push(m);
    reviews.write(&data.join("reviews.csv"));

    let mut sanctions = Csv::read(&data.join("sanctions.csv"));
    let dropped_sanction = "CF-TEST-0001".to_string();
    sanctions.rows.push(vec![
        dropped_sanction.clone(),
        script_lawyer.clone(),
        "public_censure".into(),
        "bar_association".into(),
        "2024-11-30".into(),
        String::new(),
        format!("经查向受援人{recipient}收取财物"),
        String::new(),
    ]);
    sanctions.rows.push(vec![
        "CF-TEST-0002".into(),
        formula_lawyer.clone(),
        "public_censure".into(),
        "bar_association".into(),
        "2024-11-30".into(),
        String::new(),
        FORMULA_SUMMARY.into(),
        String::new(),
    ]);
    sanctions.write(&data.join("sanctions.csv"));

    let (plan, results, _) = session(&data.join("pipeline.toml"), PlanOptions::default()).await;
    let out = dir.path().join("out");
    let summary = publish(&plan, &results, &out).unwrap();
    Hostile {
        dir,
        out,
        summary,
        script_lawyer,
        script_name: SCRIPT_NAME.into(),
        formula_firm: FORMULA_FIRM.into(),
        dropped_sanction,
        formula_lawyer,
        formula_summary: FORMULA_SUMMARY.into(),
        markers,
    }
}

/// Public text that legitimately contains words: lawyers' names and firms,
/// districts, rubric and rule texts, the reports' own words, the sanction
/// summaries. A recipient or reviewer name or a note found inside it could
/// not be told apart from it, so the scan exempts such (rare) collisions.
fn legitimate_corpus(data: &Path) -> String {
    let mut corpus = String::new();
    let lawyers = Csv::read(&data.join("lawyers.csv"));
    for c in ["name", "law_firm", "district"] {
        corpus.extend(lawyers.column(c).into_iter().map(|s| s + "\n"));
    }
    let cases = Csv::read(&data.join("cases.csv"));
    corpus.extend(cases.column("district").into_iter().map(|s| s + "\n"));
    let sanctions = Csv::read(&data.join("sanctions.csv"));
    corpus.extend(sanctions.column("summary").into_iter().map(|s| s + "\n"));
    for r in legalaid::rubric::default_rubrics() {
        corpus.push_str(&format!("{} {:?}\n", r.title, r.title_en));
        for it in &r.items {
            corpus.push_str(&format!("{}\n{}\n", it.text, it.text_en));
        }
        for st in &r.stages {
            corpus.push_str(&format!("{}\n{}\n", st.name, st.name_en));
        }
    }
    for (_, zh, en) in legalaid::publish::i18n::STRINGS {
        corpus.push_str(&format!("{zh}\n{en}\n"));
    }
    for r in legalaid::publish::lists::list_rules(&Default::default()) {
        corpus.push_str(&format!("{}\n{}\n", r.zh, r.en));
    }
    corpus.push_str("成都市法律援助中心\n");
    corpus
}

#[tokio::test]
async fn no_recipient_case_or_reviewer_data_reaches_public_files() {
    let h = hostile_run(3000).await;
    let data = h.dir.path().join("data");
    let corpus = legitimate_corpus(&data);
    let cases = Csv::read(&data.join("cases.csv"));
    let reviewers = Csv::read(&data.join("reviewers.csv"));
    let reviews = Csv::read(&data.join("reviews.csv"));
    assert!(cases.rows.len() >= 3000);

    // (kind, value, exempt when found in the legitimate corpus)
    let mut needles: Vec<(&str, String, bool)> = Vec::new();
    let nonempty = |v: Vec<String>| -> BTreeSet<String> {
        v.into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    for v in nonempty(cases.column("recipient_name")) {
        needles.push(("recipient name", v, true));
    }
    for v in nonempty(cases.column("recipient_id_no")) {
        needles.push(("identity number", v, false));
    }
    for v in nonempty(cases.column("case_id")) {
        needles.push(("case id", v, false));
    }
    for v in nonempty(reviewers.column("name")) {
        needles.push(("reviewer name", v, true));
    }
    for v in nonempty(reviews.column("note")) {
        needles.push(("review note", v, true));
    }
    let mut exempt = Vec::new();
    needles.retain(|(kind, v, may)| {
        let collides = *may && corpus.contains(v.as_str());
        if collides {
            exempt.push(format!("{kind} {v}"));
        }
        !collides
    });
    for m in &h.markers {
        assert!(
            needles.iter().any(|(_, v, _)| v == m),
            "marker {m} is scanned"
        );
    }
    // Collisions with lawyers' names are expected (one name generator), but
    // they must stay few, or the scan would prove little.
    assert!(
        exempt.len() * 20 < needles.len(),
        "{} of {} exempt: {exempt:?}",
        exempt.len(),
        needles.len()
    );

    let index = Needles::new(&needles);
    // The scanner finds what it looks for (a positive control).
    for (_, v, _) in needles
        .iter()
        .step_by(997)
        .chain(needles.iter().rev().take(3))
    {
        assert!(!index.find_in(&format!("前{v}后")).is_empty(), "{v}");
    }
    eprintln!(
        "scanning for {} values; {} exempt as collisions with public words",
        needles.len(),
        exempt.len()
    );
    let files = files_under(&h.out.join("public"));
    assert!(files.len() >= 14, "{files:?}");
    let mut found = Vec::new();
    for f in &files {
        let text = readable_text(f);
        found.extend(
            index
                .find_in(&text)
                .into_iter()
                .map(|x| format!("{}: {x}", f.display())),
        );
    }
    assert!(
        found.is_empty(),
        "identifying data in public files: {found:#?}"
    );

    // The internal pages show recipients only masked: no identity number,
    // no marked recipient name in full, and the masks where they belong.
    let private: Vec<(&str, String, bool)> = needles
        .iter()
        .filter(|(kind, v, _)| {
            *kind == "identity number" || (*kind == "recipient name" && h.markers.contains(v))
        })
        .cloned()
        .collect();
    let private = Needles::new(&private);
    let mut masked_seen = 0;
    for f in files_under(&h.out.join("internal"))
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "html"))
    {
        let text = decode_entities(&std::fs::read_to_string(f).unwrap());
        let hits = private.find_in(&text);
        assert!(hits.is_empty(), "{}: {hits:?}", f.display());
        for m in &h.markers {
            if text.contains(&legalaid::publish::privacy::mask_name(m)) {
                masked_seen += 1;
            }
        }
    }
    assert!(
        masked_seen > 0,
        "the marked recipients appear masked on some page"
    );
}

#[tokio::test]
async fn hostile_names_are_escaped_and_formula_cells_neutralised() {
    let h = hostile_run(1500).await;
    let public = h.out.join("public");

    // The summary naming a recipient was left out, with a warning naming
    // the sanction (and nothing identifying).
    let warning = h
        .summary
        .warnings
        .iter()
        .find(|w| w.contains(&h.dropped_sanction))
        .unwrap_or_else(|| panic!("no warning: {:?}", h.summary.warnings));
    assert!(warning.contains(&h.script_lawyer), "{warning}");

    // HTML: escaped, never markup.
    for f in files_under(&public)
        .iter()
        .chain(files_under(&h.out.join("internal")).iter())
    {
        let ext = f.extension().unwrap().to_string_lossy().to_string();
        if ext != "html" && ext != "svg" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap().to_lowercase();
        assert!(!text.contains("<script"), "{}", f.display());
        assert!(!text.contains("<img src=x"), "{}", f.display());
        assert!(!text.contains("<b>违规"), "{}", f.display());
        assert!(!text.contains("<i>"), "{}", f.display());
    }
    let index = std::fs::read_to_string(public.join("index.html")).unwrap();
    assert!(
        index.contains("&lt;script&gt;alert("),
        "the hostile name is shown, escaped"
    );
    assert_eq!(
        decode_entities(&index)
            .matches(h.script_name.as_str())
            .count(),
        1
    );
    let negative_html =
        decode_entities(&std::fs::read_to_string(public.join("negative-list.html")).unwrap());
    assert!(negative_html.contains(&h.script_name));
    assert!(negative_html.contains(&h.formula_firm));
    assert!(negative_html.contains(&h.formula_summary));

    // CSV: formula-like text neutralised with an apostrophe; numbers plain.
    let csv = Csv::read(&public.join("negative-list.csv"));
    let (lic, firm, years, summary, name) = (
        csv.col("执业证号"),
        csv.col("律师事务所"),
        csv.col("执业年限（年）"),
        csv.col("处分事由摘要"),
        csv.col("姓名"),
    );
    let row = |id: &str| {
        csv.rows
            .iter()
            .find(|r| r[lic] == id)
            .unwrap_or_else(|| panic!("{id} is listed"))
            .clone()
    };
    let a = row(&h.script_lawyer);
    assert_eq!(a[firm], format!("'{}", h.formula_firm));
    assert_eq!(
        a[name], h.script_name,
        "a name starting with < is not formula-like"
    );
    assert!(
        a[summary].is_empty(),
        "the summary naming a recipient is left out"
    );
    assert!(a[years].parse::<u32>().is_ok(), "{:?}", a[years]);
    let b = row(&h.formula_lawyer);
    assert_eq!(b[summary], format!("'{}", h.formula_summary));
    assert_eq!(b[name], "'@林某");

    // XLSX: the same text as string cells (no formula anywhere), years as
    // numbers, dates as dates.
    let cells = xlsx_cells(&public.join("negative-list.xlsx"));
    let header: Vec<String> = cells[0].iter().map(|c| c.to_string()).collect();
    let at = |h: &str| header.iter().position(|x| x == h).unwrap();
    let xa = cells
        .iter()
        .find(|r| r[at("执业证号")].to_string() == h.script_lawyer)
        .unwrap();
    assert_eq!(
        xa[at("律师事务所")],
        calamine::Data::String(h.formula_firm.clone())
    );
    assert!(
        matches!(xa[at("执业年限（年）")], calamine::Data::Float(_)),
        "{:?}",
        xa
    );
    assert!(
        matches!(xa[at("列入日期")], calamine::Data::DateTime(_)),
        "{:?}",
        xa[at("列入日期")]
    );
    let xb = cells
        .iter()
        .find(|r| r[at("执业证号")].to_string() == h.formula_lawyer)
        .unwrap();
    assert_eq!(
        xb[at("处分事由摘要")],
        calamine::Data::String(h.formula_summary.clone())
    );
}

// ---------------------------------------------------------------------------
// The committed sample data set: golden files, lists, charts, HTML,
// reproducibility.

#[tokio::test]
async fn published_lists_hold_only_listed_entries_in_district_pinyin_licence_order() {
    let dir = tempfile::tempdir().unwrap();
    let (summary, plan, entries) = publish_sample(dir.path(), None).await;
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    let public = dir.path().join("public");
    let lawyers = Csv::read(&repo().join("sample_data/lawyers.csv"));
    let district_of: BTreeMap<String, String> = lawyers
        .column("lawyer_id")
        .into_iter()
        .zip(lawyers.column("district"))
        .collect();
    for list in ["negative", "positive"] {
        let csv = Csv::read(&public.join(format!("{list}-list.csv")));
        let expected_columns: Vec<&str> = if list == "negative" {
            vec![
                "姓名",
                "执业证号",
                "律师事务所",
                "区（市）县",
                "执业年限（年）",
                "清单",
                "规则代码",
                "列入依据",
                "处分种类",
                "处分事由摘要",
                "列入日期",
                "期满日期",
                "决定机关",
            ]
        } else {
            vec![
                "姓名",
                "执业证号",
                "律师事务所",
                "区（市）县",
                "执业年限（年）",
                "清单",
                "规则代码",
                "列入依据",
                "列入日期",
                "期满日期",
                "决定机关",
            ]
        };
        // The reader strips the byte-order mark.
        assert_eq!(csv.header, expected_columns, "{list}");
        let listed: BTreeSet<String> = entries
            .iter()
            .filter(|e| e.list == list && e.status == "listed")
            .map(|e| e.lawyer.clone())
            .collect();
        let published: BTreeSet<String> = csv.column("执业证号").into_iter().collect();
        assert_eq!(published, listed, "{list}: exactly the listed entries");
        let key = |r: &Vec<String>| {
            (
                legalaid::publish::lists::collation_key(&r[3], false),
                legalaid::publish::lists::collation_key(&r[0], true),
                r[0].clone(),
                r[1].clone(),
            )
        };
        let keys: Vec<_> = csv.rows.iter().map(key).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{list}: district, pinyin name, licence");
        for r in &csv.rows {
            assert_eq!(r[3], district_of[&r[1]]);
            assert_eq!(r[r.len() - 1], plan.settings.publication.deciding_body);
            if list == "negative" && r[6].contains("N4") {
                assert!(!r[8].is_empty(), "N4 shows the sanction kind: {r:?}");
            }
            if list == "positive" {
                assert_eq!(r[6], "P1;P2;P3;P4;P5");
            }
        }
        let html = std::fs::read_to_string(public.join(format!("{list}-list.html"))).unwrap();
        for id in &published {
            assert!(html.contains(id.as_str()));
        }
    }
    // Proposed, held and withdrawn entries are nowhere in public/.
    let index = std::fs::read_to_string(public.join("index.html")).unwrap();
    for e in entries
        .iter()
        .filter(|e| matches!(e.status, "proposed" | "held" | "withdrawn"))
    {
        for f in files_under(&public) {
            if matches!(f.extension().and_then(|x| x.to_str()), Some("html" | "csv")) {
                let text = std::fs::read_to_string(&f).unwrap();
                assert!(!text.contains(&e.lawyer), "{} in {}", e.id, f.display());
            }
        }
    }
    // Ended since the last publication: expired, removed and annulled (as a
    // correction); not the one that ended before it.
    for (tag, shown) in [("EXP", true), ("ANN", true), ("REM", true), ("OLD", false)] {
        let e = entries.iter().find(|e| e.id.starts_with(tag)).unwrap();
        assert_eq!(index.contains(&e.lawyer), shown, "{tag}");
    }
    let ann = entries.iter().find(|e| e.id.starts_with("ANN")).unwrap();
    assert!(index.contains("更正："), "a correction");
    assert!(index.contains(&format!("执业证号 {}", ann.lawyer)));
}

#[tokio::test]
async fn report_text_matches_the_golden_files() {
    for lang in ["zh", "en"] {
        let dir = shared_sample(lang);
        let html = std::fs::read_to_string(dir.join("public/index.html")).unwrap();
        let text = visible_text(&html).replace(env!("CARGO_PKG_VERSION"), "[version]");
        let list = std::fs::read_to_string(dir.join("public/negative-list.csv")).unwrap();
        if lang == "zh" {
            let keys: Vec<&str> = text
                .lines()
                .filter(|l| {
                    ["[period]", "[credit]", "[lists]", "[reliability]"]
                        .iter()
                        .any(|k| l.contains(k))
                })
                .collect();
            assert!(keys.is_empty(), "pipeline-file keys in Chinese: {keys:?}");
        }
        if lang == "en" {
            let full_width: Vec<&str> = text.lines().filter(|l| l.contains(['（', '）'])).collect();
            assert!(
                full_width.is_empty(),
                "full-width brackets in English: {full_width:?}"
            );
        }
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("report_text_{lang}"), text);
            insta::assert_snapshot!(format!("negative_list_csv_{lang}"), list);
        });
    }
}

/// A small chart from hand-made figures, as every public chart is drawn.
fn hand_made_chart() -> charts::Chart {
    use charts::{Bar, Bars, Kind, Series, palette};
    let bar = |v: Option<f64>| Bar {
        value: v,
        label: v.map_or("—".into(), |x| format!("{x:.1}%")),
    };
    charts::Chart {
        stem: "golden".into(),
        title: "各类案件评查等级分布".into(),
        caption: "评查期 2024-01-01 至 2024-12-31；数据来源：成都市法律援助中心".into(),
        note: "“—”表示依小单元格规则不予公布的数值".into(),
        kind: Kind::Bars(Bars {
            categories: vec!["刑事".into(), "民事".into(), "行政".into()],
            series: vec![
                Series {
                    name: "优秀".into(),
                    colour: palette::BLUE,
                    bars: vec![bar(Some(21.5)), bar(Some(30.0)), bar(None)],
                },
                Series {
                    name: "不合格".into(),
                    colour: palette::VERMILLION,
                    bars: vec![bar(Some(8.2)), bar(None), bar(Some(0.0))],
                },
            ],
            x_desc: "案件类别".into(),
            y_desc: "占比（%）".into(),
            y_max: 40.0,
            legend: true,
        }),
    }
}

#[tokio::test]
async fn svg_charts_match_the_golden_files_and_name_a_cjk_font_list() {
    let svg = hand_made_chart().svg().unwrap();
    let dir = shared_sample("zh");
    let grades = std::fs::read_to_string(dir.join("public/charts/grade-distribution.svg")).unwrap();
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("chart_hand_made_svg", svg);
        insta::assert_snapshot!("chart_grade_distribution_svg", grades);
    });
    assert!(charts::FAMILY.starts_with("WenQuanYi Micro Hei"));
    assert!(
        charts::FAMILY.ends_with(", sans-serif"),
        "a generic family last"
    );
    for f in files_under(dir) {
        if f.extension().is_some_and(|e| e == "svg") {
            let text = std::fs::read_to_string(&f).unwrap();
            let mut n = 0;
            for part in text.split("font-family=\"").skip(1) {
                let family = decode_entities(&part[..part.find('"').unwrap()]);
                assert_eq!(family, charts::FAMILY, "{}", f.display());
                n += 1;
            }
            assert!(
                n > 5,
                "{}: text is drawn as <text> with a family",
                f.display()
            );
            assert!(
                text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{}: Chinese text",
                f.display()
            );
        }
    }
}

/// The texts of every `<text>` element of an SVG.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|p| {
            let start = p.find('>')? + 1;
            let end = p.find("</text>")?;
            Some(decode_entities(p[start..end].trim()))
        })
        .collect()
}

#[tokio::test]
async fn chart_labels_render_as_glyphs_not_missing_glyph_boxes() {
    let mut chars = BTreeSet::new();
    for f in files_under(shared_sample("zh"))
        .into_iter()
        .chain(files_under(shared_sample("en")))
    {
        if f.extension().is_some_and(|e| e == "svg") {
            for t in svg_texts(&std::fs::read_to_string(&f).unwrap()) {
                chars.extend(t.chars().filter(|c| !c.is_whitespace()));
            }
        }
    }
    assert!(chars.len() > 60, "{chars:?}");
    assert!(chars.contains(&'评') && chars.contains(&'7') && chars.contains(&'—'));
    let size = (40, 40);
    let render = |s: &str| charts::render_text(s, 28.0, size).unwrap();
    let blank = vec![255u8; 40 * 40 * 3];
    // Two characters the font has no glyph for draw the same missing-glyph
    // shape (blank or a box).
    let missing = render("\u{10FFFD}");
    assert_eq!(missing, render("\u{10FFFC}"));
    let mut tofu = Vec::new();
    for c in &chars {
        let pixels = render(&c.to_string());
        if pixels == missing || pixels == blank {
            tofu.push(*c);
        }
    }
    assert!(tofu.is_empty(), "drawn as missing glyphs: {tofu:?}");
    // A whole label: glyphs, and not the same as the same number of boxes.
    let label = charts::render_text("各区（市）县案件平均得分 85.3", 20.0, (400, 40)).unwrap();
    let boxes = charts::render_text(&"\u{10FFFD}".repeat(17), 20.0, (400, 40)).unwrap();
    assert_ne!(label, boxes);
    let dark = label
        .chunks(3)
        .filter(|p| p.iter().all(|v| *v < 128))
        .count();
    assert!(dark > 200, "the label draws ink: {dark} dark pixels");
}

#[tokio::test]
async fn same_inputs_give_the_same_bytes_and_no_clock_time() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (sa, _, _) = publish_sample(a.path(), None).await;
    // A clock read with second resolution (e.g. a workbook's creation time)
    // would differ after this.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (sb, _, _) = publish_sample(b.path(), None).await;
    assert_eq!(sa, sb);
    assert_eq!(
        files_under(a.path()).len(),
        sa.files.len(),
        "the summary lists every file written"
    );
    for f in &sa.files {
        let x = std::fs::read(a.path().join(f)).unwrap();
        let y = std::fs::read(b.path().join(f)).unwrap();
        assert!(x == y, "{f} differs between two runs");
    }
    let today = chrono::Local::now().date_naive();
    let stamps = [
        today.to_string(),
        today.format("%Y/%m/%d").to_string(),
        format!("{}年{}月{}日", today.year(), today.month(), today.day()),
    ];
    for f in files_under(&a.path().join("public")) {
        if matches!(
            f.extension().and_then(|x| x.to_str()),
            Some("html" | "csv" | "svg")
        ) {
            let text = std::fs::read_to_string(&f).unwrap();
            for s in &stamps {
                assert!(!text.contains(s.as_str()), "{}: today's date", f.display());
            }
        }
    }
}

#[tokio::test]
async fn every_page_is_well_formed_and_self_contained() {
    for lang in ["zh", "en"] {
        let dir = shared_sample(lang);
        let pages: Vec<PathBuf> = files_under(dir)
            .into_iter()
            .filter(|f| f.extension().is_some_and(|e| e == "html"))
            .collect();
        assert!(pages.len() > 10);
        for p in &pages {
            let html = std::fs::read_to_string(p).unwrap();
            check_html(p, &html).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            if p.starts_with(dir.join("public")) {
                assert!(
                    !html.contains("href=\"../"),
                    "{}: links out of public/",
                    p.display()
                );
                assert!(
                    !html.contains("src=\"../"),
                    "{}: links out of public/",
                    p.display()
                );
            }
            assert!(html.contains("<meta name=\"viewport\""), "phone layout");
            // A public page carries its stylesheet (it must stand alone when
            // saved); an internal page links the shared one.
            let public = p.starts_with(dir.join("public"));
            assert_eq!(
                html.contains("<link rel=\"stylesheet\""),
                !public,
                "{}: stylesheet inline on public pages only",
                p.display()
            );
            let html = with_stylesheet_inline(p, &html);
            assert!(
                html.contains("@media print") && html.contains("size: A4"),
                "print CSS"
            );
        }
        let index = std::fs::read_to_string(dir.join("public/index.html")).unwrap();
        assert!(index.contains(if lang == "zh" {
            "lang=\"zh-CN\""
        } else {
            "lang=\"en\""
        }));
    }
    // The validator rejects what it should.
    let p = repo().join("reports/index.html");
    for bad in [
        "<!DOCTYPE html>\n<html lang=\"x\"><p><b></p></b></html>",
        "<!DOCTYPE html>\n<html lang=\"x\"><p>a & b</p></html>",
        "<!DOCTYPE html>\n<html lang=\"x\"><img src=\"https://example.com/x.png\"></html>",
        "<!DOCTYPE html>\n<html lang=\"x\"><p id=a></p></html>",
        "<!DOCTYPE html>\n<html lang=\"x\"><a href=\"#nowhere\">x</a></html>",
        "<!DOCTYPE html>\n<html lang=\"x\"><a href=\"index.html#nowhere\">x</a></html>",
        "<!DOCTYPE html>\n<html lang=\"x\"><p><script>x</p></html>",
    ] {
        assert!(check_html(&p, bad).is_err(), "{bad}");
    }
}

/// The header labels of the first table in `html`.
fn table_header(html: &str) -> Vec<String> {
    let head = &html[html.find("<thead>").unwrap()..html.find("</thead>").unwrap()];
    head.split("<th ")
        .skip(1)
        .map(|th| th[th.find('>').unwrap() + 1..th.find("</th>").unwrap()].to_string())
        .collect()
}

/// The page with its linked stylesheet (an internal page's shared
/// `internal/style.css`) put inline, as the browser applies it: for checks
/// of the CSS and for a copy of the page read from another folder.
fn with_stylesheet_inline(page: &Path, html: &str) -> String {
    const LINK: &str = "<link rel=\"stylesheet\" href=\"";
    let Some(at) = html.find(LINK) else {
        return html.to_string();
    };
    let href_start = at + LINK.len();
    let href_end = href_start + html[href_start..].find('"').unwrap();
    let tag_end = href_end + html[href_end..].find('>').unwrap() + 1;
    let href = decode_entities(&html[href_start..href_end]);
    let css = std::fs::read_to_string(page.parent().unwrap().join(href))
        .unwrap_or_else(|e| panic!("{}: its stylesheet: {e}", page.display()));
    format!("{}<style>\n{css}</style>{}", &html[..at], &html[tag_end..])
}

/// The rules of a page's `@media print` block: (selectors, declarations).
fn print_rules(html: &str) -> Vec<(String, String)> {
    let start = html.find("@media print {").expect("a print stylesheet") + 14;
    let mut depth = 1;
    let mut end = start;
    for (i, c) in html[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            end = start + i;
            break;
        }
    }
    html[start..end]
        .split('}')
        .filter_map(|r| r.split_once('{'))
        .map(|(s, d)| (s.trim().to_string(), d.trim().to_string()))
        .collect()
}

/// Issue 16 #9: a list's table leaves out what every row of it shares (the
/// list, the deciding body, on the negative list the bare codes), never
/// breaks a name, a licence number or a date, gives the grounds room, and
/// the download links are not printed.
#[tokio::test]
async fn list_tables_keep_names_and_dates_whole_and_print_without_downloads() {
    let dir = shared_sample("zh");
    let public = dir.join("public");
    let index = std::fs::read_to_string(public.join("index.html")).unwrap();
    let section = |id: &str| -> String {
        let s = &index[index.find(&format!("<section id=\"{id}\"")).unwrap()..];
        s[..s.find("</section>").unwrap()].to_string()
    };
    for list in ["negative", "positive"] {
        let csv = Csv::read(&public.join(format!("{list}-list.csv")));
        assert!(!csv.rows.is_empty(), "{list}: the sample lists someone");
        let page = std::fs::read_to_string(public.join(format!("{list}-list.html"))).unwrap();
        let mut expected = vec![
            "姓名",
            "执业证号",
            "律师事务所",
            "区（市）县",
            "执业年限（年）",
        ];
        if list == "negative" {
            expected.extend(["列入依据", "处分种类", "处分事由摘要"]);
        } else {
            expected.extend(["规则代码", "列入依据"]);
        }
        expected.extend(["列入日期", "期满日期"]);
        for (place, html) in [("index", section(&format!("{list}-list"))), ("page", page)] {
            assert_eq!(table_header(&html), expected, "{list} {place}");
            assert!(
                html.contains("<caption>决定机关：成都市法律援助中心</caption>"),
                "{list} {place}: the deciding body heads the table"
            );
            let (name, licence, listed, ends) = (
                csv.col("姓名"),
                csv.col("执业证号"),
                csv.col("列入日期"),
                csv.col("期满日期"),
            );
            for r in &csv.rows {
                for c in [name, licence, listed, ends] {
                    let cell = format!("<td class=\"keep\">{}</td>", r[c]);
                    assert!(html.contains(&cell), "{list} {place}: {cell}");
                }
            }
            if list == "negative" {
                assert!(
                    html.contains("<td class=\"long\">N4："),
                    "{list} {place}: the grounds have room"
                );
            }
        }
    }
    // On paper: no download links (they are no use there), and the lists on
    // landscape pages.
    let rules = print_rules(&index);
    let hides = |sel: &str| {
        rules
            .iter()
            .any(|(s, d)| s.split(',').any(|x| x.trim() == sel) && d.contains("display: none"))
    };
    assert!(hides(".downloads"), "{rules:?}");
    assert!(hides(".no-print"), "{rules:?}");
    assert!(
        rules
            .iter()
            .any(|(s, d)| s.contains("section.list") && d.contains("page: landscape")),
        "{rules:?}"
    );
    let page = std::fs::read_to_string(public.join("negative-list.html")).unwrap();
    assert!(
        page.contains("<body class=\"landscape\">"),
        "the list page prints on landscape pages, header and footer too"
    );
    assert!(index.contains("@page landscape { size: A4 landscape;"));
    assert!(section("negative-list").contains("<ul class=\"downloads\">"));
}

/// Issue 16 #10: a page whose text points to the method section has that
/// section, or links to the public report's (internal pages, list pages).
#[tokio::test]
async fn no_page_points_to_a_method_section_it_does_not_have() {
    for lang in ["zh", "en"] {
        let dir = shared_sample(lang);
        let mut linking = 0;
        for p in files_under(dir) {
            if p.extension().is_none_or(|e| e != "html") {
                continue;
            }
            let html = std::fs::read_to_string(&p).unwrap();
            let text = visible_text(&html);
            if !(text.contains("“方法说明”") || text.contains("methodology")) {
                continue;
            }
            if html.contains("id=\"method\"") {
                continue;
            }
            let depth = p.strip_prefix(dir).unwrap().components().count() - 1;
            let href = if p.starts_with(dir.join("public")) {
                "index.html#method".to_string()
            } else {
                format!("{}public/index.html#method", "../".repeat(depth))
            };
            assert!(
                decode_entities(&html).contains(&format!("<a href=\"{href}\">")),
                "{}: points to a method section it does not have",
                p.display()
            );
            assert!(p.parent().unwrap().join(&href[..href.len() - 7]).is_file());
            linking += 1;
        }
        // The internal pages, the lawyers' pages and the two list pages.
        assert!(linking > 10, "{lang}: {linking}");
    }
}

/// Issue 16 #9: at 1280 px no table of the report, the list pages and the
/// internal pages is wider than the page (none scrolls sideways). Laid out
/// by headless Chromium with the repository's CJK font, so Chinese text
/// has its real width (not that of a missing-glyph box); a narrow window
/// shows that the probe does see an overflow.
#[tokio::test]
async fn tables_fit_a_1280_px_screen() {
    let Some(browser) = chromium() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // The repository stores the font zstd-compressed, which fontconfig
    // cannot read: give it the decompressed file.
    let font_dir = tmp.path().join("font");
    std::fs::create_dir(&font_dir).unwrap();
    let compressed = std::fs::File::open(repo().join("assets/fonts/wqy-microhei.ttc.zst")).unwrap();
    std::fs::write(
        font_dir.join("wqy-microhei.ttc"),
        zstd::decode_all(compressed).unwrap(),
    )
    .unwrap();
    let fonts = tmp.path().join("fonts.conf");
    std::fs::write(
        &fonts,
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig>\n\
             <include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include>\n\
             <dir>{}</dir>\n<cachedir>{}</cachedir>\n</fontconfig>\n",
            font_dir.display(),
            tmp.path().join("cache").display()
        ),
    )
    .unwrap();
    // Each table's scroll box that is wider inside than out, after load.
    const PROBE: &str = "<script>addEventListener('load', () => { \
        const o = []; \
        document.querySelectorAll('.table-wrap').forEach((w, i) => { \
          if (w.scrollWidth > w.clientWidth + 1) o.push(i + ':' + w.scrollWidth + '/' + w.clientWidth); }); \
        document.body.setAttribute('data-overflow', o.join(' ') || 'none'); });</script></body>";
    let overflow = |page: &Path, width: u32| -> String {
        let html = with_stylesheet_inline(page, &std::fs::read_to_string(page).unwrap());
        assert!(html.contains("</body>"));
        let probe = tmp.path().join("probe.html");
        std::fs::write(&probe, html.replace("</body>", PROBE)).unwrap();
        let out = headless(&browser)
            .env("FONTCONFIG_FILE", &fonts)
            .args(["--hide-scrollbars", "--virtual-time-budget=5000"])
            .arg(format!("--window-size={width},900"))
            .arg("--dump-dom")
            .arg(format!("file://{}", probe.display()))
            .output()
            .unwrap();
        let dom = String::from_utf8_lossy(&out.stdout);
        let at = dom.find("data-overflow=\"").unwrap_or_else(|| {
            panic!(
                "{}: no probe result\n{}",
                page.display(),
                String::from_utf8_lossy(&out.stderr)
            )
        }) + 15;
        dom[at..at + dom[at..].find('"').unwrap()].to_string()
    };
    for lang in ["zh", "en"] {
        let dir = shared_sample(lang);
        let mut pages: Vec<PathBuf> = [
            "public/index.html",
            "public/negative-list.html",
            "public/positive-list.html",
            "internal/inspection.html",
            "internal/panel.html",
        ]
        .iter()
        .map(|p| dir.join(p))
        .collect();
        let mut lawyers = files_under(&dir.join("internal/lawyers"));
        lawyers.sort();
        pages.extend(lawyers.into_iter().take(3));
        for p in &pages {
            assert_eq!(overflow(p, 1280), "none", "{lang}: {}", p.display());
        }
    }
    let dir = shared_sample("zh");
    assert_ne!(
        overflow(&dir.join("internal/inspection.html"), 900),
        "none",
        "the probe sees a table wider than a 900 px window"
    );
}

/// Issue 16 #13: the public pages carry a web font (and its licence) that
/// has a glyph for every character they use; internal pages do not point
/// to it (its glyphs come from the public pages only).
#[tokio::test]
async fn public_pages_carry_a_web_font_with_every_glyph_they_use() {
    use allsorts::binary::read::ReadScope;
    use allsorts::font::MatchingPresentation;
    use allsorts::font_data::FontData;
    use legalaid::publish::font::{FAMILY, FONT_FILE, LICENCE_FILE};
    for lang in ["zh", "en"] {
        let dir = shared_sample(lang);
        let public = dir.join("public");
        let bytes = std::fs::read(public.join(FONT_FILE)).unwrap();
        let licence = std::fs::read_to_string(public.join(LICENCE_FILE)).unwrap();
        assert!(
            licence.contains("Apache License"),
            "the licence ships beside it"
        );
        assert!(bytes.len() < 1_000_000, "a subset: {} bytes", bytes.len());
        let scope = ReadScope::new(&bytes);
        let data = scope.read::<FontData<'_>>().unwrap();
        let mut font = allsorts::Font::new(data.table_provider(0).unwrap()).unwrap();
        let mut pages = 0;
        for f in files_under(&public) {
            if f.extension().is_none_or(|e| e != "html") {
                continue;
            }
            pages += 1;
            let html = std::fs::read_to_string(&f).unwrap();
            let face =
                format!("@font-face {{ font-family: \"{FAMILY}\"; src: url(\"{FONT_FILE}\")");
            assert!(html.contains(&face), "{}", f.display());
            assert!(html.contains(&format!("\"{FAMILY}\", system-ui")));
            let missing: BTreeSet<char> = html
                .chars()
                .filter(|c| !c.is_control())
                .filter(|c| {
                    font.lookup_glyph_index(*c, MatchingPresentation::NotRequired, None)
                        .0
                        == 0
                })
                .collect();
            assert!(
                missing.is_empty(),
                "{}: no glyph for {missing:?}",
                f.display()
            );
        }
        assert!(pages >= 3, "{lang}: {pages}");
        for f in files_under(&dir.join("internal")) {
            if f.extension().is_some_and(|e| e == "html") {
                let html = std::fs::read_to_string(&f).unwrap();
                assert!(!html.contains("@font-face"), "{}", f.display());
            }
        }
    }
}

/// Issue 16 #13: no tofu. Chromium renders two different Chinese phrases in
/// the report's own head (stylesheet and `@font-face`) with the system's
/// fonts less every font that covers Chinese (a fontconfig `rejectfont`):
/// with the web font the two screenshots differ (real glyphs), without it
/// they are the same (every character the same missing-glyph box), which
/// shows the check can fail.
#[tokio::test]
async fn chinese_text_renders_as_glyphs_with_no_system_font() {
    let Some(browser) = chromium() else {
        return;
    };
    let sample = shared_sample("zh");
    let tmp = tempfile::tempdir().unwrap();
    let fonts = tmp.path().join("fonts.conf");
    std::fs::write(
        &fonts,
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig>\n\
             <include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include>\n\
             <selectfont><rejectfont><pattern><patelt name=\"lang\"><string>zh-cn</string>\
             </patelt></pattern></rejectfont></selectfont>\n\
             <cachedir>{}</cachedir>\n</fontconfig>\n",
            tmp.path().join("cache").display()
        ),
    )
    .unwrap();
    let index = std::fs::read_to_string(sample.join("public/index.html")).unwrap();
    let head = &index[..index.find("<main>").unwrap()];
    let site = tmp.path().join("site");
    std::fs::create_dir_all(site.join("fonts")).unwrap();
    let font = legalaid::publish::font::FONT_FILE;
    let shot = |text: &str, with_font: bool| -> Vec<u8> {
        let target = site.join(font);
        if with_font {
            std::fs::copy(sample.join("public").join(font), &target).unwrap();
        } else {
            let _ = std::fs::remove_file(&target);
        }
        let page = site.join("probe.html");
        std::fs::write(
            &page,
            format!("{head}<main><h2>{text}</h2><p>{text}</p></main></body></html>"),
        )
        .unwrap();
        let png = tmp.path().join("shot.png");
        let _ = std::fs::remove_file(&png);
        let out = headless(&browser)
            .env("FONTCONFIG_FILE", &fonts)
            .args([
                "--hide-scrollbars",
                "--virtual-time-budget=5000",
                "--window-size=600,400",
            ])
            .arg(format!("--screenshot={}", png.display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap();
        assert!(png.is_file(), "{}", String::from_utf8_lossy(&out.stderr));
        std::fs::read(&png).unwrap()
    };
    assert!(index.contains("法律援助") && index.contains("质量评查"));
    assert_ne!(
        shot("法律援助", true),
        shot("质量评查", true),
        "with the web font, different characters look different"
    );
    assert_eq!(
        shot("法律援助", false),
        shot("质量评查", false),
        "without it, all characters look the same (the check can fail)"
    );
}

/// Renders `public/index.html` in headless Chromium and checks that the
/// screenshot is not blank. Runs where `chromium` is installed (or
/// `LEGALAID_CHROMIUM` names the browser); elsewhere it says it skipped.
#[tokio::test]
async fn index_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sample = shared_sample("zh");
    let shot = |url: String, png: &Path| {
        let out = headless(&browser)
            .args([
                "--hide-scrollbars",
                "--virtual-time-budget=5000",
                "--window-size=1200,2000",
            ])
            .arg(format!("--screenshot={}", png.display()))
            .arg(url)
            .output()
            .unwrap();
        assert!(png.is_file(), "{}", String::from_utf8_lossy(&out.stderr));
        std::fs::read(png).unwrap()
    };
    let page = shot(
        format!("file://{}", sample.join("public/index.html").display()),
        &dir.path().join("page.png"),
    );
    let blank_html = dir.path().join("blank.html");
    std::fs::write(&blank_html, "<!DOCTYPE html><html><body></body></html>").unwrap();
    let blank = shot(
        format!("file://{}", blank_html.display()),
        &dir.path().join("blank.png"),
    );
    png_chunks(&page);
    // A white page compresses to almost nothing; text, tables and charts do
    // not.
    assert!(
        page.len() > 5 * blank.len() && page.len() > 50_000,
        "screenshot {} bytes, blank page {} bytes",
        page.len(),
        blank.len()
    );
}

#[tokio::test]
async fn the_trend_reads_earlier_outputs_and_a_missing_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // The earlier period: a 2023 data set run by the binary.
    let earlier = dir.path().join("y2023");
    legalaid::generate::generate(
        &legalaid::generate::GenerateOptions {
            year: 2023,
            ..legalaid::generate::GenerateOptions::new(&earlier, 800, 3)
        },
        &mut |_| {},
    )
    .unwrap();
    let run = crate::fixture::legalaid(&["run", "pipeline.toml"], &earlier);
    assert!(run.status.success(), "{}", crate::fixture::stderr(&run));
    assert!(earlier.join("out/data/case_scores.parquet").is_file());

    let current = dir.path().join("y2024");
    legalaid::generate::generate(
        &legalaid::generate::GenerateOptions::new(&current, 800, 4),
        &mut |_| {},
    )
    .unwrap();
    let pipeline = current.join("pipeline.toml");
    let text = std::fs::read_to_string(&pipeline).unwrap();
    std::fs::write(
        &pipeline,
        format!("{text}\n[publication]\nearlier_outputs = [\"../y2023/out\"]\n"),
    )
    .unwrap();
    let (plan, results, _) = session(&pipeline, PlanOptions::default()).await;
    let out = dir.path().join("published");
    publish(&plan, &results, &out).unwrap();
    let index = std::fs::read_to_string(out.join("public/index.html")).unwrap();
    assert!(index.contains("id=\"trend\""));
    assert!(
        index.contains("<th scope=\"row\">2023年</th>"),
        "the earlier period"
    );
    assert!(
        index.contains("<th scope=\"row\">2024年</th>"),
        "this period"
    );
    assert!(out.join("public/charts/trend.png").is_file());
    assert!(out.join("public/charts/trend.svg").is_file());

    std::fs::write(
        &pipeline,
        format!("{text}\n[publication]\nearlier_outputs = [\"../y2022/out\"]\n"),
    )
    .unwrap();
    let (plan, results, _) = session(&pipeline, PlanOptions::default()).await;
    let err = publish(&plan, &results, &dir.path().join("again")).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("y2022") && msg.contains("manifest.json"),
        "{msg}"
    );
}

/// The summary lists every file publication wrote, sorted: the lawyer
/// pages, written on a thread of their own, among them.
#[tokio::test]
async fn the_summary_lists_every_file_written() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = crate::fixture::Fixture::valid().write(dir.path());
    let (plan, results, _) = session(&pipeline, PlanOptions::default()).await;
    let out = dir.path().join("published");
    let summary = publish(&plan, &results, &out).unwrap();
    let mut on_disk = legalaid::output::list_files(&out).unwrap();
    on_disk.sort();
    assert_eq!(summary.files, on_disk);
    for kind in [
        "internal/lawyers/",
        "internal/panel.html",
        "public/index.html",
    ] {
        assert!(summary.files.iter().any(|f| f.starts_with(kind)), "{kind}");
    }
}

#[tokio::test]
async fn a_tiny_data_set_publishes_with_everything_small_withheld() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = crate::fixture::Fixture::valid().write(dir.path());
    let (plan, results, entries) = session(&pipeline, PlanOptions::default()).await;
    let out = dir.path().join("published");
    let summary = publish(&plan, &results, &out).unwrap();
    assert!(summary.files.iter().any(|f| f == "public/index.html"));
    let index = std::fs::read_to_string(out.join("public/index.html")).unwrap();
    check_html(&out.join("public/index.html"), &index).unwrap();
    // Three closed cases of the period, two reviewed: every figure is small.
    let text = visible_text(&index);
    let headline: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("| 案件类别 | 办结案件"))
        .take(5)
        .collect();
    assert_eq!(
        headline,
        vec![
            "| 案件类别 | 办结案件（件） | 经评查（件） | 评查率",
            "| 刑事 | — | — | —",
            "| 民事 | — | — | —",
            "| 行政 | — | 0 | —",
            "| 合计 | — | — | —",
        ]
    );
    assert!(
        !out.join("public/charts/score-histogram.png").exists(),
        "no histogram"
    );
    // L003's practice suspension in force lists them (N4) with its kind and
    // summary.
    assert!(
        entries
            .iter()
            .any(|e| e.lawyer == "L003" && e.status == "listed")
    );
    let csv = Csv::read(&out.join("public/negative-list.csv"));
    assert_eq!(csv.column("执业证号"), vec!["L003"]);
    assert_eq!(csv.column("处分种类"), vec!["停止执业"]);
    assert_eq!(csv.column("处分事由摘要"), vec!["停止执业六个月"]);
    // Internal pages: one per lawyer, recipients masked.
    for id in ["L001", "L002", "L003"] {
        assert!(out.join(format!("internal/lawyers/{id}.html")).is_file());
    }
    let l001 = std::fs::read_to_string(out.join("internal/lawyers/L001.html")).unwrap();
    assert!(l001.contains("虚*") && !l001.contains("虚构一"));
    assert!(l001.contains("510***********1234") && !l001.contains("510104199001011234"));
}
