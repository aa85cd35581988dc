//! The policy file as written: serde types with `deny_unknown_fields`, spans where an error
//! needs a position, and the JSON Schema (`schemas/policy.schema.json`) derived from them.
//!
//! Phase one of loading (see `config.rs`) deserializes into these types and collects every
//! type error and unknown key; phase two validates them into a [`super::Policy`]. Every field
//! is optional here, even the ones a `[[waiver]]` requires, so that "missing `reason`" is a
//! phase-two problem reported next to all the others instead of aborting deserialization.
//!
//! The doc comments on fields become the schema's descriptions: they are the reference an
//! editor shows, so keep them short and exact.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, IntoDeserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::model::{FindingKind, Severity};

/// scangate policy file (`scangate.toml`): what fails the gate, what only warns, what is
/// ignored or waived, and which reports must be present.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a policy table")]
#[schemars(title = "scangate policy")]
pub struct RawPolicy {
    /// Findings at or above this severity fail the gate, unless a rule, a waiver or `max`
    /// decides otherwise. Default `high`.
    #[schemars(with = "Option<SeverityName>")]
    pub fail_on: Option<Spanned<SeverityName>>,
    /// The severity that findings of `unknown` severity are treated as. Default `medium`.
    #[schemars(with = "Option<SeverityName>")]
    pub unknown_severity: Option<Spanned<SeverityName>>,
    /// Per-severity budgets: at most this many findings of the severity may remain; one more
    /// and all of them fail. Overrides `fail_on` for the severities it names.
    pub max: Option<RawMax>,
    /// Scanners whose report must be among the inputs: `trivy`, `zap`, `sarif` (any SARIF
    /// file) or a tool name (SARIF `tool.driver.name`), case-insensitive. A required scanner
    /// without a parsed report makes the run an error (exit 2).
    #[schemars(with = "Option<Vec<String>>")]
    pub require: Option<Vec<Spanned<String>>>,
    /// Ignore vulnerabilities that have no fixed version. Default `false`.
    pub ignore_unfixed: Option<bool>,
    /// Ignore vulnerabilities whose Trivy status is one of these. Default `["not_affected"]`.
    #[schemars(with = "Option<Vec<TrivyStatus>>")]
    pub ignore_statuses: Option<Vec<Spanned<TrivyStatus>>>,
    /// Honour the scanners' own suppressions (SARIF `suppressions`, ZAP confidence 0). When
    /// `false`, such findings are evaluated like any other. Default `true`.
    pub trust_tool_suppressions: Option<bool>,
    /// A ZAP baseline rules file (`PLUGIN_ID<TAB>IGNORE|INFO|WARN|FAIL|OUTOFSCOPE<TAB>...`),
    /// relative to this policy file. Its lines become rules after the `[[rule]]` entries.
    #[schemars(with = "Option<String>")]
    pub zap_rules: Option<Spanned<String>>,
    /// Allow waivers without `expires`. Default `false`.
    pub allow_permanent_waivers: Option<bool>,
    /// Longest time a waiver may run: `expires` at most this many days after today.
    #[schemars(with = "Option<u64>", range(min = 1))]
    pub max_waiver_days: Option<Spanned<u64>>,
    /// With a baseline (`check --baseline FILE`): `all` (default) lets every finding fail the
    /// gate; `new` lets findings already in the baseline only warn, unless `sla` gives their
    /// severity a grace period that has run out.
    #[schemars(with = "Option<GateName>")]
    pub gate: Option<Spanned<GateName>>,
    /// Grace periods for findings already in the baseline, per severity, in days (`"14d"`): such
    /// a finding blocks only from `first_seen` + the period on. `"0d"`: no grace.
    pub sla: Option<RawSla>,
    /// Rules, tried in order: the first one whose conditions all match applies.
    #[schemars(with = "Option<Vec<RawRule>>")]
    pub rule: Option<Vec<Spanned<RawRule>>>,
    /// Accepted findings: each needs a `reason` and (unless `allow_permanent_waivers`) an
    /// `expires` date.
    #[schemars(with = "Option<Vec<RawWaiver>>")]
    pub waiver: Option<Vec<Spanned<RawWaiver>>>,
    /// The sticky pull-request comment (see the README's GitHub section).
    #[schemars(with = "Option<crate::publish::config::RawGithub>")]
    pub github: Option<Spanned<crate::publish::config::RawGithub>>,
    /// Incident issues for the worst findings (see the README's GitHub section).
    #[schemars(with = "Option<crate::publish::config::RawTickets>")]
    pub tickets: Option<Spanned<crate::publish::config::RawTickets>>,
}

/// The JSON Schema of the policy file (`schemas/policy.schema.json`), derived from these types.
///
/// schemars describes `Option<T>` as "T or null"; TOML has no null and an absent key is how a
/// policy leaves a setting at its default, so the nulls are taken out.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(RawPolicy);
    let mut value = serde_json::to_value(&schema).unwrap_or_default();
    strip_null(&mut value);
    value
}

fn strip_null(value: &mut serde_json::Value) {
    use serde_json::Value;
    let Value::Object(map) = value else {
        if let Value::Array(items) = value {
            items.iter_mut().for_each(strip_null);
        }
        return;
    };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            map.insert("type".into(), only);
        }
    }
    let is_null = |v: &Value| v.get("type").is_some_and(|t| t == "null");
    if let Some(Value::Array(branches)) = map.get_mut("anyOf") {
        branches.retain(|b| !is_null(b));
        if branches.len() == 1
            && let Some(Value::Object(only)) = branches.pop()
        {
            map.remove("anyOf");
            for (k, v) in only {
                map.entry(k).or_insert(v);
            }
        }
    }
    map.values_mut().for_each(strip_null);
}

/// Per-severity maximum counts.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a table of severity = count, e.g. { high = 0, medium = 20 }"
)]
pub struct RawMax {
    pub critical: Option<u64>,
    pub high: Option<u64>,
    pub medium: Option<u64>,
    pub low: Option<u64>,
    pub info: Option<u64>,
    pub unknown: Option<u64>,
}

impl RawMax {
    pub fn entries(&self) -> [(Severity, Option<u64>); 6] {
        [
            (Severity::Critical, self.critical),
            (Severity::High, self.high),
            (Severity::Medium, self.medium),
            (Severity::Low, self.low),
            (Severity::Info, self.info),
            (Severity::Unknown, self.unknown),
        ]
    }
}

/// Per-severity grace periods: `{ critical = "0d", high = "14d" }`.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a table of severity = \"Nd\", e.g. { critical = \"0d\", high = \"14d\" }"
)]
pub struct RawSla {
    #[schemars(with = "Option<DaysSchema>")]
    pub critical: Option<Spanned<String>>,
    #[schemars(with = "Option<DaysSchema>")]
    pub high: Option<Spanned<String>>,
    #[schemars(with = "Option<DaysSchema>")]
    pub medium: Option<Spanned<String>>,
    #[schemars(with = "Option<DaysSchema>")]
    pub low: Option<Spanned<String>>,
    #[schemars(with = "Option<DaysSchema>")]
    pub info: Option<Spanned<String>>,
    #[schemars(with = "Option<DaysSchema>")]
    pub unknown: Option<Spanned<String>>,
}

impl RawSla {
    pub fn entries(self) -> [(Severity, Option<Spanned<String>>); 6] {
        [
            (Severity::Critical, self.critical),
            (Severity::High, self.high),
            (Severity::Medium, self.medium),
            (Severity::Low, self.low),
            (Severity::Info, self.info),
            (Severity::Unknown, self.unknown),
        ]
    }
}

/// Schema stand-in for a grace period: a number of days written `"14d"`.
#[derive(JsonSchema)]
#[schemars(
    description = "A number of days: \"0d\", \"14d\", \"90d\"",
    extend("pattern" = "^[0-9]+d$")
)]
pub struct DaysSchema(#[allow(dead_code)] String);

/// Longest grace period accepted (about 100 years): a bigger number is a typo.
pub const MAX_SLA_DAYS: u32 = 36_500;

/// Reads a grace period: digits followed by `d` (`"14d"`).
pub fn parse_days(s: &str) -> Result<u32, String> {
    let days = s
        .strip_suffix('d')
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            format!("invalid grace period `{s}`: expected a number of days such as \"14d\"")
        })?;
    days.parse::<u32>()
        .ok()
        .filter(|d| *d <= MAX_SLA_DAYS)
        .ok_or_else(|| format!("grace period `{s}` is too long (at most {MAX_SLA_DAYS}d)"))
}

/// One `[[rule]]`: conditions (all must hold; within a list, any entry) and what to do.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a [[rule]] table")]
pub struct RawRule {
    /// Scanner: `trivy`, `zap`, `sarif` or a tool name; globs, case-insensitive.
    #[schemars(with = "Option<OneOrMany<String>>")]
    pub scanner: Option<Spanned<OneOrMany<String>>>,
    /// Finding kind.
    #[schemars(with = "Option<OneOrMany<KindName>>")]
    pub kind: Option<Spanned<OneOrMany<KindName>>>,
    /// Rule or vulnerability id (CVE, GHSA, SARIF rule id, ZAP plugin id, Trivy check id);
    /// globs, case-insensitive; matches the rule id or any of the finding's vulnerability ids.
    #[schemars(with = "Option<OneOrMany<String>>")]
    pub id: Option<Spanned<OneOrMany<String>>>,
    /// File path (source file, IaC file, or the package's path inside the artifact); globs.
    #[schemars(with = "Option<OneOrMany<String>>")]
    pub path: Option<Spanned<OneOrMany<String>>>,
    /// Scan target (image, lock file, site); globs.
    #[schemars(with = "Option<OneOrMany<String>>")]
    pub target: Option<Spanned<OneOrMany<String>>>,
    /// Package name; globs.
    #[schemars(with = "Option<OneOrMany<String>>")]
    pub package: Option<Spanned<OneOrMany<String>>>,
    /// URL of a web finding; globs. Matches when every instance URL (or, without instances,
    /// the site) matches.
    #[schemars(with = "Option<OneOrMany<String>>")]
    pub url: Option<Spanned<OneOrMany<String>>>,
    /// What to do with matching findings. Without it, the severity thresholds decide (with
    /// `severity` applied).
    #[schemars(with = "Option<Action>")]
    pub action: Option<Spanned<Action>>,
    /// Replace the scanner's severity for matching findings.
    #[schemars(with = "Option<SeverityName>")]
    pub severity: Option<Spanned<SeverityName>>,
    /// Why the rule exists; shown in every decision it makes.
    pub reason: Option<String>,
}

/// One `[[waiver]]`: accepts matching findings until `expires`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a [[waiver]] table")]
pub struct RawWaiver {
    /// Rule or vulnerability id; a glob, case-insensitive.
    #[schemars(with = "Option<String>")]
    pub id: Option<Spanned<String>>,
    /// A finding's fingerprint (32 hex characters, as in the JSON report).
    #[schemars(with = "Option<String>", regex(pattern = r"^[0-9a-fA-F]{32}$"))]
    pub fingerprint: Option<Spanned<String>>,
    /// Narrows to packages matching this glob.
    #[schemars(with = "Option<String>")]
    pub package: Option<Spanned<String>>,
    /// Narrows to paths matching this glob.
    #[schemars(with = "Option<String>")]
    pub path: Option<Spanned<String>>,
    /// Narrows to targets matching this glob.
    #[schemars(with = "Option<String>")]
    pub target: Option<Spanned<String>>,
    /// Why the finding is accepted (required).
    #[schemars(with = "Option<String>")]
    pub reason: Option<Spanned<String>>,
    /// Last day the waiver applies: a TOML date (`2025-12-31`) or a `"YYYY-MM-DD"` string.
    #[schemars(with = "Option<DateSchema>")]
    pub expires: Option<Spanned<RawDate>>,
    /// Who accepted the risk.
    pub owner: Option<String>,
}

/// Defines an enum of names the policy file spells in lower case, with `as_str`, a schema
/// listing the names, and a hand-written `Deserialize`: the derived one, under toml, answers a
/// number with "wanted string or table" instead of naming the expected values.
macro_rules! names {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, JsonSchema)]
        $vis enum $name {
            $($(#[$vmeta])* #[schemars(rename = $text)] $variant,)+
        }

        impl $name {
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct NameVisitor;
                impl Visitor<'_> for NameVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "one of {}", $name::NAMES.join(", "))
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        match v {
                            $($text => Ok($name::$variant),)+
                            _ => Err(E::unknown_variant(v, $name::NAMES)),
                        }
                    }
                }
                deserializer.deserialize_str(NameVisitor)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names! {
    /// A severity name as the policy file spells it.
    pub enum SeverityName {
        Critical = "critical",
        High = "high",
        Medium = "medium",
        Low = "low",
        Info = "info",
        Unknown = "unknown",
    }
}

impl From<SeverityName> for Severity {
    fn from(s: SeverityName) -> Severity {
        match s {
            SeverityName::Critical => Severity::Critical,
            SeverityName::High => Severity::High,
            SeverityName::Medium => Severity::Medium,
            SeverityName::Low => Severity::Low,
            SeverityName::Info => Severity::Info,
            SeverityName::Unknown => Severity::Unknown,
        }
    }
}

names! {
    /// A finding kind as the policy file spells it.
    pub enum KindName {
        Vulnerability = "vulnerability",
        Misconfiguration = "misconfiguration",
        Secret = "secret",
        License = "license",
        Code = "code",
        Web = "web",
    }
}

impl From<KindName> for FindingKind {
    fn from(k: KindName) -> FindingKind {
        match k {
            KindName::Vulnerability => FindingKind::Vulnerability,
            KindName::Misconfiguration => FindingKind::Misconfiguration,
            KindName::Secret => FindingKind::Secret,
            KindName::License => FindingKind::License,
            KindName::Code => FindingKind::Code,
            KindName::Web => FindingKind::Web,
        }
    }
}

names! {
    /// Which findings can fail the gate when a baseline is given.
    pub enum GateName {
        /// Every finding, new or already in the baseline (grace periods in `sla` still apply).
        All = "all",
        /// Only findings not in the baseline, and baseline findings past their `sla` grace.
        New = "new",
    }
}

names! {
    /// What a rule does with the findings it matches.
    pub enum Action {
        /// Blocks the gate, whatever the severity.
        Fail = "fail",
        /// Reported, never blocking.
        Warn = "warn",
        /// Listed as ignored; neither blocks nor warns.
        Ignore = "ignore",
    }
}

impl Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

names! {
    /// Trivy's vulnerability statuses (`Status` in its JSON report).
    pub enum TrivyStatus {
        Unknown = "unknown",
        NotAffected = "not_affected",
        Affected = "affected",
        Fixed = "fixed",
        UnderInvestigation = "under_investigation",
        WillNotFix = "will_not_fix",
        FixDeferred = "fix_deferred",
        EndOfLife = "end_of_life",
    }
}

/// A value that may be written as one item or as an array of items (`id = "CVE-1"` or
/// `id = ["CVE-1", "CVE-2"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A hand-written visitor rather than `#[serde(untagged)]`: untagged enums replace the
        // real error ("unknown variant `vuln`") with "did not match any variant".
        struct OneOrManyVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrManyVisitor<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let d: de::value::StrDeserializer<'_, E> = v.into_deserializer();
                Ok(OneOrMany(vec![T::deserialize(d)?]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany(items))
            }
        }
        deserializer.deserialize_any(OneOrManyVisitor(PhantomData))
    }
}

impl<T: JsonSchema> JsonSchema for OneOrMany<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("OneOrMany_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let item = generator.subschema_for::<T>();
        json_schema!({
            "anyOf": [
                item,
                { "type": "array", "items": item }
            ]
        })
    }
}

/// A calendar date read from a TOML date (`2025-12-31`) or a `"YYYY-MM-DD"` string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawDate(pub jiff::civil::Date);

impl<'de> Deserialize<'de> for RawDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `toml::Value` understands TOML's own date type; anything else is a type error.
        let value = toml::Value::deserialize(deserializer)?;
        let date = match &value {
            toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => {
                    civil_date(i64::from(d.year), i64::from(d.month), i64::from(d.day))
                }
                _ => Err(format!(
                    "expected a date without a time (YYYY-MM-DD), found `{dt}`"
                )),
            },
            toml::Value::String(s) => parse_date(s),
            other => Err(format!(
                "expected a date (2025-12-31 or \"2025-12-31\"), found {}",
                other.type_str()
            )),
        };
        date.map(RawDate).map_err(de::Error::custom)
    }
}

/// Parses exactly `YYYY-MM-DD` (no other ISO 8601 spelling: a waiver date should read the same
/// to everyone).
pub fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Err(format!("invalid date `{s}`: expected YYYY-MM-DD"));
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<i64>().unwrap_or(0);
    civil_date(num(0..4), num(5..7), num(8..10)).map_err(|e| format!("invalid date `{s}`: {e}"))
}

fn civil_date(y: i64, m: i64, d: i64) -> Result<jiff::civil::Date, String> {
    let (Ok(y), Ok(m), Ok(d)) = (i16::try_from(y), i8::try_from(m), i8::try_from(d)) else {
        return Err("date out of range".to_owned());
    };
    jiff::civil::Date::new(y, m, d).map_err(|e| e.to_string())
}

/// Schema stand-in for [`RawDate`]: a `YYYY-MM-DD` string (TOML dates are strings to JSON
/// Schema-aware TOML tools such as taplo).
#[derive(JsonSchema)]
#[schemars(
    description = "A date: TOML date or \"YYYY-MM-DD\" string",
    extend("format" = "date")
)]
pub struct DateSchema(#[allow(dead_code)] String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(
            parse_date("2025-12-31"),
            Ok(jiff::civil::date(2025, 12, 31))
        );
        assert!(parse_date("2025-02-29").is_err());
        assert!(parse_date("2024-02-29").is_ok());
        assert!(parse_date("2025-1-31").is_err());
        assert!(parse_date("20251231").is_err());
        assert!(parse_date("2025-13-01").is_err());
    }

    #[test]
    fn grace_periods_are_days() {
        assert_eq!(parse_days("0d"), Ok(0));
        assert_eq!(parse_days("14d"), Ok(14));
        assert!(parse_days("14").is_err());
        assert!(parse_days("2w").is_err());
        assert!(parse_days("d").is_err());
        assert!(parse_days("-1d").is_err());
        assert!(parse_days("99999999999d").is_err());
    }

    #[test]
    fn one_or_many_reads_both_spellings() {
        #[derive(Deserialize)]
        struct T {
            a: OneOrMany<String>,
            b: OneOrMany<KindName>,
        }
        let t: T = toml::from_str("a = \"x\"\nb = [\"web\", \"code\"]").expect("parses");
        assert_eq!(t.a.0, ["x"]);
        assert_eq!(t.b.0, [KindName::Web, KindName::Code]);
        let err = toml::from_str::<T>("a = 1\nb = \"web\"")
            .err()
            .expect("type error");
        assert!(
            err.message()
                .contains("expected a string or an array of strings"),
            "{err}"
        );
    }
}
