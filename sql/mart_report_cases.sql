-- grain: one row per case closed in the period
-- purpose: the public report's case-level figures (`publish::rows::ReportCaseRow`):
--   closed and reviewed counts, grades and scores per case type and
--   district. No recipient, reviewer or note column (privacy rule 1).
--   Ordered by case id: the report sums scores in this order, so the same
--   inputs give the same bytes.
with

period_cases as (
    select
        case_id,
        case_type,
        district
    from stg_cases
    where in_period
),

scored as (
    select
        c.case_id,
        c.case_type,
        c.district,
        s.score,
        s.grade
    -- every period case, scored or not, written as a right join so that the
    -- engine builds its hash table from the scores (it builds from the left
    -- input, and has no row counts of intermediate results to swap them)
    from mart_case_scores as s
    right join period_cases as c
        on c.case_id = s.case_id
)

select
    case_id,
    case_type,
    district,
    score,
    grade
from scored
order by case_id
