//! The typed rows publication reads: one struct per mart of
//! `sql/mart_report_*.sql`, `sql/mart_lawyer_page_*.sql` and the written
//! marts it shows (`mart_panel_agreement`, `mart_lawyer_credit`,
//! `mart_inspection`, `mart_inspection_firms`), each checked against its
//! model at the start of every run ([`crate::marts::CONSUMED`]). The
//! sections take these rows and never a query engine.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::marts::{MartRow, optional_date};

/// `mart_report_case_counts`: how many cases of a type were closed in a
/// district in the period, for the public figures.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReportCaseCountRow {
    pub case_type: String,
    pub district: Option<String>,
    pub n_closed: i64,
}

impl MartRow for ReportCaseCountRow {
    const MODEL: &'static str = "mart_report_case_counts";
}

/// `mart_report_cases`: a scored case closed in the period, for the public
/// figures.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReportCaseRow {
    pub case_id: String,
    pub case_type: String,
    pub district: Option<String>,
    pub score: Option<f64>,
    pub grade: Option<String>,
}

impl MartRow for ReportCaseRow {
    const MODEL: &'static str = "mart_report_cases";
}

/// `mart_panel_agreement`: Krippendorff's alpha of one case type.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PanelAgreementRow {
    pub case_type: String,
    pub n_cases: Option<i64>,
    pub alpha: Option<f64>,
}

impl MartRow for PanelAgreementRow {
    const MODEL: &'static str = "mart_panel_agreement";
}

/// `mart_report_reviewers`: a reviewer's deviation from the panel.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReviewerRow {
    pub reviewer_id: String,
    pub name: Option<String>,
    pub role: Option<String>,
    pub n_reviews: Option<i64>,
    pub mean_deviation: Option<f64>,
    pub abs_mean_deviation: Option<f64>,
    pub severity_flag: Option<String>,
}

impl MartRow for ReviewerRow {
    const MODEL: &'static str = "mart_report_reviewers";
}

/// `mart_report_severity`: a reviewer's severity in one case type.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SeverityRow {
    pub case_type: String,
    pub reviewer_id: String,
    pub name: Option<String>,
    pub n_reviews: i64,
    pub severity: f64,
    pub severity_se: f64,
    pub component: i64,
    pub severity_estimable: bool,
    /// Components of the case type's case–reviewer graph.
    pub n_components: i64,
}

impl MartRow for SeverityRow {
    const MODEL: &'static str = "mart_report_severity";
}

/// `mart_report_sensitive_cases`: a case whose grade depends on the
/// reviewers drawn.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SensitiveCaseRow {
    pub case_id: String,
    pub case_type: String,
    pub lawyer_id: String,
    pub lawyer_name: Option<String>,
    pub score: Option<f64>,
    pub grade_label: Option<String>,
    pub adjusted_score: Option<f64>,
    pub adjusted_grade_label: Option<String>,
    pub disputed: Option<bool>,
    /// `;`-joined.
    pub reviewer_ids: Option<String>,
}

impl MartRow for SensitiveCaseRow {
    const MODEL: &'static str = "mart_report_sensitive_cases";
}

/// `mart_report_disputed_cases`: a case on the panel's worklist.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DisputedCaseRow {
    pub case_id: String,
    pub case_type: String,
    pub lawyer_id: String,
    pub lawyer_name: Option<String>,
    pub recipient_name: Option<String>,
    pub recipient_id_no: Option<String>,
    pub score: Option<f64>,
    pub score_min: Option<f64>,
    pub score_max: Option<f64>,
    pub grade_label: Option<String>,
    pub veto_items: Option<String>,
    /// Veto items the reviewers split on, `;`-joined (empty: none).
    pub split_items: Option<String>,
}

impl MartRow for DisputedCaseRow {
    const MODEL: &'static str = "mart_report_disputed_cases";
}

/// `mart_report_disputed_totals`: one reviewer's total on a disputed case.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DisputedTotalRow {
    pub case_id: String,
    pub reviewer_id: String,
    pub total: Option<f64>,
}

impl MartRow for DisputedTotalRow {
    const MODEL: &'static str = "mart_report_disputed_totals";
}

/// `mart_report_entries`: a register entry with the lawyer's details.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EntryRow {
    pub entry_id: String,
    pub lawyer_id: String,
    pub list: String,
    pub status: String,
    pub severity: Option<String>,
    pub rules: String,
    #[serde(deserialize_with = "optional_date")]
    pub proposed_on: Option<NaiveDate>,
    #[serde(deserialize_with = "optional_date")]
    pub listed_on: Option<NaiveDate>,
    #[serde(deserialize_with = "optional_date")]
    pub ends_on: Option<NaiveDate>,
    #[serde(deserialize_with = "optional_date")]
    pub removed_on: Option<NaiveDate>,
    pub name: Option<String>,
    pub law_firm: Option<String>,
    pub district: Option<String>,
    pub years_of_practice: Option<i64>,
}

impl MartRow for EntryRow {
    const MODEL: &'static str = "mart_report_entries";
    const DATES: &'static [&'static str] = &["proposed_on", "listed_on", "ends_on", "removed_on"];
}

/// `mart_report_events`: a register event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EventRow {
    pub event_id: i64,
    pub entry_id: Option<String>,
    pub lawyer_id: String,
    pub list: Option<String>,
    pub kind: String,
    #[serde(deserialize_with = "optional_date")]
    pub date: Option<NaiveDate>,
    pub run_id: Option<String>,
    pub actor: String,
    pub reason: String,
    pub rules: String,
    pub evidence: String,
}

impl MartRow for EventRow {
    const MODEL: &'static str = "mart_report_events";
    const DATES: &'static [&'static str] = &["date"];
}

/// `mart_report_sanctions`: a sanction of the inputs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SanctionRow {
    pub sanction_id: Option<String>,
    pub lawyer_id: Option<String>,
    pub kind: Option<String>,
    pub summary: Option<String>,
}

impl MartRow for SanctionRow {
    const MODEL: &'static str = "mart_report_sanctions";
}

/// `mart_report_n4_evidence`: the sanctions behind a lawyer's N4 finding.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct N4EvidenceRow {
    pub lawyer_id: Option<String>,
    pub evidence: Option<String>,
}

impl MartRow for N4EvidenceRow {
    const MODEL: &'static str = "mart_report_n4_evidence";
}

/// `mart_report_identifiers`: a value that must never reach `public/`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct IdentifierRow {
    /// `case_id`, `recipient_name`, `recipient_id_no` or `reviewer_name`.
    pub kind: String,
    pub value: Option<String>,
}

impl MartRow for IdentifierRow {
    const MODEL: &'static str = "mart_report_identifiers";
}

/// `mart_lawyer_page_profiles`: a lawyer with a page.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LawyerProfileRow {
    pub lawyer_id: String,
    pub name: Option<String>,
    pub law_firm: Option<String>,
    pub district: Option<String>,
    pub practice_kind: Option<String>,
    pub status: Option<String>,
    pub years_of_practice: Option<i64>,
}

impl MartRow for LawyerProfileRow {
    const MODEL: &'static str = "mart_lawyer_page_profiles";
}

/// `mart_lawyer_page_cases`: a case of the period on its lawyer's page.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LawyerCaseRow {
    pub case_id: String,
    pub lawyer_id: String,
    pub case_type: String,
    #[serde(deserialize_with = "optional_date")]
    pub closed_on: Option<NaiveDate>,
    pub recipient_name: Option<String>,
    pub recipient_id_no: Option<String>,
    pub score: Option<f64>,
    pub grade_label: Option<String>,
    pub disputed: Option<bool>,
    pub veto_items: Option<String>,
    /// The grade once reviewer severity is taken out (scoring.md).
    pub adjusted_grade_label: Option<String>,
    pub severity_sensitive: Option<bool>,
    /// K1–K5 joined by `;`.
    pub compliance_flags: Option<String>,
}

impl MartRow for LawyerCaseRow {
    const MODEL: &'static str = "mart_lawyer_page_cases";
    const DATES: &'static [&'static str] = &["closed_on"];
}

/// `mart_lawyer_credit`: a lawyer's credit score and its parts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LawyerCreditRow {
    pub lawyer_id: String,
    pub n_cases_closed: Option<i64>,
    pub n_cases_reviewed: Option<i64>,
    pub mean_score: Option<f64>,
    pub quality: Option<f64>,
    pub service: Option<f64>,
    pub deductions: Option<f64>,
    pub credit_score: Option<f64>,
    pub tier: Option<String>,
    pub eligible_major: Option<bool>,
    pub archive_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
}

impl MartRow for LawyerCreditRow {
    const MODEL: &'static str = "mart_lawyer_credit";
}

/// `mart_inspection`: a lawyer of the annual inspection.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct InspectionRow {
    pub lawyer_id: String,
    pub name: Option<String>,
    pub law_firm: Option<String>,
    pub district: Option<String>,
    pub n_closed: Option<i64>,
    pub n_reviewed: Option<i64>,
    pub mean_score: Option<f64>,
    pub credit_score: Option<f64>,
    pub tier: Option<String>,
    pub complaints_received: Option<i64>,
    pub complaints_substantiated: Option<i64>,
    pub sanctions: Option<i64>,
    pub open_negative_entry: Option<String>,
    pub open_negative_status: Option<String>,
    pub n_late_archive: Option<i64>,
    pub n_dv_male_lawyer: Option<i64>,
    pub n_junior_on_major: Option<i64>,
    pub n_grassroots_criminal: Option<i64>,
    pub n_assigned_while_listed: Option<i64>,
    pub duty_met: Option<bool>,
    /// `none`, `not_competent`, `basically_competent` or `competent`; the
    /// pages put it in their language (`recommendation_label` is Chinese).
    pub recommendation: Option<String>,
    pub recommendation_label: Option<String>,
    pub recommendation_reasons: Option<String>,
}

impl MartRow for InspectionRow {
    const MODEL: &'static str = "mart_inspection";
}

/// `mart_inspection_firms`: a law firm's inspection roll-up.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct FirmRow {
    pub firm_key: Option<String>,
    pub law_firm: Option<String>,
    pub district: Option<String>,
    pub n_lawyers: Option<i64>,
    pub n_competent: Option<i64>,
    pub n_basically_competent: Option<i64>,
    pub n_not_competent: Option<i64>,
    pub n_not_graded: Option<i64>,
    pub share_duty_met: Option<f64>,
    pub n_cases_closed: Option<i64>,
    pub n_cases_reviewed: Option<i64>,
    pub mean_score: Option<f64>,
}

impl MartRow for FirmRow {
    const MODEL: &'static str = "mart_inspection_firms";
}

/// The text of an optional column, empty for null (as the pages show it).
pub fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}
