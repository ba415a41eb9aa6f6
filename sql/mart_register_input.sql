-- grain: one row per lawyer in `lawyers`
-- purpose: what the register is told of each lawyer at this run (read by
--   `lists::RegisterInputRow`): the credit figures stored as the run's
--   credit snapshot, the positive rules P1–P4 and their conjunction, and the
--   repair facts — whether the licence is revoked (by the lawyer's status or
--   a `licence_revoked` sanction decided by as-of) and the end of the
--   sanction in force behind N4; the lawyer's name and firm, so that
--   `explain` can name the lawyer and find one by name.
with

params as (
    select as_of from settings
),

revoked as (
    select l.lawyer_id
    from stg_lawyers as l
    where l.status = 'revoked'
    union
    select s.lawyer_id
    from params as p
    cross join stg_sanctions as s
    where s.kind = 'licence_revoked' and s.decided_on <= p.as_of
),

sanction_end as (
    select
        lawyer_id,
        max(sanction_end) as n4_sanction_end
    from int_negative_rules
    group by lawyer_id
)

select
    c.lawyer_id,
    l.name,
    l.law_firm,
    c.n_cases_closed,
    c.n_cases_reviewed,
    c.mean_score,
    c.mu,
    c.quality,
    c.service,
    c.deductions,
    c.credit_score,
    c.tier,
    c.reason_codes,
    c.years_of_practice,
    c.archive_rate,
    c.satisfaction_rate,
    c.n_usable_feedback,
    c.n_due,
    c.n_on_time,
    c.n_satisfied,
    c.eligible_base,
    coalesce(r.p1, false) as p1,
    coalesce(r.p2, false) as p2,
    coalesce(r.p3, false) as p3,
    coalesce(r.p4, false) as p4,
    coalesce(r.positive, false) as positive,
    v.lawyer_id is not null as licence_revoked,
    e.n4_sanction_end
from int_lawyer_credit as c
left join stg_lawyers as l
    on c.lawyer_id = l.lawyer_id
left join int_positive_rules as r
    on c.lawyer_id = r.lawyer_id
left join revoked as v
    on c.lawyer_id = v.lawyer_id
left join sanction_end as e
    on c.lawyer_id = e.lawyer_id
order by c.lawyer_id
