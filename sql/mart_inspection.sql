-- grain: one row per lawyer in `lawyers`, for the inspection year (the period)
-- purpose: `inspection` (credit-and-lists.md, "Annual inspection"): each
--   lawyer's legal-aid record and the recommended grade, the first row of the
--   spec's ordered table that applies, with the reason codes of that row:
--   1 none                 I0 licensed less than min_licensed_months at period end
--   2 not_competent 不称职  I1 a serious negative entry listed at as-of;
--                          I2 tier D with an open negative entry
--   3 basically_competent 基本称职  I3 legal-aid duty not met; I4 tier C or D;
--                          I5 a substantiated complaint decided in the period;
--                          I6 an open negative entry
--   4 competent 称职
--   duty_met: at least min_aid_cases cases closed in the period, or a practice
--   kind exempt from the duty.
--   Its joins are `Joins::Bounded` (src/models/mod.rs): from a guess that
--   `in_period` keeps a fifth of the cases, the engine built a per-lawyer
--   count of them whole on one thread (32 MB at 5 M cases; 1.8 → 2.7 s).
with

params as (
    select
        period_start,
        period_end,
        min_aid_cases
    from settings
),

closed as (
    select
        lawyer_id,
        count(*) as n_closed,
        sum(case when case_type = 'criminal' then 1 else 0 end) as n_closed_criminal,
        sum(case when case_type = 'civil' then 1 else 0 end) as n_closed_civil,
        sum(case when case_type = 'administrative' then 1 else 0 end) as n_closed_administrative
    from stg_cases
    where in_period
    group by lawyer_id
),

complaint_counts as (
    select
        c.lawyer_id,
        sum(case when c.received_on between p.period_start and p.period_end then 1 else 0 end)
            as complaints_received,
        sum(
            case
                when c.outcome = 'substantiated' and c.decided_on between p.period_start and p.period_end
                then 1
                else 0
            end
        ) as complaints_substantiated
    from params as p
    cross join complaints as c
    group by c.lawyer_id
),

sanction_counts as (
    select
        s.lawyer_id,
        count(*) as sanctions
    from params as p
    cross join stg_sanctions as s
    where s.decided_on between p.period_start and p.period_end
    group by s.lawyer_id
),

open_negative as (
    select
        lawyer_id,
        entry_id,
        status,
        severity
    from register_entries
    where list = 'negative' and status in ('proposed', 'held', 'listed')
),

flags as (
    select
        lawyer_id,
        sum(case when late_archive then 1 else 0 end) as n_late_archive,
        sum(case when dv_male_lawyer then 1 else 0 end) as n_dv_male_lawyer,
        sum(case when junior_on_major then 1 else 0 end) as n_junior_on_major,
        sum(case when grassroots_criminal then 1 else 0 end) as n_grassroots_criminal,
        sum(case when assigned_while_listed then 1 else 0 end) as n_assigned_while_listed
    from int_case_compliance
    group by lawyer_id
),

record as (
    select
        l.lawyer_id,
        l.name,
        l.law_firm,
        l.firm_key,
        l.district,
        l.practice_kind,
        l.years_of_practice,
        l.licensed_recently,
        coalesce(k.n_closed, 0) as n_closed,
        coalesce(k.n_closed_criminal, 0) as n_closed_criminal,
        coalesce(k.n_closed_civil, 0) as n_closed_civil,
        coalesce(k.n_closed_administrative, 0) as n_closed_administrative,
        q.n_cases_reviewed as n_reviewed,
        q.n_fail,
        q.mean_score,
        c.credit_score,
        c.tier,
        coalesce(cc.complaints_received, 0) as complaints_received,
        coalesce(cc.complaints_substantiated, 0) as complaints_substantiated,
        coalesce(sc.sanctions, 0) as sanctions,
        n.entry_id as open_negative_entry,
        n.status as open_negative_status,
        n.severity as open_negative_severity,
        coalesce(f.n_late_archive, 0) as n_late_archive,
        coalesce(f.n_dv_male_lawyer, 0) as n_dv_male_lawyer,
        coalesce(f.n_junior_on_major, 0) as n_junior_on_major,
        coalesce(f.n_grassroots_criminal, 0) as n_grassroots_criminal,
        coalesce(f.n_assigned_while_listed, 0) as n_assigned_while_listed,
        coalesce(k.n_closed, 0) >= p.min_aid_cases or pr.duty_exempt as duty_met
    from params as p
    cross join stg_lawyers as l
    inner join int_lawyer_quality as q
        on l.lawyer_id = q.lawyer_id
    inner join int_lawyer_credit as c
        on l.lawyer_id = c.lawyer_id
    inner join practice_rules as pr
        on l.practice_kind = pr.practice_kind
    left join closed as k
        on l.lawyer_id = k.lawyer_id
    left join complaint_counts as cc
        on l.lawyer_id = cc.lawyer_id
    left join sanction_counts as sc
        on l.lawyer_id = sc.lawyer_id
    left join open_negative as n
        on l.lawyer_id = n.lawyer_id
    left join flags as f
        on l.lawyer_id = f.lawyer_id
),

conditions as (
    select
        *,
        licensed_recently as i0,
        coalesce(open_negative_status = 'listed' and open_negative_severity = 'serious', false) as i1,
        coalesce(tier = 'D' and open_negative_entry is not null, false) as i2,
        not duty_met as i3,
        coalesce(tier in ('C', 'D'), false) as i4,
        complaints_substantiated > 0 as i5,
        open_negative_entry is not null as i6
    from record
),

graded as (
    select
        *,
        case
            when i0 then 'none'
            when i1 or i2 then 'not_competent'
            when i3 or i4 or i5 or i6 then 'basically_competent'
            else 'competent'
        end as recommendation
    from conditions
)

select
    lawyer_id,
    name,
    law_firm,
    firm_key,
    district,
    practice_kind,
    years_of_practice,
    n_closed,
    n_closed_criminal,
    n_closed_civil,
    n_closed_administrative,
    n_reviewed,
    n_fail,
    mean_score,
    credit_score,
    tier,
    complaints_received,
    complaints_substantiated,
    sanctions,
    open_negative_entry,
    open_negative_status,
    n_late_archive,
    n_dv_male_lawyer,
    n_junior_on_major,
    n_grassroots_criminal,
    n_assigned_while_listed,
    duty_met,
    recommendation,
    case recommendation
        when 'none' then '—'
        when 'not_competent' then '不称职'
        when 'basically_competent' then '基本称职'
        else '称职'
    end as recommendation_label,
    case recommendation
        when 'none' then 'I0'
        when 'not_competent' then concat_ws(';', case when i1 then 'I1' end, case when i2 then 'I2' end)
        when 'basically_competent' then concat_ws(
            ';',
            case when i3 then 'I3' end,
            case when i4 then 'I4' end,
            case when i5 then 'I5' end,
            case when i6 then 'I6' end
        )
        else ''
    end as recommendation_reasons
from graded
order by lawyer_id
