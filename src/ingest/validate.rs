//! The table rules of the data contract that go beyond one cell: unique keys
//! (first row wins), foreign keys against the accepted rows of earlier tables,
//! date order, and (in [`reviews`]) the review rules (a review is accepted or
//! rejected as a whole; superseded reviews are counted, not rejected).

use std::path::{Path, PathBuf};

use super::batch::{BatchBuilder, Staged, Value};
use super::fast_hash::{FastMap as HashMap, FastSet as HashSet, IdMap};
use super::reasons::{self, Reason};
use super::schema::{
    DROPPED_REVIEWS, REVIEW_HEADS, Table, dropped_reviews_schema, review_heads_schema,
};
use super::value::{date32, from_date32};
use super::{IngestError, Row, Sink, finish_staging, staging_builder};
use crate::plan::Plan;
use crate::rubric::CaseType;

mod reviews;
use reviews::Reviews;
pub(crate) use reviews::{ReviewHold, ReviewRowFacts, ReviewRowRules};

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

/// What later tables look a case up for. Small and without a string of its
/// own: the case map is the largest thing ingest keeps, and with its
/// lawyer's id rather than number on every case (5 M strings) ingest's peak
/// at 5 M cases was 350 MiB higher.
struct CaseRef {
    case_type: CaseType,
    /// Its lawyer's number ([`Parties`]).
    lawyer: u32,
    closed_on: i32,
    in_period: bool,
    /// The case's number, staged as `case_key` on the case and its review
    /// rows: the cases accepted before it.
    key: u32,
}

pub(crate) struct Checker<'p> {
    plan: &'p Plan,
    as_of: i32,
    period: (i32, i32),
    lawyers: Parties,
    reviewers: Parties,
    cases: IdMap<CaseRef>,
    /// Keys seen so far in the current table without a lookup map.
    keys: HashSet<String>,
    reviews: Reviews,
    /// Each rubric's item codes and what a review row learns of its item.
    items: Vec<(CaseType, HashMap<String, ItemRef>)>,
    /// Where the tables made at the review table's end are staged, if
    /// anywhere.
    scratch: Option<PathBuf>,
    /// One row per accepted review, and the reviews whose staged rows take
    /// no part, made when the review table finishes.
    review_heads: Option<Staged>,
    dropped_reviews: Option<Staged>,
    /// What [`Checker::case`] decided of the case it accepted last, staged
    /// on its row: its number and whether it is of the period.
    accepted_case: Option<(u32, bool)>,
}

type Problem = (Reason, String);

/// The accepted lawyers, or reviewers, numbered in the order they were
/// read: cases name their lawyer by number, and the duplicate-review rule
/// pairs cases with reviewers by number.
#[derive(Default)]
struct Parties {
    number: IdMap<u32>,
    /// Each party's id and firm, by number.
    by_number: Vec<(String, Party)>,
}

impl Parties {
    fn contains(&self, id: &str) -> bool {
        self.number.contains_key(id)
    }

    fn number(&self, id: &str) -> Option<u32> {
        self.number.get(id).copied()
    }

    fn add(&mut self, id: &str, party: Party) {
        let number = u32::try_from(self.by_number.len()).expect("fewer than 2^32 parties");
        self.number.insert(id, number);
        self.by_number.push((id.to_string(), party));
    }

    /// The id and firm of party `number`.
    fn get(&self, number: u32) -> (&str, &Party) {
        let (id, party) = &self.by_number[number as usize];
        (id, party)
    }
}

/// A review row's rubric item.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ItemRef {
    /// Its index in its case type's rubric.
    pub index: usize,
    /// Its number among all the rubrics' items (`Plan::numbered_items`),
    /// staged on the row as `item_key`.
    pub key: i64,
}

fn text(values: &[Value], i: usize) -> &str {
    values.get(i).and_then(Value::text).unwrap_or("")
}

impl<'p> Checker<'p> {
    pub fn new(plan: &'p Plan, scratch: Option<&Path>) -> Self {
        Checker {
            scratch: scratch.map(Path::to_path_buf),
            review_heads: None,
            dropped_reviews: None,
            accepted_case: None,
            plan,
            as_of: date32(plan.as_of),
            period: (date32(plan.period_start), date32(plan.period_end)),
            lawyers: Parties::default(),
            reviewers: Parties::default(),
            cases: IdMap::default(),
            keys: HashSet::default(),
            reviews: Reviews::default(),
            items: plan
                .rubrics
                .keys()
                .map(|&t| {
                    let codes = plan
                        .numbered_items()
                        .filter(|(_, r, _, _)| r.case_type == t);
                    let codes =
                        codes.map(|(key, _, index, it)| (it.code.clone(), ItemRef { index, key }));
                    (t, codes.collect())
                })
                .collect(),
        }
    }

    /// Checks one row of any table but reviews (already parsed, or with the
    /// reason it could not be); accepts it into `builder` or rejects it.
    /// Review rows go through [`Checker::review_parts`].
    pub fn check(
        &mut self,
        table: Table,
        row: Row,
        parsed: Result<Vec<Value>, Problem>,
        sink: &mut Sink,
        builder: &mut BatchBuilder,
    ) {
        let mut values = match parsed {
            Ok(values) => values,
            Err((reason, detail)) => return sink.reject(row, reason, detail),
        };
        let outcome = match table {
            Table::Lawyers => self.lawyer(&values),
            Table::Cases => self.case(&values, sink),
            Table::Reviewers => self.reviewer(&values),
            Table::Reviews => unreachable!("held by ReviewHold"),
            Table::Complaints => self.complaint(&values),
            Table::Sanctions => self.sanction(&values),
            Table::Feedback => self.feedback(&values, sink),
        };
        match outcome {
            Ok(()) => {
                sink.accept(row.file);
                if table == Table::Cases {
                    let (key, in_period) = self.accepted_case.take().expect("`case` accepted it");
                    values.push(Value::Int(i64::from(key)));
                    values.push(Value::Bool(in_period));
                }
                builder.push(&values);
                sink.spent.cells(row.cells);
            }
            Err((reason, detail)) => {
                let keyed_by_map =
                    matches!(table, Table::Lawyers | Table::Cases | Table::Reviewers);
                if keyed_by_map && reason != reasons::DUPLICATE_KEY {
                    self.keys.insert(text(&values, 0).to_string());
                }
                sink.reject(row, reason, detail);
            }
        }
        sink.spent.values(values);
    }

    /// Work that needs the whole table: the whole-review rules, given the
    /// review rows as staged.
    pub fn finish_table(
        &mut self,
        table: Table,
        sink: &mut Sink,
        staged: &Staged,
    ) -> Result<(), IngestError> {
        self.keys.clear();
        if table == Table::Reviews {
            let reviews = std::mem::take(&mut self.reviews);
            let scratch = self.scratch.as_deref();
            let batch_size = self.plan.settings.engine.batch_size;
            let mut heads =
                staging_builder(review_heads_schema(), batch_size, scratch, REVIEW_HEADS)?;
            let mut dropped = staging_builder(
                dropped_reviews_schema(),
                batch_size,
                scratch,
                DROPPED_REVIEWS,
            )?;
            self.finish_reviews(reviews, sink, staged, &mut heads, &mut dropped)?;
            self.review_heads = Some(finish_staging(heads, scratch, REVIEW_HEADS)?);
            self.dropped_reviews = Some(finish_staging(dropped, scratch, DROPPED_REVIEWS)?);
        }
        Ok(())
    }

    /// The staged `review_heads` and `dropped_reviews`, once the review
    /// table was finished.
    pub fn take_review_tables(&mut self) -> (Option<Staged>, Option<Staged>) {
        (self.review_heads.take(), self.dropped_reviews.take())
    }

    /// A key must not repeat. A table with a lookup map (`in_map`: whether
    /// the map has the key) holds its accepted keys there and `keys` only
    /// those of its rejected rows (added by [`Checker::check`]); for the
    /// other tables `keys` holds every key.
    fn unique(&mut self, key: &str, column: &str, in_map: Option<bool>) -> Result<(), Problem> {
        let repeated = match in_map {
            Some(exists) => exists || self.keys.contains(key),
            None => !self.keys.insert(key.to_string()),
        };
        if repeated {
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
        self.unique(id, "lawyer_id", Some(self.lawyers.contains(id)))?;
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
        self.lawyers.add(id, Party::from(&v[3], &v[4]));
        Ok(())
    }

    fn case(&mut self, v: &[Value], sink: &mut Sink) -> Result<(), Problem> {
        let id = text(v, 0);
        self.unique(id, "case_id", Some(self.cases.contains_key(id)))?;
        let lawyer = self.known_lawyer(text(v, 3))?;
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
        // The one place the period's rule is written: staged on the case
        // and on its review rows, which SQL reads (`stg_case_rows`).
        let in_period = self.period.0 <= closed && closed <= self.period.1;
        if !in_period {
            sink.count_out_of_period();
        }
        let key = self.cases.len() as u32;
        self.accepted_case = Some((key, in_period));
        self.cases.insert(
            id,
            CaseRef {
                case_type,
                lawyer,
                closed_on: closed,
                in_period,
                key,
            },
        );
        Ok(())
    }

    fn reviewer(&mut self, v: &[Value]) -> Result<(), Problem> {
        let id = text(v, 0);
        self.unique(id, "reviewer_id", Some(self.reviewers.contains(id)))?;
        self.reviewers.add(id, Party::from(&v[3], &v[4]));
        Ok(())
    }

    fn complaint(&mut self, v: &[Value]) -> Result<(), Problem> {
        self.unique(text(v, 0), "complaint_id", None)?;
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
        self.unique(text(v, 0), "sanction_id", None)?;
        self.known_lawyer(text(v, 1))?;
        let decided = v[4].date().expect("required");
        if let Some(ends) = v[5].date()
            && ends < decided
        {
            return Err(order("ends_on", ends, "decided_on", decided));
        }
        if let Some(revoked) = v[7].date()
            && revoked < decided
        {
            return Err(order("revoked_on", revoked, "decided_on", decided));
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

    /// The number of the accepted lawyer `id`.
    fn known_lawyer(&self, id: &str) -> Result<u32, Problem> {
        self.lawyers
            .number(id)
            .ok_or_else(|| unknown("lawyer_id", id, "lawyers"))
    }

    fn known_case(&self, id: &str) -> Result<&CaseRef, Problem> {
        self.cases
            .get(id)
            .ok_or_else(|| unknown("case_id", id, "cases"))
    }
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
