-- grain: one row per scored case of the period (a row of mart_case_scores)
-- purpose: what the list rules need to know of each scored case:
--   is_fail  the case's grade is its rubric's fail band (vetoed cases are);
--   counts   the case counts towards a negative-list quality rule: it is not
--            disputed, and its case type's panel agreement (alpha) is at
--            least alpha_hold or undefined (credit-and-lists.md, "Counting
--            cases for N1/N2").
with

params as (
    select alpha_hold
    from settings
),

graded as (
    select
        s.case_id,
        s.case_type,
        s.lawyer_id,
        s.score,
        s.veto,
        s.disputed,
        b.is_fail,
        a.alpha
    from mart_case_scores as s
    inner join rubric_bands as b
        on s.case_type = b.case_type
        and s.rubric_version = b.rubric_version
        and s.grade = b.band_code
    left join mart_panel_agreement as a
        on s.case_type = a.case_type
)

select
    g.case_id,
    g.case_type,
    g.lawyer_id,
    g.score,
    g.veto,
    g.disputed,
    g.is_fail,
    (not g.disputed) and (g.alpha is null or g.alpha >= p.alpha_hold - 1e-9) as counts
from params as p
cross join graded as g
order by g.case_id
