-- grain: one row per sanction in the inputs
-- purpose: the sanctions shown beside an N4 entry of the published negative
--   list (`publish::rows::SanctionRow`), oldest decision first.
with

sanctions_in as (
    select
        sanction_id,
        lawyer_id,
        kind,
        summary,
        decided_on
    from sanctions
)

select *
from sanctions_in
order by decided_on, sanction_id
