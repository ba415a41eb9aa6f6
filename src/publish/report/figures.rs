//! The public report's case-level figures: counted from the rows of
//! `mart_report_cases` in case-id order ([`figures`]), then passed through
//! the small-cell rule with the tables that show the same figure suppressed
//! together ([`suppress`]).

use std::collections::BTreeMap;

use crate::plan::Plan;
use crate::publish::charts::palette;
use crate::publish::i18n::Lang;
use crate::publish::lists::collation_key;
use crate::publish::privacy::{Cell, Grid, SuppressedGrid, suppress_linked};
use crate::publish::rows::{ReportCaseRow, text};
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

pub fn figures(rows: &[ReportCaseRow], bands: &[BandCol]) -> Figures {
    let types = CaseType::ALL;
    let mut f = Figures {
        closed: vec![0; 3],
        reviewed: vec![0; 3],
        grades: vec![vec![None; bands.len()]; 3],
        scores: vec![Vec::new(); 3],
        ..Figures::default()
    };
    let mut districts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in rows {
        let d = text(&r.district);
        let n = districts.len();
        districts.entry((collation_key(&d, false), d)).or_insert(n);
    }
    f.districts = districts.keys().map(|(_, d)| d.clone()).collect();
    let index: BTreeMap<String, usize> = f
        .districts
        .iter()
        .enumerate()
        .map(|(i, d)| (d.clone(), i))
        .collect();
    let nd = f.districts.len();
    f.d_closed = vec![0; nd];
    f.d_grades = vec![vec![Some(0); bands.len()]; nd];
    f.d_scores = vec![Vec::new(); nd];
    for r in rows {
        let Some(t) =
            CaseType::parse(&r.case_type).and_then(|ct| types.iter().position(|x| *x == ct))
        else {
            continue;
        };
        let di = index[&text(&r.district)];
        f.closed[t] += 1;
        f.d_closed[di] += 1;
        if let Some(score) = r.score {
            f.reviewed[t] += 1;
            f.scores[t].push(score);
            f.d_scores[di].push(score);
            f.all_scores.push(score);
            if let Some(j) = bands
                .iter()
                .position(|b| Some(b.code.as_str()) == r.grade.as_deref())
            {
                *f.grades[t][j].get_or_insert(0) += 1;
                *f.d_grades[di][j].get_or_insert(0) += 1;
            }
        }
    }
    f
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

    /// A case of the period as `mart_report_cases` gives it.
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
