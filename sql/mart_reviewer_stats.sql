-- grain: one row per reviewer with a live review of a case of the period
-- purpose: reviewer reliability for the panel report (scoring.md, "Reviewer
--   reliability"); written out as `reviewer_stats`.
--   n_reviews           the reviewer's live reviews of cases of the period;
--   mean_deviation      mean of (their total - the case's score) over their
--                       cases with two or more live reviews, null when none;
--   abs_mean_deviation  the same with absolute deviations;
--   severity_flag       'harsh' when mean_deviation < -severity_threshold,
--                       'lenient' when > +severity_threshold, else null;
--                       strict comparisons, without the 1e-9 tolerance (the
--                       flag is advisory and the brief asks for it exact);
--   severity_case_type  the case type of the severity columns: the one in
--                       which the reviewer has the most reviews (ties: the
--                       first case type code); all of them are in
--                       reviewer_severity;
--   severity, severity_se, component, severity_estimable  as in
--                       mart_reviewer_severity for that case type.
with

params as (
    select severity_threshold
    from settings
),

deviations as (
    select
        t.reviewer_id,
        t.case_id,
        case
            when cs.n_reviews >= 2 then t.total - cs.score
        end as deviation
    from int_review_totals as t
    left join mart_case_scores as cs
        on t.case_id = cs.case_id
),

main_severity as (
    select
        reviewer_id,
        case_type,
        severity,
        severity_se,
        component,
        severity_estimable,
        row_number() over (
            partition by reviewer_id
            order by n_reviews desc, case_type
        ) as rank_in_reviewer
    from int_reviewer_severity
),

per_reviewer as (
    select
        reviewer_id,
        count(*) as n_reviews,
        avg(deviation) as mean_deviation,
        avg(abs(deviation)) as abs_mean_deviation
    from deviations
    group by reviewer_id
)

select
    r.reviewer_id,
    r.n_reviews,
    r.mean_deviation,
    r.abs_mean_deviation,
    case
        when r.mean_deviation < -p.severity_threshold then 'harsh'
        when r.mean_deviation > p.severity_threshold then 'lenient'
    end as severity_flag,
    s.case_type as severity_case_type,
    s.severity,
    s.severity_se,
    s.component,
    s.severity_estimable
from params as p
cross join per_reviewer as r
left join main_severity as s
    on r.reviewer_id = s.reviewer_id
    and s.rank_in_reviewer = 1
order by r.reviewer_id
