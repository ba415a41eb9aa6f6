-- grain: one row per lawyer and negative-list rule that holds at as-of
-- purpose: the negative-list rules (credit-and-lists.md, "Negative list"
--   and "Counting cases"), each firm or held, with its evidence ids:
--   N1 a case of the period graded in the fail band because of a veto:
--      firm with a counting vetoed case, held when vetoed cases exist but
--      none counts;
--   N2 two or more cases of the period in the fail band (vetoed ones too):
--      firm with two counting ones, held when there are two or more but
--      fewer than two count;
--   N3 a substantiated prohibited-conduct complaint decided in the window;
--   N4 a sanction of at least heavy_sanction_points decided in the window,
--      or any sanction in force at as-of; sanction_end is the latest ends_on
--      behind it (a serious entry lasts at least until then).
--   Evidence: for a firm rule the counting cases, for a held one every case.
--   held_because: for a held rule, the hold_reason code of each of its
--   cases that does not count, ';'-joined in case order (one ordering per
--   aggregate: the engine allows no other; repeats kept, the register reads
--   them as a set); null when firm.
with

case_counts as (
    select
        lawyer_id,
        sum(case when veto then 1 else 0 end) as n_veto,
        sum(case when veto and counts then 1 else 0 end) as n_veto_counting,
        sum(case when is_fail then 1 else 0 end) as n_fail,
        sum(case when is_fail and counts then 1 else 0 end) as n_fail_counting
    from int_case_grades
    group by lawyer_id
),

n1 as (
    select
        g.lawyer_id,
        'N1' as rule,
        c.n_veto_counting >= 1 as firm,
        string_agg(g.case_id, ';' order by g.case_id) as evidence,
        cast(null as date) as sanction_end,
        case
            when c.n_veto_counting = 0
                then string_agg(g.hold_reason, ';' order by g.case_id)
        end as held_because
    from int_case_grades as g
    inner join case_counts as c
        on g.lawyer_id = c.lawyer_id
    where g.veto and (g.counts or c.n_veto_counting = 0)
    group by g.lawyer_id, c.n_veto_counting
),

n2 as (
    select
        g.lawyer_id,
        'N2' as rule,
        c.n_fail_counting >= 2 as firm,
        string_agg(g.case_id, ';' order by g.case_id) as evidence,
        cast(null as date) as sanction_end,
        case
            when c.n_fail_counting < 2
                then string_agg(g.hold_reason, ';' order by g.case_id)
        end as held_because
    from int_case_grades as g
    inner join case_counts as c
        on g.lawyer_id = c.lawyer_id
    where c.n_fail >= 2 and g.is_fail and (g.counts or c.n_fail_counting < 2)
    group by g.lawyer_id, c.n_fail_counting
),

n3 as (
    select
        lawyer_id,
        'N3' as rule,
        true as firm,
        string_agg(evidence_id, ';' order by evidence_id) as evidence,
        cast(null as date) as sanction_end,
        cast(null as varchar) as held_because
    from int_conduct_events
    where factor = 'C2'
    group by lawyer_id
),

n4 as (
    select
        lawyer_id,
        'N4' as rule,
        true as firm,
        string_agg(evidence_id, ';' order by evidence_id) as evidence,
        max(ends_on) as sanction_end,
        cast(null as varchar) as held_because
    from int_conduct_events
    where factor = 'D1' and ((heavy and in_window) or in_force)
    group by lawyer_id
)

select * from n1
union all
select * from n2
union all
select * from n3
union all
select * from n4
order by lawyer_id, rule
