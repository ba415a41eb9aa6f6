-- grain: one row per live review of a case of the period
-- purpose: each review's total on the 0-100 scale (scoring.md, "One review"):
--   total = 100 * sum(points) / sum(max_points), both sums over the items
--   that applied (points null = not applicable), so a review with optional
--   items marked not applicable is rescaled, never penalised.
--   The sums run in rubric order (a running window sum, its last row taken)
--   rather than as a plain aggregate: floating-point addition depends on
--   order, and a plain sum follows the order rows happen to arrive in, which
--   changes with input order and parallelism. Summed in one fixed order, the
--   same sheet always gives the same total to the last bit. Every window here
--   shares that one ordering (the last row is found by its row number, not
--   by a descending window), so that the planner never evaluates the running
--   sums in reverse.
with

running_sums as (
    select
        review_id,
        case_id,
        case_type,
        rubric_version,
        reviewer_id,
        reviewed_on,
        min(source_order) over (partition by review_id) as source_order,
        count(*) over (partition by review_id) as n_items,
        count(points) over (partition by review_id) as n_applicable,
        sum(points) over (
            partition by review_id
            order by position, item
            rows between unbounded preceding and current row
        ) as points_sum,
        sum(case when points is not null then max_points end) over (
            partition by review_id
            order by position, item
            rows between unbounded preceding and current row
        ) as max_points_sum,
        row_number() over (
            partition by review_id
            order by position, item
        ) as row_in_review
    from stg_reviews
),

review_sums as (
    select
        review_id,
        case_id,
        case_type,
        rubric_version,
        reviewer_id,
        reviewed_on,
        source_order,
        n_items,
        n_applicable,
        points_sum,
        max_points_sum
    from running_sums
    where row_in_review = n_items
),

review_totals as (
    select
        review_id,
        case_id,
        case_type,
        rubric_version,
        reviewer_id,
        reviewed_on,
        source_order,
        n_items,
        n_applicable,
        points_sum,
        max_points_sum,
        100.0 * points_sum / nullif(max_points_sum, 0) as total
    from review_sums
)

select *
from review_totals
order by case_id, reviewer_id, review_id
