//! The reports' words in Chinese and English. Every fixed text of a report
//! is a key here with both translations; templates read them as `t.<key>`
//! and Rust code with [`Lang::tr`]. Texts with `{0}`, `{1}` … take values
//! through [`Lang::fmt`]. A test checks that every key a template uses
//! exists, so a missing translation cannot reach a report.

use std::collections::{BTreeMap, HashMap};

use minijinja::Value;

use crate::rubric::{Band, CaseType, Item, Rubric, Stage};

/// The language of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// From the plan's `lang` (`zh` or `en`; anything else is Chinese).
    pub fn from_code(code: &str) -> Lang {
        if code == "en" { Lang::En } else { Lang::Zh }
    }

    /// The HTML `lang` attribute.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The text of a key; panics on an unknown key (a programming error
    /// that every report test would hit).
    pub fn tr(self, key: &str) -> &'static str {
        self.get(key)
            .unwrap_or_else(|| panic!("no text for key `{key}`"))
    }

    /// The text of a key, if there is one. Looked up in an index built once:
    /// a lawyer page asks for some fifty texts, and there is a page per
    /// lawyer (a scan of [`STRINGS`] per text was a tenth of publication).
    fn get(self, key: &str) -> Option<&'static str> {
        static INDEX: std::sync::OnceLock<HashMap<&'static str, (&'static str, &'static str)>> =
            std::sync::OnceLock::new();
        let index =
            INDEX.get_or_init(|| STRINGS.iter().map(|(k, zh, en)| (*k, (*zh, *en))).collect());
        index.get(key).map(|(zh, en)| match self {
            Lang::Zh => *zh,
            Lang::En => *en,
        })
    }

    /// The text of a key with `{0}`, `{1}` … replaced by `args`.
    pub fn fmt(self, key: &str, args: &[&dyn std::fmt::Display]) -> String {
        let mut out = self.tr(key).to_string();
        for (i, a) in args.iter().enumerate() {
            out = out.replace(&format!("{{{i}}}"), &a.to_string());
        }
        out
    }

    /// Every text of this language, for templates (`t.<key>`). Built once
    /// per language and shared (a `Value` map is reference-counted): every
    /// page's frame holds it.
    pub fn table(self) -> Value {
        static TABLES: std::sync::OnceLock<[Value; 2]> = std::sync::OnceLock::new();
        let tables = TABLES.get_or_init(|| {
            [Lang::Zh, Lang::En].map(|lang| {
                let map: BTreeMap<String, Value> = STRINGS
                    .iter()
                    .map(|(k, zh, en)| {
                        let text = if lang == Lang::Zh { *zh } else { *en };
                        (k.to_string(), Value::from(text))
                    })
                    .collect();
                Value::from_object(map)
            })
        });
        tables[usize::from(self == Lang::En)].clone()
    }

    pub fn case_type(self, t: CaseType) -> &'static str {
        match (self, t) {
            (Lang::Zh, _) => t.label_zh(),
            (Lang::En, CaseType::Criminal) => "Criminal",
            (Lang::En, CaseType::Civil) => "Civil",
            (Lang::En, CaseType::Administrative) => "Administrative",
        }
    }

    /// A case type from its code, the code itself when unknown.
    pub fn case_type_code(self, code: &str) -> String {
        CaseType::parse(code)
            .map(|t| self.case_type(t).to_string())
            .unwrap_or_else(|| code.to_string())
    }

    pub fn band(self, band: &Band) -> String {
        match self {
            Lang::Zh => band.label.clone(),
            Lang::En => band.label_en.clone().unwrap_or_else(|| band.code.clone()),
        }
    }

    pub fn stage(self, stage: &Stage) -> String {
        match self {
            Lang::Zh => stage.name.clone(),
            Lang::En => stage.name_en.clone(),
        }
    }

    pub fn item(self, item: &Item) -> String {
        match self {
            Lang::Zh => item.text.clone(),
            Lang::En => item.text_en.clone(),
        }
    }

    pub fn rubric_title(self, rubric: &Rubric) -> String {
        match self {
            Lang::Zh => rubric.title.clone(),
            Lang::En => rubric
                .title_en
                .clone()
                .unwrap_or_else(|| rubric.title.clone()),
        }
    }

    pub fn list(self, list: &str) -> String {
        match list {
            "negative" => self.tr("negative_list").to_string(),
            "positive" => self.tr("positive_list").to_string(),
            other => other.to_string(),
        }
    }

    /// A register entry status.
    pub fn status(self, status: &str) -> String {
        self.coded("status", status)
    }

    /// A register event kind.
    pub fn event_kind(self, kind: &str) -> String {
        self.coded("event", kind)
    }

    /// A code with a text under `prefix_code`, else the code itself.
    pub fn coded(self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}_{code}");
        self.get(&key).unwrap_or(code).to_string()
    }

    /// A sanction kind of the data contract.
    pub fn sanction_kind(self, kind: &str) -> String {
        self.coded("sanction", kind)
    }

    pub fn severity(self, severity: &str) -> String {
        match severity {
            "general" => self.tr("severity_general").to_string(),
            "serious" => self.tr("severity_serious").to_string(),
            other => other.to_string(),
        }
    }

    /// `text` with `inner` in brackets: full-width in Chinese, ASCII with a
    /// space in English (English output has no full-width brackets).
    pub fn bracketed(self, text: &str, inner: &dyn std::fmt::Display) -> String {
        match self {
            Lang::Zh => format!("{text}（{inner}）"),
            Lang::En => format!("{text} ({inner})"),
        }
    }

    /// A setting of the method section's table: its Chinese name in
    /// Chinese (from [`SETTING_NAMES`]), its pipeline-file key in English.
    pub fn setting_name(self, key: &str) -> String {
        match self {
            Lang::Zh => SETTING_NAMES
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, zh)| zh.to_string())
                .unwrap_or_else(|| key.to_string()),
            Lang::En => key.to_string(),
        }
    }

    /// "yes" / "no".
    pub fn yes_no(self, b: bool) -> &'static str {
        self.tr(if b { "yes" } else { "no" })
    }
}

/// The Chinese names of the settings the public method section lists
/// (pipeline-file key, Chinese).
#[rustfmt::skip]
pub const SETTING_NAMES: &[(&str, &str)] = &[
    ("[period] start", "评查期间起始日"),
    ("[period] end", "评查期间截止日"),
    ("as_of", "决定日"),
    ("[scoring] dispute_spread", "争议分差（专家评分最高与最低之差）"),
    ("[scoring] severity_threshold", "专家宽严偏差提示阈值"),
    ("[scoring] severity_prior_reviews", "专家宽严度收缩强度（相当于评查表份数）"),
    ("[reliability] alpha_hold", "评查一致性暂缓阈值（α）"),
    ("[reliability] alpha_good", "评查一致性良好阈值（α）"),
    ("[reliability] alpha_min_cases", "计算一致性的最少案件数"),
    ("[credit] shrinkage_k", "质量分收缩系数 k"),
    ("[credit] use_adjusted_scores", "信用分使用宽严校正后得分"),
    ("[credit] weight_quality", "质量分权重"),
    ("[credit] weight_service", "服务分权重"),
    ("[credit] archive_days", "归档期限（日）"),
    ("[credit] lookback_years", "投诉和处分回溯年数"),
    ("[credit] complaint_points", "属实投诉扣分"),
    ("[credit] prohibited_points", "禁止性行为投诉扣分"),
    ("[credit] tiers.A", "信用等级 A 下限"),
    ("[credit] tiers.B", "信用等级 B 下限"),
    ("[credit] tiers.C", "信用等级 C 下限"),
    ("[lists] notice_days", "告知及异议期（日）"),
    ("[lists] general_days", "一般失信有效期（日）"),
    ("[lists] serious_days", "严重失信有效期（日）"),
    ("[lists] general_repair_days", "一般失信可申请信用修复（日）"),
    ("[lists] serious_repair_days", "严重失信可申请信用修复（日）"),
    ("[lists] heavy_sanction_points", "重大处分分值"),
    ("[lists] positive_min_cases", "正面清单最少评议案件数"),
    ("[lists] positive_min_years", "正面清单最少执业年限"),
    ("[lists] positive_min_mean", "正面清单最低平均分"),
    ("[lists] positive_min_satisfaction", "正面清单最低满意率"),
    ("[lists] positive_min_feedback", "正面清单最少有效回访数"),
    ("[lists] positive_days", "正面清单有效期（日）"),
    ("[lists] hold_severity_sensitive", "等级取决于评查专家的案件暂不计入 N2"),
    ("[inspection] min_aid_cases", "年度法律援助最少办结案件数"),
    ("[inspection] exempt_kinds", "免于法律援助办案数要求的执业类别"),
    ("[inspection] min_licensed_months", "参加年度考核的最短执业月数"),
    ("[inspection] not_for_criminal", "不得承办刑事案件的执业类别"),
    ("[inspection] major_case_min_years", "承办重大疑难案件的最少执业年限"),
    ("[publication] min_cell", "公开数据最小单元格"),
    ("[publication] deciding_body", "决定机关"),
];

/// Key, Chinese, English.
#[rustfmt::skip]
pub const STRINGS: &[(&str, &str, &str)] = &[
    // page frame
    ("internal_banner", "内部资料：仅供评查专家组、法律援助中心和年度考核人员使用，不得公开", "Internal: for the review panel, the legal-aid centre and inspection reviewers only; not for publication"),
    ("contents", "目录", "Contents"),
    ("report_title", "法律援助案件质量评查年度报告", "Legal-aid case quality review: annual report"),
    ("report_subtitle", "评查期 {0} 至 {1} · 数据截至 {2} · {3}", "Review period {0} to {1} · data as of {2} · {3}"),
    ("footer", "{0}发布。本报告由 legalaid {1} 根据评查期数据生成。同样的输入数据和截止日期会生成完全相同的报告。", "Published by {0}. Generated by legalaid {1} from the review period's data. The same inputs and as-of date give exactly the same report."),
    ("footer_method_here", "方法说明见本报告“方法说明”一节。", "See the methodology section of this report."),
    ("footer_method_report", "方法说明见公开报告的“方法说明”一节。", "See the methodology section of the public report."),
    ("caption", "评查期 {0} 至 {1}；数据来源：{2}法律援助案件质量评查数据（截至 {3}）", "Period {0} to {1}; source: {2}, legal-aid case quality review data (as of {3})"),
    ("suppressed_note", "“—”：数值在1至{0}之间，或可由表中其他数值推算出这样的数值，依小单元格规则不予公布；0 照常显示。", "\"—\": a count from 1 to {0}, or a figure from which one could be worked out, withheld under the small-cell rule; zero is shown."),
    ("chart_suppressed_note", "“—”表示依小单元格规则不予公布的数值", "\"—\" marks figures withheld under the small-cell rule"),
    // summary
    ("summary", "主要数据", "Headline figures"),
    ("intro", "{0}对评查期内办结的法律援助案件进行了质量评查。评查期内共办结案件 {1} 件，其中 {2} 件经专家评查，评查率 {3}。各案件类别的数据见下表，评查方法见“方法说明”。", "{0} reviewed the quality of legal-aid cases closed in the review period. {1} cases were closed, of which {2} were reviewed by experts (review rate {3}). Figures by case type are below; the methodology section explains how cases were scored."),
    ("figure_closed", "办结案件（件）", "cases closed"),
    ("figure_reviewed", "经评查案件（件）", "cases reviewed"),
    ("figure_rate", "评查率", "review rate"),
    ("figure_mean", "平均得分（分）", "mean score (points)"),
    ("case_type", "案件类别", "Case type"),
    ("closed", "办结案件（件）", "Cases closed"),
    ("reviewed", "经评查（件）", "Reviewed"),
    ("review_rate", "评查率", "Review rate"),
    ("total", "合计", "Total"),
    ("headline_caption", "各类案件办结与评查情况", "Cases closed and reviewed by case type"),
    // grades
    ("grades_heading", "评查等级分布", "Grades by case type"),
    ("grades_intro", "每件经评查的案件按所适用评查标准的等级线评定等级；有否决项未达标的案件评为最低等级。表中括号内为占该类别经评查案件的比例。", "Each reviewed case is graded by the bands of its rubric; a case failing a veto item gets the lowest grade. Shares of the case type's reviewed cases are in brackets."),
    ("grades_caption", "各类案件评查等级（件）", "Reviewed cases by grade (cases)"),
    ("grades_chart", "各类案件评查等级分布", "Grade distribution by case type"),
    ("share_percent", "占比（%）", "Share of reviewed cases (%)"),
    // scores
    ("scores_heading", "评查得分分布", "Score distribution"),
    ("scores_intro", "案件得分为各评查专家评分的中位数，满分折算为100分。为避免推算出少量案件的得分，直方图的分数段已合并到每段至少有规定的最少案件数。", "A case's score is the median of its reviewers' totals on a 0–100 scale. Score bands in the histograms are merged until each holds at least the minimum number of cases, so that no small group of cases can be singled out."),
    ("scores_chart", "各类案件评查得分分布", "Score distribution by case type"),
    ("score_points", "得分（分）", "Score (points)"),
    ("cases_count", "案件数（件）", "Cases"),
    ("scores_caption", "各类案件得分概况", "Scores by case type"),
    ("n_reviewed", "经评查（件）", "Reviewed"),
    ("mean_score", "平均分", "Mean score"),
    ("median_score", "中位数", "Median score"),
    ("histogram_too_few", "{0}案件数不足，未绘制直方图", "{0}: too few cases for a histogram"),
    ("histogram_withheld", "{0}经评查案件数依小单元格规则不予公布，未绘制直方图", "{0}: the number of reviewed cases is withheld under the small-cell rule, so no histogram"),
    // districts
    ("districts_heading", "各区（市）县对比", "Comparison by district"),
    ("districts_intro", "按案件所属区（市）县统计。平均分仅在经评查案件不少于规定最少案件数时公布。", "By the district of the case. A mean score is shown only when the district has at least the minimum number of reviewed cases."),
    ("district", "区（市）县", "District"),
    ("districts_caption", "各区（市）县案件评查情况", "Cases and grades by district"),
    ("districts_chart", "各区（市）县案件平均得分", "Mean case score by district"),
    ("all_districts_mean", "全市平均 {0}", "city mean {0}"),
    ("too_few", "—（不足{0}件）", "— (fewer than {0})"),
    // tiers
    ("tiers_heading", "律师信用等级分布", "Lawyers' credit tiers"),
    ("tiers_intro", "统计评查期内办结过法律援助案件的 {0} 名律师。信用分由案件质量、服务（按时归档、受援人满意度）和扣分三部分组成，计算方法见“方法说明”。", "The {0} lawyers who closed a legal-aid case in the period. The credit score combines case quality, service (timely archiving, recipient satisfaction) and deductions; see the methodology."),
    ("tier", "信用等级", "Credit tier"),
    ("lawyers_count", "律师人数（人）", "Lawyers"),
    ("share", "占比", "Share"),
    ("tiers_chart", "律师信用等级分布", "Lawyers by credit tier"),
    ("tier_none", "未评分", "Not scored"),
    ("tier_label", "{0}级（{1}）", "Tier {0} ({1})"),
    // trend
    ("trend_heading", "与往期比较", "Trend against earlier periods"),
    ("trend_intro", "往期数据取自往期运行的输出（data/case_scores）。往期与本期使用的评查标准版本可能不同，比较时请参阅各期的方法说明。", "Earlier figures come from the earlier runs' outputs (data/case_scores). Rubric versions may differ between periods; see each period's methodology."),
    ("period", "评查期", "Period"),
    ("trend_chart", "各类案件平均得分变化", "Mean case score by period"),
    ("mean_of", "{0}平均分", "{0} mean"),
    ("mean_points", "平均分（分）", "Mean score (points)"),
    ("year_label", "{0}年", "{0}"),
    // lists
    ("positive_list", "正面清单", "Positive list"),
    ("negative_list", "负面清单", "Negative list"),
    ("positive_intro", "以下律师符合正面清单的全部条件（P1–P5），在清单有效期内优先指派法律援助案件。名单按区（市）县、姓名拼音和执业证号排列，排列顺序不代表排名。", "These lawyers meet every positive-list rule (P1–P5) and are preferred for legal-aid assignments while listed. Ordered by district, name in pinyin order and licence number; the order implies no ranking."),
    ("negative_intro", "以下律师因所列规则被列入负面清单，在清单有效期内限制指派法律援助案件。列入前已书面告知本人并给予异议期。名单按区（市）县、姓名拼音和执业证号排列，排列顺序不代表排名。", "These lawyers are on the negative list for the rules given and are restricted from legal-aid assignments while listed. Each was notified in writing and could object before listing. Ordered by district, name in pinyin order and licence number; the order implies no ranking."),
    ("list_empty", "本期没有列入该清单的律师。", "No lawyer is on this list."),
    ("list_title", "{0}（截至 {1}）", "{0} (as of {1})"),
    ("download_csv", "下载 CSV", "Download CSV"),
    ("download_xlsx", "下载 Excel", "Download Excel"),
    ("download_html", "单独页面", "Separate page"),
    ("col_name", "姓名", "Name"),
    ("col_licence", "执业证号", "Licence number"),
    ("col_firm", "律师事务所", "Law firm"),
    ("col_district", "区（市）县", "District"),
    ("col_years", "执业年限（年）", "Years of practice"),
    ("col_list", "清单", "List"),
    ("col_rules", "规则代码", "Rule codes"),
    ("col_rules_text", "列入依据", "Grounds"),
    ("col_sanction_kind", "处分种类", "Sanction"),
    ("col_sanction_summary", "处分事由摘要", "Sanction summary"),
    ("col_listed_on", "列入日期", "Listed on"),
    ("col_ends_on", "期满日期", "Ends on"),
    ("col_deciding_body", "决定机关", "Deciding body"),
    ("positive_phrase", "案件质量优良，执业年限和办案数量达标，无投诉处分，受援人满意，无负面记录", "high case quality, enough years of practice and reviewed cases, no complaints or sanctions, satisfied recipients, no negative record"),
    ("rules_heading", "规则说明", "Rules"),
    ("col_code", "代码", "Code"),
    ("col_rule", "规则", "Rule"),
    ("col_severity", "严重程度", "Severity"),
    ("order_note", "排列顺序：区（市）县，姓名拼音，执业证号。顺序不代表排名。", "Order: district, name in pinyin order, licence number. The order implies no ranking."),
    ("deciding_body_caption", "决定机关：{0}", "Deciding body: {0}"),
    ("list_page_intro", "{0}决定，截至 {1}。只公布状态为“已列入”的记录；拟列入、暂缓和已撤回的记录不公布。", "Decided by {0}, as of {1}. Only entries with status \"listed\" are published; proposed, held and withdrawn entries are not."),
    // ended
    ("ended_heading", "自上次公布以来移出清单的记录", "Entries ended since the last publication"),
    ("ended_intro_since", "{0}以来期满、移出或撤销的清单记录。", "List entries that expired, were removed or were annulled since {0}."),
    ("ended_intro_first", "截至 {0} 期满、移出或撤销的清单记录（此前没有公布记录）。", "List entries that expired, were removed or were annulled up to {0} (no earlier publication)."),
    ("ended_none", "没有此类记录。", "None."),
    ("col_ended_on", "结束日期", "Ended on"),
    ("col_how", "结束方式", "How it ended"),
    ("how_expired", "期满", "expired"),
    ("how_removed_negative", "信用修复，提前移出", "removed early after credit repair"),
    ("how_removed_positive", "不再符合条件，移出", "removed: no longer qualifies"),
    ("how_annulled", "撤销（更正）", "annulled (correction)"),
    ("correction", "更正：{0}（执业证号 {1}）于 {2} 被列入{3}的记录已于 {4} 撤销。该记录所依据的事实经复核已不成立或已变更，原列入决定作废，特此更正。", "Correction: the entry of {0} (licence {1}) on the {3}, listed on {2}, was annulled on {4}. The facts it rested on no longer stand after review; the listing is void."),
    ("correction_amended", "更正：{0}（执业证号 {1}）于 {2} 被列入{3}的记录已于 {4} 变更，不再依据以下规则：{5}。该部分所依据的事实经复核已不成立，其余依据仍然有效。", "Correction: the entry of {0} (licence {1}) on the {3}, listed on {2}, was amended on {4} and no longer rests on: {5}. The facts behind those rules no longer stand after review; the rest of the entry stands."),
    // methodology
    ("method_heading", "方法说明", "Methodology"),
    ("method_data", "数据与范围", "Data and scope"),
    ("method_data_text", "评查期为 {0} 至 {1}，截止日期（决定日期）为 {2}。“办结案件”指结案日期在评查期内的案件；“经评查案件”指其中至少有一份有效评查表的案件。受援人姓名、身份证号、案件编号、评查专家姓名和评语均不公布。", "The review period is {0} to {1}; the as-of (decision) date is {2}. \"Cases closed\" are cases with a closing date in the period; \"reviewed\" cases are those with at least one accepted score sheet. Recipients' names and identity numbers, case ids, reviewers' names and their notes are never published."),
    ("method_rubric", "评查标准：{0}", "Rubric: {0}"),
    ("method_rubric_facts", "版本 {0}，满分 {1} 分，共 {2} 项（其中否决项 {3} 项）。文件 SHA-256：{4}", "Version {0}, full mark {1}, {2} items ({3} veto items). File SHA-256: {4}"),
    ("col_stage", "环节", "Stage"),
    ("col_item", "评查项目", "Item"),
    ("col_points", "分值", "Points"),
    ("col_flags", "说明", "Notes"),
    ("flag_veto", "否决项：得0分即评为{0}", "veto: a 0 grades the case {0}"),
    ("flag_optional", "可不适用，总分按比例折算", "may be not applicable; the total is rescaled"),
    ("col_band", "等级", "Grade"),
    ("col_range", "分数范围", "Score range"),
    ("band_range", "{0} 分以上", "{0} and above"),
    ("band_range_between", "{0} 至 {1} 分以下", "{0} to below {1}"),
    ("band_fail_note", "否决项未达标的案件一律评为此等级", "a case failing a veto item always gets this grade"),
    ("method_scoring", "案件得分与争议", "Case scores and disputes"),
    ("method_scoring_text", "每位专家的评查表总分折算为0–100分；案件得分取各专家总分的中位数。最高分与最低分相差超过 {0} 分，或专家对否决项意见不一的案件列为争议案件，由评查专家组复核。等级界线比较时允许 1e-9 的误差。", "Each reviewer's total is put on a 0–100 scale; the case score is the median of its reviewers' totals. A case whose highest and lowest totals differ by more than {0} points, or whose reviewers split on a veto item, is disputed and goes back to the panel. Grade bounds are compared with a tolerance of 1e-9."),
    ("method_reliability_text", "评查一致性以 Krippendorff's alpha（区间尺度）衡量，至少有 {0} 件双评以上案件时计算：alpha ≥ {1} 为可靠；{2} 至 {1} 之间仅可得出初步结论；低于 {2} 时，依据该类案件评查结果的负面清单规则暂缓执行。", "Reviewer agreement is Krippendorff's alpha (interval metric), computed when at least {0} cases have two or more reviews: alpha ≥ {1} is reliable; between {2} and {1} supports tentative conclusions only; below {2}, negative-list rules resting on that case type's scores are held back."),
    ("method_severity_text", "评查专家有宽有严。按案件类型，以可加模型（总分 = 平均 + 案件质量 + 专家宽严度）估计每位专家的宽严度，并向 0 收缩（相当于每位专家另有 {0} 份宽严适中的评查表）。每份评查表减去该专家的宽严度（限定在 0 至 100 分）后取中位数，得到校正后得分和等级；否决项不校正。校正后等级与原等级不同的案件，说明其等级取决于抽到的评查专家：{1}{2}", "Some reviewers are harsher than others. Per case type, an additive model (total = mean + case quality + reviewer severity) estimates each reviewer's severity, shrunk towards 0 as if each had {0} more reviews of average severity. Each review's total minus its reviewer's severity (kept between 0 and 100) gives, by the median, the adjusted score and grade; vetoes are not adjusted. A case whose adjusted grade differs depends on the reviewers drawn: {1}{2}"),
    ("method_severity_held", "这类案件不计入负面清单规则 N2（暂缓）。", "such a case does not count for negative rule N2 (held)."),
    ("method_severity_counted", "按本期设置，这类案件仍计入负面清单规则 N2。", "under this run's settings such a case still counts for negative rule N2."),
    ("method_severity_adjusted", "信用分的质量分和正面清单规则 P2 使用校正后得分。", " Credit quality and positive rule P2 use the adjusted scores."),
    ("method_credit", "律师信用分", "Lawyer credit score"),
    ("method_credit_text", "信用分 = {0} × 质量分 Q + {1} × 服务分 S − 扣分 D，取值限定在 0 至 100 分。Q 为律师评查期内案件得分向全市平均分收缩后的均值（收缩系数 k = {2}）；S 一半来自按时归档率（结案后 {3} 日内归档），一半来自受援人满意率，两者同样收缩；D 为回溯期（截止日期前 {4} 年）内的扣分：经查实的投诉每件 {5} 分，属禁止性行为的每件 {6} 分，处分按下表扣分。", "Credit score = {0} × quality Q + {1} × service S − deductions D, kept between 0 and 100. Q is the mean of the lawyer's case scores shrunk toward the period mean (k = {2}); S is half the on-time archiving rate (within {3} days of closing) and half the recipient satisfaction rate, both shrunk the same way; D counts the lookback window ({4} years before the as-of date): {5} points per substantiated complaint, {6} for a prohibited-conduct one, and sanctions as in the table."),
    ("method_tiers_text", "信用等级：A ≥ {0} 分，B ≥ {1} 分，C ≥ {2} 分，D 低于 {2} 分。信用分偏低本身不会导致列入负面清单。", "Tiers: A ≥ {0}, B ≥ {1}, C ≥ {2}, D below {2}. A low credit score alone never puts anyone on the negative list."),
    ("col_sanction", "处分种类", "Sanction"),
    ("col_deduction", "扣分", "Points deducted"),
    ("method_lists", "正面清单与负面清单规则", "List rules"),
    ("method_lists_text", "负面清单：符合任一规则即拟列入，经 {0} 日告知与异议期后列入。一般情形有效期 {1} 日，严重情形（N3、N4）{2} 日（不短于处分期限）；一般情形列入满 {3} 日、严重情形满 {4} 日后可申请信用修复提前移出。依据 N1、N2 的记录只计算无争议、且该类案件评查一致性达标的案件，否则暂缓。正面清单：同时符合 P1–P5 全部规则，有效期 {5} 日，下期仍符合的续期。", "Negative list: any rule proposes an entry, listed after a {0}-day notice and objection window. A general entry lasts {1} days, a serious one (N3, N4) {2} days (and at least as long as the sanction); credit repair may end it early after {3} (general) or {4} (serious) days. N1 and N2 count only undisputed cases of a case type whose reviewer agreement is sufficient, else the entry is held. Positive list: every rule P1–P5 must hold; an entry lasts {5} days and is renewed while the rules hold."),
    ("method_positive_thresholds", "正面清单门槛：至少 {0} 件经评查案件、执业满 {1} 年、平均分不低于 {2} 分、至少 {3} 条有效回访时满意率不低于 {4}。", "Positive-list thresholds: at least {0} reviewed cases, {1} years of practice, a mean score of at least {2}, and a satisfaction rate of at least {4} when there are {3} or more usable feedback rows."),
    ("method_privacy", "隐私保护与小单元格规则", "Privacy and the small-cell rule"),
    ("method_privacy_text", "公开的计数在1至{0}之间的，以及依据少于{1}件案件计算的比率、平均分，一律以“—”代替（0 照常显示）。为防止由合计数反推被隐去的数值，同一行或列中再隐去最小的另一个数值（补充隐去）；在多张表中出现的同一数值在各表中一并隐去。公开报告不包含任何单个案件的得分、受援人信息、案件编号、评查专家姓名或评语，也不包含处理中或未查实的投诉。", "Any public count from 1 to {0}, and any rate or mean computed from fewer than {1} cases, is shown as \"—\" (zero is shown). To stop a withheld figure being worked out from a total, the smallest other figure of that row or column is withheld too (complementary suppression), and a figure shown in several tables is withheld in all of them. The public report contains no single case's score, no recipient data, no case id, no reviewer's name or note, and no pending or unsubstantiated complaint."),
    ("method_settings", "本期使用的参数", "Settings used in this run"),
    ("col_setting", "参数", "Setting"),
    ("col_value", "取值", "Value"),
    ("negative_severity_general", "一般", "general"),
    // statuses, events, severities
    ("severity_general", "一般", "general"),
    ("severity_serious", "严重", "serious"),
    ("status_proposed", "拟列入", "proposed"),
    ("status_held", "暂缓", "held"),
    ("status_listed", "已列入", "listed"),
    ("status_withdrawn", "已撤回", "withdrawn"),
    ("status_expired", "已期满", "expired"),
    ("status_removed", "已移出", "removed"),
    ("status_annulled", "已撤销", "annulled"),
    ("event_held", "暂缓", "held"),
    ("event_proposed", "拟列入", "proposed"),
    ("event_listed", "列入", "listed"),
    ("event_extended", "增加依据", "extended"),
    ("event_renewed", "续期", "renewed"),
    ("event_withdrawn", "撤回", "withdrawn"),
    ("event_expired", "期满", "expired"),
    ("event_removed", "移出", "removed"),
    ("event_annulled", "撤销", "annulled"),
    ("event_objection_lodged", "提出异议", "objection lodged"),
    ("event_objection_upheld", "异议成立", "objection upheld"),
    ("event_objection_rejected", "异议不成立", "objection rejected"),
    ("event_note", "备注", "note"),
    ("sanction_admonition", "训诫", "admonition"),
    ("sanction_warning", "警告", "warning"),
    ("sanction_circulated_criticism", "通报批评", "circulated criticism"),
    ("sanction_public_censure", "公开谴责", "public censure"),
    ("sanction_fine", "罚款", "fine"),
    ("sanction_membership_suspended", "中止会员权利", "membership suspended"),
    ("sanction_practice_suspended", "停止执业", "practice suspended"),
    ("sanction_membership_revoked", "取消会员资格", "membership revoked"),
    ("sanction_licence_revoked", "吊销执业证书", "licence revoked"),
    ("role_lawyer", "律师", "lawyer"),
    ("role_judge", "法官", "judge"),
    ("role_prosecutor", "检察官", "prosecutor"),
    ("role_scholar", "学者", "scholar"),
    ("role_official", "司法行政人员", "official"),
    ("role_panel", "专家组合议", "panel (reconciled)"),
    ("kind_full_time", "专职律师", "full-time lawyer"),
    ("kind_part_time", "兼职律师", "part-time lawyer"),
    ("kind_public", "公职律师", "public-sector lawyer"),
    ("kind_aid_staff", "法律援助机构律师", "legal-aid centre lawyer"),
    ("kind_grassroots", "基层法律服务工作者", "grassroots legal worker"),
    ("practice_active", "正常执业", "active"),
    ("practice_suspended", "停止执业", "suspended"),
    ("practice_revoked", "吊销或注销", "revoked"),
    ("clamped", "（限定在0至100分之间）", " (kept between 0 and 100)"),
    ("yes", "是", "yes"),
    ("no", "否", "no"),
    // internal: panel
    ("panel_title", "评查专家组报告：一致性、评分宽严与争议案件", "Review panel report: agreement, reviewer severity, disputed cases"),
    ("panel_agreement", "评查一致性（Krippendorff's alpha）", "Reviewer agreement (Krippendorff's alpha)"),
    ("panel_agreement_text", "alpha ≥ {0}：可靠，可用于任何目的；{1} ≤ alpha < {0}：仅可得出初步结论；alpha < {1}：不可靠，依据该类案件评查结果的负面清单规则暂缓，需重新培训校准。双评以上案件少于 {2} 件时不计算。", "alpha ≥ {0}: reliable for any purpose; {1} ≤ alpha < {0}: tentative conclusions only; alpha < {1}: unreliable — negative-list rules resting on that case type are held and the panel needs recalibration. Not computed with fewer than {2} cases reviewed twice or more."),
    ("col_n_double", "双评以上案件（件）", "Cases with 2+ reviews"),
    ("col_alpha", "alpha", "alpha"),
    ("col_reading", "解读", "Reading"),
    ("alpha_reliable", "可靠", "reliable"),
    ("alpha_tentative", "仅可得出初步结论", "tentative only"),
    ("alpha_unreliable", "不可靠：负面清单质量规则暂缓", "unreliable: quality rules held"),
    ("alpha_undefined", "案件不足，未计算", "too few cases; not computed"),
    ("panel_severity", "评查专家评分宽严", "Reviewer severity"),
    ("panel_severity_text", "偏差 = 该专家给出的总分 − 案件得分（中位数），只计双评以上案件。平均偏差低于 −{0} 分标为“偏严”，高于 {0} 分标为“偏宽”。", "Deviation = the reviewer's total − the case score (median), over cases with two or more reviews. A mean deviation below −{0} is flagged harsh, above {0} lenient."),
    ("col_reviewer", "专家编号", "Reviewer"),
    ("col_reviewer_name", "姓名", "Name"),
    ("col_role", "身份", "Role"),
    ("col_n_reviews", "评查表（份）", "Reviews"),
    ("col_mean_dev", "平均偏差", "Mean deviation"),
    ("col_abs_dev", "平均绝对偏差", "Mean absolute deviation"),
    ("col_flag", "标记", "Flag"),
    ("flag_harsh", "偏严", "harsh"),
    ("flag_lenient", "偏宽", "lenient"),
    ("deviation_chart", "评查专家平均偏差", "Reviewers' mean deviation"),
    ("deviation_axis", "平均偏差（分）", "Mean deviation (points)"),
    ("reviewer_axis", "专家编号", "Reviewer"),
    ("panel_adjustment", "评查专家宽严校正", "Reviewer severity adjustment"),
    ("panel_adjustment_text", "按案件类型拟合“总分 = 全市平均 + 案件质量 + 专家宽严度 + 误差”（可加模型），专家宽严度向 0 收缩，相当于每位专家另有 {0} 份宽严适中的评查表。宽严度为负表示从严。图中横线为 95% 区间（±1.96 倍标准误）；只有一份评查表的专家的区间很宽。", "Per case type, each total is fitted as city mean + case quality + reviewer severity + error (the additive rater model); severities are shrunk towards 0 as if each reviewer had {0} more reviews of average severity. Negative means harsh. The whiskers are 95% intervals (±1.96 standard errors); reviewers with few reviews have wide ones."),
    ("panel_components_warning", "{0}：评查专家分成 {1} 个互不相连的组（没有共同评查的案件），宽严度只能在组内比较。", "{0}: the reviewers fall into {1} groups that share no case; severities are comparable only within a group."),
    ("panel_components_ok", "{0}：全部评查专家通过共同评查的案件相互连通，宽严度可以相互比较。", "{0}: all reviewers are connected through shared cases; their severities are comparable."),
    ("severity_chart", "评查专家宽严度：{0}（95% 区间）", "Reviewer severity: {0} (95% interval)"),
    ("severity_chart_cut", "只显示最严的 {0} 位和最宽的 {0} 位专家（共 {1} 位可估计），全部见下表。", "Showing the {0} harshest and {0} most lenient of {1} estimable reviewers; the table lists all."),
    ("severity_axis", "宽严度（分，负值为从严）", "Severity (points; negative = harsh)"),
    ("col_severity_pts", "宽严度", "Severity"),
    ("col_interval", "95% 区间", "95% interval"),
    ("col_component", "连通组", "Group"),
    ("col_estimable", "可估计", "Estimable"),
    ("not_estimable", "不可估计（所评案件无他人评查）", "not estimable (no one else reviewed their cases)"),
    ("panel_sensitive", "等级取决于评查专家的案件（复核清单）", "Cases whose grade depends on the reviewers (worklist)"),
    ("panel_sensitive_text_held", "以下案件扣除评查专家宽严度后等级不同。依据这些案件的 N2 暂缓，待评查专家组复核。", "These cases change grade once the reviewers' severity is taken out. An N2 resting on them is held until the panel reviews them."),
    ("panel_sensitive_text_counted", "以下案件扣除评查专家宽严度后等级不同。按本期设置，这些案件仍计入 N2。", "These cases change grade once the reviewers' severity is taken out. Under this run's settings they still count for N2."),
    ("col_adjusted_score", "校正后得分", "Adjusted score"),
    ("col_adjusted_grade", "校正后等级", "Adjusted grade"),
    ("col_reviewers_severity", "评查专家（宽严度）", "Reviewers (severity)"),
    ("col_severity_check", "宽严校正", "Severity check"),
    ("severity_sensitive_mark", "校正评查专家宽严后为{0}：等级取决于评查专家", "{0} once reviewer severity is taken out: the grade depends on the reviewers"),
    ("panel_disputed", "争议案件复核清单", "Disputed cases worklist"),
    ("panel_disputed_text", "最高分与最低分相差超过 {0} 分，或对否决项意见不一的案件，按分差从大到小排列。受援人信息已按规定遮蔽。", "Cases whose totals differ by more than {0} points, or whose reviewers split on a veto item, largest spread first. Recipient data is masked."),
    ("col_case", "案件编号", "Case"),
    ("col_lawyer", "承办律师", "Lawyer"),
    ("col_recipient", "受援人", "Recipient"),
    ("col_recipient_id", "身份证号", "Identity number"),
    ("col_score", "得分", "Score"),
    ("col_spread", "分差", "Spread"),
    ("col_why_disputed", "争议原因", "Why disputed"),
    ("disputed_by_spread", "分差 {0} 分，超过 {1} 分", "spread {0} > {1}"),
    ("disputed_by_split", "专家对否决项 {0} 意见不一", "reviewers split on veto item {0}"),
    ("col_totals", "各专家总分", "Reviewers' totals"),
    ("col_grade", "等级", "Grade"),
    ("col_veto", "否决项", "Veto items"),
    ("panel_held", "暂缓的负面清单记录（待复核）", "Held negative entries (reconciliation)"),
    ("panel_held_text", "以下记录所依据的案件有争议或该类案件评查一致性不足，暂缓列入，待评查专家组复核。", "These entries rest on disputed cases or on a case type with low reviewer agreement; they are held until the panel reconciles the cases."),
    ("col_entry", "记录编号", "Entry"),
    ("col_status", "状态", "Status"),
    ("none", "无", "None"),
    ("list_separator", "、", ", "),
    // internal: lawyer
    ("lawyer_title", "律师评查与信用档案：{0}", "Lawyer review and credit record: {0}"),
    ("lawyer_profile", "基本信息", "Profile"),
    ("lawyer_credit", "信用分及其组成", "Credit score and its parts"),
    ("lawyer_reasons", "扣分原因（按扣分从多到少）", "Reason codes (largest cost first)"),
    ("lawyer_cases", "评查期内的案件", "Cases of the period"),
    ("lawyer_history", "清单记录", "List history"),
    ("lawyer_events", "清单事件", "List events"),
    ("col_practice_kind", "执业类别", "Practice kind"),
    ("col_status_practice", "执业状态", "Status"),
    ("col_credit", "信用分", "Credit score"),
    ("col_quality", "质量分 Q", "Quality Q"),
    ("col_service", "服务分 S", "Service S"),
    ("col_deductions", "扣分 D", "Deductions D"),
    ("col_archive_rate", "按时归档率（收缩后）", "On-time archiving rate (shrunk)"),
    ("col_satisfaction", "满意率（收缩后）", "Satisfaction rate (shrunk)"),
    ("col_mean_score", "案件平均分", "Mean case score"),
    ("col_n_closed", "办结案件", "Cases closed"),
    ("col_n_reviewed", "经评查案件", "Reviewed cases"),
    ("col_eligible", "可承办重大疑难及刑事案件", "Eligible for major and criminal cases"),
    ("col_reason", "原因", "Reason"),
    ("col_cost", "扣分", "Points"),
    ("col_evidence", "依据", "Evidence"),
    ("col_closed_on", "结案日期", "Closed on"),
    ("col_disputed", "争议", "Disputed"),
    ("col_date", "日期", "Date"),
    ("col_kind", "事件", "Event"),
    ("col_actor", "操作人", "Actor"),
    ("col_reason_text", "理由", "Reason"),
    ("col_proposed_on", "拟列入日期", "Proposed on"),
    ("col_removed_on", "结束日期", "Ended on"),
    ("col_inspection", "年度考核建议", "Inspection recommendation"),
    ("reason_Q1", "案件质量未达满分", "case quality below full marks"),
    ("reason_S1", "未按时归档", "late archiving"),
    ("reason_S2", "受援人不满意", "dissatisfied recipients"),
    ("reason_C1", "经查实的投诉", "substantiated complaints"),
    ("reason_C2", "经查实的禁止性行为投诉", "substantiated prohibited-conduct complaints"),
    ("reason_D1", "受到处分", "sanctions"),
    ("back_to_panel", "返回专家组报告", "Back to the panel report"),
    ("back_to_inspection", "返回年度考核报告", "Back to the inspection report"),
    // internal: inspection
    ("inspection_title", "律师年度考核参考报告", "Annual inspection report"),
    ("inspection_intro", "评查期 {0} 至 {1}，截至 {2}。考核建议按下列顺序取第一条适用的规则：执业不满 {3} 个月的不评定；已列入严重负面清单记录，或信用等级为 D 且有未结负面清单记录的为“不称职”；未履行法律援助义务（少于 {4} 件）、信用等级 C 或 D、评查期内有经查实的投诉或有未结负面清单记录的为“基本称职”；其余为“称职”。", "Period {0} to {1}, as of {2}. The recommendation is the first rule that applies: licensed under {3} months — no grade; a serious negative entry listed, or tier D with an open negative entry — not competent; legal-aid duty not met (fewer than {4} cases), tier C or D, a substantiated complaint decided in the period, or an open negative entry — basically competent; otherwise competent."),
    ("inspection_firms", "律师事务所汇总", "Law firms"),
    ("col_recommendation", "考核建议", "Proposed grade"),
    ("col_reasons", "依据代码", "Reason codes"),
    ("col_duty", "法律援助义务", "Legal-aid duty"),
    ("col_complaints", "投诉（受理/查实）", "Complaints received / substantiated"),
    ("col_sanctions", "处分", "Sanctions"),
    ("col_sanctions_in_period", "考核期内处分", "Sanctions decided in the period"),
    ("col_open_negative", "负面清单", "Negative entry"),
    ("col_flags_count", "合规提示", "Compliance flags"),
    ("col_n_lawyers", "律师人数", "Lawyers"),
    ("col_competent", "称职", "Competent"),
    ("col_basically", "基本称职", "Basically competent"),
    ("col_not_competent", "不称职", "Not competent"),
    ("col_not_graded", "不评定", "Not graded"),
    ("col_duty_share", "履行义务比例", "Duty met"),
    ("duty_met", "已履行", "met"),
    ("duty_not_met", "未履行", "not met"),
    ("inspection_reasons", "依据代码说明", "Reason codes"),
    ("flags_legend", "各律师的合规提示计数依次为：{0}（逐案明细见 data/case_compliance 和 inspection.xlsx 的“合规提示”表）。", "Compliance flag counts, in order: {0} (case by case in data/case_compliance and the 合规提示 sheet of inspection.xlsx)."),
    ("lawyer_page", "档案", "record"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn keys_are_unique_and_both_languages_are_filled() {
        let mut seen = BTreeSet::new();
        for (k, zh, en) in STRINGS {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
            // Placeholders match between the languages.
            for i in 0..8 {
                let p = format!("{{{i}}}");
                assert_eq!(zh.contains(&p), en.contains(&p), "{k}: {p}");
            }
        }
    }

    #[test]
    fn every_key_a_template_uses_exists() {
        for (name, source) in crate::publish::templates::TEMPLATES {
            let mut rest = *source;
            while let Some(i) = rest.find("t.") {
                let before = rest[..i].chars().last();
                rest = &rest[i + 2..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let key: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if key.is_empty() {
                    continue;
                }
                assert!(
                    STRINGS.iter().any(|(k, _, _)| *k == key),
                    "{name} uses t.{key}, which has no text"
                );
            }
        }
    }

    #[test]
    fn formatting_fills_placeholders() {
        assert_eq!(Lang::Zh.fmt("too_few", &[&11]), "—（不足11件）");
        assert_eq!(Lang::En.fmt("too_few", &[&11]), "— (fewer than 11)");
    }
}
