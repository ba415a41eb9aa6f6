-- grain: one row per disputed case
-- purpose: the panel report's disputed-case worklist
--   (`publish::rows::DisputedCaseRow`), internal only: the recipient is
--   masked when the page is written (privacy rule 2). split_items names the
--   veto items the reviewers split on (`;`-joined in rubric order), empty
--   when the case is disputed only by the spread of its totals.
with

split_items as (
    select
        case_id,
        string_agg(item, ';' order by position, item) as split_items
    from int_case_veto_items
    where split
    group by case_id
),

with_people as (
    select
        s.case_id,
        s.case_type,
        s.lawyer_id,
        l.name as lawyer_name,
        c.recipient_name,
        c.recipient_id_no,
        s.score,
        s.score_min,
        s.score_max,
        s.grade_label,
        s.veto_items,
        coalesce(v.split_items, '') as split_items
    from int_disputed_cases as s
    left join split_items as v
        on s.case_id = v.case_id
    inner join cases as c
        on s.case_id = c.case_id
    left join lawyers as l
        on s.lawyer_id = l.lawyer_id
)

select *
from with_people
order by case_id
