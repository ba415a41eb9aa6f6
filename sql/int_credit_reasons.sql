-- grain: one row per lawyer and credit factor that cost points
-- purpose: the reason codes of the credit score (credit-and-lists.md,
--   "Reason codes"), each with the points it cost and the evidence ids:
--   Q1 quality below 100      weight_quality * (100 - Q)       scored cases below 100
--   S1 late archiving         weight_service / 2 * (100 - 100 * archive_rate)   late cases
--   S2 dissatisfied recipients weight_service / 2 * (100 - 100 * satisfaction_rate)   cases
--   C1 substantiated complaints, C2 prohibited-conduct complaints, D1 sanctions:
--      their deductions in the lookback window.
--   rank orders by unrounded cost, largest first, ties in the registry's
--   order (`credit_reasons.tie_order`, from `credit::CREDIT_REASONS`:
--   Q1, S1, S2, C1, C2, D1); factors that cost nothing are not listed.
-- The case-id evidence lists are sorted arrays joined, not
--   string_agg(... order by ...): an ordered aggregate runs one row
--   accumulator per lawyer and re-measures its values every batch (the
--   model took 5.9 s at 5 M cases, 0.9 s this way); array_agg groups in
--   columns, and array_sort orders the ids the same way (by their bytes).
with

params as (
    select
        weight_quality,
        weight_service
    from settings
),

quality_evidence as (
    select
        lawyer_id,
        arrow_cast(array_to_string(array_sort(array_agg(case_id)), ';'), 'LargeUtf8') as evidence
    from int_case_grades
    where score < 100 - 1e-9
    group by lawyer_id
),

late_evidence as (
    select
        lawyer_id,
        arrow_cast(array_to_string(array_sort(array_agg(case_id)), ';'), 'LargeUtf8') as evidence
    from int_case_archiving
    where due and not on_time
    group by lawyer_id
),

dissatisfied_evidence as (
    select
        c.lawyer_id,
        arrow_cast(
            array_to_string(array_sort(array_distinct(array_agg(f.case_id))), ';'), 'LargeUtf8'
        ) as evidence
    from feedback as f
    inner join stg_cases as c
        on f.case_id = c.case_id
    where c.in_period and f.satisfaction = 'dissatisfied'
    group by c.lawyer_id
),

conduct as (
    select
        lawyer_id,
        factor,
        sum(points) as cost,
        string_agg(evidence_id, ';' order by evidence_id) as evidence
    from int_conduct_events
    where in_window
    group by lawyer_id, factor
),

factors as (
    select
        q.lawyer_id,
        'Q1' as code,
        p.weight_quality * (100 - q.quality) as cost,
        e.evidence
    from params as p
    cross join int_lawyer_quality as q
    left join quality_evidence as e
        on q.lawyer_id = e.lawyer_id
    union all
    select
        s.lawyer_id,
        'S1',
        p.weight_service * 0.5 * (100 - 100 * s.archive_rate),
        e.evidence
    from params as p
    cross join int_lawyer_service as s
    left join late_evidence as e
        on s.lawyer_id = e.lawyer_id
    union all
    select
        s.lawyer_id,
        'S2',
        p.weight_service * 0.5 * (100 - 100 * s.satisfaction_rate),
        e.evidence
    from params as p
    cross join int_lawyer_service as s
    left join dissatisfied_evidence as e
        on s.lawyer_id = e.lawyer_id
    union all
    select
        lawyer_id,
        factor,
        cost,
        evidence
    from conduct
)

select
    f.lawyer_id,
    f.code,
    f.cost,
    coalesce(f.evidence, '') as evidence,
    row_number() over (partition by f.lawyer_id order by f.cost desc, r.tie_order) as rank
from factors as f
inner join credit_reasons as r
    on f.code = r.code
where f.cost > 1e-9
order by f.lawyer_id, rank
