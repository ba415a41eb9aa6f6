-- grain: one row per item of a live review of a case of the period
-- purpose: the review rows that scoring reads. A review is live when no
--   accepted review of the same case names it in `supersedes` (one
--   review_id, or several joined by ';'); a superseded review takes no part
--   (scoring.md, "Reconciliation"). Only reviews of cases of the period are kept (reviews
--   follow their case, whatever their own date). Each row carries its
--   rubric item's maximum (also as the exact decimal the review totals
--   sum), optional and veto flags and position.
--   A view (read twice, aggregated at once by both readers), so unordered.
with

-- Ingest stages each review row as it is read, before its review's verdict
-- is known (every row that broke no rule of its own), with what validation
-- learnt of it: its case's `in_period`, `review_key` (its review's number,
-- for grouping by an integer) and `item_key` (its rubric item's number).
-- At the table's end it stages in `dropped_reviews` the number of every
-- review whose rows take no part: rejected as a whole, or superseded by an
-- accepted review. Keeping the live rows of the period is then a filter and
-- an anti join with that small table (a few in a hundred reviews: see
-- `live_with_rubric`), not a join of every review row with the cases and
-- the supersede lists (hash tables the engine cannot spill), nor a second
-- pass of ingest over every row to drop them. A row carries no `review_id`, `case_id` or
-- `reviewer_id`: ingest stages them once per accepted review, in
-- `review_heads`; the row names its case by number (`case_key`, as on
-- `stg_cases`), and its item and case type by its item's number.
rows_of_period as (
    select
        review_key,
        case_key,
        item_key,
        reviewed_on,
        points,
        source_order
    from reviews
    where in_period
),

-- The maximum as the exact decimal `int_review_totals` sums, cast once per
-- rubric item here rather than once per review row there.
rubric as (
    select
        *,
        cast(max_points as decimal(38, 18)) as max_points_exact
    from stg_rubric_items
),

-- By the item's number alone: one integer to hash and compare per row, not
-- the case type and item code (a row's item is of its case type's rubric).
with_rubric as (
    select
        lr.review_key,
        lr.case_key,
        ri.case_type,
        ri.rubric_version,
        lr.reviewed_on,
        lr.item_key,
        ri.item,
        ri.stage,
        ri.position,
        lr.points,
        ri.max_points,
        ri.max_points_exact,
        ri.optional,
        ri.veto,
        lr.source_order
    from rubric as ri
    inner join rows_of_period as lr
        on ri.item_key = lr.item_key
),

-- The rows of the dropped reviews left out last, so that a reader's filter
-- on the rubric (`int_case_veto_items` keeps veto items only) is applied
-- before, not after, every row is looked up.
live_with_rubric as (
    select wr.*
    from with_rubric as wr
    left anti join dropped_reviews as d
        on wr.review_key = d.review_key
)

select *
from live_with_rubric
