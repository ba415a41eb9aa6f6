-- grain: one row per item of the rubric in use for a case type
-- purpose: the rubric items that reviews are scored against, with their
--   maximum, optional and veto flags and their order (`position`). There is
--   one rubric file per case type, so normally this is `rubric_items` as it
--   is; should the session ever hold several versions of one case type's
--   rubric, the greatest version string is used, so that no review item is
--   ever counted twice. `item_key` numbers the items of all rubrics; ingest
--   stages it on each review row.
with

rubric_in_use as (
    select
        case_type,
        max(rubric_version) as rubric_version
    from rubric_items
    group by case_type
),

items_in_use as (
    select
        ri.item_key,
        ri.case_type,
        ri.rubric_version,
        ri.item,
        ri.stage,
        ri.position,
        ri.max_points,
        ri.optional,
        ri.veto
    from rubric_items as ri
    inner join rubric_in_use as u
        on ri.case_type = u.case_type
        and ri.rubric_version = u.rubric_version
)

select *
from items_in_use
order by case_type, position, item
