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

-- The cases are written before the review rows in the inner join: the engine
-- builds its hash table from the left side, and the review rows are by far
-- the largest table of a run. (Written as `superseded right join …`, the
-- anti-join below returned no rows on DataFusion 55 with file-backed tables;
-- it stays a left join.)
period_reviews as (
    select
        r.review_id,
        r.case_id,
        pc.case_type,
        r.reviewer_id,
        r.reviewed_on,
        r.item,
        r.points,
        r.source_order
    from period_cases as pc
    inner join reviews as r
        on pc.case_id = r.case_id
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
