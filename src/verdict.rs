//! The gate's result: every finding with its decision, sorted, plus per-input facts and the
//! summary counts that every reporter renders. Built once; reporters only read it.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use rayon::prelude::*;

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
        let mut summaries = Vec::with_capacity(inputs.len() + errors.len());
        let mut parts = Vec::with_capacity(inputs.len());
        for input in inputs {
            summaries.push(InputSummary {
                path: input.path.to_string(),
                format: Some(input.format),
                scanners: input.report.scanners,
                findings: input.report.findings.len() as u64,
                stats: Some(input.report.stats),
                error: None,
            });
            parts.push((input.format, input.report.findings));
        }
        let mut findings = pair_with_decisions(parts, evaluation.decisions);
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
        sort_findings(&mut findings, InputOrder::Reversed);
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

/// Moves each finding next to its decision (`decisions` holds exactly one per finding, in
/// input order). The result is in *reverse* input order: findings are taken from the back of
/// each input and the input's vector is shrunk as it empties, so the inputs' findings and the
/// verdict's are never both wholly resident (with 10^6 findings of ~1 KB each that doubled the
/// peak memory; issue 7).
fn pair_with_decisions(
    parts: Vec<(Format, Vec<Finding>)>,
    mut decisions: Vec<Decision>,
) -> Vec<Evaluated> {
    let total: usize = parts.iter().map(|(_, f)| f.len()).sum();
    debug_assert_eq!(decisions.len(), total, "one decision per finding");
    decisions.truncate(total);
    let mut out = Vec::with_capacity(total);
    for (format, mut part) in parts.into_iter().rev() {
        while let Some(finding) = part.pop() {
            let Some(decision) = decisions.pop() else {
                break;
            };
            out.push(Evaluated {
                finding,
                format,
                decision,
            });
            if part.len() < part.capacity() / 8 * 7 {
                part.shrink_to_fit();
            }
        }
    }
    out
}

/// How the findings given to [`sort_findings`] are ordered: the last tie-breaker is the input
/// order, so the result is what a stable sort of the findings in input order gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InputOrder {
    #[cfg(test)]
    Forward,
    Reversed,
}

/// What the sort compares, gathered in one small array: comparing the findings themselves
/// touched two ~1 KB structures and their strings at random per comparison (issue 7).
struct SortKey {
    severity: Severity,
    /// Rank of the scanner name among all scanner names (same order as the names).
    scanner: u32,
    /// Rank of the rule id among all rule ids.
    rule: u32,
    location: String,
    /// Position in input order.
    position: usize,
    /// Where the finding is now.
    index: usize,
}

/// Sorts by effective severity (most severe first), scanner, rule id, location, fingerprint,
/// input file, then input order.
fn sort_findings(findings: &mut [Evaluated], order: InputOrder) {
    let n = findings.len();
    let scanners = ranks(findings.iter().map(|f| &*f.finding.scanner.name));
    let rules = ranks(findings.iter().map(|f| f.finding.rule_id.as_str()));
    // Keys and the sort use every core: with one large report this is the serial part of a
    // run after parsing.
    let mut keys: Vec<SortKey> = findings
        .par_iter()
        .enumerate()
        .map(|(i, f)| SortKey {
            severity: f.decision.effective_severity,
            scanner: scanners[i],
            rule: rules[i],
            // Built once per finding, not once per comparison.
            location: f.finding.location.display_short(),
            position: match order {
                #[cfg(test)]
                InputOrder::Forward => i,
                InputOrder::Reversed => n - 1 - i,
            },
            index: i,
        })
        .collect();
    // The position makes the order total, so an unstable sort gives the stable result.
    keys.par_sort_unstable_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.scanner.cmp(&b.scanner))
            .then(a.rule.cmp(&b.rule))
            .then_with(|| a.location.cmp(&b.location))
            .then_with(|| {
                let (fa, fb) = (&findings[a.index].finding, &findings[b.index].finding);
                fa.fingerprint
                    .cmp(&fb.fingerprint)
                    .then_with(|| fa.input.cmp(&fb.input))
            })
            .then(a.position.cmp(&b.position))
    });
    let order: Vec<usize> = keys.into_iter().map(|k| k.index).collect();
    apply_permutation(findings, order);
}

/// For each value, its rank among the distinct values in byte order (equal values, equal rank).
/// One hash lookup per value; only the distinct values are sorted.
fn ranks<'a>(values: impl Iterator<Item = &'a str>) -> Vec<u32> {
    let mut first_seen: HashMap<&str, u32> = HashMap::new();
    let ids: Vec<u32> = values
        .map(|v| {
            let next = first_seen.len() as u32;
            *first_seen.entry(v).or_insert(next)
        })
        .collect();
    let mut distinct: Vec<(&str, u32)> = first_seen.into_iter().collect();
    distinct.sort_unstable();
    let mut rank_of_id = vec![0u32; distinct.len()];
    for (rank, (_, id)) in distinct.into_iter().enumerate() {
        rank_of_id[id as usize] = rank as u32;
    }
    ids.into_iter().map(|id| rank_of_id[id as usize]).collect()
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

    /// The order before issue 7's sort keys: a stable sort comparing the findings themselves.
    fn reference_sort(findings: &mut [Evaluated]) {
        findings.sort_by(|a, b| {
            b.decision
                .effective_severity
                .cmp(&a.decision.effective_severity)
                .then_with(|| a.finding.scanner.name.cmp(&b.finding.scanner.name))
                .then_with(|| a.finding.rule_id.cmp(&b.finding.rule_id))
                .then_with(|| {
                    a.finding
                        .location
                        .display_short()
                        .cmp(&b.finding.location.display_short())
                })
                .then_with(|| a.finding.fingerprint.cmp(&b.finding.fingerprint))
                .then_with(|| a.finding.input.cmp(&b.finding.input))
        });
    }

    fn ids(findings: &[Evaluated]) -> Vec<(String, String, String)> {
        findings
            .iter()
            .map(|e| {
                (
                    e.finding.rule_id.clone(),
                    e.finding.title.clone(),
                    e.finding.location.display_short(),
                )
            })
            .collect()
    }

    #[test]
    fn sort_keys_give_the_stable_order_of_the_full_comparison() {
        let base = crate::report::fixtures::sample_verdict().findings;
        // Duplicates (equal keys, different titles) check stability; rotations vary the input.
        let mut all: Vec<Evaluated> = Vec::new();
        for (k, e) in base.iter().chain(base.iter()).enumerate() {
            let mut e = e.clone();
            e.finding.title = format!("copy {k}");
            all.push(e);
        }
        for shift in 0..all.len() {
            let mut input = all.clone();
            input.rotate_left(shift);
            let mut expected = input.clone();
            reference_sort(&mut expected);

            let mut forward = input.clone();
            sort_findings(&mut forward, InputOrder::Forward);
            assert_eq!(ids(&forward), ids(&expected), "shift {shift}");

            let mut reversed = input.clone();
            reversed.reverse();
            sort_findings(&mut reversed, InputOrder::Reversed);
            assert_eq!(ids(&reversed), ids(&expected), "shift {shift}, reversed");
        }
    }

    #[test]
    fn findings_meet_their_decisions_in_reverse_input_order() {
        let base = crate::report::fixtures::sample_verdict().findings;
        let (a, b) = base.split_at(base.len() / 2);
        let parts = vec![
            (Format::Trivy, a.iter().map(|e| e.finding.clone()).collect()),
            (Format::Sarif, b.iter().map(|e| e.finding.clone()).collect()),
        ];
        let decisions: Vec<Decision> = base.iter().map(|e| e.decision.clone()).collect();
        let paired = pair_with_decisions(parts, decisions);
        assert_eq!(paired.len(), base.len());
        for (got, want) in paired.iter().rev().zip(&base) {
            assert_eq!(got.finding, want.finding);
            assert_eq!(got.decision.reason, want.decision.reason);
        }
        assert_eq!(paired[0].format, Format::Sarif);
        assert_eq!(paired[paired.len() - 1].format, Format::Trivy);
    }

    #[test]
    fn ranks_follow_byte_order() {
        let r = ranks(["b", "a", "b", "Z", "é"].into_iter());
        assert_eq!(r, [2, 1, 2, 0, 3]);
    }

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
