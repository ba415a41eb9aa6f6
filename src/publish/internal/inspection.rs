//! `internal/inspection.html`: the annual inspection's reasons I0–I6, then
//! one table per district (lawyers in pinyin order, each with the
//! recommended grade and its reasons), then the law-firm roll-up.

use std::collections::BTreeMap;

use super::{Section, lawyer_file, opt2, page as render_page};
use crate::plan::Plan;
use crate::publish::PublishError;
use crate::publish::i18n::Lang;
use crate::publish::lists::collation_key;
use crate::publish::report::percent;
use crate::publish::rows::{FirmRow, InspectionRow, text};
use crate::publish::templates::{Tbl, TblCell, link, num_col, text_col};

/// The rows the inspection report reads.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// `mart_inspection`.
    pub lawyers: &'a [InspectionRow],
    /// `mart_inspection_firms`.
    pub firms: &'a [FirmRow],
}

/// The inspection report's HTML.
pub fn page(plan: &Plan, input: &Inputs<'_>) -> Result<String, PublishError> {
    let lang = Lang::from_code(&plan.lang);
    let mut sections = vec![intro(plan, lang)];
    sections.extend(districts(lang, input.lawyers, &flag_headers(lang)));
    sections.push(firms(lang, input.firms));
    render_page(
        plan,
        lang.tr("inspection_title"),
        1,
        &[("panel.html".into(), lang.tr("back_to_panel").into())],
        &sections,
    )
}

fn intro(plan: &Plan, lang: Lang) -> Section {
    let s = &plan.settings;
    let mut intro = Section::new("intro", lang.tr("inspection_reasons"));
    intro.paragraphs.push(lang.fmt(
        "inspection_intro",
        &[
            &plan.period_start,
            &plan.period_end,
            &plan.as_of,
            &s.inspection.min_licensed_months,
            &s.inspection.min_aid_cases,
        ],
    ));
    // The reason codes and the compliance flags are worded once, in their
    // registries (`crate::inspection`).
    let words = |zh: String, en: String| match lang {
        Lang::Zh => zh,
        Lang::En => en,
    };
    intro.facts = crate::inspection::INSPECTION_REASONS
        .iter()
        .map(|r| (r.code.to_string(), words(r.zh.into(), r.en.into())))
        .collect();
    let flags: Vec<String> = crate::inspection::COMPLIANCE_FLAGS
        .iter()
        .map(|f| {
            let (zh, en) = f.text(&s.inspection);
            format!("{} {}", f.code, words(zh, en))
        })
        .collect();
    intro
        .paragraphs
        .push(lang.fmt("flags_legend", &[&flags.join(" / ")]));
    intro
}

/// The heads of the compliance-flag columns: each flag's code and head
/// words (the intro's legend words it in full).
fn flag_headers(lang: Lang) -> Vec<String> {
    crate::inspection::COMPLIANCE_FLAGS
        .iter()
        .map(|f| {
            let (zh, en) = f.head;
            match lang {
                Lang::Zh => format!("{} {zh}", f.code),
                Lang::En => format!("{} {en}", f.code),
            }
        })
        .collect()
}

/// A section per district, districts in pinyin order. `flags` heads the
/// compliance-flag columns, one per flag K1–K5 in code order.
fn districts(lang: Lang, rows: &[InspectionRow], flags: &[String]) -> Vec<Section> {
    let mut by_district: BTreeMap<(String, String), Vec<&InspectionRow>> = BTreeMap::new();
    for r in rows {
        let d = text(&r.district);
        by_district
            .entry((collation_key(&d, false), d))
            .or_default()
            .push(r);
    }
    let mut sections = Vec::new();
    for (i, ((_, district), mut lawyers)) in by_district.into_iter().enumerate() {
        lawyers.sort_by_cached_key(|r| {
            (
                collation_key(&text(&r.name), true),
                text(&r.name),
                r.lawyer_id.clone(),
            )
        });
        let mut section = Section::new(&format!("district-{i}"), district);
        let mut columns = vec![
            text_col(lang.tr("col_name")),
            text_col(lang.tr("col_licence")),
            text_col(lang.tr("col_firm")),
            num_col(lang.tr("col_n_closed")),
            num_col(lang.tr("col_n_reviewed")),
            num_col(lang.tr("col_mean_score")),
            text_col(lang.tr("col_credit")),
            text_col(lang.tr("col_complaints")),
            num_col(lang.tr("col_sanctions_in_period")),
            text_col(lang.tr("col_open_negative")),
        ];
        columns.extend(flags.iter().map(num_col));
        columns.extend([
            text_col(lang.tr("col_duty")),
            text_col(lang.tr("col_recommendation")),
            text_col(lang.tr("col_reasons")),
        ]);
        let mut tbl = Tbl::new(columns);
        for r in &lawyers {
            let n = |v: Option<i64>| v.unwrap_or(0).to_string();
            let mut rest = vec![
                r.lawyer_id.clone(),
                text(&r.law_firm),
                n(r.n_closed),
                n(r.n_reviewed),
                opt2(r.mean_score),
                match r.credit_score {
                    Some(v) => format!("{v:.2} ({})", text(&r.tier)),
                    None => "—".into(),
                },
                format!(
                    "{}/{}",
                    n(r.complaints_received),
                    n(r.complaints_substantiated)
                ),
                n(r.sanctions),
                r.open_negative_status
                    .as_deref()
                    .map(|st| format!("{} ({})", lang.status(st), text(&r.open_negative_entry)))
                    .unwrap_or_default(),
            ];
            rest.extend(
                [
                    r.n_late_archive,
                    r.n_dv_male_lawyer,
                    r.n_junior_on_major,
                    r.n_grassroots_criminal,
                    r.n_assigned_while_listed,
                ]
                .map(n),
            );
            rest.extend([
                lang.tr(if r.duty_met.unwrap_or(false) {
                    "duty_met"
                } else {
                    "duty_not_met"
                })
                .to_string(),
                recommendation_words(lang, r),
                text(&r.recommendation_reasons),
            ]);
            let mut cells = vec![link(
                text(&r.name),
                format!("lawyers/{}", lawyer_file(&r.lawyer_id)),
            )];
            cells.extend(rest.into_iter().map(TblCell::from));
            tbl.linked_row(cells);
        }
        section.tables.push(tbl);
        sections.push(section);
    }
    sections
}

/// A lawyer's inspection recommendation in the page's language (the mart's
/// `recommendation_label` is Chinese only).
pub(crate) fn recommendation_words(lang: Lang, r: &InspectionRow) -> String {
    match r.recommendation.as_deref() {
        Some("competent") => lang.tr("col_competent").into(),
        Some("basically_competent") => lang.tr("col_basically").into(),
        Some("not_competent") => lang.tr("col_not_competent").into(),
        Some("none") => "—".into(),
        _ => text(&r.recommendation_label),
    }
}

/// The law-firm roll-up, by district then firm in pinyin order.
fn firms(lang: Lang, firms: &[FirmRow]) -> Section {
    let mut firm_rows: Vec<&FirmRow> = firms.iter().collect();
    firm_rows.sort_by_cached_key(|r| {
        (
            collation_key(&text(&r.district), false),
            collation_key(&text(&r.law_firm), false),
            text(&r.firm_key),
        )
    });
    let mut section = Section::new("firms", lang.tr("inspection_firms"));
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("col_firm")),
        text_col(lang.tr("col_district")),
        num_col(lang.tr("col_n_lawyers")),
        num_col(lang.tr("col_competent")),
        num_col(lang.tr("col_basically")),
        num_col(lang.tr("col_not_competent")),
        num_col(lang.tr("col_not_graded")),
        num_col(lang.tr("col_duty_share")),
        num_col(lang.tr("col_n_closed")),
        num_col(lang.tr("col_n_reviewed")),
        num_col(lang.tr("col_mean_score")),
    ]);
    for r in firm_rows {
        let n = |v: Option<i64>| v.unwrap_or(0).to_string();
        tbl.row(vec![
            text(&r.law_firm),
            text(&r.district),
            n(r.n_lawyers),
            n(r.n_competent),
            n(r.n_basically_competent),
            n(r.n_not_competent),
            n(r.n_not_graded),
            r.share_duty_met.map(percent).unwrap_or_default(),
            n(r.n_cases_closed),
            n(r.n_cases_reviewed),
            opt2(r.mean_score),
        ]);
    }
    section.tables.push(tbl);
    section
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lawyer(id: &str, name: &str, district: &str) -> InspectionRow {
        InspectionRow {
            lawyer_id: id.into(),
            name: Some(name.into()),
            district: Some(district.into()),
            credit_score: Some(72.0),
            tier: Some("C".into()),
            n_late_archive: Some(2),
            open_negative_status: Some("listed".into()),
            open_negative_entry: Some("E9".into()),
            ..InspectionRow::default()
        }
    }

    #[test]
    fn districts_and_names_are_in_pinyin_order() {
        let sections = districts(
            Lang::En,
            &[
                lawyer("L1", "张三", "武侯区"),
                lawyer("L2", "安七", "武侯区"),
                lawyer("L3", "李四", "成华区"),
            ],
            &[
                "K1 late".into(),
                "K2".into(),
                "K3".into(),
                "K4".into(),
                "K5".into(),
            ],
        );
        let headings: Vec<&str> = sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(headings, ["成华区", "武侯区"]);
        let rows = &sections[1].tables[0].rows;
        assert_eq!(rows[0].0[0].text, "安七");
        assert_eq!(rows[1].0[0].text, "张三");
        assert_eq!(rows[0].0[6].text, "72.00 (C)");
        // One labelled column per compliance flag.
        let header = &sections[1].tables[0].columns;
        assert_eq!(header[10].0, "K1 late");
        let flags: Vec<&str> = rows[0].0[10..15].iter().map(|c| c.text.as_str()).collect();
        assert_eq!(flags, ["2", "0", "0", "0", "0"]);
        assert!(rows[0].0[9].text.ends_with("(E9)"));
    }

    #[test]
    fn firms_sort_by_district_then_firm() {
        let firm = |key: &str, name: &str, district: &str| FirmRow {
            firm_key: Some(key.into()),
            law_firm: Some(name.into()),
            district: Some(district.into()),
            share_duty_met: Some(0.25),
            ..FirmRow::default()
        };
        let s = firms(
            Lang::En,
            &[
                firm("F1", "天府律所", "武侯区"),
                firm("F2", "蜀都律所", "成华区"),
                firm("F3", "安和律所", "武侯区"),
            ],
        );
        let names: Vec<&str> = s.tables[0]
            .rows
            .iter()
            .map(|r| r.0[0].text.as_str())
            .collect();
        assert_eq!(names, ["蜀都律所", "安和律所", "天府律所"]);
        assert_eq!(s.tables[0].rows[0].0[7].text, "25.0%");
    }
}
