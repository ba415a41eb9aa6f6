-- grain: one row per item of a live review of a case of the period
-- purpose: the review rows that scoring reads. A review is live when no
--   review of the same case names it in `supersedes` (one review_id, or
--   several joined by ';'); a superseded review takes no part (scoring.md,
--   "Reconciliation"). Only reviews of cases of the period are kept (reviews
--   follow their case, whatever their own date). Each row carries its
--   rubric item's maximum, optional and veto flags and position.
--   A view (read twice, aggregated at once by both readers), so unordered.
with

-- Ingest stages each accepted review row with what validation learnt of it:
-- its case's `case_type`, `in_period`, `superseded` (an accepted review
-- of the same case names its review in `supersedes`) and `review_key` (its
-- review's number, for grouping by an integer). Keeping the live rows
-- of the period is then a filter, not a join of every review row with the
-- cases and the supersede lists (hash tables the engine cannot spill).
-- A row carries no `review_id`, `case_id` or `reviewer_id`: ingest stages
-- them once per review, in `review_heads`; the row names its case by
-- number (`case_key`, as on `stg_cases`).
live_rows as (
    select
        review_key,
        case_key,
        case_type,
        reviewed_on,
        item,
        points,
        source_order
    from reviews
    where in_period and not superseded
),

with_rubric as (
    select
        lr.review_key,
        lr.case_key,
        lr.case_type,
        ri.rubric_version,
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
