-- grain: one row per negative list rule and evidence id that rule may rest on
-- purpose: whether each piece of evidence still stands *for its rule* at
--   this run (`lists::EvidenceRow`), so the register can re-check an open
--   entry rule by rule ("Due process (exact rules)" in credit-and-lists.md):
--   N1  a scored case of the period stands while its panel's median vetoes it;
--   N2  a scored case of the period stands while graded in the fail band;
--   N3  a complaint stands while substantiated and of a prohibited category;
--   N4  a sanction stands once decided by as-of and until it is revoked
--       (`revoked_on` on or before as-of overturns it); `ends_on` is its end,
--       from which an amended serious entry's N4 end is recomputed.
--   An id this run's data does not hold is absent, which never annuls.
with

params as (
    select as_of from settings
),

n1_case as (
    select
        'N1' as rule,
        case_id as evidence_id,
        coalesce(veto, false) as stands,
        cast(null as date) as ends_on
    from int_case_grades
),

n2_case as (
    select
        'N2' as rule,
        case_id as evidence_id,
        coalesce(is_fail, false) as stands,
        cast(null as date) as ends_on
    from int_case_grades
),

n3_complaint as (
    select
        'N3' as rule,
        c.complaint_id as evidence_id,
        coalesce(c.outcome = 'substantiated' and k.prohibited, false) as stands,
        cast(null as date) as ends_on
    from complaints as c
    left join complaint_categories as k
        on c.category = k.category
),

n4_sanction as (
    select
        'N4' as rule,
        s.sanction_id as evidence_id,
        s.revoked_on is null or s.revoked_on > p.as_of as stands,
        s.ends_on
    from params as p
    cross join sanctions as s
    where s.decided_on <= p.as_of
)

select * from n1_case
union all
select * from n2_case
union all
select * from n3_complaint
union all
select * from n4_sanction
order by rule, evidence_id
