//! The review table's rules. A review row's own rules (its case, reviewer,
//! date, item and points) are checked as rows are read, on ingest's
//! reading thread ([`ReviewRowRules`]); the rows are held in input order
//! ([`ReviewHold`]) until the whole table was read, when the whole-review
//! rules decide each review (all its rows accepted or rejected together;
//! superseded reviews counted, not rejected).

use std::collections::hash_map::Entry;
use std::path::Path;
use std::rc::Rc;

use super::{CaseRef, Checker, ItemRef, Party, Problem, order, text, unknown};
use crate::ingest::batch::{BatchBuilder, Value};
use crate::ingest::fast_hash::{FastMap as HashMap, FastSet as HashSet};
use crate::ingest::held::{HeldRows, ReviewIds, Verdict};
use crate::ingest::reasons::{self, Reason};
use crate::ingest::schema::Table;
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
    cases: &'c HashMap<String, CaseRef>,
    reviewers: &'c HashMap<String, Party>,
    items: &'c [(CaseType, HashMap<String, ItemRef>)],
    /// The last known case (its type and closing date) and reviewer a
    /// review row named.
    last_case: LastFound<(CaseType, i32)>,
    last_reviewer: LastFound<()>,
}

/// Where review rows are held, in input order, until the whole table was
/// read and each review's verdict is known.
pub(crate) struct ReviewHold<'c> {
    reviews: &'c mut Reviews,
    scratch: Option<&'c Path>,
    batch_size: usize,
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
            scratch: self.scratch.as_deref(),
            batch_size: self.plan.settings.engine.batch_size,
            item_codes: self
                .plan
                .numbered_items()
                .map(|(_, _, _, item)| item.code.as_str().into())
                .collect(),
        };
        (rules, hold)
    }

    pub(super) fn finish_reviews(
        &self,
        reviews: Reviews,
        sink: &mut Sink,
        builder: &mut BatchBuilder,
        heads: &mut BatchBuilder,
    ) -> Result<(), IngestError> {
        let Reviews {
            ids,
            list,
            review_of,
            rows,
        } = reviews;
        let Some(rows) = rows else { return Ok(()) };
        let mut verdicts: Vec<Option<Problem>> =
            list.iter().map(|r| self.whole_review(r)).collect();

        // Supersedes must name other reviews of the same case that were read.
        // From the cells as read: a rejected target may not have parsed.
        let mut bad_supersedes: Vec<(usize, Problem)> = Vec::new();
        let mut superseded: HashSet<u32> = HashSet::default();
        for (i, r) in list.iter().enumerate() {
            if verdicts[i].is_some() {
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
            verdicts[i] = Some(p);
        }
        // Retract supersessions claimed by reviews that were themselves rejected.
        let mut claimed: HashSet<u32> = HashSet::default();
        for (i, r) in list.iter().enumerate() {
            if verdicts[i].is_none() {
                claimed.extend(r.supersedes.iter().filter_map(|t| ids.get(&**t).copied()));
            }
        }
        superseded.retain(|t| claimed.contains(t));
        drop(claimed);

        // Two live reviews of one case by one reviewer: the later is rejected.
        // Almost every pair has one review: only the others get a list.
        let mut first_live: HashMap<(&str, &str), usize> =
            HashMap::with_capacity_and_hasher(list.len(), Default::default());
        let mut also_live: HashMap<usize, Vec<usize>> = HashMap::default();
        for (i, r) in list.iter().enumerate() {
            if verdicts[i].is_none() && !superseded.contains(&(i as u32)) {
                match first_live.entry((&r.case, &r.reviewer)) {
                    Entry::Occupied(first) => also_live.entry(*first.get()).or_default().push(i),
                    Entry::Vacant(slot) => {
                        slot.insert(i);
                    }
                }
            }
        }
        drop(first_live);
        let mut duplicates: Vec<(usize, Problem)> = Vec::new();
        for (first, others) in also_live {
            let (case, reviewer) = (&list[first].case, &list[first].reviewer);
            let mut found = vec![first];
            found.extend(others);
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
        for (i, p) in duplicates {
            verdicts[i] = Some(p);
        }

        // What scoring reads as taking no part: a review that an accepted
        // review supersedes (a duplicate rejected just above no longer
        // takes its targets out). Staged as `superseded`, so SQL filters
        // instead of joining every review row with the supersede lists.
        let mut superseded_by_accepted: HashSet<u32> = HashSet::default();
        for (i, r) in list.iter().enumerate() {
            if verdicts[i].is_none() {
                superseded_by_accepted
                    .extend(r.supersedes.iter().filter_map(|t| ids.get(&**t).copied()));
            }
        }
        drop(ids);

        // Emit every row in input order, an accepted one with its case's
        // type and period.
        let case_of: Vec<Option<(&'static str, bool, u32)>> = list
            .iter()
            .enumerate()
            .map(|(i, r)| {
                verdicts[i].is_none().then(|| {
                    let case = &self.cases[&*r.case];
                    (case.case_type.code(), case.in_period, case.key)
                })
            })
            .collect();
        rows.emit(
            |position| {
                let r = review_of[position as usize] as usize;
                let summary = &list[r];
                let ids = ReviewIds {
                    review_id: &summary.id,
                    case_id: &summary.case,
                    reviewer_id: &summary.reviewer,
                };
                match (&verdicts[r], case_of[r]) {
                    (Some(problem), _) => Verdict::Reject(problem.clone(), ids),
                    (None, Some((case_type, in_period, case))) => Verdict::Accept {
                        superseded: superseded.contains(&(r as u32)),
                        out_of_period: !in_period,
                        case_type,
                        live: !superseded_by_accepted.contains(&(r as u32)),
                        head: (summary.first == position).then_some(ids),
                        review: r as u32,
                        case,
                    },
                    (None, None) => unreachable!("an accepted review has its case"),
                }
            },
            sink,
            builder,
            heads,
        )
    }

    /// The rules a review breaks as a whole, if any.
    fn whole_review(&self, review: &ReviewSummary) -> Option<Problem> {
        let id = &review.id;
        let (case_id, reviewer_id) = (&*review.case, &*review.reviewer);
        if let Some(flaw) = &review.flaw {
            if let Some((row, reason)) = flaw.bad_row {
                return Some((
                    reasons::REVIEW_REJECTED,
                    format!("row {row} of review {id} was rejected ({})", reason.code),
                ));
            }
            if let Some((other_case, other_reviewer)) = &flaw.mixed {
                return Some((
                    reasons::MIXED_REVIEW,
                    format!(
                        "review {id} has rows for case {case_id} by {reviewer_id} and for case {other_case} by {other_reviewer}"
                    ),
                ));
            }
            if let Some(item) = &flaw.repeated {
                return Some((
                    reasons::REPEATED_ITEM,
                    format!("review {id} has item {item} twice"),
                ));
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

    /// The type and closing date of a review row's case.
    fn review_case(&mut self, id: &str) -> Result<(CaseType, i32), Problem> {
        if let Some(found) = self.last_case.get(id) {
            return Ok(found);
        }
        let case = self
            .cases
            .get(id)
            .ok_or_else(|| unknown("case_id", id, "cases"))?;
        let found = (case.case_type, case.closed_on);
        self.last_case.set(id, found);
        Ok(found)
    }

    /// Whether a review row's reviewer is known.
    fn review_reviewer(&mut self, id: &str) -> Result<(), Problem> {
        if self.last_reviewer.get(id).is_none() {
            if !self.reviewers.contains_key(id) {
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

    /// The rules one review row can break on its own; on success its
    /// rubric item.
    pub fn check(&mut self, v: &[Value]) -> Result<ItemRef, Problem> {
        let (case_type, closed_on) = self.review_case(text(v, 1))?;
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
            None => Ok(found),
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
            Some(_) => Ok(found),
        }
    }
}

impl ReviewHold<'_> {
    /// Holds one review row until the whole table was read, and notes what
    /// it shows about its review.
    pub fn hold(
        &mut self,
        row: Row,
        outcome: Result<(Vec<Value>, ItemRef), Problem>,
        spent: &mut Spent,
    ) {
        let (batch_size, scratch, codes) = (self.batch_size, self.scratch, &mut self.item_codes);
        let reviews = &mut *self.reviews;
        let held = reviews.rows.get_or_insert_with(|| {
            let codes = std::mem::take(codes);
            HeldRows::new(Table::Reviews.spec(), codes, batch_size, scratch)
        });
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
            Ok((mut values, item)) => {
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
                Ok(values)
            }
        };
        held.push(row, outcome, has_review_ids, spent);
    }
}
