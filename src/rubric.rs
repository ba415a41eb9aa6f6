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
        let err = |item: Option<&str>, msg: String| RubricError::new(source, item, msg);

        let case_type = CaseType::parse(&raw.case_type).ok_or_else(|| {
            err(
                None,
                format!(
                    "case_type \"{}\" is unknown; expected criminal, civil or administrative",
                    raw.case_type
                ),
            )
        })?;
        if raw.version.trim().is_empty() {
            return Err(err(
                None,
                "version is empty; expected a version string such as \"cd-2024.1\"".into(),
            ));
        }
        if !(raw.full_mark > 0.0) {
            return Err(err(
                None,
                format!("full_mark is {}; expected a positive number", raw.full_mark),
            ));
        }

        let mut stage_codes = HashSet::new();
        for s in &raw.stages {
            if s.code.trim().is_empty() || !stage_codes.insert(s.code.as_str()) {
                return Err(err(
                    None,
                    format!(
                        "stage code \"{}\" is empty or repeated; expected unique stage codes",
                        s.code
                    ),
                ));
            }
        }

        if raw.items.is_empty() {
            return Err(err(
                None,
                "no items; expected at least one [[items]] table".into(),
            ));
        }
        let mut item_codes = HashSet::new();
        for it in &raw.items {
            let code = Some(it.code.as_str());
            if it.code.trim().is_empty() {
                return Err(err(
                    None,
                    format!(
                        "an item in stage \"{}\" has an empty code; expected a unique code",
                        it.stage
                    ),
                ));
            }
            if !item_codes.insert(it.code.as_str()) {
                return Err(err(
                    code,
                    "the code appears more than once; expected each item code once".into(),
                ));
            }
            if !(it.max_points > 0.0) {
                return Err(err(
                    code,
                    format!(
                        "max_points is {}; expected a positive number",
                        it.max_points
                    ),
                ));
            }
            if !stage_codes.contains(it.stage.as_str()) {
                let known: Vec<&str> = raw.stages.iter().map(|s| s.code.as_str()).collect();
                return Err(err(
                    code,
                    format!(
                        "stage \"{}\" is not declared; expected one of [{}]",
                        it.stage,
                        known.join(", ")
                    ),
                ));
            }
            if it.veto && it.optional {
                return Err(err(
                    code,
                    "a veto item cannot be optional; expected optional = false".into(),
                ));
            }
        }
        let sum: f64 = raw.items.iter().map(|i| i.max_points).sum();
        if (sum - raw.full_mark).abs() > EPS {
            return Err(err(
                None,
                format!(
                    "item maxima add up to {sum}, but full_mark is {}; expected them to be equal",
                    raw.full_mark
                ),
            ));
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

/// Checks the bands and returns them sorted highest first. Bands only carry
/// a lower bound, so "no gaps" means the lowest starts at 0, and "no overlap"
/// means no two share a lower bound.
fn validate_bands(mut bands: Vec<Band>, source: &Path) -> Result<Vec<Band>, RubricError> {
    let err = |msg: String| Err(RubricError::new(source, None, msg));
    if bands.is_empty() {
        return err("no bands; expected [[bands]] tables with code, label and lower".into());
    }
    let mut codes = HashSet::new();
    for b in &bands {
        if b.code.trim().is_empty() || !codes.insert(b.code.as_str()) {
            return err(format!(
                "band code \"{}\" is empty or repeated; expected unique band codes",
                b.code
            ));
        }
        if !(0.0..=100.0).contains(&b.lower) {
            return err(format!(
                "band \"{}\" has lower = {}; expected a bound within 0..100",
                b.code, b.lower
            ));
        }
    }
    bands.sort_by(|a, b| b.lower.total_cmp(&a.lower));
    for w in bands.windows(2) {
        if (w[0].lower - w[1].lower).abs() <= EPS {
            return err(format!(
                "bands \"{}\" and \"{}\" overlap: both have lower = {}; expected distinct lower bounds",
                w[1].code, w[0].code, w[0].lower
            ));
        }
    }
    let lowest = bands.last().expect("not empty");
    if lowest.lower.abs() > EPS {
        return err(format!(
            "the lowest band \"{}\" starts at {}, leaving scores below it without a band; expected lower = 0",
            lowest.code, lowest.lower
        ));
    }
    let fails: Vec<&str> = bands
        .iter()
        .filter(|b| b.fail)
        .map(|b| b.code.as_str())
        .collect();
    match fails.as_slice() {
        [] => return err("no fail band; expected exactly one band with fail = true".into()),
        [one] if *one != lowest.code => {
            return err(format!(
                "fail band \"{one}\" is not the lowest band (\"{}\" is); expected the fail band to be the lowest",
                lowest.code
            ));
        }
        [_] => {}
        many => {
            return err(format!(
                "several fail bands ({}); expected exactly one band with fail = true",
                many.join(", ")
            ));
        }
    }
    Ok(bands)
}

/// Turns a TOML or shape error into one sentence with the line, naming the
/// item when the error sits inside an `[[items]]` table.
fn toml_error(text: &str, source: &Path, e: &toml::de::Error) -> RubricError {
    let message = e.message().trim().replace('\n', " ");
    let Some(span) = e.span() else {
        return RubricError::new(source, None, format!("invalid rubric: {message}"));
    };
    let start = span.start.min(text.len());
    let line = text[..start].matches('\n').count() + 1;
    RubricError::new(
        source,
        enclosing_item(text, start).as_deref(),
        format!("invalid rubric at line {line}: {message}"),
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
            return Some(value.trim().trim_matches('"').to_string());
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
