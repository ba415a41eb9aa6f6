//! Reviewer assignment: `panel_size` reviewers per sampled case, by min-cost
//! max-flow.
//!
//! Hard rules: never a reviewer of the case lawyer's law firm (the ingest's
//! conflict-of-interest test, [`Party::same_firm`]); at least one reviewer of
//! role `lawyer` per panel; role `panel` never assigned; no reviewer above the
//! load bound ⌈panel_size × sampled cases / assignable reviewers⌉ + 1. Soft
//! rule: prefer roles that fit the case type (judges, and prosecutors for
//! criminal cases) — a cost, traded off only after the number of staffed
//! panel seats is maximal.
//!
//! Cases with the same case type whose lawyers conflict with the same
//! reviewers (most conflict with none: few firms have a reviewer) are
//! interchangeable for every rule, so they form one *class* and the flow
//! network has a node per class, not per case: source → class (the lawyer
//! seat, n; the other seats, (k − 1)·n) → reviewer (at most n: once per case)
//! → sink (up to the load bound, in tiers of rising cost so that equally
//! fitting reviewers share the load). Its size grows with reviewers' firms ×
//! reviewers, not with cases, so a city's yearly sample solves quickly. A
//! class flow decomposes into
//! panels exactly: list each reviewer as many times as the flow gives them,
//! practising lawyers first, and deal the list round-robin over the cases —
//! nobody sits twice on one panel (no reviewer has more than n seats) and
//! every panel gets a lawyer (the lawyers' seats, at least n, are dealt
//! first). When the flow cannot fill a class, the largest number of cases
//! that its flow can staff completely is staffed (always-in cases first) and
//! freed capacity is offered to the rest in another round.

use std::collections::BTreeMap;

use super::flow::{EdgeId, Graph};
use crate::ingest::Party;
use crate::rubric::CaseType;

/// A reviewer's role (`reviewers.role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Lawyer,
    Judge,
    Prosecutor,
    Scholar,
    Official,
    Panel,
}

impl Role {
    pub fn parse(code: &str) -> Option<Role> {
        Some(match code {
            "lawyer" => Role::Lawyer,
            "judge" => Role::Judge,
            "prosecutor" => Role::Prosecutor,
            "scholar" => Role::Scholar,
            "official" => Role::Official,
            "panel" => Role::Panel,
            _ => return None,
        })
    }
}

/// How well a role fits a non-lawyer seat: 0 a fitting role, 1 a practising
/// lawyer, 2 any other. The lawyer seat itself fits every lawyer.
fn role_rank(case_type: CaseType, role: Role) -> i64 {
    match (case_type, role) {
        (_, Role::Judge) | (CaseType::Criminal, Role::Prosecutor) => 0,
        (_, Role::Lawyer) => 1,
        _ => 2,
    }
}

/// Load tiers: a reviewer's seats up to the bound are cut into at most this
/// many tiers of rising cost, so that reviewers of equal fit share the load
/// evenly (a convex cost, coarse enough to keep the flow small).
const MAX_TIERS: usize = 16;

/// A reviewer as the assignment sees it.
#[derive(Debug, Clone)]
pub struct Reviewer {
    pub id: String,
    pub role: Role,
    pub party: Party,
}

/// A sampled case to staff.
#[derive(Debug, Clone)]
pub struct Need {
    pub case_type: CaseType,
    pub lawyer_id: String,
    /// The case lawyer's firm.
    pub party: Party,
    /// Lower is staffed first when reviewers are scarce.
    pub priority: u8,
}

/// Why a case got no panel: a stable code and the details.
#[derive(Debug, Clone, PartialEq)]
pub struct Unstaffed {
    pub code: &'static str,
    pub detail: String,
}

/// The assignment.
#[derive(Debug, Clone)]
pub struct Staffing {
    /// Per need: the reviewers (indices into the reviewer list, by id), or
    /// why there are none.
    pub panels: Vec<Result<Vec<usize>, Unstaffed>>,
    /// Cases per reviewer.
    pub loads: Vec<usize>,
    /// The load bound used.
    pub bound: usize,
    /// Reviewers that may be assigned (every role but `panel`).
    pub assignable: usize,
}

/// Staffs every need with `panel_size` reviewers where the rules allow.
pub fn assign(needs: &[Need], reviewers: &[Reviewer], panel_size: usize) -> Staffing {
    let assignable: Vec<usize> = (0..reviewers.len())
        .filter(|&r| reviewers[r].role != Role::Panel)
        .collect();
    let mut staffing = Staffing {
        panels: vec![Err(unstaffed_placeholder()); needs.len()],
        loads: vec![0; reviewers.len()],
        bound: 0,
        assignable: assignable.len(),
    };
    if needs.is_empty() {
        return staffing;
    }
    if assignable.is_empty() {
        for p in &mut staffing.panels {
            *p = Err(Unstaffed {
                code: "no_reviewers",
                detail: "the reviewers table has nobody with a role other than panel".into(),
            });
        }
        return staffing;
    }
    let k = panel_size.max(1);
    let bound = (k * needs.len()).div_ceil(assignable.len()) + 1;
    staffing.bound = bound;

    let mut remaining: Vec<usize> = (0..needs.len()).collect();
    loop {
        let staffed = round(
            needs,
            reviewers,
            &assignable,
            k,
            bound,
            &remaining,
            &mut staffing,
        );
        if staffed == 0 {
            break;
        }
        remaining.retain(|&i| staffing.panels[i].is_err());
        if remaining.is_empty() {
            break;
        }
    }
    for &i in &remaining {
        staffing.panels[i] = Err(why_unstaffed(
            &needs[i],
            reviewers,
            &assignable,
            k,
            &staffing,
            needs.len(),
        ));
    }
    staffing
}

fn unstaffed_placeholder() -> Unstaffed {
    Unstaffed {
        code: "",
        detail: String::new(),
    }
}

/// One flow over the remaining needs with the capacity left; staffs what the
/// flow allows and returns how many cases that was.
#[allow(clippy::too_many_arguments)]
fn round(
    needs: &[Need],
    reviewers: &[Reviewer],
    assignable: &[usize],
    k: usize,
    bound: usize,
    remaining: &[usize],
    staffing: &mut Staffing,
) -> usize {
    // Classes: same case type, same conflicting reviewers; members by
    // priority.
    let mut conflicts: BTreeMap<&Party, Vec<usize>> = BTreeMap::new();
    for &i in remaining {
        conflicts.entry(&needs[i].party).or_insert_with(|| {
            assignable
                .iter()
                .copied()
                .filter(|&r| reviewers[r].party.same_firm(&needs[i].party))
                .collect()
        });
    }
    let mut classes: BTreeMap<(CaseType, &[usize]), Vec<usize>> = BTreeMap::new();
    for &i in remaining {
        classes
            .entry((needs[i].case_type, &conflicts[&needs[i].party]))
            .or_default()
            .push(i);
    }
    for members in classes.values_mut() {
        members.sort_by_key(|&i| (needs[i].priority, i));
    }

    let mut g = Graph::new();
    let (s, t) = (g.node(), g.node());
    // Seat cost: role fit first (its weight exceeds every tier cost), then
    // the tier of the reviewer's load.
    let tiers = bound.min(MAX_TIERS);
    let fit_weight = tiers as i64;
    let mut reviewer_node = vec![usize::MAX; reviewers.len()];
    for &r in assignable {
        let node = g.node();
        reviewer_node[r] = node;
        let load = staffing.loads[r];
        for tier in 0..tiers {
            let (lo, hi) = (tier * bound / tiers, (tier + 1) * bound / tiers);
            let cap = hi.saturating_sub(lo.max(load));
            if cap > 0 {
                g.edge(node, t, cap as i64, tier as i64);
            }
        }
    }
    let mut class_edges: Vec<Vec<(usize, EdgeId)>> = Vec::new();
    for ((case_type, conflicting), members) in &classes {
        let n = members.len() as i64;
        let lawyer_seat = g.node();
        let other_seats = g.node();
        g.edge(s, lawyer_seat, n, 0);
        g.edge(s, other_seats, (k as i64 - 1) * n, 0);
        let mut edges = Vec::new();
        for &r in assignable {
            let rev = &reviewers[r];
            if conflicting.contains(&r) {
                continue;
            }
            let cost = role_rank(*case_type, rev.role) * fit_weight;
            let e = if rev.role == Role::Lawyer {
                let seat = g.node();
                g.edge(lawyer_seat, seat, n, 0);
                g.edge(other_seats, seat, n, cost);
                g.edge(seat, reviewer_node[r], n, 0)
            } else {
                g.edge(other_seats, reviewer_node[r], n, cost)
            };
            edges.push((r, e));
        }
        class_edges.push(edges);
    }
    g.min_cost_max_flow(s, t);

    let mut staffed = 0;
    for (members, edges) in classes.values().zip(&class_edges) {
        let seats: Vec<(usize, usize)> = edges
            .iter()
            .map(|&(r, e)| (r, g.flow(e) as usize))
            .filter(|&(_, f)| f > 0)
            .collect();
        let is_lawyer = |r: usize| reviewers[r].role == Role::Lawyer;
        // The most cases these seats staff completely.
        let m = (0..=members.len())
            .rev()
            .find(|&m| {
                let lawyers: usize = seats
                    .iter()
                    .filter(|&&(r, _)| is_lawyer(r))
                    .map(|&(_, f)| f.min(m))
                    .sum();
                let all: usize = seats.iter().map(|&(_, f)| f.min(m)).sum();
                lawyers >= m && all >= k * m
            })
            .unwrap_or(0);
        if m == 0 {
            continue;
        }
        // Deal the seats, lawyers first, round-robin over the m cases.
        let mut dealt: Vec<usize> = Vec::new();
        for lawyers_pass in [true, false] {
            for &(r, f) in &seats {
                if is_lawyer(r) == lawyers_pass {
                    dealt.extend(std::iter::repeat_n(r, f.min(m)));
                }
            }
        }
        dealt.truncate(k * m);
        let mut panels: Vec<Vec<usize>> = vec![Vec::new(); m];
        for (position, &r) in dealt.iter().enumerate() {
            panels[position % m].push(r);
            staffing.loads[r] += 1;
        }
        for (&i, mut panel) in members.iter().zip(panels) {
            panel.sort_by(|&a, &b| reviewers[a].id.cmp(&reviewers[b].id));
            staffing.panels[i] = Ok(panel);
        }
        staffed += m;
    }
    staffed
}

/// Names the rule that left a case without a panel.
fn why_unstaffed(
    need: &Need,
    reviewers: &[Reviewer],
    assignable: &[usize],
    k: usize,
    staffing: &Staffing,
    n_needs: usize,
) -> Unstaffed {
    let firm = need.party.law_firm().unwrap_or("?");
    let free: Vec<usize> = assignable
        .iter()
        .copied()
        .filter(|&r| !reviewers[r].party.same_firm(&need.party))
        .collect();
    let free_lawyers: Vec<usize> = free
        .iter()
        .copied()
        .filter(|&r| reviewers[r].role == Role::Lawyer)
        .collect();
    let bound_text = format!(
        "{} cases, ⌈{} assignments / {} reviewers⌉ + 1",
        staffing.bound,
        k * n_needs,
        staffing.assignable
    );
    if free_lawyers.is_empty() {
        Unstaffed {
            code: "no_lawyer_reviewer",
            detail: format!(
                "no reviewer of role lawyer outside {firm}, the law firm of lawyer {}",
                need.lawyer_id
            ),
        }
    } else if free.len() < k {
        Unstaffed {
            code: "too_few_reviewers",
            detail: format!(
                "only {} reviewers outside {firm}, the law firm of lawyer {}, for a panel of {k}",
                free.len(),
                need.lawyer_id
            ),
        }
    } else if free_lawyers
        .iter()
        .all(|&r| staffing.loads[r] >= staffing.bound)
    {
        Unstaffed {
            code: "load_bound",
            detail: format!(
                "every reviewer of role lawyer outside {firm} ({}) already has the most cases \
                 allowed ({bound_text})",
                free_lawyers
                    .iter()
                    .map(|&r| reviewers[r].id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    } else {
        Unstaffed {
            code: "load_bound",
            detail: format!(
                "the reviewers outside {firm} who could complete a panel already have the most \
                 cases allowed ({bound_text})"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reviewer(id: &str, role: Role, firm: Option<&str>) -> Reviewer {
        Reviewer {
            id: id.to_string(),
            role,
            party: Party::new(firm, None),
        }
    }

    fn need(ct: CaseType, firm: &str) -> Need {
        Need {
            case_type: ct,
            lawyer_id: format!("L-{firm}"),
            party: Party::new(Some(firm), None),
            priority: 1,
        }
    }

    /// Every staffed panel keeps every rule.
    fn check(needs: &[Need], reviewers: &[Reviewer], k: usize, s: &Staffing) {
        let mut loads = vec![0; reviewers.len()];
        for (need, panel) in needs.iter().zip(&s.panels) {
            let Ok(panel) = panel else { continue };
            assert_eq!(panel.len(), k);
            let mut distinct = panel.clone();
            distinct.dedup();
            assert_eq!(distinct.len(), k, "a reviewer twice on one panel");
            assert!(panel.iter().any(|&r| reviewers[r].role == Role::Lawyer));
            for &r in panel {
                assert_ne!(reviewers[r].role, Role::Panel);
                assert!(!reviewers[r].party.same_firm(&need.party), "conflict");
                loads[r] += 1;
            }
        }
        assert_eq!(loads, s.loads);
        let bound = (k * needs.len()).div_ceil(s.assignable) + 1;
        assert!(loads.iter().all(|&l| l <= bound), "{loads:?} > {bound}");
    }

    fn pool() -> Vec<Reviewer> {
        vec![
            reviewer("R1", Role::Lawyer, Some("甲所")),
            reviewer("R2", Role::Lawyer, Some("乙所")),
            reviewer("R3", Role::Judge, None),
            reviewer("R4", Role::Prosecutor, None),
            reviewer("R5", Role::Scholar, None),
            reviewer("R6", Role::Panel, None),
            reviewer("R7", Role::Lawyer, Some("丙所")),
        ]
    }

    #[test]
    fn staffs_everything_feasible_within_the_rules() {
        let reviewers = pool();
        let firms = ["甲所", "乙所", "丙所", "丁所"];
        let types = CaseType::ALL;
        let needs: Vec<Need> = (0..24).map(|i| need(types[i % 3], firms[i % 4])).collect();
        let s = assign(&needs, &reviewers, 3);
        check(&needs, &reviewers, 3, &s);
        assert!(s.panels.iter().all(Result::is_ok));
        assert_eq!(s.loads[5], 0, "role panel is never assigned");
    }

    #[test]
    fn prefers_fitting_roles() {
        // Two seats per case, plenty of capacity: criminal cases get the
        // prosecutor or judge beside the lawyer, never the scholar.
        let reviewers = vec![
            reviewer("R1", Role::Lawyer, Some("甲所")),
            reviewer("R2", Role::Scholar, None),
            reviewer("R3", Role::Prosecutor, None),
            reviewer("R4", Role::Lawyer, Some("乙所")),
            reviewer("R5", Role::Judge, None),
        ];
        let needs: Vec<Need> = (0..4).map(|_| need(CaseType::Criminal, "丙所")).collect();
        let s = assign(&needs, &reviewers, 2);
        check(&needs, &reviewers, 2, &s);
        for p in &s.panels {
            let p = p.as_ref().unwrap();
            assert!(
                p.iter().all(|&r| reviewers[r].role != Role::Scholar),
                "{p:?}"
            );
        }
    }

    #[test]
    fn names_the_rule_when_no_lawyer_is_free_of_conflict() {
        let reviewers = vec![
            reviewer("R1", Role::Lawyer, Some("甲所")),
            reviewer("R2", Role::Judge, None),
            reviewer("R3", Role::Scholar, None),
            reviewer("R4", Role::Lawyer, Some("甲所")),
        ];
        let needs = vec![need(CaseType::Civil, "甲所"), need(CaseType::Civil, "乙所")];
        let s = assign(&needs, &reviewers, 3);
        check(&needs, &reviewers, 3, &s);
        let err = s.panels[0].as_ref().unwrap_err();
        assert_eq!(err.code, "no_lawyer_reviewer");
        assert!(err.detail.contains("甲所"), "{}", err.detail);
        assert!(s.panels[1].is_ok());
    }

    #[test]
    fn too_few_reviewers_and_no_reviewers() {
        let reviewers = vec![
            reviewer("R1", Role::Lawyer, Some("甲所")),
            reviewer("R2", Role::Judge, None),
        ];
        let s = assign(&[need(CaseType::Civil, "乙所")], &reviewers, 3);
        assert_eq!(s.panels[0].as_ref().unwrap_err().code, "too_few_reviewers");
        let only_panel = vec![reviewer("P", Role::Panel, None)];
        let s = assign(&[need(CaseType::Civil, "乙所")], &only_panel, 3);
        assert_eq!(s.panels[0].as_ref().unwrap_err().code, "no_reviewers");
    }

    #[test]
    fn scarce_lawyers_hit_the_load_bound_and_always_in_cases_go_first() {
        // One lawyer among six reviewers: bound ⌈3·12/6⌉ + 1 = 7 panels.
        let reviewers = vec![
            reviewer("R1", Role::Lawyer, Some("甲所")),
            reviewer("R2", Role::Judge, None),
            reviewer("R3", Role::Judge, None),
            reviewer("R4", Role::Scholar, None),
            reviewer("R5", Role::Official, None),
            reviewer("R6", Role::Prosecutor, None),
        ];
        let mut needs: Vec<Need> = (0..12).map(|_| need(CaseType::Civil, "乙所")).collect();
        needs[11].priority = 0;
        let s = assign(&needs, &reviewers, 3);
        check(&needs, &reviewers, 3, &s);
        assert_eq!(s.bound, 7);
        assert_eq!(s.panels.iter().filter(|p| p.is_ok()).count(), 7);
        assert!(s.panels[11].is_ok(), "the always-in case is staffed first");
        let err = s.panels[10].as_ref().unwrap_err();
        assert_eq!(err.code, "load_bound");
        assert!(err.detail.contains("R1"), "{}", err.detail);
    }

    #[test]
    fn firm_id_decides_when_both_sides_have_one() {
        let mut reviewers = pool();
        // Same name, different firm ids: no conflict.
        reviewers[0].party = Party::new(Some("乙所"), Some("ID-1"));
        let mut n = need(CaseType::Criminal, "乙所");
        n.party = Party::new(Some("乙所"), Some("ID-2"));
        let needs = vec![n; 6];
        let s = assign(&needs, &reviewers, 3);
        check(&needs, &reviewers, 3, &s);
        assert!(s.panels.iter().all(Result::is_ok));
        // R2 (乙所 by name, no id) is in conflict by name.
        assert!(s.panels.iter().all(|p| !p.as_ref().unwrap().contains(&1)));
    }

    #[test]
    fn property_random_instances_keep_every_rule() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let roles = [
            Role::Lawyer,
            Role::Judge,
            Role::Prosecutor,
            Role::Scholar,
            Role::Official,
            Role::Panel,
        ];
        let firms = ["甲所", "乙所", "丙所", "丁所", "戊所"];
        for _ in 0..60 {
            let reviewers: Vec<Reviewer> = (0..rng.random_range(1..12))
                .map(|i| {
                    let role = roles[rng.random_range(0..roles.len())];
                    let firm = (role == Role::Lawyer).then(|| firms[rng.random_range(0..5)]);
                    reviewer(&format!("R{i:02}"), role, firm)
                })
                .collect();
            let needs: Vec<Need> = (0..rng.random_range(0..40))
                .map(|_| {
                    let mut n = need(
                        CaseType::ALL[rng.random_range(0..3)],
                        firms[rng.random_range(0..5)],
                    );
                    n.priority = rng.random_range(0..2);
                    n
                })
                .collect();
            let k = rng.random_range(1..4);
            let s = assign(&needs, &reviewers, k);
            check(&needs, &reviewers, k, &s);
            for p in &s.panels {
                if let Err(u) = p {
                    assert!(!u.code.is_empty() && !u.detail.is_empty());
                }
            }
        }
    }
}
