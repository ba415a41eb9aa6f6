-- grain: one row per lawyer for whom rule N4 holds
-- purpose: the sanctions behind an N4 finding of this run
--   (`publish::rows::N4EvidenceRow`), for a listed N4 entry whose events
--   name none of the lawyer's sanctions.
with

n4 as (
    select
        lawyer_id,
        evidence
    from int_negative_rules
    where rule = 'N4'
)

select *
from n4
order by lawyer_id, evidence
