//! Parsers for the cell values of the data contract: dates in the accepted
//! forms, `是/否` booleans, enumerations by code or Chinese label, points with
//! their not-applicable markers. Each returns `None` (or a reason) instead of
//! guessing, so a bad cell becomes a clear row-level reject.

use chrono::NaiveDate;

use super::schema::EnumValue;

/// Days from 0001-01-01 (CE) to 1970-01-01, for Arrow's Date32.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// `YYYY-MM-DD` or `YYYY/MM/DD` (one- or two-digit month and day), optionally
/// followed by a time part as written by Parquet and JSON exports.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let date_part = t.split(['T', ' ']).next().unwrap_or(t);
    let mut parts = date_part.split(['-', '/']);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || y.len() != 4
        || m.is_empty()
        || m.len() > 2
        || d.is_empty()
        || d.len() > 2
    {
        return None;
    }
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(y) && all_digits(m) && all_digits(d)) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Arrow Date32 value (days since 1970-01-01) of a date.
pub fn date32(date: NaiveDate) -> i32 {
    use chrono::Datelike;
    date.num_days_from_ce() - UNIX_EPOCH_DAYS_FROM_CE
}

/// The date of an Arrow Date32 value.
pub fn from_date32(days: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(days + UNIX_EPOCH_DAYS_FROM_CE).expect("date in range")
}

/// `true/false`, `1/0`, `是/否` (also `yes/no`, `y/n`, case-insensitive).
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "是" | "yes" | "y" | "t" => Some(true),
        "false" | "0" | "否" | "no" | "n" | "f" => Some(false),
        _ => None,
    }
}

/// The English code of an enumeration value given as code or Chinese label.
pub fn parse_enum(text: &str, values: &'static [EnumValue]) -> Option<&'static str> {
    let t = text.trim();
    values
        .iter()
        .find(|v| v.code.eq_ignore_ascii_case(t) || v.labels.contains(&t))
        .map(|v| v.code)
}

/// A `;`-separated list (also `；`, `、` and `,` as exported by office
/// software), trimmed, empty parts dropped, joined back with `;`. With an
/// enumeration every part must be one of its values; the error names the part.
pub fn parse_list(text: &str, values: Option<&'static [EnumValue]>) -> Result<String, String> {
    let mut out: Vec<&str> = Vec::new();
    for part in text
        .split([';', '；', '、', ',', '，'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match values {
            Some(vs) => out.push(parse_enum(part, vs).ok_or_else(|| part.to_string())?),
            None => out.push(part),
        }
    }
    Ok(out.join(";"))
}

/// A points cell that is neither a number nor a not-applicable marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotANumber;

/// Points: `None` for not applicable (`NA`, `N/A`, `不适用`, empty), else a
/// finite decimal.
pub fn parse_points(text: &str) -> Result<Option<f64>, NotANumber> {
    let t = text.trim();
    if t.is_empty()
        || t.eq_ignore_ascii_case("na")
        || t.eq_ignore_ascii_case("n/a")
        || t == "不适用"
    {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(NotANumber),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::schema::{CASE_TYPE, GENDER};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_in_every_accepted_form() {
        assert_eq!(parse_date("2024-03-05"), Some(d(2024, 3, 5)));
        assert_eq!(parse_date("2024/3/5"), Some(d(2024, 3, 5)));
        assert_eq!(parse_date(" 2024/03/05 "), Some(d(2024, 3, 5)));
        assert_eq!(parse_date("2024-03-05T00:00:00"), Some(d(2024, 3, 5)));
        assert_eq!(parse_date("2024-03-05 10:00:00"), Some(d(2024, 3, 5)));
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("05/03/2024"), None);
        assert_eq!(parse_date("2024-03"), None);
        assert_eq!(parse_date("2024年3月5日"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn date32_round_trip() {
        assert_eq!(date32(d(1970, 1, 1)), 0);
        assert_eq!(date32(d(2024, 1, 1)), 19723);
        assert_eq!(from_date32(19723), d(2024, 1, 1));
    }

    #[test]
    fn booleans() {
        for t in ["true", "TRUE", "1", "是", "yes"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for t in ["false", "0", "否", "No"] {
            assert_eq!(parse_bool(t), Some(false), "{t}");
        }
        assert_eq!(parse_bool("maybe"), None);
        assert_eq!(parse_bool("2"), None);
    }

    #[test]
    fn enums_by_code_or_label() {
        assert_eq!(parse_enum("criminal", CASE_TYPE), Some("criminal"));
        assert_eq!(parse_enum("刑事", CASE_TYPE), Some("criminal"));
        assert_eq!(parse_enum(" Civil ", CASE_TYPE), Some("civil"));
        assert_eq!(parse_enum("女", GENDER), Some("F"));
        assert_eq!(parse_enum("criminal law", CASE_TYPE), None);
    }

    #[test]
    fn lists() {
        assert_eq!(parse_list("a; b;;c", None).unwrap(), "a;b;c");
        assert_eq!(
            parse_list("刑事辩护；婚姻家庭", None).unwrap(),
            "刑事辩护;婚姻家庭"
        );
        let groups = crate::ingest::schema::RECIPIENT_GROUP;
        assert_eq!(
            parse_list("elderly;未成年人", Some(groups)).unwrap(),
            "elderly;minor"
        );
        assert_eq!(
            parse_list("elderly;astronaut", Some(groups)).unwrap_err(),
            "astronaut"
        );
    }

    #[test]
    fn points() {
        assert_eq!(parse_points("3.5"), Ok(Some(3.5)));
        assert_eq!(parse_points("NA"), Ok(None));
        assert_eq!(parse_points("不适用"), Ok(None));
        assert_eq!(parse_points(""), Ok(None));
        assert_eq!(parse_points("three"), Err(NotANumber));
        assert_eq!(parse_points("NaN"), Err(NotANumber));
    }
}
