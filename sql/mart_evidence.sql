-- grain: one row per evidence id an entry may rest on, per kind
-- purpose: whether each piece of evidence still stands at this run
--   (`lists::EvidenceRow`), so the register can annul an entry whose
--   evidence was overturned:
--   complaint  stands while substantiated and of a prohibited category;
--   case       stands while graded in the fail band (a scored case of the
--              period);
--   sanction   stands once decided by as-of.
--   An id this run's data does not hold is unknown, which never annuls.
--   `priority` decides when ids of two kinds coincide: complaint, then case,
--   then sanction.
with

params as (
    select as_of from settings
),

complaint as (
    select
        c.complaint_id as evidence_id,
        'complaint' as kind,
        1 as priority,
        coalesce(c.outcome = 'substantiated' and k.prohibited, false) as stands
    from complaints as c
    left join complaint_categories as k
        on c.category = k.category
),

scored_case as (
    select
        case_id as evidence_id,
        'case' as kind,
        2 as priority,
        coalesce(is_fail, false) as stands
    from int_case_grades
),

sanction as (
    select
        s.sanction_id as evidence_id,
        'sanction' as kind,
        3 as priority,
        true as stands
    from params as p
    cross join sanctions as s
    where s.decided_on <= p.as_of
)

select * from complaint
union all
select * from scored_case
union all
select * from sanction
order by evidence_id, priority
