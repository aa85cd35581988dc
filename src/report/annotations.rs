//! GitHub Actions annotations: `::error`/`::warning`/`::notice` workflow commands.
//!
//! Format: <https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions>,
//! `::LEVEL title=T,file=F,line=L,endLine=E,col=C,endColumn=D::MESSAGE`, one per line. Escaping
//! follows GitHub's toolkit (`packages/core/src/command.ts`): the message escapes `%`, `\r`,
//! `\n` (as `%25`, `%0D`, `%0A`); property values also `:` and `,` (`%3A`, `%2C`). Scanner text
//! is first passed through [`crate::text::for_terminal`] (control characters shown escaped,
//! ANSI/OSC sequences cannot recolour the log), and the message's own line breaks become
//! `%0A`, so no scanner text can start a line and therefore cannot issue a command of its own
//! (`::stop-commands::`, `::add-mask::`, a forged `::error`).
//!
//! # Mapping
//! - `fail` → `error`; input files that could not be read are errors too, emitted first.
//! - `warn` → `warning` when the effective severity is medium or above (or unknown), `notice`
//!   for low and info.
//! - `waived`, `ignored`, `suppressed` → nothing: a person or the scanner already decided, and
//!   annotating them would spend GitHub's per-step allowance on findings that need no action.
//!   They are counted in the job summary and listed in the JSON/SARIF outputs.
//!
//! # Locations
//! Findings in a file get `file` (a leading `./` removed), `line`/`endLine` when known, and
//! `col`/`endColumn` only when the range is on one line (GitHub ignores or misplaces columns
//! across lines). Findings without a file (packages in an image, URLs, Kubernetes resources)
//! get no `file`: GitHub shows them on the workflow run, and the message names the location.
//! Using the target instead would point at paths that are often not files in the repository
//! (image names, sites).
//!
//! # Caps
//! GitHub shows about 10 annotations of each level per step and drops the rest. Each level is
//! capped at [`AnnotationOptions::max_per_level`] (default 10), the most severe first (the
//! verdict's order); when anything is left out a final `notice` says how many of each level,
//! and a slot is kept free among the notices for it.

use std::io::Write;

use crate::model::Severity;
use crate::policy::Outcome;
use crate::text::for_terminal;
use crate::verdict::{Evaluated, Verdict};

/// GitHub's per-step display limit for each annotation level.
pub const MAX_PER_LEVEL: usize = 10;

const TITLE_CHARS: usize = 200;
const FIELD_CHARS: usize = 300;
const PATH_CHARS: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnnotationOptions {
    /// Most annotations written per level (`error`, `warning`, `notice`).
    pub max_per_level: usize,
}

impl Default for AnnotationOptions {
    fn default() -> Self {
        AnnotationOptions {
            max_per_level: MAX_PER_LEVEL,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// One workflow command before escaping.
struct Annotation {
    level: Level,
    /// `(name, value)` in the toolkit's order: title, file, line, endLine, col, endColumn.
    properties: Vec<(&'static str, String)>,
    message: String,
}

/// Writes the annotations with the default caps.
pub fn render(verdict: &Verdict, out: &mut dyn Write) -> std::io::Result<()> {
    render_with(verdict, &AnnotationOptions::default(), out)
}

/// Writes the annotations: errors, then warnings, then notices, each capped, then a notice
/// counting what was left out.
pub fn render_with(
    verdict: &Verdict,
    options: &AnnotationOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut by_level: [Vec<Annotation>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for input in &verdict.inputs {
        if let Some(error) = &input.error {
            by_level[0].push(Annotation {
                level: Level::Error,
                properties: vec![("title", "scangate: input could not be read".to_owned())],
                message: format!(
                    "{}: {}",
                    for_terminal(&input.path, PATH_CHARS),
                    for_terminal(error, FIELD_CHARS)
                ),
            });
        }
    }
    for evaluated in &verdict.findings {
        if let Some(level) = level_for(evaluated) {
            by_level[level as usize].push(annotation(level, evaluated));
        }
    }

    let max = options.max_per_level;
    let overflows = by_level.iter().any(|a| a.len() > max);
    // The closing notice needs a notice slot of its own.
    let caps = [
        max,
        max,
        if overflows {
            max.saturating_sub(1)
        } else {
            max
        },
    ];
    let mut left_out = Vec::new();
    for (annotations, cap) in by_level.iter().zip(caps) {
        for a in annotations.iter().take(cap) {
            write_command(out, a)?;
        }
        if let Some(level) = annotations.first().map(|a| a.level) {
            let n = annotations.len().saturating_sub(cap);
            if n > 0 {
                left_out.push(format!(
                    "{n} {}{}",
                    level.as_str(),
                    if n == 1 { "" } else { "s" }
                ));
            }
        }
    }
    if !left_out.is_empty() {
        write_command(
            out,
            &Annotation {
                level: Level::Notice,
                properties: vec![("title", "scangate: more findings".to_owned())],
                message: format!(
                    "{} not annotated: GitHub shows about {max} annotations of each level per \
                     step. Every finding is in the job summary and the SARIF/JSON report.",
                    left_out.join(", ")
                ),
            },
        )?;
    }
    Ok(())
}

fn level_for(e: &Evaluated) -> Option<Level> {
    match e.decision.outcome {
        Outcome::Fail => Some(Level::Error),
        Outcome::Warn => match e.decision.effective_severity {
            Severity::Low | Severity::Info => Some(Level::Notice),
            Severity::Unknown | Severity::Medium | Severity::High | Severity::Critical => {
                Some(Level::Warning)
            }
        },
        Outcome::Waived | Outcome::Ignored | Outcome::Suppressed => None,
    }
}

fn annotation(level: Level, e: &Evaluated) -> Annotation {
    let f = &e.finding;
    let severity = e.decision.effective_severity;
    let mut properties = vec![(
        "title",
        format!(
            "scangate: {severity} {} {} ({})",
            f.kind,
            for_terminal(&f.rule_id, TITLE_CHARS),
            for_terminal(&f.scanner.name, 60)
        ),
    )];
    let mut lines = vec![for_terminal(&f.title, FIELD_CHARS)];
    match &f.location.file {
        Some(file) => {
            let path = for_terminal(&file.path, PATH_CHARS);
            properties.push(("file", path.strip_prefix("./").unwrap_or(&path).to_owned()));
            if let Some(region) = &file.region
                && let Some(start) = region.start_line
            {
                properties.push(("line", start.to_string()));
                if let Some(end) = region.end_line {
                    properties.push(("endLine", end.to_string()));
                }
                // Columns only mean something on a single line.
                if region.end_line.is_none_or(|end| end == start)
                    && let Some(col) = region.start_column
                {
                    properties.push(("col", col.to_string()));
                    if let Some(end_col) = region.end_column {
                        properties.push(("endColumn", end_col.to_string()));
                    }
                }
            }
        }
        None => {
            let location = f.location.display_short();
            if !location.is_empty() {
                lines.push(format!(
                    "Location: {}",
                    for_terminal(&location, FIELD_CHARS)
                ));
            }
        }
    }
    if let Some(fixed) = f.fix.as_ref().and_then(|x| x.fixed_version.as_deref()) {
        lines.push(format!("Fixed in: {}", for_terminal(fixed, FIELD_CHARS)));
    }
    lines.push(format!(
        "Policy: {} ({})",
        e.decision.outcome,
        for_terminal(&e.decision.reason, FIELD_CHARS)
    ));
    lines.push(format!("Input: {}", for_terminal(&f.input, PATH_CHARS)));
    Annotation {
        level,
        properties,
        message: lines.join("\n"),
    }
}

fn write_command(out: &mut dyn Write, a: &Annotation) -> std::io::Result<()> {
    write!(out, "::{}", a.level.as_str())?;
    for (i, (name, value)) in a.properties.iter().enumerate() {
        let sep = if i == 0 { ' ' } else { ',' };
        write!(out, "{sep}{name}={}", escape_property(value))?;
    }
    writeln!(out, "::{}", escape_data(&a.message))
}

/// A workflow-command message: `%`, `\r`, `\n` percent-encoded (`%` first).
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// A workflow-command property value: as [`escape_data`], plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Format, Input, ParsedReport, ReportStats};
    use crate::policy::Policy;
    use crate::report::fixtures::{hostile_verdict, sample_verdict};

    fn rendered(verdict: &Verdict) -> String {
        let mut out = Vec::new();
        render(verdict, &mut out).expect("renders");
        String::from_utf8(out).expect("utf-8")
    }

    /// `n` copies of each sample finding, each its own rule, so levels can overflow.
    fn repeated(n: usize) -> Verdict {
        let sample = sample_verdict();
        let findings = (0..n)
            .flat_map(|i| {
                sample.findings.iter().map(move |e| {
                    let mut f = e.finding.clone();
                    f.rule_id = format!("{}-{i:02}", f.rule_id).into();
                    f
                })
            })
            .collect();
        let input = Input {
            path: "reports/many.json".into(),
            format: Format::Trivy,
            report: ParsedReport {
                scanners: vec![],
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

    /// The property list of a command line (between `::level ` and the next `::`).
    fn properties(line: &str) -> &str {
        let rest = line.trim_start_matches("::");
        let end = rest.find("::").expect("message separator");
        rest[..end].split_once(' ').map_or("", |(_, p)| p)
    }

    #[test]
    fn sample_annotations() {
        let text = rendered(&sample_verdict());
        let lines: Vec<&str> = text.lines().collect();
        // 2 fail → error; 3 medium warn → warning; 1 low warn → notice; 2 suppressed → none.
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("::error ")).count(),
            2
        );
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("::warning ")).count(),
            3
        );
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("::notice ")).count(),
            1
        );
        assert_eq!(lines.len(), 6);
        // A single-line range keeps its columns; a multi-line one drops them.
        assert!(
            text.contains("file=deploy/.env,line=3,endLine=3::"),
            "{text}"
        );
        let xss = lines
            .iter()
            .find(|l| l.contains("receipt.html"))
            .expect("xss annotation");
        assert!(
            xss.contains("file=shop/templates/receipt.html,line=14,endLine=16::"),
            "{xss}"
        );
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_snapshot!("annotations_sample", text);
        });
    }

    #[test]
    fn hostile_text_cannot_issue_commands() {
        let text = rendered(&hostile_verdict());
        assert!(text.ends_with('\n'));
        for line in text.lines() {
            assert!(
                ["::error ", "::warning ", "::notice "]
                    .iter()
                    .any(|p| line.starts_with(p)),
                "{line:?}"
            );
            for bad in ['\r', '\u{1b}', '\u{7}', '\u{0}', '\u{202e}'] {
                assert!(!line.contains(bad), "{bad:?} in {line:?}");
            }
            let props = properties(line);
            for (name, value) in props.split(',').filter_map(|p| p.split_once('=')) {
                assert!(!value.contains(':'), "{name}={value}");
            }
        }
        // The literal `%0A` in scanner text is itself escaped, so it cannot decode to a newline.
        assert!(text.contains("%250A"), "{text}");
        assert!(
            !text.contains("%0A::"),
            "an escaped newline followed by a command"
        );
        // Hostile critical finding: the 3..9 range spans lines, so no columns.
        assert!(text.contains(",line=3,endLine=9::"), "{text}");
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_snapshot!("annotations_hostile", text);
        });
    }

    #[test]
    fn a_stop_commands_token_stays_inside_the_message() {
        let mut v = sample_verdict();
        v.findings[0].finding.title = "x\n::stop-commands::tok\n::error::forged".into();
        let text = rendered(&v);
        assert_eq!(text.lines().count(), 6);
        assert!(text.lines().all(|l| !l.starts_with("::stop-commands")));
        assert!(!text.lines().any(|l| l.starts_with("::error::forged")));
    }

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("a%b\r\nc:d,e"), "a%25b%0D%0Ac:d,e");
        assert_eq!(escape_property("a%b\r\nc:d,e"), "a%25b%0D%0Ac%3Ad%2Ce");
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn caps_keep_the_most_severe_and_count_the_rest() {
        // 15 × sample: 30 fail (15 critical first), 45 warning, 15 notice.
        let text = rendered(&repeated(15));
        let lines: Vec<&str> = text.lines().collect();
        let errors: Vec<_> = lines.iter().filter(|l| l.starts_with("::error ")).collect();
        assert_eq!(errors.len(), 10);
        assert!(
            errors
                .iter()
                .all(|l| l.contains("title=scangate%3A critical")),
            "the most severe come first"
        );
        assert!(lines[..10].iter().all(|l| l.starts_with("::error ")));
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("::warning ")).count(),
            10
        );
        // 9 finding notices, then the notice counting what was left out.
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("::notice ")).count(),
            10
        );
        assert_eq!(
            lines.last().copied(),
            Some(
                "::notice title=scangate%3A more findings::20 errors, 35 warnings, 6 notices \
                 not annotated: GitHub shows about 10 annotations of each level per step. \
                 Every finding is in the job summary and the SARIF/JSON report."
            )
        );
    }

    #[test]
    fn no_closing_notice_when_everything_fits() {
        // 3 × sample: 6 errors, 9 warnings, 3 notices.
        let text = rendered(&repeated(3));
        assert_eq!(
            text.lines().filter(|l| l.starts_with("::error ")).count(),
            6
        );
        assert_eq!(
            text.lines().filter(|l| l.starts_with("::notice ")).count(),
            3
        );
        assert!(!text.contains("more findings"));
    }

    #[test]
    fn unreadable_inputs_are_errors() {
        let errors = [crate::ingest::InputError {
            path: "reports/a,b:c.json".into(),
            kind: crate::ingest::InputErrorKind::NotFound("no such file".into()),
        }];
        let v = Verdict::build(
            Policy::embedded(),
            vec![],
            &errors,
            crate::report::fixtures::settings(),
        );
        assert_eq!(
            rendered(&v),
            "::error title=scangate%3A input could not be read::reports/a,b:c.json: no such file\n"
        );
    }

    #[test]
    fn findings_without_a_file_name_their_location() {
        let text = rendered(&sample_verdict());
        let log4j = text
            .lines()
            .find(|l| l.contains("CVE-2021-44228"))
            .expect("log4j");
        assert!(!properties(log4j).contains("file="), "{log4j}");
        assert!(
            log4j.contains("%0ALocation: org.apache.logging.log4j:log4j-core@2.14.1"),
            "{log4j}"
        );
    }
}
