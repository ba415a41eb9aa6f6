-- grain: one row per severity-sensitive case (its grade differs once the
--   reviewers' severities are taken out)
-- purpose: the panel report's worklist of cases whose grade depends on the
--   reviewers drawn (`publish::rows::SensitiveCaseRow`); the reviewers of
--   each case are `;`-joined, their severities come from
--   mart_report_severity. No recipient data: the worklist does not need it.
with

sensitive as (
    select
        case_id,
        case_type,
        lawyer_id,
        score,
        grade_label,
        adjusted_score,
        adjusted_grade_label,
        disputed
    from mart_case_scores
    where severity_sensitive
),

panel as (
    select
        t.case_id,
        -- A sorted array joined, not string_agg(... order by ...), for the
        -- reason int_credit_reasons.sql gives: an ordered aggregate runs one
        -- row accumulator per case (0.33 s of CPU for 43 K rows at 1 M
        -- cases); the ids sort the same way (by their bytes).
        arrow_cast(
            array_to_string(array_sort(array_agg(t.reviewer_id)), ';'), 'LargeUtf8'
        ) as reviewer_ids
    from int_review_totals as t
    inner join sensitive as s
        on t.case_id = s.case_id
    where t.total is not null
    group by t.case_id
)

select
    s.case_id,
    s.case_type,
    s.lawyer_id,
    l.name as lawyer_name,
    s.score,
    s.grade_label,
    s.adjusted_score,
    s.adjusted_grade_label,
    s.disputed,
    p.reviewer_ids
from sensitive as s
left join panel as p
    on s.case_id = p.case_id
left join lawyers as l
    on s.lawyer_id = l.lawyer_id
order by s.case_id
