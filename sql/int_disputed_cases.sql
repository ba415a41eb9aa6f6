-- grain: one row per disputed case of the period (a row of mart_case_scores
--   whose reviewers split on a veto item or whose totals spread too far)
-- purpose: the disputed cases alone, for the panel report's two worklists
--   (mart_report_disputed_cases, mart_report_disputed_totals). A few in a
--   hundred cases: materialised, its row count is exact, so the engine
--   builds its joins from these rows (whole, when they are few) and streams
--   the cases' recipients and the reviews' totals past them. Read straight
--   from mart_case_scores through a filter on `disputed`, they were
--   estimated at a fifth of the scored cases (143 K at 5 M cases, over the
--   engine's threshold for building a join whole), so every case's
--   recipient columns were repartitioned to meet 81 K rows.
--   Unordered: both readers join it and sort their own rows.
with

disputed as (
    select
        case_id,
        case_type,
        lawyer_id,
        score,
        score_min,
        score_max,
        grade_label,
        veto_items
    from mart_case_scores
    where disputed
)

select *
from disputed
