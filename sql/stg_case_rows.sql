-- grain: one row per accepted case, in the period or not
-- purpose: every column of `cases`, the recipient's included, with
--   `in_period` (closed_on within [period_start, period_end], both ends
--   included; credit-and-lists.md, "Cases of the period"), which ingest
--   stages on each case and its review rows (`ingest::validate`, the one
--   place the rule is written). Deciding it here instead, by a cross join
--   with `settings`, cost a nested-loop join over every case in each of
--   seven models (2.9 s of CPU at 5 M cases), and hid the cases' count from
--   the planner: a plain filter lets it guess the period's cases few, and
--   the two models it misjudged on that guess declare their joins
--   (`models::Joins`; benches/results/NOTES.md, sessions 37 and 38). Personal
--   data: read only by `stg_cases`, which leaves it behind, and by the
--   internal marts that show recipients masked (`mart_lawyer_page_cases`),
--   which would otherwise join `cases` again (a join of every case with
--   every case). A view over `cases` (no copy), so unordered.
with

case_rows as (
    select
        case_id,
        case_key,
        case_type,
        matter,
        lawyer_id,
        center,
        district,
        assigned_on,
        closed_on,
        archived_on,
        recipient_name,
        recipient_id_no,
        recipient_groups,
        major_difficult,
        domestic_violence,
        outcome,
        in_period
    from cases
)

select *
from case_rows
