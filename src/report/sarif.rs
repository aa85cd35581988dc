//! The merged SARIF 2.1.0 output, shaped for GitHub code scanning.
//!
//! Spec: <https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/sarif-v2.1.0-errata01-os-complete.html>;
//! GitHub's reading of it: <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>.
//! The document is written with serde-sarif's types and validated in tests against the official
//! OASIS schema (when `../shared/schemas` is present) and the serde-sarif copy vendored in
//! `schemas/sarif-schema-2.1.0.serde-sarif.json` (always). It is streamed: each run's rules
//! are collected first, then its results are built and rendered in parallel a window of 2048 at
//! a time and written in order, each window while the next one renders, so the whole log is
//! never held in memory (only two windows, and its compressed form, at most the size limit,
//! while it is measured).
//!
//! # Decisions
//!
//! - **Runs.** One run per source tool: findings are grouped by (scanner name, version) in one
//!   pass, and every tool of a parsed input gets a run even with no findings, so an upload tells
//!   code scanning that its earlier alerts are fixed. `tool.driver` keeps the tool's own name and
//!   version; `run.conversion` names scangate and the input reports. Runs are sorted by tool
//!   name, then version.
//! - **`automationDetails.id`** is `scangate/<tool-slug>/`: the slug is the lower-cased tool
//!   name with every run of other characters than `a-z0-9` folded to `-` (at most 48 characters;
//!   a longer name keeps 39 and adds 8 hex digits of its SHA-256). The trailing `/` makes the whole
//!   id GitHub's *category*, stable across CI runs. When two runs would get the same id (one tool
//!   in two versions, names that slug alike), the later ones add `-<version-slug>` and then
//!   `-2`, `-3`, … so every id in the file is unique. Pass no `category` to `upload-sarif`: it
//!   only fills runs that have no id.
//! - **security-severity** (rule and result `properties`, a numeric string as GitHub wants) from
//!   the policy's *effective* severity (`Decision::effective_severity`, so `unknown` counts as
//!   the policy says): critical `9.5`, high `8.0`, medium `5.5`, low `2.0`, info `0.0`; an
//!   effective severity that is still `unknown` gets `5.5` (never ranked harmless). GitHub buckets
//!   these back to the same names (≥ 9 critical, ≥ 7 high, ≥ 4 medium, > 0 low), as does
//!   [`Severity::from_score`]. A rule gets the highest severity of its results in the run; each
//!   result carries its own as well. Every rule is tagged `security`, without which GitHub
//!   ignores `security-severity`.
//! - **level**: `error` exactly for findings that fail the gate (so a code-scanning check that
//!   fails on errors fails when scangate does); every other finding gets `warning` at medium and
//!   above and `note` at low and info. Level therefore never falls as security-severity rises
//!   within one outcome.
//! - **Rules**: the finding's `rule_id` (`scangate/no-rule-id` when empty), one
//!   `reportingDescriptor` per id per run, referenced by `ruleIndex`. Short description is the
//!   first (most severe) finding's title, cut to 500 characters; full description its
//!   description; help text the fix, solution and references. Tags: `security`, the finding kind,
//!   CWE tags as CodeQL writes them (`external/cwe/cwe-079`), then the scanner's tags — at most
//!   20 (GitHub's limit); the rest go to `properties.scangate.more_tags`.
//! - **Messages** are plain text: the title, then one line each for package, fix, target,
//!   resource, URLs (first 5) and scangate's outcome and reason. Control and bidi characters are
//!   shown as `\u{..}` escapes, and `[`/`]` are backslash-escaped (with the backslashes before
//!   them) so scanner text cannot form a SARIF embedded link (§3.11.6). The raw title and every
//!   other field of the finding are kept in `properties.scangate`, with the JSON report's names;
//!   the description, fix and references are written once on the rule (its full description
//!   and `properties.scangate`, from its first finding) and only by results whose own differ
//!   (a fix or references the rule has and the result lacks are written as `null` / `[]`), so a
//!   rule's help text is not repeated in each of its results.
//! - **Layout**: indented down to the results; each result (and each run's `tool`) is one
//!   line, which keeps large logs a fraction of their fully indented size.
//! - **Locations**: always one `physicalLocation` with a relative URI and `uriBaseId`
//!   `%SRCROOT%`, percent-encoded outside `A-Za-z0-9-._~/!$&'()*+,;=@`. In order:
//!   1. a file location: its path, `./` and `..` resolved; an absolute path inside the base
//!      directory is made relative to it;
//!   2. a Kubernetes resource: `scangate/k8s/<namespace or _cluster>/<Kind>/<name>`;
//!   3. a web alert: `scangate/web/<scheme>/<host[:port]>` of the site (user info dropped;
//!      the finding's identity is site-wide, so the first instance's path is not used);
//!   4. a target that is a relative file path (a lock file, a jar, an IaC file): that path;
//!   5. a package in another target (an image): `scangate/pkg/<target>/<package>`;
//!   6. another target: `scangate/target/<target>`; none at all: the input report's path.
//!
//!   A path that leaves the checkout (absolute elsewhere, or `../`) becomes
//!   `scangate/outside/<path>`. Regions need a `startLine` (the OASIS schema's rule); a region
//!   without one is left out of the SARIF region (it stays in `properties.scangate.location`).
//!   Packages and resources also get a `logicalLocation` (`module` / `resource`).
//! - **partialFingerprints**: `scangate/v1` is scangate's fingerprint. `primaryLocationLineHash`
//!   is computed as `github/codeql-action` `src/fingerprints.ts` does (see [`hash_lines`]) when
//!   the result has a start line and its file exists under [`SarifOptions::base_dir`] (a regular
//!   file, after resolving symlinks still inside the base, at most 64 MiB); otherwise a hash the
//!   scanner supplied is passed on. Other tool fingerprints are kept under their own names.
//! - **baselineState**: with `--baseline`, `new` for findings not in the baseline and
//!   `unchanged` for those in it (or correlated with one); absent without a baseline. Fixed
//!   baseline entries are not written as `absent` results: a result needs a message and a
//!   location the baseline does not keep, and code scanning closes an alert whose result stops
//!   being uploaded anyway. The JSON report lists them (`fixed`). Correlated findings stay
//!   separate results and share `properties.scangate.correlation_id`.
//! - **Suppressions**: `suppressed` (the scanner's own) → kind `inSource` when the scanner said
//!   so, else `external`, status `accepted`, the scanner's justification (or what it said);
//!   `waived` → `external`, `accepted`, the waiver reason; `ignored` → `external`, `accepted`,
//!   the policy's reason. Every finding reaches the SARIF; code scanning shows the suppressed ones
//!   as closed alerts. `fail`/`warn` carry no suppressions.
//! - **GitHub's upload limits** ([`Limits::GITHUB`]): at most 20 runs, 25,000 results per run,
//!   and 10 MB gzipped (checked on the exact bytes written, gzip level 6 as zlib writes it, with
//!   a 5 % margin; measured at level 2 first, which compresses less, so only a log over the
//!   limit at level 2 costs the slower level-6 measure). A file output receives the log while
//!   it is measured and is emptied and written again if it is over the limit; a stream gets it
//!   once it is known to fit.
//!   Over a limit the least severe go first (effective severity, then outcome: fail before warn
//!   before waived/ignored/suppressed): whole runs ranked by their worst finding, then results.
//!   What was dropped is counted per severity in the run's `properties.scangate.dropped` (dropped
//!   runs in the log's `properties.scangate.dropped_runs`) and returned in
//!   [`SarifStats::warnings`] for the caller to print; nothing is dropped silently.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use serde_sarif::sarif as s;
use sha2::{Digest, Sha256};

use crate::baseline::BaselineStatus;
use crate::model::{
    Confidence, CvssScore, Finding, FindingKind, Fingerprint, Fix, Location, Severity,
    SeveritySource, ToolFingerprints, ToolSuppression, VulnId,
};
use crate::policy::Outcome;
use crate::report::Output;
use crate::report::compact::{self, Escapes, Fields, Members, Prerendered, Sorted};
use crate::report::json::{
    KeyOrder, LinesFormatter, PREFETCH_AHEAD, Shown, prefetch_finding, write_file_location,
    write_package_location, write_rendered,
};
use crate::text::truncate;
use crate::verdict::{Evaluated, Verdict};

/// The `$schema` written into the log (the OASIS errata01 schema).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base id every URI is relative to (GitHub resolves it to the checkout).
pub const SRCROOT: &str = "%SRCROOT%";

/// Key of scangate's own fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "scangate/v1";

/// GitHub's `partialFingerprints` key for the line hash.
pub const LINE_HASH_KEY: &str = "primaryLocationLineHash";

const NO_RULE_ID: &str = "scangate/no-rule-id";
const MAX_SHORT_DESCRIPTION: usize = 500;
const MAX_MESSAGE_URLS: usize = 5;
const MAX_SLUG: usize = 48;
/// Files larger than this are not read for line hashes.
const MAX_HASHED_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Upload limits of the consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_runs: usize,
    pub max_results_per_run: usize,
    /// Largest gzip-compressed size of the written document, in bytes.
    pub max_gzip_bytes: u64,
    pub max_tags_per_rule: usize,
}

impl Limits {
    /// GitHub code scanning's documented limits (runs per file, results per run, 10 MB gzipped,
    /// tags per rule); the size keeps a 5 % margin for differences between gzip implementations.
    pub const GITHUB: Limits = Limits {
        max_runs: 20,
        max_results_per_run: 25_000,
        max_gzip_bytes: 9_500_000,
        max_tags_per_rule: 20,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::GITHUB
    }
}

/// Settings for [`render_with`].
#[derive(Debug, Clone, Default)]
pub struct SarifOptions {
    /// The checkout root: absolute paths under it are made relative, and source files under it
    /// are read for `primaryLocationLineHash`. `None` reads no file.
    pub base_dir: Option<PathBuf>,
    pub limits: Limits,
}

impl SarifOptions {
    /// Options for a CLI run: the current directory is the checkout (as in GitHub Actions).
    pub fn for_current_dir() -> SarifOptions {
        SarifOptions {
            base_dir: std::env::current_dir().ok(),
            limits: Limits::GITHUB,
        }
    }
}

/// What the SARIF output holds and what it had to leave out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SarifStats {
    pub runs: usize,
    pub results: usize,
    /// Results given a `primaryLocationLineHash` computed from the source file.
    pub line_hashes: usize,
    pub dropped_runs: usize,
    pub dropped_results: usize,
    /// One line per limit that was hit, for the caller to show on stderr.
    pub warnings: Vec<String>,
}

/// Writes the merged SARIF log without reading any source file (no line hashes computed).
pub fn render(verdict: &Verdict, out: &mut dyn Output) -> std::io::Result<SarifStats> {
    render_with(verdict, &SarifOptions::default(), out)
}

/// Writes the merged SARIF log (indented down to the results, newline-terminated).
pub fn render_with(
    verdict: &Verdict,
    options: &SarifOptions,
    out: &mut dyn Output,
) -> std::io::Result<SarifStats> {
    let findings = &verdict.findings;
    let limits = options.limits;
    let mut plans = plan_runs(verdict);
    let mut stats = SarifStats::default();

    // Limit: runs per file. Keep the runs with the worst findings.
    let dropped_runs = drop_runs(&mut plans, findings, limits.max_runs);
    if !dropped_runs.is_empty() {
        let lost: usize = dropped_runs.iter().map(|d| d.results).sum();
        stats.dropped_runs = dropped_runs.len();
        stats.dropped_results += lost;
        stats.warnings.push(format!(
            "SARIF: {} tool runs exceed GitHub's limit of {} runs per file; left out the {} \
             least severe ({}), with {lost} results",
            plans.len() + dropped_runs.len(),
            limits.max_runs,
            dropped_runs.len(),
            dropped_runs
                .iter()
                .map(|d| d.tool.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    // Limit: results per run. Keep the most severe.
    let mut kept = vec![false; findings.len()];
    for plan in &mut plans {
        let order = priority_order(&plan.members, findings);
        for (rank, &i) in order.iter().enumerate() {
            if rank < limits.max_results_per_run {
                kept[i] = true;
            } else {
                plan.dropped.add(findings[i].decision.effective_severity);
                plan.dropped.over_run_limit += 1;
            }
        }
        if plan.dropped.over_run_limit > 0 {
            stats.dropped_results += plan.dropped.over_run_limit as usize;
            stats.warnings.push(format!(
                "SARIF: run `{}` has {} results, over GitHub's limit of {} per run; left out \
                 the {} least severe ({})",
                plan.automation_id,
                plan.members.len(),
                limits.max_results_per_run,
                plan.dropped.over_run_limit,
                plan.dropped.severity_summary()
            ));
        }
    }

    let base = options.base_dir.as_deref();
    // Where each kept finding goes, decided once for the line hashes and the results.
    let places = place_kept(findings, &kept, base);
    let hashes = line_hashes_for(findings, &kept, &places, base);

    // Limit: compressed size. The log is streamed through deflate to measure it: written to
    // `out` as it goes when `out` can be started over (a file), else only the compressed
    // bytes are kept and inflated into `out` once they fit. Over the limit, `out` starts over,
    // the least severe are shed and the log is streamed again.
    let tee = out.restartable();
    let mut size_dropped = Dropped::default();
    // Measured at gzip level 2 first: twice as fast as the uploader's level 6 (zlib-rs; its
    // level 1 is quicker still but ~50 % larger, which would send typical logs to the second
    // measure), and never smaller, so a log within the limit at level 2 is within it at level
    // 6. Only a log over the limit at level 2 is measured again at level 6 before shedding.
    let mut level = flate2::Compression::new(2);
    loop {
        let log = LogSer {
            schema: SCHEMA_URI,
            properties: scangate_bag(
                &LogProps {
                    version: env!("CARGO_PKG_VERSION"),
                    verdict: verdict.status.as_str(),
                    exit_code: verdict.exit_status().code(),
                    policy: &verdict.policy,
                    inputs: &verdict.inputs,
                    dropped_runs: &dropped_runs,
                },
                None,
            )?,
            runs: RunsSer {
                verdict,
                plans: &plans,
                kept: &kept,
                hashes: &hashes,
                places: &places,
                base,
                limits,
            },
            version: "2.1.0",
        };
        let mut sink = std::io::BufWriter::with_capacity(
            1 << 20,
            SizedSink::new(limits.max_gzip_bytes, level, tee.then_some(&mut *out)),
        );
        write_json(&log, &mut sink)?;
        let sink = sink.into_inner().map_err(|e| e.into_error())?;
        let measured = sink.finish()?;
        if tee && matches!(measured, Measured::Over(_)) {
            out.restart()?;
        }
        let size = match measured {
            Measured::Raw(bytes) => {
                out.write_all(&bytes)?;
                break;
            }
            Measured::Written => break,
            Measured::Deflated(deflated) => {
                // Large reads keep the many small writes of `io::copy` off `out`.
                let mut inflated = flate2::read::DeflateDecoder::new(&deflated[..]);
                let mut chunk = vec![0u8; 1 << 20];
                loop {
                    let n = std::io::Read::read(&mut inflated, &mut chunk)?;
                    if n == 0 {
                        break;
                    }
                    out.write_all(&chunk[..n])?;
                }
                break;
            }
            Measured::Over(_) if level != flate2::Compression::default() => {
                level = flate2::Compression::default();
                continue;
            }
            Measured::Over(size) => size,
        };
        let kept_now: Vec<usize> = (0..findings.len()).filter(|&i| kept[i]).collect();
        if kept_now.is_empty() {
            stats.warnings.push(format!(
                "SARIF: the log is {size} bytes gzipped with no results left, over the limit of \
                 {} bytes",
                limits.max_gzip_bytes
            ));
            write_json(&log, out)?;
            break;
        }
        let ratio = limits.max_gzip_bytes as f64 / size as f64 * 0.9;
        let target = ((kept_now.len() as f64 * ratio) as usize).min(kept_now.len() - 1);
        let order = priority_order(&kept_now, findings);
        for &i in &order[target..] {
            kept[i] = false;
            let plan = plans
                .iter_mut()
                .find(|p| p.members.binary_search(&i).is_ok());
            if let Some(plan) = plan {
                plan.dropped.add(findings[i].decision.effective_severity);
                plan.dropped.over_size_limit += 1;
            }
            size_dropped.add(findings[i].decision.effective_severity);
            size_dropped.over_size_limit += 1;
        }
    }
    if size_dropped.over_size_limit > 0 {
        stats.dropped_results += size_dropped.over_size_limit as usize;
        stats.warnings.push(format!(
            "SARIF: the log is over GitHub's limit of {} bytes gzipped; left out the {} least \
             severe results ({})",
            limits.max_gzip_bytes,
            size_dropped.over_size_limit,
            size_dropped.severity_summary()
        ));
    }
    stats.runs = plans.len();
    stats.results = kept.iter().filter(|k| **k).count();
    stats.line_hashes = (0..findings.len())
        .filter(|&i| kept[i] && hashes[i].is_some())
        .count();
    out.flush()?;
    Ok(stats)
}

// ---------------------------------------------------------------------------------------------
// Runs

/// One SARIF run to be: a tool and the findings it reported.
struct RunPlan<'v> {
    name: &'v str,
    version: Option<&'v str>,
    automation_id: String,
    inputs: BTreeSet<&'v str>,
    /// Indices into `verdict.findings`, ascending (verdict order: most severe first).
    members: Vec<usize>,
    dropped: Dropped,
}

#[derive(Debug, Default)]
struct Dropped {
    over_run_limit: u64,
    over_size_limit: u64,
    by_severity: BTreeMap<Severity, u64>,
}

impl Dropped {
    fn add(&mut self, severity: Severity) {
        *self.by_severity.entry(severity).or_default() += 1;
    }

    fn total(&self) -> u64 {
        self.over_run_limit + self.over_size_limit
    }

    fn severity_summary(&self) -> String {
        Severity::ALL_DESC
            .iter()
            .filter_map(|s| self.by_severity.get(s).map(|n| format!("{n} {s}")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A run left out because of the runs-per-file limit.
#[derive(Debug, Serialize)]
struct DroppedRun {
    tool: String,
    version: Option<String>,
    automation_id: String,
    results: usize,
    by_severity: BTreeMap<Severity, u64>,
}

/// Groups findings by tool in one pass and adds an empty run for every tool of a parsed input.
fn plan_runs(verdict: &Verdict) -> Vec<RunPlan<'_>> {
    let mut by_tool: BTreeMap<(&str, Option<&str>), RunPlan<'_>> = BTreeMap::new();
    for input in verdict.inputs.iter().filter(|i| i.error.is_none()) {
        for scanner in &input.scanners {
            let key = (&*scanner.name, scanner.version.as_deref());
            by_tool
                .entry(key)
                .or_insert_with(|| new_plan(key))
                .inputs
                .insert(&input.path);
        }
    }
    // Findings come sorted by severity, then scanner, and share their scanner and input `Arc`s
    // with the findings of the same input: one from the same scanner and input as the finding
    // before goes to the same plan without a lookup by name.
    let mut previous: Option<(&Finding, &mut RunPlan<'_>)> = None;
    for (i, e) in verdict.findings.iter().enumerate() {
        let f = &e.finding;
        let plan = match previous.take() {
            Some((p, plan))
                if Arc::ptr_eq(&p.scanner, &f.scanner) && Arc::ptr_eq(&p.input, &f.input) =>
            {
                plan
            }
            _ => {
                let key = (&*f.scanner.name, f.scanner.version.as_deref());
                let plan = by_tool.entry(key).or_insert_with(|| new_plan(key));
                plan.inputs.insert(&f.input);
                plan
            }
        };
        plan.members.push(i);
        previous = Some((f, plan));
    }
    let mut plans: Vec<RunPlan<'_>> = by_tool.into_values().collect();
    assign_automation_ids(&mut plans);
    plans
}

fn new_plan<'v>((name, version): (&'v str, Option<&'v str>)) -> RunPlan<'v> {
    RunPlan {
        name,
        version,
        automation_id: String::new(),
        inputs: BTreeSet::new(),
        members: Vec::new(),
        dropped: Dropped::default(),
    }
}

fn assign_automation_ids(plans: &mut [RunPlan<'_>]) {
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut base_count: HashMap<String, usize> = HashMap::new();
    for plan in plans.iter() {
        *base_count.entry(slug(plan.name)).or_default() += 1;
    }
    let mut first_of_base: BTreeSet<String> = BTreeSet::new();
    for plan in plans.iter_mut() {
        let base = slug(plan.name);
        let mut candidate = base.clone();
        // The first run of a slug keeps the plain id, so the common case is version-free.
        if !first_of_base.insert(base.clone()) {
            candidate = format!("{base}-{}", slug(plan.version.unwrap_or("none")));
        }
        let mut id = format!("scangate/{candidate}/");
        let mut n = 2;
        while used.contains(&id) {
            id = format!("scangate/{candidate}-{n}/");
            n += 1;
        }
        used.insert(id.clone());
        plan.automation_id = id;
    }
}

/// Lower-case `a-z0-9` with runs of anything else folded to `-`; long names shortened with a
/// hash so distinct names stay distinct.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    let mut out = if trimmed.is_empty() {
        "tool".to_owned()
    } else {
        trimmed.to_owned()
    };
    if out.len() > MAX_SLUG {
        let digest = Sha256::digest(name.as_bytes());
        let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        out.truncate(MAX_SLUG - 9);
        let head = out.trim_end_matches('-').to_owned();
        out = format!("{head}-{hex}");
    }
    out
}

/// Keeps the `max` runs with the worst findings; returns what was left out.
fn drop_runs(plans: &mut Vec<RunPlan<'_>>, findings: &[Evaluated], max: usize) -> Vec<DroppedRun> {
    if plans.len() <= max {
        return Vec::new();
    }
    let worst = |p: &RunPlan<'_>| {
        let top = p
            .members
            .first()
            .map(|&i| findings[i].decision.effective_severity);
        let fails = p
            .members
            .iter()
            .filter(|&&i| findings[i].decision.outcome == Outcome::Fail)
            .count();
        (Reverse(top), Reverse(fails), Reverse(p.members.len()))
    };
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&i| (worst(&plans[i]), plans[i].name, plans[i].version));
    let keep: BTreeSet<usize> = order.into_iter().take(max).collect();
    let mut dropped = Vec::new();
    let mut index = 0;
    plans.retain(|p| {
        let keep_it = keep.contains(&index);
        index += 1;
        if !keep_it {
            let mut by_severity = BTreeMap::new();
            for &i in &p.members {
                *by_severity
                    .entry(findings[i].decision.effective_severity)
                    .or_default() += 1;
            }
            dropped.push(DroppedRun {
                tool: p.name.to_owned(),
                version: p.version.map(str::to_owned),
                automation_id: p.automation_id.clone(),
                results: p.members.len(),
                by_severity,
            });
        }
        keep_it
    });
    dropped
}

/// `indices` ordered most important first: effective severity, then outcome (fail, warn,
/// waived, ignored, suppressed), then verdict order.
///
/// Sorted as packed integers, keys read once each: comparing the decisions themselves read two
/// of them per comparison (issue 7: a visible serial step of the SARIF output at 10^6
/// findings). The index makes the keys distinct, so an unstable sort gives the stable order.
fn priority_order(indices: &[usize], findings: &[Evaluated]) -> Vec<usize> {
    const INDEX_BITS: u32 = 48;
    let mut keys: Vec<u64> = indices
        .iter()
        .map(|&i| {
            let d = &findings[i].decision;
            // Most severe first: the severity's distance from the top.
            let severity = Severity::Critical as u64 - d.effective_severity as u64;
            (severity << (INDEX_BITS + 8)) | ((d.outcome as u64) << INDEX_BITS) | i as u64
        })
        .collect();
    keys.sort_unstable();
    let index_mask = (1u64 << INDEX_BITS) - 1;
    keys.into_iter()
        .map(|k| (k & index_mask) as usize)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Building the log

/// The log, written field by field in serde-sarif's order; runs, and windows of results, are
/// built while they are written.
#[derive(Serialize)]
struct LogSer<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    properties: s::PropertyBag,
    runs: RunsSer<'a>,
    version: &'static str,
}

/// What a run needs to be written.
struct RunsSer<'a> {
    verdict: &'a Verdict,
    plans: &'a [RunPlan<'a>],
    kept: &'a [bool],
    hashes: &'a [Option<String>],
    /// Indexed like the findings; `Some` for the kept ones.
    places: &'a [Option<Box<Placed>>],
    base: Option<&'a Path>,
    limits: Limits,
}

impl Serialize for RunsSer<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = ser.serialize_seq(Some(self.plans.len()))?;
        for plan in self.plans {
            let run = build_run(self, plan).map_err(S::Error::custom)?;
            seq.serialize_element(&run)?;
        }
        seq.end()
    }
}

/// A run as serde-sarif writes one (fields in its order), with the results streamed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunSer<'a> {
    automation_details: s::RunAutomationDetails,
    conversion: s::Conversion,
    properties: s::PropertyBag,
    results: ResultsSer<'a>,
    tool: ToolSer,
}

/// A run's `tool` as serde-sarif writes an `s::Tool` with a driver that has a name, rules
/// and maybe a version (members in its order), the rules already rendered.
#[derive(Serialize)]
struct ToolSer {
    driver: DriverSer,
}

#[derive(Serialize)]
struct DriverSer {
    name: String,
    rules: RulesSer,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
}

/// Reporting descriptors as compact JSON text, written as they are.
struct RulesSer(Vec<Vec<u8>>);

impl Serialize for RulesSer {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(self.0.iter().map(|r| Prerendered(r)))
    }
}

/// The results of one run, each built when it is written.
struct ResultsSer<'a> {
    runs: &'a RunsSer<'a>,
    /// (finding index, rule index) in run order.
    members: Vec<(usize, usize)>,
    /// The first finding of each rule.
    rule_first: Vec<usize>,
}

impl Serialize for ResultsSer<'_> {
    /// Results are built and rendered in parallel windows, each to its own JSON text (the
    /// bytes the log's serializer would write for it: results are below the indented levels,
    /// so compact), and written in order. Building and rendering results is most of the log's
    /// cost.
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = ser.serialize_seq(Some(self.members.len()))?;
        let findings = &self.runs.verdict.findings;
        let at = |k: usize| self.members.get(k).map(|&(i, _)| &findings[i]);
        // The results array is the fourth level: log, runs, run, results.
        let separator = LinesFormatter::separator(PRETTY_DEPTH, 4);
        write_rendered(&mut seq, self.members.len(), &separator, |k, out| {
            let ahead = |step| at(k + step * PREFETCH_AHEAD);
            prefetch_finding(ahead(1), ahead(2), ahead(3));
            if let Some(&(i, _)) = self.members.get(k + PREFETCH_AHEAD)
                && let Some(placed) = &self.runs.places[i]
            {
                crate::prefetch::line(&**placed);
            }
            let (i, rule_index) = self.members[k];
            self.render_into(i, rule_index, out)
        })?;
        seq.end()
    }
}

impl ResultsSer<'_> {
    /// The result for finding `i` as [`write_json`] writes it at results depth, appended to
    /// `out`.
    fn render_into(&self, i: usize, rule_index: usize, out: &mut Vec<u8>) -> std::io::Result<()> {
        let runs = self.runs;
        let findings = &runs.verdict.findings;
        let e = &findings[i];
        let placed;
        let place = match &runs.places[i] {
            Some(p) => p,
            None => {
                placed = place(e, runs.base);
                &placed
            }
        };
        with_result(
            e,
            rule_index,
            place,
            runs.hashes[i].as_deref(),
            &findings[self.rule_first[rule_index]].finding,
            runs.verdict.group_of(e).map(|g| g.id.as_str()),
            |result| result.render_into(&mut Fields::append_to(out, Escapes::Safe)),
        )
    }
}

#[derive(Serialize)]
struct LogProps<'a> {
    version: &'static str,
    verdict: &'static str,
    exit_code: u8,
    policy: &'a crate::policy::Policy,
    inputs: &'a [crate::verdict::InputSummary],
    #[serde(skip_serializing_if = "<[DroppedRun]>::is_empty")]
    dropped_runs: &'a [DroppedRun],
}

#[derive(Serialize)]
struct RunProps<'a> {
    inputs: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dropped: Option<DroppedProps>,
}

#[derive(Serialize)]
struct DroppedProps {
    results: u64,
    over_results_per_run_limit: u64,
    over_size_limit: u64,
    by_severity: BTreeMap<Severity, u64>,
    reason: &'static str,
}

/// A rule being collected from the results that use it.
struct RuleAcc<'v> {
    id: &'v str,
    /// The first (most severe) finding of the rule.
    first: usize,
    severity: Severity,
    kinds: BTreeSet<FindingKind>,
    cwes: BTreeSet<u32>,
    tags: BTreeSet<&'v str>,
    /// The tag list last added: the readers share one list among a rule's findings, so the
    /// next finding's is usually the same one (no set insertions then).
    last_tags: Option<&'v Arc<[String]>>,
}

fn build_run<'a>(runs: &'a RunsSer<'a>, plan: &RunPlan<'_>) -> std::io::Result<RunSer<'a>> {
    let findings = &runs.verdict.findings;
    let limits = runs.limits;
    let mut rules: Vec<RuleAcc<'_>> = Vec::new();
    let mut rule_index: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    let mut members = Vec::new();
    for &i in plan.members.iter().filter(|&&i| runs.kept[i]) {
        let e = &findings[i];
        let f = &e.finding;
        let id = rule_id(&f.rule_id);
        let index = *rule_index.entry(id).or_insert_with(|| {
            rules.push(RuleAcc {
                id,
                first: i,
                severity: e.decision.effective_severity,
                kinds: BTreeSet::new(),
                cwes: BTreeSet::new(),
                tags: BTreeSet::new(),
                last_tags: None,
            });
            rules.len() - 1
        });
        let rule = &mut rules[index];
        rule.severity = rule.severity.max(e.decision.effective_severity);
        rule.kinds.insert(f.kind);
        rule.cwes.extend(f.cwes.iter().copied());
        if !rule
            .last_tags
            .is_some_and(|last| Arc::ptr_eq(last, &f.extra.tags))
        {
            rule.tags.extend(f.extra.tags.iter().map(String::as_str));
            rule.last_tags = Some(&f.extra.tags);
        }
        members.push((i, index));
    }

    // A Trivy run has a rule per advisory (~15,000 for 25,000 results), each with its help
    // text and property bag: built on every core like the results.
    // Rendered there too (compact, with the log's escapes), so the writer only copies them.
    let descriptors = {
        use rayon::prelude::*;
        rules
            .par_iter()
            .map(|rule| {
                let descriptor = build_rule(rule, &findings[rule.first], limits)?;
                compact::to_vec(&descriptor, Escapes::Safe).map_err(std::io::Error::from)
            })
            .collect::<std::io::Result<Vec<_>>>()?
    };

    let dropped = (plan.dropped.total() > 0).then(|| DroppedProps {
        results: plan.dropped.total(),
        over_results_per_run_limit: plan.dropped.over_run_limit,
        over_size_limit: plan.dropped.over_size_limit,
        by_severity: plan.dropped.by_severity.clone(),
        reason: "GitHub code scanning accepts at most 25,000 results per run and 10 MB \
                 gzipped per file; the least severe were left out",
    });
    let run_props = RunProps {
        inputs: plan.inputs.iter().copied().collect(),
        dropped,
    };

    let converter = s::ToolComponent::builder()
        .name("scangate")
        .version(env!("CARGO_PKG_VERSION"))
        .build();
    let log_files: Vec<s::ArtifactLocation> =
        plan.inputs.iter().map(|p| input_location(p)).collect();
    let conversion = s::Conversion::builder()
        .tool(s::Tool::builder().driver(converter).build())
        .analysis_tool_log_files(log_files)
        .build();

    Ok(RunSer {
        automation_details: s::RunAutomationDetails::builder()
            .id(plan.automation_id.clone())
            .build(),
        conversion,
        properties: scangate_bag(&run_props, None)?,
        results: ResultsSer {
            runs,
            members,
            rule_first: rules.iter().map(|r| r.first).collect(),
        },
        tool: ToolSer {
            driver: DriverSer {
                name: plan.name.to_owned(),
                rules: RulesSer(descriptors),
                version: plan.version.map(str::to_owned),
            },
        },
    })
}

fn rule_id(raw: &str) -> &str {
    if raw.is_empty() { NO_RULE_ID } else { raw }
}

#[derive(Serialize)]
struct RuleProps<'a> {
    kinds: Vec<FindingKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_name: Option<&'a str>,
    /// The first finding's fix and references, given once here: results whose own are the
    /// same leave them out (a rule's help text is otherwise repeated in every result).
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<&'a Fix>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    references: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    more_tags: Vec<String>,
}

fn build_rule(
    rule: &RuleAcc<'_>,
    first: &Evaluated,
    limits: Limits,
) -> std::io::Result<s::ReportingDescriptor> {
    let f = &first.finding;
    let mut tags: Vec<String> = vec!["security".to_owned()];
    tags.extend(rule.kinds.iter().map(|k| k.as_str().to_owned()));
    tags.extend(rule.cwes.iter().map(|c| cwe_tag(*c)));
    for t in &rule.tags {
        if !tags.iter().any(|x| x == t) {
            tags.push((*t).to_owned());
        }
    }
    let more_tags = if tags.len() > limits.max_tags_per_rule {
        tags.split_off(limits.max_tags_per_rule)
    } else {
        Vec::new()
    };
    let props = RuleProps {
        kinds: rule.kinds.iter().copied().collect(),
        rule_name: f.extra.rule_name.as_deref(),
        fix: f.fix.as_ref(),
        references: &f.references,
        more_tags,
    };
    let mut bag = scangate_bag(&props, Some(tags))?;
    bag.additional_properties.insert(
        "security-severity".to_owned(),
        Value::from(security_severity(rule.severity)),
    );

    let title = if f.title.trim().is_empty() {
        rule.id
    } else {
        &f.title
    };
    let mut descriptor = s::ReportingDescriptor::builder()
        .id(rule.id)
        .short_description(multi(truncate(&plain(title), MAX_SHORT_DESCRIPTION)))
        .properties(bag)
        .build();
    descriptor.name = f.extra.rule_name.as_deref().map(str::to_owned);
    if let Some(d) = f.description.as_deref().filter(|d| !d.trim().is_empty()) {
        descriptor.full_description = Some(multi(plain(d)));
    }
    let help = help_text(first);
    if !help.is_empty() {
        descriptor.help = Some(multi(help));
    }
    descriptor.help_uri = f
        .extra
        .help_uri
        .as_deref()
        .filter(|u| is_plain_http_uri(u))
        .map(str::to_owned);
    Ok(descriptor)
}

fn multi(text: String) -> s::MultiformatMessageString {
    s::MultiformatMessageString::builder().text(text).build()
}

/// CodeQL's spelling of a CWE tag.
fn cwe_tag(cwe: u32) -> String {
    format!("external/cwe/cwe-{cwe:03}")
}

/// The score GitHub ranks by, as the numeric string it expects.
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium | Severity::Unknown => "5.5",
        Severity::Low => "2.0",
        Severity::Info => "0.0",
    }
}

/// `error` for findings that fail the gate; otherwise by severity, never above `warning`.
pub fn level(outcome: Outcome, severity: Severity) -> s::ResultLevel {
    match (outcome, severity) {
        (Outcome::Fail, _) => s::ResultLevel::Error,
        (_, Severity::Critical | Severity::High | Severity::Medium | Severity::Unknown) => {
            s::ResultLevel::Warning
        }
        (_, Severity::Low | Severity::Info) => s::ResultLevel::Note,
    }
}

fn help_text(e: &Evaluated) -> String {
    let f = &e.finding;
    let mut lines: Vec<String> = Vec::new();
    if let Some(fix) = &f.fix {
        if let Some(v) = &fix.fixed_version {
            lines.push(format!("Fixed in: {}", plain(v)));
        }
        if let Some(sol) = &fix.solution {
            lines.push(format!("Solution: {}", plain(sol)));
        }
    }
    if !f.references.is_empty() {
        lines.push("References:".to_owned());
        lines.extend(f.references.iter().map(|r| format!("- {}", plain(r))));
    }
    if let Some(u) = &f.extra.help_uri {
        lines.push(format!("Help: {}", plain(u)));
    }
    lines.join("\n")
}

/// Every field of the finding that the SARIF structure does not hold verbatim, named as in the
/// JSON report. Written [`Sorted`]; declared in that order so nothing is moved.
#[derive(Serialize)]
struct ResultProps<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<Confidence>,
    /// Shared with the results of the other reports of the same vulnerability.
    #[serde(skip_serializing_if = "Option::is_none")]
    correlation_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cvss: Option<&'a CvssScore>,
    #[serde(skip_serializing_if = "<[u32]>::is_empty")]
    cwes: &'a [u32],
    /// The description, when it differs from the rule's full description.
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    effective_severity: Severity,
    fingerprint: Fingerprint,
    /// When existing in scangate's baseline: the date it was first seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    first_seen: Option<String>,
    /// The fix, when it differs from the rule's (`properties.scangate.fix` of the rule): null
    /// when the result has none but the rule has one; absent when they are the same.
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<Option<&'a Fix>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<&'a str>,
    input: &'a str,
    kind: FindingKind,
    location: &'a Location,
    outcome: Outcome,
    reason: &'a str,
    /// The references, when they differ from the rule's (`[]` when the result has none);
    /// absent when they are the same.
    #[serde(skip_serializing_if = "Option::is_none")]
    references: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_name: Option<&'a str>,
    severity: Severity,
    severity_source: Shown<&'a SeveritySource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<&'a ToolSuppression>,
    /// The title as the scanner wrote it, when the message had to escape it.
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_baseline_state: Option<&'a str>,
    #[serde(skip_serializing_if = "ToolFingerprints::is_empty")]
    tool_fingerprints: &'a ToolFingerprints,
    #[serde(skip_serializing_if = "<[VulnId]>::is_empty")]
    vuln_ids: &'a [VulnId],
}

/// A result as serde-sarif writes an `s::Result` (members in its alphabetical order, absent
/// ones left out), built from borrowed parts: the SARIF log of a large report is mostly results.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    level: s::ResultLevel,
    locations: [LocationOut<'a>; 1],
    message: MessageOut,
    partial_fingerprints: BTreeMap<&'a str, Cow<'a, str>>,
    properties: ResultBag<'a>,
    rule_id: &'a str,
    rule_index: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SuppressionOut<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LocationOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<[&'a s::LogicalLocation; 1]>,
    physical_location: PhysicalOut<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalOut<'a> {
    artifact_location: ArtifactOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a s::Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactOut<'a> {
    uri: &'a str,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
struct MessageOut {
    text: String,
}

/// A result's property bag: `tags`, then the members in key order, as serde-sarif's
/// `PropertyBag` (tags, then a flattened map) writes it; the `scangate` member's keys sorted
/// as a `serde_json::Value` holds them.
#[derive(Serialize)]
struct ResultBag<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<Cow<'a, str>>>,
    scangate: Sorted<&'a ResultProps<'a>>,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
struct SuppressionOut<'a> {
    justification: String,
    kind: &'static str,
    properties: SuppressionBag<'a>,
    status: &'static str,
}

#[derive(Serialize)]
struct SuppressionBag<'a> {
    scangate: Sorted<SuppressionProps<'a>>,
}

/// Builds the result for `e` and hands it to `write` (which renders it: see
/// [`ResultOut::render_into`]).
fn with_result<R>(
    e: &Evaluated,
    rule_index: usize,
    place: &Placed,
    line_hash: Option<&str>,
    rule_first: &Finding,
    correlation_id: Option<&str>,
    write: impl FnOnce(&ResultOut) -> Result<R, compact::Error>,
) -> std::io::Result<R> {
    let f = &e.finding;
    let d = &e.decision;
    let plain_title = plain(&f.title);
    let description = f
        .description
        .as_deref()
        .filter(|desc| Some(*desc) != rule_first.description.as_deref());
    let props = ResultProps {
        fingerprint: f.fingerprint,
        kind: f.kind,
        outcome: d.outcome,
        reason: &d.reason,
        severity: f.severity,
        effective_severity: d.effective_severity,
        severity_source: Shown(&f.severity_source),
        title: (plain_title != *f.title).then_some(&*f.title),
        description,
        vuln_ids: &f.vuln_ids,
        cwes: &f.cwes,
        confidence: f.confidence,
        location: &f.location,
        fix: (f.fix != rule_first.fix).then_some(f.fix.as_ref()),
        references: (f.references != rule_first.references).then_some(&f.references[..]),
        suppression: f.suppression.as_deref(),
        status: f.extra.status(),
        cvss: f.extra.cvss(),
        tool_fingerprints: &f.extra.tool_fingerprints,
        tool_baseline_state: f.extra.baseline_state(),
        rule_name: f.extra.rule_name.as_deref(),
        help_uri: f.extra.help_uri.as_deref(),
        first_seen: e
            .baseline
            .and_then(|b| b.first_seen())
            .map(|d| d.to_string()),
        correlation_id,
        input: &f.input,
    };
    // A property bag's tags are a set (the OASIS schema's `uniqueItems`); scanners such as
    // CodeQL already tag the CWEs they list.
    let mut tags: Vec<Cow<'_, str>> = f.cwes.iter().map(|c| cwe_tag(*c).into()).collect();
    for t in f.extra.tags.iter() {
        if !tags.iter().any(|have| have == t) {
            tags.push(t.as_str().into());
        }
    }

    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY, Cow::Owned(f.fingerprint.to_hex()));
    if let Some(h) = line_hash {
        fingerprints.insert(LINE_HASH_KEY, Cow::Borrowed(h));
    }
    for tf in f.extra.tool_fingerprints.iter() {
        if let Some((name, value)) = tf.split_once('=')
            && !name.is_empty()
        {
            fingerprints.entry(name).or_insert(Cow::Borrowed(value));
        }
    }

    let result = ResultOut {
        // Against scangate's baseline: `new` or `unchanged` (SARIF §3.27.24). Fixed entries
        // are not written as `absent` results: a result needs a message and a location that
        // the baseline does not keep, and code scanning closes alerts no longer uploaded.
        baseline_state: e.baseline.map(|b| match b {
            BaselineStatus::New => "new",
            BaselineStatus::Existing { .. } => "unchanged",
        }),
        level: level(d.outcome, d.effective_severity),
        locations: [LocationOut {
            logical_locations: place.logical.as_ref().map(|l| [l]),
            physical_location: PhysicalOut {
                artifact_location: ArtifactOut {
                    uri: &place.uri,
                    uri_base_id: SRCROOT,
                },
                region: place.region.as_ref(),
            },
        }],
        message: MessageOut {
            text: message_text(e, &plain_title, place),
        },
        partial_fingerprints: fingerprints,
        properties: ResultBag {
            tags: (!tags.is_empty()).then_some(tags),
            scangate: Sorted(&props),
            security_severity: security_severity(d.effective_severity),
        },
        rule_id: rule_id(&f.rule_id),
        rule_index,
        suppressions: suppressions(e),
    };
    write(&result).map_err(std::io::Error::from)
}

impl ResultOut<'_> {
    /// The result as its derived `Serialize` writes it through [`compact`] (a test holds the
    /// two to the same bytes on every fixture): keys and common members written by hand,
    /// the rare ones through the serializer — the results are most of a large log.
    fn render_into(&self, o: &mut Fields) -> Result<(), compact::Error> {
        let mut members = Members::default();
        if let Some(state) = self.baseline_state {
            members.key(o, "\"baselineState\":");
            o.str(state);
        }
        members.key(o, "\"level\":");
        o.value(&self.level)?;
        let [location] = &self.locations;
        o.raw(",\"locations\":[");
        let mut at = Members::default();
        if let Some(logical) = &location.logical_locations {
            at.key(o, "\"logicalLocations\":");
            o.value(logical)?;
        }
        let physical = &location.physical_location;
        at.key(o, "\"physicalLocation\":{\"artifactLocation\":{\"uri\":");
        o.str(physical.artifact_location.uri);
        o.str_field(",\"uriBaseId\":", physical.artifact_location.uri_base_id);
        o.raw("}");
        if let Some(r) = physical.region {
            o.raw(",\"region\":");
            write_region(o, r)?;
        }
        o.raw("}");
        at.end(o);
        o.raw("],\"message\":{\"text\":");
        o.str(&self.message.text);
        o.raw("},\"partialFingerprints\":");
        let mut fingerprints = Members::default();
        for (name, value) in &self.partial_fingerprints {
            fingerprints.key(o, "");
            o.str(name);
            o.raw(":");
            o.str(value);
        }
        fingerprints.end(o);
        o.raw(",\"properties\":{");
        let bag = &self.properties;
        if let Some(tags) = &bag.tags {
            o.str_array_field("\"tags\":", tags.iter().map(|t| &**t));
            o.raw(",");
        }
        o.raw("\"scangate\":");
        bag.scangate.0.render_into(o)?;
        o.str_field(",\"security-severity\":", bag.security_severity);
        o.str_field("},\"ruleId\":", self.rule_id);
        o.field(",\"ruleIndex\":", &self.rule_index)?;
        if !self.suppressions.is_empty() {
            o.field(",\"suppressions\":", &self.suppressions)?;
        }
        members.end(o);
        Ok(())
    }
}

/// A SARIF region as serde-sarif writes the members [`place`] sets (alphabetical order).
fn write_region(o: &mut Fields, r: &s::Region) -> Result<(), compact::Error> {
    let mut members = Members::default();
    members.values(
        o,
        [
            ("\"endColumn\":", r.end_column),
            ("\"endLine\":", r.end_line),
        ],
    )?;
    members.values(o, [("\"snippet\":", r.snippet.as_ref())])?;
    members.values(
        o,
        [
            ("\"startColumn\":", r.start_column),
            ("\"startLine\":", r.start_line),
        ],
    )?;
    members.end(o);
    Ok(())
}

impl ResultProps<'_> {
    /// The bag as [`Sorted`] writes it: members in key order (the order they are declared
    /// in), and every object in the values sorted too.
    fn render_into(&self, o: &mut Fields) -> Result<(), compact::Error> {
        let mut m = Members::default();
        if let Some(confidence) = &self.confidence {
            m.key(o, "\"confidence\":");
            o.value(confidence)?;
        }
        if let Some(id) = self.correlation_id {
            m.key(o, "\"correlation_id\":");
            o.str(id);
        }
        if let Some(cvss) = self.cvss {
            m.key(o, "\"cvss\":");
            o.value(&Sorted(cvss))?;
        }
        if !self.cwes.is_empty() {
            m.key(o, "\"cwes\":");
            o.value(self.cwes)?;
        }
        if let Some(description) = self.description {
            m.key(o, "\"description\":");
            o.str(description);
        }
        m.key(o, "\"effective_severity\":");
        o.value(&self.effective_severity)?;
        o.field(",\"fingerprint\":", &self.fingerprint)?;
        if let Some(first_seen) = &self.first_seen {
            o.str_field(",\"first_seen\":", first_seen);
        }
        if let Some(fix) = &self.fix {
            o.field(",\"fix\":", &Sorted(fix))?;
        }
        o.optional_str(",\"help_uri\":", self.help_uri);
        o.str_field(",\"input\":", self.input);
        o.field(",\"kind\":", &self.kind)?;
        o.raw(",\"location\":");
        write_location_sorted(o, self.location)?;
        o.field(",\"outcome\":", &self.outcome)?;
        o.str_field(",\"reason\":", self.reason);
        if let Some(references) = self.references {
            o.field(",\"references\":", references)?;
        }
        o.optional_str(",\"rule_name\":", self.rule_name);
        o.field(",\"severity\":", &self.severity)?;
        o.field(",\"severity_source\":", &self.severity_source)?;
        o.optional_str(",\"status\":", self.status);
        if let Some(suppression) = self.suppression {
            o.field(",\"suppression\":", &Sorted(suppression))?;
        }
        o.optional_str(",\"title\":", self.title);
        o.optional_str(",\"tool_baseline_state\":", self.tool_baseline_state);
        if !self.tool_fingerprints.is_empty() {
            o.str_array_field(",\"tool_fingerprints\":", self.tool_fingerprints.iter());
        }
        if !self.vuln_ids.is_empty() {
            o.field(",\"vuln_ids\":", &Sorted(self.vuln_ids))?;
        }
        m.end(o);
        Ok(())
    }
}

/// A finding's location with its members in key order, as [`Sorted`] writes it: the parts of
/// nearly every finding (file, package, target) by hand, the rare ones through the serializer.
fn write_location_sorted(o: &mut Fields, l: &Location) -> Result<(), compact::Error> {
    if l.web.is_some() || l.resource.is_some() {
        return o.value(&Sorted(l));
    }
    let mut members = Members::default();
    if let Some(f) = &l.file {
        members.key(o, "\"file\":");
        write_file_location(o, f, KeyOrder::Sorted)?;
    }
    if let Some(p) = &l.package {
        members.key(o, "\"package\":");
        write_package_location(o, p, KeyOrder::Sorted);
    }
    if let Some(target) = &l.target {
        members.key(o, "\"target\":");
        o.str(target);
    }
    members.end(o);
    Ok(())
}

fn message_text(e: &Evaluated, plain_title: &str, place: &Placed) -> String {
    use std::fmt::Write as _;
    let f = &e.finding;
    // Lines, one `String` for all (`write!` into a `String` cannot fail).
    let mut m = String::with_capacity(plain_title.len() + e.decision.reason.len() + 64);
    if plain_title.trim().is_empty() {
        plain_into(&mut m, rule_id(&f.rule_id));
    } else {
        m.push_str(plain_title);
    }
    let loc = &f.location;
    if let Some(pkg) = &loc.package {
        m.push_str("\nPackage: ");
        plain_into(&mut m, &pkg.name);
        if let Some(v) = &pkg.version {
            m.push(' ');
            plain_into(&mut m, v);
        }
        if let Some(p) = &pkg.path {
            m.push_str(" (");
            plain_into(&mut m, p);
            m.push(')');
        }
    }
    if let Some(v) = f.fix.as_ref().and_then(|fix| fix.fixed_version.as_ref()) {
        m.push_str("\nFixed in: ");
        plain_into(&mut m, v);
    }
    // The target is worth a line unless it is the file the location already names.
    if let Some(t) = loc.target.as_deref()
        && normalize(t).as_deref() != place.file.as_deref()
    {
        m.push_str("\nTarget: ");
        plain_into(&mut m, t);
    }
    if let Some(r) = &loc.resource {
        m.push_str("\nResource: ");
        plain_into(&mut m, &r.display());
    }
    if let Some(web) = &loc.web {
        for i in web.instances.iter().take(MAX_MESSAGE_URLS) {
            m.push_str("\nURL: ");
            plain_into(&mut m, i.method.as_deref().unwrap_or("GET"));
            m.push(' ');
            plain_into(&mut m, &i.uri);
            if let Some(p) = &i.param {
                m.push_str(" (parameter ");
                plain_into(&mut m, p);
                m.push(')');
            }
        }
        let total = web.count.unwrap_or(0).max(web.instances.len() as u64);
        let shown = web.instances.len().min(MAX_MESSAGE_URLS) as u64;
        if total > shown {
            let _ = write!(m, "\n… and {} more URLs", total - shown);
        }
    }
    let _ = write!(m, "\nscangate: {} (", e.decision.outcome);
    plain_into(&mut m, &e.decision.reason);
    m.push(')');
    m
}

#[derive(Serialize)]
struct SuppressionProps<'a> {
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scanner_kind: Option<&'a str>,
}

fn suppressions(e: &Evaluated) -> Vec<SuppressionOut<'_>> {
    let mut out = Vec::new();
    if let Some(ts) = &e.finding.suppression {
        let kind = if ts.kind.to_ascii_lowercase().contains("insource") {
            "inSource"
        } else {
            "external"
        };
        let justification = plain(
            ts.justification
                .as_deref()
                .filter(|j| !j.trim().is_empty())
                .unwrap_or(&ts.kind),
        );
        out.push(SuppressionOut {
            justification,
            kind,
            properties: SuppressionBag {
                scangate: Sorted(SuppressionProps {
                    source: "scanner",
                    scanner_kind: Some(&ts.kind),
                }),
            },
            status: "accepted",
        });
    }
    let policy_source = match e.decision.outcome {
        Outcome::Waived => Some("policy waiver"),
        Outcome::Ignored => Some("policy ignore rule"),
        Outcome::Fail | Outcome::Warn | Outcome::Suppressed => None,
    };
    if let Some(source) = policy_source {
        out.push(SuppressionOut {
            justification: plain(&e.decision.reason),
            kind: "external",
            properties: SuppressionBag {
                scangate: Sorted(SuppressionProps {
                    source,
                    scanner_kind: None,
                }),
            },
            status: "accepted",
        });
    }
    out
}

/// A property bag holding `value` under the key `scangate`.
fn scangate_bag<T: Serialize>(
    value: &T,
    tags: Option<Vec<String>>,
) -> std::io::Result<s::PropertyBag> {
    let value = serde_json::to_value(value).map_err(std::io::Error::from)?;
    let mut bag = s::PropertyBag::builder().build();
    bag.tags = tags;
    bag.additional_properties
        .insert("scangate".to_owned(), value);
    Ok(bag)
}

// ---------------------------------------------------------------------------------------------
// Locations

/// Where a result is placed in SARIF terms.
#[derive(Debug, Clone, PartialEq)]
struct Placed {
    /// Percent-encoded URI relative to `%SRCROOT%`.
    uri: String,
    /// The decoded relative path, when the URI names a file in the checkout (not a pseudo-path).
    file: Option<String>,
    region: Option<s::Region>,
    start_line: Option<usize>,
    logical: Option<s::LogicalLocation>,
}

/// Decides the location of one finding (see the module docs for the order).
fn place(e: &Evaluated, base: Option<&Path>) -> Placed {
    let f = &e.finding;
    let loc = &f.location;
    let logical = if let Some(r) = &loc.resource {
        Some(
            s::LogicalLocation::builder()
                .name(r.name.clone())
                .fully_qualified_name(r.display())
                .kind("resource")
                .build(),
        )
    } else {
        loc.package.as_ref().map(|p| {
            let fqn = match (&p.purl, &p.version) {
                (Some(purl), _) => purl.clone(),
                (None, Some(v)) => format!("{}@{v}", p.name),
                (None, None) => p.name.clone(),
            };
            s::LogicalLocation::builder()
                .name(p.name.clone())
                .fully_qualified_name(fqn)
                .kind("module")
                .build()
        })
    };
    let pseudo = |uri: String| Placed {
        uri,
        file: None,
        region: None,
        start_line: None,
        logical: logical.clone(),
    };

    if let Some(file) = loc.file.as_ref().filter(|f| !f.path.trim().is_empty()) {
        let (uri, rel) = file_uri(&file.path, base);
        let region = file.region.as_ref().and_then(|r| {
            let start = positive(r.start_line)?;
            let mut region = s::Region::builder().start_line(start).build();
            region.start_column = positive(r.start_column);
            region.end_line = positive(r.end_line);
            region.end_column = positive(r.end_column);
            if let Some(snippet) = &file.snippet {
                region.snippet = Some(s::ArtifactContent::builder().text(snippet.clone()).build());
            }
            Some(region)
        });
        let start_line = region
            .as_ref()
            .and_then(|r| r.start_line)
            .and_then(|l| usize::try_from(l).ok());
        return Placed {
            uri,
            file: rel,
            region,
            start_line,
            logical,
        };
    }
    if let Some(r) = &loc.resource {
        let ns = r
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or("_cluster");
        return pseudo(format!(
            "scangate/k8s/{}/{}/{}",
            encode_segment(ns),
            encode_segment(&r.kind),
            encode_segment(&r.name)
        ));
    }
    if let Some(web) = &loc.web {
        return pseudo(format!("scangate/web/{}", site_path(&web.site)));
    }
    if let Some(target) = loc.target.as_deref().filter(|t| is_relative_file_path(t)) {
        let (uri, rel) = file_uri(target, base);
        return Placed {
            uri,
            file: rel,
            region: None,
            start_line: None,
            logical,
        };
    }
    if let Some(pkg) = &loc.package {
        let target = loc.target.as_deref().unwrap_or("_");
        return pseudo(format!(
            "scangate/pkg/{}/{}",
            encode_segment(target),
            encode_segment(&pkg.name)
        ));
    }
    if let Some(target) = loc.target.as_deref().filter(|t| !t.trim().is_empty()) {
        return pseudo(format!("scangate/target/{}", encode_segment(target)));
    }
    let (uri, _) = file_uri(&f.input, base);
    pseudo(uri)
}

fn positive(v: Option<u64>) -> Option<i64> {
    v.and_then(|v| i64::try_from(v).ok()).filter(|v| *v >= 1)
}

/// `scheme/host[:port]` of a site URL, user info dropped; the whole string encoded when it is
/// not a URL.
fn site_path(site: &str) -> String {
    let Some((scheme, rest)) = site.split_once("://") else {
        return encode_segment(site);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if scheme.is_empty() || host.is_empty() {
        return encode_segment(site);
    }
    let host = host.to_ascii_lowercase();
    let host = match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{}:{port}", encode_segment(name))
        }
        _ => encode_segment(&host),
    };
    format!("{}/{host}", encode_segment(&scheme.to_ascii_lowercase()))
}

/// A target that names a file in the checkout: relative, no scheme, no whitespace, no `:`
/// (image references), no `..`.
fn is_relative_file_path(t: &str) -> bool {
    !t.is_empty()
        && !t.starts_with('/')
        && !t.starts_with('\\')
        && !t.contains("://")
        && !t.contains(':')
        && !t.chars().any(|c| c.is_whitespace() || c.is_control())
        && !t.split(['/', '\\']).any(|seg| seg == "..")
}

/// The URI for a path from a report, and the relative path when it is a file in the checkout.
fn file_uri(raw: &str, base: Option<&Path>) -> (String, Option<String>) {
    // Nearly every path a scanner writes is already both: the general way below allocates
    // four times over for the same text.
    if is_plain_relative_path(raw) {
        return (raw.to_owned(), Some(raw.to_owned()));
    }
    file_uri_in_general(raw, base)
}

/// A relative path that [`file_uri_in_general`] keeps as it is, for both the URI and the path:
/// non-empty segments, none `.` or `..`, of bytes a URI keeps unencoded.
fn is_plain_relative_path(raw: &str) -> bool {
    !raw.is_empty()
        && raw.split('/').all(|seg| {
            !seg.is_empty() && seg != "." && seg != ".." && seg.bytes().all(is_kept_in_uri)
        })
}

fn file_uri_in_general(raw: &str, base: Option<&Path>) -> (String, Option<String>) {
    let mut path = raw.trim().to_owned();
    if let Some(rest) = path.strip_prefix("file://") {
        path = percent_decode(rest);
    } else if let Some(rest) = path.strip_prefix("file:") {
        path = percent_decode(rest);
    } else if let Some((scheme, rest)) = path.split_once("://")
        && !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return (
            format!(
                "scangate/uri/{}/{}",
                encode_segment(&scheme.to_ascii_lowercase()),
                encode_path(rest)
            ),
            None,
        );
    }
    let windows_drive = path.len() >= 3
        && path.as_bytes()[0].is_ascii_alphabetic()
        && path.as_bytes()[1] == b':'
        && matches!(path.as_bytes()[2], b'/' | b'\\');
    if windows_drive {
        path = path.replace('\\', "/");
    }
    if path.starts_with('/') || windows_drive {
        let inside = base.and_then(|b| Path::new(&path).strip_prefix(b).ok());
        match inside.and_then(|p| normalize(&p.to_string_lossy())) {
            Some(rel) if !rel.is_empty() => {
                let uri = encode_path(&rel);
                return (uri, Some(rel));
            }
            _ => {
                let stripped = path.trim_start_matches('/');
                return (format!("scangate/outside/{}", encode_path(stripped)), None);
            }
        }
    }
    match normalize(&path) {
        Some(rel) if !rel.is_empty() => (encode_path(&rel), Some(rel)),
        _ => (format!("scangate/outside/{}", encode_path(&path)), None),
    }
}

/// The path of an input report as an artifact location: relative to `%SRCROOT%` when it is
/// relative, an absolute `file:` URI otherwise.
fn input_location(path: &str) -> s::ArtifactLocation {
    if path.starts_with('/') {
        s::ArtifactLocation::builder()
            .uri(format!("file://{}", encode_path(path)))
            .build()
    } else {
        s::ArtifactLocation::builder()
            .uri(file_uri(path, None).0)
            .uri_base_id(SRCROOT)
            .build()
    }
}

/// Resolves `.` and `..` lexically; `None` when the path climbs out of its root.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

fn is_kept_in_uri(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&b)
}

/// Percent-encodes a path, keeping `/` as the separator.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (n, seg) in path.split('/').enumerate() {
        if n > 0 {
            out.push('/');
        }
        push_segment(&mut out, seg);
    }
    out
}

/// Percent-encodes one path segment (a `/` inside becomes `%2F`).
fn encode_segment(seg: &str) -> String {
    let mut out = String::with_capacity(seg.len());
    push_segment(&mut out, seg);
    out
}

fn push_segment(out: &mut String, seg: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    match seg {
        "." => out.push_str("%2E"),
        ".." => out.push_str("%2E%2E"),
        // Most segments (file and directory names) have nothing to encode.
        _ if seg.bytes().all(is_kept_in_uri) => out.push_str(seg),
        _ => {
            for &b in seg.as_bytes() {
                if is_kept_in_uri(b) {
                    out.push(char::from(b));
                } else {
                    out.push('%');
                    out.push(char::from(HEX[usize::from(b >> 4)]));
                    out.push(char::from(HEX[usize::from(b & 0xF)]));
                }
            }
        }
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Only absolute http(s) URLs made of URI characters become `helpUri` (the schema wants a URI;
/// anything else stays in the help text).
fn is_plain_http_uri(u: &str) -> bool {
    (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() > 8
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#@!$&'()*+,;=%".contains(&b))
}

// ---------------------------------------------------------------------------------------------
// Text

/// Plain SARIF message text from scanner text: control and bidi characters shown as escapes
/// (newlines and tabs kept, CR LF folded), `[` and `]` escaped so no embedded link can form
/// (each backslash before a bracket doubled, then the bracket escaped).
///
/// One pass over the bytes, copying the runs between the bytes [`PLAIN_FLAGGED`] flags: CodeQL
/// messages link with `[text](1)`, so most of theirs have something to escape.
fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    plain_into(&mut out, s);
    out
}

/// [`plain`], appended to `out`.
fn plain_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    // Backslashes seen and not yet written: how many to write depends on what follows.
    let mut backslashes = 0usize;
    let flush = |out: &mut String, backslashes: &mut usize| {
        out.extend(std::iter::repeat_n('\\', std::mem::take(backslashes)));
    };
    let (mut run, mut i) = (0, 0);
    while i < bytes.len() {
        if !PLAIN_FLAGGED[usize::from(bytes[i])] {
            i += 1;
            continue;
        }
        if run < i {
            flush(out, &mut backslashes);
            out.push_str(&s[run..i]);
        }
        // A flagged byte is ASCII or a lead byte: `i` is a character boundary.
        let c = s[i..].chars().next().unwrap_or('\0');
        match c {
            '\\' => backslashes += 1,
            '[' | ']' => {
                out.extend(std::iter::repeat_n(
                    '\\',
                    std::mem::take(&mut backslashes) * 2 + 1,
                ));
                out.push(c);
            }
            // CR LF is LF: the CR goes, and what comes before the LF waits for it.
            '\r' if bytes.get(i + 1) == Some(&b'\n') => {}
            '\r' => {
                flush(out, &mut backslashes);
                out.push('\n');
            }
            c if c.is_control() || is_bidi_control(c) => {
                flush(out, &mut backslashes);
                out.extend(c.escape_unicode());
            }
            c => {
                flush(out, &mut backslashes);
                out.push(c);
            }
        }
        i += c.len_utf8();
        run = i;
    }
    if run < bytes.len() {
        flush(out, &mut backslashes);
        out.push_str(&s[run..]);
    }
    flush(out, &mut backslashes);
}

/// Whether [`plain`] may change `s`: a C0 control other than LF and tab (CR included), a
/// backslash or bracket, or a byte [`may_need_escape`] looks for. One pass over a table: most
/// text is plain.
#[cfg(test)]
fn needs_plain(s: &str) -> bool {
    s.bytes().any(|b| PLAIN_FLAGGED[usize::from(b)])
}

/// The bytes [`plain`] looks at: C0 controls other than LF and tab, backslash, brackets, DEL,
/// and the lead bytes of the C1 controls and of the bidi characters.
const PLAIN_FLAGGED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b < 0x20 && b != 0x0A && b != 0x09)
            || matches!(b, 0x5C | 0x5B | 0x5D | 0x7F | 0xC2 | 0xD8 | 0xE2);
        b += 1;
    }
    t
};

/// Unicode bidirectional formatting characters ("Trojan Source", CVE-2021-42574).
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// JSON, newline-terminated, indented down to the results (each result, rule set and property
/// bag below that is one line), with C1/DEL control and bidi characters written as `\uXXXX`
/// escapes (serde_json escapes only C0): the same JSON value, but nothing in the raw file can
/// reorder or hide what a reader of it sees.
fn write_json<T: Serialize, W: ?Sized + Write>(value: &T, out: &mut W) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        &mut *out,
        SafeFormatter(LinesFormatter::new(PRETTY_DEPTH)),
    );
    value.serialize(&mut ser).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

/// `value` as compact JSON with [`SafeFormatter`]'s escapes, as serde_json writes it (the
/// reference the compact writer is tested against).
#[cfg(test)]
pub(crate) fn write_compact_safe<T: Serialize>(
    value: &T,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    let mut ser =
        serde_json::Serializer::with_formatter(&mut *out, SafeFormatter(LinesFormatter::new(0)));
    value.serialize(&mut ser).map_err(std::io::Error::from)
}

/// Log, `runs`, run, `results`: the levels that are indented.
const PRETTY_DEPTH: usize = 4;

struct SafeFormatter(LinesFormatter);

/// Whether `fragment` may hold a character [`SafeFormatter`] escapes: DEL, or the lead byte of
/// a C1 control (U+0080–U+009F), U+061C or a bidi control in U+200E–U+2069. Most text has
/// none, and a byte scan is far cheaper than decoding every character.
fn may_need_escape(fragment: &str) -> bool {
    fragment
        .bytes()
        .any(|b| matches!(b, 0x7F | 0xC2 | 0xD8 | 0xE2))
}

impl serde_json::ser::Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        if !may_need_escape(fragment) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if c.is_control() || is_bidi_control(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

// ---------------------------------------------------------------------------------------------
// primaryLocationLineHash

const HASH_BLOCK_SIZE: usize = 100;
const HASH_MOD: u64 = 37;
const HASH_EOF: u64 = 65535;

/// GitHub's line hash, ported from `github/codeql-action` `src/fingerprints.ts` (`hash`).
///
/// For every line, a rolling polynomial hash (base 37, wrapping 64-bit arithmetic) over the
/// first 100 characters counted from the line's start, skipping spaces and tabs, with CR and
/// CR LF read as LF, across following lines, and with an end-of-file marker (65535) and zero
/// padding at the end. Characters are UTF-16 code units, as JavaScript sees them. Calls
/// `callback(line, "hex:occurrence")` for lines 1, 2, …; `occurrence` counts identical hashes
/// so far.
pub fn hash_lines(text: &str, mut callback: impl FnMut(usize, String)) {
    let first_mod = (0..HASH_BLOCK_SIZE).fold(1u64, |m, _| m.wrapping_mul(HASH_MOD));
    let mut window = [0u64; HASH_BLOCK_SIZE];
    // 0 = no line starts at this window slot (lines are 1-based).
    let mut line_numbers = [0usize; HASH_BLOCK_SIZE];
    let mut hash = 0u64;
    let mut index = 0usize;
    let mut line_number = 0usize;
    let mut line_start = true;
    let mut prev_cr = false;
    let mut counts: HashMap<u64, u32> = HashMap::new();

    let mut output = |hash: u64, line: usize| {
        let n = counts.entry(hash).or_default();
        *n += 1;
        callback(line, format!("{hash:x}:{n}"));
    };
    let update = |hash: &mut u64, window: &mut [u64; HASH_BLOCK_SIZE], index: &mut usize, c| {
        let begin = window[*index];
        window[*index] = c;
        *hash = HASH_MOD
            .wrapping_mul(*hash)
            .wrapping_add(c)
            .wrapping_sub(first_mod.wrapping_mul(begin));
        *index = (*index + 1) % HASH_BLOCK_SIZE;
    };

    let units = text.encode_utf16().map(u64::from).chain([HASH_EOF]);
    for unit in units {
        let mut c = unit;
        if c == u64::from(b' ') || c == u64::from(b'\t') || (prev_cr && c == u64::from(b'\n')) {
            prev_cr = false;
            continue;
        }
        if c == u64::from(b'\r') {
            c = u64::from(b'\n');
            prev_cr = true;
        } else {
            prev_cr = false;
        }
        if line_numbers[index] != 0 {
            output(hash, line_numbers[index]);
            line_numbers[index] = 0;
        }
        if line_start {
            line_start = false;
            line_number += 1;
            line_numbers[index] = line_number;
        }
        if c == u64::from(b'\n') {
            line_start = true;
        }
        update(&mut hash, &mut window, &mut index, c);
    }
    for _ in 0..HASH_BLOCK_SIZE {
        if line_numbers[index] != 0 {
            output(hash, line_numbers[index]);
            line_numbers[index] = 0;
        }
        update(&mut hash, &mut window, &mut index, 0);
    }
}

/// [`place`] for every kept finding (in parallel), `None` for the others.
/// Boxed: a few hundred bytes each, and only the kept findings (at most 25,000 a run) have one.
fn place_kept(
    findings: &[Evaluated],
    kept: &[bool],
    base: Option<&Path>,
) -> Vec<Option<Box<Placed>>> {
    use rayon::prelude::*;
    // The first reads of the kept findings since the verdict, scattered over the heap.
    let ahead = |i: usize| findings.get(i).filter(|_| kept[i]);
    (0..findings.len())
        .into_par_iter()
        .map(|i| {
            let step = |n: usize| ahead(i + n * PREFETCH_AHEAD);
            prefetch_finding(step(1), step(2), step(3));
            kept[i].then(|| Box::new(place(&findings[i], base)))
        })
        .collect()
}

/// Line hashes for every kept finding whose file is in the checkout; each file read once.
fn line_hashes_for(
    findings: &[Evaluated],
    kept: &[bool],
    places: &[Option<Box<Placed>>],
    base: Option<&Path>,
) -> Vec<Option<String>> {
    use rayon::prelude::*;
    let mut hashes: Vec<Option<String>> = vec![None; findings.len()];
    if let Some(base) = base {
        let canonical_base = base.canonicalize().ok();
        let mut by_file: foldhash::HashMap<&str, Vec<(usize, usize)>> = HashMap::default();
        if let Some(b) = canonical_base.as_deref() {
            let mut dirs = foldhash::HashMap::default();
            for (i, p) in places.iter().enumerate() {
                if let Some(p) = p
                    && let (Some(file), Some(line)) = (&p.file, p.start_line)
                    && dir_exists(&mut dirs, b, parent_dir(file))
                {
                    by_file.entry(file).or_default().push((line, i));
                }
            }
        }
        let computed: Vec<(usize, String)> = by_file
            .par_iter()
            .flat_map_iter(|(file, wanted)| {
                let mut found = Vec::new();
                if let Some(text) = canonical_base.as_deref().and_then(|b| read_source(b, file)) {
                    let mut by_line: HashMap<usize, Vec<usize>> = HashMap::new();
                    for &(line, i) in wanted {
                        by_line.entry(line).or_default().push(i);
                    }
                    hash_lines(&text, |line, h| {
                        if let Some(ids) = by_line.get(&line) {
                            found.extend(ids.iter().map(|&i| (i, h.clone())));
                        }
                    });
                }
                found
            })
            .collect();
        for (i, h) in computed {
            hashes[i] = Some(h);
        }
    }
    // A hash the scanner supplied (GitHub-compatible by its name) when none was computed.
    for (i, e) in findings.iter().enumerate() {
        if hashes[i].is_none() && kept[i] {
            hashes[i] = e
                .finding
                .extra
                .tool_fingerprints
                .iter()
                .find_map(|tf| tf.strip_prefix("primaryLocationLineHash="))
                .map(str::to_owned);
        }
    }
    hashes
}

/// The directory part of a relative path (`""` for a file at the top).
fn parent_dir(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Whether `base/dir` and every directory above it are directories, each asked of the file
/// system once: a large report names tens of thousands of files in far fewer directories,
/// and when the gate runs outside the checkout none of them exists — each file's
/// `canonicalize` would fail after the same few system calls.
fn dir_exists<'a>(known: &mut foldhash::HashMap<&'a str, bool>, base: &Path, dir: &'a str) -> bool {
    if dir.is_empty() {
        return true;
    }
    if let Some(&exists) = known.get(dir) {
        return exists;
    }
    let exists = dir_exists(known, base, parent_dir(dir)) && base.join(dir).is_dir();
    known.insert(dir, exists);
    exists
}

/// Reads `base/rel` when it is a regular file inside `base` (symlinks resolved) and not too
/// large; `None` on any doubt. Decoded as UTF-8 with replacement, as Node's reader does.
fn read_source(base: &Path, rel: &str) -> Option<String> {
    let rel_path = Path::new(rel);
    if rel_path
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let full = base.join(rel_path).canonicalize().ok()?;
    if !full.starts_with(base) {
        return None;
    }
    let meta = std::fs::metadata(&full).ok()?;
    if !meta.is_file() || meta.len() > MAX_HASHED_FILE_BYTES {
        return None;
    }
    let bytes = std::fs::read(&full).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

// ---------------------------------------------------------------------------------------------
// Size

/// What [`SizedSink`] found.
enum Measured {
    /// Small enough that its raw size proves it fits: the bytes themselves.
    Raw(Vec<u8>),
    /// Fits once compressed, and is already in the output it was written through.
    Written,
    /// Fits once compressed: the deflate stream.
    Deflated(Vec<u8>),
    /// Over the limit: the compressed size.
    Over(u64),
}

/// Measures the gzip-compressed size of what is written to it against `limit`, holding at
/// most `limit` bytes: the raw bytes while they are few enough to prove the limit kept, then
/// the compressed stream (dropped, and only counted, once it is over the limit) — or, with a
/// `tee`, nothing: from then on the bytes go on to the tee as they come. Compression runs on
/// a thread of its own, so it overlaps with producing the document.
struct SizedSink<'o> {
    limit: u64,
    level: flate2::Compression,
    raw: Vec<u8>,
    deflate: Option<DeflateWorker>,
    tee: Option<&'o mut dyn Output>,
}

impl<'o> SizedSink<'o> {
    fn new(limit: u64, level: flate2::Compression, tee: Option<&'o mut dyn Output>) -> Self {
        SizedSink {
            limit,
            level,
            raw: Vec::new(),
            deflate: None,
            tee,
        }
    }

    /// Deflate never grows data by more than a few bytes per 64 KiB block plus the header.
    fn raw_fits(&self, raw: u64) -> bool {
        raw + raw / 1000 + 1024 <= self.limit
    }

    fn finish(self) -> std::io::Result<Measured> {
        let Some(deflate) = self.deflate else {
            return Ok(Measured::Raw(self.raw));
        };
        let capped = deflate.finish()?;
        let gzipped = capped.len + GZIP_FRAMING_BYTES;
        Ok(if gzipped > self.limit {
            Measured::Over(gzipped)
        } else if self.tee.is_some() {
            Measured::Written
        } else {
            Measured::Deflated(capped.bytes)
        })
    }
}

impl Write for SizedSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(deflate) = &self.deflate {
            if let Some(tee) = &mut self.tee {
                tee.write_all(buf)?;
            }
            deflate.send(buf.to_vec())?;
            return Ok(buf.len());
        }
        if self.raw_fits((self.raw.len() + buf.len()) as u64) {
            self.raw.extend_from_slice(buf);
            return Ok(buf.len());
        }
        let deflate = DeflateWorker::start(self.limit, self.level)?;
        let mut first = std::mem::take(&mut self.raw);
        first.extend_from_slice(buf);
        if let Some(tee) = &mut self.tee {
            tee.write_all(&first)?;
        }
        deflate.send(first)?;
        self.deflate = Some(deflate);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What gzip adds around the deflate stream: a 10-byte header (no name or comment) and an
/// 8-byte trailer. The log is measured as raw deflate and this added, so neither side of the
/// round trip spends a CRC-32 pass over the whole log; the size is the gzip file's to the byte.
const GZIP_FRAMING_BYTES: u64 = 18;

/// Deflate on a thread of its own, fed chunks through a short queue.
struct DeflateWorker {
    chunks: std::sync::mpsc::SyncSender<Vec<u8>>,
    thread: std::thread::JoinHandle<std::io::Result<Capped>>,
}

impl DeflateWorker {
    fn start(limit: u64, level: flate2::Compression) -> std::io::Result<DeflateWorker> {
        let (chunks, receiver) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        let thread = std::thread::Builder::new()
            .name("sarif-deflate".to_owned())
            .spawn(move || {
                let capped = Capped {
                    limit: limit.saturating_sub(GZIP_FRAMING_BYTES),
                    len: 0,
                    bytes: Vec::new(),
                };
                let mut deflate = flate2::write::DeflateEncoder::new(capped, level);
                for chunk in receiver {
                    deflate.write_all(&chunk)?;
                }
                deflate.finish()
            })?;
        Ok(DeflateWorker { chunks, thread })
    }

    fn send(&self, chunk: Vec<u8>) -> std::io::Result<()> {
        self.chunks
            .send(chunk)
            .map_err(|_| std::io::Error::other("SARIF: the deflate thread stopped"))
    }

    fn finish(self) -> std::io::Result<Capped> {
        drop(self.chunks);
        self.thread
            .join()
            .map_err(|_| std::io::Error::other("SARIF: the deflate thread failed"))?
    }
}

/// A writer that keeps what is written while it stays within `limit` bytes, and counts.
struct Capped {
    limit: u64,
    len: u64,
    bytes: Vec<u8>,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.len += buf.len() as u64;
        if self.len <= self.limit {
            self.bytes.extend_from_slice(buf);
        } else if !self.bytes.is_empty() {
            self.bytes = Vec::new();
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Format, Input, ParsedReport, ReportStats};
    use crate::model::{Extra, FileLocation, Finding, Region, Scanner, SeveritySource};
    use crate::policy::{Decision, Policy};
    use crate::report::fixtures::{HOSTILE, baseline_verdict, hostile_verdict, sample_verdict};

    /// The packed keys give the order of the comparison they replace.
    #[test]
    fn priority_order_is_severity_then_outcome_then_verdict_order() {
        for verdict in [
            crate::report::fixtures::policy_verdict(),
            crate::report::fixtures::every_part_verdict(),
            crate::report::fixtures::baseline_verdict(),
        ] {
            let findings = &verdict.findings;
            // Every index, in an order unlike the verdict's, and a subset.
            let all: Vec<usize> = (0..findings.len()).rev().collect();
            let some: Vec<usize> = all.iter().copied().step_by(2).collect();
            for indices in [all, some] {
                let mut expected = indices.clone();
                expected.sort_by_key(|&i| {
                    let d = &findings[i].decision;
                    (Reverse(d.effective_severity), d.outcome, i)
                });
                assert_eq!(priority_order(&indices, findings), expected);
            }
            let outcomes: BTreeSet<Outcome> = findings.iter().map(|e| e.decision.outcome).collect();
            assert!(outcomes.len() > 1, "the fixtures mix outcomes");
        }
    }

    /// Renders into an output that can start over (written as measured) and into a stream
    /// (measured, then inflated), which must agree to the byte.
    fn rendered_with(verdict: &Verdict, options: &SarifOptions) -> (String, SarifStats) {
        let mut out = Vec::new();
        let stats = render_with(verdict, options, &mut out).expect("renders");
        let mut streamed = crate::report::Stream(Vec::new());
        let streamed_stats = render_with(verdict, options, &mut streamed).expect("renders");
        assert_eq!(stats, streamed_stats);
        assert!(out == streamed.0, "the two ways of writing differ");
        (String::from_utf8(out).expect("utf-8"), stats)
    }

    fn rendered(verdict: &Verdict) -> (serde_json::Value, String, SarifStats) {
        let (text, stats) = rendered_with(verdict, &SarifOptions::default());
        let doc = serde_json::from_str(&text).expect("valid JSON");
        (doc, text, stats)
    }

    fn runs(doc: &Value) -> &Vec<Value> {
        doc["runs"].as_array().expect("runs")
    }

    fn results(doc: &Value) -> Vec<&Value> {
        runs(doc)
            .iter()
            .flat_map(|r| r["results"].as_array().expect("results"))
            .collect()
    }

    fn result_with_rule<'a>(doc: &'a Value, rule: &str) -> &'a Value {
        results(doc)
            .into_iter()
            .find(|r| r["ruleId"] == rule)
            .unwrap_or_else(|| panic!("no result for {rule}"))
    }

    fn uri(result: &Value) -> &str {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri")
    }

    // --- schemas -------------------------------------------------------------------------

    fn vendored_schema() -> Value {
        let text = include_str!("../../schemas/sarif-schema-2.1.0.serde-sarif.json");
        serde_json::from_str(text).expect("vendored schema parses")
    }

    /// The official OASIS schema from `../shared/schemas`, when that folder exists.
    fn oasis_schema() -> Option<Value> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/schemas/sarif-schema-2.1.0.json"
        );
        let text = std::fs::read_to_string(path).ok()?;
        Some(serde_json::from_str(&text).expect("OASIS schema parses"))
    }

    fn schema_errors(schema: &Value, doc: &Value) -> Vec<String> {
        let validator = jsonschema::validator_for(schema).expect("schema compiles");
        validator
            .iter_errors(doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .take(20)
            .collect()
    }

    fn assert_valid(doc: &Value) {
        let errors = schema_errors(&vendored_schema(), doc);
        assert!(errors.is_empty(), "serde-sarif schema: {errors:#?}");
        if let Some(oasis) = oasis_schema() {
            let errors = schema_errors(&oasis, doc);
            assert!(errors.is_empty(), "OASIS schema: {errors:#?}");
        }
    }

    #[test]
    fn sample_validates_against_both_schemas() {
        let (doc, _, _) = rendered(&sample_verdict());
        assert_valid(&doc);
    }

    #[test]
    fn hostile_validates_against_both_schemas() {
        let (doc, _, _) = rendered(&hostile_verdict());
        assert_valid(&doc);
    }

    #[test]
    fn validators_reject_broken_documents() {
        let (doc, _, _) = rendered(&sample_verdict());
        // Both schemas require `version`, and `ruleIndex` to be an integer ≥ -1.
        let mut broken = doc.clone();
        broken.as_object_mut().expect("object").remove("version");
        broken["runs"][0]["results"][0]["ruleIndex"] = Value::from("zero");
        assert!(schema_errors(&vendored_schema(), &broken).len() >= 2);
        // `uri-reference` is checked (draft-07 copy): a space is not allowed in a URI.
        let mut bad_uri = doc.clone();
        bad_uri["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"] = Value::from("a b/c d.py");
        assert!(!schema_errors(&vendored_schema(), &bad_uri).is_empty());
        if let Some(oasis) = oasis_schema() {
            // The OASIS schema is draft-04 (`id`, not `$id`): prove it is applied, including
            // its stricter rule that a region needs startLine, charOffset or byteOffset.
            assert_eq!(oasis["$schema"], "http://json-schema.org/draft-04/schema#");
            assert!(schema_errors(&oasis, &broken).len() >= 2);
            let mut region = doc.clone();
            let semgrep = runs(&doc)
                .iter()
                .position(|r| r["tool"]["driver"]["name"] == "Semgrep OSS")
                .expect("semgrep run");
            region["runs"][semgrep]["results"][0]["locations"][0]["physicalLocation"]["region"] =
                serde_json::json!({"startColumn": 3});
            assert!(schema_errors(&vendored_schema(), &region).is_empty());
            assert!(!schema_errors(&oasis, &region).is_empty());
        }
    }

    // --- snapshots -----------------------------------------------------------------------

    #[test]
    fn sample_sarif() {
        let (doc, text, stats) = rendered(&sample_verdict());
        assert_eq!(stats.runs, 3);
        assert_eq!(stats.results, 8);
        assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
        assert_eq!(results(&doc).len(), 8);
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_snapshot!("sarif_sample", text.replace(env!("CARGO_PKG_VERSION"), "[VERSION]"));
        });
    }

    #[test]
    fn hostile_sarif() {
        let (doc, text, _) = rendered(&hostile_verdict());
        assert!(!text.contains('\u{1b}'), "raw escape in SARIF text");
        assert!(
            !text.contains('\u{202e}'),
            "raw bidi override in SARIF text"
        );
        for r in results(&doc) {
            let message = r["message"]["text"].as_str().expect("message");
            assert!(!message.contains('\u{1b}') && !message.contains('\u{0}'));
            assert!(
                !has_unescaped_bracket(message),
                "embedded link possible: {message}"
            );
        }
        // Nothing lost: the raw title is kept in the properties, and escaped characters parse
        // back to the original text.
        let web = result_with_rule(&doc, "40012");
        assert_eq!(web["properties"]["scangate"]["title"], HOSTILE);
        assert_eq!(
            runs(&doc)[0]["tool"]["driver"]["name"],
            format!("Evil{HOSTILE}")
        );
        assert!(
            text.contains("\\u202e"),
            "bidi override written as an escape"
        );
        let long = "A".repeat(70_000);
        assert!(text.contains(&long));
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_snapshot!(
                "sarif_hostile",
                text.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
                    .replace(&long, "[70000 × A]")
            );
        });
    }

    /// True when a `[` or `]` is preceded by an even number of backslashes.
    fn has_unescaped_bracket(s: &str) -> bool {
        let mut backslashes = 0;
        for c in s.chars() {
            match c {
                '\\' => backslashes += 1,
                '[' | ']' if backslashes % 2 == 0 => return true,
                _ => backslashes = 0,
            }
        }
        false
    }

    // --- runs ----------------------------------------------------------------------------

    #[test]
    fn baseline_state_and_correlation_id_are_set() {
        let (doc, _, _) = rendered(&baseline_verdict());
        assert_valid(&doc);
        let results = results(&doc);
        assert_eq!(
            results.len(),
            9,
            "correlated findings stay separate results"
        );
        let states: Vec<(&str, &str)> = results
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap_or(""),
                    r["baselineState"].as_str().unwrap_or(""),
                )
            })
            .filter(|(_, s)| *s == "new")
            .collect();
        assert_eq!(states, [("aws-access-key-id", "new")]);
        assert!(
            results
                .iter()
                .all(|r| r["baselineState"] == "new" || r["baselineState"] == "unchanged")
        );
        let grype = result_with_rule(&doc, "CVE-2021-44228-log4j-core");
        let trivy = result_with_rule(&doc, "CVE-2021-44228");
        let id = &grype["properties"]["scangate"]["correlation_id"];
        assert!(id.is_string());
        assert_eq!(id, &trivy["properties"]["scangate"]["correlation_id"]);
        assert_eq!(grype["properties"]["security-severity"], "9.5");
        // Without a baseline there is no baselineState.
        let (plain, _, _) = rendered(&sample_verdict());
        assert!(
            results_of(&plain)
                .iter()
                .all(|r| r.get("baselineState").is_none())
        );
    }

    fn results_of(doc: &Value) -> Vec<&Value> {
        results(doc)
    }

    #[test]
    fn one_run_per_tool_with_unique_automation_ids() {
        let (doc, _, _) = rendered(&sample_verdict());
        let names: Vec<&str> = runs(&doc)
            .iter()
            .map(|r| r["tool"]["driver"]["name"].as_str().expect("name"))
            .collect();
        assert_eq!(names, ["Semgrep OSS", "Trivy", "ZAP"]);
        let ids: Vec<&str> = runs(&doc)
            .iter()
            .map(|r| r["automationDetails"]["id"].as_str().expect("id"))
            .collect();
        assert_eq!(
            ids,
            ["scangate/semgrep-oss/", "scangate/trivy/", "scangate/zap/"]
        );
        assert_eq!(runs(&doc)[1]["tool"]["driver"]["version"], "0.57.1");
        // Both Trivy inputs feed the one Trivy run.
        assert_eq!(
            runs(&doc)[1]["properties"]["scangate"]["inputs"],
            serde_json::json!(["reports/trivy-k8s.json", "reports/trivy.json"])
        );
    }

    #[test]
    fn automation_ids_stay_unique_for_versions_and_look_alike_names() {
        let verdict = verdict_of(vec![
            finding("Trivy", Some("0.50.0"), "R1", Severity::Low, 1),
            finding("Trivy", Some("0.57.1"), "R1", Severity::Low, 2),
            finding("Semgrep OSS", None, "R1", Severity::Low, 3),
            finding("semgrep-oss", None, "R1", Severity::Low, 4),
            finding("semgrep oss", Some("x"), "R1", Severity::Low, 5),
        ]);
        let (doc, _, _) = rendered(&verdict);
        let ids: BTreeSet<&str> = runs(&doc)
            .iter()
            .map(|r| r["automationDetails"]["id"].as_str().expect("id"))
            .collect();
        assert_eq!(ids.len(), 5, "{ids:?}");
        assert!(ids.contains("scangate/trivy/"));
        assert!(ids.contains("scangate/trivy-0-57-1/"));
        assert!(
            ids.iter()
                .all(|id| id.starts_with("scangate/") && id.ends_with('/'))
        );
        assert_eq!(slug(&"x".repeat(100)).len(), MAX_SLUG);
        assert_ne!(slug(&"x".repeat(100)), slug(&"x".repeat(101)));
        assert_eq!(slug("  "), "tool");
    }

    #[test]
    fn a_tool_without_findings_still_gets_an_empty_run() {
        let mut verdict = verdict_of(vec![finding("Trivy", None, "R", Severity::Low, 1)]);
        verdict.inputs[0].scanners.push(Scanner {
            name: "gitleaks".into(),
            version: Some("8.0".into()),
        });
        let (doc, _, _) = rendered(&verdict);
        let gitleaks = runs(&doc)
            .iter()
            .find(|r| r["tool"]["driver"]["name"] == "gitleaks")
            .expect("gitleaks run");
        assert_eq!(gitleaks["results"], serde_json::json!([]));
        assert_valid(&doc);
    }

    // --- severity and level --------------------------------------------------------------

    #[test]
    fn security_severity_buckets_back_to_the_same_severity() {
        for sev in Severity::ALL_DESC {
            let score: f64 = security_severity(sev).parse().expect("numeric");
            let expected = if sev == Severity::Unknown {
                Severity::Medium
            } else {
                sev
            };
            assert_eq!(Severity::from_score(score), Some(expected), "{sev}");
        }
    }

    #[test]
    fn level_and_security_severity_are_consistent() {
        let (doc, _, _) = rendered(&sample_verdict());
        for run in runs(&doc) {
            let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
            for r in run["results"].as_array().expect("results") {
                let props = &r["properties"];
                let outcome = props["scangate"]["outcome"].as_str().expect("outcome");
                let sev: Severity = props["scangate"]["effective_severity"]
                    .as_str()
                    .expect("severity")
                    .parse()
                    .expect("known");
                assert_eq!(props["security-severity"], security_severity(sev));
                let expected = match (outcome, sev) {
                    ("fail", _) => "error",
                    (_, Severity::Low | Severity::Info) => "note",
                    _ => "warning",
                };
                assert_eq!(r["level"], expected, "{r}");
                // The rule ranks at least as high as each of its results.
                let rule = &rules[r["ruleIndex"].as_u64().expect("index") as usize];
                assert_eq!(rule["id"], r["ruleId"]);
                let rule_score: f64 = rule["properties"]["security-severity"]
                    .as_str()
                    .expect("rule score")
                    .parse()
                    .expect("numeric");
                let score: f64 = security_severity(sev).parse().expect("numeric");
                assert!(rule_score >= score);
                let tags = rule["properties"]["tags"].as_array().expect("tags");
                assert_eq!(tags[0], "security");
            }
        }
        let log4j = result_with_rule(&doc, "CVE-2021-44228");
        assert_eq!(log4j["level"], "error");
        assert_eq!(log4j["properties"]["security-severity"], "9.5");
        // Unknown severity ranks as the policy's effective severity (medium by default).
        let unknown = result_with_rule(&doc, "TEMP-0841856-B18BAF");
        assert_eq!(unknown["properties"]["security-severity"], "5.5");
        assert_eq!(unknown["level"], "warning");
    }

    #[test]
    fn rules_are_deduplicated_per_run_and_take_their_highest_severity() {
        let verdict = verdict_of(vec![
            finding("ZAP", None, "10038", Severity::Low, 1),
            finding("ZAP", None, "10038", Severity::High, 2),
            finding("ZAP", None, "10020", Severity::Medium, 3),
        ]);
        let (doc, _, _) = rendered(&verdict);
        let run = &runs(&doc)[0];
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0]["id"], "10038");
        assert_eq!(rules[0]["properties"]["security-severity"], "8.0");
        let indices: Vec<u64> = run["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["ruleIndex"].as_u64().expect("index"))
            .collect();
        assert_eq!(indices, [0, 1, 0]);
    }

    #[test]
    fn cwe_tags_are_written_as_codeql_does_and_capped_at_twenty() {
        let mut f = finding("Semgrep", None, "r", Severity::High, 1);
        f.cwes = Arc::new([79, 1333]);
        f.extra.tags = (0..30).map(|i| format!("tag{i:02}")).collect();
        let (doc, _, _) = rendered(&verdict_of(vec![f]));
        let rule = &runs(&doc)[0]["tool"]["driver"]["rules"][0];
        let tags = rule["properties"]["tags"].as_array().expect("tags");
        assert_eq!(tags.len(), 20);
        assert_eq!(
            tags[..4],
            [
                "security",
                "code",
                "external/cwe/cwe-079",
                "external/cwe/cwe-1333"
            ]
        );
        let more = rule["properties"]["scangate"]["more_tags"]
            .as_array()
            .expect("more tags");
        assert_eq!(tags.len() + more.len(), 4 + 30);
        let result = &runs(&doc)[0]["results"][0];
        assert_eq!(result["properties"]["tags"][0], "external/cwe/cwe-079");
    }

    #[test]
    fn result_tags_are_a_set_when_the_scanner_already_tagged_its_cwes() {
        // CodeQL tags the CWEs it lists; the OASIS schema wants a property bag's tags unique.
        let mut f = finding("CodeQL", None, "js/xss", Severity::High, 1);
        f.cwes = Arc::new([79, 116]);
        f.extra.tags = ["security", "external/cwe/cwe-079", "external/cwe/cwe-116"]
            .map(String::from)
            .into();
        let (doc, _, _) = rendered(&verdict_of(vec![f]));
        assert_valid(&doc);
        let tags = runs(&doc)[0]["results"][0]["properties"]["tags"]
            .as_array()
            .expect("tags");
        assert_eq!(
            tags,
            &["external/cwe/cwe-079", "external/cwe/cwe-116", "security"]
        );
    }

    #[test]
    fn a_fix_shared_with_the_rule_is_written_once_on_the_rule() {
        let help = Fix {
            fixed_version: None,
            solution: Some("Escape the output. ".repeat(50).into()),
        };
        let references: Arc<[String]> = vec!["https://example.test/rule".to_owned()].into();
        let mut first = finding("Semgrep", None, "r", Severity::High, 1);
        first.fix = Some(help.clone());
        first.references = references.clone();
        let mut same = finding("Semgrep", None, "r", Severity::Medium, 2);
        same.fix = Some(help.clone());
        same.references = references.clone();
        let mut own = finding("Semgrep", None, "r", Severity::Low, 3);
        own.fix = Some(Fix {
            fixed_version: Some("1.2.3".into()),
            solution: None,
        });
        let (doc, _, _) = rendered(&verdict_of(vec![first, same, own]));
        let run = &runs(&doc)[0];
        let rule = &run["tool"]["driver"]["rules"][0]["properties"]["scangate"];
        assert_eq!(rule["fix"]["solution"], help.solution.as_deref().unwrap());
        assert_eq!(rule["references"][0], "https://example.test/rule");
        let props = |n: usize| &run["results"][n]["properties"]["scangate"];
        assert_eq!(run["results"].as_array().map(Vec::len), Some(3));
        for n in 0..2 {
            assert!(props(n).get("fix").is_none(), "result {n}: {}", props(n));
            assert!(props(n).get("references").is_none(), "result {n}");
        }
        // Nothing is lost: a result whose fix differs keeps its own, and one without the
        // rule's references says so rather than inheriting them.
        assert_eq!(props(2)["fix"]["fixed_version"], "1.2.3");
        assert_eq!(props(2)["references"], serde_json::json!([]));
    }

    #[test]
    fn the_escape_prefilter_sees_every_character_that_is_escaped() {
        // Every character the SARIF writer escapes beyond serde_json's C0 must start with a
        // byte the fast scan looks for, or it would be written raw.
        for c in (0x80..=0x10FFFF)
            .filter_map(char::from_u32)
            .chain(['\u{7f}'])
        {
            if c.is_control() || is_bidi_control(c) {
                let mut buf = [0u8; 4];
                assert!(
                    may_need_escape(c.encode_utf8(&mut buf)),
                    "U+{:04X}",
                    c as u32
                );
            }
        }
        assert!(!may_need_escape("plain text, ünïcödé and 日本語"));
    }

    /// The two-pass rewrite `plain` replaced: what it must still do, character for character.
    fn plain_by_chars(s: &str) -> String {
        let mut cleaned = String::with_capacity(s.len());
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => {
                    if chars.peek() != Some(&'\n') {
                        cleaned.push('\n');
                    }
                }
                '\n' | '\t' => cleaned.push(c),
                c if c.is_control() || is_bidi_control(c) => {
                    cleaned.push_str(&c.escape_unicode().to_string());
                }
                c => cleaned.push(c),
            }
        }
        let mut out = String::with_capacity(cleaned.len());
        let mut backslashes = 0usize;
        for c in cleaned.chars() {
            match c {
                '\\' => backslashes += 1,
                '[' | ']' => {
                    // Each backslash before a bracket is doubled, then the bracket is escaped.
                    out.extend(std::iter::repeat_n('\\', backslashes * 2 + 1));
                    out.push(c);
                    backslashes = 0;
                }
                c => {
                    out.extend(std::iter::repeat_n('\\', backslashes));
                    out.push(c);
                    backslashes = 0;
                }
            }
        }
        out.extend(std::iter::repeat_n('\\', backslashes));
        out
    }

    #[test]
    fn plain_text_is_written_as_the_two_pass_rewrite_wrote_it() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            for s in [
                format!("a{c}b"),
                format!("\\{c}]"),
                format!("{c}\r\n\\[{c}"),
            ] {
                assert_eq!(plain(&s), plain_by_chars(&s), "{s:?}");
            }
        }
        // Runs of the characters that interact: backslashes, brackets, CR, LF, controls, bidi.
        let alphabet = [
            '\\', '[', ']', '\r', '\n', '\t', 'x', '\u{1b}', '\u{85}', '\u{202E}', 'é',
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            let len = (seed % 9) as usize;
            let s: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            assert_eq!(plain(&s), plain_by_chars(&s), "{s:?}");
        }
        for s in ["a\r\nb", "x\\[y]", "bidi \u{202E}x"] {
            assert!(needs_plain(s), "{s:?}");
        }
        assert!(!needs_plain("https://example.test/a?b=c,\tünïcödé\n"));
        assert_eq!(plain("a\\\r\n[b\\"), "a\\\n\\[b\\");
    }

    // --- fingerprints and suppressions ---------------------------------------------------

    #[test]
    fn every_result_carries_scangates_fingerprint() {
        let verdict = sample_verdict();
        let (doc, _, _) = rendered(&verdict);
        let got: BTreeSet<String> = results(&doc)
            .iter()
            .map(|r| {
                r["partialFingerprints"][FINGERPRINT_KEY]
                    .as_str()
                    .expect("fingerprint")
                    .to_owned()
            })
            .collect();
        let want: BTreeSet<String> = verdict
            .findings
            .iter()
            .map(|e| e.finding.fingerprint.to_hex())
            .collect();
        assert_eq!(got, want);
        // No source files were given: no line hash.
        assert!(
            results(&doc)
                .iter()
                .all(|r| r["partialFingerprints"].get(LINE_HASH_KEY).is_none())
        );
    }

    #[test]
    fn tool_suppressions_become_sarif_suppressions() {
        let (doc, _, _) = rendered(&sample_verdict());
        let shell = result_with_rule(&doc, "python.lang.security.audit.subprocess-shell-true");
        assert_eq!(
            shell["suppressions"],
            serde_json::json!([{
                "kind": "inSource",
                "status": "accepted",
                "justification": "VERSION comes from our own pyproject.toml",
                "properties": {"scangate": {
                    "source": "scanner",
                    "scanner_kind": "sarif suppression (inSource, accepted)"
                }}
            }])
        );
        let zap = result_with_rule(&doc, "10027");
        assert_eq!(zap["suppressions"][0]["kind"], "external");
        assert_eq!(
            zap["suppressions"][0]["justification"],
            "zap confidence 0 (false positive)"
        );
        let log4j = result_with_rule(&doc, "CVE-2021-44228");
        assert!(log4j.get("suppressions").is_none());
    }

    #[test]
    fn waived_and_ignored_findings_are_suppressed_with_the_reason() {
        let mut verdict = sample_verdict();
        let rules = ["CVE-2021-44228", "aws-access-key-id"];
        for e in &mut verdict.findings {
            if *e.finding.rule_id == *rules[0] {
                e.decision = Decision {
                    outcome: Outcome::Waived,
                    effective_severity: Severity::Critical,
                    reason: "waived until 2030-01-01: vendor patch pending (JIRA-1)".into(),
                    rule: None,
                    waiver: None,
                };
            } else if *e.finding.rule_id == *rules[1] {
                e.decision = Decision {
                    outcome: Outcome::Ignored,
                    effective_severity: Severity::High,
                    reason: "ignored by rule `paths: deploy/**`".into(),
                    rule: None,
                    waiver: None,
                };
            }
        }
        let (doc, _, _) = rendered(&verdict);
        let waived = result_with_rule(&doc, rules[0]);
        assert_eq!(
            waived["suppressions"],
            serde_json::json!([{
                "kind": "external",
                "status": "accepted",
                "justification": "waived until 2030-01-01: vendor patch pending (JIRA-1)",
                "properties": {"scangate": {"source": "policy waiver"}}
            }])
        );
        // Not blocking any more, so not an error; the rank stays.
        assert_eq!(waived["level"], "warning");
        assert_eq!(waived["properties"]["security-severity"], "9.5");
        let ignored = result_with_rule(&doc, rules[1]);
        assert_eq!(ignored["suppressions"][0]["status"], "accepted");
        assert_eq!(
            ignored["suppressions"][0]["justification"],
            "ignored by rule `paths: deploy/**`"
        );
        assert_eq!(results(&doc).len(), 8, "every finding reaches the SARIF");
        assert_valid(&doc);
    }

    // --- locations -----------------------------------------------------------------------

    #[test]
    fn locations_are_relative_uris_or_documented_pseudo_paths() {
        let (doc, _, _) = rendered(&sample_verdict());
        let cases = [
            ("CVE-2021-44228", "app/lib/log4j-core-2.14.1.jar"),
            ("aws-access-key-id", "deploy/.env"),
            (
                "TEMP-0841856-B18BAF",
                "scangate/pkg/shop%2Fweb%3A1.9%20(debian%2012.7)/bash",
            ),
            ("KSV012", "scangate/k8s/shop/Deployment/web"),
            ("10038", "scangate/web/https/staging.shop.example.com"),
            (
                "python.django.security.audit.xss.template-autoescape-off",
                "shop/templates/receipt.html",
            ),
        ];
        for (rule, want) in cases {
            let r = result_with_rule(&doc, rule);
            assert_eq!(uri(r), want, "{rule}");
            assert_eq!(
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
                SRCROOT
            );
        }
        let xss = result_with_rule(
            &doc,
            "python.django.security.audit.xss.template-autoescape-off",
        );
        assert_eq!(
            xss["locations"][0]["physicalLocation"]["region"],
            serde_json::json!({
                "startLine": 14, "startColumn": 1, "endLine": 16, "endColumn": 3,
                "snippet": {"text": "{% autoescape off %}"}
            })
        );
        let k8s = result_with_rule(&doc, "KSV012");
        assert_eq!(
            k8s["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "shop/Deployment/web"
        );
    }

    #[test]
    fn file_paths_map_to_relative_uris() {
        let base = Path::new("/home/runner/work/app");
        let cases = [
            ("src/a.py", "src/a.py", Some("src/a.py")),
            ("./src/./a.py", "src/a.py", Some("src/a.py")),
            (
                "/home/runner/work/app/src/a.py",
                "src/a.py",
                Some("src/a.py"),
            ),
            (
                "file:///home/runner/work/app/src/a%20b.py",
                "src/a%20b.py",
                Some("src/a b.py"),
            ),
            ("/etc/passwd", "scangate/outside/etc/passwd", None),
            ("../x/y.py", "scangate/outside/%2E%2E/x/y.py", None),
            ("C:\\src\\a.py", "scangate/outside/C%3A/src/a.py", None),
            (
                "src/über [1]#?.py",
                "src/%C3%BCber%20%5B1%5D%23%3F.py",
                Some("src/über [1]#?.py"),
            ),
            (
                "https://x.test/a?b",
                "scangate/uri/https/x.test/a%3Fb",
                None,
            ),
        ];
        for (path, want_uri, want_rel) in cases {
            let (got_uri, got_rel) = file_uri(path, Some(base));
            assert_eq!(got_uri, want_uri, "{path}");
            assert_eq!(got_rel.as_deref(), want_rel, "{path}");
        }
        assert_eq!(
            site_path("https://user:secret@Example.COM:8443/a?b#c"),
            "https/example.com:8443"
        );
        assert!(is_relative_file_path("package-lock.json"));
        assert!(!is_relative_file_path("alpine:3.11 (alpine 3.11.5)"));
        assert!(!is_relative_file_path("../outside"));
    }

    #[test]
    fn results_written_by_hand_are_the_bytes_of_their_derived_serialize() {
        let mut keys: BTreeSet<String> = BTreeSet::new();
        let verdicts = [
            sample_verdict(),
            crate::report::fixtures::policy_verdict(),
            baseline_verdict(),
            hostile_verdict(),
            crate::report::fixtures::every_part_verdict(),
        ];
        for v in &verdicts {
            for e in &v.findings {
                let place = place(e, None);
                let correlation_id = v.group_of(e).map(|g| g.id.as_str());
                // The rule's first finding decides which texts a result repeats: the
                // finding itself (nothing repeated) and another one (all repeated).
                for rule_first in [&e.finding, &v.findings[0].finding] {
                    let (derived, by_hand) = with_result(
                        e,
                        7,
                        &place,
                        Some("0123abcd:1"),
                        rule_first,
                        correlation_id,
                        |result| {
                            let derived = compact::to_vec(result, Escapes::Safe)?;
                            let mut by_hand = b"[...],".to_vec();
                            result
                                .render_into(&mut Fields::append_to(&mut by_hand, Escapes::Safe))?;
                            Ok((derived, by_hand))
                        },
                    )
                    .expect("renders");
                    assert_eq!(
                        String::from_utf8_lossy(&by_hand),
                        format!("[...],{}", String::from_utf8_lossy(&derived))
                    );
                    let value: Value = serde_json::from_slice(&derived).expect("JSON");
                    let mut walk = vec![(String::new(), &value)];
                    while let Some((path, value)) = walk.pop() {
                        let children: Vec<(String, &Value)> = match value {
                            Value::Object(members) => members
                                .iter()
                                .map(|(k, v)| (format!("{path}.{k}"), v))
                                .collect(),
                            Value::Array(items) => {
                                items.iter().map(|v| (format!("{path}[]"), v)).collect()
                            }
                            _ => Vec::new(),
                        };
                        keys.extend(children.iter().map(|(k, _)| k.clone()));
                        walk.extend(children);
                    }
                }
            }
        }
        // The fixtures reach every member written apart, so the comparison covers each.
        let bag = ".properties.scangate";
        for key in [
            ".baselineState",
            ".locations[].logicalLocations",
            ".locations[].physicalLocation.region.snippet",
            ".locations[].physicalLocation.region.endColumn",
            ".properties.tags",
            ".suppressions",
            &format!("{bag}.confidence"),
            &format!("{bag}.correlation_id"),
            &format!("{bag}.cvss"),
            &format!("{bag}.cwes"),
            &format!("{bag}.description"),
            &format!("{bag}.first_seen"),
            &format!("{bag}.fix"),
            &format!("{bag}.help_uri"),
            &format!("{bag}.references"),
            &format!("{bag}.rule_name"),
            &format!("{bag}.status"),
            &format!("{bag}.suppression"),
            &format!("{bag}.title"),
            &format!("{bag}.tool_baseline_state"),
            &format!("{bag}.tool_fingerprints"),
            &format!("{bag}.vuln_ids"),
            &format!("{bag}.location.file.snippet"),
            &format!("{bag}.location.file.region.end_column"),
            &format!("{bag}.location.package.layer"),
            &format!("{bag}.location.package.path"),
            &format!("{bag}.location.package.purl"),
            &format!("{bag}.location.package.version"),
            &format!("{bag}.location.target"),
            &format!("{bag}.location.web"),
            &format!("{bag}.location.resource"),
        ] {
            assert!(keys.contains(key), "no fixture result has `{key}`");
        }
    }

    #[test]
    fn the_plain_path_shortcut_gives_what_the_general_way_gives() {
        let base = Path::new("/home/runner/work/app");
        let plain = [
            "a",
            "src/a.py",
            "a/b/c-d_e~f.g(h)+i,j;k=l@m!n$o&p'q*r",
            ".hidden/..x/x..",
        ];
        let not_plain = [
            "", "/", "/a", "a/", "a//b", ".", "..", "./a", "a/./b", "a/..", "../a", " a", "a b",
            "a:b", "C:/a", "file:a", "x://y", "a\\b", "a%20b", "a#b", "a?b", "ü", "a\u{7f}",
        ];
        for path in plain {
            assert!(is_plain_relative_path(path), "{path:?}");
            let general = file_uri_in_general(path, Some(base));
            assert_eq!(
                general,
                (path.to_owned(), Some(path.to_owned())),
                "{path:?}"
            );
        }
        for path in not_plain {
            assert!(!is_plain_relative_path(path), "{path:?}");
        }
    }

    #[test]
    fn missing_directories_are_asked_about_once_and_answer_for_what_is_below() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
        std::fs::write(dir.path().join("a/f"), "").expect("write");
        let mut known = foldhash::HashMap::default();
        assert!(dir_exists(&mut known, dir.path(), "a/b"));
        assert!(dir_exists(&mut known, dir.path(), ""));
        assert!(!dir_exists(&mut known, dir.path(), "a/f"), "a file");
        assert!(!dir_exists(&mut known, dir.path(), "x/y/z"));
        let mut asked: Vec<(&str, bool)> = known.into_iter().collect();
        asked.sort();
        assert_eq!(
            asked,
            [
                ("a", true),
                ("a/b", true),
                ("a/f", false),
                ("x", false),
                ("x/y", false),
                ("x/y/z", false)
            ]
        );
        assert_eq!(parent_dir("a/b/c.py"), "a/b");
        assert_eq!(parent_dir("c.py"), "");
    }

    #[test]
    fn findings_without_any_location_point_at_their_input_report() {
        let verdict = verdict_of(vec![finding("T", None, "R", Severity::Low, 1)]);
        let (doc, _, _) = rendered(&verdict);
        assert_eq!(uri(&runs(&doc)[0]["results"][0]), "reports/t.json");
    }

    // --- message text --------------------------------------------------------------------

    #[test]
    fn plain_text_cannot_form_embedded_links_or_hide_characters() {
        assert_eq!(plain("[x](javascript:1)"), "\\[x\\](javascript:1)");
        assert_eq!(plain("a\\[b"), "a\\\\\\[b");
        assert_eq!(plain("C:\\dir\\f"), "C:\\dir\\f");
        assert_eq!(plain("a\r\nb\rc\u{1b}[0m"), "a\nb\nc\\u{1b}\\[0m");
        assert_eq!(plain("\u{202e}x"), "\\u{202e}x");
        for s in [HOSTILE, "\\\\[", "[\\]", "\\"] {
            assert!(!has_unescaped_bracket(&plain(s)), "{s:?}");
        }
    }

    // --- primaryLocationLineHash ---------------------------------------------------------

    fn all_hashes(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        hash_lines(text, |line, h| {
            assert_eq!(line, out.len() + 1, "lines come in order");
            out.push(h);
        });
        out
    }

    /// Test vectors from `github/codeql-action` `src/fingerprints.test.ts`.
    #[test]
    fn line_hashes_match_githubs_test_vectors() {
        assert_eq!(all_hashes(""), ["c129715d7a2bc9a3:1"]);
        assert_eq!(
            all_hashes(" a\nb\n  \t\tc\n d"),
            [
                "271789c17abda88f:1",
                "54703d4cd895b18:1",
                "180aee12dab6264:1",
                "a23a3dc5e078b07b:1"
            ]
        );
        assert_eq!(
            all_hashes(" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End"),
            [
                "8b7cf3e952e7aeb2:1",
                "b1ae1287ec4718d9:1",
                "bff680108adb0fcc:1",
                "c6805c5e1288b612:1",
                "b86d3392aea1be30:1",
                "e6ceba753e1a442:1",
            ]
        );
        let with_final_newline = [
            "e9496ae3ebfced30:1",
            "fb7c023a8b9ccb3f:1",
            "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1",
            "b3edc88f2938467e:1",
            "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ];
        for text in [
            " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
            " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        ] {
            assert_eq!(all_hashes(text), with_final_newline, "{text:?}");
        }
        assert_eq!(
            all_hashes(&"Lorem ipsum dolor sit amet.\n".repeat(10)),
            [
                "a7f2ff13bc495cf2:1",
                "a7f2ff13bc495cf2:2",
                "a7f2ff13bc495cf2:3",
                "a7f2ff13bc495cf2:4",
                "a7f2ff13bc495cf2:5",
                "a7f2ff13bc495cf2:6",
                "a7f2ff1481e87703:1",
                "a9cf91f7bbf1862b:1",
                "55ec222b86bcae53:1",
                "cc97dc7b1d7d8f7b:1",
                "c129715d7a2bc9a3:1"
            ]
        );
    }

    #[test]
    fn line_hash_is_computed_for_files_in_the_base_dir_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        let base = dir.path().join("checkout");
        std::fs::create_dir_all(base.join("src")).expect("mkdir");
        std::fs::write(
            base.join("src/app.py"),
            " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("secret.txt"), "outside\n").expect("write");
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), base.join("link.txt"))
            .expect("symlink");

        let at = |path: String, line: u64, n: u64| {
            let mut f = finding("Semgrep", None, &format!("r{n}"), Severity::High, n);
            f.location.file = Some(Box::new(FileLocation {
                path,
                region: Some(Region {
                    start_line: Some(line),
                    ..Region::default()
                }),
                snippet: None,
            }));
            f
        };
        let verdict = verdict_of(vec![
            at("src/app.py".into(), 2, 1),
            at(format!("{}/src/app.py", base.display()), 7, 2),
            at("src/missing.py".into(), 1, 3),
            at("../secret.txt".into(), 1, 4),
            at("link.txt".into(), 1, 5),
            at("src".into(), 1, 6),
        ]);
        let options = SarifOptions {
            base_dir: Some(base.clone()),
            ..SarifOptions::default()
        };
        let (text, stats) = rendered_with(&verdict, &options);
        let doc: Value = serde_json::from_str(&text).expect("JSON");
        let hash = |rule: &str| {
            result_with_rule(&doc, rule)["partialFingerprints"][LINE_HASH_KEY]
                .as_str()
                .map(str::to_owned)
        };
        // Values from GitHub's own test vectors for this text (lines 2 and 7).
        assert_eq!(hash("r1").as_deref(), Some("fb7c023a8b9ccb3f:1"));
        assert_eq!(hash("r2").as_deref(), Some("c129715d7a2bc9a3:1"));
        assert_eq!(uri(result_with_rule(&doc, "r2")), "src/app.py");
        for rule in ["r3", "r4", "r5", "r6"] {
            assert_eq!(hash(rule), None, "{rule}");
        }
        assert_eq!(stats.line_hashes, 2);
    }

    #[test]
    fn a_line_hash_from_the_scanner_is_passed_on() {
        let mut f = finding("CodeQL", None, "js/xss", Severity::High, 1);
        f.extra.tool_fingerprints = ToolFingerprints::new([
            "primaryLocationLineHash=abc:1",
            "primaryLocationStartColumnFingerprint=4",
        ]);
        let (doc, _, _) = rendered(&verdict_of(vec![f]));
        let fp = &runs(&doc)[0]["results"][0]["partialFingerprints"];
        assert_eq!(fp[LINE_HASH_KEY], "abc:1");
        assert_eq!(fp["primaryLocationStartColumnFingerprint"], "4");
    }

    // --- limits --------------------------------------------------------------------------

    #[test]
    fn more_than_25000_results_in_a_run_keep_the_most_severe() {
        let total = 25_010;
        let findings: Vec<Finding> = (0..total)
            .map(|i| {
                // 9 info findings and 1 critical among the ones that would be cut by position.
                let sev = match i {
                    0..=8 => Severity::Info,
                    9 => Severity::Critical,
                    _ => Severity::Low,
                };
                finding("Trivy", Some("0.57.1"), "CVE-2024-0001", sev, i as u64)
            })
            .collect();
        let verdict = verdict_of(findings);
        let (doc, _, stats) = rendered(&verdict);
        let run = &runs(&doc)[0];
        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), 25_000);
        assert_eq!(stats.results, 25_000);
        assert_eq!(stats.dropped_results, 10);
        assert!(
            results
                .iter()
                .any(|r| r["properties"]["scangate"]["severity"] == "critical")
        );
        let dropped = &run["properties"]["scangate"]["dropped"];
        assert_eq!(dropped["results"], 10);
        assert_eq!(dropped["over_results_per_run_limit"], 10);
        // The 9 info findings and one low one were left out.
        assert_eq!(
            dropped["by_severity"],
            serde_json::json!({"info": 9, "low": 1})
        );
        assert_eq!(stats.warnings.len(), 1, "{:?}", stats.warnings);
        assert!(
            stats.warnings[0].contains("25000 per run"),
            "{}",
            stats.warnings[0]
        );
    }

    #[test]
    fn more_than_20_runs_keep_the_most_severe_tools() {
        let mut findings: Vec<Finding> = (0..22)
            .map(|i| finding(&format!("tool{i:02}"), None, "R", Severity::Medium, i))
            .collect();
        findings[5].severity = Severity::Info;
        findings[7].severity = Severity::Low;
        findings[21].severity = Severity::Critical;
        let (doc, _, stats) = rendered(&verdict_of(findings));
        assert_eq!(runs(&doc).len(), 20);
        assert_eq!(stats.dropped_runs, 2);
        let names: BTreeSet<&str> = runs(&doc)
            .iter()
            .map(|r| r["tool"]["driver"]["name"].as_str().expect("name"))
            .collect();
        assert!(!names.contains("tool05") && !names.contains("tool07"));
        assert!(names.contains("tool21"));
        let dropped = doc["properties"]["scangate"]["dropped_runs"]
            .as_array()
            .expect("dropped runs");
        assert_eq!(dropped.len(), 2);
        assert!(stats.warnings[0].contains("tool05"), "{:?}", stats.warnings);
    }

    #[test]
    fn an_oversized_log_sheds_the_least_severe_results() {
        let verdict = sample_verdict();
        let (full, _) = rendered_with(&verdict, &SarifOptions::default());
        let full_gz = {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(full.as_bytes()).expect("gzip");
            e.finish().expect("gzip").len() as u64
        };
        let options = SarifOptions {
            limits: Limits {
                max_gzip_bytes: full_gz - 300,
                ..Limits::GITHUB
            },
            ..SarifOptions::default()
        };
        let (text, stats) = rendered_with(&verdict, &options);
        let doc: Value = serde_json::from_str(&text).expect("JSON");
        assert!(stats.dropped_results > 0 && stats.results < 8, "{stats:?}");
        assert_eq!(stats.results + stats.dropped_results, 8);
        // The critical and the high finding survive.
        let kept: Vec<&str> = results(&doc)
            .iter()
            .map(|r| r["ruleId"].as_str().expect("rule"))
            .collect();
        assert!(kept.contains(&"CVE-2021-44228") && kept.contains(&"aws-access-key-id"));
        let dropped: u64 = runs(&doc)
            .iter()
            .filter_map(|r| r["properties"]["scangate"]["dropped"]["over_size_limit"].as_u64())
            .sum();
        assert_eq!(dropped as usize, stats.dropped_results);
        assert!(
            stats.warnings.iter().any(|w| w.contains("gzipped")),
            "{stats:?}"
        );
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).expect("gzip");
        assert!(gz.finish().expect("gzip").len() as u64 <= options.limits.max_gzip_bytes);
    }

    #[test]
    fn a_log_over_the_limit_only_at_the_quick_level_keeps_every_result() {
        // Level 2 is the quick first measure; the limit is GitHub's, at level 6.
        let verdict = sample_verdict();
        let (full, _) = rendered_with(&verdict, &SarifOptions::default());
        let gz = |level| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), level);
            e.write_all(full.as_bytes()).expect("gzip");
            e.finish().expect("gzip").len() as u64
        };
        let (fast, best) = (
            gz(flate2::Compression::new(2)),
            gz(flate2::Compression::default()),
        );
        assert!(best < fast, "level 6 {best} vs level 2 {fast}");
        let options = SarifOptions {
            limits: Limits {
                max_gzip_bytes: best,
                ..Limits::GITHUB
            },
            ..SarifOptions::default()
        };
        let (text, stats) = rendered_with(&verdict, &options);
        assert_eq!(stats.dropped_results, 0, "{stats:?}");
        assert!(stats.warnings.is_empty(), "{stats:?}");
        assert!(text == full, "the measured log changed");
    }

    #[test]
    fn a_log_measured_through_gzip_is_written_byte_for_byte() {
        // A limit just under the raw size sends the log through the gzip thread (and back
        // through inflate) without shedding anything: the bytes must be those of the raw path.
        let verdict = hostile_verdict();
        let (raw, raw_stats) = rendered_with(&verdict, &SarifOptions::default());
        let options = SarifOptions {
            limits: Limits {
                max_gzip_bytes: raw.len() as u64 - 1,
                ..Limits::GITHUB
            },
            ..SarifOptions::default()
        };
        let (gzipped, stats) = rendered_with(&verdict, &options);
        assert_eq!(stats, raw_stats);
        assert!(stats.warnings.is_empty(), "{stats:?}");
        assert!(gzipped == raw, "the gzip path changed the bytes");
    }

    #[test]
    fn gzip_is_its_deflate_stream_and_the_framing() {
        let text = rendered_with(&hostile_verdict(), &SarifOptions::default()).0;
        for level in [2, 6] {
            let level = flate2::Compression::new(level);
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), level);
            gz.write_all(text.as_bytes()).expect("gzip");
            let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), level);
            deflate.write_all(text.as_bytes()).expect("deflate");
            assert_eq!(
                gz.finish().expect("gzip").len() as u64,
                deflate.finish().expect("deflate").len() as u64 + GZIP_FRAMING_BYTES
            );
        }
    }

    // --- helpers -------------------------------------------------------------------------

    fn finding(scanner: &str, version: Option<&str>, rule: &str, sev: Severity, n: u64) -> Finding {
        Finding {
            fingerprint: Fingerprint::builder("test")
                .field(scanner)
                .field(&n.to_string())
                .finish(),
            scanner: Arc::new(Scanner {
                name: scanner.into(),
                version: version.map(Into::into),
            }),
            kind: FindingKind::Code,
            rule_id: rule.into(),
            vuln_ids: Box::default(),
            title: format!("finding {n}").into(),
            description: None,
            severity: sev,
            severity_source: SeveritySource::new("test", ""),
            confidence: None,
            location: Location::default(),
            fix: None,
            references: Default::default(),
            cwes: Arc::default(),
            suppression: None,
            extra: Extra::default(),
            input: "reports/t.json".into(),
        }
    }

    fn verdict_of(findings: Vec<Finding>) -> Verdict {
        let mut scanners: Vec<Scanner> = Vec::new();
        for f in &findings {
            if !scanners.contains(&f.scanner) {
                scanners.push(Scanner::clone(&f.scanner));
            }
        }
        let input = Input {
            path: "reports/t.json".into(),
            format: Format::Sarif,
            report: ParsedReport {
                scanners,
                findings: findings.into_iter().map(Box::new).collect(),
                stats: ReportStats::default(),
            },
        };
        Verdict::build(
            Policy::embedded(),
            vec![input],
            &[],
            crate::report::fixtures::settings(),
        )
    }
}
