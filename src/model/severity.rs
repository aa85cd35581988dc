//! The normalised severity scale and where each finding's severity came from.
//!
//! Every scanner has its own scale (Trivy's CRITICAL..UNKNOWN, ZAP's riskcode 0-3, SARIF's
//! levels and `security-severity` scores); ingest maps them onto [`Severity`] and records the
//! raw value and the field that decided it in a [`SeveritySource`], so a reader can always see
//! why a finding got the severity it has.

use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Normalised severity, ordered from least to most severe.
///
/// `Unknown` sorts lowest but is *not* "harmless": the policy decides how it is treated
/// (the embedded default treats it as `Medium`). It is never silently turned into `Info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Unknown,
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// All severities, most severe first (the order tables and summaries use).
    pub const ALL_DESC: [Severity; 6] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
        Severity::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "unknown",
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Buckets a CVSS-style score (0.0-10.0) the way GitHub code scanning does for
    /// `security-severity`: >= 9.0 critical, >= 7.0 high, >= 4.0 medium, > 0 low, 0 info.
    /// Returns `None` for scores outside 0..=10 or NaN, so callers fall back to other fields.
    pub fn from_score(score: f64) -> Option<Severity> {
        if !(0.0..=10.0).contains(&score) {
            return None;
        }
        Some(if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Info
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a severity name that is not on the scale.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity `{0}` (expected critical, high, medium, low, info or unknown)")]
pub struct ParseSeverityError(pub String);

impl FromStr for Severity {
    type Err = ParseSeverityError;

    /// Case-insensitive; accepts the scale's own names only (scanner-specific names such as
    /// SARIF levels are mapped by the ingest module that knows their meaning).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Severity::ALL_DESC
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseSeverityError(s.to_owned()))
    }
}

impl Serialize for Severity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Why a finding has its severity: which field decided it and the raw value found there.
///
/// Rendered as e.g. `sarif security-severity on rule = 8.1` or `trivy Severity = HIGH`.
///
/// Shared: a report's findings carry a handful of distinct sources, and each finding is held
/// until the end of the run (issue 7), so a finding holds a pointer to one copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeveritySource(Arc<SourceParts>);

#[derive(Debug, PartialEq, Eq, Serialize)]
struct SourceParts {
    field: &'static str,
    raw: Box<str>,
}

/// Sources made on this thread, by field and raw value, so that equal ones are one copy.
/// Bounded: a report whose raw values are all different gets one copy per finding, as before
/// sharing.
type SourceCache = Vec<(&'static str, foldhash::HashMap<Box<str>, SeveritySource>)>;
const SOURCE_CACHE_PER_FIELD: usize = 1024;

thread_local! {
    static SOURCES: RefCell<SourceCache> = const { RefCell::new(Vec::new()) };
}

impl SeveritySource {
    /// `field` names the field that decided, for a human (`trivy Severity`, `zap riskcode`,
    /// `sarif security-severity on rule`, `sarif level on result`, ...); `raw` is the value as
    /// the report carried it (empty when the field was absent).
    pub fn new(field: &'static str, raw: &str) -> Self {
        SOURCES.with_borrow_mut(|cache| {
            // The fields are a few literals: their addresses tell them apart without
            // comparing the texts (per finding, issue 7).
            let same = |f: &&str| std::ptr::eq(*f, field) || *f == field;
            let i = match cache.iter().position(|(f, _)| same(f)) {
                Some(i) => i,
                None => {
                    cache.push((field, foldhash::HashMap::default()));
                    cache.len() - 1
                }
            };
            let by_raw = &mut cache[i].1;
            if let Some(s) = by_raw.get(raw) {
                return s.clone();
            }
            let s = SeveritySource(Arc::new(SourceParts {
                field,
                raw: raw.into(),
            }));
            if by_raw.len() < SOURCE_CACHE_PER_FIELD {
                by_raw.insert(raw.into(), s.clone());
            }
            s
        })
    }

    /// The field that decided.
    pub fn field(&self) -> &'static str {
        self.0.field
    }

    /// The raw value as the report carried it (empty when the field was absent).
    pub fn raw(&self) -> &str {
        &self.0.raw
    }
}

/// Serialized as `{"field": ..., "raw": ...}`.
impl Serialize for SeveritySource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl fmt::Display for SeveritySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.raw().is_empty() {
            f.write_str(self.field())
        } else {
            write!(f, "{} = {}", self.field(), self.raw())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_puts_critical_on_top_and_unknown_lowest() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::High > Severity::Medium);
        assert!(Severity::Low > Severity::Info);
        assert!(Severity::Info > Severity::Unknown);
    }

    #[test]
    fn score_buckets_follow_github_mapping() {
        assert_eq!(Severity::from_score(9.0), Some(Severity::Critical));
        assert_eq!(Severity::from_score(8.9), Some(Severity::High));
        assert_eq!(Severity::from_score(7.0), Some(Severity::High));
        assert_eq!(Severity::from_score(6.9), Some(Severity::Medium));
        assert_eq!(Severity::from_score(4.0), Some(Severity::Medium));
        assert_eq!(Severity::from_score(0.1), Some(Severity::Low));
        assert_eq!(Severity::from_score(0.0), Some(Severity::Info));
        assert_eq!(Severity::from_score(10.5), None);
        assert_eq!(Severity::from_score(-1.0), None);
        assert_eq!(Severity::from_score(f64::NAN), None);
    }

    #[test]
    fn parses_case_insensitively_and_rejects_others() {
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert_eq!(" unknown ".parse::<Severity>(), Ok(Severity::Unknown));
        assert!("error".parse::<Severity>().is_err());
    }

    #[test]
    fn equal_sources_are_one_copy_and_read_back_as_made() {
        let a = SeveritySource::new("trivy Severity", "HIGH");
        let b = SeveritySource::new("trivy Severity", "HIGH");
        assert!(Arc::ptr_eq(&a.0, &b.0));
        let c = SeveritySource::new("zap riskcode", "HIGH");
        assert!(!Arc::ptr_eq(&a.0, &c.0));
        assert_eq!((c.field(), c.raw()), ("zap riskcode", "HIGH"));
        assert_eq!(a.to_string(), "trivy Severity = HIGH");
        assert_eq!(
            SeveritySource::new("sarif level", "").to_string(),
            "sarif level"
        );
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"field":"trivy Severity","raw":"HIGH"}"#
        );
        // Past the cache's bound, sources are still made, just not shared.
        for i in 0..SOURCE_CACHE_PER_FIELD + 10 {
            let raw = format!("{i}.5");
            assert_eq!(SeveritySource::new("cvss", &raw).raw(), raw);
        }
    }
}
