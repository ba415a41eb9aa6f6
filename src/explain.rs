//! `legalaid explain`: one lawyer's standing in plain Chinese and English —
//! the credit score of the latest run with how its parts were computed, the
//! reason codes with their evidence, and the lawyer's list entries and
//! register history. It reads the register only (the latest credit snapshot
//! holds the run's figures), so it needs no re-run and changes nothing.

use std::fmt::Write;

use serde_json::Value;

use crate::error::Result;
use crate::plan::Plan;
use crate::register::{Register, RegisterError, report};

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

fn fmt(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}"))
        .unwrap_or_else(|| "—".into())
}

/// The explanation of `lawyer_id` as text.
pub fn explain(plan: &Plan, lawyer_id: &str) -> Result<String> {
    let register = Register::open_read_only(&plan.register_path)?;
    let Some((run_id, as_of, credit)) = register.latest_credit(lawyer_id)? else {
        return Err(RegisterError::NoSnapshot {
            lawyer: lawyer_id.to_string(),
        }
        .into());
    };
    let c = &plan.settings.credit;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "律师 lawyer {lawyer_id}: 最近一次运行 latest run {run_id}, 决定日 as of {as_of}\n"
    );
    let tier = credit.get("tier").and_then(Value::as_str).unwrap_or("—");
    let _ = writeln!(
        out,
        "信用分 credit score {}（{tier} 级 tier {tier}）= {} × 质量 Q + {} × 服务 S − 扣分 D，限定在 0–100 (clamped to 0–100)",
        fmt(num(&credit, "credit_score"), 2),
        c.weight_quality,
        c.weight_service
    );
    let n = num(&credit, "n_cases_reviewed").unwrap_or(0.0);
    let _ = writeln!(
        out,
        "  质量 Q quality {}: {} 件评议案件（平均 {}）向全市平均 {} 收缩 — {n} reviewed case(s), mean {}, shrunk toward the period mean {} with k = {}: Q = (Σ scores + k·μ) / (n + k)",
        fmt(num(&credit, "quality"), 2),
        n,
        fmt(num(&credit, "mean_score"), 2),
        fmt(num(&credit, "mu"), 2),
        fmt(num(&credit, "mean_score"), 2),
        fmt(num(&credit, "mu"), 2),
        c.shrinkage_k
    );
    let _ = writeln!(
        out,
        "  服务 S service {}: 按时归档率 archive rate {}（{} / {} 件到期案件按时 on time of due cases, shrunk），满意率 satisfaction {}（{} / {} 条有效回访 satisfied of usable feedback, shrunk）",
        fmt(num(&credit, "service"), 2),
        fmt(num(&credit, "archive_rate"), 4),
        fmt(num(&credit, "n_on_time"), 0),
        fmt(num(&credit, "n_due"), 0),
        fmt(num(&credit, "satisfaction_rate"), 4),
        fmt(num(&credit, "n_satisfied"), 0),
        fmt(num(&credit, "n_usable_feedback"), 0),
    );
    let _ = writeln!(
        out,
        "  扣分 D deductions {}（近 {} 年内的投诉和处分 complaints and sanctions in the last {} years）",
        fmt(num(&credit, "deductions"), 2),
        c.lookback_years,
        c.lookback_years
    );
    let _ = writeln!(out, "\n失分原因 reasons, costliest first:");
    let reasons = credit
        .get("reasons")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if reasons.is_empty() {
        let _ = writeln!(out, "  — 无 none");
    }
    for r in &reasons {
        let evidence: Vec<&str> = r["evidence"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {} / {}: −{} 分 points; 依据 evidence: {}",
            r["code"].as_str().unwrap_or(""),
            r["zh"].as_str().unwrap_or(""),
            r["en"].as_str().unwrap_or(""),
            fmt(r["points"].as_f64(), 2),
            if evidence.is_empty() {
                "—".to_string()
            } else {
                evidence.join(", ")
            }
        );
    }
    let years = num(&credit, "years_of_practice").map(|y| y as i64);
    let _ = writeln!(
        out,
        "\n执业年限 years of practice: {}; 重大疑难案件承办资格 eligible for major cases: {}\n",
        years.map(|y| y.to_string()).unwrap_or_else(|| "—".into()),
        match credit.get("eligible_base").and_then(Value::as_bool) {
            Some(true) =>
                "是（另需无拟列入或在列的负面清单记录） yes, unless a negative entry is proposed or listed",
            _ => "否 no",
        }
    );
    let (entries, events) = register.history(lawyer_id)?;
    out.push_str(&report::history(lawyer_id, &entries, &events));
    Ok(out)
}
