-- grain: one row per case of the period with at least one compliance flag
-- purpose: `data/case_compliance` and the 合规提示 sheet of
--   `internal/inspection.xlsx` (credit-and-lists.md, "Compliance flags
--   output"): the codes of `int_case_compliance`'s flags joined by `;`, in
--   code order. The words of each code live in `inspection::COMPLIANCE_FLAGS`.
--   K1 archived late; K2 domestic-violence case with a male lawyer; K3 a
--   criminal or major case given to a lawyer under major_case_min_years;
--   K4 a criminal case given to a practice kind not allowed to defend;
--   K5 assigned while the lawyer was on the negative list.
with

coded as (
    select
        case_id,
        lawyer_id,
        case_type,
        district,
        assigned_on,
        concat_ws(
            ';',
            case when late_archive then 'K1' end,
            case when dv_male_lawyer then 'K2' end,
            case when junior_on_major then 'K3' end,
            case when grassroots_criminal then 'K4' end,
            case when assigned_while_listed then 'K5' end
        ) as flags
    from int_case_compliance
)

select
    case_id,
    lawyer_id,
    case_type,
    district,
    assigned_on,
    flags
from coded
where flags <> ''
order by case_id
