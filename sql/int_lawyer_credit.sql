-- grain: one row per lawyer in `lawyers`
-- purpose: the credit score before the register's transitions
--   (credit-and-lists.md, "Lawyer credit score"):
--   credit_score = clamp(weight_quality * Q + weight_service * S - D, 0, 100),
--   tier A/B/C by the tier bounds (compared with a 1e-9 tolerance), D below;
--   both empty when the period has no scored case (Q undefined).
--   reason_codes  the (at most) four costliest reason codes, ';'-joined;
--   eligible_base every eligibility condition that does not need the
--                 register: active, years_of_practice >= the policy's
--                 minimum, no sanction in the lookback window, practice kind
--                 allowed to take criminal cases.
with

params as (
    select
        weight_quality,
        weight_service,
        tier_a,
        tier_b,
        tier_c,
        major_case_min_years
    from settings
),

deductions as (
    select
        lawyer_id,
        sum(points) as deductions,
        sum(case when factor = 'D1' then 1 else 0 end) as n_sanctions_in_window
    from int_conduct_events
    where in_window
    group by lawyer_id
),

-- The codes by rank (1..4, contiguous: a row_number), joined in that
-- order; concat_ws skips the ranks a lawyer has not. Not an ordered
-- string_agg, which runs a row accumulator per lawyer (1.9 s at 5 M
-- cases, 0.2 s this way).
top_reasons as (
    select
        lawyer_id,
        arrow_cast(
            concat_ws(
                ';',
                max(case when rank = 1 then code end),
                max(case when rank = 2 then code end),
                max(case when rank = 3 then code end),
                max(case when rank = 4 then code end)
            ),
            'LargeUtf8'
        ) as reason_codes
    from int_credit_reasons
    where rank <= 4
    group by lawyer_id
),

scores as (
    select
        l.lawyer_id,
        s.n_cases_closed,
        q.n_cases_reviewed,
        q.mean_score,
        q.mu,
        q.quality,
        s.service,
        s.archive_rate,
        s.satisfaction_rate,
        s.n_usable_feedback,
        s.n_due,
        s.n_on_time,
        s.n_satisfied,
        coalesce(d.deductions, 0.0) as deductions,
        coalesce(d.n_sanctions_in_window, 0) as n_sanctions_in_window,
        case
            when q.quality is null then null
            else greatest(
                0.0,
                least(100.0, p.weight_quality * q.quality + p.weight_service * s.service - coalesce(d.deductions, 0.0))
            )
        end as credit_score,
        coalesce(r.reason_codes, '') as reason_codes,
        l.years_of_practice,
        l.status,
        l.practice_kind
    from params as p
    cross join stg_lawyers as l
    inner join int_lawyer_quality as q
        on l.lawyer_id = q.lawyer_id
    inner join int_lawyer_service as s
        on l.lawyer_id = s.lawyer_id
    left join deductions as d
        on l.lawyer_id = d.lawyer_id
    left join top_reasons as r
        on l.lawyer_id = r.lawyer_id
)

select
    s.lawyer_id,
    s.n_cases_closed,
    s.n_cases_reviewed,
    s.mean_score,
    s.mu,
    s.quality,
    s.service,
    s.deductions,
    s.credit_score,
    case
        when s.credit_score is null then null
        when s.credit_score >= p.tier_a - 1e-9 then 'A'
        when s.credit_score >= p.tier_b - 1e-9 then 'B'
        when s.credit_score >= p.tier_c - 1e-9 then 'C'
        else 'D'
    end as tier,
    s.reason_codes,
    s.years_of_practice,
    s.archive_rate,
    s.satisfaction_rate,
    s.n_usable_feedback,
    s.n_due,
    s.n_on_time,
    s.n_satisfied,
    s.status = 'active'
        and s.years_of_practice >= p.major_case_min_years
        and s.n_sanctions_in_window = 0
        and not pr.not_for_criminal as eligible_base
from params as p
cross join scores as s
inner join practice_rules as pr
    on s.practice_kind = pr.practice_kind
order by s.lawyer_id
