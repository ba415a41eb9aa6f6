-- grain: one row per list entry in the register, open or ended
-- purpose: `list_status` (data-contract.md): each entry's state after this
--   run, as folded from the register's event log.
select
    entry_id,
    lawyer_id,
    list,
    status,
    severity,
    rules,
    proposed_on,
    listed_on,
    ends_on,
    removed_on
from register_entries
order by entry_id
