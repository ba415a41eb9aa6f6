-- grain: one row per accepted lawyer
-- purpose: the profile of each internal lawyer page, one page per row in
--   this order (`publish::rows::LawyerProfileRow`).
with

profiles as (
    select
        lawyer_id,
        name,
        law_firm,
        district,
        practice_kind,
        status,
        years_of_practice
    from stg_lawyers
)

select *
from profiles
order by lawyer_id
