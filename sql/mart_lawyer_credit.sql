-- grain: one row per lawyer in `lawyers`
-- purpose: `lawyer_credit` (data-contract.md): the credit score with its
--   parts and reason codes, years of practice, and eligible_major — the
--   eligibility roster's flag, which reads the register as it stands after
--   this run's transitions (no negative entry proposed or listed).
with

blocked as (
    select distinct lawyer_id
    from register_entries
    where list = 'negative' and status in ('proposed', 'listed')
)

select
    c.lawyer_id,
    c.n_cases_closed,
    c.n_cases_reviewed,
    c.mean_score,
    c.quality,
    c.service,
    c.deductions,
    c.credit_score,
    c.tier,
    c.reason_codes,
    c.years_of_practice,
    c.eligible_base and b.lawyer_id is null as eligible_major,
    c.archive_rate,
    c.satisfaction_rate
from int_lawyer_credit as c
left join blocked as b
    on c.lawyer_id = b.lawyer_id
order by c.lawyer_id
