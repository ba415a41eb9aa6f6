//! The grade table (case types by grade band, with shares) and its chart.

use super::figures::band_colour;
use super::{Report, count, percent};
use crate::publish::charts::{Bar, Bars, Chart, Kind, Series, nice_max};
use crate::publish::privacy::{Shown, rate_shown};
use crate::publish::templates::{Tbl, num_col, text_col};

/// The grade table and the grade-distribution chart.
pub fn grades(r: &Report<'_>) -> (Tbl, Chart) {
    let (lang, min_cell, bands, figures) = (r.lang, r.min_cell, &r.bands, &r.figures);
    let published = &r.published;
    let (cap, chart_note) = (&r.cap, &r.chart_note);
    let types = crate::rubric::CaseType::ALL;
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
            colour: band_colour(bands, j),
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
    (grades, grade_chart)
}
