//! The pipeline file: its fixed keys, parsed and validated into typed
//! settings. Every threshold and weight of the specification has a key here
//! with its default, so later stages only read [`Settings`]. Unknown keys and
//! sections are errors that name the key and the file: a typo must never fall
//! back silently to a default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

/// A pipeline file problem, naming the file and, where known, the key.
#[derive(Debug, thiserror::Error)]
#[error("pipeline file {path}: {message}")]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

/// The pipeline file as written (paths still relative to its folder).
#[derive(Debug, Clone)]
pub struct PipelineFile {
    pub name: String,
    pub period: Period,
    pub inputs: Inputs,
    pub rubrics: RubricPaths,
    pub register: RegisterSection,
    pub output: OutputSection,
    pub settings: Settings,
}

/// The file's top level as serde sees it. serde cannot combine `flatten` with
/// `deny_unknown_fields`, so the settings sections sit here and move into
/// [`Settings`] after parsing.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPipelineFile {
    name: String,
    period: Period,
    inputs: Inputs,
    rubrics: RubricPaths,
    #[serde(default)]
    register: RegisterSection,
    #[serde(default)]
    output: OutputSection,
    #[serde(default)]
    ingest: IngestSettings,
    #[serde(default)]
    scoring: ScoringSettings,
    #[serde(default)]
    reliability: ReliabilitySettings,
    #[serde(default)]
    credit: CreditSettings,
    #[serde(default)]
    lists: ListSettings,
    #[serde(default)]
    inspection: InspectionSettings,
    #[serde(default)]
    sampling: SamplingSettings,
    #[serde(default)]
    publication: PublicationSettings,
    #[serde(default)]
    engine: EngineSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    #[serde(deserialize_with = "de_date")]
    pub start: NaiveDate,
    #[serde(deserialize_with = "de_date")]
    pub end: NaiveDate,
}

/// One path, a list of paths, or glob patterns.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PathList {
    One(String),
    Many(Vec<String>),
}

impl PathList {
    pub fn patterns(&self) -> Vec<&str> {
        match self {
            PathList::One(p) => vec![p.as_str()],
            PathList::Many(ps) => ps.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    pub lawyers: PathList,
    pub cases: PathList,
    pub reviewers: PathList,
    pub reviews: PathList,
    pub complaints: PathList,
    pub sanctions: PathList,
    pub feedback: PathList,
    #[serde(default)]
    pub encoding: Encoding,
    /// Table name → sheet name, for XLSX inputs.
    #[serde(default)]
    pub sheets: BTreeMap<String, String>,
}

/// Text encoding of CSV inputs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Encoding {
    #[default]
    #[serde(rename = "utf-8", alias = "utf8", alias = "UTF-8")]
    Utf8,
    /// GBK and its superset GB18030 decode the same way.
    #[serde(
        rename = "gbk",
        alias = "GBK",
        alias = "gb18030",
        alias = "GB18030",
        alias = "gb2312"
    )]
    Gbk,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricPaths {
    pub criminal: String,
    pub civil: String,
    pub administrative: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterSection {
    pub path: Option<String>,
    /// Where runs keep their scratch folders (the accepted input rows and
    /// model results, personal data among them): default a folder
    /// `.legalaid-scratch` beside the register, never the system temp dir.
    pub scratch_dir: Option<String>,
    /// Where every notice a run serves is kept for good, one folder per
    /// as-of date (`<notices_dir>/<as-of>/`): default a folder `notices`
    /// beside the register. No run ever deletes anything in it.
    pub notices_dir: Option<String>,
    /// How long a run or register command waits for another one that holds
    /// the register before it gives up; default 600 seconds.
    pub lock_wait_seconds: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    pub dir: Option<String>,
}

/// Every threshold and weight, each with the specification's default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub ingest: IngestSettings,
    pub scoring: ScoringSettings,
    pub reliability: ReliabilitySettings,
    pub credit: CreditSettings,
    pub lists: ListSettings,
    pub inspection: InspectionSettings,
    pub sampling: SamplingSettings,
    pub publication: PublicationSettings,
    pub engine: EngineSettings,
}

/// Declares a settings section: the struct, serde's per-field defaults and
/// `Default`, and [`values`](ScoringSettings::values) (every key with its
/// value, in declaration order, for the method section), from one list of
/// `field: type = default` lines.
macro_rules! section {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty = $default:expr),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Deserialize, PartialEq)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name { $($(#[$fmeta])* pub $field: $ty,)* }
        impl Default for $name {
            fn default() -> Self { Self { $($field: $default,)* } }
        }
        impl $name {
            /// Every key of the section (a map's entries as `key.entry`)
            /// with its value, in declaration order.
            pub fn values(&self) -> Vec<(String, SettingValue)> {
                let mut out = Vec::new();
                $(self.$field.push_values(stringify!($field), &mut out);)*
                out
            }
        }
    };
}

/// A setting's value, typed for display (numbers as people write them,
/// flags and practice kinds in the reader's language).
#[derive(Debug, Clone, PartialEq)]
pub enum SettingValue {
    Number(f64),
    Count(u64),
    Flag(bool),
    Text(String),
    /// Codes of the data contract (practice kinds, sanction kinds).
    Codes(Vec<String>),
}

/// How a settings field lists itself in a section's
/// [`values`](ScoringSettings::values) (see `section!`).
trait PushValues {
    fn push_values(&self, key: &str, out: &mut Vec<(String, SettingValue)>);
}

macro_rules! push_values {
    ($($ty:ty => |$v:ident| $value:expr;)*) => {$(
        impl PushValues for $ty {
            fn push_values(&self, key: &str, out: &mut Vec<(String, SettingValue)>) {
                let $v = self;
                out.push((key.to_string(), $value));
            }
        }
    )*};
}

push_values! {
    f64 => |v| SettingValue::Number(*v);
    u32 => |v| SettingValue::Count(u64::from(*v));
    u64 => |v| SettingValue::Count(*v);
    usize => |v| SettingValue::Count(*v as u64);
    bool => |v| SettingValue::Flag(*v);
    String => |v| SettingValue::Text(v.clone());
    Vec<String> => |v| SettingValue::Codes(v.clone());
}

impl PushValues for BTreeMap<String, f64> {
    fn push_values(&self, key: &str, out: &mut Vec<(String, SettingValue)>) {
        for (entry, value) in self {
            out.push((format!("{key}.{entry}"), SettingValue::Number(*value)));
        }
    }
}

section!(
    /// `[ingest]`
    IngestSettings {
        /// A table with a larger share of rejected rows fails the run.
        max_reject_ratio: f64 = 0.05,
        /// A workbook whose parts declare more than this much uncompressed
        /// XML is refused before it is read (a decompression bomb).
        max_workbook_expanded: String = "1GiB".to_string(),
    }
);

section!(
    /// `[scoring]`
    ScoringSettings {
        dispute_spread: f64 = 15.0,
        severity_threshold: f64 = 8.0,
        /// `k_b` of the reviewer-severity fit: a severity is shrunk towards
        /// 0 as if the reviewer had this many more reviews of average
        /// severity (0: the fixed-effects fit, centred per component).
        severity_prior_reviews: f64 = 10.0,
    }
);

section!(
    /// `[reliability]`
    ReliabilitySettings {
        alpha_hold: f64 = 0.667,
        alpha_good: f64 = 0.8,
        alpha_min_cases: u32 = 5,
    }
);

section!(
    /// `[credit]`
    CreditSettings {
        shrinkage_k: f64 = 3.0,
        /// Quality and P2 read the severity-adjusted case scores.
        use_adjusted_scores: bool = false,
        weight_quality: f64 = 0.7,
        weight_service: f64 = 0.3,
        archive_days: u32 = 30,
        lookback_years: u32 = 3,
        complaint_points: f64 = 5.0,
        prohibited_points: f64 = 20.0,
        sanction_points: BTreeMap<String, f64> = default_sanction_points(),
        tiers: BTreeMap<String, f64> = default_tiers(),
    }
);

section!(
    /// `[lists]`
    ListSettings {
        notice_days: u32 = 15,
        general_days: u32 = 365,
        serious_days: u32 = 1095,
        general_repair_days: u32 = 90,
        serious_repair_days: u32 = 365,
        heavy_sanction_points: f64 = 25.0,
        positive_min_cases: u32 = 3,
        positive_min_years: u32 = 3,
        positive_min_mean: f64 = 90.0,
        positive_min_satisfaction: f64 = 0.9,
        positive_min_feedback: u32 = 3,
        positive_days: u32 = 365,
        /// A severity-sensitive case does not count for N2 (held, like a
        /// disputed case).
        hold_severity_sensitive: bool = true,
    }
);

section!(
    /// `[inspection]`
    InspectionSettings {
        min_aid_cases: u32 = 2,
        exempt_kinds: Vec<String> = Vec::new(),
        min_licensed_months: u32 = 3,
        not_for_criminal: Vec<String> = vec!["grassroots".to_string()],
        /// Years of practice for eligibility to major cases and the junior
        /// compliance flag K3 (P1 reads `[lists] positive_min_years`).
        major_case_min_years: u32 = 3,
    }
);

section!(
    /// `[sampling]`
    SamplingSettings {
        rate: f64 = 0.10,
        min_per_lawyer: u32 = 3,
        panel_size: u32 = 3,
        seed: u64 = 1,
    }
);

section!(
    /// `[publication]`
    PublicationSettings {
        min_cell: u32 = 11,
        lang: String = "zh".to_string(),
        deciding_body: String = "成都市法律援助中心".to_string(),
        earlier_outputs: Vec<String> = Vec::new(),
    }
);

section!(
    /// `[engine]`
    EngineSettings {
        memory_limit: String = "4GiB".to_string(),
        batch_size: usize = 8192,
        /// 0 means one partition per core.
        target_partitions: usize = 0,
        /// `df://HOST:PORT` of a Ballista scheduler: the scoring models run
        /// on that cluster (cargo feature `ballista` only); empty, the
        /// default, means the local engine.
        scheduler: String = String::new(),
    }
);

/// The sanction kinds of the data contract, in severity order, with their
/// default deductions.
pub const SANCTION_KINDS: [(&str, f64); 9] = [
    ("admonition", 5.0),
    ("warning", 10.0),
    ("circulated_criticism", 15.0),
    ("public_censure", 25.0),
    ("fine", 25.0),
    ("membership_suspended", 40.0),
    ("practice_suspended", 50.0),
    ("membership_revoked", 100.0),
    ("licence_revoked", 100.0),
];

/// The practice kinds of the data contract.
pub const PRACTICE_KINDS: [&str; 5] = [
    "full_time",
    "part_time",
    "public",
    "aid_staff",
    "grassroots",
];

fn default_sanction_points() -> BTreeMap<String, f64> {
    SANCTION_KINDS
        .iter()
        .map(|(k, p)| (k.to_string(), *p))
        .collect()
}

fn default_tiers() -> BTreeMap<String, f64> {
    [("A", 90.0), ("B", 80.0), ("C", 60.0)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// Accepts a TOML date (`2024-01-01`) or a string in the same form.
fn de_date<'de, D: serde::Deserializer<'de>>(de: D) -> Result<NaiveDate, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Toml(toml::value::Datetime),
        Text(String),
    }
    let text = match Raw::deserialize(de)? {
        Raw::Toml(dt) => dt.to_string(),
        Raw::Text(s) => s,
    };
    crate::ingest::value::date_arg(&text).map_err(serde::de::Error::custom)
}

impl PipelineFile {
    /// Reads and validates a pipeline file.
    pub fn load(path: &Path) -> Result<PipelineFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            message: format!("cannot read it: {e}"),
        })?;
        Self::parse(&text, path)
    }

    /// Parses pipeline-file text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<PipelineFile, ConfigError> {
        let err = |message: String| ConfigError {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawPipelineFile =
            toml::from_str(text).map_err(|e| err(describe_toml_error(&e, text)))?;
        let file = PipelineFile {
            name: raw.name,
            period: raw.period,
            inputs: raw.inputs,
            rubrics: raw.rubrics,
            register: raw.register,
            output: raw.output,
            settings: Settings {
                ingest: raw.ingest,
                scoring: raw.scoring,
                reliability: raw.reliability,
                credit: raw.credit,
                lists: raw.lists,
                inspection: raw.inspection,
                sampling: raw.sampling,
                publication: raw.publication,
                engine: raw.engine,
            },
        };
        file.validate().map_err(err)?;
        let mut file = file;
        file.settings.complete_maps();
        Ok(file)
    }

    fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("key `name` must not be empty".into());
        }
        if self.period.end < self.period.start {
            return Err(format!(
                "[period] end {} is before start {}",
                self.period.end, self.period.start
            ));
        }
        for table in self.inputs.sheets.keys() {
            if !crate::ingest::schema::TABLE_NAMES.contains(&table.as_str()) {
                return Err(format!(
                    "[inputs.sheets] names unknown table `{table}`; expected one of {}",
                    crate::ingest::schema::TABLE_NAMES.join(", ")
                ));
            }
        }
        self.settings.validate()
    }
}

impl Settings {
    fn validate(&self) -> Result<(), String> {
        let ratio = |key: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(format!("`{key}` must be between 0 and 1, found {v}"))
            }
        };
        ratio("[ingest] max_reject_ratio", self.ingest.max_reject_ratio)?;
        ratio("[sampling] rate", self.sampling.rate)?;
        ratio(
            "[lists] positive_min_satisfaction",
            self.lists.positive_min_satisfaction,
        )?;
        for kind in self.credit.sanction_points.keys() {
            if !SANCTION_KINDS.iter().any(|(k, _)| k == kind) {
                return Err(format!(
                    "[credit] sanction_points names unknown sanction kind `{kind}`; expected one of {}",
                    SANCTION_KINDS.map(|(k, _)| k).join(", ")
                ));
            }
        }
        for tier in self.credit.tiers.keys() {
            if !["A", "B", "C"].contains(&tier.as_str()) {
                return Err(format!(
                    "[credit] tiers names unknown tier `{tier}`; expected A, B and C (D is below C)"
                ));
            }
        }
        for kind in self
            .inspection
            .exempt_kinds
            .iter()
            .chain(&self.inspection.not_for_criminal)
        {
            if !PRACTICE_KINDS.contains(&kind.as_str()) {
                return Err(format!(
                    "[inspection] names unknown practice kind `{kind}`; expected one of {}",
                    PRACTICE_KINDS.join(", ")
                ));
            }
        }
        if !["zh", "en"].contains(&self.publication.lang.as_str()) {
            return Err(format!(
                "[publication] lang must be \"zh\" or \"en\", found \"{}\"",
                self.publication.lang
            ));
        }
        let prior = self.scoring.severity_prior_reviews;
        if !(prior.is_finite() && prior >= 0.0) {
            return Err(format!(
                "[scoring] severity_prior_reviews must be 0 or more, found {prior}"
            ));
        }
        if self.sampling.panel_size == 0 {
            return Err("[sampling] panel_size must be at least 1".into());
        }
        if self.engine.batch_size == 0 {
            return Err("[engine] batch_size must be at least 1".into());
        }
        parse_bytes(&self.engine.memory_limit)
            .map_err(|e| format!("[engine] memory_limit: {e}"))?;
        if !self.engine.scheduler.is_empty() {
            scheduler_address(&self.engine.scheduler)
                .map_err(|e| format!("[engine] scheduler: {e}"))?;
            if !cfg!(feature = "ballista") {
                return Err(format!(
                    "[engine] scheduler is set (\"{}\"), but this legalaid was built without \
                     Ballista (cargo feature `ballista`); build it with `--features ballista`, \
                     or remove the key to run on the local engine",
                    self.engine.scheduler
                ));
            }
        }
        parse_bytes(&self.ingest.max_workbook_expanded)
            .map_err(|e| format!("[ingest] max_workbook_expanded: {e}"))?;
        Ok(())
    }

    /// Every section's name (as in the pipeline file) and its
    /// [`values`](ScoringSettings::values), in the order of [`Settings`].
    pub fn sections(&self) -> Vec<(&'static str, Vec<(String, SettingValue)>)> {
        vec![
            ("ingest", self.ingest.values()),
            ("scoring", self.scoring.values()),
            ("reliability", self.reliability.values()),
            ("credit", self.credit.values()),
            ("lists", self.lists.values()),
            ("inspection", self.inspection.values()),
            ("sampling", self.sampling.values()),
            ("publication", self.publication.values()),
            ("engine", self.engine.values()),
        ]
    }

    /// Fills the entries a pipeline file's partial `[credit.tiers]` or
    /// `[credit.sanction_points]` leaves out with their defaults, so that
    /// every reader (SQL, texts, the method section) sees the same table.
    fn complete_maps(&mut self) {
        for (tier, lower) in default_tiers() {
            self.credit.tiers.entry(tier).or_insert(lower);
        }
        for (kind, points) in default_sanction_points() {
            self.credit.sanction_points.entry(kind).or_insert(points);
        }
    }

    /// The deduction for a sanction kind, falling back to the default table
    /// for kinds the pipeline file does not override.
    pub fn sanction_points(&self, kind: &str) -> Option<f64> {
        self.credit.sanction_points.get(kind).copied().or_else(|| {
            SANCTION_KINDS
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, p)| *p)
        })
    }

    /// The lower bound of a credit tier (A, B or C), falling back to defaults.
    pub fn tier_lower(&self, tier: &str) -> f64 {
        self.credit
            .tiers
            .get(tier)
            .copied()
            .unwrap_or_else(|| default_tiers()[tier])
    }
}

/// Parses a memory size such as `4GiB`, `512MiB`, `2GB` or a plain byte count.
pub fn parse_bytes(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("expected a size like \"4GiB\", found \"{text}\""))?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" => 1e12,
        "tib" => 1024f64.powi(4),
        other => return Err(format!("unknown unit \"{other}\" in \"{text}\"")),
    };
    Ok((value * factor) as usize)
}

/// The host and port of a scheduler URL `df://HOST:PORT` (`[engine]
/// scheduler`); the port is required, as Ballista's own default of 50050
/// would hide a forgotten one.
pub fn scheduler_address(url: &str) -> Result<(&str, u16), String> {
    let expected = || format!("expected \"df://HOST:PORT\", found \"{url}\"");
    let rest = url.strip_prefix("df://").ok_or_else(expected)?;
    let (host, port) = rest.rsplit_once(':').ok_or_else(expected)?;
    let bad_host = host.is_empty()
        || host
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '/' | '@' | '?' | '#'));
    if bad_host {
        return Err(expected());
    }
    match port.parse::<u16>() {
        Ok(port) if port > 0 => Ok((host, port)),
        _ => Err(format!(
            "the port must be a number from 1 to 65535, found \"{port}\" in \"{url}\""
        )),
    }
}

/// Turns a TOML error into one readable sentence with its line number.
fn describe_toml_error(e: &toml::de::Error, text: &str) -> String {
    let message = e.message().trim().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "t"
[period]
start = 2024-01-01
end = 2024-12-31
[inputs]
lawyers = "l.csv"
cases = ["a.csv", "b.xlsx"]
reviewers = "r.csv"
reviews = "reviews/*.csv"
complaints = "c.csv"
sanctions = "s.csv"
feedback = "f.csv"
[rubrics]
criminal = "r/criminal.toml"
civil = "r/civil.toml"
administrative = "r/administrative.toml"
"#;

    fn parse(text: &str) -> Result<PipelineFile, ConfigError> {
        PipelineFile::parse(text, Path::new("p.toml"))
    }

    #[test]
    fn minimal_file_gets_every_default() {
        let f = parse(MINIMAL).unwrap();
        assert_eq!(f.period.start, NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
        assert_eq!(f.inputs.cases.patterns(), vec!["a.csv", "b.xlsx"]);
        assert_eq!(f.inputs.encoding, Encoding::Utf8);
        let s = &f.settings;
        assert_eq!(s.ingest.max_reject_ratio, 0.05);
        assert_eq!(s.scoring.dispute_spread, 15.0);
        assert_eq!(s.reliability.alpha_hold, 0.667);
        assert_eq!(s.credit.sanction_points["licence_revoked"], 100.0);
        assert_eq!(s.credit.tiers["B"], 80.0);
        assert_eq!(s.lists.serious_days, 1095);
        assert_eq!(s.inspection.not_for_criminal, vec!["grassroots"]);
        assert_eq!(s.sampling.panel_size, 3);
        assert_eq!(s.publication.deciding_body, "成都市法律援助中心");
        assert_eq!(s.engine.batch_size, 8192);
    }

    #[test]
    fn unknown_key_is_named() {
        let e = parse(&format!("{MINIMAL}\n[scoring]\ndispute_sprad = 10\n")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("p.toml"), "{msg}");
        assert!(msg.contains("dispute_sprad"), "{msg}");
    }

    #[test]
    fn unknown_section_is_named() {
        let e = parse(&format!("{MINIMAL}\n[scorng]\ndispute_spread = 10\n")).unwrap_err();
        assert!(e.to_string().contains("scorng"), "{e}");
    }

    #[test]
    fn partial_sanction_table_keeps_other_defaults() {
        let f = parse(&format!(
            "{MINIMAL}\n[credit]\nsanction_points = {{ warning = 12 }}\n"
        ))
        .unwrap();
        assert_eq!(f.settings.sanction_points("warning"), Some(12.0));
        assert_eq!(f.settings.sanction_points("fine"), Some(25.0));
        // The table itself is complete, so every reader sees the same one.
        assert_eq!(
            f.settings.credit.sanction_points.len(),
            SANCTION_KINDS.len()
        );
        assert_eq!(f.settings.credit.sanction_points["fine"], 25.0);
    }

    #[test]
    fn partial_tier_table_keeps_other_defaults() {
        let f = parse(&format!("{MINIMAL}\n[credit]\ntiers = {{ A = 95 }}\n")).unwrap();
        let tiers = &f.settings.credit.tiers;
        assert_eq!((tiers["A"], tiers["B"], tiers["C"]), (95.0, 80.0, 60.0));
    }

    #[test]
    fn unknown_sanction_kind_is_an_error() {
        let e = parse(&format!(
            "{MINIMAL}\n[credit]\nsanction_points = {{ spanking = 12 }}\n"
        ))
        .unwrap_err();
        assert!(e.to_string().contains("spanking"), "{e}");
    }

    #[test]
    fn gbk_encoding_and_string_dates() {
        let text = MINIMAL
            .replace("start = 2024-01-01", "start = \"2024/01/01\"")
            .replace(
                "feedback = \"f.csv\"",
                "feedback = \"f.csv\"\nencoding = \"gbk\"",
            );
        let f = parse(&text).unwrap();
        assert_eq!(f.inputs.encoding, Encoding::Gbk);
        assert_eq!(f.period.start, NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
    }

    #[test]
    fn reversed_period_and_bad_values_are_errors() {
        let e = parse(&MINIMAL.replace("end = 2024-12-31", "end = 2023-12-31")).unwrap_err();
        assert!(e.to_string().contains("before start"), "{e}");
        let e = parse(&format!("{MINIMAL}\n[engine]\nmemory_limit = \"lots\"\n")).unwrap_err();
        assert!(e.to_string().contains("memory_limit"), "{e}");
        let e = parse(&format!("{MINIMAL}\n[ingest]\nmax_reject_ratio = 2\n")).unwrap_err();
        assert!(e.to_string().contains("max_reject_ratio"), "{e}");
        let e = parse(&format!("{MINIMAL}\n[inputs.sheets]\ncasez = \"x\"\n")).unwrap_err();
        assert!(e.to_string().contains("casez"), "{e}");
    }

    #[test]
    fn scheduler_urls_are_checked_at_parse() {
        assert_eq!(
            scheduler_address("df://localhost:50050"),
            Ok(("localhost", 50050))
        );
        assert_eq!(scheduler_address("df://[::1]:7"), Ok(("[::1]", 7)));
        for bad in [
            "localhost:50050",
            "http://localhost:50050",
            "df://localhost",
            "df://:50050",
            "df://host/x:1",
            "df://localhost:port",
            "df://localhost:0",
            "df://localhost:65536",
            "df://localhost:50050/",
        ] {
            let e = parse(&format!("{MINIMAL}\n[engine]\nscheduler = \"{bad}\"\n")).unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains("[engine] scheduler"), "{bad}: {msg}");
            assert!(msg.contains(bad), "{bad}: {msg}");
        }
        // Empty is the local engine, in every build.
        let f = parse(&format!("{MINIMAL}\n[engine]\nscheduler = \"\"\n")).unwrap();
        assert_eq!(f.settings.engine.scheduler, "");
    }

    #[cfg(feature = "ballista")]
    #[test]
    fn a_scheduler_is_accepted_with_ballista() {
        let text = format!("{MINIMAL}\n[engine]\nscheduler = \"df://10.0.0.5:50050\"\n");
        assert_eq!(
            parse(&text).unwrap().settings.engine.scheduler,
            "df://10.0.0.5:50050"
        );
    }

    #[cfg(not(feature = "ballista"))]
    #[test]
    fn a_scheduler_is_refused_without_ballista() {
        let text = format!("{MINIMAL}\n[engine]\nscheduler = \"df://10.0.0.5:50050\"\n");
        let msg = parse(&text).unwrap_err().to_string();
        assert!(msg.contains("[engine] scheduler"), "{msg}");
        assert!(msg.contains("built without Ballista"), "{msg}");
    }

    #[test]
    fn memory_sizes() {
        assert_eq!(parse_bytes("4GiB").unwrap(), 4 << 30);
        assert_eq!(parse_bytes("512 MiB").unwrap(), 512 << 20);
        assert_eq!(parse_bytes("1000").unwrap(), 1000);
        assert!(parse_bytes("4 parsecs").is_err());
    }
}
