-- grain: one row per accepted case, in the period or not
-- purpose: every column of `cases`, the recipient's included, with
--   `in_period` set from `settings`: closed_on within [period_start,
--   period_end], both ends included (credit-and-lists.md, "Cases of the
--   period"). The one place that rule is written. Personal data: read only
--   by `stg_cases`, which leaves it behind, and by the internal marts that
--   show recipients masked (`mart_lawyer_page_cases`), which would otherwise
--   join `cases` again (a join of every case with every case). A view over
--   `cases` (no copy), so unordered.
with

period as (
    select
        period_start,
        period_end
    from settings
),

cases_with_period as (
    select
        c.case_id,
        c.case_key,
        c.case_type,
        c.matter,
        c.lawyer_id,
        c.center,
        c.district,
        c.assigned_on,
        c.closed_on,
        c.archived_on,
        c.recipient_name,
        c.recipient_id_no,
        c.recipient_groups,
        c.major_difficult,
        c.domestic_violence,
        c.outcome,
        coalesce(
            c.closed_on >= p.period_start and c.closed_on <= p.period_end,
            false
        ) as in_period
    from period as p
    cross join cases as c
)

select *
from cases_with_period
