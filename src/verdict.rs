//! The gate's result: every finding with its decision, sorted, plus per-input facts and the
//! summary counts that every reporter renders. Built once; reporters only read it.

use std::collections::BTreeMap;

use jiff::civil::Date;

use serde::Serialize;

use crate::exit::ExitStatus;
use crate::ingest::{Format, Input, InputError, ReportStats};
use crate::model::{Finding, Scanner, Severity};
use crate::policy::{
    self, Decision, EvalContext, Outcome, Policy, ReportSeen, Subject, Waiver, WaiverState,
    WaiverUse,
};

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
#[derive(Debug, Clone)]
pub struct Evaluated {
    pub finding: Finding,
    /// The format of the report the finding came from.
    pub format: Format,
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

/// Settings of one run that shape the verdict but are not part of the policy file.
#[derive(Debug, Clone, Copy)]
pub struct RunSettings {
    /// The date waivers are checked against.
    pub today: Date,
    /// Waivers that matched no finding fail the gate (`--deny-stale-waivers`).
    pub deny_stale_waivers: bool,
}

#[derive(Debug, Clone)]
pub struct Verdict {
    pub status: Status,
    pub policy: Policy,
    pub settings: RunSettings,
    pub inputs: Vec<InputSummary>,
    /// Every finding from every parsed input, sorted by effective severity (most severe
    /// first), scanner, rule id, location, fingerprint.
    pub findings: Vec<Evaluated>,
    pub summary: Summary,
    /// How each of the policy's waivers fared, in the policy's order.
    pub waivers: Vec<WaiverUse>,
    /// Scanners the policy requires that have no parsed report (makes the status `error`).
    pub missing_reports: Vec<String>,
}

impl Verdict {
    /// Evaluates parsed inputs. Any input error, or a required scanner without a parsed report,
    /// makes the verdict `error` (fail closed), but the findings that did parse are still
    /// evaluated and reported.
    pub fn build(
        policy: Policy,
        inputs: Vec<Input>,
        errors: &[InputError],
        settings: RunSettings,
    ) -> Verdict {
        let evaluation = {
            let reports: Vec<ReportSeen<'_>> = inputs
                .iter()
                .map(|i| ReportSeen {
                    format: i.format,
                    scanners: &i.report.scanners,
                })
                .collect();
            let subjects: Vec<Subject<'_>> = inputs
                .iter()
                .flat_map(|i| {
                    i.report.findings.iter().map(move |finding| Subject {
                        finding,
                        format: i.format,
                    })
                })
                .collect();
            let ctx = EvalContext {
                today: settings.today,
                reports: &reports,
            };
            policy::evaluate(&policy, &ctx, &subjects)
        };
        let mut decisions = evaluation.decisions.into_iter();
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
            let format = input.format;
            for finding in input.report.findings {
                // `evaluate` returns exactly one decision per subject, in order.
                let Some(decision) = decisions.next() else {
                    break;
                };
                findings.push(Evaluated {
                    finding,
                    format,
                    decision,
                });
            }
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
        let stale = evaluation
            .waivers
            .iter()
            .any(|w| w.state == WaiverState::Stale);
        let status = if !errors.is_empty() || !evaluation.missing_reports.is_empty() {
            Status::Error
        } else if findings.iter().any(|f| f.decision.outcome == Outcome::Fail)
            || (settings.deny_stale_waivers && stale)
        {
            Status::Fail
        } else {
            Status::Pass
        };
        Verdict {
            status,
            policy,
            settings,
            inputs: summaries,
            findings,
            summary,
            waivers: evaluation.waivers,
            missing_reports: evaluation.missing_reports,
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

    /// Number of inputs that could not be read.
    pub fn input_errors(&self) -> usize {
        self.inputs.iter().filter(|i| i.error.is_some()).count()
    }

    /// The policy's waivers with their use in this run.
    pub fn waiver_uses(&self) -> impl Iterator<Item = (&Waiver, &WaiverUse)> {
        self.policy.waivers.iter().zip(&self.waivers)
    }

    /// Waivers that matched no finding.
    pub fn stale_waivers(&self) -> usize {
        self.waivers
            .iter()
            .filter(|w| w.state == WaiverState::Stale)
            .count()
    }

    /// Whether stale waivers are what failed the gate (nothing else blocked).
    pub fn failed_on_stale_waivers(&self) -> bool {
        self.settings.deny_stale_waivers && self.stale_waivers() > 0
    }

    /// Indices of the findings an `--explain` query names: a fingerprint (or a prefix of at
    /// least 8 hex characters), or a rule or vulnerability id (case-insensitive).
    pub fn find(&self, query: &str) -> Vec<usize> {
        let q = query.trim();
        let hex_prefix = q.len() >= 8 && q.len() <= 32 && q.bytes().all(|b| b.is_ascii_hexdigit());
        let lower = q.to_ascii_lowercase();
        self.findings
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                let f = &e.finding;
                (hex_prefix && f.fingerprint.to_hex().starts_with(&lower))
                    || f.rule_id.eq_ignore_ascii_case(q)
                    || f.vuln_ids.iter().any(|v| v.id.eq_ignore_ascii_case(q))
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The decision path for finding `index` (see [`policy::explain`]).
    pub fn explain(&self, index: usize) -> Vec<String> {
        let Some(e) = self.findings.get(index) else {
            return Vec::new();
        };
        let reports: Vec<ReportSeen<'_>> = self
            .inputs
            .iter()
            .filter_map(|i| {
                i.format.map(|format| ReportSeen {
                    format,
                    scanners: &i.scanners,
                })
            })
            .collect();
        let ctx = EvalContext {
            today: self.settings.today,
            reports: &reports,
        };
        let subject = Subject {
            finding: &e.finding,
            format: e.format,
        };
        policy::explain(&self.policy, &ctx, &subject, &e.decision)
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
