-- grain: one row per lawyer and negative-list rule that holds at as-of
-- purpose: the negative rules the register evaluates for this run
--   (`lists::NegativeFindingRow`): firm or held, with the evidence ids and,
--   for N4, the end of the sanction behind it; for a held rule, why its
--   cases do not count (`;`-joined hold_reason codes).
select
    lawyer_id,
    rule,
    coalesce(firm, false) as firm,
    coalesce(evidence, '') as evidence,
    sanction_end,
    coalesce(held_because, '') as held_because
from int_negative_rules
order by lawyer_id, rule
