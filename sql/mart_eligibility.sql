-- grain: one row per lawyer eligible for criminal and major/difficult cases
-- purpose: the assignment eligibility roster (credit-and-lists.md, policy
--   item 14): active, enough years of practice, no negative entry proposed
--   or listed, no sanction in the lookback window, a practice kind that may
--   take criminal cases — with specialties, district and credit tier so a
--   centre can choose by specialty. Ordered by district, then lawyer id.
select
    l.district,
    l.lawyer_id,
    l.name,
    l.law_firm,
    l.practice_kind,
    l.specialties,
    l.years_of_practice,
    c.tier,
    c.credit_score
from mart_lawyer_credit as c
inner join stg_lawyers as l
    on c.lawyer_id = l.lawyer_id
where c.eligible_major
order by l.district, l.lawyer_id
