//! Review rubrics: the items a reviewer scores, their stages and maxima, and
//! the grade bands a case total falls into.
//!
//! Rubrics are data, not code. Every city and every year has its own official
//! scoring sheet, and bands get renamed or re-cut (a user may grade by the
//! England & Wales peer-review scale instead of 优秀/良好/合格/不合格), so
//! nothing in the pipeline may hard-code an item, a band or a full mark. A
//! rubric is one TOML file per case type, validated strictly at load so that a
//! mistake in it is reported once, naming the file and the item, instead of
//! surfacing later as odd scores. The three Chengdu defaults are embedded in
//! the binary, and every scored case records the `version` and the file's
//! SHA-256, so a score can always be traced to the exact sheet behind it.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Slack for comparing sums of points and scores against bounds, so that
/// fractional maxima and rescaled totals do not fail on rounding noise.
const EPS: f64 = 1e-9;

/// The case types a rubric can be written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseType {
    Criminal,
    Civil,
    Administrative,
}

impl CaseType {
    pub const ALL: [CaseType; 3] = [
        CaseType::Criminal,
        CaseType::Civil,
        CaseType::Administrative,
    ];

    /// The code used in files and tables: `criminal`, `civil`, `administrative`.
    pub fn code(self) -> &'static str {
        match self {
            CaseType::Criminal => "criminal",
            CaseType::Civil => "civil",
            CaseType::Administrative => "administrative",
        }
    }

    /// The Chinese label (also the score-sheet name in reviewer workbooks).
    pub fn label_zh(self) -> &'static str {
        match self {
            CaseType::Criminal => "刑事",
            CaseType::Civil => "民事",
            CaseType::Administrative => "行政",
        }
    }

    /// Accepts the code or the Chinese label, ignoring surrounding whitespace.
    pub fn parse(s: &str) -> Option<CaseType> {
        let s = s.trim();
        CaseType::ALL
            .into_iter()
            .find(|t| t.code() == s || t.label_zh() == s)
    }
}

impl fmt::Display for CaseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A stage of case handling that groups items (A 受理与指派 …, V veto items).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub code: String,
    pub name: String,
    pub name_en: String,
}

/// A grade band: scores from `lower` (0–100 scale) up to the next band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub code: String,
    pub label: String,
    #[serde(default)]
    pub label_en: Option<String>,
    pub lower: f64,
    /// The band a vetoed case is put in; exactly one per rubric, the lowest.
    #[serde(default)]
    pub fail: bool,
}

/// One scored item of a rubric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub code: String,
    pub stage: String,
    pub text: String,
    pub text_en: String,
    pub max_points: f64,
    /// May be marked not applicable (`NA` / `不适用`); the total is rescaled.
    #[serde(default)]
    pub optional: bool,
    /// Veto item (一票否决项): scored 0 or full marks; a panel 0 fails the case.
    #[serde(default)]
    pub veto: bool,
}

impl Item {
    /// The item's short Chinese title for a column head: its text up to the
    /// first clause mark (，；：、 or an opening bracket), at most
    /// [`SHORT_TITLE_CHARS`] characters (cut with "…").
    pub fn short_title(&self) -> String {
        let head: &str = self
            .text
            .split(['，', '；', '：', '、', '（', '(', ',', ';', ':'])
            .next()
            .unwrap_or_default()
            .trim();
        let n = head.chars().count();
        if n <= SHORT_TITLE_CHARS {
            head.to_string()
        } else {
            let mut s: String = head.chars().take(SHORT_TITLE_CHARS - 1).collect();
            s.push('…');
            s
        }
    }
}

/// The longest short title of an item, in characters.
pub const SHORT_TITLE_CHARS: usize = 12;

/// A validated rubric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rubric {
    pub case_type: CaseType,
    pub version: String,
    pub title: String,
    pub title_en: Option<String>,
    pub full_mark: f64,
    pub stages: Vec<Stage>,
    /// Sorted by lower bound, highest first.
    pub bands: Vec<Band>,
    /// In file order.
    pub items: Vec<Item>,
    pub source: PathBuf,
    /// Hex SHA-256 of the file bytes.
    pub sha256: String,
}

/// The file as written; `case_type` is a string so that an unknown one gets
/// our own message rather than serde's.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRubric {
    case_type: String,
    version: String,
    title: String,
    #[serde(default)]
    title_en: Option<String>,
    full_mark: f64,
    #[serde(default)]
    stages: Vec<Stage>,
    #[serde(default)]
    bands: Vec<Band>,
    #[serde(default)]
    items: Vec<Item>,
}

/// An unreadable or invalid rubric file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct RubricError {
    pub path: PathBuf,
    pub item: Option<String>,
    pub message: String,
}

impl fmt::Display for RubricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rubric file {}: ", self.path.display())?;
        if let Some(item) = &self.item {
            write!(f, "item {item}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl RubricError {
    fn new(path: &Path, item: Option<&str>, message: impl Into<String>) -> Self {
        RubricError {
            path: path.to_path_buf(),
            item: item.map(str::to_string),
            message: message.into(),
        }
    }
}

/// Returns a [`RubricError`] for `source`, naming `item` if given.
/// (The `;` keeps rustfmt from spreading every call over five lines.)
macro_rules! bail {
    ($source:expr, $item:expr; $($msg:tt)+) => {
        return Err(RubricError::new($source, $item, format!($($msg)+)))
    };
}

impl Rubric {
    /// Reads and validates a rubric file.
    pub fn load(path: &Path) -> Result<Rubric, RubricError> {
        let bytes = std::fs::read(path)
            .map_err(|e| RubricError::new(path, None, format!("cannot read the file ({e})")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| RubricError::new(path, None, "expected UTF-8 text, found other bytes"))?;
        Rubric::parse(&text, path)
    }

    /// Parses and validates rubric text; `source` is only used in errors and
    /// recorded in the result. The hash is of `text`.
    pub fn parse(text: &str, source: &Path) -> Result<Rubric, RubricError> {
        let raw: RawRubric = toml::from_str(text).map_err(|e| toml_error(text, source, &e))?;
        let Some(case_type) = CaseType::parse(&raw.case_type) else {
            let t = &raw.case_type;
            bail!(source, None; "case_type \"{t}\" is unknown; expected criminal, civil or administrative");
        };
        if raw.version.trim().is_empty() {
            bail!(source, None; "version is empty; expected a version string such as \"cd-2024.1\"");
        }
        if !positive(raw.full_mark) {
            bail!(source, None; "full_mark is {}; expected a positive number", raw.full_mark);
        }
        let mut stages = HashSet::new();
        for s in &raw.stages {
            if s.code.trim().is_empty() || !stages.insert(s.code.as_str()) {
                let c = &s.code;
                bail!(source, None; "stage code \"{c}\" is empty or repeated; expected unique stage codes");
            }
        }
        if raw.items.is_empty() {
            bail!(source, None; "no items; expected at least one [[items]] table");
        }
        let mut codes = HashSet::new();
        for it in &raw.items {
            let code = Some(it.code.as_str());
            if it.code.trim().is_empty() {
                let st = &it.stage;
                bail!(source, None; "an item in stage \"{st}\" has an empty code; expected a unique code");
            }
            if !codes.insert(it.code.as_str()) {
                bail!(source, code; "the code appears more than once; expected each item code once");
            }
            if !positive(it.max_points) {
                bail!(source, code; "max_points is {}; expected a positive number", it.max_points);
            }
            if !stages.contains(it.stage.as_str()) {
                let known: Vec<&str> = raw.stages.iter().map(|s| s.code.as_str()).collect();
                let (st, known) = (&it.stage, known.join(", "));
                bail!(source, code; "stage \"{st}\" is not declared; expected one of [{known}]");
            }
            if it.veto && it.optional {
                bail!(source, code; "a veto item cannot be optional; expected optional = false");
            }
        }
        let sum: f64 = raw.items.iter().map(|i| i.max_points).sum();
        if (sum - raw.full_mark).abs() > EPS {
            let full = raw.full_mark;
            bail!(source, None; "item maxima add up to {sum}, but full_mark is {full}; expected them to be equal");
        }
        let bands = validate_bands(raw.bands, source)?;
        Ok(Rubric {
            case_type,
            version: raw.version,
            title: raw.title,
            title_en: raw.title_en,
            full_mark: raw.full_mark,
            stages: raw.stages,
            bands,
            items: raw.items,
            source: source.to_path_buf(),
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
        })
    }

    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    /// The band of a failed or vetoed case; validation guarantees exactly one.
    pub fn fail_band(&self) -> &Band {
        self.bands
            .iter()
            .find(|b| b.fail)
            .expect("validated rubric has a fail band")
    }

    /// Band of a 0–100 score: the highest band whose lower bound <= score + 1e-9.
    pub fn band_for(&self, score: f64) -> &Band {
        self.bands
            .iter()
            .find(|b| b.lower <= score + EPS)
            // Only below 0 (or NaN): the lowest band, which is the fail band.
            .unwrap_or_else(|| self.bands.last().expect("validated rubric has bands"))
    }

    pub fn veto_items(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.veto)
    }
}

/// A usable point value: finite and above zero (rejects NaN and infinity).
fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// Checks the bands and returns them sorted highest first. Bands only carry
/// a lower bound, so "no gaps" means the lowest starts at 0, and "no overlap"
/// means no two share a lower bound.
fn validate_bands(mut bands: Vec<Band>, source: &Path) -> Result<Vec<Band>, RubricError> {
    if bands.is_empty() {
        bail!(source, None; "no bands; expected [[bands]] tables with code, label and lower");
    }
    let mut codes = HashSet::new();
    for b in &bands {
        let (c, lower) = (&b.code, b.lower);
        if c.trim().is_empty() || !codes.insert(c.as_str()) {
            bail!(source, None; "band code \"{c}\" is empty or repeated; expected unique band codes");
        }
        if !(0.0..=100.0).contains(&lower) {
            bail!(source, None; "band \"{c}\" has lower = {lower}; expected a bound from 0 to 100");
        }
    }
    bands.sort_by(|a, b| b.lower.total_cmp(&a.lower));
    for w in bands.windows(2) {
        if (w[0].lower - w[1].lower).abs() <= EPS {
            let (hi, lo, lower) = (&w[0].code, &w[1].code, w[0].lower);
            bail!(source, None; "bands \"{lo}\" and \"{hi}\" overlap: both have lower = {lower}; expected distinct lower bounds");
        }
    }
    let lowest = bands.last().expect("not empty");
    let (lc, ll) = (&lowest.code, lowest.lower);
    if ll.abs() > EPS {
        bail!(source, None; "the lowest band \"{lc}\" starts at {ll}, leaving lower scores without a band; expected lower = 0");
    }
    let fails: Vec<&str> = bands
        .iter()
        .filter(|b| b.fail)
        .map(|b| b.code.as_str())
        .collect();
    match fails.as_slice() {
        [] => bail!(source, None; "no fail band; expected exactly one band with fail = true"),
        [one] if one != lc => {
            bail!(source, None; "fail band \"{one}\" is not the lowest band (\"{lc}\" is); expected the fail band to be the lowest");
        }
        [_] => {}
        many => {
            let many = many.join(", ");
            bail!(source, None; "several fail bands ({many}); expected exactly one band with fail = true");
        }
    }
    Ok(bands)
}

/// Turns a TOML or shape error into one sentence with the line, naming the
/// item when the error sits inside an `[[items]]` table.
fn toml_error(text: &str, source: &Path, e: &toml::de::Error) -> RubricError {
    let message = e.message().trim().replace('\n', " ");
    let Some(span) = e.span() else {
        return RubricError::new(source, None, format!("not a valid rubric: {message}"));
    };
    let start = span.start.min(text.len());
    let line = text[..start].matches('\n').count() + 1;
    RubricError::new(
        source,
        enclosing_item(text, start).as_deref(),
        format!("line {line}: {message}"),
    )
}

/// The `code` of the `[[items]]` table containing byte offset `at`, if any.
fn enclosing_item(text: &str, at: usize) -> Option<String> {
    let mut header = None;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if pos > at {
            break;
        }
        if line.trim_start().starts_with('[') {
            header = Some(pos);
        }
        pos += line.len();
    }
    let from = header?;
    let mut lines = text[from..].lines();
    if lines.next()?.trim() != "[[items]]" {
        return None;
    }
    for line in lines.take_while(|l| !l.trim_start().starts_with('[')) {
        if let Some((key, value)) = line.split_once('=')
            && key.trim() == "code"
        {
            let value = value.trim().trim_start_matches(['"', '\'']);
            return value.split(['"', '\'']).next().map(str::to_string);
        }
    }
    None
}

/// The three default rubrics, embedded from `pipelines/rubrics/`, as (file name, text).
pub const DEFAULT_RUBRICS: [(&str, &str); 3] = [
    (
        "criminal.toml",
        include_str!("../pipelines/rubrics/criminal.toml"),
    ),
    (
        "civil.toml",
        include_str!("../pipelines/rubrics/civil.toml"),
    ),
    (
        "administrative.toml",
        include_str!("../pipelines/rubrics/administrative.toml"),
    ),
];

/// The default rubrics, parsed, with `source` = `pipelines/rubrics/<file>`.
/// Never panics in practice: a unit test proves the embedded files are valid.
pub fn default_rubrics() -> Vec<Rubric> {
    DEFAULT_RUBRICS
        .iter()
        .map(|(name, text)| {
            let source = Path::new("pipelines/rubrics").join(name);
            Rubric::parse(text, &source)
                .unwrap_or_else(|e| panic!("embedded default rubric is invalid: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_titles_are_the_first_clause_of_the_text() {
        let item = |text: &str| Item {
            code: "X".into(),
            stage: "A".into(),
            text: text.into(),
            text_en: String::new(),
            max_points: 1.0,
            optional: false,
            veto: false,
        };
        assert_eq!(
            item("首次会见：指派后3个工作日内会见").short_title(),
            "首次会见"
        );
        assert_eq!(item("卷宗记录真实，无编造").short_title(), "卷宗记录真实");
        assert_eq!(
            item("承办律师具备相应资质（可能判处无期徒刑）").short_title(),
            "承办律师具备相应资质"
        );
        assert_eq!(
            item("围绕被诉行政行为的合法性充分论证").short_title(),
            "围绕被诉行政行为的合法…"
        );
        for r in default_rubrics() {
            for i in &r.items {
                let t = i.short_title();
                assert!(
                    (2..=SHORT_TITLE_CHARS).contains(&t.chars().count()),
                    "{}: {t}",
                    i.code
                );
            }
        }
    }

    /// A small valid rubric; each validation test breaks one thing in it.
    const MINI: &str = r#"
case_type = "criminal"
version = "t-1"
title = "测试"
full_mark = 10

[[stages]]
code = "A"
name = "受理"
name_en = "Acceptance"

[[stages]]
code = "V"
name = "否决"
name_en = "Veto"

[[bands]]
code = "pass"
label = "合格"
lower = 60

[[bands]]
code = "fail"
label = "不合格"
lower = 0
fail = true

[[items]]
code = "X-A1"
stage = "A"
text = "甲"
text_en = "a"
max_points = 6
optional = true

[[items]]
code = "X-A2"
stage = "A"
text = "乙"
text_en = "b"
max_points = 2

[[items]]
code = "X-V1"
stage = "V"
text = "丙"
text_en = "c"
max_points = 2
veto = true
"#;

    fn parse(text: &str) -> Result<Rubric, RubricError> {
        Rubric::parse(text, Path::new("rubrics/bad.toml"))
    }

    /// Applies `from -> to` to MINI and returns the error message, which must
    /// name the file and contain every string in `names`.
    fn fails(from: &str, to: &str, names: &[&str]) -> String {
        assert!(MINI.contains(from), "test edit not found: {from}");
        let e = parse(&MINI.replacen(from, to, 1)).expect_err("expected an invalid rubric");
        let msg = e.to_string();
        assert!(msg.starts_with("rubric file rubrics/bad.toml: "), "{msg}");
        for n in names {
            assert!(msg.contains(n), "{msg:?} does not name {n:?}");
        }
        msg
    }

    fn stage_sums(r: &Rubric) -> Vec<(String, f64)> {
        r.stages
            .iter()
            .map(|s| {
                let sum = r
                    .items
                    .iter()
                    .filter(|i| i.stage == s.code)
                    .map(|i| i.max_points)
                    .sum();
                (s.code.clone(), sum)
            })
            .collect()
    }

    #[test]
    fn defaults_parse_with_the_spec_stage_sums() {
        let rubrics = default_rubrics();
        let expect: [(CaseType, usize, [f64; 6]); 3] = [
            (CaseType::Criminal, 23, [10., 28., 32., 12., 8., 10.]),
            (CaseType::Civil, 22, [8., 22., 36., 12., 12., 10.]),
            (CaseType::Administrative, 23, [8., 24., 34., 12., 12., 10.]),
        ];
        assert_eq!(rubrics.len(), 3);
        for (r, (ct, n, sums)) in rubrics.iter().zip(expect) {
            assert_eq!(r.case_type, ct);
            assert_eq!(r.version, "cd-2024.1");
            assert_eq!(r.full_mark, 100.0);
            assert_eq!(r.items.len(), n, "{ct}");
            let got = stage_sums(r);
            let codes: Vec<&str> = got.iter().map(|(c, _)| c.as_str()).collect();
            assert_eq!(codes, ["A", "B", "C", "D", "E", "V"]);
            assert_eq!(
                got.iter().map(|(_, s)| *s).collect::<Vec<_>>(),
                sums,
                "{ct}"
            );
            assert!(
                r.items
                    .iter()
                    .all(|i| !i.text.is_empty() && !i.text_en.is_empty())
            );
            let bands: Vec<(&str, f64)> =
                r.bands.iter().map(|b| (b.code.as_str(), b.lower)).collect();
            assert_eq!(
                bands,
                [
                    ("excellent", 90.),
                    ("good", 80.),
                    ("qualified", 60.),
                    ("unqualified", 0.)
                ]
            );
            assert_eq!(r.fail_band().label, "不合格");
            assert_eq!(r.sha256.len(), 64);
            assert_eq!(
                r.source,
                Path::new("pipelines/rubrics").join(format!("{}.toml", ct.code()))
            );
        }
    }

    #[test]
    fn veto_items_are_the_five_v_items() {
        for r in default_rubrics() {
            let prefix = &r.items[0].code[..2];
            let veto: Vec<&str> = r.veto_items().map(|i| i.code.as_str()).collect();
            let want: Vec<String> = (1..=5).map(|n| format!("{prefix}-V{n}")).collect();
            assert_eq!(veto, want);
            assert!(
                r.veto_items()
                    .all(|i| i.stage == "V" && i.max_points == 2.0 && !i.optional)
            );
            assert!(r.items.iter().filter(|i| i.stage != "V").all(|i| !i.veto));
        }
    }

    #[test]
    fn default_files_on_disk_match_the_embedded_ones() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/rubrics");
        for (name, text) in DEFAULT_RUBRICS {
            let r = Rubric::load(&dir.join(name)).unwrap();
            assert_eq!(r.sha256, hex::encode(Sha256::digest(text.as_bytes())));
        }
    }

    #[test]
    fn known_items_and_optional_flags() {
        let cr = &default_rubrics()[0];
        let b1 = cr.item("CR-B1").unwrap();
        assert_eq!(
            (b1.stage.as_str(), b1.max_points, b1.optional),
            ("B", 8.0, false)
        );
        assert!(b1.text.contains("3个工作日"));
        assert!(cr.item("CR-C3").unwrap().optional);
        assert!(cr.item("CV-A1").is_none());
        let ad = &default_rubrics()[2];
        let e3 = ad.item("AD-E3").unwrap();
        assert!(e3.optional && e3.max_points == 3.0);
    }

    #[test]
    fn band_for_uses_lower_bounds_with_tolerance() {
        let r = &default_rubrics()[0];
        let band = |s: f64| r.band_for(s).code.as_str();
        assert_eq!(band(100.0), "excellent");
        assert_eq!(band(90.0), "excellent");
        assert_eq!(band(90.0 - 1e-10), "excellent");
        // Exactly 1e-9 below the bound still counts as reaching it.
        assert_eq!(band(89.999999999), "excellent");
        assert_eq!(band(89.99999999), "good");
        assert_eq!(band(80.0), "good");
        assert_eq!(band(59.99), "unqualified");
        assert_eq!(band(0.0), "unqualified");
        assert_eq!(band(-5.0), "unqualified");
    }

    #[test]
    fn case_type_codes_and_labels() {
        assert_eq!(CaseType::parse(" civil "), Some(CaseType::Civil));
        assert_eq!(CaseType::parse("行政"), Some(CaseType::Administrative));
        assert_eq!(CaseType::parse("Criminal"), None);
        for t in CaseType::ALL {
            assert_eq!(CaseType::parse(t.label_zh()), Some(t));
            assert_eq!(toml::Value::try_from(t).unwrap().as_str(), Some(t.code()));
        }
    }

    #[test]
    fn ew_peer_review_fixture_loads_and_grades() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/rubrics/ew-peer-review.toml");
        let r = Rubric::load(&path).unwrap();
        assert_eq!(
            (r.case_type, r.version.as_str(), r.full_mark),
            (CaseType::Civil, "ew-2024", 50.0)
        );
        let codes: Vec<&str> = r.bands.iter().map(|b| b.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "excellence",
                "competence_plus",
                "threshold_competence",
                "below_competence",
                "failure"
            ]
        );
        assert_eq!(r.bands[0].label_en.as_deref(), Some("1 Excellence"));
        assert_eq!(r.fail_band().code, "failure");
        // Totals arrive normalised: 100 × points / 50.
        let grade = |points: f64| r.band_for(100.0 * points / 50.0).code.as_str();
        assert_eq!(grade(50.0), "excellence");
        assert_eq!(grade(42.5), "excellence");
        assert_eq!(grade(42.0), "competence_plus");
        assert_eq!(grade(25.0), "threshold_competence");
        assert_eq!(grade(15.0), "below_competence");
        assert_eq!(grade(14.5), "failure");
        assert_eq!(
            r.veto_items().map(|i| i.code.as_str()).collect::<Vec<_>>(),
            ["EW-V1"]
        );
    }

    #[test]
    fn mini_is_valid() {
        let r = parse(MINI).unwrap();
        assert_eq!(r.bands[0].code, "pass");
        assert_eq!(r.title_en, None);
    }

    #[test]
    fn toml_syntax_error_names_the_line() {
        // "max_points = 2" first occurs in item X-A2.
        let at = MINI.find("max_points = 2").unwrap();
        let line = format!("line {}", MINI[..at].lines().count() + 1);
        fails(
            "max_points = 2",
            "max_points = = 2",
            &["item X-A2", &line, "extra `=`"],
        );
    }

    #[test]
    fn unknown_key_names_the_item() {
        fails(
            "max_points = 2\nveto",
            "weight = 1\nmax_points = 2\nveto",
            &["item X-V1", "weight"],
        );
    }

    #[test]
    fn unknown_top_level_key() {
        fails(
            "full_mark = 10",
            "full_mark = 10\ncity = \"成都\"",
            &["city", "line"],
        );
    }

    #[test]
    fn unknown_case_type() {
        fails(
            "\"criminal\"",
            "\"family\"",
            &["family", "criminal, civil or administrative"],
        );
    }

    #[test]
    fn empty_version() {
        fails("\"t-1\"", "\" \"", &["version is empty"]);
    }

    #[test]
    fn full_mark_not_positive() {
        fails("full_mark = 10", "full_mark = 0", &["full_mark is 0"]);
    }

    #[test]
    fn no_items() {
        let cut = &MINI[..MINI.find("[[items]]").unwrap()];
        let msg = parse(cut).unwrap_err().to_string();
        assert!(
            msg.contains("rubrics/bad.toml") && msg.contains("no items"),
            "{msg}"
        );
    }

    #[test]
    fn duplicate_item_code() {
        fails("\"X-A2\"", "\"X-A1\"", &["item X-A1", "more than once"]);
    }

    #[test]
    fn empty_item_code() {
        fails("\"X-A2\"", "\"\"", &["empty code", "stage \"A\""]);
    }

    #[test]
    fn max_points_not_positive() {
        fails(
            "max_points = 2\n\n",
            "max_points = -2\n\n",
            &["item X-A2", "max_points is -2"],
        );
    }

    #[test]
    fn duplicate_stage_code() {
        fails(
            "code = \"V\"",
            "code = \"A\"",
            &["stage code \"A\"", "repeated"],
        );
    }

    #[test]
    fn undeclared_stage() {
        fails(
            "stage = \"A\"\ntext = \"乙\"",
            "stage = \"Z\"\ntext = \"乙\"",
            &["item X-A2", "\"Z\"", "[A, V]"],
        );
    }

    #[test]
    fn maxima_do_not_add_up() {
        fails(
            "max_points = 6",
            "max_points = 5",
            &["add up to 9", "full_mark is 10"],
        );
    }

    #[test]
    fn optional_veto_item() {
        fails(
            "veto = true",
            "veto = true\noptional = true",
            &["item X-V1", "veto item cannot be optional"],
        );
    }

    #[test]
    fn no_bands() {
        let text = MINI.replace("[[bands]]", "[[ignored]]");
        let text = text.replace(
            "[[ignored]]\ncode = \"pass\"\nlabel = \"合格\"\nlower = 60\n",
            "",
        );
        let text = text.replace(
            "[[ignored]]\ncode = \"fail\"\nlabel = \"不合格\"\nlower = 0\nfail = true\n",
            "",
        );
        let msg = parse(&text).unwrap_err().to_string();
        assert!(
            msg.contains("rubrics/bad.toml") && msg.contains("no bands"),
            "{msg}"
        );
    }

    #[test]
    fn duplicate_band_code() {
        fails(
            "code = \"pass\"",
            "code = \"fail\"",
            &["band code \"fail\"", "repeated"],
        );
    }

    #[test]
    fn overlapping_bands() {
        fails(
            "lower = 60",
            "lower = 0",
            &["\"pass\"", "\"fail\"", "overlap"],
        );
    }

    #[test]
    fn gap_below_lowest_band() {
        fails("lower = 0", "lower = 10", &["\"fail\"", "starts at 10"]);
    }

    #[test]
    fn band_bound_out_of_range() {
        fails(
            "lower = 60",
            "lower = 160",
            &["band \"pass\"", "lower = 160"],
        );
    }

    #[test]
    fn no_fail_band() {
        fails("fail = true\n", "", &["no fail band"]);
    }

    #[test]
    fn several_fail_bands() {
        fails(
            "lower = 60",
            "lower = 60\nfail = true",
            &["several fail bands", "pass, fail"],
        );
    }

    #[test]
    fn fail_band_not_lowest() {
        let text = MINI.replacen("fail = true\n", "", 1).replacen(
            "lower = 60",
            "lower = 60\nfail = true",
            1,
        );
        let msg = parse(&text).unwrap_err().to_string();
        assert!(msg.contains("rubrics/bad.toml"), "{msg}");
        assert!(
            msg.contains("fail band \"pass\" is not the lowest"),
            "{msg}"
        );
    }

    #[test]
    fn unreadable_file() {
        let msg = Rubric::load(Path::new("/nonexistent/x.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("rubric file /nonexistent/x.toml: cannot read"),
            "{msg}"
        );
    }
}
