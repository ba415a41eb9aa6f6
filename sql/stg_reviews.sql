-- grain: one row per item of a live review of a case of the period
-- purpose: the review rows that scoring reads. A review is live when no
--   review of the same case names it in `supersedes` (one review_id, or
--   several joined by ';'); a superseded review takes no part (scoring.md,
--   "Reconciliation"). Only reviews of cases of the period are kept (reviews
--   follow their case, whatever their own date). Each row carries its
--   rubric item's maximum, optional and veto flags and position.
--   A view (read twice, aggregated at once by both readers), so unordered.
with

supersede_lists as (
    select distinct
        case_id,
        supersedes
    from reviews
    where supersedes is not null
),

supersede_ids as (
    select
        case_id,
        unnest(string_to_array(supersedes, ';')) as superseded_id
    from supersede_lists
),

superseded as (
    select distinct
        case_id,
        trim(superseded_id) as review_id
    from supersede_ids
    where trim(superseded_id) <> ''
),

period_cases as (
    select
        case_id,
        case_type
    from stg_cases
    where in_period
),

live_rows as (
    select
        r.review_id,
        r.case_id,
        pc.case_type,
        r.reviewer_id,
        r.reviewed_on,
        r.item,
        r.points,
        r.source_order
    from reviews as r
    inner join period_cases as pc
        on r.case_id = pc.case_id
    left join superseded as s
        on r.case_id = s.case_id
        and r.review_id = s.review_id
    where s.review_id is null
),

with_rubric as (
    select
        lr.review_id,
        lr.case_id,
        lr.case_type,
        ri.rubric_version,
        lr.reviewer_id,
        lr.reviewed_on,
        lr.item,
        ri.stage,
        ri.position,
        lr.points,
        ri.max_points,
        ri.optional,
        ri.veto,
        lr.source_order
    from live_rows as lr
    inner join stg_rubric_items as ri
        on lr.case_type = ri.case_type
        and lr.item = ri.item
)

select *
from with_rubric
