//! The panel report's reviewer-severity section (scoring.md, "Reviewer
//! severity adjustment"): per case type, whether the reviewers form one
//! connected group, a chart of each reviewer's severity with its 95 %
//! interval, sorted harshest first, the table behind it, and the worklist
//! of cases whose grade depends on the reviewers drawn.

use std::collections::HashMap;

use super::{Section, lawyer_file, opt_points};
use crate::plan::Plan;
use crate::publish::charts::{Bar, Chart, HBars, Kind, palette};
use crate::publish::i18n::Lang;
use crate::publish::report::{caption, format_number};
use crate::publish::rows::{SensitiveCaseRow, SeverityRow, text};
use crate::publish::templates::{Tbl, figure, link, num_col, text_col};
use crate::rubric::CaseType;

/// At most this many reviewers per chart: the harshest and the most lenient
/// half each; the table lists them all.
pub const MAX_CHART_REVIEWERS: usize = 60;

/// 95 % interval: ±1.96 standard errors.
const Z95: f64 = 1.96;

/// The section and one chart per case type with reviewers.
pub fn section(plan: &Plan, lang: Lang, severity: &[SeverityRow]) -> (Section, Vec<Chart>) {
    let prior = plan.settings.scoring.severity_prior_reviews;
    let mut out = Section::new("adjustment", lang.tr("panel_adjustment"));
    out.paragraphs
        .push(lang.fmt("panel_adjustment_text", &[&format_number(prior)]));
    let mut charts = Vec::new();
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("case_type")),
        text_col(lang.tr("col_reviewer")),
        text_col(lang.tr("col_reviewer_name")),
        num_col(lang.tr("col_n_reviews")),
        num_col(lang.tr("col_severity_pts")),
        text_col(lang.tr("col_interval")),
        num_col(lang.tr("col_component")),
    ]);
    for case_type in CaseType::ALL {
        let mut rows: Vec<&SeverityRow> = severity
            .iter()
            .filter(|r| r.case_type == case_type.code())
            .collect();
        let Some(first) = rows.first() else {
            continue;
        };
        let type_name = lang.case_type(case_type);
        let components = first.n_components;
        out.paragraphs.push(if components > 1 {
            lang.fmt("panel_components_warning", &[&type_name, &components])
        } else {
            lang.fmt("panel_components_ok", &[&type_name])
        });
        rows.sort_by(|a, b| {
            a.severity
                .total_cmp(&b.severity)
                .then_with(|| a.reviewer_id.cmp(&b.reviewer_id))
        });
        for r in &rows {
            tbl.row(vec![
                type_name.to_string(),
                r.reviewer_id.clone(),
                text(&r.name),
                r.n_reviews.to_string(),
                signed(r.severity),
                if r.severity_estimable {
                    let (lo, hi) = interval(r);
                    format!("{} … {}", signed(lo), signed(hi))
                } else {
                    lang.tr("not_estimable").to_string()
                },
                r.component.to_string(),
            ]);
        }
        let chart = chart(plan, lang, case_type, &rows);
        out.figures.push(figure("charts", &chart));
        charts.push(chart);
    }
    if tbl.is_empty() {
        out.paragraphs.push(lang.tr("none").into());
    } else {
        out.tables.push(tbl);
    }
    (out, charts)
}

/// The worklist of severity-sensitive cases, largest adjustment first.
pub fn worklist(
    plan: &Plan,
    lang: Lang,
    severity: &[SeverityRow],
    cases: &[SensitiveCaseRow],
) -> Section {
    let mut out = Section::new("sensitive", lang.tr("panel_sensitive"));
    out.paragraphs
        .push(if plan.settings.lists.hold_severity_sensitive {
            lang.tr("panel_sensitive_text_held").into()
        } else {
            lang.tr("panel_sensitive_text_counted").into()
        });
    let by_reviewer: HashMap<(&str, &str), f64> = severity
        .iter()
        .map(|r| ((r.case_type.as_str(), r.reviewer_id.as_str()), r.severity))
        .collect();
    let mut ordered: Vec<&SensitiveCaseRow> = cases.iter().collect();
    let shift = |r: &SensitiveCaseRow| match (r.adjusted_score, r.score) {
        (Some(a), Some(s)) => (a - s).abs(),
        _ => 0.0,
    };
    ordered.sort_by(|a, b| {
        shift(b)
            .total_cmp(&shift(a))
            .then_with(|| a.case_id.cmp(&b.case_id))
    });
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("col_case")),
        text_col(lang.tr("case_type")),
        text_col(lang.tr("col_lawyer")),
        num_col(lang.tr("col_score")),
        text_col(lang.tr("col_grade")),
        num_col(lang.tr("col_adjusted_score")),
        text_col(lang.tr("col_adjusted_grade")),
        text_col(lang.tr("col_reviewers_severity")),
        text_col(lang.tr("col_disputed")),
    ]);
    for r in ordered {
        let reviewers = text(&r.reviewer_ids)
            .split(';')
            .filter(|id| !id.is_empty())
            .map(|id| match by_reviewer.get(&(r.case_type.as_str(), id)) {
                Some(b) => format!("{id} {}", signed(*b)),
                None => id.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; ");
        tbl.linked_row(vec![
            r.case_id.clone().into(),
            lang.case_type_code(&r.case_type).into(),
            link(
                format!("{} ({})", text(&r.lawyer_name), r.lawyer_id),
                format!("lawyers/{}", lawyer_file(&r.lawyer_id)),
            ),
            opt_points(r.score).into(),
            text(&r.grade_label).into(),
            opt_points(r.adjusted_score).into(),
            text(&r.adjusted_grade_label).into(),
            reviewers.into(),
            r.disputed
                .map(|d| lang.yes_no(d).to_string())
                .unwrap_or_default()
                .into(),
        ]);
    }
    if tbl.is_empty() {
        out.paragraphs.push(lang.tr("none").into());
    } else {
        out.tables.push(tbl);
    }
    out
}

fn interval(r: &SeverityRow) -> (f64, f64) {
    (
        r.severity - Z95 * r.severity_se,
        r.severity + Z95 * r.severity_se,
    )
}

/// Points with a sign and one decimal ("+2.4", "−3.0", "0.0").
fn signed(x: f64) -> String {
    let rounded = (x * 10.0).round() / 10.0;
    if rounded > 0.0 {
        format!("+{rounded:.1}")
    } else if rounded < 0.0 {
        format!("−{:.1}", -rounded)
    } else {
        "0.0".into()
    }
}

/// The reviewers of one case type (sorted harshest first) as bars with
/// their intervals; past [`MAX_CHART_REVIEWERS`], the harshest and most
/// lenient halves with a note. Reviewers whose severity cannot be estimated
/// are left out of the chart.
fn chart(plan: &Plan, lang: Lang, case_type: CaseType, rows: &[&SeverityRow]) -> Chart {
    let estimable: Vec<&SeverityRow> = rows
        .iter()
        .copied()
        .filter(|r| r.severity_estimable)
        .collect();
    let shown: Vec<&SeverityRow> = if estimable.len() > MAX_CHART_REVIEWERS {
        let half = MAX_CHART_REVIEWERS / 2;
        estimable[..half]
            .iter()
            .chain(&estimable[estimable.len() - half..])
            .copied()
            .collect()
    } else {
        estimable.clone()
    };
    let note = if shown.len() < estimable.len() {
        lang.fmt(
            "severity_chart_cut",
            &[&(MAX_CHART_REVIEWERS / 2), &estimable.len()],
        )
    } else {
        String::new()
    };
    let reach = shown
        .iter()
        .map(|r| {
            let (lo, hi) = interval(r);
            lo.abs().max(hi.abs())
        })
        .fold(1.0_f64, f64::max);
    let span = (reach * 1.1).ceil();
    Chart {
        stem: format!("reviewer-severity-{}", case_type.code()),
        title: lang.fmt("severity_chart", &[&lang.case_type(case_type)]),
        caption: caption(plan),
        note,
        kind: Kind::HBars(HBars {
            categories: shown
                .iter()
                .map(|r| match &r.name {
                    Some(name) => format!("{name} {}", r.reviewer_id),
                    None => r.reviewer_id.clone(),
                })
                .collect(),
            bars: shown
                .iter()
                .map(|r| Bar {
                    value: Some(r.severity),
                    label: signed(r.severity),
                })
                .collect(),
            colours: shown
                .iter()
                .map(|r| {
                    let (lo, hi) = interval(r);
                    if hi < 0.0 {
                        palette::VERMILLION
                    } else if lo > 0.0 {
                        palette::SKY_BLUE
                    } else {
                        palette::BLUE
                    }
                })
                .collect(),
            x_desc: lang.tr("severity_axis").into(),
            y_desc: lang.tr("reviewer_axis").into(),
            x_range: (-span, span),
            reference: Vec::new(),
            intervals: shown.iter().map(|r| Some(interval(r))).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, severity: f64, se: f64, component: i64, estimable: bool) -> SeverityRow {
        SeverityRow {
            case_type: "civil".into(),
            reviewer_id: id.into(),
            name: Some(format!("专家{id}")),
            n_reviews: 5,
            severity,
            severity_se: se,
            component,
            severity_estimable: estimable,
            n_components: 2,
        }
    }

    #[test]
    fn the_chart_sorts_harshest_first_with_intervals_and_warns_of_components() {
        let plan = crate::publish::tests::demo_plan();
        let rows = [
            row("R2", 3.0, 1.0, 1, true),
            row("R1", -4.0, 0.5, 1, true),
            row("R3", 0.0, 2.0, 2, false),
        ];
        let (section, charts) = section(&plan, Lang::Zh, &rows);
        assert_eq!(charts.len(), 1);
        let Kind::HBars(b) = &charts[0].kind else {
            panic!("a bar chart")
        };
        // The lone reviewer R3 is not estimable: in the table, not the chart.
        assert_eq!(b.categories, ["专家R1 R1", "专家R2 R2"]);
        assert_eq!(b.intervals[0], Some((-4.0 - 0.98, -4.0 + 0.98)));
        assert_eq!(b.colours[0], palette::VERMILLION, "R1 is surely harsh");
        assert_eq!(b.colours[1], palette::SKY_BLUE, "R2 is surely lenient");
        assert!(charts[0].title.contains("民事"), "{}", charts[0].title);
        assert!(
            section
                .paragraphs
                .iter()
                .any(|p| p.contains("2 个互不相连的组")),
            "{:?}",
            section.paragraphs
        );
        let table = format!("{:?}", section.tables);
        assert!(table.contains("不可估计"), "{table}");
        assert!(table.contains("−4.0"), "{table}");
    }

    #[test]
    fn a_long_list_charts_the_extremes_and_says_so() {
        let plan = crate::publish::tests::demo_plan();
        let rows: Vec<SeverityRow> = (0..100)
            .map(|i| row(&format!("R{i:03}"), i as f64 - 50.0, 1.0, 1, true))
            .collect();
        let refs: Vec<&SeverityRow> = rows.iter().collect();
        let chart = chart(&plan, Lang::En, CaseType::Civil, &refs);
        let Kind::HBars(b) = &chart.kind else {
            panic!("a bar chart")
        };
        assert_eq!(b.categories.len(), MAX_CHART_REVIEWERS);
        assert_eq!(b.bars[0].value, Some(-50.0));
        assert_eq!(b.bars[MAX_CHART_REVIEWERS - 1].value, Some(49.0));
        assert!(chart.note.contains("100"), "{}", chart.note);
    }

    #[test]
    fn the_worklist_names_each_reviewer_with_their_severity() {
        let plan = crate::publish::tests::demo_plan();
        let severity = [row("R1", -6.25, 1.0, 1, true), row("R2", 1.0, 1.0, 1, true)];
        let case = SensitiveCaseRow {
            case_id: "C9".into(),
            case_type: "civil".into(),
            lawyer_id: "L1".into(),
            lawyer_name: Some("律师甲".into()),
            score: Some(58.0),
            grade_label: Some("不合格".into()),
            adjusted_score: Some(62.0),
            adjusted_grade_label: Some("合格".into()),
            disputed: Some(false),
            reviewer_ids: Some("R1;R2".into()),
        };
        let s = worklist(&plan, Lang::Zh, &severity, &[case]);
        let table = format!("{:?}", s.tables);
        assert!(table.contains("R1 −6.3; R2 +1.0"), "{table}");
        assert!(table.contains("62.0") && table.contains("合格"), "{table}");
        assert!(s.paragraphs[0].contains("N2 暂缓"));
    }
}
