//! The gate's decision rules, and [`evaluate`]: the single place a finding's outcome is decided.
//!
//! Reporters and publishers never decide; they render the outcome given here. The policy is
//! read in two phases: raw serde types (`deny_unknown_fields`) are validated into a [`Policy`].
//! Without a policy file the embedded default (`default.toml`) applies.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{Finding, Severity};

/// The embedded default policy text (fail on critical/high; unknown severity counts as medium).
pub const EMBEDDED_DEFAULT: &str = include_str!("default.toml");

/// A validated policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// Findings at or above this (effective) severity fail the gate.
    pub fail_on: Severity,
    /// The severity findings of `unknown` severity are treated as.
    pub unknown_severity: Severity,
    /// Where the policy came from.
    pub source: PolicySource,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "lowercase")]
pub enum PolicySource {
    /// The default compiled into scangate.
    Embedded,
    File(String),
}

impl fmt::Display for PolicySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicySource::Embedded => f.write_str("embedded default policy"),
            PolicySource::File(p) => write!(f, "policy file {p}"),
        }
    }
}

/// The policy file as written, before validation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    fail_on: Option<String>,
    unknown_severity: Option<String>,
}

/// Problems found while loading a policy; every one is collected before failing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {}", problems.join("; "))]
pub struct PolicyError {
    pub origin: PolicySource,
    pub problems: Vec<String>,
}

impl Policy {
    /// The embedded default policy.
    pub fn embedded() -> Policy {
        // The embedded text is tested to load; a failure here is a build defect.
        Policy::from_toml(EMBEDDED_DEFAULT, PolicySource::Embedded).unwrap_or(Policy {
            fail_on: Severity::High,
            unknown_severity: Severity::Medium,
            source: PolicySource::Embedded,
        })
    }

    /// Parses and validates policy text.
    pub fn from_toml(text: &str, source: PolicySource) -> Result<Policy, PolicyError> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| PolicyError {
            origin: source.clone(),
            problems: vec![e.to_string().trim().to_owned()],
        })?;
        let mut problems = Vec::new();
        let mut severity = |field: &str, value: Option<String>, default: Severity| match value {
            None => default,
            Some(v) => v.parse().unwrap_or_else(|e| {
                problems.push(format!("`{field}`: {e}"));
                default
            }),
        };
        let fail_on = severity("fail_on", raw.fail_on, Severity::High);
        let unknown_severity = severity("unknown_severity", raw.unknown_severity, Severity::Medium);
        if problems.is_empty() {
            Ok(Policy {
                fail_on,
                unknown_severity,
                source,
            })
        } else {
            Err(PolicyError {
                origin: source,
                problems,
            })
        }
    }

    /// The severity the policy acts on: `unknown` is mapped as configured.
    pub fn effective_severity(&self, severity: Severity) -> Severity {
        if severity == Severity::Unknown {
            self.unknown_severity
        } else {
            severity
        }
    }
}

/// What the gate does with one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Blocks the gate.
    Fail,
    /// Reported, not blocking.
    Warn,
    /// Accepted by a waiver in the policy.
    Waived,
    /// Excluded by a policy rule.
    Ignored,
    /// The scanner itself marked it suppressed / a false positive.
    Suppressed,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Fail,
        Outcome::Warn,
        Outcome::Waived,
        Outcome::Ignored,
        Outcome::Suppressed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Fail => "fail",
            Outcome::Warn => "warn",
            Outcome::Waived => "waived",
            Outcome::Ignored => "ignored",
            Outcome::Suppressed => "suppressed",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The policy's decision on one finding, with the reason in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub outcome: Outcome,
    /// Severity after policy mapping (`unknown` → configured severity).
    pub effective_severity: Severity,
    pub reason: String,
}

/// Decides every finding's outcome. Pure: same policy and findings, same decisions.
pub fn evaluate(policy: &Policy, finding: &Finding) -> Decision {
    let effective_severity = policy.effective_severity(finding.severity);
    let unknown_note = if finding.severity == Severity::Unknown {
        format!(" (unknown severity treated as {})", policy.unknown_severity)
    } else {
        String::new()
    };
    if let Some(s) = &finding.suppression {
        return Decision {
            outcome: Outcome::Suppressed,
            effective_severity,
            reason: format!("suppressed by the scanner: {}", s.kind),
        };
    }
    if effective_severity >= policy.fail_on {
        Decision {
            outcome: Outcome::Fail,
            effective_severity,
            reason: format!(
                "severity {effective_severity}{unknown_note} is at or above fail_on = {}",
                policy.fail_on
            ),
        }
    } else {
        Decision {
            outcome: Outcome::Warn,
            effective_severity,
            reason: format!(
                "severity {effective_severity}{unknown_note} is below fail_on = {}",
                policy.fail_on
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Extra, FindingKind, Fingerprint, Location, Scanner, SeveritySource, ToolSuppression,
    };

    fn finding(severity: Severity) -> Finding {
        Finding {
            fingerprint: Fingerprint::builder("t").finish(),
            scanner: Scanner {
                name: "Test".into(),
                version: None,
            },
            kind: FindingKind::Code,
            rule_id: "R1".into(),
            vuln_ids: vec![],
            title: "t".into(),
            description: None,
            severity,
            severity_source: SeveritySource::new("test", ""),
            confidence: None,
            location: Location::default(),
            fix: None,
            references: vec![],
            cwes: vec![],
            suppression: None,
            extra: Extra::default(),
            input: "t.sarif".into(),
        }
    }

    #[test]
    fn embedded_default_loads_and_fails_on_high() {
        let p = Policy::from_toml(EMBEDDED_DEFAULT, PolicySource::Embedded).expect("loads");
        assert_eq!(p.fail_on, Severity::High);
        assert_eq!(p.unknown_severity, Severity::Medium);
        assert_eq!(Policy::embedded(), p);
    }

    #[test]
    fn default_outcomes_by_severity() {
        let p = Policy::embedded();
        let outcome = |s| evaluate(&p, &finding(s)).outcome;
        assert_eq!(outcome(Severity::Critical), Outcome::Fail);
        assert_eq!(outcome(Severity::High), Outcome::Fail);
        assert_eq!(outcome(Severity::Medium), Outcome::Warn);
        assert_eq!(outcome(Severity::Info), Outcome::Warn);
        assert_eq!(outcome(Severity::Unknown), Outcome::Warn);
        let d = evaluate(&p, &finding(Severity::Unknown));
        assert_eq!(d.effective_severity, Severity::Medium);
        assert!(
            d.reason.contains("unknown severity treated as medium"),
            "{}",
            d.reason
        );
    }

    #[test]
    fn unknown_can_be_made_blocking() {
        let p = Policy::from_toml("unknown_severity = \"critical\"", PolicySource::Embedded)
            .expect("loads");
        assert_eq!(
            evaluate(&p, &finding(Severity::Unknown)).outcome,
            Outcome::Fail
        );
    }

    #[test]
    fn tool_suppressed_findings_never_fail() {
        let mut f = finding(Severity::Critical);
        f.suppression = Some(ToolSuppression {
            kind: "sarif suppression (inSource, accepted)".into(),
            justification: None,
        });
        let d = evaluate(&Policy::embedded(), &f);
        assert_eq!(d.outcome, Outcome::Suppressed);
        assert!(d.reason.contains("inSource"));
    }

    #[test]
    fn every_problem_is_reported() {
        let err = Policy::from_toml(
            "fail_on = \"severe\"\nunknown_severity = \"meh\"",
            PolicySource::File("p.toml".into()),
        )
        .expect_err("invalid");
        assert_eq!(err.problems.len(), 2, "{err}");
        let err = Policy::from_toml("fail_onn = \"high\"", PolicySource::Embedded)
            .expect_err("unknown key");
        assert!(err.to_string().contains("fail_onn"), "{err}");
    }
}
