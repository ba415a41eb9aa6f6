-- grain: one row per case of the period
-- purpose: timely archiving of each case (credit-and-lists.md, "Archiving"):
--   due      archived by as-of, or more than archive_days since closing;
--   on_time  archived by as-of within archive_days of closing;
--   late     due and not on time (a compliance flag). A case not yet due
--            counts in neither.
--   Unordered (`Kind::Unordered` in src/models/mod.rs): its readers count
--   its flags per lawyer, sort the case ids they gather, or join it by case.
with

params as (
    select
        as_of,
        archive_days
    from settings
)

select
    c.case_id,
    c.lawyer_id,
    (c.archived_on is not null and c.archived_on <= p.as_of)
        or (cast(p.as_of as int) - cast(c.closed_on as int) > p.archive_days) as due,
    coalesce(
        c.archived_on <= p.as_of
            and cast(c.archived_on as int) - cast(c.closed_on as int) <= p.archive_days,
        false
    ) as on_time
from params as p
cross join stg_cases as c
where c.in_period
