-- grain: one row per identifying value of the inputs and its kind
-- purpose: every identifying value a published free text (a sanction's
--   summary) must not hold (publication.md, privacy rule 1;
--   `publish::privacy::Identifiers`): case ids, recipient names and
--   identity numbers, reviewer names. Streamed past the texts, so the rows
--   carry no order. (Review notes are never read for a public page, and no
--   published text is searched for them.)
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
)

select kind, value from case_values
union all
select kind, value from reviewer_names

