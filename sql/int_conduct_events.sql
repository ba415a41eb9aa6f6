-- grain: one row per conduct event of a lawyer that matters at as-of: a
--   substantiated complaint decided in the lookback window, or a sanction
--   decided in the window or still in force
-- purpose: the deductions D of the credit score and the evidence of list
--   rules N3, N4 and P3 (credit-and-lists.md). The window is
--   (lookback_start, as-of]; events dated after as-of are ignored.
--   factor  C1 substantiated complaint, C2 one in a prohibited-conduct
--           category (`complaint_categories.prohibited`: the four the Legal
--           Aid Law punishes), D1 sanction;
--   points  the deduction, counted only when in_window;
--   heavy   a sanction whose deduction is at least heavy_sanction_points;
--   in_force a sanction decided by as-of whose ends_on is after as-of.
with

params as (
    select
        as_of,
        lookback_start,
        complaint_points,
        prohibited_points,
        heavy_sanction_points
    from settings
),

complaint_events as (
    select
        c.lawyer_id,
        c.complaint_id as evidence_id,
        case when k.prohibited then 'C2' else 'C1' end as factor,
        case when k.prohibited then p.prohibited_points else p.complaint_points end as points,
        c.decided_on,
        cast(null as date) as ends_on,
        true as in_window,
        false as heavy,
        false as in_force
    from params as p
    cross join complaints as c
    inner join complaint_categories as k
        on c.category = k.category
    where c.outcome = 'substantiated'
        and c.decided_on > p.lookback_start
        and c.decided_on <= p.as_of
),

sanction_events as (
    select
        s.lawyer_id,
        s.sanction_id as evidence_id,
        'D1' as factor,
        sp.points,
        s.decided_on,
        s.ends_on,
        s.decided_on > p.lookback_start as in_window,
        sp.points >= p.heavy_sanction_points - 1e-9 as heavy,
        coalesce(s.ends_on > p.as_of, false) as in_force
    from params as p
    cross join stg_sanctions as s
    inner join sanction_points as sp
        on s.kind = sp.kind
    where s.decided_on <= p.as_of
        and (s.decided_on > p.lookback_start or coalesce(s.ends_on > p.as_of, false))
)

select *
from complaint_events
union all
select *
from sanction_events
order by lawyer_id, factor, evidence_id
