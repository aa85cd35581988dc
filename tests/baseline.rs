//! Baselines and correlation as a user meets them: `scangate baseline`, then `scangate check
//! --baseline`, with the built binary, a cleared environment and `SCANGATE_TODAY`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::output::{code, stderr, stdout};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs scangate in `dir` (the repository root when `None`) as of `today`.
fn scangate_in(dir: Option<&Path>, today: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scangate"))
        .args(args)
        .current_dir(dir.unwrap_or(root()))
        .env_clear()
        .env("SCANGATE_TODAY", today)
        .output()
        .expect("the binary runs")
}

fn both(o: &Output) -> String {
    format!("--- stdout\n{}--- stderr\n{}", stdout(o), stderr(o))
}

/// A scratch directory holding copies of the example reports (and policies) a test edits.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let s = Scratch {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        for (from, to) in [
            ("examples/reports/semgrep.sarif", "semgrep.sarif"),
            ("examples/failing/trivy-image.json", "trivy.json"),
            ("examples/reports/zap-baseline.xml", "zap.xml"),
        ] {
            std::fs::copy(root().join(from), s.path(to)).expect("copy fixture");
        }
        s
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).expect("read")
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).expect("write");
    }

    /// Replaces `from` (which must occur) with `to` in a file.
    fn edit(&self, name: &str, from: &str, to: &str) {
        let text = self.read(name);
        assert!(text.contains(from), "{from:?} not in {name}");
        self.write(name, &text.replace(from, to));
    }

    fn run(&self, today: &str, args: &[&str]) -> Output {
        scangate_in(Some(self.dir.path()), today, args)
    }

    fn json(&self, name: &str) -> serde_json::Value {
        serde_json::from_str(&self.read(name)).expect("JSON output")
    }
}

const INPUTS: [&str; 3] = ["trivy.json", "semgrep.sarif", "zap.xml"];

fn with_inputs<'a>(head: &[&'a str], tail: &[&'a str]) -> Vec<&'a str> {
    let mut args = head.to_vec();
    args.extend(INPUTS);
    args.extend(tail);
    args
}

#[test]
fn baseline_then_check_on_the_same_inputs_is_all_existing_and_gate_new_passes() {
    let s = Scratch::new();
    let o = s.run("2026-05-01", &with_inputs(&["baseline"], &[]));
    assert_eq!(code(&o), 0, "{}", both(&o));
    assert_eq!(
        stdout(&o),
        "wrote scangate-baseline.json: 10 entries (10 new, 0 still present)\n"
    );
    // Without a baseline the failing example fails (Log4Shell is critical).
    let o = s.run("2026-06-01", &with_inputs(&["check"], &[]));
    assert_eq!(code(&o), 1, "{}", both(&o));

    s.write("scangate.toml", "gate = \"new\"\n");
    let o = s.run(
        "2026-06-01",
        &with_inputs(
            &["check", "--baseline", "scangate-baseline.json"],
            &["--output", "json=out.json"],
        ),
    );
    assert_eq!(code(&o), 0, "{}", both(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "baseline: scangate-baseline.json (10 entries, gate = new): 0 new, 10 existing, 0 fixed"
        ),
        "{out}"
    );
    let doc = s.json("out.json");
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 10);
    assert!(findings.iter().all(|f| f["baseline"] == "existing"));
    assert!(findings.iter().all(|f| f["first_seen"] == "2026-05-01"));
    let log4j = findings
        .iter()
        .find(|f| f["rule_id"] == "CVE-2021-44228")
        .expect("log4j");
    assert_eq!(log4j["outcome"], "warn");
    assert!(
        log4j["reason"]
            .as_str()
            .is_some_and(|r| r
                .ends_with("not blocking: in the baseline since 2026-05-01 and gate = \"new\"")),
        "{}",
        log4j["reason"]
    );
    assert_eq!(
        doc["summary"]["baseline"],
        serde_json::json!({"new": 0, "existing": 10, "fixed": 0})
    );
    assert_eq!(doc["fixed"], serde_json::json!([]));

    // With the default gate ("all"), the baseline classifies but does not excuse.
    s.write("scangate.toml", "");
    let o = s.run(
        "2026-06-01",
        &with_inputs(&["check", "--baseline", "scangate-baseline.json"], &[]),
    );
    assert_eq!(code(&o), 1, "{}", both(&o));
}

#[test]
fn a_new_finding_fails_a_gate_new_check() {
    let s = Scratch::new();
    let o = s.run("2026-05-01", &with_inputs(&["baseline"], &[]));
    assert_eq!(code(&o), 0, "{}", both(&o));
    s.write("scangate.toml", "gate = \"new\"\n");
    // A new high finding in Semgrep's report: a second shell=True elsewhere.
    s.edit(
        "semgrep.sarif",
        r#"      "results": ["#,
        r#"      "results": [
        {
          "ruleId": "python.lang.security.audit.subprocess-shell-true",
          "ruleIndex": 1,
          "message": { "text": "Found 'subprocess' function with 'shell=True'." },
          "locations": [
            {
              "physicalLocation": {
                "artifactLocation": { "uri": "shop/admin.py", "uriBaseId": "%SRCROOT%" },
                "region": { "startLine": 7, "snippet": { "text": "subprocess.call(cmd, shell=True)" } }
              }
            }
          ]
        },"#,
    );
    let o = s.run(
        "2026-06-01",
        &with_inputs(
            &["check", "--baseline", "scangate-baseline.json"],
            &["--output", "json=out.json"],
        ),
    );
    assert_eq!(code(&o), 1, "{}", both(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("scangate: FAIL: 1 blocking of 11 findings"),
        "{out}"
    );
    assert!(out.contains("1 new, 10 existing, 0 fixed"), "{out}");
    let doc = s.json("out.json");
    let new: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["baseline"] == "new")
        .collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0]["outcome"], "fail");
    assert_eq!(new[0]["location"]["file"]["path"], "shop/admin.py");
}

#[test]
fn fingerprints_survive_moved_lines_rewritten_text_and_re_rated_severities() {
    let s = Scratch::new();
    let o = s.run("2026-05-01", &with_inputs(&["baseline"], &[]));
    assert_eq!(code(&o), 0, "{}", both(&o));
    // Code moves down the files; messages are re-worded.
    s.edit(
        "semgrep.sarif",
        r#""startLine": 14, "startColumn": 1, "endLine": 14"#,
        r#""startLine": 57, "startColumn": 1, "endLine": 57"#,
    );
    s.edit(
        "semgrep.sarif",
        r#""startLine": 41, "startColumn": 5, "endLine": 41"#,
        r#""startLine": 63, "startColumn": 5, "endLine": 63"#,
    );
    s.edit("semgrep.sarif", r#""startLine": 88"#, r#""startLine": 120"#);
    s.edit(
        "semgrep.sarif",
        "Detected a template block where autoescaping is explicitly disabled.\" }",
        "Autoescaping is turned off in this template block.\" }",
    );
    // Log4Shell is re-rated and its description rewritten.
    s.edit(
        "trivy.json",
        r#""Severity": "CRITICAL""#,
        r#""Severity": "HIGH""#,
    );
    s.edit(
        "trivy.json",
        "Apache Log4j2 JNDI features used in configuration",
        "Log4j 2 JNDI lookups in configuration",
    );
    s.edit("trivy.json", r#""V3Score": 10"#, r#""V3Score": 8.9"#);
    let o = s.run(
        "2026-06-01",
        &with_inputs(
            &["check", "--baseline", "scangate-baseline.json"],
            &["--output", "json=out.json"],
        ),
    );
    assert_eq!(code(&o), 1, "{}", both(&o));
    let doc = s.json("out.json");
    let findings = doc["findings"].as_array().expect("findings");
    let not_existing: Vec<String> = findings
        .iter()
        .filter(|f| f["baseline"] != "existing")
        .map(|f| f["rule_id"].to_string())
        .collect();
    assert!(not_existing.is_empty(), "{not_existing:?}");
    let log4j = findings
        .iter()
        .find(|f| f["rule_id"] == "CVE-2021-44228")
        .expect("log4j");
    assert_eq!(log4j["severity"], "high", "the re-rating was read");
    let xss = findings
        .iter()
        .find(|f| f["rule_id"] == "python.django.security.audit.xss.template-autoescape-off")
        .expect("xss");
    assert_eq!(xss["location"]["file"]["region"]["start_line"], 57);
    assert_eq!(doc["fixed"], serde_json::json!([]));
}

#[test]
fn grace_periods_count_from_first_seen() {
    let s = Scratch::new();
    let o = s.run("2026-05-01", &with_inputs(&["baseline"], &[]));
    assert_eq!(code(&o), 0, "{}", both(&o));
    s.write(
        "scangate.toml",
        "gate = \"new\"\nsla = { critical = \"30d\" }\n",
    );
    let check = |today: &str| {
        s.run(
            today,
            &with_inputs(&["check", "--baseline", "scangate-baseline.json"], &[]),
        )
    };
    // Day 30 of the grace period: Log4Shell still only warns.
    let o = check("2026-05-30");
    assert_eq!(code(&o), 0, "{}", both(&o));
    // 2026-05-31 = first seen + 30 days: it blocks.
    let o = check("2026-05-31");
    assert_eq!(code(&o), 1, "{}", both(&o));
    assert!(stdout(&o).contains("CVE-2021-44228"), "{}", both(&o));
}

#[test]
fn re_recording_keeps_first_seen_and_fixed_is_only_for_present_scanners() {
    let s = Scratch::new();
    let o = s.run("2026-05-01", &with_inputs(&["baseline"], &[]));
    assert_eq!(code(&o), 0, "{}", both(&o));

    // Semgrep's best-practice finding is gone. Only Semgrep's report is checked: its finding is
    // fixed; Trivy's and ZAP's entries are not (their reports are not in this run).
    s.edit(
        "semgrep.sarif",
        r#""ruleId": "python.lang.best-practice.open-never-closed","#,
        r#""ruleId": "python.lang.best-practice.open-never-closed", "kind": "pass","#,
    );
    let o = s.run(
        "2026-06-01",
        &[
            "check",
            "semgrep.sarif",
            "--baseline",
            "scangate-baseline.json",
            "--output",
            "json=out.json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", both(&o));
    let doc = s.json("out.json");
    let fixed: Vec<&str> = doc["fixed"]
        .as_array()
        .expect("fixed")
        .iter()
        .filter_map(|e| e["rule_id"].as_str())
        .collect();
    assert_eq!(fixed, ["python.lang.best-practice.open-never-closed"]);
    assert_eq!(doc["fixed"][0]["first_seen"], "2026-05-01");

    // Recording again a month later, with all reports: first-seen dates are kept, the fixed
    // finding is dropped.
    let o = s.run("2026-06-01", &with_inputs(&["baseline"], &[]));
    assert_eq!(code(&o), 0, "{}", both(&o));
    assert_eq!(
        stdout(&o),
        "wrote scangate-baseline.json: 9 entries (0 new, 9 still present, 1 fixed and removed)\n"
    );
    let b = s.json("scangate-baseline.json");
    let entries = b["entries"].as_array().expect("entries");
    assert!(entries.iter().all(|e| e["first_seen"] == "2026-05-01"));
    assert!(entries.iter().all(|e| e["last_seen"] == "2026-06-01"));
    assert_eq!(
        (b["created"].clone(), b["updated"].clone()),
        ("2026-05-01".into(), "2026-06-01".into())
    );

    // Recording only Trivy's report keeps the other scanners' entries as they are.
    let o = s.run("2026-06-02", &["baseline", "trivy.json"]);
    assert_eq!(
        stdout(&o),
        "wrote scangate-baseline.json: 9 entries (0 new, 4 still present, 5 kept from scanners \
         without a report in this run)\n"
    );
    // --reset starts over.
    let o = s.run("2026-06-03", &["baseline", "trivy.json", "--reset"]);
    assert_eq!(code(&o), 0, "{}", both(&o));
    let b = s.json("scangate-baseline.json");
    assert_eq!(b["entries"].as_array().map(Vec::len), Some(4));
    assert!(
        b["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .all(|e| e["first_seen"] == "2026-06-03")
    );
}

#[test]
fn a_missing_baseline_is_an_error() {
    let o = scangate_in(
        None,
        "2026-06-01",
        &[
            "check",
            "examples/reports",
            "--baseline",
            "no/such/baseline.json",
        ],
    );
    assert_eq!(code(&o), 2, "{}", both(&o));
    assert_eq!(
        stderr(&o),
        "scangate failed: baseline file no/such/baseline.json does not exist\n"
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn a_malformed_baseline_is_an_error_with_its_position() {
    let s = Scratch::new();
    s.write(
        "broken.json",
        "{\n  \"schema_version\": \"1.0\",\n  \"entries\": [\n    {\"fingerprint\": \"abc\"\n",
    );
    let o = s.run(
        "2026-06-01",
        &["check", "trivy.json", "--baseline", "broken.json"],
    );
    assert_eq!(code(&o), 2, "{}", both(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with("scangate failed: malformed baseline file broken.json:5:"),
        "{err}"
    );

    // Well-formed JSON, wrong content: the position and the JSON path of the bad value.
    let o = s.run("2026-05-01", &["baseline", "trivy.json", "-o", "good.json"]);
    assert_eq!(code(&o), 0, "{}", both(&o));
    let good = s.read("good.json");
    let first = good
        .find("\"first_seen\": \"2026-05-01\"")
        .expect("a first_seen");
    let line = good[..first].lines().count();
    s.write(
        "bad-date.json",
        &good.replacen(
            "\"first_seen\": \"2026-05-01\"",
            "\"first_seen\": \"May 1st\"",
            1,
        ),
    );
    let o = s.run(
        "2026-06-01",
        &["check", "trivy.json", "--baseline", "bad-date.json"],
    );
    assert_eq!(code(&o), 2, "{}", both(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "scangate failed: malformed baseline file bad-date.json:{line}:"
        )),
        "{err}"
    );
    assert!(
        err.contains("invalid date `May 1st`: expected YYYY-MM-DD (at $.entries[0].first_seen)"),
        "{err}"
    );

    // Recording over a broken baseline refuses (its dates would be lost) unless --reset.
    let o = s.run(
        "2026-06-01",
        &["baseline", "trivy.json", "-o", "broken.json"],
    );
    assert_eq!(code(&o), 2, "{}", both(&o));
    assert!(
        stderr(&o).contains("use --reset to replace it"),
        "{}",
        both(&o)
    );
}

#[test]
fn an_unreadable_input_writes_no_baseline() {
    let s = Scratch::new();
    let o = s.run("2026-05-01", &["baseline", "trivy.json", "missing.sarif"]);
    assert_eq!(code(&o), 2, "{}", both(&o));
    assert!(stderr(&o).contains("missing.sarif"), "{}", both(&o));
    assert!(!s.path("scangate-baseline.json").exists());
}

#[test]
fn the_same_cve_from_trivy_and_grype_is_one_problem_at_its_highest_severity() {
    let o = scangate_in(
        None,
        "2026-06-01",
        &[
            "check",
            "examples/failing/trivy-image.json",
            "examples/correlation/grype.sarif",
            "tests/fixtures/correlation/trivy.sarif",
            "--output",
            "json=-",
        ],
    );
    assert_eq!(code(&o), 1, "{}", both(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(doc["summary"]["findings"], 8);
    assert_eq!(doc["summary"]["total"], 4);
    assert_eq!(doc["summary"]["correlated"], 3);
    assert_eq!(doc["summary"]["by_outcome"]["fail"], 2);
    let findings = doc["findings"].as_array().expect("findings");
    let group = |rule: &str, input: &str| {
        findings
            .iter()
            .find(|f| f["rule_id"] == rule && f["input"] == input)
            .unwrap_or_else(|| panic!("{rule} in {input}"))
    };
    let trivy = group("CVE-2021-44228", "examples/failing/trivy-image.json");
    let trivy_sarif = group("CVE-2021-44228", "tests/fixtures/correlation/trivy.sarif");
    let grype = group(
        "CVE-2021-44228-log4j-core",
        "examples/correlation/grype.sarif",
    );
    assert!(trivy["correlation_id"].is_string());
    assert_eq!(trivy["correlation_id"], grype["correlation_id"]);
    assert_eq!(trivy["correlation_id"], trivy_sarif["correlation_id"]);
    assert_eq!(grype["reported_by"], serde_json::json!(["Trivy", "grype"]));
    // micromatch: Trivy says medium, Grype high; the GHSA alias joins them, high decides.
    let m_trivy = group("CVE-2024-4067", "examples/failing/trivy-image.json");
    let m_grype = group(
        "GHSA-952p-6rrq-rcjv-micromatch",
        "examples/correlation/grype.sarif",
    );
    assert_eq!(m_trivy["correlation_id"], m_grype["correlation_id"]);
    assert_eq!(
        (
            m_trivy["severity"].clone(),
            m_trivy["effective_severity"].clone()
        ),
        ("medium".into(), "high".into())
    );
    assert_eq!(m_trivy["outcome"], "fail");
    // apt is reported by Trivy only.
    assert!(
        group("CVE-2011-3374", "examples/failing/trivy-image.json")["correlation_id"].is_null()
    );
}

#[test]
fn baseline_help_is_stable() {
    let o = scangate_in(None, "2026-06-01", &["baseline", "--help"]);
    assert_eq!(code(&o), 0);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("snapshots"));
    settings.set_prepend_module_to_snapshot(true);
    settings.bind(|| insta::assert_snapshot!("baseline_help", stdout(&o)));
}

// ---- the README's examples ----------------------------------------------------------------------

/// The ```console blocks of the README section under `heading`.
fn readme_console_blocks(heading: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let start = readme
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("README has no section {heading:?}"));
    let section = &readme[start + 1..];
    let section = match section[3..].find("\n## ") {
        Some(end) => &section[..end + 3],
        None => section,
    };
    let mut blocks = Vec::new();
    let mut rest = section;
    while let Some(open) = rest.find("```console\n") {
        let body = &rest[open + 11..];
        let close = body.find("```").expect("closed block");
        blocks.push(body[..close].to_owned());
        rest = &body[close..];
    }
    assert!(!blocks.is_empty(), "no console block under {heading:?}");
    blocks
}

/// Runs a console block in `dir`: `$ scangate ARGS` runs the binary, `$ echo 'TEXT' > FILE`
/// writes the file. The lines after a command must be its stdout, line by line (trailing
/// spaces aside); a `…` line skips any number of lines.
fn run_console_block(dir: &Path, block: &str) {
    let mut lines = block.lines().peekable();
    while let Some(line) = lines.next() {
        let command = line
            .strip_prefix("$ ")
            .expect("a block starts with a command");
        let mut expected = Vec::new();
        while let Some(next) = lines.next_if(|l| !l.starts_with("$ ")) {
            expected.push(next);
        }
        if let Some(rest) = command.strip_prefix("echo '") {
            let (text, file) = rest.split_once("' > ").expect("echo 'TEXT' > FILE");
            std::fs::write(dir.join(file), format!("{text}\n")).expect("write");
            continue;
        }
        let args: Vec<&str> = command
            .strip_prefix("scangate ")
            .expect("a scangate command")
            .split_whitespace()
            .collect();
        let o = scangate_in(Some(dir), "2026-06-01", &args);
        let out = stdout(&o);
        let actual: Vec<&str> = out.lines().map(str::trim_end).collect();
        let mut at = 0;
        let mut skipping = false;
        for want in expected {
            if want == "…" {
                skipping = true;
                continue;
            }
            if skipping {
                while at < actual.len() && actual[at] != want {
                    at += 1;
                }
                skipping = false;
            }
            assert_eq!(
                actual.get(at).copied(),
                Some(want),
                "README `{command}`: line {} differs\n{}",
                at + 1,
                both(&o)
            );
            at += 1;
        }
        assert!(
            skipping || at == actual.len(),
            "README `{command}` shows fewer lines than it prints\n{}",
            both(&o)
        );
    }
}

fn example_checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for file in [
        "examples/failing/trivy-image.json",
        "examples/correlation/grype.sarif",
    ] {
        let to = dir.path().join(file);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(root().join(file), to).expect("copy");
    }
    dir
}

#[test]
fn readme_baseline_example_runs() {
    let dir = example_checkout();
    for block in readme_console_blocks("Baselines: fail on what is new") {
        run_console_block(dir.path(), &block);
    }
}

#[test]
fn readme_correlation_example_runs() {
    let dir = example_checkout();
    for block in readme_console_blocks("Correlation") {
        run_console_block(dir.path(), &block);
    }
}
