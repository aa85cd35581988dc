//! [`evaluate`]: the one place a finding's outcome is decided, and [`explain`], which replays
//! the same steps for `--explain` with a trace.
//!
//! For each finding, in order (the first step that decides wins):
//! 1. Severity: `unknown` becomes `unknown_severity`; the first matching rule's `severity`, if
//!    it sets one, replaces it.
//! 2. Tool suppression: with `trust_tool_suppressions` (default), a finding the scanner
//!    suppressed is `suppressed`.
//! 3. Waivers: the first waiver in force whose conditions match makes it `waived`. Expired
//!    waivers are skipped (and reported); every matching waiver counts as used.
//! 4. Rules: the first `[[rule]]` (then ZAP rules-file line) whose conditions all match and
//!    that sets an `action` decides `fail`/`warn`/`ignored`. Only the first matching rule is
//!    consulted: a rule with only `severity` leaves the decision to the steps below.
//! 5. Vulnerability status: a Trivy status in `ignore_statuses`, or no fixed version with
//!    `ignore_unfixed`, makes it `ignored`.
//! 6. Thresholds: if `max` names the finding's severity, all findings that reach this step at
//!    that severity fail when there are more than the maximum, else warn; otherwise `fail_on`
//!    decides.
//!
//!
//! Two facts from outside the policy file shape steps 1 and 6 (both come in through
//! [`EvalContext`], so evaluation stays pure):
//! - **Correlation** (`crate::correlate`): every finding of a correlated group is decided at the
//!   group's highest severity (each keeps its own `severity`), and a group counts once against
//!   `max`.
//! - **Baseline**: a finding whose fingerprint is in the baseline — or that is correlated with
//!   one that is — is `existing` since the earliest `first_seen`. An existing finding is
//!   *exempt* when `sla` gives its severity a grace period that has not ended yet
//!   (`first_seen` + N days is after today), or, for severities without one, when
//!   `gate = "new"`. An exempt finding that would `fail` (by a rule or a threshold) is `warn`
//!   instead, with a reason that says so, and exempt findings are not counted against `max`:
//!   budgets measure what can block.
//!
//! Step 6 needs every finding, so evaluation takes them all at once. It stays pure: the date,
//! the reports present, the baseline and the correlation come in through [`EvalContext`].

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};

use foldhash::HashSetExt;

use jiff::civil::Date;
use rayon::prelude::*;

use super::matcher::Subject;
use super::raw::Action;
use super::waiver::{WaiverState, WaiverUse};
use super::{Decision, Gate, Outcome, Policy};
use crate::baseline::{Baseline, BaselineStatus};
use crate::ingest::Format;
use crate::model::{FindingKind, Scanner, Severity, Text};

/// Everything besides the policy and the findings that a decision may depend on.
#[derive(Debug, Clone, Copy)]
pub struct EvalContext<'a> {
    /// The date waivers are checked against (UTC, injected: `SCANGATE_TODAY` in tests).
    pub today: Date,
    /// Every report that parsed, for `require`.
    pub reports: &'a [ReportSeen<'a>],
    /// The baseline given with `--baseline`, if any.
    pub baseline: Option<&'a Baseline>,
    /// The correlation group of each subject, by the subject's index; empty when nothing is
    /// correlated (see `crate::correlate`).
    pub groups: &'a [Option<usize>],
}

impl<'a> EvalContext<'a> {
    /// A context with no baseline and no correlation.
    pub fn new(today: Date, reports: &'a [ReportSeen<'a>]) -> EvalContext<'a> {
        EvalContext {
            today,
            reports,
            baseline: None,
            groups: &[],
        }
    }
}

/// A report that parsed: its format and the tools that wrote it.
#[derive(Debug, Clone, Copy)]
pub struct ReportSeen<'a> {
    pub format: Format,
    pub scanners: &'a [Scanner],
}

/// The result of evaluating a run.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// One decision per subject, in the subjects' order.
    pub decisions: Vec<Decision>,
    /// One entry per policy waiver, in the policy's order.
    pub waivers: Vec<WaiverUse>,
    /// Names in `require` with no parsed report.
    pub missing_reports: Vec<String>,
    /// Each subject's standing against the baseline (correlation-aware), in the subjects'
    /// order; empty without a baseline.
    pub baseline: Vec<BaselineStatus>,
}

/// Why an existing finding may not block yet.
#[derive(Debug, Clone, Copy)]
struct Exemption {
    first_seen: Date,
    /// When its `sla` grace period ends (`None`: `gate = "new"`, no grace period for its
    /// severity, so never while it stays in the baseline).
    until: Option<(Date, u32)>,
}

/// Decides every finding's outcome. Pure: same policy, context and findings, same result.
pub fn evaluate(policy: &Policy, ctx: &EvalContext<'_>, subjects: &[Subject<'_>]) -> Evaluation {
    let mut waivers: Vec<WaiverUse> = policy
        .waivers
        .iter()
        .map(|_| WaiverUse {
            state: WaiverState::Stale,
            matched: 0,
            applied: 0,
        })
        .collect();
    // Each finding is decided on its own, on every core. Waiver matches are counted as they
    // happen rather than kept per finding: with 10^5-10^6 findings a list beside each was
    // the largest allocation of the run after the findings (issue 7).
    let matched: Vec<AtomicU64> = policy.waivers.iter().map(|_| AtomicU64::new(0)).collect();
    let mut pre: Vec<Pre> = subjects
        .par_iter()
        .map_init(Vec::new, |scratch, s| {
            scratch.clear();
            let p = pre_decide(policy, ctx, s, scratch, &mut Trace::off());
            for &w in scratch.iter() {
                matched[w].fetch_add(1, Ordering::Relaxed);
            }
            p
        })
        .collect();
    for (use_, count) in waivers.iter_mut().zip(matched) {
        use_.matched = count.into_inner();
    }
    for w in pre.iter().filter_map(|p| p.waiver) {
        waivers[w as usize].applied += 1;
    }
    for (use_, w) in waivers.iter_mut().zip(&policy.waivers) {
        use_.state = if w.is_expired(ctx.today) {
            WaiverState::Expired
        } else if use_.matched == 0 {
            WaiverState::Stale
        } else {
            WaiverState::Used
        };
    }

    let group_of = |i: usize| ctx.groups.get(i).copied().flatten();

    // Correlation: every member decides at its group's highest severity.
    let mut top: BTreeMap<usize, Severity> = BTreeMap::new();
    for (i, p) in pre.iter().enumerate() {
        if let Some(g) = group_of(i) {
            let t = top.entry(g).or_insert(p.severity);
            *t = (*t).max(p.severity);
        }
    }
    for (i, p) in pre.iter_mut().enumerate() {
        if let Some(&t) = group_of(i).and_then(|g| top.get(&g))
            && p.severity < t
        {
            if p.outcome.is_none() {
                let raised = format!(
                    " (raised from {}: the highest severity in its correlation group)",
                    p.severity
                );
                p.words_mut().reason.push_str(&raised);
            }
            p.severity = t;
        }
    }

    // Baseline: new or existing (a correlated group is existing if any member is, since the
    // earliest date), then which existing findings may not block yet.
    let statuses = baseline_statuses(ctx, subjects);
    // Worked out where needed rather than kept per finding (issue 7: one entry per finding
    // until the end; without a baseline there are none).
    let exemption_of = |i: usize, p: &Pre| {
        statuses
            .get(i)
            .and_then(|s| exemption(policy, *s, p.severity, ctx.today))
    };

    // Thresholds: count what reached step 6, per effective severity, for `max`; a correlated
    // group counts once. `gated` leaves out exempt findings (they cannot block); `all` is what
    // an exempt finding's own "would fail" reason is computed against.
    // Counted in arrays indexed by severity: a map entry per finding was most of this loop.
    let mut all: SeverityCounts = [0; Severity::ALL_DESC.len()];
    let mut gated: SeverityCounts = [0; Severity::ALL_DESC.len()];
    let mut counted: HashSet<usize> = HashSet::new();
    for (i, p) in pre.iter().enumerate() {
        if p.outcome.is_some() {
            continue;
        }
        if let Some(g) = group_of(i)
            && !counted.insert(g)
        {
            continue;
        }
        all[p.severity as usize] += 1;
        if exemption_of(i, p).is_none() {
            gated[p.severity as usize] += 1;
        }
    }
    // Finished on every core (issue 7: ~50 ms on one at 10^6 findings). Each task shares its
    // own copy of each reason: sharing one across cores would have them all update its count.
    let decisions = pre
        .into_par_iter()
        .enumerate()
        .with_min_len(FINISH_CHUNK)
        .map_init(
            || (Reasons::new(), ThresholdCache::default()),
            |(reasons, thresholds), (i, p)| {
                let exempt = exemption_of(i, &p);
                let counts = if exempt.is_some() { &all } else { &gated };
                let mut d = finish(policy, p, (counts, exempt.is_some()), reasons, thresholds);
                let status = statuses.get(i).copied();
                apply_baseline(policy, &mut d, status, exempt, ctx.today, reasons);
                d
            },
        )
        .collect();
    Evaluation {
        decisions,
        waivers,
        missing_reports: unmet_requirements(policy, ctx.reports),
        baseline: statuses,
    }
}

/// Findings counted per severity, indexed by `Severity as usize`.
type SeverityCounts = [u64; Severity::ALL_DESC.len()];

/// Findings finished per task at least: each task starts its own reasons and threshold cache.
const FINISH_CHUNK: usize = 1 << 14;

/// One shared copy of each distinct reason: many findings are decided for the same one (every
/// finding of a severity by its threshold), and each decision is kept until the end of the run.
struct Reasons(foldhash::HashSet<Text>);

impl Reasons {
    fn new() -> Reasons {
        Reasons(foldhash::HashSet::new())
    }

    fn share(&mut self, reason: String) -> Text {
        if let Some(t) = self.0.get(reason.as_str()) {
            return Text::clone(t);
        }
        let t = Text::from(reason);
        self.0.insert(Text::clone(&t));
        t
    }
}

/// Each subject's baseline status; a correlated group shares its members' earliest
/// `first_seen`. Empty without a baseline.
fn baseline_statuses(ctx: &EvalContext<'_>, subjects: &[Subject<'_>]) -> Vec<BaselineStatus> {
    let Some(baseline) = ctx.baseline else {
        return Vec::new();
    };
    let mut statuses: Vec<BaselineStatus> = subjects
        .iter()
        .map(|s| baseline.status(&s.finding.fingerprint))
        .collect();
    let mut earliest: BTreeMap<usize, Date> = BTreeMap::new();
    for (i, s) in statuses.iter().enumerate() {
        if let (Some(g), Some(d)) = (ctx.groups.get(i).copied().flatten(), s.first_seen()) {
            let e = earliest.entry(g).or_insert(d);
            *e = (*e).min(d);
        }
    }
    for (i, s) in statuses.iter_mut().enumerate() {
        if let Some(&first_seen) = ctx
            .groups
            .get(i)
            .copied()
            .flatten()
            .and_then(|g| earliest.get(&g))
        {
            *s = BaselineStatus::Existing { first_seen };
        }
    }
    statuses
}

/// Whether an existing finding at `severity` may not block yet (see the module docs).
fn exemption(
    policy: &Policy,
    status: BaselineStatus,
    severity: Severity,
    today: Date,
) -> Option<Exemption> {
    let first_seen = status.first_seen()?;
    match policy.sla.get(&severity) {
        Some(&days) => {
            // Past the end of the calendar, the period never ends.
            let Ok(until) = first_seen.checked_add(jiff::Span::new().days(i64::from(days))) else {
                return Some(Exemption {
                    first_seen,
                    until: None,
                });
            };
            (today < until).then_some(Exemption {
                first_seen,
                until: Some((until, days)),
            })
        }
        None => (policy.gate == Gate::New).then_some(Exemption {
            first_seen,
            until: None,
        }),
    }
}

/// Turns an exempt finding's `fail` into `warn`, and says so; notes an ended grace period.
fn apply_baseline(
    policy: &Policy,
    d: &mut Decision,
    status: Option<BaselineStatus>,
    exempt: Option<Exemption>,
    today: Date,
    reasons: &mut Reasons,
) {
    if d.outcome != Outcome::Fail {
        return;
    }
    let severity = d.effective_severity;
    match exempt {
        Some(Exemption {
            first_seen,
            until: Some((until, days)),
        }) => {
            d.outcome = Outcome::Warn;
            d.reason = reasons.share(format!(
                "{}; not blocking until {until}: in the baseline since {first_seen}, within \
                 sla.{severity} = {days}d",
                d.reason
            ));
        }
        Some(Exemption {
            first_seen,
            until: None,
        }) => {
            d.outcome = Outcome::Warn;
            d.reason = reasons.share(format!(
                "{}; not blocking: in the baseline since {first_seen} and gate = \"{}\"",
                d.reason, policy.gate
            ));
        }
        None => {
            if let (Some(first_seen), Some(&days)) = (
                status.and_then(BaselineStatus::first_seen),
                policy.sla.get(&severity),
            ) && let Ok(until) = first_seen.checked_add(jiff::Span::new().days(i64::from(days)))
                && until <= today
            {
                d.reason = reasons.share(format!(
                    "{}; in the baseline since {first_seen}, but its sla.{severity} = {days}d \
                     grace period ended on {until}",
                    d.reason
                ));
            }
        }
    }
}

/// The names in `require` that no parsed report satisfies. A name matches a report whose
/// format has that name (`trivy`, `zap`, `sarif`) or a tool in it of that name
/// (case-insensitive), so `trivy` is also satisfied by Trivy's SARIF output.
pub fn unmet_requirements(policy: &Policy, reports: &[ReportSeen<'_>]) -> Vec<String> {
    policy
        .require
        .iter()
        .filter(|name| {
            !reports.iter().any(|r| {
                r.format.as_str().eq_ignore_ascii_case(name)
                    || r.scanners
                        .iter()
                        .any(|s| s.name.trim().eq_ignore_ascii_case(name))
            })
        })
        .cloned()
        .collect()
}

/// The decision path for one finding, one line per step, ending with the decision already
/// made by [`evaluate`] (which alone knows the counts behind a `max` threshold).
pub fn explain(
    policy: &Policy,
    ctx: &EvalContext<'_>,
    subject: &Subject<'_>,
    decision: &Decision,
) -> Vec<String> {
    let mut trace = Trace::on();
    let f = subject.finding;
    trace.say(|| {
        format!(
            "finding: {} {} `{}` ({} report), severity {} ({})",
            f.scanner.name, f.kind, f.rule_id, subject.format, f.severity, f.severity_source
        )
    });
    let _ = pre_decide(policy, ctx, subject, &mut Vec::new(), &mut trace);
    let mut lines = trace.lines.unwrap_or_default();
    if let Some(b) = ctx.baseline {
        lines.push(match b.status(&f.fingerprint) {
            BaselineStatus::Existing { first_seen } => format!(
                "baseline: in {} since {first_seen} (gate = \"{}\"{})",
                b.path,
                policy.gate,
                if policy.sla.is_empty() {
                    String::new()
                } else {
                    let sla: Vec<String> = policy
                        .sla
                        .iter()
                        .rev()
                        .map(|(s, d)| format!("{s} = {d}d"))
                        .collect();
                    format!("; sla {}", sla.join(", "))
                }
            ),
            BaselineStatus::New => format!("baseline: not in {} (new)", b.path),
        });
    }
    lines.push(format!(
        "outcome: {} (severity {}): {}",
        decision.outcome, decision.effective_severity, decision.reason
    ));
    lines
}

/// Step-by-step notes, only collected for `--explain` (evaluation of 10^5 findings should not
/// build strings nobody reads).
struct Trace {
    lines: Option<Vec<String>>,
}

impl Trace {
    fn off() -> Trace {
        Trace { lines: None }
    }
    fn on() -> Trace {
        Trace {
            lines: Some(Vec::new()),
        }
    }
    fn say(&mut self, line: impl FnOnce() -> String) {
        if let Some(lines) = &mut self.lines {
            lines.push(line());
        }
    }
    fn enabled(&self) -> bool {
        self.lines.is_some()
    }
}

/// The per-finding part of a decision: final, or left to the thresholds (`outcome: None`).
/// One is held for every finding until all are decided, so it is kept small (issue 7): most
/// findings reach the thresholds with no words of their own.
struct Pre {
    outcome: Option<Outcome>,
    severity: Severity,
    rule: Option<u32>,
    waiver: Option<u32>,
    /// `None` when both are empty.
    words: Option<Box<PreWords>>,
}

#[derive(Default)]
struct PreWords {
    /// The reason for a final outcome, or the severity note for the threshold step.
    reason: String,
    /// Appended to the threshold step's reason.
    suffix: String,
}

impl Pre {
    fn new(
        outcome: Option<Outcome>,
        severity: Severity,
        rule: Option<usize>,
        waiver: Option<usize>,
        reason: String,
        suffix: String,
    ) -> Pre {
        // Policies hold a handful of rules and waivers: an index always fits.
        let small = |i: Option<usize>| i.and_then(|i| u32::try_from(i).ok());
        Pre {
            outcome,
            severity,
            rule: small(rule),
            waiver: small(waiver),
            words: (!reason.is_empty() || !suffix.is_empty())
                .then(|| Box::new(PreWords { reason, suffix })),
        }
    }

    fn words_mut(&mut self) -> &mut PreWords {
        self.words.get_or_insert_with(Default::default)
    }
}

/// Explain lists every rule and waiver with why it did not match, up to this many.
const EXPLAIN_LIST_LIMIT: usize = 20;

fn pre_decide(
    policy: &Policy,
    ctx: &EvalContext<'_>,
    subject: &Subject<'_>,
    matched_waivers: &mut Vec<usize>,
    trace: &mut Trace,
) -> Pre {
    let f = subject.finding;

    // 1. Severity.
    let mut severity = policy.effective_severity(f.severity);
    let mut note = String::new();
    if f.severity == Severity::Unknown {
        note = format!(" (unknown severity treated as {severity})");
        trace.say(|| format!("severity: unknown → {severity} (unknown_severity)"));
    }
    let rule = first_matching_rule(policy, subject, trace);
    if let Some(i) = rule {
        let r = &policy.rules[i];
        if let Some(s) = r.severity {
            note = format!(" (set by {})", r.label);
            severity = s;
            trace.say(|| format!("severity: {} sets it to {s}", r.label));
        }
    }
    // Said after any decision this finding gets once its tool suppression was not trusted.
    let mut suffix = String::new();
    let pre = |outcome, reason: String, waiver, suffix: &str| {
        Pre::new(
            Some(outcome),
            severity,
            rule,
            waiver,
            format!("{reason}{suffix}"),
            String::new(),
        )
    };

    // 2. Tool suppression.
    if let Some(s) = &f.suppression {
        if policy.trust_tool_suppressions {
            // Waivers still see the finding: one written for it matched something and is not
            // stale (it becomes needed again if the tool stops suppressing).
            matched_waivers.extend(
                policy
                    .waivers
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| w.conditions.matches(subject))
                    .map(|(i, _)| i),
            );
            trace.say(|| format!("tool suppression: {} (trusted)", s.kind));
            return pre(
                Outcome::Suppressed,
                format!("suppressed by the scanner: {}", s.kind),
                None,
                "",
            );
        }
        trace.say(|| {
            format!(
                "tool suppression: {} — not trusted (trust_tool_suppressions = false)",
                s.kind
            )
        });
        suffix = format!(
            "; the scanner's suppression ({}) is not trusted (trust_tool_suppressions = false)",
            s.kind
        );
    } else {
        trace.say(|| "tool suppression: none".to_owned());
    }

    // 3. Waivers.
    let mut applied = None;
    let list_all = policy.waivers.len() <= EXPLAIN_LIST_LIMIT;
    for (i, w) in policy.waivers.iter().enumerate() {
        match w.conditions.mismatch(subject) {
            Some(key) => {
                if list_all {
                    trace.say(|| format!("{w}: does not match ({key})"));
                }
            }
            None => {
                matched_waivers.push(i);
                if w.is_expired(ctx.today) {
                    trace.say(|| {
                        format!(
                            "{w}: matches, but expired on {} — no longer applies",
                            w.expires.map(|d| d.to_string()).unwrap_or_default()
                        )
                    });
                } else if applied.is_none() {
                    trace.say(|| format!("{w}: matches and applies"));
                    applied = Some(i);
                } else {
                    trace.say(|| format!("{w}: matches (an earlier waiver applies)"));
                }
            }
        }
    }
    if policy.waivers.is_empty() {
        trace.say(|| "waivers: none in the policy".to_owned());
    } else if !list_all && applied.is_none() && trace.enabled() {
        trace.say(|| format!("waivers: none of {} applies", policy.waivers.len()));
    }
    if let Some(i) = applied {
        let w = &policy.waivers[i];
        let until = match w.expires {
            Some(d) => format!("until {d}"),
            None => "permanently".to_owned(),
        };
        let owner = w
            .owner
            .as_ref()
            .map(|o| format!(", owner {o}"))
            .unwrap_or_default();
        return pre(
            Outcome::Waived,
            format!("waived by {w} {until}{owner}: {}", w.reason),
            Some(i),
            &suffix,
        );
    }

    // 4. Rule action.
    if let Some(i) = rule {
        let r = &policy.rules[i];
        if let Some(action) = r.action {
            let why = r
                .reason
                .as_ref()
                .map(|s| format!(": {s}"))
                .unwrap_or_default();
            let outcome = match action {
                Action::Fail => Outcome::Fail,
                Action::Warn => Outcome::Warn,
                Action::Ignore => Outcome::Ignored,
            };
            trace.say(|| format!("rule action: {action} ({})", r.label));
            return pre(
                outcome,
                format!("{} says {action}{why} (severity {severity}{note})", r.label),
                None,
                &suffix,
            );
        }
    }

    // 5. Vulnerability status.
    if f.kind == FindingKind::Vulnerability {
        if let Some(status) = f
            .extra
            .status()
            .filter(|s| policy.ignore_statuses.iter().any(|i| i == s))
        {
            trace.say(|| format!("status: {status} is in ignore_statuses"));
            return pre(
                Outcome::Ignored,
                format!("vulnerability status `{status}` is in ignore_statuses"),
                None,
                &suffix,
            );
        }
        let fixed = f
            .fix
            .as_ref()
            .and_then(|x| x.fixed_version.as_deref())
            .is_some_and(|v| !v.trim().is_empty());
        if policy.ignore_unfixed && !fixed {
            trace.say(|| "fix: no fixed version, and ignore_unfixed = true".to_owned());
            return pre(
                Outcome::Ignored,
                "no fixed version is available (ignore_unfixed = true)".to_owned(),
                None,
                &suffix,
            );
        }
        trace.say(|| {
            format!(
                "status: {}; fixed version: {}",
                f.extra.status().unwrap_or("none given"),
                if fixed { "available" } else { "none" }
            )
        });
    }

    trace.say(|| format!("thresholds decide at severity {severity}"));
    Pre::new(None, severity, rule, None, note, suffix)
}

fn first_matching_rule(policy: &Policy, subject: &Subject<'_>, trace: &mut Trace) -> Option<usize> {
    let list_all = policy.rules.len() <= EXPLAIN_LIST_LIMIT;
    for (i, r) in policy.rules.iter().enumerate() {
        match r.conditions.mismatch(subject) {
            None => {
                trace.say(|| format!("{}: matches (first match applies)", r.label));
                return Some(i);
            }
            Some(key) => {
                if list_all {
                    trace.say(|| format!("{}: does not match ({key})", r.label));
                }
            }
        }
    }
    if policy.rules.is_empty() {
        trace.say(|| "rules: none in the policy".to_owned());
    } else if !list_all {
        trace.say(|| format!("rules: none of {} matches", policy.rules.len()));
    }
    None
}

/// Threshold decisions of findings without words of their own, by severity and by the counts
/// they are measured against: the same for all such findings, so made once (the reason was
/// formatted and looked up per finding: ~40 ms for 300k findings, on one thread).
/// The key's flag says which counts: those with exempt findings (`true`) or without.
type ThresholdCache = foldhash::HashMap<(Severity, bool), (Outcome, Text)>;

fn finish(
    policy: &Policy,
    p: Pre,
    (counts, with_exempt): (&SeverityCounts, bool),
    reasons: &mut Reasons,
    cache: &mut ThresholdCache,
) -> Decision {
    let Pre {
        outcome,
        severity,
        rule,
        waiver,
        words,
    } = p;
    let key = (severity, with_exempt);
    if outcome.is_none()
        && words.is_none()
        && let Some((outcome, reason)) = cache.get(&key)
    {
        return Decision {
            outcome: *outcome,
            effective_severity: severity,
            reason: Text::clone(reason),
            rule,
            waiver: None,
        };
    }
    let plain = words.is_none();
    let PreWords { reason, suffix } = words.map(|w| *w).unwrap_or_default();
    if let Some(outcome) = outcome {
        return Decision {
            outcome,
            effective_severity: severity,
            reason: reasons.share(reason),
            rule,
            waiver,
        };
    }
    let note = reason;
    let (outcome, reason) = if let Some(&limit) = policy.max.get(&severity) {
        let n = counts[severity as usize];
        let plural = if n == 1 { "" } else { "s" };
        if n > limit {
            (
                Outcome::Fail,
                format!("{n} {severity} finding{plural}{note} exceed max.{severity} = {limit}"),
            )
        } else {
            (
                Outcome::Warn,
                format!("{n} {severity} finding{plural}{note} within max.{severity} = {limit}"),
            )
        }
    } else if severity >= policy.fail_on {
        (
            Outcome::Fail,
            format!(
                "severity {severity}{note} is at or above fail_on = {}",
                policy.fail_on
            ),
        )
    } else {
        (
            Outcome::Warn,
            format!(
                "severity {severity}{note} is below fail_on = {}",
                policy.fail_on
            ),
        )
    };
    let reason = reasons.share(format!("{reason}{suffix}"));
    if plain {
        cache.insert(key, (outcome, Text::clone(&reason)));
    }
    Decision {
        outcome,
        effective_severity: severity,
        reason,
        rule,
        waiver: None,
    }
}
