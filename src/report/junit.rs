//! JUnit XML, as Jenkins' JUnit plugin and GitLab's test reports read it.
//!
//! Layout (the de-facto schema both tools accept:
//! <https://github.com/testmoapp/junitxml>, <https://llg.cubic.org/docs/junit/>):
//! - one `<testsuite>` per scanner;
//! - one passing `<testcase name="report parsed: PATH">` per input file in the suite of each
//!   scanner the file holds, so a run with zero findings still proves the scans ran; an input
//!   that could not be read is an `<error>` case in a `scangate` suite;
//! - one `<failure>` case per blocking finding;
//! - warned findings are passing cases whose details are in `<system-out>` (Jenkins shows
//!   them, and "passed" is what they are for the gate);
//! - waived, ignored and tool-suppressed findings are `<skipped>` cases with the reason, so
//!   nothing the scanners found is invisible in the test view.
//!
//! `tests >= failures + errors + skipped` always holds. All text is XML-escaped and characters
//! XML 1.0 cannot carry (most C0 controls) are removed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use crate::policy::Outcome;
use crate::verdict::{Evaluated, InputSummary, Verdict};

/// Longest test-case name; Jenkins renders names as page titles and URLs.
const NAME_CHARS: usize = 200;
/// Longest message attribute.
const MESSAGE_CHARS: usize = 500;

#[derive(Default)]
struct Suite<'a> {
    inputs: Vec<&'a InputSummary>,
    findings: Vec<&'a Evaluated>,
}

pub fn render(verdict: &Verdict, out: &mut dyn Write) -> std::io::Result<()> {
    let mut suites: BTreeMap<String, Suite<'_>> = BTreeMap::new();
    let mut broken: Vec<&InputSummary> = Vec::new();
    for input in &verdict.inputs {
        if input.error.is_some() {
            broken.push(input);
            continue;
        }
        if input.scanners.is_empty() {
            // A SARIF log with no runs still proves the file was read.
            suites
                .entry("scangate".into())
                .or_default()
                .inputs
                .push(input);
        }
        for scanner in &input.scanners {
            let suite = suites.entry(scanner.name.to_string()).or_default();
            if !suite.inputs.iter().any(|i| i.path == input.path) {
                suite.inputs.push(input);
            }
        }
    }
    for f in &verdict.findings {
        suites
            .entry(f.finding.scanner.name.to_string())
            .or_default()
            .findings
            .push(f);
    }

    let mut xml = String::with_capacity(4096);
    let total_failures = verdict.count(Outcome::Fail);
    let total_skipped = verdict
        .findings
        .iter()
        .filter(|f| is_skipped(f.decision.outcome))
        .count();
    let total_tests = suites
        .values()
        .map(|s| s.inputs.len() + s.findings.len())
        .sum::<usize>()
        + broken.len();
    let _ = writeln!(xml, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        xml,
        r#"<testsuites name="scangate" tests="{total_tests}" failures="{total_failures}" errors="{}" skipped="{total_skipped}">"#,
        broken.len()
    );
    let mut w = std::io::BufWriter::new(out);
    w.write_all(xml.as_bytes())?;

    if !broken.is_empty() {
        xml.clear();
        let _ = writeln!(
            xml,
            r#"  <testsuite name="scangate" tests="{0}" failures="0" errors="{0}" skipped="0">"#,
            broken.len()
        );
        for input in &broken {
            let _ = writeln!(
                xml,
                r#"    <testcase classname="scangate" name="report parsed: {}">"#,
                attr(&input.path, NAME_CHARS)
            );
            let error = input.error.as_deref().unwrap_or("");
            let _ = writeln!(
                xml,
                r#"      <error message="{}" type="input">{}</error>"#,
                attr(error, MESSAGE_CHARS),
                text(error)
            );
            let _ = writeln!(xml, "    </testcase>");
        }
        let _ = writeln!(xml, "  </testsuite>");
        w.write_all(xml.as_bytes())?;
    }

    for (name, suite) in &suites {
        xml.clear();
        let failures = suite
            .findings
            .iter()
            .filter(|f| f.decision.outcome == Outcome::Fail)
            .count();
        let skipped = suite
            .findings
            .iter()
            .filter(|f| is_skipped(f.decision.outcome))
            .count();
        let _ = writeln!(
            xml,
            r#"  <testsuite name="{}" tests="{}" failures="{failures}" errors="0" skipped="{skipped}">"#,
            attr(name, NAME_CHARS),
            suite.inputs.len() + suite.findings.len()
        );
        let classname = attr(name, NAME_CHARS);
        for input in &suite.inputs {
            let _ = writeln!(
                xml,
                r#"    <testcase classname="{classname}" name="report parsed: {}"/>"#,
                attr(&input.path, NAME_CHARS)
            );
        }
        w.write_all(xml.as_bytes())?;
        for f in &suite.findings {
            xml.clear();
            finding_case(&mut xml, &classname, f);
            w.write_all(xml.as_bytes())?;
        }
        w.write_all(b"  </testsuite>\n")?;
    }
    w.write_all(b"</testsuites>\n")?;
    w.flush()
}

fn is_skipped(outcome: Outcome) -> bool {
    matches!(
        outcome,
        Outcome::Waived | Outcome::Ignored | Outcome::Suppressed
    )
}

fn finding_case(xml: &mut String, classname: &str, e: &Evaluated) {
    let f = &e.finding;
    let location = f.location.display_short();
    let name = if location.is_empty() {
        f.rule_id.to_string()
    } else {
        format!("{} {}", f.rule_id, location)
    };
    let _ = writeln!(
        xml,
        r#"    <testcase classname="{classname}.{}" name="{}">"#,
        f.kind,
        attr(&name, NAME_CHARS)
    );
    let details = details(e);
    let message = format!("{}: {}", e.decision.effective_severity, f.title);
    match e.decision.outcome {
        Outcome::Fail => {
            let _ = writeln!(
                xml,
                r#"      <failure message="{}" type="{}">{}</failure>"#,
                attr(&message, MESSAGE_CHARS),
                e.decision.effective_severity,
                text(&details)
            );
        }
        Outcome::Warn => {
            let _ = writeln!(xml, "      <system-out>{}</system-out>", text(&details));
        }
        Outcome::Waived | Outcome::Ignored | Outcome::Suppressed => {
            let _ = writeln!(
                xml,
                r#"      <skipped message="{}: {}"/>"#,
                e.decision.outcome,
                attr(&e.decision.reason, MESSAGE_CHARS)
            );
            let _ = writeln!(xml, "      <system-out>{}</system-out>", text(&details));
        }
    }
    let _ = writeln!(xml, "    </testcase>");
}

/// The plain-text body shown under a test case.
fn details(e: &Evaluated) -> String {
    let f = &e.finding;
    let mut s = String::new();
    let _ = writeln!(s, "{}", f.title);
    let _ = writeln!(
        s,
        "severity: {} ({})",
        e.decision.effective_severity, f.severity_source
    );
    let _ = writeln!(s, "outcome: {} ({})", e.decision.outcome, e.decision.reason);
    let _ = writeln!(s, "scanner: {} / {}", f.scanner.name, f.kind);
    if !f.vuln_ids.is_empty() {
        let ids: Vec<_> = f.vuln_ids.iter().map(|v| v.id.as_str()).collect();
        let _ = writeln!(s, "ids: {}", ids.join(", "));
    }
    let location = f.location.display_short();
    if !location.is_empty() {
        let _ = writeln!(s, "location: {location}");
    }
    if let Some(fixed) = f.fix.as_ref().and_then(|x| x.fixed_version.as_deref()) {
        let _ = writeln!(s, "fixed in: {fixed}");
    }
    let _ = writeln!(s, "fingerprint: {}", f.fingerprint);
    let _ = writeln!(s, "input: {}", f.input);
    if let Some(d) = &f.description {
        let _ = writeln!(s, "\n{}", crate::text::truncate(d, 4000));
    }
    s
}

/// Escapes for an attribute value and truncates.
fn attr(s: &str, max: usize) -> String {
    escape(&crate::text::truncate(s, max), true)
}

/// Escapes element text.
fn text(s: &str) -> String {
    escape(s, false)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            // Attribute values are normalised by XML parsers: keep newlines as references.
            '\n' if attribute => out.push_str("&#10;"),
            '\r' if attribute => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            '\r' => {}
            // XML 1.0 cannot carry other C0 controls, not even as character references.
            c if (c as u32) < 0x20 => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            // C1 controls and bidi overrides are legal XML but hostile in a log view.
            c if c.is_control() || crate::text::is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{hostile_verdict, sample_verdict};

    fn rendered(verdict: &Verdict) -> String {
        let mut out = Vec::new();
        render(verdict, &mut out).expect("renders");
        String::from_utf8(out).expect("utf-8")
    }

    /// Minimal well-formedness check with quick-xml: every element closes, no bad characters.
    fn assert_well_formed(xml: &str) -> (usize, usize, usize, usize) {
        let mut reader = quick_xml::Reader::from_str(xml);
        let (mut cases, mut failures, mut skipped, mut errors) = (0, 0, 0, 0);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                    match e.name().into_inner() {
                        "testcase" => cases += 1,
                        "failure" => failures += 1,
                        "skipped" => skipped += 1,
                        "error" => errors += 1,
                        _ => {}
                    }
                    for a in e.attributes() {
                        let a = a.expect("attribute parses");
                        a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                            .expect("attribute unescapes");
                    }
                }
                Ok(quick_xml::events::Event::Text(t)) => {
                    let _ = t.xml10_content();
                }
                Ok(_) => {}
                Err(e) => panic!("not well-formed at {}: {e}", reader.buffer_position()),
            }
        }
        (cases, failures, skipped, errors)
    }

    #[test]
    fn sample_junit() {
        let xml = rendered(&sample_verdict());
        let (cases, failures, skipped, errors) = assert_well_formed(&xml);
        // 4 inputs (one "report parsed" case each) + 8 findings.
        assert_eq!((cases, failures, skipped, errors), (12, 2, 2, 0));
        assert!(xml.contains(
            r#"<testsuites name="scangate" tests="12" failures="2" errors="0" skipped="2">"#
        ));
        assert!(xml.contains(r#"name="report parsed: reports/zap.xml""#));
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_snapshot!("junit_sample", xml);
        });
    }

    #[test]
    fn hostile_text_stays_inside_its_element() {
        let xml = rendered(&hostile_verdict());
        let (cases, failures, _, _) = assert_well_formed(&xml);
        assert_eq!(cases, 3);
        // The critical code finding fails; the high web finding is tool-suppressed.
        assert_eq!(failures, 1);
        for bad in ['\u{1b}', '\u{7}', '\u{0}', '\u{202e}'] {
            assert!(!xml.contains(bad), "{bad:?} in JUnit output");
        }
        assert!(!xml.contains("<img"), "raw markup from a scanner");
        assert!(
            !xml.contains("]]>"),
            "CDATA terminator must be escaped as text"
        );
    }

    #[test]
    fn zero_findings_still_prove_the_scan_ran_and_errors_are_reported() {
        let mut v = sample_verdict();
        v.findings.clear();
        v.inputs[0].error = Some("invalid JSON at line 3, column 1: EOF".into());
        let xml = rendered(&v);
        let (cases, failures, skipped, errors) = assert_well_formed(&xml);
        assert_eq!((cases, failures, skipped, errors), (4, 0, 0, 1));
        assert!(xml.contains("invalid JSON at line 3"));
    }
}
