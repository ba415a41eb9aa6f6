-- grain: one row per register event (the log as this run leaves it)
-- purpose: the last publication date, the evidence and end dates of the
--   published entries and the lawyer pages' event tables
--   (`publish::rows::EventRow`).
with

events as (
    select
        event_id,
        entry_id,
        lawyer_id,
        list,
        kind,
        date,
        run_id,
        actor,
        reason,
        rules,
        evidence
    from register_events
)

select *
from events
order by event_id
