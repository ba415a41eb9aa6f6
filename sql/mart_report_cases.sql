-- grain: one row per scored case closed in the period
-- purpose: the public report's scores and grades per case type and district
--   (`publish::rows::ReportCaseRow`); the period's closed cases, scored or
--   not, are counted by mart_report_case_counts. No recipient, reviewer or
--   note column (privacy rule 1). Ordered by case id: the report sums
--   scores in this order, so the same inputs give the same bytes.
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
    -- the scores first: the engine builds its hash table from them, not
    -- from every case of the period
    from mart_case_scores as s
    inner join period_cases as c
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
