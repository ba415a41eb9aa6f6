//! The small tables, held in memory: firms, lawyers, reviewers, sanctions.
//!
//! Their size grows slowly with the number of cases (about one lawyer per 40
//! cases, one reviewer per 1,000, one sanction per 25 lawyers), so even a
//! five-million-case data set keeps them in a few tens of megabytes. Each
//! lawyer carries the latent traits the case stream draws on: a quality in
//! [0, 1] (most lawyers good, a few weak), a workload weight, and the dates
//! on which the lawyer could not take cases (suspension, revocation).
//! Sanctions fall more often on weak lawyers and set the lawyer's `status`:
//! a licence revoked makes the lawyer `revoked`, a practice suspension still
//! running at the end of the year `suspended`.
//!
//! The first rows of every table walk through every enumeration value of the
//! data contract, so that even the smallest data set contains each of them.

use std::collections::HashSet;

use chrono::NaiveDate;

use super::names::{self, CITY_SEAT, DISTRICTS};
use super::sampling::{
    Cumulative, GenRng, add_days, add_years, between, chance, date_between, date_text, normal,
    opt_date_text, pick, rng_for, stream, weighted, ymd,
};
use super::{
    AUTHORITIES, GENDERS, GenerateError, PRACTICE_KINDS, ROLES, SANCTION_KINDS, STATUSES, Table,
};

/// What kind of organisation a lawyer works for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FirmKind {
    LawFirm,
    AidCentre,
    Bureau,
    ServiceOffice,
}

/// A law firm, legal-aid centre, justice bureau or legal service office.
#[derive(Debug, Clone)]
pub(crate) struct Firm {
    pub name: String,
    /// Unified social credit code; empty for some firms.
    pub firm_id: String,
    pub district: usize,
    pub kind: FirmKind,
}

/// Index of a value in one of the enumeration tables of `mod.rs`.
pub(crate) mod code {
    pub const FULL_TIME: usize = 0;
    pub const PART_TIME: usize = 1;
    pub const PUBLIC: usize = 2;
    pub const AID_STAFF: usize = 3;
    pub const GRASSROOTS: usize = 4;

    pub const ACTIVE: usize = 0;
    pub const SUSPENDED: usize = 1;
    pub const REVOKED: usize = 2;

    pub const ROLE_LAWYER: usize = 0;
    pub const ROLE_SCHOLAR: usize = 3;
    pub const ROLE_PANEL: usize = 5;

    pub const MEMBERSHIP_SUSPENDED: usize = 5;
    pub const PRACTICE_SUSPENDED: usize = 6;
    pub const LICENCE_REVOKED: usize = 8;
}

#[derive(Debug, Clone)]
pub(crate) struct Lawyer {
    pub id: String,
    pub name: String,
    /// `Some(true)` woman, `Some(false)` man, `None` not recorded.
    pub female: Option<bool>,
    pub firm: usize,
    pub district: usize,
    pub licensed_on: NaiveDate,
    pub kind: usize,
    pub specialties: String,
    pub status: usize,
    /// Latent quality in [0, 1]: the expected share of an item's points.
    pub quality: f64,
    /// Relative share of the case load.
    pub workload: f64,
    /// Days (inclusive) on which the lawyer could take no case.
    pub blocked: Option<(NaiveDate, NaiveDate)>,
}

impl Lawyer {
    /// Fewer than three years of practice on `day`.
    pub fn junior_on(&self, day: NaiveDate) -> bool {
        add_years(self.licensed_on, 3) > day
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Reviewer {
    pub id: String,
    pub name: String,
    pub role: usize,
    pub firm: Option<usize>,
    pub district: Option<usize>,
    /// Share of each item's maximum the reviewer adds (negative: harsh).
    pub bias: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct Sanction {
    pub id: String,
    pub lawyer: usize,
    pub kind: usize,
    pub authority: usize,
    pub decided_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub summary: &'static str,
}

/// Firms, lawyers, reviewers and sanctions of one data set.
#[derive(Debug, Clone)]
pub(crate) struct Roster {
    pub firms: Vec<Firm>,
    pub lawyers: Vec<Lawyer>,
    pub reviewers: Vec<Reviewer>,
    pub sanctions: Vec<Sanction>,
    /// Index of the lawyer licensed earliest (takes any case).
    pub senior: usize,
    /// Index of the reviewer who only ever scores cases no one else scores
    /// (alone in the case–reviewer graph: their severity cannot be told
    /// apart from the quality of their cases).
    pub lone_reviewer: usize,
}

/// Sizes of the small tables for a number of cases.
pub(crate) fn sizes(cases: u64) -> (usize, usize) {
    let lawyers = (cases / 40).max(25) as usize;
    // At least 30, so that a small data set still has enough lawyer reviewers
    // to put one on every sample panel within the load bound.
    let reviewers = (cases / 1000).max(30) as usize;
    (lawyers, reviewers)
}

/// Builds the roster for `cases` cases of `year`.
pub(crate) fn build(seed: u64, year: i32, cases: u64) -> Roster {
    let (n_lawyers, n_reviewers) = sizes(cases);
    let firms = build_firms(&mut rng_for(seed, stream::FIRMS), n_lawyers);
    let mut lawyers = build_lawyers(&mut rng_for(seed, stream::LAWYERS), year, n_lawyers, &firms);
    let mut reviewers = build_reviewers(&mut rng_for(seed, stream::REVIEWERS), n_reviewers, &firms);
    // Appended after the others, from no random stream, so that adding them
    // changed no other row of a data set.
    let lone_reviewer = reviewers.len();
    reviewers.push(Reviewer {
        id: format!("RV{:04}", lone_reviewer + 1),
        name: "莫独行".to_string(),
        role: code::ROLE_SCHOLAR,
        firm: None,
        district: None,
        // Unused: they score each case as the reviewer drawn for it would.
        bias: 0.0,
    });
    let sanctions = build_sanctions(&mut rng_for(seed, stream::SANCTIONS), year, &mut lawyers);
    let senior = (0..lawyers.len())
        .min_by_key(|&i| (lawyers[i].licensed_on, i))
        .expect("at least one lawyer");
    Roster {
        firms,
        lawyers,
        reviewers,
        sanctions,
        senior,
        lone_reviewer,
    }
}

fn build_firms(rng: &mut GenRng, n_lawyers: usize) -> Vec<Firm> {
    let n_law = (n_lawyers / 8).max(8);
    let mut firms = Vec::with_capacity(n_law + 80);
    let mut names = HashSet::new();
    let mut ids = HashSet::new();
    let firm_weights: Vec<(usize, u32)> = DISTRICTS
        .iter()
        .enumerate()
        .map(|(i, d)| (i, if d.central { d.weight * 4 } else { d.weight }))
        .collect();
    for f in 0..n_law {
        let mut tries = 0;
        let name = loop {
            let word = names::firm_word(rng, tries >= 20 || names.len() >= 900);
            let name = format!("四川{word}律师事务所");
            if names.insert(name.clone()) {
                break name;
            }
            tries += 1;
        };
        let district = weighted(rng, &firm_weights);
        // The second firm (home of the second lawyer) has no code on file.
        let firm_id = if f != 1 && chance(rng, 0.85) {
            unique_uscc(rng, &mut ids, "31", "510000")
        } else {
            String::new()
        };
        firms.push(Firm {
            name,
            firm_id,
            district,
            kind: FirmKind::LawFirm,
        });
    }
    for (i, d) in DISTRICTS.iter().enumerate() {
        let firm_id = unique_uscc(rng, &mut ids, "12", d.code);
        firms.push(Firm {
            name: format!("{}法律援助中心", d.name),
            firm_id,
            district: i,
            kind: FirmKind::AidCentre,
        });
    }
    let firm_id = unique_uscc(rng, &mut ids, "12", "510100");
    firms.push(Firm {
        name: "成都市法律援助中心".into(),
        firm_id,
        district: CITY_SEAT,
        kind: FirmKind::AidCentre,
    });
    for (i, d) in DISTRICTS.iter().enumerate() {
        let firm_id = unique_uscc(rng, &mut ids, "11", d.code);
        firms.push(Firm {
            name: format!("{}司法局", d.name),
            firm_id,
            district: i,
            kind: FirmKind::Bureau,
        });
    }
    for (i, d) in DISTRICTS.iter().enumerate().filter(|(_, d)| !d.central) {
        for town in &names::TOWNS[..2] {
            let firm_id = if chance(rng, 0.4) {
                unique_uscc(rng, &mut ids, "52", d.code)
            } else {
                String::new()
            };
            firms.push(Firm {
                name: format!("{}{}法律服务所", d.name, town),
                firm_id,
                district: i,
                kind: FirmKind::ServiceOffice,
            });
        }
    }
    firms
}

fn unique_uscc(rng: &mut GenRng, seen: &mut HashSet<String>, kind: &str, area: &str) -> String {
    loop {
        let id = names::uscc(rng, kind, area);
        if seen.insert(id.clone()) {
            return id;
        }
    }
}

fn build_lawyers(rng: &mut GenRng, year: i32, n: usize, firms: &[Firm]) -> Vec<Lawyer> {
    let year_end = ymd(year, 12, 31);
    let of_kind =
        |k: FirmKind| -> Vec<usize> { (0..firms.len()).filter(|&i| firms[i].kind == k).collect() };
    let law_firms = of_kind(FirmKind::LawFirm);
    // A few large firms, many small ones.
    let law_firm_size =
        Cumulative::new((0..law_firms.len()).map(|r| 1.0 / (r as f64 + 1.0).powf(0.8)));
    let centres = of_kind(FirmKind::AidCentre);
    let bureaus = of_kind(FirmKind::Bureau);
    let offices = of_kind(FirmKind::ServiceOffice);
    let mut ids = HashSet::new();
    let mut lawyers = Vec::with_capacity(n);
    for i in 0..n {
        let kind = if i < PRACTICE_KINDS.len() {
            i
        } else {
            weighted(
                rng,
                &[
                    (code::FULL_TIME, 70),
                    (code::PART_TIME, 8),
                    (code::PUBLIC, 5),
                    (code::AID_STAFF, 10),
                    (code::GRASSROOTS, 7),
                ],
            )
        };
        let female = match i {
            0 => Some(true),
            1 => Some(false),
            2 => None,
            _ => weighted(rng, &[(Some(true), 44), (Some(false), 52), (None, 4)]),
        };
        let firm = match kind {
            code::AID_STAFF => pick(rng, &centres),
            code::PUBLIC => pick(rng, &bureaus),
            code::GRASSROOTS => pick(rng, &offices),
            _ if i < 2 => law_firms[i],
            _ => law_firms[law_firm_size.draw(rng)],
        };
        // About one in five has fewer than three years of practice.
        let licensed_on = if i > 0 && chance(rng, 0.2) {
            date_between(
                rng,
                add_days(add_years(year_end, -3), 1),
                add_days(year_end, -20),
            )
        } else {
            let years = if i == 0 {
                15
            } else {
                3 + between(rng, 0, 22).min(between(rng, 0, 25)) as i32
            };
            add_days(add_years(year_end, -years), -between(rng, 0, 364))
        };
        let category = [1u8, 2, 6, 8, 9][kind];
        let id = loop {
            let serial = between(rng, 0, 999_999) as u32;
            let id = names::licence_number(year_of(licensed_on), category, female, serial);
            if ids.insert(id.clone()) {
                break id;
            }
        };
        let woman = match female {
            Some(f) => f,
            None => chance(rng, 0.5),
        };
        let name = names::person_name(rng, woman);
        let specialties = specialties(rng, kind);
        let quality = if chance(rng, 0.06) {
            normal(rng, 0.58, 0.07)
        } else {
            normal(rng, 0.86, 0.06)
        }
        .clamp(0.3, 0.99);
        let kind_load = [1.0, 0.5, 0.4, 2.5, 0.8][kind];
        let workload = normal(rng, 0.0, 0.7).exp() * kind_load;
        lawyers.push(Lawyer {
            id,
            name,
            female,
            firm,
            district: firms[firm].district,
            licensed_on,
            kind,
            specialties,
            status: code::ACTIVE,
            quality,
            workload,
            blocked: None,
        });
    }
    lawyers
}

fn year_of(d: NaiveDate) -> i32 {
    use chrono::Datelike;
    d.year()
}

fn specialties(rng: &mut GenRng, kind: usize) -> String {
    let n = weighted(rng, &[(0usize, 10), (1, 30), (2, 40), (3, 20)]);
    let mut chosen: Vec<usize> = Vec::with_capacity(n);
    while chosen.len() < n {
        let s = between(rng, 0, names::SPECIALTIES.len() as i64 - 1) as usize;
        // Grassroots legal workers may not defend in criminal cases.
        if !(chosen.contains(&s) || kind == code::GRASSROOTS && s == 0) {
            chosen.push(s);
        }
    }
    chosen.sort_unstable();
    chosen
        .iter()
        .map(|&s| names::SPECIALTIES[s])
        .collect::<Vec<_>>()
        .join(";")
}

fn build_reviewers(rng: &mut GenRng, n: usize, firms: &[Firm]) -> Vec<Reviewer> {
    let law_firms: Vec<usize> = (0..firms.len())
        .filter(|&i| firms[i].kind == FirmKind::LawFirm)
        .collect();
    let district_weights: Vec<(usize, u32)> = DISTRICTS
        .iter()
        .enumerate()
        .map(|(i, d)| (i, d.weight))
        .collect();
    let mut panels = 0;
    let mut reviewers: Vec<Reviewer> = (0..n)
        .map(|i| {
            let role = if i < ROLES.len() {
                i
            } else {
                weighted(rng, &[(0, 45), (1, 15), (2, 12), (3, 15), (4, 10), (5, 3)])
            };
            let (name, firm, district) = match role {
                code::ROLE_PANEL => {
                    panels += 1;
                    (format!("质量评议合议组（第{panels}组）"), None, None)
                }
                code::ROLE_LAWYER => {
                    let f = pick(rng, &law_firms);
                    let woman = chance(rng, 0.45);
                    (
                        names::person_name(rng, woman),
                        Some(f),
                        Some(firms[f].district),
                    )
                }
                _ => {
                    let woman = chance(rng, 0.45);
                    let name = names::person_name(rng, woman);
                    let district = if role == 3 && chance(rng, 0.6) {
                        None
                    } else {
                        Some(weighted(rng, &district_weights))
                    };
                    (name, None, district)
                }
            };
            Reviewer {
                id: format!("RV{:04}", i + 1),
                name,
                role,
                firm,
                district,
                bias: normal(rng, 0.0, 0.02),
            }
        })
        .collect();
    // A few clearly harsh and a few clearly lenient reviewers.
    let mut scorers: Vec<usize> = (0..n)
        .filter(|&i| reviewers[i].role != code::ROLE_PANEL)
        .collect();
    let extremes = (scorers.len() / 25).max(1);
    for k in 0..(2 * extremes).min(scorers.len()) {
        let j = between(rng, k as i64, scorers.len() as i64 - 1) as usize;
        scorers.swap(k, j);
        reviewers[scorers[k]].bias = if k < extremes {
            normal(rng, -0.14, 0.01)
        } else {
            normal(rng, 0.2, 0.01)
        };
    }
    reviewers
}

fn build_sanctions(rng: &mut GenRng, year: i32, lawyers: &mut [Lawyer]) -> Vec<Sanction> {
    let n = (lawyers.len() / 25).max(12);
    let year_start = ymd(year, 1, 1);
    let year_end = ymd(year, 12, 31);
    let window_start = ymd(year - 2, 1, 1);
    let badness = Cumulative::new(lawyers.iter().map(|l| (1.02 - l.quality).powi(3)));
    let mut forced_lawyers: Vec<usize> = Vec::new();
    let mut sanctions = Vec::with_capacity(n);
    for j in 0..n {
        let kind = if j < SANCTION_KINDS.len() {
            j
        } else {
            weighted(
                rng,
                &[
                    (0, 20),
                    (1, 20),
                    (2, 15),
                    (3, 8),
                    (4, 10),
                    (5, 5),
                    (6, 10),
                    (7, 2),
                    (8, 3),
                ],
            )
        };
        let authority = match kind {
            1 if j >= SANCTION_KINDS.len() => between(rng, 0, 1) as usize,
            4 | 6 | 8 => 1,
            _ => 0,
        };
        let decided_on = match j {
            // An expired suspension of membership rights …
            5 => date_between(rng, ymd(year - 2, 2, 1), ymd(year - 2, 5, 31)),
            // … and a practice suspension still running at the end of the year.
            6 => date_between(rng, ymd(year, 9, 1), ymd(year, 11, 30)),
            1 | 3 | 7 => date_between(rng, ymd(year - 1, 1, 1), ymd(year - 1, 12, 31)),
            0..=8 => date_between(rng, year_start, year_end),
            _ => date_between(rng, window_start, year_end),
        };
        let ends_on = match kind {
            _ if j == code::PRACTICE_SUSPENDED => Some(add_days(year_end, between(rng, 30, 200))),
            code::MEMBERSHIP_SUSPENDED | code::PRACTICE_SUSPENDED => {
                Some(add_days(decided_on, between(rng, 90, 365)))
            }
            _ => None,
        };
        let mut lawyer = None;
        for _ in 0..200 {
            let l = badness.draw(rng);
            let taken = if j < SANCTION_KINDS.len() {
                forced_lawyers.contains(&l)
            } else {
                // Keep the forced running suspension a suspension.
                kind == code::LICENCE_REVOKED
                    && forced_lawyers.get(code::PRACTICE_SUSPENDED) == Some(&l)
            };
            if add_days(lawyers[l].licensed_on, 180) <= decided_on && !taken {
                lawyer = Some(l);
                break;
            }
        }
        let lawyer = lawyer.unwrap_or_else(|| {
            (0..lawyers.len())
                .find(|&l| {
                    add_days(lawyers[l].licensed_on, 180) <= decided_on
                        && !forced_lawyers.contains(&l)
                })
                .unwrap_or(0)
        });
        if j < SANCTION_KINDS.len() {
            forced_lawyers.push(lawyer);
        }
        let summary = if chance(rng, 0.1) {
            ""
        } else {
            pick(rng, names::SANCTION_SUMMARIES)
        };
        sanctions.push(Sanction {
            id: format!("CF-{}-{:04}", year_of(decided_on), j + 1),
            lawyer,
            kind,
            authority,
            decided_on,
            ends_on,
            summary,
        });
    }
    // Status follows the sanctions; a few more lawyers left practice.
    let far = ymd(year + 50, 12, 31);
    for s in &sanctions {
        let l = &mut lawyers[s.lawyer];
        match (s.kind, s.ends_on) {
            (code::LICENCE_REVOKED, _) => {
                l.status = code::REVOKED;
                l.blocked = Some((s.decided_on, far));
            }
            (code::PRACTICE_SUSPENDED, Some(end)) if l.status != code::REVOKED => {
                if end > year_end {
                    l.status = code::SUSPENDED;
                }
                l.blocked = Some((s.decided_on, end));
            }
            _ => {}
        }
    }
    for l in lawyers.iter_mut() {
        if l.status == code::ACTIVE
            && l.blocked.is_none()
            && l.licensed_on < ymd(year - 1, 1, 1)
            && chance(rng, 0.015)
        {
            l.status = code::REVOKED;
            let from = date_between(rng, ymd(year - 1, 1, 1), year_end);
            l.blocked = Some((from, far));
        }
        l.workload *= [1.0, 0.4, 0.3][l.status];
    }
    sanctions
}

/// Writes `lawyers.csv`.
pub(crate) fn write_lawyers(roster: &Roster, t: &mut Table) -> Result<(), GenerateError> {
    for l in &roster.lawyers {
        let firm = &roster.firms[l.firm];
        let gender = match l.female {
            Some(true) => GENDERS[0],
            Some(false) => GENDERS[1],
            None => "",
        };
        let licensed = date_text(l.licensed_on);
        t.row([
            l.id.as_str(),
            &l.name,
            gender,
            &firm.name,
            &firm.firm_id,
            DISTRICTS[l.district].name,
            &licensed,
            PRACTICE_KINDS[l.kind],
            &l.specialties,
            STATUSES[l.status],
        ])?;
    }
    Ok(())
}

/// Writes `reviewers.csv`.
pub(crate) fn write_reviewers(roster: &Roster, t: &mut Table) -> Result<(), GenerateError> {
    for r in &roster.reviewers {
        let (firm, firm_id) = match r.firm {
            Some(f) => (
                roster.firms[f].name.as_str(),
                roster.firms[f].firm_id.as_str(),
            ),
            None => ("", ""),
        };
        let district = r.district.map(|d| DISTRICTS[d].name).unwrap_or("");
        t.row([
            r.id.as_str(),
            &r.name,
            ROLES[r.role],
            firm,
            firm_id,
            district,
        ])?;
    }
    Ok(())
}

/// Writes `sanctions.csv`.
pub(crate) fn write_sanctions(roster: &Roster, t: &mut Table) -> Result<(), GenerateError> {
    for s in &roster.sanctions {
        let decided = date_text(s.decided_on);
        let ends = opt_date_text(s.ends_on);
        t.row([
            s.id.as_str(),
            &roster.lawyers[s.lawyer].id,
            SANCTION_KINDS[s.kind],
            AUTHORITIES[s.authority],
            &decided,
            &ends,
            s.summary,
            "",
        ])?;
    }
    Ok(())
}
