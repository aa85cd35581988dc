//! Output safety (issue 8): scanner text is hostile. Property tests put generated strings —
//! arbitrary Unicode plus pieces built to break out of each format (Markdown/HTML, workflow
//! commands, terminal escapes, XML and JSON breakers, bidi overrides, NUL) — into every text
//! field of findings, scanners and input errors, render every output format, and check what
//! each format must guarantee:
//!
//! - JSON and SARIF parse back and carry the exact text;
//! - JUnit is well-formed XML with no raw control characters;
//! - Markdown has balanced `<details>`, no HTML of the scanner's, no comment markers, no live
//!   `@mention` or `#ref`, no line starting a workflow command;
//! - annotations are one workflow command per line, each `::error`/`::warning`/`::notice`, with
//!   no raw line break inside and properties that cannot be split;
//! - the table (and `--explain`) has no escape, bell, NUL, carriage return or bidi character.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use proptest::prelude::*;
use scangate::ingest::{Format, Input, InputError, InputErrorKind, ParsedReport, ReportStats};
use scangate::model::{
    Confidence, Extra, FileLocation, Finding, FindingKind, Fingerprint, Fix, Location,
    PackageLocation, Region, ResourceLocation, Scanner, Severity, SeveritySource, ToolFingerprints,
    ToolSuppression, WebInstance, WebLocation,
};
use scangate::policy::Policy;
use scangate::report::{self, OutputFormat, RenderOptions};
use scangate::verdict::{RunSettings, Verdict};
use serde_json::Value;

/// Pieces that target a specific output format, mixed with arbitrary characters.
const PIECES: &[&str] = &[
    "</details>",
    "<details>",
    "<summary>",
    "<!--",
    "-->",
    "<img src=x onerror=alert(1)>",
    "<script>",
    "@everyone",
    "@octocat",
    "#1",
    "::error::",
    "::warning file=x.py,line=1::",
    "::add-mask::",
    "::stop-commands::",
    "%0A",
    "%25",
    "%3A",
    ",",
    ":",
    "`",
    "```",
    "]]>",
    "<![CDATA[",
    "\0",
    "\r",
    "\n",
    "\r\n",
    "\t",
    "\u{1b}[31m",
    "\u{1b}]8;;https://evil.example\u{7}",
    "\u{7}",
    "\u{7f}",
    "\u{85}",
    "\u{9b}",
    "\u{202e}",
    "\u{2066}",
    "\u{200f}",
    "\u{061c}",
    "\u{2028}",
    "\u{feff}",
    "\u{fffe}",
    "\u{ffff}",
    "&amp;",
    "&",
    "\"",
    "'",
    "\\",
    "\\\\",
    "|",
    "[x](javascript:alert(1))",
    "![i](https://evil.example/i.png)",
    "*",
    "_",
    "~~",
    "$x$",
    " ",
    "a",
    "é",
    "😀",
    "\u{10ffff}",
];

fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(PIECES).prop_map(str::to_owned),
            2 => any::<char>().prop_map(String::from),
        ],
        0..10,
    )
    .prop_map(|v| v.concat())
}

/// Generated content of one finding.
#[derive(Debug, Clone)]
struct Spec {
    kind: usize,
    severity: usize,
    suppressed: bool,
    title: String,
    description: String,
    rule: String,
    path: String,
    target: String,
    extra: String,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (0usize..5, 0usize..6, any::<bool>()),
        (hostile(), hostile(), hostile()),
        (hostile(), hostile(), hostile()),
    )
        .prop_map(
            |((kind, severity, suppressed), (title, description, rule), (path, target, extra))| {
                Spec {
                    kind,
                    severity,
                    suppressed,
                    title,
                    description,
                    rule,
                    path,
                    target,
                    extra,
                }
            },
        )
}

/// A generated run: scanners (name, version), each with findings, and maybe a broken input.
#[derive(Debug, Clone)]
struct Run {
    scanners: Vec<(String, String, Vec<Spec>)>,
    broken: Option<(String, String)>,
}

fn run() -> impl Strategy<Value = Run> {
    (
        prop::collection::vec(
            (hostile(), hostile(), prop::collection::vec(spec(), 0..4)),
            1..3,
        ),
        prop::option::of((hostile(), hostile())),
    )
        .prop_map(|(scanners, broken)| Run { scanners, broken })
}

fn finding(s: &Spec, scanner: &Scanner, input: &str, n: usize) -> Finding {
    let kind = [
        FindingKind::Code,
        FindingKind::Web,
        FindingKind::Vulnerability,
        FindingKind::Secret,
        FindingKind::Misconfiguration,
    ][s.kind];
    let severity = Severity::ALL_DESC[s.severity];
    let mut location = Location {
        target: Some(s.target.as_str().into()),
        ..Location::default()
    };
    let file = FileLocation {
        path: s.path.clone(),
        region: Some(Region {
            start_line: Some(n as u64 + 1),
            start_column: Some(2),
            end_line: Some(n as u64 + 1),
            end_column: Some(9),
        }),
        snippet: Some(s.extra.clone()),
    };
    match kind {
        FindingKind::Web => {
            location.web = Some(Box::new(WebLocation {
                site: s.target.clone(),
                instances: vec![WebInstance {
                    uri: s.path.clone(),
                    method: Some(s.extra.clone()),
                    param: Some(s.extra.clone()),
                    attack: Some(s.extra.clone()),
                    evidence: Some(s.description.clone()),
                    other_info: Some(s.extra.clone()),
                }],
                count: Some(3),
            }))
        }
        FindingKind::Vulnerability => {
            location.package = Some(Box::new(PackageLocation {
                name: s.extra.clone(),
                version: Some(s.rule.clone()),
                path: Some(s.path.clone()),
                purl: None,
                layer: None,
            }))
        }
        FindingKind::Misconfiguration => {
            location.resource = Some(Box::new(ResourceLocation {
                namespace: Some(s.extra.clone()),
                kind: s.rule.clone(),
                name: s.path.clone(),
            }));
            location.file = Some(Box::new(file));
        }
        _ => location.file = Some(Box::new(file)),
    }
    Finding {
        fingerprint: Fingerprint::builder("prop").field(&n.to_string()).finish(),
        scanner: Arc::new(scanner.clone()),
        kind,
        rule_id: s.rule.as_str().into(),
        vuln_ids: Box::default(),
        title: s.title.as_str().into(),
        description: Some(Arc::from(s.description.as_str())),
        severity,
        severity_source: SeveritySource::new("generated", &s.extra),
        confidence: Some(Confidence::High),
        location,
        fix: Some(Fix {
            fixed_version: Some(s.extra.as_str().into()),
            solution: Some(Arc::from(s.description.as_str())),
        }),
        references: vec![s.extra.clone()].into(),
        cwes: Arc::new([79]),
        suppression: s.suppressed.then(|| {
            Box::new(ToolSuppression {
                kind: s.extra.clone(),
                justification: Some(s.description.clone()),
            })
        }),
        extra: Extra {
            tags: vec![s.extra.clone()].into(),
            rule_name: Some(s.title.as_str().into()),
            help_uri: Some(s.path.as_str().into()),
            tool_fingerprints: ToolFingerprints::new([format!("{}={}", s.rule, s.extra)]),
            ..Extra::default()
        },
        input: input.into(),
    }
}

fn verdict(run: &Run) -> Verdict {
    let mut n = 0;
    let inputs: Vec<Input> = run
        .scanners
        .iter()
        .enumerate()
        .map(|(i, (name, version, specs))| {
            let scanner = Scanner {
                name: name.as_str().into(),
                version: Some(version.as_str().into()),
            };
            let path = format!("reports/{i}{name}.sarif");
            let findings = specs
                .iter()
                .map(|s| {
                    n += 1;
                    Box::new(finding(s, &scanner, &path, n))
                })
                .collect();
            Input {
                path: path.as_str().into(),
                format: Format::Sarif,
                report: ParsedReport {
                    scanners: vec![scanner],
                    findings,
                    stats: ReportStats {
                        notes: vec![version.clone()],
                        ..ReportStats::default()
                    },
                },
            }
        })
        .collect();
    let errors: Vec<InputError> = run
        .broken
        .iter()
        .map(|(path, message)| InputError {
            path: PathBuf::from(path),
            kind: InputErrorKind::NotFound(message.clone()),
        })
        .collect();
    let settings = RunSettings {
        today: jiff::civil::date(2026, 6, 1),
        deny_stale_waivers: false,
    };
    Verdict::build(Policy::embedded(), inputs, &errors, settings)
}

fn render(verdict: &Verdict, format: OutputFormat) -> String {
    let mut out = Vec::new();
    report::render(format, verdict, &RenderOptions::default(), &mut out).expect("renders");
    String::from_utf8(out).expect("every output is UTF-8")
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A character that must never appear raw in text meant for a log, terminal or review: any
/// control character except newline (and tab where `tab_ok`), and bidi formatting characters.
fn forbidden(c: char, tab_ok: bool) -> bool {
    (c.is_control() && c != '\n' && !(tab_ok && c == '\t')) || is_bidi(c)
}

fn first_forbidden(text: &str, tab_ok: bool) -> Option<(usize, char)> {
    text.char_indices().find(|(_, c)| forbidden(*c, tab_ok))
}

// --- JSON ------------------------------------------------------------------------------------

fn check_json(verdict: &Verdict, text: &str) -> Result<(), TestCaseError> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| TestCaseError::fail(format!("JSON: {e}")))?;
    let findings: HashMap<&str, &Value> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["fingerprint"].as_str().expect("fingerprint"), f))
        .collect();
    prop_assert_eq!(findings.len(), verdict.findings.len());
    for e in &verdict.findings {
        let f = &e.finding;
        let j = findings[f.fingerprint.to_hex().as_str()];
        prop_assert_eq!(j["title"].as_str(), Some(&*f.title));
        prop_assert_eq!(j["rule_id"].as_str(), Some(&*f.rule_id));
        prop_assert_eq!(j["scanner"].as_str(), Some(&*f.scanner.name));
        // Rule texts are written once, in `rules`, and found through the finding's index.
        let rule = &doc["rules"][j["rule"].as_u64().expect("rule index") as usize];
        prop_assert_eq!(rule["scanner"].as_str(), Some(&*f.scanner.name));
        prop_assert_eq!(rule["rule_id"].as_str(), Some(&*f.rule_id));
        prop_assert_eq!(rule["description"].as_str(), f.description.as_deref());
        prop_assert_eq!(
            rule["solution"].as_str(),
            f.fix.as_ref().and_then(|x| x.solution.as_deref())
        );
        prop_assert_eq!(
            &rule["references"],
            &if f.references.is_empty() {
                Value::Null
            } else {
                serde_json::to_value(&*f.references).expect("references")
            }
        );
        prop_assert_eq!(rule["help_uri"].as_str(), f.extra.help_uri.as_deref());
        prop_assert_eq!(
            &j["location"],
            &serde_json::to_value(&f.location).expect("location")
        );
        prop_assert_eq!(j["input"].as_str(), Some(&*f.input));
    }
    for (i, input) in verdict.inputs.iter().enumerate() {
        prop_assert_eq!(doc["inputs"][i]["path"].as_str(), Some(input.path.as_str()));
        prop_assert_eq!(doc["inputs"][i]["error"].as_str(), input.error.as_deref());
    }
    Ok(())
}

// --- SARIF -----------------------------------------------------------------------------------

fn check_sarif(verdict: &Verdict, text: &str) -> Result<(), TestCaseError> {
    // serde_json escapes C0 itself; scangate's formatter escapes DEL, C1 and bidi too, so the
    // raw file cannot reorder or hide text for someone reading it.
    if let Some((at, c)) = first_forbidden(text, false) {
        return Err(TestCaseError::fail(format!(
            "raw {c:?} at byte {at} of the SARIF"
        )));
    }
    let doc: Value =
        serde_json::from_str(text).map_err(|e| TestCaseError::fail(format!("SARIF: {e}")))?;
    let mut results = HashMap::new();
    for run in doc["runs"].as_array().expect("runs") {
        for r in run["results"].as_array().into_iter().flatten() {
            let fp = r["partialFingerprints"]["scangate/v1"]
                .as_str()
                .expect("fingerprint");
            results.insert(fp.to_owned(), (run, r));
        }
    }
    prop_assert_eq!(results.len(), verdict.findings.len());
    for e in &verdict.findings {
        let f = &e.finding;
        let (run, r) = results[&f.fingerprint.to_hex()];
        prop_assert_eq!(
            run["tool"]["driver"]["name"].as_str(),
            Some(&*f.scanner.name)
        );
        let rule_id = if f.rule_id.is_empty() {
            "scangate/no-rule-id"
        } else {
            &*f.rule_id
        };
        prop_assert_eq!(r["ruleId"].as_str(), Some(rule_id));
        let props = &r["properties"]["scangate"];
        // The exact title: in the properties when the message had to escape it, else the
        // message starts with it.
        match props["title"].as_str() {
            Some(title) => prop_assert_eq!(title, &*f.title),
            None if !f.title.trim().is_empty() => {
                let message = r["message"]["text"].as_str().expect("message");
                prop_assert!(
                    message.starts_with(&*f.title),
                    "{message:?} vs {:?}",
                    f.title
                );
            }
            None => {}
        }
        prop_assert_eq!(
            &props["location"],
            &serde_json::to_value(&f.location).expect("location")
        );
    }
    Ok(())
}

// --- JUnit -----------------------------------------------------------------------------------

fn check_junit(text: &str) -> Result<(), TestCaseError> {
    use quick_xml::events::Event;
    // XML 1.0 cannot carry C0 controls other than tab/LF/CR nor U+FFFE/U+FFFF; C1, DEL and bidi
    // are legal XML but hostile in a log view: none may appear raw.
    if let Some((at, c)) = text
        .char_indices()
        .find(|(_, c)| forbidden(*c, true) || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
    {
        return Err(TestCaseError::fail(format!(
            "raw {c:?} at byte {at} of the JUnit XML"
        )));
    }
    prop_assert!(!text.contains("]]>"), "CDATA terminator in text");
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut depth = 0i64;
    let mut roots = 0;
    let attributes_ok = |e: &quick_xml::events::BytesStart<'_>| -> Result<(), TestCaseError> {
        for a in e.attributes() {
            let a = a.map_err(|err| TestCaseError::fail(format!("attribute: {err}")))?;
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| TestCaseError::fail(format!("attribute value: {err}")))?;
        }
        Ok(())
    };
    loop {
        let event = reader.read_event().map_err(|e| {
            TestCaseError::fail(format!("JUnit XML at {}: {e}", reader.error_position()))
        })?;
        match event {
            Event::Start(e) => {
                roots += i32::from(depth == 0);
                attributes_ok(&e)?;
                depth += 1;
            }
            Event::Empty(e) => {
                roots += i32::from(depth == 0);
                attributes_ok(&e)?;
            }
            Event::End(_) => depth -= 1,
            Event::GeneralRef(r) => {
                if r.is_char_ref() {
                    let c = r
                        .resolve_char_ref()
                        .map_err(|err| TestCaseError::fail(format!("char ref: {err}")))?;
                    prop_assert!(
                        c.is_some_and(|c| !forbidden(c, true)),
                        "character reference to {c:?}"
                    );
                } else {
                    prop_assert!(
                        matches!(&*r, "lt" | "gt" | "amp" | "quot" | "apos"),
                        "unknown entity &{};",
                        &*r
                    );
                }
            }
            Event::CData(_) | Event::DocType(_) => {
                return Err(TestCaseError::fail("CDATA or DOCTYPE in the JUnit XML"));
            }
            Event::Eof => break,
            _ => {}
        }
        prop_assert!(depth >= 0, "more end tags than start tags");
    }
    prop_assert_eq!(depth, 0, "unclosed elements");
    prop_assert_eq!(roots, 1, "one root element");
    Ok(())
}

// --- Markdown --------------------------------------------------------------------------------

/// Tags the Markdown report writes itself; any other `<` must be defused (followed by a
/// zero-width space inside code, an entity elsewhere).
const OWN_TAGS: &[&str] = &["<details>", "</details>", "<summary>", "</summary>"];

/// Whether the character before byte `i` lets GitHub start a mention or reference there: its
/// patterns need `^|\W` before `@`/`#`, and Ruby's `\W` is ASCII (so `é@x` mentions `x`).
fn at_word_start(text: &str, i: usize) -> bool {
    !text[..i]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `word` occurs in `text` where GitHub would link it.
fn live(text: &str, word: &str) -> bool {
    text.match_indices(word)
        .any(|(i, _)| at_word_start(text, i))
}

/// `line` with the content of its code spans (CommonMark: a backtick run, then the next run
/// of the same length) blanked; backslash escapes outside code are kept as they are.
fn without_code_spans(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let run_at = |i: usize| chars[i..].iter().take_while(|c| **c == '`').count();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                out.push(chars[i]);
                out.push(chars[i + 1]);
                i += 2;
            }
            '`' => {
                let n = run_at(i);
                let mut j = i + n;
                let close = loop {
                    if j >= chars.len() {
                        break None;
                    }
                    if chars[j] == '`' {
                        let m = run_at(j);
                        if m == n {
                            break Some(j);
                        }
                        j += m;
                    } else {
                        j += 1;
                    }
                };
                match close {
                    Some(j) => {
                        out.push_str(&" ".repeat(j + n - i));
                        i = j + n;
                    }
                    None => {
                        out.push_str(&"`".repeat(n));
                        i += n;
                    }
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn check_markdown(text: &str) -> Result<(), TestCaseError> {
    if let Some((at, c)) = first_forbidden(text, false) {
        return Err(TestCaseError::fail(format!(
            "raw {c:?} at byte {at} of the Markdown"
        )));
    }
    prop_assert_eq!(
        text.matches("<details>").count(),
        text.matches("</details>").count(),
        "unbalanced <details>"
    );
    for (i, _) in text.match_indices('<') {
        let rest = &text[i..];
        prop_assert!(
            OWN_TAGS.iter().any(|t| rest.starts_with(t)) || rest.starts_with("<\u{200B}"),
            "scanner HTML: {:?}",
            &rest[..rest.len().min(40)]
        );
    }
    for needle in ["<!--", "-->", "<img", "<script"] {
        prop_assert!(!text.contains(needle), "{needle} in the Markdown");
    }
    // GitHub links mentions and references in text, not in code spans.
    let prose: String = text.lines().map(|l| without_code_spans(l) + "\n").collect();
    for mention in ["@everyone", "@octocat"] {
        prop_assert!(!live(&prose, mention), "live {mention}");
    }
    for (i, _) in prose.match_indices('#') {
        let next = prose[i + 1..].chars().next();
        prop_assert!(
            !(next.is_some_and(|c| c.is_ascii_digit()) && at_word_start(&prose, i)),
            "live #ref: {:?}",
            &prose[i..prose.len().min(i + 10)]
        );
    }
    for line in text.lines() {
        prop_assert!(!line.starts_with("::"), "workflow command line: {line:?}");
    }
    Ok(())
}

// --- GitHub annotations ----------------------------------------------------------------------

const PROPERTY_KEYS: &[&str] = &["title", "file", "line", "endLine", "col", "endColumn"];

fn check_annotations(text: &str) -> Result<(), TestCaseError> {
    if let Some((at, c)) = first_forbidden(text, false) {
        return Err(TestCaseError::fail(format!(
            "raw {c:?} at byte {at} of the annotations"
        )));
    }
    prop_assert!(text.is_empty() || text.ends_with('\n'));
    for line in text.lines() {
        let rest = ["::error ", "::warning ", "::notice "]
            .iter()
            .find_map(|p| line.strip_prefix(p));
        let Some(rest) = rest else {
            return Err(TestCaseError::fail(format!(
                "not a workflow command: {line:?}"
            )));
        };
        let Some((properties, _message)) = rest.split_once("::") else {
            return Err(TestCaseError::fail(format!(
                "no message separator: {line:?}"
            )));
        };
        for property in properties.split(',') {
            let Some((key, value)) = property.split_once('=') else {
                return Err(TestCaseError::fail(format!(
                    "bad property {property:?} in {line:?}"
                )));
            };
            prop_assert!(
                PROPERTY_KEYS.contains(&key),
                "unknown property {key:?} in {line:?}"
            );
            prop_assert!(
                !value.contains(':') && !value.contains(','),
                "raw separator in {value:?}"
            );
        }
    }
    Ok(())
}

// --- Table -----------------------------------------------------------------------------------

fn check_table(text: &str) -> Result<(), TestCaseError> {
    if let Some((at, c)) = first_forbidden(text, false) {
        return Err(TestCaseError::fail(format!(
            "raw {c:?} at byte {at} of the table"
        )));
    }
    Ok(())
}

/// Cases per property: modest by default so the suite stays fast in debug builds;
/// `PROPTEST_CASES=10000 cargo test --test output_safety` searches harder.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    // Failures are pinned as named regression tests, not as seed files in the tree.
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases(128))
    })]

    #[test]
    fn json_round_trips_hostile_text(run in run()) {
        let v = verdict(&run);
        check_json(&v, &render(&v, OutputFormat::Json))?;
    }

    #[test]
    fn sarif_round_trips_hostile_text_and_hides_nothing(run in run()) {
        let v = verdict(&run);
        check_sarif(&v, &render(&v, OutputFormat::Sarif))?;
    }

    #[test]
    fn junit_is_well_formed_xml(run in run()) {
        let v = verdict(&run);
        check_junit(&render(&v, OutputFormat::Junit))?;
    }

    #[test]
    fn markdown_cannot_be_broken_out_of(run in run(), budget in 150usize..6_000) {
        let v = verdict(&run);
        check_markdown(&render(&v, OutputFormat::Markdown))?;
        // Cut to a small byte budget: sections are left out whole, never half-open.
        let options = scangate::report::markdown::MarkdownOptions {
            max_bytes: budget,
            ..Default::default()
        };
        check_markdown(&scangate::report::markdown::render_to_string(&v, &options))?;
    }

    #[test]
    fn annotations_are_one_command_per_line(run in run()) {
        let v = verdict(&run);
        check_annotations(&render(&v, OutputFormat::Github))?;
    }

    #[test]
    fn table_and_explain_have_no_terminal_control(run in run()) {
        let v = verdict(&run);
        check_table(&render(&v, OutputFormat::Table))?;
        // `--explain` prints to the terminal too, quoting the query and the finding.
        let queries: Vec<String> = v.findings.iter().map(|e| e.finding.rule_id.to_string()).collect();
        let mut out = Vec::new();
        scangate::report::explain::render(&v, &queries, &mut out).expect("renders");
        check_table(&String::from_utf8(out).expect("UTF-8"))?;
    }
}

/// The checks themselves catch what they are for (a check that cannot fail proves nothing).
#[test]
fn the_checks_reject_broken_outputs() {
    assert!(check_markdown("a <img src=x>\n").is_err());
    assert!(check_markdown("<details>\n").is_err());
    assert!(check_markdown("hi @everyone\n").is_err());
    assert!(check_markdown("see #12\n").is_err());
    assert!(check_markdown("x\n::error::y\n").is_err());
    assert!(check_markdown("a@everyone name@1.2 `<\u{200B}b` \\#\u{200B}1\n").is_ok());
    assert!(check_markdown("é@everyone\n").is_err());
    assert!(check_markdown("`` #1 `@everyone` `` \\`#2\n").is_err());
    assert_eq!(
        without_code_spans("a `` x ` y `` b \\` c"),
        format!("a {} b \\` c", " ".repeat(11))
    );
    assert!(check_annotations("::error title=a::m\ninjected\n").is_err());
    assert!(check_annotations("::error title=a,file=b:c::m\n").is_err());
    assert!(check_annotations("::error title=a::m\r\n").is_err());
    assert!(check_annotations("::warning title=a%3A,line=3::m::n\n").is_ok());
    assert!(check_junit("<a><b></a>").is_err());
    assert!(check_junit("<a>\u{1b}</a>").is_err());
    assert!(check_junit("<a>x ]]> y</a>").is_err());
    assert!(check_junit("<a x=\"&lt;\">&amp;</a>").is_ok());
    assert!(check_table("a\u{1b}[2Jb").is_err());
    assert!(check_table("a\u{202e}b").is_err());
}

/// Regression (found by `markdown_cannot_be_broken_out_of`): an `@` after a non-ASCII letter
/// was left live, but GitHub's mention pattern only counts ASCII letters as part of a word, so
/// a scanner named `À@everyone` notified everyone.
#[test]
fn mention_after_a_non_ascii_letter_is_defused() {
    use scangate::report::markdown::{code_span, escape_markdown_text};
    for text in ["À@everyone", "josé@octocat", "日本@team"] {
        let escaped = escape_markdown_text(text);
        assert!(escaped.contains("@\u{200B}"), "{escaped:?}");
        assert!(code_span(text).contains("@\u{200B}"), "{text}");
    }
    // An ASCII word before the `@` is no mention (package versions, e-mail addresses).
    assert_eq!(escape_markdown_text("lodash@4.17.21"), "lodash@4.17.21");
}
