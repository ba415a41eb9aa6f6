-- grain: one row per accepted sanction that still counts at as-of
-- purpose: the sanctions every rule reads (deductions, N4, P3, eligibility,
--   inspection, the licence-revoked repair fact). A sanction revoked or set
--   aside on or before as-of (`revoked_on`, data-contract.md) counts nowhere;
--   only `mart_evidence` reads the raw table, to see it as overturned
--   evidence. A view over `sanctions` (no copy), so unordered.
with

params as (
    select as_of from settings
)

select s.*
from params as p
cross join sanctions as s
where s.revoked_on is null or s.revoked_on > p.as_of
