//! The district table (closed, reviewed, rate, mean score and grades per
//! district, in pinyin order) and the district comparison chart.

use super::{Report, count, percent, points};
use crate::publish::charts::{Bar, Chart, HBars, Kind, palette};
use crate::publish::data::mean;
use crate::publish::privacy::{Shown, rate_shown};
use crate::publish::templates::{Tbl, num_col, text_col};

/// The district table and chart; `overall_mean` is the summary's.
pub fn districts(r: &Report<'_>, overall_mean: &Option<String>) -> (Tbl, Chart) {
    let (lang, min_cell, bands, figures) = (r.lang, r.min_cell, &r.bands, &r.figures);
    let published = &r.published;
    let (cap, chart_note) = (&r.cap, &r.chart_note);
    let rate = |i: Option<usize>| super::summary::rate(r, i);
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
            intervals: Vec::new(),
        }),
    };
    (district_tbl, district_chart)
}
