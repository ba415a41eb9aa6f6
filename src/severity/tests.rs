//! The fit against published and independently solved designs.

use proptest::prelude::*;

use super::*;

/// Shrout & Fleiss (1979), table 2: 6 cases (rows) × 4 judges (columns).
const SHROUT_FLEISS: [[f64; 4]; 6] = [
    [9.0, 2.0, 5.0, 8.0],
    [6.0, 1.0, 3.0, 2.0],
    [8.0, 4.0, 6.0, 8.0],
    [7.0, 1.0, 2.0, 6.0],
    [10.0, 5.0, 6.0, 9.0],
    [6.0, 2.0, 4.0, 7.0],
];

fn ids(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}{i}")).collect()
}

/// A design from (case index, reviewer index, total), ids `C1…`, `J1…`.
fn design_of(triples: &[(usize, usize, f64)]) -> Design {
    let cases = ids("C", 20);
    let judges = ids("J", 9);
    Design::new(
        "civil",
        triples
            .iter()
            .map(|&(c, j, y)| (cases[c].as_str(), judges[j].as_str(), y)),
    )
}

fn shrout_fleiss() -> Design {
    let mut triples = Vec::new();
    for (c, row) in SHROUT_FLEISS.iter().enumerate() {
        for (j, &y) in row.iter().enumerate() {
            triples.push((c, j, y));
        }
    }
    design_of(&triples)
}

fn assert_close(found: f64, expected: f64, what: &str) {
    assert!(
        (found - expected).abs() < 1e-9,
        "{what}: found {found}, expected {expected}"
    );
}

#[test]
fn shrout_fleiss_fixed_effects() {
    let design = shrout_fleiss();
    let fit = fit(&design, 0.0).unwrap();
    assert_close(fit.mu, 5.291_666_666_666_667, "μ");
    let severities = [
        2.375,
        -2.791_666_666_666_667,
        -0.958_333_333_333_333_3,
        1.375,
    ];
    for (j, expected) in severities.iter().enumerate() {
        assert_close(fit.severity[j], *expected, &format!("judge J{}", j + 1));
    }
    let case_means = [6.0, 3.0, 6.5, 4.0, 7.5, 4.75];
    for (c, expected) in case_means.iter().enumerate() {
        assert_close(
            fit.mu + fit.case_effect[c],
            *expected,
            &format!("case C{}", c + 1),
        );
    }
    assert_eq!(fit.components, 1);
    assert!(fit.estimable.iter().all(|e| *e));
}

#[test]
fn shrout_fleiss_shrunk_by_the_prior() {
    let design = shrout_fleiss();
    let fixed = fit(&design, 0.0).unwrap();
    let shrunk = fit(&design, 10.0).unwrap();
    for j in 0..4 {
        assert_close(
            shrunk.severity[j],
            fixed.severity[j] * 6.0 / 16.0,
            &format!("judge J{}", j + 1),
        );
    }
    // se = σ_e / sqrt(n_j + k_b), σ_e² the mean squared residual.
    let residual: f64 = (0..design.len())
        .map(|r| {
            let (c, j) = (design.case[r] as usize, design.reviewer[r] as usize);
            (design.y[r] - shrunk.mu - shrunk.case_effect[c] - shrunk.severity[j]).powi(2)
        })
        .sum::<f64>()
        / design.len() as f64;
    assert_close(shrunk.severity_se[0], residual.sqrt() / 16f64.sqrt(), "se");
}

/// Solves `m x = v` by Gaussian elimination with partial pivoting.
fn solve(mut m: Vec<Vec<f64>>, mut v: Vec<f64>) -> Vec<f64> {
    let n = v.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
            .unwrap();
        m.swap(col, pivot);
        v.swap(col, pivot);
        assert!(m[col][col].abs() > 1e-12, "singular system");
        let pivot_row = m[col].clone();
        for row in col + 1..n {
            let f = m[row][col] / pivot_row[col];
            for (x, p) in m[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            v[row] -= f * v[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| m[row][k] * x[k]).sum();
        x[row] = (v[row] - s) / m[row][row];
    }
    x
}

/// The exact least-squares solution for (a, b) by the normal equations of
/// Σ (y − μ − a_c − b_j)² + k_b Σ b_j², with, when `k_b = 0`, the constraint
/// Σ_j n_j b_j = 0 through a Lagrange multiplier.
fn normal_equations(
    triples: &[(usize, usize, f64)],
    cases: usize,
    judges: usize,
    k_b: f64,
) -> (Vec<f64>, Vec<f64>) {
    let mu = triples.iter().map(|t| t.2).sum::<f64>() / triples.len() as f64;
    let constrained = k_b == 0.0;
    let n = cases + judges + usize::from(constrained);
    let mut m = vec![vec![0.0; n]; n];
    let mut v = vec![0.0; n];
    for &(c, j, y) in triples {
        let (ia, ib) = (c, cases + j);
        let r = y - mu;
        m[ia][ia] += 1.0;
        m[ia][ib] += 1.0;
        m[ib][ia] += 1.0;
        m[ib][ib] += 1.0;
        v[ia] += r;
        v[ib] += r;
        if constrained {
            m[n - 1][ib] += 1.0;
            m[ib][n - 1] += 1.0;
        }
    }
    for j in 0..judges {
        m[cases + j][cases + j] += k_b;
    }
    let x = solve(m, v);
    (x[..cases].to_vec(), x[cases..cases + judges].to_vec())
}

/// 8 cases, each scored by 3 of 4 reviewers (case c misses reviewer c mod 4),
/// totals with no pattern a model could fit exactly.
fn unbalanced() -> Vec<(usize, usize, f64)> {
    let mut triples = Vec::new();
    for c in 0..8 {
        for j in 0..4 {
            if j == c % 4 {
                continue;
            }
            let y = 40.0 + 5.0 * c as f64 + [-6.0, 2.5, 0.0, 4.0][j] + ((c * 7 + j * 3) % 5) as f64;
            triples.push((c, j, y));
        }
    }
    triples
}

#[test]
fn unbalanced_design_matches_the_normal_equations() {
    let triples = unbalanced();
    for k_b in [0.0, 10.0, 2.5] {
        let fitted = fit(&design_of(&triples), k_b).unwrap();
        let (a, b) = normal_equations(&triples, 8, 4, k_b);
        assert_eq!((a.len(), b.len()), (8, 4));
        for (c, (found, exact)) in fitted.case_effect.iter().zip(&a).enumerate() {
            assert!(
                (found - exact).abs() < 1e-8,
                "k_b {k_b}, case {c}: {found} vs {exact}"
            );
        }
        for (j, (found, exact)) in fitted.severity.iter().zip(&b).enumerate() {
            assert!(
                (found - exact).abs() < 1e-8,
                "k_b {k_b}, reviewer {j}: {found} vs {exact}"
            );
        }
        assert!(fitted.sweeps < MAX_SWEEPS);
    }
}

#[test]
fn two_components_are_centred_apart_and_a_lone_reviewer_is_not_estimable() {
    // J1, J2 share cases C1–C3; J3, J4 share C4–C6; J5 alone on C7, C8.
    let mut triples = Vec::new();
    for c in 0..3 {
        triples.push((c, 0, 60.0 + c as f64));
        triples.push((c, 1, 70.0 + c as f64));
    }
    for c in 3..6 {
        triples.push((c, 2, 50.0));
        triples.push((c, 3, 54.0 + (c % 2) as f64));
    }
    triples.push((6, 4, 20.0));
    triples.push((7, 4, 95.0));
    let design = design_of(&triples);
    let fitted = fit(&design, 0.0).unwrap();
    assert_eq!(fitted.components, 3);
    assert_eq!(fitted.component, vec![1, 1, 2, 2, 3]);
    assert_eq!(fitted.estimable, vec![true, true, true, true, false]);
    assert_close(fitted.severity[0], -5.0, "J1");
    assert_close(fitted.severity[1], 5.0, "J2");
    // Centred per component: each component's review-weighted mean is 0.
    assert_close(fitted.severity[2] + fitted.severity[3], 0.0, "J3 + J4");
    assert_eq!(fitted.severity[4], 0.0);
    // With the prior the lone reviewer still gets 0.
    let shrunk = fit(&design, 10.0).unwrap();
    assert_eq!(shrunk.severity[4], 0.0);
    assert!(!shrunk.estimable[4]);
}

#[test]
fn components_are_numbered_by_their_smallest_reviewer_id() {
    // Reviewer ids sort as B < Z < a: the component of `B` comes first.
    let design = Design::new(
        "criminal",
        [("c1", "Z", 1.0), ("c1", "a", 2.0), ("c2", "B", 3.0)],
    );
    let (component, n, alone) = components(&design);
    assert_eq!(design.reviewer_ids, ["B", "Z", "a"]);
    assert_eq!(
        (component, n, alone),
        (vec![1, 2, 2], 2, vec![true, false, false])
    );
}

#[test]
fn an_empty_design_fits_nothing() {
    let fitted = fit(&Design::new("civil", []), 10.0).unwrap();
    assert!(fitted.severity.is_empty());
    assert_eq!(fitted.components, 0);
}

#[test]
fn rows_carry_the_fit_by_reviewer_id() {
    let design = shrout_fleiss();
    let fitted = fit(&design, 10.0).unwrap();
    let rows = rows_of(&design, &fitted);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1].reviewer_id, "J2");
    assert_eq!(rows[1].n_reviews, 6);
    assert_eq!(rows[1].component, 1);
    assert_close(rows[1].severity, -2.791_666_666_666_667 * 6.0 / 16.0, "J2");
    let batch = batch(&rows).unwrap();
    assert_eq!(batch.num_rows(), 4);
    assert_eq!(batch.schema(), schema());
}

proptest! {
    /// The fit reads its reviews sorted by id: any input order gives the
    /// same values, bit for bit.
    #[test]
    fn the_fit_does_not_depend_on_input_order(seed in any::<u64>()) {
        let triples = unbalanced();
        let mut shuffled = triples.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let a = fit(&design_of(&triples), 10.0).unwrap();
        let b = fit(&design_of(&shuffled), 10.0).unwrap();
        prop_assert_eq!(a, b);
    }
}

#[test]
fn fit_all_fits_each_case_type_apart_and_warns_when_one_splits() {
    let row = |t: &str, c: &str, j: &str, y: f64| SeverityInputRow {
        case_type: t.into(),
        case_id: c.into(),
        reviewer_id: j.into(),
        total: y,
    };
    let rows = vec![
        row("civil", "C1", "J1", 70.0),
        row("civil", "C1", "J2", 80.0),
        row("civil", "C2", "J3", 60.0),
        row("criminal", "K1", "J1", 50.0),
        row("criminal", "K1", "J2", 50.0),
    ];
    let (table, fits) = fit_all(rows, 0.0).unwrap();
    assert_eq!(table.len(), 5);
    assert_eq!(
        fits.iter()
            .map(|f| (f.case_type.as_str(), f.components))
            .collect::<Vec<_>>(),
        [("civil", 2), ("criminal", 1)]
    );
    // J1 is harsh in civil and neutral in criminal: one severity per type.
    let j1: Vec<f64> = table
        .iter()
        .filter(|r| r.reviewer_id == "J1")
        .map(|r| r.severity)
        .collect();
    assert_close(j1[0], -5.0, "J1 civil");
    assert_close(j1[1], 0.0, "J1 criminal");
    let warning = fits[0].split_warning().unwrap();
    assert!(
        warning.contains("civil") && warning.contains("2 groups"),
        "{warning}"
    );
    assert_eq!(fits[1].split_warning(), None);
}

#[test]
fn the_split_warning_points_to_the_panel_section_by_its_anchor() {
    let fit = FitSummary {
        case_type: "civil".into(),
        reviews: 40,
        cases: 12,
        reviewers: 6,
        components: 2,
        sweeps: 3,
        elapsed: std::time::Duration::ZERO,
    };
    let warning = fit.split_warning().unwrap();
    assert!(
        warning.contains("internal/panel.html#adjustment"),
        "{warning}"
    );
    // The run summary is English; a Chinese heading would not match an
    // English page.
    assert!(warning.is_ascii(), "{warning}");
    let joined = FitSummary {
        components: 1,
        ..fit
    };
    assert_eq!(joined.split_warning(), None);
}
