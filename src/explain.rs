//! `legalaid explain`: one lawyer's standing in plain Chinese and English —
//! the credit score of the latest run with how its parts were computed, the
//! reason codes with their evidence, and the lawyer's list entries and
//! register history. It reads the register only (the latest credit snapshot
//! holds the run's figures), so it needs no re-run and changes nothing.

use std::fmt::Write;

use crate::error::Result;
use crate::plan::Plan;
use crate::register::snapshot::CreditWeights;
use crate::register::state::Entry;
use crate::register::{Register, RegisterError, report};

fn fmt(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}"))
        .unwrap_or_else(|| "—".into())
}

/// The register-resolved answer, as the eligibility roster and the lawyer
/// page give it: the conditions of the run, and no negative entry proposed
/// or listed in the register now.
fn eligibility(eligible_base: Option<bool>, entries: &[Entry]) -> String {
    match (eligible_base, entries.iter().find(|e| e.bars_eligibility())) {
        (Some(true), None) => "是 yes".into(),
        (_, Some(e)) => format!(
            "否 no — 负面清单记录 {} {} (negative entry {}, {})",
            e.entry_id,
            e.status.zh(),
            e.entry_id,
            e.status.as_str()
        ),
        _ => "否 no — 执业年限、处分、执业类别或执业状态不符合条件 (years of practice, a \
              sanction, practice kind or status)"
            .into(),
    }
}

/// The lawyers a name matches, to choose one by licence number.
fn several_lawyers(who: &str, found: &[(String, String, String)]) -> String {
    let mut out = format!(
        "“{who}” 对应 {} 名律师，请用执业证号指定 — {} lawyers match; give one licence number:\n",
        found.len(),
        found.len()
    );
    for (id, name, firm) in found {
        let _ = writeln!(out, "  {id}  {name}  {firm}");
    }
    out
}

fn count(v: Option<i64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "—".into())
}

/// The explanation of the lawyer `who` names as text: `who` is a licence
/// number, or a name (or part of one) as the latest run recorded it. Several
/// lawyers of that name: the list of them, to choose one by id.
pub fn explain(plan: &Plan, who: &str) -> Result<String> {
    let register = Register::open_read_only(&plan.register_path)?;
    let found = match register.latest_credit(who)? {
        Some(found) => Some((who.to_string(), found)),
        None => match register.find_by_name(who)?.as_slice() {
            [(id, ..)] => register.latest_credit(id)?.map(|f| (id.clone(), f)),
            [] => None,
            several => return Ok(several_lawyers(who, several)),
        },
    };
    let Some((lawyer_id, (run_id, as_of, snapshot))) = found else {
        return Err(if register.runs()?.is_empty() {
            RegisterError::NoRunYet {
                path: plan.register_path.clone(),
            }
        } else {
            RegisterError::NoSuchLawyer {
                who: who.to_string(),
                path: plan.register_path.clone(),
            }
        }
        .into());
    };
    let lawyer_id = lawyer_id.as_str();
    let (entries, events) = register.history(lawyer_id)?;
    let credit = &snapshot.figures;
    // The weights the snapshot's run used; a snapshot of an earlier version
    // did not record them, so the pipeline's stand in (and say so).
    let (w, weights_note) = match snapshot.weights {
        Some(w) => (w, ""),
        None => (
            CreditWeights::of(&plan.settings.credit),
            "（权重取自当前流程文件 weights from the current pipeline file）",
        ),
    };
    let mut out = String::new();
    let name = match (&credit.name, &credit.law_firm) {
        (Some(name), Some(firm)) => format!(" {name}（{firm}）"),
        (Some(name), None) => format!(" {name}"),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "律师 lawyer {lawyer_id}{name}: 最近一次运行 latest run {run_id}, 决定日 as of {as_of}\n"
    );
    let tier = credit.tier.as_deref().unwrap_or("—");
    let _ = writeln!(
        out,
        "信用分 credit score {}（{tier} 级 tier {tier}）= {} × 质量 Q + {} × 服务 S − 扣分 D，限定在 0–100 (clamped to 0–100){weights_note}",
        fmt(credit.credit_score, 2),
        w.weight_quality,
        w.weight_service
    );
    let n = credit.n_cases_reviewed.unwrap_or(0);
    let _ = writeln!(
        out,
        "  质量 Q quality {}: {} 件评议案件（平均 {}）向全市平均 {} 收缩 — {n} reviewed case(s), mean {}, shrunk toward the period mean {} with k = {}: Q = (Σ scores + k·μ) / (n + k)",
        fmt(credit.quality, 2),
        n,
        fmt(credit.mean_score, 2),
        fmt(credit.mu, 2),
        fmt(credit.mean_score, 2),
        fmt(credit.mu, 2),
        w.shrinkage_k
    );
    let _ = writeln!(
        out,
        "  服务 S service {}: 按时归档率 archive rate {}（{} / {} 件到期案件按时 on time of due cases, shrunk），满意率 satisfaction {}（{} / {} 条有效回访 satisfied of usable feedback, shrunk）",
        fmt(credit.service, 2),
        fmt(credit.archive_rate, 4),
        count(credit.n_on_time),
        count(credit.n_due),
        fmt(credit.satisfaction_rate, 4),
        count(credit.n_satisfied),
        count(credit.n_usable_feedback),
    );
    let _ = writeln!(
        out,
        "  扣分 D deductions {}（近 {} 年内的投诉和处分 complaints and sanctions in the last {} years）",
        fmt(credit.deductions, 2),
        w.lookback_years,
        w.lookback_years
    );
    let _ = writeln!(out, "\n失分原因 reasons, costliest first:");
    if snapshot.reasons.is_empty() {
        let _ = writeln!(out, "  — 无 none");
    }
    for r in &snapshot.reasons {
        let _ = writeln!(
            out,
            "  {} {} / {}: −{} 分 points; 依据 evidence: {}",
            r.code,
            r.zh.as_deref().unwrap_or(""),
            r.en.as_deref().unwrap_or(""),
            fmt(Some(r.points), 2),
            if r.evidence.is_empty() {
                "—".to_string()
            } else {
                r.evidence.join(", ")
            }
        );
    }
    let _ = writeln!(
        out,
        "\n执业年限 years of practice: {}; 重大疑难案件承办资格 eligible for major cases: {}\n",
        count(credit.years_of_practice),
        eligibility(credit.eligible_base, &entries)
    );
    let texts = crate::register::rules::RuleValues::of(&plan.settings);
    out.push_str(&report::history(lawyer_id, &entries, &events, &texts));
    Ok(out)
}
