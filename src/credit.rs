//! The credit stage in Rust: the registry of credit reason codes (their
//! texts live here, once; `int_credit_reasons.sql` computes their costs) and
//! reading the credit and list-rule models out of the session as plain rows
//! for the register and for `legalaid explain`.

use datafusion::arrow::json::{WriterBuilder, writer::JsonArray};
use datafusion::arrow::record_batch::RecordBatch;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

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

/// Record batches as JSON objects, one per row, nulls kept as `null`.
pub fn rows_as_json(batches: &[RecordBatch]) -> Result<Vec<Map<String, Value>>> {
    let mut writer = WriterBuilder::new()
        .with_explicit_nulls(true)
        .build::<_, JsonArray>(Vec::new());
    let refs: Vec<&RecordBatch> = batches.iter().collect();
    writer
        .write_batches(&refs)
        .map_err(|e| Error::Engine(e.to_string()))?;
    writer.finish().map_err(|e| Error::Engine(e.to_string()))?;
    let bytes = writer.into_inner();
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<Map<String, Value>> =
        serde_json::from_slice(&bytes).map_err(|e| Error::Engine(format!("rows as JSON: {e}")))?;
    Ok(rows)
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
