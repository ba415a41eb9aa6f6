//! Reviewer severity: the additive rater model of `scoring.md`, "Reviewer
//! severity adjustment". Per case type, over the live reviews of the
//! period's cases (`mart_severity_input`), a review's total is modelled as
//! `y = μ + a_c + b_j + e` (case quality `a_c`, reviewer severity `b_j`) and
//! fitted by alternating updates with a ridge prior `k_b · Σ b_j²`
//! (`[scoring] severity_prior_reviews`). The fit is Rust, not SQL: a sweep is
//! two passes over three columnar arrays (case index, reviewer index, total),
//! which costs microseconds per thousand reviews, where one SQL round per
//! sweep would re-plan and re-join the reviews each time.
//!
//! The result, one row per (case type, reviewer), is registered in the
//! session as `int_reviewer_severity` ([`register`]); the SQL of
//! `mart_case_scores` turns it into adjusted totals, `adjusted_score`,
//! `adjusted_grade` and `severity_sensitive`, and `mart_reviewer_stats`
//! carries it to `reviewer_stats`. Everything is ordered by id before the fit,
//! so the result does not depend on the order of the input rows, bit for bit.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::{FieldRef, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use serde::{Deserialize, Serialize};
use serde_arrow::schema::{SchemaLike, TracingOptions};

use crate::marts::MartRow;
use crate::models::ModelResult;

/// The table the fit is registered as, read by the scoring SQL.
pub const TABLE: &str = "int_reviewer_severity";

/// Stop when no value moves by more than this in a sweep.
pub const TOLERANCE: f64 = 1e-10;
/// Give up (an error naming the case type) after this many sweeps.
pub const MAX_SWEEPS: usize = 10_000;

/// The fit did not settle.
#[derive(Debug, thiserror::Error)]
pub enum SeverityError {
    #[error(
        "reviewer severity of case type `{case_type}`: the fit did not converge in {sweeps} sweeps \
         (largest change still {delta:e}); check the reviews of this case type"
    )]
    NotConverged {
        case_type: String,
        sweeps: usize,
        delta: f64,
    },
    #[error("reviewer severity: {0}")]
    Table(String),
}

/// One live review with a total, as the fit reads it (`mart_severity_input`).
#[derive(Debug, Clone, Deserialize)]
pub struct SeverityInputRow {
    pub case_type: String,
    pub case_id: String,
    pub reviewer_id: String,
    pub total: f64,
}

impl MartRow for SeverityInputRow {
    const MODEL: &'static str = "mart_severity_input";
}

/// One reviewer's severity in one case type: the rows of
/// `int_reviewer_severity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewerSeverity {
    pub case_type: String,
    pub reviewer_id: String,
    /// The reviewer's live reviews (with a total) of this case type.
    pub n_reviews: i64,
    /// `b_j` in points; negative = harsh. 0 when not estimable.
    pub severity: f64,
    /// `σ_e / sqrt(n_j + k_b)`.
    pub severity_se: f64,
    /// Connected component of the case–reviewer graph of the case type,
    /// numbered from 1 in the order of each component's smallest reviewer id.
    pub component: i64,
    /// False for a reviewer alone in their component.
    pub severity_estimable: bool,
}

/// What the fit of one case type did, for the run summary and the panel
/// report.
#[derive(Debug, Clone, PartialEq)]
pub struct FitSummary {
    pub case_type: String,
    pub reviews: usize,
    pub cases: usize,
    pub reviewers: usize,
    pub components: usize,
    pub sweeps: usize,
    /// Wall time of building the design and fitting it.
    pub elapsed: std::time::Duration,
}

impl FitSummary {
    /// The run summary's warning when the case type's reviewers fall apart
    /// into several components (severities then compare only within each).
    pub fn split_warning(&self) -> Option<String> {
        (self.components > 1).then(|| {
            format!(
                "{}: the reviewers fall into {} groups that share no case; their severities \
                 compare only within a group (see internal/panel.html#adjustment)",
                self.case_type, self.components
            )
        })
    }
}

/// The reviews of one case type, as the fit reads them: cases and reviewers
/// by index (both sorted by id), reviews sorted by (case, reviewer).
#[derive(Debug, Clone, Default)]
pub struct Design {
    pub case_type: String,
    pub case_ids: Vec<String>,
    pub reviewer_ids: Vec<String>,
    pub case: Vec<u32>,
    pub reviewer: Vec<u32>,
    pub y: Vec<f64>,
}

impl Design {
    /// The design of `case_type` from (case id, reviewer id, total) triples
    /// in any order.
    pub fn new<'a>(
        case_type: &str,
        reviews: impl IntoIterator<Item = (&'a str, &'a str, f64)>,
    ) -> Design {
        let mut cases: HashMap<&str, u32> = HashMap::new();
        let mut reviewers: HashMap<&str, u32> = HashMap::new();
        let mut raw: Vec<(u32, u32, f64)> = Vec::new();
        for (c, j, y) in reviews {
            let next = cases.len() as u32;
            let c = *cases.entry(c).or_insert(next);
            let next = reviewers.len() as u32;
            let j = *reviewers.entry(j).or_insert(next);
            raw.push((c, j, y));
        }
        let (case_ids, case_rank) = ranked(cases);
        let (reviewer_ids, reviewer_rank) = ranked(reviewers);
        let mut triples: Vec<(u32, u32, f64)> = raw
            .into_iter()
            .map(|(c, j, y)| (case_rank[c as usize], reviewer_rank[j as usize], y))
            .collect();
        // Equal (case, reviewer) pairs cannot occur (ingest rejects a second
        // live review); `total_cmp` makes the order total anyway.
        triples.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.total_cmp(&b.2)));
        Design {
            case_type: case_type.to_string(),
            case_ids,
            reviewer_ids,
            case: triples.iter().map(|t| t.0).collect(),
            reviewer: triples.iter().map(|t| t.1).collect(),
            y: triples.iter().map(|t| t.2).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }
}

/// Ids sorted, and each first-seen index's rank in that order.
fn ranked(ids: HashMap<&str, u32>) -> (Vec<String>, Vec<u32>) {
    let mut sorted: Vec<(&str, u32)> = ids.into_iter().collect();
    sorted.sort_unstable();
    let mut rank = vec![0u32; sorted.len()];
    for (r, (_, first_seen)) in sorted.iter().enumerate() {
        rank[*first_seen as usize] = r as u32;
    }
    (
        sorted.into_iter().map(|(id, _)| id.to_string()).collect(),
        rank,
    )
}

/// The fitted model of one case type.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub mu: f64,
    /// `a_c` per case index.
    pub case_effect: Vec<f64>,
    /// `b_j` per reviewer index (0 for a reviewer alone in a component).
    pub severity: Vec<f64>,
    pub severity_se: Vec<f64>,
    pub n_reviews: Vec<usize>,
    /// Component per reviewer index, from 1.
    pub component: Vec<usize>,
    pub estimable: Vec<bool>,
    pub components: usize,
    pub sweeps: usize,
}

/// Fits `y = μ + a_c + b_j + e` to `design` with prior weight `k_b`
/// (`scoring.md`: alternating updates, μ fixed at the mean, centring per
/// component after each sweep when `k_b = 0`, stop at [`TOLERANCE`]).
pub fn fit(design: &Design, k_b: f64) -> Result<Fit, SeverityError> {
    let (n_cases, n_reviewers) = (design.case_ids.len(), design.reviewer_ids.len());
    let n = design.len();
    let mu = if n == 0 {
        0.0
    } else {
        design.y.iter().sum::<f64>() / n as f64
    };
    let mut per_case = vec![0usize; n_cases];
    let mut per_reviewer = vec![0usize; n_reviewers];
    for r in 0..n {
        per_case[design.case[r] as usize] += 1;
        per_reviewer[design.reviewer[r] as usize] += 1;
    }
    let (component, components, alone) = components(design);

    let mut a = vec![0.0; n_cases];
    let mut b = vec![0.0; n_reviewers];
    let mut sums_c = vec![0.0; n_cases];
    let mut sums_j = vec![0.0; n_reviewers];
    let mut sweeps = 0;
    let mut delta = f64::INFINITY;
    while delta > TOLERANCE {
        if sweeps == MAX_SWEEPS {
            return Err(SeverityError::NotConverged {
                case_type: design.case_type.clone(),
                sweeps,
                delta,
            });
        }
        sweeps += 1;
        delta = 0.0;
        sums_c.fill(0.0);
        for r in 0..n {
            sums_c[design.case[r] as usize] += design.y[r] - mu - b[design.reviewer[r] as usize];
        }
        for c in 0..n_cases {
            let next = sums_c[c] / per_case[c] as f64;
            delta = delta.max((next - a[c]).abs());
            a[c] = next;
        }
        sums_j.fill(0.0);
        for r in 0..n {
            sums_j[design.reviewer[r] as usize] += design.y[r] - mu - a[design.case[r] as usize];
        }
        let mut next_b: Vec<f64> = (0..n_reviewers)
            .map(|j| sums_j[j] / (per_reviewer[j] as f64 + k_b))
            .collect();
        if k_b == 0.0 {
            centre(&mut next_b, &per_reviewer, &component, components);
        }
        for j in 0..n_reviewers {
            delta = delta.max((next_b[j] - b[j]).abs());
        }
        b = next_b;
    }
    for (j, lone) in alone.iter().enumerate() {
        if *lone {
            b[j] = 0.0;
        }
    }
    let squared: f64 = (0..n)
        .map(|r| {
            let e = design.y[r] - mu - a[design.case[r] as usize] - b[design.reviewer[r] as usize];
            e * e
        })
        .sum();
    let sigma = if n == 0 {
        0.0
    } else {
        (squared / n as f64).sqrt()
    };
    let severity_se = per_reviewer
        .iter()
        .map(|&n_j| sigma / (n_j as f64 + k_b).sqrt())
        .collect();
    Ok(Fit {
        mu,
        case_effect: a,
        severity: b,
        severity_se,
        n_reviews: per_reviewer,
        component,
        estimable: alone.iter().map(|lone| !lone).collect(),
        components,
        sweeps,
    })
}

/// Shifts the severities of each component so that their mean over reviews
/// (each review one vote) is 0.
fn centre(b: &mut [f64], per_reviewer: &[usize], component: &[usize], components: usize) {
    let mut weighted = vec![0.0; components + 1];
    let mut votes = vec![0usize; components + 1];
    for j in 0..b.len() {
        weighted[component[j]] += b[j] * per_reviewer[j] as f64;
        votes[component[j]] += per_reviewer[j];
    }
    for j in 0..b.len() {
        let k = component[j];
        b[j] -= weighted[k] / votes[k] as f64;
    }
}

/// The connected components of the case–reviewer graph (union–find over
/// cases and reviewers, joined by each review): the component of each
/// reviewer, numbered from 1 in reviewer-id order of first appearance (so by
/// each component's smallest reviewer id), the number of components, and
/// which reviewers are alone in theirs.
pub fn components(design: &Design) -> (Vec<usize>, usize, Vec<bool>) {
    let n_cases = design.case_ids.len();
    let n_reviewers = design.reviewer_ids.len();
    let mut parent: Vec<usize> = (0..n_cases + n_reviewers).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for r in 0..design.len() {
        let c = find(&mut parent, design.case[r] as usize);
        let j = find(&mut parent, n_cases + design.reviewer[r] as usize);
        if c != j {
            parent[c.max(j)] = c.min(j);
        }
    }
    let mut number: HashMap<usize, usize> = HashMap::new();
    let mut members: Vec<usize> = Vec::new();
    let component: Vec<usize> = (0..n_reviewers)
        .map(|j| {
            let root = find(&mut parent, n_cases + j);
            let next = number.len() + 1;
            let k = *number.entry(root).or_insert(next);
            if k > members.len() {
                members.push(0);
            }
            members[k - 1] += 1;
            k
        })
        .collect();
    let alone = component.iter().map(|&k| members[k - 1] == 1).collect();
    (component, number.len(), alone)
}

/// The rows of `int_reviewer_severity` for one fitted case type.
pub fn rows_of(design: &Design, fit: &Fit) -> Vec<ReviewerSeverity> {
    (0..design.reviewer_ids.len())
        .map(|j| ReviewerSeverity {
            case_type: design.case_type.clone(),
            reviewer_id: design.reviewer_ids[j].clone(),
            n_reviews: fit.n_reviews[j] as i64,
            severity: fit.severity[j],
            severity_se: fit.severity_se[j],
            component: fit.component[j] as i64,
            severity_estimable: fit.estimable[j],
        })
        .collect()
}

/// Fits every case type of `rows` (in any order): the rows of
/// [`TABLE`], by case type and reviewer id, and what each fit did.
pub fn fit_all(
    rows: impl IntoIterator<Item = SeverityInputRow>,
    k_b: f64,
) -> Result<(Vec<ReviewerSeverity>, Vec<FitSummary>), SeverityError> {
    let mut by_type: std::collections::BTreeMap<String, Vec<SeverityInputRow>> =
        std::collections::BTreeMap::new();
    for row in rows {
        by_type.entry(row.case_type.clone()).or_default().push(row);
    }
    // The case types' fits share nothing: each on its own thread (at 1 M
    // cases the two large ones took about 0.3 s each, one after the other,
    // while the other core idled). Results are taken in case-type order.
    let fits = std::thread::scope(|scope| {
        let fitting: Vec<_> = by_type
            .iter()
            .map(|(case_type, rows)| scope.spawn(move || fit_one(case_type, rows, k_b)))
            .collect();
        fitting
            .into_iter()
            .map(|f| {
                f.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect::<Vec<_>>()
    });
    let mut table = Vec::new();
    let mut summaries = Vec::new();
    for fitted in fits {
        let (rows, summary) = fitted?;
        table.extend(rows);
        summaries.push(summary);
    }
    Ok((table, summaries))
}

/// One case type's fit: its rows of [`TABLE`] and what the fit did.
fn fit_one(
    case_type: &str,
    rows: &[SeverityInputRow],
    k_b: f64,
) -> Result<(Vec<ReviewerSeverity>, FitSummary), SeverityError> {
    let started = std::time::Instant::now();
    let design = Design::new(
        case_type,
        rows.iter()
            .map(|r| (r.case_id.as_str(), r.reviewer_id.as_str(), r.total)),
    );
    let fitted = fit(&design, k_b)?;
    let summary = FitSummary {
        case_type: case_type.to_string(),
        reviews: design.len(),
        cases: design.case_ids.len(),
        reviewers: design.reviewer_ids.len(),
        components: fitted.components,
        sweeps: fitted.sweeps,
        elapsed: started.elapsed(),
    };
    Ok((rows_of(&design, &fitted), summary))
}

/// Fits every case type of the run's `mart_severity_input` and registers the
/// result in `ctx` as [`TABLE`]; returns what each fit did, by case type.
pub fn fit_and_register(
    ctx: &SessionContext,
    results: &[ModelResult],
    k_b: f64,
) -> Result<Vec<FitSummary>, crate::Error> {
    let mut rows = Vec::new();
    for batch in crate::marts::stream::<SeverityInputRow>(results)? {
        rows.extend(batch?);
    }
    let (table, summaries) = fit_all(rows, k_b)?;
    register(ctx, &table)?;
    Ok(summaries)
}

fn fields() -> Vec<FieldRef> {
    Vec::<FieldRef>::from_type::<ReviewerSeverity>(TracingOptions::default())
        .expect("ReviewerSeverity is a flat struct")
}

/// The schema of [`TABLE`].
pub fn schema() -> SchemaRef {
    Arc::new(datafusion::arrow::datatypes::Schema::new(fields()))
}

/// `rows` as one record batch of [`schema`].
pub fn batch(rows: &[ReviewerSeverity]) -> Result<RecordBatch, SeverityError> {
    serde_arrow::to_record_batch(&fields(), &rows).map_err(|e| SeverityError::Table(e.to_string()))
}

/// Registers `rows` in `ctx` as [`TABLE`] (replacing an earlier one); with
/// no rows, an empty table of the same schema (the boundary check).
pub fn register(ctx: &SessionContext, rows: &[ReviewerSeverity]) -> Result<(), SeverityError> {
    let table_error = |e: datafusion::error::DataFusionError| SeverityError::Table(e.to_string());
    let batch = batch(rows)?;
    let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).map_err(table_error)?;
    ctx.deregister_table(TABLE).map_err(table_error)?;
    ctx.register_table(TABLE, Arc::new(table))
        .map_err(table_error)?;
    Ok(())
}

#[cfg(test)]
mod tests;
