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
    from period_cases as c
    left join mart_case_scores as s
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
