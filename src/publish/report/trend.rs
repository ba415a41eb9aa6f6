//! The trend: this period's reviewed count and mean scores beside those of
//! the earlier periods named by `publication.earlier_outputs`, and its
//! line chart.

use super::figures::{Figures, Published};
use super::{count, points};
use crate::plan::Plan;
use crate::publish::charts::{Chart, Kind, Lines, palette};
use crate::publish::data::mean;
use crate::publish::i18n::Lang;
use crate::publish::privacy::{Grid, Shown};
use crate::publish::templates::{Tbl, num_col, text_col};
use crate::publish::trend::EarlierPeriod;
use crate::rubric::CaseType;

/// The trend table and, when some mean is published, its chart.
pub fn trend_section(
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
