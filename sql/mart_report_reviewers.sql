-- grain: one row per reviewer with a score sheet
-- purpose: the panel report's reviewer severity table and chart
--   (`publish::rows::ReviewerRow`): `mart_reviewer_stats` with the
--   reviewer's name and role.
with

named as (
    select
        r.reviewer_id,
        v.name,
        v.role,
        r.n_reviews,
        r.mean_deviation,
        r.abs_mean_deviation,
        r.severity_flag
    from mart_reviewer_stats as r
    left join reviewers as v
        on r.reviewer_id = v.reviewer_id
)

select *
from named
order by reviewer_id
