//! Pools of names, places and identifiers for the synthetic data set.
//!
//! Everything here is fictional but shaped like the real thing in Chengdu:
//! Chinese personal names drawn from common surnames (with a few two-character
//! ones such as 欧阳 and 司马) and one- or two-character given names, some
//! Tibetan and Yi names for ethnic-minority recipients, the twenty districts
//! and counties of Chengdu with their administrative-division codes, law firms
//! named `四川XX律师事务所` with unified social credit codes whose check
//! character is valid (GB 32100), 17-digit lawyer licence numbers, and
//! 18-character resident identity numbers with a Chengdu area code, a birth
//! date and a valid ISO 7064 MOD 11-2 check character (GB 11643).

use chrono::{Datelike, NaiveDate};

use super::sampling::{GenRng, between, chance, pick, weighted};

/// One of Chengdu's twenty districts, county-level cities and counties.
#[derive(Debug, Clone, Copy)]
pub(crate) struct District {
    pub name: &'static str,
    /// Six-digit administrative-division code (GB/T 2260).
    pub code: &'static str,
    /// Relative share of legal-aid cases.
    pub weight: u32,
    /// One of the five central urban districts, where most law firms sit.
    pub central: bool,
}

const fn d(name: &'static str, code: &'static str, weight: u32, central: bool) -> District {
    District {
        name,
        code,
        weight,
        central,
    }
}

/// The twenty districts and counties, in the usual official order.
pub(crate) const DISTRICTS: [District; 20] = [
    d("锦江区", "510104", 6, true),
    d("青羊区", "510105", 7, true),
    d("金牛区", "510106", 9, true),
    d("武侯区", "510107", 10, true),
    d("成华区", "510108", 9, true),
    d("龙泉驿区", "510112", 8, false),
    d("青白江区", "510113", 3, false),
    d("新都区", "510114", 8, false),
    d("温江区", "510115", 5, false),
    d("双流区", "510116", 9, false),
    d("郫都区", "510117", 7, false),
    d("新津区", "510118", 2, false),
    d("简阳市", "510185", 6, false),
    d("都江堰市", "510181", 4, false),
    d("彭州市", "510182", 4, false),
    d("邛崃市", "510183", 3, false),
    d("崇州市", "510184", 3, false),
    d("金堂县", "510121", 4, false),
    d("大邑县", "510129", 3, false),
    d("蒲江县", "510131", 1, false),
];

/// Index of 青羊区, seat of the city-level institutions.
pub(crate) const CITY_SEAT: usize = 1;

/// Common surnames with rough relative frequencies; the two-character ones
/// are rare.
const SURNAMES: &[(&str, u32)] = &[
    ("王", 70),
    ("李", 70),
    ("张", 65),
    ("刘", 55),
    ("陈", 50),
    ("杨", 35),
    ("黄", 25),
    ("赵", 22),
    ("吴", 20),
    ("周", 20),
    ("徐", 15),
    ("孙", 14),
    ("马", 13),
    ("朱", 12),
    ("胡", 12),
    ("郭", 11),
    ("何", 14),
    ("林", 10),
    ("罗", 14),
    ("高", 10),
    ("郑", 9),
    ("梁", 8),
    ("谢", 8),
    ("宋", 7),
    ("唐", 9),
    ("许", 7),
    ("韩", 6),
    ("冯", 6),
    ("邓", 9),
    ("曹", 6),
    ("彭", 7),
    ("曾", 8),
    ("肖", 6),
    ("田", 5),
    ("董", 5),
    ("袁", 6),
    ("潘", 4),
    ("蒋", 6),
    ("蔡", 4),
    ("余", 5),
    ("杜", 5),
    ("叶", 4),
    ("程", 4),
    ("苏", 4),
    ("魏", 4),
    ("吕", 3),
    ("丁", 3),
    ("任", 5),
    ("沈", 3),
    ("姚", 3),
    ("卢", 3),
    ("钟", 4),
    ("谭", 4),
    ("廖", 5),
    ("石", 3),
    ("贺", 3),
    ("龚", 3),
    ("熊", 3),
    ("雷", 3),
    ("付", 3),
    ("文", 3),
    ("欧阳", 1),
    ("司马", 1),
    ("诸葛", 1),
    ("上官", 1),
    ("司徒", 1),
    ("皇甫", 1),
];

const GIVEN_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "旭", "宁", "龙", "林", "阳", "峰", "建", "国",
    "志", "文", "博", "晨", "翔", "轩", "睿", "川", "毅", "洪", "松", "德", "成",
];

const GIVEN_FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "琳", "慧", "颖", "倩",
    "洁", "梅", "丹", "萍", "红", "月", "欣", "悦", "怡", "佳", "琪", "璐", "蓉", "薇", "雯", "晶",
    "秀", "英", "兰", "莉", "瑶", "茜", "春", "露",
];

const GIVEN_NEUTRAL: &[&str] = &[
    "晓", "小", "子", "思", "嘉", "雨", "一", "海", "永", "金", "立", "新", "天", "玉", "元", "中",
];

/// Tibetan and Yi name parts: a minority name is one of each row.
const MINORITY_NAMES: [(&[&str], &[&str]); 2] = [
    (
        &["扎西", "格桑", "次仁", "丹增", "洛桑", "索朗"],
        &["多吉", "卓玛", "央金", "拉姆", "平措", "措姆"],
    ),
    (
        &["吉克", "沙马", "阿牛", "马海", "吉木", "阿苏"],
        &["阿呷", "拉且", "木呷", "尔哈", "伍各", "曲布"],
    ),
];

/// Names of foreign recipients (no resident identity number).
const FOREIGN_NAMES: &[&str] = &[
    "阮文雄",
    "黎氏兰",
    "NGUYEN VAN MINH",
    "MARIA PETROVA",
    "AHMED KHAN",
    "金美善",
    "JOHN MILLER",
    "SITI AMINAH",
];

/// A Chinese personal name.
pub(crate) fn person_name(rng: &mut GenRng, female: bool) -> String {
    let mut name = String::from(weighted(rng, SURNAMES));
    let pool = if female { GIVEN_FEMALE } else { GIVEN_MALE };
    if chance(rng, 0.35) {
        name.push_str(pick(rng, pool));
    } else {
        let first = if chance(rng, 0.4) {
            pick(rng, GIVEN_NEUTRAL)
        } else {
            pick(rng, pool)
        };
        name.push_str(first);
        name.push_str(pick(rng, pool));
    }
    name
}

/// A Tibetan or Yi name.
pub(crate) fn minority_name(rng: &mut GenRng) -> String {
    let (first, second) = pick(rng, &MINORITY_NAMES);
    format!("{}{}", pick(rng, first), pick(rng, second))
}

/// A foreign recipient's name.
pub(crate) fn foreign_name(rng: &mut GenRng) -> String {
    pick(rng, FOREIGN_NAMES).to_owned()
}

/// Weights of ISO 7064 MOD 11-2 over the first 17 digits: 2^(17−i) mod 11.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The ISO 7064 MOD 11-2 check character of a resident identity number's
/// first 17 digits, or `None` when they are not 17 ASCII digits.
pub fn id_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    Some(ID_CHECK[(sum % 11) as usize] as char)
}

/// Whether an 18-character resident identity number has a valid check
/// character (the birth date and area code are not checked).
pub fn id_number_is_valid(id: &str) -> bool {
    id.len() == 18
        && id.is_char_boundary(17)
        && id_check_char(&id[..17]).is_some_and(|c| id[17..] == *c.to_string())
}

/// A resident identity number: area code, birth date, a three-digit sequence
/// (odd for men, even for women) and the check character.
pub(crate) fn id_number(rng: &mut GenRng, area: &str, birth: NaiveDate, female: bool) -> String {
    let mut seq = between(rng, 0, 998) as u32;
    if (seq % 2 == 1) == female {
        seq += 1;
    }
    let body = format!(
        "{area}{:04}{:02}{:02}{seq:03}",
        birth.year(),
        birth.month(),
        birth.day()
    );
    let check = id_check_char(&body).expect("17 digits");
    format!("{body}{check}")
}

/// Characters and weights of the unified social credit code (GB 32100).
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn uscc_value(c: u8) -> Option<u32> {
    USCC_CHARS.iter().position(|&x| x == c).map(|p| p as u32)
}

/// The check character of a unified social credit code's first 17
/// characters, or `None` when one of them is outside the code's alphabet.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (&c, w) in b.iter().zip(USCC_WEIGHTS) {
        sum += uscc_value(c)? * w;
    }
    Some(USCC_CHARS[((31 - sum % 31) % 31) as usize] as char)
}

/// The check character of a nine-character organisation code's first eight
/// (GB 11714): digits count 0–9, letters A=10 … Z=35.
fn org_check_char(first8: &[u8]) -> char {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first8
        .iter()
        .zip(W)
        .map(|(&c, w)| {
            let v = if c.is_ascii_digit() {
                c - b'0'
            } else {
                c - b'A' + 10
            };
            u32::from(v) * w
        })
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10).expect("a digit"),
    }
}

/// A unified social credit code: registration authority and kind (`31` law
/// firm, `12` public institution, `11` government body, `52` other), area
/// code, organisation code with its own check, and the overall check.
pub(crate) fn uscc(rng: &mut GenRng, kind: &str, area: &str) -> String {
    let letters = if kind == "31" { "MD" } else { "" };
    let digits = 8 - letters.len();
    let mut org = String::from(letters);
    for _ in 0..digits {
        org.push(char::from_digit(between(rng, 0, 9) as u32, 10).expect("a digit"));
    }
    org.push(org_check_char(org.as_bytes()));
    let body = format!("{kind}{area}{org}");
    let check = uscc_check_char(&body).expect("characters of the USCC alphabet");
    format!("{body}{check}")
}

/// A 17-digit lawyer licence number: `1`, the Chengdu prefix `5101`, the
/// first year of practice, the practice category, the gender digit (1 man,
/// 0 woman) and a six-digit serial.
pub(crate) fn licence_number(year: i32, category: u8, female: Option<bool>, serial: u32) -> String {
    let g = match female {
        Some(true) => 0,
        Some(false) => 1,
        None => serial % 2,
    };
    format!("15101{year:04}{category}{g}{serial:06}")
}

/// First and second characters of the `XX` in `四川XX律师事务所`.
const FIRM_FIRST: &[&str] = &[
    "锦", "蓉", "蜀", "天", "川", "西", "华", "正", "恒", "明", "诚", "信", "德", "博", "瀚", "立",
    "致", "守", "鼎", "弘", "泰", "嘉", "宏", "庆", "益", "和", "中", "安", "同", "合", "广", "盛",
    "永", "金", "海", "云", "峰", "岳", "远", "青",
];
const FIRM_SECOND: &[&str] = &[
    "衡", "信", "诚", "睿", "泽", "达", "正", "和", "德", "远", "恒", "韬", "毅", "成", "律", "法",
    "理", "道", "鸿", "坤", "源", "通", "誉", "慧", "明", "辰", "石", "峻", "航", "邦",
];

/// The `XX` of a law firm's name: two characters, three when `long`.
pub(crate) fn firm_word(rng: &mut GenRng, long: bool) -> String {
    let mut w = String::from(pick(rng, FIRM_FIRST));
    w.push_str(pick(rng, FIRM_SECOND));
    if long {
        w.push_str(pick(rng, FIRM_SECOND));
    }
    w
}

/// Towns that host a grassroots legal service office (`…法律服务所`).
pub(crate) const TOWNS: &[&str] = &["城关镇", "太平镇", "永兴镇", "安乐镇", "新民镇", "石桥镇"];

/// Specialties as lawyers list them (`;`-separated in `lawyers.csv`).
pub(crate) const SPECIALTIES: &[&str] = &[
    "刑事辩护",
    "婚姻家庭",
    "劳动争议",
    "交通事故",
    "知识产权",
    "行政诉讼",
    "合同纠纷",
    "未成年人保护",
    "人身损害赔偿",
    "房产物业",
    "医疗纠纷",
    "债权债务",
];

/// Notes reviewers write beside a low item score.
pub(crate) const NOTES_LOW: &[&str] = &[
    "未见会见笔录",
    "结案材料超期提交",
    "辩护意见针对性不强",
    "未见向受援人通报进展的记录",
    "证据目录不完整",
    "卷宗装订不规范, 缺页码",
    "法律文书存在明显错误",
    "首次会见未告知诉讼风险",
];

/// Notes reviewers write beside a full item score.
pub(crate) const NOTES_HIGH: &[&str] = &[
    "庭审表现突出",
    "文书质量较高",
    "材料齐全，归档规范",
    "与受援人沟通充分",
];

/// A note on a veto item scored 0.
pub(crate) const NOTE_VETO: &str = "经查存在违反底线要求的情形，一票否决";

/// Summaries of sanctions, by the conduct behind them.
pub(crate) const SANCTION_SUMMARIES: &[&str] = &[
    "办理法律援助案件中收取受援人财物",
    "无正当理由拒绝履行法律援助义务",
    "怠于履行职责，延误案件办理",
    "泄露当事人个人隐私",
    "未按规定会见当事人",
    "违规收费并拒不改正",
    "执业过程中提供虚假材料",
    "以不正当手段承揽业务",
];

#[cfg(test)]
mod tests {
    use super::super::sampling::{rng_for, ymd};
    use super::*;

    #[test]
    fn id_check_char_matches_known_numbers() {
        // Published examples of valid numbers (GB 11643 illustrations).
        assert_eq!(id_check_char("11010519491231002"), Some('X'));
        assert_eq!(id_check_char("44052418800101001"), Some('4'));
        assert!(id_number_is_valid("11010519491231002X"));
        assert!(id_number_is_valid("440524188001010014"));
        assert!(!id_number_is_valid("110105194912310021"));
        assert!(!id_number_is_valid("11010519491231002"));
        assert_eq!(id_check_char("1101051949123100a"), None);
    }

    #[test]
    fn every_check_value_is_reachable_and_each_number_validates() {
        let mut rng = rng_for(5, 0);
        let mut checks = std::collections::BTreeSet::new();
        for i in 0..2_000 {
            let female = i % 2 == 0;
            let area = DISTRICTS[i % 20].code;
            let id = id_number(&mut rng, area, ymd(1960 + (i % 50) as i32, 3, 9), female);
            assert_eq!(id.len(), 18);
            assert!(id.starts_with(area));
            assert!(id_number_is_valid(&id), "{id}");
            let seq: u32 = id[14..17].parse().unwrap();
            assert_eq!(seq.is_multiple_of(2), female, "{id}");
            checks.insert(id.as_bytes()[17]);
        }
        assert_eq!(checks.len(), 11, "all of 0-9 and X occur");
    }

    #[test]
    fn uscc_check_matches_a_known_code() {
        // A widely published valid example code.
        assert_eq!(uscc_check_char("91350100M000100Y4"), Some('3'));
        assert_eq!(uscc_check_char("9135010OM000100Y4"), None);
        let mut rng = rng_for(9, 0);
        let code = uscc(&mut rng, "31", "510000");
        assert_eq!(code.len(), 18);
        assert!(code.starts_with("31510000MD"));
        assert_eq!(uscc_check_char(&code[..17]), code[17..].chars().next());
    }

    #[test]
    fn licence_number_has_17_digits() {
        let n = licence_number(2018, 1, Some(true), 123_456);
        assert_eq!(n, "15101201810123456");
        assert_eq!(n.len(), 17);
    }

    #[test]
    fn names_are_two_to_four_characters() {
        let mut rng = rng_for(2, 0);
        for i in 0..500 {
            let n = person_name(&mut rng, i % 2 == 0).chars().count();
            assert!((2..=4).contains(&n));
        }
    }
}
