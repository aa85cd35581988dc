//! Hostile and broken inputs (issue 8): every report scangate reads is attacker-influenced, so
//! no input may crash it, hang it, exhaust it, or make the gate pass by accident.
//!
//! CLI tests run the built binary with a cleared environment in a temporary working directory
//! (no `scangate.toml` there) and a timeout; library tests call `scangate::ingest` directly
//! where many cases are needed (truncation at every byte, the fail-closed property).
//!
//! What is guaranteed is summarised in the README's "Hardening" section.

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use scangate::exit::ExitStatus;
use scangate::ingest::{self, IngestError, Input, InputError, InputSpec};
use scangate::policy::Policy;
use scangate::verdict::{RunSettings, Verdict};
use support::output::{code, stderr, stdout};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Generous: a debug build on a busy CI machine. A hang shows up as this timeout.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs the binary in `cwd` with a cleared environment; panics (after killing it) when it does
/// not finish within [`TIMEOUT`].
fn run_in(cwd: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scangate"))
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("scangate {args:?} did not finish within {TIMEOUT:?} (hang)");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output {
        status,
        stdout: out_reader.join().expect("stdout reader"),
        stderr: err_reader.join().expect("stderr reader"),
    }
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write test file");
    path
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Parses in memory with content detection, as `check` does for each file.
fn parse(bytes: &[u8]) -> Result<Input, IngestError> {
    ingest::parse_bytes(bytes, Arc::from("input"), None)
}

fn parse_err(bytes: &[u8]) -> String {
    match parse(bytes) {
        Ok(i) => panic!(
            "expected an error, got {} findings from {}",
            i.report.findings.len(),
            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
        ),
        Err(e) => e.to_string(),
    }
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A Trivy report with one vulnerability of `severity`.
fn trivy(severity: &str) -> String {
    format!(
        r#"{{"SchemaVersion": 2, "ArtifactName": "app", "Results": [{{"Target": "package-lock.json",
  "Class": "lang-pkgs", "Type": "npm", "Vulnerabilities": [{{"VulnerabilityID": "CVE-2099-0001",
  "PkgName": "left-pad", "InstalledVersion": "1.0.0", "Title": "left-pad: bad", "Severity": "{severity}"}}]}}]}}"#
    )
}

/// A SARIF log with one result at `level`.
fn sarif(level: &str) -> String {
    format!(
        r#"{{"version": "2.1.0", "runs": [{{"tool": {{"driver": {{"name": "Lint", "rules": [{{"id": "R1"}}]}}}},
  "results": [{{"ruleId": "R1", "level": "{level}", "message": {{"text": "problem"}},
  "locations": [{{"physicalLocation": {{"artifactLocation": {{"uri": "src/a.c"}}, "region": {{"startLine": 3}}}}}}]}}]}}]}}"#
    )
}

/// A ZAP XML report with one alert of `riskcode`.
fn zap_xml(riskcode: u8) -> String {
    format!(
        r#"<?xml version="1.0"?>
<OWASPZAPReport version="2.15.0"><site name="https://shop.test" host="shop.test" port="443" ssl="true"><alerts>
<alertitem><pluginid>10038</pluginid><alert>CSP Header Not Set</alert><riskcode>{riskcode}</riskcode><confidence>3</confidence>
<desc>&lt;p&gt;desc&lt;/p&gt;</desc><instances><instance><uri>https://shop.test/</uri><method>GET</method></instance></instances></alertitem>
</alerts></site></OWASPZAPReport>
"#
    )
}

/// A ZAP JSON report with one alert of `riskcode`.
fn zap_json(riskcode: u8) -> String {
    format!(
        r#"{{"@programName": "ZAP", "@version": "2.15.0", "site": [{{"@name": "https://shop.test", "alerts": [
  {{"pluginid": "10038", "alert": "CSP Header Not Set", "riskcode": "{riskcode}", "confidence": "3",
   "instances": [{{"uri": "https://shop.test/", "method": "GET"}}]}}]}}]}}"#
    )
}

// ---------------------------------------------------------------------------------------------
// Empty, blank, truncated, wrong shape
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_and_whitespace_only_files_exit_2() {
    let dir = tempdir();
    for (name, content, needle) in [
        ("empty.json", &b""[..], "the file is empty"),
        ("blank.json", b" \n\t\r\n ", "only whitespace"),
        ("bom-only.sarif", b"\xEF\xBB\xBF\n", "only whitespace"),
        ("blank.xml", b"\n\n", "only whitespace"),
    ] {
        write(dir.path(), name, content);
        let o = run_in(dir.path(), &["check", name]);
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(name), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{name}: {}", stderr(&o));
    }
}

/// Report files to cut, with the format to force when the full document carries no marker.
const TRUNCATION_FIXTURES: &[&str] = &[
    "examples/reports/trivy-image.json",
    "examples/reports/semgrep.sarif",
    "examples/reports/zap-baseline.xml",
    "examples/failing/trivy-image.json",
    "tests/fixtures/trivy/legacy_array.json",
    "tests/fixtures/trivy/k8s_resources.json",
    "tests/fixtures/trivy/k8s_classic.json",
    "tests/fixtures/trivy/pre020_object.json",
    "tests/fixtures/sarif/multi_run.sarif",
    "tests/fixtures/sarif/gitleaks_8.sarif",
    "tests/fixtures/sarif/no_version.sarif",
    "tests/fixtures/zap/report.json",
    "tests/fixtures/zap/current_multi_site.xml",
    "tests/fixtures/zap/old_layout_2.7.xml",
    "tests/fixtures/zap/empty_report.xml",
];

/// Every cut before the end of the document is an error (never a panic, never a report that
/// reads as fewer findings); a cut that only drops trailing whitespace reads the whole report.
#[test]
fn truncated_reports_are_errors_at_every_cut() {
    let mut cuts_checked = 0usize;
    for rel in TRUNCATION_FIXTURES {
        let bytes = fixture(rel);
        let full = parse(&bytes).unwrap_or_else(|e| panic!("{rel} must parse whole: {e}"));
        let end = bytes
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(0, |p| p + 1);
        // Every byte for small files; for larger ones every byte of the first and last 512
        // and about 1,500 evenly spread cuts in between.
        let cuts: Vec<usize> = if bytes.len() <= 6_000 {
            (0..=bytes.len()).collect()
        } else {
            let step = bytes.len() / 1_500;
            (0..=bytes.len())
                .filter(|c| *c < 512 || *c + 512 > bytes.len() || c % step == 0)
                .collect()
        };
        for cut in cuts {
            cuts_checked += 1;
            let result = parse(&bytes[..cut]);
            if cut < end {
                if let Ok(i) = result {
                    panic!(
                        "{rel} cut at byte {cut} of {end} parsed as a report with {} findings",
                        i.report.findings.len()
                    );
                }
            } else {
                let i =
                    result.unwrap_or_else(|e| panic!("{rel} cut at {cut} (after the end): {e}"));
                assert_eq!(i.report.findings.len(), full.report.findings.len(), "{rel}");
            }
        }
    }
    assert!(cuts_checked > 20_000, "{cuts_checked}");
}

#[test]
fn truncated_reports_exit_2_on_the_command_line() {
    let dir = tempdir();
    for rel in [
        "examples/reports/trivy-image.json",
        "examples/reports/semgrep.sarif",
        "examples/reports/zap-baseline.xml",
    ] {
        let bytes = fixture(rel);
        for cut in [1, bytes.len() / 3, bytes.len() / 2, bytes.len() - 2] {
            let name = format!(
                "cut-{cut}-{}",
                Path::new(rel)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .expect("name")
            );
            write(dir.path(), &name, &bytes[..cut]);
            let o = run_in(dir.path(), &["check", &name]);
            assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
            assert!(stderr(&o).contains(&name), "{}", stderr(&o));
        }
    }
}

#[test]
fn wrong_shape_json_exits_2() {
    let dir = tempdir();
    let cases: &[(&str, &str, &[&str], &str)] = &[
        (
            "package.json",
            r#"{"name": "shop", "version": "1.0.0", "dependencies": {"left-pad": "1.0.0"}}"#,
            &[],
            "match no supported format",
        ),
        (
            "package-as-trivy.json",
            r#"{"name": "shop", "version": "1.0.0", "dependencies": {"left-pad": "1.0.0"}}"#,
            &["--input-format", "trivy"],
            "not a trivy report",
        ),
        ("numbers.json", "[1, 2, 3]", &[], "not a Trivy result"),
        (
            "numbers-as-trivy.json",
            "[1, 2, 3]",
            &["--input-format", "trivy"],
            "element 0",
        ),
        (
            "no-runs.sarif",
            r#"{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0"}"#,
            &[],
            "no `runs` array",
        ),
        (
            "no-runs-forced.sarif",
            r#"{"version": "2.1.0"}"#,
            &["--input-format", "sarif"],
            "no `runs` array",
        ),
        (
            "runs-number.sarif",
            r#"{"version": "2.1.0", "runs": 7}"#,
            &[],
            "$.runs",
        ),
        (
            "runs-null.sarif",
            r#"{"version": "2.1.0", "runs": null}"#,
            &[],
            "null",
        ),
        (
            "zap-no-site.json",
            r#"{"@programName": "ZAP", "@version": "2.15.0"}"#,
            &[],
            "no `site`",
        ),
        ("string.json", r#""SchemaVersion""#, &[], "JSON string"),
        (
            "html.xml",
            "<!DOCTYPE html><html><body>ZAP</body></html>",
            &[],
            "HTML",
        ),
    ];
    for (name, content, extra, needle) in cases {
        write(dir.path(), name, content);
        let mut args = vec!["check", *name];
        args.extend_from_slice(extra);
        let o = run_in(dir.path(), &args);
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(needle),
            "{name}: `{needle}` not in {}",
            stderr(&o)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Duplicate keys: a repeated key that decides severity, suppression, status or identity is
// refused, in either order; other keys keep their last value (first, in ZAP XML).
// ---------------------------------------------------------------------------------------------

/// `doc` with the first occurrence of `from` replaced by `to`.
fn with(doc: &str, from: &str, to: &str) -> String {
    assert!(doc.contains(from), "{from} not in {doc}");
    doc.replacen(from, to, 1)
}

fn assert_duplicate_refused(doc: &str, key: &str) {
    let err = parse_err(doc.as_bytes());
    assert!(
        err.contains(&format!("duplicate key `{key}`"))
            || err.contains(&format!("<{key}> appears twice"))
            || err.contains("duplicate CVSS source"),
        "{key}: {err}"
    );
    assert!(err.contains("line "), "no position: {err}");
}

#[test]
fn trivy_repeated_deciding_keys_are_refused() {
    let doc = trivy("HIGH");
    for (from, to, key) in [
        (
            r#""Severity": "HIGH""#,
            r#""Severity": "HIGH", "Severity": "LOW""#,
            "Severity",
        ),
        (
            r#""Severity": "HIGH""#,
            r#""Severity": "LOW", "Severity": "HIGH""#,
            "Severity",
        ),
        (
            r#""VulnerabilityID": "CVE-2099-0001""#,
            r#""VulnerabilityID": "CVE-2099-0001", "VulnerabilityID": "CVE-2000-0001""#,
            "VulnerabilityID",
        ),
        (
            r#""Severity": "HIGH""#,
            r#""Severity": "HIGH", "Status": "affected", "Status": "not_affected""#,
            "Status",
        ),
        (
            r#""Severity": "HIGH""#,
            r#""Severity": "HIGH", "FixedVersion": "1.0.1", "FixedVersion": """#,
            "FixedVersion",
        ),
        (
            r#""Severity": "HIGH""#,
            r#""Severity": "UNKNOWN", "CVSS": {"nvd": {"V3Score": 9.8}, "nvd": {"V3Score": 1.0}}"#,
            "CVSS",
        ),
        (
            r#""Severity": "HIGH""#,
            r#""Severity": "UNKNOWN", "CVSS": {"nvd": {"V3Score": 9.8, "V3Score": 1.0}}"#,
            "V3Score",
        ),
        (
            r#""Type": "npm","#,
            r#""Type": "npm", "Vulnerabilities": [],"#,
            "Vulnerabilities",
        ),
        (
            r#""ArtifactName": "app","#,
            r#""ArtifactName": "app", "Results": [],"#,
            "Results",
        ),
    ] {
        assert_duplicate_refused(&with(&doc, from, to), key);
    }
    let misconf = r#"{"SchemaVersion": 2, "Results": [{"Target": "main.tf", "Misconfigurations": [
        {"ID": "AVD-AWS-0086", "Severity": "HIGH", "Status": "FAIL", "Status": "PASS"}]}]}"#;
    assert_duplicate_refused(misconf, "Status");
    let secret = r#"{"SchemaVersion": 2, "Results": [{"Target": ".env", "Secrets": [
        {"RuleID": "aws-access-key-id", "Severity": "CRITICAL", "Severity": "LOW"}]}]}"#;
    assert_duplicate_refused(secret, "Severity");

    // Keys that decide nothing keep their last value.
    let texts = with(
        &doc,
        r#""Title": "left-pad: bad""#,
        r#""Title": "first", "Title": "last""#,
    );
    let input = parse(texts.as_bytes()).expect("a repeated title is not deciding");
    assert_eq!(&*input.report.findings[0].title, "last");
}

#[test]
fn sarif_repeated_deciding_keys_are_refused() {
    let doc = sarif("error");
    for (from, to, key) in [
        (
            r#""level": "error""#,
            r#""level": "error", "level": "note""#,
            "level",
        ),
        (
            r#""level": "error""#,
            r#""level": "none", "level": "error""#,
            "level",
        ),
        (
            r#""level": "error""#,
            r#""level": "error", "kind": "fail", "kind": "pass""#,
            "kind",
        ),
        (
            r#""level": "error""#,
            r#""level": "error", "properties": {"security-severity": "9.8", "security-severity": "1.0"}"#,
            "security-severity",
        ),
        (
            r#""level": "error""#,
            r#""level": "error", "properties": {}, "properties": {"tags": ["x"]}"#,
            "properties",
        ),
        (
            r#""level": "error""#,
            r#""level": "error", "suppressions": [], "suppressions": [{"kind": "external"}]"#,
            "suppressions",
        ),
        (
            r#""level": "error""#,
            r#""level": "error", "suppressions": [{"kind": "inSource", "status": "rejected", "status": "accepted"}]"#,
            "status",
        ),
        (
            r#""ruleId": "R1""#,
            r#""ruleId": "R1", "ruleId": "R2""#,
            "ruleId",
        ),
        (
            r#""id": "R1""#,
            r#""id": "R1", "defaultConfiguration": {"level": "error", "level": "note"}"#,
            "level",
        ),
        (
            r#""name": "Lint""#,
            r#""name": "gitleaks", "name": "Lint""#,
            "name",
        ),
        (
            r#""version": "2.1.0","#,
            r#""version": "2.1.0", "runs": [],"#,
            "runs",
        ),
        (
            r#""results": ["#,
            r#""results": [], "results": ["#,
            "results",
        ),
    ] {
        assert_duplicate_refused(&with(&doc, from, to), key);
    }
    // A repeated message decides nothing: the last one counts.
    let texts = with(
        &doc,
        r#""message": {"text": "problem"}"#,
        r#""message": {"text": "first"}, "message": {"text": "last"}"#,
    );
    let input = parse(texts.as_bytes()).expect("a repeated message is not deciding");
    assert_eq!(&*input.report.findings[0].title, "last");
}

#[test]
fn zap_repeated_deciding_keys_and_elements_are_refused() {
    let json = zap_json(3);
    for (from, to, key) in [
        (
            r#""riskcode": "3""#,
            r#""riskcode": "3", "riskcode": "1""#,
            "riskcode",
        ),
        (
            r#""riskcode": "3""#,
            r#""riskcode": "0", "riskcode": "3""#,
            "riskcode",
        ),
        (
            r#""confidence": "3""#,
            r#""confidence": "3", "confidence": "0""#,
            "confidence",
        ),
        (
            r#""pluginid": "10038""#,
            r#""pluginid": "10038", "pluginid": "10027""#,
            "pluginid",
        ),
        (
            r#""alert": "CSP"#,
            r#""instances": [], "alert": "CSP"#,
            "instances",
        ),
        (
            r#""@name": "https://shop.test","#,
            r#""@name": "https://shop.test", "alerts": [],"#,
            "alerts",
        ),
        (
            r#""@version": "2.15.0","#,
            r#""@version": "2.15.0", "site": [],"#,
            "site",
        ),
    ] {
        assert_duplicate_refused(&with(&json, from, to), key);
    }
    let xml = zap_xml(3);
    for (from, to, key) in [
        (
            "<riskcode>3</riskcode>",
            "<riskcode>3</riskcode><riskcode>1</riskcode>",
            "riskcode",
        ),
        (
            "<riskcode>3</riskcode>",
            "<riskcode>0</riskcode><riskcode>3</riskcode>",
            "riskcode",
        ),
        (
            "<confidence>3</confidence>",
            "<confidence>3</confidence><confidence>0</confidence>",
            "confidence",
        ),
        (
            "<pluginid>10038</pluginid>",
            "<pluginid>10038</pluginid><pluginid>10027</pluginid>",
            "pluginid",
        ),
        (
            "<confidence>3</confidence>",
            "<reliability>2</reliability><reliability>0</reliability>",
            "reliability",
        ),
    ] {
        assert_duplicate_refused(&with(&xml, from, to), key);
    }
    // Repeated texts decide nothing: JSON keeps the last, XML the first.
    let input = parse(
        with(
            &json,
            r#""alert": "CSP Header Not Set""#,
            r#""alert": "a", "alert": "b""#,
        )
        .as_bytes(),
    )
    .expect("json");
    assert_eq!(&*input.report.findings[0].title, "b");
    let input = parse(
        with(
            &xml,
            "<alert>CSP Header Not Set</alert>",
            "<alert>a</alert><alert>b</alert>",
        )
        .as_bytes(),
    )
    .expect("xml");
    assert_eq!(&*input.report.findings[0].title, "a");
}

#[test]
fn repeated_deciding_key_exits_2_naming_line_and_column() {
    let dir = tempdir();
    let doc = with(
        &trivy("CRITICAL"),
        r#""Severity": "CRITICAL""#,
        "\"Severity\": \"CRITICAL\",\n    \"Severity\": \"LOW\"",
    );
    write(dir.path(), "dup.json", doc);
    let o = run_in(dir.path(), &["check", "dup.json"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("dup.json: invalid JSON at line 4, column"),
        "{err}"
    );
    assert!(err.contains("duplicate key `Severity`"), "{err}");
    assert!(err.contains("$.Results[0].Vulnerabilities[0]"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Encodings and line endings
// ---------------------------------------------------------------------------------------------

/// `doc` with `from` replaced by `to`, in which `~` then becomes the raw byte `byte`.
fn with_byte(doc: &str, from: &str, to: &str, byte: u8) -> Vec<u8> {
    assert!(!doc.contains('~'));
    with(doc, from, to)
        .into_bytes()
        .into_iter()
        .map(|b| if b == b'~' { byte } else { b })
        .collect()
}

#[test]
fn invalid_utf8_in_a_read_field_exits_2_with_its_position() {
    let dir = tempdir();
    for (name, bytes, needle) in [
        (
            "bad.json",
            with_byte(&trivy("HIGH"), "left-pad: bad", "left-pad: b~d", 0x80),
            "line 3, column",
        ),
        (
            "bad.sarif",
            with_byte(&sarif("error"), "problem", "pro~blem", 0xC3),
            "line 2, column",
        ),
        (
            "bad.xml",
            with_byte(&zap_xml(3), "CSP Header", "CSP He~der", 0xFE),
            "not valid UTF-8",
        ),
        (
            "bad-zap.json",
            with_byte(&zap_json(3), "CSP Header", "CSP He~der", 0xFF),
            "line 2, column",
        ),
    ] {
        write(dir.path(), name, &bytes);
        let o = run_in(dir.path(), &["check", name]);
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{name}: {}", stderr(&o));
    }
}

/// Documented choice: JSON values scangate skips are not examined, so invalid UTF-8 there does
/// not make an otherwise valid report unreadable (nothing scangate decides on comes from it).
#[test]
fn invalid_utf8_in_a_skipped_json_value_is_not_examined() {
    let mut doc = br#"{"SchemaVersion": 2, "Junk": "a"#.to_vec();
    doc.extend_from_slice(b"\xff\xfe");
    doc.extend_from_slice(br#"", "Results": []}"#);
    let input = parse(&doc).expect("skipped value");
    assert!(input.report.findings.is_empty());
}

#[test]
fn utf8_bom_is_accepted_in_every_format() {
    for doc in [trivy("HIGH"), sarif("error"), zap_xml(3), zap_json(3)] {
        let plain = parse(doc.as_bytes()).expect("plain");
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(doc.as_bytes());
        let with_bom = parse(&bom).expect("with a BOM");
        assert_eq!(plain.format, with_bom.format);
        assert_eq!(findings_json(&plain), findings_json(&with_bom));
    }
    let dir = tempdir();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(trivy("HIGH").as_bytes());
    write(dir.path(), "bom.json", bom);
    let o = run_in(dir.path(), &["check", "bom.json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let units = bom
        .then_some(0xFEFF_u16)
        .into_iter()
        .chain(text.encode_utf16());
    for u in units {
        out.extend_from_slice(&if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

/// Regression: UTF-16 without a BOM used to fail as "key must be a string at line 1, column 2".
#[test]
fn utf16_and_utf32_are_named_as_such_with_or_without_bom() {
    let doc = trivy("HIGH");
    let mut utf32 = Vec::new();
    for c in doc.chars() {
        utf32.extend_from_slice(&(c as u32).to_le_bytes());
    }
    for (what, bytes) in [
        ("utf-16le bom", utf16(&doc, false, true)),
        ("utf-16be bom", utf16(&doc, true, true)),
        ("utf-16le", utf16(&doc, false, false)),
        ("utf-16be", utf16(&doc, true, false)),
        ("utf-16le xml", utf16(&zap_xml(3), false, false)),
        ("utf-32le", utf32),
    ] {
        let err = parse_err(&bytes);
        assert!(err.contains("UTF-16"), "{what}: {err}");
    }
    let dir = tempdir();
    write(dir.path(), "u16.json", utf16(&doc, false, false));
    let o = run_in(dir.path(), &["check", "u16.json"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("UTF-16"), "{}", stderr(&o));
}

fn findings_json(input: &Input) -> serde_json::Value {
    serde_json::to_value(&input.report.findings).expect("findings serialise")
}

#[test]
fn crlf_reports_read_exactly_like_lf() {
    for rel in TRUNCATION_FIXTURES {
        let bytes = fixture(rel);
        let text = String::from_utf8(bytes).expect("utf-8 fixture");
        let lf = text.replace("\r\n", "\n");
        let crlf = lf.replace('\n', "\r\n");
        let a = parse(lf.as_bytes()).unwrap_or_else(|e| panic!("{rel} LF: {e}"));
        let b = parse(crlf.as_bytes()).unwrap_or_else(|e| panic!("{rel} CRLF: {e}"));
        assert_eq!(findings_json(&a), findings_json(&b), "{rel}");
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

#[test]
fn numbers_out_of_range_are_errors_where_they_cannot_be_read() {
    // serde_json refuses 1e400 outright (not a finite f64): the whole report is refused, with
    // the JSON path, rather than the value being read as infinity or dropped.
    for (doc, path) in [
        (
            with(
                &trivy("HIGH"),
                r#""Severity": "HIGH""#,
                r#""Severity": "UNKNOWN", "CVSS": {"nvd": {"V3Score": 1e400}}"#,
            ),
            "$.Results[0].Vulnerabilities[0].CVSS.nvd.V3Score",
        ),
        (
            with(
                &sarif("error"),
                r#""level": "error""#,
                r#""level": "error", "properties": {"security-severity": 1e400}"#,
            ),
            "number out of range",
        ),
        (
            with(&zap_json(3), r#""riskcode": "3""#, r#""riskcode": -1e400"#),
            "number out of range",
        ),
    ] {
        let err = parse_err(doc.as_bytes());
        assert!(err.contains(path), "{err}");
    }
}

#[test]
fn odd_line_numbers_are_dropped_or_kept_exactly() {
    let region = |start: &str, end: &str| {
        let doc = with(
            &sarif("error"),
            r#""region": {"startLine": 3}"#,
            &format!(r#""region": {{"startLine": {start}, "endLine": {end}, "endColumn": 1.5}}"#),
        );
        let input = parse(doc.as_bytes()).expect("lenient numbers");
        let f = &input.report.findings[0];
        f.location
            .file
            .as_ref()
            .and_then(|file| file.region)
            .map(|r| (r.start_line, r.end_line))
    };
    // Negative numbers are no line.
    assert_eq!(region("-5", "-1"), None);
    // Beyond 2^53 (where JSON readers that use doubles lose precision) kept exactly.
    assert_eq!(
        region("9007199254740993", "18446744073709551615"),
        Some((Some(9_007_199_254_740_993), Some(u64::MAX)))
    );
    // Beyond u64: not an integer scangate can keep.
    assert_eq!(region("100000000000000000000", "2"), Some((None, Some(2))));
    assert_eq!(region("\"7\"", "1e3"), Some((Some(7), Some(1000))));
}

/// Huge and dangling numbers must survive every output format.
#[test]
fn huge_line_numbers_and_dangling_rule_index_render_in_every_output() {
    let dir = tempdir();
    let doc = with(
        &sarif("error"),
        r#""ruleId": "R1", "level": "error""#,
        r#""ruleIndex": 18446744073709551615, "rule": {"index": 99, "toolComponent": {"index": 7}}, "level": "error""#,
    );
    let doc = with(
        &doc,
        r#""region": {"startLine": 3}"#,
        r#""region": {"startLine": 18446744073709551615, "endLine": 9223372036854775808, "startColumn": 18446744073709551615}"#,
    );
    let input = parse(doc.as_bytes()).expect("dangling rule index is not an error");
    assert!(
        input
            .report
            .stats
            .notes
            .iter()
            .any(|n| n.contains("reference a rule the run does not define")),
        "{:?}",
        input.report.stats.notes
    );
    write(dir.path(), "odd.sarif", doc);
    let mut args = vec!["check", "odd.sarif"];
    let outputs: Vec<String> = ["json", "sarif", "junit", "markdown", "github", "table"]
        .iter()
        .map(|f| format!("{f}=out.{f}"))
        .collect();
    for o in &outputs {
        args.extend(["-o", o.as_str()]);
    }
    let o = run_in(dir.path(), &args);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let sarif_out: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out.sarif")).expect("sarif"))
            .expect("json");
    let region = &sarif_out["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    // SARIF integers are at most i64::MAX: a line beyond it is left out, never wrapped.
    assert!(
        region.is_null() || region["startLine"].as_i64().is_some_and(|l| l > 0),
        "{region}"
    );
}

// ---------------------------------------------------------------------------------------------
// Special files and odd paths
// ---------------------------------------------------------------------------------------------

fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn directories_fifos_and_devices_exit_2_without_hanging() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::create_dir(d.join("no-reports")).expect("mkdir");
    write(d, "no-reports/notes.txt", "x");
    std::os::unix::fs::symlink("/dev/zero", d.join("zero.json")).expect("symlink");
    let mut cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["no-reports"], "no report files"),
        (vec!["zero.json"], "not a regular file"),
        (vec!["/dev/zero"], "not a regular file"),
        (vec!["/dev/urandom"], "not a regular file"),
    ];
    // Only while /dev/null is what it should be (a tool that renamed a file over it, as
    // scangate's output writer once did when run as root, leaves a regular file there).
    if std::fs::metadata("/dev/null").is_ok_and(|m| {
        use std::os::unix::fs::FileTypeExt;
        m.file_type().is_char_device()
    }) {
        cases.push((vec!["/dev/null"], "not a regular file"));
    }
    let fifo_ok = mkfifo(&d.join("pipe.json"));
    if fifo_ok {
        std::fs::create_dir(d.join("fifo-dir")).expect("mkdir");
        assert!(mkfifo(&d.join("fifo-dir/trivy.json")));
        write(d, "fifo-dir/zap.xml", zap_xml(1));
        cases.push((vec!["pipe.json"], "not a regular file"));
        cases.push((vec!["fifo-dir"], "not a regular file"));
        cases.push((vec!["fifo-dir/*.json"], "not a regular file"));
    } else {
        eprintln!("note: `mkfifo` is not available; FIFO cases skipped");
    }
    for (args, needle) in cases {
        let mut full = vec!["check"];
        full.extend(args.iter().copied());
        let started = Instant::now();
        let o = run_in(d, &full);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{args:?} took {:?}",
            started.elapsed()
        );
    }
}

/// Regression: outputs were written to a temporary file renamed over the target, which
/// replaced a device or FIFO with a regular file: `-o json=/dev/null`, run as root, turned
/// /dev/null into a file for the whole machine. Tested through a link to /dev/null (the link
/// is what a wrong rename would replace, never /dev/null itself) and a FIFO with a reader.
#[test]
fn outputs_to_devices_and_fifos_are_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempdir();
    let d = dir.path();
    write(d, "r.json", trivy("LOW"));
    std::os::unix::fs::symlink("/dev/null", d.join("null-link")).expect("symlink");
    let mut args = vec!["check", "r.json", "-o", "json=null-link"];
    let fifo = d.join("sarif.fifo");
    let reader = mkfifo(&fifo).then(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::fs::File::open(&path).and_then(|mut f| f.read_to_string(&mut text));
            let _ = tx.send(text);
        });
        args.extend(["-o", "sarif=sarif.fifo"]);
        rx
    });
    let o = run_in(d, &args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let link = std::fs::symlink_metadata(d.join("null-link")).expect("link");
    assert!(
        link.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    if let Some(rx) = reader {
        let meta = std::fs::symlink_metadata(&fifo).expect("fifo");
        assert!(
            meta.file_type().is_fifo(),
            "the FIFO was replaced by a file"
        );
        let text = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the reader got the SARIF");
        assert!(text.contains("\"version\": \"2.1.0\""), "{text}");
    }
}

/// Regression: a report directory (or glob) silently skipped entries that were not regular
/// files, so a dangling `trivy.json` link (the scan that wrote it failed) let the rest pass.
#[test]
fn dangling_report_link_in_a_directory_or_glob_is_an_error() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::create_dir(d.join("reports")).expect("mkdir");
    write(d, "reports/zap.xml", zap_xml(1));
    std::os::unix::fs::symlink(d.join("missing/trivy.json"), d.join("reports/trivy.json"))
        .expect("symlink");
    std::fs::create_dir(d.join("reports/sub.json")).expect("a directory named like a report");
    for input in ["reports", "reports/*.json", "reports/*"] {
        let o = run_in(d, &["check", input]);
        assert_eq!(code(&o), 2, "{input}: {}", stdout(&o));
        assert!(
            stderr(&o).contains("trivy.json: cannot read the file"),
            "{input}: {}",
            stderr(&o)
        );
    }
    // Subdirectories are still skipped: they are not reports.
    std::fs::remove_file(d.join("reports/trivy.json")).expect("rm");
    let o = run_in(d, &["check", "reports"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn unreadable_file_exits_2() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let path = write(dir.path(), "locked.json", trivy("LOW"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read(&path).is_ok() {
        // Root (as in CI) or CAP_DAC_OVERRIDE reads a mode-000 file anyway.
        eprintln!("note: running with privileges that read mode-000 files; assertion skipped");
        return;
    }
    let o = run_in(dir.path(), &["check", "locked.json"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("locked.json: cannot read the file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn file_names_with_glob_characters_and_spaces_are_taken_literally() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::create_dir(d.join("dir with space")).expect("mkdir");
    for name in [
        "my report.json",
        "weird [1].json",
        "star*.json",
        "q?.json",
        "{a,b}.json",
        "trivy:colon.json",
        "dir with space/inner report.json",
    ] {
        write(d, name, trivy("LOW"));
        let o = run_in(d, &["check", name]);
        assert_eq!(code(&o), 0, "{name}: {}", stderr(&o));
        assert!(stdout(&o).contains(name), "{name}: {}", stdout(&o));
    }
    // A literal path with `*` is not expanded: only it is read, not its glob siblings.
    write(d, "starX.json", trivy("CRITICAL"));
    let o = run_in(d, &["check", "star*.json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    // Globs and directories with spaces.
    let o = run_in(d, &["check", "dir with space/*.json", "dir with space"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 finding"),
        "read once: {}",
        stdout(&o)
    );
}

// ---------------------------------------------------------------------------------------------
// Resource limits
// ---------------------------------------------------------------------------------------------

#[test]
fn xml_entity_attacks_are_refused_and_read_no_file() {
    let dir = tempdir();
    let d = dir.path();
    let marker = "XXE-MARKER-5f1e2d";
    let secret = write(d, "secret.txt", marker);
    let dtd = write(d, "evil.dtd", format!("<!ENTITY leak \"{marker}\">"));
    let head = r#"<OWASPZAPReport version="2.15.0"><site name="https://a.test"><alerts><alertitem><pluginid>1</pluginid><riskcode>1</riskcode>"#;
    let tail = "</alertitem></alerts></site></OWASPZAPReport>";
    let cases = [
        (
            "xxe.xml".to_owned(),
            format!(
                "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file://{}\">]>{head}<desc>&x;</desc>{tail}",
                secret.display()
            ),
            "entity",
        ),
        (
            "param.xml".to_owned(),
            format!(
                "<!DOCTYPE r [<!ENTITY % p SYSTEM \"file://{}\"> %p;]>{head}<desc>&leak;</desc>{tail}",
                dtd.display()
            ),
            "entity",
        ),
        (
            "external-dtd.xml".to_owned(),
            format!(
                "<!DOCTYPE r SYSTEM \"file://{}\">{head}<desc>&leak;</desc>{tail}",
                dtd.display()
            ),
            "unknown entity",
        ),
        (
            "attr.xml".to_owned(),
            format!(
                "{head}<desc>x</desc></alertitem></alerts></site><site name=\"&leak;\"></site></OWASPZAPReport>"
            ),
            "attribute",
        ),
        (
            "billion_laughs.xml".to_owned(),
            String::from_utf8(fixture("tests/fixtures/zap/billion_laughs.xml")).expect("utf-8"),
            "entity",
        ),
    ];
    for (name, content, needle) in cases {
        write(d, &name, content);
        let started = Instant::now();
        let o = run_in(d, &["check", &name, "-o", "json=out.json"]);
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        assert!(started.elapsed() < Duration::from_secs(20));
        let err = stderr(&o);
        assert!(err.contains(needle), "{name}: {err}");
        let json = std::fs::read_to_string(d.join("out.json")).expect("json written");
        for text in [&stdout(&o), &err, &json] {
            assert!(
                !text.contains(marker),
                "{name}: a file outside the inputs was read"
            );
        }
    }
    // A DOCTYPE naming an external DTD but no entity reference: the DTD is never fetched.
    write(
        d,
        "dtd-only.xml",
        format!(
            "<!DOCTYPE r SYSTEM \"file://{}\">{head}{tail}",
            dtd.display()
        ),
    );
    let o = run_in(d, &["check", "dtd-only.xml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stdout(&o).contains(marker));
}

fn nested(open: &str, close: &str, depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

/// 100,000 levels of nesting where scangate reads a value are refused (the parsers keep
/// serde_json's recursion limit, and the ZAP XML reader its depth bound); where it skips a
/// value, the skip is iterative, so the report still reads. Never a stack overflow: the CLI
/// parses in rayon's worker threads, whose stacks are smaller than main's.
#[test]
fn deep_nesting_never_overflows_the_stack() {
    let dir = tempdir();
    let d = dir.path();
    let arrays = nested("[", "]", 100_000, "");
    let objects = nested("{\"a\":", "}", 100_000, "1");
    let refused = [
        (
            "trivy-results.json",
            format!(r#"{{"SchemaVersion": 2, "Results": {arrays}}}"#),
        ),
        ("trivy-top.json", arrays.clone()),
        (
            "trivy-vulns.json",
            format!(
                r#"{{"SchemaVersion": 2, "Results": [{{"Target": "t", "Vulnerabilities": [{arrays}]}}]}}"#
            ),
        ),
        (
            "sarif-runs.sarif",
            format!(r#"{{"version": "2.1.0", "runs": {arrays}}}"#),
        ),
        (
            "sarif-results.sarif",
            format!(
                r#"{{"version": "2.1.0", "runs": [{{"tool": {{"driver": {{"name": "x"}}}}, "results": [{arrays}]}}]}}"#
            ),
        ),
        (
            "zap-site.json",
            format!(r#"{{"@programName": "ZAP", "site": {arrays}}}"#),
        ),
        (
            "zap-alerts.json",
            format!(
                r#"{{"@programName": "ZAP", "site": [{{"@name": "https://a", "alerts": [{arrays}]}}]}}"#
            ),
        ),
        (
            "zap.xml",
            format!(
                "<OWASPZAPReport>{}</OWASPZAPReport>",
                nested("<a>", "</a>", 100_000, "")
            ),
        ),
        (
            "zap-desc.xml",
            format!(
                "<OWASPZAPReport><site name=\"https://a\"><alerts><alertitem><desc>{}</desc></alertitem></alerts></site></OWASPZAPReport>",
                nested("<p>", "</p>", 100_000, "")
            ),
        ),
    ];
    let skipped = [
        (
            "trivy-skip.json",
            format!(
                r#"{{"SchemaVersion": 2, "Junk": {arrays}, "Results": [], "More": {objects}}}"#
            ),
        ),
        (
            "trivy-layer.json",
            format!(
                r#"{{"SchemaVersion": 2, "Results": [{{"Target": "t", "Vulnerabilities": [{{"VulnerabilityID": "CVE-1", "Severity": "LOW", "Layer": {objects}, "References": {arrays}}}]}}]}}"#
            ),
        ),
        (
            "sarif-skip.sarif",
            format!(
                r#"{{"version": "2.1.0", "junk": {arrays}, "runs": [{{"tool": {{"driver": {{"name": "x"}}}}, "results": [{{"level": "note", "message": {{"text": "m"}}, "partialFingerprints": {objects}, "properties": {{"x": {arrays}}}}}]}}]}}"#
            ),
        ),
        (
            "zap-skip.json",
            format!(
                r#"{{"@programName": "ZAP", "junk": {arrays}, "site": [{{"@name": "https://a", "alerts": [{{"pluginid": "1", "riskcode": "1", "desc": {objects}}}]}}]}}"#
            ),
        ),
    ];
    for (name, content) in &refused {
        write(d, name, content);
        let o = run_in(d, &["check", name]);
        assert_eq!(code(&o), 2, "{name}: {}", stdout(&o));
    }
    for (name, content) in &skipped {
        write(d, name, content);
        let o = run_in(d, &["check", name]);
        assert_eq!(code(&o), 0, "{name}: {}", stderr(&o));
    }
}

/// serde_json's recursion limit (128) is what keeps typed deserialisation off the stack's edge;
/// no parser may switch it off.
#[test]
fn serde_json_recursion_limit_is_never_disabled() {
    for src in [
        include_str!("../src/ingest/detect.rs"),
        include_str!("../src/ingest/json.rs"),
        include_str!("../src/ingest/trivy.rs"),
        include_str!("../src/ingest/sarif.rs"),
        include_str!("../src/ingest/zap.rs"),
        include_str!("../src/ingest/mod.rs"),
    ] {
        assert!(!src.contains(concat!("disable_", "recursion_limit")));
    }
}

#[test]
fn max_input_size_is_a_clear_error() {
    let dir = tempdir();
    let doc = trivy("LOW");
    let len = doc.len().to_string();
    let below = (doc.len() - 1).to_string();
    write(dir.path(), "r.json", &doc);
    let o = run_in(dir.path(), &["check", "r.json", "--max-input-size", &below]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "r.json: the file is {len} bytes, over the input size limit of {below} bytes"
        )),
        "{err}"
    );
    let o = run_in(dir.path(), &["check", "r.json", "--max-input-size", &len]);
    assert_eq!(code(&o), 0, "exactly at the limit is fine: {}", stderr(&o));
}

/// Regression: the limit was checked against the size `stat` reports only, and files in
/// /proc report 0 however much they stream; the read itself is now bounded.
#[test]
fn a_file_that_reports_size_zero_is_still_held_to_the_size_limit() {
    let maps = Path::new("/proc/self/maps");
    if !maps.exists() {
        eprintln!("note: no /proc on this system; skipped");
        return;
    }
    let o = run_in(
        root(),
        &["check", "/proc/self/maps", "--max-input-size", "16"],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("holds more than the input size limit of 16 bytes"),
        "{}",
        stderr(&o)
    );
}

/// A 20 MB message (a stand-in for the hundreds of MB the issue names, to keep CI fast) is read
/// whole, kept exactly in the JSON report, and cut in the table.
#[test]
fn a_huge_string_field_is_read_and_truncated_in_the_table() {
    let dir = tempdir();
    let huge = format!("{}{}", "A".repeat(20 * 1024 * 1024), "END");
    let doc = with(
        &sarif("error"),
        r#""text": "problem""#,
        &format!(r#""text": "{huge}""#),
    );
    write(dir.path(), "huge.sarif", doc);
    let o = run_in(dir.path(), &["check", "huge.sarif", "-o", "json=out.json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let table = stderr(&o) + &stdout(&o);
    let longest = table.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(longest < 2_000, "a table line of {longest} characters");
    assert!(table.contains('…'), "the title is cut with an ellipsis");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out.json")).expect("json"))
            .expect("valid");
    assert_eq!(
        json["findings"][0]["title"].as_str().map(str::len),
        Some(huge.len())
    );
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

/// Secret values found by Trivy and by a gitleaks-style SARIF producer never reach any output
/// format, `--explain`, or the log. The marker stands in for the secret in every place a
/// scanner may write it: Trivy's `Match` and `Code.Lines`; SARIF's message (text and
/// Markdown), snippets, result fix text and fingerprints (regression: those two were carried).
#[test]
fn secrets_never_reach_any_output() {
    let dir = tempdir();
    let d = dir.path();
    let m = "sk_live_MARKER_7c1f09d2e4";
    write(
        d,
        "trivy.json",
        format!(
            r#"{{"SchemaVersion": 2, "ArtifactName": "repo", "Results": [{{"Target": "deploy/.env", "Class": "secret",
  "Secrets": [{{"RuleID": "stripe-secret-token", "Category": "Stripe", "Severity": "CRITICAL", "Title": "Stripe Secret Key",
  "StartLine": 3, "EndLine": 3, "Match": "STRIPE_KEY={m}",
  "Code": {{"Lines": [{{"Number": 3, "Content": "STRIPE_KEY={m}", "Highlighted": "STRIPE_KEY={m}", "IsCause": true}}]}}}}]}}]}}"#
        ),
    );
    write(
        d,
        "gitleaks.sarif",
        format!(
            r#"{{"version": "2.1.0", "runs": [{{"tool": {{"driver": {{"name": "gitleaks", "semanticVersion": "v8.18.2",
  "rules": [{{"id": "stripe-access-token", "shortDescription": {{"text": "Stripe access token"}}}}]}}}},
  "results": [{{"ruleId": "stripe-access-token", "level": "error",
    "message": {{"text": "stripe-access-token has detected secret {m} for file app/config.py", "markdown": "**{m}**"}},
    "locations": [{{"physicalLocation": {{"artifactLocation": {{"uri": "app/config.py"}},
      "region": {{"startLine": 7, "snippet": {{"text": "KEY = '{m}'"}}}}, "contextRegion": {{"snippet": {{"text": "{m}"}}}}}}}}],
    "partialFingerprints": {{"commitSha": "3f1d2c4b", "commitMessage": "add key {m}", "secret/v1": "{m}"}},
    "fingerprints": {{"match": "{m}"}},
    "fixes": [{{"description": {{"text": "rotate {m}"}}}}],
    "relatedLocations": [{{"message": {{"text": "{m}"}}}}],
    "properties": {{"tags": [], "match": "{m}"}}}}]}}]}}"#
        ),
    );
    let formats = ["json", "sarif", "junit", "markdown", "github", "table"];
    let mut args: Vec<String> = ["check", "trivy.json", "gitleaks.sarif"]
        .map(str::to_owned)
        .to_vec();
    for f in formats {
        args.extend(["-o".to_owned(), format!("{f}=out.{f}")]);
    }
    for id in ["stripe-secret-token", "stripe-access-token"] {
        args.extend(["--explain".to_owned(), id.to_owned()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run_in(d, &args);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let (out, err) = (stdout(&o), stderr(&o));
    // `--explain` prints to stdout here (every other output goes to a file).
    assert!(
        out.contains("explain stripe-secret-token") && out.contains("explain stripe-access-token"),
        "{out}"
    );
    assert!(!out.contains(m) && !err.contains(m), "secret in the log");
    for f in formats {
        let text = std::fs::read_to_string(d.join(format!("out.{f}"))).expect("output written");
        assert!(text.contains("stripe"), "{f} has the findings");
        assert!(!text.contains(m), "the secret leaked into the {f} output");
        assert!(
            !text.contains("MARKER"),
            "part of the secret leaked into the {f} output"
        );
    }
    // The default table on stdout, too.
    let o = run_in(d, &["check", "trivy.json", "gitleaks.sarif"]);
    assert!(!stdout(&o).contains(m) && !stderr(&o).contains(m));
}

// ---------------------------------------------------------------------------------------------
// Fail closed
// ---------------------------------------------------------------------------------------------

/// One command-line input of the fail-closed property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    PassingReport(u8),
    FailingReport(u8),
    Missing,
    Empty,
    Blank,
    Truncated(u8),
    NonReportJson,
    Html,
    DirWithoutReports,
    GlobWithoutMatch,
    Utf16,
    DuplicateSeverity,
    DanglingLink,
    MarkerlessNull,
    SarifRunsNull,
    /// A valid report read as another format (`FORMAT:PATH`).
    ForcedWrongFormat(u8),
}

impl Case {
    fn is_problem(self) -> bool {
        !matches!(self, Case::PassingReport(_) | Case::FailingReport(_))
    }
}

fn case_strategy() -> impl Strategy<Value = Case> {
    prop_oneof![
        3 => (0u8..4).prop_map(Case::PassingReport),
        2 => (0u8..4).prop_map(Case::FailingReport),
        1 => Just(Case::Missing),
        1 => Just(Case::Empty),
        1 => Just(Case::Blank),
        1 => any::<u8>().prop_map(Case::Truncated),
        1 => Just(Case::NonReportJson),
        1 => Just(Case::Html),
        1 => Just(Case::DirWithoutReports),
        1 => Just(Case::GlobWithoutMatch),
        1 => Just(Case::Utf16),
        1 => Just(Case::DuplicateSeverity),
        1 => Just(Case::DanglingLink),
        1 => Just(Case::MarkerlessNull),
        1 => Just(Case::SarifRunsNull),
        1 => (0u8..4).prop_map(Case::ForcedWrongFormat),
    ]
}

/// A valid report of format `n % 4` (Trivy, SARIF, ZAP XML, ZAP JSON), blocking or not.
fn report(n: u8, blocking: bool) -> (String, &'static str) {
    match n % 4 {
        0 => (trivy(if blocking { "CRITICAL" } else { "LOW" }), "json"),
        1 => (sarif(if blocking { "error" } else { "note" }), "sarif"),
        2 => (zap_xml(if blocking { 3 } else { 1 }), "xml"),
        _ => (zap_json(if blocking { 3 } else { 0 }), "json"),
    }
}

/// Materialises `case` as input number `i` in `dir`; returns the command-line argument.
fn materialise(dir: &Path, i: usize, case: Case) -> String {
    let file = |ext: &str| format!("{}/in{i}.{ext}", dir.display());
    match case {
        Case::PassingReport(n) | Case::FailingReport(n) => {
            let (doc, ext) = report(n, matches!(case, Case::FailingReport(_)));
            let path = file(ext);
            std::fs::write(&path, doc).expect("write");
            path
        }
        Case::Missing => file("json"),
        Case::Empty => {
            std::fs::write(file("json"), "").expect("write");
            file("json")
        }
        Case::Blank => {
            std::fs::write(file("sarif"), " \n").expect("write");
            file("sarif")
        }
        Case::Truncated(at) => {
            let (doc, ext) = report(at, at % 2 == 0);
            let end = doc.trim_end().len();
            let cut = usize::from(at) * end / 256;
            std::fs::write(file(ext), &doc[..cut.min(end - 1)]).expect("write");
            file(ext)
        }
        Case::NonReportJson => {
            std::fs::write(file("json"), r#"{"name": "shop", "version": "1.0.0"}"#).expect("write");
            file("json")
        }
        Case::Html => {
            std::fs::write(file("xml"), "<html><body>ZAP report</body></html>").expect("write");
            file("xml")
        }
        Case::DirWithoutReports => {
            let d = format!("{}/dir{i}", dir.display());
            std::fs::create_dir(&d).expect("mkdir");
            std::fs::write(format!("{d}/README.md"), "no reports").expect("write");
            d
        }
        Case::GlobWithoutMatch => format!("{}/nothing-{i}-*.sarif", dir.display()),
        Case::Utf16 => {
            std::fs::write(file("json"), utf16(&trivy("LOW"), false, true)).expect("write");
            file("json")
        }
        Case::DuplicateSeverity => {
            let doc = with(
                &trivy("CRITICAL"),
                r#""Severity": "CRITICAL""#,
                r#""Severity": "CRITICAL", "Severity": "LOW""#,
            );
            std::fs::write(file("json"), doc).expect("write");
            file("json")
        }
        Case::DanglingLink => {
            let d = format!("{}/links{i}", dir.display());
            std::fs::create_dir(&d).expect("mkdir");
            std::fs::write(format!("{d}/ok.xml"), zap_xml(1)).expect("write");
            std::os::unix::fs::symlink(format!("{d}/gone.json"), format!("{d}/trivy.json"))
                .expect("symlink");
            d
        }
        Case::MarkerlessNull => {
            std::fs::write(file("json"), "null").expect("write");
            file("json")
        }
        Case::SarifRunsNull => {
            std::fs::write(file("sarif"), r#"{"version": "2.1.0", "runs": null}"#).expect("write");
            file("sarif")
        }
        Case::ForcedWrongFormat(n) => {
            let (doc, ext) = report(n, false);
            std::fs::write(file(ext), doc).expect("write");
            let wrong = ["zap", "trivy", "sarif", "trivy"][usize::from(n % 4)];
            format!("{wrong}:{}", file(ext))
        }
    }
}

/// What `scangate check` decides for these arguments, computed with the library exactly as
/// `run::check` does (expansion errors drop every input).
fn decide(args: &[String]) -> ExitStatus {
    let specs: Vec<InputSpec> = args.iter().map(|a| InputSpec::parse(a)).collect();
    let (inputs, errors) = match ingest::expand_inputs(&specs, None) {
        Ok(files) => ingest::read_all(&files, ingest::DEFAULT_MAX_INPUT_BYTES),
        Err(e) => (Vec::new(), e.into_iter().map(InputError::from).collect()),
    };
    let settings = RunSettings {
        today: jiff::civil::date(2026, 6, 1),
        deny_stale_waivers: false,
    };
    Verdict::build(Policy::embedded(), inputs, &errors, settings).exit_status()
}

/// Cases per property: modest by default so the suite stays fast in debug builds;
/// `PROPTEST_CASES=10000 cargo test --test hostile_inputs` searches harder.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases(96))
    })]

    /// Exit 0 only when every input parsed and nothing blocks; any input problem is exit 2,
    /// whatever else is on the command line.
    #[test]
    fn no_input_problem_ever_passes(cases in prop::collection::vec(case_strategy(), 1..6)) {
        let dir = tempdir();
        let args: Vec<String> = cases
            .iter()
            .enumerate()
            .map(|(i, c)| materialise(dir.path(), i, *c))
            .collect();
        let status = decide(&args);
        let expected = if cases.iter().any(|c| c.is_problem()) {
            ExitStatus::Error
        } else if cases.iter().any(|c| matches!(c, Case::FailingReport(_))) {
            ExitStatus::PolicyFailed
        } else {
            ExitStatus::Pass
        };
        prop_assert_eq!(status, expected, "{:?}", cases);
    }
}

#[test]
fn fail_closed_spot_check_on_the_command_line() {
    let dir = tempdir();
    let cases = [
        Case::PassingReport(0),
        Case::PassingReport(1),
        Case::PassingReport(2),
        Case::Truncated(200),
        Case::DanglingLink,
    ];
    let args: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| materialise(dir.path(), i, *c))
        .collect();
    let mut full = vec!["check"];
    full.extend(args.iter().map(String::as_str));
    let o = run_in(dir.path(), &full);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert_eq!(decide(&args), ExitStatus::Error);
    // The good inputs alone pass, on both paths.
    let o = run_in(dir.path(), &full[..4]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(decide(&args[..3]), ExitStatus::Pass);
}
