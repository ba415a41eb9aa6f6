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
--                       flag is advisory and the brief asks for it exact).
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
    end as severity_flag
from params as p
cross join per_reviewer as r
order by r.reviewer_id
