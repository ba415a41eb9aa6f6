//! The internal reports under `internal/`: the panel report (reviewer
//! agreement with the 0.667 / 0.8 guidance, reviewer severity with its
//! chart, the disputed-case worklist, held entries), one page per lawyer
//! (credit score and its parts, reason codes with evidence, the period's
//! cases, list history) and the inspection report. They are for staff and
//! the panel, so they name cases and reviewers; recipients are always
//! masked (privacy rule 2).

use std::collections::BTreeMap;

use datafusion::prelude::SessionContext;
use minijinja::Value;

use super::charts::{Bar, Chart, HBars, Kind, palette};
use super::data::{KeyedCursor, Row, group_by, query};
use super::i18n::Lang;
use super::lists::{collation_key, sorted_codes};
use super::privacy::{mask_id_no, mask_name};
use super::report::{caption, format_number, frame, percent, points};
use super::templates::{Obj, Tbl, TblCell, figure, link, list, num_col, render, text_col};
use super::{PublishError, Writer};
use crate::plan::Plan;
use crate::rubric::CaseType;

/// Writes `internal/panel.html`, `internal/inspection.html`,
/// `internal/lawyers/*.html` and `internal/charts/`.
pub async fn write(
    ctx: &SessionContext,
    plan: &Plan,
    out: &mut Writer,
) -> Result<(), PublishError> {
    panel(ctx, plan, out).await?;
    inspection(ctx, plan, out).await?;
    lawyers(ctx, plan, out).await?;
    Ok(())
}

/// A section of `page.html`.
#[derive(Default)]
struct Section {
    id: String,
    heading: String,
    paragraphs: Vec<String>,
    facts: Vec<(String, String)>,
    figures: Vec<Value>,
    tables: Vec<Tbl>,
}

impl Section {
    fn new(id: &str, heading: impl Into<String>) -> Section {
        Section {
            id: id.to_string(),
            heading: heading.into(),
            ..Section::default()
        }
    }

    fn value(&self) -> Value {
        Obj::new()
            .set("id", self.id.clone())
            .set("heading", self.heading.clone())
            .set("paragraphs", list(self.paragraphs.iter().cloned()))
            .set(
                "facts",
                list(
                    self.facts
                        .iter()
                        .map(|(k, v)| Obj::new().set("k", k.clone()).set("v", v.clone()).build()),
                ),
            )
            .set("figures", list(self.figures.iter().cloned()))
            .set("tables", list(self.tables.iter().map(Tbl::value)))
            .build()
    }
}

fn page(
    plan: &Plan,
    title: &str,
    links: &[(String, String)],
    sections: &[Section],
) -> Result<String, PublishError> {
    let ctx = frame(plan, title, true)
        .set(
            "links",
            list(links.iter().map(|(href, label)| {
                Obj::new()
                    .set("href", href.clone())
                    .set("label", label.clone())
                    .build()
            })),
        )
        .set("sections", list(sections.iter().map(Section::value)))
        .build();
    render("page.html", ctx)
}

fn opt_points(v: Option<f64>) -> String {
    v.map(points).unwrap_or_else(|| "—".into())
}

fn opt2(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.2}")).unwrap_or_else(|| "—".into())
}

async fn panel(ctx: &SessionContext, plan: &Plan, out: &mut Writer) -> Result<(), PublishError> {
    let lang = Lang::from_code(&plan.lang);
    let s = &plan.settings;
    let (good, hold) = (s.reliability.alpha_good, s.reliability.alpha_hold);

    let mut agreement = Section::new("agreement", lang.tr("panel_agreement"));
    agreement.paragraphs.push(lang.fmt(
        "panel_agreement_text",
        &[
            &format_number(good),
            &format_number(hold),
            &s.reliability.alpha_min_cases,
        ],
    ));
    let rows = query(
        ctx,
        "select case_type, n_cases, alpha from mart_panel_agreement order by case_type",
    )
    .await?;
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("case_type")),
        num_col(lang.tr("col_n_double")),
        num_col(lang.tr("col_alpha")),
        text_col(lang.tr("col_reading")),
    ]);
    let mut by_type: Vec<Row> = rows.rows().collect();
    by_type.sort_by_key(|r| {
        CaseType::parse(&r.text("case_type"))
            .and_then(|t| CaseType::ALL.iter().position(|x| *x == t))
            .unwrap_or(usize::MAX)
    });
    for r in by_type {
        let alpha = r.float("alpha");
        let reading = match alpha {
            None => lang.tr("alpha_undefined"),
            Some(a) if a >= good - 1e-9 => lang.tr("alpha_reliable"),
            Some(a) if a >= hold - 1e-9 => lang.tr("alpha_tentative"),
            Some(_) => lang.tr("alpha_unreliable"),
        };
        tbl.row(vec![
            lang.case_type_code(&r.text("case_type")),
            r.int("n_cases").unwrap_or(0).to_string(),
            alpha
                .map(|a| format!("{a:.3}"))
                .unwrap_or_else(|| "—".into()),
            reading.to_string(),
        ]);
    }
    agreement.tables.push(tbl);

    let threshold = s.scoring.severity_threshold;
    let mut severity = Section::new("severity", lang.tr("panel_severity"));
    severity
        .paragraphs
        .push(lang.fmt("panel_severity_text", &[&format_number(threshold)]));
    let reviewers = query(
        ctx,
        "select r.reviewer_id, v.name, v.role, r.n_reviews, r.mean_deviation, \
         r.abs_mean_deviation, r.severity_flag \
         from mart_reviewer_stats as r left join reviewers as v on r.reviewer_id = v.reviewer_id \
         order by r.reviewer_id",
    )
    .await?;
    let flag = |f: Option<&str>| match f {
        Some("harsh") => lang.tr("flag_harsh").to_string(),
        Some("lenient") => lang.tr("flag_lenient").to_string(),
        _ => String::new(),
    };
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("col_reviewer")),
        text_col(lang.tr("col_reviewer_name")),
        text_col(lang.tr("col_role")),
        num_col(lang.tr("col_n_reviews")),
        num_col(lang.tr("col_mean_dev")),
        num_col(lang.tr("col_abs_dev")),
        text_col(lang.tr("col_flag")),
    ]);
    for r in reviewers.rows() {
        tbl.row(vec![
            r.text("reviewer_id"),
            r.text("name"),
            lang.coded("role", &r.text("role")),
            r.int("n_reviews").unwrap_or(0).to_string(),
            opt2(r.float("mean_deviation")),
            opt2(r.float("abs_mean_deviation")),
            flag(r.str("severity_flag")),
        ]);
    }
    let mut order: Vec<Row> = reviewers.rows().collect();
    order.sort_by(|a, b| {
        let key = |r: &Row| r.float("mean_deviation").unwrap_or(f64::NEG_INFINITY);
        key(b)
            .total_cmp(&key(a))
            .then_with(|| a.text("reviewer_id").cmp(&b.text("reviewer_id")))
    });
    let max_dev = order
        .iter()
        .filter_map(|r| r.float("mean_deviation"))
        .fold(threshold, |m, v| m.max(v.abs()));
    let span = (max_dev * 1.25).ceil().max(1.0);
    let chart = Chart {
        stem: "reviewer-deviation".into(),
        title: lang.tr("deviation_chart").into(),
        caption: caption(plan),
        note: String::new(),
        kind: Kind::HBars(HBars {
            categories: order.iter().map(|r| r.text("reviewer_id")).collect(),
            bars: order
                .iter()
                .map(|r| {
                    let v = r.float("mean_deviation");
                    let f = flag(r.str("severity_flag"));
                    Bar {
                        value: v,
                        label: match v {
                            Some(x) if f.is_empty() => format!("{x:+.1}"),
                            Some(x) => format!("{x:+.1} {f}"),
                            None => "—".into(),
                        },
                    }
                })
                .collect(),
            colours: order
                .iter()
                .map(|r| match r.str("severity_flag") {
                    Some("harsh") => palette::VERMILLION,
                    Some("lenient") => palette::SKY_BLUE,
                    _ => palette::BLUE,
                })
                .collect(),
            x_desc: lang.tr("deviation_axis").into(),
            y_desc: lang.tr("reviewer_axis").into(),
            x_range: (-span, span),
            reference: vec![
                (-threshold, format!("−{}", format_number(threshold))),
                (threshold, format!("+{}", format_number(threshold))),
            ],
        }),
    };
    out.chart("internal/charts", &chart)?;
    severity.figures.push(figure("charts", &chart));
    severity.tables.push(tbl);

    let mut disputed = Section::new("disputed", lang.tr("panel_disputed"));
    disputed.paragraphs.push(lang.fmt(
        "panel_disputed_text",
        &[&format_number(s.scoring.dispute_spread)],
    ));
    let cases = query(
        ctx,
        "select s.case_id, s.case_type, s.lawyer_id, l.name as lawyer_name, \
         c.recipient_name, c.recipient_id_no, s.n_reviews, s.score, s.score_min, s.score_max, \
         s.grade_label, s.veto_items \
         from mart_case_scores as s inner join cases as c on s.case_id = c.case_id \
         left join lawyers as l on s.lawyer_id = l.lawyer_id \
         where s.disputed order by s.case_id",
    )
    .await?;
    let totals = query(
        ctx,
        "select t.case_id, t.reviewer_id, t.total from int_review_totals as t \
         inner join mart_case_scores as s on t.case_id = s.case_id \
         where s.disputed and t.total is not null order by t.case_id, t.reviewer_id",
    )
    .await?;
    let totals = group_by(&totals, "case_id");
    let mut worklist: Vec<Row> = cases.rows().collect();
    worklist.sort_by(|a, b| {
        let spread =
            |r: &Row| r.float("score_max").unwrap_or(0.0) - r.float("score_min").unwrap_or(0.0);
        spread(b)
            .total_cmp(&spread(a))
            .then_with(|| a.text("case_id").cmp(&b.text("case_id")))
    });
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("col_case")),
        text_col(lang.tr("case_type")),
        text_col(lang.tr("col_lawyer")),
        text_col(lang.tr("col_recipient")),
        text_col(lang.tr("col_recipient_id")),
        num_col(lang.tr("col_score")),
        num_col(lang.tr("col_spread")),
        text_col(lang.tr("col_totals")),
        text_col(lang.tr("col_grade")),
        text_col(lang.tr("col_veto")),
    ]);
    for r in &worklist {
        let case = r.text("case_id");
        let per_reviewer = totals
            .get(&case)
            .map(|rows| {
                rows.iter()
                    .map(|t| format!("{} {}", t.text("reviewer_id"), opt_points(t.float("total"))))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        tbl.linked_row(vec![
            case.into(),
            lang.case_type_code(&r.text("case_type")).into(),
            link(
                format!("{} ({})", r.text("lawyer_name"), r.text("lawyer_id")),
                format!("lawyers/{}", lawyer_file(&r.text("lawyer_id"))),
            ),
            mask_name(&r.text("recipient_name")).into(),
            mask_id_no(&r.text("recipient_id_no")).into(),
            opt_points(r.float("score")).into(),
            opt_points(
                r.float("score_max")
                    .zip(r.float("score_min"))
                    .map(|(a, b)| a - b),
            )
            .into(),
            per_reviewer.into(),
            r.text("grade_label").into(),
            r.text("veto_items").into(),
        ]);
    }
    if tbl.is_empty() {
        disputed.paragraphs.push(lang.tr("none").into());
    } else {
        disputed.tables.push(tbl);
    }

    let mut held = Section::new("held", lang.tr("panel_held"));
    held.paragraphs.push(lang.tr("panel_held_text").into());
    let entries = query(
        ctx,
        "select e.entry_id, e.lawyer_id, l.name, e.rules, e.status \
         from register_entries as e left join lawyers as l on e.lawyer_id = l.lawyer_id \
         where e.list = 'negative' and e.status = 'held' order by e.entry_id",
    )
    .await?;
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("col_entry")),
        text_col(lang.tr("col_lawyer")),
        text_col(lang.tr("col_rules")),
        text_col(lang.tr("col_status")),
    ]);
    for r in entries.rows() {
        tbl.linked_row(vec![
            r.text("entry_id").into(),
            link(
                format!("{} ({})", r.text("name"), r.text("lawyer_id")),
                format!("lawyers/{}", lawyer_file(&r.text("lawyer_id"))),
            ),
            sorted_codes(&r.text("rules")).join(";").into(),
            lang.status(&r.text("status")).into(),
        ]);
    }
    if tbl.is_empty() {
        held.paragraphs.push(lang.tr("none").into());
    } else {
        held.tables.push(tbl);
    }

    let html = page(
        plan,
        lang.tr("panel_title"),
        &[("inspection.html".into(), lang.tr("inspection_title").into())],
        &[agreement, severity, disputed, held],
    )?;
    out.write("internal/panel.html", html)
}

/// The file name of a lawyer's page (input text never makes a path).
pub fn lawyer_file(lawyer_id: &str) -> String {
    crate::output::id_file_name(lawyer_id, "html")
}

async fn lawyers(ctx: &SessionContext, plan: &Plan, out: &mut Writer) -> Result<(), PublishError> {
    let lang = Lang::from_code(&plan.lang);
    let c = &plan.settings.credit;
    let lawyers = query(
        ctx,
        "select lawyer_id, name, law_firm, district, practice_kind, status, years_of_practice, \
         specialties from stg_lawyers order by lawyer_id",
    )
    .await?;
    let credit = query(ctx, "select * from mart_lawyer_credit order by lawyer_id").await?;
    let credit = group_by(&credit, "lawyer_id");
    let reasons = query(
        ctx,
        "select lawyer_id, code, cost, evidence, rank from int_credit_reasons \
         order by lawyer_id, rank",
    )
    .await?;
    let reasons = group_by(&reasons, "lawyer_id");
    // Streamed in lawyer order, the same order as the pages: only one
    // lawyer's cases are held at a time.
    let mut cases = KeyedCursor::open(
        ctx,
        "select c.case_id, c.lawyer_id, c.case_type, c.closed_on, r.recipient_name, \
         r.recipient_id_no, s.score, s.grade_label, s.disputed, s.veto_items \
         from stg_cases as c inner join cases as r on c.case_id = r.case_id \
         left join mart_case_scores as s on c.case_id = s.case_id \
         where c.in_period order by c.lawyer_id, c.case_id",
        "lawyer_id",
    )
    .await?;
    let inspection = query(
        ctx,
        "select lawyer_id, recommendation_label, recommendation_reasons from mart_inspection \
         order by lawyer_id",
    )
    .await?;
    let inspection = group_by(&inspection, "lawyer_id");
    let entries = query(
        ctx,
        "select entry_id, lawyer_id, list, status, severity, rules, proposed_on, listed_on, \
         ends_on, removed_on from register_entries order by entry_id",
    )
    .await?;
    let entries = group_by(&entries, "lawyer_id");
    let events = query(
        ctx,
        "select event_id, entry_id, lawyer_id, list, kind, date, actor, reason, rules, evidence \
         from register_events order by event_id",
    )
    .await?;
    let events = group_by(&events, "lawyer_id");
    let date = |r: &Row, col: &str| r.date(col).map(|d| d.to_string()).unwrap_or_default();
    let empty: Vec<Row> = Vec::new();

    let links: Vec<(String, String)> = vec![
        ("../panel.html".into(), lang.tr("back_to_panel").into()),
        (
            "../inspection.html".into(),
            lang.tr("back_to_inspection").into(),
        ),
    ];
    let mut pages: Vec<PendingPage> = Vec::with_capacity(PAGE_BATCH);
    for l in lawyers.rows() {
        let id = l.text("lawyer_id");
        let name = l.text("name");
        let mut profile = Section::new("profile", lang.tr("lawyer_profile"));
        profile.facts = vec![
            (lang.tr("col_name").into(), name.clone()),
            (lang.tr("col_licence").into(), id.clone()),
            (lang.tr("col_firm").into(), l.text("law_firm")),
            (lang.tr("col_district").into(), l.text("district")),
            (
                lang.tr("col_practice_kind").into(),
                lang.coded("kind", &l.text("practice_kind")),
            ),
            (
                lang.tr("col_status_practice").into(),
                lang.coded("practice", &l.text("status")),
            ),
            (
                lang.tr("col_years").into(),
                l.int("years_of_practice")
                    .map(|y| y.to_string())
                    .unwrap_or_default(),
            ),
        ];
        let mut credit_section = Section::new("credit", lang.tr("lawyer_credit"));
        if let Some(cr) = credit.get(&id).and_then(|v| v.first()) {
            let (q, sv, d) = (
                cr.float("quality"),
                cr.float("service"),
                cr.float("deductions"),
            );
            credit_section.facts = vec![
                (
                    lang.tr("col_credit").into(),
                    format!("{} ({})", opt2(cr.float("credit_score")), cr.text("tier")),
                ),
                (lang.tr("col_quality").into(), opt2(q)),
                (lang.tr("col_service").into(), opt2(sv)),
                (lang.tr("col_deductions").into(), opt2(d)),
                (
                    lang.tr("col_archive_rate").into(),
                    cr.float("archive_rate").map(percent).unwrap_or_default(),
                ),
                (
                    lang.tr("col_satisfaction").into(),
                    cr.float("satisfaction_rate")
                        .map(percent)
                        .unwrap_or_default(),
                ),
                (
                    lang.tr("col_mean_score").into(),
                    opt2(cr.float("mean_score")),
                ),
                (
                    lang.tr("col_n_closed").into(),
                    cr.int("n_cases_closed").unwrap_or(0).to_string(),
                ),
                (
                    lang.tr("col_n_reviewed").into(),
                    cr.int("n_cases_reviewed").unwrap_or(0).to_string(),
                ),
                (
                    lang.tr("col_eligible").into(),
                    lang.yes_no(cr.bool("eligible_major").unwrap_or(false))
                        .into(),
                ),
            ];
            if let (Some(q), Some(sv), Some(d)) = (q, sv, d) {
                let raw = c.weight_quality * q + c.weight_service * sv - d;
                credit_section.paragraphs.push(format!(
                    "{} = {} × {:.2} + {} × {:.2} − {:.2} = {}{}",
                    lang.tr("col_credit"),
                    format_number(c.weight_quality),
                    q,
                    format_number(c.weight_service),
                    sv,
                    d,
                    opt2(cr.float("credit_score")),
                    if (0.0..=100.0).contains(&raw) {
                        ""
                    } else {
                        lang.tr("clamped")
                    },
                ));
            }
        }
        if let Some(i) = inspection.get(&id).and_then(|v| v.first()) {
            let reasons = i.text("recommendation_reasons");
            credit_section.facts.push((
                lang.tr("col_inspection").into(),
                if reasons.is_empty() {
                    i.text("recommendation_label")
                } else {
                    format!("{} ({reasons})", i.text("recommendation_label"))
                },
            ));
        }
        let mut reason_section = Section::new("reasons", lang.tr("lawyer_reasons"));
        let mut tbl = Tbl::new(vec![
            text_col(lang.tr("col_code")),
            text_col(lang.tr("col_reason")),
            num_col(lang.tr("col_cost")),
            text_col(lang.tr("col_evidence")),
        ]);
        for r in reasons.get(&id).unwrap_or(&empty) {
            let code = r.text("code");
            let phrase = lang.coded("reason", &code);
            tbl.row(vec![
                code,
                phrase,
                opt2(r.float("cost")),
                r.text("evidence").replace(';', "; "),
            ]);
        }
        if tbl.is_empty() {
            reason_section.paragraphs.push(lang.tr("none").into());
        } else {
            reason_section.tables.push(tbl);
        }
        let mut case_section = Section::new("cases", lang.tr("lawyer_cases"));
        let mut tbl = Tbl::new(vec![
            text_col(lang.tr("col_case")),
            text_col(lang.tr("case_type")),
            text_col(lang.tr("col_closed_on")),
            text_col(lang.tr("col_recipient")),
            text_col(lang.tr("col_recipient_id")),
            num_col(lang.tr("col_score")),
            text_col(lang.tr("col_grade")),
            text_col(lang.tr("col_disputed")),
            text_col(lang.tr("col_veto")),
        ]);
        let lawyer_cases = cases.take(&id).await?;
        for r in lawyer_cases.rows() {
            tbl.row(vec![
                r.text("case_id"),
                lang.case_type_code(&r.text("case_type")),
                date(&r, "closed_on"),
                mask_name(&r.text("recipient_name")),
                mask_id_no(&r.text("recipient_id_no")),
                r.float("score").map(points).unwrap_or_default(),
                r.text("grade_label"),
                r.bool("disputed")
                    .map(|b| lang.yes_no(b).to_string())
                    .unwrap_or_default(),
                r.text("veto_items"),
            ]);
        }
        if tbl.is_empty() {
            case_section.paragraphs.push(lang.tr("none").into());
        } else {
            case_section.tables.push(tbl);
        }
        let mut history = Section::new("history", lang.tr("lawyer_history"));
        let mut tbl = Tbl::new(vec![
            text_col(lang.tr("col_entry")),
            text_col(lang.tr("col_list")),
            text_col(lang.tr("col_status")),
            text_col(lang.tr("col_severity")),
            text_col(lang.tr("col_rules")),
            text_col(lang.tr("col_proposed_on")),
            text_col(lang.tr("col_listed_on")),
            text_col(lang.tr("col_ends_on")),
            text_col(lang.tr("col_removed_on")),
        ]);
        for r in entries.get(&id).unwrap_or(&empty) {
            tbl.row(vec![
                r.text("entry_id"),
                lang.list(&r.text("list")),
                lang.status(&r.text("status")),
                r.str("severity")
                    .map(|s| lang.severity(s))
                    .unwrap_or_default(),
                sorted_codes(&r.text("rules")).join(";"),
                date(r, "proposed_on"),
                date(r, "listed_on"),
                date(r, "ends_on"),
                date(r, "removed_on"),
            ]);
        }
        let mut ev = Tbl::new(vec![
            text_col(lang.tr("col_date")),
            text_col(lang.tr("col_entry")),
            text_col(lang.tr("col_kind")),
            text_col(lang.tr("col_list")),
            text_col(lang.tr("col_rules")),
            text_col(lang.tr("col_actor")),
            text_col(lang.tr("col_reason_text")),
            text_col(lang.tr("col_evidence")),
        ])
        .caption(lang.tr("lawyer_events"));
        for r in events.get(&id).unwrap_or(&empty) {
            ev.row(vec![
                date(r, "date"),
                r.text("entry_id"),
                lang.event_kind(&r.text("kind")),
                r.str("list").map(|l| lang.list(l)).unwrap_or_default(),
                r.text("rules"),
                r.text("actor"),
                r.text("reason"),
                r.text("evidence").replace(';', "; "),
            ]);
        }
        if tbl.is_empty() && ev.is_empty() {
            history.paragraphs.push(lang.tr("none").into());
        }
        if !tbl.is_empty() {
            history.tables.push(tbl);
        }
        if !ev.is_empty() {
            history.tables.push(ev);
        }
        pages.push(PendingPage {
            rel: format!("internal/lawyers/{}", lawyer_file(&id)),
            title: lang.fmt("lawyer_title", &[&name]),
            sections: vec![
                profile,
                credit_section,
                reason_section,
                case_section,
                history,
            ],
        });
        if pages.len() == PAGE_BATCH {
            render_pages(plan, &links, &mut pages, out)?;
        }
    }
    render_pages(plan, &links, &mut pages, out)
}

/// Lawyer pages rendered together, on every core.
const PAGE_BATCH: usize = 512;

/// A page whose sections are built, waiting to be rendered.
struct PendingPage {
    rel: String,
    title: String,
    sections: Vec<Section>,
}

/// Renders the pending pages in parallel (templating is most of the cost of
/// one lawyer page, and there is a page per lawyer) and writes them in order.
fn render_pages(
    plan: &Plan,
    links: &[(String, String)],
    pages: &mut Vec<PendingPage>,
    out: &mut Writer,
) -> Result<(), PublishError> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_worker = pages.len().div_ceil(workers).max(1);
    let render = |chunk: &[PendingPage]| -> Vec<Result<String, PublishError>> {
        chunk
            .iter()
            .map(|p| page(plan, &p.title, links, &p.sections))
            .collect()
    };
    let rendered: Vec<Result<String, PublishError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pages
            .chunks(per_worker)
            .map(|chunk| scope.spawn(move || render(chunk)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("rendering a page panicked"))
            .collect()
    });
    for (pending, html) in pages.drain(..).zip(rendered) {
        out.write(&pending.rel, html?)?;
    }
    Ok(())
}

async fn inspection(
    ctx: &SessionContext,
    plan: &Plan,
    out: &mut Writer,
) -> Result<(), PublishError> {
    let lang = Lang::from_code(&plan.lang);
    let s = &plan.settings;
    let rows = query(ctx, "select * from mart_inspection order by lawyer_id").await?;
    let mut by_district: BTreeMap<(String, String), Vec<Row>> = BTreeMap::new();
    for r in rows.rows() {
        let d = r.text("district");
        by_district
            .entry((collation_key(&d, false), d))
            .or_default()
            .push(r);
    }
    let mut sections = Vec::new();
    let mut intro = Section::new("intro", lang.tr("inspection_reasons"));
    intro.paragraphs.push(lang.fmt(
        "inspection_intro",
        &[
            &plan.period_start,
            &plan.period_end,
            &plan.as_of,
            &s.inspection.min_licensed_months,
            &s.inspection.min_aid_cases,
        ],
    ));
    intro.facts = (0..=6)
        .map(|i| (format!("I{i}"), lang.tr(&format!("insp_I{i}")).to_string()))
        .collect();
    intro.paragraphs.push(lang.tr("flags_legend").into());
    sections.push(intro);
    for (i, ((_, district), mut lawyers)) in by_district.into_iter().enumerate() {
        lawyers.sort_by_cached_key(|r| {
            (
                collation_key(&r.text("name"), true),
                r.text("name"),
                r.text("lawyer_id"),
            )
        });
        let mut section = Section::new(&format!("district-{i}"), district);
        let mut tbl = Tbl::new(vec![
            text_col(lang.tr("col_name")),
            text_col(lang.tr("col_licence")),
            text_col(lang.tr("col_firm")),
            num_col(lang.tr("col_n_closed")),
            num_col(lang.tr("col_n_reviewed")),
            num_col(lang.tr("col_mean_score")),
            text_col(lang.tr("col_credit")),
            text_col(lang.tr("col_complaints")),
            num_col(lang.tr("col_sanctions")),
            text_col(lang.tr("col_open_negative")),
            text_col(lang.tr("col_flags_count")),
            text_col(lang.tr("col_duty")),
            text_col(lang.tr("col_recommendation")),
            text_col(lang.tr("col_reasons")),
        ]);
        for r in &lawyers {
            let n = |c: &str| r.int(c).unwrap_or(0).to_string();
            let rest = vec![
                r.text("lawyer_id"),
                r.text("law_firm"),
                n("n_closed"),
                n("n_reviewed"),
                opt2(r.float("mean_score")),
                match r.float("credit_score") {
                    Some(v) => format!("{v:.2} ({})", r.text("tier")),
                    None => "—".into(),
                },
                format!(
                    "{}/{}",
                    n("complaints_received"),
                    n("complaints_substantiated")
                ),
                n("sanctions"),
                r.str("open_negative_status")
                    .map(|st| format!("{} ({})", lang.status(st), r.text("open_negative_entry")))
                    .unwrap_or_default(),
                [
                    "n_late_archive",
                    "n_dv_male_lawyer",
                    "n_junior_on_major",
                    "n_grassroots_criminal",
                    "n_assigned_while_listed",
                ]
                .map(n)
                .join("/"),
                lang.tr(if r.bool("duty_met").unwrap_or(false) {
                    "duty_met"
                } else {
                    "duty_not_met"
                })
                .to_string(),
                r.text("recommendation_label"),
                r.text("recommendation_reasons"),
            ];
            let mut cells = vec![link(
                r.text("name"),
                format!("lawyers/{}", lawyer_file(&r.text("lawyer_id"))),
            )];
            cells.extend(rest.into_iter().map(TblCell::from));
            tbl.linked_row(cells);
        }
        section.tables.push(tbl);
        sections.push(section);
    }
    let firms = query(ctx, "select * from mart_inspection_firms order by firm_key").await?;
    let mut firm_rows: Vec<Row> = firms.rows().collect();
    firm_rows.sort_by_cached_key(|r| {
        (
            collation_key(&r.text("district"), false),
            collation_key(&r.text("law_firm"), false),
            r.text("firm_key"),
        )
    });
    let mut section = Section::new("firms", lang.tr("inspection_firms"));
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("col_firm")),
        text_col(lang.tr("col_district")),
        num_col(lang.tr("col_n_lawyers")),
        num_col(lang.tr("col_competent")),
        num_col(lang.tr("col_basically")),
        num_col(lang.tr("col_not_competent")),
        num_col(lang.tr("col_not_graded")),
        num_col(lang.tr("col_duty_share")),
        num_col(lang.tr("col_n_closed")),
        num_col(lang.tr("col_n_reviewed")),
        num_col(lang.tr("col_mean_score")),
    ]);
    for r in firm_rows {
        let n = |c: &str| r.int(c).unwrap_or(0).to_string();
        tbl.row(vec![
            r.text("law_firm"),
            r.text("district"),
            n("n_lawyers"),
            n("n_competent"),
            n("n_basically_competent"),
            n("n_not_competent"),
            n("n_not_graded"),
            r.float("share_duty_met").map(percent).unwrap_or_default(),
            n("n_cases_closed"),
            n("n_cases_reviewed"),
            opt2(r.float("mean_score")),
        ]);
    }
    section.tables.push(tbl);
    sections.push(section);
    let html = page(
        plan,
        lang.tr("inspection_title"),
        &[("panel.html".into(), lang.tr("back_to_panel").into())],
        &sections,
    )?;
    out.write("internal/inspection.html", html)
}
