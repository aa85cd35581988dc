//! Incident issues: which findings open one, how they are grouped, and the plan that opens,
//! updates, reopens and closes issues without ever duplicating one.
//!
//! # Selection
//! A finding opens a ticket when it is new ([`is_new`]; every finding until baselines exist)
//! and either blocks the gate at or above `open_on` (default critical), or its rule id or one of
//! its vulnerability ids is listed in `rules` and it is blocking or warned (never waived,
//! ignored or suppressed). Fork pull-request runs open none unless forced (decided by the
//! caller, which knows the context).
//!
//! # Grouping and markers
//! `group_by` makes one issue per finding fingerprint (default), per package in a target (one
//! upgrade fixes every CVE in it), per rule, or per scanner. Each group has a 32-hex key; the
//! issue body carries it in a hidden marker line,
//! `<!-- scangate:ticket v=1 key=KEY group=GROUP scanners=S first-seen=DATE first-run=URL -->`
//! (values percent-encoded), plus `closed=auto` once scangate closed it. Existing issues are
//! found by listing issues with the first configured label (paginated, never the search API,
//! which allows 30 requests a minute): labels can only be set by people with triage access,
//! so the label is the trust boundary.
//!
//! # Lifecycle
//! - no issue for a group → open one, most severe first, at most `max_new` content-creating
//!   requests per run (the rest are counted in the PR comment and open on later runs);
//! - an open issue → updated only when its title, body or labels would change, so a re-run
//!   with the same findings sends nothing;
//! - a closed issue → left closed when a person closed it, unless `reopen = true`; reopened
//!   when scangate itself closed it (`closed=auto`) and the finding is back;
//! - `auto_close = true`: an open issue none of whose findings is reported any more is closed
//!   with a comment, only when every scanner it names had its report read in this run and no
//!   input failed (a missing report never closes anything).
//!
//! Titles are at most 256 characters, labels at most 50 (GitHub's limits): shortened, never
//! refused. All scanner text in bodies goes through the Markdown report's escaping
//! ([`escape_markdown_text`], [`code_span`]); titles are plain text with control characters
//! shown escaped.

use std::collections::{BTreeMap, BTreeSet};

use super::config::{GroupBy, TicketsConfig, shorten_label};
use super::context::RepoId;
use super::github::{
    ApiError, GitHub, Issue, IssueUpdate, NewIssue, create_verified, percent_decode, percent_encode,
};
use crate::model::{FindingKind, Fingerprint, Severity};
use crate::policy::Outcome;
use crate::report::markdown::{code_span, escape_markdown_text, escape_markdown_text_truncated};
use crate::text::for_terminal;
use crate::verdict::{Evaluated, Verdict};

/// GitHub's longest issue title, in characters.
pub const MAX_TITLE_CHARS: usize = 256;
/// Bodies are kept well under GitHub's 65,536 characters.
const MAX_BODY_BYTES: usize = 60_000;
/// Findings described in full in one issue; the rest are counted.
const MAX_DETAILED: usize = 25;
const MAX_REFERENCES: usize = 10;
const DESCRIPTION_CHARS: usize = 1_500;
const SOLUTION_CHARS: usize = 1_000;
/// Prefix of the severity labels.
pub const SEVERITY_LABEL_PREFIX: &str = "severity:";
const MARKER_PREFIX: &str = "<!-- scangate:ticket ";
const MARKER_SUFFIX: &str = " -->";

/// Whether a finding is new against the baseline. Hook: baselines do not exist yet, so every
/// finding is new.
pub fn is_new(_finding: &Evaluated) -> bool {
    true
}

/// Whether a finding opens (or keeps) an incident issue.
pub fn is_selected(e: &Evaluated, cfg: &TicketsConfig) -> bool {
    if !is_new(e) {
        return false;
    }
    let outcome = e.decision.outcome;
    let by_severity = outcome == Outcome::Fail
        && cfg
            .open_on
            .is_some_and(|t| e.decision.effective_severity >= t);
    let by_rule = matches!(outcome, Outcome::Fail | Outcome::Warn) && matches_rule(e, &cfg.rules);
    by_severity || by_rule
}

fn matches_rule(e: &Evaluated, rules: &[String]) -> bool {
    if rules.is_empty() {
        return false;
    }
    let f = &e.finding;
    rules.iter().any(|r| {
        f.rule_id.eq_ignore_ascii_case(r) || f.vuln_ids.iter().any(|v| v.id.eq_ignore_ascii_case(r))
    })
}

/// The 32-hex key of the group a finding belongs to. In `fingerprint` mode a correlated
/// finding (the same CVE in the same package from Trivy and Grype) takes its correlation
/// group's key, so one problem is one ticket however many scanners report it.
pub fn group_key(verdict: &Verdict, e: &Evaluated, by: GroupBy) -> String {
    let f = &e.finding;
    match by {
        GroupBy::Fingerprint => match e.group.and_then(|g| verdict.groups.get(g)) {
            Some(group) => Fingerprint::builder("ticket-correlation")
                .field(&group.id)
                .finish()
                .to_hex(),
            None => f.fingerprint.to_hex(),
        },
        GroupBy::Package => match &f.location.package {
            Some(p) => Fingerprint::builder("ticket-package")
                .field(&f.scanner.name)
                .field(&p.name)
                .opt(f.location.target.as_deref())
                .finish()
                .to_hex(),
            // Nothing to upgrade: a ticket of its own.
            None => f.fingerprint.to_hex(),
        },
        GroupBy::Rule => Fingerprint::builder("ticket-rule")
            .field(&f.scanner.name)
            .field(&f.rule_id)
            .finish()
            .to_hex(),
        GroupBy::Scanner => Fingerprint::builder("ticket-scanner")
            .field(&f.scanner.name)
            .finish()
            .to_hex(),
    }
}

/// Findings that share one incident issue.
#[derive(Debug, Clone)]
pub struct Group<'a> {
    pub key: String,
    pub by: GroupBy,
    /// In the verdict's order: most severe first.
    pub findings: Vec<&'a Evaluated>,
}

impl Group<'_> {
    pub fn worst(&self) -> Severity {
        self.findings
            .iter()
            .map(|e| e.decision.effective_severity)
            .max()
            .unwrap_or(Severity::Unknown)
    }

    pub fn scanners(&self) -> Vec<String> {
        let set: BTreeSet<&str> = self
            .findings
            .iter()
            .map(|e| &*e.finding.scanner.name)
            .collect();
        set.into_iter().map(str::to_owned).collect()
    }

    fn first(&self) -> Option<&Evaluated> {
        self.findings.first().copied()
    }
}

/// Groups the selected findings, groups ordered by their most severe finding (the verdict's
/// order is kept).
pub fn groups<'a>(verdict: &'a Verdict, cfg: &TicketsConfig) -> Vec<Group<'a>> {
    let mut order: Vec<Group<'a>> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for e in verdict.findings.iter().filter(|e| is_selected(e, cfg)) {
        let key = group_key(verdict, e, cfg.group_by);
        match index.get(&key) {
            Some(&i) => order[i].findings.push(e),
            None => {
                index.insert(key.clone(), order.len());
                order.push(Group {
                    key,
                    by: cfg.group_by,
                    findings: vec![e],
                });
            }
        }
    }
    order
}

/// The hidden marker of an incident issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketMarker {
    pub key: String,
    pub group_by: GroupBy,
    pub scanners: Vec<String>,
    pub first_seen: Option<String>,
    pub first_run: Option<String>,
    /// scangate closed it because its findings were gone.
    pub auto_closed: bool,
}

impl TicketMarker {
    pub fn render(&self) -> String {
        let mut s = format!(
            "{MARKER_PREFIX}v=1 key={} group={}",
            self.key,
            self.group_by.as_str()
        );
        let scanners: Vec<String> = self.scanners.iter().map(|s| percent_encode(s)).collect();
        s.push_str(&format!(" scanners={}", scanners.join(",")));
        if let Some(d) = &self.first_seen {
            s.push_str(&format!(" first-seen={}", percent_encode(d)));
        }
        if let Some(u) = &self.first_run {
            s.push_str(&format!(" first-run={}", percent_encode(u)));
        }
        if self.auto_closed {
            s.push_str(" closed=auto");
        }
        s.push_str(MARKER_SUFFIX);
        s
    }

    /// The first well-formed marker line in `body`.
    pub fn parse(body: &str) -> Option<TicketMarker> {
        body.lines()
            .find_map(|line| Self::parse_line(line.trim_end_matches('\r')))
    }

    fn parse_line(line: &str) -> Option<TicketMarker> {
        let inner = line
            .strip_prefix(MARKER_PREFIX)?
            .strip_suffix(MARKER_SUFFIX)?;
        let fields: BTreeMap<&str, &str> = inner
            .split(' ')
            .filter_map(|kv| kv.split_once('='))
            .collect();
        if fields.get("v") != Some(&"1") {
            return None;
        }
        let key = fields.get("key")?;
        if key.len() != 32 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let group_by = fields.get("group")?.parse().ok()?;
        let scanners = match fields.get("scanners") {
            Some(s) if !s.is_empty() => s
                .split(',')
                .map(percent_decode)
                .collect::<Option<Vec<_>>>()?,
            _ => Vec::new(),
        };
        Some(TicketMarker {
            key: key.to_ascii_lowercase(),
            group_by,
            scanners,
            first_seen: fields.get("first-seen").and_then(|v| percent_decode(v)),
            first_run: fields.get("first-run").and_then(|v| percent_decode(v)),
            auto_closed: fields.get("closed") == Some(&"auto"),
        })
    }
}

/// The severity label of a group (`severity:critical`).
pub fn severity_label(s: Severity) -> String {
    shorten_label(&format!("{SEVERITY_LABEL_PREFIX}{s}"))
}

/// The labels a group's issue carries.
pub fn labels_for(group: &Group<'_>, cfg: &TicketsConfig) -> Vec<String> {
    let mut labels: Vec<String> = cfg.labels.iter().map(|l| shorten_label(l)).collect();
    if cfg.severity_labels {
        let s = severity_label(group.worst());
        if !labels.contains(&s) {
            labels.push(s);
        }
    }
    labels
}

/// The issue title: plain text, control characters shown escaped, at most 256 characters.
pub fn title(group: &Group<'_>) -> String {
    let Some(first) = group.first() else {
        return "scangate finding".to_owned();
    };
    let f = &first.finding;
    let n = group.findings.len();
    let worst = group.worst();
    let raw = match group.by {
        GroupBy::Fingerprint => {
            let mut t = format!("{}: {}", first.decision.effective_severity, f.rule_id);
            if *f.title != *f.rule_id && !f.title.is_empty() {
                t.push_str(&format!(" {}", f.title));
            }
            let place = f.location.display_short();
            if !place.is_empty() {
                t.push_str(&format!(" in {place}"));
            }
            t
        }
        GroupBy::Package => match &f.location.package {
            Some(p) => {
                let mut t = format!("{worst}: {} in {}", plural(n, f.kind), p.name);
                if let Some(target) = &f.location.target {
                    t.push_str(&format!(" ({target})"));
                }
                t
            }
            None => format!("{worst}: {} {}", f.rule_id, f.title),
        },
        GroupBy::Rule => {
            let mut t = format!("{worst}: {}", f.rule_id);
            if *f.title != *f.rule_id && !f.title.is_empty() {
                t.push_str(&format!(" {}", f.title));
            }
            t.push_str(&format!(" ({})", plural_word(n, "location")));
            t
        }
        GroupBy::Scanner => format!(
            "{worst}: {} from {}",
            plural_word(n, "finding"),
            f.scanner.name
        ),
    };
    for_terminal(&raw, MAX_TITLE_CHARS)
}

fn plural(n: usize, kind: FindingKind) -> String {
    let word = match kind {
        FindingKind::Vulnerability => "vulnerability",
        FindingKind::Misconfiguration => "misconfiguration",
        FindingKind::Secret => "secret",
        FindingKind::License => "license finding",
        FindingKind::Code => "code finding",
        FindingKind::Web => "web finding",
    };
    if n == 1 {
        format!("1 {word}")
    } else if word == "vulnerability" {
        format!("{n} vulnerabilities")
    } else {
        format!("{n} {word}s")
    }
}

fn plural_word(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// When and where an issue's findings were first seen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FirstSeen {
    pub date: Option<String>,
    pub run_url: Option<String>,
}

/// The issue body: marker, what, where, severity with provenance, fix, references, first seen.
pub fn body(group: &Group<'_>, first_seen: &FirstSeen) -> String {
    let marker = TicketMarker {
        key: group.key.clone(),
        group_by: group.by,
        scanners: group.scanners(),
        first_seen: first_seen.date.clone(),
        first_run: first_seen.run_url.clone(),
        auto_closed: false,
    };
    let mut out = marker.render();
    out.push('\n');
    let n = group.findings.len();
    out.push_str(&format!(
        "scangate reports {} that {} the gate (worst: **{}**).\n",
        plural_word(n, "finding"),
        if group
            .findings
            .iter()
            .any(|e| e.decision.outcome == Outcome::Fail)
        {
            "blocks"
        } else {
            "is listed for"
        },
        group.worst()
    ));
    let mut detailed = 0;
    for e in &group.findings {
        if detailed == MAX_DETAILED {
            break;
        }
        let section = finding_section(e, n > 1);
        if out.len() + section.len() > MAX_BODY_BYTES - 2_000 {
            break;
        }
        out.push_str(&section);
        detailed += 1;
    }
    if detailed < n {
        out.push_str(&format!(
            "\n…and {} more — see the run's SARIF/JSON report.\n",
            plural_word(n - detailed, "finding")
        ));
    }
    out.push_str("\n---\n");
    let date = first_seen.date.as_deref().unwrap_or("unknown date");
    match &first_seen.run_url {
        Some(url) => out.push_str(&format!(
            "First seen: {} in {}\n",
            escape_markdown_text(date),
            autolink(url).unwrap_or_else(|| code_span(url))
        )),
        None => out.push_str(&format!("First seen: {}\n", escape_markdown_text(date))),
    }
    out.push_str(&format!(
        "\n<sub>Opened by scangate (one issue per {}). It is updated while the finding is reported; edit labels freely, but keep the hidden marker line.</sub>\n",
        group.by
    ));
    out
}

fn finding_section(e: &Evaluated, heading: bool) -> String {
    let f = &e.finding;
    let mut s = String::new();
    if heading {
        s.push_str(&format!(
            "\n### {} {}\n",
            e.decision.effective_severity,
            escape_markdown_text_truncated(&f.rule_id, 120)
        ));
    }
    s.push_str("\n**What:** ");
    s.push_str(&code_span(&for_terminal(&f.rule_id, 120)));
    if !f.title.is_empty() && *f.title != *f.rule_id {
        s.push_str(&format!(
            " — {}",
            escape_markdown_text_truncated(&f.title, 300)
        ));
    }
    let aliases: Vec<String> = f
        .vuln_ids
        .iter()
        .filter(|v| !v.id.eq_ignore_ascii_case(&f.rule_id))
        .map(|v| code_span(&for_terminal(&v.id, 80)))
        .collect();
    if !aliases.is_empty() {
        s.push_str(&format!(" (also {})", aliases.join(", ")));
    }
    s.push_str(&format!(
        " — {} from {}",
        f.kind,
        escape_markdown_text_truncated(&f.scanner.name, 60)
    ));
    s.push('\n');
    // Secret findings never carry the secret (ingest redacts it); their description is the
    // rule's, so nothing more is shown for them.
    if f.kind != FindingKind::Secret
        && let Some(d) = &f.description
    {
        s.push_str(&format!(
            "\n> {}\n",
            escape_markdown_text_truncated(d, DESCRIPTION_CHARS)
        ));
    }
    let place = f.location.display_short();
    s.push_str(&format!(
        "\n**Where:** {} (report {})\n",
        if place.is_empty() {
            "not given".to_owned()
        } else {
            code_span(&for_terminal(&place, 300))
        },
        code_span(&for_terminal(&f.input, 200))
    ));
    let mut severity = format!(
        "\n**Severity:** {} — from {}",
        e.decision.effective_severity,
        escape_markdown_text_truncated(&f.severity_source.to_string(), 200)
    );
    if f.severity != e.decision.effective_severity {
        severity.push_str(&format!(" (reported {}, mapped by the policy)", f.severity));
    }
    if let Some(cvss) = f.extra.cvss() {
        severity.push_str(&format!(
            "; CVSS {:.1} ({})",
            cvss.score,
            escape_markdown_text_truncated(&cvss.source, 30)
        ));
    }
    s.push_str(&severity);
    s.push_str(&format!(
        "; outcome `{}`: {}\n",
        e.decision.outcome,
        escape_markdown_text_truncated(&e.decision.reason, 200)
    ));
    if let Some(fix) = &f.fix {
        if let Some(v) = &fix.fixed_version {
            s.push_str(&format!(
                "\n**Fix:** upgrade to {}\n",
                code_span(&for_terminal(v, 120))
            ));
        }
        if let Some(sol) = &fix.solution {
            s.push_str(&format!(
                "\n**Solution:** {}\n",
                escape_markdown_text_truncated(sol, SOLUTION_CHARS)
            ));
        }
    }
    let mut refs: Vec<&str> = f.extra.help_uri.as_deref().into_iter().collect();
    refs.extend(f.references.iter().map(String::as_str));
    refs.dedup();
    if !refs.is_empty() {
        s.push_str("\n**References:**\n");
        for r in refs.iter().take(MAX_REFERENCES) {
            s.push_str(&format!(
                "- {}\n",
                autolink(r).unwrap_or_else(|| code_span(&for_terminal(r, 200)))
            ));
        }
    }
    s
}

/// `<url>` for a plain http(s) URL that cannot break out of an autolink; else `None`.
fn autolink(url: &str) -> Option<String> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 500
        && url
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'"' | b'`' | b'\\'));
    ok.then(|| format!("<{url}>"))
}

/// What one step of the ticket plan does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketAction {
    Open {
        key: String,
        issue: NewIssue,
    },
    Update {
        number: u64,
        update: IssueUpdate,
        reopen: bool,
    },
    Unchanged {
        number: u64,
    },
    /// A person closed it and `reopen = false`.
    KeptClosed {
        number: u64,
    },
    Close {
        number: u64,
        comment: String,
        update: IssueUpdate,
    },
    /// Over the `max_new` budget: opens on a later run.
    Deferred {
        title: String,
    },
}

/// The whole ticket step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketPlan {
    pub actions: Vec<TicketAction>,
    /// Labels to create first.
    pub new_labels: Vec<String>,
    /// Why open issues whose findings are gone were left open, when `auto_close` is on.
    pub close_skipped: Vec<String>,
}

impl TicketPlan {
    pub fn deferred(&self) -> usize {
        self.actions
            .iter()
            .filter(|a| matches!(a, TicketAction::Deferred { .. }))
            .count()
    }
}

/// Facts about this run the plan needs.
#[derive(Debug, Clone, Default)]
pub struct RunFacts {
    pub today: Option<String>,
    pub run_url: Option<String>,
}

/// Label colours: GitHub wants six hex digits.
pub fn label_color(label: &str) -> &'static str {
    match label.strip_prefix(SEVERITY_LABEL_PREFIX) {
        Some("critical") => "b60205",
        Some("high") => "d93f0b",
        Some("medium") => "fbca04",
        Some(_) => "c5def5",
        None => "5319e7",
    }
}

/// Plans the ticket step from the verdict and the issues carrying the listing label.
pub fn plan(
    verdict: &Verdict,
    cfg: &TicketsConfig,
    existing: &[Issue],
    existing_labels: &[String],
    facts: &RunFacts,
) -> TicketPlan {
    let mut plan = TicketPlan::default();
    let mut by_key: BTreeMap<String, Vec<(&Issue, TicketMarker)>> = BTreeMap::new();
    for issue in existing {
        if let Some(m) = TicketMarker::parse(&issue.body) {
            by_key.entry(m.key.clone()).or_default().push((issue, m));
        }
    }
    let mut budget = cfg.max_new;
    let mut handled: BTreeSet<u64> = BTreeSet::new();
    let mut wanted_labels: BTreeSet<String> = BTreeSet::new();

    for group in groups(verdict, cfg) {
        let title = title(&group);
        let labels = labels_for(&group, cfg);
        let candidates = by_key.get(&group.key).map(Vec::as_slice).unwrap_or(&[]);
        for (issue, _) in candidates {
            handled.insert(issue.number);
        }
        // The open issue with the lowest number, else the most recent closed one.
        let chosen = candidates
            .iter()
            .filter(|(i, _)| i.open)
            .min_by_key(|(i, _)| i.number)
            .or_else(|| candidates.iter().max_by_key(|(i, _)| i.number));
        match chosen {
            None => {
                if budget == 0 {
                    plan.actions.push(TicketAction::Deferred { title });
                    continue;
                }
                budget -= 1;
                wanted_labels.extend(labels.iter().cloned());
                let first = FirstSeen {
                    date: facts.today.clone(),
                    run_url: facts.run_url.clone(),
                };
                plan.actions.push(TicketAction::Open {
                    key: group.key.clone(),
                    issue: NewIssue {
                        title,
                        body: body(&group, &first),
                        labels,
                    },
                });
            }
            Some((issue, marker)) => {
                let reopen = !issue.open && (cfg.reopen || marker.auto_closed);
                if !issue.open && !reopen {
                    plan.actions.push(TicketAction::KeptClosed {
                        number: issue.number,
                    });
                    continue;
                }
                let first = FirstSeen {
                    date: marker.first_seen.clone().or_else(|| {
                        issue
                            .created_at
                            .as_ref()
                            .map(|c| c.chars().take(10).collect())
                    }),
                    run_url: marker.first_run.clone(),
                };
                let new_body = body(&group, &first);
                let new_labels = merged_labels(&issue.labels, &labels);
                let mut update = IssueUpdate::default();
                if issue.title != title {
                    update.title = Some(title);
                }
                if issue.body != new_body {
                    update.body = Some(new_body);
                }
                if new_labels != issue.labels {
                    wanted_labels.extend(labels.iter().cloned());
                    update.labels = Some(new_labels);
                }
                if reopen {
                    update.state = Some("open");
                    update.state_reason = Some("reopened");
                }
                if update.is_empty() {
                    plan.actions.push(TicketAction::Unchanged {
                        number: issue.number,
                    });
                } else {
                    plan.actions.push(TicketAction::Update {
                        number: issue.number,
                        update,
                        reopen,
                    });
                }
            }
        }
    }

    if cfg.auto_close {
        plan_closes(verdict, existing, &handled, facts, &mut budget, &mut plan);
    }
    plan.new_labels = wanted_labels
        .into_iter()
        .filter(|l| !existing_labels.iter().any(|e| e.eq_ignore_ascii_case(l)))
        .collect();
    plan
}

/// The issue's labels with stale severity labels replaced by ours; other labels (a person's)
/// are kept, in their order.
fn merged_labels(current: &[String], ours: &[String]) -> Vec<String> {
    let mut out: Vec<String> = current
        .iter()
        .filter(|l| !l.starts_with(SEVERITY_LABEL_PREFIX) || ours.contains(l))
        .cloned()
        .collect();
    for l in ours {
        if !out.contains(l) {
            out.push(l.clone());
        }
    }
    out
}

fn plan_closes(
    verdict: &Verdict,
    existing: &[Issue],
    handled: &BTreeSet<u64>,
    facts: &RunFacts,
    budget: &mut u32,
    plan: &mut TicketPlan,
) {
    let failed_inputs = verdict.inputs.iter().filter(|i| i.error.is_some()).count();
    let present: BTreeSet<&str> = verdict
        .inputs
        .iter()
        .filter(|i| i.error.is_none())
        .flat_map(|i| i.scanners.iter().map(|s| &*s.name))
        .collect();
    for issue in existing
        .iter()
        .filter(|i| i.open && !handled.contains(&i.number))
    {
        let Some(marker) = TicketMarker::parse(&issue.body) else {
            continue;
        };
        let still_reported = verdict
            .findings
            .iter()
            .any(|e| group_key(verdict, e, marker.group_by) == marker.key);
        if still_reported {
            continue;
        }
        if failed_inputs > 0 {
            plan.close_skipped.push(format!(
                "#{}: not closed, {} could not be read in this run",
                issue.number,
                plural_word(failed_inputs, "input")
            ));
            continue;
        }
        let missing: Vec<&String> = marker
            .scanners
            .iter()
            .filter(|s| !present.contains(s.as_str()))
            .collect();
        if marker.scanners.is_empty() || !missing.is_empty() {
            plan.close_skipped.push(format!(
                "#{}: not closed, no report from {} in this run",
                issue.number,
                if missing.is_empty() {
                    "its scanner".to_owned()
                } else {
                    missing
                        .iter()
                        .map(|s| for_terminal(s, 40))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ));
            continue;
        }
        if *budget == 0 {
            plan.close_skipped.push(format!(
                "#{}: not closed in this run, over max_new",
                issue.number
            ));
            continue;
        }
        *budget -= 1;
        let closed_marker = TicketMarker {
            auto_closed: true,
            ..marker.clone()
        };
        let body = replace_marker(&issue.body, &closed_marker.render());
        let run = facts
            .run_url
            .as_deref()
            .and_then(autolink)
            .map(|l| format!(" in {l}"))
            .unwrap_or_default();
        plan.actions.push(TicketAction::Close {
            number: issue.number,
            comment: format!(
                "scangate no longer reports this finding{run}: the reports of {} were read and none of its findings is in them. Closing.",
                marker
                    .scanners
                    .iter()
                    .map(|s| escape_markdown_text_truncated(s, 40))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            update: IssueUpdate {
                state: Some("closed"),
                state_reason: Some("completed"),
                body: Some(body),
                ..IssueUpdate::default()
            },
        });
    }
}

/// `body` with its marker line replaced by `marker`.
fn replace_marker(body: &str, marker: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut replaced = false;
    for line in body.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if !replaced && TicketMarker::parse_line(bare).is_some() {
            out.push_str(marker);
            out.push_str(&line[bare.len()..]);
            replaced = true;
        } else {
            out.push_str(line);
        }
    }
    if !replaced {
        out = format!("{marker}\n{body}");
    }
    out
}

/// What the ticket step did, for the log and the PR comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketSummary {
    /// Number and title of each issue opened.
    pub opened: Vec<(u64, String)>,
    pub updated: Vec<u64>,
    pub reopened: Vec<u64>,
    pub closed: Vec<u64>,
    pub unchanged: usize,
    pub kept_closed: Vec<u64>,
    pub deferred: usize,
    pub close_skipped: Vec<String>,
    /// The step stopped on this error.
    pub error: Option<String>,
}

fn issue_list(numbers: &[u64]) -> String {
    numbers
        .iter()
        .map(|n| format!("#{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl TicketSummary {
    /// One line for the log.
    pub fn line(&self) -> String {
        let mut parts = vec![format!("{} opened", self.opened.len())];
        for (n, word) in [
            (self.updated.len(), "updated"),
            (self.reopened.len(), "reopened"),
            (self.closed.len(), "closed"),
            (self.unchanged, "unchanged"),
            (self.kept_closed.len(), "left closed"),
            (self.deferred, "deferred (max_new)"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {word}"));
            }
        }
        parts.join(", ")
    }

    /// The section appended to the PR comment (empty when there is nothing to say).
    pub fn markdown(&self, max_new: u32) -> String {
        let mut lines = Vec::new();
        if !self.opened.is_empty() {
            let numbers: Vec<u64> = self.opened.iter().map(|(n, _)| *n).collect();
            lines.push(format!("- Opened: {}", issue_list(&numbers)));
        }
        for (numbers, word) in [
            (&self.updated, "Updated"),
            (&self.reopened, "Reopened"),
            (&self.closed, "Closed, findings gone"),
            (&self.kept_closed, "Closed by a person, not reopened"),
        ] {
            if !numbers.is_empty() {
                lines.push(format!("- {word}: {}", issue_list(numbers)));
            }
        }
        if self.unchanged > 0 {
            lines.push(format!("- Already tracked, unchanged: {}", self.unchanged));
        }
        if self.deferred > 0 {
            lines.push(format!(
                "- **{} not opened in this run** (over `max_new` = {max_new}); they open on later runs",
                plural_word(self.deferred, "more issue")
            ));
        }
        if let Some(e) = &self.error {
            lines.push(format!(
                "- ⚠️ The ticket step failed: {}",
                escape_markdown_text_truncated(e, 300)
            ));
        }
        if lines.is_empty() {
            return String::new();
        }
        format!("\n### Incident issues\n\n{}\n", lines.join("\n"))
    }
}

/// Carries out a plan one request at a time (GitHub asks for content-creating requests to be
/// serial). Creates are verified before any re-send. Stops at the first error, which is
/// recorded in the summary and returned.
pub fn apply(
    gh: &dyn GitHub,
    repo: &RepoId,
    listing_label: &str,
    plan: &TicketPlan,
) -> (TicketSummary, Option<ApiError>) {
    let mut summary = TicketSummary {
        close_skipped: plan.close_skipped.clone(),
        ..TicketSummary::default()
    };
    let result = (|| -> Result<(), ApiError> {
        for label in &plan.new_labels {
            create_verified(
                gh,
                || gh.create_label(repo, label, label_color(label)),
                || {
                    let labels = gh.list_labels(repo)?;
                    Ok(labels.iter().any(|l| l == label).then_some(()))
                },
            )?;
        }
        for action in &plan.actions {
            match action {
                TicketAction::Open { key, issue } => {
                    let created = create_verified(
                        gh,
                        || gh.create_issue(repo, issue),
                        || {
                            let issues = gh.list_issues(repo, listing_label)?;
                            Ok(issues.into_iter().find(|i| {
                                TicketMarker::parse(&i.body).is_some_and(|m| &m.key == key)
                            }))
                        },
                    )?;
                    summary.opened.push((created.number, issue.title.clone()));
                }
                TicketAction::Update {
                    number,
                    update,
                    reopen,
                } => {
                    gh.update_issue(repo, *number, update)?;
                    if *reopen {
                        summary.reopened.push(*number);
                    } else {
                        summary.updated.push(*number);
                    }
                }
                TicketAction::Close {
                    number,
                    comment,
                    update,
                } => {
                    create_verified(
                        gh,
                        || gh.create_comment(repo, *number, comment),
                        || {
                            let comments = gh.list_comments(repo, *number)?;
                            Ok(comments.into_iter().find(|c| &c.body == comment))
                        },
                    )?;
                    gh.update_issue(repo, *number, update)?;
                    summary.closed.push(*number);
                }
                TicketAction::Unchanged { .. } => summary.unchanged += 1,
                TicketAction::KeptClosed { number } => summary.kept_closed.push(*number),
                TicketAction::Deferred { .. } => summary.deferred += 1,
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => (summary, None),
        Err(e) => {
            summary.error = Some(e.to_string());
            (summary, Some(e))
        }
    }
}

/// The plan in words, one line per request it would send (for `--dry-run`).
pub fn describe(plan: &TicketPlan, max_new: u32) -> Vec<String> {
    let mut lines: Vec<String> = plan
        .new_labels
        .iter()
        .map(|l| format!("label: create `{}`", for_terminal(l, 60)))
        .collect();
    for a in &plan.actions {
        lines.push(match a {
            TicketAction::Open { issue, .. } => format!(
                "issue: open \"{}\" [{}]",
                for_terminal(&issue.title, 120),
                issue.labels.join(", ")
            ),
            TicketAction::Update {
                number,
                update,
                reopen,
            } => {
                let mut fields = Vec::new();
                for (set, name) in [
                    (update.title.is_some(), "title"),
                    (update.body.is_some(), "body"),
                    (update.labels.is_some(), "labels"),
                ] {
                    if set {
                        fields.push(name);
                    }
                }
                format!(
                    "issue: {} #{number}{}",
                    if *reopen { "reopen" } else { "update" },
                    if fields.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", fields.join(", "))
                    }
                )
            }
            TicketAction::Unchanged { number } => format!("issue: #{number} unchanged"),
            TicketAction::KeptClosed { number } => {
                format!("issue: #{number} stays closed (closed by a person; reopen = false)")
            }
            TicketAction::Close { number, .. } => {
                format!("issue: close #{number} with a comment (findings gone)")
            }
            TicketAction::Deferred { title } => format!(
                "issue: not opened in this run (over max_new = {max_new}): \"{}\"",
                for_terminal(title, 120)
            ),
        });
    }
    lines.extend(plan.close_skipped.iter().map(|s| format!("issue: {s}")));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{hostile_verdict, sample_verdict};

    fn enabled() -> TicketsConfig {
        TicketsConfig {
            enabled: true,
            ..TicketsConfig::default()
        }
    }

    fn issue(number: u64, open: bool, body: String, labels: &[&str]) -> Issue {
        Issue {
            number,
            title: String::new(),
            body,
            open,
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
            author: "github-actions[bot]".into(),
            created_at: Some("2026-01-02T03:04:05Z".into()),
            url: None,
        }
    }

    fn facts() -> RunFacts {
        RunFacts {
            today: Some("2026-03-04".into()),
            run_url: Some("https://github.com/acme/shop/actions/runs/1".into()),
        }
    }

    #[test]
    fn default_selection_is_blocking_critical() {
        let v = sample_verdict();
        let selected: Vec<&str> = v
            .findings
            .iter()
            .filter(|e| is_selected(e, &enabled()))
            .map(|e| e.finding.rule_id.as_ref())
            .collect();
        // The high secret blocks too, but is below open_on = critical.
        assert_eq!(selected, ["CVE-2021-44228"]);
    }

    #[test]
    fn selection_by_threshold_and_rules() {
        let v = sample_verdict();
        let cfg = TicketsConfig {
            open_on: Some(Severity::High),
            ..enabled()
        };
        let n = v.findings.iter().filter(|e| is_selected(e, &cfg)).count();
        assert_eq!(n, 2, "the critical CVE and the high secret");
        // Rules match rule ids and vulnerability aliases; warned findings count, suppressed not.
        let cfg = TicketsConfig {
            open_on: None,
            rules: vec![
                "GHSA-JFH8-C2JP-5V3Q".into(),
                "10038".into(),
                "PYTHON.LANG.SECURITY.AUDIT.SUBPROCESS-SHELL-TRUE".into(),
            ],
            ..enabled()
        };
        let selected: Vec<&str> = v
            .findings
            .iter()
            .filter(|e| is_selected(e, &cfg))
            .map(|e| e.finding.rule_id.as_ref())
            .collect();
        assert_eq!(selected, ["CVE-2021-44228", "10038"]);
    }

    #[test]
    fn grouping_by_package_rule_and_scanner() {
        let mut v = sample_verdict();
        // A second CVE in the same log4j jar.
        let mut second = v.findings[0].clone();
        second.finding.rule_id = "CVE-2021-45046".into();
        second.finding.fingerprint = Fingerprint::builder("t").field("2").finish();
        v.findings.insert(1, second);
        let count = |by| {
            groups(
                &v,
                &TicketsConfig {
                    group_by: by,
                    ..enabled()
                },
            )
            .iter()
            .map(|g| g.findings.len())
            .collect::<Vec<_>>()
        };
        assert_eq!(count(GroupBy::Fingerprint), [1, 1]);
        assert_eq!(count(GroupBy::Package), [2]);
        assert_eq!(count(GroupBy::Rule), [1, 1]);
        assert_eq!(count(GroupBy::Scanner), [2]);
        let g = &groups(
            &v,
            &TicketsConfig {
                group_by: GroupBy::Package,
                ..enabled()
            },
        )[0];
        assert_eq!(
            title(g),
            "critical: 2 vulnerabilities in org.apache.logging.log4j:log4j-core (app/lib/log4j-core-2.14.1.jar)"
        );
    }

    #[test]
    fn titles_and_labels_are_shortened_never_refused() {
        let v = hostile_verdict();
        let cfg = TicketsConfig {
            open_on: Some(Severity::High),
            labels: vec!["l".repeat(80)],
            ..enabled()
        };
        let gs = groups(&v, &cfg);
        assert!(!gs.is_empty());
        for g in &gs {
            let t = title(g);
            assert!(
                t.chars().count() <= MAX_TITLE_CHARS,
                "{}",
                t.chars().count()
            );
            assert!(!t.contains('\n') && !t.contains('\u{1b}'), "{t:?}");
            for l in labels_for(g, &cfg) {
                assert!(l.chars().count() <= 50, "{l}");
            }
        }
        assert_eq!(shorten_label(&"é".repeat(60)).chars().count(), 50);
    }

    #[test]
    fn hostile_bodies_are_neutralised() {
        let v = hostile_verdict();
        let cfg = TicketsConfig {
            open_on: Some(Severity::High),
            ..enabled()
        };
        for g in groups(&v, &cfg) {
            let b = body(&g, &FirstSeen::default());
            assert!(b.len() < 65_536);
            for bad in [
                "<img",
                "-->\n::",
                "@everyone",
                "\u{1b}",
                "\u{202e}",
                "</details>",
            ] {
                assert!(!b.contains(bad), "{bad:?} reached the issue body");
            }
            // The only HTML comment is our marker, on the first line.
            assert_eq!(b.matches("<!--").count(), 1);
            assert!(b.starts_with("<!-- scangate:ticket v=1 "));
            assert_eq!(b.matches("-->").count(), 1);
            assert!(TicketMarker::parse(&b).is_some());
        }
    }

    #[test]
    fn marker_round_trips_and_rejects_forgeries() {
        let m = TicketMarker {
            key: "0123456789abcdef0123456789abcdef".into(),
            group_by: GroupBy::Rule,
            scanners: vec!["Semgrep OSS".into(), "a,b-->c".into()],
            first_seen: Some("2026-03-04".into()),
            first_run: Some("https://x.test/runs/1?a=b c".into()),
            auto_closed: true,
        };
        let line = m.render();
        assert_eq!(line.matches("-->").count(), 1);
        assert_eq!(TicketMarker::parse(&format!("text\n{line}\nmore")), Some(m));
        assert_eq!(
            TicketMarker::parse("<!-- scangate:ticket v=1 key=xyz group=rule -->"),
            None
        );
        assert_eq!(
            TicketMarker::parse(
                "<!-- scangate:ticket v=2 key=0123456789abcdef0123456789abcdef group=rule -->"
            ),
            None
        );
        assert_eq!(
            TicketMarker::parse(
                "<!-- scangate:ticket v=1 key=0123456789abcdef0123456789abcdef group=team -->"
            ),
            None
        );
    }

    #[test]
    fn first_run_opens_second_run_changes_nothing() {
        let v = sample_verdict();
        let cfg = enabled();
        let first = plan(&v, &cfg, &[], &[], &facts());
        let [TicketAction::Open { issue: new, .. }] = first.actions.as_slice() else {
            panic!("{first:?}");
        };
        assert_eq!(new.labels, ["scangate", "severity:critical"]);
        assert_eq!(first.new_labels, ["scangate", "severity:critical"]);
        let mut existing = issue(
            5,
            true,
            new.body.clone(),
            &["scangate", "severity:critical"],
        );
        existing.title = new.title.clone();
        let again = plan(
            &v,
            &cfg,
            &[existing],
            &["scangate".into(), "severity:critical".into()],
            &facts(),
        );
        assert_eq!(again.actions, [TicketAction::Unchanged { number: 5 }]);
        assert!(again.new_labels.is_empty());
        // A later run's URL does not rewrite the body: first seen stays.
        let later = RunFacts {
            today: Some("2026-04-01".into()),
            run_url: Some("https://github.com/acme/shop/actions/runs/2".into()),
        };
        let mut existing = issue(
            5,
            true,
            new.body.clone(),
            &["scangate", "severity:critical"],
        );
        existing.title = new.title.clone();
        assert_eq!(
            plan(&v, &cfg, &[existing], &[], &later).actions,
            [TicketAction::Unchanged { number: 5 }]
        );
    }

    #[test]
    fn closed_by_a_person_is_not_reopened_unless_configured() {
        let v = sample_verdict();
        let cfg = enabled();
        let opened = plan(&v, &cfg, &[], &[], &facts());
        let TicketAction::Open { issue: new, .. } = &opened.actions[0] else {
            panic!()
        };
        let closed = issue(9, false, new.body.clone(), &["scangate"]);
        let p = plan(&v, &cfg, std::slice::from_ref(&closed), &[], &facts());
        assert_eq!(p.actions, [TicketAction::KeptClosed { number: 9 }]);
        let p = plan(
            &v,
            &TicketsConfig {
                reopen: true,
                ..enabled()
            },
            std::slice::from_ref(&closed),
            &[],
            &facts(),
        );
        assert!(
            matches!(&p.actions[..], [TicketAction::Update { number: 9, reopen: true, update }] if update.state == Some("open")),
            "{p:?}"
        );
        // Closed by scangate (findings were gone) and back: reopened even with reopen = false.
        let marker = TicketMarker::parse(&new.body).expect("marker");
        let auto = TicketMarker {
            auto_closed: true,
            ..marker
        };
        let auto_closed = issue(
            9,
            false,
            replace_marker(&new.body, &auto.render()),
            &["scangate"],
        );
        let p = plan(&v, &cfg, &[auto_closed], &[], &facts());
        assert!(
            matches!(&p.actions[..], [TicketAction::Update { reopen: true, .. }]),
            "{p:?}"
        );
    }

    #[test]
    fn auto_close_only_when_the_scanner_report_was_read() {
        let v = sample_verdict();
        let gone = TicketMarker {
            key: "f".repeat(32),
            group_by: GroupBy::Fingerprint,
            scanners: vec!["Trivy".into()],
            first_seen: None,
            first_run: None,
            auto_closed: false,
        };
        let other_scanner = TicketMarker {
            key: "e".repeat(32),
            scanners: vec!["Grype".into()],
            ..gone.clone()
        };
        let existing = [
            issue(1, true, format!("{}\nold", gone.render()), &["scangate"]),
            issue(
                2,
                true,
                format!("{}\nold", other_scanner.render()),
                &["scangate"],
            ),
        ];
        // auto_close off: nothing is closed.
        let p = plan(&v, &enabled(), &existing, &[], &facts());
        assert!(
            !p.actions
                .iter()
                .any(|a| matches!(a, TicketAction::Close { .. }))
        );
        let cfg = TicketsConfig {
            auto_close: true,
            ..enabled()
        };
        let p = plan(&v, &cfg, &existing, &[], &facts());
        let closed: Vec<u64> = p
            .actions
            .iter()
            .filter_map(|a| match a {
                TicketAction::Close { number, update, .. } => {
                    assert_eq!(update.state, Some("closed"));
                    let m = TicketMarker::parse(update.body.as_deref().expect("body")).expect("m");
                    assert!(m.auto_closed);
                    Some(*number)
                }
                _ => None,
            })
            .collect();
        assert_eq!(closed, [1], "Grype's report was not read: #2 stays open");
        assert_eq!(p.close_skipped.len(), 1, "{:?}", p.close_skipped);
        // An unreadable input closes nothing.
        let mut broken = sample_verdict();
        broken.inputs[0].error = Some("truncated".into());
        let p = plan(&broken, &cfg, &existing, &[], &facts());
        assert!(
            !p.actions
                .iter()
                .any(|a| matches!(a, TicketAction::Close { .. }))
        );
    }

    #[test]
    fn max_new_defers_the_rest() {
        let v = sample_verdict();
        let cfg = TicketsConfig {
            open_on: Some(Severity::High),
            max_new: 1,
            ..enabled()
        };
        let p = plan(&v, &cfg, &[], &[], &facts());
        assert!(matches!(p.actions[0], TicketAction::Open { .. }));
        assert!(matches!(p.actions[1], TicketAction::Deferred { .. }));
        assert_eq!(p.deferred(), 1);
    }

    #[test]
    fn people_keep_their_labels() {
        assert_eq!(
            merged_labels(
                &["triage".into(), "severity:high".into(), "scangate".into()],
                &["scangate".into(), "severity:critical".into()]
            ),
            ["triage", "scangate", "severity:critical"]
        );
    }
}
