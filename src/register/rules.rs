//! The coded registry of list rules: one table that maps each code (N1–N4 on
//! the negative list, P1–P5 on the positive list) to its list, its severity
//! (negative rules only: N1, N2 general, N3, N4 serious) and its Chinese and
//! English wording. Everything that names a rule — the register's `rules`
//! columns, notices, `register history`, `explain` — reads it from here, and
//! `;`-joined rule lists are always written in the order of [`LIST_RULES`].
//! The wording is a template: its `{placeholders}` are filled from the
//! settings in force ([`RuleValues::of`], [`ListRule::text`]), so no text ever
//! quotes a default the pipeline changed.

use super::input::{ListKind, Severity};

/// One list rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListRule {
    pub code: &'static str,
    pub list: ListKind,
    /// Negative rules only.
    pub severity: Option<Severity>,
    /// Whether the rule can be held rather than firm (its evidence is a
    /// graded case whose grade is disputed), which the SQL decides.
    pub can_be_held: bool,
    /// How many of its own evidence ids must stand for the rule to stand
    /// (N2: two cases; the other negative rules: one; positive rules: 0,
    /// they rest on no evidence).
    pub min_evidence: usize,
    /// Where the rule is written in SQL: each model and the text by which it
    /// names the rule there (a test checks that every one is present, so a
    /// rule cannot lose its SQL silently). A negative rule is evaluated in
    /// `int_negative_rules` and its evidence judged in `mart_evidence`; a
    /// positive rule is a column of `int_positive_rules` (P5's "no negative
    /// entry" half is the register's, `machine`).
    pub sql: &'static [(&'static str, &'static str)],
    pub zh: &'static str,
    pub en: &'static str,
}

/// Every list rule, in the order rule lists are written.
pub const LIST_RULES: &[ListRule] = &[
    ListRule {
        code: "N1",
        sql: &[
            ("int_negative_rules", "'N1' as rule"),
            ("mart_evidence", "'N1' as rule"),
        ],
        min_evidence: 1,
        list: ListKind::Negative,
        severity: Some(Severity::General),
        can_be_held: true,
        zh: "评查期内有案件因否决项被评为不合格",
        en: "a case of the period graded unqualified because of a veto item",
    },
    ListRule {
        code: "N2",
        sql: &[
            ("int_negative_rules", "'N2' as rule"),
            ("mart_evidence", "'N2' as rule"),
        ],
        min_evidence: 2,
        list: ListKind::Negative,
        severity: Some(Severity::General),
        can_be_held: true,
        zh: "评查期内有两件以上案件被评为不合格",
        en: "two or more cases of the period graded unqualified",
    },
    ListRule {
        code: "N3",
        sql: &[
            ("int_negative_rules", "'N3' as rule"),
            ("mart_evidence", "'N3' as rule"),
        ],
        min_evidence: 1,
        list: ListKind::Negative,
        severity: Some(Severity::Serious),
        can_be_held: false,
        zh: "回溯期内有经查实的违规执业投诉（拒绝指派、拖延或放弃、收受财物、泄露隐私）",
        en: "a substantiated prohibited-conduct complaint (refused assignment, delay or \
             abandonment, took money, leaked privacy) decided in the lookback window",
    },
    ListRule {
        code: "N4",
        sql: &[
            ("int_negative_rules", "'N4' as rule"),
            ("mart_evidence", "'N4' as rule"),
        ],
        min_evidence: 1,
        list: ListKind::Negative,
        severity: Some(Severity::Serious),
        can_be_held: false,
        zh: "回溯期内受到{heavy_zh}或更重的处分，或在评估日仍有处分在执行期内",
        en: "a sanction of {heavy_en} or heavier decided in the lookback window, \
             or a sanction still in force at the as-of date",
    },
    ListRule {
        code: "P1",
        sql: &[("int_positive_rules", " as p1,")],
        min_evidence: 0,
        list: ListKind::Positive,
        severity: None,
        can_be_held: false,
        zh: "评查期内至少有{min_cases}件受评查案件，且执业满{min_years}年",
        en: "at least {min_cases} reviewed cases in the period and at least {min_years} years of \
             practice",
    },
    ListRule {
        code: "P2",
        sql: &[("int_positive_rules", " as p2,")],
        min_evidence: 0,
        list: ListKind::Positive,
        severity: None,
        can_be_held: false,
        zh: "评查期内案件平均分不低于{min_mean}分，且没有案件低于合格",
        en: "a mean case score of at least {min_mean} in the period and no case graded below \
             qualified",
    },
    ListRule {
        code: "P3",
        sql: &[("int_positive_rules", " as p3,")],
        min_evidence: 0,
        list: ListKind::Positive,
        severity: None,
        can_be_held: false,
        zh: "回溯期内没有经查实的投诉，也没有受到处分",
        en: "no substantiated complaint and no sanction in the lookback window",
    },
    ListRule {
        code: "P4",
        sql: &[("int_positive_rules", " as p4,")],
        min_evidence: 0,
        list: ListKind::Positive,
        severity: None,
        can_be_held: false,
        zh: "有{min_feedback}条以上有效回访时，满意率不低于{min_satisfaction_pct}%",
        en: "a satisfaction rate of at least {min_satisfaction} when there are {min_feedback} or \
             more usable feedback rows",
    },
    ListRule {
        code: "P5",
        sql: &[("int_positive_rules", "and active as positive")],
        min_evidence: 0,
        list: ListKind::Positive,
        severity: None,
        can_be_held: false,
        zh: "没有拟列入、暂缓或已列入负面清单的记录，且执业状态正常",
        en: "no negative entry proposed, held or listed, and status active",
    },
];

impl ListRule {
    /// The rule's Chinese and English wording with the settings in force.
    pub fn text(&self, values: &RuleValues) -> (String, String) {
        (values.fill(self.zh), values.fill(self.en))
    }
}

/// The values rule texts quote, from the settings in force.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleValues {
    pairs: Vec<(&'static str, String)>,
}

impl RuleValues {
    pub fn of(settings: &crate::config::Settings) -> RuleValues {
        let l = &settings.lists;
        // "public censure or heavier": the lightest kind whose deduction
        // reaches `heavy_sanction_points` (N4's own test in the SQL).
        let heavy = crate::config::SANCTION_KINDS
            .iter()
            .map(|(kind, _)| *kind)
            .filter(|kind| {
                settings
                    .sanction_points(kind)
                    .is_some_and(|p| p >= l.heavy_sanction_points - 1e-9)
            })
            .min_by(|a, b| {
                let points = |k: &str| settings.sanction_points(k).unwrap_or(f64::MAX);
                points(a).total_cmp(&points(b))
            });
        let heavy_zh = heavy
            .and_then(|k| {
                crate::ingest::schema::SANCTION_KIND
                    .iter()
                    .find(|v| v.code == k)
                    .and_then(|v| v.labels.first().copied())
            })
            .unwrap_or("处分")
            .to_string();
        let heavy_en = heavy.unwrap_or("a sanction").replace('_', " ");
        RuleValues {
            pairs: vec![
                ("{min_cases}", l.positive_min_cases.to_string()),
                ("{min_years}", l.positive_min_years.to_string()),
                ("{min_mean}", number(l.positive_min_mean)),
                ("{min_feedback}", l.positive_min_feedback.to_string()),
                (
                    "{min_satisfaction_pct}",
                    number(l.positive_min_satisfaction * 100.0),
                ),
                ("{min_satisfaction}", number(l.positive_min_satisfaction)),
                ("{heavy_zh}", heavy_zh),
                ("{heavy_en}", heavy_en),
            ],
        }
    }

    fn fill(&self, template: &str) -> String {
        let mut text = template.to_string();
        for (key, value) in &self.pairs {
            text = text.replace(key, value);
        }
        text
    }
}

/// A threshold as people write it: `90`, `92.5`, `0.9`.
fn number(x: f64) -> String {
    let rounded = (x * 1e6).round() / 1e6;
    let text = format!("{rounded}");
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

/// The rule with this code.
pub fn rule(code: &str) -> Option<&'static ListRule> {
    LIST_RULES.iter().find(|r| r.code == code)
}

/// The codes of a positive entry: every positive rule.
pub fn positive_codes() -> String {
    join_codes(
        LIST_RULES
            .iter()
            .filter(|r| r.list == ListKind::Positive)
            .map(|r| r.code),
    )
}

/// Codes joined by `;` in registry order, each once; unknown codes last, sorted.
pub fn join_codes<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    let mut codes: Vec<&str> = codes.into_iter().collect();
    codes.sort_by_key(|c| (position(c), c.to_string()));
    codes.dedup();
    codes.join(";")
}

/// Splits a `;`-joined list; the empty string is the empty list.
pub fn split_codes(codes: &str) -> Vec<&str> {
    codes.split(';').filter(|c| !c.is_empty()).collect()
}

/// The severity of a negative entry resting on these rules: serious when any
/// of them is serious.
pub fn severity_of<'a>(codes: impl IntoIterator<Item = &'a str>) -> Severity {
    codes
        .into_iter()
        .filter_map(|c| rule(c).and_then(|r| r.severity))
        .max()
        .unwrap_or(Severity::General)
}

fn position(code: &str) -> usize {
    LIST_RULES
        .iter()
        .position(|r| r.code == code)
        .unwrap_or(LIST_RULES.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Delete a rule's branch from its SQL and this goes red.
    #[test]
    fn every_rule_is_written_where_the_registry_says() {
        for r in LIST_RULES {
            assert!(!r.sql.is_empty(), "{}: names no SQL", r.code);
            for (model, marker) in r.sql {
                let m = crate::models::model(model)
                    .unwrap_or_else(|| panic!("{}: no model {model}", r.code));
                assert!(
                    m.sql.contains(marker),
                    "{}: sql/{model}.sql does not contain `{marker}`",
                    r.code
                );
            }
        }
        // And the other way: every rule code the negative-rule SQL emits is
        // registered.
        let sql = crate::models::model("int_negative_rules").unwrap().sql;
        for emitted in sql
            .split("' as rule")
            .filter_map(|part| part.rsplit('\'').next())
        {
            if emitted.len() == 2 {
                assert!(rule(emitted).is_some(), "{emitted} is not in LIST_RULES");
            }
        }
    }

    #[test]
    fn only_the_case_grade_rules_can_be_held() {
        let held: Vec<&str> = LIST_RULES
            .iter()
            .filter(|r| r.can_be_held)
            .map(|r| r.code)
            .collect();
        assert_eq!(held, ["N1", "N2"]);
        assert!(
            LIST_RULES
                .iter()
                .all(|r| r.severity.is_some() == (r.list == ListKind::Negative))
        );
    }

    /// Every rule's text at the default settings and at changed ones: a
    /// threshold the pipeline changes is quoted as changed, never as the
    /// default (the snapshot shows both side by side, code by code).
    #[test]
    fn rule_texts_at_default_and_changed_settings() {
        let default = crate::config::Settings::default();
        let mut changed = default.clone();
        let l = &mut changed.lists;
        l.positive_min_cases = 5;
        l.positive_min_years = 8;
        l.positive_min_mean = 92.5;
        l.positive_min_feedback = 4;
        l.positive_min_satisfaction = 0.85;
        l.heavy_sanction_points = 40.0;
        let (at_default, at_changed) = (RuleValues::of(&default), RuleValues::of(&changed));
        let mut out = String::new();
        for r in LIST_RULES {
            let (zh, en) = r.text(&at_default);
            let (zh2, en2) = r.text(&at_changed);
            out += &format!(
                "{}\n  zh: {zh}\n      {zh2}\n  en: {en}\n      {en2}\n",
                r.code
            );
            assert!(
                !format!("{zh}{en}{zh2}{en2}").contains('{'),
                "{}: unfilled",
                r.code
            );
        }
        insta::assert_snapshot!(out);
    }
}
