-- grain: one row per case of the period with at least one live review
-- purpose: the panel aggregate of each case (scoring.md, "One case"); read
--   by the credit and list rules and written out as `case_scores`.
--   score      median of the review totals (even n: mean of the two middle
--              values); score_min / score_max the lowest and highest total.
--              Unrounded here: later SQL compares them against thresholds;
--              rounding to 2 decimals happens on output only.
--   veto       true when any veto item's median points are 0;
--   veto_items the failing veto items' codes joined by ';' in rubric order,
--              the empty string when none fails (never null).
--   grade      code and label of the band with the largest lower_bound
--              <= score + 1e-9, except that a vetoed case gets the rubric's
--              fail band whatever its score.
--   disputed   score_max - score_min > dispute_spread + 1e-9, or reviewers
--              split on a veto item.
--   adjusted_score      median of the reviews' adjusted totals, total minus
--              the reviewer's severity in the case type (int_reviewer_severity),
--              clamped to [0, 100] ("Reviewer severity adjustment");
--   adjusted_grade      the band of adjusted_score, or the fail band when
--              vetoed (vetoes are not adjusted), with adjusted_grade_label;
--   severity_sensitive  adjusted_grade differs from grade.
with

params as (
    select dispute_spread
    from settings
),

adjusted_totals as (
    select
        t.case_id,
        t.case_type,
        t.rubric_version,
        t.total,
        greatest(0.0, least(100.0, t.total - coalesce(s.severity, 0.0))) as adjusted_total
    from int_review_totals as t
    left join int_reviewer_severity as s
        on t.case_type = s.case_type
        and t.reviewer_id = s.reviewer_id
    where t.total is not null
),

panels as (
    select
        case_id,
        case_type,
        rubric_version,
        count(*) as n_reviews,
        median(total) as score,
        min(total) as score_min,
        max(total) as score_max,
        median(adjusted_total) as adjusted_score
    from adjusted_totals
    group by case_id, case_type, rubric_version
),

veto_verdicts as (
    select
        case_id,
        bool_or(failed) as veto,
        bool_or(split) as veto_split
    from int_case_veto_items
    group by case_id
),

failed_veto_items as (
    select
        case_id,
        string_agg(item, ';' order by position, item) as veto_items
    from int_case_veto_items
    where failed
    group by case_id
),

-- Each band as the range of values it takes: from its lower bound up to the
-- next band's (none above the top band). A value belongs to the band whose
-- lower_bound <= value + 1e-9 < next_lower_bound, which is the band with the
-- largest lower bound <= value + 1e-9, because a rubric's bands have
-- distinct lower bounds (rubric.rs, `validate_bands`). A range join finds
-- it for each score with no window over the cases, and `panels` is read
-- once: a CTE is computed once per reference, and a lookup CTE read for
-- both scores computed the panels three times (a sort and a window each,
-- spilling at 5 M cases).
band_ranges as (
    select
        case_type,
        rubric_version,
        band_code,
        band_label,
        lower_bound,
        lead(lower_bound) over (
            partition by case_type, rubric_version
            order by lower_bound
        ) as next_lower_bound
    from rubric_bands
),

fail_bands as (
    select
        case_type,
        rubric_version,
        band_code,
        band_label,
        row_number() over (
            partition by case_type, rubric_version
            order by lower_bound, band_rank desc
        ) as band_order
    from rubric_bands
    where is_fail
),

case_scores as (
    select
        p.case_id,
        c.case_type,
        c.lawyer_id,
        p.rubric_version,
        p.n_reviews,
        p.score,
        p.score_min,
        p.score_max,
        p.adjusted_score,
        ab.band_code as adjusted_band_code,
        ab.band_label as adjusted_band_label,
        coalesce(v.veto, false) as veto,
        coalesce(fv.veto_items, '') as veto_items,
        coalesce(v.veto_split, false) as veto_split,
        sb.band_code as score_band_code,
        sb.band_label as score_band_label,
        fb.band_code as fail_band_code,
        fb.band_label as fail_band_label
    from panels as p
    inner join stg_cases as c
        on p.case_id = c.case_id
    left join veto_verdicts as v
        on p.case_id = v.case_id
    left join failed_veto_items as fv
        on p.case_id = fv.case_id
    left join band_ranges as sb
        on p.case_type = sb.case_type
        and p.rubric_version = sb.rubric_version
        and sb.lower_bound <= p.score + 1e-9
        and (sb.next_lower_bound is null or p.score + 1e-9 < sb.next_lower_bound)
    left join band_ranges as ab
        on p.case_type = ab.case_type
        and p.rubric_version = ab.rubric_version
        and ab.lower_bound <= p.adjusted_score + 1e-9
        and (
            ab.next_lower_bound is null
            or p.adjusted_score + 1e-9 < ab.next_lower_bound
        )
    left join fail_bands as fb
        on p.case_type = fb.case_type
        and p.rubric_version = fb.rubric_version
        and fb.band_order = 1
)

select
    cs.case_id,
    cs.case_type,
    cs.lawyer_id,
    cs.rubric_version,
    cs.n_reviews,
    cs.score,
    cs.score_min,
    cs.score_max,
    case when cs.veto then cs.fail_band_code else cs.score_band_code end as grade,
    case when cs.veto then cs.fail_band_label else cs.score_band_label end as grade_label,
    cs.veto,
    cs.veto_items,
    (cs.score_max - cs.score_min > p.dispute_spread + 1e-9) or cs.veto_split as disputed,
    cs.adjusted_score,
    case when cs.veto then cs.fail_band_code else cs.adjusted_band_code end as adjusted_grade,
    case
        when cs.veto then cs.fail_band_label else cs.adjusted_band_label
    end as adjusted_grade_label,
    (not cs.veto) and cs.adjusted_band_code is distinct from cs.score_band_code
        as severity_sensitive
from params as p
cross join case_scores as cs
order by cs.case_id
