-- grain: one row per case closed in the period
-- purpose: the cases table of each internal lawyer page
--   (`publish::rows::LawyerCaseRow`), recipients masked when written
--   (privacy rule 2), with the case's compliance flags (K1–K5) and, for a
--   severity-sensitive case, its grade once reviewer severity is taken out.
--   Ordered by lawyer only: the pages read it as a stream, one lawyer's
--   cases at a time, and each page sorts its own cases by case id
--   (`publish::internal::lawyers::write`). A sort on the two text keys
--   (lawyer, case) cost the engine 4.9 s of CPU at 5 M cases, sorting on
--   the lawyer alone 3.0 s (benches/results/NOTES.md, session 39).
with

period_cases as (
    select
        case_id,
        lawyer_id,
        case_type,
        closed_on,
        recipient_name,
        recipient_id_no
    from stg_case_rows
    where in_period
),

scored as (
    select
        c.case_id,
        c.lawyer_id,
        c.case_type,
        c.closed_on,
        c.recipient_name,
        c.recipient_id_no,
        s.score,
        s.grade_label,
        s.disputed,
        s.veto_items,
        s.adjusted_grade_label,
        s.severity_sensitive,
        k.flags as compliance_flags
    -- every case, scored or not, flagged or not: right joins, so that the
    -- engine builds its hash tables from the scored and the flagged cases
    -- (it builds from the left input, and has no row counts of intermediate
    -- results to swap them) instead of from every case with its recipient
    from mart_case_compliance as k
    right join (
        mart_case_scores as s
        right join period_cases as c
            on c.case_id = s.case_id
    )
        on c.case_id = k.case_id
)

select *
from scored
order by lawyer_id
