-- grain: one row per lawyer in `lawyers`
-- purpose: the positive-list rules P1–P4 (credit-and-lists.md, "Positive
--   list"); P5 (no open negative entry) is checked by the register after
--   this run's negative transitions, so `positive` here is P1–P4 and
--   status = active.
--   P1 at least positive_min_cases reviewed cases and positive_min_years of
--      practice;
--   P2 mean_score >= positive_min_mean and no case in the fail band;
--   P3 no substantiated complaint and no sanction in the lookback window;
--   P4 satisfaction_rate >= positive_min_satisfaction when the lawyer has at
--      least positive_min_feedback usable feedback rows (else holds).
with

params as (
    select
        positive_min_cases,
        positive_min_years,
        positive_min_mean,
        positive_min_satisfaction,
        positive_min_feedback
    from settings
),

conduct as (
    select
        lawyer_id,
        count(*) as n_events
    from int_conduct_events
    where in_window
    group by lawyer_id
),

rules as (
    select
        c.lawyer_id,
        c.n_cases_reviewed >= p.positive_min_cases
            and c.years_of_practice >= p.positive_min_years as p1,
        coalesce(c.mean_score >= p.positive_min_mean - 1e-9, false)
            and q.n_fail = 0 as p2,
        coalesce(k.n_events, 0) = 0 as p3,
        c.n_usable_feedback < p.positive_min_feedback
            or c.satisfaction_rate >= p.positive_min_satisfaction - 1e-9 as p4,
        l.status = 'active' as active
    from params as p
    cross join int_lawyer_credit as c
    inner join stg_lawyers as l
        on c.lawyer_id = l.lawyer_id
    inner join int_lawyer_quality as q
        on c.lawyer_id = q.lawyer_id
    left join conduct as k
        on c.lawyer_id = k.lawyer_id
)

select
    *,
    p1 and p2 and p3 and p4 and active as positive
from rules
order by lawyer_id
