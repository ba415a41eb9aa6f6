//! `internal/lawyers/<lawyer_id>.html`: one page per lawyer — profile,
//! credit score and its parts, reason codes with evidence, the period's
//! cases (recipients masked) and list history. Pages are built one lawyer
//! at a time from typed rows ([`lawyer_page`]), in batches split between
//! the cores.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;

use super::{Section, lawyer_file, opt2, page};
use crate::lists::CreditReasonRow;
use crate::plan::Plan;
use crate::publish::data::group_by;
use crate::publish::i18n::Lang;
use crate::publish::lists::sorted_codes;
use crate::publish::privacy::{mask_id_no, mask_name};
use crate::publish::report::{format_number, percent, points};
use crate::publish::rows::{
    EntryRow, EventRow, InspectionRow, LawyerCaseRow, LawyerCreditRow, LawyerProfileRow, text,
};
use crate::publish::templates::{Tbl, num_col, text_col};
use crate::publish::{PublishError, Writer};
use crate::register::wording;

/// The rows the lawyer pages read (their cases come as a stream).
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// `mart_lawyer_page_profiles`: a page per row, in this order.
    pub profiles: &'a [LawyerProfileRow],
    /// `mart_lawyer_credit`.
    pub credit: &'a [LawyerCreditRow],
    /// `mart_credit_reasons`, by lawyer then rank.
    pub reasons: &'a [CreditReasonRow],
    /// `mart_inspection`.
    pub inspection: &'a [InspectionRow],
    /// `mart_report_entries`, in entry order.
    pub entries: &'a [EntryRow],
    /// `mart_report_events`, in event order.
    pub events: &'a [EventRow],
}

/// One lawyer's rows.
#[derive(Debug, Clone, Copy)]
pub struct Lawyer<'a> {
    pub profile: &'a LawyerProfileRow,
    pub credit: Option<&'a LawyerCreditRow>,
    pub inspection: Option<&'a InspectionRow>,
    pub reasons: &'a [&'a CreditReasonRow],
    pub cases: &'a [LawyerCaseRow],
    pub entries: &'a [&'a EntryRow],
    pub events: &'a [&'a EventRow],
}

/// Lawyers whose pages are built, rendered and written together, on every
/// core.
const PAGE_BATCH: usize = 512;

/// A page whose sections are built, waiting to be rendered.
pub struct PendingPage {
    pub rel: String,
    pub title: String,
    pub sections: Vec<Section>,
}

/// A batch of lawyers with their cases, read and waiting to be rendered.
type CaseBatch<'a> = Vec<(&'a LawyerProfileRow, Vec<LawyerCaseRow>)>;

/// Writes every lawyer's page; `cases` hands out a lawyer's cases, asked
/// for in the profiles' order, the cases of a lawyer in any order: a page
/// lists them by case id, sorted here (the mart is only grouped by lawyer,
/// see `sql/mart_lawyer_page_cases.sql`). Three steps overlap, each on its own
/// thread: reading a batch of lawyers' cases (they stream from the mart, in
/// order, so one thread reads them), building and rendering the previous
/// batch (split between the cores), and writing the one before. Reading on
/// the rendering thread left a core idle for a third of the pages' time
/// (0.86 of 2.3 s at 1 M cases). A single writer because creating a file
/// locks its folder: two threads creating pages in the one folder spent a
/// twelfth of publication's time spinning on that lock (measured at 1 M
/// cases).
pub fn write(
    plan: &Plan,
    input: &Inputs<'_>,
    mut cases: impl FnMut(&str) -> Result<Vec<LawyerCaseRow>, PublishError> + Send,
    out: &mut Writer,
) -> Result<(), PublishError> {
    let lang = Lang::from_code(&plan.lang);
    let grouped = Grouped {
        credit: group_by(input.credit, |r| r.lawyer_id.as_str()),
        reasons: group_by(input.reasons, |r| r.lawyer_id.as_str()),
        inspection: group_by(input.inspection, |r| r.lawyer_id.as_str()),
        entries: group_by(input.entries, |r| r.lawyer_id.as_str()),
        events: group_by(input.events, |r| r.lawyer_id.as_str()),
    };
    let links = links(lang);
    let profiles = input.profiles;
    std::thread::scope(|scope| {
        // Each channel holds one batch: at most three batches of cases
        // (being read, waiting, rendering) and two of pages (waiting, being
        // written) are held at once.
        let (read, to_render) = std::sync::mpsc::sync_channel::<Result<CaseBatch, _>>(1);
        let reader = scope.spawn(move || {
            for profiles in profiles.chunks(PAGE_BATCH) {
                let batch: Result<CaseBatch, PublishError> = profiles
                    .iter()
                    .map(|p| {
                        let mut of_lawyer = cases(p.lawyer_id.as_str())?;
                        of_lawyer.sort_unstable_by(|a, b| a.case_id.cmp(&b.case_id));
                        Ok((p, of_lawyer))
                    })
                    .collect();
                let failed = batch.is_err();
                // A send fails when rendering stopped at an error.
                if read.send(batch).is_err() || failed {
                    break;
                }
            }
        });
        let (pages, written) = std::sync::mpsc::sync_channel::<Vec<(PathBuf, String)>>(1);
        let writer = scope.spawn(move || {
            for (path, html) in written.into_iter().flatten() {
                std::fs::write(&path, html).map_err(|e| PublishError::io(&path, e))?;
            }
            Ok(())
        });
        let rendered = (|| {
            for batch in to_render {
                let batch = batch?;
                let mut files = Vec::with_capacity(batch.len());
                for (rel, html) in render_batch(plan, &grouped, &links, &batch)? {
                    files.push((out.path(&rel)?, html));
                    out.wrote(rel);
                }
                if pages.send(files).is_err() {
                    // The writer stopped at an error, which it returns.
                    break;
                }
            }
            Ok(())
        })();
        drop(pages);
        // `to_render` went with the closure: a reader still sending stops.
        if let Err(panic) = reader.join() {
            std::panic::resume_unwind(panic);
        }
        let written = writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        written.and(rendered)
    })
}

/// The page rows other than cases, by lawyer.
struct Grouped<'a> {
    credit: BTreeMap<String, Vec<&'a LawyerCreditRow>>,
    reasons: BTreeMap<String, Vec<&'a CreditReasonRow>>,
    inspection: BTreeMap<String, Vec<&'a InspectionRow>>,
    entries: BTreeMap<String, Vec<&'a EntryRow>>,
    events: BTreeMap<String, Vec<&'a EventRow>>,
}

/// A lawyer's rows of a grouped table, none when absent.
fn of<'m, 'a, T>(grouped: &'m BTreeMap<String, Vec<&'a T>>, lawyer_id: &str) -> &'m [&'a T] {
    grouped
        .get(lawyer_id)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Builds and renders the pages of a batch of lawyers on every core
/// (templating is most of the cost of a page, and there is a page per
/// lawyer); returns each page's file and HTML, in the batch's order.
fn render_batch(
    plan: &Plan,
    grouped: &Grouped<'_>,
    links: &[(String, String)],
    batch: &CaseBatch<'_>,
) -> Result<Vec<(String, String)>, PublishError> {
    let one = |(profile, cases): &(&LawyerProfileRow, Vec<LawyerCaseRow>)| {
        let id = profile.lawyer_id.as_str();
        let pending = lawyer_page(
            plan,
            &Lawyer {
                profile,
                credit: grouped.credit.get(id).and_then(|v| v.first()).copied(),
                inspection: grouped.inspection.get(id).and_then(|v| v.first()).copied(),
                reasons: of(&grouped.reasons, id),
                cases,
                entries: of(&grouped.entries, id),
                events: of(&grouped.events, id),
            },
        );
        let html = page(plan, &pending.title, 2, links, &pending.sections)?;
        Ok((pending.rel, html))
    };
    crate::parallel::map(batch, one).into_iter().collect()
}

/// The links at the top of every lawyer page.
fn links(lang: Lang) -> Vec<(String, String)> {
    vec![
        ("../panel.html".into(), lang.tr("back_to_panel").into()),
        (
            "../inspection.html".into(),
            lang.tr("back_to_inspection").into(),
        ),
    ]
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// One lawyer's page: its file, title and sections.
pub fn lawyer_page(plan: &Plan, l: &Lawyer<'_>) -> PendingPage {
    let lang = Lang::from_code(&plan.lang);
    let id = l.profile.lawyer_id.clone();
    let name = text(&l.profile.name);
    PendingPage {
        rel: format!("internal/lawyers/{}", lawyer_file(&id)),
        title: lang.fmt("lawyer_title", &[&name]),
        sections: vec![
            profile(lang, l.profile),
            credit(plan, lang, l.credit, l.inspection),
            reasons(lang, l.reasons),
            cases(lang, l.cases, &plan.settings.inspection),
            history(lang, l.entries, l.events),
        ],
    }
}

fn profile(lang: Lang, l: &LawyerProfileRow) -> Section {
    let mut profile = Section::new("profile", lang.tr("lawyer_profile"));
    profile.facts = vec![
        (lang.tr("col_name").into(), text(&l.name)),
        (lang.tr("col_licence").into(), l.lawyer_id.clone()),
        (lang.tr("col_firm").into(), text(&l.law_firm)),
        (lang.tr("col_district").into(), text(&l.district)),
        (
            lang.tr("col_practice_kind").into(),
            lang.coded("kind", &text(&l.practice_kind)),
        ),
        (
            lang.tr("col_status_practice").into(),
            lang.coded("practice", &text(&l.status)),
        ),
        (
            lang.tr("col_years").into(),
            l.years_of_practice
                .map(|y| y.to_string())
                .unwrap_or_default(),
        ),
    ];
    profile
}

fn credit(
    plan: &Plan,
    lang: Lang,
    credit: Option<&LawyerCreditRow>,
    inspection: Option<&InspectionRow>,
) -> Section {
    let c = &plan.settings.credit;
    let mut credit_section = Section::new("credit", lang.tr("lawyer_credit"));
    if let Some(cr) = credit {
        let (q, sv, d) = (cr.quality, cr.service, cr.deductions);
        credit_section.facts = vec![
            (
                lang.tr("col_credit").into(),
                format!("{} ({})", opt2(cr.credit_score), text(&cr.tier)),
            ),
            (lang.tr("col_quality").into(), opt2(q)),
            (lang.tr("col_service").into(), opt2(sv)),
            (lang.tr("col_deductions").into(), opt2(d)),
            (
                lang.tr("col_archive_rate").into(),
                cr.archive_rate.map(percent).unwrap_or_default(),
            ),
            (
                lang.tr("col_satisfaction").into(),
                cr.satisfaction_rate.map(percent).unwrap_or_default(),
            ),
            (lang.tr("col_mean_score").into(), opt2(cr.mean_score)),
            (
                lang.tr("col_n_closed").into(),
                cr.n_cases_closed.unwrap_or(0).to_string(),
            ),
            (
                lang.tr("col_n_reviewed").into(),
                cr.n_cases_reviewed.unwrap_or(0).to_string(),
            ),
            (
                lang.tr("col_eligible").into(),
                lang.yes_no(cr.eligible_major.unwrap_or(false)).into(),
            ),
        ];
        if let (Some(q), Some(sv), Some(d)) = (q, sv, d) {
            let raw = c.weight_quality * q + c.weight_service * sv - d;
            credit_section.paragraphs.push(format!(
                "{} = {} × {:.2} + {} × {:.2} − {:.2} = {}{}",
                lang.tr("col_credit"),
                format_number(c.weight_quality),
                q,
                format_number(c.weight_service),
                sv,
                d,
                opt2(cr.credit_score),
                if (0.0..=100.0).contains(&raw) {
                    ""
                } else {
                    lang.tr("clamped")
                },
            ));
        }
    }
    if let Some(i) = inspection {
        let reasons = text(&i.recommendation_reasons);
        let label = super::inspection::recommendation_words(lang, i);
        credit_section.facts.push((
            lang.tr("col_inspection").into(),
            if reasons.is_empty() {
                label
            } else {
                format!("{label} ({reasons})")
            },
        ));
    }
    credit_section
}

fn reasons(lang: Lang, reasons: &[&CreditReasonRow]) -> Section {
    let mut reason_section = Section::new("reasons", lang.tr("lawyer_reasons"));
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("col_code")),
        text_col(lang.tr("col_reason")),
        num_col(lang.tr("col_cost")),
        text_col(lang.tr("col_evidence")),
    ]);
    for r in reasons {
        tbl.row(vec![
            r.code.clone(),
            lang.coded("reason", &r.code),
            opt2(Some(r.cost)),
            r.evidence.replace(';', "; "),
        ]);
    }
    if tbl.is_empty() {
        reason_section.paragraphs.push(lang.tr("none").into());
    } else {
        reason_section.tables.push(tbl);
    }
    reason_section
}

fn cases(
    lang: Lang,
    cases: &[LawyerCaseRow],
    inspection: &crate::config::InspectionSettings,
) -> Section {
    let mut case_section = Section::new("cases", lang.tr("lawyer_cases"));
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("col_case")),
        text_col(lang.tr("case_type")),
        text_col(lang.tr("col_closed_on")),
        text_col(lang.tr("col_recipient")),
        text_col(lang.tr("col_recipient_id")),
        num_col(lang.tr("col_score")),
        text_col(lang.tr("col_grade")),
        text_col(lang.tr("col_severity_check")),
        text_col(lang.tr("col_disputed")),
        text_col(lang.tr("col_veto")),
        text_col(lang.tr("col_flags_count")),
    ]);
    // Each flag with its words, from the registry (`crate::inspection`).
    let flag_words = |codes: &str| -> String {
        codes
            .split(';')
            .filter(|c| !c.is_empty())
            .map(|c| match crate::inspection::compliance_flag(c) {
                Some(f) => {
                    let (zh, en) = f.text(inspection);
                    format!("{c} {}", if lang == Lang::Zh { zh } else { en })
                }
                None => c.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    for r in cases {
        tbl.row(vec![
            r.case_id.clone(),
            lang.case_type_code(&r.case_type),
            date(r.closed_on),
            mask_name(&text(&r.recipient_name)),
            mask_id_no(&text(&r.recipient_id_no)),
            r.score.map(points).unwrap_or_default(),
            text(&r.grade_label),
            if r.severity_sensitive == Some(true) {
                lang.fmt("severity_sensitive_mark", &[&text(&r.adjusted_grade_label)])
            } else {
                String::new()
            },
            r.disputed
                .map(|b| lang.yes_no(b).to_string())
                .unwrap_or_default(),
            text(&r.veto_items),
            flag_words(&text(&r.compliance_flags)),
        ]);
    }
    if tbl.is_empty() {
        case_section.paragraphs.push(lang.tr("none").into());
    } else {
        case_section.tables.push(tbl);
    }
    case_section
}

fn history(lang: Lang, entries: &[&EntryRow], events: &[&EventRow]) -> Section {
    let mut history = Section::new("history", lang.tr("lawyer_history"));
    let mut tbl = Tbl::new(vec![
        text_col(lang.tr("col_entry")),
        text_col(lang.tr("col_list")),
        text_col(lang.tr("col_status")),
        text_col(lang.tr("col_severity")),
        text_col(lang.tr("col_rules")),
        text_col(lang.tr("col_proposed_on")),
        text_col(lang.tr("col_listed_on")),
        text_col(lang.tr("col_ends_on")),
        text_col(lang.tr("col_removed_on")),
    ]);
    for r in entries {
        tbl.row(vec![
            r.entry_id.clone(),
            lang.list(&r.list),
            lang.status(&r.status),
            r.severity
                .as_deref()
                .map(|s| lang.severity(s))
                .unwrap_or_default(),
            sorted_codes(&r.rules).join(";"),
            date(r.proposed_on),
            date(r.listed_on),
            date(r.ends_on),
            date(r.removed_on),
        ]);
    }
    let mut ev = Tbl::new(vec![
        text_col(lang.tr("col_date")),
        text_col(lang.tr("col_entry")),
        text_col(lang.tr("col_kind")),
        text_col(lang.tr("col_list")),
        text_col(lang.tr("col_rules")),
        text_col(lang.tr("col_actor")),
        text_col(lang.tr("col_reason_text")),
        text_col(lang.tr("col_evidence")),
    ])
    .caption(lang.tr("lawyer_events"));
    for r in events {
        ev.row(vec![
            date(r.date),
            text(&r.entry_id),
            lang.event_kind(&r.kind),
            r.list.as_deref().map(|l| lang.list(l)).unwrap_or_default(),
            r.rules.clone(),
            wording::actor(&r.actor, lang == Lang::Zh).to_string(),
            wording::reason(&r.actor, &r.reason, lang == Lang::Zh),
            r.evidence.replace(';', "; "),
        ]);
    }
    if tbl.is_empty() && ev.is_empty() {
        history.paragraphs.push(lang.tr("none").into());
    }
    if !tbl.is_empty() {
        history.tables.push(tbl);
    }
    if !ev.is_empty() {
        history.tables.push(ev);
    }
    history
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> LawyerProfileRow {
        LawyerProfileRow {
            lawyer_id: "L1".into(),
            name: Some("王律师".into()),
            law_firm: Some("某律所".into()),
            district: Some("武侯区".into()),
            practice_kind: Some("full_time".into()),
            status: Some("active".into()),
            years_of_practice: Some(7),
        }
    }

    fn credit_row() -> LawyerCreditRow {
        LawyerCreditRow {
            lawyer_id: "L1".into(),
            n_cases_closed: Some(3),
            n_cases_reviewed: Some(2),
            mean_score: Some(81.456),
            quality: Some(81.0),
            service: Some(90.0),
            deductions: Some(2.0),
            credit_score: Some(81.7),
            tier: Some("B".into()),
            eligible_major: Some(true),
            archive_rate: Some(0.5),
            satisfaction_rate: None,
        }
    }

    #[test]
    fn a_page_has_its_five_sections_and_masks_recipients() {
        let plan = crate::publish::tests::demo_plan();
        let p = profile();
        let cr = credit_row();
        let case = LawyerCaseRow {
            case_id: "C1".into(),
            lawyer_id: "L1".into(),
            case_type: "criminal".into(),
            closed_on: NaiveDate::from_ymd_opt(2024, 3, 1),
            recipient_name: Some("张三丰".into()),
            recipient_id_no: Some("510104199001011234".into()),
            score: Some(80.25),
            grade_label: Some("良好".into()),
            disputed: Some(false),
            veto_items: None,
            adjusted_grade_label: Some("合格".into()),
            severity_sensitive: Some(true),
            compliance_flags: Some("K1;K3".into()),
        };
        let page = lawyer_page(
            &plan,
            &Lawyer {
                profile: &p,
                credit: Some(&cr),
                inspection: None,
                reasons: &[],
                cases: std::slice::from_ref(&case),
                entries: &[],
                events: &[],
            },
        );
        assert_eq!(page.rel, format!("internal/lawyers/{}", lawyer_file("L1")));
        let ids: Vec<&str> = page.sections.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["profile", "credit", "reasons", "cases", "history"]);
        let credit = &page.sections[1];
        assert!(
            credit.facts[0].1.starts_with("81.70 (B)"),
            "{:?}",
            credit.facts
        );
        assert_eq!(credit.facts[4].1, "50.0%");
        assert_eq!(credit.facts[5].1, "", "no satisfaction rate");
        assert_eq!(credit.paragraphs.len(), 1, "the formula");
        let cases = format!("{:?}", page.sections[3].tables);
        assert!(
            cases.contains("2024-03-01") && cases.contains("张**"),
            "{cases}"
        );
        assert!(!cases.contains("张三丰"));
        // The case's compliance flags with their words, K3 with the setting.
        assert!(
            cases.contains("K1 超期归档; K3 执业不满3年承办刑事或重大疑难案件"),
            "{cases}"
        );
        // A grade that depends on the reviewers drawn is marked, with the
        // grade once their severity is taken out.
        assert!(cases.contains("校正评查专家宽严后为合格"), "{cases}");
        assert_eq!(page.sections[4].paragraphs.len(), 1, "no history: none");
    }

    #[test]
    fn a_lawyer_without_credit_shows_only_the_inspection_reading() {
        let inspection = InspectionRow {
            lawyer_id: "L1".into(),
            recommendation: Some("basically_competent".into()),
            recommendation_reasons: Some("I3;I5".into()),
            ..InspectionRow::default()
        };
        let s = credit(
            &crate::publish::tests::demo_plan(),
            Lang::Zh,
            None,
            Some(&inspection),
        );
        assert_eq!(s.facts.len(), 1);
        assert_eq!(s.facts[0].1, "基本称职 (I3;I5)");
        assert!(s.paragraphs.is_empty());
    }

    /// Lawyers `L0000`… with a profile only: more than two batches of pages.
    fn profiles(n: usize) -> Vec<LawyerProfileRow> {
        (0..n)
            .map(|i| LawyerProfileRow {
                lawyer_id: format!("L{i:04}"),
                ..profile()
            })
            .collect()
    }

    fn inputs(profiles: &[LawyerProfileRow]) -> Inputs<'_> {
        Inputs {
            profiles,
            credit: &[],
            reasons: &[],
            inspection: &[],
            entries: &[],
            events: &[],
        }
    }

    #[test]
    fn every_page_is_written_in_the_profiles_order_across_batches() {
        let plan = crate::publish::tests::demo_plan();
        let profiles = profiles(2 * PAGE_BATCH + 3);
        let dir = tempfile::tempdir().unwrap();
        let mut out = Writer::new(dir.path());
        let mut asked = Vec::new();
        let cases = |id: &str| {
            asked.push(id.to_string());
            Ok(Vec::new())
        };
        write(&plan, &inputs(&profiles), cases, &mut out).unwrap();
        let ids: Vec<&str> = profiles.iter().map(|p| p.lawyer_id.as_str()).collect();
        assert_eq!(asked, ids);
        let expected: Vec<String> = ids
            .iter()
            .map(|id| format!("internal/lawyers/{}", lawyer_file(id)))
            .collect();
        assert_eq!(out.files, expected);
        for (id, rel) in ids.iter().zip(&expected) {
            let html = std::fs::read_to_string(dir.path().join(rel)).unwrap();
            assert!(html.contains(&format!("<dd>{id}</dd>")), "{rel}");
        }
    }

    /// The mart hands out a lawyer's cases grouped, in no order within the
    /// lawyer: the page lists them by case id.
    #[test]
    fn a_page_lists_its_cases_by_case_id_whatever_order_they_come_in() {
        let plan = crate::publish::tests::demo_plan();
        let profiles = profiles(1);
        let dir = tempfile::tempdir().unwrap();
        let mut out = Writer::new(dir.path());
        let case = |id: &str| LawyerCaseRow {
            case_id: id.into(),
            lawyer_id: "L0000".into(),
            case_type: "civil".into(),
            closed_on: None,
            recipient_name: None,
            recipient_id_no: None,
            score: None,
            grade_label: None,
            disputed: None,
            veto_items: None,
            adjusted_grade_label: None,
            severity_sensitive: None,
            compliance_flags: None,
        };
        let ids = ["CD-2024-000031", "CD-2023-000900", "CD-2024-000002"];
        let cases = |_: &str| Ok(ids.iter().map(|id| case(id)).collect());
        write(&plan, &inputs(&profiles), cases, &mut out).unwrap();
        let html = std::fs::read_to_string(dir.path().join(&out.files[0])).unwrap();
        let at = |id: &str| html.find(id).unwrap_or_else(|| panic!("{id} missing"));
        assert!(at(ids[1]) < at(ids[2]) && at(ids[2]) < at(ids[0]));
    }

    /// The cases are read on their own thread: a read that fails in the
    /// second batch fails the step with its error, reading stops there, and
    /// only the pages of the batch before are written.
    #[test]
    fn a_failed_read_of_cases_fails_the_step_and_stops_reading() {
        let plan = crate::publish::tests::demo_plan();
        let profiles = profiles(3 * PAGE_BATCH);
        let dir = tempfile::tempdir().unwrap();
        let mut out = Writer::new(dir.path());
        let broken = format!("L{:04}", PAGE_BATCH + 1);
        let mut asked = 0;
        let cases = |id: &str| {
            asked += 1;
            match id == broken {
                true => Err(PublishError::Mart("the stream broke".into())),
                false => Ok(Vec::new()),
            }
        };
        let e = write(&plan, &inputs(&profiles), cases, &mut out).unwrap_err();
        assert!(e.to_string().contains("the stream broke"), "{e}");
        assert_eq!(asked, PAGE_BATCH + 2);
        assert_eq!(out.files.len(), PAGE_BATCH);
        let written = std::fs::read_dir(dir.path().join("internal/lawyers")).unwrap();
        assert_eq!(written.count(), PAGE_BATCH);
    }

    #[test]
    fn a_page_that_cannot_be_written_fails_the_step_naming_its_file() {
        let plan = crate::publish::tests::demo_plan();
        let profiles = profiles(PAGE_BATCH + 3);
        let dir = tempfile::tempdir().unwrap();
        // A folder where the page of a lawyer of the first batch goes.
        let blocked = dir
            .path()
            .join("internal/lawyers")
            .join(lawyer_file("L0100"));
        std::fs::create_dir_all(&blocked).unwrap();
        let mut out = Writer::new(dir.path());
        let err = write(&plan, &inputs(&profiles), |_| Ok(Vec::new()), &mut out)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&blocked.display().to_string()), "{err}");
    }
}
