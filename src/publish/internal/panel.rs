//! `internal/panel.html`: reviewer agreement per case type against the
//! 0.667 / 0.8 guidance, reviewer severity with its chart, the
//! disputed-case worklist (recipients masked) and the held entries.

use super::{Section, lawyer_file, opt_points, opt2, page as render_page};
use crate::plan::Plan;
use crate::publish::PublishError;
use crate::publish::charts::{Bar, Chart, HBars, Kind, palette};
use crate::publish::data::group_by;
use crate::publish::i18n::Lang;
use crate::publish::lists::sorted_codes;
use crate::publish::privacy::{mask_id_no, mask_name};
use crate::publish::report::{caption, format_number};
use crate::publish::rows::{
    DisputedCaseRow, DisputedTotalRow, EntryRow, PanelAgreementRow, ReviewerRow, SensitiveCaseRow,
    SeverityRow, text,
};
use crate::publish::templates::{Tbl, figure, link, num_col, text_col};
use crate::rubric::CaseType;

/// The rows the panel report reads.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// `mart_panel_agreement`.
    pub agreement: &'a [PanelAgreementRow],
    /// `mart_report_reviewers`, in reviewer order.
    pub reviewers: &'a [ReviewerRow],
    /// `mart_report_disputed_cases`.
    pub disputed: &'a [DisputedCaseRow],
    /// `mart_report_disputed_totals`, by case then reviewer.
    pub totals: &'a [DisputedTotalRow],
    /// `mart_report_entries`, in entry order.
    pub entries: &'a [EntryRow],
    /// `mart_report_severity`: the severity fit.
    pub severity: &'a [SeverityRow],
    /// `mart_report_sensitive_cases`.
    pub sensitive: &'a [SensitiveCaseRow],
}

/// The panel report's HTML and its charts: reviewer deviation, then
/// reviewer severity per case type.
pub fn page(plan: &Plan, input: &Inputs<'_>) -> Result<(String, Vec<Chart>), PublishError> {
    let lang = Lang::from_code(&plan.lang);
    let (severity, chart) = severity(plan, lang, input.reviewers);
    let (adjustment, severity_charts) = super::severity::section(plan, lang, input.severity);
    let html = render_page(
        plan,
        lang.tr("panel_title"),
        1,
        &[("inspection.html".into(), lang.tr("inspection_title").into())],
        &[
            agreement(plan, lang, input.agreement),
            severity,
            adjustment,
            super::severity::worklist(plan, lang, input.severity, input.sensitive),
            disputed(plan, lang, input.disputed, input.totals),
            held(lang, input.entries),
        ],
    )?;
    let mut charts = vec![chart];
    charts.extend(severity_charts);
    Ok((html, charts))
}

fn agreement(plan: &Plan, lang: Lang, rows: &[PanelAgreementRow]) -> Section {
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
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("case_type")),
        num_col(lang.tr("col_n_double")),
        num_col(lang.tr("col_alpha")),
        text_col(lang.tr("col_reading")),
    ]);
    let mut by_type: Vec<&PanelAgreementRow> = rows.iter().collect();
    by_type.sort_by_key(|r| {
        CaseType::parse(&r.case_type)
            .and_then(|t| CaseType::ALL.iter().position(|x| *x == t))
            .unwrap_or(usize::MAX)
    });
    for r in by_type {
        let reading = match r.alpha {
            None => lang.tr("alpha_undefined"),
            Some(a) if a >= good - 1e-9 => lang.tr("alpha_reliable"),
            Some(a) if a >= hold - 1e-9 => lang.tr("alpha_tentative"),
            Some(_) => lang.tr("alpha_unreliable"),
        };
        tbl.row(vec![
            lang.case_type_code(&r.case_type),
            r.n_cases.unwrap_or(0).to_string(),
            r.alpha
                .map(|a| format!("{a:.3}"))
                .unwrap_or_else(|| "—".into()),
            reading.to_string(),
        ]);
    }
    agreement.tables.push(tbl);
    agreement
}

fn severity(plan: &Plan, lang: Lang, reviewers: &[ReviewerRow]) -> (Section, Chart) {
    let threshold = plan.settings.scoring.severity_threshold;
    let mut severity = Section::new("severity", lang.tr("panel_severity"));
    severity
        .paragraphs
        .push(lang.fmt("panel_severity_text", &[&format_number(threshold)]));
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
    for r in reviewers {
        tbl.row(vec![
            r.reviewer_id.clone(),
            text(&r.name),
            lang.coded("role", &text(&r.role)),
            r.n_reviews.unwrap_or(0).to_string(),
            opt2(r.mean_deviation),
            opt2(r.abs_mean_deviation),
            flag(r.severity_flag.as_deref()),
        ]);
    }
    let mut order: Vec<&ReviewerRow> = reviewers.iter().collect();
    order.sort_by(|a, b| {
        let key = |r: &ReviewerRow| r.mean_deviation.unwrap_or(f64::NEG_INFINITY);
        key(b)
            .total_cmp(&key(a))
            .then_with(|| a.reviewer_id.cmp(&b.reviewer_id))
    });
    let max_dev = order
        .iter()
        .filter_map(|r| r.mean_deviation)
        .fold(threshold, |m, v| m.max(v.abs()));
    let span = (max_dev * 1.25).ceil().max(1.0);
    let chart = Chart {
        stem: "reviewer-deviation".into(),
        title: lang.tr("deviation_chart").into(),
        caption: caption(plan),
        note: String::new(),
        kind: Kind::HBars(HBars {
            categories: order.iter().map(|r| r.reviewer_id.clone()).collect(),
            bars: order
                .iter()
                .map(|r| {
                    let v = r.mean_deviation;
                    let f = flag(r.severity_flag.as_deref());
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
                .map(|r| match r.severity_flag.as_deref() {
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
            intervals: Vec::new(),
        }),
    };
    severity.figures.push(figure("charts", &chart));
    severity.tables.push(tbl);
    (severity, chart)
}

fn disputed(
    plan: &Plan,
    lang: Lang,
    cases: &[DisputedCaseRow],
    totals: &[DisputedTotalRow],
) -> Section {
    let mut disputed = Section::new("disputed", lang.tr("panel_disputed"));
    disputed.paragraphs.push(lang.fmt(
        "panel_disputed_text",
        &[&format_number(plan.settings.scoring.dispute_spread)],
    ));
    let totals = group_by(totals, |t| t.case_id.as_str());
    let mut worklist: Vec<&DisputedCaseRow> = cases.iter().collect();
    worklist.sort_by(|a, b| {
        let spread = |r: &DisputedCaseRow| r.score_max.unwrap_or(0.0) - r.score_min.unwrap_or(0.0);
        spread(b)
            .total_cmp(&spread(a))
            .then_with(|| a.case_id.cmp(&b.case_id))
    });
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("col_case")),
        text_col(lang.tr("case_type")),
        text_col(lang.tr("col_lawyer")),
        text_col(lang.tr("col_recipient")),
        text_col(lang.tr("col_recipient_id")),
        num_col(lang.tr("col_score")),
        num_col(lang.tr("col_spread")),
        text_col(lang.tr("col_why_disputed")),
        text_col(lang.tr("col_totals")),
        text_col(lang.tr("col_grade")),
        text_col(lang.tr("col_veto")),
    ]);
    for r in worklist {
        let per_reviewer = totals
            .get(&r.case_id)
            .map(|rows| {
                rows.iter()
                    .map(|t| format!("{} {}", t.reviewer_id, opt_points(t.total)))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        tbl.linked_row(vec![
            r.case_id.clone().into(),
            lang.case_type_code(&r.case_type).into(),
            link(
                format!("{} ({})", text(&r.lawyer_name), r.lawyer_id),
                format!("lawyers/{}", lawyer_file(&r.lawyer_id)),
            ),
            mask_name(&text(&r.recipient_name)).into(),
            mask_id_no(&text(&r.recipient_id_no)).into(),
            opt_points(r.score).into(),
            opt_points(r.score_max.zip(r.score_min).map(|(a, b)| a - b)).into(),
            why_disputed(plan, lang, r).into(),
            per_reviewer.into(),
            text(&r.grade_label).into(),
            text(&r.veto_items).into(),
        ]);
    }
    if tbl.is_empty() {
        disputed.paragraphs.push(lang.tr("none").into());
    } else {
        disputed.tables.push(tbl);
    }
    disputed
}

/// Why a case is disputed: the spread of its totals past `dispute_spread`,
/// the reviewers splitting on a veto item (named), or both.
fn why_disputed(plan: &Plan, lang: Lang, r: &DisputedCaseRow) -> String {
    let limit = plan.settings.scoring.dispute_spread;
    let mut why = Vec::new();
    if let Some(spread) = r.score_max.zip(r.score_min).map(|(a, b)| a - b)
        && spread > limit + 1e-9
    {
        why.push(lang.fmt(
            "disputed_by_spread",
            &[
                &crate::publish::report::points(spread),
                &format_number(limit),
            ],
        ));
    }
    let items = text(&r.split_items);
    if !items.is_empty() {
        why.push(lang.fmt("disputed_by_split", &[&items]));
    }
    why.join(if lang == Lang::Zh { "；" } else { "; " })
}

fn held(lang: Lang, entries: &[EntryRow]) -> Section {
    let mut held = Section::new("held", lang.tr("panel_held"));
    held.paragraphs.push(lang.tr("panel_held_text").into());
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("col_entry")),
        text_col(lang.tr("col_lawyer")),
        text_col(lang.tr("col_rules")),
        text_col(lang.tr("col_status")),
    ]);
    for r in entries
        .iter()
        .filter(|e| e.list == "negative" && e.status == "held")
    {
        tbl.linked_row(vec![
            r.entry_id.clone().into(),
            link(
                format!("{} ({})", text(&r.name), r.lawyer_id),
                format!("lawyers/{}", lawyer_file(&r.lawyer_id)),
            ),
            sorted_codes(&r.rules).join(";").into(),
            lang.status(&r.status).into(),
        ]);
    }
    if tbl.is_empty() {
        held.paragraphs.push(lang.tr("none").into());
    } else {
        held.tables.push(tbl);
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reviewer(id: &str, dev: Option<f64>, flag: Option<&str>) -> ReviewerRow {
        ReviewerRow {
            reviewer_id: id.into(),
            name: Some(format!("name {id}")),
            role: Some("lawyer".into()),
            n_reviews: Some(4),
            mean_deviation: dev,
            abs_mean_deviation: dev.map(f64::abs),
            severity_flag: flag.map(str::to_string),
        }
    }

    #[test]
    fn the_deviation_chart_orders_reviewers_most_lenient_first() {
        let plan = crate::publish::tests::demo_plan();
        let rows = [
            reviewer("R1", Some(-6.0), Some("harsh")),
            reviewer("R2", None, None),
            reviewer("R3", Some(7.5), Some("lenient")),
        ];
        let (section, chart) = severity(&plan, Lang::En, &rows);
        assert_eq!(section.tables[0].rows.len(), 3);
        let Kind::HBars(bars) = chart.kind else {
            panic!("a bar chart")
        };
        assert_eq!(bars.categories, ["R3", "R1", "R2"]);
        assert_eq!(bars.bars[0].label, "+7.5 lenient");
        assert_eq!(bars.bars[2].label, "—");
        let (lo, hi) = bars.x_range;
        assert!(lo == -hi && hi >= 7.5 * 1.25, "{lo} {hi}");
    }

    #[test]
    fn the_worklist_puts_the_widest_spread_first_and_masks_recipients() {
        let plan = crate::publish::tests::demo_plan();
        let case = |id: &str, lo: f64, hi: f64| DisputedCaseRow {
            case_id: id.into(),
            case_type: "criminal".into(),
            lawyer_id: "L1".into(),
            lawyer_name: Some("王律师".into()),
            recipient_name: Some("张三丰".into()),
            recipient_id_no: Some("510104199001011234".into()),
            score: Some((lo + hi) / 2.0),
            score_min: Some(lo),
            score_max: Some(hi),
            grade_label: None,
            veto_items: None,
            split_items: Some(if id == "C1" {
                "CR-V1".into()
            } else {
                String::new()
            }),
        };
        let totals = [DisputedTotalRow {
            case_id: "C2".into(),
            reviewer_id: "R1".into(),
            total: Some(61.25),
        }];
        let s = disputed(
            &plan,
            Lang::En,
            &[case("C1", 70.0, 80.0), case("C2", 60.0, 90.0)],
            &totals,
        );
        let text = format!("{:?}", s.tables[0]);
        let c1 = text.find("C1").unwrap();
        let c2 = text.find("C2").unwrap();
        assert!(c2 < c1, "widest spread first: {text}");
        assert!(text.contains("张**") && text.contains("510***********1234"));
        assert!(
            text.contains("R1 61.2") || text.contains("R1 61.3"),
            "{text}"
        );
        assert!(!text.contains("张三丰"));
        // Why each is disputed: C2 by its spread (30 > 15), C1 (spread 10)
        // by a veto split only.
        assert!(text.contains("spread 30.0 > 15"), "{text}");
        assert!(text.contains("split on veto item CR-V1"), "{text}");
        assert!(!text.contains("spread 10.0"), "{text}");
    }

    #[test]
    fn only_held_negative_entries_are_listed_as_held() {
        let entry = |id: &str, list: &str, status: &str| EntryRow {
            entry_id: id.into(),
            lawyer_id: "L1".into(),
            list: list.into(),
            status: status.into(),
            severity: None,
            rules: "N2;N1".into(),
            proposed_on: None,
            listed_on: None,
            ends_on: None,
            removed_on: None,
            name: Some("王律师".into()),
            law_firm: None,
            district: None,
            years_of_practice: None,
        };
        let s = held(
            Lang::En,
            &[
                entry("E1", "negative", "held"),
                entry("E2", "negative", "listed"),
                entry("E3", "positive", "held"),
            ],
        );
        let text = format!("{:?}", s.tables[0]);
        assert!(text.contains("E1") && text.contains("N1;N2"), "{text}");
        assert!(!text.contains("E2") && !text.contains("E3"));
        assert!(held(Lang::En, &[]).tables.is_empty());
    }
}
