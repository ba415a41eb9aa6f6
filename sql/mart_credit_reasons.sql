-- grain: one row per lawyer and credit reason that cost points
-- purpose: the reason codes of each lawyer's credit score, costliest first
--   (`int_credit_reasons` decides the order), as the register's credit
--   snapshot and `explain` read them (`lists::CreditReasonRow`).
select
    lawyer_id,
    rank,
    code,
    cost,
    evidence
from int_credit_reasons
order by lawyer_id, rank
