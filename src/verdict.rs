//! The gate's result: every finding with its decision, sorted, plus per-input facts and the
//! summary counts that every reporter renders. Built once; reporters only read it.
//!
//! With a baseline, each finding carries its standing (`new`/`existing`) and the verdict lists
//! the baseline entries that are gone (`fixed`, only for scanners with a report in the run).
//! Correlated findings (`crate::correlate`) stay separate entries that share a group; counts of
//! *problems* ([`Verdict::problems`], [`Verdict::problem_count`]) take each group once, at its
//! highest severity and most blocking outcome, and every other finding once.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use foldhash::{HashMap, HashMapExt};
use jiff::civil::Date;
use rayon::prelude::*;

use serde::Serialize;

use crate::baseline::{self, Baseline, BaselineStatus};
use crate::correlate;
use crate::exit::ExitStatus;
use crate::ingest::{Format, Input, InputError, ReportStats};
use crate::model::{FileLocation, Finding, Fingerprint, Scanner, Severity};
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
    /// Boxed: the verdict sorts and moves findings, and a `Finding` is several hundred bytes.
    pub finding: Box<Finding>,
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
        // Counted in input order, before the sort: the findings are then in the order the
        // readers allocated them, where the sorted order reaches them at random (issue 7).
        let summary = summarize(&parts, &evaluation.decisions);
        let per_finding = PerFinding {
            decisions: evaluation.decisions,
            baseline: evaluation.baseline,
            group_of: correlation.group_of,
        };
        let mut findings = pair_in_sorted_order(parts, per_finding);
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

/// What the policy and the correlation said about each finding, in input order (one entry per
/// finding; `baseline` is empty without a baseline).
struct PerFinding {
    decisions: Vec<Decision>,
    baseline: Vec<BaselineStatus>,
    group_of: Vec<Option<usize>>,
}

/// Moves each finding next to its decision, baseline standing and group, in the order of
/// [`sorted_order`]. The order is worked out first, over the findings and decisions where they
/// are, so that each finding is moved once, straight into its place: pairing in input order
/// and then permuting the paired findings swapped two random 72-byte entries per step (issue
/// 7: 245 ms of serial work for 1.2M findings). Findings come boxed from the readers, so this
/// moves pointers and never holds a second copy of them.
fn pair_in_sorted_order(
    parts: Vec<(Format, Vec<Box<Finding>>)>,
    per: PerFinding,
) -> Vec<Evaluated> {
    let total: usize = parts.iter().map(|(_, f)| f.len()).sum();
    debug_assert_eq!(per.decisions.len(), total, "one decision per finding");
    let mut formats = Vec::with_capacity(total);
    let mut slots: Vec<Option<Box<Finding>>> = Vec::with_capacity(total);
    for (format, findings) in parts {
        formats.resize(formats.len() + findings.len(), format);
        slots.extend(findings.into_iter().map(Some));
    }
    let order = sorted_order(&slots, |i| {
        per.decisions
            .get(i)
            .map_or(Severity::Unknown, |d| d.effective_severity)
    });
    let mut decisions: Vec<Option<Decision>> = per.decisions.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(total);
    // Fresh pages for `out` (~80 MB at 10^6 findings): the kernel's faulting and zeroing of
    // them was a third of the loop below, which is one thread. Touched on every core first.
    out.spare_capacity_mut()
        .par_chunks_mut(1 << 12)
        .for_each(|chunk| chunk.fill_with(std::mem::MaybeUninit::zeroed));
    // The order reaches the entries at random: ask for them ahead (at 10^6 findings this loop
    // waited on memory for most of its time, perf annotate, issue 7).
    const AHEAD: usize = 16;
    for (k, &i) in order.iter().enumerate() {
        if let Some(&j) = order.get(k + AHEAD) {
            crate::prefetch::line(slots.as_ptr().wrapping_add(j));
            crate::prefetch::line(decisions.as_ptr().wrapping_add(j));
            crate::prefetch::line(formats.as_ptr().wrapping_add(j));
            crate::prefetch::line(per.baseline.as_ptr().wrapping_add(j));
            crate::prefetch::line(per.group_of.as_ptr().wrapping_add(j));
        }
        // `evaluate` returns exactly one decision per finding.
        if let (Some(finding), Some(decision)) = (
            slots.get_mut(i).and_then(Option::take),
            decisions.get_mut(i).and_then(Option::take),
        ) {
            out.push(Evaluated {
                finding,
                format: formats[i],
                decision,
                baseline: per.baseline.get(i).copied(),
                group: per.group_of.get(i).copied().flatten(),
            });
        }
    }
    out
}

/// What the sort compares, gathered in one small array: comparing the findings themselves
/// touched two ~1 KB structures and their strings at random per comparison (issue 7).
#[derive(Clone, Copy)]
struct SortKey {
    severity: Severity,
    /// Rank of the scanner name among all scanner names (same order as the names).
    scanner: u32,
    /// Rank of the rule id among all rule ids.
    rule: u32,
    /// Where the finding is now (its position in input order follows from it).
    index: u32,
}

/// The order of `slots` (findings in input order, all present): by effective severity
/// (`severity(i)`, most severe first), scanner, rule id, location, fingerprint, input file,
/// then input order, which is what a stable sort on those keys gives.
fn sorted_order(
    slots: &[Option<Box<Finding>>],
    severity: impl Fn(usize) -> Severity + Sync,
) -> Vec<usize> {
    let n = slots.len();
    let finding = |i: usize| slots[i].as_deref();
    let scanners = ranks(slots, |f| f.as_deref().map_or("", |f| &*f.scanner.name));
    let rules = ranks(slots, |f| f.as_deref().map_or("", |f| &*f.rule_id));
    // Keys and the sorts use every core: with one large report this is the serial part of a
    // run after parsing. Indices fit in `u32`: 4 x 10^9 findings would not fit in memory.
    let mut keys: Vec<SortKey> = (0..n)
        .into_par_iter()
        .map(|i| SortKey {
            severity: severity(i),
            scanner: scanners[i],
            rule: rules[i],
            index: i as u32,
        })
        .collect();
    drop((scanners, rules));
    let locations = LocationTexts::of(slots);
    // First by severity, scanner and rule (small integer keys), then each run equal in those
    // by location and the rest, on every core. A run's location texts are few enough to stay
    // in cache while it is sorted; one sort comparing them all reached across the whole text
    // for most comparisons (issue 7: ~30% of the verdict).
    let group = |k: &SortKey| (std::cmp::Reverse(k.severity), k.scanner, k.rule);
    keys.par_sort_unstable_by_key(group);
    let runs: Vec<&mut [SortKey]> = keys
        .chunk_by_mut(|a, b| group(a) == group(b))
        .filter(|run| run.len() > 1)
        .collect();
    // Among equal locations. The index (the input position) makes the order total, so an
    // unstable sort gives the stable result.
    let tiebreak = |a: &SortKey, b: &SortKey| {
        let (ia, ib) = (a.index as usize, b.index as usize);
        match (finding(ia), finding(ib)) {
            (Some(fa), Some(fb)) => fa
                .fingerprint
                .cmp(&fb.fingerprint)
                .then_with(|| fa.input.cmp(&fb.input)),
            _ => std::cmp::Ordering::Equal,
        }
        .then(ia.cmp(&ib))
    };
    runs.into_par_iter()
        .for_each(|run| sort_by_location(run, |i| locations.get(i).as_bytes(), &tiebreak));
    drop(locations);
    keys.into_iter().map(|k| k.index as usize).collect()
}

/// Sorts `run` by the location text of each entry (`text(index)`), in byte order, and entries
/// of equal texts by `tiebreak`: the order of comparing the texts, then `tiebreak`. The texts
/// are compared 8 bytes at a time: each level sorts integer digits (the next 8 bytes of each
/// text, zero-padded, and how many of them there are), and only the entries that tie go on to
/// the next 8 bytes. Comparing the texts themselves loaded two of them from ~60 MB of text per
/// comparison and compared again the prefixes that paths share (issue 7: the largest part of
/// the verdict at 10^6 findings).
fn sort_by_location<'t>(
    run: &mut [SortKey],
    text: impl Fn(usize) -> &'t [u8],
    tiebreak: &(impl Fn(&SortKey, &SortKey) -> std::cmp::Ordering + Sync),
) {
    struct Entry {
        /// The 8 bytes at the level's depth, big-endian (so that integer order is byte order),
        /// zeros past the end of the text.
        bytes: u64,
        /// How many of those 8 bytes the text has: of two texts with equal `bytes`, the one
        /// that ends first is a prefix of the other, so it comes first.
        len: u8,
        key: SortKey,
    }
    let digit = |e: &Entry| (e.bytes, e.len);
    let tail = |e: &Entry, depth: usize| text(e.key.index as usize).get(depth..).unwrap_or(&[]);
    let mut entries: Vec<Entry> = run
        .iter()
        .map(|&key| Entry {
            bytes: 0,
            len: 0,
            key,
        })
        .collect();
    // Ranges of `entries` whose texts are equal before `depth`, still to be ordered.
    let mut pending = vec![(0, entries.len(), 0usize)];
    while let Some((start, end, depth)) = pending.pop() {
        let level = &mut entries[start..end];
        // Texts all equal from here (one location reported many times, or identical long
        // texts): no more levels, whatever their length.
        let first = tail(&level[0], depth);
        if level[1..].iter().all(|e| tail(e, depth) == first) {
            level.sort_unstable_by(|a, b| tiebreak(&a.key, &b.key));
            continue;
        }
        for e in level.iter_mut() {
            let rest = tail(e, depth);
            let n = rest.len().min(8);
            let mut word = [0u8; 8];
            word[..n].copy_from_slice(&rest[..n]);
            e.bytes = u64::from_be_bytes(word);
            e.len = n as u8;
        }
        // One rule may hold most of a report's findings.
        if level.len() > 16 * 1024 {
            level.par_sort_unstable_by_key(digit);
        } else {
            level.sort_unstable_by_key(digit);
        }
        let mut at = start;
        for group in level.chunk_by_mut(|a, b| digit(a) == digit(b)) {
            if group.len() > 1 {
                if group[0].len == 8 {
                    pending.push((at, at + group.len(), depth + 8));
                } else {
                    // The texts end here, at the same place: they are equal.
                    group.sort_unstable_by(|a, b| tiebreak(&a.key, &b.key));
                }
            }
            at += group.len();
        }
    }
    for (slot, entry) in run.iter_mut().zip(entries) {
        *slot = entry.key;
    }
}

/// Every finding's short location (what the sort compares after the rule), made once per
/// finding and written back to back, a chunk of findings per string: a `String` per finding
/// cost ~70 bytes each at the peak of a large run (issue 7: peak memory).
struct LocationTexts {
    chunks: Vec<(String, Vec<usize>)>,
}

impl LocationTexts {
    const CHUNK: usize = 16 * 1024;

    fn of(findings: &[Option<Box<Finding>>]) -> LocationTexts {
        let chunks = findings
            .par_chunks(Self::CHUNK)
            .map(|chunk| {
                let mut text = String::new();
                let mut ends = Vec::with_capacity(chunk.len());
                for (j, f) in chunk.iter().enumerate() {
                    // Each text is behind two boxes (the finding, its location's).
                    if let Some(Some(ahead)) = chunk.get(j + 16) {
                        crate::prefetch::object::<Finding>(ahead);
                    }
                    if let Some(Some(ahead)) = chunk.get(j + 8)
                        && let Some(file) = &ahead.location.file
                    {
                        crate::prefetch::object::<FileLocation>(file);
                    }
                    if let Some(f) = f {
                        f.location.write_short(&mut text);
                    }
                    ends.push(text.len());
                }
                text.shrink_to_fit();
                (text, ends)
            })
            .collect();
        LocationTexts { chunks }
    }

    fn get(&self, i: usize) -> &str {
        let (text, ends) = &self.chunks[i / Self::CHUNK];
        let j = i % Self::CHUNK;
        let start = if j == 0 { 0 } else { ends[j - 1] };
        &text[start..ends[j]]
    }
}

/// For each item, the rank of its value among the distinct values in byte order (equal values,
/// equal rank). One hash lookup per item, on every core: each chunk numbers the values it
/// meets, then only the distinct values are sorted. A value equal to the one before it (the
/// same scanner, finding after finding) skips the lookup.
fn ranks<'a, T: Sync>(items: &'a [T], value: impl Fn(&'a T) -> &'a str + Sync) -> Vec<u32> {
    const CHUNK: usize = 64 * 1024;
    struct Numbered<'a> {
        /// Distinct values in the order first met.
        distinct: Vec<&'a str>,
        /// Per item, the index of its value in `distinct`.
        ids: Vec<u32>,
    }
    let numbered: Vec<Numbered<'a>> = items
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut seen: HashMap<&str, u32> = HashMap::new();
            let mut distinct = Vec::new();
            let mut ids = Vec::with_capacity(chunk.len());
            let mut last: Option<(&str, u32)> = None;
            for item in chunk {
                let v = value(item);
                let id = match last {
                    Some((prev, id)) if std::ptr::eq(prev, v) || prev == v => id,
                    _ => *seen.entry(v).or_insert_with(|| {
                        distinct.push(v);
                        distinct.len() as u32 - 1
                    }),
                };
                last = Some((v, id));
                ids.push(id);
            }
            Numbered { distinct, ids }
        })
        .collect();
    let mut all: Vec<&str> = numbered
        .iter()
        .flat_map(|n| n.distinct.iter().copied())
        .collect();
    all.sort_unstable();
    all.dedup();
    let rank_of: HashMap<&str, u32> = all
        .iter()
        .enumerate()
        .map(|(rank, v)| (*v, rank as u32))
        .collect();
    let mut out = Vec::with_capacity(items.len());
    for n in &numbered {
        let local: Vec<u32> = n.distinct.iter().map(|v| rank_of[v]).collect();
        out.extend(n.ids.iter().map(|&id| local[id as usize]));
    }
    out
}

/// Reorders `items` so that position k holds the element that was at `order[k]` (a
/// permutation). Gathered into a new vector: one random read per element, where following
/// the permutation's cycles in place swapped two random elements per step (issue 7: 245 ms of
/// serial work for 1.2M findings, ~50% of it saved). The old vector is reused as the slots
/// (`Option<T>` of a boxed-pointer type is the same size), so the extra memory is one vector.
#[cfg(test)]
fn permute<T>(items: &mut Vec<T>, order: &[usize]) {
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    out.extend(
        order
            .iter()
            .filter_map(|&i| slots.get_mut(i).and_then(Option::take)),
    );
    *items = out;
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

/// Findings by scanner, severity and outcome, from the findings of each part in input order
/// and their decisions (one per finding, in the same order).
fn summarize(parts: &[(Format, Vec<Box<Finding>>)], decisions: &[Decision]) -> Summary {
    /// Findings counted per task: a million counted on one core was a serial ~20 ms.
    const CHUNK: usize = 1 << 15;
    type Counts<'a> = HashMap<(&'a str, Severity, Outcome), u64>;
    fn merge<'a>(mut into: Counts<'a>, from: Counts<'a>) -> Counts<'a> {
        for (k, n) in from {
            *into.entry(k).or_default() += n;
        }
        into
    }
    // Counted under borrowed names first: a `String` per finding was measurable at 10^6, and
    // so was hashing the name per finding, which a finding of the same scanner as the one
    // before (nearly all of them) skips.
    fn count<'a>(findings: &'a [Box<Finding>], decisions: &[Decision]) -> Counts<'a> {
        let mut counts = Counts::new();
        let mut run: Option<((&str, Severity, Outcome), u64)> = None;
        for (finding, decision) in findings.iter().zip(decisions) {
            let key = (&*finding.scanner.name, finding.severity, decision.outcome);
            match &mut run {
                Some((k, n)) if *k == key => *n += 1,
                _ => {
                    if let Some((k, n)) = run.replace((key, 1)) {
                        *counts.entry(k).or_default() += n;
                    }
                }
            }
        }
        if let Some((k, n)) = run {
            *counts.entry(k).or_default() += n;
        }
        counts
    }
    let mut counts = Counts::new();
    let mut decided = decisions;
    for (_, findings) in parts {
        let (these, rest) = decided.split_at(findings.len().min(decided.len()));
        decided = rest;
        let part = findings
            .par_chunks(CHUNK)
            .zip(these.par_chunks(CHUNK))
            .map(|(f, d)| count(f, d))
            .reduce(Counts::new, merge);
        counts = merge(counts, part);
    }
    let mut summary = Summary::new();
    for ((scanner, severity, outcome), n) in counts {
        *summary
            .entry(scanner.to_owned())
            .or_default()
            .entry(severity)
            .or_default()
            .entry(outcome)
            .or_default() += n;
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

    /// Evaluated findings in the verdict's order, through [`sorted_order`].
    fn sort_findings(v: &mut Vec<Evaluated>) {
        let slots: Vec<Option<Box<Finding>>> = v.iter().map(|e| Some(e.finding.clone())).collect();
        let order = sorted_order(&slots, |i| v[i].decision.effective_severity);
        permute(v, &order);
    }

    fn ids(findings: &[Evaluated]) -> Vec<(String, String, String)> {
        findings
            .iter()
            .map(|e| {
                (
                    e.finding.rule_id.to_string(),
                    e.finding.title.to_string(),
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
            e.finding.title = format!("copy {k}").into();
            all.push(e);
        }
        for shift in 0..all.len() {
            let mut input = all.clone();
            input.rotate_left(shift);
            let mut expected = input.clone();
            reference_sort(&mut expected);

            let mut sorted = input.clone();
            sort_findings(&mut sorted);
            assert_eq!(ids(&sorted), ids(&expected), "shift {shift}");
        }
    }

    #[test]
    fn findings_meet_their_decisions_in_sorted_order() {
        let base = crate::report::fixtures::sample_verdict().findings;
        let (a, b) = base.split_at(base.len() / 2);
        let parts = || {
            vec![
                (Format::Trivy, a.iter().map(|e| e.finding.clone()).collect()),
                (Format::Sarif, b.iter().map(|e| e.finding.clone()).collect()),
            ]
        };
        let decisions: Vec<Decision> = base.iter().map(|e| e.decision.clone()).collect();
        let statuses: Vec<BaselineStatus> = (0..base.len())
            .map(|i| {
                if i % 2 == 0 {
                    BaselineStatus::New
                } else {
                    BaselineStatus::Existing {
                        first_seen: jiff::civil::date(2025, 1, i as i8),
                    }
                }
            })
            .collect();
        let group_of: Vec<Option<usize>> =
            (0..base.len()).map(|i| (i % 3 == 0).then_some(i)).collect();
        let paired = pair_in_sorted_order(
            parts(),
            PerFinding {
                decisions: decisions.clone(),
                baseline: statuses.clone(),
                group_of: group_of.clone(),
            },
        );
        let mut expected = base.clone();
        reference_sort(&mut expected);
        assert_eq!(ids(&paired), ids(&expected));
        for got in &paired {
            let i = base
                .iter()
                .position(|e| e.finding == got.finding)
                .expect("a finding of the input");
            assert_eq!(got.decision.reason, base[i].decision.reason);
            assert_eq!(got.baseline, Some(statuses[i]));
            assert_eq!(got.group, group_of[i]);
            let format = if i < a.len() {
                Format::Trivy
            } else {
                Format::Sarif
            };
            assert_eq!(got.format, format);
        }
        // Without a baseline every standing is `None`.
        let paired = pair_in_sorted_order(
            parts(),
            PerFinding {
                decisions,
                baseline: Vec::new(),
                group_of,
            },
        );
        assert_eq!(paired.len(), base.len());
        assert!(paired.iter().all(|e| e.baseline.is_none()));
    }

    #[test]
    fn location_sort_is_byte_order_then_the_tiebreak() {
        // Texts that share long prefixes, end inside and at the edges of 8-byte digits, hold
        // NUL bytes (a shorter text padded with zeros must still come first) and repeat.
        let mut texts: Vec<Vec<u8>> = Vec::new();
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let alphabet = [b'a', b'b', b'/', 0, 1, 0xC3, 0xA9, b'z'];
        for _ in 0..3000 {
            let prefix_len = [0, 7, 8, 9, 16, 24, 40][next(7) as usize];
            let mut t = vec![b'p'; prefix_len];
            for _ in 0..next(20) {
                t.push(alphabet[next(alphabet.len() as u64) as usize]);
            }
            texts.push(t);
        }
        for i in 0..200 {
            let copy = texts[i * 7].clone();
            texts.push(copy);
            texts.push(vec![b'x'; 100]);
        }
        // Pairs alone in their first 8 bytes, of one length, that differ after them (the
        // tiebreak alone would put the second first).
        for k in 0..50 {
            for last in ["a", "b"] {
                texts.push(format!("q{k:07}{last}").into_bytes());
            }
        }
        texts.push(Vec::new());
        texts.push(vec![0]);
        texts.push(vec![0, 0, 0, 0, 0, 0, 0, 0]);
        texts.push(vec![0; 9]);
        let key = |i: usize| SortKey {
            severity: Severity::High,
            scanner: 0,
            rule: 0,
            index: i as u32,
        };
        // The tiebreak: odd indices first, then by index.
        let tiebreak = |a: &SortKey, b: &SortKey| {
            a.index
                .is_multiple_of(2)
                .cmp(&b.index.is_multiple_of(2))
                .then(a.index.cmp(&b.index))
        };
        let mut run: Vec<SortKey> = (0..texts.len()).map(key).collect();
        sort_by_location(&mut run, |i| &texts[i], &tiebreak);
        let mut expected: Vec<SortKey> = (0..texts.len()).map(key).collect();
        expected.sort_by(|a, b| {
            texts[a.index as usize]
                .cmp(&texts[b.index as usize])
                .then_with(|| tiebreak(a, b))
        });
        let got: Vec<u32> = run.iter().map(|k| k.index).collect();
        let want: Vec<u32> = expected.iter().map(|k| k.index).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn ranks_follow_byte_order() {
        let r = ranks(&["b", "a", "b", "b", "Z", "é"], |s| s);
        assert_eq!(r, [2, 1, 2, 2, 0, 3]);
        // Values met in different chunks rank among all of them.
        let many: Vec<String> = (0..200_000)
            .map(|i| format!("v{:06}", (i * 7919) % 1000))
            .collect();
        let r = ranks(&many, |s| s.as_str());
        for (v, rank) in many.iter().zip(&r) {
            assert_eq!(format!("v{:06}", rank), *v);
        }
    }

    #[test]
    fn permutation_reorders() {
        let mut v = vec!['a', 'b', 'c', 'd'];
        permute(&mut v, &[2, 0, 3, 1]);
        assert_eq!(v, ['c', 'a', 'd', 'b']);
        let mut w = vec![1, 2, 3];
        permute(&mut w, &[0, 1, 2]);
        assert_eq!(w, [1, 2, 3]);
    }
}
