//! The Markdown report: the PR comment and the GitHub job summary.
//!
//! Written for GitHub Flavored Markdown (<https://github.github.com/gfm/>), read in two places:
//! a pull-request comment (the publisher re-renders with a smaller budget when GitHub refuses a
//! body as too long) and `$GITHUB_STEP_SUMMARY` (1 MiB per step).
//!
//! Sections, in display order, which is also the priority order in which the byte budget is
//! spent:
//! 1. the verdict headline and policy line (always written, even over budget);
//! 2. inputs that could not be read (why the verdict is `error`);
//! 3. counts per scanner × severity × outcome, then one line each for the baseline (new,
//!    existing, fixed) and correlated problems (reported by several scanners, counted once);
//! 4. the blocking findings (new findings first when there is a baseline, see
//!    [`baseline_rank`]);
//! 5. waivers in force that expire within [`EXPIRY_WINDOW_DAYS`] days of the verdict's date
//!    (see [`expiring_waivers`]);
//! 6. `<details>`: per-input notes;
//! 7. `<details>`: every non-blocking finding (warned, waived, ignored, suppressed).
//!
//! Finding tables (and the list of unreadable inputs) are cut row by row, most important rows
//! first; the count table and the input list are written whole or not at all; a section whose
//! heading and first row do not fit is left out. When any finding is left out, the last line says exactly how many and
//! points at [`MarkdownOptions::artifact_hint`].
//!
//! # Scanner text
//! Everything a scanner wrote is attacker-influenced. It reaches the document only through
//! [`escape_markdown_text`] or [`code_span`] (and their table-cell variants):
//! - control and bidi characters are shown escaped and newlines folded, by
//!   [`crate::text::for_terminal`], so a value is always one line and cannot start one;
//! - Markdown punctuation is backslash-escaped and `<`, `>`, `&` become entities, so scanner
//!   text can never open an HTML tag, a comment (`<!--`, `-->`), a link or an image;
//! - `@user` and `#123` get a zero-width space after `@`/`#`: GitHub resolves mentions and
//!   issue references on the rendered text, where a backslash escape is already gone (an `@`
//!   inside a word, as in `name@1.2.3`, is no mention and is left alone);
//! - code spans use a backtick fence longer than any backtick run inside, padded with spaces;
//!   inside them `<` and `>` are separated from their neighbours by a zero-width space (entities
//!   do not work in code, and the raw bytes must never hold `<!--`, `-->` or a tag);
//! - in table cells every `|` is escaped so a value can never split a column.

use std::io::Write;
use std::path::Path;

use crate::baseline::BaselineStatus;
use crate::model::Severity;
use crate::policy::{Outcome, WaiverState};
use crate::text::for_terminal;
use crate::verdict::{Evaluated, Status, Verdict};

/// Default byte budget: under GitHub's 65,536-character limit for an issue or PR comment, with
/// room for the publisher's hidden marker.
pub const DEFAULT_MAX_BYTES: usize = 60_000;

/// Waivers that stop applying within this many days are listed.
pub const EXPIRY_WINDOW_DAYS: u32 = 14;

const ZWSP: char = '\u{200B}';

/// Longest scanner-provided values, in characters, before truncation with `…`.
const TITLE_CHARS: usize = 200;
const RULE_CHARS: usize = 80;
const SCANNER_CHARS: usize = 40;
const LOCATION_CHARS: usize = 120;
const REASON_CHARS: usize = 160;
const NOTE_CHARS: usize = 300;
const PATH_CHARS: usize = 200;
/// "Do not truncate", leaving `for_terminal` room for its arithmetic.
const NO_LIMIT: usize = usize::MAX / 2;

/// How to render the Markdown report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// Upper bound on the output size in bytes. Only the headline (and, when findings were
    /// left out, the closing line saying so) can exceed a budget too small to hold them.
    pub max_bytes: usize,
    /// Where readers find what did not fit, completing "N more findings — see …".
    pub artifact_hint: String,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions {
            max_bytes: DEFAULT_MAX_BYTES,
            artifact_hint: "the SARIF/JSON artifact".to_owned(),
        }
    }
}

/// Writes the Markdown report to `out`.
pub fn render(
    verdict: &Verdict,
    options: &MarkdownOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    out.write_all(render_to_string(verdict, options).as_bytes())
}

/// Renders the Markdown report within `options.max_bytes`.
pub fn render_to_string(verdict: &Verdict, options: &MarkdownOptions) -> String {
    let first = Document::build(verdict, options.max_bytes);
    if first.omitted == 0 {
        return first.text;
    }
    // Something did not fit: render again leaving room for the closing line. The reservation
    // uses the total finding count, an upper bound on the number that will be left out.
    let reserve = footer(verdict.findings.len(), &options.artifact_hint).len();
    let mut doc = Document::build(verdict, options.max_bytes.saturating_sub(reserve));
    let footer = footer(doc.omitted, &options.artifact_hint);
    doc.text.push_str(&footer);
    doc.text
}

/// Appends a rendered report to the job summary file (`$GITHUB_STEP_SUMMARY`), separated from
/// what other steps wrote by a blank line.
pub fn append_to_step_summary(path: &Path, markdown: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(b"\n")?;
    file.write_all(markdown.as_bytes())?;
    if !markdown.ends_with('\n') {
        file.write_all(b"\n")?;
    }
    file.flush()
}

fn footer(omitted: usize, artifact_hint: &str) -> String {
    format!(
        "\n---\n**{omitted} more finding{} — see {}.**\n",
        if omitted == 1 { "" } else { "s" },
        escape_markdown_text(artifact_hint)
    )
}

/// A document being filled within a byte limit.
struct Document {
    text: String,
    limit: usize,
    /// Findings not listed in any table.
    omitted: usize,
}

impl Document {
    fn build(verdict: &Verdict, limit: usize) -> Document {
        let mut doc = Document {
            text: String::new(),
            limit,
            omitted: 0,
        };
        headline(verdict, &mut doc.text);
        let sections: [fn(&Verdict, &mut Document); 6] = [
            unreadable_inputs,
            counts,
            blocking,
            waivers,
            input_notes,
            non_blocking,
        ];
        for section in sections {
            section(verdict, &mut doc);
        }
        doc
    }

    fn room(&self) -> usize {
        self.limit.saturating_sub(self.text.len())
    }

    /// Appends a whole section if it fits; returns whether it did.
    fn push_whole(&mut self, section: &str) -> bool {
        if section.len() <= self.room() {
            self.text.push_str(section);
            true
        } else {
            false
        }
    }

    /// Appends `head`, as many `rows` as fit, then `tail`; returns the number of rows written
    /// (zero, and nothing written, when not even the first row fits).
    fn push_rows(&mut self, head: &str, rows: impl Iterator<Item = String>, tail: &str) -> usize {
        let mut body = String::new();
        let mut written = 0;
        let fixed = head.len() + tail.len();
        for row in rows {
            if fixed + body.len() + row.len() > self.room() {
                break;
            }
            body.push_str(&row);
            written += 1;
        }
        if written > 0 {
            self.text.push_str(head);
            self.text.push_str(&body);
            self.text.push_str(tail);
        }
        written
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn headline(verdict: &Verdict, out: &mut String) {
    let blocking = verdict.blocking();
    let total = verdict.problems();
    let line = match verdict.status {
        Status::Pass => format!(
            "## ✅ scangate: PASS — no blocking findings ({})\n",
            plural(total, "finding")
        ),
        Status::Fail => {
            let stale = if verdict.failed_on_stale_waivers() {
                format!(
                    "; {} (--deny-stale-waivers)",
                    plural(verdict.stale_waivers(), "stale waiver")
                )
            } else {
                String::new()
            };
            format!(
                "## ❌ scangate: FAIL — {blocking} blocking of {}{stale}\n",
                plural(total, "finding")
            )
        }
        Status::Error => {
            let mut causes = Vec::new();
            let unreadable = verdict.input_errors();
            if unreadable > 0 {
                causes.push(format!("{} could not be read", plural(unreadable, "input")));
            }
            if !verdict.missing_reports.is_empty() {
                causes.push(format!(
                    "no report from required scanner{} {}",
                    if verdict.missing_reports.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    escape_markdown_text_truncated(&verdict.missing_reports.join(", "), 200)
                ));
            }
            format!(
                "## ⚠️ scangate: ERROR — could not decide: {}\n",
                causes.join("; ")
            )
        }
    };
    out.push_str(&line);
    out.push_str(&format!(
        "\nPolicy: {} ({}).\n",
        escape_markdown_text(&verdict.policy.source.to_string()),
        escape_markdown_text(&verdict.policy.describe())
    ));
}

fn unreadable_inputs(verdict: &Verdict, doc: &mut Document) {
    let rows = verdict.inputs.iter().filter_map(|i| {
        i.error.as_ref().map(|e| {
            format!(
                "- {}: {}\n",
                code_span_truncated(&i.path, PATH_CHARS),
                escape_markdown_text_truncated(e, NOTE_CHARS)
            )
        })
    });
    doc.push_rows("\n### Inputs that could not be read\n\n", rows, "");
}

fn counts(verdict: &Verdict, doc: &mut Document) {
    if verdict.findings.is_empty() {
        doc.push_whole(if verdict.inputs.iter().any(|i| i.error.is_some()) {
            "\nNo findings in the inputs that could be read.\n"
        } else {
            "\nNo findings.\n"
        });
        // Everything may have been fixed: say so.
        doc.push_whole(&baseline_and_correlation_notes(verdict));
        return;
    }
    // `fail` and `warn` always; the other outcomes only when they occur.
    let outcomes: Vec<Outcome> = Outcome::ALL
        .into_iter()
        .filter(|o| matches!(o, Outcome::Fail | Outcome::Warn) || verdict.count(*o) > 0)
        .collect();
    let mut head =
        String::from("\n### Findings by scanner, severity and outcome\n\n| Scanner | Severity |");
    for o in &outcomes {
        head.push_str(&format!(" {o} |"));
    }
    head.push_str(" total |\n|---|---|");
    for _ in &outcomes {
        head.push_str("--:|");
    }
    head.push_str("--:|\n");
    // All or nothing: a partial count table would mislead (the headline has the totals).
    let mut table = head;
    for (scanner, by_severity) in &verdict.summary {
        for severity in Severity::ALL_DESC {
            let Some(by_outcome) = by_severity.get(&severity) else {
                continue;
            };
            let mut row = format!(
                "| {} | {severity} |",
                escape_markdown_text_truncated(scanner, SCANNER_CHARS)
            );
            for o in &outcomes {
                row.push_str(&format!(" {} |", by_outcome.get(o).copied().unwrap_or(0)));
            }
            row.push_str(&format!(" {} |\n", by_outcome.values().sum::<u64>()));
            table.push_str(&row);
        }
    }
    doc.push_whole(&table);
    doc.push_whole(&baseline_and_correlation_notes(verdict));
}

/// One line for the baseline's counts and one for correlated problems (each when it applies).
fn baseline_and_correlation_notes(verdict: &Verdict) -> String {
    let mut notes = String::new();
    if let Some(b) = &verdict.baseline {
        let (new, existing) = verdict.baseline_counts();
        notes.push_str(&format!(
            "\nBaseline {} (gate = {}): **{new} new**, {existing} existing, {} fixed.\n",
            code_span_truncated(&b.baseline.path, PATH_CHARS),
            verdict.policy.gate,
            b.fixed.len()
        ));
    }
    if !verdict.groups.is_empty() {
        let entries: usize = verdict.groups.iter().map(|g| g.members.len()).sum();
        notes.push_str(&format!(
            "\n{} reported by several scanners ({}) {} counted once, at {} highest severity.\n",
            plural(verdict.groups.len(), "problem"),
            plural(entries, "finding"),
            if verdict.groups.len() == 1 {
                "is"
            } else {
                "are"
            },
            if verdict.groups.len() == 1 {
                "its"
            } else {
                "their"
            },
        ));
    }
    notes
}

/// Where a finding sorts among the blocking ones: findings new against the baseline come
/// first (the sort is stable, so within each the verdict's order, most severe first, stands).
/// Without a baseline every finding ranks equal.
fn baseline_rank(finding: &Evaluated) -> u8 {
    match finding.baseline {
        Some(BaselineStatus::Existing { .. }) => 1,
        Some(BaselineStatus::New) | None => 0,
    }
}

fn blocking(verdict: &Verdict, doc: &mut Document) {
    let mut failing: Vec<&Evaluated> = verdict
        .findings
        .iter()
        .filter(|f| f.decision.outcome == Outcome::Fail)
        .collect();
    if failing.is_empty() {
        return;
    }
    failing.sort_by_key(|f| baseline_rank(f));
    let with_baseline = verdict.baseline.is_some();
    let head = format!(
        "\n### Blocking findings ({})\n\n| Severity | Scanner | Rule | Title | Location | Fixed in |{}\n|---|---|---|---|---|---|{}\n",
        failing.len(),
        if with_baseline { " Baseline |" } else { "" },
        if with_baseline { "---|" } else { "" },
    );
    let rows = failing.iter().map(|e| {
        let baseline = match e.baseline {
            _ if !with_baseline => String::new(),
            Some(BaselineStatus::Existing { first_seen }) => format!(" since {first_seen} |"),
            _ => " **new** |".to_owned(),
        };
        let f = &e.finding;
        let fixed = f
            .fix
            .as_ref()
            .and_then(|fix| fix.fixed_version.as_deref())
            .map(|v| code_cell(v, RULE_CHARS))
            .unwrap_or_default();
        format!(
            "| **{}** | {} | {} | {} | {} | {} |{baseline}\n",
            e.decision.effective_severity,
            escape_markdown_text_truncated(&f.scanner.name, SCANNER_CHARS),
            code_cell(&f.rule_id, RULE_CHARS),
            escape_markdown_text_truncated(&f.title, TITLE_CHARS),
            code_cell(&f.location.display_short(), LOCATION_CHARS),
            fixed
        )
    });
    let shown = doc.push_rows(&head, rows, "");
    doc.omitted += failing.len() - shown;
}

/// A waiver that stops applying within [`EXPIRY_WINDOW_DAYS`] days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiringWaiver {
    /// What the waiver matches (an id, a rule, a fingerprint), as written in the policy.
    pub target: String,
    /// Expiry date, `YYYY-MM-DD`.
    pub expires: String,
    pub reason: String,
    /// Findings it waived in this run.
    pub findings: usize,
}

/// The waivers still in force whose expiry falls within [`EXPIRY_WINDOW_DAYS`] of the
/// evaluation date carried by the verdict (never the wall clock, so the output stays
/// deterministic), soonest first. Expired and stale waivers are the table's and JSON's business;
/// this section warns the reviewer before a waiver lapses and the gate starts failing.
fn expiring_waivers(verdict: &Verdict) -> Vec<ExpiringWaiver> {
    let today = verdict.settings.today;
    let Ok(horizon) = today.checked_add(jiff::Span::new().days(i64::from(EXPIRY_WINDOW_DAYS)))
    else {
        return Vec::new();
    };
    let mut out: Vec<(jiff::civil::Date, ExpiringWaiver)> = verdict
        .waiver_uses()
        .filter(|(_, u)| u.state != WaiverState::Expired)
        .filter_map(|(w, u)| {
            let expires = w.expires.filter(|d| *d <= horizon)?;
            Some((
                expires,
                ExpiringWaiver {
                    target: w.subject(),
                    expires: expires.to_string(),
                    reason: w.reason.clone(),
                    findings: usize::try_from(u.applied).unwrap_or(usize::MAX),
                },
            ))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.target.cmp(&b.1.target)));
    out.into_iter().map(|(_, w)| w).collect()
}

fn waivers(verdict: &Verdict, doc: &mut Document) {
    let expiring = expiring_waivers(verdict);
    let head = format!(
        "\n### Waivers expiring within {EXPIRY_WINDOW_DAYS} days\n\n| Expires | Waiver | Reason | Findings |\n|---|---|---|--:|\n"
    );
    let rows = expiring.iter().map(|w| {
        format!(
            "| {} | {} | {} | {} |\n",
            escape_markdown_text_truncated(&w.expires, 20),
            code_cell(&w.target, RULE_CHARS),
            escape_markdown_text_truncated(&w.reason, REASON_CHARS),
            w.findings
        )
    });
    doc.push_rows(&head, rows, "");
}

fn input_notes(verdict: &Verdict, doc: &mut Document) {
    let readable: Vec<_> = verdict
        .inputs
        .iter()
        .filter(|i| i.error.is_none())
        .collect();
    if readable.is_empty() {
        return;
    }
    // All or nothing, so no input silently disappears from the list.
    let mut section = format!(
        "\n<details><summary>Inputs ({})</summary>\n\n",
        readable.len()
    );
    for input in readable {
        let tools: Vec<String> = input
            .scanners
            .iter()
            .map(|s| {
                let name = escape_markdown_text_truncated(&s.name, SCANNER_CHARS);
                match &s.version {
                    Some(v) => format!("{name} {}", escape_markdown_text_truncated(v, 20)),
                    None => name,
                }
            })
            .collect();
        let format = input.format.map(|f| f.as_str()).unwrap_or("?");
        let tools = if tools.is_empty() {
            String::new()
        } else {
            format!(", {}", tools.join(", "))
        };
        let mut item = format!(
            "- {} ({format}{tools}): {}\n",
            code_span_truncated(&input.path, PATH_CHARS),
            plural(
                usize::try_from(input.findings).unwrap_or(usize::MAX),
                "finding"
            )
        );
        if let Some(stats) = &input.stats {
            let mut notes = Vec::new();
            if stats.runs == Some(0) {
                notes.push("the SARIF log contains no tool run (`\"runs\": []`)".to_owned());
            }
            if stats.upstream_suppressed > 0 {
                let n = stats.upstream_suppressed;
                notes.push(format!(
                    "{n} entr{} suppressed by the scanner itself (not findings)",
                    if n == 1 { "y" } else { "ies" }
                ));
            }
            if stats.non_fail_results > 0 {
                notes.push(format!(
                    "{} SARIF result(s) of kind other than `fail` (counted, not findings)",
                    stats.non_fail_results
                ));
            }
            notes.extend(
                stats
                    .notes
                    .iter()
                    .map(|n| escape_markdown_text_truncated(n, NOTE_CHARS)),
            );
            for note in notes {
                item.push_str(&format!("  - {note}\n"));
            }
        }
        section.push_str(&item);
    }
    section.push_str("\n</details>\n");
    doc.push_whole(&section);
}

fn non_blocking(verdict: &Verdict, doc: &mut Document) {
    let mut rest: Vec<&Evaluated> = verdict
        .findings
        .iter()
        .filter(|f| f.decision.outcome != Outcome::Fail)
        .collect();
    if rest.is_empty() {
        return;
    }
    // Warned first, then waived, ignored, suppressed; most severe first within each.
    rest.sort_by_key(|f| f.decision.outcome);
    let head = format!(
        "\n<details><summary>Non-blocking findings ({})</summary>\n\n| Outcome | Severity | Scanner | Rule | Title | Location | Reason |\n|---|---|---|---|---|---|---|\n",
        rest.len()
    );
    let rows = rest.iter().map(|e| {
        let f = &e.finding;
        format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            e.decision.outcome,
            e.decision.effective_severity,
            escape_markdown_text_truncated(&f.scanner.name, SCANNER_CHARS),
            code_cell(&f.rule_id, RULE_CHARS),
            escape_markdown_text_truncated(&f.title, TITLE_CHARS),
            code_cell(&f.location.display_short(), LOCATION_CHARS),
            escape_markdown_text_truncated(&e.decision.reason, REASON_CHARS),
        )
    });
    let shown = doc.push_rows(&head, rows, "\n</details>\n");
    doc.omitted += rest.len() - shown;
}

/// Neutralises scanner text for inline Markdown and table cells: one line, control and bidi
/// characters shown escaped, Markdown punctuation backslash-escaped, `<` `>` `&` as entities,
/// `@mentions` (an `@` starting a word) and `#refs` defused with a zero-width space. Never
/// truncates.
pub fn escape_markdown_text(s: &str) -> String {
    escape_markdown_text_truncated(s, NO_LIMIT)
}

/// [`escape_markdown_text`] of at most `max_chars` characters of `s` (cut with `…`).
pub fn escape_markdown_text_truncated(s: &str, max_chars: usize) -> String {
    escape_inline(&for_terminal(s, max_chars))
}

/// Escapes text that is already one line without control characters.
///
/// Every backslash written here starts a two-character escape, so GFM's table-cell scanner
/// (which treats `\` + punctuation as one unit) and CommonMark agree on where each `|` is.
fn escape_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    let mut prev = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '+' | '-' | '!' | '|'
            | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '#' => {
                out.push_str("\\#");
                if chars.peek().is_some_and(|n| n.is_alphanumeric()) {
                    out.push(ZWSP);
                }
            }
            '@' => {
                out.push('@');
                if starts_mention(prev, chars.peek().copied()) {
                    out.push(ZWSP);
                }
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
        prev = Some(c);
    }
    out
}

/// Whether an `@` between `prev` and `next` would start a GitHub mention: at the start of a
/// word (so `name@1.2.3` and `user@host` stay intact) and followed by a name character.
/// GitHub's word characters are ASCII: after `é` or `À` an `@` does start a mention.
fn starts_mention(prev: Option<char>, next: Option<char>) -> bool {
    !prev.is_some_and(|c| c.is_ascii_alphanumeric())
        && next.is_some_and(|n| n.is_alphanumeric() || n == '-' || n == '_')
}

/// Scanner text as an inline code span that cannot be broken out of: the fence is one backtick
/// longer than the longest backtick run inside and padded with spaces. Returns an empty string
/// for empty text. Not for table cells (see the cell variant, which also escapes `|`).
pub fn code_span(s: &str) -> String {
    code_span_truncated(s, NO_LIMIT)
}

/// [`code_span`] of at most `max_chars` characters of `s` (cut with `…`).
pub fn code_span_truncated(s: &str, max_chars: usize) -> String {
    fenced(&for_terminal(s, max_chars), false)
}

/// A code span inside a table cell: like [`code_span`], with every `|` escaped.
fn code_cell(s: &str, max_chars: usize) -> String {
    fenced(&for_terminal(s, max_chars), true)
}

fn fenced(s: &str, in_table: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let mut body = String::with_capacity(s.len() + 8);
    let mut prev = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Entities are literal in code, so separate the angle brackets from their
            // neighbours instead: the bytes never hold a tag, `<!--` or `-->`.
            '<' => {
                body.push('<');
                body.push(ZWSP);
            }
            '>' => {
                body.push(ZWSP);
                body.push('>');
            }
            // GitHub ignores mentions in code, but the raw text may be read elsewhere.
            '@' => {
                body.push('@');
                if starts_mention(prev, chars.peek().copied()) {
                    body.push(ZWSP);
                }
            }
            // GFM splits table rows before it parses code spans; `\|` is the only way to keep a
            // pipe in a cell. A backslash just before it would make `\\|` ambiguous between
            // renderers, so it is kept apart with a zero-width space.
            '|' if in_table => {
                if body.ends_with('\\') {
                    body.push(ZWSP);
                }
                body.push_str("\\|");
            }
            c => body.push(c),
        }
        prev = Some(c);
    }
    let longest_run = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    format!("{fence} {body} {fence}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Format, Input, ParsedReport, ReportStats};
    use crate::model::Scanner;
    use crate::policy::Policy;
    use crate::report::fixtures::{
        baseline_verdict, hostile_verdict, policy_verdict, sample_verdict,
    };

    fn rendered(verdict: &Verdict, options: &MarkdownOptions) -> String {
        let mut out = Vec::new();
        render(verdict, options, &mut out).expect("renders");
        String::from_utf8(out).expect("utf-8")
    }

    /// A verdict with `n` findings cycled from the sample fixture, each with its own rule id
    /// (`bulk-<i>`), so listed rows can be counted.
    fn bulk_verdict(n: usize) -> Verdict {
        let sample = sample_verdict();
        let findings = (0..n)
            .map(|i| {
                let mut f = sample.findings[i % sample.findings.len()].finding.clone();
                f.rule_id = format!("bulk-{i}").into();
                f.fingerprint = crate::model::Fingerprint::builder("bulk")
                    .field(&i.to_string())
                    .finish();
                f
            })
            .collect();
        let input = Input {
            path: "reports/bulk.json".into(),
            format: Format::Trivy,
            report: ParsedReport {
                scanners: vec![Scanner::clone(&sample.findings[0].finding.scanner)],
                findings,
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

    fn omitted_from_footer(text: &str) -> usize {
        let last = text.lines().last().expect("a last line");
        let number = last
            .trim_start_matches("**")
            .split(' ')
            .next()
            .expect("a number");
        number
            .parse()
            .unwrap_or_else(|_| panic!("no count in {last:?}"))
    }

    #[test]
    fn waivers_in_force_that_expire_soon_are_listed_soonest_first() {
        let mut v = policy_verdict();
        // Nothing expires within 14 days of the fixture's date.
        assert!(expiring_waivers(&v).is_empty());
        // Two weeks before the end of the year: the used and the stale waiver both lapse on
        // 2026-12-31; the already expired one is not "expiring".
        v.settings.today = jiff::civil::date(2026, 12, 20);
        let expiring = expiring_waivers(&v);
        assert_eq!(
            expiring,
            [
                ExpiringWaiver {
                    target: "CVE-2099-*".into(),
                    expires: "2026-12-31".into(),
                    reason: "matches nothing: stale".into(),
                    findings: 0,
                },
                ExpiringWaiver {
                    target: "TEMP-0841856-B18BAF".into(),
                    expires: "2026-12-31".into(),
                    reason: "not reachable: no shell in the runtime image".into(),
                    findings: 1,
                },
            ]
        );
        let text = rendered(&v, &MarkdownOptions::default());
        assert!(
            text.contains(
                "| 2026\\-12\\-31 | ` TEMP-0841856-B18BAF ` | not reachable: no shell in the runtime image | 1 |"
            ),
            "{text}"
        );
        assert!(
            text.starts_with(
                "## ⚠️ scangate: ERROR — could not decide: no report from required scanner gitleaks\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn baseline_counts_correlation_and_new_findings_first() {
        let text = rendered(&baseline_verdict(), &MarkdownOptions::default());
        assert!(
            text.starts_with("## ❌ scangate: FAIL — 2 blocking of 8 findings\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "Baseline ` scangate-baseline.json ` (gate = new): **1 new**, 8 existing, 1 fixed."
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "1 problem reported by several scanners (2 findings) is counted once, at its \
                 highest severity."
            ),
            "{text}"
        );
        // The new AWS key is listed before Log4Shell, though less severe.
        let secret = text.find("aws-access-key-id");
        let log4j = text.find("CVE-2021-44228");
        assert!(secret.is_some() && secret < log4j, "{text}");
        assert!(text.contains(" **new** |"), "{text}");
        assert!(text.contains(" since 2026-05-01 |"), "{text}");
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_snapshot!("markdown_baseline", text);
        });
    }

    #[test]
    fn sample_markdown() {
        let text = rendered(&sample_verdict(), &MarkdownOptions::default());
        assert!(text.starts_with("## ❌ scangate: FAIL — 2 blocking of 8 findings\n"));
        assert!(!text.contains("more finding"), "nothing is left out");
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_snapshot!("markdown_sample", text);
        });
    }

    #[test]
    fn hostile_text_is_neutralised() {
        let text = rendered(&hostile_verdict(), &MarkdownOptions::default());
        for bad in [
            "<img",
            "<!--",
            "-->",
            "@everyone",
            "\u{1b}",
            "\u{7}",
            "\u{0}",
            "\r",
            "\u{202e}",
        ] {
            assert!(!text.contains(bad), "{bad:?} reached the Markdown");
        }
        assert!(
            !text.lines().any(|l| l.starts_with("::")),
            "a line starts a workflow command"
        );
        // Only our own structural tags: every <details> is closed, and no other tag appears.
        let opened = text.matches("<details>").count();
        assert_eq!(opened, text.matches("</details>").count());
        assert_eq!(opened, text.matches("<summary>").count());
        assert_eq!(opened, text.matches("</summary>").count());
        // Scanner `<` only survives inside code spans, kept apart from what follows.
        let tags = text.matches('<').count() - text.matches("<\u{200B}").count();
        assert_eq!(tags, opened * 4, "a `<` that is not one of our tags");
        // Table rows keep their column count: the 6-column blocking table has 7 unescaped pipes.
        let row = text
            .lines()
            .find(|l| l.starts_with("| **critical**"))
            .expect("blocking row");
        assert_eq!(unescaped_pipes(row), 7, "{row}");
        // The 70,000-character title is cut.
        assert!(text.lines().all(|l| l.len() < 4_000), "a line is too long");
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_snapshot!("markdown_hostile", text);
        });
    }

    #[test]
    fn pipes_never_split_a_column() {
        let mut v = hostile_verdict();
        let code = &mut v.findings[0].finding;
        code.title = "a | b \\| c \\\\| `|` d\\".into();
        code.rule_id = "r|s\\|t\\".into();
        code.location.file = None;
        let text = render_to_string(&v, &MarkdownOptions::default());
        let row = text
            .lines()
            .find(|l| l.starts_with("| **critical**"))
            .expect("blocking row");
        assert_eq!(unescaped_pipes(row), 7, "{row}");
        assert!(row.contains("| ` r\\|s\\\u{200B}\\|t\\ ` |"), "{row}");
    }

    /// Pipes not preceded by a backslash (the escapes written here always come in pairs).
    fn unescaped_pipes(line: &str) -> usize {
        let mut count = 0;
        let mut escaped = false;
        for c in line.chars() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '|' {
                count += 1;
            }
        }
        count
    }

    #[test]
    fn escapes_markdown_html_mentions_and_refs() {
        assert_eq!(
            escape_markdown_text("*a* _b_ [c](d) <e> & f|g `h` \\ $x$"),
            "\\*a\\* \\_b\\_ \\[c\\]\\(d\\) &lt;e&gt; &amp; f\\|g \\`h\\` \\\\ \\$x\\$"
        );
        assert_eq!(
            escape_markdown_text("@everyone see #12, mail a@b"),
            "@\u{200B}everyone see \\#\u{200B}12, mail a@b"
        );
        assert_eq!(
            escape_markdown_text("a\nb\u{1b}[0m"),
            "a b\\\\u\\{1b\\}\\[0m"
        );
        assert_eq!(escape_markdown_text("# @ "), "\\# @");
        assert_eq!(
            escape_markdown_text_truncated(&"x".repeat(500), 10),
            "xxxxxxxxx…"
        );
    }

    #[test]
    fn code_spans_cannot_be_broken_out_of() {
        assert_eq!(code_span("a"), "` a `");
        assert_eq!(code_span("a`b"), "`` a`b ``");
        assert_eq!(code_span("```js"), "```` ```js ````");
        assert_eq!(code_span("`"), "`` ` ``");
        assert_eq!(code_span(""), "");
        assert_eq!(code_span("<!-- x -->"), "` <\u{200B}!-- x --\u{200B}> `");
        assert_eq!(code_span("a|b"), "` a|b `");
        assert_eq!(code_span("pkg@1.0 @team"), "` pkg@1.0 @\u{200B}team `");
        assert_eq!(code_cell("a|b", 100), "` a\\|b `");
        assert_eq!(code_cell("a\\|b", 100), "` a\\\u{200B}\\|b `");
        assert_eq!(code_span("x\ny"), "` x y `");
    }

    #[test]
    fn budget_is_respected_and_the_rest_counted() {
        let v = bulk_verdict(3_000);
        for max_bytes in [2_000, 60_000] {
            let options = MarkdownOptions {
                max_bytes,
                ..MarkdownOptions::default()
            };
            let text = render_to_string(&v, &options);
            assert!(text.len() <= max_bytes, "{} > {max_bytes}", text.len());
            assert!(text.starts_with("## ❌ scangate: FAIL"));
            let listed = text.lines().filter(|l| l.contains("bulk-")).count();
            assert!(listed > 0, "budget {max_bytes} lists no finding");
            let omitted = omitted_from_footer(&text);
            assert_eq!(listed + omitted, 3_000, "budget {max_bytes}");
            assert!(
                text.ends_with(&format!(
                    "**{omitted} more findings — see the SARIF/JSON artifact.**\n"
                )),
                "{}",
                &text[text.len() - 200..]
            );
            // Structural tags stay balanced when sections are cut.
            assert_eq!(
                text.matches("<details>").count(),
                text.matches("</details>").count()
            );
        }
    }

    #[test]
    fn blocking_findings_are_listed_before_non_blocking_ones() {
        let v = bulk_verdict(3_000);
        let options = MarkdownOptions {
            max_bytes: 2_000,
            ..MarkdownOptions::default()
        };
        let text = render_to_string(&v, &options);
        assert!(text.contains("### Blocking findings (750)"), "{text}");
        assert!(!text.contains("Non-blocking findings"), "{text}");
    }

    #[test]
    fn tiny_budget_keeps_the_headline() {
        let v = bulk_verdict(100);
        let options = MarkdownOptions {
            max_bytes: 10,
            artifact_hint: "the `scangate-report` artifact".into(),
        };
        let text = render_to_string(&v, &options);
        assert!(text.starts_with("## ❌ scangate: FAIL — 26 blocking of 100 findings\n"));
        assert_eq!(omitted_from_footer(&text), 100);
        assert!(text.ends_with("see the \\`scangate\\-report\\` artifact.**\n"));
    }

    #[test]
    fn everything_fits_without_a_footer() {
        let v = bulk_verdict(20);
        let text = render_to_string(&v, &MarkdownOptions::default());
        assert_eq!(text.lines().filter(|l| l.contains("bulk-")).count(), 20);
        assert!(!text.contains("more finding"));
    }

    #[test]
    fn no_findings_says_so() {
        let v = Verdict::build(
            Policy::embedded(),
            vec![],
            &[],
            crate::report::fixtures::settings(),
        );
        let text = render_to_string(&v, &MarkdownOptions::default());
        assert!(text.starts_with("## ✅ scangate: PASS — no blocking findings (0 findings)\n"));
        assert!(text.contains("\nNo findings.\n"));
    }

    #[test]
    fn unreadable_inputs_come_right_after_the_headline() {
        let errors = [crate::ingest::InputError {
            path: "reports/<b>@team.json".into(),
            kind: crate::ingest::InputErrorKind::NotFound("no such file #1".into()),
        }];
        let v = Verdict::build(
            Policy::embedded(),
            vec![],
            &errors,
            crate::report::fixtures::settings(),
        );
        let text = render_to_string(&v, &MarkdownOptions::default());
        assert!(
            text.starts_with(
                "## ⚠️ scangate: ERROR — could not decide: 1 input could not be read\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "\n### Inputs that could not be read\n\n\
                 - ` reports/<\u{200B}b\u{200B}>@\u{200B}team.json `: no such file \\#\u{200B}1\n"
            ),
            "{text}"
        );
        assert!(text.contains("\nNo findings in the inputs that could be read.\n"));
    }

    #[test]
    fn step_summary_is_appended() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("summary.md");
        std::fs::write(&path, "earlier step\n").expect("write");
        append_to_step_summary(&path, "## scangate").expect("append");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "earlier step\n\n## scangate\n"
        );
    }
}
