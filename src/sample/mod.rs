//! Drawing the review sample and writing the reviewers' score sheets
//! (`legalaid sample`).
//!
//! Expert review works on a sample of the period's closed cases. [`sample`]
//! reads the inputs with the ordinary ingest (so the same rows are accepted
//! as in a run), draws the sample ([`draw`]: the always-in cases, a
//! stratified random part per district and case type, a floor per lawyer —
//! deterministic per seed), staffs every sampled case with a review panel
//! ([`assign`]: min-cost max-flow under the conflict-of-interest, lawyer-seat
//! and load rules) and writes, into a folder beside the run's output folder,
//! `sample.csv`, `unstaffed.csv` and one score-sheet workbook per reviewer
//! ([`sheets`]), whose filled copies load back as the `reviews` input.
//!
//! Two always-in reasons come from the register (lawyers with an open
//! negative-list entry; lawyers whose latest credit tier is D). The sample
//! sees the register only through [`RegisterView`], filled from the register
//! file by [`RegisterView::load`].

pub(crate) mod assign;
pub mod draw;
mod flow;
pub mod sheets;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::ingest::batch::Staged;
use crate::ingest::schema::Table;
use crate::ingest::{Ingested, Party};
use crate::marts::{MartRow, from_batches, optional_date};
use crate::output::Staging;
use crate::plan::Plan;
use crate::rubric::CaseType;
use assign::{Need, Reviewer, Role};
use draw::{Candidate, DrawParams, Reason};
use sheets::SheetCase;

/// What the register says about lawyers on the sample's as-of date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterView {
    /// Lawyers with an open negative-list entry: every case of theirs is in.
    pub negative_open: BTreeSet<String>,
    /// Lawyers whose latest credit snapshot has tier D: one case at least.
    pub tier_d: BTreeSet<String>,
}

impl RegisterView {
    /// Nobody on the negative list, nobody in tier D.
    pub fn empty() -> RegisterView {
        RegisterView::default()
    }

    /// The register at `plan.register_path` as it stood on `as_of` (its
    /// events dated up to then; the latest credit snapshot on or before
    /// then), with a line saying where the view came from. A missing
    /// register is an empty view: nobody listed, nobody rated yet.
    pub fn load(plan: &Plan, as_of: NaiveDate) -> Result<(RegisterView, String)> {
        let path = &plan.register_path;
        if !path.exists() {
            return Ok((
                RegisterView::empty(),
                format!(
                    "no register at {}: no lawyer is taken as negative-listed or tier D",
                    path.display()
                ),
            ));
        }
        let register = crate::register::Register::open_read_only(path)?;
        let negative_open: BTreeSet<String> = register
            .entries_as_of(as_of)?
            .into_iter()
            .filter(|e| e.list == crate::register::input::ListKind::Negative && e.is_open())
            .map(|e| e.lawyer_id)
            .collect();
        let tier_d: BTreeSet<String> = register
            .latest_tiers(as_of)?
            .into_iter()
            .filter(|(_, tier)| tier == "D")
            .map(|(lawyer, _)| lawyer)
            .collect();
        let note = format!(
            "register {} as of {as_of}: {} lawyers with an open negative-list entry, {} in tier D",
            path.display(),
            negative_open.len(),
            tier_d.len()
        );
        Ok((
            RegisterView {
                negative_open,
                tier_d,
            },
            note,
        ))
    }
}

/// Command-line choices; each overrides the pipeline's `[sampling]` or the
/// plan's as-of date when given.
#[derive(Debug, Clone, Default)]
pub struct SampleOptions {
    pub as_of: Option<NaiveDate>,
    pub rate: Option<f64>,
    pub seed: Option<u64>,
    pub panel_size: Option<u32>,
    /// Output folder (default `<output.dir>/../<name>-sample`).
    pub out: Option<PathBuf>,
    /// Unstaffed cases make the command fail (see [`SampleSummary::ok`]).
    pub strict: bool,
}

/// A sampled case that got no panel.
#[derive(Debug, Clone, PartialEq)]
pub struct UnstaffedCase {
    pub case_id: String,
    /// `code: details`.
    pub reason: String,
}

/// What [`sample`] drew and wrote.
#[derive(Debug, Clone)]
pub struct SampleSummary {
    pub out_dir: PathBuf,
    pub as_of: NaiveDate,
    pub rate: f64,
    pub seed: u64,
    pub panel_size: usize,
    /// Closed cases of the period (as of the date).
    pub period_cases: usize,
    pub sampled: usize,
    /// Cases per reason (a case with two reasons counts twice).
    pub per_reason: Vec<(Reason, usize)>,
    pub staffed: usize,
    pub unstaffed: Vec<UnstaffedCase>,
    /// Workbooks written (reviewers with at least one case).
    pub workbooks: usize,
    pub assignable_reviewers: usize,
    pub load_bound: usize,
    pub max_load: usize,
    /// Where the register view came from.
    pub register_note: String,
    pub strict: bool,
}

impl SampleSummary {
    /// False when `--strict` was asked and some case could not be staffed.
    pub fn ok(&self) -> bool {
        !self.strict || self.unstaffed.is_empty()
    }
}

/// Draws the sample, staffs it and writes the files, reading the register
/// through [`RegisterView::load`].
pub fn sample(plan: &Plan, options: &SampleOptions) -> Result<SampleSummary> {
    let as_of = options.as_of.unwrap_or(plan.as_of);
    let (register, note) = RegisterView::load(plan, as_of)?;
    let mut summary = sample_with(plan, options, &register)?;
    summary.register_note = note;
    Ok(summary)
}

/// [`sample`] with the register view given.
pub fn sample_with(
    plan: &Plan,
    options: &SampleOptions,
    register: &RegisterView,
) -> Result<SampleSummary> {
    let settings = &plan.settings.sampling;
    let as_of = options.as_of.unwrap_or(plan.as_of);
    let rate = options.rate.unwrap_or(settings.rate);
    let seed = options.seed.unwrap_or(settings.seed);
    let panel_size = options.panel_size.unwrap_or(settings.panel_size) as usize;
    if !(0.0..=1.0).contains(&rate) {
        return Err(Error::Sample(format!(
            "rate {rate} is outside 0 … 1 (a share of each stratum)"
        )));
    }
    if panel_size == 0 {
        return Err(Error::Sample(
            "panel size 0: a panel needs a reviewer".into(),
        ));
    }
    let out_dir = out_dir(plan, options.out.as_deref())?;
    refuse_filled_sheets(&out_dir)?;

    let ingested = crate::ingest::ingest(plan, &mut |_, _| {})?;
    check_rejects(plan, &ingested)?;
    let inputs = Inputs::read(plan, &ingested, as_of)?;

    let drawn = draw::draw(
        &inputs.cases,
        &inputs.complained,
        register,
        DrawParams {
            rate,
            min_per_lawyer: settings.min_per_lawyer,
            seed,
        },
    );
    let needs: Vec<Need> = drawn
        .iter()
        .map(|d| {
            let c = &inputs.cases[d.index];
            Need {
                case_type: c.case_type,
                lawyer_id: c.lawyer_id.clone(),
                party: inputs.lawyers[&c.lawyer_id].party.clone(),
                priority: if d.reasons.iter().any(|r| r.is_always_in()) {
                    0
                } else {
                    1
                },
            }
        })
        .collect();
    let staffing = assign::assign(&needs, &inputs.reviewers, panel_size);

    let staging = Staging::new(&out_dir, &plan.kept_paths())?;
    let unstaffed = write_tables(staging.path(), &inputs, &drawn, &staffing)?;
    let workbooks = write_workbooks(staging.path(), plan, &inputs, &drawn, &staffing)?;
    staging.commit()?;

    let per_reason = Reason::ALL
        .iter()
        .map(|&r| (r, drawn.iter().filter(|d| d.reasons.contains(&r)).count()))
        .collect();
    Ok(SampleSummary {
        out_dir,
        as_of,
        rate,
        seed,
        panel_size,
        period_cases: inputs.cases.len(),
        sampled: drawn.len(),
        per_reason,
        staffed: drawn.len() - unstaffed.len(),
        unstaffed,
        workbooks,
        assignable_reviewers: staffing.assignable,
        load_bound: staffing.bound,
        max_load: staffing.loads.iter().copied().max().unwrap_or(0),
        register_note: String::new(),
        strict: options.strict,
    })
}

/// The output folder: `--out`, else `<name>-sample` beside the run's output
/// folder — never inside it, since a run replaces that folder as a whole.
fn out_dir(plan: &Plan, out: Option<&Path>) -> Result<PathBuf> {
    let dir = match out {
        Some(dir) => std::path::absolute(dir).map_err(|e| Error::io(dir, e))?,
        None => plan
            .output_dir
            .parent()
            .unwrap_or(Path::new("."))
            .join(format!("{}-sample", plan.name)),
    };
    if dir.starts_with(&plan.output_dir) || plan.output_dir.starts_with(&dir) {
        return Err(Error::Sample(format!(
            "output folder {} and the run's output folder {} would contain one another, and each \
             is replaced as a whole when written; choose a folder beside it",
            dir.display(),
            plan.output_dir.display()
        )));
    }
    Ok(dir)
}

/// Refuses to replace a sample folder whose workbooks may have been filled.
fn refuse_filled_sheets(dir: &Path) -> Result<()> {
    let sheets = dir.join("sheets");
    let Ok(entries) = std::fs::read_dir(&sheets) else {
        return Ok(());
    };
    let mut filled: Vec<String> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("xlsx"))
        })
        .filter(|p| sheets::may_hold_scores(p))
        .map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    if filled.is_empty() {
        return Ok(());
    }
    filled.sort();
    Err(Error::Sample(format!(
        "{} holds score sheets with points entered ({}); drawing again would replace them. \
         Move the folder away or choose another --out",
        dir.display(),
        filled.join(", ")
    )))
}

/// Fails when too many rows of a table the sample reads were rejected.
fn check_rejects(plan: &Plan, ingested: &Ingested) -> Result<()> {
    let used = [
        Table::Lawyers,
        Table::Cases,
        Table::Reviewers,
        Table::Complaints,
    ];
    let limit = plan.settings.ingest.max_reject_ratio;
    match ingested
        .over_reject_limit(limit)
        .into_iter()
        .find(|r| used.contains(&r.table))
    {
        None => Ok(()),
        Some(r) => Err(Error::TooManyRejects {
            table: r.table.name(),
            rejected: r.rejected_count(),
            read: r.read(),
            percent: 100.0 * r.reject_ratio(),
            limit,
            where_to_look: format!(
                "`legalaid validate {} --rejects DIR` for the rejected rows",
                plan.pipeline_path.display()
            ),
        }),
    }
}

struct Lawyer {
    name: String,
    party: Party,
}

/// The facts a score sheet shows that the draw does not need.
struct Facts {
    matter: String,
    assigned_on: NaiveDate,
    closed_on: NaiveDate,
    recipient_name: String,
}

/// The accepted input rows the sample works on.
struct Inputs {
    /// Closed cases of the period, closed on or before the as-of date.
    cases: Vec<Candidate>,
    facts: Vec<Facts>,
    lawyers: HashMap<String, Lawyer>,
    reviewers: Vec<Reviewer>,
    reviewer_names: Vec<String>,
    /// Cases with a complaint received by the as-of date and not withdrawn.
    complained: BTreeSet<String>,
}

/// A row of the `lawyers` input, as the sample reads it.
#[derive(Debug, Deserialize)]
struct LawyerInput {
    lawyer_id: String,
    name: String,
    law_firm: Option<String>,
    firm_id: Option<String>,
}

impl MartRow for LawyerInput {
    const MODEL: &'static str = "lawyers";
}

/// A row of the `cases` input, as the sample reads it.
#[derive(Debug, Deserialize)]
struct CaseInput {
    case_id: String,
    case_type: String,
    matter: String,
    lawyer_id: String,
    district: String,
    #[serde(deserialize_with = "optional_date")]
    assigned_on: Option<NaiveDate>,
    #[serde(deserialize_with = "optional_date")]
    closed_on: Option<NaiveDate>,
    recipient_name: String,
    major_difficult: Option<bool>,
}

impl MartRow for CaseInput {
    const MODEL: &'static str = "cases";
    const DATES: &'static [&'static str] = &["assigned_on", "closed_on"];
}

/// A row of the `reviewers` input, as the sample reads it.
#[derive(Debug, Deserialize)]
struct ReviewerInput {
    reviewer_id: String,
    name: String,
    role: String,
    law_firm: Option<String>,
    firm_id: Option<String>,
}

impl MartRow for ReviewerInput {
    const MODEL: &'static str = "reviewers";
}

/// A row of the `complaints` input, as the sample reads it.
#[derive(Debug, Deserialize)]
struct ComplaintInput {
    case_id: Option<String>,
    outcome: String,
    #[serde(deserialize_with = "optional_date")]
    received_on: Option<NaiveDate>,
}

impl MartRow for ComplaintInput {
    const MODEL: &'static str = "complaints";
    const DATES: &'static [&'static str] = &["received_on"];
}

impl Inputs {
    fn read(plan: &Plan, ingested: &Ingested, as_of: NaiveDate) -> Result<Inputs> {
        // Sampling ingests in memory (no scratch folder), so this never reads
        // a file.
        fn rows<T: MartRow>(ingested: &Ingested, table: Table) -> Result<Vec<T>> {
            let batches = match ingested.tables.get(&table) {
                Some(Staged::Memory(batches)) => batches.as_slice(),
                Some(Staged::File { .. }) => unreachable!("sampling ingests in memory"),
                None => &[],
            };
            Ok(from_batches::<T>(batches)?)
        }
        let validated = "a validated input has it";
        let mut lawyers = HashMap::new();
        for l in rows::<LawyerInput>(ingested, Table::Lawyers)? {
            lawyers.insert(
                l.lawyer_id,
                Lawyer {
                    name: l.name,
                    party: Party::new(l.law_firm.as_deref(), l.firm_id.as_deref()),
                },
            );
        }

        let (mut cases, mut facts) = (Vec::new(), Vec::new());
        for c in rows::<CaseInput>(ingested, Table::Cases)? {
            let closed_on = c.closed_on.expect(validated);
            if !plan.in_period(closed_on) || closed_on > as_of {
                continue;
            }
            cases.push(Candidate {
                case_id: c.case_id,
                case_type: CaseType::parse(&c.case_type).expect("validated case type"),
                district: c.district,
                lawyer_id: c.lawyer_id,
                major_difficult: c.major_difficult.unwrap_or(false),
            });
            facts.push(Facts {
                matter: c.matter,
                assigned_on: c.assigned_on.expect(validated),
                closed_on,
                recipient_name: c.recipient_name,
            });
        }

        let (mut reviewers, mut reviewer_names) = (Vec::new(), Vec::new());
        for r in rows::<ReviewerInput>(ingested, Table::Reviewers)? {
            reviewers.push(Reviewer {
                id: r.reviewer_id,
                role: Role::parse(&r.role).expect("validated role"),
                party: Party::new(r.law_firm.as_deref(), r.firm_id.as_deref()),
            });
            reviewer_names.push(r.name);
        }

        let mut complained = BTreeSet::new();
        for c in rows::<ComplaintInput>(ingested, Table::Complaints)? {
            if let Some(case) = c.case_id
                && c.outcome != "withdrawn"
                && c.received_on.expect(validated) <= as_of
            {
                complained.insert(case);
            }
        }
        Ok(Inputs {
            cases,
            facts,
            lawyers,
            reviewers,
            reviewer_names,
            complained,
        })
    }
}

fn csv_error(path: &Path) -> impl Fn(csv::Error) -> Error + '_ {
    move |e| Error::io(path, std::io::Error::other(e))
}

/// Writes `sample.csv` and `unstaffed.csv`; returns the unstaffed cases.
fn write_tables(
    dir: &Path,
    inputs: &Inputs,
    drawn: &[draw::Drawn],
    staffing: &assign::Staffing,
) -> Result<Vec<UnstaffedCase>> {
    let path = dir.join("sample.csv");
    let mut w = csv::Writer::from_path(&path).map_err(csv_error(&path))?;
    w.write_record([
        "case_id",
        "case_type",
        "district",
        "lawyer_id",
        "reasons",
        "reviewer_ids",
    ])
    .map_err(csv_error(&path))?;
    let mut unstaffed = Vec::new();
    for (d, panel) in drawn.iter().zip(&staffing.panels) {
        let c = &inputs.cases[d.index];
        let reasons: Vec<&str> = d.reasons.iter().map(|r| r.code()).collect();
        let reviewers = match panel {
            Ok(p) => p
                .iter()
                .map(|&r| inputs.reviewers[r].id.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            Err(u) => {
                unstaffed.push(UnstaffedCase {
                    case_id: c.case_id.clone(),
                    reason: format!("{}: {}", u.code, u.detail),
                });
                String::new()
            }
        };
        w.write_record([
            c.case_id.as_str(),
            c.case_type.code(),
            &c.district,
            &c.lawyer_id,
            &reasons.join(";"),
            &reviewers,
        ])
        .map_err(csv_error(&path))?;
    }
    w.flush().map_err(|e| Error::io(&path, e))?;

    let path = dir.join("unstaffed.csv");
    let mut w = csv::Writer::from_path(&path).map_err(csv_error(&path))?;
    w.write_record(["case_id", "reason"])
        .map_err(csv_error(&path))?;
    for u in &unstaffed {
        w.write_record([&u.case_id, &u.reason])
            .map_err(csv_error(&path))?;
    }
    w.flush().map_err(|e| Error::io(&path, e))?;
    Ok(unstaffed)
}

/// A reviewer id as a file name: characters other than letters, digits,
/// `-`, `_` and `.` become `_`.
/// Writes `sheets/<reviewer_id>.xlsx` for every reviewer with a case;
/// returns how many.
fn write_workbooks(
    dir: &Path,
    plan: &Plan,
    inputs: &Inputs,
    drawn: &[draw::Drawn],
    staffing: &assign::Staffing,
) -> Result<usize> {
    let mut per_reviewer: BTreeMap<usize, Vec<SheetCase>> = BTreeMap::new();
    for (d, panel) in drawn.iter().zip(&staffing.panels) {
        let Ok(panel) = panel else { continue };
        let c = &inputs.cases[d.index];
        let f = &inputs.facts[d.index];
        let lawyer = &inputs.lawyers[&c.lawyer_id];
        let row = SheetCase {
            case_id: c.case_id.clone(),
            case_type: c.case_type,
            district: c.district.clone(),
            matter: f.matter.clone(),
            lawyer_name: lawyer.name.clone(),
            law_firm: lawyer.party.law_firm().unwrap_or("").to_string(),
            assigned_on: f.assigned_on,
            closed_on: f.closed_on,
            recipient: sheets::mask_name(&f.recipient_name),
        };
        for &r in panel {
            per_reviewer.entry(r).or_default().push(row.clone());
        }
    }
    let sheets_dir = dir.join("sheets");
    std::fs::create_dir_all(&sheets_dir).map_err(|e| Error::io(&sheets_dir, e))?;
    let mut names: BTreeMap<String, &str> = BTreeMap::new();
    for (r, cases) in &per_reviewer {
        let id = inputs.reviewers[*r].id.as_str();
        // The one rule for files named after an input id (output.rs).
        let file = crate::output::id_file_name(id, "xlsx");
        if let Some(other) = names.insert(file.clone(), id) {
            return Err(Error::Sample(format!(
                "reviewers {other} and {id} would both get the workbook {file}"
            )));
        }
        let path = sheets_dir.join(&file);
        sheets::write_workbook(
            &path,
            (id, &inputs.reviewer_names[*r]),
            cases,
            &plan.rubrics,
        )
        .map_err(|e| Error::io(&path, std::io::Error::other(e)))?;
    }
    Ok(per_reviewer.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlanOptions;

    fn generated(dir: &Path, cases: u64) -> Plan {
        let options = crate::generate::GenerateOptions::new(dir, cases, 4);
        let summary = crate::generate::generate(&options, &mut |_| {}).unwrap();
        Plan::resolve(&summary.pipeline, &PlanOptions::default()).unwrap()
    }

    fn rows(path: &Path) -> Vec<csv::StringRecord> {
        csv::Reader::from_path(path)
            .unwrap()
            .records()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn register_lawyers_are_sampled_with_their_reasons() {
        let dir = tempfile::tempdir().unwrap();
        let plan = generated(dir.path(), 300);
        let cases = rows(&dir.path().join("cases.csv"));
        let lawyer_of = |i: usize| cases[i].get(3).unwrap().to_string();
        let (negative, tier_d) = (lawyer_of(0), lawyer_of(1));
        assert_ne!(negative, tier_d);
        let register = RegisterView {
            negative_open: [negative.clone()].into(),
            tier_d: [tier_d.clone()].into(),
        };
        let summary = sample_with(&plan, &SampleOptions::default(), &register).unwrap();
        assert_eq!(summary.out_dir, dir.path().join("generated-s4-n300-sample"));
        let sample = rows(&summary.out_dir.join("sample.csv"));
        let reasons_of = |case: &str| {
            sample
                .iter()
                .find(|r| r.get(0) == Some(case))
                .map(|r| r.get(4).unwrap().to_string())
        };
        for c in &cases {
            let closed = c.get(7).unwrap();
            if !("2024-01-01"..="2024-12-31").contains(&closed) {
                continue;
            }
            if c.get(3) == Some(negative.as_str()) {
                let reasons = reasons_of(c.get(0).unwrap()).expect("negative-list case in");
                assert!(reasons.contains("negative_list"), "{reasons}");
            }
        }
        let tier_d_rows: Vec<_> = sample
            .iter()
            .filter(|r| r.get(4).unwrap().contains("tier_d"))
            .collect();
        assert_eq!(tier_d_rows.len(), 1);
        assert_eq!(tier_d_rows[0].get(3), Some(tier_d.as_str()));
        let counted: BTreeMap<Reason, usize> = summary.per_reason.iter().copied().collect();
        assert!(counted[&Reason::NegativeList] >= 1 && counted[&Reason::TierD] == 1);
    }

    #[test]
    fn as_of_limits_cases_and_complaints() {
        let dir = tempfile::tempdir().unwrap();
        let plan = generated(dir.path(), 300);
        let as_of = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
        let options = SampleOptions {
            as_of: Some(as_of),
            out: Some(dir.path().join("mid-year")),
            ..SampleOptions::default()
        };
        let summary = sample_with(&plan, &options, &RegisterView::empty()).unwrap();
        let cases = rows(&dir.path().join("cases.csv"));
        let closed: BTreeMap<String, String> = cases
            .iter()
            .map(|c| (c[0].to_string(), c[7].to_string()))
            .collect();
        let sample = rows(&dir.path().join("mid-year/sample.csv"));
        assert!(!sample.is_empty());
        assert!(
            sample
                .iter()
                .all(|r| closed[&r[0]].as_str() <= "2024-06-30")
        );
        let in_half = closed
            .values()
            .filter(|d| ("2024-01-01"..="2024-06-30").contains(&d.as_str()))
            .count();
        assert_eq!(summary.period_cases, in_half);
    }

    #[test]
    fn bad_options_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let plan = generated(dir.path(), 100);
        for options in [
            SampleOptions {
                rate: Some(1.5),
                ..SampleOptions::default()
            },
            SampleOptions {
                panel_size: Some(0),
                ..SampleOptions::default()
            },
            SampleOptions {
                out: Some(plan.output_dir.join("sample")),
                ..SampleOptions::default()
            },
        ] {
            let e = sample_with(&plan, &options, &RegisterView::empty()).unwrap_err();
            assert!(matches!(e, Error::Sample(_)), "{e}");
        }
    }

    #[test]
    fn a_missing_register_is_an_empty_view() {
        let dir = tempfile::tempdir().unwrap();
        let plan = generated(dir.path(), 100);
        let (view, note) = RegisterView::load(&plan, plan.as_of).unwrap();
        assert_eq!(view, RegisterView::empty());
        assert!(note.contains("no register"), "{note}");
    }
}
