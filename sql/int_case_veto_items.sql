-- grain: one row per case of the period with a live review, per veto item of
--   its rubric
-- purpose: the panel's verdict on each veto item (scoring.md, "Veto"): the
--   item fails when the median of its points across the live reviews is 0
--   (median of an even count = mean of the two middle values), and the
--   reviewers are split when some scored it 0 and some did not (a split makes
--   the case disputed). "0" means within the 1e-9 tolerance of
--   credit-and-lists.md, "Exact comparisons".
--   A veto item's points are 0 or its maximum (ingest rejects anything else,
--   `veto_not_binary`), so the median is 0 exactly when more than half of
--   the points are 0: with an even count, one 0 and one maximum in the
--   middle give half the maximum. Counting is used instead of `median`,
--   whose accumulator re-measured every group on every batch (a quarter of
--   this model's time at 5 M cases, with 3.5 M groups).
--   The review rows name their case by number (`case_key`; ingest stages
--   `case_id` once per review and case, not on every row) and their item by
--   number (`item_key`), so the rows are grouped by two integers and the
--   case's id and the item's code and position are joined to the groups.
--   Unordered (`Kind::Unordered` in src/models/mod.rs): its readers
--   aggregate it per case (`bool_or`, and `string_agg` in rubric order), so
--   the order of its rows reaches no output, and sorting every (case, veto
--   item) by the case's text id was a sort that spilled at 5 M cases under
--   a 3 GiB memory limit.
with

veto_points as (
    select
        case_key,
        item_key,
        points
    from stg_reviews
    where veto
),

per_item as (
    select
        case_key,
        item_key,
        count(points) as n_scored,
        sum(case when points <= 1e-9 then 1 else 0 end) as n_zero
    from veto_points
    group by case_key, item_key
),

verdicts as (
    select
        c.case_id,
        ri.item,
        ri.position,
        i.n_scored,
        i.n_zero,
        2 * i.n_zero > i.n_scored as failed,
        (i.n_zero > 0 and i.n_zero < i.n_scored) as split
    from per_item as i
    inner join stg_cases as c
        on i.case_key = c.case_key
    inner join stg_rubric_items as ri
        on i.item_key = ri.item_key
)

select *
from verdicts
