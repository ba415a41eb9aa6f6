-- grain: one row per disputed case and reviewer with a total
-- purpose: each reviewer's total on a disputed case, for the panel report's
--   worklist (`publish::rows::DisputedTotalRow`).
with

totals as (
    select
        t.case_id,
        t.reviewer_id,
        t.total
    from int_review_totals as t
    inner join int_disputed_cases as s
        on t.case_id = s.case_id
    where t.total is not null
)

select *
from totals
order by case_id, reviewer_id
