-- grain: one row per item of a live review of a case of the period
-- purpose: the review rows that scoring reads. A review is live when no
--   review of the same case names it in `supersedes` (one review_id, or
--   several joined by ';'); a superseded review takes no part (scoring.md,
--   "Reconciliation"). Only reviews of cases of the period are kept (reviews
--   follow their case, whatever their own date). Each row carries its
--   rubric item's maximum (also as the exact decimal the review totals
--   sum), optional and veto flags and position.
--   A view (read twice, aggregated at once by both readers), so unordered.
with

-- Ingest stages each accepted review row with what validation learnt of it:
-- its case's `in_period`, `superseded` (an accepted review of the same
-- case names its review in `supersedes`), `review_key` (its review's
-- number, for grouping by an integer) and `item_key` (its rubric item's
-- number). Keeping the live rows of the period is then a filter, not a
-- join of every review row with the cases and the supersede lists (hash
-- tables the engine cannot spill). A row carries no `review_id`,
-- `case_id` or `reviewer_id`: ingest stages them once per review, in
-- `review_heads`; the row names its case by number (`case_key`, as on
-- `stg_cases`), and its item and case type by its item's number.
live_rows as (
    select
        review_key,
        case_key,
        item_key,
        reviewed_on,
        points,
        source_order
    from reviews
    where in_period and not superseded
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
    inner join live_rows as lr
        on ri.item_key = lr.item_key
)

select *
from with_rubric
