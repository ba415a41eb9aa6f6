-- grain: one row per lawyer in `lawyers`
-- purpose: the service part S of the credit score (credit-and-lists.md,
--   "Archiving" and "Satisfaction"): two rates, each shrunk with the same k
--   toward the period-wide rate r, rate = (hits + k * r) / (trials + k); a
--   period-wide rate with an empty denominator is taken as 1.
--   archiving: due and on-time cases from int_case_archiving.
--   satisfaction: feedback rows of the lawyer's cases of the period; usable
--     = all but `unreachable`; satisfied = satisfied + basically_satisfied.
--   S = 100 * (0.5 * archive_rate + 0.5 * satisfaction_rate).
with

params as (
    select shrinkage_k as k
    from settings
),

archive_counts as (
    select
        lawyer_id,
        sum(case when due then 1 else 0 end) as n_due,
        sum(case when due and on_time then 1 else 0 end) as n_on_time,
        count(*) as n_cases_closed
    from int_case_archiving
    group by lawyer_id
),

usable_feedback as (
    select
        c.lawyer_id,
        f.case_id,
        f.satisfaction in ('satisfied', 'basically_satisfied') as satisfied
    from feedback as f
    inner join stg_cases as c
        on f.case_id = c.case_id
    where c.in_period and f.satisfaction <> 'unreachable'
),

feedback_counts as (
    select
        lawyer_id,
        count(*) as n_usable,
        sum(case when satisfied then 1 else 0 end) as n_satisfied
    from usable_feedback
    group by lawyer_id
),

lawyer_counts as (
    select
        l.lawyer_id,
        coalesce(a.n_cases_closed, 0) as n_cases_closed,
        coalesce(a.n_due, 0) as n_due,
        coalesce(a.n_on_time, 0) as n_on_time,
        coalesce(f.n_usable, 0) as n_usable_feedback,
        coalesce(f.n_satisfied, 0) as n_satisfied
    from stg_lawyers as l
    left join archive_counts as a
        on l.lawyer_id = a.lawyer_id
    left join feedback_counts as f
        on l.lawyer_id = f.lawyer_id
),

-- The period-wide rates sum the lawyers' counts. Every case's lawyer is in
-- `lawyers` (ingest rejects a case of an unknown lawyer), so these are the
-- sums over all the period's cases and feedback. A window over these rows,
-- not a second read of archive_counts and feedback_counts: a CTE is
-- computed once per reference, so a second read would aggregate every case
-- and join every feedback row again.
period_rates as (
    select
        *,
        coalesce(
            cast(sum(n_on_time) over () as double) / nullif(sum(n_due) over (), 0),
            1.0
        ) as archive_r,
        coalesce(
            cast(sum(n_satisfied) over () as double)
            / nullif(sum(n_usable_feedback) over (), 0),
            1.0
        ) as satisfaction_r
    from lawyer_counts
),

rates as (
    select
        r.lawyer_id,
        r.n_cases_closed,
        r.n_due,
        r.n_on_time,
        r.n_usable_feedback,
        r.n_satisfied,
        (r.n_on_time + p.k * r.archive_r) / (r.n_due + p.k) as archive_rate,
        (r.n_satisfied + p.k * r.satisfaction_r) / (r.n_usable_feedback + p.k)
            as satisfaction_rate
    from params as p
    cross join period_rates as r
)

select
    *,
    100.0 * (0.5 * archive_rate + 0.5 * satisfaction_rate) as service
from rates
order by lawyer_id
