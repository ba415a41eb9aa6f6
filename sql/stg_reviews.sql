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

-- Ingest stages each accepted review row with its case's `case_type` and
-- `in_period` (validation looked the case up anyway), so keeping the
-- period's rows is a filter, not a join of every review row with the cases
-- (a hash table the engine cannot spill).
period_reviews as (
    select
        review_id,
        case_id,
        case_type,
        reviewer_id,
        reviewed_on,
        item,
        points,
        source_order
    from reviews
    where in_period
),

live_rows as (
    select
        pr.review_id,
        pr.case_id,
        pr.case_type,
        pr.reviewer_id,
        pr.reviewed_on,
        pr.item,
        pr.points,
        pr.source_order
    from period_reviews as pr
    left join superseded as s
        on pr.case_id = s.case_id
        and pr.review_id = s.review_id
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
    from stg_rubric_items as ri
    inner join live_rows as lr
        on ri.case_type = lr.case_type
        and ri.item = lr.item
)

select *
from with_rubric
