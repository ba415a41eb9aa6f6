//! Which cases are drawn, and why: the always-in cases, the stratified random
//! part and the per-lawyer floor.
//!
//! Every random choice comes from ChaCha8 seeded with the seed and put on a
//! stream named after what is being drawn (`stratum/<district>/<type>`,
//! `floor/<lawyer>`, `tier_d/<lawyer>`), over candidates sorted by case id.
//! So the sample is a function of the seed and the data alone — not of the
//! input order — and adding a district does not reshuffle the others.

use std::collections::{BTreeMap, BTreeSet};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::RegisterView;
use crate::rubric::CaseType;

/// Why a case is in the sample; a case may have several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    Complaint,
    MajorDifficult,
    NegativeList,
    TierD,
    Random,
    LawyerFloor,
}

impl Reason {
    pub const ALL: [Reason; 6] = [
        Reason::Complaint,
        Reason::MajorDifficult,
        Reason::NegativeList,
        Reason::TierD,
        Reason::Random,
        Reason::LawyerFloor,
    ];

    /// The code written in `sample.csv`.
    pub fn code(self) -> &'static str {
        match self {
            Reason::Complaint => "complaint",
            Reason::MajorDifficult => "major_difficult",
            Reason::NegativeList => "negative_list",
            Reason::TierD => "tier_d",
            Reason::Random => "random",
            Reason::LawyerFloor => "lawyer_floor",
        }
    }

    /// Always-in reasons come first when reviewers are scarce.
    pub fn is_always_in(self) -> bool {
        !matches!(self, Reason::Random | Reason::LawyerFloor)
    }
}

/// A lawyer needs this many closed cases in the period for the floor to apply.
pub const FLOOR_MIN_CASES: usize = 3;

/// A closed case of the period as the draw sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub case_id: String,
    pub case_type: CaseType,
    pub district: String,
    pub lawyer_id: String,
    pub major_difficult: bool,
}

/// The draw's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrawParams {
    pub rate: f64,
    pub min_per_lawyer: u32,
    pub seed: u64,
}

/// A drawn case: its index among the candidates and its reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    pub index: usize,
    pub reasons: BTreeSet<Reason>,
}

/// The random part's size for a stratum of `n` cases: `rate × n` rounded
/// half up, at least one, at most `n`. The small slack absorbs binary noise
/// (0.15 × 10 is 1.4999… in floating point but 1.5 to a person).
pub fn quota(rate: f64, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    let k = (rate * n as f64 + 0.5 + 1e-9).floor() as usize;
    k.clamp(1, n)
}

/// Draws the sample from the cases of the period. `complained` holds the ids
/// of cases with a complaint that was not withdrawn. The result is sorted by
/// case id.
pub fn draw(
    cases: &[Candidate],
    complained: &BTreeSet<String>,
    register: &RegisterView,
    params: DrawParams,
) -> Vec<Drawn> {
    let mut order: Vec<usize> = (0..cases.len()).collect();
    order.sort_by(|&a, &b| cases[a].case_id.cmp(&cases[b].case_id));
    let mut reasons: Vec<BTreeSet<Reason>> = vec![BTreeSet::new(); cases.len()];

    for &i in &order {
        let c = &cases[i];
        if complained.contains(&c.case_id) {
            reasons[i].insert(Reason::Complaint);
        }
        if c.major_difficult {
            reasons[i].insert(Reason::MajorDifficult);
        }
        if register.negative_open.contains(&c.lawyer_id) {
            reasons[i].insert(Reason::NegativeList);
        }
    }

    // Cases per lawyer, in case-id order.
    let mut by_lawyer: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &i in &order {
        by_lawyer.entry(&cases[i].lawyer_id).or_default().push(i);
    }

    // At least one case of every tier-D lawyer: one already in if there is
    // one, else one drawn at random.
    for lawyer in &register.tier_d {
        let Some(list) = by_lawyer.get(lawyer.as_str()) else {
            continue;
        };
        let pick = match list.iter().find(|&&i| !reasons[i].is_empty()) {
            Some(&i) => i,
            None => choose(
                &mut stream(params.seed, &format!("tier_d/{lawyer}")),
                list,
                1,
            )[0],
        };
        reasons[pick].insert(Reason::TierD);
    }

    // The random part: per (district, case type), from the rest.
    let mut strata: BTreeMap<(&str, CaseType), Vec<usize>> = BTreeMap::new();
    for &i in &order {
        if reasons[i].is_empty() {
            strata
                .entry((&cases[i].district, cases[i].case_type))
                .or_default()
                .push(i);
        }
    }
    for ((district, case_type), list) in &strata {
        let label = format!("stratum/{district}/{}", case_type.code());
        let k = quota(params.rate, list.len());
        for i in choose(&mut stream(params.seed, &label), list, k) {
            reasons[i].insert(Reason::Random);
        }
    }

    // The per-lawyer floor.
    for (lawyer, list) in &by_lawyer {
        if list.len() < FLOOR_MIN_CASES {
            continue;
        }
        let want = (params.min_per_lawyer as usize).min(list.len());
        let have = list.iter().filter(|&&i| !reasons[i].is_empty()).count();
        if have >= want {
            continue;
        }
        let rest: Vec<usize> = list
            .iter()
            .copied()
            .filter(|&i| reasons[i].is_empty())
            .collect();
        let mut rng = stream(params.seed, &format!("floor/{lawyer}"));
        for i in choose(&mut rng, &rest, want - have) {
            reasons[i].insert(Reason::LawyerFloor);
        }
    }

    order
        .into_iter()
        .filter_map(|i| {
            let r = std::mem::take(&mut reasons[i]);
            (!r.is_empty()).then_some(Drawn {
                index: i,
                reasons: r,
            })
        })
        .collect()
}

/// The seeded generator for one named draw.
fn stream(seed: u64, label: &str) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(fnv1a(label.as_bytes()));
    rng
}

/// FNV-1a: a stable 64-bit hash (the standard library's may change).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `k` distinct elements of `list` by a partial Fisher–Yates shuffle, in
/// `list` order.
fn choose(rng: &mut ChaCha8Rng, list: &[usize], k: usize) -> Vec<usize> {
    let mut pool: Vec<usize> = (0..list.len()).collect();
    let k = k.min(pool.len());
    for j in 0..k {
        let r = rng.random_range(j..pool.len());
        pool.swap(j, r);
    }
    let mut chosen = pool[..k].to_vec();
    chosen.sort_unstable();
    chosen.into_iter().map(|p| list[p]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(id: &str, ct: CaseType, district: &str, lawyer: &str) -> Candidate {
        Candidate {
            case_id: id.to_string(),
            case_type: ct,
            district: district.to_string(),
            lawyer_id: lawyer.to_string(),
            major_difficult: false,
        }
    }

    fn params(seed: u64) -> DrawParams {
        DrawParams {
            rate: 0.1,
            min_per_lawyer: 3,
            seed,
        }
    }

    /// 200 cases in 4 strata, 10 lawyers.
    fn cases() -> Vec<Candidate> {
        let types = [CaseType::Criminal, CaseType::Civil];
        let districts = ["锦江区", "武侯区"];
        (0..200)
            .map(|i| {
                case(
                    &format!("C{i:04}"),
                    types[i % 2],
                    districts[(i / 2) % 2],
                    &format!("L{}", i % 10),
                )
            })
            .collect()
    }

    fn ids(cases: &[Candidate], drawn: &[Drawn]) -> Vec<String> {
        drawn
            .iter()
            .map(|d| cases[d.index].case_id.clone())
            .collect()
    }

    #[test]
    fn quota_rounds_half_up_with_at_least_one() {
        assert_eq!(quota(0.1, 0), 0);
        assert_eq!(quota(0.1, 1), 1);
        assert_eq!(quota(0.1, 14), 1);
        assert_eq!(quota(0.1, 15), 2);
        assert_eq!(quota(0.1, 25), 3);
        assert_eq!(quota(0.15, 10), 2);
        assert_eq!(quota(1.0, 7), 7);
        assert_eq!(quota(0.0, 7), 1);
    }

    #[test]
    fn always_in_cases_are_in_with_their_reasons() {
        let mut cs = cases();
        cs[5].major_difficult = true;
        let complained: BTreeSet<String> = ["C0007".to_string()].into();
        let register = RegisterView {
            negative_open: ["L3".to_string()].into(),
            tier_d: ["L4".to_string(), "L-none".to_string()].into(),
        };
        let drawn = draw(&cs, &complained, &register, params(1));
        let reasons = |id: &str| {
            drawn
                .iter()
                .find(|d| cs[d.index].case_id == id)
                .map(|d| d.reasons.clone())
                .unwrap_or_default()
        };
        assert!(reasons("C0005").contains(&Reason::MajorDifficult));
        assert!(reasons("C0007").contains(&Reason::Complaint));
        // every case of the negative-list lawyer
        for c in cs.iter().filter(|c| c.lawyer_id == "L3") {
            assert!(reasons(&c.case_id).contains(&Reason::NegativeList));
        }
        // exactly one case of the tier-D lawyer carries tier_d
        let tier_d: Vec<&Drawn> = drawn
            .iter()
            .filter(|d| d.reasons.contains(&Reason::TierD))
            .collect();
        assert_eq!(tier_d.len(), 1);
        assert_eq!(cs[tier_d[0].index].lawyer_id, "L4");
        // sorted by case id
        let got = ids(&cs, &drawn);
        let mut sorted = got.clone();
        sorted.sort();
        assert_eq!(got, sorted);
    }

    #[test]
    fn tier_d_marks_a_case_already_in_when_there_is_one() {
        let mut cs = cases();
        cs[14].major_difficult = true; // lawyer L4
        let register = RegisterView {
            negative_open: BTreeSet::new(),
            tier_d: ["L4".to_string()].into(),
        };
        let drawn = draw(&cs, &BTreeSet::new(), &register, params(1));
        let d = drawn
            .iter()
            .find(|d| d.reasons.contains(&Reason::TierD))
            .unwrap();
        assert_eq!(cs[d.index].case_id, "C0014");
    }

    #[test]
    fn random_part_per_stratum_and_floor_per_lawyer() {
        let cs = cases();
        let drawn = draw(&cs, &BTreeSet::new(), &RegisterView::empty(), params(7));
        let mut per_stratum: BTreeMap<(String, CaseType), usize> = BTreeMap::new();
        for d in drawn.iter().filter(|d| d.reasons.contains(&Reason::Random)) {
            let c = &cs[d.index];
            *per_stratum
                .entry((c.district.clone(), c.case_type))
                .or_default() += 1;
        }
        // 4 strata of 50: 5 each
        assert_eq!(per_stratum.len(), 4);
        assert!(per_stratum.values().all(|&n| n == 5), "{per_stratum:?}");
        // every lawyer (20 cases each) gets at least 3
        for l in 0..10 {
            let lawyer = format!("L{l}");
            let n = drawn
                .iter()
                .filter(|d| cs[d.index].lawyer_id == lawyer)
                .count();
            assert!(n >= 3, "{lawyer}: {n}");
        }
        // random and lawyer_floor never on the same case
        assert!(drawn.iter().all(|d| d.reasons.len() == 1));
    }

    #[test]
    fn deterministic_per_seed_and_independent_of_input_order() {
        let cs = cases();
        let a = ids(
            &cs,
            &draw(&cs, &BTreeSet::new(), &RegisterView::empty(), params(3)),
        );
        let mut reversed = cs.clone();
        reversed.reverse();
        let b = ids(
            &reversed,
            &draw(
                &reversed,
                &BTreeSet::new(),
                &RegisterView::empty(),
                params(3),
            ),
        );
        assert_eq!(a, b);
        let c = ids(
            &cs,
            &draw(&cs, &BTreeSet::new(), &RegisterView::empty(), params(4)),
        );
        assert_ne!(a, c);
    }

    #[test]
    fn lawyers_with_fewer_than_three_cases_have_no_floor() {
        let cs = vec![
            case("A1", CaseType::Civil, "x", "L1"),
            case("A2", CaseType::Civil, "x", "L1"),
            case("B1", CaseType::Civil, "y", "L2"),
            case("B2", CaseType::Civil, "y", "L2"),
            case("B3", CaseType::Civil, "y", "L2"),
        ];
        let p = DrawParams {
            rate: 0.1,
            min_per_lawyer: 5,
            seed: 1,
        };
        let drawn = draw(&cs, &BTreeSet::new(), &RegisterView::empty(), p);
        let got = ids(&cs, &drawn);
        // one random case in stratum x; all three of L2 (floor capped at 3)
        assert_eq!(got.iter().filter(|id| id.starts_with('A')).count(), 1);
        assert_eq!(got.iter().filter(|id| id.starts_with('B')).count(), 3);
    }
}
