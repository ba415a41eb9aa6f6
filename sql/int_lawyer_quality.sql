-- grain: one row per lawyer in `lawyers`
-- purpose: the quality part Q of the credit score (credit-and-lists.md):
--   empirical-Bayes shrinkage of the lawyer's case scores of the period
--   toward the mean mu of all case scores of the period,
--   Q = (sum of scores + k * mu) / (n + k); a lawyer with no reviewed case
--   gets mu; Q is null when the period has no scored case at all.
--   mean_score is the plain mean (positive-list rule P2).
with

params as (
    select shrinkage_k as k
    from settings
),

period_mean as (
    select
        avg(score) as mu,
        count(*) as n_scored
    from int_case_grades
),

per_lawyer as (
    select
        lawyer_id,
        count(*) as n_cases_reviewed,
        sum(score) as score_sum,
        avg(score) as mean_score,
        sum(case when is_fail then 1 else 0 end) as n_fail
    from int_case_grades
    group by lawyer_id
)

select
    l.lawyer_id,
    coalesce(q.n_cases_reviewed, 0) as n_cases_reviewed,
    q.mean_score,
    coalesce(q.n_fail, 0) as n_fail,
    m.mu,
    case
        when m.n_scored = 0 then null
        else (coalesce(q.score_sum, 0) + p.k * m.mu) / (coalesce(q.n_cases_reviewed, 0) + p.k)
    end as quality
from period_mean as m
cross join params as p
cross join stg_lawyers as l
left join per_lawyer as q
    on l.lawyer_id = q.lawyer_id
order by l.lawyer_id
