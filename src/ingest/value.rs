//! Parsers for the cell values of the data contract: dates in the accepted
//! forms, `是/否` booleans, enumerations by code or Chinese label, points with
//! their not-applicable markers. Each returns `None` (or a reason) instead of
//! guessing, so a bad cell becomes a clear row-level reject.

use chrono::NaiveDate;

use super::schema::EnumValue;

/// Days from 0001-01-01 (CE) to 1970-01-01, for Arrow's Date32.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// The date forms accepted everywhere — input cells, the pipeline file,
/// `--as-of`/`--on` and `LEGALAID_TODAY` — as an error names them.
pub const DATE_FORMS: &str =
    "a date such as 2025-01-20 (also 2025/1/20, 2025.1.20 or 2025年1月20日)";

/// Why a text is not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateError {
    /// Not in any accepted form.
    NotADate,
    /// In an accepted form, but the calendar has no such day
    /// (`2025-02-30`, month 13).
    NoSuchDay,
}

impl DateError {
    /// What is wrong with `text`, in the words every caller uses.
    pub fn describe(self, text: &str) -> String {
        match self {
            DateError::NotADate => format!("`{text}` is not {DATE_FORMS}"),
            DateError::NoSuchDay => format!("`{text}`: no such day in the calendar"),
        }
    }
}

/// The one date rule: `2025-01-20` (ISO), `2025/1/20`, `2025.1.20` or
/// `2025年1月20日` — a four-digit year, a one- or two-digit month and day,
/// one separator throughout — optionally followed (ISO and `/` forms) by a
/// time part as Parquet and JSON exports write it. A well-formed date the
/// calendar lacks is [`DateError::NoSuchDay`], not a format error.
pub fn parse_date(text: &str) -> Result<NaiveDate, DateError> {
    let t = text.trim();
    match plain_iso_date(t) {
        Some((year, month, day)) => {
            NaiveDate::from_ymd_opt(year, month, day).ok_or(DateError::NoSuchDay)
        }
        None => parse_date_any_form(t),
    }
}

/// Year, month and day of a date written `YYYY-MM-DD` and nothing else, the
/// form of nearly every date cell (a review row has two): read from the
/// bytes, without the search for the separator and form that
/// [`parse_date_any_form`] does. `None` sends any other text there.
fn plain_iso_date(t: &str) -> Option<(i32, u32, u32)> {
    let b: &[u8; 10] = t.as_bytes().try_into().ok()?;
    let digit = |i: usize| b[i].is_ascii_digit().then(|| u32::from(b[i] - b'0'));
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digit(0)? * 1000 + digit(1)? * 100 + digit(2)? * 10 + digit(3)?;
    let month = digit(5)? * 10 + digit(6)?;
    let day = digit(8)? * 10 + digit(9)?;
    Some((year as i32, month, day))
}

/// [`parse_date`] for every form it accepts; `t` is trimmed.
fn parse_date_any_form(t: &str) -> Result<NaiveDate, DateError> {
    let (y, m, d) = match t.strip_suffix('日') {
        Some(rest) => {
            let (y, rest) = rest.split_once('年').ok_or(DateError::NotADate)?;
            let (m, d) = rest.split_once('月').ok_or(DateError::NotADate)?;
            (y, m, d)
        }
        None => {
            let date_part = t.split(['T', ' ']).next().unwrap_or(t);
            let sep = date_part
                .chars()
                .find(|c| matches!(c, '-' | '/' | '.'))
                .ok_or(DateError::NotADate)?;
            if sep == '.' && date_part.len() != t.len() {
                return Err(DateError::NotADate);
            }
            let mut parts = date_part.split(sep);
            let (Some(y), Some(m), Some(d), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(DateError::NotADate);
            };
            (y, m, d)
        }
    };
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !(digits(y, 4, 4) && digits(m, 1, 2) && digits(d, 1, 2)) {
        return Err(DateError::NotADate);
    }
    let number = |s: &str| s.parse::<u32>().map_err(|_| DateError::NotADate);
    let year = i32::try_from(number(y)?).map_err(|_| DateError::NotADate)?;
    NaiveDate::from_ymd_opt(year, number(m)?, number(d)?).ok_or(DateError::NoSuchDay)
}

/// [`parse_date`] for a command-line value (clap's `value_parser`) or an
/// environment variable: the error is the sentence to show.
pub fn date_arg(text: &str) -> Result<NaiveDate, String> {
    parse_date(text).map_err(|e| e.describe(text))
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
        for text in [
            "2024-03-05",
            "2024/3/5",
            " 2024/03/05 ",
            "2024.3.5",
            "2024.03.05",
            "2024年3月5日",
            "2024年03月05日",
            "2024-3-05",
            "2024-03-05T00:00:00",
            "2024-03-05 10:00:00",
            "2024/3/5 0:00",
        ] {
            assert_eq!(parse_date(text), Ok(d(2024, 3, 5)), "{text}");
        }
        for text in [
            "05/03/2024",
            "2024-03",
            "2024-03/05",
            "2024.03.05 10:00",
            "24-03-05",
            "2024-003-05",
            "2024年3月5",
            "2024年3-5日",
            "二〇二四年三月五日",
            "+2024-03-05",
            "2024-03-05-01",
            "",
        ] {
            assert_eq!(parse_date(text), Err(DateError::NotADate), "{text}");
        }
        for text in [
            "2025-02-30",
            "2025/2/29",
            "2025.13.01",
            "2025年4月31日",
            "2025-00-10",
        ] {
            assert_eq!(parse_date(text), Err(DateError::NoSuchDay), "{text}");
        }
        assert_eq!(parse_date("2024-02-29"), Ok(d(2024, 2, 29)));
        assert!(date_arg("2025-02-30").unwrap_err().contains("no such day"));
        assert!(date_arg("20.1.2025").unwrap_err().contains("2025年1月20日"));
    }

    proptest::proptest! {
        /// Every day of the calendar reads back from each form, and a day
        /// past the month's end is "no such day" in each form.
        #[test]
        fn every_form_reads_every_day(days in 0i64..(366 * 200)) {
            let date = d(1900, 1, 1) + chrono::Days::new(days as u64);
            use chrono::Datelike;
            let (y, m, day) = (date.year(), date.month(), date.day());
            for text in [
                date.format("%Y-%m-%d").to_string(),
                format!("{y}/{m}/{day}"),
                format!("{y}.{m}.{day}"),
                format!("{y}年{m}月{day}日"),
                format!("{y}-{m:02}-{day:02}T08:30:00"),
            ] {
                proptest::prop_assert_eq!(parse_date(&text), Ok(date), "{}", text);
            }
            let last = (date + chrono::Months::new(1)).with_day(1).unwrap().pred_opt().unwrap().day();
            for text in [
                format!("{y}-{m:02}-{}", last + 1),
                format!("{y}/{m}/{}", last + 1),
                format!("{y}.{m}.{}", last + 1),
                format!("{y}年{m}月{}日", last + 1),
            ] {
                proptest::prop_assert_eq!(parse_date(&text), Err(DateError::NoSuchDay), "{}", text);
            }
        }

        /// The `YYYY-MM-DD` shortcut decides every ten-character text of
        /// digits and separators as the general reader does (a shortcut
        /// that took `2024/03-05` or misread a digit would differ).
        #[test]
        fn the_iso_shortcut_agrees_with_the_general_reader(text in "[0-9./-]{10}") {
            if let Some((y, m, day)) = plain_iso_date(&text) {
                let shortcut = NaiveDate::from_ymd_opt(y, m, day).ok_or(DateError::NoSuchDay);
                proptest::prop_assert_eq!(shortcut, parse_date_any_form(&text), "{}", text);
            }
            proptest::prop_assert_eq!(parse_date(&text), parse_date_any_form(&text), "{}", text);
        }

        /// Texts of the ISO shape, so the shortcut is taken often.
        #[test]
        fn the_iso_shortcut_reads_what_the_general_reader_reads(
            y in "[0-9]{4}", m in "[0-9]{2}", day in "[0-9]{2}",
        ) {
            let text = format!("{y}-{m}-{day}");
            proptest::prop_assert!(plain_iso_date(&text).is_some());
            proptest::prop_assert_eq!(parse_date(&text), parse_date_any_form(&text), "{}", text);
        }
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
