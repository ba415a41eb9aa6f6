-- grain: one row per lawyer in `lawyers`
-- purpose: how a notice addresses a lawyer (`lists::AddresseeRow`).
select
    lawyer_id,
    name,
    law_firm
from stg_lawyers
order by lawyer_id
