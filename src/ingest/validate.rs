//! The table rules of the data contract that go beyond one cell: unique keys
//! (first row wins), foreign keys against the accepted rows of earlier tables,
//! date order, and the whole-review rules (a review is accepted or rejected as
//! a whole; superseded reviews are counted, not rejected).

use std::collections::{HashMap, HashSet};

use super::batch::{BatchBuilder, Value};
use super::reasons::{self, Reason};
use super::schema::Table;
use super::value::{date32, from_date32};
use super::{Row, Sink};
use crate::plan::Plan;
use crate::rubric::CaseType;

/// A law firm as conflict-of-interest checks see it (shared with the
/// reviewer assignment of `legalaid sample`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Party {
    law_firm: Option<String>,
    firm_id: Option<String>,
}

impl Party {
    fn from(law_firm: &Value, firm_id: &Value) -> Party {
        Party::new(law_firm.text(), firm_id.text())
    }

    /// A party from its firm name and firm id as read (empty means none).
    pub(crate) fn new(law_firm: Option<&str>, firm_id: Option<&str>) -> Party {
        let clean = |s: Option<&str>| {
            s.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        Party {
            law_firm: clean(law_firm),
            firm_id: clean(firm_id),
        }
    }

    /// The firm's name, trimmed, if any.
    pub(crate) fn law_firm(&self) -> Option<&str> {
        self.law_firm.as_deref()
    }

    /// Same firm: by `firm_id` when both sides have one, else by the trimmed
    /// firm name.
    pub(crate) fn same_firm(&self, other: &Party) -> bool {
        match (&self.firm_id, &other.firm_id) {
            (Some(a), Some(b)) => a == b,
            _ => matches!((&self.law_firm, &other.law_firm), (Some(a), Some(b)) if a == b),
        }
    }
}

struct CaseRef {
    case_type: CaseType,
    lawyer_id: String,
    closed_on: i32,
    in_period: bool,
}

/// A review row held until its whole review has been read. A row that could
/// not even be parsed is held too, so its review is rejected with it.
struct PendingReview {
    row: Row,
    review_id: String,
    values: Vec<Value>,
    problem: Option<(Reason, String)>,
}

pub(crate) struct Checker<'p> {
    plan: &'p Plan,
    as_of: i32,
    period: (i32, i32),
    lawyers: HashMap<String, Party>,
    reviewers: HashMap<String, Party>,
    cases: HashMap<String, CaseRef>,
    /// Keys seen so far in the current table without a lookup map.
    keys: HashSet<String>,
    reviews: Vec<PendingReview>,
}

type Problem = (Reason, String);

fn text(values: &[Value], i: usize) -> &str {
    values.get(i).and_then(Value::text).unwrap_or("")
}

impl<'p> Checker<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        Checker {
            plan,
            as_of: date32(plan.as_of),
            period: (date32(plan.period_start), date32(plan.period_end)),
            lawyers: HashMap::new(),
            reviewers: HashMap::new(),
            cases: HashMap::new(),
            keys: HashSet::new(),
            reviews: Vec::new(),
        }
    }

    /// Checks one row (already parsed, or with the reason it could not be);
    /// accepts it into `builder` or rejects it.
    pub fn check(
        &mut self,
        table: Table,
        row: Row,
        parsed: Result<Vec<Value>, Problem>,
        sink: &mut Sink,
        builder: &mut BatchBuilder,
    ) {
        if table == Table::Reviews {
            let review_id = row.cells[0].trim().to_string();
            let (values, problem) = match parsed {
                Ok(values) => {
                    let problem = self.review_row(&values).err();
                    (values, problem)
                }
                Err(problem) => (Vec::new(), Some(problem)),
            };
            self.reviews.push(PendingReview {
                row,
                review_id,
                values,
                problem,
            });
            return;
        }
        let values = match parsed {
            Ok(values) => values,
            Err((reason, detail)) => return sink.reject(&row, reason, detail),
        };
        let outcome = match table {
            Table::Lawyers => self.lawyer(&values),
            Table::Cases => self.case(&values, sink),
            Table::Reviewers => self.reviewer(&values),
            Table::Reviews => unreachable!("held above"),
            Table::Complaints => self.complaint(&values),
            Table::Sanctions => self.sanction(&values),
            Table::Feedback => self.feedback(&values, sink),
        };
        match outcome {
            Ok(()) => {
                sink.accept(row.file);
                builder.push(&values);
            }
            Err((reason, detail)) => sink.reject(&row, reason, detail),
        }
    }

    /// Work that needs the whole table: the whole-review rules.
    pub fn finish_table(&mut self, table: Table, sink: &mut Sink, builder: &mut BatchBuilder) {
        self.keys.clear();
        if table == Table::Reviews {
            let pending = std::mem::take(&mut self.reviews);
            self.finish_reviews(pending, sink, builder);
        }
    }

    fn unique(&mut self, key: &str, column: &str, exists: bool) -> Result<(), Problem> {
        if exists || !self.keys.insert(key.to_string()) {
            return Err((
                reasons::DUPLICATE_KEY,
                format!(
                    "{column} `{key}` already appeared in an earlier row; the first row is kept"
                ),
            ));
        }
        Ok(())
    }

    fn lawyer(&mut self, v: &[Value]) -> Result<(), Problem> {
        let id = text(v, 0);
        self.unique(id, "lawyer_id", self.lawyers.contains_key(id))?;
        let licensed = v[6].date().expect("required date");
        if licensed > self.as_of {
            return Err((
                reasons::LICENSED_AFTER_AS_OF,
                format!(
                    "licensed_on {} is after the as-of date {}",
                    from_date32(licensed),
                    self.plan.as_of
                ),
            ));
        }
        self.lawyers
            .insert(id.to_string(), Party::from(&v[3], &v[4]));
        Ok(())
    }

    fn case(&mut self, v: &[Value], sink: &mut Sink) -> Result<(), Problem> {
        let id = text(v, 0);
        self.unique(id, "case_id", self.cases.contains_key(id))?;
        let lawyer = text(v, 3);
        self.known_lawyer(lawyer)?;
        let (assigned, closed) = (
            v[6].date().expect("required"),
            v[7].date().expect("required"),
        );
        if closed < assigned {
            return Err(order("closed_on", closed, "assigned_on", assigned));
        }
        if let Some(archived) = v[8].date()
            && archived < closed
        {
            return Err(order("archived_on", archived, "closed_on", closed));
        }
        let case_type = CaseType::parse(text(v, 1)).expect("enum parsed");
        let in_period = self.period.0 <= closed && closed <= self.period.1;
        if !in_period {
            sink.count_out_of_period();
        }
        self.cases.insert(
            id.to_string(),
            CaseRef {
                case_type,
                lawyer_id: lawyer.to_string(),
                closed_on: closed,
                in_period,
            },
        );
        Ok(())
    }

    fn reviewer(&mut self, v: &[Value]) -> Result<(), Problem> {
        let id = text(v, 0);
        self.unique(id, "reviewer_id", self.reviewers.contains_key(id))?;
        self.reviewers
            .insert(id.to_string(), Party::from(&v[3], &v[4]));
        Ok(())
    }

    fn complaint(&mut self, v: &[Value]) -> Result<(), Problem> {
        self.unique(text(v, 0), "complaint_id", false)?;
        self.known_lawyer(text(v, 1))?;
        if let Some(case) = v[2].text() {
            self.known_case(case)?;
        }
        let received = v[3].date().expect("required");
        match (text(v, 5), v[6].date()) {
            ("pending", _) => {}
            (outcome, None) => {
                return Err((
                    reasons::MISSING_DECISION,
                    format!(
                        "outcome is `{outcome}` but decided_on is empty; only a pending complaint may lack it"
                    ),
                ));
            }
            (_, Some(decided)) if decided < received => {
                return Err(order("decided_on", decided, "received_on", received));
            }
            _ => {}
        }
        Ok(())
    }

    fn sanction(&mut self, v: &[Value]) -> Result<(), Problem> {
        self.unique(text(v, 0), "sanction_id", false)?;
        self.known_lawyer(text(v, 1))?;
        let decided = v[4].date().expect("required");
        if let Some(ends) = v[5].date()
            && ends < decided
        {
            return Err(order("ends_on", ends, "decided_on", decided));
        }
        Ok(())
    }

    fn feedback(&mut self, v: &[Value], sink: &mut Sink) -> Result<(), Problem> {
        let case = self.known_case(text(v, 0))?;
        if !case.in_period {
            sink.count_out_of_period();
        }
        Ok(())
    }

    fn known_lawyer(&self, id: &str) -> Result<(), Problem> {
        if self.lawyers.contains_key(id) {
            Ok(())
        } else {
            Err(unknown("lawyer_id", id, "lawyers"))
        }
    }

    fn known_case(&self, id: &str) -> Result<&CaseRef, Problem> {
        self.cases
            .get(id)
            .ok_or_else(|| unknown("case_id", id, "cases"))
    }

    /// The rules one review row can break on its own.
    fn review_row(&self, v: &[Value]) -> Result<(), Problem> {
        let case = self.known_case(text(v, 1))?;
        if !self.reviewers.contains_key(text(v, 2)) {
            return Err(unknown("reviewer_id", text(v, 2), "reviewers"));
        }
        let reviewed = v[3].date().expect("required");
        if reviewed < case.closed_on {
            return Err(order(
                "reviewed_on",
                reviewed,
                "the case's closed_on",
                case.closed_on,
            ));
        }
        let rubric = self.plan.rubric(case.case_type);
        let code = text(v, 4);
        let item = rubric.item(code).ok_or_else(|| {
            (
                reasons::UNKNOWN_ITEM,
                format!(
                    "item `{code}` is not in the {} rubric {}",
                    case.case_type.code(),
                    rubric.version
                ),
            )
        })?;
        match v[5].num() {
            None if !item.optional => Err((
                reasons::NOT_APPLICABLE_NOT_ALLOWED,
                format!("item {code} is marked not applicable but is not optional"),
            )),
            None => Ok(()),
            Some(p) if !(0.0..=item.max_points + 1e-9).contains(&p) => Err((
                reasons::OUT_OF_RANGE,
                format!(
                    "points {p} for item {code}; expected 0 … {}",
                    item.max_points
                ),
            )),
            Some(p) if item.veto && p.abs() > 1e-9 && (p - item.max_points).abs() > 1e-9 => Err((
                reasons::VETO_NOT_BINARY,
                format!(
                    "points {p} for veto item {code}; expected 0 or {}",
                    item.max_points
                ),
            )),
            Some(_) => Ok(()),
        }
    }

    fn finish_reviews(
        &self,
        mut rows: Vec<PendingReview>,
        sink: &mut Sink,
        builder: &mut BatchBuilder,
    ) {
        // Review ids in order of first appearance, with their rows.
        let mut order: Vec<String> = Vec::new();
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            let id = r.review_id.clone();
            groups
                .entry(id.clone())
                .or_insert_with(|| {
                    order.push(id);
                    Vec::new()
                })
                .push(i);
        }

        let mut verdicts: HashMap<&str, Option<Problem>> = HashMap::new();
        for id in &order {
            verdicts.insert(id, self.whole_review(id, &groups[id], &rows));
        }

        // Supersedes must name other reviews of the same case that were read.
        // From the cells as read: a rejected target may not have parsed.
        let case_of = |id: &str| rows[groups[id][0]].row.cells[1].trim().to_string();
        let mut bad_supersedes: HashMap<&str, Problem> = HashMap::new();
        let mut superseded: HashSet<&str> = HashSet::new();
        for id in &order {
            if verdicts[id.as_str()].is_some() {
                continue;
            }
            let case = case_of(id);
            for target in supersedes_of(&rows, &groups[id]) {
                let problem = if target == *id {
                    Some(format!("review {id} names itself in supersedes"))
                } else if !groups.contains_key(&target) {
                    Some(format!(
                        "review {id} supersedes `{target}`, which is not among the reviews read"
                    ))
                } else if case_of(&target) != case {
                    Some(format!(
                        "review {id} supersedes `{target}`, a review of another case"
                    ))
                } else {
                    None
                };
                match problem {
                    Some(p) => {
                        bad_supersedes.insert(id, (reasons::BAD_SUPERSEDES, p));
                    }
                    None => {
                        superseded.insert(groups.get_key_value(&target).expect("checked").0);
                    }
                }
            }
        }
        for (id, p) in bad_supersedes {
            verdicts.insert(id, Some(p));
        }
        // Retract supersessions claimed by reviews that were themselves rejected.
        superseded.retain(|target| {
            order.iter().any(|id| {
                verdicts[id.as_str()].is_none()
                    && supersedes_of(&rows, &groups[id])
                        .iter()
                        .any(|t| t == target)
            })
        });

        // Two live reviews of one case by one reviewer: the later is rejected.
        let mut live: HashMap<(String, String), Vec<&str>> = HashMap::new();
        for id in &order {
            if verdicts[id.as_str()].is_none() && !superseded.contains(id.as_str()) {
                let first = &rows[groups[id][0]].values;
                live.entry((text(first, 1).to_string(), text(first, 2).to_string()))
                    .or_default()
                    .push(id);
            }
        }
        let mut duplicates: Vec<(&str, Problem)> = Vec::new();
        for ((case, reviewer), mut ids) in live {
            if ids.len() < 2 {
                continue;
            }
            ids.sort_by_key(|id| (rows[groups[*id][0]].values[3].date(), groups[*id][0]));
            for later in &ids[1..] {
                duplicates.push((
                    later,
                    (
                        reasons::DUPLICATE_REVIEW,
                        format!(
                            "reviewer {reviewer} already has live review {} of case {case}",
                            ids[0]
                        ),
                    ),
                ));
            }
        }
        for (id, p) in duplicates {
            verdicts.insert(id, Some(p));
        }

        // Emit every row in input order.
        let verdicts: HashMap<String, Option<Problem>> = verdicts
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let superseded: HashSet<String> = superseded.into_iter().map(str::to_string).collect();
        for (position, pending) in rows.iter_mut().enumerate() {
            let id = &pending.review_id;
            let problem = pending.problem.take().or_else(|| verdicts[id].clone());
            match problem {
                Some((reason, detail)) => sink.reject(&pending.row, reason, detail),
                None => {
                    sink.accept(pending.row.file);
                    if superseded.contains(id) {
                        sink.count_superseded();
                    }
                    if !self.cases[text(&pending.values, 1)].in_period {
                        sink.count_out_of_period();
                    }
                    let mut values = std::mem::take(&mut pending.values);
                    values.push(Value::Int(position as i64));
                    builder.push(&values);
                }
            }
        }
    }

    /// The rules a review breaks as a whole, if any.
    fn whole_review(&self, id: &str, members: &[usize], rows: &[PendingReview]) -> Option<Problem> {
        if let Some(bad) = members.iter().find(|&&i| rows[i].problem.is_some()) {
            let (reason, _) = rows[*bad].problem.as_ref().expect("found");
            return Some((
                reasons::REVIEW_REJECTED,
                format!(
                    "row {} of review {id} was rejected ({})",
                    rows[*bad].row.row, reason.code
                ),
            ));
        }
        let first = &rows[members[0]].values;
        let (case_id, reviewer_id) = (text(first, 1), text(first, 2));
        for &i in members {
            let v = &rows[i].values;
            if text(v, 1) != case_id || text(v, 2) != reviewer_id {
                return Some((
                    reasons::MIXED_REVIEW,
                    format!(
                        "review {id} has rows for case {case_id} by {reviewer_id} and for case {} by {}",
                        text(v, 1),
                        text(v, 2)
                    ),
                ));
            }
        }
        let case = &self.cases[case_id];
        let rubric = self.plan.rubric(case.case_type);
        let mut seen: HashSet<&str> = HashSet::new();
        for &i in members {
            let item = text(&rows[i].values, 4);
            if !seen.insert(item) {
                return Some((
                    reasons::REPEATED_ITEM,
                    format!("review {id} has item {item} twice"),
                ));
            }
        }
        let missing: Vec<&str> = rubric
            .items
            .iter()
            .map(|it| it.code.as_str())
            .filter(|c| !seen.contains(c))
            .collect();
        if !missing.is_empty() {
            return Some((
                reasons::INCOMPLETE_REVIEW,
                format!(
                    "review {id} lacks {} of rubric {}",
                    missing.join(", "),
                    rubric.version
                ),
            ));
        }
        let lawyer = &self.lawyers[&case.lawyer_id];
        if self.reviewers[reviewer_id].same_firm(lawyer) {
            return Some((
                reasons::CONFLICT_OF_INTEREST,
                format!(
                    "reviewer {reviewer_id} is of the same law firm as lawyer {} of case {case_id}",
                    case.lawyer_id
                ),
            ));
        }
        None
    }
}

/// The review ids a review's `supersedes` cells name (`;`-separated).
fn supersedes_of(rows: &[PendingReview], members: &[usize]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for &i in members {
        if let Some(s) = rows[i].values[7].text() {
            for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                if !out.iter().any(|o| o == part) {
                    out.push(part.to_string());
                }
            }
        }
    }
    out
}

fn unknown(column: &str, id: &str, table: &str) -> Problem {
    (
        reasons::UNKNOWN_REFERENCE,
        format!("{column} `{id}` is not among the accepted rows of {table}"),
    )
}

fn order(later: &str, later_date: i32, earlier: &str, earlier_date: i32) -> Problem {
    (
        reasons::DATE_ORDER,
        format!(
            "{later} {} is before {earlier} {}",
            from_date32(later_date),
            from_date32(earlier_date)
        ),
    )
}
