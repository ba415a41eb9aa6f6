//! The credit tiers: lawyers with a closed case of the period per tier,
//! counts suppressed by the small-cell rule, and their chart.

use super::{count, percent};
use crate::plan::Plan;
use crate::publish::charts::{Bar, Bars, Chart, Kind, Series, nice_max, palette};
use crate::publish::i18n::Lang;
use crate::publish::privacy::{Grid, Shown, rate_shown};
use crate::publish::rows::{LawyerCreditRow, text};
use crate::publish::templates::{Tbl, num_col, text_col};

/// The tier table, its chart and the number of lawyers counted.
pub fn tiers(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lawyer(id: &str, tier: Option<&str>, closed: i64) -> LawyerCreditRow {
        LawyerCreditRow {
            lawyer_id: id.into(),
            n_cases_closed: Some(closed),
            n_cases_reviewed: None,
            mean_score: None,
            quality: None,
            service: None,
            deductions: None,
            credit_score: None,
            tier: tier.map(str::to_string),
            eligible_major: None,
            archive_rate: None,
            satisfaction_rate: None,
        }
    }

    #[test]
    fn lawyers_with_a_closed_case_are_counted_per_tier() {
        let plan = crate::publish::tests::demo_plan();
        let mut rows: Vec<LawyerCreditRow> = (0..12)
            .map(|i| lawyer(&format!("A{i:02}"), Some("A"), 1))
            .collect();
        rows.push(lawyer("B1", Some("B"), 2));
        rows.push(lawyer("N1", None, 1));
        rows.push(lawyer("Z1", Some("A"), 0));
        let (tbl, chart, n) = tiers(&rows, &plan, Lang::En, "cap", "note");
        assert_eq!(n, 14, "the lawyer without a closed case is not counted");
        assert_eq!(tbl.rows.len(), 6, "A–D, no tier and the total");
        assert_eq!(tbl.rows[1].0[1].text, "—", "1 < min_cell");
        assert_eq!(chart.stem, "credit-tiers");
    }
}
