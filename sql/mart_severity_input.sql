-- grain: one row per live review with a total, of a case of the period
-- purpose: what the reviewer-severity fit reads (scoring.md, "Reviewer
--   severity adjustment"): each review's case type, case, reviewer and
--   total. The fit (src/severity.rs) sorts by id itself; the order here only
--   makes the stored result easy to read.
select
    case_type,
    case_id,
    reviewer_id,
    total
from int_review_totals
where total is not null
order by case_type, case_id, reviewer_id
