//! The JSON report: the stable contract other tools build on.
//!
//! Top-level keys: `schema_version`, `tool`, `verdict` (`pass`/`fail`/`error`), `exit_code`
//! (always the process's exit status), `inputs` (each with `path`, `format`, `scanner`,
//! `scanner_version`, `findings`, and `error` when it could not be read), `policy` (the
//! validated policy: thresholds, rules, waivers), `today` (the date waivers were checked
//! against), `waivers` (each waiver's state: `used`, `stale` or `expired`, and counts),
//! `missing_reports` (required scanners without a report), `baseline` (the file checked against,
//! or null), `summary`, `rules`, `findings` (every finding, with its `outcome`, `reason`, the
//! `waiver` that applied, `baseline` (`new`/`existing`/null) and its
//! `correlation_id`/`reported_by`) and `fixed` (baseline entries no longer reported). The
//! document is streamed to the writer; no intermediate JSON tree is built.
//!
//! # Rule texts are written once
//! What a scanner says about a rule or advisory — `description`, the fix's `solution`,
//! `references`, `rule_name`, `help_uri`, `tags`, `cwes` — is the same for every finding of it
//! (a SARIF rule's help, a CVE's description in every package it is found in, a ZAP alert's
//! solution), and written per finding it made a report several times the size of its input
//! (issue 7: 780 MB for a 213 MB SARIF log). So each distinct combination of `scanner`,
//! `rule_id` and those fields is one entry of `rules`, in the order findings first use it, and
//! a finding names its entry by index (`rule`), as SARIF's `ruleIndex` does. A rule whose
//! findings carry different texts has one entry per variant. A finding keeps what identifies
//! it (`scanner`, `rule_id`, `vuln_ids`, `title`) so each line still says what it is. Schema
//! 2.0 made this change; 1.0 repeated the texts in each finding.
//!
//! # Layout
//! The top two levels are indented (two spaces a level); anything deeper is written compactly
//! on one line. So every finding (and every input, waiver, fixed entry, policy entry) is one line:
//! a report stays diff-friendly and `grep`-able, and a large one is a fraction of the size of a
//! fully indented document. Whitespace is not part of the contract: read it as JSON.
//!
//! # Counting correlated findings
//! Every finding is in `findings`, correlated or not. In `summary`, `total`, `by_outcome` and
//! `by_severity` count *problems*: a correlated group once, at its highest effective severity and
//! its most blocking outcome (fail, warn, waived, ignored, suppressed in that order); `findings`
//! is the number of entries and `correlated` the number of groups. `by_scanner` counts each
//! scanner's own findings (each scanner reported the problem once).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash, Hasher};
use std::io::Write;

use serde::Serialize;
use serde::ser::SerializeSeq;

use crate::baseline;
use crate::ingest::{Format, ReportStats};
use crate::model::{
    Confidence, CvssScore, FileLocation, Finding, FindingKind, Fingerprint, Location,
    PackageLocation, Severity, SeveritySource, ToolFingerprints, ToolSuppression, VulnId,
};
use crate::policy::{Outcome, Policy, Waiver, WaiverState};
use crate::report::compact::{self, Escapes, Fields, Members, Prerendered};
use crate::verdict::{Evaluated, Verdict};

/// Bumped on any incompatible change to the document's shape.
pub const SCHEMA_VERSION: &str = "2.0";

#[derive(Serialize)]
struct Document<'a> {
    schema_version: &'static str,
    tool: Tool,
    verdict: &'static str,
    exit_code: u8,
    inputs: Vec<JsonInput<'a>>,
    policy: &'a Policy,
    today: String,
    waivers: Vec<JsonWaiverUse<'a>>,
    missing_reports: &'a [String],
    baseline: Option<JsonBaseline<'a>>,
    summary: JsonSummary<'a>,
    rules: Rules<'a>,
    findings: Findings<'a>,
    /// Baseline entries no longer reported (empty without a baseline).
    fixed: &'a [baseline::Entry],
}

/// The baseline a run was checked against.
#[derive(Serialize)]
struct JsonBaseline<'a> {
    path: &'a str,
    created: String,
    updated: String,
    entries: usize,
}

#[derive(Serialize)]
struct BaselineCounts {
    new: usize,
    existing: usize,
    fixed: usize,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonInput<'a> {
    path: &'a str,
    format: Option<Format>,
    /// First tool in the file (SARIF files may hold several runs: see `scanners`).
    scanner: Option<&'a str>,
    scanner_version: Option<&'a str>,
    scanners: Vec<&'a str>,
    findings: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    stats: Option<&'a ReportStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// A waiver and how it fared in this run.
#[derive(Serialize)]
struct JsonWaiverUse<'a> {
    number: usize,
    origin: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<&'a str>,
    state: WaiverState,
    matched: u64,
    applied: u64,
    expires: Option<String>,
}

/// The waiver that applied to a finding.
#[derive(Serialize)]
struct JsonWaiver<'a> {
    number: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<&'a str>,
    reason: &'a str,
    expires: Option<Shown<jiff::civil::Date>>,
    owner: Option<&'a str>,
}

impl<'a> From<&'a Waiver> for JsonWaiver<'a> {
    fn from(w: &'a Waiver) -> Self {
        JsonWaiver {
            number: w.number,
            id: w.id.as_deref(),
            fingerprint: w.conditions.fingerprint.as_deref(),
            reason: &w.reason,
            expires: w.expires.map(Shown),
            owner: w.owner.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    /// Distinct problems (a correlated group once).
    total: usize,
    /// Entries in `findings`.
    findings: usize,
    /// Correlated groups.
    correlated: usize,
    by_outcome: BTreeMap<Outcome, u64>,
    by_severity: BTreeMap<Severity, u64>,
    by_scanner: &'a crate::verdict::Summary,
    /// Findings new / existing against the baseline and baseline entries fixed; null without
    /// a baseline.
    baseline: Option<BaselineCounts>,
}

/// A rule's shared texts: one entry of `rules`.
#[derive(Clone, Copy, Serialize, PartialEq, Eq, Hash)]
struct JsonRule<'a> {
    scanner: &'a str,
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    solution: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    references: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "<[u32]>::is_empty")]
    cwes: &'a [u32],
}

impl<'a> JsonRule<'a> {
    /// The entry as compact JSON, as its derived `Serialize` writes it (tested on every
    /// fixture): keys as literals, see [`JsonFinding::render`].
    /// The entry as compact JSON, appended to `out` (as for [`JsonFinding::render_into`]).
    fn render_into(&self, out: &mut Vec<u8>) -> Result<(), compact::Error> {
        let mut o = Fields::append_to(out, Escapes::Json);
        o.str_field("{\"scanner\":", self.scanner);
        o.str_field(",\"rule_id\":", self.rule_id);
        o.optional_str(",\"description\":", self.description);
        o.optional_str(",\"solution\":", self.solution);
        if !self.references.is_empty() {
            o.field(",\"references\":", self.references)?;
        }
        o.optional_str(",\"rule_name\":", self.rule_name);
        o.optional_str(",\"help_uri\":", self.help_uri);
        if !self.tags.is_empty() {
            o.field(",\"tags\":", self.tags)?;
        }
        if !self.cwes.is_empty() {
            o.field(",\"cwes\":", self.cwes)?;
        }
        o.raw("}");
        Ok(())
    }

    fn of(f: &'a Finding) -> Self {
        JsonRule {
            scanner: &f.scanner.name,
            rule_id: &f.rule_id,
            description: f.description.as_deref(),
            solution: f.fix.as_ref().and_then(|x| x.solution.as_deref()),
            references: &f.references,
            rule_name: f.extra.rule_name.as_deref(),
            help_uri: f.extra.help_uri.as_deref(),
            tags: &f.extra.tags,
            cwes: &f.cwes,
        }
    }
}

/// A text or list compared by its address first: the readers give the findings of a rule one
/// shared copy of its id and CWEs, and the rule table compares each finding's with the one
/// before it.
struct Shared<'a, T: ?Sized>(&'a T);

impl<T: ?Sized> Clone for Shared<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for Shared<'_, T> {}

impl<T: ?Sized + PartialEq> PartialEq for Shared<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0) || self.0 == other.0
    }
}

impl<T: ?Sized + Eq> Eq for Shared<'_, T> {}

impl<T: ?Sized + Hash> Hash for Shared<'_, T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

/// The `rules` entries and the entry of each finding.
struct RuleTable<'a> {
    rules: Vec<JsonRule<'a>>,
    /// Indexed like `Verdict::findings`.
    of_finding: Vec<u32>,
}

impl<'a> RuleTable<'a> {
    fn new(findings: &'a [Evaluated]) -> Self {
        Self::with_hasher(findings, foldhash::fast::RandomState::default())
    }

    /// With the hasher of the texts given (tests give one under which all texts collide).
    fn with_hasher(findings: &'a [Evaluated], hasher: impl BuildHasher) -> Self {
        // The readers share one allocation per long rule text among the rule's findings, so
        // the addresses of those texts (with the short fields themselves) usually identify the
        // entry without hashing kilobytes of a SARIF rule's help per finding. Equal addresses
        // mean equal texts: every finding is alive while the table is built. A miss falls back
        // to the texts.
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        struct Identity<'a> {
            /// Scanner, description, solution, references.
            shared: [usize; 4],
            rule_id: Shared<'a, str>,
            rule_name: Option<&'a str>,
            help_uri: Option<&'a str>,
            tags: &'a [String],
            cwes: Shared<'a, [u32]>,
        }
        fn identity(f: &Finding) -> Identity<'_> {
            let text = |t: Option<&crate::model::Text>| t.map_or(0, |t| t.as_ptr() as usize);
            Identity {
                shared: [
                    std::sync::Arc::as_ptr(&f.scanner) as usize,
                    text(f.description.as_ref()),
                    text(f.fix.as_ref().and_then(|x| x.solution.as_ref())),
                    f.references.as_ptr() as usize,
                ],
                rule_id: Shared(&f.rule_id),
                rule_name: f.extra.rule_name.as_deref(),
                help_uri: f.extra.help_uri.as_deref(),
                tags: &f.extra.tags,
                cwes: Shared(&f.cwes),
            }
        }
        // foldhash: SipHash over each distinct advisory's texts was ~15 % of a Trivy run with
        // the JSON report. Seeded per process, as the verdict's maps are. The texts are hashed
        // once, into a `u64` key (a map keyed by the texts hashes them again as it grows);
        // texts whose hash another entry already has are told apart by comparing them.
        let mut by_identity: foldhash::HashMap<Identity<'a>, u32> = HashMap::default();
        let mut by_hash: foldhash::HashMap<u64, u32> = HashMap::default();
        let mut collided: Vec<u32> = Vec::new();
        let mut rules: Vec<JsonRule<'a>> = Vec::new();
        let mut of_finding = Vec::with_capacity(findings.len());
        let mut last: Option<(Identity, u32)> = None;
        for (i, e) in findings.iter().enumerate() {
            // The findings are boxes scattered over the heap: ask for them ahead of the loop.
            if let Some(ahead) = findings.get(i + 2 * PREFETCH_AHEAD) {
                crate::prefetch::object::<Finding>(&ahead.finding);
            }
            // A Trivy finding's CWEs are its own: comparing them waited on a load per finding
            // (perf, issue 7). The finding is in cache by now.
            if let Some(ahead) = findings.get(i + PREFETCH_AHEAD) {
                crate::prefetch::line(ahead.finding.cwes.as_ptr());
            }
            let f = &e.finding;
            let id = identity(f);
            let index = match last {
                // Findings of one rule are mostly adjacent in the verdict's order.
                Some((last_id, index)) if last_id == id => index,
                _ => *by_identity.entry(id).or_insert_with(|| {
                    let rule = JsonRule::of(f);
                    let next = rules.len() as u32;
                    let found = match by_hash.entry(hasher.hash_one(rule)) {
                        Entry::Vacant(slot) => *slot.insert(next),
                        Entry::Occupied(slot) if rules[*slot.get() as usize] == rule => *slot.get(),
                        Entry::Occupied(_) => {
                            let same = collided.iter().find(|&&i| rules[i as usize] == rule);
                            match same.copied() {
                                Some(i) => i,
                                None => {
                                    collided.push(next);
                                    next
                                }
                            }
                        }
                    };
                    if found == next {
                        rules.push(rule);
                    }
                    found
                }),
            };
            last = Some((id, index));
            of_finding.push(index);
        }
        RuleTable { rules, of_finding }
    }
}

struct Findings<'a> {
    verdict: &'a Verdict,
    rules: &'a RuleTable<'a>,
}

/// Elements rendered at a time: enough to keep both cores busy, few enough that the window
/// (~1-2 KB a finding or result) stays a few MB.
const RENDER_WINDOW: usize = 2048;

/// Elements rendered one after another into one buffer, handed to the serializer as one value:
/// the serializer's work per value (the raw-value protocol, a UTF-8 check, a copy) was a
/// sixth of the writing thread's time when it was done per element (issue 7). Large enough
/// that the first few elements of a piece, which the renderers' prefetching cannot reach
/// ahead of, are few.
const RENDER_PIECE: usize = 256;

/// Writes `count` elements into `seq`, element `i` as `render(i, out)` appends it to `out`:
/// compact JSON, the bytes the serializer would write at that depth (the levels below the
/// indented ones are compact), `separator` being what it writes between two elements there
/// (see [`LinesFormatter::separator`]). Windows of elements are rendered in parallel and
/// written in order, each while the pool renders the next one; rendering is most of a large
/// report's cost.
pub(crate) fn write_rendered<Q, E>(
    seq: &mut Q,
    count: usize,
    separator: &[u8],
    render: impl Fn(usize, &mut Vec<u8>) -> Result<(), E> + Sync,
) -> Result<(), Q::Error>
where
    Q: SerializeSeq,
    E: std::fmt::Display + Send,
{
    use rayon::prelude::*;
    use serde::ser::Error;
    let render_piece = |piece: std::ops::Range<usize>| {
        let mut out = Vec::with_capacity(piece.len() * 2048);
        for i in piece.clone() {
            if i != piece.start {
                out.extend_from_slice(separator);
            }
            render(i, &mut out)?;
        }
        Ok(out)
    };
    let render_window = |window: std::ops::Range<usize>| {
        let end = window.end;
        window
            .step_by(RENDER_PIECE)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|start| render_piece(start..end.min(start + RENDER_PIECE)))
            .collect::<Result<Vec<_>, E>>()
    };
    let mut windows = (0..count)
        .step_by(RENDER_WINDOW)
        .map(|start| start..count.min(start + RENDER_WINDOW));
    let mut rendered = windows.next().map(render_window);
    while let Some(current) = rendered.take() {
        let current = current.map_err(Q::Error::custom)?;
        let (next, slot, render_window) = (windows.next(), &mut rendered, &render_window);
        // The writer is this thread; the pool renders the next window meanwhile.
        rayon::in_place_scope(|scope| {
            if let Some(next) = next {
                scope.spawn(move |_| *slot = Some(render_window(next)));
            }
            current
                .iter()
                .try_for_each(|piece| seq.serialize_element(&Prerendered(piece)))
        })?;
    }
    Ok(())
}

/// Between two elements of the report's top-level arrays (`rules`, `findings`).
fn top_level_separator() -> Vec<u8> {
    LinesFormatter::separator(PRETTY_DEPTH, 2)
}

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.verdict;
        let mut seq = s.serialize_seq(Some(v.findings.len()))?;
        let separator = top_level_separator();
        write_rendered(&mut seq, v.findings.len(), &separator, |i, out| {
            let at = |k| v.findings.get(k);
            let ahead = |step| at(i + step * PREFETCH_AHEAD);
            prefetch_finding(ahead(1), ahead(2), ahead(3));
            JsonFinding::new(&v.findings[i], self.rules.of_finding[i], v).render_into(out)
        })?;
        seq.end()
    }
}

/// The `rules` array, rendered as the findings are: a Trivy report has an entry for most
/// advisories, about half the document.
struct Rules<'a>(&'a [JsonRule<'a>]);

impl Serialize for Rules<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        let separator = top_level_separator();
        write_rendered(&mut seq, self.0.len(), &separator, |i, out| {
            if let Some(ahead) = self.0.get(i + PREFETCH_AHEAD) {
                for text in [ahead.description, ahead.solution, ahead.help_uri] {
                    crate::prefetch::line(text.unwrap_or_default());
                }
                crate::prefetch::line(ahead.references);
            }
            self.0[i].render_into(out)
        })?;
        seq.end()
    }
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    fingerprint: Fingerprint,
    scanner: &'a str,
    scanner_version: Option<&'a str>,
    kind: FindingKind,
    rule_id: &'a str,
    vuln_ids: &'a [VulnId],
    title: &'a str,
    /// Index of the finding's entry in `rules`.
    rule: u32,
    severity: Severity,
    effective_severity: Severity,
    severity_source: Shown<&'a SeveritySource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<Confidence>,
    location: &'a Location,
    /// The fixed version (the solution is on the rule).
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
    outcome: Outcome,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<&'a ToolSuppression>,
    /// `new` / `existing` against the baseline; null without one.
    baseline: Option<&'static str>,
    /// When an existing finding was first seen (through its correlation group, if need be).
    #[serde(skip_serializing_if = "Option::is_none")]
    first_seen: Option<Shown<jiff::civil::Date>>,
    /// Shared by the findings of one correlated group; null when not correlated.
    correlation_id: Option<&'a str>,
    /// The scanners that reported the correlated group (only when correlated).
    #[serde(skip_serializing_if = "Option::is_none")]
    reported_by: Option<&'a [String]>,
    /// The waiver that applied; null when none did.
    waiver: Option<JsonWaiver<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cvss: Option<&'a CvssScore>,
    #[serde(skip_serializing_if = "ToolFingerprints::is_empty")]
    tool_fingerprints: &'a ToolFingerprints,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_baseline_state: Option<&'a str>,
    input: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    fixed_version: &'a str,
}

/// A value written as its `Display` text, without building a `String` per finding first.
pub(crate) struct Shown<T>(pub(crate) T);

impl<T: std::fmt::Display> Serialize for Shown<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'a> JsonFinding<'a> {
    fn new(e: &'a Evaluated, rule: u32, verdict: &'a Verdict) -> Self {
        let f = &e.finding;
        let policy: &Policy = &verdict.policy;
        let group = verdict.group_of(e);
        JsonFinding {
            fingerprint: f.fingerprint,
            scanner: &f.scanner.name,
            scanner_version: f.scanner.version.as_deref(),
            kind: f.kind,
            rule_id: &f.rule_id,
            vuln_ids: &f.vuln_ids,
            title: &f.title,
            rule,
            severity: f.severity,
            effective_severity: e.decision.effective_severity,
            severity_source: Shown(&f.severity_source),
            confidence: f.confidence,
            location: &f.location,
            fix: f
                .fix
                .as_ref()
                .and_then(|x| x.fixed_version.as_deref())
                .map(|fixed_version| JsonFix { fixed_version }),
            outcome: e.decision.outcome,
            reason: &e.decision.reason,
            suppression: f.suppression.as_deref(),
            baseline: e.baseline.map(|b| b.as_str()),
            first_seen: e.baseline.and_then(|b| b.first_seen()).map(Shown),
            correlation_id: group.map(|g| g.id.as_str()),
            reported_by: group.map(|g| g.reported_by.as_slice()),
            waiver: e
                .decision
                .waiver
                .and_then(|i| policy.waivers.get(i as usize))
                .map(JsonWaiver::from),
            status: f.extra.status(),
            cvss: f.extra.cvss(),
            tool_fingerprints: &f.extra.tool_fingerprints,
            tool_baseline_state: f.extra.baseline_state(),
            input: &f.input,
        }
    }
}

/// How many elements apart the stages of [`prefetch_finding`] run: the finding itself three
/// steps ahead of the one being rendered, its boxes two steps ahead, their texts one.
pub(crate) const PREFETCH_AHEAD: usize = 4;

/// Prefetches, for the element rendered next-but-`PREFETCH_AHEAD`, what rendering reads first,
/// in three stages so that no stage waits for a load: `far` (three steps ahead) — the finding's
/// own lines; `mid` (two steps, the finding in cache by then) — its boxes and texts; `near`
/// (one step, its boxes in cache) — the texts the boxes point to. Reading a box's pointer in
/// the stage that asked for the box stalled on it (perf annotate, issue 7).
pub(crate) fn prefetch_finding(
    near: Option<&Evaluated>,
    mid: Option<&Evaluated>,
    far: Option<&Evaluated>,
) {
    if let Some(far) = far {
        crate::prefetch::object::<Finding>(&far.finding);
    }
    if let Some(mid) = mid {
        let f = &mid.finding;
        crate::prefetch::text(&f.title);
        for text in [&f.rule_id, &f.input] {
            crate::prefetch::line(text.as_ptr());
        }
        crate::prefetch::text(&mid.decision.reason);
        crate::prefetch::text(f.extra.tool_fingerprints.held());
        if let Some(file) = &f.location.file {
            crate::prefetch::line(&**file);
        }
        if let Some(package) = &f.location.package {
            crate::prefetch::line(&**package);
        }
        if let Some(suppression) = &f.suppression {
            crate::prefetch::line(&**suppression);
        }
    }
    if let Some(near) = near {
        let f = &near.finding;
        if let Some(file) = &f.location.file {
            crate::prefetch::text(&file.path);
        }
        if let Some(package) = &f.location.package {
            crate::prefetch::line(package.name.as_ptr());
        }
        if let Some(suppression) = &f.suppression {
            crate::prefetch::line(suppression.kind.as_ptr());
        }
    }
}

impl JsonFinding<'_> {
    /// The finding as compact JSON: the bytes `compact::to_vec` writes for the derived
    /// `Serialize` (a test holds the two to each other on every fixture), with the keys
    /// written as literals — serde's calls per field were a third of the report's cost.
    /// A field added to the struct goes here too, in the same place.
    fn render_into(&self, out: &mut Vec<u8>) -> Result<(), compact::Error> {
        let mut o = Fields::append_to(out, Escapes::Json);
        o.field("{\"fingerprint\":", &self.fingerprint)?;
        o.str_field(",\"scanner\":", self.scanner);
        o.field(",\"scanner_version\":", &self.scanner_version)?;
        o.field(",\"kind\":", &self.kind)?;
        o.str_field(",\"rule_id\":", self.rule_id);
        o.field(",\"vuln_ids\":", self.vuln_ids)?;
        o.str_field(",\"title\":", self.title);
        o.field(",\"rule\":", &self.rule)?;
        o.field(",\"severity\":", &self.severity)?;
        o.field(",\"effective_severity\":", &self.effective_severity)?;
        o.field(",\"severity_source\":", &self.severity_source)?;
        o.optional_field(",\"confidence\":", self.confidence.as_ref())?;
        o.raw(",\"location\":");
        write_location(&mut o, self.location)?;
        o.optional_field(",\"fix\":", self.fix.as_ref())?;
        o.field(",\"outcome\":", &self.outcome)?;
        o.str_field(",\"reason\":", self.reason);
        o.optional_field(",\"suppression\":", self.suppression)?;
        o.field(",\"baseline\":", &self.baseline)?;
        o.optional_field(",\"first_seen\":", self.first_seen.as_ref())?;
        o.field(",\"correlation_id\":", &self.correlation_id)?;
        o.optional_field(",\"reported_by\":", self.reported_by)?;
        o.field(",\"waiver\":", &self.waiver)?;
        o.optional_str(",\"status\":", self.status);
        o.optional_field(",\"cvss\":", self.cvss)?;
        if !self.tool_fingerprints.is_empty() {
            o.str_array_field(",\"tool_fingerprints\":", self.tool_fingerprints.iter());
        }
        o.optional_str(",\"tool_baseline_state\":", self.tool_baseline_state);
        o.str_field(",\"input\":", self.input);
        o.raw("}");
        Ok(())
    }
}

/// A finding's location as its derived `Serialize` writes it (tested with the findings): the
/// parts of nearly every finding of a large report (target, package, file) by hand, the rare
/// ones (web, resource) through the serializer.
fn write_location(o: &mut Fields, l: &Location) -> Result<(), compact::Error> {
    let mut members = Members::default();
    if let Some(target) = &l.target {
        members.key(o, "\"target\":");
        o.str(target);
    }
    if let Some(p) = &l.package {
        members.key(o, "\"package\":");
        write_package_location(o, p, KeyOrder::Declared);
    }
    if let Some(f) = &l.file {
        members.key(o, "\"file\":");
        write_file_location(o, f, KeyOrder::Declared)?;
    }
    if let Some(web) = &l.web {
        members.key(o, "\"web\":");
        o.value(web)?;
    }
    if let Some(resource) = &l.resource {
        members.key(o, "\"resource\":");
        o.value(resource)?;
    }
    members.end(o);
    Ok(())
}

/// The order of a location's members: as declared (the JSON report), or by key (SARIF's
/// property bag, as [`compact::Sorted`] writes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyOrder {
    Declared,
    Sorted,
}

/// A location's `package` as its derived `Serialize` writes it, in `order`.
pub(crate) fn write_package_location(o: &mut Fields, p: &PackageLocation, order: KeyOrder) {
    let mut members = [
        ("\"name\":", Some(&*p.name)),
        ("\"version\":", p.version.as_deref()),
        ("\"path\":", p.path.as_deref()),
        ("\"purl\":", p.purl.as_deref()),
        ("\"layer\":", p.layer.as_deref()),
    ];
    if order == KeyOrder::Sorted {
        members.sort_unstable_by_key(|(key, _)| *key);
    }
    let mut package = Members::default();
    for (key, value) in members {
        if let Some(value) = value {
            package.key(o, key);
            o.str(value);
        }
    }
    package.end(o);
}

/// A location's `file` as its derived `Serialize` writes it, in `order`.
pub(crate) fn write_file_location(
    o: &mut Fields,
    f: &FileLocation,
    order: KeyOrder,
) -> Result<(), compact::Error> {
    let mut file = Members::default();
    file.key(o, "\"path\":");
    o.str(&f.path);
    if let Some(r) = &f.region {
        file.key(o, "\"region\":");
        let mut members = [
            ("\"start_line\":", r.start_line),
            ("\"start_column\":", r.start_column),
            ("\"end_line\":", r.end_line),
            ("\"end_column\":", r.end_column),
        ];
        if order == KeyOrder::Sorted {
            members.sort_unstable_by_key(|(key, _)| *key);
        }
        let mut region = Members::default();
        region.values(o, members)?;
        region.end(o);
    }
    if let Some(snippet) = &f.snippet {
        file.key(o, "\"snippet\":");
        o.str(snippet);
    }
    file.end(o);
    Ok(())
}

/// Writes the JSON report (pretty-printed, newline-terminated).
pub fn render(verdict: &Verdict, out: &mut dyn Write) -> std::io::Result<()> {
    let inputs = verdict
        .inputs
        .iter()
        .map(|i| JsonInput {
            path: &i.path,
            format: i.format,
            scanner: i.scanners.first().map(|s| &*s.name),
            scanner_version: i.scanners.first().and_then(|s| s.version.as_deref()),
            scanners: i.scanners.iter().map(|s| &*s.name).collect(),
            findings: i.findings,
            stats: i.stats.as_ref(),
            error: i.error.as_deref(),
        })
        .collect();
    let by_outcome: BTreeMap<Outcome, u64> = Outcome::ALL
        .into_iter()
        .map(|o| (o, verdict.problem_count(o) as u64))
        .filter(|(_, n)| *n > 0)
        .collect();
    let by_severity = verdict.problems_by_severity();
    let (new, existing) = verdict.baseline_counts();
    let fixed: &[baseline::Entry] = verdict.baseline.as_ref().map_or(&[], |b| &b.fixed);
    let rules = RuleTable::new(&verdict.findings);
    let doc = Document {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "scangate",
            version: env!("CARGO_PKG_VERSION"),
        },
        verdict: verdict.status.as_str(),
        exit_code: verdict.exit_status().code(),
        inputs,
        policy: &verdict.policy,
        today: verdict.settings.today.to_string(),
        waivers: verdict
            .waiver_uses()
            .map(|(w, u)| JsonWaiverUse {
                number: w.number,
                origin: w.origin.to_string(),
                id: w.id.as_deref(),
                fingerprint: w.conditions.fingerprint.as_deref(),
                state: u.state,
                matched: u.matched,
                applied: u.applied,
                expires: w.expires.map(|d| d.to_string()),
            })
            .collect(),
        missing_reports: &verdict.missing_reports,
        baseline: verdict.baseline.as_ref().map(|b| JsonBaseline {
            path: &b.baseline.path,
            created: b.baseline.created.to_string(),
            updated: b.baseline.updated.to_string(),
            entries: b.baseline.len(),
        }),
        summary: JsonSummary {
            total: verdict.problems(),
            findings: verdict.findings.len(),
            correlated: verdict.groups.len(),
            by_outcome,
            by_severity,
            by_scanner: &verdict.summary,
            baseline: verdict.baseline.as_ref().map(|b| BaselineCounts {
                new,
                existing,
                fixed: b.fixed.len(),
            }),
        },
        rules: Rules(&rules.rules),
        findings: Findings {
            verdict,
            rules: &rules,
        },
        fixed,
    };
    // serde_json writes many small pieces; a large buffer keeps them off the `dyn Write`.
    let mut buffered = std::io::BufWriter::with_capacity(1 << 18, out);
    let mut ser =
        serde_json::Serializer::with_formatter(&mut buffered, LinesFormatter::new(PRETTY_DEPTH));
    doc.serialize(&mut ser).map_err(std::io::Error::from)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

/// The JSON report's indented levels: the document and its members (each element of a
/// top-level array is one line).
const PRETTY_DEPTH: usize = 2;

/// Indents the outermost `pretty_depth` levels of arrays and objects as serde_json's pretty
/// printer does (two spaces a level) and writes everything deeper compactly: with a depth of 2,
/// each element of a top-level array is one line. String escaping is serde_json's own.
pub(crate) struct LinesFormatter {
    pretty_depth: usize,
    /// Containers open around the current position.
    depth: usize,
    /// Whether the innermost indented container has had a value (an empty one stays `[]`).
    has_value: bool,
}

impl LinesFormatter {
    pub(crate) fn new(pretty_depth: usize) -> Self {
        LinesFormatter {
            pretty_depth,
            depth: 0,
            has_value: false,
        }
    }

    /// What a formatter of `pretty_depth` writes before an element, not the first, of an
    /// array `depth` levels down (the document's own members are one level down).
    pub(crate) fn separator(pretty_depth: usize, depth: usize) -> Vec<u8> {
        let mut formatter = LinesFormatter {
            pretty_depth,
            depth,
            has_value: true,
        };
        let mut separator = Vec::new();
        // Writing to a `Vec` cannot fail.
        let _ = formatter.item(&mut separator, false);
        separator
    }

    fn indented(&self) -> bool {
        self.depth <= self.pretty_depth
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        if self.indented() && self.has_value {
            w.write_all(b"\n")?;
            indent(w, self.depth - 1)?;
        }
        self.depth -= 1;
        // The enclosing container has at least this value.
        self.has_value = true;
        w.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if self.indented() {
            w.write_all(if first { b"\n" } else { b",\n" })?;
            indent(w, self.depth)
        } else if first {
            Ok(())
        } else {
            w.write_all(b",")
        }
    }
}

fn indent<W: ?Sized + Write>(w: &mut W, levels: usize) -> std::io::Result<()> {
    const SPACES: &[u8] = b"                                ";
    let mut n = levels * 2;
    while n > 0 {
        let k = n.min(SPACES.len());
        w.write_all(&SPACES[..k])?;
        n -= k;
    }
    Ok(())
}

impl serde_json::ser::Formatter for LinesFormatter {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(if self.indented() { b": " } else { b":" })
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::report::fixtures::{
        HOSTILE, baseline_verdict, every_part_verdict, hostile_verdict, policy_verdict,
        sample_verdict,
    };

    fn rendered(verdict: &Verdict) -> String {
        let mut out = Vec::new();
        render(verdict, &mut out).expect("renders");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn sample_json() {
        let text = rendered(&sample_verdict());
        let doc: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(doc["verdict"], "fail");
        assert_eq!(doc["exit_code"], 1);
        assert_eq!(doc["findings"].as_array().map(Vec::len), Some(8));
        assert_eq!(doc["summary"]["by_outcome"]["fail"], 2);
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_snapshot!("json_sample", text.replace(env!("CARGO_PKG_VERSION"), "[VERSION]"));
        });
    }

    #[test]
    fn findings_and_rules_written_by_hand_are_the_derived_serialization() {
        let verdicts = [
            sample_verdict(),
            policy_verdict(),
            baseline_verdict(),
            hostile_verdict(),
            every_part_verdict(),
        ];
        let mut keys = std::collections::BTreeSet::new();
        for v in &verdicts {
            let rules = RuleTable::new(&v.findings);
            for rule in &rules.rules {
                let derived = compact::to_vec(rule, Escapes::Json).expect("derived");
                // Appended after what the buffer already holds.
                let mut by_hand = b"[...],".to_vec();
                rule.render_into(&mut by_hand).expect("by hand");
                assert_eq!(
                    String::from_utf8_lossy(&by_hand),
                    format!("[...],{}", String::from_utf8_lossy(&derived))
                );
                let value: serde_json::Value = serde_json::from_slice(&derived).expect("JSON");
                keys.extend(
                    value
                        .as_object()
                        .expect("object")
                        .keys()
                        .map(|k| format!("rules.{k}")),
                );
            }
            for (i, e) in v.findings.iter().enumerate() {
                let finding = JsonFinding::new(e, rules.of_finding[i], v);
                let derived = compact::to_vec(&finding, Escapes::Json).expect("derived");
                let mut by_hand = b"[...],".to_vec();
                finding.render_into(&mut by_hand).expect("by hand");
                assert_eq!(
                    String::from_utf8_lossy(&by_hand),
                    format!("[...],{}", String::from_utf8_lossy(&derived))
                );
                let value: serde_json::Value = serde_json::from_slice(&derived).expect("JSON");
                keys.extend(value.as_object().expect("object").keys().cloned());
                for (part, members) in value["location"].as_object().expect("location") {
                    keys.insert(format!("location.{part}"));
                    for (key, inner) in members.as_object().into_iter().flatten() {
                        keys.insert(format!("location.{part}.{key}"));
                        for sub in inner.as_object().into_iter().flatten().map(|(k, _)| k) {
                            keys.insert(format!("location.{part}.{key}.{sub}"));
                        }
                    }
                }
            }
        }
        // The fixtures reach every optional field, so the comparison covers each of them.
        for key in [
            "confidence",
            "fix",
            "suppression",
            "first_seen",
            "reported_by",
            "status",
            "cvss",
            "tool_fingerprints",
            "tool_baseline_state",
            "location.target",
            "location.package.version",
            "location.package.path",
            "location.package.purl",
            "location.package.layer",
            "location.file.region.start_line",
            "location.file.region.end_column",
            "location.file.snippet",
            "location.web",
            "location.resource",
            "rules.description",
            "rules.solution",
            "rules.references",
            "rules.rule_name",
            "rules.help_uri",
            "rules.tags",
            "rules.cwes",
        ] {
            assert!(keys.contains(key), "no fixture finding has `{key}`");
        }
    }

    #[test]
    fn each_finding_is_one_line_of_json() {
        let text = rendered(&hostile_verdict());
        let doc: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let findings = doc["findings"].as_array().expect("findings");
        assert!(!findings.is_empty());
        let start = text.find("\n  \"findings\": [\n").expect("findings key") + 1;
        let lines: Vec<&str> = text[start..].lines().skip(1).take(findings.len()).collect();
        for (line, finding) in lines.iter().zip(findings) {
            let line = line.strip_prefix("    ").expect("indented element");
            let line = line.strip_suffix(',').unwrap_or(line);
            let parsed: serde_json::Value = serde_json::from_str(line).expect("a line is JSON");
            assert_eq!(&parsed, finding);
        }
        // Indented like serde_json's pretty printer down to the second level.
        assert!(text.starts_with("{\n  \"schema_version\": \"2.0\",\n  \"tool\": {\n    \"name\""));
        assert!(text.ends_with("\n}\n"));
    }

    #[test]
    fn baseline_and_correlation_are_in_the_document() {
        let doc: serde_json::Value =
            serde_json::from_str(&rendered(&baseline_verdict())).expect("valid JSON");
        assert_eq!(
            doc["baseline"],
            serde_json::json!({
                "path": "scangate-baseline.json",
                "created": "2026-05-01",
                "updated": "2026-05-01",
                "entries": 9
            })
        );
        let summary = &doc["summary"];
        assert_eq!(
            (summary["total"].clone(), summary["findings"].clone()),
            (8.into(), 9.into())
        );
        assert_eq!(summary["correlated"], 1);
        assert_eq!(summary["by_outcome"]["fail"], 2, "the group counts once");
        assert_eq!(summary["by_severity"]["critical"], 1);
        assert_eq!(
            summary["baseline"],
            serde_json::json!({"new": 1, "existing": 8, "fixed": 1})
        );
        let fixed = doc["fixed"].as_array().expect("fixed");
        assert_eq!(fixed.len(), 1);
        assert_eq!(
            fixed[0]["rule_id"],
            "python.flask.security.audit.debug-enabled"
        );
        assert_eq!(fixed[0]["first_seen"], "2026-05-01");
        let findings = doc["findings"].as_array().expect("findings");
        let log4j: Vec<&serde_json::Value> = findings
            .iter()
            .filter(|f| f["correlation_id"].is_string())
            .collect();
        assert_eq!(log4j.len(), 2);
        assert_eq!(log4j[0]["correlation_id"], log4j[1]["correlation_id"]);
        assert_eq!(
            log4j[0]["reported_by"],
            serde_json::json!(["Grype", "Trivy"])
        );
        let severities: Vec<(&str, &str)> = log4j
            .iter()
            .map(|f| {
                (
                    f["severity"].as_str().unwrap_or(""),
                    f["effective_severity"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(severities, [("high", "critical"), ("critical", "critical")]);
        assert!(log4j.iter().all(|f| f["baseline"] == "existing"));
        assert!(log4j.iter().all(|f| f["first_seen"] == "2026-05-01"));
        let new: Vec<&str> = findings
            .iter()
            .filter(|f| f["baseline"] == "new")
            .filter_map(|f| f["rule_id"].as_str())
            .collect();
        assert_eq!(new, ["aws-access-key-id"]);
        assert!(
            findings
                .iter()
                .filter(|f| f["correlation_id"].is_null())
                .all(|f| f.get("reported_by").is_none())
        );
    }

    #[test]
    fn rule_texts_are_written_once_per_distinct_variant() {
        let mut verdict = sample_verdict();
        let cve = verdict.findings[0].clone();
        assert!(cve.finding.description.is_some());
        // Same texts in the same allocations, equal texts in new ones, then a changed text.
        let shared = cve.clone();
        let mut copied = cve.clone();
        copied.finding.description = cve.finding.description.as_deref().map(Arc::from);
        copied.finding.references = cve.finding.references.to_vec().into();
        let mut changed = cve.clone();
        changed.finding.description = Some(Arc::from("patched upstream differently"));
        verdict.findings.extend([shared, copied, changed]);

        let doc: serde_json::Value = serde_json::from_str(&rendered(&verdict)).expect("valid JSON");
        let rules = doc["rules"].as_array().expect("rules");
        let indices: Vec<u64> = doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["rule"].as_u64().expect("rule index"))
            .collect();
        assert_eq!(indices[0], 0);
        assert_eq!(&indices[8..], [0, 0, rules.len() as u64 - 1]);
        assert_eq!(rules.len(), 9, "eight rules, one of them in two variants");
        let variant = &rules[rules.len() - 1];
        assert_eq!(variant["rule_id"], "CVE-2021-44228");
        assert_eq!(variant["description"], "patched upstream differently");
        assert_eq!(variant["references"], rules[0]["references"]);
        // No finding repeats a rule text.
        for f in doc["findings"].as_array().expect("findings") {
            let keys = [
                "description",
                "references",
                "solution",
                "rule_name",
                "help_uri",
            ];
            for key in keys.into_iter().chain(["tags", "cwes"]) {
                assert!(f.get(key).is_none(), "{key} in a finding");
            }
            assert!(f["fix"].get("solution").is_none());
        }
    }

    /// Texts whose hashes collide still get their own entries, and equal ones share one.
    #[test]
    fn rule_table_tells_colliding_texts_apart() {
        #[derive(Default)]
        struct Collide;
        impl std::hash::Hasher for Collide {
            fn finish(&self) -> u64 {
                7
            }
            fn write(&mut self, _: &[u8]) {}
        }
        let mut verdict = sample_verdict();
        let copies: Vec<Evaluated> = verdict.findings.clone();
        verdict.findings.extend(copies.into_iter().map(|mut e| {
            // Equal texts in new allocations: found by comparing the texts.
            e.finding.description = e.finding.description.as_deref().map(Arc::from);
            e
        }));
        let hashed = RuleTable::new(&verdict.findings);
        let colliding = RuleTable::with_hasher(
            &verdict.findings,
            std::hash::BuildHasherDefault::<Collide>::default(),
        );
        assert_eq!(hashed.rules.len(), 8);
        assert_eq!(colliding.rules.len(), 8);
        assert!(hashed.rules == colliding.rules);
        assert_eq!(hashed.of_finding, colliding.of_finding);
        assert_eq!(hashed.of_finding[..8], hashed.of_finding[8..]);
    }

    #[test]
    fn hostile_text_round_trips_exactly() {
        let text = rendered(&hostile_verdict());
        let doc: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let web = doc["findings"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["rule_id"] == "40012"))
            .expect("web finding");
        assert_eq!(web["title"], HOSTILE);
        assert!(!text.contains('\u{1b}'), "raw escape in JSON text");
    }

    #[test]
    fn waivers_and_policy_decisions_are_in_the_document() {
        let doc: serde_json::Value =
            serde_json::from_str(&rendered(&policy_verdict())).expect("valid JSON");
        assert_eq!(doc["verdict"], "error");
        assert_eq!(doc["exit_code"], 2);
        assert_eq!(doc["today"], "2026-06-01");
        assert_eq!(doc["missing_reports"], serde_json::json!(["gitleaks"]));
        let findings = doc["findings"].as_array().expect("findings");
        let waived = findings
            .iter()
            .find(|f| f["outcome"] == "waived")
            .expect("a waived finding");
        assert_eq!(
            waived["waiver"],
            serde_json::json!({
                "number": 1,
                "id": "TEMP-0841856-B18BAF",
                "reason": "not reachable: no shell in the runtime image",
                "expires": "2026-12-31",
                "owner": "platform"
            })
        );
        assert!(
            findings
                .iter()
                .all(|f| f["outcome"] == "waived" || f["waiver"].is_null())
        );
        let states: Vec<_> = doc["waivers"]
            .as_array()
            .expect("waivers")
            .iter()
            .map(|w| {
                (
                    w["state"].clone(),
                    w["matched"].clone(),
                    w["applied"].clone(),
                )
            })
            .collect();
        assert_eq!(
            states,
            [
                ("used".into(), 1.into(), 1.into()),
                ("stale".into(), 0.into(), 0.into()),
                ("expired".into(), 1.into(), 0.into()),
            ]
        );
        assert_eq!(
            doc["policy"]["rules"][0]["label"],
            "rule #1 (scangate.toml:4)"
        );
        assert_eq!(
            doc["policy"]["rules"][0]["match"]["kind"],
            serde_json::json!(["misconfiguration"])
        );
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;
    use crate::report::fixtures::{
        baseline_verdict, hostile_verdict, policy_verdict, sample_verdict,
    };

    /// The committed schema (`schemas/report.schema.json`) must accept what scangate writes;
    /// `additionalProperties: false` makes the test fail when a field is added to the output but
    /// not to the schema.
    #[test]
    fn output_validates_against_the_committed_schema() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../schemas/report.schema.json"))
                .expect("schema is JSON");
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let mut error_verdict = sample_verdict();
        error_verdict.inputs[1].error = Some("invalid JSON at line 1, column 2: EOF".into());
        error_verdict.status = crate::verdict::Status::Error;
        for verdict in [
            sample_verdict(),
            hostile_verdict(),
            error_verdict,
            policy_verdict(),
            baseline_verdict(),
        ] {
            let mut out = Vec::new();
            render(&verdict, &mut out).expect("renders");
            let doc: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
            let errors: Vec<String> = validator
                .iter_errors(&doc)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "schema violations:\n{}",
                errors.join("\n")
            );
        }
        // The validator really validates: a wrong verdict is rejected.
        let bad = serde_json::json!({"schema_version": "1.0", "verdict": "maybe"});
        assert!(!validator.is_valid(&bad));
    }
}
