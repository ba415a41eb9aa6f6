//! The registry of reject reasons. Each has a stable code, written first in
//! the `reason` column of the quarantine files so staff can filter on it, and
//! a Chinese and an English explanation for reports.

/// A reject reason with its stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

macro_rules! reasons {
    ($($ident:ident = $code:literal, $zh:literal, $en:literal;)*) => {
        $(pub const $ident: Reason = Reason { code: $code, zh: $zh, en: $en };)*
        /// Every reason, in registry order.
        pub const ALL: &[Reason] = &[$($ident),*];
    };
}

reasons! {
    WRONG_FIELD_COUNT = "wrong_field_count", "字段数与表头不符", "the record has a different number of fields than the header";
    MALFORMED_RECORD = "malformed_record", "记录无法解析", "the record cannot be parsed";
    TEXT_TOO_LONG = "text_too_long", "文本超过该列允许的长度", "the text is longer than its column allows (ids 64 characters, names 200, lists 1,000, free text 4,000)";
    BAD_CHARACTER = "bad_character", "含有控制字符或双向文本控制符", "the text holds a control character, or a bidi control character where none is allowed";
    MISSING_VALUE = "missing_value", "必填项为空", "a required value is empty";
    BAD_DATE = "bad_date", "日期格式错误", "not a date (2025-01-20, 2025/1/20, 2025.1.20 or 2025年1月20日), or no such day";
    BAD_BOOL = "bad_bool", "是否值错误", "not a yes/no value (true/false, 1/0, 是/否)";
    BAD_ENUM = "bad_enum", "取值不在允许范围", "not one of the allowed codes or labels";
    BAD_NUMBER = "bad_number", "分值不是数字", "points are not a number, NA or 不适用";
    OUT_OF_RANGE = "out_of_range", "分值超出范围", "points outside 0 … the item's maximum";
    DUPLICATE_KEY = "duplicate_key", "编号重复", "the key was already used by an earlier row";
    UNKNOWN_REFERENCE = "unknown_reference", "引用的记录不存在", "refers to a record that is not among the accepted rows";
    DATE_ORDER = "date_order", "日期先后顺序错误", "dates are in an impossible order";
    LICENSED_AFTER_AS_OF = "licensed_after_as_of", "首次执业日期晚于决定日", "licensed after the run's as-of date";
    MISSING_DECISION = "missing_decision", "缺少处理日期", "a decided complaint needs decided_on";
    UNKNOWN_ITEM = "unknown_item", "评议项目不在评议标准中", "the item is not in the rubric of the case's type";
    NOT_APPLICABLE_NOT_ALLOWED = "not_applicable_not_allowed", "非可选项目不得标为不适用", "only optional items may be marked not applicable";
    VETO_NOT_BINARY = "veto_not_binary", "否决项只能得0分或满分", "a veto item takes only 0 or its maximum";
    INCOMPLETE_REVIEW = "incomplete_review", "评议表缺少项目", "the review lacks items of its rubric";
    REPEATED_ITEM = "repeated_item", "评议表项目重复", "the review has an item twice";
    MIXED_REVIEW = "mixed_review", "同一评议表混有多个案件或专家", "one review mixes cases or reviewers";
    CONFLICT_OF_INTEREST = "conflict_of_interest", "评议专家与承办律师同所，应回避", "the reviewer is from the case lawyer's law firm";
    DUPLICATE_REVIEW = "duplicate_review", "同一专家对同一案件重复评议", "a second live review of the case by the same reviewer";
    BAD_SUPERSEDES = "bad_supersedes", "替代评议表编号无效", "supersedes names no earlier review of the same case";
    REVIEW_REJECTED = "review_rejected", "同一评议表的其他行被拒收", "another row of the same review was rejected";
}

/// The text of the `reason` column: the code, then what exactly was wrong.
pub fn describe(reason: Reason, detail: &str) -> String {
    if detail.is_empty() {
        format!("{}: {}", reason.code, reason.en)
    } else {
        format!("{}: {}", reason.code, detail)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_unique_snake_case() {
        for (i, r) in super::ALL.iter().enumerate() {
            assert!(
                r.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                r.code
            );
            assert!(!r.zh.is_empty() && !r.en.is_empty());
            assert!(
                super::ALL[i + 1..].iter().all(|o| o.code != r.code),
                "{}",
                r.code
            );
        }
    }
}
