//! The public report `public/index.html` and its charts.
//!
//! Every figure is computed here from case-level rows read in case-id order
//! (so the bytes never depend on how the engine partitioned a sum), then
//! passed through the small-cell rule. Tables that show the same figure —
//! reviewed cases per case type in the headline and as the grade table's
//! row totals, grade totals in the grade and the district tables, the closed
//! and reviewed totals — are suppressed together ([`suppress_linked`]), so
//! no table gives away what another withholds. Score histograms merge
//! 5-point bins until each holds at least `min_cell` cases, and are drawn
//! only for case types whose reviewed count is published.

use std::collections::BTreeMap;

use minijinja::Value;

use super::charts::{Bar, Bars, Chart, HBars, Kind, Lines, Series, nice_max, palette};
use super::data::{mean, median};
use super::i18n::Lang;
use super::lists::{self, Lists, collation_key, list_rules};
use super::privacy::{Cell, Grid, Shown, rate_shown, suppress_linked};
use super::rows::{LawyerCreditRow, ReportCaseRow, text};
use super::templates::{Obj, Tbl, figure, list, num_col, render, text_col};
use super::trend::{self, EarlierPeriod};
use super::{PublishError, Writer};
use crate::plan::Plan;
use crate::rubric::CaseType;

/// The keys every page shares: language, titles, footer.
pub fn frame(plan: &Plan, title: &str, internal: bool) -> Obj {
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

/// A grade column: the band's code and its label.
#[derive(Debug, Clone)]
struct BandCol {
    code: String,
    label: String,
    fail: bool,
}

/// Case-level figures of the period.
#[derive(Debug, Default)]
struct Figures {
    /// Per case type (in `CaseType::ALL` order).
    closed: Vec<u64>,
    reviewed: Vec<u64>,
    grades: Vec<Vec<Option<u64>>>,
    scores: Vec<Vec<f64>>,
    /// Districts in pinyin order.
    districts: Vec<String>,
    d_closed: Vec<u64>,
    d_grades: Vec<Vec<Option<u64>>>,
    d_scores: Vec<Vec<f64>>,
    all_scores: Vec<f64>,
}

/// What the tables and charts publish of [`Figures`].
struct Published {
    headline: super::privacy::SuppressedGrid,
    grades: super::privacy::SuppressedGrid,
    districts: super::privacy::SuppressedGrid,
    d_closed: super::privacy::SuppressedGrid,
}

/// The rows the public report reads.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// `mart_report_cases`, in case-id order.
    pub cases: &'a [ReportCaseRow],
    /// `mart_lawyer_credit`.
    pub credit: &'a [LawyerCreditRow],
}

/// Writes `public/index.html` and `public/charts/`.
pub fn write(
    plan: &Plan,
    input: &Inputs<'_>,
    lists: &Lists,
    out: &mut Writer,
) -> Result<(), PublishError> {
    let lang = Lang::from_code(&plan.lang);
    let min_cell = u64::from(plan.settings.publication.min_cell);
    let bands = band_columns(plan, lang);
    let mut figures = figures(input.cases, &bands);
    figures.grades = grade_grid(&figures, plan, &bands);
    let published = suppress(&figures, min_cell);
    let types = CaseType::ALL;
    let cap = caption(plan);
    let chart_note = lang.tr("chart_suppressed_note").to_string();
    let folder = "charts";

    // Headline.
    let h = &published.headline;
    let rate = |i: Option<usize>| {
        let (num, den, n) = match i {
            Some(t) => (h.cells[t][1], h.cells[t][0], figures.closed[t]),
            None => (
                h.col_totals[1],
                h.col_totals[0],
                figures.closed.iter().sum::<u64>(),
            ),
        };
        match (num, den) {
            (Shown::Value(a), Shown::Value(b)) if rate_shown(num, den, n, min_cell) && b > 0 => {
                percent(a as f64 / b as f64)
            }
            _ => "—".to_string(),
        }
    };
    let mut headline = Tbl::new(vec![
        text_col(lang.tr("case_type")),
        num_col(lang.tr("closed")),
        num_col(lang.tr("reviewed")),
        num_col(lang.tr("review_rate")),
    ])
    .caption(lang.tr("headline_caption"));
    for (t, ct) in types.iter().enumerate() {
        headline.row(vec![
            lang.case_type(*ct).to_string(),
            count(h.cells[t][0]),
            count(h.cells[t][1]),
            rate(Some(t)),
        ]);
    }
    headline.total_row(vec![
        lang.tr("total").to_string(),
        count(h.col_totals[0]),
        count(h.col_totals[1]),
        rate(None),
    ]);
    let overall_mean = if figures.all_scores.len() as u64 >= min_cell {
        mean(&figures.all_scores).map(points)
    } else {
        None
    };
    let figure_items = [
        (count(h.col_totals[0]), lang.tr("figure_closed")),
        (count(h.col_totals[1]), lang.tr("figure_reviewed")),
        (rate(None), lang.tr("figure_rate")),
        (
            overall_mean.clone().unwrap_or_else(|| "—".into()),
            lang.tr("figure_mean"),
        ),
    ];
    let intro = lang.fmt(
        "intro",
        &[
            &plan.settings.publication.deciding_body,
            &count(h.col_totals[0]),
            &count(h.col_totals[1]),
            &rate(None),
        ],
    );

    // Grades.
    let g = &published.grades;
    let mut grades = Tbl::new(
        std::iter::once(text_col(lang.tr("case_type")))
            .chain(bands.iter().map(|b| num_col(b.label.clone())))
            .chain(std::iter::once(num_col(lang.tr("total"))))
            .collect(),
    )
    .caption(lang.tr("grades_caption"));
    let share = |cell: Shown, total: Shown, n: u64| -> Option<f64> {
        match (cell, total) {
            (Shown::Value(c), Shown::Value(t)) if rate_shown(cell, total, n, min_cell) && t > 0 => {
                Some(c as f64 / t as f64)
            }
            _ => None,
        }
    };
    let mut grade_series: Vec<Series> = bands
        .iter()
        .enumerate()
        .map(|(j, b)| Series {
            name: b.label.clone(),
            colour: band_colour(&bands, j),
            bars: Vec::new(),
        })
        .collect();
    for (t, ct) in types.iter().enumerate() {
        let mut cells = vec![lang.case_type(*ct).to_string()];
        for (j, s) in g.cells[t].iter().enumerate() {
            let sh = share(*s, g.row_totals[t], figures.reviewed[t]);
            cells.push(match (s, sh) {
                (Shown::Value(v), Some(x)) => format!("{v} ({})", percent(x)),
                _ => count(*s),
            });
            grade_series[j].bars.push(Bar {
                value: sh.map(|x| x * 100.0),
                label: match (s, sh) {
                    (_, Some(x)) => percent(x),
                    (Shown::NotApplicable, _) => String::new(),
                    _ => "—".into(),
                },
            });
        }
        cells.push(count(g.row_totals[t]));
        grades.row(cells);
    }
    let mut total_cells = vec![lang.tr("total").to_string()];
    let grand = g.grand_total.unwrap_or(Shown::NotApplicable);
    let n_all = figures.reviewed.iter().sum::<u64>();
    for s in &g.col_totals {
        total_cells.push(match (s, share(*s, grand, n_all)) {
            (Shown::Value(v), Some(x)) => format!("{v} ({})", percent(x)),
            _ => count(*s),
        });
    }
    total_cells.push(count(grand));
    grades.total_row(total_cells);
    let max_share = grade_series
        .iter()
        .flat_map(|s| s.bars.iter().filter_map(|b| b.value))
        .fold(0.0, f64::max);
    let grade_chart = Chart {
        stem: "grade-distribution".into(),
        title: lang.tr("grades_chart").into(),
        caption: cap.clone(),
        note: chart_note.clone(),
        kind: Kind::Bars(Bars {
            categories: types.iter().map(|t| lang.case_type(*t).into()).collect(),
            series: grade_series,
            x_desc: lang.tr("case_type").into(),
            y_desc: lang.tr("share_percent").into(),
            y_max: nice_max(max_share).min(100.0),
            legend: true,
        }),
    };
    out.chart(&format!("public/{folder}"), &grade_chart)?;

    // Scores.
    let mut scores_tbl = Tbl::new(vec![
        text_col(lang.tr("case_type")),
        num_col(lang.tr("n_reviewed")),
        num_col(lang.tr("mean_score")),
        num_col(lang.tr("median_score")),
    ])
    .caption(lang.tr("scores_caption"));
    let mut panels = Vec::new();
    let mut histogram_notes = Vec::new();
    for (t, ct) in types.iter().enumerate() {
        let s = &figures.scores[t];
        let enough = s.len() as u64 >= min_cell;
        scores_tbl.row(vec![
            lang.case_type(*ct).to_string(),
            count(h.cells[t][1]),
            if enough { mean(s).map(points) } else { None }.unwrap_or_else(|| "—".into()),
            if enough { median(s).map(points) } else { None }.unwrap_or_else(|| "—".into()),
        ]);
        if enough && matches!(h.cells[t][1], Shown::Value(_)) {
            let bins = histogram_bins(s, min_cell);
            let y_max = nice_max(bins.iter().map(|b| b.2 as f64).fold(0.0, f64::max));
            panels.push((
                match lang {
                    Lang::Zh => format!("{}（n = {}）", lang.case_type(*ct), s.len()),
                    Lang::En => format!("{} (n = {})", lang.case_type(*ct), s.len()),
                },
                Bars {
                    categories: bins
                        .iter()
                        .map(|(lo, hi, _)| format!("{lo}–{hi}"))
                        .collect(),
                    series: vec![Series {
                        name: lang.case_type(*ct).into(),
                        colour: palette::SERIES[t % palette::SERIES.len()],
                        bars: bins
                            .iter()
                            .map(|(_, _, n)| Bar {
                                value: Some(*n as f64),
                                label: n.to_string(),
                            })
                            .collect(),
                    }],
                    x_desc: lang.tr("score_points").into(),
                    y_desc: lang.tr("cases_count").into(),
                    y_max,
                    legend: false,
                },
            ));
        } else if enough {
            histogram_notes.push(lang.fmt("histogram_withheld", &[&lang.case_type(*ct)]));
        } else {
            histogram_notes.push(lang.fmt("histogram_too_few", &[&lang.case_type(*ct)]));
        }
    }
    let score_chart = (!panels.is_empty()).then(|| Chart {
        stem: "score-histogram".into(),
        title: lang.tr("scores_chart").into(),
        caption: cap.clone(),
        note: histogram_notes.join(if lang == Lang::Zh { "；" } else { "; " }),
        kind: Kind::Panels(panels),
    });
    if let Some(c) = &score_chart {
        out.chart(&format!("public/{folder}"), c)?;
    }
    if !histogram_notes.is_empty() {
        scores_tbl = scores_tbl.footnote(histogram_notes.join(" "));
    }

    // Districts.
    let d = &published.districts;
    let dc = &published.d_closed;
    let mut district_tbl = Tbl::new(
        [
            text_col(lang.tr("district")),
            num_col(lang.tr("closed")),
            num_col(lang.tr("reviewed")),
            num_col(lang.tr("review_rate")),
            num_col(lang.tr("mean_score")),
        ]
        .into_iter()
        .chain(bands.iter().map(|b| num_col(b.label.clone())))
        .collect(),
    )
    .caption(lang.tr("districts_caption"));
    let mut d_bars = Vec::new();
    for (i, name) in figures.districts.iter().enumerate() {
        let n = figures.d_scores[i].len() as u64;
        let mean_shown = (n >= min_cell)
            .then(|| mean(&figures.d_scores[i]))
            .flatten();
        let r = match (d.row_totals[i], dc.cells[i][0]) {
            (Shown::Value(a), Shown::Value(b))
                if rate_shown(
                    d.row_totals[i],
                    dc.cells[i][0],
                    figures.d_closed[i],
                    min_cell,
                ) && b > 0 =>
            {
                percent(a as f64 / b as f64)
            }
            _ => "—".into(),
        };
        let mut cells = vec![
            name.clone(),
            count(dc.cells[i][0]),
            count(d.row_totals[i]),
            r,
            mean_shown.map(points).unwrap_or_else(|| "—".into()),
        ];
        cells.extend(d.cells[i].iter().map(|s| count(*s)));
        district_tbl.row(cells);
        d_bars.push(Bar {
            value: mean_shown,
            label: mean_shown
                .map(points)
                .unwrap_or_else(|| lang.fmt("too_few", &[&min_cell])),
        });
    }
    let total_rate = rate(None);
    let mut cells = vec![
        lang.tr("total").to_string(),
        count(dc.col_totals[0]),
        count(d.grand_total.unwrap_or(Shown::NotApplicable)),
        total_rate,
        overall_mean.clone().unwrap_or_else(|| "—".into()),
    ];
    cells.extend(d.col_totals.iter().map(|s| count(*s)));
    district_tbl.total_row(cells);
    let shown_means: Vec<f64> = d_bars.iter().filter_map(|b| b.value).collect();
    let lo = shown_means
        .iter()
        .copied()
        .fold(100.0, f64::min)
        .min(mean(&figures.all_scores).unwrap_or(100.0));
    let lo = ((lo - 10.0) / 10.0).floor().max(0.0) * 10.0;
    let district_chart = Chart {
        stem: "district-comparison".into(),
        title: lang.tr("districts_chart").into(),
        caption: cap.clone(),
        note: chart_note.clone(),
        kind: Kind::HBars(HBars {
            categories: figures.districts.clone(),
            colours: vec![palette::BLUE; figures.districts.len()],
            bars: d_bars,
            x_desc: lang.tr("score_points").into(),
            y_desc: lang.tr("district").into(),
            x_range: (lo, 100.0),
            reference: overall_mean
                .as_ref()
                .and_then(|_| mean(&figures.all_scores))
                .map(|m| (m, lang.fmt("all_districts_mean", &[&points(m)])))
                .into_iter()
                .collect(),
        }),
    };
    out.chart(&format!("public/{folder}"), &district_chart)?;

    // Credit tiers.
    let (tiers_tbl, tiers_chart, n_lawyers) = tiers(input.credit, plan, lang, &cap, &chart_note);
    out.chart(&format!("public/{folder}"), &tiers_chart)?;

    // Trend.
    let earlier = trend::load(plan)?;
    let trend_value = if earlier.is_empty() {
        Value::from(())
    } else {
        let (tbl, chart) =
            trend_section(plan, lang, &earlier, &figures, &published, &cap, min_cell);
        if let Some(c) = &chart {
            out.chart(&format!("public/{folder}"), c)?;
        }
        Obj::new()
            .set("tbl", tbl.value())
            .set(
                "fig",
                chart
                    .as_ref()
                    .map_or(Value::from(()), |c| figure(folder, c)),
            )
            .build()
    };

    // Lists and ended entries.
    let list_values: Vec<Value> = [("positive", &lists.positive), ("negative", &lists.negative)]
        .into_iter()
        .map(|(l, entries)| {
            let name = lang.list(l);
            Obj::new()
                .set("id", format!("{l}-list"))
                .set("title", format!("{name}（{}）", entries.len()))
                .set(
                    "intro",
                    lang.tr(if l == "negative" {
                        "negative_intro"
                    } else {
                        "positive_intro"
                    }),
                )
                .set(
                    "downloads",
                    list(
                        [
                            ("csv", "download_csv"),
                            ("xlsx", "download_xlsx"),
                            ("html", "download_html"),
                        ]
                        .map(|(ext, key)| {
                            Obj::new()
                                .set("href", format!("{l}-list.{ext}"))
                                .set("label", lang.tr(key))
                                .build()
                        }),
                    ),
                )
                .set(
                    "tbl",
                    lists::report_table(l, entries, plan).map_or(Value::from(()), |t| t.value()),
                )
                .set("empty", lang.tr("list_empty"))
                .build()
        })
        .collect();
    let (ended_tbl, corrections) = ended(lists, lang, &plan.settings);
    let ended_intro = match lists.last_publication {
        Some(d) => lang.fmt("ended_intro_since", &[&d]),
        None => lang.fmt("ended_intro_first", &[&plan.as_of]),
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
    if !earlier.is_empty() {
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
    let ctx_value = frame(plan, &title, false)
        .set(
            "toc",
            list(
                toc.iter()
                    .map(|(id, t)| Obj::new().set("id", *id).set("title", *t).build()),
            ),
        )
        .set("intro", intro)
        .set(
            "figures",
            list(
                figure_items
                    .iter()
                    .map(|(v, l)| Obj::new().set("value", v.clone()).set("label", *l).build()),
            ),
        )
        .set("headline", noted(headline).value())
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
        .set("lists", list(list_values))
        .set(
            "ended",
            Obj::new()
                .set("intro", ended_intro)
                .set("corrections", list(corrections))
                .set("tbl", ended_tbl.map_or(Value::from(()), |t| t.value()))
                .build(),
        )
        .set("method", list(methodology(plan, lang)))
        .build();
    out.write("public/index.html", render("index.html", ctx_value)?)?;
    Ok(())
}

/// The grade columns: every band of every rubric, by code, in the order
/// first met (case types in their fixed order, bands highest first).
fn band_columns(plan: &Plan, lang: Lang) -> Vec<BandCol> {
    let mut out: Vec<BandCol> = Vec::new();
    for t in CaseType::ALL {
        for b in &plan.rubric(t).bands {
            if !out.iter().any(|c| c.code == b.code) {
                out.push(BandCol {
                    code: b.code.clone(),
                    label: lang.band(b),
                    fail: b.fail,
                });
            }
        }
    }
    out
}

/// Colours of the grade bands: the fail band vermillion, the others in
/// palette order.
fn band_colour(bands: &[BandCol], j: usize) -> plotters::style::RGBColor {
    if bands[j].fail {
        return palette::VERMILLION;
    }
    let k = bands[..j].iter().filter(|b| !b.fail).count();
    palette::SERIES[k % (palette::SERIES.len() - 1)]
}

fn figures(rows: &[ReportCaseRow], bands: &[BandCol]) -> Figures {
    let types = CaseType::ALL;
    let mut f = Figures {
        closed: vec![0; 3],
        reviewed: vec![0; 3],
        grades: vec![vec![None; bands.len()]; 3],
        scores: vec![Vec::new(); 3],
        ..Figures::default()
    };
    let mut districts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in rows {
        let d = text(&r.district);
        let n = districts.len();
        districts.entry((collation_key(&d, false), d)).or_insert(n);
    }
    f.districts = districts.keys().map(|(_, d)| d.clone()).collect();
    let index: BTreeMap<String, usize> = f
        .districts
        .iter()
        .enumerate()
        .map(|(i, d)| (d.clone(), i))
        .collect();
    let nd = f.districts.len();
    f.d_closed = vec![0; nd];
    f.d_grades = vec![vec![Some(0); bands.len()]; nd];
    f.d_scores = vec![Vec::new(); nd];
    for r in rows {
        let Some(t) =
            CaseType::parse(&r.case_type).and_then(|ct| types.iter().position(|x| *x == ct))
        else {
            continue;
        };
        let di = index[&text(&r.district)];
        f.closed[t] += 1;
        f.d_closed[di] += 1;
        if let Some(score) = r.score {
            f.reviewed[t] += 1;
            f.scores[t].push(score);
            f.d_scores[di].push(score);
            f.all_scores.push(score);
            if let Some(j) = bands
                .iter()
                .position(|b| Some(b.code.as_str()) == r.grade.as_deref())
            {
                *f.grades[t][j].get_or_insert(0) += 1;
                *f.d_grades[di][j].get_or_insert(0) += 1;
            }
        }
    }
    f
}

/// Marks which grade cells apply to which case type: a band of the case
/// type's rubric applies (zero when no case got it); others do not.
fn grade_grid(f: &Figures, plan: &Plan, bands: &[BandCol]) -> Vec<Vec<Option<u64>>> {
    CaseType::ALL
        .iter()
        .enumerate()
        .map(|(t, ct)| {
            bands
                .iter()
                .enumerate()
                .map(|(j, b)| {
                    let applies = plan.rubric(*ct).bands.iter().any(|x| x.code == b.code);
                    applies.then(|| f.grades[t][j].unwrap_or(0))
                })
                .collect()
        })
        .collect()
}

fn suppress(f: &Figures, min_cell: u64) -> Published {
    let t = f.closed.len();
    let b = f.grades.first().map_or(0, Vec::len);
    let nd = f.districts.len();
    let headline = Grid {
        cells: (0..t)
            .map(|i| vec![Some(f.closed[i]), Some(f.reviewed[i])])
            .collect(),
        row_totals: false,
        col_totals: true,
    };
    let grades = Grid {
        cells: f.grades.clone(),
        row_totals: true,
        col_totals: true,
    };
    let districts = Grid {
        cells: f.d_grades.clone(),
        row_totals: true,
        col_totals: true,
    };
    let d_closed = Grid {
        cells: f.d_closed.iter().map(|c| vec![Some(*c)]).collect(),
        row_totals: false,
        col_totals: true,
    };
    let mut links: Vec<(Cell, Cell)> = (0..t).map(|i| ((0, i, 1), (1, i, b))).collect();
    links.push(((0, t, 1), (1, t, b)));
    links.extend((0..b).map(|j| ((1, t, j), (2, nd, j))));
    links.push(((1, t, b), (2, nd, b)));
    links.push(((0, t, 0), (3, nd, 0)));
    let mut out = suppress_linked(&[headline, grades, districts, d_closed], &links, min_cell);
    let d_closed = out.pop().expect("four grids");
    let districts = out.pop().expect("four grids");
    let grades = out.pop().expect("four grids");
    let headline = out.pop().expect("four grids");
    Published {
        headline,
        grades,
        districts,
        d_closed,
    }
}

/// Histogram bins of a case type's scores: 5-point bins from 0 to 100 (each
/// with its lower bound, the last with 100 too), merged from the bottom up
/// until each holds at least `min_cell` cases; a small remainder at the top
/// joins the bin below it. Returns (lower, upper, count).
pub fn histogram_bins(scores: &[f64], min_cell: u64) -> Vec<(u32, u32, u64)> {
    let mut counts = [0u64; 20];
    for s in scores {
        let i = ((s.clamp(0.0, 100.0) + 1e-9) / 5.0).floor() as usize;
        counts[i.min(19)] += 1;
    }
    let mut bins: Vec<(u32, u32, u64)> = Vec::new();
    let mut lo = 0u32;
    let mut acc = 0u64;
    for (i, c) in counts.iter().enumerate() {
        acc += c;
        let hi = 5 * (i as u32 + 1);
        if acc >= min_cell.max(1) {
            bins.push((lo, hi, acc));
            lo = hi;
            acc = 0;
        }
    }
    if acc > 0 || bins.is_empty() {
        match bins.last_mut() {
            Some(last) => {
                last.1 = 100;
                last.2 += acc;
            }
            None => bins.push((0, 100, acc)),
        }
    } else if let Some(last) = bins.last_mut() {
        last.1 = 100;
    }
    bins
}

fn tiers(
    credit: &[LawyerCreditRow],
    plan: &Plan,
    lang: Lang,
    cap: &str,
    chart_note: &str,
) -> (Tbl, Chart, u64) {
    let min_cell = u64::from(plan.settings.publication.min_cell);
    let order = ["A", "B", "C", "D", ""];
    let mut counts = [0u64; 5];
    for r in credit.iter().filter(|r| r.n_cases_closed.unwrap_or(0) > 0) {
        let tier = text(&r.tier);
        let i = order.iter().position(|t| *t == tier).unwrap_or(4);
        counts[i] += 1;
    }
    let n: u64 = counts.iter().sum();
    let show_none = counts[4] > 0;
    let k = if show_none { 5 } else { 4 };
    let grid = Grid {
        cells: counts[..k].iter().map(|c| vec![Some(*c)]).collect(),
        row_totals: false,
        col_totals: true,
    }
    .suppress(min_cell);
    let s = &plan.settings;
    let (a, b, c) = (s.tier_lower("A"), s.tier_lower("B"), s.tier_lower("C"));
    let labels: Vec<String> = order[..k]
        .iter()
        .map(|t| match *t {
            "A" => lang.fmt("tier_label", &[&"A", &format!("≥ {a}")]),
            "B" => lang.fmt("tier_label", &[&"B", &format!("{b}–{a}")]),
            "C" => lang.fmt("tier_label", &[&"C", &format!("{c}–{b}")]),
            "D" => lang.fmt("tier_label", &[&"D", &format!("< {c}")]),
            _ => lang.tr("tier_none").to_string(),
        })
        .collect();
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("tier")),
        num_col(lang.tr("lawyers_count")),
        num_col(lang.tr("share")),
    ]);
    let total = grid.col_totals[0];
    let mut bars = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        let cell = grid.cells[i][0];
        let sh = match (cell, total) {
            (Shown::Value(v), Shown::Value(t)) if rate_shown(cell, total, n, min_cell) && t > 0 => {
                Some(v as f64 / t as f64)
            }
            _ => None,
        };
        tbl.row(vec![
            label.clone(),
            count(cell),
            sh.map(percent).unwrap_or_else(|| "—".into()),
        ]);
        bars.push(Bar {
            value: cell.value().map(|v| v as f64),
            label: count(cell),
        });
    }
    tbl.total_row(vec![
        lang.tr("total").into(),
        count(total),
        if matches!(total, Shown::Value(_)) {
            "100.0%".into()
        } else {
            "—".into()
        },
    ]);
    let y_max = nice_max(bars.iter().filter_map(|b| b.value).fold(0.0, f64::max));
    let chart = Chart {
        stem: "credit-tiers".into(),
        title: lang.tr("tiers_chart").into(),
        caption: cap.into(),
        note: chart_note.into(),
        kind: Kind::Bars(Bars {
            categories: labels,
            series: vec![Series {
                name: lang.tr("lawyers_count").into(),
                colour: palette::BLUE,
                bars,
            }],
            x_desc: lang.tr("tier").into(),
            y_desc: lang.tr("lawyers_count").into(),
            y_max,
            legend: false,
        }),
    };
    (tbl, chart, n)
}

fn trend_section(
    plan: &Plan,
    lang: Lang,
    earlier: &[EarlierPeriod],
    f: &Figures,
    published: &Published,
    cap: &str,
    min_cell: u64,
) -> (Tbl, Option<Chart>) {
    let types = CaseType::ALL;
    let mut tbl = Tbl::new(
        [
            text_col(lang.tr("period")),
            num_col(lang.tr("reviewed")),
            num_col(lang.tr("mean_score")),
        ]
        .into_iter()
        .chain(
            types
                .iter()
                .map(|t| num_col(lang.fmt("mean_of", &[&lang.case_type(*t)]))),
        )
        .collect(),
    );
    let shown_mean = |s: &[f64]| {
        if s.len() as u64 >= min_cell {
            mean(s)
        } else {
            None
        }
    };
    let mut categories = Vec::new();
    let mut series: Vec<Vec<Option<f64>>> = vec![Vec::new(); types.len() + 1];
    let mut add = |label: String, n: Shown, all: &[f64], per_type: Vec<Vec<f64>>| {
        let overall = shown_mean(all);
        let mut cells = vec![
            label.clone(),
            count(n),
            overall.map(points).unwrap_or("—".into()),
        ];
        series[0].push(overall);
        for (t, s) in per_type.iter().enumerate() {
            let m = shown_mean(s);
            cells.push(m.map(points).unwrap_or("—".into()));
            series[t + 1].push(m);
        }
        tbl.row(cells);
        categories.push(label);
    };
    for p in earlier {
        let per_type: Vec<Vec<f64>> = types
            .iter()
            .map(|t| {
                p.scores
                    .iter()
                    .filter(|(ct, _)| ct == t.code())
                    .map(|(_, s)| *s)
                    .collect()
            })
            .collect();
        let all: Vec<f64> = p.scores.iter().map(|(_, s)| *s).collect();
        let n = Grid {
            cells: vec![vec![Some(all.len() as u64)]],
            row_totals: false,
            col_totals: false,
        }
        .suppress(min_cell)
        .cells[0][0];
        add(period_label(p.start, p.end, lang), n, &all, per_type);
    }
    add(
        period_label(plan.period_start, plan.period_end, lang),
        published.headline.col_totals[1],
        &f.all_scores,
        f.scores.clone(),
    );
    let values: Vec<f64> = series.iter().flatten().flatten().copied().collect();
    let chart = (!values.is_empty()).then(|| {
        let lo = values.iter().copied().fold(100.0, f64::min);
        let hi = values.iter().copied().fold(0.0, f64::max);
        let lo = ((lo - 5.0) / 5.0).floor().max(0.0) * 5.0;
        let hi = (((hi + 5.0) / 5.0).ceil() * 5.0).min(100.0);
        let names = std::iter::once(lang.tr("total").to_string())
            .chain(types.iter().map(|t| lang.case_type(*t).to_string()));
        let colours = [
            palette::BLACK,
            palette::BLUE,
            palette::ORANGE,
            palette::BLUISH_GREEN,
        ];
        Chart {
            stem: "trend".into(),
            title: lang.tr("trend_chart").into(),
            caption: cap.into(),
            note: String::new(),
            kind: Kind::Lines(Lines {
                categories: categories.clone(),
                series: names
                    .zip(colours)
                    .zip(series.clone())
                    .map(|((n, c), v)| (n, c, v))
                    .collect(),
                x_desc: lang.tr("period").into(),
                y_desc: lang.tr("mean_points").into(),
                y_range: (lo, hi.max(lo + 5.0)),
            }),
        }
    });
    (tbl, chart)
}

/// A period's label: the year alone for a calendar year, else its dates.
pub fn period_label(start: chrono::NaiveDate, end: chrono::NaiveDate, lang: Lang) -> String {
    use chrono::Datelike;
    if start.year() == end.year()
        && (start.month(), start.day()) == (1, 1)
        && (end.month(), end.day()) == (12, 31)
    {
        lang.fmt("year_label", &[&start.year()])
    } else {
        format!("{start}–{end}")
    }
}

/// The ended-entries table and the corrections for annulled entries.
fn ended(
    lists: &Lists,
    lang: Lang,
    settings: &crate::config::Settings,
) -> (Option<Tbl>, Vec<String>) {
    let mut corrections = amendments(lists, lang, settings);
    if lists.ended.is_empty() {
        return (None, corrections);
    }
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("col_name")),
        text_col(lang.tr("col_licence")),
        text_col(lang.tr("col_firm")),
        text_col(lang.tr("col_district")),
        text_col(lang.tr("col_list")),
        text_col(lang.tr("col_listed_on")),
        text_col(lang.tr("col_ended_on")),
        text_col(lang.tr("col_how")),
    ])
    .plain();
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for e in &lists.ended {
        let how = match (e.status.as_str(), e.list.as_str()) {
            ("expired", _) => lang.tr("how_expired"),
            ("removed", "negative") => lang.tr("how_removed_negative"),
            ("removed", _) => lang.tr("how_removed_positive"),
            _ => lang.tr("how_annulled"),
        };
        if e.status == "annulled" {
            corrections.push(lang.fmt(
                "correction",
                &[
                    &e.name,
                    &e.lawyer_id,
                    &date(e.listed_on),
                    &lang.list(&e.list),
                    &date(e.ended_on),
                ],
            ));
        }
        tbl.row(vec![
            e.name.clone(),
            e.lawyer_id.clone(),
            e.law_firm.clone(),
            e.district.clone(),
            lang.list(&e.list),
            date(e.listed_on),
            date(e.ended_on),
            how.to_string(),
        ]);
    }
    (Some(tbl), corrections)
}

/// Corrections for listed entries amended since the last publication: the
/// rule codes dropped and their plain words, never the evidence.
fn amendments(lists: &Lists, lang: Lang, settings: &crate::config::Settings) -> Vec<String> {
    let rules = lists::list_rules(settings);
    let all = lists
        .negative
        .iter()
        .chain(&lists.ended)
        .chain(&lists.positive);
    let entries: BTreeMap<&str, &lists::Entry> = all.map(|e| (e.entry_id.as_str(), e)).collect();
    let mut out = Vec::new();
    for a in &lists.amended {
        let Some(e) = entries.get(a.entry_id.as_str()) else {
            continue;
        };
        let dropped: Vec<String> = a
            .dropped
            .iter()
            .map(|c| match rules.iter().find(|r| r.code == c) {
                Some(r) => format!("{c} {}", r.text(lang)),
                None => c.clone(),
            })
            .collect();
        out.push(lang.fmt(
            "correction_amended",
            &[
                &e.name,
                &e.lawyer_id,
                &e.listed_on.map(|d| d.to_string()).unwrap_or_default(),
                &lang.list(&e.list),
                &a.on,
                &dropped.join(match lang {
                    Lang::Zh => "；",
                    Lang::En => "; ",
                }),
            ],
        ));
    }
    out
}

/// The methodology: generated from the rubrics and settings of this run.
fn methodology(plan: &Plan, lang: Lang) -> Vec<Value> {
    let s = &plan.settings;
    let min_cell = s.publication.min_cell;
    let section = |heading: String, paragraphs: Vec<String>, tables: Vec<Tbl>| {
        Obj::new()
            .set("heading", heading)
            .set("paragraphs", list(paragraphs))
            .set("tables", list(tables.iter().map(Tbl::value)))
            .build()
    };
    let mut out = vec![section(
        lang.tr("method_data").into(),
        vec![lang.fmt(
            "method_data_text",
            &[&plan.period_start, &plan.period_end, &plan.as_of],
        )],
        Vec::new(),
    )];
    for ct in CaseType::ALL {
        let r = plan.rubric(ct);
        let fail_label = r
            .bands
            .iter()
            .find(|b| b.fail)
            .map(|b| lang.band(b))
            .unwrap_or_default();
        let mut items = Tbl::new(vec![
            text_col(lang.tr("col_code")),
            text_col(lang.tr("col_stage")),
            text_col(lang.tr("col_item")),
            num_col(lang.tr("col_points")),
            text_col(lang.tr("col_flags")),
        ]);
        for it in &r.items {
            let stage = r
                .stages
                .iter()
                .find(|st| st.code == it.stage)
                .map(|st| format!("{} {}", st.code, lang.stage(st)))
                .unwrap_or_else(|| it.stage.clone());
            let flags = if it.veto {
                lang.fmt("flag_veto", &[&fail_label])
            } else if it.optional {
                lang.tr("flag_optional").to_string()
            } else {
                String::new()
            };
            items.row(vec![
                it.code.clone(),
                stage,
                lang.item(it),
                format_number(it.max_points),
                flags,
            ]);
        }
        let mut bands = Tbl::new(vec![
            text_col(lang.tr("col_band")),
            text_col(lang.tr("col_range")),
            text_col(lang.tr("col_flags")),
        ]);
        for (i, b) in r.bands.iter().enumerate() {
            let range = if i == 0 {
                lang.fmt("band_range", &[&format_number(b.lower)])
            } else {
                lang.fmt(
                    "band_range_between",
                    &[
                        &format_number(b.lower),
                        &format_number(r.bands[i - 1].lower),
                    ],
                )
            };
            bands.row(vec![
                lang.band(b),
                range,
                if b.fail {
                    lang.tr("band_fail_note").into()
                } else {
                    String::new()
                },
            ]);
        }
        let n_veto = r.items.iter().filter(|i| i.veto).count();
        out.push(section(
            lang.fmt(
                "method_rubric",
                &[&format!(
                    "{}（{}）",
                    lang.rubric_title(r),
                    lang.case_type(ct)
                )],
            ),
            vec![lang.fmt(
                "method_rubric_facts",
                &[
                    &r.version,
                    &format_number(r.full_mark),
                    &r.items.len(),
                    &n_veto,
                    &r.sha256,
                ],
            )],
            vec![items, bands],
        ));
    }
    let rel = &s.reliability;
    out.push(section(
        lang.tr("method_scoring").into(),
        vec![
            lang.fmt(
                "method_scoring_text",
                &[&format_number(s.scoring.dispute_spread)],
            ),
            lang.fmt(
                "method_reliability_text",
                &[
                    &rel.alpha_min_cases,
                    &format_number(rel.alpha_good),
                    &format_number(rel.alpha_hold),
                ],
            ),
        ],
        Vec::new(),
    ));
    let c = &s.credit;
    let mut sanctions = Tbl::new(vec![
        text_col(lang.tr("col_sanction")),
        num_col(lang.tr("col_deduction")),
    ]);
    for (kind, _) in crate::config::SANCTION_KINDS {
        sanctions.row(vec![
            lang.sanction_kind(kind),
            format_number(s.sanction_points(kind).unwrap_or(0.0)),
        ]);
    }
    out.push(section(
        lang.tr("method_credit").into(),
        vec![
            lang.fmt(
                "method_credit_text",
                &[
                    &format_number(c.weight_quality),
                    &format_number(c.weight_service),
                    &format_number(c.shrinkage_k),
                    &c.archive_days,
                    &c.lookback_years,
                    &format_number(c.complaint_points),
                    &format_number(c.prohibited_points),
                ],
            ),
            lang.fmt(
                "method_tiers_text",
                &[
                    &format_number(s.tier_lower("A")),
                    &format_number(s.tier_lower("B")),
                    &format_number(s.tier_lower("C")),
                ],
            ),
        ],
        vec![sanctions],
    ));
    let l = &s.lists;
    let mut rules = Tbl::new(vec![
        text_col(lang.tr("col_code")),
        text_col(lang.tr("col_list")),
        text_col(lang.tr("col_rule")),
        text_col(lang.tr("col_severity")),
    ]);
    for r in list_rules(s) {
        rules.row(vec![
            r.code.to_string(),
            lang.list(r.list),
            r.text(lang).to_string(),
            r.severity.map(|x| lang.severity(x)).unwrap_or_default(),
        ]);
    }
    out.push(section(
        lang.tr("method_lists").into(),
        vec![
            lang.fmt(
                "method_lists_text",
                &[
                    &l.notice_days,
                    &l.general_days,
                    &l.serious_days,
                    &l.general_repair_days,
                    &l.serious_repair_days,
                    &l.positive_days,
                ],
            ),
            lang.fmt(
                "method_positive_thresholds",
                &[
                    &l.positive_min_cases,
                    &l.positive_min_years,
                    &format_number(l.positive_min_mean),
                    &l.positive_min_feedback,
                    &format_number(l.positive_min_satisfaction),
                ],
            ),
        ],
        vec![rules],
    ));
    out.push(section(
        lang.tr("method_privacy").into(),
        vec![lang.fmt(
            "method_privacy_text",
            &[&min_cell.saturating_sub(1), &min_cell],
        )],
        Vec::new(),
    ));
    let mut settings = Tbl::new(vec![
        text_col(lang.tr("col_setting")),
        text_col(lang.tr("col_value")),
    ]);
    for (k, v) in settings_list(plan) {
        settings.row(vec![k, v]);
    }
    out.push(section(
        lang.tr("method_settings").into(),
        Vec::new(),
        vec![settings],
    ));
    out
}

/// Every setting that shapes a published figure, as `[section] key` and
/// value.
fn settings_list(plan: &Plan) -> Vec<(String, String)> {
    let s = &plan.settings;
    let n = format_number;
    let mut out = vec![
        ("[period] start".into(), plan.period_start.to_string()),
        ("[period] end".into(), plan.period_end.to_string()),
        ("as_of".into(), plan.as_of.to_string()),
        (
            "[scoring] dispute_spread".into(),
            n(s.scoring.dispute_spread),
        ),
        (
            "[scoring] severity_threshold".into(),
            n(s.scoring.severity_threshold),
        ),
        (
            "[reliability] alpha_hold".into(),
            n(s.reliability.alpha_hold),
        ),
        (
            "[reliability] alpha_good".into(),
            n(s.reliability.alpha_good),
        ),
        (
            "[reliability] alpha_min_cases".into(),
            s.reliability.alpha_min_cases.to_string(),
        ),
        ("[credit] shrinkage_k".into(), n(s.credit.shrinkage_k)),
        ("[credit] weight_quality".into(), n(s.credit.weight_quality)),
        ("[credit] weight_service".into(), n(s.credit.weight_service)),
        (
            "[credit] archive_days".into(),
            s.credit.archive_days.to_string(),
        ),
        (
            "[credit] lookback_years".into(),
            s.credit.lookback_years.to_string(),
        ),
        (
            "[credit] complaint_points".into(),
            n(s.credit.complaint_points),
        ),
        (
            "[credit] prohibited_points".into(),
            n(s.credit.prohibited_points),
        ),
    ];
    for t in ["A", "B", "C"] {
        out.push((format!("[credit] tiers.{t}"), n(s.tier_lower(t))));
    }
    let l = &s.lists;
    out.extend([
        ("[lists] notice_days".into(), l.notice_days.to_string()),
        ("[lists] general_days".into(), l.general_days.to_string()),
        ("[lists] serious_days".into(), l.serious_days.to_string()),
        (
            "[lists] general_repair_days".into(),
            l.general_repair_days.to_string(),
        ),
        (
            "[lists] serious_repair_days".into(),
            l.serious_repair_days.to_string(),
        ),
        (
            "[lists] heavy_sanction_points".into(),
            n(l.heavy_sanction_points),
        ),
        (
            "[lists] positive_min_cases".into(),
            l.positive_min_cases.to_string(),
        ),
        (
            "[lists] positive_min_years".into(),
            l.positive_min_years.to_string(),
        ),
        ("[lists] positive_min_mean".into(), n(l.positive_min_mean)),
        (
            "[lists] positive_min_satisfaction".into(),
            n(l.positive_min_satisfaction),
        ),
        (
            "[lists] positive_min_feedback".into(),
            l.positive_min_feedback.to_string(),
        ),
        ("[lists] positive_days".into(), l.positive_days.to_string()),
        (
            "[inspection] min_aid_cases".into(),
            s.inspection.min_aid_cases.to_string(),
        ),
        (
            "[publication] min_cell".into(),
            s.publication.min_cell.to_string(),
        ),
        (
            "[publication] deciding_body".into(),
            s.publication.deciding_body.clone(),
        ),
    ]);
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bins_hold_at_least_min_cell() {
        let scores: Vec<f64> = (0..200).map(|i| 50.0 + (i % 50) as f64).collect();
        let bins = histogram_bins(&scores, 11);
        assert_eq!(bins.first().unwrap().0, 0);
        assert_eq!(bins.last().unwrap().1, 100);
        assert_eq!(bins.iter().map(|b| b.2).sum::<u64>(), 200);
        assert!(bins.iter().all(|b| b.2 >= 11), "{bins:?}");
        for w in bins.windows(2) {
            assert_eq!(w[0].1, w[1].0);
        }
        // A score of exactly 100 counts in the last bin.
        let bins = histogram_bins(&[100.0; 12], 11);
        assert_eq!(bins, vec![(0, 100, 12)]);
        // A small remainder at the top joins the bin below.
        let mut s = vec![62.0; 11];
        s.extend([97.0; 3]);
        let bins = histogram_bins(&s, 11);
        assert_eq!(bins, vec![(0, 100, 14)]);
    }

    #[test]
    fn numbers_lose_trailing_zeros() {
        assert_eq!(format_number(15.0), "15");
        assert_eq!(format_number(0.667), "0.667");
        assert_eq!(format_number(0.7), "0.7");
        assert_eq!(format_number(2.5), "2.5");
    }
}
