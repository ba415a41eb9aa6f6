-- The peer for benches/peer/run.py (issue 13): what a data analyst would
-- write in DuckDB to get the same case scores and credit scores from the
-- same CSVs as `legalaid run`, with the spec's defaults (scoring.md, "One
-- case"; credit-and-lists.md, "Lawyer credit score"). No validation, no
-- lists, no publication: a lower bound on the work legalaid does.
-- Parameters are substituted by run.py: {data}, {as_of}, {period_start},
-- {period_end}, {lookback_start}. Tables `items` and `bands` (the rubrics)
-- are created by run.py before this runs.

create temp table cases as
select
    case_id,
    case_type,
    lawyer_id,
    cast(closed_on as date) as closed_on,
    try_cast(nullif(archived_on, '') as date) as archived_on,
    cast(closed_on as date) between date '{period_start}' and date '{period_end}' as in_period
from read_csv('{data}/cases.csv', all_varchar = true, header = true);

create temp table superseded as
select distinct case_id, trim(s) as review_id
from (
    select case_id, unnest(string_split(supersedes, ';')) as s
    from read_csv('{data}/reviews.csv', all_varchar = true, header = true)
    where coalesce(supersedes, '') <> ''
)
where trim(s) <> '';

create temp table live as
select
    r.review_id,
    r.case_id,
    c.case_type,
    r.item,
    case when upper(trim(r.points)) in ('NA', '') or r.points is null then null
         else cast(r.points as double) end as points
from read_csv('{data}/reviews.csv', all_varchar = true, header = true) as r
join cases as c on c.case_id = r.case_id and c.in_period
anti join superseded as s on s.case_id = r.case_id and s.review_id = r.review_id;

create temp table review_totals as
select
    l.review_id,
    l.case_id,
    l.case_type,
    100.0 * sum(l.points) / sum(case when l.points is not null then i.max_points end) as total
from live as l
join items as i on i.case_type = l.case_type and i.item = l.item
group by l.review_id, l.case_id, l.case_type;

create temp table vetoes as
select l.case_id, bool_or(true) as veto
from (
    select l.case_id, l.item, quantile_cont(l.points, 0.5) as median_points
    from live as l
    join items as i on i.case_type = l.case_type and i.item = l.item and i.veto
    group by l.case_id, l.item
) as l
where l.median_points = 0
group by l.case_id;

create temp table case_scores as
with scored as (
    select case_id, case_type, quantile_cont(total, 0.5) as score
    from review_totals
    group by case_id, case_type
)
select
    s.case_id,
    c.lawyer_id,
    s.case_type,
    s.score,
    coalesce(v.veto, false) as veto,
    case when coalesce(v.veto, false)
        then (select code from bands as b where b.case_type = s.case_type and b.fail)
        else (select code from bands as b
              where b.case_type = s.case_type and s.score >= b.lower - 1e-9
              order by b.lower desc limit 1)
    end as grade
from scored as s
join cases as c using (case_id)
left join vetoes as v using (case_id);

create temp table lawyer_credit as
with
lawyers as (
    select lawyer_id from read_csv('{data}/lawyers.csv', all_varchar = true, header = true)
),
mu as (select avg(score) as mu, count(*) as n from case_scores),
quality as (
    select lawyer_id, count(*) as n, sum(score) as total from case_scores group by lawyer_id
),
archiving as (
    select
        lawyer_id,
        sum(case when (archived_on is not null and archived_on <= date '{as_of}')
                   or date_diff('day', closed_on, date '{as_of}') > 30 then 1 else 0 end) as due,
        sum(case when archived_on <= date '{as_of}'
                   and date_diff('day', closed_on, archived_on) <= 30 then 1 else 0 end) as on_time
    from cases
    where in_period
    group by lawyer_id
),
feedback as (
    select
        c.lawyer_id,
        count(*) as usable,
        sum(case when f.satisfaction in ('satisfied', 'basically_satisfied', '满意', '基本满意')
            then 1 else 0 end) as satisfied
    from read_csv('{data}/feedback.csv', all_varchar = true, header = true) as f
    join cases as c on c.case_id = f.case_id and c.in_period
    where f.satisfaction not in ('unreachable', '无法联系')
    group by c.lawyer_id
),
rates as (
    select
        coalesce((select sum(on_time) / nullif(sum(due), 0) from archiving), 1.0) as archive_r,
        coalesce((select sum(satisfied) / nullif(sum(usable), 0) from feedback), 1.0) as satisfaction_r
),
sanction_points(kind, points) as (
    values ('admonition', 5.0), ('warning', 10.0), ('circulated_criticism', 15.0),
           ('public_censure', 25.0), ('fine', 25.0), ('membership_suspended', 40.0),
           ('practice_suspended', 50.0), ('membership_revoked', 100.0), ('licence_revoked', 100.0)
),
deductions as (
    select lawyer_id, sum(points) as d
    from (
        select
            lawyer_id,
            case when category in ('refused_assignment', 'delay_or_abandon', 'took_money', 'leaked_privacy')
                then 20.0 else 5.0 end as points
        from read_csv('{data}/complaints.csv', all_varchar = true, header = true)
        where outcome = 'substantiated'
          and cast(decided_on as date) > date '{lookback_start}'
          and cast(decided_on as date) <= date '{as_of}'
        union all
        select s.lawyer_id, p.points
        from read_csv('{data}/sanctions.csv', all_varchar = true, header = true) as s
        join sanction_points as p on p.kind = s.kind
        where cast(s.decided_on as date) > date '{lookback_start}'
          and cast(s.decided_on as date) <= date '{as_of}'
          and (coalesce(s.revoked_on, '') = '' or cast(s.revoked_on as date) > date '{as_of}')
    )
    group by lawyer_id
)
select
    l.lawyer_id,
    (coalesce(q.total, 0) + 3 * m.mu) / (coalesce(q.n, 0) + 3) as quality,
    100.0 * (0.5 * (coalesce(a.on_time, 0) + 3 * r.archive_r) / (coalesce(a.due, 0) + 3)
           + 0.5 * (coalesce(f.satisfied, 0) + 3 * r.satisfaction_r) / (coalesce(f.usable, 0) + 3))
        as service,
    coalesce(d.d, 0) as deductions,
    greatest(0.0, least(100.0,
        0.7 * (coalesce(q.total, 0) + 3 * m.mu) / (coalesce(q.n, 0) + 3)
        + 0.3 * 100.0 * (0.5 * (coalesce(a.on_time, 0) + 3 * r.archive_r) / (coalesce(a.due, 0) + 3)
                       + 0.5 * (coalesce(f.satisfied, 0) + 3 * r.satisfaction_r) / (coalesce(f.usable, 0) + 3))
        - coalesce(d.d, 0))) as credit_score
from lawyers as l
cross join mu as m
cross join rates as r
left join quality as q using (lawyer_id)
left join archiving as a using (lawyer_id)
left join feedback as f using (lawyer_id)
left join deductions as d using (lawyer_id);
