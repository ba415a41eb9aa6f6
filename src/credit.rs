//! The registry of credit reason codes: their texts and their tie-break
//! order live here, once. `int_credit_reasons.sql` computes their costs and
//! reads the order from the `credit_reasons` parameter table built from
//! [`CREDIT_REASONS`].

/// A credit reason code with its Chinese and English phrase.
#[derive(Debug)]
pub struct CreditReason {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// The credit reason codes, in the spec's tie-break order.
pub const CREDIT_REASONS: &[CreditReason] = &[
    CreditReason {
        code: "Q1",
        zh: "案件质量评分低于满分",
        en: "case quality below full marks",
    },
    CreditReason {
        code: "S1",
        zh: "案卷未按时归档",
        en: "case files archived late",
    },
    CreditReason {
        code: "S2",
        zh: "受援人回访不满意",
        en: "dissatisfied recipients",
    },
    CreditReason {
        code: "C1",
        zh: "投诉经查属实",
        en: "substantiated complaints",
    },
    CreditReason {
        code: "C2",
        zh: "法律援助法禁止行为投诉经查属实",
        en: "substantiated complaints of conduct the Legal Aid Law prohibits",
    },
    CreditReason {
        code: "D1",
        zh: "受到行业处分或行政处罚",
        en: "disciplinary sanctions or administrative penalties",
    },
];

/// The registry entry of a credit reason code.
pub fn credit_reason(code: &str) -> Option<&'static CreditReason> {
    CREDIT_REASONS.iter().find(|r| r.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_are_unique_and_ordered() {
        let codes: Vec<&str> = CREDIT_REASONS.iter().map(|r| r.code).collect();
        assert_eq!(codes, ["Q1", "S1", "S2", "C1", "C2", "D1"]);
        assert!(credit_reason("C2").unwrap().zh.contains("法律援助法"));
    }
}
