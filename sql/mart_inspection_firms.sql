-- grain: one row per law firm (firm_id when given, else the trimmed name)
-- purpose: the firm roll-up of the annual inspection (credit-and-lists.md):
--   figures only, no firm grade — lawyers per recommended grade and their
--   shares, the share that met the legal-aid duty, cases closed in the
--   period and the mean score of the firm's reviewed cases.
with

lawyer_rows as (
    select
        firm_key,
        law_firm,
        district,
        recommendation,
        duty_met,
        n_closed
    from mart_inspection
),

case_means as (
    select
        l.firm_key,
        avg(g.score) as mean_score,
        count(*) as n_reviewed
    from int_case_grades as g
    inner join stg_lawyers as l
        on g.lawyer_id = l.lawyer_id
    group by l.firm_key
)

select
    r.firm_key,
    min(r.law_firm) as law_firm,
    min(r.district) as district,
    count(*) as n_lawyers,
    sum(case when r.recommendation = 'competent' then 1 else 0 end) as n_competent,
    sum(case when r.recommendation = 'basically_competent' then 1 else 0 end) as n_basically_competent,
    sum(case when r.recommendation = 'not_competent' then 1 else 0 end) as n_not_competent,
    sum(case when r.recommendation = 'none' then 1 else 0 end) as n_not_graded,
    avg(case when r.recommendation = 'competent' then 1.0 else 0.0 end) as share_competent,
    avg(case when r.recommendation = 'basically_competent' then 1.0 else 0.0 end) as share_basically_competent,
    avg(case when r.recommendation = 'not_competent' then 1.0 else 0.0 end) as share_not_competent,
    avg(case when r.duty_met then 1.0 else 0.0 end) as share_duty_met,
    sum(r.n_closed) as n_cases_closed,
    coalesce(max(m.n_reviewed), 0) as n_cases_reviewed,
    max(m.mean_score) as mean_score
from lawyer_rows as r
left join case_means as m
    on r.firm_key = m.firm_key
group by r.firm_key
order by r.firm_key
