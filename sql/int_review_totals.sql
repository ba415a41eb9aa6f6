-- grain: one row per live review of a case of the period
-- purpose: each review's total on the 0-100 scale (scoring.md, "One review"):
--   total = 100 * sum(points) / sum(max_points), both sums over the items
--   that applied (points null = not applicable), so a review with optional
--   items marked not applicable is rescaled, never penalised.
--   The sums are exact: points are summed as decimals with 18 places, not as
--   floating-point numbers. Floating-point addition depends on order, and a
--   plain sum follows the order rows happen to arrive in, which changes with
--   input order and parallelism; an exact sum is the same in any order, so
--   the same sheet always gives the same total to the last bit, and the
--   grouping needs no sort of the review rows. (Points are read as decimals
--   to begin with; 18 places keep every digit a double holds for points up to 100.)
--   A review's case and reviewer are the same on all its rows (ingest
--   rejects a review that mixes them): they come from `review_heads`, one
--   row per accepted review, joined after the sums. Carried through the
--   grouping as `min()` they were half of its time, a text `min` comparing
--   every row's text with a buffer per review. The rows are grouped and
--   joined by `review_key`, the review's number ingest stages on every row
--   and head: an integer key costs about a third less to hash and compare
--   than the text id. The rubric version is its case type's. The date and
--   first row are `min()` over the live rows (numbers: cheap).
with

review_sums as (
    select
        review_key,
        min(reviewed_on) as reviewed_on,
        min(source_order) as source_order,
        count(*) as n_items,
        count(points) as n_applicable,
        sum(cast(points as decimal(38, 18))) as points_sum_exact,
        sum(
            case when points is not null then max_points_exact end
        ) as max_points_sum_exact
    from stg_reviews
    group by review_key
),

-- One version per case type (stg_rubric_items keeps the one in use).
rubric_versions as (
    select
        case_type,
        min(rubric_version) as rubric_version
    from stg_rubric_items
    group by case_type
),

review_totals as (
    select
        h.review_id,
        h.case_id,
        h.case_type,
        v.rubric_version,
        h.reviewer_id,
        s.reviewed_on,
        s.source_order,
        s.n_items,
        s.n_applicable,
        cast(s.points_sum_exact as double) as points_sum,
        cast(s.max_points_sum_exact as double) as max_points_sum,
        100.0 * cast(s.points_sum_exact as double)
        / nullif(cast(s.max_points_sum_exact as double), 0) as total
    from review_sums as s
    inner join review_heads as h
        on s.review_key = h.review_key
    inner join rubric_versions as v
        on h.case_type = v.case_type
)

select *
from review_totals
order by case_id, reviewer_id, review_id
