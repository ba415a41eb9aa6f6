//! Properties of the case scores and of alpha, on random panels.

use arrow::array::RecordBatch;
use proptest::prelude::*;

use super::fixture::{Fixture, ReviewRow, civil_rubric, run_all};

/// Civil sheets: points in tenths within each maximum, the optional item NA
/// one time in five, veto items 0 or 2 (mostly 2).
fn sheet() -> impl Strategy<Value = Sheet> {
    (
        0..=400u32,
        prop::option::weighted(0.8, 0..=200u32),
        0..=360u32,
        prop::bool::weighted(0.85),
        prop::bool::weighted(0.85),
    )
        .prop_map(|(a1, a2, b1, v2, v1)| {
            let veto = |ok: bool| Some(if ok { 2.0 } else { 0.0 });
            vec![
                Some(f64::from(a1) / 10.0),
                a2.map(|x| f64::from(x) / 10.0),
                Some(f64::from(b1) / 10.0),
                veto(v2),
                veto(v1),
            ]
        })
}

/// A review sheet: points in rubric order, `None` = not applicable.
type Sheet = Vec<Option<f64>>;
/// The reviews of one case.
type Panel = Vec<Sheet>;

/// One to four cases, each with one to five reviews.
fn panels() -> impl Strategy<Value = Vec<Panel>> {
    prop::collection::vec(prop::collection::vec(sheet(), 1..=5), 1..=4)
}

fn fixture_of(panels: &[Panel]) -> Fixture {
    let mut fx = Fixture::new();
    for (c, panel) in panels.iter().enumerate() {
        let case = format!("P{c}");
        fx = fx.case(&case, "civil", "L1", "2024-09-30");
        for (r, sheet) in panel.iter().enumerate() {
            fx = fx.review_points(
                &format!("{case}-{r}"),
                &case,
                &format!("E{r}"),
                sheet.clone(),
                None,
            );
        }
    }
    fx
}

/// The spec's total, summed in rubric order like the SQL.
/// The spec's total with the sums exact, as `int_review_totals` does them:
/// in units of 1e-18 (decimals with 18 places), converted once at the end.
fn reference_total(sheet: &[Option<f64>]) -> f64 {
    const SCALE: f64 = 1e18;
    let maxima: Vec<f64> = civil_rubric().items.iter().map(|i| i.max).collect();
    let (mut points, mut max) = (0i128, 0i128);
    for (p, m) in sheet.iter().zip(maxima) {
        if let Some(p) = p {
            points += (p * SCALE).round() as i128;
            max += (m * SCALE).round() as i128;
        }
    }
    100.0 * (points as f64 / SCALE) / (max as f64 / SCALE)
}

fn reference_median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Panels with a permutation of their long-form review rows.
fn panels_and_permutation() -> impl Strategy<Value = (Vec<Panel>, Vec<usize>)> {
    panels().prop_flat_map(|p| {
        let n_rows = fixture_of(&p).review_rows().len();
        (
            Just(p),
            Just((0..n_rows).collect::<Vec<_>>()).prop_shuffle(),
        )
    })
}

proptest! {
    // A few dozen cases each (every case runs the whole chain); failures are
    // reported with their shrunk input rather than persisted to a file.
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Reordering the rows of `reviews` changes nothing, to the last bit.
    #[test]
    fn case_scores_do_not_depend_on_row_order((panels, permutation) in panels_and_permutation()) {
        let fx = fixture_of(&panels);
        let rows = fx.review_rows();
        let shuffled: Vec<ReviewRow> = permutation.iter().map(|&i| rows[i].clone()).collect();
        let rt = runtime();
        let (a, b) = rt.block_on(async {
            (
                run_all(&fx.session_with_rows(&rows)).await,
                run_all(&fx.session_with_rows(&shuffled)).await,
            )
        });
        for name in ["int_review_totals", "int_case_veto_items", "mart_case_scores"] {
            let (x, y) = (a.table(name).0, b.table(name).0);
            // The veto items are unordered (their readers aggregate them).
            let (x, y) = match name {
                "int_case_veto_items" => (by_case_and_item(&x), by_case_and_item(&y)),
                _ => (x, y),
            };
            // source_order is the input order itself: the one column that moves.
            let keep: Vec<usize> = (0..x.num_columns())
                .filter(|&i| x.schema().field(i).name() != "source_order")
                .collect();
            prop_assert_eq!(x.project(&keep).unwrap(), y.project(&keep).unwrap(), "{} differs", name);
        }
    }

    /// score lies within [score_min, score_max], is the median of the
    /// reference totals, and with one reviewer is that reviewer's total.
    #[test]
    fn case_score_is_the_median_of_the_totals(panels in panels()) {
        let fx = fixture_of(&panels);
        let out = runtime().block_on(fx.run());
        let t = out.table("mart_case_scores");
        prop_assert_eq!(t.rows(), panels.len());
        for (c, panel) in panels.iter().enumerate() {
            let row = t.row_of("case_id", &format!("P{c}"));
            let score = t.f64s("score")[row].unwrap();
            let (lo, hi) = (t.f64s("score_min")[row].unwrap(), t.f64s("score_max")[row].unwrap());
            prop_assert!(lo <= score && score <= hi, "{lo} <= {score} <= {hi}");
            prop_assert!((0.0..=100.0).contains(&lo) && (0.0..=100.0).contains(&hi));
            prop_assert_eq!(t.i64s("n_reviews")[row], Some(panel.len() as i64));
            let totals: Vec<f64> = panel.iter().map(|s| reference_total(s)).collect();
            if panel.len() == 1 {
                prop_assert_eq!(score, totals[0]);
                prop_assert_eq!(lo, totals[0]);
                prop_assert_eq!(hi, totals[0]);
            }
            let median = reference_median(totals);
            prop_assert!((score - median).abs() <= 1e-9, "{score} vs {median}");
        }
    }

    /// Each score gets one band: the one with the largest lower bound
    /// <= score + 1e-9, found here by walking the bands (the SQL joins
    /// value ranges); a vetoed case gets the fail band for both grades.
    /// Totals move in steps small enough to land on the bounds 60, 80, 90.
    #[test]
    fn a_case_gets_the_band_of_its_score(panels in panels()) {
        let fx = fixture_of(&panels);
        let out = runtime().block_on(fx.run());
        let t = out.table("mart_case_scores");
        prop_assert_eq!(t.rows(), panels.len());
        let mut bands = civil_rubric().bands;
        bands.sort_by(|a, b| b.lower.total_cmp(&a.lower));
        let band_of = |value: f64| {
            bands.iter().find(|b| b.lower <= value + 1e-9).map(|b| b.code.to_string())
        };
        let fail = bands.iter().find(|b| b.is_fail).map(|b| b.code.to_string());
        for row in 0..t.rows() {
            let vetoed = t.bools("veto")[row].unwrap();
            let (score, adjusted) = (t.f64s("score")[row].unwrap(), t.f64s("adjusted_score")[row].unwrap());
            let (grade, adjusted_grade) = if vetoed {
                (fail.clone(), fail.clone())
            } else {
                (band_of(score), band_of(adjusted))
            };
            prop_assert_eq!(t.strs("grade")[row].clone(), grade, "score {}", score);
            prop_assert_eq!(t.strs("adjusted_grade")[row].clone(), adjusted_grade, "adjusted {}", adjusted);
        }
    }

    /// A case is vetoed, on exactly the items listed, when the median of a
    /// veto item's points is 0: the spec's rule, taken here from the points
    /// themselves (the SQL counts the zeros instead).
    #[test]
    fn a_case_is_vetoed_on_the_items_whose_median_is_zero(panels in panels()) {
        let fx = fixture_of(&panels);
        let out = runtime().block_on(fx.run());
        let t = out.table("mart_case_scores");
        let items = civil_rubric().items;
        for (c, panel) in panels.iter().enumerate() {
            let row = t.row_of("case_id", &format!("P{c}"));
            let failed: Vec<&str> = items
                .iter()
                .enumerate()
                .filter(|(i, item)| {
                    item.veto
                        && reference_median(panel.iter().filter_map(|s| s[*i]).collect()) <= 1e-9
                })
                .map(|(_, item)| item.code)
                .collect();
            prop_assert_eq!(t.bools("veto")[row], Some(!failed.is_empty()));
            prop_assert_eq!(t.strs("veto_items")[row].clone(), Some(failed.join(";")));
        }
    }

    /// Reviewers who always agree have alpha 1.
    #[test]
    fn alpha_is_one_for_identical_reviewers(
        panels in prop::collection::vec((sheet(), 2..=4usize), 5..=8)
    ) {
        let totals: Vec<f64> = panels.iter().map(|(s, _)| reference_total(s)).collect();
        prop_assume!(totals.iter().any(|t| (t - totals[0]).abs() > 1e-6));
        let identical: Vec<Panel> =
            panels.iter().map(|(s, m)| vec![s.clone(); *m]).collect();
        let out = runtime().block_on(fixture_of(&identical).run());
        let t = out.table("mart_panel_agreement");
        prop_assert_eq!(t.i64s("n_cases"), vec![Some(panels.len() as i64)]);
        let alpha = t.f64s("alpha")[0].unwrap();
        prop_assert!((alpha - 1.0).abs() <= 1e-9, "alpha = {alpha}");
    }
}

/// The rows of `int_case_veto_items` by case and item.
fn by_case_and_item(batch: &RecordBatch) -> RecordBatch {
    use arrow::compute::{SortColumn, lexsort_to_indices, take_record_batch};
    let column = |name: &str| SortColumn {
        values: batch
            .column_by_name(name)
            .expect("a veto item column")
            .clone(),
        options: None,
    };
    let order = lexsort_to_indices(&[column("case_id"), column("position")], None)
        .expect("sortable columns");
    take_record_batch(batch, &order).expect("indices of the batch")
}
