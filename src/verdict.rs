//! The gate's result: every finding with its decision, sorted, plus per-input facts and the
//! summary counts that every reporter renders. Built once; reporters only read it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::exit::ExitStatus;
use crate::ingest::{Format, Input, InputError, ReportStats};
use crate::model::{Finding, Scanner, Severity};
use crate::policy::{self, Decision, Outcome, Policy};

/// pass / fail / error, as the JSON output and the table headline say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// Could not decide (an input or configuration error).
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }

    pub fn exit_status(self) -> ExitStatus {
        match self {
            Status::Pass => ExitStatus::Pass,
            Status::Fail => ExitStatus::PolicyFailed,
            Status::Error => ExitStatus::Error,
        }
    }
}

/// A finding and what the policy decided about it.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluated {
    #[serde(flatten)]
    pub finding: Finding,
    #[serde(flatten)]
    pub decision: Decision,
}

/// What the verdict says about one input file.
#[derive(Debug, Clone, Serialize)]
pub struct InputSummary {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    pub scanners: Vec<Scanner>,
    pub findings: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<ReportStats>,
    /// Why the input could not be read, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Counts keyed by scanner name, then normalised severity (as the scanner reported it, so
/// `unknown` stays visible even when the policy treats it as another severity), then outcome.
pub type Summary = BTreeMap<String, BTreeMap<Severity, BTreeMap<Outcome, u64>>>;

#[derive(Debug, Clone)]
pub struct Verdict {
    pub status: Status,
    pub policy: Policy,
    pub inputs: Vec<InputSummary>,
    /// Every finding from every parsed input, sorted by effective severity (most severe
    /// first), scanner, rule id, location, fingerprint.
    pub findings: Vec<Evaluated>,
    pub summary: Summary,
}

impl Verdict {
    /// Evaluates parsed inputs. Any input error makes the verdict `error` (fail closed), but the
    /// findings that did parse are still evaluated and reported.
    pub fn build(policy: Policy, inputs: Vec<Input>, errors: &[InputError]) -> Verdict {
        let mut summaries = Vec::with_capacity(inputs.len() + errors.len());
        let mut findings = Vec::new();
        for input in inputs {
            summaries.push(InputSummary {
                path: input.path.to_string(),
                format: Some(input.format),
                scanners: input.report.scanners,
                findings: input.report.findings.len() as u64,
                stats: Some(input.report.stats),
                error: None,
            });
            findings.extend(input.report.findings.into_iter().map(|finding| Evaluated {
                decision: policy::evaluate(&policy, &finding),
                finding,
            }));
        }
        for e in errors {
            summaries.push(InputSummary {
                path: e.path.to_string_lossy().into_owned(),
                format: None,
                scanners: vec![],
                findings: 0,
                stats: None,
                error: Some(e.kind.to_string()),
            });
        }
        sort_findings(&mut findings);
        let summary = summarize(&findings);
        let status = if !errors.is_empty() {
            Status::Error
        } else if findings.iter().any(|f| f.decision.outcome == Outcome::Fail) {
            Status::Fail
        } else {
            Status::Pass
        };
        Verdict {
            status,
            policy,
            inputs: summaries,
            findings,
            summary,
        }
    }

    pub fn exit_status(&self) -> ExitStatus {
        self.status.exit_status()
    }

    /// Number of findings with the given outcome.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.findings
            .iter()
            .filter(|f| f.decision.outcome == outcome)
            .count()
    }
}

fn sort_findings(findings: &mut [Evaluated]) {
    // Location strings are built once per finding, not once per comparison.
    let mut keyed: Vec<(String, usize)> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| (f.finding.location.display_short(), i))
        .collect();
    keyed.sort_by(|(la, a), (lb, b)| {
        let (a, b) = (&findings[*a], &findings[*b]);
        b.decision
            .effective_severity
            .cmp(&a.decision.effective_severity)
            .then_with(|| a.finding.scanner.name.cmp(&b.finding.scanner.name))
            .then_with(|| a.finding.rule_id.cmp(&b.finding.rule_id))
            .then_with(|| la.cmp(lb))
            .then_with(|| a.finding.fingerprint.cmp(&b.finding.fingerprint))
            .then_with(|| a.finding.input.cmp(&b.finding.input))
    });
    let order: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();
    apply_permutation(findings, order);
}

/// Reorders `items` so that position k holds the element that was at `order[k]`.
fn apply_permutation<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..order.len() {
        let mut current = start;
        while order[current] != start {
            let next = order[current];
            items.swap(current, next);
            order[current] = current;
            current = next;
        }
        order[current] = current;
    }
}

fn summarize(findings: &[Evaluated]) -> Summary {
    let mut summary = Summary::new();
    for f in findings {
        *summary
            .entry(f.finding.scanner.name.to_string())
            .or_default()
            .entry(f.finding.severity)
            .or_default()
            .entry(f.decision.outcome)
            .or_default() += 1;
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutation_reorders_in_place() {
        let mut v = vec!['a', 'b', 'c', 'd'];
        apply_permutation(&mut v, vec![2, 0, 3, 1]);
        assert_eq!(v, ['c', 'a', 'd', 'b']);
        let mut w = vec![1, 2, 3];
        apply_permutation(&mut w, vec![0, 1, 2]);
        assert_eq!(w, [1, 2, 3]);
    }
}
