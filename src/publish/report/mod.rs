//! The public report `public/index.html` and its charts, one module per
//! section: [`summary`], [`grades`], [`scores`], [`districts`], [`tiers`],
//! [`trend`], the [`lists`] and the [`method`]. Each is a synchronous
//! function from typed rows (through [`Report`]) to its table and chart;
//! [`page`] puts them into the template context.
//!
//! Every figure is computed from case-level rows read in case-id order
//! (so the bytes never depend on how the engine partitioned a sum), then
//! passed through the small-cell rule. Tables that show the same figure —
//! reviewed cases per case type in the headline and as the grade table's
//! row totals, grade totals in the grade and the district tables, the closed
//! and reviewed totals — are suppressed together ([`suppress_linked`](crate::publish::privacy::suppress_linked)), so
//! no table gives away what another withholds. Score histograms merge
//! 5-point bins until each holds at least `min_cell` cases, and are drawn
//! only for case types whose reviewed count is published.

pub mod districts;
pub mod figures;
pub mod grades;
pub mod lists;
pub mod method;
pub mod scores;
pub mod summary;
pub mod tiers;
pub mod trend;

use minijinja::Value;

use super::charts::Chart;
use super::i18n::Lang;
use super::lists::Lists;
use super::privacy::Shown;
use super::rows::{LawyerCreditRow, ReportCaseCountRow, ReportCaseRow};
use super::templates::{Obj, Tbl, figure, list, render};
use super::trend::EarlierPeriod;
use super::{PublishError, Writer};
use crate::plan::Plan;
use figures::{BandCol, Figures, Published};

/// The keys every page shares: language, titles, footer.
///
/// `method_href` is where the footer's pointer to the method section goes:
/// `#method` on the report itself, the report's section from any other
/// page (issue 16 #10: no page points to a section it does not have).
pub fn frame(plan: &Plan, title: &str, internal: bool, method_href: &str) -> Obj {
    let lang = Lang::from_code(&plan.lang);
    let body = &plan.settings.publication.deciding_body;
    Obj::new()
        .set("t", lang.table())
        .set("html_lang", lang.html())
        .set(
            "robots",
            if internal {
                "noindex, nofollow"
            } else {
                "index, follow"
            },
        )
        .set("internal", internal)
        .set("page_title", title)
        .set(
            "subtitle",
            lang.fmt(
                "report_subtitle",
                &[&plan.period_start, &plan.period_end, &plan.as_of, body],
            ),
        )
        .set(
            "footer",
            lang.fmt("footer", &[body, &env!("CARGO_PKG_VERSION")]),
        )
        .set("method_href", method_href)
        .set(
            "method_pointer",
            lang.tr(if method_href.starts_with('#') {
                "footer_method_here"
            } else {
                "footer_method_report"
            }),
        )
}

/// The chart caption: period and source.
pub fn caption(plan: &Plan) -> String {
    Lang::from_code(&plan.lang).fmt(
        "caption",
        &[
            &plan.period_start,
            &plan.period_end,
            &plan.settings.publication.deciding_body,
            &plan.as_of,
        ],
    )
}

/// A count as published.
pub fn count(s: Shown) -> String {
    match s {
        Shown::Value(v) => v.to_string(),
        Shown::Suppressed => "—".to_string(),
        Shown::NotApplicable => String::new(),
    }
}

pub fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

pub fn points(x: f64) -> String {
    format!("{x:.1}")
}

/// A number without a trailing `.0`.
pub fn format_number(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// What the public report reads.
#[derive(Debug)]
pub struct Inputs<'a> {
    /// `mart_report_case_counts` and `mart_report_cases`, counted
    /// ([`count_cases`]).
    pub case_figures: Figures,
    /// `mart_lawyer_credit`.
    pub credit: &'a [LawyerCreditRow],
    /// The earlier periods of the trend (none: no trend section).
    pub earlier: &'a [EarlierPeriod],
}

/// What every section reads: the plan, the language, the small-cell
/// threshold, the grade columns and the case figures as counted and as
/// published.
pub struct Report<'a> {
    pub plan: &'a Plan,
    pub lang: Lang,
    pub min_cell: u64,
    pub bands: Vec<BandCol>,
    pub figures: Figures,
    pub published: Published,
    /// Every chart's caption.
    pub cap: String,
    /// The note of charts that withhold small cells.
    pub chart_note: String,
}

/// Counts the closed cases of `mart_report_case_counts`, then the rows of
/// `mart_report_cases`, a batch at a time in the mart's order (see
/// [`figures::CaseTally`]).
pub fn count_cases<E>(
    plan: &Plan,
    closed: &[ReportCaseCountRow],
    scored: impl IntoIterator<Item = Result<Vec<ReportCaseRow>, E>>,
) -> Result<Figures, E> {
    let bands = figures::band_columns(plan, Lang::from_code(&plan.lang));
    let mut tally = figures::CaseTally::new(&bands);
    closed.iter().for_each(|r| tally.add_closed(r));
    for batch in scored {
        batch?.iter().for_each(|case| tally.add(case));
    }
    Ok(tally.finish())
}

impl<'a> Report<'a> {
    /// Takes the counted figures of the cases and suppresses small cells.
    pub fn new(plan: &'a Plan, mut figures: Figures) -> Report<'a> {
        let lang = Lang::from_code(&plan.lang);
        let min_cell = u64::from(plan.settings.publication.min_cell);
        let bands = figures::band_columns(plan, lang);
        figures.grades = figures::grade_grid(&figures, plan, &bands);
        let published = figures::suppress(&figures, min_cell);
        Report {
            plan,
            lang,
            min_cell,
            bands,
            figures,
            published,
            cap: caption(plan),
            chart_note: lang.tr("chart_suppressed_note").to_string(),
        }
    }
}

/// Writes `public/index.html` and `public/charts/`.
pub fn write(
    plan: &Plan,
    input: Inputs<'_>,
    lists: &Lists,
    out: &mut Writer,
) -> Result<(), PublishError> {
    let (html, charts) = page(plan, input, lists)?;
    for chart in &charts {
        out.chart("public/charts", chart)?;
    }
    out.write("public/index.html", html)
}

/// The report's HTML and its charts (drawn into `public/charts/`).
pub fn page(
    plan: &Plan,
    input: Inputs<'_>,
    published_lists: &Lists,
) -> Result<(String, Vec<Chart>), PublishError> {
    let r = Report::new(plan, input.case_figures);
    let (lang, min_cell) = (r.lang, r.min_cell);
    let folder = "charts";
    let summary = summary::summary(&r);
    let (grades, grade_chart) = grades::grades(&r);
    let (scores_tbl, score_chart) = scores::scores(&r);
    let (district_tbl, district_chart) = districts::districts(&r, &summary.overall_mean);
    let (tiers_tbl, tiers_chart, n_lawyers) =
        tiers::tiers(input.credit, plan, lang, &r.cap, &r.chart_note);
    let trend = (!input.earlier.is_empty()).then(|| {
        trend::trend_section(
            plan,
            lang,
            input.earlier,
            &r.figures,
            &r.published,
            &r.cap,
            min_cell,
        )
    });
    let trend_value = match &trend {
        None => Value::from(()),
        Some((tbl, chart)) => Obj::new()
            .set("tbl", tbl.value())
            .set(
                "fig",
                chart
                    .as_ref()
                    .map_or(Value::from(()), |c| figure(folder, c)),
            )
            .build(),
    };

    // Footnotes on tables that withhold something.
    let suppressed = lang.fmt("suppressed_note", &[&(min_cell.saturating_sub(1))]);
    let noted = |t: Tbl| {
        if t.withholds() {
            let note = if t.footnote.is_empty() {
                suppressed.clone()
            } else {
                format!("{} {}", t.footnote, suppressed)
            };
            t.footnote(note)
        } else {
            t
        }
    };

    let mut toc = vec![
        ("summary", lang.tr("summary")),
        ("grades", lang.tr("grades_heading")),
        ("scores", lang.tr("scores_heading")),
        ("districts", lang.tr("districts_heading")),
        ("tiers", lang.tr("tiers_heading")),
    ];
    if trend.is_some() {
        toc.push(("trend", lang.tr("trend_heading")));
    }
    toc.extend([
        ("positive-list", lang.tr("positive_list")),
        ("negative-list", lang.tr("negative_list")),
        ("ended", lang.tr("ended_heading")),
        ("method", lang.tr("method_heading")),
    ]);

    let title = format!(
        "{}{}",
        plan.settings.publication.deciding_body,
        lang.tr("report_title")
    );
    let title = match lang {
        Lang::Zh => title,
        Lang::En => format!(
            "{}: {}",
            plan.settings.publication.deciding_body,
            lang.tr("report_title")
        ),
    };
    let ctx_value = frame(plan, &title, false, "#method")
        .set(
            "toc",
            list(
                toc.iter()
                    .map(|(id, t)| Obj::new().set("id", *id).set("title", *t).build()),
            ),
        )
        .set("intro", summary.intro)
        .set(
            "figures",
            list(
                summary
                    .figures
                    .iter()
                    .map(|(v, l)| Obj::new().set("value", v.clone()).set("label", *l).build()),
            ),
        )
        .set("headline", noted(summary.tbl).value())
        .set(
            "grades",
            Obj::new()
                .set("tbl", noted(grades).value())
                .set("fig", figure(folder, &grade_chart))
                .build(),
        )
        .set(
            "scores",
            Obj::new()
                .set("tbl", noted(scores_tbl).value())
                .set(
                    "fig",
                    score_chart
                        .as_ref()
                        .map_or(Value::from(()), |c| figure(folder, c)),
                )
                .build(),
        )
        .set(
            "districts",
            Obj::new()
                .set("tbl", noted(district_tbl).value())
                .set("fig", figure(folder, &district_chart))
                .build(),
        )
        .set(
            "tiers",
            Obj::new()
                .set("intro", lang.fmt("tiers_intro", &[&n_lawyers]))
                .set("tbl", noted(tiers_tbl).value())
                .set("fig", figure(folder, &tiers_chart))
                .build(),
        )
        .set("trend", trend_value)
        .set(
            "lists",
            list(lists::list_sections(plan, lang, published_lists)),
        )
        .set("ended", lists::ended_section(plan, lang, published_lists))
        .set("method", list(method::methodology(plan, lang)))
        .build();
    let html = render("index.html", ctx_value)?;
    let mut charts = vec![grade_chart];
    charts.extend(score_chart);
    charts.push(district_chart);
    charts.push(tiers_chart);
    charts.extend(trend.and_then(|(_, chart)| chart));
    Ok((html, charts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lose_trailing_zeros() {
        assert_eq!(format_number(15.0), "15");
        assert_eq!(format_number(0.667), "0.667");
        assert_eq!(format_number(0.7), "0.7");
        assert_eq!(format_number(2.5), "2.5");
    }

    #[test]
    fn the_report_renders_from_rows_alone() {
        let plan = crate::publish::tests::demo_plan();
        let cases: Vec<ReportCaseRow> = (0..40)
            .map(|i| {
                figures::tests::case(
                    &format!("C{i:02}"),
                    "criminal",
                    "武侯区",
                    Some(60.0 + f64::from(i % 20)),
                    None,
                )
            })
            .collect();
        let input = Inputs {
            case_figures: count_cases(
                &plan,
                &figures::tests::counts_of(&cases),
                [Ok::<_, ()>(cases)],
            )
            .unwrap(),
            credit: &[],
            earlier: &[],
        };
        let (html, charts) = page(&plan, input, &Lists::default()).unwrap();
        assert!(html.contains(&plan.settings.publication.deciding_body));
        assert!(
            !html.contains("id=\"trend\""),
            "no earlier period, no trend"
        );
        let stems: Vec<&str> = charts.iter().map(|c| c.stem.as_str()).collect();
        assert_eq!(
            stems,
            [
                "grade-distribution",
                "score-histogram",
                "district-comparison",
                "credit-tiers"
            ]
        );
    }
}
