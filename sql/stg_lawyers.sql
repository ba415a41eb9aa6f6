-- grain: one row per accepted lawyer
-- purpose: the lawyers every credit, list and inspection table starts from,
--   with
--   years_of_practice  whole years from licensed_on to as-of, counted by
--                      anniversaries; a 29 February licence has its
--                      anniversary on 28 February in a non-leap year
--                      (credit-and-lists.md, "Calendar");
--   firm_key           firm_id when given, else the trimmed firm name: the
--                      key of firm roll-ups;
--   licensed_recently  licensed for less than min_licensed_months at the
--                      period's end (no inspection grade).
with

params as (
    select
        as_of,
        licence_cutoff
    from settings
),

date_parts as (
    select
        l.*,
        cast(extract(year from p.as_of) as bigint) as as_of_year,
        cast(extract(month from p.as_of) as bigint) * 100
            + cast(extract(day from p.as_of) as bigint) as as_of_month_day,
        cast(extract(year from l.licensed_on) as bigint) as licence_year,
        cast(extract(month from l.licensed_on) as bigint) as licence_month,
        cast(extract(day from l.licensed_on) as bigint) as licence_day,
        l.licensed_on > p.licence_cutoff as licensed_recently
    from params as p
    cross join lawyers as l
),

anniversaries as (
    select
        *,
        licence_month * 100 + case
            when licence_month = 2 and licence_day = 29
                and not ((as_of_year % 4 = 0 and as_of_year % 100 <> 0) or as_of_year % 400 = 0)
            then 28
            else licence_day
        end as anniversary_month_day
    from date_parts
)

select
    lawyer_id,
    name,
    gender,
    law_firm,
    firm_id,
    coalesce(firm_id, trim(law_firm)) as firm_key,
    district,
    licensed_on,
    practice_kind,
    specialties,
    status,
    as_of_year - licence_year
        - case when as_of_month_day < anniversary_month_day then 1 else 0 end as years_of_practice,
    licensed_recently
from anniversaries
order by lawyer_id
