//! The public report's case-level figures: the closed cases from the
//! counts of `mart_report_case_counts`, the scored ones from the rows of
//! `mart_report_cases` as they stream, in case-id order ([`CaseTally`]),
//! then passed through the small-cell rule with the tables that show the
//! same figure suppressed together ([`suppress`]).

use std::collections::HashMap;

use crate::plan::Plan;
use crate::publish::charts::palette;
use crate::publish::i18n::Lang;
use crate::publish::lists::collation_key;
use crate::publish::privacy::{Cell, Grid, SuppressedGrid, suppress_linked};
use crate::publish::rows::{ReportCaseCountRow, ReportCaseRow};
use crate::rubric::CaseType;

/// A grade column: the band's code and its label.
#[derive(Debug, Clone)]
pub struct BandCol {
    pub code: String,
    pub label: String,
    pub fail: bool,
}

/// Case-level figures of the period.
#[derive(Debug, Default)]
pub struct Figures {
    /// Per case type (in `CaseType::ALL` order).
    pub closed: Vec<u64>,
    pub reviewed: Vec<u64>,
    pub grades: Vec<Vec<Option<u64>>>,
    pub scores: Vec<Vec<f64>>,
    /// Districts in pinyin order.
    pub districts: Vec<String>,
    pub d_closed: Vec<u64>,
    pub d_grades: Vec<Vec<Option<u64>>>,
    pub d_scores: Vec<Vec<f64>>,
    pub all_scores: Vec<f64>,
}

/// What the tables and charts publish of [`Figures`].
pub struct Published {
    pub headline: SuppressedGrid,
    pub grades: SuppressedGrid,
    pub districts: SuppressedGrid,
    pub d_closed: SuppressedGrid,
}

/// The grade columns: every band of every rubric, by code, in the order
/// first met (case types in their fixed order, bands highest first).
pub fn band_columns(plan: &Plan, lang: Lang) -> Vec<BandCol> {
    let mut out: Vec<BandCol> = Vec::new();
    for t in CaseType::ALL {
        for b in &plan.rubric(t).bands {
            if !out.iter().any(|c| c.code == b.code) {
                out.push(BandCol {
                    code: b.code.clone(),
                    label: lang.band(b),
                    fail: b.fail,
                });
            }
        }
    }
    out
}

/// Colours of the grade bands: the fail band vermillion, the others in
/// palette order.
pub fn band_colour(bands: &[BandCol], j: usize) -> plotters::style::RGBColor {
    if bands[j].fail {
        return palette::VERMILLION;
    }
    let k = bands[..j].iter().filter(|b| !b.fail).count();
    palette::SERIES[k % (palette::SERIES.len() - 1)]
}

/// Counts the closed cases ([`CaseTally::add_closed`]), then the scored
/// ones of `mart_report_cases` one row at a time, in the mart's order
/// (scores are kept in it, so sums come out the same to the bit), so that
/// the mart is streamed rather than held (when it held every case of the
/// period, its 4.75 M rows at 5 M cases, held as structs, raised
/// publication's peak by 220-270 MiB).
pub struct CaseTally<'b> {
    bands: &'b [BandCol],
    f: Figures,
    /// Each district's place in `f.districts`, which is in order of first
    /// appearance until [`CaseTally::finish`] sorts it.
    district_of: HashMap<String, usize>,
}

impl<'b> CaseTally<'b> {
    pub fn new(bands: &'b [BandCol]) -> CaseTally<'b> {
        CaseTally {
            bands,
            f: Figures {
                closed: vec![0; 3],
                reviewed: vec![0; 3],
                grades: vec![vec![None; bands.len()]; 3],
                scores: vec![Vec::new(); 3],
                ..Figures::default()
            },
            district_of: HashMap::new(),
        }
    }

    /// The district's place in `f.districts`, given a column when first met.
    fn district(&mut self, district: Option<&str>) -> usize {
        let d = district.unwrap_or("");
        if let Some(&di) = self.district_of.get(d) {
            return di;
        }
        let f = &mut self.f;
        let di = f.districts.len();
        self.district_of.insert(d.to_string(), di);
        f.districts.push(d.to_string());
        f.d_closed.push(0);
        f.d_grades.push(vec![Some(0); self.bands.len()]);
        f.d_scores.push(Vec::new());
        di
    }

    /// Counts the closed cases of a case type in a district. The district
    /// gets a column even when the case type is unknown (those cases are
    /// not counted).
    pub fn add_closed(&mut self, r: &ReportCaseCountRow) {
        let di = self.district(r.district.as_deref());
        let Some(t) = case_type_index(&r.case_type) else {
            return;
        };
        let n = u64::try_from(r.n_closed).unwrap_or_default();
        self.f.closed[t] += n;
        self.f.d_closed[di] += n;
    }

    /// Counts one scored case (its closing is counted by
    /// [`CaseTally::add_closed`]): its score and grade. Its district gets a
    /// column even when its case type is unknown (that case is not counted).
    pub fn add(&mut self, r: &ReportCaseRow) {
        let di = self.district(r.district.as_deref());
        let Some(t) = case_type_index(&r.case_type) else {
            return;
        };
        let f = &mut self.f;
        if let Some(score) = r.score {
            f.reviewed[t] += 1;
            f.scores[t].push(score);
            f.d_scores[di].push(score);
            f.all_scores.push(score);
            if let Some(j) = self
                .bands
                .iter()
                .position(|b| Some(b.code.as_str()) == r.grade.as_deref())
            {
                *f.grades[t][j].get_or_insert(0) += 1;
                *f.d_grades[di][j].get_or_insert(0) += 1;
            }
        }
    }

    /// The figures, districts in pinyin order.
    pub fn finish(self) -> Figures {
        let mut f = self.f;
        let mut order: Vec<usize> = (0..f.districts.len()).collect();
        order.sort_by_cached_key(|&i| {
            (
                collation_key(&f.districts[i], false),
                f.districts[i].clone(),
            )
        });
        f.districts = permuted(f.districts, &order);
        f.d_closed = permuted(f.d_closed, &order);
        f.d_grades = permuted(f.d_grades, &order);
        f.d_scores = permuted(f.d_scores, &order);
        f
    }
}

/// The place of a case type in `CaseType::ALL`, if it is one.
fn case_type_index(code: &str) -> Option<usize> {
    CaseType::parse(code).and_then(|ct| CaseType::ALL.iter().position(|x| *x == ct))
}

/// `items` in the order of their indices in `order` (each index once).
fn permuted<T>(items: Vec<T>, order: &[usize]) -> Vec<T> {
    let mut items: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order
        .iter()
        .map(|&i| items[i].take().expect("each index once"))
        .collect()
}

/// Marks which grade cells apply to which case type: a band of the case
/// type's rubric applies (zero when no case got it); others do not.
pub fn grade_grid(f: &Figures, plan: &Plan, bands: &[BandCol]) -> Vec<Vec<Option<u64>>> {
    CaseType::ALL
        .iter()
        .enumerate()
        .map(|(t, ct)| {
            bands
                .iter()
                .enumerate()
                .map(|(j, b)| {
                    let applies = plan.rubric(*ct).bands.iter().any(|x| x.code == b.code);
                    applies.then(|| f.grades[t][j].unwrap_or(0))
                })
                .collect()
        })
        .collect()
}

pub fn suppress(f: &Figures, min_cell: u64) -> Published {
    let t = f.closed.len();
    let b = f.grades.first().map_or(0, Vec::len);
    let nd = f.districts.len();
    let headline = Grid {
        cells: (0..t)
            .map(|i| vec![Some(f.closed[i]), Some(f.reviewed[i])])
            .collect(),
        row_totals: false,
        col_totals: true,
    };
    let grades = Grid {
        cells: f.grades.clone(),
        row_totals: true,
        col_totals: true,
    };
    let districts = Grid {
        cells: f.d_grades.clone(),
        row_totals: true,
        col_totals: true,
    };
    let d_closed = Grid {
        cells: f.d_closed.iter().map(|c| vec![Some(*c)]).collect(),
        row_totals: false,
        col_totals: true,
    };
    let mut links: Vec<(Cell, Cell)> = (0..t).map(|i| ((0, i, 1), (1, i, b))).collect();
    links.push(((0, t, 1), (1, t, b)));
    links.extend((0..b).map(|j| ((1, t, j), (2, nd, j))));
    links.push(((1, t, b), (2, nd, b)));
    links.push(((0, t, 0), (3, nd, 0)));
    let mut out = suppress_linked(&[headline, grades, districts, d_closed], &links, min_cell);
    let d_closed = out.pop().expect("four grids");
    let districts = out.pop().expect("four grids");
    let grades = out.pop().expect("four grids");
    let headline = out.pop().expect("four grids");
    Published {
        headline,
        grades,
        districts,
        d_closed,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The figures of these cases of the period, scored (a score) or not.
    fn figures(rows: &[ReportCaseRow], bands: &[BandCol]) -> Figures {
        let mut tally = CaseTally::new(bands);
        counts_of(rows).iter().for_each(|r| tally.add_closed(r));
        scored(rows).for_each(|r| tally.add(r));
        tally.finish()
    }

    /// What `mart_report_case_counts` gives for these cases of the period.
    pub fn counts_of(rows: &[ReportCaseRow]) -> Vec<ReportCaseCountRow> {
        let mut counts = std::collections::BTreeMap::new();
        for r in rows {
            *counts
                .entry((r.case_type.clone(), r.district.clone()))
                .or_insert(0) += 1;
        }
        counts
            .into_iter()
            .map(|((case_type, district), n_closed)| ReportCaseCountRow {
                case_type,
                district,
                n_closed,
            })
            .collect()
    }

    /// The rows `mart_report_cases` gives of these cases: the scored ones.
    fn scored(rows: &[ReportCaseRow]) -> impl Iterator<Item = &ReportCaseRow> {
        rows.iter().filter(|r| r.score.is_some())
    }

    /// A case of the period; scored when it has a score.
    pub fn case(
        id: &str,
        t: &str,
        d: &str,
        score: Option<f64>,
        grade: Option<&str>,
    ) -> ReportCaseRow {
        ReportCaseRow {
            case_id: id.into(),
            case_type: t.into(),
            district: Some(d.into()),
            score,
            grade: grade.map(str::to_string),
        }
    }

    #[test]
    fn cases_are_counted_per_type_and_district_in_pinyin_order() {
        let plan = crate::publish::tests::demo_plan();
        let bands = band_columns(&plan, Lang::Zh);
        let top = bands[0].code.clone();
        let rows = [
            case("C1", "criminal", "武侯区", Some(80.0), Some(&top)),
            case("C2", "civil", "成华区", None, None),
            case("C3", "criminal", "成华区", Some(60.0), Some(&top)),
            case("C4", "unknown", "成华区", Some(70.0), None),
        ];
        let f = figures(&rows, &bands);
        assert_eq!(f.districts, ["成华区", "武侯区"]);
        assert_eq!(f.closed, [2, 1, 0], "an unknown case type is not counted");
        assert_eq!(f.reviewed, [2, 0, 0]);
        assert_eq!(f.all_scores, [80.0, 60.0], "in row order");
        assert_eq!(f.d_closed, [2, 1]);
        assert_eq!(f.grades[0][0], Some(2));
        assert_eq!(f.d_grades[1][0], Some(1));
    }

    #[test]
    fn districts_are_sorted_at_the_end_and_batches_count_alike() {
        let plan = crate::publish::tests::demo_plan();
        let bands = band_columns(&plan, Lang::Zh);
        let grade = |i: usize| Some(bands[i % bands.len()].code.as_str());
        let districts = ["武侯区", "成华区", "锦江区", "青羊区"];
        let rows: Vec<ReportCaseRow> = (0..40)
            .map(|i| {
                let t = ["criminal", "civil", "administrative"][i % 3];
                let score = (i % 4 != 0).then_some(50.0 + i as f64 * 0.37);
                case(&format!("C{i:02}"), t, districts[i % 4], score, grade(i))
            })
            .chain([case("X1", "unknown", "双流区", Some(1.0), None)])
            .collect();
        let at_once = figures(&rows, &bands);
        let mut tally = CaseTally::new(&bands);
        counts_of(&rows).iter().for_each(|r| tally.add_closed(r));
        let scored: Vec<ReportCaseRow> = scored(&rows).cloned().collect();
        for batch in scored.chunks(7) {
            batch.iter().for_each(|r| tally.add(r));
        }
        let in_batches = tally.finish();
        assert_eq!(format!("{in_batches:?}"), format!("{at_once:?}"));
        assert_eq!(
            at_once.districts,
            ["成华区", "锦江区", "青羊区", "双流区", "武侯区"],
            "pinyin order; a district of an uncounted case only has a column"
        );
        assert_eq!(at_once.d_closed, [10, 10, 10, 0, 10]);
        assert_eq!(at_once.closed, [14, 13, 13]);
    }

    #[test]
    fn small_counts_are_withheld_together() {
        let plan = crate::publish::tests::demo_plan();
        let bands = band_columns(&plan, Lang::Zh);
        let rows: Vec<ReportCaseRow> = (0..30)
            .map(|i| case(&format!("C{i:02}"), "criminal", "武侯区", Some(75.0), None))
            .chain((0..3).map(|i| case(&format!("D{i}"), "civil", "武侯区", None, None)))
            .collect();
        let mut f = figures(&rows, &bands);
        f.grades = grade_grid(&f, &plan, &bands);
        let p = suppress(&f, 11);
        use crate::publish::privacy::Shown;
        assert_eq!(p.headline.cells[1][0], Shown::Suppressed, "3 < 11");
    }
}
