-- grain: one row per case of the period with at least one flag
-- purpose: the compliance checks drawn from the case records themselves
--   (credit-and-lists.md, "Compliance checks"), each a flag to look at:
--   late_archive          archived later than archive_days (or not yet and due);
--   dv_male_lawyer        a domestic-violence case handled by a male lawyer;
--   junior_on_major       a criminal or major/difficult case given to a lawyer
--                         with fewer than major_case_min_years of practice on
--                         assigned_on (anniversaries, 29 Feb → 28 Feb);
--   grassroots_criminal   a criminal case given to a practice kind that may
--                         not defend in criminal cases;
--   assigned_while_listed assigned on a day the lawyer's negative entry was
--                         listed.
--   A case with no flag is left out: its readers list the flagged cases
--   (mart_case_compliance) or count the flags per lawyer (mart_inspection),
--   and such a case adds nothing to either (at 5 M cases, 0.74 M rows are
--   kept of the period's 4.75 M). Each case carries what the list shows of
--   it (type, district, assignment date), so no reader joins the cases again.
--   Unordered (`Kind::Unordered` in src/models/mod.rs): its readers count
--   the flags per lawyer or sort the cases by id. Its joins
--   are built from their first input as written (`Joins::AsWritten`): a
--   filter on `in_period` is guessed to keep a fifth of the cases, and on
--   that guess the engine built the 4.75 M cases of 5 M into one hash table
--   to probe with the few listed ones (benches/results/NOTES.md, session
--   38).
with

params as (
    select major_case_min_years
    from settings
),

facts as (
    -- each join's first input is the smaller, built into the hash table
    -- (the model's joins are `Joins::AsWritten`): practice kinds, then the
    -- lawyers with their kind, then the period's cases
    select
        c.case_id,
        c.case_type,
        c.lawyer_id,
        c.district,
        c.assigned_on,
        c.major_difficult,
        c.domestic_violence,
        l.gender,
        l.licensed_on,
        pr.not_for_criminal,
        a.due and not a.on_time as late_archive,
        cast(extract(year from c.assigned_on) as bigint) as assigned_year,
        cast(extract(month from c.assigned_on) as bigint) * 100
            + cast(extract(day from c.assigned_on) as bigint) as assigned_month_day,
        cast(extract(year from l.licensed_on) as bigint) as licence_year,
        cast(extract(month from l.licensed_on) as bigint) as licence_month,
        cast(extract(day from l.licensed_on) as bigint) as licence_day
    from practice_rules as pr
    inner join stg_lawyers as l
        on l.practice_kind = pr.practice_kind
    inner join stg_cases as c
        on c.lawyer_id = l.lawyer_id
    inner join int_case_archiving as a
        on c.case_id = a.case_id
    where c.in_period
),

experience as (
    select
        *,
        assigned_year - licence_year - case
            when assigned_month_day < licence_month * 100 + case
                when licence_month = 2 and licence_day = 29
                    and not ((assigned_year % 4 = 0 and assigned_year % 100 <> 0) or assigned_year % 400 = 0)
                then 28
                else licence_day
            end
            then 1
            else 0
        end as years_at_assignment
    from facts
),

listed_on_assignment as (
    -- from the cases themselves, not `experience`, which would be computed
    -- a second time; the register's entries are the input built
    select distinct c.case_id
    from register_entries as r
    inner join stg_cases as c
        on c.lawyer_id = r.lawyer_id
    where r.list = 'negative'
        and c.in_period
        and r.listed_on is not null
        and r.listed_on <= c.assigned_on
        and (r.ends_on is null or c.assigned_on <= r.ends_on)
        and (r.removed_on is null or c.assigned_on < r.removed_on)
),

flagged as (
    select
        e.case_id,
        e.lawyer_id,
        e.case_type,
        e.district,
        e.assigned_on,
        e.late_archive,
        coalesce(e.domestic_violence and e.gender = 'M', false) as dv_male_lawyer,
        (e.case_type = 'criminal' or e.major_difficult)
            and e.years_at_assignment < p.major_case_min_years as junior_on_major,
        e.case_type = 'criminal' and e.not_for_criminal as grassroots_criminal,
        l.case_id is not null as assigned_while_listed
    from params as p
    cross join (
        -- every case, listed or not: a right join, so that the engine builds
        -- its hash table from the few cases assigned while listed (the left
        -- input)
        listed_on_assignment as l
        right join experience as e
            on e.case_id = l.case_id
    )
)

select *
from flagged
-- a flag that is null (no archiving due date, no licence date) is not one
where late_archive
    or dv_male_lawyer
    or junior_on_major
    or grassroots_criminal
    or assigned_while_listed
