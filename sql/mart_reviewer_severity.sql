-- grain: one row per case type and reviewer with a live review of a case of
--   that type in the period
-- purpose: the reviewer-severity fit (scoring.md, "Reviewer severity
--   adjustment"), written out as `reviewer_severity`: a reviewer who scores
--   several case types has a severity in each, fitted separately.
--   severity            b_j in points, negative = harsh (0 when not estimable);
--   severity_se         sigma_e / sqrt(n_j + k_b);
--   component           the connected component of the case type's
--                       case-reviewer graph, numbered from 1 by the smallest
--                       reviewer id in it;
--   severity_estimable  false for a reviewer alone in their component.
select
    case_type,
    reviewer_id,
    n_reviews,
    severity,
    severity_se,
    component,
    severity_estimable
from int_reviewer_severity
order by case_type, reviewer_id
