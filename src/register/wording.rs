//! How an event's actor and reason read in Chinese and English outputs. The
//! register stores what a run wrote (English phrases with codes, dates and
//! ids, `pipeline` as the actor), so that a stored event never changes;
//! pages and `register history` show it through [`reason`] and [`actor`].
//! [`PHRASES`] is the one place the run's reason phrases are worded:
//! `register::machine` writes the stored form, and a test checks that every
//! reason a run writes reads in Chinese without an English word left.

use super::events::PIPELINE;

/// (as stored, Chinese, English shown): each phrase a run writes into an
/// event's reason. "firm" (a rule standing on counting evidence, not a law
/// firm) is not shown in either language.
pub const PHRASES: &[(&str, &str, &str)] = &[
    ("firm rules hold: ", "规则成立：", "rules hold: "),
    ("; notice until ", "；告知及异议期至 ", "; notice until "),
    ("held rules only: ", "仅有暂缓的规则：", "held rules only: "),
    (
        "; the cases they rest on do not count yet (",
        "；所依据的案件暂不计入（",
        "; the cases they rest on do not count yet (",
    ),
    (" (not counting: ", "（不计入原因：", " (not counting: "),
    (
        "; the cases they rest on do not count yet (disputed, or low panel agreement)",
        "；所依据的案件暂不计入（评查有争议，或该类案件评查一致性不足）",
        "; the cases they rest on do not count yet (disputed, or low panel agreement)",
    ),
    (
        "held rules became firm: ",
        "暂缓的规则已成立：",
        "held rules now hold: ",
    ),
    (
        "its rules now rest only on cases that do not count: ",
        "其规则现仅依据不计入的案件：",
        "its rules now rest only on cases that do not count: ",
    ),
    (
        "notice period ended on ",
        "告知及异议期已于 ",
        "notice period ended on ",
    ),
    (
        " without a pending objection",
        " 届满，无待决异议",
        " without a pending objection",
    ),
    (
        "rules no longer standing: ",
        "不再成立的规则：",
        "rules no longer standing: ",
    ),
    (
        " (evidence overturned: ",
        "（被推翻的证据：",
        " (evidence overturned: ",
    ),
    ("); standing: ", "）；仍成立：", "); standing: "),
    (
        "evidence overturned: ",
        "证据被推翻：",
        "evidence overturned: ",
    ),
    (
        "rules no longer hold",
        "规则不再成立",
        "rules no longer hold",
    ),
    (
        "; severity now serious, in force through ",
        "；改为严重失信，有效期至 ",
        "; severity now serious, in force through ",
    ),
    (
        "; severity now serious",
        "；改为严重失信",
        "; severity now serious",
    ),
    (
        "; severity now general",
        "；改为一般失信",
        "; severity now general",
    ),
    ("; in force through ", "；有效期至 ", "; in force through "),
    ("in force through ", "有效期至 ", "in force through "),
    (
        "new firm rules on new evidence: ",
        "新证据上新成立的规则：",
        "new rules hold on new evidence: ",
    ),
    (
        "positive rules P1–P5 hold; notice until ",
        "正面清单规则 P1–P5 均成立；告知及异议期至 ",
        "positive rules P1–P5 hold; notice until ",
    ),
    (
        "P5: the lawyer is listed on the negative list (",
        "P5：该律师已列入负面清单（",
        "P5: the lawyer is listed on the negative list (",
    ),
    (
        "positive rules no longer hold at a later period's run",
        "后一期运行时正面清单规则不再成立",
        "positive rules no longer hold at a later period's run",
    ),
];

/// An event's reason as a Chinese (`zh`) or English output shows it: a run's
/// phrases reworded (longest first, so no phrase is cut by a shorter one), a
/// person's own words as written.
pub fn reason(actor: &str, stored: &str, zh: bool) -> String {
    if actor != PIPELINE {
        return stored.to_string();
    }
    let mut phrases: Vec<_> = PHRASES.iter().collect();
    phrases.sort_by_key(|(from, ..)| std::cmp::Reverse(from.len()));
    let mut out = stored.to_string();
    for (from, in_zh, in_en) in phrases {
        out = out.replace(from, if zh { in_zh } else { in_en });
    }
    // Why a held rule's cases do not count: worded once, in `HoldReason`.
    if zh {
        for r in super::HoldReason::ALL {
            out = out.replace(r.en(), r.zh());
        }
        out = out.replace("; ", "；");
    }
    if zh && out.ends_with(')') && out.contains('（') {
        out.pop();
        out.push('）');
    }
    out
}

/// The actor as shown: 系统 / `legalaid (run)` for a run, else the person.
pub fn actor(stored: &str, zh: bool) -> &str {
    match (stored == PIPELINE, zh) {
        (true, true) => "系统",
        (true, false) => "legalaid (run)",
        (false, _) => stored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_s_reasons_read_in_chinese_and_a_person_s_as_written() {
        let stored = "rules no longer standing: N1 (evidence overturned: C1;C2); standing: N3; \
                      severity now serious; in force through 2027-01-20";
        let zh = reason(PIPELINE, stored, true);
        assert_eq!(
            zh,
            "不再成立的规则：N1（被推翻的证据：C1;C2）；仍成立：N3；改为严重失信；有效期至 2027-01-20"
        );
        assert_eq!(
            reason(
                PIPELINE,
                "firm rules hold: N1;N2; notice until 2025-01-15",
                false
            ),
            "rules hold: N1;N2; notice until 2025-01-15"
        );
        // Why a held rule's cases do not count, in Chinese from HoldReason.
        assert_eq!(
            reason(
                PIPELINE,
                "held rules only: N2; the cases they rest on do not count yet \
                 (disputed; severity-sensitive: the grade depends on the reviewers drawn)",
                true
            ),
            "仅有暂缓的规则：N2；所依据的案件暂不计入（评分有争议；\
             等级取决于抽到的评查专家（校正评查专家宽严后等级不同））"
        );
        assert_eq!(
            reason(
                PIPELINE,
                "its rules now rest only on cases that do not count: N2 (not counting: disputed)",
                true
            ),
            "其规则现仅依据不计入的案件：N2（不计入原因：评分有争议）"
        );
        assert_eq!(
            reason(
                PIPELINE,
                "P5: the lawyer is listed on the negative list (NEG-L1-1)",
                true
            ),
            "P5：该律师已列入负面清单（NEG-L1-1）"
        );
        assert_eq!(
            reason("张三", "firm rules hold: 见附件", true),
            "firm rules hold: 见附件"
        );
        assert_eq!(
            (actor(PIPELINE, true), actor("张三", true)),
            ("系统", "张三")
        );
    }
}
