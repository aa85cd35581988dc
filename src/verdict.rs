//! The gate's result: every finding with its decision, sorted, plus per-input facts and the
//! summary counts that every reporter renders. Built once; reporters only read it.
//!
//! With a baseline, each finding carries its standing (`new`/`existing`) and the verdict lists
//! the baseline entries that are gone (`fixed`, only for scanners with a report in the run).
//! Correlated findings (`crate::correlate`) stay separate entries that share a group; counts of
//! *problems* ([`Verdict::problems`], [`Verdict::problem_count`]) take each group once, at its
//! highest severity and most blocking outcome, and every other finding once.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use jiff::civil::Date;

use serde::Serialize;

use crate::baseline::{self, Baseline, BaselineStatus};
use crate::correlate;
use crate::exit::ExitStatus;
use crate::ingest::{Format, Input, InputError, ReportStats};
use crate::model::{Finding, Fingerprint, Scanner, Severity};
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
    /// `new` / `existing` against the baseline; `None` without one.
    pub baseline: Option<BaselineStatus>,
    /// Index into [`Verdict::groups`] when the finding is correlated with others.
    pub group: Option<usize>,
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

/// Findings of several reports recognised as one problem (see `crate::correlate`).
#[derive(Debug, Clone)]
pub struct CorrelationGroup {
    /// Stable across runs (a hash of `key`).
    pub id: String,
    /// `CVE-2021-44228 log4j-core@2.14.1`.
    pub key: String,
    /// Indices into [`Verdict::findings`], ascending.
    pub members: Vec<usize>,
    /// The scanners that reported it, sorted, each once.
    pub reported_by: Vec<String>,
    /// The highest effective severity of the members (what every member was decided at).
    pub severity: Severity,
    /// The most blocking outcome among the members (`fail` before `warn` before …).
    pub outcome: Outcome,
}

/// The baseline a run was checked against, and what it found.
#[derive(Debug, Clone)]
pub struct BaselineResult {
    pub baseline: Baseline,
    /// Baseline entries gone from this run (of scanners whose report is in it), by fingerprint.
    pub fixed: Vec<baseline::Entry>,
}

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
    /// The baseline given with `--baseline`, and the entries it lists that are now fixed.
    pub baseline: Option<BaselineResult>,
    /// Correlated groups, in order of their first member.
    pub groups: Vec<CorrelationGroup>,
    /// A required publish step (PR comment, ticket) failed after the verdict was reached:
    /// the gate passed but the run exits 3. Set by the caller once publishing is done.
    pub publish_failed: bool,
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
        Verdict::build_with(policy, inputs, errors, settings, None)
    }

    /// [`Verdict::build`] against a baseline: findings are classified `new`/`existing` and the
    /// baseline entries of present scanners that are gone are listed as fixed.
    pub fn build_with(
        policy: Policy,
        inputs: Vec<Input>,
        errors: &[InputError],
        settings: RunSettings,
        baseline: Option<Baseline>,
    ) -> Verdict {
        let present = baseline::scanners_of(&inputs);
        let (evaluation, correlation) = {
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
            let refs: Vec<&Finding> = subjects.iter().map(|s| s.finding).collect();
            let correlation = correlate::correlate(&refs, |i| &refs[i].input);
            let ctx = EvalContext {
                today: settings.today,
                reports: &reports,
                baseline: baseline.as_ref(),
                groups: &correlation.group_of,
            };
            (policy::evaluate(&policy, &ctx, &subjects), correlation)
        };
        let mut decisions = evaluation.decisions.into_iter();
        let mut statuses = evaluation.baseline.into_iter();
        let mut group_of = correlation.group_of.into_iter();
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
                    baseline: statuses.next(),
                    group: group_of.next().flatten(),
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
        let groups = build_groups(&correlation.groups, &mut findings);
        let baseline = baseline.map(|b| {
            let current: HashSet<Fingerprint> =
                findings.iter().map(|f| f.finding.fingerprint).collect();
            let fixed = b.fixed(&present, &current).into_iter().cloned().collect();
            BaselineResult { baseline: b, fixed }
        });
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
            baseline,
            groups,
            publish_failed: false,
        }
    }

    /// Number of distinct problems: each correlated group once, every other finding once.
    pub fn problems(&self) -> usize {
        let grouped: usize = self.groups.iter().map(|g| g.members.len()).sum();
        self.findings.len() - grouped + self.groups.len()
    }

    /// Number of distinct problems with this outcome (a group by its most blocking outcome).
    pub fn problem_count(&self, outcome: Outcome) -> usize {
        let single = self
            .findings
            .iter()
            .filter(|f| f.group.is_none() && f.decision.outcome == outcome)
            .count();
        single + self.groups.iter().filter(|g| g.outcome == outcome).count()
    }

    /// Distinct problems per effective severity (a group at its highest).
    pub fn problems_by_severity(&self) -> BTreeMap<Severity, u64> {
        let mut out = BTreeMap::new();
        for f in self.findings.iter().filter(|f| f.group.is_none()) {
            *out.entry(f.decision.effective_severity).or_insert(0) += 1;
        }
        for g in &self.groups {
            *out.entry(g.severity).or_insert(0) += 1;
        }
        out
    }

    /// Blocking problems: what the headline counts.
    pub fn blocking(&self) -> usize {
        self.problem_count(Outcome::Fail)
    }

    /// Findings new / existing against the baseline (both zero without one).
    pub fn baseline_counts(&self) -> (usize, usize) {
        let new = self
            .findings
            .iter()
            .filter(|f| f.baseline == Some(BaselineStatus::New))
            .count();
        let existing = self
            .findings
            .iter()
            .filter(|f| matches!(f.baseline, Some(BaselineStatus::Existing { .. })))
            .count();
        (new, existing)
    }

    /// The group a finding belongs to.
    pub fn group_of(&self, e: &Evaluated) -> Option<&CorrelationGroup> {
        e.group.and_then(|g| self.groups.get(g))
    }

    /// The process's exit status: the verdict's, or 3 when it passed but a required publish
    /// step failed.
    pub fn exit_status(&self) -> ExitStatus {
        match self.status.exit_status() {
            ExitStatus::Pass if self.publish_failed => ExitStatus::PublishFailed,
            other => other,
        }
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
            baseline: self.baseline.as_ref().map(|b| &b.baseline),
            groups: &[],
        };
        let subject = Subject {
            finding: &e.finding,
            format: e.format,
        };
        let mut lines = policy::explain(&self.policy, &ctx, &subject, &e.decision);
        if let Some(g) = self.group_of(e) {
            let others: Vec<String> = g
                .members
                .iter()
                .filter(|&&m| m != index)
                .filter_map(|&m| self.findings.get(m))
                .map(|o| {
                    format!(
                        "{} `{}` in {}",
                        o.finding.scanner.name, o.finding.rule_id, o.finding.input
                    )
                })
                .collect();
            let line = format!(
                "correlated: group {} ({}) with {}; decided at the group's highest severity, {}, and counted once",
                g.id,
                g.key,
                others.join(", "),
                g.severity
            );
            let at = lines.len().saturating_sub(1);
            lines.insert(at, line);
        }
        // Existing through its group though its own fingerprint is not in the baseline.
        if let (Some(first_seen), Some(b)) = (e.baseline.and_then(|s| s.first_seen()), ctx.baseline)
            && b.entry(&e.finding.fingerprint).is_none()
            && let Some(line) = lines
                .iter_mut()
                .find(|l| l.starts_with("baseline: not in "))
        {
            *line = format!(
                "baseline: not in {} itself, but existing since {first_seen} through its \
                 correlation group",
                b.path
            );
        }
        lines
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

/// Maps correlation groups (over subject indices) to the sorted findings.
fn build_groups(groups: &[correlate::Group], findings: &mut [Evaluated]) -> Vec<CorrelationGroup> {
    let mut out: Vec<CorrelationGroup> = groups
        .iter()
        .map(|g| CorrelationGroup {
            id: g.id.clone(),
            key: g.key.clone(),
            members: Vec::with_capacity(g.members.len()),
            reported_by: Vec::new(),
            severity: Severity::Unknown,
            outcome: Outcome::Suppressed,
        })
        .collect();
    let mut scanners: Vec<BTreeSet<String>> = vec![BTreeSet::new(); out.len()];
    for (i, f) in findings.iter().enumerate() {
        let Some(g) = f.group.and_then(|g| out.get_mut(g).map(|o| (g, o))) else {
            continue;
        };
        let (index, group) = g;
        group.members.push(i);
        group.severity = group.severity.max(f.decision.effective_severity);
        group.outcome = group.outcome.min(f.decision.outcome);
        scanners[index].insert(f.finding.scanner.name.to_string());
    }
    for (g, names) in out.iter_mut().zip(scanners) {
        g.reported_by = names.into_iter().collect();
    }
    // Listed in order of their first member in the verdict's order; findings follow.
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by_key(|&g| out[g].members.first().copied().unwrap_or(usize::MAX));
    let mut new_index = vec![0; out.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    for f in findings.iter_mut() {
        f.group = f.group.and_then(|g| new_index.get(g).copied());
    }
    let mut slots: Vec<Option<CorrelationGroup>> = out.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|g| slots.get_mut(g).and_then(Option::take))
        .collect()
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
