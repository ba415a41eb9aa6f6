-- grain: one row per accepted case, in the period or not
-- purpose: the cases that scoring starts from, with `in_period`
--   (`stg_case_rows`). Cases outside the period stay here (the manifest
--   counts them) but take no part in scores. The recipient's name and
--   identity number are left behind: scoring, credit and the lists need no
--   personal data. A view (no copy), so unordered.
with

cases_without_recipient as (
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
        recipient_groups,
        major_difficult,
        domestic_violence,
        outcome,
        in_period
    from stg_case_rows
)

select *
from cases_without_recipient
