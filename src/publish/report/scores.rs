//! The score table (mean and median per case type) and the score
//! histograms, whose 5-point bins merge until each holds at least
//! `min_cell` cases.

use super::{Report, count, points};
use crate::publish::charts::{Bar, Bars, Chart, Kind, Series, nice_max, palette};
use crate::publish::data::{mean, median};
use crate::publish::i18n::Lang;
use crate::publish::privacy::Shown;
use crate::publish::templates::{Tbl, num_col, text_col};

/// The score table and, when some case type's histogram is published, the
/// histogram chart.
pub fn scores(r: &Report<'_>) -> (Tbl, Option<Chart>) {
    let (lang, min_cell, figures) = (r.lang, r.min_cell, &r.figures);
    let h = &r.published.headline;
    let cap = &r.cap;
    let types = crate::rubric::CaseType::ALL;
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
    if !histogram_notes.is_empty() {
        scores_tbl = scores_tbl.footnote(histogram_notes.join(" "));
    }
    (scores_tbl, score_chart)
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
}
