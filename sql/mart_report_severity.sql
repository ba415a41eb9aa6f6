-- grain: one row per case type and reviewer with a live review of a case
--   of that type in the period
-- purpose: the panel report's severity chart and table
--   (`publish::rows::SeverityRow`): the fit of int_reviewer_severity with
--   the reviewer's name and how many components the case type has.
with

components as (
    select
        case_type,
        count(distinct component) as n_components
    from int_reviewer_severity
    group by case_type
)

select
    s.case_type,
    s.reviewer_id,
    v.name,
    s.n_reviews,
    s.severity,
    s.severity_se,
    s.component,
    s.severity_estimable,
    c.n_components
from int_reviewer_severity as s
inner join components as c
    on s.case_type = c.case_type
left join reviewers as v
    on s.reviewer_id = v.reviewer_id
order by s.case_type, s.reviewer_id
