//! The case stream: cases, with their reviews, feedback and complaints.
//!
//! Cases are drawn one at a time and written at once together with what
//! hangs off them, so memory does not grow with the number of cases. About
//! 95% of cases close within the period year (the rest the year before);
//! each is assigned 10–300 days before closing to a lawyer drawn by workload
//! (never one whose licence post-dates the assignment or who was suspended or
//! revoked while it ran; rarely a grassroots worker for a criminal case, a
//! junior lawyer for a criminal or major case, or a man for a
//! domestic-violence case). About 15% of cases are reviewed by 1–4 reviewers
//! (mostly 3, never one from the lawyer's own firm); item points come from
//! the lawyer's latent quality, a per-case-and-item truth, the reviewer's
//! bias and noise. Veto items take 0 or their maximum; optional items are
//! not applicable consistently within a case (no hearing took place, …). Some
//! reviewed cases are vetoed by every reviewer, some split on a veto item,
//! some disputed (one reviewer far off), and a few reconciled (that reviewer
//! re-submits, the new review naming the old one in `supersedes`).
//!
//! The first cases, reviews, complaints and follow-ups walk through every
//! enumeration value of the contract, so small data sets contain them all.

use chrono::{Datelike, NaiveDate};
use rand::Rng;

use super::names::{self, DISTRICTS};
use super::roster::{FirmKind, Roster, code};
use super::sampling::{
    Cumulative, GenRng, add_days, add_years, between, chance, date_between, date_text, normal,
    opt_date_text, pick, rng_for, stream, weighted, ymd,
};
use super::{
    COMPLAINT_CATEGORIES, COMPLAINT_OUTCOMES, GenerateError, GenerateOptions, MATTERS,
    RECIPIENT_GROUPS, SATISFACTIONS, Table,
};
use crate::rubric::{CaseType, Rubric};

/// The tables the case stream writes.
pub(crate) struct Sinks<'a> {
    pub cases: &'a mut Table,
    pub reviews: &'a mut Table,
    pub complaints: &'a mut Table,
    pub feedback: &'a mut Table,
}

/// How often progress is reported, in cases.
const PROGRESS_EVERY: u64 = 10_000;

/// Forced (type, matter, outcome) of the first cases: every matter and every
/// outcome code once.
const FIRST_CASES: [(usize, &str, &str); 12] = [
    (0, "investigation", "withdrawn"),
    (0, "prosecution", "charge_reduced"),
    (0, "trial", "acquitted"),
    (0, "appeal", "mitigated"),
    (0, "death_review", "as_charged"),
    (1, "family", "mediated"),
    (1, "labor", "won"),
    (1, "traffic", "partly_won"),
    (1, "ip", "lost"),
    (1, "other", "terminated"),
    (2, "litigation", "won"),
    (2, "reconsideration", "withdrawn"),
];

/// One rubric item, prepared for writing points.
struct ItemPlan {
    code: String,
    max: f64,
    /// `"0"`, `"1"`, … up to the whole part of the maximum.
    labels: Vec<String>,
    /// The maximum, written.
    max_label: String,
    veto: bool,
    optional: bool,
}

impl ItemPlan {
    fn new(code: &str, max: f64, veto: bool, optional: bool) -> Self {
        let top = max.max(0.0).floor() as usize;
        let labels: Vec<String> = (0..=top).map(|p| p.to_string()).collect();
        let max_label = if max.fract() == 0.0 {
            labels[top].clone()
        } else {
            max.to_string()
        };
        ItemPlan {
            code: code.to_owned(),
            max,
            labels,
            max_label,
            veto,
            optional,
        }
    }
}

/// One closed case, as written to `cases.csv`.
struct Case {
    id: String,
    ti: usize,
    matter: &'static str,
    lawyer: usize,
    centre: String,
    district: usize,
    assigned: NaiveDate,
    closed: NaiveDate,
    archived: Option<NaiveDate>,
    recipient_name: String,
    recipient_id: String,
    groups: String,
    major: bool,
    dv: bool,
    outcome: &'static str,
    in_period: bool,
}

/// How a reviewed case's veto items go.
#[derive(Clone, Copy)]
enum Veto {
    None,
    /// Every reviewer scores this item 0.
    All(usize),
    /// Only the reviewer at this position scores this item 0.
    Split(usize, usize),
}

/// State of the case stream.
struct CaseStream<'a> {
    rng: GenRng,
    roster: &'a Roster,
    plans: Vec<Vec<ItemPlan>>,
    type_codes: Vec<&'static str>,
    lawyer_pick: Cumulative,
    district_weights: Vec<(usize, u32)>,
    scorers: Vec<usize>,
    year: i32,
    year_start: NaiveDate,
    year_end: NaiveDate,
    n_complaints: u64,
    complaints: u64,
    reviews: u64,
    scenarios: u64,
    /// Cases of the period scored by one reviewer so far.
    single_reviewed: u64,
    /// The reviewer named on the current case's review instead of the one
    /// drawn (the lone reviewer).
    stand_in: Option<usize>,
    feedback: u64,
    // Scratch buffers reused from case to case.
    applies: Vec<bool>,
    truth: Vec<f64>,
}

/// Writes `opts.cases` cases and what hangs off them.
pub(crate) fn write(
    opts: &GenerateOptions,
    roster: &Roster,
    rubrics: &[Rubric],
    sinks: &mut Sinks<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<(), GenerateError> {
    let mut plans = Vec::new();
    let mut type_codes = Vec::new();
    for ct in CaseType::ALL {
        let rubric = rubrics
            .iter()
            .find(|r| r.case_type.code() == ct.code())
            .ok_or_else(|| GenerateError::Options(format!("no rubric for {}", ct.code())))?;
        plans.push(
            rubric
                .items
                .iter()
                .map(|it| ItemPlan::new(&it.code, it.max_points, it.veto, it.optional))
                .collect(),
        );
        type_codes.push(ct.code());
    }
    let scorers: Vec<usize> = (0..roster.reviewers.len())
        .filter(|&r| roster.reviewers[r].role != code::ROLE_PANEL && r != roster.lone_reviewer)
        .collect();
    let mut s = CaseStream {
        rng: rng_for(opts.seed, stream::CASES),
        roster,
        plans,
        type_codes,
        lawyer_pick: Cumulative::new(roster.lawyers.iter().map(|l| l.workload)),
        district_weights: DISTRICTS
            .iter()
            .enumerate()
            .map(|(i, d)| (i, d.weight))
            .collect(),
        scorers,
        year: opts.year,
        year_start: ymd(opts.year, 1, 1),
        year_end: ymd(opts.year, 12, 31),
        n_complaints: (opts.cases / 100).max(20),
        complaints: 0,
        reviews: 0,
        scenarios: 0,
        single_reviewed: 0,
        stand_in: None,
        feedback: 0,
        applies: Vec::new(),
        truth: Vec::new(),
    };
    let n = opts.cases;
    let mut reported = None;
    for i in 0..n {
        let case = s.case(i);
        s.write_case(&case, sinks.cases)?;
        if chance(&mut s.rng, 0.6) {
            s.write_feedback(&case, sinks.feedback)?;
        }
        let p_review = match (case.in_period, case.major) {
            (true, true) => 0.45,
            (true, false) => 0.115,
            (false, _) => 0.10,
        };
        if chance(&mut s.rng, p_review) {
            s.write_reviews(&case, sinks.reviews)?;
        }
        let due = ((u128::from(i) + 1) * u128::from(s.n_complaints) / u128::from(n)) as u64;
        while s.complaints < due {
            s.write_complaint(Some(&case), case.lawyer, sinks.complaints)?;
        }
        if (i + 1) % PROGRESS_EVERY == 0 {
            progress(i + 1);
            reported = Some(i + 1);
        }
    }
    // Without cases, complaints still name lawyers.
    while s.complaints < s.n_complaints {
        let l = s.lawyer_pick.draw(&mut s.rng);
        s.write_complaint(None, l, sinks.complaints)?;
    }
    if reported != Some(n) {
        progress(n);
    }
    Ok(())
}

impl CaseStream<'_> {
    fn case(&mut self, i: u64) -> Case {
        let forced = FIRST_CASES.get(i as usize).copied();
        let (ti, matter) = match forced {
            Some((ti, matter, _)) => (ti, matter),
            None => {
                let ti = weighted(&mut self.rng, &[(0usize, 45), (1, 48), (2, 7)]);
                let weights: &[(usize, u32)] = match ti {
                    0 => &[(0, 15), (1, 20), (2, 50), (3, 12), (4, 3)],
                    1 => &[(0, 25), (1, 30), (2, 15), (3, 3), (4, 27)],
                    _ => &[(0, 60), (1, 40)],
                };
                (ti, MATTERS[ti][weighted(&mut self.rng, weights)])
            }
        };
        let rng = &mut self.rng;
        let major = match (i, matter) {
            (4, _) | (_, "death_review") => true,
            (0..12, _) => false,
            (_, "trial" | "appeal") => chance(rng, 0.12),
            _ => chance(rng, 0.085),
        };
        let dv = i == 5 || (i >= 12 && matter == "family" && chance(rng, 0.25));
        let in_period = i < 12 || !chance(rng, 0.05);

        // Dates: closing month weighted (a year-end push), duration by matter.
        let close_year = if in_period { self.year } else { self.year - 1 };
        let month = weighted(
            rng,
            &[
                (1u32, 8),
                (2, 6),
                (3, 9),
                (4, 9),
                (5, 9),
                (6, 9),
                (7, 8),
                (8, 8),
                (9, 9),
                (10, 8),
                (11, 9),
                (12, 12),
            ],
        );
        let first = ymd(close_year, month, 1);
        let last = add_days(
            if month == 12 {
                ymd(close_year + 1, 1, 1)
            } else {
                ymd(close_year, month + 1, 1)
            },
            -1,
        );
        let closed = date_between(rng, first, last);
        let (lo, hi) = match matter {
            "investigation" => (10, 90),
            "prosecution" => (20, 120),
            "trial" => (40, 240),
            "appeal" => (30, 200),
            "death_review" => (60, 300),
            "labor" | "litigation" => (40, 300),
            _ => (20, 280),
        };
        let u: f64 = rng.random::<f64>();
        let duration = lo + ((hi - lo) as f64 * u.powf(1.4)).round() as i64;
        let assigned = add_days(closed, -duration);

        let lawyer = self.pick_lawyer(ti, major, dv, assigned, closed);
        let l = &self.roster.lawyers[lawyer];
        let firm = &self.roster.firms[l.firm];
        let rng = &mut self.rng;
        let city_centre = "成都市法律援助中心";
        let (centre, district) = if firm.kind == FirmKind::AidCentre && firm.name != city_centre {
            (firm.name.clone(), firm.district)
        } else {
            let district = if chance(rng, 0.8) {
                l.district
            } else {
                weighted(rng, &self.district_weights)
            };
            let centre = if firm.name == city_centre || chance(rng, 0.07) {
                city_centre.to_owned()
            } else {
                format!("{}法律援助中心", DISTRICTS[district].name)
            };
            (centre, district)
        };

        let outcome = match forced {
            Some((_, _, outcome)) => outcome,
            None => weighted(rng, outcome_weights(matter)),
        };

        let (recipient_name, recipient_id, groups) =
            recipient(rng, i, ti, matter, dv, assigned, district);

        let q = l.quality;
        let days_left = (self.year_end - closed).num_days();
        let archived = if (days_left < 30 && chance(rng, 0.35)) || chance(rng, 0.03) {
            None
        } else if chance(rng, 0.04 + 0.4 * (1.0 - q)) {
            Some(add_days(closed, between(rng, 31, 150)))
        } else {
            Some(add_days(closed, between(rng, 1, 12) + between(rng, 0, 18)))
        };

        Case {
            id: format!("CD-{}-{:06}", assigned.year(), i + 1),
            ti,
            matter,
            lawyer,
            centre,
            district,
            assigned,
            closed,
            archived,
            recipient_name,
            recipient_id,
            groups,
            major,
            dv,
            outcome,
            in_period,
        }
    }

    /// A lawyer for the case, by workload, with the assignment rules mostly
    /// (not always) kept.
    fn pick_lawyer(
        &mut self,
        ti: usize,
        major: bool,
        dv: bool,
        assigned: NaiveDate,
        closed: NaiveDate,
    ) -> usize {
        for _ in 0..100 {
            let i = self.lawyer_pick.draw(&mut self.rng);
            let l = &self.roster.lawyers[i];
            if l.licensed_on > assigned {
                continue;
            }
            if let Some((from, to)) = l.blocked
                && assigned <= to
                && closed >= from
            {
                continue;
            }
            let rng = &mut self.rng;
            if ti == 0 && l.kind == code::GRASSROOTS && !chance(rng, 0.03) {
                continue;
            }
            if (ti == 0 || major) && l.junior_on(assigned) && !chance(rng, 0.35) {
                continue;
            }
            if dv && l.female == Some(false) && !chance(rng, 0.15) {
                continue;
            }
            return i;
        }
        self.roster.senior
    }

    fn write_case(&mut self, c: &Case, t: &mut Table) -> Result<(), GenerateError> {
        let assigned = date_text(c.assigned);
        let closed = date_text(c.closed);
        let archived = opt_date_text(c.archived);
        t.row([
            c.id.as_str(),
            self.type_codes[c.ti],
            c.matter,
            &self.roster.lawyers[c.lawyer].id,
            &c.centre,
            DISTRICTS[c.district].name,
            &assigned,
            &closed,
            &archived,
            &c.recipient_name,
            &c.recipient_id,
            &c.groups,
            bool_text(c.major),
            bool_text(c.dv),
            c.outcome,
        ])
    }

    fn write_feedback(&mut self, c: &Case, t: &mut Table) -> Result<(), GenerateError> {
        let rng = &mut self.rng;
        let contacted = add_days(c.closed, between(rng, 3, 40));
        let q = self.roster.lawyers[c.lawyer].quality;
        let satisfaction = if self.feedback < SATISFACTIONS.len() as u64 {
            self.feedback as usize
        } else if chance(rng, 0.08) {
            3
        } else {
            let dissatisfied = 0.02 + 0.3 * (1.0 - q);
            let x: f64 = rng.random::<f64>();
            if x < dissatisfied {
                2
            } else if x < dissatisfied + 0.18 {
                1
            } else {
                0
            }
        };
        self.feedback += 1;
        t.row([
            c.id.as_str(),
            &date_text(contacted),
            SATISFACTIONS[satisfaction],
        ])
    }

    fn write_complaint(
        &mut self,
        case: Option<&Case>,
        lawyer: usize,
        t: &mut Table,
    ) -> Result<(), GenerateError> {
        let j = self.complaints;
        self.complaints += 1;
        let rng = &mut self.rng;
        let q = self.roster.lawyers[lawyer].quality;
        let category = if j < COMPLAINT_CATEGORIES.len() as u64 {
            j as usize
        } else {
            weighted(
                rng,
                &[(0, 6), (1, 15), (2, 5), (3, 7), (4, 30), (5, 25), (6, 12)],
            )
        };
        let (case_id, received) = match case {
            Some(c) => {
                let received = date_between(rng, add_days(c.assigned, 5), add_days(c.closed, 60));
                let keep = if category == 0 {
                    chance(rng, 0.4)
                } else {
                    chance(rng, 0.92)
                };
                (if keep { c.id.as_str() } else { "" }, received)
            }
            None => ("", date_between(rng, self.year_start, self.year_end)),
        };
        let lag = between(rng, 15, 90);
        let outcome = if j < COMPLAINT_OUTCOMES.len() as u64 {
            j as usize
        } else if add_days(received, lag) > self.year_end && chance(rng, 0.7) {
            2
        } else {
            let substantiated = 0.15 + 0.6 * (1.0 - q);
            let x: f64 = rng.random::<f64>();
            if x < substantiated {
                0
            } else if x < substantiated + 0.15 {
                3
            } else {
                1
            }
        };
        let decided = match outcome {
            2 => None,
            _ if j < COMPLAINT_OUTCOMES.len() as u64 => {
                Some(add_days(received, lag).min(self.year_end).max(received))
            }
            _ => Some(add_days(received, lag)),
        };
        t.row([
            format!("TS-{}-{:05}", received.year(), j + 1).as_str(),
            &self.roster.lawyers[lawyer].id,
            case_id,
            &date_text(received),
            COMPLAINT_CATEGORIES[category],
            COMPLAINT_OUTCOMES[outcome],
            &opt_date_text(decided),
        ])
    }

    fn write_reviews(&mut self, c: &Case, t: &mut Table) -> Result<(), GenerateError> {
        let scenario = if c.in_period {
            self.scenarios += 1;
            self.scenarios - 1
        } else {
            u64::MAX
        };
        let forced = scenario < 4;
        let rng = &mut self.rng;
        let k = if forced {
            3
        } else {
            weighted(rng, &[(1usize, 8), (2, 14), (3, 68), (4, 10)])
        };
        let panel = self.pick_reviewers(c.lawyer, k);
        self.stand_in = None;
        if panel.len() == 1 && c.in_period {
            // Every fourth case of the period with a single reviewer goes to
            // the lone reviewer instead, who scores it as the drawn reviewer
            // would have (the same random draws), so that planting them
            // changed no other value of a data set.
            if self.single_reviewed.is_multiple_of(4) {
                self.stand_in = Some(self.roster.lone_reviewer);
            }
            self.single_reviewed += 1;
        }
        let k = panel.len();
        if k == 0 {
            return Ok(());
        }
        let rng = &mut self.rng;
        let q = self.roster.lawyers[c.lawyer].quality;
        let quality =
            (q + normal(rng, 0.0, 0.05) - if c.major { 0.03 } else { 0.0 }).clamp(0.05, 1.0);

        // Applicability and the file's "true" quality per item, shared by
        // every reviewer of the case.
        let plan = &self.plans[c.ti];
        let hearing = hearing_held(rng, c.matter, c.outcome);
        self.applies.clear();
        self.truth.clear();
        for item in plan {
            self.applies
                .push(!item.optional || applies(rng, &item.code, c.matter, c.outcome, hearing));
            self.truth
                .push((quality + normal(rng, 0.0, 0.09)).clamp(0.0, 1.0));
        }

        let veto_items: Vec<usize> = (0..plan.len()).filter(|&i| plan[i].veto).collect();
        let pick_veto = |rng: &mut GenRng| -> usize {
            let table: Vec<(usize, u32)> = veto_items
                .iter()
                .enumerate()
                .map(|(n, &i)| (i, [1, 1, 4, 2, 3][n % 5]))
                .collect();
            weighted(rng, &table)
        };
        let veto = if veto_items.is_empty() {
            Veto::None
        } else if scenario == 0 || (!forced && chance(rng, 0.02 * (1.0 - q) / 0.16)) {
            Veto::All(pick_veto(rng))
        } else if k >= 2 && (scenario == 1 || (!forced && chance(rng, 0.011))) {
            Veto::Split(pick_veto(rng), between(rng, 0, k as i64 - 1) as usize)
        } else {
            Veto::None
        };
        // One reviewer far off the others makes a disputed case; a few of
        // those are reconciled by that reviewer re-submitting.
        let outlier =
            if k >= 2 && (scenario == 2 || scenario == 3 || (!forced && chance(rng, 0.05))) {
                let sign = if chance(rng, quality) { -1.0 } else { 1.0 };
                Some((
                    between(rng, 0, k as i64 - 1) as usize,
                    sign * (0.2 + 0.1 * rng.random::<f64>()),
                ))
            } else {
                None
            };
        let reconcile = outlier.is_some() && (scenario == 2 || (!forced && chance(rng, 0.2)));

        let mut last_review = c.closed;
        let mut outlier_review = None;
        for (pos, &r) in panel.iter().enumerate() {
            let reviewed = add_days(c.closed, between(&mut self.rng, 15, 120));
            last_review = last_review.max(reviewed);
            let shift = match outlier {
                Some((p, s)) if p == pos => s,
                _ => 0.0,
            };
            let id = self.write_review(c, r, pos, reviewed, shift, veto, None, t)?;
            if shift != 0.0 {
                outlier_review = Some((r, pos, id));
            }
        }
        if reconcile && let Some((r, pos, old)) = outlier_review {
            let reviewed = add_days(last_review, between(&mut self.rng, 7, 45));
            self.write_review(c, r, pos, reviewed, 0.0, veto, Some(&old), t)?;
        }
        Ok(())
    }

    /// Up to `k` distinct reviewers, none from the lawyer's firm.
    fn pick_reviewers(&mut self, lawyer: usize, k: usize) -> Vec<usize> {
        let firm = self.roster.lawyers[lawyer].firm;
        let ok = |r: usize| self.roster.reviewers[r].firm != Some(firm);
        let mut chosen = Vec::with_capacity(k);
        for _ in 0..64 * k {
            if chosen.len() == k {
                return chosen;
            }
            let r = pick(&mut self.rng, &self.scorers);
            if ok(r) && !chosen.contains(&r) {
                chosen.push(r);
            }
        }
        for &r in &self.scorers {
            if chosen.len() == k {
                break;
            }
            if ok(r) && !chosen.contains(&r) {
                chosen.push(r);
            }
        }
        chosen
    }

    /// Writes one review (one row per rubric item) and returns its id.
    #[allow(clippy::too_many_arguments)]
    fn write_review(
        &mut self,
        c: &Case,
        reviewer: usize,
        pos: usize,
        reviewed: NaiveDate,
        shift: f64,
        veto: Veto,
        supersedes: Option<&str>,
        t: &mut Table,
    ) -> Result<String, GenerateError> {
        self.reviews += 1;
        let id = format!("REV-{}-{:07}", reviewed.year(), self.reviews);
        let reviewed_text = date_text(reviewed);
        let bias = self.roster.reviewers[reviewer].bias;
        let r = &self.roster.reviewers[self.stand_in.unwrap_or(reviewer)];
        let rng = &mut self.rng;
        for (n, item) in self.plans[c.ti].iter().enumerate() {
            let mut note = "";
            let points: &str = if !self.applies[n] {
                "NA"
            } else if item.veto {
                let zero = match veto {
                    Veto::All(v) => v == n,
                    Veto::Split(v, p) => v == n && p == pos,
                    Veto::None => false,
                };
                if zero {
                    note = names::NOTE_VETO;
                    &item.labels[0]
                } else {
                    &item.max_label
                }
            } else {
                let frac = self.truth[n] + bias + shift + normal(rng, 0.0, 0.07);
                let top = item.labels.len() - 1;
                let p = (frac * item.max).round().clamp(0.0, top as f64) as usize;
                if (p as f64) <= 0.4 * item.max && chance(rng, 0.2) {
                    note = pick(rng, names::NOTES_LOW);
                } else if p == top && item.max >= 6.0 && chance(rng, 0.01) {
                    note = pick(rng, names::NOTES_HIGH);
                }
                &item.labels[p]
            };
            if n == 0 && supersedes.is_some() {
                note = "合议后重新评分";
            }
            t.row([
                id.as_str(),
                &c.id,
                &r.id,
                &reviewed_text,
                &item.code,
                points,
                note,
                supersedes.unwrap_or(""),
            ])?;
        }
        Ok(id)
    }
}

fn bool_text(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// Outcome codes and weights for a matter.
fn outcome_weights(matter: &str) -> &'static [(&'static str, u32)] {
    match matter {
        "investigation" => &[
            ("withdrawn", 30),
            ("charge_reduced", 20),
            ("mitigated", 20),
            ("as_charged", 25),
            ("terminated", 5),
        ],
        "prosecution" => &[
            ("charge_reduced", 25),
            ("mitigated", 35),
            ("as_charged", 30),
            ("withdrawn", 7),
            ("terminated", 3),
        ],
        "trial" | "appeal" => &[
            ("acquitted", 2),
            ("charge_reduced", 15),
            ("mitigated", 48),
            ("as_charged", 32),
            ("terminated", 3),
        ],
        "death_review" => &[("mitigated", 40), ("as_charged", 60)],
        "litigation" | "reconsideration" => &[
            ("won", 20),
            ("partly_won", 10),
            ("lost", 30),
            ("mediated", 15),
            ("withdrawn", 20),
            ("terminated", 5),
        ],
        _ => &[
            ("won", 35),
            ("partly_won", 25),
            ("lost", 8),
            ("mediated", 25),
            ("withdrawn", 5),
            ("terminated", 2),
        ],
    }
}

/// Whether a hearing took place (court or tribunal).
fn hearing_held(rng: &mut GenRng, matter: &str, outcome: &str) -> bool {
    let judged = matches!(outcome, "won" | "partly_won" | "lost");
    match matter {
        "investigation" | "prosecution" | "death_review" => false,
        "trial" | "appeal" => outcome != "withdrawn",
        "reconsideration" => chance(rng, 0.1),
        "litigation" => chance(rng, if judged { 0.9 } else { 0.4 }),
        _ if judged => chance(rng, 0.9),
        _ if outcome == "mediated" => chance(rng, 0.35),
        _ => chance(rng, 0.2),
    }
}

/// Whether an optional item applied to the case.
fn applies(rng: &mut GenRng, code: &str, matter: &str, outcome: &str, hearing: bool) -> bool {
    match code {
        "CR-B3" => matter != "investigation",
        "CR-B4" => chance(rng, 0.75),
        "CR-C1" => matches!(matter, "investigation" | "prosecution") || chance(rng, 0.6),
        "CR-C2" => matches!(matter, "trial" | "appeal" | "death_review") && outcome != "withdrawn",
        "CR-C3" | "CV-C3" | "AD-C4" => hearing,
        "CV-B4" => chance(rng, 0.5),
        "CV-C2" | "AD-C3" => hearing || chance(rng, 0.3),
        "CV-C4" => outcome == "mediated" || chance(rng, 0.45),
        "CR-E3" | "CV-E3" | "AD-E3" => chance(rng, 0.7),
        _ => chance(rng, 0.9),
    }
}

/// Recipient name, identity number and groups.
fn recipient(
    rng: &mut GenRng,
    i: u64,
    ti: usize,
    matter: &str,
    dv: bool,
    assigned: NaiveDate,
    district: usize,
) -> (String, String, String) {
    let mut g = [false; RECIPIENT_GROUPS.len()];
    if let Some(slot) = g.get_mut(i as usize) {
        *slot = true;
    }
    let [
        elderly,
        disabled,
        minor,
        migrant,
        women,
        military,
        foreigner,
        ethnic,
    ] = &mut g;
    let female = *women
        || dv
        || chance(
            rng,
            match (ti, matter) {
                (0, _) => 0.15,
                (_, "family") => 0.7,
                _ => 0.45,
            },
        );
    *minor = *minor
        || (!*elderly
            && chance(
                rng,
                match (ti, matter) {
                    (0, _) => 0.08,
                    (_, "family") => 0.1,
                    _ => 0.02,
                },
            ));
    *elderly = *elderly || (!*minor && chance(rng, 0.1));
    *disabled = *disabled || chance(rng, 0.06);
    *migrant = *migrant
        || (!*minor
            && chance(
                rng,
                match matter {
                    "labor" => 0.6,
                    "traffic" => 0.2,
                    _ => 0.05,
                },
            ));
    *women = *women || (female && (dv || chance(rng, if matter == "family" { 0.4 } else { 0.08 })));
    *military = *military || chance(rng, 0.01);
    *foreigner = *foreigner || chance(rng, 0.005);
    *ethnic = *ethnic || (!*foreigner && chance(rng, 0.04));

    let age = if *minor {
        if ti == 0 {
            between(rng, 14, 17)
        } else {
            between(rng, 2, 17)
        }
    } else if *elderly {
        between(rng, 60, 88)
    } else {
        between(rng, 18, 59)
    };
    let birth = add_days(add_years(assigned, -(age as i32)), -between(rng, 0, 364));
    let name = if *foreigner {
        names::foreign_name(rng)
    } else if *ethnic && chance(rng, 0.7) {
        names::minority_name(rng)
    } else {
        names::person_name(rng, female)
    };
    let id = if *foreigner || chance(rng, 0.08) {
        String::new()
    } else {
        let area = if chance(rng, 0.75) {
            DISTRICTS[district].code
        } else {
            pick(rng, &DISTRICTS).code
        };
        names::id_number(rng, area, birth, female)
    };
    let groups = RECIPIENT_GROUPS
        .iter()
        .zip(g)
        .filter(|&(_, on)| on)
        .map(|(code, _)| *code)
        .collect::<Vec<_>>()
        .join(";");
    (name, id, groups)
}
