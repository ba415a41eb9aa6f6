//! The review table's rules. A review row's own rules (its case, reviewer,
//! date, item and points) are checked as rows are read, on ingest's
//! reading thread ([`ReviewRowRules`]); a row that passes them is staged
//! as read, and its place held in input order ([`ReviewHold`]) until the
//! whole table was read, when the whole-review rules decide each review
//! (all its rows accepted or rejected together; superseded reviews
//! counted, not rejected) and `dropped_reviews` names those whose staged
//! rows take no part.

use std::rc::Rc;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int64Builder, StringBuilder};
use datafusion::arrow::record_batch::RecordBatch;

use super::{CaseRef, Checker, ItemRef, Parties, Problem, order, text, unknown};
use crate::ingest::batch::{BatchBuilder, Staged, Value};
use crate::ingest::fast_hash::{FastMap as HashMap, FastSet as HashSet, IdMap};
use crate::ingest::held::{HeldRows, ReviewIds, StagedFacts, Verdict};
use crate::ingest::reasons::{self, Reason};
use crate::ingest::schema::{Table, review_heads_schema};
use crate::ingest::{IngestError, Row, Sink, Spent};
use crate::plan::Plan;
use crate::rubric::CaseType;

/// What the rows of one review showed as they were read: enough to apply
/// the whole-review rules at the table's end without keeping the rows.
struct ReviewSummary {
    id: Rc<str>,
    /// Position of the review's first row.
    first: u32,
    /// The first row's case and reviewer cells, trimmed.
    case: Box<str>,
    reviewer: Box<str>,
    /// The first row's review date, when it parsed.
    reviewed_on: Option<i32>,
    /// Rubric items seen (indices into the case's rubric).
    items: ItemSet,
    /// Review ids named in `supersedes`, in order of first mention.
    supersedes: Vec<Box<str>>,
    flaw: Option<Box<Flaw>>,
}

/// The first of each kind of problem found among a review's rows.
#[derive(Default)]
struct Flaw {
    /// Row number and reason of the first row rejected on its own.
    bad_row: Option<(u64, Reason)>,
    /// Case and reviewer of the first row that differ from the first row's.
    mixed: Option<(String, String)>,
    /// The first item met twice.
    repeated: Option<String>,
}

/// A review's decision while it is made: rejected with its problem (boxed:
/// a `Problem` is 72 bytes, and almost every review has none), or, so far,
/// accepted, with what the rest of the decision and its head need.
type Outcome = Result<Known, Box<Problem>>;
const _: () = assert!(std::mem::size_of::<Outcome>() == 16);

/// What an accepted review's case and reviewer are, by number.
#[derive(Clone, Copy)]
struct Known {
    case_key: u32,
    reviewer: u32,
    case_type: CaseType,
    in_period: bool,
}

/// A small set of rubric item indices.
#[derive(Default)]
struct ItemSet {
    bits: u128,
    more: Vec<u32>,
}

impl ItemSet {
    /// Adds `i`; false if it was already there.
    fn insert(&mut self, i: usize) -> bool {
        if i < 128 {
            let had = self.bits & (1 << i) != 0;
            self.bits |= 1 << i;
            !had
        } else if self.more.contains(&(i as u32)) {
            false
        } else {
            self.more.push(i as u32);
            true
        }
    }

    fn contains(&self, i: usize) -> bool {
        if i < 128 {
            self.bits & (1 << i) != 0
        } else {
            self.more.contains(&(i as u32))
        }
    }
}

/// The review table while it is read.
#[derive(Default)]
pub(super) struct Reviews {
    ids: HashMap<Rc<str>, u32>,
    list: Vec<ReviewSummary>,
    /// Per row position: the index of its review in `list`.
    review_of: Vec<u32>,
    rows: Option<HeldRows>,
}

/// The rules one review row can break on its own. By the time reviews are
/// read, the cases and reviewers they name are all known and these rules
/// only look them up, so either ingest thread can check them: the reading
/// thread when it is ahead, the validating thread when it waits (they were
/// a fifth of the validating thread's work at 1 M cases).
pub(crate) struct ReviewRowRules<'c> {
    plan: &'c Plan,
    cases: &'c IdMap<CaseRef>,
    reviewers: &'c Parties,
    items: &'c [(CaseType, HashMap<String, ItemRef>)],
    /// The last known case and reviewer a review row named.
    last_case: LastFound<&'c CaseRef>,
    last_reviewer: LastFound<()>,
}

/// What a review row that broke no rule of its own is staged with: its
/// rubric item, and its case's number and period.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ReviewRowFacts {
    pub item: ItemRef,
    pub case_key: u32,
    pub in_period: bool,
}

/// Where review rows are staged as read and held (their places, and the
/// cells of some) until the whole table was read and each review's verdict
/// is known.
pub(crate) struct ReviewHold<'c> {
    reviews: &'c mut Reviews,
    /// The rubric items' codes by number, for the held rows (which keep
    /// the number only) until they are made.
    item_codes: Vec<Box<str>>,
}

/// The last id a lookup succeeded for, and what it found. A review's rows
/// come together and name the same case and reviewer, so most rows need no
/// hash lookup (one in a million cases per row was 5 % of ingest at 1 M
/// cases).
struct LastFound<T> {
    id: String,
    found: Option<T>,
}

// By hand: a derive would ask `T: Default`.
impl<T> Default for LastFound<T> {
    fn default() -> Self {
        LastFound {
            id: String::new(),
            found: None,
        }
    }
}

impl<T: Copy> LastFound<T> {
    fn get(&self, id: &str) -> Option<T> {
        self.found.filter(|_| self.id == id)
    }

    fn set(&mut self, id: &str, found: T) {
        self.id.clear();
        self.id.push_str(id);
        self.found = Some(found);
    }
}

impl Checker<'_> {
    /// The checker split for reading the review table on two threads: the
    /// row rules, which only read what earlier tables left, and where the
    /// rows are held.
    pub fn review_parts(&mut self) -> (ReviewRowRules<'_>, ReviewHold<'_>) {
        let rules = ReviewRowRules {
            plan: self.plan,
            cases: &self.cases,
            reviewers: &self.reviewers,
            items: &self.items,
            last_case: LastFound::default(),
            last_reviewer: LastFound::default(),
        };
        let hold = ReviewHold {
            reviews: &mut self.reviews,
            item_codes: self
                .plan
                .numbered_items()
                .map(|(_, _, _, item)| item.code.as_str().into())
                .collect(),
        };
        (rules, hold)
    }

    /// Decides every review by the whole-review rules, rejects or counts
    /// its rows (`staged`: the rows as staged), and stages a head per
    /// accepted review (`heads`) and the number of every review whose
    /// staged rows take no part (`dropped`).
    ///
    /// Per review it keeps 16 bytes while it decides ([`Outcome`]): at 5 M
    /// cases (2 M reviews) the verdicts as `Option<Problem>`, a map from
    /// each live review's case and reviewer ids, and its case's type looked
    /// up again were 350 MiB on top of the review table, ingest's peak.
    pub(super) fn finish_reviews(
        &self,
        reviews: Reviews,
        sink: &mut Sink,
        staged: &Staged,
        heads: &mut BatchBuilder,
        dropped: &mut BatchBuilder,
    ) -> Result<(), IngestError> {
        let Reviews {
            ids,
            list,
            review_of,
            rows,
        } = reviews;
        let Some(rows) = rows else { return Ok(()) };
        let mut outcomes: Vec<Outcome> = list.iter().map(|r| self.whole_review(r)).collect();
        let reject = |outcome: &mut Outcome, problem: Problem| *outcome = Err(Box::new(problem));

        // Supersedes must name other reviews of the same case that were read.
        // From the cells as read: a rejected target may not have parsed.
        let mut bad_supersedes: Vec<(usize, Problem)> = Vec::new();
        let mut superseded: HashSet<u32> = HashSet::default();
        for (i, r) in list.iter().enumerate() {
            if outcomes[i].is_err() {
                continue;
            }
            let id = &r.id;
            for target in &r.supersedes {
                let problem = if **target == **id {
                    Some(format!("review {id} names itself in supersedes"))
                } else {
                    match ids.get(&**target) {
                        None => Some(format!(
                            "review {id} supersedes `{target}`, which is not among the reviews read"
                        )),
                        Some(&t) if list[t as usize].case != r.case => Some(format!(
                            "review {id} supersedes `{target}`, a review of another case"
                        )),
                        Some(&t) => {
                            superseded.insert(t);
                            None
                        }
                    }
                };
                if let Some(p) = problem {
                    bad_supersedes.push((i, (reasons::BAD_SUPERSEDES, p)));
                }
            }
        }
        for (i, p) in bad_supersedes {
            reject(&mut outcomes[i], p);
        }
        // Retract supersessions claimed by reviews that were themselves rejected.
        let mut claimed: HashSet<u32> = HashSet::default();
        for (i, r) in list.iter().enumerate() {
            if outcomes[i].is_ok() {
                claimed.extend(r.supersedes.iter().filter_map(|t| ids.get(&**t).copied()));
            }
        }
        superseded.retain(|t| claimed.contains(t));
        drop(claimed);

        // Two live reviews of one case by one reviewer: the later is
        // rejected. The live reviews sorted by case and reviewer (numbers),
        // then input order, so each pair's reviews are side by side.
        let mut live: Vec<(u32, u32, u32)> = outcomes
            .iter()
            .enumerate()
            .filter(|&(i, _)| !superseded.contains(&(i as u32)))
            .filter_map(|(i, o)| o.as_ref().ok().map(|k| (k.case_key, k.reviewer, i as u32)))
            .collect();
        live.sort_unstable();
        let mut duplicates: Vec<(usize, Problem)> = Vec::new();
        for pair in live.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            if pair.len() == 1 {
                continue;
            }
            let mut found: Vec<usize> = pair.iter().map(|&(_, _, i)| i as usize).collect();
            let (case, reviewer) = (&list[found[0]].case, &list[found[0]].reviewer);
            found.sort_by_key(|&i| (list[i].reviewed_on, list[i].first));
            for &later in &found[1..] {
                duplicates.push((
                    later,
                    (
                        reasons::DUPLICATE_REVIEW,
                        format!(
                            "reviewer {reviewer} already has live review {} of case {case}",
                            list[found[0]].id
                        ),
                    ),
                ));
            }
        }
        drop(live);
        for (i, p) in duplicates {
            reject(&mut outcomes[i], p);
        }

        // What scoring reads as taking no part: a review that an accepted
        // review supersedes (a duplicate rejected just above no longer
        // takes its targets out). Named in `dropped_reviews` below, so SQL
        // leaves its rows out by a small anti join instead of joining every
        // review row with the supersede lists.
        let mut superseded_by_accepted: HashSet<u32> = HashSet::default();
        for (i, r) in list.iter().enumerate() {
            if outcomes[i].is_ok() {
                superseded_by_accepted
                    .extend(r.supersedes.iter().filter_map(|t| ids.get(&**t).copied()));
            }
        }
        drop(ids);

        // One head per accepted review, in the order of their first rows,
        // with its case's type.
        stage_heads(&list, &outcomes, heads);
        // The staged rows of a rejected review, or of one an accepted review
        // supersedes, take no part.
        for (i, outcome) in outcomes.iter().enumerate() {
            if outcome.is_err() || superseded_by_accepted.contains(&(i as u32)) {
                dropped.push(&[Value::Int(i as i64)]);
            }
        }
        drop(superseded_by_accepted);

        let ids_of = |r: usize| {
            let summary = &list[r];
            ReviewIds {
                review_id: &summary.id,
                case_id: &summary.case,
                reviewer_id: &summary.reviewer,
            }
        };
        rows.emit(
            |position| {
                let r = review_of[position as usize] as usize;
                match &outcomes[r] {
                    Err(problem) => Verdict::Reject(problem),
                    Ok(known) => Verdict::Accept {
                        superseded: superseded.contains(&(r as u32)),
                        out_of_period: !known.in_period,
                    },
                }
            },
            |r| outcomes[r as usize].is_err().then(|| ids_of(r as usize)),
            staged,
            sink,
        )
    }

    /// The rules a review breaks as a whole, if any; if none, what the
    /// rest of its decision needs of its case and reviewer.
    fn whole_review(&self, review: &ReviewSummary) -> Outcome {
        let id = &review.id;
        let (case_id, reviewer_id) = (&*review.case, &*review.reviewer);
        if let Some(flaw) = &review.flaw {
            if let Some((row, reason)) = flaw.bad_row {
                return Err(Box::new((
                    reasons::REVIEW_REJECTED,
                    format!("row {row} of review {id} was rejected ({})", reason.code),
                )));
            }
            if let Some((other_case, other_reviewer)) = &flaw.mixed {
                return Err(Box::new((
                    reasons::MIXED_REVIEW,
                    format!(
                        "review {id} has rows for case {case_id} by {reviewer_id} and for case {other_case} by {other_reviewer}"
                    ),
                )));
            }
            if let Some(item) = &flaw.repeated {
                return Err(Box::new((
                    reasons::REPEATED_ITEM,
                    format!("review {id} has item {item} twice"),
                )));
            }
        }
        let case = &self.cases[case_id];
        let rubric = self.plan.rubric(case.case_type);
        let missing: Vec<&str> = rubric
            .items
            .iter()
            .enumerate()
            .filter(|(i, _)| !review.items.contains(*i))
            .map(|(_, it)| it.code.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(Box::new((
                reasons::INCOMPLETE_REVIEW,
                format!(
                    "review {id} lacks {} of rubric {}",
                    missing.join(", "),
                    rubric.version
                ),
            )));
        }
        let (lawyer_id, lawyer) = self.lawyers.get(case.lawyer);
        let reviewer = self
            .reviewers
            .number(reviewer_id)
            .expect("a known reviewer");
        if self.reviewers.get(reviewer).1.same_firm(lawyer) {
            return Err(Box::new((
                reasons::CONFLICT_OF_INTEREST,
                format!(
                    "reviewer {reviewer_id} is of the same law firm as lawyer {lawyer_id} of case {case_id}"
                ),
            )));
        }
        Ok(Known {
            case_key: case.key,
            reviewer,
            case_type: case.case_type,
            in_period: case.in_period,
        })
    }
}

impl<'c> ReviewRowRules<'c> {
    /// The same rules with lookup caches of their own, for the other
    /// thread.
    pub fn fresh(&self) -> ReviewRowRules<'c> {
        ReviewRowRules {
            plan: self.plan,
            cases: self.cases,
            reviewers: self.reviewers,
            items: self.items,
            last_case: LastFound::default(),
            last_reviewer: LastFound::default(),
        }
    }

    /// A review row's case: what its rules need, and what it is staged with.
    fn review_case(&mut self, id: &str) -> Result<&'c CaseRef, Problem> {
        if let Some(found) = self.last_case.get(id) {
            return Ok(found);
        }
        let cases = self.cases;
        let case = cases
            .get(id)
            .ok_or_else(|| unknown("case_id", id, "cases"))?;
        self.last_case.set(id, case);
        Ok(case)
    }

    /// Whether a review row's reviewer is known.
    fn review_reviewer(&mut self, id: &str) -> Result<(), Problem> {
        if self.last_reviewer.get(id).is_none() {
            if !self.reviewers.contains(id) {
                return Err(unknown("reviewer_id", id, "reviewers"));
            }
            self.last_reviewer.set(id, ());
        }
        Ok(())
    }

    /// An item of its case type's rubric.
    fn item(&self, case_type: CaseType, code: &str) -> Option<ItemRef> {
        self.items
            .iter()
            .find(|(t, _)| *t == case_type)
            .and_then(|(_, items)| items.get(code).copied())
    }

    /// The rules one review row can break on its own; on success what it
    /// is staged with.
    pub fn check(&mut self, v: &[Value]) -> Result<ReviewRowFacts, Problem> {
        let case = self.review_case(text(v, 1))?;
        let (case_type, closed_on) = (case.case_type, case.closed_on);
        let facts = |item| ReviewRowFacts {
            item,
            case_key: case.key,
            in_period: case.in_period,
        };
        self.review_reviewer(text(v, 2))?;
        let reviewed = v[3].date().expect("required");
        if reviewed < closed_on {
            return Err(order(
                "reviewed_on",
                reviewed,
                "the case's closed_on",
                closed_on,
            ));
        }
        let rubric = self.plan.rubric(case_type);
        let code = text(v, 4);
        let found = self.item(case_type, code).ok_or_else(|| {
            (
                reasons::UNKNOWN_ITEM,
                format!(
                    "item `{code}` is not in the {} rubric {}",
                    case_type.code(),
                    rubric.version
                ),
            )
        })?;
        let item = &rubric.items[found.index];
        match v[5].num() {
            None if !item.optional => Err((
                reasons::NOT_APPLICABLE_NOT_ALLOWED,
                format!("item {code} is marked not applicable but is not optional"),
            )),
            None => Ok(facts(found)),
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
            Some(_) => Ok(facts(found)),
        }
    }
}

impl ReviewHold<'_> {
    /// Stages one review row (into `staged`) when it broke no rule of its
    /// own, holds its place until the whole table was read, and notes what
    /// it shows about its review.
    pub fn hold(
        &mut self,
        row: Row,
        outcome: Result<(Vec<Value>, ReviewRowFacts), Problem>,
        staged: &mut BatchBuilder,
        spent: &mut Spent,
    ) {
        let codes = &mut self.item_codes;
        let reviews = &mut *self.reviews;
        let held = reviews
            .rows
            .get_or_insert_with(|| HeldRows::new(Table::Reviews.spec(), std::mem::take(codes)));
        let position = held.len();
        // A parsed row's id is its first value, already trimmed.
        let id = match &outcome {
            Ok((values, _)) => text(values, 0),
            Err(_) => row.cells[0].trim(),
        };
        debug_assert_eq!(id, row.cells[0].trim());
        // A review's rows come together: most rows belong to the newest.
        let newest = reviews.list.len().checked_sub(1);
        let index = match newest.filter(|&i| &*reviews.list[i].id == id) {
            Some(i) => i as u32,
            None => match reviews.ids.get(id) {
                Some(&i) => i,
                None => {
                    let id: Rc<str> = Rc::from(id);
                    let i = reviews.list.len() as u32;
                    reviews.ids.insert(Rc::clone(&id), i);
                    reviews.list.push(ReviewSummary {
                        id,
                        first: position,
                        case: row.cells[1].trim().into(),
                        reviewer: row.cells[2].trim().into(),
                        reviewed_on: None,
                        items: ItemSet::default(),
                        supersedes: Vec::new(),
                        flaw: None,
                    });
                    i
                }
            },
        };
        reviews.review_of.push(index);
        let review = &mut reviews.list[index as usize];
        // The row's id is its review's by the lookup above.
        let mut has_review_ids = true;
        let outcome = match outcome {
            Err((reason, detail)) => {
                let flaw = review.flaw.get_or_insert_with(Box::default);
                flaw.bad_row.get_or_insert((row.row, reason));
                Err((reason, detail))
            }
            Ok((mut values, facts)) => {
                let item = facts.item;
                if position == review.first {
                    review.reviewed_on = values[3].date();
                }
                let (case_id, reviewer_id) = (text(&values, 1), text(&values, 2));
                has_review_ids = case_id == &*review.case && reviewer_id == &*review.reviewer;
                if !has_review_ids {
                    let flaw = review.flaw.get_or_insert_with(Box::default);
                    flaw.mixed
                        .get_or_insert_with(|| (case_id.to_string(), reviewer_id.to_string()));
                } else if !review.items.insert(item.index) {
                    let item = text(&values, 4);
                    let flaw = review.flaw.get_or_insert_with(Box::default);
                    flaw.repeated.get_or_insert_with(|| item.to_string());
                }
                if let Some(s) = values[7].text() {
                    for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                        if !review.supersedes.iter().any(|o| &**o == part) {
                            review.supersedes.push(part.into());
                        }
                    }
                }
                values.push(Value::Int(i64::from(position)));
                values.push(Value::Int(item.key));
                let facts = StagedFacts {
                    in_period: facts.in_period,
                    review: index,
                    case: facts.case_key,
                };
                Ok((values, facts))
            }
        };
        held.push(row, outcome, has_review_ids, staged, spent);
    }
}

/// Stages a head per accepted review (its outcome `Ok`, with its case's
/// type), in review order, a batch at a time.
fn stage_heads(list: &[ReviewSummary], outcomes: &[Outcome], heads: &mut BatchBuilder) {
    let schema = review_heads_schema();
    let accepted: Vec<u32> = (0..list.len() as u32)
        .filter(|&i| outcomes[i as usize].is_ok())
        .collect();
    for chunk in accepted.chunks(heads.batch_size().max(1)) {
        let mut keys = Int64Builder::with_capacity(chunk.len());
        let mut review_ids = StringBuilder::new();
        let mut case_ids = StringBuilder::new();
        let mut case_types = StringBuilder::new();
        let mut reviewer_ids = StringBuilder::new();
        for &i in chunk {
            let (r, outcome) = (&list[i as usize], &outcomes[i as usize]);
            keys.append_value(i64::from(i));
            review_ids.append_value(&r.id);
            case_ids.append_value(&r.case);
            case_types.append_value(outcome.as_ref().expect("accepted").case_type.code());
            reviewer_ids.append_value(&r.reviewer);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(keys.finish()),
            Arc::new(review_ids.finish()),
            Arc::new(case_ids.finish()),
            Arc::new(case_types.finish()),
            Arc::new(reviewer_ids.finish()),
        ];
        heads.append_batch(
            RecordBatch::try_new(Arc::clone(&schema), columns)
                .expect("the head columns of the staged reviews"),
        );
    }
}
