-- grain: one row per register entry (after this run's transitions)
-- purpose: the published lists, the ended entries, the panel report's held
--   entries and the lawyer pages' list history
--   (`publish::rows::EntryRow`): the entry with the lawyer's published
--   details.
with

with_lawyer as (
    select
        e.entry_id,
        e.lawyer_id,
        e.list,
        e.status,
        e.severity,
        e.rules,
        e.proposed_on,
        e.listed_on,
        e.ends_on,
        e.removed_on,
        l.name,
        l.law_firm,
        l.district,
        l.years_of_practice
    from mart_list_status as e
    left join stg_lawyers as l
        on e.lawyer_id = l.lawyer_id
)

select *
from with_lawyer
order by entry_id
