-- grain: one row per identifying value of the inputs and its kind
-- purpose: every value that must never reach `public/` (publication.md,
--   privacy rule 1; `publish::rows::IdentifierRow`): case ids, recipient
--   names and identity numbers, reviewer names, review notes. Read into
--   sets, so the rows carry no order.
with

case_values as (
    select 'case_id' as kind, case_id as value from cases
    union all
    select 'recipient_name' as kind, recipient_name as value from cases
    union all
    select 'recipient_id_no' as kind, recipient_id_no as value from cases
),

reviewer_names as (
    select 'reviewer_name' as kind, name as value from reviewers
),

notes as (
    select distinct 'note' as kind, note as value from reviews
)

select kind, value from case_values
union all
select kind, value from reviewer_names
union all
select kind, value from notes
