//! The methodology section, generated from the rubrics and the settings of
//! the run, and the list of settings that shape a published figure.

use minijinja::Value;

use super::format_number;
use crate::config::SettingValue;
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
    for (k, v) in settings_list(plan, lang) {
        settings.row(vec![lang.setting_name(&k), v]);
    }
    out.push(section(
        lang.tr("method_settings").into(),
        Vec::new(),
        vec![settings],
    ));
    out
}

/// Sections whose settings shape no published figure: how a run reads its
/// inputs, draws its samples and uses the machine.
const UNLISTED_SECTIONS: [&str; 3] = ["ingest", "sampling", "engine"];

/// Settings of the listed sections that the table leaves out: shown in a
/// table of their own (the sanction deductions) or not about a figure.
const UNLISTED_KEYS: [&str; 3] = [
    "[credit] sanction_points",
    "[publication] lang",
    "[publication] earlier_outputs",
];

/// Every setting that shapes a published figure, as `[section] key` and its
/// value in the reader's language: the period, then every key of the listed
/// sections in the order `config` declares them, so a new setting appears
/// here without being restated (a test fails until it has a Chinese name).
fn settings_list(plan: &Plan, lang: Lang) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vec![
        ("[period] start".into(), plan.period_start.to_string()),
        ("[period] end".into(), plan.period_end.to_string()),
        ("as_of".into(), plan.as_of.to_string()),
    ];
    for (section, values) in plan.settings.sections() {
        if UNLISTED_SECTIONS.contains(&section) {
            continue;
        }
        for (key, value) in values {
            let key = format!("[{section}] {key}");
            let unlisted = UNLISTED_KEYS
                .iter()
                .any(|k| key == *k || key.starts_with(&format!("{k}.")));
            if !unlisted {
                out.push((key, shown(&value, lang)));
            }
        }
    }
    out
}

/// A setting's value as a reader of this language reads it.
fn shown(value: &SettingValue, lang: Lang) -> String {
    match value {
        SettingValue::Number(x) => format_number(*x),
        SettingValue::Count(n) => n.to_string(),
        SettingValue::Flag(b) => lang.yes_no(*b).to_string(),
        SettingValue::Text(t) => t.clone(),
        SettingValue::Codes(codes) if codes.is_empty() => lang.tr("none").to_string(),
        SettingValue::Codes(codes) => codes
            .iter()
            .map(|c| lang.coded("kind", c))
            .collect::<Vec<_>>()
            .join(lang.tr("list_separator")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A setting added to the list without a Chinese name would show its
    /// pipeline-file key in a Chinese report.
    #[test]
    fn every_listed_setting_has_a_chinese_name() {
        let plan = crate::publish::tests::demo_plan();
        for (key, _) in settings_list(&plan, Lang::Zh) {
            assert!(
                crate::publish::i18n::SETTING_NAMES
                    .iter()
                    .any(|(k, _)| *k == key),
                "no Chinese name for {key}"
            );
        }
    }

    /// The list is generated from the settings: every key of a listed
    /// section is there, in the reader's language, and a partial tier
    /// table shows the tiers in force.
    #[test]
    fn settings_list_is_generated_from_the_settings_in_force() {
        let mut plan = crate::publish::tests::demo_plan();
        plan.settings.credit.use_adjusted_scores = true;
        plan.settings.inspection.not_for_criminal =
            vec!["grassroots".to_string(), "part_time".to_string()];
        let zh: std::collections::BTreeMap<_, _> =
            settings_list(&plan, Lang::Zh).into_iter().collect();
        assert_eq!(zh["[credit] use_adjusted_scores"], "是");
        assert_eq!(
            zh["[inspection] not_for_criminal"],
            "基层法律服务工作者、兼职律师"
        );
        assert_eq!(zh["[inspection] exempt_kinds"], "无");
        assert_eq!(zh["[credit] tiers.C"], "60");
        assert!(!zh.keys().any(|k| k.starts_with("[engine]")
            || k.starts_with("[credit] sanction_points")
            || k == "[publication] lang"));
        let en: std::collections::BTreeMap<_, _> =
            settings_list(&plan, Lang::En).into_iter().collect();
        assert_eq!(en["[credit] use_adjusted_scores"], "yes");
        assert_eq!(
            en["[inspection] not_for_criminal"],
            "grassroots legal worker, part-time lawyer"
        );
        // Every key of a listed section, without restating them here.
        for (section, values) in plan.settings.sections() {
            for (key, _) in values {
                let key = format!("[{section}] {key}");
                let listed = en.contains_key(&key);
                let expected = !UNLISTED_SECTIONS.contains(&section)
                    && !UNLISTED_KEYS.iter().any(|k| key.starts_with(k));
                assert_eq!(listed, expected, "{key}");
            }
        }
    }
}
