//! The methodology section, generated from the rubrics and the settings of
//! the run, and the list of settings that shape a published figure.

use minijinja::Value;

use super::format_number;
use crate::plan::Plan;
use crate::publish::i18n::Lang;
use crate::publish::lists::list_rules;
use crate::publish::templates::{Obj, Tbl, list, num_col, text_col};
use crate::rubric::CaseType;

/// The methodology: generated from the rubrics and settings of this run.
pub fn methodology(plan: &Plan, lang: Lang) -> Vec<Value> {
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
                &[&lang.bracketed(&lang.rubric_title(r), &lang.case_type(ct))],
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
                "method_severity_text",
                &[
                    &format_number(s.scoring.severity_prior_reviews),
                    &if s.lists.hold_severity_sensitive {
                        lang.tr("method_severity_held")
                    } else {
                        lang.tr("method_severity_counted")
                    },
                    &if s.credit.use_adjusted_scores {
                        lang.tr("method_severity_adjusted")
                    } else {
                        ""
                    },
                ],
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
        settings.row(vec![lang.setting_name(&k), v]);
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
            "[scoring] severity_prior_reviews".into(),
            n(s.scoring.severity_prior_reviews),
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
        (
            "[credit] use_adjusted_scores".into(),
            s.credit.use_adjusted_scores.to_string(),
        ),
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
            "[lists] hold_severity_sensitive".into(),
            l.hold_severity_sensitive.to_string(),
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A setting added to the list without a Chinese name would show its
    /// pipeline-file key in a Chinese report.
    #[test]
    fn every_listed_setting_has_a_chinese_name() {
        let plan = crate::publish::tests::demo_plan();
        for (key, _) in settings_list(&plan) {
            assert!(
                crate::publish::i18n::SETTING_NAMES
                    .iter()
                    .any(|(k, _)| *k == key),
                "no Chinese name for {key}"
            );
        }
    }
}
