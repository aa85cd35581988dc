//! The gate's decision rules, and [`evaluate`]: the single place a finding's outcome is decided.
//!
//! Reporters and publishers never decide; they render the [`Decision`]s made here. The policy
//! file is read in two phases (`config.rs`): raw serde types (`raw.rs`, `deny_unknown_fields`,
//! spans) are deserialized with every type error and unknown key collected, then validated
//! into a [`Policy`] (globs compiled, dates checked, waivers complete), so one run lists every
//! problem with `file:line:column`. Without a policy file the embedded default
//! (`default.toml`) applies. `scangate init` writes `starter.toml`.
//!
//! Evaluation order for one finding (the first step that decides wins; see `evaluate.rs`):
//! severity mapping (`unknown_severity`, then the first matching rule's `severity`) → tool
//! suppression → waivers → the first matching rule's `action` → `ignore_statuses` /
//! `ignore_unfixed` → thresholds (`max`, then `fail_on`).

mod config;
mod evaluate;
mod matcher;
mod raw;
mod waiver;
mod zap_rules;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Serialize, Serializer};

use crate::model::{Severity, Text};

pub use config::{LoadError, LoadOptions, PolicyError, Problem, load_file, resolve};
pub use evaluate::{EvalContext, Evaluation, ReportSeen, evaluate, explain, unmet_requirements};
pub use matcher::{Conditions, Patterns, Subject};
pub use raw::{Action, RawPolicy, json_schema, parse_date, parse_days};
pub use waiver::{Waiver, WaiverState, WaiverUse};

/// The embedded default policy text (fail on critical/high; unknown severity counts as medium).
pub const EMBEDDED_DEFAULT: &str = include_str!("default.toml");

/// The commented starter policy `scangate init` writes.
pub const STARTER: &str = include_str!("starter.toml");

/// The file name looked up in the working directory when `--policy` is not given.
pub const DEFAULT_FILE_NAME: &str = "scangate.toml";

/// A validated policy.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// Where the policy came from.
    pub source: PolicySource,
    /// Findings at or above this (effective) severity fail the gate.
    pub fail_on: Severity,
    /// The severity findings of `unknown` severity are treated as.
    pub unknown_severity: Severity,
    /// Per-severity budgets; override `fail_on` for the severities present.
    pub max: BTreeMap<Severity, u64>,
    /// Scanner names that must have a parsed report (lower-case).
    pub require: Vec<String>,
    pub ignore_unfixed: bool,
    /// Trivy statuses whose vulnerabilities are ignored (lower-case, snake_case).
    pub ignore_statuses: Vec<String>,
    pub trust_tool_suppressions: bool,
    pub allow_permanent_waivers: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_waiver_days: Option<u64>,
    /// The ZAP rules file as named in the policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zap_rules: Option<String>,
    /// With a baseline: which findings may fail the gate.
    pub gate: Gate,
    /// Grace periods in days for findings already in the baseline, per (effective) severity.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sla: BTreeMap<Severity, u32>,
    /// `[[rule]]` entries, then the ZAP rules file's lines, in the order they are tried.
    pub rules: Vec<Rule>,
    pub waivers: Vec<Waiver>,
    /// `[github]` and `[tickets]`: what to publish (not part of the gate's decision).
    #[serde(skip)]
    pub publish: crate::publish::PublishConfig,
}

/// Which findings may fail the gate when a baseline is given (`gate = "all" | "new"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Gate {
    /// Every finding (findings in the baseline still get their `sla` grace period).
    #[default]
    All,
    /// Findings not in the baseline; baseline findings only once their `sla` grace is over.
    New,
}

impl Gate {
    pub fn as_str(self) -> &'static str {
        match self {
            Gate::All => "all",
            Gate::New => "new",
        }
    }
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a rule or waiver is written: `scangate.toml:12`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A validated rule: conditions plus what to do.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub origin: Origin,
    /// How messages name the rule: `rule #2 (scangate.toml:14)`, `ZAP rule 10016 WARN
    /// (zap-rules.tsv:3)`.
    pub label: String,
    #[serde(rename = "match")]
    pub conditions: Conditions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "lowercase")]
pub enum PolicySource {
    /// The default compiled into scangate.
    Embedded,
    File(String),
}

impl PolicySource {
    /// The name used in `file:line:column` positions.
    pub fn file_name(&self) -> &str {
        match self {
            PolicySource::Embedded => "<embedded default policy>",
            PolicySource::File(p) => p,
        }
    }
}

impl fmt::Display for PolicySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicySource::Embedded => f.write_str("embedded default policy"),
            PolicySource::File(p) => write!(f, "policy file {p}"),
        }
    }
}

impl Policy {
    /// The embedded default policy.
    pub fn embedded() -> Policy {
        // The embedded text is tested to load and holds no waivers, so the date is irrelevant;
        // a failure here would be a build defect, and falls back to the same values.
        let options = LoadOptions {
            today: jiff::civil::date(1970, 1, 1),
            base_dir: None,
        };
        Policy::from_toml(EMBEDDED_DEFAULT, PolicySource::Embedded, &options)
            .unwrap_or_else(|_| Policy::fallback())
    }

    fn fallback() -> Policy {
        Policy {
            source: PolicySource::Embedded,
            fail_on: Severity::High,
            unknown_severity: Severity::Medium,
            max: BTreeMap::new(),
            require: vec![],
            ignore_unfixed: false,
            ignore_statuses: vec!["not_affected".into()],
            trust_tool_suppressions: true,
            allow_permanent_waivers: false,
            max_waiver_days: None,
            zap_rules: None,
            gate: Gate::All,
            sla: BTreeMap::new(),
            rules: vec![],
            waivers: vec![],
            publish: crate::publish::PublishConfig::default(),
        }
    }

    /// Parses and validates policy text (see `config.rs`). A `zap_rules` file is read relative
    /// to `options.base_dir`.
    pub fn from_toml(
        text: &str,
        source: PolicySource,
        options: &LoadOptions<'_>,
    ) -> Result<Policy, PolicyError> {
        config::parse(text, source, options)
    }

    /// The severity the policy acts on before rules: `unknown` is mapped as configured.
    pub fn effective_severity(&self, severity: Severity) -> Severity {
        if severity == Severity::Unknown {
            self.unknown_severity
        } else {
            severity
        }
    }

    /// One line for the console: `fail on high or above; max medium = 20; 3 rules; 1 waiver`.
    pub fn describe(&self) -> String {
        let mut parts = vec![format!("fail on {} or above", self.fail_on)];
        if !self.max.is_empty() {
            let max: Vec<String> = self
                .max
                .iter()
                .rev()
                .map(|(s, n)| format!("{s} = {n}"))
                .collect();
            parts.push(format!("max {}", max.join(", ")));
        }
        parts.push(format!(
            "unknown severity counts as {}",
            self.unknown_severity
        ));
        if self.gate == Gate::New {
            parts.push("gate new (baseline findings do not block)".to_owned());
        }
        if !self.sla.is_empty() {
            let sla: Vec<String> = self
                .sla
                .iter()
                .rev()
                .map(|(s, d)| format!("{s} = {d}d"))
                .collect();
            parts.push(format!("sla {}", sla.join(", ")));
        }
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        if !self.rules.is_empty() {
            parts.push(plural(self.rules.len(), "rule"));
        }
        if !self.waivers.is_empty() {
            parts.push(plural(self.waivers.len(), "waiver"));
        }
        if !self.require.is_empty() {
            parts.push(format!("requires {}", self.require.join(", ")));
        }
        parts.join("; ")
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
    /// Severity after policy mapping (`unknown` → configured severity, rule overrides).
    pub effective_severity: Severity,
    /// Which rule, threshold or waiver decided, in words. Shared: findings decided for the same
    /// reason hold one copy (issue 7: a decision is kept for every finding until the end).
    pub reason: Text,
    /// Index into [`Policy::rules`] of the first rule that matched, if any. (`u32`: one
    /// decision is kept per finding, and a policy's rules and waivers are few.)
    #[serde(skip)]
    pub rule: Option<u32>,
    /// Index into [`Policy::waivers`] of the waiver that applied (outcome `waived`).
    #[serde(skip)]
    pub waiver: Option<u32>,
}

#[cfg(test)]
mod tests;
