-- grain: one row per case type present in the rubrics (stg_rubric_items)
-- purpose: inter-reviewer agreement for the panel report and for the
--   negative-list rules (scoring.md, "Reviewer reliability"); written out as
--   `panel_agreement`.
--   n_cases  cases of the type with two or more live reviews;
--   alpha    Krippendorff's alpha, interval metric, over the review totals of
--            those cases; null when n_cases < alpha_min_cases (settings) or
--            when the expected disagreement is 0 (within 1e-9): alpha is
--            undefined then.
--
-- Method: K. Krippendorff, "Computing Krippendorff's Alpha-Reliability"
--   (2011), section on the interval metric, written in sums. Units are
--   cases, values are review totals; only units with m_u >= 2 values are
--   pairable, n = the number of pairable values.
--     sum over ordered pairs i != j in unit u of (v_i - v_j)^2
--         = 2 m_u sum(v^2) - 2 (sum v)^2 = 2 m_u SS_u,
--     SS_u = sum over u of (v - mean_u)^2;
--     D_o = (1/n) sum_u [2 m_u SS_u / (m_u - 1)];
--     D_e = (2 n sum(v^2) - 2 (sum v)^2) / (n (n - 1)) = 2 SS / (n - 1),
--     SS = sum over all pairable values of (v - mean)^2;
--     alpha = 1 - D_o / D_e.
--   The centred forms are used because the raw sums of squares cancel
--   catastrophically for totals near 100 (identical reviewers would get a
--   tiny non-zero D_e from rounding noise instead of 0).
--   Everything comes from one pass over the totals, one row per unit:
--   SS_u = m_u * var_pop (DataFusion's variance is Welford's update, as
--   stable as the centred two-pass sum), and the type's SS splits into
--   within- and between-unit parts,
--     SS = sum_u [SS_u + m_u (mean_u - mean)^2],
--   so no value is read twice. Written with the values joined back to their
--   unit, the totals were scanned six times and the units grouped three
--   times (CTEs are inlined): 2.6-3.3 s at 5 M cases against 0.4 s at 1 M.
with

params as (
    select alpha_min_cases
    from settings
),

case_types as (
    select distinct case_type
    from stg_rubric_items
),

units as (
    select
        case_type,
        case_id,
        count(*) as m_u,
        avg(total) as unit_mean,
        var_pop(total) * count(*) as ss_u
    from int_review_totals
    where total is not null
    group by case_type, case_id
    having count(*) >= 2
),

-- The mean of the type's pairable values, on each of its units.
units_with_type_mean as (
    select
        case_type,
        m_u,
        unit_mean,
        ss_u,
        sum(m_u * unit_mean) over (partition by case_type)
        / sum(m_u) over (partition by case_type) as type_mean
    from units
),

sums as (
    select
        case_type,
        count(*) as n_cases,
        sum(m_u) as n_values,
        sum(2.0 * m_u * ss_u / (m_u - 1)) as pair_sum,
        sum(ss_u + m_u * (unit_mean - type_mean) * (unit_mean - type_mean)) as ss
    from units_with_type_mean
    group by case_type
),

disagreement as (
    select
        case_type,
        n_cases,
        pair_sum / n_values as d_o,
        2.0 * ss / (n_values - 1) as d_e
    from sums
),

agreement as (
    select
        t.case_type,
        coalesce(d.n_cases, 0) as n_cases,
        case
            when coalesce(d.n_cases, 0) >= p.alpha_min_cases and d.d_e > 1e-9
                then 1.0 - d.d_o / d.d_e
        end as alpha
    from params as p
    cross join case_types as t
    left join disagreement as d
        on t.case_type = d.case_type
)

select *
from agreement
order by case_type
