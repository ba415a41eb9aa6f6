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
with

params as (
    select alpha_min_cases
    from settings
),

case_types as (
    select distinct case_type
    from stg_rubric_items
),

review_values as (
    select
        case_type,
        case_id,
        total
    from int_review_totals
    where total is not null
),

units as (
    select
        case_type,
        case_id,
        count(*) as m_u,
        avg(total) as unit_mean
    from review_values
    group by case_type, case_id
    having count(*) >= 2
),

pairable_values as (
    select
        v.case_type,
        v.case_id,
        v.total,
        u.m_u,
        u.unit_mean
    from review_values as v
    inner join units as u
        on v.case_type = u.case_type
        and v.case_id = u.case_id
),

unit_disagreement as (
    select
        case_type,
        case_id,
        2.0 * m_u * sum((total - unit_mean) * (total - unit_mean)) / (m_u - 1)
            as pair_sum_per_unit
    from pairable_values
    group by case_type, case_id, m_u
),

observed as (
    select
        case_type,
        count(*) as n_cases,
        sum(pair_sum_per_unit) as pair_sum
    from unit_disagreement
    group by case_type
),

type_means as (
    select
        case_type,
        count(*) as n_values,
        avg(total) as type_mean
    from pairable_values
    group by case_type
),

expected as (
    select
        v.case_type,
        m.n_values,
        sum((v.total - m.type_mean) * (v.total - m.type_mean)) as ss
    from pairable_values as v
    inner join type_means as m
        on v.case_type = m.case_type
    group by v.case_type, m.n_values
),

disagreement as (
    select
        o.case_type,
        o.n_cases,
        o.pair_sum / e.n_values as d_o,
        2.0 * e.ss / (e.n_values - 1) as d_e
    from observed as o
    inner join expected as e
        on o.case_type = e.case_type
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
