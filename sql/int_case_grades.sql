-- grain: one row per scored case of the period (a row of mart_case_scores)
-- purpose: what the list rules need to know of each scored case:
--   is_fail  the case's grade is its rubric's fail band (vetoed cases are);
--   counts   the case counts towards a negative-list quality rule: it is not
--            disputed, and its case type's panel agreement (alpha) is at
--            least alpha_hold or undefined (credit-and-lists.md, "Counting
--            cases for N1/N2"), and, with hold_severity_sensitive, it is not
--            severity-sensitive (scoring.md, "Use in the lists"; a vetoed
--            case never is, so N1 is unaffected);
--   hold_reason  why a case does not count: 'disputed', 'low_agreement'
--            or 'severity_sensitive' (the first that applies), else null;
--   score    the score credit reads: the panel score, or the adjusted
--            score with use_adjusted_scores.
with

params as (
    select
        alpha_hold,
        hold_severity_sensitive,
        use_adjusted_scores
    from settings
),

graded as (
    select
        s.case_id,
        s.case_type,
        s.lawyer_id,
        s.score,
        s.adjusted_score,
        s.veto,
        s.disputed,
        s.severity_sensitive,
        b.is_fail,
        a.alpha
    from mart_case_scores as s
    inner join rubric_bands as b
        on s.case_type = b.case_type
        and s.rubric_version = b.rubric_version
        and s.grade = b.band_code
    left join mart_panel_agreement as a
        on s.case_type = a.case_type
),

reasons as (
    select
        g.*,
        case
            when g.disputed then 'disputed'
            when g.alpha is not null and g.alpha < p.alpha_hold - 1e-9 then 'low_agreement'
            when p.hold_severity_sensitive and g.severity_sensitive then 'severity_sensitive'
        end as hold_reason,
        case when p.use_adjusted_scores then g.adjusted_score else g.score end as credit_score
    from params as p
    cross join graded as g
)

select
    case_id,
    case_type,
    lawyer_id,
    credit_score as score,
    veto,
    disputed,
    severity_sensitive,
    is_fail,
    hold_reason is null as counts,
    hold_reason
from reasons
order by case_id
