//! The report's summary: closed and reviewed cases per case type with the
//! review rate, the four key figures and the introduction.

use super::{Report, count, percent, points};
use crate::publish::data::mean;
use crate::publish::privacy::{Shown, rate_shown};
use crate::publish::templates::{Tbl, num_col, text_col};

/// The summary's table, key figures and introduction.
pub struct Summary {
    pub tbl: Tbl,
    /// (value, label) of the four key figures.
    pub figures: [(String, &'static str); 4],
    pub intro: String,
    /// The mean score of all reviewed cases, when published.
    pub overall_mean: Option<String>,
}

/// The review rate of case type `i` (all case types for `None`) as
/// published, "—" when withheld.
pub fn rate(r: &Report<'_>, i: Option<usize>) -> String {
    let (figures, min_cell) = (&r.figures, r.min_cell);
    let h = &r.published.headline;
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
}

/// The summary of the report.
pub fn summary(r: &Report<'_>) -> Summary {
    let (plan, lang, min_cell, figures) = (r.plan, r.lang, r.min_cell, &r.figures);
    let h = &r.published.headline;
    let types = crate::rubric::CaseType::ALL;
    let rate = |i: Option<usize>| rate(r, i);
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
    Summary {
        tbl: headline,
        figures: figure_items,
        intro,
        overall_mean,
    }
}
